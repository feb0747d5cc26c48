//! Bridge ports parsed from netlink bytes the 6.18 kernel sent (captured by
//! tests/fixtures/capture-bridge.sh): br0 with two veth ports, v0 with the kernel's defaults and
//! v1 with cost 7, priority 9, hairpin, BPDU guard and isolation on, learning and unicast flood
//! off. The link dump parses 10 of each port's 40-odd attributes; these tests hold that parse to
//! the whole one.

mod common;

use hostnet_core::model::BridgePort;
use hostnet_netlink::read::Observed;
use rtnetlink::packet_route::link::{InfoPortData, LinkAttribute, LinkInfo};

const CAPTURE: &str = include_str!("fixtures/links-bridge-ports.6.18.hex");

#[test]
fn the_dump_parse_equals_the_whole_message_parsed_and_trimmed() {
    // lo, br0, v0, p0, v1, p1.
    assert_eq!(common::dump_parse_equals_whole_parse_trimmed(CAPTURE), 6);
}

#[test]
fn a_port_keeps_only_the_attributes_hostnet_reads() {
    for (bytes, _) in common::messages(CAPTURE) {
        let l = hostnet_netlink::read::parse_link(&bytes[16..]).expect("parses");
        for a in &l.attributes {
            let LinkAttribute::LinkInfo(infos) = a else { continue };
            for i in infos {
                if let LinkInfo::PortData(InfoPortData::BridgePort(port)) = i {
                    assert!((1..=10).contains(&port.len()), "{port:?}");
                }
            }
        }
    }
}

#[test]
fn port_settings_read_from_the_dump() {
    let links: Vec<_> = common::messages(CAPTURE)
        .iter()
        .map(|(bytes, _)| hostnet_netlink::read::parse_link(&bytes[16..]).expect("parses"))
        .collect();
    let o = Observed::build(&links, [], []);
    let port = |name: &str| {
        let l = o.state.links.iter().find(|l| l.iface.name == name).expect(name);
        (l.master.clone(), l.iface.bridge_port.clone())
    };
    let v1 = BridgePort {
        cost: Some(7),
        priority: Some(9),
        hairpin: Some(true),
        bpdu_guard: Some(true),
        isolated: Some(true),
        learning: Some(false),
        flood: Some(false),
        ..Default::default()
    };
    assert_eq!(port("v1"), (Some("br0".into()), Some(v1)));
    // The kernel's defaults read as nothing set, but for the path cost it derives from the
    // link's speed (2 for a veth's 10 Gb/s).
    let v0 = BridgePort { cost: Some(2), ..Default::default() };
    assert_eq!(port("v0"), (Some("br0".into()), Some(v0)));
    assert_eq!(port("p0"), (None, None));
}
