//! What every front end (the CLI, the daemon, the Ansible module through the CLI) does around
//! an apply: take the lock, finish an apply that was killed midway, refuse while a trial is
//! pending, apply, say what was left alone; and trials: record one, confirm it, revert it.

use rustc_hash::FxHashSet as HashSet;
use std::time::{SystemTime, UNIX_EPOCH};

use hostnet_core::Config;
use hostnet_core::model::Kind;
use hostnet_core::plan::{Op, op_line};
use serde::{Deserialize, Serialize};

use crate::conn::Netlink;
use crate::exec::{Options, Outcome, Report, StateSource, StepReport};
use crate::journal::{Pending, StateDir};
use crate::write::Env;

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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    pub id: String,
    pub seconds: u64,
}

/// Why an apply did not run at all.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("a trial apply is pending (it reverts in {0}s); run `hostnet confirm` or wait for it")]
    TrialPending(u64),
    #[error("cannot take the lock in {0}: {1}")]
    Lock(String, std::io::Error),
    #[error("reading the journal: {0}")]
    Journal(std::io::Error),
    #[error("{0}")]
    Backend(#[from] crate::Error),
}

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Applies `config` under the lock, after recovering from any interrupted apply; a pending
/// trial refuses the apply. With `trial_secs`, a successful apply that changed something is
/// recorded as a trial (still under the lock); the caller arranges its revert.
pub async fn apply(
    nl: &Netlink,
    src: &mut impl StateSource,
    env: &Env,
    dir: &StateDir,
    config: &Config,
    opts: &Options,
    trial_secs: Option<u64>,
) -> Result<(Applied, Option<Pending>), Refused> {
    let _lock = dir.lock().map_err(|e| Refused::Lock(dir.dir.display().to_string(), e))?;
    recover(nl, env, dir).await?;
    if let Some(p) = dir.pending().map_err(Refused::Journal)? {
        return Err(Refused::TrialPending(p.deadline.saturating_sub(now())));
    }
    let report = nl.apply_from(src, config, env, dir, opts).await?;
    let declared = declared_names(config);
    let undeclared = |n: &String| !declared.contains(n.as_str()) && n != "lo";
    let left_alone = if report.links_seen.is_empty() {
        nl.link_names().await.map_err(crate::Error::Netlink)?.into_iter().filter(undeclared).collect()
    } else {
        report.links_seen.iter().filter(|n| undeclared(n)).cloned().collect()
    };
    let mut applied = Applied { report, left_alone, trial: None };
    let mut pending = None;
    if let Some(secs) = trial_secs
        && applied.succeeded(opts.tolerate_missing)
        && !applied.report.undo.is_empty()
    {
        let p = begin_trial(dir, applied.report.undo.clone(), secs).map_err(Refused::Journal)?;
        applied.trial = Some(Trial { id: p.id.clone(), seconds: secs });
        pending = Some(p);
    }
    Ok((applied, pending))
}

/// Finishes an apply that was killed midway, by rolling back what it completed. Returns what
/// it did, for the caller to tell.
pub async fn recover(nl: &Netlink, env: &Env, dir: &StateDir) -> Result<Option<Recovered>, Refused> {
    let Some(u) = dir.unfinished().map_err(Refused::Journal)? else { return Ok(None) };
    let undo = u.undo();
    let rollback = nl.run_all(&undo, env).await;
    dir.discard_journal().map_err(Refused::Journal)?;
    let r = Recovered { pid: u.pid, done: u.done.len(), of: u.steps.len(), rollback };
    tracing::warn!("{}", r.describe());
    Ok(Some(r))
}

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

/// Records a trial of `undo` that reverts after `secs` unless confirmed. The caller holds the
/// lock and arranges the revert (the CLI starts a reverter process, the daemon a timer).
fn begin_trial(dir: &StateDir, undo: Vec<Op>, secs: u64) -> std::io::Result<Pending> {
    let id = format!(
        "{}-{}",
        std::process::id(),
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    );
    let pending = Pending { id, deadline: now() + secs, undo, reverter_pid: None };
    dir.set_pending(&pending)?;
    Ok(pending)
}

/// Keeps a pending trial: forgets its undo and stops its reverter. `false` if none was pending.
pub fn confirm(dir: &StateDir) -> std::io::Result<bool> {
    let _lock = dir.lock()?;
    let Some(p) = dir.pending()? else { return Ok(false) };
    dir.clear_pending()?;
    if let Some(pid) = p.reverter_pid {
        // SAFETY: signalling a pid we started; if it already exited, kill fails harmlessly.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
    }
    Ok(true)
}

/// Reverts trial `id` if it is still the pending one (not confirmed, not replaced).
pub async fn revert(nl: &Netlink, env: &Env, dir: &StateDir, id: &str) -> std::io::Result<Option<Vec<StepReport>>> {
    let _lock = dir.lock()?;
    match dir.pending()? {
        Some(p) if p.id == id => {
            let results = nl.run_all(&p.undo, env).await;
            dir.clear_pending()?;
            Ok(Some(results))
        }
        _ => Ok(None),
    }
}

/// Every link name the config declares, veth peers included: a set, since every link on the
/// host is looked up in it (a scan per link was quadratic: 8000 links x 12000 declarations).
pub fn declared_names(config: &Config) -> HashSet<&str> {
    let mut names = HashSet::with_capacity_and_hasher(config.interfaces.len(), Default::default());
    for i in &config.interfaces {
        names.insert(i.name.as_str());
        if let Kind::Veth(v) = &i.kind {
            names.insert(v.peer.as_str());
        }
    }
    names
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
        for s in &r.rollback {
            let _ = match &s.outcome {
                Outcome::Failed { error } => writeln!(out, "  FAILED   {}: {error}", op_line(&s.op)),
                _ => writeln!(out, "  undone   {}", op_line(&s.op)),
            };
        }
    }
    if !a.left_alone.is_empty() {
        let _ = writeln!(out, "left alone (not in the file): {}", a.left_alone.join(", "));
    }
    out
}
