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
use unicode_width::UnicodeWidthStr;

use crate::terminal::{escape, stdout_width, wrap};
use crate::CliError;

/// Access commands.
#[derive(Subcommand, Debug)]
pub enum AccessCommand {
    /// Can a user view, edit, delete a record of a module owned by another user? Three
    /// answers (yes, no, unknown) with the settings that grant and limit each. Text on a
    /// terminal (wrapped to its width), one JSON document when piped; `-o table` piped puts
    /// each reason on one line (for grep).
    Check(CheckArgs),
    /// Every active user's access to records of others in a module, by role, group and
    /// rule. Text on a terminal (wrapped to its width), one JSON document when piped;
    /// `-o table` piped puts each user, group and rule on one line (for grep).
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
            let model = AccessModel::load(&s.client, [args.module.clone()])
                .await
                .map_err(|e| flag_error(e, "--module"))?;
            if !fields.is_empty() {
                known_fields(s, &args.module, &fields).await?;
            }
            let mut query =
                CheckQuery::new(&args.module, &args.user, &args.owner).with_locked(args.locked);
            query.fields = fields;
            let answer = model.check(&query)?;
            match format.unwrap_or_else(Format::for_stdout) {
                Format::Table => write_stdout(&check_text(&answer, width())),
                other => Printer::new(other).one(&answer),
            }
        }
        AccessCommand::Who(args) => {
            zoho_crm_access::Client::check_module_api_name(&args.module)?;
            let model = AccessModel::load(&s.client, [args.module.clone()])
                .await
                .map_err(|e| flag_error(e, "--module"))?;
            let answer = model.who(&args.module)?;
            match format.unwrap_or_else(Format::for_stdout) {
                Format::Table => write_stdout(&who_text(&answer, width())),
                other => Printer::new(other).one(&answer),
            }
        }
        AccessCommand::Report(args) => crate::access_report::run(s, format, args).await,
    }
}

/// A module the org does not have, as the option that named it (`--module leads: the org
/// has no module with the API name "leads" (did you mean "Leads"?)`); any other error as it
/// is.
pub fn flag_error(e: zoho_crm_access::Error, flag: &str) -> CliError {
    match e {
        zoho_crm_access::Error::InvalidInput { what, reason, .. } if what == "module" => {
            CliError::Usage(format!("{flag}: {}", escape(&reason)))
        }
        e => CliError::Zoho(e),
    }
}

/// Refuses a `--field` the module does not have, with the nearest API name (one read of the
/// module's fields).
async fn known_fields(
    s: &Session,
    module: &str,
    fields: &BTreeMap<String, Value>,
) -> Result<(), CliError> {
    let known = s.client.directory().fields(module).await?;
    let names: Vec<&str> = known.iter().map(|f| f.api_name.as_str()).collect();
    for (name, value) in fields {
        if names.contains(&name.as_str()) {
            continue;
        }
        let hint = zoho_crm_access::desired::suggest(name, names.iter().copied())
            .map(|n| format!(" (did you mean {:?}?)", escape(n)))
            .unwrap_or_default();
        return Err(CliError::Usage(format!(
            "--field {}={}: {} has no field {:?}{hint}",
            escape(name),
            escape(value.as_str().unwrap_or_default()),
            escape(module),
            escape(name)
        )));
    }
    Ok(())
}

/// The width text wraps to: the terminal's, when stdout is one; none when piped.
fn width() -> Option<usize> {
    stdout_width().map(usize::from)
}

fn yes_no(answer: Option<bool>) -> &'static str {
    match answer {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

fn not_covered(layers: &[Layer], width: Option<usize>) -> String {
    let names: Vec<&str> = layers.iter().map(|l| l.describe()).collect();
    let label = "not covered: ";
    wrap(&format!("{label}{}", names.join(", ")), width, label.len())
}

/// The fewest columns a reason's text keeps beside its label; a narrower terminal indents
/// its continuation lines less.
const MIN_TEXT: usize = 30;

/// The three answers and their reasons, for reading on a terminal `width` columns wide
/// (`None`: piped, each reason on one line): every line wraps between words (an e-mail
/// address or a quoted name is never cut), a reason's next lines under its text.
pub fn check_text(a: &CheckAnswer, width: Option<usize>) -> String {
    let mut out = wrap(
        &format!(
            "{} record owned by {}, for {}:",
            escape(&a.module),
            escape(&a.owner),
            escape(&a.user)
        ),
        width,
        2,
    );
    out.push('\n');
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
            // Under the reason's text, or a little in when that leaves too little room.
            let under = 6 + label.len() + 2;
            let indent = match width {
                Some(w) if w < under + MIN_TEXT => 8,
                _ => under,
            };
            for f in findings {
                let line = format!("      {label}: {}", escape(&f.text));
                out.push_str(&wrap(&line, width, indent));
                out.push('\n');
            }
        }
    }
    out.push_str(&not_covered(&a.not_covered, width));
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

/// `text` padded with spaces to `width` display columns.
fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}

/// The columns of a user's line: e-mail address, profile, access to others' records,
/// subordinates, peers; then what the profile denies and the rules, when any.
fn user_columns(u: &UserRow) -> (Vec<String>, Vec<String>) {
    let columns = vec![
        escape(&u.email).into_owned(),
        escape(u.profile.as_deref().unwrap_or("-")).into_owned(),
        format!(
            "others: {}",
            if u.administrator {
                "all (admin)".to_owned()
            } else {
                actions(&u.others)
            }
        ),
        format!("subordinates: {}", u.subordinates),
        format!("peers: {}", u.peers),
    ];
    let mut rest = Vec::new();
    if !u.profile_denies.is_empty() {
        rest.push(format!("profile denies: {}", actions(&u.profile_denies)));
    }
    if !u.rules.is_empty() {
        let rules: Vec<String> = u.rules.iter().map(|r| format!("{:?}", escape(r))).collect();
        rest.push(format!("rules: {}", rules.join(", ")));
    }
    (columns, rest)
}

/// The grouped table of `access who`, for reading on a terminal `width` columns wide
/// (`None`: piped, an item a line). A user's columns are as wide as the widest of any user;
/// what does not fit goes on the lines below, indented, a column or a rule name never cut.
pub fn who_text(w: &WhoAnswer, width: Option<usize>) -> String {
    let mut out = wrap(
        &format!(
            "{}: org default {} (everyone: {} on records of others); {}",
            escape(&w.module),
            w.org_default
                .as_ref()
                .map_or_else(|| "(not known)".to_owned(), |s| s.to_string()),
            actions(&w.everyone),
            w.hierarchy.describe()
        ),
        width,
        2,
    );
    out.push('\n');
    let users: Vec<(Vec<String>, Vec<String>)> = w
        .roles
        .iter()
        .flat_map(|r| r.users.iter().map(user_columns))
        .collect();
    let widths: Vec<usize> = (0..5)
        .map(|i| users.iter().map(|(c, _)| c[i].width()).max().unwrap_or(0))
        .collect();
    let mut users = users.into_iter();
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
        head.push_str(&format!(": {}", active_count(r.users.len())));
        out.push_str(&wrap(&head, width, 4));
        out.push('\n');
        for (columns, rest) in users.by_ref().take(r.users.len()) {
            let mut line: Vec<String> = columns
                .iter()
                .zip(&widths)
                .map(|(c, w)| pad(c, *w))
                .collect();
            line.extend(rest);
            out.push_str(&wrap(
                &format!("    {}", line.join("  ").trim_end()),
                width,
                6,
            ));
            out.push('\n');
        }
    }
    out.push_str("\nBy group\n");
    let group_width = w
        .groups
        .iter()
        .map(|g| escape(&g.group).width())
        .max()
        .unwrap_or(0);
    for g in &w.groups {
        let rules: Vec<String> = g.rules.iter().map(|r| format!("{:?}", escape(r))).collect();
        let line = format!(
            "  {}  {:>5} {}  rules: {}",
            pad(&escape(&g.group), group_width),
            g.active_users,
            if g.active_users == 1 {
                "active user "
            } else {
                "active users"
            },
            if rules.is_empty() {
                "-".to_owned()
            } else {
                rules.join(", ")
            }
        );
        out.push_str(&wrap(&line, width, 4));
        out.push('\n');
    }
    out.push_str("\nBy rule\n");
    for r in &w.rules {
        let line = format!(
            "  {:?}: {} on records {} to {} ({}{}); adds {}",
            escape(&r.rule),
            r.permission,
            escape(&r.records.to_string()),
            escape(&r.to.to_string()),
            active_count(r.active_users),
            if r.superiors_allowed {
                format!(", {} more as superiors", r.superiors)
            } else {
                String::new()
            },
            actions(&r.adds)
        );
        out.push_str(&wrap(&line, width, 4));
        out.push('\n');
    }
    out.push_str(&wrap(ACTIVE, width, 0));
    out.push('\n');
    out.push_str(&not_covered(&w.not_covered, width));
    out
}

/// What "active users" counts, as Zoho gives access (a user who is not active, or not
/// confirmed, reaches nothing), where `directory users` shows every user whose status is
/// active, confirmed or not.
pub const ACTIVE: &str = "active users: active and confirmed (an unconfirmed user reaches nothing)";

/// `n` active users, "1 active user" for one.
fn active_count(n: usize) -> String {
    crate::output::counted(n, "active user", "active users")
}
