//! Record locking configurations: `/settings/record_locking_configurations[/{id}]`.
//!
//! Saving a configuration applies its automatic locking rules to the module's records, and
//! deleting it unlocks every record of the module (see [`super::records`]).

use serde_json::{json, Map, Value};
use zoho_crm_access::operations::Operation;

use super::catalogue::ModuleInfo;
use super::criteria::CriteriaRules;
use super::ids::{id_from_json, is_well_formed};
use super::records;
use super::responses::{
    at, at_with, items, list_body, parse_object, required_param_missing, Answer, Errors, Reply,
};
use super::server::Query;
use super::state::State;

const KEY: &str = "record_locking_configurations";
const E: Errors = Errors { key: KEY };
const LOCK_TYPES: &[&str] = &["manual", "automatic", "both"];
const LOCKED_FOR: &[&str] = &["all_profiles", "all_profiles_except_excluded_profiles"];
const ACTIONS: &[&str] = &["convert", "update", "delete", "change_owner", "tags"];
const COMMUNICATIONS: &[&str] = &["send_mail", "send_survey", "send_portal_invitation"];
const MAX_RULES: usize = 5;

/// Answers one record locking operation.
pub(crate) fn handle(
    state: &mut State,
    op: Operation,
    id: Option<&str>,
    q: &Query,
    body: &[u8],
) -> Reply {
    use Operation::*;
    let result = match op {
        GetRecordLockingConfigurations => get(state, None, q),
        GetRecordLockingConfigurationById => get(state, id, q),
        CreateRecordLockingConfiguration => create(state, q, body),
        UpdateRecordLockingConfigurations => update(state, None, q, body),
        UpdateRecordLockingConfiguration => update(state, id, q, body),
        DeleteRecordLockingConfiguration => delete_by_id(state, id.unwrap_or_default(), q),
        DeleteRecordLockingConfigurations => delete_by_ids(state, q),
        _ => Err(super::responses::not_implemented(op)),
    };
    result.unwrap_or_else(|r| r)
}

fn module(state: &State, q: &Query) -> Answer<ModuleInfo> {
    if state.no_permission {
        return Err(Reply::flat(
            403,
            "NO_PERMISSION",
            "permission denied",
            json!({ "permissions": ["Crm_Implied_Customize_Zoho_CRM"] }),
        ));
    }
    let name = match q.get("module") {
        Some(m) if !m.is_empty() => m,
        _ => return Err(required_param_missing("module")),
    };
    let Some(m) = state.module(name) else {
        return Err(Reply::flat(
            400,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({}),
        ));
    };
    if !m.record_locking {
        return Err(Reply::flat(
            400,
            "NOT_SUPPORTED",
            "the module name given is not supported for the  feature",
            json!({ "param_name": "module" }),
        ));
    }
    if !state.record_locking_edition {
        return Err(Reply::flat(
            400,
            "FEATURE_NOT_SUPPORTED",
            "Record Locking Configuration is not supported in your edition",
            json!({}),
        ));
    }
    Ok(m)
}

/// Zoho's minified user (`name`, `id`, `email`) for the user the tokens belong to, as
/// `created_by` / `modified_by` carry it.
fn minified_user(state: &State) -> Value {
    let mut user = state.current_user();
    let email = user
        .get("name")
        .and_then(Value::as_str)
        .map(|name| format!("{}@example.com", name.to_lowercase().replace(' ', ".")));
    if let (Some(email), Value::Object(map)) = (email, &mut user) {
        map.insert("email".into(), email.into());
    }
    user
}

fn invalid_path_id() -> Reply {
    Reply::flat(
        400,
        "INVALID_DATA",
        "the id given seems to be invalid",
        json!({ "resource_path_index": 2 }),
    )
}

fn get(state: &State, id: Option<&str>, q: &Query) -> Answer {
    let m = module(state, q)?;
    if let Some(ft) = q.get("feature_type") {
        if ft != "record_locking" {
            return Err(super::responses::invalid_param(
                "feature_type",
                "invalid data",
            ));
        }
    }
    if let Some(id) = id {
        if !is_well_formed(id) {
            return Err(invalid_path_id());
        }
    }
    match state.locking.get(&m.api_name) {
        Some(cfg) if id.is_none_or(|id| cfg.get("id").and_then(Value::as_str) == Some(id)) => Ok(
            Reply::json(200, list_body(KEY, vec![Value::Object(cfg.clone())])),
        ),
        _ => Ok(Reply::no_content()),
    }
}

fn create(state: &mut State, q: &Query, body: &[u8]) -> Answer {
    let m = module(state, q)?;
    let body = parse_object(body)?;
    let list = items(&body, KEY, 1)?;
    if state.locking.contains_key(&m.api_name) {
        return Err(Reply::flat(
            400,
            "LIMIT_EXCEEDED",
            "Configuration already created for this module",
            json!({ "param_name": "module", "limit": 1 }),
        ));
    }
    let base = format!("$.{KEY}[0]");
    let Value::Object(item) = &list[0] else {
        return Err(E.wrong_type(KEY, &base, "jsonobject"));
    };
    if matches!(item.get("lock_type"), None | Some(Value::Null)) {
        return Err(E.mandatory("lock_type", &format!("{base}.lock_type")));
    }
    let mut cfg = Map::new();
    cfg.insert("lock_type".into(), Value::Null);
    cfg.insert("locked_for".into(), "all_profiles".into());
    cfg.insert("lock_excluded_profiles".into(), Value::Null);
    cfg.insert("excluded_fields".into(), json!([]));
    cfg.insert("locking_rules".into(), json!([]));
    cfg.insert("restricted_actions".into(), json!(["update"]));
    cfg.insert("restricted_communications".into(), Value::Null);
    cfg.insert("restricted_custom_buttons".into(), Value::Null);
    cfg.insert("lock_for_portal_users".into(), true.into());
    cfg.insert("feature_type".into(), "record_locking".into());
    cfg.insert("system_defined".into(), false.into());
    apply(state, &m, &mut cfg, item, &base)?;
    let id = state.ids.next_id();
    let now = state.now();
    let user = minified_user(state);
    cfg.insert("id".into(), id.clone().into());
    cfg.insert("created_time".into(), now.clone().into());
    cfg.insert("modified_time".into(), now.into());
    cfg.insert("created_by".into(), user.clone());
    cfg.insert("modified_by".into(), user);
    state.locking.insert(m.api_name.clone(), cfg);
    records::configuration_saved(state, &m.api_name, None);
    Ok(Reply::action(
        201,
        KEY,
        "SUCCESS",
        "record locking configuration created successfully",
        json!({ "id": id }),
    ))
}

fn update(state: &mut State, path_id: Option<&str>, q: &Query, body: &[u8]) -> Answer {
    let m = module(state, q)?;
    if let Some(id) = path_id {
        if !is_well_formed(id) {
            return Err(invalid_path_id());
        }
    }
    let body = parse_object(body)?;
    let list = items(&body, KEY, 1)?;
    let base = format!("$.{KEY}[0]");
    let Value::Object(item) = &list[0] else {
        return Err(E.wrong_type(KEY, &base, "jsonobject"));
    };
    let existing = state.locking.get(&m.api_name).cloned();
    let existing_id = existing
        .as_ref()
        .and_then(|c| c.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let id_path = format!("{base}.id");
    let body_id = match item.get("id") {
        None | Some(Value::Null) => None,
        Some(v) => Some(id_from_json(v).ok_or_else(|| E.wrong_type("id", &id_path, "bigint"))?),
    };
    let target = match (path_id, body_id) {
        (Some(p), _) if existing_id.as_deref() != Some(p) => return Err(invalid_path_id()),
        // On the by-id URL the body needs no id; one that names another configuration is wrong.
        (Some(p), Some(b)) if b != p => {
            return Err(E.wrapped(
                "INVALID_DATA",
                "the id given seems to be invalid",
                at("id", &id_path),
            ))
        }
        (Some(p), _) => p.to_owned(),
        (None, None) => return Err(E.mandatory("id", &id_path)),
        (None, Some(b)) => b,
    };
    let before = existing.clone();
    let Some(mut cfg) = existing.filter(|_| existing_id.as_deref() == Some(target.as_str())) else {
        return Err(E.wrapped(
            "INVALID_DATA",
            "the id given seems to be invalid",
            at("id", &id_path),
        ));
    };
    if cfg.get("system_defined") == Some(&Value::Bool(true)) {
        return Err(Reply::flat(
            400,
            "NOT_ALLOWED",
            "Configuration created by system cannot be updated",
            json!({ "resource_path_index": 1 }),
        ));
    }
    apply(state, &m, &mut cfg, item, &base)?;
    cfg.insert("modified_time".into(), state.now().into());
    cfg.insert("modified_by".into(), minified_user(state));
    state.locking.insert(m.api_name.clone(), cfg);
    records::configuration_saved(state, &m.api_name, before.as_ref());
    Ok(Reply::action(
        200,
        KEY,
        "SUCCESS",
        "record locking configuration updated successfully",
        json!({ "id": target }),
    ))
}

fn delete_by_id(state: &mut State, id: &str, q: &Query) -> Answer {
    let m = module(state, q)?;
    if !is_well_formed(id) {
        return Err(invalid_path_id());
    }
    remove(state, &m, id).ok_or_else(invalid_path_id)?
}

fn delete_by_ids(state: &mut State, q: &Query) -> Answer {
    let m = module(state, q)?;
    let ids: Vec<&str> = match q.get("ids") {
        Some(s) if !s.trim().is_empty() => s.split(',').map(str::trim).collect(),
        _ => return Err(required_param_missing("ids")),
    };
    let mut results = Vec::new();
    for id in ids {
        match remove(state, &m, id) {
            Some(Ok(reply)) => results.extend(reply_items(reply)),
            Some(Err(reply)) => return Err(reply),
            None => {
                return Err(Reply::flat(
                    400,
                    "INVALID_DATA",
                    "the id given seems to be invalid",
                    json!({ "param_name": "ids" }),
                ))
            }
        }
    }
    Ok(Reply::json(200, json!({ KEY: results })))
}

fn reply_items(reply: Reply) -> Vec<Value> {
    match reply.body {
        Some(Value::Object(mut m)) => match m.remove(KEY) {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Removes the module's configuration if it has `id`; `None` when it does not exist.
fn remove(state: &mut State, m: &ModuleInfo, id: &str) -> Option<Answer> {
    let cfg = state.locking.get(&m.api_name)?;
    if cfg.get("id").and_then(Value::as_str) != Some(id) {
        return None;
    }
    if cfg.get("system_defined") == Some(&Value::Bool(true)) {
        return Some(Err(Reply::flat(
            400,
            "NOT_ALLOWED",
            "Configuration created by system cannot be deleted",
            json!({ "resource_path_index": 1 }),
        )));
    }
    state.locking.remove(&m.api_name);
    // Deleting a module's configuration unlocks all of its locked records (the seed).
    records::unlock_all(state, &m.api_name);
    Some(Ok(Reply::action(
        200,
        KEY,
        "SUCCESS",
        "record locking configuration deleted",
        json!({ "id": id }),
    )))
}

/// Validates `item` and applies it to `cfg` (a fresh default on create, the stored one on update).
fn apply(
    state: &mut State,
    m: &ModuleInfo,
    cfg: &mut Map<String, Value>,
    item: &Map<String, Value>,
    base: &str,
) -> Answer<()> {
    let p = |k: &str| format!("{base}.{k}");
    if let Some(v) = given(item, "lock_type") {
        let s = enum_value(
            v,
            "lock_type",
            &p("lock_type"),
            "lock_type not found",
            LOCK_TYPES,
        )?;
        cfg.insert("lock_type".into(), s.into());
    }
    if let Some(v) = non_null(item, "locked_for", &p("locked_for"), "text")? {
        let s = enum_value(
            v,
            "locked_for",
            &p("locked_for"),
            "locked_for not found",
            LOCKED_FOR,
        )?;
        cfg.insert("locked_for".into(), s.into());
    }
    if let Some(v) = item.get("lock_excluded_profiles") {
        let key = "lock_excluded_profiles";
        let list = array(v, key, &p(key), 15)?;
        let mut out = Vec::new();
        for (i, entry) in list.into_iter().flatten().enumerate() {
            let id_path = format!("{}[{i}].id", p(key));
            let profile = entry
                .get("id")
                .and_then(id_from_json)
                .and_then(|id| state.dir.profiles.iter().find(|x| x.id == id))
                .ok_or_else(|| {
                    E.wrapped(
                        "INVALID_DATA",
                        "lock_excluded_profiles not found",
                        at("id", &id_path),
                    )
                })?;
            out.push(json!({ "name": profile.name, "id": profile.id }));
        }
        cfg.insert(key.into(), list.map_or(Value::Null, |_| Value::Array(out)));
    }
    if let Some(v) = item.get("excluded_fields") {
        let key = "excluded_fields";
        let list = array(v, key, &p(key), 15)?;
        let mut out = Vec::new();
        for (i, entry) in list.into_iter().flatten().enumerate() {
            out.push(excluded_field(m, entry, &format!("{}[{i}]", p(key)))?);
        }
        cfg.insert(key.into(), Value::Array(out));
    }
    if let Some(v) = given(item, "restricted_actions") {
        let key = "restricted_actions";
        let list = array(v, key, &p(key), 10)?.cloned().unwrap_or_default();
        let mut out = Vec::new();
        for (i, a) in list.iter().enumerate() {
            let s = enum_value(
                a,
                key,
                &format!("{}[{i}]", p(key)),
                "action not found",
                ACTIONS,
            )?;
            if !out.contains(&s) {
                out.push(s);
            }
        }
        cfg.insert(key.into(), json!(out));
    }
    if let Some(v) = item.get("restricted_communications") {
        let key = "restricted_communications";
        let list = array(v, key, &p(key), 10)?;
        let mut out = Vec::new();
        for (i, a) in list.into_iter().flatten().enumerate() {
            let path = format!("{}[{i}]", p(key));
            out.push(enum_value(
                a,
                key,
                &path,
                "communications not found",
                COMMUNICATIONS,
            )?);
        }
        cfg.insert(key.into(), list.map_or(Value::Null, |_| json!(out)));
    }
    if let Some(v) = item.get("restricted_custom_buttons") {
        let key = "restricted_custom_buttons";
        let list = array(v, key, &p(key), 30)?;
        let mut out = Vec::new();
        for (i, entry) in list.into_iter().flatten().enumerate() {
            let id_path = format!("{}[{i}].id", p(key));
            let button = entry
                .get("id")
                .and_then(id_from_json)
                .and_then(|id| {
                    state
                        .dir
                        .custom_buttons
                        .iter()
                        .find(|b| b.id == id && b.module == m.api_name)
                })
                .ok_or_else(|| {
                    E.wrapped(
                        "INVALID_DATA",
                        "custom button not found",
                        at("id", &id_path),
                    )
                })?;
            out.push(json!({ "name": button.name, "id": button.id }));
        }
        cfg.insert(key.into(), list.map_or(Value::Null, |_| Value::Array(out)));
    }
    if let Some(v) = given(item, "lock_for_portal_users") {
        let b = v.as_bool().ok_or_else(|| {
            E.wrong_type(
                "lock_for_portal_users",
                &p("lock_for_portal_users"),
                "boolean",
            )
        })?;
        cfg.insert("lock_for_portal_users".into(), b.into());
    }
    // Read-only, but typed like every other key (a non-boolean was accepted: Schemathesis).
    if let Some(v) = given(item, "system_defined") {
        if !v.is_boolean() {
            return Err(E.wrong_type("system_defined", &p("system_defined"), "boolean"));
        }
    }
    // Not nullable in the spec, so null is refused too (Schemathesis found it accepted).
    if let Some(v) = item.get("feature_type") {
        if v.as_str() != Some("record_locking") {
            return Err(E.wrapped(
                "INVALID_DATA",
                "invalid data",
                at("feature_type", &p("feature_type")),
            ));
        }
    }
    if let Some(v) = given(item, "locking_rules") {
        let rules = locking_rules(state, m, cfg, v, &p("locking_rules"))?;
        cfg.insert("locking_rules".into(), Value::Array(rules));
    }
    // Dependencies, on the configuration as it will be stored.
    let lock_type = cfg
        .get("lock_type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let rule_count = cfg
        .get("locking_rules")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if (lock_type == "automatic" || lock_type == "both") && rule_count == 0 {
        return Err(E.dependent_missing(
            ("lock_type", &p("lock_type")),
            "locking_rules",
            &p("locking_rules"),
        ));
    }
    let locked_for = cfg
        .get("locked_for")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let profiles = cfg
        .get("lock_excluded_profiles")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if locked_for == "all_profiles_except_excluded_profiles" && profiles == 0 {
        return Err(E.dependent_missing(
            ("locked_for", &p("locked_for")),
            "lock_excluded_profiles",
            &p("lock_excluded_profiles"),
        ));
    }
    Ok(())
}

/// The value of `key` unless absent or null.
fn given<'a>(item: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    item.get(key).filter(|v| !v.is_null())
}

/// A key the spec does not make nullable: absent is `None`, `null` is the wrong type (it used
/// to count as absent; Schemathesis found such requests accepted).
fn non_null<'a>(
    item: &'a Map<String, Value>,
    key: &str,
    path: &str,
    expected: &str,
) -> Answer<Option<&'a Value>> {
    match item.get(key) {
        Some(Value::Null) => Err(E.wrong_type(key, path, expected)),
        other => Ok(other),
    }
}

fn enum_value(
    v: &Value,
    api_name: &str,
    path: &str,
    message: &str,
    allowed: &[&str],
) -> Answer<String> {
    match v.as_str() {
        Some(s) if allowed.contains(&s) => Ok(s.to_owned()),
        _ => Err(E.not_one_of(api_name, path, message, allowed)),
    }
}

/// An optional array of at most `max` items: `None` for null.
fn array<'a>(
    v: &'a Value,
    api_name: &str,
    path: &str,
    max: usize,
) -> Answer<Option<&'a Vec<Value>>> {
    match v {
        Value::Null => Ok(None),
        Value::Array(a) if a.len() > max => Err(E.wrapped(
            "LIMIT_EXCEEDED",
            "limit exceeded",
            at_with(
                api_name,
                path,
                json!({ "limit": max, "available_limit": max }),
            ),
        )),
        Value::Array(a) => Ok(Some(a)),
        _ => Err(E.wrong_type(api_name, path, "jsonarray")),
    }
}

fn excluded_field(m: &ModuleInfo, entry: &Value, path: &str) -> Answer<Value> {
    let Value::Object(obj) = entry else {
        return Err(E.wrong_type("excluded_fields", path, "jsonobject"));
    };
    let api_path = format!("{path}.api_name");
    let id_path = format!("{path}.id");
    // `null` is not "absent" here: the spec has neither key nullable (Schemathesis found
    // `"id": null` accepted).
    let by_name = match obj.get("api_name") {
        None => None,
        Some(Value::String(s)) => Some(m.field(s).ok_or_else(|| {
            E.wrapped("INVALID_DATA", "field not found", at("api_name", &api_path))
        })?),
        Some(_) => return Err(E.wrong_type("api_name", &api_path, "text")),
    };
    let by_id =
        match obj.get("id") {
            None => None,
            Some(v) => {
                let id = id_from_json(v).ok_or_else(|| E.wrong_type("id", &id_path, "bigint"))?;
                Some(m.field_by_id(&id).ok_or_else(|| {
                    E.wrapped("INVALID_DATA", "field not found", at("id", &id_path))
                })?)
            }
        };
    let field = match (by_name, by_id) {
        (None, None) => {
            return Err(E.wrapped(
                "EXPECTED_FIELD_MISSING",
                "expected field missing",
                json!({ "expected_fields": [at("id", &id_path), at("api_name", &api_path)] }),
            ))
        }
        (Some(a), Some(b)) if a.id != b.id => {
            return Err(E.wrapped(
                "AMBIGUITY_DURING_PROCESSING",
                "ambiguity during processing",
                json!({ "ambiguity_due_to": [at("id", &id_path), at("api_name", &api_path)] }),
            ))
        }
        (Some(f), _) | (None, Some(f)) => f,
    };
    if !field.excludable() {
        return Err(E.wrapped(
            "NOT_SUPPORTED",
            "Field not supported",
            at("api_name", &api_path),
        ));
    }
    Ok(json!({ "api_name": field.api_name, "id": field.id }))
}

/// Applies locking-rule input (add without id, change with id, `_delete` with id) to the stored
/// rules and returns the new list.
fn locking_rules(
    state: &mut State,
    m: &ModuleInfo,
    cfg: &Map<String, Value>,
    v: &Value,
    path: &str,
) -> Answer<Vec<Value>> {
    let Value::Array(input) = v else {
        return Err(E.wrong_type("locking_rules", path, "jsonarray"));
    };
    let existing: Vec<Value> = cfg
        .get("locking_rules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // (rule, index of the input item that produced or changed it)
    let mut rules: Vec<(Value, Option<usize>)> =
        existing.iter().map(|r| (r.clone(), None)).collect();
    let criteria_rules = CriteriaRules {
        errors: E,
        module: m,
        unknown_field_message: "field not found",
    };
    for (i, entry) in input.iter().enumerate() {
        let rp = format!("{path}[{i}]");
        let Value::Object(obj) = entry else {
            return Err(E.wrong_type("locking_rules", &rp, "jsonobject"));
        };
        let delete = match non_null(obj, "_delete", &format!("{rp}._delete"), "boolean")? {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(E.wrong_type("_delete", &format!("{rp}._delete"), "boolean")),
        };
        let name = match non_null(obj, "name", &format!("{rp}.name"), "text")? {
            None => None,
            Some(Value::String(s)) if s.trim().is_empty() => {
                return Err(E.mandatory("name", &format!("{rp}.name")))
            }
            Some(Value::String(s)) if s.chars().count() > 256 => {
                return Err(E.wrapped(
                    "INVALID_DATA",
                    "invalid data",
                    at_with(
                        "name",
                        &format!("{rp}.name"),
                        json!({ "maximum_length": 256 }),
                    ),
                ))
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(E.wrong_type("name", &format!("{rp}.name"), "text")),
        };
        let lock_existing = match non_null(
            obj,
            "lock_existing_records",
            &format!("{rp}.lock_existing_records"),
            "boolean",
        )? {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                return Err(E.wrong_type(
                    "lock_existing_records",
                    &format!("{rp}.lock_existing_records"),
                    "boolean",
                ))
            }
        };
        let criteria = match non_null(obj, "criteria", &format!("{rp}.criteria"), "jsonobject")? {
            None => None,
            Some(c) => Some(criteria_rules.normalize(c, &format!("{rp}.criteria"))?),
        };
        match non_null(obj, "id", &format!("{rp}.id"), "bigint")? {
            Some(idv) => {
                let id_path = format!("{rp}.id");
                let id = id_from_json(idv).ok_or_else(|| E.wrong_type("id", &id_path, "bigint"))?;
                let Some(pos) = rules
                    .iter()
                    .position(|(r, _)| r.get("id").and_then(Value::as_str) == Some(id.as_str()))
                else {
                    return Err(E.wrapped(
                        "INVALID_DATA",
                        "the id given seems to be invalid",
                        at("id", &id_path),
                    ));
                };
                if delete {
                    rules.remove(pos);
                    continue;
                }
                let (rule, origin) = &mut rules[pos];
                if let Some(n) = name {
                    rule["name"] = n.into();
                }
                if let Some(b) = lock_existing {
                    rule["lock_existing_records"] = b.into();
                }
                if let Some(c) = criteria {
                    rule["criteria"] = c;
                }
                *origin = Some(i);
            }
            None => {
                if delete {
                    return Err(E.mandatory("id", &format!("{rp}.id")));
                }
                let Some(name) = name else {
                    return Err(E.mandatory("name", &format!("{rp}.name")));
                };
                let Some(criteria) = criteria else {
                    return Err(E.mandatory("criteria", &format!("{rp}.criteria")));
                };
                rules.push((
                    json!({
                        "id": Value::Null,
                        "name": name,
                        "lock_existing_records": lock_existing.unwrap_or(false),
                        "criteria": criteria,
                    }),
                    Some(i),
                ));
            }
        }
    }
    if rules.len() > MAX_RULES {
        return Err(E.wrapped(
            "LIMIT_EXCEEDED",
            "Maximum limit for locking rules exceeded",
            at_with(
                "locking_rules",
                path,
                json!({ "limit": MAX_RULES, "available_limit": MAX_RULES.saturating_sub(existing.len()) }),
            ),
        ));
    }
    for (a, (rule, origin)) in rules.iter().enumerate() {
        for (other, _) in &rules[..a] {
            let idx = origin.unwrap_or(a);
            if other.get("name") == rule.get("name") {
                return Err(E.wrapped(
                    "DUPLICATE_DATA",
                    "duplicate data",
                    at("name", &format!("{path}[{idx}].name")),
                ));
            }
            if other.get("criteria") == rule.get("criteria") {
                return Err(E.wrapped(
                    "DUPLICATE_DATA",
                    "duplicate data",
                    at("criteria", &format!("{path}[{idx}].criteria")),
                ));
            }
        }
    }
    Ok(rules
        .into_iter()
        .map(|(mut rule, _)| {
            if rule.get("id").is_none_or(Value::is_null) {
                rule["id"] = state.ids.next_id().into();
            }
            rule
        })
        .collect())
}

/// Adds a system-defined configuration to `module` (it cannot be updated or deleted).
pub(crate) fn seed_system_defined(state: &mut State, module: &str) -> Result<String, String> {
    let m = state
        .module(module)
        .filter(|m| m.record_locking)
        .ok_or_else(|| format!("{module} does not support record locking"))?;
    if state.locking.contains_key(&m.api_name) {
        return Err(format!("{module} already has a configuration"));
    }
    let id = state.ids.next_id();
    let now = state.now();
    let user = minified_user(state);
    let cfg = json!({
        "id": id, "lock_type": "manual", "locked_for": "all_profiles",
        "lock_excluded_profiles": null, "excluded_fields": [], "locking_rules": [],
        "restricted_actions": ["update"], "restricted_communications": null,
        "restricted_custom_buttons": null, "lock_for_portal_users": true,
        "feature_type": "record_locking", "system_defined": true,
        "created_time": now, "modified_time": now, "created_by": user, "modified_by": user,
    });
    if let Value::Object(cfg) = cfg {
        state.locking.insert(m.api_name, cfg);
    }
    Ok(id)
}
