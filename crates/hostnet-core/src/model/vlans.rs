//! VLANs of a VLAN-filtering bridge: on its ports (`bridge_port.vlans`) and on the bridge
//! itself (`bridge.vlans`).
//!
//! ```yaml
//! vlans: [10, "20-29", { vid: 100, pvid: true, untagged: true }]
//! ```

use std::collections::BTreeMap;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// One VLAN or a range of them, with the same flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct BridgeVlan {
    #[serde(serialize_with = "vid_text")]
    pub vid: (u16, u16),
    /// Untagged frames arriving on the port belong to this VLAN (one per port).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pvid: bool,
    /// Frames of this VLAN leave the port untagged.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub untagged: bool,
}

fn vid_text<S: serde::Serializer>(v: &(u16, u16), s: S) -> Result<S::Ok, S::Error> {
    if v.0 == v.1 { s.serialize_u16(v.0) } else { s.serialize_str(&format!("{}-{}", v.0, v.1)) }
}

fn parse_vid(t: &str) -> Result<(u16, u16), String> {
    let num = |x: &str| x.trim().parse::<u16>().map_err(|_| format!("`{t}` is not a VLAN id or a range like 20-29"));
    match t.split_once('-') {
        Some((a, b)) => Ok((num(a)?, num(b)?)),
        None => num(t).map(|v| (v, v)),
    }
}

/// The flags of each VLAN id: what the kernel holds, one entry per id.
pub type VlanSet = BTreeMap<u16, (bool, bool)>;

/// The set a list of entries describes (a later entry's flags win).
pub fn expand(list: &[BridgeVlan]) -> VlanSet {
    let mut out = VlanSet::new();
    for v in list {
        for vid in v.vid.0..=v.vid.1 {
            out.insert(vid, (v.pvid, v.untagged));
        }
    }
    out
}

/// The shortest list of entries for a set: runs of consecutive ids with equal flags become
/// ranges (the pvid is never part of a range, as the kernel requires).
pub fn compress(set: &VlanSet) -> Vec<BridgeVlan> {
    let mut out: Vec<BridgeVlan> = Vec::new();
    for (&vid, &(pvid, untagged)) in set {
        match out.last_mut() {
            Some(l) if !pvid && !l.pvid && l.untagged == untagged && l.vid.1 + 1 == vid => l.vid.1 = vid,
            _ => out.push(BridgeVlan { vid: (vid, vid), pvid, untagged }),
        }
    }
    out
}

impl<'de> Deserialize<'de> for BridgeVlan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            vid: VidText,
            #[serde(default)]
            pvid: bool,
            #[serde(default)]
            untagged: bool,
        }
        struct VidText((u16, u16));
        impl<'de> Deserialize<'de> for VidText {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = VidText;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("a VLAN id or a range like `20-29`")
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<VidText, E> {
                        u16::try_from(v)
                            .map(|v| VidText((v, v)))
                            .map_err(|_| E::custom(format!("VLAN id {v} is out of range")))
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<VidText, E> {
                        u64::try_from(v).map_err(|_| E::custom("a VLAN id is positive")).and_then(|v| self.visit_u64(v))
                    }
                    fn visit_str<E: de::Error>(self, s: &str) -> Result<VidText, E> {
                        parse_vid(s).map(VidText).map_err(E::custom)
                    }
                }
                d.deserialize_any(V)
            }
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BridgeVlan;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a VLAN id, a range like `20-29`, or { vid, pvid, untagged }")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<BridgeVlan, E> {
                let vid = u16::try_from(v).map_err(|_| E::custom(format!("VLAN id {v} is out of range")))?;
                Ok(BridgeVlan { vid: (vid, vid), pvid: false, untagged: false })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<BridgeVlan, E> {
                u64::try_from(v).map_err(|_| E::custom("a VLAN id is positive")).and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<BridgeVlan, E> {
                parse_vid(s).map(|vid| BridgeVlan { vid, pvid: false, untagged: false }).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<BridgeVlan, A::Error> {
                let f = Full::deserialize(de::value::MapAccessDeserializer::new(m))?;
                Ok(BridgeVlan { vid: f.vid.0, pvid: f.pvid, untagged: f.untagged })
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_ranges_and_maps_read_and_compress_back() {
        #[derive(Deserialize)]
        struct W {
            vlans: Vec<BridgeVlan>,
        }
        let w: W = serde_saphyr::from_str("vlans: [10, \"20-22\", { vid: 1, pvid: true, untagged: true }]").unwrap();
        let set = expand(&w.vlans);
        assert_eq!(set.len(), 5);
        assert_eq!(set[&1], (true, true));
        let c = compress(&set);
        assert_eq!(c.iter().map(|v| v.vid).collect::<Vec<_>>(), [(1, 1), (10, 10), (20, 22)]);
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"[{"vid":1,"pvid":true,"untagged":true},{"vid":10},{"vid":"20-22"}]"#
        );
    }
}
