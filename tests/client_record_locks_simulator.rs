//! Record locks against the simulator over loopback: locks follow the module's configuration
//! (manual locks, a rule's automatic locks, no configuration, deleting it), and many records
//! are locked once each whatever the network does.

mod desired_support;

use desired_support::{client as client_for, fault};
use serde_json::json;
use zoho_crm_access::criteria::field;
use zoho_crm_access::{enums, types, Client, Error, RecordLockChange};
use zoho_crm_access_simulator::{NewRecord, Simulator};

async fn manual_config(client: &Client) -> String {
    let input = types::RecordLockingConfigurationInput::new(enums::LockType::Manual);
    let created = client.record_locking("Deals").create(input).await.unwrap();
    created.details.id.unwrap()
}

#[tokio::test]
async fn lock_list_change_the_reason_and_unlock_a_deal() {
    let sim = Simulator::start().await.unwrap();
    let client = client_for(&sim);
    manual_config(&client).await;
    let deal = sim.record_id("Deals", "Commercial Press").unwrap();
    let deals = client.record_locks("Deals");

    assert!(deals.list(&deal).await.unwrap().is_empty());
    let locked = deals.lock(&deal, "Under legal review").await.unwrap();
    let lock_id = locked.details.id.clone().unwrap();
    let locks = deals.list(&deal).await.unwrap();
    assert_eq!(locks.len(), 1);
    assert_eq!(locks[0].id, lock_id);
    assert_eq!(locks[0].lock_source_s, Some(enums::LockSource::Manual));
    assert_eq!(
        locks[0].locked_reason_s.as_deref().map(String::as_str),
        Some("Under legal review")
    );
    assert_eq!(
        locks[0].locked_for_s.as_ref().map(|r| r.id.as_str()),
        Some(deal.as_str())
    );

    deals
        .update_reason(&deal, &lock_id, "Approved, awaiting signature")
        .await
        .unwrap();
    let one = deals.get(&deal, &lock_id).await.unwrap().unwrap();
    assert_eq!(
        one.locked_reason_s.as_deref().map(String::as_str),
        Some("Approved, awaiting signature")
    );
    // A second manual lock of a locked record is Zoho's 403.
    let again = deals.lock(&deal, "twice").await.unwrap_err();
    assert_eq!(again.status(), Some(403));

    deals.unlock(&deal, &lock_id).await.unwrap();
    assert!(deals.list(&deal).await.unwrap().is_empty());
    assert!(deals.get(&deal, &lock_id).await.unwrap().is_none());
    assert!(sim
        .records("Deals")
        .unwrap()
        .iter()
        .all(|r| r.lock.is_none()));
}

#[tokio::test]
async fn a_rule_locks_closed_won_deals_and_that_lock_cannot_be_removed() {
    let sim = Simulator::start().await.unwrap();
    let client = client_for(&sim);
    let rule =
        types::LockingRuleInput::new_rule("Closed deals", field("Stage").equal("Closed Won"))
            .unwrap()
            .with_lock_existing_records(true);
    let input = types::RecordLockingConfigurationInput::new(enums::LockType::Both)
        .with_locking_rules([rule]);
    client.record_locking("Deals").create(input).await.unwrap();
    let won = sim.record_id("Deals", "Commercial Press").unwrap();
    let deals = client.record_locks("Deals");

    let locks = deals.list(&won).await.unwrap();
    assert_eq!(locks.len(), 1);
    assert_eq!(locks[0].lock_source_s, Some(enums::LockSource::Automatic));
    assert!(locks[0].locked_by_s.is_none());
    assert!(locks[0].record_locking_rule_id_s.is_some());
    match deals.unlock(&won, &locks[0].id).await.unwrap_err() {
        Error::Api {
            status,
            code,
            message,
            ..
        } => {
            assert_eq!((status, code), (403, enums::ZohoCode::NotAllowed));
            assert_eq!(
                message,
                "Automatically locked records can not be unlocked manually"
            );
        }
        other => panic!("{other:?}"),
    }
    // unlock_many reports the same refusal for that record, and unlocks nothing.
    let outcomes = deals.unlock_many([won.clone()]).await;
    assert_eq!(outcomes[0].result.as_ref().unwrap_err().status(), Some(403));

    // A deal that comes to be Closed Won is locked by the rule too.
    let open = sim
        .records("Deals")
        .unwrap()
        .into_iter()
        .find(|r| r.lock.is_none())
        .unwrap();
    sim.set_record_fields("Deals", &open.id, json!({"Stage": "Closed Won"}))
        .unwrap();
    let locks = deals.list(&open.id).await.unwrap();
    assert_eq!(locks[0].lock_source_s, Some(enums::LockSource::Automatic));
}

#[tokio::test]
async fn without_a_configuration_zoho_refuses_and_deleting_it_unlocks_every_record() {
    let sim = Simulator::start().await.unwrap();
    let client = client_for(&sim);
    let deal = sim.record_id("Deals", "Commercial Press").unwrap();
    let deals = client.record_locks("Deals");
    let none = deals.list(&deal).await.unwrap_err();
    assert_eq!(none.status(), Some(400));
    assert_eq!(none.code(), Some(&enums::ZohoCode::NotAllowed));

    let config = manual_config(&client).await;
    let ids: Vec<String> = sim
        .records("Deals")
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let outcomes = deals.lock_many(ids.clone(), "Quarter close").await;
    assert!(outcomes
        .iter()
        .all(|o| matches!(o.result, Ok(RecordLockChange::Locked { .. }))));
    assert!(sim
        .records("Deals")
        .unwrap()
        .iter()
        .all(|r| r.lock.is_some()));

    client
        .record_locking("Deals")
        .delete(&config)
        .await
        .unwrap();
    assert!(sim
        .records("Deals")
        .unwrap()
        .iter()
        .all(|r| r.lock.is_none()));
}

#[tokio::test]
async fn five_hundred_records_are_each_locked_once_through_throttling_and_lost_answers() {
    let sim = Simulator::start().await.unwrap();
    let client = client_for(&sim);
    manual_config(&client).await;
    let new: Vec<NewRecord> = (0..500)
        .map(|i| NewRecord::new(format!("Bulk deal {i}")).field("Stage", "Negotiation/Review"))
        .collect();
    let ids = sim.add_records("Deals", new).unwrap();
    // Zoho throttles some locks, drops some connections before acting, and loses the answer
    // of some locks it took (the body is cut off after the lock happened).
    fault(&sim, "lockRecord", 12, json!({"type": "too_many_requests"})).await;
    fault(&sim, "lockRecord", 12, json!({"type": "drop"})).await;
    fault(
        &sim,
        "lockRecord",
        12,
        json!({"type": "truncate", "keep_bytes": 5}),
    )
    .await;

    let outcomes = client
        .record_locks("Deals")
        .lock_many(ids.clone(), "Quarter close")
        .await;
    assert_eq!(outcomes.len(), 500, "one outcome per record");
    let records = sim.records("Deals").unwrap();
    for (outcome, id) in outcomes.iter().zip(&ids) {
        assert_eq!(&outcome.record_id, id, "in the order given");
        let lock_id = match &outcome.result {
            Ok(RecordLockChange::Locked { lock_id }) => lock_id,
            other => panic!("{id}: {other:?}"),
        };
        let record = records.iter().find(|r| &r.id == id).unwrap();
        let lock = record.lock.as_ref().expect("locked");
        assert_eq!(lock["id"], json!(lock_id), "{id}: the lock this call made");
        assert_eq!(lock["Locked_Reason__s"], json!("Quarter close"));
        assert_eq!(record.lock_source(), Some("Manual"));
    }
    assert_eq!(sim.stats().faults_pending, 0, "every fault was met");

    // And unlocked again, each once, through the same faults.
    fault(&sim, "unlockRecord", 10, json!({"type": "drop"})).await;
    fault(
        &sim,
        "unlockRecord",
        10,
        json!({"type": "truncate", "keep_bytes": 5}),
    )
    .await;
    let outcomes = client.record_locks("Deals").unlock_many(ids.clone()).await;
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(&o.result, Ok(RecordLockChange::Unlocked { lock_ids }) if lock_ids.len() <= 1)),
        "{:?}",
        outcomes.iter().find(|o| o.result.is_err())
    );
    let records = sim.records("Deals").unwrap();
    assert!(ids
        .iter()
        .all(|id| records.iter().any(|r| &r.id == id && r.lock.is_none())));
}
