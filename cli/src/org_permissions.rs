//! `zoho-access org-permissions get|set`.

use std::path::PathBuf;

use clap::Subcommand;
use zoho_crm_access::{enums, types};

use crate::connect::Session;
use crate::input::{decode, read_json};
use crate::output::Printer;
use crate::write::{self, Impact, WriteArgs};
use crate::CliError;

/// Organization permission commands.
#[derive(Subcommand, Debug)]
pub enum OrgPermissionsCommand {
    /// Show the org-wide share type of every module (or of one).
    Get {
        /// Only this module.
        #[arg(long)]
        module: Option<String>,
    },
    /// Set a module's org-wide share type, or several from a JSON body with --file (asks
    /// first, or --yes).
    Set {
        /// Module API name, e.g. Leads.
        #[arg(long, required_unless_present = "file", requires = "share_type")]
        module: Option<String>,
        /// Who sees and changes the module's records by default.
        #[arg(long, value_enum)]
        share_type: Option<ShareTypeArg>,
        /// A JSON body `{"data_sharing": [{"share_type": ..., "module": {"id": ...}}]}` (1 to
        /// 100 modules; `-`: stdin), at most 1 MiB.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["module", "share_type"])]
        file: Option<PathBuf>,
        #[command(flatten)]
        write: WriteArgs,
    },
}

/// `--share-type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ShareTypeArg {
    /// Only the record owner and those above them in the role hierarchy.
    Private,
    /// Everyone reads; the owner and those above them change.
    #[value(name = "public_read_only", alias = "public-read-only")]
    PublicReadOnly,
    /// Everyone reads and changes.
    #[value(name = "public_read_write", alias = "public-read-write")]
    PublicReadWrite,
    /// Everyone reads, changes and deletes.
    Public,
}

impl From<ShareTypeArg> for enums::ShareType {
    fn from(st: ShareTypeArg) -> Self {
        match st {
            ShareTypeArg::Private => enums::ShareType::Private,
            ShareTypeArg::PublicReadOnly => enums::ShareType::PublicReadOnly,
            ShareTypeArg::PublicReadWrite => enums::ShareType::PublicReadWrite,
            ShareTypeArg::Public => enums::ShareType::Public,
        }
    }
}

pub async fn run(s: &Session, out: &Printer, cmd: OrgPermissionsCommand) -> Result<(), CliError> {
    match cmd {
        OrgPermissionsCommand::Get { module: None } => out
            .when_empty("No default organization permissions.")
            .many(&s.client.org_permissions().get().await?),
        OrgPermissionsCommand::Get { module: Some(m) } => {
            out.one(&s.client.org_permissions().get_module(&m).await?)
        }
        OrgPermissionsCommand::Set {
            module: Some(module),
            share_type: Some(share_type),
            write: w,
            ..
        } => {
            // Before the read a dry run makes (and before asking), like every `--module`:
            // nothing, not even a read, is sent for a change that cannot be confirmed.
            zoho_crm_access::Client::check_module_api_name(&module)?;
            // As every other command, the module by its exact API name (`leads` is refused,
            // with `Leads`); the org's modules are read only when the change can be confirmed.
            if write::can_confirm(&w) {
                crate::directory::check_module(s, &module).await?;
            }
            let share_type = enums::ShareType::from(share_type);
            let impact = Impact::Confirm(format!(
                "Change the org-wide share type of {module} to {share_type}"
            ));
            if w.dry_run {
                // The update names the module by id: read it (a read, no change), then show
                // the one update `set_share_type` sends.
                let found = s.client.org_permissions().get_module(&module).await?;
                let id = found.module.id.clone().ok_or_else(|| {
                    CliError::Other(format!("Zoho returned no id for the module `{module}`"))
                })?;
                let update = types::DataSharingUpdate::new(
                    types::ModuleInput::new(id).with_api_name(found.module.api_name.clone()),
                    share_type,
                );
                let result = write::run(s, out, &w, impact, |c| async move {
                    c.org_permissions().set([update]).await
                })
                .await?;
                return write::print_many(out, result);
            }
            let result = write::run(s, out, &w, impact, |c| async move {
                c.org_permissions()
                    .set_share_type(&module, share_type)
                    .await
            })
            .await?;
            write::print_one(out, result)
        }
        OrgPermissionsCommand::Set { file, write: w, .. } => {
            let body: types::DataSharingUpdateRequest = decode(
                read_json(file.as_deref()).await?,
                "organization permissions update",
            )?;
            let impact = Impact::Confirm(format!(
                "Change the org-wide share type of {} module(s)",
                body.data_sharing.len()
            ));
            let result = write::run(s, out, &w, impact, |c| async move {
                c.org_permissions().set(body.data_sharing).await
            })
            .await?;
            write::print_many(out, result)
        }
    }
}
