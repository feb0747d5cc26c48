//! Reading the captured link dumps in tests/fixtures: one netlink message per line, in hex.
// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::link::LinkMessage;

/// Each captured message's bytes, and the message as netlink-packet-route parses it whole.
pub fn messages(capture: &str) -> Vec<(Vec<u8>, NetlinkMessage<RouteNetlinkMessage>)> {
    capture
        .lines()
        .map(|line| {
            let bytes: Vec<u8> =
                (0..line.len()).step_by(2).map(|i| u8::from_str_radix(&line[i..i + 2], 16).unwrap()).collect();
            let m = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&bytes).expect("parses");
            (bytes, m)
        })
        .collect()
}

/// The link messages of a capture, parsed whole.
pub fn links(capture: &str) -> Vec<LinkMessage> {
    messages(capture)
        .into_iter()
        .filter_map(|(_, m)| match m.payload {
            NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(l)) => Some(l),
            _ => None,
        })
        .collect()
}

/// Checks that the link dump's selective parse of each message equals the message parsed whole
/// and trimmed (how the daemon reads notifications); returns how many links were compared.
pub fn dump_parse_equals_whole_parse_trimmed(capture: &str) -> usize {
    let mut n = 0;
    for (bytes, m) in messages(capture) {
        let NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(mut whole)) = m.payload else { continue };
        hostnet_netlink::read::trim(&mut whole);
        let selective = hostnet_netlink::read::parse_link(&bytes[16..]).expect("parses");
        assert_eq!(selective, whole, "{:?}", hostnet_netlink::read::ifname(&whole));
        n += 1;
    }
    n
}
