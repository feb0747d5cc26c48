//! Running a scenario on freshly built replicas: build, wait until settled, inject the steps
//! while probes and event recorders run, tear down; as many times as asked.

use crate::error::{LabError, Result};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hostnet_core::Config;
use hostnet_netlink::status::LinkStatus;

use crate::build::Lab;
use crate::events::Recorder;
use crate::probe::Probes;
use crate::repeat::{LabResult, summarize};
use crate::report::{LabReport, Mark, Recording, analyze};
use crate::scenario::{Scenario, Step, parse_duration};
use crate::settle::{Stability, Verdict, judge};
use crate::topology::Topology;

/// How often recorders dump links to catch LACP state changes the kernel does not announce.
const POLL: Duration = Duration::from_millis(50);
/// How long the settled replica is watched before the first step: its loss is the baseline.
const BASELINE: Duration = Duration::from_secs(2);

/// Runs `scenario` `repeat` times, each on a fresh replica, and summarises.
pub async fn run_repeated(
    t: &Topology,
    host: &Config,
    scenario: &Scenario,
    repeat: usize,
    progress: bool,
    interrupted: &AtomicBool,
) -> Result<LabResult> {
    let mut runs = Vec::new();
    for i in 0..repeat.max(1) {
        if progress && repeat > 1 {
            eprintln!("lab: run {} of {repeat}", i + 1);
        }
        runs.push(run(t, host, scenario, progress, interrupted).await?);
    }
    Ok(LabResult {
        scenario: scenario.name.clone(),
        description: scenario.description.clone(),
        rate: t.probe.rate,
        settle_rule: t.settle,
        cluster: t.cluster,
        summary: summarize(&runs)?,
        runs,
    })
}

/// Builds the replica, waits until it settles, runs `scenario`, tears everything down.
/// `interrupted` is polled so that Ctrl-C ends the run cleanly (the replica is removed either way).
pub async fn run(
    t: &Topology,
    host: &Config,
    scenario: &Scenario,
    progress: bool,
    interrupted: &AtomicBool,
) -> Result<LabReport> {
    say(progress, "building the replica");
    let lab = Lab::build(t, host).await?;
    let peers: Vec<(String, String, IpAddr)> =
        lab.peers.iter().map(|(n, a)| (n.clone(), lab.peer_ns[n].clone(), *a)).collect();
    if peers.is_empty() {
        return Err(LabError::Input("the lab file declares no peers to probe".into()));
    }
    let epoch = Instant::now();
    let recorder = Recorder::start(&nodes(&lab), epoch, POLL)?;
    let probes = Probes::start(&lab.host_ns, lab.host_addr, &peers, t.probe.rate, epoch)?;
    let probes_from_us = probes.now_us();
    say(progress, "waiting for the replica to settle (LACP converged, bonds stable, probes lossless)");
    let flowing_us = match settle(t, &recorder, &probes, interrupted).await {
        Ok(at) => at,
        Err(e) => {
            let _ = probes.finish();
            let _ = recorder.finish();
            return Err(e);
        }
    };
    let mut marks =
        vec![Mark { at_us: probes.now_us(), applied_us: None, action: "baseline".into(), active_after: String::new() }];
    let outcome = steps(&lab, scenario, &recorder, &probes, &mut marks, progress, interrupted).await;
    let end_us = probes.now_us();
    let interval_us = probes.interval.as_micros() as u64;
    let flows = probes.finish()?;
    let events = recorder.finish()?;
    outcome?;
    let rec =
        Recording { flows: &flows, marks: &marks, events: &events, end_us, interval_us, probes_from_us, flowing_us };
    Ok(analyze(&scenario.name, &scenario.description, t.probe.rate, &rec, t.cluster.as_ref()))
}

/// Waits until the replica is in steady state; returns when every direction first delivered.
async fn settle(t: &Topology, recorder: &Recorder, probes: &Probes, interrupted: &AtomicBool) -> Result<u64> {
    let start = Instant::now();
    let mut flowing_us = None;
    let mut stability = Stability::default();
    loop {
        let now = probes.now_us();
        let lossless = probes.lossless_for();
        if flowing_us.is_none() && lossless.iter().all(|(_, c)| c.is_some()) {
            flowing_us = Some(now);
        }
        match judge(&t.settle, &recorder.views(), &mut stability, now, &lossless) {
            Verdict::Settled => return Ok(flowing_us.unwrap_or(now)),
            Verdict::Waiting(why) if start.elapsed() >= t.settle.timeout() => {
                return Err(LabError::NotSettled(format!(
                    "the replica did not settle within {} s:\n  {}",
                    t.settle.timeout_ms / 1000,
                    why.join("\n  ")
                )));
            }
            Verdict::Waiting(_) => sleep(POLL, interrupted).await?,
        }
    }
}

/// Waits until the replica's bonds are converged and stable (no probes involved).
pub async fn wait_bonds_settled(lab: &Lab, rule: &crate::settle::SettleRule) -> Result<()> {
    let epoch = Instant::now();
    let recorder = Recorder::start(&nodes(lab), epoch, POLL)?;
    let mut stability = Stability::default();
    let result = loop {
        let now = epoch.elapsed().as_micros() as u64;
        match judge(rule, &recorder.views(), &mut stability, now, &[]) {
            Verdict::Settled => break Ok(()),
            Verdict::Waiting(why) if epoch.elapsed() >= rule.timeout() => {
                break Err(LabError::NotSettled(format!(
                    "the replica's bonds did not settle:\n  {}",
                    why.join("\n  ")
                )));
            }
            Verdict::Waiting(_) => tokio::time::sleep(POLL).await,
        }
    };
    recorder.finish()?;
    result
}

/// The namespaces whose bonds the recorder watches: the host and every switch.
fn nodes(lab: &Lab) -> Vec<(String, String)> {
    std::iter::once(("host".to_string(), lab.host_ns.clone()))
        .chain(lab.switch_ns.iter().map(|(s, n)| (s.clone(), n.clone())))
        .collect()
}

async fn steps(
    lab: &Lab,
    scenario: &Scenario,
    recorder: &Recorder,
    probes: &Probes,
    marks: &mut Vec<Mark>,
    progress: bool,
    interrupted: &AtomicBool,
) -> Result<()> {
    sleep(BASELINE, interrupted).await?;
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
                    marks.last_mut().expect("baseline").active_after = active(recorder);
                    let at_us = probes.now_us();
                    marks.push(Mark {
                        at_us,
                        applied_us: None,
                        action: action.describe(),
                        active_after: String::new(),
                    });
                }
                previous_was_action = true;
                inject(lab, action).await?;
                marks.last_mut().expect("pushed").applied_us = Some(probes.now_us());
            }
        }
    }
    if progress {
        eprintln!();
    }
    marks.last_mut().expect("baseline").active_after = active(recorder);
    Ok(())
}

fn say(progress: bool, what: &str) {
    if progress {
        eprintln!("lab: {what}");
    }
}

async fn sleep(d: Duration, interrupted: &AtomicBool) -> Result<()> {
    let end = tokio::time::Instant::now() + d;
    while tokio::time::Instant::now() < end {
        if interrupted.load(Ordering::SeqCst) {
            return Err(LabError::Interrupted);
        }
        tokio::time::sleep(Duration::from_millis(50).min(end - tokio::time::Instant::now())).await;
    }
    Ok(())
}

async fn inject(lab: &Lab, step: &Step) -> Result<()> {
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
        return Err(LabError::Input(format!("{}: no such cable or switch in the lab", step.describe())));
    }
    for e in ends {
        lab.set_cable(e, up).await?;
    }
    Ok(())
}

/// Which host ports carry traffic, from the recorder's latest view: the active port of
/// primary-based bonds, the ports of the active aggregator of 802.3ad bonds.
fn active(recorder: &Recorder) -> String {
    let views = recorder.views();
    let Some(links) = views.get("host") else { return "?".into() };
    active_ports(links)
}

pub fn active_ports(links: &[LinkStatus]) -> String {
    let mut parts = Vec::new();
    for b in links.iter().filter(|s| s.bond.is_some()) {
        let bs = b.bond.as_ref().expect("filtered");
        let up_ports = || {
            links
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
