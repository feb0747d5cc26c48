//! `doctor`: read-only checks of the live host for known traps.

use std::process::ExitCode;

use hostnet_doctor::{Severity, diagnose, gather};
use hostnet_netlink::Netlink;

use super::{EXIT_FAILED, runtime};

/// Exit 0 when nothing is an error (warnings allowed), 1 otherwise: usable from monitoring.
pub fn doctor(json: bool) -> ExitCode {
    let snap = match runtime().block_on(async { gather(&Netlink::connect()?).await }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let findings = diagnose(&snap);
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
