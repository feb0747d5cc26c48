//! The hook dispatcher: executables in the hooks directory (/etc/hostnet/hooks.d) run on the
//! daemon's events (a link configured, drifted, gone or failed; a lease acquired or lost; an
//! apply finished), each given the event as JSON on stdin and in HOSTNET_EVENT/HOSTNET_LINK,
//! in name order, one event at a time, each within a timeout.
//!
//! Nothing here can stall the daemon: events go through a bounded queue that drops (and says
//! so, once a minute) rather than waits, and the hooks run in a task of their own. Hooks run as
//! root, so only files a local user cannot have written run: the directory and each hook must
//! be owned by root (or the daemon's user) and writable by no one else, as run-parts asks of
//! cron's scripts; anything else is skipped with a warning.

use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// Events waiting for the hooks; beyond this they are dropped.
const QUEUE: usize = 256;
/// Characters of an event's detail a hook gets.
const DETAIL_KEPT: usize = 4096;
/// What of a failing hook's stderr goes to the log.
const STDERR_KEPT: usize = 300;
/// How often a running hook is looked at.
const POLL: Duration = Duration::from_millis(10);

/// One event, as a hook reads it on stdin.
#[derive(Debug, Clone, Serialize)]
pub struct HookEvent {
    /// configured, drifted, gone, failed, lease-acquired, lease-lost, applied.
    pub event: &'static str,
    /// The declared link (or pseudo-link: `(routes)`, `(dns)`...); empty for a whole apply.
    pub link: String,
    pub detail: String,
    /// Seconds since the epoch.
    pub at: f64,
}

/// The daemon's side: hands events to the runner without ever waiting.
pub struct Hooks {
    tx: Option<mpsc::SyncSender<HookEvent>>,
    dropped: u64,
    warned: Option<Instant>,
}

impl Hooks {
    /// No hooks: events go nowhere.
    pub fn none() -> Hooks {
        Hooks { tx: None, dropped: 0, warned: None }
    }

    /// Starts the runner for `dir`, each hook given `timeout`. The runner is a thread of its
    /// own, not a task of the daemon's runtime: a hook's wait never waits on the daemon's loop,
    /// nor the loop on it.
    pub fn start(dir: PathBuf, timeout: Duration) -> Hooks {
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let spawned = std::thread::Builder::new().name("hooks".into()).spawn(move || {
            while let Ok(ev) = rx.recv() {
                for hook in runnable(&dir) {
                    run_one(&hook, &ev, timeout);
                }
            }
        });
        match spawned {
            Ok(_) => Hooks { tx: Some(tx), dropped: 0, warned: None },
            Err(e) => {
                tracing::warn!("hooks: cannot start their thread ({e}): no hook runs");
                Hooks::none()
            }
        }
    }

    pub fn emit(&mut self, event: &'static str, link: &str, detail: impl Into<String>) {
        let Some(tx) = &self.tx else { return };
        let at = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        // Bounded, so that the event fits a pipe's buffer whether or not the hook reads it.
        let detail: String = detail.into().chars().take(DETAIL_KEPT).collect();
        let ev = HookEvent { event, link: link.to_string(), detail, at };
        if tx.try_send(ev).is_err() {
            self.dropped += 1;
            if self.warned.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                tracing::warn!("hooks: {} events dropped so far: the hooks are slower than the events", self.dropped);
                self.warned = Some(Instant::now());
            }
        }
    }
}

/// The hooks that may run, in name order; what may not is said and skipped.
fn runnable(dir: &Path) -> Vec<PathBuf> {
    let me = euid();
    let trusted = |m: &std::fs::Metadata| (m.uid() == 0 || m.uid() == me) && m.mode() & 0o022 == 0;
    let Ok(meta) = std::fs::metadata(dir) else { return Vec::new() };
    if !trusted(&meta) {
        tracing::warn!("hooks: {} is writable by others or not owned by root: no hook in it runs", dir.display());
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<PathBuf> = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        // run-parts' names: editors' backups (`x~`, `.x.swp`) and package leftovers
        // (`x.dpkg-old`) never run.
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            continue;
        }
        let path = e.path();
        let Ok(m) = std::fs::metadata(&path) else { continue };
        if !m.is_file() || m.permissions().mode() & 0o111 == 0 {
            continue;
        }
        if !trusted(&m) {
            tracing::warn!("hooks: {} is writable by others or not owned by root: skipped", path.display());
            continue;
        }
        out.push(path);
    }
    out.sort();
    out
}

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

fn run_one(hook: &Path, ev: &HookEvent, timeout: Duration) {
    let json = serde_json::to_vec(ev).expect("an event serializes");
    let spawned = std::process::Command::new(hook)
        .env("HOSTNET_EVENT", ev.event)
        .env("HOSTNET_LINK", &ev.link)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("hooks: {} could not start: {e}", hook.display());
            return;
        }
    };
    // Small enough for the pipe's buffer: written whole whether or not the hook reads it.
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(&json);
    }
    // Read aside: a hook's background process may hold the pipe open after the hook is gone.
    let stderr = child.stderr.take().map(|mut e| {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = e.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let room = STDERR_KEPT.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
            kept
        })
    });
    let t0 = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if t0.elapsed() < timeout => std::thread::sleep(POLL),
            Ok(None) => break None,
            Err(e) => {
                tracing::warn!("hooks: {}: {e}", hook.display());
                return;
            }
        }
    };
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        tracing::warn!(
            "hooks: {} ({} {}) took longer than {} s: killed",
            hook.display(),
            ev.event,
            ev.link,
            timeout.as_secs_f64()
        );
        return;
    };
    if status.success() {
        tracing::debug!("hooks: {} ran for {} {}", hook.display(), ev.event, ev.link);
        return;
    }
    // Waited for only briefly: what a background process keeps open is not ours to wait for.
    let said = stderr
        .and_then(|h| {
            let t1 = Instant::now();
            while !h.is_finished() && t1.elapsed() < Duration::from_millis(200) {
                std::thread::sleep(POLL);
            }
            h.is_finished().then(|| h.join().ok()).flatten()
        })
        .unwrap_or_default();
    let said = String::from_utf8_lossy(&said);
    tracing::warn!("hooks: {} ({} {}) failed ({status}): {}", hook.display(), ev.event, ev.link, said.trim());
}
