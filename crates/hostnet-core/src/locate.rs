//! Maps field paths (`interfaces[2].bond.miimon`) to where they sit in the YAML text.
//!
//! Serde gives us typed values but forgets positions; validation runs on typed values and then
//! needs to point the user at a line. We walk the parser's event stream once and record the
//! position of every key and sequence item, so the model itself stays free of span wrappers.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser};

/// A 1-based line and column plus the byte offset, for labels in rendered reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

#[derive(Debug, Default, Clone)]
pub struct PathIndex {
    positions: HashMap<String, Pos>,
    /// Paths in document order, for finding the field that holds a given position.
    ordered: Vec<(Pos, String)>,
    /// Every mapping: where it starts, the byte offset where it ends, its path and its keys;
    /// for placing a missing key at the mapping that lacks it.
    maps: Vec<MapSpan>,
}

/// A mapping's extent, path and keys (see [`PathIndex::mapping_lacking`]).
#[derive(Debug, Clone)]
struct MapSpan {
    start: Pos,
    end: usize,
    path: String,
    keys: Vec<String>,
}

enum Frame {
    Map { key: Option<String>, path: String },
    Seq { index: usize, path: String },
}

impl PathIndex {
    pub fn build(src: &str) -> Self {
        let mut index = PathIndex::default();
        let mut stack: Vec<Frame> = Vec::new();
        let mut open_maps: Vec<usize> = Vec::new();
        let line_starts = line_starts(src);
        for item in Parser::new_from_str(src) {
            let Ok((event, span)) = item else { break };
            let m = span.start;
            let pos = Pos {
                line: m.line(),
                column: m.col() + 1,
                offset: m
                    .byte_offset()
                    .unwrap_or_else(|| line_starts.get(m.line().saturating_sub(1)).copied().unwrap_or(0) + m.col()),
            };
            match event {
                Event::Scalar(value, ..) => {
                    if let Some(Frame::Map { key, path }) = stack.last_mut()
                        && key.is_none()
                    {
                        let child = join_key(path, &value);
                        index.record(&child, pos);
                        *key = Some(child);
                        if let Some(&open) = open_maps.last() {
                            index.maps[open].keys.push(value.to_string());
                        }
                        continue;
                    }
                    index.value_at(&mut stack, pos);
                }
                Event::MappingStart(..) => {
                    let path = index.value_at(&mut stack, pos);
                    open_maps.push(index.maps.len());
                    index.maps.push(MapSpan { start: pos, end: usize::MAX, path: path.clone(), keys: Vec::new() });
                    stack.push(Frame::Map { key: None, path });
                }
                Event::SequenceStart(..) => {
                    let path = index.value_at(&mut stack, pos);
                    stack.push(Frame::Seq { index: 0, path });
                }
                Event::MappingEnd => {
                    if let Some(open) = open_maps.pop() {
                        index.maps[open].end = pos.offset;
                    }
                    stack.pop();
                }
                Event::SequenceEnd => {
                    stack.pop();
                }
                Event::Alias(..) => {
                    index.value_at(&mut stack, pos);
                }
                _ => {}
            }
        }
        index.ordered.sort_by_key(|(p, _)| p.offset);
        index
    }

    /// Registers the value that starts at `pos` and returns its path.
    fn value_at(&mut self, stack: &mut [Frame], pos: Pos) -> String {
        match stack.last_mut() {
            None => String::new(),
            Some(Frame::Map { key, path }) => match key.take() {
                Some(k) => k,
                // A complex key (map used as key); not valid in our schema, serde reports it.
                None => path.clone(),
            },
            Some(Frame::Seq { index, path }) => {
                let child = format!("{path}[{index}]");
                *index += 1;
                self.record(&child, pos);
                child
            }
        }
    }

    fn record(&mut self, path: &str, pos: Pos) {
        self.positions.entry(path.to_string()).or_insert(pos);
        self.ordered.push((pos, path.to_string()));
    }

    /// How many keys the mapping at `path` has, if there is one.
    pub fn key_count(&self, path: &str) -> Option<usize> {
        self.maps.iter().find(|m| m.path == path).map(|m| m.keys.len())
    }

    /// Position of exactly this path, if the text has it.
    pub fn get(&self, path: &str) -> Option<Pos> {
        self.positions.get(path).copied()
    }

    /// Position of a path; falls back to the nearest recorded ancestor, so a rule may name a
    /// field the user omitted (`interfaces[1].bond.mode`) and still point at its parent.
    pub fn find(&self, path: &str) -> Option<Pos> {
        let mut p = path;
        loop {
            if let Some(pos) = self.positions.get(p) {
                return Some(*pos);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }

    /// The innermost mapping around byte `offset` (or ending there, where a parser reports a
    /// missing key) that has no key `key`: its path and where it starts. Serde reports a missing
    /// key where the mapping ends, at its last key, which names the wrong field.
    pub fn mapping_lacking(&self, offset: usize, key: &str) -> Option<(&str, Pos)> {
        self.maps
            .iter()
            .filter(|m| m.start.offset <= offset && offset <= m.end && !m.keys.iter().any(|k| k == key))
            .max_by_key(|m| m.start.offset)
            .map(|m| (m.path.as_str(), m.start))
    }

    /// The deepest recorded path at or before a line/column; names the field of a parse error.
    pub fn path_at(&self, line: usize, column: usize) -> Option<&str> {
        self.ordered.iter().rev().find(|(p, _)| (p.line, p.column) <= (line, column)).map(|(_, path)| path.as_str())
    }
}

pub(crate) fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() { key.to_string() } else { format!("{parent}.{key}") }
}

fn line_starts(src: &str) -> Vec<usize> {
    std::iter::once(0).chain(src.match_indices('\n').map(|(i, _)| i + 1)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keys_and_items() {
        let src = "interfaces:\n  - name: a\n    bond:\n      miimon: 100\n  - name: b\n";
        let idx = PathIndex::build(src);
        assert_eq!(idx.find("interfaces[0].bond.miimon").map(|p| (p.line, p.column)), Some((4, 7)));
        assert_eq!(idx.find("interfaces[1].name").map(|p| (p.line, p.column)), Some((5, 5)));
        // Unknown child falls back to its parent.
        assert_eq!(idx.find("interfaces[1].mtu").map(|p| p.line), Some(5));
        assert_eq!(idx.path_at(4, 15), Some("interfaces[0].bond.miimon"));
    }

    #[test]
    fn finds_the_mapping_that_lacks_a_key() {
        let src = "interfaces:\n  - name: a\n    dummy: {}\n  - mtu: 9000\n    addresses:\n      - 10.0.0.1/24\n";
        let idx = PathIndex::build(src);
        // Inside the second item's last value, where serde reports `missing field name`.
        let at = src.find("10.0.0.1").unwrap();
        let (path, pos) = idx.mapping_lacking(at, "name").unwrap();
        assert_eq!((path, pos.line, pos.column), ("interfaces[1]", 4, 5));
        assert_eq!(idx.mapping_lacking(at, "mtu").map(|(p, _)| p), Some(""));
    }
}
