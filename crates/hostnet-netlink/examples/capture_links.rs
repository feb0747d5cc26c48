//! Developer tool: prints the kernel's raw RTM_NEWLINK replies to a link dump, one message per
//! line in hex, for the fixtures of tests/bond_status.rs (captured in the VM, where bonding
//! exists: see that file for the command).

use rtnetlink::packet_core::{NLM_F_DUMP, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::link::LinkMessage;
use rtnetlink::sys::protocols::NETLINK_ROUTE;
use rtnetlink::sys::{Socket, SocketAddr};

fn main() -> std::io::Result<()> {
    let mut sock = Socket::new(NETLINK_ROUTE)?;
    sock.bind_auto()?;
    sock.connect(&SocketAddr::new(0, 0))?;
    let mut msg = NetlinkMessage::from(RouteNetlinkMessage::GetLink(LinkMessage::default()));
    msg.header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    msg.header.sequence_number = 1;
    msg.finalize();
    let mut req = vec![0; msg.buffer_len()];
    msg.serialize(&mut req);
    sock.send(&req, 0)?;
    let mut buf = Vec::with_capacity(64 * 1024);
    loop {
        buf.clear();
        sock.recv(&mut buf, 0)?;
        let mut rest = &buf[..];
        while rest.len() >= 16 {
            let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            let m = NetlinkMessage::<RouteNetlinkMessage>::deserialize(rest).map_err(std::io::Error::other)?;
            if matches!(m.payload, NetlinkPayload::Done(_)) {
                return Ok(());
            }
            let hex: String = rest[..len].iter().map(|b| format!("{b:02x}")).collect();
            println!("{hex}");
            rest = rest.get((len + 3) & !3..).unwrap_or_default();
        }
    }
}
