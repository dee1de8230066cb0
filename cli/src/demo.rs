//! `zoho-access demo`: a guided tour of the three families against an embedded simulator.
//!
//! 1. Lock Closed Won deals automatically, Description staying editable (Kaizen #109).
//! 2. Add a Closed Lost rule (an OR group) and enable manual locking too (`lock_type: both`).
//! 3. Delete the Closed Won rule.
//! 4. Create an owner-based and 5. a criteria-based sharing rule for Leads.
//! 6. Make Leads public org-wide.
//! 7. Show the resulting configuration.
//! 8. Promote it to a production org (another simulator): pull, plan (with its effect on
//!    access, as `plan` prints it), apply, pull again.

use secrecy::ExposeSecret;
use serde_json::{json, Value};
use zoho_crm_access::criteria::field;
use zoho_crm_access::{enums, types, Client};
use zoho_crm_access_simulator::Simulator;

use crate::input::decode;
use crate::output::{counted, write_stdout, Format};
use crate::table::NONE;
use crate::CliError;

struct Story {
    text: bool,
}

impl Story {
    /// Prints a line of the story; server text in it is escaped for the terminal. On a
    /// terminal, a line wider than it wraps between words, under the line's text (after its
    /// indent and its `-> ` or `N. `).
    fn say(&self, text: &str) -> Result<(), CliError> {
        if self.text {
            let width = crate::terminal::stdout_width().map(usize::from);
            for line in text.split('\n') {
                let line = crate::terminal::escape(line);
                let body = line.trim_start_matches(' ');
                let mut indent = line.len() - body.len();
                if body.starts_with("-> ") {
                    indent += 3;
                } else if let Some((n, _)) = body.split_once(". ") {
                    if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
                        indent += n.len() + 2;
                    }
                }
                write_stdout(&crate::terminal::wrap(&line, width, indent))?;
            }
        }
        Ok(())
    }

    fn step(&self, n: u32, title: &str, call: &str) -> Result<(), CliError> {
        self.say(&format!("\n{n}. {title}\n   {call}"))
    }

    fn done(&self, r: &types::ActionResult) -> Result<(), CliError> {
        let id = r
            .details
            .id
            .as_deref()
            .map(|id| format!(" (id {id})"))
            .unwrap_or_default();
        self.say(&format!("   -> {} {}{id}", r.code, r.message))
    }
}

pub async fn run(format: Option<Format>) -> Result<(), CliError> {
    // JSON or YAML asked for: only the resulting configuration, as a document.
    let document = matches!(format, Some(Format::Json | Format::Yaml));
    let story = Story { text: !document };
    let sim = Simulator::start()
        .await
        .map_err(|e| CliError::Other(format!("cannot start the simulator: {e}")))?;
    let creds = sim.credentials();
    let client = Client::builder()
        .base_url(sim.api_domain())
        .accounts_url(sim.accounts_url())
        .refresh_token(
            creds.client_id.clone(),
            creds.client_secret.expose_secret(),
            creds.refresh_token.expose_secret(),
        )
        .build()?;

    story.say("zoho-access demo: record locking, sharing rules and org-wide permissions, changed and read back through the API of a built-in simulated Zoho CRM org (offline, no account).")?;
    story.say(&format!(
        "Simulated org: API {}/crm/v8, accounts {}/oauth/v2/token; signing in with the refresh-token flow.",
        sim.api_domain(),
        sim.accounts_url()
    ))?;

    // 1. Closed Won deals lock automatically; Description stays editable.
    story.step(
        1,
        "Lock Closed Won deals automatically (Description stays editable)",
        "POST /settings/record_locking_configurations?module=Deals",
    )?;
    let deals = client.record_locking("Deals");
    let input: types::RecordLockingConfigurationInput = decode(
        json!({
            "lock_type": "automatic",
            "locked_for": "all_profiles",
            "excluded_fields": [{ "api_name": "Description" }],
            "restricted_actions": ["update"],
            "lock_for_portal_users": true,
            "feature_type": "record_locking",
            "locking_rules": [{
                "name": "Closed Won",
                "lock_existing_records": true,
                "criteria": field("Stage").equal("Closed Won").build(),
            }],
        }),
        "demo configuration",
    )?;
    let created = deals.create(input).await?;
    story.done(&created)?;
    let config_id = created
        .details
        .id
        .clone()
        .ok_or_else(|| CliError::Other("Zoho returned no configuration id".into()))?;
    story.say(&format!(
        "   (signed in: {} to the accounts server)",
        counted(sim.token_requests(), "token request", "token requests")
    ))?;

    // 2. A Closed Lost OR rule, and manual locking too.
    story.step(
        2,
        "Add a Closed Lost rule (Stage is Closed Lost OR Closed-Lost to Competition) and enable manual locking (lock_type both)",
        "PUT /settings/record_locking_configurations?module=Deals",
    )?;
    let closed_lost = field("Stage")
        .equal("Closed Lost")
        .or(field("Stage").equal("Closed-Lost to Competition"))
        .build();
    let update: types::RecordLockingConfigurationUpdate = decode(
        json!({
            "id": config_id,
            "lock_type": "both",
            "locking_rules": [{ "name": "Closed Lost", "lock_existing_records": true, "criteria": closed_lost }],
        }),
        "demo update",
    )?;
    story.done(&deals.update(update).await?)?;

    record_locks(&client, &sim, &story).await?;

    // 6. Delete the Closed Won rule.
    let current = deals
        .get()
        .await?
        .ok_or_else(|| CliError::Other("the configuration disappeared".into()))?;
    let closed_won_id = current
        .locking_rules
        .iter()
        .find(|r| r.name.as_str() == "Closed Won")
        .map(|r| r.id.clone())
        .ok_or_else(|| CliError::Other("the Closed Won rule is missing".into()))?;
    story.step(
        6,
        &format!("Delete the Closed Won rule (id {closed_won_id}): its deals unlock"),
        &format!(
            "PUT /settings/record_locking_configurations/{config_id}?module=Deals with _delete"
        ),
    )?;
    let delete: types::RecordLockingConfigurationUpdate = decode(
        json!({ "id": config_id, "locking_rules": [{ "id": closed_won_id, "_delete": true }] }),
        "demo rule deletion",
    )?;
    story.done(&deals.update_by_id(&config_id, delete).await?)?;

    // 7. Owner-based sharing rule for Leads.
    let role = |name: &str| {
        sim.role_id(name)
            .ok_or_else(|| CliError::Other(format!("the simulated org has no role {name}")))
    };
    let leads = client.sharing_rules("Leads");
    story.step(
        7,
        "Share leads owned by Sales Representatives (and subordinates) with Managers: owner-based, read/write/delete",
        "POST /settings/data_sharing/rules?module=Leads",
    )?;
    let owner_rule = types::SharingRuleInput::owner_based(
        "Sales reps' leads to managers",
        types::SharedFrom::role_and_subordinates(role("Sales Representative")?),
        types::SharedTo::role(role("Manager")?),
        enums::PermissionType::ReadWriteDelete,
    );
    story.done(&leads.create(owner_rule).await?)?;

    // 8. Criteria-based sharing rule for Leads.
    let group = sim
        .group_id("Miami Users")
        .ok_or_else(|| CliError::Other("the simulated org has no Miami Users group".into()))?;
    story.step(
        8,
        "Share leads in Miami, Florida with the Miami Users group: criteria-based, read/write",
        "POST /settings/data_sharing/rules?module=Leads",
    )?;
    let criteria_rule = types::SharingRuleInput::criteria_based(
        "Miami leads",
        field("City")
            .equal("Miami")
            .and(field("State").equal("Florida")),
        types::SharedTo::group(group),
        enums::PermissionType::ReadWrite,
    );
    story.done(&leads.create(criteria_rule).await?)?;

    // 9. Leads public org-wide.
    let before = client
        .org_permissions()
        .get()
        .await?
        .into_iter()
        .find(|d| d.module.api_name == "Leads")
        .map(|d| d.share_type.to_string())
        .unwrap_or_else(|| "?".into());
    story.step(
        9,
        &format!("Make Leads public org-wide (default organization permission, was {before})"),
        "PUT /settings/data_sharing",
    )?;
    let r = client
        .org_permissions()
        .set_share_type("Leads", enums::ShareType::Public)
        .await?;
    story.say(&format!(
        "   -> {} {} ({})",
        r.code,
        r.message,
        r.details.module.as_deref().unwrap_or("Leads")
    ))?;

    // The result, read back through the API.
    let config = deals.get().await?;
    let mut rules = Vec::new();
    for listed in leads.list().send().await?.sharing_rules {
        rules.push(leads.get(&listed.id).await?.unwrap_or(listed));
    }
    let org = client.org_permissions().get().await?;
    let leads_share = org
        .iter()
        .find(|d| d.module.api_name == "Leads")
        .map(|d| d.share_type.to_string())
        .unwrap_or_default();
    let summary = client.sharing_rules_all().summary().await?;

    if document {
        let promotion = promote(&client, &story).await?;
        let printer = crate::output::Printer::new(format.unwrap_or_default());
        return printer.one(&json!({
            "record_locking_configurations": { "Deals": config },
            "sharing_rules": { "Leads": rules },
            "org_permissions": { "Leads": leads_share },
            "sharing_rules_summary": summary,
            "promotion": promotion,
        }));
    }
    story.say("\nResulting configuration\n=======================")?;
    if let Some(cfg) = &config {
        let cfg = serde_json::to_value(cfg).unwrap_or(Value::Null);
        story.say(&format!(
            "Record locking, Deals (configuration {}):",
            text(&cfg["id"])
        ))?;
        story.say(&format!("  lock type         {}", text(&cfg["lock_type"])))?;
        story.say(&format!("  locked for        {}", text(&cfg["locked_for"])))?;
        story.say(&format!(
            "  editable fields   {}",
            names(&cfg["excluded_fields"], "api_name")
        ))?;
        story.say(&format!(
            "  restricted        {}",
            list(&cfg["restricted_actions"])
        ))?;
        story.say("  locking rules:")?;
        for r in cfg["locking_rules"].as_array().into_iter().flatten() {
            story.say(&format!(
                "    - {} (id {}{}): {}",
                text(&r["name"]),
                text(&r["id"]),
                if r["lock_existing_records"] == true {
                    ", locks existing records"
                } else {
                    ""
                },
                criteria_text(&r["criteria"])
            ))?;
        }
    }
    story.say("Sharing rules, Leads:")?;
    for rule in &rules {
        let r = serde_json::to_value(rule).unwrap_or(Value::Null);
        let whose = if r["type"] == "Record_Owner_Based" {
            format!("records owned by {}", shared_text(&r["shared_from"]))
        } else {
            format!("records where {}", criteria_text(&r["criteria"]))
        };
        story.say(&format!(
            "  - {} [{}, {}]: {} -> {}, {}",
            text(&r["name"]),
            text(&r["type"]),
            text(&r["status"]),
            whose,
            shared_text(&r["shared_to"]),
            text(&r["permission_type"])
        ))?;
    }
    for s in &summary {
        story.say(&format!(
            "  summary: {} has {}, computation running: {}",
            s.module.api_name,
            counted(usize::try_from(s.rule_count).unwrap_or(0), "rule", "rules"),
            s.rule_computation_status.unwrap_or(false)
        ))?;
    }
    story.say("Default organization permissions:")?;
    story.say(&format!("  Leads             {leads_share} (was {before})"))?;
    story.say(&format!(
        "\n{}, {}; every answer decoded into the generated types.",
        counted(sim.api_requests(), "API call", "API calls"),
        counted(sim.token_requests(), "token request", "token requests")
    ))?;
    promote(&client, &story).await.map(drop)
}

/// Acts 3 to 5: the locks of single deals. The Closed Won rule of act 1 has locked the
/// Closed Won deals, and that lock cannot be removed; a deal under review is locked by hand
/// with a reason (the configuration allows manual locks since act 2), then unlocked.
async fn record_locks(client: &Client, sim: &Simulator, story: &Story) -> Result<(), CliError> {
    let record = |name: &str| {
        sim.record_id("Deals", name)
            .ok_or_else(|| CliError::Other(format!("the simulated org has no deal {name}")))
    };
    let locks = client.record_locks("Deals");
    let won = record("Commercial Press")?;
    story.step(
        3,
        "The rule locked the Closed Won deal Commercial Press; try to unlock it",
        &format!("GET, then DELETE /Deals/{won}/Locking_Information__s/{{lock id}}"),
    )?;
    let automatic = locks.list(&won).await?;
    let Some(lock) = automatic.first() else {
        return Err(CliError::Other("the Closed Won rule locked nothing".into()));
    };
    story.say(&format!(
        "   locked: {} lock {} by rule {}",
        lock.lock_source_s
            .as_ref()
            .map_or_else(|| "?".to_owned(), ToString::to_string),
        lock.id,
        lock.record_locking_rule_id_s.as_deref().unwrap_or("?")
    ))?;
    match locks.unlock(&won, &lock.id).await {
        Err(zoho_crm_access::Error::Api {
            status,
            code,
            message,
            ..
        }) => story.say(&format!(
            "   -> refused: HTTP {status} {code}: {message} (a rule's lock goes with the rule, \
             or when the deal stops matching it)"
        ))?,
        Err(other) => return Err(other.into()),
        Ok(_) => {
            return Err(CliError::Other(
                "Zoho removed an automatic lock, which it documents it does not".into(),
            ))
        }
    }

    let review = record("Benton Supply Renewal")?;
    story.step(
        4,
        "Lock Benton Supply Renewal (in Negotiation/Review) by hand, with a reason",
        &format!("POST /Deals/{review}/Locking_Information__s"),
    )?;
    let locked = locks.lock(&review, "Under legal review").await?;
    story.done(&locked)?;
    let manual = locks.list(&review).await?;
    if let Some(lock) = manual.first() {
        story.say(&format!(
            "   locked: {} lock, reason {:?}, by {}",
            lock.lock_source_s
                .as_ref()
                .map_or_else(|| "?".to_owned(), ToString::to_string),
            lock.locked_reason_s.as_deref().map_or("", String::as_str),
            lock.locked_by_s
                .as_ref()
                .and_then(|u| u.name.as_deref())
                .unwrap_or("?")
        ))?;
    }
    let lock_id = locked
        .details
        .id
        .clone()
        .ok_or_else(|| CliError::Other("Zoho returned no lock id".into()))?;
    story.step(
        5,
        "Review done: remove the manual lock",
        &format!("DELETE /Deals/{review}/Locking_Information__s/{lock_id}"),
    )?;
    story.done(&locks.unlock(&review, &lock_id).await?)?;
    Ok(())
}

/// Act 10: the org above plays the sandbox. Its access control is pulled as a file (names,
/// no ids), planned and applied against a production org (another simulator: the same names,
/// other ids), and pulled back byte for byte.
async fn promote(sandbox: &Client, story: &Story) -> Result<Value, CliError> {
    use zoho_crm_access::desired::{self, Family, Scope};

    let production_sim = Simulator::builder()
        .org_seed(1)
        .start()
        .await
        .map_err(|e| CliError::Other(format!("cannot start the simulator: {e}")))?;
    let production = Client::builder()
        .base_url(production_sim.api_domain())
        .access_token(production_sim.access_token())
        .build()?;
    story.say(
        "\n10. Promote the sandbox's access control to production (another org: the same \
         roles, groups and fields by name, other ids)",
    )?;
    let scope = Scope::new(Family::ALL, ["Deals", "Leads"]);
    story.say("   zoho-access pull --profile sandbox --modules Deals,Leads > access.yaml")?;
    let config = desired::pull(sandbox, &scope).await?;
    let yaml = config.to_yaml()?;
    // The sharing rules part shows the point: roles and groups by name, no ids.
    let lines: Vec<&str> = yaml.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == "sharing_rules:")
        .unwrap_or(0);
    let end = lines
        .iter()
        .position(|l| *l == "org_permissions:")
        .unwrap_or(lines.len());
    story.say(&format!(
        "   | ... ({} lines in all; the sharing rules:)",
        lines.len()
    ))?;
    for l in &lines[start..end.max(start)] {
        story.say(&format!("   | {}", l))?;
    }
    story.say("   zoho-access plan access.yaml --profile production")?;
    let plan = desired::plan(&production, &config).await?;
    for l in plan.to_string().lines() {
        story.say(&format!("   {}", l))?;
    }
    // What the plan does to access, as `plan` prints it (the story only: a document has the
    // resulting configuration alone).
    let session = crate::connect::Session::over(production);
    if story.text {
        crate::access_effect::compute(&session, &config, &plan)
            .await
            .print()?;
    }
    let production = session.client;
    story.say("   zoho-access apply access.yaml --profile production --yes")?;
    let report = plan.apply(&production).await;
    for l in report.to_string().lines() {
        story.say(&format!("   {}", l))?;
    }
    let applied = report.applied().len();
    report.into_result().map(drop)?;
    let again = desired::pull(&production, &scope).await?.to_yaml()?;
    let identical = again == yaml;
    let left = desired::plan(&production, &config).await?;
    story.say(&format!(
        "   pulled back from production: {} to the sandbox's file; plan now: {}",
        if identical {
            "byte-identical"
        } else {
            "DIFFERENT"
        },
        left
    ))?;
    story.say(
        "   (custom buttons: Zoho lists none, so a button is promoted only when production's \
         own configuration already restricts one of that name)",
    )?;
    if !identical || !left.is_empty() {
        return Err(CliError::Other(
            "the promotion did not reach the sandbox's state".into(),
        ));
    }
    Ok(json!({
        "file": yaml,
        "changes": applied,
        "identical": identical,
    }))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => NONE.into(),
        other => other.to_string(),
    }
}

fn list(v: &Value) -> String {
    v.as_array()
        .map(|a| a.iter().map(text).collect::<Vec<_>>().join(", "))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| NONE.into())
}

fn names(v: &Value, key: &str) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| text(&x[key]))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| NONE.into())
}

fn criteria_text(c: &Value) -> String {
    crate::table::cell("criteria", c)
}

fn shared_text(s: &Value) -> String {
    crate::table::cell("shared_to", s)
}
