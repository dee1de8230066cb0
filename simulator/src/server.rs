//! The HTTP side: accept loop on loopback, routing of the spec's operations (by the method and
//! path template of each [`Operation`] of the library's table), faults, authentication, and the
//! recording of every exchange.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, Method, Request, Response, StatusCode};
use bytes::BytesMut;
use chrono::FixedOffset;
use futures::StreamExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, OwnedSemaphorePermit};
use tokio::task::JoinSet;
use zoho_crm_access::operations::{Family, Operation};

use super::auth::Auth;
use super::connection::{
    idle_watchdog, Activity, ConnCounters, Limits, Watched, BODY_BUDGET_KIB, MAX_BODY_BYTES,
    MAX_HEAD_BYTES, MAX_SMALL_BODY_BYTES,
};
use super::control::{self, CONTROL_PREFIX};
use super::directory;
use super::faults::{Fault, FaultAction, Faults, Seen, TOKEN_OPERATION};
use super::received::{Entry, Received};
use super::responses::{invalid_method, invalid_url, not_implemented, Reply};
use super::state::State;
use super::{org, org_permissions, record_locking, record_locks, sharing_rules};

/// Query parameters (the last value of a repeated name wins).
pub(crate) type Query = BTreeMap<String, String>;

/// API path prefix (the version Zoho documents these APIs under).
pub(crate) const API_PREFIX: &str = "/crm/v8/";
/// The accounts server's token path.
pub(crate) const TOKEN_PATH: &str = "/oauth/v2/token";
/// The accounts server's revocation path.
pub(crate) const REVOKE_PATH: &str = "/oauth/v2/token/revoke";
/// The accounts server's authorization endpoint (where a browser is sent to sign in).
pub(crate) const AUTH_PATH: &str = "/oauth/v2/auth";
/// The device flow's initiation endpoint.
pub(crate) const DEVICE_CODE_PATH: &str = "/oauth/v3/device/code";
/// The device flow's polling endpoint.
pub(crate) const DEVICE_TOKEN_PATH: &str = "/oauth/v3/device/token";
/// Exchanges kept for [`Simulator::recordings`](super::Simulator::recordings); later ones are
/// not recorded, so a long-running simulator does not grow without bound.
pub(crate) const MAX_RECORDINGS: usize = 10_000;
/// Request body bytes (plus a fixed 512 per exchange) kept in recordings at most.
pub(crate) const MAX_RECORDED_BYTES: usize = 64 * 1024 * 1024;

/// Where a request goes.
#[derive(Debug, PartialEq)]
pub(crate) enum Route {
    /// An operation of the spec, with the values of its path parameters in the order of the
    /// template (none, one id, or module, record and lock of the record lock paths).
    Api(Operation, Vec<String>),
    /// A path of the spec, but no operation of it has the request's method.
    WrongMethod,
    NotFound,
}

/// One segment of a path template: a literal, or a `{param}` (`None`).
type Segment = Option<&'static str>;

/// Every operation with its path template cut into segments, read once from the table.
fn templates() -> &'static [(Operation, Vec<Segment>)] {
    static TEMPLATES: OnceLock<Vec<(Operation, Vec<Segment>)>> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        Operation::ALL
            .iter()
            .map(|op| {
                let segments = op
                    .path()
                    .trim_start_matches('/')
                    .split('/')
                    .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then_some(s))
                    .collect();
                (*op, segments)
            })
            .collect()
    })
}

/// The parameter values when `segs` fit `template`: same number of segments, each literal equal,
/// each `{param}` one non-empty segment.
fn fit(template: &[Segment], segs: &[&str]) -> Option<Vec<String>> {
    if template.len() != segs.len() {
        return None;
    }
    let mut params = Vec::new();
    for (t, s) in template.iter().zip(segs) {
        match t {
            Some(literal) if literal == s => {}
            Some(_) => return None,
            None if s.is_empty() => return None,
            None => params.push((*s).to_owned()),
        }
    }
    Some(params)
}

/// Routes `method` on the path below `/crm/v8/` by the operations' path templates.
///
/// Of the templates the path fits, the most specific wins: compared segment by segment from
/// the left, a literal beats a `{param}` (so `/settings/data_sharing/rules/search` is never read
/// as a rule id). The operation of that template with the request's method is the route; none
/// is [`Route::WrongMethod`], and a path that fits no template is [`Route::NotFound`].
pub(crate) fn route(method: &Method, rest: &str) -> Route {
    let segs: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let fits: Vec<(Operation, &[Segment], Vec<String>)> = templates()
        .iter()
        .filter_map(|(op, t)| fit(t, &segs).map(|p| (*op, t.as_slice(), p)))
        .collect();
    let literal = |t: &[Segment]| t.iter().map(Option::is_some).collect::<Vec<bool>>();
    let Some(best) = fits.iter().map(|(_, t, _)| literal(t)).max() else {
        return Route::NotFound;
    };
    fits.into_iter()
        .filter(|(_, t, _)| literal(t) == best)
        .find(|(op, _, _)| op.method() == method)
        .map_or(Route::WrongMethod, |(op, _, params)| Route::Api(op, params))
}

/// Everything the handlers change, behind one lock.
pub(crate) struct Inner {
    pub state: State,
    pub auth: Auth,
    /// The org itself (`GET /org`).
    pub org: org::Org,
    pub faults: Faults,
    pub recordings: Option<Vec<Value>>,
    /// Approximate bytes held by `recordings` (capped at [`MAX_RECORDED_BYTES`]).
    pub recorded_bytes: usize,
    pub api_requests: usize,
    pub received: Received,
}

/// What the simulator was started with, kept so that a reset can start over.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub seed: u64,
    pub offset: FixedOffset,
    pub sharing_rule_limit: usize,
    pub org_size: usize,
    pub token_lifetime: Duration,
    pub enforce_token_quota: bool,
    pub max_live_tokens: usize,
    pub record: bool,
    /// The org's `type` (`Production`, `Sandbox`, `Developer`).
    pub org_type: String,
}

impl Config {
    pub(crate) fn fresh(&self) -> Inner {
        Inner {
            state: State::new(
                self.seed,
                self.offset,
                self.sharing_rule_limit,
                self.org_size,
            ),
            auth: Auth::new(
                self.seed,
                self.token_lifetime,
                self.enforce_token_quota,
                self.max_live_tokens,
            ),
            org: org::Org::new(&self.org_type),
            faults: Faults::default(),
            recordings: self.record.then(Vec::new),
            recorded_bytes: 0,
            api_requests: 0,
            received: Received::new(),
        }
    }
}

pub(crate) struct Shared {
    pub inner: Mutex<Inner>,
    pub api_domain: String,
    pub config: Config,
    pub limits: Limits,
    pub counters: ConnCounters,
    /// The bearer token of the control surface (`/__simulator/...`).
    pub control_token: String,
}

impl Shared {
    /// The lock; a panic elsewhere never makes the simulator unusable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Raised to make hyper close the connection without answering ([`Fault::Drop`]).
///
/// [`Fault::Drop`]: super::Fault::Drop
#[derive(Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

/// Accepts connections until `shutdown` fires; dropping the returned future's task closes all.
///
/// A connection is accepted only with a free slot: at the cap, new connections wait in the
/// listen backlog until one closes (they are not refused).
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let mut conns = JoinSet::new();
    'serve: loop {
        let slot = tokio::select! {
            _ = &mut shutdown => break 'serve,
            Some(_) = conns.join_next(), if !conns.is_empty() => continue 'serve,
            slot = shared.limits.slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break 'serve,
            },
        };
        let (stream, peer) = loop {
            tokio::select! {
                _ = &mut shutdown => break 'serve,
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
                accepted = listener.accept() => match accepted {
                    Ok(pair) => break pair,
                    Err(e) => {
                        tracing::warn!("simulator: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                },
            }
        };
        conns.spawn(connection(shared.clone(), stream, peer, slot));
    }
}

/// Serves one connection with the header-read and idle timeouts; its slot is freed on return.
async fn connection(
    shared: Arc<Shared>,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    _slot: OwnedSemaphorePermit,
) {
    shared.counters.opened();
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched::new(stream, activity.clone()));
    let svc = {
        let (shared, activity) = (shared.clone(), activity.clone());
        hyper::service::service_fn(move |req| handle(shared.clone(), activity.clone(), peer, req))
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(shared.limits.header_read_timeout)
        .max_buf_size(MAX_HEAD_BYTES);
    let conn = builder.serve_connection(io, svc);
    tokio::select! {
        served = conn => {
            if let Err(e) = served {
                if e.is_timeout() {
                    shared.counters.timed_out.fetch_add(1, Ordering::Relaxed);
                }
                tracing::debug!("simulator: connection from {peer} ended: {e}");
            }
        }
        _ = idle_watchdog(activity, shared.limits.idle_timeout) => {
            shared.counters.timed_out.fetch_add(1, Ordering::Relaxed);
            tracing::debug!("simulator: closed idle connection from {peer}");
        }
    }
    shared.counters.closed();
}

/// Why a body was not read.
pub(crate) enum BodyError {
    TooLarge(usize),
    TimedOut,
    Broken,
}

impl BodyError {
    /// The flat Zoho error for it; the connection closes after the answer.
    pub(crate) fn reply(&self) -> Reply {
        match self {
            BodyError::TooLarge(limit) => Reply::flat(
                413,
                "REQUEST_ENTITY_TOO_LARGE",
                &format!("the request body is larger than {limit} bytes"),
                json!({ "limit_bytes": limit }),
            ),
            BodyError::TimedOut => Reply::flat(
                408,
                "REQUEST_TIMEOUT",
                "the request body did not arrive in time",
                json!({}),
            ),
            BodyError::Broken => Reply::flat(
                400,
                "INVALID_DATA",
                "the request body could not be read",
                json!({}),
            ),
        }
    }
}

/// Whether the request announces a body (anything but an exact length of zero).
pub(crate) fn has_body(body: &Incoming) -> bool {
    hyper::body::Body::size_hint(body).exact() != Some(0)
}

/// Reads a body of at most `limit` bytes within the body-read timeout, after taking its share
/// of the body budget. A declared `Content-Length` past the limit is refused before any byte
/// of the body is read.
pub(crate) async fn read_body(
    shared: &Shared,
    body: Incoming,
    limit: usize,
) -> Result<Bytes, BodyError> {
    let declared = hyper::body::Body::size_hint(&body).exact();
    if declared == Some(0) {
        return Ok(Bytes::new());
    }
    let declared = declared.map(|d| usize::try_from(d).unwrap_or(usize::MAX));
    if declared.is_some_and(|d| d > limit) {
        shared
            .counters
            .bodies_too_large
            .fetch_add(1, Ordering::Relaxed);
        return Err(BodyError::TooLarge(limit));
    }
    let deadline = tokio::time::Instant::now() + shared.limits.body_read_timeout;
    let share = declared.unwrap_or(limit).div_ceil(1024).max(1);
    let share = u32::try_from(share)
        .unwrap_or(u32::MAX)
        .min(BODY_BUDGET_KIB);
    let _budget = tokio::time::timeout_at(deadline, shared.limits.body_budget.acquire_many(share))
        .await
        .map_err(|_| BodyError::TimedOut)?
        .map_err(|_| BodyError::Broken)?;
    let mut frames = Body::new(body).into_data_stream();
    let mut buf = BytesMut::with_capacity(declared.unwrap_or(0));
    loop {
        match tokio::time::timeout_at(deadline, frames.next()).await {
            Err(_) => return Err(BodyError::TimedOut),
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(BodyError::Broken),
            Ok(Some(Ok(chunk))) => {
                if buf.len() + chunk.len() > limit {
                    shared
                        .counters
                        .bodies_too_large
                        .fetch_add(1, Ordering::Relaxed);
                    return Err(BodyError::TooLarge(limit));
                }
                buf.extend_from_slice(&chunk);
            }
        }
    }
    Ok(buf.freeze())
}

/// One request: the control surface, the accounts endpoint or the API.
async fn handle(
    shared: Arc<Shared>,
    activity: Arc<Activity>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let _busy = activity.busy();
    let path = req.uri().path().to_owned();
    if path == CONTROL_PREFIX || path.starts_with(&format!("{CONTROL_PREFIX}/")) {
        return Ok(control::handle(&shared, peer, req).await);
    }
    if [
        TOKEN_PATH,
        REVOKE_PATH,
        AUTH_PATH,
        DEVICE_CODE_PATH,
        DEVICE_TOKEN_PATH,
    ]
    .contains(&path.trim_end_matches('/'))
    {
        return token_request(&shared, req).await;
    }
    api_request(&shared, req).await
}

/// The accounts endpoints (`POST /oauth/v2/token`, `POST /oauth/v2/token/revoke`, `GET
/// /oauth/v2/auth`): the (small) form body, then faults, then the answer.
async fn token_request(
    shared: &Shared,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().unwrap_or_default().to_owned();
    let method = parts.method.clone();
    let log = |reply_status: u16, body: Option<Bytes>, fault: Option<&Fault>| Entry {
        target: "accounts",
        method: method.to_string(),
        path: path.clone(),
        query: raw_query.clone(),
        operation: Some(TOKEN_OPERATION),
        headers: parts.headers.clone(),
        body,
        status: reply_status,
        fault: fault.map(Fault::to_json),
    };
    let body = match read_body(shared, body, MAX_SMALL_BODY_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            let reply = e.reply();
            shared.lock().received.push(log(reply.status, None, None));
            return Ok(close_if(to_response(reply), true));
        }
    };
    let fault = shared.lock().faults.take(&Seen {
        method: method.as_str(),
        path: &path,
        operation: Some(TOKEN_OPERATION),
        accounts: true,
    });
    let mut truncate = None;
    if let Some(f) = &fault {
        match f.action() {
            FaultAction::Answer(r) => {
                shared
                    .lock()
                    .received
                    .push(log(r.status, Some(body), Some(f)));
                return Ok(to_response(r));
            }
            FaultAction::Delay(d) => tokio::time::sleep(d).await,
            FaultAction::Drop => {
                shared.lock().received.push(log(0, Some(body), Some(f)));
                return Err(DropConnection);
            }
            FaultAction::Truncate(keep) => truncate = Some(keep),
        }
    }
    let reply = match (path.trim_end_matches('/'), &method) {
        (TOKEN_PATH, &Method::POST) => {
            let mut inner = shared.lock();
            inner
                .auth
                .token_endpoint(&raw_query, &body, &shared.api_domain)
        }
        (REVOKE_PATH, &Method::POST) => shared.lock().auth.revoke(&raw_query, &body),
        (DEVICE_CODE_PATH, &Method::POST) => {
            shared
                .lock()
                .auth
                .device_code(&raw_query, &body, &shared.api_domain)
        }
        (DEVICE_TOKEN_PATH, &Method::POST) => {
            shared
                .lock()
                .auth
                .device_token(&raw_query, &body, &shared.api_domain)
        }
        (AUTH_PATH, &Method::GET) => {
            let outcome = shared.lock().auth.authorize(&raw_query, &shared.api_domain);
            match outcome {
                Ok(location) => {
                    shared
                        .lock()
                        .received
                        .push(log(302, Some(body), fault.as_ref()));
                    return Ok(redirect(&location));
                }
                Err(reply) => reply,
            }
        }
        _ => Reply::json(405, json!({ "error": "invalid_request" })),
    };
    shared
        .lock()
        .received
        .push(log(reply.status, Some(body), fault.as_ref()));
    Ok(finish(reply, truncate))
}

/// `302 Found` to `location` (the authorization endpoint's answer).
fn redirect(location: &str) -> Response<Body> {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::FOUND;
            r.headers_mut().insert(header::LOCATION, value);
            r
        }
        Err(_) => internal_error(),
    }
}

/// An API call: route, authenticate, then (only then) read the body, apply faults, dispatch.
async fn api_request(
    shared: &Shared,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().unwrap_or_default().to_owned();
    let method = parts.method.clone();
    let under_api = path.starts_with(API_PREFIX);
    let route = match path.strip_prefix(API_PREFIX) {
        Some(rest) => route(&method, rest),
        None => Route::NotFound,
    };
    let op = match &route {
        Route::Api(op, _) => Some(*op),
        _ => None,
    };
    let query: Query = url::form_urlencoded::parse(raw_query.as_bytes())
        .into_owned()
        .collect();
    let log = |status: u16, body: Option<Bytes>, fault: Option<&Fault>| Entry {
        target: "api",
        method: method.to_string(),
        path: path.clone(),
        query: raw_query.clone(),
        operation: op.map(Operation::id),
        headers: parts.headers.clone(),
        body,
        status,
        fault: fault.map(Fault::to_json),
    };
    let announced = has_body(&body);

    // Answers that need no body: unknown path, wrong method, failed authentication. The body
    // is never read for them, and the connection closes if one was announced.
    let early = {
        let mut inner = shared.lock();
        if under_api {
            inner.api_requests += 1;
        }
        match &route {
            Route::NotFound => Some(invalid_url()),
            Route::WrongMethod => Some(invalid_method()),
            Route::Api(op, _) => {
                let auth_header = parts
                    .headers
                    .get(header::AUTHORIZATION)
                    .and_then(|h| h.to_str().ok());
                inner.auth.check(auth_header, op.scopes()).err()
            }
        }
    };
    if let Some(reply) = early {
        record(shared, op, &method, &path, &query, &Bytes::new(), &reply);
        shared.lock().received.push(log(reply.status, None, None));
        return Ok(close_if(to_response(reply), announced));
    }
    let Route::Api(op, params) = route else {
        unreachable!("handled above")
    };

    let body = match read_body(shared, body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            let reply = e.reply();
            record(
                shared,
                Some(op),
                &method,
                &path,
                &query,
                &Bytes::new(),
                &reply,
            );
            shared.lock().received.push(log(reply.status, None, None));
            return Ok(close_if(to_response(reply), true));
        }
    };
    let fault = shared.lock().faults.take(&Seen {
        method: method.as_str(),
        path: &path,
        operation: Some(op.id()),
        accounts: false,
    });
    let mut truncate = None;
    if let Some(f) = &fault {
        match f.action() {
            FaultAction::Answer(r) => {
                record(shared, Some(op), &method, &path, &query, &body, &r);
                shared
                    .lock()
                    .received
                    .push(log(r.status, Some(body), Some(f)));
                return Ok(to_response(r));
            }
            FaultAction::Delay(d) => tokio::time::sleep(d).await,
            FaultAction::Drop => {
                shared.lock().received.push(log(0, Some(body), Some(f)));
                return Err(DropConnection);
            }
            FaultAction::Truncate(keep) => truncate = Some(keep),
        }
    }
    let reply = {
        let mut guard = shared.lock();
        let inner = &mut *guard;
        if op == Operation::GetOrg {
            org::handle(&inner.org, &inner.state)
        } else {
            dispatch(&mut inner.state, op, &params, &query, &body)
        }
    };
    tracing::debug!(%method, %path, status = reply.status, "simulator");
    record(shared, Some(op), &method, &path, &query, &body, &reply);
    shared
        .lock()
        .received
        .push(log(reply.status, Some(body), fault.as_ref()));
    Ok(finish(reply, truncate))
}

/// The reply on the wire, cut short when a truncation fault applies.
fn finish(reply: Reply, truncate: Option<Option<usize>>) -> Response<Body> {
    match truncate {
        Some(keep) => truncated_response(reply, keep),
        None => to_response(reply),
    }
}

/// Adds `Connection: close` when a request body was left unread, so hyper does not wait for it.
pub(crate) fn close_if(mut response: Response<Body>, unread_body: bool) -> Response<Body> {
    if unread_body {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Hands the operation to its family's handler. Each handler matches the operations it answers;
/// one the simulator does not answer (an operation added to the spec without a handler) is
/// [`not_implemented`], which `tests/simulator_operations.rs` keeps from happening.
fn dispatch(state: &mut State, op: Operation, params: &[String], q: &Query, body: &[u8]) -> Reply {
    let id = params.first().map(String::as_str);
    match op.family() {
        Family::RecordLocking => record_locking::handle(state, op, id, q, body),
        Family::SharingRules => sharing_rules::handle(state, op, id, q, body),
        Family::OrgPermissions => org_permissions::handle(state, op, body),
        Family::Directory => directory::handle(state, op, id, q),
        Family::RecordLocks => record_locks::handle(state, op, params, q, body),
        _ => not_implemented(op),
    }
}

/// Keeps the exchange for [`Simulator::recordings`](super::Simulator::recordings), within
/// [`MAX_RECORDINGS`] exchanges and [`MAX_RECORDED_BYTES`].
fn record(
    shared: &Shared,
    op: Option<Operation>,
    method: &Method,
    path: &str,
    query: &Query,
    body: &Bytes,
    reply: &Reply,
) {
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let Some(recordings) = inner.recordings.as_mut() else {
        return;
    };
    if recordings.len() >= MAX_RECORDINGS || inner.recorded_bytes >= MAX_RECORDED_BYTES {
        return;
    }
    inner.recorded_bytes += body.len() + 512;
    let mut request = json!({ "method": method.as_str(), "path": path, "query": query });
    if !body.is_empty() {
        match serde_json::from_slice::<Value>(body) {
            Ok(v) => request["body"] = v,
            Err(_) => request["body_text"] = String::from_utf8_lossy(body).into_owned().into(),
        }
    }
    let mut headers = json!({});
    if reply.body.is_some() {
        headers["content-type"] = "application/json;charset=UTF-8".into();
    }
    if let Some(secs) = reply.retry_after {
        headers["retry-after"] = secs.to_string().into();
    }
    recordings.push(json!({
        "source": "zoho-crm-access simulator",
        "operation_id": op.map(Operation::id),
        "request": request,
        "response": { "status": reply.status, "headers": headers, "body": reply.body },
    }));
}

/// The reply with `Content-Length` of the whole body but only `keep` bytes of it (default
/// half, at most all but one), then an aborted connection.
fn truncated_response(reply: Reply, keep: Option<usize>) -> Response<Body> {
    let bytes = reply
        .body
        .as_ref()
        .map(|v| serde_json::to_vec(v).unwrap_or_default())
        .unwrap_or_default();
    if bytes.is_empty() {
        return to_response(reply);
    }
    let keep = keep.unwrap_or(bytes.len() / 2).min(bytes.len() - 1);
    let total = bytes.len();
    let head = Bytes::from(bytes).slice(..keep);
    // The pause lets hyper flush the head and the kept bytes before the error aborts the
    // connection.
    let stream = futures::stream::iter([Ok(head)]).chain(futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "body truncated by fault injection",
        ))
    }));
    let mut response = head_of(&reply)
        .header(header::CONTENT_LENGTH, total)
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| internal_error());
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    response
}

/// Status and `Retry-After` of a reply.
fn head_of(reply: &Reply) -> axum::http::response::Builder {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = Response::builder().status(status);
    if let Some(secs) = reply.retry_after {
        builder = builder.header(header::RETRY_AFTER, secs.to_string());
    }
    builder
}

fn internal_error() -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    r
}

pub(crate) fn to_response(reply: Reply) -> Response<Body> {
    let builder = head_of(&reply);
    let response = match reply.body {
        Some(v) => builder
            .header(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json;charset=UTF-8"),
            )
            .body(Body::from(serde_json::to_vec(&v).unwrap_or_default())),
        None => builder.body(Body::empty()),
    };
    response.unwrap_or_else(|_| internal_error())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path template with each `{param}` replaced by `value`.
    fn filled(op: Operation, value: &str) -> String {
        op.path()
            .trim_start_matches('/')
            .split('/')
            .map(|s| if s.starts_with('{') { value } else { s })
            .collect::<Vec<_>>()
            .join("/")
    }

    #[test]
    fn every_operation_routes_to_itself() {
        for op in Operation::ALL {
            let path = filled(*op, "12");
            let id = || vec!["12".to_owned(); op.path().matches('{').count()];
            assert_eq!(route(&op.method(), &path), Route::Api(*op, id()), "{op}");
            let slash = format!("{path}/");
            assert_eq!(route(&op.method(), &slash), Route::Api(*op, id()), "{op}");
        }
    }

    #[test]
    fn literal_segments_beat_parameters() {
        use Operation::*;
        let cases = [
            (
                Method::POST,
                "settings/data_sharing/rules/search",
                Route::Api(SearchSharingRules, vec![]),
            ),
            (
                Method::GET,
                "settings/data_sharing/rules/search",
                Route::WrongMethod,
            ),
            (
                Method::GET,
                "settings/data_sharing/rules/actions/summary",
                Route::Api(GetSharingRulesSummary, vec![]),
            ),
            (
                Method::PUT,
                "settings/data_sharing/rules/actions/run",
                Route::WrongMethod,
            ),
            (
                Method::GET,
                "settings/data_sharing/rules/actions",
                Route::Api(GetSharingRule, vec!["actions".into()]),
            ),
            (
                Method::DELETE,
                "Deals/12/Locking_Information__s/34",
                Route::Api(UnlockRecord, vec!["Deals".into(), "12".into(), "34".into()]),
            ),
            (
                Method::POST,
                "Deals/12/Locking_Information__s",
                Route::Api(LockRecord, vec!["Deals".into(), "12".into()]),
            ),
            (
                Method::PATCH,
                "Deals/12/Locking_Information__s",
                Route::WrongMethod,
            ),
            // A settings path that fits the lock path's shape stays a settings path.
            (
                Method::GET,
                "settings/roles/Locking_Information__s",
                Route::Api(GetRole, vec!["Locking_Information__s".into()]),
            ),
        ];
        for (method, path, want) in cases {
            assert_eq!(route(&method, path), want, "{method} {path}");
        }
    }

    #[test]
    fn wrong_methods_and_unknown_paths() {
        assert_eq!(
            route(&Method::PATCH, "settings/data_sharing"),
            Route::WrongMethod
        );
        assert_eq!(route(&Method::POST, "settings/roles"), Route::WrongMethod);
        assert_eq!(route(&Method::GET, "settings/nothing"), Route::NotFound);
        assert_eq!(route(&Method::GET, "users/1/x"), Route::NotFound);
        assert_eq!(route(&Method::GET, ""), Route::NotFound);
        // A parameter is one non-empty segment.
        assert_eq!(
            route(
                &Method::PUT,
                "settings/data_sharing/rules//actions/activate"
            ),
            Route::NotFound
        );
    }
}
