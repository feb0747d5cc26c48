//! `plan --format ip` is the apply it claims to be: the script, run for one namespace, leaves it
//! exactly as `apply` leaves another, resolv.conf and namespace-wide sysctls included, with lo's
//! addresses, a multipath route, route TCP settings and bridge multicast settings among the rest. Needs root (namespaces); ignored by
//! a plain `cargo test`, run by the README's test command.

mod support;

use std::process::Command;

use support::{Ns, assert_same_host, settled_snapshot};

/// `settled_snapshot` by name, not by creation order: the script makes a veth's ends in the
/// order iproute2 does (peer first), apply in its own, so their ifindexes differ.
fn by_name(ns: &Ns) -> String {
    let snap = settled_snapshot(ns);
    let mut parts = Vec::new();
    for part in snap.split("\n[") {
        let text = if part.starts_with('[') { part.to_string() } else { format!("[{part}") };
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let items = v.as_array_mut().unwrap();
        for item in items.iter_mut() {
            if let Some(m) = item.as_object_mut() {
                m.remove("ifindex");
            }
        }
        items.sort_by_key(|i| i.to_string());
        parts.push(serde_json::to_string_pretty(&v).unwrap());
    }
    parts.join("\n")
}

/// Pinned MACs: a veth's are random, and a bridge takes its lowest port's.
const CONFIG: &str = r#"
interfaces:
  - name: lo
    loopback: {}
    addresses: [192.0.2.53/32]
  - name: v0
    veth: { peer: v1 }
    mac: "02:00:00:00:10:01"
    mtu: 1400
    addresses: [192.0.2.1/24, 2001:db8:1::1/64]
    routes:
      - { dst: 198.51.100.0/24, via: 192.0.2.254, initcwnd: 20, congctl: reno }
    ipv4: { forwarding: true }
  - name: v1
    veth: { peer: v0 }
    mac: "02:00:00:00:10:02"
    bridge_port: { mcast_flood: false, mcast_router: 2 }
  - name: br0
    bridge: { ports: [v1], stp: false, forward_delay: 0, mcast_snooping: false }
    addresses: [203.0.113.1/24]
routes:
  - dst: 10.77.0.0/16
    nexthops: [{ via: 192.0.2.254, dev: v0 }, { via: 203.0.113.254, dev: br0, weight: 2 }]
sysctls:
  net.ipv4.ip_forward: 1
  net.core.somaxconn: 1024
dns:
  nameservers: [192.0.2.53]
  search: [example.net]
"#;

/// The namespace-wide sysctls the config sets, as the namespace has them.
fn net_sysctls(ns: &Ns) -> String {
    let keys = ["net.ipv4.ip_forward", "net.core.somaxconn", "net.ipv4.conf.br0.forwarding"];
    let out = Command::new("ip").args(["netns", "exec", &ns.name, "sysctl"]).args(keys).output().unwrap();
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn the_ip_script_for_one_namespace_does_what_apply_does_in_another() {
    let (scripted, applied) = (Ns::new("ipscr"), Ns::new("ipapp"));
    let f = applied.file("c.yaml", CONFIG);

    let out = scripted.hostnet(&["plan", "--format", "ip", &f]);
    let (script, said) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{said}");
    assert!(said.contains("note: planned against the live host"), "{said}");
    assert!(script.contains(&format!("ip() {{ command ip -n {} \"$@\"; }}", scripted.name)), "{script}");
    let resolv = scripted.resolv_conf().display().to_string();
    assert!(script.contains(&format!("> {resolv}")) && !script.contains("/etc/resolv.conf"), "{script}");
    let run = Command::new("sh").arg("-c").arg(&*script).output().unwrap();
    assert!(run.status.success(), "{}\n{script}", String::from_utf8_lossy(&run.stderr));

    applied.hostnet_ok(&["apply", &f]);
    assert_same_host(&by_name(&scripted), &by_name(&applied), "script vs apply");
    let read = |ns: &Ns| std::fs::read_to_string(ns.resolv_conf()).unwrap();
    assert_eq!(read(&scripted), read(&applied), "resolv.conf");
    assert_eq!(net_sysctls(&scripted), net_sysctls(&applied), "namespace-wide sysctls");
    assert!(net_sysctls(&applied).contains("net.core.somaxconn = 1024"));
    // The script's host now matches the file, as apply's does.
    assert!(scripted.hostnet_ok(&["plan", &f]).starts_with("nothing to do"));
}
