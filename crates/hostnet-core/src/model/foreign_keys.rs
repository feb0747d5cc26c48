//! The key names other tools use (ifupdown's interfaces(5), netplan, nmstate) and what hostnet
//! calls them: a user migrating by hand writes `bond-mode` or netplan's `parameters:`, and the
//! error for the unknown key should say where the setting goes instead of listing every field.
//! One table, beside the bond options table, so a new spelling is one line.

/// Where in a config an unknown key was found: the mapping that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Top,
    Interface,
    Bond,
    Bridge,
    Vlan,
    Ipv6,
    Route,
    /// Anywhere else: the table has nothing for it.
    Other,
}

impl Context {
    /// The context of a field path's parent (`interfaces[2].bond` → [`Context::Bond`]).
    pub fn of_parent(path: &str) -> Context {
        let parent = match path.rfind('.') {
            Some(i) => &path[..i],
            None => return Context::Top,
        };
        let last = parent.rsplit('.').next().unwrap_or(parent);
        let last = last.split('[').next().unwrap_or(last);
        match last {
            "interfaces" if parent.ends_with(']') => Context::Interface,
            "bond" => Context::Bond,
            "bridge" => Context::Bridge,
            "vlan" => Context::Vlan,
            "ipv6" => Context::Ipv6,
            "routes" if parent.ends_with(']') => Context::Route,
            _ => Context::Other,
        }
    }
}

/// One foreign spelling: where it is met, the tool that uses it, and hostnet's way to write it.
struct Foreign {
    at: Context,
    key: &'static str,
    tool: &'static str,
    hostnet: &'static str,
}

const fn f(at: Context, key: &'static str, tool: &'static str, hostnet: &'static str) -> Foreign {
    Foreign { at, key, tool, hostnet }
}

use Context::{Bond, Bridge, Interface, Ipv6, Route, Top, Vlan};

const IFUPDOWN: &str = "ifupdown";
const NETPLAN: &str = "netplan";
const NMSTATE: &str = "nmstate";

#[rustfmt::skip]
const TABLE: &[Foreign] = &[
    f(Interface, "bond-slaves", IFUPDOWN, "`bond: {ports: [...]}`"),
    f(Interface, "bond-master", IFUPDOWN, "the port's name in its bond's `ports: [...]`"),
    f(Interface, "bridge-ports", IFUPDOWN, "`bridge: {ports: [...]}`"),
    f(Interface, "vlan-raw-device", IFUPDOWN, "`vlan: {base: LINK, id: N}`"),
    f(Interface, "vlan-id", IFUPDOWN, "`vlan: {base: LINK, id: N}`"),
    f(Interface, "address", IFUPDOWN, "`addresses: [192.0.2.10/24]` (a list, with the prefix length)"),
    f(Interface, "netmask", IFUPDOWN, "the prefix length in `addresses: [192.0.2.10/24]`"),
    f(Interface, "gateway", IFUPDOWN, "`routes: [{dst: default, via: 192.0.2.1}]`"),
    f(Interface, "gateway4", NETPLAN, "`routes: [{dst: default, via: 192.0.2.1}]`"),
    f(Interface, "gateway6", NETPLAN, "`routes: [{dst: default, via: 2001:db8::1}]`"),
    f(Interface, "dns-nameservers", IFUPDOWN, "`dns: {nameservers: [...]}` at the top of the file"),
    f(Interface, "dns-search", IFUPDOWN, "`dns: {search: [...]}` at the top of the file"),
    f(Interface, "nameservers", NETPLAN, "`dns: {nameservers: [...], search: [...]}` at the top of the file"),
    f(Interface, "hwaddress", IFUPDOWN, "`mac: 52:54:00:12:34:56`"),
    f(Interface, "macaddress", NETPLAN, "`mac: 52:54:00:12:34:56`"),
    f(Interface, "mac-address", NMSTATE, "`mac: 52:54:00:12:34:56`"),
    f(Interface, "interfaces", NETPLAN, "`ports: [...]` under the interface's `bond:` or `bridge:`"),
    f(Interface, "parameters", NETPLAN, "the settings themselves, directly under `bond:` or `bridge:`"),
    f(Interface, "link", NETPLAN, "`vlan: {base: LINK, id: N}`"),
    f(Interface, "id", NETPLAN, "`vlan: {base: LINK, id: N}`"),
    f(Interface, "base-iface", NMSTATE, "`vlan: {base: LINK, id: N}`"),
    f(Interface, "type", NMSTATE, "the key that holds the kind's settings: `ethernet: {}`, `bond: {...}`, `vlan: {...}`"),
    f(Interface, "link-aggregation", NMSTATE, "`bond: {mode: ..., ports: [...]}`"),
    f(Interface, "match", NETPLAN, "`ethernet: {match: {mac: ...}}`"),
    f(Interface, "set-name", NETPLAN, "the interface's `name`, with `ethernet: {match: {mac: ...}}` to find the NIC"),
    f(Interface, "link-local", NETPLAN, "`ipv6: {link_local: false}`"),
    f(Interface, "accept-ra", NETPLAN, "`ipv6: {accept_ra: false}`"),
    f(Interface, "optional", NETPLAN, "the top-level `online:` contract, which names what boot waits for"),
    f(Bond, "slaves", IFUPDOWN, "`ports: [...]`"),
    f(Bond, "interfaces", NETPLAN, "`ports: [...]`"),
    f(Bond, "port", NMSTATE, "`ports: [...]`"),
    f(Bond, "parameters", NETPLAN, "the settings themselves, directly under `bond:`"),
    f(Bond, "options", NMSTATE, "the settings themselves, directly under `bond:`"),
    f(Bond, "mii-monitor-interval", NETPLAN, "`miimon`"),
    f(Bond, "transmit-hash-policy", NETPLAN, "`xmit_hash_policy`"),
    f(Bond, "up-delay", NETPLAN, "`updelay`"),
    f(Bond, "down-delay", NETPLAN, "`downdelay`"),
    f(Bond, "primary-reselect-policy", NETPLAN, "`primary_reselect`"),
    f(Bond, "fail-over-mac-policy", NETPLAN, "`fail_over_mac`"),
    f(Bond, "arp-ip-targets", NETPLAN, "`arp_ip_target`"),
    f(Bond, "gratuitous-arp", NETPLAN, "`num_peer_notif`"),
    f(Bond, "gratuitious-arp", NETPLAN, "`num_peer_notif`"),
    f(Bond, "learn-packet-interval", NETPLAN, "`lp_interval`"),
    f(Bond, "all-slaves-active", NETPLAN, "`all_slaves_active`"),
    f(Bond, "packets-per-slave", NETPLAN, "`packets_per_slave`"),
    f(Bridge, "interfaces", NETPLAN, "`ports: [...]`"),
    f(Bridge, "port", NMSTATE, "`ports: [...]`"),
    f(Bridge, "parameters", NETPLAN, "the settings themselves, directly under `bridge:`"),
    f(Bridge, "options", NMSTATE, "the settings themselves, directly under `bridge:`"),
    f(Bridge, "bridge-fd", IFUPDOWN, "`forward_delay` (seconds)"),
    f(Bridge, "bridge-maxage", IFUPDOWN, "`max_age` (seconds)"),
    f(Bridge, "bridge-hello", IFUPDOWN, "`hello_time` (seconds)"),
    f(Bridge, "bridge-ageing", IFUPDOWN, "`ageing_time` (seconds)"),
    f(Bridge, "bridge-bridgeprio", IFUPDOWN, "`priority`"),
    f(Bridge, "bridge-vlan-aware", IFUPDOWN, "`vlan_filtering`"),
    f(Vlan, "link", NETPLAN, "`base`"),
    f(Vlan, "base-iface", NMSTATE, "`base`"),
    f(Vlan, "vlan-raw-device", IFUPDOWN, "`base`"),
    f(Ipv6, "link-local", NETPLAN, "`link_local: false` (IPv6 only; netplan's list of families)"),
    f(Route, "to", NETPLAN, "`dst` (`default`, or a prefix)"),
    f(Route, "destination", NMSTATE, "`dst` (`default`, or a prefix)"),
    f(Route, "gateway", IFUPDOWN, "`via`"),
    f(Route, "next-hop-address", NMSTATE, "`via`"),
    f(Route, "next-hop-interface", NMSTATE, "the route's place under that interface's `routes:`"),
    f(Route, "table-id", NMSTATE, "`table`"),
    f(Top, "network", NETPLAN, "`interfaces:` (a list) at the top of the file (`hostnet import netplan FILE` converts a whole file)"),
    f(Top, "ethernets", NETPLAN, "`interfaces:` items with `ethernet: {}` (`hostnet import netplan FILE` converts a whole file)"),
    f(Top, "bonds", NETPLAN, "`interfaces:` items with `bond: {...}` (`hostnet import netplan FILE` converts a whole file)"),
    f(Top, "bridges", NETPLAN, "`interfaces:` items with `bridge: {...}` (`hostnet import netplan FILE` converts a whole file)"),
    f(Top, "vlans", NETPLAN, "`interfaces:` items with `vlan: {...}` (`hostnet import netplan FILE` converts a whole file)"),
];

/// Kinds other tools make that hostnet does not, and what to do instead (docs/kinds.md says why).
const NOT_MADE: &[(&str, &str)] = &[
    ("team", "bonding covers the team modes in the kernel: `bond: {mode: ...}`"),
    (
        "ovs-bridge",
        "Open vSwitch is configured through its own database; a Linux `bridge:` with VLAN filtering covers a host's switching",
    ),
    ("ovs-interface", "Open vSwitch is configured through its own database"),
    ("openvswitch", "Open vSwitch is configured through its own database"),
    ("infiniband", "IPoIB is not tested here, for want of a fabric"),
    ("macsec", "MACsec is planned, not made yet"),
    ("802-1x", "run wpa_supplicant for the port from its own unit, ordered before hostnetd"),
    ("ieee-802-1x", "run wpa_supplicant for the port from its own unit, ordered before hostnetd"),
];

/// What to tell someone who wrote `key` in `at`, if another tool spells a setting that way:
/// "that is ifupdown's `bond-mode`; hostnet writes `bond: {mode: ...}`".
pub fn hint(at: Context, key: &str) -> Option<String> {
    if at == Interface
        && let Some((_, instead)) = NOT_MADE.iter().find(|(k, _)| *k == key)
    {
        return Some(format!("hostnet does not make `{key}` links ({instead}; docs/kinds.md says why)"));
    }
    if let Some(f) = TABLE.iter().find(|f| f.at == at && f.key == key) {
        return Some(format!("`{key}` is {}'s name; hostnet writes {}", f.tool, f.hostnet));
    }
    // A kind's setting written at the interface, as netplan and ifupdown users do.
    if at == Interface
        && let Some(f) = TABLE.iter().find(|f| f.key == key && matches!(f.at, Bond | Bridge | Vlan | Ipv6))
    {
        let kind = match f.at {
            Bond => "bond",
            Bridge => "bridge",
            Vlan => "vlan",
            _ => "ipv6",
        };
        return Some(format!("`{key}` is {}'s name; hostnet writes {} under `{kind}:`", f.tool, f.hostnet));
    }
    // ifupdown's `bond-*` and `bridge-*` options, at the interface or inside the kind itself.
    for (prefix, kind, inside) in
        [("bond-", "bond", Bond), ("bond_", "bond", Bond), ("bridge-", "bridge", Bridge), ("bridge_", "bridge", Bridge)]
    {
        let Some(rest) = key.strip_prefix(prefix) else { continue };
        if let Some(f) = TABLE.iter().find(|f| f.at == inside && f.key == key) {
            return Some(format!("`{key}` is {}'s name; hostnet writes {} under `{kind}:`", f.tool, f.hostnet));
        }
        let option = rest.replace('-', "_");
        return Some(match at {
            Interface => format!("`{key}` is ifupdown's name; hostnet writes `{kind}: {{{option}: ...}}`"),
            _ => format!("`{key}` is ifupdown's name; hostnet writes `{option}`"),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_names_its_context() {
        assert_eq!(Context::of_parent("interfaces[0].bond-mode"), Interface);
        assert_eq!(Context::of_parent("interfaces[3].bond.parameters"), Bond);
        assert_eq!(Context::of_parent("interfaces[0].routes[1].to"), Route);
        assert_eq!(Context::of_parent("network"), Top);
        assert_eq!(Context::of_parent("interfaces[0].ethernet.match.x"), Context::Other);
    }

    #[test]
    fn other_tools_names_get_a_way_to_write_them() {
        assert_eq!(
            hint(Interface, "bond-mode").unwrap(),
            "`bond-mode` is ifupdown's name; hostnet writes `bond: {mode: ...}`"
        );
        assert_eq!(
            hint(Bond, "mii-monitor-interval").unwrap(),
            "`mii-monitor-interval` is netplan's name; hostnet writes `miimon`"
        );
        assert_eq!(
            hint(Interface, "bridge-fd").unwrap(),
            "`bridge-fd` is ifupdown's name; hostnet writes `forward_delay` (seconds) under `bridge:`"
        );
        assert_eq!(
            hint(Interface, "mii-monitor-interval").unwrap(),
            "`mii-monitor-interval` is netplan's name; hostnet writes `miimon` under `bond:`"
        );
        assert!(hint(Bond, "miimom").is_none(), "typos are for the edit distance");
    }
}
