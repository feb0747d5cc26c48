//! Runs the checks of `apply --try --confirm-when` (see `hostnet_core::confirm`) against the
//! network as it is now: the default gateways answer ARP/ND, hosts answer ping (surge-ping) or
//! accept TCP, the DNS servers answer a query (hickory-proto). Each check says in words what it
//! saw, so a trial that reverts says why.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::time::Duration;

use futures::TryStreamExt;
use hostnet_core::confirm::Check;
use rtnetlink::RouteMessageBuilder;
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::packet_route::neighbour::{NeighbourAddress, NeighbourAttribute, NeighbourMessage, NeighbourState};
use rtnetlink::packet_route::route::{RouteAddress, RouteAttribute, RouteMessage};

use crate::{Error, Netlink};

/// How long one probe of one check waits for its answer.
const PROBE_WAIT: Duration = Duration::from_secs(1);

/// One check's result now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub check: String,
    pub ok: bool,
    pub detail: String,
}

/// A default route's gateway and the link it leaves by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Gateway {
    ip: IpAddr,
    oif: u32,
}

impl Netlink {
    /// Forgets what the neighbour cache knows of the default gateways, so that the `gateway`
    /// check judges answers to ARP/ND sent after the change, not entries cached before it.
    pub async fn forget_gateways(&self) -> Result<(), Error> {
        let gws = self.gateways().await?;
        for n in self.neighbours().await? {
            if gws.iter().any(|g| neighbour_is(&n, g)) {
                // Already gone, or never there: either way the next probe asks afresh.
                let _ = self.handle.neighbours().del(n).execute().await;
            }
        }
        Ok(())
    }

    /// Runs one check; `dns` are the servers the `dns` check asks.
    pub async fn run_check(&self, check: &Check, dns: &[IpAddr]) -> Outcome {
        let (ok, detail) = match check {
            Check::Gateway => self.gateway_answers().await,
            Check::Dns => dns_answers(dns).await,
            Check::Ping(h) => ping(*h).await,
            Check::Tcp(a) => match tokio::time::timeout(PROBE_WAIT, tokio::net::TcpStream::connect(a)).await {
                Ok(Ok(_)) => (true, format!("{a} accepted a connection")),
                Ok(Err(e)) => (false, format!("{a}: {e}")),
                Err(_) => (false, format!("{a} did not answer within {PROBE_WAIT:?}")),
            },
        };
        Outcome { check: check.to_string(), ok, detail }
    }

    async fn gateway_answers(&self) -> (bool, String) {
        let gws = match self.gateways().await {
            Ok(g) => g,
            Err(e) => return (false, format!("reading the default routes: {e}")),
        };
        if gws.is_empty() {
            return (false, "no default route".into());
        }
        for g in &gws {
            provoke(g);
        }
        // The kernel resolves in the background; wait for answers up to the probe time.
        let deadline = tokio::time::Instant::now() + PROBE_WAIT;
        loop {
            let cache = self.neighbours().await.unwrap_or_default();
            let missing: Vec<String> = gws
                .iter()
                .filter(|g| !cache.iter().any(|n| neighbour_is(n, g) && answered(n.header.state)))
                .map(|g| g.ip.to_string())
                .collect();
            if missing.is_empty() {
                let all: Vec<String> = gws.iter().map(|g| g.ip.to_string()).collect();
                return (true, format!("{} answered ARP/ND", all.join(", ")));
            }
            if tokio::time::Instant::now() >= deadline {
                return (false, format!("{} did not answer ARP/ND", missing.join(", ")));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The gateways of the main table's default routes, IPv4 and IPv6.
    async fn gateways(&self) -> Result<Vec<Gateway>, Error> {
        let mut out = Vec::new();
        let asks: [RouteMessage; 2] =
            [RouteMessageBuilder::<Ipv4Addr>::new().build(), RouteMessageBuilder::<Ipv6Addr>::new().build()];
        for ask in asks {
            let mut routes = self.handle.route().get(ask).execute();
            while let Some(r) = routes.try_next().await? {
                let table = r
                    .attributes
                    .iter()
                    .find_map(|a| if let RouteAttribute::Table(t) = a { Some(*t) } else { None })
                    .unwrap_or(u32::from(r.header.table));
                if r.header.destination_prefix_length != 0 || table != 254 {
                    continue;
                }
                let gw = r.attributes.iter().find_map(|a| match a {
                    RouteAttribute::Gateway(RouteAddress::Inet(v4)) => Some(IpAddr::V4(*v4)),
                    RouteAttribute::Gateway(RouteAddress::Inet6(v6)) => Some(IpAddr::V6(*v6)),
                    _ => None,
                });
                let oif =
                    r.attributes.iter().find_map(|a| if let RouteAttribute::Oif(i) = a { Some(*i) } else { None });
                if let (Some(ip), Some(oif)) = (gw, oif) {
                    out.push(Gateway { ip, oif });
                }
            }
        }
        Ok(out)
    }

    async fn neighbours(&self) -> Result<Vec<NeighbourMessage>, Error> {
        let mut out = Vec::new();
        for v in [AddressFamily::Inet, AddressFamily::Inet6] {
            let mut s = self.handle.neighbours().get().set_address_family(v).execute();
            while let Some(n) = s.try_next().await? {
                out.push(n);
            }
        }
        Ok(out)
    }
}

fn neighbour_is(n: &NeighbourMessage, g: &Gateway) -> bool {
    n.header.ifindex == g.oif
        && n.attributes.iter().any(|a| match (a, g.ip) {
            (NeighbourAttribute::Destination(NeighbourAddress::Inet(v4)), IpAddr::V4(ip)) => *v4 == ip,
            (NeighbourAttribute::Destination(NeighbourAddress::Inet6(v6)), IpAddr::V6(ip)) => *v6 == ip,
            _ => false,
        })
}

/// A cache entry that came from an answer: confirmed now or earlier, or being re-confirmed.
/// INCOMPLETE is still asking; FAILED asked and heard nothing.
fn answered(s: NeighbourState) -> bool {
    matches!(
        s,
        NeighbourState::Reachable
            | NeighbourState::Stale
            | NeighbourState::Delay
            | NeighbourState::Probe
            | NeighbourState::Permanent
            | NeighbourState::Noarp
    )
}

/// Sends a datagram to the discard port through the gateway's link, which makes the kernel
/// resolve the gateway's address: the ARP request or neighbour solicitation is the kernel's own.
fn provoke(g: &Gateway) {
    let (bind, to): (SocketAddr, SocketAddr) = match g.ip {
        IpAddr::V4(ip) => ("0.0.0.0:0".parse().expect("literal"), SocketAddr::from((ip, 9))),
        IpAddr::V6(ip) => {
            let scope = if ip.is_unicast_link_local() { g.oif } else { 0 };
            ("[::]:0".parse().expect("literal"), SocketAddr::V6(SocketAddrV6::new(ip, 9, 0, scope)))
        }
    };
    if let Ok(s) = std::net::UdpSocket::bind(bind) {
        let _ = s.send_to(b"hostnet", to);
    }
}

async fn ping(host: IpAddr) -> (bool, String) {
    let kind = if host.is_ipv4() { surge_ping::ICMP::V4 } else { surge_ping::ICMP::V6 };
    // A raw socket: root may always open one, whatever ping_group_range allows.
    let config = surge_ping::Config::builder().kind(kind).sock_type_hint(socket2::Type::RAW).build();
    let client = match surge_ping::Client::new(&config) {
        Ok(c) => c,
        Err(e) => return (false, format!("cannot open an ICMP socket: {e}")),
    };
    let mut pinger = client.pinger(host, surge_ping::PingIdentifier(std::process::id() as u16)).await;
    pinger.timeout(PROBE_WAIT);
    match pinger.ping(surge_ping::PingSequence(0), b"hostnet confirm-when").await {
        Ok((_, rtt)) => (true, format!("{host} answered ping in {:.1} ms", rtt.as_secs_f64() * 1000.0)),
        Err(e) => (false, format!("{host} did not answer ping: {e}")),
    }
}

async fn dns_answers(servers: &[IpAddr]) -> (bool, String) {
    use hickory_proto::op::{Message, Query};
    use hickory_proto::rr::{Name, RecordType};
    if servers.is_empty() {
        return (false, "no DNS servers in the config".into());
    }
    let mut silent = Vec::new();
    for &server in servers {
        let id: u16 = rand_id();
        let mut m = Message::query();
        m.metadata.id = id;
        m.metadata.recursion_desired = true;
        m.add_query(Query::query(Name::root(), RecordType::NS));
        let Ok(bytes) = m.to_vec() else { return (false, "cannot encode a DNS query".into()) };
        let bind: SocketAddr = if server.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }.parse().expect("literal");
        let answered = async {
            let s = tokio::net::UdpSocket::bind(bind).await.ok()?;
            s.send_to(&bytes, (server, 53)).await.ok()?;
            let mut buf = [0u8; 4096];
            loop {
                let (n, from) = s.recv_from(&mut buf).await.ok()?;
                if from.ip() == server && Message::from_vec(&buf[..n]).is_ok_and(|r| r.metadata.id == id) {
                    return Some(());
                }
            }
        };
        if tokio::time::timeout(PROBE_WAIT, answered).await.ok().flatten().is_none() {
            silent.push(server.to_string());
        }
    }
    if silent.is_empty() {
        (true, format!("{} answered", servers.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")))
    } else {
        (false, format!("{} did not answer a DNS query", silent.join(", ")))
    }
}

/// A query id no earlier answer can carry: from the clock, which is enough to tell apart queries
/// a second apart.
fn rand_id() -> u16 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos() as u16)
}
