//! Listening for LLDP on NICs: one AF_PACKET socket per interface (packet sockets see a bond
//! port's own frames before bonding takes them), a classic BPF filter so that only LLDP
//! frames are copied to us, and membership of the LLDP multicast group so that a NIC's
//! filter lets them in. Read-only: hostnet sends nothing.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use super::tlv::{Neighbor, parse};

const ETH_P_ALL: u16 = 0x0003;
const ETH_P_LLDP: u16 = 0x88cc;
/// The nearest-bridge group address, which switches send LLDP to.
const LLDP_GROUP: [u8; 6] = [0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e];

/// Listens on each (name, ifindex) until every one has heard a neighbour or `wait` is over;
/// returns each interface with what it heard (the last LLDPDU per interface).
pub fn listen(ifaces: &[(String, u32)], wait: Duration) -> std::io::Result<Vec<(String, Option<Neighbor>)>> {
    let socks: Vec<OwnedFd> = ifaces.iter().map(|(_, i)| open(*i)).collect::<std::io::Result<_>>()?;
    let mut heard: Vec<Option<Neighbor>> = vec![None; ifaces.len()];
    let deadline = Instant::now() + wait;
    let mut buf = vec![0u8; 9216];
    while heard.iter().any(Option::is_none) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let mut fds: Vec<libc::pollfd> =
            socks.iter().map(|s| libc::pollfd { fd: s.as_raw_fd(), events: libc::POLLIN, revents: 0 }).collect();
        let ms = left.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: fds is a valid array of fds.len() pollfd structs.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        for (k, p) in fds.iter().enumerate().filter(|(_, p)| p.revents & libc::POLLIN != 0) {
            // SAFETY: reads at most buf.len() bytes into buf.
            let got = unsafe { libc::recv(p.fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
            if got > 14
                && u16::from_be_bytes([buf[12], buf[13]]) == ETH_P_LLDP
                && let Some(nb) = parse(&buf[14..got as usize])
            {
                heard[k] = Some(nb);
            }
        }
    }
    Ok(ifaces.iter().map(|(n, _)| n.clone()).zip(heard).collect())
}

fn open(ifindex: u32) -> std::io::Result<OwnedFd> {
    let os = std::io::Error::last_os_error;
    // SAFETY: plain socket(2); the fd is owned right away.
    let fd =
        unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, i32::from(ETH_P_ALL.to_be())) };
    if fd < 0 {
        return Err(os());
    }
    // SAFETY: fd is a fresh socket we own.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    // ldh [12]; jeq #0x88cc, accept, drop: only LLDP frames reach the socket's queue.
    let mut prog = [
        libc::sock_filter { code: 0x28, jt: 0, jf: 0, k: 12 },
        libc::sock_filter { code: 0x15, jt: 0, jf: 1, k: u32::from(ETH_P_LLDP) },
        libc::sock_filter { code: 0x06, jt: 0, jf: 0, k: 0xffff },
        libc::sock_filter { code: 0x06, jt: 0, jf: 0, k: 0 },
    ];
    let fprog = libc::sock_fprog { len: prog.len() as u16, filter: prog.as_mut_ptr() };
    setsockopt(&sock, libc::SOL_SOCKET, libc::SO_ATTACH_FILTER, &fprog)?;
    // SAFETY: sockaddr_ll is plain data; zeroed is a valid start.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = ETH_P_ALL.to_be();
    sll.sll_ifindex = ifindex as i32;
    // SAFETY: sll is a valid sockaddr_ll of the size given.
    let r = unsafe {
        libc::bind(
            sock.as_raw_fd(),
            (&sll as *const libc::sockaddr_ll).cast(),
            std::mem::size_of::<libc::sockaddr_ll>() as u32,
        )
    };
    if r < 0 {
        return Err(os());
    }
    // SAFETY: packet_mreq is plain data.
    let mut mr: libc::packet_mreq = unsafe { std::mem::zeroed() };
    mr.mr_ifindex = ifindex as i32;
    mr.mr_type = libc::PACKET_MR_MULTICAST as u16;
    mr.mr_alen = 6;
    mr.mr_address[..6].copy_from_slice(&LLDP_GROUP);
    setsockopt(&sock, libc::SOL_PACKET, libc::PACKET_ADD_MEMBERSHIP, &mr)?;
    Ok(sock)
}

fn setsockopt<T>(s: &OwnedFd, level: i32, name: i32, v: &T) -> std::io::Result<()> {
    // SAFETY: v points to a T of the size given.
    let r = unsafe {
        libc::setsockopt(s.as_raw_fd(), level, name, (v as *const T).cast(), std::mem::size_of::<T>() as u32)
    };
    if r < 0 { Err(std::io::Error::last_os_error()) } else { Ok(()) }
}
