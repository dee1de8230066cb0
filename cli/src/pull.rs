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
            // Written beside, then renamed: a reader never sees half a file. The temporary file
            // is new (created exclusively, under a random name, removed on failure), so nothing
            // placed there beforehand, such as a symbolic link, is written through.
            write_replacing(&path, text.as_bytes())
                .map_err(|e| CliError::Other(format!("cannot write {}: {e}", path.display())))?;
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

/// Replaces `path` with `bytes` through a new temporary file in the same directory and a
/// rename. The file gets the permissions a plain create would (0666 less the umask on Unix).
fn write_replacing(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".zoho-access-pull-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
