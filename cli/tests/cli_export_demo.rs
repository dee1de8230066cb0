//! `zoho-access export` and `zoho-access demo`, spawning the real binary.

mod cli_support;

use cli_support::{run, run_with};
use serde_json::json;
use zoho_crm_access_simulator::Simulator;

#[tokio::test]
async fn export_walks_every_family_and_module() {
    let sim = Simulator::start().await.unwrap();
    sim.seed_sharing_rules("Leads", 3).unwrap();
    sim.seed_sharing_rules("Deals", 2).unwrap();
    let cfg = json!({ "lock_type": "manual" }).to_string();
    run(
        &sim,
        &["locking", "create", "--module", "Quotes"],
        Some(&cfg),
    )
    .await
    .ok_json();
    run(
        &sim,
        &[
            "org-permissions",
            "set",
            "--module",
            "Leads",
            "--share-type",
            "public",
            "--yes",
        ],
        None,
    )
    .await
    .ok_json();
    let rule = json!({ "name": "Miami leads", "superiors_allowed": false, "type": "Criteria_Based",
        "criteria": { "comparator": "equal", "field": { "api_name": "City" }, "value": "Miami" },
        "shared_to": { "type": "all_users", "subordinates": false }, "permission_type": "read" });
    run(
        &sim,
        &["sharing-rules", "create", "--module", "Leads"],
        Some(&rule.to_string()),
    )
    .await
    .ok_json();

    let doc = run(&sim, &["export"], None).await.ok_json();
    let org = doc["org_permissions"].as_array().unwrap();
    assert_eq!(org.len(), sim.state().org_permissions.len());
    assert!(org
        .iter()
        .any(|d| d["module"]["api_name"] == "Leads" && d["share_type"] == "public"));
    assert_eq!(
        doc["record_locking_configurations"]["Quotes"]["lock_type"],
        "manual"
    );
    assert_eq!(
        doc["record_locking_configurations"]
            .as_object()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(doc["sharing_rules"]["Leads"].as_array().unwrap().len(), 4);
    assert_eq!(doc["sharing_rules"]["Deals"].as_array().unwrap().len(), 2);
    // Rules are read whole: list items carry no criteria, the export does.
    assert_eq!(
        doc["sharing_rules"]["Leads"][3]["criteria"]["field"]["api_name"],
        "City"
    );
    assert_eq!(doc["sharing_rules_summary"].as_array().unwrap().len(), 2);
    // Modules a family does not apply to are listed, not fatal.
    assert!(doc["not_applicable"]["Calls"]["record_locking"]
        .as_str()
        .unwrap()
        .contains("NOT_SUPPORTED"));
    assert!(doc["not_applicable"]["Emails"]["sharing_rules"].is_string());
    // The export matches the simulator's own state.
    let state = sim.state();
    assert_eq!(
        doc["record_locking_configurations"]["Quotes"]["id"],
        state.record_locking["Quotes"]["id"]
    );
}

#[tokio::test]
async fn demo_shows_every_family_offline() {
    // No credentials at all: the demo needs none.
    let out = run_with(&["demo"], &[], None).await;
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let text = &out.stdout;
    for needle in [
        "1. Lock Closed Won deals automatically (Description stays editable)",
        "record locking configuration created successfully",
        "lock type         both",
        "editable fields   Description",
        "Closed Lost (id ",
        "Stage equal \"Closed Lost\" or Stage equal \"Closed-Lost to Competition\"",
        "records owned by role Sales Representative and subordinates -> role Manager, read_write_delete",
        "records where City equal \"Miami\" and State equal \"Florida\" -> group Miami Users, read_write",
        "Leads             public (was private)",
        "1 token request to",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    assert!(
        !text.contains("Closed Won (id"),
        "the Closed Won rule was deleted:\n{text}"
    );
    // Issue 24: a plan shows its effect on access; the demo's plan did not. It does, as
    // `plan` prints it: after the plan's changes, before the apply.
    let plan = text.find("zoho-access plan access.yaml").unwrap();
    let apply = text.find("zoho-access apply access.yaml").unwrap();
    let effect = &text[plan..apply];
    assert!(
        effect.contains("Access effect on records of others and locked records ("),
        "no access effect in the plan:\n{effect}"
    );
    assert!(effect.contains("Not covered: "), "{effect}");

    let json_out = run_with(&["demo", "--output", "json"], &[], None)
        .await
        .ok_json();
    let rules = json_out["record_locking_configurations"]["Deals"]["locking_rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["name"], "Closed Lost");
    assert_eq!(
        json_out["sharing_rules"]["Leads"].as_array().unwrap().len(),
        2
    );
    assert_eq!(json_out["org_permissions"]["Leads"], "public");
}
