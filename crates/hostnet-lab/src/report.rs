//! What the lab measured, per step: loss, the longest outage, time to recovery, and which ports
//! carry traffic afterwards.

use serde::{Deserialize, Serialize};

use crate::probe::Flow;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabReport {
    pub scenario: String,
    pub description: String,
    /// Probe packets per second, each direction, each peer.
    pub rate: u32,
    pub steps: Vec<StepResult>,
    pub timeline: Vec<FlowTimeline>,
    pub total_ms: f64,
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
    /// The longest run of consecutive losses in any flow, as time.
    pub outage_ms: f64,
    /// From the action until every flow delivers again after its last loss; `None` without loss.
    pub recovered_after_ms: Option<f64>,
    /// Whether every flow was delivering at the end of the window.
    pub recovered: bool,
    /// Which bond ports carry traffic at the end of the window.
    pub active_after: String,
    pub flows: Vec<FlowStep>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlowStep {
    pub name: String,
    pub sent: u64,
    pub lost: u64,
    pub outage_ms: f64,
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
    pub action: String,
    pub active_after: String,
}

/// Packets sent this close to the end may still be in flight when the probes stop.
const TAIL_GRACE_US: u64 = 50_000;
const BUCKET_MS: f64 = 20.0;

pub fn analyze(
    scenario: &str,
    description: &str,
    rate: u32,
    flows: &[Flow],
    marks: &[Mark],
    end_us: u64,
    interval_us: u64,
) -> LabReport {
    let start_us = marks.first().map(|m| m.at_us).unwrap_or(0);
    let end = end_us.saturating_sub(TAIL_GRACE_US);
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
        };
        for f in flows {
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
                let dur = (f.sent_us[k] - f.sent_us[rs] + interval_us) as f64 / 1000.0;
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
            s.sent += idx.len() as u64;
            s.lost += lost.len() as u64;
            s.outage_ms = s.outage_ms.max(longest);
            s.flows.push(FlowStep {
                name: f.name.clone(),
                sent: idx.len() as u64,
                lost: lost.len() as u64,
                outage_ms: longest,
            });
        }
        if !s.recovered {
            s.recovered_after_ms = None;
        }
        steps.push(s);
    }
    let total_ms = (end.saturating_sub(start_us)) as f64 / 1000.0;
    let buckets = (total_ms / BUCKET_MS).ceil().max(1.0) as usize;
    let timeline = flows
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
        .collect();
    LabReport { scenario: scenario.into(), description: description.into(), rate, steps, timeline, total_ms }
}

/// The table people read.
pub fn table(r: &LabReport) -> String {
    let mut out =
        format!("scenario {}: {}\nprobes: {} packets/s each way per peer\n\n", r.scenario, r.description, r.rate);
    let mut rows = vec![
        ["AT (s)", "STEP", "LOST/SENT", "OUTAGE", "RECOVERED AFTER", "ACTIVE AFTERWARDS"].map(String::from).to_vec(),
    ];
    for s in &r.steps {
        let recovery = match (s.lost, s.recovered, s.recovered_after_ms) {
            (0, _, _) => "no loss".to_string(),
            (_, true, Some(ms)) => format!("{ms:.0} ms"),
            _ => "NO RECOVERY".to_string(),
        };
        let outage = if s.lost == 0 {
            "-".to_string()
        } else if s.recovered {
            format!("{:.0} ms", s.outage_ms)
        } else {
            format!(">= {:.0} ms", s.outage_ms)
        };
        rows.push(vec![
            format!("{:.1}", s.at_ms / 1000.0),
            s.action.clone(),
            format!("{}/{}", s.lost, s.sent),
            outage,
            recovery,
            s.active_after.clone(),
        ]);
    }
    let widths: Vec<usize> =
        (0..rows[0].len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    for row in rows {
        let line: Vec<String> = row.iter().enumerate().map(|(c, x)| format!("{x:<w$}", w = widths[c])).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
