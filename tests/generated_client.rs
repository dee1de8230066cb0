//! The generated low-level client on the wire: one call per family reaches a loopback server with
//! the method, path, query and body the spec describes.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Router;
use serde_json::{json, Value};
use zoho_crm_access::{enums, types, Client};

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    authorization: Option<String>,
    api_version: Option<String>,
    body: Option<Value>,
}

type Log = Arc<Mutex<Vec<Seen>>>;

async fn record(State(log): State<Log>, request: Request) -> impl IntoResponse {
    let (parts, body) = request.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let seen = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        authorization: header("authorization"),
        api_version: header("api-version"),
        body: (!bytes.is_empty()).then(|| serde_json::from_slice(&bytes).unwrap()),
    };
    log.lock().unwrap().push(seen.clone());
    let (status, body) = match (seen.method.as_str(), seen.path.as_str()) {
        ("POST", "/crm/v8/settings/record_locking_configurations") => (
            StatusCode::CREATED,
            json!({"record_locking_configurations": [{"code": "SUCCESS", "details": {"id": "5843104000001068044"},
                "message": "record locking configuration created successfully", "status": "success"}]}),
        ),
        ("GET", "/crm/v8/settings/data_sharing/rules") => (
            StatusCode::OK,
            json!({"sharing_rules": [{"id": "5843104000003827009", "name": "3", "type": "Record_Owner_Based",
                "permission_type": "read_write_delete", "superiors_allowed": false, "status": "active",
                "shared_to": {"type": "all_users", "subordinates": false},
                "shared_from": {"resource": {"id": "5843104000002870001", "name": "Product Manager"}, "type": "roles", "subordinates": false}}],
                "info": {"page": 2, "per_page": 1, "count": 1, "more_records": false}}),
        ),
        ("PUT", "/crm/v8/settings/data_sharing") => (
            StatusCode::OK,
            json!({"data_sharing": [{"code": "SUCCESS", "details": {"module": "Leads"},
                "message": "data sharing settings updated successfully", "status": "success"}]}),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            json!({"code": "INVALID_URL_PATTERN", "details": {}, "message": "Please check if the URL trying to access is a correct one", "status": "error"}),
        ),
    };
    (status, axum::Json(body))
}

async fn server() -> (String, Log) {
    let log: Log = Arc::default();
    let app = Router::new().fallback(record).with_state(log.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), log)
}

fn client(base: &str) -> Client {
    Client::builder()
        .base_url(base)
        .access_token("1000.test-access-token")
        .build()
        .unwrap()
}

#[tokio::test]
async fn record_locking_create_sends_module_query_and_body() {
    let (base, log) = server().await;
    let client = client(&base);
    let body = types::RecordLockingConfigurationCreateRequest {
        // minItems = maxItems = 1 in the spec: exactly one configuration, by type.
        record_locking_configurations: [types::RecordLockingConfigurationInput {
            lock_type: enums::LockType::Automatic,
            locked_for: Some(enums::LockedFor::AllProfiles),
            excluded_fields: Some(vec![types::FieldRef {
                api_name: Some("Description".into()),
                id: None,
            }]),
            locking_rules: Some(vec![types::LockingRuleInput {
                // maxLength 256 in the spec: the name type checks it.
                name: Some("Closed Won".try_into().unwrap()),
                lock_existing_records: Some(true),
                criteria: Some(
                    types::CriteriaCondition {
                        comparator: enums::CriteriaComparator::Equal,
                        field: types::FieldRef {
                            api_name: Some("Stage".into()),
                            id: None,
                        },
                        type_: None,
                        value: json!("Closed Won"),
                    }
                    .into(),
                ),
                id: None,
                delete: None,
            }]),
            restricted_actions: Some(vec![enums::RestrictedAction::Update]),
            restricted_communications: None,
            restricted_custom_buttons: None,
            lock_excluded_profiles: None,
            lock_for_portal_users: Some(true),
            feature_type: None,
            system_defined: None,
        }],
    };
    let response = client
        .raw()
        .create_record_locking_configuration()
        .module("Deals")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.record_locking_configurations[0]
            .details
            .id
            .as_deref(),
        Some("5843104000001068044")
    );

    let seen = log.lock().unwrap()[0].clone();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path, "/crm/v8/settings/record_locking_configurations");
    assert_eq!(seen.query.as_deref(), Some("module=Deals"));
    assert_eq!(
        seen.authorization.as_deref(),
        Some("Zoho-oauthtoken 1000.test-access-token")
    );
    assert_eq!(
        seen.api_version, None,
        "progenitor's api-version header is dropped"
    );
    assert_eq!(
        seen.body.unwrap(),
        json!({"record_locking_configurations": [{
            "lock_type": "automatic",
            "locked_for": "all_profiles",
            "excluded_fields": [{"api_name": "Description"}],
            "locking_rules": [{"name": "Closed Won", "lock_existing_records": true,
                "criteria": {"comparator": "equal", "field": {"api_name": "Stage"}, "value": "Closed Won"}}],
            "restricted_actions": ["update"],
            "lock_for_portal_users": true
        }]})
    );
}

#[tokio::test]
async fn sharing_rules_list_sends_paging_query() {
    let (base, log) = server().await;
    let client = client(&base);
    let page = client
        .raw()
        .list_sharing_rules()
        .module("Leads")
        .page(2)
        .per_page(1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.sharing_rules[0].type_,
        enums::SharingRuleType::RecordOwnerBased
    );
    assert_eq!(page.info.as_ref().unwrap().page, 2);

    let seen = log.lock().unwrap()[0].clone();
    assert_eq!(seen.method, "GET");
    assert_eq!(seen.path, "/crm/v8/settings/data_sharing/rules");
    let mut query: Vec<&str> = seen.query.as_deref().unwrap().split('&').collect();
    query.sort();
    assert_eq!(query, ["module=Leads", "page=2", "per_page=1"]);
    assert_eq!(seen.body, None);
}

#[tokio::test]
async fn org_permissions_update_sends_the_items() {
    let (base, log) = server().await;
    let client = client(&base);
    let response = client
        .raw()
        .update_org_permissions()
        .body(types::DataSharingUpdateRequest {
            data_sharing: vec![types::DataSharingUpdate {
                share_type: enums::ShareType::Public,
                module: types::ModuleInput {
                    id: "2276164000000000125".into(),
                    api_name: Some("Leads".into()),
                },
            }],
        })
        .send()
        .await
        .unwrap();
    assert_eq!(response.data_sharing[0].code, enums::ZohoCode::Success);

    let seen = log.lock().unwrap()[0].clone();
    assert_eq!(seen.method, "PUT");
    assert_eq!(seen.path, "/crm/v8/settings/data_sharing");
    assert_eq!(seen.query, None);
    assert_eq!(
        seen.body.unwrap(),
        json!({"data_sharing": [{"share_type": "public", "module": {"id": "2276164000000000125", "api_name": "Leads"}}]})
    );
}
