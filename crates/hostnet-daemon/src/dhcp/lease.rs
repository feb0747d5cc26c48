//! A DHCPv4 lease as hostnet keeps it: what the server granted, when, and what it puts on the
//! host (address, routes, DNS). Stored as JSON under the lease directory, one file per
//! interface and family (with DHCPv6's), so that a daemon restarted within the lease asks for the same address
//! (RFC 2131 INIT-REBOOT) and keeps it on the link meanwhile.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use hostnet_core::model::{Cidr, Dhcp4, Route, RouteDst};
use serde::{Deserialize, Serialize};

use super::grant::{Grant, Proto};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lease {
    pub address: Ipv4Addr,
    pub prefix_len: u8,
    /// The server identifier (option 54), which renewals are sent to.
    pub server: Ipv4Addr,
    #[serde(default)]
    pub routers: Vec<Ipv4Addr>,
    /// RFC 3442 classless static routes, `dst/len` and router (0.0.0.0: on-link).
    #[serde(default)]
    pub classless: Vec<(String, Ipv4Addr)>,
    #[serde(default)]
    pub dns: Vec<Ipv4Addr>,
    #[serde(default)]
    pub search: Vec<String>,
    #[serde(default)]
    pub ntp: Vec<Ipv4Addr>,
    #[serde(default)]
    pub hostname: Option<String>,
    #[serde(default)]
    pub mtu: Option<u16>,
    pub lease_secs: u32,
    pub t1_secs: u32,
    pub t2_secs: u32,
    /// Unix time the server's ACK arrived; the lease runs out `lease_secs` later.
    pub acquired: u64,
}

/// Seconds left now of a time of `secs` that began at Unix time `since` (0: over). An
/// infinite time (0xffffffff, as DHCP says it) stays infinite.
pub fn secs_left(since: u64, secs: u32) -> u32 {
    if secs == u32::MAX {
        return u32::MAX;
    }
    (since + u64::from(secs)).saturating_sub(now()).min(u64::from(u32::MAX)) as u32
}

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl Lease {
    pub fn from_mozim(l: &mozim::DhcpV4Lease) -> Lease {
        let mut search = l.domain_search.clone().unwrap_or_default();
        if search.is_empty()
            && let Some(d) = &l.domain_name
        {
            search.push(d.clone());
        }
        Lease {
            address: l.yiaddr,
            prefix_len: l.prefix_length(),
            server: l.srv_id,
            routers: l.gateways.clone().unwrap_or_default(),
            classless: l
                .classless_routes
                .iter()
                .flatten()
                .map(|r| (format!("{}/{}", r.destination, r.prefix_length), r.router))
                .collect(),
            dns: l.dns_srvs.clone().unwrap_or_default(),
            search,
            ntp: l.ntp_srvs.clone().unwrap_or_default(),
            hostname: l.host_name.clone(),
            mtu: l.mtu,
            lease_secs: l.lease_time_sec,
            t1_secs: l.t1_sec,
            t2_secs: l.t2_sec,
            acquired: now(),
        }
    }

    /// What mozim needs to ask for this lease again after a restart: the address (INIT-REBOOT
    /// sends it as the requested address) and the server's.
    pub fn to_mozim(&self) -> mozim::DhcpV4Lease {
        let mut l = mozim::DhcpV4Lease::default();
        l.yiaddr = self.address;
        l.srv_id = self.server;
        l.lease_time_sec = self.remaining();
        l
    }

    pub fn cidr(&self) -> Cidr {
        format!("{}/{}", self.address, self.prefix_len).parse().expect("an IPv4 address and a prefix length")
    }

    /// Seconds of the lease left now (0: expired). An infinite lease (0xffffffff) stays so.
    pub fn remaining(&self) -> u32 {
        secs_left(self.acquired, self.lease_secs)
    }

    /// The routes the lease puts on the link. Classless routes, when the server sends them,
    /// replace the router option (RFC 3442 section 3).
    pub fn routes(&self, settings: &Dhcp4) -> Vec<Route> {
        if !settings.use_routes() {
            return Vec::new();
        }
        let metric = Some(settings.route_metric());
        let mut out = Vec::new();
        if self.classless.is_empty() {
            if let Some(gw) = self.routers.first() {
                out.push(Route { metric, ..Route::default_via(IpAddr::V4(*gw)) });
            }
        } else {
            for (dst, gw) in &self.classless {
                let Ok(net) = dst.parse::<ipnet::IpNet>() else { continue };
                let dst = if net.prefix_len() == 0 { RouteDst::Default } else { RouteDst::Net(net) };
                let via = (!gw.is_unspecified()).then_some(IpAddr::V4(*gw));
                out.push(Route { dst, via, metric, ..Route::default_via(IpAddr::V4(*gw)) });
            }
        }
        out
    }
}

/// Where the leases of one namespace live.
#[derive(Debug, Clone)]
pub struct LeaseDir(pub PathBuf);

impl LeaseDir {
    fn file(&self, iface: &str, proto: Proto) -> PathBuf {
        self.0.join(format!("{iface}.{proto}.json"))
    }

    /// The stored lease of a client, if there is one that has not run out.
    pub fn load(&self, iface: &str, proto: Proto) -> Option<Grant> {
        let text = std::fs::read_to_string(self.file(iface, proto)).ok()?;
        // DHCPv4 files hold the lease itself, as they did before DHCPv6 came.
        let grant = match proto {
            Proto::Dhcp4 => Grant::V4(serde_json::from_str(&text).ok()?),
            Proto::Dhcp6 => serde_json::from_str(&text).ok()?,
        };
        grant.in_force().then_some(grant)
    }

    /// Stores atomically (write, then rename): a crash leaves the old lease or the new one.
    pub fn store(&self, iface: &str, lease: &Grant) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.0)?;
        let path = self.file(iface, lease.proto());
        let tmp = path.with_extension("tmp");
        let bytes = match lease {
            Grant::V4(l) => serde_json::to_vec_pretty(l),
            other => serde_json::to_vec_pretty(other),
        };
        std::fs::write(&tmp, bytes.expect("a lease serializes"))?;
        std::fs::rename(tmp, path)
    }

    pub fn forget(&self, iface: &str, proto: Proto) {
        let _ = std::fs::remove_file(self.file(iface, proto));
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease() -> Lease {
        Lease {
            address: Ipv4Addr::new(192, 0, 2, 50),
            prefix_len: 24,
            server: Ipv4Addr::new(192, 0, 2, 1),
            routers: vec![Ipv4Addr::new(192, 0, 2, 1)],
            classless: vec![],
            dns: vec![],
            search: vec![],
            ntp: vec![],
            hostname: None,
            mtu: None,
            lease_secs: 120,
            t1_secs: 60,
            t2_secs: 105,
            acquired: now(),
        }
    }

    #[test]
    fn router_option_gives_a_default_route_with_the_metric() {
        let r = lease().routes(&Dhcp4::default());
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].dst, r[0].metric), (RouteDst::Default, Some(1024)));
    }

    #[test]
    fn classless_routes_replace_the_router_option() {
        let mut l = lease();
        l.classless = vec![
            ("10.0.0.0/8".into(), Ipv4Addr::new(192, 0, 2, 254)),
            ("0.0.0.0/0".into(), Ipv4Addr::new(192, 0, 2, 9)),
        ];
        let r = l.routes(&Dhcp4 { route_metric: Some(7), ..Dhcp4::default() });
        let got: Vec<String> = r.iter().map(|r| format!("{:?} via {:?} m{:?}", r.dst, r.via, r.metric)).collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(r.iter().all(|r| r.metric == Some(7)));
        assert_eq!(r[1].dst, RouteDst::Default);
        assert_eq!(r[1].via, Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 9))));
    }

    #[test]
    fn a_stored_lease_comes_back_and_an_expired_one_does_not() {
        let dir = LeaseDir(std::env::temp_dir().join(format!("hostnet-lease-test-{}", std::process::id())));
        dir.store("eth0", &Grant::V4(lease())).unwrap();
        let Some(Grant::V4(back)) = dir.load("eth0", Proto::Dhcp4) else { panic!("no lease back") };
        assert_eq!(back, Lease { acquired: back.acquired, ..lease() });
        assert_eq!(dir.load("eth0", Proto::Dhcp6), None);
        let old = Lease { acquired: now() - 500, ..lease() };
        dir.store("eth1", &Grant::V4(old)).unwrap();
        assert_eq!(dir.load("eth1", Proto::Dhcp4), None);
        let _ = std::fs::remove_dir_all(dir.path());
    }
}
