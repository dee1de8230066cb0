//! Data sharing rules against the simulator, over real HTTP: every operation's happy path and the
//! documented errors, each body checked against the spec's generated types.

mod simulator_support;

use serde_json::{json, Value};
use simulator_support::Api;

const KEY: &str = "sharing_rules";

fn owner_based(api: &Api, name: &str) -> Value {
    json!({
        "name": name,
        "superiors_allowed": false,
        "type": "Record_Owner_Based",
        "shared_to": { "resource": { "id": api.sim.role_id("Manager").unwrap() }, "type": "roles", "subordinates": false },
        "shared_from": { "resource": { "id": api.sim.role_id("Sales Representative").unwrap() }, "type": "roles", "subordinates": true },
        "permission_type": "read_write_delete"
    })
}

fn criteria_based(api: &Api, name: &str) -> Value {
    json!({
        "superiors_allowed": false,
        "type": "Criteria_Based",
        "criteria": { "group_operator": "AND", "group": [
            { "comparator": "equal", "field": { "api_name": "City" }, "type": "value", "value": "Miami" },
            { "comparator": "equal", "field": { "api_name": "State" }, "type": "value", "value": "Florida" }
        ]},
        "shared_to": { "resource": { "name": "Miami Users", "id": api.sim.group_id("Miami Users").unwrap() }, "type": "groups", "subordinates": false },
        "shared_from": null,
        "permission_type": "read_write",
        "name": name
    })
}

async fn create(api: &Api, module: &str, rule: Value) -> simulator_support::Answer {
    api.call(
        "createSharingRule",
        "POST",
        &format!("settings/data_sharing/rules?module={module}"),
        Some(json!({ KEY: [rule] })),
    )
    .await
}

async fn create_ok(api: &Api, rule: Value) -> String {
    let a = create(api, "Leads", rule).await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    assert_eq!(
        a.json()[KEY][0]["message"],
        "sharing rule is created successfully"
    );
    a.item_details(KEY)["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn lifecycle_of_both_rule_types() {
    let api = Api::start().await;
    let none = api
        .call(
            "listSharingRules",
            "GET",
            "settings/data_sharing/rules",
            None,
        )
        .await;
    assert_eq!(none.status, 204);
    let summary = api
        .call(
            "getSharingRulesSummary",
            "GET",
            "settings/data_sharing/rules/actions/summary",
            None,
        )
        .await;
    assert_eq!(summary.status, 204);
    let rerun = api
        .call(
            "rerunSharingRules",
            "POST",
            "settings/data_sharing/rules/actions/run?module=Leads",
            None,
        )
        .await;
    assert_eq!(rerun.status, 204);

    let owner = create_ok(&api, owner_based(&api, "Lead sharing rule")).await;
    let crit = create_ok(&api, criteria_based(&api, "Lead Sharing Rule for Chennai ")).await;
    assert_eq!(owner.len(), 19);

    let got = api
        .call(
            "getSharingRule",
            "GET",
            &format!("settings/data_sharing/rules/{owner}?module=Leads"),
            None,
        )
        .await;
    assert_eq!(got.status, 200);
    let r = &got.json()[KEY][0];
    assert_eq!(r["status"], "active");
    assert_eq!(r["criteria"], Value::Null);
    assert_eq!(r["shared_to"]["resource"]["name"], "Manager");
    assert_eq!(r["shared_from"]["subordinates"], true);
    assert_eq!(r["module"]["api_name"], "Leads");
    let got = api
        .call(
            "getSharingRule",
            "GET",
            &format!("settings/data_sharing/rules/{crit}"),
            None,
        )
        .await;
    let r = &got.json()[KEY][0];
    assert_eq!(r["shared_from"], Value::Null);
    assert_eq!(r["criteria"]["group"][1]["field"]["api_name"], "State");
    assert!(r["criteria"]["group"][1]["field"]["id"].is_string());

    let list = api
        .call(
            "listSharingRules",
            "GET",
            "settings/data_sharing/rules?module=Leads",
            None,
        )
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json()[KEY].as_array().unwrap().len(), 2);
    assert!(
        list.json()[KEY][0].get("criteria").is_none(),
        "list items carry no criteria"
    );
    assert_eq!(
        list.json()["info"],
        json!({ "per_page": 200, "page": 1, "count": 2, "more_records": false })
    );

    // Update: share with all users (collection URL, id in the body; partial body).
    let a = api
        .call(
            "updateSharingRules",
            "PUT",
            "settings/data_sharing/rules?module=Leads",
            Some(json!({ KEY: [{
                "id": owner, "type": "Record_Owner_Based", "superiors_allowed": true,
                "shared_to": { "type": "all_users", "subordinates": false }
            }]})),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(
        a.json()[KEY][0]["message"],
        "sharing rule is updated successfully"
    );
    let snap = api.sim.state();
    let updated = snap.sharing_rules["Leads"]
        .iter()
        .find(|r| r["id"] == owner.as_str())
        .unwrap();
    assert_eq!(
        updated["shared_to"],
        json!({ "type": "all_users", "subordinates": false })
    );
    assert_eq!(updated["superiors_allowed"], true);
    assert_eq!(updated["name"], "Lead sharing rule");
    // And by id in the path.
    let a = api
        .call(
            "updateSharingRule",
            "PUT",
            &format!("settings/data_sharing/rules/{crit}?module=Leads"),
            Some(json!({ KEY: [{ "type": "Criteria_Based", "superiors_allowed": false, "permission_type": "read" }] })),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(
        api.sim.state().sharing_rules["Leads"][1]["permission_type"],
        "read"
    );

    // Deactivate, activate, and the already-in-that-state errors.
    let path = format!("settings/data_sharing/rules/{crit}/actions/activate?module=Leads");
    let a = api
        .call("deactivateSharingRule", "DELETE", &path, None)
        .await;
    assert_eq!(
        a.json()[KEY][0]["message"],
        "sharing rule is deactivated successfully"
    );
    let a = api
        .call("deactivateSharingRule", "DELETE", &path, None)
        .await;
    assert_eq!(
        (a.status, a.item_code(KEY)),
        (400, "ID_ALREADY_DEACTIVATED")
    );
    assert_eq!(a.item_details(KEY)["resource_path_index"], 3);
    let a = api.call("activateSharingRule", "PUT", &path, None).await;
    assert_eq!(
        a.json()[KEY][0]["message"],
        "sharing rule is activated successfully"
    );
    let a = api.call("activateSharingRule", "PUT", &path, None).await;
    assert_eq!((a.status, a.item_code(KEY)), (400, "ID_ALREADY_ACTIVE"));

    // Summary and rerun.
    let s = api
        .call(
            "getSharingRulesSummary",
            "GET",
            "settings/data_sharing/rules/actions/summary",
            None,
        )
        .await;
    assert_eq!(s.status, 200);
    assert_eq!(
        s.json()["sharing_rules_summary"],
        json!([{
            "module": { "api_name": "Leads", "id": api.sim.module_id("Leads").unwrap() },
            "rule_computation_status": false, "rule_count": 2
        }])
    );
    let a = api
        .call(
            "rerunSharingRules",
            "POST",
            "settings/data_sharing/rules/actions/run?module=Leads",
            None,
        )
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.json()[KEY][0],
        json!({ "code": "SCHEDULED", "details": {}, "message": "Rerun successfully scheduled", "status": "success" })
    );
    assert_eq!(api.sim.state().reruns["Leads"], 1);

    // Delete.
    let a = api
        .call(
            "deleteSharingRule",
            "DELETE",
            &format!("settings/data_sharing/rules/{owner}?module=Leads"),
            None,
        )
        .await;
    assert_eq!(a.json()[KEY][0]["message"], "Sharing Rule deleted");
    assert_eq!(api.sim.state().sharing_rule_count("Leads"), 1);
    let a = api
        .call(
            "getSharingRule",
            "GET",
            &format!("settings/data_sharing/rules/{owner}"),
            None,
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "INVALID_DATA"));
    assert_eq!(a.json()["details"]["resource_path_index"], 3);
}

#[tokio::test]
async fn create_errors() {
    let api = Api::start().await;
    let a = api
        .call(
            "createSharingRule",
            "POST",
            "settings/data_sharing/rules",
            Some(json!({ KEY: [owner_based(&api, "x")] })),
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "REQUIRED_PARAM_MISSING"));
    let a = create(&api, "Nowhere", owner_based(&api, "x")).await;
    assert_eq!((a.status, a.flat_code()), (400, "INVALID_DATA"));
    assert_eq!(a.json()["details"]["param_name"], "module");

    let two = json!({ KEY: [owner_based(&api, "a"), owner_based(&api, "b")] });
    let a = api
        .call(
            "createSharingRule",
            "POST",
            "settings/data_sharing/rules?module=Leads",
            Some(two),
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "INVALID_DATA"));
    assert_eq!(
        a.json()["details"],
        json!({ "maximum_length": 1, "api_name": "sharing_rules", "json_path": "$.sharing_rules" })
    );

    let mut with_status = owner_based(&api, "s");
    with_status["status"] = "active".into();
    let a = create(&api, "Leads", with_status).await;
    assert_eq!(a.item_code(KEY), "NOT_ALLOWED");
    assert_eq!(
        a.json()[KEY][0]["message"],
        "status is not allowed in this api"
    );

    let mut no_from = owner_based(&api, "f");
    no_from.as_object_mut().unwrap().remove("shared_from");
    let a = create(&api, "Leads", no_from).await;
    assert_eq!(a.item_code(KEY), "MANDATORY_NOT_FOUND");
    assert_eq!(a.item_details(KEY)["api_name"], "shared_from");

    let mut no_criteria = criteria_based(&api, "c");
    no_criteria.as_object_mut().unwrap().remove("criteria");
    let a = create(&api, "Leads", no_criteria).await;
    assert_eq!(a.item_code(KEY), "MANDATORY_NOT_FOUND");
    assert_eq!(a.item_details(KEY)["api_name"], "criteria");

    for key in [
        "name",
        "superiors_allowed",
        "type",
        "shared_to",
        "permission_type",
    ] {
        let mut r = owner_based(&api, "m");
        r.as_object_mut().unwrap().remove(key);
        let a = create(&api, "Leads", r).await;
        assert_eq!(a.item_code(KEY), "MANDATORY_NOT_FOUND", "{key}");
        assert_eq!(
            a.item_details(KEY)["json_path"],
            format!("$.sharing_rules[0].{key}")
        );
    }

    // A group id given as a role.
    let mut mismatch = owner_based(&api, "mm");
    mismatch["shared_to"]["resource"]["id"] = api.sim.group_id("Sales Team").unwrap().into();
    let a = create(&api, "Leads", mismatch).await;
    assert_eq!(a.item_code(KEY), "DEPENDENT_FIELD_MISMATCH");
    let d = a.item_details(KEY);
    assert_eq!(d["dependee"]["api_name"], "type");
    assert_eq!(d["json_path"], "$.sharing_rules[0].shared_to.resource.id");
    let mut no_resource = owner_based(&api, "nr");
    no_resource["shared_to"]
        .as_object_mut()
        .unwrap()
        .remove("resource");
    assert_eq!(
        create(&api, "Leads", no_resource).await.item_code(KEY),
        "DEPENDENT_FIELD_MISSING"
    );

    let mut bad_field = criteria_based(&api, "bf");
    bad_field["criteria"]["group"][0]["field"]["api_name"] = "Planet".into();
    let a = create(&api, "Leads", bad_field).await;
    assert_eq!(a.item_code(KEY), "INVALID_DATA");
    assert_eq!(
        a.json()[KEY][0]["message"],
        "The given api_name seems to be invalid"
    );
    assert_eq!(
        a.item_details(KEY)["json_path"],
        "$.sharing_rules[0].criteria.group[0].field.api_name"
    );

    let mut bad_perm = owner_based(&api, "bp");
    bad_perm["permission_type"] = "everything".into();
    let a = create(&api, "Leads", bad_perm).await;
    assert_eq!(a.item_code(KEY), "INVALID_DATA");
    assert_eq!(
        a.item_details(KEY)["supported_values"],
        json!(["read", "read_write", "read_write_delete"])
    );

    create_ok(&api, owner_based(&api, "Lead sharing rule")).await;
    let a = create(&api, "Leads", owner_based(&api, "Lead sharing rule")).await;
    assert_eq!(a.item_code(KEY), "DUPLICATE_DATA");
    assert_eq!(
        a.item_details(KEY),
        json!({ "api_name": "name", "json_path": "$.sharing_rules[0].name" })
    );
    // The same name in another module is fine.
    let a = create(&api, "Contacts", owner_based(&api, "Lead sharing rule")).await;
    assert_eq!(a.status, 201);
    assert_eq!(api.sim.state().sharing_rule_count("Leads"), 1);
}

#[tokio::test]
async fn update_delete_and_computation_errors() {
    let api = Api::start().await;
    let a_id = create_ok(&api, owner_based(&api, "A")).await;
    create_ok(&api, owner_based(&api, "B")).await;
    let put = |body: Value| {
        let api = &api;
        async move {
            api.call(
                "updateSharingRules",
                "PUT",
                "settings/data_sharing/rules?module=Leads",
                Some(body),
            )
            .await
        }
    };
    assert_eq!(
        put(json!({ KEY: [{ "name": "Z" }] })).await.item_code(KEY),
        "MANDATORY_NOT_FOUND"
    );
    assert_eq!(
        put(json!({ KEY: [{ "id": "1234567890123456789", "name": "Z" }] }))
            .await
            .item_code(KEY),
        "INVALID_DATA"
    );
    // Zoho's update page makes type and superiors_allowed mandatory in every update; a
    // partial update without them (as Zoho's Python SDK allows) is refused.
    for (body, missing) in [
        (
            json!({ "id": a_id, "name": "Z", "permission_type": "read" }),
            "type",
        ),
        (
            json!({ "id": a_id, "type": "Record_Owner_Based" }),
            "superiors_allowed",
        ),
    ] {
        let a = put(json!({ KEY: [body] })).await;
        assert_eq!((a.status, a.item_code(KEY)), (400, "MANDATORY_NOT_FOUND"));
        assert_eq!(
            a.item_details(KEY),
            json!({ "api_name": missing, "json_path": format!("$.sharing_rules[0].{missing}") })
        );
    }
    let owner = |extra: Value| {
        let mut item =
            json!({ "id": a_id, "type": "Record_Owner_Based", "superiors_allowed": false });
        item.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({ KEY: [item] })
    };
    assert_eq!(
        put(owner(json!({ "name": "B" }))).await.item_code(KEY),
        "DUPLICATE_DATA"
    );
    assert_eq!(
        put(owner(json!({ "status": "inactive" })))
            .await
            .item_code(KEY),
        "NOT_ALLOWED"
    );
    // Switching to criteria-based needs criteria.
    let a =
        put(json!({ KEY: [{ "id": a_id, "type": "Criteria_Based", "superiors_allowed": false }] }))
            .await;
    assert_eq!(a.item_code(KEY), "MANDATORY_NOT_FOUND");
    assert_eq!(a.item_details(KEY)["api_name"], "criteria");
    let a = put(json!({ KEY: [{ "id": a_id }, { "id": a_id }] })).await;
    assert_eq!(a.json()["details"]["maximum_length"], 1);

    let a = api
        .call(
            "updateSharingRule",
            "PUT",
            "settings/data_sharing/rules/12x?module=Leads",
            Some(json!({ KEY: [{ "name": "Q" }] })),
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "INVALID_DATA"));
    let a = api
        .call(
            "deleteSharingRule",
            "DELETE",
            &format!("settings/data_sharing/rules/{a_id}"),
            None,
        )
        .await;
    assert_eq!(a.flat_code(), "REQUIRED_PARAM_MISSING");

    api.sim.set_rule_computation_running("Leads", true);
    assert_eq!(
        put(json!({ KEY: [{ "id": a_id, "name": "Q" }] }))
            .await
            .item_code(KEY),
        "CANNOT_PROCESS"
    );
    let a = api
        .call(
            "deleteSharingRule",
            "DELETE",
            &format!("settings/data_sharing/rules/{a_id}?module=Leads"),
            None,
        )
        .await;
    assert_eq!(a.item_code(KEY), "CANNOT_PROCESS");
    let a = api
        .call(
            "rerunSharingRules",
            "POST",
            "settings/data_sharing/rules/actions/run?module=Leads",
            None,
        )
        .await;
    assert_eq!(a.item_code(KEY), "CANNOT_PROCESS");
    let s = api
        .call(
            "getSharingRulesSummary",
            "GET",
            "settings/data_sharing/rules/actions/summary?module=Leads",
            None,
        )
        .await;
    assert_eq!(
        s.json()["sharing_rules_summary"][0]["rule_computation_status"],
        true
    );
    api.sim.set_rule_computation_running("Leads", false);
    let a = api
        .call(
            "deleteSharingRule",
            "DELETE",
            &format!("settings/data_sharing/rules/{a_id}?module=Leads"),
            None,
        )
        .await;
    assert_eq!(a.status, 200);

    api.sim.set_no_permission(true);
    let a = api
        .call(
            "listSharingRules",
            "GET",
            "settings/data_sharing/rules",
            None,
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (403, "NO_PERMISSION"));
}

#[tokio::test]
async fn pagination_walks_every_rule_once() {
    let api = Api::start().await;
    let ids = api.sim.seed_sharing_rules("Deals", 45).unwrap();
    api.sim.seed_sharing_rules("Leads", 3).unwrap();
    let mut seen = Vec::new();
    let mut page = 1;
    loop {
        let a = api
            .call(
                "listSharingRules",
                "GET",
                &format!("settings/data_sharing/rules?module=Deals&page={page}&per_page=20"),
                None,
            )
            .await;
        assert_eq!(a.status, 200);
        let info = &a.json()["info"];
        assert_eq!(info["page"], page);
        assert_eq!(info["per_page"], 20);
        for r in a.json()[KEY].as_array().unwrap() {
            seen.push(r["id"].as_str().unwrap().to_owned());
        }
        assert_eq!(
            info["count"].as_u64().unwrap() as usize,
            a.json()[KEY].as_array().unwrap().len()
        );
        if info["more_records"] == false {
            break;
        }
        page += 1;
    }
    assert_eq!(page, 3);
    assert_eq!(seen, ids);
    let beyond = api
        .call(
            "listSharingRules",
            "GET",
            "settings/data_sharing/rules?module=Deals&page=4&per_page=20",
            None,
        )
        .await;
    assert_eq!(beyond.status, 204);
    let bad = api
        .call(
            "listSharingRules",
            "GET",
            "settings/data_sharing/rules?per_page=500",
            None,
        )
        .await;
    assert_eq!((bad.status, bad.flat_code()), (400, "INVALID_DATA"));
    let all = api
        .call(
            "listSharingRules",
            "GET",
            "settings/data_sharing/rules",
            None,
        )
        .await;
    assert_eq!(all.json()["info"]["count"], 48);
}

#[tokio::test]
async fn search_and_filtered_summary() {
    let api = Api::start().await;
    create_ok(&api, owner_based(&api, "Lead sharing rule")).await;
    let crit = create_ok(&api, criteria_based(&api, "Miami leads")).await;
    api.sim.seed_sharing_rules("Deals", 3).unwrap();
    let filters = json!({ "filters": [{ "group_operator": "and", "group": [
        { "field": { "api_name": "status" }, "comparator": "equal", "value": "active" },
        { "field": { "api_name": "permission_type" }, "comparator": "equal", "value": "read_write" }
    ]}]});
    let a = api
        .call(
            "searchSharingRules",
            "POST",
            "settings/data_sharing/rules/search?module=Leads",
            Some(filters.clone()),
        )
        .await;
    assert_eq!(a.status, 200);
    let found = a.json()[KEY].as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], crit.as_str());
    assert_eq!(a.json()["info"]["count"], 1);

    let like = json!({ "filters": [{ "group": [{ "field": { "api_name": "name" }, "comparator": "like", "value": "Seeded%" }] }] });
    let a = api
        .call(
            "searchSharingRules",
            "POST",
            "settings/data_sharing/rules/search",
            Some(like),
        )
        .await;
    assert_eq!(a.json()[KEY].as_array().unwrap().len(), 3);

    let group = api.sim.group_id("Miami Users").unwrap();
    let by_resource = json!({ "filters": [{ "group_operator": "or", "group": [
        { "field": { "api_name": "shared_to.resource.id" }, "comparator": "in", "value": [group] },
        { "group_operator": "and", "group": [
            { "field": { "api_name": "superiors_allowed" }, "comparator": "equal", "value": "true" },
            { "field": { "api_name": "shared_from.type" }, "comparator": "equal", "value": "roles" }
        ]}
    ]}]});
    let a = api
        .call(
            "searchSharingRulesSummary",
            "POST",
            "settings/data_sharing/rules/actions/summary",
            Some(by_resource),
        )
        .await;
    assert_eq!(a.status, 200);
    let summary = a.json()["sharing_rules_summary"].as_array().unwrap();
    // Leads: the criteria rule (Miami Users); Deals: seeded rules 1 and 3 share to Miami Users.
    let count = |m: &str| {
        summary
            .iter()
            .find(|s| s["module"]["api_name"] == m)
            .map(|s| s["rule_count"].clone())
    };
    assert_eq!(count("Leads"), Some(json!(1)));
    assert_eq!(count("Deals"), Some(json!(2)));

    let nothing = json!({ "filters": [{ "group": [{ "field": { "api_name": "name" }, "comparator": "like", "value": "zzz" }] }] });
    let a = api
        .call(
            "searchSharingRules",
            "POST",
            "settings/data_sharing/rules/search",
            Some(nothing.clone()),
        )
        .await;
    assert_eq!(a.status, 204);
    let a = api
        .call(
            "searchSharingRulesSummary",
            "POST",
            "settings/data_sharing/rules/actions/summary",
            Some(nothing),
        )
        .await;
    assert_eq!(a.status, 204);

    let empty = api
        .call(
            "searchSharingRules",
            "POST",
            "settings/data_sharing/rules/search",
            Some(json!({ "filters": [] })),
        )
        .await;
    assert_eq!(
        (empty.status, empty.flat_code()),
        (400, "EXPECTED_FIELD_MISSING")
    );
    let mismatch = json!({ "filters": [{ "group": [{ "field": { "api_name": "name" }, "comparator": "equal", "value": "x" }] }] });
    let a = api
        .call(
            "searchSharingRules",
            "POST",
            "settings/data_sharing/rules/search",
            Some(mismatch),
        )
        .await;
    assert_eq!(a.flat_code(), "DEPENDENT_MISMATCH");
    let bad_op = json!({ "filters": [{ "group_operator": "xor", "group": [
        { "field": { "api_name": "status" }, "comparator": "equal", "value": "active" },
        { "field": { "api_name": "status" }, "comparator": "equal", "value": "inactive" }
    ]}]});
    let a = api
        .call(
            "searchSharingRules",
            "POST",
            "settings/data_sharing/rules/search",
            Some(bad_op),
        )
        .await;
    assert_eq!(a.flat_code(), "INVALID_DATA");
    assert_eq!(
        a.json()["details"]["supported_values"],
        json!(["or", "and"])
    );
}

#[tokio::test]
async fn module_rule_limit() {
    let sim = zoho_crm_access_simulator::Simulator::builder()
        .sharing_rule_limit(2)
        .start()
        .await
        .unwrap();
    let api = Api {
        token: sim.access_token(),
        sim,
        http: reqwest::Client::new(),
    };
    api.sim.seed_sharing_rules("Leads", 2).unwrap();
    let a = create(&api, "Leads", owner_based(&api, "third")).await;
    assert_eq!(a.item_code(KEY), "INVALID_DATA");
    assert_eq!(a.json()[KEY][0]["message"], "Module limit exceeded");
    assert_eq!(a.item_details(KEY)["limit"], 2);
}
