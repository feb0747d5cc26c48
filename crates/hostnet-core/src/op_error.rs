//! Why one operation failed, as the kernel says it: an errno and its extended-ack text. Pure
//! data, so that the engine, the kernel adapter and the in-memory host report failures alike.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why one operation failed: errno plus the kernel's extended-ack message when it sent one
/// ("Device can not be enslaved while up" says more than EBUSY). `errno` 0: a failure that is
/// not the kernel's (a file, a test hook).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpError {
    pub errno: i32,
    pub message: String,
}

/// The errnos the in-memory host refuses with, by their Linux numbers (the core does not link
/// libc; these numbers are the same on every Linux architecture hostnet builds for).
pub mod errno {
    pub const ENOENT: i32 = 2;
    pub const ESRCH: i32 = 3;
    pub const EIO: i32 = 5;
    pub const EBUSY: i32 = 16;
    pub const EEXIST: i32 = 17;
    pub const ENODEV: i32 = 19;
    pub const EINVAL: i32 = 22;
    pub const ENOTEMPTY: i32 = 39;
    pub const EADDRNOTAVAIL: i32 = 99;
}

impl OpError {
    pub fn new(errno: i32, message: impl Into<String>) -> Self {
        OpError { errno, message: message.into() }
    }

    pub fn other(message: impl Into<String>) -> Self {
        OpError { errno: 0, message: message.into() }
    }
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.errno == 0 {
            return f.write_str(&self.message);
        }
        let os = std::io::Error::from_raw_os_error(self.errno);
        let name = errno_name(self.errno);
        if self.message.is_empty() { write!(f, "{name}: {os}") } else { write!(f, "{name}: {os}: {}", self.message) }
    }
}

impl std::error::Error for OpError {}

impl From<std::io::Error> for OpError {
    fn from(e: std::io::Error) -> Self {
        OpError::new(e.raw_os_error().unwrap_or(0), e.to_string())
    }
}

fn errno_name(e: i32) -> &'static str {
    match e {
        1 => "EPERM",
        2 => "ENOENT",
        3 => "ESRCH",
        5 => "EIO",
        13 => "EACCES",
        16 => "EBUSY",
        17 => "EEXIST",
        19 => "ENODEV",
        22 => "EINVAL",
        34 => "ERANGE",
        39 => "ENOTEMPTY",
        95 => "EOPNOTSUPP",
        99 => "EADDRNOTAVAIL",
        101 => "ENETUNREACH",
        _ => "errno",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_the_kernel_said_it() {
        let e = OpError::new(errno::EBUSY, "Device can not be enslaved while up");
        assert!(e.to_string().starts_with("EBUSY: "), "{e}");
        assert!(e.to_string().ends_with(": Device can not be enslaved while up"), "{e}");
        assert_eq!(OpError::other("injected").to_string(), "injected");
    }
}
