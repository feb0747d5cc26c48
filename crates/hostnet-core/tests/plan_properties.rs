//! Properties of planning over random acyclic topologies.

use std::collections::HashMap;

use hostnet_core::model::Kind;
use hostnet_core::plan::Op;
use hostnet_core::{Config, State, load, plan, synth};
use proptest::prelude::*;

/// Index of the first op that brings `name` into existence (create or rename), if any.
fn made_at(ops: &[Op]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for (i, op) in ops.iter().enumerate() {
        match op {
            Op::Create { name, kind, .. } => {
                m.entry(name.clone()).or_insert(i);
                if let Kind::Veth(v) = kind {
                    m.entry(v.peer.clone()).or_insert(i);
                }
            }
            Op::Rename { to, .. } => {
                m.entry(to.clone()).or_insert(i);
            }
            _ => {}
        }
    }
    m
}

fn check_order(c: &Config) -> Result<(), TestCaseError> {
    let ops: Vec<Op> = plan(c, &State::offline()).ops().cloned().collect();
    let made = made_at(&ops);
    let before = |lower: &str, at: usize| made.get(lower).is_none_or(|&i| i < at);
    let mut last_enslave_into: HashMap<&str, usize> = HashMap::new();
    // Phases: structure (create, enslave, MTU...), then addresses, then ups, then routes.
    let mut last_structure = None;
    let mut first_address = usize::MAX;
    let (mut last_address, mut last_up) = (None, None);
    let mut first_route = usize::MAX;
    for (i, op) in ops.iter().enumerate() {
        match op {
            Op::Create { name, kind, .. } => {
                for port in kind.ports() {
                    prop_assert!(before(port, i), "{name} created before its port {port}");
                }
                if let Kind::Vlan(v) = kind {
                    prop_assert!(before(&v.base, i), "VLAN {name} created before its base {}", v.base);
                }
            }
            Op::Enslave { port, master } => {
                prop_assert!(made.get(master).is_some_and(|&m| m < i), "{port} enslaved before {master} exists");
                prop_assert!(before(port, i), "{port} enslaved before it exists");
                last_enslave_into.insert(master, i);
            }
            Op::AddAddress { .. } | Op::DelAddress { .. } => {
                first_address = first_address.min(i);
                last_address = Some(i);
            }
            Op::SetUp { .. } => last_up = Some(i),
            Op::AddRoute { .. } | Op::DelRoute { .. } => first_route = first_route.min(i),
            Op::SetDns { .. } => {}
            _ => last_structure = Some(i),
        }
    }
    // Bottom-up nesting: a bond is complete before it is enslaved into another.
    for (i, op) in ops.iter().enumerate() {
        if let Op::Enslave { port, .. } = op
            && let Some(&inner_done) = last_enslave_into.get(port.as_str())
        {
            prop_assert!(inner_done < i, "{port} enslaved before its own ports were");
        }
    }
    prop_assert!(last_structure.is_none_or(|l| l < first_address), "addresses before the structure is built");
    prop_assert!(last_address.is_none_or(|l| l < first_route), "routes before addresses");
    prop_assert!(last_up.is_none_or(|l| l < first_route), "routes before links are up");
    prop_assert!(
        last_structure.is_none_or(|l| last_up.is_none_or(|u| l < u)),
        "a link up before the structure is built"
    );
    // The kernel refuses to bring a VLAN up on a base that is down (ENETDOWN).
    let up_at: HashMap<&str, usize> = ops
        .iter()
        .enumerate()
        .filter_map(|(i, o)| if let Op::SetUp { name } = o { Some((name.as_str(), i)) } else { None })
        .collect();
    for i in &c.interfaces {
        if let (Kind::Vlan(v), Some(&vlan_up)) = (&i.kind, up_at.get(i.name.as_str())) {
            prop_assert!(
                up_at.get(v.base.as_str()).is_none_or(|&b| b < vlan_up),
                "VLAN {} up before its base {}",
                i.name,
                v.base
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_topologies_validate_and_plan_lower_first(nics in 1usize..8, uppers in 0usize..16, seed: u64) {
        let c = synth::random(nics, uppers, seed);
        let yaml = c.to_yaml();
        let reloaded = load("gen.yaml", &yaml).map_err(|e| TestCaseError::fail(format!("{}\n{yaml}", e.lines())))?;
        prop_assert_eq!(&reloaded, &c, "YAML round trip changed the config");
        check_order(&c)?;
    }

    #[test]
    fn plans_are_deterministic(nics in 1usize..8, uppers in 0usize..16, seed: u64) {
        let c = synth::random(nics, uppers, seed);
        let a = plan(&c, &State::offline()).to_json();
        let b = plan(&c.clone(), &State::offline()).to_json();
        let reloaded = load("gen.yaml", &c.to_yaml()).unwrap();
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(a, plan(&reloaded, &State::offline()).to_json());
    }

    #[test]
    fn replanning_an_applied_config_does_nothing(nics in 1usize..8, uppers in 0usize..16, seed: u64) {
        let c = synth::random(nics, uppers, seed);
        let p = plan(&c, &State::from_config(&c));
        prop_assert!(p.is_empty(), "{}", hostnet_core::plan::render_text(&p));
    }
}

#[test]
fn the_benchmark_topology_is_valid() {
    let c = synth::stacked_blocks(2_000);
    assert_eq!(c.interfaces.len(), 2_000);
    load("bench.yaml", &c.to_yaml()).unwrap_or_else(|e| panic!("{}", e.lines()));
    check_order(&c).unwrap();
}
