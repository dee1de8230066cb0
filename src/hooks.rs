//! The transport under the generated client: authentication, retries, the concurrency limit
//! and tracing, applied to every request progenitor builds.
//!
//! The generated client calls `ClientHooks::exec` for each operation (the impl lives beside
//! the generated code, in `crate::generated`, and calls [`Shared::execute`]). Here that:
//! * sets `Authorization: Zoho-oauthtoken <token>` (refreshing the token first when due; the
//!   header value is formatted once per token);
//! * sends the request to the API domain the accounts server named, when the client follows
//!   it (see [`crate::ClientBuilder::follow_api_domain`]);
//! * waits for a slot under the in-flight limit (a semaphore; default 10);
//! * reads every response body here, within the size limit
//!   ([`crate::ClientBuilder::max_response_bytes`]; see `crate::body`), so a body that breaks
//!   off can be retried and one that is too large is refused without buffering it;
//! * retries per [`RetryPolicy`] and refreshes once on a 401 `INVALID_TOKEN` or
//!   `AUTHENTICATION_FAILURE`, sending the retry with exactly the token that refresh gave;
//! * records a `zoho_request` span with the operationId (the spec's, e.g.
//!   `getOrgPermissions`), attempt, status and duration.
//!
//! Failures that happen before any response exists (no token, deadline passed) cannot be
//! expressed as a `reqwest::Error`; they reach callers of the raw client as
//! `progenitor_client::Error::Custom` with a readable message, and callers of
//! [`crate::Client`] as the typed [`crate::Error`].

use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::AUTHORIZATION;
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::auth::{Auth, Token};
use crate::body::BodyError;
use crate::error::Error;
use crate::operations::Operation;
use crate::retry::{repeatable, retryable_status, retryable_transport, RetryPolicy};

/// Default number of requests in flight at once (Zoho allows 5 to 25 per org by edition).
pub(crate) const DEFAULT_MAX_CONCURRENCY: usize = 10;

/// Default limit on one response body (see `ClientBuilder::DEFAULT_MAX_RESPONSE_BYTES`).
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: u64 = crate::body::DEFAULT_LIMIT;

/// Marks a response synthesized for a failure that happened before any real response, with
/// a readable message: a response extension of a type private to this crate, so nothing a
/// server sends can pose as one.
#[derive(Clone)]
struct LocalFailure(String);

/// A transport that answers requests instead of sending them (a dry run): it gets each
/// request as the generated client built it, with its operationId, and gives the status and
/// JSON body the call gets back. No request goes to the network. Set on a client made by
/// `Client::answering` (crate-internal).
pub(crate) type Responder =
    Arc<dyn Fn(&'static str, &reqwest::Request) -> (u16, bytes::Bytes) + Send + Sync>;

/// What the raw client carries for the hand-written transport: credentials, the retry policy
/// and the in-flight limit. [`crate::ClientBuilder`] builds it into every [`crate::Client`];
/// [`crate::Client::raw`] is the way to a raw client that authenticates. `Hooks::default()`
/// sends requests without authentication, with the default retries and limit (for
/// [`RawClient::new`](crate::raw::RawClient::new) against the simulator or a proxy that
/// adds credentials).
#[derive(Clone)]
pub struct Hooks {
    pub(crate) shared: Arc<Shared>,
}

impl Default for Hooks {
    fn default() -> Self {
        Hooks {
            shared: Arc::new(Shared::new(
                Auth::None,
                DEFAULT_MAX_CONCURRENCY,
                RetryPolicy::default(),
                String::new(),
                DEFAULT_MAX_RESPONSE_BYTES,
            )),
        }
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("auth", &self.shared.auth)
            .field("max_concurrency", &self.shared.max_concurrency)
            .field("retry", &self.shared.retry)
            .field("max_response_bytes", &self.shared.max_response_bytes)
            .finish()
    }
}

pub(crate) struct Shared {
    pub(crate) auth: Auth,
    limit: Semaphore,
    pub(crate) max_concurrency: usize,
    pub(crate) retry: RetryPolicy,
    /// The API base the generated client was built with (`{domain}/crm/v8`).
    configured_base: String,
    /// The largest response body read.
    pub(crate) max_response_bytes: u64,
    /// When set, requests are answered by it and never sent (see [`Responder`]).
    pub(crate) responder: Option<Responder>,
}

tokio::task_local! {
    /// Per-call record the typed layer reads after a generated call returns.
    pub(crate) static CALL: CallContext;
}

/// What happened during one operation, for [`crate::Client`]'s error mapping.
///
/// Kept small (the error is boxed): the task-local scope moves it in and out of its slot at
/// every poll of the call.
#[derive(Default)]
pub(crate) struct CallContext {
    pub(crate) attempts: Cell<u32>,
    pub(crate) status: Cell<Option<u16>>,
    pub(crate) error: RefCell<Option<Box<Error>>>,
    /// The `Retry-After` wait that was not taken because it would pass the deadline.
    pub(crate) retry_after: Cell<Option<Duration>>,
}

impl Shared {
    pub(crate) fn new(
        auth: Auth,
        max_concurrency: usize,
        retry: RetryPolicy,
        configured_base: String,
        max_response_bytes: u64,
    ) -> Self {
        let max_concurrency = max_concurrency.max(1);
        Shared {
            auth,
            limit: Semaphore::new(max_concurrency),
            max_concurrency,
            retry,
            configured_base,
            max_response_bytes,
            responder: None,
        }
    }

    /// The request URL, moved to the API domain the accounts server named (if any).
    fn route(&self, url: &reqwest::Url) -> Option<reqwest::Url> {
        let target = self.auth.api_base()?;
        // No base to move from: only `Hooks::default()` has none (and no token, so no domain).
        if self.configured_base.is_empty() {
            return None;
        }
        if *target == *self.configured_base {
            return None;
        }
        let rest = url.as_str().strip_prefix(self.configured_base.as_str())?;
        reqwest::Url::parse(&format!("{target}{rest}")).ok()
    }

    /// Sends one operation's request (see the module docs); called by the generated
    /// client's `ClientHooks::exec` (in `crate::generated`).
    /// `name` is progenitor's method name for the operation (`get_org_permissions`); spans
    /// and errors carry the spec's operationId, and the operation's retry safety comes from the
    /// spec's table.
    pub(crate) async fn execute(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        name: &'static str,
    ) -> reqwest::Result<reqwest::Response> {
        let op = Operation::from_generated_name(name);
        let operation = op.map_or(name, Operation::id);
        if let Some(respond) = &self.responder {
            return Ok(answered(respond, operation, &request));
        }
        let span = tracing::info_span!(
            "zoho_request",
            operation,
            method = %request.method(),
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self
            .run(http, request, operation, op, started)
            .instrument(span.clone())
            .await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        result
    }

    /// When an operation `started` then must end: [`RetryPolicy::total_deadline`] later (a
    /// deadline too far to represent is no deadline: 100 years, in seconds).
    pub(crate) fn deadline(&self, started: Instant) -> Instant {
        started
            .checked_add(self.retry.get_total_deadline())
            .unwrap_or_else(|| started + Duration::from_secs(3_153_600_000))
    }

    async fn run(
        &self,
        http: &reqwest::Client,
        template: reqwest::Request,
        operation: &'static str,
        op: Option<Operation>,
        started: Instant,
    ) -> reqwest::Result<reqwest::Response> {
        let span = tracing::Span::current();
        let method = template.method().clone();
        let deadline = self.deadline(started);
        let max_attempts = self.retry.get_max_attempts();
        // A request whose body cannot be cloned is sent once.
        let mut template = Some(template);
        let mut attempt: u32 = 0;
        let mut refreshed_after_401 = false;
        // The token the refresh after a 401 produced. The retry sends exactly it, without
        // asking the clock again whether it is due: on a slow machine (or with a short
        // `expires_in`) the clock could already call it due, and the retry would mint yet
        // another token instead of using the one just refreshed for it.
        let mut refreshed: Option<Token> = None;
        loop {
            attempt += 1;
            span.record("attempts", attempt);
            let _ = CALL.try_with(|c| c.attempts.set(attempt));
            // Every retry path below requires `can_retry`, so a request that could not be
            // cloned is taken exactly once.
            // The last allowed attempt sends the template itself (no copy), unless a 401 may
            // still call for one refresh-and-retry.
            let last = attempt >= max_attempts && (refreshed_after_401 || !self.auth.can_refresh());
            let Some((mut req, can_retry)) = (if last { None } else { template.as_ref() })
                .and_then(|t| t.try_clone())
                .map(|r| (r, true))
                .or_else(|| template.take().map(|r| (r, false)))
            else {
                return Ok(local_error(Error::Config {
                    reason: "internal: a request that cannot be cloned was retried".into(),
                    source: None,
                }));
            };

            let token = match refreshed.take() {
                Some(t) => Some(t),
                None => match self.auth.token(deadline).await {
                    Ok(t) => t,
                    Err(e) => return Ok(local_error(e)),
                },
            };
            if let Some(t) = &token {
                req.headers_mut().insert(AUTHORIZATION, t.header.clone());
            }
            if let Some(url) = self.route(req.url()) {
                *req.url_mut() = url;
            }

            let timed_out = |attempts| {
                local_error(Error::Timeout {
                    operation: operation.to_owned(),
                    attempts,
                    elapsed: started.elapsed(),
                })
            };
            // A free slot is taken without arming a timer; otherwise wait until the deadline.
            let acquired = match self.limit.try_acquire() {
                Ok(p) => Ok(Ok(p)),
                Err(_) => tokio::time::timeout_at(deadline.into(), self.limit.acquire()).await,
            };
            let permit = match acquired {
                Ok(Ok(p)) => p,
                // The semaphore is never closed; were it, the limit could not be enforced.
                Ok(Err(_closed)) => {
                    return Ok(local_error(Error::Config {
                        reason: "internal: the concurrency limiter was closed".into(),
                        source: None,
                    }))
                }
                Err(_) => return Ok(timed_out(attempt - 1)),
            };
            let sent = Instant::now();
            // A started attempt runs to completion, bounded by the per-attempt timeout. It
            // holds its slot until its body is read (Zoho counts a request until its answer
            // ends), and gives it back before any wait.
            let outcome = http.execute(req).await;
            let took = sent.elapsed();

            let mut resp = match outcome {
                Err(e) => {
                    drop(permit);
                    let retry =
                        can_retry && attempt < max_attempts && retryable_transport(&method, op, &e);
                    let wait = self.retry.backoff(attempt);
                    if retry && fits(wait, deadline) {
                        tracing::info!(attempt, error = %e, wait_ms = wait.as_millis() as u64, "transport failure; retrying");
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    // The caller gets the error; logging it louder would say it twice.
                    tracing::debug!(attempt, error = %e, "transport failure");
                    return Err(e);
                }
                Ok(resp) => resp,
            };

            let status = resp.status();
            span.record("status", status.as_u16());
            let _ = CALL.try_with(|c| c.status.set(Some(status.as_u16())));
            tracing::debug!(
                attempt,
                status = status.as_u16(),
                duration_ms = took.as_millis() as u64,
                "response"
            );

            if can_retry && attempt < max_attempts && retryable_status(&method, op, status) {
                let wait = self.retry.wait_after(attempt, resp.headers());
                if fits(wait, deadline) {
                    tracing::info!(
                        attempt,
                        status = status.as_u16(),
                        wait_ms = wait.as_millis() as u64,
                        "retryable status; retrying"
                    );
                    drop((resp, permit));
                    tokio::time::sleep(wait).await;
                    continue;
                }
                let asked = crate::retry::retry_after(resp.headers(), std::time::SystemTime::now());
                let _ = CALL.try_with(|c| c.retry_after.set(asked));
                tracing::debug!(
                    attempt,
                    status = status.as_u16(),
                    wait_ms = wait.as_millis() as u64,
                    "retryable status, but waiting would pass the retry deadline; giving up"
                );
            }

            // Every body is read here, within the size limit: one that breaks off (fewer bytes
            // than Content-Length, a reset) is retried like a failed attempt when another is
            // allowed, and one that is too large is refused without reading the rest.
            let read = crate::body::read(&mut resp, self.max_response_bytes).await;
            drop(permit);
            let body = match read {
                Ok(body) => body,
                Err(BodyError::TooLarge) => {
                    tracing::debug!(
                        attempt,
                        status = status.as_u16(),
                        limit = self.max_response_bytes,
                        "response body larger than the limit; not read"
                    );
                    return Ok(local_error(Error::ResponseTooLarge {
                        operation: operation.to_owned(),
                        status: status.as_u16(),
                        limit: self.max_response_bytes,
                        attempts: attempt,
                    }));
                }
                Err(BodyError::Read(e)) => {
                    let wait = self.retry.backoff(attempt);
                    if can_retry
                        && attempt < max_attempts
                        && repeatable(&method, op)
                        && fits(wait, deadline)
                    {
                        tracing::info!(attempt, status = status.as_u16(), error = %e, wait_ms = wait.as_millis() as u64, "incomplete response body; retrying");
                        drop(resp);
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    tracing::debug!(attempt, status = status.as_u16(), error = %e, "incomplete response body");
                    return Ok(local_error(incomplete(operation, status, attempt, e)));
                }
            };

            if status == reqwest::StatusCode::UNAUTHORIZED
                && can_retry
                && !refreshed_after_401
                && self.auth.can_refresh()
                && token_rejected(&body)
            {
                refreshed_after_401 = true;
                let rejected = token.as_ref().map(|t| t.generation).unwrap_or(0);
                tracing::info!(attempt, "access token rejected; refreshing once");
                match self.auth.refresh_after_rejection(rejected, deadline).await {
                    Ok(t) => refreshed = Some(t),
                    Err(e) => return Ok(local_error(e)),
                }
                continue;
            }
            return Ok(rebuild(resp, body));
        }
    }
}

/// The error for a response whose body could not be read to its end: the attempt's timeout
/// ran out while reading ([`Error::Transport`], [`crate::TransportKind::ReadTimeout`]), or the
/// body broke off ([`Error::IncompleteResponse`]).
pub(crate) fn incomplete(
    operation: &str,
    status: reqwest::StatusCode,
    attempts: u32,
    source: reqwest::Error,
) -> Error {
    if source.is_timeout() {
        return Error::transport(operation, attempts, source);
    }
    Error::IncompleteResponse {
        operation: operation.to_owned(),
        status: status.as_u16(),
        attempts,
        source: Box::new(source),
    }
}

/// Whether waiting `wait` from now still ends before `deadline` (never overflows).
fn fits(wait: Duration, deadline: Instant) -> bool {
    Instant::now()
        .checked_add(wait)
        .is_some_and(|t| t < deadline)
}

/// Whether a 401 body says the token itself is bad (as opposed to, say, a scope mismatch).
fn token_rejected(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Code {
        code: String,
    }
    match serde_json::from_slice::<Code>(body) {
        Ok(c) => matches!(c.code.as_str(), "INVALID_TOKEN" | "AUTHENTICATION_FAILURE"),
        Err(_) => false,
    }
}

/// The response with its body, already read, in place of the stream it came from (headers
/// moved, not copied).
fn rebuild(mut resp: reqwest::Response, body: bytes::Bytes) -> reqwest::Response {
    use reqwest::ResponseBuilderExt;
    let headers = std::mem::take(resp.headers_mut());
    let mut builder = http::Response::builder()
        .status(resp.status())
        .version(resp.version())
        .url(resp.url().clone());
    if let Some(h) = builder.headers_mut() {
        *h = headers;
    }
    match builder.body(body) {
        Ok(r) => reqwest::Response::from(r),
        Err(_) => reqwest::Response::from(http::Response::new(bytes::Bytes::new())),
    }
}

/// The answer a [`Responder`] gives to `request`, as a response of one attempt: nothing is
/// sent, no token asked for, no slot taken, no retry made.
fn answered(
    respond: &Responder,
    operation: &'static str,
    request: &reqwest::Request,
) -> reqwest::Response {
    let (status, body) = respond(operation, request);
    let _ = CALL.try_with(|c| {
        c.attempts.set(1);
        c.status.set(Some(status));
    });
    let mut resp = http::Response::new(body);
    *resp.status_mut() =
        reqwest::StatusCode::from_u16(status).unwrap_or(reqwest::StatusCode::BAD_GATEWAY);
    resp.headers_mut().insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    reqwest::Response::from(resp)
}

/// A synthetic response standing for a failure that has no real response: the typed error
/// goes to the caller's [`CallContext`], and a readable message into a [`LocalFailure`] that
/// `ClientHooks::post` turns into `progenitor_client::Error::Custom`.
fn local_error(error: Error) -> reqwest::Response {
    let message: String = error
        .to_string()
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    let _ = CALL.try_with(|c| *c.error.borrow_mut() = Some(Box::new(error)));
    let mut resp = http::Response::new(bytes::Bytes::new());
    *resp.status_mut() =
        reqwest::StatusCode::from_u16(599).unwrap_or(reqwest::StatusCode::BAD_GATEWAY);
    resp.extensions_mut().insert(LocalFailure(message));
    reqwest::Response::from(resp)
}

/// The message of a synthetic response made by [`local_error`], if `resp` is one.
pub(crate) fn local_error_message(resp: &reqwest::Response) -> Option<String> {
    resp.extensions()
        .get::<LocalFailure>()
        .map(|failure| failure.0.clone())
}
