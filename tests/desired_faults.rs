//! Faults in the middle of an apply (429, 5xx, a dropped connection, an answer cut off after
//! Zoho acted, `CANNOT_PROCESS` while rules are computed) end in the full state, or in a
//! report after which a second apply completes; verified by pulling.

mod desired_support;

use std::sync::Arc;
use std::time::Duration;

use desired_support::{client, fault, org, writes};
use serde_json::json;
use zoho_crm_access::desired::{self, AccessConfig, ApplyOptions, Change};
use zoho_crm_access::{enums, Client, Error};

const STATE: &str = "version: 1
scope:
  families: [org_permissions, record_locking, sharing_rules]
  modules: [Deals, Leads]
record_locking:
  Deals:
    lock_type: automatic
    restricted_actions: [delete, update]
    rules:
    - name: Closed Won
      criteria: {field: Stage, comparator: equal, value: Closed Won}
sharing_rules:
  Leads:
  - name: Managers see reps' leads
    permission: read_write
    from: {role_and_subordinates: Sales Representative}
    to: {role: Manager}
  - name: Miami leads
    status: inactive
    permission: read
    to: {group: Miami Users}
    criteria: {field: City, comparator: equal, value: Miami}
  - name: Open leads for all
    permission: read
    to: all_users
    criteria: {field: Lead_Status, comparator: equal, value: Open}
org_permissions:
  Deals: public_read_only
  Leads: private
";

fn state() -> AccessConfig {
    AccessConfig::from_yaml(STATE).unwrap()
}

fn quick() -> ApplyOptions {
    ApplyOptions::default()
        .initial_backoff(Duration::from_millis(50))
        .max_backoff(Duration::from_millis(400))
        .max_wait(Duration::from_secs(20))
}

/// The org pulls back as the desired state.
async fn assert_reached(c: &Client, want: &AccessConfig) {
    let pulled = desired::pull(c, &want.scope).await.unwrap();
    assert_eq!(pulled, want.canonical());
    assert!(desired::plan(c, want).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_429_on_a_create_is_waited_out_and_sent_again() {
    let sim = org(11).await;
    let c = client(&sim);
    // A 429 means Zoho did not take the request: the apply sends it again after waiting.
    fault(
        &sim,
        "createSharingRule",
        1,
        json!({"type": "too_many_requests", "retry_after": 1}),
    )
    .await;
    // A PUT answered 429 twice is retried by the client itself.
    fault(
        &sim,
        "updateOrgPermissions",
        2,
        json!({"type": "too_many_requests"}),
    )
    .await;
    let plan = desired::plan(&c, &state()).await.unwrap();
    let report = plan.apply_with(&c, &quick()).await;
    assert!(report.is_complete(), "{report}");
    assert!(report.waited() > Duration::ZERO, "{:?}", report.waited());
    assert_eq!(sim.state().sharing_rule_count("Leads"), 3, "no duplicate");
    assert_reached(&c, &state()).await;
}

#[tokio::test]
async fn a_5xx_on_a_create_stops_the_apply_and_a_second_apply_completes() {
    let sim = org(12).await;
    let c = client(&sim);
    // A PUT answered 503 is retried by the client: no effect on the apply.
    fault(
        &sim,
        "updateOrgPermissions",
        1,
        json!({"type": "status", "status": 503}),
    )
    .await;
    // A POST answered 500 is not: Zoho may have acted. The apply stops there.
    fault(
        &sim,
        "createRecordLockingConfiguration",
        1,
        json!({"type": "status", "status": 500}),
    )
    .await;
    let plan = desired::plan(&c, &state()).await.unwrap();
    let report = plan.apply_with(&c, &quick()).await;
    assert!(!report.is_complete());
    let failure = report.failure().unwrap();
    assert!(failure.outcome_unknown, "a 5xx may have taken effect");
    assert_eq!(failure.error.status(), Some(500));
    assert!(matches!(
        failure.changes[..],
        [Change::CreateLocking { .. }]
    ));
    // Exactly what was applied: the org permissions; the sharing rules were not attempted.
    assert!(report
        .applied()
        .iter()
        .all(|c| matches!(c, Change::SetShareType { .. })));
    assert_eq!(report.applied().len(), 1);
    assert_eq!(report.not_attempted().len(), 4, "{report}");
    let text = report.to_string();
    assert!(
        text.contains("applying again reads the org first"),
        "{text}"
    );
    let state_now = sim.state();
    assert_eq!(state_now.org_permissions["Deals"], "public_read_only");
    assert_eq!(state_now.sharing_rule_count("Leads"), 0);

    let second = desired::plan(&c, &state()).await.unwrap();
    assert_eq!(second.changes().len(), 5, "{second}");
    let report = second.apply_with(&c, &quick()).await;
    assert!(report.is_complete(), "{report}");
    assert_reached(&c, &state()).await;
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_found_by_name_not_made_twice() {
    let sim = org(13).await;
    let c = client(&sim);
    // Zoho creates the rule, then the connection breaks before its answer is complete. The
    // client does not send a POST again.
    fault(
        &sim,
        "createSharingRule",
        1,
        json!({"type": "truncate", "keep_bytes": 10}),
    )
    .await;
    let report = desired::plan(&c, &state())
        .await
        .unwrap()
        .apply_with(&c, &quick())
        .await;
    let failure = report.failure().expect("the apply stops");
    assert!(failure.outcome_unknown);
    assert!(
        matches!(
            failure.error,
            Error::IncompleteResponse { .. } | Error::Transport { .. }
        ),
        "{:?}",
        failure.error
    );
    assert_eq!(
        sim.state().sharing_rule_count("Leads"),
        1,
        "the create took effect"
    );
    let created = match &failure.changes[..] {
        [Change::CreateSharingRule { after, .. }] => after.name.clone(),
        other => panic!("{other:?}"),
    };

    // The next plan finds the rule by its name: no second create of it.
    let second = desired::plan(&c, &state()).await.unwrap();
    assert!(
        !second.changes().iter().any(
            |ch| matches!(ch, Change::CreateSharingRule { after, .. } if after.name == created)
        ),
        "{second}"
    );
    sim.clear_recordings();
    let report = second.apply_with(&c, &quick()).await;
    assert!(report.is_complete(), "{report}");
    assert_eq!(
        writes(&sim)
            .iter()
            .filter(|w| *w == "createSharingRule")
            .count(),
        2,
        "only the two rules still missing"
    );
    assert_eq!(sim.state().sharing_rule_count("Leads"), 3);
    assert_reached(&c, &state()).await;
}

#[tokio::test]
async fn a_dropped_connection_stops_the_apply_and_the_next_one_completes() {
    let sim = org(14).await;
    let c = client(&sim);
    // Dropped before Zoho acted. A PUT is sent again by the client; a POST is not.
    fault(&sim, "updateOrgPermissions", 1, json!({"type": "drop"})).await;
    fault(&sim, "createSharingRule", 1, json!({"type": "drop"})).await;
    let report = desired::plan(&c, &state())
        .await
        .unwrap()
        .apply_with(&c, &quick())
        .await;
    let failure = report.failure().expect("the apply stops at the create");
    assert!(failure.outcome_unknown, "the answer was lost");
    assert!(
        failure.error.transport_kind().is_some(),
        "{:?}",
        failure.error
    );
    assert_eq!(
        sim.state().sharing_rule_count("Leads"),
        0,
        "nothing was created"
    );
    let report = desired::apply(&c, &state()).await.unwrap();
    assert!(report.is_complete(), "{report}");
    assert_reached(&c, &state()).await;
}

#[tokio::test]
async fn rule_computation_is_waited_out() {
    let sim = Arc::new(org(15).await);
    let c = client(&sim);
    let report = desired::apply(&c, &state()).await.unwrap();
    assert!(report.is_complete(), "{report}");

    // Zoho is computing Leads's rules: updates, deletes and (de)activations answer
    // CANNOT_PROCESS until it is done (here, in 700 ms).
    let mut changed = state();
    changed
        .sharing_rules
        .get_mut("Leads")
        .unwrap()
        .retain(|r| r.name != "Open leads for all");
    changed.sharing_rules.get_mut("Leads").unwrap()[1].status = enums::SharingRuleStatus::Active;
    sim.set_rule_computation_running("Leads", true);
    let done = {
        let sim = sim.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(700)).await;
            sim.set_rule_computation_running("Leads", false);
        })
    };
    let report = desired::plan(&c, &changed)
        .await
        .unwrap()
        .apply_with(&c, &quick())
        .await;
    done.await.unwrap();
    assert!(report.is_complete(), "{report}");
    assert!(
        report.waited() >= Duration::from_millis(500),
        "{:?}",
        report.waited()
    );
    assert_reached(&c, &changed).await;
}

#[tokio::test]
async fn rule_computation_past_the_wait_is_reported_and_a_second_apply_completes() {
    let sim = org(16).await;
    let c = client(&sim);
    let report = desired::apply(&c, &state()).await.unwrap();
    assert!(report.is_complete(), "{report}");
    let mut changed = state();
    changed
        .org_permissions
        .insert("Leads".into(), enums::ShareType::PublicReadOnly);
    changed.sharing_rules.get_mut("Leads").unwrap().remove(0);
    sim.set_rule_computation_running("Leads", true);
    let options = quick().max_wait(Duration::from_millis(300));
    let report = desired::plan(&c, &changed)
        .await
        .unwrap()
        .apply_with(&c, &options)
        .await;
    let failure = report.failure().expect("gives up after max_wait");
    assert_eq!(failure.error.code(), Some(&enums::ZohoCode::CannotProcess));
    assert!(!failure.outcome_unknown);
    assert_eq!(
        report.applied().len(),
        1,
        "the share type went through: {report}"
    );
    assert_eq!(sim.state().sharing_rule_count("Leads"), 3);

    sim.set_rule_computation_running("Leads", false);
    let second = desired::plan(&c, &changed).await.unwrap();
    assert_eq!(
        second.changes().len(),
        1,
        "only the deletion is left: {second}"
    );
    assert!(second.apply(&c).await.is_complete());
    assert_reached(&c, &changed).await;
}

#[tokio::test]
async fn a_batch_of_share_types_that_fails_for_one_module_reports_item_by_item() {
    let sim = org(17).await;
    let c = client(&sim);
    // Zoho lists Emails in the default permissions but refuses to change it.
    let config = AccessConfig::from_yaml(
        "version: 1\nscope: {families: [org_permissions], modules: [Emails, Leads]}\norg_permissions: {Emails: private, Leads: public}\n",
    )
    .unwrap();
    let plan = desired::plan(&c, &config).await.unwrap();
    assert_eq!(plan.calls(), 1, "one call for both: {plan}");
    let report = plan.apply(&c).await;
    let failure = report.failure().expect("Emails fails");
    assert!(
        matches!(&failure.changes[..], [Change::SetShareType { module, .. }] if module == "Emails")
    );
    assert!(matches!(report.applied(), [Change::SetShareType { module, .. }] if module == "Leads"));
    assert!(!failure.outcome_unknown);
    let pulled = desired::pull(&c, &config.scope).await.unwrap();
    assert_eq!(pulled.org_permissions["Leads"], enums::ShareType::Public);
    assert_eq!(pulled.org_permissions["Emails"], enums::ShareType::Public);
}

/// Reproduction: Zoho (or anything answering in its place) asking for a wait too long to add
/// to what the apply had already waited made the apply panic ("overflow when adding
/// durations"). It now stops at that call, as for any wait past `max_wait`, and says why.
#[tokio::test]
async fn a_retry_after_too_large_to_add_stops_the_apply_instead_of_panicking() {
    let sim = org(19).await;
    let c = Client::builder()
        .base_url(sim.api_domain())
        .access_token(sim.access_token())
        .retry(
            zoho_crm_access::RetryPolicy::default()
                .max_attempts(2)
                .initial_backoff(Duration::from_millis(10))
                .max_backoff(Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    // Twice a plain 429 (the client retries once, then the apply waits 1 s), then a 429
    // asking for u64::MAX seconds: 1 s + u64::MAX s does not fit in a `Duration`.
    fault(
        &sim,
        "updateOrgPermissions",
        2,
        json!({"type": "too_many_requests"}),
    )
    .await;
    fault(
        &sim,
        "updateOrgPermissions",
        1,
        json!({"type": "too_many_requests", "retry_after": u64::MAX}),
    )
    .await;
    let plan = desired::plan(&c, &state()).await.unwrap();
    let options = quick().initial_backoff(Duration::from_secs(1));
    let report = plan.apply_with(&c, &options).await;
    assert!(!report.is_complete(), "{report}");
    let failure = report.failure().unwrap();
    assert_eq!(failure.error.status(), Some(429), "{}", failure.error);
    assert_eq!(
        failure.error.retry_after(),
        Some(Duration::from_secs(u64::MAX))
    );
    assert!(
        report.waited() <= Duration::from_secs(20),
        "{:?}",
        report.waited()
    );
}

/// Reproduction: `max_wait` counted only the apply's own waits, not the time a call spent in
/// the client's retries, which wait out `Retry-After` too; so one call could go on for several
/// times `max_wait` (here: 2 s of the client's waits, then another round of three attempts).
/// It now bounds the time a call takes, the client's retries included.
#[tokio::test]
async fn max_wait_counts_the_time_spent_in_the_clients_own_retries() {
    let sim = org(20).await;
    // The client retries a 429 itself (three attempts), waiting the second Zoho asks for.
    let c = Client::builder()
        .base_url(sim.api_domain())
        .access_token(sim.access_token())
        .retry(zoho_crm_access::RetryPolicy::default().max_attempts(3))
        .build()
        .unwrap();
    fault(
        &sim,
        "updateOrgPermissions",
        6,
        json!({"type": "too_many_requests", "retry_after": 1}),
    )
    .await;
    let plan = desired::plan(&c, &state()).await.unwrap();
    sim.clear_recordings();
    let options = quick().max_wait(Duration::from_millis(1500));
    let report = plan.apply_with(&c, &options).await;
    let failure = report.failure().expect("stops at the org permissions");
    assert_eq!(failure.error.status(), Some(429), "{}", failure.error);
    let puts = writes(&sim)
        .iter()
        .filter(|op| *op == "updateOrgPermissions")
        .count();
    assert_eq!(
        puts, 3,
        "one call of three attempts took 2 s, past max_wait: no second call ({report})"
    );
    assert_eq!(report.waited(), Duration::ZERO, "{report}");
}
