//! DNS through systemd-resolved, where it owns /etc/resolv.conf (a symlink into
//! /run/systemd/resolve): the servers and search domains go to resolved per link over its
//! D-Bus API (SetLinkDNS, SetLinkDomains, RevertLink), as networkd gives them, and are read back
//! from its Link objects. The symlink itself is never touched.

use std::net::IpAddr;
use std::path::Path;

use hostnet_core::model::Dns;

#[zbus::proxy(
    interface = "org.freedesktop.resolve1.Manager",
    default_service = "org.freedesktop.resolve1",
    default_path = "/org/freedesktop/resolve1"
)]
trait Manager {
    #[zbus(name = "SetLinkDNS")]
    fn set_link_dns(&self, ifindex: i32, addresses: &[(i32, Vec<u8>)]) -> zbus::Result<()>;
    #[zbus(name = "SetLinkDomains")]
    fn set_link_domains(&self, ifindex: i32, domains: &[(&str, bool)]) -> zbus::Result<()>;
    #[zbus(name = "RevertLink")]
    fn revert_link(&self, ifindex: i32) -> zbus::Result<()>;
    #[zbus(name = "GetLink")]
    fn get_link(&self, ifindex: i32) -> zbus::Result<zbus::OwnedObjectPath>;
}

#[zbus::proxy(interface = "org.freedesktop.resolve1.Link", default_service = "org.freedesktop.resolve1")]
trait Link {
    #[zbus(property, name = "DNS")]
    fn dns(&self) -> zbus::Result<Vec<(i32, Vec<u8>)>>;
    #[zbus(property, name = "Domains")]
    fn domains(&self) -> zbus::Result<Vec<(String, bool)>>;
}

const AF_INET: i32 = 2;
const AF_INET6: i32 = 10;

/// Whether resolv.conf is systemd-resolved's: a symlink to one of the files it writes.
pub fn owns(resolv_conf: &Path) -> bool {
    std::fs::read_link(resolv_conf).is_ok_and(|t| t.to_string_lossy().contains("systemd/resolve/"))
}

fn error(e: zbus::Error) -> String {
    format!("systemd-resolved over D-Bus: {e}")
}

async fn manager() -> Result<ManagerProxy<'static>, String> {
    let bus = zbus::Connection::system().await.map_err(error)?;
    ManagerProxy::new(&bus).await.map_err(error)
}

/// The DNS resolved has for link `ifindex`, as hostnet's config writes it.
pub async fn read(ifindex: u32) -> Result<Dns, String> {
    let m = manager().await?;
    let path = m.get_link(ifindex as i32).await.map_err(error)?;
    let link = LinkProxy::builder(m.inner().connection()).path(path).build().await.map_err(error)?;
    let nameservers = link
        .dns()
        .await
        .map_err(error)?
        .into_iter()
        .filter_map(|(family, bytes)| match (family, bytes.len()) {
            (AF_INET, 4) => Some(IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?)),
            (AF_INET6, 16) => Some(IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?)),
            _ => None,
        })
        .collect();
    let search =
        link.domains().await.map_err(error)?.into_iter().filter(|(_, routing)| !routing).map(|(d, _)| d).collect();
    Ok(Dns { nameservers, search })
}

/// Gives link `ifindex` these servers and search domains; an empty `dns` hands the link back
/// to resolved's defaults (RevertLink), which is what it had before hostnet set any.
pub async fn set(ifindex: u32, dns: &Dns) -> Result<(), String> {
    let m = manager().await?;
    let index = ifindex as i32;
    if dns.nameservers.is_empty() && dns.search.is_empty() {
        return m.revert_link(index).await.map_err(error);
    }
    let servers: Vec<(i32, Vec<u8>)> = dns
        .nameservers
        .iter()
        .map(|a| match a {
            IpAddr::V4(v4) => (AF_INET, v4.octets().to_vec()),
            IpAddr::V6(v6) => (AF_INET6, v6.octets().to_vec()),
        })
        .collect();
    m.set_link_dns(index, &servers).await.map_err(error)?;
    let domains: Vec<(&str, bool)> = dns.search.iter().map(|d| (d.as_str(), false)).collect();
    m.set_link_domains(index, &domains).await.map_err(error)
}
