//! `show`: the live state for people (a table) and for programs (config schema + status).

use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::process::ExitCode;

use hostnet_core::Config;
use hostnet_core::model::{Interface, Kind};
use hostnet_core::state::{LiveLink, State};
use hostnet_netlink::read::Observed;
use hostnet_netlink::status::{BondPortStatus, LacpPortState, LinkStatus};
use hostnet_netlink::write::read_resolv_conf;

use super::apply::Ctx;
use super::{EXIT_FAILED, ShowWhat, runtime};

pub fn show(ctx: &Ctx, json: bool, yaml: bool, name: Option<&str>, what: Option<ShowWhat>) -> ExitCode {
    let observed = match runtime().block_on(async {
        let mut o = hostnet_netlink::Netlink::connect()?.observe().await?;
        hostnet_netlink::wireguard::describe(&mut o.state)
            .await
            .map_err(|e| hostnet_netlink::Error::Other(e.to_string()))?;
        Ok::<_, hostnet_netlink::Error>(o)
    }) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    if let Some(name) = name {
        return one(ctx, observed, name, json, yaml);
    }
    match what {
        Some(ShowWhat::Bond { name }) => return bonds(&observed, name.as_deref(), json),
        Some(ShowWhat::Neighbors { wait }) => return neighbors(&observed, &wait, json),
        Some(ShowWhat::Ethtool { name }) => {
            let read = runtime().block_on(hostnet_netlink::ethtool::read(std::slice::from_ref(&name)));
            match read.ok().and_then(|mut r| r.remove(&name)) {
                Some(e) if json => println!("{}", serde_json::to_string_pretty(&e).expect("serializable")),
                Some(e) => {
                    println!("features (changeable):");
                    for (k, v) in &e.features {
                        println!("  {k}: {}", if *v { "on" } else { "off" });
                    }
                    let groups = [
                        ("channels", e.channels.map(|c| c.words())),
                        ("rings", e.rings.map(|c| c.words())),
                        ("coalesce", e.coalesce.map(|c| c.words())),
                        ("link", e.link.map(|c| c.words())),
                    ];
                    for (group, words) in groups {
                        let unknown = hostnet_core::model::ethtool::SPEED_UNKNOWN.to_string();
                        let text: Vec<String> = match words {
                            Some(w) => w
                                .into_iter()
                                .map(|(k, v)| {
                                    if k == "speed" && v == unknown {
                                        "speed unknown".into()
                                    } else {
                                        format!("{k} {v}")
                                    }
                                })
                                .collect(),
                            None => vec!["not supported by the driver".into()],
                        };
                        println!("{group}: {}", text.join(", "));
                    }
                }
                None => {
                    eprintln!("error: {name}: no ethtool answer (no such device, or its driver has no features)");
                    return ExitCode::from(EXIT_FAILED);
                }
            }
        }
        None if yaml => print!("{}", written(observed.state, ctx).to_yaml()),
        None if json => {
            // Written straight out: building a serde_json::Value first and dropping it was a
            // tenth of the time at 2000 links.
            #[derive(serde::Serialize)]
            struct Links<'a> {
                links: &'a [LinkStatus],
            }
            #[derive(serde::Serialize)]
            struct Shown<'a> {
                #[serde(flatten)]
                config: &'a Config,
                status: Links<'a>,
            }
            let config = as_config(observed.state, ctx);
            let shown = Shown { config: &config, status: Links { links: &observed.status } };
            // 64 KiB at a time: the default 8 KiB meant 232 writes for 2000 links.
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
            serde_json::to_writer_pretty(&mut out, &shown).expect("serializable");
            let _ = std::io::Write::write_all(&mut out, b"\n");
        }
        None => print!("{}", table(&observed)),
    }
    ExitCode::SUCCESS
}

/// `show bond [NAME]`: one bond, or every bond on the host.
fn bonds(o: &Observed, name: Option<&str>, json: bool) -> ExitCode {
    let names: Vec<&str> = match name {
        Some(n) => vec![n],
        None => o.status.iter().filter(|s| s.bond.is_some()).map(|s| s.name.as_str()).collect(),
    };
    if let Some(n) = name
        && bond_text(o, n).is_none()
    {
        let what = if o.status.iter().any(|s| s.name == n) { "is not a bond" } else { "is not on this host" };
        eprintln!("error: {n} {what} (`hostnet show bond` lists the bonds)");
        return ExitCode::from(EXIT_FAILED);
    }
    if json {
        let st: Vec<&LinkStatus> = o
            .status
            .iter()
            .filter(|s| names.contains(&s.name.as_str()) || s.master.as_deref().is_some_and(|m| names.contains(&m)))
            .collect();
        println!("{}", serde_json::to_string_pretty(&st).expect("serializable"));
    } else if names.is_empty() {
        println!("no bonds on this host");
    } else {
        let texts: Vec<String> = names.iter().filter_map(|n| bond_text(o, n)).collect();
        print!("{}", texts.join("\n"));
    }
    ExitCode::SUCCESS
}

/// `show NAME`: one interface's row, its bond state if it is a bond, and the config that
/// reproduces it; `--json` and `--yaml` give the config schema (with the status for JSON).
fn one(ctx: &Ctx, o: Observed, name: &str, json: bool, yaml: bool) -> ExitCode {
    let Some(status) = o.status.iter().find(|s| s.name == name).cloned() else {
        eprintln!("error: no interface named {name} on this host (`hostnet show` lists them)");
        return ExitCode::from(EXIT_FAILED);
    };
    let text = (!json && !yaml).then(|| {
        // The table of this one link: its row, and the host's rules as the full table has them.
        let state = State {
            links: o.state.links.iter().filter(|l| l.iface.name == name).cloned().collect(),
            rules: o.state.rules.clone(),
            ..State::default()
        };
        let mut t = table(&Observed { status: vec![status.clone()], state });
        if let Some(b) = bond_text(&o, name) {
            t.push('\n');
            t.push_str(&b);
        }
        t
    });
    let config = written(o.state, ctx);
    // Loopback and links of kinds hostnet does not declare have a row but no config.
    let only =
        Config { interfaces: config.interfaces.into_iter().filter(|i| i.name == name).collect(), ..Default::default() };
    match text {
        Some(t) if only.interfaces.is_empty() => print!("{t}"),
        Some(t) => {
            print!("{t}\nas config:\n");
            for line in only.to_yaml().lines() {
                println!("  {line}");
            }
        }
        None if yaml && only.interfaces.is_empty() => {
            eprintln!("error: {name} is {} here, which a hostnet config does not declare", status.kind);
            return ExitCode::from(EXIT_FAILED);
        }
        None if yaml => print!("{}", only.to_yaml()),
        None => {
            // The shape of `show --json`, so `apply` reads it as it reads that.
            let shown = serde_json::json!({ "interfaces": &only.interfaces, "status": { "links": [&status] } });
            println!("{}", serde_json::to_string_pretty(&shown).expect("serializable"));
        }
    }
    ExitCode::SUCCESS
}

/// `show neighbors`: each NIC's LLDP neighbour.
fn neighbors(o: &Observed, wait: &str, json: bool) -> ExitCode {
    let wait = match hostnet_core::duration::parse(wait) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: --wait: {e}");
            return ExitCode::from(super::EXIT_USAGE);
        }
    };
    let nics = hostnet_doctor::lldp::nics(&o.state);
    let heard = match hostnet_doctor::lldp::listen(&nics, wait) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: listening for LLDP: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    if json {
        let v: Vec<serde_json::Value> =
            heard.iter().map(|(n, nb)| serde_json::json!({ "interface": n, "neighbor": nb })).collect();
        println!("{}", serde_json::to_string_pretty(&v).expect("serializable"));
        return ExitCode::SUCCESS;
    }
    let mut rows = vec![["NIC", "SWITCH", "CHASSIS", "PORT", "VLAN"].map(String::from).to_vec()];
    for (n, nb) in &heard {
        rows.push(match nb {
            Some(nb) => vec![
                n.clone(),
                nb.switch().to_string(),
                nb.chassis_id.clone(),
                nb.port_id.clone(),
                nb.vlan.map(|v| v.to_string()).unwrap_or_default(),
            ],
            None => {
                let secs = wait.as_secs_f64();
                vec![n.clone(), format!("(nothing heard in {secs} s)"), String::new(), String::new(), String::new()]
            }
        });
    }
    print!("{}", align(&rows));
    ExitCode::SUCCESS
}

/// The live state as a person would write it (`show --yaml`): no kernel defaults, no MACs the
/// kernel chose, NICs found by their permanent MAC (see `hostnet_core::written`).
fn written(state: State, ctx: &Ctx) -> Config {
    let perm: HashMap<String, hostnet_core::model::MacAddr> =
        state.links.iter().filter_map(|l| Some((l.iface.name.clone(), l.perm_mac?))).collect();
    let mut config = as_config(state, ctx);
    hostnet_core::written::as_written(&mut config, &perm);
    config
}

/// The live state in the config schema: what `apply` would need to reproduce this host. It
/// takes the state to move each interface out of it: cloning them was most of this view's
/// 12 ms at 8041 links.
pub fn as_config(state: State, ctx: &Ctx) -> Config {
    let State { mut links, rules, routes, sysctl_defaults: defaults, .. } = state;
    links.sort_by_key(|l| l.index);
    // Looked up once per bridge and port: a search of the links each time made this view
    // quadratic, 15 ms of `show` at 8041 links.
    let filtering: HashSet<String> = links
        .iter()
        .filter(|l| matches!(&l.iface.kind, Kind::Bridge(x) if x.vlan_filtering == Some(true)))
        .map(|l| l.iface.name.clone())
        .collect();
    let bridges: HashSet<String> =
        links.iter().filter(|l| matches!(&l.iface.kind, Kind::Bridge(_))).map(|l| l.iface.name.clone()).collect();
    let interfaces = links
        .into_iter()
        .map(|l| {
            let (ipv4, mut ipv6) = hostnet_core::model::settings_from(&l.sysctls, &defaults);
            // A declared bridge port loses its link-local address unless it asks to keep it
            // (`hostnet_core::model::ip`): one that has it must say so, or applying this view
            // would take it away.
            let port_of_bridge = l.master.as_ref().is_some_and(|m| bridges.contains(m));
            let gen_mode = l.sysctls.get(hostnet_core::model::Sysctl::AddrGenMode);
            if port_of_bridge
                && ipv6.link_local.is_none()
                && ipv6.addr_gen_mode.is_none()
                && gen_mode.is_some_and(|m| m != 1)
            {
                ipv6.link_local = Some(true);
            }
            // An IPv4 address with a lifetime was leased: feeding `show` back to `apply` must
            // keep it, and the daemon must keep renewing it.
            let dhcp4 = l.dynamic.iter().any(|a| a.addr().is_ipv4()).then(Default::default);
            let mut iface = Interface { ipv4, ipv6, dhcp4, ..l.iface };
            // VLAN lists mean something only on a VLAN-filtering bridge: elsewhere they would
            // be every port's default VLAN 1, said to no purpose.
            if let Kind::Bridge(b) = &mut iface.kind
                && !filtering.contains(&iface.name)
            {
                b.vlans = None;
            }
            if let Some(bp) = &mut iface.bridge_port
                && !l.master.as_ref().is_some_and(|m| filtering.contains(m))
            {
                bp.vlans = None;
            }
            iface
        })
        .collect();
    Config {
        interfaces,
        dns: read_resolv_conf(&ctx.env.resolv_conf).filter(|d| !d.nameservers.is_empty() || !d.search.is_empty()),
        // Only rules someone added (static, boot or unspecified protocol); None when there are
        // none, so feeding `show` back to `apply` leaves the kernel's own rules alone.
        routing_rules: Some(rules).filter(|r| !r.is_empty()),
        routes: Some(routes).filter(|r| !r.is_empty()),
        ..Default::default()
    }
}

/// The table reads the live state itself: the addresses and rules it prints are the ones the
/// config view would copy from it.
fn table(o: &Observed) -> String {
    let mut rows = vec![["NAME", "KIND", "ADMIN", "CARRIER", "MTU", "MASTER", "DETAIL"].map(String::from).to_vec()];
    // By name, built once: a search per row was quadratic in the number of links.
    let live: HashMap<&str, &LiveLink> = o.state.links.iter().map(|l| (l.iface.name.as_str(), l)).collect();
    for s in &o.status {
        let mut detail = Vec::new();
        if let Some(b) = &s.bond {
            detail.push(b.mode.clone());
            if let Some(a) = &b.active_port {
                detail.push(format!("active {a}"));
            }
            if let Some(l) = &b.lacp {
                detail.push(format!(
                    "agg {} ({} ports) partner {}",
                    opt(l.aggregator_id),
                    opt(l.num_ports),
                    l.partner_mac.clone().unwrap_or_else(|| "-".into())
                ));
            }
        }
        if let Some(p) = &s.bond_port {
            detail.push(port_summary(p));
        }
        if let Some(l) = live.get(s.name.as_str()) {
            detail.extend(l.iface.addresses.iter().map(ToString::to_string));
            detail.extend(l.dynamic.iter().map(|a| format!("{a} (dynamic)")));
        }
        rows.push(vec![
            s.name.clone(),
            s.kind.clone(),
            if s.admin_up { "up" } else { "down" }.into(),
            if s.carrier { "yes" } else { "no" }.into(),
            s.mtu.map(|m| m.to_string()).unwrap_or_default(),
            s.master.clone().unwrap_or_default(),
            detail.join("  "),
        ]);
    }
    let mut out = align(&rows);
    if !o.state.rules.is_empty() {
        out.push_str("\nrouting rules:\n");
        for r in &o.state.rules {
            let _ = writeln!(out, "  {r}");
        }
    }
    out
}

fn port_summary(p: &BondPortStatus) -> String {
    let mut s = format!("{} mii {} failures {}", p.state, p.mii_status, opt(p.link_failure_count));
    if let Some(a) = p.aggregator_id {
        let _ = write!(s, " agg {a}");
    }
    s
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

fn flags(s: &Option<LacpPortState>) -> String {
    s.as_ref().map(LacpPortState::short).unwrap_or_else(|| "-".into())
}

fn align(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..cols).map(|c| rows.iter().map(|r| r.get(c).map_or(0, |x| x.chars().count())).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r.iter().enumerate().map(|(c, x)| format!("{x:<w$}", w = widths[c])).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// What /proc/net/bonding/NAME tells, laid out to be read at a glance.
fn bond_text(o: &Observed, name: &str) -> Option<String> {
    let st = o.status.iter().find(|s| s.name == name)?;
    let b = st.bond.as_ref()?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "bond {name}: {}, admin {}, carrier {}, mtu {}",
        b.mode,
        if st.admin_up { "up" } else { "down" },
        if st.carrier { "yes" } else { "no" },
        opt(st.mtu)
    );
    if let Some(Kind::Bond(cfg)) = o.state.get(name).map(|l| &l.iface.kind) {
        let opts: Vec<String> = cfg.options().iter().map(|o| format!("{} {}", o.key(), o.value_text())).collect();
        let _ = writeln!(out, "  options: {}", opts.join(", "));
    }
    if let Some(m) = &st.master {
        let _ = writeln!(out, "  enslaved in: {m}");
    }
    if let Some(a) = &b.active_port {
        let _ = writeln!(out, "  active port: {a}");
    }
    if let Some(l) = &b.lacp {
        let _ = writeln!(
            out,
            "  active aggregator: id {}, {} ports, actor key {}, partner key {}, partner system {}",
            opt(l.aggregator_id),
            opt(l.num_ports),
            opt(l.actor_key),
            opt(l.partner_key),
            l.partner_mac.clone().unwrap_or_else(|| "-".into())
        );
    }
    let mut rows = vec![
        ["PORT", "STATE", "MII", "FAILURES", "PERM MAC", "AGG", "ACTOR STATE", "PARTNER STATE"]
            .map(String::from)
            .to_vec(),
    ];
    for p in &b.ports {
        let Some(ps) = o.status.iter().find(|s| &s.name == p) else { continue };
        let Some(bp) = &ps.bond_port else { continue };
        rows.push(vec![
            p.clone(),
            bp.state.clone(),
            bp.mii_status.clone(),
            opt(bp.link_failure_count),
            bp.perm_hwaddr.clone().unwrap_or_else(|| "-".into()),
            opt(bp.aggregator_id),
            flags(&bp.actor_oper_port_state),
            flags(&bp.partner_oper_port_state),
        ]);
    }
    if b.ports.is_empty() {
        out.push_str("  no ports\n");
    } else {
        for line in align(&rows).lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    Some(out)
}
