//! Every operation of the spec reaches the simulator and is answered by it, and every one checks
//! its scopes, over real HTTP on loopback. The operations come from the library's table
//! (`zoho_crm_access::operations::Operation::ALL`, generated from the spec), so an operation
//! added to the spec without a simulator handler, or without a scope the simulator honours,
//! fails here without any list in this file being edited.

mod simulator_support;

use serde_json::Value;
use serde_norway::Value as Yaml;
use simulator_support::Api;
use zoho_crm_access::operations::Operation;

/// A scope no operation of the spec lists (checked below).
const UNRELATED_SCOPE: &str = "ZohoCRM.bulk.READ";
/// A well-formed Zoho id that names nothing in the simulated org.
const WELL_FORMED_ID: &str = "1234567000000000001";
/// The module used for `{module...}` path parameters and the `module` query parameter.
const MODULE: &str = "Leads";

/// The API spec.
fn spec() -> Yaml {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/zoho-crm-access.yaml");
    serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A parameter object, following a `$ref` to `#/components/parameters/...`.
fn resolve<'a>(spec: &'a Yaml, p: &'a Yaml) -> &'a Yaml {
    match p.get("$ref").and_then(Yaml::as_str) {
        Some(r) => {
            let name = r
                .strip_prefix("#/components/parameters/")
                .unwrap_or_else(|| panic!("unexpected $ref {r}"));
            &spec["components"]["parameters"][name]
        }
        None => p,
    }
}

/// The names of the query parameters the spec requires for `op` (path-level and operation-level
/// parameters).
fn required_query(spec: &Yaml, op: Operation) -> Vec<String> {
    let item = &spec["paths"][op.path()];
    let operation = &item[op.method().as_str().to_ascii_lowercase().as_str()];
    assert_eq!(
        operation["operationId"].as_str(),
        Some(op.id()),
        "the table and the spec disagree on {op}"
    );
    let mut names = Vec::new();
    for list in [&item["parameters"], &operation["parameters"]] {
        for p in list.as_sequence().into_iter().flatten() {
            let p = resolve(spec, p);
            if p["in"].as_str() == Some("query") && p["required"].as_bool() == Some(true) {
                names.push(p["name"].as_str().unwrap().to_owned());
            }
        }
    }
    names
}

/// A value for a parameter: the module for a module's name, otherwise a well-formed id.
fn value_for(name: &str) -> &'static str {
    if name.to_ascii_lowercase().contains("module") {
        MODULE
    } else {
        WELL_FORMED_ID
    }
}

/// `op`'s path (below `/crm/v8/`, without the leading slash) with every `{param}` filled, and
/// the query the spec requires.
fn request_of(spec: &Yaml, op: Operation) -> String {
    let path = op
        .path()
        .trim_start_matches('/')
        .split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => value_for(param),
                None => s,
            },
        )
        .collect::<Vec<_>>()
        .join("/");
    let query: Vec<String> = required_query(spec, op)
        .iter()
        .map(|name| format!("{name}={}", value_for(name)))
        .collect();
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// The operation the simulator's request log names for the last request it received.
async fn last_logged(api: &Api) -> Value {
    let log: Value = api
        .http
        .get(format!("{}/requests", api.sim.control_url()))
        .bearer_auth(api.sim.control_token())
        .send()
        .await
        .expect("loopback")
        .json()
        .await
        .expect("JSON log");
    log["requests"]
        .as_array()
        .and_then(|r| r.last())
        .cloned()
        .expect("a logged request")
}

/// What one request got: the answer's status and flat error code, its body, and the request
/// log's entry for it.
struct Outcome {
    status: u16,
    code: String,
    bytes: Vec<u8>,
    logged: Value,
}

impl Outcome {
    /// The operation the request log names for the request.
    fn logged_as(&self) -> Option<&str> {
        self.logged["operation"].as_str()
    }
}

/// Sends `op`'s request with `token` (and `{}` as the body of a POST or PUT).
async fn send(api: &Api, spec: &Yaml, op: Operation, token: &str) -> Outcome {
    let target = request_of(spec, op);
    let method = op.method();
    let mut request = api
        .http
        .request(
            method.clone(),
            format!("{}/crm/v8/{target}", api.sim.api_domain()),
        )
        .header("Authorization", format!("Zoho-oauthtoken {token}"));
    if method == reqwest::Method::POST || method == reqwest::Method::PUT {
        request = request
            .header("Content-Type", "application/json")
            .body("{}");
    }
    let response = request.send().await.expect("loopback call");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body").to_vec();
    let code = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|b| b["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let logged = last_logged(api).await;
    assert_eq!(
        logged["path"].as_str(),
        Some(format!("/crm/v8/{}", target.split('?').next().unwrap()).as_str()),
        "{op}: the log's last entry is another request"
    );
    Outcome {
        status,
        code,
        bytes,
        logged,
    }
}

#[tokio::test]
async fn every_operation_is_routed_and_answered_by_the_simulator() {
    let spec = spec();
    let api = Api::start().await;
    let mut failures = Vec::new();
    for op in Operation::ALL.iter().copied() {
        let got = send(&api, &spec, op, &api.token).await;
        if got.logged_as() != Some(op.id()) {
            failures.push(format!(
                "{op} ({} {}): logged as {}",
                op.method(),
                op.path(),
                got.logged["operation"]
            ));
        } else if got.status == 501
            || matches!(
                got.code.as_str(),
                "NOT_IMPLEMENTED" | "INVALID_URL_PATTERN" | "INVALID_REQUEST_METHOD"
            )
        {
            failures.push(format!("{op}: {} {}", got.status, got.code));
        } else if got.status == 401 {
            failures.push(format!(
                "{op}: refused a token with every scope ({})",
                got.code
            ));
        } else {
            // Whatever the handler answered is an answer the spec documents for it.
            simulator_support::check_conforms(op.id(), got.status, &got.bytes);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn every_operation_checks_its_scopes() {
    let spec = spec();
    let api = Api::start().await;
    assert!(
        Operation::ALL.iter().all(|op| op
            .scopes()
            .iter()
            .all(|set| !set.contains(&UNRELATED_SCOPE))),
        "{UNRELATED_SCOPE} is a scope of the spec: pick another unrelated scope"
    );
    let unrelated = api.sim.issue_access_token(&[UNRELATED_SCOPE]);
    let mut failures = Vec::new();
    for op in Operation::ALL.iter().copied() {
        assert!(!op.scopes().is_empty(), "{op} has no scope");
        let refused = send(&api, &spec, op, &unrelated).await;
        if (refused.status, refused.code.as_str()) != (401, "OAUTH_SCOPE_MISMATCH")
            || refused.logged_as() != Some(op.id())
        {
            failures.push(format!(
                "{op} with {UNRELATED_SCOPE}: {} {} (logged as {})",
                refused.status, refused.code, refused.logged["operation"]
            ));
        }
        // Each set of scopes the spec lists for the operation (one security requirement) is
        // enough on its own, the narrowest first, in any case (Zoho compares scopes
        // case-insensitively); a set of two needs both.
        let lower: Vec<String> = op.scopes()[0]
            .iter()
            .map(|s| s.to_ascii_lowercase())
            .collect();
        let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
        for set in op.scopes().iter().copied().chain([lower.as_slice()]) {
            let token = api.sim.issue_access_token(set);
            let got = send(&api, &spec, op, &token).await;
            if got.status == 401 {
                failures.push(format!("{op} with only {set:?}: 401 {}", got.code));
            }
            if set.len() > 1 {
                for one in set {
                    let token = api.sim.issue_access_token(&[one]);
                    let got = send(&api, &spec, op, &token).await;
                    if (got.status, got.code.as_str()) != (401, "OAUTH_SCOPE_MISMATCH") {
                        failures.push(format!(
                            "{op} with {one} alone (of {set:?}): {} {}",
                            got.status, got.code
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
