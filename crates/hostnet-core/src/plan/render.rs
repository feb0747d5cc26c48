//! Plans for people (a numbered list) and as an equivalent iproute2 shell script.

use std::fmt::Write;

use super::{Op, Plan, Selector};
use crate::model::{Bridge, Kind, Route, RouteDst};

/// Numbered, aligned, one operation a line.
pub fn render_text(plan: &Plan) -> String {
    if plan.is_empty() {
        return "nothing to do: the host already matches the config\n".into();
    }
    let rows: Vec<(String, String, String)> = plan.ops().map(describe).collect();
    let vw = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let sw = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    let nw = rows.len().to_string().len();
    let mut out = String::new();
    for (i, (verb, subject, detail)) in rows.iter().enumerate() {
        let line = format!("{:>nw$}  {verb:<vw$}  {subject:<sw$}  {detail}", i + 1);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// One operation on one line, as in `render_text` without the number and the alignment.
pub fn op_line(op: &Op) -> String {
    let (verb, subject, detail) = describe(op);
    [verb, subject, detail].iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join(" ")
}

fn describe(op: &Op) -> (String, String, String) {
    // The verb is the operation's JSON `op` name: text, JSON, logs and docs say the same word.
    let (subject, detail): (&str, String) = match op {
        Op::Missing { name, selector } => (name, format!("no NIC matches {selector}")),
        Op::Rename { from, to } => (to, format!("find by {from}")),
        Op::Create { name, kind, .. } => (name, format!("{} {}", kind.name(), kind_args(kind).join(" "))),
        Op::Delete { name, .. } => (name, String::new()),
        Op::SetMtu { name, mtu } => (name, mtu.to_string()),
        Op::SetMac { name, mac } => (name, mac.to_string()),
        Op::SetDown { name } => (name, String::new()),
        Op::SetUp { name } => (name, String::new()),
        Op::Enslave { port, master } => (port, format!("into {master}")),
        Op::Release { port, master } => (port, format!("from {master}")),
        Op::SetBondMode { name, mode } => (name, mode.to_string()),
        Op::SetBondOptions { name, options } => {
            (name, options.iter().map(|o| format!("{} {}", o.key(), o.value_text())).collect::<Vec<_>>().join(" "))
        }
        Op::SetBridgeOptions { name, options } => (name, bridge_args(options).join(" ")),
        Op::SetWireguard { name, config } => (name, wg_words(config).join(" ")),
        Op::SetBridgePort { name, options } => (name, port_args(options).join(" ")),
        Op::BridgeVlans { name, add, del, .. } => (name, vlans_text(add, del)),
        Op::SetEthtool { name, settings } => (name, ethtool_text(settings)),
        Op::AddAddress { name, address, .. } => (name, address.to_string()),
        Op::DelAddress { name, address } => (name, address.to_string()),
        Op::AddRoute { name, route } => (name, route_args(route).join(" ")),
        Op::DelRoute { name, route } => (name, route_args(route).join(" ")),
        Op::SetDns { dns, .. } => {
            let mut d: Vec<String> = dns.nameservers.iter().map(|n| format!("nameserver {n}")).collect();
            if !dns.search.is_empty() {
                d.push(format!("search {}", dns.search.join(" ")));
            }
            ("resolv.conf", d.join(", "))
        }
        Op::SetSysctl { name, key, value } => (name, format!("{key} = {value}")),
        Op::AddRule { rule } => ("", rule.to_string()),
        Op::DelRule { rule } => ("", rule.to_string()),
        Op::SetNetSysctl { key, value } => ("", format!("{key} = {value}")),
    };
    (op.kind_name().to_string(), subject.to_string(), detail.trim_end().to_string())
}

/// Type-specific arguments, in iproute2's spelling and units.
fn kind_args(kind: &Kind) -> Vec<String> {
    match kind {
        Kind::Bond(b) => {
            let mut v = vec!["mode".to_string(), b.mode.to_string()];
            for o in b.options() {
                v.push(o.ip_keyword().to_string());
                v.push(sh(&o.value_text()));
            }
            v
        }
        Kind::Bridge(b) => bridge_args(b),
        Kind::Vlan(v) => {
            let mut a = vec!["id".to_string(), v.id.to_string()];
            if let Some(p) = v.protocol {
                a.extend(["protocol".to_string(), p.to_string()]);
            }
            a
        }
        Kind::Veth(v) => vec!["peer".into(), "name".into(), sh(&v.peer)],
        Kind::Macvlan(m) => vec!["mode".into(), m.mode().to_string()],
        Kind::Ipvlan(m) => vec!["mode".into(), m.mode().to_string(), m.flags().to_string()],
        Kind::Vxlan(v) => {
            let mut a = vec!["id".to_string(), v.vni.to_string()];
            for (k, ip) in [("local", v.local), ("remote", v.remote), ("group", v.group)] {
                if let Some(ip) = ip {
                    a.extend([k.to_string(), ip.to_string()]);
                }
            }
            if let Some(b) = &v.base {
                a.extend(["dev".to_string(), sh(b)]);
            }
            a.extend(["dstport".to_string(), v.port().to_string()]);
            if !v.learning() {
                a.push("nolearning".into());
            }
            a
        }
        Kind::Vrf(v) => vec!["table".into(), v.table.to_string()],
        Kind::Ethernet(_) | Kind::Dummy(_) | Kind::Wireguard(_) | Kind::Loopback(_) => vec![],
    }
}

fn ethtool_text(settings: &crate::model::Ethtool) -> String {
    let group = |opt: &str| match opt {
        "-L" => "channels ",
        "-G" => "rings ",
        "-C" => "coalesce ",
        _ => "",
    };
    let mut parts = Vec::new();
    for (opt, words) in settings.commands() {
        parts.extend(words.into_iter().map(|(k, v)| format!("{}{k} {v}", group(opt))));
    }
    parts.join(", ")
}

fn vlan_words(v: &crate::model::BridgeVlan) -> String {
    let mut w = if v.vid.0 == v.vid.1 { v.vid.0.to_string() } else { format!("{}-{}", v.vid.0, v.vid.1) };
    if v.pvid {
        w.push_str(" pvid");
    }
    if v.untagged {
        w.push_str(" untagged");
    }
    w
}

fn vlans_text(add: &[crate::model::BridgeVlan], del: &[crate::model::BridgeVlan]) -> String {
    let mut parts = Vec::new();
    if !add.is_empty() {
        parts.push(format!("add {}", add.iter().map(vlan_words).collect::<Vec<_>>().join(", ")));
    }
    if !del.is_empty() {
        parts.push(format!("del {}", del.iter().map(vlan_words).collect::<Vec<_>>().join(", ")));
    }
    parts.join("; ")
}

/// `ip link set dev PORT type bridge_slave ...` arguments.
fn port_args(p: &crate::model::BridgePort) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(c) = p.cost {
        v.extend(["cost".to_string(), c.to_string()]);
    }
    if let Some(x) = p.priority {
        v.extend(["priority".to_string(), x.to_string()]);
    }
    let on = |b: bool| if b { "on" } else { "off" }.to_string();
    for (k, b) in [
        ("hairpin", p.hairpin),
        ("isolated", p.isolated),
        ("learning", p.learning),
        ("flood", p.flood),
        ("guard", p.bpdu_guard),
        ("mcast_flood", p.mcast_flood),
        ("neigh_suppress", p.neigh_suppress),
    ] {
        if let Some(b) = b {
            v.extend([k.to_string(), on(b)]);
        }
    }
    if let Some(r) = p.mcast_router {
        v.extend(["mcast_router".to_string(), r.to_string()]);
    }
    v
}

/// Bridge times are seconds in the config; iproute2 takes hundredths of a second.
fn bridge_args(b: &Bridge) -> Vec<String> {
    let mut v = Vec::new();
    let mut push = |k: &str, val: String| {
        v.push(k.to_string());
        v.push(val);
    };
    if let Some(s) = b.stp {
        push("stp_state", u8::from(s).to_string());
    }
    for t in &crate::model::bridge_timers::BRIDGE_TIMERS {
        if let Some(s) = (t.get)(b) {
            push(t.key, crate::model::bridge_timers::to_hundredths(s).to_string());
        }
    }
    if let Some(p) = b.priority {
        push("priority", p.to_string());
    }
    if let Some(f) = b.vlan_filtering {
        push("vlan_filtering", u8::from(f).to_string());
    }
    if let Some(s) = b.mcast_snooping {
        push("mcast_snooping", u8::from(s).to_string());
    }
    if let Some(q) = b.mcast_querier {
        push("mcast_querier", u8::from(q).to_string());
    }
    v
}

/// One operation as the iproute2 command that does it (`ip rule add ...`), for formats that
/// carry what they cannot say as commands (ifupdown's `up` lines).
pub fn ip_line(op: &Op) -> String {
    ip_command(op, &IpTarget::default())
}

/// A route as `ip route` spells it: `198.51.100.0/24 via 192.0.2.254 metric 50`.
pub fn route_text(r: &Route) -> String {
    route_args(r).join(" ")
}

fn route_args(r: &Route) -> Vec<String> {
    let mut v: Vec<String> = (!r.kind.is_unicast()).then(|| r.kind.name().to_string()).into_iter().collect();
    v.push(match r.dst {
        RouteDst::Default => "default".to_string(),
        RouteDst::Net(n) => n.to_string(),
    });
    if let Some(gw) = r.via {
        v.extend(["via".into(), gw.to_string()]);
    }
    if let Some(m) = r.metric {
        v.extend(["metric".into(), m.to_string()]);
    }
    if let Some(t) = r.table {
        v.extend(["table".into(), t.to_string()]);
    }
    if let Some(s) = r.src {
        v.extend(["src".into(), s.to_string()]);
    }
    if r.onlink {
        v.push("onlink".into());
    }
    if let Some(s) = r.scope {
        v.extend(["scope".into(), format!("{s:?}").to_lowercase()]);
    }
    if let Some(m) = r.mtu {
        v.extend(["mtu".into(), m.to_string()]);
    }
    if let Some(p) = r.protocol {
        v.extend(["proto".into(), format!("{p:?}").to_lowercase()]);
    }
    for (k, x) in r.tcp_settings() {
        v.extend([k.to_string(), sh(&x)]);
    }
    // `ip` reads the paths last.
    for h in &r.nexthops {
        v.extend(["nexthop".into(), "via".into(), h.via.to_string(), "dev".into(), sh(&h.dev)]);
        if let Some(w) = h.weight {
            v.extend(["weight".into(), w.to_string()]);
        }
        if h.onlink {
            v.push("onlink".into());
        }
    }
    v
}

const BY_MAC: &str = r#"hostnet_by_mac() {
  ip -o link show | awk -v m="$1" '{ for (i = 1; i < NF; i++) if (($i == "link/ether" || $i == "permaddr") && $(i+1) == m) { sub(/:$/, "", $2); sub(/@.*/, "", $2); print $2; exit } }'
}
"#;
const BY_PCI: &str = r#"hostnet_by_pci() {
  for d in /sys/class/net/*; do
    [ "$(basename "$(readlink -f "$d/device" 2>/dev/null)")" = "$1" ] && { basename "$d"; return; }
  done
}
"#;

/// Where an `ip` script acts, as `apply` would: the network namespace (`--netns`), the
/// resolv.conf it writes (`--resolv-conf`), and whether systemd-resolved keeps DNS instead
/// (then the servers go to the links with `resolvectl`, as apply gives them over D-Bus).
#[derive(Debug, Clone)]
pub struct IpTarget {
    pub netns: Option<String>,
    pub resolv_conf: String,
    pub resolved: bool,
}

impl Default for IpTarget {
    fn default() -> Self {
        IpTarget { netns: None, resolv_conf: "/etc/resolv.conf".into(), resolved: false }
    }
}

/// A POSIX shell script of `ip` commands equivalent to the plan. Every device name goes after
/// `name` or `dev`, so names like `br` are never read as iproute2 keywords.
pub fn render_ip(plan: &Plan, source: &str, target: &IpTarget) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "#!/bin/sh\n# Generated by hostnet from {source}; equivalent to `hostnet apply`.\nset -eu");
    if let Some(ns) = &target.netns {
        // Each tool runs inside the namespace, as every socket of `hostnet --netns` does; the
        // lines below read as they would on the host itself.
        let ns = sh(ns);
        let _ = write!(
            out,
            "\n# Everything below acts inside network namespace {ns}, as `hostnet --netns {ns} apply` does.\n\
             ip() {{ command ip -n {ns} \"$@\"; }}\n\
             bridge() {{ command bridge -n {ns} \"$@\"; }}\n\
             sysctl() {{ command ip netns exec {ns} sysctl \"$@\"; }}\n\
             ethtool() {{ command ip netns exec {ns} ethtool \"$@\"; }}\n\
             wg() {{ command ip netns exec {ns} wg \"$@\"; }}\n"
        );
    }
    let mut helpers = String::new();
    if plan.ops().any(|o| matches!(o, Op::Rename { from: Selector::Mac(_), .. })) {
        helpers.push_str(BY_MAC);
    }
    if plan.ops().any(|o| matches!(o, Op::Rename { from: Selector::PciPath(_), .. })) {
        match &target.netns {
            // /sys/class/net shows the namespace's links only from inside it.
            Some(ns) => {
                let _ = write!(
                    helpers,
                    "hostnet_by_pci() {{\n  command ip netns exec {} sh -c 'for d in /sys/class/net/*; do [ \"$(basename \"$(readlink -f \"$d/device\" 2>/dev/null)\")\" = \"$1\" ] && {{ basename \"$d\"; exit; }}; done' sh \"$1\"\n}}\n",
                    sh(ns)
                );
            }
            None => helpers.push_str(BY_PCI),
        }
    }
    if !helpers.is_empty() {
        out.push('\n');
        out.push_str(&helpers);
    }
    out.push('\n');
    for op in plan.ops() {
        out.push_str(&ip_command(op, target));
        out.push('\n');
    }
    out
}

fn ip_command(op: &Op, target: &IpTarget) -> String {
    match op {
        Op::Missing { name, selector } => {
            format!("echo {} >&2; false", sh(&format!("hostnet: {name}: no NIC matches {selector}")))
        }
        Op::Rename { from, to } => {
            let dev = match from {
                Selector::Name(n) => sh(n),
                Selector::Mac(m) => format!("\"$(hostnet_by_mac {m})\""),
                Selector::PciPath(p) => format!("\"$(hostnet_by_pci {p})\""),
            };
            format!("ip link set dev {dev} down\nip link set dev {dev} name {}", sh(to))
        }
        Op::Create { name, kind: kind @ (Kind::Vlan(_) | Kind::Macvlan(_) | Kind::Ipvlan(_)), .. } => {
            let base = kind.base().expect("these kinds have a base");
            format!(
                "ip link add link {} name {} type {} {}",
                sh(base),
                sh(name),
                kind.name(),
                kind_args(kind).join(" ")
            )
        }
        Op::Create { name, kind: Kind::Wireguard(w), .. } => {
            format!("ip link add name {} type wireguard\nwg set {} {}", sh(name), sh(name), wg_words(w).join(" "))
        }
        Op::Create { name, kind, .. } => {
            let args = kind_args(kind);
            let sep = if args.is_empty() { "" } else { " " };
            format!("ip link add name {} type {}{sep}{}", sh(name), kind.name(), args.join(" "))
        }
        Op::Delete { name, .. } => format!("ip link del dev {}", sh(name)),
        Op::SetMtu { name, mtu } => format!("ip link set dev {} mtu {mtu}", sh(name)),
        Op::SetMac { name, mac } => format!("ip link set dev {} address {mac}", sh(name)),
        Op::SetDown { name } => format!("ip link set dev {} down", sh(name)),
        Op::SetUp { name } => format!("ip link set dev {} up", sh(name)),
        Op::Enslave { port, master } => {
            format!("ip link set dev {} master {}", sh(port), sh(master))
        }
        Op::Release { port, .. } => format!("ip link set dev {} nomaster", sh(port)),
        Op::SetBondMode { name, mode } => {
            format!("ip link set dev {} type bond mode {mode}", sh(name))
        }
        Op::SetBondOptions { name, options } => {
            let args: Vec<String> =
                options.iter().map(|o| format!("{} {}", o.ip_keyword(), sh(&o.value_text()))).collect();
            format!("ip link set dev {} type bond {}", sh(name), args.join(" "))
        }
        Op::SetWireguard { name, config } => format!("wg set {} {}", sh(name), wg_words(config).join(" ")),
        Op::SetBridgeOptions { name, options } => {
            format!("ip link set dev {} type bridge {}", sh(name), bridge_args(options).join(" "))
        }
        Op::SetBridgePort { name, options } => {
            format!("ip link set dev {} type bridge_slave {}", sh(name), port_args(options).join(" "))
        }
        Op::SetEthtool { name, settings } => {
            let lines: Vec<String> = settings
                .commands()
                .into_iter()
                .map(|(opt, words)| {
                    let args: Vec<String> = words.into_iter().map(|(k, v)| format!("{k} {v}")).collect();
                    format!("ethtool {opt} {} {}", sh(name), args.join(" "))
                })
                .collect();
            lines.join("\n")
        }
        Op::BridgeVlans { name, own, add, del } => {
            let own = if *own { " self" } else { "" };
            let line = |verb: &str, v: &crate::model::BridgeVlan| {
                let vid = if v.vid.0 == v.vid.1 { v.vid.0.to_string() } else { format!("{}-{}", v.vid.0, v.vid.1) };
                let flags =
                    format!("{}{}", if v.pvid { " pvid" } else { "" }, if v.untagged { " untagged" } else { "" });
                format!("bridge vlan {verb} vid {vid} dev {}{flags}{own}", sh(name))
            };
            let lines: Vec<String> =
                add.iter().map(|v| line("add", v)).chain(del.iter().map(|v| line("del", v))).collect();
            lines.join("\n")
        }
        // `brd +`: apply gives an IPv4 address up to /30 its broadcast, as `ip` does only when
        // asked (rtnetlink's request sets it; /31 and /32 have none either way).
        Op::AddAddress { name, address, no_broadcast: false } if address.addr().is_ipv4() => {
            format!("ip address add {address} brd + dev {}", sh(name))
        }
        Op::AddAddress { name, address, .. } => format!("ip address add {address} dev {}", sh(name)),
        Op::DelAddress { name, address } => format!("ip address del {address} dev {}", sh(name)),
        Op::AddRoute { name, route } | Op::DelRoute { name, route } => {
            let verb = if matches!(op, Op::AddRoute { .. }) { "add" } else { "del" };
            let fam = if route.is_ipv6() { "-6 " } else { "" };
            let dev = match name.as_str() {
                // A top-level local route is delivered through lo.
                super::ROUTES_SUBJECT if route.kind == crate::model::RouteType::Local => " dev lo".to_string(),
                super::ROUTES_SUBJECT => String::new(),
                _ => format!(" dev {}", sh(name)),
            };
            format!("ip {fam}route {verb} {}{dev}", route_args(route).join(" "))
        }
        Op::SetDns { dns, links } if target.resolved => {
            let servers: Vec<String> = dns.nameservers.iter().map(ToString::to_string).collect();
            let lines: Vec<String> = links
                .iter()
                .flat_map(|l| {
                    let mut v = vec![format!("resolvectl dns {} {}", sh(l), servers.join(" "))];
                    if !dns.search.is_empty() {
                        let search: Vec<String> = dns.search.iter().map(|d| sh(d)).collect();
                        v.push(format!("resolvectl domain {} {}", sh(l), search.join(" ")));
                    }
                    v
                })
                .collect();
            lines.join("\n")
        }
        // As apply: a symlink (to a stub another program manages) is refused, not written
        // through.
        Op::SetDns { dns, .. } => {
            let path = sh(&target.resolv_conf);
            format!(
                "[ ! -L {path} ] || {{ echo {} >&2; exit 1; }}\nprintf '%s' {} > {path}",
                sh(&format!(
                    "hostnet: {} is a symlink that another program manages; not replacing it",
                    target.resolv_conf
                )),
                sh(&dns.resolv_conf_text())
            )
        }
        Op::SetSysctl { name, key, value } => format!("sysctl -qw {}={value}", sh(&key.dotted(name))),
        Op::SetNetSysctl { key, value } => format!("sysctl -qw {}", sh(&format!("{key}={value}"))),
        Op::AddRule { rule } | Op::DelRule { rule } => {
            let verb = if matches!(op, Op::AddRule { .. }) { "add" } else { "del" };
            let text = rule.to_string();
            let (fam, sel) = match text.split_once(": ") {
                Some((prio, rest)) => (rest, format!("priority {prio} ")),
                None => (text.as_str(), String::new()),
            };
            let (fam, rest) = match fam.strip_prefix("-6 ") {
                Some(r) => ("-6 ", r),
                None => ("", fam),
            };
            format!("ip {fam}rule {verb} {sel}{rest} protocol static")
        }
    }
}

/// Quotes for POSIX sh when needed.
fn sh(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-+:,/@%=".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `wg set` arguments. Keys appear as their files' paths only; peers the device has beyond
/// these are removed by hostnet (`wg set` would keep them).
fn wg_words(w: &crate::model::wireguard::Wireguard) -> Vec<String> {
    let mut a = Vec::new();
    match &w.private_key_file {
        Some(f) => a.extend(["private-key".to_string(), sh(&f.display().to_string())]),
        None => a.push("(key unchanged)".into()),
    }
    if let Some(p) = w.listen_port {
        a.extend(["listen-port".into(), p.to_string()]);
    }
    if let Some(m) = w.fwmark {
        a.extend(["fwmark".into(), m.to_string()]);
    }
    for p in &w.peers {
        a.extend(["peer".into(), sh(&p.public_key)]);
        if let Some(f) = &p.preshared_key_file {
            a.extend(["preshared-key".into(), sh(&f.display().to_string())]);
        }
        if !p.allowed_ips.is_empty() {
            let ips: Vec<String> = p.allowed_ips.iter().map(|c| c.to_string()).collect();
            a.extend(["allowed-ips".into(), ips.join(",")]);
        }
        if let Some(e) = p.endpoint {
            a.extend(["endpoint".into(), e.to_string()]);
        }
        if let Some(k) = p.persistent_keepalive {
            a.extend(["persistent-keepalive".into(), k.to_string()]);
        }
    }
    a
}
