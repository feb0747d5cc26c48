//! The OS-level VM (vm/hostnet-os) from a test: Debian with systemd as PID 1, the .deb built
//! from this checkout, steps run through the guest's test agent, reboots in place, and cables
//! pulled through qemu's monitor. A VM that cannot run fails the test; it never skips.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::Engine as _;

/// The seed's design on the guest's four NICs: an 802.3ad bond to each switch, balance-alb over
/// both, a VLAN on top. Two NICs are matched by MAC and two by name, as real configs mix them.
pub const SEED: &str = r#"
interfaces:
  - name: e1p1
    ethernet: { match: { mac: "52:54:00:aa:00:00" } }
  - name: e1p2
    ethernet: { match: { mac: "52:54:00:aa:00:01" } }
  - name: e2p1
    ethernet: { match: { name: ens18 } }
  - name: e2p2
    ethernet: { match: { name: ens19 } }
  - name: idmz1
    bond: { mode: 802.3ad, ports: [e1p1, e1p2], miimon: 100, lacp_rate: fast }
  - name: idmz2
    bond: { mode: 802.3ad, ports: [e2p1, e2p2], miimon: 100, lacp_rate: fast }
  - name: idmz
    bond: { mode: balance-alb, ports: [idmz1, idmz2], miimon: 100 }
    dhcp4: { use_dns: false }
  - name: vl100
    vlan: { base: idmz, id: 100 }
    addresses: [10.100.0.10/24]
online:
  timeout: 90
  interfaces: { idmz: lease, vl100: address }
"#;

/// A unit that needs the network: it pings the DHCP server once, at every boot, after
/// network-online.target, and writes down whether that first try worked.
pub const NEEDS_NETWORK: &str = r#"[Unit]
Description=needs the network at boot (hostnet's OS test)
Wants=network-online.target
After=network-online.target
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'if ping -c1 -W2 10.0.0.1 >/dev/null; then echo ok; else echo failed; fi >> /var/log/first-ping'
[Install]
WantedBy=multi-user.target
"#;

/// Two OS VMs (four qemu processes) at once would starve each other under TCG.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

pub fn exclusive() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The commands of README.md's "Installing" section, as written there (comments cut off).
pub fn readme_install() -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let start = readme.find("\n## Installing\n").expect("README has an Installing section");
    let section = &readme[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    section
        .lines()
        .filter_map(|l| l.strip_prefix("    "))
        .map(|l| l.split("  #").next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// The README command that contains `what`.
pub fn readme_command(what: &str) -> String {
    readme_install()
        .into_iter()
        .find(|c| c.contains(what))
        .unwrap_or_else(|| panic!("README's install section has no `{what}`"))
}

/// Builds the Debian package from this checkout with README's own command (cargo-deb itself is
/// installed by .ci/run), and returns its path.
pub fn deb() -> PathBuf {
    let line = readme_command("cargo deb");
    let build = line.rsplit("&& ").next().expect("a command");
    let words: Vec<&str> = build.split_whitespace().collect();
    assert_eq!(words[..2], ["cargo", "deb"], "README builds the package otherwise: {line}");
    let out = Command::new("cargo")
        .current_dir(repo())
        .args(&words[1..])
        .output()
        .expect("run cargo deb (install it with `cargo install cargo-deb`)");
    assert!(out.status.success(), "cargo deb failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let path = String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or("").trim().to_string();
    keep(&repo().join(path))
}

/// A copy of a package where later cargo-deb runs cannot reach it: a run with `--deb-version`
/// or `--output` empties target/debian/.
fn keep(built: &Path) -> PathBuf {
    assert!(built.exists(), "cargo deb printed no package path: {}", built.display());
    let dir = repo().join("target/hostnet-os/debs");
    std::fs::create_dir_all(&dir).unwrap();
    let kept = dir.join(built.file_name().unwrap());
    std::fs::copy(built, &kept).unwrap();
    kept
}

/// The package again with a newer version, `version`, from the binary [`deb`] built: what an
/// upgrade installs.
pub fn deb_version(version: &str) -> PathBuf {
    let out = Command::new("cargo")
        .current_dir(repo())
        .args(["deb", "-p", "hostnet", "--no-build", "--strip", "--deb-version", version, "--output"])
        .arg(format!("target/debian-{version}/"))
        .output()
        .expect("run cargo deb");
    assert!(out.status.success(), "cargo deb failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let path = String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or("").trim().to_string();
    keep(&repo().join(path))
}

/// A booted guest. Dropping it powers both VMs off; the run directory stays when the test
/// failed (console.log, peer.log), and its path is printed.
pub struct Os {
    dir: PathBuf,
    agent: UnixStream,
    buf: Vec<u8>,
    boot_id: String,
    next: u64,
    pub accel: String,
    pub boots: u32,
}

/// What a guest disk holds beyond the base image: files by guest path and packages in /root.
#[derive(Default)]
pub struct Disk<'a> {
    pub debs: Vec<&'a Path>,
    pub files: Vec<(&'a str, String)>,
}

impl Os {
    /// Builds a disk and boots it; `down` lists guest NICs (0-3) whose cable starts pulled.
    pub fn boot(tag: &str, disk: Disk, down: &[usize]) -> Os {
        let dir = std::env::temp_dir().join(format!("hostnet-os-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("files")).unwrap();
        let img = dir.join("disk.img");
        let mut cmd = Command::new(repo().join("vm/hostnet-os"));
        cmd.arg("disk").arg(&img);
        for d in &disk.debs {
            cmd.arg("--deb").arg(d);
        }
        for (i, (dest, text)) in disk.files.iter().enumerate() {
            let src = dir.join("files").join(i.to_string());
            std::fs::write(&src, text).unwrap();
            cmd.arg("--file").arg(format!("{}={dest}", src.display()));
        }
        run_harness(cmd, "build the guest disk");
        let mut cmd = Command::new(repo().join("vm/hostnet-os"));
        cmd.arg("start").arg(dir.join("run")).arg(&img).arg("--paused");
        for n in down {
            cmd.args(["--down", &n.to_string()]);
        }
        run_harness(cmd, "start the VMs");
        let run = dir.join("run");
        let accel = std::fs::read_to_string(run.join("accel")).unwrap_or_default().trim().to_string();
        // Connected before the guest's first instruction, so the agent's first READY is seen.
        let agent = UnixStream::connect(run.join("agent.sock")).expect("connect to the guest agent");
        let mut os = Os { dir, agent, buf: Vec::new(), boot_id: String::new(), next: 0, accel, boots: 0 };
        os.monitor("cont");
        os.wait_ready();
        os
    }

    fn run_dir(&self) -> PathBuf {
        self.dir.join("run")
    }

    /// Sends one command to qemu's human monitor.
    pub fn monitor(&self, command: &str) {
        let mut m = UnixStream::connect(self.run_dir().join("monitor.sock")).expect("connect to qemu's monitor");
        m.write_all(format!("{command}\n").as_bytes()).unwrap();
        // The monitor answers with its banner and prompts; reading a little lets it act first.
        m.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
        let mut sink = [0u8; 4096];
        let _ = m.read(&mut sink);
        std::thread::sleep(Duration::from_millis(200));
    }

    /// Plugs (`true`) or pulls guest NIC `nic`'s cable.
    pub fn set_link(&self, nic: usize, up: bool) {
        self.monitor(&format!("set_link nic{nic} {}", if up { "on" } else { "off" }));
    }

    fn read_more(&mut self, deadline: Instant) -> bool {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        self.agent.set_read_timeout(Some(left.min(Duration::from_secs(5)))).unwrap();
        let mut chunk = [0u8; 65536];
        match self.agent.read(&mut chunk) {
            Ok(0) => panic!("the guest agent's socket closed (qemu exited?)\n{}", self.console_tail()),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => true,
            Err(e) => panic!("reading the guest agent: {e}"),
        }
    }

    /// Waits for the agent of a boot other than the last one seen.
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            let text = String::from_utf8_lossy(&self.buf).to_string();
            let fresh = text
                .split("@@READY ")
                .skip(1)
                .filter_map(|rest| rest.find("@@").map(|e| rest[..e].to_string()))
                .filter(|id| *id != self.boot_id)
                .last();
            if let Some(id) = fresh {
                self.boot_id = id;
                self.buf.clear();
                self.boots += 1;
                return;
            }
            assert!(self.read_more(deadline), "the guest did not boot within 600 s\n{}", self.console_tail());
        }
    }

    /// Runs a bash script in the guest; returns its exit code and output.
    pub fn run(&mut self, script: &str) -> (i32, String) {
        self.run_for(script, Duration::from_secs(300))
    }

    pub fn run_for(&mut self, script: &str, limit: Duration) -> (i32, String) {
        self.next += 1;
        let id = self.next;
        let b64 = base64::engine::general_purpose::STANDARD.encode(script);
        self.agent.write_all(format!("{id} {b64}\n").as_bytes()).unwrap();
        let deadline = Instant::now() + limit;
        loop {
            let text = String::from_utf8_lossy(&self.buf).to_string();
            if let Some(rc) = field(&text, &format!("@@END {id} ")) {
                let out = field(&text, &format!("@@OUT {id} ")).unwrap_or_default();
                let out = base64::engine::general_purpose::STANDARD.decode(out.trim()).unwrap_or_default();
                self.buf.clear();
                return (rc.trim().parse().unwrap_or(-1), String::from_utf8_lossy(&out).to_string());
            }
            assert!(
                self.read_more(deadline),
                "step {id} did not finish within {limit:?}:\n{script}\n{}",
                self.console_tail()
            );
        }
    }

    /// Runs a script that must succeed; returns its output.
    #[track_caller]
    pub fn ok(&mut self, script: &str) -> String {
        let (rc, out) = self.run(script);
        assert_eq!(
            rc,
            0,
            "guest step failed (exit {rc}):\n--- script\n{script}\n--- output\n{out}\n--- console\n{}",
            self.console_tail()
        );
        out
    }

    /// Reboots the guest the way an admin does (`systemctl reboot`), with the cables in `down`
    /// pulled first, and waits for the new boot's agent.
    pub fn reboot(&mut self, down: &[usize]) {
        for n in down {
            self.set_link(*n, false);
        }
        self.next += 1;
        let script = "(sleep 1; systemctl reboot) >/dev/null 2>&1 &";
        let b64 = base64::engine::general_purpose::STANDARD.encode(script);
        self.agent.write_all(format!("{} {b64}\n", self.next).as_bytes()).unwrap();
        self.wait_ready();
    }

    pub fn console_tail(&self) -> String {
        let c = std::fs::read_to_string(self.run_dir().join("console.log")).unwrap_or_default();
        let lines: Vec<&str> = c.lines().collect();
        format!("(run directory {})\n{}", self.dir.display(), lines[lines.len().saturating_sub(60)..].join("\n"))
    }
}

/// The text between `marker` and the next `@@`, once it arrived whole.
fn field(text: &str, marker: &str) -> Option<String> {
    let rest = &text[text.find(marker)? + marker.len()..];
    Some(rest[..rest.find("@@")?].to_string())
}

impl Drop for Os {
    fn drop(&mut self) {
        let _ = Command::new(repo().join("vm/hostnet-os")).arg("stop").arg(self.run_dir()).status();
        if std::thread::panicking() {
            eprintln!("the OS VM's files stay in {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn run_harness(mut cmd: Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: cannot run vm/hostnet-os: {e}"));
    assert!(
        out.status.success(),
        "{what} failed (exit {:?}):\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
