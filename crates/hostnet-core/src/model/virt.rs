//! The software kinds a server carries beside its NICs, bonds, VLANs and bridges: dummy links
//! for service addresses, macvlan and ipvlan links for containers, VXLAN overlays and VRFs.
//!
//! ```yaml
//! - { name: svc0, dummy: {} }
//! - { name: mv0, macvlan: { base: bond0, mode: bridge } }
//! - { name: ipv0, ipvlan: { base: bond0, mode: l2 } }
//! - { name: vx100, vxlan: { vni: 100, local: 192.0.2.1, remote: 192.0.2.2, base: bond0 } }
//! - { name: mgmt, vrf: { table: 10 } }
//! - { name: eth2, ethernet: {}, vrf: mgmt }     # enslaved to the VRF
//! ```

use std::net::IpAddr;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::kernel_enum;

/// A link with no hardware under it, which keeps its addresses whatever the NICs do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dummy {}

kernel_enum!(MacvlanMode {
    Private = ("private", 1),
    Vepa = ("vepa", 2),
    Bridge = ("bridge", 4),
    Passthru = ("passthru", 8),
    Source = ("source", 16),
});

/// A link with its own MAC on another link (`base`), as containers and VMs get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Macvlan {
    pub base: String,
    /// How macvlans of one base reach each other. Unset: the kernel's `vepa` (through the
    /// switch, which must hairpin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<MacvlanMode>,
}

impl Macvlan {
    pub fn mode(&self) -> MacvlanMode {
        self.mode.unwrap_or(MacvlanMode::Vepa)
    }
}

kernel_enum!(IpvlanMode { L2 = ("l2", 0), L3 = ("l3", 1), L3s = ("l3s", 2) });
kernel_enum!(IpvlanFlags { Bridge = ("bridge", 0), Private = ("private", 1), Vepa = ("vepa", 2) });

/// A link sharing its base's MAC, told apart by IP address (where a switch port allows one
/// MAC only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ipvlan {
    pub base: String,
    /// Unset: the kernel's `l3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<IpvlanMode>,
    /// Unset: the kernel's `bridge`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<IpvlanFlags>,
}

impl Ipvlan {
    pub fn mode(&self) -> IpvlanMode {
        self.mode.unwrap_or(IpvlanMode::L3)
    }
    pub fn flags(&self) -> IpvlanFlags {
        self.flags.unwrap_or(IpvlanFlags::Bridge)
    }
}

/// IANA's VXLAN port. The kernel's own default is 8472 (Linux's from before IANA's), which no
/// other vendor speaks; hostnet says 4789 unless told otherwise, as iproute2 recommends.
pub const VXLAN_PORT: u16 = 4789;

/// A VXLAN overlay: Ethernet in UDP between tunnel endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vxlan {
    /// The VXLAN network identifier, 0 to 16777215.
    pub vni: u32,
    /// The address the tunnel's packets leave from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<IpAddr>,
    /// The one other endpoint (point to point) ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<IpAddr>,
    /// ... or the multicast group of all of them (needs `base`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<IpAddr>,
    /// UDP destination port. Unset: 4789.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The link the tunnel's packets go out of (the underlay, e.g. a bond).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// Learn remote MACs from received packets. Unset: the kernel's (on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learning: Option<bool>,
}

impl Vxlan {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(VXLAN_PORT)
    }
    pub fn learning(&self) -> bool {
        self.learning.unwrap_or(true)
    }
}

/// A VRF: a routing table of its own for the interfaces enslaved to it (`vrf: NAME` on
/// each). Routes declared under a member go into the VRF's table unless they name one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vrf {
    pub table: u32,
    /// The members, gathered from their `vrf:` keys when the config is read.
    #[serde(skip)]
    pub ports: Vec<String>,
}

/// The YAML value of an interface's `vrf:` key: a map makes the interface a VRF, a name
/// enslaves it to one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VrfKey {
    Table(Vrf),
    Member(String),
}

impl Serialize for VrfKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            VrfKey::Table(v) => v.serialize(s),
            VrfKey::Member(m) => s.serialize_str(m),
        }
    }
}

impl<'de> Deserialize<'de> for VrfKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = VrfKey;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("the name of a VRF to enslave this interface to, or a VRF's settings ({ table: N })")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<VrfKey, E> {
                Ok(VrfKey::Member(s.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<VrfKey, A::Error> {
                Vrf::deserialize(de::value::MapAccessDeserializer::new(m)).map(VrfKey::Table)
            }
        }
        d.deserialize_any(V)
    }
}
