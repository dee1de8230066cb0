//! `zoho-access`: Zoho CRM access-control settings (record locking configurations, data sharing
//! rules, default organization permissions) from the command line.
//!
//! Output is JSON on stdout (pipe it into `jq`), or a table with `--output table`. An error is
//! one line on stderr (`error: ...`), followed by one `caused by: ...` line per underlying
//! failure (a refused connection, a TLS error ...), and a non-zero exit status: 1 when Zoho
//! (or the network) refused the call, 2 for bad command-line usage or input, 3 when no
//! credentials are configured or the endpoint configuration is unusable.

mod access_file;
mod apply;
mod connect;
mod demo;
mod export;
mod input;
mod locking;
mod org_permissions;
mod output;
mod plan;
mod profile;
mod pull;
mod schema;
mod serve;
mod sharing_rules;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Read and change Zoho CRM access-control settings: record locking configurations, data
/// sharing rules and default organization permissions.
#[derive(Parser, Debug)]
#[command(name = "zoho-access", version)]
#[command(
    after_help = "Credentials come from the environment: ZOHO_ACCESS_TOKEN, or \
ZOHO_CLIENT_ID + ZOHO_CLIENT_SECRET + ZOHO_REFRESH_TOKEN. Use --simulator to try everything \
against a built-in simulated org, or run `zoho-access demo`."
)]
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
    /// The whole access configuration of the org (all three families, all modules) as one JSON
    /// document.
    Export,
    /// The org's access control as a desired-state file (YAML), by name: no ids, so it
    /// applies to any org.
    Pull(pull::PullArgs),
    /// What applying a desired-state file would change.
    #[command(after_help = plan::EXIT_CODES)]
    Plan(plan::PlanArgs),
    /// Make the org as a desired-state file says: shows the plan, asks on a terminal, needs
    /// --yes otherwise.
    #[command(after_help = apply::EXIT_CODES)]
    Apply(apply::ApplyArgs),
    /// Print the JSON Schema of the desired-state file (for editors and CI).
    Schema,
    /// Walk through the seed documents' story against a built-in simulated org (offline).
    Demo,
    /// Run the built-in simulated org until interrupted, for curl, scripts or other clients.
    /// Prints its URLs and its own throwaway credentials as one JSON line.
    Simulator(serve::ServeArgs),
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
    /// Anything else (exit 1).
    Other(String),
    /// Exit with this status and print nothing (`plan --detailed-exitcode` with changes).
    Exit(u8),
    /// This error, with exit status 1 whatever its kind (`plan --detailed-exitcode`, where
    /// 2 means "changes").
    Failed(Box<CliError>),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Zoho(e) => write!(f, "{e}"),
            CliError::Usage(m) | CliError::Config(m) | CliError::Other(m) => f.write_str(m),
            CliError::Exit(_) => Ok(()),
            CliError::Failed(e) => write!(f, "{e}"),
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
            CliError::Zoho(
                zoho_crm_access::Error::InvalidInput { .. }
                | zoho_crm_access::Error::Desired { .. },
            )
            | CliError::Usage(_) => 2,
            CliError::Exit(code) => *code,
            CliError::Failed(_) => 1,
            CliError::Zoho(zoho_crm_access::Error::Config { .. }) | CliError::Config(_) => 3,
            CliError::Zoho(_) | CliError::Other(_) => 1,
        }
    }

    /// The failures underneath, outermost first (`caused by:` lines).
    fn causes(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let CliError::Failed(inner) = self {
            return inner.causes();
        }
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
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Exit(code)) => ExitCode::from(code),
        Err(e) => {
            // One line per message: collapse any newline a message might carry.
            let line = e.to_string().replace('\n', " ");
            eprintln!("error: {line}");
            for cause in e.causes() {
                eprintln!("caused by: {}", cause.replace('\n', " "));
            }
            ExitCode::from(e.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let format = cli.global.output;
    match cli.command {
        Command::Demo => return demo::run(format).await,
        Command::Simulator(args) => return serve::run(args).await,
        Command::Schema => return schema::run(),
        _ => {}
    }
    let session = connect::Session::open(&cli.global).await?;
    let out = output::Printer::new(format.unwrap_or_default());
    match cli.command {
        Command::Locking(c) => locking::run(&session, &out, c).await,
        Command::SharingRules(c) => sharing_rules::run(&session, &out, c).await,
        Command::OrgPermissions(c) => org_permissions::run(&session, &out, c).await,
        Command::Export => export::run(&session, &out).await,
        Command::Pull(args) => pull::run(&session, format, args).await,
        Command::Plan(args) => plan::run(&session, format, args).await,
        Command::Apply(args) => apply::run(&session, format, args).await,
        Command::Schema => schema::run(),
        Command::Demo => demo::run(format).await,
        Command::Simulator(args) => serve::run(args).await,
    }
}
