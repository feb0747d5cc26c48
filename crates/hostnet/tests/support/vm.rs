//! Running a script in the qemu micro-VM (vm/hostnet-vm), for tests of kernel features this
//! machine's kernel lacks. A VM that cannot run fails the test (exit 125), never skips it.

use std::path::PathBuf;
use std::process::Command;

/// Runs `script` in the VM with hostnet and `files` (name, contents) under /cfg.
pub fn vm(script: &str, files: &[(&str, &str)]) -> String {
    vm_with(script, &[], files)
}

/// As [`vm`], with more programs of this machine (and their libraries) in the VM's /usr/bin.
pub fn vm_with(script: &str, bins: &[&str], files: &[(&str, &str)]) -> String {
    vm_with_nics(script, bins, &[], files)
}

/// As [`vm_with`], with emulated NICs (qemu device models such as `virtio-net-pci`), each on a
/// hub of its own: eth0, eth1, ... in the VM.
pub fn vm_with_nics(script: &str, bins: &[&str], nics: &[&str], files: &[(&str, &str)]) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let tmp = std::env::temp_dir().join(format!("hostnet-vmtest-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&tmp).unwrap();
    let script_path = tmp.join("test.sh");
    std::fs::write(&script_path, script).unwrap();
    let mut cmd = Command::new(root.join("vm/hostnet-vm"));
    cmd.args(["--bin", env!("CARGO_BIN_EXE_hostnet")]);
    for b in bins {
        cmd.args(["--bin", b]);
    }
    for n in nics {
        cmd.args(["--nic", n]);
    }
    for (name, text) in files {
        let p = tmp.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        cmd.args(["--file", &format!("{}=/cfg/{name}", p.display())]);
    }
    let out = cmd.arg(&script_path).output().expect("run vm/hostnet-vm");
    let _ = std::fs::remove_dir_all(&tmp);
    let console = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let code = out.status.code().unwrap_or(-1);
    assert_ne!(code, 125, "the VM could not run:\n{}\n{console}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(code, 0, "the script failed inside the VM:\n{console}");
    console
}

pub fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

/// The text between `=== NAME` and the next `===` line of the console.
/// A section without the `warning:` lines a command printed on stderr, which the console
/// interleaves with the output (the seed's design draws the lab's design warning at every load).
pub fn without_warnings(text: &str) -> String {
    text.lines().filter(|l| !l.starts_with("warning: ")).collect::<Vec<_>>().join("\n")
}

pub fn section<'a>(console: &'a str, name: &str) -> &'a str {
    let start = console.find(&format!("=== {name}\n")).unwrap_or_else(|| panic!("no section {name}:\n{console}"));
    let rest = &console[start + name.len() + 5..];
    &rest[..rest.find("\n===").unwrap_or(rest.len())]
}
