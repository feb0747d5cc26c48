//! The IP layer against the real kernel, in namespaces the tests make: policy routing rules
//! and per-interface sysctls applied, verified, idempotent, and rolled back to exactly what
//! was there, plus the located errors and warnings of bad rules. Needs root; run by the
//! README's test command (`--include-ignored`).

mod support;

use std::time::{Duration, Instant};

use support::Ns;

/// Every IPv4 and IPv6 rule with its protocol, as `ip -d rule` prints them.
fn rules(ns: &Ns) -> String {
    ns.ip(&["-d", "rule", "show"]) + &ns.ip(&["-6", "-d", "rule", "show"])
}

fn sysctl(ns: &Ns, family: &str, ifname: &str, leaf: &str) -> String {
    let path = format!("/proc/sys/net/{family}/conf/{ifname}/{leaf}");
    let out = std::process::Command::new("ip").args(["netns", "exec", &ns.name, "cat", &path]).output().unwrap();
    assert!(out.status.success(), "{path}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The sysctls hostnet manages, for the given links, one `if/family/leaf=value` per line.
fn sysctls(ns: &Ns, links: &[&str]) -> String {
    let mut out = String::new();
    for l in links {
        for leaf in ["forwarding", "rp_filter", "arp_ignore", "arp_announce", "proxy_arp"] {
            out += &format!("{l}/ipv4/{leaf}={}\n", sysctl(ns, "ipv4", l, leaf));
        }
        let v6 = ["forwarding", "accept_ra", "autoconf", "addr_gen_mode", "disable_ipv6", "use_tempaddr"];
        for leaf in v6.into_iter().chain(["accept_dad", "dad_transmits"]) {
            out += &format!("{l}/ipv6/{leaf}={}\n", sysctl(ns, "ipv6", l, leaf));
        }
    }
    out
}

/// The IPv6 link-local addresses of a link, once none of them is still in DAD.
fn link_local(ns: &Ns, ifname: &str) -> Vec<String> {
    let t0 = Instant::now();
    loop {
        let text = ns.ip(&["-6", "-o", "addr", "show", "dev", ifname, "scope", "link"]);
        if !text.contains("tentative") || t0.elapsed() > Duration::from_secs(10) {
            return text.split_whitespace().filter(|w| w.starts_with("fe80:")).map(String::from).collect();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Applies `file` with a failure injected at each of its steps in turn, and checks after each
/// that `check` sees what it saw before (it gets the step number and the apply's report).
fn every_failure_rolls_back(ns: &Ns, file: &str, mut check: impl FnMut(usize, &str)) {
    for fail_at in 1..=ns.plan_len(file) {
        let out = ns.hostnet(&["apply", file, "--fail-at", &fail_at.to_string()]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success() && text.contains("injected failure"), "{text}");
        check(fail_at, &text);
    }
}

/// Every route of both families in every table, with details.
fn all_routes(ns: &Ns) -> String {
    ns.ip(&["-d", "route", "show", "table", "all"]) + &ns.ip(&["-6", "-d", "route", "show", "table", "all"])
}

const RULES: &str = r#"
interfaces:
  - name: r0
    veth: { peer: r1 }
    addresses: [192.0.2.1/24, 2001:db8:1::1/64]
    routes:
      - { dst: 198.51.100.0/24, via: 192.0.2.254, table: 100 }
      - { dst: 2001:db8:99::/48, via: 2001:db8:1::fe, table: 100 }
      - { dst: 203.0.113.0/24, via: 192.0.2.253, table: 200 }
  - name: r1
    veth: { peer: r0 }
routing_rules:
  - { from: 192.0.2.0/24, table: 100, priority: 1000 }
  - { from: 2001:db8:1::/64, table: 100, priority: 1000 }
  - { fwmark: "0x10/0xff", ipproto: tcp, dport: 443, table: 200, priority: 1100 }
  - { iif: r1, to: 10.0.0.0/8, action: unreachable, priority: 1200 }
  - { uid: 1000-1999, table: 200, priority: 1300 }
  - { not: true, from: 198.51.100.0/24, table: 100, priority: 1400 }
  - { tos: 0x10, table: 200, priority: 1500 }
  - { priority: 1600, goto: 1800 }
  - { l3mdev: true, priority: 1700 }
"#;

#[test]
#[ignore = "needs root: creates network namespaces"]
fn policy_rules_apply_verify_and_roll_back_byte_identical() {
    let ns = Ns::new("rules");
    // Someone's hand-made rule, and the kernel's own three: the config lists rules, so the
    // hand-made one is replaced; the kernel's are never touched.
    ns.ip(&["rule", "add", "from", "10.9.9.0/24", "table", "50", "priority", "500"]);
    let f = ns.file("c.yaml", RULES);
    let before = rules(&ns);
    every_failure_rolls_back(&ns, &f, |fail_at, text| {
        if fail_at == 1 {
            // The pair was not made: its other end is skipped, not tried and failed.
            assert!(text.contains("skipped  set_up r1 (r0 failed earlier)"), "{text}");
        }
        assert_eq!(rules(&ns), before, "rules differ after rollback of a failure at step {fail_at}:\n{text}");
    });

    let out = ns.hostnet_ok(&["apply", &f]);
    assert!(!out.contains("warning"), "{out}");
    let v4 = ns.ip(&["rule", "show"]);
    for want in [
        "1000:\tfrom 192.0.2.0/24 lookup 100",
        "1100:\tfrom all fwmark 0x10/0xff ipproto tcp dport 443 lookup 200",
        "1200:\tfrom all to 10.0.0.0/8 iif r1 unreachable",
        "1300:\tfrom all uidrange 1000-1999 lookup 200",
        "1400:\tnot from 198.51.100.0/24 lookup 100",
        "1500:\tfrom all tos 0x10 lookup 200",
        "1600:\tfrom all goto 1800",
        "1700:\tfrom all lookup [l3mdev-table]",
        "32766:\tfrom all lookup main",
    ] {
        assert!(v4.contains(want), "missing {want:?} in\n{v4}");
    }
    assert!(!v4.contains("10.9.9.0/24"), "the undeclared rule stayed:\n{v4}");
    assert!(ns.ip(&["-6", "rule", "show"]).contains("1000:\tfrom 2001:db8:1::/64 lookup 100"));
    assert_eq!(ns.plan_len(&f), 0, "a second plan is not empty");

    // `show` reports them in the config schema, and that feeds back into apply unchanged.
    let shown: serde_json::Value = serde_json::from_str(&ns.hostnet_ok(&["show", "--json"])).unwrap();
    let listed = shown["routing_rules"].as_array().expect("routing_rules in show --json");
    assert_eq!(listed.len(), 9, "{listed:?}");
    assert!(ns.hostnet_ok(&["show"]).contains("routing rules:\n  1000: from 192.0.2.0/24 lookup 100"));

    // Dropping one rule from the file removes exactly that rule.
    let fewer = ns.file("fewer.yaml", &RULES.replace("  - { uid: 1000-1999, table: 200, priority: 1300 }\n", ""));
    ns.hostnet_ok(&["apply", &fewer]);
    let v4 = ns.ip(&["rule", "show"]);
    assert!(!v4.contains("uidrange") && v4.contains("1100:"), "{v4}");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_rule_for_an_unrouted_table_warns_and_bad_rules_are_located() {
    let ns = Ns::new("rulebad");
    let warn = ns.file(
        "warn.yaml",
        "interfaces:\n  - name: w0\n    veth: {peer: w1}\nrouting_rules:\n  - { from: 192.0.2.0/24, table: 77 }\n",
    );
    let out = ns.hostnet(&["check", &warn]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("warning: ") && err.contains("warn.yaml:5") && err.contains("77"), "{err}");

    for (yaml, line, field) in [
        ("routing_rules:\n  - { from: 192.0.2.0/24 }\n", "bad.yaml:2", "table"),
        ("routing_rules:\n  - { dport: 443, table: 5 }\n", "bad.yaml:2", "ipproto"),
        ("routing_rules:\n  - { from: 192.0.2.0/24, to: 2001:db8::/32, table: 5 }\n", "bad.yaml:2", "to"),
        ("interfaces:\n  - name: w0\n    veth: {peer: w1}\n    ipv4: {rp_filer: strict}\n", "bad.yaml:4", "rp_filer"),
        ("interfaces:\n  - name: w0\n    veth: {peer: w1}\n    ipv4: {arp_ignore: 5}\n", "bad.yaml:4", "arp_ignore"),
        (
            "interfaces:\n  - name: w0\n    veth: {peer: w1}\n    routes:\n      - {dst: 2001:db8::/64, scope: link}\n",
            "bad.yaml:5",
            "scope",
        ),
        (
            "interfaces:\n  - name: w0\n    veth: {peer: w1}\n    routes:\n      - {dst: 10.0.0.0/8, mtu: 40}\n",
            "bad.yaml:5",
            "mtu",
        ),
    ] {
        let f = ns.file("bad.yaml", yaml);
        let before = rules(&ns) + &ns.ip(&["link", "show"]);
        let out = ns.hostnet(&["apply", &f]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(65), "{yaml}\n{err}");
        assert!(err.contains(line) && err.contains(field), "{yaml}: expected {line} and {field} in\n{err}");
        assert_eq!(rules(&ns) + &ns.ip(&["link", "show"]), before, "bad input changed something: {yaml}");
    }
}

const SYSCTLS: &str = r#"
interfaces:
  - name: s0
    veth: { peer: s1 }
    ipv4: { forwarding: true, rp_filter: loose, arp_ignore: 1, arp_announce: 2, proxy_arp: true }
    ipv6: { forwarding: true, accept_ra: true, slaac: false, addr_gen_mode: random, privacy: prefer-temporary, accept_dad: 2, dad_transmits: 3 }
  - name: s1
    veth: { peer: s0 }
  - name: br0
    bridge: { ports: [s1], stp: false, forward_delay: 0 }
    ipv6: { link_local: false }
  - name: t0
    veth: { peer: t1 }
    ipv6: { disable_ipv6: true }
  - name: t1
    veth: { peer: t0 }
"#;

#[test]
#[ignore = "needs root: creates network namespaces"]
fn sysctls_apply_bridge_ports_lose_link_local_and_rollback_restores_both() {
    let ns = Ns::new("sysctl");
    // The links exist and are up, with the kernel's defaults and their link-local addresses.
    let base = ns.file(
        "base.yaml",
        "interfaces:\n  - name: s0\n    veth: {peer: s1}\n  - name: s1\n    veth: {peer: s0}\n  - name: t0\n    veth: {peer: t1}\n  - name: t1\n    veth: {peer: t0}\n",
    );
    ns.hostnet_ok(&["apply", &base]);
    let links = ["s0", "s1", "t0", "t1"];
    let (sysctls_before, ll_before) = (sysctls(&ns, &links), link_local(&ns, "s1"));
    assert_eq!(ll_before.len(), 1, "s1 has no link-local address to begin with");

    let f = ns.file("c.yaml", SYSCTLS);
    every_failure_rolls_back(&ns, &f, |fail_at, text| {
        assert_eq!(sysctls(&ns, &links), sysctls_before, "sysctls differ after a failure at step {fail_at}:\n{text}");
        assert_eq!(link_local(&ns, "s1"), ll_before, "s1's link-local after a failure at step {fail_at}:\n{text}");
    });

    let text = ns.hostnet_ok(&["apply", &f]);
    assert!(text.contains("sysctl"), "{text}");
    let s = |ifname: &str, family: &str, leaf: &str| sysctl(&ns, family, ifname, leaf);
    assert_eq!(
        [s("s0", "ipv4", "forwarding"), s("s0", "ipv4", "rp_filter"), s("s0", "ipv4", "arp_ignore")],
        ["1", "2", "1"]
    );
    assert_eq!([s("s0", "ipv4", "arp_announce"), s("s0", "ipv4", "proxy_arp")], ["2", "1"]);
    // accept_ra on a forwarding interface is the kernel's 2, else RAs would be ignored.
    assert_eq!([s("s0", "ipv6", "forwarding"), s("s0", "ipv6", "accept_ra")], ["1", "2"]);
    assert_eq!(s("s0", "ipv6", "autoconf"), "0", "slaac: false");
    assert_eq!(s("s0", "ipv6", "addr_gen_mode"), "3");
    assert_eq!(
        [s("s0", "ipv6", "use_tempaddr"), s("s0", "ipv6", "accept_dad"), s("s0", "ipv6", "dad_transmits")],
        ["2", "2", "3"]
    );
    // The bridge port gets no link-local (the default), nor does the bridge (asked for).
    assert_eq!([s("s1", "ipv6", "addr_gen_mode"), s("br0", "ipv6", "addr_gen_mode")], ["1", "1"]);
    assert!(link_local(&ns, "s1").is_empty(), "{:?}", link_local(&ns, "s1"));
    assert!(link_local(&ns, "br0").is_empty(), "{:?}", link_local(&ns, "br0"));
    assert_eq!(s("t0", "ipv6", "disable_ipv6"), "1");
    assert_eq!(ns.plan_len(&f), 0, "a second plan is not empty");

    // Drift in a sysctl is seen by a plan against the live host, and put back.
    std::process::Command::new("ip")
        .args(["netns", "exec", &ns.name, "sh", "-c", "echo 0 > /proc/sys/net/ipv4/conf/s0/rp_filter"])
        .status()
        .unwrap();
    assert_eq!(ns.plan_len(&f), 1);
    ns.hostnet_ok(&["apply", &f]);
    assert_eq!(s("s0", "ipv4", "rp_filter"), "2");

    // `show` says it in the config schema.
    let shown: serde_json::Value = serde_json::from_str(&ns.hostnet_ok(&["show", "--json"])).unwrap();
    let s0 = shown["interfaces"].as_array().unwrap().iter().find(|i| i["name"] == "s0").unwrap();
    assert_eq!(s0["ipv4"]["rp_filter"], "loose", "{s0}");
    assert_eq!(s0["ipv6"]["slaac"], false, "{s0}");
    assert_eq!((&s0["ipv6"]["privacy"], &s0["ipv6"]["dad_transmits"]), (&"prefer-temporary".into(), &3.into()), "{s0}");
    let s1 = shown["interfaces"].as_array().unwrap().iter().find(|i| i["name"] == "s1").unwrap();
    assert_eq!(s1["ipv6"]["link_local"], false, "{s1}");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_link_released_from_its_bridge_gets_its_link_local_address_back() {
    let ns = Ns::new("unport");
    let veths = "  - name: s0\n    veth: { peer: s1 }\n  - name: s1\n    veth: { peer: s0 }\n";
    let bridged =
        ns.file("a.yaml", &format!("interfaces:\n  - name: br0\n    bridge: {{ ports: [s1], stp: false }}\n{veths}"));
    ns.hostnet_ok(&["apply", &bridged]);
    assert!(link_local(&ns, "s1").is_empty(), "a bridge port has no link-local address");
    let released =
        ns.file("b.yaml", &format!("interfaces:\n  - name: br0\n    bridge: {{ ports: [], stp: false }}\n{veths}"));
    let text = ns.hostnet_ok(&["apply", &released]);
    assert!(text.contains("addr_gen_mode"), "{text}");
    let default = sysctl(&ns, "ipv6", "default", "addr_gen_mode");
    assert_eq!(sysctl(&ns, "ipv6", "s1", "addr_gen_mode"), default);
    assert_eq!(link_local(&ns, "s1").len(), 1, "s1 did not get its link-local address back");
    assert_eq!(ns.plan_len(&released), 0, "a second plan is not empty");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn route_scope_mtu_and_tcp_settings_apply_verify_and_roll_back() {
    let ns = Ns::new("rtopts");
    let base = ns.file(
        "base.yaml",
        "interfaces:\n  - name: m0\n    veth: {peer: m1}\n    addresses: [192.0.2.1/24]\n    routes:\n      - {dst: 198.51.100.0/24, via: 192.0.2.254}\n",
    );
    ns.hostnet_ok(&["apply", &base]);
    let before = all_routes(&ns);
    let f = ns.file(
        "c.yaml",
        "interfaces:\n  - name: m0\n    veth: {peer: m1}\n    addresses: [192.0.2.1/24, 2001:db8:1::1/64]\n    routes:\n      - {dst: 198.51.100.0/24, via: 192.0.2.254, mtu: 1400, initcwnd: 20, initrwnd: 30, advmss: 1360, congctl: reno, quickack: true, fastopen_no_cookie: true}\n      - {dst: 203.0.113.7/32, scope: host}\n      - {dst: 2001:db8:99::/48, via: 2001:db8:1::fe, mtu: 1280, initcwnd: 10}\n",
    );
    every_failure_rolls_back(&ns, &f, |fail_at, text| {
        assert_eq!(all_routes(&ns), before, "routes differ after a failure at step {fail_at}:\n{text}");
    });
    ns.hostnet_ok(&["apply", &f]);
    let v4 = ns.ip(&["route"]);
    assert!(
        v4.contains("198.51.100.0/24 via 192.0.2.254 dev m0 mtu 1400 advmss 1360 initcwnd 20 initrwnd 30 quickack 1 congctl reno fastopen_no_cookie 1"),
        "{v4}"
    );
    assert!(v4.contains("203.0.113.7 dev m0 scope host"), "{v4}");
    let v6 = ns.ip(&["-6", "route"]);
    assert!(v6.contains("2001:db8:99::/48 via 2001:db8:1::fe dev m0 metric 1024 mtu 1280 initcwnd 10"), "{v6}");
    assert_eq!(ns.plan_len(&f), 0, "a second plan is not empty");
    // An MTU changed by hand is drift: the route is replaced with the declared one.
    ns.ip(&["route", "change", "198.51.100.0/24", "via", "192.0.2.254", "mtu", "1300", "proto", "boot"]);
    assert_eq!(ns.plan_len(&f), 2);
    ns.hostnet_ok(&["apply", &f]);
    assert!(ns.ip(&["route"]).contains("mtu 1400"));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn blackhole_unreachable_and_prohibit_routes_apply_and_roll_back() {
    let ns = Ns::new("rttype");
    // A hand-made blackhole the config does not list: replaced, and back after a rollback.
    ns.ip(&["route", "add", "blackhole", "10.99.0.0/16"]);
    let before = all_routes(&ns);
    let f = ns.file(
        "c.yaml",
        "interfaces:\n  - name: k0\n    veth: {peer: k1}\n    addresses: [192.0.2.1/24]\nroutes:\n  - {type: blackhole, dst: 10.0.0.0/8}\n  - {type: unreachable, dst: 172.16.0.0/12, table: 100}\n  - {type: prohibit, dst: 2001:db8:dead::/48}\n",
    );
    every_failure_rolls_back(&ns, &f, |fail_at, text| {
        assert_eq!(all_routes(&ns), before, "routes differ after a failure at step {fail_at}:\n{text}");
    });
    ns.hostnet_ok(&["apply", &f]);
    let all = all_routes(&ns);
    for want in [
        "blackhole 10.0.0.0/8 table main proto boot",
        "unreachable 172.16.0.0/12 table 100 proto boot",
        "prohibit 2001:db8:dead::/48 dev lo table main proto boot",
    ] {
        assert!(all.contains(want), "missing {want:?} in\n{all}");
    }
    assert!(!all.contains("10.99.0.0/16"), "{all}");
    assert_eq!(ns.plan_len(&f), 0, "a second plan is not empty");
    let shown: serde_json::Value = serde_json::from_str(&ns.hostnet_ok(&["show", "--json"])).unwrap();
    assert_eq!(shown["routes"].as_array().map(Vec::len), Some(3), "{}", shown["routes"]);
    // A unicast route at the top level, or a blackhole under an interface, is refused.
    let bad = ns.file("bad.yaml", "routes:\n  - {dst: 10.0.0.0/8, via: 192.0.2.1}\n");
    let out = ns.hostnet(&["check", &bad]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code() == Some(65) && err.contains("bad.yaml:2") && err.contains("type"), "{err}");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn local_routes_and_route_protocol_apply_verify_and_roll_back() {
    let ns = Ns::new("rtlocal");
    let before = all_routes(&ns);
    let f = ns.file(
        "c.yaml",
        "interfaces:\n  - name: l0\n    veth: {peer: l1}\n    addresses: [192.0.2.1/24]\n    routes:\n      - {dst: 198.51.100.0/24, via: 192.0.2.254, protocol: static}\n      - {type: local, dst: 192.0.2.128/25}\nroutes:\n  - {type: local, dst: 203.0.113.0/24}\n  - {type: local, dst: 2001:db8:a11::/64}\n",
    );
    every_failure_rolls_back(&ns, &f, |fail_at, text| {
        assert_eq!(all_routes(&ns), before, "routes differ after a failure at step {fail_at}:\n{text}");
    });
    ns.hostnet_ok(&["apply", &f]);
    let all = all_routes(&ns);
    for want in [
        "198.51.100.0/24 via 192.0.2.254 dev l0 table main proto static",
        "local 192.0.2.128/25 dev l0 table local proto boot scope host",
        "local 203.0.113.0/24 dev lo table local proto boot scope host",
        "local 2001:db8:a11::/64 dev lo table local proto boot",
    ] {
        assert!(all.contains(want), "missing {want:?} in\n{all}");
    }
    assert_eq!(ns.plan_len(&f), 0, "a second plan is not empty");
    // AnyIP: any address of the prefix is this host's: a server binds one it was never given
    // and a client reaches it (through lo, which a namespace starts with down).
    ns.ip(&["link", "set", "lo", "up"]);
    let anyip = "import socket\nl=socket.create_server(('203.0.113.77',0))\nc=socket.create_connection(l.getsockname(),timeout=2)\nprint('ok')";
    let out =
        std::process::Command::new("ip").args(["netns", "exec", &ns.name, "python3", "-c", anyip]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The kernel's own local routes (proto kernel) are not the config's to remove.
    assert!(all_routes(&ns).contains("local 192.0.2.1 dev l0 table local proto kernel"));
    // The same route with another protocol is drift; `show` writes the protocol back.
    ns.ip(&["route", "replace", "198.51.100.0/24", "via", "192.0.2.254", "proto", "boot"]);
    assert!(ns.plan_len(&f) > 0);
    ns.hostnet_ok(&["apply", &f]);
    assert!(ns.hostnet_ok(&["show", "--yaml"]).contains("protocol: static"));
    // A gateway on a local route, or a routing daemon's protocol, is refused with its line.
    for (route, line, what) in [
        ("{type: local, dst: 10.0.0.0/8, via: 192.0.2.1}", "bad.yaml:5:40", "a local route delivers to this host"),
        ("{dst: 10.1.0.0/16, protocol: bird}", "bad.yaml:5:38", "expected one of boot, static"),
    ] {
        let bad = ns.file(
            "bad.yaml",
            &format!("interfaces:\n  - name: l0\n    veth: {{peer: l1}}\n    routes:\n      - {route}\n"),
        );
        let out = ns.hostnet(&["check", &bad]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.code() == Some(65) && err.contains(line) && err.contains(what), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

const NET_SYSCTLS: &str = "interfaces:
  - name: v0
    veth: {peer: v1}
    addresses: [192.0.2.1/24]
    ipv4: {forwarding: false}
sysctls:
  net.ipv4.ip_forward: 1
  net.ipv6.conf.all.forwarding: 1
  net.ipv4.conf.all.rp_filter: 2
  net.core.somaxconn: 1024
  net.ipv4.ip_local_port_range: \"20000 60999\"
";

/// Namespace-wide sysctls and every link's forwarding, one `key=value` per line.
fn net_sysctls(ns: &Ns) -> String {
    let mut keys: Vec<String> = ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "net.ipv4.conf.all.rp_filter"]
        .into_iter()
        .chain(["net.core.somaxconn", "net.ipv4.ip_local_port_range", "net.ipv4.conf.default.forwarding"])
        .map(String::from)
        .collect();
    for l in ["h0", "h1", "v0", "v1"] {
        keys.push(format!("net.ipv4.conf.{l}.forwarding"));
        keys.push(format!("net.ipv6.conf.{l}.forwarding"));
    }
    let mut out = String::new();
    for k in keys {
        let o =
            std::process::Command::new("ip").args(["netns", "exec", &ns.name, "sysctl", "-n", &k]).output().unwrap();
        out += &format!("{k}={}\n", String::from_utf8_lossy(&o.stdout).trim());
    }
    out
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn namespace_wide_sysctls_apply_verify_and_roll_back_with_each_links_forwarding() {
    let ns = Ns::new("netsys");
    ns.ip(&["link", "add", "h0", "type", "veth", "peer", "name", "h1"]);
    // A link that forwards on its own while the namespace does not: writing ip_forward writes
    // every link's forwarding, and a rollback must give h0 its own value back.
    let st = std::process::Command::new("ip")
        .args(["netns", "exec", &ns.name, "sysctl", "-qw", "net.ipv4.conf.h0.forwarding=1"])
        .status()
        .unwrap();
    assert!(st.success());
    let before = net_sysctls(&ns);
    assert!(before.contains("net.ipv4.conf.h0.forwarding=1\n") && before.contains("net.ipv4.ip_forward=0\n"));
    let f = ns.file("c.yaml", NET_SYSCTLS);
    every_failure_rolls_back(&ns, &f, |fail_at, text| {
        assert_eq!(net_sysctls(&ns), before, "sysctls differ after a failure at step {fail_at}:\n{text}");
    });
    ns.hostnet_ok(&["apply", &f]);
    let after = net_sysctls(&ns);
    for want in [
        "net.ipv4.ip_forward=1\n",
        "net.ipv6.conf.all.forwarding=1\n",
        "net.ipv4.conf.all.rp_filter=2\n",
        "net.core.somaxconn=1024\n",
        "net.ipv4.ip_local_port_range=20000\t60999\n",
        "net.ipv4.conf.h1.forwarding=1\n",
        // The link's own setting wins over the namespace's, since it is planned after it.
        "net.ipv4.conf.v0.forwarding=0\n",
    ] {
        assert!(after.contains(want), "missing {want:?} in\n{after}");
    }
    assert_eq!(ns.plan_len(&f), 0, "a second plan is not empty");
    // Changed by hand: drift, which the plan names.
    let st = std::process::Command::new("ip")
        .args(["netns", "exec", &ns.name, "sysctl", "-qw", "net.core.somaxconn=128"])
        .status()
        .unwrap();
    assert!(st.success());
    let plan = ns.hostnet_ok(&["plan", "--live", &f]);
    assert!(plan.contains("set_net_sysctl") && plan.contains("net.core.somaxconn = 1024"), "{plan}");
    // Keys that are no namespace's, or values that are no sysctl's, are refused at their line.
    for (line, want) in [
        ("  kernel.panic: 10", "bad.yaml:2:3: sysctls.kernel.panic: `kernel.panic` is not a network sysctl"),
        ("  net.ipv4.conf.eth0.rp_filter: 1", "`eth0`'s own: declare it under that interface"),
        ("  net.ipv6.conf.all.disable_ipv6: 1", "turning IPv6 off everywhere"),
        ("  net.ipv4.ip_forward: 2", "net.ipv4.ip_forward is 0 or 1, not 2"),
        ("  net.ipv4.ip_forward: true", "sysctls take numbers: write 1 for true"),
    ] {
        let bad = ns.file("bad.yaml", &format!("sysctls:\n{line}\n"));
        let out = ns.hostnet(&["check", &bad]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.code() == Some(65) && err.contains(want), "{line}: {err}");
    }
}
