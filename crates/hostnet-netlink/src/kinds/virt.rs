//! The codec of the software kinds (dummy, macvlan, ipvlan, vxlan, vrf): their IFLA_LINKINFO, written when
//! hostnet creates one, and read back into the model for `show`, plans and verification.

use std::net::IpAddr;

use hostnet_core::model::{Dummy, Ipvlan, IpvlanFlags, IpvlanMode, Kind, Macvlan, MacvlanMode, Vrf, Vxlan};
use rtnetlink::packet_route::link::{
    InfoData, InfoIpVlan, InfoKind, InfoMacVlan, InfoVrf, InfoVxlan, IpVlanFlags, IpVlanMode, LinkAttribute, LinkInfo,
    MacVlanMode,
};

/// The LinkInfo of a new link of a software kind, and the index of the link it is built on
/// (IFLA_LINK), if any; `None` for the kinds this module does not make.
pub(crate) fn link_info(kind: &Kind, base: Option<u32>) -> Option<(Vec<LinkInfo>, Option<u32>)> {
    let (k, data) = match kind {
        Kind::Dummy(_) => (InfoKind::Dummy, None),
        Kind::Macvlan(m) => (
            InfoKind::MacVlan,
            Some(InfoData::MacVlan(vec![InfoMacVlan::Mode(MacVlanMode::from(u32::from(m.mode().value())))])),
        ),
        Kind::Ipvlan(m) => {
            let flags = match m.flags() {
                IpvlanFlags::Bridge => IpVlanFlags::empty(),
                IpvlanFlags::Private => IpVlanFlags::Private,
                IpvlanFlags::Vepa => IpVlanFlags::Vepa,
            };
            let data = vec![InfoIpVlan::Mode(IpVlanMode::from(u16::from(m.mode().value()))), InfoIpVlan::Flags(flags)];
            (InfoKind::IpVlan, Some(InfoData::IpVlan(data)))
        }
        Kind::Vxlan(v) => (InfoKind::Vxlan, Some(InfoData::Vxlan(vxlan_attrs(v, base)))),
        Kind::Vrf(v) => (InfoKind::Vrf, Some(InfoData::Vrf(vec![InfoVrf::TableId(v.table)]))),
        // Keys and peers go over the WireGuard family once the link exists.
        Kind::Wireguard(_) => (InfoKind::Wireguard, None),
        _ => return None,
    };
    let mut info = vec![LinkInfo::Kind(k)];
    info.extend(data.map(LinkInfo::Data));
    // A VXLAN names its underlay inside its own data; macvlan and ipvlan by IFLA_LINK.
    let link = if matches!(kind, Kind::Macvlan(_) | Kind::Ipvlan(_)) { base } else { None };
    Some((info, link))
}

fn vxlan_attrs(v: &Vxlan, base: Option<u32>) -> Vec<InfoVxlan> {
    let mut a = vec![InfoVxlan::Id(v.vni), InfoVxlan::Port(v.port()), InfoVxlan::Learning(v.learning())];
    match v.local {
        Some(IpAddr::V4(l)) => a.push(InfoVxlan::Local(l)),
        Some(IpAddr::V6(l)) => a.push(InfoVxlan::Local6(l)),
        None => {}
    }
    // The kernel keeps a unicast remote and a multicast group in the same attribute.
    match v.remote.or(v.group) {
        Some(IpAddr::V4(g)) => a.push(InfoVxlan::Group(g)),
        Some(IpAddr::V6(g)) => a.push(InfoVxlan::Group6(g)),
        None => {}
    }
    if let Some(i) = base {
        a.push(InfoVxlan::Link(i));
    }
    a
}

/// The model of a link of a software kind, from its LinkInfo; `name_of` turns an ifindex
/// into a name (the base of a macvlan, ipvlan or VXLAN).
pub(crate) fn kind_of(
    attrs: &[LinkAttribute],
    info_kind: &InfoKind,
    name_of: &dyn Fn(u32) -> Option<String>,
) -> Option<Kind> {
    let data = attrs.iter().find_map(|a| match a {
        LinkAttribute::LinkInfo(infos) => infos.iter().find_map(|i| match i {
            LinkInfo::Data(d) => Some(d.clone()),
            _ => None,
        }),
        _ => None,
    });
    let lower =
        || attrs.iter().find_map(|a| if let LinkAttribute::Link(i) = a { Some(*i) } else { None }).and_then(name_of);
    Some(match info_kind {
        InfoKind::Dummy => Kind::Dummy(Dummy {}),
        InfoKind::MacVlan => {
            let mode = match &data {
                Some(InfoData::MacVlan(d)) => d.iter().find_map(|x| match x {
                    InfoMacVlan::Mode(m) => u8::try_from(u32::from(*m)).ok().and_then(MacvlanMode::from_value),
                    _ => None,
                }),
                _ => None,
            };
            Kind::Macvlan(Macvlan { base: lower()?, mode: mode.filter(|m| *m != MacvlanMode::Vepa) })
        }
        InfoKind::IpVlan => {
            let (mut mode, mut flags) = (None, None);
            if let Some(InfoData::IpVlan(d)) = &data {
                for x in d {
                    match x {
                        InfoIpVlan::Mode(m) => mode = u8::try_from(u16::from(*m)).ok().and_then(IpvlanMode::from_value),
                        InfoIpVlan::Flags(f) if f.contains(IpVlanFlags::Private) => flags = Some(IpvlanFlags::Private),
                        InfoIpVlan::Flags(f) if f.contains(IpVlanFlags::Vepa) => flags = Some(IpvlanFlags::Vepa),
                        InfoIpVlan::Flags(_) => flags = Some(IpvlanFlags::Bridge),
                        _ => {}
                    }
                }
            }
            // The kernel's defaults read back as unset, as a config would leave them.
            Kind::Ipvlan(Ipvlan {
                base: lower()?,
                mode: mode.filter(|m| *m != IpvlanMode::L3),
                flags: flags.filter(|f| *f != IpvlanFlags::Bridge),
            })
        }
        InfoKind::Vxlan => {
            let Some(InfoData::Vxlan(d)) = &data else { return None };
            let mut v =
                Vxlan { vni: 0, local: None, remote: None, group: None, port: None, base: None, learning: None };
            for x in d {
                match x {
                    InfoVxlan::Id(i) => v.vni = *i,
                    InfoVxlan::Local(a) => v.local = Some(IpAddr::V4(*a)),
                    InfoVxlan::Local6(a) => v.local = Some(IpAddr::V6(*a)),
                    InfoVxlan::Group(a) => put_peer(&mut v, IpAddr::V4(*a)),
                    InfoVxlan::Group6(a) => put_peer(&mut v, IpAddr::V6(*a)),
                    InfoVxlan::Port(p) => v.port = Some(*p),
                    InfoVxlan::Learning(l) => v.learning = Some(*l),
                    InfoVxlan::Link(i) if *i != 0 => v.base = name_of(*i),
                    _ => {}
                }
            }
            v.port = v.port.filter(|p| *p != hostnet_core::model::virt::VXLAN_PORT);
            v.learning = v.learning.filter(|l| !l);
            Kind::Vxlan(v)
        }
        InfoKind::Vrf => {
            let table = match &data {
                Some(InfoData::Vrf(d)) => {
                    d.iter().find_map(|x| if let InfoVrf::TableId(t) = x { Some(*t) } else { None })
                }
                _ => None,
            }?;
            Kind::Vrf(Vrf { table, ports: Vec::new() })
        }
        // Its settings come from the WireGuard family, for declared links (wireguard::fill).
        InfoKind::Wireguard => Kind::Wireguard(Default::default()),
        _ => return None,
    })
}

fn put_peer(v: &mut Vxlan, a: IpAddr) {
    if a.is_unspecified() {
        return;
    }
    if a.is_multicast() { v.group = Some(a) } else { v.remote = Some(a) }
}
