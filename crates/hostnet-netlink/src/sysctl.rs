//! Per-interface IP sysctls, read from the link dump (the kernel reports both families' devconf
//! with every link, so observing them costs no file reads), and the namespace-wide ones a
//! config lists, read from their files; both written under /proc/sys/net, which is the only
//! interface the kernel has for most of them. /proc/sys/net shows the network namespace of the
//! thread that opens it, so writes land in the namespace hostnet runs in.

use hostnet_core::model::{Sysctl, SysctlValues};
use rtnetlink::packet_core::{DecodeError, NlaBuffer, NlasIterator, Parseable};
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::packet_route::link::{AfSpecInet, AfSpecInet6, AfSpecUnspec, LinkAttribute, LinkMessage};

/// The managed sysctls of one link, from its IFLA_AF_SPEC.
pub fn sysctls_of(l: &LinkMessage) -> SysctlValues {
    let mut v = SysctlValues::default();
    for a in &l.attributes {
        let LinkAttribute::AfSpecUnspec(specs) = a else { continue };
        for s in specs {
            match s {
                AfSpecUnspec::Inet(v4) => {
                    for c in v4 {
                        if let AfSpecInet::DevConf(c) = c {
                            v.set(Sysctl::Ipv4Forwarding, c.forwarding);
                            v.set(Sysctl::RpFilter, c.rp_filter);
                            v.set(Sysctl::ArpIgnore, c.arp_ignore);
                            v.set(Sysctl::ArpAnnounce, c.arp_announce);
                            v.set(Sysctl::ProxyArp, c.proxy_arp);
                        }
                    }
                }
                AfSpecUnspec::Inet6(v6) => {
                    for c in v6 {
                        match c {
                            AfSpecInet6::DevConf(c) => {
                                v.set(Sysctl::Ipv6Forwarding, c.forwarding);
                                v.set(Sysctl::AcceptRa, c.accept_ra);
                                v.set(Sysctl::Autoconf, c.autoconf);
                                v.set(Sysctl::DisableIpv6, c.disable_ipv6);
                                v.set(Sysctl::AddrGenMode, c.addr_gen_mode);
                                v.set(Sysctl::UseTempaddr, c.use_tempaddr);
                                v.set(Sysctl::AcceptDad, c.accept_dad);
                                v.set(Sysctl::DadTransmits, c.dad_transmits);
                            }
                            AfSpecInet6::AddrGenMode(m) => v.set(Sysctl::AddrGenMode, i32::from(u8::from(m))),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }
    v
}

/// Keeps of IFLA_AF_SPEC only the two devconf blocks (and the IPv6 address generation mode):
/// the statistics beside them are most of a link message's size. The lists are shrunk too: each
/// element is as large as the largest (a statistics block), and the capacity left behind by the
/// dropped ones was 3 KB a link, a quarter of `show`'s heap at 2000 links.
pub fn trim_af_spec(a: &mut LinkAttribute) {
    if let LinkAttribute::AfSpecUnspec(specs) = a {
        specs.retain_mut(|s| match s {
            AfSpecUnspec::Inet(v4) => {
                v4.retain(|c| matches!(c, AfSpecInet::DevConf(_)));
                v4.shrink_to_fit();
                true
            }
            AfSpecUnspec::Inet6(v6) => {
                v6.retain(|c| matches!(c, AfSpecInet6::DevConf(_) | AfSpecInet6::AddrGenMode(_)));
                v6.shrink_to_fit();
                true
            }
            _ => false,
        });
        specs.shrink_to_fit();
    }
}

/// IFLA_AF_SPEC as [`trim_af_spec`] would leave it, parsed from the message's attribute: of
/// each family only the devconf block (and IPv6's address generation mode) is handed to the
/// crate's parser. Parsing the statistics beside them only to drop them was a third of the link
/// dump's parsing at 2000 links.
pub fn parse_af_spec(nla: &NlaBuffer<&[u8]>) -> Result<LinkAttribute, DecodeError> {
    // linux/if_link.h: IFLA_INET_CONF; IFLA_INET6_CONF and IFLA_INET6_ADDR_GEN_MODE.
    const INET_CONF: u16 = 1;
    const INET6_CONF: u16 = 2;
    const INET6_ADDR_GEN_MODE: u16 = 8;
    let inet = u16::from(u8::from(AddressFamily::Inet));
    let inet6 = u16::from(u8::from(AddressFamily::Inet6));
    let mut specs = Vec::with_capacity(2);
    for family in NlasIterator::new(nla.value()) {
        let family = family?;
        let kept = |kinds: &'static [u16]| {
            NlasIterator::new(family.value()).filter(move |c| c.as_ref().map_or(true, |c| kinds.contains(&c.kind())))
        };
        match family.kind() {
            k if k == inet => specs.push(AfSpecUnspec::Inet(
                kept(&[INET_CONF]).map(|c| c.and_then(|c| AfSpecInet::parse(&c))).collect::<Result<_, _>>()?,
            )),
            k if k == inet6 => specs.push(AfSpecUnspec::Inet6(
                kept(&[INET6_CONF, INET6_ADDR_GEN_MODE])
                    .map(|c| c.and_then(|c| AfSpecInet6::parse(&c)))
                    .collect::<Result<_, _>>()?,
            )),
            _ => {}
        }
    }
    Ok(LinkAttribute::AfSpecUnspec(specs))
}

/// The network namespace a connection was opened in. A thread may drive connections in other
/// namespaces (the lab configures every switch from one thread), and /proc/sys/net shows the
/// namespace of the thread that opens a file there; so a write enters the connection's
/// namespace first when the thread is elsewhere.
#[derive(Debug)]
pub(crate) struct Home(Option<std::fs::File>);

const OWN_NS: &str = "/proc/thread-self/ns/net";

impl Home {
    pub(crate) fn here() -> Home {
        Home(std::fs::File::open(OWN_NS).ok())
    }

    fn is_current(&self) -> bool {
        use std::os::unix::fs::MetadataExt;
        let (Some(f), Ok(now)) = (&self.0, std::fs::metadata(OWN_NS)) else { return true };
        f.metadata().is_ok_and(|m| (m.dev(), m.ino()) == (now.dev(), now.ino()))
    }

    /// Opens a /proc/sys/net file of this namespace, to write it or to read it.
    fn open(&self, path: &str, write: bool) -> std::io::Result<std::fs::File> {
        let open = || std::fs::OpenOptions::new().read(!write).write(write).open(path);
        match &self.0 {
            Some(ns) if !self.is_current() => within(ns, open),
            _ => open(),
        }
    }
}

/// Writes one sysctl of link `ifname` in the namespace of `home`.
pub(crate) fn write(home: &Home, ifname: &str, key: Sysctl, value: i32) -> Result<(), crate::OpError> {
    let path = format!("/proc/sys/net/{}/conf/{ifname}/{}", key.family(), key.leaf());
    let fail = |e: std::io::Error| {
        crate::OpError::new(e.raw_os_error().unwrap_or(0), format!("writing {value} to {path}: {e}"))
    };
    use std::io::Write;
    home.open(&path, true).and_then(|mut f| f.write_all(value.to_string().as_bytes())).map_err(fail)
}

/// /proc/sys's file for a dotted sysctl name. Validation keeps names to words, so no `..`.
fn net_path(key: &str) -> String {
    format!("/proc/sys/{}", key.replace('.', "/"))
}

/// Writes a namespace-wide sysctl (`net.ipv4.ip_forward`) in the namespace of `home`.
pub(crate) fn write_net(home: &Home, key: &str, value: &str) -> Result<(), crate::OpError> {
    let path = net_path(key);
    let fail = |e: std::io::Error| {
        let why = match e.raw_os_error() {
            Some(libc::ENOENT) => format!("this kernel has no {key} (no {path})"),
            _ => format!("writing {value} to {path}: {e}"),
        };
        crate::OpError::new(e.raw_os_error().unwrap_or(0), why)
    };
    use std::io::Write;
    home.open(&path, true).and_then(|mut f| f.write_all(value.as_bytes())).map_err(fail)
}

/// The listed namespace-wide sysctls as /proc/sys prints them in the namespace of `home`; one it
/// cannot read (the kernel has no such key) is left out.
pub(crate) fn read_net<'a>(
    home: &Home,
    keys: impl IntoIterator<Item = &'a String>,
) -> std::collections::BTreeMap<String, String> {
    use std::io::Read;
    let read = |k: &String| {
        let mut text = String::new();
        home.open(&net_path(k), false).and_then(|mut f| f.read_to_string(&mut text)).ok()?;
        Some((k.clone(), text.trim_end().to_string()))
    };
    keys.into_iter().filter_map(read).collect()
}

/// Runs `f` with the calling thread in namespace `ns`, then back where it was.
fn within(ns: &std::fs::File, f: impl FnOnce() -> std::io::Result<std::fs::File>) -> std::io::Result<std::fs::File> {
    use std::os::fd::AsRawFd;
    let back = std::fs::File::open(OWN_NS)?;
    // SAFETY: setns on namespace fds we hold open.
    if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let out = f();
    // SAFETY: as above; failing to return would leave the thread in the wrong namespace.
    if unsafe { libc::setns(back.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        panic!("cannot return to the thread's network namespace: {}", std::io::Error::last_os_error());
    }
    out
}

/// The values a new link starts with in the current namespace (`conf/default`); unreadable
/// ones (IPv6 disabled at boot) stay unknown.
pub fn defaults() -> SysctlValues {
    let mut v = SysctlValues::default();
    for k in Sysctl::ALL {
        let path = format!("/proc/sys/net/{}/conf/default/{}", k.family(), k.leaf());
        if let Some(n) = std::fs::read_to_string(path).ok().and_then(|s| s.trim().parse().ok()) {
            v.set(k, n);
        }
    }
    v
}
