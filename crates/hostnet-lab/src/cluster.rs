//! Would a cluster running over the design lose a node? Corosync declares a node lost, and
//! Pacemaker fences it, when the totem token has not come round for the token timeout. The
//! probe peer stands for the other cluster node: a continuous outage between host and peer
//! longer than the token timeout means the token could not have made it either.
//!
//! Corosync's defaults (corosync.conf(5)): `token` is 3000 ms since corosync 3.1 (1000 ms
//! before); with three or more nodes in the nodelist, `token_coefficient` (650 ms) is added for
//! each node above two: timeout = token + (nodes - 2) * token_coefficient.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    /// totem `token`, ms.
    #[serde(default = "token_ms")]
    pub token_ms: u64,
    /// Nodes in corosync's nodelist.
    #[serde(default = "nodes")]
    pub nodes: u32,
    /// totem `token_coefficient`, ms.
    #[serde(default = "token_coefficient_ms")]
    pub token_coefficient_ms: u64,
}

fn token_ms() -> u64 {
    3000
}
fn nodes() -> u32 {
    2
}
fn token_coefficient_ms() -> u64 {
    650
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster { token_ms: token_ms(), nodes: nodes(), token_coefficient_ms: token_coefficient_ms() }
    }
}

impl Cluster {
    /// The real token timeout corosync computes.
    pub fn token_timeout_ms(&self) -> u64 {
        let extra = if self.nodes >= 3 { u64::from(self.nodes - 2) * self.token_coefficient_ms } else { 0 };
        self.token_ms + extra
    }
}

/// One step's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterVerdict {
    pub token_timeout_ms: u64,
    /// The longest continuous outage that overlaps the step, whole (it may have begun in an
    /// earlier step or last into a later one).
    pub longest_outage_ms: f64,
    /// When, counted from the step's action, the outage reached the token timeout: the node is
    /// declared lost and fenced.
    pub node_lost_at_ms: Option<f64>,
    /// Token timeout minus the longest outage, when the node survives.
    pub margin_ms: Option<f64>,
    /// The outage was still going when measurement ended: it is at least as long as measured.
    pub open_ended: bool,
}

impl ClusterVerdict {
    pub fn describe(&self) -> String {
        match (self.node_lost_at_ms, self.margin_ms) {
            (Some(at), _) => format!("NODE LOST at +{:.1} s", at / 1000.0),
            (None, Some(m)) if self.open_ended => format!("no loss yet (outage ongoing, {m:.0} ms left)"),
            (None, Some(_)) if self.longest_outage_ms == 0.0 => "survives".into(),
            (None, Some(m)) => format!("survives ({m:.0} ms margin)"),
            (None, None) => "survives".into(),
        }
    }
}
