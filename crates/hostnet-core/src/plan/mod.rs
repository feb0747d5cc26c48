//! Operations that take a host from its current state to the declared one, in an order the
//! kernel accepts, each with the operations that undo it.

mod build;
pub mod drift;
mod hold;
mod multipath;
mod render;
pub mod scope;
mod sims;

use serde::{Deserialize, Serialize};

use crate::model::{BondMode, BondOpt, Bridge, BridgePort, Cidr, Dns, Kind, MacAddr, Route, Rule, Sysctl};

pub(crate) use build::{default_vlans, remade, without_ports};
pub use build::{plan, plan_pruning, plan_with_graph};

/// Links hostnet made or configured, by name, with the index each had when recorded (the
/// engine's store keeps the record). Those the config no longer declares are removed (virtual
/// ones) or released from their masters (NICs) by [`plan_pruning`]; a link of that name with
/// another index is someone else's since, and is left alone.
pub type Owned = std::collections::BTreeMap<String, u32>;
pub use hold::{BridgeHold, bridge_hold};
pub use render::{IpTarget, ip_line, op_line, render_ip, render_text, route_text};

/// How a NIC is found before it is renamed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selector {
    Name(String),
    Mac(MacAddr),
    PciPath(String),
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Selector::Name(n) => write!(f, "name {n}"),
            Selector::Mac(m) => write!(f, "mac {m}"),
            Selector::PciPath(p) => write!(f, "pci {p}"),
        }
    }
}

/// See [`Op::Create`]'s `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Indexes {
    pub link: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// A declared NIC that the current state does not have; fails when executed, so that
    /// everything stacked on it is skipped and everything else still applies.
    Missing {
        name: String,
        selector: Selector,
    },
    /// Finds a NIC, takes it down if it is up (the kernel refuses to rename a running link),
    /// and renames it.
    Rename {
        from: Selector,
        to: String,
    },
    /// Creates a virtual link. Bonds and bridges are created without ports; for a veth,
    /// the peer is created too.
    Create {
        name: String,
        kind: Kind,
        /// Where a rollback makes again a link it deleted: the index it had (and its veth
        /// peer's), asked of the kernel so that the link comes back where it was (`ip` lists
        /// links by index). Recorded in the undo itself, so that a trial reverted or an apply
        /// recovered by another process does it too. `None` for a new link.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<Indexes>,
    },
    Delete {
        name: String,
        /// The links the kernel changes with it: those on it (VLANs, macvlans, ipvlans), which
        /// it deletes, and its ports, which it releases. The plan deletes or releases them
        /// first; if that failed for one, this delete must not take it along, since nothing
        /// would put it back.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        takes: Vec<String>,
    },
    SetMtu {
        name: String,
        mtu: u32,
    },
    SetMac {
        name: String,
        mac: MacAddr,
    },
    SetDown {
        name: String,
    },
    SetUp {
        name: String,
    },
    Enslave {
        port: String,
        master: String,
    },
    Release {
        port: String,
        master: String,
    },
    SetBondMode {
        name: String,
        mode: BondMode,
    },
    SetBondOptions {
        name: String,
        options: Vec<BondOpt>,
    },
    SetBridgeOptions {
        name: String,
        options: Bridge,
    },
    /// Sets a WireGuard link's key (from its file), port, mark and whole peer list.
    SetWireguard {
        name: String,
        config: Box<crate::model::wireguard::Wireguard>,
    },
    /// Sets the declared settings of a bridge port (the rest stay as they are).
    SetBridgePort {
        name: String,
        options: BridgePort,
    },
    /// Changes one group of NIC settings (features, queue counts, rings, coalescing or link
    /// modes): only the values listed.
    SetEthtool {
        name: String,
        settings: Box<crate::model::Ethtool>,
    },
    /// Adds (or changes the flags of) and removes VLANs of a bridge port, or of the bridge
    /// itself (`own`).
    BridgeVlans {
        name: String,
        own: bool,
        add: Vec<crate::model::BridgeVlan>,
        del: Vec<crate::model::BridgeVlan>,
    },
    AddAddress {
        name: String,
        address: Cidr,
        /// Without the broadcast address hostnet otherwise gives an IPv4 address: set when
        /// putting back an address the host had without one.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        no_broadcast: bool,
    },
    DelAddress {
        name: String,
        address: Cidr,
    },
    AddRoute {
        name: String,
        route: Route,
    },
    DelRoute {
        name: String,
        route: Route,
    },
    SetDns {
        dns: Dns,
        /// The links the servers belong to where systemd-resolved owns resolv.conf (it keeps
        /// DNS per link): see [`crate::Config::dns_links`]. Unused when hostnet writes the file.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        links: Vec<String>,
    },
    /// Writes one of the interface's sysctls under /proc/sys/net.
    SetSysctl {
        name: String,
        key: Sysctl,
        value: i32,
    },
    AddRule {
        rule: Rule,
    },
    DelRule {
        rule: Rule,
    },
    /// Writes a namespace-wide sysctl (`net.ipv4.ip_forward`), its value as /proc/sys takes it.
    SetNetSysctl {
        key: String,
        value: String,
    },
}

/// The pseudo-device that DNS operations change.
pub const DNS_SUBJECT: &str = "(dns)";
/// The pseudo-device that routing rule operations change. A failed rule breaks no other: rules
/// name interfaces but do not need them to exist.
pub const RULES_SUBJECT: &str = "(rules)";
/// The pseudo-device that owns the config's top-level routes (blackhole, unreachable,
/// prohibit): they go out of no interface, and need none.
pub const ROUTES_SUBJECT: &str = "(routes)";

/// The pseudo-device that namespace-wide sysctl operations change.
pub const SYSCTLS_SUBJECT: &str = "(sysctls)";

/// Whether IPv4 address `b` (at `i` in the kernel's list `have`) is a secondary of the subnet
/// whose primary is `a`: same network and prefix, and `a` the first of that subnet in the list.
pub(crate) fn same_subnet_after(
    have: &[crate::model::Cidr],
    a: &crate::model::Cidr,
    b: &crate::model::Cidr,
    i: usize,
) -> bool {
    let subnet = |c: &crate::model::Cidr| match c.0 {
        ipnet::IpNet::V4(n) => Some((n.network(), n.prefix_len())),
        ipnet::IpNet::V6(_) => None,
    };
    let Some(net) = subnet(a) else { return false };
    let primary = have.iter().position(|h| subnet(h) == Some(net));
    subnet(b) == Some(net) && primary.is_some_and(|p| have[p] == *a && p < i)
}

impl Op {
    /// The operation's name, as its `op` tag in JSON.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Op::Missing { .. } => "missing",
            Op::Rename { .. } => "rename",
            Op::Create { .. } => "create",
            Op::Delete { .. } => "delete",
            Op::SetMtu { .. } => "set_mtu",
            Op::SetMac { .. } => "set_mac",
            Op::SetDown { .. } => "set_down",
            Op::SetUp { .. } => "set_up",
            Op::Enslave { .. } => "enslave",
            Op::Release { .. } => "release",
            Op::SetBondMode { .. } => "set_bond_mode",
            Op::SetBondOptions { .. } => "set_bond_options",
            Op::SetBridgeOptions { .. } => "set_bridge_options",
            Op::SetWireguard { .. } => "set_wireguard",
            Op::SetBridgePort { .. } => "set_bridge_port",
            Op::BridgeVlans { .. } => "bridge_vlans",
            Op::SetEthtool { .. } => "set_ethtool",
            Op::AddAddress { .. } => "add_address",
            Op::DelAddress { .. } => "del_address",
            Op::AddRoute { .. } => "add_route",
            Op::DelRoute { .. } => "del_route",
            Op::SetDns { .. } => "set_dns",
            Op::SetSysctl { .. } => "set_sysctl",
            Op::AddRule { .. } => "add_rule",
            Op::DelRule { .. } => "del_rule",
            Op::SetNetSysctl { .. } => "set_net_sysctl",
        }
    }

    /// The device this operation changes. If the operation fails, this device is broken for the
    /// rest of the run.
    pub fn subject(&self) -> &str {
        match self {
            Op::Missing { name, .. }
            | Op::Create { name, .. }
            | Op::Delete { name, .. }
            | Op::SetMtu { name, .. }
            | Op::SetMac { name, .. }
            | Op::SetDown { name }
            | Op::SetUp { name }
            | Op::SetBondMode { name, .. }
            | Op::SetBondOptions { name, .. }
            | Op::SetBridgeOptions { name, .. }
            | Op::SetWireguard { name, .. }
            | Op::SetBridgePort { name, .. }
            | Op::BridgeVlans { name, .. }
            | Op::SetEthtool { name, .. }
            | Op::AddAddress { name, .. }
            | Op::DelAddress { name, .. }
            | Op::AddRoute { name, .. }
            | Op::DelRoute { name, .. }
            | Op::SetSysctl { name, .. } => name,
            Op::Rename { to, .. } => to,
            Op::Enslave { port, .. } | Op::Release { port, .. } => port,
            Op::SetDns { .. } => DNS_SUBJECT,
            Op::AddRule { .. } | Op::DelRule { .. } => RULES_SUBJECT,
            Op::SetNetSysctl { .. } => SYSCTLS_SUBJECT,
        }
    }

    /// Devices left broken when this operation fails or is skipped: its subject, for a veth
    /// pair the peer too, which the same request creates, for a release the master, and for a
    /// delete what it would have taken along.
    pub fn breaks(&self) -> Vec<&str> {
        match self {
            Op::Create { kind: Kind::Veth(v), name, .. } => vec![name, &v.peer],
            // A master that kept a port it should have let go is not what the plan expects
            // either: deleting it would take the port along, which no undo puts back.
            Op::Release { port, master } => vec![port, master],
            // What a delete takes along, the plan counts as gone or released; it is not.
            Op::Delete { name, takes } => std::iter::once(name).chain(takes).map(String::as_str).collect(),
            // A multipath route still there would be dropped by the kernel with the next change
            // of one of its links, and nothing would put it back: those changes must not run.
            Op::DelRoute { name, route } if name == ROUTES_SUBJECT && route.is_multipath() => {
                std::iter::once(ROUTES_SUBJECT).chain(route.nexthops.iter().map(|h| h.dev.as_str())).collect()
            }
            _ => vec![self.subject()],
        }
    }

    /// Devices that must be healthy for this operation to be attempted.
    pub fn needs(&self) -> Vec<&str> {
        match self {
            Op::Enslave { port, master } => vec![port, master],
            Op::Delete { name, takes } => std::iter::once(name).chain(takes).map(String::as_str).collect(),
            Op::Rename { from: Selector::Name(old), to } => vec![old, to],
            Op::Create { kind: Kind::Vlan(v), name, .. } => vec![&v.base, name],
            Op::AddRule { .. } | Op::DelRule { .. } | Op::SetNetSysctl { .. } => vec![],
            // A multipath route needs the links of its paths; the others, none.
            Op::AddRoute { name, route } | Op::DelRoute { name, route } if name == ROUTES_SUBJECT => {
                route.nexthops.iter().map(|h| h.dev.as_str()).collect()
            }
            _ => vec![self.subject()],
        }
    }
}

/// The operations that reverse a step, in order.
pub type Undo = smallvec::SmallVec<[Op; 1]>;

/// One operation and what reverses it, computed from the state before it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    #[serde(flatten)]
    pub op: Op,
    /// Inline when it is one operation, as nearly all are: a plan of 10,000 interfaces made
    /// 29,000 one-element vectors.
    #[serde(default, skip_serializing_if = "Undo::is_empty")]
    pub undo: Undo,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub steps: Vec<Step>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    pub fn ops(&self) -> impl Iterator<Item = &Op> {
        self.steps.iter().map(|s| &s.op)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plans always serialize")
    }
}

/// Routes the kernel removes with `address` from a link that has `addresses` (and leased
/// ones, `dynamic`) and `routes`: those using it as source, those whose gateway is reachable
/// only through its subnet, and, when it is the link's last IPv4 address, every IPv4 route of
/// the link, `onlink` ones too (fib_inetaddr_event: the last address gone, IPv4 is disabled on
/// the link). Seen in the OS-level VM: ifupdown's `default via 10.0.0.1 onlink` went with
/// 10.0.0.20/24, and its planned deletion failed with ESRCH.
pub fn routes_dropped_by(addresses: &[Cidr], dynamic: &[Cidr], routes: &[Route], address: &Cidr) -> Vec<Route> {
    let others: Vec<&Cidr> = addresses.iter().chain(dynamic).filter(|a| *a != address).collect();
    let last_v4 = address.addr().is_ipv4() && !others.iter().any(|o| o.addr().is_ipv4());
    routes
        .iter()
        .filter(|r| {
            let src_gone = r.src == Some(address.addr());
            let gw_gone =
                !r.onlink && r.via.is_some_and(|gw| address.contains(&gw) && !others.iter().any(|o| o.contains(&gw)));
            src_gone || gw_gone || (last_v4 && !r.is_ipv6())
        })
        .cloned()
        .collect()
}

/// Takes from a running link what the kernel drops when it takes it down (by hand, for a rename, or when a
/// bond lets its port go): its IPv6 addresses (`keep_addr_on_down` is 0 by default) and every
/// route through it, IPv4 and IPv6. IPv4 addresses stay. Seen on 6.1 with a veth: after
/// `ip link set va down`, `fd00::1/64` and `198.18.0.0/24 via 10.0.0.254` were gone, and the
/// route could not be added back while the link was down ("Device for nexthop is not up").
pub fn take_down(addresses: &mut Vec<Cidr>, dynamic: &mut Vec<Cidr>, routes: &mut Vec<Route>) {
    addresses.retain(|a| !lost_on_down(a));
    dynamic.retain(|a| !lost_on_down(a));
    routes.clear();
}

fn lost_on_down(a: &Cidr) -> bool {
    a.addr().is_ipv6()
}

/// What undoes taking a running link down: up again, then what the kernel dropped, addresses
/// before the routes that need them.
fn back_up<'a>(name: &'a str, addresses: &'a [Cidr], routes: &'a [Route]) -> impl Iterator<Item = Op> + 'a {
    let up = std::iter::once(Op::SetUp { name: name.to_string() });
    let addrs = addresses.iter().filter(|a| lost_on_down(a));
    let addrs = addrs.map(move |a| Op::AddAddress { name: name.to_string(), address: *a, no_broadcast: false });
    let routes = routes.iter().map(move |route| Op::AddRoute { name: name.to_string(), route: route.clone() });
    up.chain(addrs).chain(routes)
}

#[cfg(test)]
mod dropped_tests {
    use super::*;

    fn route(s: &str) -> Route {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn the_last_ipv4_address_takes_every_ipv4_route_of_its_link_with_it() {
        let a: Cidr = "10.0.0.20/24".parse().unwrap();
        let onlink = route(r#"{"dst": "default", "via": "10.0.0.1", "onlink": true}"#);
        let v6 = route(r#"{"dst": "default", "via": "2001:db8::1"}"#);
        let routes = vec![onlink.clone(), v6];
        assert_eq!(routes_dropped_by(&[a], &[], &routes, &a), vec![onlink.clone()]);
        // Another IPv4 address (a lease counts) keeps IPv4 up on the link.
        let other: Cidr = "192.0.2.9/24".parse().unwrap();
        assert!(routes_dropped_by(&[a, other], &[], &routes, &a).is_empty());
        assert!(routes_dropped_by(&[a], &[other], &routes, &a).is_empty());
    }
}
