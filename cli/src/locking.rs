//! `zoho-access locking get|create|update|delete`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::Value;
use zoho_crm_access::types;

use crate::connect::Session;
use crate::input::{decode, read_json, single_item};
use crate::output::Printer;
use crate::write::{self, Impact, WriteArgs};
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
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Update the module's configuration: rules with an id change, rules without one are added,
    /// `{"id": ..., "_delete": true}` removes one (asks first, or --yes).
    Update {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Delete configurations by id: every locked record of the module is unlocked (asks first,
    /// or --yes).
    Delete {
        /// Module API name, e.g. Deals.
        #[arg(long)]
        module: String,
        /// Configuration id; repeat it to delete several at once.
        #[arg(long, required = true)]
        id: Vec<String>,
        #[command(flatten)]
        write: WriteArgs,
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
    /// Read the JSON body from this file (`-` or no option: stdin), at most 1 MiB.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// How many locking rules an update removes (`_delete: true` entries).
fn removals(item: &Value) -> usize {
    item.get("locking_rules")
        .and_then(Value::as_array)
        .map_or(0, |rules| {
            rules
                .iter()
                .filter(|r| r.get("_delete") == Some(&Value::Bool(true)))
                .count()
        })
}

pub async fn run(s: &Session, out: &Printer, cmd: LockingCommand) -> Result<(), CliError> {
    match cmd {
        LockingCommand::Get { target } => {
            let handle = s.client.record_locking(&target.module);
            let config = match &target.id {
                Some(id) => handle.get_by_id(id).await?,
                None => handle.get().await?,
            };
            out.one(&config)
        }
        LockingCommand::Create {
            module,
            body,
            write: w,
        } => {
            let item = single_item(read_json(body.file.as_deref()).await?, KEY)?;
            let input: types::RecordLockingConfigurationInput =
                decode(item, "record locking configuration")?;
            let result = write::run(s, out, &w, Impact::Change, |c| async move {
                c.record_locking(&module).create(input).await
            })
            .await?;
            write::print_one(out, result)
        }
        LockingCommand::Update {
            target,
            body,
            write: w,
        } => {
            let mut item = single_item(read_json(body.file.as_deref()).await?, KEY)?;
            if let (Some(id), Value::Object(m)) = (&target.id, &mut item) {
                m.entry("id").or_insert_with(|| Value::String(id.clone()));
            }
            let removed = removals(&item);
            let update: types::RecordLockingConfigurationUpdate =
                decode(item, "record locking configuration update")?;
            let impact = if removed > 0 {
                Impact::Confirm(format!(
                    "Remove {removed} locking rule(s) from the record locking configuration of {}",
                    target.module
                ))
            } else {
                Impact::Change
            };
            let result = write::run(s, out, &w, impact, |c| async move {
                let handle = c.record_locking(&target.module);
                match &target.id {
                    Some(id) => handle.update_by_id(id, update).await,
                    None => handle.update(update).await,
                }
            })
            .await?;
            write::print_one(out, result)
        }
        LockingCommand::Delete {
            module,
            id,
            write: w,
        } => {
            let impact = Impact::Confirm(format!(
                "Delete the record locking configuration {} of {module}: every locked record \
                 of {module} is unlocked",
                id.join(", ")
            ));
            if id.len() == 1 {
                let result = write::run(s, out, &w, impact, |c| async move {
                    c.record_locking(&module).delete(&id[0]).await
                })
                .await?;
                write::print_one(out, result)
            } else {
                let result = write::run(s, out, &w, impact, |c| async move {
                    let ids: Vec<&str> = id.iter().map(String::as_str).collect();
                    c.record_locking(&module).delete_many(&ids).await
                })
                .await?;
                write::print_many(out, result)
            }
        }
    }
}
