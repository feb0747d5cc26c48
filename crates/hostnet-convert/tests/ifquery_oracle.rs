//! ifupdown's own parser as the judge of `import ifupdown`: for every file of the corpus
//! (tests/corpus/ifupdown), each option `ifquery` reports for each interface must be carried
//! into hostnet's config with the same meaning, or declared lost on that line. Anything else is
//! a silent difference, and there must be none. Which interfaces come up at boot is compared
//! too (`ifquery --list`, with and without `--allow hotplug`).
//!
//! ifquery comes from Debian's ifupdown package, unpacked (not installed) under target/ifupdown
//! by .ci/run; the test fails, saying so, where it is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use hostnet_convert::ifupdown;
use hostnet_core::model::{Interface, Kind, LinkState, RouteDst};

fn ifquery_bin() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/ifupdown/sbin/ifquery");
    assert!(p.exists(), "{} is missing: .ci/run unpacks Debian's ifupdown there", p.display());
    p
}

fn ifquery(file: &Path, args: &[&str]) -> String {
    let out = Command::new(ifquery_bin()).arg("-i").arg(file).args(args).output().expect("run ifquery");
    assert!(out.status.success(), "ifquery {args:?} {}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// ifquery's `key: value` lines; a line without a key continues the value before it (a
/// repeated option is printed as one value over several lines).
fn options(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        match line.split_once(": ") {
            Some((k, v)) if !k.contains(' ') => out.push((k.to_string(), v.to_string())),
            _ => {
                if let Some((_, v)) = out.last_mut() {
                    v.push(' ');
                    v.push_str(line.trim());
                }
            }
        }
    }
    out
}

fn mask_len(m: &str) -> u8 {
    match m.parse::<std::net::Ipv4Addr>() {
        Ok(a) => u32::from(a).count_ones() as u8,
        Err(_) => m.parse().expect("a prefix length"),
    }
}

#[derive(Default)]
struct Tally {
    compared: usize,
    declared: usize,
    silent: Vec<String>,
}

/// Judges one ifquery option of `name` against the import.
fn judge(
    t: &mut Tally,
    name: &str,
    key: &str,
    value: &str,
    i: Option<&Interface>,
    config: &hostnet_core::Config,
    lost: &str,
) {
    let json = i.map(|i| serde_json::to_string(i).unwrap()).unwrap_or_default();
    let declared = lost.contains(&format!("{key} {value}")) || lost.contains(&format!("iface {name}: {key} {value}"));
    let carried = match key {
        "accept_ra" => i.is_some_and(|i| i.ipv6.accept_ra == Some(value != "0")),
        "autoconf" => i.is_some_and(|i| i.ipv6.slaac == Some(value != "0")),
        // ifup's defaults for what hostnet does not do either: no prefix delegation request, no
        // preferred lifetime.
        "request_prefix" if value == "0" => true,
        "preferred-lifetime" if value.is_empty() => true,
        // ifup's wait for DAD or a link-local address: declared, or not asked for (0 attempts).
        k @ ("dad-attempts" | "dad-interval" | "ll-attempts" | "ll-interval") => {
            let prefix = &k[..k.find('-').unwrap()];
            !lost.contains(&format!("iface {name}: {prefix}-attempts")) && (value == "0" || k.ends_with("interval"))
        }
        "gateway" => i.is_some_and(|i| {
            i.routes
                .iter()
                .any(|r| r.dst == RouteDst::Default && r.via.map(|v| v.to_string()).as_deref() == Some(value))
        }),
        "mtu" => i.and_then(|i| i.mtu).map(|m| m.to_string()).as_deref() == Some(value),
        "hwaddress" => i.and_then(|i| i.mac).is_some_and(|m| value.ends_with(&m.to_string())),
        "bond-slaves" if value == "none" => matches!(i.map(|i| &i.kind), Some(Kind::Bond(_))),
        "bond-slaves" => i.is_some_and(|i| value.split_whitespace().all(|p| i.kind.ports().iter().any(|q| q == p))),
        "bond-mode" => {
            matches!(i.map(|i| &i.kind), Some(Kind::Bond(b)) if b.mode.to_string() == value || value.parse() == Ok(b.mode))
        }
        "bond-master" => config.get(value).is_some_and(|b| b.kind.ports().iter().any(|p| p == name)),
        "bridge-ports" | "bridge_ports" => {
            i.is_some_and(|i| value.split_whitespace().all(|p| i.kind.ports().iter().any(|q| q == p)))
        }
        "vlan-raw-device" => matches!(i.map(|i| &i.kind), Some(Kind::Vlan(v)) if v.base == value),
        "dns-nameservers" | "dns-search" => {
            let dns = serde_json::to_string(&config.dns).unwrap();
            value.split_whitespace().all(|v| dns.contains(v))
        }
        "up" | "post-up" if value.contains(" route add ") => {
            let dst = value.split_whitespace().skip_while(|w| *w != "add").nth(1).unwrap_or("?");
            json.contains(&format!("\"dst\":\"{dst}\""))
        }
        "up" | "post-up" if value.contains(" rule add ") => {
            let rules = serde_json::to_string(&config.routing_rules).unwrap();
            value.split_whitespace().skip_while(|w| *w != "table").nth(1).is_some_and(|t| rules.contains(t))
        }
        // Bond and bridge options: their value, as the config writes it.
        _ => {
            let v = match value {
                "on" | "yes" => "true",
                "off" | "no" => "false",
                v => v,
            };
            json.contains(&format!(":{v}")) || json.contains(&format!(":\"{v}\""))
        }
    };
    if carried {
        t.compared += 1;
    } else if declared {
        t.declared += 1;
    } else {
        t.silent.push(format!("{name}: {key} {value}"));
    }
}

#[test]
fn every_option_ifquery_sees_is_carried_or_declared_lost() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/ifupdown");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 6, "{files:?}");
    let mut table = format!("{:<42} {:>6} {:>8} {:>8} {:>6}\n", "file", "ifaces", "carried", "declared", "silent");
    let mut silent = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let imported = ifupdown::import(&f.display().to_string(), &text);
        let lost: String = imported.lost.iter().map(|l| format!("{}: {}: {}\n", l.at, l.what, l.why)).collect();
        let config = &imported.config;
        let names: Vec<String> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("iface "))
            .filter_map(|l| l.split_whitespace().next().map(String::from))
            .fold(Vec::new(), |mut v, n| {
                if !v.contains(&n) {
                    v.push(n);
                }
                v
            });
        let mut t = Tally::default();
        for name in &names {
            let i = config.get(name);
            let opts = options(&ifquery(f, &[name]));
            // address and netmask come in pairs, one per static stanza; broadcast is derived.
            let addrs: Vec<&String> = opts.iter().filter(|(k, _)| k == "address").map(|(_, v)| v).collect();
            let masks: Vec<&String> = opts.iter().filter(|(k, _)| k == "netmask").map(|(_, v)| v).collect();
            for (a, m) in addrs.iter().zip(masks.iter().map(Some).chain(std::iter::repeat(None))) {
                let cidr =
                    if a.contains('/') { a.to_string() } else { format!("{a}/{}", m.map_or(32, |m| mask_len(m))) };
                let cidr: hostnet_core::model::Cidr = cidr.parse().unwrap();
                if i.is_some_and(|i| i.addresses.contains(&cidr)) {
                    t.compared += 1;
                } else {
                    t.silent.push(format!("{name}: address {cidr}"));
                }
            }
            for (k, v) in opts.iter().filter(|(k, _)| !matches!(k.as_str(), "address" | "netmask" | "broadcast")) {
                judge(&mut t, name, k, v, i, config, &lost);
            }
        }
        // Which interfaces come up at boot.
        let mut started: Vec<String> = ifquery(f, &["--list"]).lines().map(String::from).collect();
        started.extend(ifquery(f, &["--list", "--allow", "hotplug"]).lines().map(String::from));
        let brought: Vec<&String> = config
            .interfaces
            .iter()
            .flat_map(|i| i.kind.ports().iter().chain(i.kind.base().into_iter().map(|_| &i.name).take(0)))
            .collect();
        let bases: Vec<&str> = config.interfaces.iter().filter_map(|i| i.kind.base()).collect();
        for name in &names {
            let Some(i) = config.get(name) else { continue };
            let port = brought.contains(&name) || bases.contains(&name.as_str());
            let up = i.state == LinkState::Up;
            match (started.contains(name), port, up) {
                (true, _, true) | (false, true, _) => t.compared += 1,
                (false, false, false) if lost.contains(&format!("iface {name} (no `auto`")) => t.declared += 1,
                _ => t
                    .silent
                    .push(format!("{name}: brought up at boot: ifupdown {}, hostnet {up}", started.contains(name))),
            }
        }
        let file = f.file_name().unwrap().to_string_lossy().to_string();
        table.push_str(&format!(
            "{file:<42} {:>6} {:>8} {:>8} {:>6}\n",
            names.len(),
            t.compared,
            t.declared,
            t.silent.len()
        ));
        silent.extend(t.silent.into_iter().map(|s| format!("{file}: {s}")));
    }
    eprintln!("{table}");
    assert!(silent.is_empty(), "silent differences:\n{}\n{table}", silent.join("\n"));
}

/// ifupdown reads every file hostnet exports, and sees the same interfaces brought up: the
/// corpus once imported, and the repository's examples.
#[test]
fn ifquery_accepts_every_export() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/ifupdown");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut configs: Vec<(String, hostnet_core::Config)> = Vec::new();
    for e in std::fs::read_dir(&corpus).unwrap() {
        let p = e.unwrap().path();
        let imported = ifupdown::import("x", &std::fs::read_to_string(&p).unwrap());
        configs.push((p.display().to_string(), imported.config));
    }
    for e in std::fs::read_dir(&examples).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "yaml") {
            configs.push((p.display().to_string(), hostnet_core::load_file(&p).unwrap()));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    for (from, config) in configs {
        let exported = ifupdown::export(&config);
        let f = dir.path().join("interfaces");
        std::fs::write(&f, &exported.files[0].1).unwrap();
        let listed = ifquery(&f, &["--list"]);
        for i in config.interfaces.iter().filter(|i| i.state == LinkState::Up && !matches!(i.kind, Kind::Veth(_))) {
            assert!(
                listed.lines().any(|l| l == i.name),
                "{from}: {} not brought up by the export:\n{}",
                i.name,
                exported.files[0].1
            );
            let out = Command::new(ifquery_bin()).arg("-i").arg(&f).arg(&i.name).output().unwrap();
            assert!(
                out.status.success() && out.stderr.is_empty(),
                "{from}: ifquery {}: {}",
                i.name,
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
