//! Which multipath (ECMP) routes a plan must take out before it changes their links: the
//! kernel drops an IPv4 multipath route whole when one of its links goes, and an IPv6 one path
//! by path, without a word to the planner.

use super::{Op, Plan};
use crate::model::{Route, Sysctl};
use crate::state::State;

/// The host's multipath routes through a link that one of `plan`'s operations deletes, makes
/// again, renames, takes down, enslaves, releases, or turns IPv6 off on.
pub(super) fn in_the_way(current: &State, plan: &Plan) -> Vec<Route> {
    let live: Vec<&Route> = current.routes.iter().filter(|r| r.is_multipath()).collect();
    if live.is_empty() {
        return Vec::new();
    }
    let touched: Vec<&str> = plan.ops().flat_map(drops_routes_of).collect();
    live.into_iter().filter(|r| r.nexthops.iter().any(|h| touched.contains(&h.dev.as_str()))).cloned().collect()
}

/// The links after whose change by `op` the kernel may have dropped routes through them.
fn drops_routes_of(op: &Op) -> Vec<&str> {
    match op {
        // What a delete takes along, and a rename's old and new names: what they need.
        Op::Delete { .. } | Op::Rename { .. } => op.needs(),
        Op::Create { name, .. } | Op::SetDown { name } => vec![name],
        Op::SetSysctl { name, key: Sysctl::DisableIpv6, value: 1 } => vec![name],
        Op::Enslave { port, .. } | Op::Release { port, .. } => vec![port],
        _ => Vec::new(),
    }
}
