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

/// `ansible-playbook` from the venv, finding this checkout's collection, without colours.
fn ansible_playbook() -> Command {
    let mut c = Command::new(venv_bin("ansible-playbook"));
    c.env("ANSIBLE_COLLECTIONS_PATH", root()).env("ANSIBLE_NOCOLOR", "1");
    c
}

/// Runs a play; returns whether it succeeded and its whole output.
fn run_play(mut cmd: Command) -> (bool, String) {
    let out = cmd.output().expect("run ansible-playbook");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
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
    let mut cmd = ansible_playbook();
    cmd.args(["-i", &inv, &book]).args(extra).env("ANSIBLE_LOCALHOST_WARNING", "False");
    let (ok, log) = run_play(cmd);
    assert!(ok, "the play itself failed:\n{log}");
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
    // The trial must outlast ansible's own work after the apply task (the results task
    // takes seconds on a slow CI runner), or the check below races the revert.
    let (v, ok) = play(&ns, &[apply_task(&changed, "        try: 8\n")], &[]);
    assert!(ok, "{v:#?}");
    assert_eq!(v[0]["trial"]["seconds"], 8, "{v:#?}");
    assert!(ns.ip(&["-br", "addr", "show", "v0"]).contains("192.0.2.9/24"), "the trial was not applied");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let reverted = || {
        let a = ns.ip(&["-br", "addr", "show", "v0"]);
        a.contains("192.0.2.1/24") && !a.contains("192.0.2.9/24")
    };
    while !reverted() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(reverted(), "not reverted: {}", ns.ip(&["-br", "addr", "show", "v0"]));

    // The documented pattern: apply with try, wait_for_connection, confirm.
    let tasks = [
        apply_task(&changed, "        try: 6\n"),
        "    - ansible.builtin.wait_for_connection: { timeout: 10 }\n      when: r0.changed\n".to_string(),
        "    - hostnet.net.hostnet_confirm:\n        <<: *hn\n      when: r0.changed\n".to_string(),
    ];
    let (v, ok) = play(&ns, &tasks, &[]);
    assert!(ok, "{v:#?}");
    assert_eq!(v[2]["confirmed"], true, "{v:#?}");
    std::thread::sleep(std::time::Duration::from_secs(8));
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

/// A namespace "host" reached the way a controller reaches a server: over SSH, to an address on
/// a link hostnet manages (`ctl0`, a veth whose other end is in the controller's namespace).
struct SshHost {
    ns: Ns,
    sshd: std::process::Child,
    key: String,
    root_end: String,
}

impl SshHost {
    fn new(i: u8) -> SshHost {
        let ns = Ns::new(&format!("roll{i}"));
        let root_end = format!("hc{i}-{}", std::process::id() % 10000);
        let sh = |args: &[&str]| {
            let st = Command::new(args[0]).args(&args[1..]).status().unwrap();
            assert!(st.success(), "{args:?}");
        };
        sh(&["ip", "link", "add", &root_end, "type", "veth", "peer", "name", "ctl0", "netns", &ns.name]);
        sh(&["ip", "addr", "add", &format!("10.99.{i}.1/24"), "dev", &root_end]);
        sh(&["ip", "link", "set", &root_end, "up"]);
        let cfg = ns.file("good.yaml", &host_config(i, "10.99.{i}.2", "192.0.2.1"));
        ns.hostnet_ok(&["apply", &cfg]);
        let dir = ns.state_dir().with_extension("ssh");
        std::fs::create_dir_all(&dir).unwrap();
        let d = |f: &str| dir.join(f).display().to_string();
        for (k, _) in [("hostkey", ()), ("client", ())] {
            sh(&["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", &d(k)]);
        }
        std::fs::copy(d("client.pub"), d("authorized_keys")).unwrap();
        std::fs::create_dir_all("/run/sshd").unwrap();
        let conf = format!(
            "Port 2222\nListenAddress 10.99.{i}.2\nHostKey {}\nAuthorizedKeysFile {}\nPermitRootLogin yes\nStrictModes no\nUsePAM no\nPidFile {}\n",
            d("hostkey"),
            d("authorized_keys"),
            d("sshd.pid")
        );
        std::fs::write(d("sshd_config"), conf).unwrap();
        let sshd = Command::new("ip")
            .args(["netns", "exec", &ns.name, "/usr/sbin/sshd", "-D", "-e", "-f", &d("sshd_config")])
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start sshd (apt-get install openssh-server)");
        std::thread::sleep(std::time::Duration::from_millis(500));
        SshHost { ns, sshd, key: d("client"), root_end }
    }
}

impl Drop for SshHost {
    fn drop(&mut self) {
        let _ = self.sshd.kill();
        let _ = self.sshd.wait();
        let _ = Command::new("ip").args(["link", "del", &self.root_end]).status();
    }
}

fn host_config(i: u8, ctl: &str, svc: &str) -> String {
    format!(
        "interfaces:\n  - name: ctl0\n    ethernet: {{}}\n    addresses: [{}/24]\n  - name: v0\n    veth: {{ peer: v1 }}\n    addresses: [{svc}/24]\n  - name: v1\n    veth: {{ peer: v0 }}\n",
        ctl.replace("{i}", &i.to_string())
    )
}

#[test]
#[ignore = "needs root, ansible-core (target/ansible-venv) and sshd (openssh-server)"]
fn a_host_that_loses_its_connection_reverts_and_stops_the_rollout() {
    let hosts = [SshHost::new(1), SshHost::new(2)];
    // Host 1's new config moves the address the controller reaches it on: the change cuts it
    // off. Host 2's change is harmless, but it must never be applied: the rollout stops first.
    let new1 = hosts[0].ns.file("new.yaml", &host_config(1, "10.99.1.9", "192.0.2.1"));
    let new2 = hosts[1].ns.file("new.yaml", &host_config(2, "10.99.2.2", "192.0.2.9"));
    let mut inv = String::from("all:\n  hosts:\n");
    for (i, (h, cfg)) in hosts.iter().zip([&new1, &new2]).enumerate() {
        inv.push_str(&format!(
            "    h{n}:\n      ansible_host: 10.99.{n}.2\n      ansible_port: 2222\n      ansible_user: root\n      ansible_ssh_private_key_file: {}\n      ansible_python_interpreter: {}\n      state_dir: {}\n      resolv_conf: {}\n      cfg: {cfg}\n",
            h.key,
            venv_bin("python").display(),
            h.ns.state_dir().display(),
            h.ns.resolv_conf().display(),
            n = i + 1
        ));
    }
    let inv = hosts[0].ns.file("inventory.yml", &inv);
    let book = hosts[0].ns.file(
        "rollout.yml",
        &format!(
            "- hosts: all\n  serial: 1\n  max_fail_percentage: 0\n  gather_facts: false\n  tasks:\n    - hostnet.net.hostnet_config:\n        hostnet_path: {}\n        state_dir: \"{{{{ state_dir }}}}\"\n        resolv_conf: \"{{{{ resolv_conf }}}}\"\n        src: \"{{{{ cfg }}}}\"\n        try: 8\n      register: net\n    - ansible.builtin.wait_for_connection: {{ timeout: 5 }}\n      when: net.changed\n    - hostnet.net.hostnet_confirm:\n        hostnet_path: {}\n        state_dir: \"{{{{ state_dir }}}}\"\n      when: net.changed\n",
            env!("CARGO_BIN_EXE_hostnet"),
            env!("CARGO_BIN_EXE_hostnet")
        ),
    );
    let t0 = std::time::Instant::now();
    let mut cmd = ansible_playbook();
    cmd.args(["-i", &inv, &book])
        .env("ANSIBLE_HOST_KEY_CHECKING", "False")
        .env(
            "ANSIBLE_SSH_ARGS",
            "-o ControlMaster=no -o UserKnownHostsFile=/dev/null -o ServerAliveInterval=1 -o ServerAliveCountMax=3",
        )
        .env("ANSIBLE_TIMEOUT", "5");
    let (ok, log) = run_play(cmd);
    assert!(!ok, "the play must fail:\n{log}");
    let recap = &log[log.find("PLAY RECAP").unwrap_or_else(|| panic!("{log}"))..];
    let h1 = recap.lines().find(|l| l.starts_with("h1")).unwrap_or_else(|| panic!("{log}"));
    assert!(h1.contains("unreachable=1") || h1.contains("failed=1"), "{log}");
    assert!(!recap.lines().any(|l| l.starts_with("h2")), "the next batch was touched:\n{log}");
    assert!(hosts[1].ns.ip(&["-br", "addr", "show", "v0"]).contains("192.0.2.1/24"), "h2 changed");
    // Host 1 reverts by itself at the trial's deadline (8 s after its apply).
    while t0.elapsed() < std::time::Duration::from_secs(30) {
        if hosts[0].ns.ip(&["-br", "addr", "show", "ctl0"]).contains("10.99.1.2/24") {
            // It was applied (not merely never changed): the reverter undid the new address.
            let reverted = std::fs::read_to_string(hosts[0].ns.state_dir().join("revert.log")).unwrap_or_default();
            if reverted.contains("10.99.1.9/24") {
                return;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    panic!("host 1 never reverted: {}\n{log}", hosts[0].ns.ip(&["-br", "addr", "show", "ctl0"]));
}

/// The collection's own playbooks/rollout.yml, as shipped, over three namespace "hosts", each
/// cabled to a gateway of its own: host 1's change keeps its gateway and confirms by itself;
/// host 2's would cut it off its gateway, so its trial rolls back and the rollout stops; host 3
/// is never touched.
#[test]
#[ignore = "needs root and ansible-core (target/ansible-venv)"]
fn the_shipped_rollout_confirms_by_itself_and_stops_at_a_host_that_would_lose_its_gateway() {
    use support::dnsmasq::{ROUTER, cable};
    let config = |addr: &str| {
        format!(
            "interfaces:\n  - name: e0\n    ethernet: {{}}\n    addresses: [{addr}/24]\n    routes:\n      - {{ dst: default, via: {} }}\n",
            addr.rsplit_once('.').unwrap().0.to_string() + ".1"
        )
    };
    let hosts: Vec<(Ns, Ns)> = (1..=3)
        .map(|i| {
            let (host, gw) = (Ns::new(&format!("rollh{i}")), Ns::new(&format!("rollg{i}")));
            cable(&gw, &host, "e0");
            let now = host.file("now.yaml", &config("10.77.0.8"));
            host.hostnet_ok(&["apply", &now]);
            (host, gw)
        })
        .collect();
    assert!(ROUTER.ends_with(".1"), "the configs' gateway is the cable's router");
    let dir = hosts[0].0.state_dir().with_extension("rollout");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, addr) in [("h1", "10.77.0.9"), ("h2", "10.78.0.9"), ("h3", "10.77.0.7")] {
        std::fs::write(dir.join(format!("{name}.yaml")), config(addr)).unwrap();
    }
    let mut inv = String::from("all:\n  hosts:\n");
    for (i, (h, _)) in hosts.iter().enumerate() {
        inv.push_str(&format!(
            "    h{}:\n      ansible_connection: local\n      ansible_become: false\n      ansible_python_interpreter: {}\n      hostnet_path: {}\n      hostnet_netns: {}\n      hostnet_state_dir: {}\n      hostnet_resolv_conf: {}\n      hostnet_try: 20\n",
            i + 1,
            venv_bin("python").display(),
            env!("CARGO_BIN_EXE_hostnet"),
            h.name,
            h.state_dir().display(),
            h.resolv_conf().display(),
        ));
    }
    let inv = hosts[0].0.file("inventory.yml", &inv);
    let t0 = std::time::Instant::now();
    let mut cmd = ansible_playbook();
    cmd.args(["-i", &inv])
        .arg(root().join("ansible_collections/hostnet/net/playbooks/rollout.yml"))
        .args(["-e", &format!("config_dir={}", dir.display())])
        .env("ANSIBLE_LOCALHOST_WARNING", "False");
    let (ok, log) = run_play(cmd);
    assert!(!ok, "the rollout must fail at host 2:\n{log}");
    let recap = &log[log.find("PLAY RECAP").unwrap_or_else(|| panic!("{log}"))..];
    let line = |h: &str| recap.lines().find(|l| l.starts_with(h)).map(str::to_string);
    assert!(line("h1").is_some_and(|l| l.contains("failed=0")), "{log}");
    assert!(line("h2").is_some_and(|l| l.contains("failed=1")), "{log}");
    assert!(line("h3").is_none(), "the batch after the failure was touched:\n{log}");
    assert!(log.contains("did not answer ARP/ND"), "host 2's failure does not say why:\n{log}");
    let addr = |i: usize| hosts[i].0.ip(&["-4", "-br", "addr", "show", "e0"]);
    assert!(addr(0).contains("10.77.0.9/24"), "host 1 lost its confirmed change: {}", addr(0));
    assert!(addr(1).contains("10.77.0.8/24") && !addr(1).contains("10.78"), "host 2 not rolled back: {}", addr(1));
    assert!(addr(2).contains("10.77.0.8/24"), "host 3 changed: {}", addr(2));
    // Host 1's trial was confirmed, not left to expire: past its deadline (host 2's trial ran
    // out most of its own 20 s in between) it still holds.
    std::thread::sleep(std::time::Duration::from_secs(22).saturating_sub(t0.elapsed()));
    assert!(addr(0).contains("10.77.0.9/24"), "host 1's trial reverted after the rollout: {}", addr(0));
}
