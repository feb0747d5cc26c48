//! WireGuard links. The private key (and each peer's preshared key) is named by a file path,
//! never written in the config: hostnet reads the file (mode 0600 enforced) when it applies and
//! keeps the key out of every output, log, error, plan and journal.
//!
//! ```yaml
//! - name: wg0
//!   wireguard:
//!     private_key_file: /etc/hostnet/wg0.key      # as `wg genkey` writes it, mode 0600
//!     listen_port: 51820
//!     peers:
//!       - public_key: "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
//!         allowed_ips: [10.9.0.2/32, 192.168.50.0/24]
//!         endpoint: "198.51.100.7:51820"
//!         persistent_keepalive: 25
//!   addresses: [10.9.0.1/24]
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;

use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize};

use crate::model::Cidr;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wireguard {
    /// The file holding the base64 private key. Read back from the host, it is the declared
    /// file when the device's key equals that file's, or the copy hostnet saved of the key the
    /// device had (so that an undo can put it back); `None` when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key_file: Option<PathBuf>,
    /// A key written into the config: refused by validation, and never printed.
    #[serde(default, skip_serializing)]
    pub private_key: Option<Inline>,
    /// UDP port; unset: the kernel picks one (and keeps it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen_port: Option<u16>,
    /// Mark of the tunnel's own packets, for policy routing; unset: 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fwmark: Option<u32>,
    /// The whole peer list: peers the device has and the config lacks are removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<Peer>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Peer {
    /// The peer's public key, base64 as `wg pubkey` writes it.
    pub public_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preshared_key_file: Option<PathBuf>,
    #[serde(default, skip_serializing)]
    pub preshared_key: Option<Inline>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_ips: Vec<Cidr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<SocketAddr>,
    /// Seconds between keepalives; unset or 0: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_keepalive: Option<u16>,
}

/// Whatever was written where a key file belongs. Its text is dropped while parsing, so no
/// error, debug print or export can show it.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Inline;

impl std::fmt::Debug for Inline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<'de> Deserialize<'de> for Inline {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Inline)
    }
}

/// The 32 bytes of a base64 WireGuard key, or `None`.
pub fn decode_key(text: &str) -> Option<[u8; 32]> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()?;
    bytes.try_into().ok()
}

/// A key's base64 text (for public keys only: they are not secret).
pub fn encode_key(key: &[u8; 32]) -> String {
    base64::engine::general_purpose::STANDARD.encode(key)
}

impl Peer {
    fn keepalive(&self) -> u16 {
        self.persistent_keepalive.unwrap_or(0)
    }

    fn ips(&self) -> Vec<Cidr> {
        let mut v = self.allowed_ips.clone();
        v.sort_by_key(|c| (c.0.addr(), c.0.prefix_len()));
        v
    }
}

impl Wireguard {
    /// Whether a device with `have`'s settings is this one: same key file, the settings this
    /// one sets, and the same peers (in any order).
    pub fn satisfied_by(&self, have: &Wireguard) -> bool {
        let set = |w: Option<u32>, h: Option<u32>| w.is_none() || w == h;
        let mut want: Vec<&Peer> = self.peers.iter().collect();
        let mut got: Vec<&Peer> = have.peers.iter().collect();
        want.sort_by(|a, b| a.public_key.cmp(&b.public_key));
        got.sort_by(|a, b| a.public_key.cmp(&b.public_key));
        self.private_key_file == have.private_key_file
            && set(self.listen_port.map(u32::from), have.listen_port.map(u32::from))
            && self.fwmark.unwrap_or(0) == have.fwmark.unwrap_or(0)
            && want.len() == got.len()
            && want.iter().zip(&got).all(|(w, h)| {
                w.public_key == h.public_key
                    && w.preshared_key_file == h.preshared_key_file
                    && w.ips() == h.ips()
                    // Undeclared, the endpoint is whatever the peer last sent from.
                    && (w.endpoint.is_none() || w.endpoint == h.endpoint)
                    && w.keepalive() == h.keepalive()
            })
    }
}
