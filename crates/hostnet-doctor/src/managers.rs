//! Finding other network managers at work on the declared links, from the state files they
//! keep under /run and from /proc: read-only, no D-Bus, so it works before any bus is up.

use std::path::Path;

use crate::rules::managers::{Claim, Manager};

/// Who else manages the links `config` declares, as they are on the host now (a NIC by the
/// name its match finds, which is the name other managers know it by).
pub fn for_config(config: &hostnet_core::Config, state: &hostnet_core::State) -> Vec<Claim> {
    let links: Vec<(String, u32)> = config
        .interfaces
        .iter()
        .filter_map(|i| {
            let live = match &i.kind {
                hostnet_core::model::Kind::Ethernet(e) => state.find_nic(&i.name, &e.matches),
                _ => state.get(&i.name),
            }?;
            Some((live.iface.name.clone(), live.index))
        })
        .collect();
    claims(Path::new("/"), &links)
}

/// Who else manages each of `links` (name and ifindex). `root` is `/` except in tests.
pub fn claims(root: &Path, links: &[(String, u32)]) -> Vec<Claim> {
    let running = processes(root);
    let runs = |comm: &str| running.iter().any(|(_, c, _)| c == comm);
    let mut out = Vec::new();
    for (name, index) in links {
        if runs("systemd-network") {
            let state = read(&root.join(format!("run/systemd/netif/links/{index}")));
            let field = |k: &str| state.lines().find_map(|l| l.strip_prefix(&format!("{k}="))).map(str::to_string);
            let admin = field("ADMIN_STATE").unwrap_or_default();
            let file = field("NETWORK_FILE").filter(|f| !f.is_empty());
            if file.is_some() && !matches!(admin.as_str(), "unmanaged" | "linger" | "") {
                out.push(Claim {
                    link: name.clone(),
                    manager: Manager::Networkd { network_file: file.clone() },
                    evidence: format!("ADMIN_STATE={admin}, NETWORK_FILE={}", file.unwrap_or_default()),
                });
            }
        }
        if runs("NetworkManager") {
            let dev = read(&root.join(format!("run/NetworkManager/devices/{index}")));
            if dev.lines().any(|l| l.trim() == "managed=true") {
                out.push(Claim {
                    link: name.clone(),
                    manager: Manager::NetworkManager,
                    evidence: format!("/run/NetworkManager/devices/{index}: managed=true"),
                });
            }
        }
        if let Some(why) = ifupdown(root, name) {
            out.push(Claim { link: name.clone(), manager: Manager::Ifupdown, evidence: why });
        }
        for (pid, comm, args) in &running {
            if matches!(comm.as_str(), "dhclient" | "dhcpcd" | "udhcpc") && args.iter().any(|a| a == name) {
                out.push(Claim {
                    link: name.clone(),
                    manager: Manager::DhcpClient { program: comm.clone(), pid: *pid },
                    evidence: format!("its command line names {name}: {}", args.join(" ")),
                });
            }
        }
    }
    out
}

/// ifupdown has the link up now (its state file), or brings it up at boot: an `auto` line with
/// networking.service enabled, or an `allow-hotplug` line while ifupdown's udev hook is in
/// place, which starts ifup@NAME.service at boot (coldplug) and on hotplug whether
/// networking.service is enabled or not.
fn ifupdown(root: &Path, name: &str) -> Option<String> {
    let ifstate = root.join(format!("run/network/ifstate.{name}"));
    if read(&ifstate).trim() == name {
        return Some(format!("/run/network/ifstate.{name}: ifup brought it up"));
    }
    let enabled = ["multi-user.target.wants", "network-online.target.wants"]
        .iter()
        .any(|w| root.join(format!("etc/systemd/system/{w}/networking.service")).exists());
    let hook = udev_hook(root);
    let mut files = vec![root.join("etc/network/interfaces")];
    if let Ok(d) = std::fs::read_dir(root.join("etc/network/interfaces.d")) {
        files.extend(d.flatten().map(|e| e.path()));
    }
    for f in files {
        for (n, line) in read(&f).lines().enumerate() {
            let mut w = line.split_whitespace();
            let why = match w.next() {
                Some("auto" | "allow-auto") if enabled => "networking.service is enabled".to_string(),
                Some("allow-hotplug") if hook => {
                    format!(
                        "ifupdown's udev hook starts ifup@{name}.service for it, even with networking.service disabled"
                    )
                }
                _ => continue,
            };
            if w.any(|x| x == name) {
                return Some(format!("{}:{}: {} ({why})", f.display(), n + 1, line.trim()));
            }
        }
    }
    None
}

/// ifupdown's udev rule is installed and not masked by a file of the same name in /etc.
fn udev_hook(root: &Path) -> bool {
    let name = "80-ifupdown.rules";
    let installed = ["lib/udev/rules.d", "usr/lib/udev/rules.d"].iter().any(|d| root.join(d).join(name).exists());
    let mask = root.join("etc/udev/rules.d").join(name);
    // A symlink to /dev/null (the usual mask) or any file there replaces the packaged rule.
    let masked = mask.symlink_metadata().is_ok();
    installed && !masked
}

/// Every process: pid, comm and arguments.
fn processes(root: &Path) -> Vec<(u32, String, Vec<String>)> {
    let Ok(dir) = std::fs::read_dir(root.join("proc")) else { return vec![] };
    dir.flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let comm = read(&e.path().join("comm")).trim().to_string();
            let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            let args =
                cmdline.split(|b| *b == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8_lossy(a).to_string());
            Some((pid, comm, args.collect()))
        })
        .collect()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn state_files_and_processes_name_the_manager_of_each_link() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(r, "proc/101/comm", "systemd-network\n");
        write(r, "proc/101/cmdline", "/lib/systemd/systemd-networkd\0");
        write(r, "proc/202/comm", "dhclient\n");
        write(r, "proc/202/cmdline", "dhclient\0-4\0-v\0ens18\0");
        write(
            r,
            "run/systemd/netif/links/2",
            "ADMIN_STATE=configured\nNETWORK_FILE=/run/systemd/network/10-netplan-ens16.network\n",
        );
        write(r, "run/systemd/netif/links/3", "ADMIN_STATE=unmanaged\n");
        write(r, "etc/systemd/system/multi-user.target.wants/networking.service", "");
        write(r, "etc/network/interfaces", "auto lo\niface lo inet loopback\nauto ens19\niface ens19 inet dhcp\n");
        let links =
            [("ens16".to_string(), 2), ("ens17".to_string(), 3), ("ens18".to_string(), 4), ("ens19".to_string(), 5)];
        let c = claims(r, &links);
        let got: Vec<(&str, String)> = c.iter().map(|c| (c.link.as_str(), c.manager.name())).collect();
        assert_eq!(
            got,
            [
                ("ens16", "systemd-networkd".to_string()),
                ("ens18", "dhclient (pid 202)".to_string()),
                ("ens19", "ifupdown".to_string())
            ]
        );
        assert!(c[2].evidence.contains("interfaces:3: auto ens19 (networking.service is enabled)"), "{c:?}");
    }

    #[test]
    fn allow_hotplug_claims_the_link_through_udev_even_with_networking_service_disabled() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(
            r,
            "etc/network/interfaces",
            "auto ens16\niface ens16 inet dhcp\nallow-hotplug ens17\niface ens17 inet dhcp\n",
        );
        let links = [("ens16".to_string(), 2), ("ens17".to_string(), 3)];
        assert!(claims(r, &links).is_empty(), "no udev hook, networking.service disabled: nothing brings them up");
        write(r, "usr/lib/udev/rules.d/80-ifupdown.rules", "SUBSYSTEM==\"net\", RUN+=\"ifupdown-hotplug\"\n");
        let c = claims(r, &links);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].link, "ens17");
        assert!(c[0].evidence.contains("ifup@ens17.service") && c[0].evidence.contains("disabled"), "{c:?}");
        std::fs::create_dir_all(r.join("etc/udev/rules.d")).unwrap();
        std::os::unix::fs::symlink("/dev/null", r.join("etc/udev/rules.d/80-ifupdown.rules")).unwrap();
        assert!(claims(r, &links).is_empty(), "a masked hook brings nothing up");
    }
}
