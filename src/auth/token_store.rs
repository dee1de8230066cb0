//! Where access tokens live between runs.
//!
//! A [`TokenStore`] keeps the current access token (with its expiry and the API domain Zoho
//! named) so a new process can reuse it instead of minting another one: Zoho lets a refresh
//! token mint only about 10 access tokens per 10 minutes. The refresh token itself is never
//! stored here; it stays in the client's configuration.

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

/// Persistence for access tokens. Implement it to keep tokens in a keychain, a database,
/// a secret manager ...; [`MemoryTokenStore`] and [`FileTokenStore`] come with the crate.
///
/// ```
/// use futures::future::BoxFuture;
/// use zoho_crm_access::{Error, StoredToken, TokenStore};
///
/// /// A store that never keeps anything.
/// struct Forgetful;
///
/// impl TokenStore for Forgetful {
///     fn load(&self) -> BoxFuture<'_, Result<Option<StoredToken>, Error>> {
///         Box::pin(async { Ok(None) })
///     }
///     fn save<'a>(&'a self, _token: &'a StoredToken) -> BoxFuture<'a, Result<(), Error>> {
///         Box::pin(async { Ok(()) })
///     }
/// }
/// ```
pub trait TokenStore: Send + Sync + 'static {
    /// The stored token, if any.
    fn load(&self) -> BoxFuture<'_, Result<Option<StoredToken>, Error>>;
    /// Replaces the stored token.
    fn save<'a>(&'a self, token: &'a StoredToken) -> BoxFuture<'a, Result<(), Error>>;
}

/// Keeps the token in memory only (the default).
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    slot: Mutex<Option<StoredToken>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<StoredToken>, Error>> {
        let token = self.slot.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Box::pin(async move { Ok(token) })
    }

    fn save<'a>(&'a self, token: &'a StoredToken) -> BoxFuture<'a, Result<(), Error>> {
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
        Box::pin(async { Ok(()) })
    }
}

/// Keeps the token in a JSON file, readable only by its owner (mode 0600 on Unix). The file
/// is replaced atomically (written beside it, then renamed).
#[derive(Clone, Debug)]
pub struct FileTokenStore {
    path: PathBuf,
}

#[derive(serde::Serialize, serde::Deserialize)]
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

    fn read(&self) -> Result<Option<StoredToken>, Error> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::Auth {
                    reason: format!("cannot read token file {}: {e}", self.path.display()),
                })
            }
        };
        let rec: FileRecord = serde_json::from_slice(&bytes).map_err(|e| Error::Auth {
            // serde_json's message names a position, never the content.
            reason: format!("token file {} is not valid: {e}", self.path.display()),
        })?;
        Ok(Some(StoredToken {
            access_token: SecretString::from(rec.access_token),
            expires_at: rec
                .expires_at_unix
                .and_then(|s| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(s))),
            api_domain: rec.api_domain,
        }))
    }

    fn write(&self, token: &StoredToken) -> Result<(), Error> {
        let rec = FileRecord {
            access_token: token.access_token.expose_secret().to_owned(),
            expires_at_unix: token
                .expires_at
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map(|d| d.as_secs()),
            api_domain: token.api_domain.clone(),
        };
        let json = serde_json::to_vec_pretty(&rec).map_err(|e| Error::Auth {
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
    fn load(&self) -> BoxFuture<'_, Result<Option<StoredToken>, Error>> {
        Box::pin(async move { self.read() })
    }

    fn save<'a>(&'a self, token: &'a StoredToken) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move { self.write(token) })
    }
}
