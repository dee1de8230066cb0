//! `zoho-access apply FILE`: makes the org as the file says. Shows the plan, then asks on a
//! terminal; without one it needs `--yes`. `--dry-run` prints the calls and sends nothing.
//!
//! Exit status: 0 applied (or nothing to do), 1 Zoho or the network failed (the report says
//! what was applied), 2 a file that cannot be applied, or no terminal and no `--yes`.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use zoho_crm_access::desired::{self, ApplyOptions};

use crate::connect::Session;
use crate::output::{write_stdout, Format};
use crate::plan::in_file;
use crate::plan::print;
use crate::terminal;
use crate::CliError;

/// The exit statuses, for `--help`.
pub const EXIT_CODES: &str = "Exit status: 0 applied, or nothing to do; 1 stopped part way \
(the report lists what was applied, what failed and what was not attempted; applying again \
continues); 2 the file cannot be applied, or no terminal to confirm on and no --yes (nothing \
was sent).";

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// The desired-state file (YAML or JSON; `-` for stdin).
    pub file: PathBuf,

    /// Apply without asking (needed when not on a terminal).
    #[arg(long)]
    pub yes: bool,

    /// Print the plan and the calls it would make (method, path, body); send nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Seconds one call may wait in total while Zoho computes sharing rules
    /// (CANNOT_PROCESS) or rate-limits, before the apply stops and reports.
    #[arg(long, value_name = "SECONDS", default_value = "300")]
    pub max_wait: u64,
}

pub async fn run(
    session: &Session,
    format: Option<Format>,
    args: ApplyArgs,
) -> Result<(), CliError> {
    if args.file.as_os_str() == "-" && !args.yes && !args.dry_run {
        return Err(CliError::Usage(
            "reading the file from stdin leaves no terminal to confirm on: pass --yes (or \
             --dry-run)"
                .into(),
        ));
    }
    let config = crate::input::read_access_config(&args.file).await?;
    let plan = desired::plan(&session.client, &config)
        .await
        .map_err(|e| in_file(&args.file, e))?;
    let json = format == Some(Format::Json);
    if plan.is_empty() {
        return print(&plan, format);
    }
    if args.dry_run {
        if json {
            return print(&plan, format);
        }
        print(&plan, format)?;
        let calls: Vec<String> = plan
            .planned_calls()
            .iter()
            .map(|c| format!("  {}", terminal::escape(&c.to_string())))
            .collect();
        return write_stdout(&format!(
            "Dry run: these {} call(s) would be sent; nothing was sent.\n{}",
            calls.len(),
            calls.join("\n")
        ));
    }
    if !json {
        print(&plan, format)?;
    }
    if !args.yes {
        confirm(plan.changes().len())?;
    }
    let options = ApplyOptions::default().max_wait(Duration::from_secs(args.max_wait));
    let report = plan.apply_with(&session.client, &options).await;
    if json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| CliError::Other(format!("cannot encode the report: {e}")))?;
        write_stdout(&text)?;
    } else {
        let text = report
            .to_string()
            .lines()
            .map(|l| terminal::escape(l).into_owned())
            .collect::<Vec<_>>()
            .join("\n");
        write_stdout(&text)?;
    }
    report.into_result().map(drop)?;
    Ok(())
}

/// Asks on the terminal; refuses (exit 2, nothing sent) without one.
fn confirm(n: usize) -> Result<(), CliError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() || !std::io::stderr().is_terminal() {
        return Err(CliError::Usage(format!(
            "apply would make {n} change(s) and there is no terminal to confirm on: pass --yes \
             to apply them (nothing was sent)"
        )));
    }
    eprint!("Apply these {n} change(s)? Only `yes` applies: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin
        .lock()
        .take(256)
        .read_line(&mut answer)
        .map_err(|e| CliError::Usage(format!("cannot read the answer: {e}")))?;
    if answer.trim() != "yes" {
        return Err(CliError::Usage(
            "not applied: the answer was not `yes`".into(),
        ));
    }
    Ok(())
}
