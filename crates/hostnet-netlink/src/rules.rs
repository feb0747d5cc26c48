//! Policy routing rules over rtnetlink: the model's [`Rule`] to and from the kernel's
//! FIB rule messages.

use crate::error::op_error;
use hostnet_core::model::Rule;
use hostnet_core::model::rule::{Family, FwMark, IpProto, Prefix, Range, RuleAction as Action};
use ipnet::IpNet;
use rtnetlink::IpVersion;
use rtnetlink::packet_core::{DefaultNla, Nla};
use rtnetlink::packet_route::route::RouteProtocol;
use rtnetlink::packet_route::rule::{RuleAction, RuleAttribute, RuleFlags, RuleMessage, RulePortRange, RuleUidRange};
use rtnetlink::packet_route::{AddressFamily, IpProtocol, RouteNetlinkMessage};

use crate::conn::Netlink;
use crate::error::{Error, OpError};

/// Rules an admin or a tool made: `ip rule add` leaves the protocol unset, networkd and hostnet
/// mark theirs `static`, some scripts `boot`. The kernel's defaults are `kernel`; routing
/// daemons use their own numbers, and their rules are theirs.
fn is_managed(p: Option<RouteProtocol>) -> bool {
    matches!(p, None | Some(RouteProtocol::Unspec | RouteProtocol::Boot | RouteProtocol::Static))
}

impl Netlink {
    /// Every managed rule of both families that the model can express, in priority order.
    pub async fn rules(&self) -> Result<Vec<Rule>, Error> {
        rules_on(&self.dumps)
    }
}

/// Every rule, both families, by priority.
pub(crate) fn rules_on(dumps: &crate::dump::DumpSocket) -> Result<Vec<Rule>, Error> {
    let mut out = Vec::new();
    for v in [IpVersion::V4, IpVersion::V6] {
        let mut req = RuleMessage::default();
        req.header.family = match v {
            IpVersion::V4 => AddressFamily::Inet,
            IpVersion::V6 => AddressFamily::Inet6,
        };
        out.extend(dumps.collect(RouteNetlinkMessage::GetRule(req), |m| match m {
            RouteNetlinkMessage::NewRule(r) => rule_of(&r),
            _ => None,
        })?);
    }
    out.sort_by_key(|r| r.priority);
    Ok(out)
}

impl Netlink {
    pub async fn add_rule(&self, r: &Rule) -> Result<(), OpError> {
        let mut req = self.handle.rule().add();
        *req.message_mut() = rule_message(r, true);
        req.execute().await.map_err(op_error)
    }

    pub async fn del_rule(&self, r: &Rule) -> Result<(), OpError> {
        self.handle.rule().del(rule_message(r, false)).execute().await.map_err(op_error)
    }
}

/// A kernel rule in the model; `None` for rules hostnet does not manage or cannot express
/// (tun_id, realms, nat): those are left alone.
pub fn rule_of(m: &RuleMessage) -> Option<Rule> {
    let h = &m.header;
    let mut r = Rule {
        family: (h.family == AddressFamily::Inet6).then_some(Family::Ipv6),
        tos: (h.tos != 0).then_some(h.tos),
        not: h.flags.contains(RuleFlags::Invert),
        action: match h.action {
            RuleAction::ToTable | RuleAction::Goto => Action::Lookup,
            RuleAction::Blackhole => Action::Blackhole,
            RuleAction::Unreachable => Action::Unreachable,
            RuleAction::Prohibit => Action::Prohibit,
            _ => return None,
        },
        ..Default::default()
    };
    let mut table = u32::from(h.table);
    let mut protocol = None;
    let mut mask = None;
    for a in &m.attributes {
        match a {
            RuleAttribute::Priority(p) => r.priority = Some(*p),
            RuleAttribute::Source(ip) => r.from = Some(Prefix(IpNet::new(*ip, h.src_len).ok()?)),
            RuleAttribute::Destination(ip) => r.to = Some(Prefix(IpNet::new(*ip, h.dst_len).ok()?)),
            RuleAttribute::Iifname(n) => r.iif = Some(n.clone()),
            RuleAttribute::Oifname(n) => r.oif = Some(n.clone()),
            RuleAttribute::FwMark(v) => r.fwmark = Some(FwMark { mark: *v, mask: None }),
            RuleAttribute::FwMask(k) => mask = Some(*k),
            RuleAttribute::Table(t) => table = *t,
            RuleAttribute::Protocol(p) => protocol = Some(*p),
            RuleAttribute::IpProtocol(p) => r.ipproto = Some(IpProto(u8::from(*p))),
            RuleAttribute::SourcePortRange(p) => r.sport = Some(range16(p)),
            RuleAttribute::DestinationPortRange(p) => r.dport = Some(range16(p)),
            RuleAttribute::UidRange(u) => r.uid = Some(Range { start: u.start, end: u.end }),
            // The kernel reports these on every rule; zero means unused.
            RuleAttribute::SuppressPrefixLen(u32::MAX) | RuleAttribute::SuppressIfGroup(u32::MAX) => {}
            RuleAttribute::TunId(0) | RuleAttribute::L3MDev(false) => {}
            RuleAttribute::L3MDev(true) => r.l3mdev = true,
            RuleAttribute::Goto(g) if h.action == RuleAction::Goto => r.goto = Some(*g),
            // Linux 6.16 reports a port mask next to every port range; netlink-packet-route
            // 0.34 does not know the attribute yet. The full mask is a plain range.
            RuleAttribute::Other(nla) if is_full_port_mask(nla) => {}
            _ => return None,
        }
    }
    if !is_managed(protocol) {
        return None;
    }
    r.protocol = Some(protocol.map_or(0, u8::from));
    // The kernel reports the full uid range on rules that set none.
    if r.uid == Some(Range { start: 0, end: u32::MAX }) {
        r.uid = None;
    }
    if let (Some(m), Some(k)) = (&mut r.fwmark, mask)
        && k != u32::MAX
    {
        m.mask = Some(k);
    }
    if r.action == Action::Lookup && !r.l3mdev && r.goto.is_none() {
        r.table = Some(table);
    }
    Some(r)
}

/// FRA_SPORT_MASK (28) or FRA_DPORT_MASK (29) of 0xffff.
fn is_full_port_mask(nla: &DefaultNla) -> bool {
    let mut v = vec![0u8; nla.value_len()];
    nla.emit_value(&mut v);
    matches!(nla.kind(), 28 | 29) && v == [0xff, 0xff]
}

fn range16(p: &RulePortRange) -> Range {
    Range { start: u32::from(p.start), end: u32::from(p.end) }
}

/// The kernel message for `r`. Adds carry hostnet's protocol mark (or, when a rollback restores
/// a rule, the one it had); deletes do not, because the
/// kernel then matches only rules with that protocol, and an admin's own are `unspec`.
pub fn rule_message(r: &Rule, add: bool) -> RuleMessage {
    let mut m = RuleMessage::default();
    let h = &mut m.header;
    h.family = if r.is_ipv6() { AddressFamily::Inet6 } else { AddressFamily::Inet };
    h.action = match r.action {
        Action::Lookup if r.goto.is_some() => RuleAction::Goto,
        Action::Lookup => RuleAction::ToTable,
        Action::Blackhole => RuleAction::Blackhole,
        Action::Unreachable => RuleAction::Unreachable,
        Action::Prohibit => RuleAction::Prohibit,
    };
    if let Some(t) = r.table {
        // Tables above 255 exist only as the attribute; the header keeps 8 bits.
        h.table = u8::try_from(t).unwrap_or(0);
        m.attributes.push(RuleAttribute::Table(t));
    }
    if let Some(p) = r.from {
        m.header.src_len = p.0.prefix_len();
        m.attributes.push(RuleAttribute::Source(p.0.addr()));
    }
    if let Some(p) = r.to {
        m.header.dst_len = p.0.prefix_len();
        m.attributes.push(RuleAttribute::Destination(p.0.addr()));
    }
    if let Some(p) = r.priority {
        m.attributes.push(RuleAttribute::Priority(p));
    }
    if let Some(n) = &r.iif {
        m.attributes.push(RuleAttribute::Iifname(n.clone()));
    }
    if let Some(n) = &r.oif {
        m.attributes.push(RuleAttribute::Oifname(n.clone()));
    }
    if let Some(f) = r.fwmark {
        m.attributes.push(RuleAttribute::FwMark(f.mark));
        m.attributes.push(RuleAttribute::FwMask(f.mask.unwrap_or(u32::MAX)));
    }
    if let Some(p) = r.ipproto {
        m.attributes.push(RuleAttribute::IpProtocol(IpProtocol::from(p.0)));
    }
    let port = |r: Range| RulePortRange { start: r.start as u16, end: r.end as u16 };
    if let Some(p) = r.sport {
        m.attributes.push(RuleAttribute::SourcePortRange(port(p)));
    }
    if let Some(p) = r.dport {
        m.attributes.push(RuleAttribute::DestinationPortRange(port(p)));
    }
    if let Some(u) = r.uid {
        m.attributes.push(RuleAttribute::UidRange(RuleUidRange { start: u.start, end: u.end }));
    }
    m.header.tos = r.tos.unwrap_or(0);
    if r.not {
        m.header.flags |= RuleFlags::Invert;
    }
    if r.l3mdev {
        m.attributes.push(RuleAttribute::L3MDev(true));
    }
    if let Some(g) = r.goto {
        m.attributes.push(RuleAttribute::Goto(g));
    }
    if add {
        let p = r.protocol.map_or(RouteProtocol::Static, RouteProtocol::from);
        m.attributes.push(RuleAttribute::Protocol(p));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_survives_the_trip_through_the_kernel_message() {
        let r = Rule {
            priority: Some(1000),
            from: Some("2001:db8::/64".parse().unwrap()),
            iif: Some("eth0".into()),
            fwmark: Some("0x10/0xff".parse().unwrap()),
            ipproto: Some("tcp".parse().unwrap()),
            dport: Some("443".parse().unwrap()),
            uid: Some("1000-2000".parse().unwrap()),
            table: Some(1000),
            ..Default::default()
        };
        let back = rule_of(&rule_message(&r, true)).unwrap();
        assert!(r.matches(&back), "{r} vs {back}");
    }

    #[test]
    fn a_full_port_mask_is_a_plain_range_and_a_partial_one_is_left_alone() {
        let r = Rule { ipproto: Some("tcp".parse().unwrap()), dport: Some("443".parse().unwrap()), ..Rule::default() };
        let with_mask = |mask: [u8; 2]| {
            let mut m = rule_message(&Rule { table: Some(5), ..r.clone() }, true);
            m.attributes.push(RuleAttribute::Other(DefaultNla::new(29, mask.to_vec())));
            rule_of(&m)
        };
        assert_eq!(with_mask([0xff, 0xff]).and_then(|r| r.dport), r.dport);
        assert!(with_mask([0x00, 0xff]).is_none());
    }

    #[test]
    fn a_restored_rule_keeps_its_protocol() {
        let r = Rule { table: Some(5), protocol: Some(0), ..Rule::default() };
        assert!(rule_message(&r, true).attributes.contains(&RuleAttribute::Protocol(RouteProtocol::Unspec)));
        let new = Rule { protocol: None, ..r };
        assert!(rule_message(&new, true).attributes.contains(&RuleAttribute::Protocol(RouteProtocol::Static)));
    }

    #[test]
    fn kernel_and_routing_daemon_rules_are_not_managed() {
        let mut m = rule_message(&Rule { table: Some(254), ..Default::default() }, false);
        m.attributes.push(RuleAttribute::Protocol(RouteProtocol::Kernel));
        assert!(rule_of(&m).is_none());
    }
}
