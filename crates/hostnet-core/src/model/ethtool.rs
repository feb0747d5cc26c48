//! NIC settings ethtool changes: features (offloads), channel (queue) counts, ring sizes,
//! interrupt coalescing, and speed/duplex/autonegotiation.
//!
//! ```yaml
//! ethtool:
//!   features: { rx-gro: false, tso: false }
//!   channels: { combined: 4 }
//!   rings: { rx: 4096, tx: 4096 }
//!   coalesce: { adaptive_rx: false, rx_usecs: 50 }
//!   link: { autoneg: false, speed: 10000, duplex: full }
//! ```
//!
//! Every group is a set of optional values: what is not listed stays as the device has it.

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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rings: Option<Rings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coalesce: Option<Coalesce>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<LinkModes>,
}

/// How a value is written on an `ethtool` command line (and in ifupdown's ethtool options).
pub trait EthtoolWord: Sized {
    fn word(&self) -> String;
    /// The value `word` stands for, or what was expected instead.
    fn from_word(word: &str) -> Result<Self, &'static str>;
}

impl EthtoolWord for u32 {
    fn word(&self) -> String {
        self.to_string()
    }
    fn from_word(word: &str) -> Result<Self, &'static str> {
        word.parse().map_err(|_| "expected a number")
    }
}

impl EthtoolWord for bool {
    fn word(&self) -> String {
        if *self { "on" } else { "off" }.into()
    }
    fn from_word(word: &str) -> Result<Self, &'static str> {
        match word {
            "on" => Ok(true),
            "off" => Ok(false),
            _ => Err("expected on or off"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Duplex {
    Full,
    Half,
    /// What a device reports when it has no link or no notion of duplex; read, never declared.
    Unknown,
}

/// The speed a device reports when it has no link or no notion of speed (SPEED_UNKNOWN). Kept
/// as read so that an undo can restore it.
pub const SPEED_UNKNOWN: u32 = u32::MAX;

impl EthtoolWord for Duplex {
    fn word(&self) -> String {
        match self {
            Duplex::Full => "full",
            Duplex::Half => "half",
            Duplex::Unknown => "unknown",
        }
        .into()
    }
    fn from_word(word: &str) -> Result<Self, &'static str> {
        match word {
            "full" => Ok(Duplex::Full),
            "half" => Ok(Duplex::Half),
            _ => Err("expected full or half"),
        }
    }
}

/// A group of optional settings that one ethtool request changes. The four groups differ only
/// in their fields, so one definition gives each the same diff, undo and rendering.
macro_rules! setting_group {
    ($(#[$m:meta])* $name:ident, $option:literal { $($(#[$fm:meta])* $field:ident: $ty:ty => $word:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(
                $(#[$fm])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }

        impl $name {
            /// The `ethtool` option that changes this group.
            pub const OPTION: &'static str = $option;

            /// The values `self` sets that differ from `have`'s.
            pub fn changes(&self, have: &Self) -> Option<Self> {
                let c = Self { $($field: self.$field.filter(|w| Some(*w) != have.$field),)* };
                (c != Self::default()).then_some(c)
            }

            /// `have`'s values of the settings `self` sets.
            pub fn previous(&self, have: &Self) -> Self {
                Self { $($field: have.$field.filter(|_| self.$field.is_some()),)* }
            }

            /// `self` with `c`'s values where `c` sets them.
            pub fn overlay(&mut self, c: &Self) {
                $(self.$field = c.$field.or(self.$field);)*
            }

            /// Sets the value `ethtool` calls `word`; `Ok(false)` when the group has no such word.
            pub fn set_word(&mut self, word: &str, value: &str) -> Result<bool, &'static str> {
                match word {
                    $($word => self.$field = Some(EthtoolWord::from_word(value)?),)*
                    _ => return Ok(false),
                }
                Ok(true)
            }

            /// The set values as `ethtool` words, in order.
            pub fn words(&self) -> Vec<(&'static str, String)> {
                let mut w = Vec::new();
                $(if let Some(v) = &self.$field { w.push(($word, v.word())); })*
                w
            }
        }
    };
}

setting_group!(
    /// Queue counts (`ethtool -l`).
    Channels, "-L" {
        rx: u32 => "rx",
        tx: u32 => "tx",
        other: u32 => "other",
        combined: u32 => "combined",
    }
);

setting_group!(
    /// Ring (descriptor queue) sizes (`ethtool -g`).
    Rings, "-G" {
        rx: u32 => "rx",
        rx_mini: u32 => "rx-mini",
        rx_jumbo: u32 => "rx-jumbo",
        tx: u32 => "tx",
    }
);

setting_group!(
    /// Interrupt coalescing (`ethtool -c`): microseconds and frames before an interrupt.
    Coalesce, "-C" {
        adaptive_rx: bool => "adaptive-rx",
        adaptive_tx: bool => "adaptive-tx",
        rx_usecs: u32 => "rx-usecs",
        rx_frames: u32 => "rx-frames",
        tx_usecs: u32 => "tx-usecs",
        tx_frames: u32 => "tx-frames",
    }
);

setting_group!(
    /// Autonegotiation, speed in Mb/s and duplex (`ethtool -s`). With autoneg on, a speed or
    /// duplex limits what is advertised; with it off, they are forced.
    LinkModes, "-s" {
        autoneg: bool => "autoneg",
        speed: u32 => "speed",
        duplex: Duplex => "duplex",
    }
);

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

    pub fn is_empty(&self) -> bool {
        *self == Ethtool::default()
    }

    /// What `self` sets that `have` lacks, one group each: every group is its own kernel
    /// request, so each gets its own step and undo and a failure leaves the others exact.
    pub fn changes(&self, have: &Ethtool) -> Vec<Ethtool> {
        let features: BTreeMap<String, bool> =
            self.kernel_features().into_iter().filter(|(k, v)| have.features.get(k) != Some(v)).collect();
        let mut out = Vec::new();
        if !features.is_empty() {
            out.push(Ethtool { features, ..Default::default() });
        }
        if let Some(c) = self.channels.and_then(|c| c.changes(&have.channels.unwrap_or_default())) {
            out.push(Ethtool { channels: Some(c), ..Default::default() });
        }
        if let Some(c) = self.rings.and_then(|c| c.changes(&have.rings.unwrap_or_default())) {
            out.push(Ethtool { rings: Some(c), ..Default::default() });
        }
        if let Some(c) = self.coalesce.and_then(|c| c.changes(&have.coalesce.unwrap_or_default())) {
            out.push(Ethtool { coalesce: Some(c), ..Default::default() });
        }
        if let Some(c) = self.link.and_then(|c| c.changes(&have.link.unwrap_or_default())) {
            out.push(Ethtool { link: Some(c), ..Default::default() });
        }
        out
    }

    /// `had`'s values of what `self` (a change) sets; empty when `had` knew none of them.
    pub fn previous(&self, had: &Ethtool) -> Ethtool {
        fn prev<T: Copy + Default + PartialEq>(want: Option<T>, had: Option<T>, f: impl Fn(&T, &T) -> T) -> Option<T> {
            want.map(|w| f(&w, &had.unwrap_or_default())).filter(|p| *p != T::default())
        }
        Ethtool {
            features: self.features.keys().filter_map(|k| Some((k.clone(), *had.features.get(k)?))).collect(),
            channels: prev(self.channels, had.channels, Channels::previous),
            rings: prev(self.rings, had.rings, Rings::previous),
            coalesce: prev(self.coalesce, had.coalesce, Coalesce::previous),
            link: prev(self.link, had.link, LinkModes::previous),
        }
    }

    /// `self` after `c` is applied.
    pub fn overlay(&mut self, c: &Ethtool) {
        self.features.extend(c.features.iter().map(|(k, v)| (k.clone(), *v)));
        fn put<T: Copy + Default>(have: &mut Option<T>, c: Option<T>, f: impl Fn(&mut T, &T)) {
            if let Some(c) = c {
                f(have.get_or_insert_with(T::default), &c);
            }
        }
        put(&mut self.channels, c.channels, Channels::overlay);
        put(&mut self.rings, c.rings, Rings::overlay);
        put(&mut self.coalesce, c.coalesce, Coalesce::overlay);
        put(&mut self.link, c.link, LinkModes::overlay);
    }

    /// The settings as `ethtool` command lines' option and words, one per group.
    pub fn commands(&self) -> Vec<(&'static str, Vec<(String, String)>)> {
        let mut out = Vec::new();
        if !self.features.is_empty() {
            out.push(("-K", self.features.iter().map(|(k, v)| (k.clone(), v.word())).collect()));
        }
        let own = |w: Vec<(&'static str, String)>| w.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        if let Some(c) = &self.channels {
            out.push((Channels::OPTION, own(c.words())));
        }
        if let Some(c) = &self.rings {
            out.push((Rings::OPTION, own(c.words())));
        }
        if let Some(c) = &self.coalesce {
            out.push((Coalesce::OPTION, own(c.words())));
        }
        if let Some(c) = &self.link {
            out.push((LinkModes::OPTION, own(c.words())));
        }
        out
    }
}
