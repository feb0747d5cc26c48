//! The transaction: take the lock, finish an apply that was killed midway, refuse while a trial
//! is pending, plan, run every operation that can run (dependants of a failure are skipped),
//! verify against a fresh observation, roll back on failure, say what was left alone; and
//! trials: record one, confirm it, revert it.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use hostnet_core::model::Kind;
use hostnet_core::plan::{BridgeHold, Op, Owned, Plan, plan_pruning, render_text};
use hostnet_core::{Config, State, plan};
use serde::{Deserialize, Serialize};

use crate::host::{Host, HostError, MAX_HOLD};
use crate::options::{LockMode, Options};
use crate::process::Reverter;
use crate::report::{Applied, Outcome, Recovered, Report, StepReport, Trial};
use crate::store::{Journal, Pending, Reverted, Store, undo_of};
use crate::timing::OpTiming;

/// Why an apply did not run at all.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error(
        "a trial apply is pending (it reverts in {0} s): run `hostnet confirm` to keep it or \
         `hostnet rollback` to revert it now, then apply again"
    )]
    TrialPending(u64),
    #[error("cannot take the lock in {0}: {1}")]
    Lock(String, std::io::Error),
    #[error("reading the journal: {0}")]
    Journal(std::io::Error),
    #[error(
        "the journal in {at} is unreadable ({why}): what the apply that wrote it changed cannot be \
         undone from it. Check the host (`hostnet plan --live FILE`), then run `hostnet recover --discard`"
    )]
    CorruptJournal { at: String, why: String },
    #[error("{0}")]
    Host(#[from] HostError),
}

/// How long past its deadline a trial may stay pending before the next transaction reverts it
/// itself: the reverter checks once a second and takes the lock to revert.
pub const OVERDUE_AFTER_SECS: u64 = 5;

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The one way to change a host: every front end drives this.
pub struct Engine<H, S> {
    pub host: H,
    pub store: S,
}

/// Proof that the lock is held (and any interrupted apply recovered): the operations that
/// change the host take one. It borrows nothing, so a caller (the daemon) may hold it across
/// engines made over different borrows of its own fields.
pub struct Session<L> {
    _lock: L,
    /// What recovery did when the session began, for the caller to tell.
    pub recovered: Option<Recovered>,
}

impl<H: Host, S: Store> Engine<H, S> {
    pub fn new(host: H, store: S) -> Self {
        Engine { host, store }
    }

    /// Takes the lock and finishes any apply that was killed midway. `None` when `mode` is
    /// [`LockMode::Try`] and another hostnet holds the lock.
    pub async fn begin(&mut self, mode: LockMode) -> Result<Option<Session<S::Lock>>, Refused> {
        let at = || self.store.location();
        let lock = match mode {
            LockMode::Wait => self.store.lock().map_err(|e| Refused::Lock(at(), e))?,
            LockMode::Try => match self.store.try_lock().map_err(|e| Refused::Lock(at(), e))? {
                Some(l) => l,
                None => return Ok(None),
            },
        };
        let recovered = recover_locked(&mut self.host, &self.store).await?;
        // A trial past its deadline whose reverter did not revert it (killed, or the host
        // slept): reverted now, by whoever comes next, so that it is never left stuck and never
        // silently kept.
        if let Some(p) = self.store.pending().map_err(Refused::Journal)?
            && now() > p.deadline + OVERDUE_AFTER_SECS
        {
            let why = format!("its deadline passed {} s ago and its reverter had not reverted it", now() - p.deadline);
            self.revert_locked(p, &why).await.map_err(Refused::Journal)?;
        }
        Ok(Some(Session { _lock: lock, recovered }))
    }

    /// Applies `config` under the lock (waiting for it), after recovering from any interrupted
    /// apply; a pending trial refuses the apply. With `trial_secs`, a successful apply that
    /// changed something is recorded as a trial (still under the lock); the caller arranges
    /// its revert.
    pub async fn apply(
        &mut self,
        config: &Config,
        opts: &Options,
        trial_secs: Option<u64>,
    ) -> Result<(Applied, Option<Pending>), Refused> {
        let session = self.begin(LockMode::Wait).await?.expect("a waiting lock is always taken");
        let report = self.apply_locked(&session, config, opts).await?;
        let declared = declared_names(config);
        let undeclared = |n: &String| !declared.contains(n.as_str()) && n != "lo";
        let left_alone = if report.links_seen.is_empty() {
            self.host.link_names().await?.into_iter().filter(undeclared).collect()
        } else {
            report.links_seen.iter().map(|(n, _)| n).filter(|n| undeclared(n)).cloned().collect()
        };
        if report.verified && !report.links_seen.is_empty() {
            let before = self.store.owned().map_err(Refused::Journal)?;
            let owned = owned_after(&before, &declared, &report.links_seen);
            // Written only when it changed: most applies (every daemon repair) own what they did.
            if owned != before {
                self.store.set_owned(&owned).map_err(Refused::Journal)?;
            }
        }
        let mut applied = Applied { report, left_alone, trial: None };
        let mut pending = None;
        if let Some(secs) = trial_secs
            && applied.succeeded(opts.tolerate_missing)
            && !applied.report.undo.is_empty()
        {
            let p = begin_trial(&self.store, applied.report.undo.clone(), secs).map_err(Refused::Journal)?;
            applied.trial = Some(Trial { id: p.id.clone(), seconds: secs });
            pending = Some(p);
        }
        Ok((applied, pending))
    }

    /// Finishes an apply that was killed midway, by rolling back what it completed.
    pub async fn recover(&mut self) -> Result<Option<Recovered>, Refused> {
        Ok(self.begin(LockMode::Wait).await?.and_then(|t| t.recovered))
    }

    /// Removes a journal that cannot be read (see [`Refused::CorruptJournal`]), under the lock;
    /// `false` when there was none.
    pub fn discard_journal(&self) -> Result<bool, Refused> {
        let at = || self.store.location();
        let _lock = self.store.lock().map_err(|e| Refused::Lock(at(), e))?;
        let there = !matches!(self.store.unfinished(), Ok(None));
        self.store.discard_journal().map_err(Refused::Journal)?;
        Ok(there)
    }

    /// Keeps a pending trial; see [`confirm`].
    pub fn confirm(&self) -> std::io::Result<Confirmed> {
        confirm(&self.store)
    }

    /// What `hostnet confirm` does: keeps a pending trial, and one past its deadline (its
    /// reverter dead or late) it reverts instead, answering [`Confirmed::Reverted`]: never
    /// [`Confirmed::Overdue`].
    pub async fn confirm_or_revert(&mut self) -> std::io::Result<Confirmed> {
        match confirm(&self.store)? {
            Confirmed::Overdue { .. } => {
                self.rollback_because("confirmed after its deadline, which its reverter had missed").await?;
                Ok(self.store.reverted()?.map_or(Confirmed::NothingPending, Confirmed::Reverted))
            }
            found => Ok(found),
        }
    }

    /// Reverts trial `id` at its deadline, if it is still the pending one (not confirmed, not
    /// replaced).
    pub async fn revert(&mut self, id: &str) -> std::io::Result<Option<Vec<StepReport>>> {
        let _lock = self.store.lock()?;
        match self.store.pending()? {
            Some(p) if p.id == id => Ok(Some(self.revert_locked(p, "its deadline passed unconfirmed").await?)),
            _ => Ok(None),
        }
    }

    /// Reverts the pending trial now (`hostnet rollback`), whoever started it; `None` if none
    /// is pending.
    pub async fn rollback(&mut self) -> std::io::Result<Option<(Pending, Vec<StepReport>)>> {
        self.rollback_because("`hostnet rollback` asked").await
    }

    /// Reverts the pending trial now, recording `why`.
    pub async fn rollback_because(&mut self, why: &str) -> std::io::Result<Option<(Pending, Vec<StepReport>)>> {
        let _lock = self.store.lock()?;
        match self.store.pending()? {
            Some(p) => Ok(Some((p.clone(), self.revert_locked(p, why).await?))),
            None => Ok(None),
        }
    }

    async fn revert_locked(&mut self, p: Pending, why: &str) -> std::io::Result<Vec<StepReport>> {
        let results = run_all(&mut self.host, &p.undo).await;
        self.store.clear_pending()?;
        let failed = results.iter().filter(|s| s.outcome != Outcome::Applied).count();
        let r = Reverted { id: p.id, at: now(), why: why.to_string(), operations: results.len(), failed };
        tracing::warn!(
            "trial {} reverted ({why}): {} operations{}",
            r.id,
            r.operations,
            if failed > 0 { format!(", {failed} failed") } else { String::new() }
        );
        self.store.set_reverted(Some(&r))?;
        Ok(results)
    }
}

/// What `confirm` found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Confirmed {
    /// The pending trial's changes are kept.
    Kept,
    /// No trial was pending, and none was reverted since the last one ended.
    NothingPending,
    /// Too late: the trial was reverted.
    Reverted(Reverted),
    /// Too late: the trial's deadline passed (its reverter is dead or late). It is not kept;
    /// the caller reverts it (`Engine::rollback`).
    Overdue { id: String, deadline: u64 },
}

/// Keeps a pending trial: forgets its undo and stops its reverter. It needs no host: nothing
/// on the host changes.
pub fn confirm(store: &impl Store) -> std::io::Result<Confirmed> {
    let _lock = store.lock()?;
    let Some(p) = store.pending()? else {
        return Ok(match store.reverted()? {
            Some(r) => Confirmed::Reverted(r),
            None => Confirmed::NothingPending,
        });
    };
    if now() > p.deadline {
        return Ok(Confirmed::Overdue { id: p.id, deadline: p.deadline });
    }
    store.clear_pending()?;
    store.set_reverted(None)?;
    if let Some(r) = p.reverter {
        r.stop();
    }
    Ok(Confirmed::Kept)
}

/// A pending trial whose reverter is gone (killed, or never handed over to) gets a new one:
/// `start` starts it (or names the caller, when the caller will revert it itself) and it is
/// recorded, all under the lock, so two commands that notice at once do not both take it over.
/// Returns the trial taken over; `None` when there is no trial, its reverter is alive, or
/// another hostnet holds the lock (it never waits: the daemon calls it from its main loop).
pub fn adopt_orphan(
    store: &impl Store,
    start: impl FnOnce(&Pending) -> std::io::Result<Reverter>,
) -> std::io::Result<Option<Pending>> {
    if !store.pending()?.is_some_and(|p| p.orphaned()) {
        return Ok(None);
    }
    let Some(_lock) = store.try_lock()? else { return Ok(None) };
    match store.pending()? {
        Some(mut p) if p.orphaned() => {
            let was = p.reverter;
            p.reverter = Some(start(&p)?);
            store.set_pending(&p)?;
            tracing::warn!(
                "trial {}: its reverter{} is gone; process {} now reverts it at its deadline, in {} s, unless it is confirmed",
                p.id,
                was.map(|r| format!(" (pid {})", r.pid)).unwrap_or_default(),
                p.reverter.map_or(0, |r| r.pid),
                p.deadline.saturating_sub(now())
            );
            Ok(Some(p))
        }
        _ => Ok(None),
    }
}

/// Interfaces of `part` that are ports of a master `whole` does not declare (a bridge dropped
/// from the file and kept by `prune: none`, or one someone else made), as the releases that
/// would make the host match: the file says they are no ports, and the plan does not take a
/// port from a master it does not know.
fn stray_ports(part: &Config, whole: &Config, current: &State) -> Vec<Op> {
    let mut in_part: Option<HashSet<&str>> = None;
    let mut declared: Option<HashSet<&str>> = None;
    let mut out = Vec::new();
    for l in &current.links {
        let Some(master) = l.master.as_deref() else { continue };
        let in_part = in_part.get_or_insert_with(|| part.interfaces.iter().map(|i| i.name.as_str()).collect());
        if !in_part.contains(l.iface.name.as_str()) {
            continue;
        }
        if !declared.get_or_insert_with(|| declared_names(whole)).contains(master) {
            out.push(Op::Release { port: l.iface.name.clone(), master: master.to_string() });
        }
    }
    out
}

/// The links hostnet owns that `config` does not declare: what a plan of it prunes.
fn dropped(owned: &Owned, config: &Config) -> Owned {
    let declared = declared_names(config);
    owned.iter().filter(|(n, _)| !declared.contains(n.as_str())).map(|(n, i)| (n.clone(), *i)).collect()
}

/// What hostnet owns after a verified apply of a config declaring `declared`, on a host whose
/// links are `seen`: every declared link there, and what it owned before and still finds as it
/// was (a dropped link that `prune: none` left, or one it could not remove).
fn owned_after(before: &Owned, declared: &HashSet<&str>, seen: &[(String, u32)]) -> Owned {
    let mut owned = Owned::new();
    for (name, index) in seen {
        if declared.contains(name.as_str()) || before.get(name) == Some(index) {
            owned.insert(name.clone(), *index);
        }
    }
    owned
}

/// Records `reverter` as the process that reverts trial `id`, if that trial is still pending.
pub fn record_reverter(store: &impl Store, id: &str, reverter: Reverter) -> std::io::Result<bool> {
    let _lock = store.lock()?;
    match store.pending()? {
        Some(mut p) if p.id == id => {
            p.reverter = Some(reverter);
            store.set_pending(&p)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

impl<H: Host, S: Store> Engine<H, S> {
    /// The pending trial, if any.
    pub fn pending(&self) -> Result<Option<Pending>, Refused> {
        self.store.pending().map_err(Refused::Journal)
    }

    /// The host as the planner needs it for `desired`.
    pub async fn observe(&mut self, desired: &Config) -> Result<Cow<'_, State>, Refused> {
        Ok(self.host.observe(desired).await?)
    }

    /// Observes, plans and applies `desired` (or `opts.part` of it) within `session`.
    pub async fn apply_locked(
        &mut self,
        _session: &Session<S::Lock>,
        desired: &Config,
        opts: &Options,
    ) -> Result<Report, Refused> {
        self.refuse_if_pending(opts)?;
        let t0 = std::time::Instant::now();
        // What the whole config no longer declares, even when only a part of it is planned.
        let dropped = dropped(&self.store.owned().map_err(Refused::Journal)?, desired);
        let whole = desired;
        let desired = opts.part.as_ref().unwrap_or(desired);
        let current = self.host.observe(desired).await?;
        let mut p = plan_pruning(desired, &current, &dropped);
        if let Some(scope) = &opts.scope {
            p.steps.retain(|s| scope.contains(s.op.subject()));
        }
        let hold = hostnet_core::plan::bridge_hold(desired, &current, &p);
        // With nothing to do there is no verification to find a stray port: looked for here.
        let (seen, strays) = if p.is_empty() {
            let seen: Vec<(String, u32)> = current.links.iter().map(|l| (l.iface.name.clone(), l.index)).collect();
            (Some(seen), stray_ports(desired, whole, &current))
        } else {
            (None, Vec::new())
        };
        // It borrows the host, which execution and verification use again.
        drop(current);
        tracing::info!("observed and planned {} operations in {:?}", p.steps.len(), t0.elapsed());
        let mut report = self.execute_and_verify(whole, p, hold, opts).await?;
        if let Some(seen) = seen {
            report.links_seen = seen;
        }
        if !strays.is_empty() {
            report.verified = false;
            report.drift = strays;
        }
        Ok(report)
    }

    /// What [`Engine::apply`] would do now: `desired` planned against the host, pruning included.
    pub async fn plan(&mut self, desired: &Config) -> Result<Plan, Refused> {
        let dropped = dropped(&self.store.owned().map_err(Refused::Journal)?, desired);
        let current = self.host.observe(desired).await?;
        Ok(plan_pruning(desired, &current, &dropped))
    }

    /// Applies a plan the caller made against `current` (the daemon's drift pass plans once,
    /// to decide which links to act on, and that plan is the one carried out). Only the
    /// operations in `opts.scope` run.
    pub async fn apply_plan(
        &mut self,
        _session: &Session<S::Lock>,
        desired: &Config,
        current: &State,
        mut p: Plan,
        opts: &Options,
    ) -> Result<Report, Refused> {
        self.refuse_if_pending(opts)?;
        if let Some(scope) = &opts.scope {
            p.steps.retain(|s| scope.contains(s.op.subject()));
        }
        let hold = hostnet_core::plan::bridge_hold(desired, current, &p);
        self.execute_and_verify(desired, p, hold, opts).await
    }

    fn refuse_if_pending(&self, opts: &Options) -> Result<(), Refused> {
        match self.pending()? {
            Some(p) if opts.own_trial.as_deref() != Some(p.id.as_str()) => {
                Err(Refused::TrialPending(p.deadline.saturating_sub(now())))
            }
            _ => Ok(()),
        }
    }

    async fn execute_and_verify(
        &mut self,
        desired: &Config,
        p: Plan,
        hold: Option<BridgeHold>,
        opts: &Options,
    ) -> Result<Report, Refused> {
        tracing::debug!("plan:\n{}", render_text(&p));
        let mut report = Report::default();
        if p.is_empty() {
            report.verified = true;
            return Ok(report);
        }
        let mut journal = self.store.begin(&p.steps).map_err(Refused::Journal)?;
        let t1 = std::time::Instant::now();
        let (done, broken) = execute(&mut self.host, &p, hold.as_ref(), opts, &mut journal, &mut report).await?;
        tracing::info!("executed in {:?}", t1.elapsed());
        let t2 = std::time::Instant::now();
        // Verified against the part the caller vouches for the rest of (the daemon's scope).
        let whole = desired;
        let desired = opts.part.as_ref().unwrap_or(desired);
        // Failures that do not call the result into question: none, or at boot only missing NICs.
        let tolerable = report.failed().next().is_none() || (opts.tolerate_missing && report.only_missing_nics());
        if tolerable {
            verify(&mut self.host, desired, whole, opts, &broken, &mut report).await?;
        }
        tracing::info!("verified ({}) in {:?}", report.verified, t2.elapsed());
        report.undo = undo_of(&p.steps, &done);
        if opts.rollback && (!tolerable || !report.verified) {
            report.rollback = run_all(&mut self.host, &report.undo).await;
        }
        journal.finish().map_err(Refused::Journal)?;
        Ok(report)
    }
}

async fn recover_locked<H: Host, S: Store>(host: &mut H, store: &S) -> Result<Option<Recovered>, Refused> {
    let u = match store.unfinished() {
        Ok(Some(u)) => u,
        Ok(None) => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            return Err(Refused::CorruptJournal { at: store.location(), why: e.to_string() });
        }
        Err(e) => return Err(Refused::Journal(e)),
    };
    let mut undo = Vec::new();
    // The step in flight may have happened. Its undo is harmless when it did not (removing what
    // is not there counts as done, setting a value back sets what is there), except a release's:
    // it takes the port down to put it back, so it runs only if the port was let go.
    if let Some(step) = u.in_flight.and_then(|i| u.steps.get(i)) {
        let happened = match &step.op {
            Op::Release { port, master } => {
                let state = host.observe(&Config::default()).await?;
                state.get(port).is_none_or(|l| l.master.as_deref() != Some(master.as_str()))
            }
            _ => true,
        };
        if happened {
            undo.extend(step.undo.iter().cloned());
        }
    }
    undo.extend(u.undo());
    let rollback = run_all(host, &undo).await;
    store.discard_journal().map_err(Refused::Journal)?;
    let r = Recovered { pid: u.pid, done: u.done.len(), of: u.steps.len(), rollback };
    tracing::warn!("{}", r.describe());
    Ok(Some(r))
}

/// Records a trial of `undo` that reverts after `secs` unless confirmed. The caller holds the
/// lock and arranges the revert (the CLI starts a reverter process, the daemon a timer).
fn begin_trial(store: &impl Store, undo: Vec<Op>, secs: u64) -> std::io::Result<Pending> {
    let id = format!(
        "{}-{}",
        std::process::id(),
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    );
    // The recording process guards the trial until it hands over to a reverter (or is one, as
    // the daemon is): a trial is never, even for a moment, without a live guardian on record.
    let pending = Pending { id, deadline: now() + secs, undo, reverter: Reverter::me() };
    store.set_pending(&pending)?;
    store.set_reverted(None)?;
    Ok(pending)
}

/// Runs steps in order. A failed step breaks its subject; a step that needs a broken device
/// is skipped and breaks its own subject in turn, so whole dependent subtrees stop while
/// independent ones carry on.
async fn execute<H: Host>(
    host: &mut H,
    p: &Plan,
    hold: Option<&BridgeHold>,
    opts: &Options,
    journal: &mut impl Journal,
    report: &mut Report,
) -> Result<(Vec<usize>, HashSet<String>), Refused> {
    // Broken device → the device whose failure broke it, for the skip messages.
    let mut broken: HashMap<String, String> = HashMap::default();
    let mut done = Vec::new();
    let mut timing = OpTiming::default();
    for (i, step) in p.steps.iter().enumerate() {
        if let Some(h) = hold.filter(|h| h.at == i && timing.total("set_up") >= opts.hold_after_ups) {
            // The hold only spares the kernel work: if the addresses cannot be read, the
            // bridges come up now and the apply goes on.
            match host.await_startup(&h.behind, MAX_HOLD).await {
                Ok(held) => {
                    tracing::info!("{held}");
                    report.bridge_hold = Some(held);
                }
                Err(e) => tracing::warn!("not holding the bridges: reading addresses failed: {e}"),
            }
        }
        if let Some(cause) = step.op.needs().into_iter().find_map(|n| broken.get(n)).cloned() {
            let because = format!("{cause} failed earlier");
            broken.extend(step.op.breaks().into_iter().map(|b| (b.to_string(), cause.clone())));
            report.steps.push(StepReport { op: step.op.clone(), outcome: Outcome::Skipped { because } });
            continue;
        }
        journal.started(i).map_err(Refused::Journal)?;
        let t = std::time::Instant::now();
        let result = host.run(&step.op).await;
        timing.add(&step.op, t.elapsed());
        let outcome = match result {
            Ok(()) => {
                journal.done(i).map_err(Refused::Journal)?;
                done.push(i);
                Outcome::Applied
            }
            Err(error) => {
                journal.failed(i).map_err(Refused::Journal)?;
                tracing::debug!("{:?} failed: {error}", step.op);
                let cause = step.op.subject().to_string();
                broken.extend(step.op.breaks().into_iter().map(|b| (b.to_string(), cause.clone())));
                Outcome::Failed { error }
            }
        };
        report.steps.push(StepReport { op: step.op.clone(), outcome });
    }
    timing.log();
    Ok((done, broken.into_keys().collect()))
}

/// Re-plans against a fresh observation until nothing is left to do, allowing the kernel a
/// moment to settle (bonds adopt MACs and carrier asynchronously). Devices that failed are
/// left out: their drift is already reported as failures.
async fn verify<H: Host>(
    host: &mut H,
    desired: &Config,
    whole: &Config,
    opts: &Options,
    broken: &HashSet<String>,
    report: &mut Report,
) -> Result<(), Refused> {
    for attempt in 0..opts.verify_attempts.max(1) {
        let current = host.observe(desired).await?;
        report.links_seen = current.links.iter().map(|l| (l.iface.name.clone(), l.index)).collect();
        let mut left: Vec<Op> = plan(desired, &current)
            .steps
            .into_iter()
            .map(|s| s.op)
            .filter(|o| !matches!(o, Op::Missing { .. }) && !o.needs().iter().any(|n| broken.contains(*n)))
            .filter(|o| opts.scope.as_ref().is_none_or(|s| s.contains(o.subject())))
            .collect();
        left.extend(stray_ports(desired, whole, &current));
        drop(current);
        if left.is_empty() {
            report.verified = true;
            report.drift.clear();
            return Ok(());
        }
        report.drift = left;
        if attempt + 1 < opts.verify_attempts {
            host.pause(opts.settle).await;
        }
    }
    Ok(())
}

/// Runs undo operations (rollback, recovery and trial reverts), continuing past failures.
/// An operation whose aim already holds counts as done ([`already_done`]): an earlier undo may
/// have taken an address along (a link taken down loses its IPv6 addresses and routes), and
/// recovery may undo an operation the killed apply never got to.
async fn run_all<H: Host>(host: &mut H, ops: &[Op]) -> Vec<StepReport> {
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        let outcome = match host.run(op).await {
            Ok(()) => Outcome::Applied,
            Err(error) if already_done(op, &error) => {
                tracing::debug!("{}: already so ({error})", hostnet_core::plan::op_line(op));
                Outcome::Applied
            }
            Err(error) => Outcome::Failed { error },
        };
        out.push(StepReport { op: op.clone(), outcome });
    }
    out
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

/// Whether `error` says that `op`'s aim already holds: what it removes is not there (EADDRNOTAVAIL
/// for an address, ESRCH for a route, ENOENT for a rule, ENODEV for a link to delete or
/// rename), or what it adds is (EEXIST). Undoing a step that an earlier undo made moot, or that a killed apply never got to,
/// meets these.
fn already_done(op: &Op, error: &hostnet_core::OpError) -> bool {
    use hostnet_core::op_error::errno;
    match op {
        Op::DelAddress { .. } => error.errno == errno::EADDRNOTAVAIL,
        Op::DelRoute { .. } => error.errno == errno::ESRCH,
        Op::DelRule { .. } => error.errno == errno::ENOENT,
        // Nothing by the old name to rename (or delete): the step it undoes never happened.
        Op::Delete { .. } | Op::Rename { .. } => error.errno == errno::ENODEV,
        Op::AddAddress { .. } | Op::AddRoute { .. } | Op::AddRule { .. } => error.errno == errno::EEXIST,
        _ => false,
    }
}
