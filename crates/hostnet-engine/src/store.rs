//! The engine's seam to its durable records: the lock that keeps two applies from
//! interleaving, the journal that lets the next run roll back an apply killed midway, and the
//! pending trial of an `apply --try`. The state directory (`hostnet-netlink`) and the
//! in-memory [`crate::MemStore`] implement it.

use hostnet_core::plan::{Op, Owned, Step};
use serde::{Deserialize, Serialize};

/// Durable records of one host (one network namespace).
pub trait Store {
    /// Held while alive; dropping it releases the lock.
    type Lock;
    type Journal: Journal;

    /// Where the records are, for messages.
    fn location(&self) -> String;
    /// Takes the lock, waiting for another hostnet to finish.
    fn lock(&self) -> std::io::Result<Self::Lock>;
    /// Takes the lock if nobody holds it (the daemon retries later rather than stall).
    fn try_lock(&self) -> std::io::Result<Option<Self::Lock>>;
    /// Starts a journal for `steps`.
    fn begin(&self, steps: &[Step]) -> std::io::Result<Self::Journal>;
    /// A journal left by an apply that never finished.
    fn unfinished(&self) -> std::io::Result<Option<Unfinished>>;
    fn discard_journal(&self) -> std::io::Result<()>;
    fn pending(&self) -> std::io::Result<Option<Pending>>;
    fn set_pending(&self, p: &Pending) -> std::io::Result<()>;
    fn clear_pending(&self) -> std::io::Result<()>;
    /// The last trial reverted, until a new trial begins or one is confirmed; `None` clears it.
    fn set_reverted(&self, r: Option<&Reverted>) -> std::io::Result<()>;
    fn reverted(&self) -> std::io::Result<Option<Reverted>>;
    /// The links hostnet made or configured (see [`hostnet_core::plan::Owned`]); empty when
    /// none are recorded.
    fn owned(&self) -> std::io::Result<Owned>;
    fn set_owned(&self, owned: &Owned) -> std::io::Result<()>;
}

/// The journal of one apply in progress. Write-ahead: a step is recorded as started before it
/// runs, so that an apply killed while the kernel carried it out is undone too.
pub trait Journal {
    /// Records that step `index` is about to run.
    fn started(&mut self, index: usize) -> std::io::Result<()>;
    /// Records that step `index` completed.
    fn done(&mut self, index: usize) -> std::io::Result<()>;
    /// Records that step `index` failed: the kernel refused it, so nothing is to undo.
    fn failed(&mut self, index: usize) -> std::io::Result<()>;
    /// The apply ended (applied, or rolled back): nothing is left to recover.
    fn finish(self) -> std::io::Result<()>;
}

impl<T: Store> Store for &T {
    type Lock = T::Lock;
    type Journal = T::Journal;
    fn location(&self) -> String {
        (**self).location()
    }
    fn lock(&self) -> std::io::Result<Self::Lock> {
        (**self).lock()
    }
    fn try_lock(&self) -> std::io::Result<Option<Self::Lock>> {
        (**self).try_lock()
    }
    fn begin(&self, steps: &[Step]) -> std::io::Result<Self::Journal> {
        (**self).begin(steps)
    }
    fn unfinished(&self) -> std::io::Result<Option<Unfinished>> {
        (**self).unfinished()
    }
    fn discard_journal(&self) -> std::io::Result<()> {
        (**self).discard_journal()
    }
    fn pending(&self) -> std::io::Result<Option<Pending>> {
        (**self).pending()
    }
    fn set_pending(&self, p: &Pending) -> std::io::Result<()> {
        (**self).set_pending(p)
    }
    fn clear_pending(&self) -> std::io::Result<()> {
        (**self).clear_pending()
    }
    fn set_reverted(&self, r: Option<&Reverted>) -> std::io::Result<()> {
        (**self).set_reverted(r)
    }
    fn reverted(&self) -> std::io::Result<Option<Reverted>> {
        (**self).reverted()
    }
    fn owned(&self) -> std::io::Result<Owned> {
        (**self).owned()
    }
    fn set_owned(&self, owned: &Owned) -> std::io::Result<()> {
        (**self).set_owned(owned)
    }
}

/// What a journal left by an interrupted apply says.
#[derive(Debug, Clone)]
pub struct Unfinished {
    pub pid: u32,
    pub steps: Vec<Step>,
    pub done: Vec<usize>,
    /// The step that had started and not finished when the apply died: the kernel may or may
    /// not have carried it out.
    pub in_flight: Option<usize>,
}

impl Unfinished {
    /// The operations that undo what the interrupted run completed, newest first (the step in
    /// flight not included: see [`crate::Engine::recover`]).
    pub fn undo(&self) -> Vec<Op> {
        undo_of(&self.steps, &self.done)
    }
}

/// Undo operations for the completed steps `done` of `steps`, in the order to run them.
pub fn undo_of(steps: &[Step], done: &[usize]) -> Vec<Op> {
    let mut d: Vec<usize> = done.iter().copied().filter(|&i| i < steps.len()).collect();
    d.sort_unstable();
    d.dedup();
    d.iter().rev().flat_map(|&i| steps[i].undo.iter().cloned()).collect()
}

/// A trial that was reverted: so that a `confirm` that comes too late says so, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reverted {
    pub id: String,
    /// Seconds since the epoch.
    pub at: u64,
    /// Why: its deadline passed, or someone asked (`hostnet rollback`).
    pub why: String,
    pub operations: usize,
    pub failed: usize,
}

/// A trial apply waiting for `hostnet confirm`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// Distinguishes this trial from a later one, so a stale reverter never undoes a newer apply.
    pub id: String,
    /// Seconds since the epoch after which the reverter undoes the trial.
    pub deadline: u64,
    pub undo: Vec<Op>,
    /// Who reverts it at the deadline: the process that recorded the trial until it hands over
    /// to a reverter. A trial whose reverter is not alive is orphaned (see
    /// [`Pending::orphaned`]).
    #[serde(default)]
    pub reverter: Option<crate::Reverter>,
}

impl Pending {
    /// Nobody will revert it at its deadline: its reverter was killed, or never recorded.
    pub fn orphaned(&self) -> bool {
        !self.reverter.is_some_and(|r| r.alive())
    }
}
