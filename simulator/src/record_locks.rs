//! Per-record locks: `/{module_api_name}/{record_id}/Locking_Information__s[/{lock_id}]`.
//!
//! The checks, in order: the user's permission (403 `NO_PERMISSION`), the edition (400
//! `FEATURE_NOT_SUPPORTED`), a lock id that is not digits (404 `INVALID_URL_PATTERN`), `fields`
//! on the list (400 `REQUIRED_PARAM_MISSING`), the module (400 `INVALID_MODULE`, index 0), its
//! configuration (400 `NOT_ALLOWED`, index 2: a module without record locking support has
//! none), the record (400 `INVALID_DATA`, index 1), the lock id (204 on the read, 400
//! `INVALID_DATA` index 3 on the update and the unlock), the body, then the lock's state.

use serde_json::{json, Map, Value};
use zoho_crm_access::operations::Operation;

use super::catalogue::ModuleInfo;
use super::ids::is_well_formed;
use super::records::{lock_json, Lock, Record};
use super::responses::{
    at_with, invalid_url, items, parse_object, required_param_missing, Answer, Errors, Reply,
};
use super::server::Query;
use super::state::State;

const KEY: &str = "data";
const E: Errors = Errors { key: KEY };
/// Longest `Locked_Reason__s` (a textarea; Zoho's OpenAPI file).
const MAX_REASON: usize = 3000;
/// Longest `fields` query value (Zoho's OpenAPI file).
const MAX_FIELDS: usize = 2048;

/// Answers one record lock operation; `params` are the path's values (module, record, lock).
pub(crate) fn handle(
    state: &mut State,
    op: Operation,
    params: &[String],
    q: &Query,
    body: &[u8],
) -> Reply {
    use Operation::*;
    let param = |i: usize| params.get(i).map_or("", String::as_str);
    let (module, record, lock) = (param(0), param(1), param(2));
    let result = match op {
        GetRecordLocks => list(state, module, record, q),
        LockRecord => lock_record(state, module, record, body),
        GetRecordLock => get_one(state, module, record, lock, q),
        UpdateRecordLockReason => update_reason(state, module, record, lock, body),
        UnlockRecord => unlock(state, module, record, lock),
        _ => Err(super::responses::not_implemented(op)),
    };
    result.unwrap_or_else(|r| r)
}

fn path_error(status: u16, code: &str, message: &str, index: u32) -> Reply {
    Reply::flat(
        status,
        code,
        message,
        json!({ "resource_path_index": index }),
    )
}

/// Permission and edition: the checks before any part of the path.
fn allowed(state: &State, no_permission_message: &str) -> Answer<()> {
    if state.no_permission {
        return Err(path_error(403, "NO_PERMISSION", no_permission_message, 1));
    }
    if !state.record_locking_edition {
        return Err(Reply::flat(
            400,
            "FEATURE_NOT_SUPPORTED",
            "Record Locking Configuration is not supported in your edition",
            json!({}),
        ));
    }
    Ok(())
}

const PROFILE_NOT_SUPPORTED: &str =
    "Record Locking Configuration is not supported for the profile of the user";

/// A lock id must be digits, or the URL is not one Zoho knows.
fn lock_id_shape(lock: &str) -> Answer<()> {
    if lock.bytes().all(|b| b.is_ascii_digit()) && !lock.is_empty() {
        Ok(())
    } else {
        Err(invalid_url())
    }
}

/// The module (index 0), its configuration (index 2) and the record (index 1).
fn target<'a>(
    state: &'a State,
    module: &str,
    record: &str,
) -> Answer<(ModuleInfo, String, &'a Record)> {
    let Some(m) = state.module(module) else {
        return Err(path_error(
            400,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            0,
        ));
    };
    let Some(config) = state
        .locking
        .get(&m.api_name)
        .and_then(|c| c.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return Err(path_error(
            400,
            "NOT_ALLOWED",
            "Required Record Locking Configuration is not present",
            2,
        ));
    };
    let found = is_well_formed(record)
        .then(|| {
            state
                .records
                .module(&m.api_name)
                .and_then(|r| r.get(record))
        })
        .flatten();
    let Some(r) = found else {
        return Err(path_error(
            400,
            "INVALID_DATA",
            "the related id given seems to be invalid",
            1,
        ));
    };
    Ok((m, config, r))
}

/// The lock entry `lock` of the record, for the update and the unlock.
fn existing_lock<'a>(record: &'a Record, lock: &str) -> Answer<&'a Lock> {
    if !is_well_formed(lock) {
        return Err(path_error(
            400,
            "INVALID_DATA",
            "the id given seems to be invalid",
            3,
        ));
    }
    match &record.lock {
        Some(l) if l.id == lock => Ok(l),
        _ => Err(path_error(400, "INVALID_DATA", "relation not found", 3)),
    }
}

/// The keys `fields` asks for; `None` when every key is wanted.
fn wanted(q: &Query) -> Answer<Option<Vec<String>>> {
    match q.get("fields") {
        None => Ok(None),
        Some(f) if f.chars().count() > MAX_FIELDS => Err(Reply::flat(
            400,
            "INVALID_DATA",
            "invalid data",
            json!({ "param_name": "fields", "maximum_length": MAX_FIELDS }),
        )),
        Some(f) => Ok(Some(
            f.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        )),
    }
}

/// The entry with `id`, the record meta keys (`$...`) and the keys `fields` names (unknown
/// names, such as `Owner`, are ignored).
fn select(entry: Value, fields: Option<&[String]>) -> Value {
    let (Some(fields), Value::Object(map)) = (fields, &entry) else {
        return entry;
    };
    let kept: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| k.as_str() == "id" || k.starts_with('$') || fields.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(kept)
}

fn info(count: usize) -> Value {
    json!({
        "per_page": 200,
        "next_page_token": null,
        "count": count,
        "page": 1,
        "previous_page_token": null,
        "page_token_expiry": null,
        "more_records": false,
    })
}

fn list(state: &State, module: &str, record: &str, q: &Query) -> Answer {
    allowed(state, PROFILE_NOT_SUPPORTED)?;
    let fields = match wanted(q)? {
        Some(f) if !f.is_empty() => f,
        _ => return Err(required_param_missing("fields")),
    };
    let (m, _, r) = target(state, module, record)?;
    let Some(lock) = &r.lock else {
        return Ok(Reply::no_content());
    };
    let entry = select(lock_json(state, &m, r, lock), Some(&fields));
    Ok(Reply::json(200, json!({ KEY: [entry], "info": info(1) })))
}

fn get_one(state: &State, module: &str, record: &str, lock: &str, q: &Query) -> Answer {
    allowed(state, PROFILE_NOT_SUPPORTED)?;
    lock_id_shape(lock)?;
    let fields = wanted(q)?;
    let (m, _, r) = target(state, module, record)?;
    match &r.lock {
        Some(l) if l.id == lock => {
            let entry = select(lock_json(state, &m, r, l), fields.as_deref());
            Ok(Reply::json(200, json!({ KEY: [entry] })))
        }
        _ => Ok(Reply::no_content()),
    }
}

/// The reason of a lock or update body, with the body errors Zoho gives.
fn reason(body: &[u8]) -> Answer<String> {
    let body = parse_object(body)?;
    let list = items(&body, KEY, 1)?;
    let base = format!("$.{KEY}[0]");
    let Value::Object(item) = &list[0] else {
        return Err(E.wrong_type(KEY, &base, "jsonobject"));
    };
    let path = format!("{base}.Locked_Reason__s");
    match item.get("Locked_Reason__s") {
        None | Some(Value::Null) => Err(E.mandatory("Locked_Reason__s", &path)),
        Some(Value::String(s)) if s.trim().is_empty() => {
            Err(E.mandatory("Locked_Reason__s", &path))
        }
        Some(Value::String(s)) if s.chars().count() > MAX_REASON => Err(E.wrapped(
            "INVALID_DATA",
            "invalid data",
            at_with(
                "Locked_Reason__s",
                &path,
                json!({ "maximum_length": MAX_REASON }),
            ),
        )),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(E.wrong_type("Locked_Reason__s", &path, "textarea")),
    }
}

fn lock_record(state: &mut State, module: &str, record: &str, body: &[u8]) -> Answer {
    allowed(state, "permission denied to lock records")?;
    let (m, config, r) = target(state, module, record)?;
    let record_id = r.id.clone();
    let locked = r.lock.is_some();
    let reason = reason(body)?;
    let lock_type = state
        .locking
        .get(&m.api_name)
        .and_then(|c| c.get("lock_type"))
        .and_then(Value::as_str)
        .unwrap_or("manual");
    if lock_type == "automatic" {
        return Err(path_error(
            403,
            "NOT_ALLOWED",
            "record cannot be locked, only automatic locking is configured",
            1,
        ));
    }
    if locked {
        return Err(path_error(
            403,
            "NOT_ALLOWED",
            "record is already locked",
            1,
        ));
    }
    let me = state.dir.current_user().id.clone();
    let now = state.now();
    let lock = Lock {
        id: state.ids.next_id(),
        rule: None,
        locked_by: Some(me.clone()),
        reason: Some(reason),
        time: now.clone(),
        config,
    };
    let id = lock.id.clone();
    if let Some(r) = state
        .records
        .by_module
        .get_mut(&m.api_name)
        .and_then(|rs| rs.get_mut(&record_id))
    {
        r.lock = Some(lock);
    }
    let user = state.current_user();
    Ok(Reply::action(
        201,
        KEY,
        "SUCCESS",
        "record added",
        json!({
            "Modified_Time": now,
            "Modified_By": user,
            "Created_Time": now,
            "id": id,
            "Created_By": user,
        }),
    ))
}

fn update_reason(state: &mut State, module: &str, record: &str, lock: &str, body: &[u8]) -> Answer {
    allowed(state, "permission denied to change the reason of a lock")?;
    lock_id_shape(lock)?;
    let (m, _, r) = target(state, module, record)?;
    let l = existing_lock(r, lock)?;
    let automatic = l.is_automatic();
    let record_id = r.id.clone();
    let reason = reason(body)?;
    if automatic {
        return Err(path_error(
            403,
            "NOT_ALLOWED",
            "record is already locked",
            1,
        ));
    }
    if let Some(l) = state
        .records
        .by_module
        .get_mut(&m.api_name)
        .and_then(|rs| rs.get_mut(&record_id))
        .and_then(|r| r.lock.as_mut())
    {
        l.reason = Some(reason);
    }
    Ok(Reply::action(
        200,
        KEY,
        "SUCCESS",
        "relation updated",
        json!({ "id": lock }),
    ))
}

fn unlock(state: &mut State, module: &str, record: &str, lock: &str) -> Answer {
    allowed(state, "You do not have permission to unlock this record")?;
    lock_id_shape(lock)?;
    let (m, _, r) = target(state, module, record)?;
    let l = existing_lock(r, lock)?;
    if l.is_automatic() {
        return Err(path_error(
            403,
            "NOT_ALLOWED",
            "Automatically locked records can not be unlocked manually",
            1,
        ));
    }
    let record_id = r.id.clone();
    if let Some(r) = state
        .records
        .by_module
        .get_mut(&m.api_name)
        .and_then(|rs| rs.get_mut(&record_id))
    {
        r.lock = None;
    }
    Ok(Reply::action(
        200,
        KEY,
        "SUCCESS",
        "relation removed",
        json!({ "id": lock }),
    ))
}
