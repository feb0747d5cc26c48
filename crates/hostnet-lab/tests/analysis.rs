//! The measurement arithmetic on synthetic probe logs: losses, outages, recovery.

use hostnet_lab::probe::Flow;
use hostnet_lab::report::{Mark, analyze};
use hostnet_lab::scenario::{Scenario, Step, parse_duration};

/// A flow at 200 packets/s (5 ms apart) for `n` packets, lost where `lost(seq)`.
fn flow(name: &str, n: u64, lost: impl Fn(u64) -> bool) -> Flow {
    let sent_us: Vec<u64> = (0..n).map(|k| k * 5_000).collect();
    let recv_us = sent_us.iter().enumerate().map(|(k, t)| (!lost(k as u64)).then_some(t + 100)).collect();
    Flow { name: name.into(), sent_us, recv_us }
}

fn marks(at: &[(u64, &str)]) -> Vec<Mark> {
    at.iter().map(|(t, a)| Mark { at_us: *t, action: a.to_string(), active_after: String::new() }).collect()
}

#[test]
fn outage_and_recovery_of_one_gap() {
    // Fault at 1 s; packets 210..=249 (1.05 s to 1.245 s) lost: 40 packets, 200 ms.
    let f = flow("host->peer", 600, |k| (210..250).contains(&k));
    let r = analyze("t", "", 200, &[f], &marks(&[(0, "baseline"), (1_000_000, "cut x")]), 3_000_000, 5_000);
    let s = &r.steps[1];
    assert_eq!((s.lost, s.recovered), (40, true));
    assert_eq!(s.outage_ms, 200.0);
    assert_eq!(s.recovered_after_ms, Some(250.0), "first good packet at 1.25 s");
    assert_eq!(r.steps[0].lost, 0);
}

#[test]
fn a_gap_to_the_end_is_no_recovery() {
    let f = flow("peer->host", 600, |k| k >= 300);
    let r = analyze("t", "", 200, &[f], &marks(&[(0, "baseline"), (1_500_000, "cut x")]), 3_000_000, 5_000);
    let s = &r.steps[1];
    assert!(!s.recovered);
    assert_eq!(s.recovered_after_ms, None);
    // Packets in the last 50 ms may be in flight when probes stop: they are not counted.
    assert_eq!(s.sent, 290);
    assert_eq!(s.lost, 290);
}

#[test]
fn the_worst_direction_sets_the_outage() {
    let a = flow("a", 400, |k| (220..230).contains(&k));
    let b = flow("b", 400, |k| (220..260).contains(&k));
    let r = analyze("t", "", 200, &[a, b], &marks(&[(0, "baseline"), (1_000_000, "fail sw")]), 2_000_000, 5_000);
    assert_eq!(r.steps[1].outage_ms, 200.0);
    assert_eq!(r.steps[1].lost, 50);
    assert_eq!(r.timeline.len(), 2);
}

#[test]
fn builtins_and_durations() {
    let a = vec!["e1p2".to_string(), "e3p2".to_string()];
    let b = vec!["e2p3".to_string(), "e3p3".to_string()];
    let s = Scenario::builtin("a-then-b-then-one-a", &a, &b, "swA", "swB").unwrap();
    assert_eq!(s.steps.iter().filter(|x| x.is_action()).count(), 5);
    assert_eq!(s.steps.last(), Some(&Step::Wait("8s".into())));
    assert!(Scenario::BUILTINS.iter().all(|n| Scenario::builtin(n, &a, &b, "swA", "swB").is_some()));
    assert_eq!(parse_duration("250ms").unwrap().as_millis(), 250);
    assert_eq!(parse_duration("2s").unwrap().as_secs(), 2);
    assert!(parse_duration("2 fortnights").is_err());
}
