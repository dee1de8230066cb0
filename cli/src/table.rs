//! `--output table`: documents rendered for people with comfy-table (display width, wrapping
//! to the terminal on stdout).
//!
//! - one object: a two-column table, field and value;
//! - several: one row each, the identifying columns first (`id`, `name`, `module` ...);
//! - every cell is readable text, never JSON: criteria read as conditions (`Stage equal
//!   "Closed Won" and Amount greater_than 1000`), sharing targets as a sentence (`role
//!   Manager and subordinates`, `all users`), references by name, lists joined by commas;
//! - nothing (null, an empty list, an empty text) is the one word `none`;
//! - every piece of server text passes through [`terminal::escape`].

use comfy_table::{presets, ContentArrangement, Table};
use serde_json::{Map, Value};

use crate::output::PlannedRequest;
use crate::terminal;

/// The word for nothing, everywhere in tables.
pub const NONE: &str = "none";

/// Columns shown first, in this order, when present.
const FIRST: &[&str] = &[
    "module",
    "id",
    "name",
    "api_name",
    "type",
    "status",
    "share_type",
    "lock_type",
    "permission_type",
    "shared_from",
    "criteria",
    "shared_to",
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
            for key in ordered_keys(std::iter::once(map)) {
                t.add_row([terminal::escape(&key).into_owned(), cell(&key, &map[&key])]);
            }
            t.to_string()
        }
        other => cell("", other),
    }
}

/// One row per item; `none` for no items.
pub fn many(items: &[Value]) -> String {
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
    let columns = ordered_keys(items.iter().filter_map(Value::as_object));
    let mut t = new_table();
    t.set_header(columns.iter().map(|c| terminal::escape(c).into_owned()));
    for item in items {
        t.add_row(columns.iter().map(|c| cell(c, &item[c.as_str()])));
    }
    t.to_string()
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

/// A titled section: the title, then its table.
pub fn section(title: &str, body: &str) -> String {
    format!("{title}\n{body}")
}

/// The keys of `maps`, the known identifying ones first, the rest in alphabetical order.
fn ordered_keys<'a>(maps: impl Iterator<Item = &'a Map<String, Value>>) -> Vec<String> {
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
            FIRST.iter().position(|f| f == k).unwrap_or(FIRST.len()),
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
        assert_eq!(many(&[]), NONE);
        assert_eq!(one(&json!(null)), NONE);
        let nested = cell("details", &json!({"a": {"b": [1, 2]}, "c": null}));
        assert_eq!(nested, "a: b: 1, 2; c: none");
    }
}
