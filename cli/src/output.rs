//! What a command prints on stdout, in one convention for every command.
//!
//! Stdout carries exactly one document per successful command, and nothing when it fails
//! (the error goes to stderr):
//!
//! - **one thing** (`get`, the result of a write of one item): a JSON object, or `null` when
//!   Zoho has none (a module without a record locking configuration);
//! - **several things** (`list`, `search`, `summary`, `org-permissions get`, the results of a
//!   write of several items): `{"items": [...]}`, plus `"info"` (Zoho's paging: `page`,
//!   `per_page`, `count`, `more_records`) when one page of a longer list was asked for;
//! - **a dry run**: `{"dry_run": true, "requests": [{"method", "url", "body"}]}`;
//! - **`export`**: one object holding every family (see `export`).
//!
//! Inside, field names and values are Zoho's own (snake_case; ids are strings). Without
//! `--output`, stdout gets a table when it is a terminal (a person reads it) and JSON
//! otherwise (a pipe, a file: a program reads it) ([`Format::for_stdout`]). `--output
//! yaml` prints the same document as YAML; `--output table` prints it for people (see
//! `table`); where a table would show an empty list or nothing, one line on stderr says so in
//! words (`No sharing rules for Leads.`, [`Printer::when_empty`]) and stdout stays empty, as
//! kubectl's `No resources found`. JSON and YAML are exact: a control character from a server is escaped in their
//! own syntax (JSON `\u001b`, YAML `\e`), so the output parses back to what Zoho sent and
//! never carries a raw control character to a terminal.

use std::io::Write;

use serde::Serialize;
use serde_json::{json, Value};

use crate::{table, CliError};

/// How results are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Pretty-printed JSON (the default when stdout is not a terminal).
    #[default]
    Json,
    /// The same document as YAML.
    Yaml,
    /// A table for reading, not meant for parsing (the default on a terminal).
    Table,
}

impl Format {
    /// The format when none is asked for: a table when stdout is a terminal, JSON otherwise.
    pub fn for_stdout() -> Format {
        match std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            true => Format::Table,
            false => Format::Json,
        }
    }
}

/// Prints to stdout in the chosen format.
#[derive(Clone, Debug)]
pub struct Printer {
    format: Format,
    /// What a table says instead of an empty list or nothing (see [`Printer::when_empty`]).
    empty: Option<String>,
    /// A list's columns in order of importance (see [`Printer::columns`]).
    columns: &'static [&'static str],
}

/// What a table says for an empty list or nothing when the command gave no words of its own.
pub const NOTHING_FOUND: &str = "Nothing found.";

/// One request a dry run would have sent.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedRequest {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// The whole URL, with its query.
    pub url: String,
    /// The JSON body, or `null` when there is none.
    pub body: Value,
}

fn to_value<T: Serialize>(value: &T) -> Result<Value, CliError> {
    serde_json::to_value(value)
        .map_err(|e| CliError::Other(format!("cannot encode the result: {e}")))
}

impl Printer {
    pub fn new(format: Format) -> Self {
        Self {
            format,
            empty: None,
            columns: table::FIRST,
        }
    }

    /// This printer, showing a list's columns `columns` first in a table, in that order,
    /// which is also their order of importance when the terminal is too narrow for all
    /// (see `table::many_with`). JSON and YAML are unchanged.
    pub fn columns(&self, columns: &'static [&'static str]) -> Printer {
        Printer {
            columns,
            ..self.clone()
        }
    }

    /// This printer, saying `text` (`No sharing rules for Leads.`) when a table would show an
    /// empty list or nothing (`null`): one line on stderr, as kubectl's `No resources found`,
    /// and nothing on stdout. JSON and YAML print the document as ever (`{"items": []}`,
    /// `null`).
    pub fn when_empty(&self, text: impl Into<String>) -> Printer {
        Printer {
            empty: Some(text.into()),
            ..self.clone()
        }
    }

    /// One thing (an object), or `null` for none.
    pub fn one<T: Serialize>(&self, value: &T) -> Result<(), CliError> {
        if self.format == Format::Json {
            return write_json(value);
        }
        let doc = to_value(value)?;
        self.emit(&doc, || table::one(&doc))
    }

    /// Several things: `{"items": [...]}`.
    pub fn many<T: Serialize>(&self, items: &[T]) -> Result<(), CliError> {
        if self.format == Format::Json {
            #[derive(Serialize)]
            struct Items<'a, T> {
                items: &'a [T],
            }
            return write_json(&Items { items });
        }
        let doc = json!({ "items": to_value(&items)? });
        self.emit(&doc, || {
            table::many_with(doc["items"].as_array().unwrap_or(&Vec::new()), self.columns)
        })
    }

    /// One page of a longer list: `{"items": [...], "info": {...}}`.
    pub fn page<T: Serialize, I: Serialize>(&self, items: &[T], info: &I) -> Result<(), CliError> {
        if self.format == Format::Json {
            #[derive(Serialize)]
            struct Page<'a, T, I> {
                info: &'a I,
                items: &'a [T],
            }
            return write_json(&Page { info, items });
        }
        let doc = json!({ "items": to_value(&items)?, "info": to_value(info)? });
        self.emit(&doc, || {
            let items = doc["items"].as_array().cloned().unwrap_or_default();
            let mut text = table::many_with(&items, self.columns);
            if doc["info"]["more_records"] == true {
                let next = doc["info"]["page"].as_u64().map_or(2, |p| p + 1);
                text.push_str(&format!(
                    "\nmore on page {next} (--page {next}), or all with --all"
                ));
            }
            text
        })
    }

    /// The requests a dry run would have sent.
    pub fn dry_run(&self, requests: &[PlannedRequest]) -> Result<(), CliError> {
        let doc = json!({ "dry_run": true, "requests": to_value(&requests)? });
        self.emit(&doc, || table::requests(requests))
    }

    /// A document with a table of its own (`export`).
    pub fn document(
        &self,
        doc: &Value,
        as_table: impl FnOnce(&Value) -> String,
    ) -> Result<(), CliError> {
        self.emit(doc, || as_table(doc))
    }

    fn emit(&self, doc: &Value, as_table: impl FnOnce() -> String) -> Result<(), CliError> {
        let text = match self.format {
            Format::Json => json_text(doc)?,
            Format::Yaml => yaml_text(doc)?,
            Format::Table if empty(doc) => {
                let text = self.empty.as_deref().unwrap_or(NOTHING_FOUND);
                return write_stderr(&crate::terminal::escape(text));
            }
            Format::Table => as_table(),
        };
        write_stdout(&text)
    }
}

/// Whether a document holds nothing to show: `null`, or a list without items (and no page
/// after it).
fn empty(doc: &Value) -> bool {
    match doc {
        Value::Null => true,
        Value::Object(map) => {
            map.get("items")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty)
                && doc["info"]["more_records"] != true
        }
        _ => false,
    }
}

/// Writes `text` and a newline to stderr (a message for the person, not the document).
fn write_stderr(text: &str) -> Result<(), CliError> {
    let mut err = std::io::stderr().lock();
    match writeln!(err, "{text}").and_then(|()| err.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Other(format!("cannot write to stderr: {e}"))),
    }
}

/// Pretty JSON in which no control character appears raw: serde_json escapes C0 codes;
/// [`SafeFormatter`] escapes DEL and C1 codes too (as `\u007f`, `\u009b` ...), which JSON
/// allows for any character, so the text still parses to the same value.
pub fn json_text(value: &Value) -> Result<String, CliError> {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, SafeFormatter::default());
    value
        .serialize(&mut ser)
        .map_err(|e| CliError::Other(format!("cannot encode the result: {e}")))?;
    String::from_utf8(buf).map_err(|e| CliError::Other(format!("cannot encode the result: {e}")))
}

/// YAML of the same document. The emitter writes every string holding a control character
/// (C0, DEL, C1) double-quoted with YAML escapes (`"\e[2J"`, `"\x9B"`), so none appears raw.
pub fn yaml_text(value: &Value) -> Result<String, CliError> {
    let text = serde_norway::to_string(value)
        .map_err(|e| CliError::Other(format!("cannot encode the result as YAML: {e}")))?;
    Ok(text.trim_end_matches('\n').to_owned())
}

/// serde_json's pretty formatter, escaping DEL and the C1 control codes as well.
#[derive(Default)]
struct SafeFormatter(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if c.is_control() {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Writes `value` as JSON (as [`json_text`] formats it) and a newline straight to stdout,
/// without building a [`Value`] or a string first: a large answer costs its typed form and
/// a buffer, not three more copies (BENCHMARKS.md, section 9). A closed pipe is not an error.
pub fn write_json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut ser = serde_json::Serializer::with_formatter(&mut out, SafeFormatter::default());
    let written = match value.serialize(&mut ser) {
        Ok(()) => writeln!(out).and_then(|()| out.flush()),
        Err(e) if e.is_io() => Err(std::io::Error::from(e)),
        Err(e) => return Err(CliError::Other(format!("cannot encode the result: {e}"))),
    };
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Other(format!("cannot write to stdout: {e}"))),
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

/// A count with its noun: `1 rule`, `2 rules`.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_yaml_escape_control_characters_and_stay_exact() {
        let value = json!({"k\u{1b}": "a\u{1b}[2J\u{7}\r\u{7f}\u{9b}31m\u{85}", "plain": "Ünï"});
        let text = json_text(&value).unwrap();
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
        let yaml = yaml_text(&value).unwrap();
        assert!(
            !yaml.chars().any(|c| c.is_control() && c != '\n'),
            "{yaml:?}"
        );
        assert_eq!(serde_norway::from_str::<Value>(&yaml).unwrap(), value);
    }
}
