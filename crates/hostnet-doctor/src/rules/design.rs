//! The declared design against what the lab measured for it (hostnet_core::design): the same
//! advice `check` prints as warnings, as findings on the host that runs it.

use crate::{Finding, Severity, Snapshot};

pub fn check(s: &Snapshot) -> Vec<Finding> {
    let Some(config) = &s.declared else { return vec![] };
    hostnet_core::design::advice(config)
        .into_iter()
        .map(|a| Finding {
            rule: a.rule,
            severity: Severity::Warning,
            subject: a.subject,
            evidence: vec![a.measured],
            fix: a.fix,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declared_seed_design_gets_the_labs_warning() {
        let yaml =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/stacked-bonds.yaml")).unwrap();
        let s =
            Snapshot { declared: Some(hostnet_core::load("stacked-bonds.yaml", &yaml).unwrap()), ..Default::default() };
        let f = check(&s);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].rule, f[0].severity, f[0].subject.as_str()),
            ("alb-over-lacp-blackhole", Severity::Warning, "idmz")
        );
        assert!(f[0].evidence[0].contains("2212 ms") && f[0].fix.contains("active-backup"), "{f:?}");
        assert!(check(&Snapshot::default()).is_empty(), "no declared config, no advice");
    }
}
