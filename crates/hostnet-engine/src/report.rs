//! What an apply did, step by step, as front ends print it and programs read it.

use hostnet_core::OpError;
use hostnet_core::plan::{Op, op_line};
use serde::{Deserialize, Serialize};

use crate::host::Held;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    Failed { error: OpError },
    Skipped { because: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepReport {
    #[serde(flatten)]
    pub op: Op,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    pub steps: Vec<StepReport>,
    /// What still differs from the config after applying (empty when verified).
    pub drift: Vec<Op>,
    pub verified: bool,
    /// Bridges held down for the IPv6 start-up of the links behind their ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge_hold: Option<Held>,
    pub rollback: Vec<StepReport>,
    /// What undoes the applied steps, newest first (kept for `apply --try`).
    #[serde(skip)]
    pub undo: Vec<Op>,
    /// Links (name, index) seen by the last observation (verification, or planning when there
    /// was nothing to do), for reporting what was left alone and recording what hostnet owns
    /// without another dump.
    #[serde(skip)]
    pub links_seen: Vec<(String, u32)>,
}

impl Report {
    pub fn failed(&self) -> impl Iterator<Item = &StepReport> {
        self.steps.iter().filter(|s| matches!(s.outcome, Outcome::Failed { .. }))
    }

    pub fn applied(&self) -> impl Iterator<Item = &StepReport> {
        self.steps.iter().filter(|s| s.outcome == Outcome::Applied)
    }

    pub fn rolled_back(&self) -> bool {
        !self.rollback.is_empty()
    }

    pub fn nothing_to_do(&self) -> bool {
        self.steps.is_empty() && self.verified
    }

    /// Succeeded: everything applied and verified (or there was nothing to do).
    pub fn ok(&self) -> bool {
        self.failed().next().is_none() && self.verified && !self.rolled_back()
    }

    /// The only failures are NICs that are not there; at boot that must not undo the rest.
    pub fn only_missing_nics(&self) -> bool {
        self.failed().all(|s| matches!(s.op, Op::Missing { .. }))
    }
}

/// A finished apply, as front ends print it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Applied {
    #[serde(flatten)]
    pub report: Report,
    /// Links on the host that the config does not mention, and that hostnet did not touch.
    pub left_alone: Vec<String>,
    /// Set when the apply is a trial: it reverts unless confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial: Option<Trial>,
}

impl Applied {
    /// Everything applied and verified, or at boot everything but missing NICs.
    pub fn succeeded(&self, boot: bool) -> bool {
        self.report.ok() || (boot && self.report.only_missing_nics() && self.report.verified)
    }

    /// Failed, and the host is not as it was: steps were applied and not all undone
    /// (`--no-rollback`, or a rollback step that failed). Scripts must not retry blindly.
    pub fn left_changed(&self) -> bool {
        let r = &self.report;
        let undo_failed = r.rollback.iter().any(|s| matches!(s.outcome, Outcome::Failed { .. }));
        r.applied().next().is_some() && (!r.rolled_back() || undo_failed)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    pub id: String,
    pub seconds: u64,
}

/// An apply killed midway, rolled back by the next run.
#[derive(Debug, Clone)]
pub struct Recovered {
    pub pid: u32,
    pub done: usize,
    pub of: usize,
    pub rollback: Vec<StepReport>,
}

impl Recovered {
    pub fn describe(&self) -> String {
        let failed = self.rollback.iter().filter(|s| s.outcome != Outcome::Applied).count();
        format!(
            "an apply (pid {}) was interrupted after {} of {} operations; rolled back {} operations{}",
            self.pid,
            self.done,
            self.of,
            self.rollback.len(),
            if failed > 0 { format!(" ({failed} failed)") } else { String::new() }
        )
    }
}

/// Undo operations as people read them, a line each: `undone` or `FAILED` with the error.
/// Rollbacks, recoveries and trial reverts print them alike.
pub fn render_undone(steps: &[StepReport]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for s in steps {
        let _ = match &s.outcome {
            Outcome::Failed { error } => writeln!(out, "  FAILED   {}: {error}", op_line(&s.op)),
            _ => writeln!(out, "  undone   {}", op_line(&s.op)),
        };
    }
    out
}

/// The apply report as people read it: each operation with its outcome, the totals, whether the
/// host now matches, what was rolled back, and what was left alone.
pub fn render(a: &Applied, file: &str) -> String {
    use std::fmt::Write;
    let r = &a.report;
    let mut out = String::new();
    if r.nothing_to_do() {
        let _ = writeln!(out, "nothing to do: the host already matches {file}");
        return out;
    }
    for s in &r.steps {
        let _ = match &s.outcome {
            Outcome::Applied => writeln!(out, "  applied  {}", op_line(&s.op)),
            Outcome::Failed { error } => writeln!(out, "  FAILED   {}: {error}", op_line(&s.op)),
            Outcome::Skipped { because } => writeln!(out, "  skipped  {} ({because})", op_line(&s.op)),
        };
    }
    let count = |f: fn(&Outcome) -> bool| r.steps.iter().filter(|s| f(&s.outcome)).count();
    let _ = writeln!(
        out,
        "applied {}, failed {}, skipped {} of {} operations",
        count(|o| *o == Outcome::Applied),
        count(|o| matches!(o, Outcome::Failed { .. })),
        count(|o| matches!(o, Outcome::Skipped { .. })),
        r.steps.len()
    );
    if let Some(h) = &r.bridge_hold {
        let _ = writeln!(out, "{h}");
    }
    if r.verified {
        let _ = writeln!(out, "verified: the host matches {file}");
    } else if !r.drift.is_empty() {
        let _ = writeln!(out, "NOT verified; still different from {file}:");
        for op in &r.drift {
            let _ = writeln!(out, "  {}", op_line(op));
        }
    }
    if r.rolled_back() {
        let bad = r.rollback.iter().any(|s| s.outcome != Outcome::Applied);
        let _ =
            writeln!(out, "rolled back {} operations{}:", r.rollback.len(), if bad { " (some failed)" } else { "" });
        out.push_str(&render_undone(&r.rollback));
    }
    if !a.left_alone.is_empty() {
        let _ = writeln!(out, "left alone (not in the file): {}", names_in_short(&a.left_alone));
    }
    out
}

/// A list of names that fits on a line: up to [`SHOWN`] of them, then how many more. A host
/// with 800 VLANs the file does not mention printed all 800 on one line.
const SHOWN: usize = 10;

fn names_in_short(names: &[String]) -> String {
    if names.len() <= SHOWN + 2 {
        return names.join(", ");
    }
    format!("{}, and {} more (`hostnet show` lists them)", names[..SHOWN].join(", "), names.len() - SHOWN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_of_links_left_alone_is_summarised() {
        let applied = |n: usize| Applied {
            report: Report { verified: true, steps: vec![], ..Default::default() },
            left_alone: (0..n).map(|i| format!("v{i}")).collect(),
            trial: None,
        };
        // Nothing to do says only that.
        assert_eq!(render(&applied(800), "f"), "nothing to do: the host already matches f\n");
        let mut a = applied(800);
        a.report.steps.push(StepReport { op: Op::SetUp { name: "e0".into() }, outcome: Outcome::Applied });
        let text = render(&a, "f");
        assert!(
            text.ends_with("left alone (not in the file): v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, and 790 more (`hostnet show` lists them)\n"),
            "{text}"
        );
        a.left_alone.truncate(12);
        assert!(render(&a, "f").ends_with("v10, v11\n"), "twelve are shown whole");
    }
}
