//! Default organization permissions against the simulator, over real HTTP.

mod simulator_support;

use serde_json::{json, Value};
use simulator_support::Api;

const KEY: &str = "data_sharing";

async fn put(api: &Api, body: Value) -> simulator_support::Answer {
    api.call(
        "updateOrgPermissions",
        "PUT",
        "settings/data_sharing",
        Some(body),
    )
    .await
}

#[tokio::test]
async fn read_and_make_leads_public() {
    let api = Api::start().await;
    let a = api
        .call("getOrgPermissions", "GET", "settings/data_sharing", None)
        .await;
    assert_eq!(a.status, 200);
    let list = a.json()[KEY].as_array().unwrap().clone();
    assert!(list.len() >= 20);
    let leads = list
        .iter()
        .find(|d| d["module"]["api_name"] == "Leads")
        .unwrap();
    assert_eq!(leads["share_type"], "private");
    assert_eq!(leads["public_in_portals"], false);
    assert_eq!(leads["rule_computation_running"], false);
    let leads_id = leads["module"]["id"].as_str().unwrap().to_owned();

    let a = put(&api, json!({ KEY: [{ "share_type": "public", "module": { "api_name": "Leads", "id": leads_id } }] })).await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.json()[KEY][0],
        json!({
            "code": "SUCCESS", "details": { "module": "Leads" },
            "message": "data sharing settings updated successfully", "status": "success"
        })
    );
    assert_eq!(api.sim.state().org_permissions["Leads"], "public");

    // Writing the whole list back unchanged is accepted for every module.
    let back: Vec<Value> = api.call("getOrgPermissions", "GET", "settings/data_sharing", None).await.json()[KEY]
        .as_array().unwrap().iter()
        .map(|d| json!({ "share_type": d["share_type"], "module": { "id": d["module"]["id"], "api_name": d["module"]["api_name"] } }))
        .collect();
    let n = back.len();
    let a = put(&api, json!({ KEY: back })).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.json()[KEY].as_array().unwrap().len(), n);
}

#[tokio::test]
async fn item_errors_are_wrapped_and_mixed_results_are_207() {
    let api = Api::start().await;
    let deals = api.sim.module_id("Deals").unwrap();
    let a = put(
        &api,
        json!({ KEY: [{ "share_type": "everyone", "module": { "id": deals } }] }),
    )
    .await;
    assert_eq!((a.status, a.item_code(KEY)), (400, "INVALID_DATA"));
    assert_eq!(
        a.item_details(KEY),
        json!({
            "regex": "private|public_read_only|public_read_write|public",
            "api_name": "share_type", "json_path": "$.data_sharing[0].share_type"
        })
    );
    let a = put(&api, json!({ KEY: [{ "share_type": "public", "module": { "id": "1234567890123456789", "api_name": "Martians" } }] })).await;
    assert_eq!(a.item_code(KEY), "INVALID_DATA");
    assert_eq!(
        a.item_details(KEY),
        json!({ "api_name": "module", "json_path": "$.data_sharing[0].module" })
    );
    let a = put(
        &api,
        json!({ KEY: [{ "share_type": "public", "module": { "id": deals, "api_name": 5 } }] }),
    )
    .await;
    assert_eq!(a.item_details(KEY)["expected_data_type"], "text");
    let a = put(&api, json!({ KEY: [{ "module": { "id": deals } }] })).await;
    assert_eq!(a.item_code(KEY), "MANDATORY_NOT_FOUND");
    let a = put(
        &api,
        json!({ KEY: [{ "share_type": "public", "module": { "api_name": "Deals" } }] }),
    )
    .await;
    assert_eq!(a.item_code(KEY), "MANDATORY_NOT_FOUND");
    let cases = api.sim.module_id("Cases").unwrap();
    let a = put(
        &api,
        json!({ KEY: [{ "share_type": "private", "module": { "id": cases } }] }),
    )
    .await;
    assert_eq!(a.item_code(KEY), "NOT_ALLOWED");

    let a = put(
        &api,
        json!({ KEY: [
        { "share_type": "public_read_only", "module": { "id": deals } },
        { "share_type": "nope", "module": { "id": deals } }
    ] }),
    )
    .await;
    assert_eq!(a.status, 207);
    assert_eq!(a.json()[KEY][0]["code"], "SUCCESS");
    assert_eq!(a.json()[KEY][1]["code"], "INVALID_DATA");
    assert_eq!(api.sim.state().org_permissions["Deals"], "public_read_only");
}

#[tokio::test]
async fn request_level_errors_are_flat() {
    let api = Api::start().await;
    let deals = api.sim.module_id("Deals").unwrap();
    let many: Vec<Value> = (0..101)
        .map(|_| json!({ "share_type": "public", "module": { "id": deals } }))
        .collect();
    let a = put(&api, json!({ KEY: many })).await;
    assert_eq!((a.status, a.flat_code()), (400, "INVALID_DATA"));
    assert_eq!(
        a.json()["details"],
        json!({ "maximum_length": 100, "api_name": "data_sharing", "json_path": "$.data_sharing" })
    );
    let a = put(&api, json!({})).await;
    assert_eq!(a.flat_code(), "MANDATORY_NOT_FOUND");
    let a = api
        .call_raw(
            "updateOrgPermissions",
            "PUT",
            "settings/data_sharing",
            Some(b"{\"data_sharing\": [".to_vec()),
            Some(&api.token),
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "INVALID_DATA"));
    let a = api
        .call("getOrgPermissions", "POST", "settings/data_sharing", None)
        .await;
    assert_eq!(a.flat_code(), "INVALID_REQUEST_METHOD");
    api.sim.set_no_permission(true);
    let a = api
        .call("getOrgPermissions", "GET", "settings/data_sharing", None)
        .await;
    assert_eq!((a.status, a.flat_code()), (403, "NO_PERMISSION"));
    assert_eq!(
        a.json()["details"]["permissions"],
        json!(["Crm_Implied_Manage_Data_Sharing"])
    );
}
