//! The search filters' schemas, validated as check-spec validates recordings (the spec converted
//! to JSON Schema 2020-12, the `jsonschema` crate): a filter member is a condition or a group and
//! never both, and both stay open to keys Zoho adds.
//!
//! `Filter` is a `oneOf`, so a member that matches both alternatives is invalid. Before, both
//! were open objects and a member with a condition's keys and `group` matched both; Schemathesis
//! generated such members and threw them away (health check `filter_too_much`). The simulator
//! reads a member with `group` as a group, and the spec now says the same: a condition carries
//! no `group`.

use serde_json::{json, Value};

use super::convert::convert_document;
use super::validate::Schemas;

const SPEC: &str = include_str!("../../../spec/zoho-crm-access.yaml");

fn schemas() -> Schemas {
    let mut doc: Value = serde_yaml::from_str(SPEC).expect("the spec is YAML");
    convert_document(&mut doc);
    Schemas::new(doc)
}

fn at(name: &str) -> String {
    format!("/components/schemas/{name}")
}

fn condition() -> Value {
    json!({ "field": { "api_name": "status" }, "comparator": "equal", "value": "active" })
}

fn group() -> Value {
    json!({ "group_operator": "and", "group": [condition(), condition()] })
}

fn with(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

#[test]
fn a_condition_and_a_group_each_match_one_alternative() {
    let mut s = schemas();
    assert!(s.is_valid(&at("FilterCondition"), &condition()));
    assert!(!s.is_valid(&at("FilterGroup"), &condition()));
    assert!(s.is_valid(&at("FilterGroup"), &group()));
    assert!(!s.is_valid(&at("FilterCondition"), &group()));
    assert!(s.is_valid(&at("Filter"), &condition()));
    assert!(s.is_valid(&at("Filter"), &group()));
}

#[test]
fn a_member_with_a_conditions_keys_and_group_is_a_group_only() {
    let mut s = schemas();
    let both = with(condition(), group());
    assert!(
        !s.is_valid(&at("FilterCondition"), &both),
        "a condition has no `group`"
    );
    assert!(s.is_valid(&at("FilterGroup"), &both));
    assert!(
        s.is_valid(&at("Filter"), &both),
        "exactly one alternative matches"
    );
    // Nested in a request body as well.
    let body = json!({ "filters": [{ "group_operator": "or", "group": [both, condition()] }] });
    assert!(s.is_valid(&at("SharingRuleFilters"), &body));
}

#[test]
fn both_alternatives_stay_open_to_keys_zoho_adds() {
    let mut s = schemas();
    let new_keys = json!({ "case_sensitive": false, "labels": ["x"] });
    assert!(s.is_valid(&at("Filter"), &with(condition(), new_keys.clone())));
    assert!(s.is_valid(&at("Filter"), &with(group(), new_keys)));
    // `group` of any type makes a member a group (the simulator answers INVALID_DATA with
    // `expected_data_type: jsonarray` when it is not an array): never a condition.
    let odd = with(condition(), json!({ "group": "not a list" }));
    assert!(!s.is_valid(&at("FilterCondition"), &odd));
    assert!(!s.is_valid(&at("Filter"), &odd));
}
