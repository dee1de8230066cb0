//! `cargo xtask record`: runs a fixed sequence of real calls and writes each exchange as a
//! recording (format in `tests/recordings/README.md`).
//!
//! The sequence covers every operation of the three families: a record locking configuration
//! is created, read, updated (both forms) and deleted (both forms); a criteria-based sharing
//! rule (shared with all users, so no role or group ids are needed) is created, read, updated,
//! deactivated, activated, searched, summarized, re-run and deleted; the default organization
//! permissions are read and written back unchanged. One request without `module` records a
//! flat error. The directory's 14 read-only operations are each called once or twice (roles,
//! user groups across two pages, a group's members and their count, profiles, modules, the
//! sharing module's fields, the current user as Zoho's SDKs ask for it, active users, one of
//! each by id).
//!
//! `--simulator` runs the same sequence against the crate's embedded simulator, so CI can
//! capture a session and check it with `check-spec`. Otherwise credentials come from the
//! environment: `ZOHO_ACCESS_TOKEN`, or `ZOHO_CLIENT_ID`,
//! `ZOHO_CLIENT_SECRET` and `ZOHO_REFRESH_TOKEN` exchanged at `--accounts-url`.
//!
//! What is written: method, path, query and request body; the response status, its
//! `content-type` and its body. Never a request header (so never `Authorization`). Values of
//! secret keys (`access_token`, `refresh_token`, `client_secret`, ...) become `[redacted]`, and
//! every occurrence of the token, refresh token or client secret anywhere is removed too.
//! Personal data becomes stable placeholders: the same user name or e-mail address always gives
//! the same `User N` / `userN@example.invalid` within a session; a person's phone, mobile, fax
//! and alias become `[redacted]`.

/// `println!` that ignores a closed stdout (output piped into `head`, ...).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{json, Value};
use zoho_crm_access::operations::Operation;

/// Arguments of `cargo xtask record`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The API domain to call, e.g. `https://www.zohoapis.com` or `http://127.0.0.1:8080`
    /// (a trailing `/crm/v8` is accepted). Default: the `api_domain` of the token response.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// The Zoho Accounts server for the refresh-token exchange, e.g. `https://accounts.zoho.com`.
    #[arg(long, value_name = "URL")]
    accounts_url: Option<String>,
    /// Record against the crate's embedded simulator (`zoho_crm_access_simulator`) instead of
    /// a server: no credentials needed.
    #[arg(long, conflicts_with_all = ["base_url", "accounts_url"])]
    simulator: bool,
    /// Where to write the recordings (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace the recordings (`*.json`) already in `--out` (otherwise a non-empty `--out` is
    /// an error, so that one directory holds one session).
    #[arg(long)]
    force: bool,
    /// Module for the record locking calls.
    #[arg(long, default_value = "Deals")]
    locking_module: String,
    /// Module for the sharing-rule calls.
    #[arg(long, default_value = "Leads")]
    sharing_module: String,
    /// An unlocked record of `--locking-module` to lock, read, give another reason and unlock
    /// while the session's configuration allows manual locks (the record locks calls). Without
    /// it those calls are skipped; with `--simulator` a seeded deal is used.
    #[arg(long, value_name = "ID")]
    record_id: Option<String>,
}

/// Secrets of the session: never written, never printed.
struct Secrets {
    token: String,
    others: Vec<String>,
}

impl Secrets {
    fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in std::iter::once(&self.token).chain(&self.others) {
            if s.len() >= 4 {
                out = out.replace(s.as_str(), "[redacted]");
            }
        }
        out
    }
}

/// Keys whose values are secrets wherever they appear.
const SECRET_KEYS: [&str; 8] = [
    "access_token",
    "refresh_token",
    "client_secret",
    "client_id",
    "id_token",
    "authorization",
    "password",
    "code_verifier",
];

/// Keys of objects that describe a person (their `name` and `email` are personal data).
const PERSON_KEYS: [&str; 12] = [
    "created_by",
    "modified_by",
    "created_by__s",
    "modified_by__s",
    "forecast_manager",
    "owner",
    "user",
    "users",
    "locked_by",
    "unlocked_by",
    // A record lock's user, and the locked record, whose name is often a person's (a lead, a
    // contact).
    "locked_by__s",
    "locked_for__s",
];

/// Keys of a person that are personal data themselves (names are handled as names).
const PERSON_DATA_KEYS: [&str; 4] = ["phone", "mobile", "fax", "alias"];

/// Replaces personal data with stable placeholders.
#[derive(Default)]
pub struct Redactor {
    names: BTreeMap<String, String>,
    emails: BTreeMap<String, String>,
}

impl Redactor {
    fn name(&mut self, real: &str) -> String {
        let n = self.names.len() + 1;
        self.names
            .entry(real.to_owned())
            .or_insert_with(|| format!("User {n}"))
            .clone()
    }

    fn email(&mut self, real: &str) -> String {
        let n = self.emails.len() + 1;
        self.emails
            .entry(real.to_ascii_lowercase())
            .or_insert_with(|| format!("user{n}@example.invalid"))
            .clone()
    }

    /// Redacts a JSON value in place.
    pub fn redact(&mut self, value: &mut Value, in_person: bool) {
        match value {
            Value::Object(map) => {
                // A member of a user group that is a user (`{"source": {...}, "type": "users"}`).
                let user_source = map.get("type").and_then(Value::as_str) == Some("users");
                for (key, v) in map.iter_mut() {
                    let lower = key.to_ascii_lowercase();
                    if SECRET_KEYS.contains(&lower.as_str()) || lower.ends_with("_secret") {
                        *v = Value::String("[redacted]".into());
                        continue;
                    }
                    if in_person && PERSON_DATA_KEYS.contains(&lower.as_str()) && v.is_string() {
                        *v = Value::String("[redacted]".into());
                        continue;
                    }
                    // A user's manager is a person; a role's `reporting_to` is a role.
                    let person = PERSON_KEYS.contains(&lower.as_str())
                        || (in_person && lower == "reporting_to")
                        || (user_source && lower == "source");
                    match v {
                        Value::String(s)
                            if in_person
                                && (lower == "name"
                                    || lower == "full_name"
                                    || lower == "first_name"
                                    || lower == "last_name") =>
                        {
                            *s = self.name(s);
                        }
                        _ => self.redact(v, person),
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.redact(item, in_person);
                }
            }
            Value::String(s) if s.contains('@') => {
                let words: Vec<String> = s
                    .split(' ')
                    .map(|w| {
                        let core = w.trim_matches(|c: char| "<>()[],;:\"'".contains(c));
                        if looks_like_email(core) {
                            w.replace(core, &self.email(core))
                        } else {
                            w.to_owned()
                        }
                    })
                    .collect();
                *s = words.join(" ");
            }
            _ => {}
        }
    }
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !s.contains(char::is_whitespace)
        && !domain.starts_with('.')
}

/// One step of the session.
struct Exchange {
    operation: Operation,
    method: reqwest::Method,
    /// Below `/crm/v8`.
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
}

/// A response as recorded.
struct Answer {
    status: u16,
    body: Option<Value>,
}

struct Session {
    http: reqwest::Client,
    api: String,
    secrets: Secrets,
    redactor: Redactor,
    out: PathBuf,
    origin: String,
    written: usize,
    skipped: Vec<String>,
}

impl Session {
    async fn call(&mut self, ex: Exchange) -> Result<Answer, String> {
        let url = format!("{}/crm/v8{}", self.api, ex.path);
        let mut request = self
            .http
            .request(ex.method.clone(), &url)
            .header(
                reqwest::header::AUTHORIZATION,
                format!("Zoho-oauthtoken {}", self.secrets.token),
            )
            .query(&ex.query);
        if let Some(body) = &ex.body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| {
            format!(
                "{} {}: {}",
                ex.method,
                ex.path,
                self.secrets.scrub(&e.without_url().to_string())
            )
        })?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await.map_err(|e| {
            format!(
                "{} {}: reading the body: {}",
                ex.method,
                ex.path,
                self.secrets.scrub(&e.to_string())
            )
        })?;
        let body =
            if bytes.iter().all(u8::is_ascii_whitespace) {
                None
            } else {
                Some(serde_json::from_slice::<Value>(&bytes).unwrap_or_else(|_| {
                    Value::String(String::from_utf8_lossy(&bytes).into_owned())
                }))
            };
        self.write(&ex, status, content_type.as_deref(), body.clone())?;
        say!(
            "{:>3} {} {} ({})",
            status,
            ex.method,
            ex.path,
            ex.operation.id()
        );
        Ok(Answer { status, body })
    }

    fn write(
        &mut self,
        ex: &Exchange,
        status: u16,
        content_type: Option<&str>,
        body: Option<Value>,
    ) -> Result<(), String> {
        let mut request_body = ex.body.clone();
        if let Some(b) = request_body.as_mut() {
            self.redactor.redact(b, false);
        }
        let mut response_body = body;
        if let Some(b) = response_body.as_mut() {
            self.redactor.redact(b, false);
        }
        let query: serde_json::Map<String, Value> = ex
            .query
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let mut request = json!({"method": ex.method.as_str(), "path": format!("/crm/v8{}", ex.path), "query": query});
        if let Some(b) = request_body {
            request["body"] = b;
        }
        let mut response = json!({"status": status});
        if let Some(ct) = content_type {
            response["headers"] = json!({"content-type": ct});
        }
        if let Some(b) = response_body {
            response["body"] = b;
        }
        let recording = json!({
            "source": format!("capture: cargo xtask record against {} (secrets removed, personal data replaced by placeholders)", self.origin),
            "request": request,
            "response": response,
        });
        self.written += 1;
        let name = format!("{:03}_{}__{}.json", self.written, ex.operation.id(), status);
        let text = serde_json::to_string_pretty(&recording).map_err(|e| e.to_string())?;
        let text = self.secrets.scrub(&text);
        std::fs::write(self.out.join(&name), text + "\n")
            .map_err(|e| format!("cannot write {}: {e}", self.out.join(&name).display()))
    }

    fn skip(&mut self, operation: &str, why: &str) {
        say!("skip {operation}: {why}");
        self.skipped.push(format!("{operation} ({why})"));
    }
}

/// A call of `operation`: its method and path template from the operations table, the template's
/// one parameter (if it has one) set to `param`.
fn ex(
    operation: Operation,
    param: Option<&str>,
    query: &[(&str, &str)],
    body: Option<Value>,
) -> Exchange {
    ex_with(operation, param.as_slice(), query, body)
}

/// A call of `operation` whose path template's parameters are set to `params`, in order.
fn ex_with(
    operation: Operation,
    params: &[&str],
    query: &[(&str, &str)],
    body: Option<Value>,
) -> Exchange {
    let template = operation.path();
    let mut params = params.iter();
    let path = template
        .split('/')
        .map(|seg| {
            if seg.starts_with('{') && seg.ends_with('}') {
                *params
                    .next()
                    .unwrap_or_else(|| panic!("{operation}: {template} needs more parameters"))
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    assert!(
        params.next().is_none(),
        "{operation}: {template} takes fewer parameters"
    );
    Exchange {
        operation,
        method: operation.method(),
        path,
        query: query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        body,
    }
}

/// `details.id` of the first action result under `key`.
fn result_id(answer: &Answer, key: &str) -> Option<String> {
    answer
        .body
        .as_ref()?
        .get(key)?
        .get(0)?
        .get("details")?
        .get("id")?
        .as_str()
        .map(str::to_owned)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The access token (and, from a refresh, the api domain Zoho names).
async fn credentials(
    http: &reqwest::Client,
    accounts_url: Option<&str>,
) -> Result<(Secrets, Option<String>), String> {
    if let Some(token) = env("ZOHO_ACCESS_TOKEN") {
        return Ok((
            Secrets {
                token,
                others: Vec::new(),
            },
            None,
        ));
    }
    let (Some(id), Some(secret), Some(refresh)) = (
        env("ZOHO_CLIENT_ID"),
        env("ZOHO_CLIENT_SECRET"),
        env("ZOHO_REFRESH_TOKEN"),
    ) else {
        return Err("no credentials: set ZOHO_ACCESS_TOKEN, or ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN (with --accounts-url)".into());
    };
    let accounts = accounts_url
        .ok_or(
            "--accounts-url is required with ZOHO_CLIENT_ID/ZOHO_CLIENT_SECRET/ZOHO_REFRESH_TOKEN",
        )?
        .trim_end_matches('/');
    let others = vec![secret.clone(), refresh.clone(), id.clone()];
    let scrub = |s: String| {
        let mut s = s;
        for o in &others {
            s = s.replace(o.as_str(), "[redacted]");
        }
        s
    };
    let form: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "refresh_token")
        .append_pair("client_id", &id)
        .append_pair("client_secret", &secret)
        .append_pair("refresh_token", &refresh)
        .finish();
    let response = http
        .post(format!("{accounts}/oauth/v2/token"))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(form)
        .send()
        .await
        .map_err(|e| scrub(format!("token refresh failed: {}", e.without_url())))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| scrub(format!("token refresh answered {status} with no JSON: {e}")))?;
    let Some(token) = body.get("access_token").and_then(Value::as_str) else {
        let error = body
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("no access_token");
        return Err(scrub(format!("token refresh answered {status}: {error}")));
    };
    let api_domain = body
        .get("api_domain")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok((
        Secrets {
            token: token.to_owned(),
            others,
        },
        api_domain,
    ))
}

/// Runs the session.
pub fn run(args: Args) -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(record(args))
}

async fn record(args: Args) -> Result<ExitCode, String> {
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let simulator = if args.simulator {
        Some(
            zoho_crm_access_simulator::Simulator::start()
                .await
                .map_err(|e| format!("cannot start the simulator: {e}"))?,
        )
    } else {
        None
    };
    let (secrets, api_domain) = match &simulator {
        Some(sim) => (
            Secrets {
                token: sim.access_token(),
                others: Vec::new(),
            },
            Some(sim.api_domain()),
        ),
        None => credentials(&http, args.accounts_url.as_deref()).await?,
    };
    let api = args
        .base_url
        .clone()
        .or(api_domain)
        .ok_or("no --base-url and no api_domain from a token refresh")?;
    let api = api
        .trim_end_matches('/')
        .trim_end_matches("/crm/v8")
        .to_owned();
    let parsed =
        url::Url::parse(&api).map_err(|e| format!("--base-url `{api}` is not a URL: {e}"))?;
    let origin = format!("{}://{}", parsed.scheme(), parsed.host_str().unwrap_or("?"));
    prepare_out(&args.out, args.force)?;
    let mut s = Session {
        http,
        api,
        secrets,
        redactor: Redactor::default(),
        out: args.out.clone(),
        origin,
        written: 0,
        skipped: Vec::new(),
    };
    let record_id = args.record_id.clone().or_else(|| {
        simulator
            .as_ref()
            .and_then(|sim| sim.record_id(&args.locking_module, "Benton Supply Renewal"))
    });
    run_sequence(
        &mut s,
        &args.locking_module,
        &args.sharing_module,
        record_id.as_deref(),
    )
    .await?;
    drop(simulator);
    say!("recorded {} exchanges in {}", s.written, display(&args.out));
    if s.skipped.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        say!(
            "{} steps skipped: {}",
            s.skipped.len(),
            s.skipped.join("; ")
        );
        Ok(ExitCode::FAILURE)
    }
}

/// Creates `out`, or empties it of recordings with `force`; refuses to mix two sessions.
fn prepare_out(out: &Path, force: bool) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let existing: Vec<PathBuf> = std::fs::read_dir(out)
        .map_err(|e| format!("cannot read {}: {e}", out.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .collect();
    if existing.is_empty() {
        return Ok(());
    }
    if !force {
        return Err(format!(
            "{} already holds {} recordings; pass --force to replace them",
            out.display(),
            existing.len()
        ));
    }
    for p in existing {
        std::fs::remove_file(&p).map_err(|e| format!("cannot remove {}: {e}", p.display()))?;
    }
    Ok(())
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

async fn run_sequence(
    s: &mut Session,
    lock_module: &str,
    share_module: &str,
    record_id: Option<&str>,
) -> Result<(), String> {
    use Operation::*;
    const RLC_KEY: &str = "record_locking_configurations";
    const SR_KEY: &str = "sharing_rules";
    let m = [("module", lock_module)];

    // ---- record locking configurations
    let existing = s
        .call(ex(GetRecordLockingConfigurations, None, &m, None))
        .await?;
    s.call(ex(GetRecordLockingConfigurations, None, &[], None))
        .await?;
    if existing.status == 200 {
        s.skip(
            "record locking",
            &format!("{lock_module} already has a configuration; choose another --locking-module"),
        );
    } else {
        let create = json!({RLC_KEY: [{
            "lock_type": "automatic",
            "locked_for": "all_profiles",
            "feature_type": "record_locking",
            "restricted_actions": ["update"],
            "lock_for_portal_users": false,
            "locking_rules": [{
                "name": "xtask record",
                "lock_existing_records": false,
                "criteria": {"comparator": "equal", "field": {"api_name": "Stage"}, "value": "Closed Won"}
            }]
        }]});
        let created = s
            .call(ex(
                CreateRecordLockingConfiguration,
                None,
                &m,
                Some(create.clone()),
            ))
            .await?;
        match result_id(&created, RLC_KEY) {
            None => s.skip("record locking", "create returned no id"),
            Some(id) => {
                s.call(ex(GetRecordLockingConfigurationById, Some(&id), &m, None))
                    .await?;
                s.call(ex(
                    UpdateRecordLockingConfigurations,
                    None,
                    &m,
                    Some(
                        json!({RLC_KEY: [{"id": id, "restricted_actions": ["update", "delete"]}]}),
                    ),
                ))
                .await?;
                s.call(ex(
                    UpdateRecordLockingConfiguration,
                    Some(&id),
                    &m,
                    Some(json!({RLC_KEY: [{"id": id, "lock_type": "both"}]})),
                ))
                .await?;
                // ---- the locks of one record, while the configuration allows manual locks
                match record_id {
                    None => s.skip(
                        "record locks",
                        "no --record-id (an unlocked record of the locking module)",
                    ),
                    Some(record) => record_locks(s, lock_module, record).await?,
                }
                s.call(ex(GetRecordLockingConfigurations, None, &m, None))
                    .await?;
                s.call(ex(DeleteRecordLockingConfiguration, Some(&id), &m, None))
                    .await?;
                let again = s
                    .call(ex(CreateRecordLockingConfiguration, None, &m, Some(create)))
                    .await?;
                match result_id(&again, RLC_KEY) {
                    Some(id2) => {
                        s.call(ex(
                            DeleteRecordLockingConfigurations,
                            None,
                            &[("module", lock_module), ("ids", id2.as_str())],
                            None,
                        ))
                        .await?;
                    }
                    None => s.skip(
                        DeleteRecordLockingConfigurations.id(),
                        "second create returned no id",
                    ),
                }
            }
        }
    }

    // ---- data sharing rules
    let sm = [("module", share_module)];
    s.call(ex(GetSharingRulesSummary, None, &[], None)).await?;
    s.call(ex(
        ListSharingRules,
        None,
        &[("module", share_module), ("page", "1"), ("per_page", "200")],
        None,
    ))
    .await?;
    let name = format!(
        "xtask record {}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    );
    let create = json!({SR_KEY: [{
        "name": name,
        "type": "Criteria_Based",
        "superiors_allowed": false,
        "permission_type": "read",
        "shared_to": {"type": "all_users", "subordinates": false},
        "criteria": {"group_operator": "AND", "group": [
            {"comparator": "equal", "field": {"api_name": "City"}, "type": "value", "value": "Recorder Test City"},
            {"comparator": "equal", "field": {"api_name": "State"}, "type": "value", "value": "Recorder Test State"}
        ]}
    }]});
    let created = s
        .call(ex(CreateSharingRule, None, &sm, Some(create)))
        .await?;
    match result_id(&created, SR_KEY) {
        None => s.skip("sharing rules", "create returned no id"),
        Some(id) => {
            let id = Some(id.as_str());
            s.call(ex(GetSharingRule, id, &sm, None)).await?;
            s.call(ex(
                UpdateSharingRules,
                None,
                &sm,
                Some(json!({SR_KEY: [{
                    "id": id,
                    "type": "Criteria_Based",
                    "superiors_allowed": false,
                    "permission_type": "read_write"
                }]})),
            ))
            .await?;
            s.call(ex(
                UpdateSharingRule,
                id,
                &sm,
                Some(json!({SR_KEY: [{"type": "Criteria_Based", "superiors_allowed": true}]})),
            ))
            .await?;
            s.call(ex(DeactivateSharingRule, id, &sm, None)).await?;
            s.call(ex(ActivateSharingRule, id, &sm, None)).await?;
            let filters = json!({"filters": [{"group_operator": "and", "group": [
                {"field": {"api_name": "name"}, "comparator": "like", "value": "xtask record"},
                {"field": {"api_name": "status"}, "comparator": "equal", "value": "active"}
            ]}]});
            s.call(ex(SearchSharingRules, None, &sm, Some(filters.clone())))
                .await?;
            s.call(ex(SearchSharingRulesSummary, None, &[], Some(filters)))
                .await?;
            s.call(ex(RerunSharingRules, None, &sm, None)).await?;
            s.call(ex(DeleteSharingRule, id, &sm, None)).await?;
        }
    }

    // ---- the directory (read-only)
    directory(s, share_module).await?;

    // ---- default organization permissions: read, then write one module back unchanged
    let current = s.call(ex(GetOrgPermissions, None, &[], None)).await?;
    let entry = current
        .body
        .as_ref()
        .and_then(|b| b.get("data_sharing"))
        .and_then(Value::as_array)
        .and_then(|list| {
            list.iter().find(|e| {
                e.pointer("/module/api_name").and_then(Value::as_str) == Some(share_module)
            })
        })
        .and_then(|e| {
            Some((
                e.get("share_type")?.as_str()?.to_owned(),
                e.pointer("/module/id")?.as_str()?.to_owned(),
            ))
        });
    match entry {
        Some((share_type, module_id)) => {
            s.call(ex(
                UpdateOrgPermissions,
                None,
                &[],
                Some(json!({"data_sharing": [{"share_type": share_type, "module": {"id": module_id, "api_name": share_module}}]})),
            ))
            .await?;
        }
        None => s.skip(
            UpdateOrgPermissions.id(),
            "module not in the organization permissions",
        ),
    }
    Ok(())
}

/// The five record lock calls on `record`: its (empty) lock list, a manual lock, the list and
/// the lock by id, another reason, the unlock.
async fn record_locks(s: &mut Session, module: &str, record: &str) -> Result<(), String> {
    use Operation::*;
    const FIELDS: &str = "Locked_For__s,Locked_Reason__s,Lock_Source__s,Locked_Time__s,\
                          Locked_By__s,Record_Locking_Rule_Id__s,Record_Locking_Configuration_Id__s";
    let at = [module, record];
    let fields = [("fields", FIELDS)];
    s.call(ex_with(GetRecordLocks, &at, &fields, None)).await?;
    let locked = s
        .call(ex_with(
            LockRecord,
            &at,
            &[],
            Some(json!({"data": [{"Locked_Reason__s": "xtask record"}]})),
        ))
        .await?;
    let Some(lock) = result_id(&locked, "data") else {
        s.skip("record locks", "the lock returned no id");
        return Ok(());
    };
    s.call(ex_with(GetRecordLocks, &at, &fields, None)).await?;
    let one = [module, record, lock.as_str()];
    s.call(ex_with(GetRecordLock, &one, &[], None)).await?;
    s.call(ex_with(
        UpdateRecordLockReason,
        &one,
        &[],
        Some(json!({"data": [{"Locked_Reason__s": "xtask record, reason changed"}]})),
    ))
    .await?;
    s.call(ex_with(UnlockRecord, &one, &[], None)).await?;
    Ok(())
}

/// The first item's `id` under `key` of an answer.
fn first_id(answer: &Answer, key: &str) -> Option<String> {
    answer
        .body
        .as_ref()?
        .get(key)?
        .get(0)?
        .get("id")?
        .as_str()
        .map(str::to_owned)
}

/// The directory's 14 read-only operations: each list, then one item of it by id.
async fn directory(s: &mut Session, module: &str) -> Result<(), String> {
    use Operation::*;
    let roles = s.call(ex(GetRoles, None, &[], None)).await?;
    match first_id(&roles, "roles") {
        Some(id) => {
            s.call(ex(GetRole, Some(&id), &[], None)).await?;
        }
        None => s.skip(GetRole.id(), "no role listed"),
    }

    let include = ("include", "sources_count");
    let groups = s
        .call(ex(
            GetUserGroups,
            None,
            &[include, ("page", "1"), ("per_page", "1")],
            None,
        ))
        .await?;
    s.call(ex(
        GetUserGroups,
        None,
        &[include, ("page", "2"), ("per_page", "1")],
        None,
    ))
    .await?;
    match first_id(&groups, "user_groups") {
        Some(id) => {
            let id = Some(id.as_str());
            s.call(ex(GetGroup, id, &[include], None)).await?;
            s.call(ex(GetUserGroupSources, id, &[], None)).await?;
            s.call(ex(GetUserGroupSourcesCount, id, &[], None)).await?;
        }
        None => {
            let ops = [GetGroup, GetUserGroupSources, GetUserGroupSourcesCount].map(Operation::id);
            s.skip(&ops.join(", "), "no group listed");
        }
    }

    let profiles = s.call(ex(GetProfiles, None, &[], None)).await?;
    match first_id(&profiles, "profiles") {
        Some(id) => {
            s.call(ex(GetProfile, Some(&id), &[], None)).await?;
        }
        None => s.skip(GetProfile.id(), "no profile listed"),
    }

    s.call(ex(GetModules, None, &[], None)).await?;
    s.call(ex(GetModuleByApiName, Some(module), &[], None))
        .await?;
    let m = [("module", module)];
    let fields = s.call(ex(GetFields, None, &m, None)).await?;
    match first_id(&fields, "fields") {
        Some(id) => {
            s.call(ex(GetFieldsWithId, Some(&id), &m, None)).await?;
        }
        None => s.skip(GetFieldsWithId.id(), "no field listed"),
    }

    // What Zoho's SDKs call right after they obtain a token.
    let me = s
        .call(ex(GetUsers, None, &[("type", "CurrentUser")], None))
        .await?;
    s.call(ex(
        GetUsers,
        None,
        &[("type", "ActiveUsers"), ("page", "1"), ("per_page", "200")],
        None,
    ))
    .await?;
    match first_id(&me, "users") {
        Some(id) => {
            s.call(ex(GetSingleUser, Some(&id), &[], None)).await?;
        }
        None => s.skip(GetSingleUser.id(), "no current user"),
    }
    // The org the token signs in to (`zoho-access login` and `doctor` read it; the access
    // model reads its hierarchy preference).
    s.call(ex(GetOrg, None, &[], None)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_is_stable_and_removes_secrets() {
        let mut r = Redactor::default();
        let mut v = json!({
            "created_by": {"name": "Ada Lovelace", "id": "1", "email": "ada@corp.example"},
            "modified_by": {"name": "Ada Lovelace", "id": "1"},
            "owner": {"name": "Alan Turing"},
            "access_token": "1000.secret",
            "note": "mail alan@corp.example",
            "contact": "alan@corp.example",
            "text": "write to <ada@corp.example>",
            "name": "Rule name stays",
        });
        r.redact(&mut v, false);
        assert_eq!(v["created_by"]["name"], "User 1");
        assert_eq!(v["modified_by"]["name"], "User 1");
        assert_eq!(v["owner"]["name"], "User 2");
        // Keys are visited in order: `contact` (alan) comes before `created_by` (ada).
        assert_eq!(v["contact"], "user1@example.invalid");
        assert_eq!(v["created_by"]["email"], "user2@example.invalid");
        assert_eq!(v["text"], "write to <user2@example.invalid>");
        assert_eq!(v["note"], "mail user1@example.invalid");
        assert_eq!(v["access_token"], "[redacted]");
        assert_eq!(v["name"], "Rule name stays");
    }

    #[test]
    fn directory_people_are_redacted_and_roles_are_not() {
        let mut r = Redactor::default();
        let mut v = json!({
            "users": [{
                "full_name": "Ada Lovelace", "first_name": "Ada", "last_name": "Lovelace",
                "email": "ada@corp.example", "phone": "+44 20 0000", "alias": "ada",
                "Reporting_To": {"name": "Alan Turing", "id": "2"},
                "role": {"name": "CEO", "id": "3"}
            }],
            "roles": [{"name": "Manager", "reporting_to": {"name": "CEO", "id": "3"},
                       "forecast_manager": {"name": "Grace Hopper", "id": "4"}}],
            "sources": [
                {"source": {"name": "Alan Turing", "id": "2"}, "type": "users"},
                {"source": {"name": "Manager", "id": "5"}, "type": "roles"}
            ]
        });
        r.redact(&mut v, false);
        let user = &v["users"][0];
        for key in ["full_name", "first_name", "last_name"] {
            assert!(user[key].as_str().unwrap().starts_with("User "), "{key}");
        }
        assert_eq!(user["email"], "user1@example.invalid");
        assert_eq!(user["phone"], "[redacted]");
        assert_eq!(user["alias"], "[redacted]");
        assert!(user["Reporting_To"]["name"]
            .as_str()
            .unwrap()
            .starts_with("User "));
        assert_eq!(user["role"]["name"], "CEO");
        assert_eq!(v["roles"][0]["name"], "Manager");
        assert_eq!(v["roles"][0]["reporting_to"]["name"], "CEO");
        assert!(v["roles"][0]["forecast_manager"]["name"]
            .as_str()
            .unwrap()
            .starts_with("User "));
        assert_eq!(
            v["sources"][0]["source"]["name"],
            user["Reporting_To"]["name"]
        );
        assert_eq!(v["sources"][1]["source"]["name"], "Manager");
    }
}
