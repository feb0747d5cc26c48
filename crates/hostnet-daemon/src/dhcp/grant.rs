//! What a DHCP client of either family asks with and what its server granted, in the terms
//! the daemon acts on: an address with lifetimes, routes, name servers, NTP servers.
//! DHCPv4 leases, DHCPv6 leases (IA_NA) and DHCPv6 information-only replies differ in what
//! they carry; the main loop treats them alike through this module.

use std::net::IpAddr;

use hostnet_core::model::{Cidr, Dhcp4, Dhcp6, Interface, Route};
use serde::{Deserialize, Serialize};

use super::info::Info;
use super::lease::Lease;
use super::lease6::Lease6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Dhcp4,
    Dhcp6,
}

impl Proto {
    pub const ALL: [Proto; 2] = [Proto::Dhcp4, Proto::Dhcp6];

    pub fn name(self) -> &'static str {
        match self {
            Proto::Dhcp4 => "dhcp4",
            Proto::Dhcp6 => "dhcp6",
        }
    }

    /// The interface's settings for this protocol, if it declares it.
    pub fn wanted(self, i: &Interface) -> Option<Settings> {
        match self {
            Proto::Dhcp4 => i.dhcp4.clone().map(Settings::V4),
            Proto::Dhcp6 => i.dhcp6.clone().map(Settings::V6),
        }
    }
}

impl std::fmt::Display for Proto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Settings {
    V4(Dhcp4),
    V6(Dhcp6),
}

impl Settings {
    pub fn use_dns(&self) -> bool {
        match self {
            Settings::V4(s) => s.use_dns(),
            Settings::V6(s) => s.use_dns(),
        }
    }
    pub fn use_ntp(&self) -> bool {
        match self {
            Settings::V4(s) => s.use_ntp(),
            Settings::V6(s) => s.use_ntp(),
        }
    }
    pub fn timeout(&self) -> u32 {
        match self {
            Settings::V4(s) => s.timeout(),
            Settings::V6(s) => s.timeout(),
        }
    }
}

/// What a server granted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "kebab-case")]
pub enum Grant {
    V4(Lease),
    V6(Lease6),
    /// A DHCPv6 information-only reply: options, no address.
    Info(Info),
}

impl Grant {
    pub fn proto(&self) -> Proto {
        match self {
            Grant::V4(_) => Proto::Dhcp4,
            Grant::V6(_) | Grant::Info(_) => Proto::Dhcp6,
        }
    }

    /// The address it puts on the link, if any.
    pub fn cidr(&self) -> Option<Cidr> {
        match self {
            Grant::V4(l) => Some(l.cidr()),
            Grant::V6(l) => Some(l.cidr()),
            Grant::Info(_) => None,
        }
    }

    /// (valid, preferred) lifetimes left, in seconds, for the kernel's address.
    pub fn lifetimes(&self) -> (u32, u32) {
        match self {
            Grant::V4(l) => (l.remaining(), l.remaining()),
            Grant::V6(l) => (l.remaining(), l.preferred_remaining()),
            Grant::Info(i) => (i.remaining(), i.remaining()),
        }
    }

    /// Seconds until it runs out (information-only: until it is refreshed).
    pub fn remaining(&self) -> u32 {
        self.lifetimes().0
    }

    pub fn routes(&self, settings: &Settings) -> Vec<Route> {
        match (self, settings) {
            (Grant::V4(l), Settings::V4(s)) => l.routes(s),
            // RFC 8415 has no route option: an IPv6 host's routes come from RAs.
            _ => Vec::new(),
        }
    }

    /// Name servers, without link-local ones (resolv.conf cannot name their interface
    /// through this model).
    pub fn dns(&self) -> Vec<IpAddr> {
        let v6 = |a: &[std::net::Ipv6Addr]| {
            a.iter().filter(|a| !a.is_unicast_link_local()).map(|a| IpAddr::V6(*a)).collect()
        };
        match self {
            Grant::V4(l) => l.dns.iter().map(|a| IpAddr::V4(*a)).collect(),
            Grant::V6(l) => v6(&l.dns),
            Grant::Info(i) => v6(&i.dns),
        }
    }

    pub fn search(&self) -> &[String] {
        match self {
            Grant::V4(l) => &l.search,
            Grant::V6(l) => &l.search,
            Grant::Info(i) => &i.search,
        }
    }

    pub fn ntp(&self) -> Vec<String> {
        match self {
            Grant::V4(l) => l.ntp.iter().map(ToString::to_string).collect(),
            Grant::V6(l) => l.ntp.clone(),
            Grant::Info(i) => i.ntp.clone(),
        }
    }

    pub fn server(&self) -> String {
        match self {
            Grant::V4(l) => l.server.to_string(),
            Grant::V6(l) => l.server.to_string(),
            Grant::Info(i) => i.server.to_string(),
        }
    }

    /// Lease length as granted, for the history line.
    pub fn length(&self) -> u32 {
        match self {
            Grant::V4(l) => l.lease_secs,
            Grant::V6(l) => l.valid_secs,
            Grant::Info(i) => i.refresh_secs,
        }
    }

    /// T1 and T2, for the history line; information-only has neither.
    pub fn renew_times(&self) -> Option<(u32, u32)> {
        match self {
            Grant::V4(l) => Some((l.t1_secs, l.t2_secs)),
            Grant::V6(l) => Some((l.t1_secs, l.t2_secs)),
            Grant::Info(_) => None,
        }
    }

    /// Whether the kernel should still hold it (a stored one after a restart).
    pub fn in_force(&self) -> bool {
        self.remaining() > 0
    }
}
