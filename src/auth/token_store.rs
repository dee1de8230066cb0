//! Token stores (documented in the parent module).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};

use crate::error::Error;

/// An access token as kept by a [`TokenStore`]. `Debug` shows no secret.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use zoho_crm_access::auth::StoredToken;
///
/// let token = StoredToken::new("1000.an-access-token")
///     .with_expires_at(SystemTime::now() + Duration::from_secs(3600))
///     .with_api_domain("https://www.zohoapis.eu");
/// assert!(!format!("{token:?}").contains("an-access-token"));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StoredToken {
    /// The access token.
    pub access_token: SecretString,
    /// When Zoho said it expires; `None` when unknown.
    pub expires_at: Option<SystemTime>,
    /// The API domain the token response named (e.g. `https://www.zohoapis.eu`).
    pub api_domain: Option<String>,
}

impl StoredToken {
    /// A token with no known expiry or API domain.
    pub fn new(access_token: impl Into<String>) -> Self {
        StoredToken {
            access_token: SecretString::from(access_token.into()),
            expires_at: None,
            api_domain: None,
        }
    }

    /// When Zoho said the token expires.
    #[must_use]
    pub fn with_expires_at(mut self, at: SystemTime) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// The API domain the token response named.
    #[must_use]
    pub fn with_api_domain(mut self, domain: impl Into<String>) -> Self {
        self.api_domain = Some(domain.into());
        self
    }
}

/// The key a client's tokens are stored under: its OAuth client id and the origin
/// (`scheme://host[:port]`) of the accounts server, e.g. `1000.ABC@https://accounts.zoho.eu`.
/// The client secret and refresh token are not part of it.
///
/// ```
/// use zoho_crm_access::auth::store_key;
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
/// use zoho_crm_access::auth::{StoredToken, TokenStore};
/// use zoho_crm_access::Error;
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
                return Err(Error::token_store(
                    format!("cannot read token file {}", self.path.display()),
                    e,
                ))
            }
        };
        // serde_json's message names a position, never the content.
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::token_store(
                format!("token file {} is not valid JSON", self.path.display()),
                e,
            )
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
        let json = serde_json::to_vec_pretty(&contents)
            .map_err(|e| Error::token_store("cannot encode the token file", e))?;
        let fail = |e: std::io::Error| {
            Error::token_store(
                format!("cannot write token file {}", self.path.display()),
                e,
            )
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
