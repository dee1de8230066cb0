//! `zoho-access record-locks ...` against a simulator, spawning the real binary.

mod cli_support;

use cli_support::{api_requests, run, temp_json};
use serde_json::{json, Value};
use zoho_crm_access_simulator::{NewRecord, Simulator};

/// A manual record locking configuration for Deals, made through the tool itself.
async fn manual_deals(sim: &Simulator) {
    let file = temp_json(
        &format!(
            "manual-{}.json",
            sim.api_domain().rsplit(':').next().unwrap()
        ),
        &json!({"lock_type": "manual"}),
    );
    run(
        sim,
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
    .await
    .ok_json();
}

fn outcomes(v: &Value) -> &Vec<Value> {
    v["items"].as_array().expect("items")
}

#[tokio::test]
async fn show_lock_change_the_reason_and_unlock_one_record() {
    let sim = Simulator::start().await.unwrap();
    manual_deals(&sim).await;
    let deal = sim.record_id("Deals", "Commercial Press").unwrap();
    let shown = run(
        &sim,
        &[
            "record-locks",
            "show",
            "--module",
            "Deals",
            "--record",
            &deal,
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(shown, json!({"items": []}));

    let locked = run(
        &sim,
        &[
            "record-locks",
            "lock",
            "--module",
            "Deals",
            "--record",
            &deal,
            "--reason",
            "Under legal review",
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(outcomes(&locked).len(), 1);
    assert_eq!(outcomes(&locked)[0]["outcome"], "locked");
    assert_eq!(outcomes(&locked)[0]["record_id"], deal.as_str());

    let shown = run(
        &sim,
        &[
            "record-locks",
            "show",
            "--module",
            "Deals",
            "--record",
            &deal,
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(shown["items"][0]["Locked_Reason__s"], "Under legal review");
    assert_eq!(shown["items"][0]["Lock_Source__s"], "Manual");

    // The record's one manual lock, without naming it.
    run(
        &sim,
        &[
            "record-locks",
            "reason",
            "--module",
            "Deals",
            "--record",
            &deal,
            "--reason",
            "Approved",
        ],
        None,
    )
    .await
    .ok_json();
    let record = sim
        .records("Deals")
        .unwrap()
        .into_iter()
        .find(|r| r.id == deal)
        .unwrap();
    assert_eq!(record.lock.unwrap()["Locked_Reason__s"], "Approved");

    let unlocked = run(
        &sim,
        &[
            "record-locks",
            "unlock",
            "--module",
            "Deals",
            "--record",
            &deal,
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(outcomes(&unlocked)[0]["outcome"], "unlocked");
    let again = run(
        &sim,
        &[
            "record-locks",
            "unlock",
            "--module",
            "Deals",
            "--record",
            &deal,
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(outcomes(&again)[0]["outcome"], "not_locked");
}

#[tokio::test]
async fn five_hundred_ids_from_stdin_end_with_one_outcome_each_through_faults() {
    let sim = Simulator::start().await.unwrap();
    manual_deals(&sim).await;
    let ids = sim
        .add_records(
            "Deals",
            (0..500)
                .map(|i| NewRecord::new(format!("Bulk deal {i}")))
                .collect(),
        )
        .unwrap();
    for (times, fault) in [
        (10, json!({"type": "too_many_requests"})),
        (10, json!({"type": "drop"})),
        (10, json!({"type": "truncate", "keep_bytes": 5})),
    ] {
        cli_support::control(
            &sim.control_url(),
            &sim.control_token(),
            "POST",
            "/faults",
            Some(json!({"match": {"operation": "lockRecord"}, "times": times, "fault": fault})),
        )
        .await;
    }
    let list = format!("# deals to freeze\n{}\n\n", ids.join("\n"));
    let done = run(
        &sim,
        &[
            "record-locks",
            "lock",
            "--module",
            "Deals",
            "--ids-file",
            "-",
            "--reason",
            "Quarter close",
        ],
        Some(&list),
    )
    .await
    .ok_json();
    let done = outcomes(&done);
    assert_eq!(done.len(), 500, "one outcome per record");
    for (o, id) in done.iter().zip(&ids) {
        assert_eq!(o["record_id"], id.as_str());
        assert_eq!(o["outcome"], "locked", "{o}");
    }
    let records = sim.records("Deals").unwrap();
    for id in &ids {
        let r = records.iter().find(|r| &r.id == id).unwrap();
        assert_eq!(
            r.lock.as_ref().unwrap()["Locked_Reason__s"],
            "Quarter close"
        );
    }
}

#[tokio::test]
async fn a_dry_run_sends_nothing_and_a_rules_lock_is_refused_with_zohos_words() {
    let sim = Simulator::start().await.unwrap();
    let rule = temp_json(
        &format!("won-{}.json", sim.api_domain().rsplit(':').next().unwrap()),
        &json!({"lock_type": "both", "locking_rules": [{"name": "Closed Won", "lock_existing_records": true,
            "criteria": {"comparator": "equal", "field": {"api_name": "Stage"}, "value": "Closed Won"}}]}),
    );
    run(
        &sim,
        &[
            "locking",
            "create",
            "--module",
            "Deals",
            "--file",
            rule.to_str().unwrap(),
        ],
        None,
    )
    .await
    .ok_json();
    let won = sim.record_id("Deals", "Commercial Press").unwrap();
    let open = sim
        .records("Deals")
        .unwrap()
        .into_iter()
        .find(|r| r.lock.is_none())
        .unwrap()
        .id;
    let before = api_requests(&sim).await.len();
    let dry = run(
        &sim,
        &[
            "record-locks",
            "lock",
            "--module",
            "Deals",
            "--record",
            &open,
            "--reason",
            "Review",
            "--dry-run",
        ],
        None,
    )
    .await
    .ok_json();
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["requests"][0]["method"], "POST");
    assert_eq!(
        dry["requests"][0]["body"],
        json!({"data": [{"Locked_Reason__s": "Review"}]})
    );
    // Nothing that changes: only the read of the org's modules (the module checked).
    let sent = api_requests(&sim).await;
    assert!(
        sent[before..].iter().all(|r| r["method"] == "GET"),
        "the dry run sent {:?}",
        &sent[before..]
    );

    let refused = run(
        &sim,
        &[
            "record-locks",
            "unlock",
            "--module",
            "Deals",
            "--record",
            &won,
        ],
        None,
    )
    .await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    let printed = refused.json();
    assert_eq!(outcomes(&printed)[0]["outcome"], "failed");
    assert!(
        outcomes(&printed)[0]["error"]
            .as_str()
            .unwrap()
            .contains("Automatically locked records can not be unlocked manually"),
        "{printed}"
    );
    assert!(
        refused.stderr.contains("1 of 1 record(s) failed"),
        "{}",
        refused.stderr
    );

    let help = run(&sim, &["record-locks", "--help"], None).await;
    assert!(help.stdout.contains("cannot be removed"), "{}", help.stdout);
}

/// Issue 25 review: `record-locks show --module Deels` went to Zoho and ended with its
/// `HTTP 400 INVALID_MODULE`, exit 1, no nearest name. Every record-locks command checks the
/// module as the org names it first: exit 2, the nearest API name, no record read or changed.
#[tokio::test]
async fn a_misspelt_module_gets_the_nearest_name_before_any_record_is_touched() {
    let sim = Simulator::start().await.unwrap();
    let record = sim.records("Deals").unwrap().remove(0).id;
    for args in [
        vec![
            "record-locks",
            "show",
            "--module",
            "Deels",
            "--record",
            &record,
        ],
        vec![
            "record-locks",
            "show",
            "--module",
            "deals",
            "--record",
            &record,
        ],
        vec![
            "record-locks",
            "lock",
            "--module",
            "Deels",
            "--record",
            &record,
            "--reason",
            "x",
        ],
        vec![
            "record-locks",
            "unlock",
            "--module",
            "Deels",
            "--record",
            &record,
        ],
        vec![
            "record-locks",
            "reason",
            "--module",
            "Deels",
            "--record",
            &record,
            "--reason",
            "x",
        ],
    ] {
        let out = run(&sim, &args, None).await;
        let text = out.failed(2);
        assert!(
            text.contains("--module: the org has no module with the API name")
                && text.contains("(did you mean \"Deals\"?)"),
            "{args:?}: {text}"
        );
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    }
    let sent = api_requests(&sim).await;
    // Only the org's modules were read, once per command.
    assert_eq!(sent.len(), 5, "{sent:?}");
    assert!(
        sent.iter()
            .all(|r| r["method"] == "GET" && r["operation"] == sent[0]["operation"]),
        "{sent:?}"
    );
}
