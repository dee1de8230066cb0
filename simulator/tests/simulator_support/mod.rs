//! Shared helpers for the simulator tests: real HTTP calls on loopback, and a check that every
//! captured body decodes into the generated type the spec names for it.
#![allow(dead_code)]

use serde_json::Value;
use zoho_crm_access_simulator::Simulator;

/// A simulator plus a plain HTTP client carrying a valid token.
pub struct Api {
    pub sim: Simulator,
    pub http: reqwest::Client,
    pub token: String,
}

/// With `SIMULATOR_RECORDINGS_DIR` set, every exchange of the test is written there as a
/// recording (one file each), so `cargo xtask check-spec --strict --recordings <dir>` can check
/// the whole session, errors included, against the spec.
impl Drop for Api {
    fn drop(&mut self) {
        let Some(dir) = std::env::var_os("SIMULATOR_RECORDINGS_DIR") else {
            return;
        };
        let dir = std::path::PathBuf::from(dir);
        if std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        let session = format!("{}-{}", std::process::id(), self.sim.local_addr().port());
        for (i, r) in self.sim.recordings().iter().enumerate() {
            let op = r["operation_id"].as_str().unwrap_or("unknown");
            let status = &r["response"]["status"];
            let name = format!("{session}_{i:03}_{op}__{status}.json");
            let _ = std::fs::write(
                dir.join(name),
                serde_json::to_vec_pretty(r).unwrap_or_default(),
            );
        }
    }
}

/// One answer: status and parsed body (None for an empty body).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    /// `code` of a flat error body.
    pub fn flat_code(&self) -> &str {
        self.body
            .as_ref()
            .and_then(|b| b["code"].as_str())
            .unwrap_or("<none>")
    }

    /// `code` of the first item under `key` (wrapped errors and action results).
    pub fn item_code(&self, key: &str) -> &str {
        self.body
            .as_ref()
            .and_then(|b| b[key][0]["code"].as_str())
            .unwrap_or("<none>")
    }

    /// `details` of the first item under `key`.
    pub fn item_details(&self, key: &str) -> Value {
        self.body
            .as_ref()
            .map_or(Value::Null, |b| b[key][0]["details"].clone())
    }

    pub fn json(&self) -> &Value {
        self.body.as_ref().expect("a body")
    }
}

impl Api {
    pub async fn start() -> Self {
        let sim = Simulator::start().await.expect("simulator starts");
        let token = sim.access_token();
        Self {
            sim,
            http: reqwest::Client::new(),
            token,
        }
    }

    /// Calls `method path_and_query` (below `/crm/v8/`) as operation `op`, with `body` as JSON.
    pub async fn call(&self, op: &str, method: &str, path: &str, body: Option<Value>) -> Answer {
        let raw = body.map(|b| serde_json::to_vec(&b).unwrap());
        self.call_raw(op, method, path, raw, Some(&self.token))
            .await
    }

    /// Like [`call`], with raw body bytes and an optional token.
    pub async fn call_raw(
        &self,
        op: &str,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
        token: Option<&str>,
    ) -> Answer {
        let url = format!("{}/crm/v8/{}", self.sim.api_domain(), path);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(method, url);
        if let Some(t) = token {
            req = req.header("Authorization", format!("Zoho-oauthtoken {t}"));
        }
        if let Some(b) = body {
            req = req.header("Content-Type", "application/json").body(b);
        }
        let resp = req.send().await.expect("loopback call");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body");
        check_conforms(op, status, &bytes);
        let body = if bytes.is_empty() {
            None
        } else {
            Some(serde_json::from_slice(&bytes).expect("JSON body"))
        };
        Answer {
            status,
            body,
            headers,
        }
    }
}

/// Asserts the body of `op`'s `status` answer decodes into the spec's type (or is empty for a 204
/// of an operation that documents one).
pub fn check_conforms(op: &str, status: u16, bytes: &[u8]) {
    if status == 204 {
        assert!(bytes.is_empty(), "{op}: 204 with a body");
        assert!(
            zoho_crm_access::wire::NO_CONTENT_OPERATIONS.contains(&op),
            "{op}: 204 is not documented for it"
        );
        return;
    }
    match zoho_crm_access::wire::decode_response(op, status, bytes) {
        Some(Ok(_)) => {}
        Some(Err(e)) => panic!(
            "{op} {status}: {e}\nbody: {}",
            String::from_utf8_lossy(bytes)
        ),
        None => panic!("{op}: the spec names no body for status {status}"),
    }
}

/// The Closed Won configuration of seed S000 (Deals locked automatically, Description editable).
pub fn closed_won_config() -> Value {
    serde_json::json!({
        "record_locking_configurations": [{
            "locked_for": "all_profiles",
            "excluded_fields": [{ "api_name": "Description" }],
            "feature_type": "record_locking",
            "locking_rules": [{
                "name": "Closed Won",
                "lock_existing_records": true,
                "criteria": { "comparator": "equal", "field": { "api_name": "Stage" }, "value": "Closed Won" }
            }],
            "restricted_actions": ["update"],
            "lock_for_portal_users": true,
            "restricted_communications": null,
            "system_defined": false,
            "lock_type": "automatic",
            "restricted_custom_buttons": null,
            "lock_excluded_profiles": null
        }]
    })
}
