//! The one error type of the hand-written layer.
//!
//! Zoho reports failures in two shapes: a flat `{code, details, message, status}` object for
//! request-level problems, and the same object wrapped per item under the family's collection
//! key for problems inside the request body. Both become [`Error::Api`] when one item (or the
//! whole request) failed, and [`Error::Items`] when a multi-item write had failing items, so the
//! caller sees exactly which items failed and which succeeded.

use std::fmt;
use std::time::Duration;

use crate::generated::{enums, types};

/// A boxed cause, as kept in [`Error`]'s `source` fields.
type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong when talking to Zoho through [`crate::Client`].
///
/// `Display` says what went wrong at this layer, in words a user can act on; the underlying
/// failure (an I/O error, a TLS error, ...) is not repeated there but kept as
/// [`std::error::Error::source`], so error reporters such as `anyhow` print the whole chain
/// once. No variant ever contains tokens or secrets.
///
/// The enum and its variants are `#[non_exhaustive]`: match with `..` and a wildcard arm.
///
/// `Debug` (what Rust prints for an error returned from `main`) is kept short: Zoho's
/// `details` show only the keys Zoho sent, as JSON, and a field with nothing in it is left
/// out.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Zoho answered with an error (or a non-success status without a Zoho body).
    #[error("{}: Zoho answered HTTP {status}{}: {message}{}{}", operation_words(operation), code_suffix(code), hint(*status, code, details), retry_after_note(*retry_after))]
    #[non_exhaustive]
    Api {
        /// HTTP status of the final attempt.
        status: u16,
        /// Zoho's error code; `Unknown("")` when the body was not a Zoho error envelope.
        code: enums::ZohoCode,
        /// Zoho's message, or a short excerpt of a non-Zoho body.
        message: String,
        /// Zoho's `details` (which field, which limit, which permission ...).
        details: Box<types::ActionDetails>,
        /// The spec's operationId, e.g. `listSharingRules`.
        operation: String,
        /// How many attempts were made (more than one when the request was retried).
        attempts: u32,
        /// How long Zoho asked to wait (`Retry-After`) when the client gave up because that
        /// wait would pass the retry deadline ([`crate::RetryPolicy::total_deadline`]).
        retry_after: Option<Duration>,
    },

    /// Some items of a write failed. `failures` lists each failed item; `succeeded` lists the
    /// results of the items that went through (possibly none). Never collapsed into success.
    #[error("{}: {} of {} item(s) failed{}", operation_words(operation), failures.len(), failures.len() + succeeded.len(), items_summary(failures))]
    #[non_exhaustive]
    Items {
        /// The operationId.
        operation: String,
        /// HTTP status of the response carrying the per-item results.
        status: u16,
        /// The items that failed, with their position in the request.
        failures: Vec<ItemFailure>,
        /// The results of the items that succeeded, in request order.
        succeeded: Vec<types::ActionResult>,
    },

    /// No usable access token: the accounts server could not be reached or refused the
    /// refresh, or the token store failed. Check the client id, client secret, refresh token
    /// and data centre. `source` is the underlying failure, when there is one.
    #[error("authentication failed: {reason}")]
    #[non_exhaustive]
    Auth {
        /// What went wrong (never contains secrets).
        reason: String,
        /// The failure underneath (the transport's, the token store's ...).
        #[source]
        source: Option<Cause>,
    },

    /// The request could not be sent or its response not received: the connection was
    /// refused, timed out, failed its TLS handshake or closed early, or the server's answer
    /// was not valid HTTP. [`TransportKind`] says which. `source` is the HTTP client's error,
    /// whose chain reaches the I/O error underneath; for a timeout it is an I/O error of kind
    /// [`std::io::ErrorKind::TimedOut`] wrapping the HTTP client's error.
    #[error("{}: {kind} (after {attempts} attempt(s))", operation_words(operation))]
    #[non_exhaustive]
    Transport {
        /// The operationId.
        operation: String,
        /// How many attempts were made.
        attempts: u32,
        /// What failed.
        kind: TransportKind,
        /// The HTTP client's error.
        #[source]
        source: Cause,
    },

    /// Zoho's response broke off: the status and headers arrived, but the body ended before
    /// its `Content-Length` or the connection was reset while reading it. GET, PUT and
    /// DELETE are retried per [`crate::RetryPolicy`] first; a POST is not (the server acted
    /// on it). The request did reach Zoho, so unlike [`Error::Transport`] the write may
    /// have happened.
    #[error("{}: Zoho's HTTP {status} response was cut off before its end (after {attempts} attempt(s))", operation_words(operation))]
    #[non_exhaustive]
    IncompleteResponse {
        /// The operationId.
        operation: String,
        /// HTTP status of the incomplete response.
        status: u16,
        /// How many attempts were made.
        attempts: u32,
        /// The HTTP client's error.
        #[source]
        source: Cause,
    },

    /// A response body was larger than the client's limit
    /// ([`crate::ClientBuilder::max_response_bytes`]). The client stopped reading it at the
    /// limit, or before its first byte when its `Content-Length` announced more, and closed
    /// the connection; nothing past the limit was buffered. Not retried: the same request
    /// would get the same answer. For a write, the server may have acted on the request.
    #[error("{}: the HTTP {status} response is larger than the client's limit of {limit} bytes, so it was not read (raise ClientBuilder::max_response_bytes if the answer is expected to be that large)", operation_words(operation))]
    #[non_exhaustive]
    ResponseTooLarge {
        /// The operationId, or `token request` for the accounts server's answer.
        operation: String,
        /// HTTP status of the response.
        status: u16,
        /// The limit in bytes.
        limit: u64,
        /// How many attempts were made.
        attempts: u32,
    },

    /// The operation ran out of its time budget ([`crate::RetryPolicy::total_deadline`]), or
    /// no request slot became free in time. A single attempt that times out is an
    /// [`Error::Transport`] of kind [`TransportKind::ConnectTimeout`] or
    /// [`TransportKind::ReadTimeout`]; [`Error::is_timeout`] covers all of them.
    #[error("{}: {}", operation_words(operation), timeout_message(*attempts, elapsed))]
    #[non_exhaustive]
    Timeout {
        /// The operationId.
        operation: String,
        /// How many attempts were made.
        attempts: u32,
        /// Time spent on the operation.
        elapsed: Duration,
    },

    /// Zoho's answer did not decode into the type the spec describes.
    #[error("{}: could not decode the HTTP {status} response at `{path}`: {message} (body starts: {excerpt})", operation_words(operation))]
    #[non_exhaustive]
    Decode {
        /// The operationId.
        operation: String,
        /// HTTP status of the response.
        status: u16,
        /// JSON path of the failure, e.g. `sharing_rules[0].shared_to.type`.
        path: String,
        /// What the decoder said.
        message: String,
        /// The first characters of the body.
        excerpt: String,
    },

    /// A paged listing stopped because the pages did not add up: Zoho answered another page
    /// than the one asked for, a page repeated the previous page's rules, or the stream
    /// reached its page limit ([`crate::ListRequest::MAX_PAGES`] by default) while Zoho
    /// still claimed more records. The rules yielded before it are complete pages.
    #[error(
        "{}: stopped paging at page {page}: {reason}",
        operation_words(operation)
    )]
    #[non_exhaustive]
    Pagination {
        /// The operationId.
        operation: String,
        /// The page that was asked for.
        page: u32,
        /// What did not add up.
        reason: String,
    },

    /// The input breaks a documented rule; nothing was sent.
    #[error("invalid {what}: {reason}")]
    #[non_exhaustive]
    InvalidInput {
        /// What was wrong (a parameter or field name).
        what: String,
        /// Why, and what is allowed.
        reason: String,
    },

    /// A desired-state file ([`crate::desired`]) cannot be read, breaks a rule of its format or
    /// one of Zoho's limits, or names something the org does not have (or has twice); nothing
    /// was sent. `place` says where, as a path into the file such as
    /// `sharing_rules.Leads[1].to.group`, and `location` the line and column when the parser
    /// knows them.
    #[error("{}{reason}", place_prefix(place, *location))]
    #[non_exhaustive]
    Desired {
        /// Where in the file (`record_locking.Deals.rules[2].criteria`); empty for the whole
        /// document.
        place: String,
        /// Line and column (both 1-based), when known.
        location: Option<(usize, usize)>,
        /// What is wrong, and what is allowed.
        reason: String,
        /// The parser's error, when there is one.
        #[source]
        source: Option<Cause>,
    },

    /// The client configuration is unusable (bad URL, plain http to a non-loopback host,
    /// https without a TLS feature, missing credentials ...).
    #[error("client configuration: {reason}")]
    #[non_exhaustive]
    Config {
        /// What to fix.
        reason: String,
        /// The failure underneath, when there is one.
        #[source]
        source: Option<Cause>,
    },
}

/// What failed on the wire, for [`Error::Transport`]. Its `Display` is the phrase used in the
/// error message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// The host name did not resolve.
    Dns,
    /// Nothing listens at the address (the server refused the connection).
    ConnectionRefused,
    /// No connection within the connect timeout
    /// ([`crate::ClientBuilder::connect_timeout`]).
    ConnectTimeout,
    /// The TLS handshake failed (an untrusted or invalid certificate, no common protocol
    /// version ...).
    Tls,
    /// The connection was reset or closed before a complete response arrived.
    ConnectionClosed,
    /// Connected, but no complete response within the request timeout
    /// ([`crate::ClientBuilder::timeout`]).
    ReadTimeout,
    /// The server's answer is not valid HTTP: a malformed status line or header, such as an
    /// unparsable `Content-Length`.
    InvalidResponse,
    /// Any other failure to send the request or receive the response.
    Other,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Dns => "could not connect: the host name did not resolve",
            TransportKind::ConnectionRefused => "could not connect: connection refused",
            TransportKind::ConnectTimeout => "could not connect: timed out connecting",
            TransportKind::Tls => "could not connect: the TLS handshake failed",
            TransportKind::ConnectionClosed => {
                "the connection closed before a complete response arrived"
            }
            TransportKind::ReadTimeout => "timed out waiting for the response",
            TransportKind::InvalidResponse => {
                "the server's answer is not valid HTTP (a malformed status line or header, \
                 such as an unparsable Content-Length)"
            }
            TransportKind::Other => "the request could not be sent or its answer not received",
        })
    }
}

impl TransportKind {
    /// Classifies an HTTP client error by what its source chain holds.
    pub(crate) fn of(error: &reqwest::Error) -> TransportKind {
        let found = Self::in_chain(error);
        match found {
            Some(TransportKind::ReadTimeout) | Some(TransportKind::ConnectTimeout) | None
                if error.is_timeout() =>
            {
                if error.is_connect() {
                    TransportKind::ConnectTimeout
                } else {
                    TransportKind::ReadTimeout
                }
            }
            Some(kind) => kind,
            None => TransportKind::Other,
        }
    }

    /// The most specific kind any link of the chain names. An I/O error's `source()` skips
    /// the error it wraps, so wrapped errors are searched too (TLS libraries report through
    /// I/O errors wrapping I/O errors wrapping their own).
    fn in_chain(error: &(dyn std::error::Error + 'static)) -> Option<TransportKind> {
        let mut current = Some(error);
        while let Some(e) = current {
            if let Some(inner) = e
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
            {
                if let Some(kind) = Self::in_chain(inner) {
                    return Some(kind);
                }
            }
            if let Some(kind) = Self::of_one(e) {
                return Some(kind);
            }
            current = e.source();
        }
        None
    }

    /// What one link of an error chain says, if it says anything specific.
    fn of_one(e: &(dyn std::error::Error + 'static)) -> Option<TransportKind> {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => Some(TransportKind::ConnectionRefused),
                std::io::ErrorKind::TimedOut => Some(TransportKind::ReadTimeout),
                std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::BrokenPipe
                | std::io::ErrorKind::UnexpectedEof => Some(TransportKind::ConnectionClosed),
                _ => None,
            };
        }
        if is_tls_error(e) {
            return Some(TransportKind::Tls);
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            if h.is_parse() || h.is_parse_status() {
                return Some(TransportKind::InvalidResponse);
            }
            if h.is_incomplete_message() || h.is_closed() || h.is_canceled() {
                return Some(TransportKind::ConnectionClosed);
            }
            if h.is_timeout() {
                return Some(TransportKind::ReadTimeout);
            }
        }
        // hyper-util names a failed lookup only in its message ("dns error").
        if e.to_string() == "dns error" {
            return Some(TransportKind::Dns);
        }
        None
    }
}

/// Whether an error (one link of a chain) comes from the TLS implementation.
fn is_tls_error(e: &(dyn std::error::Error + 'static)) -> bool {
    #[cfg(any(feature = "rustls", feature = "rustls-no-provider"))]
    if e.is::<rustls::Error>() {
        return true;
    }
    #[cfg(feature = "native-tls")]
    if e.is::<native_tls::Error>() {
        return true;
    }
    let _ = e;
    false
}

/// The cause kept for a failed HTTP exchange: the HTTP client's error, whose chain reaches
/// the I/O error underneath. A timeout of the HTTP client's own timer has no I/O error in its
/// chain, so it is wrapped in one of kind [`std::io::ErrorKind::TimedOut`] (as an operating
/// system would report it); the HTTP client's error is that I/O error's inner error.
pub(crate) fn transport_cause(kind: TransportKind, error: reqwest::Error) -> Cause {
    let timed_out = matches!(
        kind,
        TransportKind::ConnectTimeout | TransportKind::ReadTimeout
    );
    if timed_out && !has_io_error(&error) {
        return Box::new(std::io::Error::new(std::io::ErrorKind::TimedOut, error));
    }
    Box::new(error)
}

fn has_io_error(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.is::<std::io::Error>() {
            return true;
        }
        current = e.source();
    }
    false
}

/// One failed item of a multi-item write. Its `Debug` shows only the details Zoho sent.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct ItemFailure {
    /// Position of the item in the request (0-based).
    pub index: usize,
    /// Zoho's code for the item.
    pub code: enums::ZohoCode,
    /// Zoho's message for the item.
    pub message: String,
    /// Zoho's details for the item (field, json_path, limits ...).
    pub details: types::ActionDetails,
}

/// Zoho's details as the JSON Zoho sent (no empty keys), for `Debug`.
struct Details<'a>(&'a types::ActionDetails);

impl Details<'_> {
    /// `None` when Zoho sent no detail at all.
    fn present(details: &types::ActionDetails) -> Option<Details<'_>> {
        (*details != types::ActionDetails::default()).then_some(Details(details))
    }
}

impl fmt::Debug for Details<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_string(self.0) {
            Ok(json) => f.write_str(&json),
            Err(_) => f.write_str("{..}"),
        }
    }
}

impl fmt::Debug for ItemFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("ItemFailure");
        s.field("index", &self.index)
            .field("code", &self.code.as_str())
            .field("message", &self.message);
        if let Some(details) = Details::present(&self.details) {
            s.field("details", &details);
        }
        s.finish()
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api {
                status,
                code,
                message,
                details,
                operation,
                attempts,
                retry_after,
            } => {
                let mut s = f.debug_struct("Api");
                s.field("operation", operation)
                    .field("status", status)
                    .field("code", &code.as_str())
                    .field("message", message);
                if let Some(details) = Details::present(details) {
                    s.field("details", &details);
                }
                s.field("attempts", attempts);
                if let Some(wait) = retry_after {
                    s.field("retry_after", wait);
                }
                s.finish()
            }
            Error::Items {
                operation,
                status,
                failures,
                succeeded,
            } => f
                .debug_struct("Items")
                .field("operation", operation)
                .field("status", status)
                .field("failures", failures)
                .field("succeeded", &succeeded.len())
                .finish(),
            Error::Auth { reason, source } => {
                let mut s = f.debug_struct("Auth");
                s.field("reason", reason);
                if let Some(source) = source {
                    s.field("source", source);
                }
                s.finish()
            }
            Error::Transport {
                operation,
                attempts,
                kind,
                source,
            } => f
                .debug_struct("Transport")
                .field("operation", operation)
                .field("attempts", attempts)
                .field("kind", kind)
                .field("source", source)
                .finish(),
            Error::IncompleteResponse {
                operation,
                status,
                attempts,
                source,
            } => f
                .debug_struct("IncompleteResponse")
                .field("operation", operation)
                .field("status", status)
                .field("attempts", attempts)
                .field("source", source)
                .finish(),
            Error::ResponseTooLarge {
                operation,
                status,
                limit,
                attempts,
            } => f
                .debug_struct("ResponseTooLarge")
                .field("operation", operation)
                .field("status", status)
                .field("limit", limit)
                .field("attempts", attempts)
                .finish(),
            Error::Timeout {
                operation,
                attempts,
                elapsed,
            } => f
                .debug_struct("Timeout")
                .field("operation", operation)
                .field("attempts", attempts)
                .field("elapsed", elapsed)
                .finish(),
            Error::Decode {
                operation,
                status,
                path,
                message,
                excerpt,
            } => f
                .debug_struct("Decode")
                .field("operation", operation)
                .field("status", status)
                .field("path", path)
                .field("message", message)
                .field("excerpt", excerpt)
                .finish(),
            Error::Pagination {
                operation,
                page,
                reason,
            } => f
                .debug_struct("Pagination")
                .field("operation", operation)
                .field("page", page)
                .field("reason", reason)
                .finish(),
            Error::InvalidInput { what, reason } => f
                .debug_struct("InvalidInput")
                .field("what", what)
                .field("reason", reason)
                .finish(),
            Error::Desired {
                place,
                location,
                reason,
                source,
            } => {
                let mut s = f.debug_struct("Desired");
                s.field("place", place);
                if let Some(location) = location {
                    s.field("location", location);
                }
                s.field("reason", reason);
                if let Some(source) = source {
                    s.field("source", source);
                }
                s.finish()
            }
            Error::Config { reason, source } => {
                let mut s = f.debug_struct("Config");
                s.field("reason", reason);
                if let Some(source) = source {
                    s.field("source", source);
                }
                s.finish()
            }
        }
    }
}

impl fmt::Display for ItemFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item {}: {} {}", self.index, self.code, self.message)?;
        if let Some(p) = &self.details.json_path {
            write!(f, " at {p}")?;
        } else if let Some(a) = &self.details.api_name {
            write!(f, " ({a})")?;
        }
        Ok(())
    }
}

fn place_prefix(place: &str, location: Option<(usize, usize)>) -> String {
    match (place.is_empty(), location) {
        (true, None) => String::new(),
        (true, Some((line, column))) => format!("line {line}, column {column}: "),
        (false, None) => format!("{place}: "),
        (false, Some((line, column))) => format!("{place} (line {line}, column {column}): "),
    }
}

fn timeout_message(attempts: u32, elapsed: &Duration) -> String {
    if attempts == 0 {
        format!(
            "no request slot became free within the retry deadline ({elapsed:?}); raise \
             max_concurrency or the deadline"
        )
    } else {
        format!(
            "timed out after {attempts} attempt(s) ({elapsed:?}); raise the timeout or the \
             retry deadline"
        )
    }
}

fn retry_after_note(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!(
            " (Zoho asked to wait {}s before retrying, which passes the retry deadline; \
             raise RetryPolicy::total_deadline to wait that long)",
            wait.as_secs_f64().ceil()
        ),
        None => String::new(),
    }
}

/// What failed, in words, with the operationId after it: `listing data sharing rules
/// (listSharingRules)`. The words come from the spec's summary of the operation
/// ([`crate::operations::Operation::doing`]); a name that is not an operationId (`token
/// request`) stays as it is.
fn operation_words(operation: &str) -> String {
    match crate::operations::Operation::from_id(operation) {
        Some(op) => format!("{} ({operation})", op.doing()),
        None => operation.to_owned(),
    }
}

fn code_suffix(code: &enums::ZohoCode) -> String {
    if code.as_str().is_empty() {
        String::new()
    } else {
        format!(" {code}")
    }
}

fn items_summary(failures: &[ItemFailure]) -> String {
    let mut s = String::new();
    for (i, f) in failures.iter().enumerate() {
        if i == 3 {
            s.push_str(&format!("; ... and {} more", failures.len() - 3));
            break;
        }
        s.push_str(if i == 0 { ": " } else { "; " });
        s.push_str(&f.to_string());
    }
    s
}

fn hint(status: u16, code: &enums::ZohoCode, details: &types::ActionDetails) -> String {
    let mut s = String::new();
    if let Some(p) = details.json_path.as_deref() {
        s.push_str(&format!(" (at {p})"));
    } else if let Some(p) = details.param_name.as_deref().or(details.param.as_deref()) {
        s.push_str(&format!(" (parameter `{p}`)"));
    } else if let Some(a) = details.api_name.as_deref() {
        s.push_str(&format!(" (`{a}`)"));
    }
    if let Some(l) = details.limit.or(details.maximum_length) {
        s.push_str(&format!(" (limit {l})"));
    }
    if !details.supported_values.is_empty() {
        s.push_str(&format!(
            " (supported: {})",
            details.supported_values.join(", ")
        ));
    }
    let advice = match code {
        enums::ZohoCode::InvalidToken | enums::ZohoCode::AuthenticationFailure => {
            " - the access token was refused: expired, revoked, or issued for another data centre or org"
        }
        enums::ZohoCode::OauthScopeMismatch => {
            " - the token lacks the OAuth scope for this call (ZohoCRM.settings.*)"
        }
        enums::ZohoCode::NoPermission => {
            " - the user's profile lacks the permission needed (see details.permissions)"
        }
        enums::ZohoCode::TooManyRequests => {
            " - rate or concurrency limit reached; retry later or lower max_concurrency"
        }
        enums::ZohoCode::CannotProcess => " - sharing rules are being recomputed; try again later",
        _ if status == 429 => " - rate limited; retry later",
        _ if status >= 500 => " - Zoho-side failure; retry later",
        _ => "",
    };
    if !details.permissions.is_empty() {
        s.push_str(&format!(" (needs {})", details.permissions.join(", ")));
    }
    s.push_str(advice);
    s
}

impl Error {
    /// The HTTP status of Zoho's answer, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Items { status, .. } => Some(*status),
            Error::Decode { status, .. }
            | Error::IncompleteResponse { status, .. }
            | Error::ResponseTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Zoho's error code, for [`Error::Api`].
    pub fn code(&self) -> Option<&enums::ZohoCode> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// How many attempts the operation made, when known.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Api { attempts, .. }
            | Error::Transport { attempts, .. }
            | Error::IncompleteResponse { attempts, .. }
            | Error::ResponseTooLarge { attempts, .. }
            | Error::Timeout { attempts, .. } => Some(*attempts),
            _ => None,
        }
    }

    /// Whether this is an authentication problem (refresh failed, or Zoho said 401).
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Auth { .. }) || self.status() == Some(401)
    }

    /// Whether time ran out: an attempt timed out connecting or waiting for the response,
    /// or the operation's retry deadline passed.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            Error::Timeout { .. }
                | Error::Transport {
                    kind: TransportKind::ConnectTimeout | TransportKind::ReadTimeout,
                    ..
                }
        )
    }

    /// What failed on the wire, for [`Error::Transport`].
    pub fn transport_kind(&self) -> Option<TransportKind> {
        match self {
            Error::Transport { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// How long Zoho asked to wait before retrying, when the client gave up because that
    /// wait would pass the retry deadline (see [`Error::Api`]).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// An error for a [`TokenStore`](crate::auth::TokenStore) implementation to return when
    /// it cannot load or save a token: an [`Error::Auth`] with this reason and cause.
    ///
    /// ```
    /// use zoho_crm_access::Error;
    /// let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "keychain locked");
    /// let err = Error::token_store("cannot read the keychain", io);
    /// assert_eq!(err.to_string(), "authentication failed: cannot read the keychain");
    /// assert!(std::error::Error::source(&err).is_some());
    /// ```
    pub fn token_store(
        reason: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Error::Auth {
            reason: reason.into(),
            source: Some(source.into()),
        }
    }

    /// [`Error::Config`] without a cause underneath.
    pub(crate) fn config(reason: impl Into<String>) -> Self {
        Error::Config {
            reason: reason.into(),
            source: None,
        }
    }

    /// [`Error::Transport`] for an HTTP client error.
    pub(crate) fn transport(operation: &str, attempts: u32, source: reqwest::Error) -> Self {
        let kind = TransportKind::of(&source);
        Error::Transport {
            operation: operation.to_owned(),
            attempts,
            kind,
            source: transport_cause(kind, source),
        }
    }

    /// [`Error::Desired`] at `place`, without a location or cause.
    pub(crate) fn desired(place: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Desired {
            place: place.into(),
            location: None,
            reason: reason.into(),
            source: None,
        }
    }

    pub(crate) fn invalid(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            what: what.into(),
            reason: reason.into(),
        }
    }
}

/// A short, single-line excerpt of a body for error messages.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    const MAX: usize = 160;
    let text = String::from_utf8_lossy(bytes);
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX)
        .collect();
    if text.chars().count() > MAX {
        out.push_str("...");
    }
    out
}

/// Whether one action result is a success. Anything that is not `status: success` counts as
/// a failure, so an unknown status is never mistaken for success.
pub(crate) fn is_success(r: &types::ActionResult) -> bool {
    matches!(r.status, enums::ActionStatus::Success)
}

/// Checks per-item results: all succeeded -> `Ok(results)`; one item that failed on a
/// single-item operation -> [`Error::Api`]; otherwise [`Error::Items`].
pub(crate) fn check_items(
    operation: &str,
    status: u16,
    results: Vec<types::ActionResult>,
    attempts: u32,
) -> Result<Vec<types::ActionResult>, Error> {
    if results.iter().all(is_success) {
        return Ok(results);
    }
    if results.len() == 1 {
        let Some(r) = results.into_iter().next() else {
            return Ok(Vec::new());
        };
        return Err(Error::Api {
            status,
            code: r.code,
            message: r.message,
            details: Box::new(r.details),
            operation: operation.to_owned(),
            attempts,
            retry_after: None,
        });
    }
    let mut failures = Vec::new();
    let mut succeeded = Vec::new();
    for (index, r) in results.into_iter().enumerate() {
        if is_success(&r) {
            succeeded.push(r);
        } else {
            failures.push(ItemFailure {
                index,
                code: r.code,
                message: r.message,
                details: r.details,
            });
        }
    }
    Err(Error::Items {
        operation: operation.to_owned(),
        status,
        failures,
        succeeded,
    })
}

/// Turns a decoded Zoho error body into the error. A wrapped body with one item becomes the
/// same [`Error::Api`] as a flat one.
pub(crate) fn from_error_body(
    operation: &str,
    status: u16,
    body: types::ZohoErrorBody,
    attempts: u32,
) -> Error {
    let items = match body {
        types::ZohoErrorBody::ActionResult(r) => vec![*r],
        types::ZohoErrorBody::RecordLockingActionResults(w) => w.record_locking_configurations,
        types::ZohoErrorBody::SharingRuleActionResults(w) => w.sharing_rules,
        types::ZohoErrorBody::DataSharingActionResults(w) => w.data_sharing,
        types::ZohoErrorBody::RecordLockActionResults(w) => w.data,
    };
    if items.is_empty() {
        return Error::Api {
            status,
            code: enums::ZohoCode::Unknown(String::new()),
            message: "error response with an empty result list".into(),
            details: Box::default(),
            operation: operation.to_owned(),
            attempts,
            retry_after: None,
        };
    }
    match check_items(operation, status, items, attempts) {
        Err(e) => e,
        // Every item said success, yet the status was an error: report the status.
        Ok(items) => {
            let first = items.into_iter().next();
            Error::Api {
                status,
                code: first
                    .as_ref()
                    .map(|r| r.code.clone())
                    .unwrap_or_else(|| enums::ZohoCode::Unknown(String::new())),
                message: first
                    .as_ref()
                    .map(|r| r.message.clone())
                    .unwrap_or_default(),
                details: Box::new(first.map(|r| r.details).unwrap_or_default()),
                operation: operation.to_owned(),
                attempts,
                retry_after: None,
            }
        }
    }
}
