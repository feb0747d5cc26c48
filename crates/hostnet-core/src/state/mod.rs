//! The host's current state, in the model's own terms, as a backend observes it.

mod apply;

use rustc_hash::FxHashMap as HashMap;

use serde::Serialize;

use crate::model::{Cidr, Config, Dns, Interface, Kind, LinkState, MacAddr, Match, Rule, SysctlValues};

/// One live link. `iface` holds what the config schema can express (kind with its options,
/// MTU, MAC, addresses, static routes); the rest is runtime detail needed for matching.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveLink {
    pub iface: Interface,
    pub index: u32,
    /// Administratively up (IFF_UP); carrier is separate and irrelevant to planning.
    pub up: bool,
    pub master: Option<String>,
    /// The burnt-in MAC; bonding rewrites the current one, so matching uses this.
    pub perm_mac: Option<MacAddr>,
    pub pci_path: Option<String>,
    /// The per-interface sysctls hostnet manages, as the kernel reports them with the link.
    pub sysctls: SysctlValues,
    /// fe80::/10 addresses; `iface.addresses` leaves them out, the kernel makes its own.
    pub link_local: Vec<Cidr>,
    /// Addresses with a finite lifetime, leased (DHCP) or autoconfigured (SLAAC); `iface.addresses`
    /// leaves them out, since a config cannot declare them.
    pub dynamic: Vec<Cidr>,
    /// IPv4 addresses (up to /30) the kernel holds without a broadcast address: added by a
    /// tool that gave none. A rollback that puts one back gives none either.
    pub no_broadcast: Vec<Cidr>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct State {
    pub links: Vec<LiveLink>,
    pub dns: Option<Dns>,
    /// Rules an admin or a tool added (not the kernel's own), in priority order.
    pub rules: Vec<Rule>,
    /// Blackhole, unreachable and prohibit routes an admin or a tool added.
    pub routes: Vec<crate::model::Route>,
    /// False when planning offline: then nothing virtual exists yet, and each declared NIC is
    /// assumed present, down, and findable by its match.
    pub observed: bool,
    /// The namespace's `conf/default` sysctls, which a new link starts with: what a link gets
    /// back when a setting hostnet gave it for a role (a bridge port's) no longer applies.
    /// Unread ones are `None`.
    pub sysctl_defaults: crate::model::SysctlValues,
    /// The namespace-wide sysctls the config lists, as /proc/sys prints them; a key this
    /// kernel does not have is absent.
    pub net_sysctls: std::collections::BTreeMap<String, String>,
}

impl State {
    /// The state of a host we cannot see: plan as if on a freshly booted machine.
    pub fn offline() -> Self {
        State::default()
    }

    pub fn get(&self, name: &str) -> Option<&LiveLink> {
        self.links.iter().find(|l| l.iface.name == name)
    }

    /// Finds the NIC a declared ethernet refers to. Without criteria, a NIC matches by name.
    /// A NIC that already carries the declared name and fits the hardware criteria is the one:
    /// after the first apply, `match: {name: enp94s0f1}` no longer finds anything by that name.
    pub fn find_nic(&self, name: &str, m: &Match) -> Option<&LiveLink> {
        if let Some(l) = self.get(name).filter(|l| nic_fits(l, m)) {
            return Some(l);
        }
        self.find_nic_by_match(m)
    }

    /// The NIC that `m` selects by its own criteria (name included), ignoring the declared name.
    pub fn find_nic_by_match(&self, m: &Match) -> Option<&LiveLink> {
        if m.is_empty() {
            return None;
        }
        self.links.iter().find(|l| nic_fits(l, m) && m.name.as_ref().is_none_or(|n| *n == l.iface.name))
    }

    /// The host as it would be right after applying `config` successfully: what re-planning
    /// against it must find nothing to do about.
    pub fn from_config(config: &Config) -> State {
        let mut links = Vec::new();
        let by_name: HashMap<&str, &Interface> = config.interfaces.iter().rev().map(|i| (i.name.as_str(), i)).collect();
        let masters = config.masters();
        let master_of = |n: &str| masters.get(n).map(|m| m.name.clone());
        for i in config.interfaces.iter().filter(|i| i.state != LinkState::Absent) {
            let (perm_mac, pci_path) = match &i.kind {
                Kind::Ethernet(e) => (e.matches.mac, e.matches.pci_path.clone()),
                _ => (None, None),
            };
            let master = master_of(&i.name);
            let bridge_port =
                master.as_deref().is_some_and(|m| by_name.get(m).is_some_and(|m| matches!(m.kind, Kind::Bridge(_))));
            let mut sysctls = SysctlValues::default();
            for (k, v) in crate::model::ip::wanted_sysctls(&i.ipv4, &i.ipv6, bridge_port) {
                sysctls.set(k, v);
            }
            links.push(LiveLink {
                iface: i.clone(),
                index: links.len() as u32 + 1,
                up: i.state == LinkState::Up,
                master,
                perm_mac,
                pci_path,
                sysctls,
                link_local: Vec::new(),
                dynamic: Vec::new(),
                no_broadcast: Vec::new(),
            });
            if let Kind::Veth(v) = &i.kind
                && !crate::graph::declares_pair(by_name.get(v.peer.as_str()).copied(), &i.name)
            {
                let owned = master_of(&v.peer);
                links.push(LiveLink {
                    iface: Interface::new(v.peer.clone(), Kind::Veth(crate::model::Veth { peer: i.name.clone() })),
                    index: links.len() as u32 + 1,
                    up: i.state == LinkState::Up,
                    master: owned,
                    perm_mac: None,
                    pci_path: None,
                    sysctls: SysctlValues::default(),
                    link_local: Vec::new(),
                    dynamic: Vec::new(),
                    no_broadcast: Vec::new(),
                });
            }
        }
        let rules = config.routing_rules.clone().unwrap_or_default();
        let routes = config.routes.clone().unwrap_or_default();
        let net_sysctls = config.sysctls.iter().map(|(k, v)| (k.clone(), v.0.clone())).collect();
        State { links, dns: config.dns.clone(), rules, routes, net_sysctls, observed: true, ..State::default() }
    }

    /// Names of the links enslaved to `master`, in index order.
    pub fn ports_of(&self, master: &str) -> Vec<String> {
        let mut v: Vec<&LiveLink> = self.links.iter().filter(|l| l.master.as_deref() == Some(master)).collect();
        v.sort_by_key(|l| l.index);
        v.into_iter().map(|l| l.iface.name.clone()).collect()
    }
}

/// Whether a live link is a NIC with the hardware identity (MAC, PCI path) that `m` asks for.
pub fn nic_fits(l: &LiveLink, m: &Match) -> bool {
    matches!(l.iface.kind, Kind::Ethernet(_))
        && m.mac.is_none_or(|mac| l.perm_mac.or(l.iface.mac) == Some(mac))
        && m.pci_path.as_ref().is_none_or(|p| l.pci_path.as_ref() == Some(p))
}
