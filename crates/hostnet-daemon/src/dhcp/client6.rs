//! One interface's DHCPv6 client, as a task. Stateful: mozim runs RFC 8415's exchange for one
//! IA_NA address (SOLICIT, REQUEST, RENEW at T1, REBIND at T2, back to SOLICIT when the
//! address's valid lifetime runs out). Information-only: one Information-Request, retransmitted
//! until a server replies, and again when its refresh time is up. Either way the task only
//! reports; the daemon's main loop changes the host.

use std::net::{Ipv6Addr, SocketAddrV6};
use std::time::{Duration, Instant};

use hostnet_core::model::{Dhcp6, Dhcp6Mode};
use mozim::{DhcpV6Client, DhcpV6Config, DhcpV6Duid, DhcpV6DuidUuid, DhcpV6Mode, DhcpV6State};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use super::client::{Event, What, duid_uuid, iaid};
use super::grant::{Grant, Proto};
use super::info;
use super::lease6::Lease6;

pub struct Spec6 {
    pub iface: String,
    pub index: u32,
    /// The link's fe80:: address: RFC 8415 13.1 has clients send from it.
    pub link_local: Ipv6Addr,
    pub settings: Dhcp6,
}

/// After an error (the link-local address still tentative, a socket error) the client starts
/// over after this long.
const RESTART_AFTER: Duration = Duration::from_secs(1);

const CLIENT_PORT: u16 = 546;
const SERVER_PORT: u16 = 547;
/// RFC 8415 7.1: All_DHCP_Relay_Agents_and_Servers.
const ALL_SERVERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 1, 2);

pub fn spawn(spec: Spec6, tx: mpsc::Sender<Event>) -> tokio::task::JoinHandle<()> {
    match spec.settings.mode() {
        Dhcp6Mode::Stateful => tokio::spawn(stateful(spec, tx)),
        Dhcp6Mode::InformationOnly => tokio::spawn(information_only(spec, tx)),
    }
}

async fn send(spec: &Spec6, tx: &mpsc::Sender<Event>, what: What) {
    let _ = tx.send(Event { iface: spec.iface.clone(), proto: Proto::Dhcp6, index: spec.index, what }).await;
}

pub(super) fn config_for(spec: &Spec6) -> DhcpV6Config {
    let mut c = DhcpV6Config::new(&spec.iface, DhcpV6Mode::NonTemporaryAddresses);
    c.set_iface_index(spec.index);
    c.set_link_local_ip(spec.link_local);
    // The same DUID as DHCPv4's `client_id: duid` and a per-interface IAID: a server hands
    // the same address back after a restart.
    c.set_duid(DhcpV6Duid::UUID(DhcpV6DuidUuid::new(u128::from_be_bytes(duid_uuid()))));
    c.set_iaid(iaid(&spec.iface));
    c.set_timeout_sec(0);
    c
}

async fn stateful(spec: Spec6, tx: mpsc::Sender<Event>) {
    loop {
        let c = config_for(&spec);
        send(&spec, &tx, What::Phase("solicit")).await;
        let mut client = match DhcpV6Client::init(c, None).await {
            Ok(c) => c,
            Err(e) => {
                send(&spec, &tx, What::Failed(e.to_string())).await;
                tokio::time::sleep(RESTART_AFTER).await;
                continue;
            }
        };
        let mut bound = false;
        loop {
            match client.run().await {
                Ok(DhcpV6State::Done(lease)) => {
                    bound = true;
                    send(&spec, &tx, What::Bound(Grant::V6(Lease6::from_mozim(&lease)))).await;
                }
                Ok(DhcpV6State::Solicit) if bound => {
                    // mozim goes back to SOLICIT from REBIND only when the valid lifetime is over.
                    bound = false;
                    send(&spec, &tx, What::Expired).await;
                    send(&spec, &tx, What::Phase("solicit")).await;
                }
                Ok(s) => send(&spec, &tx, What::Phase(phase_name(&s))).await,
                Err(e) => {
                    send(&spec, &tx, What::Failed(e.to_string())).await;
                    break;
                }
            }
        }
        tokio::time::sleep(RESTART_AFTER).await;
    }
}

fn phase_name(s: &DhcpV6State) -> &'static str {
    match s {
        DhcpV6State::Done(_) => "bound",
        DhcpV6State::Solicit => "solicit",
        DhcpV6State::Request => "request",
        DhcpV6State::Renew => "renewing",
        DhcpV6State::Rebind => "rebinding",
        _ => "unknown",
    }
}

async fn information_only(spec: Spec6, tx: mpsc::Sender<Event>) {
    let duid: Vec<u8> = [&[0, 4][..], &duid_uuid()].concat();
    loop {
        send(&spec, &tx, What::Phase("information-request")).await;
        match ask(&spec, &duid).await {
            Ok(i) => {
                let wait = Duration::from_secs(i.refresh_secs.into());
                send(&spec, &tx, What::Bound(Grant::Info(i))).await;
                tokio::time::sleep(wait).await;
            }
            Err(e) => {
                send(&spec, &tx, What::Failed(e)).await;
                tokio::time::sleep(RESTART_AFTER).await;
            }
        }
    }
}

/// One Information-Request exchange: retransmitted (RFC 8415 15) until a Reply comes.
async fn ask(spec: &Spec6, duid: &[u8]) -> Result<info::Info, String> {
    let bind = SocketAddrV6::new(spec.link_local, CLIENT_PORT, 0, spec.index);
    let sock = UdpSocket::bind(bind).await.map_err(|e| format!("binding [{}]:{CLIENT_PORT}: {e}", spec.link_local))?;
    let to = SocketAddrV6::new(ALL_SERVERS, SERVER_PORT, 0, spec.index);
    // RFC 8415 18.2.6: a random delay of up to INF_MAX_DELAY (1 s) before the first one.
    tokio::time::sleep(Duration::from_millis(u64::from(rand_u32() % 1000))).await;
    let xid = {
        let r = rand_u32().to_be_bytes();
        [r[1], r[2], r[3]]
    };
    let start = Instant::now();
    let mut wait = info::INF_TIMEOUT;
    let mut buf = vec![0u8; 1500];
    loop {
        let cs = u16::try_from(start.elapsed().as_millis() / 10).unwrap_or(u16::MAX);
        sock.send_to(&info::request(xid, duid, cs), to).await.map_err(|e| format!("sending: {e}"))?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, sock.recv_from(&mut buf)).await {
                Err(_) => break,
                Ok(Err(e)) => return Err(format!("receiving: {e}")),
                Ok(Ok((n, from))) => {
                    let std::net::SocketAddr::V6(from) = from else { continue };
                    if let Some(i) = info::reply(&buf[..n], xid, duid, *from.ip()) {
                        return Ok(i);
                    }
                }
            }
        }
        wait = info::next_wait(wait, f64::from(rand_u32() % 1000) / 1000.0);
    }
}

fn rand_u32() -> u32 {
    let mut b = [0u8; 4];
    // getrandom(2) does not fail for 4 bytes once the pool is initialised.
    // SAFETY: writes at most 4 bytes into b.
    unsafe { libc::getrandom(b.as_mut_ptr().cast(), 4, 0) };
    u32::from_ne_bytes(b)
}
