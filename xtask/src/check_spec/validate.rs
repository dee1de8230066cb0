//! Validating data against the converted spec with the `jsonschema` crate, and the drift walk.

use std::collections::HashMap;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, ValidationError, Validator};
use serde_json::Value;

use super::report::Problem;

/// The converted spec and a cache of compiled validators, one per schema location.
pub struct Schemas {
    /// The OpenAPI document with every schema converted to JSON Schema 2020-12.
    pub doc: Value,
    validators: HashMap<String, Validator>,
}

/// A JSON pointer as a URI fragment (RFC 6901, section 6).
fn fragment(pointer: &str) -> String {
    let mut out = String::from("#");
    for b in pointer.bytes() {
        if b.is_ascii_alphanumeric() || b"/~-._$".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Shortens a JSON value for a message.
pub fn brief(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}...")
    } else {
        text
    }
}

impl Schemas {
    /// Wraps a converted document.
    pub fn new(doc: Value) -> Schemas {
        Schemas {
            doc,
            validators: HashMap::new(),
        }
    }

    fn validator(&mut self, pointer: &str) -> Result<&Validator, String> {
        if !self.validators.contains_key(pointer) {
            if self.doc.pointer(pointer).is_none() {
                return Err(format!("no schema at #{pointer} in the spec"));
            }
            let mut root = self.doc.clone();
            if let Some(obj) = root.as_object_mut() {
                obj.insert("$ref".to_owned(), Value::String(fragment(pointer)));
            }
            let validator = jsonschema::options()
                .with_draft(Draft::Draft202012)
                .should_validate_formats(true)
                .with_format("int32", |s: &str| s.parse::<i32>().is_ok())
                .with_format("int64", |s: &str| s.parse::<i64>().is_ok())
                .build(&root)
                .map_err(|e| format!("schema at #{pointer} does not compile: {e}"))?;
            self.validators.insert(pointer.to_owned(), validator);
        }
        Ok(&self.validators[pointer])
    }

    /// Whether `data` is valid against the schema at `pointer`.
    pub fn is_valid(&mut self, pointer: &str, data: &Value) -> bool {
        self.validator(pointer)
            .map(|v| v.is_valid(data))
            .unwrap_or(false)
    }

    /// Every violation of the schema at `pointer` by `data`, as problems of `part`.
    pub fn validate(&mut self, part: &'static str, pointer: &str, data: &Value) -> Vec<Problem> {
        let errors: Vec<ValidationError<'static>> = match self.validator(pointer) {
            Ok(v) => v.iter_errors(data).map(|e| e.to_owned()).collect(),
            Err(message) => {
                return vec![Problem::new(part, message)];
            }
        };
        let mut out = Vec::new();
        for error in &errors {
            self.describe(part, pointer, error, "", &mut out);
        }
        out
    }

    /// Turns one validator error into problems, descending into the closest `oneOf`/`anyOf`
    /// branch so that the report names the deepest place that is wrong.
    fn describe(
        &self,
        part: &'static str,
        start: &str,
        error: &ValidationError<'_>,
        note: &str,
        out: &mut Vec<Problem>,
    ) {
        let context = match error.kind() {
            ValidationErrorKind::OneOfNotValid { context }
            | ValidationErrorKind::AnyOf { context } => Some(context),
            _ => None,
        };
        let location = self.absolute_location(start, error.evaluation_path().as_str());
        if let Some(context) = context {
            if let Some((index, branch)) = closest_branch(context) {
                let keyword = if matches!(error.kind(), ValidationErrorKind::AnyOf { .. }) {
                    "anyOf"
                } else {
                    "oneOf"
                };
                let note = format!(
                    "{note}no `{keyword}` branch of #{location} matches; closest is branch {index}: "
                );
                for e in branch {
                    self.describe(part, start, e, &note, out);
                }
                return;
            }
        }
        let keyword = location.rsplit('/').next().unwrap_or("").to_owned();
        let expected = self
            .doc
            .pointer(&location)
            .map(|v| format!("{keyword}: {}", brief(v)))
            .unwrap_or_else(|| keyword.clone());
        let mut p = Problem::new(
            part,
            format!(
                "{note}{} (expected {expected}; found {})",
                error.masked(),
                brief(error.instance())
            ),
        );
        p.pointer = Some(error.instance_path().as_str().to_owned());
        p.schema = Some(format!("#{location}"));
        out.push(p);
    }

    /// The keyword location in the document for an evaluation path that starts at `start`
    /// (following each `$ref` it passes).
    pub fn absolute_location(&self, start: &str, evaluation_path: &str) -> String {
        let mut current = start.to_owned();
        let tokens: Vec<&str> = evaluation_path.split('/').skip(1).collect();
        // The validator's root is a `$ref` to `start`.
        let tokens = if tokens.first() == Some(&"$ref") {
            &tokens[1..]
        } else {
            &tokens[..]
        };
        for token in tokens {
            if *token == "$ref" {
                if let Some(target) = self
                    .doc
                    .pointer(&current)
                    .and_then(|n| n.get("$ref"))
                    .and_then(Value::as_str)
                {
                    current = target.trim_start_matches('#').to_owned();
                    continue;
                }
            }
            current.push('/');
            current.push_str(token);
        }
        current
    }

    /// Follows `$ref`s from `pointer` to the schema it names.
    pub fn resolve(&self, pointer: &str) -> String {
        let mut current = pointer.to_owned();
        for _ in 0..32 {
            match self
                .doc
                .pointer(&current)
                .and_then(|n| n.get("$ref"))
                .and_then(Value::as_str)
            {
                Some(target) => current = target.trim_start_matches('#').to_owned(),
                None => break,
            }
        }
        current
    }

    /// Drift: object keys the spec does not declare and values of open enums it does not list.
    pub fn drift(&mut self, part: &'static str, pointer: &str, data: &Value) -> Vec<Problem> {
        let mut out = Vec::new();
        self.drift_walk(part, pointer, data, "", &mut out);
        out
    }

    fn effective(&mut self, pointer: &str, data: &Value, out: &mut Vec<String>, depth: usize) {
        if depth > 32 {
            return;
        }
        let pointer = self.resolve(pointer);
        let Some(node) = self.doc.pointer(&pointer).cloned() else {
            return;
        };
        out.push(pointer.clone());
        if let Some(list) = node.get("allOf").and_then(Value::as_array) {
            for i in 0..list.len() {
                self.effective(&format!("{pointer}/allOf/{i}"), data, out, depth + 1);
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(list) = node.get(key).and_then(Value::as_array) {
                for i in 0..list.len() {
                    let branch = format!("{pointer}/{key}/{i}");
                    if self.is_valid(&branch, data) {
                        self.effective(&branch, data, out, depth + 1);
                    }
                }
            }
        }
    }

    fn drift_walk(
        &mut self,
        part: &'static str,
        pointer: &str,
        data: &Value,
        data_pointer: &str,
        out: &mut Vec<Problem>,
    ) {
        let mut schemas = Vec::new();
        self.effective(pointer, data, &mut schemas, 0);
        let nodes: Vec<(String, Value)> = schemas
            .iter()
            .filter_map(|p| self.doc.pointer(p).map(|n| (p.clone(), n.clone())))
            .collect();
        match data {
            Value::Object(map) => {
                let typed_object = nodes.iter().any(|(_, n)| {
                    n.get("properties").is_some()
                        || n.get("type") == Some(&Value::from("object"))
                        || n.get("type")
                            .and_then(Value::as_array)
                            .is_some_and(|t| t.contains(&Value::from("object")))
                });
                if !typed_object {
                    return;
                }
                for (key, value) in map {
                    let child = format!("{data_pointer}/{}", super::matching::escape(key));
                    let declared = nodes.iter().find_map(|(p, n)| {
                        n.get("properties")
                            .and_then(|props| props.get(key))
                            .map(|_| format!("{p}/properties/{}", super::matching::escape(key)))
                    });
                    if let Some(prop) = declared {
                        self.drift_walk(part, &prop, value, &child, out);
                        continue;
                    }
                    let additional =
                        nodes
                            .iter()
                            .find_map(|(p, n)| match n.get("additionalProperties") {
                                Some(Value::Object(_)) => {
                                    Some(Some(format!("{p}/additionalProperties")))
                                }
                                Some(Value::Bool(true)) => Some(None),
                                _ => None,
                            });
                    match additional {
                        Some(Some(schema)) => self.drift_walk(part, &schema, value, &child, out),
                        Some(None) => {}
                        None => {
                            let mut p = Problem::new(
                                part,
                                format!(
                                    "drift: property `{key}` is not declared in the spec (found {})",
                                    brief(value)
                                ),
                            );
                            p.pointer = Some(child);
                            p.schema = nodes.first().map(|(s, _)| format!("#{s}"));
                            p.drift = true;
                            out.push(p);
                        }
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item_schema) = nodes
                    .iter()
                    .find(|(_, n)| n.get("items").is_some_and(Value::is_object))
                    .map(|(p, _)| format!("{p}/items"))
                {
                    for (i, item) in items.iter().enumerate() {
                        self.drift_walk(
                            part,
                            &item_schema,
                            item,
                            &format!("{data_pointer}/{i}"),
                            out,
                        );
                    }
                }
            }
            scalar => {
                for (p, n) in &nodes {
                    if let Some(values) =
                        n.get("x-extensible-enum-values").and_then(Value::as_array)
                    {
                        if !values.contains(scalar) {
                            let mut problem = Problem::new(
                                part,
                                format!(
                                    "drift: {} is not a documented value of this open enum (documented: {})",
                                    brief(scalar),
                                    brief(&Value::Array(values.clone()))
                                ),
                            );
                            problem.pointer = Some(data_pointer.to_owned());
                            problem.schema = Some(format!("#{p}"));
                            problem.drift = true;
                            out.push(problem);
                        }
                    }
                }
            }
        }
    }
}

/// The branch of a failed `oneOf`/`anyOf` that came closest: its errors reach deepest into the
/// data, then it has the fewest errors. A branch that only says "not null" loses ties.
fn closest_branch<'a>(
    context: &'a [Vec<ValidationError<'static>>],
) -> Option<(usize, &'a Vec<ValidationError<'static>>)> {
    context
        .iter()
        .enumerate()
        .filter(|(_, errors)| !errors.is_empty())
        .max_by_key(|(i, errors)| {
            let depth = errors
                .iter()
                .map(|e| e.instance_path().as_str().matches('/').count())
                .max()
                .unwrap_or(0);
            let only_null = errors.len() == 1
                && matches!(errors[0].kind(), ValidationErrorKind::Type { .. })
                && errors[0].masked().to_string().contains("\"null\"");
            (
                depth,
                !only_null,
                std::cmp::Reverse(errors.len()),
                std::cmp::Reverse(*i),
            )
        })
}
