//! Global options, credentials from the environment, logging, and the connection (to Zoho or
//! to an embedded simulator).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use zoho_crm_access::auth::FileTokenStore;
use zoho_crm_access::simulator::Simulator;
use zoho_crm_access::{Client, DataCenter, Environment};

use crate::output::Format;
use crate::CliError;

/// Options every command takes.
#[derive(Args, Debug)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// The org's data centre.
    #[arg(
        long,
        global = true,
        env = "ZOHO_DATA_CENTER",
        default_value = "us",
        value_enum,
        ignore_case = true
    )]
    pub data_center: DataCenterArg,

    /// The kind of org in that data centre.
    #[arg(
        long,
        global = true,
        env = "ZOHO_ENVIRONMENT",
        default_value = "production",
        value_enum,
        ignore_case = true
    )]
    pub environment: EnvironmentArg,

    /// Send API calls here instead of the data centre's API domain (e.g. http://127.0.0.1:8080).
    #[arg(long, global = true, env = "ZOHO_API_DOMAIN", value_name = "URL")]
    pub api_domain: Option<String>,

    /// Refresh tokens here instead of the data centre's accounts server.
    #[arg(long, global = true, env = "ZOHO_ACCOUNTS_DOMAIN", value_name = "URL")]
    pub accounts_domain: Option<String>,

    /// Run against a fresh built-in simulated org instead of Zoho (no credentials needed).
    #[arg(long, global = true)]
    pub simulator: bool,

    /// Log on stderr (-v info, -vv debug, -vvv trace); nothing is logged without it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Output format: json (default), yaml, or table for reading (the demo prints text unless
    /// json or yaml is asked for).
    #[arg(long, short = 'o', global = true, value_enum)]
    pub output: Option<Format>,

    /// Seconds one HTTP attempt may take, from connecting to the end of the response.
    #[arg(long, global = true, value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    pub timeout: Duration,

    /// Seconds to wait for a connection.
    #[arg(long, global = true, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    pub connect_timeout: Duration,

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
/// directory; none with `--no-token-cache` or when there is no cache directory.
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
}

/// Credentials found in the environment.
enum Credentials {
    Token(String),
    Refresh {
        client_id: String,
        client_secret: String,
        refresh_token: String,
    },
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn credentials_from_env() -> Result<Credentials, CliError> {
    if let Some(token) = env_var("ZOHO_ACCESS_TOKEN") {
        return Ok(Credentials::Token(token));
    }
    let id = env_var("ZOHO_CLIENT_ID");
    let secret = env_var("ZOHO_CLIENT_SECRET");
    let refresh = env_var("ZOHO_REFRESH_TOKEN");
    match (id, secret, refresh) {
        (Some(client_id), Some(client_secret), Some(refresh_token)) => Ok(Credentials::Refresh {
            client_id,
            client_secret,
            refresh_token,
        }),
        (None, None, None) => Err(CliError::Config(
            "no Zoho credentials: set ZOHO_ACCESS_TOKEN to an access token, or set \
             ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN (create a Self Client at \
             https://api-console.zoho.com and generate a grant token with the \
             ZohoCRM.settings.record_locking_configurations.ALL and \
             ZohoCRM.settings.data_sharing.ALL scopes); or pass --simulator to use the built-in \
             simulated org"
                .into(),
        )),
        (id, secret, refresh) => {
            let missing: Vec<&str> = [
                ("ZOHO_CLIENT_ID", id.is_none()),
                ("ZOHO_CLIENT_SECRET", secret.is_none()),
                ("ZOHO_REFRESH_TOKEN", refresh.is_none()),
            ]
            .iter()
            .filter(|(_, m)| *m)
            .map(|(n, _)| *n)
            .collect();
            Err(CliError::Config(format!(
                "incomplete refresh-token credentials: {} not set (the refresh flow needs \
                 ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN; or set \
                 ZOHO_ACCESS_TOKEN, or pass --simulator)",
                missing.join(", ")
            )))
        }
    }
}

impl Session {
    /// Connects as the global options and the environment say.
    pub async fn open(args: &GlobalArgs) -> Result<Session, CliError> {
        if args.simulator {
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
            });
        }
        let mut builder = Client::builder()
            .data_center(args.data_center.into())
            .environment(args.environment.into())
            .timeout(args.timeout)
            .connect_timeout(args.connect_timeout);
        if let Some(url) = &args.api_domain {
            builder = builder.base_url(url.clone());
        }
        if let Some(url) = &args.accounts_domain {
            builder = builder.accounts_url(url.clone());
        }
        builder = match credentials_from_env()? {
            Credentials::Token(t) => builder.access_token(t),
            Credentials::Refresh {
                client_id,
                client_secret,
                refresh_token,
            } => {
                let builder = builder.refresh_token(client_id, client_secret, refresh_token);
                match token_cache_path(args) {
                    Some(path) => builder.token_store(FileTokenStore::new(path)),
                    None => builder,
                }
            }
        };
        Ok(Session {
            client: builder.build()?,
            _simulator: None,
        })
    }
}
