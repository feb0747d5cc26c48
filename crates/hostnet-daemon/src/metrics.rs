//! The optional Prometheus endpoint: `GET /metrics` in the OpenMetrics text format, rendered by
//! the main loop at scrape time from the same data as `hostnet status` (so a scrape costs
//! nothing between scrapes). Names follow Prometheus conventions with a `hostnet_` prefix.

use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response, StatusCode};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::sync::{mpsc, oneshot};

use crate::control::Ask;
use crate::machine::Phase;
use crate::status::Status;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LinkLabels {
    link: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PhaseLabels {
    link: String,
    phase: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BondLabels {
    bond: String,
    mode: String,
    aggregator_id: String,
    partner_mac: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BondName {
    bond: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PortName {
    bond: String,
    port: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PortLabels {
    bond: String,
    port: String,
    aggregator_id: String,
    mii_status: String,
    lacp_state: String,
}

/// Counters are rebuilt on each scrape from the daemon's running totals, which only grow while
/// it runs; `hostnet_daemon_start_time_seconds` tells a scraper when they restarted.
pub fn render(s: &Status) -> String {
    let mut r = Registry::with_prefix("hostnet");
    let start = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
    start.set(s.started);
    r.register("daemon_start_time_seconds", "When the daemon started, seconds since the epoch", start);
    let resyncs = Counter::<u64>::default();
    resyncs.inc_by(s.resyncs);
    r.register("netlink_resyncs", "Full re-reads of the host after lost netlink notifications", resyncs);

    let up = Family::<LinkLabels, Gauge>::default();
    let carrier = Family::<LinkLabels, Gauge>::default();
    let present = Family::<LinkLabels, Gauge>::default();
    let phase = Family::<PhaseLabels, Gauge>::default();
    let carrier_changes = Family::<LinkLabels, Counter>::default();
    let drift = Family::<LinkLabels, Counter>::default();
    let repairs = Family::<LinkLabels, Counter>::default();
    let errors = Family::<LinkLabels, Counter>::default();
    // Changing state (aggregator, partner, LACP bits) goes into info metrics' labels; counters
    // and gauges keep stable label sets, so a flap does not start a new series.
    let bond_info = Family::<BondLabels, Gauge>::default();
    let bond_ports = Family::<BondName, Gauge>::default();
    let bond_in_use = Family::<BondName, Gauge>::default();
    let port_info = Family::<PortLabels, Gauge>::default();
    let port_in_use = Family::<PortName, Gauge>::default();
    let port_failures = Family::<PortName, Counter>::default();
    for l in &s.links {
        let k = LinkLabels { link: l.name.clone() };
        present.get_or_create(&k).set(l.present as i64);
        if let Some(o) = &l.oper_state {
            up.get_or_create(&k).set((o == "up") as i64);
        }
        if let Some(c) = l.carrier {
            carrier.get_or_create(&k).set(c as i64);
        }
        for p in Phase::ALL {
            let labels = PhaseLabels { link: l.name.clone(), phase: p.name().to_string() };
            phase.get_or_create(&labels).set((l.phase == p) as i64);
        }
        carrier_changes.get_or_create(&k).inc_by(l.carrier_changes);
        drift.get_or_create(&k).inc_by(l.drift_events);
        repairs.get_or_create(&k).inc_by(l.repairs);
        errors.get_or_create(&k).inc_by(l.errors);
        if let Some(b) = &l.bond {
            let bl = BondLabels {
                bond: l.name.clone(),
                mode: b.mode.clone(),
                aggregator_id: b.aggregator_id.map(|a| a.to_string()).unwrap_or_default(),
                partner_mac: b.partner_mac.clone().unwrap_or_default(),
            };
            bond_info.get_or_create(&bl).set(1);
            let bn = BondName { bond: l.name.clone() };
            bond_ports.get_or_create(&bn).set(b.ports.len() as i64);
            bond_in_use.get_or_create(&bn).set(b.ports.iter().filter(|p| p.in_use).count() as i64);
            for p in &b.ports {
                let pl = PortLabels {
                    bond: l.name.clone(),
                    port: p.name.clone(),
                    aggregator_id: p.aggregator_id.map(|a| a.to_string()).unwrap_or_default(),
                    mii_status: p.mii_status.clone(),
                    lacp_state: p.lacp.clone().unwrap_or_default(),
                };
                port_info.get_or_create(&pl).set(1);
                let pn = PortName { bond: l.name.clone(), port: p.name.clone() };
                port_in_use.get_or_create(&pn).set(p.in_use as i64);
                port_failures.get_or_create(&pn).inc_by(p.link_failures as u64);
            }
        }
    }
    r.register("link_present", "1 if the declared link exists on the host", present);
    r.register("link_oper_up", "1 if the link's operational state is up", up);
    r.register("link_carrier", "1 if the link has carrier", carrier);
    r.register("link_phase", "The daemon's state of the declared link (1 for the current phase)", phase);
    r.register("link_carrier_changes", "Carrier changes seen by the daemon", carrier_changes);
    r.register("link_drift_events", "Times the link was found differing from the config", drift);
    r.register("link_repairs", "Times the daemon put the link back to the config", repairs);
    r.register("link_reconcile_errors", "Failed attempts to configure the link", errors);
    r.register("bond_info", "A bond's mode, active 802.3ad aggregator and LACP partner (value 1)", bond_info);
    r.register("bond_ports", "Ports of the bond", bond_ports);
    r.register(
        "bond_ports_in_use",
        "Ports carrying traffic (in 802.3ad: collecting and distributing in the active aggregator)",
        bond_in_use,
    );
    r.register("bond_port_info", "A bond port's aggregator, MII status and LACP state (value 1)", port_info);
    r.register("bond_port_in_use", "1 if the bond port carries traffic", port_in_use);
    r.register("bond_port_link_failures", "The kernel's link failure count of the bond port", port_failures);
    let errors_total = Counter::<u64>::default();
    errors_total.inc_by(s.reconcile_errors);
    r.register("reconcile_errors", "Reconcile passes that failed as a whole (netlink errors)", errors_total);
    let mut out = String::new();
    encode(&mut out, &r).expect("writing to a String");
    out
}

/// Scrapes served at once; a scraper needs one, more wait in the backlog.
const MAX_SCRAPERS: usize = 16;
/// How long a client may take to send a request's headers: a slow-loris client is cut off.
const HEADER_WAIT: Duration = Duration::from_secs(5);
/// The longest a connection is kept, kept alive or not: a scrape takes milliseconds.
const CONNECTION_LIFE: Duration = Duration::from_secs(30);

/// Serves `GET /metrics` on `addr` until the process ends.
pub async fn serve(addr: SocketAddr, tx: mpsc::Sender<Ask>) -> std::io::Result<()> {
    let listener = std::sync::Arc::new(tokio::net::TcpListener::bind(addr).await?);
    crate::accept::spawn(
        "metrics endpoint",
        MAX_SCRAPERS,
        move || {
            let l = std::sync::Arc::clone(&listener);
            async move { l.accept().await.map(|(s, _)| s) }
        },
        move |stream| {
            let tx = tx.clone();
            async move {
                let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let tx = tx.clone();
                    async move { Ok::<_, std::convert::Infallible>(answer(req, tx).await) }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(HEADER_WAIT)
                    .serve_connection(io, svc);
                let _ = tokio::time::timeout(CONNECTION_LIFE, conn).await;
            }
        },
    );
    Ok(())
}

async fn answer(req: Request<hyper::body::Incoming>, tx: mpsc::Sender<Ask>) -> Response<Full<Bytes>> {
    let reply = |code: StatusCode, ctype: &str, body: String| {
        Response::builder()
            .status(code)
            .header("content-type", ctype)
            .body(Full::new(Bytes::from(body)))
            .expect("a valid response")
    };
    if req.method() != hyper::Method::GET || req.uri().path() != "/metrics" {
        return reply(StatusCode::NOT_FOUND, "text/plain", "only GET /metrics is served\n".into());
    }
    let (send, recv) = oneshot::channel();
    if tx.send(Ask::Metrics(send)).await.is_err() {
        return reply(StatusCode::SERVICE_UNAVAILABLE, "text/plain", "the daemon is stopping\n".into());
    }
    match recv.await {
        Ok(text) => reply(StatusCode::OK, "application/openmetrics-text; version=1.0.0; charset=utf-8", text),
        Err(_) => reply(StatusCode::SERVICE_UNAVAILABLE, "text/plain", "the daemon is stopping\n".into()),
    }
}
