//! OpenAPI 3.0 schema objects to JSON Schema 2020-12.
//!
//! The whole OpenAPI document is converted in place, so every schema keeps its JSON pointer and
//! `$ref: "#/components/schemas/X"` still resolves. The rules (OpenAPI 3.0.3, section 4.7.24):
//!
//! * `nullable: true` with a `type` adds `"null"` to the type (and `null` to an `enum`). Without a
//!   `type` (an `allOf`/`oneOf`/`anyOf` wrapper around a `$ref`) the schema becomes
//!   `{"anyOf": [{"type": "null"}, <schema>]}`, which is what every tool means by it; the schema
//!   location of such a value then carries an extra `/anyOf/1`.
//! * Siblings of `$ref` are ignored in 3.0, so they are dropped.
//! * `exclusiveMinimum`/`exclusiveMaximum` are booleans in 3.0 and numbers in 2020-12.
//! * `format: int32`/`int64` on integers become the matching `minimum`/`maximum` bounds (JSON
//!   Schema formats only constrain strings).
//! * `example`, `x-*`, `readOnly`, `writeOnly`, `xml`, `externalDocs`, `discriminator` are
//!   annotations and are left as they are (2020-12 ignores unknown keywords).
//! * `x-extensible-enum: true`: the `enum` is moved to `x-extensible-enum-values`, so an
//!   unknown value is valid (Zoho adds values); the drift check reports it under `--strict`.

use serde_json::{Map, Value};

/// Converts every schema object of an OpenAPI 3.0 document, in place.
pub fn convert_document(doc: &mut Value) {
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for schema in schemas.values_mut() {
            convert_schema(schema);
        }
    }
    for kind in ["parameters", "requestBodies", "responses", "headers"] {
        if let Some(map) = doc
            .pointer_mut(&format!("/components/{kind}"))
            .and_then(Value::as_object_mut)
        {
            for item in map.values_mut() {
                convert_holder(item);
            }
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (key, value) in item.iter_mut() {
                if key == "parameters" {
                    convert_holder_list(value);
                } else if let Some(op) = value.as_object_mut() {
                    for (k, v) in op.iter_mut() {
                        match k.as_str() {
                            "parameters" => convert_holder_list(v),
                            "requestBody" => convert_holder(v),
                            "responses" => {
                                if let Some(map) = v.as_object_mut() {
                                    for r in map.values_mut() {
                                        convert_holder(r);
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }
}

fn convert_holder_list(list: &mut Value) {
    if let Some(items) = list.as_array_mut() {
        for item in items {
            convert_holder(item);
        }
    }
}

/// A parameter, header, request body or response: converts the schemas it holds.
fn convert_holder(holder: &mut Value) {
    let Some(obj) = holder.as_object_mut() else {
        return;
    };
    if obj.contains_key("$ref") {
        return;
    }
    if let Some(schema) = obj.get_mut("schema") {
        convert_schema(schema);
    }
    if let Some(content) = obj.get_mut("content").and_then(Value::as_object_mut) {
        for media in content.values_mut() {
            if let Some(schema) = media.get_mut("schema") {
                convert_schema(schema);
            }
        }
    }
    if let Some(headers) = obj.get_mut("headers").and_then(Value::as_object_mut) {
        for header in headers.values_mut() {
            convert_holder(header);
        }
    }
}

const INT32: (i64, i64) = (i32::MIN as i64, i32::MAX as i64);
const INT64: (i64, i64) = (i64::MIN, i64::MAX);

/// Converts one schema object (and everything below it), in place.
pub fn convert_schema(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if obj.contains_key("$ref") {
        obj.retain(|k, _| k == "$ref");
        return;
    }
    // Sub-schemas first.
    for key in ["items", "not", "additionalProperties"] {
        if let Some(sub) = obj.get_mut(key) {
            convert_schema(sub);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(list) = obj.get_mut(key).and_then(Value::as_array_mut) {
            for sub in list {
                convert_schema(sub);
            }
        }
    }
    if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
        for sub in props.values_mut() {
            convert_schema(sub);
        }
    }
    // Booleans of 3.0 to numbers of 2020-12.
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match obj.get(flag) {
            Some(Value::Bool(true)) => {
                obj.remove(flag);
                if let Some(b) = obj.remove(bound) {
                    obj.insert(flag.to_owned(), b);
                }
            }
            Some(Value::Bool(false)) => {
                obj.remove(flag);
            }
            _ => {}
        }
    }
    // Integer formats as bounds.
    if obj.get("type").and_then(Value::as_str) == Some("integer") {
        let range = match obj.get("format").and_then(Value::as_str) {
            Some("int32") => Some(INT32),
            Some("int64") => Some(INT64),
            _ => None,
        };
        if let Some((lo, hi)) = range {
            obj.entry("minimum").or_insert_with(|| Value::from(lo));
            obj.entry("maximum").or_insert_with(|| Value::from(hi));
        }
    }
    // Open enums.
    if obj.get("x-extensible-enum").and_then(Value::as_bool) == Some(true) {
        if let Some(values) = obj.remove("enum") {
            obj.insert("x-extensible-enum-values".to_owned(), values);
        }
    }
    // nullable.
    let nullable = obj.remove("nullable").and_then(|v| v.as_bool()) == Some(true);
    if !nullable {
        return;
    }
    match obj.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            obj.insert("type".to_owned(), serde_json::json!([t, "null"]));
            if let Some(list) = obj.get_mut("enum").and_then(Value::as_array_mut) {
                if !list.contains(&Value::Null) {
                    list.push(Value::Null);
                }
            }
            if let Some(list) = obj
                .get_mut("x-extensible-enum-values")
                .and_then(Value::as_array_mut)
            {
                if !list.contains(&Value::Null) {
                    list.push(Value::Null);
                }
            }
        }
        _ => {
            let mut inner = std::mem::take(obj);
            let mut outer = Map::new();
            if let Some(d) = inner.remove("description") {
                outer.insert("description".to_owned(), d);
            }
            outer.insert(
                "anyOf".to_owned(),
                serde_json::json!([{"type": "null"}, Value::Object(inner)]),
            );
            *obj = outer;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nullable_typed_adds_null() {
        let mut s = json!({"type": "array", "nullable": true, "items": {"type": "string"}});
        convert_schema(&mut s);
        assert_eq!(s["type"], json!(["array", "null"]));
        assert!(s.get("nullable").is_none());
    }

    #[test]
    fn nullable_all_of_ref_wraps_in_any_of_null() {
        let mut s = json!({"allOf": [{"$ref": "#/x"}], "nullable": true, "description": "d"});
        convert_schema(&mut s);
        assert_eq!(
            s,
            json!({"description": "d", "anyOf": [{"type": "null"}, {"allOf": [{"$ref": "#/x"}]}]})
        );
    }

    #[test]
    fn ref_siblings_dropped_and_extensible_enum_opened() {
        let mut s = json!({"properties": {
            "a": {"$ref": "#/x", "description": "ignored"},
            "b": {"type": "string", "enum": ["x"], "x-extensible-enum": true},
            "c": {"type": "string", "enum": ["x"], "nullable": true},
            "n": {"type": "integer", "format": "int32", "minimum": 1}
        }});
        convert_schema(&mut s);
        assert_eq!(s["properties"]["a"], json!({"$ref": "#/x"}));
        assert!(s["properties"]["b"].get("enum").is_none());
        assert_eq!(
            s["properties"]["b"]["x-extensible-enum-values"],
            json!(["x"])
        );
        assert_eq!(s["properties"]["c"]["enum"], json!(["x", null]));
        assert_eq!(s["properties"]["n"]["minimum"], json!(1));
        assert_eq!(s["properties"]["n"]["maximum"], json!(i32::MAX));
    }
}
