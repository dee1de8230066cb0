//! Authentication, the accounts endpoint, fault injection, recordings and the generated client,
//! against the simulator over real HTTP.

mod simulator_support;

use std::time::Duration;

use secrecy::ExposeSecret;
use serde_json::{json, Value};
use simulator_support::Api;
use zoho_crm_access_simulator::{Fault, Simulator};

const ORG: &str = "settings/data_sharing";

#[tokio::test]
async fn authorization_header_is_required_and_checked() {
    let api = Api::start().await;
    let a = api
        .call_raw("getOrgPermissions", "GET", ORG, None, None)
        .await;
    assert_eq!((a.status, a.flat_code()), (401, "AUTHENTICATION_FAILURE"));
    let a = api
        .call_raw(
            "getOrgPermissions",
            "GET",
            ORG,
            None,
            Some("1000.not-a-token"),
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (401, "INVALID_TOKEN"));
    assert_eq!(a.json()["message"], "invalid oauth token");
    // The Bearer scheme is not Zoho's.
    let url = format!("{}/crm/v8/{ORG}", api.sim.api_domain());
    let r = api
        .http
        .get(url)
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let read_only = api
        .sim
        .issue_access_token(&["ZohoCRM.settings.data_sharing.READ"]);
    let a = api
        .call_raw("getOrgPermissions", "GET", ORG, None, Some(&read_only))
        .await;
    assert_eq!(a.status, 200);
    let a = api
        .call_raw(
            "updateOrgPermissions",
            "PUT",
            ORG,
            Some(b"{}".to_vec()),
            Some(&read_only),
        )
        .await;
    assert_eq!((a.status, a.flat_code()), (401, "OAUTH_SCOPE_MISMATCH"));
    let a = api
        .call_raw(
            "getRecordLockingConfigurations",
            "GET",
            "settings/record_locking_configurations?module=Deals",
            None,
            Some(&read_only),
        )
        .await;
    assert_eq!(a.flat_code(), "OAUTH_SCOPE_MISMATCH");

    api.sim.expire_access_tokens();
    let a = api.call("getOrgPermissions", "GET", ORG, None).await;
    assert_eq!((a.status, a.flat_code()), (401, "INVALID_TOKEN"));
}

#[tokio::test]
async fn refresh_flow_issues_working_tokens() {
    let sim = Simulator::builder()
        .token_lifetime(Duration::from_secs(120))
        .start()
        .await
        .unwrap();
    let creds = sim.credentials();
    let debug = format!("{creds:?}");
    assert!(!debug.contains(creds.client_secret.expose_secret()));
    assert!(!debug.contains(creds.refresh_token.expose_secret()));
    let http = reqwest::Client::new();
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", creds.client_id.as_str()),
        ("client_secret", creds.client_secret.expose_secret()),
        ("refresh_token", creds.refresh_token.expose_secret()),
    ];
    let body = serde_urlencoded(&form);
    let r = http
        .post(sim.token_url())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["expires_in"], 120);
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["api_domain"], sim.api_domain().as_str());
    let token = t["access_token"].as_str().unwrap();
    assert_eq!(sim.token_requests(), 1);
    let r = http
        .get(format!("{}/crm/v8/{ORG}", sim.api_domain()))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Wrong secret, wrong refresh token: Zoho Accounts' error answers.
    let wrong = [
        ("grant_type", "refresh_token"),
        ("client_id", creds.client_id.as_str()),
        ("client_secret", "nope"),
        ("refresh_token", creds.refresh_token.expose_secret()),
    ];
    let t: Value = http
        .post(sim.token_url())
        .body(serde_urlencoded(&wrong))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t, json!({ "error": "invalid_client" }));
    let wrong = [
        ("grant_type", "refresh_token"),
        ("client_id", creds.client_id.as_str()),
        ("client_secret", creds.client_secret.expose_secret()),
        ("refresh_token", "1000.x.y"),
    ];
    let t: Value = http
        .post(sim.token_url())
        .body(serde_urlencoded(&wrong))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t, json!({ "error": "invalid_code" }));
    assert_eq!(sim.token_requests(), 3);
}

#[tokio::test]
async fn token_quota_when_enforced() {
    let sim = Simulator::builder()
        .enforce_token_quota(true)
        .start()
        .await
        .unwrap();
    let creds = sim.credentials();
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", creds.client_id.as_str()),
        ("client_secret", creds.client_secret.expose_secret()),
        ("refresh_token", creds.refresh_token.expose_secret()),
    ];
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let r = http
            .post(sim.token_url())
            .body(serde_urlencoded(&form))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 400 {
            let t: Value = r.json().await.unwrap();
            assert_eq!(t["error"], "Access Denied");
        }
    }
    assert_eq!(statuses[..10], [200; 10]);
    assert_eq!(statuses[10], 400);
}

fn serde_urlencoded(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[tokio::test]
async fn faults_hit_the_next_calls_then_stop() {
    let api = Api::start().await;
    api.sim.fail_next(
        1,
        Fault::TooManyRequests {
            retry_after: Some(7),
        },
    );
    api.sim
        .fail_next(1, Fault::TooManyRequests { retry_after: None });
    api.sim.fail_next(1, Fault::Status(500));
    api.sim
        .fail_next(1, Fault::Delay(Duration::from_millis(10)));
    let a = api.call("getOrgPermissions", "GET", ORG, None).await;
    assert_eq!((a.status, a.flat_code()), (429, "TOO_MANY_REQUESTS"));
    assert_eq!(a.headers["retry-after"], "7");
    let a = api.call("getOrgPermissions", "GET", ORG, None).await;
    assert_eq!(a.status, 429);
    assert!(a.headers.get("retry-after").is_none());
    let a = api.call("getOrgPermissions", "GET", ORG, None).await;
    assert_eq!((a.status, a.flat_code()), (500, "INTERNAL_ERROR"));
    let a = api.call("getOrgPermissions", "GET", ORG, None).await;
    assert_eq!(a.status, 200, "a delayed call still answers");
    let a = api.call("getOrgPermissions", "GET", ORG, None).await;
    assert_eq!(a.status, 200);

    api.sim.fail_next(1, Fault::Status(503));
    let r = api
        .http
        .get(format!("{}/crm/v8/{ORG}", api.sim.api_domain()))
        .header("Authorization", format!("Zoho-oauthtoken {}", api.token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);

    api.sim.fail_next(1, Fault::Drop);
    let r = api
        .http
        .get(format!("{}/crm/v8/{ORG}", api.sim.api_domain()))
        .header("Authorization", format!("Zoho-oauthtoken {}", api.token))
        .send()
        .await;
    assert!(r.is_err(), "a dropped connection is a transport error");
    let a = api.call("getOrgPermissions", "GET", ORG, None).await;
    assert_eq!(a.status, 200);
    assert_eq!(api.sim.api_requests(), 8);

    api.sim.fail_next_token_requests(1, Fault::Status(500));
    let r = api.http.post(api.sim.token_url()).send().await.unwrap();
    assert_eq!(r.status(), 500);
}

#[tokio::test]
async fn recordings_capture_each_exchange_and_conform() {
    let api = Api::start().await;
    api.call("getOrgPermissions", "GET", ORG, None).await;
    api.call(
        "listSharingRules",
        "GET",
        "settings/data_sharing/rules?module=Leads",
        None,
    )
    .await;
    api.call(
        "createSharingRule",
        "POST",
        "settings/data_sharing/rules",
        Some(json!({ "sharing_rules": [] })),
    )
    .await;
    let recs = api.sim.recordings();
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0]["operation_id"], "getOrgPermissions");
    assert_eq!(recs[0]["request"]["path"], "/crm/v8/settings/data_sharing");
    assert_eq!(recs[1]["request"]["query"], json!({ "module": "Leads" }));
    assert_eq!(recs[1]["response"]["status"], 204);
    assert_eq!(recs[1]["response"]["body"], Value::Null);
    assert_eq!(recs[2]["request"]["body"], json!({ "sharing_rules": [] }));
    for r in &recs {
        let text = r.to_string();
        assert!(!text.contains(&api.token), "no token in recordings");
        if let Some(body) = r["response"]["body"].as_object() {
            let bytes = serde_json::to_vec(body).unwrap();
            let op = r["operation_id"].as_str().unwrap();
            let status = r["response"]["status"].as_u64().unwrap() as u16;
            assert!(matches!(
                zoho_crm_access::wire::decode_response(op, status, &bytes),
                Some(Ok(_))
            ));
        }
    }
    api.sim.clear_recordings();
    assert!(api.sim.recordings().is_empty());
}

#[tokio::test]
async fn the_generated_client_reads_and_writes() {
    let sim = Simulator::start().await.unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "Authorization",
        format!("Zoho-oauthtoken {}", sim.access_token())
            .parse()
            .unwrap(),
    );
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let client =
        zoho_crm_access::raw::RawClient::new_with_client(&sim.base_url(), http, Default::default());
    let perms = client
        .get_org_permissions()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(perms
        .data_sharing
        .iter()
        .any(|d| d.module.api_name == "Leads"));
    let body: zoho_crm_access::types::SharingRuleCreateRequest = serde_json::from_value(json!({
        "sharing_rules": [{
            "name": "All users read leads", "superiors_allowed": false, "type": "Record_Owner_Based",
            "shared_to": { "type": "all_users", "subordinates": false },
            "shared_from": { "resource": { "id": sim.role_id("CEO").unwrap() }, "type": "roles", "subordinates": true },
            "permission_type": "read"
        }]
    })).unwrap();
    let created = client
        .create_sharing_rule()
        .module("Leads")
        .body(body)
        .send()
        .await
        .unwrap()
        .into_inner();
    let id = created.sharing_rules[0].details.id.clone().unwrap();
    let rule = client
        .get_sharing_rule()
        .id(&id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rule.sharing_rules[0].name, "All users read leads");
    assert!(rule.sharing_rules[0].shared_to.resource.is_none());
}

#[test]
fn the_simulator_can_be_shared_across_tasks() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<Simulator>();
    send_sync::<zoho_crm_access_simulator::StateSnapshot>();
}

/// A token lifetime too long to add to the clock (`Duration::MAX`) is "never expires", not a
/// panic in the simulator when it mints a token.
#[tokio::test]
async fn a_token_lifetime_past_the_clock_mints_tokens_that_work() {
    let sim = Simulator::builder()
        .token_lifetime(Duration::MAX)
        .start()
        .await
        .unwrap();
    let client = zoho_crm_access::Client::builder()
        .base_url(sim.api_domain())
        .access_token(sim.access_token())
        .build()
        .unwrap();
    assert!(!client.org_permissions().get().await.unwrap().is_empty());
}
