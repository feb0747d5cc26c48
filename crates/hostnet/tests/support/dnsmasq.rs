//! dnsmasq from Debian as a real DHCPv4, DHCPv6 and router-advertisement server, started by a test in
//! a namespace it made, on one end of a cable whose other end is the "NIC" of the namespace
//! under test. Stopped when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::Ns;

pub struct Dnsmasq {
    child: Option<Child>,
    pub log: PathBuf,
}

/// The server's side of the cable in the server namespace; the client's end is `nic`.
pub const SERVER_IF: &str = "srv0";
pub const ROUTER: &str = "10.77.0.1";
pub const NAMESERVER: &str = "10.77.0.53";
pub const V6_PREFIX: &str = "2001:db8:77::";
pub const NAMESERVER6: &str = "2001:db8:77::53";

/// What dnsmasq serves over IPv6 beside its RAs.
#[derive(Clone, Copy, PartialEq)]
pub enum V6 {
    /// RAs only (SLAAC).
    RaOnly,
    /// RAs with the M flag and DHCPv6 addresses (2001:db8:77::100 to ::1ff) and options.
    Stateful,
    /// RAs with the O flag (SLAAC) and DHCPv6 options to Information-Requests.
    Stateless,
}

/// Cables `server` to `client` (the client's end named `nic`) and gives the server its
/// addresses.
pub fn cable(server: &Ns, client: &Ns, nic: &str) {
    let out = Command::new("ip")
        .args([
            "-n",
            &server.name,
            "link",
            "add",
            SERVER_IF,
            "type",
            "veth",
            "peer",
            "name",
            nic,
            "netns",
            &client.name,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    server.ip(&["addr", "add", &format!("{ROUTER}/24"), "dev", SERVER_IF]);
    server.ip(&["addr", "add", &format!("{V6_PREFIX}1/64"), "dev", SERVER_IF, "nodad"]);
    server.ip(&["link", "set", SERVER_IF, "up"]);
}

impl Dnsmasq {
    /// Serves leases of dnsmasq's shortest time (2 minutes) with the given T1 and T2, a router,
    /// a name server and a search domain, and router advertisements for SLAAC.
    pub fn start(server: &Ns, t1: u32, t2: u32) -> Dnsmasq {
        Self::start_with(server, t1, t2, V6::RaOnly, &[])
    }

    /// As `start`, serving IPv6 as `v6` says, with a name server and a search domain, and
    /// `extra` dnsmasq options.
    pub fn start_with(server: &Ns, t1: u32, t2: u32, v6: V6, extra: &[&str]) -> Dnsmasq {
        let range6 = match v6 {
            V6::RaOnly => format!("--dhcp-range={V6_PREFIX},ra-only,64"),
            V6::Stateful => format!("--dhcp-range={V6_PREFIX}100,{V6_PREFIX}1ff,64,2m"),
            V6::Stateless => format!("--dhcp-range={V6_PREFIX},ra-stateless,64"),
        };
        let dir = server.state_dir().with_extension("dnsmasq");
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("dnsmasq.log");
        let child = Command::new("ip")
            .args(["netns", "exec", &server.name, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null"])
            .args(["--user=root", "--bind-interfaces", "--no-ping", "--log-dhcp"])
            // No DNS unless a test asks for it (dnsmasq refuses a repeated --port).
            .args((!extra.iter().any(|e| e.starts_with("--port"))).then_some("--port=0"))
            .arg(format!("--interface={SERVER_IF}"))
            .arg("--dhcp-range=10.77.0.50,10.77.0.60,255.255.255.0,2m")
            .arg(range6)
            .arg(format!("--dhcp-option=option6:dns-server,[{NAMESERVER6}]"))
            .arg("--dhcp-option=option6:domain-search,lab6.example")
            .arg("--enable-ra")
            .arg(format!("--dhcp-option=option:router,{ROUTER}"))
            .arg(format!("--dhcp-option=option:dns-server,{NAMESERVER}"))
            .arg("--dhcp-option=option:domain-search,lab.example")
            .arg(format!("--dhcp-option=option:T1,{t1}"))
            .arg(format!("--dhcp-option=option:T2,{t2}"))
            .arg(format!("--dhcp-leasefile={}", dir.join("leases").display()))
            .arg(format!("--pid-file={}", dir.join("pid").display()))
            .arg(format!("--log-facility={}", log.display()))
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("dnsmasq (Debian package dnsmasq) must be installed; .ci/run installs it");
        let d = Dnsmasq { child: Some(child), log };
        d.wait_for("started");
        d
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Lines of the log that name a DHCP message type (`DHCPACK`, `DHCPDISCOVER`...).
    pub fn count(&self, message: &str) -> usize {
        self.log_text().lines().filter(|l| l.contains(&format!("{message}("))).count()
    }

    fn wait_for(&self, text: &str) {
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(10) {
            if self.log_text().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("dnsmasq did not log {text:?}:\n{}", self.log_text());
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        self.stop();
    }
}
