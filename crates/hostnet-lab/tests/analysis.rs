//! The measurement arithmetic on synthetic probe logs: losses, outages, recovery.

use hostnet_lab::probe::Flow;
use hostnet_lab::report::{LabReport, Mark, Recording, analyze};
use hostnet_lab::scenario::{Scenario, Step, parse_duration};

/// A flow at 200 packets/s (5 ms apart) for `n` packets, lost where `lost(seq)`.
fn flow(name: &str, n: u64, lost: impl Fn(u64) -> bool) -> Flow {
    let sent_us: Vec<u64> = (0..n).map(|k| k * 5_000).collect();
    let recv_us = sent_us.iter().enumerate().map(|(k, t)| (!lost(k as u64)).then_some(t + 100)).collect();
    Flow { name: name.into(), sent_us, recv_us }
}

fn marks(at: &[(u64, &str)]) -> Vec<Mark> {
    at.iter()
        .map(|(t, a)| Mark { at_us: *t, applied_us: None, action: a.to_string(), active_after: String::new() })
        .collect()
}

fn run(flows: &[Flow], marks: &[Mark], end_us: u64) -> LabReport {
    let rec = Recording { flows, marks, events: &[], end_us, interval_us: 5_000, probes_from_us: 0, flowing_us: 0 };
    analyze("t", "", 200, &rec, None)
}

#[test]
fn outage_and_recovery_of_one_gap() {
    // Fault at 1 s; packets 210..=249 (1.05 s to 1.245 s) lost: 40 packets, 200 ms.
    let f = flow("host->peer", 600, |k| (210..250).contains(&k));
    let r = run(&[f], &marks(&[(0, "baseline"), (1_000_000, "cut x")]), 3_000_000);
    let s = &r.steps[1];
    assert_eq!((s.lost, s.recovered), (40, true));
    assert_eq!(s.outage_ms, 200.0);
    assert_eq!(s.recovered_after_ms, Some(250.0), "first good packet at 1.25 s");
    assert_eq!(r.steps[0].lost, 0);
}

#[test]
fn a_gap_to_the_end_is_no_recovery() {
    let f = flow("peer->host", 600, |k| k >= 300);
    let r = run(&[f], &marks(&[(0, "baseline"), (1_500_000, "cut x")]), 3_000_000);
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
    let r = run(&[a, b], &marks(&[(0, "baseline"), (1_000_000, "fail sw")]), 2_000_000);
    assert_eq!(r.steps[1].outage_ms, 200.0);
    assert_eq!(r.steps[1].lost, 50);
    assert_eq!(r.timeline.len(), 2);
}

#[test]
fn a_packet_arriving_over_a_second_late_is_lost_and_counted_late() {
    // Cable out from 1 s to 2 s; the kernel held 20 packets sent at 1.5 s for an unresolved
    // neighbour and delivered them when it came back, 1.1-1.2 s after they left.
    let mut f = flow("host->peer", 600, |k| (200..400).contains(&k));
    for k in 300..320 {
        f.recv_us[k] = Some(2_700_000);
    }
    // The last one sent before the mend, held only 105 ms: in time, but through the mend.
    f.recv_us[399] = Some(2_100_000);
    f.recv_us[100] = Some(f.sent_us[100] + 200_000); // slow, but in time
    let r = run(&[f], &marks(&[(0, "baseline"), (1_000_000, "cut x"), (2_000_000, "mend x")]), 3_000_000);
    let s = &r.steps[1];
    assert_eq!((s.lost, s.flows[0].late), (200, 21));
    assert_eq!(s.outage_ms, 1000.0, "one run of loss, not two around the late packets");
    assert!(!s.recovered, "nothing got through while the cable was out");
    assert_eq!(r.steps[0].lost, 0);
}

#[test]
fn a_starved_step_is_flagged_by_its_late_fault_or_its_silent_probes() {
    // Steady probes and a fault applied within 2 ms: the step's times stand.
    let f = flow("host->peer", 600, |k| k >= 200);
    let mut m = marks(&[(0, "baseline"), (1_000_000, "cut x")]);
    m[1].applied_us = Some(1_002_000);
    let r = run(std::slice::from_ref(&f), &m, 3_000_000);
    assert_eq!(r.steps[1].applied_after_ms, Some(2.0));
    assert_eq!(r.steps[1].probe_gap_ms, 5.0);
    assert_eq!(r.steps[0].applied_after_ms, None);
    assert!(r.steps.iter().all(|s| s.starved().is_none()));

    // The fault acknowledged 1.5 s late, and a probe that sent nothing from 1.2 s to 1.7 s.
    let mut g = f.clone();
    let keep: Vec<usize> = (0..g.sent_us.len()).filter(|&k| !(1_200_000..1_700_000).contains(&g.sent_us[k])).collect();
    g.sent_us = keep.iter().map(|&k| f.sent_us[k]).collect();
    g.recv_us = keep.iter().map(|&k| f.recv_us[k]).collect();
    m[1].applied_us = Some(2_500_000);
    let r = run(&[g], &m, 3_000_000);
    let why = r.steps[1].starved().expect("starved");
    assert!(why.contains("the kernel took 1500 ms to apply the fault"), "{why}");
    assert!(why.contains("the probes could not send for 505 ms"), "{why}");
    // 100 packets were sent from 2.5 s to the end of measurement (less 50 ms in flight).
    let f = &r.steps[1].flows[0];
    assert_eq!((f.sent_once_applied, f.lost_once_applied), (90, 90));
    let text = hostnet_lab::text::render(&hostnet_lab::repeat::LabResult {
        scenario: "t".into(),
        description: String::new(),
        rate: 200,
        settle_rule: Default::default(),
        cluster: None,
        summary: hostnet_lab::repeat::summarize(std::slice::from_ref(&r)).unwrap(),
        runs: vec![r],
    });
    assert!(text.contains("warning: cut x: the kernel took 1500 ms"), "{text}");
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

mod repeats {
    use super::*;
    use hostnet_lab::repeat::{Stat, summarize};

    /// One run of "baseline, cut x" where the cut loses packets `lost` (a single gap).
    fn cut_run(lost: std::ops::Range<u64>) -> LabReport {
        let f = flow("host->peer", 800, |k| lost.contains(&k));
        run(&[f], &marks(&[(0, "baseline"), (1_000_000, "cut x")]), 4_000_000)
    }

    #[test]
    fn median_min_max_per_step() {
        // Outages of 50, 100 and 400 ms: packets 210.. for 10, 20 and 80 packets.
        let runs = vec![cut_run(210..220), cut_run(210..230), cut_run(210..290)];
        let s = summarize(&runs).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].outage_ms, Stat { median: 0.0, min: 0.0, max: 0.0 });
        assert!(!s[0].spread_large);
        assert_eq!(s[1].lost, Stat { median: 20.0, min: 10.0, max: 80.0 });
        assert_eq!(s[1].outage_ms, Stat { median: 100.0, min: 50.0, max: 400.0 });
        // First good packet after the gap, from the cut at 1 s: 100, 150 and 450 ms.
        assert_eq!(s[1].recovered_after_ms, Some(Stat { median: 150.0, min: 100.0, max: 450.0 }));
        assert!(s[1].spread_large, "350 ms between runs of a 100 ms median is not jitter");
        let close = summarize(&[cut_run(210..220), cut_run(210..225), cut_run(210..235)]).unwrap();
        assert!(!close[1].spread_large, "75 ms of spread stays under the 100 ms floor");
        assert_eq!(s[1].not_recovered, 0);
    }

    #[test]
    fn even_count_median_and_jitter_is_not_spread() {
        let runs = vec![cut_run(210..220), cut_run(210..222), cut_run(210..221), cut_run(210..223)];
        let s = summarize(&runs).unwrap();
        assert_eq!(s[1].outage_ms.median, 57.5);
        assert!(!s[1].spread_large, "15 ms of spread is jitter");
    }

    #[test]
    fn runs_that_never_recover_are_counted_apart() {
        let runs = vec![cut_run(210..220), cut_run(210..800)];
        let s = summarize(&runs).unwrap();
        assert_eq!(s[1].not_recovered, 1);
        assert_eq!(s[1].recovered_after_ms, Some(Stat { median: 100.0, min: 100.0, max: 100.0 }));
    }

    #[test]
    fn runs_with_different_steps_are_refused() {
        let other = run(&[flow("f", 400, |_| false)], &marks(&[(0, "baseline"), (1_000_000, "mend x")]), 2_000_000);
        assert!(summarize(&[cut_run(0..0), other]).is_err());
    }
}

mod cluster {
    use super::*;
    use hostnet_lab::cluster::Cluster;

    fn with_token(flows: &[Flow], marks: &[Mark], end_us: u64, token_ms: u64) -> LabReport {
        let rec = Recording { flows, marks, events: &[], end_us, interval_us: 5_000, probes_from_us: 0, flowing_us: 0 };
        analyze("t", "", 200, &rec, Some(&Cluster { token_ms, ..Cluster::default() }))
    }

    #[test]
    fn corosync_defaults() {
        assert_eq!(Cluster::default().token_timeout_ms(), 3000);
        assert_eq!(Cluster { nodes: 5, ..Cluster::default() }.token_timeout_ms(), 3000 + 3 * 650);
    }

    #[test]
    fn an_outage_under_the_token_survives_with_its_margin() {
        // 2.2 s blackhole after a restore at 1 s.
        let f = flow("host->peer", 1200, |k| (210..650).contains(&k));
        let r = with_token(&[f], &marks(&[(0, "baseline"), (1_000_000, "restore swA")]), 6_000_000, 3000);
        let v = r.steps[1].cluster.as_ref().unwrap();
        assert_eq!(v.node_lost_at_ms, None);
        assert_eq!(v.margin_ms, Some(800.0));
        assert_eq!(r.steps[0].cluster.as_ref().unwrap().margin_ms, Some(3000.0));
    }

    #[test]
    fn an_outage_spanning_steps_loses_the_node_where_it_crosses_the_token() {
        // Outage from 1.05 s to 5 s; steps at 1 s and 3 s; token 3 s: lost at 4.05 s, step 3.
        let f = flow("peer->host", 1400, |k| (210..1000).contains(&k));
        let m = marks(&[(0, "baseline"), (1_000_000, "cut all"), (3_000_000, "mend one")]);
        let r = with_token(&[f], &m, 7_000_000, 3000);
        assert_eq!(r.steps[1].cluster.as_ref().unwrap().node_lost_at_ms, None);
        assert_eq!(r.steps[1].cluster.as_ref().unwrap().margin_ms, None, "the whole outage is longer than the token");
        assert_eq!(r.steps[2].cluster.as_ref().unwrap().node_lost_at_ms, Some(1050.0));
    }

    #[test]
    fn the_summary_table_says_survives_for_a_step_without_outage() {
        // A lossless baseline has the whole token as its margin; that is not a node lost (the
        // table said "NODE LOST in 0/5" for it once).
        let runs: Vec<LabReport> = (0..3)
            .map(|_| {
                let f = flow("host->peer", 1200, |k| (210..650).contains(&k));
                with_token(&[f], &marks(&[(0, "baseline"), (1_000_000, "restore swA")]), 6_000_000, 3000)
            })
            .collect();
        let table = hostnet_lab::text::summary_table(&hostnet_lab::repeat::summarize(&runs).unwrap());
        let baseline = table.lines().find(|l| l.starts_with("baseline")).unwrap();
        assert!(baseline.trim_end().ends_with("survives"), "{table}");
        let restore = table.lines().find(|l| l.starts_with("restore swA")).unwrap();
        assert!(restore.contains("survives (worst margin 800 ms)"), "{table}");
        assert!(!table.contains("NODE LOST"), "{table}");
    }
}

mod settle {
    use hostnet_lab::events::{Views, diff};
    use hostnet_lab::settle::{SettleRule, Stability, Verdict, judge, lacp_problems};
    use hostnet_netlink::status::{AggregatorStatus, BondPortStatus, BondStatus, LacpPortState, LinkStatus};

    const IN_SYNC: u8 = 0b0011_1111; // act, fast, agg, sync, col, dist
    const DEFAULTED: u8 = 0b0100_0111;

    fn link(name: &str) -> LinkStatus {
        LinkStatus {
            name: name.into(),
            index: 1,
            kind: "ethernet".into(),
            admin_up: true,
            carrier: true,
            oper_state: "up".into(),
            mtu: Some(1500),
            mac: None,
            master: None,
            bond: None,
            bond_port: None,
        }
    }

    fn bond(name: &str, agg: u16) -> LinkStatus {
        let mut b = link(name);
        b.kind = "bond".into();
        b.bond = Some(BondStatus {
            mode: "802.3ad".into(),
            active_port: None,
            ports: vec![],
            lacp: Some(AggregatorStatus {
                aggregator_id: Some(agg),
                num_ports: Some(2),
                actor_key: None,
                partner_key: None,
                partner_mac: Some("02:00:00:00:00:01".into()),
            }),
        });
        b
    }

    fn port(name: &str, master: &str, agg: u16, actor: u8, partner: u8) -> LinkStatus {
        let mut p = link(name);
        p.master = Some(master.into());
        p.bond_port = Some(BondPortStatus {
            state: "active".into(),
            mii_status: "up".into(),
            link_failure_count: Some(0),
            perm_hwaddr: None,
            aggregator_id: Some(agg),
            actor_oper_port_state: Some(LacpPortState::new(actor)),
            partner_oper_port_state: Some(LacpPortState::new(partner)),
        });
        p
    }

    fn views(ports: Vec<LinkStatus>) -> Views {
        let mut links = vec![bond("idmz1", 1)];
        links.extend(ports);
        Views::from([("host".to_string(), links)])
    }

    #[test]
    fn converged_lacp_has_no_problems() {
        let v = views(vec![port("e1p2", "idmz1", 1, IN_SYNC, IN_SYNC), port("e3p2", "idmz1", 1, IN_SYNC, IN_SYNC)]);
        assert!(lacp_problems(&v).is_empty());
    }

    #[test]
    fn a_port_without_partner_is_named_with_its_state() {
        let v = views(vec![port("e1p2", "idmz1", 1, IN_SYNC, IN_SYNC), port("e3p2", "idmz1", 2, DEFAULTED, 0)]);
        let p = lacp_problems(&v);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("host/idmz1 port e3p2: no LACP partner"), "{p:?}");
        assert!(p[0].contains("actor act,fast,agg,def"), "{p:?}");
    }

    #[test]
    fn settled_only_after_the_hold_time_and_lossless_probes() {
        let rule = SettleRule { hold_ms: 3000, lossless_ms: 2000, timeout_ms: 60_000 };
        let v = views(vec![port("e1p2", "idmz1", 1, IN_SYNC, IN_SYNC)]);
        let mut st = Stability::default();
        let probes = vec![("host->client".to_string(), Some(2_500_000))];
        assert!(matches!(judge(&rule, &v, &mut st, 1_000_000, &probes), Verdict::Waiting(_)));
        assert_eq!(judge(&rule, &v, &mut st, 4_000_000, &probes), Verdict::Settled);
        // The aggregator changes: the hold starts over.
        let moved = views(vec![port("e1p2", "idmz1", 1, IN_SYNC, IN_SYNC)]);
        let mut moved = moved;
        moved.get_mut("host").unwrap()[0] = bond("idmz1", 2);
        match judge(&rule, &moved, &mut st, 4_100_000, &probes) {
            Verdict::Waiting(why) => assert!(why[0].contains("changed 0 ms ago"), "{why:?}"),
            v => panic!("{v:?}"),
        }
        let stalled = vec![("host->client".to_string(), None)];
        assert!(matches!(judge(&rule, &moved, &mut st, 9_000_000, &stalled), Verdict::Waiting(_)));
    }

    #[test]
    fn diff_names_what_changed() {
        let a = port("e1p2", "idmz1", 1, IN_SYNC, IN_SYNC);
        let mut b = a.clone();
        b.carrier = false;
        b.bond_port.as_mut().unwrap().aggregator_id = Some(2);
        b.bond_port.as_mut().unwrap().actor_oper_port_state = Some(LacpPortState::new(0b0000_0111));
        let d = diff(Some(&a), &b);
        assert!(d.contains(&("carrier", "up".into(), "down".into())), "{d:?}");
        assert!(d.contains(&("port aggregator", "1".into(), "2".into())), "{d:?}");
        assert!(d.contains(&("actor", "act,fast,agg,sync,col,dist".into(), "act,fast,agg".into())), "{d:?}");
    }
}
