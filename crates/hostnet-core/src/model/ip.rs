//! Per-interface IP settings that live in the kernel's `net.ipv4.conf.<if>` and
//! `net.ipv6.conf.<if>` sysctls, and the values hostnet writes for them.
//!
//! ```yaml
//! ipv4: { forwarding: true, rp_filter: loose, arp_ignore: 1, arp_announce: 2 }
//! ipv6: { link_local: false, accept_ra: false, addr_gen_mode: stable-privacy }
//! ```

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ipv4Settings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarding: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rp_filter: Option<RpFilter>,
    /// 0-3 or 8, as in the kernel's ip-sysctl documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arp_ignore: Option<u8>,
    /// 0-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arp_announce: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_arp: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ipv6Settings {
    /// Whether the kernel gives the link an fe80:: address. Unset: yes, except on bridge ports
    /// (as networkd's `LinkLocalAddressing=no` for enslaved links; bond ports never get one,
    /// the kernel skips IPv6 autoconfiguration on IFF_SLAVE links).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_local: Option<bool>,
    /// Process router advertisements: default route, on-link prefixes, and (unless `slaac:
    /// false`) addresses autoconfigured from them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_ra: Option<bool>,
    /// Autoconfigure addresses from advertised prefixes (`autoconf`). `false` with `accept_ra:
    /// true`: routes from RAs, the address from DHCPv6 or the config. Unset: the kernel's (on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slaac: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addr_gen_mode: Option<AddrGenMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_ipv6: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarding: Option<bool>,
    /// Temporary addresses beside each autoconfigured one (RFC 8981, `use_tempaddr`), and
    /// which of the two a connection leaves with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy: Option<Privacy>,
    /// Duplicate address detection: 0 off, 1 on, 2 on and IPv6 turned off when the link's
    /// MAC-based link-local address is found taken (`accept_dad`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_dad: Option<u8>,
    /// Neighbour solicitations sent to detect a duplicate (`dad_transmits`; the kernel's 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dad_transmits: Option<u8>,
}

/// RFC 8981 temporary addresses: none, made but not preferred, or made and preferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Privacy {
    Off,
    PreferPublic,
    PreferTemporary,
}

impl Privacy {
    pub fn kernel(self) -> i32 {
        match self {
            Privacy::Off => 0,
            Privacy::PreferPublic => 1,
            Privacy::PreferTemporary => 2,
        }
    }

    /// The kernel's -1 (a link without a MAC to derive from, as lo) is no setting of ours.
    pub fn from_kernel(v: i32) -> Option<Privacy> {
        match v {
            0 => Some(Privacy::Off),
            1 => Some(Privacy::PreferPublic),
            2 => Some(Privacy::PreferTemporary),
            _ => None,
        }
    }
}

impl Ipv4Settings {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl Ipv6Settings {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Reverse-path filtering (RFC 3704): `strict` drops packets whose source is not routed back
/// out of the interface they came in on, `loose` those whose source is not routable at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RpFilter {
    Off,
    Strict,
    Loose,
}

/// How the kernel forms the interface identifier of autoconfigured IPv6 addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AddrGenMode {
    Eui64,
    /// Kernel value 0 is EUI-64; `none` (1) means no autoconfigured addresses, link-local included.
    None,
    /// RFC 7217; needs `stable_secret` set on the interface or as the default.
    StablePrivacy,
    /// RFC 7217 with a secret the kernel picks at random.
    Random,
}

impl AddrGenMode {
    pub fn from_kernel(v: i32) -> Option<AddrGenMode> {
        [AddrGenMode::Eui64, AddrGenMode::None, AddrGenMode::StablePrivacy, AddrGenMode::Random]
            .into_iter()
            .find(|m| m.kernel() == v)
    }

    pub fn kernel(self) -> i32 {
        match self {
            AddrGenMode::Eui64 => 0,
            AddrGenMode::None => 1,
            AddrGenMode::StablePrivacy => 2,
            AddrGenMode::Random => 3,
        }
    }
}

/// One per-interface sysctl hostnet manages, named after its leaf in /proc/sys/net.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sysctl {
    Ipv4Forwarding,
    RpFilter,
    ArpIgnore,
    ArpAnnounce,
    ProxyArp,
    Ipv6Forwarding,
    AcceptRa,
    Autoconf,
    AddrGenMode,
    DisableIpv6,
    UseTempaddr,
    AcceptDad,
    DadTransmits,
}

impl Sysctl {
    pub const ALL: [Sysctl; 13] = [
        Sysctl::Ipv4Forwarding,
        Sysctl::RpFilter,
        Sysctl::ArpIgnore,
        Sysctl::ArpAnnounce,
        Sysctl::ProxyArp,
        Sysctl::Ipv6Forwarding,
        Sysctl::AcceptRa,
        Sysctl::Autoconf,
        Sysctl::AddrGenMode,
        Sysctl::DisableIpv6,
        Sysctl::UseTempaddr,
        Sysctl::AcceptDad,
        Sysctl::DadTransmits,
    ];

    /// `ipv4` or `ipv6`: the directory under /proc/sys/net.
    pub fn family(self) -> &'static str {
        match self {
            Sysctl::Ipv4Forwarding | Sysctl::RpFilter | Sysctl::ArpIgnore | Sysctl::ArpAnnounce | Sysctl::ProxyArp => {
                "ipv4"
            }
            _ => "ipv6",
        }
    }

    pub fn leaf(self) -> &'static str {
        match self {
            Sysctl::Ipv4Forwarding | Sysctl::Ipv6Forwarding => "forwarding",
            Sysctl::RpFilter => "rp_filter",
            Sysctl::ArpIgnore => "arp_ignore",
            Sysctl::ArpAnnounce => "arp_announce",
            Sysctl::ProxyArp => "proxy_arp",
            Sysctl::AcceptRa => "accept_ra",
            Sysctl::Autoconf => "autoconf",
            Sysctl::AddrGenMode => "addr_gen_mode",
            Sysctl::DisableIpv6 => "disable_ipv6",
            Sysctl::UseTempaddr => "use_tempaddr",
            Sysctl::AcceptDad => "accept_dad",
            Sysctl::DadTransmits => "dad_transmits",
        }
    }

    /// The sysctl's name as `sysctl(8)` spells it, e.g. `net.ipv6.conf.eth0.accept_ra`.
    pub fn dotted(self, ifname: &str) -> String {
        format!("net.{}.conf.{}.{}", self.family(), ifname.replace('.', "/"), self.leaf())
    }

    /// Reads a sysctl(8) name such as `net.ipv6.conf.eth0.accept_ra` (or the
    /// `/proc/sys/net/...` path) back into the key and the interface it names; `None` for
    /// anything hostnet does not manage, including `conf.all` and `conf.default`.
    pub fn from_dotted(name: &str) -> Option<(Sysctl, String)> {
        let rest = name
            .strip_prefix("/proc/sys/net/")
            .map(|p| p.replacen('/', ".", 2))
            .or_else(|| name.strip_prefix("net.").map(String::from))?;
        let (family, rest) = rest.split_once('.')?;
        let rest = rest.strip_prefix("conf.")?;
        let (ifname, leaf) = rest.rsplit_once(['.', '/'])?;
        if ifname == "all" || ifname == "default" {
            return None;
        }
        let key = Sysctl::ALL.into_iter().find(|k| k.family() == family && k.leaf() == leaf)?;
        // sysctl(8) writes a dot in an interface name (a VLAN) as a slash.
        Some((key, ifname.replace('/', ".")))
    }

    fn slot(self) -> usize {
        Sysctl::ALL.iter().position(|s| *s == self).expect("every key is in ALL")
    }
}

impl std::fmt::Display for Sysctl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.family(), self.leaf())
    }
}

/// Values of the managed sysctls of one link, as read from the kernel; unread ones are `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SysctlValues([Option<i32>; Sysctl::ALL.len()]);

impl SysctlValues {
    pub fn get(&self, k: Sysctl) -> Option<i32> {
        self.0[k.slot()]
    }

    pub fn set(&mut self, k: Sysctl, v: i32) {
        self.0[k.slot()] = Some(v);
    }
}

/// The sysctls a declared interface wants, with kernel values. `bridge_port`: the interface is
/// a bridge port, which gets no link-local address unless it asks for one.
pub fn wanted_sysctls(v4: &Ipv4Settings, v6: &Ipv6Settings, bridge_port: bool) -> Vec<(Sysctl, i32)> {
    let mut out = Vec::new();
    let flag = |b: bool| i32::from(b);
    if let Some(f) = v4.forwarding {
        out.push((Sysctl::Ipv4Forwarding, flag(f)));
    }
    if let Some(r) = v4.rp_filter {
        out.push((Sysctl::RpFilter, r as i32));
    }
    if let Some(a) = v4.arp_ignore {
        out.push((Sysctl::ArpIgnore, i32::from(a)));
    }
    if let Some(a) = v4.arp_announce {
        out.push((Sysctl::ArpAnnounce, i32::from(a)));
    }
    if let Some(p) = v4.proxy_arp {
        out.push((Sysctl::ProxyArp, flag(p)));
    }
    if let Some(d) = v6.disable_ipv6 {
        out.push((Sysctl::DisableIpv6, flag(d)));
    }
    if let Some(f) = v6.forwarding {
        out.push((Sysctl::Ipv6Forwarding, flag(f)));
    }
    if let Some(ra) = v6.accept_ra {
        // A forwarding interface ignores RAs at accept_ra=1; 2 is the kernel's "even so".
        let v = match (ra, v6.forwarding == Some(true)) {
            (false, _) => 0,
            (true, false) => 1,
            (true, true) => 2,
        };
        out.push((Sysctl::AcceptRa, v));
    }
    if let Some(a) = v6.slaac {
        out.push((Sysctl::Autoconf, flag(a)));
    }
    if let Some(p) = v6.privacy {
        out.push((Sysctl::UseTempaddr, p.kernel()));
    }
    if let Some(d) = v6.accept_dad {
        out.push((Sysctl::AcceptDad, i32::from(d)));
    }
    if let Some(d) = v6.dad_transmits {
        out.push((Sysctl::DadTransmits, i32::from(d)));
    }
    let mode = match (v6.link_local, v6.addr_gen_mode) {
        (Some(false), _) => Some(AddrGenMode::None),
        (None, None) if bridge_port => Some(AddrGenMode::None),
        (_, m) => m,
    };
    if let Some(g) = mode {
        out.push((Sysctl::AddrGenMode, g.kernel()));
    }
    out
}

/// The settings that describe a link's observed sysctls, naming only those that differ from
/// `defaults` (the namespace's `conf/default` values, which a new link starts with): what
/// `show` prints, and what `apply` needs to reproduce them.
pub fn settings_from(values: &SysctlValues, defaults: &SysctlValues) -> (Ipv4Settings, Ipv6Settings) {
    let (mut v4, mut v6) = (Ipv4Settings::default(), Ipv6Settings::default());
    for k in Sysctl::ALL {
        let Some(v) = values.get(k).filter(|v| Some(*v) != defaults.get(k)) else { continue };
        set_from_kernel(&mut v4, &mut v6, k, v);
    }
    (v4, v6)
}

/// Sets the setting behind one sysctl from its kernel value (as `show` reads it, or an
/// imported `sysctl -w` line writes it). A value the model cannot hold leaves it unset and
/// returns false.
pub fn set_from_kernel(v4: &mut Ipv4Settings, v6: &mut Ipv6Settings, k: Sysctl, v: i32) -> bool {
    match k {
        Sysctl::Ipv4Forwarding => v4.forwarding = Some(v != 0),
        Sysctl::RpFilter => v4.rp_filter = RpFilter::from_kernel(v),
        Sysctl::ArpIgnore => v4.arp_ignore = u8::try_from(v).ok().filter(|a| matches!(a, 0..=3 | 8)),
        Sysctl::ArpAnnounce => v4.arp_announce = u8::try_from(v).ok().filter(|a| *a <= 2),
        Sysctl::ProxyArp => v4.proxy_arp = Some(v != 0),
        Sysctl::Ipv6Forwarding => v6.forwarding = Some(v != 0),
        Sysctl::AcceptRa => v6.accept_ra = Some(v != 0),
        Sysctl::Autoconf => v6.slaac = Some(v != 0),
        Sysctl::DisableIpv6 => v6.disable_ipv6 = Some(v != 0),
        Sysctl::UseTempaddr => v6.privacy = Privacy::from_kernel(v),
        Sysctl::AcceptDad => v6.accept_dad = u8::try_from(v).ok().filter(|d| *d <= 2),
        Sysctl::DadTransmits => v6.dad_transmits = u8::try_from(v).ok(),
        Sysctl::AddrGenMode => match AddrGenMode::from_kernel(v) {
            Some(AddrGenMode::None) => v6.link_local = Some(false),
            m => v6.addr_gen_mode = m,
        },
    }
    match k {
        Sysctl::RpFilter => v4.rp_filter.is_some(),
        Sysctl::ArpIgnore => v4.arp_ignore.is_some(),
        Sysctl::ArpAnnounce => v4.arp_announce.is_some(),
        Sysctl::AddrGenMode => v6.link_local.is_some() || v6.addr_gen_mode.is_some(),
        Sysctl::UseTempaddr => v6.privacy.is_some(),
        Sysctl::AcceptDad => v6.accept_dad.is_some(),
        Sysctl::DadTransmits => v6.dad_transmits.is_some(),
        _ => true,
    }
}

impl RpFilter {
    pub fn from_kernel(v: i32) -> Option<RpFilter> {
        match v {
            0 => Some(RpFilter::Off),
            1 => Some(RpFilter::Strict),
            2 => Some(RpFilter::Loose),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_lose_link_local_unless_they_ask_for_it() {
        let none = Ipv6Settings::default();
        assert_eq!(wanted_sysctls(&Default::default(), &none, true), vec![(Sysctl::AddrGenMode, 1)]);
        assert!(wanted_sysctls(&Default::default(), &none, false).is_empty());
        let keep = Ipv6Settings { link_local: Some(true), ..Default::default() };
        assert!(wanted_sysctls(&Default::default(), &keep, true).is_empty());
    }

    #[test]
    fn accept_ra_on_a_router_overrules_forwarding() {
        let v6 = Ipv6Settings { accept_ra: Some(true), forwarding: Some(true), ..Default::default() };
        let w = wanted_sysctls(&Default::default(), &v6, false);
        assert!(w.contains(&(Sysctl::AcceptRa, 2)) && w.contains(&(Sysctl::Ipv6Forwarding, 1)));
    }

    #[test]
    fn settings_name_only_what_differs_from_the_defaults_and_round_trip() {
        let mut defaults = SysctlValues::default();
        for k in Sysctl::ALL {
            defaults.set(k, 0);
        }
        defaults.set(Sysctl::AcceptRa, 1);
        let v4 = Ipv4Settings { rp_filter: Some(RpFilter::Loose), arp_ignore: Some(1), ..Default::default() };
        let v6 = Ipv6Settings { link_local: Some(false), accept_ra: Some(false), ..Default::default() };
        let mut values = defaults;
        for (k, v) in wanted_sysctls(&v4, &v6, false) {
            values.set(k, v);
        }
        assert_eq!(settings_from(&values, &defaults), (v4, v6));
        assert_eq!(settings_from(&defaults, &defaults), Default::default());
    }

    #[test]
    fn dotted_names_escape_vlan_dots_as_sysctl_does() {
        assert_eq!(Sysctl::AcceptRa.dotted("bond0.100"), "net.ipv6.conf.bond0/100.accept_ra");
    }
}
