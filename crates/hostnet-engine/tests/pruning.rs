//! What the file no longer declares, on the in-memory host: a bridge and the VLAN on it that
//! hostnet made are removed and their port let go when they leave the file (`prune: owned`, the
//! default); `plan` shows it; a failure at any step of that puts them back; `prune: none` leaves
//! them, and then an apply that leaves a declared interface a port of the undeclared bridge
//! does not verify; a link of the same name made by someone else since is never touched.

mod common;

use common::{bare_host, canonical, run};
use hostnet_core::plan::Op;
use hostnet_core::{Config, load};
use hostnet_engine::{Engine, Faulty, MemStore, Options, Outcome, SimHost, Store};

const BRIDGED: &str = "interfaces:
  - name: e0
    ethernet: {}
  - name: e1
    ethernet: {}
    addresses: [198.51.100.1/24]
  - name: br0
    bridge: { ports: [e0] }
    addresses: [192.0.2.1/24]
  - name: br0.10
    vlan: { base: br0, id: 10 }
    addresses: [10.10.0.1/24]
";

/// The bridge and its VLAN gone from the file; their former port takes the address.
const FLAT: &str = "interfaces:
  - name: e0
    ethernet: {}
    addresses: [192.0.2.1/24]
  - name: e1
    ethernet: {}
    addresses: [198.51.100.1/24]
";

fn cfg(text: &str) -> Config {
    load("c.yaml", text).unwrap()
}

fn with_prune_none(text: &str) -> Config {
    cfg(&format!("prune: none\n{text}"))
}

/// An engine whose host and store went through an apply of BRIDGED.
fn bridged() -> Engine<Faulty<SimHost>, MemStore> {
    let (a, b) = (cfg(BRIDGED), cfg(FLAT));
    let mut e = Engine::new(Faulty::passthrough(SimHost::new(bare_host(&[&a, &b]))), MemStore::default());
    let (applied, _) = run(e.apply(&a, &Options::default(), None)).unwrap();
    assert!(applied.report.ok());
    e
}

fn link<'a>(e: &'a Engine<Faulty<SimHost>, MemStore>, name: &str) -> Option<&'a hostnet_core::state::LiveLink> {
    e.host.inner.state.get(name)
}

#[test]
fn a_bridge_dropped_from_the_file_is_removed_its_port_released_and_plan_says_so() {
    let mut e = bridged();
    let owned = e.store.owned().unwrap();
    assert!(["e0", "e1", "br0", "br0.10"].iter().all(|n| owned.contains_key(*n)), "{owned:?}");
    let flat = cfg(FLAT);
    let plan = run(e.plan(&flat)).unwrap();
    let ops: Vec<&Op> = plan.steps.iter().map(|s| &s.op).collect();
    assert!(
        ops.iter().any(|o| matches!(o, Op::Release { port, master } if port == "e0" && master == "br0")),
        "{ops:?}"
    );
    assert!(ops.iter().any(|o| matches!(o, Op::Delete { name, .. } if name == "br0")), "{ops:?}");
    let (applied, _) = run(e.apply(&flat, &Options::default(), None)).unwrap();
    assert!(applied.report.ok(), "{}", hostnet_engine::render(&applied, "c.yaml"));
    assert!(link(&e, "br0").is_none() && link(&e, "br0.10").is_none());
    let e0 = link(&e, "e0").unwrap();
    assert!(e0.master.is_none() && e0.iface.addresses.iter().any(|a| a.to_string() == "192.0.2.1/24"));
    let owned = e.store.owned().unwrap();
    assert!(!owned.contains_key("br0") && !owned.contains_key("br0.10"), "{owned:?}");
    // Nothing left to do, and NICs are never deleted whatever the file says.
    assert!(run(e.apply(&flat, &Options::default(), None)).unwrap().0.report.nothing_to_do());
    let (none, _) = run(e.apply(&cfg("interfaces: []\n"), &Options::default(), None)).unwrap();
    assert!(none.report.ok() && link(&e, "e0").is_some() && link(&e, "e1").is_some());
}

#[test]
fn a_failure_at_any_step_of_pruning_puts_everything_back() {
    let start = bridged();
    let before = canonical(&start.host.inner.state);
    let steps = run(bridged().plan(&cfg(FLAT))).unwrap().steps.len();
    for k in 1..=steps {
        let mut e = bridged();
        e.host = Faulty::new(SimHost::new(e.host.inner.state.clone()), Some(k), None);
        let (a, _) = run(e.apply(&cfg(FLAT), &Options::default(), None)).unwrap();
        assert!(matches!(a.report.steps[k - 1].outcome, Outcome::Failed { .. }), "step {k} did not fail");
        assert!(a.report.rollback.iter().all(|s| s.outcome == Outcome::Applied), "step {k}: {:?}", a.report.rollback);
        assert_eq!(canonical(&e.host.inner.state), before, "failing step {k} of {steps} did not restore the host");
    }
}

#[test]
fn prune_none_keeps_the_bridge_and_a_port_left_in_it_fails_verification() {
    let mut e = bridged();
    let before = canonical(&e.host.inner.state);
    let (a, _) = run(e.apply(&with_prune_none(FLAT), &Options::default(), None)).unwrap();
    // The file says e0 is no port, but it is still one of br0, which the file does not
    // declare: not verified, said as what is left, and rolled back.
    assert!(!a.report.verified, "{}", hostnet_engine::render(&a, "c.yaml"));
    assert!(
        a.report.drift.iter().any(|o| matches!(o, Op::Release { port, master } if port == "e0" && master == "br0")),
        "{:?}",
        a.report.drift
    );
    assert_eq!(canonical(&e.host.inner.state), before);
    // Without the port in it, the kept bridge is fine.
    let (a, _) = run(e.apply(
        &with_prune_none(&FLAT.replace("  - name: e0\n    ethernet: {}\n    addresses: [192.0.2.1/24]\n", "")),
        &Options::default(),
        None,
    ))
    .unwrap();
    assert!(a.report.ok(), "{}", hostnet_engine::render(&a, "c.yaml"));
    assert!(link(&e, "br0").is_some() && link(&e, "br0.10").is_some(), "prune: none removed something");
    // Still recorded as ours: turning pruning on later removes them.
    assert!(e.store.owned().unwrap().contains_key("br0"));
    let (a, _) = run(e.apply(&cfg(FLAT), &Options::default(), None)).unwrap();
    assert!(a.report.ok() && link(&e, "br0").is_none());
}

#[test]
fn a_link_of_the_same_name_made_by_someone_else_since_is_left_alone() {
    let mut e = bridged();
    run(e.apply(&cfg(FLAT), &Options::default(), None)).unwrap();
    // Someone makes a br0 of their own, then hostnet is told the record still names br0 (as a
    // record from before would).
    let mut owned = e.store.owned().unwrap();
    e.host
        .inner
        .state
        .apply(&Op::Create { name: "br0".into(), kind: cfg(BRIDGED).interfaces[2].kind.clone(), at: None })
        .unwrap();
    let theirs = link(&e, "br0").unwrap().index;
    owned.insert("br0".into(), theirs + 1000);
    e.store.set_owned(&owned).unwrap();
    let (a, _) = run(e.apply(&cfg(FLAT), &Options::default(), None)).unwrap();
    assert!(a.report.nothing_to_do(), "{}", hostnet_engine::render(&a, "c.yaml"));
    assert_eq!(link(&e, "br0").map(|l| l.index), Some(theirs));
}
