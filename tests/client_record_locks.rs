//! The record locks handler over real HTTP on loopback, against a scripted server: what it
//! sends, what it refuses before sending, and how it reads Zoho's answers. The simulator's
//! behaviour (locks following the configuration) is in `client_record_locks_simulator.rs`.

mod support;

use serde_json::json;
use support::{client, success, zoho_error, Reply, TestServer};
use zoho_crm_access::{enums, Error, RecordLockChange, RecordLocksHandler};

const RECORD: &str = "5843104000000425565";
const LOCK: &str = "5843104000000804005";

fn manual_lock(id: &str, reason: &str) -> serde_json::Value {
    json!({
        "Locked_By__s": {"name": "Patricia Boyle", "id": "5843104000000424672"},
        "Locked_For__s": {"module": {"api_name": "Deals", "id": "5843104000000002181"}, "name": "Commercial Press", "id": RECORD},
        "Locked_Reason__s": reason,
        "Record_Locking_Configuration_Id__s": "5843104000000758004",
        "Record_Locking_Rule_Id__s": null,
        "$editable": true,
        "id": id,
        "$sharing_permission": "full_access",
        "Lock_Source__s": "Manual",
        "Locked_Time__s": "2023-09-05T05:13:36-04:00"
    })
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let server = TestServer::start(|_| Reply::json(201, success("data", LOCK))).await;
    let c = client(&server);
    let deals = c.record_locks("Deals");
    let too_long = "x".repeat(RecordLocksHandler::MAX_REASON_CHARS + 1);
    let cases: Vec<(&str, Result<_, Error>)> = vec![
        ("empty reason", deals.lock(RECORD, " ").await.map(drop)),
        ("long reason", deals.lock(RECORD, &too_long).await.map(drop)),
        ("record id", deals.lock("12a", "why").await.map(drop)),
        ("lock id", deals.unlock(RECORD, "../1").await.map(drop)),
        ("lock id", deals.get(RECORD, "").await.map(drop)),
        (
            "module",
            c.record_locks("Deals?x=1").list(RECORD).await.map(drop),
        ),
        (
            "reason",
            deals.update_reason(RECORD, LOCK, "").await.map(drop),
        ),
    ];
    for (case, result) in cases {
        assert!(
            matches!(result, Err(Error::InvalidInput { .. })),
            "{case}: {result:?}"
        );
    }
    // The longest reason Zoho keeps is sent (3,000 characters, not bytes).
    let longest = "é".repeat(RecordLocksHandler::MAX_REASON_CHARS);
    deals.lock(RECORD, &longest).await.unwrap();
    assert_eq!(server.total(), 1, "only the valid lock was sent");
    // Many records: each bad id is its own failed outcome; the others are sent.
    let outcomes = deals.lock_many(["12a", RECORD], "why").await;
    assert!(matches!(
        outcomes[0].result,
        Err(Error::InvalidInput { .. })
    ));
    assert!(outcomes[1].result.is_ok(), "{:?}", outcomes[1].result);
    assert_eq!(server.total(), 2);
}

#[tokio::test]
async fn each_operation_sends_what_the_spec_says() {
    let server = TestServer::start(|r| match r.method.as_str() {
        "GET" if r.path.ends_with("Locking_Information__s") => Reply::json(
            200,
            json!({"data": [manual_lock(LOCK, "deal in progress")]}),
        ),
        "GET" => Reply::json(
            200,
            json!({"data": [manual_lock(LOCK, "deal in progress")]}),
        ),
        "POST" => Reply::json(201, success("data", LOCK)),
        _ => Reply::json(200, success("data", LOCK)),
    })
    .await;
    let deals = client(&server).record_locks("Deals");
    let base = format!("/crm/v8/Deals/{RECORD}/Locking_Information__s");

    let locks = deals.list(RECORD).await.unwrap();
    assert_eq!(locks.len(), 1);
    assert_eq!(locks[0].lock_source_s, Some(enums::LockSource::Manual));
    assert_eq!(
        locks[0].locked_reason_s.as_deref().map(String::as_str),
        Some("deal in progress")
    );
    let got = deals.get(RECORD, LOCK).await.unwrap().unwrap();
    assert_eq!(got.id, LOCK);
    let locked = deals.lock(RECORD, "deal in progress").await.unwrap();
    assert_eq!(locked.details.id.as_deref(), Some(LOCK));
    deals
        .update_reason(RECORD, LOCK, "deal info updated")
        .await
        .unwrap();
    deals.unlock(RECORD, LOCK).await.unwrap();

    let sent = server.requests();
    let seen: Vec<(String, String)> = sent
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("GET".into(), base.clone()),
            ("GET".into(), format!("{base}/{LOCK}")),
            ("POST".into(), base.clone()),
            ("PUT".into(), format!("{base}/{LOCK}")),
            ("DELETE".into(), format!("{base}/{LOCK}")),
        ]
    );
    // The list asks for every documented key.
    let fields = sent[0].query_param("fields").unwrap();
    for key in [
        "Locked_For__s",
        "Locked_Reason__s",
        "Lock_Source__s",
        "Locked_Time__s",
        "Locked_By__s",
        "Record_Locking_Rule_Id__s",
        "Record_Locking_Configuration_Id__s",
    ] {
        assert!(fields.split(',').any(|f| f == key), "{key} in {fields}");
    }
    assert_eq!(
        sent[2].json(),
        json!({"data": [{"Locked_Reason__s": "deal in progress"}]})
    );
    assert_eq!(
        sent[3].json(),
        json!({"data": [{"Locked_Reason__s": "deal info updated"}]})
    );
    assert!(sent[4].body.is_empty());
}

#[tokio::test]
async fn no_lock_is_an_empty_list_and_none() {
    let server = TestServer::start(|_| Reply::empty(204)).await;
    let deals = client(&server).record_locks("Deals");
    assert!(deals.list(RECORD).await.unwrap().is_empty());
    assert!(deals.get(RECORD, LOCK).await.unwrap().is_none());
    assert_eq!(
        deals.unlock_many([RECORD]).await[0]
            .result
            .as_ref()
            .unwrap(),
        &RecordLockChange::NotLocked
    );
}

#[tokio::test]
async fn zohos_refusals_are_typed_errors_with_its_words() {
    let server = TestServer::start(|r| match r.method.as_str() {
        "DELETE" => Reply::json(
            403,
            zoho_error(
                "NOT_ALLOWED",
                "Automatically locked records can not be unlocked manually",
                json!({"resource_path_index": 1}),
            ),
        ),
        "POST" => Reply::json(
            400,
            json!({"data": [{"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "Locked_Reason__s", "json_path": "$.data[0].Locked_Reason__s"}, "message": "required field not found", "status": "error"}]}),
        ),
        _ => Reply::json(
            400,
            zoho_error(
                "NOT_ALLOWED",
                "Required Record Locking Configuration is not present",
                json!({"resource_path_index": 2}),
            ),
        ),
    })
    .await;
    let deals = client(&server).record_locks("Deals");
    match deals.unlock(RECORD, LOCK).await.unwrap_err() {
        Error::Api {
            status, message, ..
        } => {
            assert_eq!(status, 403);
            assert!(
                message.contains("can not be unlocked manually"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    let missing = deals.lock(RECORD, "why").await.unwrap_err();
    assert_eq!(missing.status(), Some(400));
    assert_eq!(missing.code(), Some(&enums::ZohoCode::MandatoryNotFound));
    let no_config = deals.list(RECORD).await.unwrap_err();
    assert_eq!(no_config.code(), Some(&enums::ZohoCode::NotAllowed));
    assert!(no_config.to_string().contains("not present"), "{no_config}");
}

#[tokio::test]
async fn a_lost_lock_answer_is_settled_by_the_lock_list_and_not_sent_again() {
    // The lock is taken, but its answer is a 502: the list then shows the lock with this
    // reason, so the record counts as locked by this call and no second lock is sent.
    let server = TestServer::start(|r| match r.method.as_str() {
        "POST" => Reply::json(502, zoho_error("INTERNAL_ERROR", "bad gateway", json!({}))),
        _ => Reply::json(200, json!({"data": [manual_lock(LOCK, "quarter close")]})),
    })
    .await;
    let deals = client(&server).record_locks("Deals");
    let outcomes = deals.lock_many([RECORD], "quarter close").await;
    assert_eq!(
        outcomes[0].result.as_ref().unwrap(),
        &RecordLockChange::Locked {
            lock_id: LOCK.into()
        }
    );
    assert_eq!(server.count("POST", "Locking_Information__s"), 1);
}

#[tokio::test]
async fn a_record_someone_else_locked_is_already_locked_not_a_failure() {
    let server = TestServer::start(|r| match r.method.as_str() {
        "POST" => Reply::json(
            403,
            zoho_error(
                "NOT_ALLOWED",
                "record is already locked",
                json!({"resource_path_index": 1}),
            ),
        ),
        _ => Reply::json(200, json!({"data": [manual_lock(LOCK, "someone else's")]})),
    })
    .await;
    let deals = client(&server).record_locks("Deals");
    let outcomes = deals.lock_many([RECORD], "quarter close").await;
    assert_eq!(
        outcomes[0].result.as_ref().unwrap(),
        &RecordLockChange::AlreadyLocked {
            lock_ids: vec![LOCK.into()]
        }
    );
    assert_eq!(server.count("POST", "Locking_Information__s"), 1);
}

#[tokio::test]
async fn only_automatic_locking_is_a_failed_outcome_without_retries() {
    let server = TestServer::start(|r| match r.method.as_str() {
        "POST" => Reply::json(
            403,
            zoho_error(
                "NOT_ALLOWED",
                "record cannot be locked, only automatic locking is configured",
                json!({"resource_path_index": 1}),
            ),
        ),
        _ => Reply::empty(204),
    })
    .await;
    let deals = client(&server).record_locks("Deals");
    let outcomes = deals.lock_many([RECORD], "quarter close").await;
    let err = outcomes[0].result.as_ref().unwrap_err();
    assert!(err.to_string().contains("only automatic"), "{err}");
    assert_eq!(server.count("POST", "Locking_Information__s"), 1);
}
