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

/// RTM_SETLINK (add) or RTM_DELLINK (remove) body of family AF_BRIDGE listing VLANs of a port,
/// or of the bridge itself (`own`: BRIDGE_FLAGS_SELF), as `bridge vlan add|del` sends it.
pub(crate) fn vlan_message(
    index: u32,
    own: bool,
    list: &[hostnet_core::model::BridgeVlan],
) -> rtnetlink::packet_route::link::LinkMessage {
    use rtnetlink::packet_route::link::BridgeVlanInfoFlags as F;
    let mut b = rtnetlink::LinkBridgeVlan::new(index);
    if own {
        b = b.bridge_self();
    }
    for v in list {
        let mut flags = F::empty();
        if v.pvid {
            flags |= F::Pvid;
        }
        if v.untagged {
            flags |= F::Untagged;
        }
        b = if v.vid.0 == v.vid.1 {
            b.vlan(v.vid.0, flags)
        } else {
            b.vlan_range_start(v.vid.0, flags).vlan_range_end(v.vid.1, flags)
        };
    }
    b.build()
}

/// The VLANs of every bridge port and bridge (own VLANs), by ifindex, from one AF_BRIDGE dump
/// (ranges compressed by the kernel, expanded here).
pub(crate) fn vlans_of(
    msgs: &[rtnetlink::packet_route::link::LinkMessage],
) -> std::collections::HashMap<u32, hostnet_core::model::vlans::VlanSet> {
    use rtnetlink::packet_route::link::{AfSpecBridge, BridgeVlanInfoFlags as F, LinkAttribute};
    let mut out = std::collections::HashMap::new();
    for m in msgs {
        let set: &mut hostnet_core::model::vlans::VlanSet = out.entry(m.header.index).or_default();
        let mut begin: Option<u16> = None;
        for a in &m.attributes {
            let LinkAttribute::AfSpecBridge(specs) = a else { continue };
            for s in specs {
                let AfSpecBridge::VlanInfo(v) = s else { continue };
                let flags = (v.flags.contains(F::Pvid), v.flags.contains(F::Untagged));
                if v.flags.contains(F::RangeBegin) {
                    begin = Some(v.vid);
                } else if v.flags.contains(F::RangeEnd) {
                    for vid in begin.take().unwrap_or(v.vid)..=v.vid {
                        set.insert(vid, flags);
                    }
                } else {
                    set.insert(v.vid, flags);
                }
            }
        }
    }
    out
}
