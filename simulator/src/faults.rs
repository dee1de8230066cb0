//! Fault injection: make the next matching calls fail the way a busy or broken Zoho does.
//!
//! Faults are rules in the order they were added: a request takes the first rule that matches
//! it (method, path, operation) and still has uses left. [`Simulator::fail_next`] adds a rule
//! matching every API call; the control surface (`POST /__simulator/faults`) adds any rule.
//!
//! [`Simulator::fail_next`]: super::Simulator::fail_next

use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Value};

use super::responses::Reply;

/// A failure to inject into the next calls (see [`Simulator::fail_next`](super::Simulator::fail_next)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// `429 TOO_MANY_REQUESTS` (flat body), with a `Retry-After: <secs>` header when given.
    TooManyRequests {
        /// Seconds for the `Retry-After` header; `None` sends no header (Zoho documents none).
        retry_after: Option<u64>,
    },
    /// This HTTP status with a flat Zoho error body (`INTERNAL_ERROR` for 5xx; a status
    /// outside 100..=999 becomes 500).
    Status(u16),
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Close the connection without answering.
    Drop,
    /// Answer normally, but close the connection after `keep_bytes` bytes of the body
    /// (`None`: half of it), while `Content-Length` announces the whole body. An answer without
    /// a body (`204`) is sent unchanged.
    Truncate {
        /// Body bytes sent before the connection is closed (at most the body's length minus
        /// one); `None` sends half.
        keep_bytes: Option<usize>,
    },
}

/// What the server does with a fault that matched.
pub(crate) enum FaultAction {
    Answer(Reply),
    Delay(Duration),
    Drop,
    Truncate(Option<usize>),
}

impl Fault {
    pub(crate) fn action(&self) -> FaultAction {
        match self {
            Fault::TooManyRequests { retry_after } => {
                let mut reply = Reply::flat(
                    429,
                    "TOO_MANY_REQUESTS",
                    "too many requests continuously",
                    json!({}),
                );
                reply.retry_after = *retry_after;
                FaultAction::Answer(reply)
            }
            Fault::Status(status) => {
                let status = if (100..=999).contains(status) {
                    *status
                } else {
                    500
                };
                let (code, message) = match status {
                    401 => ("INVALID_TOKEN", "invalid oauth token"),
                    404 => (
                        "INVALID_URL_PATTERN",
                        "Please check if the URL trying to access is a correct one",
                    ),
                    429 => ("TOO_MANY_REQUESTS", "too many requests continuously"),
                    _ => ("INTERNAL_ERROR", "Internal Server Error"),
                };
                FaultAction::Answer(Reply::flat(status, code, message, json!({})))
            }
            Fault::Delay(d) => FaultAction::Delay(*d),
            Fault::Drop => FaultAction::Drop,
            Fault::Truncate { keep_bytes } => FaultAction::Truncate(*keep_bytes),
        }
    }

    /// The control surface's JSON form of the fault.
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Fault::TooManyRequests { retry_after } => {
                json!({ "type": "too_many_requests", "retry_after": retry_after })
            }
            Fault::Status(s) => json!({ "type": "status", "status": s }),
            Fault::Delay(d) => {
                json!({ "type": "delay", "millis": u64::try_from(d.as_millis()).unwrap_or(u64::MAX) })
            }
            Fault::Drop => json!({ "type": "drop" }),
            Fault::Truncate { keep_bytes } => {
                json!({ "type": "truncate", "keep_bytes": keep_bytes })
            }
        }
    }
}

/// The accounts endpoint's pseudo operation name in fault rules and the request log.
pub(crate) const TOKEN_OPERATION: &str = "token";

/// Which requests a rule applies to; every given field must equal the request's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Matcher {
    /// `GET`, `PUT`, ... (upper case).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The exact path, e.g. `/crm/v8/settings/data_sharing` (a trailing `/` is ignored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The spec's operationId, or `token` for the accounts endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
}

/// One request, as fault rules see it.
pub(crate) struct Seen<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// operationId (or `token`); `None` for a path that names no operation.
    pub operation: Option<&'a str>,
    /// The accounts endpoint rather than the API.
    pub accounts: bool,
}

impl Matcher {
    fn matches(&self, r: &Seen<'_>) -> bool {
        // A rule that names neither a path nor an operation is for API calls only, so that a
        // client's token refresh does not take a fault meant for its API call.
        if self.path.is_none() && self.operation.is_none() && r.accounts {
            return false;
        }
        let trim = |p: &str| p.trim_end_matches('/').to_owned();
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(r.method))
            && self.path.as_deref().is_none_or(|p| trim(p) == trim(r.path))
            && self
                .operation
                .as_deref()
                .is_none_or(|o| Some(o) == r.operation)
    }
}

/// A fault for the next `remaining` requests that match.
#[derive(Clone, Debug)]
pub(crate) struct Rule {
    pub id: u64,
    pub matcher: Matcher,
    pub remaining: usize,
    pub fault: Fault,
}

impl Rule {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id.to_string(),
            "match": self.matcher,
            "remaining": self.remaining,
            "fault": self.fault.to_json(),
        })
    }
}

/// Pending fault rules, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    rules: Vec<Rule>,
    next_id: u64,
}

/// Pending rules the control surface accepts (a client adding rules in a loop cannot grow memory).
pub(crate) const MAX_RULES: usize = 1000;

impl Faults {
    /// Adds a rule (nothing for `times == 0`). The control surface refuses a rule past
    /// [`MAX_RULES`]; the Rust API does not.
    pub(crate) fn add(&mut self, matcher: Matcher, times: usize, fault: Fault) -> Option<&Rule> {
        if times == 0 {
            return None;
        }
        self.next_id += 1;
        self.rules.push(Rule {
            id: self.next_id,
            matcher,
            remaining: times,
            fault,
        });
        self.rules.last()
    }

    /// The fault for this request, if a rule matches (its use is counted).
    pub(crate) fn take(&mut self, seen: &Seen<'_>) -> Option<Fault> {
        let i = self.rules.iter().position(|r| r.matcher.matches(seen))?;
        let rule = &mut self.rules[i];
        let fault = rule.fault.clone();
        rule.remaining -= 1;
        if rule.remaining == 0 {
            self.rules.remove(i);
        }
        Some(fault)
    }

    pub(crate) fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Removes one rule; false when no rule has this id.
    pub(crate) fn remove(&mut self, id: u64) -> bool {
        let before = self.rules.len();
        self.rules.retain(|r| r.id != id);
        self.rules.len() != before
    }

    /// Removes every rule; returns how many there were.
    pub(crate) fn clear(&mut self) -> usize {
        std::mem::take(&mut self.rules).len()
    }
}
