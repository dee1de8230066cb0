//! `zoho-access org-permissions get|set`.

use std::path::PathBuf;

use clap::Subcommand;
use zoho_crm_access::{enums, types};

use crate::connect::Session;
use crate::input::{decode, read_json};
use crate::output::Printer;
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
    /// Set a module's org-wide share type, or several from a JSON body with --file.
    Set {
        /// Module API name, e.g. Leads.
        #[arg(long, required_unless_present = "file", requires = "share_type")]
        module: Option<String>,
        /// private, public_read_only, public_read_write or public.
        #[arg(long)]
        share_type: Option<String>,
        /// A JSON body `{"data_sharing": [{"share_type": ..., "module": {"id": ...}}]}`.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["module", "share_type"])]
        file: Option<PathBuf>,
    },
}

const SHARE_TYPES: &[&str] = &["private", "public_read_only", "public_read_write", "public"];

pub async fn run(s: &Session, out: &Printer, cmd: OrgPermissionsCommand) -> Result<(), CliError> {
    match cmd {
        OrgPermissionsCommand::Get { module } => {
            if let Some(m) = &module {
                zoho_crm_access::Client::check_module_api_name(m)?;
            }
            let mut all = s.client.org_permissions().get().await?;
            if let Some(m) = module {
                all.retain(|d| d.module.api_name.eq_ignore_ascii_case(&m));
                if all.is_empty() {
                    return Err(CliError::Usage(format!(
                        "`{m}` is not among the org's data sharing modules"
                    )));
                }
            }
            out.print(&all)
        }
        OrgPermissionsCommand::Set {
            module: Some(module),
            share_type: Some(share_type),
            ..
        } => {
            if !SHARE_TYPES.contains(&share_type.as_str()) {
                return Err(CliError::Usage(format!(
                    "--share-type `{share_type}` is not one of {}",
                    SHARE_TYPES.join(", ")
                )));
            }
            let st = enums::ShareType::from(share_type.as_str());
            let result = s
                .client
                .org_permissions()
                .set_share_type(&module, st)
                .await?;
            out.print(&result)
        }
        OrgPermissionsCommand::Set { file, .. } => {
            let body: types::DataSharingUpdateRequest = decode(
                read_json(file.as_deref())?,
                "organization permissions update",
            )?;
            let results = s.client.org_permissions().set(body.data_sharing).await?;
            out.print(&results)
        }
    }
}
