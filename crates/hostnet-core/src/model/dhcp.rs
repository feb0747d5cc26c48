//! Addresses from the network: the DHCPv4 and DHCPv6 client settings of one interface.
//!
//! ```yaml
//! dhcp4: true
//! dhcp4: { route_metric: 100, use_dns: false, client_id: duid, hostname: db1, timeout: 30 }
//! dhcp6: true
//! dhcp6: { mode: information-only, use_dns: true }
//! ```
//! The lease itself is kept by `hostnet daemon` (a lease must be renewed while the host runs);
//! the one-shot `apply` only leaves a leased address alone.

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Route metric of lease routes when none is set: networkd's, so that a static default route
/// (metric 0) wins over a DHCP one on the same host.
pub const DEFAULT_ROUTE_METRIC: u32 = 1024;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dhcp4 {
    /// Metric of the default and classless routes from the lease (default 1024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_metric: Option<u32>,
    /// Add the lease's name servers and search domain to resolv.conf (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_dns: Option<bool>,
    /// Install the lease's router and classless static routes (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_routes: Option<bool>,
    /// Report the lease's NTP servers in status for a time daemon to use (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_ntp: Option<bool>,
    /// Set the host name from the lease (default false: a server's name is not the network's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_hostname: Option<bool>,
    /// How the server recognises this client (default `mac`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<ClientId>,
    /// The host name sent to the server (option 12), for its DNS registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Seconds to wait for a first lease before the interface is reported failed; the client
    /// keeps trying after that. Unset: 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientId {
    /// Hardware type 1 and the interface's MAC (RFC 2132 9.14).
    Mac,
    /// RFC 4361: an IAID and a DUID derived from /etc/machine-id, stable across NIC swaps.
    Duid,
}

impl Dhcp4 {
    pub fn route_metric(&self) -> u32 {
        self.route_metric.unwrap_or(DEFAULT_ROUTE_METRIC)
    }
    pub fn use_dns(&self) -> bool {
        self.use_dns.unwrap_or(true)
    }
    pub fn use_routes(&self) -> bool {
        self.use_routes.unwrap_or(true)
    }
    pub fn use_ntp(&self) -> bool {
        self.use_ntp.unwrap_or(true)
    }
    pub fn use_hostname(&self) -> bool {
        self.use_hostname.unwrap_or(false)
    }
    pub fn client_id(&self) -> ClientId {
        self.client_id.unwrap_or(ClientId::Mac)
    }
    pub fn timeout(&self) -> u32 {
        self.timeout.unwrap_or(30)
    }
}

/// DHCPv6 client settings. The default route of an IPv6 host comes from router
/// advertisements, not from DHCPv6 (RFC 8415 has no route option), so `accept_ra` stays on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dhcp6 {
    /// `stateful` (default): an address (IA_NA) and options; `information-only`: options
    /// only (RFC 8415 18.2.6), for a host that takes its address from SLAAC or config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Dhcp6Mode>,
    /// Add the server's name servers and search domains to resolv.conf (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_dns: Option<bool>,
    /// Report the server's NTP servers in status (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_ntp: Option<bool>,
    /// Seconds to wait for a first reply before the interface is reported failed; the client
    /// keeps trying after that. Unset: 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dhcp6Mode {
    #[default]
    Stateful,
    InformationOnly,
}

impl Dhcp6 {
    pub fn mode(&self) -> Dhcp6Mode {
        self.mode.unwrap_or_default()
    }
    pub fn use_dns(&self) -> bool {
        self.use_dns.unwrap_or(true)
    }
    pub fn use_ntp(&self) -> bool {
        self.use_ntp.unwrap_or(true)
    }
    pub fn timeout(&self) -> u32 {
        self.timeout.unwrap_or(30)
    }
}

/// The YAML value of `dhcp4:` and `dhcp6:`: `true`, `false`, or a map of options (which
/// means on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnOrOptions<T>(pub Option<T>);

impl<T: Serialize + Default + PartialEq> Serialize for OnOrOptions<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            None => s.serialize_bool(false),
            Some(d) if *d == T::default() => s.serialize_bool(true),
            Some(d) => d.serialize(s),
        }
    }
}

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for OnOrOptions<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for V<T> {
            type Value = OnOrOptions<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, false, or a map of DHCP options")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<OnOrOptions<T>, E> {
                Ok(OnOrOptions(b.then(T::default)))
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<OnOrOptions<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(m)).map(|d| OnOrOptions(Some(d)))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Serialize)]
    struct W {
        #[serde(default = "off")]
        dhcp4: OnOrOptions<Dhcp4>,
        #[serde(default = "off")]
        dhcp6: OnOrOptions<Dhcp6>,
    }

    fn off<T>() -> OnOrOptions<T> {
        OnOrOptions(None)
    }

    #[test]
    fn true_false_and_a_map_all_read() {
        let on: W = serde_saphyr::from_str("dhcp4: true").unwrap();
        assert_eq!(on.dhcp4.0, Some(Dhcp4::default()));
        let off: W = serde_saphyr::from_str("dhcp4: false").unwrap();
        assert_eq!(off.dhcp4.0, None);
        let m: W = serde_saphyr::from_str("dhcp4: { route_metric: 50, client_id: duid }").unwrap();
        let d = m.dhcp4.0.unwrap();
        assert_eq!((d.route_metric(), d.client_id(), d.use_dns()), (50, ClientId::Duid, true));
        assert_eq!(serde_saphyr::to_string(&on).unwrap().trim(), "dhcp4: true\ndhcp6: false");
        let six: W = serde_saphyr::from_str("dhcp6: { mode: information-only }").unwrap();
        assert_eq!(six.dhcp6.0.unwrap().mode(), Dhcp6Mode::InformationOnly);
    }

    #[test]
    fn an_unknown_option_is_named() {
        let e = serde_saphyr::from_str::<W>("dhcp4: { use_dsn: false }").err().unwrap().to_string();
        assert!(e.contains("use_dsn"), "{e}");
    }
}
