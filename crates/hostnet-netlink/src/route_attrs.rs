//! A route's metrics (RTA_METRICS: the path MTU and TCP's settings) and its paths
//! (RTA_MULTIPATH), both ways, side by side: what `route_message` writes and `route_of` reads.

use std::net::IpAddr;

use hostnet_core::model::{NextHop, Route};
use rtnetlink::packet_route::route::{RouteAddress, RouteAttribute, RouteMetric, RouteNextHop, RouteNextHopFlags};

/// The metrics `r` sets, in the kernel's terms.
pub(crate) fn metrics(r: &Route) -> Vec<RouteMetric> {
    [
        r.mtu.map(RouteMetric::Mtu),
        r.initcwnd.map(RouteMetric::InitCwnd),
        r.initrwnd.map(RouteMetric::InitRwnd),
        r.advmss.map(RouteMetric::Advmss),
        r.congctl.clone().map(RouteMetric::CcAlgo),
        r.quickack.map(|q| RouteMetric::QuickAck(q.into())),
        r.fastopen_no_cookie.map(|f| RouteMetric::FastopenNoCookie(f.into())),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Sets on `r` the metrics the kernel reported; the others are not hostnet's.
pub(crate) fn take_metrics(r: &mut Route, ms: &[RouteMetric]) {
    for m in ms {
        match m {
            RouteMetric::Mtu(v) => r.mtu = Some(*v),
            RouteMetric::InitCwnd(v) => r.initcwnd = Some(*v),
            RouteMetric::InitRwnd(v) => r.initrwnd = Some(*v),
            RouteMetric::Advmss(v) => r.advmss = Some(*v),
            RouteMetric::CcAlgo(v) => r.congctl = Some(v.clone()),
            RouteMetric::QuickAck(v) => r.quickack = Some(*v != 0),
            RouteMetric::FastopenNoCookie(v) => r.fastopen_no_cookie = Some(*v != 0),
            _ => {}
        }
    }
}

/// The paths of a multipath route, each through the link at the same position of `indexes`.
pub(crate) fn next_hops(r: &Route, indexes: &[u32]) -> Vec<RouteNextHop> {
    let hops = r.nexthops.iter().zip(indexes).map(|(h, &index)| {
        let mut n = RouteNextHop::default();
        n.interface_index = index;
        // Validation keeps weights in 1..=256.
        n.hops = (h.weight().clamp(1, 256) - 1) as u8;
        if h.onlink {
            n.flags |= RouteNextHopFlags::Onlink;
        }
        n.attributes.push(RouteAttribute::Gateway(address(h.via)));
        n
    });
    hops.collect()
}

/// Marks a next hop's device as a link index not yet named: a route message carries indexes,
/// and a name is known only beside the links ([`name_next_hops`]). No link name holds a `:`.
const UNNAMED: char = ':';

/// One path of a multipath route, its device still an index; `None` for what hostnet cannot
/// express (no gateway, a gateway of the other family through RTA_VIA, encapsulation).
pub(crate) fn next_hop(h: &RouteNextHop) -> Option<NextHop> {
    let mut via = None;
    for a in &h.attributes {
        match a {
            RouteAttribute::Gateway(g) => via = ip(g),
            _ => return None,
        }
    }
    let weight = u16::from(h.hops) + 1;
    Some(NextHop {
        via: via?,
        dev: format!("{UNNAMED}{}", h.interface_index),
        weight: (weight != 1).then_some(weight),
        onlink: h.flags.contains(RouteNextHopFlags::Onlink),
    })
}

/// Names the devices of a multipath route's paths through `name_of` (link index to name). A
/// path through a link that is gone keeps its index, and no declared route matches it.
pub fn name_next_hops(route: &mut Route, name_of: impl Fn(u32) -> Option<String>) {
    for h in &mut route.nexthops {
        if let Some(index) = h.dev.strip_prefix(UNNAMED).and_then(|i| i.parse().ok())
            && let Some(name) = name_of(index)
        {
            h.dev = name;
        }
    }
}

pub(crate) fn address(ip: IpAddr) -> RouteAddress {
    match ip {
        IpAddr::V4(a) => RouteAddress::Inet(a),
        IpAddr::V6(a) => RouteAddress::Inet6(a),
    }
}

pub(crate) fn ip(a: &RouteAddress) -> Option<IpAddr> {
    match a {
        RouteAddress::Inet(v) => Some(IpAddr::V4(*v)),
        RouteAddress::Inet6(v) => Some(IpAddr::V6(*v)),
        _ => None,
    }
}
