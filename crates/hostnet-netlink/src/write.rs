//! Carrying out one planned operation over rtnetlink.

use crate::error::op_error;
use std::net::IpAddr;
use std::path::Path;

use futures::TryStreamExt;
use hostnet_core::model::{BondOpt, Bridge, Dns, Kind, Route, RouteDst};
use hostnet_core::plan::{Op, Selector};
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::packet_route::address::{AddressAttribute, AddressMessage};
use rtnetlink::packet_route::link::{
    BondMode, InfoBond, InfoData, InfoKind, LinkAttribute, LinkExtentMask, LinkFlags, LinkInfo, LinkMessage,
};
use rtnetlink::packet_route::route::{
    RouteAttribute, RouteFlags, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};

use crate::conn::Netlink;
use crate::error::OpError;
use crate::kinds;
use crate::read::ifname;

/// Where resolv.conf lives for the namespace hostnet runs in.
#[derive(Debug, Clone)]
pub struct Env {
    pub resolv_conf: std::path::PathBuf,
    /// Where the keys WireGuard devices had before a change are saved for its undo (the state
    /// directory's `keys/`).
    pub key_dir: std::path::PathBuf,
}

impl Netlink {
    /// The ifindex of a link, from the cache or one lookup.
    pub async fn index_of(&self, name: &str) -> Result<u32, OpError> {
        if let Some(i) = self.cached_index(name) {
            return Ok(i);
        }
        let mut s = self.handle.link().get().match_name(name.to_string()).execute();
        match s.try_next().await {
            Ok(Some(l)) => {
                self.remember(name, l.header.index);
                Ok(l.header.index)
            }
            Ok(None) => Err(OpError::new(libc::ENODEV, format!("no link named {name}"))),
            Err(e) => {
                let e: OpError = op_error(e);
                if e.errno == libc::ENODEV {
                    Err(OpError::new(libc::ENODEV, format!("no link named {name}")))
                } else {
                    Err(e)
                }
            }
        }
    }

    async fn find_by(&self, sel: &Selector) -> Result<u32, OpError> {
        match sel {
            Selector::Name(n) => self.index_of(n).await,
            Selector::Mac(_) | Selector::PciPath(_) => {
                let links = self.links().await.map_err(|e| OpError::other(e.to_string()))?;
                let found = links.iter().find(|l| match sel {
                    Selector::Mac(m) => l.attributes.iter().any(|a| match a {
                        LinkAttribute::PermAddress(b) | LinkAttribute::Address(b) => b.as_slice() == m.0,
                        _ => false,
                    }),
                    Selector::PciPath(p) => {
                        l.attributes.iter().any(|a| matches!(a, LinkAttribute::ParentDevName(x) if x == p))
                    }
                    Selector::Name(_) => false,
                });
                found.map(|l| l.header.index).ok_or_else(|| OpError::new(libc::ENODEV, format!("no NIC matches {sel}")))
            }
        }
    }

    /// Why no NIC is named `name`: what the link of that name is instead (`ip link` lists it),
    /// or that there is none. Empty when the links cannot be read.
    async fn not_a_nic(&self, name: &str) -> String {
        let Ok(links) = self.links().await else { return String::new() };
        let Some(l) = links.iter().find(|l| ifname(l).as_deref() == Some(name)) else {
            return format!("no link named {name} on this host");
        };
        let peer = l.attributes.iter().find_map(|a| match a {
            LinkAttribute::Link(i) => links.iter().find(|p| p.header.index == *i).and_then(ifname),
            _ => None,
        });
        let peer = peer.unwrap_or_else(|| "PEER".into());
        match crate::read::kind_name(l) {
            Some("veth") => format!(
                "{name} is one end of a veth pair whose other end ({}) is in this namespace too, which makes it a veth, not a NIC (a veth is a NIC only when its peer is in another namespace): declare it `veth: {{peer: {}}}`",
                peer, peer
            ),
            Some(kind) => format!("{name} is a {kind}, not a NIC: declare it with `{kind}:`"),
            None => format!("{name} exists, but is no Ethernet NIC"),
        }
    }

    async fn set(&self, msg: LinkMessage) -> Result<(), OpError> {
        self.handle.link().set(msg).execute().await.map_err(op_error)
    }

    async fn set_flags(&self, index: u32, up: bool) -> Result<(), OpError> {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        msg.header.change_mask = LinkFlags::Up;
        if up {
            msg.header.flags = LinkFlags::Up;
        }
        self.set(msg).await
    }

    /// A link message addressed by name: with index 0 the kernel finds the device by
    /// IFLA_IFNAME (SETLINK, NEWLINK and DELLINK alike), which saves a lookup per operation.
    fn by_name(name: &str) -> LinkMessage {
        let mut msg = LinkMessage::default();
        msg.attributes.push(LinkAttribute::IfName(name.to_string()));
        msg
    }

    async fn set_flags_by_name(&self, name: &str, up: bool) -> Result<(), OpError> {
        let mut msg = Self::by_name(name);
        msg.header.change_mask = LinkFlags::Up;
        if up {
            msg.header.flags = LinkFlags::Up;
        }
        self.set(msg).await
    }

    /// Runs one operation. Names are resolved to indexes at run time, since earlier operations
    /// create and rename links.
    pub async fn run(&self, op: &Op, env: &Env) -> Result<(), OpError> {
        match op {
            Op::Missing { selector, .. } => {
                let why = match selector {
                    Selector::Name(n) => self.not_a_nic(n).await,
                    _ => String::new(),
                };
                // The operation's own line names the selector; the error adds what is there instead.
                Err(OpError::new(libc::ENODEV, why))
            }
            Op::Rename { from, to } => {
                let i = self.find_by(from).await?;
                self.set_flags(i, false).await?;
                let mut msg = LinkMessage::default();
                msg.header.index = i;
                msg.attributes.push(LinkAttribute::IfName(to.clone()));
                self.set(msg).await?;
                if let Selector::Name(old) = from {
                    self.forget(old);
                }
                self.remember(to, i);
                Ok(())
            }
            Op::Create { name, kind, at } => {
                self.forget(name);
                if let Kind::Veth(v) = kind {
                    self.forget(&v.peer);
                }
                let again = self.freed.lock().expect("freed indexes").remove(name).or(at.map(|a| a.link));
                let peer_again = match kind {
                    Kind::Veth(v) => {
                        self.freed.lock().expect("freed indexes").remove(&v.peer).or(at.and_then(|a| a.peer))
                    }
                    _ => None,
                };
                let idx = (
                    again.or_else(|| self.claim_index()),
                    if matches!(kind, Kind::Veth(_)) { peer_again.or_else(|| self.claim_index()) } else { None },
                );
                match self.create(name, kind, idx).await {
                    // Someone else took the index meanwhile: let the kernel choose.
                    Err(e) if idx.0.is_some() && (e.errno == libc::EBUSY || e.errno == libc::EEXIST) => {
                        self.create(name, kind, (None, None)).await
                    }
                    Err(e) => Err(e),
                    Ok(()) => {
                        if let Some(i) = idx.0 {
                            self.remember(name, i);
                        }
                        if let (Kind::Veth(v), Some(i)) = (kind, idx.1) {
                            self.remember(&v.peer, i);
                        }
                        self.settle_link_events(name).await;
                        if let Kind::Veth(v) = kind {
                            self.settle_link_events(&v.peer).await;
                        }
                        if let Kind::Wireguard(w) = kind
                            && let Err(e) = crate::wireguard::set(name, w).await
                        {
                            // The step failed as a whole: no half-made device stays behind.
                            let _ = self.handle.link().del_with_message(Self::by_name(name)).execute().await;
                            self.forget(name);
                            return Err(e);
                        }
                        Ok(())
                    }
                }
            }
            Op::Delete { name, .. } => {
                if let Ok(i) = self.index_of(name).await {
                    self.freed.lock().expect("freed indexes").insert(name.clone(), i);
                }
                let r = self.handle.link().del_with_message(Self::by_name(name)).execute().await;
                // Indexes get reused and a veth takes its peer along: nothing cached stays valid.
                self.forget_all();
                Ok(r.map_err(op_error)?)
            }
            Op::SetMtu { name, mtu } => {
                let mut msg = Self::by_name(name);
                msg.attributes.push(LinkAttribute::Mtu(*mtu));
                self.set(msg).await
            }
            Op::SetMac { name, mac } => {
                let mut msg = Self::by_name(name);
                msg.attributes.push(LinkAttribute::Address(mac.0.to_vec()));
                self.set(msg).await
            }
            Op::SetDown { name } => self.set_flags_by_name(name, false).await,
            Op::SetUp { name } => self.set_flags_by_name(name, true).await,
            Op::Enslave { port, master } => {
                let mut msg = Self::by_name(port);
                msg.attributes.push(LinkAttribute::Controller(self.index_of(master).await?));
                self.set(msg).await
            }
            Op::Release { port, .. } => {
                let mut msg = Self::by_name(port);
                msg.attributes.push(LinkAttribute::Controller(0));
                self.set(msg).await
            }
            Op::SetBondMode { name, mode } => {
                let data = vec![InfoBond::Mode(BondMode::from(mode.value()))];
                self.change(name, InfoKind::Bond, InfoData::Bond(data)).await
            }
            Op::SetBondOptions { name, options } => {
                let primary = self.primary_index(options.iter()).await?;
                let data = options.iter().filter_map(|o| kinds::bond::encode_option(o, primary)).collect();
                self.change(name, InfoKind::Bond, InfoData::Bond(data)).await
            }
            Op::SetBridgeOptions { name, options } => {
                self.change(name, InfoKind::Bridge, InfoData::Bridge(kinds::bridge::encode(options))).await
            }
            Op::SetEthtool { name, settings } => crate::ethtool::set(name, settings).await,
            Op::SetWireguard { name, config } => crate::wireguard::set(name, config).await,
            Op::BridgeVlans { name, own, add, del } => {
                let i = self.index_of(name).await?;
                if !add.is_empty() {
                    self.handle
                        .link()
                        .set(crate::bridge_port::vlan_message(i, *own, add))
                        .execute()
                        .await
                        .map_err(op_error)?;
                }
                if !del.is_empty() {
                    self.handle
                        .link()
                        .del_with_message(crate::bridge_port::vlan_message(i, *own, del))
                        .execute()
                        .await
                        .map_err(op_error)?;
                }
                Ok(())
            }
            Op::SetBridgePort { name, options } => {
                let mut msg = Self::by_name(name);
                msg.attributes.push(LinkAttribute::LinkInfo(crate::bridge_port::link_info(options)));
                Ok(self.handle.link().change(msg).execute().await.map_err(op_error)?)
            }
            Op::AddAddress { name, address, no_broadcast } => {
                let i = self.index_of(name).await?;
                let mut req = self.handle.address().add(i, address.addr(), address.prefix_len());
                // rtnetlink's request carries a broadcast (as `ip address add ... brd +`); an
                // address put back as the host had it, without one, goes without.
                if *no_broadcast {
                    req.message_mut().attributes.retain(|a| !matches!(a, AddressAttribute::Broadcast(_)));
                }
                Ok(req.execute().await.map_err(op_error)?)
            }
            Op::DelAddress { name, address } => {
                // Named by (link, address, prefix), as `ip address del` does: no dump of every
                // address on the host to find the one to delete.
                let m = address_message(self.index_of(name).await?, address);
                match self.handle.address().del(m).execute().await {
                    Err(e) => match op_error(e) {
                        e if e.errno == libc::EADDRNOTAVAIL => {
                            Err(OpError::new(libc::EADDRNOTAVAIL, format!("{address} is not on {name}")))
                        }
                        e => Err(e),
                    },
                    Ok(()) => Ok(()),
                }
            }
            Op::AddRoute { name, route } => {
                let msg = self.route_request(name, route).await?;
                Ok(self.handle.route().add(msg).execute().await.map_err(op_error)?)
            }
            Op::DelRoute { name, route } => {
                let msg = self.route_request(name, route).await?;
                Ok(self.handle.route().del(msg).execute().await.map_err(op_error)?)
            }
            Op::SetDns { dns, links } if crate::resolved::owns(&env.resolv_conf) => {
                if links.is_empty() {
                    return Err(OpError::new(
                        libc::EINVAL,
                        "systemd-resolved owns resolv.conf and keeps DNS per link, but no interface carries a default route or an address to give the servers to",
                    ));
                }
                for l in links {
                    let index = self.index_of(l).await?;
                    crate::resolved::set(index, dns).await.map_err(|e| OpError::new(libc::EIO, e))?;
                }
                Ok(())
            }
            Op::SetDns { dns, .. } => write_resolv_conf(&env.resolv_conf, dns).map_err(OpError::from),
            Op::SetSysctl { name, key, value } => crate::sysctl::write(&self.home, name, *key, *value),
            Op::SetNetSysctl { key, value } => crate::sysctl::write_net(&self.home, key, value),
            Op::AddRule { rule } => self.add_rule(rule).await,
            Op::DelRule { rule } => self.del_rule(rule).await,
        }
    }

    /// Has the kernel process a new link's pending link-state event now, in this request.
    ///
    /// Registering a link queues a "carrier off" event for the kernel's linkwatch worker, which
    /// runs non-urgent events at most once a second. Every urgent event (a veth or port
    /// gaining carrier) makes the worker walk the whole queue under the RTNL lock, so with 2000
    /// fresh links still queued each later link-up costs a walk of them all: measured, 2010
    /// link-ups at N=1000 took 1.2-1.5 s, and 0.12 s once the queue is kept empty.
    /// RTM_GETLINK of one device runs that device's pending event on the spot
    /// (`linkwatch_sync_dev`), so one cheap request per created link keeps the queue short.
    /// `ip` gets this for free: it looks each device up by name before changing it.
    /// Best effort: a failure here only costs time, and the next operation reports real errors.
    async fn settle_link_events(&self, name: &str) {
        let mut req = self.handle.link().get().match_name(name.to_string());
        req.message_mut().attributes.push(LinkAttribute::ExtMask(vec![LinkExtentMask::SkipStats]));
        let mut s = req.execute();
        while let Ok(Some(_)) = s.try_next().await {}
    }

    /// Creates a link, with the ifindexes given for it (and its veth peer) when known.
    async fn create(&self, name: &str, kind: &Kind, index: (Option<u32>, Option<u32>)) -> Result<(), OpError> {
        let mut msg = LinkMessage::default();
        msg.header.index = index.0.unwrap_or(0);
        msg.attributes.push(LinkAttribute::IfName(name.to_string()));
        let info = match kind {
            Kind::Bond(b) => {
                let primary = self.primary_index(b.options().iter()).await?;
                vec![LinkInfo::Kind(InfoKind::Bond), LinkInfo::Data(InfoData::Bond(kinds::bond::encode(b, primary)))]
            }
            Kind::Bridge(b) => {
                // A new bridge does not filter VLANs. Saying so anyway fails on a kernel built
                // without VLAN filtering (EOPNOTSUPP), and a rollback that makes again a bridge
                // it deleted carries what the kernel reported, `vlan_filtering: false` included.
                let b = Bridge { vlan_filtering: b.vlan_filtering.filter(|on| *on), ..b.clone() };
                vec![LinkInfo::Kind(InfoKind::Bridge), LinkInfo::Data(InfoData::Bridge(kinds::bridge::encode(&b)))]
            }
            Kind::Vlan(v) => {
                msg.attributes.push(LinkAttribute::Link(self.index_of(&v.base).await?));
                vec![LinkInfo::Kind(InfoKind::Vlan), LinkInfo::Data(InfoData::Vlan(kinds::vlan::encode(v)))]
            }
            Kind::Veth(v) => {
                let data = InfoData::Veth(kinds::veth::encode(&v.peer, index.1));
                vec![LinkInfo::Kind(InfoKind::Veth), LinkInfo::Data(data)]
            }
            Kind::Ethernet(_) => {
                return Err(OpError::new(libc::EOPNOTSUPP, format!("{name}: a physical NIC cannot be created")));
            }
            other => {
                let base = match other.base() {
                    Some(b) => Some(self.index_of(b).await?),
                    None => None,
                };
                let (info, link) = kinds::virt::link_info(other, base).expect("every other kind is a software kind");
                if let Some(l) = link {
                    msg.attributes.push(LinkAttribute::Link(l));
                }
                info
            }
        };
        msg.attributes.push(LinkAttribute::LinkInfo(info));
        self.handle.link().add(msg).execute().await.map_err(op_error)
    }

    /// RTM_NEWLINK on an existing link: the path on which the kernel applies type-specific
    /// changes (RTM_SETLINK ignores IFLA_LINKINFO data).
    async fn change(&self, name: &str, kind: InfoKind, data: InfoData) -> Result<(), OpError> {
        let mut msg = Self::by_name(name);
        msg.attributes.push(LinkAttribute::LinkInfo(vec![LinkInfo::Kind(kind), LinkInfo::Data(data)]));
        self.handle.link().change(msg).execute().await.map_err(op_error)
    }

    /// The ifindex of the primary port among bond options, which the kernel takes instead of a
    /// name; it must exist by now (ports come first).
    async fn primary_index(&self, mut options: impl Iterator<Item = &BondOpt>) -> Result<Option<u32>, OpError> {
        match options.find_map(|o| if let BondOpt::Primary(p) = o { Some(p) } else { None }) {
            Some(p) => Ok(Some(self.index_of(p).await?)),
            None => Ok(None),
        }
    }

    /// Every link name in the namespace, for reports.
    pub async fn link_names(&self) -> Result<Vec<String>, OpError> {
        let links = self.links().await.map_err(|e| OpError::other(e.to_string()))?;
        Ok(links.iter().filter_map(ifname).collect())
    }
}

impl Netlink {
    /// The output interface of a route's operation; none (0) for the top-level routes.
    async fn oif_of(&self, name: &str) -> Result<u32, OpError> {
        if name == hostnet_core::plan::ROUTES_SUBJECT { Ok(0) } else { self.index_of(name).await }
    }

    /// The message for a route of link `name` (or of none), its paths named by index.
    async fn route_request(&self, name: &str, route: &Route) -> Result<RouteMessage, OpError> {
        let mut m = route_message(self.oif_of(name).await?, route);
        if route.is_multipath() {
            let mut indexes = Vec::with_capacity(route.nexthops.len());
            for h in &route.nexthops {
                indexes.push(self.index_of(&h.dev).await?);
            }
            m.attributes.push(RouteAttribute::MultiPath(crate::route_attrs::next_hops(route, &indexes)));
        }
        Ok(m)
    }
}

/// An address named as `ip address del` names it: (link, address, prefix).
pub(crate) fn address_message(index: u32, address: &hostnet_core::model::Cidr) -> AddressMessage {
    let mut m = AddressMessage::default();
    m.header.family = if address.addr().is_ipv6() { AddressFamily::Inet6 } else { AddressFamily::Inet };
    m.header.prefix_len = address.prefix_len();
    m.header.index = index;
    m.attributes.push(AddressAttribute::Local(address.addr()));
    m.attributes.push(AddressAttribute::Address(address.addr()));
    m
}

/// The route as `ip route add` would send it: protocol `boot` unless one is declared, link
/// scope without a gateway.
pub(crate) fn route_message(oif: u32, r: &Route) -> RouteMessage {
    let net = r.dst_net();
    let mut m = RouteMessage::default();
    m.header.address_family = if net.addr().is_ipv6() { AddressFamily::Inet6 } else { AddressFamily::Inet };
    m.header.destination_prefix_length = net.prefix_len();
    m.header.protocol = match r.protocol {
        Some(hostnet_core::model::RouteProtocol::Static) => RouteProtocol::Static,
        Some(hostnet_core::model::RouteProtocol::Boot) | None => RouteProtocol::Boot,
    };
    m.header.kind = match r.kind {
        hostnet_core::model::RouteType::Unicast => RouteType::Unicast,
        hostnet_core::model::RouteType::Local => RouteType::Local,
        hostnet_core::model::RouteType::Blackhole => RouteType::BlackHole,
        hostnet_core::model::RouteType::Unreachable => RouteType::Unreachable,
        hostnet_core::model::RouteType::Prohibit => RouteType::Prohibit,
    };
    m.header.scope = match r.effective_scope() {
        hostnet_core::model::RouteScope::Global => RouteScope::Universe,
        hostnet_core::model::RouteScope::Link => RouteScope::Link,
        hostnet_core::model::RouteScope::Host => RouteScope::Host,
    };
    let table = r.table_id();
    if table <= 255 {
        m.header.table = table as u8;
    } else {
        m.header.table = RouteHeader::RT_TABLE_UNSPEC;
        m.attributes.push(RouteAttribute::Table(table));
    }
    if !matches!(r.dst, RouteDst::Default) {
        m.attributes.push(RouteAttribute::Destination(crate::route_attrs::address(net.addr())));
    }
    if let Some(gw) = r.via {
        m.attributes.push(RouteAttribute::Gateway(crate::route_attrs::address(gw)));
    }
    let oif = match oif {
        0 if r.kind == hostnet_core::model::RouteType::Local => crate::read::LOOPBACK_INDEX,
        o => o,
    };
    if oif != 0 {
        m.attributes.push(RouteAttribute::Oif(oif));
    }
    if let Some(p) = r.metric {
        m.attributes.push(RouteAttribute::Priority(p));
    }
    if let Some(s) = r.src {
        m.attributes.push(RouteAttribute::PrefSource(crate::route_attrs::address(s)));
    }
    if r.onlink {
        m.header.flags |= RouteFlags::Onlink;
    }
    let metrics = crate::route_attrs::metrics(r);
    if !metrics.is_empty() {
        m.attributes.push(RouteAttribute::Metrics(metrics));
    }
    m
}

/// Replaces resolv.conf atomically, so a reader never sees half a file. A symlink is never
/// replaced: it says another program (systemd-resolved's stub, resolvconf) owns the file, and a
/// regular file in its place would cut that program out for good.
pub fn write_resolv_conf(path: &Path, dns: &Dns) -> std::io::Result<()> {
    // systemd-resolved's own symlinks never get here: its DNS goes over D-Bus (see `resolved`).
    if let Ok(target) = std::fs::read_link(path) {
        return Err(std::io::Error::other(format!(
            "{} is a symlink to {}, which another program manages; hostnet does not replace it: remove `dns:` from the file, or replace the symlink with a file yourself",
            path.display(),
            target.display()
        )));
    }
    let text = dns.resolv_conf_text();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // The new file is made with O_EXCL and without following links, so a symlink planted at the
    // temporary name cannot make root write elsewhere; resolv.conf is world-readable.
    let tmp = path.with_extension("hostnet-tmp");
    let mut f = crate::private::create_new_with_mode(&tmp, 0o644)?;
    std::io::Write::write_all(&mut f, text.as_bytes())?;
    drop(f);
    std::fs::rename(&tmp, path)
}

/// Reads the nameservers and search domains hostnet manages from resolv.conf.
pub fn read_resolv_conf(path: &Path) -> Option<Dns> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut dns = Dns::default();
    for line in text.lines() {
        let mut w = line.split_whitespace();
        match w.next() {
            Some("nameserver") => dns.nameservers.extend(w.next().and_then(|a| a.parse::<IpAddr>().ok())),
            Some("search") => dns.search = w.map(str::to_string).collect(),
            _ => {}
        }
    }
    Some(dns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlinked_resolv_conf_is_never_replaced() {
        let d = std::env::temp_dir().join(format!("hostnet-resolv-{}", std::process::id()));
        std::fs::create_dir_all(d.join("run/systemd/resolve")).unwrap();
        let stub = d.join("run/resolvconf/resolv.conf");
        std::fs::create_dir_all(stub.parent().unwrap()).unwrap();
        std::fs::write(&stub, "nameserver 127.0.0.53\n").unwrap();
        let link = d.join("resolv.conf");
        std::os::unix::fs::symlink(&stub, &link).unwrap();
        let dns = Dns { nameservers: vec!["192.0.2.53".parse().unwrap()], search: vec![] };
        let err = write_resolv_conf(&link, &dns).unwrap_err().to_string();
        assert!(err.contains("another program manages") && err.contains("does not replace it"), "{err}");
        assert!(!crate::resolved::owns(&link));
        let resolved = d.join("resolved-resolv.conf");
        std::os::unix::fs::symlink("../run/systemd/resolve/stub-resolv.conf", &resolved).unwrap();
        assert!(crate::resolved::owns(&resolved));
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&stub).unwrap(), "nameserver 127.0.0.53\n");
        let plain = d.join("plain-resolv.conf");
        write_resolv_conf(&plain, &dns).unwrap();
        assert!(std::fs::read_to_string(&plain).unwrap().contains("nameserver 192.0.2.53"));
        let _ = std::fs::remove_dir_all(&d);
    }
}
