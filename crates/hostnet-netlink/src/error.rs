//! Errors from the kernel, kept with their errno and the kernel's own explanation.

use std::fmt;

use rtnetlink::packet_core::ErrorMessage;
use serde::{Deserialize, Serialize};

/// Why one operation failed: errno plus the kernel's extended-ack message when it sent one
/// ("Device can not be enslaved while up" says more than EBUSY).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpError {
    pub errno: i32,
    pub message: String,
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

impl OpError {
    pub fn new(errno: i32, message: impl Into<String>) -> Self {
        OpError { errno, message: message.into() }
    }

    pub fn other(message: impl Into<String>) -> Self {
        OpError { errno: 0, message: message.into() }
    }
}

impl From<rtnetlink::Error> for OpError {
    fn from(e: rtnetlink::Error) -> Self {
        match e {
            rtnetlink::Error::NetlinkError(m) => from_error_message(&m),
            other => OpError::other(other.to_string()),
        }
    }
}

impl From<std::io::Error> for OpError {
    fn from(e: std::io::Error) -> Self {
        OpError::new(e.raw_os_error().unwrap_or(0), e.to_string())
    }
}

/// With NETLINK_CAP_ACK the error echoes only the request's 16-byte header; with
/// NETLINK_EXT_ACK, attributes follow, NLMSGERR_ATTR_MSG (1) being the kernel's text.
pub(crate) fn from_error_message(m: &ErrorMessage) -> OpError {
    let errno = -m.raw_code();
    let mut message = String::new();
    let mut tlvs = m.header.get(16..).unwrap_or_default();
    while tlvs.len() >= 4 {
        let len = u16::from_ne_bytes([tlvs[0], tlvs[1]]) as usize;
        let kind = u16::from_ne_bytes([tlvs[2], tlvs[3]]) & 0x3fff;
        if len < 4 || len > tlvs.len() {
            break;
        }
        if kind == 1 {
            message = String::from_utf8_lossy(&tlvs[4..len]).trim_end_matches('\0').to_string();
        }
        tlvs = &tlvs[((len + 3) & !3).min(tlvs.len())..];
    }
    OpError { errno, message }
}

fn errno_name(e: i32) -> &'static str {
    match e {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::ENODEV => "ENODEV",
        libc::EEXIST => "EEXIST",
        libc::EBUSY => "EBUSY",
        libc::EINVAL => "EINVAL",
        libc::EACCES => "EACCES",
        libc::ENOTEMPTY => "ENOTEMPTY",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::ENETUNREACH => "ENETUNREACH",
        libc::EADDRNOTAVAIL => "EADDRNOTAVAIL",
        libc::ERANGE => "ERANGE",
        libc::ESRCH => "ESRCH",
        _ => "errno",
    }
}

/// Failures of the backend itself (not of one operation).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("netlink: {0}")]
    Netlink(OpError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("network namespace `{0}`: {1}")]
    Netns(String, std::io::Error),
    #[error("{0}")]
    Other(String),
}

impl From<rtnetlink::Error> for Error {
    fn from(e: rtnetlink::Error) -> Self {
        Error::Netlink(e.into())
    }
}
