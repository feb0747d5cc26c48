//! Network namespaces made the way `ip netns add` makes them (unshare, then bind-mount the
//! namespace onto /run/netns/NAME), without running `ip`.

use std::ffi::CString;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::PathBuf;

use crate::error::{LabError, Result};

pub const DIR: &str = "/run/netns";

pub fn path(name: &str) -> PathBuf {
    PathBuf::from(DIR).join(name)
}

/// Creates namespace `name` and pins it to /run/netns/NAME.
pub fn create(name: &str) -> Result<()> {
    std::fs::create_dir_all(DIR).map_err(LabError::os(DIR))?;
    let p = path(name);
    File::create(&p).map_err(LabError::os(p.display().to_string()))?;
    let target = CString::new(p.to_string_lossy().as_bytes()).expect("no NUL in a path");
    // A fresh thread, so that unsharing does not move the caller's own thread.
    std::thread::spawn(move || {
        // SAFETY: plain syscalls on this thread; paths are valid C strings.
        unsafe {
            if libc::unshare(libc::CLONE_NEWNET) != 0 {
                return Err(LabError::last_os("unshare(CLONE_NEWNET)"));
            }
            let src = CString::new("/proc/thread-self/ns/net").expect("literal");
            if libc::mount(src.as_ptr(), target.as_ptr(), std::ptr::null(), libc::MS_BIND, std::ptr::null()) != 0 {
                return Err(LabError::last_os("bind-mount of the namespace"));
            }
        }
        Ok(())
    })
    .join()
    .map_err(|_| LabError::Panicked("namespace"))?
    .inspect_err(|_| {
        let _ = std::fs::remove_file(path(name));
    })
}

/// Removes namespace `name`; its links go with it once nothing holds it.
pub fn delete(name: &str) {
    let p = path(name);
    if let Ok(c) = CString::new(p.to_string_lossy().as_bytes()) {
        // SAFETY: unmounting a path we mounted.
        unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
    }
    let _ = std::fs::remove_file(p);
}

/// An open handle on a namespace, for IFLA_NET_NS_FD.
pub fn open(name: &str) -> Result<File> {
    File::open(path(name)).map_err(LabError::os(format!("namespace {name}")))
}

/// Moves the calling thread into namespace `name` (for probe threads).
pub fn enter(name: &str) -> Result<()> {
    let f = open(name)?;
    // SAFETY: setns with an fd we opened.
    if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(LabError::last_os(format!("setns into {name}")));
    }
    Ok(())
}

/// Runs `f` with the calling thread inside namespace `name`, then returns to where it was.
/// Sockets made by `f` stay in `name`.
pub fn within<T>(name: &str, f: impl FnOnce() -> T) -> Result<T> {
    let home = File::open("/proc/thread-self/ns/net").map_err(LabError::os("own namespace"))?;
    enter(name)?;
    let out = f();
    // SAFETY: returning to the namespace we were in.
    if unsafe { libc::setns(home.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(LabError::last_os("setns back"));
    }
    Ok(out)
}
