//! Getting a refresh token in the first place: the scopes to ask for, the authorization URL,
//! reading Zoho's redirect, exchanging a grant code, and revoking a token.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::body::{self, BodyError};
use crate::datacenter::{checked_server_url, DataCenter};
use crate::error::{transport_cause, Error, TransportKind};
use crate::operations::{Family, Operation};

/// What a grant lets the tool do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Access {
    /// Every operation: reads and changes.
    ReadWrite,
    /// The operations that change nothing (`GET`).
    ReadOnly,
}

/// The scopes a grant needs for `family`'s operations (all of them, or only those that change
/// nothing), read from the spec's per-operation scopes ([`Operation::scopes`]): for each
/// operation, the first of its alternatives, which the spec lists narrowest first. Each scope
/// is named once, in the order the operations come.
///
/// ```
/// use zoho_crm_access::auth::{scopes, Access};
/// use zoho_crm_access::operations::Family;
///
/// let read = scopes(Family::SharingRules, Access::ReadOnly);
/// assert_eq!(read, ["ZohoCRM.settings.data_sharing.READ"]);
/// let all = scopes(Family::SharingRules, Access::ReadWrite);
/// assert!(all.contains(&"ZohoCRM.settings.data_sharing.CREATE"));
/// ```
pub fn scopes(family: Family, access: Access) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for op in Operation::ALL.iter().filter(|op| op.family() == family) {
        if access == Access::ReadOnly && op.method() != http::Method::GET {
            continue;
        }
        if let Some(first) = op.scopes().first() {
            for scope in first.iter() {
                if !out.contains(scope) {
                    out.push(scope);
                }
            }
        }
    }
    out
}

/// The scopes for every family and the directory (the org and the signed-in user included):
/// what `zoho-access login` asks for. Joined with commas, it is the list to paste into the
/// API console's Self Client "Generate Code" tab.
///
/// ```
/// use zoho_crm_access::auth::{all_scopes, Access};
///
/// let list = all_scopes(Access::ReadOnly).join(",");
/// assert!(list.contains("ZohoCRM.org.READ"));
/// assert!(!list.contains(".CREATE"));
/// ```
pub fn all_scopes(access: Access) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for family in families() {
        for scope in scopes(family, access) {
            if !out.contains(&scope) {
                out.push(scope);
            }
        }
    }
    out
}

/// Every family, in the order of the spec's operations.
pub(crate) fn families() -> Vec<Family> {
    let mut out: Vec<Family> = Vec::new();
    for op in Operation::ALL {
        if !out.contains(&op.family()) {
            out.push(op.family());
        }
    }
    out
}

/// What Zoho sends back to the redirect URI after the user granted (or refused) access: the
/// query of the request the browser makes to it.
///
/// `Debug` leaves the code out.
#[non_exhaustive]
pub struct Callback {
    /// The grant code (single use, about two minutes), when access was granted.
    pub code: Option<SecretString>,
    /// The user's data centre (`us`, `eu`, `in`, `com.au`, ...), Zoho's `location`.
    pub location: Option<String>,
    /// The accounts server of the user's data centre (Zoho's `accounts-server`): the code is
    /// exchanged there.
    pub accounts_server: Option<String>,
    /// The `state` sent with the authorization request, returned as it was.
    pub state: Option<String>,
    /// Zoho's `error` (e.g. `access_denied`) when no code came.
    pub error: Option<String>,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback")
            .field("code", &self.code.as_ref().map(|_| "[REDACTED]"))
            .field("location", &self.location)
            .field("accounts_server", &self.accounts_server)
            .field("state", &self.state.as_ref().map(|_| "[..]"))
            .field("error", &self.error)
            .finish()
    }
}

impl Callback {
    /// Reads the redirect's query string (without the `?`).
    pub fn parse(query: &str) -> Callback {
        let mut cb = Callback {
            code: None,
            location: None,
            accounts_server: None,
            state: None,
            error: None,
        };
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let v = v.into_owned();
            match k.as_ref() {
                "code" => cb.code = Some(SecretString::from(v)),
                "location" => cb.location = Some(v),
                "accounts-server" => cb.accounts_server = Some(v),
                "state" => cb.state = Some(v),
                "error" => cb.error = Some(v),
                _ => {}
            }
        }
        cb
    }

    /// The code, once `state` is the one sent: [`Error::Auth`] when the states differ (the
    /// answer belongs to another request, or was forged), when Zoho sent an error, or when
    /// no code came.
    pub fn code_for(&self, expected_state: &str) -> Result<&SecretString, Error> {
        let same = self
            .state
            .as_deref()
            .is_some_and(|s| constant_time_eq(s.as_bytes(), expected_state.as_bytes()));
        if !same {
            return Err(Error::Auth {
                reason: "the redirect's `state` is not the one this login sent: refusing it \
                         (it answers another request, or someone tried to slip in their grant)"
                    .into(),
                source: None,
            });
        }
        if let Some(e) = &self.error {
            return Err(Error::Auth {
                reason: format!(
                    "Zoho sent no grant code but the error `{}`{}",
                    error_code(e),
                    if e == "access_denied" {
                        " (access was refused on Zoho's consent page)"
                    } else {
                        ""
                    }
                ),
                source: None,
            });
        }
        self.code.as_ref().ok_or_else(|| Error::Auth {
            reason: "Zoho's redirect carries no grant code".into(),
            source: None,
        })
    }

    /// The user's data centre from `location` (Zoho sends `dev` for its own test centre,
    /// read as US, as Zoho's Catalyst CLI does), else from `accounts-server`.
    pub fn data_center(&self) -> Option<DataCenter> {
        let from_location = self.location.as_deref().and_then(|l| match l {
            "dev" => Some(DataCenter::Us),
            l => l.parse().ok(),
        });
        from_location.or_else(|| {
            let server = self.accounts_server.as_deref()?;
            DataCenter::ALL
                .into_iter()
                .find(|dc| dc.accounts_domain() == server.trim_end_matches('/'))
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What a code exchange gives: a refresh token (with `access_type=offline`, and always for a
/// Self Client code), the first access token, where to send API calls and the scopes granted.
///
/// `Debug` leaves the tokens out.
#[non_exhaustive]
pub struct Grant {
    /// The refresh token: it does not expire; keep it secret.
    pub refresh_token: Option<SecretString>,
    /// An access token, valid for `expires_in`.
    pub access_token: SecretString,
    /// Zoho's `api_domain` (`https://www.zohoapis.eu`, ...), when sent.
    pub api_domain: Option<String>,
    /// The scopes granted, when Zoho names them (`scope`).
    pub scopes: Vec<String>,
    /// The access token's lifetime.
    pub expires_in: Duration,
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grant")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("access_token", &"[REDACTED]")
            .field("api_domain", &self.api_domain)
            .field("scopes", &self.scopes)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// One data centre's accounts server (Zoho Accounts): the authorization URL, code exchange
/// and revocation. The refresh-token flow itself is the [`Client`](crate::Client)'s.
///
/// ```
/// use zoho_crm_access::auth::{all_scopes, Access, Accounts};
/// use zoho_crm_access::DataCenter;
///
/// let accounts = Accounts::for_data_center(DataCenter::Eu)?;
/// let url = accounts.authorization_url(
///     "1000.CLIENTID",
///     "http://127.0.0.1:8917/callback",
///     &all_scopes(Access::ReadOnly),
///     "random-state",
/// );
/// assert!(url.as_str().starts_with("https://accounts.zoho.eu/oauth/v2/auth?"));
/// assert!(url.as_str().contains("access_type=offline"));
/// # Ok::<(), zoho_crm_access::Error>(())
/// ```
#[derive(Clone)]
pub struct Accounts {
    http: reqwest::Client,
    base: Url,
    max_response_bytes: u64,
    timeout: Duration,
}

impl fmt::Debug for Accounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accounts")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

/// The largest answer read from the accounts server.
const MAX_ANSWER: u64 = 64 * 1024;

impl Accounts {
    /// The accounts server at `url` (`https://accounts.zoho.eu`; plain `http` only on
    /// loopback), with a 30-second timeout per request.
    pub fn new(url: &str) -> Result<Accounts, Error> {
        Accounts::with_timeout(url, Duration::from_secs(30))
    }

    /// As [`Accounts::new`], each request limited to `timeout`.
    pub fn with_timeout(url: &str, timeout: Duration) -> Result<Accounts, Error> {
        let base = checked_server_url("accounts server", url)?;
        crate::tls::require_for("the accounts server", &base)?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none());
        let http = crate::tls::configure(http, &[])?
            .build()
            .map_err(|e| Error::Config {
                reason: "cannot build the HTTP client".into(),
                source: Some(Box::new(e)),
            })?;
        Ok(Accounts {
            http,
            base,
            max_response_bytes: MAX_ANSWER,
            timeout,
        })
    }

    /// The accounts server of `dc`.
    pub fn for_data_center(dc: DataCenter) -> Result<Accounts, Error> {
        Accounts::new(dc.accounts_domain())
    }

    /// The server's URL, without a trailing slash.
    pub fn url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    fn endpoint(&self, path: &str) -> Url {
        let text = format!("{}{path}", self.url());
        Url::parse(&text).unwrap_or_else(|_| self.base.clone())
    }

    /// Where to send a browser to sign in and grant `scopes` (`GET /oauth/v2/auth`), with
    /// `access_type=offline` and `prompt=consent`, so that the exchange gives a refresh token
    /// every time. Zoho redirects to `redirect_uri` (which must be the client's registered
    /// one, exactly) with the code, the user's data centre and `state` ([`Callback`]).
    pub fn authorization_url(
        &self,
        client_id: &str,
        redirect_uri: &str,
        scopes: &[&str],
        state: &str,
    ) -> Url {
        let mut url = self.endpoint("/oauth/v2/auth");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("scope", &scopes.join(","))
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("access_type", "offline")
            .append_pair("prompt", "consent")
            .append_pair("state", state);
        url
    }

    /// Exchanges a grant code (`grant_type=authorization_code`). `redirect_uri` is the one
    /// of the authorization request (a server-based client); a Self Client code has none.
    pub async fn exchange_code(
        &self,
        client_id: &str,
        client_secret: &SecretString,
        code: &SecretString,
        redirect_uri: Option<&str>,
    ) -> Result<Grant, Error> {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "authorization_code")
            .append_pair("client_id", client_id)
            .append_pair("client_secret", client_secret.expose_secret())
            .append_pair("code", code.expose_secret().trim());
        if let Some(r) = redirect_uri {
            form.append_pair("redirect_uri", r);
        }
        tracing::debug!(accounts = %self.host(), "exchanging a grant code");
        self.token_request(form.finish(), "the grant code").await
    }

    /// Mints an access token from a refresh token (`grant_type=refresh_token`), outside a
    /// [`Client`](crate::Client): to check that the credentials work and learn the scopes
    /// Zoho names for the grant. Each call counts against Zoho's limit of about 10 access
    /// tokens per refresh token per 10 minutes; store the token (a
    /// [`TokenStore`](super::TokenStore)) to let a client use it.
    pub async fn refresh(
        &self,
        client_id: &str,
        client_secret: &SecretString,
        refresh_token: &SecretString,
    ) -> Result<Grant, Error> {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "refresh_token")
            .append_pair("client_id", client_id)
            .append_pair("client_secret", client_secret.expose_secret())
            .append_pair("refresh_token", refresh_token.expose_secret().trim())
            .finish();
        tracing::debug!(accounts = %self.host(), "refreshing an access token");
        self.token_request(form, "the refresh token").await
    }

    /// One request to the token endpoint and its answer as a [`Grant`].
    async fn token_request(&self, form: String, what: &str) -> Result<Grant, Error> {
        let (status, value) = self.post("/oauth/v2/token", form).await?;
        let text = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        if let Some(err) = text("error") {
            let hint = match (err.as_str(), what) {
                ("invalid_code", "the grant code") => {
                    " (the grant code is wrong, expired or already used: a code works once, \
                     within minutes; make a new one. A code made in another data centre's \
                     API console is refused too)"
                }
                ("invalid_code", _) => {
                    " (the refresh token is wrong or revoked, or belongs to another data \
                     centre; if it is a grant code from the API console, exchange the grant \
                     code first: `zoho-access login --code`)"
                }
                ("invalid_client", _) => {
                    " (the client id or client secret is wrong, or the client was registered \
                     in another data centre's API console)"
                }
                ("invalid_redirect_uri", _) => {
                    " (the redirect URI is not the one registered for this client in the API \
                     console, or not the one the authorization request named)"
                }
                ("Access Denied", _) => " (too many requests: Zoho blocks for up to 10 minutes)",
                _ => "",
            };
            return Err(Error::Auth {
                reason: format!(
                    "the accounts server {} refused {what}: {}{hint}",
                    self.host(),
                    error_code(&err)
                ),
                source: None,
            });
        }
        self.grant_from(status, &value)
    }

    /// A token answer without `error` as a [`Grant`].
    fn grant_from(&self, status: u16, value: &serde_json::Value) -> Result<Grant, Error> {
        let text = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let Some(access) = text("access_token").filter(|_| (200..300).contains(&status)) else {
            return Err(Error::Auth {
                reason: format!(
                    "the accounts server {} answered HTTP {status} without an access token",
                    self.host()
                ),
                source: None,
            });
        };
        let expires_in = match value.get("expires_in") {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .map_or(Duration::from_secs(3600), Duration::from_secs);
        Ok(Grant {
            refresh_token: text("refresh_token").map(SecretString::from),
            access_token: SecretString::from(access),
            api_domain: text("api_domain"),
            scopes: text("scope")
                .map(|s| {
                    s.split([' ', ','])
                        .filter(|x| !x.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            expires_in,
        })
    }

    /// Revokes a refresh token (and so every access token it minted), or one access token
    /// (`POST /oauth/v2/token/revoke`). [`Error::Auth`] when the server refuses: Zoho answers
    /// 400 for a token that is not valid (already revoked, or of another data centre).
    pub async fn revoke(&self, token: &SecretString) -> Result<(), Error> {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", token.expose_secret())
            .finish();
        tracing::debug!(accounts = %self.host(), "revoking a token");
        let (status, value) = self.post("/oauth/v2/token/revoke", form).await?;
        if (200..300).contains(&status)
            && value.get("status").and_then(|s| s.as_str()) == Some("success")
        {
            return Ok(());
        }
        Err(Error::Auth {
            reason: format!(
                "the accounts server {} did not revoke the token (HTTP {status}{}): it is not \
                 valid there (already revoked, or issued by another data centre)",
                self.host(),
                value
                    .get("error")
                    .and_then(|e| e.as_str())
                    .map(|e| format!(", {}", error_code(e)))
                    .unwrap_or_default()
            ),
            source: None,
        })
    }

    fn host(&self) -> String {
        self.base.host_str().unwrap_or("?").to_owned()
    }

    /// One form POST; the answer as JSON (an object, or `null` when it is not JSON).
    async fn post(&self, path: &str, form: String) -> Result<(u16, serde_json::Value), Error> {
        let host = self.host();
        let mut resp = self
            .http
            .post(self.endpoint(path))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(form)
            .send()
            .await
            .map_err(|e| {
                let kind = TransportKind::of(&e);
                Error::Auth {
                    reason: format!("could not reach the accounts server {host}: {kind}"),
                    source: Some(transport_cause(kind, e.without_url())),
                }
            })?;
        let status = resp.status().as_u16();
        let bytes = body::read(&mut resp, self.max_response_bytes)
            .await
            .map_err(|e| match e {
                BodyError::TooLarge => Error::Auth {
                    reason: format!("the accounts server {host} sent an answer too large to read"),
                    source: None,
                },
                BodyError::Read(e) => {
                    let kind = TransportKind::of(&e);
                    Error::Auth {
                        reason: format!(
                            "could not read the answer of the accounts server {host}: {kind}"
                        ),
                        source: Some(transport_cause(kind, e.without_url())),
                    }
                }
            })?;
        let value = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        Ok((status, value))
    }
}

/// A device authorization under way (Zoho's device flow, `POST /oauth/v3/device/code`): what
/// to show the person (`verification_url` and `user_code`) and how to poll. Made by
/// [`Accounts::start_device_authorization`], finished by [`Accounts::wait_for_device_grant`].
///
/// Zoho's page gives `interval` and `expires_in` in milliseconds, community tools read
/// seconds: both are read as milliseconds, except an `interval` under 100 or an `expires_in`
/// under 1000, which no server means as milliseconds and which are read as seconds.
///
/// `Debug` leaves the device code out.
#[non_exhaustive]
pub struct DeviceAuthorization {
    /// The code the person types at `verification_url` (Zoho: valid for 5 minutes).
    pub user_code: String,
    /// Where the person signs in and enters `user_code`, on any device with a browser.
    pub verification_url: String,
    /// The time to wait between two polls, as the server announced it.
    pub interval: Duration,
    /// How long the codes stay valid, as the server announced it.
    pub expires_in: Duration,
    device_code: SecretString,
    started: std::time::Instant,
}

impl fmt::Debug for DeviceAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field("user_code", &self.user_code)
            .field("verification_url", &self.verification_url)
            .field("interval", &self.interval)
            .field("expires_in", &self.expires_in)
            .field("device_code", &"[REDACTED]")
            .finish()
    }
}

/// How a device authorization ended without a grant: the cause ([`std::error::Error::source`])
/// of the [`Error::Auth`] that [`Accounts::wait_for_device_grant`] returns. Find it with
/// [`DeviceFlowError::of`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceFlowError {
    /// The codes expired before the person approved (Zoho's `expired`, or the announced
    /// `expires_in` passed).
    Expired,
    /// The person denied access (Zoho's `access_denied`).
    Denied,
    /// Zoho sent the poll to another data centre (`other_dc`) whose accounts server is not
    /// known: the location it named.
    UnknownDataCenter(String),
    /// The server refused with another error (`invalid_client`, `invalid_code` ...; a value
    /// that might hold a token is not kept).
    Refused(String),
}

impl fmt::Display for DeviceFlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceFlowError::Expired => f.write_str("the device code expired"),
            DeviceFlowError::Denied => f.write_str("access was denied"),
            DeviceFlowError::UnknownDataCenter(l) => {
                write!(f, "Zoho named an unknown data centre `{}`", error_code(l))
            }
            DeviceFlowError::Refused(e) => write!(f, "the server answered `{}`", error_code(e)),
        }
    }
}

impl std::error::Error for DeviceFlowError {}

impl DeviceFlowError {
    /// The device-flow outcome behind `error`, when it is one.
    ///
    /// ```
    /// use zoho_crm_access::auth::DeviceFlowError;
    ///
    /// fn advice(error: &zoho_crm_access::Error) -> &'static str {
    ///     match DeviceFlowError::of(error) {
    ///         Some(DeviceFlowError::Denied) => "approve the request on Zoho's page",
    ///         Some(DeviceFlowError::Expired) => "start again and enter the code sooner",
    ///         _ => "see the error",
    ///     }
    /// }
    /// ```
    pub fn of(error: &Error) -> Option<&DeviceFlowError> {
        match error {
            Error::Auth {
                source: Some(cause),
                ..
            } => cause.downcast_ref::<DeviceFlowError>(),
            _ => None,
        }
    }
}

/// What happens while [`Accounts::wait_for_device_grant`] polls, for a progress line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceProgress {
    /// The person has not approved yet (`authorization_pending`); `polls` so far.
    Pending {
        /// Polls sent so far.
        polls: u32,
    },
    /// The server asked to poll less often (`slow_down`): the new time between polls.
    SlowDown {
        /// The wait from now on.
        interval: Duration,
    },
    /// The person's account is in another data centre (`other_dc`): polling goes on at its
    /// accounts server.
    OtherDataCenter {
        /// The person's data centre.
        data_center: DataCenter,
        /// The accounts server polled from now on.
        server: String,
    },
}

/// A finished device authorization: the grant, and where it was given.
#[derive(Debug)]
#[non_exhaustive]
pub struct DeviceGrant {
    /// The tokens.
    pub grant: Grant,
    /// The accounts server that gave them (the user's data centre's, after `other_dc`): the
    /// refresh token mints there.
    pub accounts_server: String,
    /// The person's data centre, when Zoho named one (`other_dc`).
    pub data_center: Option<DataCenter>,
}

/// Reads an announced duration in milliseconds, or seconds below `seconds_below`.
fn announced(value: Option<&serde_json::Value>, seconds_below: u64, default: Duration) -> Duration {
    let n = match value {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    match n {
        None | Some(0) => default,
        Some(n) if n < seconds_below => Duration::from_secs(n),
        Some(n) => Duration::from_millis(n.min(24 * 3600 * 1000)),
    }
}

/// The accounts server to poll after `other_dc` named `location`: the data centre's own,
/// when polling started at a Zoho accounts server; the same server when it started at
/// another one (a simulator or proxy standing for every data centre), so the device code
/// and client secret go nowhere else.
pub(crate) fn other_dc_server(
    started: &str,
    location: &str,
) -> Result<(DataCenter, String), DeviceFlowError> {
    let dc = match location.trim() {
        "dev" => DataCenter::Us,
        l => l
            .parse::<DataCenter>()
            .map_err(|_| DeviceFlowError::UnknownDataCenter(l.to_owned()))?,
    };
    let started = started.trim_end_matches('/');
    let zoho = DataCenter::ALL
        .iter()
        .any(|d| d.accounts_domain() == started);
    let server = if zoho {
        dc.accounts_domain().to_owned()
    } else {
        started.to_owned()
    };
    Ok((dc, server))
}

impl Accounts {
    /// Starts Zoho's device flow (`POST /oauth/v3/device/code`, `grant_type=device_request`,
    /// `access_type=offline`, `prompt=consent`) for a "Non-browser" client of the API
    /// console: show the person [`DeviceAuthorization::verification_url`] and
    /// [`DeviceAuthorization::user_code`], then call [`Accounts::wait_for_device_grant`].
    /// Whether Zoho accepts a Self Client's id here is not documented.
    pub async fn start_device_authorization(
        &self,
        client_id: &str,
        scopes: &[&str],
    ) -> Result<DeviceAuthorization, Error> {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "device_request")
            .append_pair("client_id", client_id)
            .append_pair("scope", &scopes.join(","))
            .append_pair("access_type", "offline")
            .append_pair("prompt", "consent")
            .finish();
        tracing::debug!(accounts = %self.host(), "starting a device authorization");
        let (status, value) = self.post("/oauth/v3/device/code", form).await?;
        let text = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        if let Some(err) = text("error") {
            return Err(Error::Auth {
                reason: format!(
                    "the accounts server {} refused the device authorization: {}{}",
                    self.host(),
                    error_code(&err),
                    if err == "invalid_client" {
                        " (the client id is wrong, was registered in another data centre's \
                         API console, or is not a Non-browser client)"
                    } else {
                        ""
                    }
                ),
                source: Some(Box::new(DeviceFlowError::Refused(
                    error_code(&err).to_owned(),
                ))),
            });
        }
        let (Some(user_code), Some(device_code), Some(verification_url)) = (
            text("user_code"),
            text("device_code"),
            text("verification_url").or_else(|| text("verification_uri")),
        ) else {
            return Err(Error::Auth {
                reason: format!(
                    "the accounts server {} answered HTTP {status} without a user code, device \
                     code and verification URL",
                    self.host()
                ),
                source: None,
            });
        };
        Ok(DeviceAuthorization {
            user_code,
            verification_url,
            interval: announced(value.get("interval"), 100, Duration::from_secs(5)),
            expires_in: announced(value.get("expires_in"), 1000, Duration::from_secs(300)),
            device_code: SecretString::from(device_code),
            started: std::time::Instant::now(),
        })
    }

    /// Polls `POST /oauth/v3/device/token` (`grant_type=device_token`) until the person
    /// approves, then returns the grant. Between polls it waits the announced interval;
    /// after `slow_down` six intervals (Zoho asks for one poll per 30 seconds and announces
    /// 5), twice as long at each further one. `authorization_pending` waits again;
    /// `other_dc` goes on at the person's data centre's accounts server (see
    /// [`DeviceGrant::accounts_server`]). [`Error::Auth`] with a [`DeviceFlowError`] cause
    /// when the codes expire (Zoho's `expired`, or the announced time passed) or the person
    /// denies. Every request is bounded like the other accounts calls; drop the future to
    /// stop waiting.
    pub async fn wait_for_device_grant(
        &self,
        client_id: &str,
        client_secret: &SecretString,
        authorization: &DeviceAuthorization,
        mut progress: impl FnMut(&DeviceProgress),
    ) -> Result<DeviceGrant, Error> {
        let fail = |reason: String, why: DeviceFlowError| Error::Auth {
            reason,
            source: Some(Box::new(why)),
        };
        let deadline = authorization.started + authorization.expires_in;
        let mut pace = authorization.interval;
        let mut here = self.clone();
        let mut data_center = None;
        let mut polls = 0u32;
        loop {
            let now = std::time::Instant::now();
            if now >= deadline {
                return Err(fail(
                    format!(
                        "the device code expired after {}s without an approval: run login \
                         again and enter the new code sooner",
                        authorization.expires_in.as_secs()
                    ),
                    DeviceFlowError::Expired,
                ));
            }
            tokio::time::sleep(pace.min(deadline - now)).await;
            let form = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "device_token")
                .append_pair("client_id", client_id)
                .append_pair("client_secret", client_secret.expose_secret())
                .append_pair("code", authorization.device_code.expose_secret())
                .finish();
            polls += 1;
            tracing::debug!(accounts = %here.host(), polls, "polling the device authorization");
            let (status, value) = here.post("/oauth/v3/device/token", form).await?;
            let text = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            match text("error").as_deref() {
                None => {
                    let grant = here.grant_from(status, &value)?;
                    return Ok(DeviceGrant {
                        grant,
                        accounts_server: here.url().to_owned(),
                        data_center,
                    });
                }
                Some("authorization_pending") => progress(&DeviceProgress::Pending { polls }),
                Some("slow_down") => {
                    pace = pace
                        .saturating_mul(2)
                        .max(authorization.interval.saturating_mul(6));
                    progress(&DeviceProgress::SlowDown { interval: pace });
                }
                Some("other_dc") => {
                    let location = text("user_location").or_else(|| text("dc"));
                    let location = location.unwrap_or_default();
                    let (dc, server) = other_dc_server(here.url(), &location).map_err(|e| {
                        fail(
                            format!(
                                "the accounts server {} says the account is in another data \
                                 centre, but names none this tool knows",
                                here.host()
                            ),
                            e,
                        )
                    })?;
                    if server != here.url() {
                        here = Accounts::with_timeout(&server, here.timeout)?;
                    }
                    data_center = Some(dc);
                    progress(&DeviceProgress::OtherDataCenter {
                        data_center: dc,
                        server,
                    });
                    // The pace stays: after a slow_down, the same server may be polled.
                    continue;
                }
                Some("access_denied") => {
                    return Err(fail(
                        "access was denied on Zoho's page for the device code".into(),
                        DeviceFlowError::Denied,
                    ))
                }
                Some("expired") => {
                    return Err(fail(
                        "the device code expired before it was approved: run login again \
                         and enter the new code sooner"
                            .into(),
                        DeviceFlowError::Expired,
                    ))
                }
                Some(other) => {
                    return Err(fail(
                        format!(
                            "the accounts server {} refused the device code: {}{}",
                            here.host(),
                            error_code(other),
                            if other == "invalid_client" {
                                " (the client id or client secret is wrong)"
                            } else {
                                ""
                            }
                        ),
                        DeviceFlowError::Refused(error_code(other).to_owned()),
                    ))
                }
            }
        }
    }
}

/// An `error` value fit to repeat: OAuth error codes are words (`invalid_code`,
/// `Access Denied`); anything with digits or punctuation might be a token and is withheld.
pub(crate) fn error_code(err: &str) -> &str {
    let plain = !err.is_empty()
        && err.len() <= 64
        && err
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '_' || c == ' ');
    if plain {
        err
    } else {
        "(an error value not repeated here)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_scopes_are_reads_and_cover_every_family() {
        let read = all_scopes(Access::ReadOnly);
        // Reads only; `ZohoCRM.modules.ALL` is what Zoho's pages ask beside the lock scope.
        assert!(
            read.iter()
                .all(|s| s.ends_with(".READ") || *s == "ZohoCRM.modules.ALL"),
            "{read:?}"
        );
        for family in families() {
            assert!(!scopes(family, Access::ReadOnly).is_empty(), "{family:?}");
        }
        let all = all_scopes(Access::ReadWrite);
        assert!(read.iter().all(|s| all.contains(s)));
        assert!(all.len() > read.len());
    }

    #[test]
    fn callback_checks_state_and_reads_the_data_centre() {
        let cb = Callback::parse(
            "code=1000.abc&location=eu&accounts-server=https%3A%2F%2Faccounts.zoho.eu&state=s1",
        );
        assert!(cb.code_for("s1").is_ok());
        assert!(matches!(cb.code_for("s2"), Err(Error::Auth { .. })));
        assert_eq!(cb.data_center(), Some(DataCenter::Eu));
        assert!(!format!("{cb:?}").contains("1000.abc"));
        let cb = Callback::parse("accounts-server=https://accounts.zoho.com.au&state=x");
        assert_eq!(cb.data_center(), Some(DataCenter::Au));
        assert!(cb.code_for("x").is_err());
        let denied = Callback::parse("error=access_denied&state=x");
        let e = denied.code_for("x").unwrap_err().to_string();
        assert!(e.contains("access_denied"), "{e}");
    }

    #[test]
    fn other_dc_goes_to_a_known_server_or_stays_on_a_custom_one() {
        let (dc, server) = other_dc_server("https://accounts.zoho.com", "eu").unwrap();
        assert_eq!(
            (dc, server.as_str()),
            (DataCenter::Eu, "https://accounts.zoho.eu")
        );
        let (dc, server) = other_dc_server("https://accounts.zoho.eu/", "dev").unwrap();
        assert_eq!(
            (dc, server.as_str()),
            (DataCenter::Us, "https://accounts.zoho.com")
        );
        let (dc, server) = other_dc_server("http://127.0.0.1:9", "com.au").unwrap();
        assert_eq!(
            (dc, server.as_str()),
            (DataCenter::Au, "http://127.0.0.1:9")
        );
        assert_eq!(
            other_dc_server("https://accounts.zoho.com", "evil.example"),
            Err(DeviceFlowError::UnknownDataCenter("evil.example".into()))
        );
    }

    #[test]
    fn announced_durations_are_milliseconds_unless_too_small() {
        let v = |n: u64| serde_json::json!(n);
        let d = Duration::from_secs(9);
        assert_eq!(announced(Some(&v(5000)), 100, d), Duration::from_secs(5));
        assert_eq!(announced(Some(&v(5)), 100, d), Duration::from_secs(5));
        assert_eq!(announced(Some(&v(300)), 1000, d), Duration::from_secs(300));
        assert_eq!(
            announced(Some(&v(300_000)), 1000, d),
            Duration::from_secs(300)
        );
        assert_eq!(announced(None, 100, d), d);
        assert_eq!(announced(Some(&serde_json::json!("x")), 100, d), d);
    }
}
