//! `zoho-access record-locks show|lock|reason|unlock`: the locks of single records.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;
use zoho_crm_access::{enums, Error, RecordLockChange, RecordLockOutcome};

use crate::connect::Session;
use crate::input::{read_limited, source_name};
use crate::output::Printer;
use crate::write::{self, Impact, WriteArgs};
use crate::CliError;

/// Largest id list read from `--ids-file` (about 50,000 ids).
const MAX_IDS_BYTES: u64 = 1024 * 1024;

/// Most record ids one command takes.
const MAX_IDS: usize = 50_000;

/// Per-record lock commands.
#[derive(Subcommand, Debug)]
#[command(after_help = "\
Automatic locks (Lock_Source__s Automatic) come from a rule of the module's record locking \
configuration whose criteria the record matches. They cannot be removed or have their reason \
changed here: Zoho answers 403 NOT_ALLOWED. They go when the record stops matching the rule, \
or with the rule or the configuration (`zoho-access locking`).")]
pub enum RecordLocksCommand {
    /// Show a record's locks: its lock entries, or an empty list when it has none.
    Show {
        /// Module API name, e.g. Deals.
        #[arg(long)]
        module: String,
        /// The record's id.
        #[arg(long)]
        record: String,
    },
    /// Lock records manually, with a reason: the records given by --record (repeatable) or
    /// one id per line of --ids-file. Needs a configuration whose lock_type is manual or both.
    /// One outcome per record: locked, already_locked or failed.
    Lock {
        /// Module API name, e.g. Deals.
        #[arg(long)]
        module: String,
        #[command(flatten)]
        records: Records,
        /// Why the records are locked (1 to 3,000 characters), shown to users in Zoho.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Change the reason of a record's manual lock.
    Reason {
        /// Module API name, e.g. Deals.
        #[arg(long)]
        module: String,
        /// The record's id.
        #[arg(long)]
        record: String,
        /// The lock entry's id; by default, the record's one manual lock.
        #[arg(long)]
        lock: Option<String>,
        /// The new reason (1 to 3,000 characters).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Remove the manual locks of records given by --record (repeatable) or one id per line of
    /// --ids-file. An automatic lock cannot be removed: that record's outcome is Zoho's 403
    /// NOT_ALLOWED. One outcome per record: unlocked, not_locked or failed.
    Unlock {
        /// Module API name, e.g. Deals.
        #[arg(long)]
        module: String,
        #[command(flatten)]
        records: Records,
        #[command(flatten)]
        write: WriteArgs,
    },
}

/// Which records: `--record` (repeatable) or `--ids-file`.
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct Records {
    /// A record id; repeat it for several records.
    #[arg(long)]
    record: Vec<String>,
    /// A file with one record id per line (`-`: stdin); blank lines and lines starting with #
    /// are skipped. At most 1 MiB.
    #[arg(long, value_name = "FILE")]
    ids_file: Option<PathBuf>,
}

impl Records {
    /// The record ids, in the order given; each is checked by the library before anything is
    /// sent.
    async fn ids(self) -> Result<Vec<String>, CliError> {
        let Some(file) = self.ids_file else {
            return Ok(self.record);
        };
        let bytes = read_limited(Some(&file), MAX_IDS_BYTES, "a list of record ids").await?;
        let text = String::from_utf8(bytes).map_err(|_| {
            CliError::Usage(format!("{}: not UTF-8 text", source_name(Some(&file))))
        })?;
        let ids: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect();
        if ids.is_empty() {
            return Err(CliError::Usage(format!(
                "{}: no record id in it",
                source_name(Some(&file))
            )));
        }
        if ids.len() > MAX_IDS {
            return Err(CliError::Usage(format!(
                "{}: {} ids; one command takes at most {MAX_IDS}",
                source_name(Some(&file)),
                ids.len()
            )));
        }
        Ok(ids)
    }
}

/// One record's outcome, as printed.
#[derive(Serialize)]
struct Outcome {
    record_id: String,
    /// `locked`, `already_locked`, `unlocked`, `not_locked` or `failed`.
    outcome: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    lock_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl From<RecordLockOutcome> for Outcome {
    fn from(o: RecordLockOutcome) -> Self {
        let (outcome, lock_ids, error) = match o.result {
            Ok(RecordLockChange::Locked { lock_id }) => ("locked", vec![lock_id], None),
            Ok(RecordLockChange::AlreadyLocked { lock_ids }) => ("already_locked", lock_ids, None),
            Ok(RecordLockChange::Unlocked { lock_ids }) => ("unlocked", lock_ids, None),
            Ok(RecordLockChange::NotLocked) => ("not_locked", Vec::new(), None),
            Ok(_) => ("changed", Vec::new(), None),
            Err(e) => ("failed", Vec::new(), Some(e.to_string())),
        };
        Outcome {
            record_id: o.record_id,
            outcome,
            lock_ids,
            error,
        }
    }
}

/// Prints one outcome per record, then fails (exit 1) when any record failed.
fn print_outcomes(out: &Printer, outcomes: Option<Vec<RecordLockOutcome>>) -> Result<(), CliError> {
    let Some(outcomes) = outcomes else {
        return Ok(());
    };
    let total = outcomes.len();
    let printed: Vec<Outcome> = outcomes.into_iter().map(Outcome::from).collect();
    let failed = printed.iter().filter(|o| o.error.is_some()).count();
    out.many(&printed)?;
    if failed > 0 {
        return Err(CliError::Other(format!(
            "{failed} of {total} record(s) failed (their outcome says why)"
        )));
    }
    Ok(())
}

pub async fn run(s: &Session, out: &Printer, cmd: RecordLocksCommand) -> Result<(), CliError> {
    // The module as the org names it, before any record is read or changed (Zoho's
    // INVALID_MODULE for each record would say less).
    let (RecordLocksCommand::Show { module, .. }
    | RecordLocksCommand::Lock { module, .. }
    | RecordLocksCommand::Reason { module, .. }
    | RecordLocksCommand::Unlock { module, .. }) = &cmd;
    crate::directory::check_module(s, module).await?;
    match cmd {
        RecordLocksCommand::Show { module, record } => {
            let locks = s.client.record_locks(&module).list(&record).await?;
            out.when_empty(format!("No locks on record {record} of {module}."))
                .many(&locks)
        }
        RecordLocksCommand::Lock {
            module,
            records,
            reason,
            write: w,
        } => {
            let ids = records.ids().await?;
            let result = write::run(s, out, &w, Impact::Change, |c| async move {
                Ok::<_, Error>(c.record_locks(&module).lock_many(ids, &reason).await)
            })
            .await?;
            print_outcomes(out, result)
        }
        RecordLocksCommand::Reason {
            module,
            record,
            lock,
            reason,
            write: w,
        } => {
            let lock = match lock {
                Some(lock) => lock,
                // The record's one manual lock (a read, no change).
                None => one_manual_lock(s, &module, &record).await?,
            };
            let result = write::run(s, out, &w, Impact::Change, |c| async move {
                c.record_locks(&module)
                    .update_reason(&record, &lock, &reason)
                    .await
            })
            .await?;
            write::print_one(out, result)
        }
        RecordLocksCommand::Unlock {
            module,
            records,
            write: w,
        } => {
            let ids = records.ids().await?;
            if w.dry_run {
                // Which locks would go needs the records' lock lists (reads, no change); the
                // removals are then captured as they would be sent.
                let handle = s.client.record_locks(&module);
                let mut planned = Vec::new();
                for id in &ids {
                    for lock in handle.list(id).await? {
                        planned.push((id.clone(), lock.id));
                    }
                }
                let result = write::run(s, out, &w, Impact::Change, |c| async move {
                    let handle = c.record_locks(&module);
                    for (record, lock) in &planned {
                        let _ = handle.unlock(record, lock).await;
                    }
                    Ok::<_, Error>(())
                })
                .await?;
                return write::print_one(out, result);
            }
            let result = write::run(s, out, &w, Impact::Change, |c| async move {
                Ok::<_, Error>(c.record_locks(&module).unlock_many(ids).await)
            })
            .await?;
            print_outcomes(out, result)
        }
    }
}

/// The id of the record's one manual lock, for `reason` without `--lock`.
async fn one_manual_lock(s: &Session, module: &str, record: &str) -> Result<String, CliError> {
    let locks = s.client.record_locks(module).list(record).await?;
    let manual: Vec<String> = locks
        .iter()
        .filter(|l| l.lock_source_s.as_ref() != Some(&enums::LockSource::Automatic))
        .map(|l| l.id.clone())
        .collect();
    match manual.as_slice() {
        [one] => Ok(one.clone()),
        [] if locks.is_empty() => Err(CliError::Usage(format!(
            "record {record} of {module} is not locked"
        ))),
        [] => Err(CliError::Usage(format!(
            "record {record} of {module} has only an automatic lock, whose reason cannot be \
             changed (it comes from a locking rule)"
        ))),
        _ => Err(CliError::Usage(format!(
            "record {record} of {module} has {} manual locks: name one with --lock ({})",
            manual.len(),
            manual.join(", ")
        ))),
    }
}
