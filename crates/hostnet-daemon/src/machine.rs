//! Each declared link's life in the daemon, as a typed state machine with its transitions in one
//! table. systemd-networkd's per-link states (`networkd-link.c`: pending, initialized,
//! configuring, configured, failed, linger) are the model; ours differ where hostnet differs: a
//! whole-host plan decides what a link lacks, and drift is a state of its own because it may be
//! reported rather than repaired.

use hostnet_core::model::Reconcile;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Declared, not on the host yet (a NIC whose driver has not loaded, a cable box not
    /// plugged in): waiting for it to appear.
    Pending,
    /// Operations for it are running.
    Configuring,
    /// It matches the config.
    Configured,
    /// It differs from the config, and the config says to report, not repair.
    Drifted,
    /// Its last operations failed; retried with backoff.
    Failed,
}

impl Phase {
    pub const ALL: [Phase; 5] = [Phase::Pending, Phase::Configuring, Phase::Configured, Phase::Drifted, Phase::Failed];

    /// The phase as status, metrics and JSON spell it.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Pending => "pending",
            Phase::Configuring => "configuring",
            Phase::Configured => "configured",
            Phase::Drifted => "drifted",
            Phase::Failed => "failed",
        }
    }
}

/// What the latest look at the host says about one link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A declared NIC that nothing on the host matches.
    Missing,
    /// Present and as declared.
    Matches,
    /// Present (or creatable) and not as declared.
    Differs,
    /// Its operations ran and the host was verified.
    Applied,
    ApplyFailed,
}

/// What the daemon does about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Nothing,
    /// First configuration of a link that appeared: done in every reconcile mode.
    Configure,
    /// Put drift back.
    Repair,
    /// Record the drift, leave it.
    ReportDrift,
    /// Run its operations again if its backoff has passed.
    Retry,
    /// Record that it went away.
    NoteVanished,
    /// Record that it matches again without our doing.
    NoteRecovered,
    NoteFailure,
}

/// Which reconcile modes a rule applies in.
#[derive(Debug, Clone, Copy)]
enum Mode {
    Any,
    Only(Reconcile),
}

use Action as A;
use Input as I;
use Phase as P;

/// (from, input, mode) -> (to, action). The first matching rule wins; anything not listed
/// keeps its phase and does nothing.
const RULES: &[(&[Phase], Input, Mode, Phase, Action)] = &[
    (&[P::Pending], I::Missing, Mode::Any, P::Pending, A::Nothing),
    (&[P::Configuring, P::Configured, P::Drifted, P::Failed], I::Missing, Mode::Any, P::Pending, A::NoteVanished),
    (&[P::Pending, P::Configuring, P::Configured], I::Matches, Mode::Any, P::Configured, A::Nothing),
    (&[P::Drifted, P::Failed], I::Matches, Mode::Any, P::Configured, A::NoteRecovered),
    (&[P::Pending], I::Differs, Mode::Any, P::Configuring, A::Configure),
    (&[P::Configured, P::Drifted], I::Differs, Mode::Only(Reconcile::Repair), P::Configuring, A::Repair),
    (&[P::Configured, P::Drifted], I::Differs, Mode::Only(Reconcile::ReportOnly), P::Drifted, A::ReportDrift),
    (&[P::Failed], I::Differs, Mode::Any, P::Failed, A::Retry),
    (&[P::Configuring], I::Applied, Mode::Any, P::Configured, A::Nothing),
    (&[P::Configuring], I::ApplyFailed, Mode::Any, P::Failed, A::NoteFailure),
];

/// The next phase of a link in `phase` given `input`, under reconcile mode `mode`.
pub fn step(phase: Phase, input: Input, mode: Reconcile) -> (Phase, Action) {
    for (from, i, m, to, action) in RULES {
        let mode_fits = match m {
            Mode::Any => true,
            Mode::Only(x) => *x == mode,
        };
        if from.contains(&phase) && *i == input && mode_fits {
            return (*to, *action);
        }
    }
    (phase, Action::Nothing)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_INPUTS: [Input; 5] = [I::Missing, I::Matches, I::Differs, I::Applied, I::ApplyFailed];

    #[test]
    fn a_late_nic_is_configured_in_both_modes() {
        for mode in [Reconcile::Repair, Reconcile::ReportOnly] {
            assert_eq!(step(P::Pending, I::Differs, mode), (P::Configuring, A::Configure));
            assert_eq!(step(P::Configuring, I::Applied, mode), (P::Configured, A::Nothing));
        }
    }

    #[test]
    fn drift_is_repaired_or_only_reported() {
        assert_eq!(step(P::Configured, I::Differs, Reconcile::Repair), (P::Configuring, A::Repair));
        assert_eq!(step(P::Configured, I::Differs, Reconcile::ReportOnly), (P::Drifted, A::ReportDrift));
        assert_eq!(step(P::Drifted, I::Matches, Reconcile::ReportOnly), (P::Configured, A::NoteRecovered));
    }

    #[test]
    fn a_matching_link_is_never_acted_on() {
        for phase in Phase::ALL {
            for mode in [Reconcile::Repair, Reconcile::ReportOnly] {
                let (_, action) = step(phase, I::Matches, mode);
                assert!(matches!(action, A::Nothing | A::NoteRecovered), "{phase:?}: {action:?}");
            }
        }
    }

    #[test]
    fn names_are_the_json_spelling() {
        for p in Phase::ALL {
            assert_eq!(serde_json::to_value(p).unwrap(), p.name());
        }
    }

    #[test]
    fn every_phase_and_input_has_a_defined_outcome() {
        // No combination panics or acts on a missing link.
        for phase in Phase::ALL {
            for input in ALL_INPUTS {
                for mode in [Reconcile::Repair, Reconcile::ReportOnly] {
                    let (to, action) = step(phase, input, mode);
                    if input == I::Missing {
                        assert_eq!(to, P::Pending);
                        assert!(matches!(action, A::Nothing | A::NoteVanished));
                    }
                }
            }
        }
    }

    #[test]
    fn failures_are_retried_and_vanished_links_wait_again() {
        assert_eq!(step(P::Configuring, I::ApplyFailed, Reconcile::Repair), (P::Failed, A::NoteFailure));
        assert_eq!(step(P::Failed, I::Differs, Reconcile::ReportOnly), (P::Failed, A::Retry));
        assert_eq!(step(P::Configured, I::Missing, Reconcile::Repair), (P::Pending, A::NoteVanished));
    }
}
