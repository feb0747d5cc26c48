//! The engine's seam to a host: observe it, run one operation on it, and wait for the IPv6
//! start-up behind bridge ports. The kernel adapter (`hostnet-netlink`) and the in-memory
//! [`crate::SimHost`] implement it.

use std::borrow::Cow;
use std::time::Duration;

use hostnet_core::plan::Op;
use hostnet_core::{Config, OpError, State};
use serde::{Deserialize, Serialize};

/// Hold the bridges only when bringing the links up took at least this long. Start-up takes up
/// to 2 s (a random delay of up to 1 s, then 1 s of duplicate address detection) and the hold a
/// second more, so it adds at most about half again to the ups. And slow ups mean a kernel with
/// many IPv6 links, where each flooded packet costs most: at 4000 veth pairs the ups took 4.4 s
/// and the hold took the kernel's work after the apply from 282-523 s to 28-62 s; at 1000 pairs
/// they take 0.1 s, and a hold would have made a 0.6 s apply 3 s to spare about 20 s of kernel
/// work, already less than `ip -batch` leaves.
pub const HOLD_AFTER_UPS: Duration = Duration::from_secs(2);

/// The longest hold: a link whose address never leaves detection (no carrier after all) must
/// not stall the apply.
pub const MAX_HOLD: Duration = Duration::from_secs(5);

/// Why the host could not be observed or waited on (not one operation's failure: that is an
/// [`OpError`] in the report). Carries the adapter's own error, displayed as it is.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct HostError(pub Box<dyn std::error::Error + Send + Sync>);

impl HostError {
    pub fn msg(m: impl Into<String>) -> Self {
        HostError(m.into().into())
    }
}

impl From<std::io::Error> for HostError {
    fn from(e: std::io::Error) -> Self {
        HostError(Box::new(e))
    }
}

/// A host the engine can change.
#[allow(async_fn_in_trait)]
pub trait Host {
    /// The host as the planner needs it for `desired`: links, addresses, routes and rules, and
    /// what only `desired` asks for (DNS, NIC settings, WireGuard peers). Borrowed where the
    /// host keeps a picture of itself (the daemon's mirror): a copy of thousands of links per
    /// observation is made only by a caller that must change it.
    async fn observe(&mut self, desired: &Config) -> Result<Cow<'_, State>, HostError>;

    /// Carries out one operation.
    async fn run(&mut self, op: &Op) -> Result<(), OpError>;

    /// Waits until each of `names` has finished its IPv6 start-up, or `max` has passed.
    async fn await_startup(&mut self, names: &[String], max: Duration) -> Result<Held, HostError>;

    /// Lets time pass: the kernel settles between verification attempts (bonds adopt MACs and
    /// carrier asynchronously). An in-memory host returns at once.
    async fn pause(&mut self, d: Duration);

    /// Every link's name, for saying what was left alone when no observation was made.
    async fn link_names(&mut self) -> Result<Vec<String>, HostError>;
}

/// A hold, as the apply report tells it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Held {
    /// How many links the bridges waited for.
    pub links: usize,
    pub waited_ms: u64,
    /// False when the hold ended at [`MAX_HOLD`] with some links still starting.
    pub complete: bool,
}

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "held the bridges {} ms for the IPv6 start-up of {} links behind their ports",
            self.waited_ms, self.links
        )?;
        if !self.complete {
            write!(f, " (some were still starting)")?;
        }
        Ok(())
    }
}
