//! `zoho-access export`: every family, every module, as one document.
//!
//! Modules are fetched concurrently, as many at once as the client lets requests run
//! ([`ClientBuilder::DEFAULT_MAX_CONCURRENCY`]; the client's own limit caps the requests in
//! flight whatever the nesting), and the document lists them in a stable order (by module
//! API name; rules in Zoho's order). A family counts as not applicable to a module only when
//! Zoho gives one of its documented answers for that (see [`not_applicable`]); any other
//! error ends the export with that error.

use std::collections::BTreeMap;

use futures::{StreamExt, TryStreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};
use zoho_crm_access::{enums, types, Client, ClientBuilder, Error};

use crate::connect::Session;
use crate::output::Printer;
use crate::{table, CliError};

/// Why a family does not apply to a module, if `e` is one of Zoho's documented answers
/// saying so:
///
/// - `NOT_SUPPORTED` with `details.param_name` (or `param`) `module` (400): "the module name
///   given is not supported for the feature" (record locking and sharing rules each cover
///   only some modules);
/// - `FEATURE_NOT_SUPPORTED` (400): the org's edition lacks record locking.
///
/// Everything else, a generic `INVALID_DATA` or `INVALID_MODULE` included, is a failure: the
/// modules come from the org's own list, so those point at a real problem.
fn not_applicable(e: &Error) -> Option<String> {
    let Error::Api {
        status: 400,
        code,
        message,
        details,
        ..
    } = e
    else {
        return None;
    };
    let about_module =
        [details.param_name.as_deref(), details.param.as_deref()].contains(&Some("module"));
    match code {
        enums::ZohoCode::NotSupported if about_module => Some(format!("{code}: {message}")),
        enums::ZohoCode::FeatureNotSupported => Some(format!("{code}: {message}")),
        _ => None,
    }
}

/// What one module contributes.
#[derive(Default)]
struct ModuleExport {
    module: String,
    locking: Option<types::RecordLockingConfiguration>,
    rules: Vec<types::SharingRule>,
    skipped: BTreeMap<&'static str, String>,
}

/// Record locking and sharing rules of one module.
async fn fetch_module(client: &Client, module: String) -> Result<ModuleExport, Error> {
    let mut out = ModuleExport {
        module: module.clone(),
        ..ModuleExport::default()
    };
    let rules = client.sharing_rules(&module);
    let (locking, listed) = tokio::join!(
        client.record_locking(&module).get(),
        rules.list().stream().try_collect::<Vec<_>>()
    );
    match locking {
        Ok(config) => out.locking = config,
        Err(e) => match not_applicable(&e) {
            Some(why) => {
                out.skipped.insert("record_locking", why);
            }
            None => return Err(e),
        },
    }
    match listed {
        Ok(listed) => {
            // List items carry no criteria: read each rule whole, in list order.
            out.rules = futures::stream::iter(listed)
                .map(|rule| {
                    let rules = rules.clone();
                    async move {
                        let full = rules.get(&rule.id).await?;
                        Ok::<_, Error>(full.unwrap_or(rule))
                    }
                })
                .buffered(ClientBuilder::DEFAULT_MAX_CONCURRENCY)
                .try_collect()
                .await?;
        }
        Err(e) => match not_applicable(&e) {
            Some(why) => {
                out.skipped.insert("sharing_rules", why);
            }
            None => return Err(e),
        },
    }
    Ok(out)
}

/// The whole access configuration of the org.
pub async fn collect(client: &Client, progress: &ProgressBar) -> Result<Value, CliError> {
    let org = client.org_permissions().get().await?;
    progress.set_length(org.len() as u64);
    let modules: Vec<String> = org.iter().map(|d| d.module.api_name.clone()).collect();
    let fetched: Vec<ModuleExport> = futures::stream::iter(modules)
        .map(|module| async move {
            let result = fetch_module(client, module).await;
            progress.inc(1);
            result
        })
        .buffered(ClientBuilder::DEFAULT_MAX_CONCURRENCY)
        .try_collect()
        .await?;
    let mut locking = BTreeMap::new();
    let mut rules = BTreeMap::new();
    let mut skipped = BTreeMap::new();
    for m in fetched {
        if let Some(cfg) = m.locking {
            locking.insert(m.module.clone(), cfg);
        }
        if !m.rules.is_empty() {
            rules.insert(m.module.clone(), m.rules);
        }
        if !m.skipped.is_empty() {
            skipped.insert(m.module, m.skipped);
        }
    }
    let summary = client.sharing_rules_all().summary().await?;
    Ok(json!({
        "exported_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "api_base": client.current_base_url(),
        "org_permissions": org,
        "record_locking_configurations": locking,
        "sharing_rules": rules,
        "sharing_rules_summary": summary,
        "not_applicable": skipped,
    }))
}

pub async fn run(s: &Session, out: &Printer) -> Result<(), CliError> {
    // Drawn only when stderr is a terminal.
    let progress = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} exporting [{bar:30}] {pos}/{len} modules")
    {
        progress.set_style(style.progress_chars("=> "));
    }
    let result = collect(&s.client, &progress).await;
    progress.finish_and_clear();
    out.document(&result?, as_table)
}

/// The export for people: one titled table per family, every cell readable text.
fn as_table(doc: &Value) -> String {
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let mut sections = vec![format!(
        "Access configuration of {} at {}",
        table::cell("", &doc["api_base"]),
        table::cell("", &doc["exported_at"])
    )];
    sections.push(table::section(
        "Default organization permissions",
        &table::many(&list(&doc["org_permissions"])),
    ));

    // Record locking: one row per configuration, one per locking rule.
    let mut configs = Vec::new();
    let mut locking_rules = Vec::new();
    if let Some(map) = doc["record_locking_configurations"].as_object() {
        for (module, cfg) in map {
            let mut row = cfg.as_object().cloned().unwrap_or_default();
            let rules = row.remove("locking_rules");
            for field in ["created_by", "modified_by", "created_time", "modified_time"] {
                row.remove(field);
            }
            row.insert("module".into(), Value::String(module.clone()));
            configs.push(Value::Object(row));
            for rule in rules
                .as_ref()
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let mut r = rule.as_object().cloned().unwrap_or_default();
                r.insert("module".into(), Value::String(module.clone()));
                locking_rules.push(Value::Object(r));
            }
        }
    }
    sections.push(table::section(
        "Record locking configurations",
        &table::many(&configs),
    ));
    sections.push(table::section(
        "Locking rules",
        &table::many(&locking_rules),
    ));

    let mut rules = Vec::new();
    if let Some(map) = doc["sharing_rules"].as_object() {
        for module_rules in map.values() {
            rules.extend(list(module_rules));
        }
    }
    sections.push(table::section("Sharing rules", &table::many(&rules)));
    sections.push(table::section(
        "Sharing rules summary",
        &table::many(&list(&doc["sharing_rules_summary"])),
    ));

    let mut skipped = Vec::new();
    if let Some(map) = doc["not_applicable"].as_object() {
        for (module, families) in map {
            for (family, why) in families.as_object().into_iter().flatten() {
                skipped.push(json!({ "module": module, "family": family, "reason": why }));
            }
        }
    }
    sections.push(table::section("Not applicable", &table::many(&skipped)));
    sections.join("\n\n")
}
