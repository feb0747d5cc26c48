//! The rules of the software kinds (macvlan, ipvlan, vxlan, vrf) and of VRF membership, with
//! their locations, beside validate.rs's rules for the rest.

use rustc_hash::FxHashMap as HashMap;

use crate::diag::Reporter;
use crate::model::{Config, Interface, Kind, MacvlanMode};

const MAX_VNI: u32 = (1 << 24) - 1;

pub(crate) fn check_kind(iface: &Interface, at: &str, rep: &mut Reporter<'_>) {
    match &iface.kind {
        Kind::Vxlan(v) => {
            let at = format!("{at}.vxlan");
            if v.vni > MAX_VNI {
                rep.error(format!("{at}.vni"), format!("VNI {} is out of range 0..={MAX_VNI}", v.vni));
            }
            if v.remote.is_some() && v.group.is_some() {
                rep.error(format!("{at}.group"), "a VXLAN has one remote endpoint or a multicast group, not both");
            }
            if let Some(g) = v.group {
                if !g.is_multicast() {
                    rep.error(format!("{at}.group"), format!("{g} is not a multicast address"));
                } else if v.base.is_none() {
                    rep.error(format!("{at}.base"), "a multicast group needs `base`, the link to join it on");
                }
            }
            if let Some(r) = v.remote
                && r.is_multicast()
            {
                rep.error(format!("{at}.remote"), format!("{r} is multicast; put a group in `group`"));
            }
            let families: Vec<bool> = [v.local, v.remote, v.group].into_iter().flatten().map(|a| a.is_ipv6()).collect();
            if families.windows(2).any(|w| w[0] != w[1]) {
                rep.error(format!("{at}.local"), "local, remote and group must be of one address family");
            }
            if v.port == Some(0) {
                rep.error(format!("{at}.port"), "port 0 is no UDP port");
            }
        }
        Kind::Macvlan(m) if m.base == iface.name => {
            rep.error(format!("{at}.macvlan.base"), "a macvlan cannot be its own base");
        }
        Kind::Ipvlan(m) if m.base == iface.name => {
            rep.error(format!("{at}.ipvlan.base"), "an ipvlan cannot be its own base");
        }
        _ => {}
    }
}

/// ethtool settings: feature names that can be names, queue counts, ring sizes and speeds
/// above 0.
pub(crate) fn check_ethtool(config: &Config, rep: &mut Reporter<'_>) {
    for (i, iface) in config.interfaces.iter().enumerate() {
        let Some(e) = &iface.ethtool else { continue };
        let at = format!("interfaces[{i}].ethtool");
        for k in e.features.keys() {
            if k.is_empty()
                || !k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
            {
                rep.error(format!("{at}.features.{k}"), format!("`{k}` is not a feature name (ethtool -k lists them)"));
            }
        }
        if let Some(c) = e.channels {
            for (k, v) in [("rx", c.rx), ("tx", c.tx), ("other", c.other), ("combined", c.combined)] {
                if v == Some(0) && k != "other" {
                    rep.error(format!("{at}.channels.{k}"), "0 queues: the device would pass no traffic that way");
                }
            }
        }
        if let Some(r) = e.rings {
            for (k, v) in [("rx", r.rx), ("rx_mini", r.rx_mini), ("rx_jumbo", r.rx_jumbo), ("tx", r.tx)] {
                if v == Some(0) && matches!(k, "rx" | "tx") {
                    rep.error(format!("{at}.rings.{k}"), "a ring of 0 descriptors passes no traffic");
                }
            }
        }
        if let Some(l) = e.link {
            if l.speed.is_some_and(|s| s == 0 || s > 10_000_000) {
                rep.error(format!("{at}.link.speed"), "a speed is in Mb/s, from 1 to 10000000 (1000 is 1 Gb/s)");
            }
            if l.duplex == Some(crate::model::Duplex::Unknown) {
                rep.error(format!("{at}.link.duplex"), "`unknown` is what a device reports; say full or half");
            }
            if l.autoneg == Some(false) && l.speed.is_none() {
                rep.error(
                    format!("{at}.link.autoneg"),
                    "autoneg off needs a speed (and a duplex) to force; without one the kernel keeps the old one",
                );
            }
        }
    }
}

/// Bridge port settings: only on a bridge's port, within the kernel's ranges.
pub(crate) fn check_bridge_ports(config: &Config, rep: &mut Reporter<'_>) {
    // Looked up per port with settings: a scan of every interface each was quadratic.
    let masters =
        if config.interfaces.iter().any(|i| i.bridge_port.is_some()) { config.masters() } else { Default::default() };
    for (i, iface) in config.interfaces.iter().enumerate() {
        let Some(bp) = &iface.bridge_port else { continue };
        let at = format!("interfaces[{i}].bridge_port");
        let bridged = masters.get(iface.name.as_str()).is_some_and(|m| matches!(m.kind, Kind::Bridge(_)));
        if !bridged {
            rep.error(&at, format!("`{}` is not a port of any declared bridge", iface.name));
        }
        if let Some(c) = bp.cost.filter(|c| !(1..=65535).contains(c)) {
            rep.error(format!("{at}.cost"), format!("path cost {c} is outside 1-65535"));
        }
        if let Some(p) = bp.priority.filter(|p| *p > 63) {
            rep.error(format!("{at}.priority"), format!("port priority {p} is above 63"));
        }
        if let Some(r) = bp.mcast_router.filter(|r| *r > 3) {
            rep.error(
                format!("{at}.mcast_router"),
                format!("mcast_router {r} is not 0 (never), 1 (learned from queries), 2 (always) or 3 (learned)"),
            );
        }
        if let Some(list) = &bp.vlans {
            let bridge = config
                .interfaces
                .iter()
                .find(|m| matches!(m.kind, Kind::Bridge(_)) && m.kind.ports().contains(&iface.name));
            check_vlans(list, &format!("{at}.vlans"), bridge, rep);
        }
    }
    for (i, iface) in config.interfaces.iter().enumerate() {
        if let Kind::Bridge(b) = &iface.kind
            && let Some(list) = &b.vlans
        {
            check_vlans(list, &format!("interfaces[{i}].bridge.vlans"), Some(iface), rep);
        }
    }
}

/// A VLAN list: ids 1-4094, ranges in order, one PVID (a single id), and a bridge that
/// filters VLANs (without `vlan_filtering: true` the kernel keeps the list and ignores it).
fn check_vlans(
    list: &[crate::model::BridgeVlan],
    at: &str,
    bridge: Option<&crate::model::Interface>,
    rep: &mut Reporter<'_>,
) {
    if let Some(br) = bridge
        && let Kind::Bridge(b) = &br.kind
        && b.vlan_filtering != Some(true)
    {
        rep.error(at, format!("VLANs need `vlan_filtering: true` on bridge `{}`", br.name));
    }
    for (j, v) in list.iter().enumerate() {
        let (a, z) = v.vid;
        if !(1..=4094).contains(&a) || !(1..=4094).contains(&z) || a > z {
            rep.error(format!("{at}[{j}]"), format!("VLAN {a}-{z} is not a range within 1-4094"));
        }
        if v.pvid && a != z {
            rep.error(format!("{at}[{j}].pvid"), "the PVID is one VLAN, not a range");
        }
    }
    if list.iter().filter(|v| v.pvid).count() > 1 {
        rep.error(at, "more than one PVID: untagged frames belong to one VLAN");
    }
}

/// VRF tables and membership, and the macvlan rule that needs the whole config (one
/// passthru macvlan per base: it takes the base's MAC).
pub(crate) fn check_vrfs(config: &Config, rep: &mut Reporter<'_>) {
    let mut tables: HashMap<u32, &str> = HashMap::default();
    let mut vrfs: HashMap<&str, u32> = HashMap::default();
    for (i, iface) in config.interfaces.iter().enumerate() {
        let Kind::Vrf(v) = &iface.kind else { continue };
        vrfs.insert(&iface.name, v.table);
        // 0 is no table; 253-255 are the kernel's default, main and local.
        if v.table == 0 || (253..=255).contains(&v.table) {
            rep.error(
                format!("interfaces[{i}].vrf.table"),
                format!("table {} is the kernel's (0, 253 default, 254 main, 255 local); pick another", v.table),
            );
        } else if let Some(other) = tables.insert(v.table, &iface.name) {
            rep.error(
                format!("interfaces[{i}].vrf.table"),
                format!("table {} is also the table of VRF `{other}`", v.table),
            );
        }
    }
    // Built only when some interface names a VRF: most configs have none.
    let masters = if config.interfaces.iter().any(|i| i.vrf.is_some()) { config.masters() } else { Default::default() };
    let bond_or_bridge_port = |port: &str| {
        masters.get(port).filter(|m| matches!(m.kind, Kind::Bond(_) | Kind::Bridge(_))).map(|m| m.name.as_str())
    };
    for (i, iface) in config.interfaces.iter().enumerate() {
        let Some(vrf) = &iface.vrf else { continue };
        let at = format!("interfaces[{i}].vrf");
        if !vrfs.contains_key(vrf.as_str()) {
            rep.error(&at, format!("`{vrf}` is not a declared VRF"));
        }
        if matches!(iface.kind, Kind::Vrf(_)) {
            rep.error(&at, "a VRF cannot be enslaved to another VRF");
        }
        if let Some(master) = bond_or_bridge_port(iface.name.as_str()) {
            rep.error(&at, format!("`{}` is a port of `{master}`; put `{master}` in the VRF instead", iface.name));
        }
    }
    let mut passthru: HashMap<&str, &str> = HashMap::default();
    for (i, iface) in config.interfaces.iter().enumerate() {
        if let Kind::Macvlan(m) = &iface.kind
            && m.mode() == MacvlanMode::Passthru
            && let Some(other) = passthru.insert(&m.base, &iface.name)
        {
            rep.error(
                format!("interfaces[{i}].macvlan.mode"),
                format!("`{other}` is already the passthru macvlan of `{}`; a base takes one", m.base),
            );
        }
    }
}
