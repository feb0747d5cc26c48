//! The bond codec: every option of the core's bond table to its IFLA_BOND_* attribute and back,
//! side by side, so that a new option is written once here and checked by the round trip.

use hostnet_core::model::bond::{
    AdSelect, ArpAllTargets, ArpValidate, FailOverMac, LacpRate, PrimaryReselect, XmitHashPolicy,
};
use hostnet_core::model::{Bond, BondMode, BondOpt, MacAddr};
use rtnetlink::packet_route::link::{
    BondAdSelect, BondAllPortActive, BondArpAllTargets, BondArpValidate, BondFailOverMac, BondLacpRate,
    BondMode as KernelBondMode, BondPrimaryReselect, BondXmitHashPolicy, InfoBond,
};

/// The attributes that create a bond as `b` declares it: its mode, then its options.
/// `primary` is the ifindex of the primary port, which the kernel takes instead of a name.
pub(crate) fn encode(b: &Bond, primary: Option<u32>) -> Vec<InfoBond> {
    let mut v = vec![InfoBond::Mode(KernelBondMode::from(b.mode.value()))];
    v.extend(b.options().iter().filter_map(|o| encode_option(o, primary)));
    v
}

/// One option's attribute; `None` for the primary when its index is not known.
pub(crate) fn encode_option(o: &BondOpt, primary: Option<u32>) -> Option<InfoBond> {
    Some(match o {
        BondOpt::Miimon(v) => InfoBond::MiiMon(*v),
        BondOpt::Updelay(v) => InfoBond::UpDelay(*v),
        BondOpt::Downdelay(v) => InfoBond::DownDelay(*v),
        BondOpt::PeerNotifDelay(v) => InfoBond::PeerNotifDelay(*v),
        BondOpt::UseCarrier(v) => InfoBond::UseCarrier(*v),
        BondOpt::ArpInterval(v) => InfoBond::ArpInterval(*v),
        BondOpt::ArpIpTarget(v) => InfoBond::ArpIpTarget(v.clone()),
        BondOpt::ArpValidate(v) => InfoBond::ArpValidate(BondArpValidate::from(u32::from(v.value()))),
        BondOpt::ArpAllTargets(v) => InfoBond::ArpAllTargets(BondArpAllTargets::from(u32::from(v.value()))),
        BondOpt::MissedMax(v) => InfoBond::MissedMax(*v),
        BondOpt::Primary(_) => InfoBond::Primary(primary?),
        BondOpt::PrimaryReselect(v) => InfoBond::PrimaryReselect(BondPrimaryReselect::from(v.value())),
        BondOpt::FailOverMac(v) => InfoBond::FailOverMac(BondFailOverMac::from(v.value())),
        BondOpt::XmitHashPolicy(v) => InfoBond::XmitHashPolicy(BondXmitHashPolicy::from(v.value())),
        BondOpt::ResendIgmp(v) => InfoBond::ResendIgmp(u32::from(*v)),
        BondOpt::NumPeerNotif(v) => InfoBond::NumPeerNotif(*v),
        BondOpt::AllSlavesActive(v) => InfoBond::AllPortsActive(BondAllPortActive::from(u8::from(*v))),
        BondOpt::MinLinks(v) => InfoBond::MinLinks(*v),
        BondOpt::LpInterval(v) => InfoBond::LpInterval(*v),
        BondOpt::PacketsPerSlave(v) => InfoBond::PacketsPerPort(u32::from(*v)),
        BondOpt::TlbDynamicLb(v) => InfoBond::TlbDynamicLb(*v),
        BondOpt::LacpRate(v) => InfoBond::AdLacpRate(BondLacpRate::from(v.value())),
        BondOpt::LacpActive(v) => InfoBond::AdLacpActive(*v),
        BondOpt::AdSelect(v) => InfoBond::AdSelect(BondAdSelect::from(v.value())),
        BondOpt::AdActorSysPrio(v) => InfoBond::AdActorSysPrio(*v),
        BondOpt::AdUserPortKey(v) => InfoBond::AdUserPortKey(*v),
        BondOpt::AdActorSystem(m) => InfoBond::AdActorSystem(m.0),
        BondOpt::CoupledControl(v) => InfoBond::CoupledControl(*v),
    })
}

/// The model of what the kernel reports. It reports every option in every mode; only those
/// that mean something in the bond's mode are kept, so `show` output passes `check` and diffs
/// stay quiet. `names` turns the primary's ifindex into its name.
pub(crate) fn decode<S: std::hash::BuildHasher>(
    attrs: &[InfoBond],
    names: &std::collections::HashMap<u32, String, S>,
) -> Bond {
    let mode = attrs
        .iter()
        .find_map(|a| if let InfoBond::Mode(m) = a { BondMode::from_value(u8::from(*m)) } else { None })
        .unwrap_or(BondMode::BalanceRr);
    let mut b = Bond::new(mode);
    for a in attrs {
        let Some(opt) = decode_option(a, names) else { continue };
        if opt.applies().allows(mode) {
            b.set_option(opt);
        }
    }
    // The kernel keeps updelay/downdelay at 0 without miimon; 0 is "unset" for `check`.
    if b.miimon.unwrap_or(0) == 0 {
        b.updelay = b.updelay.filter(|v| *v != 0);
        b.downdelay = b.downdelay.filter(|v| *v != 0);
    }
    if b.arp_interval == Some(0) && b.miimon.unwrap_or(0) > 0 {
        b.arp_interval = None;
    }
    b
}

fn decode_option<S: std::hash::BuildHasher>(
    a: &InfoBond,
    names: &std::collections::HashMap<u32, String, S>,
) -> Option<BondOpt> {
    Some(match a {
        InfoBond::MiiMon(v) => BondOpt::Miimon(*v),
        InfoBond::UpDelay(v) => BondOpt::Updelay(*v),
        InfoBond::DownDelay(v) => BondOpt::Downdelay(*v),
        InfoBond::PeerNotifDelay(v) => BondOpt::PeerNotifDelay(*v),
        InfoBond::UseCarrier(v) => BondOpt::UseCarrier(*v),
        InfoBond::ArpInterval(v) => BondOpt::ArpInterval(*v),
        InfoBond::ArpIpTarget(t) if !t.is_empty() => BondOpt::ArpIpTarget(t.clone()),
        InfoBond::ArpValidate(v) => BondOpt::ArpValidate(ArpValidate::from_value(u32::from(*v) as u8)?),
        InfoBond::ArpAllTargets(v) => BondOpt::ArpAllTargets(ArpAllTargets::from_value(u32::from(*v) as u8)?),
        InfoBond::MissedMax(v) => BondOpt::MissedMax(*v),
        InfoBond::Primary(i) => BondOpt::Primary(names.get(i)?.clone()),
        InfoBond::PrimaryReselect(v) => BondOpt::PrimaryReselect(PrimaryReselect::from_value(u8::from(*v))?),
        InfoBond::FailOverMac(v) => BondOpt::FailOverMac(FailOverMac::from_value(u8::from(*v))?),
        InfoBond::XmitHashPolicy(v) => BondOpt::XmitHashPolicy(XmitHashPolicy::from_value(u8::from(*v))?),
        InfoBond::ResendIgmp(v) => BondOpt::ResendIgmp((*v).min(255) as u8),
        InfoBond::NumPeerNotif(v) => BondOpt::NumPeerNotif(*v),
        InfoBond::AllPortsActive(v) => BondOpt::AllSlavesActive(u8::from(*v) == 1),
        InfoBond::MinLinks(v) => BondOpt::MinLinks(*v),
        InfoBond::LpInterval(v) => BondOpt::LpInterval(*v),
        InfoBond::PacketsPerPort(v) => BondOpt::PacketsPerSlave((*v).min(65535) as u16),
        InfoBond::AdLacpRate(v) => BondOpt::LacpRate(LacpRate::from_value(u8::from(*v))?),
        InfoBond::AdLacpActive(v) => BondOpt::LacpActive(*v),
        InfoBond::AdSelect(v) => BondOpt::AdSelect(AdSelect::from_value(u8::from(*v))?),
        InfoBond::AdActorSysPrio(v) => BondOpt::AdActorSysPrio(*v),
        InfoBond::AdUserPortKey(v) => BondOpt::AdUserPortKey(*v),
        InfoBond::AdActorSystem(m) if *m != [0; 6] => BondOpt::AdActorSystem(MacAddr(*m)),
        InfoBond::TlbDynamicLb(v) => BondOpt::TlbDynamicLb(*v),
        InfoBond::CoupledControl(v) => BondOpt::CoupledControl(*v),
        _ => return None,
    })
}
