//! hostnet against the real kernel, each test in a network namespace of its own. These need
//! root; they are ignored by a plain `cargo test` and run by the README's test command
//! (`--include-ignored`), where they fail loudly if namespaces cannot be made.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::{Ns, ip_snapshot};

const VETH_BRIDGE: &str = r#"
interfaces:
  - name: v0
    veth: { peer: v1 }
  - name: br0
    bridge: { ports: [v0], stp: false, forward_delay: 0 }
    addresses: [192.0.2.1/24, "2001:db8::1/64"]
    routes:
      - { dst: 198.51.100.0/24, via: 192.0.2.254 }
      - { dst: "2001:db8:1::/48", via: "2001:db8::fe", metric: 50 }
      - { dst: 203.0.113.0/24, via: 192.0.2.254, table: 100 }
  - name: v1
    veth: { peer: v0 }
    mtu: 9000
    addresses: [192.0.2.2/24]
dns:
  nameservers: [192.0.2.53]
  search: [example.net]
"#;

#[test]
#[ignore = "needs root: creates network namespaces"]
fn applies_veth_bridge_addresses_routes_and_is_idempotent() {
    let ns = Ns::new("apply");
    let f = ns.file("c.yaml", VETH_BRIDGE);
    let out = ns.hostnet_ok(&["apply", &f]);
    assert!(out.contains("verified: the host matches"), "{out}");

    let links = ns.ip(&["-d", "-j", "link", "show"]);
    let v: serde_json::Value = serde_json::from_str(&links).unwrap();
    let by_name = |n: &str| v.as_array().unwrap().iter().find(|l| l["ifname"] == n).cloned().unwrap();
    assert_eq!(by_name("v0")["master"], "br0");
    assert_eq!(by_name("v1")["mtu"], 9000);
    assert_eq!(by_name("br0")["linkinfo"]["info_kind"], "bridge");
    assert!(by_name("br0")["flags"].as_array().unwrap().iter().any(|f| f == "UP"));
    let routes = ns.ip(&["route", "show", "table", "all"]);
    assert!(routes.contains("198.51.100.0/24 via 192.0.2.254 dev br0"), "{routes}");
    assert!(routes.contains("203.0.113.0/24 via 192.0.2.254 dev br0 table 100"), "{routes}");
    let r6 = ns.ip(&["-6", "route"]);
    assert!(r6.contains("2001:db8:1::/48 via 2001:db8::fe dev br0 metric 50"), "{r6}");
    let resolv = std::fs::read_to_string(ns.resolv_conf()).unwrap();
    assert!(resolv.contains("nameserver 192.0.2.53\nsearch example.net"), "{resolv}");

    let before = ip_snapshot(&ns);
    let again = ns.hostnet_ok(&["apply", &f]);
    assert!(again.starts_with("nothing to do"), "second apply was not a no-op:\n{again}");
    assert_eq!(ip_snapshot(&ns), before);
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn routes_read_the_same_from_a_kernel_that_ignores_dump_filters() {
    // A kernel before 4.20 (RHEL 8's 4.18) has no strict checking: it ignores a route dump's
    // protocol filter and answers with every route, and hostnet filters them itself.
    // HOSTNET_NETLINK_STRICT=0 makes hostnet ask as it must ask such a kernel.
    let ns = Ns::new("nostrict");
    let f = ns.file("c.yaml", VETH_BRIDGE);
    ns.hostnet_ok(&["apply", &f]);
    // Routes hostnet does not manage: a DHCP client's, in the main table and in table 100.
    ns.ip(&["route", "add", "198.51.100.128/25", "via", "192.0.2.254", "proto", "dhcp"]);
    ns.ip(&["route", "add", "203.0.113.128/25", "via", "192.0.2.254", "proto", "dhcp", "table", "100"]);
    let loose = |args: &[&str]| {
        let out = ns
            .hostnet_cmd(args)
            .env("HOSTNET_NETLINK_STRICT", "0")
            .env("HOSTNET_LOG", "hostnet_netlink=debug")
            .output()
            .expect("run hostnet");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        // The fallback did run: this is the kernel's answer without its filter.
        assert!(err.contains("answered the route dump unfiltered"), "{err}");
        String::from_utf8(out.stdout).unwrap()
    };
    let strict = ns.hostnet_ok(&["show", "--json"]);
    assert_eq!(loose(&["show", "--json"]), strict);
    for managed in ["198.51.100.0/24", "203.0.113.0/24", "2001:db8:1::/48"] {
        assert!(strict.contains(managed), "{managed} missing:\n{strict}");
    }
    assert!(!strict.contains("198.51.100.128/25") && !strict.contains("203.0.113.128/25"), "{strict}");
    assert!(loose(&["apply", &f]).starts_with("nothing to do"));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn show_reads_the_same_on_one_cpu_as_on_several() {
    // With two CPUs or more, one thread reads the link dump while another parses it; on one,
    // a single thread does both. Enough links for the dump to take many datagrams, more than
    // the reader may hold ahead of the parser.
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cpus < 2 {
        eprintln!("this machine has one CPU: the piped dump is not used, so both runs read alike");
    }
    let ns = Ns::new("onecpu");
    let mut yaml = String::from("interfaces:\n");
    for i in 0..150 {
        yaml +=
            &format!("  - name: a{i}\n    veth: {{peer: b{i}}}\n    addresses: [10.{}.{}.1/24]\n", i / 200, i % 200);
        yaml += &format!("  - name: b{i}\n    veth: {{peer: a{i}}}\n");
    }
    yaml += "  - name: br0\n    bridge: {ports: [b0, b1, b2], stp: false}\n";
    let f = ns.file("many.yaml", &yaml);
    ns.hostnet_ok(&["apply", &f]);
    // The links just came up: their carrier and operational state change for a while (the
    // kernel's link watch runs up to a second late, later under load, and the bridge's ports
    // move on after its forward delay). Each one-CPU read is compared with a read made just
    // before it; a pair that differs is read again, since the host may have changed between.
    let one_cpu_show = || {
        let mut one_cpu = ns.hostnet_cmd(&["show", "--json"]);
        // SAFETY: between fork and exec only the async-signal-safe sched_setaffinity runs, on
        // a set built before the fork.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        unsafe { libc::CPU_SET(0, &mut set) };
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut one_cpu, move || {
                if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let out = one_cpu.output().expect("run hostnet on one CPU");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let (mut several, mut one) = (String::new(), String::from("-"));
    for _ in 0..50 {
        several = ns.hostnet_ok(&["show", "--json"]);
        one = one_cpu_show();
        if one == several {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    support::assert_same_host(&one, &several, "show on one CPU");
    assert!(several.contains("\"a149\"") && several.contains("10.0.149.1/24"), "{several}");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn rollback_after_injected_failure_restores_ip_output_exactly() {
    let ns = Ns::new("rollback");
    // A host that already has something: a veth pair with an address, up.
    let base = ns.file(
        "base.yaml",
        "interfaces:\n  - name: a0\n    veth: {peer: a1}\n    mtu: 1400\n    addresses: [198.51.100.1/24]\n",
    );
    ns.hostnet_ok(&["apply", &base]);
    // The change touches what exists (MTU, address) and builds more around it.
    let change = ns.file(
        "change.yaml",
        "interfaces:\n  - name: a0\n    veth: {peer: a1}\n    mtu: 1500\n    addresses: [198.51.100.2/24]\n  - name: br9\n    bridge: {ports: [a1]}\n    addresses: [192.0.2.9/24]\n    routes: [{dst: 203.0.113.0/24, via: 192.0.2.1}]\n",
    );
    let steps = ns.plan_len(&change);
    assert!(steps >= 6, "expected a substantial plan, got {steps} steps");
    let before = ip_snapshot(&ns);
    for fail_at in 1..=steps {
        let out = ns.hostnet(&["apply", &change, "--fail-at", &fail_at.to_string()]);
        assert_eq!(out.status.code(), Some(1), "failed, and the host is as it was");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("FAILED") && text.contains("injected failure"), "{text}");
        if fail_at > 1 {
            assert!(text.contains("rolled back"), "{text}");
        }
        assert_eq!(ip_snapshot(&ns), before, "state differs after rollback of a failure at step {fail_at}:\n{text}");
    }
    // Kept half-done on request: the exit status says the host was left changed.
    let out = ns.hostnet(&["apply", &change, "--no-rollback", "--fail-at", &steps.to_string()]);
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stdout));
    assert_ne!(ip_snapshot(&ns), before);
    // And the change itself still applies cleanly afterwards.
    ns.hostnet_ok(&["apply", &change]);
}

/// v0's IPv4 addresses by subnet, each subnet in the kernel's order with its `secondary` flags.
/// Subnets are sorted: a primary added back goes after the other subnets' primaries (the kernel
/// appends it), which moves no address between primary and secondary.
fn subnets(ns: &Ns) -> Vec<Vec<(String, bool)>> {
    let v: serde_json::Value = serde_json::from_str(&ns.ip(&["-j", "-4", "addr", "show", "dev", "v0"])).unwrap();
    let mut by: std::collections::BTreeMap<String, Vec<(String, bool)>> = Default::default();
    for a in v[0]["addr_info"].as_array().unwrap() {
        let local = a["local"].as_str().unwrap().to_string();
        let net = format!("{}/{}", local.rsplit_once('.').unwrap().0, a["prefixlen"]);
        by.entry(net).or_default().push((local, a["secondary"] == true));
    }
    by.into_values().collect()
}

/// `ip_snapshot` without the address lists, which `subnets` compares.
fn ip_snapshot_without_addresses(ns: &Ns) -> String {
    ip_snapshot(ns)
        .lines()
        .filter(|l| !l.contains("\"local\"") && !l.contains("\"broadcast\": \"1") && !l.contains("\"secondary\""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Deleting an IPv4 subnet's primary address deletes its secondaries too (or promotes one):
/// hostnet keeps the secondaries the file keeps, and a failure at any step puts every address
/// back in the kernel's order, primary first, whatever promote_secondaries says.
#[test]
#[ignore = "needs root: creates network namespaces"]
fn removing_a_primary_address_keeps_its_secondaries_and_rolls_back_exactly() {
    let ns = Ns::new("secondary");
    let three = ns.file("three.yaml", "interfaces:\n  - name: v0\n    veth: {peer: v1}\n    addresses: [192.0.2.1/24, 192.0.2.2/24, 192.0.2.3/24, 198.51.100.1/24]\n");
    let two = ns.file("two.yaml", "interfaces:\n  - name: v0\n    veth: {peer: v1}\n    addresses: [192.0.2.2/24, 192.0.2.3/24, 198.51.100.1/24]\n");
    let none = ns.file("none.yaml", "interfaces:\n  - name: v0\n    veth: {peer: v1}\n");
    for promote in ["0", "1"] {
        ns.hostnet_ok(&["apply", &three]);
        let sysctl = format!("net.ipv4.conf.v0.promote_secondaries={promote}");
        let st = Command::new("ip").args(["netns", "exec", &ns.name, "sysctl", "-qw", &sysctl]).status().unwrap();
        assert!(st.success());
        let before = (ip_snapshot_without_addresses(&ns), subnets(&ns));
        assert!(before.1.contains(&vec![
            ("192.0.2.1".into(), false),
            ("192.0.2.2".into(), true),
            ("192.0.2.3".into(), true)
        ]));
        let steps = ns.plan_len(&two);
        for fail_at in 1..=steps {
            let out = ns.hostnet(&["apply", &two, "--fail-at", &fail_at.to_string()]);
            assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
            let after = (ip_snapshot_without_addresses(&ns), subnets(&ns));
            assert_eq!(after, before, "promote {promote}, failure at step {fail_at}");
        }
        let out = ns.hostnet_ok(&["apply", &two]);
        assert!(out.contains("verified"), "promote {promote}: {out}");
        let v4 = ns.ip(&["-4", "-br", "addr", "show", "v0"]);
        assert!(
            v4.contains("192.0.2.2/24 192.0.2.3/24 198.51.100.1/24")
                || v4.contains("198.51.100.1/24 192.0.2.2/24 192.0.2.3/24"),
            "{v4}"
        );
        // Everything at once: secondaries before their primary, so none is gone when deleted.
        ns.hostnet_ok(&["apply", &three]);
        assert!(ns.hostnet_ok(&["apply", &none]).contains("verified"));
    }
}

/// An address someone added without a broadcast (`ip address add` without `brd`) comes back
/// without one when a rollback restores it: the host is byte for byte as it was.
#[test]
#[ignore = "needs root: creates network namespaces"]
fn an_address_without_a_broadcast_is_restored_without_one() {
    let ns = Ns::new("nobrd");
    ns.ip(&["link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    ns.ip(&["address", "add", "192.0.2.1/24", "dev", "v0"]);
    ns.ip(&["address", "add", "192.0.2.2/24", "brd", "+", "dev", "v0"]);
    // Both ends up: a link never up has no qdisc yet, and being brought up gives it one.
    ns.ip(&["link", "set", "v0", "up"]);
    ns.ip(&["link", "set", "v1", "up"]);
    let f = ns.file("c.yaml", "interfaces:\n  - name: v0\n    veth: {peer: v1}\n    addresses: [198.51.100.1/24]\n");
    let before = ip_snapshot(&ns);
    let steps = ns.plan_len(&f);
    for fail_at in 1..=steps {
        let out = ns.hostnet(&["apply", &f, "--fail-at", &fail_at.to_string()]);
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
        assert_eq!(ip_snapshot(&ns), before, "failure at step {fail_at}");
    }
}

/// `ip link` lists it, yet it is no NIC: the failure says what it is and how to declare it.
#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_veth_declared_as_a_nic_is_explained() {
    let ns = Ns::new("vethnic");
    ns.ip(&["link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    let f = ns.file("c.yaml", "interfaces:\n  - name: v1\n    ethernet: {}\n");
    let out = ns.hostnet(&["apply", &f]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("v1 is one end of a veth pair whose other end (v0) is in this namespace too")
            && text.contains("declare it `veth: {peer: v0}`"),
        "{text}"
    );
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_failing_subtree_does_not_stop_independent_ones() {
    let ns = Ns::new("isolate");
    // This kernel has no 8021q: the VLAN fails for real, and the bridge over it loses that
    // port, while the unrelated veth pair is still configured.
    let f = ns.file(
        "c.yaml",
        "interfaces:\n  - name: t0\n    veth: {peer: t1}\n  - name: t0.7\n    vlan: {base: t0, id: 7}\n  - name: brv\n    bridge: {ports: [t0.7]}\n  - name: u0\n    veth: {peer: u1}\n    addresses: [192.0.2.7/24]\n",
    );
    let out = ns.hostnet(&["apply", "--no-rollback", &f]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    if ns.kernel_has_vlan() {
        eprintln!("kernel supports VLANs here; the failure this test relies on did not happen");
        return;
    }
    assert!(text.contains("FAILED   create t0.7 vlan id 7"), "{text}");
    assert!(text.contains("the kernel could not load `8021q`"), "{text}");
    assert!(text.contains("skipped  enslave t0.7 into brv (t0.7 failed earlier)"), "{text}");
    assert!(text.contains("applied  add_address u0 192.0.2.7/24"), "{text}");
    assert!(text.contains("applied  create brv bridge"), "{text}");
    let addrs = ns.ip(&["-br", "addr"]);
    assert!(addrs.contains("192.0.2.7/24"), "{addrs}");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn try_without_confirm_reverts_and_with_confirm_keeps() {
    let ns = Ns::new("try");
    let f = ns.file("c.yaml", VETH_BRIDGE);
    let before = ip_snapshot(&ns);
    let out = ns.hostnet_ok(&["apply", "--try", "2s", &f]);
    // The hint is the command to type, with what it takes to find this trial.
    let exact = format!("`hostnet --netns {} --state-dir {} confirm`", ns.name, ns.state_dir().display());
    assert!(out.contains(&exact), "{out}");
    assert_ne!(ip_snapshot(&ns), before, "the trial applied nothing");
    // The reverter is detached from us: it must act on its own.
    let deadline = Instant::now() + Duration::from_secs(20);
    while ip_snapshot(&ns) != before {
        assert!(Instant::now() < deadline, "trial was not reverted in time");
        std::thread::sleep(Duration::from_millis(200));
    }
    // Confirming too late fails, and says when and why the change went.
    let late = ns.hostnet(&["confirm"]);
    let err = String::from_utf8_lossy(&late.stderr);
    assert_eq!(late.status.code(), Some(1), "{err}");
    assert!(err.contains("too late: the trial was reverted") && err.contains("deadline"), "{err}");

    ns.hostnet_ok(&["apply", "--try", "2", &f]);
    assert!(ns.hostnet_ok(&["confirm"]).contains("confirmed"));
    std::thread::sleep(Duration::from_secs(4));
    assert_ne!(ip_snapshot(&ns), before, "a confirmed trial was reverted");
    assert!(ns.hostnet_ok(&["apply", &f]).starts_with("nothing to do"));

    // A trial reverted on request, at once; a zero-length trial is refused before anything runs.
    let kept = ip_snapshot(&ns);
    let zero = ns.hostnet(&["apply", "--try", "0", &ns.file("e.yaml", "interfaces: []\n")]);
    assert_eq!(zero.status.code(), Some(64), "{}", String::from_utf8_lossy(&zero.stderr));
    // The file plus a veth pair (a file of the pair alone would also prune the bridge: see
    // a_bridge_dropped_from_the_file_is_removed_and_its_port_released).
    let veth = ns.file("vx.yaml", &VETH_BRIDGE.replace("dns:", "  - name: vx0\n    veth: { peer: vx1 }\ndns:"));
    ns.hostnet_ok(&["apply", "--try", "2m", &veth]);
    assert_ne!(ip_snapshot(&ns), kept, "the trial applied nothing");
    let out = ns.hostnet_ok(&["rollback"]);
    assert!(out.contains("rolled back the trial"), "{out}");
    support::assert_same_host(&support::settled_snapshot(&ns), &kept, &format!("after `rollback`:\n{out}"));
    assert!(ns.hostnet_ok(&["rollback"]).contains("nothing to roll back"));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_trial_survives_the_hangup_of_the_session_that_started_it() {
    let ns = Ns::new("hup");
    let f = ns.file("c.yaml", VETH_BRIDGE);
    let before = ip_snapshot(&ns);
    let mut child = ns.hostnet_cmd(&["apply", "--try", "3", &f]).spawn().unwrap();
    // A dropped SSH session: hangups all through the apply, from just after it started.
    std::thread::sleep(Duration::from_millis(20));
    let status = loop {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGHUP) };
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(status.success(), "apply --try died of the hangup: {status:?}");
    assert_ne!(ip_snapshot(&ns), before, "the trial applied nothing");
    let deadline = Instant::now() + Duration::from_secs(20);
    while ip_snapshot(&ns) != before {
        assert!(Instant::now() < deadline, "the trial was not reverted after the hangup");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_trial_whose_reverter_is_killed_is_taken_over_by_the_next_command_and_reverted_on_time() {
    use std::os::unix::fs::PermissionsExt;
    let ns = Ns::new("orphan");
    let f = ns.file("c.yaml", VETH_BRIDGE);
    let before = ip_snapshot(&ns);
    ns.hostnet_ok(&["apply", "--try", "6", &f]);
    let dir = ns.state_dir().join(format!("netns-{}", ns.name));
    let pending: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("pending.json")).unwrap()).unwrap();
    let pid = pending["reverter"]["pid"].as_u64().expect("the reverter is on record") as libc::pid_t;
    assert!(pending["reverter"]["started"].as_u64().is_some(), "{pending}");
    // SAFETY: the reverter is a process this test's hostnet started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    std::thread::sleep(Duration::from_millis(200));
    // The next command notices, hands the trial to a new reverter, and still refuses to apply
    // over it, naming the commands exactly as they must be typed here.
    let out = ns.hostnet(&["apply", &ns.file("e.yaml", "interfaces: []\n")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("reverter is gone; a new one reverts it in"), "{err}");
    let exact = format!("`hostnet --netns {} --state-dir {} rollback`", ns.name, ns.state_dir().display());
    assert!(err.contains("a trial apply is pending") && err.contains(&exact), "{err}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while ip_snapshot(&ns) != before {
        assert!(Instant::now() < deadline, "the orphaned trial was never reverted");
        std::thread::sleep(Duration::from_millis(200));
    }
    // The revert is logged, with a timestamp, to a file only root reads.
    let log = dir.join("revert.log");
    assert_eq!(std::fs::metadata(&log).unwrap().permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.lines().any(|l| l.starts_with("20") && l.contains("reverted")), "{text}");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn apply_killed_midway_is_rolled_back_by_the_next_run() {
    let ns = Ns::new("journal");
    let f = ns.file("c.yaml", VETH_BRIDGE);
    let before = ip_snapshot(&ns);
    let mut child = ns.hostnet_cmd(&["apply", &f]).env("HOSTNET_TEST_STALL_AFTER", "4").spawn().unwrap();
    let marks = ns.state_dir().join(format!("netns-{}", ns.name)).join("journal.done");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let done = std::fs::read(&marks).map(|m| m.iter().filter(|b| **b == 1).count()).unwrap_or(0);
        if done >= 4 {
            break; // four completed steps
        }
        assert!(Instant::now() < deadline, "apply never reached step 4");
        std::thread::sleep(Duration::from_millis(50));
    }
    // SIGKILL: no destructor, no cleanup, exactly like a power cut of the process.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_ne!(ip_snapshot(&ns), before);

    let out = ns.hostnet(&["apply", &ns.file("empty.yaml", "interfaces: []\n")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("was interrupted after 4 of"), "{err}");
    assert_eq!(ip_snapshot(&ns), before, "the interrupted apply was not rolled back");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn show_json_feeds_back_into_apply() {
    let ns = Ns::new("show");
    let f = ns.file("c.yaml", VETH_BRIDGE);
    ns.hostnet_ok(&["apply", &f]);
    let json = ns.hostnet_ok(&["show", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["status"]["links"].as_array().unwrap().iter().any(|l| l["name"] == "br0"));
    let back = ns.file("show.json", &json);
    let out = ns.hostnet_ok(&["apply", &back]);
    assert!(out.starts_with("nothing to do"), "{out}");
    let yaml = ns.hostnet_ok(&["show", "--yaml"]);
    assert!(ns.hostnet_ok(&["apply", &ns.file("show.yaml", &yaml)]).starts_with("nothing to do"));
    // What a person would write: no kernel defaults, no MACs the kernel made up.
    for default in ["mtu: 1500", "forward_delay: 15", "stp: false", "priority: 32768", "mac:", "cost:"] {
        assert!(!yaml.contains(default), "{default} in\n{yaml}");
    }
    assert!(yaml.lines().count() <= 2 * VETH_BRIDGE.lines().count(), "{yaml}");
    // A port the first file did not declare keeps its link-local address when declared by
    // show's view of it.
    let ns2 = Ns::new("showport");
    let f2 = ns2
        .file("c.yaml", "interfaces:\n  - name: v0\n    veth: {peer: v1}\n  - name: br0\n    bridge: {ports: [v1]}\n");
    ns2.hostnet_ok(&["apply", &f2]);
    let yaml = ns2.hostnet_ok(&["show", "--yaml"]);
    assert!(yaml.contains("link_local: true"), "{yaml}");
    assert!(ns2.hostnet_ok(&["apply", &ns2.file("show.yaml", &yaml)]).starts_with("nothing to do"), "{yaml}");
    let table = ns.hostnet_ok(&["show"]);
    assert!(table.lines().any(|l| l.starts_with("v0 ") && l.contains("br0")), "{table}");

    // One interface: its row and the config that writes it, which reads back as it is.
    let one = ns.hostnet_ok(&["show", "br0"]);
    assert_eq!(one.lines().filter(|l| l.starts_with("br0 ")).count(), 1, "{one}");
    assert!(!one.contains("\nv0 ") && one.contains("as config:\n  interfaces:\n  - name: br0"), "{one}");
    let yaml = ns.hostnet_ok(&["show", "br0", "--yaml"]);
    assert!(yaml.starts_with("interfaces:\n- name: br0") && !yaml.contains("name: v0"), "{yaml}");
    let json: serde_json::Value = serde_json::from_str(&ns.hostnet_ok(&["show", "br0", "--json"])).unwrap();
    assert_eq!(json["status"]["links"][0]["name"], "br0");
    let out = ns.hostnet(&["show", "nosuch0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no interface named nosuch0 on this host"));
    // `show bond` without a name lists the bonds: none here.
    assert_eq!(ns.hostnet_ok(&["show", "bond"]), "no bonds on this host\n");
    let out = ns.hostnet(&["show", "bond", "br0"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("br0 is not a bond"), "{out:?}");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn boot_mode_reports_a_missing_nic_and_applies_the_rest() {
    let ns = Ns::new("boot");
    let f = ns.file(
        "c.yaml",
        "interfaces:\n  - name: e9p9\n    ethernet: {match: {mac: \"52:54:00:99:99:99\"}}\n  - name: brb\n    bridge: {ports: [e9p9]}\n    addresses: [192.0.2.5/24]\n  - name: w0\n    veth: {peer: w1}\n",
    );
    let out = ns.hostnet(&["apply", "--boot", &f]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "boot apply failed:\n{text}");
    assert!(text.contains("FAILED   missing e9p9 no NIC matches mac 52:54:00:99:99:99"), "{text}");
    assert!(!text.contains("enslave e9p9"), "a missing NIC is never enslaved:\n{text}");
    let addrs = ns.ip(&["-br", "addr"]);
    assert!(addrs.contains("192.0.2.5/24") && addrs.contains("w0"), "{addrs}");
    // Without --boot the same file fails and is rolled back.
    let ns2 = Ns::new("boot2");
    let out = ns2.hostnet(&["apply", &ns2.file("c.yaml", &std::fs::read_to_string(&f).unwrap())]);
    assert!(!out.status.success());
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn concurrent_applies_wait_for_the_lock() {
    let ns = Ns::new("lock");
    let f = ns.file("c.yaml", VETH_BRIDGE);
    let dir = ns.state_dir().join(format!("netns-{}", ns.name));
    std::fs::create_dir_all(&dir).unwrap();
    let lock = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(dir.join("lock")).unwrap();
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a file we opened.
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0);
    let mut child = ns.hostnet_cmd(&["apply", &f]).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(child.try_wait().unwrap().is_none(), "apply did not wait for the lock");
    assert!(ns.ip(&["-br", "link"]).lines().all(|l| !l.starts_with("br0")), "apply ran while locked");
    drop(lock);
    assert!(child.wait().unwrap().success());
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn doctor_finds_a_bridge_port_below_the_bridge_mtu() {
    let ns = Ns::new("doctor");
    let f = ns
        .file("c.yaml", "interfaces:\n  - name: d0\n    veth: {peer: d1}\n  - name: brd\n    bridge: {ports: [d0]}\n");
    ns.hostnet_ok(&["apply", &f]);
    // hostnet itself refuses such a config; make the trap by hand, as an admin would.
    ns.ip(&["link", "set", "dev", "brd", "mtu", "9000"]);
    let out = ns.hostnet(&["doctor", "--json"]);
    assert_eq!(out.status.code(), Some(1), "doctor must fail on an error finding");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "mtu-mismatch").expect("mtu finding");
    assert_eq!(f["subject"], "brd/d0");
    assert_eq!(f["severity"], "error");
}

#[test]
#[ignore = "needs root: creates network namespaces (and nft)"]
fn doctor_finds_an_nft_rule_dropping_rndc_on_loopback() {
    let ns = Ns::new("nft");
    let nft = |args: &[&str]| {
        let st = std::process::Command::new("ip")
            .args(["netns", "exec", &ns.name, "nft"])
            .args(args)
            .status()
            .expect("nft installed");
        assert!(st.success(), "nft {args:?}");
    };
    nft(&["add", "table", "inet", "filter"]);
    nft(&["add", "chain", "inet", "filter", "output", "{ type filter hook output priority 0; policy accept; }"]);
    nft(&["add", "rule", "inet", "filter", "output", "ip", "daddr", "127.0.0.1", "tcp", "dport", "953", "drop"]);
    let out = ns.hostnet(&["doctor", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "firewall-drops-loopback").expect("finding");
    assert_eq!(f["evidence"][0], "nft: table inet filter chain output: ip daddr 127.0.0.1 tcp dport 953 drop");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn changing_an_address_keeps_routes_through_its_subnet_and_rolls_back_exactly() {
    let ns = Ns::new("readdr");
    let base = ns.file(
        "base.yaml",
        "interfaces:\n  - name: r0\n    veth: {peer: r1}\n    addresses: [10.0.0.1/24]\n    routes: [{dst: 172.16.0.0/28, via: 10.0.0.2}]\n",
    );
    ns.hostnet_ok(&["apply", &base]);
    let change = ns.file(
        "change.yaml",
        "interfaces:\n  - name: r0\n    veth: {peer: r1}\n    addresses: [10.0.0.3/24]\n    routes: [{dst: 172.16.0.0/28, via: 10.0.0.2}]\n",
    );
    support::every_failure_rolls_back(&ns, &change);
    let out = ns.hostnet_ok(&["apply", &change]);
    assert!(out.contains("verified"), "{out}");
    assert!(ns.ip(&["route"]).contains("172.16.0.0/28 via 10.0.0.2 dev r0"));
}

/// What ifupdown leaves (its gateway is `onlink`), moved to another subnet: the link's only
/// IPv4 address goes, and the kernel takes every IPv4 route of the link with it, onlink or not.
#[test]
#[ignore = "needs root: creates network namespaces"]
fn moving_the_only_address_of_a_link_with_an_onlink_gateway_applies_and_rolls_back_exactly() {
    let ns = Ns::new("onlink");
    let at = |net: &str| {
        format!(
            "interfaces:\n  - name: r0\n    veth: {{peer: r1}}\n    addresses: [{net}.20/24]\n    routes:\n      - {{dst: default, via: {net}.1, onlink: true}}\n      - {{dst: 192.0.2.0/24, via: {net}.1}}\n  - name: r1\n    veth: {{peer: r0}}\n"
        )
    };
    ns.hostnet_ok(&["apply", &ns.file("a.yaml", &at("10.0.0"))]);
    let b = ns.file("b.yaml", &at("10.9.0"));
    support::every_failure_rolls_back(&ns, &b);
    let out = ns.hostnet_ok(&["apply", &b]);
    assert!(out.contains("verified") && !out.contains("FAILED"), "{out}");
    let routes = ns.ip(&["route"]);
    assert!(routes.contains("default via 10.9.0.1 dev r0 onlink"), "{routes}");
    assert!(ns.hostnet_ok(&["apply", &b]).starts_with("nothing to do"));
}

const BRIDGE_WITH_PEERS: &str = r#"
interfaces:
  - { name: br0, bridge: { ports: [v0, v1], stp: false, forward_delay: 0 } }
  - { name: v0, veth: { peer: p0 } }
  - { name: p0, veth: { peer: v0 }, addresses: [192.0.2.1/24] }
  - { name: v1, veth: { peer: p1 } }
  - { name: p1, veth: { peer: v1 }, addresses: [192.0.2.2/24] }
"#;

/// Whether `dev`'s fe80:: address has left duplicate address detection.
fn link_local_confirmed(ns: &Ns, dev: &str) -> bool {
    let out = ns.ip(&["-6", "addr", "show", "dev", dev, "scope", "link"]);
    out.contains("inet6 fe80::") && !out.contains("tentative")
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn bridges_wait_for_the_start_up_behind_their_ports_only_when_the_ups_were_slow() {
    // A small apply's ups take milliseconds: no hold.
    let quick = Ns::new("nohold");
    let f = quick.file("c.yaml", BRIDGE_WITH_PEERS);
    let out = quick.hostnet_ok(&["apply", &f]);
    assert!(out.contains("verified") && !out.contains("held the bridges"), "{out}");

    // With the threshold at zero (as if the ups had been slow) the bridge waits for both peers.
    let held = Ns::new("hold");
    let f = held.file("c.yaml", BRIDGE_WITH_PEERS);
    let out = held.hostnet_cmd(&["apply", "--json", &f]).env("HOSTNET_TEST_HOLD_AFTER_UPS_MS", "0").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hold = &report["bridge_hold"];
    assert_eq!(hold["links"], 2, "{report}");
    assert_eq!(hold["complete"], true, "{report}");
    // Detection takes 1-2 s, and the hold lasts a second past the last confirmation.
    assert!(hold["waited_ms"].as_u64().unwrap() >= 1000, "{report}");
    assert!(link_local_confirmed(&held, "p0") && link_local_confirmed(&held, "p1"), "{}", held.ip(&["-6", "addr"]));
    let br0 = held.ip(&["link", "show", "br0"]);
    assert!(br0.contains(",UP"), "{br0}");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_bridge_dropped_from_the_file_is_removed_and_its_port_released() {
    let ns = Ns::new("prune");
    let bridged = "interfaces:\n  - name: pa0\n    veth: {peer: pa1}\n  - name: pa1\n    veth: {peer: pa0}\n  - name: brp\n    bridge: {ports: [pa0], stp: false, forward_delay: 0}\n    addresses: [192.0.2.1/24]\n";
    let flat_text = "interfaces:\n  - name: pa0\n    veth: {peer: pa1}\n    addresses: [192.0.2.1/24]\n  - name: pa1\n    veth: {peer: pa0}\n";
    let a = ns.file("a.yaml", bridged);
    let flat = ns.file("flat.yaml", flat_text);
    let keep = ns.file("keep.yaml", &format!("prune: none\n{flat_text}"));
    ns.hostnet_ok(&["apply", &a]);
    // A new bridge's operstate goes from UNKNOWN to UP once its port forwards: settled first.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ns.ip(&["-br", "link", "show", "brp"]).contains(" UP ") {
        assert!(Instant::now() < deadline, "brp never came up");
        std::thread::sleep(Duration::from_millis(50));
    }
    let with_bridge = ip_snapshot(&ns);
    // plan says what goes.
    let out = ns.hostnet(&["plan", "--live", &flat]);
    let (plan, note) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(
        plan.contains("release") && plan.contains("pa0") && plan.contains("delete") && plan.contains("brp"),
        "{plan}"
    );
    assert!(note.contains("brp is not in") && note.contains("prune: none"), "{note}");
    // prune: none keeps the bridge, and the port the file no longer puts in it fails
    // verification instead of passing as it did: rolled back, and said.
    let out = ns.hostnet(&["apply", &keep]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("release pa0 from brp") || text.contains("release-port pa0 brp") || text.contains("brp"),
        "{text}"
    );
    assert_eq!(ip_snapshot(&ns), with_bridge, "the failed apply was not rolled back:\n{text}");
    // A failure at every step of the pruning apply puts the bridge back exactly.
    for fail_at in 1..=ns.plan_len(&flat) {
        let out = ns.hostnet(&["apply", &flat, "--fail-at", &fail_at.to_string()]);
        assert!(!out.status.success());
        assert_eq!(
            ip_snapshot(&ns),
            with_bridge,
            "failure at step {fail_at}:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let out = ns.hostnet(&["apply", &flat]);
    let (report, note) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && report.contains("verified"), "{report}\n{note}");
    // The report says why a link the file does not mention went, as the plan did.
    assert!(note.contains("brp is not in") && note.contains("prune: none"), "{note}");
    let links = ns.ip(&["-br", "link"]);
    assert!(!links.contains("brp"), "{links}");
    let pa0 = ns.ip(&["-d", "-j", "link", "show", "pa0"]);
    assert!(!pa0.contains("\"master\""), "{pa0}");
    assert!(ns.ip(&["-br", "addr", "show", "pa0"]).contains("192.0.2.1/24"));
    assert!(ns.hostnet_ok(&["apply", &flat]).starts_with("nothing to do"));
}

#[test]
#[ignore = "needs root: creates network namespaces and acts as another user"]
fn a_local_user_can_neither_hold_the_lock_nor_hand_hostnet_a_state_directory() {
    use std::os::unix::fs::MetadataExt;
    let ns = Ns::new("local");
    let f = ns.file("c.yaml", VETH_BRIDGE);
    ns.hostnet_ok(&["apply", &f]);
    let dir = ns.state_dir().join(format!("netns-{}", ns.name));
    assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let m = entry.unwrap().metadata().unwrap();
        assert!(m.is_dir() || m.mode() & 0o077 == 0, "a state file others can read: {m:?}");
    }
    // nobody cannot open the lock, let alone flock it and stall every apply and the daemon.
    let as_nobody = |args: &[&str]| {
        Command::new("setpriv").args(["--reuid=65534", "--regid=65534", "--clear-groups"]).args(args).output().unwrap()
    };
    let lock = dir.join("lock");
    let out = as_nobody(&["flock", "-n", lock.to_str().unwrap(), "true"]);
    assert!(!out.status.success(), "nobody took the lock: {}", String::from_utf8_lossy(&out.stderr));
    // A state directory someone else made in advance is refused, not used.
    let planted = ns.state_dir().with_extension("planted");
    std::fs::create_dir_all(planted.join(format!("netns-{}", ns.name))).unwrap();
    let inner = planted.join(format!("netns-{}", ns.name));
    std::os::unix::fs::chown(&inner, Some(65534), Some(65534)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hostnet"))
        .args(["--netns", &ns.name, "--state-dir", planted.to_str().unwrap(), "apply", &f])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("is owned by uid 65534"), "{err}");
    std::fs::remove_dir_all(&planted).unwrap();
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_trial_confirms_itself_when_its_checks_pass_and_rolls_back_when_the_gateway_is_cut() {
    use support::dnsmasq::{Dnsmasq, V6, cable};
    let ns = Ns::new("cwhen");
    let srv = Ns::new("cwhens");
    cable(&srv, &ns, "e0");
    // dnsmasq as the gateway's DNS server too (no upstream: it answers REFUSED, which is an answer).
    let _dns = Dnsmasq::start_with(&srv, 60, 90, V6::RaOnly, &["--port=53", "--no-resolv"]);
    let host = |net: &str| {
        format!(
            "interfaces:\n  - name: e0\n    ethernet: {{}}\n    addresses: [{net}.9/24]\n    routes:\n      - {{ dst: default, via: {net}.1 }}\ndns:\n  nameservers: [10.77.0.1]\n"
        )
    };
    let good = ns.file("good.yaml", &host("10.77.0"));
    let t0 = Instant::now();
    let out = ns.hostnet(&[
        "apply",
        "--try",
        "60",
        "--confirm-when",
        "gateway,dns",
        "--confirm-when",
        "ping:10.77.0.1",
        &good,
    ]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("every check passed for 5 s; confirming") && stdout.contains("confirmed"),
        "{stdout}\n{stderr}"
    );
    println!("confirmed by itself {:?} after the apply started", t0.elapsed());
    assert!(t0.elapsed() < Duration::from_secs(30), "took {:?}", t0.elapsed());
    assert!(ns.hostnet_ok(&["confirm"]).contains("nothing to confirm"));
    // IPv4 only: dnsmasq's router advertisements make SLAAC addresses whose lifetimes run down.
    let v4 = || format!("{}{}", ns.ip(&["-4", "-br", "addr"]), ns.ip(&["-4", "route"]));
    let kept = v4();
    assert!(kept.contains("default via 10.77.0.1"), "{kept}");

    // A change that moves the host off its gateway's network: nothing answers, and the trial
    // rolls back by itself before its deadline, saying why.
    let cut = ns.file("cut.yaml", &host("10.78.0"));
    let out = ns.hostnet(&["apply", "--try", "12", "--confirm-when", "gateway", &cut]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("10.78.0.1 did not answer ARP/ND") && stderr.contains("rolling back"), "{stderr}");
    assert!(stdout.contains("rolled back the trial"), "{stdout}");
    assert_eq!(v4(), kept, "after the cut trial rolled back");

    let bad = ns.hostnet(&["apply", "--try", "10", "--confirm-when", "ping:gw.example", &good]);
    assert_eq!(bad.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an IP address"));
    let without = ns.hostnet(&["apply", "--confirm-when", "gateway", &good]);
    assert_eq!(without.status.code(), Some(64), "--confirm-when without --try is a usage error");
}
