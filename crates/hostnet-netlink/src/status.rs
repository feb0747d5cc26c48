//! Runtime detail that is not configuration: what `show` adds beside the config schema.

use serde::Serialize;

/// One link as the kernel reports it right now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkStatus {
    pub name: String,
    pub index: u32,
    /// The kernel's link kind (`bond`, `bridge`, `veth`, `vlan`, ...); `ethernet` for NICs.
    pub kind: String,
    pub admin_up: bool,
    pub carrier: bool,
    pub oper_state: String,
    pub mtu: Option<u32>,
    pub mac: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bond: Option<BondStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bond_port: Option<BondPortStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BondStatus {
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_port: Option<String>,
    pub ports: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lacp: Option<AggregatorStatus>,
}

/// The bond's active 802.3ad aggregator (IFLA_BOND_AD_INFO_*).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AggregatorStatus {
    pub aggregator_id: Option<u16>,
    pub num_ports: Option<u16>,
    pub actor_key: Option<u16>,
    pub partner_key: Option<u16>,
    pub partner_mac: Option<String>,
}

/// One bond port's view (IFLA_BOND_SLAVE_*).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BondPortStatus {
    /// `active` or `backup`.
    pub state: String,
    pub mii_status: String,
    pub link_failure_count: Option<u32>,
    pub perm_hwaddr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregator_id: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_oper_port_state: Option<LacpPortState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_oper_port_state: Option<LacpPortState>,
}

/// An LACP port state byte, with its flags spelled out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LacpPortState {
    pub raw: u8,
    pub flags: Vec<&'static str>,
}

impl LacpPortState {
    pub fn new(raw: u8) -> Self {
        const NAMES: [&str; 8] = [
            "activity",
            "short_timeout",
            "aggregation",
            "synchronization",
            "collecting",
            "distributing",
            "defaulted",
            "expired",
        ];
        let flags = (0..8).filter(|b| raw & (1 << b) != 0).map(|b| NAMES[b]).collect();
        LacpPortState { raw, flags }
    }
}

impl LacpPortState {
    /// The flags abbreviated as switch CLIs print them (`act,fast,agg,sync,col,dist`); `-` for none.
    pub fn short(&self) -> String {
        let abbrev = |f: &str| match f {
            "activity" => "act",
            "short_timeout" => "fast",
            "aggregation" => "agg",
            "synchronization" => "sync",
            "collecting" => "col",
            "distributing" => "dist",
            "defaulted" => "def",
            "expired" => "exp",
            _ => "?",
        };
        let s: Vec<&str> = self.flags.iter().map(|f| abbrev(f)).collect();
        if s.is_empty() { "-".into() } else { s.join(",") }
    }

    pub fn has(&self, flag: LacpFlag) -> bool {
        self.raw & (flag as u8) != 0
    }
}

/// The bits of an LACP port state byte (IEEE 802.1AX, 6.4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum LacpFlag {
    Activity = 1,
    ShortTimeout = 2,
    Aggregation = 4,
    Synchronization = 8,
    Collecting = 16,
    Distributing = 32,
    Defaulted = 64,
    Expired = 128,
}
