//! The state directory, the engine's [`Store`] on a real host: a lock so two applies never
//! interleave, a journal so an apply killed midway is rolled back by the next run, and the
//! pending file of an `apply --try`.

use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use hostnet_core::plan::Step;
use hostnet_engine::{Pending, Reverted, Store, Unfinished};
use serde::{Deserialize, Serialize};

use crate::private;

/// Where hostnet keeps its runtime files for one network namespace. Under /run: a reboot
/// forgets them, as it forgets the network state they describe.
#[derive(Debug, Clone)]
pub struct StateDir {
    pub dir: PathBuf,
}

impl StateDir {
    pub fn new(root: &Path, netns: Option<&str>) -> Self {
        let dir = match netns {
            Some(ns) => root.join(format!("netns-{ns}")),
            None => root.to_path_buf(),
        };
        StateDir { dir }
    }

    fn path(&self, f: &str) -> PathBuf {
        self.dir.join(f)
    }

    /// Log `name` in the directory (the reverters' `revert.log`), opened to append, 0600.
    pub fn append(&self, name: &str) -> std::io::Result<File> {
        private::ensure_dir(&self.dir)?;
        private::open_append(&self.path(name))
    }

    fn take_lock(&self, wait: bool) -> std::io::Result<Option<Lock>> {
        // Inside a 0700 directory of ours, no other user can open the lock file, so nobody
        // else can hold it and stall every apply and the daemon's repairs.
        private::ensure_dir(&self.dir)?;
        let f = private::open_rw(&self.path("lock"), false)?;
        // SAFETY: flock on a file descriptor we own.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            if !wait {
                let e = std::io::Error::last_os_error();
                return if e.raw_os_error() == Some(libc::EWOULDBLOCK) { Ok(None) } else { Err(e) };
            }
            tracing::warn!("another hostnet holds {}; waiting", self.path("lock").display());
            // SAFETY: as above, now blocking.
            if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(Some(Lock { _file: f }))
    }
}

fn remove_if_exists(p: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(p) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

pub struct Lock {
    _file: File,
}

#[derive(Serialize, Deserialize)]
struct JournalHead {
    pid: u32,
    steps: Vec<Step>,
}

pub struct Journal {
    _file: File,
    path: PathBuf,
    done_path: PathBuf,
    map: *mut u8,
    len: usize,
}

/// A step's mark in `journal.done`.
const DONE: u8 = 1;
const STARTED: u8 = 2;

impl Journal {
    fn mark(&mut self, index: usize, m: u8) -> std::io::Result<()> {
        if index >= self.len {
            return Err(std::io::Error::other(format!("journal has {} steps, not {}", self.len, index + 1)));
        }
        // SAFETY: index < len, and the mapping lives as long as self.
        unsafe { self.map.add(index).write_volatile(m) };
        Ok(())
    }
}

impl hostnet_engine::Journal for Journal {
    fn started(&mut self, index: usize) -> std::io::Result<()> {
        self.mark(index, STARTED)
    }

    fn failed(&mut self, index: usize) -> std::io::Result<()> {
        self.mark(index, 0)
    }

    /// A store into a shared page: no system call, yet it survives the process being killed.
    fn done(&mut self, index: usize) -> std::io::Result<()> {
        self.mark(index, DONE)
    }

    fn finish(self) -> std::io::Result<()> {
        remove_if_exists(&self.path)?;
        remove_if_exists(&self.done_path)
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly what begin() mapped.
        unsafe { libc::munmap(self.map.cast(), self.len) };
    }
}

impl Store for StateDir {
    type Lock = Lock;
    type Journal = Journal;

    fn location(&self) -> String {
        self.dir.display().to_string()
    }

    /// Takes the apply lock, waiting for another hostnet to finish.
    fn lock(&self) -> std::io::Result<Lock> {
        Ok(self.take_lock(true)?.expect("a waiting lock is always taken"))
    }

    /// Takes the apply lock if nobody holds it: the daemon retries later rather than stall its
    /// event loop (and its watchdog) behind a one-shot apply.
    fn try_lock(&self) -> std::io::Result<Option<Lock>> {
        self.take_lock(false)
    }

    /// Starts a journal for `steps`: the plan in `journal`, and in `journal.done` one byte per
    /// step, mapped into memory: 0 not run, [`STARTED`] about to run, [`DONE`]. Marking a step
    /// is a store into a shared page: no system call, yet it survives the process being killed,
    /// because the page belongs to the page cache, not to the process. The marks are made before
    /// the plan appears under its name, so a journal is never seen without them.
    fn begin(&self, steps: &[Step]) -> std::io::Result<Journal> {
        let path = self.path("journal");
        let done_path = self.path("journal.done");
        let done = private::open_rw(&done_path, true)?;
        let len = steps.len().max(1);
        done.set_len(len as u64)?;
        // SAFETY: mapping `len` bytes of a file we just sized to `len`, shared and writable.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                done.as_raw_fd(),
                0,
            )
        };
        if map == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        // Written whole under another name, then renamed: a kill mid-write leaves no half
        // journal behind. Buffered: serde_json writes token by token.
        let tmp = self.path("journal.tmp");
        let mut w = std::io::BufWriter::with_capacity(1 << 20, private::create_new(&tmp)?);
        serde_json::to_writer(&mut w, &JournalHead { pid: std::process::id(), steps: steps.to_vec() })?;
        w.write_all(b"\n")?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        std::fs::rename(&tmp, &path)?;
        Ok(Journal { _file: f, path, done_path, map: map.cast(), len })
    }

    /// A journal left by an apply that never finished, with the steps it completed.
    fn unfinished(&self) -> std::io::Result<Option<Unfinished>> {
        let Some(text) = private::read(&self.path("journal"))? else { return Ok(None) };
        // One line: the plan; an empty file holds none.
        let head = text.split(|b| *b == b'\n').next().unwrap_or_default();
        if head.is_empty() {
            return Ok(None);
        }
        // Unreadable is InvalidData: the engine tells it from an I/O error, and says how out.
        let head: JournalHead = serde_json::from_slice(head)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        let marks = private::read(&self.path("journal.done")).ok().flatten().unwrap_or_default();
        let done: Vec<usize> = marks.iter().enumerate().filter(|(_, m)| **m == DONE).map(|(i, _)| i).collect();
        let in_flight = marks.iter().position(|m| *m == STARTED);
        Ok(Some(Unfinished { pid: head.pid, steps: head.steps, done, in_flight }))
    }

    fn discard_journal(&self) -> std::io::Result<()> {
        remove_if_exists(&self.path("journal.tmp"))?;
        remove_if_exists(&self.path("journal"))?;
        remove_if_exists(&self.path("journal.done"))
    }

    fn pending(&self) -> std::io::Result<Option<Pending>> {
        match private::read(&self.path("pending.json"))? {
            Some(b) => Ok(Some(serde_json::from_slice(&b)?)),
            None => Ok(None),
        }
    }

    fn set_pending(&self, p: &Pending) -> std::io::Result<()> {
        private::write_atomic(&self.path("pending.json"), &serde_json::to_vec_pretty(p)?)
    }

    fn clear_pending(&self) -> std::io::Result<()> {
        remove_if_exists(&self.path("pending.json"))
    }

    /// The last trial reverted (`reverted.json`), until the next trial begins or one is kept.
    fn reverted(&self) -> std::io::Result<Option<Reverted>> {
        Ok(private::read(&self.path("reverted.json"))?.and_then(|b| serde_json::from_slice(&b).ok()))
    }

    /// What hostnet made or configured (`owned.json`). An unreadable record is an empty one:
    /// then nothing is pruned until the next apply records afresh, which is the cautious side.
    fn owned(&self) -> std::io::Result<hostnet_core::plan::Owned> {
        Ok(private::read(&self.path("owned.json"))?.and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default())
    }

    fn set_owned(&self, owned: &hostnet_core::plan::Owned) -> std::io::Result<()> {
        private::write_atomic(&self.path("owned.json"), &serde_json::to_vec_pretty(owned)?)
    }

    fn set_reverted(&self, r: Option<&Reverted>) -> std::io::Result<()> {
        let Some(r) = r else { return remove_if_exists(&self.path("reverted.json")) };
        private::write_atomic(&self.path("reverted.json"), &serde_json::to_vec_pretty(r)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hostnet_engine::Journal as _;

    fn dir(tag: &str) -> StateDir {
        let d = std::env::temp_dir().join(format!("hostnet-journal-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        StateDir { dir: d }
    }

    fn steps(n: usize) -> Vec<Step> {
        (0..n)
            .map(|i| Step {
                op: hostnet_core::plan::Op::SetUp { name: format!("l{i}") },
                undo: [hostnet_core::plan::Op::SetDown { name: format!("l{i}") }].into_iter().collect(),
            })
            .collect()
    }

    #[test]
    fn a_killed_apply_leaves_its_done_steps_and_the_one_in_flight() {
        let d = dir("marks");
        let mut j = d.begin(&steps(4)).unwrap();
        j.started(0).unwrap();
        j.done(0).unwrap();
        j.started(1).unwrap();
        j.failed(1).unwrap();
        j.started(2).unwrap();
        // Killed here: the journal is not finished.
        std::mem::forget(j);
        let u = d.unfinished().unwrap().expect("left behind");
        assert_eq!((u.done, u.in_flight, u.steps.len()), (vec![0], Some(2), 4));
        d.discard_journal().unwrap();
        assert!(d.unfinished().unwrap().is_none());
        let _ = std::fs::remove_dir_all(&d.dir);
    }

    #[test]
    fn a_truncated_journal_is_invalid_data_not_an_io_error() {
        let d = dir("corrupt");
        std::fs::write(d.path("journal"), "{\"pid\":1,\"steps\":[{\"op\":").unwrap();
        let e = d.unfinished().unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData, "{e}");
        d.discard_journal().unwrap();
        assert!(d.unfinished().unwrap().is_none());
        let _ = std::fs::remove_dir_all(&d.dir);
    }
}
