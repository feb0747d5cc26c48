//! A bridge port's settings (IFLA_BRPORT_*), written as the port's "slave data" of kind
//! bridge (what `ip link set dev PORT type bridge_slave` sends) and read back from the same
//! place in the link dump.

use hostnet_core::model::BridgePort;

use crate::attr_set::Kinds;
use rtnetlink::packet_core::{DecodeError, Nla, NlaBuffer, NlasIterator, Parseable, ParseableParametrized};
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::packet_route::link::{InfoBridgePort, InfoPortData, InfoPortKind, LinkAttribute, LinkInfo};

/// The IFLA_BRPORT_* attributes [`read`] uses (linux/if_link.h): priority, cost, mode
/// (hairpin), guard, learning, unicast flood, isolated. The kernel sends about 40 per port.
const READ_BRPORT: Kinds = Kinds::of(&[2, 3, 4, 5, 8, 9, 25, 27, 32, 33]);
/// The link attribute holding the link's kind and port kind, and their data; and those two of
/// IFLA_INFO_* inside it.
pub(crate) const IFLA_LINKINFO: u16 = 18;
const IFLA_INFO_PORT_KIND: u16 = 4;
const IFLA_INFO_PORT_DATA: u16 = 5;

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
        (p.mcast_flood, InfoBridgePort::MulticastFlood),
        (p.neigh_suppress, InfoBridgePort::NeighSupress),
    ] {
        if let Some(b) = set {
            a.push(make(b));
        }
    }
    if let Some(r) = p.mcast_router {
        a.push(InfoBridgePort::MulticastRouter(r.into()));
    }
    vec![LinkInfo::PortKind(InfoPortKind::Bridge), LinkInfo::PortData(InfoPortData::BridgePort(a))]
}

/// IFLA_LINKINFO of a link dump, parsed as the whole message parsed and [`trim_port_data`]ed
/// would be. Of a bridge port's data only [`READ_BRPORT`] is parsed: skipping the other 33 or
/// so made `show` of 2011 links (1000 ports) 1.3-1.6 ms faster. The link's own kind and data go
/// to the crate's parser; they come first, and the port's kind and data last, as the kernel
/// writes them (anything else is parsed whole).
pub(crate) fn parse_link_info(nla: &NlaBuffer<&[u8]>, family: AddressFamily) -> Result<LinkAttribute, DecodeError> {
    let value = nla.value();
    let (mut port_at, mut offset, mut port_data) = (None, 0, None);
    let mut port_kind = None;
    for inner in NlasIterator::new(value) {
        let inner = inner?;
        match inner.kind() {
            IFLA_INFO_PORT_KIND if port_at.is_none() => {
                port_at = Some(offset);
                port_kind = Some(InfoPortKind::parse(&inner)?);
            }
            IFLA_INFO_PORT_DATA if port_kind.is_some() && port_data.is_none() => {
                port_data = Some(offset + 4..offset + usize::from(inner.length()));
            }
            _ if port_at.is_some() => return LinkAttribute::parse_with_param(nla, family),
            _ => {}
        }
        offset += (usize::from(inner.length()) + 3) & !3;
    }
    let (Some(at), Some(InfoPortKind::Bridge), Some(data)) = (port_at, &port_kind, port_data) else {
        return LinkAttribute::parse_with_param(nla, family);
    };
    // The link's part, re-headed as an IFLA_LINKINFO of its own length. A NIC has none (no
    // kind of its own: only the port's part), and an empty IFLA_LINKINFO is not parseable.
    let mut infos = Vec::new();
    if at > 0 {
        let mut own = Vec::with_capacity(4 + at);
        own.extend_from_slice(
            &u16::try_from(4 + at).map_err(|_| DecodeError::from("IFLA_LINKINFO too long"))?.to_ne_bytes(),
        );
        own.extend_from_slice(&IFLA_LINKINFO.to_ne_bytes());
        own.extend_from_slice(&value[..at]);
        let LinkAttribute::LinkInfo(parsed) =
            LinkAttribute::parse_with_param(&NlaBuffer::new_checked(&own[..])?, family)?
        else {
            return Err("IFLA_LINKINFO parsed as another attribute".into());
        };
        infos = parsed;
    }
    let mut port = Vec::with_capacity(READ_BRPORT.len());
    for a in NlasIterator::new(value.get(data).unwrap_or_default()) {
        let a = a?;
        if READ_BRPORT.contains(a.kind()) {
            port.push(InfoBridgePort::parse(&a)?);
        }
    }
    infos.push(LinkInfo::PortKind(InfoPortKind::Bridge));
    infos.push(LinkInfo::PortData(InfoPortData::BridgePort(port)));
    Ok(LinkAttribute::LinkInfo(infos))
}

/// Drops the bridge port attributes [`read`] does not use from a message parsed whole (a
/// notification), so that it equals what the link dump keeps ([`parse_link_info`]).
pub(crate) fn trim_port_data(a: &mut LinkAttribute) {
    let LinkAttribute::LinkInfo(infos) = a else { return };
    for i in infos {
        if let LinkInfo::PortData(InfoPortData::BridgePort(port)) = i {
            port.retain(|p| READ_BRPORT.contains(p.kind()));
            port.shrink_to_fit();
        }
    }
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
            InfoBridgePort::MulticastFlood(b) => p.mcast_flood = Some(*b),
            InfoBridgePort::NeighSupress(b) => p.neigh_suppress = Some(*b),
            InfoBridgePort::MulticastRouter(r) => p.mcast_router = Some(u8::from(*r)),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A NIC in a bridge: its IFLA_LINKINFO holds only the port's kind and data, as the kernel
    /// sends it for a device with no kind of its own (virtio-net, any hardware NIC). Found in the
    /// OS-level VM, where `hostnet show` failed on a bridge made by ifupdown over a NIC.
    #[test]
    fn a_nic_that_is_a_bridge_port_parses() {
        let mut port_kind = vec![11, 0, 4, 0];
        port_kind.extend_from_slice(b"bridge\0\0");
        // IFLA_BRPORT_PRIORITY (2), a u16: 32.
        let port_data = [12u8, 0, 5, 0, 6, 0, 2, 0, 32, 0, 0, 0];
        let mut info = vec![0u8, 0, 18, 0];
        info.extend_from_slice(&port_kind);
        info.extend_from_slice(&port_data);
        let len = info.len() as u16;
        info[..2].copy_from_slice(&len.to_ne_bytes());
        let nla = NlaBuffer::new_checked(&info[..]).unwrap();
        let LinkAttribute::LinkInfo(infos) = parse_link_info(&nla, AddressFamily::Unspec).unwrap() else {
            panic!("not a LinkInfo")
        };
        assert_eq!(infos[0], LinkInfo::PortKind(InfoPortKind::Bridge));
        assert_eq!(infos[1], LinkInfo::PortData(InfoPortData::BridgePort(vec![InfoBridgePort::Priority(32)])));
    }
}
