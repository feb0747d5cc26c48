//! The bridge codec: IFLA_INFO_DATA of a bridge, both ways. Times go through the core's timer
//! table (seconds in the config, hundredths in the kernel, rounded to the nearest second).

use hostnet_core::model::Bridge;
use hostnet_core::model::bridge_timers::{from_hundredths, to_hundredths};
use rtnetlink::packet_route::link::{BridgeStpState, InfoBridge};

/// The attributes that set what `b` declares; unset options are left out (the kernel keeps
/// its own).
pub(crate) fn encode(b: &Bridge) -> Vec<InfoBridge> {
    let mut v = Vec::new();
    if let Some(s) = b.stp {
        v.push(InfoBridge::StpState(if s { BridgeStpState::KernelStp } else { BridgeStpState::Disabled }));
    }
    if let Some(x) = b.forward_delay {
        v.push(InfoBridge::ForwardDelay(to_hundredths(x)));
    }
    if let Some(x) = b.hello_time {
        v.push(InfoBridge::HelloTime(to_hundredths(x)));
    }
    if let Some(x) = b.max_age {
        v.push(InfoBridge::MaxAge(to_hundredths(x)));
    }
    if let Some(x) = b.ageing_time {
        v.push(InfoBridge::AgeingTime(to_hundredths(x)));
    }
    if let Some(p) = b.priority {
        v.push(InfoBridge::Priority(p));
    }
    if let Some(f) = b.vlan_filtering {
        v.push(InfoBridge::VlanFiltering(f));
    }
    if let Some(s) = b.mcast_snooping {
        v.push(InfoBridge::MulticastSnooping(s));
    }
    if let Some(q) = b.mcast_querier {
        v.push(InfoBridge::MulticastQuerier(q));
    }
    v
}

/// The model of what the kernel reports (ports and VLANs come from elsewhere).
pub(crate) fn decode(attrs: &[InfoBridge]) -> Bridge {
    let mut b = Bridge::default();
    for a in attrs {
        match a {
            InfoBridge::StpState(s) => b.stp = Some(!matches!(s, BridgeStpState::Disabled)),
            InfoBridge::ForwardDelay(v) => b.forward_delay = Some(from_hundredths(*v)),
            InfoBridge::HelloTime(v) => b.hello_time = Some(from_hundredths(*v)),
            InfoBridge::MaxAge(v) => b.max_age = Some(from_hundredths(*v)),
            InfoBridge::AgeingTime(v) => b.ageing_time = Some(from_hundredths(*v)),
            InfoBridge::Priority(p) => b.priority = Some(*p),
            InfoBridge::VlanFiltering(f) => b.vlan_filtering = Some(*f),
            InfoBridge::MulticastSnooping(s) => b.mcast_snooping = Some(*s),
            InfoBridge::MulticastQuerier(q) => b.mcast_querier = Some(*q),
            _ => {}
        }
    }
    b
}
