//! Default organization permissions: `GET` / `PUT /settings/data_sharing`.

use serde_json::{json, Value};
use zoho_crm_access::operations::Operation;

use super::ids::id_from_json;
use super::responses::{at, at_with, error_item, list_body, parse_object, Answer, Reply};
use super::state::State;

const KEY: &str = "data_sharing";
const SHARE_TYPES: &[&str] = &["private", "public_read_only", "public_read_write", "public"];
const MAX_ITEMS: usize = 100;

/// Answers one organization-permissions operation.
pub(crate) fn handle(state: &mut State, op: Operation, body: &[u8]) -> Reply {
    if state.no_permission {
        return Reply::flat(
            403,
            "NO_PERMISSION",
            "permission denied",
            json!({ "permissions": ["Crm_Implied_Manage_Data_Sharing"] }),
        );
    }
    let result = match op {
        Operation::GetOrgPermissions => Ok(get(state)),
        Operation::UpdateOrgPermissions => update(state, body),
        _ => Err(super::responses::not_implemented(op)),
    };
    result.unwrap_or_else(|r| r)
}

fn get(state: &State) -> Reply {
    let list: Vec<Value> = state
        .dir
        .modules
        .iter()
        .filter(|m| m.org_permissions)
        .map(|m| {
            json!({
                "share_type": state.share_types.get(&m.api_name).map_or(m.initial_share_type, String::as_str),
                "module": { "api_name": m.api_name, "id": m.id },
                "public_in_portals": m.public_in_portals,
                "rule_computation_running": state.computing.contains(&m.api_name),
            })
        })
        .collect();
    Reply::json(200, list_body(KEY, list))
}

fn update(state: &mut State, body: &[u8]) -> Answer {
    let body = parse_object(body)?;
    let path = format!("$.{KEY}");
    let list = match body.get(KEY) {
        None | Some(Value::Null) => {
            return Err(Reply::flat(
                400,
                "MANDATORY_NOT_FOUND",
                "required field not found",
                at(KEY, &path),
            ))
        }
        Some(Value::Array(a)) if a.is_empty() => {
            return Err(Reply::flat(
                400,
                "MANDATORY_NOT_FOUND",
                "required field not found",
                at(KEY, &path),
            ))
        }
        Some(Value::Array(a)) if a.len() > MAX_ITEMS => {
            return Err(Reply::flat(
                400,
                "INVALID_DATA",
                "invalid data",
                at_with(KEY, &path, json!({ "maximum_length": MAX_ITEMS })),
            ))
        }
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(Reply::flat(
                400,
                "INVALID_DATA",
                "invalid data",
                at_with(KEY, &path, json!({ "expected_data_type": "jsonarray" })),
            ))
        }
    };
    let mut results = Vec::with_capacity(list.len());
    let mut ok = 0;
    for (i, item) in list.iter().enumerate() {
        match item_change(state, item, &format!("$.{KEY}[{i}]")) {
            Ok((module, share_type)) => {
                state.share_types.insert(module.clone(), share_type);
                ok += 1;
                results.push(json!({
                    "code": "SUCCESS",
                    "details": { "module": module },
                    "message": "data sharing settings updated successfully",
                    "status": "success",
                }));
            }
            Err(error) => results.push(error),
        }
    }
    let status = match ok {
        0 => 400,
        n if n == results.len() => 200,
        _ => 207,
    };
    Ok(Reply::json(status, json!({ KEY: results })))
}

/// Checks one item; `Ok((module api name, share type))` or the per-item error object.
fn item_change(state: &State, item: &Value, base: &str) -> Result<(String, String), Value> {
    let err = |code: &str, message: &str, details: Value| error_item(code, message, details);
    let Value::Object(obj) = item else {
        return Err(err(
            "INVALID_DATA",
            "invalid data",
            at_with(KEY, base, json!({ "expected_data_type": "jsonobject" })),
        ));
    };
    let st_path = format!("{base}.share_type");
    let mod_path = format!("{base}.module");
    let share_type = match obj.get("share_type") {
        None | Some(Value::Null) => {
            return Err(err(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                at("share_type", &st_path),
            ))
        }
        Some(v) => v,
    };
    let module = match obj.get("module") {
        None | Some(Value::Null) => {
            return Err(err(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                at("module", &mod_path),
            ))
        }
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(err(
                "INVALID_DATA",
                "invalid data",
                at_with(
                    "module",
                    &mod_path,
                    json!({ "expected_data_type": "jsonobject" }),
                ),
            ))
        }
    };
    let id_path = format!("{mod_path}.id");
    let id = match module.get("id") {
        None | Some(Value::Null) => {
            return Err(err(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                at("id", &id_path),
            ))
        }
        Some(v) => id_from_json(v).ok_or_else(|| {
            err(
                "INVALID_DATA",
                "invalid data",
                at_with("id", &id_path, json!({ "expected_data_type": "bigint" })),
            )
        })?,
    };
    let api_name = match module.get("api_name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            return Err(err(
                "INVALID_DATA",
                "invalid data",
                at_with(
                    "api_name",
                    &format!("{mod_path}.api_name"),
                    json!({ "expected_data_type": "text" }),
                ),
            ))
        }
    };
    let found = state
        .dir
        .module_by_id(&id)
        .filter(|m| m.org_permissions && api_name.is_none_or(|a| a == m.api_name))
        .ok_or_else(|| err("INVALID_DATA", "invalid data", at("module", &mod_path)))?;
    let share_type = match share_type.as_str() {
        Some(s) if SHARE_TYPES.contains(&s) => s.to_owned(),
        _ => {
            return Err(err(
                "INVALID_DATA",
                "invalid data",
                at_with(
                    "share_type",
                    &st_path,
                    json!({ "regex": SHARE_TYPES.join("|") }),
                ),
            ))
        }
    };
    // Writing back the current value is not a change: always accepted.
    if state.share_types.get(&found.api_name) == Some(&share_type) {
        return Ok((found.api_name.clone(), share_type));
    }
    if !found.org_permissions_editable {
        return Err(err("INVALID_DATA", "invalid data", at("module", &mod_path)));
    }
    if found.public_in_portals {
        return Err(err(
            "NOT_ALLOWED",
            "Cannot change the data sharing setting as module is made public in portals",
            at("module", &mod_path),
        ));
    }
    Ok((found.api_name.clone(), share_type))
}
