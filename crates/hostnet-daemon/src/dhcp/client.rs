//! One interface's DHCPv4 client, as a task: mozim runs the RFC 2131 state machine (INIT or
//! INIT-REBOOT, SELECTING, REQUESTING, BOUND, RENEWING at T1, REBINDING at T2, expiry) and
//! this task reports each step to the daemon's main loop, which alone changes the host.

use std::time::Duration;

use hostnet_core::model::{ClientId, Dhcp4, MacAddr};
use mozim::{DhcpV4Client, DhcpV4Config, DhcpV4State};
use tokio::sync::mpsc;

use super::grant::{Grant, Proto};
use super::lease::Lease;

#[derive(Debug)]
pub struct Event {
    pub iface: String,
    pub proto: Proto,
    /// The link the client runs on; an event from a client for an older link is stale.
    pub index: u32,
    pub what: What,
}

#[derive(Debug)]
pub enum What {
    /// A new step of the state machine: `init`, `init-reboot`, `selecting`, `renewing`,
    /// `rebinding` (DHCPv6: `solicit`, `request`, `information-request`, ...).
    Phase(&'static str),
    /// An ACK or Reply: a new lease, or the same one extended.
    Bound(Grant),
    /// The lease ran out without a server extending it.
    Expired,
    Failed(String),
}

/// What a client needs to know about its link.
pub struct Spec {
    pub iface: String,
    pub index: u32,
    pub mac: MacAddr,
    pub settings: Dhcp4,
    /// A stored lease still within its time: asked for again with INIT-REBOOT.
    pub previous: Option<Lease>,
}

/// After an error mozim keeps returning it; the client starts over after this long.
const RESTART_AFTER: Duration = Duration::from_secs(5);

pub fn spawn(spec: Spec, tx: mpsc::Sender<Event>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(spec, tx))
}

async fn run(spec: Spec, tx: mpsc::Sender<Event>) {
    let send = |what: What| {
        let tx = tx.clone();
        let e = Event { iface: spec.iface.clone(), proto: Proto::Dhcp4, index: spec.index, what };
        async move {
            let _ = tx.send(e).await;
        }
    };
    let mut previous = spec.previous.clone();
    loop {
        let config = config_for(&spec);
        send(What::Phase(if previous.is_some() { "init-reboot" } else { "init" })).await;
        let mut client = match DhcpV4Client::init(config, previous.take().map(|l| l.to_mozim())).await {
            Ok(c) => c,
            Err(e) => {
                send(What::Failed(e.to_string())).await;
                tokio::time::sleep(RESTART_AFTER).await;
                continue;
            }
        };
        let mut bound = false;
        loop {
            match client.run().await {
                Ok(DhcpV4State::Done(lease)) => {
                    bound = true;
                    send(What::Bound(Grant::V4(Lease::from_mozim(&lease)))).await;
                }
                Ok(DhcpV4State::InitReboot) if bound => {
                    // mozim enters INIT again from REBINDING only when the lease has run out.
                    bound = false;
                    send(What::Expired).await;
                    send(What::Phase("init")).await;
                }
                Ok(s) => send(What::Phase(phase_name(&s))).await,
                Err(e) => {
                    send(What::Failed(e.to_string())).await;
                    break;
                }
            }
        }
        tokio::time::sleep(RESTART_AFTER).await;
    }
}

fn phase_name(s: &DhcpV4State) -> &'static str {
    match s {
        DhcpV4State::Done(_) => "bound",
        DhcpV4State::InitReboot => "init",
        DhcpV4State::Selecting => "requesting",
        DhcpV4State::Renewing => "renewing",
        DhcpV4State::Rebinding => "rebinding",
    }
}

pub(super) fn config_for(spec: &Spec) -> DhcpV4Config {
    let mut c = DhcpV4Config::new(&spec.iface);
    c.set_iface_index(spec.index);
    // Only fails on a MAC that is not 6 bytes, which MacAddr cannot be.
    let _ = c.set_iface_mac_raw(&spec.mac.0);
    // The daemon reports a slow first lease itself and keeps asking: a server that is down at
    // boot must not leave the host without an address for good.
    c.set_timeout_sec(0);
    if let Some(h) = &spec.settings.hostname {
        c.set_host_name(h);
    }
    match spec.settings.client_id() {
        ClientId::Mac => {
            c.use_mac_as_client_id();
        }
        ClientId::Duid => {
            c.set_client_id(255, &duid_client_id(&spec.iface));
        }
    }
    c
}

/// RFC 4361 client identifier: a 4-byte IAID (from the interface name, stable across
/// restarts) and a DUID-UUID (RFC 6355) from /etc/machine-id, the same for every interface of
/// the host, as networkd's default.
fn duid_client_id(iface: &str) -> Vec<u8> {
    let mut out = iaid(iface).to_be_bytes().to_vec();
    out.extend_from_slice(&[0, 4]);
    out.extend(duid_uuid());
    out
}

/// An interface's IAID: a hash of its name, the same across restarts.
pub fn iaid(iface: &str) -> u32 {
    iface.bytes().fold(0x811c9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x01000193))
}

/// The 16 bytes of the host's DUID-UUID: /etc/machine-id (zeros without one).
pub fn duid_uuid() -> [u8; 16] {
    let id = std::fs::read_to_string("/etc/machine-id").unwrap_or_default();
    let id = id.trim();
    let bytes: Vec<u8> =
        (0..id.len() / 2).filter_map(|i| u8::from_str_radix(id.get(2 * i..2 * i + 2)?, 16).ok()).take(16).collect();
    bytes.try_into().unwrap_or([0; 16])
}
