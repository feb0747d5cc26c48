//! `ip route add` arguments read into a [`Route`], for importing the `up ip route add ...` lines
//! in which ifupdown configurations carry their static routes.

use std::net::IpAddr;

use super::net::{Route, RouteDst, RouteProtocol, RouteScope, RouteType};

impl Route {
    /// Reads the words after `ip [-4|-6] route add`, e.g. `198.51.100.0/24 via 10.0.0.1 metric 50`,
    /// and the device they name (`dev X`), which the caller checks against the stanza's.
    /// What hostnet routes cannot express (nexthop groups, encap, realms, ...) is an error.
    pub fn from_ip_words(words: &[&str]) -> Result<(Route, Option<String>), String> {
        let mut r = Route::to(RouteDst::Default);
        let mut dst = None;
        let mut dev = None;
        let mut it = words.iter().copied().peekable();
        if let Some(&t) = it.peek() {
            let kind = match t {
                "unicast" => Some(RouteType::Unicast),
                "local" => Some(RouteType::Local),
                "blackhole" => Some(RouteType::Blackhole),
                "unreachable" => Some(RouteType::Unreachable),
                "prohibit" => Some(RouteType::Prohibit),
                _ => None,
            };
            if let Some(k) = kind {
                r.kind = k;
                it.next();
            }
        }
        // `nexthop via A dev X weight N`, as many as there are paths, after everything else.
        let mut hops: Vec<HopWords> = Vec::new();
        while let Some(w) = it.next() {
            let mut arg = || it.next().ok_or_else(|| format!("`{w}` needs a value"));
            let number = |v: &str| v.parse::<u32>().map_err(|_| format!("`{w} {v}` is not a number"));
            if w == "nexthop" {
                hops.push(HopWords::default());
                continue;
            }
            if let Some(hop) = hops.last_mut() {
                match w {
                    "via" => {
                        let v = arg()?;
                        hop.via = Some(v.parse().map_err(|_| format!("gateway `{v}` is not an IP address"))?);
                    }
                    "dev" => hop.dev = Some(arg()?.to_string()),
                    "weight" => {
                        let v = arg()?;
                        hop.weight = Some(v.parse().map_err(|_| format!("`weight {v}` is not a number"))?);
                    }
                    "onlink" => hop.onlink = true,
                    other => return Err(format!("`{other}` in a `nexthop` is not something hostnet routes express")),
                }
                continue;
            }
            match w {
                "-4" | "-6" => {}
                "to" => dst = Some(read_dst(arg()?)?),
                "via" => {
                    let v = arg()?;
                    r.via = Some(v.parse().map_err(|_| format!("gateway `{v}` is not an IP address"))?);
                }
                "dev" | "oif" => dev = Some(arg()?.to_string()),
                "metric" | "preference" | "priority" => r.metric = Some(number(arg()?)?),
                "table" => r.table = Some(super::rule_words::table_id(arg()?)?),
                "src" => {
                    let s = arg()?;
                    r.src = Some(s.parse().map_err(|_| format!("source `{s}` is not an IP address"))?);
                }
                "onlink" => r.onlink = true,
                "scope" => {
                    r.scope = Some(match arg()? {
                        "global" | "universe" => RouteScope::Global,
                        "link" => RouteScope::Link,
                        "host" => RouteScope::Host,
                        s => return Err(format!("scope `{s}` is not one hostnet writes (global, link, host)")),
                    })
                }
                "mtu" => r.mtu = Some(number(arg()?)?),
                "initcwnd" => r.initcwnd = Some(number(arg()?)?),
                "initrwnd" => r.initrwnd = Some(number(arg()?)?),
                "advmss" => r.advmss = Some(number(arg()?)?),
                "congctl" => r.congctl = Some(arg()?.to_string()),
                "quickack" => r.quickack = Some(number(arg()?)? != 0),
                "fastopen_no_cookie" => r.fastopen_no_cookie = Some(number(arg()?)? != 0),
                "proto" | "protocol" => {
                    r.protocol = Some(match arg()? {
                        "boot" => RouteProtocol::Boot,
                        "static" => RouteProtocol::Static,
                        p => {
                            return Err(format!(
                                "protocol `{p}` belongs to another program; hostnet writes boot or static"
                            ));
                        }
                    })
                }
                other if dst.is_none() && !other.is_empty() => dst = Some(read_dst(other)?),
                other => return Err(format!("`{other}` is not something hostnet routes express")),
            }
        }
        r.dst = dst.ok_or("no destination")?;
        for HopWords { via, dev, weight, onlink } in hops {
            let (Some(via), Some(dev)) = (via, dev) else {
                return Err("each `nexthop` needs `via` and `dev` in hostnet".into());
            };
            r.nexthops.push(super::net::NextHop { via, dev, weight, onlink });
        }
        Ok((r, dev))
    }
}

/// One `nexthop` group as read so far.
#[derive(Default)]
struct HopWords {
    via: Option<IpAddr>,
    dev: Option<String>,
    weight: Option<u16>,
    onlink: bool,
}

/// As `ip route` reads a destination: `default`, a prefix, or a bare address (a host route).
fn read_dst(s: &str) -> Result<RouteDst, String> {
    if s.contains('/') || s == "default" {
        return s.parse();
    }
    let ip: IpAddr = s.parse().map_err(|_| format!("destination `{s}` is not an address or prefix"))?;
    let len = if ip.is_ipv4() { 32 } else { 128 };
    format!("{ip}/{len}").parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Result<(Route, Option<String>), String> {
        Route::from_ip_words(&s.split(' ').collect::<Vec<_>>())
    }

    #[test]
    fn ip_route_words_read_as_ip_route_means_them() {
        let (r, dev) = read("198.51.100.0/24 via 10.0.0.1 dev bond0 metric 50").unwrap();
        assert_eq!(r.dst.to_string(), "198.51.100.0/24");
        assert_eq!(r.via, Some("10.0.0.1".parse().unwrap()));
        assert_eq!((r.metric, dev.as_deref()), (Some(50), Some("bond0")));
        let (r, dev) = read("to 192.0.2.7 table 100 proto static onlink").unwrap();
        assert_eq!((r.dst.to_string().as_str(), r.table, r.onlink, dev), ("192.0.2.7/32", Some(100), true, None));
        assert_eq!(read("blackhole 203.0.113.0/24").unwrap().0.kind, RouteType::Blackhole);
        assert_eq!(read("default via 10.0.0.1").unwrap().0.dst, RouteDst::Default);
        assert!(read("198.51.100.0/24 nexthop via 10.0.0.1").unwrap_err().contains("needs `via` and `dev`"));
        let (r, dev) = read("default nexthop via 10.0.0.1 dev e0 weight 2 nexthop via 10.1.0.1 dev e1 onlink").unwrap();
        assert_eq!((r.nexthops.len(), r.nexthops[0].weight, r.nexthops[1].onlink, dev), (2, Some(2), true, None));
        assert_eq!(r.nexthops[1].dev, "e1");
        assert!(read("198.51.100.1/24 via 10.0.0.1").unwrap_err().contains("host bits"));
        assert!(read("via 10.0.0.1").is_err());
    }
}
