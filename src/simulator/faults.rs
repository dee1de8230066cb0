//! Fault injection: make the next calls fail the way a busy or broken Zoho does.

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::json;

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
    /// outside 200..=599 becomes 500).
    Status(u16),
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Close the connection without answering.
    Drop,
}

/// What the server does with a popped fault.
pub(crate) enum FaultAction {
    Answer(Reply),
    Delay(Duration),
    Drop,
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
        }
    }
}

/// Queued faults: one queue for API calls, one for the accounts endpoint.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    pub api: VecDeque<Fault>,
    pub accounts: VecDeque<Fault>,
}
