//! How each bond option and bridge timer is spelled in each format. One table each, read in
//! both directions.

use hostnet_core::model::BondOpt;
use hostnet_core::model::bond::Bond;

/// A row: hostnet key, ifupdown key (`bond-...`), netplan parameter, networkd [Bond] key, and the
/// unit of times in netplan and networkd (ms unless noted).
pub struct Row {
    pub key: &'static str,
    pub ifupdown: &'static str,
    pub netplan: Option<&'static str>,
    pub networkd: Option<&'static str>,
    pub kind: ValueKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A number of milliseconds (netplan bare numbers are ms; networkd wants a suffix).
    Millis,
    /// A number of seconds.
    Seconds,
    Plain,
    Bool,
    /// A list of IPv4 addresses.
    List,
}

use ValueKind::*;

pub const TABLE: &[Row] = &[
    Row {
        key: "miimon",
        ifupdown: "bond-miimon",
        netplan: Some("mii-monitor-interval"),
        networkd: Some("MIIMonitorSec"),
        kind: Millis,
    },
    Row {
        key: "updelay",
        ifupdown: "bond-updelay",
        netplan: Some("up-delay"),
        networkd: Some("UpDelaySec"),
        kind: Millis,
    },
    Row {
        key: "downdelay",
        ifupdown: "bond-downdelay",
        netplan: Some("down-delay"),
        networkd: Some("DownDelaySec"),
        kind: Millis,
    },
    Row {
        key: "peer_notif_delay",
        ifupdown: "bond-peer-notif-delay",
        netplan: None,
        networkd: Some("PeerNotifyDelaySec"),
        kind: Millis,
    },
    Row { key: "use_carrier", ifupdown: "bond-use-carrier", netplan: None, networkd: None, kind: Bool },
    Row {
        key: "arp_interval",
        ifupdown: "bond-arp-interval",
        netplan: Some("arp-interval"),
        networkd: Some("ARPIntervalSec"),
        kind: Millis,
    },
    Row {
        key: "arp_ip_target",
        ifupdown: "bond-arp-ip-target",
        netplan: Some("arp-ip-targets"),
        networkd: Some("ARPIPTargets"),
        kind: List,
    },
    Row {
        key: "arp_validate",
        ifupdown: "bond-arp-validate",
        netplan: Some("arp-validate"),
        networkd: Some("ARPValidate"),
        kind: Plain,
    },
    Row {
        key: "arp_all_targets",
        ifupdown: "bond-arp-all-targets",
        netplan: Some("arp-all-targets"),
        networkd: Some("ARPAllTargets"),
        kind: Plain,
    },
    Row {
        key: "missed_max",
        ifupdown: "bond-arp-missed-max",
        netplan: None,
        networkd: Some("ARPMissedMax"),
        kind: Plain,
    },
    Row { key: "primary", ifupdown: "bond-primary", netplan: Some("primary"), networkd: None, kind: Plain },
    Row {
        key: "primary_reselect",
        ifupdown: "bond-primary-reselect",
        netplan: Some("primary-reselect-policy"),
        networkd: Some("PrimaryReselectPolicy"),
        kind: Plain,
    },
    Row {
        key: "fail_over_mac",
        ifupdown: "bond-fail-over-mac",
        netplan: Some("fail-over-mac-policy"),
        networkd: Some("FailOverMACPolicy"),
        kind: Plain,
    },
    Row {
        key: "xmit_hash_policy",
        ifupdown: "bond-xmit-hash-policy",
        netplan: Some("transmit-hash-policy"),
        networkd: Some("TransmitHashPolicy"),
        kind: Plain,
    },
    Row {
        key: "resend_igmp",
        ifupdown: "bond-resend-igmp",
        netplan: Some("resend-igmp"),
        networkd: Some("ResendIGMP"),
        kind: Plain,
    },
    Row {
        key: "num_peer_notif",
        ifupdown: "bond-num-grat-arp",
        netplan: Some("gratuitous-arp"),
        networkd: Some("GratuitousARP"),
        kind: Plain,
    },
    Row {
        key: "all_slaves_active",
        ifupdown: "bond-all-slaves-active",
        netplan: Some("all-slaves-active"),
        networkd: Some("AllSlavesActive"),
        kind: Bool,
    },
    Row {
        key: "min_links",
        ifupdown: "bond-min-links",
        netplan: Some("min-links"),
        networkd: Some("MinLinks"),
        kind: Plain,
    },
    Row {
        key: "lp_interval",
        ifupdown: "bond-lp-interval",
        netplan: Some("learn-packet-interval"),
        networkd: Some("LearnPacketIntervalSec"),
        kind: Seconds,
    },
    Row {
        key: "packets_per_slave",
        ifupdown: "bond-packets-per-slave",
        netplan: Some("packets-per-slave"),
        networkd: Some("PacketsPerSlave"),
        kind: Plain,
    },
    Row {
        key: "tlb_dynamic_lb",
        ifupdown: "bond-tlb-dynamic-lb",
        netplan: None,
        networkd: Some("DynamicTransmitLoadBalancing"),
        kind: Bool,
    },
    Row {
        key: "lacp_rate",
        ifupdown: "bond-lacp-rate",
        netplan: Some("lacp-rate"),
        networkd: Some("LACPTransmitRate"),
        kind: Plain,
    },
    Row { key: "lacp_active", ifupdown: "bond-lacp-active", netplan: None, networkd: None, kind: Bool },
    Row {
        key: "ad_select",
        ifupdown: "bond-ad-select",
        netplan: Some("ad-select"),
        networkd: Some("AdSelect"),
        kind: Plain,
    },
    Row {
        key: "ad_actor_sys_prio",
        ifupdown: "bond-ad-actor-sys-prio",
        netplan: None,
        networkd: Some("AdActorSystemPriority"),
        kind: Plain,
    },
    Row {
        key: "ad_user_port_key",
        ifupdown: "bond-ad-user-port-key",
        netplan: None,
        networkd: Some("AdUserPortKey"),
        kind: Plain,
    },
    Row {
        key: "ad_actor_system",
        ifupdown: "bond-ad-actor-system",
        netplan: None,
        networkd: Some("AdActorSystem"),
        kind: Plain,
    },
    Row { key: "coupled_control", ifupdown: "bond-coupled-control", netplan: None, networkd: None, kind: Bool },
];

pub fn row(key: &str) -> Option<&'static Row> {
    TABLE.iter().find(|r| r.key == key)
}

/// Sets a bond option from text, through the model's own YAML parsing so every value is
/// checked exactly as in a hostnet file. The text is the value in hostnet units.
pub fn set(bond: &mut Bond, key: &str, value: &str) -> Result<(), String> {
    let r = row(key).ok_or_else(|| format!("unknown bond option {key}"))?;
    let yaml_value = match r.kind {
        Bool => match value {
            "1" | "yes" | "true" | "on" => "true".to_string(),
            "0" | "no" | "false" | "off" => "false".to_string(),
            other => return Err(format!("`{other}` is not a boolean")),
        },
        List => format!("[{}]", value.split([',', ' ']).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ")),
        _ => format!("\"{value}\""),
    };
    // Numbers are given as strings above; let them through as numbers where the field wants one.
    let try_parse = |v: &str| serde_saphyr::from_str::<Bond>(&format!("mode: {}\n{key}: {v}\n", bond.mode));
    let parsed = try_parse(&yaml_value)
        .or_else(|_| try_parse(value))
        .map_err(|e| e.without_snippet().to_string().lines().next().unwrap_or("invalid value").to_string())?;
    for o in parsed.options() {
        bond.set_option(o);
    }
    Ok(())
}

/// The value of an option in hostnet units, as text (`on` booleans as `true`).
pub fn value_text(o: &BondOpt) -> String {
    match o {
        BondOpt::UseCarrier(b)
        | BondOpt::AllSlavesActive(b)
        | BondOpt::TlbDynamicLb(b)
        | BondOpt::LacpActive(b)
        | BondOpt::CoupledControl(b) => b.to_string(),
        other => other.value_text(),
    }
}

/// The bridge timers and their names in each format: the core's one table.
pub use hostnet_core::model::bridge_timers::{BRIDGE_TIMERS, BridgeTimer as BridgeTime};
