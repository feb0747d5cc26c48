//! The online contract: the state each interface must reach before the host counts as online
//! (the daemon's READY=1, so systemd's network-online.target, and `hostnet wait-online`),
//! judged over facts the daemon observed. Pure: it knows no kernel types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How far an interface has come. Each state is judged on its own: a bridge port can be
/// `configured` without carrier, and a bond is `carrier` as long as one port is (degraded
/// counts as up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnlineState {
    /// The link is up with carrier (for a bond: at least one port has it).
    Carrier,
    /// The link exists and matches the config: nothing is left for hostnet to do on it.
    Configured,
    /// Carrier, and an address usable now (not tentative; IPv6 link-local counts).
    Address,
    /// Carrier, and a global address usable now: systemd-networkd's `routable`.
    Routable,
    /// A DHCPv4 or DHCPv6 lease is held.
    Lease,
}

impl OnlineState {
    pub const ALL: [OnlineState; 5] = [
        OnlineState::Carrier,
        OnlineState::Configured,
        OnlineState::Address,
        OnlineState::Routable,
        OnlineState::Lease,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OnlineState::Carrier => "carrier",
            OnlineState::Configured => "configured",
            OnlineState::Address => "address",
            OnlineState::Routable => "routable",
            OnlineState::Lease => "lease",
        }
    }

    pub fn parse(s: &str) -> Option<OnlineState> {
        OnlineState::ALL.into_iter().find(|o| o.name() == s)
    }
}

/// Whether every listed interface must reach its state, or one is enough (a host with two
/// uplinks where either will do).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Require {
    #[default]
    All,
    Any,
}

/// The `online:` section. Without it the daemon is ready once the file is applied, as before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Online {
    #[serde(default, skip_serializing_if = "is_all")]
    pub require: Require,
    /// Seconds to wait before counting the host online anyway (and saying what is missing);
    /// written as `90`, `90s` or `2m`.
    #[serde(default = "default_timeout", deserialize_with = "seconds")]
    pub timeout: u32,
    /// Interface and the state it must reach. Empty: every declared interface, `configured`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub interfaces: BTreeMap<String, OnlineState>,
    /// Interfaces that never block, though they are reported while they have not arrived
    /// (a NIC that may be unplugged at boot).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub optional: Vec<String>,
}

fn is_all(r: &Require) -> bool {
    *r == Require::All
}

/// As systemd-networkd-wait-online's default.
pub const DEFAULT_TIMEOUT: u32 = 120;

fn default_timeout() -> u32 {
    DEFAULT_TIMEOUT
}

/// A number of seconds, or a duration as `crate::duration` reads it.
fn seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Secs(u32),
        Text(String),
    }
    match Written::deserialize(d)? {
        Written::Secs(s) => Ok(s),
        Written::Text(t) => crate::duration::parse(&t)
            .map(|d| d.as_secs().min(u64::from(u32::MAX)) as u32)
            .map_err(serde::de::Error::custom),
    }
}

/// What was observed of one interface.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub present: bool,
    pub carrier: bool,
    pub configured: bool,
    pub address: bool,
    pub global_address: bool,
    pub lease: bool,
}

impl Facts {
    /// `Ok` when `state` is reached, else what is missing, in words.
    pub fn reached(&self, state: OnlineState) -> Result<(), &'static str> {
        if !self.present {
            return Err("not on the host");
        }
        let need = |ok: bool, why: &'static str| if ok { Ok(()) } else { Err(why) };
        match state {
            OnlineState::Carrier => need(self.carrier, "no carrier"),
            OnlineState::Configured => need(self.configured, "not configured yet"),
            OnlineState::Address => need(self.carrier, "no carrier").and(need(self.address, "no usable address")),
            OnlineState::Routable => {
                need(self.carrier, "no carrier").and(need(self.global_address, "no usable global address"))
            }
            OnlineState::Lease => need(self.lease, "no DHCP lease"),
        }
    }
}

/// One line of the contract, resolved against the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Want {
    pub name: String,
    pub state: OnlineState,
    pub optional: bool,
}

/// The contract to judge: the section's list, or every declared interface at `configured`.
pub fn wants(online: &Online, declared: &[String]) -> Vec<Want> {
    let optional = |n: &str| online.optional.iter().any(|o| o == n);
    if online.interfaces.is_empty() {
        declared
            .iter()
            .map(|n| Want { name: n.clone(), state: OnlineState::Configured, optional: optional(n) })
            .collect()
    } else {
        online
            .interfaces
            .iter()
            .map(|(n, s)| Want { name: n.clone(), state: *s, optional: optional(n) })
            .chain(online.optional.iter().filter(|n| !online.interfaces.contains_key(*n)).map(|n| Want {
                name: n.clone(),
                state: OnlineState::Configured,
                optional: true,
            }))
            .collect()
    }
}

/// The judgement: whether the host is online, and what is still missing (optional interfaces
/// included, marked so).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub online: bool,
    pub missing: Vec<String>,
}

impl Verdict {
    /// For systemd's STATUS= and `wait-online`'s last words.
    pub fn summary(&self) -> String {
        if self.missing.is_empty() {
            "online".into()
        } else if self.online {
            format!("online (still missing: {})", self.missing.join("; "))
        } else {
            format!("waiting for {}", self.missing.join("; "))
        }
    }
}

pub fn judge(wants: &[Want], require: Require, facts: &BTreeMap<String, Facts>) -> Verdict {
    let mut missing = Vec::new();
    let (mut required, mut reached) = (0, 0);
    for w in wants {
        let got = facts.get(&w.name).copied().unwrap_or_default().reached(w.state);
        if !w.optional {
            required += 1;
        }
        match got {
            Ok(()) if !w.optional => reached += 1,
            Ok(()) => {}
            Err(why) => missing.push(format!(
                "{} {}{}: {why}",
                w.name,
                w.state.name(),
                if w.optional { " (optional)" } else { "" }
            )),
        }
    }
    let online = match require {
        Require::All => reached == required,
        Require::Any => required == 0 || reached > 0,
    };
    Verdict { online, missing }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(list: &[(&str, Facts)]) -> BTreeMap<String, Facts> {
        list.iter().map(|(n, f)| (n.to_string(), *f)).collect()
    }

    const UP: Facts =
        Facts { present: true, carrier: true, configured: true, address: true, global_address: true, lease: false };

    #[test]
    fn every_listed_interface_must_reach_its_state_unless_optional() {
        let online = Online {
            require: Require::All,
            timeout: 30,
            interfaces: [("bond0".to_string(), OnlineState::Routable)].into(),
            optional: vec!["eth9".into()],
        };
        let w = wants(&online, &["bond0".into(), "eth9".into()]);
        let v = judge(&w, Require::All, &facts(&[("bond0", UP)]));
        assert!(v.online, "{v:?}");
        assert_eq!(v.missing, ["eth9 configured (optional): not on the host"]);
        let no_addr = Facts { global_address: false, ..UP };
        let v = judge(&w, Require::All, &facts(&[("bond0", no_addr)]));
        assert!(!v.online);
        assert_eq!(
            v.summary(),
            "waiting for bond0 routable: no usable global address; eth9 configured (optional): not on the host"
        );
    }

    #[test]
    fn any_is_met_by_one_and_the_default_is_every_declared_interface_configured() {
        let online = Online { require: Require::Any, timeout: 30, interfaces: BTreeMap::new(), optional: vec![] };
        let w = wants(&online, &["a".into(), "b".into()]);
        assert!(w.iter().all(|w| w.state == OnlineState::Configured));
        assert!(judge(&w, Require::Any, &facts(&[("b", UP)])).online);
        assert!(!judge(&w, Require::All, &facts(&[("b", UP)])).online);
        assert!(judge(&[], Require::Any, &BTreeMap::new()).online);
    }

    #[test]
    fn a_lease_and_configured_need_no_carrier_but_an_address_does() {
        let f =
            Facts { present: true, carrier: false, configured: true, address: true, global_address: true, lease: true };
        assert!(f.reached(OnlineState::Configured).is_ok() && f.reached(OnlineState::Lease).is_ok());
        assert_eq!(f.reached(OnlineState::Address), Err("no carrier"));
    }
}
