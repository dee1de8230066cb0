//! Global options, credentials (from the environment or a profile), logging, the token
//! cache, and the connection (to Zoho or to an embedded simulator).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use futures::future::BoxFuture;
use zoho_crm_access::auth::{FileTokenStore, RefreshLock, StoredToken, TokenStore};
use zoho_crm_access::{Client, DataCenter, Environment, Error};
use zoho_crm_access_simulator::Simulator;

use crate::output::Format;
use crate::CliError;

/// Options every command takes.
#[derive(Args, Debug)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// The org's data centre [default: us; `login` to a saved profile: the profile's].
    #[arg(
        long,
        global = true,
        env = "ZOHO_DATA_CENTER",
        value_enum,
        ignore_case = true
    )]
    pub data_center: Option<DataCenterArg>,

    /// The kind of org in that data centre [default: production; `login` to a saved
    /// profile: the profile's].
    #[arg(
        long,
        global = true,
        env = "ZOHO_ENVIRONMENT",
        value_enum,
        ignore_case = true
    )]
    pub environment: Option<EnvironmentArg>,

    /// Send API calls here instead of the data centre's API domain (e.g. http://127.0.0.1:8080).
    #[arg(long, global = true, env = "ZOHO_API_DOMAIN", value_name = "URL")]
    pub api_domain: Option<String>,

    /// Refresh tokens here instead of the data centre's accounts server.
    #[arg(long, global = true, env = "ZOHO_ACCOUNTS_DOMAIN", value_name = "URL")]
    pub accounts_domain: Option<String>,

    /// Connect as this named profile of the profiles file (an org's data centre, environment,
    /// endpoints, client id and where its secrets are) instead of the ZOHO_* variables and the
    /// connection options above; its tokens are cached apart from every other profile's.
    #[arg(long, global = true, env = "ZOHO_ACCESS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// The profiles file (default: zoho-access/config.toml in the user's config directory).
    #[arg(long, global = true, env = "ZOHO_ACCESS_CONFIG", value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,

    /// Run against a fresh built-in simulated org instead of Zoho (no credentials needed).
    #[arg(long, global = true)]
    pub simulator: bool,

    /// Log on stderr (-v info, -vv debug, -vvv trace); nothing is logged without it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Output format: json (default), yaml, or table for reading. demo, plan and apply print
    /// text for reading unless json or yaml is asked for; pull writes the desired-state file
    /// as YAML unless json is.
    #[arg(long, short = 'o', global = true, value_enum)]
    pub output: Option<Format>,

    /// Seconds one HTTP attempt may take, from connecting to the end of the response.
    #[arg(long, global = true, value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    pub timeout: Duration,

    /// Seconds to wait for a connection.
    #[arg(long, global = true, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    pub connect_timeout: Duration,

    /// Seconds reading --file, a FILE argument or stdin may take, opening it included (a pipe
    /// that never ends, a FIFO nobody writes to).
    #[arg(long, global = true, value_name = "SECONDS", default_value = "60", value_parser = parse_seconds)]
    pub input_timeout: Duration,

    /// Keep access tokens minted from a refresh token in this file between runs [default:
    /// zoho-access/tokens.json in the user's cache directory].
    #[arg(long, global = true, env = "ZOHO_TOKEN_CACHE", value_name = "FILE")]
    pub token_cache: Option<PathBuf>,

    /// Keep no access token between runs: mint a new one in every run.
    #[arg(long, global = true)]
    pub no_token_cache: bool,
}

/// `--data-center`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DataCenterArg {
    /// United States (zoho.com).
    #[value(alias = "com")]
    Us,
    /// Europe (zoho.eu).
    Eu,
    /// India (zoho.in).
    In,
    /// Australia (zoho.com.au).
    #[value(alias = "com.au")]
    Au,
    /// Japan (zoho.jp).
    Jp,
    /// Canada (zohocloud.ca).
    Ca,
    /// Saudi Arabia (zoho.sa).
    Sa,
    /// China (zoho.com.cn).
    #[value(alias = "com.cn")]
    Cn,
}

impl From<DataCenterArg> for DataCenter {
    fn from(dc: DataCenterArg) -> Self {
        match dc {
            DataCenterArg::Us => DataCenter::Us,
            DataCenterArg::Eu => DataCenter::Eu,
            DataCenterArg::In => DataCenter::In,
            DataCenterArg::Au => DataCenter::Au,
            DataCenterArg::Jp => DataCenter::Jp,
            DataCenterArg::Ca => DataCenter::Ca,
            DataCenterArg::Sa => DataCenter::Sa,
            DataCenterArg::Cn => DataCenter::Cn,
        }
    }
}

/// `--environment`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvironmentArg {
    /// The live org.
    #[value(alias = "prod")]
    Production,
    /// A sandbox org.
    Sandbox,
    /// A developer org.
    #[value(alias = "dev")]
    Developer,
}

impl From<EnvironmentArg> for Environment {
    fn from(env: EnvironmentArg) -> Self {
        match env {
            EnvironmentArg::Production => Environment::Production,
            EnvironmentArg::Sandbox => Environment::Sandbox,
            EnvironmentArg::Developer => Environment::Developer,
        }
    }
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !(secs > 0.0 && secs <= 3600.0) {
        return Err(format!("`{s}`: give more than 0 and at most 3600 seconds"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Logging on stderr, off unless asked for: `-v` and up, or `RUST_LOG`. Colour only when
/// stderr is a terminal and `NO_COLOR` is not set.
pub fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "off",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(crate::terminal::stderr_colour())
        .with_target(false)
        .try_init();
}

/// The token cache file: `--token-cache`, else `zoho-access/tokens.json` in the user's cache
/// directory; none with `--no-token-cache` or when there is no cache directory. The same file
/// with or without a profile; [`CacheStore`] keeps each profile's tokens apart in it.
pub fn token_cache_path(args: &GlobalArgs) -> Option<PathBuf> {
    if args.no_token_cache {
        return None;
    }
    args.token_cache
        .clone()
        .filter(|p| !p.as_os_str().is_empty())
        .or_else(|| dirs::cache_dir().map(|d| d.join("zoho-access").join("tokens.json")))
}

/// A connected client, plus the simulator it talks to when `--simulator` was given.
pub struct Session {
    pub client: Client,
    /// Kept alive for the duration of the command.
    pub _simulator: Option<Simulator>,
    /// Where the credentials came from and where they go, for errors (none with
    /// `--simulator`).
    about: Option<About>,
}

/// Where a session's credentials came from and where they are sent.
struct About {
    source: String,
    refresh: bool,
    api: String,
    accounts: String,
    data_center: DataCenter,
    environment: Environment,
}

impl Session {
    /// The environment the credentials are for (the `--environment` option with the
    /// `ZOHO_*` variables, or the profile's `environment`); none with `--simulator`.
    pub fn environment(&self) -> Option<Environment> {
        self.about.as_ref().map(|a| a.environment)
    }

    /// Says which credentials failed and the likely cause, when `e` is an authentication
    /// failure: the source (`ZOHO_ACCESS_TOKEN`, a profile, the refresh flow), and for a
    /// token the API refused, the data centre and environment it was sent to. The error
    /// itself stays as the cause.
    pub fn explain(&self, e: CliError) -> CliError {
        let (Some(about), CliError::Zoho(inner)) = (&self.about, &e) else {
            return e;
        };
        if !inner.is_auth() {
            return e;
        }
        let code = match inner {
            Error::Api { code, .. } => Some(code.to_string()),
            _ => None,
        };
        let reason = match (code.as_deref(), inner) {
            (Some("OAUTH_SCOPE_MISMATCH"), _) => format!(
                "the grant of {} lacks the scope this call needs; `zoho-access doctor` names \
                 every missing scope, and `zoho-access login` asks for them all",
                about.source
            ),
            (_, Error::Auth { .. }) => format!(
                "the credentials of {} did not get an access token from {}",
                about.source, about.accounts
            ),
            _ if about.refresh => format!(
                "{} refused the access token minted with {} at {}: the org is likely in \
                 another data centre or environment than {} {} (set --data-center and \
                 --environment, or the profile's data_center and environment)",
                about.api, about.source, about.accounts, about.data_center, about.environment
            ),
            _ => format!(
                "{} refused the access token from {}: it has expired (access tokens live \
                 one hour), was revoked, or was issued for another data centre or \
                 environment than {} {}; a refresh token keeps working (`zoho-access login`, \
                 or ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN)",
                about.api, about.source, about.data_center, about.environment
            ),
        };
        let CliError::Zoho(inner) = e else {
            return e;
        };
        CliError::Zoho(Error::token_store(reason, inner))
    }
}

/// How the tool signs in. Never printed: no `Debug`.
pub enum Credentials {
    /// An access token, used as it is (not cached: it is already at hand).
    Token(String),
    /// The refresh-token flow; the access tokens it mints are cached.
    Refresh {
        client_id: String,
        client_secret: String,
        refresh_token: String,
    },
}

/// Which of the refresh flow's three values are missing, when no access token was given.
pub struct Missing {
    pub client_id: bool,
    pub client_secret: bool,
    pub refresh_token: bool,
}

impl Missing {
    /// Whether nothing at all was given.
    pub fn all(&self) -> bool {
        self.client_id && self.client_secret && self.refresh_token
    }

    /// The names of the missing values, from `names` (client id, client secret, refresh
    /// token, as the source calls them).
    pub fn named<'a>(&self, names: [&'a str; 3]) -> Vec<&'a str> {
        [self.client_id, self.client_secret, self.refresh_token]
            .iter()
            .zip(names)
            .filter(|(missing, _)| **missing)
            .map(|(_, name)| name)
            .collect()
    }
}

impl Credentials {
    /// The one rule, wherever the values come from (the environment or a profile): the
    /// refresh flow when all three of its values are there (an access token beside them is
    /// ignored: it expires within the hour, and would silently override credentials that
    /// keep working); otherwise an access token as it is; otherwise what is missing.
    pub fn choose(
        access_token: Option<String>,
        client_id: Option<String>,
        client_secret: Option<String>,
        refresh_token: Option<String>,
    ) -> Result<Credentials, Missing> {
        match (client_id, client_secret, refresh_token) {
            (Some(client_id), Some(client_secret), Some(refresh_token)) => {
                if access_token.is_some() {
                    tracing::info!(
                        "an access token is given beside the refresh-token credentials; using \
                         the refresh flow"
                    );
                }
                Ok(Credentials::Refresh {
                    client_id,
                    client_secret,
                    refresh_token,
                })
            }
            _ if access_token.is_some() => Ok(Credentials::Token(access_token.unwrap_or_default())),
            (id, secret, refresh) => Err(Missing {
                client_id: id.is_none(),
                client_secret: secret.is_none(),
                refresh_token: refresh.is_none(),
            }),
        }
    }
}

/// Where a command connects and as whom: from the global options and the `ZOHO_*` variables,
/// or from a profile ([`crate::profile::target`]). One path builds the client from either.
pub struct Target {
    pub data_center: DataCenter,
    pub environment: Environment,
    pub api_domain: Option<String>,
    pub accounts_domain: Option<String>,
    pub credentials: Credentials,
    /// Whose cached tokens these are: `env`, or `profile:<name>` (see [`CacheStore`]).
    pub cache_scope: String,
    /// Where the credentials came from, as messages name it (`ZOHO_ACCESS_TOKEN`, `profile
    /// prod's secrets file, refresh flow` ...).
    pub source: String,
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl Target {
    /// The global options and the `ZOHO_*` credential variables.
    fn from_env(args: &GlobalArgs) -> Result<Target, CliError> {
        let credentials = Credentials::choose(
            env_var("ZOHO_ACCESS_TOKEN"),
            env_var("ZOHO_CLIENT_ID"),
            env_var("ZOHO_CLIENT_SECRET"),
            env_var("ZOHO_REFRESH_TOKEN"),
        )
        .map_err(|missing| {
            if missing.all() {
                return CliError::Config(
                    "no Zoho credentials: sign a profile in with `zoho-access login` (a Self \
                     Client of https://api-console.zoho.com, or of your data centre's console; \
                     README, \"Connect to your org\") and name it with --profile; or set \
                     ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN, or \
                     ZOHO_ACCESS_TOKEN to an access token; or pass --simulator to use the \
                     built-in simulated org"
                        .into(),
                );
            }
            CliError::Config(format!(
                "incomplete refresh-token credentials: {} not set (the refresh flow needs \
                 ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN; or set \
                 ZOHO_ACCESS_TOKEN, or pass --simulator)",
                missing
                    .named(["ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET", "ZOHO_REFRESH_TOKEN"])
                    .join(", ")
            ))
        })?;
        let source = match &credentials {
            Credentials::Token(_) => "ZOHO_ACCESS_TOKEN".to_owned(),
            Credentials::Refresh { .. } => "the refresh flow with ZOHO_CLIENT_ID, \
                                           ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN"
                .to_owned(),
        };
        Ok(Target {
            data_center: args.data_center.unwrap_or(DataCenterArg::Us).into(),
            environment: args
                .environment
                .unwrap_or(EnvironmentArg::Production)
                .into(),
            api_domain: args.api_domain.clone(),
            accounts_domain: args.accounts_domain.clone(),
            credentials,
            cache_scope: "env".into(),
            source,
        })
    }

    /// The target the global options name: a profile, or the `ZOHO_*` variables; with
    /// neither, the profile `default` when the profiles file has one (what `zoho-access
    /// login` without `--profile` signs in).
    pub async fn resolve(args: &GlobalArgs) -> Result<Target, CliError> {
        if let Some(name) = &args.profile {
            return crate::profile::target(args, name).await;
        }
        let none_set = [
            "ZOHO_ACCESS_TOKEN",
            "ZOHO_CLIENT_ID",
            "ZOHO_CLIENT_SECRET",
            "ZOHO_REFRESH_TOKEN",
        ]
        .iter()
        .all(|v| env_var(v).is_none());
        if none_set {
            let has_default = crate::profile::config_path(args).is_ok_and(|p| p.exists())
                && crate::profile::existing(args, "default").await?.is_some();
            if has_default {
                return crate::profile::target(args, "default").await;
            }
        }
        Target::from_env(args)
    }

    /// The accounts server the refresh flow uses: `accounts_domain`, else the data
    /// centre's.
    pub fn accounts_url(&self) -> String {
        self.accounts_domain
            .clone()
            .unwrap_or_else(|| self.data_center.accounts_domain().to_owned())
    }

    /// The API domain calls go to first: `api_domain`, else the data centre's for the
    /// environment.
    pub fn api_url(&self) -> String {
        self.api_domain
            .clone()
            .unwrap_or_else(|| self.data_center.api_domain(self.environment))
    }

    /// The token cache of this target (none with `--no-token-cache`).
    pub fn cache(&self, args: &GlobalArgs) -> Option<CacheStore> {
        token_cache_path(args).map(|path| CacheStore::new(path, &self.cache_scope))
    }

    /// What a session made from this target says about it in errors.
    fn about(&self) -> About {
        About {
            source: self.source.clone(),
            refresh: matches!(self.credentials, Credentials::Refresh { .. }),
            api: self.api_url(),
            accounts: self.accounts_url(),
            data_center: self.data_center,
            environment: self.environment,
        }
    }

    /// The client: the target's endpoints and credentials, the global timeouts, and the token
    /// cache for the refresh flow (unless `--no-token-cache`).
    pub fn client(self, args: &GlobalArgs) -> Result<Client, CliError> {
        let mut builder = Client::builder()
            .data_center(self.data_center)
            .environment(self.environment)
            .timeout(args.timeout)
            .connect_timeout(args.connect_timeout);
        if let Some(url) = self.api_domain {
            builder = builder.base_url(url);
        }
        if let Some(url) = self.accounts_domain {
            builder = builder.accounts_url(url);
        }
        builder = match self.credentials {
            Credentials::Token(t) => builder.access_token(t),
            Credentials::Refresh {
                client_id,
                client_secret,
                refresh_token,
            } => {
                let store =
                    token_cache_path(args).map(|path| CacheStore::new(path, &self.cache_scope));
                let builder = builder.refresh_token(client_id, client_secret, refresh_token);
                match store {
                    Some(store) => builder.token_store(store),
                    None => builder,
                }
            }
        };
        Ok(builder.build()?)
    }
}

/// The token cache: a [`FileTokenStore`] whose keys also name where the credentials came
/// from. The library keys a token by client id, accounts server and grant (a digest of the
/// refresh token, [`zoho_crm_access::auth::store_key`]); the key here adds the scope (`env`,
/// `profile:<name>`) before the grant, `1000.ID@https://accounts.zoho.eu#profile:prod/7e6d…`,
/// so a profile never reuses a token cached for the `ZOHO_*` variables or another profile.
/// The refresh token itself is never written.
pub struct CacheStore {
    file: FileTokenStore,
    scope: String,
}

impl CacheStore {
    pub fn new(path: PathBuf, scope: &str) -> CacheStore {
        CacheStore {
            file: FileTokenStore::new(path),
            scope: scope.to_owned(),
        }
    }

    /// Removes the cached token of one grant (`key` as the library names it,
    /// [`zoho_crm_access::auth::store_key`]); whether there was one.
    pub async fn remove(&self, key: &str) -> Result<bool, Error> {
        self.file.remove(&self.key(key)).await
    }

    /// The cache file.
    pub fn path(&self) -> &std::path::Path {
        self.file.path()
    }

    fn key(&self, key: &str) -> String {
        match key.rsplit_once('#') {
            Some((whose, grant)) => format!("{whose}#{}/{grant}", self.scope),
            None => format!("{key}#{}", self.scope),
        }
    }
}

impl TokenStore for CacheStore {
    fn load<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<StoredToken>, Error>> {
        let key = self.key(key);
        Box::pin(async move { self.file.load(&key).await })
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a StoredToken,
    ) -> BoxFuture<'a, Result<(), Error>> {
        let key = self.key(key);
        Box::pin(async move { self.file.save(&key, token).await })
    }

    fn refresh_lock<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<RefreshLock, Error>> {
        let key = self.key(key);
        Box::pin(async move { self.file.refresh_lock(&key).await })
    }
}

impl Session {
    /// A session over `client` alone, with no credentials of the user's to explain (the
    /// demo's own simulated orgs).
    pub fn over(client: Client) -> Session {
        Session {
            client,
            _simulator: None,
            about: None,
        }
    }

    /// Connects as the global options say: to a fresh simulator, as a profile, or with the
    /// `ZOHO_*` variables; one path builds the client for the last two.
    pub async fn open(args: &GlobalArgs) -> Result<Session, CliError> {
        if args.simulator {
            if args.profile.is_some() {
                return Err(CliError::Usage(
                    "--profile and --simulator exclude each other".into(),
                ));
            }
            let sim = Simulator::start()
                .await
                .map_err(|e| CliError::Other(format!("cannot start the simulator: {e}")))?;
            let client = Client::builder()
                .base_url(sim.api_domain())
                .access_token(sim.access_token())
                .build()?;
            tracing::info!("using the built-in simulator at {}", sim.api_domain());
            return Ok(Session {
                client,
                _simulator: Some(sim),
                about: None,
            });
        }
        let target = Target::resolve(args).await?;
        let about = target.about();
        Ok(Session {
            client: target.client(args)?,
            _simulator: None,
            about: Some(about),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::CacheStore;

    #[test]
    fn cache_keys_name_the_scope_and_the_grant_never_the_token() {
        use zoho_crm_access::auth::store_key;
        let key = |scope: &str, refresh: &str| {
            CacheStore::new("t.json".into(), scope).key(&store_key("1000.ID", "https://a", refresh))
        };
        let prod = key("profile:prod", "1000.refresh-one");
        let grant = prod
            .strip_prefix("1000.ID@https://a#profile:prod/")
            .unwrap_or_else(|| panic!("{prod}"));
        assert!(
            grant.len() == 16 && grant.chars().all(|c| c.is_ascii_hexdigit()),
            "{prod}"
        );
        assert!(!prod.contains("refresh-one"), "{prod}");
        assert_eq!(prod, key("profile:prod", "1000.refresh-one"), "stable");
        // Another grant (a re-authorised profile, another user) or another scope: another key.
        assert_ne!(prod, key("profile:prod", "1000.refresh-two"));
        assert_ne!(prod, key("env", "1000.refresh-one"));
        assert_ne!(prod, key("profile:sandbox", "1000.refresh-one"));
        // A key without a grant (a store used by hand) still gets the scope.
        let plain = CacheStore::new("t.json".into(), "env").key("1000.ID@https://a");
        assert_eq!(plain, "1000.ID@https://a#env");
    }
}
