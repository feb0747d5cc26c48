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
}

/// A veth pair. The peer is created with it and may be used as a port by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Veth {
    pub peer: String,
}
