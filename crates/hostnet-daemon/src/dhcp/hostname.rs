//! The host name from a DHCPv4 lease (`use_hostname: true`, option 12): set as the kernel's
//! host name, which systemd calls the transient one, as networkd does through hostnamed. A
//! static name in /etc/hostname wins and is left alone, as hostnamed leaves it.

use std::path::Path;

/// What became of the lease's name.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Set(String),
    Already(String),
    /// /etc/hostname names the host.
    Static(String),
}

/// The label the kernel gets from a lease's name: its first label, if it is a valid one.
pub fn label(name: &str) -> Option<&str> {
    let l = name.split('.').next()?;
    let ok = !l.is_empty()
        && l.len() <= 63
        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !l.starts_with('-')
        && !l.ends_with('-');
    ok.then_some(l)
}

pub fn take(name: &str, static_file: &Path) -> Result<Outcome, String> {
    let l = label(name).ok_or_else(|| format!("{name:?} is not a host name"))?;
    let fixed = std::fs::read_to_string(static_file).unwrap_or_default();
    let fixed = fixed.lines().map(str::trim).find(|x| !x.is_empty() && !x.starts_with('#'));
    if let Some(f) = fixed {
        return Ok(Outcome::Static(f.to_string()));
    }
    let mut buf = [0u8; 65];
    // SAFETY: gethostname writes at most buf.len() bytes into buf.
    let current = if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0 {
        let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        String::new()
    };
    if current == l {
        return Ok(Outcome::Already(current));
    }
    // SAFETY: l is a valid pointer to l.len() bytes.
    if unsafe { libc::sethostname(l.as_ptr().cast(), l.len()) } != 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(Outcome::Set(l.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_label_of_a_valid_name_is_taken() {
        assert_eq!(label("db1.lab.example"), Some("db1"));
        assert_eq!(label("db_1"), None);
        assert_eq!(label("-x"), None);
    }

    #[test]
    fn a_static_name_wins() {
        let f = std::env::temp_dir().join(format!("hostnet-hostname-{}", std::process::id()));
        std::fs::write(&f, "# comment\nfixed-name\n").unwrap();
        assert_eq!(take("other", &f), Ok(Outcome::Static("fixed-name".into())));
        let _ = std::fs::remove_file(f);
    }
}
