//! The HTTP side: accept loop on loopback, routing of the 35 operations, faults, authentication,
//! and the recording of every exchange.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use super::auth::Auth;
use super::directory::{self, DirOp};
use super::faults::{FaultAction, Faults};
use super::responses::{invalid_method, invalid_url, Reply};
use super::state::State;
use super::{org_permissions, record_locking, sharing_rules};

/// Query parameters (the last value of a repeated name wins).
pub(crate) type Query = BTreeMap<String, String>;

/// API path prefix (the version Zoho documents these APIs under).
pub(crate) const API_PREFIX: &str = "/crm/v8/";
/// Exchanges kept for [`Simulator::recordings`](super::Simulator::recordings); later ones are
/// not recorded, so a long-running simulator does not grow without bound.
pub(crate) const MAX_RECORDINGS: usize = 10_000;
/// Largest request body accepted.
const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// The 35 operations of the spec (the directory's 14 in [`DirOp`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    GetRecordLockingConfigurations,
    CreateRecordLockingConfiguration,
    UpdateRecordLockingConfigurations,
    DeleteRecordLockingConfigurations,
    GetRecordLockingConfigurationById,
    UpdateRecordLockingConfiguration,
    DeleteRecordLockingConfiguration,
    ListSharingRules,
    CreateSharingRule,
    UpdateSharingRules,
    GetSharingRule,
    UpdateSharingRule,
    DeleteSharingRule,
    ActivateSharingRule,
    DeactivateSharingRule,
    SearchSharingRules,
    GetSharingRulesSummary,
    SearchSharingRulesSummary,
    RerunSharingRules,
    GetOrgPermissions,
    UpdateOrgPermissions,
    /// The 14 read-only operations of the `Directory` tag (see `directory.rs`).
    Directory(DirOp),
}

impl Op {
    /// The spec's operationId.
    pub(crate) fn operation_id(self) -> &'static str {
        match self {
            Op::GetRecordLockingConfigurations => "getRecordLockingConfigurations",
            Op::CreateRecordLockingConfiguration => "createRecordLockingConfiguration",
            Op::UpdateRecordLockingConfigurations => "updateRecordLockingConfigurations",
            Op::DeleteRecordLockingConfigurations => "deleteRecordLockingConfigurations",
            Op::GetRecordLockingConfigurationById => "getRecordLockingConfigurationById",
            Op::UpdateRecordLockingConfiguration => "updateRecordLockingConfiguration",
            Op::DeleteRecordLockingConfiguration => "deleteRecordLockingConfiguration",
            Op::ListSharingRules => "listSharingRules",
            Op::CreateSharingRule => "createSharingRule",
            Op::UpdateSharingRules => "updateSharingRules",
            Op::GetSharingRule => "getSharingRule",
            Op::UpdateSharingRule => "updateSharingRule",
            Op::DeleteSharingRule => "deleteSharingRule",
            Op::ActivateSharingRule => "activateSharingRule",
            Op::DeactivateSharingRule => "deactivateSharingRule",
            Op::SearchSharingRules => "searchSharingRules",
            Op::GetSharingRulesSummary => "getSharingRulesSummary",
            Op::SearchSharingRulesSummary => "searchSharingRulesSummary",
            Op::RerunSharingRules => "rerunSharingRules",
            Op::GetOrgPermissions => "getOrgPermissions",
            Op::UpdateOrgPermissions => "updateOrgPermissions",
            Op::Directory(d) => d.operation_id(),
        }
    }

    /// The narrowest OAuth scope that allows the operation.
    fn scope(self) -> &'static str {
        use Op::*;
        match self {
            GetRecordLockingConfigurations | GetRecordLockingConfigurationById => {
                "ZohoCRM.settings.record_locking_configurations.READ"
            }
            CreateRecordLockingConfiguration => {
                "ZohoCRM.settings.record_locking_configurations.CREATE"
            }
            UpdateRecordLockingConfigurations | UpdateRecordLockingConfiguration => {
                "ZohoCRM.settings.record_locking_configurations.UPDATE"
            }
            DeleteRecordLockingConfigurations | DeleteRecordLockingConfiguration => {
                "ZohoCRM.settings.record_locking_configurations.DELETE"
            }
            ListSharingRules
            | GetSharingRule
            | SearchSharingRules
            | GetSharingRulesSummary
            | SearchSharingRulesSummary
            | GetOrgPermissions => "ZohoCRM.settings.data_sharing.READ",
            CreateSharingRule => "ZohoCRM.settings.data_sharing.CREATE",
            UpdateSharingRules
            | UpdateSharingRule
            | ActivateSharingRule
            | DeactivateSharingRule
            | RerunSharingRules
            | UpdateOrgPermissions => "ZohoCRM.settings.data_sharing.UPDATE",
            DeleteSharingRule => "ZohoCRM.settings.data_sharing.DELETE",
            Directory(d) => d.scope(),
        }
    }
}

/// Where a request goes.
#[derive(Debug, PartialEq)]
pub(crate) enum Route {
    Api(Op, Option<String>),
    WrongMethod,
    NotFound,
}

/// Routes `method` on the path below `/crm/v8/`.
pub(crate) fn route(method: &Method, rest: &str) -> Route {
    let segs: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let m = |pairs: &[(Method, Op)], id: Option<&str>| -> Route {
        pairs
            .iter()
            .find(|(pm, _)| pm == method)
            .map_or(Route::WrongMethod, |(_, op)| {
                Route::Api(*op, id.map(str::to_owned))
            })
    };
    use Op::*;
    match segs.as_slice() {
        ["settings", "record_locking_configurations"] => m(
            &[
                (Method::GET, GetRecordLockingConfigurations),
                (Method::POST, CreateRecordLockingConfiguration),
                (Method::PUT, UpdateRecordLockingConfigurations),
                (Method::DELETE, DeleteRecordLockingConfigurations),
            ],
            None,
        ),
        ["settings", "record_locking_configurations", id] if !id.is_empty() => m(
            &[
                (Method::GET, GetRecordLockingConfigurationById),
                (Method::PUT, UpdateRecordLockingConfiguration),
                (Method::DELETE, DeleteRecordLockingConfiguration),
            ],
            Some(id),
        ),
        ["settings", "data_sharing"] => m(
            &[
                (Method::GET, GetOrgPermissions),
                (Method::PUT, UpdateOrgPermissions),
            ],
            None,
        ),
        ["settings", "data_sharing", "rules"] => m(
            &[
                (Method::GET, ListSharingRules),
                (Method::POST, CreateSharingRule),
                (Method::PUT, UpdateSharingRules),
            ],
            None,
        ),
        ["settings", "data_sharing", "rules", "search"] => {
            m(&[(Method::POST, SearchSharingRules)], None)
        }
        ["settings", "data_sharing", "rules", "actions", "summary"] => m(
            &[
                (Method::GET, GetSharingRulesSummary),
                (Method::POST, SearchSharingRulesSummary),
            ],
            None,
        ),
        ["settings", "data_sharing", "rules", "actions", "run"] => {
            m(&[(Method::POST, RerunSharingRules)], None)
        }
        ["settings", "data_sharing", "rules", id] if !id.is_empty() => m(
            &[
                (Method::GET, GetSharingRule),
                (Method::PUT, UpdateSharingRule),
                (Method::DELETE, DeleteSharingRule),
            ],
            Some(id),
        ),
        ["settings", "data_sharing", "rules", id, "actions", "activate"] if !id.is_empty() => m(
            &[
                (Method::PUT, ActivateSharingRule),
                (Method::DELETE, DeactivateSharingRule),
            ],
            Some(id),
        ),
        _ => directory::route(method, &segs),
    }
}

/// Everything the server and the [`Simulator`](super::Simulator) handle share.
pub(crate) struct Inner {
    pub state: State,
    pub auth: Auth,
    pub faults: Faults,
    pub recordings: Option<Vec<Value>>,
    pub api_requests: usize,
}

pub(crate) struct Shared {
    pub inner: Mutex<Inner>,
    pub api_domain: String,
}

impl Shared {
    /// The lock; a panic elsewhere never makes the simulator unusable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Raised to make hyper close the connection without answering ([`Fault::Drop`]).
#[derive(Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

/// Accepts connections until `shutdown` fires; dropping the returned future's task closes all.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!("simulator: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let shared = shared.clone();
                conns.spawn(async move {
                    let svc = hyper::service::service_fn(move |req| handle(shared.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(Body::new(body), BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return Ok(to_response(Reply::flat(
                400,
                "INVALID_DATA",
                "the request body could not be read",
                json!({}),
            )))
        }
    };
    let path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().unwrap_or_default().to_owned();
    let method = parts.method.clone();

    if path.trim_end_matches('/') == "/oauth/v2/token" {
        let fault = shared.lock().faults.accounts.pop_front();
        if let Some(f) = fault {
            match f.action() {
                FaultAction::Answer(r) => return Ok(to_response(r)),
                FaultAction::Delay(d) => tokio::time::sleep(d).await,
                FaultAction::Drop => return Err(DropConnection),
            }
        }
        let reply = if method == Method::POST {
            let domain = shared.api_domain.clone();
            shared
                .lock()
                .auth
                .token_endpoint(&raw_query, &body, &domain)
        } else {
            Reply::json(405, json!({ "error": "invalid_request" }))
        };
        return Ok(to_response(reply));
    }

    let Some(rest) = path.strip_prefix(API_PREFIX) else {
        return Ok(to_response(invalid_url()));
    };
    let route = route(&method, rest);
    let fault = {
        let mut inner = shared.lock();
        inner.api_requests += 1;
        inner.faults.api.pop_front()
    };
    let op = match &route {
        Route::Api(op, _) => Some(*op),
        _ => None,
    };
    let query: Query = url::form_urlencoded::parse(raw_query.as_bytes())
        .into_owned()
        .collect();
    if let Some(f) = fault {
        match f.action() {
            FaultAction::Answer(r) => {
                record(&shared, op, &method, &path, &query, &body, &r);
                return Ok(to_response(r));
            }
            FaultAction::Delay(d) => tokio::time::sleep(d).await,
            FaultAction::Drop => return Err(DropConnection),
        }
    }
    let reply = {
        let mut guard = shared.lock();
        let inner = &mut *guard;
        match route {
            Route::NotFound => invalid_url(),
            Route::WrongMethod => invalid_method(),
            Route::Api(op, id) => {
                let auth_header = parts
                    .headers
                    .get(header::AUTHORIZATION)
                    .and_then(|h| h.to_str().ok());
                match inner.auth.check(auth_header, op.scope()) {
                    Err(r) => r,
                    Ok(()) => dispatch(&mut inner.state, op, id.as_deref(), &query, &body),
                }
            }
        }
    };
    tracing::debug!(%method, %path, status = reply.status, "simulator");
    record(&shared, op, &method, &path, &query, &body, &reply);
    Ok(to_response(reply))
}

fn dispatch(state: &mut State, op: Op, id: Option<&str>, q: &Query, body: &[u8]) -> Reply {
    use Op::*;
    match op {
        GetOrgPermissions | UpdateOrgPermissions => org_permissions::handle(state, op, body),
        GetRecordLockingConfigurations
        | CreateRecordLockingConfiguration
        | UpdateRecordLockingConfigurations
        | DeleteRecordLockingConfigurations
        | GetRecordLockingConfigurationById
        | UpdateRecordLockingConfiguration
        | DeleteRecordLockingConfiguration => record_locking::handle(state, op, id, q, body),
        Directory(d) => directory::handle(state, d, id, q),
        _ => sharing_rules::handle(state, op, id, q, body),
    }
}

fn record(
    shared: &Shared,
    op: Option<Op>,
    method: &Method,
    path: &str,
    query: &Query,
    body: &Bytes,
    reply: &Reply,
) {
    let mut inner = shared.lock();
    let Some(recordings) = inner.recordings.as_mut() else {
        return;
    };
    if recordings.len() >= MAX_RECORDINGS {
        return;
    }
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
        "operation_id": op.map(Op::operation_id),
        "request": request,
        "response": { "status": reply.status, "headers": headers, "body": reply.body },
    }));
}

fn to_response(reply: Reply) -> Response<Body> {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = Response::builder().status(status);
    if let Some(secs) = reply.retry_after {
        builder = builder.header(header::RETRY_AFTER, secs.to_string());
    }
    let response = match reply.body {
        Some(v) => builder
            .header(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json;charset=UTF-8"),
            )
            .body(Body::from(serde_json::to_vec(&v).unwrap_or_default())),
        None => builder.body(Body::empty()),
    };
    response.unwrap_or_else(|_| {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_every_operation() {
        let cases = [
            (
                Method::GET,
                "settings/record_locking_configurations",
                "getRecordLockingConfigurations",
            ),
            (
                Method::DELETE,
                "settings/record_locking_configurations/12",
                "deleteRecordLockingConfiguration",
            ),
            (
                Method::POST,
                "settings/data_sharing/rules/search",
                "searchSharingRules",
            ),
            (
                Method::POST,
                "settings/data_sharing/rules/actions/summary",
                "searchSharingRulesSummary",
            ),
            (
                Method::DELETE,
                "settings/data_sharing/rules/5/actions/activate",
                "deactivateSharingRule",
            ),
            (Method::PUT, "settings/data_sharing", "updateOrgPermissions"),
        ];
        for (method, path, op) in cases {
            match route(&method, path) {
                Route::Api(o, _) => assert_eq!(o.operation_id(), op),
                other => panic!("{path}: {other:?}"),
            }
        }
        assert_eq!(
            route(&Method::PATCH, "settings/data_sharing"),
            Route::WrongMethod
        );
        assert_eq!(route(&Method::GET, "settings/nothing"), Route::NotFound);
    }
}
