//! The daemon's hooks against a real daemon in a namespace the test made: executables in the
//! hooks directory get each event as JSON; one that hangs is killed at its timeout while the
//! daemon goes on repairing; one that fails is logged; one a local user could have written,
//! or named as a package leftover, never runs. Needs root; run by the README's test command.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use support::Ns;
use support::daemon::Daemon;

const CONFIG: &str = "interfaces:
  - name: v0
    veth: {peer: v1}
    addresses: [192.0.2.1/24]
";

fn hook(dir: &std::path::Path, name: &str, body: &str, mode: u32) {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn hooks_get_each_event_and_none_can_stall_the_daemon_or_run_unless_trusted() {
    let ns = Ns::new("hooks");
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let seen = dir.path().join("seen.jsonl");
    let stranger = dir.path().join("stranger-ran");
    hook(dir.path(), "10-record", &format!("cat >> {0}; echo >> {0}", seen.display()), 0o755);
    hook(dir.path(), "20-hang", "sleep 60", 0o755);
    hook(dir.path(), "30-anyone-may-edit", &format!("touch {}", stranger.display()), 0o757);
    hook(dir.path(), "40-fail", "echo boom >&2; exit 3", 0o755);
    hook(dir.path(), "50-old.dpkg-old", &format!("touch {}", stranger.display()), 0o755);
    let f = ns.file("c.yaml", CONFIG);
    let hooks = dir.path().display().to_string();
    let d = Daemon::start_args(&ns, &f, &["--hooks", &hooks, "--hook-timeout", "1s"]);
    let events = || std::fs::read_to_string(&seen).unwrap_or_default();
    d.wait_until("the first event reaches the hook", || events().contains("\"configured\""));
    let first: serde_json::Value = serde_json::from_str(events().lines().next().unwrap()).unwrap();
    assert_eq!((&first["event"], &first["link"]), (&"configured".into(), &"v0".into()), "{first}");
    assert!(first["at"].as_f64().is_some_and(|t| t > 1e9), "{first}");

    // The hanging hook holds the hooks for a second per event; the daemon does not wait.
    let t0 = Instant::now();
    ns.ip(&["address", "del", "192.0.2.1/24", "dev", "v0"]);
    d.wait_until("the address is put back", || ns.ip(&["-o", "address", "show", "dev", "v0"]).contains("192.0.2.1/24"));
    assert!(t0.elapsed() < Duration::from_millis(900), "the repair waited for the hooks: {:?}", t0.elapsed());
    d.wait_until("the drift reaches the hook", || events().contains("\"drifted\""));
    let log = d.log();
    assert!(log.contains("20-hang (configured v0) took longer than 1 s: killed"), "{log}");
    assert!(log.contains("40-fail (configured v0) failed (exit status: 3): boom"), "{log}");
    assert!(log.contains("30-anyone-may-edit is writable by others or not owned by root: skipped"), "{log}");
    assert!(!stranger.exists(), "an untrusted hook or a package leftover ran");
}
