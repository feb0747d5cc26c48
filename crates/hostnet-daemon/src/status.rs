//! `hostnet status`: per declared interface its phase, drift, recent events, carrier flaps and
//! bond health, as the daemon sends it over the socket and as the CLI prints it.

use std::collections::HashMap;
use std::fmt::Write;

use hostnet_netlink::status::{LacpFlag, LinkStatus};
use serde::{Deserialize, Serialize};

use crate::history::{Event, LinkHistory};
use crate::machine::Phase;
use crate::reconcile::LinkState;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Status {
    /// Where the running config came from.
    pub config: String,
    /// Set when the running config is not the daemon's own file (an apply through the socket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub reconcile: String,
    /// Seconds since the epoch.
    pub started: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial: Option<TrialStatus>,
    /// Full re-reads after lost notifications.
    pub resyncs: u64,
    pub reconcile_errors: u64,
    /// The config's online contract judged now; absent without an `online:` section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online: Option<hostnet_core::online::Verdict>,
    pub links: Vec<LinkReport>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrialStatus {
    pub id: String,
    pub reverts_in_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkReport {
    pub name: String,
    pub phase: Phase,
    /// False for a declared NIC that is not on the host.
    pub present: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oper_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<bool>,
    pub carrier_changes: u64,
    pub drift: Vec<String>,
    pub drift_events: u64,
    pub repairs: u64,
    pub errors: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    pub events: Vec<Event>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bond: Option<BondHealth>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dhcp4: Option<crate::dhcp::DhcpReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dhcp6: Option<crate::dhcp::DhcpReport>,
    /// What `hostnet wait-online --interface` judges: carrier, address, lease, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<hostnet_core::online::Facts>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BondHealth {
    pub mode: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_port: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregator_id: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_mac: Option<String>,
    pub ports: Vec<PortHealth>,
    /// "healthy", or what is wrong in words.
    pub verdict: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PortHealth {
    pub name: String,
    pub mii_status: String,
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregator_id: Option<u16>,
    /// Actor LACP state, abbreviated ("act,fast,agg,sync,col,dist").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lacp: Option<String>,
    /// Whether the port carries traffic: MII up and, in 802.3ad, collecting and distributing in
    /// the active aggregator.
    pub in_use: bool,
    pub link_failures: u32,
}

/// A bond's health from its status and its ports' statuses.
pub fn bond_health(bond: &LinkStatus, by_name: &HashMap<&str, &LinkStatus>) -> Option<BondHealth> {
    let b = bond.bond.as_ref()?;
    let agg = b.lacp.as_ref().and_then(|l| l.aggregator_id);
    let lacp = b.mode == "802.3ad";
    let ports: Vec<PortHealth> = b
        .ports
        .iter()
        .filter_map(|p| {
            let s = by_name.get(p.as_str())?;
            let bp = s.bond_port.as_ref()?;
            let actor = bp.actor_oper_port_state.as_ref();
            let in_use = bp.mii_status == "up"
                && (!lacp
                    || (bp.aggregator_id == agg
                        && actor.is_some_and(|a| a.has(LacpFlag::Collecting) && a.has(LacpFlag::Distributing))));
            Some(PortHealth {
                name: p.clone(),
                mii_status: bp.mii_status.clone(),
                state: bp.state.clone(),
                aggregator_id: bp.aggregator_id,
                lacp: actor.map(|a| a.short()),
                in_use,
                link_failures: bp.link_failure_count.unwrap_or(0),
            })
        })
        .collect();
    let used = ports.iter().filter(|p| p.in_use).count();
    let verdict = if ports.is_empty() {
        "no ports".to_string()
    } else if used == ports.len() {
        "healthy".to_string()
    } else if used == 0 {
        "DOWN: no port carries traffic".to_string()
    } else {
        let idle: Vec<&str> = ports.iter().filter(|p| !p.in_use).map(|p| p.name.as_str()).collect();
        format!("DEGRADED: {used} of {} ports in use; not in use: {}", ports.len(), idle.join(", "))
    };
    Some(BondHealth {
        mode: b.mode.clone(),
        active_port: b.active_port.clone(),
        aggregator_id: agg,
        partner_mac: b.lacp.as_ref().and_then(|l| l.partner_mac.clone()),
        ports,
        verdict,
    })
}

/// One declared link's report from what the daemon knows about it.
pub fn link_report(
    name: &str,
    state: Option<&LinkState>,
    history: Option<&LinkHistory>,
    live: Option<&LinkStatus>,
    by_name: &HashMap<&str, &LinkStatus>,
    events: usize,
) -> LinkReport {
    let h = history.cloned().unwrap_or_default();
    LinkReport {
        name: name.to_string(),
        phase: state.map_or(Phase::Pending, |s| s.phase),
        present: live.is_some()
            || [
                hostnet_core::plan::DNS_SUBJECT,
                hostnet_core::plan::RULES_SUBJECT,
                hostnet_core::plan::ROUTES_SUBJECT,
                hostnet_core::plan::SYSCTLS_SUBJECT,
            ]
            .contains(&name),
        oper_state: live.map(|l| l.oper_state.clone()),
        carrier: live.map(|l| l.carrier),
        carrier_changes: h.carrier_changes,
        drift: state.map(|s| s.drift.clone()).unwrap_or_default(),
        drift_events: h.drift_events,
        repairs: h.repairs,
        errors: h.errors,
        last_error: h.last_error.clone(),
        events: h.events.iter().rev().take(events).rev().cloned().collect(),
        bond: live.and_then(|l| bond_health(l, by_name)),
        dhcp4: None,
        dhcp6: None,
        facts: None,
    }
}

/// The phase in the table; the two that need attention in capitals.
fn phase_word(p: Phase) -> String {
    match p {
        Phase::Drifted | Phase::Failed => p.name().to_uppercase(),
        _ => p.name().to_string(),
    }
}

fn clock(at: f64) -> String {
    // Wall-clock time of day, UTC, as journald shows it with -o short-iso in a UTC zone.
    let secs = at as u64;
    format!("{:02}:{:02}:{:02}", (secs / 3600) % 24, (secs / 60) % 60, secs % 60)
}

/// The status as people read it.
pub fn render(s: &Status) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "config: {} (reconcile: {})", s.config, s.reconcile);
    if let Some(n) = &s.note {
        let _ = writeln!(out, "note: {n}");
    }
    if let Some(t) = &s.trial {
        let _ = writeln!(out, "trial pending: reverts in {} s unless `hostnet confirm`", t.reverts_in_secs);
    }
    if s.resyncs > 0 || s.reconcile_errors > 0 {
        let _ =
            writeln!(out, "resyncs after lost notifications: {}, reconcile errors: {}", s.resyncs, s.reconcile_errors);
    }
    let _ = writeln!(out, "{:<16} {:<12} {:<9} {:>7}  DRIFT", "INTERFACE", "STATE", "CARRIER", "FLAPS");
    for l in &s.links {
        let carrier = match (l.present, l.carrier) {
            (false, _) => "absent",
            (_, Some(true)) => "up",
            (_, Some(false)) => "down",
            (_, None) => "-",
        };
        let drift = if l.drift.is_empty() { "-".to_string() } else { l.drift.join("; ") };
        let _ = writeln!(
            out,
            "{:<16} {:<12} {:<9} {:>7}  {drift}",
            l.name,
            phase_word(l.phase),
            carrier,
            l.carrier_changes
        );
        if let Some(b) = &l.bond {
            let agg = b.aggregator_id.map(|a| format!(", aggregator {a}")).unwrap_or_default();
            let partner = b.partner_mac.as_ref().map(|m| format!(", partner {m}")).unwrap_or_default();
            let _ = writeln!(out, "  bond {}{agg}{partner}: {}", b.mode, b.verdict);
            for p in &b.ports {
                let lacp = p.lacp.as_ref().map(|x| format!(" lacp [{x}]")).unwrap_or_default();
                let agg = p.aggregator_id.map(|a| format!(" agg {a}")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "    {:<12} mii {:<4} {:<6}{agg}{lacp} failures {}{}",
                    p.name,
                    p.mii_status,
                    p.state,
                    p.link_failures,
                    if p.in_use { "" } else { "  NOT IN USE" }
                );
            }
        }
        for (proto, d) in [("dhcp4", &l.dhcp4), ("dhcp6", &l.dhcp6)] {
            let Some(d) = d else { continue };
            let lease = match (&d.address, &d.server, d.expires_in_secs, d.refresh_in_secs) {
                (Some(a), Some(srv), Some(t), _) => format!(" {a} from {srv}, expires in {t} s"),
                (None, Some(srv), _, Some(t)) => format!(" from {srv}, refresh in {t} s"),
                _ => String::new(),
            };
            let dns = if d.dns.is_empty() { String::new() } else { format!(", dns {}", d.dns.join(" ")) };
            let ntp = if d.ntp.is_empty() { String::new() } else { format!(", ntp {}", d.ntp.join(" ")) };
            let _ = writeln!(out, "  {proto} {}{lease}{dns}{ntp}", d.phase);
        }
        if let Some(e) = &l.last_error {
            let _ = writeln!(out, "  last error: {e}");
        }
        for e in &l.events {
            let _ = writeln!(out, "  {} {}", clock(e.at), e.what);
        }
    }
    out
}
