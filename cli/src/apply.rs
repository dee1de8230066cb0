//! `zoho-access apply FILE`: makes the org as the file says. Shows the plan, then asks as
//! every confirmed change does (`write::confirm`: on a terminal, `--yes` otherwise; exit 4
//! when declined). `--dry-run` prints the requests and sends nothing.
//!
//! Exit status: 0 applied (or nothing to do), 1 Zoho or the network failed (the report says
//! what was applied), 2 a file that cannot be applied, or no terminal and no `--yes`, 4 the
//! confirmation was declined.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use zoho_crm_access::desired::{self, ApplyOptions};

use crate::connect::Session;
use crate::output::{write_stdout, Format, Printer};
use crate::plan::{self, in_file};
use crate::terminal;
use crate::write::{self, Impact, WriteArgs};
use crate::CliError;

/// The exit statuses, for `--help`.
pub const EXIT_CODES: &str = "Exit status: 0 applied, or nothing to do; 1 stopped part way \
(the report lists what was applied, what failed and what was not attempted; applying again \
continues); 2 the file cannot be applied, or no terminal to confirm on and no --yes (nothing \
was sent); 4 the confirmation was declined (nothing was sent).";

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// The desired-state file (YAML or JSON; `-` for stdin).
    pub file: PathBuf,

    #[command(flatten)]
    pub write: WriteArgs,

    /// Seconds one call may take in total, retries and waits included, while Zoho computes
    /// sharing rules (CANNOT_PROCESS) or rate-limits, before the apply stops and reports.
    #[arg(long, value_name = "SECONDS", default_value = "300")]
    pub max_wait: u64,
}

pub async fn run(
    session: &Session,
    format: Option<Format>,
    args: ApplyArgs,
) -> Result<(), CliError> {
    let config = crate::input::read_access_config(&args.file).await?;
    let plan = desired::plan(&session.client, &config)
        .await
        .map_err(|e| in_file(&args.file, e))?;
    // Text for people unless a document is asked for, as `plan`.
    let out = Printer::new(format.unwrap_or(Format::Table));
    let document = matches!(format, Some(Format::Json | Format::Yaml));
    let options = ApplyOptions::default().max_wait(Duration::from_secs(args.max_wait));
    if !document {
        write_stdout(&plan::text(&plan))?;
    }
    // What the changes do to access, read before the confirmation (issue 24).
    let effect =
        crate::access_effect::show(session, &config, &plan, document, args.write.dry_run).await?;
    if args.write.dry_run {
        // The apply itself, through a transport that records instead of sending: it fails
        // as the apply would (same error, same exit status) for input refused before sending.
        return out.dry_run(&plan::requests(session, &plan).await?);
    }
    if plan.is_empty() {
        // Nothing to confirm. A document is the report of applying nothing: complete, no
        // calls.
        return match document {
            true => out.one(&effect.attach(&plan.apply_with(&session.client, &options).await)),
            false => Ok(()),
        };
    }
    // Every apply is confirmed, as a delete or an org-wide change is: it changes the org's
    // access control in bulk.
    // The question says where (environment, profile, endpoint: `write::confirm`), for the
    // moment someone promotes to production.
    write::confirm(
        &args.write,
        Impact::Confirm(match plan.changes().len() {
            1 => "Apply this change to the org".to_owned(),
            n => format!("Apply these {n} changes to the org"),
        }),
    )
    .await?;
    let report = plan.apply_with(&session.client, &options).await;
    // Printed also when the apply stopped part way: the report says what was applied.
    if document {
        out.one(&effect.attach(&report))?;
    } else {
        write_stdout(
            &report
                .to_string()
                .lines()
                .map(terminal::escape)
                .collect::<Vec<_>>()
                .join("\n"),
        )?;
    }
    report.into_result().map(drop)?;
    Ok(())
}
