//! One reconcile pass: plan the declared config against the mirror, step every declared link's
//! state machine with what the plan wants for it, and run the operations of the links the
//! machine says to act on, and only those. A link that matches has no operations, so it is
//! never touched.

use rustc_hash::FxHashSet as HashSet;
use std::time::{Duration, Instant};

use hostnet_core::model::Reconcile;
use hostnet_core::plan::{Plan, drift, op_line};
use hostnet_engine::{Engine, LockMode, Options, Outcome, Refused, Session};
use hostnet_netlink::NetlinkHost;
use hostnet_netlink::journal::Lock;

use crate::daemon::Daemon;
use crate::machine::{Action, Input, Phase, step};
use crate::owners::Owners;
use crate::source::MirrorSource;

/// First and longest wait before a failed link is tried again.
const BACKOFF_MIN: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(60);

/// What the daemon knows about one declared link between passes.
#[derive(Debug, Clone)]
pub struct LinkState {
    pub phase: Phase,
    /// How it differs from the config, in words, as last seen.
    pub drift: Vec<String>,
    pub backoff: Duration,
    pub retry_at: Option<Instant>,
    /// Repair stopped until then: something else keeps changing this link back.
    pub fighting_until: Option<Instant>,
}

impl Default for LinkState {
    fn default() -> Self {
        LinkState { phase: Phase::Pending, drift: vec![], backoff: BACKOFF_MIN, retry_at: None, fighting_until: None }
    }
}

/// Why a pass did not run to the end.
#[derive(Debug, thiserror::Error)]
pub enum PassError {
    #[error("{0}")]
    Netlink(#[from] hostnet_netlink::Error),
    #[error("state directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Refused(#[from] Refused),
}

impl Daemon {
    /// Runs one pass. Returns false when another hostnet holds the lock (the caller retries).
    pub async fn reconcile(&mut self) -> Result<bool, PassError> {
        let src = MirrorSource::new(&mut self.mirror, &mut self.monitor);
        let mut engine = Engine::new(NetlinkHost::new(&self.nl, &self.env, src), &self.dir);
        let Some(session) = engine.begin(LockMode::Try).await? else { return Ok(false) };
        // Owned: the pass records what changed (which needs the mirror) while it holds the state.
        let mut state = engine.observe(&self.desired).await?.into_owned();
        let changes = std::mem::take(&mut engine.host.src.changes);
        self.take_in(&changes);
        // After the clients are synced: starting one can bring back a stored lease, and with it
        // name servers. Leases change only the target's DNS, so the state read for the file's
        // config lacks at most resolv.conf.
        self.sync_dhcp(&state).await;
        let leased = crate::dhcp::leased_target(&self.desired, &self.dhcp);
        if state.dns.is_none() && leased.is_some() {
            state.dns = hostnet_netlink::write::read_resolv_conf(&self.env.resolv_conf);
        }
        let plan = hostnet_core::plan(leased.as_ref().unwrap_or(&self.desired), &state);
        let owners = Owners::of(leased.as_ref().unwrap_or(&self.desired));
        let mut wanted = owners.group(&plan);
        let now = Instant::now();
        let mut scope = HashSet::default();
        let mut acting = Vec::new();
        for name in Owners::declared(leased.as_ref().unwrap_or(&self.desired)) {
            let ops = wanted.remove(&name).unwrap_or_default();
            let input = if ops.iter().any(|o| matches!(o, hostnet_core::plan::Op::Missing { .. })) {
                Input::Missing
            } else if ops.is_empty() {
                Input::Matches
            } else {
                Input::Differs
            };
            let words = describe(&ops, &state);
            let ls = self.links.entry(name.clone()).or_default();
            let fighting = ls.fighting_until.is_some_and(|t| t > now);
            let mode = if fighting { Reconcile::ReportOnly } else { self.desired.reconcile };
            let (to, action) = step(ls.phase, input, mode);
            let h = self.history.of(&name);
            let act = match action {
                Action::Nothing => false,
                Action::Configure => {
                    h.note(format!("{name}: configuring ({})", words.join("; ")));
                    true
                }
                Action::Repair => {
                    h.drift_events += 1;
                    h.note(format!("{name}: drift: {}; repairing", words.join("; ")));
                    self.hooks.emit("drifted", &name, words.join("; "));
                    if h.repaired() {
                        h.note(format!(
                            "{name}: repaired more than {} times in {} s: something else keeps changing it; \
                             only reporting its drift for the next {} s",
                            crate::history::FIGHT_REPAIRS,
                            crate::history::FIGHT_WINDOW_SECS,
                            crate::history::FIGHT_WINDOW_SECS
                        ));
                        ls.fighting_until = Some(now + Duration::from_secs(crate::history::FIGHT_WINDOW_SECS));
                    }
                    true
                }
                Action::ReportDrift => {
                    if ls.drift != words {
                        h.drift_events += 1;
                        let why = if fighting { "repair paused" } else { "reconcile: report-only" };
                        h.note(format!("{name}: drift: {} (left as is: {why})", words.join("; ")));
                    }
                    false
                }
                Action::Retry => ls.retry_at.is_none_or(|t| t <= now),
                Action::NoteVanished => {
                    h.note(format!("{name}: gone from the host; waiting for it to come back"));
                    self.hooks.emit("gone", &name, "gone from the host");
                    false
                }
                Action::NoteRecovered => {
                    h.note(format!("{name}: matches the config again"));
                    false
                }
                Action::NoteFailure => false,
            };
            ls.phase = if act { Phase::Configuring } else { to };
            ls.drift = words;
            if act {
                scope.extend(ops.iter().map(|o| o.subject().to_string()));
                acting.push(name);
            }
        }
        if acting.is_empty() {
            // Every declared link was just planned against the host: only those that do not
            // match are unverified. (After acting, the next pass or a whole apply says so.)
            self.unverified =
                Some(self.links.iter().filter(|(_, l)| l.phase != Phase::Configured).map(|(n, _)| n.clone()).collect());
            return Ok(true);
        }
        self.run_for(&session, leased.as_ref(), &state, plan, &owners, acting, scope).await?;
        Ok(true)
    }

    /// Runs the operations of `acting` links (devices in `scope`) from the pass's own plan,
    /// verifies them, and moves each link to configured or failed. Nothing is rolled back: the
    /// config is what the host should be, and a link that cannot be configured now is retried.
    #[allow(clippy::too_many_arguments)]
    async fn run_for(
        &mut self,
        session: &Session<Lock>,
        leased: Option<&hostnet_core::Config>,
        state: &hostnet_core::State,
        plan: Plan,
        owners: &Owners,
        acting: Vec<String>,
        scope: HashSet<String>,
    ) -> Result<(), PassError> {
        // The daemon's own trial is the config it keeps true; a one-shot trial refuses the pass.
        let own_trial = self.own_trial();
        // Verified by planning the acting links and their neighbours only: verifying a repair
        // of one address by planning all 2011 links of a config took 4-6 ms.
        let target = leased.unwrap_or(&self.desired);
        let g = self.desired_graph.get_or_insert_with(|| hostnet_core::graph::Graph::build(&self.desired));
        let names: std::collections::BTreeSet<String> = acting.iter().cloned().collect();
        let part = hostnet_core::plan::scope::reach(target, g, target, g, &names);
        let opts = Options { rollback: false, scope: Some(scope), own_trial, part: Some(part), ..Options::default() };
        let src = MirrorSource::new(&mut self.mirror, &mut self.monitor);
        let mut engine = Engine::new(NetlinkHost::new(&self.nl, &self.env, src), &self.dir);
        let report = engine.apply_plan(session, target, state, plan, &opts).await;
        let changes = std::mem::take(&mut engine.host.src.changes);
        self.take_in(&changes);
        let report = report?;
        let now = Instant::now();
        for name in acting {
            let mine = |op: &hostnet_core::plan::Op| owners.owner(op) == Some(name.as_str());
            let ran = report.steps.iter().filter(|s| mine(&s.op)).count();
            let failure = report
                .steps
                .iter()
                .filter(|s| mine(&s.op))
                .find_map(|s| match &s.outcome {
                    Outcome::Failed { error } => Some(format!("{} failed: {error}", op_line(&s.op))),
                    Outcome::Skipped { because } => Some(format!("{} skipped: {because}", op_line(&s.op))),
                    Outcome::Applied => None,
                })
                .or_else(|| {
                    report
                        .drift
                        .iter()
                        .find(|o| mine(o))
                        .map(|o| format!("still differs after applying: {}", op_line(o)))
                });
            let ls = self.links.entry(name.clone()).or_default();
            let h = self.history.of(&name);
            let input = if failure.is_some() { Input::ApplyFailed } else { Input::Applied };
            let (to, _) = step(Phase::Configuring, input, self.desired.reconcile);
            ls.phase = to;
            match failure {
                None => {
                    ls.backoff = BACKOFF_MIN;
                    ls.retry_at = None;
                    ls.drift.clear();
                    h.note(format!("{name}: configured ({ran} operations)"));
                    self.hooks.emit("configured", &name, format!("{ran} operations"));
                }
                Some(why) => {
                    h.errors += 1;
                    h.last_error = Some(why.clone());
                    ls.retry_at = Some(now + ls.backoff);
                    h.note(format!("{name}: {why}; retrying in {} s", ls.backoff.as_secs()));
                    self.hooks.emit("failed", &name, why.clone());
                    ls.backoff = (ls.backoff * 2).min(BACKOFF_MAX);
                }
            }
        }
        Ok(())
    }

    /// The earliest time a failed link may be retried.
    pub fn next_retry(&self) -> Option<Instant> {
        self.links.values().filter(|l| l.phase == Phase::Failed).filter_map(|l| l.retry_at).min()
    }
}

/// A link's drift in words: one phrase per difference, without repeats; a link that is missing
/// altogether is just that, not also every attribute it lacks.
fn describe(ops: &[&hostnet_core::plan::Op], state: &hostnet_core::State) -> Vec<String> {
    use hostnet_core::plan::Op;
    let decisive: Vec<&&Op> = ops.iter().filter(|o| matches!(o, Op::Create { .. } | Op::Missing { .. })).collect();
    let chosen: Vec<&&Op> = if decisive.is_empty() { ops.iter().collect() } else { decisive };
    let mut words: Vec<String> = Vec::new();
    for o in chosen {
        let w = drift::describe(o, state);
        if !words.contains(&w) {
            words.push(w);
        }
    }
    words
}
