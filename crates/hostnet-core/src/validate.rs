//! Every rule a config must pass before anything touches the host. All rules run, so one
//! `check` lists every problem at once.

use std::fmt::Write as _;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::diag::Reporter;
use crate::graph::Graph;
use crate::model::{Bond, BondOpt, Bridge, Config, Interface, Kind, LinkState, RouteDst};

/// Linux limits interface names to IFNAMSIZ-1 bytes.
const MAX_NAME: usize = 15;
/// glibc reads at most MAXNS nameservers from resolv.conf and ignores the rest.
const MAX_NAMESERVERS: usize = 3;
/// The bonding driver keeps at most BOND_MAX_ARP_TARGETS targets.
const MAX_ARP_TARGETS: usize = 16;

pub fn validate(config: &Config, rep: &mut Reporter<'_>) -> Graph {
    let names = check_names(config, rep);
    check_selectors(config, rep);
    // One buffer for every interface's path: formatting a fresh one each was a tenth of
    // validation at thousands of interfaces.
    let mut at = String::with_capacity(32);
    for (i, iface) in config.interfaces.iter().enumerate() {
        at.clear();
        let _ = write!(at, "interfaces[{i}]");
        let at = at.as_str();
        check_common(iface, at, rep);
        match &iface.kind {
            Kind::Ethernet(e) => {
                if let Some(p) = &e.matches.pci_path
                    && !is_pci_address(p)
                {
                    rep.error(
                        format!("{at}.ethernet.match.pci_path"),
                        format!("`{p}` is not a PCI address like 0000:3b:00.1"),
                    );
                }
            }
            Kind::Bond(b) => check_bond(b, at, rep),
            Kind::Vlan(v) => {
                if !VLAN_IDS.contains(&v.id) {
                    rep.error(
                        format!("{at}.vlan.id"),
                        format!("VLAN id {} is out of range {}..={}", v.id, VLAN_IDS.start(), VLAN_IDS.end()),
                    );
                }
            }
            Kind::Bridge(b) => check_bridge(b, at, rep),
            Kind::Veth(v) => {
                if v.peer == iface.name {
                    rep.error(format!("{at}.veth.peer"), "a veth cannot be its own peer");
                }
            }
            Kind::Dummy(_) | Kind::Vrf(_) => {}
            Kind::Wireguard(w) => crate::validate_wireguard::check(w, at, rep),
            Kind::Macvlan(_) | Kind::Ipvlan(_) | Kind::Vxlan(_) => crate::validate_virt::check_kind(iface, at, rep),
            Kind::Loopback(_) => check_loopback(iface, at, rep),
        }
        if iface.name == "lo" && !matches!(iface.kind, Kind::Loopback(_)) {
            rep.error(
                format!("{at}.{}", iface.kind.name()),
                "`lo` is the loopback device, which every namespace has: declare it `loopback: {}` to give it addresses",
            );
        }
        if let Some(base) = iface.kind.base()
            && !names.contains_key(base)
        {
            rep.error(format!("{at}.{}.base", iface.kind.name()), format!("base `{base}` is not declared"));
        }
    }
    crate::validate_virt::check_vrfs(config, rep);
    crate::validate_virt::check_bridge_ports(config, rep);
    crate::validate_virt::check_ethtool(config, rep);
    check_ports(config, &names, rep);
    check_vlans(config, rep);
    check_addresses(config, rep);
    check_routes(config, rep);
    check_typed_routes(config, rep);
    check_net_sysctls(config, rep);
    check_rules(config, rep);
    check_online(config, &names, rep);
    check_dns(config, rep);
    let graph = Graph::build(config);
    if let Some(cycle) = graph.cycle() {
        let first = &cycle.names[0];
        let field = names.get(first.as_str()).map(|d| d.path()).unwrap_or_default();
        rep.error(field, cycle.to_string());
    }
    graph
}

/// Where a name is declared: an interface, or the peer of a veth.
#[derive(Debug, Clone, Copy)]
struct Decl {
    index: usize,
    peer: bool,
}

impl Decl {
    fn path(&self) -> String {
        if self.peer {
            format!("interfaces[{}].veth.peer", self.index)
        } else {
            format!("interfaces[{}].name", self.index)
        }
    }
}

fn check_names<'c>(config: &'c Config, rep: &mut Reporter<'_>) -> HashMap<&'c str, Decl> {
    let mut seen: HashMap<&str, Decl> = HashMap::with_capacity_and_hasher(config.interfaces.len(), Default::default());
    fn declare<'c>(seen: &mut HashMap<&'c str, Decl>, name: &'c str, decl: Decl, rep: &mut Reporter<'_>) {
        if let Err(why) = check_ifname(name) {
            rep.error(decl.path(), why);
        }
        match seen.get(name) {
            Some(first) => rep
                .error(decl.path(), format!("duplicate interface name `{name}` (first declared at {})", first.path())),
            None => {
                seen.insert(name, decl);
            }
        }
    }
    for (i, iface) in config.interfaces.iter().enumerate() {
        declare(&mut seen, &iface.name, Decl { index: i, peer: false }, rep);
    }
    // Collected first: `declare` adds to `seen`, which the lookup of each peer reads.
    let mut undeclared_peers = Vec::new();
    for (i, iface) in config.interfaces.iter().enumerate() {
        if let Kind::Veth(v) = &iface.kind {
            let decl = seen.get(v.peer.as_str()).map(|d| &config.interfaces[d.index]);
            if !crate::graph::declares_pair(decl, &iface.name) {
                undeclared_peers.push((i, v.peer.as_str()));
            }
        }
    }
    for (i, peer) in undeclared_peers {
        declare(&mut seen, peer, Decl { index: i, peer: true }, rep);
    }
    seen
}

fn check_ifname(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("interface name is empty".into());
    }
    if name.len() > MAX_NAME {
        return Err(format!("interface name `{name}` is longer than {MAX_NAME} bytes"));
    }
    if name == "." || name == ".." || name.contains(['/', ':']) || name.chars().any(char::is_whitespace) {
        return Err(format!("`{name}` is not a valid interface name (no '/', ':' or whitespace)"));
    }
    // The kernel expands `%d` to the first free number: the link would get another name than
    // the one declared, and nothing could find it again.
    if name.contains('%') {
        return Err(format!("`{name}` contains `%`, which the kernel replaces with a number; name the link exactly"));
    }
    // /proc/sys/net/ipv4/conf/{all,default} are not links: the kernel refuses these names.
    if name == "all" || name == "default" {
        return Err(format!("`{name}` is reserved (it names the sysctl directories of every link and of new links)"));
    }
    if let Some(c) = name.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(format!(
            "`{}` contains {}: interface names are printable ASCII, as `ip` and the other tools show them",
            name.escape_default(),
            if c.is_control() {
                format!("the control character {:?}", c)
            } else {
                format!("the non-ASCII character `{c}`")
            }
        ));
    }
    Ok(())
}

fn is_pci_address(p: &str) -> bool {
    // domain:bus:device.function, all hex: 0000:3b:00.1
    let parts: Vec<&str> = p.split([':', '.']).collect();
    let widths = [4, 2, 2, 1];
    parts.len() == 4 && parts.iter().zip(widths).all(|(s, w)| s.len() == w && s.chars().all(|c| c.is_ascii_hexdigit()))
}

fn check_ip_settings(iface: &Interface, at: &str, rep: &mut Reporter<'_>) {
    use crate::model::AddrGenMode;
    if let Some(a) = iface.ipv4.arp_ignore
        && !matches!(a, 0..=3 | 8)
    {
        rep.error(format!("{at}.ipv4.arp_ignore"), format!("arp_ignore {a} is not one of 0, 1, 2, 3, 8"));
    }
    if let Some(a) = iface.ipv4.arp_announce
        && a > 2
    {
        rep.error(format!("{at}.ipv4.arp_announce"), format!("arp_announce {a} is out of range 0..=2"));
    }
    if let Some(d) = iface.ipv6.accept_dad.filter(|d| *d > 2) {
        rep.error(
            format!("{at}.ipv6.accept_dad"),
            format!(
                "accept_dad {d} is out of range 0..=2 (0 off, 1 on, 2 on and IPv6 off on a duplicate MAC-based address)"
            ),
        );
    }
    let v6 = &iface.ipv6;
    match (v6.link_local, v6.addr_gen_mode) {
        (Some(false), Some(m)) if m != AddrGenMode::None => rep.error(
            format!("{at}.ipv6.addr_gen_mode"),
            "`link_local: false` means no autoconfigured addresses; this mode would make some",
        ),
        (Some(true), Some(AddrGenMode::None)) => rep.error(
            format!("{at}.ipv6.addr_gen_mode"),
            "`none` generates no link-local address, but `link_local: true` asks for one",
        ),
        _ => {}
    }
    if v6.disable_ipv6 == Some(true) {
        for (k, set) in [("accept_ra", v6.accept_ra == Some(true)), ("link_local", v6.link_local == Some(true))] {
            if set {
                rep.error(format!("{at}.ipv6.{k}"), "IPv6 is disabled on this interface (`disable_ipv6: true`)");
            }
        }
        if let Some(j) = iface.addresses.iter().position(|a| a.addr().is_ipv6()) {
            rep.error(format!("{at}.addresses[{j}]"), "an IPv6 address on an interface with `disable_ipv6: true`");
        }
    }
}

/// Two declared NICs that match one NIC (the same MAC, PCI path or kernel name) would take its
/// name in turn on every apply.
fn check_selectors(config: &Config, rep: &mut Reporter<'_>) {
    let mut seen: HashMap<(&str, String), &str> = HashMap::default();
    for (i, iface) in config.interfaces.iter().enumerate() {
        let Kind::Ethernet(e) = &iface.kind else { continue };
        let m = &e.matches;
        let keys = [("mac", m.mac.map(|x| x.to_string())), ("pci_path", m.pci_path.clone()), ("name", m.name.clone())];
        for (key, value) in keys {
            let Some(value) = value else { continue };
            let label = format!("{key} {value}");
            if let Some(other) = seen.insert((key, value), &iface.name) {
                rep.error(
                    format!("interfaces[{i}].ethernet.match.{key}"),
                    format!("`{other}` matches {label} too: one NIC cannot be two interfaces"),
                );
            }
        }
    }
}

/// The kernel's range for an interface MTU (IPv4's minimum to IP's maximum packet).
const MTU_RANGE: std::ops::RangeInclusive<u32> = 68..=65535;
const VLAN_IDS: std::ops::RangeInclusive<u16> = 1..=4094;

/// The range of a numeric field in words, for a number too large for its type to be read at all
/// (`mtu: 99999999999`): the parser knows only the type's range, which is not the kernel's.
pub fn field_range(path: &str) -> Option<String> {
    let last = path.rsplit('.').next()?;
    let parent = path.rsplit('.').nth(1).unwrap_or_default();
    Some(match (parent, last) {
        (p, "mtu") if p.starts_with("interfaces[") => {
            format!("an MTU is {}..={} bytes", MTU_RANGE.start(), MTU_RANGE.end())
        }
        ("vlan", "id") => format!("a VLAN id is {}..={}", VLAN_IDS.start(), VLAN_IDS.end()),
        _ => return None,
    })
}

fn check_common(iface: &Interface, at: &str, rep: &mut Reporter<'_>) {
    check_ip_settings(iface, at, rep);
    if let Some(mtu) = iface.mtu
        && !MTU_RANGE.contains(&mtu)
    {
        rep.error(
            format!("{at}.mtu"),
            format!("MTU {mtu} is out of range {}..={}", MTU_RANGE.start(), MTU_RANGE.end()),
        );
    }
    // Below IPv6's minimum the kernel turns IPv6 off on the link and drops its IPv6 addresses
    // and routes; a rollback could not bring them back as they were.
    let ipv6 = iface.addresses.iter().any(|a| a.addr().is_ipv6())
        || iface.dhcp6.is_some()
        || iface.routes.iter().any(|r| r.is_ipv6());
    if let Some(mtu) = iface.mtu
        && (68..1280).contains(&mtu)
        && ipv6
    {
        rep.error(
            format!("{at}.mtu"),
            format!(
                "MTU {mtu} is below IPv6's minimum of 1280, and the interface has IPv6 addresses or routes: \
                 the kernel turns IPv6 off on it and drops them"
            ),
        );
    }
    if let Some(mac) = iface.mac
        && (mac.is_multicast() || mac.0 == [0; 6])
    {
        rep.error(format!("{at}.mac"), format!("{mac} is not a unicast MAC address"));
    }
    if iface.state == LinkState::Absent && (!iface.addresses.is_empty() || !iface.routes.is_empty()) {
        rep.error(format!("{at}.state"), "an absent interface cannot have addresses or routes");
    }
    if let Some(d) = &iface.dhcp4 {
        check_dhcp4(iface, d, at, rep);
    }
    if let Some(d) = &iface.dhcp6 {
        check_dhcp6(iface, d, at, rep);
    }
}

fn check_dhcp6(iface: &Interface, d: &crate::model::Dhcp6, at: &str, rep: &mut Reporter<'_>) {
    if iface.state != LinkState::Up {
        rep.error(format!("{at}.dhcp6"), "DHCP needs the interface up; it is declared down or absent");
    }
    if iface.ipv6.disable_ipv6 == Some(true) {
        rep.error(format!("{at}.dhcp6"), "DHCPv6 on an interface with `ipv6.disable_ipv6: true`");
    }
    // RFC 8415 13.1: a client sends from its link-local address.
    if iface.ipv6.link_local == Some(false) {
        rep.error(
            format!("{at}.dhcp6"),
            "DHCPv6 needs a link-local address to send from; the interface declares `ipv6.link_local: false`",
        );
    }
    if d.timeout == Some(0) {
        rep.error(format!("{at}.dhcp6.timeout"), "a timeout of 0 s reports failure before any server can answer");
    }
}

fn check_dhcp4(iface: &Interface, d: &crate::model::Dhcp4, at: &str, rep: &mut Reporter<'_>) {
    if iface.state != LinkState::Up {
        rep.error(format!("{at}.dhcp4"), "DHCP needs the interface up; it is declared down or absent");
    }
    if let Some(h) = &d.hostname {
        // Option 12 carries one DNS label (RFC 1035 2.3.1), which the server registers.
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if h.len() > 253 || !h.split('.').all(label_ok) {
            rep.error(format!("{at}.dhcp4.hostname"), format!("`{h}` is not a valid host name"));
        }
    }
    if d.timeout == Some(0) {
        rep.error(format!("{at}.dhcp4.timeout"), "a timeout of 0 s reports failure before any server can answer");
    }
}

fn check_bond(b: &Bond, at: &str, rep: &mut Reporter<'_>) {
    let at = format!("{at}.bond");
    for opt in b.options() {
        if !opt.applies().allows(b.mode) {
            let hint = match &opt {
                BondOpt::ArpInterval(_) | BondOpt::ArpIpTarget(_) | BondOpt::ArpValidate(_) => {
                    "; this mode needs the MII monitor (miimon)"
                }
                _ => "",
            };
            rep.error(
                format!("{at}.{}", opt.key()),
                format!(
                    "`{}` is not valid for mode {}: it applies {}{hint}",
                    opt.key(),
                    b.mode,
                    opt.applies().describe()
                ),
            );
        }
    }
    let miimon = b.miimon.unwrap_or(0);
    let arp = b.arp_interval.unwrap_or(0);
    if miimon > 0 && arp > 0 {
        rep.error(format!("{at}.arp_interval"), "choose one link monitor: miimon and arp_interval are both set");
    }
    if arp > 0 && b.arp_ip_target.as_ref().is_none_or(Vec::is_empty) {
        rep.error(format!("{at}.arp_interval"), "arp_interval needs at least one arp_ip_target");
    }
    if let Some(t) = &b.arp_ip_target
        && t.len() > MAX_ARP_TARGETS
    {
        rep.error(format!("{at}.arp_ip_target"), format!("at most {MAX_ARP_TARGETS} ARP targets are allowed"));
    }
    for (key, delay) in [("updelay", b.updelay), ("downdelay", b.downdelay)] {
        match (delay, miimon) {
            (Some(d), 0) if d > 0 => {
                rep.error(format!("{at}.{key}"), format!("{key} needs miimon; without it the delay is ignored"))
            }
            (Some(d), m) if m > 0 && d % m != 0 => rep.error(
                format!("{at}.{key}"),
                format!("{key} {d} is not a multiple of miimon {m}; the kernel would round it down"),
            ),
            _ => {}
        }
    }
    if let Some(p) = &b.primary
        && !b.ports.contains(p)
    {
        rep.error(format!("{at}.primary"), format!("primary `{p}` is not one of this bond's ports"));
    }
    if let Some(k) = b.ad_user_port_key
        && k > 1023
    {
        rep.error(format!("{at}.ad_user_port_key"), format!("ad_user_port_key {k} is out of range 0..=1023"));
    }
    if b.ad_actor_sys_prio == Some(0) {
        rep.error(format!("{at}.ad_actor_sys_prio"), "ad_actor_sys_prio must be 1..=65535");
    }
    if let Some(m) = b.ad_actor_system
        && (m.is_multicast() || m.0 == [0; 6])
    {
        rep.error(format!("{at}.ad_actor_system"), format!("{m} is not a unicast MAC address"));
    }
    if let Some(n) = b.min_links
        && !b.ports.is_empty()
        && n as usize > b.ports.len()
    {
        rep.error(
            format!("{at}.min_links"),
            format!("min_links {n} exceeds the {} declared ports: the bond could never get carrier", b.ports.len()),
        );
    }
}

fn check_bridge(b: &Bridge, at: &str, rep: &mut Reporter<'_>) {
    let at = format!("{at}.bridge");
    let stp = b.stp.unwrap_or(false);
    for t in &crate::model::bridge_timers::BRIDGE_TIMERS {
        let range = t.range(stp);
        if let Some(v) = (t.get)(b)
            && !range.contains(&v)
        {
            let key = t.key;
            let why = if t.range.0 != t.range.1 && stp { " with STP on" } else { "" };
            let (lo, hi) = (range.start(), range.end());
            rep.error(format!("{at}.{key}"), format!("{key} {v}s is out of range {lo}..={hi}{why}"));
        }
    }
}

/// Port rules: every port is declared, has one master, is not a bridge, carries no addresses,
/// and its MTU is not below its master's.
fn check_ports(config: &Config, names: &HashMap<&str, Decl>, rep: &mut Reporter<'_>) {
    let mut master_of: HashMap<&str, &str> = HashMap::default();
    // A VRF's members name it themselves (`vrf:`); validate_virt checks them there.
    for (i, iface) in config.interfaces.iter().enumerate().filter(|(_, m)| !matches!(m.kind, Kind::Vrf(_))) {
        for (j, port) in iface.kind.ports().iter().enumerate() {
            // Formatted only for a problem.
            let at = || format!("interfaces[{i}].{}.ports[{j}]", iface.kind.name());
            if port == &iface.name {
                rep.error(at(), format!("`{port}` cannot be a port of itself"));
                continue;
            }
            let Some(decl) = names.get(port.as_str()) else {
                rep.error(at(), format!("port `{port}` is not declared"));
                continue;
            };
            if let Some(other) = master_of.insert(port, &iface.name) {
                if *other == iface.name {
                    rep.error(at(), format!("port `{port}` is listed twice"));
                    continue;
                }
                rep.error(at(), format!("port `{port}` is claimed by both `{other}` and `{}`", iface.name));
            }
            if decl.peer {
                continue;
            }
            let p = &config.interfaces[decl.index];
            let pat = decl.index;
            if matches!(p.kind, Kind::Bridge(_)) {
                rep.error(at(), format!("port `{port}` is a bridge; a bridge cannot be enslaved"));
            }
            if p.state == LinkState::Absent {
                rep.error(at(), format!("port `{port}` is declared absent"));
            }
            if !p.addresses.is_empty() {
                rep.error(
                    format!("interfaces[{pat}].addresses"),
                    format!(
                        "`{port}` is a port of `{}`: its addresses would be ignored; put them on `{}`",
                        iface.name, iface.name
                    ),
                );
            }
            for (key, on) in [("dhcp4", p.dhcp4.is_some()), ("dhcp6", p.dhcp6.is_some())] {
                if on {
                    rep.error(
                        format!("interfaces[{pat}].{key}"),
                        format!(
                            "`{port}` is a port of `{}`: a port takes no address, so DHCP there would never get one; put `{key}` on `{}`",
                            iface.name, iface.name
                        ),
                    );
                }
            }
            if let (Some(pm), Some(mm)) = (p.mtu, iface.mtu)
                && pm < mm
            {
                rep.error(
                    format!("interfaces[{pat}].mtu"),
                    format!("MTU {pm} of port `{port}` is below MTU {mm} of its master `{}`", iface.name),
                );
            }
        }
    }
}

fn check_vlans(config: &Config, rep: &mut Reporter<'_>) {
    let mut seen: HashMap<(&str, u16), &str> = HashMap::default();
    // A VRF member keeps its traffic: a VLAN on it is fine. A bond or bridge port's is the
    // master's. Every listed port counts, declared or not (`check_ports` keeps only valid ones).
    let masters = config.masters();
    let enslaved = |port: &str| masters.get(port).filter(|m| !matches!(m.kind, Kind::Vrf(_))).map(|m| m.name.as_str());
    let by_name: HashMap<&str, &Interface> = config.interfaces.iter().map(|i| (i.name.as_str(), i)).collect();
    for (i, iface) in config.interfaces.iter().enumerate() {
        // A VXLAN's base is only where its UDP packets leave; that may be any link.
        if let Some(base) = iface.kind.base().filter(|_| !matches!(iface.kind, Kind::Vxlan(_)))
            && let Some(master) = enslaved(base)
        {
            let it = if matches!(iface.kind, Kind::Vlan(_)) { "the VLAN" } else { "it" };
            rep.error(
                format!("interfaces[{i}].{}.base", iface.kind.name()),
                format!("base `{base}` is a port of `{master}`, which takes all its traffic; put {it} on `{master}`"),
            );
        }
        // The kernel refuses an upper device larger than the link under it.
        if let (Some(mtu), Some(base)) =
            (iface.mtu, iface.kind.base().filter(|_| !matches!(iface.kind, Kind::Vxlan(_))))
            && let Some(base_mtu) = by_name.get(base).and_then(|b| b.mtu)
            && mtu > base_mtu
        {
            rep.error(
                format!("interfaces[{i}].mtu"),
                format!("MTU {mtu} is above MTU {base_mtu} of its base `{base}`: the kernel refuses an upper device larger than its base"),
            );
        }
        let Kind::Vlan(v) = &iface.kind else { continue };
        if let Some(other) = seen.insert((v.base.as_str(), v.id), &iface.name) {
            rep.error(
                format!("interfaces[{i}].vlan.id"),
                format!("VLAN {} on `{}` is already declared as `{other}`", v.id, v.base),
            );
        }
    }
}

fn check_addresses(config: &Config, rep: &mut Reporter<'_>) {
    let mut owner: HashMap<std::net::IpAddr, &str> = HashMap::default();
    for (i, iface) in config.interfaces.iter().enumerate() {
        // Most interfaces have an address or two: a scan finds a repeat without allocating.
        let mut mine = (iface.addresses.len() > 16).then(HashSet::default);
        for (j, a) in iface.addresses.iter().enumerate() {
            // Formatted only for a problem.
            let at = || format!("interfaces[{i}].addresses[{j}]");
            let repeated = match &mut mine {
                Some(set) => !set.insert(a.addr()),
                None => iface.addresses[..j].iter().any(|b| b.addr() == a.addr()),
            };
            if repeated {
                rep.error(at(), format!("address {a} is listed twice"));
                continue;
            }
            if let Some(other) = owner.insert(a.addr(), &iface.name) {
                rep.error(at(), format!("address {} is also declared on `{other}`", a.addr()));
            }
            if a.0.trunc().addr() == a.addr() && a.prefix_len() < a.0.max_prefix_len() - 1 && a.addr().is_ipv4() {
                rep.error(at(), format!("{a} is a network address, not a host address"));
            }
            if let Some(why) = not_a_host_address(a.addr()) {
                rep.error(at(), format!("{a} cannot be an interface's address: {why}"));
            }
        }
    }
}

/// Why `ip` cannot be the address of an interface, if it cannot.
fn not_a_host_address(ip: std::net::IpAddr) -> Option<&'static str> {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(a) if a.is_unspecified() => Some("0.0.0.0 means \"any address\""),
        IpAddr::V4(a) if a.is_broadcast() => Some("255.255.255.255 is the limited broadcast address"),
        IpAddr::V4(a) if a.is_multicast() => Some("it is a multicast group; join groups, do not assign them"),
        IpAddr::V6(a) if a.is_unspecified() => Some(":: means \"any address\""),
        IpAddr::V6(a) if a.is_loopback() => Some("::1 is lo's, which hostnet leaves alone"),
        IpAddr::V6(a) if a.is_multicast() => Some("it is a multicast group; join groups, do not assign them"),
        _ => None,
    }
}

fn check_routes(config: &Config, rep: &mut Reporter<'_>) {
    // lo's routes are refused whole (`check_loopback`).
    for (i, iface) in config.interfaces.iter().enumerate().filter(|(_, i)| !matches!(i.kind, Kind::Loopback(_))) {
        for (j, r) in iface.routes.iter().enumerate() {
            let at = |field: &str| format!("interfaces[{i}].routes[{j}].{field}");
            if r.table == Some(0) {
                rep.error(at("table"), "table 0 is not a table: the kernel reads it as \"unspecified\" and uses main (254); leave `table` out or name a table from 1 to 4294967295");
                continue;
            }
            if let Some(k) = iface.routes[..j].iter().position(|o| o.key() == r.key()) {
                rep.error(
                    at("dst"),
                    format!(
                        "the same route as routes[{k}] (destination, table and metric): the kernel keeps one route per key; remove one, or give them different metrics"
                    ),
                );
                continue;
            }
            if r.is_multipath() {
                rep.error(
                    at("nexthops"),
                    "a multipath route leaves by several interfaces: declare it in the top-level `routes:`, each path with its `dev`",
                );
                continue;
            }
            if r.kind.drops() {
                rep.error(
                    at("type"),
                    format!(
                        "a {} route goes out of no interface; declare it in the top-level `routes:`",
                        r.kind.name()
                    ),
                );
            }
            if r.kind == crate::model::RouteType::Local && (r.via.is_some() || r.onlink) {
                let field = if r.via.is_some() { "via" } else { "onlink" };
                rep.error(at(field), "a local route delivers to this host; a gateway means nothing there");
                continue;
            }
            if let (RouteDst::Net(n), Some(gw)) = (&r.dst, &r.via)
                && n.addr().is_ipv6() != gw.is_ipv6()
            {
                rep.error(at("via"), format!("gateway {gw} and destination {n} are of different families"));
                continue;
            }
            if r.scope.is_some() && r.is_ipv6() {
                rep.error(at("scope"), "IPv6 routes have no scope (the kernel keeps them all global)");
            }
            if let Some(c) = &r.congctl
                && (c.is_empty() || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-'))
            {
                rep.error(at("congctl"), format!("`{c}` is not a congestion control name (bbr, cubic, reno...)"));
            }
            for (k, zero) in [("initcwnd", r.initcwnd == Some(0)), ("initrwnd", r.initrwnd == Some(0))] {
                if zero {
                    rep.error(at(k), format!("{k} 0 is the kernel's \"unset\": leave `{k}` out instead"));
                }
            }
            let min_mtu = if r.is_ipv6() { 1280 } else { 68 };
            if let Some(m) = r.mtu.filter(|m| !(min_mtu..=65535).contains(m)) {
                rep.error(at("mtu"), format!("route MTU {m} is outside {min_mtu}-65535"));
            }
            if r.via.is_some() && r.scope.is_some_and(|s| s != crate::model::RouteScope::Global) {
                rep.error(at("scope"), "a route through a gateway must have global scope: the kernel resolves a gateway only through routes of narrower scope than the route itself");
            }
            let Some(gw) = r.via else { continue };
            if r.onlink {
                continue;
            }
            if let Some(why) = unreachable_gateway(iface, gw) {
                rep.error(at("via"), why);
            }
        }
    }
    same_route_on_two_interfaces(config, rep);
}

/// Why `gw` cannot be reached through `iface` without `onlink`, if it cannot: no declared
/// address of `iface` covers it.
fn unreachable_gateway(iface: &crate::model::Interface, gw: std::net::IpAddr) -> Option<String> {
    if iface.addresses.iter().any(|a| a.contains(&gw) && a.addr() != gw) {
        return None;
    }
    let have: Vec<String> = iface.addresses.iter().map(ToString::to_string).collect();
    Some(format!(
        "gateway {gw} is not reachable from any address of `{}` ({}); add an address in its subnet or set `onlink: true`",
        iface.name,
        if have.is_empty() { "it has none".to_string() } else { have.join(", ") }
    ))
}

/// The kernel keeps one route per destination, table and metric: the second interface's
/// would be refused as existing. Two paths to one destination are one multipath route.
fn same_route_on_two_interfaces(config: &Config, rep: &mut Reporter<'_>) {
    let mut first: HashMap<(ipnet::IpNet, u32, u32), (usize, &str)> = HashMap::default();
    for (i, iface) in config.interfaces.iter().enumerate() {
        for (j, r) in iface.routes.iter().enumerate() {
            if r.is_multipath() || r.kind != crate::model::RouteType::Unicast {
                continue;
            }
            match first.get(&r.key()) {
                Some(&(k, other)) if k != i => rep.error(
                    format!("interfaces[{i}].routes[{j}].dst"),
                    format!(
                        "`{other}` declares a route to {} with the same table and metric: the kernel keeps one route per key; to spread traffic over both, declare one route in the top-level `routes:` with `nexthops:` (ECMP), or give them different metrics",
                        r.dst
                    ),
                ),
                Some(_) => {}
                None => {
                    first.insert(r.key(), (i, iface.name.as_str()));
                }
            }
        }
    }
}

/// `lo` takes addresses (service, anycast and router-id addresses) and IP settings; the rest
/// would take it down, rename it, or mean nothing on it.
fn check_loopback(iface: &crate::model::Interface, at: &str, rep: &mut Reporter<'_>) {
    if iface.name != "lo" {
        rep.error(format!("{at}.loopback"), "only `lo` is a loopback device; the kernel makes no other");
    }
    if iface.state != crate::model::LinkState::Up {
        rep.error(format!("{at}.state"), "hostnet never takes lo down or deletes it: everything local talks over it");
    }
    let why = |what: &str| format!("{what} means nothing on lo");
    for (field, set, msg) in [
        ("mac", iface.mac.is_some(), why("a MAC address")),
        (
            "routes",
            !iface.routes.is_empty(),
            "routes through lo deliver to this host: declare them in the top-level `routes:` with `type: local`"
                .to_string(),
        ),
        ("dhcp4", iface.dhcp4.is_some(), why("DHCP")),
        ("dhcp6", iface.dhcp6.is_some(), why("DHCP")),
        (
            "vrf",
            iface.vrf.is_some(),
            "lo is the namespace's own; a VRF has its own loopback in the VRF device".to_string(),
        ),
        ("bridge_port", iface.bridge_port.is_some(), why("a bridge port setting")),
        ("ethtool", iface.ethtool.is_some(), why("a NIC setting")),
    ] {
        if set {
            rep.error(format!("{at}.{field}"), msg);
        }
    }
    for (k, a) in iface.addresses.iter().enumerate() {
        if a.addr().is_loopback() {
            rep.error(
                format!("{at}.addresses[{k}]"),
                format!("{a} is in the loopback range, which the kernel gives lo by itself (127.0.0.1/8, ::1); hostnet leaves those alone"),
            );
        }
    }
}

/// The top-level routes: those that drop what they match, and nothing else.
fn check_typed_routes(config: &Config, rep: &mut Reporter<'_>) {
    for (j, r) in config.routes.iter().flatten().enumerate() {
        let at = format!("routes[{j}]");
        if r.kind.is_unicast() && r.is_multipath() {
            check_multipath(config, r, &at, rep);
        } else if r.kind.is_unicast() {
            rep.error(
                format!("{at}.type"),
                "top-level routes need a type (local, blackhole, unreachable or prohibit) or `nexthops:` (a multipath route); a route with one path goes under the interface it leaves by",
            );
            continue;
        } else if r.is_multipath() {
            rep.error(format!("{at}.nexthops"), format!("a {} route has no paths", r.kind.name()));
            continue;
        }
        if config.routes.iter().flatten().take(j).any(|o| o.key() == r.key() && o.is_ipv6() == r.is_ipv6()) {
            rep.error(
                format!("{at}.dst"),
                format!("{} (table {}, metric {}) is declared twice", r.dst, r.table_id(), r.metric.unwrap_or(0)),
            );
        }
        if r.is_multipath() {
            continue;
        }
        let kind = r.kind.name();
        let local = r.kind == crate::model::RouteType::Local;
        for (field, set) in [
            ("via", r.via.is_some()),
            // A local route through lo may name the source address replies leave with.
            ("src", r.src.is_some() && !local),
            ("onlink", r.onlink),
            ("scope", r.scope.is_some()),
            ("mtu", r.mtu.is_some()),
        ]
        .into_iter()
        .chain(r.tcp_settings().into_iter().map(|(k, _)| (k, true)))
        {
            if set {
                let what = if local { "delivers to this host" } else { "forwards nothing" };
                rep.error(format!("{at}.{field}"), format!("a {kind} route {what}, so `{field}` means nothing"));
            }
        }
    }
}

/// A multipath route: at least two paths, each through a declared interface that is up, to a
/// gateway of the route's family that the interface reaches, each path once.
fn check_multipath(config: &Config, r: &crate::model::Route, at: &str, rep: &mut Reporter<'_>) {
    for (field, set) in [("via", r.via.is_some()), ("onlink", r.onlink), ("scope", r.scope.is_some())] {
        if set {
            rep.error(format!("{at}.{field}"), format!("a multipath route sets `{field}` per path, under `nexthops:`"));
        }
    }
    if r.table == Some(0) {
        rep.error(
            format!("{at}.table"),
            "table 0 is not a table: leave `table` out or name a table from 1 to 4294967295",
        );
    }
    if r.nexthops.len() < 2 {
        let dev = &r.nexthops[0].dev;
        rep.error(
            format!("{at}.nexthops"),
            format!(
                "a multipath route needs two paths or more; a route with one path goes under the `routes:` of `{dev}`"
            ),
        );
    }
    let v6 = r.dst_net().addr().is_ipv6();
    for (k, h) in r.nexthops.iter().enumerate() {
        let hat = |field: &str| format!("{at}.nexthops[{k}].{field}");
        if r.nexthops[..k].iter().any(|o| o.via == h.via && o.dev == h.dev) {
            rep.error(hat("via"), format!("the path via {} dev {} is listed twice", h.via, h.dev));
        }
        if h.via.is_ipv6() != v6 {
            rep.error(
                hat("via"),
                format!("gateway {} and destination {} are of different families", h.via, r.dst_net()),
            );
            continue;
        }
        if !(1..=256).contains(&h.weight()) {
            rep.error(hat("weight"), format!("weight {} is outside 1..=256", h.weight()));
        }
        let Some(iface) = config.interfaces.iter().find(|i| i.name == h.dev) else {
            rep.error(hat("dev"), format!("interface `{}` is not declared", h.dev));
            continue;
        };
        if iface.state != crate::model::LinkState::Up {
            rep.error(
                hat("dev"),
                format!(
                    "`{}` is declared `state: {}`: the kernel takes no path through a link that is down",
                    h.dev,
                    if iface.state == crate::model::LinkState::Down { "down" } else { "absent" }
                ),
            );
            continue;
        }
        // A link-local gateway is always on the link; a leased address may cover the others.
        let ll = matches!(h.via, std::net::IpAddr::V6(a) if a.is_unicast_link_local());
        let leased = if v6 { iface.dhcp6.is_some() } else { iface.dhcp4.is_some() };
        if !h.onlink
            && !ll
            && !leased
            && let Some(why) = unreachable_gateway(iface, h.via)
        {
            rep.error(hat("via"), why);
        }
    }
    for (i, iface) in config.interfaces.iter().enumerate() {
        if let Some(j) = iface.routes.iter().position(|o| o.key() == r.key()) {
            rep.error(
                format!("{at}.dst"),
                format!(
                    "interfaces[{i}].routes[{j}] (`{}`) is a route to {} with the same table and metric: the kernel keeps one route per key; add its path to `nexthops:` and remove it there",
                    iface.name, r.dst
                ),
            );
        }
    }
}

/// Namespace-wide sysctls: network keys that are no one link's, with a value.
fn check_net_sysctls(config: &Config, rep: &mut Reporter<'_>) {
    use crate::model::net_sysctl::{fans_out, refuse_key};
    for (key, value) in &config.sysctls {
        let at = format!("sysctls.{key}");
        if let Some(why) = refuse_key(key) {
            rep.error(at, why);
        } else if value.0.trim().is_empty() {
            rep.error(at, "an empty value: give the value, or leave the key out to keep the host's");
        } else if fans_out(key).is_some() && !matches!(value.number(), Some(0 | 1)) {
            rep.error(at, format!("{key} is 0 or 1, not {value}"));
        }
    }
}

/// The online contract names declared interfaces, and asks a lease only of a DHCP client.
fn check_online(config: &Config, names: &HashMap<&str, Decl>, rep: &mut Reporter<'_>) {
    let Some(online) = &config.online else { return };
    for (name, state) in &online.interfaces {
        let at = format!("online.interfaces.{name}");
        if !names.contains_key(name.as_str()) {
            rep.error(&at, format!("interface `{name}` is not declared"));
        } else if *state == crate::online::OnlineState::Lease
            && config.interfaces.iter().any(|i| i.name == *name && i.dhcp4.is_none() && i.dhcp6.is_none())
        {
            rep.error(
                &at,
                format!("`{name}` has no dhcp4 or dhcp6, so it never holds a lease; wait for `routable` instead"),
            );
        }
    }
    for (i, name) in online.optional.iter().enumerate() {
        if !names.contains_key(name.as_str()) {
            rep.error(format!("online.optional[{i}]"), format!("interface `{name}` is not declared"));
        }
    }
    if online.timeout == 0 {
        rep.error("online.timeout", "0 would never wait; remove `online:` to be ready as soon as the file is applied");
    }
}

fn check_rules(config: &Config, rep: &mut Reporter<'_>) {
    use crate::model::rule::RuleAction;
    let Some(rules) = &config.routing_rules else { return };
    for (i, r) in rules.iter().enumerate() {
        let at = format!("routing_rules[{i}]");
        let elsewhere = r.l3mdev || r.goto.is_some();
        for (k, set) in [("l3mdev", r.l3mdev), ("goto", r.goto.is_some())] {
            if set && (r.table.is_some() || r.action != RuleAction::Lookup) {
                rep.error(
                    format!("{at}.{k}"),
                    format!("`{k}` is the rule's action: it takes no `table` and no other `action`"),
                );
            }
        }
        if r.l3mdev && r.goto.is_some() {
            rep.error(format!("{at}.goto"), "`goto` and `l3mdev` are two actions: a rule has one");
        }
        if let Some(g) = r.goto {
            match r.priority {
                None => rep.error(
                    format!("{at}.goto"),
                    "`goto` needs the rule's own `priority`: the target must come after it",
                ),
                Some(p) if g <= p => rep.error(
                    format!("{at}.goto"),
                    format!("goto {g} does not come after the rule's priority {p}: the kernel only jumps forward"),
                ),
                _ => {}
            }
        }
        match (r.action, r.table) {
            (RuleAction::Lookup, None) if elsewhere => {}
            (RuleAction::Lookup, None) => {
                rep.error(&at, "a rule that looks up a table needs `table` (or `l3mdev`, or `goto`)")
            }
            (RuleAction::Lookup, Some(0)) => rep.error(format!("{at}.table"), "table 0 is not a routing table"),
            (a, Some(_)) if a != RuleAction::Lookup => {
                rep.error(format!("{at}.table"), format!("a `{}` rule looks up no table", a.name()))
            }
            _ => {}
        }
        let fams: Vec<(&str, bool)> = [("from", r.from), ("to", r.to)]
            .into_iter()
            .filter_map(|(k, p)| p.map(|p| (k, matches!(p.0, ipnet::IpNet::V6(_)))))
            .collect();
        if let Some(f) = r.family {
            let v6 = f == crate::model::rule::Family::Ipv6;
            for (k, is6) in &fams {
                if *is6 != v6 {
                    rep.error(format!("{at}.{k}"), format!("`{k}` is not of the rule's family ({f:?})").to_lowercase());
                }
            }
        } else if fams.len() == 2 && fams[0].1 != fams[1].1 {
            rep.error(format!("{at}.to"), "`from` and `to` are of different address families");
        }
        for (k, set) in [("sport", r.sport.is_some()), ("dport", r.dport.is_some())] {
            if set && !r.ipproto.is_some_and(|p| p.has_ports()) {
                rep.error(
                    format!("{at}.{k}"),
                    format!("`{k}` needs `ipproto` set to a protocol with ports (tcp, udp, sctp)"),
                );
            }
        }
        for (k, range) in [("sport", r.sport), ("dport", r.dport)] {
            if let Some(p) = range
                && p.end > u32::from(u16::MAX)
            {
                rep.error(format!("{at}.{k}"), format!("port {} is above 65535", p.end));
            }
        }
        for (k, name) in [("iif", &r.iif), ("oif", &r.oif)] {
            if let Some(n) = name
                && let Err(e) = check_ifname(n)
            {
                rep.error(format!("{at}.{k}"), e);
            }
        }
        if let Some(j) = rules[..i].iter().position(|o| o.matches(r) || r.matches(o)) {
            rep.error(&at, format!("the same rule as routing_rules[{j}]"));
        }
    }
}

/// Things that are legal but probably not meant, as (field, message): shown by `check` and
/// `apply`, never blocking.
pub fn warnings(config: &Config) -> Vec<(String, String)> {
    use crate::model::rule::RuleAction;
    let mut out = Vec::new();
    if let Some(m) = &config.metrics
        && !m.listen.ip().is_loopback()
    {
        out.push((
            "metrics.listen".to_string(),
            format!(
                "{} is reachable from other hosts: the metrics name every interface, address and trial, with no \
                 authentication; listen on 127.0.0.1 (or ::1) and scrape through a proxy or a tunnel",
                m.listen
            ),
        ));
    }
    for a in crate::design::advice(config) {
        out.push((a.field, format!("{}; {}", a.measured, a.fix)));
    }
    let Some(rules) = &config.routing_rules else { return out };
    let declared: HashSet<&str> = config.interfaces.iter().map(|i| i.name.as_str()).collect();
    let tables: HashSet<u32> =
        config.interfaces.iter().flat_map(|i| i.routes.iter().map(crate::model::Route::table_id)).collect();
    for (i, r) in rules.iter().enumerate() {
        // 253-255 are the kernel's default, main and local tables, never empty.
        if let (RuleAction::Lookup, Some(t)) = (r.action, r.table)
            && !(253..=255).contains(&t)
            && !tables.contains(&t)
        {
            out.push((
                format!("routing_rules[{i}].table"),
                format!("no declared route is in table {t}: packets this rule selects find no route there"),
            ));
        }
        for (k, name) in [("iif", &r.iif), ("oif", &r.oif)] {
            if let Some(n) = name
                && n != "lo"
                && !declared.contains(n.as_str())
            {
                out.push((format!("routing_rules[{i}].{k}"), format!("interface `{n}` is not declared")));
            }
        }
    }
    out
}

fn check_dns(config: &Config, rep: &mut Reporter<'_>) {
    let Some(dns) = &config.dns else { return };
    if dns.nameservers.len() > MAX_NAMESERVERS {
        rep.error(
            format!("dns.nameservers[{MAX_NAMESERVERS}]"),
            format!("at most {MAX_NAMESERVERS} nameservers are used by the resolver; the rest would be ignored"),
        );
    }
    for (j, d) in dns.search.iter().enumerate() {
        let ok = !d.is_empty()
            && d.len() <= 253
            && d.split('.')
                .all(|l| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        if !ok {
            rep.error(format!("dns.search[{j}]"), format!("`{d}` is not a valid domain name"));
        }
    }
}
