//! OAuth for the simulator: the accounts endpoint (`POST /oauth/v2/token`, refresh-token grant)
//! and the check of `Authorization: Zoho-oauthtoken <token>` on every API call.
//!
//! Like Zoho Accounts, a refused refresh answers HTTP 200 with `{"error": "invalid_client"}` or
//! `{"error": "invalid_code"}`; past the optional quota (10 tokens per 10 minutes per refresh
//! token) it answers 400 `{"error": "Access Denied", ...}`.

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
     ZohoCRM.settings.modules.READ ZohoCRM.settings.fields.READ ZohoCRM.users.READ";

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
    minted: VecDeque<Instant>,
    tokens: HashMap<String, Token>,
    rng: StdRng,
}

impl Auth {
    pub(crate) fn new(seed: u64, lifetime: Duration, enforce_quota: bool) -> Self {
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
            minted: VecDeque::new(),
            tokens: HashMap::new(),
            rng,
        };
        auth.initial_token = auth.mint(None);
        auth
    }

    /// A new access token with `scopes` (`None`: all).
    pub(crate) fn mint(&mut self, scopes: Option<Vec<String>>) -> String {
        let token = format!("1000.{}.{}", hex(&mut self.rng, 32), hex(&mut self.rng, 32));
        self.tokens.insert(
            token.clone(),
            Token {
                expires: Instant::now() + self.lifetime,
                scopes: scopes.map(|s| s.into_iter().map(|x| x.to_ascii_lowercase()).collect()),
            },
        );
        token
    }

    /// Makes every issued access token invalid from now on (as if an hour had passed).
    pub(crate) fn expire_all(&mut self) {
        let now = Instant::now();
        for t in self.tokens.values_mut() {
            t.expires = now;
        }
    }

    /// Checks the `Authorization` header for an operation needing `scope` (e.g.
    /// `ZohoCRM.settings.data_sharing.READ`).
    pub(crate) fn check(&self, header: Option<&str>, scope: &str) -> Result<(), Reply> {
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
            let wanted = scope.to_ascii_lowercase();
            let family_all = match wanted.rsplit_once('.') {
                Some((family, _)) => format!("{family}.all"),
                None => wanted.clone(),
            };
            let ok = scopes.iter().any(|s| {
                *s == wanted
                        || *s == family_all
                        // `ZohoCRM.settings.ALL` covers the settings APIs, not users.
                        || (s == "zohocrm.settings.all" && wanted.starts_with("zohocrm.settings."))
            });
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
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(600))
        {
            self.minted.pop_front();
        }
        if self.enforce_quota && self.minted.len() >= 10 {
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
        let token = self.mint(None);
        Reply::json(200, token_response(&token, api_domain, self.lifetime))
    }
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
