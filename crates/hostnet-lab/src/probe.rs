//! Probes: sequence-numbered, timestamped UDP packets sent both ways between the host and each
//! peer at a fixed rate. Each endpoint is a thread living in its own namespace; all share one
//! monotonic clock, so send and receive times compare directly.

use crate::error::{LabError, Result};
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::ns;

const BASE_PORT: u16 = 47000;
/// Scheduling delay a receiver may see without its direction being called stalled: the VM's
/// single emulated CPU runs every endpoint in turn.
const STALL_SLACK_US: u64 = 80_000;

/// One direction of one probe: when each packet left, and which arrived when.
#[derive(Debug, Clone, Default)]
pub struct Flow {
    pub name: String,
    /// Send time of packet `seq`, in µs since the probe epoch.
    pub sent_us: Vec<u64>,
    /// Arrival time of packet `seq` (None: never arrived).
    pub recv_us: Vec<Option<u64>>,
}

struct Endpoint {
    sent: Vec<u64>,
    recv: Vec<(u64, u64)>,
}

/// An endpoint thread, with the label of the flow it sends and of the flow it receives.
type EndpointThread = (String, String, JoinHandle<Result<Endpoint>>);

pub struct Probes {
    stop: Arc<AtomicBool>,
    threads: Vec<EndpointThread>,
    pub epoch: Instant,
    pub interval: Duration,
    /// What each endpoint has received so far, for judging whether every direction works.
    live: Arc<Mutex<Vec<Reception>>>,
    /// The flow each endpoint receives, by endpoint index.
    receives: Vec<String>,
}

/// A receiver's running account: enough to tell, while probes run, whether its direction has
/// been lossless lately.
#[derive(Debug, Clone, Copy, Default)]
struct Reception {
    received: u64,
    /// The sequence number expected next; a higher one means packets were lost.
    next_seq: u64,
    /// Send time of the first packet after the latest loss (or of the first packet).
    clean_since_us: u64,
    last_recv_us: u64,
}

impl Reception {
    fn take(&mut self, seq: u64, sent_us: u64, now_us: u64) {
        if self.received == 0 || seq > self.next_seq {
            self.clean_since_us = sent_us;
        }
        // A late packet (seq below next_seq) was already counted as lost when its gap was seen.
        self.next_seq = self.next_seq.max(seq + 1);
        self.received += 1;
        self.last_recv_us = now_us;
    }
}

impl Probes {
    /// Starts, for each peer, one endpoint in the host namespace and one in the peer's.
    pub fn start(
        host_ns: &str,
        host_addr: IpAddr,
        peers: &[(String, String, IpAddr)],
        rate: u32,
        epoch: Instant,
    ) -> Result<Probes> {
        let stop = Arc::new(AtomicBool::new(false));
        let interval = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
        let live = Arc::new(Mutex::new(vec![Reception::default(); peers.len() * 2]));
        let mut threads = Vec::new();
        let mut receives = Vec::new();
        for (i, (name, peer_ns, peer_addr)) in peers.iter().enumerate() {
            let port = BASE_PORT + i as u16;
            for (slot, (ns_name, me, them, label)) in [
                (host_ns.to_string(), host_addr, *peer_addr, format!("host->{name}")),
                (peer_ns.clone(), *peer_addr, host_addr, format!("{name}->host")),
            ]
            .into_iter()
            .enumerate()
            {
                let (stop, live) = (stop.clone(), live.clone());
                let index = i * 2 + slot;
                let receiver_label = if slot == 0 { format!("{name}->host") } else { format!("host->{name}") };
                receives.push(receiver_label.clone());
                let h = std::thread::spawn(move || {
                    endpoint(&ns_name, me, them, port, epoch, interval, &stop, &live, index)
                });
                threads.push((label, receiver_label, h));
            }
        }
        Ok(Probes { stop, threads, epoch, interval, live, receives })
    }

    pub fn now_us(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }

    /// Waits until every endpoint has received something: the replica forwards both ways.
    pub fn wait_until_all_flow(&self, timeout: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.live.lock().expect("lock").iter().all(|r| r.received > 0) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// For each direction, how long it has delivered every packet (µs); `None` if it has not
    /// delivered anything yet or has stopped delivering (nothing for several intervals).
    pub fn lossless_for(&self) -> Vec<(String, Option<u64>)> {
        let now = self.now_us();
        let stall_us = 4 * self.interval.as_micros() as u64 + STALL_SLACK_US;
        let live = self.live.lock().expect("lock");
        self.receives
            .iter()
            .zip(live.iter())
            .map(|(flow, r)| {
                let ok = r.received > 0 && now.saturating_sub(r.last_recv_us) <= stall_us;
                (flow.clone(), ok.then(|| now.saturating_sub(r.clean_since_us)))
            })
            .collect()
    }

    /// Stops every endpoint and pairs each sender's log with the opposite receiver's.
    pub fn finish(self) -> Result<Vec<Flow>> {
        self.stop.store(true, Ordering::SeqCst);
        let mut ends = Vec::new();
        for (sent_label, recv_label, h) in self.threads {
            let e = h.join().map_err(|_| LabError::Panicked("probe"))??;
            ends.push((sent_label, recv_label, e));
        }
        let mut flows = Vec::new();
        for (sent_label, _, sender) in &ends {
            // The packets this endpoint sent were received by the endpoint whose receive label
            // is this sender's label.
            let Some((_, _, receiver)) = ends.iter().find(|(_, r, _)| r == sent_label) else { continue };
            let mut recv_us = vec![None; sender.sent.len()];
            for (seq, t) in &receiver.recv {
                if let Some(slot) = recv_us.get_mut(*seq as usize) {
                    slot.get_or_insert(*t);
                }
            }
            flows.push(Flow { name: sent_label.clone(), sent_us: sender.sent.clone(), recv_us });
        }
        flows.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(flows)
    }
}

#[allow(clippy::too_many_arguments)]
fn endpoint(
    ns_name: &str,
    me: IpAddr,
    them: IpAddr,
    port: u16,
    epoch: Instant,
    interval: Duration,
    stop: &AtomicBool,
    live: &Mutex<Vec<Reception>>,
    index: usize,
) -> Result<Endpoint> {
    ns::enter(ns_name)?;
    let sock = bind_when_ready(SocketAddr::new(me, port), stop)?;
    // The first query turns the socket's receive timestamps on (and finds none yet).
    let _ = kernel_age_us(&sock);
    sock.set_read_timeout(Some(Duration::from_micros(500))).map_err(LabError::os("probe socket timeout"))?;
    let dest = SocketAddr::new(them, port);
    let mut e = Endpoint { sent: Vec::new(), recv: Vec::new() };
    let mut buf = [0u8; 64];
    let start = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let seq = e.sent.len() as u64;
        if start + interval * seq as u32 <= Instant::now() {
            let now = epoch.elapsed().as_micros() as u64;
            let mut pkt = [0u8; 16];
            pkt[..8].copy_from_slice(&seq.to_le_bytes());
            pkt[8..].copy_from_slice(&now.to_le_bytes());
            // A send fails while the path is down (no route, no neighbour): that is a loss.
            let _ = sock.send_to(&pkt, dest);
            e.sent.push(now);
        }
        if let Ok((n, _)) = sock.recv_from(&mut buf)
            && n >= 16
        {
            let seq = u64::from_le_bytes(buf[..8].try_into().expect("8 bytes"));
            let sent_us = u64::from_le_bytes(buf[8..16].try_into().expect("8 bytes"));
            // When the kernel received it, not when this thread got to read it.
            let now = (epoch.elapsed().as_micros() as u64).saturating_sub(kernel_age_us(&sock).unwrap_or(0));
            e.recv.push((seq, now));
            live.lock().expect("lock")[index].take(seq, sent_us, now);
        }
    }
    Ok(e)
}

/// linux/sockios.h's SIOCGSTAMPNS (the _OLD number, whose timespec is 64-bit on 64-bit
/// targets); the libc crate does not export it.
const SIOCGSTAMPNS: libc::c_ulong = 0x8907;

/// How long ago the kernel received the packet last read from `sock` (SIOCGSTAMPNS gives its
/// receive time on the realtime clock); `None` before timestamps are on.
fn kernel_age_us(sock: &UdpSocket) -> Option<u64> {
    use std::os::fd::AsRawFd;
    let mut stamp = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: both calls write one timespec we own; the fd is open for the call.
    let ok = unsafe {
        libc::ioctl(sock.as_raw_fd(), SIOCGSTAMPNS as _, &mut stamp) == 0
            && libc::clock_gettime(libc::CLOCK_REALTIME, &mut now) == 0
    };
    let ns = |t: &libc::timespec| t.tv_sec as i128 * 1_000_000_000 + t.tv_nsec as i128;
    ok.then(|| ((ns(&now) - ns(&stamp)).max(0) / 1000) as u64)
}

/// The host's address may take a moment to become usable (IPv4 is immediate, but the link
/// could still be coming up), so binding is retried briefly.
fn bind_when_ready(addr: SocketAddr, stop: &AtomicBool) -> Result<UdpSocket> {
    let start = Instant::now();
    loop {
        match UdpSocket::bind(addr) {
            Ok(s) => return Ok(s),
            Err(e) if start.elapsed() > Duration::from_secs(10) || stop.load(Ordering::SeqCst) => {
                return Err(LabError::Os { what: format!("probe cannot bind {addr}"), source: e });
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}
