//! A DHCPv6 lease (one IA_NA address) as hostnet keeps it. The address goes on the link as a
//! /128 with the server's preferred and valid lifetimes; the on-link prefix and the default
//! route come from router advertisements, as RFC 8415 leaves them.

use std::net::Ipv6Addr;

use hostnet_core::model::Cidr;
use serde::{Deserialize, Serialize};

use super::lease::{now, secs_left};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lease6 {
    pub address: Ipv6Addr,
    /// The address the server's reply came from.
    pub server: Ipv6Addr,
    #[serde(default)]
    pub dns: Vec<Ipv6Addr>,
    #[serde(default)]
    pub search: Vec<String>,
    #[serde(default)]
    pub ntp: Vec<String>,
    pub preferred_secs: u32,
    pub valid_secs: u32,
    pub t1_secs: u32,
    pub t2_secs: u32,
    /// Unix time the server's Reply arrived.
    pub acquired: u64,
    /// mozim's own lease (server DUID, IAID), which a Release names; not stored, so a lease
    /// from before a restart is not released, only removed.
    #[serde(skip)]
    pub raw: Option<Box<mozim::DhcpV6Lease>>,
}

impl Lease6 {
    pub fn from_mozim(l: &mozim::DhcpV6Lease) -> Lease6 {
        Lease6 {
            address: l.address,
            server: l.srv_ip,
            dns: l.dns_srvs.clone(),
            search: l.domain_list.clone(),
            ntp: l.ntp_srvs.clone(),
            preferred_secs: l.preferred_time_sec,
            valid_secs: l.valid_time_sec,
            t1_secs: l.t1_sec,
            t2_secs: l.t2_sec,
            acquired: now(),
            raw: Some(Box::new(l.clone())),
        }
    }

    pub fn cidr(&self) -> Cidr {
        format!("{}/128", self.address).parse().expect("an IPv6 address")
    }

    pub fn remaining(&self) -> u32 {
        secs_left(self.acquired, self.valid_secs)
    }

    pub fn preferred_remaining(&self) -> u32 {
        secs_left(self.acquired, self.preferred_secs)
    }
}
