//! The lab's results as people read them: a table per scenario (one run, or the spread of
//! several), then what the kernel did during each step.

use crate::repeat::{LabResult, Stat, StepSummary};
use crate::report::{LabReport, StepEvent, StepResult};

/// Events listed per step; the JSON has them all.
const EVENTS_PER_STEP: usize = 30;

pub fn render(r: &LabResult) -> String {
    let mut out =
        format!("scenario {}: {}\nprobes: {} packets/s each way per peer\n", r.scenario, r.description, r.rate);
    for (i, run) in r.runs.iter().enumerate() {
        let which = if r.runs.len() > 1 { format!("run {}: ", i + 1) } else { String::new() };
        out.push_str(&format!(
            "{which}settled {:.1} s after the first probe (every direction delivering after {:.1} s; rule: LACP converged, bonds unchanged for {} ms, probes lossless for {} ms)\n",
            run.settle.settled_after_ms / 1000.0,
            run.settle.flowing_after_ms / 1000.0,
            r.settle_rule.hold_ms,
            r.settle_rule.lossless_ms,
        ));
    }
    if let Some(c) = &r.cluster {
        out.push_str(&format!(
            "cluster: corosync token timeout {} ms (token {} ms, {} nodes); an outage longer than that loses a node\n",
            c.token_timeout_ms(),
            c.token_ms,
            c.nodes
        ));
    }
    out.push('\n');
    match r.runs.as_slice() {
        [one] => out.push_str(&one_run(one)),
        _ => out.push_str(&summary_table(&r.summary)),
    }
    out.push_str(&events_section(r));
    out
}

fn one_run(r: &LabReport) -> String {
    let with_cluster = r.steps.iter().any(|s| s.cluster.is_some());
    let mut head = vec!["AT (s)", "STEP", "LOST/SENT", "OUTAGE", "RECOVERED AFTER"];
    if with_cluster {
        head.push("CLUSTER");
    }
    head.push("ACTIVE AFTERWARDS");
    let mut rows = vec![head.into_iter().map(String::from).collect::<Vec<_>>()];
    for s in &r.steps {
        let mut row = vec![
            format!("{:.1}", s.at_ms / 1000.0),
            s.action.clone(),
            format!("{}/{}", s.lost, s.sent),
            outage(s),
            recovery(s),
        ];
        if with_cluster {
            row.push(s.cluster.as_ref().map(|c| c.describe()).unwrap_or_default());
        }
        row.push(s.active_after.clone());
        rows.push(row);
    }
    let mut out = align(&rows);
    for s in &r.steps {
        if let Some(why) = s.starved() {
            out.push_str(&format!(
                "warning: {}: {why}; the machine was starved, so this step's times are not valid\n",
                s.action
            ));
        }
    }
    out
}

fn outage(s: &StepResult) -> String {
    if s.lost == 0 {
        "-".to_string()
    } else if s.recovered {
        format!("{:.0} ms", s.outage_ms)
    } else {
        format!(">= {:.0} ms", s.outage_ms)
    }
}

fn recovery(s: &StepResult) -> String {
    match (s.lost, s.recovered, s.recovered_after_ms) {
        (0, _, _) => "no loss".to_string(),
        (_, true, Some(ms)) => format!("{ms:.0} ms"),
        _ => "NO RECOVERY".to_string(),
    }
}

fn stat(s: &Stat, unit: &str) -> String {
    if s.min == s.max {
        format!("{:.0}{unit}", s.median)
    } else {
        format!("{:.0}{unit} [{:.0}–{:.0}]", s.median, s.min, s.max)
    }
}

/// Median [min–max] per step; `±` marks a spread too large to trust one run.
pub fn summary_table(summary: &[StepSummary]) -> String {
    let with_cluster = summary.iter().any(|s| s.cluster.is_some());
    let mut head = vec!["STEP", "RUNS", "LOST", "OUTAGE", "RECOVERED AFTER"];
    if with_cluster {
        head.push("CLUSTER");
    }
    head.push("");
    let mut rows = vec![head.into_iter().map(String::from).collect::<Vec<_>>()];
    for s in summary {
        let recovery = match (&s.recovered_after_ms, s.not_recovered) {
            (_, n) if n == s.runs => "NO RECOVERY".to_string(),
            (Some(r), 0) => stat(r, " ms"),
            (Some(r), n) => format!("{}; NO RECOVERY in {n}/{}", stat(r, " ms"), s.runs),
            (None, _) => "-".to_string(),
        };
        let outage = if s.outage_ms.max == 0.0 { "-".to_string() } else { stat(&s.outage_ms, " ms") };
        let mut row = vec![s.action.clone(), s.runs.to_string(), stat(&s.lost, ""), outage, recovery];
        if with_cluster {
            row.push(s.cluster.as_ref().map_or(String::new(), |c| match (c.node_lost_runs, c.worst_margin_ms) {
                (0, Some(m)) if m < c.token_timeout_ms as f64 => format!("survives (worst margin {m:.0} ms)"),
                // No outage at all: a margin equal to the whole token timeout says nothing.
                (0, _) => "survives".into(),
                (n, _) => format!("NODE LOST in {n}/{}", s.runs),
            }));
        }
        let mut flags = Vec::new();
        if s.spread_large {
            flags.push("± large spread".to_string());
        }
        if s.starved_runs > 0 {
            flags.push(format!("starved in {}/{}: times not valid", s.starved_runs, s.runs));
        }
        row.push(flags.join("; "));
        rows.push(row);
    }
    let mut out = align(&rows);
    out.push_str(&format!(
        "median [min–max] over runs; ± marks a step whose outage or recovery spread exceeds both {:.0} ms and half its median\n",
        crate::repeat::SPREAD_ABS_MS
    ));
    out
}

/// Per step, the events of one run: the only run, or the one with the longest outage there.
fn events_section(r: &LabResult) -> String {
    let mut out = String::from(
        "\nwhat the kernel did (ms after each step's action; ~ marks a time known to one poll interval):\n",
    );
    let Some(first) = r.runs.first() else { return String::new() };
    for (i, s0) in first.steps.iter().enumerate() {
        let (run_no, step) = r
            .runs
            .iter()
            .enumerate()
            .map(|(k, run)| (k, &run.steps[i]))
            .max_by(|a, b| a.1.outage_ms.total_cmp(&b.1.outage_ms))
            .unwrap_or((0, s0));
        let whose = if r.runs.len() > 1 { format!(" (run {}, the longest outage)", run_no + 1) } else { String::new() };
        out.push_str(&format!("  {} at {:.1} s{whose}:\n", step.action, step.at_ms / 1000.0));
        out.push_str(&event_lines(&step.events, "    "));
    }
    out
}

/// Events as lines, the major ones kept when there are too many.
pub fn event_lines(events: &[StepEvent], indent: &str) -> String {
    if events.is_empty() {
        return format!("{indent}(no bond or port changes)\n");
    }
    let keep: Vec<&StepEvent> = if events.len() <= EVENTS_PER_STEP {
        events.iter().collect()
    } else {
        let major = events.iter().filter(|e| e.event.is_major()).count();
        let mut minor_room = EVENTS_PER_STEP.saturating_sub(major);
        events
            .iter()
            .filter(|e| {
                e.event.is_major()
                    || (minor_room > 0 && {
                        minor_room -= 1;
                        true
                    })
            })
            .take(EVENTS_PER_STEP)
            .collect()
    };
    let mut out = String::new();
    for e in &keep {
        let t = format!("{}+{:.0} ms", if e.event.polled { "~" } else { " " }, e.after_ms);
        out.push_str(&format!("{indent}{t:>10}  {}\n", e.event.describe()));
    }
    if keep.len() < events.len() {
        out.push_str(&format!("{indent}({} more in the JSON report)\n", events.len() - keep.len()));
    }
    out
}

fn align(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..cols).map(|c| rows.iter().map(|r| r.get(c).map_or(0, |x| x.chars().count())).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row.iter().enumerate().map(|(c, x)| format!("{x:<w$}", w = widths[c])).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
