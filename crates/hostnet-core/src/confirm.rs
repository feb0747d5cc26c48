//! What `apply --try --confirm-when` waits for before a trial confirms itself: the checks as a
//! person writes them (`gateway`, `dns`, `ping:HOST`, `tcp:HOST:PORT`). Reading only; the
//! kernel side runs them (hostnet-netlink's `checks`).

use std::net::{IpAddr, SocketAddr};

/// One check. Hosts are addresses, not names: a name would need the DNS the change may break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Every default gateway in the main table answers ARP (IPv4) or neighbour discovery.
    Gateway,
    /// Every DNS server of the config answers a query.
    Dns,
    /// The host answers ICMP echo.
    Ping(IpAddr),
    /// The host accepts a TCP connection on the port.
    Tcp(SocketAddr),
}

impl Check {
    pub fn parse(s: &str) -> Result<Check, String> {
        let s = s.trim();
        let addr = |a: &str| {
            a.trim_matches(['[', ']'])
                .parse::<IpAddr>()
                .map_err(|_| format!("`{a}` is not an IP address (names would need the DNS the change may break)"))
        };
        match s.split_once(':') {
            None if s == "gateway" => Ok(Check::Gateway),
            None if s == "dns" => Ok(Check::Dns),
            Some(("ping", host)) => Ok(Check::Ping(addr(host)?)),
            Some(("tcp", rest)) => {
                let (host, port) = rest
                    .rsplit_once(':')
                    .ok_or_else(|| format!("`{s}` needs a port: tcp:HOST:PORT, e.g. tcp:192.0.2.1:22"))?;
                let port: u16 = port.parse().map_err(|_| format!("`{port}` is not a port number"))?;
                Ok(Check::Tcp(SocketAddr::new(addr(host)?, port)))
            }
            _ => Err(format!("`{s}` is not a check; use gateway, dns, ping:HOST or tcp:HOST:PORT")),
        }
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Check::Gateway => f.write_str("gateway"),
            Check::Dns => f.write_str("dns"),
            Check::Ping(h) => write!(f, "ping:{h}"),
            Check::Tcp(a) => write!(f, "tcp:{a}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_read_as_written_and_bad_ones_say_what_is_expected() {
        assert_eq!(Check::parse("gateway"), Ok(Check::Gateway));
        assert_eq!(Check::parse("ping:10.0.0.1"), Ok(Check::Ping("10.0.0.1".parse().unwrap())));
        assert_eq!(Check::parse("tcp:[2001:db8::1]:22").unwrap().to_string(), "tcp:[2001:db8::1]:22");
        assert_eq!(Check::parse("tcp:10.0.0.1:22").unwrap().to_string(), "tcp:10.0.0.1:22");
        assert!(Check::parse("ping:gw.example").unwrap_err().contains("not an IP address"));
        assert!(Check::parse("tcp:10.0.0.1").unwrap_err().contains("needs a port"));
        assert!(Check::parse("arp").unwrap_err().contains("use gateway, dns"));
    }
}
