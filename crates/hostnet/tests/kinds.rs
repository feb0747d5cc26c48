//! The software kinds this machine's kernel has (macvlan, vxlan), in network namespaces the
//! tests make: created, verified, shown, changed and rolled back to an identical `ip -d -j`
//! snapshot after a failure injected at every step. dummy, ipvlan and vrf, which this kernel
//! lacks, are tested in the VM (`vm.rs`). Needs root; run by the README's test command.

mod support;

use support::{Ns, ip_snapshot};

const BASE: &str = "interfaces:\n  - name: up0\n    veth: { peer: up1 }\n    addresses: [192.0.2.1/24]\n  - name: up1\n    veth: { peer: up0 }\n";

fn every_failure_rolls_back(ns: &Ns, file: &str) {
    let before = ip_snapshot(ns);
    for fail_at in 1..=ns.plan_len(file) {
        let out = ns.hostnet(&["apply", file, "--fail-at", &fail_at.to_string()]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success() && text.contains("injected failure"), "{text}");
        assert_eq!(ip_snapshot(ns), before, "not rolled back after a failure at step {fail_at}:\n{text}");
    }
}

fn detail(ns: &Ns, dev: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(&ns.ip(&["-d", "-j", "link", "show", "dev", dev])).unwrap();
    v[0].clone()
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn macvlan_and_vxlan_are_created_verified_changed_and_rolled_back() {
    let ns = Ns::new("kinds");
    let base = ns.file("base.yaml", BASE);
    ns.hostnet_ok(&["apply", &base]);
    let cfg = format!(
        "{BASE}  - name: mv0\n    macvlan: {{ base: up0, mode: bridge }}\n    addresses: [192.0.2.10/24]\n  - name: vx100\n    vxlan: {{ vni: 100, local: 192.0.2.1, remote: 192.0.2.2, base: up0 }}\n  - name: vx200\n    vxlan: {{ vni: 200, port: 8472, learning: false }}\n"
    );
    let f = ns.file("c.yaml", &cfg);
    every_failure_rolls_back(&ns, &f);

    ns.hostnet_ok(&["apply", &f]);
    let mv = detail(&ns, "mv0");
    assert_eq!(mv["linkinfo"]["info_kind"], "macvlan");
    assert_eq!(mv["linkinfo"]["info_data"]["mode"], "bridge");
    assert_eq!(mv["link"], "up0");
    let vx = detail(&ns, "vx100");
    let d = &vx["linkinfo"]["info_data"];
    assert_eq!(
        (d["id"].as_u64(), d["remote"].as_str(), d["local"].as_str()),
        (Some(100), Some("192.0.2.2"), Some("192.0.2.1"))
    );
    assert_eq!((d["port"].as_u64(), d["link"].as_str()), (Some(4789), Some("up0")));
    let d = detail(&ns, "vx200")["linkinfo"]["info_data"].clone();
    assert_eq!((d["port"].as_u64(), d["learning"].as_bool()), (Some(8472), Some(false)), "{d}");
    assert_eq!(ns.plan_len(&f), 0, "a second plan is not empty");

    // `show` writes them in the config schema, defaults left unsaid.
    let shown = ns.hostnet_ok(&["show", "--yaml"]);
    assert!(shown.contains("macvlan:\n    base: up0\n    mode: bridge"), "{shown}");
    assert!(shown.contains("vni: 100"), "{shown}");
    assert!(!shown.contains("port: 4789"), "{shown}");

    // A mode or VNI change makes the link anew, with its addresses.
    let changed = ns.file("d.yaml", &cfg.replace("mode: bridge", "mode: private").replace("vni: 100", "vni: 101"));
    let plan = ns.hostnet_ok(&["plan", "--live", &changed]);
    assert!(plan.contains("delete") && plan.contains("mv0"), "{plan}");
    every_failure_rolls_back(&ns, &changed);
    ns.hostnet_ok(&["apply", &changed]);
    assert_eq!(detail(&ns, "mv0")["linkinfo"]["info_data"]["mode"], "private");
    assert_eq!(detail(&ns, "vx100")["linkinfo"]["info_data"]["id"], 101);
    assert!(ns.ip(&["-br", "addr", "show", "mv0"]).contains("192.0.2.10/24"));
    assert_eq!(ns.plan_len(&changed), 0);
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn bad_software_kinds_are_located() {
    let ns = Ns::new("kindsbad");
    for (body, line, what) in [
        ("    vxlan: { vni: 16777216 }\n", "bad.yaml:3", "out of range"),
        ("    vxlan: { vni: 5, remote: 192.0.2.2, group: 239.1.1.1 }\n", "bad.yaml:3", "not both"),
        ("    vxlan: { vni: 5, group: 239.1.1.1 }\n", "bad.yaml:3", "needs `base`"),
        ("    macvlan: { base: nope }\n", "bad.yaml:3", "base `nope` is not declared"),
        ("    macvlan: { base: up0, mode: hairpin }\n", "bad.yaml:3", "expected one of"),
        ("    vrf: { table: 254 }\n", "bad.yaml:3", "kernel's"),
        ("    ethernet: {}\n    vrf: nope\n", "bad.yaml:4", "not a declared VRF"),
    ] {
        let f = ns.file("bad.yaml", &format!("interfaces:\n  - name: x0\n{body}{}", &BASE[12..]));
        let out = ns.hostnet(&["check", &f]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.code() == Some(2) && err.contains(line) && err.contains(what), "{body}: {err}");
    }
}
