//! `login`: from a client of Zoho's API console to a working profile.
//!
//! Three ways to authorize, each ending with a refresh token in the profile's secrets file:
//!
//! - a Self Client grant code (`--code CODE`, `--code -` for stdin, or asked for on the
//!   terminal), exchanged at the data centre's accounts server without a redirect URI;
//! - `--browser`: a Server-based client whose Authorized Redirect URI is
//!   `http://127.0.0.1:PORT/callback`. The tool listens there, sends the browser to Zoho's
//!   authorization page with a random `state`, takes the code, the user's data centre
//!   (`location`, `accounts-server`) and the `state` from the redirect, refuses a redirect
//!   whose `state` differs, and exchanges the code where Zoho said.
//!
//! - `--device`: Zoho's device flow, for a terminal without a browser, with a "Non-browser"
//!   client. The tool prints the verification URL and the user code (escaped: they come from
//!   a server), polls the accounts server at the announced interval (slower after
//!   `slow_down`; at the person's data centre after `other_dc`) until the person approves
//!   on any device, until the code expires, `--wait` runs out, or Ctrl-C.
//!
//! The client secret comes from `ZOHO_CLIENT_SECRET`, from `--client-secret-file`, or from a
//! prompt that does not echo; never from an argument. The scopes asked for are
//! [`zoho_crm_access::auth::all_scopes`]: every family and the directory, or the reads only
//! with `--read-only`.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use clap::Args;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zoho_crm_access::auth::{
    all_scopes, store_key, Access, Accounts, Callback, DeviceGrant, DeviceProgress, Grant,
    StoredToken, TokenStore,
};
use zoho_crm_access::{Client, DataCenter, Environment};

use crate::connect::{Credentials, GlobalArgs, Target};
use crate::output::Format;
use crate::write::{confirm, Impact, WriteArgs};
use crate::{profile, terminal, CliError};

/// `login`'s options. `Debug` leaves the grant code out.
#[derive(Args)]
pub struct LoginArgs {
    /// The client id from Zoho's API console (Self Client, a Server-based client for
    /// --browser, a Non-browser client for --device).
    #[arg(long, env = "ZOHO_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,

    /// Read the client secret from this file (its first line). Without it: ZOHO_CLIENT_SECRET,
    /// else a prompt that does not echo. Never given as an argument.
    #[arg(long, value_name = "FILE")]
    pub client_secret_file: Option<PathBuf>,

    /// A Self Client grant code (API console > Self Client > Generate Code); `-` reads it
    /// from stdin. Without it, --browser or --device, the code is asked for.
    #[arg(long, value_name = "CODE", conflicts_with_all = ["browser", "device"])]
    pub code: Option<String>,

    /// Sign in through a browser instead, with a Server-based client whose Authorized
    /// Redirect URI is http://127.0.0.1:PORT/callback.
    #[arg(long, conflicts_with = "device")]
    pub browser: bool,

    /// Sign in with Zoho's device flow instead, with a Non-browser client: the tool prints
    /// a URL and a code to enter there from any device, then waits for the approval.
    #[arg(long)]
    pub device: bool,

    /// The port of the redirect URI for --browser (0: any free port, for tests).
    #[arg(long, default_value = "8917", value_name = "PORT")]
    pub port: u16,

    /// With --browser: print the URL to open, do not start a browser.
    #[arg(long)]
    pub no_open: bool,

    /// Seconds to wait for Zoho's redirect with --browser, or for the approval with --device.
    #[arg(long, default_value = "300", value_name = "SECONDS")]
    pub wait: u64,

    /// Ask for the read scopes only (doctor then reports the write scopes missing).
    #[arg(long)]
    pub read_only: bool,

    /// Print the scopes login asks for (with --read-only, the read scopes), comma-separated
    /// as the API console's Self Client takes them, and do nothing else.
    #[arg(long)]
    pub print_scopes: bool,

    /// Replace the grant of a profile that is signed in already without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

impl std::fmt::Debug for LoginArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginArgs")
            .field("client_id", &self.client_id)
            .field("client_secret_file", &self.client_secret_file)
            .field("code", &self.code.as_ref().map(|_| "[REDACTED]"))
            .field("browser", &self.browser)
            .field("device", &self.device)
            .field("port", &self.port)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

/// The profile a login, doctor or logout works on: `--profile`, else `default`.
pub fn profile_name(args: &GlobalArgs) -> String {
    args.profile.clone().unwrap_or_else(|| "default".to_owned())
}

/// One line of at most 4 KiB from stdin.
fn read_line(prompt: Option<&str>) -> Result<String, CliError> {
    if let Some(p) = prompt {
        eprint!("{p}");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .take(4096)
        .read_line(&mut line)
        .map_err(|e| CliError::Usage(format!("cannot read stdin: {e}")))?;
    Ok(line.trim().to_owned())
}

/// Reads one line from the terminal with echo off (Unix), restoring it afterwards.
#[cfg(unix)]
fn read_hidden(prompt: &str) -> Result<String, CliError> {
    // SAFETY: tcgetattr/tcsetattr on stdin's descriptor with a zeroed termios they fill in;
    // no pointer outlives the calls.
    unsafe {
        let fd = libc::STDIN_FILENO;
        let mut old: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(fd, &mut old) != 0 {
            return Err(CliError::Usage(
                "cannot turn off echo on the terminal".into(),
            ));
        }
        let mut quiet = old;
        quiet.c_lflag &= !libc::ECHO;
        quiet.c_lflag |= libc::ECHONL;
        libc::tcsetattr(fd, libc::TCSANOW, &quiet);
        let line = read_line(Some(prompt));
        libc::tcsetattr(fd, libc::TCSANOW, &old);
        line
    }
}

#[cfg(not(unix))]
fn read_hidden(_prompt: &str) -> Result<String, CliError> {
    Err(CliError::Usage(
        "cannot ask for the client secret without echo here: set ZOHO_CLIENT_SECRET or pass \
         --client-secret-file"
            .into(),
    ))
}

/// The client secret: `--client-secret-file`, `ZOHO_CLIENT_SECRET`, or a prompt without echo.
async fn client_secret(args: &LoginArgs) -> Result<SecretString, CliError> {
    if let Some(file) = &args.client_secret_file {
        let bytes = crate::input::read_limited(Some(file), 4096, "the client secret file").await?;
        let text = String::from_utf8(bytes).map_err(|_| {
            CliError::Usage(format!(
                "the client secret file {} is not text",
                file.display()
            ))
        })?;
        let secret = text.lines().next().unwrap_or_default().trim().to_owned();
        if secret.is_empty() {
            return Err(CliError::Usage(format!(
                "the client secret file {} is empty",
                file.display()
            )));
        }
        return Ok(SecretString::from(secret));
    }
    if let Some(s) = std::env::var("ZOHO_CLIENT_SECRET")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
    {
        return Ok(SecretString::from(s));
    }
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        let s =
            read_hidden("Client secret (API console > your client > Client Secret; not shown): ")?;
        if !s.is_empty() {
            return Ok(SecretString::from(s));
        }
        return Err(CliError::Usage(
            "no client secret was entered (API console > your client > Client Secret); \
             nothing was saved"
                .into(),
        ));
    }
    Err(CliError::Usage(
        "login needs the client secret: set ZOHO_CLIENT_SECRET, pass --client-secret-file \
         FILE, or run it on a terminal to be asked (it is never taken as an argument)"
            .into(),
    ))
}

/// The Self Client grant code: `--code`, `--code -` (stdin), or asked for on a terminal.
fn grant_code(args: &LoginArgs) -> Result<SecretString, CliError> {
    let code = match args.code.as_deref() {
        Some("-") => read_line(None)?,
        Some(code) => code.trim().to_owned(),
        None if std::io::stdin().is_terminal() => read_line(Some(
            "Grant code (API console > Self Client > Generate Code, with the scopes \
             `zoho-access login --print-scopes` lists): ",
        ))?,
        None => {
            return Err(CliError::Usage(
                "login needs a grant code: pass --code CODE (or --code - to read it from \
                 stdin), --browser to sign in through a browser, or --device to approve \
                 from another device"
                    .into(),
            ))
        }
    };
    if code.is_empty() {
        return Err(CliError::Usage("the grant code is empty".into()));
    }
    Ok(SecretString::from(code))
}

/// 32 random hex digits.
fn random_state() -> Result<String, CliError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| CliError::Other(format!("no randomness for the login state: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The answer the browser gets on the redirect: a short page, then the connection closes.
async fn answer_browser(stream: &mut tokio::net::TcpStream, status: &str, text: &str) {
    let body =
        format!("<!doctype html><meta charset=utf-8><title>zoho-access</title><p>{text}</p>\n");
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\n\
         connection: close\r\ncache-control: no-store\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The request target of one HTTP request head (at most 8 KiB, within 10 s).
async fn request_target(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let read = async {
        let mut chunk = [0u8; 1024];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 8192 {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .ok()??;
    let head = String::from_utf8_lossy(&buf);
    let mut parts = head.lines().next()?.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) => Some(target.to_owned()),
        _ => None,
    }
}

/// Waits for Zoho's redirect to `/callback` on `listener` and reads it.
async fn wait_for_callback(
    listener: &tokio::net::TcpListener,
    state: &str,
) -> Result<Callback, CliError> {
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| CliError::Other(format!("the login's loopback listener failed: {e}")))?;
        let Some(target) = request_target(&mut stream).await else {
            answer_browser(
                &mut stream,
                "400 Bad Request",
                "Not a request this login expects.",
            )
            .await;
            continue;
        };
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        if path != "/callback" {
            answer_browser(
                &mut stream,
                "404 Not Found",
                "Not here: zoho-access waits on /callback.",
            )
            .await;
            continue;
        }
        let callback = Callback::parse(query);
        match callback.code_for(state) {
            Ok(_) => {
                answer_browser(
                    &mut stream,
                    "200 OK",
                    "Signed in: zoho-access has the grant. You can close this tab.",
                )
                .await;
                return Ok(callback);
            }
            Err(e) => {
                answer_browser(
                    &mut stream,
                    "400 Bad Request",
                    "zoho-access refused this answer; see the terminal.",
                )
                .await;
                return Err(CliError::Zoho(e));
            }
        }
    }
}

/// Opens `url` in the user's browser, if there is a way; the URL is printed anyway.
fn open_browser(url: &str) {
    let opener: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["rundll32", "url.dll,FileProtocolHandler"]
    } else {
        &["xdg-open"]
    };
    let _ = std::process::Command::new(opener[0])
        .args(&opener[1..])
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

/// The accounts server to exchange the code at, from Zoho's redirect: a data centre's known
/// accounts server, or the one the login started at (a custom `--accounts-domain`, the
/// simulator). Anything else is refused: the code and client secret go only where they
/// belong.
fn exchange_server(callback: &Callback, started: &str) -> Result<String, CliError> {
    let Some(server) = callback.accounts_server.as_deref() else {
        return Ok(started.to_owned());
    };
    let server = server.trim_end_matches('/');
    let known = DataCenter::ALL
        .iter()
        .any(|dc| dc.accounts_domain() == server);
    if known || server == started.trim_end_matches('/') {
        Ok(server.to_owned())
    } else {
        Err(CliError::Other(format!(
            "Zoho's redirect names the accounts server {}, which is no Zoho data centre's: \
             refusing to send the grant code there",
            terminal::escape(server)
        )))
    }
}

/// The device flow: the URL and code printed, then polls until approved (a progress line on
/// a terminal), the code expires, `--wait` passes or Ctrl-C.
async fn device_login(
    started: &str,
    client_id: &str,
    secret: &SecretString,
    scopes: &[&str],
    args: &LoginArgs,
    timeout: Duration,
) -> Result<DeviceGrant, CliError> {
    let accounts = Accounts::with_timeout(started, timeout)?;
    let authorization = accounts
        .start_device_authorization(client_id, scopes)
        .await?;
    eprintln!(
        "On any device with a browser, open\n\n  {}\n\nsign in to Zoho and enter the code\n\n  \
         {}\n\nThe code is valid for {}s. Waiting for the approval (Ctrl-C stops) ...",
        terminal::escape(&authorization.verification_url),
        terminal::escape(&authorization.user_code),
        authorization.expires_in.as_secs()
    );
    let on_terminal = std::io::stderr().is_terminal();
    let began = std::time::Instant::now();
    let progress = |p: &DeviceProgress| match p {
        DeviceProgress::Pending { polls } if on_terminal => {
            eprint!(
                "\rStill waiting for the approval ({}s, {polls} polls) ",
                began.elapsed().as_secs()
            );
            let _ = std::io::stderr().flush();
        }
        DeviceProgress::SlowDown { interval } => {
            let nl = if on_terminal { "\n" } else { "" };
            eprintln!(
                "{nl}Zoho asks to poll less often: every {}s from now on.",
                interval.as_secs_f32()
            );
        }
        DeviceProgress::OtherDataCenter {
            data_center,
            server,
        } => {
            let nl = if on_terminal { "\n" } else { "" };
            eprintln!(
                "{nl}The account is in the {data_center} data centre: polling {} now.",
                terminal::escape(server)
            );
        }
        _ => {}
    };
    let wait = accounts.wait_for_device_grant(client_id, secret, &authorization, progress);
    let outcome = tokio::select! {
        r = tokio::time::timeout(Duration::from_secs(args.wait), wait) => r,
        _ = tokio::signal::ctrl_c() => {
            if on_terminal {
                eprintln!();
            }
            return Err(CliError::Other(
                "login stopped (Ctrl-C) before the approval; nothing was saved".into(),
            ));
        }
    };
    if on_terminal {
        eprintln!();
    }
    match outcome {
        Ok(r) => Ok(r?),
        Err(_) => Err(CliError::Other(format!(
            "no approval within {}s (--wait): enter the code at the URL above sooner, or \
             run login again with a longer --wait",
            args.wait
        ))),
    }
}

/// Runs `login`.
pub async fn run(global: &GlobalArgs, args: &LoginArgs) -> Result<(), CliError> {
    if global.simulator {
        return Err(CliError::Usage(
            "login signs in to a Zoho org (or a simulator started with `zoho-access \
             simulator`, through --accounts-domain and --api-domain); --simulator needs none"
                .into(),
        ));
    }
    let access = if args.read_only {
        Access::ReadOnly
    } else {
        Access::ReadWrite
    };
    if args.print_scopes {
        // The line the API console takes; `-o json` / `-o yaml` give the list.
        let scopes = all_scopes(access);
        return match global.output {
            Some(Format::Json) => crate::output::write_stdout(&format!("{}\n", json!(scopes))),
            Some(Format::Yaml) => crate::output::write_stdout(
                &scopes
                    .iter()
                    .map(|s| format!("- {s}\n"))
                    .collect::<String>(),
            ),
            _ => crate::output::write_stdout(&format!("{}\n", scopes.join(","))),
        };
    }
    let name = profile_name(global);
    // A profile signed in before keeps what it was saved with: the client, data centre,
    // environment and servers; an option or variable given now wins.
    let before = profile::existing(global, &name).await?;
    let saved = |pick: fn(&profile::Existing) -> &Option<String>| {
        before
            .as_ref()
            .and_then(|b| pick(b).clone())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let client_id = args
        .client_id
        .clone()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .or_else(|| saved(|b| &b.client_id))
        .ok_or_else(|| {
            CliError::Usage(
                "login needs the client id: pass --client-id ID or set ZOHO_CLIENT_ID (API \
                 console > your client > Client Secret tab)"
                    .into(),
            )
        })?;
    // Read back as `profile::target` reads a profile.
    let bad = |e: zoho_crm_access::Error| CliError::Config(format!("profile {name}: {e}"));
    let data_center: DataCenter = match (global.data_center, saved(|b| &b.data_center)) {
        (Some(given), _) => given.into(),
        (None, Some(text)) => text.parse().map_err(bad)?,
        (None, None) => DataCenter::Us,
    };
    let environment: Environment = match (global.environment, saved(|b| &b.environment)) {
        (Some(given), _) => given.into(),
        (None, Some(text)) => text.parse().map_err(bad)?,
        (None, None) => Environment::Production,
    };
    let api_domain = global
        .api_domain
        .clone()
        .or_else(|| saved(|b| &b.api_domain));
    let accounts_domain = global
        .accounts_domain
        .clone()
        .or_else(|| saved(|b| &b.accounts_domain));
    // Ask before anything is spent: a grant code works once.
    if let Some(old) = &before {
        if old.refresh_token.is_some() {
            confirm(
                &WriteArgs {
                    dry_run: false,
                    yes: args.yes,
                },
                Impact::Confirm(format!(
                    "Profile {name} is signed in already (client {}); replace its grant \
                     (the old refresh token is revoked)",
                    old.client_id.as_deref().unwrap_or("?")
                )),
            )
            .await?;
        }
    }
    let secret = client_secret(args).await?;
    let scopes = all_scopes(access);
    let mut data_center = data_center;
    let started = accounts_domain
        .clone()
        .unwrap_or_else(|| data_center.accounts_domain().to_owned());
    let timeout = global.timeout;

    let (grant, accounts_url) = if args.browser {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
            .await
            .map_err(|e| {
                CliError::Other(format!(
                    "cannot listen on 127.0.0.1:{} for Zoho's redirect: {e} (pick another \
                     --port, and register http://127.0.0.1:PORT/callback in the API console)",
                    args.port
                ))
            })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
        let redirect_uri = format!("http://127.0.0.1:{port}/callback");
        let state = random_state()?;
        let accounts = Accounts::with_timeout(&started, timeout)?;
        let url = accounts.authorization_url(&client_id, &redirect_uri, &scopes, &state);
        eprintln!(
            "Open this address in a browser and sign in to Zoho:\n\n  {url}\n\n\
             Zoho then sends the browser back to {redirect_uri}; that must be, exactly, the \
             Authorized Redirect URI of this Server-based client in the API console. If Zoho \
             shows \"Invalid Redirect Uri\" instead, add it there and run login again.\n\
             Waiting up to {}s for the redirect ...",
            args.wait
        );
        if !args.no_open {
            open_browser(url.as_str());
        }
        let callback = tokio::time::timeout(
            Duration::from_secs(args.wait),
            wait_for_callback(&listener, &state),
        )
        .await
        .map_err(|_| {
            CliError::Other(format!(
                "no redirect from Zoho within {}s: was the sign-in finished in the browser, \
                 and is {redirect_uri} the client's Authorized Redirect URI?",
                args.wait
            ))
        })??;
        drop(listener);
        if let Some(dc) = callback.data_center() {
            if dc != data_center {
                eprintln!(
                    "Zoho says the account is in the {dc} data centre (not {data_center}); \
                     using {dc}."
                );
                data_center = dc;
            }
        }
        let server = exchange_server(&callback, &started)?;
        let accounts = Accounts::with_timeout(&server, timeout)?;
        let code = callback.code_for(&state)?;
        let grant = accounts
            .exchange_code(&client_id, &secret, code, Some(&redirect_uri))
            .await?;
        (grant, server)
    } else if args.device {
        let device = device_login(&started, &client_id, &secret, &scopes, args, timeout).await?;
        if let Some(dc) = device.data_center {
            if dc != data_center {
                eprintln!("Zoho says the account is in the {dc} data centre (not {data_center}); using {dc}.");
                data_center = dc;
            }
        }
        (device.grant, device.accounts_server)
    } else {
        let code = grant_code(args)?;
        let accounts = Accounts::with_timeout(&started, timeout)?;
        let grant = accounts
            .exchange_code(&client_id, &secret, &code, None)
            .await?;
        (grant, started.clone())
    };
    let Some(refresh) = grant.refresh_token.as_ref() else {
        return Err(CliError::Other(
            "Zoho returned no refresh token, so the login would not last: for a Self Client, \
             generate a new code; for a Server-based client, sign in again (this tool asks \
             for access_type=offline and prompt=consent)"
                .into(),
        ));
    };

    // The profile: settings, then the secrets file (owner-only).
    let accounts_domain = (accounts_url.trim_end_matches('/') != data_center.accounts_domain())
        .then_some(accounts_url.as_str());
    let (config, secrets_file) = profile::save_login(
        global,
        &name,
        &profile::LoginProfile {
            data_center,
            environment,
            client_id: &client_id,
            api_domain: api_domain.as_deref(),
            accounts_domain,
        },
        secret.expose_secret(),
        refresh.expose_secret(),
    )
    .await?;

    let target = Target {
        data_center,
        environment,
        api_domain: api_domain.clone(),
        accounts_domain: Some(accounts_url.clone()),
        credentials: Credentials::Refresh {
            client_id: client_id.clone(),
            client_secret: secret.expose_secret().to_owned(),
            refresh_token: refresh.expose_secret().to_owned(),
        },
        cache_scope: format!("profile:{name}"),
        source: format!("profile {name}"),
    };
    // The access token the exchange gave is cached: the first command mints none.
    if let Some(cache) = target.cache(global) {
        let key = store_key(&client_id, &accounts_url, refresh.expose_secret());
        let mut stored = StoredToken::new(grant.access_token.expose_secret().to_owned())
            .with_expires_at(SystemTime::now() + grant.expires_in);
        if let Some(d) = &grant.api_domain {
            stored = stored.with_api_domain(d.clone());
        }
        if let Err(e) = cache.save(&key, &stored).await {
            tracing::warn!(error = %e, "could not cache the first access token");
        }
    }
    let cache = target.cache(global);
    let client = target.client(global)?;
    let who = whoami(&client).await;

    // The replaced grant: revoked, its cached tokens dropped.
    let mut replaced = None;
    if let Some(old) = before {
        if let (Some(old_refresh), Some(old_client)) = (old.refresh_token, old.client_id) {
            if old_refresh != refresh.expose_secret() {
                let old_accounts = old.accounts_domain.clone().unwrap_or_else(|| {
                    old.data_center
                        .as_deref()
                        .and_then(|d| d.parse::<DataCenter>().ok())
                        .unwrap_or(data_center)
                        .accounts_domain()
                        .to_owned()
                });
                let revoked = match Accounts::with_timeout(&old_accounts, timeout) {
                    Ok(a) => a
                        .revoke(&SecretString::from(old_refresh.clone()))
                        .await
                        .is_ok(),
                    Err(_) => false,
                };
                if let Some(cache) = &cache {
                    let _ = cache
                        .remove(&store_key(&old_client, &old_accounts, &old_refresh))
                        .await;
                }
                replaced = Some(revoked);
            }
        }
    }
    report(
        global.output,
        &name,
        &who,
        data_center,
        environment,
        &grant,
        &config,
        &secrets_file,
        replaced,
    )
}

/// Who the token signs in as and to which org, in words (what could not be read says so).
pub struct Whoami {
    pub user: Option<(String, String)>,
    pub org: Option<(String, String, String)>,
    pub problems: Vec<String>,
}

/// Reads the signed-in user and the org.
pub async fn whoami(client: &Client) -> Whoami {
    let mut who = Whoami {
        user: None,
        org: None,
        problems: Vec::new(),
    };
    match client.directory().current_user().await {
        Ok(Some(u)) => {
            let name = u.full_name.clone().unwrap_or_default();
            who.user = Some((name, u.email.clone().unwrap_or_default()));
        }
        Ok(None) => who.problems.push("Zoho named no current user".into()),
        Err(e) => who
            .problems
            .push(format!("cannot read the signed-in user: {e}")),
    }
    match client.directory().org().await {
        Ok(Some(o)) => {
            let kind = o
                .type_
                .as_ref()
                .map(|t| t.to_string().to_ascii_lowercase())
                .unwrap_or_else(|| "unknown".into());
            who.org = Some((
                o.company_name.clone().unwrap_or_default(),
                o.id.clone(),
                kind,
            ));
        }
        Ok(None) => who.problems.push("Zoho named no org".into()),
        Err(e) => who.problems.push(format!("cannot read the org: {e}")),
    }
    who
}

#[allow(clippy::too_many_arguments)]
fn report(
    format: Option<Format>,
    name: &str,
    who: &Whoami,
    data_center: DataCenter,
    environment: Environment,
    grant: &Grant,
    config: &std::path::Path,
    secrets: &std::path::Path,
    replaced: Option<bool>,
) -> Result<(), CliError> {
    if matches!(format, Some(Format::Json | Format::Yaml)) {
        let doc = json!({
            "profile": name,
            "user": who.user.as_ref().map(|(n, e)| json!({"name": n, "email": e})),
            "org": who.org.as_ref().map(|(n, id, t)| json!({"name": n, "id": id, "environment": t})),
            "data_center": data_center.to_string().to_ascii_lowercase(),
            "environment": environment.to_string(),
            "scopes": grant.scopes,
            "profiles_file": config.display().to_string(),
            "secrets_file": secrets.display().to_string(),
            "replaced_grant_revoked": replaced,
            "problems": who.problems,
        });
        return crate::output::Printer::new(format.unwrap_or_default()).one(&doc);
    }
    let mut text = String::new();
    let user = match &who.user {
        Some((n, e)) => format!("{} <{}>", terminal::escape(n), terminal::escape(e)),
        None => "an unknown user".into(),
    };
    let org = match &who.org {
        Some((n, id, t)) => format!(
            "{} (org {}, {})",
            terminal::escape(n),
            terminal::escape(id),
            terminal::escape(t)
        ),
        None => "an org this grant cannot read".into(),
    };
    text.push_str(&format!(
        "Signed in as {user} to {org} in the {data_center} data centre.\n"
    ));
    if let Some((_, _, kind)) = &who.org {
        if kind != &environment.to_string() && kind != "unknown" {
            text.push_str(&format!(
                "Note: the profile says {environment}, but Zoho says this org is a {} org; \
                 run login again with --environment {}.\n",
                terminal::escape(kind),
                terminal::escape(kind)
            ));
        }
    }
    for p in &who.problems {
        text.push_str(&format!("Note: {}\n", terminal::escape(p)));
    }
    text.push_str(&format!(
        "Profile {name} saved in {}; its client secret and refresh token in {} (readable by \
         you only).\n",
        config.display(),
        secrets.display()
    ));
    match replaced {
        Some(true) => text.push_str("The profile's previous refresh token was revoked.\n"),
        Some(false) => text.push_str(
            "The profile's previous refresh token could not be revoked; revoke it under \
             accounts.zoho.com > Sessions > Connected Apps.\n",
        ),
        None => {}
    }
    text.push_str(&format!(
        "Check what it can do: zoho-access doctor --profile {name}\n"
    ));
    crate::output::write_stdout(&text)
}
