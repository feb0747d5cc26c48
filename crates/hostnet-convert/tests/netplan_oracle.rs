//! netplan's own generator as the judge of `export --to netplan`: every export of the
//! repository's examples and of a config of every kind must be accepted by the `netplan
//! generate` Debian 12 ships (0.106), which refuses a whole file over one key it does not know.
//!
//! The generator comes from Debian's netplan.io and libnetplan0 packages, unpacked (not
//! installed) under target/netplan by .ci/run; the test fails, saying so, where it is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use hostnet_convert::netplan;

fn netplan_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/netplan");
    assert!(
        root.join("usr/libexec/netplan/generate").exists(),
        "{} has no netplan generator: .ci/run unpacks Debian's netplan.io and libnetplan0 there",
        root.display()
    );
    root
}

/// Runs `netplan generate` on `yaml` as /etc/netplan/90-hostnet.yaml of a scratch root;
/// returns what it wrote for networkd, or its complaint.
fn generate(yaml: &str) -> Result<Vec<(String, String)>, String> {
    let np = netplan_root();
    let root = tempfile::tempdir().unwrap();
    let etc = root.path().join("etc/netplan");
    std::fs::create_dir_all(&etc).unwrap();
    let f = etc.join("90-hostnet.yaml");
    std::fs::write(&f, yaml).unwrap();
    std::fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let out = Command::new(np.join("usr/libexec/netplan/generate"))
        .arg("--root-dir")
        .arg(root.path())
        .env("LD_LIBRARY_PATH", np.join("usr/lib/x86_64-linux-gnu"))
        .output()
        .expect("run netplan generate");
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    if !out.status.success() || said.contains("Error") {
        return Err(said);
    }
    let dir = root.path().join("run/systemd/network");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .map(|d| {
            d.map(|e| {
                let p = e.unwrap().path();
                (p.file_name().unwrap().to_string_lossy().to_string(), std::fs::read_to_string(&p).unwrap())
            })
            .collect()
        })
        .unwrap_or_default();
    files.sort();
    Ok(files)
}

const EVERY_KIND: &str = r#"
interfaces:
  - { name: e0, ethernet: { match: { mac: "52:54:00:00:00:01" } }, mtu: 9000 }
  - { name: e1, ethernet: {} }
  - { name: b0, bond: { mode: 802.3ad, ports: [e0, e1], miimon: 100, lacp_rate: fast } }
  - { name: b0.10, vlan: { base: b0, id: 10 }, addresses: [192.0.2.2/24], routes: [{ dst: 198.51.100.0/24, via: 192.0.2.254, initcwnd: 20, initrwnd: 30 }] }
  - { name: v0, veth: { peer: v1 } }
  - { name: v1, veth: { peer: v0 } }
  - { name: br0, bridge: { ports: [v1], stp: false }, addresses: [198.51.100.1/24], vrf: blue }
  - { name: d0, dummy: {}, addresses: [203.0.113.1/32] }
  - { name: blue, vrf: { table: 10 } }
  - { name: vx0, vxlan: { vni: 42, remote: 192.0.2.9, local: 192.0.2.2 } }
  - { name: lo, loopback: {}, addresses: [192.0.2.53/32, "2001:db8::53/128"] }
"#;

#[test]
fn netplan_0_106_accepts_every_export() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut configs: Vec<(String, hostnet_core::Config)> =
        vec![("every kind".into(), hostnet_core::load("every-kind.yaml", EVERY_KIND).unwrap())];
    for e in std::fs::read_dir(&examples).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "yaml") {
            configs.push((p.display().to_string(), hostnet_core::load_file(&p).unwrap()));
        }
    }
    let mut refused = Vec::new();
    for (from, config) in &configs {
        let exported = netplan::export(config);
        match generate(&exported.files[0].1) {
            Ok(files) => assert!(!files.is_empty(), "{from}: netplan wrote nothing for networkd"),
            Err(e) => refused.push(format!("{from}:\n{e}\n{}", exported.files[0].1)),
        }
    }
    assert!(refused.is_empty(), "netplan 0.106 refused:\n{}", refused.join("\n"));
    // What 0.106 cannot read is left out and said so, not written for it to refuse.
    let every = netplan::export(&configs[0].1);
    for name in ["v0", "v1", "d0"] {
        assert!(
            every.lost.iter().any(|l| l.at == name && l.why.contains("netplan 0.106 has no")),
            "{name}: {:?}",
            every.lost
        );
    }
    assert!(netplan::export_for(&configs[0].1, (0, 107)).files[0].1.contains("virtual-ethernets"));
    // lo's addresses and a route's TCP windows reach networkd through netplan's own generator.
    let files = generate(&every.files[0].1).unwrap();
    let network = |name: &str| {
        let m = format!("Name={name}\n");
        files
            .iter()
            .find(|(f, t)| f.ends_with(".network") && t.contains(&m))
            .map(|(_, t)| t.as_str())
            .unwrap_or_default()
    };
    let vlan = network("b0.10");
    assert!(vlan.contains("InitialCongestionWindow=20\nInitialAdvertisedReceiveWindow=30\n"), "{vlan}");
    let lo = network("lo");
    assert!(lo.contains("Address=192.0.2.53/32\nAddress=2001:db8::53/128\n"), "{files:?}");
}
