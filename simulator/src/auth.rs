//! OAuth for the simulator: the accounts endpoints (`POST /oauth/v2/token` with the
//! refresh-token and authorization-code grants, `GET /oauth/v2/auth`, `POST
//! /oauth/v2/token/revoke`, the device flow's `POST /oauth/v3/device/code` and `POST
//! /oauth/v3/device/token`) and the check of `Authorization: Zoho-oauthtoken <token>` on every
//! API call.
//!
//! Grants. Every refresh token is a grant with the scopes it was issued for: the simulator's
//! own ([`Auth::refresh_token`], every scope) and one per grant code exchanged. A grant code
//! comes from the control surface (as the API console's Self Client makes one: no redirect
//! URI, 3 minutes by default) or from the authorization endpoint (2 minutes, bound to the
//! `redirect_uri` it was asked with); it is spent by its first exchange by its client (right
//! client id and secret), successful or not, and
//! answers `invalid_code` once spent or expired. An exchange with another `redirect_uri` than
//! the code was asked with answers `invalid_redirect_uri`; a Self Client code ignores
//! `redirect_uri`. Access tokens carry their grant's scopes only. A client keeps at most
//! [`MAX_GRANTS`] refresh tokens; the 21st evicts the oldest, with its access tokens (Zoho's
//! CRM token-validity page). Revoking a refresh token ends it and every access token it
//! minted.
//!
//! The device flow: a user code waits for a person's decision (the control surface plays the
//! person), announces `interval` and `expires_in` in milliseconds (Zoho's page), answers
//! `slow_down` to a poll sooner than `min_gap` after the previous one, `other_dc` (with
//! `user_location`) once when the person approved from another data centre, and gives the
//! grant once, with the scopes asked for.
//!
//! Like Zoho Accounts, a refused refresh answers HTTP 200 with `{"error": "invalid_client"}` or
//! `{"error": "invalid_code"}`; past the optional quota (10 tokens per 10 minutes per refresh
//! token) it answers 400 `{"error": "Access Denied", ...}`.
//!
//! Tokens expire after their lifetime and are pruned when the next one is minted. At most
//! `max_live` tokens minted by the refresh grant live at once (Zoho Accounts documents 30 live
//! access tokens per refresh token, the oldest dropped when a new one is made; see
//! `../shared/zoho-api-facts.md`), and at most [`MAX_ISSUED`] scoped tokens issued through the
//! Rust API or the control surface. The token table is therefore bounded whatever the number
//! of token requests.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::{json, Value};

use super::responses::Reply;

/// Scopes every simulator token carries unless issued with fewer (as the token response
/// names them): the three families and the directory.
pub(crate) const ALL_SCOPES: &str = "ZohoCRM.settings.record_locking_configurations.ALL \
     ZohoCRM.settings.data_sharing.ALL ZohoCRM.settings.roles.READ \
     ZohoCRM.settings.user_groups.READ ZohoCRM.settings.profiles.READ \
     ZohoCRM.settings.modules.READ ZohoCRM.settings.fields.READ ZohoCRM.users.READ \
     ZohoCRM.org.READ ZohoCRM.modules.lockinginformation.ALL ZohoCRM.modules.ALL";

/// Refresh tokens a client keeps (Zoho: "When you generate the 21st refresh token, the first
/// created refresh token gets invalidated").
pub(crate) const MAX_GRANTS: usize = 20;
/// Grant codes pending at once (expired ones are pruned first; the oldest goes past it).
const MAX_CODES: usize = 100;
/// How long a code of the authorization endpoint lives (Zoho: "valid for 2 minutes").
const AUTH_CODE_LIFETIME: Duration = Duration::from_secs(120);
/// How long a Self Client code lives unless the console (the control surface) says otherwise.
pub(crate) const SELF_CLIENT_CODE_LIFETIME: Duration = Duration::from_secs(180);
/// The longest Self Client code lifetime accepted (the console offers a few minutes).
pub(crate) const MAX_CODE_LIFETIME: Duration = Duration::from_secs(600);

/// Zoho Accounts' quota: tokens per refresh token per window.
const QUOTA: usize = 10;
const QUOTA_WINDOW: Duration = Duration::from_secs(600);
/// Live scoped tokens (issued outside the refresh grant) kept at most; the oldest is dropped.
pub(crate) const MAX_ISSUED: usize = 1000;

struct Token {
    expires: Instant,
    /// Lower-cased scopes; `None` means every scope.
    scopes: Option<Vec<String>>,
    /// The refresh token that minted it, if one did.
    grant: Option<String>,
}

/// A refresh token's grant.
struct Grant {
    /// The scopes as asked for; `None` means every scope (the simulator's own grant).
    scopes: Option<Vec<String>>,
    /// When the last (at most [`QUOTA`]) access tokens were minted from it.
    minted: VecDeque<Instant>,
}

/// A grant code waiting for its exchange.
struct Code {
    scopes: Vec<String>,
    expires: Instant,
    /// The redirect URI of the authorization request; `None` for a Self Client code.
    redirect_uri: Option<String>,
    /// `access_type=offline`: the exchange also issues a refresh token.
    offline: bool,
}

/// Client credentials, issued tokens and counters. Not `Debug`: it holds secrets.
pub(crate) struct Auth {
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    pub initial_token: String,
    pub lifetime: Duration,
    pub token_requests: usize,
    pub enforce_quota: bool,
    /// Live tokens minted by the refresh grant allowed at once.
    max_live: usize,
    tokens: HashMap<String, Token>,
    /// Refresh token -> its grant.
    grants: HashMap<String, Grant>,
    /// Refresh tokens issued by code exchanges, oldest first (the simulator's own is not
    /// counted against [`MAX_GRANTS`]).
    grant_order: VecDeque<String>,
    /// Grant code -> what it grants.
    codes: HashMap<String, Code>,
    /// Grant codes, oldest first.
    code_order: VecDeque<String>,
    /// The redirect URI registered for the server-based client; `None`: any loopback
    /// `http` URI is accepted.
    pub redirect_uri: Option<String>,
    /// The `location` the authorization endpoint names as the user's data centre.
    pub location: String,
    /// Tokens from the refresh grant, oldest first (same lifetime, so also by expiry).
    granted: VecDeque<String>,
    /// Scoped tokens, oldest first.
    issued: VecDeque<String>,
    /// The device flow: pending device codes and what is announced.
    pub(crate) devices: Devices,
    rng: StdRng,
}

impl Auth {
    pub(crate) fn new(seed: u64, lifetime: Duration, enforce_quota: bool, max_live: usize) -> Self {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed_0a17);
        let client_id = format!("1000.{}", hex(&mut rng, 30).to_uppercase());
        let client_secret = hex(&mut rng, 42);
        let refresh_token = format!("1000.{}.{}", hex(&mut rng, 32), hex(&mut rng, 32));
        let mut auth = Self {
            client_id,
            client_secret,
            refresh_token,
            initial_token: String::new(),
            lifetime,
            token_requests: 0,
            enforce_quota,
            max_live: max_live.max(1),
            tokens: HashMap::new(),
            grants: HashMap::new(),
            grant_order: VecDeque::new(),
            codes: HashMap::new(),
            code_order: VecDeque::new(),
            redirect_uri: None,
            location: "us".into(),
            granted: VecDeque::new(),
            issued: VecDeque::new(),
            devices: Devices::default(),
            rng,
        };
        auth.initial_token = auth.new_token(None, None);
        auth.grants.insert(
            auth.refresh_token.clone(),
            Grant {
                scopes: None,
                minted: VecDeque::new(),
            },
        );
        auth
    }

    fn new_token(&mut self, scopes: Option<Vec<String>>, grant: Option<String>) -> String {
        let token = format!("1000.{}.{}", hex(&mut self.rng, 32), hex(&mut self.rng, 32));
        self.tokens.insert(
            token.clone(),
            Token {
                expires: expiry(self.lifetime),
                scopes: scopes.map(|s| s.into_iter().map(|x| x.to_ascii_lowercase()).collect()),
                grant,
            },
        );
        token
    }

    /// A new access token with `scopes` (`None`: all), outside the refresh grant (the Rust
    /// API's `issue_access_token`, the control surface).
    pub(crate) fn mint(&mut self, scopes: Option<Vec<String>>) -> String {
        self.prune();
        let token = self.new_token(scopes, None);
        self.issued.push_back(token.clone());
        while self.issued.len() > MAX_ISSUED {
            if let Some(old) = self.issued.pop_front() {
                self.tokens.remove(&old);
            }
        }
        token
    }

    /// A token from the refresh grant of `refresh_token`, with its scopes: the oldest live one
    /// goes past `max_live`.
    fn grant(&mut self, refresh_token: &str) -> String {
        self.prune();
        let scopes = self
            .grants
            .get(refresh_token)
            .and_then(|g| g.scopes.clone());
        let token = self.new_token(scopes, Some(refresh_token.to_owned()));
        self.granted.push_back(token.clone());
        while self.granted.len() > self.max_live {
            if let Some(old) = self.granted.pop_front() {
                self.tokens.remove(&old);
            }
        }
        token
    }

    /// Drops expired tokens (the initial token stays known, so that it answers
    /// `INVALID_TOKEN` rather than being forgotten; it is one entry).
    fn prune(&mut self) {
        let now = Instant::now();
        let tokens = &mut self.tokens;
        let expired = |t: &String, tokens: &HashMap<String, Token>| {
            tokens.get(t).is_none_or(|x| now >= x.expires)
        };
        for list in [&mut self.granted, &mut self.issued] {
            list.retain(|t| {
                if expired(t, tokens) {
                    tokens.remove(t);
                    false
                } else {
                    true
                }
            });
        }
    }

    /// Entries of the token table (live or expired but not yet pruned).
    pub(crate) fn held_tokens(&self) -> usize {
        self.tokens.len()
    }

    /// Access tokens that would be accepted now.
    pub(crate) fn live_tokens(&self) -> usize {
        let now = Instant::now();
        self.tokens.values().filter(|t| now < t.expires).count()
    }

    /// Makes every issued access token invalid from now on (as if an hour had passed).
    pub(crate) fn expire_all(&mut self) {
        let now = Instant::now();
        for t in self.tokens.values_mut() {
            t.expires = now;
        }
        self.prune();
    }

    /// Checks the `Authorization` header for an operation needing `scope` (e.g.
    /// `ZohoCRM.settings.data_sharing.READ`).
    pub(crate) fn check(&self, header: Option<&str>, allowed: &[&[&str]]) -> Result<(), Reply> {
        let Some(token) = header.and_then(|h| h.strip_prefix("Zoho-oauthtoken ")) else {
            return Err(Reply::flat(
                401,
                "AUTHENTICATION_FAILURE",
                "Authentication failed",
                json!({}),
            ));
        };
        let invalid = || Reply::flat(401, "INVALID_TOKEN", "invalid oauth token", json!({}));
        let t = self.tokens.get(token.trim()).ok_or_else(invalid)?;
        if Instant::now() >= t.expires {
            return Err(invalid());
        }
        if let Some(scopes) = &t.scopes {
            // One of the operation's alternatives (the spec's security requirements: the
            // narrowest, its `.ALL`, and `ZohoCRM.settings.ALL` where the spec lists it), with
            // every scope that alternative needs together, in any case.
            let held = |a: &&str| scopes.iter().any(|s| a.eq_ignore_ascii_case(s));
            let ok = allowed.iter().any(|set| set.iter().all(held));
            if !ok {
                return Err(Reply::flat(
                    401,
                    "OAUTH_SCOPE_MISMATCH",
                    "invalid oauth scope to access this URL",
                    json!({}),
                ));
            }
        }
        Ok(())
    }

    /// `POST /oauth/v2/token`: parameters from the form body and/or the query string.
    pub(crate) fn token_endpoint(&mut self, query: &str, body: &[u8], api_domain: &str) -> Reply {
        self.token_requests += 1;
        let params = form(query, body);
        let get = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
        match get("grant_type") {
            "refresh_token" | "authorization_code" => {}
            "" => return Reply::json(200, json!({ "error": "invalid_request" })),
            _ => return Reply::json(200, json!({ "error": "unsupported_grant_type" })),
        }
        if get("client_id") != self.client_id || get("client_secret") != self.client_secret {
            return Reply::json(200, json!({ "error": "invalid_client" }));
        }
        if get("grant_type") == "authorization_code" {
            return self.exchange(get("code"), params.get("redirect_uri"), api_domain);
        }
        let refresh_token = get("refresh_token").to_owned();
        let Some(grant) = self.grants.get_mut(&refresh_token) else {
            return Reply::json(200, json!({ "error": "invalid_code" }));
        };
        let now = Instant::now();
        while grant
            .minted
            .front()
            .is_some_and(|t| now.duration_since(*t) > QUOTA_WINDOW)
        {
            grant.minted.pop_front();
        }
        if self.enforce_quota && grant.minted.len() >= QUOTA {
            return Reply::json(
                400,
                json!({
                    "error_description": "You have made too many requests continuously. Please try again after some time.",
                    "error": "Access Denied",
                    "status": "failure",
                }),
            );
        }
        grant.minted.push_back(now);
        // Only the last QUOTA times matter for the quota.
        while grant.minted.len() > QUOTA {
            grant.minted.pop_front();
        }
        let scope = scope_text(grant.scopes.as_deref());
        let token = self.grant(&refresh_token);
        Reply::json(
            200,
            token_response(&token, &scope, api_domain, self.lifetime),
        )
    }

    /// The authorization-code grant (the client is checked): the code is spent whatever the
    /// outcome.
    fn exchange(&mut self, code: &str, redirect_uri: Option<&String>, api_domain: &str) -> Reply {
        self.prune_codes();
        let Some(granted) = self.codes.remove(code) else {
            return Reply::json(200, json!({ "error": "invalid_code" }));
        };
        self.code_order.retain(|c| c != code);
        if Instant::now() >= granted.expires {
            return Reply::json(200, json!({ "error": "invalid_code" }));
        }
        if let Some(asked) = &granted.redirect_uri {
            if redirect_uri != Some(asked) {
                return Reply::json(200, json!({ "error": "invalid_redirect_uri" }));
            }
        }
        let scope = granted.scopes.join(" ");
        let refresh = granted
            .offline
            .then(|| self.new_grant(granted.scopes.clone()));
        let token = match &refresh {
            Some(r) => self.grant(r),
            None => self.mint(Some(granted.scopes.clone())),
        };
        let mut body = token_response(&token, &scope, api_domain, self.lifetime);
        if let Some(r) = refresh {
            body["refresh_token"] = r.into();
        }
        Reply::json(200, body)
    }

    /// A new refresh token for `scopes`; the oldest issued one goes past [`MAX_GRANTS`].
    fn new_grant(&mut self, scopes: Vec<String>) -> String {
        let token = format!("1000.{}.{}", hex(&mut self.rng, 32), hex(&mut self.rng, 32));
        self.grants.insert(
            token.clone(),
            Grant {
                scopes: Some(scopes),
                minted: VecDeque::new(),
            },
        );
        self.grant_order.push_back(token.clone());
        while self.grant_order.len() > MAX_GRANTS {
            if let Some(old) = self.grant_order.pop_front() {
                self.end_grant(&old);
            }
        }
        token
    }

    /// Forgets a refresh token and every access token it minted.
    fn end_grant(&mut self, refresh_token: &str) {
        self.grants.remove(refresh_token);
        self.grant_order.retain(|t| t != refresh_token);
        self.tokens
            .retain(|_, t| t.grant.as_deref() != Some(refresh_token));
        let tokens = &self.tokens;
        self.granted.retain(|t| tokens.contains_key(t));
    }

    /// Refresh tokens that would mint now.
    pub(crate) fn refresh_tokens(&self) -> usize {
        self.grants.len()
    }

    /// Whether `refresh_token` would mint now.
    pub(crate) fn grant_is_live(&self, refresh_token: &str) -> bool {
        self.grants.contains_key(refresh_token)
    }

    fn prune_codes(&mut self) {
        let now = Instant::now();
        self.codes.retain(|_, c| now < c.expires);
        let codes = &self.codes;
        self.code_order.retain(|c| codes.contains_key(c));
    }

    fn new_code(&mut self, code: Code) -> String {
        self.prune_codes();
        let text = format!("1000.{}.{}", hex(&mut self.rng, 32), hex(&mut self.rng, 32));
        self.codes.insert(text.clone(), code);
        self.code_order.push_back(text.clone());
        while self.code_order.len() > MAX_CODES {
            if let Some(old) = self.code_order.pop_front() {
                self.codes.remove(&old);
            }
        }
        text
    }

    /// A Self Client grant code, as the API console's "Generate Code" makes one: no redirect
    /// URI, a refresh token on exchange.
    pub(crate) fn self_client_code(&mut self, scopes: Vec<String>, lifetime: Duration) -> String {
        self.new_code(Code {
            scopes,
            expires: expiry(lifetime),
            redirect_uri: None,
            offline: true,
        })
    }

    /// `GET /oauth/v2/auth`: with no person to ask, the grant is given at once. `Ok` is the
    /// URL to redirect to (with `code`, `location`, `accounts-server` and `state`); `Err` an
    /// error page Zoho shows instead of redirecting (JSON here).
    pub(crate) fn authorize(&mut self, query: &str, accounts: &str) -> Result<String, Reply> {
        let params = form(query, b"");
        let get = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
        if get("client_id") != self.client_id {
            return Err(Reply::json(400, json!({ "error": "invalid_client" })));
        }
        let redirect = get("redirect_uri");
        let registered = match &self.redirect_uri {
            Some(r) => r == redirect,
            None => url::Url::parse(redirect).is_ok_and(|u| {
                u.scheme() == "http"
                    && matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
            }),
        };
        if !registered {
            return Err(Reply::json(400, json!({ "error": "invalid_redirect_uri" })));
        }
        let mut url = url::Url::parse(redirect)
            .map_err(|_| Reply::json(400, json!({ "error": "invalid_redirect_uri" })))?;
        let scopes: Vec<String> = get("scope")
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let state = params.get("state").cloned();
        let mut error = None;
        if get("response_type") != "code" {
            error = Some("unsupported_response_type");
        } else if scopes.is_empty() || scopes.len() > 100 {
            error = Some("invalid_scope");
        }
        {
            let mut q = url.query_pairs_mut();
            match error {
                Some(e) => {
                    q.append_pair("error", e);
                }
                None => {
                    let code = self.new_code(Code {
                        scopes,
                        expires: expiry(AUTH_CODE_LIFETIME),
                        redirect_uri: Some(redirect.to_owned()),
                        offline: get("access_type") == "offline",
                    });
                    q.append_pair("code", &code);
                    q.append_pair("location", &self.location);
                    q.append_pair("accounts-server", accounts);
                }
            }
            if let Some(state) = &state {
                q.append_pair("state", state);
            }
        }
        Ok(url.into())
    }

    /// `POST /oauth/v2/token/revoke`: `token` (a refresh token, or an access token) from the
    /// query string or the form body.
    pub(crate) fn revoke(&mut self, query: &str, body: &[u8]) -> Reply {
        let params = form(query, body);
        let token = params.get("token").map(String::as_str).unwrap_or_default();
        if self.grants.contains_key(token) {
            self.end_grant(token);
            return Reply::json(200, json!({ "status": "success" }));
        }
        if !token.is_empty() && token != self.initial_token && self.tokens.remove(token).is_some() {
            self.issued.retain(|t| t != token);
            self.granted.retain(|t| t != token);
            return Reply::json(200, json!({ "status": "success" }));
        }
        Reply::json(
            400,
            json!({ "status": "failure", "error": "invalid_token" }),
        )
    }
}

/// Device authorizations pending at once (the oldest goes past it).
const MAX_DEVICES: usize = 100;

/// What a person decided for a user code.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Decision {
    Pending,
    Approved,
    Denied,
}

/// One device authorization (`POST /oauth/v3/device/code`).
struct Device {
    user_code: String,
    scopes: Vec<String>,
    offline: bool,
    expires: Instant,
    decision: Decision,
    /// Approved by a person of another data centre: the first poll after it answers
    /// `other_dc` with this location.
    other_dc: Option<String>,
    last_poll: Option<Instant>,
    polls: u32,
    slow_downs: u32,
    /// Whether the grant was given (the device code is then spent).
    spent: bool,
}

/// The device flow's state and what it announces. Zoho's page gives `interval` and
/// `expires_in` in milliseconds, and the simulator sends milliseconds.
pub(crate) struct Devices {
    /// The `interval` announced.
    pub interval: Duration,
    /// How long a user code lives (Zoho: 5 minutes).
    pub lifetime: Duration,
    /// A poll less than this after the previous one answers `slow_down` (default: the
    /// announced interval).
    pub min_gap: Duration,
    /// Device code -> its authorization.
    codes: HashMap<String, Device>,
    order: VecDeque<String>,
}

impl Default for Devices {
    fn default() -> Self {
        Devices {
            interval: Duration::from_millis(5000),
            lifetime: Duration::from_secs(300),
            min_gap: Duration::from_millis(5000),
            codes: HashMap::new(),
            order: VecDeque::new(),
        }
    }
}

impl Devices {
    /// The pending and finished authorizations, for the control surface (no device code).
    pub(crate) fn to_json(&self) -> Value {
        let now = Instant::now();
        let list: Vec<Value> = self
            .order
            .iter()
            .filter_map(|c| self.codes.get(c))
            .map(|d| {
                let status = match (d.decision, d.spent) {
                    (_, true) => "granted",
                    (Decision::Denied, _) => "denied",
                    (_, _) if now >= d.expires => "expired",
                    (Decision::Approved, _) => "approved",
                    (Decision::Pending, _) => "pending",
                };
                json!({
                    "user_code": d.user_code,
                    "status": status,
                    "polls": d.polls,
                    "slow_downs": d.slow_downs,
                    "scopes": d.scopes,
                })
            })
            .collect();
        json!({
            "interval_ms": self.interval.as_millis() as u64,
            "expires_in_ms": self.lifetime.as_millis() as u64,
            "min_gap_ms": self.min_gap.as_millis() as u64,
            "authorizations": list,
        })
    }

    /// A person's decision on `user_code`: `Err` when no live authorization has it.
    pub(crate) fn decide(
        &mut self,
        user_code: &str,
        approve: bool,
        location: Option<String>,
    ) -> Result<(), &'static str> {
        let now = Instant::now();
        let device = self
            .codes
            .values_mut()
            .find(|d| d.user_code.eq_ignore_ascii_case(user_code.trim()))
            .ok_or("no device authorization has this user code")?;
        if now >= device.expires {
            return Err("this user code has expired");
        }
        if device.decision != Decision::Pending || device.spent {
            return Err("this user code was decided already");
        }
        device.decision = if approve {
            Decision::Approved
        } else {
            Decision::Denied
        };
        device.other_dc = location;
        Ok(())
    }
}

impl Auth {
    /// `POST /oauth/v3/device/code` (`grant_type=device_request`): a user code and a device
    /// code for the scopes asked for. Any client id of the simulator is accepted (whether
    /// Zoho accepts a Self Client here is not documented).
    pub(crate) fn device_code(&mut self, query: &str, body: &[u8], accounts: &str) -> Reply {
        let params = form(query, body);
        let get = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
        if get("grant_type") != "device_request" {
            return Reply::json(200, json!({ "error": "unsupported_grant_type" }));
        }
        if get("client_id") != self.client_id {
            return Reply::json(200, json!({ "error": "invalid_client" }));
        }
        let scopes: Vec<String> = get("scope")
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if scopes.is_empty() || scopes.len() > 100 || scopes.iter().any(|s| s.len() > 200) {
            return Reply::json(200, json!({ "error": "invalid_scope" }));
        }
        let device_code = format!("1004.{}.{}", hex(&mut self.rng, 32), hex(&mut self.rng, 32));
        let user_code = hex(&mut self.rng, 8).to_uppercase();
        let now = Instant::now();
        let devices = &mut self.devices;
        devices.codes.retain(|_, d| now < d.expires && !d.spent);
        let codes = &devices.codes;
        devices.order.retain(|c| codes.contains_key(c));
        devices.codes.insert(
            device_code.clone(),
            Device {
                user_code: user_code.clone(),
                scopes,
                offline: get("access_type") == "offline",
                expires: expiry(devices.lifetime),
                decision: Decision::Pending,
                other_dc: None,
                last_poll: None,
                polls: 0,
                slow_downs: 0,
                spent: false,
            },
        );
        devices.order.push_back(device_code.clone());
        while devices.order.len() > MAX_DEVICES {
            if let Some(old) = devices.order.pop_front() {
                devices.codes.remove(&old);
            }
        }
        Reply::json(
            200,
            json!({
                "user_code": user_code,
                "device_code": device_code,
                "verification_url": format!("{accounts}/oauth/v3/device"),
                "interval": devices.interval.as_millis() as u64,
                "expires_in": devices.lifetime.as_millis() as u64,
            }),
        )
    }

    /// `POST /oauth/v3/device/token` (`grant_type=device_token`): `authorization_pending`
    /// until a person decides, `slow_down` for a poll sooner than allowed after the previous
    /// one, `other_dc` once when the person is of another data centre, `access_denied`,
    /// `expired`, else the grant (once: the device code is then spent, `invalid_code`).
    pub(crate) fn device_token(&mut self, query: &str, body: &[u8], api_domain: &str) -> Reply {
        self.token_requests += 1;
        let params = form(query, body);
        let get = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
        if get("grant_type") != "device_token" {
            return Reply::json(200, json!({ "error": "unsupported_grant_type" }));
        }
        if get("client_id") != self.client_id || get("client_secret") != self.client_secret {
            return Reply::json(200, json!({ "error": "invalid_client" }));
        }
        let now = Instant::now();
        let min_gap = self.devices.min_gap;
        let Some(device) = self.devices.codes.get_mut(get("code")) else {
            return Reply::json(200, json!({ "error": "invalid_code" }));
        };
        if device.spent {
            return Reply::json(200, json!({ "error": "invalid_code" }));
        }
        device.polls += 1;
        let previous = device.last_poll.replace(now);
        if now >= device.expires {
            return Reply::json(200, json!({ "error": "expired" }));
        }
        if previous.is_some_and(|p| now.duration_since(p) < min_gap) {
            device.slow_downs += 1;
            return Reply::json(200, json!({ "error": "slow_down" }));
        }
        match device.decision {
            Decision::Pending => {
                return Reply::json(200, json!({ "error": "authorization_pending" }))
            }
            Decision::Denied => return Reply::json(200, json!({ "error": "access_denied" })),
            Decision::Approved => {}
        }
        if let Some(location) = device.other_dc.take() {
            return Reply::json(
                200,
                json!({ "error": "other_dc", "user_location": location }),
            );
        }
        device.spent = true;
        let scopes = device.scopes.clone();
        let offline = device.offline;
        let scope = scopes.join(" ");
        let refresh = offline.then(|| self.new_grant(scopes.clone()));
        let token = match &refresh {
            Some(r) => self.grant(r),
            None => self.mint(Some(scopes)),
        };
        let mut body = token_response(&token, &scope, api_domain, self.lifetime);
        if let Some(r) = refresh {
            body["refresh_token"] = r.into();
        }
        Reply::json(200, body)
    }
}

/// The parameters of the query string and the form body (the body's win).
fn form(query: &str, body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.as_bytes())
        .chain(url::form_urlencoded::parse(body))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A grant's scopes as a token response's `scope` names them.
fn scope_text(scopes: Option<&[String]>) -> String {
    match scopes {
        Some(s) => s.join(" "),
        None => ALL_SCOPES.to_owned(),
    }
}

/// When a token minted now with `lifetime` expires: a lifetime past what the clock can
/// represent (`Duration::MAX`, say) is 100 years, which is never for a simulator.
fn expiry(lifetime: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(lifetime)
        .unwrap_or_else(|| now + Duration::from_secs(3_153_600_000))
}

fn token_response(token: &str, scope: &str, api_domain: &str, lifetime: Duration) -> Value {
    json!({
        "access_token": token,
        "scope": scope,
        "api_domain": api_domain,
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs(),
    })
}

fn hex(rng: &mut StdRng, n: usize) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    (0..n)
        .map(|_| DIGITS[rng.random_range(0..16)] as char)
        .collect()
}
