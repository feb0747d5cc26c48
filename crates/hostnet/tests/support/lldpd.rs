//! lldpd from Debian as the LLDP neighbour of a test: run in the namespace of a "switch" the
//! test made, on that switch's end of a cable, naming itself and its ports as a switch would.
//! Stopped when dropped.

use std::process::{Child, Command, Stdio};

use super::Ns;

pub struct Lldpd {
    child: Child,
}

impl Lldpd {
    /// Announces `system` on `ports` of `ns` every second, port ids as interface names.
    pub fn start(ns: &Ns, system: &str, ports: &[&str]) -> Lldpd {
        // lldpd's privilege separation chroots to /run/lldpd (the Debian unit makes it).
        std::fs::create_dir_all("/run/lldpd").unwrap();
        let conf = ns.file(
            &format!("lldpd-{system}.conf"),
            &format!(
                "configure system hostname {system}\nconfigure lldp tx-interval 1\nconfigure lldp portidsubtype ifname\n"
            ),
        );
        let sock = ns.state_dir().with_extension(format!("lldpd-{system}.sock"));
        let child = Command::new("ip")
            .args(["netns", "exec", &ns.name, "lldpd", "-d", "-u"])
            .arg(&sock)
            .args(["-I", &ports.join(","), "-O", &conf])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("lldpd (Debian package lldpd) must be installed; .ci/run installs it");
        Lldpd { child }
    }
}

impl Drop for Lldpd {
    fn drop(&mut self) {
        // SIGTERM: lldpd then stops its privilege-separated child too.
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}
