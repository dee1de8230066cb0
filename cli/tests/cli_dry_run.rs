//! Every command that changes something: `--dry-run` prints exactly the request the command
//! sends and sends nothing; deletes and org-wide changes ask on a terminal and need `--yes`
//! otherwise. The spawned binary against a simulator whose control surface lists what it
//! received.

mod cli_support;

use cli_support::{api_requests, run, temp_json, Run};
use serde_json::{json, Value};
use zoho_crm_access_simulator::Simulator;

/// One change: its arguments and its body on stdin, if any.
struct Change {
    args: Vec<String>,
    stdin: Option<String>,
}

fn change(args: &[&str], stdin: Option<Value>) -> Change {
    Change {
        args: args.iter().map(|s| (*s).to_owned()).collect(),
        stdin: stdin.map(|v| v.to_string()),
    }
}

async fn run_change(sim: &Simulator, c: &Change, extra: &[&str]) -> Run {
    let mut args: Vec<&str> = c.args.iter().map(String::as_str).collect();
    args.extend_from_slice(extra);
    run(sim, &args, c.stdin.as_deref()).await
}

/// The request a dry run printed, as the simulator would record it: method, path, query and
/// body.
fn planned(req: &Value) -> (String, String, Value, Value) {
    let url = url::Url::parse(req["url"].as_str().unwrap()).unwrap();
    let query: serde_json::Map<String, Value> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    (
        req["method"].as_str().unwrap().to_owned(),
        url.path().to_owned(),
        Value::Object(query),
        req["body"].clone(),
    )
}

fn received(req: &Value) -> (String, String, Value, Value) {
    (
        req["method"].as_str().unwrap().to_owned(),
        req["path"].as_str().unwrap().to_owned(),
        req["query"].clone(),
        req.get("body").cloned().unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn every_change_dry_runs_the_exact_request_and_sends_nothing() {
    let sim = Simulator::start().await.unwrap();
    let rule = sim.seed_sharing_rules("Leads", 1).unwrap().remove(0);
    let config = run(
        &sim,
        &["locking", "create", "--module", "Quotes"],
        Some(r#"{"lock_type": "manual"}"#),
    )
    .await
    .ok_json()["details"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let org_file = temp_json(
        "dry-run-org.json",
        &json!({ "data_sharing": [
            { "share_type": "public_read_only", "module": { "id": sim.module_id("Deals").unwrap() } }
        ]}),
    );
    let new_rule = json!({ "name": "Miami leads", "superiors_allowed": false, "type": "Criteria_Based",
        "criteria": { "comparator": "equal", "field": { "api_name": "City" }, "value": "Miami" },
        "shared_to": { "type": "all_users", "subordinates": false }, "permission_type": "read" });
    let changes = [
        change(
            &["locking", "create", "--module", "Deals"],
            Some(json!({ "lock_type": "manual", "restricted_actions": ["update"] })),
        ),
        change(
            &["locking", "update", "--module", "Quotes", "--id", &config],
            Some(json!({ "lock_type": "manual", "lock_for_portal_users": true })),
        ),
        change(
            &["locking", "update", "--module", "Quotes"],
            Some(json!({ "id": config, "restricted_actions": ["update", "delete"] })),
        ),
        change(
            &["sharing-rules", "create", "--module", "Leads"],
            Some(new_rule),
        ),
        change(
            &[
                "sharing-rules",
                "update",
                "--module",
                "Leads",
                "--id",
                &rule,
            ],
            Some(
                json!({ "type": "Record_Owner_Based", "superiors_allowed": false, "permission_type": "read" }),
            ),
        ),
        change(
            &[
                "sharing-rules",
                "deactivate",
                "--module",
                "Leads",
                "--id",
                &rule,
            ],
            None,
        ),
        change(
            &[
                "sharing-rules",
                "activate",
                "--module",
                "Leads",
                "--id",
                &rule,
            ],
            None,
        ),
        change(&["sharing-rules", "rerun", "--module", "Leads"], None),
        change(
            &[
                "org-permissions",
                "set",
                "--module",
                "Leads",
                "--share-type",
                "public",
            ],
            None,
        ),
        change(
            &[
                "org-permissions",
                "set",
                "--file",
                org_file.to_str().unwrap(),
            ],
            None,
        ),
        change(
            &[
                "sharing-rules",
                "delete",
                "--module",
                "Leads",
                "--id",
                &rule,
            ],
            None,
        ),
        change(
            &["locking", "delete", "--module", "Quotes", "--id", &config],
            None,
        ),
    ];
    for c in &changes {
        let what = c.args.join(" ");
        let before = api_requests(&sim).await.len();
        let state_before = sim.state();
        let dry = run_change(&sim, c, &["--dry-run"]).await.ok_json();
        assert_eq!(dry["dry_run"], true, "{what}: {dry}");
        let requests = dry["requests"].as_array().unwrap();
        assert_eq!(requests.len(), 1, "{what}: {dry}");
        let sent = api_requests(&sim).await;
        // Nothing sent but the read `org-permissions set --module` needs for the module id.
        assert!(
            sent[before..].iter().all(|r| r["method"] == "GET"),
            "{what}: the dry run sent {:?}",
            &sent[before..]
        );
        if !what.contains("--module Leads --share-type") {
            assert_eq!(sent.len(), before, "{what}: the dry run sent a request");
        }
        assert_eq!(sim.state(), state_before, "{what}");

        let real = run_change(&sim, c, &["--yes"]).await;
        assert_eq!(real.code, 0, "{what}: {}", real.stderr);
        let sent = api_requests(&sim).await;
        let write = sent
            .iter()
            .rev()
            .find(|r| r["method"] != "GET")
            .expect("the real run wrote");
        assert_eq!(
            planned(&requests[0]),
            received(write),
            "{what}: the dry run showed another request than the one sent"
        );
    }
}

#[tokio::test]
async fn a_dry_run_still_checks_the_input_locally() {
    let sim = Simulator::start().await.unwrap();
    // Six locking rules: one over Zoho's limit of five, refused before anything is sent.
    let rules: Vec<Value> = (0..6)
        .map(|i| {
            json!({ "name": format!("r{i}"), "criteria": { "comparator": "equal",
            "field": { "api_name": "Stage" }, "value": format!("s{i}") } })
        })
        .collect();
    let body = json!({ "lock_type": "automatic", "locking_rules": rules }).to_string();
    let out = run(
        &sim,
        &["locking", "create", "--module", "Deals", "--dry-run"],
        Some(&body),
    )
    .await;
    assert!(out.failed(2).contains("locking_rules"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(api_requests(&sim).await.is_empty());
}

#[tokio::test]
async fn deletes_and_org_wide_changes_need_yes_without_a_terminal() {
    let sim = Simulator::start().await.unwrap();
    let rule = sim.seed_sharing_rules("Leads", 1).unwrap().remove(0);
    let config = sim.seed_system_defined_locking("Deals").unwrap();
    let org_file = temp_json(
        "need-yes-org.json",
        &json!({ "data_sharing": [
            { "share_type": "private", "module": { "id": sim.module_id("Deals").unwrap() } }
        ]}),
    );
    let remove_rule = json!({ "id": config, "locking_rules": [{ "id": "1", "_delete": true }] });
    let cases: [(Vec<&str>, Option<String>); 5] = [
        (
            vec!["locking", "delete", "--module", "Deals", "--id", &config],
            None,
        ),
        (
            vec![
                "sharing-rules",
                "delete",
                "--module",
                "Leads",
                "--id",
                &rule,
            ],
            None,
        ),
        (
            vec![
                "org-permissions",
                "set",
                "--module",
                "Leads",
                "--share-type",
                "public",
            ],
            None,
        ),
        (
            vec![
                "org-permissions",
                "set",
                "--file",
                org_file.to_str().unwrap(),
            ],
            None,
        ),
        (
            vec!["locking", "update", "--module", "Deals"],
            Some(remove_rule.to_string()),
        ),
    ];
    let state_before = sim.state();
    for (args, stdin) in &cases {
        let out = run(&sim, args, stdin.as_deref()).await;
        let line = out.failed(2);
        assert!(
            line.contains("--yes") && line.contains("nothing was sent"),
            "{args:?}: {line}"
        );
        assert!(out.stdout.is_empty());
    }
    assert!(
        api_requests(&sim).await.is_empty(),
        "nothing was sent, not even a read"
    );
    assert_eq!(sim.state(), state_before);
}

/// On a terminal the command asks; `n` sends nothing (exit 4), `y` goes on.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_is_asked_before_a_delete() {
    use cli_support::{run_in_pty, Tty};
    let sim = Simulator::start().await.unwrap();
    let rule = sim.seed_sharing_rules("Leads", 1).unwrap().remove(0);
    let domain = sim.api_domain();
    let token = sim.access_token();
    let ask = |answer: Option<&'static str>, tty: Tty| {
        let (domain, token, rule) = (domain.clone(), token.clone(), rule.clone());
        tokio::task::spawn_blocking(move || {
            run_in_pty(
                &[
                    "--api-domain",
                    &domain,
                    "sharing-rules",
                    "delete",
                    "--module",
                    "Leads",
                    "--id",
                    &rule,
                ],
                &[("ZOHO_ACCESS_TOKEN", &token)],
                tty,
                answer,
            )
        })
    };
    let both = Tty::STDIN_AND_STDERR;

    let declined = ask(Some("n"), both).await.unwrap();
    assert_eq!(declined.code, 4, "{declined:?}");
    // The question names the rule (read for it) and where the change goes.
    assert!(
        declined.terminal.contains(&format!(
            "Delete sharing rule \"Seeded rule 1\" ({rule}) of Leads"
        )),
        "{declined:?}"
    );
    assert!(declined.terminal.contains("Continue? [y/N]"));
    assert!(declined
        .terminal
        .contains("not confirmed; nothing was sent"));
    assert!(!declined.terminal.contains("error:"), "{declined:?}");
    assert!(declined.stdout.is_empty());
    // Nothing that changes anything: the one request is the read of the rule's name.
    let sent = api_requests(&sim).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["operation"], "getSharingRule", "{sent:?}");

    // A terminal on stdin only: nobody sees a question on stderr, so --yes is needed.
    let half = ask(
        None,
        Tty {
            stdin: true,
            stderr: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(half.code, 2, "{half:?}");
    assert_eq!(api_requests(&sim).await.len(), 1, "no question, no read");

    let confirmed = ask(Some("y"), both).await.unwrap();
    assert_eq!(confirmed.code, 0, "{confirmed:?}");
    let result: Value = serde_json::from_str(&confirmed.stdout).unwrap();
    assert_eq!(result["message"], "Sharing Rule deleted");
    assert_eq!(sim.state().sharing_rule_count("Leads"), 0);
}
