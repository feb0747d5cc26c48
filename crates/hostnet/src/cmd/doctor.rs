//! `doctor`: read-only checks of the live host for known traps.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hostnet_doctor::{Severity, diagnose, gather};
use hostnet_netlink::Netlink;

use super::{EXIT_FAILED, runtime};

/// Where `cabled_to` expectations come from when `--config` is not given.
use crate::cli::DEFAULT_CONFIG as BOOT_CONFIG;

/// Exit 0 when nothing is an error (warnings allowed), 1 otherwise: usable from monitoring.
pub fn doctor(json: bool, interval: Option<u64>, lldp: Option<u64>, config: Option<PathBuf>) -> ExitCode {
    let declared = match &config {
        Some(p) => match hostnet_core::load_file(p) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_FAILED);
            }
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
        println!("{}", serde_json::to_string_pretty(&findings).expect("serializable"));
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
