//! The project's corpus (`tests/recordings`) keeps covering what the issue asks of it: every
//! operation (checked by `check-spec` itself), and per family a flat and a wrapped error, plus
//! 204, 207, `info` pagination, nested criteria groups and null arrays somewhere.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn corpus() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/recordings");
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                let rel = p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned();
                let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
                out.push((rel, v));
            }
        }
    }
    out
}

fn status(v: &Value) -> u64 {
    v["response"]["status"].as_u64().unwrap()
}

/// A nested criteria/filter group: a `group` member that has a `group` itself.
fn nested_group(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            let nested = m
                .get("group")
                .and_then(Value::as_array)
                .is_some_and(|g| g.iter().any(|member| member.get("group").is_some()));
            nested || m.values().any(nested_group)
        }
        Value::Array(items) => items.iter().any(nested_group),
        _ => false,
    }
}

fn has_null_array_field(v: &Value, keys: &[&str]) -> bool {
    match v {
        Value::Object(m) => {
            keys.iter().any(|k| m.get(*k) == Some(&Value::Null))
                || m.values().any(|x| has_null_array_field(x, keys))
        }
        Value::Array(items) => items.iter().any(|x| has_null_array_field(x, keys)),
        _ => false,
    }
}

#[test]
fn every_family_has_flat_and_wrapped_errors() {
    let all = corpus();
    for (family, key) in [
        ("record_locking/", "record_locking_configurations"),
        ("sharing_rules/", "sharing_rules"),
        ("org_permissions/", "data_sharing"),
    ] {
        let errors: Vec<&Value> = all
            .iter()
            .filter(|(f, v)| f.starts_with(family) && status(v) >= 400)
            .map(|(_, v)| v)
            .collect();
        assert!(
            errors
                .iter()
                .any(|v| v["response"]["body"]["code"].is_string()),
            "{family}: no flat error"
        );
        assert!(
            errors
                .iter()
                .any(|v| v["response"]["body"][key][0]["status"] == "error"),
            "{family}: no wrapped error"
        );
    }
}

#[test]
fn the_documented_special_cases_are_covered() {
    let all = corpus();
    let bodies = |f: &dyn Fn(&Value) -> bool| all.iter().any(|(_, v)| f(v));
    assert!(bodies(
        &|v| status(v) == 204 && v["response"].get("body").is_none()
    ));
    assert!(bodies(&|v| status(v) == 207));
    assert!(bodies(
        &|v| v["response"]["body"]["info"]["more_records"] == true
    ));
    assert!(
        bodies(&|v| nested_group(&v["response"]["body"])),
        "nested criteria in a response"
    );
    assert!(
        bodies(&|v| nested_group(&v["request"]["body"])),
        "nested filters in a request"
    );
    assert!(bodies(&|v| has_null_array_field(
        &v["response"]["body"],
        &[
            "lock_excluded_profiles",
            "restricted_communications",
            "restricted_custom_buttons"
        ]
    )));
    for (file, v) in &all {
        let source = v["source"].as_str().unwrap_or("");
        assert!(
            source.starts_with("documentation shape") || source.starts_with("capture:"),
            "{file}: source must say where it comes from: {source}"
        );
    }
}
