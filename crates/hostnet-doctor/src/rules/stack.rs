//! Consistency along a stack of devices: MTUs, and bond updelay against a bridge's STP
//! forward delay.

use hostnet_core::model::Kind;

use crate::{Finding, Severity, Snapshot};

pub fn check(s: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    let mtu = |n: &str| s.status.iter().find(|l| l.name == n).and_then(|l| l.mtu);
    let kind = |n: &str| s.state.get(n).map(|l| &l.iface.kind);
    for l in &s.status {
        let (Some(m), Some(pm)) = (l.master.as_deref(), l.mtu) else { continue };
        let Some(mm) = mtu(m) else { continue };
        match kind(m) {
            Some(Kind::Bridge(_)) if pm < mm => out.push(Finding {
                rule: "mtu-mismatch",
                severity: Severity::Error,
                subject: format!("{m}/{}", l.name),
                evidence: vec![format!(
                    "bridge {m} has MTU {mm}, its port {} only {pm}: larger frames are dropped",
                    l.name
                )],
                fix: format!("raise the MTU of {} to {mm}, or lower {m}'s", l.name),
            }),
            Some(Kind::Bond(_)) if pm != mm => out.push(Finding {
                rule: "mtu-mismatch",
                severity: Severity::Warning,
                subject: format!("{m}/{}", l.name),
                evidence: vec![format!("bond {m} has MTU {mm}, its port {} {pm}", l.name)],
                fix: format!("set the MTU on the bond {m} (ports follow it), not on its ports"),
            }),
            _ => {}
        }
    }
    for l in &s.state.links {
        if let Kind::Vlan(v) = &l.iface.kind
            && let (Some(vm), Some(bm)) = (l.iface.mtu, mtu(&v.base))
            && vm > bm
        {
            out.push(Finding {
                rule: "mtu-mismatch",
                severity: Severity::Error,
                subject: l.iface.name.clone(),
                evidence: vec![format!("VLAN {} has MTU {vm}, above its base {}'s {bm}", l.iface.name, v.base)],
                fix: format!("raise the MTU of {} first", v.base),
            });
        }
        if let Kind::Bond(b) = &l.iface.kind
            && let Some(br) = &l.master
            && let Some(Kind::Bridge(bridge)) = kind(br)
            && bridge.stp == Some(true)
        {
            let fd_ms = bridge.forward_delay.unwrap_or(15) * 1000;
            let up = b.updelay.unwrap_or(0);
            if up < fd_ms {
                out.push(Finding {
                    rule: "updelay-below-forward-delay",
                    severity: Severity::Warning,
                    subject: l.iface.name.clone(),
                    evidence: vec![format!(
                        "bond {} updelay {up} ms; bridge {br} runs STP with forward delay {} s",
                        l.iface.name,
                        fd_ms / 1000
                    )],
                    fix: format!(
                        "a recovered port carries traffic before STP forwards on it; set updelay to at least {fd_ms} ms, or disable STP on {br} (or use RSTP on the switch side)"
                    ),
                });
            }
        }
    }
    out
}
