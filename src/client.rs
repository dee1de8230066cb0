//! [`Client`] and [`ClientBuilder`]: the entry point of the hand-written layer.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use progenitor_client::ResponseValue;
use secrecy::SecretString;
use serde::de::DeserializeOwned;

use crate::auth::{Auth, MemoryTokenStore, Refresher, TokenStore};
use crate::datacenter::{api_base, checked_server_url, DataCenter, Environment};
use crate::error::{excerpt, from_error_body, Error};
use crate::generated::{enums, types};
use crate::generated_client;
pub(crate) use crate::hooks::Responder;
use crate::hooks::{CallContext, Hooks, Shared, CALL};
use crate::operations::Operation;
use crate::retry::RetryPolicy;

/// A Zoho CRM client for the access-control settings APIs. Cheap to clone (shared state).
///
/// ```no_run
/// use zoho_crm_access::{Client, DataCenter};
///
/// # async fn run() -> Result<(), zoho_crm_access::Error> {
/// let client = Client::builder()
///     .data_center(DataCenter::Eu)
///     .refresh_token("1000.CLIENTID", "client-secret", "1000.refresh-token")
///     .build()?;
/// if let Some(config) = client.record_locking("Deals").get().await? {
///     println!("Deals lock type: {}", config.lock_type);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    raw: Arc<generated_client::Client>,
    base: Arc<str>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &&*self.base)
            .field("hooks", &self.shared_hooks())
            .finish()
    }
}

/// A successful answer of one generated call.
pub(crate) struct Answer<T> {
    pub(crate) status: u16,
    pub(crate) value: T,
    pub(crate) attempts: u32,
}

/// How [`Client::map_outcome`] leaves one call's outcome.
enum Mapped<T> {
    /// Mapped to the typed layer.
    Done(Result<Option<Answer<T>>, Error>),
    /// A response progenitor did not expect, whose body is still to be taken from it
    /// ([`Client::map_unexpected`]).
    Unexpected(reqwest::Response),
}

/// What sending a generated request gives: Zoho's answer, or the transport's error.
pub(crate) type RawResult<T> =
    Result<ResponseValue<T>, progenitor_client::Error<types::ZohoErrorBody>>;

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The progenitor-generated client underneath ([`crate::raw`]), for operations or options
    /// the handlers do not cover. It shares this client's authentication, retries and
    /// concurrency limit; its results and errors are progenitor's (see the module's
    /// stability note).
    ///
    /// ```no_run
    /// # async fn run(client: zoho_crm_access::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let summary = client.raw().get_sharing_rules_summary().module("Leads").send().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn raw(&self) -> &generated_client::Client {
        &self.raw
    }

    /// The API base requests go to (`{api domain}/crm/v8`), as configured. When the client
    /// follows the token response's `api_domain` (see [`ClientBuilder::follow_api_domain`]),
    /// requests go there instead once a token names it: [`Self::current_base_url`].
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Where requests go now: the `api_domain` of the current token response when the client
    /// follows it, otherwise [`Self::base_url`].
    pub fn current_base_url(&self) -> String {
        match self.shared_hooks().shared.auth.api_base() {
            Some(b) => b.to_string(),
            None => self.base.to_string(),
        }
    }

    /// Gets an access token now (from the token store or the accounts server) instead of on
    /// the first call, so bad credentials show up early. Does nothing for a static token or
    /// a client without authentication. Like any call, it ends at the retry policy's
    /// [`RetryPolicy::total_deadline`]: a token request still unanswered then fails with
    /// [`Error::Auth`] naming the accounts server.
    pub async fn authenticate(&self) -> Result<(), Error> {
        let shared = &self.shared_hooks().shared;
        let deadline = shared.deadline(std::time::Instant::now());
        shared.auth.token(deadline).await.map(|_| ())
    }

    /// A client like this one (same base URL, same HTTP settings) whose requests are
    /// answered by `responder` and never sent: the capturing transport of a dry run. It has
    /// no credentials and makes one attempt per call.
    pub(crate) fn answering(&self, responder: Responder) -> Client {
        let mut shared = Shared::new(
            Auth::None,
            1,
            RetryPolicy::default(),
            self.base.to_string(),
            self.shared_hooks().shared.max_response_bytes,
        );
        shared.responder = Some(responder);
        let hooks = Hooks {
            shared: Arc::new(shared),
        };
        let http =
            <generated_client::Client as progenitor_client::ClientInfo<Hooks>>::client(&self.raw)
                .clone();
        Client {
            raw: Arc::new(generated_client::Client::new_with_client(
                &self.base, http, hooks,
            )),
            base: self.base.clone(),
        }
    }

    /// The most requests this client has in flight at once
    /// ([`ClientBuilder::max_concurrency`]).
    pub(crate) fn max_concurrency(&self) -> usize {
        self.shared_hooks().shared.max_concurrency
    }

    fn shared_hooks(&self) -> &Hooks {
        self.raw.inner_hooks()
    }

    /// Runs one generated call and maps every outcome to the typed layer: `Ok(None)` for 204
    /// (or an empty 2xx body), `Ok(Some)` for a decoded body, [`Error`] otherwise.
    ///
    /// Not an `async fn`: the generated request future is boxed as soon as it is handed over,
    /// so the future returned here (and every layer above it) holds a pointer instead of
    /// moving about 1.6 KB by value at each layer (BENCHMARKS.md, section 1).
    pub(crate) fn call<T, F>(
        &self,
        operation: Operation,
        fut: F,
    ) -> impl Future<Output = Result<Option<Answer<T>>, Error>>
    where
        T: DeserializeOwned,
        F: Future<Output = RawResult<T>>,
    {
        let operation = operation.id();
        let mut scoped = Box::pin(CALL.scope(CallContext::default(), fut));
        async move {
            let result = scoped.as_mut().await;
            // The record the transport kept while the call ran; the scope ends with the call.
            let context = scoped.as_mut().take_value().unwrap_or_default();
            drop(scoped);
            let attempts = context.attempts.get().max(1);
            let status = context.status.get();
            let retry_after = context.retry_after.get();
            if let Some(e) = context.error.into_inner() {
                return Err(*e);
            }
            let outcome = match Self::map_outcome(operation, result, attempts, status) {
                Mapped::Done(outcome) => outcome,
                // Boxed, so this rare path does not enlarge every call's future.
                Mapped::Unexpected(resp) => {
                    Box::pin(Self::map_unexpected(operation, resp, attempts)).await
                }
            };
            // Zoho asked for a wait longer than the deadline allowed: say how long.
            match outcome {
                Err(Error::Api {
                    status,
                    code,
                    message,
                    details,
                    operation,
                    attempts,
                    retry_after: None,
                }) if retry_after.is_some() => Err(Error::Api {
                    status,
                    code,
                    message,
                    details,
                    operation,
                    attempts,
                    retry_after,
                }),
                other => other,
            }
        }
    }

    /// Maps the outcome of one generated call (see [`Self::call`]). Synchronous, so the
    /// 600-byte outcome is not kept across an await in every call's future; the one case
    /// that needs to wait, a response progenitor did not expect, is handed back.
    fn map_outcome<T: DeserializeOwned>(
        operation: &'static str,
        result: RawResult<T>,
        attempts: u32,
        status: Option<u16>,
    ) -> Mapped<T> {
        use progenitor_client::Error as PE;
        Mapped::Done(match result {
            Ok(rv) => Ok(Some(Answer {
                status: rv.status().as_u16(),
                value: rv.into_inner(),
                attempts,
            })),
            Err(PE::ErrorResponse(rv)) => Err(from_error_body(
                operation,
                rv.status().as_u16(),
                rv.into_inner(),
                attempts,
            )),
            Err(PE::UnexpectedResponse(resp)) => return Mapped::Unexpected(resp),
            Err(PE::InvalidResponsePayload(bytes, _)) => {
                let st = status.unwrap_or(0);
                if st >= 400 {
                    Err(error_from_bytes(operation, st, &bytes, attempts))
                } else {
                    match decode::<T>(operation, st, &bytes) {
                        Err(e) => Err(e),
                        // serde_json alone failed but the path-tracking decoder succeeded:
                        // report the generic failure rather than inventing success.
                        Ok(_) => Err(Error::Decode {
                            operation: operation.to_owned(),
                            status: st,
                            path: ".".into(),
                            message: "the body did not decode".into(),
                            excerpt: excerpt(&bytes),
                        }),
                    }
                }
            }
            // The status and headers arrived but the body broke off.
            Err(PE::ResponseBodyError(e)) => Err(crate::hooks::incomplete(
                operation,
                status
                    .and_then(|s| reqwest::StatusCode::from_u16(s).ok())
                    .unwrap_or(reqwest::StatusCode::OK),
                attempts,
                e,
            )),
            Err(PE::CommunicationError(e)) | Err(PE::InvalidUpgrade(e)) => {
                Err(Error::transport(operation, attempts, e))
            }
            Err(PE::InvalidRequest(reason)) => Err(Error::InvalidInput {
                what: operation.to_owned(),
                reason,
            }),
            Err(PE::Custom(reason)) => Err(Error::config(reason)),
        })
    }

    /// Maps a response progenitor did not expect (a 204, a status the spec does not name):
    /// `Ok(None)` for 204 or an empty 2xx body, the decoded body for another 2xx, the error
    /// otherwise. The transport read the body already, so this does not wait for the network.
    async fn map_unexpected<T: DeserializeOwned>(
        operation: &'static str,
        resp: reqwest::Response,
        attempts: u32,
    ) -> Result<Option<Answer<T>>, Error> {
        let status_code = resp.status();
        let st = status_code.as_u16();
        if st == 204 {
            return Ok(None);
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| crate::hooks::incomplete(operation, status_code, attempts, e))?;
        if (200..300).contains(&st) {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(None);
            }
            return decode::<T>(operation, st, &bytes).map(|value| {
                Some(Answer {
                    status: st,
                    value,
                    attempts,
                })
            });
        }
        Err(error_from_bytes(operation, st, &bytes, attempts))
    }
}

/// Decodes `bytes` as `T`, naming the JSON path of a failure.
fn decode<T: DeserializeOwned>(operation: &str, status: u16, bytes: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| Error::Decode {
        operation: operation.to_owned(),
        status,
        path: e.path().to_string(),
        message: e.inner().to_string(),
        excerpt: excerpt(bytes),
    })
}

/// An error status with a body progenitor did not (or could not) decode.
fn error_from_bytes(operation: &str, status: u16, bytes: &[u8], attempts: u32) -> Error {
    if let Ok(body) = serde_json::from_slice::<types::ZohoErrorBody>(bytes) {
        return from_error_body(operation, status, body, attempts);
    }
    if let Some((code, message, details)) = lenient_error(bytes) {
        return Error::Api {
            status,
            code,
            message,
            details: Box::new(details),
            operation: operation.to_owned(),
            attempts,
            retry_after: None,
        };
    }
    let message = if bytes.iter().all(u8::is_ascii_whitespace) {
        reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("no body")
            .to_owned()
    } else {
        excerpt(bytes)
    };
    Error::Api {
        status,
        code: enums::ZohoCode::Unknown(String::new()),
        message,
        details: Box::default(),
        operation: operation.to_owned(),
        attempts,
        retry_after: None,
    }
}

/// Reads a Zoho-like error body that does not match the spec exactly (a missing `details`,
/// an odd `status`, details of unexpected types): the first object carrying a `code`, at the
/// top level or inside a top-level array.
fn lenient_error(bytes: &[u8]) -> Option<(enums::ZohoCode, String, types::ActionDetails)> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let obj = value.as_object()?;
    let item = if obj.contains_key("code") {
        obj
    } else {
        obj.values()
            .filter_map(|v| v.as_array())
            .flat_map(|a| a.iter())
            .filter_map(|v| v.as_object())
            .find(|o| o.contains_key("code"))?
    };
    let code = item.get("code")?.as_str()?;
    let message = item
        .get("message")
        .and_then(|m| m.as_str())
        .unwrap_or_default()
        .to_owned();
    let details = item
        .get("details")
        .cloned()
        .and_then(|d| serde_json::from_value(d).ok())
        .unwrap_or_default();
    Some((enums::ZohoCode::from(code), message, details))
}

impl generated_client::Client {
    fn inner_hooks(&self) -> &Hooks {
        <generated_client::Client as progenitor_client::ClientInfo<Hooks>>::inner(self)
    }
}

enum Credentials {
    None,
    Unset,
    Static(SecretString),
    Refresh {
        client_id: String,
        client_secret: SecretString,
        refresh_token: SecretString,
    },
}

/// Configures a [`Client`]. Pick where to talk to (a data centre and environment, or an
/// explicit API domain), how to authenticate, and the limits.
///
/// ```
/// use std::time::Duration;
/// use zoho_crm_access::{Client, DataCenter, Environment, RetryPolicy};
///
/// let client = Client::builder()
///     .data_center(DataCenter::Eu)
///     .environment(Environment::Sandbox)
///     .access_token("1000.an-access-token")
///     .timeout(Duration::from_secs(20))
///     .max_concurrency(5)
///     .retry(RetryPolicy::default().max_attempts(3))
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url(), "https://sandbox.zohoapis.eu/crm/v8");
///
/// // Plain http is refused except on loopback.
/// let err = Client::builder()
///     .base_url("http://zoho.example.com")
///     .access_token("t")
///     .build()
///     .unwrap_err();
/// assert!(matches!(err, zoho_crm_access::Error::Config { .. }));
/// ```
pub struct ClientBuilder {
    data_center: Option<DataCenter>,
    environment: Environment,
    base_url: Option<String>,
    accounts_url: Option<String>,
    credentials: Credentials,
    store: Option<Arc<dyn TokenStore>>,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    max_concurrency: usize,
    retry: RetryPolicy,
    follow_api_domain: Option<bool>,
    root_certificates: Vec<Vec<u8>>,
    max_response_bytes: u64,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            data_center: None,
            environment: Environment::Production,
            base_url: None,
            accounts_url: None,
            credentials: Credentials::Unset,
            store: None,
            timeout: ClientBuilder::DEFAULT_TIMEOUT,
            connect_timeout: ClientBuilder::DEFAULT_CONNECT_TIMEOUT,
            user_agent: concat!("zoho-crm-access/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_concurrency: ClientBuilder::DEFAULT_MAX_CONCURRENCY,
            retry: RetryPolicy::default(),
            follow_api_domain: None,
            root_certificates: Vec::new(),
            max_response_bytes: ClientBuilder::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.credentials {
            Credentials::None => "none",
            Credentials::Unset => "unset",
            Credentials::Static(_) => "access token [REDACTED]",
            Credentials::Refresh { .. } => "refresh token [REDACTED]",
        };
        f.debug_struct("ClientBuilder")
            .field("data_center", &self.data_center)
            .field("environment", &self.environment)
            .field("base_url", &self.base_url)
            .field("accounts_url", &self.accounts_url)
            .field("auth", &auth)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("max_concurrency", &self.max_concurrency)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Default timeout of one HTTP attempt ([`Self::timeout`]).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default connect timeout ([`Self::connect_timeout`]).
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default number of requests in flight at once ([`Self::max_concurrency`]; Zoho allows 5
    /// to 25 per org by edition).
    pub const DEFAULT_MAX_CONCURRENCY: usize = crate::hooks::DEFAULT_MAX_CONCURRENCY;
    /// Default limit on the size of one response body ([`Self::max_response_bytes`]): 32 MiB.
    ///
    /// Well above anything Zoho sends for these APIs. The largest answers, from the sizes of
    /// Zoho's published examples: a page of 200 sharing rules is about 100 KB (about 490
    /// bytes a rule; 120 KB with criteria); the default organization permissions about 160
    /// bytes per module, 160 KB for 1,000 modules; a page of 200 users about 200 KB (about
    /// 1 KB a user); 200 profiles about 85 KB; the module list about 1 KB per module, 1 MB
    /// for 1,000 modules; and the largest, a module's fields in one unpaged answer: about
    /// 2 KB a field plus about 60 bytes per profile listed in it, so 1,000 fields with 50
    /// profiles each come to about 5 MB. 32 MiB is six times that, while one response, read
    /// and decoded, stays within about 3 x 32 MiB of memory.
    pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

    /// The data centre of the org; sets the API domain and the accounts server.
    pub fn data_center(mut self, dc: DataCenter) -> Self {
        self.data_center = Some(dc);
        self
    }

    /// Production (default), sandbox or developer org.
    pub fn environment(mut self, env: Environment) -> Self {
        self.environment = env;
        self
    }

    /// An explicit API domain such as `https://www.zohoapis.com` or `http://127.0.0.1:8080`
    /// (the client appends `/crm/v8`). Overrides the data centre's API domain. Plain `http`
    /// is accepted only for loopback addresses.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// An explicit accounts server such as `https://accounts.zoho.eu` (the client appends
    /// `/oauth/v2/token`). Same `http` rule as [`Self::base_url`].
    pub fn accounts_url(mut self, url: impl Into<String>) -> Self {
        self.accounts_url = Some(url.into());
        self
    }

    /// Authenticate with a fixed access token (never refreshed).
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.credentials = Credentials::Static(SecretString::from(token.into()));
        self
    }

    /// Authenticate with the OAuth refresh-token flow: access tokens are minted from the
    /// accounts server and refreshed before they expire.
    pub fn refresh_token(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        self.credentials = Credentials::Refresh {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            refresh_token: SecretString::from(refresh_token.into()),
        };
        self
    }

    /// Send no `Authorization` header (for a local simulator or a proxy that adds one).
    pub fn without_auth(mut self) -> Self {
        self.credentials = Credentials::None;
        self
    }

    /// Where refreshed access tokens are kept (default: memory only).
    pub fn token_store(mut self, store: impl TokenStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Timeout of one HTTP attempt (default 30 s). The whole operation is bounded by the
    /// retry policy's total deadline.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `zoho-crm-access/<version>`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Most requests in flight at once (default 10; Zoho allows 5 to 25 per org by
    /// edition). At least 1.
    pub fn max_concurrency(mut self, n: usize) -> Self {
        self.max_concurrency = n.max(1);
        self
    }

    /// The largest response body the client reads, in bytes (default
    /// [`Self::DEFAULT_MAX_RESPONSE_BYTES`], 32 MiB), from the API and from the accounts
    /// server alike. A larger body is refused with [`Error::ResponseTooLarge`] (for a token
    /// response, [`Error::Auth`] with that error as its source): the client reads no byte of
    /// it when its `Content-Length` announces more, and otherwise stops at the limit and
    /// closes the connection, so memory stays bounded whatever a server sends. How long a
    /// body may take is bounded by [`Self::timeout`].
    ///
    /// ```
    /// use zoho_crm_access::Client;
    /// let client = Client::builder()
    ///     .base_url("http://127.0.0.1:8080")
    ///     .access_token("t")
    ///     .max_response_bytes(4 * 1024 * 1024)
    ///     .build()
    ///     .unwrap();
    /// ```
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Retry behaviour (see [`RetryPolicy`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Whether to send API requests to the `api_domain` the token response names.
    ///
    /// Zoho recommends sending calls to that domain, but the accounts server knows nothing of
    /// sandbox or developer orgs, proxies or local test servers. So by default the client
    /// follows it only when it was configured by [`Self::data_center`] in the
    /// [`Environment::Production`] environment without an explicit [`Self::base_url`]; an
    /// explicit base URL and the sandbox and developer environments are never overridden.
    /// `follow_api_domain(true)` follows it in every configuration, `false` in none. Either
    /// way, a plain-`http` `api_domain` is refused unless it is a loopback address.
    pub fn follow_api_domain(mut self, follow: bool) -> Self {
        self.follow_api_domain = Some(follow);
        self
    }

    /// Trusts the certificate authorities in `pem` (one or more PEM certificates) besides the
    /// platform's roots: for a TLS-inspecting proxy, or a test server with a self-signed
    /// certificate. A bundle that is not valid PEM fails [`Self::build`] with
    /// [`Error::Config`]; so does any root certificate in a build without TLS.
    pub fn add_root_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Checks the configuration and builds the client. Fails with [`Error::Config`] for a
    /// missing or unusable endpoint, missing credentials, or an `https` endpoint in a build
    /// without a TLS feature (`rustls`, `native-tls` or `rustls-no-provider`).
    pub fn build(self) -> Result<Client, Error> {
        let domain = match (&self.base_url, self.data_center) {
            (Some(url), _) => checked_server_url("base_url", url)?,
            (None, Some(dc)) => checked_server_url("API domain", &dc.api_domain(self.environment))?,
            (None, None) => {
                return Err(Error::config(
                    "no API endpoint: set data_center(..) or base_url(..)",
                ))
            }
        };
        crate::tls::require_for("the API domain", &domain)?;
        let base = api_base(&domain);
        let follow_api_domain = self.follow_api_domain.unwrap_or(
            self.base_url.is_none()
                && self.data_center.is_some()
                && self.environment == Environment::Production,
        );
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none());
        let http = crate::tls::configure(http, &self.root_certificates)?
            .build()
            .map_err(|e| Error::Config {
                reason: "cannot build the HTTP client".into(),
                source: Some(Box::new(e)),
            })?;
        let auth = match self.credentials {
            Credentials::Unset => {
                return Err(Error::config(
                    "no credentials: set access_token(..), refresh_token(..) or without_auth()",
                ))
            }
            Credentials::None => Auth::None,
            Credentials::Static(t) => Auth::fixed(&t)?,
            Credentials::Refresh {
                client_id,
                client_secret,
                refresh_token,
            } => {
                let accounts = match (&self.accounts_url, self.data_center) {
                    (Some(url), _) => checked_server_url("accounts_url", url)?,
                    (None, Some(dc)) => {
                        checked_server_url("accounts server", dc.accounts_domain())?
                    }
                    (None, None) => {
                        return Err(Error::config(
                            "the refresh-token flow needs an accounts server: set \
                             data_center(..) or accounts_url(..)",
                        ))
                    }
                };
                crate::tls::require_for("the accounts server", &accounts)?;
                use secrecy::ExposeSecret;
                if client_id.trim().is_empty() {
                    return Err(Error::Config {
                        reason: "client_id is empty".into(),
                        source: None,
                    });
                }
                if client_secret.expose_secret().trim().is_empty() {
                    return Err(Error::Config {
                        reason: "client_secret is empty".into(),
                        source: None,
                    });
                }
                if refresh_token.expose_secret().trim().is_empty() {
                    return Err(Error::Config {
                        reason: "refresh_token is empty".into(),
                        source: None,
                    });
                }
                let store = self
                    .store
                    .unwrap_or_else(|| Arc::new(MemoryTokenStore::new()));
                Auth::Refresh(Box::new(Refresher::new(
                    http.clone(),
                    &accounts,
                    client_id,
                    client_secret,
                    refresh_token,
                    store,
                    follow_api_domain,
                    self.max_response_bytes,
                )?))
            }
        };
        let hooks = Hooks {
            shared: Arc::new(Shared::new(
                auth,
                self.max_concurrency,
                self.retry,
                base.clone(),
                self.max_response_bytes,
            )),
        };
        let raw = generated_client::Client::new_with_client(&base, http, hooks);
        Ok(Client {
            raw: Arc::new(raw),
            base: base.into(),
        })
    }
}

// The transport's default (`body::DEFAULT_LIMIT`, what `Hooks::default()` and the reserve up
// front use) is the builder's documented one.
const _: () = assert!(ClientBuilder::DEFAULT_MAX_RESPONSE_BYTES == crate::body::DEFAULT_LIMIT);
