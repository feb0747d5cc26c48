//! Reading a JSON config again after a small change, as the daemon does on every `apply`:
//! interfaces whose text is the same as in the config read before are taken from it rather than
//! parsed, so a one-line change to a file of 2000 interfaces costs a scan of the file and one
//! interface's parse. Anything else (YAML, JSON that does not read as a config) takes the full
//! path, which also gives the located errors.

use std::hash::BuildHasher;
use std::ops::Range;

use rustc_hash::{FxBuildHasher, FxHashMap};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::model::{Config, Interface, Kind};

/// Where each interface of a config read as JSON sits in its text, to recognise it next time.
pub struct InterfaceTexts {
    pub(crate) src: String,
    /// One per interface of the config, in order.
    spans: Vec<Range<usize>>,
    /// The first interface with a text of this hash.
    by_hash: FxHashMap<u64, u32>,
    /// Per interface, the index of the interface of the config read before that it was taken
    /// from, or [`FRESH`].
    from: Vec<u32>,
}

/// Parsed from its text, not taken from the config read before.
const FRESH: u32 = u32::MAX;

impl InterfaceTexts {
    pub(crate) fn new(src: String, read: ReadJson) -> (Config, Self) {
        let texts = InterfaceTexts { src, spans: read.spans, by_hash: read.by_hash, from: read.from };
        (read.config, texts)
    }

    /// How many interfaces were taken from the config read before rather than parsed.
    pub fn reused(&self) -> usize {
        self.from.iter().filter(|&&f| f != FRESH).count()
    }

    /// Whether interface `i` was taken from interface `i` of the config read before: the same
    /// declaration at the same place.
    pub fn same_at(&self, i: usize) -> bool {
        self.from.get(i) == Some(&(i as u32))
    }

    fn find(&self, text: &str, hash: u64) -> Option<usize> {
        let i = *self.by_hash.get(&hash)? as usize;
        (self.src.get(self.spans[i].clone()) == Some(text)).then_some(i)
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// The top level with the interfaces left as text; the other keys are read by [`read_json`]
/// from the config without its interfaces.
#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(borrow, default)]
    interfaces: Option<Vec<&'a RawValue>>,
}

/// What [`read_json`] read: the config and where its interfaces are in the text.
pub(crate) struct ReadJson {
    pub config: Config,
    pub spans: Vec<Range<usize>>,
    pub by_hash: FxHashMap<u64, u32>,
    /// See [`InterfaceTexts::from`].
    pub from: Vec<u32>,
}

/// Parses `src` as a JSON config, taking each interface whose text is unchanged from `before`
/// (a config and the texts it was read from). `None`: not a JSON config with interfaces, or one
/// that does not parse; the caller reads it the full way, which reports what is wrong.
pub(crate) fn read_json(src: &str, before: Option<(&InterfaceTexts, &Config)>) -> Option<ReadJson> {
    let before = before.filter(|(texts, config)| texts.len() == config.interfaces.len());
    let frame: Frame = serde_json::from_str(src).ok()?;
    let items = frame.interfaces?;
    let (first, last) = (items.first()?, items.last()?);
    let base = src.as_ptr() as usize;
    let offset = |r: &RawValue| r.get().as_ptr() as usize - base;
    // The list's brackets: only whitespace lies between them and its first and last items.
    let open = src[..offset(first)].trim_end().len().checked_sub(1)?;
    let after_last = offset(last) + last.get().len();
    let close = src.len() - src[after_last..].trim_start().len();
    if src.as_bytes()[open] != b'[' || src.as_bytes().get(close) != Some(&b']') {
        return None;
    }
    let mut config: Config = serde_json::from_str(&format!("{}[]{}", &src[..open], &src[close + 1..])).ok()?;
    let mut spans = Vec::with_capacity(items.len());
    let mut by_hash = FxHashMap::with_capacity_and_hasher(items.len(), FxBuildHasher);
    let mut from = Vec::with_capacity(items.len());
    config.interfaces.reserve_exact(items.len());
    for (n, item) in items.iter().enumerate() {
        let text = item.get();
        let hash = FxBuildHasher.hash_one(text);
        let known = before.and_then(|(texts, config)| {
            let at = texts.find(text, hash)?;
            Some((at, &config.interfaces[at])).filter(|(_, i)| as_parsed(i))
        });
        config.interfaces.push(match known {
            Some((at, i)) => {
                from.push(at as u32);
                i.clone()
            }
            None => {
                from.push(FRESH);
                serde_json::from_str::<Interface>(text).ok()?
            }
        });
        let start = offset(item);
        spans.push(start..start + text.len());
        by_hash.entry(hash).or_insert(n as u32);
    }
    Some(ReadJson { config, spans, by_hash, from })
}

/// Whether a read config holds `i` as its text parses: `Config::link_vrfs` completes VRFs and
/// the routes of their members from the other interfaces.
fn as_parsed(i: &Interface) -> bool {
    !matches!(i.kind, Kind::Vrf(_)) && i.vrf.is_none()
}

#[cfg(test)]
mod tests {
    use crate::parse::{load, load_again};

    fn json(vrf_table: u32, p0_address: &str) -> String {
        serde_json::json!({
            "interfaces": [
                {"name": "blue", "vrf": {"table": vrf_table}},
                {"name": "eth0", "ethernet": {"match": {"mac": "02:00:00:00:00:01"}}, "vrf": "blue",
                 "addresses": ["192.0.2.1/24"], "routes": [{"dst": "198.51.100.0/24", "via": "192.0.2.254"}]},
                {"name": "p0", "veth": {"peer": "v0"}, "addresses": [p0_address]},
                {"name": "v0", "veth": {"peer": "p0"}},
                {"name": "v1", "veth": {"peer": "p1"}},
                {"name": "p1", "veth": {"peer": "v1"}},
            ],
            "routing_rules": [],
        })
        .to_string()
    }

    #[test]
    fn reading_again_equals_reading_afresh_and_parses_only_what_changed() {
        let first = json(10, "10.0.0.1/24");
        let (a, _, texts) = load_again("a.json", first.clone(), None).unwrap();
        assert_eq!(a, load("a.json", &first).unwrap());
        let texts = texts.expect("JSON keeps its texts");
        assert_eq!(texts.len(), 6);
        let second = json(10, "10.0.0.3/24");
        let read = super::read_json(&second, Some((&texts, &a))).unwrap();
        // The VRF and its member are always parsed, and p0 changed.
        assert_eq!(read.from.iter().filter(|&&f| f != super::FRESH).count(), 3);
        let (b, _, b_texts) = load_again("a.json", second.clone(), Some((&texts, &a))).unwrap();
        assert_eq!(b, load("a.json", &second).unwrap());
        let b_texts = b_texts.unwrap();
        let same: Vec<bool> = (0..6).map(|i| b_texts.same_at(i)).collect();
        assert_eq!(same, [false, false, false, true, true, true]);
        let changed = crate::plan::scope::changed_but(&a, &b, |i| b_texts.same_at(i));
        assert_eq!(changed, crate::plan::scope::changed(&a, &b));
        assert_eq!(changed.into_iter().collect::<Vec<_>>(), ["p0"]);
    }

    #[test]
    fn a_vrf_member_follows_its_vrf_table_though_its_own_text_is_unchanged() {
        let (a, _, texts) = load_again("a.json", json(10, "10.0.0.1/24"), None).unwrap();
        let changed = json(20, "10.0.0.1/24");
        let (b, _, _) = load_again("a.json", changed.clone(), Some((&texts.unwrap(), &a))).unwrap();
        assert_eq!(b, load("a.json", &changed).unwrap());
        let eth0 = b.interfaces.iter().find(|i| i.name == "eth0").unwrap();
        assert_eq!(eth0.routes[0].table, Some(20));
    }

    #[test]
    fn errors_and_yaml_read_as_from_scratch() {
        let (a, _, texts) = load_again("a.json", json(10, "10.0.0.1/24"), None).unwrap();
        let texts = texts.unwrap();
        let bad = json(10, "10.0.0.1/33");
        let again = load_again("a.json", bad.clone(), Some((&texts, &a))).err().expect("invalid");
        assert_eq!(again.lines(), load("a.json", &bad).err().unwrap().lines());
        let yaml = "interfaces:\n  - name: d0\n    dummy: {}\n";
        let (y, _, none) = load_again("a.yaml", yaml.into(), Some((&texts, &a))).unwrap();
        assert!(none.is_none());
        assert_eq!(y, load("a.yaml", yaml).unwrap());
    }

    #[test]
    fn texts_of_another_config_are_not_used() {
        let (a, _, texts) = load_again("a.json", json(10, "10.0.0.1/24"), None).unwrap();
        let mut other = a.clone();
        other.interfaces.pop();
        let second = json(10, "10.0.0.3/24");
        let read = super::read_json(&second, Some((&texts.unwrap(), &other))).unwrap();
        assert!(read.from.iter().all(|&f| f == super::FRESH));
    }
}
