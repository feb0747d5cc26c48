//! The veth codec: the peer is created by the same request, named in a link message of its
//! own inside the data; read back, the peer is IFLA_LINK, an index.

use rtnetlink::packet_route::link::{InfoVeth, LinkAttribute, LinkMessage};

/// The data that creates the peer `peer`, with the ifindex given for it when known.
pub(crate) fn encode(peer: &str, index: Option<u32>) -> InfoVeth {
    let mut m = LinkMessage::default();
    m.header.index = index.unwrap_or(0);
    m.attributes.push(LinkAttribute::IfName(peer.to_string()));
    InfoVeth::Peer(m)
}
