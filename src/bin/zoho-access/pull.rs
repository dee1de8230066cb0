//! `zoho-access pull`: the org's access control as a desired-state file (YAML; JSON with
//! `--output json`).

use std::path::PathBuf;

use clap::Args;
use zoho_crm_access::desired::{self, Family, Scope};

use crate::connect::Session;
use crate::output::{write_stdout, Format};
use crate::CliError;

#[derive(Args, Debug)]
pub struct PullArgs {
    /// Modules to manage, by API name (comma-separated or repeated). Default: every module
    /// the org lists in its default organization permissions.
    #[arg(long, value_delimiter = ',', value_name = "MODULE")]
    pub modules: Vec<String>,

    /// Families to manage: record_locking, sharing_rules, org_permissions (comma-separated or
    /// repeated). Default: all three.
    #[arg(long, value_delimiter = ',', value_name = "FAMILY", value_parser = parse_family)]
    pub families: Vec<Family>,

    /// Write the file here (replacing it) instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn parse_family(s: &str) -> Result<Family, String> {
    s.parse().map_err(|e: zoho_crm_access::Error| e.to_string())
}

pub async fn run(
    session: &Session,
    format: Option<Format>,
    args: PullArgs,
) -> Result<(), CliError> {
    let families: Vec<Family> = if args.families.is_empty() {
        Family::ALL.to_vec()
    } else {
        args.families
    };
    let modules = args
        .modules
        .iter()
        .map(|m| m.trim())
        .filter(|m| !m.is_empty());
    let scope = Scope::new(families, modules);
    let config = desired::pull(&session.client, &scope).await?;
    let text = match format {
        Some(Format::Json) => {
            let mut t = serde_json::to_string_pretty(&config.canonical())
                .map_err(|e| CliError::Other(format!("cannot encode the file: {e}")))?;
            t.push('\n');
            t
        }
        _ => config.to_yaml()?,
    };
    match args.out {
        None => write_stdout(text.trim_end_matches('\n')),
        Some(path) => {
            // Written beside, then renamed: a reader never sees half a file.
            let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
            std::fs::write(&tmp, &text)
                .and_then(|()| std::fs::rename(&tmp, &path))
                .map_err(|e| {
                    let _ = std::fs::remove_file(&tmp);
                    CliError::Other(format!("cannot write {}: {e}", path.display()))
                })?;
            eprintln!(
                "wrote {} ({} module(s), {})",
                path.display(),
                config.scope.modules.len(),
                config
                    .scope
                    .families
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Ok(())
        }
    }
}
