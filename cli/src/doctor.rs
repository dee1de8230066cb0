//! `doctor`: checks, step by step, that a profile (or the `ZOHO_*` variables) can do
//! everything the tool does, and says what to fix in words a person can act on.
//!
//! The steps: the credentials are there (and where they came from); an access token mints
//! (at which accounts server, for which data centre) and the scopes Zoho names for the grant;
//! who is signed in, and to which org and environment (`GET /org`); then one read per family
//! and per directory list, each reported as ok, missing scope (naming the scope to add in the
//! API console), not available in this edition, or refused (a permission of the user's CRM
//! profile); and for the operations that change something, whether the grant holds their
//! scopes. The exit status is 0 only when every check is ok; `-o json` prints the same as one
//! document.

use std::time::SystemTime;

use clap::Args;
use futures::TryStreamExt;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use zoho_crm_access::auth::{store_key, Accounts, StoredToken, TokenStore};
use zoho_crm_access::operations::{Family, Operation};
use zoho_crm_access::{enums, Client, Error};

use crate::connect::{Credentials, GlobalArgs, Target};
use crate::output::Format;
use crate::{exit, terminal, CliError};

/// `doctor`'s options.
#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// The module the per-module reads use (record locking, sharing rules, fields).
    #[arg(long, default_value = "Leads", value_name = "MODULE")]
    pub module: String,
    /// The module the record-lock read uses.
    #[arg(long, default_value = "Deals", value_name = "MODULE")]
    pub lock_module: String,
}

/// How one check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    MissingScope,
    NotInEdition,
    Refused,
    Failed,
    /// Not checked (said why); does not fail the run.
    Unknown,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::MissingScope => "missing scope",
            Status::NotInEdition => "not in edition",
            Status::Refused => "refused",
            Status::Failed => "FAILED",
            Status::Unknown => "unknown",
        }
    }
}

/// One check.
#[derive(Debug, Serialize)]
pub struct Check {
    pub check: String,
    pub status: Status,
    pub detail: String,
    /// The scopes to add in the API console, for a missing scope.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_scopes: Vec<String>,
}

impl Check {
    fn new(check: &str, status: Status, detail: impl Into<String>) -> Check {
        Check {
            check: check.to_owned(),
            status,
            detail: detail.into(),
            missing_scopes: Vec::new(),
        }
    }
}

/// The family's name in words.
fn family_name(f: Family) -> &'static str {
    match f {
        Family::RecordLocking => "locking configurations",
        Family::SharingRules => "sharing rules",
        Family::OrgPermissions => "org permissions",
        Family::RecordLocks => "record locks",
        Family::Directory => "directory",
        _ => "other",
    }
}

/// The scopes of the operation's narrowest alternative, for a person to add.
fn scope_of(op: Operation) -> Vec<String> {
    op.scopes()
        .first()
        .map(|set| set.iter().map(|s| (*s).to_owned()).collect())
        .unwrap_or_default()
}

/// One read's outcome as a check. `lenient`: a 400 means the call got past the scope check
/// (a probe with a made-up record id).
fn classify(name: &str, op: Operation, outcome: Result<String, Error>, lenient: bool) -> Check {
    let e = match outcome {
        Ok(detail) => return Check::new(name, Status::Ok, detail),
        Err(e) => e,
    };
    let code = match &e {
        Error::Api { code, .. } => Some(code.clone()),
        _ => None,
    };
    match (code, e.status()) {
        (Some(enums::ZohoCode::OauthScopeMismatch), _) => {
            let missing = scope_of(op);
            let mut c = Check::new(
                name,
                Status::MissingScope,
                format!(
                    "the grant lacks {}: add it to the scopes (API console, or `zoho-access \
                     login`)",
                    missing.join(" and ")
                ),
            );
            c.missing_scopes = missing;
            c
        }
        (Some(enums::ZohoCode::FeatureNotSupported), _) => Check::new(
            name,
            Status::NotInEdition,
            "Zoho says the org's edition does not include this",
        ),
        (Some(enums::ZohoCode::NoPermission), _) | (_, Some(403)) => Check::new(
            name,
            Status::Refused,
            format!(
                "the user's CRM profile lacks a permission for this (Setup > Users and Control \
                 > Profiles): {}",
                terminal::escape(&e.to_string())
            ),
        ),
        (_, Some(400)) if lenient => Check::new(
            name,
            Status::Ok,
            "the grant allows it (Zoho refused only the made-up record of the probe)",
        ),
        _ => Check::new(name, Status::Failed, terminal::escape(&e.to_string())),
    }
}

/// Runs the per-family and per-directory-list reads.
async fn probes(client: &Client, args: &DoctorArgs) -> Vec<Check> {
    let m = args.module.as_str();
    let dir = client.directory();
    let count = |n: usize, what: &str| format!("read {n} {what}");
    vec![
        classify(
            "read record locking",
            Operation::GetRecordLockingConfigurations,
            client.record_locking(m).get().await.map(|c| {
                format!(
                    "read the configuration of {m} ({})",
                    if c.is_some() { "one" } else { "none" }
                )
            }),
            false,
        ),
        classify(
            "read sharing rules",
            Operation::ListSharingRules,
            client
                .sharing_rules(m)
                .list()
                .send()
                .await
                .map(|p| format!("read the sharing rules of {m}: {}", p.sharing_rules.len())),
            false,
        ),
        classify(
            "read org permissions",
            Operation::GetOrgPermissions,
            client
                .org_permissions()
                .get()
                .await
                .map(|v| count(v.len(), "modules' share types")),
            false,
        ),
        classify(
            "read record locks",
            Operation::GetRecordLocks,
            client
                .record_locks(args.lock_module.as_str())
                .list("1")
                .await
                .map(|v| count(v.len(), "locks")),
            true,
        ),
        classify(
            "list roles",
            Operation::GetRoles,
            dir.roles().await.map(|v| count(v.len(), "roles")),
            false,
        ),
        classify(
            "list user groups",
            Operation::GetUserGroups,
            dir.user_groups()
                .send()
                .await
                .map(|v| count(v.user_groups.len(), "groups (first page)")),
            false,
        ),
        classify(
            "list profiles",
            Operation::GetProfiles,
            // Every profile, Lite and Support ones too, as `directory profiles` lists them:
            // the two counts agree.
            dir.profiles()
                .include_lite()
                .include_support()
                .per_page(200)
                .stream()
                .try_collect::<Vec<_>>()
                .await
                .map(|v| count(v.len(), "profiles")),
            false,
        ),
        classify(
            "list modules",
            Operation::GetModules,
            dir.modules().await.map(|v| count(v.len(), "modules")),
            false,
        ),
        classify(
            "list fields",
            Operation::GetFields,
            dir.fields(m)
                .await
                .map(|v| format!("read {} fields of {m}", v.len())),
            false,
        ),
        classify(
            "list users",
            Operation::GetUsers,
            dir.users(enums::UserType::AllUsers)
                .send()
                .await
                .map(|v| count(v.users.len(), "users (first page)")),
            false,
        ),
    ]
}

/// Whether `granted` (lower case) holds one of the operation's alternatives.
fn covered(op: Operation, granted: &[String]) -> bool {
    op.scopes().iter().any(|set| {
        set.iter()
            .all(|s| granted.iter().any(|g| g.eq_ignore_ascii_case(s)))
    })
}

/// The write scopes per family, against the scopes Zoho named for the grant.
fn write_checks(granted: Option<&[String]>) -> Vec<Check> {
    let mut out = Vec::new();
    let mut families: Vec<Family> = Vec::new();
    for op in Operation::ALL {
        if op.method() != http::Method::GET && !families.contains(&op.family()) {
            families.push(op.family());
        }
    }
    for family in families {
        let name = format!("change {}", family_name(family));
        let Some(granted) = granted else {
            out.push(Check::new(
                &name,
                Status::Unknown,
                "not checked: the access token came as it is, or Zoho did not name the \
                 grant's scopes",
            ));
            continue;
        };
        let mut missing: Vec<String> = Vec::new();
        let mut ops: Vec<&str> = Vec::new();
        for op in Operation::ALL
            .iter()
            .filter(|op| op.family() == family && op.method() != http::Method::GET)
        {
            if !covered(*op, granted) {
                ops.push(op.id());
                for s in scope_of(*op) {
                    if !granted.iter().any(|g| g.eq_ignore_ascii_case(&s)) && !missing.contains(&s)
                    {
                        missing.push(s);
                    }
                }
            }
        }
        if missing.is_empty() {
            out.push(Check::new(
                &name,
                Status::Ok,
                "the grant holds every scope it needs",
            ));
        } else {
            let mut c = Check::new(
                &name,
                Status::MissingScope,
                format!(
                    "the grant lacks {} (for {}): add them in the API console, or run \
                     `zoho-access login` without --read-only",
                    missing.join(", "),
                    ops.join(", ")
                ),
            );
            c.missing_scopes = missing;
            out.push(c);
        }
    }
    out
}

/// Runs `doctor`; the exit status is 0 only when every check is ok.
pub async fn run(global: &GlobalArgs, args: &DoctorArgs) -> Result<u8, CliError> {
    let mut checks: Vec<Check> = Vec::new();
    let target = match Target::resolve(global).await {
        Ok(t) => t,
        Err(e) => {
            checks.push(Check::new("credentials", Status::Failed, e.to_string()));
            return finish(global.output, checks);
        }
    };
    checks.push(Check::new(
        "credentials",
        Status::Ok,
        format!("from {}", target.source),
    ));
    let data_center = target.data_center;
    let environment = target.environment;
    let accounts = target.accounts_url();
    let mut granted: Option<Vec<String>> = None;
    if let Credentials::Refresh {
        client_id,
        client_secret,
        refresh_token,
    } = &target.credentials
    {
        let minted = match Accounts::with_timeout(&accounts, global.timeout) {
            Ok(a) => {
                a.refresh(
                    client_id,
                    &SecretString::from(client_secret.clone()),
                    &SecretString::from(refresh_token.clone()),
                )
                .await
            }
            Err(e) => Err(e),
        };
        match minted {
            Ok(grant) => {
                checks.push(Check::new(
                    "token",
                    Status::Ok,
                    format!("an access token minted at {accounts} ({data_center} data centre)"),
                ));
                if !grant.scopes.is_empty() {
                    granted = Some(grant.scopes.clone());
                }
                // The client uses this token: doctor mints one, not two.
                if let Some(cache) = target.cache(global) {
                    let key = store_key(client_id, &accounts, refresh_token);
                    let mut stored =
                        StoredToken::new(grant.access_token.expose_secret().to_owned())
                            .with_expires_at(SystemTime::now() + grant.expires_in);
                    if let Some(d) = &grant.api_domain {
                        stored = stored.with_api_domain(d.clone());
                    }
                    let _ = cache.save(&key, &stored).await;
                }
            }
            Err(e) => {
                checks.push(Check::new(
                    "token",
                    Status::Failed,
                    format!(
                        "no access token from {accounts} with {}: {}",
                        target.source,
                        terminal::escape(&e.to_string())
                    ),
                ));
                return finish(global.output, checks);
            }
        }
    } else {
        checks.push(Check::new(
            "token",
            Status::Ok,
            format!(
                "an access token given as it is ({}); it expires within the hour",
                target.source
            ),
        ));
    }
    let api = target.api_url();
    let client = match target.client(global) {
        Ok(c) => c,
        Err(e) => {
            checks.push(Check::new("connection", Status::Failed, e.to_string()));
            return finish(global.output, checks);
        }
    };
    // Who, and which org.
    let user = client.directory().current_user().await;
    if let Err(e) = &user {
        if matches!(
            e,
            Error::Api {
                code: enums::ZohoCode::InvalidToken | enums::ZohoCode::AuthenticationFailure,
                ..
            }
        ) {
            checks.push(Check::new(
                "api",
                Status::Failed,
                format!(
                    "{api} refused the access token: the org is likely in another data centre \
                     or environment than {data_center} {environment} (set --data-center and \
                     --environment, or log in again), or the token expired or was revoked"
                ),
            ));
            return finish(global.output, checks);
        }
    }
    checks.push(classify(
        "signed-in user",
        Operation::GetUsers,
        user.map(|u| match u {
            Some(u) => format!(
                "{} <{}>",
                terminal::escape(u.full_name.as_deref().unwrap_or("?")),
                terminal::escape(u.email.as_deref().unwrap_or("?"))
            ),
            None => "Zoho named no current user".into(),
        }),
        false,
    ));
    let org = client.directory().org().await;
    let kind = org
        .as_ref()
        .ok()
        .and_then(|o| o.as_ref())
        .and_then(|o| o.type_.as_ref())
        .map(|t| t.to_string().to_ascii_lowercase());
    let mut org_check = classify(
        "org",
        Operation::GetOrg,
        org.map(|o| match o {
            Some(o) => format!(
                "{} (org {}, {})",
                terminal::escape(o.company_name.as_deref().unwrap_or("?")),
                terminal::escape(&o.id),
                kind.as_deref()
                    .map(|k| terminal::escape(k).into_owned())
                    .unwrap_or_else(|| "environment not named".into())
            ),
            None => "Zoho named no org".into(),
        }),
        false,
    );
    if let Some(kind) = kind {
        let expected = environment.to_string();
        if kind != expected && ["production", "sandbox", "developer"].contains(&kind.as_str()) {
            org_check.status = Status::Failed;
            org_check.detail = format!(
                "{}; but the profile says {expected}: set the environment to {kind} \
                 (--environment {kind}, or the profile's environment)",
                org_check.detail
            );
        }
    }
    checks.push(org_check);
    checks.extend(probes(&client, args).await);
    checks.extend(write_checks(granted.as_deref()));
    finish(global.output, checks)
}

/// Prints the checks; the exit status.
fn finish(format: Option<Format>, checks: Vec<Check>) -> Result<u8, CliError> {
    let ok = checks
        .iter()
        .all(|c| matches!(c.status, Status::Ok | Status::Unknown));
    if matches!(format, Some(Format::Json | Format::Yaml)) {
        let doc = serde_json::json!({ "ok": ok, "checks": checks });
        crate::output::Printer::new(format.unwrap_or_default()).one(&doc)?;
    } else {
        // Columns as wide as their widest entry; on a terminal, a detail wraps under itself
        // (piped, a check is one line).
        let width = terminal::stdout_width().map(usize::from);
        let status_width = checks.iter().map(|c| c.status.word().len()).max();
        let check_width = checks.iter().map(|c| c.check.len()).max();
        let (status_width, check_width) = (status_width.unwrap_or(0), check_width.unwrap_or(0));
        let under = status_width + check_width + 4;
        let indent = match width {
            Some(w) if w < under + 30 => 4,
            _ => under,
        };
        let mut text = String::new();
        for c in &checks {
            let line = format!(
                "{:<status_width$}  {:<check_width$}  {}",
                c.status.word(),
                c.check,
                terminal::escape(&c.detail)
            );
            text.push_str(&terminal::wrap(line.trim_end(), width, indent));
            text.push('\n');
        }
        text.push_str(if ok {
            "Everything the tool needs works."
        } else {
            "Some checks failed: fix what they say, then run doctor again."
        });
        crate::output::write_stdout(&text)?;
    }
    Ok(if ok { exit::SUCCESS } else { exit::FAILED })
}
