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

/// The key a client's tokens are stored under: its OAuth client id, the origin
/// (`scheme://host[:port]`) of the accounts server, and the grant, named by the first 16 hex
/// digits of the refresh token's SHA-256: `1000.ABC@https://accounts.zoho.eu#7e6d…`. Two
/// refresh tokens of one OAuth client (two users, two orgs, other scopes) never share a
/// stored token. Neither the refresh token nor the client secret is part of it.
///
/// ```
/// use zoho_crm_access::auth::store_key;
/// let key = store_key("1000.ABC", "https://accounts.zoho.eu/oauth/v2/token", "1000.r1");
/// assert!(key.starts_with("1000.ABC@https://accounts.zoho.eu#"));
/// assert!(!key.contains("1000.r1"));
/// assert_ne!(key, store_key("1000.ABC", "https://accounts.zoho.eu", "1000.r2"));
/// assert_eq!(key, store_key("1000.ABC", "https://accounts.zoho.eu", "1000.r1"));
/// ```
pub fn store_key(client_id: &str, accounts_url: &str, refresh_token: &str) -> String {
    use sha2::Digest;
    use std::fmt::Write;
    let origin = url::Url::parse(accounts_url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| accounts_url.trim_end_matches('/').to_owned());
    let mut key = format!("{client_id}@{origin}#");
    let digest = sha2::Sha256::digest(refresh_token.as_bytes());
    for byte in &digest[..8] {
        let _ = write!(key, "{byte:02x}");
    }
    key
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

    /// Waits until no other client sharing this store is minting a token for `key`, and
    /// holds them off until the returned [`RefreshLock`] is dropped.
    ///
    /// The client calls it before it mints a token, then loads the stored token again: if
    /// another process minted one meanwhile, it uses that one instead of minting its own. So
    /// several processes that share a store send one token request between them, not one
    /// each. The client saves the new token before it drops the lock, and goes on without
    /// the lock if this fails.
    ///
    /// The default holds nothing: right for a store only one client uses (such as
    /// [`MemoryTokenStore`]). A store shared between processes should implement it with a
    /// lock they all see, bounded in time.
    fn refresh_lock<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<RefreshLock, Error>> {
        let _ = key;
        Box::pin(async { Ok(RefreshLock::none()) })
    }
}

/// Proof that a [`TokenStore`] holds off other clients' token requests for one key (from
/// [`TokenStore::refresh_lock`]); dropping it lets them go on.
#[must_use = "the lock is released when this value is dropped"]
pub struct RefreshLock {
    _held: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl RefreshLock {
    /// A lock kept for as long as `held` lives (a lock file handle, a lease ...); `held` is
    /// dropped when the lock is.
    pub fn new(held: impl std::any::Any + Send + Sync) -> Self {
        RefreshLock {
            _held: Some(Box::new(held)),
        }
    }

    /// A lock that holds nothing (for stores no other process shares).
    pub fn none() -> Self {
        RefreshLock { _held: None }
    }
}

impl std::fmt::Debug for RefreshLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self._held.is_some() {
            "RefreshLock(held)"
        } else {
            "RefreshLock(none)"
        })
    }
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

/// Keeps tokens in a JSON file, one entry per key ([`store_key`]: client id, accounts server
/// and grant), so several orgs, users or data centres can share a file without using each
/// other's tokens, and several processes can share it at once.
///
/// - **Private.** The file holds access tokens: it is created readable and writable by its
///   owner only (0600 on Unix), and missing parent directories are created for the owner only
///   (0700).
/// - **Never half-written.** Each save writes a new temporary file with a unique name beside
///   the token file and renames it over the token file, so a reader sees the old or the new
///   file, never a mix, and a crash leaves the old file intact.
/// - **Shared safely.** A save reads, changes and replaces the file under an exclusive
///   advisory lock on `<file>.lock` (readers take it shared), so concurrent saves from
///   several processes keep every entry. [`TokenStore::refresh_lock`] holds a lock on
///   `<file>.refresh.lock` while a client mints a token, so processes sharing the file send
///   one token request between them. Both waits are bounded ([`Self::LOCK_WAIT`],
///   [`Self::REFRESH_LOCK_WAIT`]); the lock files stay in place (removing them would race).
/// - **Bounded.** A file larger than [`Self::MAX_FILE_SIZE`] is refused without being read;
///   a save drops the entries whose token has expired.
/// - **Off the async threads.** File access runs on tokio's blocking pool
///   (`spawn_blocking`), so it needs a tokio runtime, as the client does.
///
/// A file that is not valid JSON, too large, or in an unknown format is treated as empty
/// when loading fails, and replaced on the next save.
///
/// ```no_run
/// use zoho_crm_access::auth::FileTokenStore;
/// use zoho_crm_access::Client;
///
/// # fn main() -> Result<(), zoho_crm_access::Error> {
/// let client = Client::builder()
///     .refresh_token("client-id", "client-secret", "refresh-token")
///     .token_store(FileTokenStore::new("/home/me/.cache/my-tool/zoho-tokens.json"))
///     .build()?;
/// # Ok(()) }
/// ```
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
    /// The largest token file the store reads, in bytes (1 MiB). An entry takes about 300
    /// bytes, so this holds thousands of keys; a larger file was not written by this store.
    pub const MAX_FILE_SIZE: u64 = 1 << 20;

    /// How long a load or save waits for another process's save to finish (10 s; a save
    /// holds the lock for one small read and one small write).
    pub const LOCK_WAIT: Duration = Duration::from_secs(10);

    /// How long a client waits for another process's token request before sending its own
    /// (60 s: longer than a token request takes with the default timeouts).
    pub const REFRESH_LOCK_WAIT: Duration = Duration::from_secs(60);

    /// A store backed by the file at `path` (created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileTokenStore { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `<file><suffix>`, beside the file.
    fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(suffix);
        PathBuf::from(name)
    }

    /// The error for a failed file operation, naming the file (never its content).
    fn failure(&self, what: &str, e: std::io::Error) -> Error {
        Error::token_store(format!("{what} token file {}", self.path.display()), e)
    }

    /// Runs `work` on tokio's blocking pool.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(FileTokenStore) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || work(this))
            .await
            .map_err(|e| {
                Error::token_store(
                    format!("the token file task for {} failed", self.path.display()),
                    e,
                )
            })?
    }

    /// The whole file; empty when there is none. Blocking.
    fn read_all(&self) -> Result<FileContents, Error> {
        use std::io::Read;
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(FileContents::default())
            }
            Err(e) => return Err(self.failure("cannot read", e)),
        };
        let meta = file
            .metadata()
            .map_err(|e| self.failure("cannot read", e))?;
        if !meta.is_file() {
            return Err(Error::token_store(
                format!("token file {} is not a regular file", self.path.display()),
                std::io::Error::from(std::io::ErrorKind::InvalidInput),
            ));
        }
        let too_large = || {
            Error::token_store(
                format!(
                    "token file {} is larger than {} bytes",
                    self.path.display(),
                    Self::MAX_FILE_SIZE
                ),
                std::io::Error::from(std::io::ErrorKind::InvalidData),
            )
        };
        if meta.len() > Self::MAX_FILE_SIZE {
            return Err(too_large());
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.take(Self::MAX_FILE_SIZE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.failure("cannot read", e))?;
        if bytes.len() as u64 > Self::MAX_FILE_SIZE {
            return Err(too_large());
        }
        // serde_json's message names a position, never the content.
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::token_store(
                format!("token file {} is not valid JSON", self.path.display()),
                e,
            )
        })
    }

    /// Creates the missing directories above the file, for the owner only. Blocking.
    fn create_parent(&self) -> Result<(), Error> {
        let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) else {
            return Ok(());
        };
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(dir)
            .map_err(|e| self.failure("cannot create the directory of", e))
    }

    /// Opens (creating it, owner-only) the lock file `<file><suffix>`. Blocking.
    fn open_lock(&self, suffix: &str) -> Result<std::fs::File, Error> {
        self.create_parent()?;
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        opts.open(self.sibling(suffix))
            .map_err(|e| self.failure("cannot open the lock file of", e))
    }

    /// Takes the lock on `file`, waiting at most `wait`. Blocking.
    fn lock_blocking(
        &self,
        file: &std::fs::File,
        exclusive: bool,
        wait: Duration,
    ) -> Result<(), Error> {
        let deadline = std::time::Instant::now() + wait;
        let mut pause = Duration::from_millis(2);
        loop {
            match try_lock(file, exclusive) {
                Ok(true) => return Ok(()),
                Ok(false) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Ok(false) => return Err(self.lock_timeout(wait)),
                Err(e) => return Err(self.failure("cannot lock", e)),
            }
        }
    }

    fn lock_timeout(&self, wait: Duration) -> Error {
        Error::token_store(
            format!(
                "another process held the lock on token file {} for more than {}s",
                self.path.display(),
                wait.as_secs()
            ),
            std::io::Error::from(std::io::ErrorKind::TimedOut),
        )
    }

    /// The entry under `key`. Blocking.
    fn read(&self, key: &str) -> Result<Option<StoredToken>, Error> {
        if !self.path.exists() {
            return Ok(None);
        }
        let lock = self.open_lock(".lock")?;
        self.lock_blocking(&lock, false, Self::LOCK_WAIT)?;
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

    /// Removes the entry under `key` (logging out: the grant's access tokens must not outlive
    /// it), keeping the others; `true` when there was one. The file is rewritten as a save
    /// rewrites it: under the lock, never half-written.
    pub async fn remove(&self, key: &str) -> Result<bool, Error> {
        let key = key.to_owned();
        self.blocking(move |store| {
            if !store.path.exists() {
                return Ok(false);
            }
            store.write(&key, None)
        })
        .await
    }

    /// Replaces (or, with `None`, removes) the entry under `key`, keeping the others; whether
    /// there was one. Blocking.
    fn write(&self, key: &str, record: Option<FileRecord>) -> Result<bool, Error> {
        use std::io::Write;
        let lock = self.open_lock(".lock")?;
        self.lock_blocking(&lock, true, Self::LOCK_WAIT)?;
        // Keep the other keys' live tokens; an unreadable file is started afresh.
        let mut contents = self.read_all().unwrap_or_default();
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        contents
            .tokens
            .retain(|_, r| r.expires_at_unix.is_none_or(|at| at > now));
        let had = match record {
            Some(record) => contents.tokens.insert(key.to_owned(), record).is_some(),
            None => contents.tokens.remove(key).is_some(),
        };
        let json = serde_json::to_vec_pretty(&contents)
            .map_err(|e| Error::token_store("cannot encode the token file", e))?;
        // A bare file name's parent is "", which joins to names in the working directory.
        let dir = self.path.parent().unwrap_or(Path::new("."));
        // A new file with a unique name, created exclusively and owner-only (0600 on Unix),
        // removed again if anything below fails.
        let mut tmp = tempfile::Builder::new()
            .prefix(".zoho-tokens-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| self.failure("cannot write", e))?;
        tmp.write_all(&json)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| self.failure("cannot write", e))?;
        tmp.persist(&self.path)
            .map_err(|e| self.failure("cannot replace", e.error))?;
        Ok(had)
    }
}

/// Tries to take the lock without waiting: `Ok(false)` when another holder has it.
fn try_lock(file: &std::fs::File, exclusive: bool) -> std::io::Result<bool> {
    // Called through fs4's trait: std's own `File::try_lock` needs Rust 1.89.
    let outcome = if exclusive {
        fs4::FileExt::try_lock(file)
    } else {
        fs4::FileExt::try_lock_shared(file)
    };
    match outcome {
        Ok(()) => Ok(true),
        Err(fs4::TryLockError::WouldBlock) => Ok(false),
        Err(fs4::TryLockError::Error(e)) => Err(e),
    }
}

impl TokenStore for FileTokenStore {
    fn load<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<StoredToken>, Error>> {
        let key = key.to_owned();
        Box::pin(self.blocking(move |store| store.read(&key)))
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a StoredToken,
    ) -> BoxFuture<'a, Result<(), Error>> {
        let key = key.to_owned();
        let record = FileRecord {
            access_token: token.access_token.expose_secret().to_owned(),
            expires_at_unix: token
                .expires_at
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map(|d| d.as_secs()),
            api_domain: token.api_domain.clone(),
        };
        Box::pin(self.blocking(move |store| store.write(&key, Some(record)).map(|_| ())))
    }

    /// An exclusive lock on `<file>.refresh.lock`, for every key of the file at once (token
    /// requests are rare and short), waited for at most [`Self::REFRESH_LOCK_WAIT`].
    fn refresh_lock<'a>(&'a self, _key: &'a str) -> BoxFuture<'a, Result<RefreshLock, Error>> {
        Box::pin(async move {
            let file = self
                .blocking(|store| store.open_lock(".refresh.lock"))
                .await?;
            let deadline = tokio::time::Instant::now() + Self::REFRESH_LOCK_WAIT;
            let mut pause = Duration::from_millis(5);
            loop {
                // A non-blocking attempt: it returns at once, so it may run here.
                match try_lock(&file, true) {
                    Ok(true) => return Ok(RefreshLock::new(file)),
                    Ok(false) if tokio::time::Instant::now() < deadline => {
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(Duration::from_millis(100));
                    }
                    Ok(false) => return Err(self.lock_timeout(Self::REFRESH_LOCK_WAIT)),
                    Err(e) => return Err(self.failure("cannot lock", e)),
                }
            }
        })
    }
}
