//! The operations table (`zoho_crm_access::operations`) against the spec it is generated from,
//! read here on its own with serde_norway (keys in the document's order): every operation once,
//! in the spec's order, with the spec's method, path, scopes, `x-zoho-repeatable`, 204, limits
//! and family.

use std::collections::BTreeSet;

use serde_norway::Value;
use zoho_crm_access::operations::{Family, Operation};

const SPEC: &str = include_str!("../spec/zoho-crm-access.yaml");

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// One operation as the spec states it.
struct SpecOperation {
    id: String,
    method: String,
    path: String,
    op: Value,
    /// The path item's parameters.
    shared_parameters: Vec<Value>,
}

fn spec() -> Value {
    serde_norway::from_str(SPEC).expect("the spec parses")
}

/// Follows a local `$ref`.
fn resolve(doc: &Value, v: &Value) -> Value {
    let Some(r) = v.get("$ref").and_then(Value::as_str) else {
        return v.clone();
    };
    let mut at = doc;
    for key in r.strip_prefix("#/").expect("a local $ref").split('/') {
        at = &at[key];
    }
    resolve(doc, at)
}

fn operations(doc: &Value) -> Vec<SpecOperation> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_mapping().expect("paths") {
        let shared: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default();
        for (method, op) in item.as_mapping().expect("a path item") {
            let method = method.as_str().unwrap();
            if !METHODS.contains(&method) {
                continue;
            }
            out.push(SpecOperation {
                id: op["operationId"].as_str().unwrap().to_owned(),
                method: method.to_ascii_uppercase(),
                path: path.as_str().unwrap().to_owned(),
                op: op.clone(),
                shared_parameters: shared.clone(),
            });
        }
    }
    out
}

#[test]
fn every_operation_of_the_spec_is_in_the_table_once_in_the_spec_order() {
    let doc = spec();
    let ids: Vec<String> = operations(&doc).into_iter().map(|o| o.id).collect();
    let table: Vec<&str> = Operation::ALL.iter().map(|op| op.id()).collect();
    assert_eq!(table, ids);
    assert_eq!(
        table.iter().collect::<BTreeSet<_>>().len(),
        table.len(),
        "an operationId twice"
    );
    assert_eq!(Operation::ALL.len(), zoho_crm_access::wire::SPEC_OPERATIONS);
}

#[test]
fn ids_round_trip_and_display_as_the_operation_id() {
    for &op in Operation::ALL {
        assert_eq!(Operation::from_id(op.id()), Some(op));
        assert_eq!(op.to_string(), op.id());
    }
    assert_eq!(Operation::from_id("ListSharingRules"), None);
    assert_eq!(Operation::from_id("list_sharing_rules"), None);
    assert_eq!(Operation::from_id(""), None);
}

#[test]
fn method_path_and_family_are_the_specs() {
    let doc = spec();
    for o in operations(&doc) {
        let op = Operation::from_id(&o.id).unwrap();
        assert_eq!(op.method().as_str(), o.method, "{}", o.id);
        assert_eq!(op.path(), o.path, "{}", o.id);
        assert_eq!(
            op.family().tag(),
            o.op["tags"][0].as_str().unwrap(),
            "{}",
            o.id
        );
    }
    assert_eq!(
        Operation::GetFieldsWithId.family(),
        Family::Directory,
        "getFieldsWithID"
    );
    assert_eq!(
        Operation::UpdateOrgPermissions.family(),
        Family::OrgPermissions
    );
}

#[test]
fn scopes_are_the_security_requirements_each_a_set_needed_together() {
    let doc = spec();
    for o in operations(&doc) {
        // One set per requirement, in the spec's order: the OAuth scopes of that requirement
        // (needed together); a set equal to an earlier one is not repeated.
        let mut expected: Vec<Vec<String>> = Vec::new();
        for requirement in o.op["security"].as_sequence().unwrap() {
            let mut together: Vec<String> = Vec::new();
            for scope in requirement["zoho_oauth"].as_sequence().unwrap() {
                let scope = scope.as_str().unwrap().to_owned();
                if !together.contains(&scope) {
                    together.push(scope);
                }
            }
            assert!(
                !together.is_empty(),
                "{}: a requirement without a scope",
                o.id
            );
            if !expected.contains(&together) {
                expected.push(together);
            }
        }
        let op = Operation::from_id(&o.id).unwrap();
        assert!(!expected.is_empty(), "{}", o.id);
        let table: Vec<Vec<String>> = op
            .scopes()
            .iter()
            .map(|set| set.iter().map(|s| (*s).to_owned()).collect())
            .collect();
        assert_eq!(table, expected, "{}", o.id);
    }
    assert_eq!(
        Operation::GetRoles.scopes(),
        [
            &["ZohoCRM.settings.roles.READ"][..],
            &["ZohoCRM.settings.roles.ALL"],
            &["ZohoCRM.settings.ALL"],
        ]
    );
    // The record locks: the lock scope and a module scope, needed together.
    assert_eq!(
        Operation::UnlockRecord.scopes(),
        [
            &[
                "ZohoCRM.modules.lockinginformation.DELETE",
                "ZohoCRM.modules.ALL"
            ][..],
            &[
                "ZohoCRM.modules.lockinginformation.ALL",
                "ZohoCRM.modules.ALL"
            ],
        ]
    );
    assert_eq!(Operation::UnlockRecord.family(), Family::RecordLocks);
}

#[test]
fn repeatable_is_the_specs_extension_and_the_retry_rule() {
    let doc = spec();
    for o in operations(&doc) {
        let op = Operation::from_id(&o.id).unwrap();
        let marked = match o.op.get("x-zoho-repeatable") {
            None => false,
            Some(v) => v.as_bool().expect("x-zoho-repeatable is a boolean"),
        };
        assert_eq!(op.repeatable(), marked, "{}", o.id);
        // What the retry policy allows: every read, and the four writes that set a state by
        // id.
        let expected = o.method == "GET"
            || [
                "updateOrgPermissions",
                "updateSharingRules",
                "updateSharingRule",
                "updateRecordLockReason",
            ]
            .contains(&o.id.as_str());
        assert_eq!(op.repeatable(), expected, "{}", o.id);
    }
}

#[test]
fn no_content_is_a_listed_204_and_the_bridged_set() {
    let doc = spec();
    for o in operations(&doc) {
        let op = Operation::from_id(&o.id).unwrap();
        let listed = o.op["responses"].get("204").is_some();
        assert_eq!(op.no_content(), listed, "{}", o.id);
    }
    let table: BTreeSet<&str> = Operation::ALL
        .iter()
        .filter(|op| op.no_content())
        .map(|op| op.id())
        .collect();
    let bridged: BTreeSet<&str> = zoho_crm_access::wire::NO_CONTENT_OPERATIONS
        .iter()
        .copied()
        .collect();
    assert_eq!(table, bridged);
}

#[test]
fn limits_are_the_per_page_maximum_and_the_body_arrays_max_items() {
    let doc = spec();
    for o in operations(&doc) {
        let op = Operation::from_id(&o.id).unwrap();
        let per_page = o
            .shared_parameters
            .iter()
            .chain(
                o.op.get("parameters")
                    .and_then(Value::as_sequence)
                    .into_iter()
                    .flatten(),
            )
            .map(|p| resolve(&doc, p))
            .find(|p| p["name"] == "per_page" && p["in"] == "query")
            .map(|p| u32::try_from(p["schema"]["maximum"].as_u64().unwrap()).unwrap());
        assert_eq!(op.max_per_page(), per_page, "{}", o.id);

        let items = o.op.get("requestBody").and_then(|body| {
            let body = resolve(&doc, body);
            let schema = resolve(&doc, &body["content"]["application/json"]["schema"]);
            schema["properties"]
                .as_mapping()?
                .values()
                .map(|p| resolve(&doc, p))
                .find(|p| p["type"] == "array")
                .map(|p| u32::try_from(p["maxItems"].as_u64().unwrap()).unwrap())
        });
        assert_eq!(op.max_items(), items, "{}", o.id);
    }
    assert_eq!(Operation::ListSharingRules.max_per_page(), Some(200));
    assert_eq!(Operation::GetSharingRule.max_per_page(), None);
    assert_eq!(Operation::UpdateOrgPermissions.max_items(), Some(100));
    assert_eq!(Operation::CreateSharingRule.max_items(), Some(1));
    assert_eq!(Operation::GetOrgPermissions.max_items(), None);
    assert_eq!(Operation::LockRecord.max_items(), Some(1));
    assert_eq!(Operation::UpdateRecordLockReason.max_items(), Some(1));
}

/// Each operation's words are its spec summary with the verb turned into its `-ing` form,
/// for errors that say what failed before naming the operationId.
#[test]
fn words_come_from_the_spec_summaries() {
    let doc = spec();
    for o in operations(&doc) {
        let op = Operation::from_id(&o.id).unwrap();
        let summary = o.op["summary"].as_str().unwrap().trim_end_matches('.');
        assert_eq!(op.summary(), summary, "{}", o.id);
        let (_, rest) = summary.split_once(' ').unwrap();
        assert!(op.doing().ends_with(rest), "{}: {}", o.id, op.doing());
        let verb = op.doing().split(' ').next().unwrap();
        assert!(
            verb.ends_with("ing") && verb == verb.to_lowercase(),
            "{}",
            op.doing()
        );
    }
    assert_eq!(
        Operation::ListSharingRules.doing(),
        "listing data sharing rules"
    );
    assert_eq!(
        Operation::GetSharingRule.doing(),
        "getting a data sharing rule"
    );
    assert_eq!(
        Operation::RerunSharingRules.doing(),
        "re-running a module's data sharing rules"
    );
    assert_eq!(
        Operation::UpdateOrgPermissions.doing(),
        "updating the default organization permissions"
    );
}
