//! Runs the built `xtask record` against a local axum server standing in for Zoho, then checks
//! the files it wrote: one per exchange, no secrets, placeholders for personal data, and
//! `check-spec` accepts them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

const TOKEN: &str = "1000.accesstokenvalue.abcdef123456";
const CLIENT_ID: &str = "1000.CLIENTIDXYZ";
const CLIENT_SECRET: &str = "clientsecretvalue987";
const REFRESH: &str = "1000.refreshtokenvalue.fedcba";
const CFG: &str = "9990000000000001";
const RID: &str = "9990000000000002";
/// The Deals record the session locks, and its lock.
const REC: &str = "9990000000000003";
const LOCK: &str = "9990000000000004";

#[derive(Default)]
struct Zoho {
    api_domain: String,
    rlc_exists: bool,
    /// Whether record [`REC`] holds lock [`LOCK`].
    locked: bool,
    /// `METHOD path?query authorization-ok`
    log: Vec<String>,
}

type Shared = Arc<Mutex<Zoho>>;

fn ok(key: &str, details: Value, message: &str) -> Value {
    json!({key: [{"code": "SUCCESS", "details": details, "message": message, "status": "success"}]})
}

fn person() -> Value {
    json!({"name": "Jane Realname", "id": "9990000000000100", "email": "jane.realname@corp.example"})
}

fn config() -> Value {
    json!({"record_locking_configurations": [{
        "id": CFG, "lock_type": "automatic", "locked_for": "all_profiles",
        "restricted_actions": ["update"], "restricted_communications": null,
        "created_by": person(),
        "modified_by": {"name": "John Other", "id": "9990000000000101"},
        "locking_rules": [{"id": "9990000000000003", "name": "xtask record",
            "criteria": {"comparator": "equal", "field": {"api_name": "Stage"}, "value": "Closed Won"}}]
    }]})
}

fn rule() -> Value {
    json!({"id": RID, "name": "xtask record 1", "type": "Criteria_Based", "permission_type": "read",
        "superiors_allowed": false, "shared_to": {"type": "all_users", "subordinates": false},
        "shared_from": null, "status": "active",
        "module": {"api_name": "Leads", "id": "9990000000000200"}})
}

const ROLE: &str = "9990000000000300";
const GROUP: &str = "9990000000000301";
const PROFILE: &str = "9990000000000302";
const FIELD: &str = "9990000000000303";
const USER: &str = "9990000000000100";

fn role() -> Value {
    json!({"id": ROLE, "name": "Sales Manager", "display_label": "Sales Manager",
        "reporting_to": {"id": "9990000000000304", "name": "CEO"},
        "forecast_manager": {"id": "9990000000000101", "name": "John Other"},
        "created_by__s": person(), "share_with_peers": true})
}

fn group() -> Value {
    json!({"id": GROUP, "name": "Field Sales", "description": null, "created_by": person(),
        "modified_by": null, "created_time": "2024-01-01T10:00:00+05:30", "modified_time": null,
        "sources_count": {"users": 1, "roles": 1}})
}

fn profile() -> Value {
    json!({"id": PROFILE, "name": "Administrator", "display_label": "Administrator",
        "custom": false, "type": "normal_profile", "created_by": null, "modified_by": person()})
}

fn module() -> Value {
    json!({"id": "9990000000000200", "api_name": "Leads", "module_name": "Leads",
        "plural_label": "Leads", "generated_type": "default", "status": "visible",
        "modified_by": person(), "profiles": [{"id": PROFILE, "name": "Administrator"}]})
}

fn field() -> Value {
    json!({"id": FIELD, "api_name": "City", "field_label": "City", "data_type": "text",
        "profiles": [{"id": PROFILE, "name": "Administrator", "permission_type": "read_write"}]})
}

fn user() -> Value {
    json!({"id": USER, "full_name": "Jane Realname", "first_name": "Jane", "last_name": "Realname",
        "email": "jane.realname@corp.example", "phone": "+1 555 0100", "status": "active",
        "role": {"id": ROLE, "name": "Sales Manager"}, "profile": {"id": PROFILE, "name": "Administrator"},
        "Reporting_To": {"id": "9990000000000101", "name": "John Other"}, "confirm": true})
}

async fn handle(
    State(state): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or("").to_owned();
    let mut z = state.lock().unwrap();
    if path == "/oauth/v2/token" {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let good = get("grant_type") == Some("refresh_token")
            && get("client_id") == Some(CLIENT_ID)
            && get("client_secret") == Some(CLIENT_SECRET)
            && get("refresh_token") == Some(REFRESH);
        z.log.push(format!("TOKEN {good}"));
        if !good {
            return (StatusCode::OK, Json(json!({"error": "invalid_client"}))).into_response();
        }
        let domain = z.api_domain.clone();
        return Json(json!({"access_token": TOKEN, "api_domain": domain, "token_type": "Bearer", "expires_in": 3600}))
            .into_response();
    }
    let authorized = headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some(&format!("Zoho-oauthtoken {TOKEN}"));
    z.log.push(format!("{method} {path}?{query} {authorized}"));
    if !authorized {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"})),
        )
            .into_response();
    }
    let Some(rest) = path.strip_prefix("/crm/v8") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    const RLC: &str = "/settings/record_locking_configurations";
    let rlc_id = format!("{RLC}/{CFG}");
    let sr = "/settings/data_sharing/rules";
    let rule_path = format!("{sr}/{RID}");
    let activate = format!("{rule_path}/actions/activate");
    let answer = |status: u16, body: Value| {
        (StatusCode::from_u16(status).unwrap(), Json(body)).into_response()
    };
    let locks = format!("/Deals/{REC}/Locking_Information__s");
    let lock = format!("{locks}/{LOCK}");
    let lock_entry = || {
        json!({"id": LOCK, "Lock_Source__s": "Manual", "Locked_Reason__s": "xtask record",
            "Locked_By__s": person(), "Locked_Time__s": "2026-12-07T10:00:00+00:00",
            "Locked_For__s": {"module": {"api_name": "Deals", "id": "9990000000000010"}, "name": "Deal", "id": REC},
            "Record_Locking_Configuration_Id__s": CFG, "Record_Locking_Rule_Id__s": null})
    };
    match (method.as_str(), rest) {
        ("GET", p) if p == locks && !z.locked => StatusCode::NO_CONTENT.into_response(),
        ("GET", p) if p == locks || p == lock => answer(200, json!({"data": [lock_entry()]})),
        ("POST", p) if p == locks => {
            z.locked = true;
            answer(201, ok("data", json!({"id": LOCK}), "record added"))
        }
        ("PUT", p) if p == lock => answer(200, ok("data", json!({"id": LOCK}), "relation updated")),
        ("DELETE", p) if p == lock => {
            z.locked = false;
            answer(200, ok("data", json!({"id": LOCK}), "relation removed"))
        }
        ("GET", RLC) if !query.contains("module=") => answer(
            400,
            json!({"code": "REQUIRED_PARAM_MISSING", "details": {"param_name": "module"}, "message": "One of the expected parameter is missing", "status": "error"}),
        ),
        ("GET", RLC) if !z.rlc_exists => StatusCode::NO_CONTENT.into_response(),
        ("GET", RLC) => answer(200, config()),
        ("GET", p) if p == rlc_id => answer(200, config()),
        ("POST", RLC) => {
            z.rlc_exists = true;
            answer(
                201,
                ok(
                    "record_locking_configurations",
                    json!({"id": CFG}),
                    "record locking configuration created successfully",
                ),
            )
        }
        ("PUT", p) if p == RLC || p == rlc_id => answer(
            200,
            ok(
                "record_locking_configurations",
                json!({"id": CFG}),
                "record locking configuration updated successfully",
            ),
        ),
        ("DELETE", p) if p == RLC || p == rlc_id => {
            z.rlc_exists = false;
            answer(
                200,
                ok(
                    "record_locking_configurations",
                    json!({"id": CFG}),
                    "record locking configuration deleted",
                ),
            )
        }
        ("GET", "/settings/data_sharing/rules/actions/summary")
        | ("POST", "/settings/data_sharing/rules/actions/summary") => answer(
            200,
            json!({"sharing_rules_summary": [{"module": {"api_name": "Leads", "id": "9990000000000200"}, "rule_count": 1, "rule_computation_status": false}],
                   "debug": format!("served for Zoho-oauthtoken {TOKEN}")}),
        ),
        ("GET", p) if p == sr => answer(
            200,
            json!({"sharing_rules": [rule()], "info": {"page": 1, "per_page": 200, "count": 1, "more_records": false}}),
        ),
        ("POST", p) if p == sr => answer(
            201,
            ok(
                "sharing_rules",
                json!({"id": RID}),
                "sharing rule is created successfully",
            ),
        ),
        ("PUT", p) if p == sr || p == rule_path => answer(
            200,
            ok(
                "sharing_rules",
                json!({"id": RID}),
                "sharing rule is updated successfully",
            ),
        ),
        ("GET", p) if p == rule_path => {
            let mut r = rule();
            r["criteria"] = json!({"group_operator": "AND", "group": [
                {"comparator": "equal", "field": {"api_name": "City", "id": "1"}, "type": "value", "value": "Recorder Test City"}]});
            answer(200, json!({"sharing_rules": [r]}))
        }
        ("DELETE", p) if p == activate => answer(
            200,
            ok(
                "sharing_rules",
                json!({"id": RID}),
                "sharing rule is deactivated successfully",
            ),
        ),
        ("PUT", p) if p == activate => answer(
            200,
            ok(
                "sharing_rules",
                json!({"id": RID}),
                "sharing rule is activated successfully",
            ),
        ),
        ("POST", "/settings/data_sharing/rules/search") => answer(
            200,
            json!({"sharing_rules": [rule()], "info": {"page": 1, "per_page": 200, "count": 1, "more_records": false}}),
        ),
        ("POST", "/settings/data_sharing/rules/actions/run") => answer(
            200,
            json!({"sharing_rules": [{"code": "SCHEDULED", "details": {}, "message": "Rerun successfully scheduled", "status": "success"}]}),
        ),
        ("DELETE", p) if p == rule_path => answer(
            200,
            ok("sharing_rules", json!({"id": RID}), "Sharing Rule deleted"),
        ),
        ("GET", "/settings/data_sharing") => answer(
            200,
            json!({"data_sharing": [{"share_type": "public_read_only", "module": {"api_name": "Leads", "id": "9990000000000200"}, "public_in_portals": false}]}),
        ),
        ("PUT", "/settings/data_sharing") => answer(
            200,
            ok(
                "data_sharing",
                json!({"module": "Leads"}),
                "data sharing settings updated successfully",
            ),
        ),
        // The directory, with personal data where Zoho has it.
        ("GET", "/settings/roles") => answer(200, json!({"roles": [role()]})),
        ("GET", p) if p == format!("/settings/roles/{ROLE}") => {
            answer(200, json!({"roles": [role()]}))
        }
        ("GET", "/settings/user_groups") => {
            let page = if query.contains("page=2") { 2 } else { 1 };
            answer(
                200,
                json!({"user_groups": [group()], "info": {"page": page, "per_page": 1, "count": 1, "more_records": page == 1}}),
            )
        }
        ("GET", p) if p == format!("/settings/user_groups/{GROUP}") => {
            answer(200, json!({"user_groups": [group()]}))
        }
        ("GET", p) if p == format!("/settings/user_groups/{GROUP}/sources") => answer(
            200,
            json!({"sources": [
                {"source": {"name": "John Other", "id": "9990000000000101"}, "type": "users"},
                {"source": {"name": "Sales Manager", "id": ROLE}, "type": "roles", "subordinates": true}
            ], "info": {"page": 1, "per_page": 200, "count": 2, "more_records": false}}),
        ),
        ("GET", p) if p == format!("/settings/user_groups/{GROUP}/actions/sources_count") => {
            answer(
                200,
                json!({"sources_count": [{"users": {"active": 1, "inactive": 0, "deleted": 0}, "roles": 1, "territories": 0, "groups": 0}]}),
            )
        }
        ("GET", "/settings/profiles") => answer(
            200,
            json!({"profiles": [profile()], "info": {"page": 1, "per_page": 200, "count": 1, "more_records": false, "license_limit": 10}}),
        ),
        ("GET", p) if p == format!("/settings/profiles/{PROFILE}") => {
            answer(200, json!({"profiles": [profile()]}))
        }
        ("GET", "/settings/modules") => answer(200, json!({"modules": [module()]})),
        ("GET", "/settings/modules/Leads") => answer(200, json!({"modules": [module()]})),
        ("GET", "/settings/fields") => answer(200, json!({"fields": [field()]})),
        ("GET", p) if p == format!("/settings/fields/{FIELD}") => {
            answer(200, json!({"fields": [field()]}))
        }
        ("GET", "/users") => answer(
            200,
            json!({"users": [user()], "info": {"page": 1, "per_page": 200, "count": 1, "more_records": false}}),
        ),
        ("GET", p) if p == format!("/users/{USER}") => answer(200, json!({"users": [user()]})),
        ("GET", "/org") => answer(
            200,
            json!({"org": [{"id": "111", "company_name": "Org", "type": "Production",
                "hierarchy_preferences": {"type": "Role_Hierarchy", "strictly_reporting": false}}]}),
        ),
        _ => answer(
            404,
            json!({"code": "INVALID_URL_PATTERN", "details": {}, "message": "Please check if the URL trying to access is a correct one", "status": "error"}),
        ),
    }
}

async fn start() -> (String, Shared) {
    let state: Shared = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    state.lock().unwrap().api_domain = base.clone();
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(state.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (base, state)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-record-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn xtask(args: Vec<String>, env: Vec<(&'static str, &'static str)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
        cmd.args(&args);
        for var in [
            "ZOHO_ACCESS_TOKEN",
            "ZOHO_CLIENT_ID",
            "ZOHO_CLIENT_SECRET",
            "ZOHO_REFRESH_TOKEN",
        ] {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    })
    .await
    .unwrap()
}

fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_a_full_session_without_secrets_or_personal_data() {
    let (base, state) = start().await;
    let out = temp_dir("session");
    let output = xtask(
        vec![
            "record".into(),
            "--accounts-url".into(),
            base.clone(),
            "--record-id".into(),
            REC.into(),
            "--out".into(),
            out.to_string_lossy().into_owned(),
        ],
        vec![
            ("ZOHO_CLIENT_ID", CLIENT_ID),
            ("ZOHO_CLIENT_SECRET", CLIENT_SECRET),
            ("ZOHO_REFRESH_TOKEN", REFRESH),
        ],
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for secret in [TOKEN, CLIENT_ID, CLIENT_SECRET, REFRESH] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "secret printed"
        );
    }

    // The server saw the refresh, then every API call with the token.
    let log = state.lock().unwrap().log.clone();
    assert_eq!(log[0], "TOKEN true", "{log:?}");
    assert!(log[1..].iter().all(|l| l.ends_with(" true")), "{log:?}");

    let written = files(&out);
    assert_eq!(
        written.len(),
        47,
        "{:?}",
        written.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert_eq!(written.len(), log.len() - 1, "one file per exchange");
    for (name, text) in &written {
        for secret in [
            TOKEN,
            CLIENT_ID,
            CLIENT_SECRET,
            REFRESH,
            "Jane Realname",
            "John Other",
            "Realname",
            "jane.realname@corp.example",
            "+1 555 0100",
        ] {
            assert!(!text.contains(secret), "{name} contains {secret}:\n{text}");
        }
        assert!(
            !text.to_ascii_lowercase().contains("authorization"),
            "{name}"
        );
        let v: Value = serde_json::from_str(text).unwrap();
        assert!(v["source"]
            .as_str()
            .unwrap()
            .starts_with("capture: cargo xtask record"));
        assert!(v["request"]["path"]
            .as_str()
            .unwrap()
            .starts_with("/crm/v8/"));
    }
    // A role's parent is a role, not a person: its name stays.
    let roles = written
        .iter()
        .find(|(n, _)| n.contains("_getRoles__"))
        .unwrap();
    let roles: Value = serde_json::from_str(&roles.1).unwrap();
    assert_eq!(
        roles["response"]["body"]["roles"][0]["reporting_to"]["name"],
        "CEO"
    );
    // Stable placeholders: the same person gets the same placeholder in every file.
    let configs: Vec<Value> = written
        .iter()
        .map(|(_, t)| serde_json::from_str::<Value>(t).unwrap())
        .filter(|v| {
            v["response"]["status"] == 200
                && v["response"]["body"]["record_locking_configurations"][0]
                    .get("lock_type")
                    .is_some()
        })
        .collect();
    assert!(configs.len() >= 2);
    for c in &configs {
        let cfg = &c["response"]["body"]["record_locking_configurations"][0];
        assert_eq!(cfg["created_by"]["name"], "User 1");
        assert_eq!(cfg["created_by"]["email"], "user1@example.invalid");
        assert_eq!(cfg["modified_by"]["name"], "User 2");
        assert_eq!(cfg["created_by"]["id"], "9990000000000100");
    }
    let summary = written
        .iter()
        .find(|(n, _)| n.contains("getSharingRulesSummary"))
        .unwrap();
    assert!(
        summary.1.contains("Zoho-oauthtoken [redacted]"),
        "{}",
        summary.1
    );

    // What was recorded agrees with the spec and covers every operation.
    let check = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["check-spec", "--known", "/dev/null", "--recordings"])
        .arg(&out)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{report}");
    assert!(
        report.contains("Every operation has at least one recording."),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_is_recorded_and_reported() {
    let (base, _state) = start().await;
    let out = temp_dir("rejected");
    let output = xtask(
        vec![
            "record".into(),
            "--base-url".into(),
            format!("{base}/crm/v8"),
            "--out".into(),
            out.to_string_lossy().into_owned(),
        ],
        vec![("ZOHO_ACCESS_TOKEN", "1000.wrong.token")],
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!output.status.success(), "{stdout}");
    assert!(stdout.contains("steps skipped"), "{stdout}");
    let written = files(&out);
    assert!(!written.is_empty());
    for (name, text) in &written {
        assert!(!text.contains("1000.wrong.token"), "{name}");
        assert!(text.contains("\"status\": 401"), "{name}: {text}");
    }
    // The directory now holds a session: a second run refuses to mix, unless --force.
    let again = |force: bool| {
        let mut args = vec![
            "record".to_owned(),
            "--base-url".into(),
            base.clone(),
            "--out".into(),
            out.to_string_lossy().into_owned(),
        ];
        if force {
            args.push("--force".into());
        }
        xtask(args, vec![("ZOHO_ACCESS_TOKEN", "1000.wrong.token")])
    };
    let refused = again(false).await;
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("pass --force to replace them"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let replaced = again(true).await;
    assert!(String::from_utf8_lossy(&replaced.stdout).contains("steps skipped"));
    assert_eq!(files(&out).len(), written.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_are_a_clear_error() {
    let out = temp_dir("nocreds");
    let output = xtask(
        vec![
            "record".into(),
            "--base-url".into(),
            "http://127.0.0.1:9".into(),
            "--out".into(),
            out.to_string_lossy().into_owned(),
        ],
        vec![],
    )
    .await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no credentials: set ZOHO_ACCESS_TOKEN"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_against_the_embedded_simulator_passes_check_spec() {
    let out = temp_dir("simulator");
    let output = xtask(
        vec![
            "record".into(),
            "--simulator".into(),
            "--out".into(),
            out.to_string_lossy().into_owned(),
        ],
        vec![],
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(files(&out).len(), 47, "{stdout}");
    let check = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["check-spec", "--known", "/dev/null", "--recordings"])
        .arg(&out)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{report}");
    assert!(
        report.contains("Every operation has at least one recording."),
        "{report}"
    );
}
