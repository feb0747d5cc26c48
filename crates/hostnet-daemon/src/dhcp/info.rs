//! DHCPv6 information-only (RFC 8415 18.2.6; was RFC 3736): name servers, search domains and
//! NTP servers for a host that takes its address elsewhere (SLAAC, static). mozim 0.3.4 has
//! no such mode (its `Stateless` is commented out), and the exchange is one message and one
//! reply, so hostnet runs it itself with dhcproto encoding and decoding the messages.

use std::net::Ipv6Addr;
use std::time::Duration;

use dhcproto::v6::{DhcpOption, Message, MessageType, NtpSuboption, ORO, OptionCode};
use dhcproto::{Decodable, Encodable};
use serde::{Deserialize, Serialize};

use super::lease::{now, secs_left};

/// RFC 8415 7.6: INF_TIMEOUT and INF_MAX_RT, the first and the longest retransmission wait.
pub const INF_TIMEOUT: Duration = Duration::from_secs(1);
pub const INF_MAX_RT: Duration = Duration::from_secs(3600);
/// RFC 8415 21.23: refresh after a day unless the server says otherwise, never before 600 s.
const IRT_DEFAULT: u32 = 86400;
const IRT_MINIMUM: u32 = 600;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Info {
    pub server: Ipv6Addr,
    #[serde(default)]
    pub dns: Vec<Ipv6Addr>,
    #[serde(default)]
    pub search: Vec<String>,
    #[serde(default)]
    pub ntp: Vec<String>,
    /// When to ask again (option 32, bounded below by IRT_MINIMUM).
    pub refresh_secs: u32,
    pub acquired: u64,
}

impl Info {
    /// Seconds until the information is to be refreshed.
    pub fn remaining(&self) -> u32 {
        secs_left(self.acquired, self.refresh_secs)
    }
}

/// An Information-Request. `elapsed_cs`: hundredths of a second since the first one of this
/// exchange (RFC 8415 21.9; saturates at 0xffff).
pub fn request(xid: [u8; 3], duid: &[u8], elapsed_cs: u16) -> Vec<u8> {
    let mut m = Message::new_with_id(MessageType::InformationRequest, xid);
    let o = m.opts_mut();
    o.insert(DhcpOption::ClientId(duid.to_vec()));
    o.insert(DhcpOption::ElapsedTime(elapsed_cs));
    o.insert(DhcpOption::ORO(ORO {
        opts: vec![
            OptionCode::DomainNameServers,
            OptionCode::DomainSearchList,
            OptionCode::NtpServer,
            OptionCode::InformationRefreshTime,
        ],
    }));
    m.to_vec().expect("an Information-Request of fixed options encodes")
}

/// The Reply to our request, read; `None` for anything else (another client's exchange, a
/// message of another type, garbage).
pub fn reply(bytes: &[u8], xid: [u8; 3], duid: &[u8], from: Ipv6Addr) -> Option<Info> {
    let m = Message::from_bytes(bytes).ok()?;
    if m.msg_type() != MessageType::Reply || m.xid() != xid {
        return None;
    }
    // RFC 8415 16.10: a Reply must echo our Client Identifier when we sent one.
    match m.opts().get(OptionCode::ClientId) {
        Some(DhcpOption::ClientId(id)) if id == duid => {}
        _ => return None,
    }
    let mut info =
        Info { server: from, dns: vec![], search: vec![], ntp: vec![], refresh_secs: IRT_DEFAULT, acquired: now() };
    for o in m.opts().iter() {
        match o {
            DhcpOption::DomainNameServers(d) => info.dns.extend(d),
            DhcpOption::DomainSearchList(names) => {
                info.search.extend(names.iter().map(|n| n.to_utf8().trim_end_matches('.').to_string()))
            }
            DhcpOption::NtpServer(subs) => info.ntp.extend(subs.iter().map(|s| match s {
                NtpSuboption::ServerAddress(a) | NtpSuboption::MulticastAddress(a) => a.to_string(),
                NtpSuboption::FQDN(n) => n.to_utf8().trim_end_matches('.').to_string(),
            })),
            DhcpOption::InformationRefreshTime(t) => info.refresh_secs = (*t).max(IRT_MINIMUM),
            // dhcproto 0.15 encodes option 32 but decodes it as unknown.
            DhcpOption::Unknown(u) if u.code() == OptionCode::InformationRefreshTime => {
                if let Ok(b) = <[u8; 4]>::try_from(u.data()) {
                    info.refresh_secs = u32::from_be_bytes(b).max(IRT_MINIMUM);
                }
            }
            _ => {}
        }
    }
    Some(info)
}

/// RFC 8415 15: the next retransmission wait, doubled with +-10 % jitter, capped at MRT.
pub fn next_wait(prev: Duration, jitter: f64) -> Duration {
    let rt = prev.mul_f64(2.0 + 0.2 * (jitter.clamp(0.0, 1.0) - 0.5));
    if rt > INF_MAX_RT { INF_MAX_RT.mul_f64(1.0 + 0.2 * (jitter.clamp(0.0, 1.0) - 0.5)) } else { rt }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUID: &[u8] = &[0, 4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

    fn server_reply(xid: [u8; 3], client: &[u8], refresh: Option<u32>) -> Vec<u8> {
        let mut m = Message::new_with_id(MessageType::Reply, xid);
        let o = m.opts_mut();
        o.insert(DhcpOption::ClientId(client.to_vec()));
        o.insert(DhcpOption::ServerId(vec![0, 3, 0, 1, 2, 2, 2, 2, 2, 2]));
        o.insert(DhcpOption::DomainNameServers(vec!["2001:db8::53".parse().unwrap()]));
        o.insert(DhcpOption::DomainSearchList(vec!["lab.example".parse().unwrap()]));
        if let Some(t) = refresh {
            o.insert(DhcpOption::InformationRefreshTime(t));
        }
        m.to_vec().unwrap()
    }

    #[test]
    fn the_request_asks_for_the_options_it_uses() {
        let m = Message::from_bytes(&request([1, 2, 3], DUID, 0)).unwrap();
        assert_eq!((m.msg_type(), m.xid()), (MessageType::InformationRequest, [1, 2, 3]));
        let Some(DhcpOption::ORO(oro)) = m.opts().get(OptionCode::ORO) else { panic!("no ORO") };
        assert!(oro.opts.contains(&OptionCode::InformationRefreshTime));
        assert!(m.opts().get(OptionCode::ElapsedTime).is_some());
    }

    #[test]
    fn a_reply_gives_servers_and_a_bounded_refresh_time() {
        let from: Ipv6Addr = "fe80::1".parse().unwrap();
        let i = reply(&server_reply([1, 2, 3], DUID, Some(30)), [1, 2, 3], DUID, from).unwrap();
        assert_eq!(i.dns, vec!["2001:db8::53".parse::<Ipv6Addr>().unwrap()]);
        assert_eq!(i.search, vec!["lab.example".to_string()]);
        assert_eq!(i.refresh_secs, IRT_MINIMUM);
        let i = reply(&server_reply([1, 2, 3], DUID, None), [1, 2, 3], DUID, from).unwrap();
        assert_eq!(i.refresh_secs, IRT_DEFAULT);
    }

    #[test]
    fn replies_to_other_exchanges_are_not_ours() {
        let from: Ipv6Addr = "fe80::1".parse().unwrap();
        assert!(reply(&server_reply([9, 9, 9], DUID, None), [1, 2, 3], DUID, from).is_none());
        assert!(reply(&server_reply([1, 2, 3], &[0, 4, 7], None), [1, 2, 3], DUID, from).is_none());
        assert!(reply(&request([1, 2, 3], DUID, 0), [1, 2, 3], DUID, from).is_none());
    }

    #[test]
    fn retransmissions_double_and_stop_growing_at_an_hour() {
        assert_eq!(next_wait(INF_TIMEOUT, 0.5), Duration::from_secs(2));
        assert!(next_wait(Duration::from_secs(3000), 0.0) <= INF_MAX_RT);
    }
}
