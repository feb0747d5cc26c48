//! Addresses on `lo` (service, anycast and router-id addresses) against the real kernel:
//! applied, read back, changed and rolled back at every step, without lo ever going down or
//! losing the kernel's own 127.0.0.1 and ::1; repaired by the daemon; and left alone by a file
//! that does not declare lo. Needs root; run by the README's test command (`--include-ignored`).

mod support;

use support::daemon::Daemon;
use support::{Ns, every_failure_rolls_back, ip_monitor};

const LO: &str = "interfaces:
  - name: lo
    loopback: {}
    addresses: [192.0.2.10/32, 192.0.2.11/32, 2001:db8::10/128]
  - name: v0
    veth: {peer: v1}
    addresses: [198.51.100.1/24]
";

fn lo_addresses(ns: &Ns) -> String {
    ns.ip(&["-o", "address", "show", "dev", "lo"])
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn loopback_addresses_apply_change_and_roll_back_without_lo_going_down() {
    let ns = Ns::new("lo");
    // Without DAD: an IPv6 address a rollback puts back would read `tentative` for a moment.
    let st = std::process::Command::new("ip")
        .args(["netns", "exec", &ns.name, "sysctl", "-qw", "net.ipv6.conf.lo.accept_dad=0"])
        .status()
        .unwrap();
    assert!(st.success());
    let a = ns.file("a.yaml", LO);
    every_failure_rolls_back(&ns, &a);
    ns.hostnet_ok(&["apply", &a]);
    let have = lo_addresses(&ns);
    for want in ["127.0.0.1/8", "::1/128", "192.0.2.10/32", "192.0.2.11/32", "2001:db8::10/128"] {
        assert!(have.contains(want), "missing {want} in\n{have}");
    }
    assert_eq!(ns.plan_len(&a), 0, "a second plan is not empty");
    // `show --yaml` writes lo as a person would, and it applies as nothing to do.
    let shown = ns.hostnet_ok(&["show", "--yaml"]);
    assert!(shown.contains("- name: lo\n  loopback: {}\n  addresses:\n  - 192.0.2.10/32\n"), "{shown}");
    assert!(!shown.contains("00:00:00:00:00:00") && !shown.contains("65536"), "{shown}");
    let again = ns.file("shown.yaml", &shown);
    assert_eq!(ns.plan_len(&again), 0, "show's view does not apply as nothing to do:\n{shown}");

    // One address goes: lo stays up all along, and a failure at every step puts it back.
    let b = ns.file("b.yaml", &LO.replace("192.0.2.11/32, ", ""));
    every_failure_rolls_back(&ns, &b);
    let (mut monitor, lines) = ip_monitor(&ns, "link");
    ns.hostnet_ok(&["apply", &b]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let _ = monitor.kill();
    let seen: Vec<String> = lines.try_iter().filter(|l| l.contains(" lo:")).collect();
    assert!(seen.is_empty(), "lo changed: {seen:?}");
    let have = lo_addresses(&ns);
    assert!(!have.contains("192.0.2.11/32") && have.contains("127.0.0.1/8") && have.contains("::1/128"), "{have}");

    // A file without lo leaves lo's addresses as they are.
    let without =
        ns.file("without.yaml", "interfaces:\n  - name: v0\n    veth: {peer: v1}\n    addresses: [198.51.100.1/24]\n");
    ns.hostnet_ok(&["apply", &without]);
    assert!(lo_addresses(&ns).contains("192.0.2.10/32"));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_namespace_whose_lo_is_down_gets_it_up_and_a_rollback_puts_it_down_again() {
    let ns = Ns::new("lodown");
    ns.ip(&["link", "set", "lo", "down"]);
    let f = ns.file("lo.yaml", "interfaces:\n  - name: lo\n    loopback: {}\n    addresses: [192.0.2.10/32]\n");
    every_failure_rolls_back(&ns, &f);
    assert!(ns.ip(&["-o", "link", "show", "lo"]).contains("state DOWN"));
    ns.hostnet_ok(&["apply", &f]);
    assert!(!ns.ip(&["-o", "link", "show", "lo"]).contains("state DOWN"));
    assert!(lo_addresses(&ns).contains("127.0.0.1/8"));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn the_daemon_puts_back_a_loopback_address_deleted_by_hand() {
    let ns = Ns::new("lodrift");
    let f = ns.file("lo.yaml", LO);
    let d = Daemon::start(&ns, &f);
    d.wait_until("lo's addresses are there", || lo_addresses(&ns).contains("192.0.2.11/32"));
    ns.ip(&["address", "del", "192.0.2.11/32", "dev", "lo"]);
    d.wait_until("the address is put back", || lo_addresses(&ns).contains("192.0.2.11/32"));
    assert_eq!(d.link("lo")["phase"], "configured", "{}", d.log());
}
