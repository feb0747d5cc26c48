//! A running `hostnet daemon` for a test's namespace, with the waits the daemon tests share.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::Ns;

/// A running `hostnet daemon` for a namespace; killed when dropped.
pub struct Daemon<'a> {
    pub ns: &'a Ns,
    pub child: Child,
    pub log: std::path::PathBuf,
}

impl<'a> Daemon<'a> {
    pub fn start(ns: &'a Ns, config: &str) -> Daemon<'a> {
        Self::start_args(ns, config, &[])
    }

    /// As `start`, with more of `hostnet daemon`'s options.
    pub fn start_args(ns: &'a Ns, config: &str, args: &[&str]) -> Daemon<'a> {
        let mut all = vec!["daemon", "--config", config];
        all.extend(args);
        all.push("--lease-dir");
        Self::spawn(ns, ns.hostnet_cmd(&all))
    }

    /// As `start`, in a UTS namespace of its own with an empty /etc/hostname (a mount
    /// namespace's bind mount), so that it may set the host name without touching the
    /// machine's; `uts_hostname` reads the name it set.
    pub fn start_own_hostname(ns: &'a Ns, config: &str) -> Daemon<'a> {
        let inner = ns.hostnet_cmd(&["daemon", "--config", config, "--lease-dir"]);
        let empty = ns.file("empty-hostname", "");
        let mut cmd = std::process::Command::new("unshare");
        cmd.args(["--uts", "--mount", "--propagation", "private", "sh", "-c"])
            .arg(format!("mount --bind {empty} /etc/hostname && hostname before-dhcp && exec \"$@\""))
            .arg("sh")
            .arg(inner.get_program())
            .args(inner.get_args());
        Self::spawn(ns, cmd)
    }

    pub fn uts_hostname(&self) -> String {
        let out = std::process::Command::new("nsenter")
            .args(["-t", &self.child.id().to_string(), "-u", "hostname"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// As `start`, with systemd's notification socket played by the test: what the daemon
    /// tells systemd (READY=1, STATUS=...) arrives on the receiver, one message per item.
    pub fn start_notified(ns: &'a Ns, config: &str) -> (Daemon<'a>, std::sync::mpsc::Receiver<String>) {
        Self::start_watched(ns, config, None)
    }

    /// [`Daemon::start_notified`], with systemd's watchdog set to `usec` when given.
    pub fn start_watched(
        ns: &'a Ns,
        config: &str,
        usec: Option<u64>,
    ) -> (Daemon<'a>, std::sync::mpsc::Receiver<String>) {
        let path = ns.state_dir().with_extension(format!("notify-{}", super::vm::rand_suffix()));
        let sock = std::os::unix::net::UnixDatagram::bind(&path).expect("bind a notify socket");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = sock.recv(&mut buf) {
                if tx.send(String::from_utf8_lossy(&buf[..n]).to_string()).is_err() {
                    break;
                }
            }
        });
        let mut cmd = ns.hostnet_cmd(&["daemon", "--config", config, "--lease-dir"]);
        cmd.env("NOTIFY_SOCKET", &path);
        if let Some(usec) = usec {
            cmd.env("WATCHDOG_USEC", usec.to_string());
        }
        (Self::spawn(ns, cmd), rx)
    }

    fn spawn(ns: &'a Ns, mut cmd: std::process::Command) -> Daemon<'a> {
        let log = ns.state_dir().with_extension(format!("daemon-{}.log", super::vm::rand_suffix()));
        let f = std::fs::File::create(&log).unwrap();
        let child = cmd.arg(ns.lease_dir()).stdout(Stdio::null()).stderr(f).spawn().expect("start hostnet daemon");
        let d = Daemon { ns, child, log };
        d.wait_until("the daemon answers", || d.ns.hostnet(&["status"]).status.success());
        d
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn status(&self) -> serde_json::Value {
        serde_json::from_str(&self.ns.hostnet_ok(&["status", "--json"])).unwrap()
    }

    pub fn link(&self, name: &str) -> serde_json::Value {
        let s = self.status();
        s["links"].as_array().unwrap().iter().find(|l| l["name"] == name).cloned().unwrap()
    }

    /// Polls `cond` every 10 ms for up to 5 s; the deadline is generous, the tests that
    /// promise a latency measure it themselves.
    pub fn wait_until(&self, what: &str, cond: impl FnMut() -> bool) -> Duration {
        self.wait_up_to(Duration::from_secs(5), what, cond)
    }

    /// As `wait_until`, for what takes its protocol's time (a lease running out).
    pub fn wait_up_to(&self, limit: Duration, what: &str, mut cond: impl FnMut() -> bool) -> Duration {
        let t0 = Instant::now();
        while t0.elapsed() < limit {
            if cond() {
                return t0.elapsed();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("timed out waiting until {what}; daemon log:\n{}", self.log())
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, sig) };
    }

    pub fn kill9(mut self) {
        self.signal(libc::SIGKILL);
        let _ = self.child.wait();
    }
}

impl Drop for Daemon<'_> {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
