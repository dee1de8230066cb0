//! `zoho-access locking ...` against a simulator, spawning the real binary.

mod cli_support;

use cli_support::{run, temp_json};
use serde_json::json;
use zoho_crm_access_simulator::Simulator;

#[tokio::test]
async fn locking_get_create_update_delete() {
    let sim = Simulator::start().await.unwrap();
    let none = run(&sim, &["locking", "get", "--module", "Deals"], None).await;
    assert_eq!(none.ok_json(), serde_json::Value::Null);

    // The seed's envelope, from a file.
    let file = temp_json(
        "closed-won.json",
        &json!({ "record_locking_configurations": [{
            "locked_for": "all_profiles",
            "excluded_fields": [{ "api_name": "Description" }],
            "locking_rules": [{ "name": "Closed Won", "lock_existing_records": true,
                "criteria": { "comparator": "equal", "field": { "api_name": "Stage" }, "value": "Closed Won" } }],
            "restricted_actions": ["update"], "lock_type": "automatic",
            "restricted_communications": null, "restricted_custom_buttons": null, "lock_excluded_profiles": null
        }]}),
    );
    let created = run(
        &sim,
        &[
            "locking",
            "create",
            "--module",
            "Deals",
            "--file",
            file.to_str().unwrap(),
        ],
        None,
    )
    .await;
    let created = created.ok_json();
    assert_eq!(created["code"], "SUCCESS");
    let id = created["details"]["id"].as_str().unwrap().to_owned();
    assert_eq!(sim.state().locking_rule_count("Deals"), 1);

    let got = run(&sim, &["locking", "get", "--module", "Deals"], None)
        .await
        .ok_json();
    assert_eq!(got["id"], id.as_str());
    assert_eq!(got["locking_rules"][0]["name"], "Closed Won");
    let by_id = run(
        &sim,
        &["locking", "get", "--module", "Deals", "--id", &id],
        None,
    )
    .await
    .ok_json();
    assert_eq!(by_id["lock_type"], "automatic");

    // A bare body on stdin, id from --id.
    let update = json!({ "lock_type": "both", "locking_rules": [{ "name": "Closed Lost",
        "criteria": { "group_operator": "OR", "group": [
            { "comparator": "equal", "field": { "api_name": "Stage" }, "value": "Closed Lost" },
            { "comparator": "equal", "field": { "api_name": "Stage" }, "value": "Closed-Lost to Competition" }]}}]});
    let updated = run(
        &sim,
        &["locking", "update", "--module", "Deals", "--id", &id],
        Some(&update.to_string()),
    )
    .await;
    assert_eq!(
        updated.ok_json()["message"],
        "record locking configuration updated successfully"
    );
    assert_eq!(sim.state().record_locking["Deals"]["lock_type"], "both");

    let table = run(
        &sim,
        &["--output", "table", "locking", "get", "--module", "Deals"],
        None,
    )
    .await;
    assert_eq!(table.code, 0);
    assert!(table.stdout.contains("lock_type"), "{}", table.stdout);
    assert!(table.stdout.contains("both"));

    let deleted = run(
        &sim,
        &[
            "locking", "delete", "--module", "Deals", "--id", &id, "--yes",
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(deleted["message"], "record locking configuration deleted");
    assert!(sim.state().record_locking.is_empty());
}

#[tokio::test]
async fn locking_errors_exit_non_zero_with_one_line() {
    let sim = Simulator::start().await.unwrap();
    let body = json!({ "lock_type": "manual" }).to_string();
    run(
        &sim,
        &["locking", "create", "--module", "Deals"],
        Some(&body),
    )
    .await
    .ok_json();
    let again = run(
        &sim,
        &["locking", "create", "--module", "Deals"],
        Some(&body),
    )
    .await;
    let line = again.failed(1);
    assert!(line.contains("LIMIT_EXCEEDED"), "{line}");
    assert!(
        line.contains("Configuration already created for this module"),
        "{line}"
    );

    let unsupported = run(&sim, &["locking", "get", "--module", "Calls"], None).await;
    assert!(unsupported.failed(1).contains("NOT_SUPPORTED"));

    let bad = run(
        &sim,
        &["locking", "create", "--module", "Leads"],
        Some("{\"lock_type\": 5}"),
    )
    .await;
    let line = bad.failed(2);
    assert!(line.contains("lock_type"), "{line}");
    let not_json = run(
        &sim,
        &["locking", "create", "--module", "Leads"],
        Some("{oops"),
    )
    .await;
    assert!(not_json.failed(2).contains("not valid JSON"));
    let no_body = run(
        &sim,
        &[
            "locking",
            "update",
            "--module",
            "Leads",
            "--file",
            "/nonexistent/x.json",
        ],
        None,
    )
    .await;
    assert!(no_body.failed(2).contains("cannot read"));
}

/// Issue 25: `locking update --module Deals` needed `--id` (`missing field id`), though a
/// module has one configuration; and the configuration can be written by names, with no id
/// and no JSON, a misspelt name failing with the nearest one before anything is sent.
#[tokio::test]
async fn the_module_s_one_configuration_by_names_with_no_id() {
    let sim = Simulator::start().await.unwrap();
    let made = run(
        &sim,
        &[
            "locking",
            "create",
            "--module",
            "Deals",
            "--lock-type",
            "automatic",
            "--restricted-actions",
            "update,delete",
            "--editable-fields",
            "Description",
            "--excluded-profiles",
            "Sales Manager",
            "--rule",
            "Closed Won: Stage = Closed Won",
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(made["code"], "SUCCESS", "{made}");
    let got = run(&sim, &["locking", "get", "--module", "Deals"], None)
        .await
        .ok_json();
    assert_eq!(got["locked_for"], "all_profiles_except_excluded_profiles");
    assert_eq!(
        got["lock_excluded_profiles"][0]["id"],
        sim.profile_id("Sales Manager").unwrap().as_str()
    );
    assert_eq!(
        got["excluded_fields"][0]["api_name"], "Description",
        "{got}"
    );
    assert_eq!(got["locking_rules"][0]["criteria"]["value"], "Closed Won");

    // A JSON body without an id, and no --id: the module's configuration.
    let upd = run(
        &sim,
        &["locking", "update", "--module", "Deals"],
        Some(r#"{"lock_type": "both"}"#),
    )
    .await;
    assert_eq!(upd.ok_json()["code"], "SUCCESS", "{}", upd.stderr);
    // By names: one more rule, one key; the rest stays.
    run(
        &sim,
        &[
            "locking",
            "update",
            "--module",
            "Deals",
            "--rule",
            "Closed Lost: Stage = Closed Lost",
            "--restricted-actions",
            "update",
        ],
        None,
    )
    .await
    .ok_json();
    let got = run(&sim, &["locking", "get", "--module", "Deals"], None)
        .await
        .ok_json();
    assert_eq!(got["lock_type"], "both");
    assert_eq!(got["restricted_actions"], json!(["update"]));
    assert_eq!(got["locking_rules"].as_array().unwrap().len(), 2, "{got}");
    assert_eq!(got["excluded_fields"][0]["api_name"], "Description");

    for (args, needle) in [
        (
            vec!["locking", "update", "--module", "Deals", "--excluded-profiles", "Sales Manger"],
            "--excluded-profiles: no profile named \"Sales Manger\" in the org (did you mean \"Sales Manager\"?)",
        ),
        (
            vec!["locking", "update", "--module", "Deals", "--editable-fields", "Descripton"],
            "(did you mean \"Description\"?)",
        ),
        (
            vec!["locking", "update", "--module", "Leads"],
            "Leads has no record locking configuration",
        ),
    ] {
        let out = run(&sim, &args, Some(r#"{"lock_type": "manual"}"#)).await;
        assert!(out.failed(2).contains(needle), "{args:?}: {}", out.stderr);
    }
    let bad = run(
        &sim,
        &[
            "locking",
            "update",
            "--module",
            "Deals",
            "--restricted-actions",
            "updte",
        ],
        None,
    )
    .await;
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("(did you mean \"update\"?)"),
        "{}",
        bad.stderr
    );
}

/// Issue 25 review: `locking delete --module Deals` required `--id`, though a module has one
/// configuration (update already found it by module). Without `--id` it is the module's one:
/// off a terminal, refused without --yes before anything is read; with --yes, deleted; with
/// none left, a usage error naming the module.
#[tokio::test]
async fn locking_delete_needs_no_id() {
    let sim = Simulator::start().await.unwrap();
    run(
        &sim,
        &[
            "locking",
            "create",
            "--module",
            "Deals",
            "--lock-type",
            "manual",
            "--restricted-actions",
            "update",
        ],
        None,
    )
    .await
    .ok_json();
    let before = cli_support::api_requests(&sim).await.len();
    let refused = run(&sim, &["locking", "delete", "--module", "Deals"], None).await;
    assert!(
        refused.failed(2).contains("--yes") && refused.stderr.contains("nothing was sent"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        cli_support::api_requests(&sim).await.len(),
        before,
        "a refused delete reads nothing"
    );
    let deleted = run(
        &sim,
        &["locking", "delete", "--module", "Deals", "--yes"],
        None,
    )
    .await
    .ok_json();
    assert_eq!(deleted["code"], "SUCCESS", "{deleted}");
    let none = run(&sim, &["locking", "get", "--module", "Deals"], None).await;
    assert_eq!(none.ok_json(), serde_json::Value::Null);
    let again = run(
        &sim,
        &["locking", "delete", "--module", "Deals", "--yes"],
        None,
    )
    .await;
    assert!(
        again
            .failed(2)
            .contains("Deals has no record locking configuration"),
        "{}",
        again.stderr
    );
}
