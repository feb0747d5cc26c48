//! systemd-networkd: .link files name NICs, .netdev files create virtual links, .network files
//! configure each link. Files are numbered so that names are settled before anything uses them.

use hostnet_core::model::{Config, Interface, Kind, LinkState, RouteDst};

use crate::bondopts::{self, ValueKind};
use crate::{Exported, Lost, ordered};

pub fn export(config: &Config) -> Exported {
    let mut files = Vec::new();
    let mut lost = Vec::new();
    let holder = crate::ifupdown::dns_holder(config);
    let masters = config.masters();
    let master_of = |n: &str| masters.get(n).copied();
    for i in ordered(config) {
        crate::cabling_lost(i, &mut lost);
        if i.state == LinkState::Absent {
            lost.push(Lost {
                at: i.name.clone(),
                what: "state: absent".into(),
                why: "networkd only creates what it lists".into(),
            });
            continue;
        }
        match &i.kind {
            Kind::Ethernet(e) if !e.matches.is_empty() => {
                let mut s = String::from("[Match]\n");
                if let Some(m) = e.matches.mac {
                    s.push_str(&format!("PermanentMACAddress={m}\n"));
                }
                if let Some(p) = &e.matches.pci_path {
                    s.push_str(&format!("Path=pci-{p}\n"));
                }
                if let Some(n) = &e.matches.name {
                    s.push_str(&format!("OriginalName={n}\n"));
                }
                s.push_str(&format!("\n[Link]\nName={}\n", i.name));
                files.push((format!("10-hostnet-{}.link", i.name), s));
            }
            Kind::Ethernet(_) | Kind::Loopback(_) => {}
            kind => files.push((format!("20-hostnet-{}.netdev", i.name), netdev(i, kind, &mut lost))),
        }
        if let Some(e) = &i.ethtool {
            // Offloads and queue counts are .link settings, applied by udev when the device
            // appears; a .link of the interface's own gets them when none matched above.
            let link = ethtool_link(e);
            crate::ethtool_lost(i, &["channels", "rings", "coalesce", "link"], "networkd", &mut lost);
            match files.iter_mut().find(|(f, _)| *f == format!("10-hostnet-{}.link", i.name)) {
                Some((_, text)) => text.push_str(&link),
                None => files.push((
                    format!("10-hostnet-{}.link", i.name),
                    format!("[Match]\nOriginalName={}\n\n[Link]\n{link}", i.name),
                )),
            }
        }
        files.push((
            format!("30-hostnet-{}.network", i.name),
            network(config, i, master_of(&i.name), holder == Some(i.name.as_str()), &mut lost),
        ));
    }
    crate::net_sysctls_lost(config, "networkd", &mut lost);
    Exported { files, lost }
}

fn netdev(i: &Interface, kind: &Kind, lost: &mut Vec<Lost>) -> String {
    let mut s = format!("[NetDev]\nName={}\nKind={}\n", i.name, kind.name());
    if let Some(m) = i.mac {
        s.push_str(&format!("MACAddress={m}\n"));
    }
    match kind {
        Kind::Bond(b) => {
            s.push_str(&format!("\n[Bond]\nMode={}\n", b.mode));
            for o in b.options() {
                let row = bondopts::row(o.key()).expect("row");
                if o.key() == "primary" {
                    continue; // PrimarySlave=yes on the port's .network
                }
                let Some(key) = row.networkd else {
                    lost.push(Lost {
                        at: i.name.clone(),
                        what: format!("bond option {}", o.key()),
                        why: "networkd has no such [Bond] setting".into(),
                    });
                    continue;
                };
                let text = bondopts::value_text(&o);
                let v = match row.kind {
                    ValueKind::Millis => format!("{text}ms"),
                    ValueKind::Seconds => format!("{text}s"),
                    ValueKind::List => text.replace(',', " "),
                    ValueKind::Bool => if text == "true" { "yes" } else { "no" }.into(),
                    ValueKind::Plain => text,
                };
                s.push_str(&format!("{key}={v}\n"));
            }
        }
        Kind::Bridge(b) => {
            s.push_str("\n[Bridge]\n");
            if let Some(x) = b.stp {
                s.push_str(&format!("STP={}\n", if x { "yes" } else { "no" }));
            }
            for t in crate::bondopts::BRIDGE_TIMERS {
                if let Some(v) = (t.get)(b) {
                    s.push_str(&format!("{}={v}\n", t.networkd));
                }
            }
            if let Some(p) = b.priority {
                s.push_str(&format!("Priority={p}\n"));
            }
            if let Some(f) = b.vlan_filtering {
                s.push_str(&format!("VLANFiltering={}\n", if f { "yes" } else { "no" }));
            }
            if let Some(x) = b.mcast_snooping {
                s.push_str(&format!("MulticastSnooping={}\n", if x { "yes" } else { "no" }));
            }
            if let Some(x) = b.mcast_querier {
                s.push_str(&format!("MulticastQuerier={}\n", if x { "yes" } else { "no" }));
            }
        }
        Kind::Vlan(v) => {
            s.push_str(&format!("\n[VLAN]\nId={}\n", v.id));
            if let Some(p) = v.protocol {
                s.push_str(&format!("Protocol={p}\n"));
            }
        }
        Kind::Veth(v) => s.push_str(&format!("\n[Peer]\nName={}\n", v.peer)),
        Kind::Macvlan(m) => s.push_str(&format!("\n[MACVLAN]\nMode={}\n", m.mode())),
        Kind::Ipvlan(m) => {
            s.push_str(&format!("\n[IPVLAN]\nMode={}\nFlags={}\n", m.mode().as_str().to_uppercase(), m.flags()))
        }
        Kind::Vxlan(v) => {
            s.push_str(&format!("\n[VXLAN]\nVNI={}\n", v.vni));
            for (k, ip) in [("Local", v.local), ("Remote", v.remote), ("Group", v.group)] {
                if let Some(ip) = ip {
                    s.push_str(&format!("{k}={ip}\n"));
                }
            }
            s.push_str(&format!(
                "DestinationPort={}\nMacLearning={}\n",
                v.port(),
                if v.learning() { "yes" } else { "no" }
            ));
        }
        Kind::Vrf(v) => s.push_str(&format!("\n[VRF]\nTable={}\n", v.table)),
        Kind::Wireguard(w) => s.push_str(&crate::wireguard::netdev(w)),
        Kind::Ethernet(_) | Kind::Dummy(_) | Kind::Loopback(_) => {}
    }
    s
}

/// The `.network` key by which networkd attaches a link built on this one.
fn stacked_key(k: &Kind) -> Option<&'static str> {
    match k {
        Kind::Vlan(_) => Some("VLAN"),
        Kind::Macvlan(_) => Some("MACVLAN"),
        Kind::Ipvlan(_) => Some("IPVLAN"),
        Kind::Vxlan(_) => Some("VXLAN"),
        _ => None,
    }
}

fn network(config: &Config, i: &Interface, master: Option<&Interface>, dns: bool, lost: &mut Vec<Lost>) -> String {
    let mut s = format!("[Match]\nName={}\n", i.name);
    let mut link = String::new();
    if let Some(m) = i.mtu {
        link.push_str(&format!("MTUBytes={m}\n"));
    }
    if i.state == LinkState::Down {
        link.push_str("ActivationPolicy=down\n");
    }
    // A VRF member is a routed interface with addresses of its own, not a port.
    let port = master.is_some_and(|m| !matches!(m.kind, Kind::Vrf(_)));
    if port {
        // A port is "online" when enslaved, not when it has an address.
        link.push_str("RequiredForOnline=enslaved\n");
    }
    if !link.is_empty() {
        s.push_str(&format!("\n[Link]\n{link}"));
    }
    s.push_str("\n[Network]\n");
    // Bond and bridge members, and every stacked device, come up without carrier: a NIC
    // without link at boot is still enslaved and waits for it.
    s.push_str("ConfigureWithoutCarrier=yes\n");
    match master.map(|m| &m.kind) {
        Some(Kind::Bond(b)) => {
            s.push_str(&format!("Bond={}\n", master.expect("some").name));
            if b.primary.as_deref() == Some(i.name.as_str()) {
                s.push_str("PrimarySlave=yes\n");
            }
        }
        Some(Kind::Bridge(_)) => s.push_str(&format!("Bridge={}\n", master.expect("some").name)),
        Some(Kind::Vrf(_)) => s.push_str(&format!("VRF={}\n", master.expect("some").name)),
        _ => {}
    }
    s.push_str(&crate::iplayer::networkd_network(i, port, lost));
    s.push_str(crate::dhcp::networkd_network(i));
    for v in config.interfaces.iter().filter(|v| v.kind.base() == Some(i.name.as_str())) {
        if let Some(key) = stacked_key(&v.kind) {
            s.push_str(&format!("{key}={}\n", v.name));
        }
    }
    for a in &i.addresses {
        s.push_str(&format!("Address={a}\n"));
    }
    if dns && let Some(d) = &config.dns {
        for n in &d.nameservers {
            s.push_str(&format!("DNS={n}\n"));
        }
        if !d.search.is_empty() {
            s.push_str(&format!("Domains={}\n", d.search.join(" ")));
        }
    }
    for r in crate::iplayer::routes_written_under(config, i) {
        s.push_str("\n[Route]\n");
        if !r.kind.is_unicast() {
            s.push_str(&format!("Type={}\n", r.kind.name()));
        }
        if let RouteDst::Net(n) = r.dst {
            s.push_str(&format!("Destination={n}\n"));
        }
        if let Some(g) = r.via {
            s.push_str(&format!("Gateway={g}\n"));
        }
        if let Some(m) = r.metric {
            s.push_str(&format!("Metric={m}\n"));
        }
        if let Some(t) = r.table {
            s.push_str(&format!("Table={t}\n"));
        }
        if let Some(p) = r.src {
            s.push_str(&format!("PreferredSource={p}\n"));
        }
        if r.onlink {
            s.push_str("GatewayOnLink=yes\n");
        }
        if let Some(sc) = r.scope {
            s.push_str(&format!("Scope={}\n", format!("{sc:?}").to_lowercase()));
        }
        if let Some(m) = r.mtu {
            s.push_str(&format!("MTUBytes={m}\n"));
        }
        let yes = |b: bool| if b { "yes" } else { "no" };
        for (key, v) in [
            ("InitialCongestionWindow", r.initcwnd.map(|x| x.to_string())),
            ("InitialAdvertisedReceiveWindow", r.initrwnd.map(|x| x.to_string())),
            ("TCPAdvertisedMaximumSegmentSize", r.advmss.map(|x| x.to_string())),
            ("TCPCongestionControlAlgorithm", r.congctl.clone()),
            ("QuickAck", r.quickack.map(|b| yes(b).to_string())),
            ("FastOpenNoCookie", r.fastopen_no_cookie.map(|b| yes(b).to_string())),
        ] {
            if let Some(v) = v {
                s.push_str(&format!("{key}={v}\n"));
            }
        }
        if let Some(p) = r.protocol {
            s.push_str(&format!("Protocol={}\n", format!("{p:?}").to_lowercase()));
        }
        // networkd's on-link flag is the route's, not a path's.
        if r.nexthops.iter().any(|h| h.onlink) {
            s.push_str("GatewayOnLink=yes\n");
            if !r.nexthops.iter().all(|h| h.onlink) {
                lost.push(Lost {
                    at: i.name.clone(),
                    what: format!("route {}: onlink on some paths only", r.dst),
                    why: "networkd's GatewayOnLink= is the whole route's; written for every path".into(),
                });
            }
        }
        for h in &r.nexthops {
            let weight = h.weight.map(|w| format!(" {w}")).unwrap_or_default();
            s.push_str(&format!("MultiPathRoute={}@{}{weight}\n", h.via, h.dev));
        }
    }
    if let Some(bp) = &i.bridge_port {
        if !bp.settings().is_empty() {
            s.push_str(&bridge_port_section(bp));
        }
        s.push_str(&bridge_vlan_sections(bp.vlans.as_deref()));
    }
    if let Kind::Bridge(b) = &i.kind {
        s.push_str(&bridge_vlan_sections(b.vlans.as_deref()));
    }
    for r in crate::iplayer::rules_of(config, &i.name) {
        s.push_str(&crate::iplayer::networkd_rule(r, &i.name, lost));
    }
    s.push_str(&crate::iplayer::networkd_ra_section(i));
    s.push_str(&crate::dhcp::networkd_section(i, lost));
    s
}

/// A bridge port's `[Bridge]` section; networkd's `UseBPDU=` is BPDU guard inverted.
fn bridge_port_section(p: &hostnet_core::model::BridgePort) -> String {
    let yes = |b: bool| if b { "yes" } else { "no" };
    let mut s = String::from("\n[Bridge]\n");
    if let Some(c) = p.cost {
        s += &format!("Cost={c}\n");
    }
    if let Some(x) = p.priority {
        s += &format!("Priority={x}\n");
    }
    for (k, v) in [
        ("HairPin", p.hairpin),
        ("Isolated", p.isolated),
        ("Learning", p.learning),
        ("UnicastFlood", p.flood),
        ("UseBPDU", p.bpdu_guard.map(|g| !g)),
        ("MulticastFlood", p.mcast_flood),
        ("NeighborSuppression", p.neigh_suppress),
    ] {
        if let Some(v) = v {
            s += &format!("{k}={}\n", yes(v));
        }
    }
    if let Some(r) = p.mcast_router {
        let name = match r {
            0 => "no",
            2 => "permanent",
            3 => "temporary",
            _ => "query",
        };
        s += &format!("MulticastRouter={name}\n");
    }
    s
}

/// `[BridgeVLAN]` sections: one per VLAN or range, the PVID and untagged ones marked.
fn bridge_vlan_sections(list: Option<&[hostnet_core::model::BridgeVlan]>) -> String {
    let mut s = String::new();
    for v in list.into_iter().flatten() {
        let id = if v.vid.0 == v.vid.1 { v.vid.0.to_string() } else { format!("{}-{}", v.vid.0, v.vid.1) };
        s += &format!("\n[BridgeVLAN]\nVLAN={id}\n");
        if v.pvid {
            s += &format!("PVID={id}\n");
        }
        if v.untagged {
            s += &format!("EgressUntagged={id}\n");
        }
    }
    s
}

/// `[Link]` lines for offloads, queue counts, rings, coalescing and link modes.
fn ethtool_link(e: &hostnet_core::model::Ethtool) -> String {
    let mut s = String::new();
    for (k, v) in e.kernel_features() {
        if let Some(o) = crate::OFFLOADS.iter().find(|o| o.0 == k) {
            s += &format!("{}={}\n", o.1, if v { "yes" } else { "no" });
        }
    }
    if let Some(c) = e.channels {
        for (k, v) in
            [("RxChannels", c.rx), ("TxChannels", c.tx), ("OtherChannels", c.other), ("CombinedChannels", c.combined)]
        {
            if let Some(v) = v {
                s += &format!("{k}={v}\n");
            }
        }
    }
    if let Some(r) = e.rings {
        let keys = [
            ("RxBufferSize", r.rx),
            ("RxMiniBufferSize", r.rx_mini),
            ("RxJumboBufferSize", r.rx_jumbo),
            ("TxBufferSize", r.tx),
        ];
        for (k, v) in keys {
            if let Some(v) = v {
                s += &format!("{k}={v}\n");
            }
        }
    }
    let yes = |b: bool| if b { "yes" } else { "no" };
    if let Some(c) = e.coalesce {
        let lines = [
            ("UseAdaptiveRxCoalesce", c.adaptive_rx.map(|b| yes(b).to_string())),
            ("UseAdaptiveTxCoalesce", c.adaptive_tx.map(|b| yes(b).to_string())),
            ("RxCoalesceSec", c.rx_usecs.map(|v| format!("{v}us"))),
            ("RxMaxCoalescedFrames", c.rx_frames.map(|v| v.to_string())),
            ("TxCoalesceSec", c.tx_usecs.map(|v| format!("{v}us"))),
            ("TxMaxCoalescedFrames", c.tx_frames.map(|v| v.to_string())),
        ];
        for (k, v) in lines {
            if let Some(v) = v {
                s += &format!("{k}={v}\n");
            }
        }
    }
    if let Some(l) = e.link {
        if let Some(b) = l.autoneg {
            s += &format!("AutoNegotiation={}\n", yes(b));
        }
        if let Some(v) = l.speed {
            s += &format!("BitsPerSecond={v}M\n");
        }
        if let Some(d) = l.duplex {
            s += &format!("Duplex={}\n", hostnet_core::model::ethtool::EthtoolWord::word(&d));
        }
    }
    s
}
