//! A host's state as a person would write it (`show --yaml`): what the kernel chose by itself
//! is left out, so the file is short and says only what was decided. Leaving a value out never
//! changes a host (unset means "leave as it is"), so the result still applies as "nothing to do".
//!
//! Left out: kernel defaults (MTU 1500, bridge timers, bond options at their defaults, bridge
//! port flags), MACs a link took from another (a bond's ports, a VLAN's base, a bridge's port)
//! or that the kernel made up (locally administered on a virtual link), and a NIC's own MAC.
//! Added: `match: {mac}` for a NIC whose permanent MAC is known, so the file finds it again.

use std::collections::HashMap;

use crate::model::bond::{
    AdSelect, ArpAllTargets, ArpValidate, Bond, BondOpt, FailOverMac, LacpRate, PrimaryReselect, XmitHashPolicy,
};
use crate::model::{BridgePort, Config, Kind, MacAddr};

/// Trims `config` (read from a host) to what a person would write. `perm_macs` are the NICs'
/// permanent MACs by name.
pub fn as_written(config: &mut Config, perm_macs: &HashMap<String, MacAddr>) {
    let macs: HashMap<String, Option<MacAddr>> = config.interfaces.iter().map(|i| (i.name.clone(), i.mac)).collect();
    let mtus: HashMap<String, Option<u32>> = config.interfaces.iter().map(|i| (i.name.clone(), i.mtu)).collect();
    let bond_ports: std::collections::HashSet<String> = config
        .interfaces
        .iter()
        .filter(|i| matches!(i.kind, Kind::Bond(_)))
        .flat_map(|i| i.kind.ports().to_vec())
        .collect();
    for iface in &mut config.interfaces {
        let own = perm_macs.get(&iface.name).copied();
        let inherited_mac = match &iface.kind {
            Kind::Ethernet(_) => iface.mac == own || bond_ports.contains(&iface.name),
            Kind::Vlan(v) => macs.get(&v.base).copied().flatten() == iface.mac,
            Kind::Bond(b) => b.ports.iter().any(|p| perm_macs.get(p).copied() == iface.mac),
            Kind::Bridge(b) => b.ports.iter().any(|p| macs.get(p).copied().flatten() == iface.mac),
            _ => false,
        };
        let made_up = iface.kind.is_virtual() && iface.mac.is_some_and(|m| m.0[0] & 0x02 != 0);
        if inherited_mac || made_up {
            iface.mac = None;
        }
        let inherited_mtu = match &iface.kind {
            Kind::Vlan(v) => mtus.get(&v.base).copied().flatten() == iface.mtu,
            Kind::Bridge(b) => {
                let ports: Vec<u32> = b.ports.iter().filter_map(|p| mtus.get(p).copied().flatten()).collect();
                ports.iter().min().copied() == iface.mtu && !ports.is_empty()
            }
            _ => bond_ports.contains(&iface.name),
        };
        if inherited_mtu || iface.mtu == Some(default_mtu(&iface.kind)) {
            iface.mtu = None;
        }
        match &mut iface.kind {
            Kind::Ethernet(e) if e.matches.is_empty() => e.matches.mac = own,
            Kind::Bond(b) => trim_bond(b),
            Kind::Bridge(b) => {
                unset_default(&mut b.forward_delay, 15);
                unset_default(&mut b.hello_time, 2);
                unset_default(&mut b.max_age, 20);
                unset_default(&mut b.ageing_time, 300);
                unset_default(&mut b.priority, 32768);
                unset_default(&mut b.stp, false);
                unset_default(&mut b.vlan_filtering, false);
                unset_default(&mut b.mcast_snooping, true);
                unset_default(&mut b.mcast_querier, false);
            }
            _ => {}
        }
        // A declared bridge port goes without a link-local address by default.
        if iface.bridge_port.is_some() {
            unset_default(&mut iface.ipv6.link_local, false);
        }
        if let Some(bp) = &mut iface.bridge_port {
            trim_bridge_port(bp);
            if *bp == BridgePort::default() {
                iface.bridge_port = None;
            }
        }
    }
    // Every namespace has lo; it is written only when something was decided about it.
    config.interfaces.retain(|i| {
        !matches!(i.kind, Kind::Loopback(_))
            || !i.addresses.is_empty()
            || !i.ipv4.is_empty()
            || !i.ipv6.is_empty()
            || i.mtu.is_some()
    });
}

/// The MTU a new link of this kind gets.
fn default_mtu(kind: &Kind) -> u32 {
    match kind {
        Kind::Wireguard(_) => 1420,
        Kind::Vxlan(_) => 1450,
        // IP6_MAX_MTU + the VRF header: the kernel's default for a VRF device.
        Kind::Vrf(_) => 65575,
        _ => 1500,
    }
}

/// The bonding driver's defaults (bond_check_params and the option table in bond_options.c),
/// with miimon 100 as it sets for a bond made over netlink.
fn is_bond_default(o: &BondOpt) -> bool {
    match o {
        BondOpt::Miimon(v) => *v == 100,
        BondOpt::Updelay(v) | BondOpt::Downdelay(v) | BondOpt::PeerNotifDelay(v) | BondOpt::ArpInterval(v) => *v == 0,
        BondOpt::MinLinks(v) => *v == 0,
        BondOpt::UseCarrier(v) | BondOpt::TlbDynamicLb(v) | BondOpt::LacpActive(v) | BondOpt::CoupledControl(v) => *v,
        BondOpt::AllSlavesActive(v) => !*v,
        BondOpt::ArpIpTarget(v) => v.is_empty(),
        BondOpt::ArpValidate(v) => *v == ArpValidate::None,
        BondOpt::ArpAllTargets(v) => *v == ArpAllTargets::Any,
        BondOpt::MissedMax(v) => *v == 2,
        BondOpt::PrimaryReselect(v) => *v == PrimaryReselect::Always,
        BondOpt::FailOverMac(v) => *v == FailOverMac::None,
        BondOpt::XmitHashPolicy(v) => *v == XmitHashPolicy::Layer2,
        BondOpt::ResendIgmp(v) | BondOpt::NumPeerNotif(v) => *v == 1,
        BondOpt::LpInterval(v) => *v == 1,
        BondOpt::PacketsPerSlave(v) => *v == 1,
        BondOpt::LacpRate(v) => *v == LacpRate::Slow,
        BondOpt::AdSelect(v) => *v == AdSelect::Stable,
        BondOpt::AdActorSysPrio(v) => *v == 65535,
        BondOpt::AdUserPortKey(v) => *v == 0,
        BondOpt::AdActorSystem(m) => m.0 == [0; 6],
        BondOpt::Primary(p) => p.is_empty(),
    }
}

fn trim_bond(b: &mut Bond) {
    let kept: Vec<BondOpt> = b.options().into_iter().filter(|o| !is_bond_default(o)).collect();
    let mut trimmed = Bond::new(b.mode);
    trimmed.ports = std::mem::take(&mut b.ports);
    for o in kept {
        trimmed.set_option(o);
    }
    *b = trimmed;
}

/// Leaves `v` unset where it holds the kernel's `default`.
fn unset_default<T: PartialEq>(v: &mut Option<T>, default: T) {
    if v.as_ref() == Some(&default) {
        *v = None;
    }
}

fn trim_bridge_port(bp: &mut BridgePort) {
    unset_default(&mut bp.priority, 32);
    unset_default(&mut bp.hairpin, false);
    unset_default(&mut bp.isolated, false);
    unset_default(&mut bp.learning, true);
    unset_default(&mut bp.flood, true);
    unset_default(&mut bp.bpdu_guard, false);
    unset_default(&mut bp.mcast_flood, true);
    unset_default(&mut bp.mcast_router, 1);
    unset_default(&mut bp.neigh_suppress, false);
    // The kernel derives a port's cost from its speed (100 for 10 Mb/s down to 2 for 10 Gb/s
    // and more): one of those values is its choice, not a person's.
    if matches!(bp.cost, Some(2 | 4 | 19 | 100)) {
        bp.cost = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_kernel_chose_is_left_out() {
        let mut c = crate::load(
            "c.yaml",
            "interfaces:
  - {name: e1, ethernet: {}, mac: '52:54:00:00:00:0b', mtu: 9000}
  - {name: e2, ethernet: {}, mac: '52:54:00:00:00:0b', mtu: 9000}
  - {name: b0, bond: {mode: 802.3ad, ports: [e1, e2], miimon: 100, updelay: 0, lacp_rate: fast}, mac: '52:54:00:00:00:0b', mtu: 9000}
  - {name: b0.7, vlan: {base: b0, id: 7}, mac: '52:54:00:00:00:0b', mtu: 9000}
  - {name: br7, bridge: {ports: [b0.7], stp: false, forward_delay: 15, priority: 32768}, mac: '52:54:00:00:00:0b', mtu: 9000}
  - {name: v0, veth: {peer: v1}, mac: 'f2:cf:3b:22:8b:77', mtu: 1500}
  - {name: v1, veth: {peer: v0}, mac: '00:16:3e:00:00:01'}
",
        )
        .unwrap();
        let perm = HashMap::from([
            ("e1".to_string(), "52:54:00:00:00:0b".parse().unwrap()),
            ("e2".to_string(), "52:54:00:00:00:0c".parse().unwrap()),
        ]);
        as_written(&mut c, &perm);
        insta::assert_snapshot!(c.to_yaml(), @r"
        interfaces:
        - name: e1
          ethernet:
            match:
              mac: 52:54:00:00:00:0b
        - name: e2
          ethernet:
            match:
              mac: 52:54:00:00:00:0c
        - name: b0
          bond:
            mode: 802.3ad
            ports:
            - e1
            - e2
            lacp_rate: fast
          mtu: 9000
        - name: b0.7
          vlan:
            base: b0
            id: 7
        - name: br7
          bridge:
            ports:
            - b0.7
        - name: v0
          veth:
            peer: v1
        - name: v1
          veth:
            peer: v0
          mac: 00:16:3e:00:00:01
        ");
    }
}
