//! Applying a plan: its calls in order, waiting out rule computation and rate limits, stopping
//! at the first failure with a report of what was applied and what was not.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::model::AccessConfig;
use super::plan::{one_line, plan, Action, Change, Plan, Step};
use crate::client::Client;
use crate::error::{Error, TransportKind};
use crate::generated::{enums, types};

/// How [`Plan::apply_with`] waits when Zoho says "not now": `CANNOT_PROCESS` while a module's
/// sharing rules are being computed, and `429` after the client's own retries.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApplyOptions {
    /// The first wait (default 1 s); each further wait doubles, up to [`Self::max_backoff`].
    pub initial_backoff: Duration,
    /// The longest single wait (default 30 s).
    pub max_backoff: Duration,
    /// The most time one call may take in total, its attempts and the client's own retries
    /// included, before the apply stops and reports (default 5 minutes). A wait that would
    /// end past it is not started.
    pub max_wait: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            max_wait: Duration::from_secs(300),
        }
    }
}

impl ApplyOptions {
    /// Sets the first wait.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Sets the longest single wait.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Sets the total time allowed per call (see [`Self::max_wait`]).
    pub fn max_wait(mut self, d: Duration) -> Self {
        self.max_wait = d;
        self
    }
}

/// The call that failed, the changes it carried, and why.
#[derive(Debug)]
#[non_exhaustive]
pub struct ApplyFailure {
    /// The changes the failed call carried (for an org-permissions batch with per-item
    /// failures, only the failed items).
    pub changes: Vec<Change>,
    /// What went wrong.
    pub error: Error,
    /// Whether the call may have taken effect although it failed (the connection broke
    /// after the request was sent, or Zoho answered 5xx). The next plan reads the org and
    /// finds out; a create is found by its name, never made twice.
    pub outcome_unknown: bool,
}

/// What [`Plan::apply`] did: the changes applied, the failure that stopped it (if one did),
/// and the changes not attempted. Applying the same desired state again (which plans again
/// from the org's state) continues from there.
#[derive(Debug, Default)]
#[must_use = "an apply can stop part way: check `is_complete()` or `failure()`"]
#[non_exhaustive]
pub struct ApplyReport {
    applied: Vec<Change>,
    failure: Option<ApplyFailure>,
    not_attempted: Vec<Change>,
    calls: usize,
    waited: Duration,
}

impl ApplyReport {
    /// Whether every change was applied.
    pub fn is_complete(&self) -> bool {
        self.failure.is_none()
    }

    /// The changes applied, in order.
    pub fn applied(&self) -> &[Change] {
        &self.applied
    }

    /// The failure that stopped the apply.
    pub fn failure(&self) -> Option<&ApplyFailure> {
        self.failure.as_ref()
    }

    /// The changes after the failure, not attempted.
    pub fn not_attempted(&self) -> &[Change] {
        &self.not_attempted
    }

    /// Write calls sent; one sent again after a wait counts again (the client's own retries
    /// do not count).
    pub fn calls(&self) -> usize {
        self.calls
    }

    /// Time spent waiting for Zoho (rule computation, rate limits).
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// `Ok` with the report when complete, else the failure's error.
    pub fn into_result(self) -> Result<ApplyReport, Error> {
        match self.failure {
            None => Ok(self),
            Some(f) => Err(f.error),
        }
    }
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.applied {
            writeln!(f, "applied     {c}")?;
        }
        if let Some(failure) = &self.failure {
            for c in &failure.changes {
                let what = if failure.outcome_unknown {
                    "UNKNOWN    "
                } else {
                    "FAILED     "
                };
                writeln!(f, "{what} {c}")?;
            }
            for c in &self.not_attempted {
                writeln!(f, "not applied {c}")?;
            }
            let total = self.applied.len() + failure.changes.len() + self.not_attempted.len();
            write!(
                f,
                "Stopped: {}. {} of {} applied. ",
                one_line(&failure.error.to_string()),
                self.applied.len(),
                counted(total, "change", "changes")
            )?;
            if failure.outcome_unknown {
                f.write_str(
                    "The failed call may have taken effect; applying again reads the org \
                     first and makes only what is still missing.",
                )
            } else {
                f.write_str("Applying again continues from here.")
            }
        } else {
            write!(
                f,
                "Applied {} in {}.",
                counted(self.applied.len(), "change", "changes"),
                counted(self.calls, "call", "calls")
            )
        }
    }
}

/// `n` followed by the singular or the plural noun: "1 change", "2 changes", "0 changes".
/// `1 change`, `2 changes`.
pub(crate) fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The report as JSON (`zoho-access apply --output json`): the changes applied, failed and
/// not attempted, and the error as text.
impl Serialize for ApplyReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Failed<'a> {
            changes: &'a [Change],
            error: String,
            outcome_unknown: bool,
        }
        #[derive(Serialize)]
        struct Out<'a> {
            complete: bool,
            applied: &'a [Change],
            failed: Option<Failed<'a>>,
            not_attempted: &'a [Change],
            calls: usize,
            waited_seconds: f64,
        }
        Out {
            complete: self.is_complete(),
            applied: &self.applied,
            failed: self.failure.as_ref().map(|f| Failed {
                changes: &f.changes,
                error: f.error.to_string(),
                outcome_unknown: f.outcome_unknown,
            }),
            not_attempted: &self.not_attempted,
            calls: self.calls,
            waited_seconds: self.waited.as_secs_f64(),
        }
        .serialize(s)
    }
}

/// Plans `desired` against the org and applies the plan: [`plan`] then [`Plan::apply`].
pub async fn apply(client: &Client, desired: &AccessConfig) -> Result<ApplyReport, Error> {
    Ok(plan(client, desired).await?.apply(client).await)
}

impl Plan {
    /// Applies the changes in order with [`ApplyOptions::default`]; see [`Self::apply_with`].
    pub async fn apply(&self, client: &Client) -> ApplyReport {
        self.apply_with(client, &ApplyOptions::default()).await
    }

    /// Applies the changes in order, one call per step. `CANNOT_PROCESS` (the module's
    /// sharing rules are being computed) and `429` (after the client's own retries; a create
    /// answered 429 was not processed, so it is sent again) are waited out with a doubling
    /// backoff while the call has taken less than `options.max_wait` (its attempts and the
    /// client's own retries count too). Any other failure stops the apply: the
    /// report lists what was applied, what failed (and whether it may have taken effect) and
    /// what was not attempted. Nothing is lost or applied twice by applying again, since
    /// that plans afresh from the org's state.
    pub async fn apply_with(&self, client: &Client, options: &ApplyOptions) -> ApplyReport {
        let mut report = ApplyReport::default();
        let mut rule_ids = self.rule_ids.clone();
        let changes = self.changes();
        for (n, step) in self.steps.iter().enumerate() {
            let outcome = run_waiting(client, step, &mut rule_ids, options, &mut report).await;
            match outcome {
                Ok(()) => report
                    .applied
                    .extend(step.changes.iter().map(|&i| changes[i].clone())),
                Err(error) => {
                    let mut failed: Vec<usize> = step.changes.clone();
                    // An org-permissions batch may fail for some items only.
                    if let (Error::Items { failures, .. }, Action::SetShareTypes { .. }) =
                        (&error, &step.action)
                    {
                        let bad: Vec<usize> = failures.iter().map(|f| f.index).collect();
                        failed.clear();
                        for (k, &i) in step.changes.iter().enumerate() {
                            if bad.contains(&k) {
                                failed.push(i);
                            } else {
                                report.applied.push(changes[i].clone());
                            }
                        }
                    }
                    let outcome_unknown = outcome_unknown(&error);
                    report.failure = Some(ApplyFailure {
                        changes: failed.iter().map(|&i| changes[i].clone()).collect(),
                        error,
                        outcome_unknown,
                    });
                    report.not_attempted = self.steps[n + 1..]
                        .iter()
                        .flat_map(|s| s.changes.iter().map(|&i| changes[i].clone()))
                        .collect();
                    break;
                }
            }
        }
        report
    }
}

/// Whether a failed write may have taken effect: the request was sent but its answer was
/// lost, or Zoho failed on its side.
fn outcome_unknown(e: &Error) -> bool {
    match e {
        Error::Transport { kind, .. } => !matches!(
            kind,
            TransportKind::Dns
                | TransportKind::ConnectionRefused
                | TransportKind::ConnectTimeout
                | TransportKind::Tls
        ),
        Error::IncompleteResponse { .. } | Error::Decode { .. } => true,
        Error::Timeout { attempts, .. } => *attempts > 0,
        Error::Api { status, .. } => *status >= 500,
        _ => false,
    }
}

/// Whether Zoho said "not now" rather than "no": worth waiting and sending again.
fn busy(e: &Error) -> bool {
    matches!(e.code(), Some(enums::ZohoCode::CannotProcess)) || e.status() == Some(429)
}

async fn run_waiting(
    client: &Client,
    step: &Step,
    rule_ids: &mut BTreeMap<(String, String), String>,
    options: &ApplyOptions,
    report: &mut ApplyReport,
) -> Result<(), Error> {
    // The time the call has taken so far: the apply's own waits, and every attempt with the
    // client's own retries (which wait out `Retry-After` too).
    let started = Instant::now();
    let mut next = options.initial_backoff;
    loop {
        report.calls += 1;
        match run(client, &step.action, rule_ids).await {
            Err(e) if busy(&e) => {
                let wait = next.max(e.retry_after().unwrap_or_default());
                // The wait comes from the server (`Retry-After`): it may not fit a sum.
                if started.elapsed().saturating_add(wait) > options.max_wait {
                    return Err(e);
                }
                tracing::info!(
                    "Zoho is busy ({e}); waiting {:.1}s before sending it again",
                    wait.as_secs_f64()
                );
                tokio::time::sleep(wait).await;
                report.waited = report.waited.saturating_add(wait);
                next = next.saturating_mul(2).min(options.max_backoff);
            }
            other => return other,
        }
    }
}

async fn run(
    client: &Client,
    action: &Action,
    rule_ids: &mut BTreeMap<(String, String), String>,
) -> Result<(), Error> {
    match action {
        Action::CreateLocking { module, input } => {
            client
                .record_locking(module.clone())
                .create((**input).clone())
                .await?;
        }
        Action::UpdateLocking { module, update } => {
            client
                .record_locking(module.clone())
                .update((**update).clone())
                .await?;
        }
        Action::DeleteLocking { module, id } => {
            client.record_locking(module.clone()).delete(id).await?;
        }
        Action::CreateRule {
            module,
            name,
            input,
        } => {
            let r = client
                .sharing_rules(module.clone())
                .create((**input).clone())
                .await?;
            if let Some(id) = r.details.id {
                rule_ids.insert((module.clone(), name.clone()), id);
            }
        }
        Action::UpdateRule { module, id, update } => {
            client
                .sharing_rules(module.clone())
                .update(id, (**update).clone())
                .await?;
        }
        Action::DeleteRule { module, id } => {
            client.sharing_rules(module.clone()).delete(id).await?;
        }
        Action::SetRuleStatus {
            module,
            name,
            active,
        } => {
            let Some(id) = rule_ids.get(&(module.clone(), name.clone())) else {
                return Err(Error::desired(
                    format!("sharing_rules.{module}[{name:?}]"),
                    "Zoho gave no id for the rule it created, so it cannot be (de)activated; \
                     apply again",
                ));
            };
            let rules = client.sharing_rules(module.clone());
            let result = if *active {
                rules.activate(id).await
            } else {
                rules.deactivate(id).await
            };
            match result {
                // Already so (a retried call that had gone through): the state is reached.
                Err(e)
                    if matches!(
                        e.code(),
                        Some(
                            enums::ZohoCode::IdAlreadyActive
                                | enums::ZohoCode::IdAlreadyDeactivated
                        )
                    ) => {}
                other => {
                    other?;
                }
            }
        }
        Action::SetShareTypes { updates } => {
            let _: Vec<types::ActionResult> = client.org_permissions().set(updates.clone()).await?;
        }
    }
    Ok(())
}
