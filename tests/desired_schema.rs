//! The desired-state file's JSON Schema is derived from the Rust types; the published copy,
//! `spec/desired-state.schema.json`, must match it. `UPDATE_SCHEMA=1 cargo test --test
//! desired_schema` rewrites the copy.

use zoho_crm_access::desired::{json_schema, AccessConfig};

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/spec/desired-state.schema.json"
);

fn rendered() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).expect("a schema serializes");
    text.push('\n');
    text
}

#[test]
fn the_published_schema_is_the_one_the_types_give() {
    let want = rendered();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(PATH, &want).expect("spec/ is writable");
    }
    let have = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        have == want,
        "spec/desired-state.schema.json is out of date: run `UPDATE_SCHEMA=1 cargo test --test \
         desired_schema` (or `zoho-access schema > spec/desired-state.schema.json`)"
    );
}

#[test]
fn the_schema_is_closed_where_the_file_is() {
    let schema = json_schema();
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["required"], serde_json::json!(["scope", "version"]));
    let defs = &schema["definitions"];
    for name in [
        "ShareType",
        "LockType",
        "PermissionType",
        "CriteriaComparator",
    ] {
        assert!(defs[name]["enum"].is_array(), "{name} lists its values");
    }
    assert_eq!(defs["LockingSpec"]["additionalProperties"], false);
    assert_eq!(defs["SharingRuleSpec"]["additionalProperties"], false);
    // Audience: all_users, or one of three single-key objects.
    let audience = serde_json::to_string(&defs["Audience"]).unwrap();
    for key in ["all_users", "role", "role_and_subordinates", "group"] {
        assert!(audience.contains(key), "{audience}");
    }
}

#[test]
fn every_key_the_schema_names_is_one_the_parser_reads() {
    // A file using every optional key parses (the schema and serde agree on the names).
    let text = "version: 1
scope: {families: [org_permissions, record_locking, sharing_rules], modules: [Deals]}
record_locking:
  Deals:
    lock_type: both
    locked_for: all_profiles_except_excluded_profiles
    excluded_profiles: [Standard]
    editable_fields: [Description]
    restricted_actions: [update]
    restricted_communications: [send_mail]
    restricted_custom_buttons: [Send Quote]
    lock_for_portal_users: false
    rules:
    - {name: R, lock_existing_records: true, criteria: {any: [{field: Stage, comparator: equal, value: W}]}}
sharing_rules:
  Deals:
  - {name: S, status: inactive, permission: read, superiors_allowed: true, from: {group: G}, to: all_users}
org_permissions: {Deals: private}
";
    let config = AccessConfig::from_yaml(text).expect("valid");
    let schema = serde_json::to_string(&json_schema()).unwrap();
    for key in [
        "excluded_profiles",
        "editable_fields",
        "restricted_custom_buttons",
        "lock_existing_records",
        "superiors_allowed",
        "role_and_subordinates",
    ] {
        assert!(schema.contains(key), "the schema names {key}");
    }
    assert_eq!(
        AccessConfig::from_yaml(&config.to_yaml().unwrap()).unwrap(),
        config
    );
}
