//! The rules of WireGuard links: keys by file only (never inline), valid public keys, one
//! entry per peer, allowed IPs without host bits (the kernel would mask them, and the read-back
//! would never match).

use rustc_hash::FxHashSet as HashSet;

use crate::diag::Reporter;
use crate::model::wireguard::{Wireguard, decode_key};

pub(crate) fn check(w: &Wireguard, at: &str, rep: &mut Reporter<'_>) {
    let at = format!("{at}.wireguard");
    let never_inline = "a key is never written in the config, where backups, exports and `show` would copy it: \
                        put it in a file of mode 0600 and name that file";
    if w.private_key.is_some() {
        rep.error(format!("{at}.private_key"), format!("{never_inline} with private_key_file"));
    }
    match &w.private_key_file {
        None if w.private_key.is_none() => {
            rep.error(at.clone(), "a WireGuard link needs private_key_file (a file as `wg genkey` writes it)")
        }
        Some(p) if !p.is_absolute() => {
            rep.error(format!("{at}.private_key_file"), format!("`{}` is not an absolute path", p.display()))
        }
        _ => {}
    }
    let mut seen = HashSet::default();
    for (j, p) in w.peers.iter().enumerate() {
        let at = format!("{at}.peers[{j}]");
        if decode_key(&p.public_key).is_none() {
            rep.error(
                format!("{at}.public_key"),
                "not a WireGuard public key (44 base64 characters, as `wg pubkey` writes)",
            );
        } else if !seen.insert(p.public_key.as_str()) {
            rep.error(format!("{at}.public_key"), "this peer is listed twice");
        }
        if p.preshared_key.is_some() {
            rep.error(format!("{at}.preshared_key"), format!("{never_inline} with preshared_key_file"));
        }
        if let Some(f) = &p.preshared_key_file
            && !f.is_absolute()
        {
            rep.error(format!("{at}.preshared_key_file"), format!("`{}` is not an absolute path", f.display()));
        }
        for (k, c) in p.allowed_ips.iter().enumerate() {
            if c.0.addr() != c.0.network() {
                rep.error(
                    format!("{at}.allowed_ips[{k}]"),
                    format!("{c} has host bits set; the network is {}/{}", c.0.network(), c.0.prefix_len()),
                );
            }
        }
    }
}
