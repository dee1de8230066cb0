//! `zoho-access`: Zoho CRM access-control settings (record locking configurations, data sharing
//! rules, default organization permissions) from the command line.
//!
//! Conventions, the same for every command (README, "The command-line tool"):
//! - stdout: one document per successful command, JSON by default (`output`);
//! - stderr: an error is one `error: ...` line and one `caused by: ...` line per underlying
//!   failure; nothing is logged without `-v`; no colour unless stderr is a terminal and
//!   `NO_COLOR` is unset; server text is escaped (`terminal`);
//! - changes: `--dry-run` everywhere, confirmation of deletes and org-wide changes (`write`);
//! - exit status: `exit_status!` (in `--help`, the man page and the README).

mod completions;
mod connect;
mod demo;
mod export;
mod input;
mod locking;
mod manpage;
mod org_permissions;
mod output;
mod serve;
mod sharing_rules;
mod table;
mod terminal;
mod write;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The exit statuses, as `--help` shows them (the man page and the README say the same).
macro_rules! exit_status {
    () => {
        "Exit status:
  0  success (a dry run included)
  1  Zoho or the network refused or failed the request
  2  invalid usage or input, or a delete or org-wide change without --yes and without a
     terminal to ask on; nothing was changed
  3  no credentials, or an unusable endpoint configuration
  4  the confirmation was declined; nothing was sent"
    };
}

/// Read and change Zoho CRM access-control settings: record locking configurations, data
/// sharing rules and default organization permissions.
#[derive(Parser, Debug)]
#[command(name = "zoho-access", version)]
#[command(after_help = concat!(
    "Credentials come from the environment: ZOHO_ACCESS_TOKEN, or ZOHO_CLIENT_ID + \
ZOHO_CLIENT_SECRET + ZOHO_REFRESH_TOKEN (access tokens minted with these are cached between \
runs; see --token-cache). Use --simulator to try any command against a built-in simulated org, \
or run `zoho-access demo`.

Output: one JSON document on stdout (one thing as an object, several as {\"items\": [...]}, a \
dry run as {\"dry_run\": true, \"requests\": [...]}); --output yaml or table. Errors: one \
`error:` line on stderr, then `caused by:` lines.

",
    exit_status!()
))]
pub struct Cli {
    #[command(flatten)]
    pub global: connect::GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// The command groups.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Record locking configurations (one per module).
    #[command(subcommand)]
    Locking(locking::LockingCommand),
    /// Data sharing rules.
    #[command(subcommand, name = "sharing-rules")]
    SharingRules(sharing_rules::SharingRulesCommand),
    /// Default organization permissions (org-wide share type per module).
    #[command(subcommand, name = "org-permissions")]
    OrgPermissions(org_permissions::OrgPermissionsCommand),
    /// The whole access configuration of the org (all three families, all modules) as one
    /// document.
    Export,
    /// A guided tour against a built-in simulated org (offline, no account): lock closed
    /// deals, share leads with a role and a group, make leads public org-wide, then show the
    /// resulting configuration.
    Demo,
    /// Run the built-in simulated org until interrupted, for curl, scripts or other clients.
    /// Prints its URLs and its own throwaway credentials as one JSON line.
    Simulator(serve::ServeArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff), or write one page per command with --dir.
    Man(manpage::ManArgs),
}

/// A failure, with the exit status it maps to.
#[derive(Debug)]
pub enum CliError {
    /// Zoho, the network or the client layer refused the operation (exit 1).
    Zoho(zoho_crm_access::Error),
    /// Bad input from the user: a body that does not parse, a missing option (exit 2).
    Usage(String),
    /// No credentials or an unusable endpoint configuration (exit 3).
    Config(String),
    /// The user declined the confirmation (exit 4).
    Declined,
    /// Anything else (exit 1).
    Other(String),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Zoho(e) => write!(f, "{e}"),
            CliError::Usage(m) | CliError::Config(m) | CliError::Other(m) => f.write_str(m),
            CliError::Declined => f.write_str("not confirmed; nothing was sent"),
        }
    }
}

impl From<zoho_crm_access::Error> for CliError {
    fn from(e: zoho_crm_access::Error) -> Self {
        CliError::Zoho(e)
    }
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Zoho(zoho_crm_access::Error::InvalidInput { .. }) | CliError::Usage(_) => 2,
            CliError::Zoho(zoho_crm_access::Error::Config { .. }) | CliError::Config(_) => 3,
            CliError::Zoho(_) | CliError::Other(_) => 1,
            CliError::Declined => 4,
        }
    }

    /// The failures underneath, outermost first (`caused by:` lines).
    fn causes(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let CliError::Zoho(e) = self {
            let mut next = std::error::Error::source(e);
            while let Some(cause) = next {
                out.push(cause.to_string());
                next = cause.source();
            }
        }
        out
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    connect::init_logging(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            report(&CliError::Other(format!(
                "cannot start the async runtime: {e}"
            )));
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            ExitCode::from(e.exit_code())
        }
    }
}

/// The error on stderr: one `error:` line, one `caused by:` line per cause, each with its
/// control characters made visible (messages carry Zoho's text).
fn report(e: &CliError) {
    let (error, caused_by) = if terminal::stderr_colour() {
        ("\x1b[1;31merror:\x1b[0m", "\x1b[2mcaused by:\x1b[0m")
    } else {
        ("error:", "caused by:")
    };
    let mut text = format!("{error} {}\n", terminal::escape(&e.to_string()));
    for cause in e.causes() {
        text.push_str(&format!("{caused_by} {}\n", terminal::escape(&cause)));
    }
    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), text.as_bytes());
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let format = cli.global.output;
    match &cli.command {
        Command::Demo => return demo::run(format).await,
        Command::Simulator(args) => return serve::run(args).await,
        Command::Completions(args) => return completions::run(args),
        Command::Man(args) => return manpage::run(args),
        _ => {}
    }
    let session = connect::Session::open(&cli.global).await?;
    let out = output::Printer::new(format.unwrap_or_default());
    match cli.command {
        Command::Locking(c) => locking::run(&session, &out, c).await,
        Command::SharingRules(c) => sharing_rules::run(&session, &out, c).await,
        Command::OrgPermissions(c) => org_permissions::run(&session, &out, c).await,
        Command::Export => export::run(&session, &out).await,
        Command::Demo | Command::Simulator(_) | Command::Completions(_) | Command::Man(_) => Ok(()),
    }
}
