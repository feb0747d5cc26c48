//! One test per validation rule: each bad input is checked for its message and its location.

use hostnet_core::{Problem, load};

fn problems(yaml: &str) -> Vec<Problem> {
    match load("t.yaml", yaml) {
        Ok(_) => panic!("expected problems, config was accepted:\n{yaml}"),
        Err(p) => p.problems,
    }
}

/// Asserts exactly one problem, at `line:column`, on `field`, whose message contains `msg`.
#[track_caller]
fn one(yaml: &str, line: usize, column: usize, field: &str, msg: &str) {
    let ps = problems(yaml);
    assert_eq!(ps.len(), 1, "expected one problem, got: {ps:#?}");
    let p = &ps[0];
    assert_eq!((p.line, p.column, p.field.as_str()), (line, column, field), "{p}");
    assert!(p.message.contains(msg), "message {:?} lacks {msg:?}", p.message);
    assert_eq!(p.file, "t.yaml");
}

const NICS: &str = "interfaces:\n  - name: a\n    ethernet: {}\n  - name: b\n    ethernet: {}\n";

#[test]
fn accepts_every_example() {
    for f in ["stacked-bonds", "vlan-bond-bridge", "single-nic"] {
        let path = format!("{}/../../examples/{f}.yaml", env!("CARGO_MANIFEST_DIR"));
        let src = std::fs::read_to_string(&path).unwrap();
        load(&path, &src).unwrap_or_else(|e| panic!("{}", e.lines()));
    }
}

#[test]
fn unknown_top_level_key() {
    one("interface:\n  - name: a\n", 1, 1, "interface", "unknown field `interface`");
}

#[test]
fn unknown_interface_key_with_suggestion() {
    one(
        "interfaces:\n  - name: a\n    ethernet: {}\n    mut: 1500\n",
        4,
        5,
        "interfaces[0].mut",
        "did you mean `mtu`?",
    );
}

#[test]
fn unknown_bond_option() {
    one(
        "interfaces:\n  - name: a\n    bond:\n      mode: 4\n      miimom: 100\n",
        5,
        7,
        "interfaces[0].bond.miimom",
        "unknown field `miimom`",
    );
}

#[test]
fn wrong_type() {
    one(
        "interfaces:\n  - name: a\n    ethernet: {}\n    mtu: big\n",
        4,
        10,
        "interfaces[0].mtu",
        "expected a whole number",
    );
}

#[test]
fn interface_without_kind() {
    one("interfaces:\n  - name: a\n    mtu: 1500\n", 2, 5, "interfaces[0].name", "exactly one of the keys");
}

#[test]
fn interface_with_two_kinds() {
    one(
        "interfaces:\n  - name: a\n    ethernet: {}\n    veth: {peer: b}\n",
        2,
        5,
        "interfaces[0].name",
        "found ethernet, veth",
    );
}

#[test]
fn unknown_bond_mode() {
    one(
        "interfaces:\n  - name: a\n    bond:\n      mode: 7\n",
        4,
        13,
        "interfaces[0].bond.mode",
        "expected one of `balance-rr`",
    );
}

#[test]
fn bond_mode_by_number_and_name() {
    let c =
        load("t.yaml", "interfaces:\n  - name: a\n    bond: {mode: 6}\n  - name: b\n    bond: {mode: lacp}\n").unwrap();
    let modes: Vec<String> = c
        .interfaces
        .iter()
        .map(|i| match &i.kind {
            hostnet_core::model::Kind::Bond(b) => b.mode.to_string(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(modes, ["balance-alb", "802.3ad"]);
}

#[test]
fn arp_monitor_in_lacp_mode() {
    let ps = problems(
        "interfaces:\n  - name: a\n    bond:\n      mode: 802.3ad\n      arp_interval: 100\n      arp_ip_target: [192.0.2.1]\n",
    );
    let got: Vec<(usize, usize, &str)> = ps.iter().map(|p| (p.line, p.column, p.field.as_str())).collect();
    assert_eq!(got, [(5, 7, "interfaces[0].bond.arp_interval"), (6, 7, "interfaces[0].bond.arp_ip_target")]);
    assert!(ps[0].message.starts_with("`arp_interval` is not valid for mode 802.3ad"), "{}", ps[0].message);
    assert!(ps[0].message.contains("needs the MII monitor"));
}

#[test]
fn arp_target_in_alb_mode() {
    one(
        "interfaces:\n  - name: a\n    bond:\n      mode: balance-alb\n      arp_ip_target: [192.0.2.1]\n",
        5,
        7,
        "interfaces[0].bond.arp_ip_target",
        "needs the MII monitor",
    );
}

#[test]
fn primary_outside_primary_modes() {
    let y = format!("{NICS}  - name: c\n    bond:\n      mode: balance-rr\n      ports: [a, b]\n      primary: a\n");
    one(&y, 10, 7, "interfaces[2].bond.primary", "only in mode active-backup, balance-tlb, balance-alb");
}

#[test]
fn primary_not_a_port() {
    let y = format!("{NICS}  - name: c\n    bond:\n      mode: active-backup\n      ports: [a]\n      primary: b\n");
    one(&y, 10, 7, "interfaces[2].bond.primary", "not one of this bond's ports");
}

#[test]
fn lacp_rate_outside_lacp() {
    one(
        "interfaces:\n  - name: a\n    bond:\n      mode: active-backup\n      lacp_rate: fast\n",
        5,
        7,
        "interfaces[0].bond.lacp_rate",
        "only in mode 802.3ad",
    );
}

#[test]
fn two_link_monitors() {
    let ps = problems(
        "interfaces:\n  - name: a\n    bond:\n      mode: active-backup\n      miimon: 100\n      arp_interval: 200\n      arp_ip_target: [192.0.2.1]\n",
    );
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert_eq!((ps[0].line, ps[0].field.as_str()), (6, "interfaces[0].bond.arp_interval"));
    assert!(ps[0].message.contains("choose one link monitor"));
}

#[test]
fn arp_interval_without_targets() {
    one(
        "interfaces:\n  - name: a\n    bond:\n      mode: active-backup\n      arp_interval: 200\n",
        5,
        7,
        "interfaces[0].bond.arp_interval",
        "needs at least one arp_ip_target",
    );
}

#[test]
fn updelay_not_multiple_of_miimon() {
    one(
        "interfaces:\n  - name: a\n    bond:\n      mode: 1\n      miimon: 100\n      updelay: 150\n",
        6,
        7,
        "interfaces[0].bond.updelay",
        "not a multiple of miimon 100",
    );
}

#[test]
fn downdelay_without_miimon() {
    one(
        "interfaces:\n  - name: a\n    bond:\n      mode: 1\n      downdelay: 200\n",
        5,
        7,
        "interfaces[0].bond.downdelay",
        "needs miimon",
    );
}

#[test]
fn min_links_beyond_ports() {
    let y = format!("{NICS}  - name: c\n    bond:\n      mode: 802.3ad\n      ports: [a, b]\n      min_links: 3\n");
    one(&y, 10, 7, "interfaces[2].bond.min_links", "could never get carrier");
}

#[test]
fn ad_user_port_key_range() {
    one(
        "interfaces:\n  - name: a\n    bond:\n      mode: 802.3ad\n      ad_user_port_key: 2000\n",
        5,
        7,
        "interfaces[0].bond.ad_user_port_key",
        "out of range 0..=1023",
    );
}

#[test]
fn port_claimed_by_two_masters() {
    let y =
        format!("{NICS}  - name: c\n    bond: {{mode: 1, ports: [a]}}\n  - name: d\n    bridge: {{ports: [b, a]}}\n");
    one(&y, 9, 25, "interfaces[3].bridge.ports[1]", "claimed by both `c` and `d`");
}

#[test]
fn port_that_is_a_bridge() {
    let y = "interfaces:\n  - name: br0\n    bridge: {}\n  - name: bond0\n    bond: {mode: 1, ports: [br0]}\n";
    one(y, 5, 29, "interfaces[1].bond.ports[0]", "a bridge cannot be enslaved");
}

#[test]
fn port_not_declared() {
    one(
        "interfaces:\n  - name: bond0\n    bond: {mode: 1, ports: [eth9]}\n",
        3,
        29,
        "interfaces[0].bond.ports[0]",
        "`eth9` is not declared",
    );
}

#[test]
fn port_mtu_below_master() {
    let y = "interfaces:\n  - name: a\n    ethernet: {}\n    mtu: 1500\n  - name: bond0\n    mtu: 9000\n    bond: {mode: 1, ports: [a]}\n";
    one(y, 4, 5, "interfaces[0].mtu", "MTU 1500 of port `a` is below MTU 9000 of its master `bond0`");
}

#[test]
fn addresses_on_a_port() {
    let y = "interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [192.0.2.1/24]\n  - name: br0\n    bridge: {ports: [a]}\n";
    one(y, 4, 5, "interfaces[0].addresses", "put them on `br0`");
}

#[test]
fn duplicate_names() {
    one(
        "interfaces:\n  - name: a\n    ethernet: {}\n  - name: a\n    ethernet: {}\n",
        4,
        5,
        "interfaces[1].name",
        "duplicate interface name `a`",
    );
}

#[test]
fn veth_peer_collides_with_interface() {
    one(
        "interfaces:\n  - name: a\n    ethernet: {}\n  - name: v0\n    veth: {peer: a}\n",
        5,
        12,
        "interfaces[1].veth.peer",
        "duplicate interface name `a`",
    );
}

#[test]
fn name_too_long() {
    one(
        "interfaces:\n  - name: averyveryverylongname\n    ethernet: {}\n",
        2,
        5,
        "interfaces[0].name",
        "longer than 15 bytes",
    );
}

#[test]
fn vlan_id_out_of_range() {
    for id in [0, 4095] {
        let y = format!("{NICS}  - name: v\n    vlan: {{base: a, id: {id}}}\n");
        one(&y, 7, 21, "interfaces[2].vlan.id", &format!("VLAN id {id} is out of range 1..=4094"));
    }
}

#[test]
fn vlan_base_not_declared() {
    one(
        "interfaces:\n  - name: v\n    vlan: {base: eth7, id: 10}\n",
        3,
        12,
        "interfaces[0].vlan.base",
        "base `eth7` is not declared",
    );
}

#[test]
fn vlan_on_a_bond_port() {
    let y = format!(
        "{NICS}  - name: bond0\n    bond: {{mode: 1, ports: [a, b]}}\n  - name: v\n    vlan: {{base: a, id: 5}}\n"
    );
    one(&y, 9, 12, "interfaces[3].vlan.base", "put the VLAN on `bond0`");
}

#[test]
fn duplicate_vlan() {
    let y = format!("{NICS}  - name: v1\n    vlan: {{base: a, id: 5}}\n  - name: v2\n    vlan: {{base: a, id: 5}}\n");
    one(&y, 9, 21, "interfaces[3].vlan.id", "already declared as `v1`");
}

#[test]
fn invalid_cidr_prefix() {
    one(
        "interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [10.0.0.1/33]\n",
        4,
        17,
        "interfaces[0].addresses[0]",
        "prefix length must be 0..=32",
    );
}

#[test]
fn invalid_cidr_address() {
    one(
        "interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [10.0.0.300/24]\n",
        4,
        17,
        "interfaces[0].addresses[0]",
        "is not an IP address",
    );
}

#[test]
fn cidr_without_prefix() {
    one(
        "interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [192.0.2.7]\n",
        4,
        17,
        "interfaces[0].addresses[0]",
        "missing prefix length",
    );
}

#[test]
fn address_on_two_interfaces() {
    let y = "interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [192.0.2.7/24]\n  - name: b\n    ethernet: {}\n    addresses: [192.0.2.7/25]\n";
    one(y, 7, 17, "interfaces[1].addresses[0]", "also declared on `a`");
}

#[test]
fn address_listed_twice_on_one_interface() {
    let y = "interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [192.0.2.7/24, 192.0.2.8/24, 192.0.2.7/25]\n";
    one(y, 4, 45, "interfaces[0].addresses[2]", "address 192.0.2.7/25 is listed twice");
    // Past 16 addresses the repeat is found through a set instead of a scan.
    let many: Vec<String> = (1..=40).map(|k| format!("192.0.2.{k}/24")).chain(["192.0.2.33/24".into()]).collect();
    let y = format!("interfaces:\n  - name: a\n    ethernet: {{}}\n    addresses: [{}]\n", many.join(", "));
    let ps = problems(&y);
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert_eq!(ps[0].field, "interfaces[0].addresses[40]");
    assert!(ps[0].message.contains("listed twice"), "{}", ps[0].message);
}

#[test]
fn gateway_unreachable() {
    let y = "interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [192.0.2.7/24]\n    routes:\n      - dst: default\n        via: 198.51.100.1\n";
    one(
        y,
        7,
        9,
        "interfaces[0].routes[0].via",
        "gateway 198.51.100.1 is not reachable from any address of `a` (192.0.2.7/24)",
    );
}

#[test]
fn gateway_onlink_is_trusted() {
    let y = "interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [192.0.2.7/24]\n    routes:\n      - {dst: default, via: 198.51.100.1, onlink: true}\n";
    load("t.yaml", y).unwrap();
}

#[test]
fn route_family_mismatch() {
    let y = "interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [192.0.2.7/24]\n    routes:\n      - {dst: \"2001:db8::/32\", via: 192.0.2.1}\n";
    one(y, 6, 32, "interfaces[0].routes[0].via", "different families");
}

#[test]
fn dependency_cycle_is_named() {
    let y =
        "interfaces:\n  - name: b1\n    bond: {mode: 1, ports: [b2]}\n  - name: b2\n    bond: {mode: 1, ports: [b1]}\n";
    let ps = problems(y);
    let cycle = ps.iter().find(|p| p.message.contains("dependency cycle")).expect("cycle reported");
    assert_eq!(cycle.message, "dependency cycle: b1 -> b2 -> b1");
    assert_eq!((cycle.line, cycle.column, cycle.field.as_str()), (2, 5, "interfaces[0].name"));
}

#[test]
fn cycle_through_vlan() {
    let y = "interfaces:\n  - name: v\n    vlan: {base: br, id: 3}\n  - name: br\n    bridge: {ports: [v]}\n";
    let ps = problems(y);
    assert!(ps.iter().any(|p| p.message == "dependency cycle: v -> br -> v"), "{ps:#?}");
}

#[test]
fn too_many_nameservers() {
    let y = "dns:\n  nameservers: [192.0.2.1, 192.0.2.2, 192.0.2.3, 192.0.2.4]\n";
    one(y, 2, 50, "dns.nameservers[3]", "at most 3 nameservers");
}

#[test]
fn invalid_mac() {
    one(
        "interfaces:\n  - name: a\n    ethernet: {}\n    mac: 01:00:5e:00:00:01\n",
        4,
        5,
        "interfaces[0].mac",
        "not a unicast MAC",
    );
    one(
        "interfaces:\n  - name: a\n    ethernet: {}\n    mac: 52:54:00\n",
        4,
        10,
        "interfaces[0].mac",
        "invalid MAC address",
    );
}

#[test]
fn invalid_pci_path() {
    one(
        "interfaces:\n  - name: a\n    ethernet:\n      match: {pci_path: \"3b:00.1\"}\n",
        4,
        15,
        "interfaces[0].ethernet.match.pci_path",
        "not a PCI address",
    );
}

#[test]
fn bridge_forward_delay_with_stp() {
    one(
        "interfaces:\n  - name: br0\n    bridge: {stp: true, forward_delay: 1}\n",
        3,
        25,
        "interfaces[0].bridge.forward_delay",
        "out of range 2..=30 with STP on",
    );
}

#[test]
fn bridge_ageing_time_the_kernel_would_clamp() {
    // 4294968 s would overflow the kernel's hundredths; above 1,000,000 s the kernel clamps.
    one(
        "interfaces:\n  - name: br0\n    bridge: {ageing_time: 4294968}\n",
        3,
        14,
        "interfaces[0].bridge.ageing_time",
        "ageing_time 4294968s is out of range 0..=1000000",
    );
}

#[test]
fn yaml_1_1_booleans_are_refused_where_a_boolean_is_wanted() {
    one(
        "interfaces:\n  - name: br0\n    bridge: {stp: yes}\n",
        3,
        19,
        "interfaces[0].bridge.stp",
        "expected true or false (YAML 1.1's yes, no, on and off are not read as booleans)",
    );
}

#[test]
fn names_the_kernel_would_change_or_refuse() {
    for (name, why) in [
        ("x%d", "which the kernel replaces with a number"),
        ("all", "is reserved"),
        ("default", "is reserved"),
        ("eth\u{e9}", "non-ASCII character"),
        ("eth\\0", "control character"),
    ] {
        let y = format!("interfaces:\n  - name: \"{name}\"\n    ethernet: {{}}\n");
        let ps: Vec<String> = problems(&y).iter().map(ToString::to_string).collect();
        assert!(ps.iter().any(|p| p.contains("interfaces[0].name") && p.contains(why)), "{name}: {ps:#?}");
    }
}

#[test]
fn addresses_no_interface_can_have() {
    for (a, why) in [
        ("0.0.0.0/32", "any address"),
        ("255.255.255.255/32", "limited broadcast"),
        ("224.0.0.5/32", "multicast group"),
        ("::/128", "any address"),
        ("::1/128", "lo's"),
        ("ff02::1/128", "multicast group"),
    ] {
        let y = format!("interfaces:\n  - name: a\n    ethernet: {{}}\n    addresses: [\"{a}\"]\n");
        let ps: Vec<String> = problems(&y).iter().map(ToString::to_string).collect();
        assert!(ps.iter().any(|p| p.contains("interfaces[0].addresses[0]") && p.contains(why)), "{a}: {ps:#?}");
        assert!(ps.iter().all(|p| p.starts_with("t.yaml:4:")), "{a}: not located on its line: {ps:#?}");
    }
}

#[test]
fn route_table_0_and_the_same_route_twice() {
    let base = "interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [192.0.2.2/24]\n    routes:\n";
    let ps: Vec<String> = problems(&format!("{base}      - {{dst: 198.51.100.0/24, via: 192.0.2.1, table: 0}}\n"))
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(ps.iter().any(|p| p.contains("routes[0].table") && p.contains("table 0 is not a table")), "{ps:#?}");
    let twice = "      - {dst: 198.51.100.0/24, via: 192.0.2.1}\n      - {dst: 198.51.100.0/24, via: 192.0.2.9}\n";
    let ps: Vec<String> = problems(&format!("{base}{twice}")).iter().map(ToString::to_string).collect();
    assert!(ps.iter().any(|p| p.contains("routes[1].dst") && p.contains("the same route as routes[0]")), "{ps:#?}");
}

#[test]
fn all_problems_are_reported_at_once() {
    let y = "interfaces:\n  - name: v\n    vlan: {base: x, id: 5000}\n  - name: w\n    ethernet: {}\n    mtu: 20\n";
    let ps = problems(y);
    assert_eq!(ps.len(), 3, "{ps:#?}");
}

#[test]
fn dhcp_on_a_bond_port() {
    let y = format!("{NICS}    dhcp4: true\n  - name: bond0\n    bond: {{ mode: active-backup, ports: [a, b] }}\n");
    one(&y, 6, 5, "interfaces[1].dhcp4", "put `dhcp4` on `bond0`");
}

#[test]
fn dhcp_option_misspelt() {
    let y = "interfaces:\n  - name: a\n    ethernet: {}\n    dhcp4: { route_metrik: 5 }\n";
    let ps = problems(y);
    assert_eq!((ps[0].line, ps[0].field.as_str()), (4, "interfaces[0].dhcp4.route_metrik"), "{ps:#?}");
    assert!(ps[0].message.contains("route_metric"), "{}", ps[0].message);
}

#[test]
fn dhcp_hostname_that_is_no_host_name() {
    let y = "interfaces:\n  - name: a\n    ethernet: {}\n    dhcp4: { hostname: \"db_1\" }\n";
    one(y, 4, 14, "interfaces[0].dhcp4.hostname", "not a valid host name");
}

#[test]
fn dhcp6_on_a_bond_port() {
    let y = format!("{NICS}    dhcp6: true\n  - name: bond0\n    bond: {{ mode: active-backup, ports: [a, b] }}\n");
    one(&y, 6, 5, "interfaces[1].dhcp6", "put `dhcp6` on `bond0`");
}

#[test]
fn dhcp6_without_a_link_local_address_to_send_from() {
    let y = "interfaces:\n  - name: a\n    ethernet: {}\n    ipv6: { link_local: false }\n    dhcp6: { mode: information-only }\n";
    one(y, 5, 5, "interfaces[0].dhcp6", "needs a link-local address");
}

#[test]
fn dhcp6_mode_misspelt() {
    let y = "interfaces:\n  - name: a\n    ethernet: {}\n    dhcp6: { mode: stateles }\n";
    let ps = problems(y);
    assert_eq!((ps[0].line, ps[0].field.as_str()), (4, "interfaces[0].dhcp6.mode"), "{ps:#?}");
    assert!(ps[0].message.contains("information-only"), "{}", ps[0].message);
}

const ETHTOOL: &str = "interfaces:\n  - name: a\n    ethernet: {}\n    ethtool:\n";

#[test]
fn ring_of_zero() {
    one(&format!("{ETHTOOL}      rings: {{ rx: 0 }}\n"), 5, 16, "interfaces[0].ethtool.rings.rx", "0 descriptors");
}

#[test]
fn speed_of_zero() {
    one(&format!("{ETHTOOL}      link: {{ speed: 0 }}\n"), 5, 15, "interfaces[0].ethtool.link.speed", "in Mb/s");
}

#[test]
fn autoneg_off_without_a_speed() {
    one(
        &format!("{ETHTOOL}      link: {{ autoneg: false }}\n"),
        5,
        15,
        "interfaces[0].ethtool.link.autoneg",
        "needs a speed",
    );
}

#[test]
fn duplex_unknown_declared() {
    one(
        &format!("{ETHTOOL}      link: {{ speed: 100, duplex: unknown }}\n"),
        5,
        27,
        "interfaces[0].ethtool.link.duplex",
        "say full or half",
    );
}

#[test]
fn unknown_coalesce_key() {
    let ps = problems(&format!("{ETHTOOL}      coalesce: {{ rx_usec: 10 }}\n"));
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert_eq!(ps[0].line, 5, "{}", ps[0]);
    assert!(ps[0].message.contains("rx_usec"), "{}", ps[0]);
}

const WG: &str = "interfaces:\n  - name: wg0\n    wireguard:\n";

#[test]
fn wireguard_key_written_inline_is_refused_and_not_echoed() {
    let key = "aGVsbG8gc2VjcmV0IGtleSBvZiB3aXJlZ3VhcmQhISE=";
    let ps = problems(&format!("{WG}      private_key_file: /etc/k\n      private_key: {key}\n"));
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert_eq!((ps[0].line, ps[0].field.as_str()), (5, "interfaces[0].wireguard.private_key"), "{}", ps[0]);
    assert!(ps[0].message.contains("never written in the config"), "{}", ps[0]);
    assert!(!format!("{ps:?}").contains(key), "the key was echoed: {ps:?}");
}

#[test]
fn wireguard_without_key_file_bad_public_key_and_host_bits() {
    let ps = problems(&format!(
        "{WG}      listen_port: 51820\n      peers:\n        - {{ public_key: nope, allowed_ips: [10.0.0.1/24] }}\n"
    ));
    let text: Vec<String> = ps.iter().map(|p| p.to_string()).collect();
    let text = text.join("\n");
    assert!(text.contains("t.yaml:3:") && text.contains("needs private_key_file"), "{text}");
    assert!(text.contains("peers[0].public_key") && text.contains("44 base64 characters"), "{text}");
    assert!(text.contains("allowed_ips[0]") && text.contains("the network is 10.0.0.0/24"), "{text}");
}

#[test]
fn metrics_beyond_loopback_are_a_located_warning_and_loopback_is_quiet() {
    let y = "metrics: { listen: \"0.0.0.0:9469\" }\ninterfaces: []\n";
    let c = hostnet_core::load("c.yaml", y).expect("a warning does not refuse the file");
    let w = hostnet_core::warnings("c.yaml", y, &c);
    assert_eq!(w.len(), 1, "{w:?}");
    let text = format!("{:?}", w[0]);
    assert!(text.contains("metrics.listen") && text.contains("reachable from other hosts"), "{text}");
    for quiet in ["127.0.0.1:9469", "[::1]:9469"] {
        let y = format!("metrics: {{ listen: \"{quiet}\" }}\ninterfaces: []\n");
        let c = hostnet_core::load("c.yaml", &y).unwrap();
        assert!(hostnet_core::warnings("c.yaml", &y, &c).is_empty(), "{quiet}");
    }
}
