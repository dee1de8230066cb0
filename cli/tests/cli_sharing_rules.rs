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

/// Reproduction (issue 25): `update` said keys absent from the body stay as they are, but
/// `{"permission_type": "read"}` failed with `missing field superiors_allowed` (then `type`),
/// which Zoho requires in every update. The rule is read first now and those two are sent
/// from it: only the permission changes.
#[tokio::test]
async fn a_partial_json_update_changes_only_what_it_names() {
    let sim = Simulator::start().await.unwrap();
    let body = json!({
        "name": "Reps to managers", "superiors_allowed": true, "type": "Record_Owner_Based",
        "shared_to": { "resource": { "id": sim.role_id("Manager").unwrap() }, "type": "roles", "subordinates": false },
        "shared_from": { "resource": { "id": sim.role_id("Sales Representative").unwrap() }, "type": "roles", "subordinates": true },
        "permission_type": "read_write_delete"
    });
    let id = run(
        &sim,
        &["sharing-rules", "create", "--module", "Leads"],
        Some(&body.to_string()),
    )
    .await
    .ok_json()["details"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = sim.state().sharing_rules["Leads"][0].clone();
    let upd = run(
        &sim,
        &["sharing-rules", "update", "--module", "Leads", "--id", &id],
        Some(r#"{"permission_type": "read"}"#),
    )
    .await;
    assert_eq!(upd.ok_json()["status"], "success", "{}", upd.stderr);
    let after = sim.state().sharing_rules["Leads"][0].clone();
    assert_eq!(after["permission_type"], "read");
    for key in [
        "superiors_allowed",
        "type",
        "shared_to",
        "shared_from",
        "name",
    ] {
        assert_eq!(after[key], before[key], "{key} unchanged");
    }
    // The same by name, with no JSON.
    run(
        &sim,
        &[
            "sharing-rules",
            "update",
            "--module",
            "Leads",
            "--name",
            "Reps to managers",
            "--permission",
            "read_write",
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(
        sim.state().sharing_rules["Leads"][0]["permission_type"],
        "read_write"
    );
}

/// Issue 25: create, update one key of, and search a rule by names, with no id typed and no
/// JSON; a misspelt name, module, field or value fails before anything is sent, with the
/// nearest one.
#[tokio::test]
async fn rules_by_names_with_no_id_and_no_json() {
    let sim = Simulator::start().await.unwrap();
    let group = sim.group_id("Miami Users").unwrap();
    let create = |extra: &'static [&'static str]| {
        let mut args = vec![
            "sharing-rules",
            "create",
            "--module",
            "Leads",
            "--name",
            "Miami leads",
            "--to",
            "group:Miami Users",
            "--permission",
            "read_write",
            "--criteria",
            "City = Miami and State = Florida",
        ];
        args.extend_from_slice(extra);
        args
    };
    // A dry run shows the request with the group's id, and sends nothing.
    let dry = run(&sim, &create(&["--dry-run"]), None).await.ok_json();
    let sent = &dry["requests"][0]["body"]["sharing_rules"][0];
    assert_eq!(sent["shared_to"]["resource"]["id"], group.as_str(), "{dry}");
    assert_eq!(sent["criteria"]["group_operator"], "AND", "{dry}");
    assert_eq!(sim.state().sharing_rule_count("Leads"), 0);

    let made = run(&sim, &create(&[]), None).await.ok_json();
    assert_eq!(made["status"], "success", "{made}");
    let rule = sim.state().sharing_rules["Leads"][0].clone();
    assert_eq!(rule["name"], "Miami leads");
    assert_eq!(rule["type"], "Criteria_Based");
    assert_eq!(rule["superiors_allowed"], false);
    assert_eq!(rule["shared_to"]["resource"]["id"], group.as_str());
    assert_eq!(rule["criteria"]["group"][1]["field"]["api_name"], "State");
    assert_eq!(rule["criteria"]["group"][1]["value"], "Florida");

    let owner = run(
        &sim,
        &[
            "sharing-rules",
            "create",
            "--module",
            "Leads",
            "--name",
            "Reps' leads",
            "--from",
            "role_and_subordinates:Sales Representative",
            "--to",
            "role:Manager",
            "--permission",
            "read_write_delete",
            "--superiors-allowed",
            "true",
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(owner["status"], "success");
    let owner_rule = sim.state().sharing_rules["Leads"][1].clone();
    assert_eq!(owner_rule["shared_from"]["subordinates"], true);
    assert_eq!(
        owner_rule["shared_from"]["resource"]["id"],
        sim.role_id("Sales Representative").unwrap().as_str()
    );
    assert_eq!(owner_rule["superiors_allowed"], true);

    // One key, by the rule's name: the rest stays.
    run(
        &sim,
        &[
            "sharing-rules",
            "update",
            "--module",
            "Leads",
            "--name",
            "Miami leads",
            "--permission",
            "read",
        ],
        None,
    )
    .await
    .ok_json();
    let after = sim.state().sharing_rules["Leads"][0].clone();
    assert_eq!(after["permission_type"], "read");
    assert_eq!(after["criteria"], rule["criteria"]);
    assert_eq!(after["shared_to"], rule["shared_to"]);

    let got = run(
        &sim,
        &[
            "sharing-rules",
            "get",
            "--module",
            "Leads",
            "--name",
            "Miami leads",
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(got["criteria"], rule["criteria"]);

    // Search by names.
    let found = run(
        &sim,
        &[
            "sharing-rules",
            "search",
            "--module",
            "Leads",
            "--to",
            "group:Miami Users",
        ],
        None,
    )
    .await
    .ok_json();
    let names: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Miami leads"]);
    let found = run(
        &sim,
        &[
            "sharing-rules",
            "search",
            "--name",
            "Reps",
            "--permission",
            "read_write_delete",
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(found["items"][0]["name"], "Reps' leads", "{found}");
    assert_eq!(found["items"].as_array().unwrap().len(), 1);

    // Typos: exit 2, one line with the nearest name, nothing written.
    let writes_before = sim.state().sharing_rule_count("Leads");
    for (args, needle) in [
        (
            vec!["sharing-rules", "create", "--module", "Leads", "--name", "x", "--to", "group:Miami Userz", "--permission", "read", "--criteria", "City = Miami"],
            "--to: no user group named \"Miami Userz\" in the org (did you mean \"Miami Users\"?)",
        ),
        (
            vec!["sharing-rules", "create", "--module", "leads", "--name", "x", "--to", "all_users", "--permission", "read", "--criteria", "City = Miami"],
            "(did you mean \"Leads\"?)",
        ),
        (
            vec!["sharing-rules", "create", "--module", "Leads", "--name", "x", "--to", "all_users", "--permission", "read", "--criteria", "Cty = Miami"],
            "--criteria: no field named \"Cty\" in module Leads of the org (did you mean \"City\"?)",
        ),
        (
            vec!["sharing-rules", "update", "--module", "Leads", "--name", "Miami lead", "--permission", "read"],
            "--name: no sharing rule named \"Miami lead\" in Leads (did you mean \"Miami leads\"?)",
        ),
        (
            vec!["sharing-rules", "search", "--to", "role:Manger"],
            "--to: no role named \"Manger\" in the org (did you mean \"Manager\"?)",
        ),
    ] {
        let out = run(&sim, &args, None).await;
        let text = out.failed(2);
        assert!(text.contains(needle), "{args:?}: {text}");
    }
    // Values clap checks, with the nearest too.
    let out = run(
        &sim,
        &[
            "sharing-rules",
            "create",
            "--module",
            "Leads",
            "--name",
            "x",
            "--to",
            "all_users",
            "--permission",
            "read_wrte",
            "--criteria",
            "City = Miami",
        ],
        None,
    )
    .await;
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("(did you mean \"read_write\"?)"),
        "{}",
        out.stderr
    );
    assert_eq!(sim.state().sharing_rule_count("Leads"), writes_before);

    // Deactivate, activate and delete by name too: no id typed.
    for (verb, status) in [("deactivate", "inactive"), ("activate", "active")] {
        let done = run(
            &sim,
            &[
                "sharing-rules",
                verb,
                "--module",
                "Leads",
                "--name",
                "Miami leads",
            ],
            None,
        )
        .await
        .ok_json();
        assert_eq!(done["status"], "success", "{verb}: {done}");
        let miami = sim.state().sharing_rules["Leads"]
            .iter()
            .find(|r| r["name"] == "Miami leads")
            .cloned()
            .unwrap();
        assert_eq!(miami["status"], status, "{verb}");
    }
    let before = sim.state().sharing_rule_count("Leads");
    let gone = run(
        &sim,
        &[
            "sharing-rules",
            "delete",
            "--module",
            "Leads",
            "--name",
            "Miami leads",
            "--yes",
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(gone["status"], "success", "{gone}");
    assert_eq!(sim.state().sharing_rule_count("Leads"), before - 1);
    assert!(sim.state().sharing_rules["Leads"]
        .iter()
        .all(|r| r["name"] != "Miami leads"));
    let missing = run(
        &sim,
        &[
            "sharing-rules",
            "delete",
            "--module",
            "Leads",
            "--name",
            "Miami leads",
            "--yes",
        ],
        None,
    )
    .await;
    assert!(
        missing
            .failed(2)
            .contains("--name: no sharing rule named \"Miami leads\" in Leads"),
        "{}",
        missing.stderr
    );
    assert_eq!(sim.state().sharing_rule_count("Leads"), before - 1);

    // The help shows the body's shape and the grammar.
    let help = run(&sim, &["sharing-rules", "create", "--help"], None).await;
    for needle in [
        "--to group:'Miami Users'",
        "\"shared_to\"",
        "role_and_subordinates:NAME",
        "between",
    ] {
        assert!(help.stdout.contains(needle), "{needle}: {}", help.stdout);
    }
}

/// Issue 25: no command listed roles, groups, profiles, fields or users, so ids were found by
/// curling the API. `directory ...` lists the names the other commands take, with their ids.
#[tokio::test]
async fn the_directory_lists_the_names_the_commands_take() {
    let sim = Simulator::start().await.unwrap();
    let roles = run(&sim, &["directory", "roles"], None).await.ok_json();
    let roles = roles["items"].as_array().unwrap().clone();
    let names: Vec<&str> = roles.iter().map(|r| r["name"].as_str().unwrap()).collect();
    // Depth first from the top: each role right under the one it reports to.
    assert_eq!(names[0], "CEO");
    assert_eq!(roles[0]["level"], 0);
    let rep = roles
        .iter()
        .position(|r| r["name"] == "Sales Representative")
        .unwrap();
    assert_eq!(roles[rep]["reports_to"], "Manager");
    assert_eq!(roles[rep - 1]["name"], "Manager");
    assert_eq!(roles[rep]["level"], 2);
    assert_eq!(
        roles[rep]["id"],
        sim.role_id("Sales Representative").unwrap().as_str()
    );
    let tree = run(&sim, &["-o", "table", "directory", "roles"], None).await;
    assert!(
        tree.stdout.contains("\n    Sales Representative"),
        "{}",
        tree.stdout
    );

    let groups = run(&sim, &["directory", "groups"], None).await.ok_json();
    let miami = groups["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Miami Users")
        .unwrap()
        .clone();
    assert_eq!(miami["id"], sim.group_id("Miami Users").unwrap().as_str());
    assert!(
        miami["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "role Sales Representative"),
        "{miami}"
    );

    let fields = run(&sim, &["directory", "fields", "--module", "Leads"], None)
        .await
        .ok_json();
    assert!(fields["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["api_name"] == "City"));
    let profiles = run(&sim, &["directory", "profiles"], None).await.ok_json();
    assert!(profiles["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "Sales Manager"));
    let modules = run(&sim, &["directory", "modules"], None).await.ok_json();
    assert!(modules["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["api_name"] == "Leads"));
    let users = run(&sim, &["directory", "users"], None).await.ok_json();
    assert!(
        users["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["role"].is_string()),
        "{users}"
    );
    let bad = run(&sim, &["directory", "users", "--type", "ActiveUser"], None).await;
    assert!(
        bad.failed(2).contains("(did you mean \"ActiveUsers\"?)"),
        "{}",
        bad.stderr
    );
}

/// Issue 25 review: `sharing-rules delete --module Leads` said `--id <ID>` was required and
/// showed a usage line with `--id <ID>` only, though `--name` works as well. Each command
/// choosing one rule says that one of the two is needed, in the error and the usage line.
#[tokio::test]
async fn a_missing_rule_selector_names_id_and_name() {
    for command in ["get", "update", "delete", "activate", "deactivate"] {
        let out = cli_support::run_with(
            &["sharing-rules", command, "--module", "Leads"],
            &[("ZOHO_ACCESS_TOKEN", "1000.unused")],
            None,
        )
        .await;
        assert_eq!(out.code, 2, "{command}: {}", out.stderr);
        let error = out.stderr.lines().next().unwrap_or_default();
        assert!(error.starts_with("error: "), "{command}: {}", out.stderr);
        assert!(
            out.stderr.contains("--id <ID>|--name <NAME>"),
            "{command}: {}",
            out.stderr
        );
        // The usage (up to the blank line after it) names both.
        let usage = out
            .stderr
            .split("\n\n")
            .find(|p| p.starts_with("Usage: "))
            .unwrap_or_default();
        assert!(
            usage.contains("--id <ID>") && usage.contains("--name <NAME>"),
            "{command}: {usage}"
        );
    }
}
