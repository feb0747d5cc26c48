//! Kernel notifications: what `ip monitor` shows, as typed messages. The lab's event recorder
//! and the daemon's mirror both read the host through this.
//!
//! The kernel does not wait for a slow reader: when the socket's buffer is full it drops
//! notifications and the next read fails with ENOBUFS. That arrives here as
//! [`Notification::Overrun`], after which the reader's picture of the host is stale and must be
//! rebuilt from a full dump. Subscribe before dumping, so nothing falls between the two.

use rtnetlink::MulticastGroup;
use rtnetlink::packet_core::NetlinkPayload;
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::address::AddressMessage;
use rtnetlink::packet_route::link::LinkMessage;
use rtnetlink::packet_route::route::RouteMessage;
use rtnetlink::packet_route::rule::RuleMessage;
use rtnetlink::sys::AsyncSocket;

use crate::error::Error;

/// One change the kernel announced.
#[derive(Debug, Clone)]
pub enum Notification {
    NewLink(LinkMessage),
    DelLink(LinkMessage),
    NewAddress(AddressMessage),
    DelAddress(AddressMessage),
    NewRoute(RouteMessage),
    DelRoute(RouteMessage),
    NewRule(RuleMessage),
    DelRule(RuleMessage),
    /// Notifications were lost; everything known from them may be stale.
    Overrun,
}

/// What to listen to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Links,
    Addresses,
    Routes,
    Rules,
}

impl Topic {
    fn groups(self) -> &'static [MulticastGroup] {
        match self {
            Topic::Links => &[MulticastGroup::Link],
            Topic::Addresses => &[MulticastGroup::Ipv4Ifaddr, MulticastGroup::Ipv6Ifaddr],
            Topic::Routes => &[MulticastGroup::Ipv4Route, MulticastGroup::Ipv6Route],
            Topic::Rules => &[MulticastGroup::Ipv4Rule, MulticastGroup::Ipv6Rule],
        }
    }
}

/// A subscription in the network namespace of the calling thread.
pub struct Monitor {
    rx: futures::channel::mpsc::UnboundedReceiver<(
        rtnetlink::packet_core::NetlinkMessage<RouteNetlinkMessage>,
        rtnetlink::sys::SocketAddr,
    )>,
}

/// Big enough that a burst of a few thousand link changes (an apply of 1000 veth pairs) fits;
/// beyond it the reader resynchronises.
const RECV_BUFFER: usize = 8 << 20;

impl Monitor {
    /// Subscribes to `topics`. Must run inside a tokio runtime, which drives the socket.
    pub fn open(topics: &[Topic]) -> Result<Monitor, Error> {
        let groups: Vec<MulticastGroup> = topics.iter().flat_map(|t| t.groups().iter().copied()).collect();
        let (mut conn, _handle, rx) = rtnetlink::new_multicast_connection(&groups)?;
        let sock = conn.socket_mut().socket_mut();
        // SO_RCVBUFFORCE needs CAP_NET_ADMIN, which every user of this has; fall back quietly.
        if force_rcvbuf(sock, RECV_BUFFER).is_err() {
            let _ = sock.set_rx_buf_sz(RECV_BUFFER);
        }
        tokio::spawn(conn);
        Ok(Monitor { rx })
    }

    /// The next notification; `None` when the socket closed.
    pub async fn next(&mut self) -> Option<Notification> {
        use futures::StreamExt;
        loop {
            let (msg, _) = self.rx.next().await?;
            let n = match msg.payload {
                NetlinkPayload::Overrun(_) => Notification::Overrun,
                NetlinkPayload::InnerMessage(m) => match m {
                    RouteNetlinkMessage::NewLink(l) => Notification::NewLink(l),
                    RouteNetlinkMessage::DelLink(l) => Notification::DelLink(l),
                    RouteNetlinkMessage::NewAddress(a) => Notification::NewAddress(a),
                    RouteNetlinkMessage::DelAddress(a) => Notification::DelAddress(a),
                    RouteNetlinkMessage::NewRoute(r) => Notification::NewRoute(r),
                    RouteNetlinkMessage::DelRoute(r) => Notification::DelRoute(r),
                    RouteNetlinkMessage::NewRule(r) => Notification::NewRule(r),
                    RouteNetlinkMessage::DelRule(r) => Notification::DelRule(r),
                    _ => continue,
                },
                _ => continue,
            };
            return Some(n);
        }
    }
}

fn force_rcvbuf(sock: &rtnetlink::sys::Socket, size: usize) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let v = size as libc::c_int;
    // SAFETY: setsockopt with a valid fd and a pointer to an int of the stated size.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUFFORCE,
            (&v as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}
