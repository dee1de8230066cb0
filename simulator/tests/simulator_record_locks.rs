//! Per-record locks against the simulator, over real HTTP on loopback: the round trip of a
//! manual lock, automatic locks that follow the configuration's rules and the records' field
//! values (changed through the control surface), the documented errors, deleting the
//! configuration, and many records added through the control surface. Every API body is
//! checked against the spec's generated types (`check_conforms`).

mod simulator_support;

use serde_json::{json, Value};
use simulator_support::{closed_won_config, Api};
use zoho_crm_access_simulator::{NewRecord, Simulator};

const CONFIGS: &str = "record_locking_configurations";
const ALL_FIELDS: &str = "Locked_For__s,Locked_Reason__s,Lock_Source__s,Locked_Time__s,Locked_By__s,Record_Locking_Rule_Id__s,Record_Locking_Configuration_Id__s,Feature_Type__s";

/// A control-surface call: status and JSON body.
async fn control(api: &Api, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = api
        .http
        .request(method, format!("{}{path}", api.sim.control_url()))
        .bearer_auth(api.sim.control_token());
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("loopback");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON"))
}

/// Creates `module`'s configuration from `item` and returns its id.
async fn configure(api: &Api, module: &str, item: Value) -> String {
    let a = api
        .call(
            "createRecordLockingConfiguration",
            "POST",
            &format!("settings/record_locking_configurations?module={module}"),
            Some(json!({ CONFIGS: [item] })),
        )
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    a.item_details(CONFIGS)["id"].as_str().unwrap().to_owned()
}

async fn update_config(api: &Api, module: &str, id: &str, item: Value) {
    let a = api
        .call(
            "updateRecordLockingConfiguration",
            "PUT",
            &format!("settings/record_locking_configurations/{id}?module={module}"),
            Some(json!({ CONFIGS: [item] })),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
}

fn manual() -> Value {
    json!({ "lock_type": "manual" })
}

fn stage_rule(name: &str, stage: &str, existing: bool) -> Value {
    json!({
        "name": name,
        "lock_existing_records": existing,
        "criteria": { "comparator": "equal", "field": { "api_name": "Stage" }, "value": stage }
    })
}

fn record(sim: &Simulator, module: &str, name: &str) -> String {
    sim.record_id(module, name)
        .unwrap_or_else(|| panic!("{module} has {name}"))
}

fn locks_path(module: &str, record: &str) -> String {
    format!("{module}/{record}/Locking_Information__s")
}

fn reason(text: &str) -> Value {
    json!({ "data": [{ "Locked_Reason__s": text }] })
}

/// Locks `record` manually; the new lock's id.
async fn lock(api: &Api, module: &str, record: &str, why: &str) -> String {
    let a = api
        .call(
            "lockRecord",
            "POST",
            &locks_path(module, record),
            Some(reason(why)),
        )
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    assert_eq!(a.item_code("data"), "SUCCESS");
    assert_eq!(a.json()["data"][0]["message"], "record added");
    a.item_details("data")["id"].as_str().unwrap().to_owned()
}

/// The list's answer for `record`.
async fn locks_of(api: &Api, module: &str, record: &str) -> simulator_support::Answer {
    api.call(
        "getRecordLocks",
        "GET",
        &format!("{}?fields={ALL_FIELDS}", locks_path(module, record)),
        None,
    )
    .await
}

fn assert_flat(
    a: &simulator_support::Answer,
    status: u16,
    code: &str,
    message: &str,
    details: Value,
) {
    assert_eq!(a.status, status, "{:?}", a.body);
    assert_eq!(a.flat_code(), code, "{:?}", a.body);
    assert_eq!(a.json()["message"], message, "{:?}", a.body);
    assert_eq!(a.json()["details"], details, "{:?}", a.body);
}

#[tokio::test]
async fn lock_list_get_change_reason_and_unlock_round_trip() {
    let api = Api::start().await;
    let config = configure(&api, "Deals", manual()).await;
    let deal = record(&api.sim, "Deals", "Chanay Logistics");
    let path = locks_path("Deals", &deal);

    assert_eq!(locks_of(&api, "Deals", &deal).await.status, 204);
    let lock_id = lock(&api, "Deals", &deal, "deal in progress").await;
    assert_eq!(lock_id.len(), 19);

    let listed = locks_of(&api, "Deals", &deal).await;
    assert_eq!(listed.status, 200);
    let entry = &listed.json()["data"][0];
    assert_eq!(listed.json()["data"].as_array().unwrap().len(), 1);
    assert_eq!(entry["id"], lock_id.as_str());
    assert_eq!(entry["Lock_Source__s"], "Manual");
    assert_eq!(entry["Locked_Reason__s"], "deal in progress");
    assert_eq!(entry["Locked_By__s"]["name"], "Patricia Boyle");
    assert_eq!(
        entry["Locked_By__s"]["id"].as_str(),
        api.sim.user_id("patricia.boyle@example.com").as_deref()
    );
    assert_eq!(entry["Locked_For__s"]["id"], deal.as_str());
    assert_eq!(entry["Locked_For__s"]["name"], "Chanay Logistics");
    assert_eq!(entry["Locked_For__s"]["module"]["api_name"], "Deals");
    assert_eq!(
        entry["Locked_For__s"]["module"]["id"].as_str(),
        api.sim.module_id("Deals").as_deref()
    );
    assert_eq!(entry["Record_Locking_Configuration_Id__s"], config.as_str());
    assert_eq!(entry["Record_Locking_Rule_Id__s"], Value::Null);
    assert_eq!(entry["Feature_Type__s"], "record_locking");
    assert_eq!(entry["$editable"], true);
    let time = entry["Locked_Time__s"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{time}");
    let info = &listed.json()["info"];
    assert_eq!(
        (info["count"].clone(), info["more_records"].clone()),
        (json!(1), json!(false))
    );

    let by_id = api
        .call("getRecordLock", "GET", &format!("{path}/{lock_id}"), None)
        .await;
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.json()["data"][0], *entry);

    let again = api
        .call("lockRecord", "POST", &path, Some(reason("twice")))
        .await;
    assert_flat(
        &again,
        403,
        "NOT_ALLOWED",
        "record is already locked",
        json!({ "resource_path_index": 1 }),
    );

    let changed = api
        .call(
            "updateRecordLockReason",
            "PUT",
            &format!("{path}/{lock_id}"),
            Some(reason("awaiting final approval")),
        )
        .await;
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    assert_eq!(changed.json()["data"][0]["message"], "relation updated");
    assert_eq!(changed.item_details("data")["id"], lock_id.as_str());
    let listed = locks_of(&api, "Deals", &deal).await;
    assert_eq!(
        listed.json()["data"][0]["Locked_Reason__s"],
        "awaiting final approval"
    );
    assert_eq!(api.sim.state().locks("Deals").len(), 1);

    let unlocked = api
        .call("unlockRecord", "DELETE", &format!("{path}/{lock_id}"), None)
        .await;
    assert_eq!(unlocked.status, 200, "{:?}", unlocked.body);
    assert_eq!(unlocked.json()["data"][0]["message"], "relation removed");
    assert_eq!(unlocked.item_details("data")["id"], lock_id.as_str());
    assert_eq!(locks_of(&api, "Deals", &deal).await.status, 204);
    assert!(api.sim.state().locks("Deals").is_empty());

    let twice = api
        .call("unlockRecord", "DELETE", &format!("{path}/{lock_id}"), None)
        .await;
    assert_flat(
        &twice,
        400,
        "INVALID_DATA",
        "relation not found",
        json!({ "resource_path_index": 3 }),
    );
    let gone = api
        .call("getRecordLock", "GET", &format!("{path}/{lock_id}"), None)
        .await;
    assert_eq!(gone.status, 204);
}

#[tokio::test]
async fn an_automatic_rule_locks_the_closed_won_deals_and_its_locks_stay() {
    let api = Api::start().await;
    configure(&api, "Deals", closed_won_config()[CONFIGS][0].clone()).await;
    let state = api.sim.state();
    let cfg = &state.record_locking["Deals"];
    let rule_id = cfg["locking_rules"][0]["id"].as_str().unwrap().to_owned();
    let config_id = cfg["id"].as_str().unwrap().to_owned();

    for r in api.sim.records("Deals").unwrap() {
        let won = r.fields["Stage"] == "Closed Won";
        assert_eq!(r.lock_source(), won.then_some("Automatic"), "{}", r.name);
    }
    let deal = record(&api.sim, "Deals", "Commercial Press");
    let path = locks_path("Deals", &deal);
    let listed = locks_of(&api, "Deals", &deal).await;
    assert_eq!(listed.status, 200);
    let entry = listed.json()["data"][0].clone();
    assert_eq!(entry["Lock_Source__s"], "Automatic");
    assert_eq!(entry["Locked_By__s"], Value::Null);
    assert_eq!(entry["Locked_Reason__s"], Value::Null);
    assert_eq!(entry["Record_Locking_Rule_Id__s"], rule_id.as_str());
    assert_eq!(
        entry["Record_Locking_Configuration_Id__s"],
        config_id.as_str()
    );
    assert_eq!(entry["$editable"], false);
    assert_eq!(entry["$sharing_permission"], "read_only");
    let lock_id = entry["id"].as_str().unwrap();

    let unlock = api
        .call("unlockRecord", "DELETE", &format!("{path}/{lock_id}"), None)
        .await;
    assert_flat(
        &unlock,
        403,
        "NOT_ALLOWED",
        "Automatically locked records can not be unlocked manually",
        json!({ "resource_path_index": 1 }),
    );
    let edit = api
        .call(
            "updateRecordLockReason",
            "PUT",
            &format!("{path}/{lock_id}"),
            Some(reason("mine now")),
        )
        .await;
    assert_flat(
        &edit,
        403,
        "NOT_ALLOWED",
        "record is already locked",
        json!({ "resource_path_index": 1 }),
    );
    assert_eq!(
        locks_of(&api, "Deals", &deal).await.json()["data"][0],
        entry
    );

    // Only automatic locking: no manual lock, on a locked record or another.
    let open = record(&api.sim, "Deals", "King Industrial");
    for r in [&deal, &open] {
        let refused = api
            .call(
                "lockRecord",
                "POST",
                &locks_path("Deals", r),
                Some(reason("why")),
            )
            .await;
        assert_flat(
            &refused,
            403,
            "NOT_ALLOWED",
            "record cannot be locked, only automatic locking is configured",
            json!({ "resource_path_index": 1 }),
        );
    }
}

#[tokio::test]
async fn a_record_that_comes_to_match_a_rule_is_locked_and_released_when_it_stops() {
    let api = Api::start().await;
    // lock_existing_records false: the seeded Closed Won deals stay unlocked.
    configure(
        &api,
        "Deals",
        json!({ "lock_type": "both", "locking_rules": [stage_rule("Won", "Closed Won", false)] }),
    )
    .await;
    assert!(api.sim.state().locks("Deals").is_empty());

    let deal = record(&api.sim, "Deals", "King Industrial");
    let (status, changed) = control(
        &api,
        "PATCH",
        &format!("/records/Deals/{deal}"),
        Some(json!({ "fields": { "Stage": "Closed Won" } })),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["fields"]["Stage"], "Closed Won");
    assert_eq!(
        changed["fields"]["Amount"], 21000,
        "other fields keep their values"
    );
    assert_eq!(changed["lock"]["Lock_Source__s"], "Automatic");
    let listed = locks_of(&api, "Deals", &deal).await;
    assert_eq!(listed.json()["data"][0]["Lock_Source__s"], "Automatic");

    // Another change that still matches keeps the same lock.
    let (_, again) = control(
        &api,
        "PATCH",
        &format!("/records/Deals/{deal}"),
        Some(json!({ "fields": { "Amount": 22000 } })),
    )
    .await;
    assert_eq!(again["lock"], changed["lock"]);

    // Leaving the stage releases the automatic lock.
    let back = api
        .sim
        .set_record_fields("Deals", &deal, json!({ "Stage": "Negotiation/Review" }))
        .unwrap();
    assert_eq!(back.lock, None);
    assert_eq!(locks_of(&api, "Deals", &deal).await.status, 204);

    // A new record that matches is locked when it is added.
    let ids = api
        .sim
        .add_records(
            "Deals",
            vec![
                NewRecord::new("Won at once").field("Stage", "Closed Won"),
                NewRecord::new("Still open").field("Stage", "Qualification"),
            ],
        )
        .unwrap();
    let locks = api.sim.state().locks("Deals");
    assert_eq!(locks.len(), 1);
    assert_eq!(locks[0]["Locked_For__s"]["id"], ids[0].as_str());
}

#[tokio::test]
async fn rules_added_changed_and_removed_by_updates() {
    let api = Api::start().await;
    let id = configure(&api, "Deals", manual()).await;
    let manual_deal = record(&api.sim, "Deals", "Printing Dimensions");
    lock(&api, "Deals", &manual_deal, "kept").await;

    // Turning automatic locking on with a rule that locks existing records: the manual lock
    // stays as it is, the other Closed Won deal is locked automatically.
    update_config(
        &api,
        "Deals",
        &id,
        json!({ "lock_type": "both", "locking_rules": [stage_rule("Won", "Closed Won", true)] }),
    )
    .await;
    let by_name = |name: &str| {
        api.sim
            .records("Deals")
            .unwrap()
            .into_iter()
            .find(|r| r.name == name)
            .unwrap()
    };
    assert_eq!(by_name("Printing Dimensions").lock_source(), Some("Manual"));
    assert_eq!(by_name("Commercial Press").lock_source(), Some("Automatic"));

    // A second rule, added later, locks the existing records it matches.
    update_config(
        &api,
        "Deals",
        &id,
        json!({ "locking_rules": [stage_rule("Lost", "Closed Lost", true)] }),
    )
    .await;
    assert_eq!(
        by_name("Feltz Printing Upgrade").lock_source(),
        Some("Automatic")
    );
    let state = api.sim.state();
    let rules = state.record_locking["Deals"]["locking_rules"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rules.len(), 2);
    let lost = rules.iter().find(|r| r["name"] == "Lost").unwrap()["id"].clone();

    // Removing a rule releases its locks.
    update_config(
        &api,
        "Deals",
        &id,
        json!({ "locking_rules": [{ "id": lost, "_delete": true }] }),
    )
    .await;
    assert_eq!(by_name("Feltz Printing Upgrade").lock, None);
    assert_eq!(by_name("Commercial Press").lock_source(), Some("Automatic"));

    // lock_type automatic: the manual lock stays; manual locks are refused from now on.
    update_config(&api, "Deals", &id, json!({ "lock_type": "automatic" })).await;
    assert_eq!(by_name("Printing Dimensions").lock_source(), Some("Manual"));
    let refused = api
        .call(
            "lockRecord",
            "POST",
            &locks_path("Deals", &record(&api.sim, "Deals", "Chanay Logistics")),
            Some(reason("no")),
        )
        .await;
    assert_eq!((refused.status, refused.flat_code()), (403, "NOT_ALLOWED"));

    // lock_type manual: the rules lock nothing, so their locks are released.
    update_config(&api, "Deals", &id, json!({ "lock_type": "manual" })).await;
    assert_eq!(by_name("Commercial Press").lock, None);
    assert_eq!(by_name("Printing Dimensions").lock_source(), Some("Manual"));
}

#[tokio::test]
async fn without_a_configuration_every_call_is_not_allowed() {
    let api = Api::start().await;
    let deal = record(&api.sim, "Deals", "Commercial Press");
    let path = locks_path("Deals", &deal);
    let none = json!({ "resource_path_index": 2 });
    let message = "Required Record Locking Configuration is not present";
    let calls = [
        (
            "getRecordLocks",
            "GET",
            format!("{path}?fields=Lock_Source__s"),
            None,
        ),
        ("lockRecord", "POST", path.clone(), Some(reason("why"))),
        (
            "getRecordLock",
            "GET",
            format!("{path}/1234567000000000001"),
            None,
        ),
        (
            "updateRecordLockReason",
            "PUT",
            format!("{path}/1234567000000000001"),
            Some(reason("why")),
        ),
        (
            "unlockRecord",
            "DELETE",
            format!("{path}/1234567000000000001"),
            None,
        ),
    ];
    for (op, method, target, body) in calls {
        let a = api.call(op, method, &target, body).await;
        assert_flat(&a, 400, "NOT_ALLOWED", message, none.clone());
    }
    // Events has no record locking at all: no configuration either.
    let a = api
        .call(
            "lockRecord",
            "POST",
            &locks_path("Events", &deal),
            Some(reason("why")),
        )
        .await;
    assert_flat(&a, 400, "NOT_ALLOWED", message, none);
}

#[tokio::test]
async fn documented_errors() {
    let api = Api::start().await;
    configure(&api, "Leads", manual()).await;
    let lead = record(&api.sim, "Leads", "Theola Frey (Sample)");
    let path = locks_path("Leads", &lead);

    let a = api
        .call(
            "lockRecord",
            "POST",
            &locks_path("Nothing", &lead),
            Some(reason("x")),
        )
        .await;
    assert_flat(
        &a,
        400,
        "INVALID_MODULE",
        "the module name given seems to be invalid",
        json!({ "resource_path_index": 0 }),
    );
    let deal = record(&api.sim, "Deals", "Commercial Press");
    for other in ["1234567000000000001".to_owned(), deal] {
        let a = api
            .call(
                "lockRecord",
                "POST",
                &locks_path("Leads", &other),
                Some(reason("x")),
            )
            .await;
        assert_flat(
            &a,
            400,
            "INVALID_DATA",
            "the related id given seems to be invalid",
            json!({ "resource_path_index": 1 }),
        );
    }
    let a = api.call("getRecordLocks", "GET", &path, None).await;
    assert_eq!((a.status, a.flat_code()), (400, "REQUIRED_PARAM_MISSING"));
    assert_eq!(a.json()["details"]["param_name"], "fields");
    let a = api
        .call("getRecordLock", "GET", &format!("{path}/abc"), None)
        .await;
    assert_eq!((a.status, a.flat_code()), (404, "INVALID_URL_PATTERN"));
    let a = api
        .call(
            "getRecordLock",
            "GET",
            &format!("{path}/1234567000000000001"),
            None,
        )
        .await;
    assert_eq!(a.status, 204);

    // The reason: required, not blank, at most 3000 characters.
    let missing = json!({
        "data": [{
            "code": "MANDATORY_NOT_FOUND",
            "details": { "api_name": "Locked_Reason__s", "json_path": "$.data[0].Locked_Reason__s" },
            "message": "required field not found",
            "status": "error"
        }]
    });
    for body in [
        json!({ "data": [{}] }),
        json!({ "data": [{ "Locked_Reason__s": null }] }),
        reason("  "),
    ] {
        let a = api.call("lockRecord", "POST", &path, Some(body)).await;
        assert_eq!(a.status, 400);
        assert_eq!(*a.json(), missing);
    }
    let long = "x".repeat(3001);
    let a = api
        .call("lockRecord", "POST", &path, Some(reason(&long)))
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.item_code("data"), "INVALID_DATA");
    assert_eq!(a.item_details("data")["maximum_length"], 3000);
    let a = api
        .call("lockRecord", "POST", &path, Some(json!({ "data": [] })))
        .await;
    assert_eq!((a.status, a.flat_code()), (400, "MANDATORY_NOT_FOUND"));
    let a = api
        .call(
            "lockRecord",
            "POST",
            &path,
            Some(json!({ "data": [{ "Locked_Reason__s": 7 }] })),
        )
        .await;
    assert_eq!((a.status, a.item_code("data")), (400, "INVALID_DATA"));
    assert!(api.sim.state().locks("Leads").is_empty());

    let lock_id = lock(&api, "Leads", &lead, &"y".repeat(3000)).await;
    let a = api
        .call(
            "updateRecordLockReason",
            "PUT",
            &format!("{path}/{lock_id}"),
            Some(json!({ "data": [{}] })),
        )
        .await;
    assert_eq!(*a.json(), missing);
    let a = api
        .call(
            "updateRecordLockReason",
            "PUT",
            &format!("{path}/1234567000000000001"),
            Some(reason("x")),
        )
        .await;
    assert_flat(
        &a,
        400,
        "INVALID_DATA",
        "relation not found",
        json!({ "resource_path_index": 3 }),
    );
    let a = api
        .call(
            "unlockRecord",
            "DELETE",
            &format!("{path}/12345678901234567890"),
            None,
        )
        .await;
    assert_flat(
        &a,
        400,
        "INVALID_DATA",
        "the id given seems to be invalid",
        json!({ "resource_path_index": 3 }),
    );

    // fields picks the keys: id and the record meta keys always come.
    let a = api
        .call(
            "getRecordLocks",
            "GET",
            &format!("{path}?fields=Lock_Source__s,Owner"),
            None,
        )
        .await;
    let entry = a.json()["data"][0].as_object().unwrap();
    assert_eq!(entry["Lock_Source__s"], "Manual");
    assert!(entry.contains_key("id") && entry.contains_key("$editable"));
    assert!(!entry.contains_key("Locked_Reason__s") && !entry.contains_key("Owner"));

    // The org switches.
    api.sim.set_no_permission(true);
    let a = locks_of(&api, "Leads", &lead).await;
    assert_eq!((a.status, a.flat_code()), (403, "NO_PERMISSION"));
    api.sim.set_no_permission(false);
    api.sim.set_record_locking_edition(false);
    let a = locks_of(&api, "Leads", &lead).await;
    assert_eq!((a.status, a.flat_code()), (400, "FEATURE_NOT_SUPPORTED"));
}

#[tokio::test]
async fn deleting_the_configuration_unlocks_every_record_of_the_module() {
    let api = Api::start().await;
    for by_ids in [false, true] {
        let both = json!({
            "lock_type": "both",
            "locking_rules": [stage_rule("Won", "Closed Won", true)],
        });
        let id = configure(&api, "Deals", both).await;
        let deal = record(&api.sim, "Deals", "Chemel Expansion");
        lock(&api, "Deals", &deal, "manual one").await;
        // The manual lock of Leads is not touched.
        let leads_cfg = configure(&api, "Leads", manual()).await;
        let lead = record(&api.sim, "Leads", "Kris Marrier (Sample)");
        lock(&api, "Leads", &lead, "other module").await;
        assert_eq!(api.sim.state().locks("Deals").len(), 3);

        let target = if by_ids {
            (
                "deleteRecordLockingConfigurations",
                format!("settings/record_locking_configurations?module=Deals&ids={id}"),
            )
        } else {
            (
                "deleteRecordLockingConfiguration",
                format!("settings/record_locking_configurations/{id}?module=Deals"),
            )
        };
        let a = api.call(target.0, "DELETE", &target.1, None).await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        assert!(api.sim.state().locks("Deals").is_empty(), "{}", target.0);
        assert!(api
            .sim
            .records("Deals")
            .unwrap()
            .iter()
            .all(|r| r.lock.is_none()));
        assert_eq!(api.sim.state().locks("Leads").len(), 1);
        let a = locks_of(&api, "Deals", &deal).await;
        assert_eq!((a.status, a.flat_code()), (400, "NOT_ALLOWED"));

        let a = api
            .call(
                "deleteRecordLockingConfiguration",
                "DELETE",
                &format!("settings/record_locking_configurations/{leads_cfg}?module=Leads"),
                None,
            )
            .await;
        assert_eq!(a.status, 200);
    }
}

#[tokio::test]
async fn five_hundred_records_added_through_the_control_surface_can_each_be_locked() {
    let api = Api::start().await;
    configure(&api, "Deals", manual()).await;
    let records: Vec<Value> = (0..500)
        .map(|i| json!({ "name": format!("Bulk deal {i:03}"), "fields": { "Stage": "Qualification", "Amount": i } }))
        .collect();
    let (status, added) = control(
        &api,
        "POST",
        "/records/Deals",
        Some(json!({ "records": records })),
    )
    .await;
    assert_eq!(status, 201, "{added}");
    let ids: Vec<String> = added["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 500);
    assert_eq!(added["records"][7]["name"], "Bulk deal 007");
    assert_eq!(added["records"][7]["owner"]["name"], "Patricia Boyle");

    for id in &ids {
        lock(&api, "Deals", id, "bulk").await;
    }
    let locks = api.sim.state().locks("Deals");
    assert_eq!(locks.len(), 500);
    let mut locked: Vec<&str> = locks
        .iter()
        .map(|l| l["Locked_For__s"]["id"].as_str().unwrap())
        .collect();
    locked.sort_unstable();
    locked.dedup();
    assert_eq!(locked.len(), 500);

    let (status, page) = control(&api, "GET", "/records/Deals?offset=8&limit=2", None).await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 508);
    assert_eq!(page["records"][0]["name"], "Bulk deal 000");
    assert_eq!(page["records"][1]["lock"]["Lock_Source__s"], "Manual");
}

#[tokio::test]
async fn the_control_surface_lists_adds_and_changes_records_within_bounds() {
    let api = Api::start().await;
    let (status, listed) = control(&api, "GET", "/records/Leads", None).await;
    assert_eq!(status, 200);
    assert_eq!(listed["module"], "Leads");
    let first = &listed["records"][0];
    assert_eq!(first["name"], "Theola Frey (Sample)");
    assert_eq!(first["fields"]["City"], "Miami");
    assert_eq!(first["lock"], Value::Null);
    let (_, index) = control(&api, "GET", "", None).await;
    let paths: Vec<&str> = index["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"/__simulator/records/{module}/{id}"));
    let (_, state) = control(&api, "GET", "/state", None).await;
    assert_eq!(state["records"]["Leads"][0]["name"], "Theola Frey (Sample)");

    let john = api.sim.user_id("john.smith@example.com").unwrap();
    let (status, added) = control(
        &api,
        "POST",
        "/records/Leads",
        Some(json!({ "records": [{ "name": "Ada Byron", "owner": john, "fields": { "City": "London", "Last_Name": "Byron" } }] })),
    )
    .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["records"][0]["owner"]["id"], john.as_str());
    let id = added["records"][0]["id"].as_str().unwrap().to_owned();
    let (status, one) = control(&api, "GET", &format!("/records/Leads/{id}"), None).await;
    assert_eq!(
        (status, one["fields"]["City"].clone()),
        (200, json!("London"))
    );

    let refused = [
        (
            "POST",
            "/records/Leads".to_owned(),
            json!({ "records": [{ "name": "x", "fields": { "Nope": 1 } }] }),
            400,
        ),
        (
            "POST",
            "/records/Leads".to_owned(),
            json!({ "records": [{ "name": "x", "fields": { "City": [1] } }] }),
            400,
        ),
        (
            "POST",
            "/records/Leads".to_owned(),
            json!({ "records": [{ "name": "" }] }),
            400,
        ),
        (
            "POST",
            "/records/Leads".to_owned(),
            json!({ "records": [{ "name": "x", "owner": "1" }] }),
            400,
        ),
        (
            "POST",
            "/records/Leads".to_owned(),
            json!({ "records": [] }),
            400,
        ),
        (
            "POST",
            "/records/Leads".to_owned(),
            json!({ "records": [{ "name": "x", "extra": 1 }] }),
            400,
        ),
        (
            "POST",
            "/records/Events".to_owned(),
            json!({ "records": [{ "name": "x" }] }),
            404,
        ),
        (
            "PATCH",
            "/records/Leads/1".to_owned(),
            json!({ "fields": { "City": "Paris" } }),
            404,
        ),
        (
            "PATCH",
            format!("/records/Leads/{id}"),
            json!({ "fields": { "City": "x".repeat(256) } }),
            400,
        ),
        ("PUT", format!("/records/Leads/{id}"), json!({}), 405),
    ];
    for (method, path, body, want) in refused {
        let (status, answer) = control(&api, method, &path, Some(body)).await;
        assert_eq!(status, want, "{method} {path}: {answer}");
        assert!(answer["message"].is_string(), "{answer}");
    }
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({ "name": format!("n{i}") }))
        .collect();
    let (status, _) = control(
        &api,
        "POST",
        "/records/Leads",
        Some(json!({ "records": many })),
    )
    .await;
    assert_eq!(status, 400);

    // At most 10,000 records per module.
    let have = api.sim.records("Contacts").unwrap().len();
    let mut left = 10_000 - have;
    while left > 0 {
        let n = left.min(1000);
        let batch = (0..n)
            .map(|i| NewRecord::new(format!("c{left}-{i}")))
            .collect();
        api.sim.add_records("Contacts", batch).unwrap();
        left -= n;
    }
    let over = api
        .sim
        .add_records("Contacts", vec![NewRecord::new("one more")]);
    assert!(over.unwrap_err().to_string().contains("10000"));

    // A reset gives back the seeded records.
    let (status, _) = control(&api, "POST", "/reset", None).await;
    assert_eq!(status, 200);
    assert_eq!(api.sim.records("Contacts").unwrap().len(), have);
    assert!(api
        .sim
        .records("Leads")
        .unwrap()
        .iter()
        .all(|r| r.name != "Ada Byron"));
}

#[tokio::test]
async fn every_org_seed_has_the_same_records_with_other_ids() {
    let a = Simulator::builder().org_seed(1).start().await.unwrap();
    let b = Simulator::builder().org_seed(2).start().await.unwrap();
    let c = Simulator::start().await.unwrap();
    for module in ["Deals", "Leads", "Accounts", "Invoices", "Projects"] {
        let (ra, rb) = (a.records(module).unwrap(), b.records(module).unwrap());
        assert!(ra.len() >= 5, "{module}");
        let names = |r: &[zoho_crm_access_simulator::RecordInfo]| -> Vec<String> {
            r.iter().map(|x| x.name.clone()).collect()
        };
        assert_eq!(names(&ra), names(&rb));
        assert_eq!(names(&ra), names(&c.records(module).unwrap()));
        assert_ne!(ra[0].id, rb[0].id);
        assert_eq!(ra[0].fields, rb[0].fields);
    }
    assert!(
        c.records("Events").is_err(),
        "no record locking, no records"
    );
}

#[tokio::test]
async fn faults_and_the_request_log_cover_the_record_lock_operations() {
    let api = Api::start().await;
    configure(&api, "Deals", manual()).await;
    let deal = record(&api.sim, "Deals", "Chanay Logistics");
    let (status, _) = control(
        &api,
        "POST",
        "/faults",
        Some(json!({ "match": { "operation": "lockRecord" }, "times": 1, "fault": { "type": "too_many_requests", "retry_after": 1 } })),
    )
    .await;
    assert_eq!(status, 201);
    let a = api
        .call(
            "lockRecord",
            "POST",
            &locks_path("Deals", &deal),
            Some(reason("x")),
        )
        .await;
    assert_eq!(a.status, 429);
    assert!(
        api.sim.state().locks("Deals").is_empty(),
        "a 429 locks nothing"
    );

    // A dropped connection before the answer: the lock was not made either.
    let (status, _) = control(
        &api,
        "POST",
        "/faults",
        Some(json!({ "match": { "operation": "lockRecord" }, "fault": { "type": "drop" } })),
    )
    .await;
    assert_eq!(status, 201);
    let dropped = api
        .http
        .post(format!(
            "{}/crm/v8/{}",
            api.sim.api_domain(),
            locks_path("Deals", &deal)
        ))
        .header("Authorization", format!("Zoho-oauthtoken {}", api.token))
        .json(&reason("x"))
        .send()
        .await;
    assert!(dropped.is_err());
    assert!(api.sim.state().locks("Deals").is_empty());

    lock(&api, "Deals", &deal, "third time").await;
    let (_, log) = control(&api, "GET", "/requests", None).await;
    let ops: Vec<&str> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["operation"].as_str())
        .collect();
    assert_eq!(ops.iter().filter(|o| **o == "lockRecord").count(), 3);
    let recorded = api.sim.recordings();
    assert!(recorded
        .iter()
        .any(|r| r["operation_id"] == "lockRecord" && r["response"]["status"] == 201));
}
