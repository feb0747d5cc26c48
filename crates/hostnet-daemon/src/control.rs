//! The control socket's server side: accepts connections, checks that the peer is root (or the
//! daemon's own user), reads one request per line and passes it to the main loop, which owns
//! all state; answers go back in order.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
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
        std::fs::create_dir_all(dir)?;
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(serve(stream, tx.clone()));
                }
                Err(e) => tracing::warn!("control socket: {e}"),
            }
        }
    });
    Ok(())
}

fn allowed(stream: &UnixStream) -> bool {
    // SAFETY: geteuid cannot fail.
    let me = unsafe { libc::geteuid() };
    stream.peer_cred().is_ok_and(|c| c.uid() == 0 || c.uid() == me)
}

async fn serve(stream: UnixStream, tx: mpsc::Sender<Ask>) {
    let permitted = allowed(&stream);
    let (rd, mut wr) = stream.into_split();
    // An apply carries its whole config: read it in few large chunks rather than many 8 KiB ones.
    let mut lines = BufReader::with_capacity(256 << 10, rd.take(MAX_REQUEST as u64 + 1));
    let mut line = String::new();
    let mut broken = false;
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let response = if !permitted {
            Response::err("permission denied: only root may talk to the hostnet daemon")
        } else if line.len() > MAX_REQUEST {
            Response::err(format!("request larger than {} MiB", MAX_REQUEST >> 20))
        } else {
            match read_request(&line, &mut lines).await {
                Err(e) => {
                    // Whatever follows may be the rest of a config, not a request line.
                    broken = true;
                    Response::err(format!("unreadable request: {e}"))
                }
                Ok(req) => {
                    let (reply, answer) = oneshot::channel();
                    if tx.send(Ask::Control(req, reply)).await.is_err() {
                        return;
                    }
                    answer.await.unwrap_or_else(|_| Response::err("the daemon is stopping"))
                }
            }
        };
        let mut out = serde_json::to_vec(&response).expect("serializable");
        out.push(b'\n');
        if wr.write_all(&out).await.is_err() || !permitted || line.len() > MAX_REQUEST || broken {
            return;
        }
    }
}

/// The request a line starts: the line itself, and the config that follows it when the line
/// announces `config_bytes`.
async fn read_request<R: AsyncBufReadExt + Unpin>(line: &str, rest: &mut R) -> Result<Request, String> {
    let wire: Wire = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let body = match wire.config_bytes {
        Some(n) if n > MAX_REQUEST => return Err(format!("config larger than {} MiB", MAX_REQUEST >> 20)),
        Some(n) => {
            let mut b = vec![0; n];
            rest.read_exact(&mut b).await.map_err(|e| format!("reading the {n}-byte config: {e}"))?;
            Some(b)
        }
        None => None,
    };
    wire.with_body(body)
}
