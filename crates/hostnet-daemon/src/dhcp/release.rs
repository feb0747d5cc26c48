//! Telling the server a lease is no longer wanted (DHCPRELEASE, RFC 2131 4.4.6; DHCPv6
//! Release, RFC 8415 18.2.7) when the config stops asking for DHCP on a link that stays: the
//! address goes back to the pool at once instead of when the lease would have run out. Sent
//! once, before the address leaves the link (a DHCPv4 release is sent from it); a lost
//! release costs the server nothing but the lease's remaining time.

use std::time::Duration;

use mozim::{DhcpV4Client, DhcpV6Client};

use super::grant::{Grant, Settings};
use super::{client, client6};

/// What a release needs to know about the link.
pub struct Link {
    pub iface: String,
    pub index: u32,
    pub mac: Option<hostnet_core::model::MacAddr>,
    pub link_local: Option<std::net::Ipv6Addr>,
}

pub async fn release(link: &Link, settings: &Settings, lease: &Grant) -> Result<(), String> {
    match (lease, settings) {
        (Grant::V4(l), Settings::V4(s)) => {
            let mac = link.mac.ok_or("the link has no MAC")?;
            let spec =
                client::Spec { iface: link.iface.clone(), index: link.index, mac, settings: s.clone(), previous: None };
            let raw = l.to_mozim();
            // The stopped client's socket on port 68 closes when its task is dropped, which the
            // runtime does at its next turn.
            let mut last = String::new();
            for _ in 0..20 {
                let mut c = DhcpV4Client::init(client::config_for(&spec), Some(raw.clone()))
                    .await
                    .map_err(|e| e.to_string())?;
                match c.release(&raw).await {
                    Ok(()) => return Ok(()),
                    Err(e) => last = e.to_string(),
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(last)
        }
        (Grant::V6(l), Settings::V6(s)) => {
            let raw = l.raw.as_deref().ok_or("a lease from before a restart: the server's DUID is not kept")?;
            let ll = link.link_local.ok_or("the link has no link-local address")?;
            let spec =
                client6::Spec6 { iface: link.iface.clone(), index: link.index, link_local: ll, settings: s.clone() };
            // The stopped client's socket on port 546 closes when its task is dropped, which
            // the runtime does at its next turn.
            let mut last = String::new();
            for _ in 0..20 {
                let mut c = DhcpV6Client::init(client6::config_for(&spec), Some(raw.clone()))
                    .await
                    .map_err(|e| e.to_string())?;
                match c.release(raw).await {
                    Ok(()) => return Ok(()),
                    Err(e) => last = e.to_string(),
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(last)
        }
        // Information-only holds nothing to give back.
        _ => Ok(()),
    }
}
