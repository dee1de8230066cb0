//! Record locking configurations against the simulator, over real HTTP: every operation's happy
//! path and the documented errors, each body checked against the spec's generated types.

mod simulator_support;

use serde_json::{json, Value};
use simulator_support::{closed_won_config, Api};

const KEY: &str = "record_locking_configurations";

async fn create_closed_won(api: &Api) -> String {
    let a = api
        .call(
            "createRecordLockingConfiguration",
            "POST",
            "settings/record_locking_configurations?module=Deals",
            Some(closed_won_config()),
        )
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    assert_eq!(a.item_code(KEY), "SUCCESS");
    a.item_details(KEY)["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn create_read_update_delete_the_seed_story() {
    let api = Api::start().await;
    let none = api
        .call(
            "getRecordLockingConfigurations",
            "GET",
            "settings/record_locking_configurations?module=Deals",
            None,
        )
        .await;
    assert_eq!(none.status, 204);

    let id = create_closed_won(&api).await;
    assert_eq!(id.len(), 19);
    assert!(id.bytes().all(|b| b.is_ascii_digit()));

    let got = api
        .call(
            "getRecordLockingConfigurations",
            "GET",
            "settings/record_locking_configurations?module=Deals&feature_type=record_locking",
            None,
        )
        .await;
    assert_eq!(got.status, 200);
    let cfg = &got.json()[KEY][0];
    assert_eq!(cfg["id"], id.as_str());
    assert_eq!(cfg["lock_type"], "automatic");
    assert_eq!(cfg["system_defined"], false);
    assert_eq!(cfg["excluded_fields"][0]["api_name"], "Description");
    assert!(cfg["excluded_fields"][0]["id"].as_str().unwrap().len() == 19);
    let rule = &cfg["locking_rules"][0];
    assert_eq!(rule["name"], "Closed Won");
    assert_eq!(rule["criteria"]["field"]["api_name"], "Stage");
    assert!(rule["criteria"]["field"]["id"].is_string());
    let created = cfg["created_time"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(created).is_ok(),
        "{created}"
    );
    assert!(created.ends_with("+05:30"));
    assert_eq!(cfg["created_by"]["name"], "Patricia Boyle");
    let rule_id = rule["id"].as_str().unwrap().to_owned();

    let by_id = api
        .call(
            "getRecordLockingConfigurationById",
            "GET",
            &format!("settings/record_locking_configurations/{id}?module=Deals"),
            None,
        )
        .await;
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.json()[KEY][0]["id"], id.as_str());
    let other = api
        .call(
            "getRecordLockingConfigurationById",
            "GET",
            "settings/record_locking_configurations/1234567890123456789?module=Deals",
            None,
        )
        .await;
    assert_eq!(other.status, 204);

    // Enable manual locking too, add the Closed Lost OR rule (collection URL, id in the body).
    let update = json!({ KEY: [{
        "id": id, "lock_type": "both",
        "locking_rules": [{
            "name": "Closed Lost", "lock_existing_records": true,
            "criteria": { "group_operator": "OR", "group": [
                { "comparator": "equal", "field": { "api_name": "Stage" }, "value": "Closed Lost" },
                { "comparator": "equal", "field": { "api_name": "Stage" }, "value": "Closed-Lost to Competition" }
            ]}
        }]
    }]});
    let a = api
        .call(
            "updateRecordLockingConfigurations",
            "PUT",
            "settings/record_locking_configurations?module=Deals",
            Some(update),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(
        a.json()[KEY][0]["message"],
        "record locking configuration updated successfully"
    );
    let snap = api.sim.state();
    assert_eq!(snap.locking_rule_count("Deals"), 2);
    assert_eq!(snap.record_locking["Deals"]["lock_type"], "both");

    // Delete the Closed Won rule by id (a bare number, as the seed sends it), via the id URL.
    let delete_rule = format!(
        r#"{{"{KEY}":[{{"locking_rules":[{{"id":{rule_id},"_delete":true}}],"id":"{id}"}}]}}"#
    );
    let a = api
        .call_raw(
            "updateRecordLockingConfiguration",
            "PUT",
            &format!("settings/record_locking_configurations/{id}?module=Deals"),
            Some(delete_rule.into_bytes()),
            Some(&api.token),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let snap = api.sim.state();
    let rules = snap.record_locking["Deals"]["locking_rules"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["name"], "Closed Lost");
    assert_eq!(rules[0]["criteria"]["group_operator"], "OR");

    let a = api
        .call(
            "deleteRecordLockingConfiguration",
            "DELETE",
            &format!("settings/record_locking_configurations/{id}?module=Deals"),
            None,
        )
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.json()[KEY][0]["message"],
        "record locking configuration deleted"
    );
    assert_eq!(a.item_details(KEY)["id"], id.as_str());
    let gone = api
        .call(
            "getRecordLockingConfigurations",
            "GET",
            "settings/record_locking_configurations?module=Deals",
            None,
        )
        .await;
    assert_eq!(gone.status, 204);
}

#[tokio::test]
async fn delete_by_id_list() {
    let api = Api::start().await;
    let id = create_closed_won(&api).await;
    let a = api
        .call(
            "deleteRecordLockingConfigurations",
            "DELETE",
            "settings/record_locking_configurations?module=Deals",
            None,
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "REQUIRED_PARAM_MISSING"));
    assert_eq!(a.json()["details"]["param_name"], "ids");
    let a = api
        .call(
            "deleteRecordLockingConfigurations",
            "DELETE",
            &format!("settings/record_locking_configurations?module=Deals&ids={id}"),
            None,
        )
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.item_details(KEY)["id"], id.as_str());
    assert!(api.sim.state().record_locking.is_empty());
}

#[tokio::test]
async fn module_parameter_errors() {
    let api = Api::start().await;
    let a = api
        .call(
            "getRecordLockingConfigurations",
            "GET",
            "settings/record_locking_configurations",
            None,
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "REQUIRED_PARAM_MISSING"));
    assert_eq!(a.json()["details"], json!({ "param_name": "module" }));
    let a = api
        .call(
            "getRecordLockingConfigurations",
            "GET",
            "settings/record_locking_configurations?module=Nope",
            None,
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "INVALID_MODULE"));
    let a = api
        .call(
            "createRecordLockingConfiguration",
            "POST",
            "settings/record_locking_configurations?module=Calls",
            Some(closed_won_config()),
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "NOT_SUPPORTED"));
    assert_eq!(a.json()["details"]["param_name"], "module");
}

#[tokio::test]
async fn one_configuration_per_module() {
    let api = Api::start().await;
    create_closed_won(&api).await;
    let a = api
        .call(
            "createRecordLockingConfiguration",
            "POST",
            "settings/record_locking_configurations?module=Deals",
            Some(closed_won_config()),
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "LIMIT_EXCEEDED"));
    assert_eq!(
        a.json()["details"],
        json!({ "param_name": "module", "limit": 1 })
    );
}

async fn create_error(api: &Api, item: Value) -> (u16, String, Value) {
    let a = api
        .call(
            "createRecordLockingConfiguration",
            "POST",
            "settings/record_locking_configurations?module=Deals",
            Some(json!({ KEY: [item] })),
        )
        .await;
    (a.status, a.item_code(KEY).to_owned(), a.item_details(KEY))
}

fn rule(name: &str, stage: &str) -> Value {
    json!({ "name": name, "criteria": { "comparator": "equal", "field": { "api_name": "Stage" }, "value": stage } })
}

#[tokio::test]
async fn body_validation_errors_are_wrapped() {
    let api = Api::start().await;
    let (s, code, d) = create_error(&api, json!({ "locked_for": "all_profiles" })).await;
    assert_eq!((s, code.as_str()), (400, "MANDATORY_NOT_FOUND"));
    assert_eq!(
        d["json_path"],
        "$.record_locking_configurations[0].lock_type"
    );

    let (_, code, d) = create_error(&api, json!({ "lock_type": "sometimes" })).await;
    assert_eq!(code, "INVALID_DATA");
    assert_eq!(
        d["supported_values"],
        json!(["manual", "automatic", "both"])
    );

    let (_, code, d) = create_error(&api, json!({ "lock_type": "automatic" })).await;
    assert_eq!(code, "DEPENDENT_FIELD_MISSING");
    assert_eq!(d["api_name"], "locking_rules");
    assert_eq!(d["dependee"]["api_name"], "lock_type");

    let (_, code, d) = create_error(
        &api,
        json!({ "lock_type": "manual", "locked_for": "all_profiles_except_excluded_profiles" }),
    )
    .await;
    assert_eq!(code, "DEPENDENT_FIELD_MISSING");
    assert_eq!(d["api_name"], "lock_excluded_profiles");

    let six: Vec<Value> = (0..6)
        .map(|i| rule(&format!("r{i}"), &format!("s{i}")))
        .collect();
    let (_, code, d) = create_error(
        &api,
        json!({ "lock_type": "automatic", "locking_rules": six }),
    )
    .await;
    assert_eq!(code, "LIMIT_EXCEEDED");
    assert_eq!(d["limit"], 5);

    let (_, code, d) = create_error(
        &api,
        json!({ "lock_type": "automatic", "locking_rules": [rule("a", "x"), rule("a", "y")] }),
    )
    .await;
    assert_eq!(code, "DUPLICATE_DATA");
    assert_eq!(
        d["json_path"],
        "$.record_locking_configurations[0].locking_rules[1].name"
    );

    let (_, code, d) = create_error(
        &api,
        json!({ "lock_type": "automatic", "locking_rules": [rule("a", "x"), rule("b", "x")] }),
    )
    .await;
    assert_eq!(code, "DUPLICATE_DATA");
    assert_eq!(d["api_name"], "criteria");

    let bad_field = json!({ "name": "n", "criteria": { "comparator": "equal", "field": { "api_name": "Colour" }, "value": "x" } });
    let (_, code, d) = create_error(
        &api,
        json!({ "lock_type": "automatic", "locking_rules": [bad_field] }),
    )
    .await;
    assert_eq!(code, "INVALID_DATA");
    assert_eq!(
        d["json_path"],
        "$.record_locking_configurations[0].locking_rules[0].criteria.field.api_name"
    );

    let (_, code, _) = create_error(
        &api,
        json!({ "lock_type": "manual", "excluded_fields": [{ "api_name": "Owner" }] }),
    )
    .await;
    assert_eq!(code, "NOT_SUPPORTED");
    let (_, code, _) = create_error(
        &api,
        json!({ "lock_type": "manual", "excluded_fields": [{}] }),
    )
    .await;
    assert_eq!(code, "EXPECTED_FIELD_MISSING");
    let dir = api.sim.directory();
    let amount = dir
        .module("Deals")
        .unwrap()
        .field("Amount")
        .unwrap()
        .id
        .clone();
    let (_, code, _) = create_error(&api, json!({ "lock_type": "manual", "excluded_fields": [{ "api_name": "Description", "id": amount }] })).await;
    assert_eq!(code, "AMBIGUITY_DURING_PROCESSING");
    let (_, code, d) = create_error(
        &api,
        json!({ "lock_type": "manual", "restricted_actions": ["explode"] }),
    )
    .await;
    assert_eq!(code, "INVALID_DATA");
    assert_eq!(d["supported_values"].as_array().unwrap().len(), 5);
    let (_, code, _) = create_error(
        &api,
        json!({ "lock_type": "manual", "restricted_communications": ["fax"] }),
    )
    .await;
    assert_eq!(code, "INVALID_DATA");
    let (_, code, _) = create_error(
        &api,
        json!({ "lock_type": "manual", "restricted_custom_buttons": [{ "id": "1" }] }),
    )
    .await;
    assert_eq!(code, "INVALID_DATA");
    let (_, code, _) = create_error(
        &api,
        json!({ "lock_type": "manual", "lock_for_portal_users": "yes" }),
    )
    .await;
    assert_eq!(code, "INVALID_DATA");

    // Nothing was stored by any of those.
    assert!(api.sim.state().record_locking.is_empty());

    // A valid configuration with excluded profiles, buttons and communications is accepted.
    let standard = api.sim.profile_id("Standard").unwrap();
    let button = dir
        .custom_buttons
        .iter()
        .find(|b| b.module == "Deals")
        .unwrap()
        .id
        .clone();
    let a = api
        .call(
            "createRecordLockingConfiguration",
            "POST",
            "settings/record_locking_configurations?module=Deals",
            Some(json!({ KEY: [{
                "lock_type": "manual", "locked_for": "all_profiles_except_excluded_profiles",
                "lock_excluded_profiles": [{ "id": standard }],
                "restricted_custom_buttons": [{ "id": button }],
                "restricted_communications": ["send_mail"],
                "restricted_actions": ["update", "delete", "convert"],
            }]})),
        )
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    let cfg = &api.sim.state().record_locking["Deals"];
    assert_eq!(cfg["lock_excluded_profiles"][0]["name"], "Standard");
    assert_eq!(cfg["restricted_custom_buttons"][0]["name"], "Send Quote");
}

#[tokio::test]
async fn update_errors() {
    let api = Api::start().await;
    let id = create_closed_won(&api).await;
    let put = |path: String, body: Value| {
        let api = &api;
        async move {
            api.call(
                "updateRecordLockingConfigurations",
                "PUT",
                &path,
                Some(body),
            )
            .await
        }
    };
    let a = put(
        "settings/record_locking_configurations?module=Deals".into(),
        json!({ KEY: [{ "lock_type": "both" }] }),
    )
    .await;
    assert_eq!((a.status, a.item_code(KEY)), (400, "MANDATORY_NOT_FOUND"));
    let a = put(
        "settings/record_locking_configurations?module=Deals".into(),
        json!({ KEY: [{ "id": "1234567890123456789" }] }),
    )
    .await;
    assert_eq!(a.item_code(KEY), "INVALID_DATA");
    assert_eq!(
        a.item_details(KEY)["json_path"],
        "$.record_locking_configurations[0].id"
    );

    let a = api
        .call(
            "updateRecordLockingConfiguration",
            "PUT",
            "settings/record_locking_configurations/abc?module=Deals",
            Some(json!({ KEY: [{ "id": id }] })),
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "INVALID_DATA"));
    assert_eq!(a.json()["details"]["resource_path_index"], 2);

    // A sixth rule on top of five.
    let five: Vec<Value> = (0..4)
        .map(|i| rule(&format!("r{i}"), &format!("s{i}")))
        .collect();
    let a = put(
        "settings/record_locking_configurations?module=Deals".into(),
        json!({ KEY: [{ "id": id, "locking_rules": five }] }),
    )
    .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(api.sim.state().locking_rule_count("Deals"), 5);
    let a = put(
        "settings/record_locking_configurations?module=Deals".into(),
        json!({ KEY: [{ "id": id, "locking_rules": [rule("six", "s6")] }] }),
    )
    .await;
    assert_eq!(a.item_code(KEY), "LIMIT_EXCEEDED");
    assert_eq!(a.item_details(KEY)["available_limit"], 0);

    // Deleting every rule of an automatic configuration leaves it without rules.
    let ids: Vec<Value> = api.sim.state().record_locking["Deals"]["locking_rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| json!({ "id": r["id"], "_delete": true }))
        .collect();
    let a = put(
        "settings/record_locking_configurations?module=Deals".into(),
        json!({ KEY: [{ "id": id, "locking_rules": ids }] }),
    )
    .await;
    assert_eq!(a.item_code(KEY), "DEPENDENT_FIELD_MISSING");
    let a = put("settings/record_locking_configurations?module=Deals".into(), json!({ KEY: [{ "id": id, "locking_rules": [{ "id": "1234567890123456789", "_delete": true }] }] })).await;
    assert_eq!(a.item_code(KEY), "INVALID_DATA");
}

#[tokio::test]
async fn system_defined_edition_and_permission() {
    let api = Api::start().await;
    let id = api.sim.seed_system_defined_locking("Leads").unwrap();
    let a = api
        .call(
            "updateRecordLockingConfiguration",
            "PUT",
            &format!("settings/record_locking_configurations/{id}?module=Leads"),
            Some(json!({ KEY: [{ "id": id, "lock_type": "manual" }] })),
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "NOT_ALLOWED"));
    assert_eq!(a.json()["details"]["resource_path_index"], 1);
    let a = api
        .call(
            "deleteRecordLockingConfiguration",
            "DELETE",
            &format!("settings/record_locking_configurations/{id}?module=Leads"),
            None,
        )
        .await;
    assert_eq!(a.flat_code(), "NOT_ALLOWED");

    api.sim.set_record_locking_edition(false);
    let a = api
        .call(
            "getRecordLockingConfigurations",
            "GET",
            "settings/record_locking_configurations?module=Leads",
            None,
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "FEATURE_NOT_SUPPORTED"));
    api.sim.set_record_locking_edition(true);

    api.sim.set_no_permission(true);
    let a = api
        .call(
            "getRecordLockingConfigurations",
            "GET",
            "settings/record_locking_configurations?module=Leads",
            None,
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (403, "NO_PERMISSION"));
    assert_eq!(
        a.json()["details"]["permissions"][0],
        "Crm_Implied_Customize_Zoho_CRM"
    );
}

#[tokio::test]
async fn malformed_requests_never_break_it() {
    let api = Api::start().await;
    for body in [
        &b"{not json"[..],
        b"[1,2]",
        b"\"x\"",
        b"{\"record_locking_configurations\": 7}",
        b"{\"record_locking_configurations\": [7]}",
        b"{\"record_locking_configurations\": [{}, {}]}",
    ] {
        let a = api
            .call_raw(
                "createRecordLockingConfiguration",
                "POST",
                "settings/record_locking_configurations?module=Deals",
                Some(body.to_vec()),
                Some(&api.token),
            )
            .await;
        assert_eq!(a.status, 400, "{}", String::from_utf8_lossy(body));
    }
    let deep = (0..200).fold(
        json!({ "comparator": "equal", "field": { "api_name": "Stage" }, "value": "x" }),
        |c, _| json!({ "group_operator": "AND", "group": [c] }),
    );
    let (status, _, _) = create_error(&api, json!({ "lock_type": "automatic", "locking_rules": [{ "name": "deep", "criteria": deep }] })).await;
    assert_eq!(status, 400);
    let a = api
        .call_raw(
            "createRecordLockingConfiguration",
            "POST",
            "settings/record_locking_configurations?module=Deals",
            Some(b"{}".to_vec()),
            Some(&api.token),
        )
        .await;
    assert_eq!(a.flat_code(), "MANDATORY_NOT_FOUND");
    let a = api
        .call(
            "getRecordLockingConfigurations",
            "PATCH",
            "settings/record_locking_configurations?module=Deals",
            None,
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "INVALID_REQUEST_METHOD"));
    let a = api
        .call(
            "getRecordLockingConfigurations",
            "GET",
            "settings/record_locking_rules?module=Deals",
            None,
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (404, "INVALID_URL_PATTERN"));
    // Still serving.
    let a = api
        .call(
            "getRecordLockingConfigurations",
            "GET",
            "settings/record_locking_configurations?module=Deals",
            None,
        )
        .await;
    assert_eq!(a.status, 204);
}
