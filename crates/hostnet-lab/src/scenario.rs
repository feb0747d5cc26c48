//! Fault scenarios: ordered steps, and the built-in ones from the stacked-bond seed.

use crate::error::LabError;
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// Pull the cable of a host NIC (the switch side goes down; the host sees carrier loss).
    Cut(String),
    Mend(String),
    /// Every cable of a switch down: host-facing, uplinks and peers.
    Fail(String),
    Restore(String),
    /// Observe for a while; a string such as `2s` or `500ms`.
    Wait(String),
}

impl Step {
    pub fn is_action(&self) -> bool {
        !matches!(self, Step::Wait(_))
    }

    pub fn describe(&self) -> String {
        match self {
            Step::Cut(p) => format!("cut {p}"),
            Step::Mend(p) => format!("mend {p}"),
            Step::Fail(s) => format!("fail {s}"),
            Step::Restore(s) => format!("restore {s}"),
            Step::Wait(d) => format!("wait {d}"),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub steps: Vec<Step>,
}

pub fn parse_duration(s: &str) -> Result<Duration, LabError> {
    hostnet_core::duration::parse(s).map_err(LabError::Input)
}

impl Scenario {
    pub fn load(path: &std::path::Path) -> Result<Scenario, LabError> {
        let t = std::fs::read_to_string(path).map_err(LabError::os(path.display().to_string()))?;
        let s: Scenario = serde_saphyr::from_str(&t)
            .map_err(|e| LabError::Input(format!("{}: {}", path.display(), e.without_snippet())))?;
        s.validate()?;
        Ok(s)
    }

    pub fn validate(&self) -> Result<(), LabError> {
        for st in &self.steps {
            if let Step::Wait(d) = st {
                parse_duration(d)?;
            }
        }
        Ok(())
    }

    /// The seed's scenarios, for a topology whose first switch has ports `a` and second `b`.
    pub fn builtin(name: &str, a: &[String], b: &[String], sw_a: &str, sw_b: &str) -> Option<Scenario> {
        let w = |d: &str| Step::Wait(d.into());
        let cut = |p: &String| Step::Cut(p.clone());
        let mend = |p: &String| Step::Mend(p.clone());
        let (a1, b1) = (a.first()?, b.first());
        let steps = match name {
            "one-cable" => vec![cut(a1), w("3s"), mend(a1), w("4s")],
            "switch-a" => vec![Step::Fail(sw_a.into()), w("4s"), Step::Restore(sw_a.into()), w("6s")],
            "a-then-b-then-one-a" => {
                let mut s: Vec<Step> = a.iter().map(cut).collect();
                s.push(w("3s"));
                s.extend(b.iter().map(cut));
                s.push(w("3s"));
                s.push(mend(a1));
                s.push(w("8s"));
                s
            }
            "a-then-b-then-one-b" => {
                let b1 = b1?;
                let mut s: Vec<Step> = a.iter().map(cut).collect();
                s.push(w("3s"));
                s.extend(b.iter().map(cut));
                s.push(w("3s"));
                s.push(mend(b1));
                s.push(w("8s"));
                s
            }
            _ => return None,
        };
        let _ = sw_b;
        let description = match name {
            "one-cable" => "pull one cable of the first switch, then plug it back",
            "switch-a" => "lose the first switch entirely, then restore it",
            "a-then-b-then-one-a" => "pull every cable of A, then of B, then plug one A cable back",
            _ => "pull every cable of A, then of B, then plug one B cable back (last failed first)",
        };
        Some(Scenario { name: name.into(), description: description.into(), steps })
    }

    pub const BUILTINS: &'static [&'static str] =
        &["one-cable", "switch-a", "a-then-b-then-one-a", "a-then-b-then-one-b"];
}
