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
#[serde(tag = "command", rename_all = "kebab-case", try_from = "Wire")]
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
    /// Revert the pending trial now.
    Rollback,
}

/// A request line as it is read. Serde reads an internally tagged enum by first copying the
/// whole object into a buffer, config text included (a twentieth of a one-change apply at 2000
/// links); a flat struct reads the text once.
#[derive(Deserialize)]
pub struct Wire {
    command: Command,
    config: Option<String>,
    /// The config is not in the line but follows it: this many bytes of UTF-8, as they are in
    /// the file. Escaping a large config into a JSON string and unescaping it again cost a tenth
    /// of a one-change apply at 2000 links.
    pub config_bytes: Option<usize>,
    /// The config is the regular file whose descriptor came with the line (SCM_RIGHTS): the
    /// daemon reads it, and the text does not cross the socket at all.
    #[serde(default)]
    pub config_fd: bool,
    source: Option<String>,
    try_secs: Option<u64>,
    #[serde(default)]
    no_rollback: bool,
    fail_at: Option<usize>,
}

impl Wire {
    /// The request, given the bytes that followed the line when it announced `config_bytes`.
    pub fn with_body(mut self, body: Option<Vec<u8>>) -> Result<Request, String> {
        if body.is_some() && self.config.is_some() {
            return Err("both `config` and `config_bytes`: send the config one way".into());
        }
        if let Some(b) = body {
            self.config = Some(String::from_utf8(b).map_err(|e| format!("the config is not UTF-8 text: {e}"))?);
        }
        Request::try_from(self)
    }

    /// The request, given the text of the file whose descriptor came with the line.
    pub fn with_file_text(mut self, text: String) -> Result<Request, String> {
        if self.config.is_some() || self.config_bytes.is_some() {
            return Err("`config_fd` with `config` or `config_bytes`: send the config one way".into());
        }
        self.config = Some(text);
        Request::try_from(self)
    }

    /// What messages call the config: its `source`.
    pub fn source(&self) -> &str {
        self.source.as_deref().unwrap_or("the config")
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Command {
    Status,
    Apply,
    Plan,
    Reload,
    Confirm,
    Rollback,
}

impl TryFrom<Wire> for Request {
    type Error = String;

    fn try_from(mut w: Wire) -> Result<Request, String> {
        let text = |w: &mut Wire| -> Result<(String, String), String> {
            let config = w.config.take().ok_or("missing field `config`")?;
            let source = w.source.take().ok_or("missing field `source`")?;
            Ok((config, source))
        };
        Ok(match w.command {
            Command::Status => Request::Status,
            Command::Reload => Request::Reload,
            Command::Confirm => Request::Confirm,
            Command::Rollback => Request::Rollback,
            Command::Plan => {
                let (config, source) = text(&mut w)?;
                Request::Plan { config, source }
            }
            Command::Apply => {
                let (config, source) = text(&mut w)?;
                Request::Apply { config, source, try_secs: w.try_secs, no_rollback: w.no_rollback, fail_at: w.fail_at }
            }
        })
    }
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

/// A request as the client writes it: one JSON line, and a config as raw bytes after it.
pub fn encode(req: &Request) -> Vec<u8> {
    let (mut out, config) = encode_line(req, false);
    out.extend_from_slice(config.unwrap_or_default().as_bytes());
    out
}

/// A request's line, and the config text that must follow it; with `by_file`, the line says
/// that the config comes as a descriptor instead, and no text follows.
fn encode_line(req: &Request, by_file: bool) -> (Vec<u8>, Option<&str>) {
    #[derive(Serialize)]
    struct Header<'a> {
        command: &'static str,
        source: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        config_bytes: Option<usize>,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        config_fd: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        try_secs: Option<u64>,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        no_rollback: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        fail_at: Option<usize>,
    }
    let bytes = |config: &str| (!by_file).then_some(config.len());
    let (head, config) = match req {
        Request::Apply { config, source, try_secs, no_rollback, fail_at } => (
            Header {
                command: "apply",
                source,
                config_bytes: bytes(config),
                config_fd: by_file,
                try_secs: *try_secs,
                no_rollback: *no_rollback,
                fail_at: *fail_at,
            },
            config,
        ),
        Request::Plan { config, source } => (
            Header {
                command: "plan",
                source,
                config_bytes: bytes(config),
                config_fd: by_file,
                try_secs: None,
                no_rollback: false,
                fail_at: None,
            },
            config,
        ),
        other => {
            let mut line = serde_json::to_vec(other).expect("serializable");
            line.push(b'\n');
            return (line, None);
        }
    };
    let mut out = serde_json::to_vec(&head).expect("serializable");
    out.reserve(if by_file { 1 } else { config.len() + 1 });
    out.push(b'\n');
    (out, (!by_file).then_some(config.as_str()))
}

/// Sends one request and waits for its response. A missing socket or a refused connection is
/// [`ClientError::NotRunning`].
pub fn request(socket: &Path, req: &Request, timeout: Duration) -> Result<Response, ClientError> {
    let stream = connect(socket, timeout)?;
    (&stream).write_all(&encode(req)).map_err(ClientError::Io)?;
    answer(&stream)
}

/// [`request`] for an apply or plan whose config is the regular file `file`: its descriptor
/// goes with the request line and the daemon reads the file itself, so the text is neither read
/// here nor copied through the socket (a tenth of a one-change apply at 2000 links). The text
/// in `req` is not sent.
pub fn request_file(
    socket: &Path,
    req: &Request,
    file: &std::fs::File,
    timeout: Duration,
) -> Result<Response, ClientError> {
    use sendfd::SendWithFd;
    use std::os::fd::AsRawFd;
    let stream = connect(socket, timeout)?;
    let (line, _) = encode_line(req, true);
    let sent = stream.send_with_fd(&line, &[file.as_raw_fd()]).map_err(ClientError::Io)?;
    (&stream).write_all(&line[sent..]).map_err(ClientError::Io)?;
    answer(&stream)
}

fn connect(socket: &Path, timeout: Duration) -> Result<UnixStream, ClientError> {
    let stream = match UnixStream::connect(socket) {
        Ok(s) => s,
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused) => {
            return Err(ClientError::NotRunning);
        }
        Err(e) => return Err(ClientError::Io(e)),
    };
    stream.set_read_timeout(Some(timeout)).map_err(ClientError::Io)?;
    Ok(stream)
}

fn answer(stream: &UnixStream) -> Result<Response, ClientError> {
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer).map_err(ClientError::Io)?;
    if answer.is_empty() {
        return Err(ClientError::Protocol("the connection closed without an answer".into()));
    }
    serde_json::from_str(&answer).map_err(|e| ClientError::Protocol(e.to_string()))
}

/// Validation problems one per line, without the `error: ` each line has on a terminal.
pub fn problem_lines(p: &hostnet_core::diag::Problems) -> String {
    p.lines().lines().map(|l| l.strip_prefix("error: ").unwrap_or(l)).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str) -> Result<Request, String> {
        serde_json::from_str(line).map_err(|e| e.to_string())
    }

    #[test]
    fn every_request_reads_back_as_written() {
        let all = [
            Request::Status,
            Request::Reload,
            Request::Confirm,
            Request::Rollback,
            Request::Plan { config: "interfaces: []\n".into(), source: "a.yaml".into() },
            Request::Apply {
                config: "{\"interfaces\": []}".into(),
                source: "-".into(),
                try_secs: Some(60),
                no_rollback: true,
                fail_at: Some(2),
            },
            Request::Apply {
                config: "x".into(),
                source: "s".into(),
                try_secs: None,
                no_rollback: false,
                fail_at: None,
            },
        ];
        for r in all {
            let line = serde_json::to_string(&r).unwrap();
            assert_eq!(read(&line).unwrap(), r, "{line}");
            assert_eq!(decode(&encode(&r)).unwrap(), r);
        }
    }

    /// What the server does with the bytes the client sends.
    fn decode(bytes: &[u8]) -> Result<Request, String> {
        let nl = bytes.iter().position(|&b| b == b'\n').expect("a line");
        let wire: Wire = serde_json::from_slice(&bytes[..nl]).map_err(|e| e.to_string())?;
        let body = wire.config_bytes.map(|n| bytes[nl + 1..nl + 1 + n].to_vec());
        assert_eq!(nl + 1 + wire.config_bytes.unwrap_or(0), bytes.len(), "nothing left over");
        wire.with_body(body)
    }

    #[test]
    fn a_config_follows_its_line_unescaped() {
        let config = "interfaces:\n  - name: \"é0\"\n    ethernet: {}\n".to_string();
        let r = Request::Plan { config: config.clone(), source: "x.yaml".into() };
        let bytes = encode(&r);
        assert!(bytes.ends_with(config.as_bytes()));
        let line = std::str::from_utf8(&bytes[..bytes.len() - config.len()]).unwrap();
        assert_eq!(line, format!("{{\"command\":\"plan\",\"source\":\"x.yaml\",\"config_bytes\":{}}}\n", config.len()));
        let both: Wire =
            serde_json::from_str(r#"{"command": "plan", "source": "x", "config": "a", "config_bytes": 1}"#).unwrap();
        assert!(both.with_body(Some(b"b".to_vec())).unwrap_err().contains("one way"));
        let bad =
            Wire { config_bytes: Some(2), ..serde_json::from_str(r#"{"command": "plan", "source": "x"}"#).unwrap() };
        assert!(bad.with_body(Some(vec![0xff, 0xfe])).unwrap_err().contains("not UTF-8"));
    }

    #[test]
    fn the_documented_lines_read() {
        let r = read(r#"{"command": "apply", "config": "interfaces: []", "source": "h.yaml", "try_secs": 60}"#);
        assert!(matches!(r, Ok(Request::Apply { try_secs: Some(60), no_rollback: false, .. })), "{r:?}");
        assert_eq!(read(r#"{"command": "status"}"#).unwrap(), Request::Status);
    }

    #[test]
    fn a_bad_request_says_what_is_wrong() {
        let e = read(r#"{"command": "apply", "source": "h.yaml"}"#).unwrap_err();
        assert!(e.contains("missing field `config`"), "{e}");
        let e = read(r#"{"command": "frobnicate"}"#).unwrap_err();
        assert!(e.contains("unknown variant `frobnicate`"), "{e}");
        let e = read(r#"{"config": "x"}"#).unwrap_err();
        assert!(e.contains("missing field `command`"), "{e}");
    }
}
