//! The control surface (`/__simulator/...`) over real HTTP: what other teams use to drive
//! faults, seed state and read what the simulator received, from any language.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use zoho_crm_access_simulator::Simulator;

struct Ctl {
    sim: Simulator,
    http: reqwest::Client,
}

impl Ctl {
    async fn start() -> Self {
        Self {
            sim: Simulator::start().await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.sim.control_url()))
            .bearer_auth(self.sim.control_token());
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self
            .http
            .request(method, format!("{}/crm/v8{path}", self.sim.api_domain()))
            .header(
                "Authorization",
                format!("Zoho-oauthtoken {}", self.sim.access_token()),
            );
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    async fn add_fault(&self, rule: Value) -> Value {
        let (status, body) = self
            .control(reqwest::Method::POST, "/faults", Some(rule))
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }
}

use reqwest::Method;

#[tokio::test]
async fn requires_the_control_token() {
    let c = Ctl::start().await;
    let url = format!("{}/faults", c.sim.control_url());
    for auth in [
        None,
        Some("Bearer wrong"),
        Some(&*format!("Zoho-oauthtoken {}", c.sim.access_token())),
    ] {
        let mut req = c.http.get(&url);
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401, "{auth:?}");
        assert!(r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer"));
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], "unauthorized");
    }
    // The control token opens nothing on the Zoho side.
    let r = c
        .http
        .get(format!(
            "{}/crm/v8/settings/data_sharing",
            c.sim.api_domain()
        ))
        .header(
            "Authorization",
            format!("Zoho-oauthtoken {}", c.sim.control_token()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (status, index) = c.control(Method::GET, "", None).await;
    assert_eq!(status, 200);
    assert!(index["endpoints"].as_array().unwrap().len() >= 15);
    assert_eq!(index["api_base"], c.sim.base_url());
}

/// One 429 with `Retry-After` for the next call of one operation; other operations are not
/// touched, and the call after it succeeds.
#[tokio::test]
async fn too_many_requests_for_the_next_matching_call() {
    let c = Ctl::start().await;
    let rule = c
        .add_fault(json!({
            "match": { "operation": "getOrgPermissions" },
            "times": 1,
            "fault": { "type": "too_many_requests", "retry_after": 2 }
        }))
        .await;
    assert_eq!(rule["remaining"], 1);
    assert_eq!(
        rule["fault"],
        json!({ "type": "too_many_requests", "retry_after": 2 })
    );

    let other = c
        .api(
            Method::GET,
            "/settings/data_sharing/rules?module=Leads",
            None,
        )
        .await;
    assert_eq!(other.status(), 204, "another operation is not faulted");
    let throttled = c.api(Method::GET, "/settings/data_sharing", None).await;
    assert_eq!(throttled.status(), 429);
    assert_eq!(throttled.headers()["retry-after"], "2");
    let body: Value = throttled.json().await.unwrap();
    assert_eq!(body["code"], "TOO_MANY_REQUESTS");
    assert_eq!(
        c.api(Method::GET, "/settings/data_sharing", None)
            .await
            .status(),
        200
    );
    let (_, pending) = c.control(Method::GET, "/faults", None).await;
    assert_eq!(pending["faults"], json!([]));

    // Without Retry-After.
    c.add_fault(json!({ "fault": { "type": "too_many_requests" } }))
        .await;
    let throttled = c.api(Method::GET, "/settings/data_sharing", None).await;
    assert_eq!(throttled.status(), 429);
    assert!(throttled.headers().get("retry-after").is_none());
}

/// Match by method and path; `times` counts; rules are taken oldest first.
#[tokio::test]
async fn any_status_for_n_calls_by_method_and_path() {
    let c = Ctl::start().await;
    c.add_fault(json!({
        "match": { "method": "get", "path": "/crm/v8/settings/data_sharing/" },
        "times": 2,
        "fault": { "type": "status", "status": 503 }
    }))
    .await;
    let later = c
        .add_fault(
            json!({ "match": { "method": "GET" }, "fault": { "type": "status", "status": 418 } }),
        )
        .await;
    assert_eq!(
        c.api(
            Method::PUT,
            "/settings/data_sharing",
            Some(json!({"data_sharing": []}))
        )
        .await
        .status(),
        400
    );
    for _ in 0..2 {
        let r = c.api(Method::GET, "/settings/data_sharing", None).await;
        assert_eq!(r.status(), 503);
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "INTERNAL_ERROR");
    }
    assert_eq!(
        c.api(Method::GET, "/settings/data_sharing", None)
            .await
            .status(),
        418
    );
    assert_eq!(
        c.api(Method::GET, "/settings/data_sharing", None)
            .await
            .status(),
        200
    );

    // A rule can be removed before it is used.
    let rule = c.add_fault(json!({ "fault": { "type": "drop" } })).await;
    let id = rule["id"].as_str().unwrap();
    assert_ne!(id, later["id"].as_str().unwrap());
    let (status, _) = c
        .control(Method::DELETE, &format!("/faults/{id}"), None)
        .await;
    assert_eq!(status, 200);
    let (status, body) = c
        .control(Method::DELETE, &format!("/faults/{id}"), None)
        .await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
    assert_eq!(
        c.api(Method::GET, "/settings/data_sharing", None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn delay_drop_and_truncate() {
    let c = Ctl::start().await;
    c.add_fault(json!({ "fault": { "type": "delay", "millis": 300 } }))
        .await;
    let t = Instant::now();
    assert_eq!(
        c.api(Method::GET, "/settings/data_sharing", None)
            .await
            .status(),
        200
    );
    // A lower bound only: the delay is at least what was asked.
    assert!(t.elapsed() >= Duration::from_millis(300));

    c.add_fault(json!({ "fault": { "type": "drop" } })).await;
    let dropped = c
        .http
        .get(format!(
            "{}/crm/v8/settings/data_sharing",
            c.sim.api_domain()
        ))
        .header(
            "Authorization",
            format!("Zoho-oauthtoken {}", c.sim.access_token()),
        )
        .send()
        .await;
    assert!(dropped.is_err(), "{dropped:?}");

    c.add_fault(json!({ "fault": { "type": "truncate", "keep_bytes": 10 } }))
        .await;
    let r = c.api(Method::GET, "/settings/data_sharing", None).await;
    assert_eq!(r.status(), 200);
    let announced: usize = r.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(announced > 10);
    assert!(r.bytes().await.is_err(), "the body is cut short");

    // A 204 has no body to cut: it comes unchanged.
    c.add_fault(json!({ "fault": { "type": "truncate" } }))
        .await;
    let r = c
        .api(
            Method::GET,
            "/settings/data_sharing/rules?module=Leads",
            None,
        )
        .await;
    assert_eq!(r.status(), 204);

    let (_, log) = c.control(Method::GET, "/requests", None).await;
    let faults: Vec<&Value> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["fault"])
        .collect();
    assert_eq!(faults[0]["type"], "delay");
    assert_eq!(faults[1]["type"], "drop");
    assert_eq!(log["requests"][1]["response"]["status"], 0);
    assert_eq!(faults[2]["type"], "truncate");
}

/// Faults for the accounts endpoint are named by the `token` operation; a rule without path or
/// operation never hits a token request.
#[tokio::test]
async fn token_endpoint_faults() {
    let c = Ctl::start().await;
    c.add_fault(json!({ "fault": { "type": "status", "status": 500 } }))
        .await;
    c.add_fault(
        json!({ "match": { "operation": "token" }, "fault": { "type": "status", "status": 503 } }),
    )
    .await;
    let creds = c.sim.credentials();
    use secrecy::ExposeSecret;
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", creds.client_id.as_str()),
        ("client_secret", creds.client_secret.expose_secret()),
        ("refresh_token", creds.refresh_token.expose_secret()),
    ];
    let body = url_form(&form);
    let post = || {
        c.http
            .post(c.sim.token_url())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
    };
    assert_eq!(post().await.unwrap().status(), 503);
    let ok: Value = post().await.unwrap().json().await.unwrap();
    assert!(ok["access_token"].is_string());
    assert_eq!(
        c.api(Method::GET, "/settings/data_sharing", None)
            .await
            .status(),
        500
    );

    // The log shows the token request with its secrets redacted.
    let (_, log) = c
        .control(Method::GET, "/requests?since=0&limit=1", None)
        .await;
    let first = &log["requests"][0];
    assert_eq!(first["operation"], "token");
    assert_eq!(first["target"], "accounts");
    assert_eq!(first["response"]["status"], 503);
    let text = first["body_text"].as_str().unwrap();
    assert!(text.contains("client_secret=[redacted]"), "{text}");
    assert!(
        !text.contains(creds.refresh_token.expose_secret()),
        "{text}"
    );
    assert_eq!(log["last_seq"], 1);
}

fn url_form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// What was received: method, path, query, operation, headers without credentials, body.
#[tokio::test]
async fn the_request_log() {
    let c = Ctl::start().await;
    let rule = json!({ "sharing_rules": [{ "name": "Everyone reads leads", "superiors_allowed": false,
        "type": "Criteria_Based", "permission_type": "read",
        "criteria": { "comparator": "equal", "field": { "api_name": "Lead_Status" }, "value": "Contacted" },
        "shared_to": { "type": "all_users", "subordinates": false } }] });
    let r = c
        .api(
            Method::POST,
            "/settings/data_sharing/rules?module=Leads",
            Some(rule.clone()),
        )
        .await;
    assert_eq!(r.status(), 201);
    // Unauthenticated: logged, body not read.
    let r = c
        .http
        .put(format!(
            "{}/crm/v8/settings/data_sharing",
            c.sim.api_domain()
        ))
        .json(&json!({ "data_sharing": [] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let (status, log) = c.control(Method::GET, "/requests", None).await;
    assert_eq!(status, 200);
    let reqs = log["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 2);
    let created = &reqs[0];
    assert_eq!(created["method"], "POST");
    assert_eq!(created["path"], "/crm/v8/settings/data_sharing/rules");
    assert_eq!(created["query"], json!({ "module": "Leads" }));
    assert_eq!(created["operation"], "createSharingRule");
    assert_eq!(created["body"], rule);
    assert_eq!(created["response"]["status"], 201);
    assert_eq!(
        created["headers"]["authorization"],
        "Zoho-oauthtoken [redacted]"
    );
    assert!(created.get("fault").is_none(), "no fault applied");
    let refused = &reqs[1];
    assert_eq!(refused["response"]["status"], 401);
    assert_eq!(refused["body_read"], false);

    let seq = log["last_seq"].as_u64().unwrap();
    let (_, newer) = c
        .control(Method::GET, &format!("/requests?since={seq}"), None)
        .await;
    assert_eq!(newer["requests"], json!([]));
    let (status, cleared) = c.control(Method::DELETE, "/requests", None).await;
    assert_eq!((status, cleared["removed"].as_u64()), (200, Some(2)));
    assert_eq!(c.sim.stats().received_kept, 0);
}

/// Seeding, switches, tokens, state and reset.
#[tokio::test]
async fn seed_switch_issue_and_reset() {
    let c = Ctl::start().await;
    let (status, seeded) = c
        .control(
            Method::POST,
            "/seed/sharing-rules",
            Some(json!({ "module": "Contacts", "count": 3 })),
        )
        .await;
    assert_eq!(status, 201, "{seeded}");
    assert_eq!(seeded["ids"].as_array().unwrap().len(), 3);
    assert_eq!(c.sim.state().sharing_rule_count("Contacts"), 3);
    let (status, locked) = c
        .control(
            Method::POST,
            "/seed/system-locking",
            Some(json!({ "module": "Deals" })),
        )
        .await;
    assert_eq!(status, 201, "{locked}");
    let (_, state) = c.control(Method::GET, "/state", None).await;
    assert_eq!(
        state["sharing_rules"]["Contacts"].as_array().unwrap().len(),
        3
    );
    assert_eq!(state["record_locking"]["Deals"]["id"], locked["id"]);
    let (_, dir) = c.control(Method::GET, "/directory", None).await;
    let leads = dir["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["api_name"] == "Leads")
        .unwrap();
    assert_eq!(leads["id"].as_str(), c.sim.module_id("Leads").as_deref());

    let (status, settings) = c
        .control(
            Method::PUT,
            "/settings",
            Some(json!({ "no_permission": true })),
        )
        .await;
    assert_eq!((status, &settings["no_permission"]), (200, &json!(true)));
    let r = c.api(Method::GET, "/settings/data_sharing", None).await;
    assert_eq!(r.status(), 403);
    c.control(
        Method::PUT,
        "/settings",
        Some(json!({ "no_permission": false, "rule_computation_running": ["Leads"] })),
    )
    .await;
    assert!(c.sim.state().rule_computation_running.contains("Leads"));

    let (status, issued) = c
        .control(
            Method::POST,
            "/tokens",
            Some(json!({ "scopes": ["ZohoCRM.settings.data_sharing.READ"] })),
        )
        .await;
    assert_eq!(status, 201);
    let scoped = issued["access_token"].as_str().unwrap();
    let r = c
        .http
        .get(format!(
            "{}/crm/v8/settings/record_locking_configurations?module=Deals",
            c.sim.api_domain()
        ))
        .header("Authorization", format!("Zoho-oauthtoken {scoped}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "OAUTH_SCOPE_MISMATCH"
    );
    let (status, _) = c.control(Method::POST, "/tokens/expire", None).await;
    assert_eq!(status, 200);
    let r = c.api(Method::GET, "/settings/data_sharing", None).await;
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "INVALID_TOKEN");

    c.add_fault(json!({ "fault": { "type": "drop" } })).await;
    let (status, _) = c.control(Method::POST, "/reset", None).await;
    assert_eq!(status, 200);
    // The same org again: the initial token works, rules and faults are gone.
    assert_eq!(
        c.api(Method::GET, "/settings/data_sharing", None)
            .await
            .status(),
        200
    );
    let state = c.sim.state();
    assert_eq!(state.sharing_rule_count("Contacts"), 0);
    assert!(state.record_locking.is_empty());
    assert_eq!(c.sim.stats().faults_pending, 0);
    let (_, stats) = c.control(Method::GET, "/stats", None).await;
    assert_eq!(stats["connections"]["max"], 512);
    assert_eq!(stats["faults_pending"], 0);
}

/// Mistakes get a 400 naming what was wrong, never a different fault than asked for.
#[tokio::test]
async fn mistakes_are_named() {
    let c = Ctl::start().await;
    let cases = [
        (
            json!({ "fault": { "type": "too_many_requests", "retry_afer": 2 } }),
            "retry_afer",
        ),
        (json!({ "fault": { "type": "teapot" } }), "teapot"),
        (
            json!({ "fault": { "type": "status", "status": 700 } }),
            "700",
        ),
        (
            json!({ "match": { "operation": "getEverything" }, "fault": { "type": "drop" } }),
            "getEverything",
        ),
        (
            json!({ "match": { "path": "crm/v8" }, "fault": { "type": "drop" } }),
            "path",
        ),
        (json!({ "times": 0, "fault": { "type": "drop" } }), "times"),
        (
            json!({ "fault": { "type": "delay", "millis": 3_600_000 } }),
            "millis",
        ),
        (
            json!({ "match": { "module": "Leads" }, "fault": { "type": "drop" } }),
            "module",
        ),
    ];
    for (body, named) in cases {
        let (status, answer) = c.control(Method::POST, "/faults", Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"], "invalid_request");
        assert!(
            answer["message"].as_str().unwrap().contains(named),
            "{body}: {answer}"
        );
    }
    let (status, _) = c.control(Method::GET, "/requests?limit=0", None).await;
    assert_eq!(status, 400);
    let (status, _) = c
        .control(Method::GET, "/requests?since=9223372036854775808", None)
        .await;
    assert_eq!(status, 400, "past the int64 the spec promises");
    let (status, answer) = c.control(Method::PUT, "/settings", None).await;
    assert_eq!(status, 400);
    assert!(
        answer["message"].as_str().unwrap().contains("required"),
        "{answer}"
    );
    let (status, _) = c
        .control(
            Method::PUT,
            "/settings",
            Some(json!({ "rule_computation_running": null })),
        )
        .await;
    assert_eq!(status, 400);
    let (status, answer) = c.control(Method::GET, "/nothing", None).await;
    assert_eq!((status, answer["error"].as_str()), (404, Some("not_found")));
    let r = c
        .http
        .patch(format!("{}/faults", c.sim.control_url()))
        .bearer_auth(c.sim.control_token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, POST, DELETE");
    let (status, _) = c
        .control(
            Method::POST,
            "/seed/sharing-rules",
            Some(json!({ "module": "Nope" })),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(c.sim.stats().faults_pending, 0);
}

/// `spec/simulator-control.yaml` stays in step with the API spec and the server: its
/// `operation` enum is the API spec's operationIds plus `token`, and its paths are the ones
/// `GET /__simulator` lists.
#[tokio::test]
async fn the_control_spec_matches_the_api_spec_and_the_index() {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |p: &str| -> Value {
        serde_norway::from_str(&std::fs::read_to_string(format!("{root}/{p}")).unwrap()).unwrap()
    };
    let api = read("../spec/zoho-crm-access.yaml");
    let control = read("spec/simulator-control.yaml");
    let mut ids: Vec<String> = api["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str().map(str::to_owned))
        .collect();
    ids.push("token".into());
    ids.sort();
    let mut listed: Vec<String> = control["components"]["schemas"]["Match"]["properties"]
        ["operation"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    assert_eq!(listed, ids);

    let c = Ctl::start().await;
    let (_, index) = c.control(Method::GET, "", None).await;
    let mut served: Vec<String> = index["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let path = e["path"]
                .as_str()
                .unwrap()
                .trim_start_matches("/__simulator");
            format!(
                "{} {}",
                e["method"].as_str().unwrap(),
                if path.is_empty() { "/" } else { path }
            )
        })
        .collect();
    served.sort();
    let mut specified: Vec<String> = control["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_ascii_uppercase()))
        })
        .collect();
    specified.sort();
    assert_eq!(served, specified);
}
