//! Drift in words: what an operation the planner wants says about how the host differs from the
//! config ("address 192.0.2.2/24 missing", "MTU 1500 instead of 9000"), for the daemon's status
//! and logs.

use super::{Op, Selector, render::route_text};
use crate::model::{BondOpt, Kind};
use crate::state::State;

/// How the host differs from the config, as shown by `op`, which would repair it.
pub fn describe(op: &Op, current: &State) -> String {
    let live = |name: &str| current.get(name);
    match op {
        Op::Missing { selector, .. } => format!("no NIC matches {selector}"),
        Op::Rename { from: Selector::Name(old), to } => format!("NIC found as {old}, not yet named {to}"),
        Op::Rename { from, to } => format!("NIC ({from}) not yet named {to}"),
        Op::Create { kind, .. } => format!("{} missing", kind.name()),
        Op::Delete { name, .. } => match live(name) {
            Some(l) => format!("{} present but declared absent or of another kind", l.iface.kind.name()),
            None => "present but declared absent".into(),
        },
        Op::SetMtu { name, mtu } => {
            format!(
                "MTU {} instead of {mtu}",
                live(name).and_then(|l| l.iface.mtu).map_or("unknown".into(), |m| m.to_string())
            )
        }
        Op::SetMac { name, mac } => format!(
            "MAC {} instead of {mac}",
            live(name).and_then(|l| l.iface.mac).map_or("unknown".into(), |m| m.to_string())
        ),
        Op::SetUp { .. } => "down instead of up".into(),
        Op::SetDown { .. } => "up instead of down".into(),
        Op::Enslave { port, master } => match live(port).and_then(|l| l.master.clone()) {
            Some(m) => format!("a port of {m} instead of {master}"),
            None => format!("not a port of {master}"),
        },
        Op::Release { master, .. } => format!("a port of {master}, which the config does not give it"),
        Op::SetBondMode { name, mode } => match live(name).map(|l| &l.iface.kind) {
            Some(Kind::Bond(b)) => format!("bond mode {} instead of {mode}", b.mode),
            _ => format!("bond mode not {mode}"),
        },
        Op::SetBondOptions { name, options } => {
            let have: Vec<BondOpt> = match live(name).map(|l| &l.iface.kind) {
                Some(Kind::Bond(b)) => b.options(),
                _ => vec![],
            };
            options
                .iter()
                .map(|o| match have.iter().find(|h| h.same_kind(o)) {
                    Some(h) => format!("bond option {} is {} instead of {}", o.key(), h.value_text(), o.value_text()),
                    None => format!("bond option {} unset instead of {}", o.key(), o.value_text()),
                })
                .collect::<Vec<_>>()
                .join("; ")
        }
        Op::SetBridgeOptions { .. } => "bridge options differ".into(),
        Op::SetWireguard { .. } => "WireGuard key, port or peers differ".into(),
        Op::SetBridgePort { .. } => "bridge port settings differ".into(),
        Op::BridgeVlans { .. } => "bridge VLANs differ".into(),
        Op::SetEthtool { .. } => "NIC settings (ethtool) differ".into(),
        Op::AddAddress { address, .. } => format!("address {address} missing"),
        Op::DelAddress { address, .. } => format!("address {address} not in the config"),
        Op::AddRoute { route, .. } => format!("route {} missing", route_text(route)),
        Op::DelRoute { route, .. } => format!("route {} not in the config", route_text(route)),
        Op::SetDns { .. } => "resolv.conf differs".into(),
        Op::SetSysctl { name, key, value } => format!(
            "{} is {} instead of {value}",
            key.dotted(name),
            live(name).and_then(|l| l.sysctls.get(*key)).map_or("unknown".into(), |v| v.to_string())
        ),
        Op::AddRule { rule } => format!("rule `{rule}` missing"),
        Op::DelRule { rule } => format!("rule `{rule}` not in the config"),
        Op::SetNetSysctl { key, value } => format!("{key} differs from {value}"),
    }
}
