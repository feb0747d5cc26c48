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
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.column, self.field, self.message
        )
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
        write!(
            f,
            "{} problem{} in {}",
            n,
            if n == 1 { "" } else { "s" },
            self.src.name()
        )
    }
}

impl miette::Diagnostic for Problems {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("hostnet::invalid_config"))
    }

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
        self.problems
            .iter()
            .map(|p| format!("error: {p}\n"))
            .collect()
    }
}

/// Collects problems while validating one file.
pub struct Reporter<'a> {
    file: &'a str,
    src: &'a str,
    index: &'a PathIndex,
    problems: Vec<Problem>,
}

impl<'a> Reporter<'a> {
    pub fn new(file: &'a str, src: &'a str, index: &'a PathIndex) -> Self {
        Reporter {
            file,
            src,
            index,
            problems: Vec::new(),
        }
    }

    pub fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        let pos = self.index.find(&field).unwrap_or(Pos {
            line: 1,
            column: 1,
            offset: 0,
        });
        self.push(field, pos, message.into());
    }

    pub fn at(&mut self, field: impl Into<String>, pos: Pos, message: impl Into<String>) {
        self.push(field.into(), pos, message.into());
    }

    fn push(&mut self, field: String, pos: Pos, message: String) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            line: pos.line,
            column: pos.column,
            field,
            message,
            offset: pos.offset,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn finish(mut self) -> Result<(), Problems> {
        if self.problems.is_empty() {
            return Ok(());
        }
        self.problems.sort_by_key(|p| (p.line, p.column));
        self.problems.dedup();
        Err(Problems {
            problems: self.problems,
            src: Arc::new(NamedSource::new(self.file, self.src.to_string())),
        })
    }
}
