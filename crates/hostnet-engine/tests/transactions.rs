//! The engine's promises, over random topologies on the in-memory host, without root: an apply
//! verifies and a second one does nothing; a failure at any step rolls back to the exact
//! starting host; a crash at any step is undone by recovery; trials revert or are kept; a drift
//! repair runs only what is missing, from the one plan it made.

mod common;

use common::{bare_host, canonical, config, diff, run, run_until_stalled};
use hostnet_core::plan::{Op, Owned};
use hostnet_core::{Config, State, plan};
use hostnet_engine::{Confirmed, Engine, Faulty, LockMode, MemStore, Options, Outcome, Refused, SimHost, Store};
use proptest::prelude::*;

fn engine(state: State) -> Engine<Faulty<SimHost>, MemStore> {
    Engine::new(Faulty::passthrough(SimHost::new(state)), MemStore::default())
}

fn state_of(e: &Engine<Faulty<SimHost>, MemStore>) -> &State {
    &e.host.inner.state
}

/// The host after a successful apply of `c` to the bare host.
fn applied(c: &Config, start: State) -> State {
    applied_owning(c, start).0
}

/// [`applied`], with what the apply recorded as hostnet's (so that a next apply prunes it).
fn applied_owning(c: &Config, start: State) -> (State, Owned) {
    let mut e = engine(start);
    let (a, _) = run(e.apply(c, &Options::default(), None)).unwrap();
    assert!(a.report.ok(), "{}", hostnet_engine::render(&a, "gen.yaml"));
    (e.host.inner.state, e.store.owned().unwrap())
}

/// A store that records `owned` as hostnet's, and nothing else.
fn store_owning(owned: &Owned) -> MemStore {
    let s = MemStore::default();
    s.set_owned(owned).unwrap();
    s
}

/// How many operations applying `c` to `start` runs.
fn plan_len(c: &Config, start: &State) -> usize {
    plan(c, start).steps.len()
}

fn check_apply_then_nothing(c: &Config) -> Result<(), TestCaseError> {
    let mut e = engine(bare_host(&[c]));
    let (a, pending) = run(e.apply(c, &Options::default(), None)).unwrap();
    prop_assert!(a.report.ok(), "{}", hostnet_engine::render(&a, "gen.yaml"));
    prop_assert!(pending.is_none());
    prop_assert_eq!(a.left_alone.clone(), vec!["other0".to_string()]);
    let (again, _) = run(e.apply(c, &Options::default(), None)).unwrap();
    prop_assert!(again.report.nothing_to_do(), "{}", hostnet_engine::render(&again, "gen.yaml"));
    prop_assert!(!e.store.journal_open() && !e.store.locked());
    Ok(())
}

/// A failure injected at every position: the report says exactly that step failed, and the
/// host is back where it started.
fn check_rollback_everywhere(c: &Config, start: State) -> Result<(), TestCaseError> {
    check_rollback_everywhere_owning(c, start, &Owned::new())
}

/// [`check_rollback_everywhere`] on a host where hostnet owns `owned` (what `c` no longer
/// declares of it is pruned, and must come back too).
fn check_rollback_everywhere_owning(c: &Config, start: State, owned: &Owned) -> Result<(), TestCaseError> {
    let before = canonical(&start);
    let steps = run(Engine::new(SimHost::new(start.clone()), store_owning(owned)).plan(c)).unwrap().steps.len();
    for k in 1..=steps {
        let mut e = Engine::new(Faulty::new(SimHost::new(start.clone()), Some(k), None), store_owning(owned));
        let (a, _) = run(e.apply(c, &Options::default(), None)).unwrap();
        prop_assert!(!a.report.ok());
        prop_assert!(matches!(a.report.steps[k - 1].outcome, Outcome::Failed { .. }), "step {k} did not fail");
        let bad: Vec<_> = a.report.rollback.iter().filter(|s| s.outcome != Outcome::Applied).collect();
        prop_assert!(bad.is_empty(), "rollback after failing step {k} failed: {bad:?}");
        let after = canonical(state_of(&e));
        prop_assert!(
            after == before,
            "failure at step {k} not rolled back:\n{}\n{}",
            diff(&before, &after),
            hostnet_engine::render(&a, "x")
        );
    }
    Ok(())
}

/// A crash (the apply dropped mid-way, as kill -9 leaves it) after every position, then
/// recovery by the next run: the host is back where it started, and the journal is gone. Both
/// kills: between two operations (the next one recorded as started, not run), and inside one,
/// after the kernel carried it out and before the engine heard of it.
fn check_crash_everywhere(c: &Config, start: State) -> Result<(), TestCaseError> {
    for k in 1..=plan_len(c, &start) {
        check_crash(c, &start, k, false)?;
        check_crash(c, &start, k, true)?;
    }
    Ok(())
}

fn check_crash(c: &Config, start: &State, k: usize, inside: bool) -> Result<(), TestCaseError> {
    let before = canonical(start);
    {
        let store = MemStore::default();
        let mut host = Faulty::new(SimHost::new(start.clone()), None, None);
        if inside {
            host.stall_inside = Some(k);
        } else {
            host.stall_after = Some(k);
        }
        let mut e = Engine::new(host, store.clone());
        let finished = run_until_stalled(e.apply(c, &Options::default(), None));
        prop_assert!(!finished, "the apply did not stall after {k}");
        prop_assert!(store.journal_open() && !store.locked(), "a crash leaves the journal and frees the lock");
        let mut next = Engine::new(SimHost::new(e.host.inner.state.clone()), store.clone());
        let r = run(next.recover()).unwrap().expect("an interrupted apply is recovered");
        // Killed inside step k, the engine had recorded k-1 steps done and k started.
        prop_assert_eq!(r.done, if inside { k - 1 } else { k });
        prop_assert!(r.rollback.iter().all(|s| s.outcome == Outcome::Applied), "{}", r.describe());
        let after = canonical(&next.host.state);
        let at = if inside { "inside" } else { "after" };
        prop_assert!(after == before, "crash {at} step {k} not recovered:\n{}", diff(&before, &after));
        prop_assert!(!store.journal_open());
        prop_assert!(run(next.recover()).unwrap().is_none(), "recovery is done once");
    }
    Ok(())
}

fn check_trials(c: &Config) -> Result<(), TestCaseError> {
    let start = bare_host(&[c]);
    let before = canonical(&start);
    let mut e = engine(start);
    let (a, pending) = run(e.apply(c, &Options::default(), Some(30))).unwrap();
    let p = pending.expect("a trial that changed something is pending");
    prop_assert_eq!(a.trial.as_ref().map(|t| t.id.clone()), Some(p.id.clone()));
    // Refused while pending, for everyone but the trial's owner.
    prop_assert!(matches!(run(e.apply(c, &Options::default(), None)), Err(Refused::TrialPending(_))));
    let own = Options { own_trial: Some(p.id.clone()), ..Options::default() };
    prop_assert!(run(e.apply(c, &own, None)).unwrap().0.report.nothing_to_do());
    // A stale id reverts nothing; the pending one reverts to the start.
    prop_assert!(run(e.revert("another")).unwrap().is_none());
    let target = canonical(state_of(&e));
    let steps = run(e.revert(&p.id)).unwrap().expect("reverted");
    prop_assert!(steps.iter().all(|s| s.outcome == Outcome::Applied));
    prop_assert_eq!(&canonical(state_of(&e)), &before);
    // Confirmed too late: it says when the trial was reverted, and why.
    match e.confirm().unwrap() {
        Confirmed::Reverted(r) => {
            prop_assert_eq!(&r.id, &p.id);
            prop_assert_eq!(r.operations, steps.len());
            prop_assert!(r.why.contains("deadline"), "{}", r.why);
        }
        other => prop_assert!(false, "confirm after the revert found {other:?}"),
    }
    // Confirmed: kept, and later applies go ahead.
    let (_, p2) = run(e.apply(c, &Options::default(), Some(30))).unwrap();
    let p2 = p2.expect("pending again");
    prop_assert_eq!(e.confirm().unwrap(), Confirmed::Kept);
    prop_assert_eq!(e.confirm().unwrap(), Confirmed::NothingPending, "a new trial clears the old revert");
    prop_assert!(run(e.revert(&p2.id)).unwrap().is_none(), "a confirmed trial is not reverted");
    prop_assert_eq!(&canonical(state_of(&e)), &target);
    prop_assert!(run(e.apply(c, &Options::default(), None)).unwrap().0.report.nothing_to_do());
    // Rolled back on request: whoever started it, now.
    let mut c2 = c.clone();
    c2.dns = Some(hostnet_core::model::Dns { nameservers: vec!["198.51.100.53".parse().unwrap()], search: vec![] });
    let (_, p3) = run(e.apply(&c2, &Options::default(), Some(30))).unwrap();
    let p3 = p3.expect("a trial of a new DNS server");
    let (was, _) = run(e.rollback()).unwrap().expect("a trial to roll back");
    prop_assert_eq!(&was.id, &p3.id);
    prop_assert_eq!(&canonical(state_of(&e)), &target);
    prop_assert!(matches!(e.confirm().unwrap(), Confirmed::Reverted(r) if r.why.contains("rollback")));
    prop_assert!(run(e.rollback()).unwrap().is_none(), "nothing left to roll back");
    Ok(())
}

/// The daemon's pass: one observation to plan, the plan's missing operation run, one
/// observation to verify. Nothing else is touched.
fn check_drift_repair(c: &Config, drift: Op) -> Result<(), TestCaseError> {
    let mut host = SimHost::new(applied(c, bare_host(&[c])));
    prop_assert!(host.state.apply(&drift).is_ok(), "drift {drift:?} could not be made");
    let mut e = Engine::new(host, MemStore::default());
    let session = run(e.begin(LockMode::Try)).unwrap().expect("the lock is free");
    prop_assert!(run(e.begin(LockMode::Try)).unwrap().is_none(), "the lock is held by the session");
    let state = run(e.observe(c)).unwrap().into_owned();
    let p = plan(c, &state);
    prop_assert!(!p.is_empty(), "drift {drift:?} not seen");
    let scope = p.ops().map(|o| o.subject().to_string()).collect();
    let opts = Options { rollback: false, scope: Some(scope), ..Options::default() };
    let wanted: Vec<Op> = p.ops().cloned().collect();
    let report = run(e.apply_plan(&session, c, &state, p, &opts)).unwrap();
    prop_assert!(report.ok(), "{:?}", report);
    prop_assert_eq!(&e.host.ran, &wanted, "the repair ran something else");
    prop_assert_eq!(e.host.observed, 2, "one observation to plan, one to verify");
    drop(session);
    prop_assert!(run(e.begin(LockMode::Try)).unwrap().is_some(), "the lock is free again");
    Ok(())
}

/// A drift a person could make by hand on an applied host: an address deleted, a link taken
/// down, a port released, an MTU changed.
fn some_drift(c: &Config, pick: usize) -> Option<Op> {
    let s = applied(c, bare_host(&[c]));
    let mut candidates = Vec::new();
    for l in s.links.iter().filter(|l| l.iface.name != "other0") {
        let name = l.iface.name.clone();
        if let Some(a) = l.iface.addresses.first() {
            candidates.push(Op::DelAddress { name: name.clone(), address: *a });
        }
        if let Some(m) = &l.master {
            candidates.push(Op::Release { port: name.clone(), master: m.clone() });
        } else if l.up {
            candidates.push(Op::SetDown { name: name.clone() });
        }
        let declared_mtu = c.interfaces.iter().any(|i| i.name == name && i.mtu.is_some());
        if let (true, Some(mtu)) = (declared_mtu, l.iface.mtu) {
            candidates.push(Op::SetMtu { name, mtu: mtu + 1 });
        }
    }
    if candidates.is_empty() { None } else { Some(candidates.swap_remove(pick % candidates.len())) }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn an_apply_to_a_bare_host_verifies_and_a_second_does_nothing(nics in 1usize..6, uppers in 0usize..10, seed: u64) {
        check_apply_then_nothing(&config(nics, uppers, seed))?;
    }

    #[test]
    fn a_failure_at_any_step_rolls_back_to_the_start(nics in 1usize..5, uppers in 0usize..7, seed: u64) {
        let c = config(nics, uppers, seed);
        check_rollback_everywhere(&c, bare_host(&[&c]))?;
    }

    #[test]
    fn a_crash_at_any_step_is_undone_by_recovery(nics in 1usize..5, uppers in 0usize..7, seed: u64) {
        let c = config(nics, uppers, seed);
        check_crash_everywhere(&c, bare_host(&[&c]))?;
    }

    #[test]
    fn trials_refuse_revert_and_keep(nics in 1usize..5, uppers in 0usize..7, seed: u64) {
        check_trials(&config(nics, uppers, seed))?;
    }

    #[test]
    fn a_drift_repair_runs_the_missing_operation_from_one_plan(nics in 1usize..5, uppers in 0usize..7, seed: u64, pick: usize) {
        let c = config(nics, uppers, seed);
        if let Some(d) = some_drift(&c, pick) {
            check_drift_repair(&c, d)?;
        }
    }

    #[test]
    fn a_to_b_verifies_and_fails_back_to_a(nics in 1usize..5, a_up in 0usize..7, b_up in 0usize..7, sa: u64, sb: u64) {
        let (a, b) = (config(nics, a_up, sa), config(nics, b_up, sb));
        let (at_a, owned) = applied_owning(&a, bare_host(&[&a, &b]));
        let mut e = Engine::new(Faulty::passthrough(SimHost::new(at_a.clone())), store_owning(&owned));
        let (r, _) = run(e.apply(&b, &Options::default(), None)).unwrap();
        prop_assert!(r.report.ok(), "A→B:\n{}", hostnet_engine::render(&r, "b.yaml"));
        prop_assert!(run(e.apply(&b, &Options::default(), None)).unwrap().0.report.nothing_to_do());
        // What A made and B does not declare is gone (NICs stay).
        for l in &e.host.inner.state.links {
            let declared = hostnet_engine::declared_names(&b);
            prop_assert!(
                declared.contains(l.iface.name.as_str()) || !owned.contains_key(&l.iface.name) || !l.iface.kind.is_virtual(),
                "{} was A's and B dropped it, but it is still there", l.iface.name
            );
        }
        check_rollback_everywhere_owning(&b, at_a, &owned)?;
    }
}

#[test]
fn the_seeds_design_applies_and_rolls_back_at_every_step() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/stacked-bonds.yaml")).unwrap();
    let c = hostnet_core::load("stacked-bonds.yaml", &text).unwrap();
    check_apply_then_nothing(&c).unwrap();
    check_rollback_everywhere(&c, bare_host(&[&c])).unwrap();
    check_crash_everywhere(&c, bare_host(&[&c])).unwrap();
}

#[test]
fn a_pass_is_refused_while_another_holds_the_lock_or_a_foreign_trial_is_pending() {
    let c = config(3, 4, 7);
    let store = MemStore::default();
    let mut e = Engine::new(SimHost::new(bare_host(&[&c])), store.clone());
    let _held = store.try_lock().unwrap().unwrap();
    assert!(run(e.begin(LockMode::Try)).unwrap().is_none());
    drop(_held);
    let (_, p) = run(e.apply(&c, &Options::default(), Some(60))).unwrap();
    let p = p.unwrap();
    let session = run(e.begin(LockMode::Try)).unwrap().unwrap();
    let state = run(e.observe(&c)).unwrap().into_owned();
    let refused = run(e.apply_plan(&session, &c, &state, plan(&c, &state), &Options::default()));
    assert!(matches!(refused, Err(Refused::TrialPending(s)) if s > 50), "{refused:?}");
    let own = Options { own_trial: Some(p.id), ..Options::default() };
    assert!(run(e.apply_plan(&session, &c, &state, plan(&c, &state), &own)).unwrap().ok());
}

#[test]
fn an_unreadable_journal_stops_applies_with_the_way_out_and_discarding_it_lets_them_go() {
    let c = config(2, 2, 3);
    let store = MemStore::default();
    store.corrupt_journal();
    let mut e = Engine::new(SimHost::new(bare_host(&[&c])), store.clone());
    let refused = run(e.apply(&c, &Options::default(), None)).unwrap_err();
    let text = refused.to_string();
    assert!(matches!(refused, Refused::CorruptJournal { .. }), "{text}");
    assert!(text.contains("hostnet recover --discard") && text.contains("EOF while parsing"), "{text}");
    assert!(e.host.ran.is_empty(), "nothing ran");
    assert!(!store.locked(), "the lock is free again");
    assert!(e.discard_journal().unwrap());
    assert!(run(e.apply(&c, &Options::default(), None)).unwrap().0.report.ok());
}

/// The seed's design repeated until the apply is over 300 operations: a failure at every
/// position rolls back exactly, and a kill at every position (between steps and inside one)
/// is undone exactly by recovery alone.
#[test]
fn a_300_operation_apply_killed_or_failed_at_every_position_ends_where_it_started() {
    let c = hostnet_core::synth::stacked_blocks(121);
    let start = bare_host(&[&c]);
    let n = plan_len(&c, &start);
    assert!(n >= 300, "only {n} operations");
    check_apply_then_nothing(&c).unwrap();
    check_rollback_everywhere(&c, start.clone()).unwrap();
    check_crash_everywhere(&c, start).unwrap();
}

/// A trial whose reverter died is never left stuck nor silently kept: past its deadline a
/// confirm does not keep it, and the next transaction reverts it before doing its own work.
#[test]
fn a_trial_its_reverter_missed_is_reverted_by_whoever_comes_next() {
    let c = config(2, 3, 11);
    let store = MemStore::default();
    let mut e = Engine::new(SimHost::new(bare_host(&[&c])), store.clone());
    let (_, p) = run(e.apply(&c, &Options::default(), Some(30))).unwrap();
    let mut p = p.expect("pending");
    let applied = canonical(&e.host.state);
    // The reverter is gone and the deadline passed a while ago.
    p.deadline = hostnet_engine::now() - 60;
    store.set_pending(&p).unwrap();
    assert!(matches!(e.confirm().unwrap(), Confirmed::Overdue { .. }), "kept a trial past its deadline");
    assert!(store.pending().unwrap().is_some(), "an overdue confirm keeps nothing and removes nothing");
    // The next apply reverts it first (to the start), then applies again: back where it was.
    let (a, _) = run(e.apply(&c, &Options::default(), None)).unwrap();
    assert!(a.report.ok() && !a.report.steps.is_empty(), "the apply did not start from the reverted host");
    assert_eq!(canonical(&e.host.state), applied);
    let r = store.reverted().unwrap().expect("the revert is recorded");
    assert!(r.why.contains("reverter had not reverted it"), "{}", r.why);
    assert!(store.pending().unwrap().is_none());
}
