//! `zoho-access access check|who`: who can reach which records of a module, and why (the
//! library's `access` model, built from one read of the org).

use std::collections::BTreeMap;

use clap::{Args, Subcommand};
use serde_json::Value;
use zoho_crm_access::access::{
    AccessModel, Action, CheckAnswer, CheckQuery, Explanation, Layer, UserRow, WhoAnswer,
};

use crate::connect::Session;
use crate::output::{write_stdout, Format, Printer};
use crate::terminal::escape;
use crate::CliError;

/// Access commands.
#[derive(Subcommand, Debug)]
pub enum AccessCommand {
    /// Can a user view, edit, delete a record of a module owned by another user? Three
    /// answers (yes, no, unknown) with the settings that grant and limit each.
    Check(CheckArgs),
    /// Every active user's access to records of others in a module, by role, group and
    /// rule.
    Who(WhoArgs),
    /// Write a self-contained HTML page for an access review: per module the org default,
    /// the sharing rules as arrows and who reaches what; the role hierarchy as a tree; the
    /// groups. Nothing in it is fetched from anywhere.
    Report(crate::access_report::ReportArgs),
}

/// Options of `access check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Module API name, e.g. Leads.
    #[arg(long)]
    pub module: String,
    /// The user asking, by e-mail address.
    #[arg(long)]
    pub user: String,
    /// The record's owner, by e-mail address.
    #[arg(long)]
    pub owner: String,
    /// A field value of the record, for criteria-based sharing rules and locking rules
    /// (repeat for several); a criteria reading a field not given is unknown.
    #[arg(long = "field", value_name = "API_NAME=VALUE")]
    pub fields: Vec<String>,
    /// The record is locked.
    #[arg(long)]
    pub locked: bool,
}

/// Options of `access who`.
#[derive(Args, Debug)]
pub struct WhoArgs {
    /// Module API name, e.g. Leads.
    #[arg(long)]
    pub module: String,
}

/// `API_NAME=VALUE` -> (API name, value as text).
fn parse_field(raw: &str) -> Result<(String, Value), CliError> {
    match raw.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), Value::String(value.to_owned())))
        }
        _ => Err(CliError::Usage(format!(
            "--field {raw:?}: write API_NAME=VALUE, e.g. --field City=Miami"
        ))),
    }
}

pub async fn run(s: &Session, format: Option<Format>, cmd: AccessCommand) -> Result<(), CliError> {
    match cmd {
        AccessCommand::Check(args) => {
            zoho_crm_access::Client::check_module_api_name(&args.module)?;
            let fields: BTreeMap<String, Value> = args
                .fields
                .iter()
                .map(|f| parse_field(f))
                .collect::<Result<_, _>>()?;
            let model = AccessModel::load(&s.client, [args.module.clone()]).await?;
            let mut query =
                CheckQuery::new(&args.module, &args.user, &args.owner).with_locked(args.locked);
            query.fields = fields;
            let answer = model.check(&query)?;
            match format.unwrap_or(Format::Table) {
                Format::Table => write_stdout(&check_text(&answer)),
                other => Printer::new(other).one(&answer),
            }
        }
        AccessCommand::Who(args) => {
            zoho_crm_access::Client::check_module_api_name(&args.module)?;
            let model = AccessModel::load(&s.client, [args.module.clone()]).await?;
            let answer = model.who(&args.module)?;
            match format.unwrap_or(Format::Table) {
                Format::Table => write_stdout(&who_text(&answer)),
                other => Printer::new(other).one(&answer),
            }
        }
        AccessCommand::Report(args) => crate::access_report::run(s, format, args).await,
    }
}

fn yes_no(answer: Option<bool>) -> &'static str {
    match answer {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

fn not_covered(layers: &[Layer]) -> String {
    let names: Vec<&str> = layers.iter().map(|l| l.describe()).collect();
    format!("not covered: {}", names.join(", "))
}

/// The three answers and their reasons, for reading.
pub fn check_text(a: &CheckAnswer) -> String {
    let mut out = format!(
        "{} record owned by {}, for {}:\n",
        escape(&a.module),
        escape(&a.owner),
        escape(&a.user)
    );
    for action in Action::ALL {
        out.push_str(&format!(
            "  {:<7} {}\n",
            action.as_str(),
            yes_no(a.answer(action))
        ));
        let e: &Explanation = a.reasons.of(action);
        for (label, findings) in [
            ("granted by", &e.grants),
            ("limited by", &e.limits),
            ("open", &e.open),
        ] {
            for f in findings {
                out.push_str(&format!("      {label}: {}\n", escape(&f.text)));
            }
        }
    }
    out.push_str(&not_covered(&a.not_covered));
    out
}

fn actions(list: &[Action]) -> String {
    if list.is_empty() {
        return "-".to_owned();
    }
    list.iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn user_line(u: &UserRow) -> String {
    let mut line = format!(
        "    {:<32} {:<16} others: {:<17} subordinates: {:<5} peers: {:<4}",
        escape(&u.email),
        escape(u.profile.as_deref().unwrap_or("-")),
        if u.administrator {
            "all (admin)".to_owned()
        } else {
            actions(&u.others)
        },
        u.subordinates,
        u.peers
    );
    if !u.profile_denies.is_empty() {
        line.push_str(&format!(" profile denies: {}", actions(&u.profile_denies)));
    }
    if !u.rules.is_empty() {
        let rules: Vec<String> = u.rules.iter().map(|r| format!("{:?}", escape(r))).collect();
        line.push_str(&format!(" rules: {}", rules.join(", ")));
    }
    line
}

/// The grouped table of `access who`.
pub fn who_text(w: &WhoAnswer) -> String {
    let mut out = format!(
        "{}: org default {} (everyone: {} on records of others); {}\n",
        escape(&w.module),
        w.org_default
            .as_ref()
            .map_or_else(|| "(not known)".to_owned(), |s| s.to_string()),
        actions(&w.everyone),
        w.hierarchy.describe()
    );
    out.push_str("\nBy role\n");
    for r in &w.roles {
        if r.users.is_empty() {
            continue;
        }
        let mut head = format!("  {}", escape(r.role.as_deref().unwrap_or("(no role)")));
        if let Some(p) = &r.reporting_to {
            head.push_str(&format!(" (reports to {})", escape(p)));
        }
        if r.share_with_peers {
            head.push_str(" [shares with peers]");
        }
        out.push_str(&format!("{head}: {} active users\n", r.users.len()));
        for u in &r.users {
            out.push_str(&user_line(u));
            out.push('\n');
        }
    }
    out.push_str("\nBy group\n");
    for g in &w.groups {
        let rules: Vec<String> = g.rules.iter().map(|r| format!("{:?}", escape(r))).collect();
        out.push_str(&format!(
            "  {:<32} {:>5} active users  rules: {}\n",
            escape(&g.group),
            g.active_users,
            if rules.is_empty() {
                "-".to_owned()
            } else {
                rules.join(", ")
            }
        ));
    }
    out.push_str("\nBy rule\n");
    for r in &w.rules {
        out.push_str(&format!(
            "  {:?}: {} on records {} to {} ({} active users{}); adds {}\n",
            escape(&r.rule),
            r.permission,
            escape(&r.records.to_string()),
            escape(&r.to.to_string()),
            r.active_users,
            if r.superiors_allowed {
                format!(", {} more as superiors", r.superiors)
            } else {
                String::new()
            },
            actions(&r.adds)
        ));
    }
    out.push_str(&not_covered(&w.not_covered));
    out
}
