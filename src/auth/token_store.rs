//! Where access tokens live between runs.
//!
//! A [`TokenStore`] keeps the current access token (with its expiry and the API domain Zoho
//! named) so a new process can reuse it instead of minting another one: Zoho lets a refresh
//! token mint only about 10 access tokens per 10 minutes. The refresh token itself is never
//! stored here; it stays in the client's configuration.
//!
//! Tokens are stored under a key naming whose token it is: the OAuth client id and the
//! accounts server that minted it ([`store_key`], e.g.
//! `1000.ABC@https://accounts.zoho.eu`). A client configured for another org (another client
//! id) or another data centre (another accounts server) therefore never picks up a token
//! that is not its own, even from a shared file. The key holds no secret.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};

use crate::error::Error;

/// An access token as kept by a [`TokenStore`]. `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct StoredToken {
    /// The access token.
    pub access_token: SecretString,
    /// When Zoho said it expires; `None` when unknown.
    pub expires_at: Option<SystemTime>,
    /// The API domain the token response named (e.g. `https://www.zohoapis.eu`).
    pub api_domain: Option<String>,
}

/// The key a client's tokens are stored under: its OAuth client id and the origin
/// (`scheme://host[:port]`) of the accounts server, e.g. `1000.ABC@https://accounts.zoho.eu`.
/// The client secret and refresh token are not part of it.
///
/// ```
/// use zoho_crm_access::auth::token_store::store_key;
/// assert_eq!(
///     store_key("1000.ABC", "https://accounts.zoho.eu/oauth/v2/token"),
///     "1000.ABC@https://accounts.zoho.eu"
/// );
/// ```
pub fn store_key(client_id: &str, accounts_url: &str) -> String {
    let origin = url::Url::parse(accounts_url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| accounts_url.trim_end_matches('/').to_owned());
    format!("{client_id}@{origin}")
}

/// Persistence for access tokens, one per key (see [`store_key`]). Implement it to keep
/// tokens in a keychain, a database, a secret manager ...; [`MemoryTokenStore`] and
/// [`FileTokenStore`] come with the crate.
///
/// ```
/// use futures::future::BoxFuture;
/// use zoho_crm_access::{Error, StoredToken, TokenStore};
///
/// /// A store that never keeps anything.
/// struct Forgetful;
///
/// impl TokenStore for Forgetful {
///     fn load<'a>(&'a self, _key: &'a str) -> BoxFuture<'a, Result<Option<StoredToken>, Error>> {
///         Box::pin(async { Ok(None) })
///     }
///     fn save<'a>(
///         &'a self,
///         _key: &'a str,
///         _token: &'a StoredToken,
///     ) -> BoxFuture<'a, Result<(), Error>> {
///         Box::pin(async { Ok(()) })
///     }
/// }
/// ```
pub trait TokenStore: Send + Sync + 'static {
    /// The token stored under `key`, if any.
    fn load<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<StoredToken>, Error>>;
    /// Replaces the token stored under `key` (tokens under other keys stay).
    fn save<'a>(&'a self, key: &'a str, token: &'a StoredToken)
        -> BoxFuture<'a, Result<(), Error>>;
}

/// Keeps tokens in memory only (the default).
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    slots: Mutex<BTreeMap<String, StoredToken>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl TokenStore for MemoryTokenStore {
    fn load<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<StoredToken>, Error>> {
        let token = self
            .slots
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned();
        Box::pin(async move { Ok(token) })
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a StoredToken,
    ) -> BoxFuture<'a, Result<(), Error>> {
        self.slots
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.to_owned(), token.clone());
        Box::pin(async { Ok(()) })
    }
}

/// Keeps tokens in a JSON file, readable only by its owner (mode 0600 on Unix), one entry
/// per key ([`store_key`]: client id and accounts server), so several orgs or data centres
/// can share a file without using each other's tokens. The file is replaced atomically
/// (written beside it, then renamed). A file in an older or unknown format is treated as
/// empty and replaced on the next save.
#[derive(Clone, Debug)]
pub struct FileTokenStore {
    path: PathBuf,
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct FileContents {
    tokens: BTreeMap<String, FileRecord>,
}

#[derive(serde::Serialize, serde::Deserialize, Clone)]
struct FileRecord {
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at_unix: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_domain: Option<String>,
}

impl FileTokenStore {
    /// A store backed by the file at `path` (created on first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileTokenStore { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read_all(&self) -> Result<FileContents, Error> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(FileContents::default())
            }
            Err(e) => {
                return Err(Error::Auth {
                    reason: format!("cannot read token file {}: {e}", self.path.display()),
                })
            }
        };
        // serde_json's message names a position, never the content.
        serde_json::from_slice(&bytes).map_err(|e| Error::Auth {
            reason: format!("token file {} is not valid: {e}", self.path.display()),
        })
    }

    fn read(&self, key: &str) -> Result<Option<StoredToken>, Error> {
        let Some(rec) = self.read_all()?.tokens.remove(key) else {
            return Ok(None);
        };
        Ok(Some(StoredToken {
            access_token: SecretString::from(rec.access_token),
            expires_at: rec
                .expires_at_unix
                .and_then(|s| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(s))),
            api_domain: rec.api_domain,
        }))
    }

    fn write(&self, key: &str, token: &StoredToken) -> Result<(), Error> {
        // Keep the other keys' tokens; an unreadable file is started afresh.
        let mut contents = self.read_all().unwrap_or_default();
        contents.tokens.insert(
            key.to_owned(),
            FileRecord {
                access_token: token.access_token.expose_secret().to_owned(),
                expires_at_unix: token
                    .expires_at
                    .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                    .map(|d| d.as_secs()),
                api_domain: token.api_domain.clone(),
            },
        );
        let json = serde_json::to_vec_pretty(&contents).map_err(|e| Error::Auth {
            reason: format!("cannot encode token: {e}"),
        })?;
        let fail = |e: std::io::Error| Error::Auth {
            reason: format!("cannot write token file {}: {e}", self.path.display()),
        };
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        {
            use std::io::Write;
            let mut f = opts.open(&tmp).map_err(fail)?;
            #[cfg(unix)]
            {
                // `mode` applies only when the file is created; tighten an existing one too.
                use std::os::unix::fs::PermissionsExt;
                f.set_permissions(std::fs::Permissions::from_mode(0o600))
                    .map_err(fail)?;
            }
            f.write_all(&json).map_err(fail)?;
            f.sync_all().map_err(fail)?;
        }
        std::fs::rename(&tmp, &self.path).map_err(fail)?;
        Ok(())
    }
}

impl TokenStore for FileTokenStore {
    fn load<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<StoredToken>, Error>> {
        Box::pin(async move { self.read(key) })
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a StoredToken,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move { self.write(key, token) })
    }
}
