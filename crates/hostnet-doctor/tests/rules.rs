//! Each doctor rule on fixtures: files in the formats distributions ship, and link state built
//! as netlink reports it.

use hostnet_core::model::{Bond, BondMode, Bridge, Interface, Kind, Vlan};
use hostnet_core::state::{LiveLink, State};
use hostnet_doctor::{Finding, Ruleset, Severity, Snapshot, diagnose, procbond};
use hostnet_netlink::status::{BondPortStatus, BondStatus, LinkStatus};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn rules(f: &[Finding]) -> Vec<&'static str> {
    f.iter().map(|x| x.rule).collect()
}

fn link(name: &str, kind: &str, mtu: u32, master: Option<&str>) -> LinkStatus {
    LinkStatus {
        name: name.into(),
        index: 0,
        kind: kind.into(),
        admin_up: true,
        carrier: true,
        oper_state: "up".into(),
        mtu: Some(mtu),
        mac: None,
        master: master.map(Into::into),
        bond: None,
        bond_port: None,
    }
}

fn bond_link(name: &str, mode: &str, ports: &[&str]) -> LinkStatus {
    let mut l = link(name, "bond", 1500, None);
    l.bond = Some(BondStatus {
        mode: mode.into(),
        active_port: None,
        ports: ports.iter().map(|p| p.to_string()).collect(),
        lacp: None,
    });
    l
}

fn port(name: &str, master: &str, mii: &str, failures: u32, agg: Option<u16>) -> LinkStatus {
    let mut l = link(name, "ethernet", 1500, Some(master));
    l.bond_port = Some(BondPortStatus {
        state: "active".into(),
        mii_status: mii.into(),
        link_failure_count: Some(failures),
        perm_hwaddr: None,
        aggregator_id: agg,
        actor_oper_port_state: None,
        partner_oper_port_state: None,
    });
    l
}

fn live(iface: Interface, master: Option<&str>) -> LiveLink {
    LiveLink {
        iface,
        index: 0,
        up: true,
        master: master.map(Into::into),
        perm_mac: None,
        pci_path: None,
        sysctls: Default::default(),
        link_local: vec![],
        dynamic: vec![],
        no_broadcast: Vec::new(),
    }
}

#[test]
fn hostname_on_loopback_in_debian_default_hosts() {
    let s = Snapshot { hostname: "node1".into(), hosts: Some(fixture("hosts-debian-default")), ..Default::default() };
    let f = diagnose(&s);
    assert_eq!(rules(&f), ["hostname-loopback"]);
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(f[0].evidence, ["/etc/hosts:2: 127.0.1.1\tnode1.example.net\tnode1"]);
    assert!(f[0].fix.contains("keep it off the 127.0.1.1 line"));
    // The FQDN as hostname matches too.
    let s = Snapshot { hostname: "node1.example.net".into(), ..s };
    assert_eq!(rules(&diagnose(&s)), ["hostname-loopback"]);
}

#[test]
fn hostname_on_cluster_address_is_fine() {
    let s = Snapshot { hostname: "node1".into(), hosts: Some(fixture("hosts-cluster-ok")), ..Default::default() };
    assert!(diagnose(&s).is_empty());
}

#[test]
fn nft_rule_dropping_rndc_on_loopback() {
    let s = Snapshot { rulesets: vec![Ruleset::Nft(fixture("nft-rndc-drop.nft"))], ..Default::default() };
    let f = diagnose(&s);
    assert_eq!(rules(&f), ["firewall-drops-loopback"]);
    assert_eq!(f[0].evidence, ["nft: table inet filter chain output: ip daddr 127.0.0.1 tcp dport 953 drop"]);
}

#[test]
fn nft_policy_drop_without_loopback_accept() {
    let s = Snapshot { rulesets: vec![Ruleset::Nft(fixture("nft-policy-drop-no-lo.nft"))], ..Default::default() };
    let f = diagnose(&s);
    assert_eq!(rules(&f), ["firewall-drops-loopback"]);
    assert!(f[0].evidence[0].contains("hook input policy drop, and no rule accepts loopback"), "{f:?}");
}

#[test]
fn nft_and_iptables_good_rulesets_pass_including_anti_spoofing() {
    let s = Snapshot {
        rulesets: vec![Ruleset::Nft(fixture("nft-good.nft")), Ruleset::IptablesSave(fixture("iptables-save-good"))],
        ..Default::default()
    };
    assert!(diagnose(&s).is_empty(), "{:#?}", diagnose(&s));
}

#[test]
fn iptables_reject_to_loopback_and_drop_policy() {
    let s =
        Snapshot { rulesets: vec![Ruleset::IptablesSave(fixture("iptables-save-reject-lo"))], ..Default::default() };
    let f = diagnose(&s);
    assert_eq!(rules(&f), ["firewall-drops-loopback"]);
    assert!(f[0].evidence[0].starts_with("iptables-save:6: -A OUTPUT -d 127.0.0.1/32"), "{f:?}");
    let s =
        Snapshot { rulesets: vec![Ruleset::IptablesSave(fixture("iptables-save-policy-drop"))], ..Default::default() };
    let f = diagnose(&s);
    assert_eq!(rules(&f), ["firewall-drops-loopback"]);
    assert!(f[0].evidence[0].contains(":INPUT DROP, and no rule accepts loopback"));
}

#[test]
fn proc_bonding_is_parsed_by_key() {
    let b = procbond::parse(&fixture("bonding-two-partners.txt"));
    assert_eq!(b.mode, "IEEE 802.3ad Dynamic link aggregation");
    let got: Vec<(&str, Option<u32>, Option<&str>)> =
        b.ports.iter().map(|p| (p.name.as_str(), p.aggregator_id, p.partner_system.as_deref())).collect();
    assert_eq!(got, [("a1", Some(1), Some("ae:64:8e:ce:c8:a7")), ("b1", Some(2), Some("ce:be:c2:21:ce:44"))]);
}

#[test]
fn lacp_bond_cabled_to_two_independent_switches() {
    let s = Snapshot {
        status: vec![
            bond_link("b0", "802.3ad", &["a1", "b1"]),
            port("a1", "b0", "up", 0, Some(1)),
            port("b1", "b0", "up", 0, Some(2)),
        ],
        bonding: vec![("b0".into(), fixture("bonding-two-partners.txt"))],
        ..Default::default()
    };
    let f = diagnose(&s);
    assert_eq!(rules(&f), ["lacp-two-partners"]);
    assert_eq!(f[0].evidence, ["a1 see partner system ae:64:8e:ce:c8:a7", "b1 see partner system ce:be:c2:21:ce:44"]);
    // Without /proc, split aggregators still give it away.
    let s = Snapshot { bonding: vec![], ..s };
    assert_eq!(rules(&diagnose(&s)), ["lacp-split-aggregators"]);
}

/// A bond cabled to switch ports that are not a port-channel: every port defaulted, partner
/// all zeros, one aggregator each. Not a split between two switches: nobody answers at all.
#[test]
fn lacp_bond_that_hears_no_partner_is_its_own_finding() {
    let s = Snapshot {
        status: vec![
            bond_link("b0", "802.3ad", &["e1", "e2"]),
            port("e1", "b0", "up", 0, Some(1)),
            port("e2", "b0", "up", 0, Some(2)),
        ],
        bonding: vec![("b0".into(), fixture("bonding-no-partner.txt"))],
        ..Default::default()
    };
    let f = diagnose(&s);
    assert_eq!(rules(&f), ["lacp-no-partner"]);
    assert_eq!(f[0].evidence[0], "e1, e2 hear no LACP partner (partner system 00:00:00:00:00:00, state defaulted)");
    assert!(f[0].fix.contains("as one LACP port-channel"), "{:?}", f[0]);
    // Without /proc, the ports' actor state (defaulted) says the same.
    let mut s = Snapshot { bonding: vec![], ..s };
    for p in &mut s.status[1..] {
        p.bond_port.as_mut().unwrap().actor_oper_port_state = Some(hostnet_netlink::status::LacpPortState::new(71));
    }
    assert_eq!(rules(&diagnose(&s)), ["lacp-no-partner"]);
}

#[test]
fn bond_port_down_and_failing() {
    let s = Snapshot {
        status: vec![
            bond_link("b0", "active-backup", &["a", "b"]),
            port("a", "b0", "down", 3, None),
            port("b", "b0", "up", 0, None),
        ],
        ..Default::default()
    };
    let f = diagnose(&s);
    assert_eq!(rules(&f), ["bond-port-down", "bond-port-link-failures"]);
    assert_eq!(f[0].subject, "b0/a");
    assert_eq!(f[1].evidence, ["link failure count 3 since the port was enslaved"]);
}

#[test]
fn alb_over_ports_that_cannot_change_mac() {
    let mut ib = port("ib0", "b6", "up", 0, None);
    ib.kind = "ipoib".into();
    let s = Snapshot { status: vec![bond_link("b6", "balance-alb", &["ib0"]), ib], ..Default::default() };
    assert_eq!(rules(&diagnose(&s)), ["alb-port-cannot-change-mac"]);
}

#[test]
fn bond_without_ports() {
    let s = Snapshot { status: vec![bond_link("b9", "802.3ad", &[])], ..Default::default() };
    let f = diagnose(&s);
    assert_eq!(rules(&f), ["bond-no-ports"]);
    assert_eq!(f[0].severity, Severity::Warning);
}

#[test]
fn mtu_mismatches_along_a_stack() {
    let state = State {
        links: vec![
            live(Interface::new("br0", Kind::Bridge(Bridge::default())), None),
            live(
                Interface {
                    mtu: Some(9000),
                    ..Interface::new("v10", Kind::Vlan(Vlan { base: "bond0".into(), id: 10, protocol: None }))
                },
                None,
            ),
            live(Interface::new("bond0", Kind::Bond(Bond::new(BondMode::ActiveBackup))), None),
        ],
        dns: None,
        rules: vec![],
        routes: vec![],
        observed: true,
        ..State::default()
    };
    let s = Snapshot {
        state,
        status: vec![
            link("br0", "bridge", 9000, None),
            link("p1", "veth", 1500, Some("br0")),
            link("bond0", "bond", 1500, None),
            link("v10", "vlan", 9000, None),
        ],
        ..Default::default()
    };
    let f = diagnose(&s);
    assert_eq!(rules(&f), ["mtu-mismatch", "mtu-mismatch"]);
    assert!(f.iter().any(|x| x.evidence[0].contains("bridge br0 has MTU 9000, its port p1 only 1500")));
    assert!(f.iter().any(|x| x.evidence[0].contains("VLAN v10 has MTU 9000, above its base bond0's 1500")));
}

#[test]
fn updelay_shorter_than_stp_forward_delay() {
    let mut b = Bond::new(BondMode::ActiveBackup);
    b.miimon = Some(100);
    b.updelay = Some(200);
    let state = State {
        links: vec![
            live(
                Interface::new(
                    "br0",
                    Kind::Bridge(Bridge { stp: Some(true), forward_delay: Some(15), ..Default::default() }),
                ),
                None,
            ),
            live(Interface::new("bond0", Kind::Bond(b)), Some("br0")),
        ],
        dns: None,
        rules: vec![],
        routes: vec![],
        observed: true,
        ..State::default()
    };
    let f = diagnose(&Snapshot { state, ..Default::default() });
    assert_eq!(rules(&f), ["updelay-below-forward-delay"]);
    assert!(f[0].fix.contains("at least 15000 ms"));
}

#[test]
fn rising_failure_count_between_two_samples() {
    let before = Snapshot {
        status: vec![bond_link("b0", "802.3ad", &["a"]), port("a", "b0", "up", 2, Some(1))],
        ..Default::default()
    };
    let after = Snapshot {
        status: vec![bond_link("b0", "802.3ad", &["a"]), port("a", "b0", "up", 5, Some(1))],
        ..Default::default()
    };
    let f = hostnet_doctor::rules::bonds::rising(&before, &after, 10);
    assert_eq!(rules(&f), ["bond-port-flapping"]);
    assert_eq!(f[0].evidence, ["link failure count rose from 2 to 5 in 10 s"]);
    assert!(hostnet_doctor::rules::bonds::rising(&after, &after, 10).is_empty());
}

/// What vm/hostnet-os showed before its virtio NICs were given a speed: carrier on the port, MII
/// down in the bond, no aggregator with a partner, and nothing else amiss.
#[test]
fn lacp_port_with_carrier_but_no_speed_never_aggregates() {
    let s = Snapshot {
        status: vec![bond_link("idmz1", "802.3ad", &["e1p1"]), port("e1p1", "idmz1", "down", 0, Some(1))],
        bonding: vec![("idmz1".into(), fixture("bonding-virtio-no-speed.txt"))],
        ..Default::default()
    };
    let f = diagnose(&s);
    assert_eq!(rules(&f), ["bond-port-down", "lacp-port-without-speed"]);
    let speed = &f[1];
    assert_eq!(
        speed.evidence,
        ["e1p1 has carrier but reports Speed: Unknown, Duplex: Unknown (/proc/net/bonding/idmz1)"]
    );
    assert!(speed.fix.contains("speed=10000,duplex=full"), "{speed:?}");
}
