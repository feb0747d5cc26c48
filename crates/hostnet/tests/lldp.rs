//! Cabling truth against real LLDP neighbours: lldpd (Debian's) announcing "switches" from
//! namespaces this test made, cabled to the namespace whose NICs hostnet listens on. Covers
//! `show neighbors` and `doctor --lldp` (a NIC cabled elsewhere than its `cabled_to`, a NIC
//! hearing nothing). The bond rules are covered by unit tests on snapshots and, with the real
//! bonding driver, in the VM. Needs root; run by the README's test command.

mod support;

use std::process::Command;

use support::Ns;
use support::lldpd::Lldpd;

fn cable(switch: &Ns, swport: &str, host: &Ns, nic: &str) {
    let out = Command::new("ip")
        .args([
            "-n",
            &switch.name,
            "link",
            "add",
            "name",
            swport,
            "type",
            "veth",
            "peer",
            "name",
            nic,
            "netns",
            &host.name,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    switch.ip(&["link", "set", swport, "up"]);
    host.ip(&["link", "set", nic, "up"]);
}

#[test]
#[ignore = "needs root and lldpd; run with --include-ignored"]
fn neighbors_are_shown_and_doctor_checks_the_cabling() {
    let (swa, swb, host) = (Ns::new("lldpa"), Ns::new("lldpb"), Ns::new("lldph"));
    cable(&swa, "Eth1", &host, "e1");
    cable(&swb, "Eth7", &host, "e2");
    cable(&swa, "Eth9", &host, "e3");
    let _a = Lldpd::start(&swa, "swA", &["Eth1"]);
    let _b = Lldpd::start(&swb, "swB", &["Eth7"]);

    let shown = host.hostnet_ok(&["show", "neighbors", "--wait", "4"]);
    let row = |nic: &str| shown.lines().find(|l| l.starts_with(&format!("{nic} "))).unwrap_or_default().to_string();
    assert!(row("e1").contains("swA") && row("e1").contains("Eth1"), "{shown}");
    assert!(row("e2").contains("swB") && row("e2").contains("Eth7"), "{shown}");
    assert!(row("e3").contains("nothing heard in 4 s"), "{shown}");
    let json: serde_json::Value =
        serde_json::from_str(&host.hostnet_ok(&["show", "--json", "neighbors", "--wait", "4"])).unwrap();
    let e1 = json.as_array().unwrap().iter().find(|n| n["interface"] == "e1").unwrap();
    assert_eq!(e1["neighbor"]["system_name"], "swA", "{json:#}");

    let cfg = host.file(
        "c.yaml",
        "interfaces:\n  - name: e1\n    ethernet: { cabled_to: { switch: swA, port: Eth2 } }\n  - name: e2\n    ethernet: { cabled_to: { switch: swB, port: Eth7 } }\n",
    );
    let out = host.hostnet(&["doctor", "--json", "--lldp", "4", "--config", &cfg]);
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let of = |rule: &str| -> Vec<String> {
        findings["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| f["subject"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(of("cabled-elsewhere"), ["e1"], "{findings:#}");
    assert_eq!(of("lldp-no-neighbor"), ["e3"], "{findings:#}");
    let e1 = findings["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "cabled-elsewhere").unwrap();
    assert!(e1["evidence"].to_string().contains("LLDP says swA"), "{e1}");
    assert_eq!(out.status.code(), Some(1), "an error finding fails doctor");
}
