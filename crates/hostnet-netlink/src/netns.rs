//! Entering a named network namespace (as created by `ip netns add`) for the whole process.

use std::fs::File;
use std::os::fd::AsRawFd;

use crate::error::Error;

/// Where `ip netns` keeps its namespace handles.
pub const NETNS_DIR: &str = "/run/netns";

/// Moves the calling thread into namespace `name`. Call it before starting any other thread
/// (and before the async runtime), so every socket hostnet opens lives in that namespace.
pub fn enter(name: &str) -> Result<(), Error> {
    if name.contains('/') || name.is_empty() || name == "." || name == ".." {
        return Err(Error::Other(format!("invalid network namespace name `{name}`")));
    }
    let path = format!("{NETNS_DIR}/{name}");
    let f = File::open(&path).map_err(|e| Error::Netns(name.to_string(), e))?;
    // SAFETY: setns takes a valid open fd and a namespace type; it changes only this thread.
    let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    if rc != 0 {
        return Err(Error::Netns(name.to_string(), std::io::Error::last_os_error()));
    }
    Ok(())
}
