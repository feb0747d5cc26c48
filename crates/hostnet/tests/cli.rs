//! The command line as users meet it: exit codes, messages, and plan formats.

use assert_cmd::Command;

fn hostnet() -> Command {
    Command::cargo_bin("hostnet").unwrap()
}

fn example(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn check_accepts_the_examples() {
    for f in ["stacked-bonds.yaml", "vlan-bond-bridge.yaml", "single-nic.yaml"] {
        hostnet().args(["check", &example(f)]).assert().success();
    }
}

#[test]
fn bad_file_names_file_line_field_and_exits_65() {
    let dir = std::env::temp_dir().join(format!("hostnet-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.yaml");
    std::fs::write(&f, "interfaces:\n  - name: b\n    bond:\n      mode: 802.3ad\n      arp_interval: 100\n      arp_ip_target: [192.0.2.9]\n").unwrap();
    let out = hostnet().args(["plan", f.to_str().unwrap()]).assert().code(65).get_output().clone();
    let err = String::from_utf8(out.stderr).unwrap();
    let want = format!(
        "error: {}:5:7: interfaces[0].bond.arp_interval: `arp_interval` is not valid for mode 802.3ad",
        f.display()
    );
    assert!(err.contains(&want), "stderr was:\n{err}");
    assert!(out.stdout.is_empty(), "a bad file must produce no plan");
}

#[test]
fn missing_file_is_an_error() {
    hostnet().args(["check", "/nonexistent/hostnet.yaml"]).assert().code(66);
}

/// One scheme for every command (cmd/exit.rs, listed by `--help`): a script tells a mistyped
/// command from a bad file from a missing one.
#[test]
fn exit_codes_tell_usage_from_invalid_from_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "interfaces:\n  - name: e0\n    ethernet: {}\n    mtu: lots\n").unwrap();
    let bad = bad.to_str().unwrap();
    let cases: [(&[&str], i32); 8] = [
        (&["frobnicate"], 64),
        (&["check", "--no-such-flag"], 64),
        (&["wait-online", "--timeout", "2 weeks"], 64),
        (&["doctor", "--interval", "soon"], 64),
        (&["check", bad], 65),
        (&["plan", bad], 65),
        (&["check", "/nonexistent/hostnet.yaml"], 66),
        (&["import", "netplan", "/nonexistent/01.yaml"], 66),
    ];
    for (args, code) in cases {
        let out = hostnet().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "hostnet {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let help = hostnet().arg("--help").assert().success().get_output().stdout.clone();
    assert!(String::from_utf8_lossy(&help).contains("65  the config (or a file to import) is invalid"));
    // A namespace that does not exist: a runtime failure, the host untouched.
    hostnet().args(["--netns", "hostnet-no-such-ns", "show"]).assert().code(1);
}

/// Every structural problem in one run, each with its line, and in plain lines when piped.
#[test]
fn check_reports_every_foreign_key_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("migrated.yaml");
    std::fs::write(
        &f,
        "interfaces:\n  - name: bond0\n    bond:\n      mode: 802.3ad\n      interfaces: [e0, e1]\n      parameters:\n        mii-monitor-interval: 100\n    gateway4: 192.0.2.1\n",
    )
    .unwrap();
    let out = hostnet().args(["check", f.to_str().unwrap()]).assert().code(65).get_output().clone();
    let err = String::from_utf8(out.stderr).unwrap().replace(f.to_str().unwrap(), "F");
    assert_eq!(
        err,
        "error: F:5:7: interfaces[0].bond.interfaces: unknown field: `interfaces` is netplan's name; hostnet writes `ports: [...]`\n\
         error: F:6:7: interfaces[0].bond.parameters: unknown field: `parameters` is netplan's name; hostnet writes the settings themselves, directly under `bond:`\n\
         error: F:8:5: interfaces[0].gateway4: unknown field: `gateway4` is netplan's name; hostnet writes `routes: [{dst: default, via: 192.0.2.1}]`\n"
    );
}

/// A file that is not UTF-8 is placed by line and column, as every other problem.
#[test]
fn a_file_that_is_not_utf8_is_placed_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("latin1.yaml");
    std::fs::write(&f, b"interfaces:\n  - name: caf\xe9\n").unwrap();
    let out = hostnet().args(["check", f.to_str().unwrap()]).assert().code(65).get_output().clone();
    let err = String::from_utf8(out.stderr).unwrap().replace(f.to_str().unwrap(), "F");
    assert_eq!(
        err.trim(),
        "error: F:2:14: byte 0xe9 is not UTF-8 text; a config is UTF-8 (convert it with `iconv -t UTF-8`)"
    );
}

#[test]
fn plan_formats() {
    let f = example("stacked-bonds.yaml");
    // From an empty host: this machine has none of the example's NICs.
    let out = hostnet().args(["plan", "--offline", &f]).assert().success().get_output().clone();
    assert!(String::from_utf8(out.stdout).unwrap().contains("create       idmz1"));
    assert!(String::from_utf8(out.stderr).unwrap().ends_with("\nnote: planned from an empty host (--offline)\n"));
    let ip = hostnet().args(["plan", "--offline", "--format", "ip", &f]).assert().success().get_output().stdout.clone();
    let ip = String::from_utf8(ip).unwrap();
    assert!(ip.starts_with("#!/bin/sh"));
    assert!(ip.contains("ip link add name idmz type bond mode balance-alb miimon 100"));
    let json =
        hostnet().args(["plan", "--offline", "--format", "json", &f]).assert().success().get_output().stdout.clone();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["steps"][0]["op"], "rename");
}

#[test]
fn generated_ip_script_is_valid_shell() {
    for f in ["stacked-bonds.yaml", "vlan-bond-bridge.yaml", "single-nic.yaml"] {
        let ip = hostnet()
            .args(["plan", "--offline", "--format", "ip", &example(f)])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let status = std::process::Command::new("sh")
            .arg("-n")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(&ip)?;
                c.wait()
            })
            .unwrap();
        assert!(status.success(), "{f}: sh -n rejected the script");
    }
}

#[test]
fn systemd_unit_applies_in_boot_mode_before_network_online() {
    let unit = std::fs::read_to_string(format!("{}/../../dist/hostnet.service", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let line = |key: &str| unit.lines().find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("no {key}"));
    assert!(line("ExecStart=").contains("hostnet apply --boot /etc/hostnet/hostnet.yaml"));
    assert!(line("Before=").contains("network-online.target"));
    assert!(line("Type=").ends_with("oneshot"));
    // `--boot` must exist in the CLI the unit calls.
    let help = hostnet().args(["apply", "--help"]).assert().success().get_output().stdout.clone();
    assert!(String::from_utf8(help).unwrap().contains("--boot"));
}

#[test]
fn import_prints_a_config_that_check_accepts_and_lists_losses() {
    let f = format!("{}/../hostnet-convert/tests/fixtures/debian-interfaces", env!("CARGO_MANIFEST_DIR"));
    let out = hostnet().args(["import", "ifupdown", &f]).assert().success().get_output().clone();
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert!(yaml.contains("# Not carried over:") && yaml.contains("ipv6.disable_ipv6"), "{yaml}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("not carried over (2)"), "{stderr}");
    let dir = std::env::temp_dir().join(format!("hostnet-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("imported.yaml");
    std::fs::write(&p, &yaml).unwrap();
    hostnet().args(["check", p.to_str().unwrap()]).assert().success();
}

#[test]
fn export_writes_each_format() {
    let dir = std::env::temp_dir().join(format!("hostnet-export-{}", std::process::id()));
    for (fmt, file) in
        [("networkd", "20-hostnet-idmz.netdev"), ("netplan", "90-hostnet.yaml"), ("ifupdown", "interfaces")]
    {
        let d = dir.join(fmt);
        hostnet().args(["export", "--to", fmt, d.to_str().unwrap(), &example("stacked-bonds.yaml")]).assert().success();
        assert!(d.join(file).exists(), "{fmt}: {file} missing");
    }
}

#[test]
fn export_removes_only_its_own_stale_files_and_shows_a_diff_or_prints_instead() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let two = dir.path().join("two.yaml");
    let one = dir.path().join("one.yaml");
    std::fs::write(
        &two,
        "interfaces:\n  - {name: d0, dummy: {}}\n  - {name: d1, dummy: {}, addresses: [192.0.2.1/24]}\n",
    )
    .unwrap();
    std::fs::write(&one, "interfaces:\n  - {name: d0, dummy: {}}\n").unwrap();
    let export = |args: &[&str], file: &std::path::Path| {
        hostnet().args(["export", "--to", "networkd"]).args(args).arg(file).output().unwrap()
    };
    assert!(export(&[out.to_str().unwrap()], &two).status.success());
    // Someone else's file in the same directory.
    std::fs::write(out.join("10-mine.network"), "[Match]\nName=x\n").unwrap();
    let d = export(&["--diff", out.to_str().unwrap()], &one);
    let text = String::from_utf8_lossy(&d.stdout);
    assert_eq!(d.status.code(), Some(1), "{text}");
    assert!(text.contains("20-hostnet-d1.netdev\n+++ /dev/null") && !text.contains("10-mine"), "{text}");
    assert!(out.join("20-hostnet-d1.netdev").exists(), "--diff wrote");
    let w = export(&[out.to_str().unwrap()], &one);
    assert!(String::from_utf8_lossy(&w.stdout).contains("removed"), "{w:?}");
    assert!(!out.join("20-hostnet-d1.netdev").exists() && !out.join("30-hostnet-d1.network").exists());
    assert!(out.join("10-mine.network").exists() && out.join("20-hostnet-d0.netdev").exists());
    let same = export(&["--diff", out.to_str().unwrap()], &one);
    assert_eq!(same.status.code(), Some(0), "{same:?}");
    // `-` and --stdout print, and write nothing.
    for args in [&["-"][..], &["--stdout", "unused"][..]] {
        let p = export(args, &one);
        let text = String::from_utf8_lossy(&p.stdout);
        assert!(p.status.success() && text.starts_with("### 20-hostnet-d0.netdev\n[NetDev]"), "{text}");
    }
    assert!(!std::path::Path::new("-").exists() && !std::path::Path::new("unused").exists());
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    let dir = std::env::temp_dir().join(format!("hostnet-cli-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("many.yaml");
    // A plan far bigger than a pipe's buffer, so hostnet is still writing when the reader goes.
    let mut y = String::from("interfaces:\n");
    for i in 0..3000 {
        y.push_str(&format!("  - {{name: v{i}, veth: {{peer: p{i}}}}}\n  - {{name: p{i}, veth: {{peer: v{i}}}}}\n"));
    }
    std::fs::write(&f, y).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("hostnet"))
        .args(["plan", "--offline", "--format", "ip", f.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "stderr was:\n{err}");
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "like any filter, ended by SIGPIPE");
}

#[test]
fn an_endless_input_stops_at_the_size_limit_with_an_error_naming_it() {
    let out = hostnet().args(["check", "/dev/zero"]).timeout(std::time::Duration::from_secs(30)).assert().code(65);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(err.trim(), "error: /dev/zero is larger than 64 MiB, the most hostnet reads as a config");
}

#[test]
fn a_config_past_the_yaml_parsers_default_limits_is_read() {
    // 70,000 interfaces are 280,000 YAML nodes: the parser's default budget (250,000) failed
    // them with debug text ("budget breached: Nodes { nodes: 250001 }"). hostnet's limit is
    // 8,000,000 nodes, beyond what a 64 MiB file can hold for interfaces.
    let dir = std::env::temp_dir().join(format!("hostnet-cli-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("big.yaml");
    let mut text = String::from("interfaces:\n");
    for i in 0..70_000 {
        text.push_str(&format!("  - name: d{i}\n    bridge: {{}}\n"));
    }
    std::fs::write(&f, text).unwrap();
    let out = hostnet().args(["check", f.to_str().unwrap()]).assert().success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("ok (70000 interfaces)"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// At a terminal each problem is shown once, in the underlined source, with no internal code;
/// `script` gives the command a terminal.
#[test]
fn at_a_terminal_each_problem_is_rendered_once() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.yaml");
    std::fs::write(&f, "interfaces:\n  - name: e0\n    ethernet: {}\n    bogus: 1\n").unwrap();
    let bin = assert_cmd::cargo::cargo_bin("hostnet");
    let cmd = format!("{} check {}", bin.display(), f.display());
    let out = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("NO_COLOR", "1")
        .output()
        .expect("script (util-linux) gives the command a terminal");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(65), "{text}");
    assert_eq!(text.matches("unknown field `bogus`").count(), 1, "{text}");
    assert!(text.contains("1 problem in") && text.contains("4 │     bogus: 1"), "{text}");
    assert!(!text.contains("hostnet::") && !text.contains("error: "), "{text}");
}

/// A netplan directory is read as netplan reads it: its *.yaml files by name.
#[test]
fn import_netplan_reads_a_directory_in_file_name_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("90-late.yaml"), "network:\n  version: 2\n  ethernets:\n    eth1: {dhcp4: true}\n")
        .unwrap();
    std::fs::write(dir.path().join("01-early.yaml"), "network:\n  version: 2\n  ethernets:\n    eth0: {dhcp4: true}\n")
        .unwrap();
    std::fs::write(dir.path().join("README"), "not netplan").unwrap();
    let out =
        hostnet().args(["import", "netplan", dir.path().to_str().unwrap()]).assert().success().get_output().clone();
    let text = String::from_utf8(out.stdout).unwrap();
    let (e0, e1) = (text.find("name: eth0").unwrap(), text.find("name: eth1").unwrap());
    assert!(e0 < e1, "{text}");
    let empty = tempfile::tempdir().unwrap();
    let out =
        hostnet().args(["import", "netplan", empty.path().to_str().unwrap()]).assert().code(66).get_output().clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("no netplan files (*.yaml) in"));
}
