//! Observing the host: links, addresses and routes, turned into the core's `State` (the config
//! schema) plus runtime status.

mod addresses;
mod side;

use rustc_hash::FxHashMap as HashMap;

use hostnet_core::model::{BondMode, Bridge, Ethernet, Interface, Kind, MacAddr, Route, RouteDst, Veth};
use hostnet_core::state::{LiveLink, State};
use rtnetlink::packet_route::address::AddressMessage;
use rtnetlink::packet_route::link::{
    BondAdInfo, InfoBond, InfoBondPort, InfoData, InfoKind, InfoPortData, LinkAttribute, LinkExtentMask, LinkFlags,
    LinkInfo, LinkLayerType, LinkMessage,
};
use rtnetlink::packet_route::route::{RouteAttribute, RouteMessage, RouteMetric, RouteProtocol, RouteScope, RouteType};
use rtnetlink::packet_route::{AddressFamily, RouteNetlinkMessage};

use crate::attr_set::Kinds;
use crate::conn::Netlink;
use crate::dump::DumpSocket;
use crate::error::Error;
pub use crate::route_attrs::name_next_hops;
use crate::status::{AggregatorStatus, BondPortStatus, BondStatus, LacpPortState, LinkStatus};
use addresses::addresses_on;
pub use addresses::{address_of, attach_address, flags_of, is_dynamic, usable};
use rtnetlink::packet_core::ParseableParametrized;
use side::SideDumps;

/// The host as observed: config-schema state for planning, runtime status for people.
#[derive(Debug, Clone)]
pub struct Observed {
    pub state: State,
    pub status: Vec<LinkStatus>,
}

/// Routes hostnet treats as configuration: those added by an admin or a tool (`ip route add`
/// marks them `boot`, networkd and others `static`), not the kernel's own connected routes.
/// lo's index in every namespace (the kernel's LOOPBACK_IFINDEX).
pub const LOOPBACK_INDEX: u32 = 1;

/// The route protocols hostnet manages: `ip route add`'s default and its own.
const MANAGED_PROTOCOLS: [RouteProtocol; 2] = [RouteProtocol::Boot, RouteProtocol::Static];

fn is_managed_protocol(p: RouteProtocol) -> bool {
    MANAGED_PROTOCOLS.contains(&p)
}

/// The IFLA_* attributes observation, status and the lab read: address, name, MTU, link,
/// master, operstate, linkinfo, af_spec, carrier, link netnsid, permanent address, parent
/// device. The link dump parses only these; [`trim`] drops the rest from other messages.
const KEPT_LINK_ATTRS: Kinds = Kinds::of(&[1, 3, 4, 5, 10, 16, 18, 26, 33, 37, 54, 56]);

/// Whether hostnet reads `a`: one of [`KEPT_LINK_ATTRS`], and of the per-family settings only
/// the unspecified family's (what an AF_UNSPEC message carries).
fn read_by_hostnet(a: &LinkAttribute) -> bool {
    use rtnetlink::packet_core::Nla;
    KEPT_LINK_ATTRS.contains(a.kind()) && !matches!(a, LinkAttribute::AfSpecBridge(_) | LinkAttribute::AfSpecUnknown(_))
}

/// Drops the attributes hostnet never reads (counters, per-family settings...): kept, they cost
/// 20 KB a link.
pub fn trim(l: &mut LinkMessage) {
    l.attributes.retain(read_by_hostnet);
    l.attributes.iter_mut().for_each(|a| {
        crate::sysctl::trim_af_spec(a);
        crate::bridge_port::trim_port_data(a);
    });
    l.attributes.shrink_to_fit();
}

/// The links as read, the state built from them (if they were), and the other dumps.
type Gathered = (Result<Vec<LinkMessage>, Error>, Option<LinkPart>, Result<SideDumps, Error>);

/// IPv6 routes without an explicit metric get 1024 from the kernel; IPv4 ones get 0.
const IPV6_DEFAULT_METRIC: u32 = 1024;

impl Netlink {
    /// Every link, with only the attributes hostnet reads. The rest (counters, per-family
    /// settings, ...) is dropped as each datagram is parsed: kept, it cost 20 KB a link.
    pub async fn links(&self) -> Result<Vec<LinkMessage>, Error> {
        links_on(&self.dumps)
    }

    /// One link by index, trimmed as [`Netlink::links`] trims; `None` if it is gone.
    pub async fn link_by_index(&self, index: u32) -> Result<Option<LinkMessage>, Error> {
        use futures::TryStreamExt;
        let mut req = self.handle.link().get().match_index(index).execute();
        match req.try_next().await {
            Ok(Some(mut l)) => {
                trim(&mut l);
                Ok(Some(l))
            }
            Ok(None) => Ok(None),
            Err(rtnetlink::Error::NetlinkError(e)) if e.raw_code() == -libc::ENODEV => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every address, as the kernel reports them.
    pub async fn addresses(&self) -> Result<Vec<AddressMessage>, Error> {
        addresses_on(&self.dumps)
    }

    /// Reads everything hostnet manages, in one dump per object type.
    pub async fn observe(&self) -> Result<Observed, Error> {
        let t = std::time::Instant::now();
        // Asked once per observation: on Linux the answer reads the process's cgroup files.
        let several_cpus = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
        let (links, part, side) = if several_cpus {
            self.observe_piped()
        } else {
            let links = links_on(&self.dumps)?;
            self.learn_indexes(&links);
            let part = LinkPart::build(&links, true);
            (Ok(links), Some(part), side::gather(side::Queue::default().drain(&self.side_dumps)))
        };
        let links = links?;
        let part = part.expect("built from the links");
        let (addrs, routes, rules) = side?;
        tracing::debug!(
            "dumped {} links, {} addresses, {} routes in {:?}",
            links.len(),
            addrs.len(),
            routes.len(),
            t.elapsed()
        );
        let mut o = part.finish(&addrs, &routes);
        if several_cpus {
            free_aside((links, addrs, routes));
        }
        o.state.rules = rules;
        o.state.sysctl_defaults = crate::sysctl::defaults();
        // VLAN lists mean something only on a VLAN-filtering bridge; without one, the AF_BRIDGE
        // dump (every link again) is skipped: it was a sixth of `show`'s time at 2000 links.
        if o.state.links.iter().any(|l| matches!(&l.iface.kind, Kind::Bridge(b) if b.vlan_filtering == Some(true))) {
            self.read_bridge_vlans(&mut o.state).await?;
        }
        Ok(o)
    }

    /// The links, dumped by one thread while this one parses them and turns them into state.
    /// Then both threads take the other dumps (see [`side`]), each on its own socket. Two
    /// dumps at once while the links were parsed (three threads on two CPUs) slowed the link
    /// dump by about the length of the other; parsing the links after reading them all cost
    /// the time the kernel took to fill them.
    fn observe_piped(&self) -> Gathered {
        let queue = side::Queue::default();
        std::thread::scope(|s| {
            let (links, reader) =
                self.dumps.collect_raw_piped(s, links_request(), link_picker(), || queue.drain(&self.side_dumps));
            let part = links.as_ref().ok().map(|links| {
                self.learn_indexes(links);
                LinkPart::build(links, true)
            });
            // The reader lets go of this socket once it has read the link dump's last datagram,
            // or once it stops early because the parse failed; the observation then fails with
            // the parse error, whatever the dumps here give.
            let mine = queue.drain(&self.dumps);
            let (read, theirs) = reader.join().expect("the dump thread does not panic");
            (read.and(links), part, side::gather(theirs.into_iter().chain(mine)))
        })
    }

    /// Puts each bridge's and bridge port's VLANs into the state (one AF_BRIDGE dump, taken
    /// only where a VLAN-filtering bridge exists).
    async fn read_bridge_vlans(&self, state: &mut hostnet_core::State) -> Result<(), Error> {
        use rtnetlink::packet_route::AddressFamily;
        let mut req = LinkMessage::default();
        req.header.interface_family = AddressFamily::Bridge;
        req.attributes.push(LinkAttribute::ExtMask(vec![LinkExtentMask::BrvlanCompressed]));
        let msgs = self.dumps.collect(RouteNetlinkMessage::GetLink(req), |m| match m {
            RouteNetlinkMessage::NewLink(l) => Some(l),
            _ => None,
        })?;
        let sets = crate::bridge_port::vlans_of(&msgs);
        for l in &mut state.links {
            let Some(set) = sets.get(&l.index) else { continue };
            let list = Some(hostnet_core::model::vlans::compress(set));
            match &mut l.iface.kind {
                Kind::Bridge(b) => b.vlans = list,
                _ if l.iface.bridge_port.is_some() => {
                    l.iface.bridge_port.get_or_insert_with(Default::default).vlans = list
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Remembers every link's index, and picks indexes for new links above them all.
    pub fn learn_indexes<'a>(&self, links: impl IntoIterator<Item = &'a LinkMessage>) {
        let mut cache = self.index.lock().expect("index cache");
        cache.clear();
        let mut max = 0;
        for l in links {
            if let Some(n) = ifname(l) {
                cache.insert(n, l.header.index);
                max = max.max(l.header.index);
            }
        }
        let mut next = self.next_index.lock().expect("next index");
        *next = (*next).max(max + 1);
    }

    /// Every route hostnet manages (see [`route_of`]), with the index of its output device.
    pub async fn routes(&self) -> Result<Vec<(u32, Route)>, Error> {
        routes_on(&self.dumps)
    }

    /// Every IPv4 route of every table: what the kernel may drop without a notification.
    pub async fn routes_v4(&self) -> Result<Vec<(u32, Route)>, Error> {
        routes_of_families(&self.dumps, &[IpFamily::V4])
    }

    /// The IPv4 routes hostnet manages that go out of link `index`, in the given tables: one
    /// dump per table, which the kernel filters by table and link. The kernel walks only the
    /// tables asked for (the local table alone holds two routes per address), and the filter
    /// by link leaves a handful of routes to encode, so the protocol is left to [`route_of`]
    /// rather than costing a walk per protocol. `None`: the link is gone.
    pub async fn routes_v4_of(&self, index: u32, tables: &[u32]) -> Result<Option<Vec<Route>>, Error> {
        let mut out = Vec::new();
        for &table in tables {
            let req = route_dump_request(IpFamily::V4, RouteProtocol::Unspec, Some(index), Some(table));
            let picked = self.dumps.collect_filtered(req, |m| match m {
                RouteNetlinkMessage::NewRoute(r) => route_of(&r),
                _ => None,
            });
            match picked {
                // A kernel without strict checking answered with every route.
                Ok((routes, _)) => out.extend(
                    routes.into_iter().filter(|(oif, r)| *oif == index && r.table_id() == table).map(|(_, r)| r),
                ),
                Err(Error::Netlink(e)) if e.errno == libc::ENODEV => return Ok(None),
                // The table is gone with its last route.
                Err(Error::Netlink(e)) if e.errno == libc::ENOENT => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Some(out))
    }
}

/// The message type of a link in a dump (linux/rtnetlink.h).
const RTM_NEWLINK: u16 = 16;
/// The link attribute holding per-family settings (linux/if_link.h).
const IFLA_AF_SPEC: u16 = 26;
/// The size of struct ifinfomsg, which the attributes follow.
const LINK_HEADER_LEN: usize = 16;

/// How many messages make freeing them worth a thread: 8041 links' took 4-6 ms, and a thread
/// costs tens of microseconds.
const FREE_ASIDE_FROM: usize = 1000;

/// Frees the dump's messages, once the state is built from them, on a thread of their own when
/// they are many (for a process that may use another CPU): the caller has the state to use,
/// and waiting for thousands of nested vectors to be freed only delays it. A process that exits
/// meanwhile frees them all at once.
fn free_aside(dumped: (Vec<LinkMessage>, Vec<AddressMessage>, Vec<(u32, Route)>)) {
    if dumped.0.len() + dumped.1.len() >= FREE_ASIDE_FROM {
        // Should no thread be had, the messages go with the failed spawn's closure, here.
        let _ = std::thread::Builder::new().name("free".into()).spawn(move || drop(dumped));
    }
}

fn links_on(dumps: &DumpSocket) -> Result<Vec<LinkMessage>, Error> {
    dumps.collect_raw(links_request(), link_picker())
}

/// Every link, with only the attributes hostnet reads. The kernel is asked to leave out the
/// link's statistics.
fn links_request() -> RouteNetlinkMessage {
    let mut req = LinkMessage::default();
    req.attributes.push(LinkAttribute::ExtMask(vec![LinkExtentMask::SkipStats]));
    RouteNetlinkMessage::GetLink(req)
}

fn link_picker() -> impl FnMut(rtnetlink::packet_core::NetlinkBuffer<&[u8]>) -> Result<Option<LinkMessage>, Error> {
    let mut scratch = Vec::with_capacity(KEPT_LINK_ATTRS.len());
    move |m| {
        if m.message_type() != RTM_NEWLINK {
            return Ok(None);
        }
        parse_link_into(m.payload(), &mut scratch)
            .map(Some)
            .map_err(|e| Error::Other(format!("netlink link dump: {e}")))
    }
}

/// A link message's payload (struct ifinfomsg and its attributes) parsed as the link dump
/// parses it: only what hostnet reads, so it equals the whole message parsed and then
/// [`trim`]med.
pub fn parse_link(payload: &[u8]) -> Result<LinkMessage, rtnetlink::packet_core::DecodeError> {
    parse_link_into(payload, &mut Vec::new())
}

fn parse_link_into(
    payload: &[u8],
    scratch: &mut Vec<LinkAttribute>,
) -> Result<LinkMessage, rtnetlink::packet_core::DecodeError> {
    // Only the kept attributes are parsed (each by the crate's own parser): parsing all of them
    // to drop most was a quarter of `show`'s time at 2000 links.
    let mut l = LinkMessage::default();
    l.header = rtnetlink::packet_route::link::LinkHeader::parse(payload)?;
    scratch.clear();
    for nla in rtnetlink::packet_core::NlasIterator::new(payload.get(LINK_HEADER_LEN..).unwrap_or_default()) {
        let nla = nla?;
        if nla.kind() == IFLA_AF_SPEC {
            scratch.push(crate::sysctl::parse_af_spec(&nla)?);
        } else if nla.kind() == crate::bridge_port::IFLA_LINKINFO {
            scratch.push(crate::bridge_port::parse_link_info(&nla, l.header.interface_family)?);
        } else if KEPT_LINK_ATTRS.contains(nla.kind()) {
            scratch.push(LinkAttribute::parse_with_param(&nla, l.header.interface_family)?);
        }
    }
    // Each attribute is as large as the largest variant (about 200 bytes): the list is built in
    // one scratch vector and copied out at its exact length.
    l.attributes = Vec::with_capacity(scratch.len());
    l.attributes.append(scratch);
    Ok(l)
}

/// Every route of every table, both families.
fn routes_on(dumps: &DumpSocket) -> Result<Vec<(u32, Route)>, Error> {
    routes_of_families(dumps, &[IpFamily::V4, IpFamily::V6])
}

fn routes_of_families(dumps: &DumpSocket, families: &[IpFamily]) -> Result<Vec<(u32, Route)>, Error> {
    let mut out = Vec::new();
    for family in families {
        out.extend(managed_routes(dumps, *family, None)?);
    }
    Ok(out)
}

/// The routes of one family hostnet manages (see [`route_of`]), of every table, out of `oif`
/// if given. One dump per managed protocol, filtered by the kernel: the kernel's own routes (a
/// prefix, link-local, multicast and local route per link and address: 10,000 at 2000 links)
/// are neither encoded nor parsed only to be dropped. A kernel that does not filter answers the
/// first dump with every route, of which `route_of` keeps ours, and the caller filters `oif`.
fn managed_routes(dumps: &DumpSocket, family: IpFamily, oif: Option<u32>) -> Result<Vec<(u32, Route)>, Error> {
    let mut out = Vec::new();
    for protocol in MANAGED_PROTOCOLS {
        let (routes, filtered) =
            dumps.collect_filtered(route_dump_request(family, protocol, oif, None), |m| match m {
                RouteNetlinkMessage::NewRoute(r) => route_of(&r),
                _ => None,
            })?;
        out.extend(routes);
        if !filtered {
            tracing::debug!("the kernel answered the route dump unfiltered (no strict checking): filtering here");
            break;
        }
    }
    Ok(out)
}

/// A route dump request that strict checking filters by protocol (unless unspecified) and, if
/// given, output link and table. Every other header field it reads as a filter is zero: all
/// types and scopes, and all tables unless one is given.
fn route_dump_request(
    family: IpFamily,
    protocol: RouteProtocol,
    oif: Option<u32>,
    table: Option<u32>,
) -> RouteNetlinkMessage {
    use rtnetlink::packet_route::route::RouteHeader;
    let mut msg = RouteMessage::default();
    msg.header = RouteHeader {
        address_family: match family {
            IpFamily::V4 => AddressFamily::Inet,
            IpFamily::V6 => AddressFamily::Inet6,
        },
        table: 0,
        protocol,
        kind: RouteType::Unspec,
        scope: RouteScope::Universe,
        ..RouteHeader::default()
    };
    msg.attributes.extend(oif.map(RouteAttribute::Oif));
    // RTA_TABLE rather than the header's one-byte field: table ids go up to 2^32 - 1.
    msg.attributes.extend(table.map(RouteAttribute::Table));
    RouteNetlinkMessage::GetRoute(msg)
}

impl Observed {
    /// The host in the config schema plus status, from the kernel's messages.
    pub fn build<'a>(
        links: impl IntoIterator<Item = &'a LinkMessage> + Clone,
        addrs: impl IntoIterator<Item = &'a AddressMessage>,
        routes: impl IntoIterator<Item = &'a (u32, Route)>,
    ) -> Observed {
        Self::build_inner(links, addrs, routes, true)
    }

    /// Only the config-schema state, for planning: the status (bond and LACP detail) is half the
    /// work of a build and planning never reads it.
    pub fn build_state<'a>(
        links: impl IntoIterator<Item = &'a LinkMessage> + Clone,
        addrs: impl IntoIterator<Item = &'a AddressMessage>,
        routes: impl IntoIterator<Item = &'a (u32, Route)>,
    ) -> State {
        Self::build_inner(links, addrs, routes, false).state
    }

    fn build_inner<'a>(
        links: impl IntoIterator<Item = &'a LinkMessage> + Clone,
        addrs: impl IntoIterator<Item = &'a AddressMessage>,
        routes: impl IntoIterator<Item = &'a (u32, Route)>,
        with_status: bool,
    ) -> Observed {
        LinkPart::build(links, with_status).finish(addrs, routes)
    }
}

/// What the link messages alone tell: each link's base (see [`link_base`]) and status, before
/// addresses and routes are put on them.
struct LinkPart {
    live: Vec<LiveLink>,
    status: Vec<LinkStatus>,
}

impl LinkPart {
    fn build<'a>(links: impl IntoIterator<Item = &'a LinkMessage> + Clone, with_status: bool) -> LinkPart {
        let names = link_names(links.clone());
        let mut live = Vec::with_capacity(names.len());
        let mut status = Vec::new();
        let mut ports_of: HashMap<u32, Vec<(u32, String)>> = HashMap::default();
        for l in links {
            if with_status && let Some(name) = ifname(l) {
                if let Some(m) = controller(l) {
                    ports_of.entry(m).or_default().push((l.header.index, name.clone()));
                }
                status.push(link_status(l, &name, &names));
            }
            live.extend(link_base(l, &names));
        }
        // A bond's ports are known from each port's master; the config schema lists them on the bond.
        for st in &mut status {
            if let Some(b) = &mut st.bond {
                let mut ports = ports_of.get(&st.index).cloned().unwrap_or_default();
                ports.sort();
                b.ports = ports.into_iter().map(|(_, n)| n).collect();
            }
        }
        LinkPart { live, status }
    }

    fn finish<'a>(
        self,
        addrs: impl IntoIterator<Item = &'a AddressMessage>,
        routes: impl IntoIterator<Item = &'a (u32, Route)>,
    ) -> Observed {
        Observed { state: assemble(self.live, addrs, routes), status: self.status }
    }
}

/// Every link's name by index: what other links' attributes (master, lower link) refer to.
pub fn link_names<'a>(links: impl IntoIterator<Item = &'a LinkMessage> + Clone) -> HashMap<u32, String> {
    // Sized up front: growing it by rehashing was a tenth of a daemon apply at 2000 links.
    let mut names: HashMap<u32, String> =
        HashMap::with_capacity_and_hasher(links.clone().into_iter().count(), Default::default());
    names.extend(links.into_iter().filter_map(|l| Some((l.header.index, ifname(l)?))));
    names
}

/// One link in the config schema without what other messages tell (its addresses, routes and
/// ports); `None` for a link hostnet does not model. It depends only on the link's own message
/// and the names of the links it refers to, so the daemon keeps it until either changes.
pub fn link_base(l: &LinkMessage, names: &HashMap<u32, String>) -> Option<LiveLink> {
    let name = ifname(l)?;
    let kind = link_kind(l, names)?;
    Some(live_link(l, name, kind, names))
}

/// The state from its links' bases (see [`link_base`]), addresses and routes.
pub fn assemble<'a>(
    mut live: Vec<LiveLink>,
    addrs: impl IntoIterator<Item = &'a AddressMessage>,
    routes: impl IntoIterator<Item = &'a (u32, Route)>,
) -> State {
    let by_index: HashMap<u32, usize> = live.iter().enumerate().map(|(i, l)| (l.index, i)).collect();
    for a in addrs {
        if let Some(&i) = by_index.get(&a.header.index) {
            attach_address(&mut live[i], a);
        }
    }
    let mut typed = Vec::new();
    for (oif, r) in routes {
        if *oif == 0 {
            let mut r = r.clone();
            name_next_hops(&mut r, |index| by_index.get(&index).map(|&i| live[i].iface.name.clone()));
            typed.push(r);
        } else if let Some(&i) = by_index.get(oif) {
            live[i].iface.routes.push(r.clone());
        }
    }
    let masters: Vec<(usize, usize)> = {
        let index_of: HashMap<&str, usize> = live.iter().enumerate().map(|(i, l)| (l.iface.name.as_str(), i)).collect();
        live.iter().enumerate().filter_map(|(i, l)| Some((i, *index_of.get(l.master.as_deref()?)?))).collect()
    };
    for (port, m) in masters {
        let pname = live[port].iface.name.clone();
        match &mut live[m].iface.kind {
            Kind::Bond(b) => b.ports.push(pname),
            Kind::Bridge(b) => b.ports.push(pname),
            Kind::Vrf(v) => {
                v.ports.push(pname);
                live[port].iface.vrf = live[port].master.clone();
            }
            _ => {}
        }
    }
    State { links: live, dns: None, rules: Vec::new(), routes: typed, observed: true, ..State::default() }
}

/// A route hostnet manages (unicast, added by an admin or a tool), with its output device's
/// index; `None` for the kernel's own routes and for what the config cannot express.
pub fn route_of(r: &RouteMessage) -> Option<(u32, Route)> {
    let kind = match r.header.kind {
        RouteType::Unicast => hostnet_core::model::RouteType::Unicast,
        RouteType::Local => hostnet_core::model::RouteType::Local,
        RouteType::BlackHole => hostnet_core::model::RouteType::Blackhole,
        RouteType::Unreachable => hostnet_core::model::RouteType::Unreachable,
        RouteType::Prohibit => hostnet_core::model::RouteType::Prohibit,
        _ => return None,
    };
    if !is_managed_protocol(r.header.protocol) {
        return None;
    }
    let mut oif = None;
    let mut dst = None;
    let mut via = None;
    let mut metric = None;
    let mut table = u32::from(r.header.table);
    let mut src = None;
    let mut metrics: &[RouteMetric] = &[];
    let mut nexthops = Vec::new();
    for a in &r.attributes {
        match a {
            RouteAttribute::Oif(i) => oif = Some(*i),
            RouteAttribute::MultiPath(hops) => {
                for h in hops {
                    nexthops.push(crate::route_attrs::next_hop(h)?);
                }
            }
            RouteAttribute::Destination(d) => dst = crate::route_attrs::ip(d),
            RouteAttribute::Gateway(g) => via = crate::route_attrs::ip(g),
            RouteAttribute::Priority(p) => metric = Some(*p),
            RouteAttribute::Table(t) => table = *t,
            RouteAttribute::PrefSource(s) => src = crate::route_attrs::ip(s),
            RouteAttribute::Metrics(ms) => metrics = ms.as_slice(),
            _ => {}
        }
    }
    // Routes that drop packets go out of no interface (IPv6 reports them on lo): index 0. So
    // do top-level local routes, which hostnet puts on lo.
    let oif = match oif {
        _ if kind.drops() || !nexthops.is_empty() => 0,
        Some(LOOPBACK_INDEX) if kind == hostnet_core::model::RouteType::Local => 0,
        o => o?,
    };
    let len = r.header.destination_prefix_length;
    let dst = match dst {
        None if len == 0 => RouteDst::Default,
        Some(ip) if len == 0 && ip.is_unspecified() => RouteDst::Default,
        Some(ip) => RouteDst::Net(ipnet::IpNet::new(ip, len).ok()?),
        None => return None,
    };
    let v6 = r.header.address_family == AddressFamily::Inet6;
    let default_metric = if v6 { IPV6_DEFAULT_METRIC } else { 0 };
    let mut route = Route {
        kind,
        via,
        metric: metric.filter(|m| *m != default_metric),
        src,
        onlink: r.header.flags.contains(rtnetlink::packet_route::route::RouteFlags::Onlink),
        protocol: (r.header.protocol == RouteProtocol::Static).then_some(hostnet_core::model::RouteProtocol::Static),
        nexthops,
        ..Route::to(dst)
    };
    crate::route_attrs::take_metrics(&mut route, metrics);
    route.table = Some(table).filter(|t| *t != route.default_table());
    // Named only when it is not what `ip route` (and hostnet) would have picked.
    let scope = match r.header.scope {
        RouteScope::Universe => hostnet_core::model::RouteScope::Global,
        RouteScope::Link => hostnet_core::model::RouteScope::Link,
        RouteScope::Host => hostnet_core::model::RouteScope::Host,
        _ => return None,
    };
    if !v6 && scope != route.effective_scope() {
        route.scope = Some(scope);
    }
    Some((oif, route))
}

#[derive(Clone, Copy)]
enum IpFamily {
    V4,
    V6,
}

pub fn ifname(l: &LinkMessage) -> Option<String> {
    l.attributes.iter().find_map(|a| if let LinkAttribute::IfName(n) = a { Some(n.clone()) } else { None })
}

fn controller(l: &LinkMessage) -> Option<u32> {
    l.attributes.iter().find_map(|a| if let LinkAttribute::Controller(i) = a { Some(*i) } else { None })
}

fn link_info(l: &LinkMessage) -> &[LinkInfo] {
    l.attributes
        .iter()
        .find_map(|a| if let LinkAttribute::LinkInfo(i) = a { Some(i.as_slice()) } else { None })
        .unwrap_or_default()
}

/// The `ip link` kind of a link (`veth`, `bond`, ...), `None` for a plain NIC.
pub(crate) fn kind_name(l: &LinkMessage) -> Option<&'static str> {
    Some(match info_kind(l)? {
        InfoKind::Veth => "veth",
        InfoKind::Bond => "bond",
        InfoKind::Bridge => "bridge",
        InfoKind::Vlan => "vlan",
        InfoKind::Dummy => "dummy",
        InfoKind::MacVlan => "macvlan",
        InfoKind::IpVlan => "ipvlan",
        InfoKind::Vxlan => "vxlan",
        InfoKind::Vrf => "vrf",
        InfoKind::Wireguard => "wireguard",
        _ => "virtual link",
    })
}

fn info_kind(l: &LinkMessage) -> Option<&InfoKind> {
    link_info(l).iter().find_map(|i| if let LinkInfo::Kind(k) = i { Some(k) } else { None })
}

fn info_data(l: &LinkMessage) -> Option<&InfoData> {
    link_info(l).iter().find_map(|i| if let LinkInfo::Data(d) = i { Some(d) } else { None })
}

fn mac_of(bytes: &[u8]) -> Option<MacAddr> {
    <[u8; 6]>::try_from(bytes).ok().map(MacAddr)
}

fn attr_mac(l: &LinkMessage, perm: bool) -> Option<MacAddr> {
    l.attributes.iter().find_map(|a| match a {
        LinkAttribute::Address(b) if !perm => mac_of(b),
        LinkAttribute::PermAddress(b) if perm => mac_of(b),
        _ => None,
    })
}

/// The config-schema kind of a link, or `None` for links hostnet does not model (loopback,
/// tunnels...), which `show` still lists in its status.
fn link_kind(l: &LinkMessage, names: &HashMap<u32, String>) -> Option<Kind> {
    if l.header.flags.contains(LinkFlags::Loopback) {
        return info_kind(l).is_none().then(|| Kind::Loopback(Default::default()));
    }
    let lower =
        || l.attributes.iter().find_map(|a| if let LinkAttribute::Link(i) = a { names.get(i).cloned() } else { None });
    match info_kind(l) {
        None if l.header.link_layer_type == LinkLayerType::Ether => Some(Kind::Ethernet(Ethernet::default())),
        Some(InfoKind::Bond) => Some(Kind::Bond(match info_data(l) {
            Some(InfoData::Bond(a)) => crate::kinds::bond::decode(a, names),
            _ => crate::kinds::bond::decode(&[], names),
        })),
        Some(InfoKind::Bridge) => Some(Kind::Bridge(match info_data(l) {
            Some(InfoData::Bridge(a)) => crate::kinds::bridge::decode(a),
            _ => Bridge::default(),
        })),
        // A veth whose peer lives in another namespace is, from here, the end of a cable: a NIC.
        Some(InfoKind::Veth) if l.attributes.iter().any(|a| matches!(a, LinkAttribute::LinkNetNsId(_))) => {
            Some(Kind::Ethernet(Ethernet::default()))
        }
        Some(InfoKind::Veth) => Some(Kind::Veth(Veth { peer: lower()? })),
        Some(InfoKind::Vlan) => {
            let attrs = match info_data(l) {
                Some(InfoData::Vlan(a)) => a.as_slice(),
                _ => &[],
            };
            Some(Kind::Vlan(crate::kinds::vlan::decode(attrs, lower()?)))
        }
        Some(k) => crate::kinds::virt::kind_of(&l.attributes, k, &|i| names.get(&i).cloned()),
        None => None,
    }
}

/// The MTU the kernel gives lo (loopback_setup: 64 KiB).
const LOOPBACK_MTU: u32 = 65536;

fn live_link(l: &LinkMessage, name: String, kind: Kind, names: &HashMap<u32, String>) -> LiveLink {
    let mtu = l.attributes.iter().find_map(|a| if let LinkAttribute::Mtu(m) = a { Some(*m) } else { None });
    let lo = matches!(kind, Kind::Loopback(_));
    let mut iface = Interface::new(name, kind);
    // lo's all-zero MAC is not a setting, and its 64 KiB MTU is what every namespace starts with.
    iface.mtu = mtu.filter(|m| !lo || *m != LOOPBACK_MTU);
    iface.mac = attr_mac(l, false).filter(|_| !lo);
    iface.bridge_port = crate::bridge_port::read(link_info(l));
    // Bonding rewrites a port's MAC; its burnt-in one is in the port data (and IFLA_PERM_ADDRESS).
    let perm = attr_mac(l, true).or_else(|| {
        bond_port_attrs(l).iter().find_map(|a| match a {
            InfoBondPort::PermHwaddr(b) => mac_of(b),
            _ => None,
        })
    });
    let pci_path = l.attributes.iter().find_map(|a| match a {
        LinkAttribute::ParentDevName(p) => Some(p.clone()),
        _ => None,
    });
    LiveLink {
        iface,
        index: l.header.index,
        up: l.header.flags.contains(LinkFlags::Up),
        master: controller(l).and_then(|i| names.get(&i).cloned()),
        perm_mac: perm,
        pci_path,
        sysctls: crate::sysctl::sysctls_of(l),
        link_local: Vec::new(),
        dynamic: Vec::new(),
        no_broadcast: Vec::new(),
    }
}

fn bond_port_attrs(l: &LinkMessage) -> &[InfoBondPort] {
    link_info(l)
        .iter()
        .find_map(|i| if let LinkInfo::PortData(InfoPortData::BondPort(p)) = i { Some(p.as_slice()) } else { None })
        .unwrap_or_default()
}

/// A link's runtime status from one message (a dump entry or a notification); `names` resolves
/// the indexes it refers to (master, active port).
pub fn link_status<S: std::hash::BuildHasher>(
    l: &LinkMessage,
    name: &str,
    names: &std::collections::HashMap<u32, String, S>,
) -> LinkStatus {
    let kind = match info_kind(l) {
        None if l.header.flags.contains(LinkFlags::Loopback) => "loopback".to_string(),
        None => "ethernet".to_string(),
        Some(k) => k.to_string(),
    };
    let oper = l
        .attributes
        .iter()
        .find_map(|a| if let LinkAttribute::OperState(s) = a { Some(format!("{s:?}").to_lowercase()) } else { None })
        .unwrap_or_default();
    let carrier = l.attributes.iter().any(|a| matches!(a, LinkAttribute::Carrier(1)));
    let mut st = LinkStatus {
        name: name.to_string(),
        index: l.header.index,
        kind,
        admin_up: l.header.flags.contains(LinkFlags::Up),
        carrier,
        oper_state: oper,
        mtu: l.attributes.iter().find_map(|a| if let LinkAttribute::Mtu(m) = a { Some(*m) } else { None }),
        mac: attr_mac(l, false).map(|m| m.to_string()),
        master: controller(l).and_then(|i| names.get(&i).cloned()),
        bond: None,
        bond_port: None,
    };
    if let Some(InfoData::Bond(attrs)) = info_data(l) {
        let mode = attrs
            .iter()
            .find_map(|a| if let InfoBond::Mode(m) = a { BondMode::from_value(u8::from(*m)) } else { None })
            .map(|m| m.to_string())
            .unwrap_or_default();
        let active =
            attrs.iter().find_map(|a| if let InfoBond::ActivePort(i) = a { names.get(i).cloned() } else { None });
        let lacp = attrs.iter().find_map(|a| if let InfoBond::AdInfo(v) = a { Some(v) } else { None }).map(|info| {
            let mut s = AggregatorStatus {
                aggregator_id: None,
                num_ports: None,
                actor_key: None,
                partner_key: None,
                partner_mac: None,
            };
            for i in info {
                match i {
                    BondAdInfo::Aggregator(v) => s.aggregator_id = Some(*v),
                    BondAdInfo::NumPorts(v) => s.num_ports = Some(*v),
                    BondAdInfo::ActorKey(v) => s.actor_key = Some(*v),
                    BondAdInfo::PartnerKey(v) => s.partner_key = Some(*v),
                    BondAdInfo::PartnerMac(m) => s.partner_mac = Some(MacAddr(*m).to_string()),
                    _ => {}
                }
            }
            s
        });
        st.bond = Some(BondStatus { mode, active_port: active, ports: Vec::new(), lacp });
    }
    let port = bond_port_attrs(l);
    if !port.is_empty() {
        let mut p = BondPortStatus {
            state: String::new(),
            mii_status: String::new(),
            link_failure_count: None,
            perm_hwaddr: None,
            aggregator_id: None,
            actor_oper_port_state: None,
            partner_oper_port_state: None,
        };
        for a in port {
            match a {
                InfoBondPort::BondPortState(s) => p.state = format!("{s:?}").to_lowercase(),
                InfoBondPort::MiiStatus(s) => p.mii_status = format!("{s:?}").to_lowercase(),
                InfoBondPort::LinkFailureCount(c) => p.link_failure_count = Some(*c),
                InfoBondPort::PermHwaddr(b) => p.perm_hwaddr = mac_of(b).map(|m| m.to_string()),
                InfoBondPort::AdAggregatorId(v) => p.aggregator_id = Some(*v),
                InfoBondPort::AdActorOperPortState(s) => p.actor_oper_port_state = Some(LacpPortState::new(s.bits())),
                InfoBondPort::AdPartnerOperPortState(s) => {
                    p.partner_oper_port_state = Some(LacpPortState::new(s.bits()))
                }
                _ => {}
            }
        }
        st.bond_port = Some(p);
    }
    st
}
