//! Per-flow versus aggregate throughput for each bond mode: two host NICs shaped to the same
//! rate (a token bucket on each, like a 1 Gbit/s link scaled down), one TCP flow and then N in
//! parallel to a peer behind an unshaped link. Only balance-rr stripes a single flow.

use crate::error::{LabError, Result};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hostnet_core::model::bond::XmitHashPolicy;
use hostnet_core::model::{Bond, BondMode, Config, Ethernet, Interface, Kind};
use hostnet_netlink::Netlink;
use rtnetlink::packet_core::DefaultNla;
use rtnetlink::packet_route::tc::{TcAttribute, TcHandle, TcMessage, TcOption};
use serde::{Deserialize, Serialize};

use crate::build::Lab;
use crate::ns;
use crate::topology::{Peer, Probe, Switch, Topology};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModeResult {
    pub mode: String,
    pub link_mbit: u32,
    pub one_flow_mbit: f64,
    pub flows: u32,
    pub many_flows_mbit: f64,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub link_mbit: u32,
    pub flows: u32,
    pub seconds: u64,
    pub modes: Vec<BondMode>,
}

const HOST_ADDR: &str = "198.51.100.1/24";
const PEER_ADDR: &str = "198.51.100.10/24";
const PORT: u16 = 5201;

/// The host of one measurement: two NICs in a bond of `mode`, hashing on layer 3+4 where the
/// mode hashes, so that parallel flows can spread.
fn host_config(mode: BondMode) -> Config {
    let mut b = Bond::new(mode);
    b.ports = vec!["n1".into(), "n2".into()];
    b.miimon = Some(100);
    if matches!(mode, BondMode::BalanceXor | BondMode::Lacp | BondMode::BalanceTlb) {
        b.xmit_hash_policy = Some(XmitHashPolicy::Layer34);
    }
    if mode == BondMode::Lacp {
        b.lacp_rate = Some(hostnet_core::model::bond::LacpRate::Fast);
    }
    let mut bond = Interface::new("bond0", Kind::Bond(b));
    bond.addresses.push(HOST_ADDR.parse().expect("literal"));
    Config {
        interfaces: vec![
            Interface::new("n1", Kind::Ethernet(Ethernet::default())),
            Interface::new("n2", Kind::Ethernet(Ethernet::default())),
            bond,
        ],
        ..Default::default()
    }
}

pub async fn measure(s: &Settings, progress: bool) -> Result<Vec<ModeResult>> {
    let mut out = Vec::new();
    for &mode in &s.modes {
        if progress {
            eprintln!("lab: throughput of {mode}");
        }
        let host = host_config(mode);
        let t = Topology {
            host: "generated".into(),
            switches: vec![Switch {
                name: "sw".into(),
                ports: vec!["n1".into(), "n2".into()],
                lacp: mode == BondMode::Lacp,
                lacp_rate: "fast".into(),
                stp_forward_delay: None,
            }],
            peers: vec![Peer { name: "client".into(), switch: "sw".into(), address: PEER_ADDR.into() }],
            links: vec![],
            probe: Probe::default(),
            settle: Default::default(),
            cluster: None,
        };
        let lab = Lab::build(&t, &host).await?;
        // Measure only once LACP has every port distributing: before that the aggregate can
        // be one link wide.
        crate::run::wait_bonds_settled(&lab, &t.settle).await?;
        let nl = lab.connect(&lab.host_ns)?;
        for nic in ["n1", "n2"] {
            shape(&nl, nic, s.link_mbit).await?;
        }
        let peer: IpAddr = PEER_ADDR.split('/').next().expect("addr").parse().expect("literal");
        let server = Server::start(&lab.peer_ns["client"], SocketAddr::new(peer, PORT))?;
        wait_for_path(&lab.host_ns, SocketAddr::new(peer, PORT))?;
        let one = run_flows(&lab.host_ns, SocketAddr::new(peer, PORT), 1, s.seconds, &server)?;
        let many = run_flows(&lab.host_ns, SocketAddr::new(peer, PORT), s.flows, s.seconds, &server)?;
        server.stop();
        out.push(ModeResult {
            mode: mode.to_string(),
            link_mbit: s.link_mbit,
            one_flow_mbit: one,
            flows: s.flows,
            many_flows_mbit: many,
        });
    }
    Ok(out)
}

/// A token bucket filter as the root qdisc of `nic`: `mbit` Mbit/s with a 32 KiB burst.
/// tc_tbf_qopt is sent raw; an Ethernet-aware rate spec lets the kernel compute its own tables.
async fn shape(nl: &Netlink, nic: &str, mbit: u32) -> Result<()> {
    let index = nl
        .index_of(nic)
        .await
        .map_err(|e| LabError::kernel(format!("shaping {nic}"))(hostnet_netlink::Error::Netlink(e)))?;
    let rate_bps = u64::from(mbit) * 1_000_000 / 8;
    let burst: u32 = 32 * 1024;
    // psched ticks are 64 ns: the time to send `burst` bytes at the rate.
    let buffer_ticks = (u64::from(burst) * 1_000_000_000 / rate_bps / 64) as u32;
    let limit: u32 = 256 * 1024;
    let mut qopt = Vec::with_capacity(36);
    // struct tc_ratespec rate: cell_log, linklayer (1 = ethernet), overhead, cell_align, mpu, rate
    qopt.extend_from_slice(&[0u8, 1u8]);
    qopt.extend_from_slice(&0u16.to_ne_bytes());
    qopt.extend_from_slice(&0i16.to_ne_bytes());
    qopt.extend_from_slice(&0u16.to_ne_bytes());
    qopt.extend_from_slice(&(rate_bps as u32).to_ne_bytes());
    qopt.extend_from_slice(&[0u8; 12]); // peakrate: none
    qopt.extend_from_slice(&limit.to_ne_bytes());
    qopt.extend_from_slice(&buffer_ticks.to_ne_bytes());
    qopt.extend_from_slice(&0u32.to_ne_bytes()); // mtu: no peak rate
    const TCA_TBF_PARMS: u16 = 1;
    const TCA_TBF_BURST: u16 = 6;
    let mut msg = TcMessage::with_index(index as i32);
    msg.header.parent = TcHandle::ROOT;
    msg.header.handle = TcHandle { major: 1, minor: 0 };
    msg.attributes.push(TcAttribute::Kind("tbf".into()));
    msg.attributes.push(TcAttribute::Options(vec![
        TcOption::Other(DefaultNla::new(TCA_TBF_PARMS, qopt)),
        TcOption::Other(DefaultNla::new(TCA_TBF_BURST, burst.to_ne_bytes().to_vec())),
    ]));
    use futures::StreamExt;
    use rtnetlink::packet_core::{NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload};
    use rtnetlink::packet_route::RouteNetlinkMessage;
    let mut req = NetlinkMessage::from(RouteNetlinkMessage::NewQueueDiscipline(msg));
    req.header.flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    let mut handle = nl.handle().clone();
    let mut resp = handle.request(req).map_err(LabError::kernel(format!("shaping {nic}")))?;
    while let Some(m) = resp.next().await {
        if let NetlinkPayload::Error(e) = m.payload
            && e.code.is_some()
        {
            return Err(LabError::kernel(format!("shaping {nic}"))(rtnetlink::Error::NetlinkError(e)));
        }
    }
    Ok(())
}

struct Server {
    stop: Arc<AtomicBool>,
    bytes: Arc<AtomicU64>,
}

impl Server {
    /// A sink: accepts connections and counts what arrives.
    fn start(ns_name: &str, addr: SocketAddr) -> Result<Server> {
        let stop = Arc::new(AtomicBool::new(false));
        let bytes = Arc::new(AtomicU64::new(0));
        let listener =
            ns::within(ns_name, || TcpListener::bind(addr))?.map_err(LabError::os(format!("bind {addr}")))?;
        listener.set_nonblocking(true).map_err(LabError::os(format!("nonblocking {addr}")))?;
        let (st, by) = (stop.clone(), bytes.clone());
        std::thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut c, _)) => {
                        let (st, by) = (st.clone(), by.clone());
                        std::thread::spawn(move || {
                            let _ = c.set_read_timeout(Some(Duration::from_millis(200)));
                            let mut buf = vec![0u8; 64 * 1024];
                            while !st.load(Ordering::SeqCst) {
                                match c.read(&mut buf) {
                                    Ok(0) => break,
                                    Ok(n) => {
                                        by.fetch_add(n as u64, Ordering::Relaxed);
                                    }
                                    Err(e)
                                        if e.kind() == std::io::ErrorKind::WouldBlock
                                            || e.kind() == std::io::ErrorKind::TimedOut => {}
                                    Err(_) => break,
                                }
                            }
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Ok(Server { stop, bytes })
    }

    fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Waits until a TCP connection from the host reaches the peer (LACP may still be negotiating).
fn wait_for_path(ns_name: &str, addr: SocketAddr) -> Result<()> {
    let start = Instant::now();
    loop {
        let ok = ns::within(ns_name, || TcpStream::connect_timeout(&addr, Duration::from_millis(500)))?.is_ok();
        if ok {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(40) {
            return Err(LabError::Measure(format!("no TCP path from the host to {addr} within 40 s")));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `flows` parallel TCP streams for `secs` seconds (after one second of ramp-up); returns the
/// receiver's goodput in Mbit/s.
fn run_flows(ns_name: &str, addr: SocketAddr, flows: u32, secs: u64, server: &Server) -> Result<f64> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    for _ in 0..flows {
        let mut c =
            ns::within(ns_name, || TcpStream::connect(addr))?.map_err(LabError::os(format!("connect {addr}")))?;
        let st = stop.clone();
        threads.push(std::thread::spawn(move || {
            let buf = vec![0x5au8; 64 * 1024];
            while !st.load(Ordering::SeqCst) {
                if c.write_all(&buf).is_err() {
                    break;
                }
            }
        }));
    }
    std::thread::sleep(Duration::from_secs(1));
    let b0 = server.bytes.load(Ordering::Relaxed);
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs(secs));
    let got = server.bytes.load(Ordering::Relaxed) - b0;
    let dt = t0.elapsed().as_secs_f64();
    stop.store(true, Ordering::SeqCst);
    for t in threads {
        let _ = t.join();
    }
    Ok(got as f64 * 8.0 / dt / 1e6)
}

/// The results as a table.
pub fn table(rs: &[ModeResult]) -> String {
    let mut out = String::from("MODE           LINK      1 FLOW        N FLOWS\n");
    for r in rs {
        out.push_str(&format!(
            "{:<14} {:>4} Mbit  {:>6.1} Mbit   {:>6.1} Mbit ({} flows)\n",
            r.mode, r.link_mbit, r.one_flow_mbit, r.many_flows_mbit, r.flows
        ));
    }
    out
}
