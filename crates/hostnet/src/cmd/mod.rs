//! Command-line surface. Each subcommand is a thin shell over the library crates.

mod apply;
mod check;
mod confirm_when;
mod convert;
mod daemon;
mod doctor;
pub mod exit;
mod export;
mod lab;
mod online;
mod show;

use std::process::ExitCode;

pub use crate::cli::{Cli, Command, ExportFormat, ImportFormat, PlanFormat, ShowWhat};

pub use exit::{FAILED as EXIT_FAILED, INVALID as EXIT_INVALID, NO_INPUT as EXIT_NO_INPUT, USAGE as EXIT_USAGE};

/// Set when stdout carries one JSON document (`apply --json --confirm-when`): the words of the
/// confirm or rollback that follow it then go to stderr.
static STDOUT_IS_JSON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A line for the user: on stdout, unless stdout is reserved for JSON.
pub fn say(line: std::fmt::Arguments<'_>) {
    if STDOUT_IS_JSON.load(std::sync::atomic::Ordering::Relaxed) {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
}

/// A time given on the command line (`30`, `30s`, `2m`) in whole seconds, at least one; `Err`
/// (after saying what is wrong with `flag`) is the usage error's exit code.
pub fn whole_seconds(flag: &str, given: &str) -> Result<u64, ExitCode> {
    match hostnet_core::duration::parse(given) {
        Ok(d) => Ok((d.as_secs_f64().ceil() as u64).max(1)),
        Err(e) => {
            eprintln!("error: {flag}: {e}");
            Err(ExitCode::from(EXIT_USAGE))
        }
    }
}

/// A trial's length in whole seconds: at least one, since a trial of none could not be
/// confirmed by anyone.
fn trial_seconds(s: &str) -> Result<u64, String> {
    let d = hostnet_core::duration::parse(s)?;
    match d.as_secs_f64().ceil() as u64 {
        0 => Err(format!("`{s}`: a trial must last at least a second, or nobody could confirm it")),
        n => Ok(n),
    }
}

pub fn run(cli: Cli) -> ExitCode {
    let ctx = apply::Ctx::new(&cli);
    // Commands that act on the host, or report on it, first make sure a pending trial still has
    // a reverter (confirm and rollback settle the trial themselves).
    if matches!(
        cli.command,
        Command::Apply { .. } | Command::Status { .. } | Command::Plan { live: true, .. } | Command::Recover { .. }
    ) {
        apply::watch_trial(&ctx);
    }
    match cli.command {
        Command::Check { file } => check::check(&file),
        Command::Plan { file, format, live, offline } => {
            apply::plan(&ctx, &file, format, apply::Against::of(live, offline))
        }
        Command::Show { json, yaml, name, what } => show::show(&ctx, json, yaml, name.as_deref(), what),
        Command::Apply { file, no_rollback, try_for, boot, json, fail_at, no_daemon, confirm_when } => {
            let checks = match confirm_when::parse(&confirm_when) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: --confirm-when: {e}");
                    return ExitCode::from(EXIT_USAGE);
                }
            };
            let try_secs = match try_for.as_deref().map(trial_seconds).transpose() {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: --try {e}");
                    return ExitCode::from(EXIT_USAGE);
                }
            };
            if try_secs.is_some() {
                // A dropped SSH session sends SIGHUP; between recording the trial and starting
                // its reverter it would leave a trial nothing reverts. Ignored from the start
                // (the reverter, in a session of its own, inherits that too).
                // SAFETY: setting a signal's disposition to SIG_IGN has no other effect.
                unsafe { libc::signal(libc::SIGHUP, libc::SIG_IGN) };
            }
            let args = apply::ApplyArgs { no_rollback, try_secs, boot, json, fail_at };
            // Boot mode is the one-shot unit's: it runs when no daemon is wanted.
            let via_daemon = if no_daemon || boot { None } else { daemon::apply(&ctx, &file, &args) };
            let applied = via_daemon.unwrap_or_else(|| apply::apply(&ctx, &file, args));
            STDOUT_IS_JSON.store(json, std::sync::atomic::Ordering::Relaxed);
            match try_secs {
                Some(secs) if !checks.is_empty() && applied == ExitCode::SUCCESS => {
                    confirm_when::confirm_when(&ctx, &file, &checks, secs)
                }
                _ => applied,
            }
        }
        Command::Confirm => daemon::confirm(&ctx).unwrap_or_else(|| apply::confirm(&ctx)),
        Command::Recover { discard } => apply::recover(&ctx, discard),
        Command::Rollback => daemon::rollback(&ctx).unwrap_or_else(|| apply::rollback(&ctx)),
        Command::Daemon { config, lease_dir, hooks, hook_timeout } => {
            // Leases of a namespace's links are that namespace's, as the state directory is.
            let lease_dir = match &cli.netns {
                Some(ns) => lease_dir.join(format!("netns-{ns}")),
                None => lease_dir,
            };
            let hook_timeout = match hostnet_core::duration::parse(&hook_timeout) {
                Ok(d) if !d.is_zero() => d,
                Ok(_) => {
                    eprintln!("error: --hook-timeout: 0 would kill every hook at once");
                    return ExitCode::from(EXIT_USAGE);
                }
                Err(e) => {
                    eprintln!("error: --hook-timeout: {e}");
                    return ExitCode::from(EXIT_USAGE);
                }
            };
            daemon::daemon(&ctx, &config, lease_dir, hooks, hook_timeout)
        }
        Command::Status { json } => daemon::status(&ctx, json),
        Command::Reload => daemon::reload(&ctx),
        Command::WaitOnline { timeout, interfaces, any } => online::wait_online(&ctx, &timeout, &interfaces, any),
        Command::Doctor { json, interval, lldp, config } => {
            doctor::doctor(json, interval.as_deref(), lldp.as_deref(), config)
        }
        Command::Lab { file, throughput, link_mbit, flows, seconds, modes, scenario, json, svg, vm, quiet, repeat } => {
            if throughput {
                let seconds = match whole_seconds("--duration", &seconds) {
                    Ok(s) => s,
                    Err(code) => return code,
                };
                lab::throughput(lab::ThroughputArgs { link_mbit, flows, seconds, modes, json, vm, quiet })
            } else {
                let file = file.expect("clap requires it");
                lab::lab(lab::LabArgs { file, scenario, json, svg, vm, quiet, repeat: repeat as usize })
            }
        }
        Command::Import { format, files } => convert::import(format, &files),
        Command::Export { format, dir, file, netplan_version, stdout, diff } => {
            let to = match (stdout || dir.as_os_str() == "-", diff) {
                (true, _) => export::To::Stdout,
                (_, true) => export::To::Diff(dir),
                _ => export::To::Dir(dir),
            };
            convert::export(format, to, &file, &netplan_version)
        }
        Command::RevertPending { id } => apply::revert_pending(&ctx, &id),
    }
}

/// Prints `error: MSG` and gives the exit code of a runtime failure.
pub fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_FAILED)
}

/// A single-threaded runtime: hostnet's work is sequential, and one thread keeps the network
/// namespace entered at start-up in force everywhere.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
}
