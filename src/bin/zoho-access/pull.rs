//! `zoho-access pull`: the org's access control as a desired-state file, on stdout or in
//! `--out FILE`. The file is the document: YAML by default (the library's stable form), the
//! same as JSON with `-o json`; `-o table` is refused (exit 2).

use std::path::PathBuf;

use clap::Args;
use zoho_crm_access::desired::{self, Family, Scope};

use crate::connect::Session;
use crate::output::{json_text, write_stdout, Format};
use crate::CliError;

#[derive(Args, Debug)]
pub struct PullArgs {
    /// Modules to manage, by API name (comma-separated or repeated). Default: every module
    /// the org lists in its default organization permissions.
    #[arg(long, value_delimiter = ',', value_name = "MODULE")]
    pub modules: Vec<String>,

    /// Families to manage (comma-separated or repeated). Default: all three.
    #[arg(long, value_delimiter = ',', value_name = "FAMILY", value_enum)]
    pub families: Vec<FamilyArg>,

    /// Write the file here (replacing it) instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `--families`: the three families, by the names the file uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FamilyArg {
    /// Record locking configurations.
    #[value(name = "record_locking")]
    RecordLocking,
    /// Data sharing rules.
    #[value(name = "sharing_rules")]
    SharingRules,
    /// Default organization permissions.
    #[value(name = "org_permissions")]
    OrgPermissions,
}

impl From<FamilyArg> for Family {
    fn from(f: FamilyArg) -> Self {
        match f {
            FamilyArg::RecordLocking => Family::RecordLocking,
            FamilyArg::SharingRules => Family::SharingRules,
            FamilyArg::OrgPermissions => Family::OrgPermissions,
        }
    }
}

/// `pull -o table`: the file is YAML or JSON.
fn no_table() -> CliError {
    CliError::Usage(
        "pull writes a desired-state file: YAML (the default, or -o yaml) or JSON (-o json); \
         there is no table of it"
            .into(),
    )
}

pub async fn run(
    session: &Session,
    format: Option<Format>,
    args: PullArgs,
) -> Result<(), CliError> {
    if format == Some(Format::Table) {
        return Err(no_table());
    }
    let families: Vec<Family> = if args.families.is_empty() {
        Family::ALL.to_vec()
    } else {
        args.families.into_iter().map(Family::from).collect()
    };
    let modules = args
        .modules
        .iter()
        .map(|m| m.trim())
        .filter(|m| !m.is_empty());
    let scope = Scope::new(families, modules);
    let config = desired::pull(&session.client, &scope).await?;
    let text = match format {
        None | Some(Format::Yaml) => config.to_yaml()?,
        Some(Format::Json) => {
            let value = serde_json::to_value(config.canonical())
                .map_err(|e| CliError::Other(format!("cannot encode the file: {e}")))?;
            json_text(&value)? + "\n"
        }
        Some(Format::Table) => return Err(no_table()),
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
            tracing::info!(
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
