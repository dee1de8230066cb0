//! Criteria validation shared by locking rules and sharing rules: shape, group operators,
//! comparators, and field names checked against the module's field catalogue.

use serde_json::{json, Map, Value};

use super::catalogue::ModuleInfo;
use super::responses::{at, Errors, Reply};

/// Comparators Zoho documents for criteria (the spec's `CriteriaComparator`: Zoho's Kaizen #178
/// "Filters & Criteria in Zoho CRM APIs" lists these across field types).
pub(crate) const COMPARATORS: &[&str] = &[
    "equal",
    "not_equal",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "less_than",
    "less_equal",
    "greater_than",
    "greater_equal",
    "between",
    "not_between",
];

/// What a condition's `value` holds (the spec's `CriteriaValueType`): only literals.
const VALUE_TYPES: &[&str] = &["value"];

/// How a family reports an unknown field in criteria.
pub(crate) struct CriteriaRules<'a> {
    pub errors: Errors,
    pub module: &'a ModuleInfo,
    /// Message for an unknown field API name.
    pub unknown_field_message: &'static str,
}

/// Nesting deeper than this is refused (Zoho's UI allows a few levels; this only guards the stack).
const MAX_DEPTH: usize = 16;

impl CriteriaRules<'_> {
    /// Checks `value` (at `path`) and returns it normalized as Zoho stores it: upper-case group
    /// operators, fields with both `api_name` and `id`, and `type: "value"` on conditions.
    pub(crate) fn normalize(&self, value: &Value, path: &str) -> Result<Value, Reply> {
        self.normalize_at(value, path, 0)
    }

    fn normalize_at(&self, value: &Value, path: &str, depth: usize) -> Result<Value, Reply> {
        let e = self.errors;
        let Value::Object(obj) = value else {
            return Err(e.wrong_type("criteria", path, "jsonobject"));
        };
        if depth > MAX_DEPTH {
            return Err(e.wrapped(
                "INVALID_DATA",
                "criteria nested too deeply",
                at("group", path),
            ));
        }
        if obj.contains_key("group") || obj.contains_key("group_operator") {
            let op_path = format!("{path}.group_operator");
            let op = match obj.get("group_operator") {
                None | Some(Value::Null) => return Err(e.mandatory("group_operator", &op_path)),
                Some(Value::String(s)) if s.eq_ignore_ascii_case("and") => "AND",
                Some(Value::String(s)) if s.eq_ignore_ascii_case("or") => "OR",
                Some(_) => {
                    return Err(e.not_one_of(
                        "group_operator",
                        &op_path,
                        "invalid data",
                        &["AND", "OR"],
                    ))
                }
            };
            let group_path = format!("{path}.group");
            let members = match obj.get("group") {
                None | Some(Value::Null) => return Err(e.mandatory("group", &group_path)),
                Some(Value::Array(a)) if a.is_empty() => {
                    return Err(e.mandatory("group", &group_path))
                }
                Some(Value::Array(a)) => a,
                Some(_) => return Err(e.wrong_type("group", &group_path, "jsonarray")),
            };
            let mut out = Vec::with_capacity(members.len());
            for (i, m) in members.iter().enumerate() {
                out.push(self.normalize_at(m, &format!("{group_path}[{i}]"), depth + 1)?);
            }
            return Ok(json!({ "group_operator": op, "group": out }));
        }
        self.condition(obj, path)
    }

    fn condition(&self, obj: &Map<String, Value>, path: &str) -> Result<Value, Reply> {
        let e = self.errors;
        let cmp_path = format!("{path}.comparator");
        let comparator = match obj.get("comparator") {
            None | Some(Value::Null) => return Err(e.mandatory("comparator", &cmp_path)),
            Some(Value::String(s)) if COMPARATORS.contains(&s.as_str()) => s.clone(),
            Some(_) => {
                return Err(e.not_one_of("comparator", &cmp_path, "invalid data", COMPARATORS))
            }
        };
        let field_path = format!("{path}.field");
        let field = match obj.get("field") {
            None | Some(Value::Null) => return Err(e.mandatory("field", &field_path)),
            Some(Value::Object(f)) => f,
            Some(_) => return Err(e.wrong_type("field", &field_path, "jsonobject")),
        };
        let api_path = format!("{field_path}.api_name");
        let id_path = format!("{field_path}.id");
        let found =
            match (field.get("api_name"), field.get("id")) {
                (Some(Value::String(name)), _) => self.module.field(name).ok_or_else(|| {
                    e.wrapped(
                        "INVALID_DATA",
                        self.unknown_field_message,
                        at("api_name", &api_path),
                    )
                })?,
                (Some(_), _) => return Err(e.wrong_type("api_name", &api_path, "text")),
                (None, Some(id)) => {
                    let id = super::ids::id_from_json(id)
                        .ok_or_else(|| e.wrong_type("id", &id_path, "bigint"))?;
                    self.module.field_by_id(&id).ok_or_else(|| {
                        e.wrapped("INVALID_DATA", "field not found", at("id", &id_path))
                    })?
                }
                (None, None) => return Err(e.wrapped(
                    "EXPECTED_FIELD_MISSING",
                    "expected field missing",
                    json!({ "expected_fields": [at("api_name", &api_path), at("id", &id_path)] }),
                )),
            };
        if let (Some(id), Some(_)) = (field.get("id"), field.get("api_name")) {
            if super::ids::id_from_json(id).as_deref() != Some(found.id.as_str()) {
                return Err(e.wrapped(
                    "AMBIGUITY_DURING_PROCESSING",
                    "ambiguity during processing",
                    json!({ "ambiguity_due_to": [at("api_name", &api_path), at("id", &id_path)] }),
                ));
            }
        }
        let value_path = format!("{path}.value");
        let value = match obj.get("value") {
            None => return Err(e.mandatory("value", &value_path)),
            Some(v) => v.clone(),
        };
        let type_path = format!("{path}.type");
        let kind = match obj.get("type") {
            None | Some(Value::Null) => "value".to_owned(),
            Some(Value::String(s)) if VALUE_TYPES.contains(&s.as_str()) => s.clone(),
            Some(Value::String(_)) => {
                return Err(e.not_one_of("type", &type_path, "invalid data", VALUE_TYPES))
            }
            Some(_) => return Err(e.wrong_type("type", &type_path, "text")),
        };
        Ok(json!({
            "comparator": comparator,
            "field": { "api_name": found.api_name, "id": found.id },
            "type": kind,
            "value": value,
        }))
    }
}
