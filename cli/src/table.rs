//! `--output table`: documents rendered for people with comfy-table (display width, wrapping
//! to the terminal on stdout).
//!
//! - one object: a two-column table, field and value;
//! - several: one row each, the identifying columns first (`id`, `name`, `module` ...);
//! - every cell is readable text, never JSON: criteria read as conditions (`Stage equal
//!   "Closed Won" and Amount greater_than 1000`), sharing targets as a sentence (`role
//!   Manager and subordinates`, `all users`), references by name, lists joined by commas;
//! - nothing (null, an empty list, an empty text) is the one word `none` in a cell and in a
//!   section (`Locking rules: none`); a command's whole answer with nothing in it is a line
//!   on stderr in words instead (`No sharing rules for Leads.`, see `output`);
//! - every piece of server text passes through [`terminal::escape`];
//! - on a terminal, a list keeps one line per row and chooses its columns by width
//!   ([`fit`]): identifiers (ids, API names, any column of single words) and who a rule
//!   shares with and from are never broken, so an id is copied whole; text columns are
//!   shortened with `…`, and the least important columns are left out (a last line names
//!   them) when the rest would not fit; who a rule shares with or from, when it does not
//!   fit, goes whole on a line of its own under its row (`│   shared_from: role Sales
//!   Representative and subordinates │`) instead.

use comfy_table::{presets, ColumnConstraint, ContentArrangement, Table, Width};
use serde_json::{Map, Value};
use unicode_width::UnicodeWidthStr;

use crate::output::PlannedRequest;
use crate::terminal;

/// The word for nothing, everywhere in tables.
pub const NONE: &str = "none";

/// Columns shown first, in this order, when present.
/// Also the order of importance when a terminal is too narrow for every column (see [`fit`]).
/// A command may give its own ([`many_with`]).
pub const FIRST: &[&str] = &[
    "module",
    "id",
    "name",
    "api_name",
    "share_type",
    "lock_type",
    "permission_type",
    "shared_to",
    "shared_from",
    "criteria",
    "status",
    "type",
];

fn new_table() -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED);
    if let Some(width) = terminal::stdout_width() {
        t.set_content_arrangement(ContentArrangement::Dynamic);
        t.set_width(width);
    }
    t
}

/// One object as `field | value` rows; `none` for null.
pub fn one(value: &Value) -> String {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut t = new_table();
            t.set_header(["field", "value"]);
            let keys = ordered_keys(std::iter::once(map), FIRST);
            for key in &keys {
                t.add_row([terminal::escape(key).into_owned(), cell(key, &map[key])]);
            }
            // Field names are API names: never broken.
            let widest = keys.iter().map(|k| terminal::escape(k).width()).max();
            if let (Some(column), Some(widest)) = (t.column_mut(0), widest) {
                column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(
                    u16::try_from(widest + 2).unwrap_or(u16::MAX),
                )));
            }
            t.to_string()
        }
        other => cell("", other),
    }
}

/// One row per item; `none` for no items. On a terminal, the columns are chosen by width
/// ([`fit`]).
pub fn many(items: &[Value]) -> String {
    many_with(items, FIRST)
}

/// [`many`] with the columns `first` first, in that order, which is also their order of
/// importance on a narrow terminal (a user list: the name and e-mail address before the id).
pub fn many_with(items: &[Value], first: &[&str]) -> String {
    many_in(items, terminal::stdout_width().map(usize::from), first)
}

/// [`many_with`] for a terminal `width` columns wide (`None`: no limit).
fn many_in(items: &[Value], width: Option<usize>, first: &[&str]) -> String {
    if items.is_empty() {
        return NONE.to_owned();
    }
    if !items.iter().all(Value::is_object) {
        return items
            .iter()
            .map(|v| cell("", v))
            .collect::<Vec<_>>()
            .join("\n");
    }
    let keys = ordered_keys(items.iter().filter_map(Value::as_object), first);
    let mut columns: Vec<Column> = keys
        .iter()
        .map(|k| Column {
            header: terminal::escape(k).into_owned(),
            cells: items
                .iter()
                .map(|item| cell(k, &item[k.as_str()]))
                .collect(),
            width: 0,
        })
        .collect();
    let left_out = match width {
        Some(w) => fit(&mut columns, w),
        None => Vec::new(),
    };
    // Who a rule shares with or from, when its column does not fit: whole, on a line of its
    // own under the row.
    let (below, mut left_out): (Vec<Column>, Vec<Column>) =
        left_out.into_iter().partition(Column::own_line);
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED);
    t.set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(columns.iter().map(|c| c.header.clone()));
    for row in 0..items.len() {
        t.add_row(columns.iter().map(|c| match width {
            Some(_) => shorten(&c.cells[row], c.width),
            None => c.cells[row].clone(),
        }));
    }
    let table = t.to_string();
    let mut text = match under_rows(&table, &below, items.len()) {
        Some(text) => text,
        // Not one line per row: those columns are named below the table instead.
        None => {
            left_out.extend(below);
            table
        }
    };
    if let (false, Some(width)) = (left_out.is_empty(), width) {
        let headers: Vec<&str> = left_out.iter().map(|c| c.header.as_str()).collect();
        let note = format!(
            "not shown for the terminal's width: {} (-o json or -o yaml shows everything)",
            headers.join(", ")
        );
        text.push('\n');
        text.push_str(&wrap(&note, width));
    }
    text
}

/// `table` (one line per row, `rows` rows) with, under each row, a line for each of the
/// columns `below` that has something in that row: `│ shared_from: role Sales Representative
/// and subordinates │`, as wide as the table (wrapped between words when longer). `None`
/// when the table is not laid out one line per row.
fn under_rows(table: &str, below: &[Column], rows: usize) -> Option<String> {
    if below.is_empty() {
        return Some(table.to_owned());
    }
    let lines: Vec<&str> = table.lines().collect();
    // Top border, header, separator, the rows, bottom border.
    if lines.len() != rows + 4 {
        return None;
    }
    let inner = lines[0].width().saturating_sub(4).max(1);
    let mut out: Vec<String> = lines[..3].iter().map(|l| (*l).to_owned()).collect();
    for (row, line) in lines[3..3 + rows].iter().enumerate() {
        out.push((*line).to_owned());
        for c in below {
            if c.cells[row] == NONE {
                continue;
            }
            let text = format!("{}: {}", c.header, c.cells[row]);
            let room = inner.saturating_sub(2).max(1);
            for part in wrap(&text, room).lines() {
                let part = format!("  {}", shorten(part, room));
                let pad = inner.saturating_sub(part.width());
                out.push(format!("│ {part}{} │", " ".repeat(pad)));
            }
        }
    }
    out.push(lines[rows + 3].to_owned());
    Some(out.join("\n"))
}

/// A column of a list: its header, its cells (escaped text) and the width it gets.
struct Column {
    header: String,
    cells: Vec<String>,
    width: usize,
}

impl Column {
    /// The widest of its header and cells.
    fn natural(&self) -> usize {
        self.cells
            .iter()
            .map(|c| c.width())
            .chain(std::iter::once(self.header.width()))
            .max()
            .unwrap_or(0)
    }

    /// An identifier column: ids, API names, who a sharing rule shares with and from (what
    /// its list is read for: `group Miami Users`, `role Manager and subordinates`), or only
    /// single words (`active`, `read_write`). It is never shortened: it is shown whole or
    /// left out (and named below the table).
    fn whole(&self) -> bool {
        matches!(
            self.header.as_str(),
            "id" | "api_name" | "module" | "shared_to" | "shared_from"
        ) || self.header.ends_with("_id")
            || self.cells.iter().all(|c| !c.contains(char::is_whitespace))
    }

    /// Who a rule shares with or from: when it does not fit beside the rest, it goes on a
    /// line of its own under each row rather than out of the table.
    fn own_line(&self) -> bool {
        matches!(self.header.as_str(), "shared_to" | "shared_from")
    }

    /// The narrowest it may be: all of it for an identifier column; for names (what a
    /// person tells rows by: a name, a role, a profile) up to [`MIN_NAME`]; else its header
    /// and at least a few characters of text.
    fn least(&self) -> usize {
        match (self.whole(), self.header.as_str()) {
            (true, _) => self.natural(),
            (false, "name" | "full_name" | "role" | "profile") => self.natural().min(MIN_NAME),
            (false, _) => self.natural().min(self.header.width().max(MIN_TEXT)),
        }
    }
}

/// The fewest characters a shortened text column keeps.
const MIN_TEXT: usize = 10;

/// The fewest characters a shortened `name` column keeps.
const MIN_NAME: usize = 24;

/// Chooses the columns that fit `width` and the width of each: columns are taken in order
/// of importance (the identifying ones first, see `FIRST`; the module last when every row
/// has the same, as in a module's rules) while their least widths fit, and shown in their
/// usual order; the space left goes to the text columns, in that order, up to their natural
/// width. Returns the columns left out. One column is always kept.
fn fit(columns: &mut Vec<Column>, width: usize) -> Vec<Column> {
    // UTF8_FULL_CONDENSED: a border before each column and after the last, one space of
    // padding on each side of a cell.
    let frame = |n: usize| 3 * n + 1;
    // The module of a module's list says what the command line said.
    let asked = |c: &Column| {
        c.header == "module" && c.cells.len() > 1 && c.cells.iter().all(|v| *v == c.cells[0])
    };
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by_key(|&i| (asked(&columns[i]), i));
    let mut keep = vec![false; columns.len()];
    let (mut kept, mut used) = (0, 0);
    for i in order {
        let least = columns[i].least();
        if kept > 0 && used + least + frame(kept + 1) > width {
            continue;
        }
        used += least;
        kept += 1;
        keep[i] = true;
    }
    let mut left_out = Vec::new();
    for (c, kept) in std::mem::take(columns).into_iter().zip(keep) {
        if kept {
            columns.push(c);
        } else {
            left_out.push(c);
        }
    }
    let mut spare = width.saturating_sub(used + frame(kept));
    for c in columns.iter_mut() {
        c.width = c.least();
    }
    for c in columns.iter_mut() {
        let more = c.natural().saturating_sub(c.width).min(spare);
        c.width += more;
        spare -= more;
    }
    left_out
}

/// `text` in lines of at most `width` display columns, broken between words only.
fn wrap(text: &str, width: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.width() + 1 + word.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines.join("\n")
}

/// `text` cut to `width` display columns, ending in `…` when cut.
fn shorten(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.push('…');
    out
}

/// The requests of a dry run: the request line, then its body as indented JSON.
pub fn requests(requests: &[PlannedRequest]) -> String {
    if requests.is_empty() {
        return "would send nothing".to_owned();
    }
    let mut out = Vec::new();
    for r in requests {
        out.push(format!(
            "would send: {} {}",
            r.method,
            terminal::escape(&r.url)
        ));
        if !r.body.is_null() {
            let body = serde_json::to_string_pretty(&r.body).unwrap_or_default();
            for line in body.lines() {
                out.push(format!("  {}", terminal::escape(line)));
            }
        }
    }
    out.join("\n")
}

/// A titled section: the title, then its table; `Title: none` when it has nothing.
pub fn section(title: &str, body: &str) -> String {
    if body == NONE {
        return format!("{title}: {NONE}");
    }
    format!("{title}\n{body}")
}

/// The keys of `maps`, those of `first` first (in its order), the rest in alphabetical order.
fn ordered_keys<'a>(
    maps: impl Iterator<Item = &'a Map<String, Value>>,
    first: &[&str],
) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for m in maps {
        for k in m.keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    keys.sort_by_key(|k| {
        (
            first.iter().position(|f| f == k).unwrap_or(first.len()),
            k.clone(),
        )
    });
    keys
}

/// One value as readable text for the column `key`, escaped for the terminal.
pub fn cell(key: &str, value: &Value) -> String {
    let text = describe(key, value, 0);
    if text.is_empty() {
        NONE.to_owned()
    } else {
        terminal::escape(&text).into_owned()
    }
}

/// Deepest nesting shown; below it, `...`.
const MAX_DEPTH: usize = 6;

fn describe(key: &str, value: &Value, depth: usize) -> String {
    if depth > MAX_DEPTH {
        return "...".to_owned();
    }
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|v| describe(key, v, depth + 1))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(map) => object(key, map, depth),
    }
}

fn object(key: &str, map: &Map<String, Value>, depth: usize) -> String {
    if map.contains_key("group") || map.contains_key("comparator") {
        return criteria(map, depth);
    }
    if key == "shared_to" || key == "shared_from" || map.contains_key("subordinates") {
        return target(map);
    }
    // A rule with conditions (a locking rule): its name and its conditions.
    if let (Some(Value::String(name)), Some(Value::Object(c))) =
        (map.get("name"), map.get("criteria"))
    {
        return format!("{name}: {}", criteria(c, depth + 1));
    }
    for name_key in ["api_name", "name"] {
        if let Some(Value::String(name)) = map.get(name_key) {
            return name.clone();
        }
    }
    // Anything else: `key: value` pairs, not JSON.
    map.iter()
        .map(|(k, v)| {
            let v = describe(k, v, depth + 1);
            format!("{k}: {}", if v.is_empty() { NONE } else { &v })
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A criteria tree as conditions: `(A and B) or C`.
fn criteria(map: &Map<String, Value>, depth: usize) -> String {
    if depth > MAX_DEPTH {
        return "...".to_owned();
    }
    if let Some(Value::Array(group)) = map.get("group") {
        let op = map
            .get("group_operator")
            .and_then(Value::as_str)
            .unwrap_or("and")
            .to_ascii_lowercase();
        let parts: Vec<String> = group
            .iter()
            .map(|member| match member {
                Value::Object(m) if m.contains_key("group") => {
                    format!("({})", criteria(m, depth + 1))
                }
                Value::Object(m) => criteria(m, depth + 1),
                other => describe("", other, depth + 1),
            })
            .collect();
        return parts.join(&format!(" {op} "));
    }
    let field = match map.get("field") {
        Some(Value::Object(f)) => f
            .get("api_name")
            .or_else(|| f.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned(),
        Some(other) => describe("", other, depth + 1),
        None => "?".to_owned(),
    };
    let comparator = map.get("comparator").and_then(Value::as_str).unwrap_or("?");
    let value = match map.get("value") {
        Some(Value::String(s)) => format!("\"{s}\""),
        Some(Value::Array(items)) => format!(
            "[{}]",
            items
                .iter()
                .map(|v| match v {
                    Value::String(s) => format!("\"{s}\""),
                    other => describe("", other, depth + 1),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Some(Value::Null) | None => NONE.to_owned(),
        Some(other) => describe("", other, depth + 1),
    };
    format!("{field} {comparator} {value}")
}

/// A sharing target or source as words: `role Manager and subordinates`, `group Miami
/// Users`, `all users`.
fn target(map: &Map<String, Value>) -> String {
    let kind = map.get("type").and_then(Value::as_str).unwrap_or("");
    if kind == "all_users" {
        return "all users".to_owned();
    }
    let kind = match kind {
        "roles" => "role",
        "groups" => "group",
        "role_and_subordinates" => "role",
        other => other,
    };
    let resource = map.get("resource").and_then(Value::as_object);
    let name = resource
        .and_then(|r| r.get("name").and_then(Value::as_str))
        .map(str::to_owned)
        .or_else(|| {
            resource
                .and_then(|r| r.get("id").and_then(Value::as_str))
                .map(|id| format!("id {id}"))
        })
        .unwrap_or_default();
    let subordinates = map.get("subordinates") == Some(&Value::Bool(true))
        || map.get("type").and_then(Value::as_str) == Some("role_and_subordinates");
    let mut text = format!("{kind} {name}").trim().to_owned();
    if subordinates {
        text.push_str(" and subordinates");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn criteria_targets_and_nothing_read_as_words() {
        let c = json!({"group_operator": "OR", "group": [
            {"field": {"api_name": "Stage", "id": "1"}, "comparator": "equal", "value": "Closed Won"},
            {"group_operator": "AND", "group": [
                {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 1000},
                {"field": {"api_name": "City"}, "comparator": "in", "value": ["Miami", "Tampa"]}
            ]}
        ]});
        assert_eq!(
            cell("criteria", &c),
            "Stage equal \"Closed Won\" or (Amount greater_than 1000 and City in [\"Miami\", \"Tampa\"])"
        );
        let to = json!({"type": "roles", "resource": {"id": "9", "name": "Manager"}, "subordinates": true});
        assert_eq!(cell("shared_to", &to), "role Manager and subordinates");
        assert_eq!(
            cell("shared_to", &json!({"type": "all_users", "resource": null})),
            "all users"
        );
        for nothing in [json!(null), json!([]), json!("")] {
            assert_eq!(cell("x", &nothing), NONE);
        }
        assert_eq!(many_in(&[], Some(80), FIRST), NONE);
        assert_eq!(one(&json!(null)), NONE);
        let nested = cell("details", &json!({"a": {"b": [1, 2]}, "c": null}));
        assert_eq!(nested, "a: b: 1, 2; c: none");
    }

    #[test]
    fn a_narrow_terminal_keeps_ids_whole_and_leaves_out_columns() {
        let items: Vec<Value> = (0..3)
            .map(|i| {
                json!({
                    "id": format!("695443200000200974{i}"),
                    "name": "Leads of Miami, Florida, shared with the Miami group",
                    "module": {"api_name": "Leads", "id": "5843104000000002175"},
                    "type": "criteria",
                    "status": "active",
                    "permission_type": "read_write_delete",
                    "superiors_allowed": false,
                    "shared_to": {"type": "groups", "resource": {"name": "Miami Users"}},
                    "criteria": {"field": {"api_name": "City"}, "comparator": "equal", "value": "Miami"}
                })
            })
            .collect();
        let text = many_in(&items, Some(80), FIRST);
        let mut lines = text.lines();
        for line in lines.by_ref().take(7) {
            assert!(line.width() <= 80, "{line:?} in\n{text}");
        }
        for i in 0..3 {
            assert!(text.contains(&format!("695443200000200974{i}")), "{text}");
        }
        // Text is shortened, with a mark.
        assert!(text.contains("┆ Leads of Miami, Florida,… ┆"), "{text}");
        assert!(text.contains("not shown"), "{text}");
        // The module, the same in every row, goes first; the id stays.
        assert!(!text.lines().next().unwrap().contains("module"), "{text}");
        // Who a rule shares with, too wide for a column beside the id and the name, is
        // whole on a line of its own under each row, wrapped between words when narrower.
        for width in [36, 26] {
            let text = many_in(&items, Some(width), &["id", "name", "shared_to"]);
            let lines: Vec<&str> = text.lines().collect();
            let table: Vec<&&str> = lines.iter().take_while(|l| !l.starts_with("not")).collect();
            assert!(table.iter().all(|l| l.width() <= width), "{text}");
            assert_eq!(
                lines
                    .iter()
                    .filter(|l| l.contains("shared_to: group"))
                    .count(),
                3,
                "{text}"
            );
            assert!(!text.contains("width: shared_to"), "{text}");
        }
        // Without a width, everything.
        let wide = many_in(&items, None, FIRST);
        assert!(
            wide.contains("superiors_allowed") && !wide.contains('…'),
            "{wide}"
        );
    }
}
