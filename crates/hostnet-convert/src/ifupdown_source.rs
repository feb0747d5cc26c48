//! Reading /etc/network/interfaces as ifup does: `source` and `source-directory` lines pull in
//! other files where they stand (Debian's default file is little more than
//! `source /etc/network/interfaces.d/*`), so an import sees every stanza ifup would.

use std::path::{Path, PathBuf};

use crate::Imported;
use crate::ifupdown::{Fragment, import_fragments};

/// How deep `source` lines may nest before the import gives up (ifupdown itself has no limit,
/// but a file sourcing itself must end somewhere).
const MAX_DEPTH: usize = 8;

/// Imports an interfaces(5) file and everything it sources. An unreadable file, a glob with
/// no match or a `source` loop is an error naming the line; a glob matching nothing is not
/// (ifup accepts that too).
pub fn import_path(path: &Path) -> Result<Imported, String> {
    let mut fragments = Vec::new();
    collect(path, 0, &mut fragments, &mut Vec::new())?;
    if fragments.is_empty() {
        fragments.push(Fragment { file: path.display().to_string(), first_line: 1, text: String::new() });
    }
    Ok(import_fragments(&fragments))
}

fn collect(path: &Path, depth: usize, out: &mut Vec<Fragment>, stack: &mut Vec<PathBuf>) -> Result<(), String> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {file}: {e}"))?;
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if stack.contains(&canonical) || depth > MAX_DEPTH {
        return Err(format!("{file} is sourced from within itself (or nested over {MAX_DEPTH} deep)"));
    }
    stack.push(canonical);
    let dir = path.parent().unwrap_or(Path::new("/"));
    let (mut start, mut run) = (1, String::new());
    for (i, line) in text.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let included = match words.as_slice() {
            ["source", pattern] => Some(glob(&dir.join(pattern)).map_err(|e| format!("{file}:{}: {e}", i + 1))?),
            ["source-directory", d] => Some(run_parts(&dir.join(d)).map_err(|e| format!("{file}:{}: {e}", i + 1))?),
            _ => None,
        };
        match included {
            Some(files) => {
                out.push(Fragment { file: file.clone(), first_line: start, text: std::mem::take(&mut run) });
                for f in files {
                    collect(&f, depth + 1, out, stack)?;
                }
                start = i + 2;
            }
            None => {
                run.push_str(line);
                run.push('\n');
            }
        }
    }
    out.push(Fragment { file, first_line: start, text: run });
    stack.pop();
    Ok(())
}

/// The files a `source` pattern names, sorted as the shell's glob sorts them. Wildcards
/// (`*`, `?`) are read in the last component only, which is where Debian's files put them.
fn glob(pattern: &Path) -> Result<Vec<PathBuf>, String> {
    let name = pattern.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if !name.contains(['*', '?']) {
        return Ok(vec![pattern.to_path_buf()]);
    }
    let dir = pattern.parent().unwrap_or(Path::new("/"));
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(format!("cannot list {}: {e}", dir.display())),
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
        .filter(|e| {
            e.file_name().to_str().is_some_and(|n| !n.starts_with('.') && matches(name.as_bytes(), n.as_bytes()))
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    Ok(out)
}

/// The files `source-directory` reads: as run-parts, names of letters, digits, `_` and `-`.
fn run_parts(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    Ok(out)
}

fn matches(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some(b'*'), _) => matches(&pattern[1..], name) || (!name.is_empty() && matches(pattern, &name[1..])),
        (Some(b'?'), Some(_)) => matches(&pattern[1..], &name[1..]),
        (Some(p), Some(n)) if p == n => matches(&pattern[1..], &name[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sourced_files_are_read_where_they_stand_and_named_in_losses() {
        let d = tempfile::tempdir().unwrap();
        let sub = d.path().join("interfaces.d");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("bond0"), "auto bond0\niface bond0 inet static\n  address 10.0.0.10/24\n  bond-slaves eth0 eth1\n  bond-mode 802.3ad\n  frobnicate yes\n").unwrap();
        std::fs::write(sub.join(".hidden"), "iface x inet dhcp\n").unwrap();
        let main = d.path().join("interfaces");
        std::fs::write(&main, format!("auto lo\niface lo inet loopback\n\nsource {}/*\n\nauto br0\niface br0 inet dhcp\n  bridge_ports eth2\n  wibble 1\n", sub.display())).unwrap();
        let i = import_path(&main).unwrap();
        let names: Vec<&str> = i.config.interfaces.iter().map(|i| i.name.as_str()).collect();
        assert!(names.contains(&"bond0") && names.contains(&"br0") && !names.contains(&"x"), "{names:?}");
        let at: Vec<&str> = i.lost.iter().map(|l| l.at.as_str()).collect();
        assert!(at.contains(&format!("{}:6", sub.join("bond0").display()).as_str()), "{at:?}");
        assert!(at.contains(&format!("{}:9", main.display()).as_str()), "{at:?}");
    }

    #[test]
    fn a_file_that_sources_itself_is_an_error_not_a_hang() {
        let d = tempfile::tempdir().unwrap();
        let main = d.path().join("interfaces");
        std::fs::write(&main, "source interfaces\n").unwrap();
        assert!(import_path(&main).err().unwrap().contains("within itself"));
    }

    #[test]
    fn globs_match_as_the_shell_does() {
        assert!(matches(b"*", b"bond0"));
        assert!(matches(b"*.cfg", b"a.cfg") && !matches(b"*.cfg", b"a.cfgx"));
        assert!(matches(b"e?h*", b"eth0") && !matches(b"e?h", b"eth0"));
    }
}
