//! Reading a config file: YAML into the model, then every validation rule.

use crate::diag::{Problems, Reporter};
use crate::model::Config;
use crate::reuse::InterfaceTexts;
use crate::validate;

/// Parses and validates. Either the whole file is good or nothing is returned.
pub fn load(file: &str, src: &str) -> Result<Config, Problems> {
    load_with_graph(file, src).map(|(config, _)| config)
}

/// [`load`], also returning the dependency graph validation built, for a caller that needs it
/// next (the daemon scoping an apply) and would otherwise build it again.
pub fn load_with_graph(file: &str, src: &str) -> Result<(Config, crate::graph::Graph), Problems> {
    let mut rep = Reporter::new(file, src);
    // JSON (what `show --json`, programs and Ansible write) is YAML too, but a YAML parser reads
    // one long flow-style line slowly: 25 ms for a 2000-interface file that serde_json reads in
    // 2 ms. Valid JSON takes the fast path; anything it rejects goes through the YAML parser,
    // which gives the located messages, so errors read the same either way.
    let fast = if src.trim_start().starts_with('{') { serde_json::from_str::<Config>(src).ok() } else { None };
    let parsed = match fast {
        Some(c) => Ok(c),
        None => match crate::reuse::read_yaml_split(src) {
            Some(c) => Ok(c),
            None => serde_saphyr::from_str_with_options::<Config>(src, options()),
        },
    };
    let config = match parsed {
        Ok(c) => c,
        Err(e) => {
            report_parse_errors(&mut rep, src, e);
            rep.finish()?;
            unreachable!("a reported error always fails finish")
        }
    };
    checked(rep, config)
}

/// [`load_with_graph`] for a caller that read a config before and kept it with its texts (the
/// daemon): interfaces whose JSON text is unchanged are taken from `before` instead of parsed
/// (see [`crate::reuse`]). Returns the texts of this config for the next time when it was JSON.
pub fn load_again(
    file: &str,
    src: String,
    before: Option<(&InterfaceTexts, &Config)>,
) -> Result<(Config, crate::graph::Graph, Option<InterfaceTexts>), Problems> {
    let read = if src.trim_start().starts_with('{') {
        crate::reuse::read_json(&src, before)
    } else {
        crate::reuse::read_yaml(&src, before)
    };
    let Some(read) = read else {
        return load_with_graph(file, &src).map(|(config, graph)| (config, graph, None));
    };
    let (config, texts) = InterfaceTexts::new(src, read);
    let (config, graph) = checked(Reporter::new(file, &texts.src), config)?;
    Ok((config, graph, Some(texts)))
}

/// [`load`] of a block-YAML config read in halves on two threads, as [`load`] reads one from
/// 64 KiB, whatever its size; `None` where the halves do not parse. For the fuzz target (whose
/// inputs are small), which checks it reads as [`load`] does.
#[doc(hidden)]
pub fn load_in_halves(file: &str, src: &str) -> Option<Result<Config, Problems>> {
    let config = crate::reuse::read_yaml_halves(src)?;
    Some(checked(Reporter::new(file, src), config).map(|(config, _)| config))
}

/// Completes a parsed config and validates it; `rep` reports against its text.
fn checked(mut rep: Reporter<'_>, mut config: Config) -> Result<(Config, crate::graph::Graph), Problems> {
    config.link_vrfs();
    let graph = validate::validate(&config, &mut rep);
    rep.finish().map(|()| (config, graph))
}

/// The largest config file read, in bytes. The biggest config the benchmarks plan (10,000
/// interfaces) is about 2 MiB; a file beyond this is a mistake (`/dev/zero`, a log), and reading
/// it would never end or exhaust memory.
pub const MAX_CONFIG_BYTES: u64 = 64 << 20;

pub fn load_file(path: &std::path::Path) -> Result<Config, LoadError> {
    let src = read_file(path)?;
    load(&path.display().to_string(), &src).map_err(LoadError::Invalid)
}

/// Reads a config file, refusing one larger than [`MAX_CONFIG_BYTES`] (devices and pipes
/// included, which report no size: the read itself stops at the limit).
pub fn read_file(path: &std::path::Path) -> Result<String, LoadError> {
    let name = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| LoadError::Io(name.clone(), e))?;
    read_open(f, name)
}

/// [`read_file`] of a file already open (the daemon reads the one whose descriptor came with a
/// request); `name` is what messages call it.
pub fn read_open(f: std::fs::File, name: String) -> Result<String, LoadError> {
    use std::io::Read;
    // Sized from the file, so a large config is read in one call rather than in doubling ones;
    // a device or pipe reports 0 and grows as it is read.
    let size = f.metadata().map(|m| m.len().min(MAX_CONFIG_BYTES + 1)).unwrap_or(0);
    let mut buf = Vec::with_capacity(size as usize + 1);
    f.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut buf).map_err(|e| LoadError::Io(name.clone(), e))?;
    if buf.len() as u64 > MAX_CONFIG_BYTES {
        return Err(LoadError::TooLarge(name, MAX_CONFIG_BYTES >> 20));
    }
    String::from_utf8(buf).map_err(|e| {
        // Placed as every other problem is: by line and column, not by byte index.
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let before = &bytes[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        LoadError::NotUtf8 { file: name, line, column, byte: bytes[at] }
    })
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LoadError {
    #[error("cannot read {0}: {1}")]
    Io(String, #[source] std::io::Error),
    #[error("{0} is larger than {1} MiB, the most hostnet reads as a config")]
    TooLarge(String, u64),
    #[error(
        "{file}:{line}:{column}: byte 0x{byte:02x} is not UTF-8 text; a config is UTF-8 (convert it with `iconv -t UTF-8`)"
    )]
    NotUtf8 { file: String, line: usize, column: usize, byte: u8 },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Problems),
}

/// The parser's resource limits, sized to the file limit: a 64 MiB config of interfaces has at
/// most a few million YAML nodes. The parser's defaults (250,000 nodes, 1,000,000 events) stopped
/// configs of 50,000 interfaces, well within what hostnet plans; the file size cap is what bounds
/// memory.
pub const MAX_NODES: usize = 8_000_000;
const MAX_EVENTS: usize = 16_000_000;

pub(crate) fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = MAX_NODES;
    budget.max_events = MAX_EVENTS;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    // YAML 1.2 booleans only: `stp: yes` and `on`/`off` are not booleans but words, so a
    // boolean field refuses them with its line instead of guessing (YAML 1.1 read them as
    // booleans, and every other word as a string).
    options.strict_booleans = true;
    options
}

/// A parser limit in words, or `None` if `e` is not one.
fn budget_words(e: &serde_saphyr::Error) -> Option<String> {
    use serde_saphyr::budget::BudgetBreach as B;
    let serde_saphyr::Error::Budget { breach, .. } = e.without_snippet() else { return None };
    Some(match breach {
        B::Nodes { .. } | B::Events { .. } => {
            format!(
                "the config has more than {MAX_NODES} YAML nodes (mappings, lists and values), the most hostnet reads"
            )
        }
        B::Depth { depth } => format!("the config nests {depth} levels deep, more than hostnet reads"),
        B::Aliases { .. } | B::Anchors { .. } => {
            "the config uses more YAML anchors or aliases than hostnet reads".into()
        }
        other => format!("the config exceeds a YAML parser limit ({other:?})"),
    })
}

/// At most this many structural problems (unknown keys, wrong types) are reported in one run;
/// past that, the user is better served fixing these first.
pub const MAX_PARSE_PROBLEMS: usize = 20;

/// Reports `first`, then every further structural problem up to [`MAX_PARSE_PROBLEMS`]: the
/// parser stops at the first, so the offending key is blanked out (its line and the lines nested
/// under it, replaced by spaces so every position stays where it was) and the text parsed again.
/// A user fixing a file written for another tool sees every foreign key in one run.
///
/// Cross-interface rules (a port that is not declared, a VLAN on a missing base) run once the
/// structure parses, as a compiler type-checks once the syntax is sound.
fn report_parse_errors(rep: &mut Reporter<'_>, src: &str, first: serde_saphyr::Error) {
    let index = crate::locate::PathIndex::build(src);
    let mut text = src.to_string();
    let mut err = first;
    // The mappings a key was blanked from.
    let mut blanked: Vec<String> = Vec::new();
    for reported in 1.. {
        // A key missing from a mapping that had a key blanked is the blanking's doing, or the
        // same mistake again (nmstate's `base-iface` blanked, `base` is missing).
        if let Some(key) = missing_key(&err)
            && let Some(at) = err.location().and_then(|l| l.span().byte_offset())
            && index.mapping_lacking(at as usize, &key).is_some_and(|(path, _)| blanked.iter().any(|b| b == path))
        {
            return;
        }
        let located = report_serde_error(rep, &index, &err);
        if reported == MAX_PARSE_PROBLEMS {
            rep.unlocated(format!(
                "stopped after {MAX_PARSE_PROBLEMS} problems; fix these and run `hostnet check` again"
            ));
            return;
        }
        let Some((line, column)) = located else { return };
        // Only a problem with a value or key (serde's messages) is blanked; after a syntax error
        // the parser's reading of the rest is a guess.
        use serde_saphyr::Error as E;
        if !matches!(
            err.without_snippet(),
            E::Message { .. }
                | E::InvalidBooleanStrict { .. }
                | E::SerdeInvalidType { .. }
                | E::SerdeInvalidValue { .. }
                | E::SerdeInvalidLength { .. }
                | E::SerdeUnknownField { .. }
                | E::SerdeUnknownVariant { .. }
                | E::InvalidScalar { .. }
        ) {
            return;
        }
        let Some((next, mapping)) = blank_at(&text, &index, line, column) else { return };
        // A mapping emptied reads as nothing at all (`bond:` with no settings), which fails
        // in a way the user did not write.
        let left = index.key_count(&mapping).unwrap_or(0);
        // (An interface left with only its name lacks a kind, and says so truly.)
        let item = mapping.starts_with("interfaces[") && !mapping.contains('.');
        if blanked.iter().filter(|b| **b == mapping).count() + 1 >= left && !item {
            return;
        }
        blanked.push(mapping);
        let again = serde_saphyr::from_str_with_options::<Config>(&next, options());
        match again {
            Ok(_) => return,
            Err(e) => {
                let same = e.location().map(|l| (l.line() as usize, l.column() as usize)) == Some((line, column));
                if same {
                    return;
                }
                text = next;
                err = e;
            }
        }
    }
}

/// `X` of "missing field `X`".
fn missing_key(e: &serde_saphyr::Error) -> Option<String> {
    let msg = e.without_snippet().to_string();
    let rest = &msg[msg.find("missing field `")? + "missing field `".len()..];
    rest.split('`').next().map(str::to_string)
}

/// Reports one parser error in the config's words; returns where it was, if it was located.
fn report_serde_error(
    rep: &mut Reporter<'_>,
    index: &crate::locate::PathIndex,
    e: &serde_saphyr::Error,
) -> Option<(usize, usize)> {
    if let Some(words) = budget_words(e) {
        rep.unlocated(words);
        return None;
    }
    let raw = e.without_snippet().to_string();
    let loc = e.location().filter(|l| l.line() > 0);
    let Some(loc) = loc else {
        rep.unlocated(clean_message(&raw, None));
        return None;
    };
    let (line, column) = (loc.line() as usize, loc.column() as usize);
    let offset = loc.span().byte_offset().unwrap_or(0) as usize;
    if let Some(key) = missing_key(e) {
        let key = key.as_str();
        // Serde stands at the mapping's last key; the problem is the mapping that lacks `key`.
        if let Some((path, pos)) = index.mapping_lacking(offset, key) {
            let what = if key == "name" && path.starts_with("interfaces[") && !path.contains('.') {
                "every interface needs a `name`".to_string()
            } else {
                "it is required".to_string()
            };
            rep.at(crate::locate::join_key(path, key), pos, format!("missing `{key}`: {what}"));
            // Blanking cannot supply a missing key: the next parse would fail the same way.
            return None;
        }
    }
    let path = index.path_at(line, column);
    rep.at_position(line, column, offset, clean_message(&raw, path));
    Some((line, column))
}

/// `text` with the key at or holding `line`:`column` blanked, with the lines nested under it;
/// `None` where that cannot be done safely (a flow mapping `{a: 1, b: 2}` on one line).
/// An item of a list is not blanked alone (an emptied list could fail in a new way); the key
/// that holds the list is. Returns the path of the mapping it was blanked from too.
fn blank_at(text: &str, index: &crate::locate::PathIndex, line: usize, column: usize) -> Option<(String, String)> {
    let mut path = index.path_at(line, column)?;
    while path.ends_with(']') {
        path = &path[..path.rfind('[')?];
    }
    if path.is_empty() {
        return None;
    }
    // A rule that failed on a whole interface (no kind, two kinds) is placed at its name; the
    // item goes, dash and all, so the next items are read. Not the only item: an emptied list
    // would fail in a way of its own.
    if let Some(item) = path.strip_suffix(".name")
        && let Some(n) = item.strip_prefix("interfaces[").and_then(|r| r.strip_suffix(']'))
        && let Ok(n) = n.parse::<usize>()
    {
        let others = n > 0 || index.get(&format!("interfaces[{}]", n + 1)).is_some();
        let pos = index.get(item).filter(|_| others)?;
        let dash = text[..pos.offset].rfind('-')?;
        return blank_block(text, dash).map(|t| (t, item.to_string()));
    }
    let pos = index.find(path)?;
    let mapping = path.rfind('.').map_or("", |i| &path[..i]).to_string();
    blank_block(text, pos.offset).map(|t| (t, mapping))
}

/// `text` with the block-style node at byte `start` (a key, or a list item's dash) replaced by
/// spaces, with the lines nested under it; `None` for flow style (`{a: 1, b: 2}` on one line).
fn blank_block(text: &str, start: usize) -> Option<String> {
    let start_of_line = text[..start].rfind('\n').map_or(0, |i| i + 1);
    // Block style only: before the node, nothing but indentation and list dashes.
    if !text[start_of_line..start].chars().all(|c| c == ' ' || c == '-') {
        return None;
    }
    let indent = start - start_of_line;
    let mut end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    // The lines nested under it: more indented, blank, or comments.
    while end < text.len() {
        let next_start = end + 1;
        let next_end = text[next_start..].find('\n').map_or(text.len(), |i| next_start + i);
        let next = &text[next_start..next_end];
        let next_indent = next.len() - next.trim_start_matches(' ').len();
        let content = next.trim();
        if !(content.is_empty() || content.starts_with('#') || next_indent > indent) {
            break;
        }
        end = next_end;
    }
    let mut bytes = text.as_bytes().to_vec();
    for b in &mut bytes[start..end] {
        if *b != b'\n' {
            *b = b' ';
        }
    }
    String::from_utf8(bytes).ok()
}

/// Serde's messages carry their own position suffix and Rust type names; we print the position
/// ourselves and speak the config's vocabulary. `path` is the field the error is at, if known.
fn clean_message(raw: &str, path: Option<&str>) -> String {
    let first = raw.lines().next().unwrap_or(raw).trim();
    let first = match first.find(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    let msg = first.trim_start_matches("error: ").trim_end_matches(',');
    // A kind without settings (`dummy: {x: 1}`): serde lists no fields to choose from.
    if let Some(rest) = msg.strip_prefix("unknown field `")
        && msg.trim_end().ends_with("expected one of")
    {
        let field = rest.split('`').next().unwrap_or_default();
        return format!("unknown field `{field}`: this takes no settings (write `{{}}`)");
    }
    if let Some(rest) = msg.strip_prefix("unknown field `")
        && let Some(path) = path
    {
        let field = rest.split('`').next().unwrap_or_default();
        let context = crate::model::foreign_keys::Context::of_parent(path);
        if let Some(hint) = crate::model::foreign_keys::hint(context, field) {
            return format!("unknown field: {hint}");
        }
    }
    if let Some(key) = msg.strip_prefix("duplicate mapping key: ") {
        let key = key.split(',').next().unwrap_or(key).trim();
        return format!("`{key}` is given twice here; each key may appear once");
    }
    if msg == "expected mapping start" {
        return "expected a mapping (`key: value` lines, or `{ key: value }`) here".into();
    }
    if msg == "expected sequence start" {
        return "expected a list (`- item` lines, or `[a, b]`) here".into();
    }
    if msg.starts_with("invalid boolean") {
        return "expected true or false (YAML 1.1's yes, no, on and off are not read as booleans)".into();
    }
    if let Some(ty) = msg.strip_prefix("invalid ")
        && let Some(max) = int_max(ty)
    {
        let range = path.and_then(validate::field_range);
        return match range {
            Some(words) => format!("expected a whole number: {words}"),
            None => format!("expected a whole number in 0..={max}"),
        };
    }
    match suggest(msg) {
        Some(s) => format!("{msg}; did you mean `{s}`?"),
        None => msg.to_string(),
    }
}

fn int_max(ty: &str) -> Option<u64> {
    Some(match ty {
        "u8" => u8::MAX.into(),
        "u16" => u16::MAX.into(),
        "u32" => u32::MAX.into(),
        _ => return None,
    })
}

/// For "unknown field `miimom`, expected one of ..., miimon, ...", the closest expected name.
fn suggest(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("unknown field `")?;
    let (got, rest) = rest.split_once('`')?;
    let list = rest.split_once("expected one of ")?.1;
    list.split(", ")
        .map(|c| c.trim_matches('`'))
        .map(|c| (edit_distance(got, c), c))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| c)
}

/// Optimal string alignment distance: edits plus adjacent transpositions, the usual typos.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// Located warnings for a config that loaded (see [`crate::validate::warnings`]).
pub fn warnings(file: &str, src: &str, config: &Config) -> Vec<crate::Problem> {
    locate(file, src, validate::warnings(config))
}

/// `(field path, message)` pairs placed at their line and column in `src`.
pub fn locate(file: &str, src: &str, items: Vec<(String, String)>) -> Vec<crate::Problem> {
    let mut rep = crate::diag::Reporter::new(file, src);
    for (field, message) in items {
        rep.error(field, message);
    }
    rep.finish().err().map(|p| p.problems).unwrap_or_default()
}
