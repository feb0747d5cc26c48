//! Policy routing rules (`ip rule`): which routing table a packet is looked up in, chosen by
//! its source, destination, interfaces, firewall mark, protocol, ports or owner.
//!
//! ```yaml
//! routing_rules:
//!   - { from: 192.0.2.0/24, table: 100, priority: 1000 }
//!   - { fwmark: "0x10/0xff", ipproto: tcp, dport: 443, table: 200 }
//! ```

use std::fmt;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One rule. Two rules are the same kernel object when every selector, the action and the
/// table are equal, and the priority too where the config gives one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Lower is consulted first. Unset: the kernel picks one just below the first rule above 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    /// Needed only when neither `from` nor `to` says it; the default is ipv4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<Family>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Prefix>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Prefix>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iif: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oif: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fwmark: Option<FwMark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipproto: Option<IpProto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sport: Option<Range>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dport: Option<Range>,
    /// Owner of the socket, as a uid or `first-last`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<Range>,
    /// The packet's type of service (DSCP and ECN bits), as `ip rule ... tos 0x10` gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tos: Option<u8>,
    /// Match packets the selectors do not match (`ip rule add not ...`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not: bool,
    /// Look up the table of the VRF the packet's interface is in (`l3mdev`), instead of `table`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub l3mdev: bool,
    /// Continue at the rule of this priority instead of looking up a table (`goto`); it must
    /// come after this rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goto: Option<u32>,
    #[serde(default, skip_serializing_if = "RuleAction::is_lookup")]
    pub action: RuleAction,
    /// The table to look up; required for `action: lookup` (the default), refused otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<u32>,
    /// The protocol number the kernel reported for a live rule (0 for `ip rule add`'s, 4 for
    /// hostnet's): not part of the config, but a rule that is deleted and then restored by a
    /// rollback must come back with the protocol it had.
    #[serde(skip)]
    pub protocol: Option<u8>,
}

impl Rule {
    pub fn is_ipv6(&self) -> bool {
        match (self.family, self.from, self.to) {
            (Some(f), _, _) => f == Family::Ipv6,
            (None, Some(p), _) | (None, None, Some(p)) => matches!(p.0, IpNet::V6(_)),
            _ => false,
        }
    }

    /// Whether the live rule `live` is the one this declared rule describes.
    pub fn matches(&self, live: &Rule) -> bool {
        self.is_ipv6() == live.is_ipv6()
            && self.priority.is_none_or(|p| live.priority == Some(p))
            && self.from == live.from
            && self.to == live.to
            && self.iif == live.iif
            && self.oif == live.oif
            && self.fwmark.map(FwMark::normal) == live.fwmark.map(FwMark::normal)
            && self.ipproto == live.ipproto
            && self.sport == live.sport
            && self.dport == live.dport
            && self.uid == live.uid
            && self.tos.unwrap_or(0) == live.tos.unwrap_or(0)
            && self.not == live.not
            && self.l3mdev == live.l3mdev
            && self.goto == live.goto
            && self.action == live.action
            && self.table == live.table
    }
}

impl fmt::Display for Rule {
    /// In `ip rule`'s words, e.g. `1000: from 192.0.2.0/24 lookup 100`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.priority {
            write!(f, "{p}: ")?;
        }
        if self.is_ipv6() {
            f.write_str("-6 ")?;
        }
        if self.not {
            f.write_str("not ")?;
        }
        match self.from {
            Some(p) => write!(f, "from {p}")?,
            None => f.write_str("from all")?,
        }
        if let Some(p) = self.to {
            write!(f, " to {p}")?;
        }
        if let Some(m) = self.fwmark {
            write!(f, " fwmark {m}")?;
        }
        if let Some(i) = &self.iif {
            write!(f, " iif {i}")?;
        }
        if let Some(o) = &self.oif {
            write!(f, " oif {o}")?;
        }
        if let Some(p) = self.ipproto {
            write!(f, " ipproto {p}")?;
        }
        if let Some(r) = self.sport {
            write!(f, " sport {r}")?;
        }
        if let Some(r) = self.dport {
            write!(f, " dport {r}")?;
        }
        if let Some(r) = self.uid {
            write!(f, " uidrange {}-{}", r.start, r.end)?;
        }
        if let Some(t) = self.tos {
            write!(f, " tos {t:#04x}")?;
        }
        if self.l3mdev {
            return f.write_str(" l3mdev");
        }
        if let Some(g) = self.goto {
            return write!(f, " goto {g}");
        }
        match (self.action, self.table) {
            (RuleAction::Lookup, Some(t)) => write!(f, " lookup {t}"),
            (RuleAction::Lookup, None) => f.write_str(" lookup ?"),
            (a, _) => write!(f, " {}", a.name()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Ipv4,
    Ipv6,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    #[default]
    Lookup,
    Blackhole,
    Unreachable,
    Prohibit,
}

impl RuleAction {
    fn is_lookup(&self) -> bool {
        *self == RuleAction::Lookup
    }

    pub fn name(self) -> &'static str {
        match self {
            RuleAction::Lookup => "lookup",
            RuleAction::Blackhole => "blackhole",
            RuleAction::Unreachable => "unreachable",
            RuleAction::Prohibit => "prohibit",
        }
    }
}

/// A network without host bits, e.g. `192.0.2.0/24`; a bare address means a /32 or /128.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefix(pub IpNet);

impl FromStr for Prefix {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let net: IpNet = match s.parse::<std::net::IpAddr>() {
            Ok(ip) => IpNet::from(ip),
            Err(_) => s.parse().map_err(|_| format!("`{s}` is not a network like 192.0.2.0/24"))?,
        };
        if net.trunc() != net {
            return Err(format!("`{s}` has host bits set; did you mean `{}`?", net.trunc()));
        }
        Ok(Prefix(net))
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A firewall mark with an optional mask: `16`, `0x10` or `0x10/0xff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FwMark {
    pub mark: u32,
    pub mask: Option<u32>,
}

impl FwMark {
    /// The kernel stores a mark without a mask as mask 0xffffffff.
    fn normal(self) -> (u32, u32) {
        (self.mark, self.mask.unwrap_or(u32::MAX))
    }
}

fn number(s: &str) -> Option<u32> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

impl FromStr for FwMark {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a firewall mark like 0x10 or 0x10/0xff");
        let (m, mask) = match s.split_once('/') {
            Some((m, k)) => (m, Some(number(k).ok_or_else(bad)?)),
            None => (s, None),
        };
        Ok(FwMark { mark: number(m).ok_or_else(bad)?, mask })
    }
}

impl fmt::Display for FwMark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mask {
            Some(k) => write!(f, "{:#x}/{k:#x}", self.mark),
            None => write!(f, "{:#x}", self.mark),
        }
    }
}

/// A port or uid, or an inclusive range of them: `443`, `1000-2000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Range {
    pub start: u32,
    pub end: u32,
}

impl FromStr for Range {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a number or a range like 1000-2000");
        let (a, b) = s.split_once('-').unwrap_or((s, s));
        let (start, end) = (a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?);
        if start > end {
            return Err(format!("range `{s}` ends before it starts"));
        }
        Ok(Range { start, end })
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end { write!(f, "{}", self.start) } else { write!(f, "{}-{}", self.start, self.end) }
    }
}

/// The IP protocol a rule selects: a name the kernel's `ip rule` knows, or a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpProto(pub u8);

const PROTO_NAMES: &[(&str, u8)] = &[("icmp", 1), ("tcp", 6), ("udp", 17), ("gre", 47), ("icmpv6", 58), ("sctp", 132)];

impl IpProto {
    /// Protocols with ports, for which `sport` and `dport` mean something.
    pub fn has_ports(self) -> bool {
        matches!(self.0, 6 | 17 | 132 | 33 | 136)
    }
}

impl FromStr for IpProto {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Some((_, n)) = PROTO_NAMES.iter().find(|(n, _)| *n == s) {
            return Ok(IpProto(*n));
        }
        s.parse().map(IpProto).map_err(|_| {
            let names: Vec<&str> = PROTO_NAMES.iter().map(|(n, _)| *n).collect();
            format!("`{s}` is not an IP protocol number or one of {}", names.join(", "))
        })
    }
}

impl fmt::Display for IpProto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match PROTO_NAMES.iter().find(|(_, n)| *n == self.0) {
            Some((name, _)) => f.write_str(name),
            None => write!(f, "{}", self.0),
        }
    }
}

macro_rules! serde_text {
    ($t:ty, $what:literal) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        serde_text!(@de $t, $what);
    };
    (@de $t:ty, $what:literal) => {
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
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$t, E> {
                        v.to_string().parse().map_err(E::custom)
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$t, E> {
                        v.to_string().parse().map_err(E::custom)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}
serde_text!(Prefix, "a network like 192.0.2.0/24");
serde_text!(FwMark, "a firewall mark like 0x10 or 0x10/0xff");
serde_text!(@de Range, "a number or a range like 1000-2000");

/// A single port or uid is written as the number it is (`dport: 443`), a range as text.
impl Serialize for Range {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.start == self.end { s.serialize_u32(self.start) } else { s.collect_str(self) }
    }
}
serde_text!(IpProto, "an IP protocol name or number");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_without_priority_matches_the_one_the_kernel_numbered() {
        let want = Rule { from: Some("192.0.2.0/24".parse().unwrap()), table: Some(100), ..Default::default() };
        let live = Rule { priority: Some(32765), ..want.clone() };
        assert!(want.matches(&live));
        let other = Rule { table: Some(101), ..live.clone() };
        assert!(!want.matches(&other));
        let mark = Rule { fwmark: Some("0x10".parse().unwrap()), ..want.clone() };
        let live_mark = Rule { fwmark: Some("16/0xffffffff".parse().unwrap()), ..live };
        assert!(mark.matches(&live_mark));
    }

    #[test]
    fn selectors_parse_and_print_as_ip_rule_does() {
        let r = Rule {
            priority: Some(10),
            from: Some("2001:db8::/64".parse().unwrap()),
            ipproto: Some("tcp".parse().unwrap()),
            dport: Some("8000-8080".parse().unwrap()),
            action: RuleAction::Prohibit,
            ..Default::default()
        };
        assert_eq!(r.to_string(), "10: -6 from 2001:db8::/64 ipproto tcp dport 8000-8080 prohibit");
        assert!("10.0.0.1/8".parse::<Prefix>().is_err());
        assert!("2000-1000".parse::<Range>().is_err());
    }
}
