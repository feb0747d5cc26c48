//! The declared host network: what `hostnet` reads from YAML and what `show` writes back.
//!
//! ```yaml
//! interfaces:
//!   - name: e1p2
//!     ethernet: { match: { mac: "52:54:00:00:01:02" } }
//!   - name: idmz1
//!     bond: { mode: 802.3ad, ports: [e1p2, e3p2], miimon: 100 }
//! ```
//! Each interface names its kind by the key that holds its kind-specific settings.

pub mod bond;
pub mod bridge_timers;
pub mod dhcp;
pub mod ethtool;
pub mod foreign_keys;
pub mod ip;
pub mod kernel_enum;
pub mod kinds;
pub mod net;
pub mod net_sysctl;
mod route_words;
pub mod rule;
mod rule_words;
pub mod virt;
pub mod vlans;
pub mod wireguard;

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

pub use bond::{Bond, BondMode, BondOpt};
pub use dhcp::{ClientId, Dhcp4, Dhcp6, Dhcp6Mode};
pub use ethtool::{Channels, Coalesce, Duplex, Ethtool, LinkModes, Rings};
pub use ip::{AddrGenMode, Ipv4Settings, Ipv6Settings, Privacy, RpFilter, Sysctl, SysctlValues, settings_from};
pub use kinds::{Bridge, BridgePort, CabledTo, Ethernet, Match, Veth, Vlan, VlanProtocol};
pub use net::{Cidr, MacAddr, NextHop, Route, RouteDst, RouteProtocol, RouteScope, RouteType};
pub use rule::Rule;
pub use virt::{Dummy, Ipvlan, IpvlanFlags, IpvlanMode, Macvlan, MacvlanMode, Vrf, Vxlan};
pub use vlans::BridgeVlan;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub interfaces: Vec<Interface>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<Dns>,
    /// Policy routing rules. Unset: hostnet leaves the host's rules alone. Set (even to `[]`):
    /// these are the host's rules, and rules an admin or tool added that are not listed here
    /// are removed; the kernel's own (`proto kernel`) and routing daemons' rules never are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_rules: Option<Vec<Rule>>,
    /// Routes that belong to no interface: blackhole, unreachable and prohibit routes. Like
    /// `routing_rules`: unset leaves the host's alone; set, undeclared ones an admin or tool
    /// added (protocol boot or static) are removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<Route>>,
    /// Namespace-wide network sysctls by name (`net.ipv4.ip_forward: 1`), planned, undone and
    /// verified like a link's. Unlisted ones are left as the host has them.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub sysctls: std::collections::BTreeMap<String, net_sysctl::SysctlText>,
    /// What the daemon does when the host drifts from this file.
    #[serde(default, skip_serializing_if = "Reconcile::is_default")]
    pub reconcile: Reconcile,
    /// What happens to links hostnet made or configured when this file no longer declares
    /// them.
    #[serde(default, skip_serializing_if = "Prune::is_default")]
    pub prune: Prune,
    /// When the host counts as online (the daemon's READY=1, `hostnet wait-online`). Unset:
    /// once the file is applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online: Option<crate::online::Online>,
    /// The daemon's Prometheus endpoint; off unless set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Metrics>,
    /// Read-only runtime detail that `hostnet show` adds; accepted and ignored, so that `show`
    /// output can be fed back to `apply`.
    #[serde(default, skip_serializing)]
    pub status: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dns {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nameservers: Vec<IpAddr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub search: Vec<String>,
}

impl Dns {
    /// The resolv.conf hostnet writes for these servers: one text for `apply` and for the
    /// `plan --format ip` script that claims to do the same.
    pub fn resolv_conf_text(&self) -> String {
        let mut text = String::from("# Written by hostnet.\n");
        for n in &self.nameservers {
            text.push_str(&format!("nameserver {n}\n"));
        }
        if !self.search.is_empty() {
            text.push_str(&format!("search {}\n", self.search.join(" ")));
        }
        text
    }
}

/// The daemon's answer to drift (an address deleted, a port released, an option changed by
/// hand): put it back, or only say so. Links that were never configured (a NIC that appears
/// late) are configured either way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reconcile {
    #[default]
    Repair,
    ReportOnly,
}

impl Reconcile {
    fn is_default(&self) -> bool {
        *self == Reconcile::Repair
    }
}

/// See [`Config::prune`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prune {
    /// Removed from the file, removed from the host: a virtual link hostnet made or configured
    /// is deleted, a port leaves its master. NICs are never deleted.
    #[default]
    Owned,
    /// Removed from the file, left as it is on the host (what hostnet did before 0.2).
    None,
}

impl Prune {
    fn is_default(&self) -> bool {
        *self == Prune::Owned
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    /// Address and port of the Prometheus text endpoint, e.g. `127.0.0.1:9469`.
    pub listen: std::net::SocketAddr,
}

/// What an interface is. Each kind carries only the settings that make sense for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Ethernet(Ethernet),
    Bond(Bond),
    Vlan(Vlan),
    Bridge(Bridge),
    Veth(Veth),
    Dummy(Dummy),
    Macvlan(Macvlan),
    Ipvlan(Ipvlan),
    Vxlan(Vxlan),
    Vrf(Vrf),
    Wireguard(wireguard::Wireguard),
    /// `lo`, which the kernel makes with every namespace: hostnet only adds addresses to it
    /// and brings it up, never takes it down, renames or deletes it.
    Loopback(Loopback),
}

/// The loopback device's kind key: `loopback: {}`, on the interface named `lo` only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Loopback {}

impl Kind {
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Ethernet(_) => "ethernet",
            Kind::Bond(_) => "bond",
            Kind::Vlan(_) => "vlan",
            Kind::Bridge(_) => "bridge",
            Kind::Veth(_) => "veth",
            Kind::Dummy(_) => "dummy",
            Kind::Macvlan(_) => "macvlan",
            Kind::Ipvlan(_) => "ipvlan",
            Kind::Vxlan(_) => "vxlan",
            Kind::Vrf(_) => "vrf",
            Kind::Wireguard(_) => "wireguard",
            Kind::Loopback(_) => "loopback",
        }
    }

    /// Interfaces enslaved to this one, for the kinds that have ports.
    pub fn ports(&self) -> &[String] {
        match self {
            Kind::Bond(b) => &b.ports,
            Kind::Bridge(b) => &b.ports,
            Kind::Vrf(v) => &v.ports,
            _ => &[],
        }
    }

    /// Whether a link of this kind is deleted by the kernel with link `name`: a veth whose peer
    /// it is, or a link stacked on it (VLAN, macvlan, ipvlan, VXLAN).
    pub fn goes_with(&self, name: &str) -> bool {
        match self {
            Kind::Veth(v) => v.peer == name,
            k => k.base() == Some(name),
        }
    }

    /// The link this one is built on (and must exist first), for the kinds that have one.
    pub fn base(&self) -> Option<&str> {
        match self {
            Kind::Vlan(v) => Some(&v.base),
            Kind::Macvlan(m) => Some(&m.base),
            Kind::Ipvlan(m) => Some(&m.base),
            Kind::Vxlan(v) => v.base.as_deref(),
            _ => None,
        }
    }

    /// The kernel module that provides this kind of link (`ip link add type bond` loads
    /// `bonding`), for saying what a kernel lacks; `None` for a NIC, which needs no module.
    pub fn kernel_module(&self) -> Option<&'static str> {
        Some(match self {
            Kind::Ethernet(_) | Kind::Loopback(_) => return None,
            Kind::Bond(_) => "bonding",
            Kind::Vlan(_) => "8021q",
            Kind::Bridge(_) => "bridge",
            Kind::Veth(_) => "veth",
            Kind::Dummy(_) => "dummy",
            Kind::Macvlan(_) => "macvlan",
            Kind::Ipvlan(_) => "ipvlan",
            Kind::Vxlan(_) => "vxlan",
            Kind::Vrf(_) => "vrf",
            Kind::Wireguard(_) => "wireguard",
        })
    }

    /// Whether hostnet creates and deletes this kind (everything but physical NICs and lo).
    pub fn is_virtual(&self) -> bool {
        !matches!(self, Kind::Ethernet(_) | Kind::Loopback(_))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkState {
    #[default]
    Up,
    Down,
    /// Delete the interface (virtual) or take it down (physical).
    Absent,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawInterface", into = "RawInterface")]
pub struct Interface {
    pub name: String,
    pub kind: Kind,
    pub mtu: Option<u32>,
    pub mac: Option<MacAddr>,
    pub state: LinkState,
    pub addresses: Vec<Cidr>,
    pub routes: Vec<Route>,
    pub ipv4: Ipv4Settings,
    pub ipv6: Ipv6Settings,
    /// DHCPv4 client settings; `None`: no DHCPv4 on this interface.
    pub dhcp4: Option<Dhcp4>,
    /// DHCPv6 client settings; `None`: no DHCPv6 on this interface.
    pub dhcp6: Option<Dhcp6>,
    /// The VRF this interface is enslaved to.
    pub vrf: Option<String>,
    /// Its settings as a bridge port.
    pub bridge_port: Option<BridgePort>,
    /// NIC features, queue counts, rings, coalescing and link modes (ethtool).
    pub ethtool: Option<Ethtool>,
}

impl Interface {
    pub fn new(name: impl Into<String>, kind: Kind) -> Self {
        Interface {
            name: name.into(),
            kind,
            mtu: None,
            mac: None,
            state: LinkState::Up,
            addresses: Vec::new(),
            routes: Vec::new(),
            ipv4: Ipv4Settings::default(),
            ipv6: Ipv6Settings::default(),
            dhcp4: None,
            dhcp6: None,
            vrf: None,
            bridge_port: None,
            ethtool: None,
        }
    }
}

/// The YAML shape of an interface: one optional key per kind, exactly one of which is set.
/// The kinds are boxed: inline, they made this struct kilobytes, and moving it through serde
/// was a sixth of reading a large config.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInterface {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ethernet: Option<Box<Ethernet>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bond: Option<Box<Bond>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    vlan: Option<Box<Vlan>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bridge: Option<Box<Bridge>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    veth: Option<Box<Veth>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dummy: Option<Box<Dummy>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    macvlan: Option<Box<Macvlan>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ipvlan: Option<Box<Ipvlan>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    vxlan: Option<Box<Vxlan>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wireguard: Option<Box<wireguard::Wireguard>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    loopback: Option<Loopback>,
    /// A VRF's settings (a map), or the name of the VRF this interface is enslaved to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    vrf: Option<virt::VrfKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mtu: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mac: Option<MacAddr>,
    #[serde(default, skip_serializing_if = "is_up")]
    state: LinkState,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    addresses: Vec<Cidr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    routes: Vec<Route>,
    #[serde(default, skip_serializing_if = "Ipv4Settings::is_empty")]
    ipv4: Ipv4Settings,
    #[serde(default, skip_serializing_if = "Ipv6Settings::is_empty")]
    ipv6: Ipv6Settings,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dhcp4: Option<dhcp::OnOrOptions<Dhcp4>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dhcp6: Option<dhcp::OnOrOptions<Dhcp6>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bridge_port: Option<BridgePort>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ethtool: Option<Ethtool>,
}

fn is_up(s: &LinkState) -> bool {
    *s == LinkState::Up
}

pub const KIND_KEYS: &[&str] = &[
    "ethernet",
    "bond",
    "vlan",
    "bridge",
    "veth",
    "dummy",
    "macvlan",
    "ipvlan",
    "vxlan",
    "vrf",
    "wireguard",
    "loopback",
];

impl TryFrom<RawInterface> for Interface {
    type Error = String;

    fn try_from(r: RawInterface) -> Result<Self, String> {
        let mut member_of = None;
        let table = match r.vrf {
            Some(virt::VrfKey::Table(v)) => Some(v),
            Some(virt::VrfKey::Member(m)) => {
                member_of = Some(m);
                None
            }
            None => None,
        };
        let mut kinds = [
            r.ethernet.map(|k| Kind::Ethernet(*k)),
            r.bond.map(|k| Kind::Bond(*k)),
            r.vlan.map(|k| Kind::Vlan(*k)),
            r.bridge.map(|k| Kind::Bridge(*k)),
            r.veth.map(|k| Kind::Veth(*k)),
            r.dummy.map(|k| Kind::Dummy(*k)),
            r.macvlan.map(|k| Kind::Macvlan(*k)),
            r.ipvlan.map(|k| Kind::Ipvlan(*k)),
            r.vxlan.map(|k| Kind::Vxlan(*k)),
            r.wireguard.map(|k| Kind::Wireguard(*k)),
            r.loopback.map(Kind::Loopback),
            table.map(Kind::Vrf),
        ]
        .into_iter()
        .flatten();
        let kind = match (kinds.next(), kinds.next()) {
            (Some(k), None) => k,
            (first, second) => {
                let rest: Vec<Kind> = kinds.collect();
                let found: Vec<&str> = first.iter().chain(&second).chain(&rest).map(Kind::name).collect();
                return Err(format!(
                    "interface `{}` must have exactly one of the keys {} (found {})",
                    r.name,
                    KIND_KEYS.join(", "),
                    if found.is_empty() { "none".to_string() } else { found.join(", ") }
                ));
            }
        };
        Ok(Interface {
            name: r.name,
            kind,
            mtu: r.mtu,
            mac: r.mac,
            state: r.state,
            addresses: r.addresses,
            routes: r.routes,
            ipv4: r.ipv4,
            ipv6: r.ipv6,
            dhcp4: r.dhcp4.and_then(|k| k.0),
            dhcp6: r.dhcp6.and_then(|k| k.0),
            vrf: member_of,
            bridge_port: r.bridge_port.filter(|b| !b.is_empty()),
            ethtool: r.ethtool,
        })
    }
}

impl From<Interface> for RawInterface {
    fn from(i: Interface) -> Self {
        let mut r = RawInterface {
            name: i.name,
            ethernet: None,
            bond: None,
            vlan: None,
            bridge: None,
            veth: None,
            dummy: None,
            macvlan: None,
            ipvlan: None,
            vxlan: None,
            wireguard: None,
            loopback: None,
            vrf: i.vrf.map(virt::VrfKey::Member),
            mtu: i.mtu,
            mac: i.mac,
            state: i.state,
            addresses: i.addresses,
            routes: i.routes,
            ipv4: i.ipv4,
            ipv6: i.ipv6,
            dhcp4: i.dhcp4.map(|d| dhcp::OnOrOptions(Some(d))),
            dhcp6: i.dhcp6.map(|d| dhcp::OnOrOptions(Some(d))),
            bridge_port: i.bridge_port,
            ethtool: i.ethtool,
        };
        match i.kind {
            Kind::Ethernet(e) => r.ethernet = Some(Box::new(e)),
            Kind::Bond(b) => r.bond = Some(Box::new(b)),
            Kind::Vlan(v) => r.vlan = Some(Box::new(v)),
            Kind::Bridge(b) => r.bridge = Some(Box::new(b)),
            Kind::Veth(v) => r.veth = Some(Box::new(v)),
            Kind::Dummy(d) => r.dummy = Some(Box::new(d)),
            Kind::Macvlan(m) => r.macvlan = Some(Box::new(m)),
            Kind::Ipvlan(m) => r.ipvlan = Some(Box::new(m)),
            Kind::Vxlan(v) => r.vxlan = Some(Box::new(v)),
            Kind::Wireguard(w) => r.wireguard = Some(Box::new(w)),
            Kind::Loopback(l) => r.loopback = Some(l),
            Kind::Vrf(v) => r.vrf = Some(virt::VrfKey::Table(v)),
        }
        r
    }
}

/// Each port named by a master among `interfaces` (bond, bridge or VRF) with that master, the
/// first declared one where validation found two. The one place this lookup is built: callers
/// that care for one kind of master filter what they find.
pub fn masters_of(interfaces: &[Interface]) -> rustc_hash::FxHashMap<&str, &Interface> {
    let mut m = rustc_hash::FxHashMap::with_capacity_and_hasher(interfaces.len(), Default::default());
    for master in interfaces {
        for p in master.kind.ports() {
            m.entry(p.as_str()).or_insert(master);
        }
    }
    m
}

impl Config {
    pub fn get(&self, name: &str) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.name == name)
    }

    /// Where the file's DNS servers go when systemd-resolved keeps DNS per link: the interfaces
    /// that carry a default route (declared, or from a DHCPv4 lease), as networkd gives a link
    /// the servers of its own .network; with none, every interface with an address or DHCP.
    pub fn dns_links(&self) -> Vec<String> {
        let default = |i: &&Interface| {
            i.routes.iter().any(|r| r.dst == RouteDst::Default && r.table.is_none_or(|t| t == 254))
                || i.dhcp4.as_ref().is_some_and(|d| d.use_routes())
        };
        let mut links: Vec<String> = self.interfaces.iter().filter(default).map(|i| i.name.clone()).collect();
        if links.is_empty() {
            links = self
                .interfaces
                .iter()
                .filter(|i| !i.addresses.is_empty() || i.dhcp4.is_some() || i.dhcp6.is_some())
                .map(|i| i.name.clone())
                .collect();
        }
        links
    }

    /// Each declared port's master (bond, bridge or VRF); see [`masters_of`].
    pub fn masters(&self) -> rustc_hash::FxHashMap<&str, &Interface> {
        masters_of(&self.interfaces)
    }

    /// Gathers each VRF's members from their `vrf:` keys into its port list, and puts routes
    /// declared under a member that name no table into the VRF's table. Run once on a config
    /// read from text; `vrf:` naming no declared VRF is left for validation.
    pub fn link_vrfs(&mut self) {
        let members: Vec<(String, String)> =
            self.interfaces.iter().filter_map(|i| Some((i.vrf.clone()?, i.name.clone()))).collect();
        let mut tables = std::collections::HashMap::new();
        for i in &mut self.interfaces {
            if let Kind::Vrf(v) = &mut i.kind {
                v.ports = members.iter().filter(|(vrf, _)| *vrf == i.name).map(|(_, m)| m.clone()).collect();
                tables.insert(i.name.clone(), v.table);
            }
        }
        for i in &mut self.interfaces {
            let Some(t) = i.vrf.as_ref().and_then(|v| tables.get(v)) else { continue };
            for r in i.routes.iter_mut().filter(|r| r.table.is_none()) {
                r.table = Some(*t);
            }
        }
    }

    pub fn to_yaml(&self) -> String {
        serde_saphyr::to_string(self).expect("the model always serializes")
    }
}
