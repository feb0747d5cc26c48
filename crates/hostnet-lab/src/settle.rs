//! When a replica is ready to be measured. An 802.3ad replica is not in steady state when the
//! first probe gets through: LACP keeps negotiating for seconds, and faulting it then measures the
//! negotiation, not the fault. Steady state is judged from the kernel's own bond state plus the
//! probes:
//! - every up port of every 802.3ad bond (host and switches) has an LACP partner in sync, and the
//!   ports of the bond's active aggregator are collecting and distributing (ports that the kernel
//!   keeps in another aggregator are standby by design, and need only a partner);
//! - no bond changed its active aggregator, active port or set of active ports for `hold`;
//! - every probe direction has delivered every packet for `lossless`.

use std::collections::HashMap;
use std::time::Duration;

use hostnet_netlink::status::{LacpFlag, LacpPortState, LinkStatus};
use serde::{Deserialize, Serialize};

use crate::events::Views;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettleRule {
    /// How long bonds must keep the same active aggregator and ports.
    #[serde(default = "hold_ms")]
    pub hold_ms: u64,
    /// How long every probe direction must have lost nothing.
    #[serde(default = "lossless_ms")]
    pub lossless_ms: u64,
    /// Give up after this long, naming what did not converge.
    #[serde(default = "timeout_ms")]
    pub timeout_ms: u64,
}

/// Longer than LACP's aggregate wait (2 s), so a reselection it triggers is seen.
fn hold_ms() -> u64 {
    3000
}
fn lossless_ms() -> u64 {
    2000
}
fn timeout_ms() -> u64 {
    60_000
}

impl Default for SettleRule {
    fn default() -> Self {
        SettleRule { hold_ms: hold_ms(), lossless_ms: lossless_ms(), timeout_ms: timeout_ms() }
    }
}

impl SettleRule {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

/// What keeps one bond port from being settled, in words.
fn port_problem(port: &LinkStatus, active_agg: Option<u16>) -> Option<String> {
    let bp = port.bond_port.as_ref()?;
    if bp.mii_status != "up" {
        return None;
    }
    let actor = bp.actor_oper_port_state.as_ref();
    let partner = bp.partner_oper_port_state.as_ref();
    let has = |s: Option<&LacpPortState>, f: LacpFlag| s.is_some_and(|s| s.has(f));
    let why = if has(actor, LacpFlag::Defaulted) || has(actor, LacpFlag::Expired) || actor.is_none() {
        "no LACP partner"
    } else if !has(partner, LacpFlag::Synchronization) {
        "partner not in sync"
    } else if bp.aggregator_id.is_some() && bp.aggregator_id == active_agg {
        if has(actor, LacpFlag::Collecting) && has(actor, LacpFlag::Distributing) {
            return None;
        }
        "in the active aggregator but not collecting and distributing"
    } else {
        return None;
    };
    let short = |s: Option<&LacpPortState>| s.map(LacpPortState::short).unwrap_or_else(|| "-".into());
    Some(format!(
        "port {}: {why} (actor {}, partner {}, aggregator {} of active {})",
        port.name,
        short(actor),
        short(partner),
        bp.aggregator_id.map(|a| a.to_string()).unwrap_or_else(|| "-".into()),
        active_agg.map(|a| a.to_string()).unwrap_or_else(|| "none".into()),
    ))
}

/// Every reason the 802.3ad bonds of the replica are not yet converged, `node/bond port ...`.
pub fn lacp_problems(views: &Views) -> Vec<String> {
    let mut out = Vec::new();
    for (node, links) in views {
        for b in links.iter().filter(|l| l.bond.as_ref().is_some_and(|b| b.mode == "802.3ad")) {
            let active = b.bond.as_ref().and_then(|s| s.lacp.as_ref()).and_then(|l| l.aggregator_id);
            let ports: Vec<&LinkStatus> = links.iter().filter(|p| p.master.as_deref() == Some(&b.name)).collect();
            let up = ports.iter().filter(|p| p.bond_port.as_ref().is_some_and(|bp| bp.mii_status == "up")).count();
            if up > 0 && active.is_none() {
                out.push(format!("{node}/{}: no active aggregator", b.name));
            }
            for p in ports {
                if let Some(why) = port_problem(p, active) {
                    out.push(format!("{node}/{} {why}", b.name));
                }
            }
        }
    }
    out
}

/// What must not change during the hold time, per bond.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Signature {
    active_port: Option<String>,
    aggregator: Option<u16>,
    active_ports: Vec<String>,
}

fn signatures(views: &Views) -> HashMap<String, Signature> {
    let mut out = HashMap::new();
    for (node, links) in views {
        for b in links.iter().filter(|l| l.bond.is_some()) {
            let bs = b.bond.as_ref().expect("filtered");
            let mut active_ports: Vec<String> = links
                .iter()
                .filter(|p| p.master.as_deref() == Some(&b.name))
                .filter(|p| p.bond_port.as_ref().is_some_and(|bp| bp.state == "active" && bp.mii_status == "up"))
                .map(|p| p.name.clone())
                .collect();
            active_ports.sort();
            out.insert(
                format!("{node}/{}", b.name),
                Signature {
                    active_port: bs.active_port.clone(),
                    aggregator: bs.lacp.as_ref().and_then(|l| l.aggregator_id),
                    active_ports,
                },
            );
        }
    }
    out
}

/// Follows bond signatures over time and says how long each has been stable.
#[derive(Default)]
pub struct Stability {
    since: HashMap<String, (Signature, u64)>,
}

impl Stability {
    /// Records the views seen at `now_us`; returns the bond that changed most recently and when.
    pub fn observe(&mut self, views: &Views, now_us: u64) -> Option<(String, u64)> {
        let sigs = signatures(views);
        self.since.retain(|k, _| sigs.contains_key(k));
        for (k, s) in sigs {
            match self.since.get(&k) {
                Some((old, _)) if *old == s => {}
                _ => {
                    self.since.insert(k, (s, now_us));
                }
            }
        }
        self.since.iter().map(|(k, (_, t))| (k.clone(), *t)).max_by_key(|(_, t)| *t)
    }
}

/// The verdict of one look at the replica.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Settled,
    Waiting(Vec<String>),
}

/// Judges the replica at `now_us`, given the bonds' views, their stability, and for each probe
/// direction the time since its last loss (`None`: never delivered yet, or stalled now).
pub fn judge(
    rule: &SettleRule,
    views: &Views,
    stability: &mut Stability,
    now_us: u64,
    probes: &[(String, Option<u64>)],
) -> Verdict {
    let mut why = lacp_problems(views);
    if let Some((bond, t)) = stability.observe(views, now_us) {
        let stable_ms = (now_us.saturating_sub(t)) / 1000;
        if stable_ms < rule.hold_ms {
            why.push(format!(
                "{bond}: active aggregator or ports changed {stable_ms} ms ago (hold {} ms)",
                rule.hold_ms
            ));
        }
    }
    for (flow, clean_us) in probes {
        match clean_us {
            None => why.push(format!("probe {flow}: not delivering")),
            Some(c) if c / 1000 < rule.lossless_ms => {
                why.push(format!("probe {flow}: lossless for {} ms of {} ms", c / 1000, rule.lossless_ms))
            }
            Some(_) => {}
        }
    }
    if why.is_empty() { Verdict::Settled } else { Verdict::Waiting(why) }
}
