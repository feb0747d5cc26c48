//! A network namespace per test, made with `ip netns` (the test harness may use iproute2; the
//! product never does) and removed when the test ends, pass or fail.

#![allow(dead_code)]

pub mod daemon;
pub mod dnsmasq;
pub mod lldpd;
pub mod os;
pub mod vm;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

static SEQ: AtomicUsize = AtomicUsize::new(0);

pub struct Ns {
    pub name: String,
    tmp: PathBuf,
}

impl Ns {
    /// Panics, never skips, when namespaces cannot be made: these tests must not pass silently.
    pub fn new(tag: &str) -> Ns {
        // SAFETY: geteuid has no preconditions.
        assert_eq!(unsafe { libc::geteuid() }, 0, "this test needs root (network namespaces)");
        let name = format!("hnt-{}-{}-{}", tag, std::process::id(), SEQ.fetch_add(1, Ordering::SeqCst));
        let st = Command::new("ip").args(["netns", "add", &name]).status().expect("run ip");
        assert!(st.success(), "ip netns add {name} failed");
        let tmp = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&tmp).unwrap();
        let ns = Ns { name, tmp };
        // Loopback up, as on any real host.
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    pub fn file(&self, name: &str, text: &str) -> String {
        let p = self.tmp.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    pub fn state_dir(&self) -> PathBuf {
        self.tmp.join("state")
    }

    /// The daemon's lease directory; `--netns` adds its own subdirectory.
    pub fn lease_dir(&self) -> PathBuf {
        self.tmp.join("leases")
    }

    pub fn resolv_conf(&self) -> PathBuf {
        self.tmp.join("resolv.conf")
    }

    pub fn hostnet_cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_hostnet"));
        c.args(["--netns", &self.name, "--state-dir"])
            .arg(self.state_dir())
            .arg("--resolv-conf")
            .arg(self.resolv_conf())
            .args(args);
        c
    }

    pub fn hostnet(&self, args: &[&str]) -> Output {
        self.hostnet_cmd(args).output().expect("run hostnet")
    }

    /// Runs hostnet and insists on success; returns its stdout.
    pub fn hostnet_ok(&self, args: &[&str]) -> String {
        let out = self.hostnet(args);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "hostnet {args:?} failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    pub fn plan_len(&self, file: &str) -> usize {
        let json = self.hostnet_ok(&["plan", "--live", "--format", "json", file]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["steps"].as_array().unwrap().len()
    }

    pub fn ip(&self, args: &[&str]) -> String {
        let out = Command::new("ip").args(["-n", &self.name]).args(args).output().expect("run ip");
        assert!(out.status.success(), "ip {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn kernel_has_vlan(&self) -> bool {
        std::path::Path::new("/proc/net/vlan").exists()
    }
}

/// `ip monitor OBJECT` (link, address...) in `ns`, its lines delivered as they arrive.
pub fn ip_monitor(ns: &Ns, object: &str) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    use std::io::BufRead;
    let mut child = Command::new("ip")
        .args(["-n", &ns.name, "-o", "monitor", object])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = std::io::BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

impl Drop for Ns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.name]).status();
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

/// `ip -d -j` output for links, addresses and all routes, without what changes on its own:
/// bridge timers, and the IPv6 link-local addresses and routes the kernel adds asynchronously
/// after a link comes up (DAD). Everything else must be identical after a rollback.
/// Applies `file` with a failure injected at each of its steps in turn, and checks after each
/// that the host reads as it did before (`ip_snapshot`).
pub fn every_failure_rolls_back(ns: &Ns, file: &str) {
    let before = ip_snapshot(ns);
    for fail_at in 1..=ns.plan_len(file) {
        let out = ns.hostnet(&["apply", file, "--fail-at", &fail_at.to_string()]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success() && text.contains("injected failure"), "{text}");
        assert_eq!(ip_snapshot(ns), before, "not rolled back after a failure at step {fail_at}:\n{text}");
    }
}

pub fn ip_snapshot(ns: &Ns) -> String {
    let mut parts = Vec::new();
    for args in [
        &["-d", "-j", "link", "show"][..],
        &["-d", "-j", "addr", "show"][..],
        &["-d", "-j", "route", "show", "table", "all"][..],
        &["-d", "-j", "-6", "route", "show", "table", "all"][..],
    ] {
        let mut v: serde_json::Value = serde_json::from_str(&ns.ip(args)).unwrap();
        scrub(&mut v);
        parts.push(serde_json::to_string_pretty(&v).unwrap());
    }
    parts.join("\n")
}

fn scrub(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|k, _| !k.ends_with("_timer"));
            m.values_mut().for_each(scrub);
        }
        serde_json::Value::Array(a) => {
            a.retain(|x| !autoconf_ipv6(x));
            a.iter_mut().for_each(scrub);
        }
        _ => {}
    }
}

fn autoconf_ipv6(x: &serde_json::Value) -> bool {
    let s = |k: &str| x.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let link_local_addr = s("family") == "inet6" && s("scope") == "link";
    let dst = s("dst");
    let link_local_route = dst.starts_with("fe80:") || dst == "ff00::/8";
    link_local_addr || link_local_route
}

/// `ip_snapshot` once IPv6 duplicate address detection is over: an address added a moment ago
/// (a rollback putting it back) is `tentative` for about a second.
#[allow(dead_code)]
pub fn settled_snapshot(ns: &Ns) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while ns.ip(&["-6", "addr"]).contains("tentative") && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    ip_snapshot(ns)
}

/// Asserts two `ip_snapshot`s are equal, printing only the lines that differ (a whole snapshot
/// is thousands of lines).
#[allow(dead_code)]
pub fn assert_same_host(got: &str, want: &str, what: &str) {
    if got == want {
        return;
    }
    let (g, w): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
    let mut out = String::new();
    for i in 0..g.len().max(w.len()) {
        let (a, b) = (g.get(i).copied().unwrap_or(""), w.get(i).copied().unwrap_or(""));
        if a != b {
            out.push_str(&format!("line {i}:\n  got:  {a}\n  want: {b}\n"));
            if out.len() > 4000 {
                break;
            }
        }
    }
    panic!("{what}: the host differs\n{out}");
}
