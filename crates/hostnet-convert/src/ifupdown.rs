//! Debian's /etc/network/interfaces (ifupdown with ifenslave, vlan and bridge-utils).

use std::collections::BTreeMap;
use std::net::IpAddr;

use hostnet_core::model::{
    Bond, BondMode, Bridge, Cidr, Config, Dns, Ethernet, Interface, Kind, LinkState, Route, RouteDst, Vlan,
};

use hostnet_core::plan::{Op, ROUTES_SUBJECT, ip_line};

use crate::bondopts::{self, BRIDGE_TIMERS, TABLE};
use crate::{Exported, Imported, Lost, ordered};

/// One `iface` stanza's options, in order, with their line numbers.
#[derive(Default)]
struct Stanza {
    line: usize,
    family: String,
    method: String,
    opts: Vec<(usize, String, String)>,
}

/// Reads an interfaces(5) file into hostnet's model. `file` names it in loss reports. Its
/// `source` lines are reported, not followed: [`import_path`] follows them.
pub fn import(file: &str, text: &str) -> Imported {
    import_fragments(&[Fragment { file: file.into(), first_line: 1, text: text.into() }])
}

/// A run of lines of one file: interfaces(5) text after `source` lines were expanded is a
/// sequence of these, each keeping its file and line numbers for loss reports.
pub(crate) struct Fragment {
    pub file: String,
    pub first_line: usize,
    pub text: String,
}

pub(crate) fn import_fragments(fragments: &[Fragment]) -> Imported {
    let mut lost = Vec::new();
    // Lines are numbered across fragments; `at` turns a number back into file:line.
    let mut bases: Vec<(usize, &Fragment)> = Vec::new();
    let mut lines: Vec<(usize, String)> = Vec::new();
    let mut base = 0;
    for f in fragments {
        bases.push((base, f));
        let here = logical_lines(&f.text);
        let count = f.text.lines().count();
        lines.extend(here.into_iter().map(|(n, l)| (base + n, l)));
        base += count;
    }
    let at = |n: usize| {
        let (b, f) = bases.iter().rev().find(|(b, _)| *b < n).copied().unwrap_or((0, &fragments[0]));
        format!("{}:{}", f.file, n - b + f.first_line - 1)
    };
    let mut order: Vec<String> = Vec::new();
    let mut stanzas: BTreeMap<String, Vec<Stanza>> = BTreeMap::new();
    // Interfaces ifupdown brings up at boot (`auto`) or when they appear (`allow-hotplug`).
    let mut started: std::collections::HashSet<String> = Default::default();
    let mut current: Option<String> = None;
    for (n, raw) in lines {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut w = line.split_whitespace();
        let head = w.next().unwrap_or("");
        match head {
            "auto" | "allow-auto" | "allow-hotplug" => {
                current = None;
                started.extend(w.map(String::from));
            }
            "iface" => {
                let (name, family, method) = (w.next().unwrap_or(""), w.next().unwrap_or(""), w.next().unwrap_or(""));
                current = Some(name.to_string());
                if !order.iter().any(|o| o == name) {
                    order.push(name.to_string());
                }
                stanzas.entry(name.to_string()).or_default().push(Stanza {
                    line: n,
                    family: family.into(),
                    method: method.into(),
                    opts: vec![],
                });
            }
            "source" | "source-directory" | "mapping" | "rename" => {
                current = None;
                let why = if head.starts_with("source") {
                    "not followed in text given without its file; `hostnet import ifupdown FILE` follows it".to_string()
                } else {
                    format!("`{head}` is not translated")
                };
                lost.push(Lost { at: at(n), what: line.into(), why });
            }
            _ => match &current {
                Some(name) => {
                    let value = line[head.len()..].trim().to_string();
                    stanzas.get_mut(name).and_then(|v| v.last_mut()).expect("stanza exists").opts.push((
                        n,
                        head.into(),
                        value,
                    ));
                }
                None => lost.push(Lost { at: at(n), what: line.into(), why: "outside any iface stanza".into() }),
            },
        }
    }

    let mut interfaces: Vec<Interface> = Vec::new();
    let mut dns = Dns::default();
    let mut bond_master: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut rules = Vec::new();
    let mut typed = Vec::new();
    // (port, path cost or priority, value) from bridge stanzas.
    let mut port_settings: Vec<(String, bool, u32)> = Vec::new();
    for name in &order {
        let mut list: Vec<&Stanza> = stanzas[name].iter().collect();
        let is_lo = list.iter().any(|s| s.method == "loopback");
        if is_lo {
            // Nothing to configure in the loopback stanza, but its hooks are where rules often
            // live; lo's addresses come in stanzas of their own (`iface lo inet static`).
            let mut lo = Interface::new(name.clone(), Kind::Ethernet(Ethernet::default()));
            for (n, k, v) in list.iter().filter(|s| s.method == "loopback").flat_map(|s| &s.opts) {
                hook(k, v, &mut lo, &mut rules, &mut typed, &mut lost, &at(*n));
                if !lo.ipv4.is_empty() || !lo.ipv6.is_empty() {
                    (lo.ipv4, lo.ipv6) = Default::default();
                    lost.push(Lost {
                        at: at(*n),
                        what: format!("{k} {v}"),
                        why: "hostnet leaves lo's sysctls alone unless lo is declared with them".into(),
                    });
                }
            }
            // `up ip route add` lines there are routes of no interface (blackhole, local through
            // lo, multipath), as the export writes them.
            typed.append(&mut lo.routes);
            list.retain(|s| s.method != "loopback");
            if list.is_empty() {
                continue;
            }
        }
        let mut kind: Option<Kind> = None;
        let mut iface = Interface::new(name.clone(), Kind::Ethernet(Ethernet::default()));
        let mut bond_opts: Vec<(usize, String, String)> = Vec::new();
        let mut mode: Option<BondMode> = None;
        let mut ports: Option<Vec<String>> = None;
        let mut bridge = Bridge::default();
        let mut is_bridge = false;
        let mut vlan_base: Option<String> = None;
        let mut vlan_id: Option<u16> = None;
        for s in list {
            match (s.family.as_str(), s.method.as_str()) {
                ("inet" | "inet6", "static" | "manual") => {}
                ("inet", "dhcp") => {
                    iface.dhcp4.get_or_insert_with(Default::default);
                }
                ("inet6", "auto") => iface.ipv6.accept_ra = Some(true),
                ("inet6", "dhcp") => {
                    iface.dhcp6.get_or_insert_with(Default::default);
                    iface.ipv6.accept_ra = Some(true);
                }
                (f, m) => lost.push(Lost {
                    at: at(s.line),
                    what: format!("iface {name} {f} {m}"),
                    why: "only static, manual, inet dhcp, inet6 dhcp and inet6 auto (SLAAC) are translated".into(),
                }),
            }
            // ifupdown's inet6 methods set RA handling themselves (inet6.defn): a static stanza
            // turns router advertisements and autoconfiguration off unless told otherwise. And
            // ifup waits for duplicate address detection (static) or a link-local address
            // (auto, dhcp), which hostnet does not: said once per stanza, with its values.
            if s.family == "inet6" && s.method == "static" {
                iface.ipv6.accept_ra.get_or_insert(false);
                iface.ipv6.slaac.get_or_insert(false);
            }
            let wait = match (s.family.as_str(), s.method.as_str()) {
                ("inet6", "static") => Some(("dad", "duplicate address detection")),
                ("inet6", "auto" | "dhcp") => Some(("ll", "a link-local address")),
                _ => None,
            };
            if let Some((prefix, what)) = wait {
                let given = |k: &str, default: &str| {
                    s.opts.iter().find(|(_, key, _)| key == k).map_or(default.to_string(), |(_, _, v)| v.clone())
                };
                let (attempts, interval) =
                    (given(&format!("{prefix}-attempts"), "60"), given(&format!("{prefix}-interval"), "0.1"));
                if attempts != "0" {
                    lost.push(Lost {
                        at: at(s.line),
                        what: format!("iface {name}: {prefix}-attempts {attempts}, {prefix}-interval {interval}"),
                        why: format!(
                            "ifup waits for {what} before it goes on; hostnet does not wait (the kernel still does it)"
                        ),
                    });
                }
            }
            let mut netmask: Option<String> = None;
            // The stanza's `address` lines: ifup (0.8) configures the first and ignores the rest
            // (ifquery shows only the first); a stanza of its own adds another.
            let mut addresses: Vec<(usize, String)> = Vec::new();
            // A static stanza's `metric` is its gateway route's, whichever line comes first.
            let mut gateway_metric: Option<u32> = None;
            let routes_before = iface.routes.len();
            for (n, k, v) in &s.opts {
                let n = *n;
                let dhcp = s.family == "inet" && s.method == "dhcp";
                match k.as_str() {
                    // inet6 auto's `dhcp 1`: stateless DHCPv6 beside SLAAC.
                    "dhcp" if s.family == "inet6" && s.method == "auto" => {
                        if v == "1" {
                            iface.dhcp6 = Some(hostnet_core::model::Dhcp6 {
                                mode: Some(hostnet_core::model::Dhcp6Mode::InformationOnly),
                                ..Default::default()
                            });
                        }
                    }
                    "hostname" if dhcp => {
                        iface.dhcp4.get_or_insert_with(Default::default).hostname = Some(v.clone());
                    }
                    "metric" if dhcp => match v.parse() {
                        Ok(m) => iface.dhcp4.get_or_insert_with(Default::default).route_metric = Some(m),
                        Err(_) => {
                            lost.push(Lost { at: at(n), what: format!("metric {v}"), why: "not a number".into() })
                        }
                    },
                    "address" => addresses.push((n, v.clone())),
                    "accept_ra" => iface.ipv6.accept_ra = Some(v != "0"),
                    "autoconf" => iface.ipv6.slaac = Some(v != "0"),
                    // Said above, with the stanza; and no prefix delegation, hostnet asks for none.
                    "dad-attempts" | "dad-interval" | "ll-attempts" | "ll-interval" => {}
                    "request_prefix" if v == "0" => {}
                    "netmask" => netmask = Some(v.clone()),
                    "metric" if s.method == "static" => match v.parse() {
                        Ok(m) => gateway_metric = Some(m),
                        Err(_) => {
                            lost.push(Lost { at: at(n), what: format!("metric {v}"), why: "not a number".into() })
                        }
                    },
                    // ifup adds the gateway `onlink` (inet.defn, inet6.defn): so does the import.
                    "gateway" => match v.parse::<IpAddr>() {
                        Ok(gw) => iface.routes.push(Route { onlink: true, ..Route::default_via(gw) }),
                        Err(_) => {
                            lost.push(Lost { at: at(n), what: format!("gateway {v}"), why: "not an IP address".into() })
                        }
                    },
                    "mtu" => match v.parse() {
                        Ok(m) => iface.mtu = Some(m),
                        Err(_) => lost.push(Lost { at: at(n), what: format!("mtu {v}"), why: "not a number".into() }),
                    },
                    "hwaddress" => match v.trim_start_matches("ether").trim().parse() {
                        Ok(m) => iface.mac = Some(m),
                        Err(e) => lost.push(Lost { at: at(n), what: format!("hwaddress {v}"), why: e }),
                    },
                    "dns-nameservers" => {
                        dns.nameservers.extend(v.split_whitespace().filter_map(|a| a.parse::<IpAddr>().ok()))
                    }
                    "dns-search" => dns.search.extend(v.split_whitespace().map(String::from)),
                    "bond-slaves" | "slaves" => {
                        if v != "none" {
                            ports = Some(v.split_whitespace().map(String::from).collect());
                        } else {
                            ports.get_or_insert_with(Vec::new);
                        }
                    }
                    "bond-mode" | "bond_mode" => match v.parse() {
                        Ok(m) => mode = Some(m),
                        Err(e) => lost.push(Lost { at: at(n), what: format!("{k} {v}"), why: e }),
                    },
                    "bond-master" => {
                        bond_master.insert(name.clone(), (v.clone(), n));
                    }
                    "vlan-raw-device" | "vlan_raw_device" => vlan_base = Some(v.clone()),
                    "vlan-id" => vlan_id = v.parse().ok(),
                    // Repeated lines add ports, as ifquery shows them joined.
                    "bridge_ports" | "bridge-ports" => {
                        is_bridge = true;
                        for p in v.split_whitespace().filter(|p| *p != "none") {
                            if !bridge.ports.iter().any(|q| q == p) {
                                bridge.ports.push(p.to_string());
                            }
                        }
                    }
                    "bridge_stp" | "bridge-stp" => bridge.stp = Some(matches!(v.as_str(), "on" | "yes" | "1")),
                    k if let Some(t) = BRIDGE_TIMERS.iter().find(|t| k.replace('-', "_") == t.ifupdown) => {
                        match v.parse::<f64>() {
                            Ok(x) => (t.set)(&mut bridge, x as u32),
                            Err(_) => lost.push(Lost {
                                at: at(n),
                                what: format!("{k} {v}"),
                                why: "not a number of seconds".into(),
                            }),
                        }
                    }
                    "bridge_bridgeprio" | "bridge-bridgeprio" => bridge.priority = v.parse().ok(),
                    k @ ("bridge_pathcost" | "bridge-pathcost" | "bridge_portprio" | "bridge-portprio") => {
                        match v.split_whitespace().collect::<Vec<_>>()[..] {
                            [port, n] if n.parse::<u32>().is_ok() => {
                                port_settings.push((port.to_string(), k.ends_with("cost"), n.parse().expect("checked")))
                            }
                            _ => lost.push(Lost {
                                at: at(n),
                                what: format!("{k} {v}"),
                                why: "expected PORT NUMBER".into(),
                            }),
                        }
                    }
                    "bridge-vlan-aware" => bridge.vlan_filtering = Some(matches!(v.as_str(), "yes" | "on" | "1")),
                    k if let Some(r) = ethtool_option(&mut iface.ethtool, k, v) => {
                        if let Err(why) = r {
                            lost.push(Lost { at: at(n), what: format!("{k} {v}"), why: why.into() });
                        }
                    }
                    k if let Some(o) = crate::OFFLOADS.iter().find(|o| o.3 == k) => match v.as_str() {
                        "on" | "off" => {
                            iface
                                .ethtool
                                .get_or_insert_with(Default::default)
                                .features
                                .insert(o.0.to_string(), v == "on");
                        }
                        _ => lost.push(Lost { at: at(n), what: format!("{k} {v}"), why: "expected on or off".into() }),
                    },
                    k if k.starts_with("bond-") || k.starts_with("bond_") => {
                        bond_opts.push((n, k.replace('_', "-"), v.clone()))
                    }
                    "pre-up" | "up" | "post-up" | "down" | "pre-down" | "post-down" => {
                        hook(k, v, &mut iface, &mut rules, &mut typed, &mut lost, &at(n))
                    }
                    _ => lost.push(Lost {
                        at: at(n),
                        what: format!("{k} {v}"),
                        why: "option not known to hostnet".into(),
                    }),
                }
            }
            if let Some(m) = gateway_metric {
                for r in iface.routes[routes_before..].iter_mut().filter(|r| r.dst == RouteDst::Default && r.onlink) {
                    r.metric = Some(m);
                }
            }
            for (n, a) in addresses.split_off(addresses.len().min(1)) {
                lost.push(Lost {
                    at: at(n),
                    what: format!("address {a}"),
                    why: "ifupdown configures only a stanza's first `address` and ifup ignores this one, so the host does not have it; add it to `addresses:` if it was meant (a second `iface` stanza is how ifupdown adds one)".into(),
                });
            }
            for (n, a) in addresses {
                let text = match (&netmask, a.contains('/')) {
                    (Some(m), false) => format!("{a}/{}", mask_len(m).unwrap_or(32)),
                    _ => a.clone(),
                };
                match text.parse::<Cidr>() {
                    Ok(c) if !iface.addresses.contains(&c) => iface.addresses.push(c),
                    Ok(_) => {}
                    Err(e) => lost.push(Lost { at: at(n), what: format!("address {a}"), why: e }),
                }
            }
        }
        if mode.is_some() || ports.is_some() {
            let mut b = Bond::new(mode.unwrap_or(BondMode::BalanceRr));
            b.ports = ports.unwrap_or_default();
            for (n, k, v) in bond_opts {
                let key = k.trim_start_matches("bond-").replace('-', "_");
                let key = if key == "num_unsol_na" { "num_peer_notif".to_string() } else { key };
                let key = TABLE.iter().find(|r| r.ifupdown == k).map(|r| r.key.to_string()).unwrap_or(key);
                if let Err(why) = bondopts::set(&mut b, &key, &v) {
                    lost.push(Lost { at: at(n), what: format!("{k} {v}"), why });
                }
            }
            kind = Some(Kind::Bond(b));
        } else {
            for (n, k, v) in bond_opts {
                lost.push(Lost {
                    at: at(n),
                    what: format!("{k} {v}"),
                    why: "bond option on an interface that is not a bond".into(),
                });
            }
        }
        if is_bridge {
            kind = Some(Kind::Bridge(bridge));
        }
        if kind.is_none() {
            let from_name = name.rsplit_once('.').and_then(|(b, id)| Some((b.to_string(), id.parse::<u16>().ok()?)));
            let from_vlan_n = name.strip_prefix("vlan").and_then(|id| id.parse::<u16>().ok());
            match (vlan_base.clone(), from_name, vlan_id.or(from_vlan_n)) {
                (Some(base), _, Some(id)) => kind = Some(Kind::Vlan(Vlan { base, id, protocol: None })),
                (base, Some((b, id)), _) => {
                    kind = Some(Kind::Vlan(Vlan { base: base.unwrap_or(b), id, protocol: None }))
                }
                _ => {}
            }
        }
        if let Some(k) = kind {
            iface.kind = k;
        }
        if is_lo {
            iface.kind = Kind::Loopback(Default::default());
        }
        if iface.ipv6.disable_ipv6 == Some(true) && iface.addresses.iter().any(|a| a.addr().is_ipv6()) {
            // ifupdown runs the hook and then fails on the inet6 stanza; the addresses say
            // what the file meant.
            iface.ipv6.disable_ipv6 = None;
            lost.push(Lost {
                at: iface.name.clone(),
                what: "ipv6.disable_ipv6".into(),
                why: "a sysctl hook disables IPv6 on an interface that has inet6 addresses; the addresses are kept"
                    .into(),
            });
        }
        interfaces.push(iface);
    }
    // `bond-master X` on a port is the other way ifenslave spells membership.
    for (port, (master, n)) in bond_master {
        match interfaces.iter_mut().find(|i| i.name == master) {
            Some(Interface { kind: Kind::Bond(b), .. }) => {
                if !b.ports.contains(&port) {
                    b.ports.push(port);
                }
            }
            _ => lost.push(Lost {
                at: at(n),
                what: format!("bond-master {master}"),
                why: format!("{master} is not a bond in this file"),
            }),
        }
    }
    // Ports and VLAN bases named but never given a stanza are NICs.
    let mut implied = Vec::new();
    for i in &interfaces {
        let mut refs: Vec<&String> = i.kind.ports().iter().collect();
        if let Kind::Vlan(v) = &i.kind {
            refs.push(&v.base);
        }
        for r in refs {
            if !interfaces.iter().any(|x| &x.name == r) && !implied.iter().any(|x: &Interface| &x.name == r) {
                implied.push(Interface::new(r.clone(), Kind::Ethernet(Ethernet::default())));
            }
        }
    }
    implied.extend(interfaces);
    // Without `auto` or `allow-hotplug`, ifupdown leaves an interface down at boot (until
    // someone runs `ifup`), unless a bond, bridge or VLAN brings it up as its port or base.
    let brought: std::collections::HashSet<String> =
        implied.iter().flat_map(|i| i.kind.ports().iter().cloned().chain(i.kind.base().map(String::from))).collect();
    for i in implied.iter_mut() {
        let Some(stanza) = stanzas.get(&i.name).and_then(|l| l.first()) else { continue };
        // lo is up in every namespace, `auto lo` or not.
        if started.contains(&i.name) || brought.contains(&i.name) || matches!(i.kind, Kind::Loopback(_)) {
            continue;
        }
        i.state = LinkState::Down;
        lost.push(Lost {
            at: at(stanza.line),
            what: format!("iface {} (no `auto` or `allow-hotplug`)", i.name),
            why: "ifupdown leaves it down at boot until `ifup` runs; imported with `state: down`, which hostnet keeps: make it `up` to bring it up at boot".into(),
        });
    }
    crate::take_port_settings(&mut implied, port_settings);
    let dns = (!dns.nameservers.is_empty() || !dns.search.is_empty()).then_some(dns);
    let routing_rules = (!rules.is_empty()).then_some(rules);
    let routes = (!typed.is_empty()).then_some(typed);
    Imported { config: Config { interfaces: implied, dns, routing_rules, routes, ..Default::default() }, lost }
}

/// An `up`/`down` command. `ip rule add` lines become rules and `ip route add` lines the
/// stanza's routes; the `del` lines that undo them on the way down are what hostnet's own undo
/// does. Anything else is lost, said so.
fn hook(
    k: &str,
    v: &str,
    iface: &mut Interface,
    rules: &mut Vec<hostnet_core::model::Rule>,
    typed: &mut Vec<hostnet_core::model::Route>,
    lost: &mut Vec<Lost>,
    at: &str,
) {
    let is_up = matches!(k, "pre-up" | "up" | "post-up");
    if let Some(sets) = sysctl_writes(v, &iface.name) {
        // A `down` hook that puts a sysctl back is what hostnet's rollback does by itself.
        if is_up {
            for (name, value) in sets {
                if let Err(why) = take_sysctl(iface, &name, &value) {
                    lost.push(Lost { at: at.into(), what: format!("{k} {v}"), why });
                }
            }
        }
        return;
    }
    let words: Vec<&str> = v.split_whitespace().collect();
    let words = match words.first() {
        Some(&("ip" | "/sbin/ip" | "/usr/sbin/ip" | "/bin/ip")) => &words[1..],
        _ => &[][..],
    };
    let (family, rest) = match words.first() {
        Some(&f @ ("-4" | "-6")) => (Some(f), &words[1..]),
        _ => (None, words),
    };
    let result = match (rest, is_up) {
        ([r, "add", args @ ..], true) if "rule".starts_with(r) && r.len() >= 2 => {
            let args: Vec<&str> = family.into_iter().chain(args.iter().copied()).collect();
            Some(hostnet_core::model::Rule::from_ip_words(&args).map(|r| rules.push(r)))
        }
        ([r, "del" | "delete", ..], false) if "rule".starts_with(r) && r.len() >= 2 => Some(Ok(())),
        ([r, "add" | "replace", args @ ..], true) if "route".starts_with(r) && r.len() >= 2 => {
            Some(hostnet_core::model::Route::from_ip_words(args).and_then(|(mut route, dev)| match dev {
                // Its paths name their devices: a route of no single interface.
                _ if route.is_multipath() => {
                    for h in &mut route.nexthops {
                        if h.dev == "$IFACE" || h.dev == "${IFACE}" {
                            h.dev = iface.name.clone();
                        }
                    }
                    typed.push(route);
                    Ok(())
                }
                Some(d) if d != iface.name && d != "$IFACE" && d != "${IFACE}" => {
                    Err(format!("the route names device {d}, not {}; declare it under {d}", iface.name))
                }
                _ => {
                    iface.routes.push(route);
                    Ok(())
                }
            }))
        }
        // The `down ip route del` that undoes an imported route is what hostnet's own undo does.
        ([r, "del" | "delete" | "flush", ..], false) if "route".starts_with(r) && r.len() >= 2 => Some(Ok(())),
        _ => None,
    };
    match result {
        Some(Ok(())) => {}
        Some(Err(why)) => lost.push(Lost { at: at.into(), what: format!("{k} {v}"), why }),
        None => lost.push(Lost {
            at: at.into(),
            what: format!("{k} {v}"),
            why: "commands are not translatable (except `ip route add`, `ip rule add` and sysctl writes); declare what they do in hostnet instead".into(),
        }),
    }
}

/// The `name=value` pairs a `sysctl [-q] [-w] a=b ...` or `echo V > /proc/sys/net/...` hook
/// writes, with `$IFACE` filled in; `None` when the command is neither.
fn sysctl_writes(cmd: &str, ifname: &str) -> Option<Vec<(String, String)>> {
    let cmd = cmd.replace("${IFACE}", ifname).replace("$IFACE", ifname);
    let words: Vec<&str> = cmd.split_whitespace().collect();
    match words.as_slice() {
        [tool, args @ ..] if tool.rsplit('/').next() == Some("sysctl") => {
            let sets: Vec<(String, String)> = args
                .iter()
                .filter(|a| !a.starts_with('-'))
                .map(|a| a.split_once('=').map(|(n, v)| (n.to_string(), v.to_string())))
                .collect::<Option<_>>()?;
            (!sets.is_empty()).then_some(sets)
        }
        ["echo", value, ">", path] if path.starts_with("/proc/sys/net/") => {
            Some(vec![(path.to_string(), value.to_string())])
        }
        _ => None,
    }
}

/// Carries one written sysctl over into the interface's `ipv4:`/`ipv6:` settings.
fn take_sysctl(iface: &mut Interface, name: &str, value: &str) -> Result<(), String> {
    use hostnet_core::model::{Sysctl, ip::set_from_kernel};
    let Some((key, target)) = Sysctl::from_dotted(name) else {
        return Err("not a per-interface sysctl hostnet manages (ipv4: forwarding, rp_filter, arp_ignore, arp_announce, proxy_arp; ipv6: forwarding, accept_ra, autoconf, addr_gen_mode, disable_ipv6)".into());
    };
    if target != iface.name {
        return Err(format!("sets a sysctl of {target}, not of {}; declare it under {target}", iface.name));
    }
    let v: i32 = value.parse().map_err(|_| format!("{value:?} is not a number"))?;
    if set_from_kernel(&mut iface.ipv4, &mut iface.ipv6, key, v) {
        Ok(())
    } else {
        Err(format!("{v} is not a value hostnet can declare for {key}"))
    }
}

/// Joins backslash-continued lines, keeping the first line's number.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, l) in text.lines().enumerate() {
        let (n, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
        match l.strip_suffix('\\') {
            Some(head) => {
                acc.push_str(head);
                acc.push(' ');
                pending = Some((n, acc));
            }
            None => {
                acc.push_str(l);
                out.push((n, acc));
            }
        }
    }
    out.extend(pending);
    out
}

fn mask_len(m: &str) -> Option<u8> {
    if let Ok(n) = m.parse::<u8>() {
        return Some(n);
    }
    let ip: std::net::Ipv4Addr = m.parse().ok()?;
    let bits = u32::from(ip);
    (bits.leading_ones() + bits.trailing_zeros() == 32).then_some(bits.leading_ones() as u8)
}

/// The `up` line that does `add` and the `down` line that undoes it with `del`, in `ip`'s words.
fn hooks(add: &Op, del: &Op) -> String {
    format!("    up {}\n    down {}\n", ip_line(add), ip_line(del))
}

/// [`hooks`] for a route of no interface.
fn route_hooks(r: &hostnet_core::model::Route) -> String {
    let (name, route) = (ROUTES_SUBJECT.to_string(), r.clone());
    hooks(&Op::AddRoute { name: name.clone(), route: route.clone() }, &Op::DelRoute { name, route })
}

/// Of the links a multipath route goes through, the one `order` (the stanzas' order) has last.
fn last_path_link<'a>(order: &[&'a str], r: &hostnet_core::model::Route) -> Option<&'a str> {
    order.iter().rev().find(|n| r.nexthops.iter().any(|h| h.dev == **n)).copied()
}

/// Writes /etc/network/interfaces, stanzas in dependency order so `ifup -a` brings lower
/// devices up first.
pub fn export(config: &Config) -> Exported {
    let mut lost = Vec::new();
    let mut out = String::from(
        "# Generated by hostnet. Requires ifenslave, vlan and bridge-utils.\n\nauto lo\niface lo inet loopback\n",
    );
    let dns_holder = dns_holder(config);
    let order: Vec<&str> = ordered(config).into_iter().map(|i| i.name.as_str()).collect();
    for i in ordered(config) {
        crate::cabling_lost(i, &mut lost);
        crate::vlans_lost(i, &mut lost, "bridge-utils' ifupdown options have no VLAN lists");
        if let Kind::Ethernet(e) = &i.kind
            && !e.matches.is_empty()
            && e.matches.name.as_deref() != Some(i.name.as_str())
        {
            lost.push(Lost {
                at: i.name.clone(),
                what: "match (NIC identified by MAC, PCI path or another name)".into(),
                why: "ifupdown cannot rename NICs; add a systemd .link file or udev rule naming it".into(),
            });
        }
        if let Kind::Veth(_) = &i.kind {
            lost.push(Lost {
                at: i.name.clone(),
                what: "veth pair".into(),
                why: "ifupdown cannot create veth pairs".into(),
            });
            continue;
        }
        match i.state {
            LinkState::Absent => {
                lost.push(Lost {
                    at: i.name.clone(),
                    what: "state: absent".into(),
                    why: "ifupdown only brings up what it lists".into(),
                });
                continue;
            }
            LinkState::Down => out.push_str(&format!("\n# {} is declared down: not marked auto\n", i.name)),
            // Marked auto with the loopback stanza above; ifup applies every stanza of a name.
            LinkState::Up if matches!(i.kind, Kind::Loopback(_)) => out.push('\n'),
            LinkState::Up => out.push_str(&format!("\nauto {}\n", i.name)),
        }
        let v4: Vec<_> = i.addresses.iter().filter(|a| a.addr().is_ipv4()).collect();
        let v6: Vec<_> = i.addresses.iter().filter(|a| a.addr().is_ipv6()).collect();
        let method = if i.dhcp4.is_some() {
            "dhcp"
        } else if v4.is_empty() {
            "manual"
        } else {
            "static"
        };
        out.push_str(&format!("iface {} inet {method}\n", i.name));
        if i.dhcp4.is_some() {
            out.push_str(&crate::dhcp::ifupdown_options(i, &mut lost));
            if !v4.is_empty() {
                lost.push(Lost {
                    at: i.name.clone(),
                    what: "static IPv4 addresses beside dhcp4".into(),
                    why: "an inet dhcp stanza takes no address".into(),
                });
            }
        } else if let Some(a) = v4.first() {
            out.push_str(&format!("    address {a}\n"));
        }
        let mut opt = |k: &str, v: String| out.push_str(&format!("    {k} {v}\n"));
        if let Some(m) = i.mtu {
            opt("mtu", m.to_string());
        }
        if let Some(m) = i.mac {
            opt("hwaddress", format!("ether {m}"));
        }
        match &i.kind {
            Kind::Bond(b) => {
                opt("bond-slaves", if b.ports.is_empty() { "none".into() } else { b.ports.join(" ") });
                opt("bond-mode", b.mode.to_string());
                for o in b.options() {
                    let r = bondopts::row(o.key()).expect("every option has a row");
                    opt(r.ifupdown, bondopts::value_text(&o));
                }
            }
            Kind::Bridge(b) => {
                opt("bridge_ports", if b.ports.is_empty() { "none".into() } else { b.ports.join(" ") });
                for port in config.interfaces.iter().filter(|p| b.ports.contains(&p.name)) {
                    let Some(bp) = &port.bridge_port else { continue };
                    if let Some(c) = bp.cost {
                        opt("bridge_pathcost", format!("{} {c}", port.name));
                    }
                    if let Some(x) = bp.priority {
                        opt("bridge_portprio", format!("{} {x}", port.name));
                    }
                    crate::port_flags_lost(
                        port,
                        "bridge-utils' ifupdown options set only path cost and priority",
                        &mut lost,
                    );
                }
                if let Some(s) = b.stp {
                    opt("bridge_stp", if s { "on" } else { "off" }.into());
                }
                for t in BRIDGE_TIMERS {
                    if let Some(v) = (t.get)(b) {
                        opt(t.ifupdown, v.to_string());
                    }
                }
                if let Some(p) = b.priority {
                    opt("bridge_bridgeprio", p.to_string());
                }
                if let Some(f) = b.vlan_filtering {
                    opt("bridge-vlan-aware", if f { "yes" } else { "no" }.into());
                }
                // bridge-utils 1.7's ifupdown hook (lib/bridge-utils/ifupdown.sh) reads neither.
                for (what, set) in
                    [("mcast_snooping", b.mcast_snooping.is_some()), ("mcast_querier", b.mcast_querier.is_some())]
                {
                    if set {
                        lost.push(Lost {
                            at: i.name.clone(),
                            what: what.into(),
                            why: "bridge-utils' ifupdown options have no multicast settings".into(),
                        });
                    }
                }
            }
            Kind::Vlan(v) => {
                opt("vlan-raw-device", v.base.clone());
                if v.protocol.is_some_and(|p| p != hostnet_core::model::VlanProtocol::Dot1q) {
                    lost.push(Lost {
                        at: i.name.clone(),
                        what: "protocol 802.1ad".into(),
                        why: "the vlan package only makes 802.1Q VLANs".into(),
                    });
                }
            }
            Kind::Ethernet(_) | Kind::Veth(_) | Kind::Loopback(_) => {}
            k @ (Kind::Dummy(_)
            | Kind::Macvlan(_)
            | Kind::Ipvlan(_)
            | Kind::Vxlan(_)
            | Kind::Vrf(_)
            | Kind::Wireguard(_)) => lost.push(Lost {
                at: i.name.clone(),
                what: format!("kind {}", k.name()),
                why: "ifupdown has no stanza options that create it; add a `pre-up ip link add` line by hand".into(),
            }),
        }
        if let Some(v) = &i.vrf {
            lost.push(Lost {
                at: i.name.clone(),
                what: format!("vrf: {v}"),
                why: "ifupdown cannot enslave to a VRF; add a `post-up ip link set dev IFACE master VRF` line".into(),
            });
        }
        let gw4 = i
            .routes
            .iter()
            .find(|r| r.dst == RouteDst::Default && r.via.is_some_and(|g| g.is_ipv4()) && plain(r) && r.onlink);
        if let Some(r) = gw4 {
            opt("gateway", r.via.expect("filtered").to_string());
        }
        if dns_holder == Some(i.name.as_str())
            && let Some(d) = &config.dns
        {
            if !d.nameservers.is_empty() {
                opt("dns-nameservers", d.nameservers.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "));
            }
            if !d.search.is_empty() {
                opt("dns-search", d.search.join(" "));
            }
        }
        out.push_str(&crate::iplayer::ifupdown_sysctls(i));
        if let Some(e) = &i.ethtool {
            // Options of Debian's ethtool package, whose if-pre-up hook applies them.
            crate::ethtool_lost(i, &["rings", "coalesce", "link"], "ifupdown", &mut lost);
            for (k, v) in e.kernel_features() {
                if let Some(o) = crate::OFFLOADS.iter().find(|o| o.0 == k) {
                    out.push_str(&format!("    {} {}\n", o.3, if v { "on" } else { "off" }));
                }
            }
            for (key, value) in ethtool_options(e) {
                out.push_str(&format!("    {key} {value}\n"));
            }
        }
        for a in v4.iter().skip(1) {
            out.push_str(&format!("iface {} inet static\n    address {a}\n", i.name));
        }
        let gw6 = i
            .routes
            .iter()
            .find(|r| r.dst == RouteDst::Default && r.via.is_some_and(|g| g.is_ipv6()) && plain(r) && r.onlink);
        for (k, a) in v6.iter().enumerate() {
            out.push_str(&format!("iface {} inet6 static\n    address {a}\n", i.name));
            if k == 0
                && let Some(r) = gw6
            {
                out.push_str(&format!("    gateway {}\n", r.via.expect("filtered")));
            }
            // An inet6 static stanza turns RAs and autoconfiguration off unless told, and ifup
            // waits for DAD: said outright, as hostnet would have it (unset: the kernel's on).
            let flag = |b: Option<bool>| if b == Some(false) { 0 } else { 1 };
            let ra = match (i.ipv6.accept_ra, i.ipv6.forwarding) {
                (Some(false), _) => 0,
                (_, Some(true)) => 2,
                _ => 1,
            };
            out.push_str(&format!("    accept_ra {ra}\n    autoconf {}\n    dad-attempts 0\n", flag(i.ipv6.slaac)));
        }
        out.push_str(&crate::dhcp::ifupdown_dhcp6(i, &mut lost));
        // Every other route as the `up ip route add` line ifupdown configs carry them in (the
        // import reads them back); the `down` line removes it again on ifdown.
        for r in &i.routes {
            let is_gw = Some(r) == gw4 || (Some(r) == gw6 && !v6.is_empty());
            if !is_gw {
                let fam = if r.is_ipv6() { "-6 " } else { "" };
                let args = hostnet_core::plan::route_text(r);
                out.push_str(&format!("    up ip {fam}route add {args} dev $IFACE\n"));
                out.push_str(&format!("    down ip {fam}route del {args} dev $IFACE\n"));
            }
        }
        // A multipath route needs every link it goes through up: it goes with the last of them
        // that ifup brings up.
        for r in config.routes.iter().flatten().filter(|r| last_path_link(&order, r) == Some(i.name.as_str())) {
            out.push_str(&route_hooks(r));
        }
    }
    // Routes of no interface and rules, as `up`/`down` commands of lo's stanza, which comes up
    // first and stays (the import reads them back from there).
    let mut lo_lines: String = config.routes.iter().flatten().filter(|r| !r.is_multipath()).map(route_hooks).collect();
    for r in config.routing_rules.iter().flatten() {
        lo_lines.push_str(&hooks(&Op::AddRule { rule: r.clone() }, &Op::DelRule { rule: r.clone() }));
    }
    let out = out.replacen("iface lo inet loopback\n", &format!("iface lo inet loopback\n{lo_lines}"), 1);
    crate::net_sysctls_lost(config, "ifupdown", &mut lost);
    Exported { files: vec![("interfaces".into(), out)], lost }
}

/// A default route ifupdown's `gateway` can express: no metric, table or source (and ifup adds
/// `onlink` to it, so only an onlink route is exported as one).
fn plain(r: &Route) -> bool {
    r.metric.is_none() && r.table.is_none() && r.src.is_none()
}

/// The interface that carries the DNS settings in formats that keep them per interface: the
/// one with a default route, else the first with an address.
pub(crate) fn dns_holder(config: &Config) -> Option<&str> {
    config.dns.as_ref()?;
    let usable = |i: &&Interface| i.state == LinkState::Up && !i.addresses.is_empty();
    config
        .interfaces
        .iter()
        .filter(usable)
        .find(|i| i.routes.iter().any(|r| r.dst == RouteDst::Default))
        .or_else(|| config.interfaces.iter().find(usable))
        .map(|i| i.name.as_str())
}

/// Debian's ethtool package options for rings, coalescing and link modes (its README.Debian):
/// `hardware-dma-ring-WORD`, `hardware-irq-coalesce-WORD`, `link-speed`, `link-duplex`,
/// `ethernet-autoneg`, where WORD is the `ethtool -G`/`-C` word.
const ETHTOOL_LINK_OPTIONS: &[(&str, &str)] =
    &[("ethernet-autoneg", "autoneg"), ("link-speed", "speed"), ("link-duplex", "duplex")];

/// Reads one of those options into `e`: `None` when `key` is none of them; a bad value
/// changes nothing.
fn ethtool_option(
    e: &mut Option<hostnet_core::model::Ethtool>,
    key: &str,
    value: &str,
) -> Option<Result<(), &'static str>> {
    fn put<T: Copy + Default>(
        group: &mut Option<T>,
        word: &str,
        value: &str,
        set: impl Fn(&mut T, &str, &str) -> Result<bool, &'static str>,
    ) -> Result<(), &'static str> {
        let mut g = group.unwrap_or_default();
        if !set(&mut g, word, value)? {
            return Err("not a setting Debian's ethtool package knows");
        }
        *group = Some(g);
        Ok(())
    }
    use hostnet_core::model::{Coalesce, LinkModes, Rings};
    let link = ETHTOOL_LINK_OPTIONS.iter().find(|(k, _)| *k == key).map(|(_, w)| *w);
    if !(key.starts_with("hardware-dma-ring-") || key.starts_with("hardware-irq-coalesce-") || link.is_some()) {
        return None;
    }
    let mut have = e.clone().unwrap_or_default();
    let r = if let Some(w) = key.strip_prefix("hardware-dma-ring-") {
        put(&mut have.rings, w, value, Rings::set_word)
    } else if let Some(w) = key.strip_prefix("hardware-irq-coalesce-") {
        put(&mut have.coalesce, w, value, Coalesce::set_word)
    } else {
        put(&mut have.link, link.expect("checked"), value, LinkModes::set_word)
    };
    if r.is_ok() {
        *e = Some(have);
    }
    Some(r)
}

/// `e`'s rings, coalescing and link modes as those options.
fn ethtool_options(e: &hostnet_core::model::Ethtool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (w, v) in e.rings.map(|r| r.words()).unwrap_or_default() {
        out.push((format!("hardware-dma-ring-{w}"), v));
    }
    for (w, v) in e.coalesce.map(|c| c.words()).unwrap_or_default() {
        out.push((format!("hardware-irq-coalesce-{w}"), v));
    }
    for (w, v) in e.link.map(|l| l.words()).unwrap_or_default() {
        let key = ETHTOOL_LINK_OPTIONS.iter().find(|(_, word)| *word == w).map(|(k, _)| *k).unwrap_or(w);
        out.push((key.to_string(), v));
    }
    out
}
