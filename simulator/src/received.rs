//! The requests the simulator received, for `GET /__simulator/requests`: a ring of the last
//! [`MAX_ENTRIES`], each with its headers (credentials redacted), at most [`MAX_BODY`] bytes of
//! its body, the answer's status and the fault applied. Its memory is bounded by construction.

use std::collections::VecDeque;
use std::time::Instant;

use axum::http::HeaderMap;
use serde_json::{json, Map, Value};

/// Entries kept; older ones are dropped.
pub(crate) const MAX_ENTRIES: usize = 1000;
/// Body bytes kept per entry.
pub(crate) const MAX_BODY: usize = 16 * 1024;
/// Bytes kept per header value, and header bytes kept per entry.
const MAX_HEADER_VALUE: usize = 1024;
const MAX_HEADERS_TOTAL: usize = 8 * 1024;
/// Bytes of path and query kept.
const MAX_TARGET: usize = 4 * 1024;

/// Form fields of a token request whose values are never kept.
const SECRET_FIELDS: &[&str] = &["client_secret", "refresh_token", "code", "password"];

/// One request as received.
pub(crate) struct Entry {
    pub target: &'static str,
    pub method: String,
    pub path: String,
    pub query: String,
    pub operation: Option<&'static str>,
    pub headers: HeaderMap,
    /// `None`: the body was not read (the request was refused before it).
    pub body: Option<bytes::Bytes>,
    pub status: u16,
    pub fault: Option<Value>,
}

/// The ring.
#[derive(Debug)]
pub(crate) struct Received {
    start: Instant,
    next_seq: u64,
    entries: VecDeque<Value>,
}

impl Received {
    pub(crate) fn new() -> Self {
        Self {
            start: Instant::now(),
            next_seq: 1,
            entries: VecDeque::new(),
        }
    }

    pub(crate) fn push(&mut self, e: Entry) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let mut headers = Map::new();
        let mut kept = 0;
        for (name, value) in &e.headers {
            let name = name.as_str();
            let shown = if name == "authorization" {
                // Keep the scheme, never the credential.
                let v = String::from_utf8_lossy(value.as_bytes());
                let scheme = v.split_whitespace().next().unwrap_or("");
                format!("{scheme} [redacted]").trim_start().to_owned()
            } else if name == "cookie" {
                "[redacted]".to_owned()
            } else {
                clip(&String::from_utf8_lossy(value.as_bytes()), MAX_HEADER_VALUE)
            };
            kept += name.len() + shown.len();
            if kept > MAX_HEADERS_TOTAL {
                break;
            }
            headers.insert(name.to_owned(), shown.into());
        }
        let mut entry = json!({
            "seq": seq,
            "received_ms": u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX),
            "target": e.target,
            "method": e.method,
            "path": clip(&e.path, MAX_TARGET),
            "query": query_map(&clip(&e.query, MAX_TARGET), e.target == "accounts"),
            "operation": e.operation,
            "headers": headers,
            "response": { "status": e.status },
        });
        if let Some(fault) = e.fault {
            entry["fault"] = fault;
        }
        match &e.body {
            None => entry["body_read"] = false.into(),
            Some(body) => {
                entry["body_read"] = true.into();
                entry["body_bytes"] = body.len().into();
                let kept = &body[..body.len().min(MAX_BODY)];
                entry["body_truncated"] = (kept.len() < body.len()).into();
                if e.target == "accounts" {
                    entry["body_text"] = redact_form(kept).into();
                } else if kept.len() == body.len() && !kept.is_empty() {
                    match serde_json::from_slice::<Value>(kept) {
                        Ok(v) => entry["body"] = v,
                        Err(_) => entry["body_text"] = String::from_utf8_lossy(kept).into(),
                    }
                } else if !kept.is_empty() {
                    entry["body_text"] = String::from_utf8_lossy(kept).into();
                }
            }
        }
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// Entries with `seq > since`, oldest first, at most `limit`.
    pub(crate) fn since(&self, since: u64, limit: usize) -> Vec<Value> {
        self.entries
            .iter()
            .filter(|e| e["seq"].as_u64().unwrap_or(0) > since)
            .take(limit)
            .cloned()
            .collect()
    }

    /// The sequence number the next request will get.
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Forgets every entry (sequence numbers keep counting).
    pub(crate) fn clear(&mut self) -> usize {
        std::mem::take(&mut self.entries).len()
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// Query parameters as an object; with `redact`, secret fields' values are replaced (the
/// accounts endpoint accepts its parameters in the query string too).
fn query_map(q: &str, redact: bool) -> Value {
    let mut m = Map::new();
    for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
        let v = if redact && SECRET_FIELDS.contains(&k.as_ref()) {
            "[redacted]".to_owned()
        } else {
            v.into_owned()
        };
        m.insert(k.into_owned(), v.into());
    }
    Value::Object(m)
}

/// A form body with the values of secret fields replaced.
fn redact_form(body: &[u8]) -> String {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| {
            if SECRET_FIELDS.contains(&k.as_ref()) {
                format!("{k}=[redacted]")
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}
