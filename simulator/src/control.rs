//! The control surface: `/__simulator/...`, JSON over HTTP, for test suites in any language.
//!
//! It is kept apart from the Zoho paths (`/crm/v8/...`, `/oauth/v2/token`) and described by
//! `simulator/spec/simulator-control.yaml`. Every request needs `Authorization: Bearer <control token>`
//! (printed by `zoho-access simulator`, [`Simulator::control_token`] in Rust) and must come from
//! a loopback address. The token keeps out other local users and web pages (a browser cannot
//! add the header to a cross-site request without a CORS preflight, which is never answered).
//!
//! [`Simulator::control_token`]: super::Simulator::control_token

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use hyper::body::Incoming;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use zoho_crm_access::operations::Operation;

use super::connection::MAX_SMALL_BODY_BYTES;
use super::faults::{Fault, Matcher, MAX_RULES, TOKEN_OPERATION};
use super::received::MAX_ENTRIES;
use super::records::{self, NewRecord};
use super::server::{close_if, has_body, read_body, Shared, API_PREFIX, TOKEN_PATH};
use super::{record_locking, sharing_rules};

/// Where the control surface lives.
pub(crate) const CONTROL_PREFIX: &str = "/__simulator";

/// Longest injected delay accepted (five minutes).
const MAX_DELAY_MS: u64 = 300_000;
/// Largest `times` of one fault rule.
const MAX_TIMES: usize = 100_000;
/// Most sharing rules seeded by one request.
const MAX_SEED: usize = 500;
/// Largest body of `/__simulator/records...` (up to [`records::MAX_ADD`] records per call);
/// every other control body is at most [`MAX_SMALL_BODY_BYTES`].
const MAX_RECORDS_BODY_BYTES: usize = 1024 * 1024;

/// The endpoints, for `GET /__simulator` (kept in step with `simulator/spec/simulator-control.yaml`).
const ENDPOINTS: &[(&str, &str, &str)] = &[
    ("GET", "/__simulator", "this index"),
    (
        "GET",
        "/__simulator/stats",
        "open connections, live tokens, counters",
    ),
    ("GET", "/__simulator/faults", "pending fault rules"),
    (
        "POST",
        "/__simulator/faults",
        "add a fault for the next N matching requests",
    ),
    ("DELETE", "/__simulator/faults", "remove every fault rule"),
    (
        "DELETE",
        "/__simulator/faults/{id}",
        "remove one fault rule",
    ),
    (
        "GET",
        "/__simulator/requests",
        "requests received (?since=SEQ&limit=N)",
    ),
    (
        "DELETE",
        "/__simulator/requests",
        "forget received requests",
    ),
    (
        "POST",
        "/__simulator/reset",
        "back to the starting org; faults and log cleared",
    ),
    (
        "GET",
        "/__simulator/state",
        "configurations, rules and permissions now",
    ),
    (
        "GET",
        "/__simulator/directory",
        "modules, fields, roles, groups, profiles, users, buttons",
    ),
    (
        "POST",
        "/__simulator/directory",
        "add or change roles, profiles, users, groups, the hierarchy preference",
    ),
    (
        "GET",
        "/__simulator/settings",
        "org switches (permission, edition, computation)",
    ),
    ("PUT", "/__simulator/settings", "change org switches"),
    (
        "POST",
        "/__simulator/seed/sharing-rules",
        "add owner-based sharing rules",
    ),
    (
        "POST",
        "/__simulator/seed/system-locking",
        "add a system-defined locking configuration",
    ),
    (
        "GET",
        "/__simulator/records/{module}",
        "a module's records with field values and locks (?offset=N&limit=N)",
    ),
    (
        "POST",
        "/__simulator/records/{module}",
        "add records (1 to 1000); automatic locking rules lock those that match",
    ),
    (
        "GET",
        "/__simulator/records/{module}/{id}",
        "one record with its field values and lock",
    ),
    (
        "PATCH",
        "/__simulator/records/{module}/{id}",
        "change a record's field values, name or owner; automatic locks follow",
    ),
    (
        "POST",
        "/__simulator/tokens",
        "issue an access token (optionally with fewer scopes)",
    ),
    (
        "POST",
        "/__simulator/tokens/expire",
        "expire every access token",
    ),
    (
        "GET",
        "/__simulator/oauth",
        "the OAuth client: id, redirect URI, user's location, org type, refresh tokens",
    ),
    (
        "PUT",
        "/__simulator/oauth",
        "change the registered redirect URI, the user's location or the org type",
    ),
    (
        "POST",
        "/__simulator/oauth/grant-codes",
        "mint a Self Client grant code for some scopes, as the API console does",
    ),
    (
        "GET",
        "/__simulator/oauth/device",
        "the device flow: announced interval and expiry, authorizations with their polls",
    ),
    (
        "PUT",
        "/__simulator/oauth/device",
        "change the device flow's announced interval, expiry and slow_down gap",
    ),
    (
        "POST",
        "/__simulator/oauth/device/decisions",
        "approve or deny a user code as the person at the verification URL would",
    ),
];

/// An answer of the control surface.
struct Answer {
    status: StatusCode,
    body: Value,
    allow: Option<&'static str>,
}

impl Answer {
    fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body,
            allow: None,
        }
    }

    fn created(body: Value) -> Self {
        Self {
            status: StatusCode::CREATED,
            body,
            allow: None,
        }
    }

    fn error(status: StatusCode, error: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: json!({ "error": error, "message": message.into() }),
            allow: None,
        }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::error(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    fn method_not_allowed(allow: &'static str) -> Self {
        let mut a = Self::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("this control endpoint accepts {allow}"),
        );
        a.allow = Some(allow);
        a
    }

    fn into_response(self) -> Response<Body> {
        let mut builder = Response::builder().status(self.status).header(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(allow) = self.allow {
            builder = builder.header(header::ALLOW, allow);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            builder = builder.header(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"zoho-crm-access simulator control\""),
            );
        }
        builder
            .body(Body::from(
                serde_json::to_vec(&self.body).unwrap_or_default(),
            ))
            .unwrap_or_else(|_| Response::new(Body::empty()))
    }
}

/// Compares without stopping at the first differing byte.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A control request: loopback and token checked before its body is read.
pub(crate) async fn handle(
    shared: &Shared,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let announced = has_body(&body);
    if !peer.ip().is_loopback() {
        let a = Answer::error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the control surface answers loopback clients only",
        );
        return close_if(a.into_response(), announced);
    }
    let presented = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim);
    if !presented.is_some_and(|t| same_secret(t.as_bytes(), shared.control_token.as_bytes())) {
        let a = Answer::error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send Authorization: Bearer <control_token> (printed by `zoho-access simulator`)",
        );
        return close_if(a.into_response(), announced);
    }
    let limit = if parts
        .uri
        .path()
        .starts_with(&format!("{CONTROL_PREFIX}/records"))
    {
        MAX_RECORDS_BODY_BYTES
    } else {
        MAX_SMALL_BODY_BYTES
    };
    let body = match read_body(shared, body, limit).await {
        Ok(b) => b,
        Err(e) => {
            let reply = e.reply();
            let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_REQUEST);
            let a = Answer::error(
                status,
                "body_not_read",
                reply
                    .body
                    .as_ref()
                    .and_then(|b| b["message"].as_str())
                    .unwrap_or_default(),
            );
            return close_if(a.into_response(), true);
        }
    };
    let path = parts.uri.path().trim_end_matches('/');
    let rest = path.strip_prefix(CONTROL_PREFIX).unwrap_or_default();
    let query = parts.uri.query().unwrap_or_default();
    route(shared, parts.method.as_str(), rest, query, &body).into_response()
}

fn route(shared: &Shared, method: &str, rest: &str, query: &str, body: &Bytes) -> Answer {
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match (segs.as_slice(), method) {
        ([], "GET") => index(shared),
        ([], _) => Answer::method_not_allowed("GET"),
        (["stats"], "GET") => Answer::ok(stats_json(shared)),
        (["stats"], _) => Answer::method_not_allowed("GET"),
        (["faults"], "GET") => list_faults(shared),
        (["faults"], "POST") => add_fault(shared, body),
        (["faults"], "DELETE") => {
            let removed = shared.lock().faults.clear();
            Answer::ok(json!({ "removed": removed }))
        }
        (["faults"], _) => Answer::method_not_allowed("GET, POST, DELETE"),
        (["faults", id], "DELETE") => {
            let removed = id
                .parse::<u64>()
                .is_ok_and(|id| shared.lock().faults.remove(id));
            if removed {
                Answer::ok(json!({ "removed": 1 }))
            } else {
                Answer::error(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    format!("no pending fault rule has id {id:?}"),
                )
            }
        }
        (["faults", _], _) => Answer::method_not_allowed("DELETE"),
        (["requests"], "GET") => list_requests(shared, query),
        (["requests"], "DELETE") => {
            let removed = shared.lock().received.clear();
            Answer::ok(json!({ "removed": removed }))
        }
        (["requests"], _) => Answer::method_not_allowed("GET, DELETE"),
        (["reset"], "POST") => {
            let fresh = shared.config.fresh();
            *shared.lock() = fresh;
            Answer::ok(json!({ "reset": true }))
        }
        (["reset"], _) => Answer::method_not_allowed("POST"),
        (["state"], "GET") => Answer::ok(state_json(shared)),
        (["state"], _) => Answer::method_not_allowed("GET"),
        (["directory"], "GET") => Answer::ok(directory_json(shared)),
        (["directory"], "POST") => change_directory(shared, body),
        (["directory"], _) => Answer::method_not_allowed("GET, POST"),
        (["settings"], "GET") => Answer::ok(settings_json(shared)),
        (["settings"], "PUT") => put_settings(shared, body),
        (["settings"], _) => Answer::method_not_allowed("GET, PUT"),
        (["seed", "sharing-rules"], "POST") => seed_rules(shared, body),
        (["seed", "system-locking"], "POST") => seed_locking(shared, body),
        (["seed", _], "POST") => not_found(rest),
        (["seed", _], _) => Answer::method_not_allowed("POST"),
        (["records", module], "GET") => list_records(shared, module, query),
        (["records", module], "POST") => add_records(shared, module, body),
        (["records", _], _) => Answer::method_not_allowed("GET, POST"),
        (["records", module, id], "GET") => match records::one(&shared.lock().state, module, id) {
            Ok(r) => Answer::ok(r),
            Err(e) => Answer::error(StatusCode::NOT_FOUND, "not_found", e),
        },
        (["records", module, id], "PATCH") => change_record(shared, module, id, body),
        (["records", _, _], _) => Answer::method_not_allowed("GET, PATCH"),
        (["tokens"], "POST") => issue_token(shared, body),
        (["tokens"], _) => Answer::method_not_allowed("POST"),
        (["tokens", "expire"], "POST") => {
            shared.lock().auth.expire_all();
            Answer::ok(json!({ "expired": true }))
        }
        (["tokens", "expire"], _) => Answer::method_not_allowed("POST"),
        (["oauth"], "GET") => Answer::ok(oauth_json(shared)),
        (["oauth"], "PUT") => put_oauth(shared, body),
        (["oauth"], _) => Answer::method_not_allowed("GET, PUT"),
        (["oauth", "grant-codes"], "POST") => mint_grant_code(shared, body),
        (["oauth", "grant-codes"], _) => Answer::method_not_allowed("POST"),
        (["oauth", "device"], "GET") => Answer::ok(shared.lock().auth.devices.to_json()),
        (["oauth", "device"], "PUT") => put_device(shared, body),
        (["oauth", "device"], _) => Answer::method_not_allowed("GET, PUT"),
        (["oauth", "device", "decisions"], "POST") => decide_device(shared, body),
        (["oauth", "device", "decisions"], _) => Answer::method_not_allowed("POST"),
        _ => not_found(rest),
    }
}

fn not_found(rest: &str) -> Answer {
    Answer::error(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no control endpoint at {CONTROL_PREFIX}{rest} (GET {CONTROL_PREFIX} lists them)"),
    )
}

/// Parses a JSON body, naming what was wrong (unknown fields are refused: a typo must not
/// silently inject a different fault). An empty body reads as `{}`. Every body is a JSON object:
/// serde would also read a struct from an array, field by field (`[true]` as
/// `{"no_permission": true}`), so anything else is refused first.
fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, Answer> {
    let text = if body.is_empty() { &b"{}"[..] } else { body };
    if text.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(Answer::invalid("request body: expected a JSON object"));
    }
    serde_json::from_slice(text).map_err(|e| Answer::invalid(format!("request body: {e}")))
}

/// [`parse`] for an endpoint whose body is required.
fn parse_required<T: DeserializeOwned>(body: &Bytes) -> Result<T, Answer> {
    if body.is_empty() {
        return Err(Answer::invalid("a JSON request body is required"));
    }
    parse(body)
}

fn index(shared: &Shared) -> Answer {
    let endpoints: Vec<Value> = ENDPOINTS
        .iter()
        .map(|(m, p, what)| json!({ "method": m, "path": p, "description": what }))
        .collect();
    Answer::ok(json!({
        "api_domain": shared.api_domain,
        "api_base": format!("{}{}", shared.api_domain, API_PREFIX.trim_end_matches('/')),
        "token_url": format!("{}{TOKEN_PATH}", shared.api_domain),
        "spec": "simulator/spec/simulator-control.yaml",
        "endpoints": endpoints,
    }))
}

/// The figures of `GET /__simulator/stats` (and [`Simulator::stats`](super::Simulator::stats)).
pub(crate) fn stats_json(shared: &Shared) -> Value {
    let s = super::stats_of(shared);
    json!({
        "connections": {
            "open": s.open_connections,
            "peak": s.peak_connections,
            "max": s.max_connections,
            "accepted": s.connections_accepted,
            "closed_by_timeout": s.connections_timed_out,
        },
        "bodies_too_large": s.bodies_too_large,
        "access_tokens": {
            "live": s.live_access_tokens,
            "held": s.access_tokens_held,
            "token_requests": s.token_requests,
        },
        "api_requests": s.api_requests,
        "received": { "kept": s.received_kept, "max": MAX_ENTRIES, "next_seq": s.next_seq },
        "faults_pending": s.faults_pending,
    })
}

fn list_faults(shared: &Shared) -> Answer {
    let inner = shared.lock();
    let faults: Vec<Value> = inner.faults.rules().iter().map(|r| r.to_json()).collect();
    Answer::ok(json!({ "faults": faults }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRequest {
    #[serde(default, rename = "match")]
    matcher: MatchRequest,
    #[serde(default = "one")]
    times: usize,
    fault: FaultSpec,
}

fn one() -> usize {
    1
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchRequest {
    #[serde(default, deserialize_with = "present")]
    method: Option<String>,
    #[serde(default, deserialize_with = "present")]
    path: Option<String>,
    #[serde(default, deserialize_with = "present")]
    operation: Option<String>,
}

/// An optional key that may be absent but not `null` (the spec does not make it nullable).
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum FaultSpec {
    TooManyRequests { retry_after: Option<u64> },
    Status { status: u16 },
    Delay { millis: u64 },
    // A struct variant, so that unknown fields are refused here too.
    Drop {},
    Truncate { keep_bytes: Option<usize> },
}

fn add_fault(shared: &Shared, body: &Bytes) -> Answer {
    let req: FaultRequest = match parse_required(body) {
        Ok(r) => r,
        Err(a) => return a,
    };
    if !(1..=MAX_TIMES).contains(&req.times) {
        return Answer::invalid(format!("times must be 1 to {MAX_TIMES}"));
    }
    let fault = match req.fault {
        FaultSpec::TooManyRequests { retry_after } => Fault::TooManyRequests { retry_after },
        FaultSpec::Status { status } if (100..=599).contains(&status) => Fault::Status(status),
        FaultSpec::Status { status } => {
            return Answer::invalid(format!("status {status} is not 100 to 599"))
        }
        FaultSpec::Delay { millis } if millis <= MAX_DELAY_MS => {
            Fault::Delay(Duration::from_millis(millis))
        }
        FaultSpec::Delay { .. } => {
            return Answer::invalid(format!("millis must be at most {MAX_DELAY_MS}"))
        }
        FaultSpec::Drop {} => Fault::Drop,
        FaultSpec::Truncate { keep_bytes } => Fault::Truncate { keep_bytes },
    };
    let m = req.matcher;
    if let Some(op) = &m.operation {
        let known = op == TOKEN_OPERATION || Operation::from_id(op).is_some();
        if !known {
            return Answer::invalid(format!(
                "unknown operation {op:?}: use an operationId of spec/zoho-crm-access.yaml or \"{TOKEN_OPERATION}\""
            ));
        }
    }
    if let Some(p) = &m.path {
        if !p.starts_with('/') {
            return Answer::invalid("path must start with /, e.g. /crm/v8/settings/data_sharing");
        }
    }
    let method = match m.method {
        Some(x) if x.is_empty() || !x.bytes().all(|b| b.is_ascii_alphabetic()) => {
            return Answer::invalid(format!("method {x:?} is not an HTTP method"))
        }
        other => other.map(|x| x.to_ascii_uppercase()),
    };
    let matcher = Matcher {
        method,
        path: m.path,
        operation: m.operation,
    };
    let mut inner = shared.lock();
    if inner.faults.rules().len() >= MAX_RULES {
        return Answer::error(
            StatusCode::CONFLICT,
            "too_many_faults",
            format!("{MAX_RULES} fault rules are pending; delete some first"),
        );
    }
    match inner.faults.add(matcher, req.times, fault) {
        Some(rule) => Answer::created(rule.to_json()),
        None => Answer::invalid("times must be at least 1"),
    }
}

fn list_requests(shared: &Shared, query: &str) -> Answer {
    let mut since = 0u64;
    let mut limit = MAX_ENTRIES;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "since" => match v.parse::<i64>() {
                Ok(s) if s >= 0 => since = s.unsigned_abs(),
                _ => {
                    return Answer::invalid(
                        "since must be a sequence number (0 to 9223372036854775807)",
                    )
                }
            },
            "limit" => match v.parse::<usize>() {
                Ok(l) if (1..=MAX_ENTRIES).contains(&l) => limit = l,
                _ => return Answer::invalid(format!("limit must be 1 to {MAX_ENTRIES}")),
            },
            other => return Answer::invalid(format!("unknown query parameter {other:?}")),
        }
    }
    let inner = shared.lock();
    let requests = inner.received.since(since, limit);
    let last = requests
        .last()
        .and_then(|r| r["seq"].as_u64())
        .unwrap_or(since);
    Answer::ok(json!({
        "requests": requests,
        "last_seq": last,
        "next_seq": inner.received.next_seq(),
    }))
}

fn state_json(shared: &Shared) -> Value {
    let s = shared.lock().state.snapshot();
    json!({
        "record_locking": s.record_locking,
        "sharing_rules": s.sharing_rules,
        "org_permissions": s.org_permissions,
        "rule_computation_running": s.rule_computation_running,
        "reruns": s.reruns,
        "records": s.records,
    })
}

fn list_records(shared: &Shared, module: &str, query: &str) -> Answer {
    let mut offset = 0usize;
    let mut limit = records::MAX_PER_MODULE;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "offset" => match v.parse::<usize>() {
                Ok(o) if o <= records::MAX_PER_MODULE => offset = o,
                _ => {
                    return Answer::invalid(format!(
                        "offset must be 0 to {}",
                        records::MAX_PER_MODULE
                    ))
                }
            },
            "limit" => match v.parse::<usize>() {
                Ok(l) if (1..=records::MAX_PER_MODULE).contains(&l) => limit = l,
                _ => {
                    return Answer::invalid(format!(
                        "limit must be 1 to {}",
                        records::MAX_PER_MODULE
                    ))
                }
            },
            other => return Answer::invalid(format!("unknown query parameter {other:?}")),
        }
    }
    match records::list(&shared.lock().state, module, offset, limit) {
        Ok((list, total)) => Answer::ok(json!({
            "module": module,
            "total": total,
            "records": list,
        })),
        Err(e) => Answer::error(StatusCode::NOT_FOUND, "not_found", e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRecordRequest {
    name: String,
    #[serde(default, deserialize_with = "present")]
    owner: Option<String>,
    #[serde(default)]
    fields: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddRecords {
    records: Vec<NewRecordRequest>,
}

fn add_records(shared: &Shared, module: &str, body: &Bytes) -> Answer {
    let req: AddRecords = match parse_required(body) {
        Ok(r) => r,
        Err(a) => return a,
    };
    let new = req
        .records
        .into_iter()
        .map(|r| NewRecord {
            name: r.name,
            owner: r.owner,
            fields: r.fields,
        })
        .collect();
    let mut inner = shared.lock();
    let state = &mut inner.state;
    if state.module(module).is_none_or(|m| !m.record_locking) {
        return Answer::error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!(
                "{module:?} is not a module with record locking (GET {CONTROL_PREFIX}/directory)"
            ),
        );
    }
    match records::add(state, module, new) {
        Ok(ids) => {
            let list: Vec<Value> = ids
                .iter()
                .filter_map(|id| records::one(state, module, id).ok())
                .collect();
            Answer::created(json!({ "module": module, "records": list }))
        }
        Err(e) => Answer::invalid(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeRecord {
    #[serde(default, deserialize_with = "present")]
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    owner: Option<String>,
    #[serde(default)]
    fields: serde_json::Map<String, Value>,
}

fn change_record(shared: &Shared, module: &str, id: &str, body: &Bytes) -> Answer {
    let req: ChangeRecord = match parse_required(body) {
        Ok(r) => r,
        Err(a) => return a,
    };
    let mut inner = shared.lock();
    let state = &mut inner.state;
    if records::one(state, module, id).is_err() {
        return Answer::error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{module:?} has no record {id:?} (GET {CONTROL_PREFIX}/records/{{module}})"),
        );
    }
    match records::change(state, module, id, req.name, req.owner, req.fields) {
        Ok(()) => match records::one(state, module, id) {
            Ok(r) => Answer::ok(r),
            Err(e) => Answer::error(StatusCode::NOT_FOUND, "not_found", e),
        },
        Err(e) => Answer::invalid(e),
    }
}

fn directory_json(shared: &Shared) -> Value {
    let dir = shared.lock().state.dir.clone();
    let named = |items: &[super::NamedItem]| -> Vec<Value> {
        items
            .iter()
            .map(|i| json!({ "id": i.id, "name": i.name }))
            .collect()
    };
    let modules: Vec<Value> = dir
        .modules
        .iter()
        .map(|m| {
            json!({
                "api_name": m.api_name,
                "name": m.name,
                "id": m.id,
                "record_locking": m.record_locking,
                "sharing_rules": m.sharing_rules,
                "org_permissions": m.org_permissions,
                "fields": m.fields.iter().map(|f| json!({
                    "api_name": f.api_name, "id": f.id, "excludable": f.excludable(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "modules": modules,
        "roles": named(&dir.roles),
        "groups": named(&dir.groups),
        "profiles": named(&dir.profiles),
        "users": named(&dir.users),
        "custom_buttons": dir.custom_buttons.iter().map(|b| json!({
            "module": b.module, "id": b.id, "name": b.name,
        })).collect::<Vec<_>>(),
    })
}

fn settings_json(shared: &Shared) -> Value {
    let inner = shared.lock();
    json!({
        "no_permission": inner.state.no_permission,
        "record_locking_edition": inner.state.record_locking_edition,
        "rule_computation_running": inner.state.computing,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsRequest {
    #[serde(default, deserialize_with = "present")]
    no_permission: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    record_locking_edition: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    rule_computation_running: Option<Vec<String>>,
}

fn put_settings(shared: &Shared, body: &Bytes) -> Answer {
    let req: SettingsRequest = match parse_required(body) {
        Ok(r) => r,
        Err(a) => return a,
    };
    {
        let mut inner = shared.lock();
        if let Some(modules) = &req.rule_computation_running {
            if let Some(bad) = modules
                .iter()
                .find(|m| inner.state.dir.module(m).is_none_or(|m| !m.sharing_rules))
            {
                return Answer::invalid(format!(
                    "{bad:?} is not a module with sharing rules (GET {CONTROL_PREFIX}/directory)"
                ));
            }
            inner.state.computing = modules.iter().cloned().collect();
        }
        if let Some(v) = req.no_permission {
            inner.state.no_permission = v;
        }
        if let Some(v) = req.record_locking_edition {
            inner.state.record_locking_edition = v;
        }
    }
    Answer::ok(settings_json(shared))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedRules {
    module: String,
    #[serde(default = "one")]
    count: usize,
}

/// `POST /__simulator/directory`: add or change roles, profiles (their module permissions),
/// users (role, profile, manager, status), groups (members, nested groups) and the org's
/// hierarchy preference, by name (see `directory::DirectoryChange`).
fn change_directory(shared: &Shared, body: &Bytes) -> Answer {
    let req: super::directory::DirectoryChange = match parse_required(body) {
        Ok(r) => r,
        Err(a) => return a,
    };
    match super::directory::change(&mut shared.lock().state, req) {
        Ok(counts) => Answer::ok(counts),
        Err(e) => Answer::invalid(e),
    }
}

fn seed_rules(shared: &Shared, body: &Bytes) -> Answer {
    let req: SeedRules = match parse_required(body) {
        Ok(r) => r,
        Err(a) => return a,
    };
    if !(1..=MAX_SEED).contains(&req.count) {
        return Answer::invalid(format!("count must be 1 to {MAX_SEED}"));
    }
    match sharing_rules::seed(&mut shared.lock().state, &req.module, req.count) {
        Ok(ids) => Answer::created(json!({ "module": req.module, "ids": ids })),
        Err(e) => Answer::invalid(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedLocking {
    module: String,
}

fn seed_locking(shared: &Shared, body: &Bytes) -> Answer {
    let req: SeedLocking = match parse_required(body) {
        Ok(r) => r,
        Err(a) => return a,
    };
    match record_locking::seed_system_defined(&mut shared.lock().state, &req.module) {
        Ok(id) => Answer::created(json!({ "module": req.module, "id": id })),
        Err(e) => Answer::invalid(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    scopes: Option<Vec<String>>,
}

fn issue_token(shared: &Shared, body: &Bytes) -> Answer {
    let req: TokenRequest = match parse(body) {
        Ok(r) => r,
        Err(a) => return a,
    };
    if let Some(scopes) = &req.scopes {
        if scopes.len() > 50 || scopes.iter().any(|s| s.is_empty() || s.len() > 200) {
            return Answer::invalid("scopes: 1 to 50 non-empty names of at most 200 characters");
        }
    }
    let mut inner = shared.lock();
    let token = inner.auth.mint(req.scopes.clone());
    let lifetime = inner.auth.lifetime.as_secs();
    Answer::created(json!({
        "access_token": token,
        "scopes": req.scopes,
        "expires_in": lifetime,
    }))
}

// ------------------------------------------------------------------ OAuth (login flows)

/// `GET /__simulator/oauth`: what the login flows depend on.
fn oauth_json(shared: &Shared) -> Value {
    let inner = shared.lock();
    json!({
        "client_id": inner.auth.client_id,
        "redirect_uri": inner.auth.redirect_uri,
        "location": inner.auth.location,
        "accounts_server": shared.api_domain,
        "org_type": inner.org.org_type,
        "refresh_tokens": inner.auth.refresh_tokens(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OauthSettings {
    /// Absent: unchanged; `null`: any loopback URI.
    #[serde(default, with = "serde_with_null")]
    redirect_uri: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    location: Option<String>,
    #[serde(default, deserialize_with = "present")]
    org_type: Option<String>,
}

/// Reads an optional key that may be `null` (`Some(None)`) or absent (`None`).
mod serde_with_null {
    use serde::{Deserialize, Deserializer};

    pub(super) fn deserialize<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// `PUT /__simulator/oauth`.
fn put_oauth(shared: &Shared, body: &Bytes) -> Answer {
    let req: OauthSettings = match parse_required(body) {
        Ok(r) => r,
        Err(a) => return a,
    };
    let short = |s: &str| !s.is_empty() && s.len() <= 2000 && !s.chars().any(char::is_control);
    if let Some(Some(uri)) = &req.redirect_uri {
        if !short(uri) || url::Url::parse(uri).is_err() {
            return Answer::invalid("redirect_uri: an absolute URL of at most 2000 characters");
        }
    }
    if let Some(location) = &req.location {
        if location.is_empty()
            || location.len() > 16
            || !location
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.')
        {
            return Answer::invalid(
                "location: a data centre's short name, e.g. us, eu, in, com.au",
            );
        }
    }
    if let Some(t) = &req.org_type {
        if t.is_empty() || t.len() > 32 || !t.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Answer::invalid("org_type: a word, e.g. Production, Sandbox, Developer");
        }
    }
    {
        let mut inner = shared.lock();
        if let Some(uri) = req.redirect_uri {
            inner.auth.redirect_uri = uri;
        }
        if let Some(location) = req.location {
            inner.auth.location = location;
        }
        if let Some(t) = req.org_type {
            inner.org.org_type = t;
        }
    }
    Answer::ok(oauth_json(shared))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantCodeRequest {
    scopes: Vec<String>,
    #[serde(default, deserialize_with = "present")]
    expires_in: Option<u64>,
}

/// `POST /__simulator/oauth/grant-codes`: a Self Client code, as the API console's "Generate
/// Code" tab makes one.
fn mint_grant_code(shared: &Shared, body: &Bytes) -> Answer {
    let req: GrantCodeRequest = match parse_required(body) {
        Ok(r) => r,
        Err(a) => return a,
    };
    if req.scopes.is_empty()
        || req.scopes.len() > 50
        || req.scopes.iter().any(|s| s.is_empty() || s.len() > 200)
    {
        return Answer::invalid("scopes: 1 to 50 non-empty names of at most 200 characters");
    }
    let max = super::auth::MAX_CODE_LIFETIME.as_secs();
    let lifetime = match req.expires_in {
        None => super::auth::SELF_CLIENT_CODE_LIFETIME,
        Some(secs) if (1..=max).contains(&secs) => std::time::Duration::from_secs(secs),
        Some(_) => return Answer::invalid(format!("expires_in: 1 to {max} seconds")),
    };
    let code = shared
        .lock()
        .auth
        .self_client_code(req.scopes.clone(), lifetime);
    Answer::created(json!({
        "code": code,
        "scopes": req.scopes,
        "expires_in": lifetime.as_secs(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceSettings {
    #[serde(default, deserialize_with = "present")]
    interval_ms: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    expires_in_ms: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    min_gap_ms: Option<u64>,
}

/// `PUT /__simulator/oauth/device`: what the device flow announces (tests poll fast).
fn put_device(shared: &Shared, body: &Bytes) -> Answer {
    let req: DeviceSettings = match parse_required(body) {
        Ok(r) => r,
        Err(a) => return a,
    };
    let ms = |v: Option<u64>, lo: u64, hi: u64, what: &str| match v {
        Some(n) if !(lo..=hi).contains(&n) => Err(Answer::invalid(format!(
            "{what}: {lo} to {hi} milliseconds"
        ))),
        v => Ok(v.map(std::time::Duration::from_millis)),
    };
    let interval = match ms(req.interval_ms, 100, 60_000, "interval_ms") {
        Ok(v) => v,
        Err(a) => return a,
    };
    let expires = match ms(req.expires_in_ms, 1000, 3_600_000, "expires_in_ms") {
        Ok(v) => v,
        Err(a) => return a,
    };
    let gap = match ms(req.min_gap_ms, 0, 600_000, "min_gap_ms") {
        Ok(v) => v,
        Err(a) => return a,
    };
    let mut inner = shared.lock();
    let devices = &mut inner.auth.devices;
    if let Some(v) = interval {
        devices.interval = v;
        if gap.is_none() {
            devices.min_gap = v;
        }
    }
    if let Some(v) = expires {
        devices.lifetime = v;
    }
    if let Some(v) = gap {
        devices.min_gap = v;
    }
    Answer::ok(devices.to_json())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceDecision {
    user_code: String,
    approve: bool,
    #[serde(default, deserialize_with = "present")]
    location: Option<String>,
}

/// `POST /__simulator/oauth/device/decisions`: the person at the verification URL approves
/// (optionally from another data centre: `location`, answered as `other_dc`) or denies.
fn decide_device(shared: &Shared, body: &Bytes) -> Answer {
    let req: DeviceDecision = match parse_required(body) {
        Ok(r) => r,
        Err(a) => return a,
    };
    if req.user_code.is_empty() || req.user_code.len() > 64 {
        return Answer::invalid("user_code: the code shown to the person");
    }
    if let Some(l) = &req.location {
        if l.is_empty()
            || l.len() > 16
            || !l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
        {
            return Answer::invalid("location: a data centre's short name, e.g. eu, in, com.au");
        }
    }
    let mut inner = shared.lock();
    match inner
        .auth
        .devices
        .decide(&req.user_code, req.approve, req.location.clone())
    {
        Ok(()) => {
            let mut answer = json!({ "user_code": req.user_code, "approve": req.approve });
            if let Some(l) = req.location {
                answer["location"] = l.into();
            }
            Answer::ok(answer)
        }
        Err(e) => Answer::error(StatusCode::NOT_FOUND, "not_found", e),
    }
}
