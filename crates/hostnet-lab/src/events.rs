//! What the kernel did while the lab ran: bond and port state on the host and on the emulated
//! switches, recorded on the probe clock so an outage can be read against the events around it.
//!
//! Each recorder thread lives in one namespace. Link notifications give exact timestamps for what
//! the kernel announces (carrier, MII, active port, aggregator, MAC, master). LACP actor and
//! partner state bits change without a notification, so the recorder also dumps the links every
//! poll interval; events found that way carry `polled: true` and are known to within one interval.

use crate::error::{LabError, Result};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use hostnet_netlink::Netlink;
use hostnet_netlink::monitor::{Monitor, Notification, Topic};
use hostnet_netlink::read::{ifname, link_status};
use hostnet_netlink::status::{LacpPortState, LinkStatus};
use rtnetlink::packet_route::link::LinkMessage;
use serde::{Deserialize, Serialize};

use crate::ns;

/// One change of one link's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Microseconds on the probe clock.
    pub at_us: u64,
    /// `host` or the switch's name.
    pub node: String,
    pub link: String,
    /// What changed: `carrier`, `mii`, `aggregator`, `active port`, `actor`, `partner`, ...
    pub what: String,
    pub from: String,
    pub to: String,
    /// Found by a periodic dump rather than announced: its time is known to one poll interval.
    #[serde(default)]
    pub polled: bool,
}

impl Event {
    /// `idmz1: aggregator 1 → 2`, with the switch's name in front of switch links.
    pub fn describe(&self) -> String {
        let link = if self.node == "host" { self.link.clone() } else { format!("{}/{}", self.node, self.link) };
        format!("{link}: {} {} → {}", self.what, self.from, self.to)
    }

    /// Whether this is one of the changes that explain an outage (as opposed to LACP bits
    /// settling, or counters): shown first when a report must be short.
    pub fn is_major(&self) -> bool {
        matches!(self.what.as_str(), "carrier" | "aggregator" | "active port" | "mii" | "port state" | "mac")
    }
}

fn show<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

fn lacp(v: &Option<LacpPortState>) -> String {
    v.as_ref().map(LacpPortState::short).unwrap_or_else(|| "-".into())
}

/// The changes from `old` to `new` of one link, as (what, from, to).
pub fn diff(old: Option<&LinkStatus>, new: &LinkStatus) -> Vec<(&'static str, String, String)> {
    let Some(old) = old else { return vec![("link", "absent".into(), "present".into())] };
    let mut out = Vec::new();
    let mut cmp = |what: &'static str, a: String, b: String| {
        if a != b {
            out.push((what, a, b));
        }
    };
    let updown = |b: bool| if b { "up" } else { "down" }.to_string();
    cmp("carrier", updown(old.carrier), updown(new.carrier));
    cmp("master", show(&old.master), show(&new.master));
    // A MAC change matters where bonding makes it: a bond and its ports (balance-alb moves MACs).
    if new.bond.is_some() || new.bond_port.is_some() {
        cmp("mac", show(&old.mac), show(&new.mac));
    }
    let (ob, nb) = (old.bond.as_ref(), new.bond.as_ref());
    cmp("active port", show(&ob.and_then(|b| b.active_port.clone())), show(&nb.and_then(|b| b.active_port.clone())));
    let agg = |b: Option<&hostnet_netlink::status::BondStatus>| show(&b.and_then(|b| b.lacp.as_ref()?.aggregator_id));
    cmp("aggregator", agg(ob), agg(nb));
    let partner =
        |b: Option<&hostnet_netlink::status::BondStatus>| show(&b.and_then(|b| b.lacp.as_ref()?.partner_mac.clone()));
    cmp("partner system", partner(ob), partner(nb));
    let (op, np) = (old.bond_port.as_ref(), new.bond_port.as_ref());
    if op.is_some() || np.is_some() {
        cmp("mii", show(&op.map(|p| p.mii_status.clone())), show(&np.map(|p| p.mii_status.clone())));
        cmp("port state", show(&op.map(|p| p.state.clone())), show(&np.map(|p| p.state.clone())));
        cmp("port aggregator", show(&op.and_then(|p| p.aggregator_id)), show(&np.and_then(|p| p.aggregator_id)));
        cmp(
            "actor",
            lacp(&op.and_then(|p| p.actor_oper_port_state.clone())),
            lacp(&np.and_then(|p| p.actor_oper_port_state.clone())),
        );
        cmp(
            "partner",
            lacp(&op.and_then(|p| p.partner_oper_port_state.clone())),
            lacp(&np.and_then(|p| p.partner_oper_port_state.clone())),
        );
    }
    out
}

/// Latest status of every link, per node, as the recorders see it.
pub type Views = BTreeMap<String, Vec<LinkStatus>>;

type RecorderThread = JoinHandle<Result<Vec<Event>>>;

pub struct Recorder {
    stop: Arc<AtomicBool>,
    threads: Vec<RecorderThread>,
    views: Arc<Mutex<Views>>,
    /// Nodes whose recorder has its first full picture.
    ready: Arc<Mutex<usize>>,
}

impl Recorder {
    /// Starts one recorder per (node, namespace) and waits until each has dumped its links once.
    pub fn start(nodes: &[(String, String)], epoch: Instant, poll: Duration) -> Result<Recorder> {
        let stop = Arc::new(AtomicBool::new(false));
        let views = Arc::new(Mutex::new(Views::new()));
        let ready = Arc::new(Mutex::new(0usize));
        let mut threads = Vec::new();
        for (node, ns_name) in nodes {
            let (node, ns_name) = (node.clone(), ns_name.clone());
            let (stop, views, ready) = (stop.clone(), views.clone(), ready.clone());
            threads.push(std::thread::spawn(move || {
                ns::enter(&ns_name)?;
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(LabError::os("the event recorder's runtime"))?;
                rt.block_on(record(&node, epoch, poll, &stop, &views, &ready))
            }));
        }
        let r = Recorder { stop, threads, views, ready };
        let start = Instant::now();
        while *r.ready.lock().expect("lock") < nodes.len() {
            if start.elapsed() > Duration::from_secs(10) || r.threads.iter().any(|t| t.is_finished()) {
                return Err(match r.finish() {
                    Err(e) => e,
                    Ok(_) => LabError::Measure("the event recorder did not start within 10 s".into()),
                });
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(r)
    }

    pub fn views(&self) -> Views {
        self.views.lock().expect("lock").clone()
    }

    /// Stops every recorder; all events, oldest first.
    pub fn finish(self) -> Result<Vec<Event>> {
        self.stop.store(true, Ordering::SeqCst);
        let mut all = Vec::new();
        for t in self.threads {
            all.extend(t.join().map_err(|_| LabError::Panicked("event recorder"))??);
        }
        all.sort_by_key(|e| e.at_us);
        Ok(all)
    }
}

/// The per-namespace picture: names by index (notifications name masters by index) and the
/// latest status by name.
#[derive(Default)]
struct Picture {
    names: HashMap<u32, String>,
    status: BTreeMap<String, LinkStatus>,
}

impl Picture {
    /// Takes in one link message; returns the changes it brings.
    fn update(&mut self, l: &LinkMessage) -> Vec<(&'static str, String, String, String)> {
        let Some(name) = ifname(l) else { return vec![] };
        self.names.insert(l.header.index, name.clone());
        let st = link_status(l, &name, &self.names);
        let changes = diff(self.status.get(&name), &st);
        self.status.insert(name.clone(), st);
        changes.into_iter().map(|(w, a, b)| (w, name.clone(), a, b)).collect()
    }

    fn remove(&mut self, l: &LinkMessage) -> Option<String> {
        let name = ifname(l)?;
        self.names.remove(&l.header.index);
        self.status.remove(&name).map(|_| name)
    }
}

async fn record(
    node: &str,
    epoch: Instant,
    poll: Duration,
    stop: &AtomicBool,
    views: &Mutex<Views>,
    ready: &Mutex<usize>,
) -> Result<Vec<Event>> {
    let mut mon = Monitor::open(&[Topic::Links]).map_err(LabError::kernel(format!("{node}: link notifications")))?;
    let nl = Netlink::connect().map_err(LabError::kernel(format!("{node}: netlink")))?;
    let mut pic = Picture::default();
    let now_us = || epoch.elapsed().as_micros() as u64;
    for l in nl.links().await.map_err(LabError::kernel(format!("{node}: links")))? {
        pic.update(&l);
    }
    let publish = |pic: &Picture| {
        views.lock().expect("lock").insert(node.to_string(), pic.status.values().cloned().collect());
    };
    publish(&pic);
    *ready.lock().expect("lock") += 1;
    let mut events = Vec::new();
    let mut push = |at_us: u64, polled: bool, (what, link, from, to): (&'static str, String, String, String)| {
        events.push(Event { at_us, node: node.to_string(), link, what: what.into(), from, to, polled });
    };
    let mut tick = tokio::time::interval(poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !stop.load(Ordering::SeqCst) {
        tokio::select! {
            batch = mon.next_batch() => {
                let at = now_us();
                for n in batch.map_err(LabError::kernel(format!("{node}: notifications")))? {
                    match n {
                        Notification::NewLink(l) => pic.update(&l).into_iter().for_each(|c| push(at, false, c)),
                        Notification::DelLink(l) => {
                            if let Some(name) = pic.remove(&l) {
                                push(at, false, ("link", name, "present".into(), "absent".into()));
                            }
                        }
                        // Lost notifications: the next poll's dump catches up.
                        _ => {}
                    }
                }
                publish(&pic);
            }
            _ = tick.tick() => {
                let links = nl.links().await.map_err(LabError::kernel(format!("{node}: links")))?;
                let at = now_us();
                for l in &links {
                    pic.update(l).into_iter().for_each(|c| push(at, true, c));
                }
                publish(&pic);
            }
        }
    }
    Ok(events)
}
