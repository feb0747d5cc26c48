//! Errors from the kernel, kept with their errno and the kernel's own explanation.

use rtnetlink::packet_core::ErrorMessage;

pub use hostnet_core::OpError;

/// The kernel's refusal of one request, with its extended-ack text when it sent one.
pub fn op_error(e: rtnetlink::Error) -> OpError {
    match e {
        rtnetlink::Error::NetlinkError(m) => from_error_message(&m),
        other => OpError::other(other.to_string()),
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
        Error::Netlink(op_error(e))
    }
}

impl From<Error> for hostnet_engine::HostError {
    fn from(e: Error) -> Self {
        hostnet_engine::HostError(Box::new(e))
    }
}
