//! OAuth for the simulator: the accounts endpoint (`POST /oauth/v2/token`, refresh-token grant)
//! and the check of `Authorization: Zoho-oauthtoken <token>` on every API call.
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
     ZohoCRM.org.READ";

/// Zoho Accounts' quota: tokens per refresh token per window.
const QUOTA: usize = 10;
const QUOTA_WINDOW: Duration = Duration::from_secs(600);
/// Live scoped tokens (issued outside the refresh grant) kept at most; the oldest is dropped.
pub(crate) const MAX_ISSUED: usize = 1000;

struct Token {
    expires: Instant,
    /// Lower-cased scopes; `None` means every scope.
    scopes: Option<Vec<String>>,
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
    /// When the last (at most [`QUOTA`]) refresh-grant tokens were minted.
    minted: VecDeque<Instant>,
    tokens: HashMap<String, Token>,
    /// Tokens from the refresh grant, oldest first (same lifetime, so also by expiry).
    granted: VecDeque<String>,
    /// Scoped tokens, oldest first.
    issued: VecDeque<String>,
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
            minted: VecDeque::new(),
            tokens: HashMap::new(),
            granted: VecDeque::new(),
            issued: VecDeque::new(),
            rng,
        };
        auth.initial_token = auth.new_token(None);
        auth
    }

    fn new_token(&mut self, scopes: Option<Vec<String>>) -> String {
        let token = format!("1000.{}.{}", hex(&mut self.rng, 32), hex(&mut self.rng, 32));
        self.tokens.insert(
            token.clone(),
            Token {
                expires: expiry(self.lifetime),
                scopes: scopes.map(|s| s.into_iter().map(|x| x.to_ascii_lowercase()).collect()),
            },
        );
        token
    }

    /// A new access token with `scopes` (`None`: all), outside the refresh grant (the Rust
    /// API's `issue_access_token`, the control surface).
    pub(crate) fn mint(&mut self, scopes: Option<Vec<String>>) -> String {
        self.prune();
        let token = self.new_token(scopes);
        self.issued.push_back(token.clone());
        while self.issued.len() > MAX_ISSUED {
            if let Some(old) = self.issued.pop_front() {
                self.tokens.remove(&old);
            }
        }
        token
    }

    /// A token from the refresh grant: the oldest live one goes past `max_live`.
    fn grant(&mut self) -> String {
        self.prune();
        let token = self.new_token(None);
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
        let mut params: HashMap<String, String> = HashMap::new();
        for (k, v) in
            url::form_urlencoded::parse(query.as_bytes()).chain(url::form_urlencoded::parse(body))
        {
            params.insert(k.into_owned(), v.into_owned());
        }
        let get = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
        match get("grant_type") {
            "refresh_token" => {}
            "" => return Reply::json(200, json!({ "error": "invalid_request" })),
            _ => return Reply::json(200, json!({ "error": "unsupported_grant_type" })),
        }
        if get("client_id") != self.client_id || get("client_secret") != self.client_secret {
            return Reply::json(200, json!({ "error": "invalid_client" }));
        }
        if get("refresh_token") != self.refresh_token {
            return Reply::json(200, json!({ "error": "invalid_code" }));
        }
        let now = Instant::now();
        while self
            .minted
            .front()
            .is_some_and(|t| now.duration_since(*t) > QUOTA_WINDOW)
        {
            self.minted.pop_front();
        }
        if self.enforce_quota && self.minted.len() >= QUOTA {
            return Reply::json(
                400,
                json!({
                    "error_description": "You have made too many requests continuously. Please try again after some time.",
                    "error": "Access Denied",
                    "status": "failure",
                }),
            );
        }
        self.minted.push_back(now);
        // Only the last QUOTA times matter for the quota.
        while self.minted.len() > QUOTA {
            self.minted.pop_front();
        }
        let token = self.grant();
        Reply::json(200, token_response(&token, api_domain, self.lifetime))
    }
}

/// When a token minted now with `lifetime` expires: a lifetime past what the clock can
/// represent (`Duration::MAX`, say) is 100 years, which is never for a simulator.
fn expiry(lifetime: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(lifetime)
        .unwrap_or_else(|| now + Duration::from_secs(3_153_600_000))
}

fn token_response(token: &str, api_domain: &str, lifetime: Duration) -> Value {
    json!({
        "access_token": token,
        "scope": ALL_SCOPES,
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
