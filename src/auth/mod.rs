//! Access tokens: a fixed token, or the OAuth refresh-token flow against the data centre's
//! accounts server; and getting a refresh token in the first place ([`Accounts`]: the
//! authorization URL, the grant-code exchange, the device flow, revocation; [`all_scopes`] and [`scopes`]: the
//! scopes to ask for, per family, read from the spec).
//!
//! Every API call carries `Authorization: Zoho-oauthtoken <access token>`. With a refresh
//! token, the client mints access tokens at `{accounts}/oauth/v2/token`
//! (`grant_type=refresh_token`), refreshes about a minute before `expires_in` runs out, and
//! refreshes once more when Zoho answers 401 `INVALID_TOKEN` or `AUTHENTICATION_FAILURE`.
//! Only one refresh runs at a time: concurrent calls that find the token expired wait for
//! the same refresh. The client secret and refresh token are sent only to the accounts
//! server, and no secret appears in `Debug` output, logs or errors.
//!
//! # Keeping tokens between runs
//!
//! A [`TokenStore`] keeps the current access token (with its expiry and the API domain Zoho
//! named) so a new process can reuse it instead of minting another one: Zoho lets a refresh
//! token mint only about 10 access tokens per 10 minutes. The refresh token itself is never
//! stored there; it stays in the client's configuration. [`MemoryTokenStore`] is the default,
//! [`FileTokenStore`] keeps tokens in a file, and any other place (a keychain, a secret
//! manager) is one `impl TokenStore` away; pass it to
//! [`ClientBuilder::token_store`](crate::ClientBuilder::token_store).
//!
//! Tokens are stored under a key naming whose token it is: the OAuth client id, the
//! accounts server that minted it and the grant, by a digest of the refresh token
//! ([`store_key`], e.g. `1000.ABC@https://accounts.zoho.eu#7e6d0c1f3a9b2c4d`). A client
//! configured for another org or user (another client id or refresh token) or another data
//! centre (another accounts server) therefore never picks up a token that is not its own,
//! even from a shared file. The key holds no secret.

mod oauth;
mod refresh;
mod token_store;

use std::fmt;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::error::Error;
pub use oauth::{
    all_scopes, scopes, Access, Accounts, Callback, DeviceAuthorization, DeviceFlowError,
    DeviceGrant, DeviceProgress, Grant,
};
pub(crate) use refresh::Refresher;
pub use token_store::{
    store_key, FileTokenStore, MemoryTokenStore, RefreshLock, StoredToken, TokenStore,
};

/// A token to put on one request, with the generation it belongs to (so a 401 can tell
/// whether someone else already refreshed it).
#[derive(Clone)]
pub(crate) struct Token {
    /// The whole `Authorization` value, `Zoho-oauthtoken <access token>`, marked sensitive
    /// (so `Debug` and HTTP/2 header compression leave it out). Formatted once per token, not
    /// once per request.
    pub(crate) header: HeaderValue,
    pub(crate) generation: u64,
}

/// The `Authorization` value for an access token, or `None` when the token holds characters
/// an HTTP header cannot carry (a control character, say).
pub(crate) fn authorization(token: &SecretString) -> Option<HeaderValue> {
    let mut value =
        HeaderValue::from_str(&format!("Zoho-oauthtoken {}", token.expose_secret())).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// How requests authenticate.
pub(crate) enum Auth {
    /// No Authorization header (raw use, tests of the simulator).
    None,
    /// A fixed access token, never refreshed: its `Authorization` value.
    Static(HeaderValue),
    /// The refresh-token flow.
    Refresh(Box<Refresher>),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("Auth::None"),
            Auth::Static(_) => f.write_str("Auth::Static([REDACTED])"),
            Auth::Refresh(r) => fmt::Debug::fmt(r, f),
        }
    }
}

impl Auth {
    /// A fixed access token, checked once: [`Error::Config`] if it is empty or cannot be sent
    /// in an HTTP header.
    pub(crate) fn fixed(token: &SecretString) -> Result<Auth, Error> {
        if token.expose_secret().trim().is_empty() {
            return Err(Error::config("the access token is empty"));
        }
        authorization(token).map(Auth::Static).ok_or_else(|| {
            Error::config(
                "the access token contains characters not allowed in an HTTP header (a \
                 control character or a line break)",
            )
        })
    }

    /// The token to send now (refreshing first when it is missing or about to expire).
    ///
    /// A token request (and waiting for one) ends at `deadline`, the calling operation's
    /// [`crate::RetryPolicy::total_deadline`].
    pub(crate) async fn token(&self, deadline: std::time::Instant) -> Result<Option<Token>, Error> {
        match self {
            Auth::None => Ok(None),
            Auth::Static(header) => Ok(Some(Token {
                header: header.clone(),
                generation: 0,
            })),
            Auth::Refresh(r) => r.token(deadline).await.map(Some),
        }
    }

    /// Whether a 401 can be cured by refreshing.
    pub(crate) fn can_refresh(&self) -> bool {
        matches!(self, Auth::Refresh(_))
    }

    /// Refreshes because `rejected` was refused, unless another call already replaced it.
    /// Bounded by `deadline` like [`Self::token`].
    pub(crate) async fn refresh_after_rejection(
        &self,
        rejected: u64,
        deadline: std::time::Instant,
    ) -> Result<Token, Error> {
        match self {
            Auth::Refresh(r) => r.refresh_after_rejection(rejected, deadline).await,
            _ => Err(Error::Auth {
                reason: "the access token was rejected and there is no refresh token".into(),
                source: None,
            }),
        }
    }

    /// The API base (`{api_domain}/crm/v8`) the accounts server named, if the client
    /// follows it.
    pub(crate) fn api_base(&self) -> Option<std::sync::Arc<str>> {
        match self {
            Auth::Refresh(r) => r.api_base(),
            _ => None,
        }
    }
}
