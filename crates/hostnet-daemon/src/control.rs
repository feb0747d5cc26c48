//! The control socket's server side: accepts connections, checks that the peer is root (or the
//! daemon's own user), reads one request per line and passes it to the main loop, which owns
//! all state; answers go back in order.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use std::os::fd::{FromRawFd, OwnedFd};

use sendfd::RecvWithFd;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};

use crate::protocol::{Request, Response, Wire};

/// The longest request line accepted: a config of tens of thousands of interfaces fits.
pub const MAX_REQUEST: usize = 64 << 20;

/// What the main loop is asked to do by the socket and the metrics endpoint.
pub enum Ask {
    Control(Request, oneshot::Sender<Response>),
    Metrics(oneshot::Sender<String>),
}

/// Binds the socket (mode 0600) and serves it on the current runtime. Refuses when another
/// daemon answers on it; a socket file left by a dead daemon is replaced.
pub fn listen(path: &Path, tx: mpsc::Sender<Ask>) -> std::io::Result<()> {
    if std::os::unix::net::UnixStream::connect(path).is_ok() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AddrInUse,
            format!("another hostnet daemon answers on {}", path.display()),
        ));
    }
    let _ = std::fs::remove_file(path);
    if let Some(dir) = path.parent() {
        // The state directory: 0700 and ours, like the lock and journal beside the socket.
        hostnet_netlink::private::ensure_dir(dir)?;
    }
    let listener = std::sync::Arc::new(UnixListener::bind(path)?);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    crate::accept::spawn(
        "control socket",
        MAX_CLIENTS,
        move || {
            let l = std::sync::Arc::clone(&listener);
            async move { l.accept().await.map(|(s, _)| s) }
        },
        move |stream| serve(stream, tx.clone()),
    );
    Ok(())
}

/// Clients served at once; more wait in the socket's backlog.
const MAX_CLIENTS: usize = 32;
/// How long a client may take to send a request line, or the config after it: hostnet's own
/// client sends both at once, and a connection that sends nothing must not hold a slot.
const REQUEST_WAIT: Duration = Duration::from_secs(10);

fn allowed(stream: &UnixStream) -> bool {
    // SAFETY: geteuid cannot fail.
    let me = unsafe { libc::geteuid() };
    stream.peer_cred().is_ok_and(|c| c.uid() == 0 || c.uid() == me)
}

async fn serve(mut stream: UnixStream, tx: mpsc::Sender<Ask>) {
    if !allowed(&stream) {
        // Answered before anything is read: a refused peer makes the daemon buffer nothing.
        let refusal = Response::err("permission denied: only root may talk to the hostnet daemon");
        let _ = tokio::time::timeout(REQUEST_WAIT, stream.write_all(&answer_line(&refusal))).await;
        return;
    }
    let mut conn = Connection { stream, pending: Vec::new(), fds: Vec::new() };
    loop {
        let Ok(line) = tokio::time::timeout(REQUEST_WAIT, conn.line()).await else {
            tracing::debug!("control socket: a client sent no request for {} s; closed", REQUEST_WAIT.as_secs());
            return;
        };
        let line = match line {
            Ok(Some(line)) => line,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                let _ = conn.stream.write_all(&answer_line(&Response::err(e))).await;
                return;
            }
            Ok(None) | Err(_) => return,
        };
        let mut broken = false;
        let started = std::time::Instant::now();
        let response = match conn.request(&line).await {
            Err(e) => {
                // Whatever follows may be the rest of a config, not a request line.
                broken = true;
                e
            }
            Ok(req) => {
                let (reply, answer) = oneshot::channel();
                if tx.send(Ask::Control(req, reply)).await.is_err() {
                    return;
                }
                answer.await.unwrap_or_else(|_| Response::err("the daemon is stopping"))
            }
        };
        // A client that stops reading its answer does not hold a slot either.
        let written = tokio::time::timeout(REQUEST_WAIT, conn.stream.write_all(&answer_line(&response))).await;
        tracing::debug!("control socket: answered {:?} after the request line", started.elapsed());
        if !matches!(written, Ok(Ok(()))) || broken {
            return;
        }
    }
}

fn answer_line(r: &Response) -> Vec<u8> {
    let mut out = serde_json::to_vec(r).expect("serializable");
    out.push(b'\n');
    out
}

/// One client's connection: what was read past the last request line, and the descriptors that
/// came with it.
struct Connection {
    stream: UnixStream,
    pending: Vec<u8>,
    fds: Vec<OwnedFd>,
}

/// Bytes read at a time while looking for the end of a request line.
const CHUNK: usize = 64 << 10;

impl Connection {
    /// The next request line, without its newline; `None` when the client closed. Reads with
    /// `recvmsg`, which keeps the descriptors a line may carry (a plain read would drop them).
    async fn line(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut searched = 0;
        loop {
            if let Some(i) = self.pending[searched..].iter().position(|&b| b == b'\n') {
                let rest = self.pending.split_off(searched + i + 1);
                let mut line = std::mem::replace(&mut self.pending, rest);
                line.pop();
                return Ok(Some(line));
            }
            searched = self.pending.len();
            if searched > MAX_REQUEST {
                let e = format!("request larger than {} MiB", MAX_REQUEST >> 20);
                return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e));
            }
            let at = self.pending.len();
            self.pending.resize(at + CHUNK, 0);
            let mut fds = [-1; 4];
            let got = loop {
                self.stream.readable().await?;
                match self.stream.recv_with_fd(&mut self.pending[at..], &mut fds) {
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                    other => break other,
                }
            };
            self.pending.truncate(at + got.as_ref().map_or(0, |(n, _)| *n));
            let (n, nfds) = got?;
            for &fd in &fds[..nfds] {
                // `sendfd` passes no MSG_CMSG_CLOEXEC, so a received descriptor would outlive an
                // exec. The daemon runs no programs today; the flag keeps it so if one is added.
                // SAFETY: fcntl on a descriptor the kernel just installed in this process.
                unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
                // SAFETY: each descriptor is owned here and nowhere else.
                self.fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
            }
            if n == 0 {
                return Ok(None);
            }
        }
    }

    /// The request `line` starts: the line itself, and the config that follows it when the
    /// line announces `config_bytes`, or the file whose descriptor came with it (`config_fd`).
    async fn request(&mut self, line: &[u8]) -> Result<Request, Response> {
        let unreadable = |e: String| Response::err(format!("unreadable request: {e}"));
        let wire: Wire = serde_json::from_slice(line).map_err(|e| unreadable(e.to_string()))?;
        if wire.config_fd {
            let Some(fd) = (!self.fds.is_empty()).then(|| self.fds.remove(0)) else {
                return Err(unreadable("`config_fd` but no descriptor came with the request".into()));
            };
            let file = std::fs::File::from(fd);
            if !file.metadata().is_ok_and(|m| m.is_file()) {
                return Err(unreadable("the descriptor that came with the request is not a regular file".into()));
            }
            // Read off the runtime's threads: a file on a stalled network filesystem would
            // otherwise stall every connection and the reconciler with it.
            let source = wire.source().to_string();
            let text = tokio::task::spawn_blocking(move || hostnet_core::read_open(file, source))
                .await
                .map_err(|e| unreadable(e.to_string()))?
                .map_err(|e| Response { invalid: true, ..Response::err(e) })?;
            return wire.with_file_text(text).map_err(unreadable);
        }
        let body = match wire.config_bytes {
            Some(n) if n > MAX_REQUEST => {
                return Err(unreadable(format!("config larger than {} MiB", MAX_REQUEST >> 20)));
            }
            Some(n) => {
                let body = tokio::time::timeout(REQUEST_WAIT, self.body(n))
                    .await
                    .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()));
                Some(body.map_err(|e| unreadable(format!("reading the {n}-byte config: {e}")))?)
            }
            None => None,
        };
        wire.with_body(body).map_err(unreadable)
    }

    /// The `n` bytes after a request line: what was read with the line, then the rest straight
    /// into place.
    async fn body(&mut self, n: usize) -> std::io::Result<Vec<u8>> {
        let mut body = std::mem::take(&mut self.pending);
        if body.len() > n {
            self.pending = body.split_off(n);
        }
        body.reserve_exact(n - body.len());
        while body.len() < n {
            let want = n - body.len();
            if (&mut self.stream).take(want as u64).read_buf(&mut body).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::os::fd::AsRawFd;

    use sendfd::SendWithFd;

    use super::*;

    #[tokio::test]
    async fn a_received_descriptor_is_closed_on_exec() {
        let (client, server) = std::os::unix::net::UnixStream::pair().unwrap();
        server.set_nonblocking(true).unwrap();
        let mut conn =
            Connection { stream: UnixStream::from_std(server).unwrap(), pending: Vec::new(), fds: Vec::new() };
        let file = std::fs::File::open("/proc/self/status").unwrap();
        client.send_with_fd(b"{}\n", &[file.as_raw_fd()]).unwrap();
        assert_eq!(conn.line().await.unwrap().as_deref(), Some(&b"{}"[..]));
        // SAFETY: fcntl on a descriptor the connection owns.
        let flags = unsafe { libc::fcntl(conn.fds[0].as_raw_fd(), libc::F_GETFD) };
        assert_eq!(flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
    }

    /// Serves one end of a socket pair; the main loop's part answers each request with the
    /// request as the daemon read it. Returns the client's end.
    fn serving() -> std::os::unix::net::UnixStream {
        let (client, server) = std::os::unix::net::UnixStream::pair().unwrap();
        server.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let (tx, mut rx) = mpsc::channel(4);
                tokio::spawn(serve(UnixStream::from_std(server).unwrap(), tx));
                while let Some(Ask::Control(req, reply)) = rx.recv().await {
                    let _ = reply.send(Response::ok(req));
                }
            });
        });
        client
    }

    fn answer(client: &std::os::unix::net::UnixStream) -> Response {
        let mut line = String::new();
        BufReader::new(client).read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap()
    }

    fn config_of(r: &Response) -> Option<String> {
        Some(r.result.as_ref()?["config"].as_str()?.to_string())
    }

    #[test]
    fn a_config_comes_as_text_after_the_line_or_as_a_file_descriptor() {
        let client = serving();
        (&client)
            .write_all(&crate::protocol::encode(&Request::Plan { config: "a: 1\n".into(), source: "x".into() }))
            .unwrap();
        assert_eq!(config_of(&answer(&client)).as_deref(), Some("a: 1\n"));
        let dir = std::env::temp_dir().join(format!("hostnet-control-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.yaml");
        std::fs::write(&path, "interfaces: []\n").unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let line = b"{\"command\":\"apply\",\"source\":\"c.yaml\",\"config_fd\":true}\n";
        client.send_with_fd(line, &[file.as_raw_fd()]).unwrap();
        assert_eq!(config_of(&answer(&client)).as_deref(), Some("interfaces: []\n"));
        // The same connection goes on serving text.
        (&client)
            .write_all(&crate::protocol::encode(&Request::Plan { config: "b".into(), source: "x".into() }))
            .unwrap();
        assert_eq!(config_of(&answer(&client)).as_deref(), Some("b"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_descriptor_that_is_missing_or_not_a_regular_file_is_refused() {
        let client = serving();
        client.send_with_fd(b"{\"command\":\"apply\",\"source\":\"c.yaml\",\"config_fd\":true}\n", &[]).unwrap();
        let r = answer(&client);
        assert!(!r.ok && r.error.as_deref().unwrap().contains("no descriptor came with the request"), "{r:?}");
        let client = serving();
        let (pipe_end, _other) = std::os::unix::net::UnixStream::pair().unwrap();
        let line = b"{\"command\":\"apply\",\"source\":\"c.yaml\",\"config_fd\":true}\n";
        client.send_with_fd(line, &[pipe_end.as_raw_fd()]).unwrap();
        let r = answer(&client);
        assert!(!r.ok && r.error.as_deref().unwrap().contains("not a regular file"), "{r:?}");
        let client = serving();
        let line = b"{\"command\":\"apply\",\"source\":\"c.yaml\",\"config_fd\":true,\"config_bytes\":1}\nx";
        let file = std::fs::File::open("/proc/self/status").unwrap();
        client.send_with_fd(line, &[file.as_raw_fd()]).unwrap();
        let r = answer(&client);
        assert!(!r.ok && r.error.as_deref().unwrap().contains("send the config one way"), "{r:?}");
    }
}
