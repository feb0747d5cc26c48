//! The daemon against the real kernel, each test in network namespaces it made: late NICs,
//! drift repaired or only reported, restarts without link flaps, reloads, apply through the
//! socket, and the metrics endpoint scraped over HTTP. Needs root; run by the README's test
//! command (`--include-ignored`).

mod support;

use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

use support::Ns;
use support::daemon::Daemon;

/// A cable into `ns`: a veth whose end `name` (with `mac`) is in `ns` and whose other end is in
/// `peer`; from inside `ns` it is a NIC, as hot-plugged hardware would be.
fn plug(ns: &Ns, peer: &Ns, name: &str, mac: &str) {
    let out = Command::new("ip")
        .args(["-n", &peer.name, "link", "add", name, "address", mac, "netns", &ns.name])
        .args(["type", "veth", "peer", "name", &format!("p-{name}")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    peer.ip(&["link", "set", &format!("p-{name}"), "up"]);
}

const HOST: &str = r#"
interfaces:
  - name: v0
    veth: { peer: v1 }
    addresses: [192.0.2.1/24]
    routes:
      - { dst: 198.51.100.0/24, via: 192.0.2.254 }
  - name: br0
    bridge: { ports: [v1], stp: false, forward_delay: 0 }
    mtu: 1400
    addresses: [203.0.113.1/24]
  - name: v1
    veth: { peer: v0 }
    mtu: 1400
  - name: uplink
    ethernet: { match: { mac: "02:00:00:00:00:aa" } }
    addresses: [10.9.0.1/24]
"#;

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_late_nic_is_configured_within_a_second() {
    let ns = Ns::new("dlate");
    let peer = Ns::new("dlatep");
    let f = ns.file("c.yaml", HOST);
    let d = Daemon::start(&ns, &f);
    assert_eq!(d.link("uplink")["phase"], "pending");
    assert_eq!(d.link("v0")["phase"], "configured");

    let t0 = Instant::now();
    plug(&ns, &peer, "enx1", "02:00:00:00:00:aa");
    while !ns.ip(&["-br", "addr", "show"]).contains("10.9.0.1/24") {
        assert!(t0.elapsed() < Duration::from_secs(5), "never configured; log:\n{}", d.log());
        std::thread::sleep(Duration::from_millis(5));
    }
    let took = t0.elapsed();
    println!("late NIC renamed, addressed and up after {took:?}");
    assert!(took < Duration::from_secs(1), "late NIC took {took:?}");
    let links = ns.ip(&["-br", "link", "show", "uplink"]);
    assert!(links.contains("uplink"), "{links}");
    d.wait_until("uplink is configured", || d.link("uplink")["phase"] == "configured");

    // Driver reload: the NIC goes away and comes back under its kernel name.
    ns.ip(&["link", "del", "uplink"]);
    d.wait_until("uplink is pending again", || d.link("uplink")["phase"] == "pending");
    plug(&ns, &peer, "enx1", "02:00:00:00:00:aa");
    d.wait_until("uplink is configured again", || ns.ip(&["-br", "addr"]).contains("10.9.0.1/24"));
    let events: Vec<String> = d.link("uplink")["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["what"].as_str().unwrap().to_string())
        .collect();
    assert!(events.iter().any(|e| e.contains("gone from the host")), "{events:?}");
    assert!(events.iter().any(|e| e.contains("NIC found as enx1")), "{events:?}");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn drift_is_reported_with_what_changed_and_repaired() {
    let ns = Ns::new("ddrift");
    let f = ns.file("c.yaml", HOST);
    let d = Daemon::start(&ns, &f);
    ns.ip(&["addr", "del", "192.0.2.1/24", "dev", "v0"]);
    ns.ip(&["link", "set", "v1", "nomaster"]);
    ns.ip(&["link", "set", "br0", "mtu", "1300"]);
    d.wait_until("everything is back", || {
        let a = ns.ip(&["-br", "addr", "show", "v0"]);
        let v1 = ns.ip(&["-d", "link", "show", "v1"]);
        let br = ns.ip(&["link", "show", "br0"]);
        a.contains("192.0.2.1/24") && v1.contains("master br0") && br.contains("mtu 1400")
    });
    // The route went with the address; it is back too.
    d.wait_until("the route is back", || ns.ip(&["route"]).contains("198.51.100.0/24 via 192.0.2.254 dev v0"));
    let text = ns.hostnet_ok(&["status"]);
    assert!(text.contains("drift: address 192.0.2.1/24 missing"), "{text}");
    assert!(text.contains("not a port of br0"), "{text}");
    assert!(text.contains("MTU 1300 instead of 1400"), "{text}");
    assert!(text.contains("repairing"), "{text}");
    d.wait_until("v0 is configured", || d.link("v0")["phase"] == "configured");
    assert!(d.link("v0")["repairs"].as_u64().unwrap() >= 1);
    assert_eq!(d.link("v0")["phase"], "configured", "{}", d.log());
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_rule_route_or_sysctl_changed_by_hand_is_drift_and_repaired() {
    let ns = Ns::new("drules");
    let config = format!(
        "{HOST}routing_rules:\n  - {{ from: 192.0.2.0/24, table: 100, priority: 1000 }}\nroutes:\n  - {{ type: blackhole, dst: 10.0.0.0/8 }}\n  - {{ dst: 10.20.0.0/16, nexthops: [{{via: 192.0.2.254, dev: v0}}, {{via: 203.0.113.254, dev: br0, weight: 2}}] }}\nsysctls:\n  net.ipv4.ip_forward: 1\n"
    )
        .replace("    mtu: 1400\n    addresses", "    mtu: 1400\n    ipv4: { rp_filter: loose }\n    addresses");
    let f = ns.file("c.yaml", &config);
    let d = Daemon::start(&ns, &f);
    assert!(ns.ip(&["rule"]).contains("1000:\tfrom 192.0.2.0/24 lookup 100"));
    ns.ip(&["rule", "del", "priority", "1000"]);
    ns.ip(&["rule", "add", "from", "10.9.9.0/24", "table", "50", "priority", "900"]);
    d.wait_until("the rules are put back", || {
        let r = ns.ip(&["rule"]);
        r.contains("1000:\tfrom 192.0.2.0/24 lookup 100") && !r.contains("10.9.9.0/24")
    });
    let rules = d.link("(rules)");
    assert!(rules["repairs"].as_u64().unwrap() >= 1, "{rules}");
    ns.ip(&["route", "del", "blackhole", "10.0.0.0/8"]);
    d.wait_until("the blackhole route is put back", || ns.ip(&["route"]).contains("blackhole 10.0.0.0/8"));
    // A route replaced in place by hand: the kernel tells only of the new one.
    ns.ip(&["route", "replace", "198.51.100.0/24", "via", "192.0.2.253", "dev", "v0"]);
    d.wait_until("the declared gateway is put back", || {
        let r = ns.ip(&["route", "show", "198.51.100.0/24"]);
        r.contains("via 192.0.2.254 dev v0") && !r.contains("192.0.2.253")
    });
    // A namespace-wide sysctl written by hand: its netconf notification brings the daemon.
    let sysctl =
        |args: &[&str]| Command::new("ip").args(["netns", "exec", &ns.name, "sysctl"]).args(args).output().unwrap();
    assert!(sysctl(&["-qw", "net.ipv4.ip_forward=0"]).status.success());
    d.wait_until("ip_forward is put back", || {
        String::from_utf8_lossy(&sysctl(&["-n", "net.ipv4.ip_forward"]).stdout).trim() == "1"
    });
    // A multipath route narrowed to one path by hand is drift too.
    ns.ip(&["route", "replace", "10.20.0.0/16", "via", "192.0.2.254", "dev", "v0"]);
    d.wait_until("the multipath route is put back", || {
        ns.ip(&["route", "show", "10.20.0.0/16"]).contains("nexthop via 203.0.113.254 dev br0 weight 2")
    });
    // rp_filter written by hand: the kernel's netconf notification brings the daemon.
    let path = "/proc/sys/net/ipv4/conf/br0/rp_filter";
    let sh = |cmd: String| Command::new("ip").args(["netns", "exec", &ns.name, "sh", "-c", &cmd]).output().unwrap();
    sh(format!("echo 0 > {path}"));
    d.wait_until("rp_filter is put back", || String::from_utf8_lossy(&sh(format!("cat {path}")).stdout).trim() == "2");
    assert!(d.link("br0")["repairs"].as_u64().unwrap() >= 1, "{}", d.log());
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn report_only_reports_drift_and_leaves_it() {
    let ns = Ns::new("dreport");
    let f = ns.file("c.yaml", &format!("reconcile: report-only\n{HOST}"));
    let d = Daemon::start(&ns, &f);
    ns.ip(&["addr", "del", "192.0.2.1/24", "dev", "v0"]);
    d.wait_until("the drift is reported", || d.link("v0")["phase"] == "drifted");
    let v0 = d.link("v0");
    let drift: Vec<&str> = v0["drift"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
    assert!(drift.contains(&"address 192.0.2.1/24 missing"), "{drift:?}");
    assert_eq!(v0["drift_events"], 1);
    std::thread::sleep(Duration::from_millis(300));
    assert!(!ns.ip(&["-br", "addr", "show", "v0"]).contains("192.0.2.1/24"), "report-only repaired");
    // Put back by hand: the link matches again, and says so.
    ns.ip(&["addr", "add", "192.0.2.1/24", "dev", "v0"]);
    ns.ip(&["route", "add", "198.51.100.0/24", "via", "192.0.2.254"]);
    d.wait_until("v0 matches again", || d.link("v0")["phase"] == "configured");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn an_apply_through_the_daemon_plans_what_changed_and_what_drifted() {
    let ns = Ns::new("dpart");
    let peer = Ns::new("dpartp");
    plug(&ns, &peer, "enx1", "02:00:00:00:00:aa");
    let f = ns.file("c.yaml", &format!("reconcile: report-only\n{HOST}"));
    let d = Daemon::start(&ns, &f);
    d.wait_until("uplink is configured", || d.link("uplink")["phase"] == "configured");
    // Its carrier comes a moment after it is up; seen before the change, it cannot make uplink
    // count as touched (and planned) during it.
    d.wait_until("uplink has carrier", || d.link("uplink")["carrier"] == true);
    // Drift the daemon only reports, on a link the next config does not change.
    ns.ip(&["addr", "del", "203.0.113.1/24", "dev", "br0"]);
    d.wait_until("the drift is reported", || d.link("br0")["phase"] == "drifted");
    // A change to v0 only: v0, its peer and the drifted bridge are planned, not uplink; and
    // the drift is repaired, as a whole apply would.
    let next =
        ns.file("next.yaml", &format!("reconcile: report-only\n{}", HOST.replace("192.0.2.1/24", "192.0.2.5/24")));
    let out = ns.hostnet_ok(&["apply", &next]);
    assert!(out.contains("verified"), "{out}");
    assert!(d.log().contains("apply: planning 3 of 4 interfaces"), "{}", d.log());
    assert!(ns.ip(&["-br", "addr", "show", "br0"]).contains("203.0.113.1/24"), "the drift was left");
    let v0 = ns.ip(&["-br", "addr", "show", "v0"]);
    assert!(v0.contains("192.0.2.5/24") && !v0.contains("192.0.2.1/24"), "{v0}");
    assert!(ns.ip(&["route", "show", "198.51.100.0/24"]).contains("192.0.2.254"), "the route did not come back");
    // Back, with nothing drifted: v0 and its peer only.
    let out = ns.hostnet_ok(&["apply", &f]);
    assert!(out.contains("verified"), "{out}");
    assert!(d.log().contains("apply: planning 2 of 4 interfaces"), "{}", d.log());
    assert!(ns.ip(&["-br", "addr", "show", "v0"]).contains("192.0.2.1/24"));
}

/// [`HOST`] as JSON, as programs and Ansible write it, with `v0_address` on v0.
fn host_json(v0_address: &str) -> String {
    serde_json::json!({"interfaces": [
        {"name": "v0", "veth": {"peer": "v1"}, "addresses": [v0_address],
         "routes": [{"dst": "198.51.100.0/24", "via": "192.0.2.254"}]},
        {"name": "br0", "bridge": {"ports": ["v1"], "stp": false, "forward_delay": 0}, "mtu": 1400,
         "addresses": ["203.0.113.1/24"]},
        {"name": "v1", "veth": {"peer": "v0"}, "mtu": 1400},
        {"name": "uplink", "ethernet": {"match": {"mac": "02:00:00:00:00:aa"}}, "addresses": ["10.9.0.1/24"]},
    ]})
    .to_string()
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_config_applied_again_parses_only_the_interfaces_that_changed() {
    let ns = Ns::new("djson");
    let peer = Ns::new("djsonp");
    plug(&ns, &peer, "enx1", "02:00:00:00:00:aa");
    let f = ns.file("c.yaml", HOST);
    let d = Daemon::start(&ns, &f);
    d.wait_until("uplink is configured", || d.link("uplink")["phase"] == "configured");
    // The daemon's own file, read at start, is not parsed again.
    assert!(ns.hostnet_ok(&["apply", &f]).contains("the host already matches"));
    assert!(d.log().contains("apply: 4 of 4 interfaces unchanged in text, not parsed again"), "{}", d.log());
    let first = ns.file("c.json", &host_json("192.0.2.1/24"));
    let out = ns.hostnet_ok(&["apply", &first]);
    assert!(out.contains("the host already matches"), "{out}");
    let next = ns.file("next.json", &host_json("192.0.2.5/24"));
    assert!(ns.hostnet_ok(&["apply", &next]).contains("verified"));
    assert!(d.log().contains("apply: 3 of 4 interfaces unchanged in text, not parsed again"), "{}", d.log());
    let v0 = ns.ip(&["-br", "addr", "show", "v0"]);
    assert!(v0.contains("192.0.2.5/24") && !v0.contains("192.0.2.1/24"), "{v0}");
    assert!(ns.ip(&["route", "show", "198.51.100.0/24"]).contains("192.0.2.254"), "the route did not come back");
    // A config the daemon cannot read changes nothing, and the texts it kept still serve.
    let bad = ns.file("bad.json", &host_json("192.0.2.5/33"));
    let out = ns.hostnet(&["apply", &bad]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("bad.json"), "{out:?}");
    let out = ns.hostnet_ok(&["apply", &first]);
    assert!(out.contains("verified"), "{out}");
    assert!(ns.ip(&["-br", "addr", "show", "v0"]).contains("192.0.2.1/24"));
    assert_eq!(d.log().matches("apply: 3 of 4 interfaces unchanged in text").count(), 2, "{}", d.log());
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn restarting_or_killing_the_daemon_on_a_correct_host_flaps_nothing() {
    let ns = Ns::new("drestart");
    let peer = Ns::new("drestartp");
    plug(&ns, &peer, "enx1", "02:00:00:00:00:aa");
    let f = ns.file("c.yaml", HOST);
    let d = Daemon::start(&ns, &f);
    d.wait_until("uplink is configured", || d.link("uplink")["phase"] == "configured");
    let (mut monitor, lines) = support::ip_monitor(&ns, "link");
    // IPv6 autoconfiguration on the fresh veths (DAD, router solicitations) sends link
    // notifications of its own for a while; a fixed sleep was too short under CI load, so the
    // restart starts only once the kernel has been quiet for a second.
    let t0 = Instant::now();
    loop {
        match lines.recv_timeout(Duration::from_secs(1)) {
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break,
            Ok(_) if t0.elapsed() < Duration::from_secs(20) => {}
            other => panic!("link notifications never stopped before the restart: {other:?}"),
        }
    }
    d.kill9();
    let d = Daemon::start(&ns, &f);
    for name in ["v0", "v1", "br0", "uplink"] {
        assert_eq!(d.link(name)["phase"], "configured", "{name}");
    }
    d.signal(libc::SIGTERM);
    std::thread::sleep(Duration::from_millis(300));
    let d2 = Daemon::start(&ns, &f);
    std::thread::sleep(Duration::from_millis(500));
    let _ = monitor.kill();
    let _ = monitor.wait();
    let seen: Vec<String> = lines.iter().collect(); // ends at the monitor's EOF
    assert!(seen.is_empty(), "link notifications while the daemon restarted:\n{}", seen.join("\n"));
    assert!(!d2.log().contains("configuring"), "{}", d2.log());
    drop(d);
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_bad_reload_changes_nothing_and_says_why() {
    let ns = Ns::new("dreload");
    let f = ns.file("c.yaml", HOST);
    let d = Daemon::start(&ns, &f);
    std::fs::write(&f, HOST.replace("mtu: 1400\n    addresses", "mtu: lots\n    addresses")).unwrap();
    let out = ns.hostnet(&["reload"]);
    assert_eq!(out.status.code(), Some(65));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("c.yaml:10") && err.contains("mtu") && err.contains("nothing changed"), "{err}");
    assert!(err.contains("reload refused"), "{err}");
    d.signal(libc::SIGHUP);
    d.wait_until("the SIGHUP is logged", || d.log().contains("reload refused"));
    assert_eq!(d.link("br0")["phase"], "configured");
    assert!(ns.ip(&["link", "show", "br0"]).contains("mtu 1400"));
    // A good file is taken.
    std::fs::write(&f, HOST.replace("10.9.0.1/24", "10.9.0.2/24").replace("192.0.2.1/24", "192.0.2.7/24")).unwrap();
    ns.hostnet_ok(&["reload"]);
    assert!(ns.ip(&["-br", "addr", "show", "v0"]).contains("192.0.2.7/24"));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn apply_goes_through_the_daemon_and_trials_revert() {
    let ns = Ns::new("dapply");
    let f = ns.file("c.yaml", HOST);
    let d = Daemon::start(&ns, &f);
    let other = ns.file("other.yaml", &HOST.replace("192.0.2.1/24", "192.0.2.5/24"));
    let out = ns.hostnet_ok(&["apply", &other]);
    assert!(out.contains("verified"), "{out}");
    let s = d.status();
    assert!(s["config"].as_str().unwrap().ends_with("other.yaml"), "{s}");
    assert!(s["note"].as_str().unwrap().contains("hostnet reload"), "{s}");
    // The daemon keeps the applied config true, not its file.
    ns.ip(&["addr", "del", "192.0.2.5/24", "dev", "v0"]);
    d.wait_until("the applied address is repaired", || ns.ip(&["-br", "addr", "show", "v0"]).contains("192.0.2.5/24"));

    // Invalid input: located error, exit 65, nothing changed.
    let bad = ns.file("bad.yaml", "interfaces:\n  - name: v0\n    veth: { peer: v1 }\n    mtu: -3\n");
    let out = ns.hostnet(&["apply", &bad]);
    assert_eq!(out.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.yaml:4"), "{}", String::from_utf8_lossy(&out.stderr));

    // A trial that is not confirmed goes back, and so does the daemon's config.
    let trial = ns.file("trial.yaml", &HOST.replace("192.0.2.1/24", "192.0.2.9/24"));
    let out = ns.hostnet_ok(&["apply", "--try", "1", &trial]);
    let exact = format!("`hostnet --netns {} --state-dir {} confirm`", ns.name, ns.state_dir().display());
    assert!(out.contains(&exact), "{out}");
    assert!(d.status()["trial"].is_object());
    d.wait_until("the trial is reverted", || {
        let a = ns.ip(&["-br", "addr", "show", "v0"]);
        a.contains("192.0.2.5/24") && !a.contains("192.0.2.9/24")
    });
    d.wait_until("the config is the previous one", || d.status()["config"].as_str().unwrap().ends_with("other.yaml"));

    // A confirmed trial stays.
    ns.hostnet_ok(&["apply", "--try", "2", &trial]);
    assert!(ns.hostnet_ok(&["confirm"]).contains("confirmed"));
    std::thread::sleep(Duration::from_millis(2500));
    assert!(ns.ip(&["-br", "addr", "show", "v0"]).contains("192.0.2.9/24"));

    // --no-daemon applies one-shot; the daemon then puts its own config back.
    let no_nic_text = HOST.replace("192.0.2.1/24", "192.0.2.5/24");
    let no_nic_text = &no_nic_text[..no_nic_text.find("  - name: uplink").unwrap()];
    let no_nic = ns.file("no-nic.yaml", no_nic_text);
    let out = ns.hostnet_ok(&["apply", "--no-daemon", &no_nic]);
    assert!(out.contains("verified"), "{out}");
    d.wait_until("the daemon repairs the one-shot change", || {
        ns.ip(&["-br", "addr", "show", "v0"]).contains("192.0.2.9/24")
    });

    // A one-shot trial whose reverter is killed: the daemon, which looks at a trial others
    // guard every 2 s, takes it over and reverts it at its deadline.
    let one = ns.file("one.yaml", &no_nic_text.replace("192.0.2.5/24", "192.0.2.11/24"));
    ns.hostnet_ok(&["apply", "--no-daemon", "--try", "5", &one]);
    let pending = ns.state_dir().join(format!("netns-{}", ns.name)).join("pending.json");
    let p: serde_json::Value = serde_json::from_slice(&std::fs::read(&pending).unwrap()).unwrap();
    let pid = p["reverter"]["pid"].as_u64().unwrap() as libc::pid_t;
    // SAFETY: the reverter is a process this test's hostnet started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    d.wait_until("the daemon guards the orphaned trial", || d.status()["trial"].is_object());
    // Not before its deadline: the daemon did not apply it, and does not repair over it.
    assert!(ns.ip(&["-br", "addr", "show", "v0"]).contains("192.0.2.11/24"), "the trial was undone early");
    d.wait_up_to(Duration::from_secs(12), "the orphaned trial is reverted", || {
        let a = ns.ip(&["-br", "addr", "show", "v0"]);
        a.contains("192.0.2.9/24") && !a.contains("192.0.2.11/24")
    });
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn an_invalid_config_stops_the_daemon_at_start_with_a_located_error() {
    let ns = Ns::new("dinvalid");
    let f = ns.file("c.yaml", "interfaces:\n  - name: v0\n    veth: { peer: v1 }\n    mtuu: 1500\n");
    let out = ns.hostnet(&["daemon", "--config", &f]);
    assert_eq!(out.status.code(), Some(65));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("c.yaml:4") && err.contains("mtuu"), "{err}");
}

/// One HTTP GET from inside `ns` (the endpoint listens on the namespace's loopback).
fn http_get(ns: &Ns, addr: &str, path: &str) -> String {
    let ns_path = format!("/run/netns/{}", ns.name);
    let (addr, path) = (addr.to_string(), path.to_string());
    std::thread::spawn(move || {
        let f = std::fs::File::open(ns_path).unwrap();
        // SAFETY: setns on this thread only, with a namespace file we opened.
        assert_eq!(unsafe { libc::setns(std::os::fd::AsRawFd::as_raw_fd(&f), libc::CLONE_NEWNET) }, 0);
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    })
    .join()
    .unwrap()
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn metrics_are_scraped_over_http() {
    let ns = Ns::new("dmetrics");
    let peer = Ns::new("dmetricsp");
    let f = ns.file("c.yaml", &format!("metrics: {{ listen: \"127.0.0.1:9469\" }}\n{HOST}"));
    let d = Daemon::start(&ns, &f);
    plug(&ns, &peer, "enx1", "02:00:00:00:00:aa");
    d.wait_until("uplink is configured", || d.link("uplink")["phase"] == "configured");
    // The carrier comes up once the daemon sets the NIC up, just before or just after it
    // counts as configured: counted as a change in one case and not the other.
    d.wait_until("uplink has carrier", || d.link("uplink")["carrier"] == true);
    let changes = d.link("uplink")["carrier_changes"].as_u64().unwrap();
    peer.ip(&["link", "set", "p-enx1", "down"]);
    d.wait_until("the carrier loss is seen", || d.link("uplink")["carrier_changes"] == changes + 1);
    ns.ip(&["addr", "del", "192.0.2.1/24", "dev", "v0"]);
    d.wait_until("the drift is repaired", || d.link("v0")["repairs"] == 1);
    let resp = http_get(&ns, "127.0.0.1:9469", "/metrics");
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("content-type: application/openmetrics-text"), "{resp}");
    for line in [
        "hostnet_link_present{link=\"uplink\"} 1",
        "hostnet_link_carrier{link=\"uplink\"} 0",
        &format!("hostnet_link_carrier_changes_total{{link=\"uplink\"}} {}", changes + 1),
        "hostnet_link_oper_up{link=\"v0\"} 1",
        "hostnet_link_drift_events_total{link=\"v0\"} 1",
        "hostnet_link_repairs_total{link=\"v0\"} 1",
        "hostnet_link_phase{link=\"br0\",phase=\"configured\"} 1",
        "hostnet_reconcile_errors_total 0",
        "# EOF",
    ] {
        assert!(resp.contains(line), "missing {line}:\n{resp}");
    }
    assert!(http_get(&ns, "127.0.0.1:9469", "/").starts_with("HTTP/1.1 404"));
}

/// A daemon kept busy by a stream of events still pings the watchdog: with systemd's
/// WatchdogSec, a timer restarted at each event never fired, and systemd killed hostnetd while
/// 1000 links flapped (the OS benchmark's load phase).
#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_busy_daemon_still_pings_the_watchdog() {
    let ns = Ns::new("dwatch");
    let f = ns.file("c.yaml", HOST);
    // Pings due every 0.5 s.
    let (d, rx) = Daemon::start_watched(&ns, &f, Some(1_000_000));
    // An undeclared pair, flapped every 20 ms for 4 s: an event far more often than a ping.
    ns.ip(&["link", "add", "x0", "type", "veth", "peer", "name", "x1"]);
    while rx.try_recv().is_ok() {}
    let t0 = Instant::now();
    let mut up = false;
    while t0.elapsed() < Duration::from_secs(4) {
        ns.ip(&["link", "set", "x1", if up { "down" } else { "up" }]);
        up = !up;
        std::thread::sleep(Duration::from_millis(20));
    }
    let pings = rx.try_iter().filter(|m| m.contains("WATCHDOG=1")).count();
    assert!(pings >= 4, "{pings} watchdog pings in 4 s of events (due every 0.5 s):\n{}", d.log());
}

/// What systemd has been told so far, joined; waits up to `limit` for a message with `want`.
fn notified(rx: &std::sync::mpsc::Receiver<String>, seen: &mut String, want: &str, limit: Duration) -> bool {
    let t0 = Instant::now();
    loop {
        if seen.contains(want) {
            return true;
        }
        let left = limit.saturating_sub(t0.elapsed());
        match rx.recv_timeout(left.max(Duration::from_millis(1))) {
            Ok(m) => {
                seen.push_str(&m);
                seen.push('\n');
            }
            Err(_) => return seen.contains(want),
        }
    }
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn ready_waits_for_the_online_contract_and_wait_online_says_what_is_missing() {
    let ns = Ns::new("donline");
    let peer = Ns::new("donlinep");
    let f = ns
        .file("c.yaml", &format!("{HOST}online:\n  timeout: 60\n  interfaces: {{ uplink: routable, v0: address }}\n"));
    let (d, rx) = Daemon::start_notified(&ns, &f);
    let mut seen = String::new();
    assert!(notified(&rx, &mut seen, "waiting for uplink routable: not on the host", Duration::from_secs(5)), "{seen}");
    assert!(!seen.contains("READY=1"), "READY before the contract held:\n{seen}");
    assert!(seen.contains("EXTEND_TIMEOUT_USEC=90000000"), "{seen}");
    // The first pass itself extended the start, saying so: a long one is not killed mid-apply.
    assert!(seen.contains("EXTEND_TIMEOUT_USEC=30000000\nSTATUS=applying the file (first pass)"), "{seen}");
    let s = d.status();
    assert_eq!(s["online"]["online"], false, "{s}");
    let out = ns.hostnet(&["wait-online", "--timeout", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not online after 1: waiting for uplink routable: not on the host"), "{err}");
    // Named interfaces are judged on the daemon's facts, whatever the file's contract says.
    ns.hostnet_ok(&["wait-online", "--timeout", "5", "--interface", "v0:address", "-i", "br0"]);
    let out = ns.hostnet(&["wait-online", "--timeout", "1", "-i", "uplink:lease"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("uplink lease: not on the host"));
    let out = ns.hostnet(&["wait-online", "-i", "v0:up"]);
    assert_eq!(out.status.code(), Some(64), "a wrong state is a usage error");

    // The NIC arrives with carrier: the contract holds, READY follows, wait-online returns.
    let t0 = Instant::now();
    plug(&ns, &peer, "enx1", "02:00:00:00:00:aa");
    ns.hostnet_ok(&["wait-online", "--timeout", "20"]);
    assert!(notified(&rx, &mut seen, "READY=1", Duration::from_secs(5)), "{seen}\n{}", d.log());
    println!("online {:?} after the NIC appeared", t0.elapsed());
    assert_eq!(d.status()["online"]["online"], true);
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_contract_that_never_holds_is_ready_at_its_timeout_with_a_warning() {
    let ns = Ns::new("donlinet");
    let f = ns.file("c.yaml", &format!("{HOST}online:\n  timeout: 2s\n  interfaces: {{ uplink: carrier }}\n"));
    let t0 = Instant::now();
    let (d, rx) = Daemon::start_notified(&ns, &f);
    let mut seen = String::new();
    assert!(notified(&rx, &mut seen, "READY=1", Duration::from_secs(10)), "{seen}");
    let took = t0.elapsed();
    assert!(took >= Duration::from_secs(2), "READY after {took:?}, before the timeout");
    assert!(d.log().contains("online timeout passed"), "{}", d.log());
    assert!(seen.contains("waiting for uplink carrier"), "{seen}");
}
