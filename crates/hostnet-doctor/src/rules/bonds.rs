//! Bond health: 802.3ad ports that see two partner systems, ports down or failing, balance-tlb
//! and balance-alb over ports that cannot change MAC, bonds without ports.

use std::collections::BTreeMap;

use hostnet_netlink::status::LinkStatus;

use crate::procbond;
use crate::{Finding, Severity, Snapshot};

/// The partner system an 802.3ad port reports while it has heard no LACPDU.
const NO_PARTNER: &str = "00:00:00:00:00:00";

/// Link kinds that are not Ethernet: tlb/alb rewrite port MACs, which these cannot take.
const NO_MAC_CHANGE: &[&str] = &["ipoib", "wwan", "gre", "ipip", "sit", "tun", "wireguard", "ip6tnl", "vti", "can"];

pub fn check(s: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for bond in s.status.iter().filter(|l| l.bond.is_some()) {
        let b = bond.bond.as_ref().expect("filtered");
        let ports: Vec<&LinkStatus> =
            s.status.iter().filter(|p| p.master.as_deref() == Some(bond.name.as_str())).collect();
        if ports.is_empty() {
            out.push(Finding {
                rule: "bond-no-ports",
                severity: Severity::Warning,
                subject: bond.name.clone(),
                evidence: vec![format!("{} ({}) has no ports", bond.name, b.mode)],
                fix: "enslave its ports, or delete the bond".into(),
            });
        }
        if b.mode == "802.3ad" {
            // /proc/net/bonding's view of the bond, read once for the rules below.
            let proc = s.bonding.iter().find(|(n, _)| *n == bond.name).map(|(_, t)| procbond::parse(t));
            let proc = proc.as_ref();
            // Ports that hear nobody each form an aggregator of their own, which is no split.
            match no_partner(proc, bond, &ports) {
                Some(f) => out.push(f),
                None => out.extend(two_partners(proc, bond, &ports)),
            }
            out.extend(no_speed(proc, bond, &ports));
        }
        if b.mode == "balance-tlb" || b.mode == "balance-alb" {
            for p in ports.iter().filter(|p| NO_MAC_CHANGE.contains(&p.kind.as_str())) {
                out.push(Finding {
                    rule: "alb-port-cannot-change-mac",
                    severity: Severity::Error,
                    subject: format!("{}/{}", bond.name, p.name),
                    evidence: vec![format!("{} is a {} link; {} rewrites port MAC addresses", p.name, p.kind, b.mode)],
                    fix: "use active-backup (with fail_over_mac active if needed) or 802.3ad for such ports".into(),
                });
            }
        }
        for p in &ports {
            let Some(bp) = &p.bond_port else { continue };
            if bp.mii_status != "up" {
                out.push(Finding {
                    rule: "bond-port-down",
                    severity: Severity::Error,
                    subject: format!("{}/{}", bond.name, p.name),
                    evidence: vec![format!(
                        "MII status {}, carrier {}",
                        bp.mii_status,
                        if p.carrier { "yes" } else { "no" }
                    )],
                    fix: format!("check the cable and the switch port of {}; the bond runs without it", p.name),
                });
            }
            if let Some(n) = bp.link_failure_count.filter(|n| *n > 0) {
                out.push(Finding {
                    rule: "bond-port-link-failures",
                    severity: Severity::Warning,
                    subject: format!("{}/{}", bond.name, p.name),
                    evidence: vec![format!("link failure count {n} since the port was enslaved")],
                    fix: format!(
                        "a rising count means a flapping link: check optics, cable and switch logs for {}",
                        p.name
                    ),
                });
            }
        }
    }
    out
}

/// An 802.3ad bond whose working ports hear no LACP partner at all: the switch ports are not a
/// port-channel, or LACP is off there. Each port is then an aggregator of its own, and the bond
/// carries traffic over one of them; the switch may even block the ports. Judged on ports that
/// could aggregate (carrier, MII up): one without a speed is `lacp-port-without-speed`'s.
fn no_partner(proc: Option<&procbond::ProcBond>, bond: &LinkStatus, ports: &[&LinkStatus]) -> Option<Finding> {
    let working: Vec<&LinkStatus> = ports
        .iter()
        .copied()
        .filter(|p| p.carrier && p.bond_port.as_ref().is_some_and(|b| b.mii_status == "up"))
        .collect();
    if working.is_empty() {
        return None;
    }
    // /proc names the partner system; without it, the actor's `defaulted` state says the same:
    // no LACPDU arrived, and the port runs on the default partner.
    let unheard = |p: &LinkStatus| match proc.and_then(|b| b.ports.iter().find(|x| x.name == p.name)) {
        Some(pp) if pp.partner_system.is_some() => pp.partner_system.as_deref() == Some(NO_PARTNER),
        _ => p
            .bond_port
            .as_ref()
            .and_then(|b| b.actor_oper_port_state.as_ref())
            .is_some_and(|st| st.flags.contains(&"defaulted")),
    };
    if !working.iter().all(|p| unheard(p)) {
        return None;
    }
    let names: Vec<&str> = working.iter().map(|p| p.name.as_str()).collect();
    Some(Finding {
        rule: "lacp-no-partner",
        severity: Severity::Error,
        subject: bond.name.clone(),
        evidence: vec![
            format!("{} hear no LACP partner (partner system {NO_PARTNER}, state defaulted)", names.join(", ")),
            "each port is an aggregator of its own; the bond sends and receives over one".into(),
        ],
        fix: format!(
            "configure the switch ports of {} as one LACP port-channel (LACP active or passive, the same on every port); if the switch cannot do LACP, use mode active-backup",
            names.join(", ")
        ),
    })
}

/// 802.3ad aggregates only ports that report a speed and full duplex (bond_3ad.c keys ports by
/// them): a port with carrier but neither, as virtio-net gives without `speed=`, sits in the
/// bond with MII down and never carries traffic, while everything else looks configured.
fn no_speed(proc: Option<&procbond::ProcBond>, bond: &LinkStatus, ports: &[&LinkStatus]) -> Vec<Finding> {
    let Some(parsed) = proc else { return vec![] };
    parsed
        .ports
        .iter()
        .filter(|pp| ports.iter().any(|p| p.name == pp.name && p.carrier))
        .filter(|pp| pp.speed.eq_ignore_ascii_case("unknown") || !pp.duplex.eq_ignore_ascii_case("full"))
        .map(|pp| Finding {
            rule: "lacp-port-without-speed",
            severity: Severity::Error,
            subject: format!("{}/{}", bond.name, pp.name),
            evidence: vec![format!(
                "{} has carrier but reports Speed: {}, Duplex: {} (/proc/net/bonding/{})",
                pp.name, pp.speed, pp.duplex, bond.name
            )],
            fix: format!(
                "802.3ad needs a speed and full duplex to aggregate {}: on a VM give the NIC both (qemu virtio-net-pci: speed=10000,duplex=full; or `ethtool -s {} speed 10000 duplex full` in the guest), on hardware check the driver and the link partner",
                pp.name, pp.name
            ),
        })
        .collect()
}

/// Ports of one 802.3ad bond cabled to two switches that are not one system (no MLAG) form two
/// aggregators, and only one of them carries traffic.
fn two_partners(proc: Option<&procbond::ProcBond>, bond: &LinkStatus, ports: &[&LinkStatus]) -> Option<Finding> {
    let mut partners: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in proc.iter().flat_map(|b| &b.ports) {
        if let Some(sys) = p.partner_system.as_deref().filter(|m| *m != NO_PARTNER) {
            partners.entry(sys).or_default().push(&p.name);
        }
    }
    if partners.len() > 1 {
        let evidence = partners.iter().map(|(sys, ps)| format!("{} see partner system {sys}", ps.join(", "))).collect();
        return Some(Finding {
            rule: "lacp-two-partners",
            severity: Severity::Error,
            subject: bond.name.clone(),
            evidence,
            fix: "cable all ports to one switch or to an MLAG pair that presents one system ID; or make one 802.3ad bond per switch and put them under an active-backup or balance-alb bond".into(),
        });
    }
    // Without /proc detail, ports in different aggregators tell the same story.
    let mut aggs: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    for p in ports {
        if let Some(a) = p.bond_port.as_ref().and_then(|b| b.aggregator_id) {
            aggs.entry(a).or_default().push(p.name.clone());
        }
    }
    (aggs.len() > 1).then(|| Finding {
        rule: "lacp-split-aggregators",
        severity: Severity::Warning,
        subject: bond.name.clone(),
        evidence: aggs.iter().map(|(a, ps)| format!("aggregator {a}: {}", ps.join(", "))).collect(),
        fix: "only the active aggregator carries traffic; check that all ports reach the same LACP partner with the same key".into(),
    })
}

/// Ports whose link failure count grew between two snapshots `secs` apart: a link flapping now,
/// not one that failed once long ago.
pub fn rising(before: &Snapshot, after: &Snapshot, secs: u64) -> Vec<Finding> {
    let count = |s: &Snapshot, n: &str| {
        s.status.iter().find(|l| l.name == n).and_then(|l| l.bond_port.as_ref()).and_then(|p| p.link_failure_count)
    };
    let mut out = Vec::new();
    for l in &after.status {
        let (Some(master), Some(now)) = (&l.master, count(after, &l.name)) else { continue };
        if let Some(then) = count(before, &l.name)
            && now > then
        {
            out.push(Finding {
                rule: "bond-port-flapping",
                severity: Severity::Error,
                subject: format!("{master}/{}", l.name),
                evidence: vec![format!("link failure count rose from {then} to {now} in {secs} s")],
                fix: format!(
                    "the link of {} is flapping: check optics, cable and the switch port; consider updelay to damp it",
                    l.name
                ),
            });
        }
    }
    out
}
