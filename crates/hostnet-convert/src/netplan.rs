//! netplan v2 YAML (`network: {version: 2, ethernets, bonds, vlans, bridges, virtual-ethernets}`).

use std::net::IpAddr;

use hostnet_core::model::{
    Bond, BondMode, Bridge, Cidr, Config, Dns, Ethernet, Interface, Kind, LinkState, Match, Route, RouteDst,
    RouteScope, RouteType, Veth, Vlan,
};
use serde_json::{Map, Value, json};

use crate::bondopts::{self, BRIDGE_TIMERS, TABLE, ValueKind};
use crate::{Exported, Imported, Lost, ordered, parse_time_ms};

const SECTIONS: &[&str] =
    &["ethernets", "bonds", "vlans", "bridges", "virtual-ethernets", "dummy-devices", "vrfs", "tunnels"];

/// The directories netplan reads, lowest precedence first: a file in a later one replaces the
/// file of the same name in an earlier one (netplan(5), "General structure").
pub const DIRS: [&str; 3] = ["/lib/netplan", "/etc/netplan", "/run/netplan"];

/// The files netplan reads from `paths`, in its order: each directory's `*.yaml` files, a file
/// of the same name in a later directory replacing the earlier, all sorted by file name (a
/// file named on its own is taken as it is, in that order).
pub fn files_in(paths: &[std::path::PathBuf]) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut by_name: std::collections::BTreeMap<std::ffi::OsString, std::path::PathBuf> = Default::default();
    let mut single = Vec::new();
    for p in paths {
        if !p.is_dir() {
            single.push(p.clone());
            continue;
        }
        for e in std::fs::read_dir(p)? {
            let f = e?.path();
            if f.extension().is_some_and(|x| x == "yaml")
                && let Some(name) = f.file_name()
            {
                by_name.insert(name.to_os_string(), f);
            }
        }
    }
    let mut out: Vec<std::path::PathBuf> = by_name.into_values().collect();
    out.extend(single);
    Ok(out)
}

/// Reads netplan files, merged in the order given (later files override earlier keys, as
/// netplan merges /etc/netplan/*.yaml in lexical order).
pub fn import(files: &[(String, String)]) -> Result<Imported, String> {
    let mut merged = Value::Object(Map::new());
    for (name, text) in files {
        let v: Value = serde_saphyr::from_str(text).map_err(|e| format!("{name}: {}", e.without_snippet()))?;
        merge(&mut merged, v);
    }
    let mut lost = Vec::new();
    let net = merged.get("network").cloned().unwrap_or(Value::Null);
    let at = |section: &str, id: &str| format!("network.{section}.{id}");
    if let Some(v) = net.get("version").and_then(Value::as_u64)
        && v != 2
    {
        return Err(format!("netplan version {v} is not supported (only 2)"));
    }
    for (k, _) in net.as_object().into_iter().flatten() {
        if !SECTIONS.contains(&k.as_str()) && k != "version" && k != "renderer" {
            lost.push(Lost { at: format!("network.{k}"), what: k.clone(), why: "section not translated".into() });
        }
    }
    let mut interfaces = Vec::new();
    let mut dns = Dns::default();
    let mut rules = Vec::new();
    let mut typed = Vec::new();
    let mut vrf_members: Vec<(String, String)> = Vec::new();
    // (port, path cost or priority, value) from bridges' parameters.
    let mut port_settings: Vec<(String, bool, u32)> = Vec::new();
    for section in SECTIONS {
        let Some(items) = net.get(*section).and_then(Value::as_object) else { continue };
        for (id, body) in items {
            let here = at(section, id);
            let Some(body) = body.as_object() else { continue };
            let mut name = id.clone();
            let kind = match *section {
                "ethernets" => {
                    let mut m = Match::default();
                    if let Some(mt) = body.get("match").and_then(Value::as_object) {
                        for (k, v) in mt {
                            match (k.as_str(), v.as_str()) {
                                ("macaddress", Some(mac)) => match mac.parse() {
                                    Ok(x) => m.mac = Some(x),
                                    Err(e) => lost.push(Lost {
                                        at: here.clone(),
                                        what: format!("match.macaddress {mac}"),
                                        why: e,
                                    }),
                                },
                                ("name", Some(n)) if !n.contains(['*', '?', '[']) => m.name = Some(n.to_string()),
                                _ => lost.push(Lost {
                                    at: here.clone(),
                                    what: format!("match.{k}"),
                                    why: "only macaddress and exact names are translated".into(),
                                }),
                            }
                        }
                    }
                    match body.get("set-name").and_then(Value::as_str) {
                        Some(n) => name = n.to_string(),
                        None if m.name.is_some() => name = m.name.clone().expect("checked"),
                        None if m.mac.is_some() => lost.push(Lost {
                            at: here.clone(),
                            what: "match without set-name".into(),
                            why: format!("hostnet names every NIC; it will be renamed to `{id}`"),
                        }),
                        None => {}
                    }
                    if m.name.as_deref() == Some(name.as_str()) {
                        m.name = None;
                    }
                    // netplan configures lo as an ethernet of that name.
                    if name == "lo" && m.is_empty() {
                        Kind::Loopback(Default::default())
                    } else {
                        Kind::Ethernet(Ethernet { matches: m, cabled_to: None })
                    }
                }
                "bonds" => {
                    let p = body.get("parameters").and_then(Value::as_object).cloned().unwrap_or_default();
                    let mode = p.get("mode").and_then(Value::as_str).unwrap_or("balance-rr");
                    let mode: BondMode = mode.parse().unwrap_or_else(|e: String| {
                        lost.push(Lost { at: here.clone(), what: format!("mode {mode}"), why: e });
                        BondMode::BalanceRr
                    });
                    let mut b = Bond::new(mode);
                    b.ports = strings(body.get("interfaces"));
                    for (k, v) in &p {
                        if k == "mode" {
                            continue;
                        }
                        let key = if k == "gratuitious-arp" { "gratuitous-arp" } else { k.as_str() };
                        let Some(row) = TABLE.iter().find(|r| r.netplan == Some(key)) else {
                            lost.push(Lost {
                                at: here.clone(),
                                what: format!("parameters.{k}"),
                                why: "bond parameter not known to hostnet".into(),
                            });
                            continue;
                        };
                        let text = match (row.kind, v) {
                            (ValueKind::Millis, _) => parse_time_ms(&scalar(v), 1).map(|ms| ms.to_string()),
                            (ValueKind::Seconds, _) => {
                                parse_time_ms(&scalar(v), 1000).map(|ms| (ms / 1000).to_string())
                            }
                            (ValueKind::List, Value::Array(a)) => {
                                Some(a.iter().map(scalar).collect::<Vec<_>>().join(","))
                            }
                            _ => Some(scalar(v)),
                        };
                        let res = text
                            .ok_or_else(|| "not a time".to_string())
                            .and_then(|t| bondopts::set(&mut b, row.key, &t));
                        if let Err(why) = res {
                            lost.push(Lost { at: here.clone(), what: format!("parameters.{k}"), why });
                        }
                    }
                    Kind::Bond(b)
                }
                "vlans" => {
                    let id = body.get("id").and_then(Value::as_u64).unwrap_or(0) as u16;
                    let base = body.get("link").and_then(Value::as_str).unwrap_or_default().to_string();
                    Kind::Vlan(Vlan { base, id, protocol: None })
                }
                "bridges" => {
                    let p = body.get("parameters").and_then(Value::as_object).cloned().unwrap_or_default();
                    let mut br = Bridge {
                        ports: strings(body.get("interfaces")),
                        stp: p.get("stp").and_then(Value::as_bool),
                        priority: p.get("priority").and_then(Value::as_u64).map(|x| x as u16),
                        ..Default::default()
                    };
                    for t in BRIDGE_TIMERS {
                        if let Some(ms) = p.get(t.netplan).and_then(|v| parse_time_ms(&scalar(v), 1000)) {
                            (t.set)(&mut br, (ms / 1000) as u32);
                        }
                    }
                    for (key, is_cost) in [("path-cost", true), ("port-priority", false)] {
                        for (port, v) in p.get(key).and_then(Value::as_object).into_iter().flatten() {
                            if let Some(n) = v.as_u64() {
                                port_settings.push((port.clone(), is_cost, n as u32));
                            }
                        }
                    }
                    Kind::Bridge(br)
                }
                "dummy-devices" => Kind::Dummy(Default::default()),
                "vrfs" => {
                    for m in strings(body.get("interfaces")) {
                        vrf_members.push((m, name.clone()));
                    }
                    let table = body.get("table").and_then(Value::as_u64).unwrap_or(0) as u32;
                    Kind::Vrf(hostnet_core::model::Vrf { table, ports: Vec::new() })
                }
                "tunnels" => match tunnel(body) {
                    Ok(k) => k,
                    Err(why) => {
                        lost.push(Lost { at: here.clone(), what: format!("tunnel {id}"), why });
                        continue;
                    }
                },
                _ => {
                    Kind::Veth(Veth { peer: body.get("peer").and_then(Value::as_str).unwrap_or_default().to_string() })
                }
            };
            let mut iface = Interface::new(name, kind);
            common(body, &mut iface, &mut dns, (&mut rules, &mut typed), &here, &mut lost, section);
            interfaces.push(iface);
        }
    }
    crate::take_port_settings(&mut interfaces, port_settings);
    for (member, vrf) in vrf_members {
        match interfaces.iter_mut().find(|i| i.name == member) {
            Some(i) => i.vrf = Some(vrf),
            None => lost.push(Lost {
                at: at("vrfs", &vrf),
                what: format!("interfaces: {member}"),
                why: "not declared in these files".into(),
            }),
        }
    }
    crate::iplayer::ports_default_link_local(&mut interfaces);
    let dns = (!dns.nameservers.is_empty() || !dns.search.is_empty()).then_some(dns);
    // networkd, netplan's usual renderer, removes rules it was not given
    // (ManageForeignRoutingPolicyRules=yes): declaring the list means the same in hostnet.
    let routing_rules = (!rules.is_empty()).then_some(rules);
    let routes = (!typed.is_empty()).then_some(typed);
    let mut config = Config { interfaces, dns, routing_rules, routes, ..Default::default() };
    config.link_vrfs();
    Ok(Imported { config, lost })
}

fn common(
    body: &Map<String, Value>,
    i: &mut Interface,
    dns: &mut Dns,
    (rules, typed): (&mut Vec<hostnet_core::model::Rule>, &mut Vec<Route>),
    here: &str,
    lost: &mut Vec<Lost>,
    section: &str,
) {
    let known: &[&str] = &[
        "match",
        "set-name",
        "interfaces",
        "parameters",
        "id",
        "link",
        "peer",
        "table",
        "mode",
        "local",
        "remote",
        "port",
        "mac-learning",
        "addresses",
        "routes",
        "gateway4",
        "gateway6",
        "nameservers",
        "mtu",
        "macaddress",
        "dhcp4",
        "dhcp6",
        "activation-mode",
    ];
    for (k, v) in body {
        if crate::iplayer::netplan_import(k, v, i, rules, here, lost)
            || crate::dhcp::netplan_import(k, v, i, here, lost)
        {
            continue;
        }
        if let Some(o) = crate::OFFLOADS.iter().find(|o| o.2 == k.as_str()) {
            match v.as_bool() {
                Some(b) => {
                    i.ethtool.get_or_insert_with(Default::default).features.insert(o.0.to_string(), b);
                }
                None => lost.push(Lost { at: here.into(), what: format!("{k}: {v}"), why: "not a boolean".into() }),
            }
            continue;
        }
        match k.as_str() {
            "addresses" => {
                for a in strings(Some(v)) {
                    match a.parse::<Cidr>() {
                        Ok(c) => i.addresses.push(c),
                        Err(e) => lost.push(Lost { at: here.into(), what: format!("address {a}"), why: e }),
                    }
                }
            }
            "gateway4" | "gateway6" => match v.as_str().and_then(|g| g.parse::<IpAddr>().ok()) {
                Some(gw) => i.routes.push(Route::default_via(gw)),
                None => lost.push(Lost { at: here.into(), what: k.clone(), why: "not an IP address".into() }),
            },
            "routes" => {
                for r in v.as_array().into_iter().flatten() {
                    match route(r) {
                        // Routes that drop packets go out of no interface in hostnet's model.
                        Ok(x) if x.kind.drops() => typed.push(x),
                        Ok(x) => i.routes.push(x),
                        Err(why) => lost.push(Lost { at: here.into(), what: format!("route {r}"), why }),
                    }
                }
            }
            "nameservers" => {
                let ns = v.get("addresses");
                dns.nameservers.extend(
                    strings(ns)
                        .iter()
                        .filter_map(|a| a.parse::<IpAddr>().ok())
                        .filter(|a| !dns.nameservers.contains(a))
                        .collect::<Vec<_>>(),
                );
                for s in strings(v.get("search")) {
                    if !dns.search.contains(&s) {
                        dns.search.push(s);
                    }
                }
            }
            "mtu" => i.mtu = v.as_u64().map(|m| m as u32),
            "macaddress" => i.mac = v.as_str().and_then(|m| m.parse().ok()),
            "activation-mode" => match v.as_str() {
                Some("off") => i.state = LinkState::Down,
                _ => lost.push(Lost {
                    at: here.into(),
                    what: format!("activation-mode {v}"),
                    why: "only `off` is translated (as state: down)".into(),
                }),
            },
            k if known.contains(&k) => {}
            _ => lost.push(Lost { at: here.into(), what: k.clone(), why: format!("key not translated for {section}") }),
        }
    }
}

fn route(r: &Value) -> Result<Route, String> {
    let to = r.get("to").and_then(Value::as_str).ok_or("route without `to`")?;
    let dst: RouteDst = to.parse()?;
    let via = r
        .get("via")
        .and_then(Value::as_str)
        .map(|g| g.parse::<IpAddr>().map_err(|_| format!("via {g}: not an IP")))
        .transpose()?;
    let kind = match r.get("type").and_then(Value::as_str) {
        None | Some("unicast") => RouteType::Unicast,
        Some("local") => RouteType::Local,
        Some("blackhole") => RouteType::Blackhole,
        Some("unreachable") => RouteType::Unreachable,
        Some("prohibit") => RouteType::Prohibit,
        Some(t) => return Err(format!("route type {t} is not translated")),
    };
    Ok(Route {
        kind,
        via,
        metric: r.get("metric").and_then(Value::as_u64).map(|m| m as u32),
        table: r.get("table").and_then(Value::as_u64).map(|m| m as u32),
        src: r.get("from").and_then(Value::as_str).and_then(|s| s.parse().ok()),
        onlink: r.get("on-link").and_then(Value::as_bool).unwrap_or(false),
        scope: match r.get("scope").and_then(Value::as_str) {
            None => None,
            Some("global") => Some(RouteScope::Global),
            Some("link") => Some(RouteScope::Link),
            Some("host") => Some(RouteScope::Host),
            Some(s) => return Err(format!("scope {s}: expected global, link or host")),
        },
        mtu: r.get("mtu").and_then(Value::as_u64).map(|m| m as u32),
        initcwnd: r.get("congestion-window").and_then(Value::as_u64).map(|m| m as u32),
        initrwnd: r.get("advertised-receive-window").and_then(Value::as_u64).map(|m| m as u32),
        ..Route::to(dst)
    })
}

/// A netplan tunnel hostnet models: `mode: vxlan`.
fn tunnel(body: &Map<String, Value>) -> Result<Kind, String> {
    let mode = body.get("mode").and_then(Value::as_str).unwrap_or_default();
    if mode == "wireguard" {
        return crate::wireguard::netplan_import(body).map(Kind::Wireguard);
    }
    if mode != "vxlan" {
        return Err(format!("tunnel mode {mode:?}: hostnet models VXLAN and WireGuard tunnels only"));
    }
    let ip = |k: &str| -> Result<Option<IpAddr>, String> {
        body.get(k).and_then(Value::as_str).map(|s| s.parse().map_err(|_| format!("{k} {s}: not an IP"))).transpose()
    };
    let far = ip("remote")?;
    Ok(Kind::Vxlan(hostnet_core::model::Vxlan {
        vni: body.get("id").and_then(Value::as_u64).ok_or("a VXLAN tunnel without `id`")? as u32,
        local: ip("local")?,
        remote: far.filter(|a| !a.is_multicast()),
        group: far.filter(|a| a.is_multicast()),
        port: body.get("port").and_then(Value::as_u64).map(|p| p as u16),
        base: body.get("link").and_then(Value::as_str).map(String::from),
        learning: body.get("mac-learning").and_then(Value::as_bool),
    }))
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array).map(|a| a.iter().map(scalar).collect()).unwrap_or_default()
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}

/// The netplan release an export is for, as (major, minor): Debian 12 ships 0.106.
pub const DEFAULT_VERSION: (u32, u32) = (0, 106);

/// The device sections each netplan release reads: older ones reject a whole file over one
/// section they do not know (netplan 0.106: "unknown key 'virtual-ethernets'").
const SINCE: &[(&str, (u32, u32))] = &[("virtual-ethernets", (0, 107)), ("dummy-devices", (0, 107))];

/// Reads `0.106` or `0.106.1` as (0, 106).
pub fn parse_version(s: &str) -> Result<(u32, u32), String> {
    let mut parts = s.split('.').map(str::parse::<u32>);
    match (parts.next(), parts.next()) {
        (Some(Ok(a)), Some(Ok(b))) => Ok((a, b)),
        _ => Err(format!("`{s}` is not a netplan version such as 0.106")),
    }
}

/// Writes one netplan file, for the netplan Debian 12 ships ([`DEFAULT_VERSION`]).
pub fn export(config: &Config) -> Exported {
    export_for(config, DEFAULT_VERSION)
}

/// Writes one netplan file that netplan `version` reads: a device of a section it lacks is left
/// out, said so, and so are the references to it (a bridge's port, a VLAN's link).
pub fn export_for(config: &Config, version: (u32, u32)) -> Exported {
    let mut exported = export_all(config);
    let too_new: Vec<&str> = SINCE.iter().filter(|(_, since)| *since > version).map(|(s, _)| *s).collect();
    let v = format!("{}.{}", version.0, version.1);
    if too_new.is_empty() {
        let text = &mut exported.files[0].1;
        *text = text.replacen("# Generated by hostnet.", &format!("# Generated by hostnet for netplan {v}."), 1);
        return exported;
    }
    let doc: &str = exported.files[0].1.split_once('\n').map_or("", |(_, d)| d);
    let mut doc: Value = serde_saphyr::from_str(doc).expect("our own export parses");
    let network = doc["network"].as_object_mut().expect("a network map");
    let mut left_out: Vec<String> = Vec::new();
    for section in &too_new {
        if let Some(Value::Object(devices)) = network.remove(*section) {
            for name in devices.keys() {
                exported.lost.push(Lost {
                    at: name.clone(),
                    what: format!("{section} device"),
                    why: format!("netplan {v} has no `{section}` (netplan 0.107 added it), and rejects a file that names it: left out; `--netplan-version 0.107` writes it"),
                });
                left_out.push(name.clone());
            }
        }
    }
    for (_, devices) in network.iter_mut() {
        let Some(devices) = devices.as_object_mut() else { continue };
        let mut gone: Vec<String> = Vec::new();
        for (name, body) in devices.iter_mut() {
            if let Some(Value::Array(ports)) = body.get_mut("interfaces") {
                for p in ports.iter().filter_map(|p| p.as_str()).filter(|p| left_out.iter().any(|l| l == p)) {
                    exported.lost.push(Lost {
                        at: name.clone(),
                        what: format!("port {p}"),
                        why: format!("{p} is left out for netplan {v}, so it is no port here"),
                    });
                }
                ports.retain(|p| !p.as_str().is_some_and(|p| left_out.iter().any(|l| l == p)));
            }
            if body.get("link").and_then(Value::as_str).is_some_and(|l| left_out.iter().any(|o| o == l)) {
                gone.push(name.clone());
            }
        }
        for name in gone {
            devices.remove(&name);
            exported.lost.push(Lost {
                at: name.clone(),
                what: "link".into(),
                why: format!("its link is left out for netplan {v}, so it is too"),
            });
        }
    }
    let yaml =
        format!("# Generated by hostnet for netplan {v}.\n{}", serde_saphyr::to_string(&doc).expect("serializable"));
    exported.files[0].1 = yaml;
    exported
}

fn export_all(config: &Config) -> Exported {
    let mut lost = Vec::new();
    let mut sections: Map<String, Value> = Map::new();
    let holder = crate::ifupdown::dns_holder(config);
    for i in ordered(config) {
        crate::cabling_lost(i, &mut lost);
        crate::vlans_lost(i, &mut lost, "netplan has no bridge VLAN lists");
        let mut body = Map::new();
        let section = match &i.kind {
            Kind::Ethernet(e) => {
                let mut m = Map::new();
                if let Some(mac) = e.matches.mac {
                    m.insert("macaddress".into(), json!(mac.to_string()));
                }
                if let Some(n) = &e.matches.name {
                    m.insert("name".into(), json!(n));
                }
                if e.matches.pci_path.is_some() {
                    lost.push(Lost {
                        at: i.name.clone(),
                        what: "match.pci_path".into(),
                        why: "netplan cannot match a NIC by PCI path".into(),
                    });
                }
                if !m.is_empty() {
                    body.insert("match".into(), Value::Object(m));
                    body.insert("set-name".into(), json!(i.name));
                }
                "ethernets"
            }
            // netplan takes lo as an ethernet of that name (its generator writes `Name=lo`).
            Kind::Loopback(_) => "ethernets",
            Kind::Bond(b) => {
                body.insert("interfaces".into(), json!(b.ports));
                let mut p = Map::new();
                p.insert("mode".into(), json!(b.mode.to_string()));
                for o in b.options() {
                    let row = bondopts::row(o.key()).expect("row");
                    let Some(key) = row.netplan else {
                        lost.push(Lost {
                            at: i.name.clone(),
                            what: format!("bond option {}", o.key()),
                            why: "netplan has no such parameter".into(),
                        });
                        continue;
                    };
                    let text = bondopts::value_text(&o);
                    let v = match row.kind {
                        ValueKind::Bool => json!(text == "true"),
                        ValueKind::List => json!(text.split(',').collect::<Vec<_>>()),
                        _ => text.parse::<u64>().map(|n| json!(n)).unwrap_or_else(|_| json!(text)),
                    };
                    p.insert(key.into(), v);
                }
                body.insert("parameters".into(), Value::Object(p));
                "bonds"
            }
            Kind::Vlan(v) => {
                body.insert("id".into(), json!(v.id));
                body.insert("link".into(), json!(v.base));
                if v.protocol.is_some_and(|p| p != hostnet_core::model::VlanProtocol::Dot1q) {
                    lost.push(Lost {
                        at: i.name.clone(),
                        what: "protocol 802.1ad".into(),
                        why: "netplan VLANs are 802.1Q".into(),
                    });
                }
                "vlans"
            }
            Kind::Bridge(b) => {
                body.insert("interfaces".into(), json!(b.ports));
                let mut p = Map::new();
                if let Some(s) = b.stp {
                    p.insert("stp".into(), json!(s));
                }
                for t in BRIDGE_TIMERS {
                    if let Some(v) = (t.get)(b) {
                        p.insert(t.netplan.into(), json!(v));
                    }
                }
                if let Some(pr) = b.priority {
                    p.insert("priority".into(), json!(pr));
                }
                let (mut costs, mut prios) = (Map::new(), Map::new());
                for port in config.interfaces.iter().filter(|p| b.ports.contains(&p.name)) {
                    let Some(bp) = &port.bridge_port else { continue };
                    if let Some(c) = bp.cost {
                        costs.insert(port.name.clone(), json!(c));
                    }
                    if let Some(x) = bp.priority {
                        prios.insert(port.name.clone(), json!(x));
                    }
                    crate::port_flags_lost(port, "netplan sets only a port's path cost and priority", &mut lost);
                }
                if !costs.is_empty() {
                    p.insert("path-cost".into(), Value::Object(costs));
                }
                if !prios.is_empty() {
                    p.insert("port-priority".into(), Value::Object(prios));
                }
                for (what, set, switch) in [
                    ("vlan_filtering", b.vlan_filtering.is_some(), "VLAN filtering"),
                    ("mcast_snooping", b.mcast_snooping.is_some(), "multicast snooping"),
                    ("mcast_querier", b.mcast_querier.is_some(), "multicast querier"),
                ] {
                    if set {
                        let why = format!("netplan has no bridge {switch} switch");
                        lost.push(Lost { at: i.name.clone(), what: what.into(), why });
                    }
                }
                if !p.is_empty() {
                    body.insert("parameters".into(), Value::Object(p));
                }
                "bridges"
            }
            Kind::Veth(v) => {
                body.insert("peer".into(), json!(v.peer));
                "virtual-ethernets"
            }
            Kind::Dummy(_) => "dummy-devices",
            Kind::Vrf(v) => {
                body.insert("table".into(), json!(v.table));
                if !v.ports.is_empty() {
                    body.insert("interfaces".into(), json!(v.ports));
                }
                "vrfs"
            }
            Kind::Wireguard(w) => {
                crate::wireguard::netplan_body(w, &mut body);
                "tunnels"
            }
            Kind::Vxlan(v) => {
                body.insert("mode".into(), json!("vxlan"));
                body.insert("id".into(), json!(v.vni));
                for (k, ip) in [("local", v.local), ("remote", v.remote.or(v.group))] {
                    if let Some(ip) = ip {
                        body.insert(k.into(), json!(ip.to_string()));
                    }
                }
                if let Some(p) = v.port {
                    body.insert("port".into(), json!(p));
                }
                if let Some(b) = &v.base {
                    body.insert("link".into(), json!(b));
                }
                if let Some(l) = v.learning {
                    body.insert("mac-learning".into(), json!(l));
                }
                "tunnels"
            }
            k @ (Kind::Macvlan(_) | Kind::Ipvlan(_)) => {
                lost.push(Lost {
                    at: i.name.clone(),
                    what: format!("kind {}", k.name()),
                    why: "netplan has no macvlan or ipvlan devices".into(),
                });
                continue;
            }
        };
        if !i.addresses.is_empty() {
            body.insert("addresses".into(), json!(i.addresses.iter().map(ToString::to_string).collect::<Vec<_>>()));
        }
        let mut routes = crate::iplayer::routes_written_under(config, i);
        routes.retain(|r| {
            if r.is_multipath() {
                lost.push(Lost {
                    at: "routes".into(),
                    what: format!("multipath route {}", r.dst),
                    why: "netplan has no multipath routes; networkd's MultiPathRoute= (`hostnet export --to networkd`) has".into(),
                });
            }
            !r.is_multipath()
        });
        for r in &routes {
            let unsaid: Vec<&str> = r
                .tcp_settings()
                .into_iter()
                .map(|(k, _)| k)
                .filter(|k| !matches!(*k, "initcwnd" | "initrwnd"))
                .collect();
            if !unsaid.is_empty() {
                lost.push(Lost {
                    at: i.name.clone(),
                    what: format!("route {} {}", r.dst, unsaid.join(", ")),
                    why: "netplan routes have congestion-window and advertised-receive-window only".into(),
                });
            }
        }
        for r in routes.iter().filter(|r| r.protocol.is_some()) {
            lost.push(Lost {
                at: i.name.clone(),
                what: format!("route {} protocol", r.dst),
                why: "netplan routes have no protocol".into(),
            });
        }
        if !routes.is_empty() {
            let rs: Vec<Value> = routes
                .iter()
                .map(|r| {
                    let mut m = Map::new();
                    if !r.kind.is_unicast() {
                        m.insert("type".into(), json!(r.kind.name()));
                    }
                    m.insert("to".into(), json!(r.dst.to_string()));
                    if let Some(v) = r.via {
                        m.insert("via".into(), json!(v.to_string()));
                    }
                    if let Some(x) = r.metric {
                        m.insert("metric".into(), json!(x));
                    }
                    if let Some(x) = r.table {
                        m.insert("table".into(), json!(x));
                    }
                    if let Some(x) = r.src {
                        m.insert("from".into(), json!(x.to_string()));
                    }
                    if r.onlink {
                        m.insert("on-link".into(), json!(true));
                    }
                    if let Some(s) = r.scope {
                        m.insert("scope".into(), json!(format!("{s:?}").to_lowercase()));
                    }
                    if let Some(x) = r.mtu {
                        m.insert("mtu".into(), json!(x));
                    }
                    if let Some(x) = r.initcwnd {
                        m.insert("congestion-window".into(), json!(x));
                    }
                    if let Some(x) = r.initrwnd {
                        m.insert("advertised-receive-window".into(), json!(x));
                    }
                    Value::Object(m)
                })
                .collect();
            body.insert("routes".into(), json!(rs));
        }
        if let Some(m) = i.mtu {
            body.insert("mtu".into(), json!(m));
        }
        if let Some(m) = i.mac {
            body.insert("macaddress".into(), json!(m.to_string()));
        }
        crate::iplayer::netplan_export(config, i, &mut body, &mut lost);
        if let Some(e) = &i.ethtool {
            crate::ethtool_lost(i, &[], "netplan", &mut lost);
            for (k, v) in e.kernel_features() {
                if let Some(o) = crate::OFFLOADS.iter().find(|o| o.0 == k) {
                    body.insert(o.2.into(), json!(v));
                }
            }
        }
        crate::dhcp::netplan_export(i, &mut body, &mut lost);
        match i.state {
            LinkState::Up => {}
            LinkState::Down => {
                body.insert("activation-mode".into(), json!("off"));
            }
            LinkState::Absent => {
                lost.push(Lost {
                    at: i.name.clone(),
                    what: "state: absent".into(),
                    why: "netplan only creates what it lists".into(),
                });
                continue;
            }
        }
        if holder == Some(i.name.as_str())
            && let Some(d) = &config.dns
        {
            let mut ns = Map::new();
            if !d.nameservers.is_empty() {
                ns.insert("addresses".into(), json!(d.nameservers.iter().map(ToString::to_string).collect::<Vec<_>>()));
            }
            if !d.search.is_empty() {
                ns.insert("search".into(), json!(d.search));
            }
            body.insert("nameservers".into(), Value::Object(ns));
        }
        sections
            .entry(section)
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("object")
            .insert(i.name.clone(), Value::Object(body));
    }
    let mut network = Map::new();
    network.insert("version".into(), json!(2));
    network.insert("renderer".into(), json!("networkd"));
    for s in SECTIONS {
        if let Some(v) = sections.remove(*s) {
            network.insert((*s).into(), v);
        }
    }
    let doc = json!({ "network": network });
    let yaml = format!("# Generated by hostnet.\n{}", serde_saphyr::to_string(&doc).expect("serializable"));
    crate::net_sysctls_lost(config, "netplan", &mut lost);
    Exported { files: vec![("90-hostnet.yaml".into(), yaml)], lost }
}
