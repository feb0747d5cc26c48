//! A scenario run several times on fresh replicas, and what the runs agree on: per step, the
//! median, minimum and maximum of loss, outage and recovery time, and whether the spread is too
//! large for one run's number to be trusted.

use crate::error::{LabError, Result};
use serde::{Deserialize, Serialize};

use crate::cluster::Cluster;
use crate::report::LabReport;
use crate::settle::SettleRule;

/// Everything `hostnet lab` reports: the runs and their summary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabResult {
    pub scenario: String,
    pub description: String,
    pub rate: u32,
    pub settle_rule: SettleRule,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<Cluster>,
    pub summary: Vec<StepSummary>,
    pub runs: Vec<LabReport>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Stat {
    /// `None` for no values.
    pub fn of(values: &[f64]) -> Option<Stat> {
        if values.is_empty() {
            return None;
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
        Some(Stat { median, min: v[0], max: v[n - 1] })
    }

    /// A spread is large when it exceeds both a fixed jitter allowance and half the median:
    /// then one run's number says little about the next.
    pub fn spread_is_large(&self) -> bool {
        let spread = self.max - self.min;
        spread > SPREAD_ABS_MS && spread > 0.5 * self.median
    }
}

/// Twenty probe intervals at 200/s, and over six times the ~15 ms scheduling jitter of the
/// single-vCPU VM: a spread below it changes no conclusion.
pub const SPREAD_ABS_MS: f64 = 100.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepSummary {
    pub action: String,
    pub runs: usize,
    pub lost: Stat,
    pub outage_ms: Stat,
    /// Time to recovery over the runs that recovered within the step (0 for a lossless run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered_after_ms: Option<Stat>,
    /// Runs still losing packets at the end of the step.
    pub not_recovered: usize,
    pub spread_large: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterSummary>,
    /// Runs in which this step's times are suspect (see `StepResult::starved`).
    #[serde(default)]
    pub starved_runs: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterSummary {
    pub token_timeout_ms: u64,
    /// Runs in which a node would have been declared lost during this step.
    pub node_lost_runs: usize,
    /// The smallest margin left under the token timeout over the surviving runs (the token
    /// timeout itself when no run lost a packet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst_margin_ms: Option<f64>,
}

/// Step-by-step summary of runs of one scenario. Runs must have the same steps.
pub fn summarize(runs: &[LabReport]) -> Result<Vec<StepSummary>> {
    let Some(first) = runs.first() else { return Ok(vec![]) };
    if let Some(r) = runs.iter().find(|r| r.steps.len() != first.steps.len()) {
        return Err(LabError::Measure(format!("runs differ in steps: {} vs {}", r.steps.len(), first.steps.len())));
    }
    let mut out = Vec::new();
    for (i, s0) in first.steps.iter().enumerate() {
        let steps: Vec<_> = runs.iter().map(|r| &r.steps[i]).collect();
        if let Some(s) = steps.iter().find(|s| s.action != s0.action) {
            return Err(LabError::Measure(format!("runs differ at step {}: `{}` vs `{}`", i + 1, s.action, s0.action)));
        }
        let lost: Vec<f64> = steps.iter().map(|s| s.lost as f64).collect();
        let outage: Vec<f64> = steps.iter().map(|s| s.outage_ms).collect();
        let recovered: Vec<f64> =
            steps.iter().filter(|s| s.recovered).map(|s| s.recovered_after_ms.unwrap_or(0.0)).collect();
        let outage = Stat::of(&outage).expect("one run at least");
        let recovered_after_ms = Stat::of(&recovered);
        let spread_large = outage.spread_is_large() || recovered_after_ms.is_some_and(|r| r.spread_is_large());
        let cluster = s0.cluster.as_ref().map(|c0| {
            let verdicts: Vec<_> = steps.iter().filter_map(|s| s.cluster.as_ref()).collect();
            ClusterSummary {
                token_timeout_ms: c0.token_timeout_ms,
                node_lost_runs: verdicts.iter().filter(|v| v.node_lost_at_ms.is_some()).count(),
                worst_margin_ms: verdicts.iter().filter_map(|v| v.margin_ms).min_by(f64::total_cmp),
            }
        });
        out.push(StepSummary {
            action: s0.action.clone(),
            runs: runs.len(),
            lost: Stat::of(&lost).expect("one run at least"),
            outage_ms: outage,
            recovered_after_ms,
            not_recovered: steps.iter().filter(|s| !s.recovered).count(),
            spread_large,
            cluster,
            starved_runs: steps.iter().filter(|s| s.starved().is_some()).count(),
        });
    }
    Ok(out)
}
