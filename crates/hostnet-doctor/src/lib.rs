//! `hostnet doctor`: known traps on a live host. Rules are pure functions of a [`Snapshot`]
//! (what the host looks like), so each is tested on fixtures; [`gather`] takes the snapshot of a
//! live host, read-only.

pub mod gather;
pub mod lldp;
pub mod managers;
pub mod procbond;
pub mod rules;

use hostnet_core::State;
use hostnet_netlink::status::LinkStatus;
use serde::Serialize;

pub use gather::gather;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// One problem: which rule found it, where, what proves it, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub subject: String,
    pub evidence: Vec<String>,
    pub fix: String,
}

/// Everything the rules look at. Each part may be missing (not readable on this host).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub hostname: String,
    /// The text of /etc/hosts.
    pub hosts: Option<String>,
    /// Firewall rulesets as text: `nft list ruleset` and `iptables-save` output.
    pub rulesets: Vec<Ruleset>,
    /// Links in the config schema (kinds, options) and their runtime status.
    pub state: State,
    pub status: Vec<LinkStatus>,
    /// /proc/net/bonding/NAME texts, by bond name.
    pub bonding: Vec<(String, String)>,
    /// What each up NIC heard over LLDP, and how long it listened; `None` when doctor did not
    /// listen.
    pub lldp: Option<Lldp>,
    /// The declared config, for the expectations only it holds (`cabled_to`).
    pub declared: Option<hostnet_core::Config>,
    /// Other network managers at work on declared links.
    pub claims: Vec<rules::managers::Claim>,
}

#[derive(Debug, Clone, Default)]
pub struct Lldp {
    pub waited_secs: u64,
    pub heard: Vec<(String, Option<lldp::Neighbor>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ruleset {
    Nft(String),
    IptablesSave(String),
}

/// Runs every rule; errors first, then by rule and subject, so output is stable.
pub fn diagnose(s: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(rules::hosts::check(s));
    out.extend(rules::firewall::check(s));
    out.extend(rules::bonds::check(s));
    out.extend(rules::stack::check(s));
    out.extend(rules::cabling::check(s));
    out.extend(rules::design::check(s));
    out.extend(rules::managers::check(s));
    out.sort_by(|a, b| (a.severity, a.rule, &a.subject).cmp(&(b.severity, b.rule, &b.subject)));
    out
}
