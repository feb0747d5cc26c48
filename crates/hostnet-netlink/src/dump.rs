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

mod pipe;

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
        send_request(sock, seq, request)?;
        let mut buf: Vec<u8> = Vec::with_capacity(DATAGRAM);
        loop {
            recv_datagram(sock, &mut buf)?;
            if let Some(filtered) = take_datagram(&buf, *seq, &mut pick, &mut out)? {
                return Ok((out, filtered));
            }
        }
    }
}

fn send_request(sock: &mut Socket, seq: &mut u32, request: RouteNetlinkMessage) -> Result<(), Error> {
    *seq = seq.wrapping_add(1);
    let mut msg = NetlinkMessage::from(request);
    msg.header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    msg.header.sequence_number = *seq;
    msg.finalize();
    let mut request = vec![0; msg.buffer_len()];
    msg.serialize(&mut request);
    sock.send(&request, 0)?;
    Ok(())
}

fn recv_datagram(sock: &Socket, buf: &mut Vec<u8>) -> Result<(), Error> {
    buf.clear();
    let n = sock.recv(buf, libc::MSG_TRUNC)?;
    if n > buf.len() {
        return Err(Error::Other(format!("netlink dump datagram of {n} bytes truncated to {}", buf.len())));
    }
    Ok(())
}

/// The messages of one datagram, each with its padded length.
fn messages(buf: &[u8]) -> impl Iterator<Item = Result<(NetlinkBuffer<&[u8]>, &[u8]), Error>> {
    let mut rest = buf;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let b = match NetlinkBuffer::new_checked(rest) {
            Ok(b) => b,
            Err(e) => {
                rest = &[];
                return Some(Err(Error::Other(format!("netlink dump: {e}"))));
            }
        };
        let len = (b.length() as usize + 3) & !3;
        let (this, next) = rest.split_at(len.clamp(16, rest.len()));
        rest = next;
        Some(Ok((NetlinkBuffer::new(this), this)))
    })
}

/// Whether a datagram holds the end of dump `seq`: its done, error or overrun message.
fn ends_dump(buf: &[u8], seq: u32) -> bool {
    messages(buf).any(|m| match m {
        Ok((b, _)) if b.sequence_number() != seq => false,
        // An error message with code 0 is an acknowledgement, which does not end a dump.
        Ok((b, _)) if b.message_type() == NLMSG_ERROR => b.payload().get(..4) != Some(&[0; 4]),
        Ok((b, _)) => matches!(b.message_type(), NLMSG_DONE | NLMSG_OVERRUN),
        Err(_) => true,
    })
}

/// Hands dump `seq`'s messages in `buf` to `pick`; at the dump's end, whether the kernel
/// filtered it.
fn take_datagram<T>(
    buf: &[u8],
    seq: u32,
    pick: &mut impl FnMut(NetlinkBuffer<&[u8]>) -> Result<Option<T>, Error>,
    out: &mut Vec<T>,
) -> Result<Option<bool>, Error> {
    for m in messages(buf) {
        let (b, this) = m?;
        if b.sequence_number() != seq {
            continue;
        }
        match b.message_type() {
            NLMSG_DONE => return Ok(Some(b.flags() & NLM_F_DUMP_FILTERED != 0)),
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
            _ => out.extend(pick(b)?),
        }
    }
    Ok(None)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// One netlink message: header (length, type, flags, sequence, port) and payload.
    fn message(kind: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let len = 16 + payload.len();
        let mut m = Vec::new();
        m.extend((len as u32).to_ne_bytes());
        m.extend(kind.to_ne_bytes());
        m.extend(flags.to_ne_bytes());
        m.extend(seq.to_ne_bytes());
        m.extend(0u32.to_ne_bytes());
        m.extend(payload);
        m.resize((len + 3) & !3, 0);
        m
    }

    /// An error message's payload: the code, then the header of the request it answers.
    fn error(code: i32) -> Vec<u8> {
        let mut p = code.to_ne_bytes().to_vec();
        p.extend(message(18, NLM_F_REQUEST | NLM_F_DUMP, 7, &[]));
        p
    }

    fn types_picked(buf: &[u8], seq: u32) -> (Result<Option<bool>, Error>, Vec<u16>) {
        let mut out = Vec::new();
        let r = take_datagram(buf, seq, &mut |b: NetlinkBuffer<&[u8]>| Ok(Some(b.message_type())), &mut out);
        (r, out)
    }

    #[test]
    fn messages_of_another_dump_are_skipped_and_done_tells_whether_it_was_filtered() {
        let buf = [message(16, 2, 7, &[0; 16]), message(16, 2, 8, &[0; 16]), message(NLMSG_DONE, 2 | 32, 7, &[0; 4])]
            .concat();
        assert!(ends_dump(&buf, 7));
        assert!(!ends_dump(&buf, 8));
        let (r, picked) = types_picked(&buf, 7);
        assert_eq!(r.unwrap(), Some(true));
        assert_eq!(picked, [16]);
        let unfiltered = message(NLMSG_DONE, 2, 7, &[0; 4]);
        assert_eq!(types_picked(&unfiltered, 7).0.unwrap(), Some(false));
    }

    #[test]
    fn an_acknowledgement_does_not_end_a_dump_and_an_error_does() {
        let ack = [message(NLMSG_ERROR, 0, 7, &error(0)), message(16, 2, 7, &[0; 16])].concat();
        assert!(!ends_dump(&ack, 7));
        let (r, picked) = types_picked(&ack, 7);
        assert_eq!(r.unwrap(), None);
        assert_eq!(picked, [16]);

        let failed = message(NLMSG_ERROR, 0, 7, &error(-libc::ENODEV));
        assert!(ends_dump(&failed, 7));
        match types_picked(&failed, 7).0 {
            Err(Error::Netlink(e)) => assert_eq!(e.errno, libc::ENODEV, "{e}"),
            other => panic!("expected the kernel's error, got {other:?}"),
        }
    }

    #[test]
    fn a_datagram_cut_inside_a_header_ends_the_dump_as_an_error() {
        let mut buf = message(16, 2, 7, &[0; 16]);
        buf.extend([1, 2, 3, 4, 5, 6]);
        assert!(ends_dump(&buf, 7));
        assert!(types_picked(&buf, 7).0.is_err());
    }
}
