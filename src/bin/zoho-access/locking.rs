//! `zoho-access locking get|create|update|delete`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::Value;
use zoho_crm_access::types;

use crate::connect::Session;
use crate::input::{decode, read_json, single_item};
use crate::output::Printer;
use crate::CliError;

const KEY: &str = "record_locking_configurations";

/// Record locking commands.
#[derive(Subcommand, Debug)]
pub enum LockingCommand {
    /// Show the module's configuration (`null` when it has none).
    Get {
        #[command(flatten)]
        target: Target,
    },
    /// Create the module's configuration from a JSON body (bare, or Zoho's envelope).
    Create {
        /// Module API name, e.g. Deals.
        #[arg(long)]
        module: String,
        #[command(flatten)]
        body: Body,
    },
    /// Update the module's configuration: rules with an id change, rules without one are added,
    /// `{"id": ..., "_delete": true}` removes one.
    Update {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        body: Body,
    },
    /// Delete configurations by id (every locked record of the module is unlocked).
    Delete {
        /// Module API name, e.g. Deals.
        #[arg(long)]
        module: String,
        /// Configuration id; repeat it to delete several at once.
        #[arg(long, required = true)]
        id: Vec<String>,
    },
}

/// `--module` and an optional `--id`.
#[derive(Args, Debug)]
pub struct Target {
    /// Module API name, e.g. Deals.
    #[arg(long)]
    pub module: String,
    /// Configuration id (get: read that one; update: use the by-id URL, else the body's `id`).
    #[arg(long)]
    pub id: Option<String>,
}

/// Where the JSON body comes from.
#[derive(Args, Debug)]
pub struct Body {
    /// Read the JSON body from this file (default: stdin).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

pub async fn run(s: &Session, out: &Printer, cmd: LockingCommand) -> Result<(), CliError> {
    match cmd {
        LockingCommand::Get { target } => {
            let handle = s.client.record_locking(&target.module);
            let config = match &target.id {
                Some(id) => handle.get_by_id(id).await?,
                None => handle.get().await?,
            };
            out.print(&config)
        }
        LockingCommand::Create { module, body } => {
            let item = single_item(read_json(body.file.as_deref())?, KEY)?;
            let input: types::RecordLockingConfigurationInput =
                decode(item, "record locking configuration")?;
            let result = s.client.record_locking(&module).create(input).await?;
            out.print(&result)
        }
        LockingCommand::Update { target, body } => {
            let mut item = single_item(read_json(body.file.as_deref())?, KEY)?;
            if let (Some(id), Value::Object(m)) = (&target.id, &mut item) {
                m.entry("id").or_insert_with(|| Value::String(id.clone()));
            }
            let update: types::RecordLockingConfigurationUpdate =
                decode(item, "record locking configuration update")?;
            let handle = s.client.record_locking(&target.module);
            let result = match &target.id {
                Some(id) => handle.update_by_id(id, update).await?,
                None => handle.update(update).await?,
            };
            out.print(&result)
        }
        LockingCommand::Delete { module, id } => {
            let handle = s.client.record_locking(&module);
            if id.len() == 1 {
                out.print(&handle.delete(&id[0]).await?)
            } else {
                let ids: Vec<&str> = id.iter().map(String::as_str).collect();
                out.print(&handle.delete_many(&ids).await?)
            }
        }
    }
}
