//! What Schemathesis (`cargo xtask schemathesis`) found the simulator accepting although the
//! spec says otherwise, each pinned over HTTP: keys the spec does not make nullable, sent as
//! `null`, and a read-only key of the wrong type, are refused like Zoho refuses a wrong type.
#![cfg(feature = "simulator")]

use serde_json::{json, Value};
use zoho_crm_access::simulator::Simulator;

async fn create_locking(sim: &Simulator, item: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!(
            "{}/crm/v8/settings/record_locking_configurations?module=Deals",
            sim.api_domain()
        ))
        .header(
            "Authorization",
            format!("Zoho-oauthtoken {}", sim.access_token()),
        )
        .json(&json!({ "record_locking_configurations": [item] }))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn wrongly_typed_or_null_keys_of_a_locking_configuration_are_refused() {
    let sim = Simulator::start().await.unwrap();
    let base = json!({ "lock_type": "manual", "locked_for": "all_profiles" });
    let with = |key: &str, value: Value| {
        let mut item = base.clone();
        item[key] = value;
        item
    };
    let cases = [
        (
            with("system_defined", json!({})),
            "system_defined",
            "boolean",
        ),
        (with("feature_type", Value::Null), "feature_type", ""),
        (with("locked_for", Value::Null), "locked_for", "text"),
        (
            with(
                "excluded_fields",
                json!([{ "api_name": "Description", "id": null }]),
            ),
            "id",
            "bigint",
        ),
        (
            with("excluded_fields", json!([{ "api_name": null, "id": null }])),
            "api_name",
            "text",
        ),
        (
            json!({ "lock_type": "automatic", "locking_rules": [{ "name": null,
                "criteria": { "comparator": "equal", "field": { "api_name": "Stage" }, "value": "Closed Won" } }] }),
            "name",
            "text",
        ),
        (
            json!({ "lock_type": "automatic", "locking_rules": [{ "name": "Won", "lock_existing_records": null,
                "criteria": { "comparator": "equal", "field": { "api_name": "Stage" }, "value": "Closed Won" } }] }),
            "lock_existing_records",
            "boolean",
        ),
    ];
    for (item, api_name, expected) in cases {
        let (status, body) = create_locking(&sim, item.clone()).await;
        assert_eq!(status, 400, "{item}: {body}");
        let error = &body["record_locking_configurations"][0];
        assert_eq!(error["code"], "INVALID_DATA", "{item}: {body}");
        assert_eq!(error["details"]["api_name"], api_name, "{item}: {body}");
        if !expected.is_empty() {
            assert_eq!(
                error["details"]["expected_data_type"], expected,
                "{item}: {body}"
            );
        }
    }
    assert!(sim.state().record_locking.is_empty());
    // Nullable keys stay nullable, and `system_defined` may be echoed as a boolean.
    let (status, body) = create_locking(
        &sim,
        json!({ "lock_type": "manual", "locked_for": "all_profiles", "system_defined": false,
                "lock_for_portal_users": null, "restricted_communications": null }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}
