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

// ------------------------------------------------------------------ the login flows

/// A POST of a form to the accounts server; the answer's status and JSON.
async fn accounts(sim: &Simulator, path: &str, pairs: &[(&str, &str)]) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", sim.accounts_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded(pairs))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn exchange(sim: &Simulator, code: &str, redirect: Option<&str>) -> Value {
    let creds = sim.credentials();
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("client_id", creds.client_id.as_str()),
        ("client_secret", creds.client_secret.expose_secret()),
        ("code", code),
    ];
    if let Some(r) = redirect {
        pairs.push(("redirect_uri", r));
    }
    accounts(sim, "/oauth/v2/token", &pairs).await.1
}

async fn refresh(sim: &Simulator, refresh_token: &str) -> Value {
    let creds = sim.credentials();
    accounts(
        sim,
        "/oauth/v2/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", creds.client_id.as_str()),
            ("client_secret", creds.client_secret.expose_secret()),
            ("refresh_token", refresh_token),
        ],
    )
    .await
    .1
}

/// Status and flat code of `GET /crm/v8/{path}` with `token`.
async fn get_with(sim: &Simulator, path: &str, token: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(format!("{}/crm/v8/{path}", sim.api_domain()))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_self_client_code_gives_a_grant_with_only_its_scopes_once() {
    let sim = Simulator::start().await.unwrap();
    let code = sim.grant_code(&["ZohoCRM.settings.data_sharing.READ", "ZohoCRM.org.READ"]);
    let grant = exchange(&sim, &code, None).await;
    let refresh_token = grant["refresh_token"].as_str().unwrap().to_owned();
    let access = grant["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        grant["scope"],
        "ZohoCRM.settings.data_sharing.READ ZohoCRM.org.READ"
    );
    assert_eq!(grant["api_domain"], sim.api_domain());
    // Single use.
    assert_eq!(exchange(&sim, &code, None).await["error"], "invalid_code");
    // The grant's scopes only, for its access tokens and those the refresh token mints.
    for token in [
        access,
        refresh(&sim, &refresh_token).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned(),
    ] {
        assert_eq!(get_with(&sim, ORG, &token).await.0, 200);
        let (status, body) = get_with(&sim, "org", &token).await;
        assert_eq!(status, 200);
        assert_eq!(body["org"][0]["type"], "Production");
        let (status, body) = get_with(&sim, "settings/roles", &token).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("OAUTH_SCOPE_MISMATCH"))
        );
    }
    sim.set_org_type("Sandbox");
    let token = refresh(&sim, &refresh_token).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        get_with(&sim, "org", &token).await.1["org"][0]["type"],
        "Sandbox"
    );

    // Wrong client, wrong secret: invalid_client, and the code is not spent by them.
    let code = sim.grant_code(&["ZohoCRM.org.READ"]);
    let creds = sim.credentials();
    for (id, secret) in [
        ("1000.OTHER", creds.client_secret.expose_secret()),
        (creds.client_id.as_str(), "wrong"),
    ] {
        let (_, body) = accounts(
            &sim,
            "/oauth/v2/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", id),
                ("client_secret", secret),
                ("code", &code),
            ],
        )
        .await;
        assert_eq!(body["error"], "invalid_client");
    }
    assert!(exchange(&sim, &code, None).await["refresh_token"].is_string());

    // An expired code.
    let control = reqwest::Client::new()
        .post(format!("{}/oauth/grant-codes", sim.control_url()))
        .bearer_auth(sim.control_token())
        .json(&json!({ "scopes": ["ZohoCRM.org.READ"], "expires_in": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(control.status(), 201);
    let short: Value = control.json().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        exchange(&sim, short["code"].as_str().unwrap(), None).await["error"],
        "invalid_code"
    );
}

#[tokio::test]
async fn the_authorization_endpoint_redirects_with_zohos_parameters() {
    let sim = Simulator::start().await.unwrap();
    sim.set_user_location("eu");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let client_id = sim.credentials().client_id;
    let redirect = "http://127.0.0.1:9/callback";
    let auth = |client: &str, redirect: &str, scope: &str, access: &str| {
        let mut url = url::Url::parse(&format!("{}/oauth/v2/auth", sim.accounts_url())).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", client)
            .append_pair("redirect_uri", redirect)
            .append_pair("scope", scope)
            .append_pair("access_type", access)
            .append_pair("state", "s-1");
        http.get(url.as_str()).send()
    };
    let r = auth(
        &client_id,
        redirect,
        "ZohoCRM.org.READ,ZohoCRM.users.READ",
        "offline",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 302);
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(redirect));
    let q: std::collections::HashMap<String, String> =
        location.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "s-1");
    assert_eq!(q["location"], "eu");
    assert_eq!(
        q["accounts-server"],
        sim.accounts_url().trim_end_matches('/')
    );
    // The exchange needs the same redirect URI; a wrong one spends the code.
    assert_eq!(
        exchange(&sim, &q["code"], Some("http://127.0.0.1:9/other")).await["error"],
        "invalid_redirect_uri"
    );
    assert_eq!(
        exchange(&sim, &q["code"], Some(redirect)).await["error"],
        "invalid_code"
    );
    let r = auth(&client_id, redirect, "ZohoCRM.org.READ", "offline")
        .await
        .unwrap();
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let q: std::collections::HashMap<String, String> =
        location.query_pairs().into_owned().collect();
    let grant = exchange(&sim, &q["code"], Some(redirect)).await;
    assert!(grant["refresh_token"].is_string(), "{grant}");
    // Without access_type=offline: no refresh token.
    let r = auth(&client_id, redirect, "ZohoCRM.org.READ", "online")
        .await
        .unwrap();
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let q: std::collections::HashMap<String, String> =
        location.query_pairs().into_owned().collect();
    let grant = exchange(&sim, &q["code"], Some(redirect)).await;
    assert!(
        grant["access_token"].is_string() && grant.get("refresh_token").is_none(),
        "{grant}"
    );
    // No scope: Zoho's error on the redirect.
    let r = auth(&client_id, redirect, "", "offline").await.unwrap();
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("error=invalid_scope"));
    // An unknown client, an unregistered redirect URI: an error page, no redirect.
    assert_eq!(
        auth("1000.OTHER", redirect, "ZohoCRM.org.READ", "offline")
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        auth(
            &client_id,
            "https://example.com/cb",
            "ZohoCRM.org.READ",
            "offline"
        )
        .await
        .unwrap()
        .status(),
        400
    );
    sim.set_redirect_uri(Some("http://127.0.0.1:8917/callback"));
    let r = auth(&client_id, redirect, "ZohoCRM.org.READ", "offline")
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "invalid_redirect_uri"
    );
}

#[tokio::test]
async fn revocation_ends_the_refresh_token_and_its_access_tokens() {
    let sim = Simulator::start().await.unwrap();
    let grant = exchange(
        &sim,
        &sim.grant_code(&["ZohoCRM.settings.data_sharing.READ"]),
        None,
    )
    .await;
    let refresh_token = grant["refresh_token"].as_str().unwrap().to_owned();
    let access = grant["access_token"].as_str().unwrap().to_owned();
    assert!(sim.refresh_token_is_live(&refresh_token));
    let (status, body) =
        accounts(&sim, "/oauth/v2/token/revoke", &[("token", &refresh_token)]).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("success")));
    assert!(!sim.refresh_token_is_live(&refresh_token));
    assert_eq!(refresh(&sim, &refresh_token).await["error"], "invalid_code");
    assert_eq!(
        get_with(&sim, ORG, &access).await.1["code"],
        "INVALID_TOKEN"
    );
    let (status, _) = accounts(&sim, "/oauth/v2/token/revoke", &[("token", &refresh_token)]).await;
    assert_eq!(status, 400);

    // The 21st refresh token of the client evicts the oldest, with its access tokens.
    let mut tokens = Vec::new();
    for _ in 0..21 {
        let g = exchange(&sim, &sim.grant_code(&["ZohoCRM.org.READ"]), None).await;
        tokens.push(g["refresh_token"].as_str().unwrap().to_owned());
    }
    assert!(!sim.refresh_token_is_live(&tokens[0]));
    assert!(tokens[1..].iter().all(|t| sim.refresh_token_is_live(t)));
    // The simulator's own refresh token is not one of the 20.
    assert!(sim.refresh_token_is_live(sim.credentials().refresh_token.expose_secret()));
}

#[tokio::test]
async fn the_oauth_control_endpoints_check_what_they_are_given() {
    let sim = Simulator::start().await.unwrap();
    let http = reqwest::Client::new();
    let put = |body: Value| {
        http.put(format!("{}/oauth", sim.control_url()))
            .bearer_auth(sim.control_token())
            .json(&body)
            .send()
    };
    let r = put(json!({ "redirect_uri": "http://127.0.0.1:8917/callback", "location": "in", "org_type": "Developer" })).await.unwrap();
    assert_eq!(r.status(), 200);
    let now: Value = r.json().await.unwrap();
    assert_eq!(now["location"], "in");
    assert_eq!(now["org_type"], "Developer");
    assert_eq!(now["redirect_uri"], "http://127.0.0.1:8917/callback");
    let now: Value = put(json!({ "redirect_uri": null }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(now["redirect_uri"], Value::Null);
    assert_eq!(now["location"], "in");
    for bad in [
        json!({ "location": "e u" }),
        json!({ "org_type": "" }),
        json!({ "nope": 1 }),
        json!({ "redirect_uri": "not a url" }),
    ] {
        assert_eq!(put(bad.clone()).await.unwrap().status(), 400, "{bad}");
    }
    let mint = |body: Value| {
        http.post(format!("{}/oauth/grant-codes", sim.control_url()))
            .bearer_auth(sim.control_token())
            .json(&body)
            .send()
    };
    for bad in [
        json!({}),
        json!({ "scopes": [] }),
        json!({ "scopes": ["x"], "expires_in": 0 }),
        json!({ "scopes": ["x"], "expires_in": 601 }),
    ] {
        assert_eq!(mint(bad.clone()).await.unwrap().status(), 400, "{bad}");
    }
    let ok: Value = mint(json!({ "scopes": ["ZohoCRM.org.READ"] }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok["expires_in"], 180);
}

/// A control call with a JSON body: status and answer.
async fn control_json(sim: &Simulator, method: &str, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .request(
            method.parse().unwrap(),
            format!("{}/{path}", sim.control_url()),
        )
        .bearer_auth(sim.control_token())
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// One poll of the device token endpoint with `device_code`.
async fn poll(sim: &Simulator, device_code: &str) -> Value {
    let creds = sim.credentials();
    accounts(
        sim,
        "/oauth/v3/device/token",
        &[
            ("grant_type", "device_token"),
            ("client_id", creds.client_id.as_str()),
            ("client_secret", creds.client_secret.expose_secret()),
            ("code", device_code),
        ],
    )
    .await
    .1
}

/// A device authorization for `scope`: (user code, device code).
async fn device_code(sim: &Simulator, scope: &str) -> (String, String) {
    let creds = sim.credentials();
    let (status, v) = accounts(
        sim,
        "/oauth/v3/device/code",
        &[
            ("grant_type", "device_request"),
            ("client_id", creds.client_id.as_str()),
            ("scope", scope),
            ("access_type", "offline"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{v}");
    (
        v["user_code"].as_str().unwrap().to_owned(),
        v["device_code"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn the_device_flow_waits_for_a_person_and_grants_once_with_the_scopes_asked() {
    let sim = Simulator::start().await.unwrap();
    let creds = sim.credentials();
    // Zoho's defaults, in milliseconds as its page gives them.
    let (_, v) = accounts(
        &sim,
        "/oauth/v3/device/code",
        &[
            ("grant_type", "device_request"),
            ("client_id", creds.client_id.as_str()),
            ("scope", "ZohoCRM.org.READ"),
        ],
    )
    .await;
    assert_eq!(
        (v["interval"].clone(), v["expires_in"].clone()),
        (json!(5000), json!(300_000))
    );
    assert_eq!(
        v["verification_url"],
        format!("{}/oauth/v3/device", sim.accounts_url())
    );
    for (pairs, error) in [
        (
            vec![
                ("grant_type", "device_request"),
                ("client_id", "1000.X"),
                ("scope", "a"),
            ],
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "device_request"),
                ("client_id", creds.client_id.as_str()),
            ],
            "invalid_scope",
        ),
        (
            vec![
                ("grant_type", "nope"),
                ("client_id", creds.client_id.as_str()),
                ("scope", "a"),
            ],
            "unsupported_grant_type",
        ),
    ] {
        let (_, v) = accounts(&sim, "/oauth/v3/device/code", &pairs).await;
        assert_eq!(v["error"], error, "{pairs:?}");
    }

    control_json(
        &sim,
        "PUT",
        "oauth/device",
        json!({ "interval_ms": 100, "min_gap_ms": 0 }),
    )
    .await;
    let (user, device) = device_code(&sim, "ZohoCRM.org.READ,ZohoCRM.users.READ").await;
    assert_eq!(poll(&sim, &device).await["error"], "authorization_pending");
    // A wrong secret is refused before anything else.
    let (_, v) = accounts(
        &sim,
        "/oauth/v3/device/token",
        &[
            ("grant_type", "device_token"),
            ("client_id", creds.client_id.as_str()),
            ("client_secret", "wrong"),
            ("code", device.as_str()),
        ],
    )
    .await;
    assert_eq!(v["error"], "invalid_client");
    let (status, decided) = control_json(
        &sim,
        "POST",
        "oauth/device/decisions",
        json!({ "user_code": user.to_lowercase(), "approve": true }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        decided,
        json!({ "user_code": user.to_lowercase(), "approve": true })
    );
    let grant = poll(&sim, &device).await;
    assert_eq!(
        grant["scope"], "ZohoCRM.org.READ ZohoCRM.users.READ",
        "{grant}"
    );
    let access = grant["access_token"].as_str().unwrap();
    assert!(sim.refresh_token_is_live(grant["refresh_token"].as_str().unwrap()));
    assert_eq!(get_with(&sim, "org", access).await.0, 200);
    let (status, v) = get_with(&sim, "settings/data_sharing", access).await;
    assert_eq!(
        (status, v["code"].clone()),
        (401, json!("OAUTH_SCOPE_MISMATCH"))
    );
    // Single use; a decided code cannot be decided again.
    assert_eq!(poll(&sim, &device).await["error"], "invalid_code");
    let (status, _) = control_json(
        &sim,
        "POST",
        "oauth/device/decisions",
        json!({ "user_code": user, "approve": false }),
    )
    .await;
    assert_eq!(status, 404);
    let (_, listed) = control_json(&sim, "GET", "oauth/device", Value::Null).await;
    let last = listed["authorizations"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["status"].clone(), last["polls"].clone()),
        (json!("granted"), json!(2))
    );
}

#[tokio::test]
async fn the_device_flow_slows_down_denies_expires_and_names_another_data_centre() {
    let sim = Simulator::start().await.unwrap();
    control_json(
        &sim,
        "PUT",
        "oauth/device",
        json!({ "interval_ms": 100, "min_gap_ms": 5000, "expires_in_ms": 1000 }),
    )
    .await;
    // Two polls within the gap: slow_down, counted.
    let (user, device) = device_code(&sim, "ZohoCRM.org.READ").await;
    assert_eq!(poll(&sim, &device).await["error"], "authorization_pending");
    assert_eq!(poll(&sim, &device).await["error"], "slow_down");
    let (_, listed) = control_json(&sim, "GET", "oauth/device", Value::Null).await;
    assert_eq!(listed["authorizations"][0]["slow_downs"], 1);
    control_json(&sim, "PUT", "oauth/device", json!({ "min_gap_ms": 0 })).await;
    // Denied.
    control_json(
        &sim,
        "POST",
        "oauth/device/decisions",
        json!({ "user_code": user, "approve": false }),
    )
    .await;
    assert_eq!(poll(&sim, &device).await["error"], "access_denied");
    // Another data centre's person: other_dc once with user_location, then the grant.
    let (user, device) = device_code(&sim, "ZohoCRM.org.READ").await;
    control_json(
        &sim,
        "POST",
        "oauth/device/decisions",
        json!({ "user_code": user, "approve": true, "location": "eu" }),
    )
    .await;
    let v = poll(&sim, &device).await;
    assert_eq!(
        (v["error"].clone(), v["user_location"].clone()),
        (json!("other_dc"), json!("eu"))
    );
    assert!(poll(&sim, &device).await["access_token"].is_string());
    // Nobody decides: expired after a second, and no longer decidable.
    let (user, device) = device_code(&sim, "ZohoCRM.org.READ").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(poll(&sim, &device).await["error"], "expired");
    let (status, _) = control_json(
        &sim,
        "POST",
        "oauth/device/decisions",
        json!({ "user_code": user, "approve": true }),
    )
    .await;
    assert_eq!(status, 404);
    // The control endpoints check what they are given.
    for bad in [
        json!({ "interval_ms": 5 }),
        json!({ "expires_in_ms": 10 }),
        json!({ "nope": 1 }),
    ] {
        assert_eq!(
            control_json(&sim, "PUT", "oauth/device", bad.clone())
                .await
                .0,
            400,
            "{bad}"
        );
    }
    for bad in [
        json!({ "user_code": "", "approve": true }),
        json!({ "user_code": "X" }),
        json!({ "user_code": "X", "approve": true, "location": "e u" }),
    ] {
        assert_eq!(
            control_json(&sim, "POST", "oauth/device/decisions", bad.clone())
                .await
                .0,
            400,
            "{bad}"
        );
    }
}
