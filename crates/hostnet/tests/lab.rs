//! The lab end to end, in the qemu micro-VM (`hostnet lab --vm`). Ignored by a plain
//! `cargo test`; the README's test command runs them and they fail if the VM cannot run.

use std::process::Command;

fn lab(file: &str, scenario: &str) -> serde_json::Value {
    let root = format!("{}/../..", env!("CARGO_MANIFEST_DIR"));
    let json = std::env::temp_dir().join(format!("hostnet-labtest-{}-{scenario}.json", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_hostnet"))
        .current_dir(&root)
        .env("HOSTNET_VM_HARNESS", format!("{root}/vm/hostnet-vm"))
        .args(["lab", "--vm", "-q", file, "--scenario", scenario, "--json"])
        .arg(&json)
        .output()
        .expect("run hostnet lab");
    assert!(
        out.status.success(),
        "lab failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let v = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let _ = std::fs::remove_file(json);
    v
}

fn step<'a>(r: &'a serde_json::Value, action: &str) -> &'a serde_json::Value {
    r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["action"] == action)
        .unwrap_or_else(|| panic!("no step {action}: {r}"))
}

/// How long losing a whole switch may interrupt the stacked design. The inner 802.3ad bond
/// notices its dead ports within one miimon (100 ms) and drops carrier; the outer balance-alb
/// bond notices that within its own miimon (100 ms) and moves to the other bond; each
/// detection may take up to two intervals. LACP may re-aggregate on the surviving side
/// (aggregate wait: 2 s in Linux's 802.3ad). One second more absorbs the software emulation.
const MIIMON_INNER_MS: f64 = 100.0;
const MIIMON_OUTER_MS: f64 = 100.0;
const LACP_AGGREGATE_WAIT_MS: f64 = 2000.0;
const EMULATION_SLACK_MS: f64 = 1000.0;

#[test]
#[ignore = "needs the qemu micro-VM (vm/hostnet-vm)"]
fn losing_a_switch_recovers_within_the_timer_bound() {
    let r = lab("examples/lab/stacked-bonds.lab.yaml", "switch-a");
    let bound = 2.0 * (MIIMON_INNER_MS + MIIMON_OUTER_MS) + LACP_AGGREGATE_WAIT_MS + EMULATION_SLACK_MS;
    assert_eq!(step(&r, "baseline")["lost"], 0, "the healthy replica lost packets: {r}");
    let fail = step(&r, "fail swA");
    assert_eq!(fail["recovered"], true, "{fail}");
    let outage = fail["outage_ms"].as_f64().unwrap();
    let recovery = fail["recovered_after_ms"].as_f64().unwrap_or(0.0);
    assert!(
        outage <= bound && recovery <= bound,
        "outage {outage} ms, recovery {recovery} ms, bound {bound} ms: {fail}"
    );
    assert!(fail["active_after"].as_str().unwrap().contains("idmz:idmz2"), "{fail}");
    let restore = step(&r, "restore swA");
    assert_eq!(restore["recovered"], true, "{restore}");
}

#[test]
#[ignore = "needs the qemu micro-VM (vm/hostnet-vm)"]
fn a_cut_without_redundancy_is_an_outage() {
    let r = lab("examples/lab/single-nic.lab.yaml", "one-cable");
    let cut = step(&r, "cut eth0");
    assert_eq!(cut["recovered"], false, "a single NIC cannot survive its cable: {cut}");
    // Every packet sent after the cut is lost, except those sent in the scheduler slice between
    // the fault's timestamp and the kernel acting on it: the VM has one vCPU, and a slice of up
    // to ~15 ms is 3 packets at 200/s.
    let rate = r["rate"].as_u64().unwrap();
    let slack = (15 * rate).div_ceil(1000);
    for f in cut["flows"].as_array().unwrap() {
        let (lost, sent) = (f["lost"].as_u64().unwrap(), f["sent"].as_u64().unwrap());
        assert!(lost + slack >= sent, "{f}");
    }
    assert!(cut["outage_ms"].as_f64().unwrap() >= 2500.0, "{cut}");
    let mend = step(&r, "mend eth0");
    assert_eq!(mend["recovered"], true, "{mend}");
}

#[test]
#[ignore = "needs the qemu micro-VM (vm/hostnet-vm)"]
fn only_balance_rr_stripes_a_single_flow() {
    let root = format!("{}/../..", env!("CARGO_MANIFEST_DIR"));
    let json = std::env::temp_dir().join(format!("hostnet-tp-{}.json", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_hostnet"))
        .current_dir(&root)
        .env("HOSTNET_VM_HARNESS", format!("{root}/vm/hostnet-vm"))
        .args(["lab", "--throughput", "--vm", "-q", "--modes", "balance-rr,802.3ad", "--seconds", "3", "--json"])
        .arg(&json)
        .output()
        .expect("run hostnet lab --throughput");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let get = |mode: &str| v.as_array().unwrap().iter().find(|r| r["mode"] == mode).cloned().unwrap();
    let (rr, lacp) = (get("balance-rr"), get("802.3ad"));
    let link = rr["link_mbit"].as_f64().unwrap();
    // One TCP flow over balance-rr uses both links; over 802.3ad it hashes onto one.
    assert!(rr["one_flow_mbit"].as_f64().unwrap() > 1.5 * link, "{rr}");
    assert!(lacp["one_flow_mbit"].as_f64().unwrap() <= 1.1 * link, "{lacp}");
}
