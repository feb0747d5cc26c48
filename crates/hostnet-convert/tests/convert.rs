//! Imports from fixtures in the distributions' own formats, exports of the examples, and
//! round trips: import(export(x)) == x, except for what the export declared it cannot carry.

use hostnet_convert::{Lost, ifupdown, netplan, networkd};
use hostnet_core::model::{Kind, Match};
use hostnet_core::{Config, load};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn example(name: &str) -> Config {
    let path = format!("{}/../../examples/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    load(&path, &std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn checked(c: &Config) {
    load("imported.yaml", &c.to_yaml())
        .unwrap_or_else(|e| panic!("import does not pass check:\n{}\n{}", e.lines(), c.to_yaml()));
}

fn lost_lines(l: &[Lost]) -> String {
    l.iter().map(|x| format!("{x}\n")).collect()
}

#[test]
fn imports_a_debian_interfaces_file() {
    let i = ifupdown::import("interfaces", &fixture("debian-interfaces"));
    checked(&i.config);
    insta::assert_snapshot!("ifupdown-import", i.config.to_yaml());
    insta::assert_snapshot!("ifupdown-import-lost", lost_lines(&i.lost));
    let bond0 = i.config.get("bond0").unwrap();
    let Kind::Bond(b) = &bond0.kind else { panic!() };
    assert_eq!(b.ports, ["bond1", "bond2"], "bond-master lines make bond1 and bond2 ports of bond0");
    assert_eq!(
        bond0.addresses.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["198.51.100.20/24", "2001:db8:20::20/64"]
    );
    // The fixture disables IPv6 by a hook on a bond with an inet6 stanza: the addresses win.
    assert!(i.lost.iter().any(|l| l.at == "bond0" && l.what == "ipv6.disable_ipv6"));
    // `up ip rule add` lines are rules; their `down ip rule del` twins are hostnet's own undo.
    let rules: Vec<String> = i.config.routing_rules.iter().flatten().map(ToString::to_string).collect();
    assert_eq!(
        rules,
        [
            "1000: from 192.0.2.0/24 lookup 100",
            "-6 from all fwmark 0x10/0xff ipproto tcp dport 443 lookup 200",
            "from 192.0.2.0/24 tos 0x10 lookup 100"
        ]
    );
    assert!(!i.lost.iter().any(|l| l.what.contains("rule del")), "{}", lost_lines(&i.lost));
}

#[test]
fn imports_merged_netplan_files() {
    let files = [
        ("01-base.yaml".to_string(), fixture("netplan-01-base.yaml")),
        ("02-site.yaml".to_string(), fixture("netplan-02-site.yaml")),
    ];
    let i = netplan::import(&files).unwrap();
    checked(&i.config);
    insta::assert_snapshot!("netplan-import", i.config.to_yaml());
    insta::assert_snapshot!("netplan-import-lost", lost_lines(&i.lost));
    let Kind::Bond(b) = &i.config.get("bond0").unwrap().kind else { panic!() };
    assert_eq!((b.updelay, b.downdelay, b.miimon), (Some(200), Some(200), Some(100)));
    // The second file's addresses replaced the first's (netplan's merge).
    assert_eq!(i.config.get("vlan10").unwrap().addresses[0].to_string(), "198.51.100.5/24");
    let rules: Vec<String> = i.config.routing_rules.iter().flatten().map(ToString::to_string).collect();
    assert_eq!(
        rules,
        [
            "100: from 198.51.100.0/24 lookup 100",
            "from all fwmark 0x10 lookup 100",
            "from 198.51.100.0/24 tos 0x08 lookup 100"
        ]
    );
    assert_eq!(i.config.get("vlan10").unwrap().ipv6.accept_ra, Some(false));
    let br = &i.config.get("br-vm").unwrap().ipv6;
    assert_eq!((br.link_local, br.addr_gen_mode), (Some(true), Some(hostnet_core::model::AddrGenMode::StablePrivacy)));
}

#[test]
fn exports_of_the_examples() {
    for name in ["stacked-bonds", "vlan-bond-bridge", "single-nic", "multihomed"] {
        let c = example(name);
        for (fmt, e) in
            [("networkd", networkd::export(&c)), ("netplan", netplan::export(&c)), ("ifupdown", ifupdown::export(&c))]
        {
            let mut all = String::new();
            for (f, t) in &e.files {
                all.push_str(&format!("==> {f} <==\n{t}\n"));
            }
            all.push_str(&format!("==> not carried over <==\n{}", lost_lines(&e.lost)));
            insta::assert_snapshot!(format!("export-{fmt}-{name}"), all);
        }
    }
}

#[test]
fn networkd_members_configure_without_carrier() {
    let e = networkd::export(&example("stacked-bonds"));
    let port = &e.files.iter().find(|(f, _)| f == "30-hostnet-e1p2.network").unwrap().1;
    assert!(port.contains("Bond=idmz1") && port.contains("ConfigureWithoutCarrier=yes"), "{port}");
    let inner = &e.files.iter().find(|(f, _)| f == "30-hostnet-idmz1.network").unwrap().1;
    assert!(inner.contains("Bond=idmz"), "nested bond is enslaved in its own .network:\n{inner}");
    let link = &e.files.iter().find(|(f, _)| f == "10-hostnet-e2p3.link").unwrap().1;
    assert!(link.contains("Path=pci-0000:3b:00.1") && link.contains("Name=e2p3"), "{link}");
}

/// `x` without what the export said it could not carry (NIC matches, bridge VLAN filtering);
/// any other loss fails the round trip.
fn minus_lost_matches(mut x: Config, lost: &[Lost]) -> Config {
    for l in lost {
        let i = x.interfaces.iter_mut().find(|i| i.name == l.at).expect("loss names an interface");
        match (&mut i.kind, l.what.as_str()) {
            (Kind::Ethernet(e), "match.pci_path") => e.matches.pci_path = None,
            (Kind::Ethernet(e), w) if w.starts_with("match") => e.matches = Match::default(),
            (Kind::Bridge(b), "vlan_filtering") => b.vlan_filtering = None,
            _ => panic!("unexpected loss in a round trip: {l}"),
        }
    }
    x
}

fn normalized(mut c: Config) -> Config {
    c.interfaces.sort_by(|a, b| a.name.cmp(&b.name));
    // RAs and autoconfiguration on are the kernel's defaults: set or unset, the same host.
    for i in &mut c.interfaces {
        for v in [&mut i.ipv6.accept_ra, &mut i.ipv6.slaac] {
            if *v == Some(true) {
                *v = None;
            }
        }
    }
    c
}

#[test]
fn round_trips_through_netplan_and_ifupdown() {
    for name in ["stacked-bonds", "vlan-bond-bridge", "single-nic"] {
        let x = example(name);
        let e = netplan::export(&x);
        let back = netplan::import(&e.files).unwrap();
        assert!(back.lost.is_empty(), "{name}: netplan import of our own export lost:\n{}", lost_lines(&back.lost));
        assert_eq!(normalized(back.config), normalized(minus_lost_matches(x.clone(), &e.lost)), "{name} via netplan");

        let e = ifupdown::export(&x);
        let back = ifupdown::import("interfaces", &e.files[0].1);
        assert!(back.lost.is_empty(), "{name}: ifupdown import of our own export lost:\n{}", lost_lines(&back.lost));
        assert_eq!(normalized(back.config), normalized(minus_lost_matches(x.clone(), &e.lost)), "{name} via ifupdown");
    }
}

#[test]
fn networkd_gets_rules_and_sysctls_under_the_interface_they_concern() {
    let e = networkd::export(&example("multihomed"));
    let file = |n: &str| &e.files.iter().find(|(f, _)| f == n).unwrap().1;
    let eth1 = file("30-hostnet-eth1.network");
    for want in [
        "IPv4ReversePathFilter=loose",
        "LinkLocalAddressing=no",
        "[RoutingPolicyRule]\nPriority=1000\nFrom=198.51.100.20/32\nTable=200",
        "[RoutingPolicyRule]\nPriority=1100\nFirewallMark=0x2/0xff\nTable=200",
    ] {
        assert!(eth1.contains(want), "missing {want:?} in\n{eth1}");
    }
    assert!(file("30-hostnet-eth0.network").contains("IPv6AcceptRA=no\n"));
    let lost = lost_lines(&e.lost);
    assert!(lost.contains("eth1: ipv4.arp_ignore") && lost.contains("eth1: ipv4.arp_announce"), "{lost}");
}

#[test]
fn rules_ipv6_settings_and_route_options_round_trip_through_netplan() {
    let mut x = example("multihomed");
    // netplan cannot say these; what it can say must come back unchanged.
    x.interfaces[1].ipv4 = Default::default();
    x.routing_rules.as_mut().unwrap().retain(|r| r.fwmark.is_none());
    let r = serde_json::from_str(r#"{"dst": "203.0.113.7/32", "scope": "host", "mtu": 1400}"#).unwrap();
    x.interfaces[1].routes.push(r);
    x.routes = Some(vec![serde_json::from_str(r#"{"type": "blackhole", "dst": "10.0.0.0/8"}"#).unwrap()]);
    let nd = networkd::export(&x);
    assert!(nd.files.iter().any(|(_, t)| t.contains("[Route]\nType=blackhole\nDestination=10.0.0.0/8")));
    let e = netplan::export(&x);
    assert!(e.lost.iter().all(|l| l.what.starts_with("match")), "{}", lost_lines(&e.lost));
    let back = netplan::import(&e.files).unwrap();
    assert!(back.lost.is_empty(), "{}", lost_lines(&back.lost));
    assert_eq!(back.config.routing_rules, x.routing_rules);
    assert_eq!(back.config.routes, x.routes);
    for i in &x.interfaces {
        let b = back.config.get(&i.name).unwrap();
        assert_eq!((&b.ipv4, &b.ipv6, &b.routes), (&i.ipv4, &i.ipv6, &i.routes), "{}", i.name);
    }
}

#[test]
fn dhcp4_options_round_trip_through_netplan_and_reach_networkd_and_ifupdown() {
    let mut x = example("single-nic");
    let d = r#"{"route_metric": 200, "use_dns": false, "use_ntp": false, "client_id": "duid", "hostname": "db1"}"#;
    x.interfaces[0].dhcp4 = Some(serde_json::from_str(d).unwrap());
    x.interfaces[0].addresses.clear();
    x.interfaces[0].routes.clear();
    let back = netplan::import(&netplan::export(&x).files).unwrap();
    assert_eq!(back.config.interfaces[0].dhcp4, x.interfaces[0].dhcp4, "{}", lost_lines(&back.lost));
    let nd = networkd::export(&x);
    let net = &nd.files.iter().find(|(f, _)| f.ends_with(".network")).unwrap().1;
    for want in [
        "DHCP=ipv4\n",
        "[DHCPv4]\nRouteMetric=200\nUseDNS=no\n",
        "UseNTP=no\n",
        "ClientIdentifier=duid\n",
        "Hostname=db1\n",
    ] {
        assert!(net.contains(want), "missing {want:?} in\n{net}");
    }
    let ifu = ifupdown::export(&x);
    let text = &ifu.files[0].1;
    assert!(text.contains("inet dhcp\n    hostname db1\n    metric 200\n"), "{text}");
    let lost = lost_lines(&ifu.lost);
    assert!(lost.contains("dhcp4.use_dns") && lost.contains("dhcp4.client_id"), "{lost}");
    let again = ifupdown::import("interfaces", text);
    let d4 = again.config.interfaces.iter().find_map(|i| i.dhcp4.clone()).unwrap();
    assert_eq!((d4.route_metric, d4.hostname.as_deref()), (Some(200), Some("db1")));
}

#[test]
fn ifupdown_sysctl_hooks_become_ip_settings_and_come_back_out() {
    let text = "auto eth0\niface eth0 inet static\n    address 192.0.2.5/24\n    \
        post-up sysctl -w net.ipv4.conf.eth0.rp_filter=2 net.ipv4.conf.$IFACE.arp_ignore=1\n    \
        up /sbin/sysctl -q -w net.ipv6.conf.${IFACE}.accept_ra=0\n    \
        post-up echo 1 > /proc/sys/net/ipv4/conf/eth0/forwarding\n    \
        down sysctl -w net.ipv4.conf.eth0.forwarding=0\n    \
        post-up sysctl -w net.ipv4.conf.eth1.forwarding=1\n    \
        post-up sysctl -w net.ipv4.tcp_syncookies=1\n    \
        post-up sysctl -w net.ipv4.conf.eth0.arp_announce=7\n\
        auto eth0.7\niface eth0.7 inet manual\n    vlan-raw-device eth0\n    \
        post-up sysctl -w net.ipv6.conf.eth0/7.disable_ipv6=1\n";
    let i = ifupdown::import("interfaces", text);
    checked(&i.config);
    let eth0 = i.config.get("eth0").unwrap();
    assert_eq!(
        serde_json::to_string(&(&eth0.ipv4, &eth0.ipv6)).unwrap(),
        r#"[{"forwarding":true,"rp_filter":"loose","arp_ignore":1},{"accept_ra":false}]"#
    );
    assert_eq!(i.config.get("eth0.7").unwrap().ipv6.disable_ipv6, Some(true));
    let lost = lost_lines(&i.lost);
    assert!(lost.contains("interfaces:8") && lost.contains("declare it under eth1"), "{lost}");
    assert!(lost.contains("interfaces:9") && lost.contains("not a per-interface sysctl"), "{lost}");
    assert!(lost.contains("interfaces:10") && lost.contains("7 is not a value"), "{lost}");
    assert_eq!(i.lost.len(), 3, "{lost}");

    let e = ifupdown::export(&i.config);
    assert!(e.lost.is_empty(), "{}", lost_lines(&e.lost));
    let text = &e.files[0].1;
    assert!(text.contains("    post-up sysctl -q -w net.ipv6.conf.eth0/7.disable_ipv6=1\n"), "{text}");
    let back = ifupdown::import("interfaces", text);
    assert!(back.lost.is_empty(), "{}", lost_lines(&back.lost));
    assert_eq!(normalized(back.config), normalized(i.config));
}

#[test]
fn dhcp6_reaches_every_format_and_comes_back() {
    let mut x = example("single-nic");
    x.interfaces[0].dhcp6 = Some(serde_json::from_str(r#"{"use_ntp": false}"#).unwrap());
    let back = netplan::import(&netplan::export(&x).files).unwrap();
    assert!(back.lost.is_empty(), "{}", lost_lines(&back.lost));
    assert_eq!(back.config.interfaces[0].dhcp6, x.interfaces[0].dhcp6);

    let nd = networkd::export(&x);
    let net = &nd.files.iter().find(|(f, _)| f.ends_with(".network")).unwrap().1;
    for want in ["DHCP=ipv6\n", "[DHCPv6]\nWithoutRA=solicit\nUseDNS=yes\nUseNTP=no\n"] {
        assert!(net.contains(want), "missing {want:?} in\n{net}");
    }

    let text = "auto eth0 eth1\niface eth0 inet6 dhcp\niface eth1 inet6 auto\n    dhcp 1\n";
    let i = ifupdown::import("interfaces", text);
    // Only ifup's wait for a link-local address, which hostnet does not do.
    assert!(i.lost.iter().all(|l| l.what.contains("ll-attempts 60")), "{}", lost_lines(&i.lost));
    let (e0, e1) = (i.config.get("eth0").unwrap(), i.config.get("eth1").unwrap());
    assert_eq!(e0.dhcp6.as_ref().map(|d| d.mode()), Some(hostnet_core::model::Dhcp6Mode::Stateful));
    assert_eq!(e1.dhcp6.as_ref().map(|d| d.mode()), Some(hostnet_core::model::Dhcp6Mode::InformationOnly));
    assert_eq!(e1.ipv6.accept_ra, Some(true));
    let e = ifupdown::export(&i.config);
    assert!(e.lost.is_empty(), "{}", lost_lines(&e.lost));
    let again = ifupdown::import("interfaces", &e.files[0].1);
    assert_eq!(normalized(again.config), normalized(i.config), "{}", e.files[0].1);
    let nd = networkd::export(&again_config(text));
    assert!(nd.files.iter().any(|(_, t)| t.contains("WithoutRA=information-request")));
}

fn again_config(text: &str) -> Config {
    ifupdown::import("interfaces", text).config
}

#[test]
fn local_routes_and_route_protocols_in_the_other_formats() {
    let mut x = example("single-nic");
    x.interfaces[0].routes.push(serde_json::from_str(r#"{"type": "local", "dst": "192.0.2.128/25"}"#).unwrap());
    x.interfaces[0].routes.push(serde_json::from_str(r#"{"dst": "203.0.113.0/24", "protocol": "static"}"#).unwrap());
    let nd = networkd::export(&x);
    let net = &nd.files.iter().find(|(f, _)| f.ends_with(".network")).unwrap().1;
    for want in ["[Route]\nType=local\nDestination=192.0.2.128/25\n", "Destination=203.0.113.0/24\nProtocol=static\n"] {
        assert!(net.contains(want), "missing {want:?} in\n{net}");
    }
    let e = netplan::export(&x);
    let lost = lost_lines(&e.lost);
    assert!(lost.contains("route 203.0.113.0/24 protocol: netplan routes have no protocol"), "{lost}");
    let back = netplan::import(&e.files).unwrap();
    let local = back.config.interfaces[0].routes.iter().find(|r| r.kind == hostnet_core::model::RouteType::Local);
    assert_eq!(local.map(|r| r.dst.to_string()), Some("192.0.2.128/25".into()));
}

const SOFTWARE_KINDS: &str = "interfaces:
  - name: eth0
    ethernet: {}
    addresses: [192.0.2.1/24]
    vrf: mgmt
    routes: [{ dst: 198.51.100.0/24, via: 192.0.2.254 }]
  - name: mgmt
    vrf: { table: 10 }
  - name: svc0
    dummy: {}
    addresses: [203.0.113.1/32]
  - name: vx10
    vxlan: { vni: 10, local: 192.0.2.1, remote: 192.0.2.2, base: eth0, learning: false }
  - name: mv0
    macvlan: { base: eth0, mode: bridge }
  - name: ipv0
    ipvlan: { base: eth0, mode: l2 }
";

#[test]
fn software_kinds_reach_networkd_and_netplan_and_say_what_they_cannot() {
    let x = load("k.yaml", SOFTWARE_KINDS).unwrap();
    assert_eq!(x.get("eth0").unwrap().routes[0].table, Some(10), "a VRF member's routes are in its table");
    let nd = networkd::export(&x);
    let file = |n: &str| nd.files.iter().find(|(f, _)| f == n).map(|(_, t)| t.clone()).unwrap_or_default();
    for (f, want) in [
        ("20-hostnet-mgmt.netdev", "Kind=vrf\n\n[VRF]\nTable=10\n"),
        ("20-hostnet-svc0.netdev", "Kind=dummy\n"),
        (
            "20-hostnet-vx10.netdev",
            "[VXLAN]\nVNI=10\nLocal=192.0.2.1\nRemote=192.0.2.2\nDestinationPort=4789\nMacLearning=no\n",
        ),
        ("20-hostnet-mv0.netdev", "[MACVLAN]\nMode=bridge\n"),
        ("20-hostnet-ipv0.netdev", "[IPVLAN]\nMode=L2\nFlags=bridge\n"),
        ("30-hostnet-eth0.network", "VRF=mgmt\n"),
        ("30-hostnet-eth0.network", "VXLAN=vx10\nMACVLAN=mv0\nIPVLAN=ipv0\n"),
    ] {
        assert!(file(f).contains(want), "missing {want:?} in {f}:\n{}", file(f));
    }
    assert!(!file("30-hostnet-eth0.network").contains("RequiredForOnline=enslaved"), "a VRF member is no port");

    // netplan 0.107, which reads dummy devices (0.106 does not: see tests/netplan_oracle.rs).
    let e = netplan::export_for(&x, (0, 107));
    let lost = lost_lines(&e.lost);
    assert!(lost.contains("mv0: kind macvlan") && lost.contains("ipv0: kind ipvlan"), "{lost}");
    let back = netplan::import(&e.files).unwrap();
    assert!(back.lost.is_empty(), "{}", lost_lines(&back.lost));
    for name in ["eth0", "mgmt", "svc0", "vx10"] {
        assert_eq!(back.config.get(name), x.get(name), "{name} via netplan");
    }

    let ifu = ifupdown::export(&x);
    let lost = lost_lines(&ifu.lost);
    for want in ["mgmt: kind vrf", "svc0: kind dummy", "vx10: kind vxlan", "eth0: vrf: mgmt"] {
        assert!(lost.contains(want), "missing {want:?} in\n{lost}");
    }
}

#[test]
fn bridge_port_settings_reach_every_format() {
    let text = "interfaces:
  - name: eth1
    ethernet: {}
    bridge_port: { cost: 40, priority: 8, bpdu_guard: true, mcast_flood: false, mcast_router: 2, neigh_suppress: true }
  - name: eth2
    ethernet: {}
  - name: br0
    bridge: { ports: [eth1, eth2] }
";
    let x = load("b.yaml", text).unwrap();
    let nd = networkd::export(&x);
    let net = &nd.files.iter().find(|(f, _)| f == "30-hostnet-eth1.network").unwrap().1;
    assert!(
        net.contains("[Bridge]\nCost=40\nPriority=8\nUseBPDU=no\nMulticastFlood=no\nNeighborSuppression=yes\nMulticastRouter=permanent\n"),
        "{net}"
    );

    let e = netplan::export(&x);
    let lost = lost_lines(&e.lost);
    assert!(lost.contains("eth1: bridge_port bpdu_guard/mcast_flood/mcast_router/neigh_suppress"), "{lost}");
    let back = netplan::import(&e.files).unwrap();
    let bp = back.config.get("eth1").unwrap().bridge_port.clone().unwrap();
    assert_eq!((bp.cost, bp.priority), (Some(40), Some(8)));

    let ifu = ifupdown::export(&x);
    let t = &ifu.files[0].1;
    assert!(t.contains("bridge_pathcost eth1 40\n") && t.contains("bridge_portprio eth1 8\n"), "{t}");
    let again = ifupdown::import("interfaces", t);
    let bp = again.config.get("eth1").unwrap().bridge_port.clone().unwrap();
    assert_eq!((bp.cost, bp.priority), (Some(40), Some(8)));
}

#[test]
fn bridge_vlans_reach_networkd_and_are_listed_elsewhere() {
    let text = "interfaces:
  - name: eth1
    ethernet: {}
    bridge_port: { vlans: [{ vid: 10, pvid: true, untagged: true }, \"20-29\"] }
  - name: br0
    bridge: { ports: [eth1], vlan_filtering: true, vlans: [100] }
";
    let x = load("v.yaml", text).unwrap();
    let nd = networkd::export(&x);
    let file = |n: &str| nd.files.iter().find(|(f, _)| f == n).map(|(_, t)| t.clone()).unwrap_or_default();
    let eth1 = file("30-hostnet-eth1.network");
    assert!(eth1.contains("[BridgeVLAN]\nVLAN=10\nPVID=10\nEgressUntagged=10\n"), "{eth1}");
    assert!(eth1.contains("[BridgeVLAN]\nVLAN=20-29\n"), "{eth1}");
    assert!(file("30-hostnet-br0.network").contains("[BridgeVLAN]\nVLAN=100\n"));
    for lost in [netplan::export(&x).lost, ifupdown::export(&x).lost] {
        let l = lost_lines(&lost);
        assert!(l.contains("eth1: bridge VLANs") && l.contains("br0: bridge VLANs"), "{l}");
    }
}

#[test]
fn nic_offloads_reach_every_format_and_come_back() {
    let text = "interfaces:
  - name: eth0
    ethernet: {}
    ethtool: { features: { gro: false, tso: true, rx-vlan-filter: false }, channels: { combined: 4 } }
";
    let x = load("e.yaml", text).unwrap();
    let nd = networkd::export(&x);
    let link = &nd.files.iter().find(|(f, _)| f == "10-hostnet-eth0.link").unwrap().1;
    for want in
        ["OriginalName=eth0", "GenericReceiveOffload=no\n", "TCPSegmentationOffload=yes\n", "CombinedChannels=4\n"]
    {
        assert!(link.contains(want), "missing {want:?} in\n{link}");
    }
    assert!(lost_lines(&nd.lost).contains("ethtool feature rx-vlan-filter"), "{}", lost_lines(&nd.lost));
    let want = |c: &hostnet_core::Config| c.get("eth0").and_then(|i| i.ethtool.clone()).map(|e| e.kernel_features());
    let e = netplan::export(&x);
    let l = lost_lines(&e.lost);
    assert!(l.contains("ethtool feature rx-vlan-filter") && l.contains("ethtool channels"), "{l}");
    let back = netplan::import(&e.files).unwrap();
    let f = want(&back.config).unwrap();
    assert_eq!((f.get("rx-gro"), f.get("tx-tcp-segmentation")), (Some(&false), Some(&true)));
    let ifu = ifupdown::export(&x);
    let t = &ifu.files[0].1;
    assert!(t.contains("    offload-gro off\n") && t.contains("    offload-tso on\n"), "{t}");
    let again = ifupdown::import("interfaces", t);
    assert_eq!(want(&again.config).unwrap().get("rx-gro"), Some(&false));
}

#[test]
fn nic_rings_coalescing_and_link_modes_reach_networkd_and_ifupdown_and_come_back() {
    let text = "interfaces:
  - name: eth0
    ethernet: {}
    ethtool:
      rings: { rx: 4096, tx: 2048 }
      coalesce: { adaptive_rx: false, rx_usecs: 50, tx_frames: 16 }
      link: { autoneg: false, speed: 10000, duplex: full }
";
    let x = load("e.yaml", text).unwrap();
    let nd = networkd::export(&x);
    let link = &nd.files.iter().find(|(f, _)| f == "10-hostnet-eth0.link").unwrap().1;
    for want in [
        "RxBufferSize=4096\n",
        "TxBufferSize=2048\n",
        "UseAdaptiveRxCoalesce=no\n",
        "RxCoalesceSec=50us\n",
        "TxMaxCoalescedFrames=16\n",
        "AutoNegotiation=no\n",
        "BitsPerSecond=10000M\n",
        "Duplex=full\n",
    ] {
        assert!(link.contains(want), "missing {want:?} in\n{link}");
    }
    assert!(nd.lost.is_empty(), "{}", lost_lines(&nd.lost));
    let l = lost_lines(&netplan::export(&x).lost);
    assert!(l.contains("ethtool rings") && l.contains("ethtool coalesce") && l.contains("ethtool link"), "{l}");
    let ifu = ifupdown::export(&x);
    let t = &ifu.files[0].1;
    for want in [
        "    hardware-dma-ring-rx 4096\n",
        "    hardware-irq-coalesce-adaptive-rx off\n",
        "    hardware-irq-coalesce-rx-usecs 50\n",
        "    link-speed 10000\n",
        "    link-duplex full\n",
        "    ethernet-autoneg off\n",
    ] {
        assert!(t.contains(want), "missing {want:?} in\n{t}");
    }
    let again = ifupdown::import("interfaces", t);
    assert_eq!(again.config.get("eth0").unwrap().ethtool, x.get("eth0").unwrap().ethtool);
    let bad = ifupdown::import(
        "interfaces",
        "iface eth0 inet manual\n    link-duplex sideways\n    hardware-dma-ring-rx many\n",
    );
    let l = lost_lines(&bad.lost);
    assert!(l.contains("link-duplex sideways") && l.contains("expected full or half"), "{l}");
    assert!(l.contains("hardware-dma-ring-rx many") && l.contains("expected a number"), "{l}");
    assert_eq!(bad.config.get("eth0").unwrap().ethtool, None, "a bad value changed the model");
}

#[test]
fn wireguard_reaches_networkd_and_netplan_with_key_files_only() {
    let text = "interfaces:
  - name: wg0
    wireguard:
      private_key_file: /etc/hostnet/wg0.key
      listen_port: 51820
      peers:
        - public_key: \"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\"
          preshared_key_file: /etc/hostnet/wg0.psk
          allowed_ips: [10.9.0.2/32]
          endpoint: \"198.51.100.7:51820\"
          persistent_keepalive: 25
    addresses: [10.9.0.1/24]
";
    let x = load("w.yaml", text).unwrap();
    let nd = networkd::export(&x);
    let netdev = &nd.files.iter().find(|(f, _)| f.ends_with("wg0.netdev")).unwrap().1;
    for want in [
        "Kind=wireguard\n",
        "PrivateKeyFile=/etc/hostnet/wg0.key\n",
        "ListenPort=51820\n",
        "[WireGuardPeer]\nPublicKey=xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n",
        "PresharedKeyFile=/etc/hostnet/wg0.psk\n",
        "AllowedIPs=10.9.0.2/32\n",
        "Endpoint=198.51.100.7:51820\n",
        "PersistentKeepalive=25\n",
    ] {
        assert!(netdev.contains(want), "missing {want:?} in\n{netdev}");
    }
    let np = netplan::export(&x);
    let back = netplan::import(&np.files).unwrap();
    assert_eq!(back.config.get("wg0").unwrap().kind, x.get("wg0").unwrap().kind, "{}", np.files[0].1);
    let l = lost_lines(&ifupdown::export(&x).lost);
    assert!(l.contains("kind wireguard"), "{l}");
    let inline = np.files[0].1.replace("/etc/hostnet/wg0.key", "aGVsbG8gc2VjcmV0IGtleSBvZiB3aXJlZ3VhcmQhISE=");
    let files = vec![(np.files[0].0.clone(), inline)];
    let r = netplan::import(&files).unwrap();
    let l = lost_lines(&r.lost);
    assert!(l.contains("written inline") && !l.contains("aGVsbG8"), "{l}");
    assert!(r.config.get("wg0").is_none());
}

#[test]
fn multipath_routes_reach_networkd_come_in_from_ifupdown_and_are_declared_lost_elsewhere() {
    let x = load(
        "m.yaml",
        "interfaces:
  - name: e0
    ethernet: {}
    addresses: [192.0.2.1/24]
  - name: e1
    ethernet: {}
    addresses: [198.51.100.1/24]
routes:
  - dst: default
    nexthops: [{via: 192.0.2.254, dev: e0}, {via: 198.51.100.254, dev: e1, weight: 3}]
",
    )
    .unwrap();
    let nd = networkd::export(&x);
    let file = |n: &str| nd.files.iter().find(|(f, _)| f == n).map(|(_, t)| t.clone()).unwrap_or_default();
    // Under the first path's link, whose configuration networkd adds it with.
    let want = "[Route]\nMultiPathRoute=192.0.2.254@e0\nMultiPathRoute=198.51.100.254@e1 3\n";
    assert!(file("30-hostnet-e0.network").contains(want), "{}", file("30-hostnet-e0.network"));
    assert!(!file("30-hostnet-e1.network").contains("[Route]"));
    let lost = lost_lines(&netplan::export(&x).lost);
    assert!(lost.contains("multipath route default: netplan has no multipath routes"), "{lost}");
    // ifupdown writes it as the `up` line of the last link it goes through, and reads it back.
    let i = ifupdown::export(&x);
    assert!(i.files[0].1.contains("iface e1 inet static\n    address 198.51.100.1/24\n    up ip route add default nexthop via 192.0.2.254 dev e0 nexthop via 198.51.100.254 dev e1 weight 3\n"), "{}", i.files[0].1);
    assert_eq!(again_config(&i.files[0].1).routes, x.routes);
    // ifupdown configs carry them as `up ip route add ... nexthop ...`.
    let back = again_config(
        "auto e0\niface e0 inet static\n    address 192.0.2.1/24\n    up ip route add default nexthop via 192.0.2.254 dev $IFACE nexthop via 198.51.100.254 dev e1 weight 3\n\nauto e1\niface e1 inet static\n    address 198.51.100.1/24\n",
    );
    assert_eq!(back.routes, x.routes);
}

#[test]
fn route_tcp_settings_reach_networkd_and_netplan_says_what_it_cannot() {
    let x = load(
        "t.yaml",
        "interfaces:\n  - name: e0\n    ethernet: {}\n    addresses: [192.0.2.1/24]\n    routes:\n      - {dst: default, via: 192.0.2.254, initcwnd: 20, initrwnd: 30, advmss: 1400, congctl: bbr, quickack: true, fastopen_no_cookie: false}\n",
    )
    .unwrap();
    let nd = networkd::export(&x);
    let net = &nd.files.iter().find(|(f, _)| f.ends_with(".network")).unwrap().1;
    let want = "InitialCongestionWindow=20\nInitialAdvertisedReceiveWindow=30\nTCPAdvertisedMaximumSegmentSize=1400\nTCPCongestionControlAlgorithm=bbr\nQuickAck=yes\nFastOpenNoCookie=no\n";
    assert!(net.contains(want), "{net}");
    let e = netplan::export(&x);
    let lost = lost_lines(&e.lost);
    assert!(lost.contains("route default advmss, congctl, quickack, fastopen_no_cookie"), "{lost}");
    let back = netplan::import(&e.files).unwrap();
    let r = &back.config.interfaces[0].routes[0];
    assert_eq!((r.initcwnd, r.initrwnd), (Some(20), Some(30)));
    // ifupdown carries them in its `up ip route add` line, and reads them back.
    let i = ifupdown::export(&x);
    let again = again_config(&i.files[0].1);
    assert_eq!(again.interfaces.iter().find(|i| i.name == "e0").unwrap().routes, x.interfaces[0].routes);
}

#[test]
fn routes_of_no_interface_and_rules_round_trip_through_ifupdowns_lo_stanza() {
    let x = load(
        "r.yaml",
        "interfaces:\n  - {name: e0, ethernet: {}, addresses: [192.0.2.1/24], routes: [{dst: 198.51.100.0/24, via: 192.0.2.254, table: 100}]}\nroutes:\n  - {type: blackhole, dst: 10.0.0.0/8}\n  - {type: local, dst: 203.0.113.0/24}\n  - {type: unreachable, dst: 2001:db8:dead::/48}\nrouting_rules:\n  - {from: 192.0.2.0/24, table: 100, priority: 1000}\n  - {fwmark: \"0x10/0xff\", table: 100, priority: 1100}\n",
    )
    .unwrap();
    let e = ifupdown::export(&x);
    assert!(e.lost.is_empty(), "{}", lost_lines(&e.lost));
    let text = &e.files[0].1;
    assert!(text.contains("iface lo inet loopback\n    up ip route add blackhole 10.0.0.0/8\n"), "{text}");
    let back = again_config(text);
    assert_eq!((back.routes, back.routing_rules), (x.routes, x.routing_rules));
}

#[test]
fn rule_tos_not_l3mdev_and_goto_in_the_other_formats() {
    let x = load(
        "r.yaml",
        "interfaces:\n  - {name: e0, ethernet: {}, addresses: [192.0.2.1/24], routes: [{dst: default, via: 192.0.2.254, table: 100}]}\nrouting_rules:\n  - {not: true, from: 198.51.100.0/24, table: 100, priority: 1400}\n  - {tos: 0x10, from: 192.0.2.0/24, table: 100, priority: 1500}\n  - {priority: 1600, goto: 1800}\n  - {l3mdev: true, priority: 1700}\n",
    )
    .unwrap();
    let nd = networkd::export(&x);
    let net = &nd.files.iter().find(|(f, _)| f.ends_with("e0.network")).unwrap().1;
    for want in [
        "From=198.51.100.0/24\nInvertRule=yes\nTable=100\n",
        "From=192.0.2.0/24\nTypeOfService=16\nTable=100\n",
        "L3MasterDevice=yes\n",
    ] {
        assert!(net.contains(want), "missing {want:?} in\n{net}");
    }
    assert!(lost_lines(&nd.lost).contains("networkd's rules have no goto"));
    let e = netplan::export(&x);
    let lost = lost_lines(&e.lost);
    assert!(
        lost.contains("cannot say not") && lost.contains("cannot say goto") && lost.contains("cannot say l3mdev"),
        "{lost}"
    );
    let back = netplan::import(&e.files).unwrap();
    let rules = back.config.routing_rules.unwrap_or_default();
    assert!(rules.iter().any(|r| r.tos == Some(16) && r.table == Some(100)), "{rules:?}");
    // ifupdown carries every one in lo's `up ip rule add` lines, and reads them back.
    let i = ifupdown::export(&x);
    assert_eq!(again_config(&i.files[0].1).routing_rules, x.routing_rules);
}
