//! Namespace-wide network sysctls (`sysctls: {net.ipv4.ip_forward: 1}`): what a key may be,
//! how a value is compared with what /proc/sys prints, and which keys the kernel fans out to
//! every link's own setting when written (one table, read by validation, planning and the
//! in-memory host).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ip::Sysctl;

/// A sysctl's value as written in the file: a number, or text for the few that take words or
/// several numbers (`net.ipv4.tcp_congestion_control: bbr`, `net.ipv4.ip_local_port_range:
/// "32768 60999"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SysctlText(pub String);

impl SysctlText {
    /// Whether the kernel's text (`32768\t60999\n`) says the same: equal word by word.
    pub fn same_as(&self, kernel: &str) -> bool {
        self.0.split_whitespace().eq(kernel.split_whitespace())
    }

    /// The value as a number, for the keys that fan out.
    pub fn number(&self) -> Option<i32> {
        self.0.trim().parse().ok()
    }
}

impl fmt::Display for SysctlText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for SysctlText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.parse::<i64>() {
            Ok(n) => s.serialize_i64(n),
            Err(_) => s.serialize_str(&self.0),
        }
    }
}

impl<'de> Deserialize<'de> for SysctlText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = SysctlText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, or text such as \"32768 60999\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<SysctlText, E> {
                Ok(SysctlText(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<SysctlText, E> {
                Ok(SysctlText(v.to_string()))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SysctlText, E> {
                Ok(SysctlText(v.to_string()))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<SysctlText, E> {
                Err(E::custom(format!("sysctls take numbers: write {} for {v}", u8::from(v))))
            }
        }
        d.deserialize_any(V)
    }
}

/// The per-link setting a namespace-wide key also writes on every link (and `conf/default`):
/// devinet's inet_forward_change for IPv4 forwarding, addrconf_forward_change for IPv6's.
pub fn fans_out(key: &str) -> Option<Sysctl> {
    match key {
        "net.ipv4.ip_forward" | "net.ipv4.conf.all.forwarding" => Some(Sysctl::Ipv4Forwarding),
        "net.ipv6.conf.all.forwarding" => Some(Sysctl::Ipv6Forwarding),
        _ => None,
    }
}

/// The per-link setting, and its value, that writing `value` to `key` also gives every link;
/// `None` for a key that does not fan out.
pub fn fan_out(key: &str, value: &str) -> Option<(Sysctl, i32)> {
    Some((fans_out(key)?, value.trim().parse().ok()?))
}

/// Why `key` cannot be a namespace-wide sysctl in the file, if it cannot.
pub fn refuse_key(key: &str) -> Option<String> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.first() != Some(&"net") || parts.len() < 3 {
        return Some(format!(
            "`{key}` is not a network sysctl: hostnet manages keys under `net.` (net.ipv4.ip_forward, net.core.somaxconn...); others belong in /etc/sysctl.d"
        ));
    }
    if parts.iter().any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')) {
        return Some(format!("`{key}` is not a sysctl name: dot-separated words of letters, digits, `_` and `-`"));
    }
    if let [_, "ipv4" | "ipv6", "conf" | "neigh", link, ..] = parts.as_slice()
        && !matches!(*link, "all" | "default")
    {
        return Some(format!(
            "`{key}` is `{link}`'s own: declare it under that interface (`ipv4:`/`ipv6:`), where it is planned with the link"
        ));
    }
    if parts.last() == Some(&"disable_ipv6") {
        return Some(
            "turning IPv6 off everywhere drops every link's IPv6 addresses and routes; set `ipv6: {disable_ipv6: true}` on the interfaces that should have none"
                .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_network_and_namespace_wide_and_values_compare_by_word() {
        assert!(refuse_key("net.ipv4.ip_forward").is_none());
        assert!(refuse_key("net.ipv4.conf.all.rp_filter").is_none());
        assert!(refuse_key("net.core.somaxconn").is_none());
        assert!(refuse_key("kernel.panic").unwrap().contains("not a network sysctl"));
        assert!(refuse_key("net.ipv4.conf.eth0.rp_filter").unwrap().contains("`eth0`'s own"));
        assert!(refuse_key("net.ipv6.conf.all.disable_ipv6").is_some());
        assert!(refuse_key("net..x").unwrap().contains("not a sysctl name"));
        assert!(refuse_key("net.ipv4/../x").is_some());
        assert!(SysctlText("32768 60999".into()).same_as("32768\t60999\n"));
        assert!(!SysctlText("1".into()).same_as("0\n"));
        assert_eq!(fans_out("net.ipv4.ip_forward"), Some(Sysctl::Ipv4Forwarding));
    }
}
