//! The calls a plan makes, as the apply itself makes them: [`Plan::planned_calls`] runs the
//! apply through a transport that records each request and answers it with a success,
//! instead of sending it. So the listing and the apply are one path: the same handler calls,
//! input checks, bodies and order.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::{json, Value};

use super::apply::ApplyOptions;
use super::plan::Plan;
use crate::client::{Client, Responder};
use crate::error::Error;

/// One call a plan makes, as a dry run shows it: the operation, method, path (under
/// `/crm/v8`, with the query) and JSON body, recorded from the apply's own request.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PlannedCall {
    /// The spec's operationId, e.g. `createSharingRule`.
    pub operation: &'static str,
    /// `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// The path under `/crm/v8` with its query, e.g.
    /// `/settings/data_sharing/rules?module=Leads`. The id of a rule the same apply creates
    /// first reads `{id of the new rule "NAME"}`.
    pub path: String,
    /// The request body, if the call has one.
    pub body: Option<Value>,
}

impl fmt::Display for PlannedCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)?;
        if let Some(body) = &self.body {
            write!(f, " {body}")?;
        }
        Ok(())
    }
}

/// A request the capturing transport received.
struct Captured {
    operation: &'static str,
    method: String,
    url: String,
    body: Option<Value>,
}

/// What the capturing transport keeps: the requests in order, and the placeholder ids it
/// answered creates with, each with the text the listing shows instead.
#[derive(Default)]
struct Recording {
    calls: Vec<Captured>,
    placeholders: BTreeMap<String, String>,
}

impl Plan {
    /// The calls applying the plan makes, in order, with their bodies (ids resolved in the
    /// target org): recorded from [`Plan::apply`] itself, run through a transport that
    /// answers every request with a success instead of sending it. Nothing is sent; `client`
    /// gives only its configuration (the base URL the paths are relative to).
    ///
    /// A call that needs the id of a rule created earlier in the same apply (an inactive
    /// rule is created, then deactivated) shows `{id of the new rule "NAME"}` in its place.
    /// Nothing is waited out (rule computation, rate limits): every answer is a success.
    ///
    /// Fails with the error the apply would stop at when a call's input is refused before
    /// sending ([`Error::InvalidInput`] from a handler's checks, [`Error::Desired`]).
    ///
    /// ```no_run
    /// # async fn run(client: zoho_crm_access::Client, config: zoho_crm_access::desired::AccessConfig)
    /// # -> Result<(), zoho_crm_access::Error> {
    /// let plan = zoho_crm_access::desired::plan(&client, &config).await?;
    /// for call in plan.planned_calls(&client).await? {
    ///     println!("{call}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn planned_calls(&self, client: &Client) -> Result<Vec<PlannedCall>, Error> {
        let recording: Arc<Mutex<Recording>> = Arc::default();
        let log = recording.clone();
        let responder: Responder = Arc::new(move |operation, request| {
            let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
            answer(&mut log, operation, request)
        });
        let capturing = client.answering(responder);
        // Every answer is a success, so nothing is waited out; with no time allowed per call,
        // no wait could start even if one were not.
        let no_waits = ApplyOptions::default().max_wait(std::time::Duration::ZERO);
        let report = self.apply_with(&capturing, &no_waits).await;
        if let Some(failure) = report.into_result().err() {
            return Err(failure);
        }
        let recording = std::mem::take(&mut *recording.lock().unwrap_or_else(|p| p.into_inner()));
        let base = client.base_url().trim_end_matches('/');
        Ok(recording
            .calls
            .into_iter()
            .map(|c| {
                let path = c.url.strip_prefix(base).unwrap_or(&c.url);
                PlannedCall {
                    operation: c.operation,
                    method: c.method,
                    path: readable_path(path, &recording.placeholders),
                    body: c.body.map(|b| readable_body(b, &recording.placeholders)),
                }
            })
            .collect())
    }
}

/// Records `request` and gives the success it gets: one successful result per item of the
/// body's list (one for a call without a body), under each family's key, so that whichever
/// write answer the operation reads finds its results. A create's result carries a
/// placeholder id: 19 digits with leading zeros, which the handlers' id check takes and no
/// Zoho id has.
fn answer(
    log: &mut Recording,
    operation: &'static str,
    request: &reqwest::Request,
) -> (u16, bytes::Bytes) {
    let body: Option<Value> = request
        .body()
        .and_then(|b| b.as_bytes())
        .filter(|b| !b.is_empty())
        .map(|b| {
            serde_json::from_slice(b)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(b).into_owned()))
        });
    // The body's list of items (every write body has one, under its family's key).
    let items: Vec<Value> = body
        .as_ref()
        .and_then(Value::as_object)
        .and_then(|o| o.values().find_map(Value::as_array))
        .cloned()
        .unwrap_or_else(|| vec![Value::Null]);
    let creates = *request.method() == reqwest::Method::POST;
    let results: Vec<Value> = items
        .iter()
        .map(|item| {
            let details = if creates {
                let id = format!("{:019}", log.placeholders.len() + 1);
                let label = match item.get("name").and_then(Value::as_str) {
                    Some(name) => format!("{{id of the new rule {name:?}}}"),
                    None => format!("{{id of the item {operation} creates}}"),
                };
                log.placeholders.insert(id.clone(), label);
                json!({ "id": id })
            } else {
                json!({})
            };
            json!({
                "code": "SUCCESS",
                "details": details,
                "message": "not sent: dry run",
                "status": "success",
            })
        })
        .collect();
    log.calls.push(Captured {
        operation,
        method: request.method().as_str().to_owned(),
        url: request.url().as_str().to_owned(),
        body,
    });
    let answer = json!({
        "record_locking_configurations": results,
        "sharing_rules": results,
        "data_sharing": results,
    });
    (200, bytes::Bytes::from(answer.to_string()))
}

/// The path with every segment that is a placeholder id replaced by its text.
fn readable_path(path: &str, placeholders: &BTreeMap<String, String>) -> String {
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let mut out = path
        .split('/')
        .map(|segment| placeholders.get(segment).map_or(segment, String::as_str))
        .collect::<Vec<_>>()
        .join("/");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// The body with every string that is a placeholder id replaced by its text.
fn readable_body(body: Value, placeholders: &BTreeMap<String, String>) -> Value {
    match body {
        Value::String(s) => match placeholders.get(&s) {
            Some(text) => Value::String(text.clone()),
            None => Value::String(s),
        },
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| readable_body(v, placeholders))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, readable_body(v, placeholders)))
                .collect(),
        ),
        other => other,
    }
}
