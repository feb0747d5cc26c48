//! DHCPv4 in the daemon: a client task per interface that declares `dhcp4`, started when its
//! link is present and up and restarted when the link comes back as a new device; and the
//! leases those clients get, put on the host by the main loop (address with the lease's
//! lifetime, routes with protocol `dhcp`, name servers through the planned resolv.conf).
//!
//! mozim is the DHCP implementation: the nmstate team's client, which runs RFC 2131's whole
//! state machine (INIT-REBOOT with a known address included) and owns its raw and UDP
//! sockets. dhcproto only encodes and decodes messages; with it, hostnet would write the state
//! machine, retransmission timers and BPF socket itself.

pub mod client;
pub mod lease;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hostnet_core::model::{Dhcp4, Dns, Route};
use hostnet_core::{Config, State};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

pub use client::{Event, What};
pub use lease::{Lease, LeaseDir};

/// One interface's client and what it has put on the host.
pub struct Running {
    pub index: u32,
    settings: Dhcp4,
    task: tokio::task::JoinHandle<()>,
    pub phase: &'static str,
    pub lease: Option<Lease>,
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
    pub clients: BTreeMap<String, Running>,
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
    /// link if the link is still there.
    Unlease { index: u32, lease: Lease, routes: Vec<Route> },
    /// The leased address is gone from the link (deleted by hand): put it back.
    Reput { iface: String },
    /// Said once: the first lease is late.
    Late { iface: String, after: u32 },
}

/// `hostnet status` detail of one interface's DHCPv4 client.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dhcp4Report {
    pub phase: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_secs: Option<u64>,
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
        let wanted: BTreeMap<&str, &Dhcp4> =
            desired.interfaces.iter().filter_map(|i| Some((i.name.as_str(), i.dhcp4.as_ref()?))).collect();
        let names: Vec<String> = self.clients.keys().cloned().collect();
        for name in names {
            let link = state.get(&name).filter(|l| l.up);
            let keep = match (wanted.get(name.as_str()), link) {
                (Some(s), Some(l)) => self.clients[&name].index == l.index && self.clients[&name].settings == **s,
                _ => false,
            };
            if keep {
                continue;
            }
            let r = self.clients.remove(&name).expect("listed");
            // A link that is gone took its addresses along; one that stays loses the lease.
            if let Some(lease) = r.lease.clone()
                && state.get(&name).is_some_and(|l| l.index == r.index)
            {
                self.dir.forget(&name);
                chores.push(Chore::Unlease { index: r.index, lease, routes: r.installed.clone() });
            }
        }
        for (name, settings) in wanted {
            let Some(link) = state.get(name).filter(|l| l.up) else { continue };
            if self.clients.contains_key(name) {
                continue;
            }
            let Some(mac) = link.iface.mac else { continue };
            let previous = self.dir.load(name);
            // After a daemon restart the kernel still holds the leased address: the lease is in
            // force (its name servers stay in resolv.conf) while INIT-REBOOT confirms it.
            let held = previous.clone().filter(|l| link.dynamic.contains(&l.cidr()));
            let installed = held.as_ref().map(|l| l.routes(settings)).unwrap_or_default();
            let spec =
                client::Spec { iface: name.to_string(), index: link.index, mac, settings: settings.clone(), previous };
            tracing::info!("dhcp4 on {name}: starting");
            self.clients.insert(
                name.to_string(),
                Running {
                    index: link.index,
                    settings: settings.clone(),
                    task: client::spawn(spec, self.tx.clone()),
                    phase: "init",
                    lease: held,
                    installed,
                    started: Instant::now(),
                    late: false,
                    last_error: None,
                },
            );
        }
        for (name, r) in &mut self.clients {
            match &r.lease {
                Some(l) => {
                    let on_link = state
                        .get(name)
                        .is_some_and(|s| s.dynamic.contains(&l.cidr()) || s.iface.addresses.contains(&l.cidr()));
                    if !on_link {
                        chores.push(Chore::Reput { iface: name.clone() });
                    }
                }
                None if !r.late && r.started.elapsed() >= Duration::from_secs(r.settings.timeout().into()) => {
                    r.late = true;
                    chores.push(Chore::Late { iface: name.clone(), after: r.settings.timeout() });
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

    pub fn settings(&self, iface: &str) -> Option<&Dhcp4> {
        self.clients.get(iface).map(|r| &r.settings)
    }

    /// Records the routes put on the host for `iface`'s lease; returns those to take off.
    pub fn installed(&mut self, iface: &str, now: Vec<Route>) -> Vec<Route> {
        let Some(r) = self.clients.get_mut(iface) else { return Vec::new() };
        let stale = r.installed.iter().filter(|o| !now.contains(o)).cloned().collect();
        r.installed = now;
        stale
    }

    pub fn take_routes(&mut self, iface: &str) -> Vec<Route> {
        self.clients.get_mut(iface).map(|r| std::mem::take(&mut r.installed)).unwrap_or_default()
    }

    /// The name servers and search domains of the leases whose interface takes DNS from
    /// DHCP, after the config's own; `None` when no interface does.
    fn dns(&self, desired: &Config) -> Option<Dns> {
        let users: Vec<&Running> = self.clients.values().filter(|r| r.settings.use_dns()).collect();
        let declared = desired.interfaces.iter().any(|i| i.dhcp4.as_ref().is_some_and(Dhcp4::use_dns));
        let given = users.iter().any(|r| r.lease.as_ref().is_some_and(|l| !l.dns.is_empty() || !l.search.is_empty()));
        if !declared || !(given || self.dns_taken || desired.dns.is_some()) {
            return None;
        }
        let mut dns = desired.dns.clone().unwrap_or_default();
        for l in users.iter().filter_map(|r| r.lease.as_ref()) {
            for n in &l.dns {
                let ip = std::net::IpAddr::V4(*n);
                if !dns.nameservers.contains(&ip) {
                    dns.nameservers.push(ip);
                }
            }
            for s in &l.search {
                if !dns.search.contains(s) {
                    dns.search.push(s.clone());
                }
            }
        }
        // glibc reads three name servers; the config's come first.
        dns.nameservers.truncate(3);
        Some(dns)
    }

    pub fn report(&self, iface: &str) -> Option<Dhcp4Report> {
        let r = self.clients.get(iface)?;
        let l = r.lease.as_ref();
        let use_ntp = r.settings.use_ntp();
        Some(Dhcp4Report {
            phase: if r.late && l.is_none() { format!("{} (no lease yet)", r.phase) } else { r.phase.to_string() },
            address: l.map(|l| l.cidr().to_string()),
            server: l.map(|l| l.server.to_string()),
            expires_in_secs: l.map(|l| u64::from(l.remaining())),
            ntp: l.filter(|_| use_ntp).map(|l| l.ntp.iter().map(|n| n.to_string()).collect()).unwrap_or_default(),
            last_error: r.last_error.clone(),
        })
    }
}

/// The config the daemon plans against when leases add name servers to the file's: `None`
/// when they add none (the file's config is the target; no clone).
pub fn leased_target(desired: &Config, dhcp: &Dhcp) -> Option<Config> {
    dhcp.dns(desired)
        .filter(|dns| desired.dns.as_ref() != Some(dns))
        .map(|dns| Config { dns: Some(dns), ..desired.clone() })
}
