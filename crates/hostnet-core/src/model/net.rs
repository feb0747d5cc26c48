//! Addresses, MACs and routes, parsed strictly so mistakes are caught at `check` time.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! serde_via_str {
    ($t:ty, $what:literal) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $t;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$t, E> {
                        v.parse().map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

/// An Ethernet MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddr(pub [u8; 6]);

impl FromStr for MacAddr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("invalid MAC address `{s}`, expected six hex octets like 52:54:00:12:34:56");
        let mut out = [0u8; 6];
        let parts: Vec<&str> = s.split([':', '-']).collect();
        if parts.len() != 6 {
            return Err(bad());
        }
        for (o, p) in out.iter_mut().zip(parts) {
            if p.len() != 2 {
                return Err(bad());
            }
            *o = u8::from_str_radix(p, 16).map_err(|_| bad())?;
        }
        Ok(MacAddr(out))
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}
serde_via_str!(MacAddr, "a MAC address like 52:54:00:12:34:56");

impl MacAddr {
    pub fn is_multicast(&self) -> bool {
        self.0[0] & 1 == 1
    }
}

/// An interface address with its prefix length, e.g. `192.0.2.2/24`. The host part is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr(pub IpNet);

impl FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let Some((addr, len)) = s.split_once('/') else {
            return Err(format!("invalid CIDR `{s}`: missing prefix length (e.g. `{s}/24`)"));
        };
        let ip: IpAddr = addr.parse().map_err(|_| format!("invalid CIDR `{s}`: `{addr}` is not an IP address"))?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let len: u8 = len
            .parse()
            .ok()
            .filter(|l| *l <= max)
            .ok_or_else(|| format!("invalid CIDR `{s}`: prefix length must be 0..={max}"))?;
        Ok(Cidr(IpNet::new(ip, len).expect("length checked")))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
serde_via_str!(Cidr, "an address with prefix length, like 192.0.2.2/24");

impl Cidr {
    pub fn addr(&self) -> IpAddr {
        self.0.addr()
    }
    pub fn prefix_len(&self) -> u8 {
        self.0.prefix_len()
    }
    /// Whether the kernel gives this address a broadcast when asked (`ip address add ... brd
    /// +`, rtnetlink's request): IPv4 up to /30; a /31 or /32 has none.
    pub fn takes_broadcast(&self) -> bool {
        self.addr().is_ipv4() && self.prefix_len() <= 30
    }
    pub fn contains(&self, ip: &IpAddr) -> bool {
        self.0.contains(ip)
    }
    pub fn is_link_local(&self) -> bool {
        match self.addr() {
            IpAddr::V6(a) => (a.segments()[0] & 0xffc0) == 0xfe80,
            IpAddr::V4(a) => a.is_link_local(),
        }
    }
}

/// A route destination: a network, or `default` (0.0.0.0/0 or ::/0, by the gateway's family).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RouteDst {
    Default,
    Net(IpNet),
}

impl FromStr for RouteDst {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "default" {
            return Ok(RouteDst::Default);
        }
        let c: Cidr = s.parse()?;
        if c.0.trunc() != c.0 {
            return Err(format!("route destination `{s}` has host bits set; did you mean `{}`?", c.0.trunc()));
        }
        Ok(RouteDst::Net(c.0))
    }
}

impl fmt::Display for RouteDst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteDst::Default => f.write_str("default"),
            RouteDst::Net(n) => n.fmt(f),
        }
    }
}
serde_via_str!(RouteDst, "`default` or a network like 198.51.100.0/24");

/// A static route out of the interface that declares it, or, in the config's top-level
/// `routes:`, a route that drops what it matches (`type: blackhole|unreachable|prohibit`),
/// delivers it to this host through `lo` (`type: local`, e.g. AnyIP for a whole prefix), or
/// spreads it over several paths (`nexthops:`, ECMP), which belong to no single interface.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    #[serde(default, rename = "type", skip_serializing_if = "RouteType::is_unicast")]
    pub kind: RouteType,
    pub dst: RouteDst,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src: Option<IpAddr>,
    /// Trust the gateway to be on-link even when no address covers it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub onlink: bool,
    /// IPv4 only. Unset: `link` without a gateway, `global` with one, as `ip route` does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<RouteScope>,
    /// Path MTU for destinations through this route (RTAX_MTU), below the link's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtu: Option<u32>,
    /// Who the kernel is told added the route. Unset: `boot`, as `ip route add` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<RouteProtocol>,
    /// TCP's initial congestion window for connections through this route, in segments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initcwnd: Option<u32>,
    /// The initial receive window advertised, in segments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initrwnd: Option<u32>,
    /// The MSS advertised to peers, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advmss: Option<u32>,
    /// TCP congestion control for connections through this route (`bbr`, `cubic`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub congctl: Option<String>,
    /// Acknowledge at once instead of delaying ACKs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quickack: Option<bool>,
    /// TCP Fast Open without a cookie, to peers through this route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fastopen_no_cookie: Option<bool>,
    /// The paths of a multipath (ECMP) route, which the kernel balances flows over by weight;
    /// empty for a route with one path. Top-level routes only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nexthops: Vec<NextHop>,
}

/// One path of a multipath route: a gateway and the interface it is reached through, as
/// `ip route add ... nexthop via A dev X weight N` and networkd's `MultiPathRoute=A@X N` name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextHop {
    pub via: IpAddr,
    pub dev: String,
    /// 1..=256; the share of flows is weight over the sum of weights. Unset: 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u16>,
    /// Trust the gateway to be on-link even when no address of `dev` covers it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub onlink: bool,
}

impl NextHop {
    /// The weight as the kernel holds it (`rtnh_hops` + 1).
    pub fn weight(&self) -> u16 {
        self.weight.unwrap_or(1)
    }
}

/// The route protocols hostnet writes and manages. Other numbers belong to their owners
/// (the kernel, RAs, DHCP clients, routing daemons such as bird or FRR), whose routes hostnet
/// neither reads as its own nor removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteProtocol {
    Boot,
    Static,
}

/// What the kernel does with a packet the route matches: forward it, deliver it to this host
/// (`local`; such routes live in the `local` table, 255, unless one is named), or drop it
/// silently (`blackhole`), with ICMP "host unreachable" (`unreachable`) or "administratively
/// prohibited" (`prohibit`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteType {
    #[default]
    Unicast,
    Local,
    Blackhole,
    Unreachable,
    Prohibit,
}

impl RouteType {
    pub fn is_unicast(&self) -> bool {
        *self == RouteType::Unicast
    }

    /// Drops what it matches: goes out of no interface.
    pub fn drops(self) -> bool {
        matches!(self, RouteType::Blackhole | RouteType::Unreachable | RouteType::Prohibit)
    }

    pub fn name(self) -> &'static str {
        match self {
            RouteType::Unicast => "unicast",
            RouteType::Local => "local",
            RouteType::Blackhole => "blackhole",
            RouteType::Unreachable => "unreachable",
            RouteType::Prohibit => "prohibit",
        }
    }
}

/// How far a route reaches: the host itself, the attached link, or beyond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteScope {
    Global,
    Link,
    Host,
}

impl Route {
    /// A unicast route to `dst` with nothing else set: what the builders below and the
    /// readers of other formats start from.
    pub fn to(dst: RouteDst) -> Route {
        Route {
            kind: RouteType::Unicast,
            dst,
            via: None,
            metric: None,
            table: None,
            src: None,
            onlink: false,
            scope: None,
            mtu: None,
            protocol: None,
            initcwnd: None,
            initrwnd: None,
            advmss: None,
            congctl: None,
            quickack: None,
            fastopen_no_cookie: None,
            nexthops: Vec::new(),
        }
    }

    /// A default route through `gw`, as the `gateway` settings of other tools mean it.
    pub fn default_via(gw: IpAddr) -> Route {
        Route { via: Some(gw), ..Route::to(RouteDst::Default) }
    }

    /// The TCP settings set on it (RTAX_* metrics beside the MTU), by `ip route`'s name.
    pub fn tcp_settings(&self) -> Vec<(&'static str, String)> {
        let flag = |b: bool| u8::from(b).to_string();
        let mut v = Vec::new();
        let mut put = |k, x: Option<String>| v.extend(x.map(|x| (k, x)));
        put("initcwnd", self.initcwnd.map(|x| x.to_string()));
        put("initrwnd", self.initrwnd.map(|x| x.to_string()));
        put("advmss", self.advmss.map(|x| x.to_string()));
        put("congctl", self.congctl.clone());
        put("quickack", self.quickack.map(flag));
        put("fastopen_no_cookie", self.fastopen_no_cookie.map(flag));
        v
    }

    pub fn is_ipv6(&self) -> bool {
        match (&self.dst, self.via.or(self.nexthops.first().map(|h| h.via))) {
            (RouteDst::Net(n), _) => matches!(n, IpNet::V6(_)),
            (RouteDst::Default, Some(gw)) => gw.is_ipv6(),
            (RouteDst::Default, None) => false,
        }
    }

    /// Spread over several paths (ECMP).
    pub fn is_multipath(&self) -> bool {
        !self.nexthops.is_empty()
    }

    /// The destination as a network, resolving `default` by address family.
    pub fn dst_net(&self) -> IpNet {
        match self.dst {
            RouteDst::Net(n) => n,
            RouteDst::Default if self.is_ipv6() => "::/0".parse().expect("literal"),
            RouteDst::Default => "0.0.0.0/0".parse().expect("literal"),
        }
    }

    /// The scope the kernel is given: the declared one, else what `ip route` would pick.
    pub fn effective_scope(&self) -> RouteScope {
        let link = self.kind.is_unicast() && self.via.is_none() && self.nexthops.is_empty() && !self.is_ipv6();
        let default = match self.kind {
            RouteType::Local => RouteScope::Host,
            _ if link => RouteScope::Link,
            _ => RouteScope::Global,
        };
        self.scope.unwrap_or(default)
    }

    /// The table a route lives in when it names none: `local` (255) for local routes, `main`
    /// (254) for the rest, as `ip route add` picks.
    pub fn default_table(&self) -> u32 {
        if self.kind == RouteType::Local { 255 } else { 254 }
    }

    pub fn table_id(&self) -> u32 {
        self.table.unwrap_or(self.default_table())
    }

    /// Two routes are the same kernel object when they share family, destination, table and
    /// metric; the gateway is an attribute of it.
    pub fn key(&self) -> (IpNet, u32, u32) {
        (self.dst_net(), self.table_id(), self.metric.unwrap_or(0))
    }
}
