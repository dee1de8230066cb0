//! `zoho-access plan FILE`: what applying the file would change in the org.
//!
//! Exit status: as every command's (`exit_status!`): 0 planned, with or without changes; 2 a
//! file that cannot be applied; 1 Zoho or the network failed. With `--detailed-exitcode`, as
//! `terraform plan -detailed-exitcode`: 0 no changes, 2 changes, 1 any error (a bad file and
//! a usage error too), so that CI can tell drift from failure.

use std::path::PathBuf;

use clap::Args;
use serde_json::{json, Value};
use zoho_crm_access::desired;

use crate::connect::Session;
use crate::output::{write_stdout, Format, PlannedRequest, Printer};
use crate::terminal;
use crate::{exit, CliError};

/// The exit statuses, for `plan --help` (the table of `zoho-access --help` holds them too).
pub const EXIT_CODES: &str = "Exit status: 0 planned (with or without changes); 1 Zoho or the \
network failed; 2 invalid usage, or a file that cannot be applied (one line names the place in \
it); 3 no credentials or an unusable profile.
With --detailed-exitcode, as terraform's -detailed-exitcode: 0 no changes, 2 changes, 1 any \
error, usage errors included. Only then does 2 mean changes: without it, 2 is a usage error, \
as for every other command.";

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The desired-state file (YAML or JSON; `-` for stdin).
    pub file: PathBuf,

    /// Exit 0 with no changes, 2 with changes, 1 on any error, usage errors included (as
    /// terraform's -detailed-exitcode).
    #[arg(long)]
    pub detailed_exitcode: bool,
}

/// Prints the plan; the exit status is [`exit::CHANGES`] when `--detailed-exitcode` is given
/// and there are changes (`main` makes every error [`exit::FAILED`] then).
pub async fn run(
    session: &Session,
    format: Option<Format>,
    args: PlanArgs,
) -> Result<u8, CliError> {
    let config = crate::input::read_access_config(&args.file).await?;
    let plan = desired::plan(&session.client, &config)
        .await
        .map_err(|e| in_file(&args.file, e))?;
    let effect = crate::access_effect::compute(session, &config, &plan).await;
    print(session, &plan, format, &effect).await?;
    Ok(if args.detailed_exitcode && !plan.is_empty() {
        exit::CHANGES
    } else {
        exit::SUCCESS
    })
}

/// The plan as the output convention prints it. Text for people unless `-o json` or
/// `-o yaml` is asked for (`-o table` is the same text): one line per change, then a
/// summary. The document is one object: `notes` (what a file of `scope.rules: listed`
/// leaves as it is, one line per module), `changes` (each with its `change` kind, the place
/// and the state before and after), `summary` (the text lines of the changes) and `requests`
/// (what applying sends, in order, in the shape of a dry run's requests: recorded from a
/// dry run of the apply, so only for a document). After the changes, what they do to access
/// (`effect`): in the text, and as `access_effect` in the document.
pub async fn print(
    session: &Session,
    plan: &desired::Plan,
    format: Option<Format>,
    effect: &crate::access_effect::Effect,
) -> Result<(), CliError> {
    let format = format.unwrap_or(Format::Table);
    if matches!(format, Format::Table) {
        write_stdout(&text(plan))?;
        return effect.print();
    }
    let doc = json!({
        "notes": plan.notes(),
        "changes": plan.changes(),
        "summary": plan.changes().iter().map(ToString::to_string).collect::<Vec<_>>(),
        "requests": requests(session, plan).await?,
        "access_effect": effect.json(),
    });
    Printer::new(format).document(&doc, |_| text(plan))
}

/// The requests applying `plan` sends, as a dry run shows them (method, URL, body): the
/// library's [`desired::Plan::planned_calls`], recorded from the apply run through a
/// transport that sends nothing. Fails as the apply would for input refused before sending.
pub async fn requests(
    session: &Session,
    plan: &desired::Plan,
) -> Result<Vec<PlannedRequest>, CliError> {
    let base = session.client.current_base_url();
    Ok(plan
        .planned_calls(&session.client)
        .await?
        .into_iter()
        .map(|c| PlannedRequest {
            method: c.method,
            url: format!("{}{}", base.trim_end_matches('/'), c.path),
            body: c.body.unwrap_or(Value::Null),
        })
        .collect())
}

/// The plan as text: one line per change (coloured by its sign on a terminal), then the
/// summary; every line escaped, and on a terminal wrapped to its width (see `line`).
pub fn text(plan: &desired::Plan) -> String {
    let colour = terminal::stdout_colour();
    let width = terminal::stdout_width().map(usize::from);
    plan.to_string()
        .lines()
        .map(|l| line(l, colour, width))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A plan line, escaped, wrapped to `width` between words (a rule's quoted name whole; the
/// next lines two columns in from the line's sign), coloured by its sign (`+` create, `-`
/// delete, `~` change) when `colour`.
fn line(text: &str, colour: bool, width: Option<usize>) -> String {
    let lead = text.len() - text.trim_start().len();
    let text = terminal::wrap(&terminal::escape(text), width, lead + 2);
    let code = match text.trim_start().chars().next() {
        Some('+') => "32",
        Some('-') => "31",
        Some('~') => "33",
        _ => return text,
    };
    if !colour {
        return text;
    }
    format!("\u{1b}[{code}m{text}\u{1b}[0m")
}

/// A plan's error, with the file's name in front when it is about a place in the file.
pub fn in_file(path: &std::path::Path, e: zoho_crm_access::Error) -> CliError {
    match e {
        zoho_crm_access::Error::Desired { .. } => {
            CliError::Usage(format!("{}: {e}", crate::input::source_name(Some(path))))
        }
        other => CliError::Zoho(other),
    }
}
