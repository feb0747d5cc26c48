//! Kernel notifications: what `ip monitor` shows, as typed messages. The lab's event recorder
//! and the daemon's mirror both read the host through this.
//!
//! The kernel does not wait for a slow reader: when the socket's buffer is full it drops
//! notifications and the next read fails with ENOBUFS. That arrives here as
//! [`Notification::Overrun`], after which the reader's picture of the host is stale and must be
//! rebuilt from a full dump. Subscribe before dumping, so nothing falls between the two.
//!
//! The kernel queues the notification of a change before it acknowledges the request that made
//! it. So once a request is acknowledged, [`Monitor::drain`] (which reads until the socket is
//! empty, without waiting) has seen that change: a reader can tell its own changes from
//! everybody else's.

use std::os::fd::{AsRawFd, RawFd};

use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::address::AddressMessage;
use rtnetlink::packet_route::link::LinkMessage;
use rtnetlink::packet_route::route::RouteMessage;
use rtnetlink::packet_route::rule::RuleMessage;
use rtnetlink::packet_route::{AddressFamily, RouteNetlinkMessage};
use rtnetlink::sys::protocols::NETLINK_ROUTE;
use rtnetlink::sys::{Socket, SocketAddr};
use tokio::io::unix::AsyncFd;

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
    /// A forwarding, rp_filter or proxy_arp sysctl changed somewhere (RTM_NEWNETCONF, which
    /// netlink-packet-route does not parse yet; the other IP sysctls send nothing at all).
    Netconf,
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
    Netconf,
}

impl Topic {
    /// RTNLGRP_* numbers (linux/rtnetlink.h).
    fn groups(self) -> &'static [u32] {
        match self {
            Topic::Links => &[1],
            Topic::Addresses => &[5, 9],
            Topic::Routes => &[7, 11],
            Topic::Rules => &[8, 19],
            Topic::Netconf => &[24, 25],
        }
    }
}

struct Fd(Socket);

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

/// A subscription in the network namespace of the calling thread.
pub struct Monitor {
    fd: AsyncFd<Fd>,
    buf: Vec<u8>,
}

/// Big enough that a burst of a few thousand link changes (an apply of 1000 veth pairs) fits;
/// beyond it the reader resynchronises.
pub const DEFAULT_RECV_BUFFER: usize = 8 << 20;
const DATAGRAM: usize = 64 * 1024;

impl Monitor {
    /// Subscribes to `topics`. Must run inside a tokio runtime.
    pub fn open(topics: &[Topic]) -> Result<Monitor, Error> {
        Self::open_with_buffer(topics, DEFAULT_RECV_BUFFER)
    }

    /// As [`Monitor::open`], with the socket's receive buffer set to `bytes` (a small one makes
    /// overruns easy to provoke in tests).
    pub fn open_with_buffer(topics: &[Topic], bytes: usize) -> Result<Monitor, Error> {
        let mut sock = Socket::new(NETLINK_ROUTE)?;
        sock.bind(&SocketAddr::new(0, 0))?;
        for g in topics.iter().flat_map(|t| t.groups()) {
            sock.add_membership(*g)?;
        }
        // SO_RCVBUFFORCE needs CAP_NET_ADMIN, which every user of this has; else the capped one.
        if force_rcvbuf(&sock, bytes).is_err() {
            let _ = sock.set_rx_buf_sz(bytes);
        }
        sock.set_non_blocking(true)?;
        // SAFETY: the socket is owned by `Fd` for as long as the AsyncFd lives, and its
        // descriptor never changes.
        let fd = unsafe { AsyncFd::register_with_interest(Fd(sock), tokio::io::Interest::READABLE) }
            .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
        Ok(Monitor { fd, buf: Vec::with_capacity(DATAGRAM) })
    }

    /// Waits for notifications; returns every one queued by then (at least one). An error
    /// means the socket is unusable.
    pub async fn next_batch(&mut self) -> Result<Vec<Notification>, Error> {
        loop {
            let out = self.drain()?;
            if !out.is_empty() {
                return Ok(out);
            }
            // Empty right now: wait for readiness, forgetting the readiness that drained it.
            self.fd.readable().await?.clear_ready();
        }
    }

    /// Every notification queued right now, without waiting.
    pub fn drain(&mut self) -> Result<Vec<Notification>, Error> {
        let mut out = Vec::new();
        loop {
            self.buf.clear();
            match self.fd.get_ref().0.recv(&mut self.buf, libc::MSG_DONTWAIT) {
                Ok(_) => parse(&self.buf, &mut out),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(out),
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => out.push(Notification::Overrun),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

const RTM_NEWNETCONF: u16 = 80;

fn parse(mut rest: &[u8], out: &mut Vec<Notification>) {
    while rest.len() >= 16 {
        if u16::from_ne_bytes([rest[4], rest[5]]) == RTM_NEWNETCONF {
            out.push(Notification::Netconf);
            let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            rest = rest.get(((len + 3) & !3).max(16)..).unwrap_or_default();
            continue;
        }
        let Ok(m) = NetlinkMessage::<RouteNetlinkMessage>::deserialize(rest) else {
            // A message this version of netlink-packet-route cannot parse: skip its bytes.
            let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            rest = rest.get(((len + 3) & !3).max(16)..).unwrap_or_default();
            continue;
        };
        let len = (m.header.length as usize + 3) & !3;
        rest = rest.get(len.max(16)..).unwrap_or_default();
        let n = match m.payload {
            NetlinkPayload::Overrun(_) => Notification::Overrun,
            NetlinkPayload::InnerMessage(m) => match m {
                // The bridge's own view of its ports (family AF_BRIDGE): partial messages, and a
                // "delete" when a port merely leaves its bridge. The AF_UNSPEC notification
                // that comes with each says what happened to the link.
                RouteNetlinkMessage::NewLink(l) | RouteNetlinkMessage::DelLink(l)
                    if l.header.interface_family == AddressFamily::Bridge =>
                {
                    continue;
                }
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
        out.push(n);
    }
}

fn force_rcvbuf(sock: &Socket, size: usize) -> std::io::Result<()> {
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
