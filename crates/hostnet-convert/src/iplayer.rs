//! The IP layer in each format: per-interface sysctls (forwarding, rp_filter, ARP, RA,
//! link-local) and policy routing rules. netplan and networkd keep rules inside an interface's
//! section, so every exporter needs the same answer to "which interface carries this rule".

use hostnet_core::model::rule::{Family, RuleAction};
use hostnet_core::model::{AddrGenMode, Config, Interface, Kind, Privacy, RpFilter, Rule};
use serde_json::{Map, Value, json};

use crate::Lost;

/// The declared interface a rule is written under: its input or output interface, else the
/// one with a route in the rule's table, else the first with an address, else the first.
pub(crate) fn rule_home<'a>(config: &'a Config, r: &Rule) -> Option<&'a str> {
    let by_name = |n: &Option<String>| n.as_deref().and_then(|n| config.get(n)).map(|i| i.name.as_str());
    by_name(&r.iif)
        .or_else(|| by_name(&r.oif))
        .or_else(|| {
            let t = r.table?;
            config.interfaces.iter().find(|i| i.routes.iter().any(|x| x.table == Some(t))).map(|i| i.name.as_str())
        })
        .or_else(|| config.interfaces.iter().find(|i| !i.addresses.is_empty()).map(|i| i.name.as_str()))
        .or_else(|| config.interfaces.first().map(|i| i.name.as_str()))
}

/// The routes a format that keeps routes per interface writes under `i`: its own; for the
/// first interface the config's top-level routes that drop or deliver locally (the kernel ties
/// them to no interface, so which file holds them does not matter); and the multipath routes
/// whose first path leaves by `i` (networkd configures a route with the link of its file).
pub(crate) fn routes_written_under<'a>(config: &'a Config, i: &'a Interface) -> Vec<&'a hostnet_core::model::Route> {
    let mut v: Vec<_> = i.routes.iter().collect();
    let first = crate::ordered(config).into_iter().find(|f| f.state != hostnet_core::model::LinkState::Absent);
    let first = first.is_some_and(|f| f.name == i.name);
    v.extend(config.routes.iter().flatten().filter(|r| match r.nexthops.first() {
        Some(h) => h.dev == i.name,
        None => first,
    }));
    v
}

/// The rules written under interface `name`.
pub(crate) fn rules_of<'a>(config: &'a Config, name: &str) -> Vec<&'a Rule> {
    config.routing_rules.iter().flatten().filter(|r| rule_home(config, r) == Some(name)).collect()
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// `[Network]` lines for the sysctls, and `LinkLocalAddressing=` for every interface (ports get
/// `no` unless they ask for a link-local address, as hostnet applies them).
pub(crate) fn networkd_network(i: &Interface, port: bool, lost: &mut Vec<Lost>) -> String {
    let (v4, v6) = (&i.ipv4, &i.ipv6);
    let mut s = String::new();
    if let Some(f) = v4.forwarding {
        s += &format!("IPv4Forwarding={}\n", yes(f));
    }
    if let Some(f) = v6.forwarding {
        s += &format!("IPv6Forwarding={}\n", yes(f));
    }
    if let Some(r) = v4.rp_filter {
        s += &format!(
            "IPv4ReversePathFilter={}\n",
            match r {
                RpFilter::Off => "no",
                RpFilter::Strict => "strict",
                RpFilter::Loose => "loose",
            }
        );
    }
    if let Some(p) = v4.proxy_arp {
        s += &format!("IPv4ProxyARP={}\n", yes(p));
    }
    if let Some(ra) = v6.accept_ra {
        s += &format!("IPv6AcceptRA={}\n", yes(ra));
    }
    match (v6.link_local, port) {
        (Some(false), _) | (None, true) => s += "LinkLocalAddressing=no\n",
        (Some(true), true) => s += "LinkLocalAddressing=ipv6\n",
        _ => {}
    }
    if let Some(m) = v6.addr_gen_mode {
        s += &format!("IPv6LinkLocalAddressGenerationMode={}\n", addr_gen_name(m));
    }
    if let Some(p) = v6.privacy {
        let v = match p {
            Privacy::Off => "no",
            Privacy::PreferPublic => "prefer-public",
            Privacy::PreferTemporary => "yes",
        };
        s += &format!("IPv6PrivacyExtensions={v}\n");
    }
    // networkd writes dad_transmits from it.
    if let Some(n) = v6.dad_transmits {
        s += &format!("IPv6DuplicateAddressDetection={n}\n");
    }
    let nope = |what: &str, lost: &mut Vec<Lost>| {
        lost.push(Lost { at: i.name.clone(), what: what.into(), why: "networkd has no per-link setting for it".into() })
    };
    if v4.arp_ignore.is_some() {
        nope("ipv4.arp_ignore", lost);
    }
    if v4.arp_announce.is_some() {
        nope("ipv4.arp_announce", lost);
    }
    if v6.disable_ipv6.is_some() {
        nope("ipv6.disable_ipv6", lost);
    }
    if v6.accept_dad.is_some() {
        nope("ipv6.accept_dad", lost);
    }
    s
}

/// The `[IPv6AcceptRA]` section: SLAAC off is networkd's `UseAutonomousPrefix=no`.
pub(crate) fn networkd_ra_section(i: &Interface) -> String {
    match i.ipv6.slaac {
        Some(a) => format!("\n[IPv6AcceptRA]\nUseAutonomousPrefix={}\n", yes(a)),
        None => String::new(),
    }
}

fn addr_gen_name(m: AddrGenMode) -> &'static str {
    match m {
        AddrGenMode::Eui64 => "eui64",
        AddrGenMode::None => "none",
        AddrGenMode::StablePrivacy => "stable-privacy",
        AddrGenMode::Random => "random",
    }
}

/// One `[RoutingPolicyRule]` section; a `goto`, which networkd does not write, is listed.
pub(crate) fn networkd_rule(r: &Rule, at: &str, lost: &mut Vec<Lost>) -> String {
    if r.goto.is_some() {
        lost.push(Lost {
            at: at.into(),
            what: format!("routing rule `{r}`"),
            why: "networkd's rules have no goto".into(),
        });
        return String::new();
    }
    let mut s = String::from("\n[RoutingPolicyRule]\n");
    if r.is_ipv6() && r.from.is_none() && r.to.is_none() {
        s += "Family=ipv6\n";
    }
    let mut kv = |k: &str, v: String| s += &format!("{k}={v}\n");
    if let Some(p) = r.priority {
        kv("Priority", p.to_string());
    }
    if let Some(p) = r.from {
        kv("From", p.to_string());
    }
    if let Some(p) = r.to {
        kv("To", p.to_string());
    }
    if let Some(n) = &r.iif {
        kv("IncomingInterface", n.clone());
    }
    if let Some(n) = &r.oif {
        kv("OutgoingInterface", n.clone());
    }
    if let Some(m) = r.fwmark {
        kv("FirewallMark", m.to_string());
    }
    if let Some(p) = r.ipproto {
        kv("IPProtocol", p.to_string());
    }
    if let Some(p) = r.sport {
        kv("SourcePort", p.to_string());
    }
    if let Some(p) = r.dport {
        kv("DestinationPort", p.to_string());
    }
    if let Some(u) = r.uid {
        kv("User", format!("{}-{}", u.start, u.end));
    }
    if let Some(t) = r.tos {
        kv("TypeOfService", t.to_string());
    }
    if r.not {
        kv("InvertRule", "yes".into());
    }
    if r.l3mdev {
        kv("L3MasterDevice", "yes".into());
        return s;
    }
    match r.action {
        RuleAction::Lookup => kv("Table", r.table.unwrap_or(254).to_string()),
        a => kv("Type", a.name().to_string()),
    }
    s
}

/// netplan keys of an interface body: `accept-ra`, `link-local`, `ipv6-address-generation`
/// and `routing-policy`; what netplan cannot say is lost.
pub(crate) fn netplan_export(config: &Config, i: &Interface, body: &mut Map<String, Value>, lost: &mut Vec<Lost>) {
    let (v4, v6) = (&i.ipv4, &i.ipv6);
    if let Some(ra) = v6.accept_ra {
        body.insert("accept-ra".into(), json!(ra));
    }
    let port = config
        .interfaces
        .iter()
        .any(|m| !matches!(m.kind, Kind::Vrf(_)) && m.kind.ports().iter().any(|p| p == &i.name));
    match (v6.link_local, port) {
        (Some(false), _) | (None, true) => {
            body.insert("link-local".into(), json!([]));
        }
        (Some(true), _) => {
            body.insert("link-local".into(), json!(["ipv6"]));
        }
        _ => {}
    }
    match v6.addr_gen_mode {
        Some(m @ (AddrGenMode::Eui64 | AddrGenMode::StablePrivacy)) => {
            body.insert("ipv6-address-generation".into(), json!(addr_gen_name(m)));
        }
        Some(m) => lost.push(Lost {
            at: i.name.clone(),
            what: format!("ipv6.addr_gen_mode {}", addr_gen_name(m)),
            why: "netplan knows only eui64 and stable-privacy".into(),
        }),
        None => {}
    }
    let sysctls = [
        ("ipv4.forwarding", v4.forwarding.is_some()),
        ("ipv4.rp_filter", v4.rp_filter.is_some()),
        ("ipv4.arp_ignore", v4.arp_ignore.is_some()),
        ("ipv4.arp_announce", v4.arp_announce.is_some()),
        ("ipv4.proxy_arp", v4.proxy_arp.is_some()),
        ("ipv6.forwarding", v6.forwarding.is_some()),
        ("ipv6.disable_ipv6", v6.disable_ipv6.is_some()),
        ("ipv6.slaac", v6.slaac.is_some()),
        ("ipv6.privacy prefer-public", v6.privacy == Some(Privacy::PreferPublic)),
        ("ipv6.accept_dad", v6.accept_dad.is_some()),
        ("ipv6.dad_transmits", v6.dad_transmits.is_some()),
    ];
    // netplan's true is networkd's IPv6PrivacyExtensions=yes: temporary addresses, preferred.
    match v6.privacy {
        Some(Privacy::PreferTemporary) => {
            body.insert("ipv6-privacy".into(), json!(true));
        }
        Some(Privacy::Off) => {
            body.insert("ipv6-privacy".into(), json!(false));
        }
        _ => {}
    }
    for (what, set) in sysctls {
        if set {
            lost.push(Lost { at: i.name.clone(), what: what.into(), why: "netplan has no key for it".into() });
        }
    }
    let mut policy = Vec::new();
    for r in rules_of(config, &i.name) {
        let mut m = Map::new();
        let unsaid: Vec<&str> = [
            ("iif", r.iif.is_some()),
            ("oif", r.oif.is_some()),
            ("ipproto", r.ipproto.is_some()),
            ("sport", r.sport.is_some()),
            ("dport", r.dport.is_some()),
            ("uid", r.uid.is_some()),
            ("not", r.not),
            ("l3mdev", r.l3mdev),
            ("goto", r.goto.is_some()),
            ("fwmark mask", r.fwmark.is_some_and(|f| f.mask.is_some())),
            ("action", r.action != RuleAction::Lookup),
            ("family without from/to", r.from.is_none() && r.to.is_none()),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect();
        if !unsaid.is_empty() {
            lost.push(Lost {
                at: i.name.clone(),
                what: format!("routing rule `{r}`"),
                why: format!("netplan's routing-policy cannot say {}", unsaid.join(", ")),
            });
            continue;
        }
        m.insert("from".into(), json!(r.from.map_or("all".into(), |p| p.to_string())));
        if let Some(p) = r.to {
            m.insert("to".into(), json!(p.to_string()));
        }
        m.insert("table".into(), json!(r.table.unwrap_or(254)));
        if let Some(p) = r.priority {
            m.insert("priority".into(), json!(p));
        }
        if let Some(f) = r.fwmark {
            m.insert("mark".into(), json!(f.mark));
        }
        if let Some(t) = r.tos {
            m.insert("type-of-service".into(), json!(t));
        }
        policy.push(Value::Object(m));
    }
    if !policy.is_empty() {
        body.insert("routing-policy".into(), Value::Array(policy));
    }
}

/// Reads the netplan IP-layer keys of one interface body; returns whether `k` was one of them.
pub(crate) fn netplan_import(
    k: &str,
    v: &Value,
    i: &mut Interface,
    rules: &mut Vec<Rule>,
    here: &str,
    lost: &mut Vec<Lost>,
) -> bool {
    let mut bad = |why: String| lost.push(Lost { at: here.into(), what: format!("{k}: {v}"), why });
    match k {
        "accept-ra" => match v.as_bool() {
            Some(b) => i.ipv6.accept_ra = Some(b),
            None => bad("not a boolean".into()),
        },
        "link-local" => {
            let fams: Vec<&str> = v.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            i.ipv6.link_local = Some(fams.contains(&"ipv6"));
            if fams.contains(&"ipv4") {
                bad("IPv4 link-local (169.254/16) addressing is not something hostnet configures".into());
            }
        }
        "ipv6-privacy" => match v.as_bool() {
            Some(b) => i.ipv6.privacy = Some(if b { Privacy::PreferTemporary } else { Privacy::Off }),
            None => bad("not a boolean".into()),
        },
        "ipv6-address-generation" => match v.as_str() {
            Some("eui64") => i.ipv6.addr_gen_mode = Some(AddrGenMode::Eui64),
            Some("stable-privacy") => i.ipv6.addr_gen_mode = Some(AddrGenMode::StablePrivacy),
            _ => bad("expected eui64 or stable-privacy".into()),
        },
        "routing-policy" => {
            for p in v.as_array().into_iter().flatten() {
                match netplan_rule(p) {
                    Ok(r) => rules.push(r),
                    Err(why) => lost.push(Lost { at: here.into(), what: format!("routing-policy {p}"), why }),
                }
            }
        }
        _ => return false,
    }
    true
}

fn netplan_rule(p: &Value) -> Result<Rule, String> {
    let prefix = |k: &str| -> Result<_, String> {
        match p.get(k).and_then(Value::as_str) {
            None | Some("all") => Ok(None),
            Some(s) => s.parse().map(Some),
        }
    };
    let mut r = Rule { from: prefix("from")?, to: prefix("to")?, ..Default::default() };
    r.table = Some(p.get("table").and_then(Value::as_u64).ok_or("routing-policy without a numeric table")? as u32);
    r.priority = p.get("priority").and_then(Value::as_u64).map(|x| x as u32);
    r.tos = p.get("type-of-service").and_then(Value::as_u64).and_then(|t| u8::try_from(t).ok());
    if let Some(m) = p.get("mark").and_then(Value::as_u64) {
        r.fwmark = Some(hostnet_core::model::rule::FwMark { mark: m as u32, mask: None });
    }
    if r.from.is_none() && r.to.is_none() {
        r.family = Some(Family::Ipv4);
    }
    Ok(r)
}

/// ifupdown has no option for the IP-layer sysctls; the Debian idiom is a `post-up sysctl -w`
/// line in the stanza, which the importer reads back.
pub(crate) fn ifupdown_sysctls(i: &Interface) -> String {
    hostnet_core::model::ip::wanted_sysctls(&i.ipv4, &i.ipv6, false)
        .into_iter()
        .map(|(k, v)| format!("    post-up sysctl -q -w {}={v}\n", k.dotted(&i.name)))
        .collect()
}

/// `link-local: []` on a bond or bridge port says what hostnet does for ports anyway; the
/// imported config leaves it unsaid, as a hand-written one would.
pub(crate) fn ports_default_link_local(interfaces: &mut [Interface]) {
    let ports: std::collections::HashSet<String> = hostnet_core::model::masters_of(interfaces)
        .into_iter()
        .filter(|(_, m)| !matches!(m.kind, Kind::Vrf(_)))
        .map(|(p, _)| p.to_string())
        .collect();
    for i in interfaces.iter_mut().filter(|i| ports.contains(&i.name)) {
        if i.ipv6.link_local == Some(false) {
            i.ipv6.link_local = None;
        }
    }
}
