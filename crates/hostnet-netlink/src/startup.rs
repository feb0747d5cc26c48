//! Holding bridges down while the IPv6 start-up of the links behind their ports runs (see
//! `hostnet_core::plan::bridge_hold`), judged from the kernel's address dump: a link's start-up
//! is over once its fe80:: address has left duplicate address detection.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::time::{Duration, Instant};

use rtnetlink::packet_route::address::{AddressFlags, AddressMessage};

use crate::conn::Netlink;
use crate::error::Error;
use crate::read::{address_of, flags_of};

pub use hostnet_engine::{HOLD_AFTER_UPS, Held, MAX_HOLD};

/// How long after its detection a link still sends start-up traffic: the kernel defers MLD
/// reports until the address is confirmed, then repeats them within
/// `mldv2_unsolicited_report_interval` (1 s by default). Holding only until the last
/// confirmation left those repeats (and the apply's verification) to the flood: verification
/// took 9-14 s at 4000 veth pairs.
const MLD_REPEAT: Duration = Duration::from_secs(1);

/// How often the addresses are read while holding: a dump of 12,000 addresses takes ~10 ms.
const POLL: Duration = Duration::from_millis(50);

impl Netlink {
    /// Waits until each of `names` has had an fe80:: address out of duplicate address detection
    /// for `MLD_REPEAT`, or `max` has passed.
    pub async fn await_startup(&self, names: &[String], max: Duration) -> Result<Held, Error> {
        let t0 = Instant::now();
        let mut watched = HashSet::default();
        for n in names {
            // A link that is gone has no start-up to wait for; verification reports it.
            if let Ok(i) = self.index_of(n).await {
                watched.insert(i);
            }
        }
        if watched.is_empty() {
            return Ok(Held { links: names.len(), waited_ms: 0, complete: true });
        }
        // When each link was first seen confirmed.
        let mut confirmed: HashMap<u32, Instant> = HashMap::default();
        loop {
            let now = Instant::now();
            for i in started(&self.addresses().await?, &watched) {
                confirmed.entry(i).or_insert(now);
            }
            let last = confirmed.values().max().copied().unwrap_or(t0);
            let complete = confirmed.len() >= watched.len() && now.duration_since(last) >= MLD_REPEAT;
            tracing::debug!(
                "start-up behind bridges: {} of {} links after {:?}",
                confirmed.len(),
                watched.len(),
                t0.elapsed()
            );
            if complete || t0.elapsed() >= max {
                let waited_ms = u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX);
                return Ok(Held { links: names.len(), waited_ms, complete });
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// The `watched` links that have an fe80:: address that passed (or failed) duplicate address
/// detection.
fn started(addresses: &[AddressMessage], watched: &HashSet<u32>) -> HashSet<u32> {
    addresses
        .iter()
        .filter(|a| watched.contains(&a.header.index))
        .filter(|a| address_of(a).is_some_and(|c| c.addr().is_ipv6() && c.is_link_local()))
        .filter(|a| {
            let f = flags_of(a);
            !f.contains(AddressFlags::Tentative) || f.contains(AddressFlags::Dadfailed)
        })
        .map(|a| a.header.index)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtnetlink::packet_route::address::AddressAttribute;
    use std::net::{IpAddr, Ipv6Addr};

    fn fe80(index: u32, flags: AddressFlags) -> AddressMessage {
        let mut a = AddressMessage::default();
        a.header.index = index;
        a.header.prefix_len = 64;
        a.attributes.push(AddressAttribute::Address(IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, index as u16))));
        a.attributes.push(AddressAttribute::Flags(flags));
        a
    }

    #[test]
    fn a_link_has_started_once_its_link_local_address_left_detection() {
        let watched: HashSet<u32> = [2, 3, 4].into_iter().collect();
        let addrs = [
            fe80(2, AddressFlags::Permanent),
            fe80(3, AddressFlags::Permanent | AddressFlags::Tentative),
            fe80(4, AddressFlags::Tentative | AddressFlags::Dadfailed),
            // Not watched.
            fe80(5, AddressFlags::Permanent),
        ];
        assert_eq!(started(&addrs, &watched), [2, 4].into_iter().collect());
    }
}
