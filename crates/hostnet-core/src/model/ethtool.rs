//! NIC settings ethtool changes: features (offloads) and channel (queue) counts.
//!
//! ```yaml
//! ethtool: { features: { rx-gro: false, tso: false }, channels: { combined: 4 } }
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ethtool {
    /// Features by the kernel's name as `ethtool -k` lists them (`rx-gro`,
    /// `tx-tcp-segmentation`), or by the short names `gro`, `gso`, `tso`, `lro`, `rx`, `sg`.
    /// Unlisted ones are left as they are.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub features: BTreeMap<String, bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Channels>,
}

/// Queue counts (`ethtool -l`); unset ones are left as they are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channels {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rx: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub combined: Option<u32>,
}

/// The short names people use (`ethtool -K eth0 gro off`) and the kernel's name each stands
/// for here: one feature each (ethtool's `tso` also switches the ECN, mangle-id and IPv6
/// variants; name those, e.g. `tx-tcp6-segmentation`, to change them too).
pub const SHORT_NAMES: &[(&str, &str)] = &[
    ("gro", "rx-gro"),
    ("gso", "tx-generic-segmentation"),
    ("tso", "tx-tcp-segmentation"),
    ("lro", "rx-lro"),
    ("rx", "rx-checksum"),
    ("sg", "tx-scatter-gather"),
];

/// The kernel's name of a feature.
pub fn kernel_name(name: &str) -> &str {
    SHORT_NAMES.iter().find(|(s, _)| *s == name).map(|(_, k)| *k).unwrap_or(name)
}

impl Ethtool {
    /// The features with their kernel names.
    pub fn kernel_features(&self) -> BTreeMap<String, bool> {
        self.features.iter().map(|(k, v)| (kernel_name(k).to_string(), *v)).collect()
    }
}

impl Channels {
    /// The counts `self` sets that differ from `have`'s.
    pub fn changes(&self, have: &Channels) -> Option<Channels> {
        let pick = |w: Option<u32>, h: Option<u32>| w.filter(|w| Some(*w) != h);
        let c = Channels {
            rx: pick(self.rx, have.rx),
            tx: pick(self.tx, have.tx),
            other: pick(self.other, have.other),
            combined: pick(self.combined, have.combined),
        };
        (c != Channels::default()).then_some(c)
    }

    /// `have`'s values of the counts `self` sets.
    pub fn previous(&self, have: &Channels) -> Channels {
        Channels {
            rx: have.rx.filter(|_| self.rx.is_some()),
            tx: have.tx.filter(|_| self.tx.is_some()),
            other: have.other.filter(|_| self.other.is_some()),
            combined: have.combined.filter(|_| self.combined.is_some()),
        }
    }
}
