//! What the spec promises beyond single schemas: every id a request carries has the id pattern
//! (and, in a body, `x-zoho-accepts-number`), the result codes Zoho's SDKs list are known, and
//! the operations name the errors Zoho documents for them.

use std::collections::BTreeSet;

use serde_json::Value;
use zoho_crm_access::enums;

const SPEC: &str = include_str!("../spec/zoho-crm-access.yaml");
const ID_PATTERN: &str = "^[0-9]{1,19}$";

fn spec() -> Value {
    serde_norway::from_str(SPEC).expect("spec parses")
}

fn resolve<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => spec.pointer(r.trim_start_matches('#')).expect("local $ref"),
        None => v,
    }
}

/// Every `id` property of the schema `v` and of everything it reaches, with where it sits.
fn ids_in(
    spec: &Value,
    v: &Value,
    at: &str,
    seen: &mut BTreeSet<String>,
    out: &mut Vec<(String, Value)>,
) {
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        if seen.insert(r.to_owned()) {
            ids_in(spec, resolve(spec, v), r, seen, out);
        }
        return;
    }
    if let Some(props) = v.get("properties").and_then(Value::as_object) {
        for (name, prop) in props {
            if name == "id" {
                out.push((format!("{at}/properties/id"), resolve(spec, prop).clone()));
            }
            ids_in(spec, prop, &format!("{at}/properties/{name}"), seen, out);
        }
    }
    if let Some(items) = v.get("items") {
        ids_in(spec, items, &format!("{at}/items"), seen, out);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for (i, s) in v
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            ids_in(spec, s, &format!("{at}/{key}/{i}"), seen, out);
        }
    }
}

#[test]
fn every_request_body_id_is_a_digit_string_zoho_also_takes_as_a_number() {
    let spec = spec();
    let mut ids = Vec::new();
    let mut seen = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let Some(body) = op.get("requestBody") else {
                continue;
            };
            let body = resolve(&spec, body);
            let schema = &body["content"]["application/json"]["schema"];
            ids_in(&spec, schema, "requestBody", &mut seen, &mut ids);
        }
    }
    assert!(ids.len() >= 7, "only {} ids found", ids.len());
    for (at, id) in &ids {
        assert_eq!(id["type"], "string", "{at}: ids are strings");
        assert_eq!(id["pattern"], ID_PATTERN, "{at}");
        assert_eq!(id["x-zoho-accepts-number"], true, "{at}");
    }
}

#[test]
fn ids_in_paths_and_queries_have_the_id_pattern() {
    let spec = spec();
    let params = spec["components"]["parameters"].as_object().unwrap();
    // Every path parameter is an id, except the module slots: the directory's, which also
    // takes an API name, and the record locks' module API name.
    let path_ids: Vec<&Value> = params
        .values()
        .filter(|p| {
            p["in"] == "path" && p["name"] != "moduleIdentifier" && p["name"] != "module_api_name"
        })
        .collect();
    assert_eq!(path_ids.len(), 9);
    for p in path_ids {
        assert_eq!(p["schema"]["pattern"], ID_PATTERN, "{p}");
    }
    let delete = &spec["paths"]["/settings/record_locking_configurations"]["delete"];
    let ids = delete["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "ids")
        .unwrap();
    assert_eq!(ids["schema"]["pattern"], "^[0-9]{1,19}(,[0-9]{1,19})*$");
    // The module is never empty.
    for (name, p) in params {
        if p["name"] == "module" {
            assert_eq!(p["schema"]["minLength"], 1, "{name}");
        }
    }
}

#[test]
fn the_result_codes_zohos_sdks_list_are_known() {
    for code in [
        "BAD_REQUEST",
        "LIMIT_REACHED",
        "ALREADY_USED",
        "Not Modified",
        "INTERNAL_SERVER_ERROR",
        "CANNOT_PROCESS",
    ] {
        let known = enums::ZohoCode::from(code);
        assert!(known.is_known(), "{code}");
        assert_eq!(known.as_str(), code);
    }
}

#[test]
fn rule_changes_name_cannot_process() {
    let spec = spec();
    let rules = &spec["paths"]["/settings/data_sharing/rules/{id}/actions/activate"];
    for method in ["put", "delete"] {
        let text = rules[method]["description"].as_str().unwrap();
        assert!(text.contains("CANNOT_PROCESS"), "{method}: {text}");
    }
}

#[test]
fn the_conventions_name_the_lenient_request_forms() {
    let spec = spec();
    let text = spec["info"]["description"].as_str().unwrap();
    assert!(text.contains("x-zoho-accepts-number"), "{text}");
    assert!(text.contains("without a `Content-Type` header"), "{text}");
}
