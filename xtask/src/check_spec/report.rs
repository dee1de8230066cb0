//! Problems, per-recording outcomes and the coverage table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::matching::Operation;

/// One thing wrong with a recording (or a spec example).
#[derive(Debug, Clone)]
pub struct Problem {
    /// What was checked: `request`, `query`, `request body`, `status`, `content-type`,
    /// `response body`, `decode`, ...
    pub part: &'static str,
    /// JSON pointer in the data, when the problem is inside a body.
    pub pointer: Option<String>,
    /// Schema location in the (converted) spec.
    pub schema: Option<String>,
    /// What is wrong: expected versus found.
    pub message: String,
    /// Drift (undeclared property, undocumented open-enum value): a failure only with `--strict`.
    pub drift: bool,
    /// A request-side disagreement in an exchange the server refused (non-2xx): the spec and
    /// the server agree that the request was wrong, so it is not a failure.
    pub refused: bool,
}

impl Problem {
    /// A problem without a data or schema location.
    pub fn new(part: &'static str, message: impl Into<String>) -> Problem {
        Problem {
            part,
            pointer: None,
            schema: None,
            message: message.into(),
            drift: false,
            refused: false,
        }
    }

    /// The same problem at `pointer` (a JSON pointer into the recording).
    pub fn at(mut self, pointer: impl Into<String>) -> Problem {
        self.pointer = Some(pointer.into());
        self
    }

    /// Makes a pointer relative to a body relative to the recording (`/response/body/...`).
    pub fn under(mut self, prefix: &str) -> Problem {
        self.pointer = Some(format!("{prefix}{}", self.pointer.as_deref().unwrap_or("")));
        self
    }

    /// The problem on one line.
    pub fn line(&self) -> String {
        let mut s = format!("[{}]", self.part);
        if let Some(p) = &self.pointer {
            let shown = if p.is_empty() { "(root)" } else { p.as_str() };
            let _ = write!(s, " at {shown}");
        }
        let _ = write!(s, ": {}", self.message);
        if let Some(schema) = &self.schema {
            let _ = write!(s, " [schema {schema}]");
        }
        s
    }
}

/// What happened to one recording.
pub struct Outcome {
    /// The recording's file, as shown.
    pub file: String,
    /// `<corpus>/<relative path>`, used for the known-disagreements list.
    pub key: String,
    /// The matched operation.
    pub operation: Option<String>,
    /// The recorded status.
    pub status: Option<u16>,
    /// The documented status key it matched (`200`, `4XX`, `default`).
    pub status_key: Option<String>,
    /// Everything wrong (drift included).
    pub problems: Vec<Problem>,
    /// Request ids recorded as JSON numbers where the spec accepts them (JSON pointers).
    pub numeric_ids: Vec<String>,
    /// Path parameters the recording leaves as the template's `{name}` placeholder (not
    /// recorded, so not checked).
    pub placeholders: Vec<String>,
}

impl Outcome {
    /// Problems that fail the check.
    pub fn failures(&self, strict: bool) -> Vec<&Problem> {
        self.problems
            .iter()
            .filter(|p| !p.refused && (strict || !p.drift))
            .collect()
    }

    /// A header line naming the file, operation and status.
    pub fn header(&self) -> String {
        format!(
            "{} (operation {}, status {})",
            self.file,
            self.operation.as_deref().unwrap_or("-"),
            self.status.map_or("-".to_owned(), |s| s.to_string())
        )
    }
}

/// The coverage table: operation x documented status, with recording counts.
pub fn coverage(operations: &[Operation], outcomes: &[Outcome]) -> String {
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for o in outcomes {
        if let (Some(op), Some(status)) = (&o.operation, &o.status_key) {
            *counts.entry((op.as_str(), status.as_str())).or_default() += 1;
        }
    }
    let width = operations
        .iter()
        .map(|o| o.id.len())
        .max()
        .unwrap_or(9)
        .max(9);
    let mut out = String::new();
    let _ = writeln!(out, "Coverage (recordings per documented status):");
    let _ = writeln!(out, "  {:<width$}  {:<6}  statuses", "operation", "method");
    let mut uncovered = Vec::new();
    for op in operations {
        let mut cells = Vec::new();
        let mut total = 0;
        for status in &op.statuses {
            let n = counts
                .get(&(op.id.as_str(), status.as_str()))
                .copied()
                .unwrap_or(0);
            total += n;
            cells.push(format!("{status}:{n}"));
        }
        if total == 0 {
            uncovered.push(op.id.as_str());
        }
        let _ = writeln!(
            out,
            "  {:<width$}  {:<6}  {}",
            op.id,
            op.method,
            cells.join(" ")
        );
    }
    if uncovered.is_empty() {
        let _ = writeln!(out, "Every operation has at least one recording.");
    } else {
        let _ = writeln!(
            out,
            "Operations without any recording ({}): {}",
            uncovered.len(),
            uncovered.join(", ")
        );
    }
    out
}
