//! The in-memory store: lock, journal and pending trial kept in shared memory, so that a test
//! can "kill" an apply (drop its future midway) and let a second engine over the same store
//! recover it, as the state directory allows across processes.

use std::sync::{Arc, Mutex};

use hostnet_core::plan::Step;

use crate::store::{Journal, Pending, Reverted, Store, Unfinished};

#[derive(Debug, Default)]
struct Inner {
    locked: bool,
    /// The steps, the ones done, and the one started and not finished.
    journal: Option<(Vec<Step>, Vec<usize>, Option<usize>)>,
    pending: Option<Pending>,
    /// The journal reads as a truncated file would.
    corrupt: bool,
    reverted: Option<Reverted>,
    owned: hostnet_core::plan::Owned,
}

/// Cloning it shares it: two engines over clones see one lock, one journal, one trial.
#[derive(Debug, Clone, Default)]
pub struct MemStore(Arc<Mutex<Inner>>);

/// Released when dropped.
pub struct MemLock(Arc<Mutex<Inner>>);

impl Drop for MemLock {
    fn drop(&mut self) {
        self.0.lock().expect("not poisoned").locked = false;
    }
}

pub struct MemJournal(Arc<Mutex<Inner>>);

impl MemStore {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().expect("not poisoned")
    }

    /// Whether an apply's journal is open: it ran and has not finished.
    pub fn journal_open(&self) -> bool {
        self.inner().journal.is_some()
    }

    /// Makes the journal unreadable, as a file cut short by a crash would be.
    pub fn corrupt_journal(&self) {
        self.inner().corrupt = true;
    }

    /// Whether some transaction holds the lock.
    pub fn locked(&self) -> bool {
        self.inner().locked
    }
}

impl Store for MemStore {
    type Lock = MemLock;
    type Journal = MemJournal;

    fn location(&self) -> String {
        "memory".into()
    }

    fn lock(&self) -> std::io::Result<MemLock> {
        // One thread drives a test's engines, so a held lock would never be released.
        self.try_lock()?.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::WouldBlock, "deadlock: lock held"))
    }

    fn try_lock(&self) -> std::io::Result<Option<MemLock>> {
        let mut i = self.inner();
        if i.locked {
            return Ok(None);
        }
        i.locked = true;
        Ok(Some(MemLock(self.0.clone())))
    }

    fn begin(&self, steps: &[Step]) -> std::io::Result<MemJournal> {
        self.inner().journal = Some((steps.to_vec(), Vec::new(), None));
        Ok(MemJournal(self.0.clone()))
    }

    fn unfinished(&self) -> std::io::Result<Option<Unfinished>> {
        if self.inner().corrupt {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "EOF while parsing a value"));
        }
        Ok(self.inner().journal.clone().map(|(steps, done, in_flight)| Unfinished { pid: 0, steps, done, in_flight }))
    }

    fn discard_journal(&self) -> std::io::Result<()> {
        let mut i = self.inner();
        i.journal = None;
        i.corrupt = false;
        Ok(())
    }

    fn pending(&self) -> std::io::Result<Option<Pending>> {
        Ok(self.inner().pending.clone())
    }

    fn set_pending(&self, p: &Pending) -> std::io::Result<()> {
        self.inner().pending = Some(p.clone());
        Ok(())
    }

    fn clear_pending(&self) -> std::io::Result<()> {
        self.inner().pending = None;
        Ok(())
    }

    fn set_reverted(&self, r: Option<&Reverted>) -> std::io::Result<()> {
        self.inner().reverted = r.cloned();
        Ok(())
    }

    fn reverted(&self) -> std::io::Result<Option<Reverted>> {
        Ok(self.inner().reverted.clone())
    }

    fn owned(&self) -> std::io::Result<hostnet_core::plan::Owned> {
        Ok(self.inner().owned.clone())
    }

    fn set_owned(&self, owned: &hostnet_core::plan::Owned) -> std::io::Result<()> {
        self.inner().owned = owned.clone();
        Ok(())
    }
}

impl Journal for MemJournal {
    fn started(&mut self, index: usize) -> std::io::Result<()> {
        if let Some((_, _, in_flight)) = &mut self.0.lock().expect("not poisoned").journal {
            *in_flight = Some(index);
        }
        Ok(())
    }

    fn done(&mut self, index: usize) -> std::io::Result<()> {
        if let Some((_, done, in_flight)) = &mut self.0.lock().expect("not poisoned").journal {
            done.push(index);
            *in_flight = None;
        }
        Ok(())
    }

    fn failed(&mut self, _index: usize) -> std::io::Result<()> {
        if let Some((_, _, in_flight)) = &mut self.0.lock().expect("not poisoned").journal {
            *in_flight = None;
        }
        Ok(())
    }

    fn finish(self) -> std::io::Result<()> {
        self.0.lock().expect("not poisoned").journal = None;
        Ok(())
    }
}
