//! DHCP in the daemon: a client task per interface and family that declares `dhcp4` or
//! `dhcp6`, started when its link is present and up and restarted when the link comes back as
//! a new device; and what those clients get, put on the host by the main loop (address with
//! the lease's lifetimes, DHCPv4 routes with protocol `dhcp`, name servers through the planned
//! resolv.conf).
//!
//! mozim is the DHCP implementation: the nmstate team's client, which runs RFC 2131's whole
//! state machine (INIT-REBOOT with a known address included) and RFC 8415's for an IA_NA, and
//! owns its raw and UDP sockets. dhcproto only encodes and decodes messages; with it alone,
//! hostnet would write the state machines, retransmission timers and BPF socket itself. It
//! does serve DHCPv6 information-only, which mozim lacks (see `info`).

pub mod client;
pub mod client6;
pub mod grant;
pub mod hostname;
pub mod info;
pub mod lease;
pub mod lease6;
pub mod release;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hostnet_core::model::{Dns, Route};
use hostnet_core::{Config, State};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

pub use client::{Event, What};
pub use grant::{Grant, Proto, Settings};
pub use lease::{Lease, LeaseDir};

/// A client: an interface and the protocol it runs there.
pub type Key = (String, Proto);

/// One client and what it has put on the host.
pub struct Running {
    pub index: u32,
    pub settings: Settings,
    task: tokio::task::JoinHandle<()>,
    pub phase: &'static str,
    pub lease: Option<Grant>,
    /// Routes put on the host from the lease, to take off when it changes or ends.
    installed: Vec<Route>,
    started: Instant,
    /// The first lease did not come within the timeout (reported once).
    pub late: bool,
    pub last_error: Option<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub struct Dhcp {
    pub dir: LeaseDir,
    pub clients: BTreeMap<Key, Running>,
    tx: mpsc::Sender<Event>,
    pub rx: mpsc::Receiver<Event>,
    /// A lease has given name servers: from then on resolv.conf is hostnet's, so that their
    /// removal at expiry is written too. Before that, a host whose config has no `dns:` keeps
    /// its resolv.conf untouched while the first lease is awaited.
    pub dns_taken: bool,
}

/// What to do to the host about a client, decided by [`Dhcp::sync`] and done by the daemon.
pub enum Chore {
    /// The client stopped (DHCP no longer declared, or the link went): take its lease off the
    /// link if the link is still there, after releasing it to the server when the config no
    /// longer asks for DHCP there.
    Unlease { index: u32, lease: Box<Grant>, routes: Vec<Route>, release: Option<(release::Link, Settings)> },
    /// The leased address is gone from the link (deleted by hand): put it back.
    Reput { key: Key },
    /// Said once: the first lease is late.
    Late { key: Key, after: u32 },
}

/// `hostnet status` detail of one interface's DHCP client.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DhcpReport {
    pub phase: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_secs: Option<u64>,
    /// Information-only: when the options are asked for again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_in_secs: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ntp: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl Dhcp {
    pub fn new(dir: LeaseDir) -> Self {
        let (tx, rx) = mpsc::channel(64);
        Dhcp { dir, clients: BTreeMap::new(), tx, rx, dns_taken: false }
    }

    /// Starts the clients the config and the host call for and stops the others.
    pub fn sync(&mut self, desired: &Config, state: &State) -> Vec<Chore> {
        let mut chores = Vec::new();
        let wanted: BTreeMap<Key, Settings> = desired
            .interfaces
            .iter()
            .flat_map(|i| Proto::ALL.into_iter().filter_map(move |p| Some(((i.name.clone(), p), p.wanted(i)?))))
            .collect();
        let keys: Vec<Key> = self.clients.keys().cloned().collect();
        for key in keys {
            let link = state.get(&key.0).filter(|l| l.up);
            let keep = match (wanted.get(&key), link) {
                (Some(s), Some(l)) => self.clients[&key].index == l.index && self.clients[&key].settings == *s,
                _ => false,
            };
            if keep {
                continue;
            }
            let r = self.clients.remove(&key).expect("listed");
            // A link that is gone took its addresses along; one that stays loses the lease.
            if let Some(lease) = r.lease.clone()
                && let Some(l) = state.get(&key.0).filter(|l| l.index == r.index)
            {
                self.dir.forget(&key.0, key.1);
                let release = (!wanted.contains_key(&key) && lease.cidr().is_some()).then(|| {
                    let link = release::Link {
                        iface: key.0.clone(),
                        index: l.index,
                        mac: l.iface.mac,
                        link_local: link_local(l),
                    };
                    (link, r.settings.clone())
                });
                chores.push(Chore::Unlease {
                    index: r.index,
                    lease: Box::new(lease),
                    routes: r.installed.clone(),
                    release,
                });
            }
        }
        for (key, settings) in wanted {
            let Some(link) = state.get(&key.0).filter(|l| l.up) else { continue };
            if self.clients.contains_key(&key) {
                continue;
            }
            let name = key.0.clone();
            let previous = self.dir.load(&name, key.1);
            // After a daemon restart the kernel still holds the leased address: the lease is in
            // force (its name servers stay in resolv.conf) while the client confirms it.
            let held = previous.clone().filter(|l| l.cidr().is_none_or(|c| link.dynamic.contains(&c)));
            let installed = held.as_ref().map(|l| l.routes(&settings)).unwrap_or_default();
            let task = match &settings {
                Settings::V4(s) => {
                    let Some(mac) = link.iface.mac else { continue };
                    let previous = match previous {
                        Some(Grant::V4(l)) => Some(l),
                        _ => None,
                    };
                    let spec =
                        client::Spec { iface: name.clone(), index: link.index, mac, settings: s.clone(), previous };
                    client::spawn(spec, self.tx.clone())
                }
                Settings::V6(s) => {
                    // Without a link-local address there is nothing to send from yet; its
                    // RTM_NEWADDR brings another pass.
                    let Some(ll) = link_local(link) else { continue };
                    let spec =
                        client6::Spec6 { iface: name.clone(), index: link.index, link_local: ll, settings: s.clone() };
                    client6::spawn(spec, self.tx.clone())
                }
            };
            tracing::info!("{} on {name}: starting", key.1);
            self.clients.insert(
                key,
                Running {
                    index: link.index,
                    settings,
                    task,
                    phase: "init",
                    lease: held,
                    installed,
                    started: Instant::now(),
                    late: false,
                    last_error: None,
                },
            );
        }
        for (key, r) in &mut self.clients {
            match &r.lease {
                Some(l) => {
                    let Some(cidr) = l.cidr() else { continue };
                    let on_link = state
                        .get(&key.0)
                        .is_some_and(|s| s.dynamic.contains(&cidr) || s.iface.addresses.contains(&cidr));
                    if !on_link {
                        chores.push(Chore::Reput { key: key.clone() });
                    }
                }
                None if !r.late && r.started.elapsed() >= Duration::from_secs(r.settings.timeout().into()) => {
                    r.late = true;
                    chores.push(Chore::Late { key: key.clone(), after: r.settings.timeout() });
                }
                None => {}
            }
        }
        chores
    }

    /// When a waiting client's timeout runs out, for the main loop's timer.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.clients
            .values()
            .filter(|r| r.lease.is_none() && !r.late)
            .map(|r| r.started + Duration::from_secs(r.settings.timeout().into()))
            .min()
    }

    pub fn settings(&self, key: &Key) -> Option<&Settings> {
        self.clients.get(key).map(|r| &r.settings)
    }

    /// Records the routes put on the host for a client's lease; returns those to take off.
    pub fn installed(&mut self, key: &Key, now: Vec<Route>) -> Vec<Route> {
        let Some(r) = self.clients.get_mut(key) else { return Vec::new() };
        let stale = r.installed.iter().filter(|o| !now.contains(o)).cloned().collect();
        r.installed = now;
        stale
    }

    pub fn take_routes(&mut self, key: &Key) -> Vec<Route> {
        self.clients.get_mut(key).map(|r| std::mem::take(&mut r.installed)).unwrap_or_default()
    }

    /// The name servers and search domains of the leases whose client takes DNS from DHCP,
    /// after the config's own; `None` when no interface does.
    fn dns(&self, desired: &Config) -> Option<Dns> {
        let users: Vec<&Running> = self.clients.values().filter(|r| r.settings.use_dns()).collect();
        let declared = desired
            .interfaces
            .iter()
            .any(|i| i.dhcp4.as_ref().is_some_and(|d| d.use_dns()) || i.dhcp6.as_ref().is_some_and(|d| d.use_dns()));
        let given =
            users.iter().any(|r| r.lease.as_ref().is_some_and(|l| !l.dns().is_empty() || !l.search().is_empty()));
        if !declared || !(given || self.dns_taken || desired.dns.is_some()) {
            return None;
        }
        let mut dns = desired.dns.clone().unwrap_or_default();
        for l in users.iter().filter_map(|r| r.lease.as_ref()) {
            for ip in l.dns() {
                if !dns.nameservers.contains(&ip) {
                    dns.nameservers.push(ip);
                }
            }
            for s in l.search() {
                if !dns.search.contains(s) {
                    dns.search.push(s.clone());
                }
            }
        }
        // glibc reads three name servers; the config's come first.
        dns.nameservers.truncate(3);
        Some(dns)
    }

    pub fn report(&self, iface: &str, proto: Proto) -> Option<DhcpReport> {
        let r = self.clients.get(&(iface.to_string(), proto))?;
        let l = r.lease.as_ref();
        let info = matches!(l, Some(Grant::Info(_)));
        let left = l.map(|l| u64::from(l.remaining()));
        Some(DhcpReport {
            phase: if r.late && l.is_none() { format!("{} (no lease yet)", r.phase) } else { r.phase.to_string() },
            address: l.and_then(Grant::cidr).map(|c| c.to_string()),
            server: l.map(Grant::server),
            expires_in_secs: left.filter(|_| !info),
            refresh_in_secs: left.filter(|_| info),
            dns: l
                .filter(|_| r.settings.use_dns())
                .map(|l| l.dns().iter().map(ToString::to_string).collect())
                .unwrap_or_default(),
            ntp: l.filter(|_| r.settings.use_ntp()).map(Grant::ntp).unwrap_or_default(),
            last_error: r.last_error.clone(),
        })
    }
}

fn link_local(l: &hostnet_core::state::LiveLink) -> Option<std::net::Ipv6Addr> {
    l.link_local.iter().find_map(|c| match c.addr() {
        std::net::IpAddr::V6(a) => Some(a),
        std::net::IpAddr::V4(_) => None,
    })
}

/// The config the daemon plans against when leases add name servers to the file's: `None`
/// when they add none (the file's config is the target; no clone).
pub fn leased_target(desired: &Config, dhcp: &Dhcp) -> Option<Config> {
    dhcp.dns(desired)
        .filter(|dns| desired.dns.as_ref() != Some(dns))
        .map(|dns| Config { dns: Some(dns), ..desired.clone() })
}
