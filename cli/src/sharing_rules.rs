//! `zoho-access sharing-rules list|get|create|update|delete|activate|deactivate|search|summary|rerun`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use futures::TryStreamExt;
use serde_json::Value;
use zoho_crm_access::desired::{Audience, CriteriaSpec};
use zoho_crm_access::{
    enums, types, AllSharingRulesHandler, Error, ListRequest, SharingRulesHandler,
};

use crate::connect::Session;
use crate::directory::{self, parse_audience, parse_bool, parse_criteria, parse_permission};
use crate::input::{decode, read_json, single_item};
use crate::output::Printer;
use crate::write::{self, Impact, WriteArgs};
use crate::CliError;

const KEY: &str = "sharing_rules";

/// A rule list's columns by importance: a list of rules is read for who gets which records
/// from whom, so at 80 columns the id, the name and who it shares with come before the
/// permission, the status and the type (see `table::fit`; the module, the same in every row,
/// goes last).
const LIST_COLUMNS: &[&str] = &[
    "module",
    "id",
    "name",
    "shared_to",
    "shared_from",
    "permission_type",
    "status",
    "type",
    "criteria",
];

/// The usage line of a command choosing one rule, on two lines: on one, it ran past 80
/// columns.
macro_rules! usage {
    ($name:literal) => {
        concat!(
            "zoho-access sharing-rules ",
            $name,
            " [OPTIONS] --module <MODULE>\n       <--id <ID>|--name <NAME>>"
        )
    };
}

/// Sharing rule commands.
#[derive(Subcommand, Debug)]
pub enum SharingRulesCommand {
    /// List rules (one page, or every page with --all). List items carry no criteria.
    List {
        /// Only this module.
        #[arg(long)]
        module: Option<String>,
        #[command(flatten)]
        paging: Paging,
    },
    /// Show one rule with its criteria, by id or by name.
    #[command(group(clap::ArgGroup::new("rule").required(true).args(["id", "name"])))]
    Get {
        /// Rule id.
        #[arg(long, conflicts_with = "name")]
        id: Option<String>,
        /// Rule name (with --module).
        #[arg(long, requires = "module")]
        name: Option<String>,
        /// The rule's module (optional with --id).
        #[arg(long)]
        module: Option<String>,
    },
    /// Create one rule, by names or from a JSON body.
    ///
    /// By names: who gets the records (--to), which records (--criteria, or --from for the
    /// records these users own) and what they may do (--permission). For scripts, a JSON
    /// body (bare, or Zoho's envelope) with ids.
    #[command(after_help = CREATE_HELP)]
    Create {
        /// Module API name, e.g. Leads.
        #[arg(long)]
        module: String,
        #[command(flatten)]
        rule: RuleFlags,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Change one rule, by names or from a JSON body: only what is given changes.
    ///
    /// The rule is chosen by --id or --name; it is read first, and what Zoho requires in
    /// every update is sent from it.
    #[command(after_help = UPDATE_HELP)]
    #[command(override_usage = usage!("update"))]
    Update {
        #[command(flatten)]
        rule: RuleChoice,
        /// A new name for the rule.
        #[arg(long, value_name = "NAME", conflicts_with = "file")]
        rename: Option<String>,
        #[command(flatten)]
        changes: ChangeFlags,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Delete one rule, by --id or --name (asks first, or --yes).
    #[command(override_usage = usage!("delete"))]
    Delete {
        #[command(flatten)]
        rule: RuleChoice,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Activate one rule, by --id or --name.
    #[command(override_usage = usage!("activate"))]
    Activate {
        #[command(flatten)]
        rule: RuleChoice,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Deactivate one rule, by --id or --name.
    #[command(override_usage = usage!("deactivate"))]
    Deactivate {
        #[command(flatten)]
        rule: RuleChoice,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Search rules by names and settings, or with Zoho's filters from a JSON body.
    ///
    /// Every option given must hold; the body is `{"filters": [...]}`.
    #[command(after_help = SEARCH_HELP)]
    Search {
        /// Only this module.
        #[arg(long)]
        module: Option<String>,
        #[command(flatten)]
        filters: SearchFlags,
        #[command(flatten)]
        paging: Paging,
        #[command(flatten)]
        body: Body,
    },
    /// Rule count and computation status per module; with --file (or --filtered and stdin),
    /// counts only rules matching the filters.
    Summary {
        /// Only this module.
        #[arg(long)]
        module: Option<String>,
        /// Read filters from stdin.
        #[arg(long)]
        filtered: bool,
        /// Read filters from this file (`-`: stdin), at most 1 MiB.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Schedule a recomputation of the module's rules.
    Rerun {
        /// Module API name, e.g. Leads.
        #[arg(long)]
        module: String,
        #[command(flatten)]
        write: WriteArgs,
    },
}

const CREATE_HELP: &str = "Examples:
  zoho-access sharing-rules create --module Leads --name 'Miami leads' \\
      --to group:'Miami Users' --permission read_write \\
      --criteria 'City = Miami and State = Florida'
  zoho-access sharing-rules create --module Leads --name \"Reps' leads\" \\
      --from role_and_subordinates:'Sales Representative' \\
      --to role:Manager --permission read_write_delete

Who (--to, --from): all_users (--to only), role:NAME,
role_and_subordinates:NAME, group:NAME, by the names that
`zoho-access directory roles` and `directory groups` list.
Criteria: FIELD COMPARATOR VALUE joined by `and` / `or` (`and` binds
tighter), grouped with ( ); fields by API name (`zoho-access directory
fields --module Leads`); comparators = != < <= > >= or Zoho's words
(equal, not_equal, contains, not_contains, starts_with, ends_with,
less_than, less_equal, greater_than, greater_equal, between,
not_between); values bare words, \"quoted\", or a JSON array
([10, 20] for between).
A name the org does not have fails before anything is sent, with the
nearest one.

JSON body (--file FILE, or stdin), for scripts:
  {\"name\": \"Miami leads\", \"type\": \"Criteria_Based\",
   \"superiors_allowed\": false, \"permission_type\": \"read_write\",
   \"shared_to\": {\"type\": \"groups\", \"resource\": {\"id\": \"GROUP ID\"}},
   \"criteria\": {\"comparator\": \"equal\", \"field\": {\"api_name\": \"City\"},
                \"value\": \"Miami\"}}
  Owner-based: \"type\": \"Record_Owner_Based\" and \"shared_from\" (as
  shared_to; roles may add \"subordinates\": true) instead of criteria.";

const UPDATE_HELP: &str = "Examples:
  zoho-access sharing-rules update --module Leads --name 'Miami leads' \\
      --permission read
  zoho-access sharing-rules update --module Leads \\
      --id 5843104000000895001 --criteria 'City = Orlando'

Who, criteria: as for `sharing-rules create`. Status is changed by
`activate` and `deactivate`.
JSON body (--file FILE, or stdin): the keys to change, such as
{\"permission_type\": \"read\"}; `type` and `superiors_allowed`, which
Zoho requires in every update, are taken from the rule when the body
leaves them out.";

const SEARCH_HELP: &str = "Examples:
  zoho-access sharing-rules search --module Leads --to group:'Miami Users'
  zoho-access sharing-rules search --name 'Miami%' --status active

--name is Zoho's `like`: `%` matches any text, and a name without `%`
matches as a part. --to and --from role:NAME also find
role_and_subordinates:NAME (Zoho filters by the role).
JSON body (--file FILE, or stdin), Zoho's filters:
  {\"filters\": [{\"group_operator\": \"and\", \"group\": [
    {\"field\": {\"api_name\": \"name\"}, \"comparator\": \"like\",
     \"value\": \"Miami%\"},
    {\"field\": {\"api_name\": \"shared_to.resource.id\"},
     \"comparator\": \"in\", \"value\": [\"GROUP ID\"]}]}]}
  Keys and their one comparator: name (like); status,
  superiors_allowed, permission_type, shared_to.type, shared_from.type
  (equal); shared_to.resource.id, shared_from.resource.id (in).";

/// A rule by names, for `create`; none given: the JSON body.
#[derive(Args, Debug)]
#[command(next_help_heading = "The rule, by names")]
pub struct RuleFlags {
    /// The rule's name (unique in the module).
    #[arg(long, conflicts_with = "file", requires_all = ["to", "permission"])]
    pub name: Option<String>,
    #[command(flatten)]
    pub set: ChangeFlags,
}

/// The settings a rule has, by names; in `update`, only those given change.
#[derive(Args, Debug, Default)]
#[command(next_help_heading = "The rule, by names")]
pub struct ChangeFlags {
    /// Who gets the records: all_users, role:NAME, role_and_subordinates:NAME, group:NAME.
    #[arg(long, value_name = "WHO", value_parser = parse_audience, conflicts_with = "file")]
    pub to: Option<Audience>,
    /// Owner-based: the records these users own (role:NAME, role_and_subordinates:NAME,
    /// group:NAME).
    #[arg(long, value_name = "WHO", value_parser = parse_audience, conflicts_with_all = ["criteria", "file"])]
    pub from: Option<Audience>,
    /// Criteria-based: the records matching, e.g. 'City = Miami and State = Florida'.
    #[arg(long, value_parser = parse_criteria, conflicts_with = "file")]
    pub criteria: Option<CriteriaSpec>,
    /// What they may do: read, read_write, read_write_delete.
    #[arg(long, value_parser = parse_permission, conflicts_with = "file")]
    pub permission: Option<enums::PermissionType>,
    /// Whether the superiors of those users get access too (create: default false).
    #[arg(long, value_name = "BOOL", value_parser = parse_bool, conflicts_with = "file")]
    pub superiors_allowed: Option<bool>,
}

impl ChangeFlags {
    fn any(&self) -> bool {
        self.to.is_some()
            || self.from.is_some()
            || self.criteria.is_some()
            || self.permission.is_some()
            || self.superiors_allowed.is_some()
    }
}

/// One rule of a module, by id or by name: one of the two is required (a usage error
/// without either names both).
#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("rule").required(true).args(["id", "name"])))]
pub struct RuleChoice {
    /// Module API name, e.g. Leads.
    #[arg(long)]
    pub module: String,
    /// Rule id.
    #[arg(long, conflicts_with = "name")]
    pub id: Option<String>,
    /// Rule name.
    #[arg(long)]
    pub name: Option<String>,
}

/// Search by names and settings; none given: the JSON body.
#[derive(Args, Debug)]
#[command(next_help_heading = "Search by names")]
pub struct SearchFlags {
    /// Rule name, `%` matching any text; without `%`, a part of the name.
    #[arg(long, conflicts_with = "file")]
    pub name: Option<String>,
    /// Shared with: all_users, role:NAME, role_and_subordinates:NAME, group:NAME.
    #[arg(long, value_name = "WHO", value_parser = parse_audience, conflicts_with = "file")]
    pub to: Option<Audience>,
    /// Shares the records of: role:NAME, role_and_subordinates:NAME, group:NAME.
    #[arg(long, value_name = "WHO", value_parser = parse_audience, conflicts_with = "file")]
    pub from: Option<Audience>,
    /// read, read_write or read_write_delete.
    #[arg(long, value_parser = parse_permission, conflicts_with = "file")]
    pub permission: Option<enums::PermissionType>,
    /// active or inactive.
    #[arg(long, value_parser = ["active", "inactive"], conflicts_with = "file")]
    pub status: Option<String>,
    /// true or false.
    #[arg(long, value_name = "BOOL", value_parser = parse_bool, conflicts_with = "file")]
    pub superiors_allowed: Option<bool>,
}

impl SearchFlags {
    fn any(&self) -> bool {
        self.name.is_some()
            || self.to.is_some()
            || self.from.is_some()
            || self.permission.is_some()
            || self.status.is_some()
            || self.superiors_allowed.is_some()
    }
}

/// Paging options.
#[derive(Args, Debug)]
pub struct Paging {
    /// Page to fetch (1-based).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub page: u32,
    /// Rules per page (1 to 200).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub per_page: Option<u32>,
    /// Fetch every page from --page on and print all rules as one list.
    #[arg(long)]
    pub all: bool,
}

/// Where the JSON body comes from.
#[derive(Args, Debug)]
pub struct Body {
    /// Read the JSON body from this file (`-` or no option: stdin), at most 1 MiB.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// The reading commands' rules: one module's, or every module's when `--module` is left out
/// (the library gives the two different handlers: only one module's rules can be written).
enum Rules {
    Module(SharingRulesHandler),
    All(AllSharingRulesHandler),
}

impl Rules {
    fn new(s: &Session, module: Option<&str>) -> Self {
        match module {
            Some(m) => Rules::Module(s.client.sharing_rules(m)),
            None => Rules::All(s.client.sharing_rules_all()),
        }
    }

    fn list(&self) -> ListRequest {
        match self {
            Rules::Module(h) => h.list(),
            Rules::All(h) => h.list(),
        }
    }

    fn search(&self, filters: types::SharingRuleFilters) -> ListRequest {
        match self {
            Rules::Module(h) => h.search(filters),
            Rules::All(h) => h.search(filters),
        }
    }

    async fn get(&self, id: &str) -> Result<Option<types::SharingRule>, Error> {
        match self {
            Rules::Module(h) => h.get(id).await,
            Rules::All(h) => h.get(id).await,
        }
    }

    async fn summary(
        &self,
        filters: Option<types::SharingRuleFilters>,
    ) -> Result<Vec<types::RulesSummary>, Error> {
        match (self, filters) {
            (Rules::Module(h), None) => h.summary().await,
            (Rules::Module(h), Some(f)) => h.search_summary(f).await,
            (Rules::All(h), None) => h.summary().await,
            (Rules::All(h), Some(f)) => h.search_summary(f).await,
        }
    }
}

/// `status` is read-only: Zoho answers `NOT_ALLOWED` when a create or update carries it, and
/// the typed body has no place for it, so say so instead of dropping it silently.
fn refuse_status(item: &Value) -> Result<(), CliError> {
    if item.get("status").is_some() {
        return Err(CliError::Usage(
            "`status` cannot be sent (Zoho answers NOT_ALLOWED): remove it, and use \
             `sharing-rules activate` or `deactivate` to change a rule's status"
                .into(),
        ));
    }
    Ok(())
}

/// An update given no change flags, no `--file` and a terminal on stdin has nothing to send:
/// say so, with the flags that change something (rather than ask for a body).
fn nothing_to_change(body: &Body) -> Result<(), CliError> {
    use std::io::IsTerminal;
    if body.file.is_none() && std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "nothing to change: give what changes with --rename, --to, --from, --criteria, \
             --permission or --superiors-allowed (status: `sharing-rules activate` or \
             `deactivate`), or a JSON body with --file or on stdin"
                .into(),
        ));
    }
    Ok(())
}

fn filters(value: Value) -> Result<types::SharingRuleFilters, CliError> {
    let value = match value {
        Value::Array(items) => serde_json::json!({ "filters": items }),
        other => other,
    };
    decode(value, "filters")
}

/// ` for Leads` when a module was given, for the words of an empty answer.
fn in_module(module: &Option<String>) -> String {
    module
        .as_deref()
        .map(|m| format!(" for {m}"))
        .unwrap_or_default()
}

async fn page_or_all(out: &Printer, mut req: ListRequest, paging: &Paging) -> Result<(), CliError> {
    req = req.page(paging.page);
    if let Some(n) = paging.per_page {
        req = req.per_page(n);
    }
    if paging.all {
        let rules: Vec<types::SharingRule> = req.stream().try_collect().await?;
        out.many(&rules)
    } else {
        let page = req.send().await?;
        match &page.info {
            Some(info) => out.page(&page.sharing_rules, info),
            None => out.many(&page.sharing_rules),
        }
    }
}

pub async fn run(s: &Session, out: &Printer, cmd: SharingRulesCommand) -> Result<(), CliError> {
    let module = cmd.module().map(str::to_owned);
    match run_command(s, out, cmd).await {
        Err(e) => Err(directory::with_module_hint(s, module.as_deref(), e).await),
        ok => ok,
    }
}

impl SharingRulesCommand {
    /// The `--module` given, if any.
    fn module(&self) -> Option<&str> {
        match self {
            SharingRulesCommand::List { module, .. }
            | SharingRulesCommand::Get { module, .. }
            | SharingRulesCommand::Search { module, .. }
            | SharingRulesCommand::Summary { module, .. } => module.as_deref(),
            SharingRulesCommand::Create { module, .. }
            | SharingRulesCommand::Rerun { module, .. } => Some(module),
            SharingRulesCommand::Update { rule, .. } => Some(&rule.module),
            SharingRulesCommand::Delete { rule, .. }
            | SharingRulesCommand::Activate { rule, .. }
            | SharingRulesCommand::Deactivate { rule, .. } => Some(&rule.module),
        }
    }
}

async fn run_command(s: &Session, out: &Printer, cmd: SharingRulesCommand) -> Result<(), CliError> {
    match cmd {
        SharingRulesCommand::List { module, paging } => {
            let out = out
                .columns(LIST_COLUMNS)
                .when_empty(format!("No sharing rules{}.", in_module(&module)));
            page_or_all(&out, Rules::new(s, module.as_deref()).list(), &paging).await
        }
        SharingRulesCommand::Get { id, name, module } => match (id, name, module) {
            (Some(id), _, module) => out.one(&Rules::new(s, module.as_deref()).get(&id).await?),
            (None, name, Some(module)) => {
                let choice = RuleChoice {
                    module,
                    id: None,
                    name,
                };
                out.one(&chosen_rule(s, &choice).await?)
            }
            (None, _, None) => Err(CliError::Usage("give --id, or --module and --name".into())),
        },
        SharingRulesCommand::Create {
            module,
            rule: flags,
            body,
            write: w,
        } => {
            let rule = match flags.name {
                Some(name) => rule_by_names(s, &module, name, flags.set).await?,
                None if flags.set.any() => {
                    return Err(CliError::Usage(
                        "--name is needed to create a rule by names (or give no rule options \
                         and a JSON body)"
                            .into(),
                    ))
                }
                None => {
                    let item = single_item(read_json(body.file.as_deref()).await?, KEY)?;
                    refuse_status(&item)?;
                    decode(item, "sharing rule")?
                }
            };
            let result = write::run(s, out, &w, Impact::Change, |c| async move {
                c.sharing_rules(&module).create(rule).await
            })
            .await?;
            write::print_one(out, result)
        }
        SharingRulesCommand::Update {
            rule: choice,
            rename,
            changes: flags,
            body,
            write: w,
        } => {
            let module = choice.module.clone();
            let (id, changes) = if flags.any() || rename.is_some() {
                let current = chosen_rule(s, &choice).await?;
                let changes = update_by_names(s, &module, &current, rename, flags).await?;
                (current.id, changes)
            } else {
                nothing_to_change(&body)?;
                let item = single_item(read_json(body.file.as_deref()).await?, KEY)?;
                refuse_status(&item)?;
                let complete =
                    item.get("type").is_some() && item.get("superiors_allowed").is_some();
                match (&choice.id, complete) {
                    // Everything Zoho requires is there: sent as it is, nothing read.
                    (Some(id), true) => (id.clone(), decode(item, "sharing rule update")?),
                    _ => {
                        let current = chosen_rule(s, &choice).await?;
                        let item = with_required(item, &current)?;
                        (current.id, decode(item, "sharing rule update")?)
                    }
                }
            };
            let result = write::run(s, out, &w, Impact::Change, |c| async move {
                c.sharing_rules(&module).update(&id, changes).await
            })
            .await?;
            write::print_one(out, result)
        }
        SharingRulesCommand::Delete { rule, write: w } => {
            let (id, known_name) = chosen_rule_id(s, &rule).await?;
            let module = rule.module;
            let lookup = s.client.sharing_rules(&module).get(&id);
            let impact = Impact::item(
                "Delete sharing rule",
                &id,
                format!("of {module}"),
                async move {
                    match known_name {
                        Some(name) => Some(name),
                        None => lookup.await.ok().flatten().map(|r| r.name),
                    }
                },
            );
            let result = write::run(s, out, &w, impact, |c| async move {
                c.sharing_rules(&module).delete(&id).await
            })
            .await?;
            write::print_one(out, result)
        }
        SharingRulesCommand::Activate { rule, write: w } => {
            let (id, _) = chosen_rule_id(s, &rule).await?;
            let result = write::run(s, out, &w, Impact::Change, |c| async move {
                c.sharing_rules(&rule.module).activate(&id).await
            })
            .await?;
            write::print_one(out, result)
        }
        SharingRulesCommand::Deactivate { rule, write: w } => {
            let (id, _) = chosen_rule_id(s, &rule).await?;
            let result = write::run(s, out, &w, Impact::Change, |c| async move {
                c.sharing_rules(&rule.module).deactivate(&id).await
            })
            .await?;
            write::print_one(out, result)
        }
        SharingRulesCommand::Search {
            module,
            filters: flags,
            paging,
            body,
        } => {
            let f = if flags.any() {
                search_by_names(s, module.as_deref(), flags).await?
            } else {
                filters(read_json(body.file.as_deref()).await?)?
            };
            let out = out.when_empty(format!(
                "No sharing rules{} match the filters.",
                in_module(&module)
            ));
            page_or_all(&out, Rules::new(s, module.as_deref()).search(f), &paging).await
        }
        SharingRulesCommand::Summary {
            module,
            filtered,
            file,
        } => {
            let f = if filtered || file.is_some() {
                Some(filters(read_json(file.as_deref()).await?)?)
            } else {
                None
            };
            let summary = Rules::new(s, module.as_deref()).summary(f).await?;
            out.when_empty(format!("No sharing rules{}.", in_module(&module)))
                .many(&summary)
        }
        SharingRulesCommand::Rerun { module, write: w } => {
            let result = write::run(s, out, &w, Impact::Change, |c| async move {
                c.sharing_rules(&module).rerun().await
            })
            .await?;
            write::print_one(out, result)
        }
    }
}

/// A create body from names: every name resolved through the org's directory, as a
/// desired-state plan resolves them ("no user group named ... (did you mean ...)").
async fn rule_by_names(
    s: &Session,
    module: &str,
    name: String,
    set: ChangeFlags,
) -> Result<types::SharingRuleInput, CliError> {
    let (Some(to), Some(permission)) = (set.to, set.permission) else {
        return Err(CliError::Usage("a rule needs --to and --permission".into()));
    };
    let names = directory::resolver(s, module, set.criteria.is_some()).await?;
    let to = names.shared_to(&to, "--to")?;
    let mut input = match (set.from, set.criteria) {
        (Some(from), None) => types::SharingRuleInput::owner_based(
            name,
            names.shared_from(&from, "--from")?,
            to,
            permission,
        ),
        (None, Some(c)) => types::SharingRuleInput::criteria_based(
            name,
            names.criteria(module, &c, "--criteria")?,
            to,
            permission,
        ),
        _ => {
            return Err(CliError::Usage(
                "say which records: --criteria (the records that match) or --from (the \
                 records these users own)"
                    .into(),
            ))
        }
    };
    input.superiors_allowed = set.superiors_allowed.unwrap_or(false);
    Ok(input)
}

/// The rule `choice` names, read in full (with its criteria): by id, or by name among the
/// module's rules (the nearest name suggested when none has it).
async fn chosen_rule(s: &Session, choice: &RuleChoice) -> Result<types::SharingRule, CliError> {
    let (id, _) = chosen_rule_id(s, choice).await?;
    s.client
        .sharing_rules(&choice.module)
        .get(&id)
        .await?
        .ok_or_else(|| {
            CliError::Usage(format!(
                "--id: no sharing rule with id {id} in {}",
                choice.module
            ))
        })
}

/// The id of the rule `choice` names, and its name when it was chosen by name: `--id` as
/// given (nothing read), or the one rule of the module with that `--name` (the module's rules
/// read; the nearest name suggested when none has it, the ids listed when several do).
async fn chosen_rule_id(
    s: &Session,
    choice: &RuleChoice,
) -> Result<(String, Option<String>), CliError> {
    let handler = s.client.sharing_rules(&choice.module);
    let id =
        match (&choice.id, &choice.name) {
            (Some(id), _) => return Ok((id.clone(), None)),
            (None, Some(name)) => {
                let rules: Vec<types::SharingRule> =
                    handler.list().per_page(200).stream().try_collect().await?;
                let found: Vec<&types::SharingRule> =
                    rules.iter().filter(|r| &r.name == name).collect();
                match found.as_slice() {
                    [one] => one.id.clone(),
                    [] => {
                        let hint = zoho_crm_access::desired::suggest(
                            name,
                            rules.iter().map(|r| r.name.as_str()),
                        )
                        .map(|n| format!(" (did you mean {n:?}?)"))
                        .unwrap_or_default();
                        return Err(CliError::Usage(format!(
                            "--name: no sharing rule named {name:?} in {}{hint}",
                            choice.module
                        )));
                    }
                    many => {
                        return Err(CliError::Usage(format!(
                        "--name: {} sharing rules of {} are named {name:?} (ids {}): choose one \
                         with --id",
                        many.len(),
                        choice.module,
                        many.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", ")
                    )))
                    }
                }
            }
            (None, None) => return Err(CliError::Usage("give --id or --name".into())),
        };
    Ok((id, choice.name.clone()))
}

/// An update body from names: only what was given, plus the rule's own `type` and
/// `superiors_allowed` (Zoho requires both in every update); `--criteria` makes the rule
/// criteria-based, `--from` owner-based.
async fn update_by_names(
    s: &Session,
    module: &str,
    current: &types::SharingRule,
    rename: Option<String>,
    set: ChangeFlags,
) -> Result<types::SharingRuleUpdate, CliError> {
    let names = directory::resolver(s, module, set.criteria.is_some()).await?;
    let mut update = types::SharingRuleUpdate::new(
        set.superiors_allowed
            .or(current.superiors_allowed)
            .unwrap_or(false),
        current.type_.clone(),
    );
    if let Some(name) = rename {
        if name.trim().is_empty() {
            return Err(CliError::Usage(
                "--rename: a rule's name is not blank".into(),
            ));
        }
        update.name = Some(name);
    }
    update.permission_type = set.permission;
    if let Some(to) = &set.to {
        update.shared_to = Some(names.shared_to(to, "--to")?);
    }
    if let Some(from) = &set.from {
        update.shared_from = Some(names.shared_from(from, "--from")?);
        update.type_ = enums::SharingRuleType::RecordOwnerBased;
    }
    if let Some(c) = &set.criteria {
        update.criteria = Some(names.criteria(module, c, "--criteria")?);
        update.type_ = enums::SharingRuleType::CriteriaBased;
    }
    Ok(update)
}

/// A JSON update body with what Zoho requires in every update taken from the rule when the
/// body leaves it out: `superiors_allowed`, and `type` (from the body's `criteria` or
/// `shared_from` when it has one, else the rule's). Keys the body gives are sent as given.
fn with_required(item: Value, current: &types::SharingRule) -> Result<Value, CliError> {
    let Value::Object(mut m) = item else {
        return Err(CliError::Usage(
            "a sharing rule update is a JSON object".into(),
        ));
    };
    if !m.contains_key("type") {
        let kind = if m.get("criteria").is_some_and(|c| !c.is_null()) {
            enums::SharingRuleType::CriteriaBased
        } else if m.get("shared_from").is_some_and(|c| !c.is_null()) {
            enums::SharingRuleType::RecordOwnerBased
        } else {
            current.type_.clone()
        };
        m.insert("type".into(), Value::String(kind.as_str().to_owned()));
    }
    if !m.contains_key("superiors_allowed") {
        m.insert(
            "superiors_allowed".into(),
            Value::Bool(current.superiors_allowed.unwrap_or(false)),
        );
    }
    Ok(Value::Object(m))
}

/// Zoho's filters from names: every option given must hold (`and`).
async fn search_by_names(
    s: &Session,
    module: Option<&str>,
    f: SearchFlags,
) -> Result<types::SharingRuleFilters, CliError> {
    use zoho_crm_access::criteria::{filter, SearchFilter};
    let mut all: Vec<SearchFilter> = Vec::new();
    if let Some(name) = f.name {
        all.push(filter("name").like(name));
    }
    if let Some(p) = f.permission {
        all.push(filter("permission_type").equal(p.as_str()));
    }
    if let Some(st) = f.status {
        all.push(filter("status").equal(st));
    }
    if let Some(b) = f.superiors_allowed {
        all.push(filter("superiors_allowed").equal(b.to_string()));
    }
    if f.to.is_some() || f.from.is_some() {
        let names = directory::resolver_for(s, module).await?;
        for (side, who) in [("shared_to", f.to), ("shared_from", f.from)] {
            let Some(who) = who else { continue };
            let option = if side == "shared_to" {
                "--to"
            } else {
                "--from"
            };
            let (kind, id) = match &who {
                Audience::AllUsers => ("all_users", None),
                Audience::Role(n) | Audience::RoleAndSubordinates(n) => {
                    ("roles", Some(names.role_id(n, option)?))
                }
                Audience::Group(n) => ("groups", Some(names.group_id(n, option)?)),
                _ => {
                    return Err(CliError::Usage(format!(
                        "{option}: {who} cannot be searched"
                    )))
                }
            };
            all.push(filter(format!("{side}.type")).equal(kind));
            if let Some(id) = id {
                all.push(filter(format!("{side}.resource.id")).is_in([id]));
            }
        }
    }
    let mut it = all.into_iter();
    let Some(first) = it.next() else {
        return Err(CliError::Usage("nothing to search by".into()));
    };
    Ok(it.fold(first, SearchFilter::and).build())
}
