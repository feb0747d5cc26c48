//! How one apply runs: rollback or not, what counts as success, how long verification waits,
//! and which part of the config and the host it may touch.

use rustc_hash::FxHashSet as HashSet;
use std::time::Duration;

use hostnet_core::Config;

/// How a transaction takes the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockMode {
    /// Wait for another hostnet to finish (one-shot commands).
    #[default]
    Wait,
    /// Give up at once when it is held: the daemon retries rather than stall its event loop
    /// (and its watchdog) behind a one-shot apply.
    Try,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub rollback: bool,
    /// At boot a missing NIC is reported, never a reason to undo the rest.
    pub tolerate_missing: bool,
    pub verify_attempts: u32,
    pub settle: Duration,
    /// Bridges are held for the start-up behind their ports when bringing the links up took
    /// this long ([`crate::HOLD_AFTER_UPS`]; tests lower it).
    pub hold_after_ups: Duration,
    /// Only operations on these devices run and are verified (the daemon acts on the links its
    /// state machine chose; drift it only reports stays as it is). `None`: everything.
    pub scope: Option<HashSet<String>>,
    /// The part of the config to plan and verify, when the caller knows the host matches the
    /// rest (the daemon; see `hostnet_core::plan::scope`). `None`: all of it.
    pub part: Option<Config>,
    /// The trial this caller runs itself (the daemon's): it does not block this apply, which
    /// keeps the trial's config true. Any other pending trial refuses the apply.
    pub own_trial: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            rollback: true,
            tolerate_missing: false,
            verify_attempts: 20,
            settle: Duration::from_millis(100),
            hold_after_ups: crate::HOLD_AFTER_UPS,
            scope: None,
            part: None,
            own_trial: None,
        }
    }
}
