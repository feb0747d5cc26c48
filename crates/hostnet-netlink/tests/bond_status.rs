//! Bond and port status parsed from netlink bytes the 6.1 kernel sent (captured in the VM with
//! `vm/hostnet-vm --bin target/debug/examples/capture_links tests/fixtures/capture.sh`): an
//! 802.3ad bond `b0` over e1 and e2 negotiated with a partner port-channel, and an
//! active-backup bond `ab0` over e3 (carrier) and e4 (no carrier). Kernel format changes show up
//! here without a VM, as netlink-packet-route's own tests catch them.

mod common;

use std::collections::HashMap;

use hostnet_core::model::{BondMode, Kind};
use hostnet_netlink::read::Observed;
use hostnet_netlink::status::LinkStatus;
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::link::LinkMessage;

const CAPTURE: &str = include_str!("fixtures/links-802.3ad-and-active-backup.6.1.hex");

fn messages() -> Vec<(Vec<u8>, NetlinkMessage<RouteNetlinkMessage>)> {
    common::messages(CAPTURE)
}

fn links() -> Vec<LinkMessage> {
    common::links(CAPTURE)
}

fn statuses() -> HashMap<String, LinkStatus> {
    let links = links();
    let o = Observed::build(&links, [], []);
    o.status.into_iter().map(|s| (s.name.clone(), s)).collect()
}

#[test]
fn the_attributes_hostnet_reads_survive_a_round_trip() {
    // Parse, keep what hostnet reads (as every dump does), emit, parse again: the same message.
    // Emitting the untrimmed messages panics inside netlink-packet-core 0.9 (nla.rs:277) on an
    // attribute hostnet never reads; hostnet only ever emits requests, never kernel dumps.
    let links = links();
    assert_eq!(links.len(), 7, "lo, e1-e4, b0, ab0");
    for mut l in links {
        hostnet_netlink::read::trim(&mut l);
        let mut m = NetlinkMessage::from(RouteNetlinkMessage::NewLink(l.clone()));
        m.finalize();
        let mut bytes = vec![0; m.buffer_len()];
        m.serialize(&mut bytes);
        let back = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&bytes).expect("reparses");
        assert_eq!(back.payload, NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(l)));
    }
    // Every captured byte was consumed by a message of the right length.
    for (bytes, m) in messages() {
        assert_eq!(m.header.length as usize, bytes.len());
    }
}

#[test]
fn the_dump_parse_equals_the_whole_message_parsed_and_trimmed() {
    // The link dump parses only the attributes hostnet reads, and of IFLA_AF_SPEC only the
    // devconf blocks; the daemon's notifications are parsed whole and trimmed. Both must agree,
    // or the daemon would see every link change on its first notification.
    assert_eq!(common::dump_parse_equals_whole_parse_trimmed(CAPTURE), 7);
}

#[test]
fn an_802_3ad_bond_shows_its_aggregator_partner_and_ports() {
    let s = statuses();
    let b0 = s["b0"].bond.as_ref().expect("b0 is a bond");
    assert_eq!(b0.mode, "802.3ad");
    assert_eq!(b0.ports, ["e1", "e2"]);
    let agg = b0.lacp.as_ref().expect("802.3ad info");
    assert_eq!(agg.aggregator_id, Some(1));
    assert_eq!(agg.num_ports, Some(2));
    assert_eq!(agg.partner_mac.as_deref(), Some("1a:0a:39:98:83:fa"));
    for port in ["e1", "e2"] {
        let p = s[port].bond_port.as_ref().expect("a bond port");
        assert_eq!(p.mii_status, "up", "{port}");
        assert_eq!(p.aggregator_id, Some(1), "{port}");
        let actor = p.actor_oper_port_state.as_ref().unwrap();
        assert_eq!(actor.raw, 0x3f, "{port}");
        assert_eq!(actor.short(), "act,fast,agg,sync,col,dist");
        assert_eq!(p.partner_oper_port_state.as_ref().unwrap().raw, 0x3f, "{port}");
        assert_eq!(s[port].master.as_deref(), Some("b0"));
    }
}

#[test]
fn an_active_backup_bond_shows_its_active_port_and_the_dead_one() {
    let s = statuses();
    let ab = s["ab0"].bond.as_ref().expect("ab0 is a bond");
    assert_eq!(ab.mode, "active-backup");
    assert_eq!(ab.active_port.as_deref(), Some("e3"));
    assert!(ab.lacp.is_none());
    let e3 = s["e3"].bond_port.as_ref().unwrap();
    let e4 = s["e4"].bond_port.as_ref().unwrap();
    assert_eq!((e3.mii_status.as_str(), e3.state.as_str()), ("up", "active"));
    assert_eq!((e4.mii_status.as_str(), e4.state.as_str()), ("down", "backup"));
    assert!(!s["e4"].carrier);
}

#[test]
fn the_bonds_read_back_into_the_config_schema() {
    let links = links();
    let state = Observed::build(&links, [], []).state;
    let b0 = state.get("b0").expect("b0");
    let Kind::Bond(b) = &b0.iface.kind else { panic!("{:?}", b0.iface.kind) };
    assert_eq!(b.mode, BondMode::Lacp);
    assert_eq!(b.ports, ["e1", "e2"]);
    let opts: Vec<String> = b.options().iter().map(|o| format!("{}={}", o.key(), o.value_text())).collect();
    for want in ["miimon=100", "lacp_rate=fast", "xmit_hash_policy=layer3+4"] {
        assert!(opts.iter().any(|o| o == want), "{want} not in {opts:?}");
    }
}
