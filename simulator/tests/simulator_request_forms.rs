//! What the simulator reads in a request, over real HTTP, as the spec describes it: ids as
//! strings or as JSON numbers (Zoho's Python SDK sends numbers), bodies without a
//! Content-Type, the update bodies of the by-id and collection URLs, the filter and criteria
//! rules, empty modules and names, pages past the end, and the minified user.

mod simulator_support;

use serde_json::{json, Value};
use simulator_support::{check_conforms, Answer, Api};

const RLC: &str = "record_locking_configurations";
const SR: &str = "sharing_rules";

/// `id` as the string Zoho documents or as the bare JSON number Zoho's Python SDK sends.
fn id(id: &str, numeric: bool) -> Value {
    if numeric {
        Value::Number(id.parse::<u64>().expect("a numeric id").into())
    } else {
        Value::String(id.to_owned())
    }
}

/// Drops the timestamps, which differ between two runs.
fn without_times(mut v: Value) -> Value {
    match &mut v {
        Value::Object(map) => {
            map.remove("created_time");
            map.remove("modified_time");
            for child in map.values_mut() {
                *child = without_times(child.take());
            }
        }
        Value::Array(items) => {
            for child in items.iter_mut() {
                *child = without_times(child.take());
            }
        }
        _ => {}
    }
    v
}

/// One session with every id of every request body in one form; returns each answer's status
/// and body, and the state at the end.
async fn session(numeric: bool) -> (Vec<(u16, Option<Value>)>, Value) {
    let api = Api::start().await;
    let dir = api.sim.directory();
    let deals = dir.module("Deals").unwrap();
    let field = |name: &str| id(&deals.field(name).unwrap().id, numeric);
    let profile = id(&api.sim.profile_id("Standard").unwrap(), numeric);
    let button = id(
        &dir.custom_buttons
            .iter()
            .find(|b| b.module == "Deals")
            .unwrap()
            .id,
        numeric,
    );
    let mut answers = Vec::new();

    // Record locking: create, then change through both URLs and delete a rule.
    let create = json!({ RLC: [{
        "lock_type": "automatic",
        "locked_for": "all_profiles_except_excluded_profiles",
        "lock_excluded_profiles": [{ "id": profile }],
        "excluded_fields": [{ "id": field("Description") }],
        "restricted_custom_buttons": [{ "id": button }],
        "locking_rules": [{
            "name": "Closed Won",
            "criteria": { "comparator": "equal", "field": { "id": field("Stage") }, "value": "Closed Won" }
        }]
    }]});
    let a = api
        .call(
            "createRecordLockingConfiguration",
            "POST",
            "settings/record_locking_configurations?module=Deals",
            Some(create),
        )
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    let config = a.item_details(RLC)["id"].as_str().unwrap().to_owned();
    answers.push((a.status, a.body));
    let rule = api.sim.state().record_locking["Deals"]["locking_rules"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = api
        .call(
            "updateRecordLockingConfigurations",
            "PUT",
            "settings/record_locking_configurations?module=Deals",
            Some(json!({ RLC: [{
                "id": id(&config, numeric),
                "lock_type": "both",
                "locking_rules": [
                    { "id": id(&rule, numeric), "_delete": true },
                    { "name": "Closed Lost", "criteria": { "comparator": "equal", "field": { "api_name": "Stage" }, "value": "Closed Lost" } }
                ]
            }]})),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    answers.push((a.status, a.body));
    let a = api
        .call(
            "updateRecordLockingConfiguration",
            "PUT",
            &format!("settings/record_locking_configurations/{config}?module=Deals"),
            Some(json!({ RLC: [{ "id": id(&config, numeric), "restricted_actions": ["update", "delete"] }] })),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    answers.push((a.status, a.body));

    // Sharing rules: an owner-based rule, changed through the collection URL.
    let role = |name: &str| id(&api.sim.role_id(name).unwrap(), numeric);
    let a = api
        .call(
            "createSharingRule",
            "POST",
            "settings/data_sharing/rules?module=Leads",
            Some(json!({ SR: [{
                "name": "Managers see representatives' leads",
                "type": "Record_Owner_Based",
                "superiors_allowed": false,
                "permission_type": "read",
                "shared_to": { "resource": { "id": role("Manager") }, "type": "roles", "subordinates": false },
                "shared_from": { "resource": { "id": role("Sales Representative") }, "type": "roles", "subordinates": true }
            }]})),
        )
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    let rule_id = a.item_details(SR)["id"].as_str().unwrap().to_owned();
    answers.push((a.status, a.body));
    let a = api
        .call(
            "updateSharingRules",
            "PUT",
            "settings/data_sharing/rules?module=Leads",
            Some(json!({ SR: [{
                "id": id(&rule_id, numeric),
                "type": "Record_Owner_Based",
                "superiors_allowed": true,
                "shared_to": { "resource": { "id": role("CEO") }, "type": "roles", "subordinates": false }
            }]})),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    answers.push((a.status, a.body));

    // Default organization permissions, the module by id.
    let leads = id(&api.sim.module_id("Leads").unwrap(), numeric);
    let a = api
        .call(
            "updateOrgPermissions",
            "PUT",
            "settings/data_sharing",
            Some(json!({ "data_sharing": [{ "share_type": "public_read_only", "module": { "id": leads } }] })),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    answers.push((a.status, a.body));

    let s = api.sim.state();
    let state = json!({
        "record_locking": s.record_locking,
        "sharing_rules": s.sharing_rules,
        "org_permissions": s.org_permissions,
    });
    (answers, without_times(state))
}

#[tokio::test]
async fn ids_sent_as_json_numbers_are_answered_like_strings() {
    let (as_strings, state_strings) = session(false).await;
    let (as_numbers, state_numbers) = session(true).await;
    assert_eq!(as_numbers, as_strings);
    assert_eq!(state_numbers, state_strings);
    // The stored configuration holds the ids as strings, whatever form they came in.
    let cfg = &state_numbers["record_locking"]["Deals"];
    assert!(cfg["lock_excluded_profiles"][0]["id"].is_string(), "{cfg}");
    assert!(cfg["excluded_fields"][0]["id"].is_string(), "{cfg}");
    assert_eq!(cfg["locking_rules"][0]["name"], "Closed Lost");
}

#[tokio::test]
async fn ids_that_are_not_one_to_nineteen_digits_are_refused() {
    let api = Api::start().await;
    let roles = |resource_id: Value| {
        json!({ SR: [{
            "name": "r", "type": "Record_Owner_Based", "superiors_allowed": false, "permission_type": "read",
            "shared_to": { "resource": { "id": resource_id }, "type": "roles", "subordinates": false },
            "shared_from": { "resource": { "id": api.sim.role_id("CEO").unwrap() }, "type": "roles" }
        }]})
    };
    for bad in [
        json!(""),
        json!("abc"),
        json!(-1),
        json!(1.5),
        json!(18446744073709551615u64),
    ] {
        let a = api
            .call(
                "createSharingRule",
                "POST",
                "settings/data_sharing/rules?module=Leads",
                Some(roles(bad.clone())),
            )
            .await;
        assert_eq!((a.status, a.item_code(SR)), (400, "INVALID_DATA"), "{bad}");
        assert_eq!(
            a.item_details(SR)["expected_data_type"],
            "bigint",
            "{bad}: {:?}",
            a.body
        );
    }
    for path in [
        "settings/record_locking_configurations/abc?module=Deals",
        "settings/record_locking_configurations/12345678901234567890?module=Deals",
    ] {
        let a = api
            .call("getRecordLockingConfigurationById", "GET", path, None)
            .await;
        assert_eq!((a.status, a.flat_code()), (400, "INVALID_DATA"), "{path}");
        assert_eq!(a.json()["details"]["resource_path_index"], 2);
    }
}

/// Sends `body` without a Content-Type header, as Zoho's Python SDK does.
async fn without_content_type(
    api: &Api,
    op: &str,
    method: &str,
    path: &str,
    body: Value,
) -> Answer {
    let url = format!("{}/crm/v8/{path}", api.sim.api_domain());
    let resp = api
        .http
        .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url)
        .header("Authorization", format!("Zoho-oauthtoken {}", api.token))
        .body(serde_json::to_vec(&body).unwrap())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap();
    check_conforms(op, status, &bytes);
    Answer {
        status,
        body: serde_json::from_slice(&bytes).ok(),
        headers,
    }
}

#[tokio::test]
async fn json_bodies_without_content_type_are_read() {
    let api = Api::start().await;
    let a = without_content_type(
        &api,
        "createRecordLockingConfiguration",
        "POST",
        "settings/record_locking_configurations?module=Deals",
        simulator_support::closed_won_config(),
    )
    .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    assert_eq!(api.sim.state().locking_rule_count("Deals"), 1);
    let a = without_content_type(
        &api,
        "searchSharingRules",
        "POST",
        "settings/data_sharing/rules/search",
        json!({ "filters": [{ "group": [{ "field": { "api_name": "status" }, "comparator": "equal", "value": "active" }] }] }),
    )
    .await;
    assert_eq!(a.status, 204, "{:?}", a.body);
}

#[tokio::test]
async fn update_bodies_of_the_two_urls() {
    let api = Api::start().await;
    let a = api
        .call(
            "createRecordLockingConfiguration",
            "POST",
            "settings/record_locking_configurations?module=Deals",
            Some(simulator_support::closed_won_config()),
        )
        .await;
    let config = a.item_details(RLC)["id"].as_str().unwrap().to_owned();
    let by_id = format!("settings/record_locking_configurations/{config}?module=Deals");

    // Record locking, by id: no body id needed; a different one is refused.
    let a = api
        .call(
            "updateRecordLockingConfiguration",
            "PUT",
            &by_id,
            Some(json!({ RLC: [{ "restricted_actions": ["update", "delete"] }] })),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(
        api.sim.state().record_locking["Deals"]["restricted_actions"],
        json!(["update", "delete"])
    );
    let a = api
        .call(
            "updateRecordLockingConfiguration",
            "PUT",
            &by_id,
            Some(
                json!({ RLC: [{ "id": "1234567890123456789", "restricted_actions": ["update"] }] }),
            ),
        )
        .await;
    assert_eq!((a.status, a.item_code(RLC)), (400, "INVALID_DATA"));
    assert_eq!(
        a.item_details(RLC)["json_path"],
        "$.record_locking_configurations[0].id"
    );
    // The collection URL needs the id in the body.
    let a = api
        .call(
            "updateRecordLockingConfigurations",
            "PUT",
            "settings/record_locking_configurations?module=Deals",
            Some(json!({ RLC: [{ "restricted_actions": ["update"] }] })),
        )
        .await;
    assert_eq!((a.status, a.item_code(RLC)), (400, "MANDATORY_NOT_FOUND"));

    // Sharing rules: the collection URL needs the id; every update needs type and
    // superiors_allowed (Zoho's update page), which Zoho's Python SDK may leave out.
    let rule = api.sim.seed_sharing_rules("Leads", 1).unwrap().remove(0);
    let put = |path: String, item: Value| {
        let api = &api;
        async move {
            let op = if path.contains("rules?") {
                "updateSharingRules"
            } else {
                "updateSharingRule"
            };
            api.call(op, "PUT", &path, Some(json!({ SR: [item] })))
                .await
        }
    };
    let collection = "settings/data_sharing/rules?module=Leads".to_owned();
    let one = format!("settings/data_sharing/rules/{rule}?module=Leads");
    let a = put(
        collection.clone(),
        json!({ "type": "Record_Owner_Based", "superiors_allowed": false }),
    )
    .await;
    assert_eq!((a.status, a.item_code(SR)), (400, "MANDATORY_NOT_FOUND"));
    assert_eq!(a.item_details(SR)["api_name"], "id");
    let a = put(
        one.clone(),
        json!({ "name": "Renamed", "permission_type": "read" }),
    )
    .await;
    assert_eq!((a.status, a.item_code(SR)), (400, "MANDATORY_NOT_FOUND"));
    assert_eq!(a.item_details(SR)["api_name"], "type");
    assert_eq!(
        api.sim.state().sharing_rules["Leads"][0]["name"],
        "Seeded rule 1"
    );
    let a = put(
        one,
        json!({ "type": "Record_Owner_Based", "superiors_allowed": true, "name": "Renamed", "permission_type": "read" }),
    )
    .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let stored = &api.sim.state().sharing_rules["Leads"][0];
    assert_eq!(
        (
            &stored["name"],
            &stored["permission_type"],
            &stored["superiors_allowed"]
        ),
        (&json!("Renamed"), &json!("read"), &json!(true))
    );
    assert!(stored["shared_from"].is_object(), "kept: {stored}");
}

async fn search(api: &Api, body: Value) -> Answer {
    api.call(
        "searchSharingRules",
        "POST",
        "settings/data_sharing/rules/search",
        Some(body),
    )
    .await
}

#[tokio::test]
async fn search_filters_hold_one_group_of_text_values() {
    let api = Api::start().await;
    api.sim.seed_sharing_rules("Leads", 2).unwrap();
    let cond = |key: &str, cmp: &str, value: Value| json!({ "field": { "api_name": key }, "comparator": cmp, "value": value });
    let group = |c: Value| json!({ "group": [c] });

    let two = search(
        &api,
        json!({ "filters": [group(cond("status", "equal", json!("active"))), group(cond("name", "like", json!("Seeded")))] }),
    )
    .await;
    assert_eq!((two.status, two.flat_code()), (400, "INVALID_DATA"));
    assert_eq!(
        two.json()["details"],
        json!({ "api_name": "filters", "json_path": "$.filters", "maximum_length": 1 })
    );
    for (value, code) in [
        (Value::Null, "MANDATORY_NOT_FOUND"),
        (json!([]), "MANDATORY_NOT_FOUND"),
        (json!(true), "INVALID_DATA"),
        (json!([1]), "INVALID_DATA"),
    ] {
        let a = search(
            &api,
            json!({ "filters": [group(cond("superiors_allowed", "equal", value.clone()))] }),
        )
        .await;
        assert_eq!((a.status, a.flat_code()), (400, code), "{value}");
        assert_eq!(
            a.json()["details"]["json_path"],
            "$.filters[0].group[0].value",
            "{value}"
        );
    }
    let unknown = search(
        &api,
        json!({ "filters": [group(cond("owner", "equal", json!("x")))] }),
    )
    .await;
    assert_eq!((unknown.status, unknown.flat_code()), (400, "INVALID_DATA"));
    // Booleans are compared as text, as Zoho's SDK samples send them.
    let a = search(
        &api,
        json!({ "filters": [group(cond("superiors_allowed", "equal", json!("true")))] }),
    )
    .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.json()[SR].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn criteria_take_the_documented_comparators_and_literal_values() {
    let api = Api::start().await;
    let create = |criteria: Value| {
        let api = &api;
        async move {
            let a = api
                .call(
                    "createRecordLockingConfiguration",
                    "POST",
                    "settings/record_locking_configurations?module=Deals",
                    Some(json!({ RLC: [{ "lock_type": "automatic", "locking_rules": [{ "name": "r", "criteria": criteria }] }] })),
                )
                .await;
            if a.status == 201 {
                let id = a.item_details(RLC)["id"].as_str().unwrap().to_owned();
                api.call(
                    "deleteRecordLockingConfiguration",
                    "DELETE",
                    &format!("settings/record_locking_configurations/{id}?module=Deals"),
                    None,
                )
                .await;
            }
            a
        }
    };
    for comparator in [
        "equal",
        "not_equal",
        "contains",
        "not_contains",
        "starts_with",
        "ends_with",
        "less_than",
        "less_equal",
        "greater_than",
        "greater_equal",
    ] {
        let a = create(
            json!({ "comparator": comparator, "field": { "api_name": "Amount" }, "value": "10" }),
        )
        .await;
        assert_eq!(a.status, 201, "{comparator}: {:?}", a.body);
    }
    for comparator in ["between", "not_between"] {
        let a = create(json!({ "comparator": comparator, "field": { "api_name": "Amount" }, "value": ["10", "20"] })).await;
        assert_eq!(a.status, 201, "{comparator}: {:?}", a.body);
    }
    for comparator in ["in", "like", "is_empty"] {
        let a = create(
            json!({ "comparator": comparator, "field": { "api_name": "Amount" }, "value": "10" }),
        )
        .await;
        assert_eq!(
            (a.status, a.item_code(RLC)),
            (400, "INVALID_DATA"),
            "{comparator}"
        );
        assert_eq!(
            a.item_details(RLC)["supported_values"]
                .as_array()
                .unwrap()
                .len(),
            12
        );
    }
    let a = create(json!({ "comparator": "equal", "field": { "api_name": "Amount" }, "type": "field", "value": "Expected_Revenue" })).await;
    assert_eq!((a.status, a.item_code(RLC)), (400, "INVALID_DATA"));
    assert_eq!(a.item_details(RLC)["supported_values"], json!(["value"]));
}

#[tokio::test]
async fn empty_modules_and_blank_names_are_refused() {
    let api = Api::start().await;
    let a = api
        .call(
            "listSharingRules",
            "GET",
            "settings/data_sharing/rules?module=",
            None,
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "INVALID_DATA"));
    assert_eq!(a.json()["details"]["param_name"], "module");
    let a = api
        .call(
            "getRecordLockingConfigurations",
            "GET",
            "settings/record_locking_configurations?module=",
            None,
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "REQUIRED_PARAM_MISSING"));
    for name in ["", "   "] {
        let a = api
            .call(
                "createSharingRule",
                "POST",
                "settings/data_sharing/rules?module=Leads",
                Some(json!({ SR: [{
                    "name": name, "type": "Record_Owner_Based", "superiors_allowed": false, "permission_type": "read",
                    "shared_to": { "type": "all_users" },
                    "shared_from": { "resource": { "id": api.sim.role_id("CEO").unwrap() }, "type": "roles" }
                }]})),
            )
            .await;
        assert_eq!(
            (a.status, a.item_code(SR)),
            (400, "MANDATORY_NOT_FOUND"),
            "{name:?}"
        );
        assert_eq!(a.item_details(SR)["api_name"], "name");
    }
}

#[tokio::test]
async fn any_page_past_the_last_answers_no_content() {
    let api = Api::start().await;
    api.sim.seed_sharing_rules("Leads", 3).unwrap();
    for page in ["2", "1000001", "2147483647"] {
        let a = api
            .call(
                "listSharingRules",
                "GET",
                &format!("settings/data_sharing/rules?page={page}&per_page=3"),
                None,
            )
            .await;
        assert_eq!(a.status, 204, "page {page}: {:?}", a.body);
    }
    for page in ["0", "2147483648", "x"] {
        let a = api
            .call(
                "listSharingRules",
                "GET",
                &format!("settings/data_sharing/rules?page={page}"),
                None,
            )
            .await;
        assert_eq!(
            (a.status, a.flat_code()),
            (400, "INVALID_DATA"),
            "page {page}"
        );
    }
}

#[tokio::test]
async fn activation_changes_wait_for_rule_computation() {
    let api = Api::start().await;
    let rule = api.sim.seed_sharing_rules("Leads", 1).unwrap().remove(0);
    api.sim.set_rule_computation_running("Leads", true);
    let path = format!("settings/data_sharing/rules/{rule}/actions/activate?module=Leads");
    for (op, method) in [
        ("deactivateSharingRule", "DELETE"),
        ("activateSharingRule", "PUT"),
    ] {
        let a = api.call(op, method, &path, None).await;
        assert_eq!((a.status, a.item_code(SR)), (400, "CANNOT_PROCESS"), "{op}");
    }
}

#[tokio::test]
async fn creators_are_minified_users_with_email() {
    let api = Api::start().await;
    api.call(
        "createRecordLockingConfiguration",
        "POST",
        "settings/record_locking_configurations?module=Deals",
        Some(simulator_support::closed_won_config()),
    )
    .await;
    let a = api
        .call(
            "getRecordLockingConfigurations",
            "GET",
            "settings/record_locking_configurations?module=Deals",
            None,
        )
        .await;
    let cfg = &a.json()[RLC][0];
    for key in ["created_by", "modified_by"] {
        let user = cfg[key].as_object().unwrap();
        assert_eq!(
            user.keys().map(String::as_str).collect::<Vec<_>>(),
            ["email", "id", "name"],
            "{key}"
        );
        assert!(user["email"].as_str().unwrap().contains('@'));
    }
}
