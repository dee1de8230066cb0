//! What a person reads when a program returns the crate's `Error` from `main`: Rust prints the
//! error's `Debug`. It must say what failed in a few lines, with Zoho's details only where Zoho
//! sent some (the generated `ActionDetails` has twenty optional keys). Over real HTTP on
//! loopback, against a scripted server.

mod support;

use serde_json::json;
use support::{client, Reply, TestServer};
use zoho_crm_access::{enums, types, Error};

/// A flat Zoho error with no details.
async fn no_permission() -> Error {
    let server = TestServer::start(|_| {
        Reply::json(
            403,
            json!({"code": "NO_PERMISSION", "details": {}, "message": "permission denied", "status": "error"}),
        )
    })
    .await;
    client(&server)
        .org_permissions()
        .get()
        .await
        .expect_err("a 403")
}

#[tokio::test]
async fn an_api_error_without_details_debugs_on_one_short_line() {
    let err = no_permission().await;
    let debug = format!("{err:?}");
    assert!(debug.starts_with("Api {"), "{debug}");
    assert!(debug.contains("NO_PERMISSION"), "{debug}");
    assert!(debug.contains("permission denied"), "{debug}");
    assert!(debug.contains("getOrgPermissions"), "{debug}");
    assert!(debug.contains("status: 403"), "{debug}");
    // No empty details: not one `None`, no `details` at all.
    assert!(!debug.contains("None"), "{debug}");
    assert!(!debug.contains("details"), "{debug}");
    assert!(debug.len() < 160, "{} bytes: {debug}", debug.len());
    assert!(!debug.contains('\n'), "{debug}");
}

#[tokio::test]
async fn an_api_error_shows_the_details_zoho_sent_and_only_those() {
    let server = TestServer::start(|_| {
        Reply::json(
            400,
            json!({"record_locking_configurations": [{
                "code": "INVALID_DATA",
                "details": {"api_name": "lock_type", "json_path": "$.record_locking_configurations[0].lock_type"},
                "message": "lock_type not found",
                "status": "error"
            }]}),
        )
    })
    .await;
    let input = types::RecordLockingConfigurationInput::new(enums::LockType::Manual);
    let err = client(&server)
        .record_locking("Deals")
        .create(input)
        .await
        .expect_err("a 400");
    let debug = format!("{err:?}");
    assert!(debug.contains("INVALID_DATA"), "{debug}");
    assert!(debug.contains(r#""api_name":"lock_type""#), "{debug}");
    assert!(
        debug.contains(r#""json_path":"$.record_locking_configurations[0].lock_type""#),
        "{debug}"
    );
    assert!(!debug.contains("None"), "{debug}");
    assert!(debug.len() < 300, "{} bytes: {debug}", debug.len());
}

#[tokio::test]
async fn the_alternate_debug_is_readable_and_as_short() {
    let err = no_permission().await;
    let pretty = format!("{err:#?}");
    assert!(!pretty.contains("None"), "{pretty}");
    assert!(pretty.lines().count() <= 8, "{pretty}");
}

#[tokio::test]
async fn a_failed_item_of_a_multi_item_write_debugs_without_empty_details() {
    let server = TestServer::start(|_| {
        Reply::json(
            207,
            json!({"data_sharing": [
                {"code": "SUCCESS", "details": {"id": "5843104000000002175"}, "message": "updated", "status": "success"},
                {"code": "INVALID_DATA", "details": {"api_name": "share_type"}, "message": "invalid data", "status": "error"}
            ]}),
        )
    })
    .await;
    let updates = vec![
        types::DataSharingUpdate::new("5843104000000002175", enums::ShareType::Private),
        types::DataSharingUpdate::new("5843104000000002181", enums::ShareType::Private),
    ];
    let err = client(&server)
        .org_permissions()
        .set(updates)
        .await
        .expect_err("one item failed");
    assert!(matches!(err, Error::Items { .. }), "{err:?}");
    let debug = format!("{err:?}");
    assert!(debug.contains("INVALID_DATA"), "{debug}");
    assert!(debug.contains("share_type"), "{debug}");
    assert!(!debug.contains("None"), "{debug}");
    assert!(debug.len() < 400, "{} bytes: {debug}", debug.len());
}
