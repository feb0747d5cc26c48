//! Meeting users where their configs already are: importing Debian ifupdown and netplan files
//! into hostnet's model, and exporting hostnet's model to networkd, netplan and ifupdown for
//! hosts that must keep their distribution's tool. What a format cannot carry is listed, never
//! silently dropped.

pub mod bondopts;
mod dhcp;
pub mod ifupdown;
mod ifupdown_source;
pub use ifupdown_source::import_path as import_ifupdown_path;
mod iplayer;
pub mod netplan;
pub mod networkd;
mod wireguard;

use hostnet_core::Config;
use serde::Serialize;

/// Something that could not be carried over, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lost {
    /// `file:line` for imports; the interface for exports.
    pub at: String,
    pub what: String,
    pub why: String,
}

impl std::fmt::Display for Lost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.at, self.what, self.why)
    }
}

#[derive(Debug, Clone)]
pub struct Imported {
    pub config: Config,
    pub lost: Vec<Lost>,
}

/// Files to write, relative to the export directory.
#[derive(Debug, Clone)]
pub struct Exported {
    pub files: Vec<(String, String)>,
    pub lost: Vec<Lost>,
}

/// Interfaces in dependency order (lower first), as every exporter writes them.
/// `cabled_to` is an expectation `hostnet doctor` checks, which no other format holds.
pub(crate) fn cabling_lost(i: &hostnet_core::model::Interface, lost: &mut Vec<Lost>) {
    if let hostnet_core::model::Kind::Ethernet(e) = &i.kind
        && e.cabled_to.is_some()
    {
        lost.push(Lost {
            at: i.name.clone(),
            what: "cabled_to".into(),
            why: "a cabling expectation for `hostnet doctor --lldp`; the format has no place for it".into(),
        });
    }
}

/// Namespace-wide sysctls: no format's network files hold them (networkd's per-link
/// `IPv4Forwarding=` writes only its link since systemd 256). Each is listed with the line that
/// keeps it, in the file that does.
pub(crate) fn net_sysctls_lost(config: &hostnet_core::Config, format: &str, lost: &mut Vec<Lost>) {
    for (key, value) in &config.sysctls {
        lost.push(Lost {
            at: "sysctls".into(),
            what: format!("{key} = {value}"),
            why: format!(
                "{format} has no namespace-wide sysctls; put `{key} = {value}` in /etc/sysctl.d/90-network.conf"
            ),
        });
    }
}

/// The features each format can name: (kernel name, networkd `.link` key, netplan key,
/// ifupdown `ethtool` package option).
pub(crate) const OFFLOADS: &[(&str, &str, &str, &str)] = &[
    ("rx-gro", "GenericReceiveOffload", "generic-receive-offload", "offload-gro"),
    ("tx-generic-segmentation", "GenericSegmentationOffload", "generic-segmentation-offload", "offload-gso"),
    ("tx-tcp-segmentation", "TCPSegmentationOffload", "tcp-segmentation-offload", "offload-tso"),
    ("rx-lro", "LargeReceiveOffload", "large-receive-offload", "offload-lro"),
    ("rx-checksum", "ReceiveChecksumOffload", "receive-checksum-offload", "offload-rx"),
];

/// The ethtool settings a format cannot say: features outside [`OFFLOADS`] and the groups
/// (`channels`, `rings`, `coalesce`, `link`) not in `groups_ok`.
pub(crate) fn ethtool_lost(i: &hostnet_core::model::Interface, groups_ok: &[&str], format: &str, lost: &mut Vec<Lost>) {
    let Some(e) = &i.ethtool else { return };
    for k in e.kernel_features().keys().filter(|k| !OFFLOADS.iter().any(|o| o.0 == k.as_str())) {
        lost.push(Lost {
            at: i.name.clone(),
            what: format!("ethtool feature {k}"),
            why: format!("{format} has no key for it"),
        });
    }
    let groups = [
        ("channels", e.channels.is_some()),
        ("rings", e.rings.is_some()),
        ("coalesce", e.coalesce.is_some()),
        ("link", e.link.is_some()),
    ];
    for (group, _) in groups.into_iter().filter(|(g, set)| *set && !groups_ok.contains(g)) {
        lost.push(Lost {
            at: i.name.clone(),
            what: format!("ethtool {group}"),
            why: format!("{format} has no key for them"),
        });
    }
}

/// A bridge port's settings beyond path cost and priority, which netplan and ifupdown lack.
pub(crate) fn port_flags_lost(port: &hostnet_core::model::Interface, why: &str, lost: &mut Vec<Lost>) {
    let Some(bp) = &port.bridge_port else { return };
    let set: Vec<&str> = [
        ("hairpin", bp.hairpin.is_some()),
        ("isolated", bp.isolated.is_some()),
        ("learning", bp.learning.is_some()),
        ("flood", bp.flood.is_some()),
        ("bpdu_guard", bp.bpdu_guard.is_some()),
        ("mcast_flood", bp.mcast_flood.is_some()),
        ("mcast_router", bp.mcast_router.is_some()),
        ("neigh_suppress", bp.neigh_suppress.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, s)| s.then_some(k))
    .collect();
    if !set.is_empty() {
        lost.push(Lost { at: port.name.clone(), what: format!("bridge_port {}", set.join("/")), why: why.into() });
    }
}

/// Puts imported path costs and priorities, (port, is the cost, value), on their ports.
pub(crate) fn take_port_settings(
    interfaces: &mut [hostnet_core::model::Interface],
    settings: Vec<(String, bool, u32)>,
) {
    for (port, is_cost, n) in settings {
        if let Some(i) = interfaces.iter_mut().find(|i| i.name == port) {
            let bp = i.bridge_port.get_or_insert_with(Default::default);
            if is_cost { bp.cost = Some(n) } else { bp.priority = Some(n as u16) }
        }
    }
}

/// Bridge VLAN lists, for the formats that cannot hold them.
pub(crate) fn vlans_lost(i: &hostnet_core::model::Interface, lost: &mut Vec<Lost>, why: &str) {
    let port = i.bridge_port.as_ref().is_some_and(|p| p.vlans.is_some());
    let own = matches!(&i.kind, hostnet_core::model::Kind::Bridge(b) if b.vlans.is_some());
    if port || own {
        lost.push(Lost { at: i.name.clone(), what: "bridge VLANs".into(), why: why.into() });
    }
}

pub(crate) fn ordered(config: &Config) -> Vec<&hostnet_core::model::Interface> {
    let g = hostnet_core::graph::Graph::build(config);
    let order = g.topo_order().unwrap_or_else(|_| (0..g.nodes.len()).collect());
    order
        .into_iter()
        .filter_map(|n| match g.nodes[n].origin {
            hostnet_core::graph::Origin::Declared(i) => Some(&config.interfaces[i]),
            hostnet_core::graph::Origin::VethPeer(_) => None,
        })
        .collect()
}

/// Parses a time such as `100`, `100ms`, `2s` into milliseconds (netplan and networkd style);
/// a bare number is in `bare_unit_ms` units.
pub(crate) fn parse_time_ms(s: &str, bare_unit_ms: u64) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = s.strip_suffix("min") {
        (n, 60_000)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000)
    } else {
        (s, bare_unit_ms)
    };
    num.trim().parse::<u64>().ok().map(|v| v * mult)
}
