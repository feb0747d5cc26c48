//! Design advice from the lab's measurements (docs/lab-stacked-bonds.md): nested bonds over two
//! switches that are valid configs, yet lose seconds of traffic on an ordinary failure or
//! return. `check` and the daemon print these as located warnings; `doctor` reports them as
//! findings. Each names what was measured and the command that measures it again.

use crate::model::{BondMode, Config, Kind};

/// Reproduces every number below (5 settled runs per design and scenario).
pub const LAB_COMMAND: &str =
    "bench/lab-matrix.sh (or: hostnet lab --vm --repeat 5 examples/lab/stacked-bonds.lab.yaml --scenario switch-a)";

/// One piece of advice: the rule, the field it is about (`interfaces[2].bond.mode`), the
/// interface, what the lab measured for such a design, and what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    pub rule: &'static str,
    pub field: String,
    pub subject: String,
    pub measured: String,
    pub fix: String,
}

/// Advice for every bond that has 802.3ad bonds among its ports.
pub fn advice(config: &Config) -> Vec<Advice> {
    let mut out = Vec::new();
    let index = |name: &str| config.interfaces.iter().position(|i| i.name == name);
    for (i, outer) in config.interfaces.iter().enumerate() {
        let Kind::Bond(b) = &outer.kind else { continue };
        let lacp: Vec<(usize, &crate::model::Bond)> = b
            .ports
            .iter()
            .filter_map(|p| index(p))
            .filter_map(|j| match &config.interfaces[j].kind {
                Kind::Bond(pb) if pb.mode == BondMode::Lacp => Some((j, pb)),
                _ => None,
            })
            .collect();
        if lacp.is_empty() {
            continue;
        }
        let names: Vec<&str> = lacp.iter().map(|(j, _)| config.interfaces[*j].name.as_str()).collect();
        let names = names.join(", ");
        if matches!(b.mode, BondMode::BalanceAlb | BondMode::BalanceTlb) {
            let (measured, field) = match b.updelay.filter(|u| *u > 0) {
                None => (
                    format!(
                        "{} over the 802.3ad bonds {names} uses a returning switch's bond as soon as one port has carrier, \
                         about 2 s before LACP lets frames through (the aggregate wait): the lab measured a 2.2 s blackhole \
                         in both directions when a switch returns (2212 ms median of 5 runs)",
                        b.mode
                    ),
                    format!("interfaces[{i}].bond.mode"),
                ),
                Some(u) => (
                    format!(
                        "updelay {u} on a {} bond over the 802.3ad bonds {names} moves the loss from a switch's return to its \
                         failure: with updelay 3000 the lab measured 2172 ms of inbound loss when a switch fails, against \
                         59 ms without it",
                        b.mode
                    ),
                    format!("interfaces[{i}].bond.updelay"),
                ),
            };
            out.push(Advice {
                rule: "alb-over-lacp-blackhole",
                field,
                subject: outer.name.clone(),
                measured,
                fix: format!(
                    "consider `mode: active-backup` on {}: in the same lab it lost 1 packet per cable, 54 ms per \
                     switch failure and nothing when a switch returned (one switch carries the traffic at a time); \
                     or balance-alb over the NICs without LACP: under 100 ms for every single failure. Measured by \
                     {LAB_COMMAND}; see docs/lab-stacked-bonds.md",
                    outer.name
                ),
            });
        }
        for (j, pb) in &lacp {
            if let Some(m) = pb.min_links.filter(|m| *m >= 2) {
                let inner = &config.interfaces[*j].name;
                out.push(Advice {
                    rule: "inner-bond-min-links",
                    field: format!("interfaces[{j}].bond.min_links"),
                    subject: inner.clone(),
                    measured: format!(
                        "min_links {m} on {inner}, a port of {}: one pulled cable takes all of {inner} down; the lab measured \
                         about 2.1 s of loss for one cable (bimodal: 5 ms or 2.1 s, by which bond held the MAC) where 0 \
                         was lost without it, and after both switches fail one returning cable never recovers",
                        outer.name
                    ),
                    fix: format!(
                        "leave min_links unset (or 1) on {inner}: the outer bond already moves away from a bond that lost \
                         every port. Measured by {LAB_COMMAND}; see docs/lab-stacked-bonds.md"
                    ),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(yaml: &str) -> Config {
        crate::load("t.yaml", yaml).expect("valid")
    }

    const SEED: &str = "interfaces:
  - { name: e1, ethernet: {} }
  - { name: e2, ethernet: {} }
  - { name: e3, ethernet: {} }
  - { name: e4, ethernet: {} }
  - { name: b1, bond: { mode: 802.3ad, ports: [e1, e2] } }
  - { name: b2, bond: { mode: 802.3ad, ports: [e3, e4] } }
  - { name: b0, bond: { mode: balance-alb, ports: [b1, b2] } }
";

    #[test]
    fn the_seed_design_is_told_of_the_blackhole_on_a_switch_return_at_its_mode() {
        let a = advice(&load(SEED));
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(
            (a[0].rule, a[0].field.as_str(), a[0].subject.as_str()),
            ("alb-over-lacp-blackhole", "interfaces[6].bond.mode", "b0")
        );
        assert!(a[0].measured.contains("2.2 s blackhole") && a[0].fix.contains("active-backup"), "{a:?}");
        assert!(a[0].fix.contains("lab-matrix.sh"), "the advice names the command that measures it: {a:?}");
    }

    #[test]
    fn updelay_is_told_where_the_loss_moved_and_min_links_what_it_breaks() {
        let y = SEED
            .replace(
                "mode: balance-alb, ports: [b1, b2]",
                "mode: balance-alb, ports: [b1, b2], miimon: 100, updelay: 3000",
            )
            .replace("ports: [e1, e2] }", "ports: [e1, e2], min_links: 2 }");
        let a = advice(&load(&y));
        let got: Vec<(&str, &str)> = a.iter().map(|a| (a.rule, a.field.as_str())).collect();
        assert_eq!(
            got,
            [
                ("alb-over-lacp-blackhole", "interfaces[6].bond.updelay"),
                ("inner-bond-min-links", "interfaces[4].bond.min_links")
            ]
        );
        assert!(a[0].measured.contains("2172 ms"), "{a:?}");
    }

    #[test]
    fn the_designs_the_lab_found_better_get_no_advice() {
        assert!(advice(&load(&SEED.replace("balance-alb", "active-backup"))).is_empty());
        let four = "interfaces:
  - { name: e1, ethernet: {} }
  - { name: e2, ethernet: {} }
  - { name: b0, bond: { mode: balance-alb, ports: [e1, e2] } }
";
        assert!(advice(&load(four)).is_empty());
    }
}
