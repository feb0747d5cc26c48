//! Where an export's files go: printed, compared with what a directory holds, or written there
//! with a record of what hostnet wrote, so that a later export removes its own stale files
//! (a bond dropped from the config must not live on in a `.netdev`) and nothing else.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::EXIT_FAILED;

/// The record of an export's files, beside them.
const MANIFEST: &str = ".hostnet-export";

pub enum To {
    Stdout,
    Diff(PathBuf),
    Dir(PathBuf),
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Manifest {
    format: String,
    files: Vec<String>,
}

/// Hands `files` (name, text) of format `format` to `to`; files are written with `mode`.
pub fn deliver(to: &To, format: &str, files: &[(String, String)], mode: u32) -> ExitCode {
    match to {
        To::Stdout => {
            for (name, text) in files {
                println!("### {name}");
                print!("{text}");
                if !text.ends_with('\n') {
                    println!();
                }
            }
            ExitCode::SUCCESS
        }
        To::Diff(dir) => diff(dir, format, files),
        To::Dir(dir) => write(dir, format, files, mode),
    }
}

fn manifest(dir: &Path) -> Manifest {
    std::fs::read_to_string(dir.join(MANIFEST)).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
}

/// The files an earlier export of the same format wrote that this one does not.
fn stale(dir: &Path, format: &str, files: &[(String, String)]) -> Vec<String> {
    let m = manifest(dir);
    if m.format != format {
        return Vec::new();
    }
    m.files.into_iter().filter(|f| !files.iter().any(|(n, _)| n == f) && safe_name(f)).collect()
}

/// A plain file name: a manifest edited to say `../etc/passwd` names nothing hostnet removes.
fn safe_name(f: &str) -> bool {
    !f.is_empty() && !f.contains('/') && f != "." && f != ".."
}

fn diff(dir: &Path, format: &str, files: &[(String, String)]) -> ExitCode {
    let mut differs = false;
    for (name, text) in files {
        let p = dir.join(name);
        let have = std::fs::read_to_string(&p).unwrap_or_default();
        if have != *text {
            differs = true;
            let d = similar::TextDiff::from_lines(have.as_str(), text.as_str());
            let old = if p.exists() { p.display().to_string() } else { "/dev/null".into() };
            print!("{}", d.unified_diff().header(&old, &p.display().to_string()));
        }
    }
    for f in stale(dir, format, files) {
        let p = dir.join(&f);
        if let Ok(have) = std::fs::read_to_string(&p) {
            differs = true;
            let d = similar::TextDiff::from_lines(have.as_str(), "");
            print!("{}", d.unified_diff().header(&p.display().to_string(), "/dev/null"));
        }
    }
    if differs { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn write(dir: &Path, format: &str, files: &[(String, String)], mode: u32) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("error: {}: {e}", dir.display());
        return ExitCode::from(EXIT_FAILED);
    }
    let old = stale(dir, format, files);
    for (name, text) in files {
        let p = dir.join(name);
        // Made afresh with its mode, so no content is ever readable under another, and a
        // symlink planted in DIR is not written through.
        let written = hostnet_netlink::private::create_new_with_mode(&p, mode)
            .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
        if let Err(e) = written {
            eprintln!("error: {}: {e}", p.display());
            return ExitCode::from(EXIT_FAILED);
        }
        println!("wrote {}", p.display());
    }
    for f in old {
        let p = dir.join(&f);
        // Only a regular file hostnet wrote; a symlink or directory put there since is not ours.
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_file()) {
            match std::fs::remove_file(&p) {
                Ok(()) => println!("removed {} (an earlier export's; this one no longer writes it)", p.display()),
                Err(e) => eprintln!("warning: {}: {e}", p.display()),
            }
        }
    }
    let m = Manifest { format: format.to_string(), files: files.iter().map(|(n, _)| n.clone()).collect() };
    let text = serde_json::to_string_pretty(&m).expect("a manifest serializes") + "\n";
    let recorded = hostnet_netlink::private::create_new_with_mode(&dir.join(MANIFEST), 0o644)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
    if let Err(e) = recorded {
        eprintln!("warning: {}: {e}; a later export cannot tell its stale files", dir.join(MANIFEST).display());
    }
    ExitCode::SUCCESS
}
