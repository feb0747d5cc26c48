//! The install story, checked the way a user meets it: `cargo deb` builds the Debian package, its
//! contents are where Debian expects them, and the hostnet inside it runs. Ignored by a plain
//! `cargo test`; the README's test command runs it (.ci/run installs cargo-deb) and it fails,
//! never skips, when cargo-deb is missing.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
#[ignore = "builds the release binary and the .deb with cargo-deb"]
fn the_debian_package_holds_hostnet_units_man_pages_and_completions() {
    let out = Command::new("cargo")
        .current_dir(root())
        .args(["deb", "-p", "hostnet", "--strip", "--output", "target/debian/"])
        .output()
        .expect("run cargo deb (install it with `cargo install cargo-deb`)");
    assert!(out.status.success(), "cargo deb failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let deb = String::from_utf8(out.stdout).unwrap().lines().last().unwrap().trim().to_string();
    let deb = if deb.starts_with('/') { PathBuf::from(deb) } else { root().join(deb) };
    assert!(deb.exists(), "no package at {}", deb.display());

    let list = Command::new("dpkg-deb").arg("-c").arg(&deb).output().expect("dpkg-deb");
    let list = String::from_utf8(list.stdout).unwrap();
    for want in [
        "./usr/sbin/hostnet",
        "./lib/systemd/system/hostnetd.service",
        "./lib/systemd/system/hostnet.service",
        "./lib/udev/rules.d/90-hostnet.rules",
        "./etc/hostnet/hostnet.yaml.example",
        "./usr/share/man/man1/hostnet.1",
        "./usr/share/man/man1/hostnet-apply.1",
        "./usr/share/man/man1/hostnet-daemon.1",
        "./usr/share/bash-completion/completions/hostnet",
        "./usr/share/zsh/vendor-completions/_hostnet",
        "./usr/share/fish/vendor_completions.d/hostnet.fish",
        "./usr/lib/hostnet/hostnet-vm",
        "./usr/share/hostnet/examples/lab/stacked-bonds.lab.yaml",
    ] {
        assert!(list.lines().any(|l| l.contains(want)), "{want} missing from the package:\n{list}");
    }
    // The config is a conffile that declares nothing: installing changes no host's network, and
    // an admin's edits survive upgrades.
    let conffiles = Command::new("dpkg-deb").arg("-I").arg(&deb).arg("conffiles").output().expect("dpkg-deb -I");
    let conffiles = String::from_utf8_lossy(&conffiles.stdout).to_string();
    assert!(conffiles.lines().any(|l| l == "/etc/hostnet/hostnet.yaml"), "{conffiles}");
    for script in ["postinst", "prerm", "postrm"] {
        let s = Command::new("dpkg-deb").arg("-I").arg(&deb).arg(script).output().expect("dpkg-deb -I");
        assert!(s.status.success() && String::from_utf8_lossy(&s.stdout).starts_with("#!/bin/sh"), "no {script}");
    }

    // The size target of BENCHMARKS.md, "Binary size".
    let bin = list.lines().find(|l| l.ends_with("./usr/sbin/hostnet")).expect("the binary");
    let bytes: u64 = bin.split_whitespace().nth(2).and_then(|b| b.parse().ok()).expect("a size column");
    assert!(bytes < 22_000_000, "/usr/sbin/hostnet is {bytes} bytes, over the 22 MB target");

    let dest = std::env::temp_dir().join(format!("hostnet-deb-{}", std::process::id()));
    let st = Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&dest).status().expect("dpkg-deb -x");
    assert!(st.success());
    let v = Command::new(dest.join("usr/sbin/hostnet")).arg("--version").output().expect("run packaged hostnet");
    assert_eq!(String::from_utf8_lossy(&v.stdout).trim(), format!("hostnet {}", env!("CARGO_PKG_VERSION")));
    let plan = Command::new(dest.join("usr/sbin/hostnet"))
        .arg("plan")
        .arg(dest.join("etc/hostnet/hostnet.yaml"))
        .output()
        .expect("plan the packaged config");
    assert!(String::from_utf8_lossy(&plan.stdout).starts_with("nothing to do"), "{plan:?}");
    let _ = std::fs::remove_dir_all(&dest);
}
