//! The hostname must not resolve to loopback: cluster daemons (corosync, pacemaker, RabbitMQ,
//! Ceph monitors...) look up their own name and bind what it resolves to.

use std::net::IpAddr;

use crate::{Finding, Severity, Snapshot};

pub fn check(s: &Snapshot) -> Vec<Finding> {
    let (Some(hosts), false) = (&s.hosts, s.hostname.is_empty()) else { return vec![] };
    let short = s.hostname.split('.').next().unwrap_or(&s.hostname);
    let example = if short == s.hostname { short.to_string() } else { format!("{} {short}", s.hostname) };
    let mut out = Vec::new();
    for (n, line) in hosts.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        let Some(Ok(ip)) = words.next().map(str::parse::<IpAddr>) else { continue };
        if !ip.is_loopback() {
            continue;
        }
        let names: Vec<&str> = words.collect();
        if names.iter().any(|w| *w == s.hostname || *w == short) {
            out.push(Finding {
                rule: "hostname-loopback",
                severity: Severity::Error,
                subject: s.hostname.clone(),
                evidence: vec![format!("/etc/hosts:{}: {}", n + 1, line.trim())],
                fix: format!(
                    "map `{}` to the address peers reach it on (e.g. `192.0.2.2 {example}`) and keep it off the {ip} line; daemons that bind their hostname otherwise listen on loopback only",
                    s.hostname
                ),
            });
        }
    }
    out
}
