//! Loading recordings (one JSON file per exchange; format in `tests/recordings/README.md`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// One recorded exchange.
#[derive(Debug, Clone)]
pub struct Recording {
    /// Upper-case HTTP method.
    pub method: String,
    /// Path as sent on the wire, version prefix included.
    pub path: String,
    /// Query parameters (string values).
    pub query: BTreeMap<String, Value>,
    /// Request body; `None` when not recorded.
    pub request_body: Option<Value>,
    /// Response status.
    pub status: u16,
    /// Response headers, names lower-cased.
    pub headers: BTreeMap<String, String>,
    /// Response body; `None` when there was none.
    pub response_body: Option<Value>,
    /// `expect_request_rejected`: text that a problem with the request must contain. The
    /// recording then proves the spec refuses a request the server refused (see the README).
    pub expect_request_rejected: Option<String>,
}

/// A file under a recordings directory, loaded or not.
pub struct Loaded {
    /// The file.
    pub file: PathBuf,
    /// The file relative to the directory it was found in.
    pub relative: String,
    /// The recording, or why it could not be read.
    pub recording: Result<Recording, String>,
}

/// Every `*.json` file below `dir`, recursively, in a stable order.
pub fn find_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|e| format!("cannot read {}: {e}", d.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", d.display()))?;
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().and_then(|e| e.to_str()) == Some("json") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Loads every recording under `dir`.
pub fn load_dir(dir: &Path) -> Result<Vec<Loaded>, String> {
    let files = find_files(dir)?;
    Ok(files
        .into_iter()
        .map(|file| {
            let relative = file
                .strip_prefix(dir)
                .unwrap_or(&file)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let recording = load_file(&file);
            Loaded {
                file,
                relative,
                recording,
            }
        })
        .collect())
}

fn load_file(file: &Path) -> Result<Recording, String> {
    let text = std::fs::read(file).map_err(|e| format!("cannot read: {e}"))?;
    let value: Value = serde_json::from_slice(&text).map_err(|e| format!("not valid JSON: {e}"))?;
    parse(value)
}

/// Reads a recording out of its JSON form.
pub fn parse(value: Value) -> Result<Recording, String> {
    match value.get("source") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        _ => return Err("missing `source`: say where the exchange comes from".into()),
    }
    let request = value
        .get("request")
        .and_then(Value::as_object)
        .ok_or("missing object `request`")?;
    let response = value
        .get("response")
        .and_then(Value::as_object)
        .ok_or("missing object `response`")?;
    let method = request
        .get("method")
        .and_then(Value::as_str)
        .ok_or("missing string `request.method`")?
        .to_ascii_uppercase();
    let path = request
        .get("path")
        .and_then(Value::as_str)
        .ok_or("missing string `request.path`")?
        .to_owned();
    let query = match request.get("query") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(map)) => map.clone().into_iter().collect(),
        Some(other) => return Err(format!("`request.query` must be an object, found {other}")),
    };
    let status = response
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..=599).contains(s))
        .ok_or("missing or invalid `response.status` (an integer 100-599)")?;
    let mut headers = BTreeMap::new();
    if let Some(h) = response.get("headers") {
        let map = h
            .as_object()
            .ok_or("`response.headers` must be an object")?;
        for (k, v) in map {
            let v = v
                .as_str()
                .ok_or_else(|| format!("header `{k}` must be a string"))?;
            headers.insert(k.to_ascii_lowercase(), v.to_owned());
        }
    }
    let response_body = match response.get("body") {
        None | Some(Value::Null) => None,
        Some(b) => Some(b.clone()),
    };
    let expect_request_rejected = match value.get("expect_request_rejected") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(_) => {
            return Err(
                "`expect_request_rejected` must be a non-empty string (text the \
                        request's problem must contain, e.g. a JSON pointer)"
                    .into(),
            )
        }
    };
    Ok(Recording {
        method,
        path,
        query,
        request_body: request.get("body").cloned(),
        status,
        headers,
        response_body,
        expect_request_rejected,
    })
}
