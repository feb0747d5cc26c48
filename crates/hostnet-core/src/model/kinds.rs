//! The non-bond interface kinds.

use serde::{Deserialize, Serialize};

use super::net::MacAddr;
use crate::kernel_enum;

/// How to find a physical NIC. All given criteria must match. With none, the NIC is found by
/// the interface's own name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Match {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Permanent MAC address (survives bonding, which rewrites the current one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<MacAddr>,
    /// PCI address of the NIC function, e.g. `0000:3b:00.1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pci_path: Option<String>,
}

impl Match {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.mac.is_none() && self.pci_path.is_none()
    }
}

/// A physical NIC. hostnet never creates or deletes it; it matches it and may rename it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ethernet {
    #[serde(default, rename = "match", skip_serializing_if = "Match::is_empty")]
    pub matches: Match,
    /// Where the NIC's cable should end, as the switch names itself and its port in LLDP;
    /// `hostnet doctor --lldp` checks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cabled_to: Option<CabledTo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CabledTo {
    /// The switch's LLDP system name (or its chassis id).
    pub switch: String,
    /// The switch port's LLDP port id (or its port description).
    pub port: String,
}

kernel_enum!(VlanProtocol { Dot1q = ("802.1q", 0), Dot1ad = ("802.1ad", 1) });

impl VlanProtocol {
    pub fn ethertype(self) -> u16 {
        match self {
            VlanProtocol::Dot1q => 0x8100,
            VlanProtocol::Dot1ad => 0x88a8,
        }
    }
}

/// An 802.1Q (or 802.1ad) VLAN on top of another interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vlan {
    pub base: String,
    pub id: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<VlanProtocol>,
}

/// A Linux bridge. Times are in seconds, as people and switch vendors write them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bridge {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stp: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_delay: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hello_time: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ageing_time: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vlan_filtering: Option<bool>,
    /// IGMP/MLD snooping: forward multicast only to ports with listeners (default on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcast_snooping: Option<bool>,
    /// Send IGMP/MLD queries when no router on the segment does, so snooping learns listeners
    /// (default off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcast_querier: Option<bool>,
    /// The bridge's own VLANs (its "self" port, where its addresses and VLAN interfaces
    /// are). Unset: left alone; set: exactly these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vlans: Option<Vec<super::vlans::BridgeVlan>>,
}

impl Bridge {
    /// Takes the options `o` sets, keeping the rest: what the kernel does with a change
    /// (unset options are not sent). Ports and VLANs are not options.
    pub fn overlay(&mut self, o: &Bridge) {
        self.stp = o.stp.or(self.stp);
        self.priority = o.priority.or(self.priority);
        self.vlan_filtering = o.vlan_filtering.or(self.vlan_filtering);
        self.mcast_snooping = o.mcast_snooping.or(self.mcast_snooping);
        self.mcast_querier = o.mcast_querier.or(self.mcast_querier);
        for t in &super::bridge_timers::BRIDGE_TIMERS {
            if let Some(v) = (t.get)(o) {
                (t.set)(self, v);
            }
        }
    }
}

/// A veth pair. The peer is created with it and may be used as a port by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Veth {
    pub peer: String,
}

/// An interface's settings as a port of a bridge (`bridge_port:` on the port itself, as
/// networkd's `[Bridge]` section of a port's `.network`). Unset: left as the kernel has them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BridgePort {
    /// STP path cost, 1-65535. The kernel's default follows the link speed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<u32>,
    /// STP port priority, 0-63 (default 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u16>,
    /// Send frames back out of the port they came in on (reflective relay, for VEPA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hairpin: Option<bool>,
    /// An isolated port talks only to ports that are not isolated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolated: Option<bool>,
    /// Learn source MACs on this port (default on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learning: Option<bool>,
    /// Flood unknown unicast out of this port (default on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flood: Option<bool>,
    /// Disable the port when it receives an STP BPDU (default off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bpdu_guard: Option<bool>,
    /// Flood multicast nobody joined out of this port (default on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcast_flood: Option<bool>,
    /// Whether a multicast router is behind this port, for IGMP/MLD snooping: 0 never, 1 as
    /// learned from queries (the default), 2 always, 3 learned, without queries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcast_router: Option<u8>,
    /// Answer ARP and neighbour solicitations for what the bridge knows, instead of flooding
    /// them (EVPN fabrics; default off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neigh_suppress: Option<bool>,
    /// The VLANs the port carries, with a bridge that filters VLANs. Unset: left alone; set:
    /// exactly these (the kernel's default VLAN 1 included only if listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vlans: Option<Vec<super::vlans::BridgeVlan>>,
}

impl BridgePort {
    pub fn is_empty(&self) -> bool {
        *self == BridgePort::default()
    }

    /// Takes the settings `o` declares, keeping the rest: what setting them on a port does.
    pub fn overlay(&mut self, o: &BridgePort) {
        self.cost = o.cost.or(self.cost);
        self.priority = o.priority.or(self.priority);
        self.hairpin = o.hairpin.or(self.hairpin);
        self.isolated = o.isolated.or(self.isolated);
        self.learning = o.learning.or(self.learning);
        self.flood = o.flood.or(self.flood);
        self.bpdu_guard = o.bpdu_guard.or(self.bpdu_guard);
        self.mcast_flood = o.mcast_flood.or(self.mcast_flood);
        self.mcast_router = o.mcast_router.or(self.mcast_router);
        self.neigh_suppress = o.neigh_suppress.or(self.neigh_suppress);
    }

    /// The settings other than VLANs, which have operations of their own.
    pub fn settings(&self) -> BridgePort {
        BridgePort { vlans: None, ..self.clone() }
    }

    /// The kernel's defaults filled in where unset (all but the cost, which follows the
    /// link speed): what a port read back without a setting has.
    pub fn with_defaults(&self) -> BridgePort {
        BridgePort {
            cost: self.cost,
            priority: self.priority.or(Some(32)),
            hairpin: self.hairpin.or(Some(false)),
            isolated: self.isolated.or(Some(false)),
            learning: self.learning.or(Some(true)),
            flood: self.flood.or(Some(true)),
            bpdu_guard: self.bpdu_guard.or(Some(false)),
            mcast_flood: self.mcast_flood.or(Some(true)),
            mcast_router: self.mcast_router.or(Some(1)),
            neigh_suppress: self.neigh_suppress.or(Some(false)),
            vlans: self.vlans.clone(),
        }
    }

    /// The settings equal to the kernel's defaults left unset, as `show` writes them.
    pub fn without_defaults(&self) -> BridgePort {
        BridgePort {
            cost: self.cost,
            priority: self.priority.filter(|p| *p != 32),
            hairpin: self.hairpin.filter(|b| *b),
            isolated: self.isolated.filter(|b| *b),
            learning: self.learning.filter(|b| !b),
            flood: self.flood.filter(|b| !b),
            bpdu_guard: self.bpdu_guard.filter(|b| *b),
            mcast_flood: self.mcast_flood.filter(|b| !b),
            mcast_router: self.mcast_router.filter(|r| *r != 1),
            neigh_suppress: self.neigh_suppress.filter(|b| *b),
            vlans: self.vlans.clone(),
        }
    }

    /// Whether every setting `self` declares has the same value in `have` (read back, so
    /// unset there means the kernel's default).
    pub fn within(&self, have: &BridgePort) -> bool {
        let have = &have.with_defaults();
        let same = |w: Option<u32>, h: Option<u32>| w.is_none() || w == h;
        same(self.cost, have.cost)
            && same(self.priority.map(u32::from), have.priority.map(u32::from))
            && same(self.mcast_router.map(u32::from), have.mcast_router.map(u32::from))
            && [
                (self.hairpin, have.hairpin),
                (self.isolated, have.isolated),
                (self.learning, have.learning),
                (self.flood, have.flood),
                (self.bpdu_guard, have.bpdu_guard),
                (self.mcast_flood, have.mcast_flood),
                (self.neigh_suppress, have.neigh_suppress),
            ]
            .iter()
            .all(|(w, h)| w.is_none() || w == h)
    }

    /// `have`'s values of the settings `self` declares: what to put back to undo `self`.
    pub fn previous(&self, have: &BridgePort) -> BridgePort {
        let have = &have.with_defaults();
        BridgePort {
            cost: have.cost.filter(|_| self.cost.is_some()),
            priority: have.priority.filter(|_| self.priority.is_some()),
            hairpin: have.hairpin.filter(|_| self.hairpin.is_some()),
            isolated: have.isolated.filter(|_| self.isolated.is_some()),
            learning: have.learning.filter(|_| self.learning.is_some()),
            flood: have.flood.filter(|_| self.flood.is_some()),
            bpdu_guard: have.bpdu_guard.filter(|_| self.bpdu_guard.is_some()),
            mcast_flood: have.mcast_flood.filter(|_| self.mcast_flood.is_some()),
            mcast_router: have.mcast_router.filter(|_| self.mcast_router.is_some()),
            neigh_suppress: have.neigh_suppress.filter(|_| self.neigh_suppress.is_some()),
            vlans: None,
        }
    }
}
