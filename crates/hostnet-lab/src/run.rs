//! Running a scenario on a freshly built replica.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hostnet_core::Config;
use hostnet_netlink::Netlink;

use crate::build::Lab;
use crate::probe::Probes;
use crate::report::{LabReport, Mark, analyze};
use crate::scenario::{Scenario, Step, parse_duration};
use crate::topology::Topology;

/// Builds the replica, runs `scenario`, tears everything down. `interrupted` is polled so that
/// Ctrl-C ends the run cleanly (the replica is removed either way).
pub async fn run(
    t: &Topology,
    host: &Config,
    scenario: &Scenario,
    progress: bool,
    interrupted: &AtomicBool,
) -> Result<LabReport, String> {
    say(progress, "building the replica");
    let lab = Lab::build(t, host).await?;
    let host_nl = lab.connect(&lab.host_ns)?;
    let peers: Vec<(String, String, IpAddr)> =
        lab.peers.iter().map(|(n, a)| (n.clone(), lab.peer_ns[n].clone(), *a)).collect();
    if peers.is_empty() {
        return Err("the lab file declares no peers to probe".into());
    }
    let probes = Probes::start(&lab.host_ns, lab.host_addr, &peers, t.probe.rate)?;
    say(progress, "waiting for every probe direction to flow (LACP negotiating)");
    if !probes.wait_until_all_flow(Duration::from_secs(40)) {
        let _ = probes.finish();
        return Err("probes never got through the healthy replica: check the host's and peers' addresses".into());
    }
    let mut marks = vec![Mark { at_us: probes.now_us(), action: "baseline".into(), active_after: String::new() }];
    sleep(Duration::from_secs(1), interrupted).await?;
    let total = scenario.steps.len();
    // Actions with no wait between them happen together and are measured as one step.
    let mut previous_was_action = false;
    for (i, step) in scenario.steps.iter().enumerate() {
        if progress {
            eprint!("\r[{:<20}] {}/{} {:<30}", "#".repeat(20 * (i + 1) / total.max(1)), i + 1, total, step.describe());
        }
        match step {
            Step::Wait(d) => {
                previous_was_action = false;
                sleep(parse_duration(d)?, interrupted).await?
            }
            action => {
                if previous_was_action {
                    let m = marks.last_mut().expect("an action before");
                    m.action = format!("{}, {}", m.action, action.describe());
                } else {
                    marks.last_mut().expect("baseline").active_after = active(&host_nl).await;
                    marks.push(Mark { at_us: probes.now_us(), action: action.describe(), active_after: String::new() });
                }
                previous_was_action = true;
                inject(&lab, action).await?;
            }
        }
    }
    if progress {
        eprintln!();
    }
    marks.last_mut().expect("baseline").active_after = active(&host_nl).await;
    let end_us = probes.now_us();
    let interval_us = probes.interval.as_micros() as u64;
    let flows = probes.finish()?;
    Ok(analyze(&scenario.name, &scenario.description, t.probe.rate, &flows, &marks, end_us, interval_us))
}

fn say(progress: bool, what: &str) {
    if progress {
        eprintln!("lab: {what}");
    }
}

async fn sleep(d: Duration, interrupted: &AtomicBool) -> Result<(), String> {
    let end = tokio::time::Instant::now() + d;
    while tokio::time::Instant::now() < end {
        if interrupted.load(Ordering::SeqCst) {
            return Err("interrupted".into());
        }
        tokio::time::sleep(Duration::from_millis(50).min(end - tokio::time::Instant::now())).await;
    }
    Ok(())
}

async fn inject(lab: &Lab, step: &Step) -> Result<(), String> {
    let (ends, up): (Vec<_>, bool) = match step {
        Step::Cut(nic) | Step::Mend(nic) => (
            lab.cables.iter().filter(|c| c.host_nic.as_deref() == Some(nic.as_str())).collect(),
            matches!(step, Step::Mend(_)),
        ),
        Step::Fail(sw) | Step::Restore(sw) => {
            (lab.cables.iter().filter(|c| &c.switch == sw).collect(), matches!(step, Step::Restore(_)))
        }
        Step::Wait(_) => return Ok(()),
    };
    if ends.is_empty() {
        return Err(format!("{}: no such cable or switch in the lab", step.describe()));
    }
    for e in ends {
        lab.set_cable(e, up).await?;
    }
    Ok(())
}

/// Which ports carry traffic: the active port of primary-based bonds, the ports of the active
/// aggregator of 802.3ad bonds.
async fn active(nl: &Netlink) -> String {
    let Ok(o) = nl.observe().await else { return "?".into() };
    let mut parts = Vec::new();
    for b in o.status.iter().filter(|s| s.bond.is_some()) {
        let bs = b.bond.as_ref().expect("filtered");
        let up_ports = || {
            o.status
                .iter()
                .filter(|p| p.master.as_deref() == Some(b.name.as_str()))
                .filter(|p| p.bond_port.as_ref().is_some_and(|bp| bp.mii_status == "up"))
        };
        let text = if let Some(a) = &bs.active_port {
            a.clone()
        } else if let Some(agg) = bs.lacp.as_ref().and_then(|l| l.aggregator_id) {
            let ps: Vec<String> = up_ports()
                .filter(|p| p.bond_port.as_ref().and_then(|bp| bp.aggregator_id) == Some(agg))
                .map(|p| p.name.clone())
                .collect();
            if ps.is_empty() { "none".into() } else { ps.join("+") }
        } else {
            let ps: Vec<String> = up_ports().map(|p| p.name.clone()).collect();
            if ps.is_empty() { "none".into() } else { ps.join("+") }
        };
        parts.push(format!("{}:{text}", b.name));
    }
    parts.join(" ")
}
