//! WireGuard in networkd `.netdev` files and netplan `tunnels` (`mode: wireguard`). Keys are
//! carried as file paths only: a netplan file with a key written inline is not imported (the
//! key is neither copied nor shown), and is listed for the user to move into a file.

use hostnet_core::model::Cidr;
use hostnet_core::model::wireguard::{Peer, Wireguard};
use serde_json::{Map, Value, json};

/// The `[WireGuard]` and `[WireGuardPeer]` sections of a `.netdev`.
pub(crate) fn netdev(w: &Wireguard) -> String {
    let mut s = String::from("\n[WireGuard]\n");
    if let Some(f) = &w.private_key_file {
        s += &format!("PrivateKeyFile={}\n", f.display());
    }
    if let Some(p) = w.listen_port {
        s += &format!("ListenPort={p}\n");
    }
    if let Some(m) = w.fwmark {
        s += &format!("FirewallMark={m}\n");
    }
    for p in &w.peers {
        s += &format!("\n[WireGuardPeer]\nPublicKey={}\n", p.public_key);
        if let Some(f) = &p.preshared_key_file {
            s += &format!("PresharedKeyFile={}\n", f.display());
        }
        if !p.allowed_ips.is_empty() {
            let ips: Vec<String> = p.allowed_ips.iter().map(|c| c.to_string()).collect();
            s += &format!("AllowedIPs={}\n", ips.join(","));
        }
        if let Some(e) = p.endpoint {
            s += &format!("Endpoint={e}\n");
        }
        if let Some(k) = p.persistent_keepalive {
            s += &format!("PersistentKeepalive={k}\n");
        }
    }
    s
}

/// A netplan tunnel body for `w`.
pub(crate) fn netplan_body(w: &Wireguard, body: &mut Map<String, Value>) {
    body.insert("mode".into(), json!("wireguard"));
    if let Some(f) = &w.private_key_file {
        body.insert("keys".into(), json!({ "private": f.display().to_string() }));
    }
    if let Some(p) = w.listen_port {
        body.insert("port".into(), json!(p));
    }
    if let Some(m) = w.fwmark {
        body.insert("mark".into(), json!(m));
    }
    let peers: Vec<Value> = w
        .peers
        .iter()
        .map(|p| {
            let mut keys = Map::new();
            keys.insert("public".into(), json!(p.public_key));
            if let Some(f) = &p.preshared_key_file {
                keys.insert("shared".into(), json!(f.display().to_string()));
            }
            let mut m = Map::new();
            m.insert("keys".into(), Value::Object(keys));
            if !p.allowed_ips.is_empty() {
                m.insert("allowed-ips".into(), json!(p.allowed_ips.iter().map(|c| c.to_string()).collect::<Vec<_>>()));
            }
            if let Some(e) = p.endpoint {
                m.insert("endpoint".into(), json!(e.to_string()));
            }
            if let Some(k) = p.persistent_keepalive {
                m.insert("keepalive".into(), json!(k));
            }
            Value::Object(m)
        })
        .collect();
    if !peers.is_empty() {
        body.insert("peers".into(), Value::Array(peers));
    }
}

/// A key path from netplan, which also accepts the key itself: that is refused, unshown.
fn key_path(v: Option<&Value>, what: &str) -> Result<Option<std::path::PathBuf>, String> {
    match v.and_then(Value::as_str) {
        None => Ok(None),
        Some(s) if s.starts_with('/') => Ok(Some(s.into())),
        Some(_) => Err(format!(
            "the {what} key is written inline (not shown here); hostnet takes keys from files: \
             write it to a file of mode 0600 and name that file"
        )),
    }
}

/// A netplan `mode: wireguard` tunnel.
pub(crate) fn netplan_import(body: &Map<String, Value>) -> Result<Wireguard, String> {
    let keys = body.get("keys").and_then(Value::as_object);
    let mut w = Wireguard {
        private_key_file: key_path(keys.and_then(|k| k.get("private")), "private")?,
        listen_port: body.get("port").and_then(Value::as_u64).map(|p| p as u16),
        fwmark: body.get("mark").and_then(Value::as_u64).map(|m| m as u32),
        ..Default::default()
    };
    for p in body.get("peers").and_then(Value::as_array).into_iter().flatten() {
        let keys = p.get("keys").and_then(Value::as_object);
        let public = keys.and_then(|k| k.get("public")).and_then(Value::as_str).ok_or("a peer without keys.public")?;
        let mut peer = Peer {
            public_key: public.to_string(),
            preshared_key_file: key_path(keys.and_then(|k| k.get("shared")), "shared")?,
            persistent_keepalive: p.get("keepalive").and_then(Value::as_u64).map(|k| k as u16),
            ..Default::default()
        };
        if let Some(e) = p.get("endpoint").and_then(Value::as_str) {
            peer.endpoint = Some(e.parse().map_err(|_| format!("endpoint {e}: hostnet needs an address:port"))?);
        }
        for ip in p.get("allowed-ips").and_then(Value::as_array).into_iter().flatten() {
            let s = ip.as_str().unwrap_or_default();
            peer.allowed_ips.push(s.parse::<Cidr>().map_err(|e| format!("allowed-ips {s}: {e}"))?);
        }
        w.peers.push(peer);
    }
    Ok(w)
}
