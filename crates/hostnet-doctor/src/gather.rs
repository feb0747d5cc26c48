//! Taking a snapshot of the live host, read-only.

use std::process::Command;

use hostnet_netlink::Netlink;

use crate::{Ruleset, Snapshot};

/// Reads links over netlink, /etc/hosts, /proc/net/bonding, and the firewall rulesets as
/// `nft` and `iptables-save` print them (when those tools are installed).
pub async fn gather(nl: &Netlink) -> Result<Snapshot, hostnet_netlink::Error> {
    let observed = nl.observe().await?;
    let mut s = Snapshot {
        hostname: hostname(),
        hosts: std::fs::read_to_string("/etc/hosts").ok(),
        state: observed.state,
        status: observed.status,
        ..Snapshot::default()
    };
    if let Ok(dir) = std::fs::read_dir("/proc/net/bonding") {
        for e in dir.flatten() {
            if let Ok(t) = std::fs::read_to_string(e.path()) {
                s.bonding.push((e.file_name().to_string_lossy().to_string(), t));
            }
        }
        s.bonding.sort();
    }
    if let Some(t) = run(&["nft", "list", "ruleset"]) {
        s.rulesets.push(Ruleset::Nft(t));
    }
    for tool in ["iptables-save", "ip6tables-save"] {
        if let Some(t) = run(&[tool]) {
            s.rulesets.push(Ruleset::IptablesSave(t));
        }
    }
    Ok(s)
}

fn run(argv: &[&str]) -> Option<String> {
    let out = Command::new(argv[0]).args(&argv[1..]).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).to_string())
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into our buffer.
    if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).to_string()
}
