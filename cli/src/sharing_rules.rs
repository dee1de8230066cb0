//! `zoho-access sharing-rules list|get|create|update|delete|activate|deactivate|search|summary|rerun`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use futures::TryStreamExt;
use serde_json::Value;
use zoho_crm_access::{types, AllSharingRulesHandler, Error, ListRequest, SharingRulesHandler};

use crate::connect::Session;
use crate::input::{decode, read_json, single_item};
use crate::output::Printer;
use crate::write::{self, Impact, WriteArgs};
use crate::CliError;

const KEY: &str = "sharing_rules";

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
    /// Show one rule with its criteria.
    Get {
        /// Rule id.
        #[arg(long)]
        id: String,
        /// The rule's module (optional).
        #[arg(long)]
        module: Option<String>,
    },
    /// Create one rule from a JSON body (bare, or Zoho's envelope).
    Create {
        /// Module API name, e.g. Leads.
        #[arg(long)]
        module: String,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Change one rule; keys absent from the body stay as they are.
    Update {
        #[command(flatten)]
        rule: RuleRef,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Delete one rule (asks first, or --yes).
    Delete {
        #[command(flatten)]
        rule: RuleRef,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Activate one rule.
    Activate {
        #[command(flatten)]
        rule: RuleRef,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Deactivate one rule.
    Deactivate {
        #[command(flatten)]
        rule: RuleRef,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Search rules with filters (`{"filters": [...]}`) from a JSON body.
    Search {
        /// Only this module.
        #[arg(long)]
        module: Option<String>,
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

/// `--module` and `--id` of one rule.
#[derive(Args, Debug)]
pub struct RuleRef {
    /// Module API name, e.g. Leads.
    #[arg(long)]
    pub module: String,
    /// Rule id.
    #[arg(long)]
    pub id: String,
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

fn filters(value: Value) -> Result<types::SharingRuleFilters, CliError> {
    let value = match value {
        Value::Array(items) => serde_json::json!({ "filters": items }),
        other => other,
    };
    decode(value, "filters")
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
    match cmd {
        SharingRulesCommand::List { module, paging } => {
            page_or_all(out, Rules::new(s, module.as_deref()).list(), &paging).await
        }
        SharingRulesCommand::Get { id, module } => {
            out.one(&Rules::new(s, module.as_deref()).get(&id).await?)
        }
        SharingRulesCommand::Create {
            module,
            body,
            write: w,
        } => {
            let item = single_item(read_json(body.file.as_deref()).await?, KEY)?;
            refuse_status(&item)?;
            let rule: types::SharingRuleInput = decode(item, "sharing rule")?;
            let result = write::run(s, out, &w, Impact::Change, |c| async move {
                c.sharing_rules(&module).create(rule).await
            })
            .await?;
            write::print_one(out, result)
        }
        SharingRulesCommand::Update {
            rule,
            body,
            write: w,
        } => {
            let item = single_item(read_json(body.file.as_deref()).await?, KEY)?;
            refuse_status(&item)?;
            let changes: types::SharingRuleUpdate = decode(item, "sharing rule update")?;
            let result = write::run(s, out, &w, Impact::Change, |c| async move {
                c.sharing_rules(&rule.module)
                    .update(&rule.id, changes)
                    .await
            })
            .await?;
            write::print_one(out, result)
        }
        SharingRulesCommand::Delete { rule, write: w } => {
            let lookup = s.client.sharing_rules(&rule.module).get(&rule.id);
            let impact = Impact::item(
                "Delete sharing rule",
                &rule.id,
                format!("of {}", rule.module),
                async move { lookup.await.ok().flatten().map(|r| r.name) },
            );
            let result = write::run(s, out, &w, impact, |c| async move {
                c.sharing_rules(&rule.module).delete(&rule.id).await
            })
            .await?;
            write::print_one(out, result)
        }
        SharingRulesCommand::Activate { rule, write: w } => {
            let result = write::run(s, out, &w, Impact::Change, |c| async move {
                c.sharing_rules(&rule.module).activate(&rule.id).await
            })
            .await?;
            write::print_one(out, result)
        }
        SharingRulesCommand::Deactivate { rule, write: w } => {
            let result = write::run(s, out, &w, Impact::Change, |c| async move {
                c.sharing_rules(&rule.module).deactivate(&rule.id).await
            })
            .await?;
            write::print_one(out, result)
        }
        SharingRulesCommand::Search {
            module,
            paging,
            body,
        } => {
            let f = filters(read_json(body.file.as_deref()).await?)?;
            page_or_all(out, Rules::new(s, module.as_deref()).search(f), &paging).await
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
            out.many(&summary)
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
