//! Answers to the control socket and the metrics endpoint.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use hostnet_core::plan::scope;

use hostnet_engine::{Engine, Faulty, Options};
use hostnet_netlink::NetlinkHost;

use crate::control::Ask;
use crate::daemon::{Daemon, Trial};
use crate::protocol::{Request, Response};
use crate::source::MirrorSource;

/// Events per link in a status answer.
const STATUS_EVENTS: usize = 5;

impl Daemon {
    pub async fn answer(&mut self, ask: Ask) {
        match ask {
            Ask::Metrics(reply) => {
                let _ = reply.send(crate::metrics::render(&self.status(0)));
            }
            Ask::Control(req, reply) => {
                let r = self.request(req).await;
                let _ = reply.send(r);
            }
        }
    }

    async fn request(&mut self, req: Request) -> Response {
        // Whoever asks (status included) sees a trial whose reverter died already taken over.
        if self.trial.is_none() {
            self.adopt_orphaned_trial();
        }
        match req {
            Request::Status => {
                // Take in what is queued, so status right after a change shows it.
                let mut src = MirrorSource::new(&mut self.mirror, &mut self.monitor);
                let caught = src.catch_up(&self.nl).await;
                let changes = std::mem::take(&mut src.changes);
                self.take_in(&changes);
                match caught {
                    Ok(()) => Response::ok(self.status(STATUS_EVENTS)),
                    Err(e) => Response::err(e),
                }
            }
            Request::Reload => self.reload().await,
            Request::Confirm => match self.confirm().await {
                Ok(found) => {
                    if found == hostnet_engine::Confirmed::Kept
                        && let Some(t) = self.trial.take()
                    {
                        tracing::info!("trial {} confirmed", t.id);
                    }
                    let confirmed = found == hostnet_engine::Confirmed::Kept;
                    Response::ok(serde_json::json!({ "confirmed": confirmed, "found": found }))
                }
                Err(e) => Response::err(e),
            },
            Request::Rollback => self.rollback().await,
            Request::Plan { config, source } => {
                let config = match hostnet_core::load(&source, &config) {
                    Ok(c) => c,
                    Err(p) => return Response::invalid(&p),
                };
                let src = MirrorSource::new(&mut self.mirror, &mut self.monitor);
                let mut engine = Engine::new(NetlinkHost::new(&self.nl, &self.env, src), &self.dir);
                match engine.plan(&config).await {
                    Ok(plan) => Response::ok(plan),
                    Err(e) => Response::err(e),
                }
            }
            Request::Apply { config, source, try_secs, no_rollback, fail_at } => {
                let started = Instant::now();
                let r = self.apply(config, source, try_secs, no_rollback, fail_at).await;
                tracing::debug!("apply: answered in {:?}", started.elapsed());
                r
            }
        }
    }

    /// An apply through the socket: the same engine and guarantees as one-shot `apply`, planned
    /// against the mirror. On success the daemon keeps the applied config true from then on.
    async fn apply(
        &mut self,
        text: String,
        source: String,
        try_secs: Option<u64>,
        no_rollback: bool,
        fail_at: Option<usize>,
    ) -> Response {
        let started = Instant::now();
        let before = self.desired_texts.as_ref().map(|t| (t, &self.desired));
        let (config, graph, texts) = match hostnet_core::load_again(&source, text, before) {
            Ok(c) => c,
            // Nothing was touched: the same located errors as `hostnet check`.
            Err(p) => return Response::invalid(&p),
        };
        tracing::debug!("apply: config read, checked and its graph built in {:?}", started.elapsed());
        // What is queued first, so that the links it touched count as unverified.
        let mut src = MirrorSource::new(&mut self.mirror, &mut self.monitor);
        if let Err(e) = src.catch_up(&self.nl).await {
            return Response::err(e);
        }
        let changes = std::mem::take(&mut src.changes);
        self.take_in(&changes);
        // Where the daemon knows the host matches its config but for some links, only what
        // differs and those links are planned: a change to one interface of thousands costs
        // what that interface does.
        let part = self.unverified.as_ref().map(|u| {
            let g_old = self.desired_graph.get_or_insert_with(|| hostnet_core::graph::Graph::build(&self.desired));
            let same = |i| texts.as_ref().is_some_and(|t| t.same_at(i));
            let mut names = scope::changed_but(&self.desired, &config, same);
            names.extend(u.iter().cloned());
            // No notification tells of NIC settings or WireGuard peers changed by hand: those
            // interfaces are always read and planned, as a whole apply would.
            let unseen = |i: &&hostnet_core::model::Interface| {
                i.ethtool.is_some() || matches!(i.kind, hostnet_core::model::Kind::Wireguard(_))
            };
            names.extend(config.interfaces.iter().filter(unseen).map(|i| i.name.clone()));
            scope::reach(&self.desired, g_old, &config, &graph, &names)
        });
        let reached: Option<BTreeSet<String>> =
            part.as_ref().map(|p| p.interfaces.iter().map(|i| i.name.clone()).collect());
        if let Some(t) = texts.as_ref().filter(|t| t.reused() > 0) {
            tracing::info!("apply: {} of {} interfaces unchanged in text, not parsed again", t.reused(), t.len());
        }
        match &reached {
            Some(r) => tracing::info!(
                "apply: planning {} of {} interfaces (the rest are unchanged and match the host)",
                r.len(),
                config.interfaces.len()
            ),
            None => tracing::info!("apply: planning all {} interfaces", config.interfaces.len()),
        }
        tracing::debug!("apply: scope found {:?} after the request", started.elapsed());
        // A declared NIC that is not there is pending, as at boot: the daemon configures it when
        // it appears. Any other failure rolls the apply back as one-shot `apply` does.
        let own_trial = self.own_trial();
        let opts = Options { rollback: !no_rollback, tolerate_missing: true, part, own_trial, ..Options::default() };
        let src = MirrorSource::new(&mut self.mirror, &mut self.monitor);
        let host = Faulty::new(NetlinkHost::new(&self.nl, &self.env, src), fail_at, None);
        let mut engine = Engine::new(host, &self.dir);
        let result = engine.apply(&config, &opts, try_secs).await;
        let changes = std::mem::take(&mut engine.host.inner.src.changes);
        self.take_in(&changes);
        let (applied, pending) = match result {
            Ok(x) => x,
            Err(e) => {
                self.unverified = None;
                return Response::err(e);
            }
        };
        let from = source.clone();
        if applied.succeeded(true) {
            if let Some(p) = pending {
                let left = Duration::from_secs(p.deadline.saturating_sub(hostnet_engine::now()));
                let previous = Some((self.desired.clone(), self.desired_source.clone()));
                self.trial = Some(Trial { id: p.id, deadline: Instant::now() + left, previous, adopted: false });
            }
            let noticed = self.unverified.take();
            self.adopt(config, source);
            self.desired_graph = Some(graph);
            self.desired_texts = texts;
            self.unverified = verified_after(&applied.report, reached, noticed);
        } else {
            self.unverified = None;
        }
        let ran = applied.report.steps.len();
        let how = if applied.succeeded(true) { "applied" } else { "failed, rolled back where it could" };
        self.hooks.emit("applied", "", format!("{from}: {how} ({ran} operations)"));
        Response::ok(applied)
    }
}

/// What is left unverified after an apply that succeeded: with the whole config planned,
/// nothing but the links it could not configure (missing NICs, what sits on them); with a part,
/// also the links outside the part that notifications touched (`noticed`, `None` when one
/// could not be pinned to a link).
fn verified_after(
    report: &hostnet_engine::Report,
    reached: Option<BTreeSet<String>>,
    noticed: Option<BTreeSet<String>>,
) -> Option<BTreeSet<String>> {
    let mut left: BTreeSet<String> = match reached {
        None => BTreeSet::new(),
        Some(reached) => noticed?.into_iter().filter(|n| !reached.contains(n)).collect(),
    };
    let unfinished = report.steps.iter().filter(|s| !matches!(s.outcome, hostnet_engine::Outcome::Applied));
    left.extend(unfinished.map(|s| s.op.subject().to_string()));
    Some(left)
}
