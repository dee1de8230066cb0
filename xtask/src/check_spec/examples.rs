//! Every `example` and `examples` entry of the spec, validated against its schema and, for
//! request and response bodies, decoded with the generated types.

use serde_json::Value;

use super::matching::{escape, Router};
use super::report::Problem;
use super::validate::Schemas;

/// One example and what is wrong with it.
pub struct ExampleResult {
    /// Where the example sits in the spec (JSON pointer).
    pub location: String,
    /// Problems (empty when it is valid).
    pub problems: Vec<Problem>,
}

/// Checks every example in the (converted) spec.
pub fn check(schemas: &mut Schemas, router: &Router) -> Vec<ExampleResult> {
    let mut found = Vec::new();
    let doc = schemas.doc.clone();
    collect(&doc, "", false, &mut found);
    let mut results: Vec<ExampleResult> = found
        .into_iter()
        .map(|(location, schema, value)| {
            let mut problems = schemas.validate("example", &schema, &value);
            problems.extend(schemas.drift("example", &schema, &value));
            ExampleResult { location, problems }
        })
        .collect();
    // Body examples must also decode into the generated types of every operation using them.
    for op in router
        .operations
        .iter()
        .filter(|op| super::generated_knows(op))
    {
        let Some(op_node) = doc.pointer(&op.pointer) else {
            continue;
        };
        if let Some(rb) = op_node.get("requestBody") {
            let base = schemas.resolve(&format!("{}/requestBody", op.pointer));
            let _ = rb;
            for (location, value) in media_examples(&doc, &base, schemas) {
                let bytes = serde_json::to_vec(&value).unwrap_or_default();
                if let Some(Err(f)) = zoho_crm_access::wire::decode_request(&op.id, &bytes) {
                    push_decode(&mut results, &location, &op.id, None, &f);
                }
            }
        }
        for status in &op.statuses {
            let Ok(code) = status.parse::<u16>() else {
                continue;
            };
            let base = schemas.resolve(&format!("{}/responses/{}", op.pointer, escape(status)));
            for (location, value) in media_examples(&doc, &base, schemas) {
                let bytes = serde_json::to_vec(&value).unwrap_or_default();
                if let Some(Err(f)) = zoho_crm_access::wire::decode_response(&op.id, code, &bytes) {
                    push_decode(&mut results, &location, &op.id, Some(code), &f);
                }
            }
        }
    }
    results
}

fn push_decode(
    results: &mut [ExampleResult],
    location: &str,
    op: &str,
    status: Option<u16>,
    f: &zoho_crm_access::wire::DecodeFailure,
) {
    if let Some(r) = results.iter_mut().find(|r| r.location == location) {
        let mut p = Problem::new(
            "decode",
            format!(
                "as used by {op}{}: {f}",
                status.map_or(String::new(), |s| format!(" status {s}"))
            ),
        );
        p.pointer = Some(super::serde_path_to_pointer(&f.path));
        r.problems.push(p);
    }
}

/// `(location, value)` of the examples of a request body or response at `base`.
fn media_examples(doc: &Value, base: &str, schemas: &Schemas) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let Some(content) = doc
        .pointer(&format!("{base}/content"))
        .and_then(Value::as_object)
    else {
        return out;
    };
    for (mt, media) in content {
        let media_ptr = format!("{base}/content/{}", escape(mt));
        if let Some(v) = media.get("example") {
            out.push((format!("{media_ptr}/example"), v.clone()));
        }
        if let Some(map) = media.get("examples").and_then(Value::as_object) {
            for (name, ex) in map {
                let ptr = schemas.resolve(&format!("{media_ptr}/examples/{}", escape(name)));
                if let Some(v) = doc.pointer(&ptr).and_then(|e| e.get("value")) {
                    out.push((format!("{media_ptr}/examples/{}", escape(name)), v.clone()));
                }
                let _ = ex;
            }
        }
    }
    out
}

/// Finds `(location, schema pointer, value)` for every example below `node`.
fn collect(
    node: &Value,
    pointer: &str,
    in_properties: bool,
    out: &mut Vec<(String, String, Value)>,
) {
    let Some(obj) = node.as_object() else {
        if let Some(list) = node.as_array() {
            for (i, item) in list.iter().enumerate() {
                collect(item, &format!("{pointer}/{i}"), false, out);
            }
        }
        return;
    };
    let has_schema = obj.get("schema").is_some_and(Value::is_object);
    for (key, value) in obj {
        let child = format!("{pointer}/{}", escape(key));
        if in_properties {
            // Keys of a `properties` map are property names; each value is a schema.
            collect(value, &child, false, out);
            continue;
        }
        match key.as_str() {
            "example" => {
                let schema = if has_schema {
                    format!("{pointer}/schema")
                } else {
                    pointer.to_owned()
                };
                out.push((child, schema, value.clone()));
            }
            "examples" if has_schema => {
                if let Some(map) = value.as_object() {
                    for (name, ex) in map {
                        if let Some(v) = ex.get("value") {
                            out.push((
                                format!("{child}/{}", escape(name)),
                                format!("{pointer}/schema"),
                                v.clone(),
                            ));
                        }
                    }
                }
            }
            "examples" | "x-extensible-enum-values" | "enum" | "default" => {}
            k if k.starts_with("x-") => {}
            "properties" => collect(value, &child, true, out),
            _ => collect(value, &child, false, out),
        }
    }
}
