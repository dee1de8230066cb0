//! `zoho-access locking get|create|update|delete`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{json, Value};
use zoho_crm_access::desired::CriteriaSpec;
use zoho_crm_access::{enums, types};

use crate::connect::Session;
use crate::directory::{self, known, parse_bool};
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
    /// Create the module's configuration, by names or from a JSON body.
    ///
    /// By names: --lock-type, --restricted-actions, --excluded-profiles, --editable-fields,
    /// --rule. For scripts, a JSON body (bare, or Zoho's envelope) with ids.
    #[command(after_help = CREATE_HELP)]
    Create {
        /// Module API name, e.g. Deals.
        #[arg(long)]
        module: String,
        #[command(flatten)]
        set: LockingFlags,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Update the module's configuration (no --id needed), by names or from a JSON body.
    ///
    /// By names, only what is given changes; --rule adds a rule or changes the one of that
    /// name. In a JSON body, rules with an id change, rules without one are added,
    /// `{"id": ..., "_delete": true}` removes one (asks first, or --yes).
    #[command(after_help = UPDATE_HELP)]
    Update {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        set: LockingFlags,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Delete the module's configuration (no --id needed): every locked record of the module
    /// is unlocked (asks first, or --yes).
    Delete {
        /// Module API name, e.g. Deals.
        #[arg(long)]
        module: String,
        /// Configuration id (default: the module's one configuration, read first); repeat it
        /// to delete several at once.
        #[arg(long)]
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

const CREATE_HELP: &str = "Examples:
  zoho-access locking create --module Deals --lock-type automatic \\
      --restricted-actions update,delete --editable-fields Description \\
      --rule 'Closed Won: Stage = Closed Won'
  zoho-access locking create --module Deals --lock-type manual \\
      --restricted-actions update --excluded-profiles Administrator

Profiles by name (`zoho-access directory profiles`), fields by API name
(`zoho-access directory fields --module Deals`); criteria as for
`sharing-rules create --help`. A name the org does not have fails
before anything is sent, with the nearest one.
JSON body (--file FILE, or stdin), for scripts:
  {\"lock_type\": \"automatic\", \"restricted_actions\": [\"update\"],
   \"excluded_fields\": [{\"api_name\": \"Description\"}],
   \"lock_excluded_profiles\": [{\"id\": \"PROFILE ID\"}],
   \"locked_for\": \"all_profiles_except_excluded_profiles\",
   \"locking_rules\": [{\"name\": \"Closed Won\",
     \"lock_existing_records\": false,
     \"criteria\": {\"comparator\": \"equal\",
                  \"field\": {\"api_name\": \"Stage\"}, \"value\": \"Closed Won\"}}]}";

const UPDATE_HELP: &str = "Examples:
  zoho-access locking update --module Deals \\
      --restricted-actions update,delete,tags
  zoho-access locking update --module Deals \\
      --rule 'Closed Lost: Stage = Closed Lost'

A module has one configuration: it is read to find its id (and its
rules' ids by name).
JSON body (--file FILE, or stdin): the keys to change, as for create;
in locking_rules, an entry with an id changes that rule, one without
adds a rule, {\"id\": ..., \"_delete\": true} removes one.";

/// The configuration by names; none given: the JSON body.
#[derive(Args, Debug, Default)]
#[command(next_help_heading = "The configuration, by names")]
pub struct LockingFlags {
    /// manual, automatic (by the rules) or both.
    #[arg(long, value_parser = parse_lock_type, conflicts_with = "file")]
    pub lock_type: Option<String>,
    /// What locked records refuse, comma-separated: update, delete, tags, change_owner,
    /// convert.
    #[arg(long, value_name = "ACTIONS", value_delimiter = ',', value_parser = parse_action, conflicts_with = "file")]
    pub restricted_actions: Option<Vec<String>>,
    /// Profiles the lock does not apply to, by name, comma-separated (locked for every
    /// profile but these).
    #[arg(
        long,
        value_name = "PROFILES",
        value_delimiter = ',',
        conflicts_with = "file"
    )]
    pub excluded_profiles: Option<Vec<String>>,
    /// Fields that stay editable on locked records, by API name, comma-separated.
    #[arg(
        long,
        value_name = "FIELDS",
        value_delimiter = ',',
        conflicts_with = "file"
    )]
    pub editable_fields: Option<Vec<String>>,
    /// Whether portal users are locked out too (true or false).
    #[arg(long, value_name = "BOOL", value_parser = parse_bool, conflicts_with = "file")]
    pub lock_for_portal_users: Option<bool>,
    /// An automatic locking rule, 'NAME: CRITERIA' (repeat for several); in an update, a
    /// rule of that name changes, another is added.
    #[arg(long = "rule", value_name = "NAME: CRITERIA", value_parser = parse_rule, conflicts_with = "file")]
    pub rules: Vec<(String, CriteriaSpec)>,
    /// The --rule rules lock the records that already match too.
    #[arg(long, requires = "rules")]
    pub lock_existing_records: bool,
}

impl LockingFlags {
    fn any(&self) -> bool {
        self.lock_type.is_some()
            || self.restricted_actions.is_some()
            || self.excluded_profiles.is_some()
            || self.editable_fields.is_some()
            || self.lock_for_portal_users.is_some()
            || !self.rules.is_empty()
    }
}

fn parse_lock_type(s: &str) -> Result<String, String> {
    known(s, enums::LockType::KNOWN, "lock type").map(str::to_owned)
}

fn parse_action(s: &str) -> Result<String, String> {
    known(
        s.trim(),
        enums::RestrictedAction::KNOWN,
        "restricted action",
    )
    .map(str::to_owned)
}

/// `NAME: CRITERIA`.
fn parse_rule(s: &str) -> Result<(String, CriteriaSpec), String> {
    let Some((name, criteria)) = s.split_once(':') else {
        return Err(
            "write the rule as 'NAME: CRITERIA', e.g. 'Closed Won: Stage = Closed Won'".into(),
        );
    };
    let name = name.trim();
    if name.is_empty() {
        return Err("a locking rule needs a name before the `:`".into());
    }
    let criteria = directory::parse_criteria(criteria)?;
    Ok((name.to_owned(), criteria))
}

/// The JSON body the flags say, every name resolved through the org's directory: for a
/// create (`current` none) or an update of `current` (only what is given; a rule of a name
/// the configuration has changes, by its id).
async fn body_by_names(
    s: &Session,
    module: &str,
    set: LockingFlags,
    current: Option<&types::RecordLockingConfiguration>,
) -> Result<Value, CliError> {
    let with_fields = set.editable_fields.is_some() || !set.rules.is_empty();
    let names = directory::resolver(s, module, with_fields).await?;
    let mut m = serde_json::Map::new();
    match (&set.lock_type, current) {
        (Some(t), _) => {
            m.insert("lock_type".into(), json!(t));
        }
        (None, None) => {
            return Err(CliError::Usage(
                "--lock-type is needed to create a configuration (manual, automatic or both)"
                    .into(),
            ))
        }
        (None, Some(_)) => {}
    }
    if let Some(actions) = &set.restricted_actions {
        m.insert("restricted_actions".into(), json!(actions));
    }
    if let Some(profiles) = &set.excluded_profiles {
        let ids = profiles
            .iter()
            .map(|p| Ok(json!({ "id": names.profile_id(p.trim(), "--excluded-profiles")? })))
            .collect::<Result<Vec<Value>, zoho_crm_access::Error>>()?;
        let locked_for = if ids.is_empty() {
            "all_profiles"
        } else {
            "all_profiles_except_excluded_profiles"
        };
        m.insert("lock_excluded_profiles".into(), Value::Array(ids));
        m.insert("locked_for".into(), json!(locked_for));
    }
    if let Some(fields) = &set.editable_fields {
        let ids = fields
            .iter()
            .map(|f| Ok(json!({ "id": names.field_id(module, f.trim(), "--editable-fields")? })))
            .collect::<Result<Vec<Value>, zoho_crm_access::Error>>()?;
        m.insert("excluded_fields".into(), Value::Array(ids));
    }
    if let Some(b) = set.lock_for_portal_users {
        m.insert("lock_for_portal_users".into(), json!(b));
    }
    if !set.rules.is_empty() {
        let have = current
            .map(|c| c.locking_rules.as_slice())
            .unwrap_or_default();
        let mut entries = Vec::new();
        for (name, criteria) in &set.rules {
            let criteria = names.criteria(module, criteria, "--rule")?;
            let mut entry = json!({
                "criteria": criteria,
                "lock_existing_records": set.lock_existing_records,
            });
            match have.iter().find(|r| r.name.as_str() == name) {
                Some(old) => entry["id"] = json!(old.id),
                None => entry["name"] = json!(name),
            }
            entries.push(entry);
        }
        m.insert("locking_rules".into(), Value::Array(entries));
    }
    if let Some(c) = current {
        m.insert("id".into(), json!(c.id));
    }
    Ok(Value::Object(m))
}

/// Where the JSON body comes from.
#[derive(Args, Debug)]
pub struct Body {
    /// Read the JSON body from this file (`-` or no option: stdin), at most 1 MiB.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// An update given no change flags, no `--file` and a terminal on stdin has nothing to send:
/// say so, with the flags that change something (rather than ask for a body).
fn nothing_to_change(body: &Body) -> Result<(), CliError> {
    use std::io::IsTerminal;
    if body.file.is_none() && std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "nothing to change: give what changes with --lock-type, --restricted-actions, \
             --excluded-profiles, --editable-fields, --lock-for-portal-users or --rule, or a \
             JSON body with --file or on stdin"
                .into(),
        ));
    }
    Ok(())
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
    let module = match &cmd {
        LockingCommand::Get { target } | LockingCommand::Update { target, .. } => {
            target.module.clone()
        }
        LockingCommand::Create { module, .. } | LockingCommand::Delete { module, .. } => {
            module.clone()
        }
    };
    match run_command(s, out, cmd).await {
        Err(e) => Err(directory::with_module_hint(s, Some(&module), e).await),
        ok => ok,
    }
}

async fn run_command(s: &Session, out: &Printer, cmd: LockingCommand) -> Result<(), CliError> {
    match cmd {
        LockingCommand::Get { target } => {
            let handle = s.client.record_locking(&target.module);
            let config = match &target.id {
                Some(id) => handle.get_by_id(id).await?,
                None => handle.get().await?,
            };
            out.when_empty(format!(
                "No record locking configuration for {}.",
                target.module
            ))
            .one(&config)
        }
        LockingCommand::Create {
            module,
            set,
            body,
            write: w,
        } => {
            let item = if set.any() {
                body_by_names(s, &module, set, None).await?
            } else {
                single_item(read_json(body.file.as_deref()).await?, KEY)?
            };
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
            set,
            body,
            write: w,
        } => {
            let mut item = if set.any() {
                let current = the_configuration(s, &target).await?;
                body_by_names(s, &target.module, set, Some(&current)).await?
            } else {
                nothing_to_change(&body)?;
                single_item(read_json(body.file.as_deref()).await?, KEY)?
            };
            if let (Some(id), Value::Object(m)) = (&target.id, &mut item) {
                m.entry("id").or_insert_with(|| Value::String(id.clone()));
            }
            // A module has one configuration: without --id or a body id, it is the one.
            if let Value::Object(m) = &mut item {
                if !m.contains_key("id") {
                    let current = the_configuration(s, &target).await?;
                    m.insert("id".into(), Value::String(current.id));
                }
            }
            let removed = removals(&item);
            let update: types::RecordLockingConfigurationUpdate =
                decode(item, "record locking configuration update")?;
            let impact = if removed > 0 {
                Impact::Confirm(format!(
                    "Remove {} from the record locking configuration of {}",
                    crate::output::counted(removed, "locking rule", "locking rules"),
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
            // A module has one configuration: without --id, it is the one (read only when the
            // delete can be confirmed: a refusal reads nothing).
            if id.is_empty() && !write::can_confirm(&w) {
                write::confirm(
                    &w,
                    Impact::Confirm(format!(
                        "Delete the record locking configuration of {module}: every locked \
                         record of {module} is unlocked"
                    )),
                )
                .await?;
            }
            let id = if id.is_empty() {
                let target = Target {
                    module: module.clone(),
                    id: None,
                };
                vec![the_configuration(s, &target).await?.id]
            } else {
                id
            };
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

/// The module's configuration (by `--id` when given); a usage error when it has none.
async fn the_configuration(
    s: &Session,
    target: &Target,
) -> Result<types::RecordLockingConfiguration, CliError> {
    let handle = s.client.record_locking(&target.module);
    let config = match &target.id {
        Some(id) => handle.get_by_id(id).await?,
        None => handle.get().await?,
    };
    config.ok_or_else(|| {
        CliError::Usage(format!(
            "{} has no record locking configuration{}: create one with `zoho-access locking \
             create --module {}`",
            target.module,
            target
                .id
                .as_deref()
                .map(|i| format!(" with id {i}"))
                .unwrap_or_default(),
            target.module
        ))
    })
}
