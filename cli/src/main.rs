//! `zoho-access`: Zoho CRM access-control settings (record locking configurations, data sharing
//! rules, default organization permissions) from the command line.
//!
//! Conventions, the same for every command (README, "The command-line tool"):
//! - stdout: one document per successful command: a table on a terminal, JSON when piped
//!   (`-o` chooses); text for reading from `demo`, `plan` and `apply` unless a document is
//!   asked for (`output`);
//! - stderr: an error is one `error: ...` line (what failed in words, the operationId after)
//!   and one `caused by: ...` line per underlying failure; a declined confirmation is one
//!   plain line; nothing is logged without `-v`; no colour unless the stream is a terminal and
//!   `NO_COLOR` is unset; server text is escaped (`terminal`);
//! - changes: `--dry-run` everywhere, confirmation of deletes, org-wide changes and `apply`
//!   (`write`);
//! - input: one bounded reader for bodies, desired-state, profiles and secrets files (`input`);
//! - connection: the `ZOHO_*` variables or a profile, one path to the client, the token cache
//!   kept apart per profile and grant (`connect`, `profile`);
//! - exit status: [`exit`], shown by `exit_status!` (in `--help`, the man page and the
//!   README);
//! - help: wrapped to the terminal; the global options listed once, in the top-level help
//!   and `zoho-access help options`, not on every command ([`command`]).

mod access;
mod access_effect;
mod access_report;
mod apply;
mod completions;
mod connect;
mod demo;
mod directory;
mod doctor;
mod export;
mod input;
mod locking;
mod login;
mod logout;
mod manpage;
mod org_permissions;
mod output;
mod plan;
mod profile;
mod pull;
mod record_locks;
mod schema;
mod serve;
mod sharing_rules;
mod table;
mod terminal;
mod write;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// The exit statuses, as `--help` shows them (the man page and the README say the same; the
/// values are [`exit`]'s).
macro_rules! exit_status {
    () => {
        "Exit status:
  0  success (a dry run included; a plan with or without changes)
  1  Zoho or the network refused or failed the request (apply: it stopped part way, and its
     report says what was applied)
  2  invalid usage or input (a desired-state file that cannot be applied included), or a
     confirmation needed without --yes and without a terminal to ask on; nothing was changed
  3  no credentials, or an unusable endpoint configuration or profile
  4  the confirmation was declined; nothing was sent
  plan --detailed-exitcode (as terraform's -detailed-exitcode): 0 no changes, 2 changes,
     1 any error, usage errors included; only there does 2 mean changes"
    };
}

/// The exit statuses (the table of `exit_status!`).
pub mod exit {
    /// Success, a dry run included.
    pub const SUCCESS: u8 = 0;
    /// Zoho or the network refused or failed the request; any error under
    /// `plan --detailed-exitcode`.
    pub const FAILED: u8 = 1;
    /// Invalid usage or input, or a confirmation needed without `--yes` off a terminal.
    pub const USAGE: u8 = 2;
    /// `plan --detailed-exitcode`: the plan has changes. The same number as [`USAGE`], as
    /// terraform's; under that option every error is [`FAILED`].
    pub const CHANGES: u8 = 2;
    /// No credentials, or an unusable endpoint configuration or profile.
    pub const CONFIG: u8 = 3;
    /// The confirmation was declined.
    pub const DECLINED: u8 = 4;
}

/// Read and change Zoho CRM access-control settings: record locking configurations, data
/// sharing rules and default organization permissions.
#[derive(Parser, Debug)]
#[command(name = "zoho-access", version, disable_help_subcommand = true)]
#[command(after_help = concat!(
    "Credentials come from the environment (ZOHO_ACCESS_TOKEN, or ZOHO_CLIENT_ID + \
ZOHO_CLIENT_SECRET + ZOHO_REFRESH_TOKEN) or from a named profile (--profile NAME, in the \
profiles file of --config). Access tokens minted from a refresh token are cached between runs, \
apart for each profile and refresh token; see --token-cache. Use --simulator to try any command \
against a built-in simulated org, or run `zoho-access demo`.

Output: a table on a terminal; one JSON document when stdout is not a terminal (piped or \
redirected: one thing as an object, several as {\"items\": [...]}, a dry run as \
{\"dry_run\": true, \"requests\": [...]}); --output json, yaml or table chooses. Errors: one \
`error:` line on stderr, then `caused by:` lines.

The global options above apply to every command; `zoho-access help options` lists them again.

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
    /// The locks of single records: show them, lock with a reason, change a reason, unlock.
    #[command(subcommand, name = "record-locks")]
    RecordLocks(record_locks::RecordLocksCommand),
    /// Data sharing rules.
    #[command(subcommand, name = "sharing-rules")]
    SharingRules(sharing_rules::SharingRulesCommand),
    /// Default organization permissions (org-wide share type per module).
    #[command(subcommand, name = "org-permissions")]
    OrgPermissions(org_permissions::OrgPermissionsCommand),
    /// The names other commands take, with their ids: roles, groups, profiles, users,
    /// modules, fields.
    #[command(subcommand)]
    Directory(directory::DirectoryCommand),
    /// Who can reach which records of a module, and why: check one user against one owner,
    /// or list everyone's access.
    #[command(subcommand)]
    Access(access::AccessCommand),
    /// The whole access configuration of the org (all three families, all modules) as one
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
    /// A guided tour against a built-in simulated org (offline, no account): lock closed
    /// deals, share leads with a role and a group, make leads public org-wide, show the
    /// resulting configuration, then promote it to a second org with pull, plan and apply.
    Demo,
    /// Run the built-in simulated org until interrupted, for curl, scripts or other clients.
    /// Prints its URLs and its own throwaway credentials as one JSON line.
    Simulator(serve::ServeArgs),
    /// Sign a profile in to a Zoho org: a Self Client grant code (--code) or a browser
    /// (--browser); stores the refresh token in the profile's owner-only secrets file.
    Login(login::LoginArgs),
    /// Check, step by step, that a profile (or the ZOHO_* variables) can do everything the
    /// tool does; exit 0 only when it can.
    Doctor(doctor::DoctorArgs),
    /// Revoke the profile's refresh token at Zoho and remove its cached tokens and secrets.
    Logout(logout::LogoutArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff), or write one page per command with --dir.
    Man(manpage::ManArgs),
    /// Print this help, the help of a command (`help sharing-rules delete`), or the global
    /// options every command takes (`help options`).
    Help {
        /// A command (and subcommand), or `options`.
        #[arg(value_name = "COMMAND|options")]
        topic: Vec<String>,
    },
}

/// The commands the global options mean nothing to: they run no client and print no
/// document (the simulator prints its own JSON line; `-v` is the only one it reads).
const OFFLINE: &[&str] = &["simulator", "completions", "man", "help"];

/// What the help of every command but the top one ends with, instead of the global options.
const GLOBAL_OPTIONS_NOTE: &str =
    "Global options (connection, credentials, -o, -v): zoho-access help options";

/// The command line's definition as `--help` shows it: [`Cli`], with the global options
/// listed once. Each command below the top carries them hidden (so they are accepted there,
/// and a usage line never shows one as if it were required because its variable is set),
/// and its help ends with a pointer to `zoho-access help options`. `--output`'s help says
/// the default depends on stdout.
pub fn command() -> clap::Command {
    let cmd = base_command();
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    cmd.mut_subcommands(|sub| hide_globals(sub, &globals))
}

/// [`Cli`] with `--output`'s help saying the default depends on stdout (for completions,
/// which complete the global options on every command).
pub fn base_command() -> clap::Command {
    Cli::command().mut_arg("output", |a| {
        a.help(
            "Output format: json, yaml, or table for reading (default: a table when stdout \
             is a terminal, json when it is piped or redirected). demo, plan and apply print \
             text for reading unless json or yaml is asked for; pull writes the \
             desired-state file as YAML unless json is",
        )
    })
}

/// `sub` and every command under it with the global options hidden (see [`command`]).
fn hide_globals(mut sub: clap::Command, globals: &[clap::Arg]) -> clap::Command {
    for arg in globals {
        if sub.get_arguments().all(|a| a.get_id() != arg.get_id()) {
            sub = sub.arg(arg.clone().hide(true));
        }
    }
    // Commands that neither reach Zoho nor print a document get no pointer to options that
    // mean nothing to them.
    if OFFLINE.contains(&sub.get_name()) {
        return sub;
    }
    let note = match sub.get_after_help() {
        Some(after) => format!("{after}\n\n{GLOBAL_OPTIONS_NOTE}"),
        None => GLOBAL_OPTIONS_NOTE.to_owned(),
    };
    sub.after_help(note)
        .mut_subcommands(|inner| hide_globals(inner, globals))
}

/// `zoho-access help [TOPIC]`: the top-level help, a command's help, or the global options.
fn help(topic: &[String]) -> Result<(), CliError> {
    let mut cmd = command();
    if topic.len() == 1 && topic[0] == "options" {
        let mut options = clap::Command::new("zoho-access")
            .about(
                "The global options: every command takes them, before or after its name. \
                 Connection and credentials (--data-center, --environment, --api-domain, \
                 --accounts-domain, --profile, --config, --simulator, the token cache) \
                 matter for commands that reach Zoho.",
            )
            .help_template("{about}\n\n{all-args}")
            .disable_help_flag(true)
            .args(
                cmd.get_arguments()
                    .filter(|a| a.is_global_set())
                    .cloned()
                    .map(|a| a.global(false)),
            );
        return output::write_stdout(options.render_help().to_string().trim_end());
    }
    cmd.build();
    let mut current = &mut cmd;
    for word in topic {
        match current.find_subcommand_mut(word) {
            Some(next) => current = next,
            None => {
                return Err(CliError::Usage(format!(
                    "no command or help topic {:?}; try `zoho-access help`",
                    terminal::escape(word)
                )))
            }
        }
    }
    let mut current = current.clone();
    output::write_stdout(current.render_long_help().to_string().trim_end())
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
    /// The exit status this error ends the command with (see [`exit`]).
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Zoho(
                zoho_crm_access::Error::InvalidInput { .. }
                | zoho_crm_access::Error::Desired { .. },
            )
            | CliError::Usage(_) => exit::USAGE,
            CliError::Zoho(zoho_crm_access::Error::Config { .. }) | CliError::Config(_) => {
                exit::CONFIG
            }
            CliError::Zoho(_) | CliError::Other(_) => exit::FAILED,
            CliError::Declined => exit::DECLINED,
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

/// Whether the command line asks for `plan --detailed-exitcode`, read before clap parses it:
/// a usage error must then end with exit 1, since 2 means "changes".
fn detailed_exitcode_asked() -> bool {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    args.iter().any(|a| a == "plan") && args.iter().any(|a| a == "--detailed-exitcode")
}

fn main() -> ExitCode {
    let parsed = command()
        .try_get_matches()
        .and_then(|m| Ok((Cli::from_arg_matches(&m)?, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        // Help and version are "errors" to clap that go to stdout with status 0.
        Err(e) if e.use_stderr() && detailed_exitcode_asked() => {
            let _ = e.print();
            return ExitCode::from(exit::FAILED);
        }
        Err(e) => e.exit(),
    };
    let detailed = matches!(&cli.command, Command::Plan(p) if p.detailed_exitcode);
    connect::init_logging(cli.global.verbose);
    input::set_timeout(cli.global.input_timeout);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            report(
                &CliError::Other(format!("cannot start the async runtime: {e}")),
                None,
            );
            return ExitCode::from(exit::FAILED);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(status) => ExitCode::from(status),
        Err(e) => {
            report(&e, leaf_module(&matches).as_deref());
            // Under --detailed-exitcode, 2 means "changes": every error is 1.
            ExitCode::from(if detailed {
                exit::FAILED
            } else {
                e.exit_code()
            })
        }
    }
}

/// The `--module` the command line named, if any (at whatever depth of subcommand).
fn leaf_module(matches: &clap::ArgMatches) -> Option<String> {
    let mut current = matches;
    let mut module = None;
    loop {
        if let Ok(Some(m)) = current.try_get_one::<String>("module") {
            module = Some(m.clone());
        }
        match current.subcommand() {
            Some((_, next)) => current = next,
            None => return module,
        }
    }
}

/// The error's text; for a failed operation of a module the command named, the module after
/// the operation's words: `listing data sharing rules for Leads (listSharingRules): ...`.
fn error_text(e: &CliError, module: Option<&str>) -> String {
    let text = e.to_string();
    let (CliError::Zoho(_), Some(module)) = (e, module) else {
        return text;
    };
    for op in zoho_crm_access::operations::Operation::ALL {
        let words = format!("{} ({})", op.doing(), op.id());
        if let Some(rest) = text.strip_prefix(&words) {
            return format!("{} for {module} ({}){rest}", op.doing(), op.id());
        }
    }
    text
}

/// The error on stderr: one `error:` line, one `caused by:` line per cause, each with its
/// control characters made visible (messages carry Zoho's text). A declined confirmation is
/// no error: one plain line.
fn report(e: &CliError, module: Option<&str>) {
    if let CliError::Declined = e {
        let _ =
            std::io::Write::write_all(&mut std::io::stderr().lock(), format!("{e}\n").as_bytes());
        return;
    }
    let (error, caused_by) = if terminal::stderr_colour() {
        ("\x1b[1;31merror:\x1b[0m", "\x1b[2mcaused by:\x1b[0m")
    } else {
        ("error:", "caused by:")
    };
    let mut text = format!("{error} {}\n", terminal::escape(&error_text(e, module)));
    for cause in e.causes() {
        text.push_str(&format!("{caused_by} {}\n", terminal::escape(&cause)));
    }
    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), text.as_bytes());
}

/// Runs the command; `Ok` holds its exit status ([`exit::SUCCESS`], or [`exit::CHANGES`] from
/// `plan --detailed-exitcode`).
async fn run(cli: Cli) -> Result<u8, CliError> {
    let format = cli.global.output;
    let done = match &cli.command {
        Command::Demo => Some(demo::run(format).await),
        Command::Simulator(args) => Some(serve::run(args).await),
        Command::Schema => Some(schema::run(format)),
        Command::Completions(args) => Some(completions::run(args)),
        Command::Man(args) => Some(manpage::run(args)),
        Command::Help { topic } => Some(help(topic)),
        Command::Login(args) => Some(login::run(&cli.global, args).await),
        Command::Logout(args) => Some(logout::run(&cli.global, args).await),
        Command::Doctor(args) => return doctor::run(&cli.global, args).await,
        _ => None,
    };
    if let Some(done) = done {
        return done.map(|()| exit::SUCCESS);
    }
    let session = connect::Session::open(&cli.global).await?;
    write::set_destination(destination(&cli.global, &session));
    // A table for a person at a terminal, JSON for a pipe; `-o` chooses.
    let out = output::Printer::new(format.unwrap_or_else(output::Format::for_stdout));
    match cli.command {
        Command::Locking(c) => locking::run(&session, &out, c).await,
        Command::RecordLocks(c) => record_locks::run(&session, &out, c).await,
        Command::SharingRules(c) => sharing_rules::run(&session, &out, c).await,
        Command::OrgPermissions(c) => org_permissions::run(&session, &out, c).await,
        Command::Directory(c) => directory::run(&session, &out, c).await,
        Command::Access(c) => access::run(&session, format, c).await,
        Command::Export => export::run(&session, &out).await,
        Command::Pull(args) => pull::run(&session, format, args).await,
        Command::Plan(args) => {
            return plan::run(&session, format, args)
                .await
                .map_err(|e| session.explain(e))
        }
        Command::Apply(args) => apply::run(&session, format, args).await,
        Command::Login(_) | Command::Logout(_) | Command::Doctor(_) => Ok(()),
        Command::Demo
        | Command::Simulator(_)
        | Command::Schema
        | Command::Completions(_)
        | Command::Man(_)
        | Command::Help { .. } => Ok(()),
    }
    .map_err(|e| session.explain(e))
    .map(|()| exit::SUCCESS)
}

/// Where this run's changes go, for confirmation questions: the org's environment, the
/// profile (or how the credentials were given) and the endpoint.
fn destination(args: &connect::GlobalArgs, session: &connect::Session) -> write::Destination {
    let endpoint = session.client.current_base_url();
    let host = endpoint
        .split("://")
        .nth(1)
        .unwrap_or_default()
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    // The simulator is named as the profile would be: `on the built-in simulator, URL`.
    let environment = if args.simulator {
        None
    } else if host.starts_with("sandbox.") {
        Some("sandbox".to_owned())
    } else if host.starts_with("developer.") {
        Some("developer".to_owned())
    } else if host.contains("zohoapis.") {
        Some("production".to_owned())
    } else {
        // Another address (a proxy, a simulator, a profile's `api_domain`): the environment
        // the options or the profile name.
        session
            .environment()
            .map(|e| e.to_string().to_ascii_lowercase())
    };
    let profile = match (&args.profile, args.simulator) {
        (_, true) => "the built-in simulator".to_owned(),
        (Some(name), false) => format!("profile \"{name}\""),
        (None, false) => "credentials from the ZOHO_* variables".to_owned(),
    };
    write::Destination {
        environment,
        profile,
        endpoint,
    }
}
