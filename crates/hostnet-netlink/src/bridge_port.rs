//! A bridge port's settings (IFLA_BRPORT_*), written as the port's "slave data" of kind
//! bridge (what `ip link set dev PORT type bridge_slave` sends) and read back from the same
//! place in the link dump.

use hostnet_core::model::BridgePort;
use rtnetlink::packet_route::link::{InfoBridgePort, InfoPortData, InfoPortKind, LinkInfo};

pub(crate) fn link_info(p: &BridgePort) -> Vec<LinkInfo> {
    let mut a = Vec::new();
    if let Some(c) = p.cost {
        a.push(InfoBridgePort::Cost(c));
    }
    if let Some(x) = p.priority {
        a.push(InfoBridgePort::Priority(x));
    }
    for (set, make) in [
        (p.hairpin, InfoBridgePort::HairpinMode as fn(bool) -> InfoBridgePort),
        (p.isolated, InfoBridgePort::Isolated),
        (p.learning, InfoBridgePort::Learning),
        (p.flood, InfoBridgePort::UnicastFlood),
        (p.bpdu_guard, InfoBridgePort::Guard),
    ] {
        if let Some(b) = set {
            a.push(make(b));
        }
    }
    vec![LinkInfo::PortKind(InfoPortKind::Bridge), LinkInfo::PortData(InfoPortData::BridgePort(a))]
}

/// The port's settings, kernel defaults left unset; `None` when the link is no bridge port.
pub(crate) fn read(info: &[LinkInfo]) -> Option<BridgePort> {
    let attrs = info.iter().find_map(|i| match i {
        LinkInfo::PortData(InfoPortData::BridgePort(a)) => Some(a),
        _ => None,
    })?;
    let mut p = BridgePort::default();
    for a in attrs {
        match a {
            InfoBridgePort::Cost(c) => p.cost = Some(*c),
            InfoBridgePort::Priority(x) => p.priority = Some(*x),
            InfoBridgePort::HairpinMode(b) => p.hairpin = Some(*b),
            InfoBridgePort::Isolated(b) => p.isolated = Some(*b),
            InfoBridgePort::Learning(b) => p.learning = Some(*b),
            InfoBridgePort::UnicastFlood(b) => p.flood = Some(*b),
            InfoBridgePort::Guard(b) => p.bpdu_guard = Some(*b),
            _ => {}
        }
    }
    Some(p.without_defaults())
}
