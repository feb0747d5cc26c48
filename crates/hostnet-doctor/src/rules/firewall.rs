//! Firewall rules that drop or reject loopback traffic (e.g. OUTPUT to 127.0.0.1:953 breaks
//! `rndc`; a default-drop INPUT without `iif lo accept` breaks every local service).
//! Read from `nft list ruleset` and `iptables-save` text.

use crate::{Finding, Ruleset, Severity, Snapshot};

pub fn check(s: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in &s.rulesets {
        match r {
            Ruleset::Nft(t) => nft(t, &mut out),
            Ruleset::IptablesSave(t) => iptables(t, &mut out),
        }
    }
    out
}

fn finding(subject: String, evidence: String, fix: &str) -> Finding {
    Finding {
        rule: "firewall-drops-loopback",
        severity: Severity::Error,
        subject,
        evidence: vec![evidence],
        fix: fix.into(),
    }
}

const FIX_RULE: &str = "accept loopback before this rule (nft: `iif \"lo\" accept` / `oif \"lo\" accept`; iptables: `-I INPUT -i lo -j ACCEPT`, `-I OUTPUT -o lo -j ACCEPT`), or remove it";
const FIX_POLICY: &str = "add an early loopback accept to this chain (nft: `iif \"lo\" accept` or `oif \"lo\" accept`; iptables: `-A INPUT -i lo -j ACCEPT`)";

fn nft(text: &str, out: &mut Vec<Finding>) {
    let mut table = String::new();
    let mut chain = String::new();
    let mut hook = String::new();
    let mut policy_drop = false;
    let mut lo_accepted = false;
    for line in text.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("table ") {
            table = rest.trim_end_matches('{').trim().to_string();
        } else if let Some(rest) = t.strip_prefix("chain ") {
            chain = rest.trim_end_matches('{').trim().to_string();
            hook.clear();
            policy_drop = false;
            lo_accepted = false;
        } else if t.starts_with("type ") && t.contains(" hook ") {
            hook = t.split(" hook ").nth(1).and_then(|h| h.split_whitespace().next()).unwrap_or("").to_string();
            policy_drop = t.contains("policy drop");
        } else if t == "}" {
            if !chain.is_empty() {
                if policy_drop && !lo_accepted && (hook == "input" || hook == "output") {
                    out.push(finding(
                        format!("nft {table} {chain}"),
                        format!(
                            "nft: table {table} chain {chain}: hook {hook} policy drop, and no rule accepts loopback"
                        ),
                        FIX_POLICY,
                    ));
                }
                chain.clear();
            }
        } else if !chain.is_empty() && !t.is_empty() {
            let words: Vec<&str> = t.split_whitespace().collect();
            let negated = t.contains("!= \"lo\"") || t.contains("!= lo");
            let about_lo = t.contains("if \"lo\"")
                || t.contains("ifname \"lo\"")
                || t.contains("if lo ")
                || t.contains("ifname lo ")
                || t.contains("daddr 127.")
                || t.contains("saddr 127.")
                || t.contains("daddr ::1")
                || t.contains("saddr ::1");
            if about_lo && !negated {
                if words.iter().any(|w| *w == "drop" || *w == "reject") {
                    out.push(finding(
                        format!("nft {table} {chain}"),
                        format!("nft: table {table} chain {chain}: {t}"),
                        FIX_RULE,
                    ));
                } else if words.contains(&"accept") {
                    lo_accepted = true;
                }
            }
        }
    }
}

fn iptables(text: &str, out: &mut Vec<Finding>) {
    let mut in_filter = false;
    let mut drop_policy: Vec<String> = Vec::new();
    let mut lo_accept: Vec<String> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(table) = t.strip_prefix('*') {
            in_filter = table == "filter";
            continue;
        }
        if t == "COMMIT" {
            in_filter = false;
        }
        if !in_filter {
            continue;
        }
        if let Some(rest) = t.strip_prefix(':') {
            let mut w = rest.split_whitespace();
            if let (Some(chain), Some("DROP")) = (w.next(), w.next())
                && (chain == "INPUT" || chain == "OUTPUT")
            {
                drop_policy.push(chain.to_string());
            }
            continue;
        }
        let Some(rule) = t.strip_prefix("-A ") else { continue };
        let chain = rule.split_whitespace().next().unwrap_or("").to_string();
        let w: Vec<&str> = rule.split_whitespace().collect();
        let opt = |flag: &str| w.windows(2).find(|p| p[0] == flag).map(|p| p[1]);
        let negated = w.windows(2).any(|p| p[0] == "!" && (p[1] == "-i" || p[1] == "-o"));
        let about_lo = opt("-i") == Some("lo")
            || opt("-o") == Some("lo")
            || opt("-d").is_some_and(|d| d.starts_with("127.") || d.starts_with("::1"))
            || opt("-s").is_some_and(|d| d.starts_with("127.") || d.starts_with("::1"));
        if !about_lo || negated {
            continue;
        }
        match opt("-j") {
            Some("DROP") | Some("REJECT") => {
                out.push(finding(format!("iptables filter {chain}"), format!("iptables-save:{}: {t}", n + 1), FIX_RULE))
            }
            Some("ACCEPT") => lo_accept.push(chain),
            _ => {}
        }
    }
    for chain in drop_policy {
        if !lo_accept.contains(&chain) {
            out.push(finding(
                format!("iptables filter {chain}"),
                format!("iptables-save: :{chain} DROP, and no rule accepts loopback"),
                FIX_POLICY,
            ));
        }
    }
}
