//! When the daemon tells systemd it is ready: once the config's online contract holds (see
//! `hostnet_core::online`), or its timeout has passed, so that units ordered after
//! network-online.target start on a network that is there, not merely configured.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hostnet_core::online::{Facts, Online, Verdict, judge, wants};
use rtnetlink::packet_route::link::LinkFlags;

use crate::daemon::Daemon;
use crate::machine::Phase;

/// Where the daemon stands with systemd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// READY=1 not sent yet; sent at the latest at this instant.
    Waiting {
        deadline: Instant,
    },
    Ready,
}

impl Daemon {
    /// What was observed of each declared interface, from the mirror, the per-link state and
    /// the DHCP clients.
    pub fn online_facts(&self) -> BTreeMap<String, Facts> {
        let mut by_name: BTreeMap<String, Facts> = BTreeMap::new();
        for i in &self.desired.interfaces {
            by_name.insert(i.name.clone(), Facts::default());
        }
        for l in self.mirror.links() {
            let Some(name) = hostnet_netlink::read::ifname(l) else { continue };
            let Some(f) = by_name.get_mut(&name) else { continue };
            let (address, global_address) = self.mirror.address_facts(l.header.index);
            *f = Facts {
                present: true,
                carrier: l.header.flags.contains(LinkFlags::Up) && l.header.flags.contains(LinkFlags::LowerUp),
                configured: self.links.get(&name).is_some_and(|s| s.phase == Phase::Configured),
                address,
                global_address,
                lease: [crate::dhcp::Proto::Dhcp4, crate::dhcp::Proto::Dhcp6]
                    .into_iter()
                    .any(|p| self.dhcp.report(&name, p).is_some_and(|r| r.address.is_some())),
            };
        }
        by_name
    }

    /// The contract judged now; `None` when the config has no `online:` section.
    pub fn online_verdict(&self) -> Option<Verdict> {
        self.desired.online.as_ref()?;
        self.online_verdict_of(&self.online_facts())
    }

    /// The contract judged on facts already gathered.
    pub fn online_verdict_of(&self, facts: &BTreeMap<String, Facts>) -> Option<Verdict> {
        let online: &Online = self.desired.online.as_ref()?;
        let declared: Vec<String> = self.desired.interfaces.iter().map(|i| i.name.clone()).collect();
        Some(judge(&wants(online, &declared), online.require, facts))
    }

    /// At start: ready now (no contract, or it holds), or waiting until the contract's timeout.
    pub fn first_readiness(&self, started: Instant) -> Readiness {
        match (&self.desired.online, self.online_verdict()) {
            (Some(o), Some(v)) if !v.online => {
                Readiness::Waiting { deadline: started + Duration::from_secs(u64::from(o.timeout)) }
            }
            _ => Readiness::Ready,
        }
    }
}
