//! The VLAN codec: its id and protocol both ways; its base goes as IFLA_LINK, an index.

use hostnet_core::model::{Vlan, VlanProtocol};
use rtnetlink::packet_route::link::InfoVlan;

pub(crate) fn encode(v: &Vlan) -> Vec<InfoVlan> {
    let mut data = vec![InfoVlan::Id(v.id)];
    if let Some(p) = v.protocol {
        data.push(InfoVlan::Protocol(p.ethertype().into()));
    }
    data
}

/// The VLAN on `base`; 802.1Q, the kernel's default, reads back as unset.
pub(crate) fn decode(attrs: &[InfoVlan], base: String) -> Vlan {
    let mut v = Vlan { base, id: 0, protocol: None };
    for a in attrs {
        match a {
            InfoVlan::Id(id) => v.id = *id,
            InfoVlan::Protocol(p) if u16::from(*p) == VlanProtocol::Dot1ad.ethertype() => {
                v.protocol = Some(VlanProtocol::Dot1ad)
            }
            _ => {}
        }
    }
    v
}
