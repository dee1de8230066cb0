//! What commands print: one JSON convention for every command, the same document as YAML,
//! and tables for reading (criteria as conditions, one word for nothing in a cell and words
//! for an empty answer, no JSON in cells, display width and wrapping).

mod cli_support;

use cli_support::run;
use serde_json::{json, Value};
use unicode_width::UnicodeWidthStr;
use zoho_crm_access_simulator::Simulator;

/// An org with a locking configuration (with a rule) and two sharing rules in Leads.
async fn org() -> (Simulator, String) {
    let sim = Simulator::start().await.unwrap();
    let cfg = json!({ "lock_type": "automatic", "locking_rules": [{ "name": "Closed Won",
        "criteria": { "comparator": "equal", "field": { "api_name": "Stage" }, "value": "Closed Won" } }] });
    run(
        &sim,
        &["locking", "create", "--module", "Deals"],
        Some(&cfg.to_string()),
    )
    .await
    .ok_json();
    let rule = json!({ "name": "Miami leads 東京", "superiors_allowed": false, "type": "Criteria_Based",
        "criteria": { "group_operator": "AND", "group": [
            { "comparator": "equal", "field": { "api_name": "City" }, "value": "Miami" },
            { "comparator": "equal", "field": { "api_name": "State" }, "value": "Florida" }]},
        "shared_to": { "resource": { "id": sim.group_id("Miami Users").unwrap() }, "type": "groups", "subordinates": false },
        "permission_type": "read_write" });
    let id = run(
        &sim,
        &["sharing-rules", "create", "--module", "Leads"],
        Some(&rule.to_string()),
    )
    .await
    .ok_json()["details"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    sim.seed_sharing_rules("Leads", 1).unwrap();
    (sim, id)
}

#[tokio::test]
async fn every_command_prints_one_thing_as_an_object_and_several_as_items() {
    let (sim, rule) = org().await;
    // Several things: {"items": [...]}, with Zoho's paging info for one page only.
    for args in [
        &["sharing-rules", "list", "--all"][..],
        &["sharing-rules", "summary"][..],
        &["org-permissions", "get"][..],
    ] {
        let doc = run(&sim, args, None).await.ok_json();
        let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["items"], "{args:?}: {doc}");
        assert!(!doc["items"].as_array().unwrap().is_empty(), "{args:?}");
    }
    let page = run(&sim, &["sharing-rules", "list", "--per-page", "1"], None)
        .await
        .ok_json();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["info"]["more_records"], true);
    let search = run(
        &sim,
        &["sharing-rules", "search", "--module", "Leads"],
        Some(r#"{"filters": [{"group": [{"field": {"api_name": "name"}, "comparator": "like", "value": "Miami%"}]}]}"#),
    )
    .await
    .ok_json();
    assert_eq!(search["items"][0]["id"], rule.as_str());
    assert!(search["info"].is_object());

    // One thing: an object, or null for none.
    let got = run(&sim, &["sharing-rules", "get", "--id", &rule], None)
        .await
        .ok_json();
    assert_eq!(got["id"], rule.as_str());
    let leads = run(&sim, &["org-permissions", "get", "--module", "Leads"], None)
        .await
        .ok_json();
    assert_eq!(leads["module"]["api_name"], "Leads");
    let locking = run(&sim, &["locking", "get", "--module", "Deals"], None)
        .await
        .ok_json();
    assert_eq!(locking["lock_type"], "automatic");
    let none = run(&sim, &["locking", "get", "--module", "Quotes"], None)
        .await
        .ok_json();
    assert_eq!(none, Value::Null);

    // A change of one item: its result; of several: {"items": [results]}.
    let one = run(
        &sim,
        &[
            "sharing-rules",
            "deactivate",
            "--module",
            "Leads",
            "--id",
            &rule,
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(one["code"], "SUCCESS");
    let body = json!({ "data_sharing": [
        { "share_type": "private", "module": { "id": sim.module_id("Deals").unwrap() } },
        { "share_type": "private", "module": { "id": sim.module_id("Leads").unwrap() } }
    ]});
    let many = run(
        &sim,
        &["org-permissions", "set", "--file", "-", "--yes"],
        Some(&body.to_string()),
    )
    .await
    .ok_json();
    assert_eq!(many["items"].as_array().unwrap().len(), 2);
    assert_eq!(many["items"][1]["details"]["module"], "Leads");

    // A dry run: {"dry_run": true, "requests": [{method, url, body}]}.
    let dry = run(
        &sim,
        &["sharing-rules", "rerun", "--module", "Leads", "--dry-run"],
        None,
    )
    .await
    .ok_json();
    assert_eq!(dry["dry_run"], true);
    let req = &dry["requests"][0];
    assert_eq!(req["method"], "POST");
    assert!(req["url"]
        .as_str()
        .unwrap()
        .ends_with("/crm/v8/settings/data_sharing/rules/actions/run?module=Leads"));
    assert_eq!(req["body"], Value::Null);
}

#[tokio::test]
async fn yaml_is_the_same_document_as_json() {
    let (sim, rule) = org().await;
    for args in [
        &["sharing-rules", "list"][..],
        &["sharing-rules", "get", "--id", &rule][..],
        &["org-permissions", "get"][..],
        &["locking", "get", "--module", "Quotes"][..],
        &[
            "locking",
            "delete",
            "--module",
            "Deals",
            "--id",
            "1",
            "--dry-run",
        ][..],
    ] {
        let json = run(&sim, args, None).await.ok_json();
        let mut yaml_args = vec!["--output", "yaml"];
        yaml_args.extend_from_slice(args);
        let yaml = run(&sim, &yaml_args, None).await;
        assert_eq!(yaml.code, 0, "{}", yaml.stderr);
        let parsed: Value = serde_norway::from_str(&yaml.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not YAML ({e}):\n{}", yaml.stdout));
        assert_eq!(parsed, json, "{args:?}");
    }
}

/// Every line of a table, as wide as the others on screen.
fn assert_aligned(table: &str) {
    let widths: Vec<usize> = table
        .lines()
        .filter(|l| l.starts_with(['┌', '│', '╞', '└', '├']))
        .map(UnicodeWidthStr::width)
        .collect();
    assert!(!widths.is_empty(), "no table in:\n{table}");
    assert!(
        widths.windows(2).all(|w| w[0] == w[1]),
        "lines of different display widths {widths:?}:\n{table}"
    );
}

#[tokio::test]
async fn tables_read_as_text_and_say_what_there_is_none_of() {
    let (sim, rule) = org().await;
    let got = run(
        &sim,
        &["--output", "table", "sharing-rules", "get", "--id", &rule],
        None,
    )
    .await;
    assert_eq!(got.code, 0, "{}", got.stderr);
    let text = &got.stdout;
    assert!(
        text.contains("City equal \"Miami\" and State equal \"Florida\""),
        "criteria as conditions:\n{text}"
    );
    assert!(text.contains("group Miami Users"), "{text}");
    assert!(!text.contains('{'), "no JSON in cells:\n{text}");
    assert_aligned(text);

    let list = run(&sim, &["--output", "table", "sharing-rules", "list"], None).await;
    assert_aligned(&list.stdout);
    assert!(list.stdout.contains("Miami leads 東京"));

    // A table of nothing printed the one word `none`: it says what there is none of, on
    // stderr, as kubectl's `No resources found`, and stdout stays empty; JSON and YAML print
    // the document as ever.
    for (args, says, json) in [
        (
            &["locking", "get", "--module", "Quotes"][..],
            "No record locking configuration for Quotes.",
            "null",
        ),
        (
            &["sharing-rules", "list", "--module", "Contacts"][..],
            "No sharing rules for Contacts.",
            "{\"items\":[]}",
        ),
        (
            &["sharing-rules", "summary", "--module", "Contacts"][..],
            "No sharing rules for Contacts.",
            "{\"items\":[]}",
        ),
    ] {
        let mut t = vec!["--output", "table"];
        t.extend_from_slice(args);
        let out = run(&sim, &t, None).await;
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{args:?}");
        assert_eq!(out.stderr, format!("{says}\n"), "{args:?}");
        let doc = run(&sim, args, None).await.ok_json();
        assert_eq!(doc.to_string(), json, "{args:?}");
        let mut y = vec!["--output", "yaml"];
        y.extend_from_slice(args);
        let yaml = run(&sim, &y, None).await;
        assert_eq!(
            serde_norway::from_str::<Value>(&yaml.stdout).unwrap(),
            doc,
            "{args:?}"
        );
    }
    let locking = run(
        &sim,
        &["--output", "table", "locking", "get", "--module", "Deals"],
        None,
    )
    .await
    .stdout;
    // A locking rule reads as its name and its conditions.
    assert!(
        locking.contains("Closed Won: Stage equal \"Closed Won\""),
        "{locking}"
    );
    assert!(!locking.contains(" - ") && !locking.contains("(none)") && !locking.contains("null"));

    // export: a table per family, readable cells, no JSON blob anywhere.
    let export = run(&sim, &["--output", "table", "export"], None).await;
    assert_eq!(export.code, 0, "{}", export.stderr);
    let text = &export.stdout;
    for heading in [
        "Default organization permissions",
        "Record locking configurations",
        "Locking rules",
        "Sharing rules",
        "Sharing rules summary",
        "Not applicable",
    ] {
        assert!(text.contains(heading), "{heading}:\n{text}");
    }
    assert!(text.contains("Stage equal \"Closed Won\""), "{text}");
    assert!(text.contains("City equal \"Miami\" and State equal \"Florida\""));
    assert!(
        !text.contains('{') && !text.contains('}'),
        "JSON in a cell:\n{text}"
    );
    assert!(!text.contains("null"));
}

/// On a terminal, tables fit its width: one line per row, ids whole, what does not fit
/// named.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_wrap_to_the_terminal() {
    let (sim, _) = org().await;
    let domain = sim.api_domain();
    let token = sim.access_token();
    let (code, screen) = tokio::task::spawn_blocking(move || {
        cli_support::run_with_terminal_stdout(
            &[
                "--api-domain",
                &domain,
                "--output",
                "table",
                "sharing-rules",
                "list",
            ],
            &[("ZOHO_ACCESS_TOKEN", &token)],
            72,
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{screen}");
    assert_aligned(&screen);
    for line in screen.lines() {
        assert!(line.width() <= 72, "{} columns: {line}", line.width());
    }
    let ids: Vec<String> = sim
        .state()
        .sharing_rules
        .values()
        .flatten()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!ids.is_empty());
    for id in ids {
        assert!(screen.contains(&id), "{id}: {screen}");
    }
    assert!(
        screen.contains("not shown for the terminal's width: module"),
        "{screen}"
    );
}
