//! `doctor`: read-only checks of the live host for known traps.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hostnet_doctor::{Severity, diagnose, gather};
use hostnet_netlink::Netlink;

use super::{EXIT_FAILED, runtime, whole_seconds};

/// Where `cabled_to` expectations come from when `--config` is not given.
use crate::cli::DEFAULT_CONFIG as BOOT_CONFIG;

/// Exit 0 when nothing is an error (warnings allowed), 1 otherwise: usable from monitoring.
pub fn doctor(json: bool, interval: Option<&str>, lldp: Option<&str>, config: Option<PathBuf>) -> ExitCode {
    let secs = |flag, given: Option<&str>| given.map(|g| whole_seconds(flag, g)).transpose();
    let (interval, lldp) = match (secs("--interval", interval), secs("--lldp", lldp)) {
        (Ok(i), Ok(l)) => (i, l),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let declared = match &config {
        Some(p) => match super::check::load(p) {
            Ok(c) => Some(c),
            Err(code) => return code,
        },
        None => hostnet_core::load_file(Path::new(BOOT_CONFIG)).ok(),
    };
    let rt = runtime();
    let sample = || rt.block_on(async { gather(&Netlink::connect()?).await });
    let first = match sample() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let mut findings = Vec::new();
    let snap = match interval {
        None => first,
        Some(secs) => {
            std::thread::sleep(std::time::Duration::from_secs(secs));
            match sample() {
                Ok(second) => {
                    findings.extend(hostnet_doctor::rules::bonds::rising(&first, &second, secs));
                    second
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(EXIT_FAILED);
                }
            }
        }
    };
    let mut snap = snap;
    if let Some(c) = &declared {
        snap.claims = hostnet_doctor::managers::for_config(c, &snap.state);
    }
    snap.declared = declared;
    if let Some(secs) = lldp {
        let nics = hostnet_doctor::lldp::nics(&snap.state);
        match hostnet_doctor::lldp::listen(&nics, std::time::Duration::from_secs(secs)) {
            Ok(heard) => snap.lldp = Some(hostnet_doctor::Lldp { waited_secs: secs, heard }),
            Err(e) => {
                eprintln!("error: listening for LLDP: {e}");
                return ExitCode::from(EXIT_FAILED);
            }
        }
    }
    findings.extend(diagnose(&snap));
    if json {
        println!("{}", serde_json::to_string_pretty(&Envelope::new(&snap.hostname, &findings)).expect("serializable"));
    } else if findings.is_empty() {
        println!("no known traps found");
    } else {
        for f in &findings {
            let sev = match f.severity {
                Severity::Error => "ERROR",
                Severity::Warning => "WARNING",
                Severity::Info => "INFO",
            };
            println!("{sev:<8} {}  {}", f.rule, f.subject);
            for e in &f.evidence {
                println!("         {e}");
            }
            println!("         fix: {}", f.fix);
        }
        let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
        let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        println!("{}, {}", plural(findings.len(), "finding"), plural(errors, "error"));
    }
    if findings.iter().any(|f| f.severity == Severity::Error) { ExitCode::from(EXIT_FAILED) } else { ExitCode::SUCCESS }
}

/// `doctor --json`: the findings with what a monitoring system files them under.
#[derive(serde::Serialize)]
struct Envelope<'a> {
    /// hostnet's version, since rules are added and sharpened between versions.
    version: &'static str,
    host: &'a str,
    counts: Counts,
    findings: &'a [hostnet_doctor::Finding],
}

#[derive(serde::Serialize)]
struct Counts {
    error: usize,
    warning: usize,
    info: usize,
}

impl<'a> Envelope<'a> {
    fn new(host: &'a str, findings: &'a [hostnet_doctor::Finding]) -> Self {
        let n = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        let counts = Counts { error: n(Severity::Error), warning: n(Severity::Warning), info: n(Severity::Info) };
        Envelope { version: env!("CARGO_PKG_VERSION"), host, counts, findings }
    }
}
