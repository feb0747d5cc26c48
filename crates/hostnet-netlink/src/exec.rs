//! Applying a plan: every operation that can run does, dependants of a failure are skipped,
//! the result is verified against a fresh observation, and failures are rolled back.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::borrow::Cow;
use std::time::Duration;

use hostnet_core::plan::{BridgeHold, Op, Plan, render_text};
use hostnet_core::{Config, State, plan};
use serde::{Deserialize, Serialize};

use crate::conn::Netlink;
use crate::error::{Error, OpError};
use crate::journal::{Journal, StateDir, undo_of};
use crate::write::{Env, read_resolv_conf};

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
    pub bridge_hold: Option<crate::startup::Held>,
    pub rollback: Vec<StepReport>,
    /// What undoes the applied steps, newest first (kept for `apply --try`).
    #[serde(skip)]
    pub undo: Vec<Op>,
    /// Link names seen by the last observation (verification), for reporting what was left
    /// alone without another dump.
    #[serde(skip)]
    pub links_seen: Vec<String>,
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

#[derive(Debug, Clone)]
pub struct Options {
    pub rollback: bool,
    /// At boot a missing NIC is reported, never a reason to undo the rest.
    pub tolerate_missing: bool,
    pub verify_attempts: u32,
    pub settle: Duration,
    /// Test hook: make the n-th operation (1-based) fail, to exercise rollback on a real kernel.
    pub fail_at: Option<usize>,
    /// Test hook: hang after the n-th operation, so a test can kill the apply midway.
    pub stall_after: Option<usize>,
    /// Bridges are held for the start-up behind their ports when bringing the links up took
    /// this long ([`crate::startup::HOLD_AFTER_UPS`]; tests lower it).
    pub hold_after_ups: Duration,
    /// Only operations on these devices run and are verified (the daemon acts on the links its
    /// state machine chose; drift it only reports stays as it is). `None`: everything.
    pub scope: Option<HashSet<String>>,
    /// The part of the config to plan and verify, when the caller knows the host matches the
    /// rest (the daemon; see `hostnet_core::plan::scope`). `None`: all of it.
    pub part: Option<Config>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            rollback: true,
            tolerate_missing: false,
            verify_attempts: 20,
            settle: Duration::from_millis(100),
            fail_at: None,
            stall_after: None,
            hold_after_ups: crate::startup::HOLD_AFTER_UPS,
            scope: None,
            part: None,
        }
    }
}

/// Where execution spent its time, per kind of operation: the first thing to read when an apply
/// is slow (`HOSTNET_LOG=hostnet_netlink=debug`).
#[derive(Default)]
struct OpTiming(std::collections::BTreeMap<&'static str, (u32, Duration, Duration)>);

impl OpTiming {
    fn add(&mut self, op: &Op, d: Duration) {
        let e = self.0.entry(op.kind_name()).or_default();
        e.0 += 1;
        e.1 += d;
        e.2 = e.2.max(d);
    }

    /// The time spent on operations of one kind so far.
    fn total(&self, kind: &str) -> Duration {
        self.0.get(kind).map_or(Duration::ZERO, |e| e.1)
    }

    fn log(&self) {
        for (kind, (n, total, max)) in &self.0 {
            tracing::debug!("{kind}: {n} in {total:?} (mean {:?}, max {max:?})", *total / *n);
        }
    }
}

/// Where an apply learns the host's state, before planning and while verifying: a fresh dump
/// for one-shot commands, the daemon's mirror (kept current by notifications) for the daemon.
#[allow(async_fn_in_trait)]
pub trait StateSource {
    /// The host's links, addresses and routes in the config schema (DNS is added by the caller).
    /// Borrowed where the source keeps it (the daemon's mirror): a copy of thousands of links
    /// per observation is made only by a caller that must change it.
    async fn observe(&mut self, nl: &Netlink) -> Result<Cow<'_, State>, Error>;

    /// `op` was carried out; a source that keeps a picture of the host learns here of changes
    /// the kernel announces to nobody (sysctl writes).
    fn touched(&mut self, _op: &Op) {}
}

/// One dump per object type, every time.
pub struct Dump;

impl StateSource for Dump {
    async fn observe(&mut self, nl: &Netlink) -> Result<Cow<'_, State>, Error> {
        Ok(Cow::Owned(nl.observe().await?.state))
    }
}

impl Netlink {
    /// The host's current state, including DNS when the config manages it.
    pub async fn current(&self, desired: &Config, env: &Env) -> Result<State, Error> {
        Ok(self.current_from(&mut Dump, desired, env).await?.into_owned())
    }

    pub async fn current_from<'s>(
        &self,
        src: &'s mut impl StateSource,
        desired: &Config,
        env: &Env,
    ) -> Result<Cow<'s, State>, Error> {
        let mut state = src.observe(self).await?;
        if desired.dns.is_some() {
            state.to_mut().dns = read_resolv_conf(&env.resolv_conf);
        }
        // NIC features are read only where the config sets some: one request per link.
        let wanted: Vec<String> = desired
            .interfaces
            .iter()
            .filter(|i| i.ethtool.is_some() && state.get(&i.name).is_some())
            .map(|i| i.name.clone())
            .collect();
        if desired.interfaces.iter().any(|i| matches!(i.kind, hostnet_core::model::Kind::Wireguard(_))) {
            crate::wireguard::fill(state.to_mut(), desired, &env.key_dir)
                .await
                .map_err(|e| Error::Other(e.to_string()))?;
        }
        if !wanted.is_empty() {
            let read = crate::ethtool::read(&wanted).await.map_err(|e| Error::Other(e.to_string()))?;
            for l in &mut state.to_mut().links {
                if let Some(e) = read.get(&l.iface.name) {
                    l.iface.ethtool = Some(e.clone());
                }
            }
        }
        Ok(state)
    }

    pub async fn plan_for(&self, desired: &Config, env: &Env) -> Result<Plan, Error> {
        Ok(plan(desired, &self.current(desired, env).await?))
    }

    /// Applies `desired`, observing the host by dumps. The caller holds the state directory's lock.
    pub async fn apply(&self, desired: &Config, env: &Env, dir: &StateDir, opts: &Options) -> Result<Report, Error> {
        self.apply_from(&mut Dump, desired, env, dir, opts).await
    }

    /// Applies `desired`, observing the host through `src`.
    pub async fn apply_from(
        &self,
        src: &mut impl StateSource,
        desired: &Config,
        env: &Env,
        dir: &StateDir,
        opts: &Options,
    ) -> Result<Report, Error> {
        let t0 = std::time::Instant::now();
        let desired = opts.part.as_ref().unwrap_or(desired);
        let current = self.current_from(src, desired, env).await?;
        let mut p = plan(desired, &current);
        if let Some(scope) = &opts.scope {
            p.steps.retain(|s| scope.contains(s.op.subject()));
        }
        let hold = hostnet_core::plan::bridge_hold(desired, &current, &p);
        // It borrows `src`, which verification observes through again.
        drop(current);
        tracing::debug!("plan:\n{}", render_text(&p));
        tracing::info!("observed and planned {} operations in {:?}", p.steps.len(), t0.elapsed());
        let mut report = Report::default();
        if p.is_empty() {
            report.verified = true;
            return Ok(report);
        }
        let mut journal = dir.begin(&p.steps)?;
        let t1 = std::time::Instant::now();
        let (done, broken) = self.execute(&p, hold.as_ref(), env, opts, &mut journal, &mut report).await?;
        for &i in &done {
            src.touched(&p.steps[i].op);
        }
        tracing::info!("executed in {:?}", t1.elapsed());
        let t2 = std::time::Instant::now();
        // Failures that do not call the result into question: none, or at boot only missing NICs.
        let tolerable = report.failed().next().is_none() || (opts.tolerate_missing && report.only_missing_nics());
        if tolerable {
            self.verify(src, desired, env, opts, &broken, &mut report).await?;
        }
        tracing::info!("verified ({}) in {:?}", report.verified, t2.elapsed());
        report.undo = undo_of(&p.steps, &done);
        if opts.rollback && (!tolerable || !report.verified) {
            for op in report.undo.clone() {
                let outcome = match self.run(&op, env).await {
                    Ok(()) => {
                        src.touched(&op);
                        Outcome::Applied
                    }
                    Err(error) => Outcome::Failed { error },
                };
                report.rollback.push(StepReport { op, outcome });
            }
        }
        journal.finish()?;
        Ok(report)
    }

    /// Runs steps in order. A failed step breaks its subject; a step that needs a broken device
    /// is skipped and breaks its own subject in turn, so whole dependent subtrees stop while
    /// independent ones carry on.
    async fn execute(
        &self,
        p: &Plan,
        hold: Option<&BridgeHold>,
        env: &Env,
        opts: &Options,
        journal: &mut Journal,
        report: &mut Report,
    ) -> Result<(Vec<usize>, HashSet<String>), Error> {
        // Broken device → the device whose failure broke it, for the skip messages.
        let mut broken: HashMap<String, String> = HashMap::default();
        let mut done = Vec::new();
        let mut timing = OpTiming::default();
        for (i, step) in p.steps.iter().enumerate() {
            if let Some(h) = hold.filter(|h| h.at == i && timing.total("set_up") >= opts.hold_after_ups) {
                // The hold only spares the kernel work: if the addresses cannot be read, the
                // bridges come up now and the apply goes on.
                match self.await_startup(&h.behind, crate::startup::MAX_HOLD).await {
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
            let result = if opts.fail_at == Some(i + 1) {
                Err(OpError::new(libc::EIO, "injected failure (test hook)"))
            } else {
                let t = std::time::Instant::now();
                let r = self.run(&step.op, env).await;
                timing.add(&step.op, t.elapsed());
                r
            };
            let outcome = match result {
                Ok(()) => {
                    journal.done(i)?;
                    done.push(i);
                    Outcome::Applied
                }
                Err(error) => {
                    tracing::debug!("{:?} failed: {error}", step.op);
                    let cause = step.op.subject().to_string();
                    broken.extend(step.op.breaks().into_iter().map(|b| (b.to_string(), cause.clone())));
                    Outcome::Failed { error }
                }
            };
            report.steps.push(StepReport { op: step.op.clone(), outcome });
            if opts.stall_after == Some(i + 1) {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        }
        timing.log();
        Ok((done, broken.into_keys().collect()))
    }

    /// Re-plans against a fresh observation until nothing is left to do, allowing the kernel a
    /// moment to settle (bonds adopt MACs and carrier asynchronously). Devices that failed are
    /// left out: their drift is already reported as failures.
    async fn verify(
        &self,
        src: &mut impl StateSource,
        desired: &Config,
        env: &Env,
        opts: &Options,
        broken: &HashSet<String>,
        report: &mut Report,
    ) -> Result<(), Error> {
        for attempt in 0..opts.verify_attempts.max(1) {
            let current = self.current_from(src, desired, env).await?;
            report.links_seen = current.links.iter().map(|l| l.iface.name.clone()).collect();
            let left: Vec<Op> = hostnet_core::plan(desired, &current)
                .steps
                .into_iter()
                .map(|s| s.op)
                .filter(|o| !matches!(o, Op::Missing { .. }) && !o.needs().iter().any(|n| broken.contains(*n)))
                .filter(|o| opts.scope.as_ref().is_none_or(|s| s.contains(o.subject())))
                .collect();
            if left.is_empty() {
                report.verified = true;
                report.drift.clear();
                return Ok(());
            }
            report.drift = left;
            if attempt + 1 < opts.verify_attempts {
                tokio::time::sleep(opts.settle).await;
            }
        }
        Ok(())
    }

    /// Runs undo operations (recovery and `--try` reverts), continuing past failures.
    pub async fn run_all(&self, ops: &[Op], env: &Env) -> Vec<StepReport> {
        let mut out = Vec::new();
        for op in ops {
            let outcome = match self.run(op, env).await {
                Ok(()) => Outcome::Applied,
                Err(error) => Outcome::Failed { error },
            };
            out.push(StepReport { op: op.clone(), outcome });
        }
        out
    }
}
