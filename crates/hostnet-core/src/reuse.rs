//! Reading a config again after a small change, as the daemon does on every `apply`: interfaces
//! whose text is the same as in the config read before are taken from it rather than parsed, so
//! a one-line change to a file of 2000 interfaces costs a scan of the file and one interface's
//! parse. JSON is split into interfaces by its parser; block YAML by lines (each item of the
//! top-level `interfaces:` list starts with `- ` at the list's indentation), and each changed
//! item is parsed by itself. Anything else, and anything a piece does not parse in, takes the
//! full path, which also gives the located errors.

use std::hash::BuildHasher;
use std::ops::Range;

use rustc_hash::{FxBuildHasher, FxHashMap};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::model::{Config, Interface, Kind};

/// Where each interface of a config read as JSON or block YAML sits in its text, to recognise it
/// next time.
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
    pub(crate) fn new(src: String, read: Read) -> (Config, Self) {
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

/// What [`read_json`] or [`read_yaml`] read: the config and where its interfaces are in the text.
pub(crate) struct Read {
    pub config: Config,
    pub spans: Vec<Range<usize>>,
    pub by_hash: FxHashMap<u64, u32>,
    /// See [`InterfaceTexts::from`].
    pub from: Vec<u32>,
}

/// Parses `src` as a JSON config, taking each interface whose text is unchanged from `before`
/// (a config and the texts it was read from). `None`: not a JSON config with interfaces, or one
/// that does not parse; the caller reads it the full way, which reports what is wrong.
pub(crate) fn read_json(src: &str, before: Option<(&InterfaceTexts, &Config)>) -> Option<Read> {
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
    let config: Config = serde_json::from_str(&format!("{}[]{}", &src[..open], &src[close + 1..])).ok()?;
    let spans = items.iter().map(|item| offset(item)..offset(item) + item.get().len()).collect();
    take_or_parse(src, spans, config, before, |text| serde_json::from_str(text).ok())
}

/// Parses `src` as a block-YAML config the way [`read_json`] does JSON. With nothing read
/// before, the whole file is parsed at once (faster than piece by piece) and only its texts are
/// kept for the next time.
pub(crate) fn read_yaml(src: &str, before: Option<(&InterfaceTexts, &Config)>) -> Option<Read> {
    let (block, spans) = yaml_items(src)?;
    if before.is_none() {
        let config = match split_read(src, &block, &spans) {
            Some(c) => c,
            None => serde_saphyr::from_str_with_options(src, crate::parse::options()).ok()?,
        };
        // The lines were split as the parser reads them, or the texts are not kept.
        if config.interfaces.len() != spans.len() {
            return None;
        }
        let (_, by_hash) = hashes(src, &spans);
        let from = vec![FRESH; spans.len()];
        return Some(Read { config, spans, by_hash, from });
    }
    let rest = format!("{}interfaces: []\n{}", &src[..block.start], &src[block.end..]);
    let config: Config = serde_saphyr::from_str_with_options(&rest, crate::parse::options()).ok()?;
    if !config.interfaces.is_empty() {
        return None;
    }
    take_or_parse(src, spans, config, before, |text| {
        // The item alone is a one-item list, at its own indentation.
        let mut one: Vec<Interface> = serde_saphyr::from_str_with_options(text, crate::parse::options()).ok()?;
        if one.len() != 1 {
            return None;
        }
        one.pop()
    })
}

/// Files this large or larger are parsed on two threads: below, starting one costs more than
/// it saves.
const SPLIT_FROM: usize = 64 << 10;
/// Up to this size no config can reach the parser's node or event limits (a node takes at
/// least two bytes), so its halves reach them exactly when it would: never.
const SPLIT_UP_TO: usize = 8 << 20;

/// A large block-YAML config read in three parts on two threads: the first half of its
/// interfaces, the second half, and everything else. The YAML scanner is most of reading a
/// config of 10,000 interfaces. `None` if the config is too small or large for it, or if a part
/// does not parse; the caller then reads it whole, which reports what is wrong.
pub(crate) fn read_yaml_split(src: &str) -> Option<Config> {
    // Sized before the line scan: most configs are small, and every `load` of one asks.
    if src.len() < SPLIT_FROM {
        return None;
    }
    read_yaml_halves(src)
}

/// [`read_yaml_split`] whatever the config's size (up to [`SPLIT_UP_TO`]), for the fuzz target,
/// whose inputs are small.
pub(crate) fn read_yaml_halves(src: &str) -> Option<Config> {
    let (block, spans) = yaml_items(src)?;
    halves(src, &block, &spans)
}

fn split_read(src: &str, block: &Range<usize>, spans: &[Range<usize>]) -> Option<Config> {
    if src.len() < SPLIT_FROM {
        return None;
    }
    halves(src, block, spans)
}

fn halves(src: &str, block: &Range<usize>, spans: &[Range<usize>]) -> Option<Config> {
    // Merge keys (`<<`) have a count limit of their own, which halves could each stay under
    // where the file is over it: such a file is read whole.
    if src.len() > SPLIT_UP_TO || spans.len() < 2 || src.contains("<<") {
        return None;
    }
    let mid = spans.len() / 2;
    let items = |from: &Range<usize>, to: &Range<usize>| &src[from.start..to.end];
    let (first, second) = (items(&spans[0], &spans[mid - 1]), items(&spans[mid], &spans[spans.len() - 1]));
    // A half is a list at the top level, one level shallower than in the file: its depth limit
    // is one less, so it fails where the whole file would.
    let parse_half = |text: &str, expect: usize| -> Option<Vec<Interface>> {
        let list: Vec<Interface> = serde_saphyr::from_str_with_options(text, half_options()).ok()?;
        (list.len() == expect).then_some(list)
    };
    std::thread::scope(|s| {
        let later = s.spawn(|| parse_half(second, spans.len() - mid));
        let rest = format!("{}interfaces: []\n{}", &src[..block.start], &src[block.end..]);
        let frame: Option<Config> = serde_saphyr::from_str_with_options(&rest, crate::parse::options()).ok();
        let earlier = parse_half(first, mid);
        let (mut config, mut earlier, later) = (frame?, earlier?, later.join().ok()??);
        if !config.interfaces.is_empty() {
            return None;
        }
        earlier.extend(later);
        config.interfaces = earlier;
        Some(config)
    })
}

/// The parser's limits for a half of the interfaces (see [`split_read`]).
fn half_options() -> serde_saphyr::Options {
    let mut options = crate::parse::options();
    if let Some(b) = options.budget.as_mut() {
        b.max_depth -= 1;
    }
    options
}

/// Each span's text hashed, and the first span of each hash.
fn hashes(src: &str, spans: &[Range<usize>]) -> (Vec<u64>, FxHashMap<u64, u32>) {
    let mut by_hash = FxHashMap::with_capacity_and_hasher(spans.len(), FxBuildHasher);
    let hashes = spans
        .iter()
        .enumerate()
        .map(|(n, span)| {
            let hash = FxBuildHasher.hash_one(&src[span.clone()]);
            by_hash.entry(hash).or_insert(n as u32);
            hash
        })
        .collect();
    (hashes, by_hash)
}

/// Completes `config` (read without its interfaces) with the interface at each span of `src`:
/// the one of `before` with the same text, or what `parse` makes of the text. `None` when a
/// text does not parse.
fn take_or_parse(
    src: &str,
    spans: Vec<Range<usize>>,
    mut config: Config,
    before: Option<(&InterfaceTexts, &Config)>,
    parse: impl Fn(&str) -> Option<Interface>,
) -> Option<Read> {
    let before = before.filter(|(texts, old)| texts.len() == old.interfaces.len());
    let (hashes, by_hash) = hashes(src, &spans);
    let mut from = Vec::with_capacity(spans.len());
    config.interfaces.reserve_exact(spans.len());
    for (span, hash) in spans.iter().zip(hashes) {
        let text = &src[span.clone()];
        let known = before.and_then(|(texts, old)| {
            let at = texts.find(text, hash)?;
            Some((at, &old.interfaces[at])).filter(|(_, i)| as_parsed(i))
        });
        match known {
            Some((at, i)) => {
                from.push(at as u32);
                config.interfaces.push(i.clone());
            }
            None => {
                from.push(FRESH);
                config.interfaces.push(parse(text)?);
            }
        }
    }
    Some(Read { config, spans, by_hash, from })
}

/// Where the items of a block-YAML config's top-level `interfaces:` list are: the lines of the
/// whole list (from its key's line), and each item's lines, comments and blank lines included.
/// `None` for anything else: a flow-style list, several documents, a key or list that is not
/// where block style puts it.
fn yaml_items(src: &str) -> Option<(Range<usize>, Vec<Range<usize>>)> {
    let lines = || {
        let mut at = 0;
        src.split_inclusive('\n').map(move |l| {
            at += l.len();
            (at - l.len(), l)
        })
    };
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let quiet = |l: &str| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#')
    };
    if lines().any(|(_, l)| l.starts_with("---") || l.starts_with("...") || l.starts_with('%')) {
        return None;
    }
    // An alias makes an item's meaning depend on another item's anchor, so no item stands alone
    // (configs seldom hold either character otherwise; those are read whole).
    if src.bytes().any(|b| b == b'&' || b == b'*') {
        return None;
    }
    let (key_at, key) = lines().find(|(_, l)| l.starts_with("interfaces:"))?;
    let after_key = key["interfaces:".len()..].trim();
    if !(after_key.is_empty() || after_key.starts_with('#')) {
        return None;
    }
    let mut items: Vec<Range<usize>> = Vec::new();
    let mut item_indent = None;
    let mut end = src.len();
    for (at, l) in lines().filter(|(at, _)| *at > key_at) {
        if quiet(l) {
            continue;
        }
        let n = indent(l);
        let item = &l[n..];
        let starts_item = item.starts_with("- ") || item.trim_end() == "-";
        match item_indent {
            None if starts_item => item_indent = Some(n),
            None => return None,
            Some(i) if n == i && starts_item => {}
            Some(i) if n > i => continue,
            Some(_) if n == 0 => {
                end = at;
                break;
            }
            Some(_) => return None,
        }
        if let Some(last) = items.last_mut() {
            last.end = at;
        }
        items.push(at..src.len());
    }
    if let Some(last) = items.last_mut() {
        last.end = end;
    }
    // An item's text starts at its `- ` line; blank and comment lines before the first item
    // belong to no item and are dropped with the list.
    (!items.is_empty()).then_some((key_at..end, items))
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
    fn errors_read_as_from_scratch() {
        let (a, _, texts) = load_again("a.json", json(10, "10.0.0.1/24"), None).unwrap();
        let texts = texts.unwrap();
        let bad = json(10, "10.0.0.1/33");
        let again = load_again("a.json", bad.clone(), Some((&texts, &a))).err().expect("invalid");
        assert_eq!(again.lines(), load("a.json", &bad).err().unwrap().lines());
        let yaml = "interfaces:\n  - name: d0\n    dummy: {}\n";
        // A YAML config after a JSON one: nothing in common, every item parsed.
        let (y, _, y_texts) = load_again("a.yaml", yaml.into(), Some((&texts, &a))).unwrap();
        assert_eq!(y_texts.unwrap().reused(), 0);
        assert_eq!(y, load("a.yaml", yaml).unwrap());
    }

    fn yaml(vrf_table: u32, p0_address: &str, compact: bool) -> String {
        let text = format!(
            "# hosts in rack 4\n\
             interfaces:\n\
             \x20 - name: blue\n\
             \x20   vrf: {{ table: {vrf_table} }}\n\
             \x20 - name: eth0\n\
             \x20   ethernet:\n\
             \x20     match: {{ mac: \"02:00:00:00:00:01\" }}\n\
             \x20   vrf: blue\n\
             \x20   addresses: [192.0.2.1/24]\n\
             \x20   routes:\n\
             \x20     - {{ dst: 198.51.100.0/24, via: 192.0.2.254 }}\n\
             \n\
             \x20 # the lab pair\n\
             \x20 - name: p0\n\
             \x20   veth: {{ peer: v0 }}\n\
             \x20   addresses:\n\
             \x20   - {p0_address}\n\
             \x20 - name: v0\n\
             \x20   veth: {{ peer: p0 }}\n\
             \x20 - {{ name: v1, veth: {{ peer: p1 }} }}\n\
             \x20 - name: p1\n\
             \x20   veth:\n\
             \x20     peer: v1\n\
             routing_rules: []\n"
        );
        if compact {
            text.lines().map(|l| l.strip_prefix("  ").unwrap_or(l)).collect::<Vec<_>>().join("\n")
        } else {
            text
        }
    }

    #[test]
    fn block_yaml_read_again_equals_yaml_read_afresh() {
        for compact in [false, true] {
            let first = yaml(10, "10.0.0.1/24", compact);
            let (a, _, texts) = load_again("a.yaml", first.clone(), None).unwrap();
            assert_eq!(a, load("a.yaml", &first).unwrap());
            let texts = texts.expect("block YAML keeps its texts");
            assert_eq!(texts.len(), 6);
            for (vrf_table, p0) in [(10, "10.0.0.3/24"), (20, "10.0.0.1/24"), (20, "10.0.0.3/24")] {
                let next = yaml(vrf_table, p0, compact);
                let (b, _, b_texts) = load_again("a.yaml", next.clone(), Some((&texts, &a))).unwrap();
                assert_eq!(b, load("a.yaml", &next).unwrap(), "compact {compact}, table {vrf_table}, {p0}");
                let reused = b_texts.unwrap().reused();
                assert_eq!(
                    reused,
                    if p0 == "10.0.0.1/24" { 4 } else { 3 },
                    "compact {compact}, table {vrf_table}, {p0}"
                );
            }
            let bad = yaml(10, "10.0.0.1/33", compact);
            let again = load_again("a.yaml", bad.clone(), Some((&texts, &a))).err().expect("invalid");
            assert_eq!(again.lines(), load("a.yaml", &bad).err().unwrap().lines());
        }
    }

    #[test]
    fn yaml_with_aliases_flow_lists_or_documents_is_read_whole() {
        for text in [
            "interfaces: [{name: d0, dummy: {}}]\n",
            "interfaces:\n  - &d {name: d0, dummy: {}}\n",
            "---\ninterfaces:\n  - {name: d0, dummy: {}}\n",
        ] {
            assert!(super::read_yaml(text, None).is_none(), "{text}");
            let (c, _, texts) = load_again("a.yaml", text.into(), None).unwrap();
            assert!(texts.is_none());
            assert_eq!(c, load("a.yaml", text).unwrap());
        }
    }

    #[test]
    fn every_example_reads_again_as_afresh() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.display().to_string();
            let (a, _, texts) = load_again(&name, text.clone(), None).unwrap();
            assert_eq!(a, load(&name, &text).unwrap(), "{name}");
            let Some(texts) = texts else { continue };
            let (b, _, _) = load_again(&name, text.clone(), Some((&texts, &a))).unwrap();
            assert_eq!(b, a, "{name}");
        }
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

    #[test]
    fn a_large_yaml_config_read_in_halves_equals_the_whole_read() {
        let src = crate::synth::stacked_blocks(2000).to_yaml();
        assert!(src.len() >= super::SPLIT_FROM, "{} bytes: too small to be split", src.len());
        let halves = super::read_yaml_split(&src).expect("split");
        let whole: crate::Config = serde_saphyr::from_str_with_options(&src, crate::parse::options()).unwrap();
        assert_eq!(halves, whole);
        assert_eq!(load("big.yaml", &src).unwrap(), crate::parse::load_again("big.yaml", src.clone(), None).unwrap().0);
        let merging = src.replacen("- name: n0x0\n", "- <<: {mtu: 9000}\n  name: n0x0\n", 1);
        assert_ne!(merging, src);
        assert!(super::read_yaml_split(&merging).is_none(), "a file with merge keys is read whole");
    }

    #[test]
    fn an_error_in_a_half_is_reported_at_its_line_in_the_file() {
        let src = crate::synth::stacked_blocks(2000).to_yaml();
        // The last VLAN id of the file: in the second half, far from its start.
        let at = src.rfind("id: ").expect("a VLAN id");
        let line = src[..at].lines().count();
        let bad =
            format!("{}id: lots{}", &src[..at], &src[at..].split_once('\n').map(|(_, r)| format!("\n{r}")).unwrap());
        assert!(super::read_yaml_split(&bad).is_none(), "a half that does not parse gives way to the whole read");
        let problems = load("big.yaml", &bad).expect_err("invalid").lines();
        assert!(problems.contains(&format!("big.yaml:{line}:")), "{problems}");
    }

    #[test]
    fn a_half_nests_one_level_less_and_is_held_to_one_level_less() {
        // The same item in the file (under `interfaces:`) and alone in a half: at every depth,
        // the half parses exactly when the file does.
        let parses =
            |text: &str, options| serde_saphyr::from_str_with_options::<serde_json::Value>(text, options).is_ok();
        let mut seen = [false, false];
        for levels in 55..70 {
            let deep = format!("{}1{}", "[".repeat(levels), "]".repeat(levels));
            let file = parses(&format!("interfaces:\n  - {deep}\n"), crate::parse::options());
            let half = parses(&format!("  - {deep}\n"), super::half_options());
            assert_eq!(file, half, "{levels} levels");
            seen[usize::from(file)] = true;
        }
        assert_eq!(seen, [true, true], "both sides of the limit were tried");
    }
}
