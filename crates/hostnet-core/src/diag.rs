//! Errors about the user's file: each names the file, line, column and field.

use std::fmt;
use std::sync::Arc;

use miette::{NamedSource, SourceSpan};

use crate::locate::{PathIndex, Pos};

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// Dotted path of the offending field, e.g. `interfaces[2].bond.arp_interval`.
    pub field: String,
    pub message: String,
    offset: usize,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}: {}", self.file, self.line, self.column, self.field, self.message)
    }
}

/// Every problem found in one file. Rendered either as plain lines (`Display`) or, through
/// miette, with the offending source lines underlined.
#[derive(Debug, Clone, thiserror::Error)]
pub struct Problems {
    pub problems: Vec<Problem>,
    src: Arc<NamedSource<String>>,
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(f, "{} problem{} in {}", n, if n == 1 { "" } else { "s" }, self.src.name())
    }
}

// No `code`: an internal identifier in a report means nothing to the person reading it.
impl miette::Diagnostic for Problems {
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.src.as_ref())
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(self.problems.iter().map(|p| {
            miette::LabeledSpan::new_with_span(
                Some(format!("{}: {}", p.field, p.message)),
                SourceSpan::new(p.offset.into(), 1),
            )
        })))
    }
}

impl Problems {
    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter()
    }

    /// Plain one-line-per-problem rendering, stable for scripts and tests.
    pub fn lines(&self) -> String {
        self.problems.iter().map(|p| format!("error: {p}\n")).collect()
    }
}

/// Collects problems while validating one file. Positions are resolved only when there is
/// something to report: indexing a 10,000-interface file costs as much as parsing it.
pub struct Reporter<'a> {
    file: &'a str,
    src: &'a str,
    pending: Vec<Pending>,
}

enum Pending {
    /// Located by field path, resolved against the index at the end.
    Field {
        field: String,
        message: String,
    },
    /// Located by the parser; the field path is found from the position.
    Position {
        line: usize,
        column: usize,
        offset: usize,
        message: String,
    },
    /// Located by the caller, which knows both the field and where to point.
    Placed {
        field: String,
        pos: Pos,
        message: String,
    },
    Unlocated {
        message: String,
    },
}

impl<'a> Reporter<'a> {
    pub fn new(file: &'a str, src: &'a str) -> Self {
        Reporter { file, src, pending: Vec::new() }
    }

    pub fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.pending.push(Pending::Field { field: field.into(), message: message.into() });
    }

    pub fn at_position(&mut self, line: usize, column: usize, offset: usize, message: impl Into<String>) {
        self.pending.push(Pending::Position { line, column, offset, message: message.into() });
    }

    pub fn at(&mut self, field: impl Into<String>, pos: Pos, message: impl Into<String>) {
        self.pending.push(Pending::Placed { field: field.into(), pos, message: message.into() });
    }

    pub fn unlocated(&mut self, message: impl Into<String>) {
        self.pending.push(Pending::Unlocated { message: message.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    pub fn finish(self) -> Result<(), Problems> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let index = PathIndex::build(self.src);
        let doc = Pos { line: 1, column: 1, offset: 0 };
        let mut problems: Vec<Problem> = self
            .pending
            .into_iter()
            .map(|p| {
                let (field, pos, message) = match p {
                    Pending::Field { field, message } => {
                        let pos = index.find(&field).unwrap_or(doc);
                        (field, pos, message)
                    }
                    Pending::Position { line, column, offset, message } => {
                        let field = index.path_at(line, column).unwrap_or("(document)").to_string();
                        (field, Pos { line, column, offset }, message)
                    }
                    Pending::Placed { field, pos, message } => (field, pos, message),
                    Pending::Unlocated { message } => ("(document)".to_string(), doc, message),
                };
                Problem {
                    file: self.file.to_string(),
                    line: pos.line,
                    column: pos.column,
                    field,
                    message,
                    offset: pos.offset,
                }
            })
            .collect();
        problems.sort_by_key(|p| (p.line, p.column));
        problems.dedup();
        Err(Problems { problems, src: Arc::new(NamedSource::new(self.file, self.src.to_string())) })
    }
}
