//! The Ansible collection (ansible_collections/hostnet/net) driven by real ansible-core
//! playbooks against "hosts" that are network namespaces on this machine
//! (`ansible_connection: local`, the modules' `netns`). Needs root and ansible-core in
//! target/ansible-venv (.ci/run installs it); fails, never skips, without them.

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::Ns;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn venv_bin(tool: &str) -> PathBuf {
    let p = root().join("target/ansible-venv/bin").join(tool);
    assert!(p.exists(), "{} missing: run .ci/run (it installs ansible-core into target/ansible-venv)", p.display());
    p
}

const CONFIG: &str = "interfaces:\n  - name: v0\n    veth: { peer: v1 }\n    addresses: [192.0.2.1/24]\n  - name: v1\n    veth: { peer: v0 }\n";

/// Runs `tasks` (each a task body, indented 4 and starting with `    - `) as a play on the
/// namespace "host". Each task's result is registered as r0, r1, ... (with errors ignored, so
/// every task's result comes back) and written out as JSON by a last task; returns the results
/// and whether every task succeeded.
fn play(ns: &Ns, tasks: &[String], extra: &[&str]) -> (Vec<serde_json::Value>, bool) {
    let inv = ns.file(
        "inventory.yml",
        &format!(
            "all:\n  hosts:\n    nshost:\n      ansible_connection: local\n      ansible_python_interpreter: {}\n      netns: {}\n      state_dir: {}\n      resolv_conf: {}\n",
            venv_bin("python").display(),
            ns.name,
            ns.state_dir().display(),
            ns.resolv_conf().display()
        ),
    );
    let out_file = ns.file("results.json", "");
    let mut body = String::new();
    for (i, t) in tasks.iter().enumerate() {
        body.push_str(&format!("{t}      register: r{i}\n      ignore_errors: true\n"));
    }
    let names: Vec<String> = (0..tasks.len()).map(|i| format!("r{i}")).collect();
    body.push_str(&format!(
        "    - ansible.builtin.copy:\n        dest: {out_file}\n        content: \"{{{{ [{}] | to_json }}}}\"\n      check_mode: false\n      diff: false\n",
        names.join(", ")
    ));
    let book = ns.file(
        "play.yml",
        &format!(
            "- hosts: all\n  gather_facts: false\n  vars:\n    hn: &hn\n      hostnet_path: {}\n      netns: \"{{{{ netns }}}}\"\n      state_dir: \"{{{{ state_dir }}}}\"\n      resolv_conf: \"{{{{ resolv_conf }}}}\"\n  tasks:\n{body}",
            env!("CARGO_BIN_EXE_hostnet")
        ),
    );
    let out = Command::new(venv_bin("ansible-playbook"))
        .args(["-i", &inv, &book])
        .args(extra)
        .env("ANSIBLE_COLLECTIONS_PATH", root())
        .env("ANSIBLE_LOCALHOST_WARNING", "False")
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .expect("run ansible-playbook");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the play itself failed:\n{log}");
    let results: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap())
        .unwrap_or_else(|e| panic!("no results ({e}):\n{log}"));
    let ok = results.iter().all(|r| r["failed"] != true);
    (results, ok)
}

fn apply_task(cfg: &str, extra: &str) -> String {
    format!("    - hostnet.net.hostnet_config:\n        <<: *hn\n        src: {cfg}\n{extra}")
}

#[test]
#[ignore = "needs root and ansible-core (target/ansible-venv)"]
fn apply_is_idempotent_and_check_mode_and_diff_change_nothing() {
    let ns = Ns::new("ansible");
    let cfg = ns.file("c.yaml", CONFIG);
    let (v, ok) = play(&ns, &[apply_task(&cfg, "")], &[]);
    assert!(ok, "{v:#?}");
    assert_eq!(v[0]["changed"], true, "{v:#?}");
    assert!(ns.ip(&["-br", "addr", "show", "v0"]).contains("192.0.2.1/24"));
    assert_eq!(v[0]["report"]["verified"], true);

    let (v, ok) = play(&ns, &[apply_task(&cfg, "")], &[]);
    assert!(ok);
    assert_eq!(v[0]["changed"], false, "a second run must not change anything: {v:#?}");

    // Check mode and diff: the plan and before/after, and the host untouched.
    let changed = ns.file("changed.yaml", &CONFIG.replace("192.0.2.1/24", "192.0.2.9/24"));
    let (v, ok) = play(&ns, &[apply_task(&changed, "")], &["--check", "--diff"]);
    assert!(ok, "{v:#?}");
    let t = &v[0];
    assert_eq!(t["changed"], true);
    let ops: Vec<&str> = t["plan"].as_array().unwrap().iter().map(|s| s["op"].as_str().unwrap()).collect();
    assert!(ops.contains(&"add_address") && ops.contains(&"del_address"), "{ops:?}");
    assert!(t["diff"]["before"].as_str().unwrap().contains("192.0.2.1/24"), "{t:#}");
    assert!(t["diff"]["after"].as_str().unwrap().contains("192.0.2.9/24"), "{t:#}");
    assert!(ns.ip(&["-br", "addr", "show", "v0"]).contains("192.0.2.1/24"), "check mode changed the host");

    // Facts: show --json, bond status and all.
    let (v, ok) = play(&ns, &["    - hostnet.net.hostnet_facts:\n        <<: *hn\n".to_string()], &[]);
    assert!(ok, "{v:#?}");
    let names: Vec<&str> = v[0]["ansible_facts"]["hostnet"]["interfaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"v0") && names.contains(&"v1"), "{names:?}");
}

#[test]
#[ignore = "needs root and ansible-core (target/ansible-venv)"]
fn an_unconfirmed_trial_reverts_and_a_confirmed_one_stays() {
    let ns = Ns::new("ansibletry");
    let cfg = ns.file("c.yaml", CONFIG);
    assert!(play(&ns, &[apply_task(&cfg, "")], &[]).1);
    let changed = ns.file("changed.yaml", &CONFIG.replace("192.0.2.1/24", "192.0.2.9/24"));

    // The host "loses its connection": nobody confirms, and it goes back by itself.
    let (v, ok) = play(&ns, &[apply_task(&changed, "        try: 2\n")], &[]);
    assert!(ok, "{v:#?}");
    assert_eq!(v[0]["trial"]["seconds"], 2, "{v:#?}");
    assert!(ns.ip(&["-br", "addr", "show", "v0"]).contains("192.0.2.9/24"));
    std::thread::sleep(std::time::Duration::from_secs(4));
    let a = ns.ip(&["-br", "addr", "show", "v0"]);
    assert!(a.contains("192.0.2.1/24") && !a.contains("192.0.2.9/24"), "not reverted: {a}");

    // The documented pattern: apply with try, wait_for_connection, confirm.
    let tasks = [
        apply_task(&changed, "        try: 3\n"),
        "    - ansible.builtin.wait_for_connection: { timeout: 10 }\n      when: r0.changed\n".to_string(),
        "    - hostnet.net.hostnet_confirm:\n        <<: *hn\n      when: r0.changed\n".to_string(),
    ];
    let (v, ok) = play(&ns, &tasks, &[]);
    assert!(ok, "{v:#?}");
    assert_eq!(v[2]["confirmed"], true, "{v:#?}");
    std::thread::sleep(std::time::Duration::from_secs(4));
    assert!(ns.ip(&["-br", "addr", "show", "v0"]).contains("192.0.2.9/24"), "a confirmed trial reverted");
}

#[test]
#[ignore = "needs root and ansible-core (target/ansible-venv)"]
fn a_bad_config_fails_the_task_with_its_location_and_changes_nothing() {
    let ns = Ns::new("ansiblebad");
    let bad = ns.file("bad.yaml", "interfaces:\n  - name: v0\n    veth: { peer: v1 }\n    mtuu: 1500\n");
    let (v, ok) = play(&ns, &[apply_task(&bad, "")], &[]);
    assert!(!ok);
    let msg = v[0]["msg"].as_str().unwrap();
    assert!(msg.contains("invalid config") && msg.contains("bad.yaml:4") && msg.contains("mtuu"), "{msg}");
    assert!(!ns.ip(&["link", "show"]).contains("v0"));
}

#[test]
#[ignore = "needs ansible-core (target/ansible-venv) and PyPI for ansible-test's requirements"]
fn the_collection_passes_ansible_test_sanity() {
    let py = venv_bin("python");
    let v = Command::new(&py).args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).output().unwrap();
    let version = String::from_utf8(v.stdout).unwrap().trim().to_string();
    let out = Command::new(venv_bin("ansible-test"))
        .current_dir(root().join("ansible_collections/hostnet/net"))
        .args(["sanity", "--python", &version, "--requirements"])
        .output()
        .expect("run ansible-test");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let errors: Vec<&str> = log.lines().filter(|l| l.starts_with("ERROR") || l.starts_with("FATAL")).collect();
    assert!(out.status.success(), "ansible-test sanity failed:\n{}", errors.join("\n"));
}
