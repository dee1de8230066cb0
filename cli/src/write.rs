//! What every command that changes something shares: `--dry-run`, `--yes`, and the
//! confirmation of deletes and org-wide changes.
//!
//! - `--dry-run` prints the requests the command would send (method, URL, body) and sends
//!   nothing that changes the org. The requests are the library's own: the command runs
//!   with a client pointed at a capture point on loopback inside this process, which
//!   records each request and refuses it, so what is printed is exactly what would go to
//!   Zoho, after the same input checks. Reads the command needs to build a request (the
//!   module id `org-permissions set --module` looks up) still go to Zoho.
//! - A delete, an org-wide change or an `apply` asks `... Continue? [y/N]` when stdin and
//!   stderr are terminals, and needs `--yes` otherwise: without it the command ends with
//!   exit 2 before sending anything. The question names the item (`Delete sharing rule
//!   "Miami leads" (6954432000002009742) of Leads`) and where the change goes: the org's
//!   environment (production in a colour of its own), the profile and the endpoint.
//!   Answering anything but `y`/`yes` ends with exit 4, nothing sent, and one plain line
//!   saying so (not an error).
//!
//! `run` does all of it for a command that makes one library call. `apply` makes several,
//! each depending on the one before succeeding, so a capture point that refuses every
//! request would see only the first: it uses [`confirm`], and its dry run prints the
//! library's `Plan::planned_calls`, which runs the apply itself through a transport that
//! records each request and answers it with a success, sending nothing.

use std::future::Future;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::sync::{Arc, Mutex, OnceLock};

use futures::future::BoxFuture;

use clap::Args;
use serde_json::Value;
use zoho_crm_access::Client;

use crate::connect::Session;
use crate::output::{PlannedRequest, Printer};
use crate::{terminal, CliError};

/// The options of every command that changes something.
#[derive(Args, Debug, Clone, Copy, Default)]
#[command(next_help_heading = "Change options")]
pub struct WriteArgs {
    /// Print the request(s) this would send (method, URL, body) and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask before a delete, an org-wide change or an apply (needed when not run from a
    /// terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// What a change does, for deciding whether to ask first.
pub enum Impact {
    /// An ordinary change: no confirmation.
    Change,
    /// A delete or an org-wide change: confirmed on a terminal, `--yes` otherwise. The text
    /// says what happens, as the first part of the question (`Change the org-wide share type
    /// of Leads to private`).
    Confirm(String),
    /// The same for one item with a name: the question names it, looked up only when the
    /// question is asked (see [`Impact::item`]).
    ConfirmItem(Item),
}

/// One named item a confirmed change acts on (see [`Impact::item`]).
pub struct Item {
    action: String,
    id: String,
    place: String,
    name: BoxFuture<'static, Option<String>>,
}

impl Impact {
    /// A confirmed change of one item: `action` (`Delete sharing rule`), its `id`, where it
    /// is (`of Leads`), and a lookup of its name, run only when the question is asked (a
    /// dry run, `--yes` or no terminal skip it). The question reads `Delete sharing rule
    /// "Miami leads" (6954432000002009742) of Leads`; without a name (the lookup failed or
    /// found nothing), `Delete sharing rule 6954432000002009742 of Leads`.
    pub fn item(
        action: impl Into<String>,
        id: impl Into<String>,
        place: impl Into<String>,
        name: impl Future<Output = Option<String>> + Send + 'static,
    ) -> Impact {
        Impact::ConfirmItem(Item {
            action: action.into(),
            id: id.into(),
            place: place.into(),
            name: Box::pin(name),
        })
    }

    /// The question's first part, without looking anything up (for the refusal off a
    /// terminal).
    fn plain(&self) -> Option<String> {
        match self {
            Impact::Change => None,
            Impact::Confirm(what) => Some(what.clone()),
            Impact::ConfirmItem(item) => Some(item.text(None)),
        }
    }
}

impl Item {
    fn text(&self, name: Option<&str>) -> String {
        let mut text = self.action.clone();
        match name {
            Some(name) => text.push_str(&format!(" \"{name}\" ({})", self.id)),
            None => text.push_str(&format!(" {}", self.id)),
        }
        if !self.place.is_empty() {
            text.push(' ');
            text.push_str(&self.place);
        }
        text
    }
}

/// Where the command's changes go, for the confirmation question: set once the connection
/// is open ([`set_destination`]).
#[derive(Clone, Debug, Default)]
pub struct Destination {
    /// `production`, `sandbox` or `developer`; `None` when not known or not an org (the
    /// built-in simulator).
    pub environment: Option<String>,
    /// The profile, or how the credentials were given (`ZOHO_* variables`).
    pub profile: String,
    /// Where requests go (`{api domain}/crm/v8`).
    pub endpoint: String,
}

static DESTINATION: OnceLock<Destination> = OnceLock::new();

/// Records where this run's changes go (once, after the connection is opened).
pub fn set_destination(destination: Destination) {
    let _ = DESTINATION.set(destination);
}

impl Destination {
    /// Two lines, `  to:       production org, profile "prod"` and `  endpoint:
    /// https://www.zohoapis.eu/crm/v8`, the environment coloured when `colour` (production
    /// bold red, anything else bold yellow).
    fn lines(&self, colour: bool) -> String {
        let environment = match &self.environment {
            Some(e) if colour && e == "production" => format!("\x1b[1;31m{e}\x1b[0m org, "),
            Some(e) if colour => format!("\x1b[1;33m{e}\x1b[0m org, "),
            Some(e) => format!("{e} org, "),
            None => String::new(),
        };
        format!(
            "  to:       {environment}{}\n  endpoint: {}",
            terminal::escape(&self.profile),
            terminal::escape(&self.endpoint)
        )
    }
}

/// Whether a change that needs confirmation can go on: `--yes`, a dry run (nothing is sent),
/// or a terminal to ask on (stdin and stderr). When not, [`confirm`] refuses, and a command
/// that would read something before asking refuses first, reading nothing.
pub fn can_confirm(args: &WriteArgs) -> bool {
    args.yes || args.dry_run || (std::io::stdin().is_terminal() && std::io::stderr().is_terminal())
}

/// Asks for confirmation when `impact` needs it: `Ok` to go on, exit 2 without `--yes` off a
/// terminal, exit 4 when declined. The question names the item and where the change goes
/// ([`Destination`]).
pub async fn confirm(args: &WriteArgs, impact: Impact) -> Result<(), CliError> {
    let Some(plain) = impact.plain() else {
        return Ok(());
    };
    if args.yes {
        return Ok(());
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(CliError::Usage(format!(
            "{}: not confirmed; pass --yes to confirm when not running in a terminal \
             (nothing was sent)",
            terminal::escape(&plain)
        )));
    }
    let what = match impact {
        Impact::ConfirmItem(mut item) => {
            let lookup = std::mem::replace(&mut item.name, Box::pin(async { None }));
            let name = tokio::time::timeout(std::time::Duration::from_secs(30), lookup)
                .await
                .ok()
                .flatten();
            item.text(name.as_deref())
        }
        _ => plain,
    };
    let mut question = terminal::escape(&what).into_owned();
    if let Some(destination) = DESTINATION.get() {
        question.push('\n');
        question.push_str(&destination.lines(terminal::stderr_colour()));
    }
    eprint!("{question}\nContinue? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    // One short line; a longer one is no answer.
    let read = std::io::stdin().lock().take(64).read_line(&mut answer);
    // End of input (Ctrl-D) leaves the cursor on the question's line: what follows starts a
    // line of its own. A typed line ends with the terminal's own echo of Enter.
    if matches!(read, Ok(n) if n < 64) && !answer.ends_with('\n') || read.is_err() {
        eprintln!();
    }
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(CliError::Declined),
    }
}

/// Runs one library call that changes something: on a dry run against a [`Capture`] (the
/// requests are printed, `None` returned); otherwise, after [`confirm`], with the session's
/// client.
pub async fn run<T, F, Fut>(
    session: &Session,
    out: &Printer,
    args: &WriteArgs,
    impact: Impact,
    call: F,
) -> Result<Option<T>, CliError>
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<T, zoho_crm_access::Error>>,
{
    if args.dry_run {
        let capture = Capture::start().await?;
        capture.run(call).await?;
        out.dry_run(&capture.requests(&session.client.current_base_url()))?;
        return Ok(None);
    }
    confirm(args, impact).await?;
    Ok(Some(call(session.client.clone()).await?))
}

/// Prints the result of a change of one item; nothing after a dry run (it printed its
/// requests).
pub fn print_one<T: serde::Serialize>(out: &Printer, result: Option<T>) -> Result<(), CliError> {
    match result {
        Some(r) => out.one(&r),
        None => Ok(()),
    }
}

/// Prints the results of a change of several items; nothing after a dry run.
pub fn print_many<T: serde::Serialize>(
    out: &Printer,
    results: Option<Vec<T>>,
) -> Result<(), CliError> {
    match results {
        Some(r) => out.many(&r),
        None => Ok(()),
    }
}

/// A request the capture point received.
#[derive(Clone, Debug)]
struct Captured {
    method: String,
    path_and_query: String,
    body: Vec<u8>,
}

/// A loopback endpoint inside this process that records every request and refuses it, for
/// dry runs.
pub struct Capture {
    api_domain: String,
    seen: Arc<Mutex<Vec<Captured>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What the capture point answers: a Zoho error, which the client neither retries nor
/// takes for success.
const REFUSAL: &str =
    r#"{"code":"INVALID_REQUEST","details":{},"message":"not sent: dry run","status":"error"}"#;

impl Capture {
    /// Starts the capture point on 127.0.0.1.
    pub async fn start() -> Result<Capture, CliError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| CliError::Other(format!("cannot start the dry run: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| CliError::Other(format!("cannot start the dry run: {e}")))?;
        let seen: Arc<Mutex<Vec<Captured>>> = Arc::default();
        let log = seen.clone();
        let app = axum::Router::new().fallback(
            move |method: axum::http::Method, uri: axum::http::Uri, body: axum::body::Bytes| {
                let log = log.clone();
                async move {
                    log.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(Captured {
                            method: method.to_string(),
                            path_and_query: uri
                                .path_and_query()
                                .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned()),
                            body: body.to_vec(),
                        });
                    (
                        axum::http::StatusCode::BAD_REQUEST,
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        REFUSAL,
                    )
                }
            },
        );
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Capture {
            api_domain: format!("http://{addr}"),
            seen,
            task,
        })
    }

    /// A client whose requests go to the capture point (no credentials, no retries).
    pub fn client(&self) -> Result<Client, CliError> {
        Ok(Client::builder()
            .base_url(self.api_domain.clone())
            .without_auth()
            .retry(zoho_crm_access::RetryPolicy::default().max_attempts(1))
            .build()?)
    }

    /// Runs `call` against the capture point. The refusal it gets is expected; an error the
    /// library raises before sending (invalid input) is the command's error, as it would be
    /// without `--dry-run`.
    pub async fn run<T, F, Fut>(&self, call: F) -> Result<(), CliError>
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<T, zoho_crm_access::Error>>,
    {
        let before = self.count();
        match call(self.client()?).await {
            Ok(_) => Ok(()),
            Err(_) if self.count() > before => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn count(&self) -> usize {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// The requests received so far, as they would have gone to `base` (`{api domain}/crm/v8`).
    pub fn requests(&self, base: &str) -> Vec<PlannedRequest> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone();
        seen.into_iter()
            .map(|c| {
                let rest = c
                    .path_and_query
                    .strip_prefix("/crm/v8")
                    .unwrap_or(&c.path_and_query);
                let body = if c.body.is_empty() {
                    Value::Null
                } else {
                    serde_json::from_slice(&c.body).unwrap_or_else(|_| {
                        Value::String(String::from_utf8_lossy(&c.body).into_owned())
                    })
                };
                PlannedRequest {
                    method: c.method,
                    url: format!("{}{rest}", base.trim_end_matches('/')),
                    body,
                }
            })
            .collect()
    }
}
