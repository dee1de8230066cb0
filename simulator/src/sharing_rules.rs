//! Data sharing rules: `/settings/data_sharing/rules...` (list, get, create, update, delete,
//! activate, deactivate, search, summary, re-run).

use serde_json::{json, Map, Value};
use zoho_crm_access::operations::Operation;

use super::catalogue::ModuleInfo;
use super::criteria::CriteriaRules;
use super::ids::{id_from_json, is_well_formed};
use super::responses::{
    at, at_with, invalid_param, items, list_body, page_of, paging, parse_object,
    required_param_missing, Answer, Errors, Reply,
};
use super::server::Query;
use super::state::State;

const KEY: &str = "sharing_rules";
const E: Errors = Errors { key: KEY };
const RULE_TYPES: &[&str] = &["Record_Owner_Based", "Criteria_Based"];
const PERMISSIONS: &[&str] = &["read", "read_write", "read_write_delete"];
/// Filter groups in one search body (Zoho's SDKs cap `filters` at one item).
const MAX_FILTERS: usize = 1;

/// Answers one sharing-rule operation.
pub(crate) fn handle(
    state: &mut State,
    op: Operation,
    id: Option<&str>,
    q: &Query,
    body: &[u8],
) -> Reply {
    if state.no_permission {
        return Reply::flat(
            403,
            "NO_PERMISSION",
            "permission denied",
            json!({ "permissions": ["Crm_Implied_Manage_Data_Sharing"] }),
        );
    }
    let id = id.unwrap_or_default();
    use Operation::*;
    let result = match op {
        ListSharingRules => list(state, q),
        GetSharingRule => get(state, id, q),
        CreateSharingRule => create(state, q, body),
        UpdateSharingRules => update(state, None, q, body),
        UpdateSharingRule => update(state, Some(id), q, body),
        DeleteSharingRule => delete(state, id, q),
        ActivateSharingRule => set_active(state, id, q, true),
        DeactivateSharingRule => set_active(state, id, q, false),
        SearchSharingRules => search(state, q, body),
        GetSharingRulesSummary => summary(state, q, None),
        SearchSharingRulesSummary => summary(state, q, Some(body)),
        RerunSharingRules => rerun(state, q),
        _ => Err(super::responses::not_implemented(op)),
    };
    result.unwrap_or_else(|r| r)
}

/// The `module` parameter: `Ok(None)` when absent and optional. Empty is missing when the
/// parameter is required, and an invalid module name when it is optional.
fn module(state: &State, q: &Query, required: bool) -> Answer<Option<ModuleInfo>> {
    let name = match q.get("module") {
        Some(m) if !m.is_empty() => m,
        _ if required => return Err(required_param_missing("module")),
        Some(_) => {
            return Err(invalid_param(
                "module",
                "the module name given seems to be invalid",
            ))
        }
        None => return Ok(None),
    };
    match state.module(name) {
        Some(m) if m.sharing_rules => Ok(Some(m)),
        Some(_) => Err(Reply::flat(
            400,
            "NOT_SUPPORTED",
            "the module name given is not supported for the  feature",
            json!({ "param_name": "module" }),
        )),
        None => Err(invalid_param(
            "module",
            "the module name given seems to be invalid",
        )),
    }
}

fn required_module(state: &State, q: &Query) -> Answer<ModuleInfo> {
    module(state, q, true)?.ok_or_else(|| required_param_missing("module"))
}

fn rule_module(rule: &Map<String, Value>) -> &str {
    rule.get("module")
        .and_then(|m| m.get("api_name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn rule_id(rule: &Map<String, Value>) -> &str {
    rule.get("id").and_then(Value::as_str).unwrap_or_default()
}

fn invalid_rule_id() -> Reply {
    Reply::flat(
        400,
        "INVALID_DATA",
        "the given sharing rule id seems invalid.",
        json!({ "resource_path_index": 3 }),
    )
}

/// Position of rule `id` (restricted to `module` when given), or the flat invalid-id error.
fn find(state: &State, id: &str, module: Option<&ModuleInfo>) -> Answer<usize> {
    if !is_well_formed(id) {
        return Err(invalid_rule_id());
    }
    state
        .rules
        .iter()
        .position(|r| rule_id(r) == id && module.is_none_or(|m| rule_module(r) == m.api_name))
        .ok_or_else(invalid_rule_id)
}

fn computing(state: &State, module: &str) -> Answer<()> {
    if state.computing.contains(module) {
        return Err(E.wrapped(
            "CANNOT_PROCESS",
            "Sharing rule computation is in process. Please try after sometime.",
            json!({}),
        ));
    }
    Ok(())
}

/// A rule as list and search return it (without `criteria`).
fn list_item(rule: &Map<String, Value>) -> Value {
    let mut r = rule.clone();
    r.remove("criteria");
    Value::Object(r)
}

/// One page of `rules` with `info`, or 204 when the page is empty.
fn page(rules: Vec<&Map<String, Value>>, page: usize, per_page: usize) -> Reply {
    match page_of(KEY, rules.iter().map(|r| list_item(r)), page, per_page) {
        Some(body) => Reply::json(200, Value::Object(body)),
        None => Reply::no_content(),
    }
}

fn list(state: &State, q: &Query) -> Answer {
    let m = module(state, q, false)?;
    let (p, per) = paging(q)?;
    let rules = state
        .rules
        .iter()
        .filter(|r| m.as_ref().is_none_or(|m| rule_module(r) == m.api_name))
        .collect();
    Ok(page(rules, p, per))
}

fn get(state: &State, id: &str, q: &Query) -> Answer {
    let m = module(state, q, false)?;
    let pos = find(state, id, m.as_ref())?;
    Ok(Reply::json(
        200,
        list_body(KEY, vec![Value::Object(state.rules[pos].clone())]),
    ))
}

fn create(state: &mut State, q: &Query, body: &[u8]) -> Answer {
    let m = required_module(state, q)?;
    let body = parse_object(body)?;
    let list = items(&body, KEY, 1)?;
    let base = format!("{}[0]", "$.sharing_rules");
    let Value::Object(input) = &list[0] else {
        return Err(E.wrong_type(KEY, &base, "jsonobject"));
    };
    let count = state
        .rules
        .iter()
        .filter(|r| rule_module(r) == m.api_name)
        .count();
    if count >= state.sharing_rule_limit {
        return Err(E.wrapped(
            "INVALID_DATA",
            "Module limit exceeded",
            json!({ "limit": state.sharing_rule_limit }),
        ));
    }
    let mut rule = validate(state, &m, input, input, None, &base)?;
    let id = state.ids.next_id();
    rule.insert("id".into(), id.clone().into());
    rule.insert("status".into(), "active".into());
    rule.insert("match_limit_exceeded".into(), false.into());
    rule.insert(
        "module".into(),
        json!({ "api_name": m.api_name, "name": m.name, "id": m.id }),
    );
    state.rules.push(rule);
    Ok(Reply::action(
        201,
        KEY,
        "SUCCESS",
        "sharing rule is created successfully",
        json!({ "id": id }),
    ))
}

fn update(state: &mut State, path_id: Option<&str>, q: &Query, body: &[u8]) -> Answer {
    let m = required_module(state, q)?;
    if let Some(id) = path_id {
        find(state, id, Some(&m))?;
    }
    let body = parse_object(body)?;
    let list = items(&body, KEY, 1)?;
    let base = "$.sharing_rules[0]".to_owned();
    let Value::Object(input) = &list[0] else {
        return Err(E.wrong_type(KEY, &base, "jsonobject"));
    };
    let id_path = format!("{base}.id");
    let body_id = match input.get("id") {
        None | Some(Value::Null) => None,
        Some(v) => Some(id_from_json(v).ok_or_else(|| E.wrong_type("id", &id_path, "bigint"))?),
    };
    let pos = match (path_id, body_id) {
        (Some(p), Some(b)) if p != b => {
            return Err(E.wrapped(
                "INVALID_DATA",
                "the given sharing rule id seems invalid.",
                at("id", &id_path),
            ))
        }
        (Some(p), _) => find(state, p, Some(&m))?,
        (None, None) => return Err(E.mandatory("id", &id_path)),
        (None, Some(b)) => find(state, &b, Some(&m)).map_err(|_| {
            E.wrapped(
                "INVALID_DATA",
                "the given sharing rule id seems invalid.",
                at("id", &id_path),
            )
        })?,
    };
    computing(state, &m.api_name)?;
    // Zoho's update page makes these two mandatory in every update (the rest may be left out).
    for key in ["type", "superiors_allowed"] {
        if input.get(key).is_none_or(Value::is_null) {
            return Err(E.mandatory(key, &format!("{base}.{key}")));
        }
    }
    let existing = state.rules[pos].clone();
    let mut merged = existing.clone();
    for (k, v) in input {
        if k != "id" {
            merged.insert(k.clone(), v.clone());
        }
    }
    let own_id = rule_id(&existing).to_owned();
    let normalized = validate(state, &m, input, &merged, Some(&own_id), &base)?;
    let rule = &mut state.rules[pos];
    for (k, v) in normalized {
        rule.insert(k, v);
    }
    Ok(Reply::action(
        200,
        KEY,
        "SUCCESS",
        "sharing rule is updated successfully",
        json!({ "id": own_id }),
    ))
}

/// Checks a rule (`merged`: the stored rule with `input` laid over it) and returns the keys to
/// store, normalized.
fn validate(
    state: &State,
    m: &ModuleInfo,
    input: &Map<String, Value>,
    merged: &Map<String, Value>,
    own_id: Option<&str>,
    base: &str,
) -> Answer<Map<String, Value>> {
    let p = |k: &str| format!("{base}.{k}");
    if input.contains_key("status") {
        return Err(E.wrapped(
            "NOT_ALLOWED",
            "status is not allowed in this api",
            at("status", &p("status")),
        ));
    }
    for key in [
        "name",
        "superiors_allowed",
        "type",
        "shared_to",
        "permission_type",
    ] {
        if merged.get(key).is_none_or(Value::is_null) {
            return Err(E.mandatory(key, &p(key)));
        }
    }
    let name = match &merged["name"] {
        Value::String(s) if s.trim().is_empty() => return Err(E.mandatory("name", &p("name"))),
        Value::String(s) => s.clone(),
        _ => return Err(E.wrong_type("name", &p("name"), "text")),
    };
    let superiors = merged["superiors_allowed"]
        .as_bool()
        .ok_or_else(|| E.wrong_type("superiors_allowed", &p("superiors_allowed"), "boolean"))?;
    let rule_type = match merged["type"].as_str() {
        Some(s) if RULE_TYPES.contains(&s) => s.to_owned(),
        _ => {
            return Err(E.not_one_of("type", &p("type"), "the value given is invalid", RULE_TYPES))
        }
    };
    let permission = match merged["permission_type"].as_str() {
        Some(s) if PERMISSIONS.contains(&s) => s.to_owned(),
        _ => {
            return Err(E.not_one_of(
                "permission_type",
                &p("permission_type"),
                "the value given is invalid",
                PERMISSIONS,
            ))
        }
    };
    let shared_to = shared(
        state,
        &merged["shared_to"],
        &p("shared_to"),
        &["roles", "groups", "all_users"],
    )?;
    let (shared_from, criteria) = if rule_type == "Record_Owner_Based" {
        let from = match merged.get("shared_from") {
            None | Some(Value::Null) => return Err(E.mandatory("shared_from", &p("shared_from"))),
            Some(v) => shared(state, v, &p("shared_from"), &["roles", "groups"])?,
        };
        (from, Value::Null)
    } else {
        let criteria = match merged.get("criteria") {
            None | Some(Value::Null) => return Err(E.mandatory("criteria", &p("criteria"))),
            Some(c) => CriteriaRules {
                errors: E,
                module: m,
                unknown_field_message: "The given api_name seems to be invalid",
            }
            .normalize(c, &p("criteria"))?,
        };
        (Value::Null, criteria)
    };
    let clash = state.rules.iter().any(|r| {
        rule_module(r) == m.api_name
            && Some(rule_id(r)) != own_id
            && r.get("name").and_then(Value::as_str) == Some(name.as_str())
    });
    if clash {
        return Err(E.wrapped("DUPLICATE_DATA", "duplicate data", at("name", &p("name"))));
    }
    let mut out = Map::new();
    out.insert("name".into(), name.into());
    out.insert("type".into(), rule_type.into());
    out.insert("permission_type".into(), permission.into());
    out.insert("superiors_allowed".into(), superiors.into());
    out.insert("shared_to".into(), shared_to);
    out.insert("shared_from".into(), shared_from);
    out.insert("criteria".into(), criteria);
    Ok(out)
}

/// Checks `shared_to` / `shared_from` and returns it with the resource's name filled in.
fn shared(state: &State, v: &Value, path: &str, types: &[&str]) -> Answer<Value> {
    let Value::Object(obj) = v else {
        return Err(E.wrong_type(
            path.rsplit('.').next().unwrap_or_default(),
            path,
            "jsonobject",
        ));
    };
    let type_path = format!("{path}.type");
    let kind = match obj.get("type") {
        None | Some(Value::Null) => return Err(E.mandatory("type", &type_path)),
        Some(Value::String(s)) if types.contains(&s.as_str()) => s.clone(),
        Some(_) => {
            return Err(E.not_one_of("type", &type_path, "the value given is invalid", types))
        }
    };
    let sub_path = format!("{path}.subordinates");
    let subordinates = match obj.get("subordinates") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(E.wrong_type("subordinates", &sub_path, "boolean")),
    };
    if subordinates && kind != "roles" {
        return Err(E.dependent_mismatch(("type", &type_path), "subordinates", &sub_path));
    }
    if kind == "all_users" {
        return Ok(json!({ "type": kind, "subordinates": false }));
    }
    let res_path = format!("{path}.resource");
    let id_path = format!("{res_path}.id");
    let resource = match obj.get("resource") {
        None | Some(Value::Null) => {
            return Err(E.dependent_missing(("type", &type_path), "resource", &res_path))
        }
        Some(Value::Object(r)) => r,
        Some(_) => return Err(E.wrong_type("resource", &res_path, "jsonobject")),
    };
    let id = match resource.get("id") {
        None | Some(Value::Null) => {
            return Err(E.dependent_missing(("type", &type_path), "id", &id_path))
        }
        Some(v) => id_from_json(v).ok_or_else(|| E.wrong_type("id", &id_path, "bigint"))?,
    };
    let pool = if kind == "roles" {
        &state.dir.roles
    } else {
        &state.dir.groups
    };
    let Some(found) = pool.iter().find(|x| x.id == id) else {
        return Err(E.dependent_mismatch(("type", &type_path), "id", &id_path));
    };
    Ok(json!({
        "resource": { "id": found.id, "name": found.name },
        "type": kind,
        "subordinates": subordinates,
    }))
}

fn delete(state: &mut State, id: &str, q: &Query) -> Answer {
    let m = required_module(state, q)?;
    let pos = find(state, id, Some(&m))?;
    computing(state, &m.api_name)?;
    state.rules.remove(pos);
    Ok(Reply::action(
        200,
        KEY,
        "SUCCESS",
        "Sharing Rule deleted",
        json!({ "id": id }),
    ))
}

fn set_active(state: &mut State, id: &str, q: &Query, active: bool) -> Answer {
    let m = required_module(state, q)?;
    let pos = find(state, id, Some(&m))?;
    computing(state, &m.api_name)?;
    let status = if active { "active" } else { "inactive" };
    let rule = &mut state.rules[pos];
    if rule.get("status").and_then(Value::as_str) == Some(status) {
        let (code, message) = if active {
            (
                "ID_ALREADY_ACTIVE",
                "data sharing rule is already activated.",
            )
        } else {
            (
                "ID_ALREADY_DEACTIVATED",
                "data sharing rule is already deactivated.",
            )
        };
        return Err(E.wrapped(code, message, json!({ "resource_path_index": 3 })));
    }
    rule.insert("status".into(), status.into());
    let message = if active {
        "sharing rule is activated successfully"
    } else {
        "sharing rule is deactivated successfully"
    };
    Ok(Reply::action(
        200,
        KEY,
        "SUCCESS",
        message,
        json!({ "id": id }),
    ))
}

fn rerun(state: &mut State, q: &Query) -> Answer {
    let m = required_module(state, q)?;
    if !state.rules.iter().any(|r| rule_module(r) == m.api_name) {
        return Ok(Reply::no_content());
    }
    computing(state, &m.api_name)?;
    *state.reruns.entry(m.api_name.clone()).or_default() += 1;
    Ok(Reply::action(
        200,
        KEY,
        "SCHEDULED",
        "Rerun successfully scheduled",
        json!({}),
    ))
}

// ------------------------------------------------------------------ filters (search, summary)

/// Filterable keys and the comparator each accepts.
const FILTER_KEYS: &[(&str, &str)] = &[
    ("name", "like"),
    ("status", "equal"),
    ("superiors_allowed", "equal"),
    ("permission_type", "equal"),
    ("shared_to.type", "equal"),
    ("shared_from.type", "equal"),
    ("shared_to.resource.id", "in"),
    ("shared_from.resource.id", "in"),
];

/// A checked filter tree.
enum Filter {
    Cond {
        key: String,
        comparator: String,
        value: Value,
    },
    Group {
        and: bool,
        members: Vec<Filter>,
    },
}

fn filters(body: &[u8]) -> Answer<Vec<Filter>> {
    let body = parse_object(body)?;
    let list = match body.get("filters") {
        Some(Value::Array(a)) if a.len() > MAX_FILTERS => {
            return Err(Reply::flat(
                400,
                "INVALID_DATA",
                "invalid data",
                at_with(
                    "filters",
                    "$.filters",
                    json!({ "maximum_length": MAX_FILTERS }),
                ),
            ))
        }
        Some(Value::Array(a)) if !a.is_empty() => a,
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            return Err(Reply::flat(
                400,
                "EXPECTED_FIELD_MISSING",
                "filters should not be empty",
                json!({ "expected_fields": [at("filters", "$.filters")] }),
            ))
        }
        Some(_) => {
            return Err(Reply::flat(
                400,
                "INVALID_DATA",
                "invalid data",
                at_with(
                    "filters",
                    "$.filters",
                    json!({ "expected_data_type": "jsonarray" }),
                ),
            ))
        }
    };
    list.iter()
        .enumerate()
        .map(|(i, f)| filter(f, &format!("$.filters[{i}]"), 0))
        .collect()
}

fn filter(v: &Value, path: &str, depth: usize) -> Answer<Filter> {
    let bad = |api: &str, p: &str, extra: Value| {
        Reply::flat(400, "INVALID_DATA", "invalid data", at_with(api, p, extra))
    };
    let Value::Object(obj) = v else {
        return Err(bad(
            "filters",
            path,
            json!({ "expected_data_type": "jsonobject" }),
        ));
    };
    if depth > 16 {
        return Err(bad("group", path, json!({})));
    }
    if let Some(group) = obj.get("group") {
        let gp = format!("{path}.group");
        let Value::Array(members) = group else {
            return Err(bad(
                "group",
                &gp,
                json!({ "expected_data_type": "jsonarray" }),
            ));
        };
        if members.is_empty() {
            return Err(Reply::flat(
                400,
                "EXPECTED_FIELD_MISSING",
                "filters should not be empty",
                json!({ "expected_fields": [at("group", &gp)] }),
            ));
        }
        let op_path = format!("{path}.group_operator");
        let and = match obj.get("group_operator") {
            None | Some(Value::Null) if members.len() == 1 => true,
            None | Some(Value::Null) => {
                return Err(Reply::flat(
                    400,
                    "MANDATORY_NOT_FOUND",
                    "required field not found",
                    at("group_operator", &op_path),
                ))
            }
            Some(Value::String(s)) if s.eq_ignore_ascii_case("and") => true,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("or") => false,
            Some(_) => {
                return Err(bad(
                    "group_operator",
                    &op_path,
                    json!({ "supported_values": ["or", "and"] }),
                ))
            }
        };
        let members = members
            .iter()
            .enumerate()
            .map(|(i, m)| filter(m, &format!("{gp}[{i}]"), depth + 1))
            .collect::<Answer<Vec<_>>>()?;
        return Ok(Filter::Group { and, members });
    }
    let api_path = format!("{path}.field.api_name");
    let key = obj
        .get("field")
        .and_then(|f| f.get("api_name"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Reply::flat(
                400,
                "MANDATORY_NOT_FOUND",
                "required field not found",
                at("field", &format!("{path}.field")),
            )
        })?;
    let Some(&(_, allowed)) = FILTER_KEYS.iter().find(|(k, _)| *k == key) else {
        return Err(Reply::flat(
            400,
            "INVALID_DATA",
            "The given api_name seems to be invalid",
            at("api_name", &api_path),
        ));
    };
    let cmp_path = format!("{path}.comparator");
    let comparator = obj
        .get("comparator")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Reply::flat(
                400,
                "MANDATORY_NOT_FOUND",
                "required field not found",
                at("comparator", &cmp_path),
            )
        })?;
    if comparator != allowed {
        return Err(Reply::flat(
            400,
            "DEPENDENT_MISMATCH",
            "the comparator is not supported for the given field",
            at_with(
                "comparator",
                &cmp_path,
                json!({ "dependee": at("api_name", &api_path) }),
            ),
        ));
    }
    // A filter value is text, or a list of texts (ids with `in`).
    let value_path = format!("{path}.value");
    let value = match obj.get("value") {
        None | Some(Value::Null) => {
            return Err(Reply::flat(
                400,
                "MANDATORY_NOT_FOUND",
                "required field not found",
                at("value", &value_path),
            ))
        }
        Some(Value::Array(a)) if a.is_empty() => {
            return Err(Reply::flat(
                400,
                "MANDATORY_NOT_FOUND",
                "required field not found",
                at("value", &value_path),
            ))
        }
        Some(v @ Value::String(_)) => v.clone(),
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => Value::Array(a.clone()),
        Some(_) => {
            return Err(bad(
                "value",
                &value_path,
                json!({ "expected_data_type": "text" }),
            ))
        }
    };
    Ok(Filter::Cond {
        key: key.to_owned(),
        comparator: comparator.to_owned(),
        value,
    })
}

fn rule_values(rule: &Map<String, Value>, key: &str) -> Option<String> {
    let mut cur = rule.get(key.split('.').next()?)?;
    for part in key.split('.').skip(1) {
        cur = cur.get(part)?;
    }
    match cur {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// SQL-style `like`: `%` matches any run of characters; without `%` it matches a substring.
fn like(text: &str, pattern: &str) -> bool {
    let text = text.to_lowercase();
    let pattern = pattern.to_lowercase();
    if !pattern.contains('%') {
        return text.contains(&pattern);
    }
    let parts: Vec<&str> = pattern.split('%').collect();
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            if !text.starts_with(part) {
                return false;
            }
            pos = part.len();
        } else if i == parts.len() - 1 {
            return text.len() >= pos + part.len() && text[pos..].ends_with(part);
        } else {
            match text[pos..].find(part) {
                Some(at) => pos += at + part.len(),
                None => return false,
            }
        }
    }
    true
}

fn matches(rule: &Map<String, Value>, f: &Filter) -> bool {
    match f {
        Filter::Group { and: true, members } => members.iter().all(|m| matches(rule, m)),
        Filter::Group {
            and: false,
            members,
        } => members.iter().any(|m| matches(rule, m)),
        Filter::Cond {
            key,
            comparator,
            value,
        } => {
            let Some(actual) = rule_values(rule, key) else {
                return false;
            };
            match comparator.as_str() {
                "in" => match value {
                    Value::Array(a) => a.iter().filter_map(scalar).any(|v| v == actual),
                    other => scalar(other).is_some_and(|v| v == actual),
                },
                "like" => scalar(value).is_some_and(|v| like(&actual, &v)),
                _ => scalar(value).is_some_and(|v| v.eq_ignore_ascii_case(&actual)),
            }
        }
    }
}

fn search(state: &State, q: &Query, body: &[u8]) -> Answer {
    let m = module(state, q, false)?;
    let (p, per) = paging(q)?;
    let filters = filters(body)?;
    let rules = state
        .rules
        .iter()
        .filter(|r| m.as_ref().is_none_or(|m| rule_module(r) == m.api_name))
        .filter(|r| filters.iter().all(|f| matches(r, f)))
        .collect();
    Ok(page(rules, p, per))
}

fn summary(state: &State, q: &Query, body: Option<&[u8]>) -> Answer {
    let m = module(state, q, false)?;
    let filters = match body {
        Some(b) => filters(b)?,
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for module in state.dir.modules.iter().filter(|x| x.sharing_rules) {
        if m.as_ref().is_some_and(|m| m.api_name != module.api_name) {
            continue;
        }
        let count = state
            .rules
            .iter()
            .filter(|r| rule_module(r) == module.api_name)
            .filter(|r| filters.iter().all(|f| matches(r, f)))
            .count();
        if count > 0 {
            out.push(json!({
                "module": { "api_name": module.api_name, "id": module.id },
                "rule_computation_status": state.computing.contains(&module.api_name),
                "rule_count": count,
            }));
        }
    }
    if out.is_empty() {
        return Ok(Reply::no_content());
    }
    Ok(Reply::json(200, json!({ "sharing_rules_summary": out })))
}

/// Adds `n` owner-based rules to `module` (names `Seeded rule 1`, ...); returns their ids.
pub(crate) fn seed(state: &mut State, module: &str, n: usize) -> Result<Vec<String>, String> {
    let m = state
        .module(module)
        .filter(|m| m.sharing_rules)
        .ok_or_else(|| format!("{module} does not support sharing rules"))?;
    let roles = state.dir.roles.clone();
    let groups = state.dir.groups.clone();
    let start = state
        .rules
        .iter()
        .filter(|r| rule_module(r) == m.api_name)
        .count();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let id = state.ids.next_id();
        let to = &groups[i % groups.len()];
        let from = &roles[(i + 1) % roles.len()];
        let rule = json!({
            "id": id,
            "name": format!("Seeded rule {}", start + i + 1),
            "type": "Record_Owner_Based",
            "permission_type": PERMISSIONS[i % PERMISSIONS.len()],
            "superiors_allowed": i % 2 == 0,
            "shared_to": { "resource": { "id": to.id, "name": to.name }, "type": "groups", "subordinates": false },
            "shared_from": { "resource": { "id": from.id, "name": from.name }, "type": "roles", "subordinates": i % 3 == 0 },
            "criteria": null,
            "module": { "api_name": m.api_name, "name": m.name, "id": m.id },
            "status": "active",
            "match_limit_exceeded": false,
        });
        if let Value::Object(rule) = rule {
            state.rules.push(rule);
        }
        ids.push(id);
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_patterns() {
        assert!(like("Lead sharing rule", "lead"));
        assert!(like("Lead sharing rule", "%rule"));
        assert!(like("Lead sharing rule", "Lead%"));
        assert!(like("Lead sharing rule", "L%sharing%e"));
        assert!(!like("Lead sharing rule", "Deal%"));
        assert!(!like("ab", "a%b%c"));
    }
}
