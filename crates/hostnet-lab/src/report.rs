//! What the lab measured, per step: loss, the longest outage, time to recovery, which ports
//! carry traffic afterwards, what the kernel did meanwhile, and whether a cluster would survive.

use serde::{Deserialize, Serialize};

use crate::cluster::{Cluster, ClusterVerdict};
use crate::events::Event;
use crate::probe::Flow;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabReport {
    pub scenario: String,
    pub description: String,
    /// Probe packets per second, each direction, each peer.
    pub rate: u32,
    pub settle: SettleInfo,
    pub steps: Vec<StepResult>,
    pub timeline: Vec<FlowTimeline>,
    pub total_ms: f64,
}

/// How the replica reached steady state before the first step.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SettleInfo {
    /// From the first probe sent until every direction delivered.
    pub flowing_after_ms: f64,
    /// From the first probe sent until the replica was judged settled.
    pub settled_after_ms: f64,
    /// What the kernel did while the replica converged.
    pub events: Vec<StepEvent>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepResult {
    /// When the step's fault was injected, ms from the start of measurement.
    pub at_ms: f64,
    pub action: String,
    /// How long the step was observed (until the next action).
    pub window_ms: f64,
    pub sent: u64,
    pub lost: u64,
    /// The longest run of consecutive losses in any flow within the window, as time.
    pub outage_ms: f64,
    /// From the action until every flow delivers again after its last loss; `None` without loss.
    pub recovered_after_ms: Option<f64>,
    /// Whether every flow was delivering at the end of the window.
    pub recovered: bool,
    /// Which bond ports carry traffic at the end of the window.
    pub active_after: String,
    pub flows: Vec<FlowStep>,
    /// Bond and port events during the window, timed from the action.
    pub events: Vec<StepEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterVerdict>,
    /// When the kernel acknowledged the step's fault, ms after it was issued (`None` for the
    /// baseline). The fault took effect somewhere in between: packets sent then may go either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_after_ms: Option<f64>,
    /// The longest any flow went without sending within the window. A probe sends every
    /// interval, so a gap far beyond it means the machine was starved: the step's times are
    /// then not to be trusted.
    #[serde(default)]
    pub probe_gap_ms: f64,
}

/// A fault slower than this to apply, or a probe silent this long, makes a step's times
/// suspect: twenty intervals at 200/s, well above the single-vCPU VM's ~15 ms jitter.
pub const STARVED_MS: f64 = 100.0;

impl StepResult {
    /// Why this step's times cannot be trusted, if they cannot.
    pub fn starved(&self) -> Option<String> {
        let mut why = Vec::new();
        if let Some(ms) = self.applied_after_ms.filter(|ms| *ms > STARVED_MS) {
            why.push(format!("the kernel took {ms:.0} ms to apply the fault"));
        }
        if self.probe_gap_ms > STARVED_MS {
            why.push(format!("the probes could not send for {:.0} ms", self.probe_gap_ms));
        }
        (!why.is_empty()).then(|| why.join(" and "))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepEvent {
    /// Milliseconds after the step's action (or, while settling, after the first probe).
    pub after_ms: f64,
    #[serde(flatten)]
    pub event: Event,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlowStep {
    pub name: String,
    pub sent: u64,
    pub lost: u64,
    pub outage_ms: f64,
    /// Of `sent` and `lost`, the packets sent once the kernel had acknowledged the step's fault:
    /// their fate is the fault's, whatever the scheduler did before.
    #[serde(default)]
    pub sent_once_applied: u64,
    #[serde(default)]
    pub lost_once_applied: u64,
    /// Of `lost`, the packets that did arrive, but more than [`LATE_US`] after they left or only
    /// once the next action had taken effect.
    #[serde(default)]
    pub late: u64,
}

/// Delivery ratio per time bucket, for the plot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlowTimeline {
    pub name: String,
    pub bucket_ms: f64,
    pub delivered: Vec<f32>,
}

/// One injected action: when, what, and the bond state sampled at the end of its window.
pub struct Mark {
    pub at_us: u64,
    /// When the kernel acknowledged the action (the last of several taken together).
    pub applied_us: Option<u64>,
    pub action: String,
    pub active_after: String,
}

/// Everything one run recorded, for [`analyze`].
pub struct Recording<'a> {
    pub flows: &'a [Flow],
    pub marks: &'a [Mark],
    pub events: &'a [Event],
    pub end_us: u64,
    pub interval_us: u64,
    /// Probe clock times: first probe sent, every direction delivering.
    pub probes_from_us: u64,
    pub flowing_us: u64,
}

/// Packets sent this close to the end may still be in flight when the probes stop.
const TAIL_GRACE_US: u64 = 50_000;
const BUCKET_MS: f64 = 20.0;

/// A run of consecutive lost packets in one flow, by send time.
#[derive(Debug, Clone, Copy)]
struct LossRun {
    start_us: u64,
    /// Send time of the first packet delivered after the run, or the end of measurement.
    end_us: u64,
    open: bool,
}

fn loss_runs(f: &Flow, from_us: u64, end_us: u64, interval_us: u64) -> Vec<LossRun> {
    let mut runs = Vec::new();
    let mut start: Option<u64> = None;
    for (k, &t) in f.sent_us.iter().enumerate() {
        if t < from_us || t >= end_us {
            continue;
        }
        match (f.recv_us[k].is_none(), start) {
            (true, None) => start = Some(t),
            (false, Some(s)) => {
                runs.push(LossRun { start_us: s, end_us: t, open: false });
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push(LossRun { start_us: s, end_us: end_us.max(s + interval_us), open: true });
    }
    runs
}

/// A packet arriving later than this after it left counts as lost: the path did not work when
/// it was sent. In the VM such packets were seen held by the kernel for an unresolved neighbour
/// while a cable was out and sent at its next ARP attempt after the cable came back, up to 1 s
/// later. Arrival is the kernel's receive time, so a receiver thread the scheduler kept waiting
/// does not make a packet late; a quarter second is far above the VM's scheduling jitter.
pub const LATE_US: u64 = 250_000;

/// `f` as the steps judge it: a packet counts as arrived only within [`LATE_US`] of leaving and
/// before the next action took effect (one held until then got through because of that action,
/// not in the step it was sent in).
fn in_time(f: &Flow, marks: &[Mark]) -> Flow {
    let mut out = f.clone();
    for (k, r) in out.recv_us.iter_mut().enumerate() {
        let sent = f.sent_us[k];
        let next = marks.partition_point(|m| m.at_us <= sent);
        let until = marks.get(next).map_or(u64::MAX, |m| m.applied_us.unwrap_or(m.at_us));
        if r.is_some_and(|t| t.saturating_sub(sent) > LATE_US || t >= until) {
            *r = None;
        }
    }
    out
}

pub fn analyze(scenario: &str, description: &str, rate: u32, rec: &Recording, cluster: Option<&Cluster>) -> LabReport {
    let marks = rec.marks;
    let flows: Vec<Flow> = rec.flows.iter().map(|f| in_time(f, marks)).collect();
    let flows = flows.as_slice();
    let start_us = marks.first().map(|m| m.at_us).unwrap_or(0);
    let end = rec.end_us.saturating_sub(TAIL_GRACE_US);
    let runs: Vec<LossRun> = flows.iter().flat_map(|f| loss_runs(f, start_us, end, rec.interval_us)).collect();
    let mut steps = Vec::new();
    for (i, m) in marks.iter().enumerate() {
        let stop = marks.get(i + 1).map(|n| n.at_us).unwrap_or(end);
        let mut s = StepResult {
            at_ms: (m.at_us - start_us) as f64 / 1000.0,
            action: m.action.clone(),
            window_ms: (stop.saturating_sub(m.at_us)) as f64 / 1000.0,
            sent: 0,
            lost: 0,
            outage_ms: 0.0,
            recovered_after_ms: None,
            recovered: true,
            active_after: m.active_after.clone(),
            flows: Vec::new(),
            events: events_between(rec.events, m.at_us, stop),
            cluster: cluster.map(|c| verdict(c, &runs, m.at_us, stop)),
            applied_after_ms: m.applied_us.map(|t| t.saturating_sub(m.at_us) as f64 / 1000.0),
            probe_gap_ms: 0.0,
        };
        for (f, arrived) in flows.iter().zip(rec.flows.iter().map(|f| &f.recv_us)) {
            let idx: Vec<usize> =
                (0..f.sent_us.len()).filter(|&k| f.sent_us[k] >= m.at_us && f.sent_us[k] < stop).collect();
            let lost: Vec<usize> = idx.iter().copied().filter(|&k| f.recv_us[k].is_none()).collect();
            // Runs of consecutive lost sequence numbers.
            let mut longest = 0.0f64;
            let mut run_start: Option<usize> = None;
            let mut prev: Option<usize> = None;
            let mut last_run_end: Option<usize> = None;
            for &k in &lost {
                match (run_start, prev) {
                    (Some(_), Some(p)) if k == p + 1 => {}
                    _ => run_start = Some(k),
                }
                prev = Some(k);
                let rs = run_start.expect("set");
                let dur = (f.sent_us[k] - f.sent_us[rs] + rec.interval_us) as f64 / 1000.0;
                longest = longest.max(dur);
                last_run_end = Some(k);
            }
            if let Some(le) = last_run_end {
                match idx.iter().copied().find(|&k| k > le && f.recv_us[k].is_some()) {
                    Some(k) => {
                        let r = (f.sent_us[k] - m.at_us) as f64 / 1000.0;
                        s.recovered_after_ms = Some(s.recovered_after_ms.map_or(r, |x: f64| x.max(r)));
                    }
                    None => s.recovered = false,
                }
            }
            // From the window's start to the first send, between sends, and from the last to its end.
            let sends = idx.iter().map(|&k| f.sent_us[k]);
            let gap = longest_gap(std::iter::once(m.at_us).chain(sends).chain(std::iter::once(stop)));
            s.probe_gap_ms = s.probe_gap_ms.max(gap as f64 / 1000.0);
            s.sent += idx.len() as u64;
            s.lost += lost.len() as u64;
            s.outage_ms = s.outage_ms.max(longest);
            let applied = m.applied_us.unwrap_or(m.at_us);
            let once_applied = |ks: &[usize]| ks.iter().filter(|&&k| f.sent_us[k] >= applied).count() as u64;
            s.flows.push(FlowStep {
                name: f.name.clone(),
                sent: idx.len() as u64,
                lost: lost.len() as u64,
                outage_ms: longest,
                sent_once_applied: once_applied(&idx),
                lost_once_applied: once_applied(&lost),
                late: lost.iter().filter(|&&k| arrived[k].is_some()).count() as u64,
            });
        }
        if !s.recovered {
            s.recovered_after_ms = None;
        }
        steps.push(s);
    }
    let settle = SettleInfo {
        flowing_after_ms: rec.flowing_us.saturating_sub(rec.probes_from_us) as f64 / 1000.0,
        settled_after_ms: start_us.saturating_sub(rec.probes_from_us) as f64 / 1000.0,
        events: events_between(rec.events, rec.probes_from_us, start_us),
    };
    let total_ms = (end.saturating_sub(start_us)) as f64 / 1000.0;
    LabReport {
        scenario: scenario.into(),
        description: description.into(),
        rate,
        settle,
        steps,
        timeline: timeline(flows, start_us, end, total_ms),
        total_ms,
    }
}

fn longest_gap(times: impl Iterator<Item = u64>) -> u64 {
    let mut prev: Option<u64> = None;
    let mut longest = 0;
    for t in times {
        if let Some(p) = prev {
            longest = longest.max(t.saturating_sub(p));
        }
        prev = Some(t);
    }
    longest
}

fn events_between(events: &[Event], from_us: u64, to_us: u64) -> Vec<StepEvent> {
    events
        .iter()
        .filter(|e| e.at_us >= from_us && e.at_us < to_us)
        .map(|e| StepEvent { after_ms: (e.at_us - from_us) as f64 / 1000.0, event: e.clone() })
        .collect()
}

/// The cluster's fate during [from, to): the first moment within it when some outage has
/// lasted the token timeout, else how much room the longest overlapping outage left.
fn verdict(c: &Cluster, runs: &[LossRun], from_us: u64, to_us: u64) -> ClusterVerdict {
    let token_us = c.token_timeout_ms() * 1000;
    let overlapping: Vec<&LossRun> = runs.iter().filter(|r| r.start_us < to_us && r.end_us > from_us).collect();
    let lost_at = overlapping
        .iter()
        .filter(|r| r.end_us - r.start_us >= token_us)
        .map(|r| r.start_us + token_us)
        .filter(|t| *t >= from_us && *t < to_us)
        .min();
    let longest = overlapping.iter().map(|r| r.end_us - r.start_us).max().unwrap_or(0);
    // A node already lost in an earlier step stays lost: no margin to speak of.
    let lost_before = overlapping.iter().any(|r| r.end_us - r.start_us >= token_us && r.start_us + token_us < from_us);
    ClusterVerdict {
        token_timeout_ms: c.token_timeout_ms(),
        longest_outage_ms: longest as f64 / 1000.0,
        node_lost_at_ms: lost_at.map(|t| (t - from_us) as f64 / 1000.0).or(lost_before.then_some(0.0)),
        margin_ms: (longest < token_us).then(|| (token_us - longest) as f64 / 1000.0),
        open_ended: overlapping.iter().any(|r| r.open),
    }
}

fn timeline(flows: &[Flow], start_us: u64, end: u64, total_ms: f64) -> Vec<FlowTimeline> {
    let buckets = (total_ms / BUCKET_MS).ceil().max(1.0) as usize;
    flows
        .iter()
        .map(|f| {
            let mut sent = vec![0u32; buckets];
            let mut got = vec![0u32; buckets];
            for (k, &t) in f.sent_us.iter().enumerate() {
                if t < start_us || t >= end {
                    continue;
                }
                let b = (((t - start_us) as f64 / 1000.0) / BUCKET_MS) as usize;
                if b < buckets {
                    sent[b] += 1;
                    got[b] += u32::from(f.recv_us[k].is_some());
                }
            }
            let delivered =
                sent.iter().zip(&got).map(|(s, g)| if *s == 0 { 1.0 } else { *g as f32 / *s as f32 }).collect();
            FlowTimeline { name: f.name.clone(), bucket_ms: BUCKET_MS, delivered }
        })
        .collect()
}
