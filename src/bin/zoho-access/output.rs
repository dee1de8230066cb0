//! Printing results: pretty JSON (default) or a plain-text table.

use std::io::Write;

use serde::Serialize;
use serde_json::Value;

use crate::CliError;

/// How results are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Pretty-printed JSON on stdout.
    #[default]
    Json,
    /// A human-readable table.
    Table,
}

/// Prints to stdout in the chosen format.
pub struct Printer {
    format: Format,
}

impl Printer {
    pub fn new(format: Format) -> Self {
        Self { format }
    }

    /// Prints a serializable result.
    pub fn print<T: Serialize>(&self, value: &T) -> Result<(), CliError> {
        let value = serde_json::to_value(value)
            .map_err(|e| CliError::Other(format!("cannot encode the result: {e}")))?;
        let text = match self.format {
            Format::Json => serde_json::to_string_pretty(&value)
                .map_err(|e| CliError::Other(format!("cannot encode the result: {e}")))?,
            Format::Table => table(&value),
        };
        write_stdout(&text)
    }
}

/// Writes `text` and a newline to stdout. A closed pipe (`| head`) is not an error.
pub fn write_stdout(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Other(format!("cannot write to stdout: {e}"))),
    }
}

const MAX_CELL: usize = 48;

/// A table for arrays of objects, `key  value` lines for objects, the value itself otherwise.
/// An object holding one array (Zoho's envelopes) is shown as that array's table.
pub fn table(value: &Value) -> String {
    match value {
        Value::Array(rows) if rows.iter().all(Value::is_object) && !rows.is_empty() => {
            rows_table(rows)
        }
        Value::Array(rows) if rows.is_empty() => "(none)".to_owned(),
        Value::Object(map) => {
            let arrays: Vec<_> = map.iter().filter(|(_, v)| v.is_array()).collect();
            if arrays.len() == 1 && map.len() <= 2 {
                return table(arrays[0].1);
            }
            let width = map.keys().map(String::len).max().unwrap_or(0);
            map.iter()
                .map(|(k, v)| format!("{k:width$}  {}", cell(v, usize::MAX)))
                .collect::<Vec<_>>()
                .join("\n")
        }
        other => cell(other, usize::MAX),
    }
}

fn rows_table(rows: &[Value]) -> String {
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        if let Value::Object(m) = row {
            for k in m.keys() {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| cell(&r[c.as_str()], MAX_CELL))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain(std::iter::once(c.len()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |items: Vec<&str>| {
        items
            .iter()
            .zip(&widths)
            .map(|(s, w)| format!("{s:w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let mut out = vec![line(columns.iter().map(String::as_str).collect())];
    for r in &cells {
        out.push(line(r.iter().map(String::as_str).collect()));
    }
    out.join("\n")
}

/// One value as short text: names for references, counts for long arrays.
fn cell(v: &Value, max: usize) -> String {
    let s = match v {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) => v.to_string(),
        Value::Object(m) => {
            if let Some(Value::String(n)) = m.get("api_name").or_else(|| m.get("name")) {
                n.clone()
            } else if let Some(Value::String(t)) = m.get("type") {
                match m
                    .get("resource")
                    .and_then(|r| r.get("name"))
                    .and_then(Value::as_str)
                {
                    Some(n) => format!("{t}:{n}"),
                    None => t.clone(),
                }
            } else {
                v.to_string()
            }
        }
        Value::Array(a) => a
            .iter()
            .map(|x| cell(x, max))
            .collect::<Vec<_>>()
            .join(", "),
    };
    if s.chars().count() > max {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        s
    }
}
