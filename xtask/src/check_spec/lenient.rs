//! Ids Zoho also accepts as JSON numbers in requests (`x-zoho-accepts-number: true`).
//!
//! The spec types every id as a string of 1 to 19 digits, so generated clients send strings
//! (19-digit ids exceed 2^53 and lose digits as numbers in JavaScript). Zoho also accepts the
//! same id as a bare JSON number in a request body: its official Python SDK sends them that
//! way. A request schema marks such an id with `x-zoho-accepts-number: true`; before a recorded
//! request body is validated and decoded, every non-negative integer at a position so marked
//! is replaced by its decimal string, so the string schema (and its pattern) then applies to it.
//!
//! The walk follows the schema: `$ref`, `properties`, `items`, and every branch of `allOf`,
//! `oneOf` and `anyOf` (a position marked in any branch is converted; no schema of this spec
//! puts a number-typed property where another branch puts a lenient id). Responses are never
//! converted: Zoho sends ids as strings.

use serde_json::Value;

/// The extension that marks an id Zoho also accepts as a JSON number.
pub const EXTENSION: &str = "x-zoho-accepts-number";

/// Converts the numbers at lenient positions of `data` (validated by the schema at `pointer` of
/// the converted `doc`) to strings; returns the JSON pointers (inside `data`) it converted.
pub fn stringify_ids(doc: &Value, pointer: &str, data: &mut Value) -> Vec<String> {
    let mut converted = Vec::new();
    walk(doc, pointer, data, "", 0, &mut converted);
    converted
}

fn walk(
    doc: &Value,
    pointer: &str,
    data: &mut Value,
    at: &str,
    depth: usize,
    out: &mut Vec<String>,
) {
    if depth > 64 {
        return;
    }
    let Some(node) = doc.pointer(pointer) else {
        return;
    };
    if let Some(target) = node.get("$ref").and_then(Value::as_str) {
        walk(
            doc,
            target.trim_start_matches('#'),
            data,
            at,
            depth + 1,
            out,
        );
        return;
    }
    if node.get(EXTENSION).and_then(Value::as_bool) == Some(true) {
        if let Some(n) = data.as_u64() {
            *data = Value::String(n.to_string());
            out.push(at.to_owned());
            return;
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(list) = node.get(key).and_then(Value::as_array) {
            for i in 0..list.len() {
                walk(
                    doc,
                    &format!("{pointer}/{key}/{i}"),
                    data,
                    at,
                    depth + 1,
                    out,
                );
            }
        }
    }
    match data {
        Value::Object(map) => {
            let Some(props) = node.get("properties").and_then(Value::as_object) else {
                return;
            };
            for (key, value) in map.iter_mut() {
                if props.contains_key(key) {
                    let child = format!("{pointer}/properties/{}", super::matching::escape(key));
                    let child_at = format!("{at}/{}", super::matching::escape(key));
                    walk(doc, &child, value, &child_at, depth + 1, out);
                }
            }
        }
        Value::Array(items) if node.get("items").is_some_and(Value::is_object) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(
                    doc,
                    &format!("{pointer}/items"),
                    item,
                    &format!("{at}/{i}"),
                    depth + 1,
                    out,
                );
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "Ref": {"type": "object", "properties": {
                "id": {"type": "string", "pattern": "^[0-9]{1,19}$", "x-zoho-accepts-number": true},
                "count": {"type": "integer"}
            }},
            "Body": {"type": "object", "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Ref"}},
                "maybe": {"anyOf": [{"type": "null"}, {"allOf": [{"$ref": "#/components/schemas/Ref"}]}]},
                "plain_id": {"type": "string"}
            }}
        }}})
    }

    #[test]
    fn numbers_become_strings_only_where_marked() {
        let mut data = json!({
            "items": [{"id": 5843104000001068052u64, "count": 3}, {"id": "12"}],
            "maybe": {"id": 7},
            "plain_id": 9
        });
        let converted = stringify_ids(&doc(), "/components/schemas/Body", &mut data);
        assert_eq!(converted, vec!["/items/0/id", "/maybe/id"]);
        assert_eq!(
            data,
            json!({
                "items": [{"id": "5843104000001068052", "count": 3}, {"id": "12"}],
                "maybe": {"id": "7"},
                "plain_id": 9
            })
        );
    }

    #[test]
    fn negative_and_fractional_numbers_stay_numbers() {
        let mut data = json!({"items": [{"id": -1}, {"id": 1.5}]});
        let converted = stringify_ids(&doc(), "/components/schemas/Body", &mut data);
        assert!(converted.is_empty());
        assert_eq!(data, json!({"items": [{"id": -1}, {"id": 1.5}]}));
    }
}
