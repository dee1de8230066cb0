//! `zoho-access sharing-rules ...` against a simulator, spawning the real binary.

mod cli_support;

use cli_support::{run, temp_json};
use serde_json::json;
use zoho_crm_access_simulator::Simulator;

#[tokio::test]
async fn every_sharing_rules_command() {
    let sim = Simulator::start().await.unwrap();
    let empty = run(&sim, &["sharing-rules", "list", "--module", "Leads"], None)
        .await
        .ok_json();
    assert_eq!(empty["items"], json!([]));

    let owner = json!({ "sharing_rules": [{
        "name": "Lead sharing rule", "superiors_allowed": false, "type": "Record_Owner_Based",
        "shared_to": { "resource": { "id": sim.role_id("Manager").unwrap() }, "type": "roles", "subordinates": false },
        "shared_from": { "resource": { "id": sim.role_id("Sales Representative").unwrap() }, "type": "roles", "subordinates": true },
        "permission_type": "read_write_delete"
    }]});
    let a = run(
        &sim,
        &["sharing-rules", "create", "--module", "Leads"],
        Some(&owner.to_string()),
    )
    .await
    .ok_json();
    let owner_id = a["details"]["id"].as_str().unwrap().to_owned();
    let criteria = temp_json(
        "miami.json",
        &json!({
            "name": "Miami leads", "superiors_allowed": false, "type": "Criteria_Based",
            "criteria": { "group_operator": "AND", "group": [
                { "comparator": "equal", "field": { "api_name": "City" }, "value": "Miami" },
                { "comparator": "equal", "field": { "api_name": "State" }, "value": "Florida" }]},
            "shared_to": { "resource": { "id": sim.group_id("Miami Users").unwrap() }, "type": "groups", "subordinates": false },
            "permission_type": "read_write"
        }),
    );
    let a = run(
        &sim,
        &[
            "sharing-rules",
            "create",
            "--module",
            "Leads",
            "--file",
            criteria.to_str().unwrap(),
        ],
        None,
    )
    .await
    .ok_json();
    let crit_id = a["details"]["id"].as_str().unwrap().to_owned();
    assert_eq!(sim.state().sharing_rule_count("Leads"), 2);

    let list = run(
        &sim,
        &[
            "sharing-rules",
            "list",
            "--module",
            "Leads",
            "--per-page",
            "1",
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(list["info"]["more_records"], true);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let all = run(
        &sim,
        &["sharing-rules", "list", "--all", "--per-page", "1"],
        None,
    )
    .await
    .ok_json();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    assert!(all.get("info").is_none(), "--all has no paging info: {all}");
    let table = run(&sim, &["sharing-rules", "list", "--output", "table"], None).await;
    assert_eq!(table.code, 0);
    assert!(table.stdout.lines().nth(1).unwrap().contains("name"));
    assert!(table.stdout.contains("Miami leads"));

    let got = run(&sim, &["sharing-rules", "get", "--id", &crit_id], None)
        .await
        .ok_json();
    assert_eq!(got["criteria"]["group"][0]["field"]["api_name"], "City");

    let upd = run(
        &sim,
        &[
            "sharing-rules",
            "update",
            "--module",
            "Leads",
            "--id",
            &owner_id,
        ],
        Some(r#"{"type":"Record_Owner_Based","superiors_allowed":false,"permission_type":"read"}"#),
    )
    .await
    .ok_json();
    assert_eq!(upd["message"], "sharing rule is updated successfully");
    assert_eq!(
        sim.state().sharing_rules["Leads"][0]["permission_type"],
        "read"
    );

    let d = run(
        &sim,
        &[
            "sharing-rules",
            "deactivate",
            "--module",
            "Leads",
            "--id",
            &owner_id,
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(d["message"], "sharing rule is deactivated successfully");
    let again = run(
        &sim,
        &[
            "sharing-rules",
            "deactivate",
            "--module",
            "Leads",
            "--id",
            &owner_id,
        ],
        None,
    )
    .await;
    assert!(again.failed(1).contains("ID_ALREADY_DEACTIVATED"));
    run(
        &sim,
        &[
            "sharing-rules",
            "activate",
            "--module",
            "Leads",
            "--id",
            &owner_id,
        ],
        None,
    )
    .await
    .ok_json();

    let filters = json!({ "filters": [{ "group": [{ "field": { "api_name": "name" }, "comparator": "like", "value": "Miami%" }] }] });
    let found = run(
        &sim,
        &["sharing-rules", "search", "--module", "Leads"],
        Some(&filters.to_string()),
    )
    .await
    .ok_json();
    assert_eq!(found["items"][0]["id"], crit_id.as_str());
    let summary = run(&sim, &["sharing-rules", "summary"], None)
        .await
        .ok_json();
    assert_eq!(summary["items"][0]["rule_count"], 2);
    let filtered = run(
        &sim,
        &["sharing-rules", "summary", "--filtered"],
        Some(&filters.to_string()),
    )
    .await
    .ok_json();
    assert_eq!(filtered["items"][0]["rule_count"], 1);

    let rerun = run(&sim, &["sharing-rules", "rerun", "--module", "Leads"], None)
        .await
        .ok_json();
    assert_eq!(rerun["code"], "SCHEDULED");
    assert_eq!(sim.state().reruns["Leads"], 1);

    let del = run(
        &sim,
        &[
            "sharing-rules",
            "delete",
            "--module",
            "Leads",
            "--id",
            &owner_id,
            "--yes",
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(del["message"], "Sharing Rule deleted");
    assert_eq!(sim.state().sharing_rule_count("Leads"), 1);

    let dup = run(
        &sim,
        &[
            "sharing-rules",
            "create",
            "--module",
            "Leads",
            "--file",
            criteria.to_str().unwrap(),
        ],
        None,
    )
    .await;
    assert!(dup.failed(1).contains("DUPLICATE_DATA"));
    let with_status = json!({ "name": "x", "superiors_allowed": false, "type": "Criteria_Based", "status": "active",
        "criteria": { "comparator": "equal", "field": { "api_name": "City" }, "value": "Miami" },
        "shared_to": { "type": "all_users", "subordinates": false }, "permission_type": "read" });
    let na = run(
        &sim,
        &["sharing-rules", "create", "--module", "Leads"],
        Some(&with_status.to_string()),
    )
    .await;
    assert!(na.failed(2).contains("`status` cannot be sent"));
    let missing = run(&sim, &["sharing-rules", "rerun"], None).await;
    assert_eq!(missing.code, 2, "clap usage error");
}
