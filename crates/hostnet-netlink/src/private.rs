//! Files no other local user can read, plant or steer: the state directory is a 0700
//! directory owned by us (refused when it is a symlink or someone else's), and each file in it
//! is 0600, opened without following symlinks, and replaced whole by a rename.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

fn refuse(dir: &Path, why: String) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::PermissionDenied,
        format!("state directory {}: {why}; remove it, or give --state-dir a directory of root's", dir.display()),
    )
}

/// Makes `dir` (and missing parents) mode 0700, or checks the one that is there: a directory,
/// not a symlink, owned by this process's user. One of ours with looser permissions is
/// tightened: nobody else could have made it.
pub fn ensure_dir(dir: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            match std::fs::DirBuilder::new().mode(0o700).create(dir) {
                // Made meanwhile by a racing hostnet (or someone else): checked below.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                r => r?,
            }
            ensure_dir_is_ours(dir)
        }
        Err(e) => Err(e),
        Ok(_) => ensure_dir_is_ours(dir),
    }
}

fn ensure_dir_is_ours(dir: &Path) -> std::io::Result<()> {
    let m = std::fs::symlink_metadata(dir)?;
    if m.file_type().is_symlink() {
        return Err(refuse(dir, "is a symbolic link".into()));
    }
    if !m.is_dir() {
        return Err(refuse(dir, "is not a directory".into()));
    }
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    if m.uid() != me {
        return Err(refuse(dir, format!("is owned by uid {}, not {me}", m.uid())));
    }
    if m.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Opens (creating) `path` for reading and writing, 0600, refusing a symlink in its place.
pub fn open_rw(path: &Path, truncate: bool) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(truncate)
        .read(true)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

/// Opens (creating) `path` to append to, 0600, refusing a symlink in its place: a log.
pub fn open_append(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).mode(0o600).custom_flags(libc::O_NOFOLLOW).open(path)
}

/// Creates `path` afresh, 0600: an existing file or symlink there is removed first, and the
/// new one is made with O_EXCL, so a symlink planted between the two is not followed.
pub fn create_new(path: &Path) -> std::io::Result<File> {
    create_new_with_mode(path, 0o600)
}

/// [`create_new`] with another mode, for the few files root writes for everyone to read
/// (resolv.conf).
pub fn create_new_with_mode(path: &Path, mode: u32) -> std::io::Result<File> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    OpenOptions::new().create_new(true).write(true).mode(mode).custom_flags(libc::O_NOFOLLOW).open(path)
}

/// Replaces `path` with `bytes` whole: written to a new 0600 file beside it, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = create_new(&tmp)?;
    f.write_all(bytes)?;
    drop(f);
    std::fs::rename(tmp, path)
}

/// Reads `path` without following a symlink; `None` if it is not there.
pub fn read(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let f = OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(path);
    match f {
        Ok(mut f) => {
            let mut b = Vec::new();
            f.read_to_end(&mut b)?;
            Ok(Some(b))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("hostnet-private-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let _ = std::fs::remove_file(&d);
        d
    }

    #[test]
    fn the_directory_is_made_0700_and_a_loose_one_of_ours_is_tightened() {
        let d = scratch("mode");
        ensure_dir(&d).unwrap();
        assert_eq!(std::fs::metadata(&d).unwrap().mode() & 0o777, 0o700);
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
        ensure_dir(&d).unwrap();
        assert_eq!(std::fs::metadata(&d).unwrap().mode() & 0o777, 0o700);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_symlink_in_place_of_the_directory_is_refused() {
        let d = scratch("link");
        let target = scratch("link-target");
        std::fs::create_dir_all(&target).unwrap();
        std::os::unix::fs::symlink(&target, &d).unwrap();
        let e = ensure_dir(&d).unwrap_err();
        assert!(e.to_string().contains("is a symbolic link"), "{e}");
        std::fs::remove_file(&d).unwrap();
        std::fs::remove_dir_all(&target).unwrap();
    }

    #[test]
    fn a_planted_symlink_is_neither_followed_nor_truncated_through() {
        let d = scratch("plant");
        ensure_dir(&d).unwrap();
        let victim = d.join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let planted = d.join("pending.json");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        // Reading refuses to follow it; replacing it replaces the link, not the file.
        assert!(read(&planted).is_err());
        assert!(open_rw(&planted, true).is_err());
        write_atomic(&planted, b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!std::fs::symlink_metadata(&planted).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::metadata(&planted).unwrap().mode() & 0o777, 0o600);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
