//! Whose IPv6 start-up a plan's bridges would flood when they come up: the links behind their
//! veth ports. The executor may hold the bridges down until that start-up is over.
//!
//! A link that gains carrier starts IPv6: duplicate address detection of its fe80:: address
//! (a random delay of up to a second, then a second of waiting), MLD reports, and a router
//! solicitation once the address is confirmed. An up bridge floods each of those packets to
//! all its other ports, and each receiver's route lookup walks one `ff00::/8` route per link
//! with IPv6. At 4000 veth pairs in 40 bridges, bridges brought up right after the links kept
//! the kernel busy for 250-310 s after the apply; held down 2 s or more, 20-32 s
//! (bench/bridge-hold.py, BENCHMARKS.md).

use std::collections::{HashMap, HashSet};

use crate::State;
use crate::model::Config;
use crate::model::{Kind, Sysctl};

use super::{Op, Plan};

/// Bridges to hold, and the links whose start-up they wait for.
#[derive(Debug, Clone, PartialEq)]
pub struct BridgeHold {
    /// The plan step that brings the first bridge up.
    pub at: usize,
    /// The links whose fe80:: address must leave duplicate address detection first.
    pub behind: Vec<String>,
}

/// Where `plan` brings a bridge up whose ports are veths whose other ends it also starts with
/// IPv6; `None` when there is no such bridge.
pub fn bridge_hold(desired: &Config, current: &State, plan: &Plan) -> Option<BridgeHold> {
    let upped: HashSet<&str> = plan
        .steps
        .iter()
        .filter_map(|s| if let Op::SetUp { name } = &s.op { Some(name.as_str()) } else { None })
        .collect();
    let declared: HashMap<&str, &crate::model::Interface> =
        desired.interfaces.iter().map(|i| (i.name.as_str(), i)).collect();
    let enslaved: HashSet<&str> =
        desired.interfaces.iter().flat_map(|i| i.kind.ports().iter().map(String::as_str)).collect();
    let mut peer: HashMap<&str, &str> = HashMap::new();
    for i in &desired.interfaces {
        if let Kind::Veth(v) = &i.kind {
            peer.insert(i.name.as_str(), v.peer.as_str());
            peer.insert(v.peer.as_str(), i.name.as_str());
        }
    }
    let defaults = &current.sysctl_defaults;
    let starts_ipv6 = |name: &str| {
        let v6 = declared.get(name).map(|i| i.ipv6.clone()).unwrap_or_default();
        let disabled = v6.disable_ipv6.unwrap_or(defaults.get(Sysctl::DisableIpv6) == Some(1));
        let link_local = v6.link_local.unwrap_or(defaults.get(Sysctl::AddrGenMode) != Some(1));
        !disabled && link_local && !enslaved.contains(name)
    };
    let mut at = None;
    let mut behind = Vec::new();
    for (i, step) in plan.steps.iter().enumerate() {
        let Op::SetUp { name } = &step.op else { continue };
        let Some(Kind::Bridge(b)) = declared.get(name.as_str()).map(|i| &i.kind) else { continue };
        at.get_or_insert(i);
        for port in &b.ports {
            let Some(&other) = peer.get(port.as_str()) else { continue };
            if (upped.contains(port.as_str()) || upped.contains(other)) && starts_ipv6(other) {
                behind.push(other.to_string());
            }
        }
    }
    at.filter(|_| !behind.is_empty()).map(|at| BridgeHold { at, behind })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(yaml: &str) -> Config {
        crate::load("test.yaml", yaml).expect("valid")
    }

    const TWO_PORTS: &str = "
interfaces:
  - { name: br0, bridge: { ports: [v0, v1] } }
  - { name: v0, veth: { peer: p0 } }
  - { name: p0, veth: { peer: v0 }, addresses: [10.0.0.1/24] }
  - { name: v1, veth: { peer: p1 } }
  - { name: p1, veth: { peer: v1 }, ipv6: { link_local: false } }
";

    #[test]
    fn holds_the_bridge_for_the_peers_that_start_ipv6() {
        let c = config(TWO_PORTS);
        let p = crate::plan(&c, &State::default());
        let hold = bridge_hold(&c, &State::default(), &p).expect("a hold");
        assert_eq!(hold.behind, ["p0"]);
        assert_eq!(p.steps[hold.at].op, Op::SetUp { name: "br0".into() });
        // Every other link is up by then.
        assert!(p.steps[..hold.at].iter().any(|s| s.op == Op::SetUp { name: "p0".into() }));
    }

    #[test]
    fn no_hold_when_the_bridge_is_already_up_or_nothing_behind_it_starts_ipv6() {
        let c = config(TWO_PORTS);
        let mut current = State::default();
        current.sysctl_defaults.set(Sysctl::AddrGenMode, 1);
        let p = crate::plan(&c, &current);
        assert_eq!(bridge_hold(&c, &current, &p), None);
        let none = Plan { steps: p.steps.into_iter().filter(|s| s.op != Op::SetUp { name: "br0".into() }).collect() };
        assert_eq!(bridge_hold(&c, &State::default(), &none), None);
    }
}
