//! `hostnet daemon`: the main loop. It owns the state (the desired config, the mirror, each
//! link's phase and history) and is the only task that changes the host, so passes, control
//! requests and trial reverts never interleave. Everything else (the control socket, the
//! metrics endpoint) asks it through a channel.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hostnet_core::Config;
use hostnet_core::reuse::InterfaceTexts;
use hostnet_engine::{Engine, Store};
use hostnet_netlink::journal::StateDir;
use hostnet_netlink::monitor::{Monitor, Topic};
use hostnet_netlink::write::Env;
use hostnet_netlink::{Netlink, NetlinkHost};
use sd_notify::NotifyState;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::control::{self, Ask};
use crate::history::History;
use crate::machine::Phase;
use crate::mirror::{Change, Mirror};
use crate::online::Readiness;
use crate::owners::Owners;
use crate::protocol::{Response, socket_path};
use crate::reconcile::LinkState;
use crate::status::{Status, TrialStatus, link_report};

/// Notifications come in bursts (a NIC appearing is a new link, a rename, an up); one pass
/// after the burst does the work of many.
const DEBOUNCE: Duration = Duration::from_millis(20);
/// How often the daemon looks at a trial another process guards, to take it over if that
/// process dies.
const TRIAL_WATCH: Duration = Duration::from_secs(2);
/// Kernel buffer for notifications: big enough for a whole-host change of thousands of links.
const MONITOR_BUFFER: usize = 16 << 20;
/// While the first pass runs, how often the daemon tells systemd that its start goes on, and
/// for how long in all: a pass that has not ended by then is stuck, and systemd may kill it.
const START_EXTEND_EVERY: Duration = Duration::from_secs(10);
const START_BUDGET: Duration = Duration::from_secs(600);

pub struct DaemonOptions {
    pub config: PathBuf,
    pub env: Env,
    pub dir: StateDir,
    /// Where DHCP leases are kept across restarts (persistent, unlike `dir`).
    pub lease_dir: PathBuf,
    /// The hooks directory (`None`: no hooks), and how long each hook may run.
    pub hooks: Option<PathBuf>,
    pub hook_timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The config file is unreadable or invalid; the text names file, line and field.
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Netlink(#[from] hostnet_netlink::Error),
    #[error("control socket: {0}")]
    Socket(std::io::Error),
    #[error("metrics endpoint: {0}")]
    Metrics(std::io::Error),
}

/// A trial applied through the socket: reverted at `deadline` unless confirmed.
pub struct Trial {
    pub id: String,
    pub deadline: Instant,
    /// The config to return to when it is reverted (`None`: keep the current one).
    pub previous: Option<(Config, String)>,
    /// Taken over from a one-shot `apply --try` whose reverter died: the daemon reverts it but
    /// did not apply it, so its own config is not the trial's, and neither repairs nor applies
    /// go over it (they would undo or bury the change under test).
    pub adopted: bool,
}

impl Daemon {
    /// The trial the daemon's own applies and repairs may act under.
    pub fn own_trial(&self) -> Option<String> {
        self.trial.as_ref().filter(|t| !t.adopted).map(|t| t.id.clone())
    }
}

pub struct Daemon {
    pub nl: Netlink,
    pub env: Env,
    pub dir: StateDir,
    pub config_path: PathBuf,
    pub desired: Config,
    /// `desired`'s dependency graph, kept for scoping the next apply; `None` until needed.
    pub desired_graph: Option<hostnet_core::graph::Graph>,
    /// Where `desired` came from.
    pub desired_source: String,
    /// The texts of `desired`'s interfaces, when it was read as JSON or block YAML (from the
    /// socket or the daemon's file): the next apply parses only the interfaces whose text changed.
    pub desired_texts: Option<hostnet_core::reuse::InterfaceTexts>,
    pub mirror: Mirror,
    pub monitor: Monitor,
    pub links: BTreeMap<String, LinkState>,
    pub history: History,
    /// Runs the hooks directory's executables on events, never waiting for them.
    pub hooks: crate::hooks::Hooks,
    pub trial: Option<Trial>,
    pub started: f64,
    pub reconcile_errors: u64,
    /// A pass is owed (the lock was busy, or a pass failed): when to try again.
    pub pass_due: Option<Instant>,
    pub dhcp: crate::dhcp::Dhcp,
    /// The declared links that may differ from `desired` though no pass or apply has seen them
    /// differ: the daemon's own reckoning from its last pass or verified apply and the kernel's
    /// notifications since. An apply through the socket plans only these and what the new config
    /// changes (see `hostnet_core::plan::scope`). `None`: any may (at start, after an unattributed
    /// change such as lost notifications, or a failed apply).
    pub unverified: Option<BTreeSet<String>>,
    /// What an answer replaced, freed once the answer has been sent.
    pub garbage: Vec<Box<dyn std::any::Any>>,
    /// When to look again at a trial another process guards (see `adopt_orphaned_trial`).
    pub trial_watch: Option<Instant>,
}

/// Why the daemon's file could not be used: the text names file, line and field; `invalid` is
/// set when the file was read but failed validation.
pub struct ConfigError {
    pub text: String,
    pub invalid: bool,
}

/// Reads the daemon's own file, keeping its interfaces' texts (see `Daemon::desired_texts`), so
/// that the first apply after a start or reload parses only what differs from the file.
pub fn load_config(path: &std::path::Path) -> Result<(Config, Option<InterfaceTexts>), ConfigError> {
    let text = hostnet_core::read_file(path).map_err(|e| ConfigError { text: e.to_string(), invalid: false })?;
    match hostnet_core::load_again(&path.display().to_string(), text, None) {
        Ok((config, _, texts)) => Ok((config, texts)),
        Err(p) => Err(ConfigError { text: crate::protocol::problem_lines(&p), invalid: true }),
    }
}

/// Runs the daemon until SIGTERM or SIGINT. Must run on a current-thread runtime, inside the
/// network namespace it manages.
pub async fn run(opts: DaemonOptions) -> Result<(), StartError> {
    let started_at = Instant::now();
    let (desired, desired_texts) = load_config(&opts.config).map_err(|e| StartError::Config(e.text))?;
    // Subscribe before the first dump, so that no change falls between the two.
    let monitor = Monitor::open_with_buffer(
        &[Topic::Links, Topic::Addresses, Topic::Routes, Topic::Rules, Topic::Netconf],
        MONITOR_BUFFER,
    )?;
    let nl = Netlink::connect()?;
    let mirror = Mirror::load(&nl).await?;
    let (tx, mut rx) = mpsc::channel::<Ask>(64);
    control::listen(&socket_path(&opts.dir.dir), tx.clone()).map_err(StartError::Socket)?;
    for (field, why) in hostnet_core::validate::warnings(&desired) {
        tracing::warn!("{}: {field}: {why}", opts.config.display());
    }
    if let Some(m) = &desired.metrics {
        crate::metrics::serve(m.listen, tx.clone()).await.map_err(StartError::Metrics)?;
    }
    let mut d = Daemon {
        nl,
        env: opts.env,
        dir: opts.dir,
        desired_source: opts.config.display().to_string(),
        config_path: opts.config,
        desired,
        desired_graph: None,
        desired_texts,
        mirror,
        monitor,
        links: BTreeMap::new(),
        history: History::default(),
        hooks: match opts.hooks {
            Some(dir) => crate::hooks::Hooks::start(dir, opts.hook_timeout),
            None => crate::hooks::Hooks::none(),
        },
        trial: None,
        started: SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0),
        reconcile_errors: 0,
        pass_due: None,
        dhcp: crate::dhcp::Dhcp::new(crate::dhcp::LeaseDir(opts.lease_dir)),
        unverified: None,
        garbage: Vec::new(),
        trial_watch: None,
    };
    d.adopt_orphaned_trial();
    d.warn_other_managers();
    // The unit's start timeout (120 s) is no bound on the first pass: with 1000 declared links
    // on a busy boot (udev, DAD, journald, under TCG) it took longer, and systemd killed the
    // daemon mid-apply. Until the pass ends, the start is extended, within START_BUDGET.
    let extender = tokio::spawn(async {
        let mut left = START_BUDGET;
        while !left.is_zero() {
            let usec = u32::try_from((START_EXTEND_EVERY * 3).as_micros()).unwrap_or(u32::MAX);
            // The pass is making progress: the watchdog (WatchdogSec=30) must not cut it either.
            let _ = sd_notify::notify(&[
                NotifyState::ExtendTimeoutUsec(usec),
                NotifyState::Status("applying the file (first pass)"),
                NotifyState::Watchdog,
            ]);
            tokio::time::sleep(START_EXTEND_EVERY).await;
            left = left.saturating_sub(START_EXTEND_EVERY);
        }
    });
    d.pass().await;
    extender.abort();
    let mut readiness = d.first_readiness(started_at);
    let mut last_status = d.summary();
    if readiness == Readiness::Ready {
        let _ = sd_notify::notify(&[NotifyState::Ready, NotifyState::Status(&last_status)]);
    } else {
        tracing::info!("not online yet: {last_status}");
        // The unit's start timeout must not cut the contract's own short.
        let wait = d.desired.online.as_ref().map_or(0, |o| u64::from(o.timeout) + 30);
        let usec = u32::try_from(wait.saturating_mul(1_000_000)).unwrap_or(u32::MAX);
        let _ = sd_notify::notify(&[NotifyState::ExtendTimeoutUsec(usec), NotifyState::Status(&last_status)]);
    }
    // Pinged at half the watchdog's interval, judged after every turn of the loop: a timer
    // that restarted with each turn never fired while events kept coming (1000 links flapping),
    // and systemd killed a daemon that was busy, not hung.
    let watchdog = sd_notify::watchdog_enabled().map(|t| t / 2);
    let mut ping_at = watchdog.map(|w| Instant::now() + w);
    let mut hup = signal(SignalKind::hangup()).expect("SIGHUP handler");
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    loop {
        let ready_by = match readiness {
            Readiness::Waiting { deadline } => Some(deadline),
            Readiness::Ready => None,
        };
        let wake = d.next_wakeup().into_iter().chain(ready_by).min();
        tokio::select! {
            batch = d.monitor.next_batch() => {
                match batch {
                    Ok(b) => d.take_batch(b),
                    Err(e) => { tracing::warn!("netlink notifications: {e}"); d.mirror.apply(hostnet_netlink::monitor::Notification::Overrun); }
                }
                // One pass after the burst, by the timer: requests are answered meanwhile (they
                // waited out the debounce when it was slept here).
                let due = Instant::now() + DEBOUNCE;
                d.pass_due = Some(d.pass_due.map_or(due, |t| t.min(due)));
            }
            Some(ask) = rx.recv() => d.answer(ask).await,
            Some(ev) = d.dhcp.rx.recv() => d.on_dhcp(ev).await,
            _ = hup.recv() => { let _ = d.reload().await; }
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = sleep_until(wake) => d.on_timer().await,
            _ = sleep_until(ping_at) => {}
        }
        if let (Some(w), Some(at)) = (watchdog, ping_at)
            && Instant::now() >= at
        {
            let _ = sd_notify::notify(&[NotifyState::Watchdog]);
            ping_at = Some(Instant::now() + w);
        }
        if !d.garbage.is_empty() {
            // Lets a connection's task write its answer before the replaced config is freed.
            tokio::task::yield_now().await;
            d.garbage.clear();
        }
        let s = d.summary();
        if let Readiness::Waiting { deadline } = readiness {
            let online = d.online_verdict().is_none_or(|v| v.online);
            if online || Instant::now() >= deadline {
                if !online {
                    tracing::warn!("online timeout passed, telling systemd the network is up anyway: {s}");
                }
                let _ = sd_notify::notify(&[NotifyState::Ready, NotifyState::Status(&s)]);
                readiness = Readiness::Ready;
                last_status = s;
                continue;
            }
        }
        if s != last_status {
            let _ = sd_notify::notify(&[NotifyState::Status(&s)]);
            last_status = s;
        }
    }
    let _ = sd_notify::notify(&[NotifyState::Stopping]);
    let _ = std::fs::remove_file(socket_path(&d.dir.dir));
    Ok(())
}

async fn sleep_until(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t.into()).await,
        None => std::future::pending().await,
    }
}

impl Daemon {
    /// One reconcile pass; a pass that cannot run now is owed and retried.
    pub async fn pass(&mut self) {
        if self.trial.is_none() && self.trial_watch.is_none() {
            // A trial a one-shot `apply --try` started while the daemon ran.
            self.adopt_orphaned_trial();
        }
        match self.reconcile().await {
            Ok(true) => self.pass_due = None,
            Ok(false) => {
                tracing::info!("another hostnet holds the lock; reconciling in 1 s");
                self.pass_due = Some(Instant::now() + Duration::from_secs(1));
            }
            // Another process's trial (or one the daemon took over) is under test: repairs
            // wait for its confirm or revert rather than undo it. Not a failure.
            Err(crate::reconcile::PassError::Refused(hostnet_engine::Refused::TrialPending(left))) => {
                tracing::info!(
                    "a trial apply is pending; repairs wait until it is confirmed or reverted (in {left} s)"
                );
                self.pass_due = Some(Instant::now() + Duration::from_secs(left.clamp(1, 5)));
            }
            Err(e) => {
                self.reconcile_errors += 1;
                tracing::error!("reconcile failed: {e}; trying again in 5 s");
                self.pass_due = Some(Instant::now() + Duration::from_secs(5));
            }
        }
    }

    fn next_wakeup(&self) -> Option<Instant> {
        let trial = self.trial.as_ref().map(|t| t.deadline);
        [self.pass_due, self.next_retry(), trial, self.trial_watch, self.dhcp.next_deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    async fn on_timer(&mut self) {
        let now = Instant::now();
        if let Some(t) = &self.trial
            && t.deadline <= now
        {
            self.revert_trial().await;
        }
        if self.trial_watch.is_some_and(|t| t <= now) {
            self.adopt_orphaned_trial();
        }
        self.pass().await;
    }

    /// Takes in a batch of notifications; what arrives after it, the next pass drains.
    fn take_batch(&mut self, batch: Vec<hostnet_netlink::monitor::Notification>) {
        let changes: Vec<Change> = batch.into_iter().filter_map(|n| self.mirror.apply(n)).collect();
        self.take_in(&changes);
    }

    /// Records what changed on declared links (carrier, for now; phases are the passes' job),
    /// and which links may no longer match.
    pub fn take_in(&mut self, changes: &[Change]) {
        // Built only when a link changed: most batches are addresses and routes.
        let mut declared: Option<rustc_hash::FxHashSet<String>> = None;
        for c in changes {
            self.unverify(c);
        }
        for c in changes {
            if let Change::Link { index, name, .. } = c
                && declared.get_or_insert_with(|| Owners::declared(&self.desired).into_iter().collect()).contains(name)
                && let Some(l) = self.mirror.link(*index)
            {
                let carrier = l.header.flags.contains(rtnetlink::packet_route::link::LinkFlags::LowerUp);
                self.history.carrier(name, carrier);
            }
        }
    }

    /// Notes the link `c` touched as one that may no longer match; a change the daemon cannot
    /// pin to a link makes every link unverified. Routes of no interface and rules are not
    /// per link: every apply plans them whole.
    fn unverify(&mut self, c: &Change) {
        let name = match c {
            Change::Link { name, renamed_from, .. } => {
                // Both names on a rename: a declared link may have lost its name, another gained it.
                if let (Some(old), Some(set)) = (renamed_from, &mut self.unverified) {
                    set.insert(old.clone());
                }
                Some(name.clone())
            }
            Change::LinkGone { name } => Some(name.clone()),
            Change::Address { index } | Change::Route { index } if *index != 0 => self.mirror.name_of(*index),
            Change::Route { .. } | Change::Rule => return,
            Change::Address { .. } | Change::Sysctl | Change::Overrun => None,
        };
        match (name, &mut self.unverified) {
            (Some(n), Some(set)) => {
                set.insert(n);
            }
            (Some(_), None) => {}
            (None, u) => *u = None,
        }
    }

    /// A trial recorded by a one-shot `apply --try` whose reverter is gone (it was killed, or
    /// the host rebooted into a daemon): the daemon becomes its reverter and reverts it at its
    /// deadline. While another process guards a trial, the daemon looks again every
    /// [`TRIAL_WATCH`], so a reverter killed later is noticed too.
    pub(crate) fn adopt_orphaned_trial(&mut self) {
        self.trial_watch = None;
        if self.trial.is_some() {
            return;
        }
        let me = hostnet_engine::Reverter::me().ok_or_else(|| std::io::Error::other("/proc is not mounted"));
        match hostnet_engine::adopt_orphan(&self.dir, |_| me) {
            Ok(Some(p)) => {
                let left = Duration::from_secs(p.deadline.saturating_sub(hostnet_engine::now()));
                self.trial = Some(Trial { id: p.id, deadline: Instant::now() + left, previous: None, adopted: true });
                return;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!("checking the pending trial's reverter: {e}"),
        }
        // Guarded by another process, or the lock was busy: looked at again soon.
        if !matches!(self.dir.pending(), Ok(None)) {
            self.trial_watch = Some(Instant::now() + TRIAL_WATCH);
        }
    }

    async fn revert_trial(&mut self) {
        let Some(t) = self.trial.take() else { return };
        self.unverified = None;
        let src = crate::source::MirrorSource::new(&mut self.mirror, &mut self.monitor);
        let mut engine = Engine::new(NetlinkHost::new(&self.nl, &self.env, src), &self.dir);
        let reverted = engine.revert(&t.id).await;
        let changes = std::mem::take(&mut engine.host.src.changes);
        self.take_in(&changes);
        match reverted {
            Ok(Some(steps)) => {
                tracing::warn!("trial {} not confirmed: reverted {} operations", t.id, steps.len());
                if let Some((config, source)) = t.previous {
                    self.adopt(config, source);
                }
            }
            Ok(None) => tracing::info!("trial {} was confirmed", t.id),
            Err(e) => tracing::error!("reverting trial {}: {e}", t.id),
        }
    }

    /// `hostnet rollback` through the daemon: the pending trial reverted now, and the daemon's
    /// own trial's config replaced by the one before it (else the daemon would repair the host
    /// back into the trial).
    pub async fn rollback(&mut self) -> Response {
        self.unverified = None;
        let src = crate::source::MirrorSource::new(&mut self.mirror, &mut self.monitor);
        let mut engine = Engine::new(NetlinkHost::new(&self.nl, &self.env, src), &self.dir);
        let reverted = engine.rollback().await;
        let changes = std::mem::take(&mut engine.host.src.changes);
        self.take_in(&changes);
        match reverted {
            Ok(Some((p, steps))) => {
                self.forget_reverted_trial(&p.id);
                Response::ok(serde_json::json!({ "reverted": steps }))
            }
            Ok(None) => Response::ok(serde_json::json!({ "reverted": null })),
            Err(e) => Response::err(e),
        }
    }

    /// `hostnet confirm` through the daemon: a trial past its deadline is reverted, not kept.
    pub async fn confirm(&mut self) -> std::io::Result<hostnet_engine::Confirmed> {
        let src = crate::source::MirrorSource::new(&mut self.mirror, &mut self.monitor);
        let mut engine = Engine::new(NetlinkHost::new(&self.nl, &self.env, src), &self.dir);
        let found = engine.confirm_or_revert().await;
        let changes = std::mem::take(&mut engine.host.src.changes);
        self.take_in(&changes);
        if let Ok(hostnet_engine::Confirmed::Reverted(r)) = &found {
            self.unverified = None;
            self.forget_reverted_trial(&r.id);
        }
        found
    }

    /// After trial `id` was reverted other than by the daemon's timer: if it was the daemon's
    /// own, the daemon returns to the config it ran before (else it would repair the host back
    /// into the trial).
    fn forget_reverted_trial(&mut self, id: &str) {
        if self.trial.as_ref().is_some_and(|t| t.id == id)
            && let Some(t) = self.trial.take()
            && let Some((config, source)) = t.previous
        {
            self.adopt(config, source);
        }
    }

    /// Makes `config` the one the daemon keeps true.
    pub fn adopt(&mut self, config: Config, source: String) {
        self.unverified = None;
        // Most applies change settings, not which links are declared: then no link's record goes.
        if !Owners::same_declared(&config, &self.desired) {
            let declared: rustc_hash::FxHashSet<String> = Owners::declared(&config).into_iter().collect();
            self.links.retain(|n, _| declared.contains(n));
            self.history.links.retain(|n, _| declared.contains(n));
        }
        let old = std::mem::replace(&mut self.desired, config);
        let old_graph = self.desired_graph.take();
        let old_texts = self.desired_texts.take();
        // Freeing thousands of interfaces costs about as much as planning one change: it waits
        // until the answer is on its way (the main loop in `run` frees it).
        self.garbage.push(Box::new((old, old_graph, old_texts)));
        self.desired_source = source;
    }

    /// Re-reads the daemon's file. A bad file changes nothing and says why.
    pub async fn reload(&mut self) -> Response {
        match load_config(&self.config_path) {
            Err(ConfigError { text, invalid }) => {
                tracing::error!("reload refused, still running {}: {text}", self.desired_source);
                Response { invalid, ..Response::err(format!("{text}\nreload refused; nothing changed")) }
            }
            Ok((config, texts)) => {
                tracing::info!("reloaded {}", self.config_path.display());
                self.adopt(config, self.config_path.display().to_string());
                self.desired_texts = texts;
                self.pass().await;
                Response::ok(self.status(5))
            }
        }
    }

    /// One line for systemd's STATUS=.
    /// Says which declared links another network manager also manages, and how to hand them
    /// over. The daemon goes on: its repairs back off from a link something keeps changing
    /// back (see `fighting_until`), so the two never settle into a loop.
    fn warn_other_managers(&mut self) {
        let state = self.mirror.state().clone();
        for c in hostnet_doctor::managers::for_config(&self.desired, &state) {
            tracing::warn!(
                "{} also manages {} ({}); the two will undo each other's changes. To hand it over: {}",
                c.manager.name(),
                c.link,
                c.evidence,
                c.manager.hand_over(&c.link)
            );
        }
    }

    fn summary(&self) -> String {
        // Made after every request and notification batch, over every declared link.
        let order = [Phase::Configured, Phase::Pending, Phase::Drifted, Phase::Failed, Phase::Configuring];
        let mut counts = [0usize; 5];
        for l in self.links.values() {
            counts[order.iter().position(|p| *p == l.phase).expect("every phase is in the order")] += 1;
        }
        let mut parts: Vec<String> =
            order.iter().zip(counts).filter(|(_, n)| *n > 0).map(|(p, n)| format!("{n} {}", p.name())).collect();
        if parts.is_empty() {
            parts.push("no interfaces declared".into());
        }
        let mut s = parts.join(", ");
        if let Some(v) = self.online_verdict() {
            s.push_str("; ");
            s.push_str(&v.summary());
        }
        s
    }

    /// The status of every declared link, with up to `events` recent events each.
    pub fn status(&self, events: usize) -> Status {
        let observed = self.mirror.observed();
        let by_name: HashMap<&str, &hostnet_netlink::status::LinkStatus> =
            observed.status.iter().map(|s| (s.name.as_str(), s)).collect();
        let mut facts = self.online_facts();
        // Judged before the links take their facts out of the map.
        let online = self.online_verdict_of(&facts);
        let links = Owners::declared(&self.desired)
            .iter()
            .map(|n| {
                let mut r = link_report(
                    n,
                    self.links.get(n),
                    self.history.links.get(n),
                    by_name.get(n.as_str()).copied(),
                    &by_name,
                    events,
                );
                r.dhcp4 = self.dhcp.report(n, crate::dhcp::Proto::Dhcp4);
                r.dhcp6 = self.dhcp.report(n, crate::dhcp::Proto::Dhcp6);
                r.facts = facts.remove(n);
                r
            })
            .collect();
        let own = self.config_path.display().to_string();
        Status {
            config: self.desired_source.clone(),
            note: (self.desired_source != own)
                .then(|| format!("running a config applied through the socket; `hostnet reload` returns to {own}")),
            reconcile: serde_json::to_value(self.desired.reconcile)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            started: self.started,
            trial: self.trial.as_ref().map(|t| TrialStatus {
                id: t.id.clone(),
                reverts_in_secs: t.deadline.saturating_duration_since(Instant::now()).as_secs(),
            }),
            resyncs: self.mirror.resyncs,
            reconcile_errors: self.reconcile_errors,
            online,
            links,
        }
    }
}
