//! `zoho-access directory roles|groups|profiles|users|modules|fields`: the names the other
//! commands take (`--to group:"Miami Users"`, `--criteria 'City = Miami'`), with their ids;
//! and what those commands share to turn names into ids: one [`Resolver`], the library's,
//! which a desired-state plan uses too (same checks, same "did you mean").
//!
//! Each list is one document as every list is (`{"items": [...]}`), with a few keys per item
//! (names first, then the id); the table is for reading: roles as a tree, groups with their
//! members.

use clap::{Args, Subcommand};
use futures::{StreamExt, TryStreamExt};
use serde_json::{json, Map, Value};
use zoho_crm_access::desired::{suggest, Audience, CriteriaSpec, Resolver};
use zoho_crm_access::{enums, types};

use crate::connect::Session;
use crate::output::Printer;
use crate::{table, terminal, CliError};

/// The directory's lists.
#[derive(Subcommand, Debug)]
pub enum DirectoryCommand {
    /// Roles as a tree (who reports to whom), for --to/--from role:NAME.
    Roles,
    /// User groups with their members, for --to/--from group:NAME.
    Groups,
    /// Profiles (lite and support ones too), for locking's excluded profiles.
    Profiles,
    /// Users with their role and profile.
    Users(UsersArgs),
    /// Modules by API name, for --module.
    Modules,
    /// A module's fields by API name, for --criteria and locking's editable fields.
    Fields {
        /// Module API name, e.g. Leads.
        #[arg(long)]
        module: String,
    },
}

/// `directory users` options.
#[derive(Args, Debug)]
pub struct UsersArgs {
    /// Which users: AllUsers, ActiveUsers, DeactiveUsers, AdminUsers ... (Zoho's `type`).
    #[arg(long = "type", value_name = "TYPE", default_value = "AllUsers")]
    pub kind: String,
}

/// A user list's columns by importance: commands take a user by e-mail address (`access
/// check`), never by id, and the address names the person; so at 80 columns the address,
/// role, profile and status show whole, the full name and the id after them when there is
/// room.
const USER_COLUMNS: &[&str] = &["email", "role", "profile", "status", "full_name", "id"];

/// How many group member lists are read at once.
const READS_AT_ONCE: usize = 4;

fn text(v: &Value, key: &str) -> Value {
    match v.get(key) {
        Some(Value::Null) | None => Value::Null,
        Some(x) => x.clone(),
    }
}

fn nested_name(v: &Value, key: &str) -> Value {
    text(v.get(key).unwrap_or(&Value::Null), "name")
}

fn pick(v: &Value, keys: &[(&str, Value)]) -> Value {
    let mut m = Map::new();
    for (k, value) in keys {
        m.insert((*k).to_owned(), value.clone());
    }
    if let Some(id) = v.get("id") {
        m.insert("id".into(), id.clone());
    }
    Value::Object(m)
}

fn values<T: serde::Serialize>(items: &[T]) -> Vec<Value> {
    items
        .iter()
        .map(|i| serde_json::to_value(i).unwrap_or(Value::Null))
        .collect()
}

pub async fn run(s: &Session, out: &Printer, cmd: DirectoryCommand) -> Result<(), CliError> {
    let dir = s.client.directory();
    match cmd {
        DirectoryCommand::Roles => {
            let roles = values(&dir.roles().await?);
            let items = role_tree(&roles);
            let doc = json!({ "items": items });
            out.when_empty("No roles.").document(&doc, tree_table)
        }
        DirectoryCommand::Groups => {
            let groups: Vec<types::UserGroup> = dir
                .user_groups()
                .per_page(200)
                .stream()
                .try_collect()
                .await?;
            let members: Vec<Vec<types::UserGroupSource>> = futures::stream::iter(groups.iter())
                .map(|g| dir.user_group_sources(&g.id))
                .buffered(READS_AT_ONCE)
                .try_collect()
                .await?;
            let items: Vec<Value> = values(&groups)
                .iter()
                .zip(members)
                .map(|(g, m)| {
                    let m: Vec<Value> = values(&m)
                        .iter()
                        .map(|src| {
                            let kind = match src["type"].as_str().unwrap_or("?") {
                                "users" => "user",
                                "roles" => "role",
                                "groups" => "group",
                                "territories" => "territory",
                                other => other,
                            };
                            let name = src["source"]["name"]
                                .as_str()
                                .or(src["source"]["id"].as_str())
                                .unwrap_or("?");
                            let with = if src["subordinates"] == true {
                                " and subordinates"
                            } else {
                                ""
                            };
                            Value::String(format!("{kind} {name}{with}"))
                        })
                        .collect();
                    pick(
                        g,
                        &[
                            ("name", text(g, "name")),
                            ("description", text(g, "description")),
                            ("members", Value::Array(m)),
                        ],
                    )
                })
                .collect();
            out.when_empty("No user groups.")
                .document(&json!({ "items": items }), groups_text)
        }
        DirectoryCommand::Profiles => {
            let profiles: Vec<types::Profile> = dir
                .profiles()
                .include_lite()
                .include_support()
                .per_page(200)
                .stream()
                .try_collect()
                .await?;
            let items: Vec<Value> = values(&profiles)
                .iter()
                .map(|p| {
                    pick(
                        p,
                        &[
                            ("name", text(p, "name")),
                            ("type", text(p, "type")),
                            ("custom", text(p, "custom")),
                        ],
                    )
                })
                .collect();
            out.when_empty("No profiles.").many(&items)
        }
        DirectoryCommand::Users(args) => {
            let kind = user_type(&args.kind)?;
            let users: Vec<types::User> =
                dir.users(kind).per_page(200).stream().try_collect().await?;
            let items: Vec<Value> = values(&users)
                .iter()
                .map(|u| {
                    pick(
                        u,
                        &[
                            ("full_name", text(u, "full_name")),
                            ("email", text(u, "email")),
                            ("role", nested_name(u, "role")),
                            ("profile", nested_name(u, "profile")),
                            ("status", text(u, "status")),
                        ],
                    )
                })
                .collect();
            out.when_empty(format!("No users of type {}.", args.kind))
                .columns(USER_COLUMNS)
                .many(&items)
        }
        DirectoryCommand::Modules => {
            let modules = dir.modules().await?;
            let items: Vec<Value> = values(&modules)
                .iter()
                .filter(|m| m["api_supported"] != false)
                .map(|m| {
                    pick(
                        m,
                        &[
                            ("api_name", text(m, "api_name")),
                            ("plural_label", text(m, "plural_label")),
                        ],
                    )
                })
                .collect();
            out.when_empty("No modules.").many(&items)
        }
        DirectoryCommand::Fields { module } => {
            let names = resolver_for(s, None).await?;
            names.module(&module, "--module")?;
            let fields = dir.fields(&module).await?;
            let items: Vec<Value> = values(&fields)
                .iter()
                .map(|f| {
                    pick(
                        f,
                        &[
                            ("api_name", text(f, "api_name")),
                            ("field_label", text(f, "field_label")),
                            ("data_type", text(f, "data_type")),
                        ],
                    )
                })
                .collect();
            out.when_empty(format!("No fields in {module}."))
                .many(&items)
        }
    }
}

/// Roles depth first from the top, each with `reports_to` (a name) and its `level` (0 at
/// the top). A role whose superior is not listed counts as a top one; a loop (which Zoho
/// should never send) ends where a role repeats.
fn role_tree(roles: &[Value]) -> Vec<Value> {
    let id = |r: &Value| r["id"].as_str().unwrap_or_default().to_owned();
    let parent = |r: &Value| r["reporting_to"]["id"].as_str().map(str::to_owned);
    let ids: std::collections::BTreeSet<String> = roles.iter().map(id).collect();
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut stack: Vec<(usize, &Value)> = roles
        .iter()
        .filter(|r| parent(r).is_none_or(|p| !ids.contains(&p)))
        .rev()
        .map(|r| (0, r))
        .collect();
    while let Some((level, r)) = stack.pop() {
        if !seen.insert(id(r)) {
            continue;
        }
        out.push(pick(
            r,
            &[
                ("name", text(r, "name")),
                ("reports_to", nested_name(r, "reporting_to")),
                ("level", json!(level)),
            ],
        ));
        let me = id(r);
        let children: Vec<&Value> = roles
            .iter()
            .filter(|c| parent(c).as_deref() == Some(me.as_str()))
            .collect();
        for c in children.into_iter().rev() {
            stack.push((level + 1, c));
        }
    }
    // Roles a loop kept out of the walk, at the top.
    for r in roles {
        if !seen.contains(&id(r)) {
            seen.insert(id(r));
            out.push(pick(
                r,
                &[
                    ("name", text(r, "name")),
                    ("reports_to", nested_name(r, "reporting_to")),
                    ("level", json!(0)),
                ],
            ));
        }
    }
    out
}

/// The groups for reading, each whole on a terminal of any width: its name, id and
/// description on a line (the names aligned), then its members, a member never split:
///
/// ```text
/// Miami Users   6954432000002007350  Sales people covering Miami
///   members: user Maria Garcia, user Lee Park, role Sales Representative
/// ```
fn groups_text(doc: &Value) -> String {
    use unicode_width::UnicodeWidthStr;
    let width = terminal::stdout_width().map(usize::from);
    let items = doc["items"].as_array().cloned().unwrap_or_default();
    let text = |v: &Value| terminal::escape(v.as_str().unwrap_or("")).into_owned();
    let name_width = items.iter().map(|g| text(&g["name"]).width()).max();
    let id_width = items.iter().map(|g| text(&g["id"]).width()).max();
    let (name_width, id_width) = (name_width.unwrap_or(0), id_width.unwrap_or(0));
    let under = name_width + id_width + 4;
    let mut out = Vec::new();
    for g in &items {
        let name = text(&g["name"]);
        let line = format!(
            "{name}{}  {:<id_width$}  {}",
            " ".repeat(name_width.saturating_sub(name.width())),
            text(&g["id"]),
            text(&g["description"])
        );
        let indent = match width {
            Some(w) if w < under + 20 => 4,
            _ => under,
        };
        out.push(terminal::wrap(line.trim_end(), width, indent));
        let members: Vec<String> = g["members"]
            .as_array()
            .into_iter()
            .flatten()
            .map(text)
            .collect();
        let head = "  members: ";
        match members.is_empty() {
            true => out.push(format!("{head}{}", table::NONE)),
            false => out.push(terminal::fill(head, &members, width, head.len())),
        }
    }
    out.join("\n")
}

/// The role tree for reading: one role a line, indented by level, its id after it.
fn tree_table(doc: &Value) -> String {
    let items = doc["items"].as_array().cloned().unwrap_or_default();
    if items.is_empty() {
        return table::many(&items);
    }
    let lines: Vec<(String, String)> = items
        .iter()
        .map(|r| {
            let level = r["level"].as_u64().unwrap_or(0) as usize;
            let name = terminal::escape(r["name"].as_str().unwrap_or("?")).into_owned();
            let id = terminal::escape(r["id"].as_str().unwrap_or("")).into_owned();
            (format!("{}{name}", "  ".repeat(level.min(20))), id)
        })
        .collect();
    // Padded by display width: a name in CJK takes two columns a character.
    use unicode_width::UnicodeWidthStr;
    let width = lines
        .iter()
        .map(|(n, _)| n.width())
        .max()
        .unwrap_or(0)
        .max(4);
    let pad = |n: &str| " ".repeat(width - n.width());
    let mut text = format!("role{}  id", pad("role"));
    for (name, id) in lines {
        text.push_str(&format!("\n{name}{}  {id}", pad(&name)));
    }
    text
}

fn user_type(kind: &str) -> Result<enums::UserType, CliError> {
    if enums::UserType::KNOWN.contains(&kind) {
        return Ok(enums::UserType::from(kind));
    }
    let hint = suggest(kind, enums::UserType::KNOWN.iter().copied())
        .map(|n| format!(" (did you mean {n:?}?)"))
        .unwrap_or_default();
    Err(CliError::Usage(format!(
        "--type: `{kind}` is not a kind of user Zoho knows{hint} (one of {})",
        enums::UserType::KNOWN.join(", ")
    )))
}

/// The org's names, with the fields of `module` when `with_fields` (for --criteria); the
/// module itself checked, with the nearest API name when the org has none of that name.
pub async fn resolver(s: &Session, module: &str, with_fields: bool) -> Result<Resolver, CliError> {
    let fields: Vec<&str> = if with_fields { vec![module] } else { vec![] };
    let names = Resolver::load(&s.client, fields).await.map_err(at_module)?;
    names.module(module, "--module")?;
    Ok(names)
}

/// The org's names without fields; `module`, when given, checked.
pub async fn resolver_for(s: &Session, module: Option<&str>) -> Result<Resolver, CliError> {
    let names = Resolver::load(&s.client, Vec::<String>::new()).await?;
    if let Some(m) = module {
        names.module(m, "--module")?;
    }
    Ok(names)
}

/// The resolver's check of a module given for its fields is the `--module` option's.
fn at_module(e: zoho_crm_access::Error) -> CliError {
    match e {
        zoho_crm_access::Error::Desired { place, reason, .. } if place == "module" => {
            CliError::Usage(format!("--module: {reason}"))
        }
        other => CliError::Zoho(other),
    }
}

/// `--to` / `--from`: `all_users`, `role:NAME`, `role_and_subordinates:NAME`, `group:NAME`.
pub fn parse_audience(s: &str) -> Result<Audience, String> {
    s.parse::<Audience>().map_err(reason)
}

/// `--criteria`: see `CriteriaSpec::parse`.
pub fn parse_criteria(s: &str) -> Result<CriteriaSpec, String> {
    CriteriaSpec::parse(s).map_err(reason)
}

/// `--permission`: one Zoho knows, with the nearest for a typo.
pub fn parse_permission(s: &str) -> Result<enums::PermissionType, String> {
    known(s, enums::PermissionType::KNOWN, "permission").map(enums::PermissionType::from)
}

/// `true` or `false`.
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!("`{other}`: write true or false")),
    }
}

/// `value` when it is one of `known`, else the message with the nearest.
pub fn known<'a>(value: &'a str, known: &[&str], what: &str) -> Result<&'a str, String> {
    if known.contains(&value) {
        return Ok(value);
    }
    let hint = suggest(value, known.iter().copied())
        .map(|n| format!(" (did you mean {n:?}?)"))
        .unwrap_or_default();
    Err(format!(
        "`{value}` is not a {what} Zoho knows{hint} (one of {})",
        known.join(", ")
    ))
}

/// The reason of a library error, for clap's "invalid value" line.
fn reason(e: zoho_crm_access::Error) -> String {
    match e {
        zoho_crm_access::Error::InvalidInput { reason, .. } => reason,
        other => other.to_string(),
    }
}

/// `--module` checked before anything that changes is sent, as the org names its modules
/// (`leads` and `Deels` are refused, with the nearest API name; exit 2). A name no module
/// API name can hold is refused without a request; when the org's modules cannot be read
/// (a grant without their scope), the command goes on and Zoho answers for the module.
pub async fn check_module(s: &Session, module: &str) -> Result<(), CliError> {
    zoho_crm_access::Client::check_module_api_name(module)?;
    let Ok(modules) = s.client.directory().modules().await else {
        return Ok(());
    };
    if modules.is_empty() || modules.iter().any(|m| m.api_name == module) {
        return Ok(());
    }
    Err(CliError::Usage(no_such_module(module, &modules)))
}

/// `--module: the org has no module with the API name "leads" (did you mean "Leads"?)`.
fn no_such_module(module: &str, modules: &[types::Module]) -> String {
    let hint = suggest(module, modules.iter().map(|m| m.api_name.as_str()))
        .map(|n| format!(" (did you mean {n:?}?)"))
        .unwrap_or_default();
    format!("--module: the org has no module with the API name {module:?}{hint}")
}

/// A failure of a command given `--module`: when Zoho refused the module (`INVALID_MODULE`,
/// or `INVALID_DATA`, its answer for an unknown module in a query) and the org lists no
/// module of that API name, one line naming `--module` with the nearest API name
/// (`leads` -> `Leads`), Zoho's answer after it; any other failure as it is.
pub async fn with_module_hint(s: &Session, module: Option<&str>, e: CliError) -> CliError {
    let (CliError::Zoho(err), Some(module)) = (&e, module) else {
        return e;
    };
    if !matches!(
        err.code(),
        Some(enums::ZohoCode::InvalidModule | enums::ZohoCode::InvalidData)
    ) {
        return e;
    }
    let Ok(modules) = s.client.directory().modules().await else {
        return e;
    };
    if modules.iter().any(|m| m.api_name == module) {
        return e;
    }
    CliError::Usage(format!("{}; {err}", no_such_module(module, &modules)))
}
