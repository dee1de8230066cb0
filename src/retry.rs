//! When and how long to wait before retrying a request.
//!
//! Retried: HTTP 429, 502, 503 and 504, connection failures, timeouts, and responses whose
//! body broke off before its end (a 2xx with fewer bytes than its `Content-Length`, a reset
//! mid-body). Which request is sent again depends on whether Zoho may have acted on it:
//! - a failed connection: every request, since it never reached Zoho;
//! - a 429 (Zoho refused it unprocessed): GET, PUT and DELETE; a POST is left to the caller;
//! - the rest, after which Zoho may have acted: reads, and the writes whose second send does
//!   and answers what the first did ([`repeatable`]: setting share types, changing a sharing
//!   rule by id). Not the writes a second send would change: a record-locking update (its
//!   entries without an id add rules), a delete (the second finds nothing), activating or
//!   deactivating a rule (the second finds it so already), nor any POST.
//!
//! Waits grow exponentially with full jitter, a `Retry-After` header (seconds or HTTP date) is honoured, and retrying stops at
//! [`RetryPolicy::max_attempts`] or when the next wait would pass
//! [`RetryPolicy::total_deadline`], whichever comes first.
//!
//! The deadline bounds waiting: no wait (backoff, `Retry-After`, or a slot under the
//! concurrency limit) runs past it, and no attempt starts after it. An attempt that has
//! started runs to completion, bounded by the client's per-attempt timeout, so an operation
//! takes at most about `total_deadline` plus one attempt's timeout. Getting an access token
//! counts against the deadline too: a token request to the accounts server (or waiting for
//! another call's) still unfinished when it passes fails the call with [`crate::Error::Auth`],
//! naming the accounts server, with a [`std::io::ErrorKind::TimedOut`] I/O error as its cause.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

use crate::operations::Operation;

/// Retry settings. The default: 4 attempts, waits from 200 ms up to 10 s, 60 s in total.
///
/// ```
/// use std::time::Duration;
/// use zoho_crm_access::RetryPolicy;
/// let policy = RetryPolicy::default()
///     .max_attempts(6)
///     .initial_backoff(Duration::from_millis(100))
///     .total_deadline(Duration::from_secs(30));
/// assert_eq!(policy.get_max_attempts(), 6);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    total_deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            total_deadline: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all: every request is sent once.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Total attempts per request, including the first (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Base of the exponential backoff: attempt `n` waits a random time up to
    /// `initial * 2^(n-1)`, capped at [`Self::max_backoff`].
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// The longest single backoff wait (a server's `Retry-After` is honoured as given, within
    /// the total deadline).
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The time budget for retrying one operation: no wait runs past it and no attempt
    /// starts after it (see the module docs).
    pub fn total_deadline(mut self, d: Duration) -> Self {
        self.total_deadline = d;
        self
    }

    /// Total attempts per request.
    pub fn get_max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The time budget of one operation.
    pub fn get_total_deadline(&self) -> Duration {
        self.total_deadline
    }

    /// The wait before attempt `attempt + 1`, after `attempt` attempts failed: full jitter
    /// over an exponentially growing window.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let window = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        // A window past u64::MAX milliseconds (a policy given `Duration::MAX`) is that many.
        let millis = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
        if millis == 0 {
            return Duration::ZERO;
        }
        // Full jitter, but never less than half the window so waits still grow.
        let half = millis / 2;
        Duration::from_millis(half + fastrand::u64(0..=millis - half))
    }

    /// The wait after a retryable response: `Retry-After` when present (the total deadline
    /// still bounds it), else the backoff.
    pub(crate) fn wait_after(&self, attempt: u32, headers: &HeaderMap) -> Duration {
        match retry_after(headers, SystemTime::now()) {
            Some(d) => d,
            None => self.backoff(attempt),
        }
    }
}

/// Whether a response status is worth retrying for this request (see the module docs): a
/// 429 for any method but POST, a 502, 503 or 504 only when [`repeatable`].
pub(crate) fn retryable_status(
    method: &Method,
    operation: Option<Operation>,
    status: StatusCode,
) -> bool {
    match status.as_u16() {
        429 => idempotent(method),
        502..=504 => repeatable(method, operation),
        _ => false,
    }
}

/// Whether a transport failure is worth retrying for this request: connection failures always
/// (the request never reached the server), timeouts and connections closed early only when
/// [`repeatable`]. An answer that is not valid HTTP (an unparsable `Content-Length`, say)
/// is not retried: the server would send it again, and retrying would hide what it sent.
pub(crate) fn retryable_transport(
    method: &Method,
    operation: Option<Operation>,
    err: &reqwest::Error,
) -> bool {
    if crate::error::TransportKind::of(err) == crate::error::TransportKind::InvalidResponse {
        return false;
    }
    if err.is_connect() {
        return true;
    }
    repeatable(method, operation) && (err.is_timeout() || err.is_request())
}

/// Whether the method is idempotent in HTTP's sense (GET, PUT, DELETE, HEAD).
fn idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::PUT | Method::DELETE | Method::HEAD
    )
}

/// Whether a request may be sent again after an attempt Zoho may have acted on: what the spec
/// marks `x-zoho-repeatable` ([`Operation::repeatable`]: reads, and the writes whose second
/// send does what the first did and gets the same answer, such as setting share types by id).
/// Any other write is sent once unless it provably never reached Zoho. A request that is no
/// operation of the spec (the generated client sends none) is repeatable only if it reads.
pub(crate) fn repeatable(method: &Method, operation: Option<Operation>) -> bool {
    match operation {
        Some(op) => op.repeatable(),
        None => matches!(*method, Method::GET | Method::HEAD),
    }
}

/// Parses `Retry-After` as delta-seconds or an HTTP date (relative to `now`).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_secs(u64::try_from(date.timestamp()).ok()?))?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_seconds_and_http_date() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(
            retry_after(&h, SystemTime::now()),
            Some(Duration::from_secs(7))
        );
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_767); // 1994-11-06 08:49:27
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(10)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h, now), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(1000));
        for _ in 0..50 {
            let b1 = p.backoff(1);
            assert!(b1 >= Duration::from_millis(50) && b1 <= Duration::from_millis(100));
            let b3 = p.backoff(3);
            assert!(b3 >= Duration::from_millis(200) && b3 <= Duration::from_millis(400));
            assert!(p.backoff(30) <= Duration::from_millis(1000));
        }
    }

    #[test]
    fn a_backoff_window_past_u64_milliseconds_stays_huge() {
        // u64::MAX + 1 milliseconds: cast to u64, it was 0, so no wait at all.
        let past = Duration::from_millis(u64::MAX) + Duration::from_millis(1);
        let p = RetryPolicy::default()
            .initial_backoff(past)
            .max_backoff(past);
        assert!(p.backoff(1) >= Duration::from_millis(u64::MAX / 2));
        assert!(p.backoff(30) >= Duration::from_millis(u64::MAX / 2));
    }

    #[test]
    fn backoff_jitter_spans_the_upper_half_of_the_window() {
        // Seeded, so the samples are the same on every run; 200 draws from [50, 100] ms
        // reach both ends of the range.
        fastrand::seed(20_251_129);
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(1000));
        let draws: Vec<Duration> = (0..200).map(|_| p.backoff(1)).collect();
        let (min, max) = (
            draws.iter().min().copied().unwrap(),
            draws.iter().max().copied().unwrap(),
        );
        assert!(min < Duration::from_millis(60), "{min:?}");
        assert!(max > Duration::from_millis(90), "{max:?}");
    }

    #[test]
    fn which_status_is_retried_for_which_request() {
        let status = |op: Operation, code: u16| {
            retryable_status(&op.method(), Some(op), StatusCode::from_u16(code).unwrap())
        };
        // POST: never on a status.
        assert!(!status(Operation::CreateSharingRule, 503));
        assert!(!status(Operation::CreateSharingRule, 429));
        // Reads: 429 and the gateway statuses, not a 500.
        assert!(status(Operation::GetOrgPermissions, 429));
        assert!(status(Operation::GetOrgPermissions, 502));
        assert!(!status(Operation::GetOrgPermissions, 500));
        // Writes a second send repeats exactly: like reads.
        assert!(status(Operation::UpdateOrgPermissions, 504));
        assert!(status(Operation::UpdateSharingRule, 503));
        // Writes a second send would change: a 429 only (Zoho did not act on it).
        assert!(!status(Operation::DeleteSharingRule, 502));
        assert!(status(Operation::DeleteSharingRule, 429));
        assert!(!status(Operation::UpdateRecordLockingConfigurations, 504));
        assert!(!status(Operation::ActivateSharingRule, 503));
        // No operation of the spec: reads only.
        assert!(retryable_status(
            &Method::GET,
            None,
            StatusCode::BAD_GATEWAY
        ));
        assert!(!retryable_status(
            &Method::PUT,
            None,
            StatusCode::BAD_GATEWAY
        ));
    }
}
