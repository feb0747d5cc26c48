//! Planning against a live state: idempotence, minimal changes, and the kernel's ordering rules.

use hostnet_core::model::{BondMode, Kind};
use hostnet_core::plan::{Op, Selector, render_text};
use hostnet_core::{Config, State, load, plan};

fn example(name: &str) -> Config {
    let path = format!("{}/../../examples/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    load(&path, &std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn cfg(y: &str) -> Config {
    load("t.yaml", y).unwrap_or_else(|e| panic!("{}", e.lines()))
}

#[test]
fn applied_state_needs_nothing() {
    for name in ["stacked-bonds", "vlan-bond-bridge", "single-nic"] {
        let c = example(name);
        let p = plan(&c, &State::from_config(&c));
        assert!(p.is_empty(), "{name}: second apply would do:\n{}", render_text(&p));
    }
}

#[test]
fn renamed_nic_is_still_found_by_its_old_name_criteria() {
    // After the first apply `enp94s0f1` is called `e3p3`; the match must not report it missing.
    let c = example("stacked-bonds");
    let p = plan(&c, &State::from_config(&c));
    assert!(!p.ops().any(|o| matches!(o, Op::Missing { .. })));
}

#[test]
fn bond_mode_change_empties_and_downs_the_bond_first() {
    let c = example("stacked-bonds");
    let mut live = State::from_config(&c);
    let idmz = live.links.iter_mut().find(|l| l.iface.name == "idmz").unwrap();
    if let Kind::Bond(b) = &mut idmz.iface.kind {
        b.mode = BondMode::ActiveBackup;
    }
    let text = render_text(&plan(&c, &live));
    insta::assert_snapshot!(text, @r"
     1  release           idmz1  from idmz
     2  release           idmz2  from idmz
     3  set_down          idmz
     4  set_bond_mode     idmz   balance-alb
     5  set_bond_options  idmz   miimon 100
     6  enslave           idmz1  into idmz
     7  enslave           idmz2  into idmz
     8  set_up            idmz1
     9  set_up            idmz2
    10  set_up            idmz
    11  add_route         idmz   default via 192.0.2.1
    ");
}

#[test]
fn ifdown_only_option_takes_the_bond_down() {
    let c = example("stacked-bonds");
    let mut live = State::from_config(&c);
    let b1 = live.links.iter_mut().find(|l| l.iface.name == "idmz1").unwrap();
    if let Kind::Bond(b) = &mut b1.iface.kind {
        b.lacp_rate = Some(hostnet_core::model::bond::LacpRate::Slow);
    }
    let ops: Vec<Op> = plan(&c, &live).ops().cloned().collect();
    let down = ops.iter().position(|o| matches!(o, Op::SetDown { name } if name == "idmz1")).expect("down");
    let set = ops.iter().position(|o| matches!(o, Op::SetBondOptions { name, .. } if name == "idmz1")).expect("set");
    let up = ops.iter().position(|o| matches!(o, Op::SetUp { name } if name == "idmz1")).expect("up again");
    assert!(down < set && set < up, "{ops:#?}");
}

#[test]
fn missing_nic_is_reported_and_the_rest_still_planned() {
    let c = example("stacked-bonds");
    let mut live = State::from_config(&c);
    live.links.retain(|l| l.iface.name != "e1p2");
    let ops: Vec<Op> = plan(&c, &live).ops().cloned().collect();
    assert_eq!(
        ops,
        [Op::Missing { name: "e1p2".into(), selector: Selector::Mac("52:54:00:00:01:02".parse().unwrap()) }]
    );
}

#[test]
fn only_changed_addresses_move() {
    let before = cfg("interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [192.0.2.1/24, 198.51.100.1/24]\n");
    let after = cfg("interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [198.51.100.1/24, 203.0.113.1/24]\n");
    let text = render_text(&plan(&after, &State::from_config(&before)));
    assert_eq!(text, "1  del_address  a  192.0.2.1/24\n2  add_address  a  203.0.113.1/24\n");
}

/// Deleting a subnet's primary address takes its secondaries (promote_secondaries=0) or
/// promotes one (=1): a kept secondary is deleted first and added back, the same either way,
/// and undone in reverse the addresses return in the kernel's order.
#[test]
fn a_kept_secondary_of_a_deleted_primary_goes_first_and_comes_back() {
    let before = cfg("interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [192.0.2.1/24, 192.0.2.2/24]\n");
    let after = cfg("interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [192.0.2.2/24, 192.0.2.3/24]\n");
    let text = render_text(&plan(&after, &State::from_config(&before)));
    assert_eq!(
        text,
        "1  del_address  a  192.0.2.2/24\n2  del_address  a  192.0.2.1/24\n3  add_address  a  192.0.2.2/24\n4  add_address  a  192.0.2.3/24\n"
    );
}

#[test]
fn absent_bond_releases_ports_then_goes() {
    let before = cfg("interfaces:\n  - name: a\n    ethernet: {}\n  - name: b0\n    bond: {mode: 1, ports: [a]}\n");
    let after =
        cfg("interfaces:\n  - name: a\n    ethernet: {}\n  - name: b0\n    state: absent\n    bond: {mode: 1}\n");
    let ops: Vec<Op> = plan(&after, &State::from_config(&before)).ops().cloned().collect();
    // The bond closes the port it lets go (a stays declared, and up); the delete counts on the
    // release having happened.
    assert_eq!(
        ops,
        [
            Op::Release { port: "a".into(), master: "b0".into() },
            Op::Delete { name: "b0".into(), takes: vec!["a".into()] },
            Op::SetUp { name: "a".into() }
        ]
    );
}

#[test]
fn port_moves_between_masters() {
    let before = cfg(
        "interfaces:\n  - name: a\n    ethernet: {}\n  - name: b0\n    bond: {mode: 1, ports: [a]}\n  - name: b1\n    bond: {mode: 1}\n",
    );
    let after = cfg(
        "interfaces:\n  - name: a\n    ethernet: {}\n  - name: b0\n    bond: {mode: 1}\n  - name: b1\n    bond: {mode: 1, ports: [a]}\n",
    );
    let text = render_text(&plan(&after, &State::from_config(&before)));
    // Released from a bond, the port is down already: it goes straight into the other one.
    assert_eq!(text, "1  release  a  from b0\n2  enslave  a  into b1\n3  set_up   a\n");
}

#[test]
fn every_step_has_an_undo_that_restores_the_previous_state() {
    let c = example("stacked-bonds");
    let p = plan(&c, &State { observed: true, ..State::from_config(&Config::default()) });
    // On a host with none of the NICs, each is reported missing and never enslaved, while the
    // bonds above them are still built: a missing NIC does not stop independent work.
    let missing = p.ops().filter(|o| matches!(o, Op::Missing { .. })).count();
    assert_eq!(missing, 4);
    assert!(!p.ops().any(|o| matches!(o, Op::Enslave { port, .. } if port.starts_with('e'))));
    assert!(p.ops().any(|o| matches!(o, Op::Enslave { port, master } if port == "idmz1" && master == "idmz")));

    let before = cfg("interfaces:\n  - name: a\n    ethernet: {}\n    mtu: 1500\n");
    let after = cfg(
        "interfaces:\n  - name: a\n    ethernet: {}\n    mtu: 9000\n  - name: b0\n    bond: {mode: 1, ports: [a]}\n",
    );
    let p = plan(&after, &State::from_config(&before));
    let undo: Vec<String> = p.steps.iter().flat_map(|s| s.undo.iter().map(|u| format!("{u:?}"))).collect();
    insta::assert_snapshot!(undo.join("\n"), @r#"
    SetMtu { name: "a", mtu: 1500 }
    Delete { name: "b0", takes: [] }
    SetUp { name: "a" }
    Release { port: "a", master: "b0" }
    SetDown { name: "a" }
    SetDown { name: "b0" }
    "#);
}

#[test]
fn veth_ends_may_both_be_declared() {
    let c = cfg(
        "interfaces:\n  - name: v0\n    veth: {peer: v1}\n    addresses: [192.0.2.1/24]\n  - name: v1\n    veth: {peer: v0}\n    addresses: [192.0.2.2/24]\n",
    );
    let text = render_text(&plan(&c, &State::offline()));
    assert_eq!(
        text,
        "1  create       v0  veth peer name v1\n2  add_address  v0  192.0.2.1/24\n3  add_address  v1  192.0.2.2/24\n4  set_up       v0\n5  set_up       v1\n"
    );
    assert!(plan(&c, &State::from_config(&c)).is_empty());
}

#[test]
fn plans_round_trip_through_json() {
    for name in ["stacked-bonds", "vlan-bond-bridge", "single-nic"] {
        let p = plan(&example(name), &State::offline());
        let back: hostnet_core::Plan = serde_json::from_str(&p.to_json()).unwrap();
        assert_eq!(back, p);
    }
}

#[test]
fn changing_an_address_re_adds_routes_the_kernel_drops_with_it() {
    let before = cfg(
        "interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [10.0.0.1/24]\n    routes: [{dst: 172.16.0.0/28, via: 10.0.0.2}]\n",
    );
    let after = cfg(
        "interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [10.0.0.3/24]\n    routes: [{dst: 172.16.0.0/28, via: 10.0.0.2}]\n",
    );
    let p = plan(&after, &State::from_config(&before));
    assert_eq!(
        render_text(&p),
        "1  del_address  a  10.0.0.1/24\n2  add_address  a  10.0.0.3/24\n3  add_route    a  172.16.0.0/28 via 10.0.0.2\n"
    );
    // Undoing the deletion must bring the route back too.
    assert_eq!(p.steps[0].undo.len(), 2, "{:?}", p.steps[0].undo);
}

#[test]
fn op_kind_names_match_their_json_tags() {
    // Plans that between them create, change and tear down: every kind the planner emits here.
    let mut ops: Vec<Op> = Vec::new();
    for name in ["stacked-bonds", "vlan-bond-bridge", "single-nic"] {
        let c = example(name);
        ops.extend(plan(&c, &State::offline()).steps.into_iter().map(|s| s.op));
        ops.extend(plan(&cfg("interfaces: []\n"), &State::from_config(&c)).steps.into_iter().map(|s| s.op));
    }
    assert!(ops.len() > 20);
    for op in ops {
        let json = serde_json::to_value(&op).unwrap();
        assert_eq!(json["op"], op.kind_name(), "{op:?}");
    }
}

#[test]
fn a_link_released_from_its_bridge_gets_its_link_local_address_back() {
    // Bridge ports get addr_gen_mode none; once v0 is no longer a port, it gets the namespace's
    // default back, or it would stay without an IPv6 link-local address.
    use hostnet_core::model::Sysctl;
    let veths = "  - name: v0\n    veth: { peer: v1 }\n  - name: v1\n    veth: { peer: v0 }\n";
    let bridged = cfg(&format!("interfaces:\n  - name: br0\n    bridge: {{ ports: [v0] }}\n{veths}"));
    let released = cfg(&format!("interfaces:\n  - name: br0\n    bridge: {{ ports: [] }}\n{veths}"));
    let mut live = State::from_config(&bridged);
    let restored = |p: &hostnet_core::Plan| {
        p.ops().any(|o| matches!(o, Op::SetSysctl { name, key: Sysctl::AddrGenMode, value: 0 } if name == "v0"))
    };
    // Defaults not read (offline, or an older state): nothing to restore to.
    assert!(!restored(&plan(&released, &live)));
    live.sysctl_defaults.set(Sysctl::AddrGenMode, 0);
    assert!(restored(&plan(&released, &live)), "{}", render_text(&plan(&released, &live)));
    // Still a port, or asked to stay without one: left as it is.
    assert!(plan(&bridged, &live).is_empty());
    let declared = cfg(
        "interfaces:\n  - name: br0\n    bridge: { ports: [] }\n  - name: v0\n    veth: { peer: v1 }\n    ipv6: { link_local: false }\n  - name: v1\n    veth: { peer: v0 }\n",
    );
    assert!(!restored(&plan(&declared, &live)));
    // A port of a bridge the config does not manage stays one, so keeps no link-local.
    assert!(!restored(&plan(&cfg(&format!("interfaces:\n{veths}")), &live)));
}
