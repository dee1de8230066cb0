//! Unions told apart by their keys (criteria, search filters, Zoho's error bodies) decode in
//! one pass whatever the order of their keys, skip keys Zoho may add, pick the variant as
//! serde's untagged enums do, and report a bad value at its own path; over real HTTP on
//! loopback, with the bodies sent byte for byte as written.

mod support;

use serde_json::json;
use support::{client, Reply, TestServer};
use zoho_crm_access::{enums, types, Error};

/// A record-locking answer whose one locking rule has `criteria` (JSON text, as sent).
fn locking_with_criteria(criteria: &str) -> String {
    format!(
        r#"{{"record_locking_configurations":[{{"id":"11","lock_type":"manual","locked_for":"all_profiles",
        "locking_rules":[{{"name":"Big","id":"12","lock_existing_records":true,"criteria":{criteria}}}],
        "restricted_actions":["update"]}}]}}"#
    )
}

async fn serve(body: String) -> TestServer {
    TestServer::start(move |_| Reply::json_text(200, &body)).await
}

/// The path and message of the decode error the record-locking GET gives.
async fn decode_error(server: &TestServer) -> (String, String) {
    match client(server).record_locking("Deals").get().await {
        Err(Error::Decode { path, message, .. }) => (path, message),
        other => panic!("expected Decode, got {other:?}"),
    }
}

fn condition(c: &types::Criteria) -> &types::CriteriaCondition {
    match c {
        types::Criteria::Condition(c) => c,
        other => panic!("expected a condition, got {other:?}"),
    }
}

fn group(c: &types::Criteria) -> &types::CriteriaGroup {
    match c {
        types::Criteria::Group(g) => g,
        other => panic!("expected a group, got {other:?}"),
    }
}

#[tokio::test]
async fn nested_criteria_decode_whatever_the_order_of_their_keys() {
    // The group's members come before its operator; the first condition lists its keys
    // backwards; the nested group starts with a key no variant has (one Zoho might add).
    let server = serve(locking_with_criteria(
        r#"{"group":[
            {"value":"100000","type":"value","field":{"id":"2557","api_name":"Amount"},"comparator":"greater_than"},
            {"x_added_later":{"nested":[1,2]},"group_operator":"OR","group":[
                {"comparator":"equal","field":{"api_name":"Type"},"value":"New Business"},
                {"field":{"api_name":"Stage"},"comparator":"not_equal","value":"Closed Lost"}]}
           ],"group_operator":"AND"}"#,
    ))
    .await;
    let config = client(&server)
        .record_locking("Deals")
        .get()
        .await
        .unwrap()
        .expect("one configuration");
    let top = group(&config.locking_rules[0].criteria);
    assert_eq!(top.group_operator, enums::GroupOperator::And);
    assert_eq!(top.group.len(), 2);
    let amount = condition(&top.group[0]);
    assert_eq!(amount.comparator, enums::CriteriaComparator::GreaterThan);
    assert_eq!(amount.field.api_name.as_deref(), Some("Amount"));
    assert_eq!(amount.field.id.as_deref(), Some("2557"));
    assert_eq!(amount.type_, Some(enums::CriteriaValueType::Value));
    assert_eq!(amount.value, json!("100000"));
    let inner = group(&top.group[1]);
    assert_eq!(inner.group_operator, enums::GroupOperator::Or);
    let stage = condition(&inner.group[1]);
    assert_eq!(stage.comparator, enums::CriteriaComparator::NotEqual);
    assert_eq!(stage.field.api_name.as_deref(), Some("Stage"));
    assert_eq!(stage.value, json!("Closed Lost"));
    assert_eq!(condition(&inner.group[0]).value, json!("New Business"));
}

#[tokio::test]
async fn an_object_with_keys_of_both_variants_is_the_first_whose_required_keys_are_all_there() {
    // The spec lists the condition first: with every key of both, it is a condition (as
    // serde's untagged enums decide); without `field`, the condition cannot be, so a group.
    let server = TestServer::start(|r| {
        let criteria = if r.nth == 0 {
            r#"{"group":[],"group_operator":"OR","comparator":"equal","field":{"api_name":"Stage"},"value":"Won"}"#
        } else {
            r#"{"comparator":"equal","group_operator":"OR","group":[{"comparator":"equal","field":{"api_name":"Stage"},"value":"Won"}]}"#
        };
        Reply::json_text(200, &locking_with_criteria(criteria))
    })
    .await;
    let c = client(&server);
    let first = c.record_locking("Deals").get().await.unwrap().unwrap();
    let stage = condition(&first.locking_rules[0].criteria);
    assert_eq!(stage.field.api_name.as_deref(), Some("Stage"));
    assert_eq!(stage.value, json!("Won"));
    let second = c.record_locking("Deals").get().await.unwrap().unwrap();
    let or = group(&second.locking_rules[0].criteria);
    assert_eq!(or.group_operator, enums::GroupOperator::Or);
    assert_eq!(condition(&or.group[0]).value, json!("Won"));
}

#[tokio::test]
async fn a_bad_value_inside_criteria_is_reported_where_it_is() {
    // The second condition's field is a bare string instead of an object.
    let server = serve(locking_with_criteria(
        r#"{"group_operator":"AND","group":[
            {"comparator":"equal","field":{"api_name":"Type"},"value":"x"},
            {"comparator":"equal","field":"Stage","value":"y"}]}"#,
    ))
    .await;
    let (path, message) = decode_error(&server).await;
    assert_eq!(
        path,
        "record_locking_configurations[0].locking_rules[0].criteria.group[1].field"
    );
    assert!(
        message.contains("invalid type: string \"Stage\""),
        "{message}"
    );
}

#[tokio::test]
async fn criteria_naming_no_variant_or_not_an_object_are_decode_errors_at_the_criteria() {
    for (criteria, expected) in [
        (
            r#"{"note":"no key of a condition or a group"}"#,
            "did not match any variant of untagged enum Criteria",
        ),
        (
            r#""Stage is Won""#,
            "expected a Criteria object (CriteriaCondition or CriteriaGroup)",
        ),
        // A deciding key, but the condition lacks what a condition needs.
        (
            r#"{"comparator":"equal","value":"x"}"#,
            "missing field `field`",
        ),
    ] {
        let server = serve(locking_with_criteria(criteria)).await;
        let (path, message) = decode_error(&server).await;
        assert_eq!(
            path, "record_locking_configurations[0].locking_rules[0].criteria",
            "{criteria}"
        );
        assert!(message.contains(expected), "{criteria}: {message}");
    }
}

#[tokio::test]
async fn an_error_body_is_recognised_after_keys_no_variant_has() {
    // The flat form and the wrapped form, each after a key no form of error body has.
    let flat = r#"{"request_id":"r-1","code":"INVALID_DATA","details":{"api_name":"lock_type"},"message":"lock_type not found","status":"error"}"#;
    let wrapped = r#"{"trace":[1,{"a":null}],"record_locking_configurations":[{"code":"INVALID_DATA","details":{"api_name":"lock_type"},"message":"lock_type not found","status":"error"}]}"#;
    let server =
        TestServer::start(move |r| Reply::json_text(400, if r.nth == 0 { flat } else { wrapped }))
            .await;
    let c = client(&server);
    let input = types::RecordLockingConfigurationInput::new(enums::LockType::Manual);
    for _ in 0..2 {
        match c
            .record_locking("Deals")
            .create(input.clone())
            .await
            .unwrap_err()
        {
            Error::Api {
                status,
                code,
                message,
                details,
                ..
            } => {
                assert_eq!(status, 400);
                assert_eq!(code, enums::ZohoCode::InvalidData);
                assert_eq!(message, "lock_type not found");
                assert_eq!(details.api_name.as_deref(), Some("lock_type"));
            }
            other => panic!("expected Api, got {other:?}"),
        }
    }
    assert_eq!(server.total(), 2);
}
