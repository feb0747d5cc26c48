//! Round trips through bytes: a model encoded as the kernel would receive it, emitted into
//! netlink-packet-route's wire format, parsed as a dump entry, and decoded, gives the model back.

use std::collections::HashMap;

use hostnet_core::model::bond::{
    AdSelect, ArpAllTargets, ArpValidate, FailOverMac, LacpRate, PrimaryReselect, XmitHashPolicy,
};
use hostnet_core::model::{Bond, BondMode, BondOpt, Bridge, MacAddr, Vlan, VlanProtocol};
use rtnetlink::packet_core::Emitable;
use rtnetlink::packet_route::link::{InfoBridge, InfoData, InfoKind, LinkAttribute, LinkInfo, LinkMessage};

/// `data` as a link message of `kind`, through bytes and back.
fn through_bytes(kind: InfoKind, data: InfoData) -> InfoData {
    let mut m = LinkMessage::default();
    m.header.index = 7;
    m.attributes.push(LinkAttribute::IfName("x0".into()));
    m.attributes.push(LinkAttribute::LinkInfo(vec![LinkInfo::Kind(kind), LinkInfo::Data(data)]));
    let mut buf = vec![0u8; m.buffer_len()];
    m.emit(&mut buf);
    let parsed = crate::read::parse_link(&buf).expect("what we emit parses");
    parsed
        .attributes
        .into_iter()
        .find_map(|a| match a {
            LinkAttribute::LinkInfo(i) => i.into_iter().find_map(|x| match x {
                LinkInfo::Data(d) => Some(d),
                _ => None,
            }),
            _ => None,
        })
        .expect("the data comes back")
}

/// A value for every bond option, none of them the kernel's default.
fn every_option() -> Vec<BondOpt> {
    vec![
        BondOpt::Miimon(100),
        BondOpt::Updelay(200),
        BondOpt::Downdelay(300),
        BondOpt::PeerNotifDelay(400),
        BondOpt::UseCarrier(false),
        BondOpt::ArpInterval(250),
        BondOpt::ArpIpTarget(vec!["192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap()]),
        BondOpt::ArpValidate(ArpValidate::from_value(3).unwrap()),
        BondOpt::ArpAllTargets(ArpAllTargets::from_value(1).unwrap()),
        BondOpt::MissedMax(5),
        BondOpt::Primary("p1".into()),
        BondOpt::PrimaryReselect(PrimaryReselect::from_value(2).unwrap()),
        BondOpt::FailOverMac(FailOverMac::from_value(1).unwrap()),
        BondOpt::XmitHashPolicy(XmitHashPolicy::from_value(1).unwrap()),
        BondOpt::ResendIgmp(3),
        BondOpt::NumPeerNotif(4),
        BondOpt::AllSlavesActive(true),
        BondOpt::MinLinks(2),
        BondOpt::LpInterval(9),
        BondOpt::PacketsPerSlave(17),
        BondOpt::TlbDynamicLb(false),
        BondOpt::LacpRate(LacpRate::from_value(1).unwrap()),
        BondOpt::LacpActive(false),
        BondOpt::AdSelect(AdSelect::from_value(1).unwrap()),
        BondOpt::AdActorSysPrio(1000),
        BondOpt::AdUserPortKey(12),
        BondOpt::AdActorSystem(MacAddr([0x02, 0, 0, 0, 0, 0x42])),
        BondOpt::CoupledControl(false),
    ]
}

#[test]
fn every_bond_option_round_trips_in_every_mode_it_means_something_in() {
    let names: HashMap<u32, String> = [(41, "p1".to_string())].into_iter().collect();
    let options = every_option();
    // Every option of the core's table is covered: a new one must be added here.
    let mut kinds: Vec<&str> = options.iter().map(|o| o.key()).collect();
    kinds.dedup();
    assert_eq!(kinds.len(), 28, "{kinds:?}");
    for &mode in BondMode::ALL.iter() {
        let mut b = Bond::new(mode);
        for o in options.iter().filter(|o| o.applies().allows(mode)) {
            b.set_option(o.clone());
        }
        let data = through_bytes(InfoKind::Bond, InfoData::Bond(super::bond::encode(&b, Some(41))));
        let InfoData::Bond(attrs) = data else { panic!("not bond data: {data:?}") };
        assert_eq!(super::bond::decode(&attrs, &names), b, "mode {mode}");
    }
}

#[test]
fn bridge_options_round_trip_and_kernel_times_round_to_the_second() {
    let b = Bridge {
        stp: Some(true),
        forward_delay: Some(4),
        hello_time: Some(2),
        max_age: Some(12),
        ageing_time: Some(600),
        priority: Some(4096),
        vlan_filtering: Some(true),
        ..Default::default()
    };
    let data = through_bytes(InfoKind::Bridge, InfoData::Bridge(super::bridge::encode(&b)));
    let InfoData::Bridge(attrs) = data else { panic!("not bridge data: {data:?}") };
    assert_eq!(super::bridge::decode(&attrs), b);
    // What a kernel holding 15 s in jiffies may report: 14.99 s is 15 s, not 14.
    let from_kernel = [InfoBridge::ForwardDelay(1499), InfoBridge::AgeingTime(29_998)];
    let back = through_bytes(InfoKind::Bridge, InfoData::Bridge(from_kernel.to_vec()));
    let InfoData::Bridge(attrs) = back else { panic!() };
    let d = super::bridge::decode(&attrs);
    assert_eq!((d.forward_delay, d.ageing_time), (Some(15), Some(300)));
}

#[test]
fn vlan_id_and_protocol_round_trip() {
    for protocol in [None, Some(VlanProtocol::Dot1ad)] {
        let v = Vlan { base: "b0".into(), id: 4094, protocol };
        let data = through_bytes(InfoKind::Vlan, InfoData::Vlan(super::vlan::encode(&v)));
        let InfoData::Vlan(attrs) = data else { panic!("not vlan data: {data:?}") };
        assert_eq!(super::vlan::decode(&attrs, "b0".into()), v);
    }
}

#[test]
fn a_veth_peer_is_named_in_its_own_message() {
    let data = through_bytes(InfoKind::Veth, InfoData::Veth(super::veth::encode("vp0", Some(12))));
    let InfoData::Veth(rtnetlink::packet_route::link::InfoVeth::Peer(m)) = data else { panic!("{data:?}") };
    assert_eq!(m.header.index, 12);
    assert!(m.attributes.iter().any(|a| matches!(a, LinkAttribute::IfName(n) if n == "vp0")));
}
