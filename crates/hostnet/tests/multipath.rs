//! Multipath (ECMP) routes against the real kernel: two uplinks to a gateway namespace the
//! test makes, IPv4 with weights and IPv6, applied, read back, changed, and rolled back to an
//! identical host at every step, including a NIC renamed under a route the file does not
//! manage. Needs root; run by the README's test command (`--include-ignored`).

mod support;

use support::{Ns, every_failure_rolls_back, ip_snapshot};

/// Two uplinks, `up1` and `up2`, whose other ends are in `gw`: NICs to hostnet. `gw` answers
/// for 203.0.113.1 and 2001:db8:99::1 on its lo, on both paths.
fn two_uplinks() -> (Ns, Ns) {
    let host = Ns::new("ecmp");
    let gw = Ns::new("ecmpgw");
    // Without DAD: an IPv6 address a rollback puts back would read `tentative` for a second,
    // and the snapshots compare at once.
    let st = std::process::Command::new("ip")
        .args(["netns", "exec", &host.name, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"])
        .status()
        .unwrap();
    assert!(st.success());
    for (up, peer, v4, v6) in [
        ("up1", "gw1", "192.0.2.254/24", "2001:db8:1::fe/64"),
        ("up2", "gw2", "198.51.100.254/24", "2001:db8:2::fe/64"),
    ] {
        host.ip(&["link", "add", up, "type", "veth", "peer", "name", peer, "netns", &gw.name]);
        gw.ip(&["address", "add", v4, "dev", peer]);
        gw.ip(&["address", "add", v6, "dev", peer, "nodad"]);
        gw.ip(&["link", "set", peer, "up"]);
        // Up, as a server's cabled NICs are; a link's first start also gives it its qdisc,
        // which no rollback takes back.
        host.ip(&["link", "set", up, "up"]);
    }
    // Snapshots compare carrier too: wait for it.
    let t0 = std::time::Instant::now();
    while host.ip(&["-o", "link", "show", "up"]).matches("state UP").count() < 2 {
        assert!(t0.elapsed() < std::time::Duration::from_secs(10), "no carrier on the uplinks");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    gw.ip(&["address", "add", "203.0.113.1/32", "dev", "lo"]);
    gw.ip(&["address", "add", "2001:db8:99::1/128", "dev", "lo"]);
    (host, gw)
}

const NICS: &str = "interfaces:
  - name: up1
    ethernet: {}
    addresses: [192.0.2.1/24, 2001:db8:1::1/64]
  - name: up2
    ethernet: {}
    addresses: [198.51.100.1/24, 2001:db8:2::1/64]
";

const ECMP: &str = "routes:
  - dst: 203.0.113.0/24
    nexthops:
      - {via: 192.0.2.254, dev: up1}
      - {via: 198.51.100.254, dev: up2, weight: 3}
  - dst: 2001:db8:99::/48
    metric: 100
    nexthops:
      - {via: 2001:db8:1::fe, dev: up1}
      - {via: 2001:db8:2::fe, dev: up2}
";

/// One answer within 10 s: new IPv6 addresses are unusable until their DAD ends.
fn ping(ns: &Ns, dst: &str) -> bool {
    (0..20).any(|_| {
        let ok = std::process::Command::new("ip")
            .args(["netns", "exec", &ns.name, "ping", "-c", "1", "-W", "1", dst])
            .output()
            .unwrap()
            .status
            .success();
        if !ok {
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        ok
    })
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn multipath_routes_apply_read_back_change_and_roll_back_at_every_step() {
    let (host, _gw) = two_uplinks();
    let a = host.file("a.yaml", &format!("{NICS}{ECMP}"));
    every_failure_rolls_back(&host, &a);
    host.hostnet_ok(&["apply", &a]);
    let v4 = host.ip(&["route", "show", "203.0.113.0/24"]);
    for want in ["nexthop via 192.0.2.254 dev up1 weight 1", "nexthop via 198.51.100.254 dev up2 weight 3"] {
        assert!(v4.contains(want), "missing {want:?} in\n{v4}");
    }
    let v6 = host.ip(&["-6", "route", "show", "2001:db8:99::/48"]);
    assert!(v6.contains("metric 100") && v6.contains("dev up1") && v6.contains("dev up2"), "{v6}");
    assert_eq!(host.plan_len(&a), 0, "a second plan is not empty");
    let shown: serde_json::Value = serde_json::from_str(&host.hostnet_ok(&["show", "--json"])).unwrap();
    let hops = &shown["routes"][0]["nexthops"];
    assert_eq!(hops[1], serde_json::json!({"via": "198.51.100.254", "dev": "up2", "weight": 3}), "{shown}");
    // The kernel spreads destinations over both paths, and the gateway namespace answers.
    let devs: std::collections::BTreeSet<String> = (1..64)
        .map(|i| host.ip(&["route", "get", &format!("203.0.113.{i}")]))
        .filter_map(|r| r.split_whitespace().skip_while(|w| *w != "dev").nth(1).map(String::from))
        .collect();
    assert_eq!(devs.into_iter().collect::<Vec<_>>(), ["up1", "up2"]);
    assert!(ping(&host, "203.0.113.1") && ping(&host, "2001:db8:99::1"));

    // Weights change, the IPv6 route goes, and up2 is renamed under the IPv4 route.
    let b = host.file(
        "b.yaml",
        "interfaces:
  - name: up1
    ethernet: {}
    addresses: [192.0.2.1/24, 2001:db8:1::1/64]
  - name: wan2
    ethernet: {match: {name: up2}}
    addresses: [198.51.100.1/24, 2001:db8:2::1/64]
routes:
  - dst: 203.0.113.0/24
    nexthops:
      - {via: 192.0.2.254, dev: up1, weight: 2}
      - {via: 198.51.100.254, dev: wan2}
",
    );
    every_failure_rolls_back(&host, &b);
    host.hostnet_ok(&["apply", &b]);
    let v4 = host.ip(&["route", "show", "203.0.113.0/24"]);
    assert!(v4.contains("dev up1 weight 2") && v4.contains("dev wan2 weight 1"), "{v4}");
    assert!(host.ip(&["-6", "route", "show", "2001:db8:99::/48"]).is_empty());
    assert_eq!(host.plan_len(&b), 0, "a second plan is not empty");
    assert!(ping(&host, "203.0.113.1"));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_hand_made_multipath_route_follows_its_links_through_a_rename_and_rolls_back() {
    let (host, _gw) = two_uplinks();
    let nics = host.file("nics.yaml", NICS);
    host.hostnet_ok(&["apply", &nics]);
    // Not the file's: `routes:` is not listed, so hostnet leaves it as it is, under any name.
    host.ip(&[
        "route",
        "add",
        "10.50.0.0/16",
        "nexthop",
        "via",
        "192.0.2.254",
        "dev",
        "up1",
        "nexthop",
        "via",
        "198.51.100.254",
        "dev",
        "up2",
    ]);
    let renamed = host.file(
        "renamed.yaml",
        &NICS
            .replace("name: up1\n    ethernet: {}", "name: wan1\n    ethernet: {match: {name: up1}}")
            .replace("name: up2\n    ethernet: {}", "name: wan2\n    ethernet: {match: {name: up2}}"),
    );
    // Both links go down to be renamed, which would flush the route: the plan takes it out
    // first and puts it back last.
    let plan = host.hostnet_ok(&["plan", "--live", &renamed]);
    let lines: Vec<&str> = plan.lines().collect();
    assert!(lines.first().is_some_and(|l| l.contains("del_route")), "{plan}");
    assert!(
        lines.last().is_some_and(|l| l.contains("add_route") && l.contains("dev wan1") && l.contains("dev wan2")),
        "{plan}"
    );
    let before = ip_snapshot(&host);
    every_failure_rolls_back(&host, &renamed);
    assert_eq!(ip_snapshot(&host), before);
    host.hostnet_ok(&["apply", &renamed]);
    let r = host.ip(&["route", "show", "10.50.0.0/16"]);
    assert!(r.contains("dev wan1") && r.contains("dev wan2"), "{r}");
}

#[test]
fn multipath_mistakes_are_refused_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.yaml");
    std::fs::write(
        &f,
        "interfaces:
  - name: up1
    ethernet: {}
    addresses: [192.0.2.1/24]
    routes:
      - {dst: 203.0.113.0/24, via: 192.0.2.254}
  - name: up2
    ethernet: {}
    addresses: [198.51.100.1/24]
    routes:
      - {dst: 203.0.113.0/24, via: 198.51.100.254}
routes:
  - dst: 10.0.0.0/8
    nexthops:
      - {via: 192.0.2.254, dev: up1, weight: 300}
      - {via: 10.1.1.1, dev: up2}
  - dst: 10.1.0.0/16
    nexthops: [{via: 192.0.2.254, dev: up1}]
",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hostnet")).arg("check").arg(&f).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(65), "{err}");
    for want in [
        ":11:10: interfaces[1].routes[0].dst: `up1` declares a route to 203.0.113.0/24 with the same table and metric",
        ":15:38: routes[0].nexthops[0].weight: weight 300 is outside 1..=256",
        ":16:10: routes[0].nexthops[1].via: gateway 10.1.1.1 is not reachable from any address of `up2`",
        ":18:5: routes[1].nexthops: a multipath route needs two paths or more; a route with one path goes under the `routes:` of `up1`",
    ] {
        assert!(err.contains(want), "missing {want:?} in\n{err}");
    }
}
