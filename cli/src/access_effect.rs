//! What a plan does to access: `plan` and `apply` print, after the changes and before any
//! confirmation, who gains and loses view, edit or delete on which records, from the
//! library's [`AccessModel::diff`] between the org now and the org with the file applied
//! ([`AccessModel::with_desired`]).
//!
//! A plan that creates, changes or deletes a record locking configuration is listed by
//! profile: who gains or loses edit and delete on locked records, and through which
//! setting; what Zoho leaves open (the Administrator profile, locks already set when a
//! configuration or rule goes) is marked `?` and says why.
//!
//! The org now is read once per plan: its directory ([`Directory::read`]: roles, groups with
//! their members, profiles, users, the hierarchy preference) and the access settings in the
//! file's scope. A read that fails (a token without the directory's scopes, say) does not
//! fail the plan: the effect then says it could not be computed, and why.

use serde_json::{json, Value};
use zoho_crm_access::access::{AccessDiff, AccessModel, Direction, Directory, Layer};
use zoho_crm_access::desired::{self, AccessConfig, Family, Plan};

use crate::connect::Session;
use crate::terminal;

/// The access effect of one plan.
#[derive(Debug)]
pub enum Effect {
    /// The plan changes nothing, so no access either (nothing was read).
    NoChanges,
    /// Computed: the changes, and how many active users the org has.
    Computed {
        diff: AccessDiff,
        active_users: usize,
        /// The plan changes record locking: the diff covers edit and delete of locked
        /// records, [`LOCKING_NOTE`] says what it leaves out.
        locking_changes: bool,
    },
    /// Not computed, with the reason (the failed read's error and its causes).
    NotComputed(String),
}

/// Reads the org's directory and the settings in `desired`'s scope (once), and compares the
/// org now with the org as `desired` makes it.
pub async fn compute(session: &Session, desired: &AccessConfig, plan: &Plan) -> Effect {
    if plan.is_empty() {
        return Effect::NoChanges;
    }
    let read = async {
        let directory = Directory::read(&session.client).await?;
        let now = desired::pull(&session.client, &desired.scope).await?;
        Ok::<_, zoho_crm_access::Error>(AccessModel::new(directory, now))
    };
    match read.await {
        Ok(now) => {
            let after = now.with_desired(desired);
            Effect::Computed {
                diff: now.diff(&after),
                active_users: now.active_users(),
                locking_changes: plan
                    .changes()
                    .iter()
                    .any(|c| c.family() == Family::RecordLocking),
            }
        }
        Err(e) => {
            let mut reason = e.to_string();
            let mut next = std::error::Error::source(&e);
            while let Some(cause) = next {
                reason.push_str(&format!(": {cause}"));
                next = cause.source();
            }
            Effect::NotComputed(reason)
        }
    }
}

/// What the diff leaves out, as one sentence.
fn not_covered() -> String {
    let layers: Vec<&str> = Layer::ALL.iter().map(|l| l.describe()).collect();
    format!(
        "Not covered: {}; what a profile does not allow stays denied.",
        layers.join(", ")
    )
}

/// What the diff leaves out of a record locking change.
const LOCKING_NOTE: &str = "Record locking: edit and delete of locked records are listed; \
fields left editable on locked records and the other restricted actions (tags, change of \
owner, conversion, communications, custom buttons) are not.";

impl Effect {
    /// The effect for people: a heading, one line per change (`+` gain, `-` lose, `?` a
    /// change Zoho's documents leave open; coloured on a terminal), what it does not cover;
    /// every line escaped, and wrapped to the terminal's width (never inside a name; a
    /// change's next lines under its text). Empty for a plan without changes.
    pub fn text(&self) -> String {
        let colour = terminal::stdout_colour();
        let width = terminal::stdout_width().map(usize::from);
        let mut out = Vec::new();
        match self {
            Effect::NoChanges => return String::new(),
            Effect::NotComputed(reason) => {
                out.push(terminal::wrap(
                    &format!(
                        "Access effect: not computed ({}). The changes above are still what \
                         applying does.",
                        terminal::escape(reason)
                    ),
                    width,
                    2,
                ));
            }
            Effect::Computed {
                diff,
                active_users,
                locking_changes,
            } => {
                // A locking change reaches the users' own records too (the owner is not
                // exempt from a lock).
                let what = if *locking_changes {
                    "records of others and locked records"
                } else {
                    "records of others"
                };
                if diff.is_empty() {
                    out.push(format!(
                        "Access effect: nobody gains or loses access to {what}."
                    ));
                } else {
                    out.push(terminal::wrap(
                        &format!(
                            "Access effect on {what} ({} in the org):",
                            crate::output::counted(
                                *active_users,
                                "active, confirmed user",
                                "active, confirmed users"
                            )
                        ),
                        width,
                        2,
                    ));
                    for c in &diff.changes {
                        let (sign, code) = match (c.direction, &c.open) {
                            (_, Some(_)) => ('?', "33"),
                            (Direction::Gain, None) => ('+', "32"),
                            (Direction::Lose, None) => ('-', "31"),
                        };
                        let line = terminal::wrap(
                            &format!("  {sign} {}", terminal::escape(&c.to_string())),
                            width,
                            4,
                        );
                        out.push(if colour {
                            format!("\u{1b}[{code}m{line}\u{1b}[0m")
                        } else {
                            line
                        });
                    }
                }
                if *locking_changes {
                    out.push(terminal::wrap(LOCKING_NOTE, width, 2));
                }
                out.push(terminal::wrap(&not_covered(), width, 2));
            }
        }
        out.join("\n")
    }

    /// The effect as a document (`access_effect`): `computed` (`true`/`false`), then either
    /// `changes` (each with module, grantee, direction, actions, records, cause and `open`,
    /// the reason a change is not certain or `null`), `summary` (the text lines),
    /// `not_covered` and, for a plan that changes record locking, `record_locking` (what the
    /// changes leave out of it), or `reason`.
    pub fn json(&self) -> Value {
        match self {
            Effect::NoChanges => json!({
                "computed": true,
                "changes": [],
                "summary": [],
                "not_covered": Layer::ALL,
            }),
            Effect::NotComputed(reason) => json!({
                "computed": false,
                "reason": reason,
            }),
            Effect::Computed {
                diff,
                active_users,
                locking_changes,
            } => {
                let mut doc = json!({
                    "computed": true,
                    "active_users": active_users,
                    "changes": diff.changes,
                    "summary": diff.changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    "not_covered": Layer::ALL,
                });
                if *locking_changes {
                    doc["record_locking"] = Value::String(LOCKING_NOTE.to_owned());
                }
                doc
            }
        }
    }

    /// Prints the text after a plan's (nothing for a plan without changes).
    pub fn print(&self) -> Result<(), crate::CliError> {
        let text = self.text();
        if text.is_empty() {
            return Ok(());
        }
        crate::output::write_stdout(&format!("\n{text}"))
    }

    /// A document with the effect under `access_effect` (an object gets the key; anything
    /// else is wrapped as `{"result": ..., "access_effect": ...}`).
    pub fn attach<T: serde::Serialize>(&self, document: &T) -> Value {
        let mut doc = serde_json::to_value(document).unwrap_or(Value::Null);
        match doc.as_object_mut() {
            Some(object) => {
                object.insert("access_effect".to_owned(), self.json());
                doc
            }
            None => json!({"result": doc, "access_effect": self.json()}),
        }
    }
}

/// `apply`'s one call: computes the effect (unless only a dry run's document is printed,
/// which has no place for it) and prints it after the plan's text, before any confirmation.
pub async fn show(
    session: &Session,
    desired: &AccessConfig,
    plan: &Plan,
    document: bool,
    dry_run: bool,
) -> Result<Effect, crate::CliError> {
    if document && dry_run {
        return Ok(Effect::NoChanges);
    }
    let effect = compute(session, desired, plan).await;
    if !document {
        effect.print()?;
    }
    Ok(effect)
}
