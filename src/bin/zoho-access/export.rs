//! `zoho-access export`: every family, every module, as one JSON document.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};
use zoho_crm_access::{types, Client, Error};

use crate::connect::Session;
use crate::output::Printer;
use crate::CliError;

/// Codes that mean "this family does not apply to this module" rather than a failure.
const NOT_APPLICABLE: &[&str] = &[
    "NOT_SUPPORTED",
    "INVALID_MODULE",
    "FEATURE_NOT_SUPPORTED",
    "INVALID_DATA",
];

fn not_applicable(e: &Error) -> Option<String> {
    let code = e.code()?.as_str().to_owned();
    (e.status() == Some(400) && NOT_APPLICABLE.contains(&code.as_str())).then(|| e.to_string())
}

/// The whole access configuration of the org.
pub async fn collect(client: &Client, progress: &ProgressBar) -> Result<Value, CliError> {
    let org = client.org_permissions().get().await?;
    progress.set_length(org.len() as u64);
    let mut locking: BTreeMap<String, types::RecordLockingConfiguration> = BTreeMap::new();
    let mut rules: BTreeMap<String, Vec<types::SharingRule>> = BTreeMap::new();
    let mut skipped: BTreeMap<String, BTreeMap<&str, String>> = BTreeMap::new();
    for entry in &org {
        let module = entry.module.api_name.clone();
        progress.set_message(module.clone());
        match client.record_locking(&module).get().await {
            Ok(Some(cfg)) => {
                locking.insert(module.clone(), cfg);
            }
            Ok(None) => {}
            Err(e) => match not_applicable(&e) {
                Some(why) => {
                    skipped
                        .entry(module.clone())
                        .or_default()
                        .insert("record_locking", why);
                }
                None => return Err(e.into()),
            },
        }
        let handle = client.sharing_rules(&module);
        match handle.list().stream().try_collect::<Vec<_>>().await {
            Ok(listed) => {
                let mut full = Vec::with_capacity(listed.len());
                for rule in listed {
                    // List items carry no criteria: read each rule whole.
                    match handle.get(&rule.id).await? {
                        Some(r) => full.push(r),
                        None => full.push(rule),
                    }
                }
                if !full.is_empty() {
                    rules.insert(module.clone(), full);
                }
            }
            Err(e) => match not_applicable(&e) {
                Some(why) => {
                    skipped
                        .entry(module.clone())
                        .or_default()
                        .insert("sharing_rules", why);
                }
                None => return Err(e.into()),
            },
        }
        progress.inc(1);
    }
    let summary = client.sharing_rules_all().summary().await?;
    Ok(json!({
        "exported_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "api_base": client.base_url(),
        "org_permissions": org,
        "record_locking_configurations": locking,
        "sharing_rules": rules,
        "sharing_rules_summary": summary,
        "not_applicable": skipped,
    }))
}

pub async fn run(s: &Session, out: &Printer) -> Result<(), CliError> {
    let progress = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} exporting [{bar:30}] {pos}/{len} modules {msg}")
    {
        progress.set_style(style.progress_chars("=> "));
    }
    let result = collect(&s.client, &progress).await;
    progress.finish_and_clear();
    out.print(&result?)
}
