//! Runs each cargo-fuzz target (fuzz/) for a bounded time, seeded from the examples and the
//! converter fixtures: a panic anywhere in parse -> validate -> plan or in the importers fails it.
//! Needs nightly and cargo-fuzz (.ci/run installs both); fails, never skips, without them.
//! The long runs behind RELIABILITY.md are `fuzz/run.sh`.

use std::path::PathBuf;
use std::process::Command;

#[test]
#[ignore = "needs nightly and cargo-fuzz"]
fn fuzz_targets_find_no_panic_in_a_bounded_run() {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let secs = std::env::var("HOSTNET_FUZZ_SECS").unwrap_or_else(|_| "20".into());
    let out = Command::new(fuzz.join("run.sh")).args(["--seconds", &secs]).output().expect("run fuzz/run.sh");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "fuzzing failed:\n{}", &text[text.len().saturating_sub(6000)..]);
}
