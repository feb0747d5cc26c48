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
            report_serde_error(&mut rep, &e);
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
        LoadError::Io(name, std::io::Error::new(std::io::ErrorKind::InvalidData, format!("not UTF-8 text: {e}")))
    })
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LoadError {
    #[error("cannot read {0}: {1}")]
    Io(String, #[source] std::io::Error),
    #[error("{0} is larger than {1} MiB, the most hostnet reads as a config")]
    TooLarge(String, u64),
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

fn report_serde_error(rep: &mut Reporter<'_>, e: &serde_saphyr::Error) {
    let message = budget_words(e).unwrap_or_else(|| clean_message(&e.without_snippet().to_string()));
    match e.location() {
        Some(loc) if loc.line() > 0 => {
            let offset = loc.span().byte_offset().unwrap_or(0) as usize;
            rep.at_position(loc.line() as usize, loc.column() as usize, offset, message);
        }
        _ => rep.unlocated(message),
    }
}

/// Serde's messages carry their own position suffix and Rust type names; we print the position
/// ourselves and speak the config's vocabulary.
fn clean_message(raw: &str) -> String {
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
        return format!("expected a whole number in 0..={max}");
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
    let mut rep = crate::diag::Reporter::new(file, src);
    for (field, message) in validate::warnings(config) {
        rep.error(field, message);
    }
    rep.finish().err().map(|p| p.problems).unwrap_or_default()
}
