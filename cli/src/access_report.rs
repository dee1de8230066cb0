//! `zoho-access access report --out FILE.html`: one self-contained page for an access review,
//! from one read of the org (the library's `AccessModel`): per module, the org default and
//! what it gives everyone, the sharing rules drawn as arrows from the records they share to
//! the roles and groups they share with, who reaches records of others (`AccessModel::who`),
//! record locking; the role hierarchy drawn as a tree; the groups and their members.
//!
//! The page fetches nothing: no script, font, image or stylesheet from anywhere (the style
//! is inline, the drawings are inline SVG made here), and its Content-Security-Policy forbids
//! fetching anything, so a page that was tampered with cannot either. Every text from Zoho
//! is escaped for HTML. Long lists stay bounded: a large org's roles, users and rules are
//! collapsed (`<details>`) or cut with a count of what was left out and the command that
//! lists all of it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use zoho_crm_access::access::{audience_text, AccessModel, Action, Layer, RuleRow, WhoAnswer};
use zoho_crm_access::desired::Audience;
use zoho_crm_access::enums::PermissionType;

use crate::connect::Session;
use crate::output::{Format, Printer};
use crate::CliError;

/// Options of `access report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Where to write the page (replaced when it exists).
    #[arg(long, value_name = "FILE.html")]
    pub out: PathBuf,
    /// Only these modules (API names, comma-separated); every module with access settings
    /// otherwise.
    #[arg(long, value_delimiter = ',', value_name = "MODULE,...")]
    pub modules: Vec<String>,
}

/// Users listed per role in a module's table before the rest is counted.
const USERS_PER_ROLE: usize = 25;
/// Users listed in one module's table in all (its roles together).
const USERS_PER_MODULE: usize = 150;
/// Roles in one module's table; the rest is counted.
const ROLES_PER_MODULE: usize = 60;
/// Sharing rules drawn per module; the table lists them all.
const RULES_DRAWN: usize = 40;
/// Roles in a module's access table before it starts collapsed.
const OPEN_ROLES: usize = 30;
/// Rules named per role in a module's table.
const RULES_PER_CELL: usize = 8;
/// Members listed per group.
const MEMBERS_PER_GROUP: usize = 30;

/// Reads the org once, writes the page, and prints where it is (one JSON document, as every
/// command).
pub async fn run(s: &Session, format: Option<Format>, args: ReportArgs) -> Result<(), CliError> {
    for m in &args.modules {
        zoho_crm_access::Client::check_module_api_name(m)?;
    }
    let model = AccessModel::load(&s.client, args.modules.clone())
        .await
        .map_err(|e| crate::access::flag_error(e, "--modules"))?;
    let generated = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();
    let page = page(&model, &generated)?;
    write_file(&args.out, page.html.as_bytes())?;
    Printer::new(format.unwrap_or_default()).one(&json!({
        "report": args.out,
        "bytes": page.html.len(),
        "modules": page.modules,
        "active_users": model.active_users(),
        "roles": model.directory().roles.len(),
        "groups": model.directory().groups.len(),
    }))
}

/// Writes through a temporary file beside the target, so a failed run leaves no half page.
fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    let shown = path.display();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .map_err(|e| CliError::Usage(format!("--out {shown}: cannot write there: {e}")))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.flush())
        .map_err(|e| CliError::Other(format!("--out {shown}: {e}")))?;
    tmp.persist(path)
        .map_err(|e| CliError::Usage(format!("--out {shown}: {}", e.error)))?;
    Ok(())
}

/// A page and the modules it covers.
pub struct Page {
    pub html: String,
    pub modules: Vec<String>,
}

/// Text for HTML (and SVG): the five special characters as entities; control characters and
/// the invisible direction overrides shown as `\u{..}`, so nothing from Zoho is markup or
/// hides text.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c.is_control() && c != '\n' && c != '\t')
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c) =>
            {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters, with `…` when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// An id for an anchor: ASCII letters, digits, `-` and `_` kept, the rest `_`; unique among
/// `taken`.
fn anchor(prefix: &str, name: &str, taken: &mut BTreeSet<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let base = format!("{prefix}-{clean}");
    let mut id = base.clone();
    let mut n = 2;
    while !taken.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

fn actions(list: &[Action]) -> String {
    if list.is_empty() {
        return "nothing".to_owned();
    }
    list.iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

use crate::output::counted as plural;

fn permission_class(p: &PermissionType) -> &'static str {
    match p.to_string().as_str() {
        "read" => "p-read",
        "read_write" => "p-rw",
        "read_write_delete" => "p-rwd",
        _ => "p-other",
    }
}

const STYLE: &str = "
:root{--ink:#1d2330;--muted:#5b6475;--line:#c9cfda;--bg:#fff;--soft:#f3f5f9;--accent:#1f5fbf}
*{box-sizing:border-box}
html{scroll-behavior:auto}
body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;color:var(--ink);background:var(--bg)}
.layout{display:grid;grid-template-columns:250px minmax(0,1fr);max-width:1360px;margin:0 auto}
nav{position:sticky;top:0;align-self:start;max-height:100vh;overflow:auto;padding:16px 12px 24px 16px;border-right:1px solid var(--line);background:var(--soft)}
nav h2{font-size:13px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);margin:16px 0 6px}
nav ol{list-style:none;margin:0;padding:0}
nav li{margin:1px 0}
nav a{display:block;padding:2px 6px;border-radius:4px;color:var(--accent);text-decoration:none;overflow-wrap:anywhere}
nav a:hover,nav a:focus{background:#dde6f5}
nav .sd{color:var(--muted);font-size:12px}
main{padding:16px 28px 48px;min-width:0}
h1{font-size:26px;margin:4px 0 4px}
h2{font-size:21px;margin:32px 0 8px;padding-top:8px;border-top:2px solid var(--line)}
h3{font-size:16px;margin:20px 0 6px}
p{margin:6px 0}
.muted{color:var(--muted)}
.note{background:#fff8e1;border-left:4px solid #e0a800;padding:6px 10px;margin:8px 0}
table{border-collapse:collapse;margin:6px 0 10px;max-width:100%}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:var(--soft);font-weight:600;overflow-wrap:normal}
td.n{text-align:right;font-variant-numeric:tabular-nums}
td.rn{min-width:11em}
.wide{width:100%}
.badge{display:inline-block;font-size:12px;padding:0 6px;border-radius:9px;background:#e7ecf5;color:#2c3a57;margin-left:4px;white-space:nowrap}
.st-private{background:#fde2e1;color:#8a1c15}.st-public_read_only{background:#e3f1ff;color:#0b4a8b}
.st-public_read_write{background:#fff1d6;color:#7a4b00}.st-public{background:#e2f6e7;color:#17612d}
details>summary{cursor:pointer;color:var(--accent)}
ul.tree,ul.tree ul{list-style:none;margin:0;padding:0}
ul.tree ul{margin-left:12px}
ul.tree li{position:relative;margin:0;padding:2px 0 2px 18px;border-left:1px solid #8a94a6}
ul.tree li:last-child{border-left-color:transparent}
ul.tree li::before{content:'';position:absolute;left:-1px;top:0;width:14px;height:14px;border-left:1px solid #8a94a6;border-bottom:1px solid #8a94a6}
ul.tree>li{border-left-color:transparent}
ul.tree>li::before{display:none}
.role{font-weight:600}
svg.rules{display:block;width:100%;max-width:1000px;height:auto;border:1px solid var(--line);border-radius:6px;background:#fcfdff}
svg.rules text{font:13px system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;fill:#1d2330}
svg.rules .box{fill:#fff;stroke:#8a94a6}
svg.rules .rule{fill:#eef3fb;stroke:#6f86b3}
svg.rules .head{font-weight:600;fill:#5b6475}
svg.rules path{fill:none;stroke-width:1.6}
svg.rules .p-read{stroke:#1f5fbf}svg.rules .p-rw{stroke:#c77700}svg.rules .p-rwd{stroke:#b3261e}svg.rules .p-other{stroke:#5b6475}
svg.rules .inactive{stroke-dasharray:5 4;opacity:.55}
.legend span{margin-right:14px;white-space:nowrap}
.sw{display:inline-block;width:22px;height:0;border-top:3px solid;vertical-align:middle;margin-right:4px}
a.top{font-size:13px}
";

/// The page for `model`, generated at `generated`.
pub fn page(model: &AccessModel, generated: &str) -> Result<Page, zoho_crm_access::Error> {
    let config = model.config();
    let mut modules: BTreeSet<String> = BTreeSet::new();
    modules.extend(config.org_permissions.keys().cloned());
    modules.extend(config.sharing_rules.keys().cloned());
    modules.extend(config.record_locking.keys().cloned());
    let modules: Vec<String> = modules.into_iter().collect();
    let answers: Vec<WhoAnswer> = modules
        .iter()
        .map(|m| model.who(m))
        .collect::<Result<_, _>>()?;

    let mut taken = BTreeSet::new();
    for fixed in ["top", "overview", "roles", "groups"] {
        taken.insert(fixed.to_owned());
    }
    let module_ids: Vec<String> = modules
        .iter()
        .map(|m| anchor("module", m, &mut taken))
        .collect();
    let d = model.directory();
    let role_ids: HashMap<&str, String> = d
        .roles
        .iter()
        .map(|r| (r.name.as_str(), anchor("role", &r.name, &mut taken)))
        .collect();
    let group_ids: HashMap<&str, String> = d
        .groups
        .iter()
        .map(|g| (g.name.as_str(), anchor("group", &g.name, &mut taken)))
        .collect();

    let mut h = String::with_capacity(64 * 1024);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Nothing may be fetched: no script, no font, no image, no stylesheet, no frame, no
    // form; the inline style is the only thing allowed.
    h.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n",
    );
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    h.push_str("<title>Access review</title>\n<style>");
    h.push_str(STYLE);
    h.push_str("</style>\n</head>\n<body id=\"top\">\n<div class=\"layout\">\n");

    // Navigation: every section and every module.
    h.push_str("<nav aria-label=\"Contents\">\n<h2>Review</h2>\n<ol>\n");
    h.push_str("<li><a href=\"#overview\">Overview</a></li>\n");
    h.push_str("<li><a href=\"#roles\">Role hierarchy</a></li>\n");
    h.push_str("<li><a href=\"#groups\">Groups</a></li>\n</ol>\n");
    let _ = writeln!(h, "<h2>Modules ({})</h2>\n<ol>", modules.len());
    for ((m, id), w) in modules.iter().zip(&module_ids).zip(&answers) {
        let _ = writeln!(
            h,
            "<li><a href=\"#{id}\">{}<span class=\"sd\"> · {}</span></a></li>",
            esc(m),
            esc(&default_text(w))
        );
    }
    h.push_str("</ol>\n</nav>\n<main>\n");

    // Overview.
    let users = d.users.len();
    let active = model.active_users();
    let admins = d
        .users
        .iter()
        .filter(|u| u.can_sign_in())
        .filter(|u| {
            u.profile
                .as_ref()
                .and_then(|p| d.profiles.iter().find(|x| &x.name == p))
                .is_some_and(|p| p.administrator)
        })
        .count();
    h.push_str("<h1>Access review</h1>\n");
    let _ = writeln!(
        h,
        "<p class=\"muted\">Generated {} by zoho-access {} from one read of the org. Who can \
         reach records of others, and through which setting.</p>",
        esc(generated),
        env!("CARGO_PKG_VERSION")
    );
    h.push_str("<section id=\"overview\">\n<h2>Overview</h2>\n<table>\n");
    let rows = [
        ("Hierarchy preference", d.hierarchy.describe().to_owned()),
        (
            "Users",
            format!(
                "{active} active of {users} ({} with the Administrator profile, who reach every record)",
                admins
            ),
        ),
        ("Roles", d.roles.len().to_string()),
        ("Groups", d.groups.len().to_string()),
        ("Profiles", d.profiles.len().to_string()),
        ("Modules", modules.len().to_string()),
    ];
    for (k, v) in rows {
        let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(&v));
    }
    h.push_str("</table>\n");
    let layers: Vec<&str> = Layer::ALL.iter().map(|l| l.describe()).collect();
    let _ = writeln!(
        h,
        "<p class=\"note\">Not covered by this review: {}. A profile that does not allow an \
         action on a module denies it whatever the sharing settings say.</p>",
        esc(&layers.join(", "))
    );
    wide_table(
        &mut h,
        &[
            "Module",
            "Org default",
            "Everyone gets on records of others",
            "Active sharing rules",
            "Record locking",
        ],
    );
    for ((m, id), w) in modules.iter().zip(&module_ids).zip(&answers) {
        let locking = config
            .record_locking
            .get(m)
            .map_or_else(|| "-".to_owned(), |l| format!("{} lock", l.lock_type));
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#{id}\">{}</a></td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(m),
            default_badge(w),
            esc(&actions(&w.everyone)),
            w.rules.len(),
            esc(&locking)
        );
    }
    h.push_str("</table>\n</section>\n");

    // The role hierarchy as a tree.
    roles_section(&mut h, model, &answers, &role_ids);
    // Groups and their members.
    groups_section(&mut h, model, &modules, &group_ids, &role_ids);
    // One section per module.
    for ((m, id), w) in modules.iter().zip(&module_ids).zip(&answers) {
        module_section(&mut h, model, m, id, w, &role_ids, &group_ids);
    }
    h.push_str("</main>\n</div>\n</body>\n</html>\n");
    Ok(Page { html: h, modules })
}

fn default_text(w: &WhoAnswer) -> String {
    w.org_default
        .as_ref()
        .map_or_else(|| "not known".to_owned(), |s| s.to_string())
}

fn default_badge(w: &WhoAnswer) -> String {
    let text = default_text(w);
    let class: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("<span class=\"badge st-{class}\">{}</span>", esc(&text))
}

fn roles_section(
    h: &mut String,
    model: &AccessModel,
    answers: &[WhoAnswer],
    role_ids: &HashMap<&str, String>,
) {
    let d = model.directory();
    h.push_str("<section id=\"roles\">\n<h2>Role hierarchy</h2>\n");
    let _ = writeln!(
        h,
        "<p>The org follows the <b>{}</b>: {}. Deep branches are collapsed; open them to \
         see the roles below.</p>",
        esc(d.hierarchy.describe()),
        match d.hierarchy.describe() {
            "role hierarchy" => "users in a role see the records of the users in the roles below it",
            _ => "a user's reporting manager, and theirs, see the user's records; the roles are drawn for reference",
        }
    );
    // Active users per role, from the first answer (the same for every module).
    let mut active: HashMap<&str, usize> = HashMap::new();
    if let Some(w) = answers.first() {
        for r in &w.roles {
            if let Some(name) = &r.role {
                active.insert(name.as_str(), r.users.len());
            }
        }
    } else {
        for u in d.users.iter().filter(|u| u.can_sign_in()) {
            if let Some(r) = &u.role {
                *active.entry(r.as_str()).or_default() += 1;
            }
        }
    }
    let index: HashMap<&str, usize> = d
        .roles
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.as_str(), i))
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); d.roles.len()];
    let mut roots = Vec::new();
    for (i, r) in d.roles.iter().enumerate() {
        match r.reporting_to.as_deref().and_then(|p| index.get(p)) {
            Some(p) if *p != i => children[*p].push(i),
            _ => roots.push(i),
        }
    }
    // Roles in a cycle (not something Zoho allows) are reached from no root: drawn as roots.
    let mut seen = vec![false; d.roles.len()];
    let mut sizes = vec![0usize; d.roles.len()];
    fn size(r: usize, children: &[Vec<usize>], seen: &mut [bool], sizes: &mut [usize]) -> usize {
        if std::mem::replace(&mut seen[r], true) {
            return 0;
        }
        let mut n = 0;
        for c in &children[r] {
            n += 1 + size(*c, children, seen, sizes);
        }
        sizes[r] = n;
        n
    }
    for r in &roots {
        size(*r, &children, &mut seen, &mut sizes);
    }
    for (i, s) in seen.clone().iter().enumerate() {
        if !s {
            roots.push(i);
            size(i, &children, &mut seen, &mut sizes);
        }
    }
    h.push_str("<ul class=\"tree\">\n");
    let mut drawn = vec![false; d.roles.len()];
    for r in roots {
        tree_node(
            h, model, r, 0, &children, &sizes, &active, role_ids, &mut drawn,
        );
    }
    h.push_str("</ul>\n<p><a class=\"top\" href=\"#top\">Back to the top</a></p>\n</section>\n");
}

#[allow(clippy::too_many_arguments)]
fn tree_node(
    h: &mut String,
    model: &AccessModel,
    r: usize,
    depth: usize,
    children: &[Vec<usize>],
    sizes: &[usize],
    active: &HashMap<&str, usize>,
    role_ids: &HashMap<&str, String>,
    drawn: &mut [bool],
) {
    if std::mem::replace(&mut drawn[r], true) {
        return;
    }
    let role = &model.directory().roles[r];
    let users = active.get(role.name.as_str()).copied().unwrap_or(0);
    let mut label = format!(
        "<span class=\"role\" id=\"{}\">{}</span> <span class=\"badge\">{}</span>",
        role_ids[role.name.as_str()],
        esc(&role.name),
        plural(users, "active user", "active users")
    );
    if role.share_with_peers {
        label.push_str(" <span class=\"badge\">shares with peers</span>");
    }
    h.push_str("<li>");
    if children[r].is_empty() {
        h.push_str(&label);
    } else {
        // The two top levels open; below, branches of more than eight roles start closed.
        let open = depth < 2 || sizes[r] <= 8;
        let _ = write!(
            h,
            "<details{}><summary>{label} <span class=\"muted\">({} below)</span></summary>\n<ul>\n",
            if open { " open" } else { "" },
            plural(sizes[r], "role", "roles")
        );
        for c in &children[r] {
            tree_node(
                h,
                model,
                *c,
                depth + 1,
                children,
                sizes,
                active,
                role_ids,
                drawn,
            );
        }
        h.push_str("</ul>\n</details>");
    }
    h.push_str("</li>\n");
}

fn groups_section(
    h: &mut String,
    model: &AccessModel,
    modules: &[String],
    group_ids: &HashMap<&str, String>,
    role_ids: &HashMap<&str, String>,
) {
    use zoho_crm_access::access::GroupMember;
    let d = model.directory();
    h.push_str("<section id=\"groups\">\n<h2>Groups</h2>\n");
    if d.groups.is_empty() {
        h.push_str("<p>The org has no user groups.</p>\n");
    }
    // Rules to each group, across modules.
    let mut rules_to: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for m in modules {
        for rule in model.config().sharing_rules.get(m).into_iter().flatten() {
            if let Audience::Group(g) = &rule.to {
                rules_to
                    .entry(g.as_str())
                    .or_default()
                    .push(format!("{m}: {}", rule.name));
            }
        }
    }
    let table = d.groups.len() > OPEN_ROLES;
    if table {
        let summary = format!("{} groups (open the table)", d.groups.len());
        collapsible(h, false, &summary);
    }
    if !d.groups.is_empty() {
        wide_table(
            h,
            &["Group", "Active users", "Members", "Sharing rules to it"],
        );
    }
    for g in &d.groups {
        let active = model.active_users_in(&Audience::Group(g.name.clone()));
        let mut members: Vec<String> = g
            .members
            .iter()
            .take(MEMBERS_PER_GROUP)
            .map(|m| match m {
                GroupMember::User { email } => format!("user {}", esc(email)),
                GroupMember::Role { name, subordinates } => {
                    let link = link(role_ids.get(name.as_str()), name);
                    if *subordinates {
                        format!("role {link} and subordinates")
                    } else {
                        format!("role {link}")
                    }
                }
                GroupMember::Group { name } => {
                    format!("group {}", link(group_ids.get(name.as_str()), name))
                }
                GroupMember::Territory { name } => {
                    format!("territory {} (not covered)", esc(name))
                }
                other => esc(&format!("{other:?}")),
            })
            .collect();
        if g.members.len() > MEMBERS_PER_GROUP {
            members.push(format!(
                "… and {} more",
                g.members.len() - MEMBERS_PER_GROUP
            ));
        }
        let rules = rules_to
            .get(g.name.as_str())
            .map_or_else(|| "-".to_owned(), |r| esc(&r.join("; ")));
        let _ = writeln!(
            h,
            "<tr><td id=\"{}\">{}</td><td class=\"n\">{active}</td><td>{}</td><td>{rules}</td></tr>",
            group_ids[g.name.as_str()],
            esc(&g.name),
            if members.is_empty() {
                "-".to_owned()
            } else {
                members.join(", ")
            }
        );
    }
    if !d.groups.is_empty() {
        h.push_str("</table>\n");
    }
    if table {
        h.push_str("</details>\n");
    }
    h.push_str("<p><a class=\"top\" href=\"#top\">Back to the top</a></p>\n</section>\n");
}

fn module_section(
    h: &mut String,
    model: &AccessModel,
    module: &str,
    id: &str,
    w: &WhoAnswer,
    role_ids: &HashMap<&str, String>,
    group_ids: &HashMap<&str, String>,
) {
    let _ = writeln!(
        h,
        "<section id=\"{id}\">\n<h2>{} {}</h2>",
        esc(module),
        default_badge(w)
    );
    let active = model.active_users();
    let admins = w
        .roles
        .iter()
        .flat_map(|r| &r.users)
        .filter(|u| u.administrator)
        .count();
    let denied = w
        .roles
        .iter()
        .flat_map(|r| &r.users)
        .filter(|u| !u.administrator && w.everyone.iter().any(|a| u.profile_denies.contains(a)))
        .count();
    let _ = writeln!(
        h,
        "<p>Org default <b>{}</b>: everyone ({}) gets <b>{}</b> on records of others, within \
         their profiles{}. {} with the Administrator profile {} every record; owners reach \
         their own.</p>",
        esc(&default_text(w)),
        plural(active, "active user", "active users"),
        esc(&actions(&w.everyone)),
        if denied > 0 {
            format!(
                " ({} whose profile denies some of it)",
                plural(denied, "user", "users")
            )
        } else {
            String::new()
        },
        plural(admins, "user", "users"),
        if admins == 1 { "reaches" } else { "reach" }
    );
    let superiors = w
        .roles
        .iter()
        .flat_map(|r| &r.users)
        .filter(|u| u.subordinates > 0)
        .count();
    let peers: Vec<&str> = w
        .roles
        .iter()
        .filter(|r| r.share_with_peers)
        .filter_map(|r| r.role.as_deref())
        .collect();
    let _ = writeln!(
        h,
        "<p>Through the {}: {} view records of their subordinates.{}</p>",
        esc(w.hierarchy.describe()),
        plural(superiors, "user", "users"),
        if peers.is_empty() {
            String::new()
        } else {
            format!(
                " Roles whose users view each other's records (share with peers; {}): {}.",
                peers.len(),
                esc(&cut(&peers.join(", "), 400))
            )
        }
    );

    // Sharing rules: the drawing, then the table.
    let all_rules: Vec<&zoho_crm_access::desired::SharingRuleSpec> = model
        .config()
        .sharing_rules
        .get(module)
        .into_iter()
        .flatten()
        .collect();
    h.push_str("<h3>Sharing rules</h3>\n");
    if all_rules.is_empty() {
        h.push_str("<p>No sharing rules.</p>\n");
    } else {
        rules_drawing(h, &all_rules);
        rules_table(h, w, &all_rules, role_ids, group_ids);
    }

    // Record locking.
    if let Some(l) = model.config().record_locking.get(module) {
        h.push_str("<h3>Record locking</h3>\n");
        let restricted: Vec<String> = l.restricted_actions.iter().map(|a| a.to_string()).collect();
        let excluded: Vec<&str> = l.excluded_profiles.iter().map(String::as_str).collect();
        let rules: Vec<&str> = l.rules.iter().map(|r| r.name.as_str()).collect();
        let _ = writeln!(
            h,
            "<p>{} lock, for {}{}; a locked record refuses <b>{}</b> (edit always). Locking \
             rules: {}.</p>",
            esc(&l.lock_type.to_string()),
            esc(&l.locked_for.to_string()),
            if excluded.is_empty() {
                String::new()
            } else {
                format!(" except the profiles {}", esc(&excluded.join(", ")))
            },
            esc(&if restricted.is_empty() {
                "update".to_owned()
            } else {
                restricted.join(", ")
            }),
            esc(&if rules.is_empty() {
                "none".to_owned()
            } else {
                rules.join(", ")
            })
        );
    }

    // Who reaches records of others, by role.
    h.push_str("<h3>Who reaches records of others</h3>\n");
    let roles: Vec<_> = w.roles.iter().filter(|r| !r.users.is_empty()).collect();
    let summary = format!(
        "By role: {} with active users",
        plural(roles.len(), "role", "roles")
    );
    collapsible(h, roles.len() <= OPEN_ROLES, &summary);
    wide_table(
        h,
        &[
            "Role",
            "Active users",
            "On every record of others",
            "Subordinates' records (view)",
            "Peers' records (view)",
            "Sharing rules reaching them",
        ],
    );
    let mut listed_in_module = 0;
    for r in roles.iter().take(ROLES_PER_MODULE) {
        let name = r.role.as_deref().unwrap_or("(no role)");
        let role_cell = link(r.role.as_deref().and_then(|n| role_ids.get(n)), name);
        // What users of the role get on every record, as a tally of distinct answers.
        let mut others: BTreeMap<String, usize> = BTreeMap::new();
        let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
        for u in &r.users {
            let key = if u.administrator {
                "everything (administrator)".to_owned()
            } else {
                actions(&u.others)
            };
            *others.entry(key).or_default() += 1;
            for rule in &u.rules {
                *rules.entry(rule.as_str()).or_default() += 1;
            }
        }
        let tally = |m: &BTreeMap<String, usize>| {
            m.iter()
                .map(|(k, n)| counted(k, *n, r.users.len(), ""))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let subs = r.users.iter().map(|u| u.subordinates).max().unwrap_or(0);
        let peers = r.users.iter().map(|u| u.peers).max().unwrap_or(0);
        let rule_cell = if rules.is_empty() {
            "-".to_owned()
        } else {
            let mut names: Vec<String> = rules
                .iter()
                .take(RULES_PER_CELL)
                .map(|(k, n)| counted(k, *n, r.users.len(), " users"))
                .collect();
            if rules.len() > RULES_PER_CELL {
                names.push(format!("… and {} more", rules.len() - RULES_PER_CELL));
            }
            names.join("; ")
        };
        let room = USERS_PER_ROLE.min(USERS_PER_MODULE.saturating_sub(listed_in_module));
        listed_in_module += room.min(r.users.len());
        let mut listed: Vec<String> = r
            .users
            .iter()
            .take(room)
            .map(|u| {
                let mut s = esc(&u.email);
                if let Some(p) = &u.profile {
                    let _ = write!(s, " <span class=\"muted\">({})</span>", esc(p));
                }
                if !u.profile_denies.is_empty() {
                    let _ = write!(
                        s,
                        " <span class=\"badge\">profile denies {}</span>",
                        esc(&actions(&u.profile_denies))
                    );
                }
                s
            })
            .collect();
        if r.users.len() > room {
            listed.push(format!(
                "… and {} more (all of them: <code>zoho-access access who --module {}</code>)",
                r.users.len() - room,
                esc(module)
            ));
        }
        let _ = writeln!(
            h,
            "<tr><td class=\"rn\">{role_cell}<details><summary class=\"muted\">users</summary>{}</details></td>\
             <td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{rule_cell}</td></tr>",
            listed.join("<br>"),
            r.users.len(),
            tally(&others),
            if subs > 0 { format!("up to {subs}") } else { "-".to_owned() },
            if peers > 0 { peers.to_string() } else { "-".to_owned() },
        );
    }
    if roles.len() > ROLES_PER_MODULE {
        let _ = writeln!(
            h,
            "<tr><td colspan=\"6\">… and {} more roles (all of them: <code>zoho-access access \
             who --module {}</code>)</td></tr>",
            roles.len() - ROLES_PER_MODULE,
            esc(module)
        );
    }
    h.push_str("</table>\n</details>\n");
    let _ = writeln!(
        h,
        "<p class=\"muted\">Subordinates and peers count active users. Not covered: {}.</p>",
        esc(&w
            .not_covered
            .iter()
            .map(|l| l.describe())
            .collect::<Vec<_>>()
            .join(", "))
    );
    h.push_str("<p><a class=\"top\" href=\"#top\">Back to the top</a></p>\n</section>\n");
}

fn rules_table(
    h: &mut String,
    w: &WhoAnswer,
    rules: &[&zoho_crm_access::desired::SharingRuleSpec],
    role_ids: &HashMap<&str, String>,
    group_ids: &HashMap<&str, String>,
) {
    let summary = format!("All {} in a table", plural(rules.len(), "rule", "rules"));
    collapsible(h, rules.len() <= RULES_DRAWN, &summary);
    wide_table(
        h,
        &[
            "Rule",
            "Records",
            "Shared to",
            "Permission",
            "Superiors allowed",
            "Reaches",
            "Adds to the default",
        ],
    );
    let rows: HashMap<&str, &RuleRow> = w.rules.iter().map(|r| (r.rule.as_str(), r)).collect();
    for rule in rules {
        let row = rows.get(rule.name.as_str());
        let to = match &rule.to {
            Audience::Group(g) => link(group_ids.get(g.as_str()), &audience_text(&rule.to)),
            Audience::Role(r) | Audience::RoleAndSubordinates(r) => {
                link(role_ids.get(r.as_str()), &audience_text(&rule.to))
            }
            other => esc(&audience_text(other)),
        };
        let records = match row {
            Some(r) => r.records.to_string(),
            None => match (&rule.criteria, &rule.from) {
                (Some(_), _) => "matching its criteria".to_owned(),
                (None, Some(f)) => format!("owned by {}", audience_text(f)),
                (None, None) => "of others".to_owned(),
            },
        };
        let reaches = match row {
            Some(r) if r.superiors_allowed => format!(
                "{} + {} as superiors",
                plural(r.active_users, "active user", "active users"),
                r.superiors
            ),
            Some(r) => plural(r.active_users, "active user", "active users"),
            None => "inactive".to_owned(),
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{to}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&rule.name),
            esc(&records),
            esc(&rule.permission.to_string()),
            if rule.superiors_allowed { "yes" } else { "no" },
            esc(&reaches),
            esc(&row.map_or_else(|| "nothing (inactive)".to_owned(), |r| actions(&r.adds)))
        );
    }
    h.push_str("</table>\n</details>\n");
}

/// Opens a `<details>` element (open or collapsed) with its `summary`, which is HTML already.
fn collapsible(h: &mut String, open: bool, summary: &str) {
    let open = if open { " open" } else { "" };
    let _ = writeln!(h, "<details{open}><summary>{summary}</summary>");
}

/// Opens a wide table with its row of `headings` (text of ours, written as it is).
fn wide_table(h: &mut String, headings: &[&str]) {
    let _ = writeln!(
        h,
        "<table class=\"wide\">\n<tr><th>{}</th></tr>",
        headings.join("</th><th>")
    );
}

/// `name`, escaped, with how many of `all` it counts (`n`, then `unit`) when not all.
fn counted(name: &str, n: usize, all: usize, unit: &str) -> String {
    if n == all {
        esc(name)
    } else {
        format!("{} ({n}{unit})", esc(name))
    }
}

/// `text` (escaped) as a link to the anchor `id`, or as plain text when it has none.
fn link(id: Option<&String>, text: &str) -> String {
    match id {
        Some(id) => format!("<a href=\"#{id}\">{}</a>", esc(text)),
        None => esc(text),
    }
}

/// The module's rules as arrows: the records each shares (left) -> the rule (middle) -> the
/// role, group or all users it shares them with (right). At most [`RULES_DRAWN`] rules.
fn rules_drawing(h: &mut String, rules: &[&zoho_crm_access::desired::SharingRuleSpec]) {
    const ROW: f64 = 34.0;
    const TOP: f64 = 40.0;
    const BOX_H: f64 = 26.0;
    const LEFT_X: f64 = 8.0;
    const COL_W: f64 = 290.0;
    const MID_X: f64 = 355.0;
    const RIGHT_X: f64 = 702.0;
    const CHARS: usize = 40;
    let source = |r: &zoho_crm_access::desired::SharingRuleSpec| -> String {
        match (&r.criteria, &r.from) {
            (Some(_), _) => "records matching its criteria".to_owned(),
            (None, Some(f)) => format!("owned by {}", audience_text(f)),
            (None, None) => "records of others".to_owned(),
        }
    };
    let mut drawn: Vec<&zoho_crm_access::desired::SharingRuleSpec> =
        rules.iter().take(RULES_DRAWN).copied().collect();
    drawn.sort_by(|a, b| {
        (source(a), audience_text(&a.to), &a.name).cmp(&(source(b), audience_text(&b.to), &b.name))
    });
    // Criteria-based rules each have their own records: one box per rule.
    let key = |r: &zoho_crm_access::desired::SharingRuleSpec| -> String {
        if r.criteria.is_some() {
            format!("criteria\u{0}{}", r.name)
        } else {
            source(r)
        }
    };
    let n = drawn.len();
    let row_y = |i: usize| TOP + i as f64 * ROW;
    // Left: contiguous spans (sorted by source).
    let mut lefts: Vec<(String, String, f64)> = Vec::new(); // (key, label, centre)
    let mut i = 0;
    while i < n {
        let k = key(drawn[i]);
        let mut j = i;
        while j + 1 < n && key(drawn[j + 1]) == k {
            j += 1;
        }
        let label = match &drawn[i].criteria {
            Some(_) => {
                let text = rules_records_text(drawn[i]);
                format!("with {text}")
            }
            None => source(drawn[i]),
        };
        lefts.push((k, label, (row_y(i) + row_y(j)) / 2.0));
        i = j + 1;
    }
    // Right: one box per audience, at the mean of its rules, pushed apart.
    let mut rights: Vec<(String, f64)> = Vec::new();
    let mut seen: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for (i, r) in drawn.iter().enumerate() {
        let e = seen.entry(audience_text(&r.to)).or_insert((0.0, 0));
        e.0 += row_y(i);
        e.1 += 1;
    }
    for (k, (sum, count)) in &seen {
        rights.push((k.clone(), sum / *count as f64));
    }
    rights.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut last = f64::NEG_INFINITY;
    for r in rights.iter_mut() {
        if r.1 < last + ROW {
            r.1 = last + ROW;
        }
        last = r.1;
    }
    let bottom = rights
        .iter()
        .map(|r| r.1)
        .fold(row_y(n.saturating_sub(1)), f64::max);
    let height = bottom + BOX_H + 16.0;
    let _ = writeln!(
        h,
        "<p class=\"legend\"><span><i class=\"sw\" style=\"border-color:#1f5fbf\"></i>read</span>\
         <span><i class=\"sw\" style=\"border-color:#c77700\"></i>read_write</span>\
         <span><i class=\"sw\" style=\"border-color:#b3261e\"></i>read_write_delete</span>\
         <span class=\"muted\">dashed: inactive</span></p>"
    );
    let _ = writeln!(
        h,
        "<svg class=\"rules\" viewBox=\"0 0 1000 {height:.0}\" role=\"img\" aria-label=\"Sharing rules drawn as arrows\">"
    );
    h.push_str(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" \
         style=\"fill:#5b6475;stroke:none\"/></marker></defs>\n",
    );
    let _ = writeln!(
        h,
        "<text class=\"head\" x=\"{LEFT_X}\" y=\"22\">Records shared</text>\
         <text class=\"head\" x=\"{MID_X}\" y=\"22\">Rule</text>\
         <text class=\"head\" x=\"{RIGHT_X}\" y=\"22\">Shared to</text>"
    );
    let box_ = |h: &mut String, x: f64, y: f64, class: &str, text: &str| {
        let _ = writeln!(
            h,
            "<g><title>{}</title><rect class=\"{class}\" x=\"{x}\" y=\"{:.1}\" width=\"{COL_W}\" height=\"{BOX_H}\" rx=\"5\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            esc(text),
            y - BOX_H / 2.0,
            x + 8.0,
            y + 4.5,
            esc(&cut(text, CHARS))
        );
    };
    for (_, label, y) in &lefts {
        box_(h, LEFT_X, *y, "box", label);
    }
    for (label, y) in &rights {
        box_(h, RIGHT_X, *y, "box", label);
    }
    for (i, r) in drawn.iter().enumerate() {
        let y = row_y(i);
        let ly = lefts.iter().find(|l| l.0 == key(r)).map_or(y, |l| l.2);
        let ry = rights
            .iter()
            .find(|x| x.0 == audience_text(&r.to))
            .map_or(y, |x| x.1);
        let mut class = permission_class(&r.permission).to_owned();
        if r.status.to_string() != "active" {
            class.push_str(" inactive");
        }
        let x1 = LEFT_X + COL_W;
        let x2 = MID_X;
        let x3 = MID_X + COL_W;
        let x4 = RIGHT_X;
        let _ = writeln!(
            h,
            "<path class=\"{class}\" d=\"M{x1},{ly:.1} C{:.1},{ly:.1} {:.1},{y:.1} {x2},{y:.1}\" marker-end=\"url(#arrow)\"/>\
             <path class=\"{class}\" d=\"M{x3},{y:.1} C{:.1},{y:.1} {:.1},{ry:.1} {x4},{ry:.1}\" marker-end=\"url(#arrow)\"/>",
            x1 + 30.0,
            x2 - 30.0,
            x3 + 30.0,
            x4 - 30.0
        );
        let label = format!("{} · {}", r.name, r.permission);
        box_(h, MID_X, y, "rule", &label);
    }
    h.push_str("</svg>\n");
    if rules.len() > RULES_DRAWN {
        let _ = writeln!(
            h,
            "<p class=\"note\">The drawing shows {RULES_DRAWN} of the {} rules; the table \
             lists every one.</p>",
            rules.len()
        );
    }
}

/// A criteria-based rule's records, in words (`City = Miami and State = Florida`).
fn rules_records_text(r: &zoho_crm_access::desired::SharingRuleSpec) -> String {
    match &r.criteria {
        Some(c) => {
            let set = zoho_crm_access::access::RecordSet::Matching {
                criteria: c.clone(),
            };
            let text = set.to_string();
            text.strip_prefix("with ").unwrap_or(&text).to_owned()
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_zoho_is_never_markup() {
        let hostile = "<script>alert(1)</script>&\"'\u{1b}[2J\u{202e}x";
        let e = esc(hostile);
        assert!(!e.contains('<') && !e.contains('>') && !e.contains('"') && !e.contains('\''));
        assert!(!e.chars().any(|c| c.is_control()), "{e:?}");
        assert!(
            e.contains("&lt;script&gt;") && e.contains("\\u{202e}"),
            "{e}"
        );
    }

    #[test]
    fn anchors_are_plain_and_unique() {
        let mut taken = BTreeSet::new();
        assert_eq!(anchor("module", "Leads", &mut taken), "module-Leads");
        assert_eq!(anchor("module", "Le ads", &mut taken), "module-Le_ads");
        assert_eq!(anchor("module", "Le\"ads", &mut taken), "module-Le_ads-2");
    }
}
