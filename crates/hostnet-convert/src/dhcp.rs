//! `dhcp4` and `dhcp6` in the other formats: netplan's `dhcp4`/`dhcp6` with their overrides
//! and `dhcp-identifier`, networkd's `DHCP=` with its `[DHCPv4]` and `[DHCPv6]` sections, and
//! ifupdown's `inet dhcp`, `inet6 dhcp` and `inet6 auto` with `dhcp 1` (whose options are few:
//! what they cannot say is listed).

use hostnet_core::model::{ClientId, Dhcp4, Dhcp6, Dhcp6Mode, Interface};
use serde_json::{Map, Value, json};

use crate::Lost;

/// Takes in a netplan key that belongs to DHCP; false when `k` is not one.
pub(crate) fn netplan_import(k: &str, v: &Value, i: &mut Interface, here: &str, lost: &mut Vec<Lost>) -> bool {
    match k {
        "dhcp4" => match v.as_bool() {
            Some(true) => {
                i.dhcp4.get_or_insert_with(Dhcp4::default);
            }
            Some(false) => i.dhcp4 = None,
            None => lost.push(Lost { at: here.into(), what: format!("dhcp4: {v}"), why: "not a boolean".into() }),
        },
        "dhcp4-overrides" => {
            let d = i.dhcp4.get_or_insert_with(Dhcp4::default);
            for (ok, ov) in v.as_object().into_iter().flatten() {
                let b = ov.as_bool();
                match ok.as_str() {
                    "use-dns" => d.use_dns = b,
                    "use-routes" => d.use_routes = b,
                    "use-ntp" => d.use_ntp = b,
                    "use-hostname" => d.use_hostname = b,
                    "route-metric" => d.route_metric = ov.as_u64().map(|m| m as u32),
                    "hostname" => d.hostname = ov.as_str().map(String::from),
                    "send-hostname" if b == Some(true) => {}
                    _ => lost.push(Lost {
                        at: here.into(),
                        what: format!("dhcp4-overrides.{ok}: {ov}"),
                        why: "not a DHCPv4 option hostnet has".into(),
                    }),
                }
            }
        }
        "dhcp-identifier" => {
            let d = i.dhcp4.get_or_insert_with(Dhcp4::default);
            match v.as_str() {
                Some("mac") => d.client_id = Some(ClientId::Mac),
                Some("duid") => d.client_id = Some(ClientId::Duid),
                _ => lost.push(Lost {
                    at: here.into(),
                    what: format!("dhcp-identifier: {v}"),
                    why: "expected mac or duid".into(),
                }),
            }
        }
        // netplan leaves stateful or information-only to the RA's M and O flags; a host that
        // asks for DHCPv6 by name wants an address from it.
        "dhcp6" => match v.as_bool() {
            Some(true) => {
                i.dhcp6.get_or_insert_with(Dhcp6::default);
            }
            Some(false) => i.dhcp6 = None,
            None => lost.push(Lost { at: here.into(), what: format!("dhcp6: {v}"), why: "not a boolean".into() }),
        },
        "dhcp6-overrides" => {
            let d = i.dhcp6.get_or_insert_with(Dhcp6::default);
            for (ok, ov) in v.as_object().into_iter().flatten() {
                match ok.as_str() {
                    "use-dns" => d.use_dns = ov.as_bool(),
                    "use-ntp" => d.use_ntp = ov.as_bool(),
                    _ => lost.push(Lost {
                        at: here.into(),
                        what: format!("dhcp6-overrides.{ok}: {ov}"),
                        why: "not a DHCPv6 option hostnet has".into(),
                    }),
                }
            }
        }
        _ => return false,
    }
    true
}

pub(crate) fn netplan_export(i: &Interface, body: &mut Map<String, Value>, lost: &mut Vec<Lost>) {
    netplan_export6(i, body, lost);
    let Some(d) = &i.dhcp4 else { return };
    body.insert("dhcp4".into(), json!(true));
    let mut o = Map::new();
    let mut put = |k: &str, v: Value| {
        o.insert(k.into(), v);
    };
    if let Some(b) = d.use_dns {
        put("use-dns", json!(b));
    }
    if let Some(b) = d.use_routes {
        put("use-routes", json!(b));
    }
    if let Some(b) = d.use_ntp {
        put("use-ntp", json!(b));
    }
    if let Some(b) = d.use_hostname {
        put("use-hostname", json!(b));
    }
    if let Some(m) = d.route_metric {
        put("route-metric", json!(m));
    }
    if let Some(h) = &d.hostname {
        put("hostname", json!(h));
    }
    if !o.is_empty() {
        body.insert("dhcp4-overrides".into(), Value::Object(o));
    }
    if let Some(c) = d.client_id {
        body.insert("dhcp-identifier".into(), json!(client_id_word(c)));
    }
}

fn netplan_export6(i: &Interface, body: &mut Map<String, Value>, lost: &mut Vec<Lost>) {
    let Some(d) = &i.dhcp6 else { return };
    body.insert("dhcp6".into(), json!(true));
    let mut o = Map::new();
    if let Some(b) = d.use_dns {
        o.insert("use-dns".into(), json!(b));
    }
    if let Some(b) = d.use_ntp {
        o.insert("use-ntp".into(), json!(b));
    }
    if !o.is_empty() {
        body.insert("dhcp6-overrides".into(), Value::Object(o));
    }
    for (what, set) in [("mode", d.mode.is_some()), ("timeout", d.timeout.is_some())] {
        if set {
            lost.push(Lost {
                at: i.name.clone(),
                what: format!("dhcp6.{what}"),
                why: "netplan's dhcp6 follows the router advertisement's M and O flags".into(),
            });
        }
    }
}

fn client_id_word(c: ClientId) -> &'static str {
    match c {
        ClientId::Mac => "mac",
        ClientId::Duid => "duid",
    }
}

/// `DHCP=` for `[Network]`.
pub(crate) fn networkd_network(i: &Interface) -> &'static str {
    match (i.dhcp4.is_some(), i.dhcp6.is_some()) {
        (true, true) => "DHCP=yes\n",
        (true, false) => "DHCP=ipv4\n",
        (false, true) => "DHCP=ipv6\n",
        (false, false) => "",
    }
}

/// The `[DHCPv4]` section; networkd's defaults match hostnet's except the route metric and
/// the timeout, which networkd does not have per link (it waits forever, as hostnet's client
/// does; hostnet's timeout only decides when status calls the link failed).
pub(crate) fn networkd_section(i: &Interface, lost: &mut Vec<Lost>) -> String {
    networkd_section4(i, lost) + &networkd_section6(i, lost)
}

/// The `[DHCPv6]` section. `WithoutRA=` makes networkd start the client as hostnet does,
/// without waiting for an RA's M or O flag.
fn networkd_section6(i: &Interface, lost: &mut Vec<Lost>) -> String {
    let Some(d) = &i.dhcp6 else { return String::new() };
    let yes = |b: bool| if b { "yes" } else { "no" };
    let without_ra = match d.mode() {
        Dhcp6Mode::Stateful => "solicit",
        Dhcp6Mode::InformationOnly => "information-request",
    };
    if d.timeout.is_some() {
        lost.push(Lost {
            at: i.name.clone(),
            what: "dhcp6.timeout".into(),
            why: "networkd has no per-link DHCP timeout".into(),
        });
    }
    format!("\n[DHCPv6]\nWithoutRA={without_ra}\nUseDNS={}\nUseNTP={}\n", yes(d.use_dns()), yes(d.use_ntp()))
}

fn networkd_section4(i: &Interface, lost: &mut Vec<Lost>) -> String {
    let Some(d) = &i.dhcp4 else { return String::new() };
    let yes = |b: bool| if b { "yes" } else { "no" };
    let mut s = String::from("\n[DHCPv4]\n");
    s += &format!("RouteMetric={}\n", d.route_metric());
    s += &format!(
        "UseDNS={}\nUseRoutes={}\nUseNTP={}\nUseHostname={}\n",
        yes(d.use_dns()),
        yes(d.use_routes()),
        yes(d.use_ntp()),
        yes(d.use_hostname())
    );
    s += &format!("ClientIdentifier={}\n", client_id_word(d.client_id()));
    if let Some(h) = &d.hostname {
        s += &format!("Hostname={h}\n");
    }
    if d.timeout.is_some() {
        lost.push(Lost {
            at: i.name.clone(),
            what: "dhcp4.timeout".into(),
            why: "networkd has no per-link DHCP timeout".into(),
        });
    }
    s
}

/// ifupdown's `inet dhcp` stanza options (dhclient's); the rest is listed as lost.
pub(crate) fn ifupdown_options(i: &Interface, lost: &mut Vec<Lost>) -> String {
    let Some(d) = &i.dhcp4 else { return String::new() };
    let mut s = String::new();
    if let Some(h) = &d.hostname {
        s += &format!("    hostname {h}\n");
    }
    if let Some(m) = d.route_metric {
        s += &format!("    metric {m}\n");
    }
    let mut nope = |what: &str| {
        lost.push(Lost {
            at: i.name.clone(),
            what: format!("dhcp4.{what}"),
            why: "ifupdown's inet dhcp has no option for it".into(),
        })
    };
    for (what, set) in [
        ("use_dns", d.use_dns.is_some()),
        ("use_routes", d.use_routes.is_some()),
        ("use_ntp", d.use_ntp.is_some()),
        ("use_hostname", d.use_hostname.is_some()),
        ("client_id", d.client_id.is_some()),
        ("timeout", d.timeout.is_some()),
    ] {
        if set {
            nope(what);
        }
    }
    s
}

/// ifupdown's DHCPv6 stanza: `inet6 dhcp` (stateful), or `inet6 auto` with `dhcp 1`
/// (information-only, which ifupdown only runs beside SLAAC).
pub(crate) fn ifupdown_dhcp6(i: &Interface, lost: &mut Vec<Lost>) -> String {
    let Some(d) = &i.dhcp6 else { return String::new() };
    let mut nope =
        |what: &str, why: &str| lost.push(Lost { at: i.name.clone(), what: format!("dhcp6.{what}"), why: why.into() });
    for (what, set) in
        [("use_dns", d.use_dns.is_some()), ("use_ntp", d.use_ntp.is_some()), ("timeout", d.timeout.is_some())]
    {
        if set {
            nope(what, "ifupdown's DHCPv6 stanzas have no option for it");
        }
    }
    match d.mode() {
        Dhcp6Mode::Stateful => format!("iface {} inet6 dhcp\n", i.name),
        Dhcp6Mode::InformationOnly => {
            if i.ipv6.accept_ra != Some(true) {
                nope(
                    "mode",
                    "ifupdown runs information-only DHCPv6 only with SLAAC (inet6 auto), which also accepts RAs",
                );
            }
            format!("iface {} inet6 auto\n    dhcp 1\n", i.name)
        }
    }
}
