//! The control socket's protocol, and the client the CLI uses. One JSON object per line each
//! way: a request, then its response. The socket (`hostnet.sock` in the state directory,
//! /run/hostnet by default) is mode 0600 and the daemon answers only peers running as root (or
//! as the daemon's own user). See docs/daemon.md.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The socket's file name in the state directory.
pub const SOCKET: &str = "hostnet.sock";

pub fn socket_path(state_dir: &Path) -> PathBuf {
    state_dir.join(SOCKET)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "kebab-case")]
pub enum Request {
    /// Per declared interface: state, drift, recent events, carrier flaps, bond health.
    Status,
    /// Apply a config (YAML text), planned against the daemon's mirror; the daemon then keeps
    /// this config true until the next reload or apply.
    Apply {
        config: String,
        /// Where the text came from, for error messages and status.
        source: String,
        #[serde(default)]
        try_secs: Option<u64>,
        #[serde(default)]
        no_rollback: bool,
        #[serde(default)]
        fail_at: Option<usize>,
    },
    /// What an apply of this config would do, against the mirror.
    Plan { config: String, source: String },
    /// Re-read the daemon's own config file (as SIGHUP does).
    Reload,
    /// Keep a pending trial.
    Confirm,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    pub ok: bool,
    /// The request's config was invalid (the error names file, line and field); nothing changed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub invalid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
}

impl Response {
    pub fn ok(result: impl Serialize) -> Response {
        Response {
            ok: true,
            invalid: false,
            error: None,
            result: Some(serde_json::to_value(result).expect("serializable")),
        }
    }

    pub fn err(error: impl std::fmt::Display) -> Response {
        Response { ok: false, invalid: false, error: Some(error.to_string()), result: None }
    }

    /// A config that failed validation: every problem, one per line.
    pub fn invalid(problems: &hostnet_core::diag::Problems) -> Response {
        Response { invalid: true, ..Response::err(problem_lines(problems)) }
    }
}

#[derive(Debug)]
pub enum ClientError {
    /// No daemon listens: the caller works one-shot.
    NotRunning,
    Io(std::io::Error),
    Protocol(String),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::NotRunning => f.write_str("no hostnet daemon is running"),
            ClientError::Io(e) => write!(f, "talking to the hostnet daemon: {e}"),
            ClientError::Protocol(e) => write!(f, "the hostnet daemon answered something unreadable: {e}"),
        }
    }
}

/// Sends one request and waits for its response. A missing socket or a refused connection is
/// [`ClientError::NotRunning`].
pub fn request(socket: &Path, req: &Request, timeout: Duration) -> Result<Response, ClientError> {
    let stream = match UnixStream::connect(socket) {
        Ok(s) => s,
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused) => {
            return Err(ClientError::NotRunning);
        }
        Err(e) => return Err(ClientError::Io(e)),
    };
    stream.set_read_timeout(Some(timeout)).map_err(ClientError::Io)?;
    let mut line = serde_json::to_vec(req).expect("serializable");
    line.push(b'\n');
    (&stream).write_all(&line).map_err(ClientError::Io)?;
    let mut answer = String::new();
    BufReader::new(&stream).read_line(&mut answer).map_err(ClientError::Io)?;
    if answer.is_empty() {
        return Err(ClientError::Protocol("the connection closed without an answer".into()));
    }
    serde_json::from_str(&answer).map_err(|e| ClientError::Protocol(e.to_string()))
}

/// Validation problems one per line, without the `error: ` each line has on a terminal.
pub fn problem_lines(p: &hostnet_core::diag::Problems) -> String {
    p.lines().lines().map(|l| l.strip_prefix("error: ").unwrap_or(l)).collect::<Vec<_>>().join("\n")
}
