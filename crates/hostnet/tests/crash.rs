//! kill -9 at every position of a 300-operation apply on the real kernel (issue 29): the apply
//! from A to B is killed after each operation, and inside each (carried out, not yet recorded);
//! `hostnet recover` alone must give back A exactly (`ip -d -j` of links, addresses and every
//! route table), and B must then apply and verify. Needs root; run by the README's test command.
//!
//! A is bridges of veth ports and addressed veths; B drops two bridges (pruned: ports released,
//! bridges deleted), moves half the addresses, changes MTUs and adds veth pairs with addresses
//! and routes. IPv6 is off in the namespace: duplicate address detection would make the
//! snapshots depend on timing.

mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::{Ns, ip_snapshot};

fn config(b: bool) -> String {
    let mut y = String::from("interfaces:\n");
    for i in 0..24 {
        y += &format!("  - name: va{i}\n    veth: {{ peer: vb{i} }}\n");
        let third = if b && i % 2 == 0 { 100 + i } else { i };
        let mtu = if b && i % 3 == 0 { 1400 } else { 1500 };
        y += &format!(
            "  - name: vb{i}\n    veth: {{ peer: va{i} }}\n    mtu: {mtu}\n    addresses: [10.{third}.0.1/24]\n    routes: [{{ dst: 198.18.{i}.0/24, via: 10.{third}.0.254 }}]\n"
        );
    }
    // Six ports each; B keeps the first two bridges.
    for j in 0..if b { 2 } else { 4 } {
        let ports: Vec<String> = (0..6).map(|k| format!("va{}", j * 6 + k)).collect();
        y += &format!(
            "  - name: br{j}\n    bridge: {{ ports: [{}], stp: false, forward_delay: 0 }}\n    addresses: [172.16.{j}.1/24]\n",
            ports.join(", ")
        );
    }
    if b {
        for i in 0..40 {
            y += &format!(
                "  - name: wa{i}\n    veth: {{ peer: wb{i} }}\n    addresses: [10.200.{i}.1/24]\n    routes: [{{ dst: 198.19.{i}.0/24, via: 10.200.{i}.254 }}]\n  - name: wb{i}\n    veth: {{ peer: wa{i} }}\n    addresses: [10.201.{i}.1/24]\n"
            );
        }
    }
    y
}

/// The host once links stop changing by themselves (a bridge's operstate settles after its
/// ports come up): two equal snapshots 100 ms apart.
fn settled(ns: &Ns) -> String {
    let mut last = ip_snapshot(ns);
    for _ in 0..30 {
        std::thread::sleep(Duration::from_millis(100));
        let now = ip_snapshot(ns);
        if now == last {
            return now;
        }
        last = now;
    }
    last
}

/// Whether the host is `want`, now or once it settles (up to 3 s).
fn comes_to(ns: &Ns, want: &str) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let got = ip_snapshot(ns);
        if got == want {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(got);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The lines where two snapshots differ, at most 20.
fn differing(got: &str, want: &str) -> String {
    let pairs = got.lines().zip(want.lines()).enumerate().filter(|(_, (g, w))| g != w).take(20);
    pairs.map(|(i, (g, w))| format!("line {i}: got {g} want {w}\n")).collect()
}

/// Runs `apply B` with `hook=k` and kills it with SIGKILL once it says it stalled there.
fn kill_at(ns: &Ns, b: &str, hook: &str, k: usize) {
    let mut child = ns
        .hostnet_cmd(&["apply", b])
        .env(hook, k.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = String::new();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("test hook: stalled") => break,
            Some(Ok(l)) => said.push_str(&format!("{l}\n")),
            _ => panic!("{hook}={k}: the apply ended without reaching the stall:\n{said}"),
        }
        assert!(Instant::now() < deadline, "{hook}={k}: no stall within 30 s");
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn an_apply_killed_at_every_position_is_recovered_exactly_and_then_converges() {
    let ns = Ns::new("crash");
    let sysctl = |k: &str| {
        let path = format!("/proc/sys/net/ipv6/conf/{k}/disable_ipv6");
        let st = std::process::Command::new("ip")
            .args(["netns", "exec", &ns.name, "sh", "-c", &format!("echo 1 > {path}")])
            .status()
            .unwrap();
        assert!(st.success());
    };
    sysctl("all");
    sysctl("default");
    let (a, b) = (ns.file("a.yaml", &config(false)), ns.file("b.yaml", &config(true)));
    ns.hostnet_ok(&["apply", &a]);
    let at_a = settled(&ns);
    let steps = ns.plan_len(&b);
    assert!(steps >= 300, "A→B is {steps} operations, fewer than the 300 this test promises");
    let (mut exact, mut total) = (0, 0);
    let mut differ: Vec<String> = Vec::new();
    let mut first_diff = String::new();
    for hook in ["HOSTNET_TEST_STALL_AFTER", "HOSTNET_TEST_STALL_INSIDE"] {
        // After the last operation there is only verification left: the apply was complete.
        let last = if hook.ends_with("AFTER") { steps - 1 } else { steps };
        for k in 1..=last {
            kill_at(&ns, &b, hook, k);
            let out = ns.hostnet_ok(&["recover"]);
            assert!(out.contains("interrupted"), "{hook}={k}: recover found nothing to do:\n{out}");
            total += 1;
            match comes_to(&ns, &at_a) {
                Ok(()) => exact += 1,
                Err(got) => {
                    if first_diff.is_empty() {
                        first_diff = format!("{hook}={k}:\n{}", differing(&got, &at_a));
                    }
                    differ.push(format!("{hook}={k}"));
                    // Back to A for the next kill, so that one difference does not spread.
                    ns.hostnet_ok(&["apply", &a]);
                }
            }
        }
    }
    eprintln!("{exact} of {total} kills recovered to an identical host");
    let some: Vec<&String> = differ.iter().take(20).collect();
    assert!(
        differ.is_empty(),
        "{} of {total} kills did not recover exactly, among them {some:?}; the first:\n{first_diff}",
        differ.len()
    );
    let out = ns.hostnet_ok(&["apply", &b]);
    assert!(out.contains("verified"), "{out}");
    assert!(ns.hostnet_ok(&["apply", &b]).starts_with("nothing to do"));
}
