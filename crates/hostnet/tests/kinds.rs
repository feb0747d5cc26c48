//! The software kinds this machine's kernel has (macvlan, vxlan), in network namespaces the
//! tests make: created, verified, shown, changed and rolled back to an identical `ip -d -j`
//! snapshot after a failure injected at every step. dummy, ipvlan and vrf, which this kernel
//! lacks, are tested in the VM (`vm.rs`). Needs root; run by the README's test command.

mod support;

use support::{Ns, every_failure_rolls_back};

const BASE: &str = "interfaces:\n  - name: up0\n    veth: { peer: up1 }\n    addresses: [192.0.2.1/24]\n  - name: up1\n    veth: { peer: up0 }\n";

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
        assert!(out.status.code() == Some(65) && err.contains(line) && err.contains(what), "{body}: {err}");
    }
}

const BRIDGED: &str = "interfaces:\n  - name: p0\n    veth: { peer: q0 }\n  - name: q0\n    veth: { peer: p0 }\n  - name: p1\n    veth: { peer: q1 }\n  - name: q1\n    veth: { peer: p1 }\n  - name: br0\n    bridge: { ports: [p0, p1], stp: false }\n";

#[test]
#[ignore = "needs root: creates network namespaces"]
fn bridge_and_port_settings_with_multicast_apply_verify_and_roll_back() {
    let ns = Ns::new("brport");
    let base = ns.file("base.yaml", BRIDGED);
    ns.hostnet_ok(&["apply", &base]);
    // A new bridge's operstate turns from UNKNOWN to UP once its ports forward: the snapshot
    // the rollbacks are compared with is taken after that.
    let t0 = std::time::Instant::now();
    while detail(&ns, "br0")["operstate"] != "UP" && t0.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let port = |dev: &str| detail(&ns, dev)["linkinfo"]["info_slave_data"].clone();
    let cfg = BRIDGED.replace(
        "    veth: { peer: q0 }\n",
        "    veth: { peer: q0 }\n    bridge_port: { cost: 77, priority: 9, hairpin: true, isolated: true, learning: false, flood: false, bpdu_guard: true, mcast_flood: false, mcast_router: 2, neigh_suppress: true }\n",
    )
    .replace("stp: false }", "stp: false, mcast_snooping: false, mcast_querier: true }");
    let f = ns.file("c.yaml", &cfg);
    every_failure_rolls_back(&ns, &f);
    ns.hostnet_ok(&["apply", &f]);
    let p = port("p0");
    assert_eq!((p["cost"].as_u64(), p["priority"].as_u64()), (Some(77), Some(9)), "{p}");
    for (k, v) in [
        ("hairpin", true),
        ("isolated", true),
        ("learning", false),
        ("flood", false),
        ("guard", true),
        ("mcast_flood", false),
        ("neigh_suppress", true),
    ] {
        assert_eq!(p[k].as_bool(), Some(v), "{k}: {p}");
    }
    assert_eq!(p["multicast_router"].as_u64(), Some(2), "{p}");
    let br = detail(&ns, "br0")["linkinfo"]["info_data"].clone();
    assert_eq!((br["mcast_snooping"].as_u64(), br["mcast_querier"].as_u64()), (Some(0), Some(1)), "{br}");
    assert_eq!(port("p1")["learning"].as_bool(), Some(true), "an undeclared port keeps the defaults");
    assert_eq!(ns.plan_len(&f), 0, "a second plan is not empty");
    assert!(ns.hostnet_ok(&["show", "--yaml"]).contains("bpdu_guard: true"));

    // Changed by hand: drift, set back; dropped from the file: left as it is.
    ns.ip(&["link", "set", "dev", "p0", "type", "bridge_slave", "cost", "5"]);
    assert_eq!(ns.plan_len(&f), 1);
    ns.hostnet_ok(&["apply", &f]);
    assert_eq!(port("p0")["cost"].as_u64(), Some(77));
    // A port enslaved in the same plan gets its settings after it joins.
    let fresh = Ns::new("brport2");
    let f2 = fresh.file("c.yaml", &cfg);
    fresh.hostnet_ok(&["apply", &f2]);
    assert_eq!(detail(&fresh, "p0")["linkinfo"]["info_slave_data"]["cost"].as_u64(), Some(77));

    let bad = ns.file(
        "bad.yaml",
        &BRIDGED.replace(
            "  - name: br0\n",
            "  - name: x9\n    ethernet: {}\n    bridge_port: { priority: 64 }\n  - name: br0\n",
        ),
    );
    let out = ns.hostnet(&["check", &bad]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.yaml:12:5") && err.contains("not a port of any declared bridge"), "{err}");
    assert!(err.contains("priority 64 is above 63"), "{err}");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn bad_bridge_vlans_are_located() {
    // This machine's kernel has no bridge VLAN filtering: applying is tested in the VM
    // (`bridge_vlans_on_ports_and_the_bridge` in vm.rs); checking works anywhere.
    let ns = Ns::new("brvlanbad");
    let bad = ns.file(
        "bad.yaml",
        &BRIDGED.replace(
            "    veth: { peer: q0 }\n",
            "    veth: { peer: q0 }\n    bridge_port: { vlans: [5000, { vid: \"2-3\", pvid: true }] }\n",
        ),
    );
    let out = ns.hostnet(&["check", &bad]);
    let err = String::from_utf8_lossy(&out.stderr);
    for want in [
        "need `vlan_filtering: true` on bridge `br0`",
        "VLAN 5000-5000 is not a range within 1-4094",
        "the PVID is one VLAN",
    ] {
        assert!(err.contains(want), "missing {want:?} in {err}");
    }
}

/// `ethtool -k` and `-l` of a device (the test's own view; the product uses netlink).
fn ethtool_view(ns: &Ns, dev: &str) -> String {
    let run = |flag: &str| {
        let out =
            std::process::Command::new("ip").args(["netns", "exec", &ns.name, "ethtool", flag, dev]).output().unwrap();
        assert!(out.status.success(), "ethtool {flag}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    run("-k") + &run("-l")
}

fn feature(view: &str, name: &str) -> String {
    view.lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in\n{view}"))
        .to_string()
}

#[test]
#[ignore = "needs root and ethtool (the test's view); creates network namespaces"]
fn nic_features_and_channels_apply_verify_and_roll_back() {
    let ns = Ns::new("ethtool");
    let pair = "interfaces:\n  - name: v0\n    veth: { peer: v1 }\n  - name: v1\n    veth: { peer: v0 }\n";
    ns.hostnet_ok(&["apply", &ns.file("base.yaml", pair)]);
    let cfg = pair.replace(
        "    veth: { peer: v1 }\n",
        "    veth: { peer: v1 }\n    ethtool: { features: { tso: false, gro: true }, channels: { rx: 2, tx: 2 } }\n",
    );
    let f = ns.file("c.yaml", &cfg);
    let before = ethtool_view(&ns, "v0");
    for fail_at in 1..=ns.plan_len(&f) {
        let out = ns.hostnet(&["apply", &f, "--fail-at", &fail_at.to_string()]);
        assert!(!out.status.success());
        assert_eq!(
            ethtool_view(&ns, "v0"),
            before,
            "not rolled back at step {fail_at}:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    ns.hostnet_ok(&["apply", &f]);
    let v = ethtool_view(&ns, "v0");
    assert_eq!(feature(&v, "tx-tcp-segmentation"), "off", "{v}");
    assert_eq!(feature(&v, "generic-receive-offload"), "on", "{v}");
    let current = &v[v.find("Current hardware settings").unwrap()..];
    assert!(current.contains("RX:\t\t2") && current.contains("TX:\t\t2"), "{v}");
    assert_eq!(ns.plan_len(&f), 0, "a second plan is not empty");

    // Changed by hand: drift, set back.
    let out = std::process::Command::new("ip")
        .args(["netns", "exec", &ns.name, "ethtool", "-K", "v0", "gro", "off"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(ns.plan_len(&f), 1);
    ns.hostnet_ok(&["apply", &f]);
    assert_eq!(feature(&ethtool_view(&ns, "v0"), "generic-receive-offload"), "on");
    assert!(ns.hostnet_ok(&["show", "ethtool", "v0"]).contains("rx-gro: on"));

    // A feature the device does not have: the device's own error, and nothing changed.
    let bad = ns.file(
        "bad.yaml",
        &pair.replace(
            "    veth: { peer: v1 }\n",
            "    veth: { peer: v1 }\n    ethtool: { features: { no-such-offload: true } }\n",
        ),
    );
    let out = ns.hostnet(&["apply", &bad]);
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && text.contains("v0: ethtool features"), "{text}");
}

/// veth has no rings, coalescing or settable link modes: each is the device's own error, named
/// by device and group, and the feature change before it in the same plan is undone.
#[test]
#[ignore = "needs root and ethtool (the test's view); creates network namespaces"]
fn nic_settings_a_veth_lacks_fail_by_device_and_change_nothing() {
    let ns = Ns::new("ethring");
    let pair = "interfaces:\n  - name: v0\n    veth: { peer: v1 }\n  - name: v1\n    veth: { peer: v0 }\n";
    ns.hostnet_ok(&["apply", &ns.file("base.yaml", pair)]);
    let before = ethtool_view(&ns, "v0");
    for (group, yaml, said) in [
        ("rings", "rings: { rx: 512 }", "v0: ethtool rings"),
        ("coalesce", "coalesce: { rx_usecs: 10 }", "v0: ethtool coalesce"),
        ("link", "link: { autoneg: false, speed: 1000, duplex: full }", "v0: ethtool link modes"),
    ] {
        let cfg = pair.replace(
            "    veth: { peer: v1 }\n",
            &format!("    veth: {{ peer: v1 }}\n    ethtool: {{ features: {{ tso: false }}, {yaml} }}\n"),
        );
        let out = ns.hostnet(&["apply", &ns.file(&format!("{group}.yaml"), &cfg)]);
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && text.contains(said), "{group}: {text}");
        assert!(text.contains("undone   set_ethtool v0 tx-tcp-segmentation on"), "{group}: {text}");
        assert_eq!(ethtool_view(&ns, "v0"), before, "{group}: not rolled back:\n{text}");
    }
    let show = ns.hostnet_ok(&["show", "ethtool", "v0"]);
    assert!(show.contains("rings: not supported by the driver"), "{show}");
    assert!(show.contains("link: autoneg off, speed 10000, duplex full"), "{show}");
}
