//! WireGuard devices over the kernel's "wireguard" generic netlink family
//! (netlink-packet-wireguard on genetlink): reading a device into the model, and setting its
//! key, port, mark and whole peer list.
//!
//! Keys are secrets. They live only in [`Key`] (zeroed on drop, no Debug), are read from files
//! of mode 0600, and never reach a message, log or journal: the model names key files. To undo
//! a key change, the key the device had is saved to a file of its own under the state
//! directory's `keys/` (mode 0600, on /run's tmpfs) and the read-back names that file.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use futures::StreamExt;
use hostnet_core::model::wireguard::{Peer, Wireguard, decode_key, encode_key};
use hostnet_core::model::{Cidr, Config, Kind};
use hostnet_core::state::State;
use netlink_packet_core::{NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload};
use netlink_packet_generic::GenlMessage;
use netlink_packet_wireguard::{
    WireguardAddressFamily, WireguardAllowedIp, WireguardAllowedIpAttr, WireguardAttribute, WireguardCmd,
    WireguardDeviceFlags, WireguardMessage, WireguardPeer, WireguardPeerAttribute, WireguardPeerFlags,
};

use crate::error::OpError;

/// A private or preshared key.
pub(crate) struct Key([u8; 32]);

impl Drop for Key {
    fn drop(&mut self) {
        for b in self.0.iter_mut() {
            // SAFETY: a plain write to an owned byte; volatile so the zeroing is not elided.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        // Constant time: which byte differs says nothing.
        self.0.iter().zip(other.0.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

/// A key file: a regular file no one but its owner may read, holding one base64 key.
pub(crate) fn read_key(path: &Path) -> Result<Key, OpError> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| OpError::other(format!("key file {shown}: {e}")))?;
    if !meta.is_file() {
        return Err(OpError::other(format!("key file {shown}: not a regular file")));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(OpError::other(format!(
            "key file {shown}: mode {:04o} lets others read the key; make it 0600 (chmod 600 {shown})",
            meta.mode() & 0o7777
        )));
    }
    if meta.len() > 256 {
        return Err(OpError::other(format!("key file {shown}: {} bytes; a key file holds one key", meta.len())));
    }
    let mut text = std::fs::read(path).map_err(|e| OpError::other(format!("key file {shown}: {e}")))?;
    let key = std::str::from_utf8(&text).ok().and_then(decode_key);
    text.iter_mut().for_each(|b| *b = 0);
    key.map(Key).ok_or_else(|| {
        OpError::other(format!("key file {shown}: not a WireGuard key (44 base64 characters, as `wg genkey` writes)"))
    })
}

/// Writes `key` to `dir/name` (mode 0600, in a 0700 directory) and returns the path.
fn save_key(dir: &Path, name: &str, key: &Key) -> Result<PathBuf, OpError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| OpError::other(format!("{}: {e}", dir.display())))?;
    let path = dir.join(name);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| OpError::other(format!("{}: {e}", path.display())))?;
    let mut text = encode_key(&key.0).into_bytes();
    text.push(b'\n');
    let r = f.write_all(&text);
    text.iter_mut().for_each(|b| *b = 0);
    r.map_err(|e| OpError::other(format!("{}: {e}", path.display())))?;
    Ok(path)
}

/// One device as the kernel reports it; keys stay [`Key`]s.
struct Device {
    private_key: Option<Key>,
    listen_port: u16,
    fwmark: u32,
    /// Each peer with its preshared key.
    peers: Vec<(Option<Key>, Peer)>,
}

impl Device {
    /// Port and mark as the model says them (unset for the kernel's 0); no key, no peers.
    fn settings(&self) -> Wireguard {
        Wireguard {
            listen_port: (self.listen_port != 0).then_some(self.listen_port),
            fwmark: (self.fwmark != 0).then_some(self.fwmark),
            ..Default::default()
        }
    }
}

fn nonzero(k: [u8; 32]) -> Option<Key> {
    (k != [0; 32]).then_some(Key(k))
}

async fn request(msg: WireguardMessage, flags: u16) -> Result<Vec<WireguardMessage>, OpError> {
    let (conn, mut handle, _) = genetlink::new_connection().map_err(|e| OpError::other(format!("genetlink: {e}")))?;
    tokio::spawn(conn);
    let mut nl = NetlinkMessage::from(GenlMessage::from_payload(msg));
    nl.header.flags = flags;
    // Without the module the family does not resolve; say so rather than "no such family".
    let mut replies = handle
        .request(nl)
        .await
        .map_err(|e| OpError::other(format!("WireGuard netlink family: {e} (is the wireguard module loaded?)")))?;
    let mut out = Vec::new();
    while let Some(r) = replies.next().await {
        let r = r.map_err(|e| OpError::other(format!("WireGuard netlink: {e}")))?;
        match r.payload {
            NetlinkPayload::InnerMessage(m) => out.push(m.payload),
            NetlinkPayload::Error(e) if e.code.is_some() => return Err(crate::error::from_error_message(&e)),
            _ => {}
        }
    }
    Ok(out)
}

async fn get(name: &str) -> Result<Device, OpError> {
    let msg =
        WireguardMessage { cmd: WireguardCmd::GetDevice, attributes: vec![WireguardAttribute::IfName(name.into())] };
    let mut dev = Device { private_key: None, listen_port: 0, fwmark: 0, peers: Vec::new() };
    // A device with many peers answers in several messages, each with some of them.
    for m in request(msg, NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK).await? {
        for a in m.attributes {
            match a {
                WireguardAttribute::PrivateKey(k) => dev.private_key = nonzero(k),
                WireguardAttribute::ListenPort(p) => dev.listen_port = p,
                WireguardAttribute::Fwmark(f) => dev.fwmark = f,
                WireguardAttribute::Peers(peers) => dev.peers.extend(peers.into_iter().map(peer_of)),
                _ => {}
            }
        }
    }
    Ok(dev)
}

fn peer_of(p: WireguardPeer) -> (Option<Key>, Peer) {
    let mut out = Peer::default();
    let mut psk = None;
    for a in p.0 {
        match a {
            WireguardPeerAttribute::PublicKey(k) => out.public_key = encode_key(&k),
            WireguardPeerAttribute::PresharedKey(k) => psk = nonzero(k),
            WireguardPeerAttribute::Endpoint(e) => out.endpoint = Some(e),
            WireguardPeerAttribute::PersistentKeepalive(k) => out.persistent_keepalive = (k != 0).then_some(k),
            WireguardPeerAttribute::AllowedIps(ips) => {
                for ip in ips {
                    let (mut addr, mut len) = (None, None);
                    for x in ip.0 {
                        match x {
                            WireguardAllowedIpAttr::IpAddr(a) => addr = Some(a),
                            WireguardAllowedIpAttr::Cidr(c) => len = Some(c),
                            _ => {}
                        }
                    }
                    if let (Some(a), Some(l)) = (addr, len)
                        && let Ok(net) = ipnet::IpNet::new(a, l)
                    {
                        out.allowed_ips.push(Cidr(net));
                    }
                }
            }
            _ => {}
        }
    }
    (psk, out)
}

/// The key file a read-back names: the declared one (with the key it holds) when it holds the
/// device's key, else a saved copy of the device's key (`None` when the device has none).
fn key_file(
    have: Option<&Key>,
    declared: Option<&(&Path, Key)>,
    dir: &Path,
    save_as: &str,
) -> Result<Option<PathBuf>, OpError> {
    let Some(have) = have else { return Ok(None) };
    if let Some((p, k)) = declared
        && k == have
    {
        return Ok(Some(p.to_path_buf()));
    }
    save_key(dir, save_as, have).map(Some)
}

/// Fills in the WireGuard settings of the declared WireGuard links `state` has, after checking
/// every declared key file, so that a bad key file fails the plan before anything changes.
pub async fn fill(state: &mut State, desired: &Config, key_dir: &Path) -> Result<(), OpError> {
    for i in &desired.interfaces {
        let Kind::Wireguard(want) = &i.kind else { continue };
        // Every declared key file is read once, here: checked, and compared below.
        let read = |f: &'_ std::path::PathBuf| read_key(f).map_err(|e| OpError::other(format!("{}: {e}", i.name)));
        let private = match &want.private_key_file {
            Some(f) => Some((f.as_path(), read(f)?)),
            None => None,
        };
        let mut preshared = Vec::new();
        for p in &want.peers {
            if let Some(f) = &p.preshared_key_file {
                preshared.push((p.public_key.as_str(), (f.as_path(), read(f)?)));
            }
        }
        let Some(l) = state.links.iter_mut().find(|l| l.iface.name == i.name) else { continue };
        if !matches!(l.iface.kind, Kind::Wireguard(_)) {
            continue;
        }
        let dev = get(&i.name).await?;
        let mut have = dev.settings();
        have.private_key_file =
            key_file(dev.private_key.as_ref(), private.as_ref(), key_dir, &format!("{}.key", i.name))?;
        for (psk, mut peer) in dev.peers {
            let declared = preshared.iter().find(|(public, _)| *public == peer.public_key).map(|(_, d)| d);
            let id: String = peer.public_key.chars().filter(char::is_ascii_alphanumeric).take(12).collect();
            peer.preshared_key_file = key_file(psk.as_ref(), declared, key_dir, &format!("{}-{id}.psk", i.name))?;
            have.peers.push(peer);
        }
        l.iface.kind = Kind::Wireguard(have);
    }
    Ok(())
}

/// The port, mark and peers of every WireGuard link in `state`, for `show`: no key file is
/// named (the config names them) and no key is saved.
pub async fn describe(state: &mut State) -> Result<(), OpError> {
    for l in &mut state.links {
        if !matches!(l.iface.kind, Kind::Wireguard(_)) {
            continue;
        }
        let dev = get(&l.iface.name).await?;
        let mut w = dev.settings();
        w.peers = dev.peers.into_iter().map(|(_, p)| p).collect();
        l.iface.kind = Kind::Wireguard(w);
    }
    Ok(())
}

/// Gives `name` the key from its file, the port and mark, and exactly `w`'s peers.
pub async fn set(name: &str, w: &Wireguard) -> Result<(), OpError> {
    let err = |e: OpError| OpError { message: format!("{name}: WireGuard: {}", e.message), ..e };
    let mut attributes = vec![
        WireguardAttribute::IfName(name.into()),
        WireguardAttribute::Flags(WireguardDeviceFlags::ReplacePeers),
        WireguardAttribute::Fwmark(w.fwmark.unwrap_or(0)),
    ];
    // The key bytes go straight into the message and out to the kernel; `Key` zeroes its copy.
    if let Some(f) = &w.private_key_file {
        let k = read_key(f).map_err(err)?;
        attributes.push(WireguardAttribute::PrivateKey(k.0));
    }
    if let Some(p) = w.listen_port {
        attributes.push(WireguardAttribute::ListenPort(p));
    }
    let mut peers = Vec::new();
    for p in &w.peers {
        let Some(public) = decode_key(&p.public_key) else {
            return Err(err(OpError::other(format!("peer {}: not a public key", p.public_key))));
        };
        let psk = match &p.preshared_key_file {
            Some(f) => read_key(f).map_err(err)?,
            None => Key([0; 32]),
        };
        let ips = p
            .allowed_ips
            .iter()
            .map(|c| {
                let family =
                    if c.0.addr().is_ipv4() { WireguardAddressFamily::Ipv4 } else { WireguardAddressFamily::Ipv6 };
                WireguardAllowedIp(vec![
                    WireguardAllowedIpAttr::Family(family),
                    WireguardAllowedIpAttr::IpAddr(c.0.addr()),
                    WireguardAllowedIpAttr::Cidr(c.0.prefix_len()),
                ])
            })
            .collect();
        let mut a = vec![
            WireguardPeerAttribute::PublicKey(public),
            WireguardPeerAttribute::Flags(WireguardPeerFlags::ReplaceAllowedIps),
            // All zeros clears a preshared key the peer had.
            WireguardPeerAttribute::PresharedKey(psk.0),
            WireguardPeerAttribute::PersistentKeepalive(p.persistent_keepalive.unwrap_or(0)),
            WireguardPeerAttribute::AllowedIps(ips),
        ];
        if let Some(e) = p.endpoint {
            a.push(WireguardPeerAttribute::Endpoint(e));
        }
        peers.push(WireguardPeer(a));
    }
    attributes.push(WireguardAttribute::Peers(peers));
    let msg = WireguardMessage { cmd: WireguardCmd::SetDevice, attributes };
    let r = request(msg, NLM_F_REQUEST | NLM_F_ACK).await;
    r.map(|_| ()).map_err(err)
}
