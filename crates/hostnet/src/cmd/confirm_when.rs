//! `apply --try S --confirm-when CHECKS`: after the trial is applied, runs the checks once a
//! second and confirms the trial itself once every check has passed for several seconds in a
//! row; otherwise rolls it back at its deadline and says which check failed. The trial keeps its
//! reverter all along, so a dropped session (or this process killed) still reverts it.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use hostnet_core::confirm::Check;
use hostnet_netlink::Netlink;
use hostnet_netlink::checks::Outcome;

use super::apply::Ctx;
use super::{EXIT_FAILED, runtime};

/// How long every check must keep passing: one good answer may be luck (an ARP entry about to
/// expire, a flapping port).
const STABLE: Duration = Duration::from_secs(5);
/// Between rounds of checks.
const ROUND: Duration = Duration::from_secs(1);
/// Rolled back this long before the trial's own deadline, so this process, not the reverter,
/// reports it.
const MARGIN: Duration = Duration::from_secs(2);

pub fn parse(list: &[String]) -> Result<Vec<Check>, String> {
    list.iter().flat_map(|s| s.split(',')).filter(|s| !s.trim().is_empty()).map(Check::parse).collect()
}

/// Runs `checks` until they hold for [`STABLE`] or `try_secs` (from now) run out.
pub fn confirm_when(ctx: &Ctx, file: &Path, checks: &[Check], try_secs: u64) -> ExitCode {
    let dns: Vec<std::net::IpAddr> =
        hostnet_core::load_file(file).ok().and_then(|c| c.dns).map(|d| d.nameservers).unwrap_or_default();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(try_secs).saturating_sub(MARGIN);
    let names: Vec<String> = checks.iter().map(ToString::to_string).collect();
    eprintln!(
        "confirm-when: checking {} every second; confirming after {} s of passes",
        names.join(", "),
        STABLE.as_secs()
    );
    let rt = runtime();
    let outcome: Result<Option<Vec<Outcome>>, hostnet_netlink::Error> = rt.block_on(async {
        let nl = Netlink::connect()?;
        if checks.contains(&Check::Gateway) {
            nl.forget_gateways().await?;
        }
        let mut passing_since: Option<Instant> = None;
        let mut last: Vec<Outcome> = Vec::new();
        while Instant::now() < deadline {
            let round = Instant::now();
            let mut results = Vec::with_capacity(checks.len());
            for c in checks {
                results.push(nl.run_check(c, &dns).await);
            }
            if results.iter().all(|r| r.ok) {
                let since = *passing_since.get_or_insert(round);
                if round.duration_since(since) >= STABLE {
                    return Ok(None);
                }
            } else {
                if passing_since.is_some() || last != results {
                    for r in results.iter().filter(|r| !r.ok) {
                        eprintln!("confirm-when: {}: {}", r.check, r.detail);
                    }
                }
                passing_since = None;
            }
            last = results;
            tokio::time::sleep(ROUND.saturating_sub(round.elapsed())).await;
        }
        Ok(Some(last))
    });
    match outcome {
        Ok(None) => {
            eprintln!("confirm-when: every check passed for {} s; confirming", STABLE.as_secs());
            super::daemon::confirm(ctx).unwrap_or_else(|| super::apply::confirm(ctx))
        }
        Ok(Some(failed)) => {
            let why: Vec<String> =
                failed.iter().filter(|r| !r.ok).map(|r| format!("{}: {}", r.check, r.detail)).collect();
            eprintln!(
                "confirm-when: not confirmed after {} s ({}); rolling back",
                started.elapsed().as_secs(),
                if why.is_empty() { "the checks never passed long enough".to_string() } else { why.join("; ") }
            );
            let _ = super::daemon::rollback(ctx).unwrap_or_else(|| super::apply::rollback(ctx));
            ExitCode::from(EXIT_FAILED)
        }
        Err(e) => {
            eprintln!(
                "error: confirm-when could not run its checks ({e}); the trial reverts at its deadline unless `{}` keeps it",
                ctx.command("confirm")
            );
            ExitCode::from(EXIT_FAILED)
        }
    }
}
