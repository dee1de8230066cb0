//! `cargo xtask check-spec`: proves the OpenAPI spec against recorded exchanges.
//!
//! For every recording (`*.json` below each `--recordings` directory, format in
//! `tests/recordings/README.md`) it finds the one operation whose method and path template match,
//! checks the query parameters and the recorded request body, checks that the response status is
//! documented, that a body is present exactly when the spec documents one, its content type, and
//! validates the body against the status's schema with the `jsonschema` crate over a faithful
//! OpenAPI-3.0-to-JSON-Schema conversion ([`convert`]). Bodies must also decode into the
//! generated Rust types (`zoho_crm_access::wire`). Every `example`/`examples` entry of the spec
//! is validated the same way.
//!
//! Open enums (`x-extensible-enum: true`) accept unknown values; so do objects with undeclared
//! properties. Both are drift: listed as notes, and failures under `--strict`.
//!
//! A path segment recorded as the template's own placeholder (`{group}` where the template says
//! `{group}`) means the value was not recorded: that parameter is not checked, and the report
//! counts such placeholders.
//!
//! Ids marked `x-zoho-accepts-number: true` in a request schema may be recorded as JSON numbers
//! (as Zoho's Python SDK sends them); they are checked as the strings they stand for
//! ([`lenient`]). A recording with `expect_request_rejected` must be a refused exchange whose
//! request the spec rejects too, with a problem mentioning the given text.
//!
//! Recordings listed in the known-disagreements file (`spec/known-disagreements.yaml`, see
//! [`known`]) are reported as known when they fail; a listed one that passes or is gone fails
//! the run.

mod convert;
mod examples;
mod known;
mod lenient;
mod matching;
mod recording;
mod report;
mod validate;

/// `println!` that ignores a closed stdout (output piped into `head`, ...).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use matching::{escape, Match, Operation, Router};
use recording::Recording;
use report::{Outcome, Problem};
use validate::Schemas;

/// Arguments of `cargo xtask check-spec`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The OpenAPI 3.0 spec (default: spec/zoho-crm-access.yaml).
    #[arg(long)]
    spec: Option<PathBuf>,
    /// A directory searched recursively for recordings (*.json); repeatable
    /// (default: tests/recordings).
    #[arg(long = "recordings", value_name = "DIR")]
    recordings: Vec<PathBuf>,
    /// Also fail on drift: properties the spec does not declare, values open enums do not list.
    #[arg(long)]
    strict: bool,
    /// The known-disagreements file (default: spec/known-disagreements.yaml when it exists).
    #[arg(long, value_name = "FILE")]
    known: Option<PathBuf>,
    /// Do not list each passing recording.
    #[arg(long, short)]
    quiet: bool,
}

/// Converts a serde path (`a.b[0].c`) to a JSON pointer (`/a/b/0/c`).
pub fn serde_path_to_pointer(path: &str) -> String {
    if path == "." || path.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        if !token.is_empty() {
            out.push('/');
            out.push_str(&escape(token));
            token.clear();
        }
    };
    for c in path.chars() {
        match c {
            '.' | '[' => flush(&mut token, &mut out),
            ']' => flush(&mut token, &mut out),
            c => token.push(c),
        }
    }
    flush(&mut token, &mut out);
    out
}

/// Everything the checks need.
struct Checker {
    schemas: Schemas,
    router: Router,
}

/// Runs the check.
pub fn run(args: Args) -> Result<ExitCode, String> {
    let root = crate::workspace_root();
    let spec_path = args
        .spec
        .clone()
        .unwrap_or_else(|| root.join("spec/zoho-crm-access.yaml"));
    let dirs = if args.recordings.is_empty() {
        vec![root.join("tests/recordings")]
    } else {
        args.recordings.clone()
    };
    let known_path = args.known.clone().or_else(|| {
        let p = root.join("spec/known-disagreements.yaml");
        p.exists().then_some(p)
    });

    let text = std::fs::read_to_string(&spec_path)
        .map_err(|e| format!("cannot read spec {}: {e}", spec_path.display()))?;
    let mut doc: Value = serde_yaml::from_str(&text)
        .map_err(|e| format!("spec {} is not valid YAML: {e}", spec_path.display()))?;
    let mut router = Router::new(&doc)?;
    // Report operations in the spec's order (the JSON value sorts its keys).
    if let Ok(ordered) = serde_yaml::from_str::<serde_yaml::Value>(&text) {
        router.order_like(&ordered);
    }
    convert::convert_document(&mut doc);
    let mut checker = Checker {
        schemas: Schemas::new(doc),
        router,
    };
    let known = match &known_path {
        Some(p) => known::load(p)?,
        None => Vec::new(),
    };

    say!("check-spec: spec {}", spec_path.display());
    let mut failed = 0usize;

    // 1. The spec's own examples.
    let example_results = examples::check(&mut checker.schemas, &checker.router);
    let mut bad_examples = 0;
    for r in &example_results {
        let fails: Vec<&Problem> = r
            .problems
            .iter()
            .filter(|p| args.strict || !p.drift)
            .collect();
        if !fails.is_empty() {
            bad_examples += 1;
            say!("FAIL spec example #{}", r.location);
            for p in fails {
                say!("    {}", p.line());
            }
        }
    }
    say!(
        "spec examples: {} checked, {} valid, {} invalid",
        example_results.len(),
        example_results.len() - bad_examples,
        bad_examples
    );
    failed += bad_examples;

    let unknown: Vec<&str> = checker
        .router
        .operations
        .iter()
        .filter(|op| !generated_knows(op))
        .map(|op| op.id.as_str())
        .collect();
    if !unknown.is_empty() {
        say!(
            "not in the generated code (bodies checked against the spec only): {}",
            unknown.join(", ")
        );
    }

    // 2. The recordings.
    let mut outcomes = Vec::new();
    let mut corpora = Vec::new();
    for dir in &dirs {
        if !dir.is_dir() {
            return Err(format!(
                "recordings directory {} does not exist",
                dir.display()
            ));
        }
        let corpus = corpus_name(dir);
        corpora.push(corpus.clone());
        for loaded in recording::load_dir(dir)? {
            let key = format!("{corpus}/{}", loaded.relative);
            let shown = loaded.file.display().to_string();
            let outcome = match loaded.recording {
                Ok(rec) => checker.check(&rec, shown, key),
                Err(message) => Outcome {
                    file: shown,
                    key,
                    operation: None,
                    status: None,
                    status_key: None,
                    problems: vec![Problem::new("recording", message)],
                    numeric_ids: Vec::new(),
                    placeholders: Vec::new(),
                },
            };
            outcomes.push(outcome);
        }
    }

    let mut passed = 0usize;
    let mut known_count = 0usize;
    let mut drift_notes = 0usize;
    let mut refused_notes = 0usize;
    let mut used_known = vec![false; known.len()];
    let numeric_ids: usize = outcomes.iter().map(|o| o.numeric_ids.len()).sum();
    let numeric_recordings = outcomes
        .iter()
        .filter(|o| !o.numeric_ids.is_empty())
        .count();
    for o in &outcomes {
        let fails = o.failures(args.strict);
        drift_notes += o
            .problems
            .iter()
            .filter(|p| p.drift && !p.refused && !args.strict)
            .count();
        refused_notes += o.problems.iter().filter(|p| p.refused).count();
        let entry = known.iter().position(|k| k.matches(&o.key));
        if let Some(i) = entry {
            used_known[i] = true;
        }
        match (fails.is_empty(), entry) {
            (true, None) => {
                passed += 1;
                if !args.quiet {
                    say!("ok   {}", o.header());
                }
            }
            (true, Some(i)) => {
                failed += 1;
                say!("FAIL {}", o.header());
                say!(
                    "    [known-disagreements] listed as a known disagreement ({}) but it now passes: remove the entry",
                    known[i].reason
                );
            }
            (false, Some(i))
                if known[i]
                    .expect
                    .as_deref()
                    .is_none_or(|want| fails.iter().all(|p| p.line().contains(want))) =>
            {
                known_count += 1;
                say!("KNOWN {}", o.header());
                say!("    reason: {}", known[i].reason);
                for p in &fails {
                    say!("    {}", p.line());
                }
            }
            (false, entry) => {
                failed += 1;
                say!("FAIL {}", o.header());
                if let Some(i) = entry {
                    say!(
                        "    [known-disagreements] listed ({}), but fails otherwise than expected (`{}`)",
                        known[i].reason,
                        known[i].expect.as_deref().unwrap_or_default()
                    );
                }
                for p in &fails {
                    say!("    {}", p.line());
                }
            }
        }
    }
    for (i, k) in known.iter().enumerate() {
        if !used_known[i] && corpora.contains(&k.corpus) {
            failed += 1;
            say!(
                "FAIL known disagreement {}/{}: no such recording any more; remove the entry",
                k.corpus,
                k.recording
            );
        }
    }

    say!();
    say!(
        "{}",
        report::coverage(&checker.router.operations, &outcomes).trim_end()
    );
    say!();
    say!(
        "recordings: {} checked, {} passed, {} known disagreements, {} failed{}",
        outcomes.len(),
        passed,
        known_count,
        outcomes.len() - passed - known_count,
        if args.strict { " (strict)" } else { "" }
    );
    if drift_notes > 0 {
        say!("drift allowed without --strict: {drift_notes} undeclared properties or open-enum values");
    }
    let placeholders: usize = outcomes.iter().map(|o| o.placeholders.len()).sum();
    if placeholders > 0 {
        say!(
            "path parameters not recorded (left as the template's `{{name}}` placeholder, not checked): {placeholders} in {} recordings",
            outcomes.iter().filter(|o| !o.placeholders.is_empty()).count()
        );
    }
    if numeric_ids > 0 {
        say!(
            "request ids sent as JSON numbers, checked as strings ({}): {numeric_ids} in {numeric_recordings} recordings",
            lenient::EXTENSION
        );
    }
    if refused_notes > 0 {
        say!("requests the spec rejects in exchanges the server refused (agreement, not failures): {refused_notes}");
    }
    if failed == 0 {
        say!("check-spec: OK");
        Ok(ExitCode::SUCCESS)
    } else {
        say!("check-spec: {failed} failure(s)");
        Ok(ExitCode::FAILURE)
    }
}

/// The base name of a recordings directory (`zoho-examples`, `recordings`).
fn corpus_name(dir: &Path) -> String {
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    canonical
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The media type of a content-type header, lower-cased, without parameters.
fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether a media-type key of the spec (`application/json`, `application/*`) covers `actual`.
fn media_matches(key: &str, actual: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key == actual
        || key == "*/*"
        || key
            .strip_suffix("/*")
            .is_some_and(|prefix| actual.split('/').next() == Some(prefix))
}

/// Whether the generated code (`zoho_crm_access::wire`) has types for the operation at all.
/// Operations of another spec (`--spec`) are only checked against that spec's schemas.
fn generated_knows(op: &Operation) -> bool {
    op.statuses.iter().any(|s| {
        s.parse::<u16>().is_ok_and(|code| {
            zoho_crm_access::wire::decode_response(&op.id, code, b"null").is_some()
        })
    })
}

/// A parameter of an operation, resolved.
struct Param {
    name: String,
    location: String,
    required: bool,
    schema: Option<String>,
}

impl Checker {
    fn check(&mut self, rec: &Recording, file: String, key: String) -> Outcome {
        let mut outcome = Outcome {
            file,
            key,
            operation: None,
            status: Some(rec.status),
            status_key: None,
            problems: Vec::new(),
            numeric_ids: Vec::new(),
            placeholders: Vec::new(),
        };
        let (op, path_params) = match self.router.find(&rec.method, &rec.path) {
            Match::Found(op, params) => (op.clone(), params),
            Match::NotFound(message) => {
                let at = if message.starts_with("method") {
                    "/request/method"
                } else {
                    "/request/path"
                };
                outcome.problems.push(
                    Problem::new("request", format!("{} {}: {message}", rec.method, rec.path))
                        .at(at),
                );
                return outcome;
            }
        };
        outcome.operation = Some(op.id.clone());
        let params = self.params(&op);
        // A segment written as the template's own `{name}` is a placeholder: the value was not
        // recorded (as in published response examples whose request was filled in).
        let (placeholders, path_params): (Vec<_>, Vec<_>) = path_params
            .into_iter()
            .partition(|(name, value)| *value == format!("{{{name}}}"));
        outcome.placeholders = placeholders.into_iter().map(|(name, _)| name).collect();
        self.check_params(rec, &op, &params, &path_params, &mut outcome.problems);
        outcome.numeric_ids = self.check_request_body(rec, &op, &mut outcome.problems);
        let refused = !(200..300).contains(&rec.status);
        if refused {
            // The server refused the request: a request the spec also rejects is agreement.
            for p in &mut outcome.problems {
                p.refused = true;
            }
        }
        if let Some(want) = &rec.expect_request_rejected {
            if !refused {
                outcome.problems.push(
                    Problem::new(
                        "expect_request_rejected",
                        format!(
                            "the server accepted this request (status {}); only a refused request can be expected to be rejected",
                            rec.status
                        ),
                    )
                    .at("/expect_request_rejected"),
                );
            } else if !outcome
                .problems
                .iter()
                .any(|p| p.line().contains(want.as_str()))
            {
                outcome.problems.push(
                    Problem::new(
                        "expect_request_rejected",
                        format!(
                            "the server refused this request and the recording expects the spec to reject it too (`{want}`), but the spec accepts it"
                        ),
                    )
                    .at("/request"),
                );
            }
        }
        outcome.status_key = self.check_response(rec, &op, &mut outcome.problems);
        outcome
    }

    /// Path-item and operation parameters, `$ref`s resolved; the operation's win.
    fn params(&self, op: &Operation) -> Vec<Param> {
        let mut out: Vec<Param> = Vec::new();
        for base in [&op.item_pointer, &op.pointer] {
            let list_ptr = format!("{base}/parameters");
            let Some(list) = self
                .schemas
                .doc
                .pointer(&list_ptr)
                .and_then(Value::as_array)
            else {
                continue;
            };
            for i in 0..list.len() {
                let ptr = self.schemas.resolve(&format!("{list_ptr}/{i}"));
                let Some(p) = self.schemas.doc.pointer(&ptr) else {
                    continue;
                };
                let name = p
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let location = p.get("in").and_then(Value::as_str).unwrap_or("").to_owned();
                let param = Param {
                    required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                    schema: p.get("schema").map(|_| format!("{ptr}/schema")),
                    name,
                    location,
                };
                out.retain(|q| !(q.name == param.name && q.location == param.location));
                out.push(param);
            }
        }
        out
    }

    /// The JSON type a parameter's schema declares (following `$ref`s and `allOf`).
    fn param_type(&self, schema: &str) -> Option<String> {
        let node = self.schemas.doc.pointer(&self.schemas.resolve(schema))?;
        match node.get("type") {
            Some(Value::String(t)) => Some(t.clone()),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .map(str::to_owned),
            _ => {
                let resolved = self.schemas.resolve(schema);
                node.get("allOf")
                    .and_then(Value::as_array)
                    .filter(|l| !l.is_empty())
                    .and_then(|_| self.param_type(&format!("{resolved}/allOf/0")))
            }
        }
    }

    /// A wire string as the JSON value the parameter's schema describes.
    fn coerce(&self, schema: &str, raw: &str) -> Result<Value, String> {
        match self.param_type(schema).as_deref() {
            Some("integer") => raw
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("expected an integer, found `{raw}`")),
            Some("number") => raw
                .parse::<f64>()
                .ok()
                .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
                .ok_or_else(|| format!("expected a number, found `{raw}`")),
            Some("boolean") => match raw {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(format!("expected true or false, found `{raw}`")),
            },
            Some("array") => Ok(Value::Array(
                raw.split(',')
                    .map(|s| Value::String(s.to_owned()))
                    .collect(),
            )),
            _ => Ok(Value::String(raw.to_owned())),
        }
    }

    fn check_value(
        &mut self,
        part: &'static str,
        at: &str,
        name: &str,
        schema: &Option<String>,
        raw: &str,
        out: &mut Vec<Problem>,
    ) {
        let Some(schema) = schema else {
            return;
        };
        match self.coerce(schema, raw) {
            Ok(value) => {
                for mut p in self.schemas.validate(part, schema, &value) {
                    p.message = format!("`{name}`: {}", p.message);
                    p.pointer = Some(at.to_owned());
                    out.push(p);
                }
            }
            Err(message) => {
                let mut p = Problem::new(part, format!("`{name}`: {message}")).at(at);
                p.schema = Some(format!("#{schema}"));
                out.push(p);
            }
        }
    }

    fn check_params(
        &mut self,
        rec: &Recording,
        op: &Operation,
        params: &[Param],
        path_params: &[(String, String)],
        out: &mut Vec<Problem>,
    ) {
        for (name, value) in path_params {
            match params
                .iter()
                .find(|p| p.location == "path" && &p.name == name)
            {
                Some(p) => {
                    let schema = p.schema.clone();
                    self.check_value("path", "/request/path", name, &schema, value, out);
                }
                None => out.push(
                    Problem::new(
                        "path",
                        format!("path parameter `{name}` of {} is not declared", op.template),
                    )
                    .at("/request/path"),
                ),
            }
        }
        for p in params.iter().filter(|p| p.location == "query") {
            match rec.query.get(&p.name) {
                None if p.required => out.push(
                    Problem::new(
                        "query",
                        format!("required query parameter `{}` is missing", p.name),
                    )
                    .at("/request/query"),
                ),
                None => {}
                Some(Value::String(raw)) => {
                    let schema = p.schema.clone();
                    let at = format!("/request/query/{}", escape(&p.name));
                    self.check_value("query", &at, &p.name, &schema, raw, out);
                }
                Some(other) => out.push(
                    Problem::new(
                        "query",
                        format!(
                            "`{}`: recorded query values are strings, found {}",
                            p.name,
                            validate::brief(other)
                        ),
                    )
                    .at(format!("/request/query/{}", escape(&p.name))),
                ),
            }
        }
        for name in rec.query.keys() {
            if !params
                .iter()
                .any(|p| p.location == "query" && &p.name == name)
            {
                out.push(
                    Problem::new(
                        "query",
                        format!("query parameter `{name}` is not declared for {}", op.id),
                    )
                    .at(format!("/request/query/{}", escape(name))),
                );
            }
        }
    }

    /// `(pointer of the media type's schema, media type)` of a request body or response.
    fn json_media(&self, base: &str) -> Option<(String, String)> {
        let content = self
            .schemas
            .doc
            .pointer(&format!("{base}/content"))
            .and_then(Value::as_object)?;
        let (mt, _) = content
            .iter()
            .find(|(k, _)| k.as_str() == "application/json")
            .or_else(|| content.iter().next())?;
        Some((format!("{base}/content/{}/schema", escape(mt)), mt.clone()))
    }

    /// Checks the recorded request body; returns the pointers of ids recorded as JSON numbers
    /// where the spec accepts them ([`lenient`]).
    fn check_request_body(
        &mut self,
        rec: &Recording,
        op: &Operation,
        out: &mut Vec<Problem>,
    ) -> Vec<String> {
        let Some(recorded) = &rec.request_body else {
            return Vec::new(); // not recorded
        };
        let rb_ptr = format!("{}/requestBody", op.pointer);
        let documented = self.schemas.doc.pointer(&rb_ptr).is_some();
        let rb = self.schemas.resolve(&rb_ptr);
        if recorded.is_null() {
            let required = self
                .schemas
                .doc
                .pointer(&format!("{rb}/required"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if documented && required {
                out.push(
                    Problem::new(
                        "request body",
                        format!("{} requires a request body; the recording sent none", op.id),
                    )
                    .at("/request/body"),
                );
            }
            return Vec::new();
        }
        if !documented {
            out.push(
                Problem::new(
                    "request body",
                    format!("{} documents no request body, but one was recorded", op.id),
                )
                .at("/request/body"),
            );
            return Vec::new();
        }
        let Some((schema, _)) = self.json_media(&rb) else {
            return Vec::new();
        };
        let mut body = recorded.clone();
        let numeric: Vec<String> = lenient::stringify_ids(&self.schemas.doc, &schema, &mut body)
            .into_iter()
            .map(|p| format!("/request/body{p}"))
            .collect();
        let body = &body;
        let problems = self.schemas.validate("request body", &schema, body);
        let valid = problems.is_empty();
        out.extend(problems.into_iter().map(|p| p.under("/request/body")));
        if valid {
            let drift = self.schemas.drift("request body", &schema, body);
            out.extend(drift.into_iter().map(|p| p.under("/request/body")));
        }
        if !generated_knows(op) {
            return numeric;
        }
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        match zoho_crm_access::wire::decode_request(&op.id, &bytes) {
            Some(Err(f)) => {
                let mut p = Problem::new("decode request", f.to_string());
                p.pointer = Some(format!(
                    "{}{}",
                    "/request/body",
                    serde_path_to_pointer(&f.path)
                ));
                out.push(p);
            }
            None => out.push(
                Problem::new(
                    "decode request",
                    format!("no generated request type for {}", op.id),
                )
                .at("/request/body"),
            ),
            Some(Ok(_)) => {}
        }
        numeric
    }

    /// Checks status, content type and body; returns the documented status key matched.
    fn check_response(
        &mut self,
        rec: &Recording,
        op: &Operation,
        out: &mut Vec<Problem>,
    ) -> Option<String> {
        let exact = rec.status.to_string();
        let range = format!("{}XX", rec.status / 100);
        let key = op
            .statuses
            .iter()
            .find(|s| **s == exact)
            .or_else(|| op.statuses.iter().find(|s| s.eq_ignore_ascii_case(&range)))
            .or_else(|| op.statuses.iter().find(|s| *s == "default"))
            .cloned();
        let Some(key) = key else {
            out.push(
                Problem::new(
                    "status",
                    format!(
                        "status {} is not documented for {} (documented: {})",
                        rec.status,
                        op.id,
                        op.statuses.join(", ")
                    ),
                )
                .at("/response/status"),
            );
            return None;
        };
        let resp = self
            .schemas
            .resolve(&format!("{}/responses/{}", op.pointer, escape(&key)));
        let media = self.json_media(&resp);
        let content_keys: Vec<String> = self
            .schemas
            .doc
            .pointer(&format!("{resp}/content"))
            .and_then(Value::as_object)
            .map(|c| c.keys().cloned().collect())
            .unwrap_or_default();
        match (&rec.response_body, &media) {
            (None, None) => return Some(key),
            (Some(body), None) => {
                out.push(Problem::new(
                    "response body",
                    format!(
                        "the spec documents no body for {} status {key}, but the recording has one (found {})",
                        op.id,
                        validate::brief(body)
                    ),
                ).at("/response/body"));
                return Some(key);
            }
            (None, Some((_, mt))) => {
                out.push(Problem::new(
                    "response body",
                    format!(
                        "the spec documents a body ({mt}) for {} status {key}, but the recording has none",
                        op.id
                    ),
                ).at("/response/body"));
                return Some(key);
            }
            (Some(_), Some(_)) => {}
        }
        let (Some(body), Some((schema, _))) = (&rec.response_body, media) else {
            return Some(key);
        };
        if let Some(ct) = rec.headers.get("content-type") {
            let actual = media_type(ct);
            if !content_keys.iter().any(|k| media_matches(k, &actual)) {
                out.push(
                    Problem::new(
                        "content-type",
                        format!("expected {}; found `{ct}`", content_keys.join(" or ")),
                    )
                    .at("/response/headers/content-type"),
                );
            }
        }
        let problems = self.schemas.validate("response body", &schema, body);
        let valid = problems.is_empty();
        out.extend(problems.into_iter().map(|p| p.under("/response/body")));
        if valid {
            let drift = self.schemas.drift("response body", &schema, body);
            out.extend(drift.into_iter().map(|p| p.under("/response/body")));
        }
        if !generated_knows(op) {
            return Some(key);
        }
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        match zoho_crm_access::wire::decode_response(&op.id, rec.status, &bytes) {
            Some(Err(f)) => {
                let mut p = Problem::new("decode response", f.to_string());
                p.pointer = Some(format!(
                    "{}{}",
                    "/response/body",
                    serde_path_to_pointer(&f.path)
                ));
                out.push(p);
            }
            None => out.push(
                Problem::new(
                    "decode response",
                    format!("no generated type for {} status {}", op.id, rec.status),
                )
                .at("/response/body"),
            ),
            Some(Ok(_)) => {}
        }
        Some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_paths_become_pointers() {
        assert_eq!(serde_path_to_pointer("."), "");
        assert_eq!(
            serde_path_to_pointer("record_locking_configurations[0].lock_type"),
            "/record_locking_configurations/0/lock_type"
        );
    }

    #[test]
    fn media_types() {
        assert_eq!(
            media_type("application/json;charset=UTF-8"),
            "application/json"
        );
        assert!(media_matches("application/*", "application/json"));
        assert!(!media_matches("text/plain", "application/json"));
    }
}
