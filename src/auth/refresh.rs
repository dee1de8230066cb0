//! The refresh-token flow with single-flight refreshing.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::oauth::error_code;
use super::{authorization, StoredToken, Token, TokenStore};
use crate::body::{self, BodyError};
use crate::datacenter::{api_base, checked_server_url};
use crate::error::{transport_cause, Error, TransportKind};

/// A failure's cause, shared by every caller that waited for the same refresh.
///
/// An `Arc` in an error chain hides the type of the error it holds from `downcast_ref`. So a
/// cause that is itself an I/O error (a timeout, see `transport_cause`) is kept as its kind
/// and inner error, and each caller gets an I/O error of its own; a cause whose I/O error
/// lies deeper is shared as it is.
#[derive(Clone)]
enum SharedCause {
    Io(
        std::io::ErrorKind,
        Arc<dyn std::error::Error + Send + Sync + 'static>,
    ),
    /// A token response past the size limit: each caller gets its own
    /// [`Error::ResponseTooLarge`], so it can be matched.
    TooLarge {
        status: u16,
        limit: u64,
    },
    Other(Arc<dyn std::error::Error + Send + Sync + 'static>),
}

type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

impl SharedCause {
    fn new(cause: Cause) -> SharedCause {
        if let Some(Error::ResponseTooLarge { status, limit, .. }) = cause.downcast_ref::<Error>() {
            return SharedCause::TooLarge {
                status: *status,
                limit: *limit,
            };
        }
        match cause.downcast::<std::io::Error>() {
            Ok(io) => {
                let kind = io.kind();
                match io.into_inner() {
                    Some(inner) => SharedCause::Io(kind, Arc::from(inner)),
                    None => SharedCause::Io(kind, Arc::new(std::io::Error::from(kind))),
                }
            }
            Err(other) => SharedCause::Other(Arc::from(other)),
        }
    }

    fn to_cause(&self) -> Cause {
        match self {
            SharedCause::Io(kind, inner) => Box::new(std::io::Error::new(*kind, inner.clone())),
            SharedCause::TooLarge { status, limit } => Box::new(Error::ResponseTooLarge {
                operation: TOKEN_REQUEST.into(),
                status: *status,
                limit: *limit,
                attempts: 1,
            }),
            SharedCause::Other(inner) => Box::new(inner.clone()),
        }
    }
}

/// The operation named in errors about the accounts server's answer.
const TOKEN_REQUEST: &str = "token request";

/// What a call was doing when its deadline passed, in [`Refresher::within`]'s error: waiting
/// for another call's (or process's) token request...
const WAITING: &str = "waiting for another token request to";
/// ... or its own token request.
const REQUESTING: &str = "the token request to";

/// How long before expiry a token is refreshed (at most half its lifetime).
const REFRESH_EARLY: Duration = Duration::from_secs(60);
/// Lifetime assumed when the token response has no `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// A freshly minted token is used for at least this long after its token response arrived,
/// whatever `expires_in` says: a server answering `expires_in: 0` (or a few seconds) would
/// otherwise make every call mint a token of its own, and Zoho allows only about 10 token
/// requests per 10 minutes. If Zoho really rejects the token sooner, the 401 path refreshes
/// once.
pub(crate) const MIN_REUSE: Duration = Duration::from_secs(10);

struct Current {
    /// `Authorization: Zoho-oauthtoken <token>`, formatted once for every request.
    header: HeaderValue,
    /// When the token is due for refresh, on the monotonic clock: a step of the wall clock
    /// (NTP on a busy virtual machine) neither expires a token early nor keeps one too long.
    /// `None`: never (a stored token without an expiry).
    refresh_at: Option<Instant>,
    /// `{api_domain}/crm/v8`, when the accounts server named a domain.
    api_base: Option<Arc<str>>,
    generation: u64,
}

#[derive(Default)]
struct State {
    current: Option<Current>,
    generation: u64,
    /// Refresh attempts finished so far (success or failure).
    refreshes: u64,
    /// Why the last refresh failed, if it did, and the failure underneath.
    last_failure: Option<(String, Option<SharedCause>)>,
}

pub(crate) struct Refresher {
    http: reqwest::Client,
    token_url: Url,
    client_id: String,
    client_secret: SecretString,
    refresh_token: SecretString,
    store: Arc<dyn TokenStore>,
    /// Whose tokens these are in the store: client id, accounts server and grant.
    store_key: String,
    follow_api_domain: bool,
    state: Mutex<State>,
    flight: tokio::sync::Mutex<()>,
    /// Largest token response read ([`crate::ClientBuilder::max_response_bytes`]).
    max_response_bytes: u64,
}

impl fmt::Debug for Refresher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refresher")
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &"[REDACTED]")
            .field("client_secret", &"[REDACTED]")
            .field("refresh_token", &"[REDACTED]")
            .field("follow_api_domain", &self.follow_api_domain)
            .finish_non_exhaustive()
    }
}

/// The fields of a token response this client uses, read leniently from a JSON object.
struct TokenResponse {
    access_token: Option<String>,
    expires_in: Option<Duration>,
    api_domain: Option<String>,
    error: Option<String>,
}

/// Why a token response could not be used. Never carries any value of the body: a token
/// endpoint's body may hold an access token anywhere, so only key names and JSON types are
/// described.
fn shape(value: &serde_json::Value) -> String {
    use serde_json::Value;
    fn kind(v: &Value) -> &'static str {
        match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }
    match value {
        Value::Object(map) => {
            let mut keys: Vec<String> = map
                .iter()
                .take(12)
                .map(|(k, v)| {
                    // Key names are the server's, not ours: keep them short and printable.
                    let k: String = k
                        .chars()
                        .take(32)
                        .map(|c| {
                            if c.is_ascii_alphanumeric() || c == '_' {
                                c
                            } else {
                                '?'
                            }
                        })
                        .collect();
                    format!("{k}: {}", kind(v))
                })
                .collect();
            if map.len() > 12 {
                keys.push(format!("... {} more", map.len() - 12));
            }
            format!("a JSON object with {{{}}}", keys.join(", "))
        }
        other => format!("a JSON {}", kind(other)),
    }
}

/// `expires_in` as a number of seconds or a string of one (both seen from OAuth servers).
/// A negative lifetime counts as zero, one too large to represent as the default.
fn seconds(v: &serde_json::Value) -> Option<Duration> {
    let secs = match v {
        serde_json::Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                return Some(Duration::from_secs(u));
            }
            n.as_f64()?
        }
        serde_json::Value::String(s) => {
            let s = s.trim();
            if let Ok(u) = s.parse::<u64>() {
                return Some(Duration::from_secs(u));
            }
            s.parse::<f64>().ok().filter(|f| f.is_finite())?
        }
        _ => return None,
    };
    Some(Duration::try_from_secs_f64(secs.max(0.0)).unwrap_or(DEFAULT_LIFETIME))
}

impl TokenResponse {
    /// Reads the fields, or explains (by key names and JSON types only) why the body is
    /// not a token response.
    fn parse(bytes: &[u8]) -> Result<TokenResponse, String> {
        let value: serde_json::Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(_) if bytes.iter().all(u8::is_ascii_whitespace) => {
                return Err("an empty body".into())
            }
            Err(_) => return Err(format!("{} bytes that are not JSON", bytes.len())),
        };
        let Some(map) = value.as_object() else {
            return Err(shape(&value));
        };
        let text = |key: &str| -> Result<Option<String>, String> {
            match map.get(key) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(shape(&value)),
            }
        };
        let expires_in = match map.get("expires_in") {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => Some(seconds(v).ok_or_else(|| shape(&value))?),
        };
        Ok(TokenResponse {
            access_token: text("access_token")?,
            expires_in,
            api_domain: text("api_domain")?,
            error: text("error")?,
        })
    }
}

/// When a token is due for refresh: [`REFRESH_EARLY`] (at most half its lifetime) before it
/// expires, its lifetime counted from when the token request was `sent` (Zoho's clock for it
/// started no earlier); but never sooner than [`MIN_REUSE`] after its answer was `received`,
/// however long the answer took.
fn refresh_at(sent: Instant, received: Instant, lifetime: Duration) -> Instant {
    let early = REFRESH_EARLY.min(lifetime / 2);
    let by_expiry = sent
        .checked_add(lifetime.saturating_sub(early))
        .unwrap_or(sent + DEFAULT_LIFETIME);
    let by_reuse = received.checked_add(MIN_REUSE).unwrap_or(received);
    by_expiry.max(by_reuse)
}

/// The monotonic instant at which a wall-clock time falls, seen from now: `None` when it is
/// too far ahead to represent (never, in practice).
fn instant_at(at: SystemTime) -> Option<Instant> {
    let now = Instant::now();
    match at.duration_since(SystemTime::now()) {
        Ok(ahead) => now.checked_add(ahead),
        Err(_) => Some(now),
    }
}

impl Refresher {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        http: reqwest::Client,
        accounts: &Url,
        client_id: String,
        client_secret: SecretString,
        refresh_token: SecretString,
        store: Arc<dyn TokenStore>,
        follow_api_domain: bool,
        max_response_bytes: u64,
    ) -> Result<Self, Error> {
        let base = accounts.as_str().trim_end_matches('/');
        let token_url = if base.ends_with("/oauth/v2/token") {
            base.to_owned()
        } else {
            format!("{base}/oauth/v2/token")
        };
        let token_url = Url::parse(&token_url).map_err(|e| Error::Config {
            reason: format!("accounts URL is not valid: {e}"),
            source: None,
        })?;
        let store_key = super::token_store::store_key(
            &client_id,
            token_url.as_str(),
            refresh_token.expose_secret(),
        );
        Ok(Refresher {
            http,
            token_url,
            store_key,
            client_id,
            client_secret,
            refresh_token,
            store,
            follow_api_domain,
            state: Mutex::new(State::default()),
            flight: tokio::sync::Mutex::new(()),
            max_response_bytes,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The current token if it is not due for refresh.
    fn fresh(&self) -> Option<Token> {
        let st = self.lock();
        let cur = st.current.as_ref()?;
        if cur.refresh_at.is_some_and(|t| Instant::now() >= t) {
            return None;
        }
        Some(Token {
            header: cur.header.clone(),
            generation: cur.generation,
        })
    }

    pub(crate) fn api_base(&self) -> Option<Arc<str>> {
        if !self.follow_api_domain {
            return None;
        }
        self.lock().current.as_ref()?.api_base.clone()
    }

    /// The outcome of a refresh that finished while this caller waited for its turn: every
    /// waiter shares it instead of sending a token request of its own. A failing accounts
    /// server sees one request, not one per waiting call (Zoho allows few per 10 minutes),
    /// and a token minted for the waiters is used by them even if `expires_in` already says
    /// it is due again.
    fn outcome_while_waiting(&self, seen: u64) -> Option<Result<Token, Error>> {
        let st = self.lock();
        if st.refreshes == seen {
            return None;
        }
        if let Some((reason, source)) = st.last_failure.as_ref() {
            return Some(Err(Error::Auth {
                reason: reason.clone(),
                source: source.as_ref().map(SharedCause::to_cause),
            }));
        }
        st.current.as_ref().map(|cur| {
            Ok(Token {
                header: cur.header.clone(),
                generation: cur.generation,
            })
        })
    }

    /// The current token, or a new one. Waiting for another call's token request, for
    /// another process sharing the store and for the accounts server all end at `deadline`
    /// (the calling operation's [`crate::RetryPolicy::total_deadline`]).
    pub(crate) async fn token(&self, deadline: Instant) -> Result<Token, Error> {
        if let Some(t) = self.fresh() {
            return Ok(t);
        }
        let seen = self.lock().refreshes;
        let _flight = self.within(deadline, WAITING, self.flight.lock()).await?;
        // Someone may have refreshed while we waited.
        if let Some(t) = self.fresh() {
            return Ok(t);
        }
        if let Some(outcome) = self.outcome_while_waiting(seen) {
            return outcome;
        }
        // Another process sharing the store may be minting a token: wait for it, then use
        // the stored token if it is fresh (the lock is held until the new token is saved).
        let _shared = self.within(deadline, WAITING, self.lock_store()).await?;
        self.load_from_store().await;
        if let Some(t) = self.fresh() {
            return Ok(t);
        }
        self.refresh_locked(deadline).await
    }

    /// Runs `step` until `deadline`; past it, the error says what was `doing` (one of
    /// [`WAITING`] and [`REQUESTING`]) at which accounts server.
    async fn within<T>(
        &self,
        deadline: Instant,
        doing: &str,
        step: impl std::future::Future<Output = T>,
    ) -> Result<T, Error> {
        let started = Instant::now();
        tokio::time::timeout_at(deadline.into(), step)
            .await
            .map_err(|_| {
                let host = self.token_url.host_str().unwrap_or("?");
                Error::Auth {
                    reason: format!(
                        "{doing} the accounts server {host} passed the call's total deadline"
                    ),
                    source: Some(Box::new(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!(
                            "gave up after {:?}; raise RetryPolicy::total_deadline if the \
                             accounts server is this slow",
                            started.elapsed()
                        ),
                    ))),
                }
            })
    }

    /// The store's lock against other processes' token requests; none if it fails.
    async fn lock_store(&self) -> Option<super::RefreshLock> {
        match self.store.refresh_lock(&self.store_key).await {
            Ok(lock) => Some(lock),
            Err(e) => {
                tracing::debug!(error = %e, "could not lock the token store; refreshing without it");
                None
            }
        }
    }

    /// A new token because Zoho rejected generation `rejected`, unless another call replaced
    /// it already; bounded by `deadline` like [`Self::token`].
    pub(crate) async fn refresh_after_rejection(
        &self,
        rejected: u64,
        deadline: Instant,
    ) -> Result<Token, Error> {
        let seen = self.lock().refreshes;
        let _flight = self.within(deadline, WAITING, self.flight.lock()).await?;
        {
            let st = self.lock();
            if let Some(cur) = st.current.as_ref() {
                if cur.generation != rejected {
                    return Ok(Token {
                        header: cur.header.clone(),
                        generation: cur.generation,
                    });
                }
            }
        }
        if let Some(Err(e)) = self.outcome_while_waiting(seen) {
            return Err(e);
        }
        // Another process sharing the store may have replaced the rejected token already.
        let _shared = self.within(deadline, WAITING, self.lock_store()).await?;
        self.load_from_store().await;
        if let Some(t) = self.fresh().filter(|t| t.generation != rejected) {
            return Ok(t);
        }
        self.refresh_locked(deadline).await
    }

    async fn load_from_store(&self) {
        let loaded = match self.store.load(&self.store_key).await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "could not load the stored access token; refreshing");
                None
            }
        };
        let mut st = self.lock();
        let loaded = loaded.and_then(|tok| match authorization(&tok.access_token) {
            Some(header) => Some((tok, header)),
            None => {
                tracing::warn!(
                    "the stored access token cannot be sent in an HTTP header; refreshing"
                );
                None
            }
        });
        if let Some((tok, header)) = loaded {
            if st.current.as_ref().is_some_and(|cur| cur.header == header) {
                // The token this client already holds (it saved it): keep its generation, so
                // a call that saw it rejected does not take it for a new one.
                return;
            }
            let api_domain = tok
                .api_domain
                .as_deref()
                .and_then(|d| checked_server_url("stored api_domain", d).ok())
                .filter(|u| crate::tls::require_for("stored api_domain", u).is_ok())
                .map(|u| Arc::from(api_base(&u)));
            st.generation += 1;
            st.current = Some(Current {
                header,
                refresh_at: tok.expires_at.and_then(|e| {
                    instant_at(
                        e.checked_sub(REFRESH_EARLY)
                            .unwrap_or(SystemTime::UNIX_EPOCH),
                    )
                }),
                api_base: api_domain,
                generation: st.generation,
            });
        }
    }

    /// Mints a new access token and records the outcome. Call only while holding `flight`.
    ///
    /// A token request cut off at `deadline` is recorded like any failure: the calls that
    /// waited for it share it instead of sending token requests of their own to an accounts
    /// server that does not answer (Zoho allows about 10 per 10 minutes).
    async fn refresh_locked(&self, deadline: Instant) -> Result<Token, Error> {
        let result = match self.within(deadline, REQUESTING, self.mint()).await {
            Ok(minted) => minted,
            Err(timed_out) => Err(timed_out),
        };
        let mut st = self.lock();
        st.refreshes += 1;
        match result {
            Ok(token) => {
                st.last_failure = None;
                Ok(token)
            }
            Err(Error::Auth { reason, source }) => {
                let source = source.map(SharedCause::new);
                st.last_failure = Some((reason.clone(), source.clone()));
                Err(Error::Auth {
                    reason,
                    source: source.as_ref().map(SharedCause::to_cause),
                })
            }
            Err(other) => {
                st.last_failure = Some((other.to_string(), None));
                Err(other)
            }
        }
    }

    /// One token request to the accounts server.
    async fn mint(&self) -> Result<Token, Error> {
        let host = self.token_url.host_str().unwrap_or("?").to_owned();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "refresh_token")
            .append_pair("client_id", &self.client_id)
            .append_pair("client_secret", self.client_secret.expose_secret())
            .append_pair("refresh_token", self.refresh_token.expose_secret())
            .finish();
        tracing::debug!(accounts = %host, "refreshing the Zoho access token");
        let now = SystemTime::now();
        let sent = Instant::now();
        let mut resp = self
            .http
            .post(self.token_url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| {
                let kind = TransportKind::of(&e);
                Error::Auth {
                    reason: format!(
                        "could not get a token from the accounts server {host}: {kind}"
                    ),
                    source: Some(transport_cause(kind, e.without_url())),
                }
            })?;
        let status = resp.status();
        let bytes = body::read(&mut resp, self.max_response_bytes)
            .await
            .map_err(|e| match e {
                BodyError::TooLarge => Error::Auth {
                    reason: format!(
                        "the accounts server {host} sent a token response too large to read"
                    ),
                    source: Some(Box::new(Error::ResponseTooLarge {
                        operation: TOKEN_REQUEST.into(),
                        status: status.as_u16(),
                        limit: self.max_response_bytes,
                        attempts: 1,
                    })),
                },
                BodyError::Read(e) => {
                    let kind = TransportKind::of(&e);
                    Error::Auth {
                        reason: format!(
                            "could not read the token response of the accounts server {host}: \
                             {kind}"
                        ),
                        source: Some(transport_cause(kind, e.without_url())),
                    }
                }
            })?;
        drop(resp);
        let received = Instant::now();
        let parsed = match TokenResponse::parse(&bytes) {
            Ok(p) => p,
            Err(what) => {
                return Err(Error::Auth {
                    reason: format!(
                        "the accounts server {host} answered HTTP {} with a body that is not a \
                         token response: {what}",
                        status.as_u16(),
                    ),
                    source: None,
                })
            }
        };
        if let Some(err) = parsed.error.as_deref() {
            let hint = match err {
                "invalid_code" => " (the refresh token is invalid or revoked, or belongs to another data centre; if it is a grant code from the API console, exchange the grant code first: a grant code is not a refresh token)",
                "invalid_client" => " (the client id or client secret is wrong, or the client belongs to another data centre)",
                "Access Denied" => " (too many token requests: Zoho allows about 10 per 10 minutes per refresh token)",
                _ => "",
            };
            let err = error_code(err);
            return Err(Error::Auth {
                reason: format!(
                    "the accounts server {host} refused the refresh (HTTP {}): {err}{hint}",
                    status.as_u16()
                ),
                source: None,
            });
        }
        let Some(access) = parsed.access_token.filter(|_| status.is_success()) else {
            return Err(Error::Auth {
                reason: format!(
                    "the accounts server {host} answered HTTP {} without an access token",
                    status.as_u16()
                ),
                source: None,
            });
        };
        let lifetime = parsed.expires_in.unwrap_or(DEFAULT_LIFETIME);
        let api_domain = match parsed.api_domain.as_deref() {
            Some(d) if self.follow_api_domain => Some(
                checked_server_url("api_domain from the token response", d)
                    .and_then(|u| {
                        crate::tls::require_for("api_domain from the token response", &u)?;
                        Ok(u)
                    })
                    .map_err(|e| Error::Auth {
                        reason: e.to_string(),
                        source: None,
                    })?,
            )
            .map(|u| Arc::<str>::from(api_base(&u))),
            _ => None,
        };
        let secret = SecretString::from(access);
        let Some(header) = authorization(&secret) else {
            return Err(Error::Auth {
                reason: format!(
                    "the accounts server {host} sent an access token that cannot be sent in an \
                     HTTP header (it contains a control character or a line break)"
                ),
                source: None,
            });
        };
        let stored = StoredToken {
            access_token: secret,
            // A lifetime too large to add is used for `DEFAULT_LIFETIME` (see `refresh_at`):
            // stored so, other processes sharing the store let it fall due too.
            expires_at: now
                .checked_add(lifetime)
                .or_else(|| now.checked_add(DEFAULT_LIFETIME)),
            api_domain: parsed.api_domain.clone(),
        };
        let token = {
            let mut st = self.lock();
            st.generation += 1;
            let api_base =
                api_domain.or_else(|| st.current.as_ref().and_then(|c| c.api_base.clone()));
            st.current = Some(Current {
                header: header.clone(),
                refresh_at: Some(refresh_at(sent, received, lifetime)),
                api_base,
                generation: st.generation,
            });
            Token {
                header,
                generation: st.generation,
            }
        };
        if let Err(e) = self.store.save(&self.store_key, &stored).await {
            tracing::warn!(error = %e, "could not store the new access token");
        }
        Ok(token)
    }
}
