//! Dumps read from a blocking socket of their own, one datagram at a time.
//!
//! The async connection reads a whole dump before its consumer sees the first message (every
//! read lets the kernel fill the next datagram, so the socket never runs dry), which meant
//! holding every link fully parsed at once: 20 KB a link. Here each datagram is parsed and
//! handed over before the next is read, so the caller can keep only what it needs.

use std::sync::Mutex;

use rtnetlink::packet_core::{
    NLM_F_DUMP, NLM_F_DUMP_FILTERED, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN, NetlinkBuffer,
    NetlinkMessage, NetlinkPayload,
};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::sys::protocols::NETLINK_ROUTE;
use rtnetlink::sys::{Socket, SocketAddr};

use crate::error::{Error, OpError, from_error_message};

/// The kernel fills dump datagrams up to 32 KiB; twice that leaves room, and truncation is
/// detected rather than assumed away.
const DATAGRAM: usize = 64 * 1024;

pub(crate) struct DumpSocket {
    sock: Mutex<(Socket, u32)>,
}

impl DumpSocket {
    /// Opens the socket in the calling thread's network namespace, which it keeps for good.
    pub(crate) fn open() -> Result<Self, Error> {
        let mut sock = Socket::new(NETLINK_ROUTE)?;
        sock.bind_auto()?;
        sock.connect(&SocketAddr::new(0, 0))?;
        let _ = sock.set_ext_ack(true);
        Ok(DumpSocket { sock: Mutex::new((sock, 0)) })
    }

    /// Dumps `request` and keeps what `pick` makes of each reply, in order.
    pub(crate) fn collect<T>(
        &self,
        request: RouteNetlinkMessage,
        pick: impl FnMut(RouteNetlinkMessage) -> Option<T>,
    ) -> Result<Vec<T>, Error> {
        self.collect_raw(request, parsed(pick))
    }

    /// Dumps `request` and keeps what `pick` makes of each reply's raw message, in order, so a
    /// caller can parse only the parts it reads.
    pub(crate) fn collect_raw<T>(
        &self,
        request: RouteNetlinkMessage,
        pick: impl FnMut(NetlinkBuffer<&[u8]>) -> Result<Option<T>, Error>,
    ) -> Result<Vec<T>, Error> {
        let mut guard = self.sock.lock().expect("dump socket");
        let (sock, seq) = &mut *guard;
        Self::dump(sock, seq, request, pick).map(|(out, _)| out)
    }

    /// Like [`collect`](Self::collect), with the kernel's strict checking on for this request:
    /// then it honours the filters in the request (a route dump's protocol and RTA_OIF) instead
    /// of ignoring them. Off for the other dumps, whose requests carry header fields that strict
    /// checking would read as filters. Also says whether the kernel did filter: one without
    /// strict checking (before 4.20) answers with everything, so the caller filters itself.
    pub(crate) fn collect_filtered<T>(
        &self,
        request: RouteNetlinkMessage,
        pick: impl FnMut(RouteNetlinkMessage) -> Option<T>,
    ) -> Result<(Vec<T>, bool), Error> {
        let mut guard = self.sock.lock().expect("dump socket");
        let (sock, seq) = &mut *guard;
        let strict = strict_checking();
        if strict {
            let _ = sock.set_netlink_get_strict_chk(true);
        }
        let out = Self::dump(sock, seq, request, parsed(pick));
        if strict {
            let _ = sock.set_netlink_get_strict_chk(false);
        }
        out
    }

    fn dump<T>(
        sock: &mut Socket,
        seq: &mut u32,
        request: RouteNetlinkMessage,
        mut pick: impl FnMut(NetlinkBuffer<&[u8]>) -> Result<Option<T>, Error>,
    ) -> Result<(Vec<T>, bool), Error> {
        let mut out = Vec::new();
        *seq = seq.wrapping_add(1);
        let mut msg = NetlinkMessage::from(request);
        msg.header.flags = NLM_F_REQUEST | NLM_F_DUMP;
        msg.header.sequence_number = *seq;
        msg.finalize();
        let mut request = vec![0; msg.buffer_len()];
        msg.serialize(&mut request);
        sock.send(&request, 0)?;
        let mut buf: Vec<u8> = Vec::with_capacity(DATAGRAM);
        loop {
            buf.clear();
            let n = sock.recv(&mut buf, libc::MSG_TRUNC)?;
            if n > buf.len() {
                return Err(Error::Other(format!("netlink dump datagram of {n} bytes truncated to {}", buf.len())));
            }
            let mut rest = &buf[..];
            while !rest.is_empty() {
                let b = NetlinkBuffer::new_checked(rest).map_err(|e| Error::Other(format!("netlink dump: {e}")))?;
                let len = (b.length() as usize + 3) & !3;
                let (this, next) = rest.split_at(len.clamp(16, rest.len()));
                rest = next;
                if b.sequence_number() != *seq {
                    continue;
                }
                match b.message_type() {
                    NLMSG_DONE => return Ok((out, b.flags() & NLM_F_DUMP_FILTERED != 0)),
                    NLMSG_ERROR | NLMSG_OVERRUN => {
                        let m = NetlinkMessage::<RouteNetlinkMessage>::deserialize(this)
                            .map_err(|e| Error::Other(format!("netlink dump: {e}")))?;
                        match m.payload {
                            NetlinkPayload::Error(e) if e.code.is_some() => {
                                return Err(Error::Netlink(from_error_message(&e)));
                            }
                            NetlinkPayload::Overrun(_) => {
                                return Err(Error::Netlink(OpError::new(libc::ENOBUFS, "netlink dump overrun")));
                            }
                            _ => {}
                        }
                    }
                    NLMSG_NOOP => {}
                    _ => out.extend(pick(NetlinkBuffer::new(this))?),
                }
            }
        }
    }
}

/// Whether filtered dumps ask for strict checking. `HOSTNET_NETLINK_STRICT=0` answers as a
/// kernel before 4.20 does, which has none (RHEL 8's 4.18 among them): unfiltered, so the
/// fallback that filters in hostnet is what runs. For tests and for telling a kernel's filter
/// apart from hostnet's; nothing else sets it.
fn strict_checking() -> bool {
    static STRICT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *STRICT.get_or_init(|| std::env::var_os("HOSTNET_NETLINK_STRICT").is_none_or(|v| v != "0"))
}

/// `pick` over whole parsed messages, for a dump that hands over raw ones.
fn parsed<T>(
    mut pick: impl FnMut(RouteNetlinkMessage) -> Option<T>,
) -> impl FnMut(NetlinkBuffer<&[u8]>) -> Result<Option<T>, Error> {
    move |m| {
        let m = NetlinkMessage::<RouteNetlinkMessage>::deserialize(m.into_inner())
            .map_err(|e| Error::Other(format!("netlink dump: {e}")))?;
        Ok(match m.payload {
            NetlinkPayload::InnerMessage(x) => pick(x),
            _ => None,
        })
    }
}
