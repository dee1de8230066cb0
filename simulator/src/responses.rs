//! What a simulated endpoint answers: a status, an optional JSON body, and the two error shapes
//! Zoho uses (flat for request-level failures, wrapped under the family's key for body items).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use zoho_crm_access::operations::Operation;

/// `{key: [items...]}` with the items moved in. (`json!({ key: items })` would copy every item
/// through serialization: for a page of 200 rules that copy was about half of the simulator's CPU
/// per request.)
pub(crate) fn list_body(key: &str, items: Vec<Value>) -> Value {
    let mut body = Map::with_capacity(2);
    body.insert(key.to_owned(), Value::Array(items));
    Value::Object(body)
}

/// Largest `per_page` of a list (Zoho's OpenAPI files).
pub(crate) const MAX_PER_PAGE: usize = 200;
/// Largest page number (the spec's `int32`); Zoho documents no other limit, and a page past
/// the last one answers 204.
pub(crate) const MAX_PAGE: usize = i32::MAX as usize;

/// `page` and `per_page` of a list request's query, checked.
pub(crate) fn paging(q: &BTreeMap<String, String>) -> Answer<(usize, usize)> {
    let parse = |name: &str, default: usize, max: usize| -> Answer<usize> {
        match q.get(name) {
            None => Ok(default),
            Some(s) => match s.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(invalid_param(name, "invalid data")),
            },
        }
    };
    Ok((
        parse("page", 1, MAX_PAGE)?,
        parse("per_page", MAX_PER_PAGE, MAX_PER_PAGE)?,
    ))
}

/// One page of `items` under `key` with `info`; `None` when the page is empty. Only the
/// page's items are taken from `items` (a lazy iterator converts no others).
pub(crate) fn page_of(
    key: &str,
    items: impl IntoIterator<Item = Value, IntoIter: ExactSizeIterator>,
    page: usize,
    per_page: usize,
) -> Option<Map<String, Value>> {
    let items = items.into_iter();
    let start = (page - 1).saturating_mul(per_page);
    let total = items.len();
    let slice: Vec<Value> = items.skip(start).take(per_page).collect();
    if slice.is_empty() {
        return None;
    }
    let more = total > start + slice.len();
    let mut body = Map::new();
    body.insert(
        "info".into(),
        json!({ "per_page": per_page, "count": slice.len(), "page": page, "more_records": more }),
    );
    body.insert(key.into(), Value::Array(slice));
    Some(body)
}

/// A response before it is put on the wire.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub retry_after: Option<u64>,
}

/// Handlers return `Err(reply)` to stop early with an error answer.
pub(crate) type Answer<T = Reply> = Result<T, Reply>;

impl Reply {
    /// A JSON body with `status`.
    pub(crate) fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            retry_after: None,
        }
    }

    /// 204 No Content.
    pub(crate) fn no_content() -> Self {
        Self {
            status: 204,
            body: None,
            retry_after: None,
        }
    }

    /// The flat error shape `{code, details, message, status:"error"}`.
    pub(crate) fn flat(status: u16, code: &str, message: &str, details: Value) -> Self {
        Self::json(status, error_item(code, message, details))
    }

    /// The wrapped error shape `{<key>: [{code, details, message, status:"error"}]}`, status 400.
    pub(crate) fn wrapped(key: &str, code: &str, message: &str, details: Value) -> Self {
        Self::json(400, json!({ key: [error_item(code, message, details)] }))
    }

    /// A success action result under `key`.
    pub(crate) fn action(
        status: u16,
        key: &str,
        code: &str,
        message: &str,
        details: Value,
    ) -> Self {
        Self::json(
            status,
            json!({ key: [{ "code": code, "details": details, "message": message, "status": "success" }] }),
        )
    }
}

/// One `{code, details, message, status:"error"}` object.
pub(crate) fn error_item(code: &str, message: &str, details: Value) -> Value {
    json!({ "code": code, "details": details, "message": message, "status": "error" })
}

/// `{api_name, json_path}`.
pub(crate) fn at(api_name: &str, json_path: &str) -> Value {
    json!({ "api_name": api_name, "json_path": json_path })
}

/// `{api_name, json_path}` plus extra keys.
pub(crate) fn at_with(api_name: &str, json_path: &str, extra: Value) -> Value {
    let mut m = Map::new();
    m.insert("api_name".into(), api_name.into());
    m.insert("json_path".into(), json_path.into());
    if let Value::Object(extra) = extra {
        m.extend(extra);
    }
    Value::Object(m)
}

/// Errors shared by every family, built for one collection key.
#[derive(Clone, Copy)]
pub(crate) struct Errors {
    /// The family's collection key, e.g. `sharing_rules`.
    pub key: &'static str,
}

impl Errors {
    pub(crate) fn wrapped(&self, code: &str, message: &str, details: Value) -> Reply {
        Reply::wrapped(self.key, code, message, details)
    }

    pub(crate) fn mandatory(&self, api_name: &str, json_path: &str) -> Reply {
        self.wrapped(
            "MANDATORY_NOT_FOUND",
            "required field not found",
            at(api_name, json_path),
        )
    }

    pub(crate) fn wrong_type(&self, api_name: &str, json_path: &str, expected: &str) -> Reply {
        self.wrapped(
            "INVALID_DATA",
            "invalid data",
            at_with(
                api_name,
                json_path,
                json!({ "expected_data_type": expected }),
            ),
        )
    }

    pub(crate) fn not_one_of(
        &self,
        api_name: &str,
        json_path: &str,
        message: &str,
        supported: &[&str],
    ) -> Reply {
        self.wrapped(
            "INVALID_DATA",
            message,
            at_with(
                api_name,
                json_path,
                json!({ "supported_values": supported }),
            ),
        )
    }

    pub(crate) fn dependent_missing(
        &self,
        dependee: (&str, &str),
        api_name: &str,
        json_path: &str,
    ) -> Reply {
        self.wrapped(
            "DEPENDENT_FIELD_MISSING",
            "dependent field missing",
            at_with(
                api_name,
                json_path,
                json!({ "dependee": at(dependee.0, dependee.1) }),
            ),
        )
    }

    pub(crate) fn dependent_mismatch(
        &self,
        dependee: (&str, &str),
        api_name: &str,
        json_path: &str,
    ) -> Reply {
        self.wrapped(
            "DEPENDENT_FIELD_MISMATCH",
            "dependent field mismatch",
            at_with(
                api_name,
                json_path,
                json!({ "dependee": at(dependee.0, dependee.1) }),
            ),
        )
    }
}

/// 400 flat `REQUIRED_PARAM_MISSING` for a query parameter.
pub(crate) fn required_param_missing(param: &str) -> Reply {
    Reply::flat(
        400,
        "REQUIRED_PARAM_MISSING",
        "One of the expected parameter is missing",
        json!({ "param_name": param }),
    )
}

/// 400 flat `INVALID_DATA` for a bad query parameter value.
pub(crate) fn invalid_param(param: &str, message: &str) -> Reply {
    Reply::flat(400, "INVALID_DATA", message, json!({ "param_name": param }))
}

/// 400 flat `INVALID_DATA` for a body that is not JSON (or not an object).
pub(crate) fn malformed_body(expected: &str) -> Reply {
    Reply::flat(
        400,
        "INVALID_DATA",
        "the input body is not valid JSON",
        json!({ "expected_data_type": expected }),
    )
}

/// 404 `INVALID_URL_PATTERN`.
pub(crate) fn invalid_url() -> Reply {
    Reply::flat(
        404,
        "INVALID_URL_PATTERN",
        "Please check if the URL trying to access is a correct one",
        json!({}),
    )
}

/// 501 `NOT_IMPLEMENTED`: an operation of the spec that the simulator routes but does not answer
/// (no handler matches it). Zoho never answers this; `tests/simulator_operations.rs` fails when
/// any operation gets it.
pub(crate) fn not_implemented(op: Operation) -> Reply {
    let id = op.id();
    Reply::flat(
        501,
        "NOT_IMPLEMENTED",
        &format!("the simulator does not implement the operation {id}"),
        json!({ "operation_id": id }),
    )
}

/// 400 `INVALID_REQUEST_METHOD`.
pub(crate) fn invalid_method() -> Reply {
    Reply::flat(
        400,
        "INVALID_REQUEST_METHOD",
        "The http request method type is not a valid one",
        json!({}),
    )
}

/// Parses a request body: empty means `{}`; anything but a JSON object is `INVALID_DATA`.
pub(crate) fn parse_object(body: &[u8]) -> Answer<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) | Err(_) => Err(malformed_body("jsonobject")),
    }
}

/// The single-item array under `key` of a create or update body, with the flat errors Zoho gives
/// for a missing key, a non-array, an empty array or more than `max` items.
pub(crate) fn items<'a>(
    body: &'a Map<String, Value>,
    key: &str,
    max: usize,
) -> Answer<&'a Vec<Value>> {
    let path = format!("$.{key}");
    match body.get(key) {
        None | Some(Value::Null) => Err(Reply::flat(
            400,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            at(key, &path),
        )),
        Some(Value::Array(a)) if a.is_empty() => Err(Reply::flat(
            400,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            at(key, &path),
        )),
        Some(Value::Array(a)) if a.len() > max => Err(Reply::flat(
            400,
            "INVALID_DATA",
            "invalid data",
            at_with(key, &path, json!({ "maximum_length": max })),
        )),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(Reply::flat(
            400,
            "INVALID_DATA",
            "invalid data",
            at_with(key, &path, json!({ "expected_data_type": "jsonarray" })),
        )),
    }
}
