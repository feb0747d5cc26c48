//! The daemon's picture of the host: links, addresses and managed routes, kept current by
//! kernel notifications rather than dumps, so planning against it costs no round trip.
//!
//! Two things the notifications do not say are handled by dumping again: lost notifications
//! (ENOBUFS: everything is re-read), and IPv4 routes the kernel drops without a word when their
//! link goes down or goes away, or an address they depend on is deleted. After a link goes down
//! or away all routes are re-read; after an IPv4 address is deleted, the IPv4 routes out of its
//! link (the kernel flushes those when the link's last address goes), or all IPv4 routes when a
//! route elsewhere names the address as its source (those go too).
//! Rules are few and their notifications name no link: any rule notification re-reads them.
//! Sysctl writes send no link notification: the engine tells the source which links it wrote
//! (see [`Mirror::touched`]) and those are re-read. Someone else's write of forwarding,
//! rp_filter or proxy_arp sends a netconf notification, and every link is re-read; the other
//! IP sysctls change silently and are seen at the next re-read of their link.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use hostnet_core::model::{Route, Rule};
use hostnet_netlink::Netlink;
use hostnet_netlink::monitor::Notification;
use hostnet_netlink::read::{
    Observed, address_of, assemble, attach_address, ifname, link_base, link_names, name_next_hops, route_of, trim,
};
use ipnet::IpNet;
use rtnetlink::packet_route::address::AddressMessage;
use rtnetlink::packet_route::link::{LinkFlags, LinkMessage};

/// The kernel's identity of an address: link, address and prefix length.
type AddrKey = (u32, IpAddr, u8);
/// A managed route by output link, destination, table, metric and gateway.
type RouteKey = (u32, IpNet, u32, u32, Option<IpAddr>);

#[derive(Default)]
pub struct Mirror {
    links: BTreeMap<u32, LinkMessage>,
    addrs: BTreeMap<AddrKey, AddressMessage>,
    routes: BTreeMap<RouteKey, (u32, Route)>,
    rules: Vec<Rule>,
    stale_rules: bool,
    /// A sysctl changed on some link: re-read the links (their devconf) before the next use.
    stale_links: bool,
    /// Notifications were lost: re-read everything before the next use.
    stale: bool,
    /// Routes may have gone silently: re-read routes before the next use.
    stale_routes: bool,
    /// Only IPv4 routes may have gone (an IPv4 address named as a route's source elsewhere was
    /// deleted): re-read those.
    stale_routes_v4: bool,
    /// Links whose IPv4 routes may have gone (an IPv4 address of theirs was deleted), with the
    /// routes that may have: those the mirror held then, less those a notification has told of
    /// since (an apply that moves an address adds its routes back). What is left is re-read.
    stale_routes_v4_of: BTreeMap<u32, BTreeSet<RouteKey>>,
    /// Counts the times a link appeared, went or was renamed: what link names mean. The
    /// engine's name cache and the parsed links below each note the count they were made at.
    names_generation: u64,
    /// The count at which the engine last learned names and indexes.
    learned_generation: u64,
    /// Full re-reads forced by lost notifications, for status and metrics.
    pub resyncs: u64,
    /// The namespace's `conf/default` sysctls, read with the whole host.
    sysctl_defaults: hostnet_core::model::SysctlValues,
    /// Links that appeared since the last refresh: read again once, because a new link's first
    /// notification can be incomplete (a veth peer's names no peer: the pair is linked only
    /// after both are registered).
    fresh: Vec<u32>,
    /// The state last built from the messages, while none changed: planning twice against an
    /// unchanged host (a pass, then an apply) builds it once.
    cached: Option<hostnet_core::State>,
    /// Where each link sits in `cached.links`, by index.
    cached_at: rustc_hash::FxHashMap<u32, usize>,
    /// Links whose addresses or routes changed since `cached` was built or patched: only those
    /// are redone (an apply's own address and route changes touch one link of thousands).
    /// Index 0: the routes of no interface.
    patch: BTreeSet<u32>,
    /// Each link in the config schema without its addresses, routes and ports, kept until its
    /// message changes: an apply's own address and route changes rebuild no link.
    bases: rustc_hash::FxHashMap<u32, Option<hostnet_core::state::LiveLink>>,
    /// The link names the bases refer to (masters, lower links).
    names: rustc_hash::FxHashMap<u32, String>,
    /// The count at which `names` and `bases` were made: behind, both are redone.
    bases_generation: u64,
}

/// What one notification changed, for the reconciler and the history.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A link appeared or changed (`renamed_from`: its name until now, if that changed).
    Link {
        index: u32,
        name: String,
        renamed_from: Option<String>,
    },
    LinkGone {
        name: String,
    },
    Address {
        index: u32,
    },
    /// A route out of link `index` (0: a route of no interface) appeared or went.
    Route {
        index: u32,
    },
    Rule,
    Sysctl,
    Overrun,
}

fn route_key(oif: u32, r: &Route) -> RouteKey {
    (oif, r.dst_net(), r.table_id(), r.metric.unwrap_or(0), r.via)
}

impl Mirror {
    /// Reads the whole host. Subscribe to notifications first, so nothing falls in between.
    pub async fn load(nl: &Netlink) -> Result<Mirror, hostnet_netlink::Error> {
        let mut m = Mirror::default();
        m.reload_all(nl).await?;
        Ok(m)
    }

    async fn reload_all(&mut self, nl: &Netlink) -> Result<(), hostnet_netlink::Error> {
        let links = nl.links().await?;
        nl.learn_indexes(&links);
        self.links = links.into_iter().map(|l| (l.header.index, l)).collect();
        self.addrs = nl
            .addresses()
            .await?
            .into_iter()
            .filter_map(|a| Some(((a.header.index, address_of(&a)?.addr(), a.header.prefix_len), a)))
            .collect();
        self.reload_routes(nl).await?;
        self.rules = nl.rules().await?;
        self.sysctl_defaults = hostnet_netlink::sysctl::defaults();
        self.stale_rules = false;
        self.stale_links = false;
        self.stale = false;
        self.names_generation += 1;
        self.fresh.clear();
        self.cached = None;
        Ok(())
    }

    async fn reload_routes(&mut self, nl: &Netlink) -> Result<(), hostnet_netlink::Error> {
        self.routes = nl.routes().await?.into_iter().map(|(oif, r)| (route_key(oif, &r), (oif, r))).collect();
        self.stale_routes = false;
        self.stale_routes_v4 = false;
        self.stale_routes_v4_of.clear();
        self.cached = None;
        Ok(())
    }

    /// Re-reads the IPv4 routes out of one link in the tables of `keys`, the routes that may
    /// have gone without a notification.
    async fn reload_routes_v4_of(
        &mut self,
        nl: &Netlink,
        index: u32,
        keys: &BTreeSet<RouteKey>,
    ) -> Result<(), hostnet_netlink::Error> {
        let tables: BTreeSet<u32> = keys.iter().map(|k| k.2).collect();
        let tables: Vec<u32> = tables.into_iter().collect();
        let now = nl.routes_v4_of(index, &tables).await?.unwrap_or_default();
        self.routes.retain(|k, _| k.0 != index || k.1.addr().is_ipv6() || !tables.contains(&k.2));
        self.routes.extend(now.into_iter().map(|r| (route_key(index, &r), (index, r))));
        self.patch.insert(index);
        Ok(())
    }

    /// Re-reads the IPv4 routes only: half the dump when an IPv4 address went.
    async fn reload_routes_v4(&mut self, nl: &Netlink) -> Result<(), hostnet_netlink::Error> {
        let v4 = nl.routes_v4().await?;
        self.routes.retain(|k, _| k.1.addr().is_ipv6());
        self.routes.extend(v4.into_iter().map(|(oif, r)| (route_key(oif, &r), (oif, r))));
        self.stale_routes_v4 = false;
        self.stale_routes_v4_of.clear();
        self.cached = None;
        Ok(())
    }

    /// Re-reads what notifications could not keep current. Cheap when nothing is stale.
    pub async fn refresh(&mut self, nl: &Netlink) -> Result<(), hostnet_netlink::Error> {
        if self.stale {
            self.resyncs += 1;
            tracing::warn!("netlink notifications were lost; re-reading the host");
            self.reload_all(nl).await
        } else {
            for index in std::mem::take(&mut self.fresh) {
                self.cached = None;
                self.bases.remove(&index);
                match nl.link_by_index(index).await? {
                    Some(l) => {
                        self.links.insert(index, l);
                    }
                    None => {
                        self.links.remove(&index);
                        self.names_generation += 1;
                    }
                }
            }
            if self.stale_links {
                let links = nl.links().await?;
                self.links = links.into_iter().map(|l| (l.header.index, l)).collect();
                self.stale_links = false;
                self.names_generation += 1;
                self.cached = None;
            }
            if self.stale_rules {
                self.rules = nl.rules().await?;
                self.stale_rules = false;
                self.cached = None;
            }
            if self.stale_routes {
                self.reload_routes(nl).await
            } else if self.stale_routes_v4 {
                self.reload_routes_v4(nl).await
            } else {
                for (index, keys) in std::mem::take(&mut self.stale_routes_v4_of) {
                    if !keys.is_empty() {
                        self.reload_routes_v4_of(nl, index, &keys).await?;
                    }
                }
                Ok(())
            }
        }
    }

    pub fn is_stale(&self) -> bool {
        self.stale
            || self.stale_routes
            || self.stale_routes_v4
            || self.stale_rules
            || self.stale_links
            || self.stale_routes_v4_of.values().any(|keys| !keys.is_empty())
            || !self.fresh.is_empty()
    }

    /// Whether link names or indexes changed since the last call: the engine's name→index
    /// cache is re-learned only then (2000 links hashed per observation was measurable).
    pub fn take_names_changed(&mut self) -> bool {
        let changed = self.learned_generation != self.names_generation;
        self.learned_generation = self.names_generation;
        changed
    }

    /// A notification told of route `key`: whether it is there is known again.
    fn known_again(&mut self, key: &RouteKey) {
        if let Some(keys) = self.stale_routes_v4_of.get_mut(&key.0) {
            keys.remove(key);
        }
    }

    /// The engine changed `op`'s subject in a way no notification reports.
    pub fn touched(&mut self, op: &hostnet_core::Op) {
        if let hostnet_core::Op::SetSysctl { name, .. } = op
            && let Some((&index, _)) = self.links.iter().find(|(_, l)| ifname(l).as_deref() == Some(name))
            && !self.fresh.contains(&index)
        {
            self.fresh.push(index);
        }
    }

    pub fn links(&self) -> impl Iterator<Item = &LinkMessage> + Clone {
        self.links.values()
    }

    pub fn link(&self, index: u32) -> Option<&LinkMessage> {
        self.links.get(&index)
    }

    /// Whether link `index` has a usable address, and a usable global one (see
    /// [`hostnet_netlink::read::usable`]).
    pub fn address_facts(&self, index: u32) -> (bool, bool) {
        let from = (index, IpAddr::from([0u8; 4]), 0);
        let to = (index, IpAddr::from([0xffu8; 16]), u8::MAX);
        self.addrs.range(from..=to).fold((false, false), |(a, g), (_, m)| {
            let (ua, ug) = hostnet_netlink::read::usable(m);
            (a || ua, g || ug)
        })
    }

    /// Takes in one notification.
    pub fn apply(&mut self, n: Notification) -> Option<Change> {
        let change = self.take(n);
        match &change {
            Some(Change::Address { index } | Change::Route { index }) => {
                self.patch.insert(*index);
            }
            Some(_) => self.cached = None,
            None => {}
        }
        change
    }

    fn take(&mut self, n: Notification) -> Option<Change> {
        match n {
            Notification::NewLink(mut l) => {
                trim(&mut l);
                let index = l.header.index;
                let name = ifname(&l)?;
                let was_up = self.links.get(&index).is_some_and(|o| o.header.flags.contains(LinkFlags::Up));
                if was_up && !l.header.flags.contains(LinkFlags::Up) {
                    self.stale_routes = true;
                }
                let mut renamed_from = None;
                match self.links.get(&index) {
                    None => {
                        self.fresh.push(index);
                        self.names_generation += 1;
                    }
                    Some(old) if ifname(old).as_deref() != Some(name.as_str()) => {
                        self.names_generation += 1;
                        renamed_from = ifname(old);
                    }
                    Some(_) => {}
                }
                self.bases.remove(&index);
                self.links.insert(index, l);
                Some(Change::Link { index, name, renamed_from })
            }
            Notification::DelLink(l) => {
                let index = l.header.index;
                let old = self.links.remove(&index)?;
                self.names_generation += 1;
                self.addrs.retain(|k, _| k.0 != index);
                self.routes.retain(|k, _| k.0 != index);
                self.stale_routes = true;
                Some(Change::LinkGone { name: ifname(&old)? })
            }
            Notification::NewAddress(a) => {
                let key = (a.header.index, address_of(&a)?.addr(), a.header.prefix_len);
                let index = a.header.index;
                self.addrs.insert(key, a);
                Some(Change::Address { index })
            }
            Notification::DelAddress(a) => {
                let key = (a.header.index, address_of(&a)?.addr(), a.header.prefix_len);
                self.addrs.remove(&key);
                // The kernel drops the IPv4 routes that needed the address without a word, so
                // those are re-read; after an IPv6 address, all routes are (not checked which
                // go silently there).
                if key.1.is_ipv4() {
                    if self.routes.values().any(|(oif, r)| *oif != key.0 && r.src == Some(key.1)) {
                        self.stale_routes_v4 = true;
                    } else {
                        // Only routes the mirror holds can go: one added since was notified.
                        let held = self.routes.keys().filter(|k| k.0 == key.0 && k.1.addr().is_ipv4()).copied();
                        let held: Vec<RouteKey> = held.collect();
                        if !held.is_empty() {
                            self.stale_routes_v4_of.entry(key.0).or_default().extend(held);
                        }
                    }
                } else {
                    self.stale_routes = true;
                }
                Some(Change::Address { index: key.0 })
            }
            Notification::NewRoute(r) => {
                let (oif, route) = route_of(&r)?;
                let key = route_key(oif, &route);
                // Another route to the same destination, table and metric: this one may have
                // replaced it in place (`ip route replace`, a multipath route narrowed to one
                // path), of which the kernel says nothing more. The family is read again.
                if !self.routes.contains_key(&key)
                    && self.routes.keys().any(|k| (k.1, k.2, k.3) == (key.1, key.2, key.3))
                {
                    if key.1.addr().is_ipv4() {
                        self.stale_routes_v4 = true;
                    } else {
                        self.stale_routes = true;
                    }
                }
                self.known_again(&key);
                self.routes.insert(key, (oif, route));
                Some(Change::Route { index: oif })
            }
            Notification::DelRoute(r) => {
                let (oif, route) = route_of(&r)?;
                let key = route_key(oif, &route);
                self.known_again(&key);
                self.routes.remove(&key);
                Some(Change::Route { index: oif })
            }
            Notification::NewRule(_) | Notification::DelRule(_) => {
                self.stale_rules = true;
                Some(Change::Rule)
            }
            Notification::Netconf => {
                self.stale_links = true;
                Some(Change::Sysctl)
            }
            Notification::Overrun => {
                self.stale = true;
                Some(Change::Overrun)
            }
        }
    }

    /// The host in the config schema, as the one-shot commands would observe it.
    pub fn state(&mut self) -> &hostnet_core::State {
        if let Some(s) = &mut self.cached {
            for index in std::mem::take(&mut self.patch) {
                if index == 0 {
                    let (links, at) = (&s.links, &self.cached_at);
                    let name_of = |i: u32| at.get(&i).map(|&at| links[at].iface.name.clone());
                    let routes = self.routes.values().filter(|(oif, _)| *oif == 0).map(|(_, r)| {
                        let mut r = r.clone();
                        name_next_hops(&mut r, name_of);
                        r
                    });
                    s.routes = routes.collect();
                    continue;
                }
                let Some(&at) = self.cached_at.get(&index) else { continue };
                let l = &mut s.links[at];
                l.iface.addresses.clear();
                l.dynamic.clear();
                l.link_local.clear();
                l.no_broadcast.clear();
                l.iface.routes.clear();
                // The maps are keyed by link index first, so one link's entries are one range,
                // in the order a whole build puts them.
                let first_addr = (index, IpAddr::from([0u8; 4]), 0);
                for (_, a) in self.addrs.range(first_addr..).take_while(|(k, _)| k.0 == index) {
                    attach_address(l, a);
                }
                // 0.0.0.0/0: the least of all destinations (0.0.0.0/32 sorts after a default route).
                let least = IpNet::new(IpAddr::from([0u8; 4]), 0).expect("a valid prefix");
                let first_route = (index, least, 0, 0, None);
                for (_, (_, r)) in self.routes.range(first_route..).take_while(|(k, _)| k.0 == index) {
                    l.iface.routes.push(r.clone());
                }
            }
        }
        if self.cached.is_none() {
            if self.bases_generation != self.names_generation {
                self.names = link_names(self.links.values());
                self.bases.clear();
                self.bases_generation = self.names_generation;
            }
            let (names, bases) = (&self.names, &mut self.bases);
            let live = self
                .links
                .iter()
                .filter_map(|(&index, l)| bases.entry(index).or_insert_with(|| link_base(l, names)).clone())
                .collect();
            let mut s = assemble(live, self.addrs.values(), self.routes.values());
            s.rules = self.rules.clone();
            s.sysctl_defaults = self.sysctl_defaults;
            self.cached_at = s.links.iter().enumerate().map(|(at, l)| (l.index, at)).collect();
            self.patch.clear();
            self.cached = Some(s);
        }
        self.cached.as_ref().expect("just built")
    }

    /// The host in the config schema plus status, as the one-shot commands would observe it.
    pub fn observed(&self) -> Observed {
        let mut o = Observed::build(self.links.values(), self.addrs.values(), self.routes.values());
        o.state.rules = self.rules.clone();
        o
    }

    /// Link names by index, for naming what an address or route notification touched.
    pub fn name_of(&self, index: u32) -> Option<String> {
        self.links.get(&index).and_then(ifname)
    }
}
