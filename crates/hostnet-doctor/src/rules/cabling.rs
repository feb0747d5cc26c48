//! Cabling truth from LLDP: a NIC cabled to another switch port than the config says, a NIC
//! that hears no switch, an 802.3ad bond split over two switches that are not an MLAG pair,
//! and a failover bond whose ports all reach one switch.

use std::collections::{BTreeMap, BTreeSet};

use hostnet_core::model::{BondMode, Kind};

use crate::lldp::Neighbor;
use crate::{Finding, Severity, Snapshot, procbond};

pub fn check(s: &Snapshot) -> Vec<Finding> {
    let Some(lldp) = &s.lldp else { return Vec::new() };
    let heard: BTreeMap<&str, Option<&Neighbor>> = lldp.heard.iter().map(|(n, nb)| (n.as_str(), nb.as_ref())).collect();
    let mut out = Vec::new();
    for (nic, nb) in &heard {
        if nb.is_none() {
            out.push(Finding {
                rule: "lldp-no-neighbor",
                severity: Severity::Warning,
                subject: nic.to_string(),
                evidence: vec![format!("no LLDP frame in {} s of listening", lldp.waited_secs)],
                fix:
                    "check the cable and that LLDP is enabled on the switch port (switches send every 30 s by default)"
                        .into(),
            });
        }
    }
    out.extend(misplaced(s, &heard));
    out.extend(bonds(s, &heard));
    out
}

/// NICs whose declared `cabled_to` is not where LLDP says the cable ends.
fn misplaced(s: &Snapshot, heard: &BTreeMap<&str, Option<&Neighbor>>) -> Vec<Finding> {
    let Some(config) = &s.declared else { return Vec::new() };
    let mut out = Vec::new();
    for i in &config.interfaces {
        let Kind::Ethernet(e) = &i.kind else { continue };
        let (Some(want), Some(Some(nb))) = (&e.cabled_to, heard.get(i.name.as_str())) else { continue };
        let switch_ok = nb.system_name.as_deref() == Some(want.switch.as_str()) || nb.chassis_id == want.switch;
        let port_ok = nb.port_id == want.port || nb.port_description.as_deref() == Some(want.port.as_str());
        if !(switch_ok && port_ok) {
            out.push(Finding {
                rule: "cabled-elsewhere",
                severity: Severity::Error,
                subject: i.name.clone(),
                evidence: vec![
                    format!("the config says {} port {}", want.switch, want.port),
                    format!("LLDP says {} (chassis {}) port {}", nb.switch(), nb.chassis_id, nb.port_id),
                ],
                fix: "move the cable, or correct `cabled_to` if the documentation was wrong".into(),
            });
        }
    }
    out
}

/// The NICs under a link, through nested bonds.
fn nics_under<'a>(s: &'a Snapshot, name: &'a str) -> Vec<&'a str> {
    match s.state.get(name).map(|l| &l.iface.kind) {
        Some(Kind::Bond(b)) => b.ports.iter().flat_map(|p| nics_under(s, p)).collect(),
        _ => vec![name],
    }
}

fn bonds(s: &Snapshot, heard: &BTreeMap<&str, Option<&Neighbor>>) -> Vec<Finding> {
    let mut out = Vec::new();
    let switch_of = |nic: &str| heard.get(nic).copied().flatten();
    for l in &s.state.links {
        let Kind::Bond(b) = &l.iface.kind else { continue };
        match b.mode {
            BondMode::Lacp => {
                let seen: Vec<(&str, &Neighbor)> =
                    b.ports.iter().filter_map(|p| Some((p.as_str(), switch_of(p)?))).collect();
                let chassis: BTreeSet<&str> = seen.iter().map(|(_, nb)| nb.chassis_id.as_str()).collect();
                if chassis.len() < 2 {
                    continue;
                }
                // An MLAG pair has two chassis but presents one LACP system: fine when every
                // port has that one partner. A port without a partner yet proves nothing.
                let proc = s.bonding.iter().find(|(n, _)| *n == l.iface.name).map(|(_, t)| procbond::parse(t));
                let partner_of = |port: &str| {
                    proc.as_ref()?
                        .ports
                        .iter()
                        .find(|p| p.name == port)?
                        .partner_system
                        .clone()
                        .filter(|m| m != "00:00:00:00:00:00")
                };
                let per_port: Vec<Option<String>> = seen.iter().map(|(p, _)| partner_of(p)).collect();
                let partners: BTreeSet<String> = per_port.iter().flatten().cloned().collect();
                if per_port.iter().all(Option::is_some) && partners.len() == 1 {
                    continue;
                }
                let mut evidence: Vec<String> = seen
                    .iter()
                    .map(|(p, nb)| {
                        format!("{p} reaches {} (chassis {}) port {}", nb.switch(), nb.chassis_id, nb.port_id)
                    })
                    .collect();
                if !partners.is_empty() {
                    evidence
                        .push(format!("LACP partner systems: {}", partners.into_iter().collect::<Vec<_>>().join(", ")));
                }
                out.push(Finding {
                    rule: "lacp-ports-on-two-switches",
                    severity: Severity::Error,
                    subject: l.iface.name.clone(),
                    evidence,
                    fix: "an 802.3ad bond needs one switch or an MLAG pair presenting one system; cable both ports to one, or make one 802.3ad bond per switch under an active-backup or balance-alb bond".into(),
                });
            }
            BondMode::ActiveBackup | BondMode::BalanceAlb | BondMode::BalanceTlb => {
                // Each port (a NIC, or a bond of NICs) reaches a set of switches.
                let per_port: Vec<(&str, BTreeSet<&str>)> = b
                    .ports
                    .iter()
                    .map(|p| {
                        let sw = nics_under(s, p).into_iter().filter_map(switch_of).map(|nb| nb.chassis_id.as_str());
                        (p.as_str(), sw.collect())
                    })
                    .collect();
                let all: BTreeSet<&str> = per_port.iter().flat_map(|(_, sw)| sw.iter().copied()).collect();
                if per_port.len() >= 2 && per_port.iter().all(|(_, sw)| !sw.is_empty()) && all.len() == 1 {
                    let nb = b.ports.iter().flat_map(|p| nics_under(s, p)).find_map(switch_of).expect("one heard");
                    out.push(Finding {
                        rule: "bond-single-switch",
                        severity: Severity::Warning,
                        subject: l.iface.name.clone(),
                        evidence: vec![format!(
                            "every port of this {} bond reaches {} (chassis {}): {}",
                            b.mode,
                            nb.switch(),
                            nb.chassis_id,
                            b.ports.join(", ")
                        )],
                        fix: "cable the ports to two switches, or the bond survives a port failure but not a switch failure"
                            .into(),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lldp;
    use hostnet_core::model::{Bond, CabledTo, Ethernet, Interface};

    fn nb(switch: &str, chassis: &str, port: &str) -> Option<Neighbor> {
        Some(Neighbor {
            chassis_id: chassis.into(),
            port_id: port.into(),
            system_name: Some(switch.into()),
            ..Default::default()
        })
    }

    fn bond(name: &str, mode: BondMode, ports: &[&str]) -> Interface {
        let mut b = Bond::new(mode);
        b.ports = ports.iter().map(|p| p.to_string()).collect();
        Interface::new(name, Kind::Bond(b))
    }

    fn snap(links: Vec<Interface>, heard: Vec<(&str, Option<Neighbor>)>) -> Snapshot {
        let mut s = Snapshot::default();
        let mut c = hostnet_core::Config::default();
        for l in &links {
            for p in l.kind.ports() {
                if !links.iter().any(|x| &x.name == p) {
                    c.interfaces.push(Interface::new(p.clone(), Kind::Ethernet(Ethernet::default())));
                }
            }
        }
        c.interfaces.extend(links);
        s.state = hostnet_core::State::from_config(&c);
        s.lldp = Some(Lldp { waited_secs: 5, heard: heard.into_iter().map(|(n, nb)| (n.to_string(), nb)).collect() });
        s
    }

    fn rules(f: &[Finding]) -> Vec<(&str, &str)> {
        f.iter().map(|f| (f.rule, f.subject.as_str())).collect()
    }

    #[test]
    fn a_nic_cabled_elsewhere_and_one_hearing_nothing() {
        let mut s = snap(vec![], vec![("e1", nb("swA", "aa", "Eth1")), ("e2", nb("swA", "aa", "Eth7")), ("e3", None)]);
        let mut c = hostnet_core::Config::default();
        for (n, port) in [("e1", "Eth1"), ("e2", "Eth2")] {
            let e = Ethernet {
                cabled_to: Some(CabledTo { switch: "swA".into(), port: port.into() }),
                ..Default::default()
            };
            c.interfaces.push(Interface::new(n, Kind::Ethernet(e)));
        }
        s.declared = Some(c);
        let f = check(&s);
        assert_eq!(rules(&f), [("e3", "lldp-no-neighbor"), ("e2", "cabled-elsewhere")].map(|(a, b)| (b, a)));
        assert!(f[1].evidence[1].contains("swA (chassis aa) port Eth7"), "{:?}", f[1].evidence);
    }

    #[test]
    fn an_lacp_bond_over_two_switches_is_an_error_unless_they_are_one_mlag_system() {
        let links = vec![bond("po", BondMode::Lacp, &["e1", "e2"])];
        let s = snap(links.clone(), vec![("e1", nb("swA", "aa", "1")), ("e2", nb("swB", "bb", "1"))]);
        assert_eq!(rules(&check(&s)), [("lacp-ports-on-two-switches", "po")]);
        let mut mlag = s.clone();
        let proc = "Bonding Mode: IEEE 802.3ad Dynamic link aggregation\n\nSlave Interface: e1\ndetails partner lacp pdu:\n    system mac address: 02:00:00:00:00:99\n\nSlave Interface: e2\ndetails partner lacp pdu:\n    system mac address: 02:00:00:00:00:99\n";
        mlag.bonding = vec![("po".into(), proc.into())];
        assert!(check(&mlag).is_empty(), "{:?}", check(&mlag));
    }

    #[test]
    fn a_failover_bond_on_one_switch_is_a_warning_through_nested_bonds() {
        let links = vec![
            bond("a", BondMode::Lacp, &["e1", "e2"]),
            bond("b", BondMode::Lacp, &["e3", "e4"]),
            bond("top", BondMode::BalanceAlb, &["a", "b"]),
        ];
        let one = |p| nb("swA", "aa", p);
        let s = snap(links.clone(), vec![("e1", one("1")), ("e2", one("2")), ("e3", one("3")), ("e4", one("4"))]);
        assert_eq!(rules(&check(&s)), [("bond-single-switch", "top")]);
        let two = snap(
            links,
            vec![("e1", one("1")), ("e2", one("2")), ("e3", nb("swB", "bb", "1")), ("e4", nb("swB", "bb", "2"))],
        );
        assert!(check(&two).is_empty(), "{:?}", check(&two));
    }
}
