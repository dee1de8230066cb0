//! The directory (read-only): roles, user groups and their members, profiles, modules, fields
//! and users, as Zoho's v8 settings and users APIs return them (see the spec's `Directory` tag
//! and `../shared/zoho-directory-facts.md`).
//!
//! What the simulator decides where Zoho documents nothing:
//! * malformed path ids answer `400 INVALID_DATA` with `details.resource_path_index` (2 below
//!   `/settings/...`, 1 below `/users`), well-formed unknown ones 204 where Zoho documents a 204
//!   for "not found" (role, group, field, user) and `INVALID_DATA` where it documents that
//!   (profile: "invalid or already deleted"; a group's sources and their count);
//! * a page past the last answers 204 for groups, sources and users, and an empty page
//!   (`profiles: []`) for profiles, whose list documents no 204;
//! * `filters` (groups, profiles) is JSON criteria on `id`, `name` (groups and profiles) and
//!   `api_name` (profiles) with `equal`, `not_equal`, `in`, `contains`, `starts_with`,
//!   `ends_with`, combined with `group_operator` `and` / `or`; anything else is
//!   `400 INVALID_DATA` (`details.param_name` `filters`);
//! * the simulated org knows no module features (`feature_name` is always `INVALID_DATA`), no
//!   custom views of users (`query_id` is `INVALID_DATA` once `child_data` is given), no
//!   territories and no unused fields; `include`, `fields`, `include_inner_details` and
//!   `user_type` are accepted and add nothing, but an empty value of any of them (or of
//!   `type__s`) is `400 INVALID_DATA`: what Zoho answers is undocumented, and the simulator
//!   follows the spec's `minLength: 1`;
//! * every token belongs to the org's first user (`CurrentUser`); `zuid` is derived from the
//!   e-mail address, so a person has the same `zuid` in every org seed.

use serde_json::{json, Map, Value};
use zoho_crm_access::operations::Operation;

use super::catalogue::{module_name, FieldInfo, FieldKind, ModuleInfo, NamedItem, OrgDirectory};
use super::ids::{is_well_formed, IdGenerator};
use super::responses::{
    invalid_param, not_implemented, page_of, paging, required_param_missing, Answer, Reply,
    MAX_PER_PAGE,
};
use super::server::Query;
use super::state::State;

/// Answers one directory operation (the spec's `Directory` tag).
pub(crate) fn handle(state: &State, op: Operation, id: Option<&str>, q: &Query) -> Reply {
    use Operation::*;
    let id = id.unwrap_or_default();
    // Query values the spec gives `minLength: 1`, which the simulator otherwise ignores: an
    // empty one is refused as an invalid value is, naming the parameter.
    if let Some(empty) = NON_EMPTY_PARAMS
        .iter()
        .find(|p| q.get(**p).is_some_and(String::is_empty))
    {
        return invalid_param(empty, "invalid data");
    }
    let org = Org {
        dir: &state.dir,
        created: org_created(state),
    };
    let result = match op {
        GetRoles => Ok(org.roles()),
        GetRole => org.role(id),
        GetUserGroups => org.groups(q),
        GetGroup => org.group(id, q),
        GetUserGroupSources => org.sources(id, q),
        GetUserGroupSourcesCount => org.sources_count(id),
        GetProfiles => org.profiles(q),
        GetProfile => org.profile(id),
        GetModules => org.modules(q),
        GetModuleByApiName => org.module(id),
        GetFields => org.fields(q),
        GetFieldsWithId => org.field(id, q),
        GetUsers => org.users(q),
        GetSingleUser => org.user(id),
        _ => Err(not_implemented(op)),
    };
    result.unwrap_or_else(|r| r)
}

/// When the simulated org's built-in items were set up: a fixed moment in the org's offset, so
/// the answers do not change from one call to the next.
fn org_created(state: &State) -> String {
    chrono::DateTime::from_timestamp(1_705_311_000, 0)
        .unwrap_or_default()
        .with_timezone(&state.offset)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Query parameters of the directory that the spec gives `minLength: 1` and the simulated org
/// accepts without acting on them (see the module docs).
const NON_EMPTY_PARAMS: [&str; 5] = [
    "include",
    "fields",
    "include_inner_details",
    "type__s",
    "user_type",
];

/// Most user ids in `ids` (Zoho's OpenAPI file).
const MAX_USER_IDS: usize = 100;
/// Longest `filters`, `ids` and `name` values of the group list (Zoho's OpenAPI file).
const MAX_GROUP_PARAM: usize = 250;
/// Deepest nesting of `filters` groups the simulator reads.
const MAX_FILTER_DEPTH: usize = 8;

/// 400 `INVALID_DATA` for a malformed or unknown path id.
fn bad_path_id(index: u32, message: &str) -> Reply {
    Reply::flat(
        400,
        "INVALID_DATA",
        message,
        json!({ "resource_path_index": index }),
    )
}

fn named_ref(item: &NamedItem) -> Value {
    json!({ "id": item.id, "name": item.name })
}

/// An e-mail address -> a stable 8-digit number: the same person has the same Zoho account id in every
/// simulated org.
fn zuid(email: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in email.to_ascii_lowercase().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (10_000_000 + h % 90_000_000).to_string()
}

/// `Sales Representative` -> `sales_representative`.
fn snake_name(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

/// One criterion or group of `filters`, read from JSON.
enum Filter {
    Condition {
        field: String,
        comparator: String,
        value: Value,
    },
    Group {
        any: bool,
        members: Vec<Filter>,
    },
}

const FILTER_COMPARATORS: &[&str] = &[
    "equal",
    "not_equal",
    "in",
    "contains",
    "starts_with",
    "ends_with",
];

fn bad_filters(message: &str) -> Reply {
    invalid_param("filters", message)
}

/// Parses `filters` for an item with the keys in `fields`.
fn parse_filters(raw: &str, fields: &[&str]) -> Answer<Filter> {
    let value: Value = serde_json::from_str(raw)
        .map_err(|_| bad_filters("The given filters is not a valid json"))?;
    read_filter(&value, fields, 0)
}

fn read_filter(v: &Value, fields: &[&str], depth: usize) -> Answer<Filter> {
    let invalid = || bad_filters("invalid data");
    if depth > MAX_FILTER_DEPTH {
        return Err(invalid());
    }
    let obj = v.as_object().ok_or_else(invalid)?;
    if let Some(group) = obj.get("group") {
        let any = match obj.get("group_operator").and_then(Value::as_str) {
            Some(op) if op.eq_ignore_ascii_case("or") => true,
            Some(op) if op.eq_ignore_ascii_case("and") => false,
            _ => return Err(invalid()),
        };
        let members = group
            .as_array()
            .filter(|m| !m.is_empty())
            .ok_or_else(invalid)?
            .iter()
            .map(|m| read_filter(m, fields, depth + 1))
            .collect::<Answer<Vec<_>>>()?;
        return Ok(Filter::Group { any, members });
    }
    let field = obj
        .get("field")
        .and_then(|f| f.get("api_name"))
        .and_then(Value::as_str)
        .filter(|f| fields.contains(f))
        .ok_or_else(invalid)?;
    let comparator = obj
        .get("comparator")
        .and_then(Value::as_str)
        .filter(|c| FILTER_COMPARATORS.contains(c))
        .ok_or_else(invalid)?;
    let value = obj.get("value").cloned().ok_or_else(invalid)?;
    let value_ok = match comparator {
        "in" => value
            .as_array()
            .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string)),
        _ => value.is_string(),
    };
    if !value_ok {
        return Err(invalid());
    }
    Ok(Filter::Condition {
        field: field.to_owned(),
        comparator: comparator.to_owned(),
        value,
    })
}

impl Filter {
    fn matches(&self, item: &Value) -> bool {
        match self {
            Filter::Group { any: true, members } => members.iter().any(|m| m.matches(item)),
            Filter::Group {
                any: false,
                members,
            } => members.iter().all(|m| m.matches(item)),
            Filter::Condition {
                field,
                comparator,
                value,
            } => {
                let actual = item.get(field).and_then(Value::as_str).unwrap_or_default();
                let want = value.as_str().unwrap_or_default();
                match comparator.as_str() {
                    "equal" => actual == want,
                    "not_equal" => actual != want,
                    "contains" => actual.contains(want),
                    "starts_with" => actual.starts_with(want),
                    "ends_with" => actual.ends_with(want),
                    _ => value
                        .as_array()
                        .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(actual))),
                }
            }
        }
    }
}

/// The org's directory, answering in Zoho's shapes.
struct Org<'a> {
    dir: &'a OrgDirectory,
    created: String,
}

impl Org<'_> {
    fn user_ref(&self, id: &str) -> Value {
        self.dir
            .users
            .iter()
            .find(|u| u.id == id)
            .map_or(Value::Null, named_ref)
    }

    fn admin_ref(&self) -> Value {
        named_ref(self.dir.current_user())
    }

    // ------------------------------------------------------------------ roles

    fn role_json(&self, role: &NamedItem) -> Value {
        let details = self.dir.role_details(&role.id);
        let parent = details
            .and_then(|d| d.reporting_to.as_deref())
            .and_then(|p| self.dir.roles.iter().find(|r| r.id == p));
        json!({
            "id": role.id,
            "name": role.name,
            "display_label": role.name,
            "api_name": snake_name(&role.name),
            "description": details.map(|d| d.description.clone()),
            "share_with_peers": details.is_some_and(|d| d.share_with_peers),
            "reporting_to": parent.map_or(Value::Null, named_ref),
            "forecast_manager": null,
            "created_by__s": if parent.is_some() { self.admin_ref() } else { Value::Null },
            "modified_by__s": null,
            "created_time__s": if parent.is_some() { Value::from(self.created.clone()) } else { Value::Null },
            "modified_time__s": null,
        })
    }

    fn roles(&self) -> Reply {
        let roles: Vec<Value> = self.dir.roles.iter().map(|r| self.role_json(r)).collect();
        Reply::json(200, json!({ "roles": roles }))
    }

    fn role(&self, id: &str) -> Answer {
        if !is_well_formed(id) {
            return Err(bad_path_id(2, "the id given seems to be invalid"));
        }
        Ok(match self.dir.roles.iter().find(|r| r.id == id) {
            Some(r) => Reply::json(200, json!({ "roles": [self.role_json(r)] })),
            None => Reply::no_content(),
        })
    }

    // ----------------------------------------------------------- user groups

    fn group_json(&self, group: &NamedItem, counts: bool) -> Value {
        let details = self.dir.group_details(&group.id);
        let mut g = json!({
            "id": group.id,
            "name": group.name,
            "description": details.map(|d| d.description.clone()),
            "created_by": self.admin_ref(),
            "modified_by": null,
            "created_time": self.created,
            "modified_time": null,
        });
        if counts {
            let n = |kind: &str| {
                details.map_or(0, |d| d.members.iter().filter(|m| m.kind == kind).count())
            };
            // In a group, Zoho gives `users` as one number (see the spec's SourcesCount).
            g["sources_count"] = json!({
                "users": n("users"),
                "roles": n("roles"),
                "territories": 0,
                "groups": n("groups"),
            });
        }
        g
    }

    /// `include`: `sources_count` adds the counts; `sources` is accepted and adds nothing.
    fn include_counts(q: &Query) -> Answer<bool> {
        match q.get("include").map(String::as_str) {
            None | Some("sources") => Ok(false),
            Some("sources_count") => Ok(true),
            Some(_) => Err(invalid_param("include", "invalid data")),
        }
    }

    fn groups(&self, q: &Query) -> Answer {
        let (page, per_page) = paging(q)?;
        let counts = Self::include_counts(q)?;
        for name in ["name", "ids", "filters"] {
            if q.get(name)
                .is_some_and(|v| v.is_empty() || v.len() > MAX_GROUP_PARAM)
            {
                return Err(invalid_param(name, "invalid data"));
            }
        }
        let ids: Option<Vec<&str>> = q.get("ids").map(|s| s.split(',').collect());
        if ids
            .as_ref()
            .is_some_and(|l| !l.iter().all(|i| is_well_formed(i)))
        {
            return Err(invalid_param("ids", "invalid data"));
        }
        let filter = q
            .get("filters")
            .map(|f| parse_filters(f, &["id", "name"]))
            .transpose()?;
        let items: Vec<Value> = self
            .dir
            .groups
            .iter()
            .filter(|g| q.get("name").is_none_or(|n| *n == g.name))
            .filter(|g| ids.as_ref().is_none_or(|l| l.contains(&g.id.as_str())))
            .filter(|g| {
                filter
                    .as_ref()
                    .is_none_or(|f| f.matches(&json!({ "id": g.id, "name": g.name })))
            })
            .map(|g| self.group_json(g, counts))
            .collect();
        Ok(page_of("user_groups", items, page, per_page)
            .map_or_else(Reply::no_content, |b| Reply::json(200, Value::Object(b))))
    }

    /// The group with this path id: `Ok(None)` for a well-formed unknown id.
    fn find_group(&self, id: &str) -> Answer<Option<&NamedItem>> {
        if !is_well_formed(id) {
            return Err(bad_path_id(2, "The provided group ID is invalid."));
        }
        Ok(self.dir.groups.iter().find(|g| g.id == id))
    }

    fn group(&self, id: &str, q: &Query) -> Answer {
        let counts = Self::include_counts(q)?;
        Ok(match self.find_group(id)? {
            Some(g) => Reply::json(
                200,
                json!({
                    "user_groups": [self.group_json(g, counts)],
                    "info": { "per_page": MAX_PER_PAGE, "count": 1, "page": 1, "more_records": false },
                }),
            ),
            None => Reply::no_content(),
        })
    }

    fn sources(&self, id: &str, q: &Query) -> Answer {
        let group = self
            .find_group(id)?
            .ok_or_else(|| bad_path_id(2, "The provided group ID is invalid."))?;
        let kind = match q.get("type").map(String::as_str) {
            None => None,
            Some(k @ ("users" | "roles" | "territories" | "groups")) => Some(k),
            Some(_) => {
                return Err(Reply::flat(
                    400,
                    "PATTERN_NOT_MATCHED",
                    "invalid data",
                    json!({ "regex": "users|roles|groups|territories", "param_name": "type" }),
                ))
            }
        };
        let (page, per_page) = paging(q)?;
        let members = self
            .dir
            .group_details(&group.id)
            .map(|d| d.members.as_slice())
            .unwrap_or_default();
        let items: Vec<Value> = members
            .iter()
            .filter(|m| kind.is_none_or(|k| k == m.kind))
            .map(|m| {
                let pool = match m.kind {
                    "users" => &self.dir.users,
                    "roles" => &self.dir.roles,
                    _ => &self.dir.groups,
                };
                let source = pool
                    .iter()
                    .find(|x| x.id == m.id)
                    .map_or(Value::Null, named_ref);
                let mut s = json!({ "source": source, "type": m.kind });
                if m.kind == "roles" {
                    s["subordinates"] = m.subordinates.into();
                }
                s
            })
            .collect();
        Ok(page_of("sources", items, page, per_page)
            .map_or_else(Reply::no_content, |b| Reply::json(200, Value::Object(b))))
    }

    fn sources_count(&self, id: &str) -> Answer {
        let group = self
            .find_group(id)?
            .ok_or_else(|| bad_path_id(2, "The provided group ID is invalid."))?;
        let members = self
            .dir
            .group_details(&group.id)
            .map(|d| d.members.as_slice())
            .unwrap_or_default();
        let count = |kind: &str| members.iter().filter(|m| m.kind == kind).count();
        let users_with = |status: &str| {
            members
                .iter()
                .filter(|m| m.kind == "users")
                .filter(|m| {
                    self.dir
                        .user_details(&m.id)
                        .is_some_and(|u| u.status == status)
                })
                .count()
        };
        Ok(Reply::json(
            200,
            json!({ "sources_count": [{
                "territories": 0,
                "roles": count("roles"),
                "groups": count("groups"),
                "users": { "active": users_with("active"), "inactive": users_with("inactive"), "deleted": 0 },
            }]}),
        ))
    }

    // -------------------------------------------------------------- profiles

    fn profile_json(&self, profile: &NamedItem, full: bool) -> Value {
        let d = self.dir.profile_details(&profile.id);
        let custom = d.is_some_and(|d| d.custom);
        let mut p = json!({
            "id": profile.id,
            "name": profile.name,
            "display_label": profile.name,
            "api_name": d.map_or_else(|| profile.name.clone(), |d| d.api_name.clone()),
            "description": d.map(|d| d.description.clone()),
            "custom": custom,
            "type": d.map_or("normal_profile", |d| d.kind),
            "created_time": if custom { Value::from(self.created.clone()) } else { Value::Null },
            "modified_time": null,
            "created_by": if custom { self.admin_ref() } else { Value::Null },
            "modified_by": null,
        });
        if full {
            let permissions: Vec<Value> = self
                .dir
                .permissions
                .iter()
                .map(|perm| {
                    let enabled = match &perm.module {
                        // A normal profile may do everything a lite one only view, unless the
                        // profile says otherwise for the module.
                        Some(m) => self.dir.profile_allows(&profile.id, m, &perm.display_label),
                        None => d.is_some_and(|d| d.org_permissions.contains(&perm.name.as_str())),
                    };
                    json!({
                        "id": perm.id,
                        "name": perm.name,
                        "display_label": perm.display_label,
                        "module": perm.module,
                        "enabled": enabled,
                        "customizable": perm.module.is_some(),
                        "parent_permissions": perm.parent.as_ref().map(|p| vec![p.clone()]),
                    })
                })
                .collect();
            let categories: Vec<Value> = self
                .dir
                .modules
                .iter()
                .map(|m| {
                    let ids: Vec<&str> = self
                        .dir
                        .permissions
                        .iter()
                        .filter(|perm| perm.module.as_deref() == Some(m.api_name.as_str()))
                        .map(|perm| perm.id.as_str())
                        .collect();
                    json!({
                        "name": module_name(m),
                        "display_label": m.name,
                        "module": m.api_name,
                        "permissions_details": ids,
                    })
                })
                .collect();
            p["permissions_details"] = Value::Array(permissions);
            p["sections"] = json!([{ "name": "module", "categories": categories }]);
        }
        p
    }

    fn profiles(&self, q: &Query) -> Answer {
        let (page, per_page) = paging(q)?;
        let kind = match q.get("type").map(String::as_str) {
            None => None,
            Some(k @ ("private_profile" | "normal_profile" | "portal_profile")) => Some(k),
            Some(_) => return Err(invalid_param("type", "invalid data")),
        };
        let mut lite = false;
        if let Some(include) = q.get("include_types") {
            for t in include.split(',') {
                match t {
                    "Lite" => lite = true,
                    // The simulated org has no Support profiles.
                    "Support" => {}
                    _ => return Err(invalid_param("include_types", "invalid data")),
                }
            }
        }
        let filter = q
            .get("filters")
            .map(|f| parse_filters(f, &["id", "name", "api_name"]))
            .transpose()?;
        let items: Vec<Value> = self
            .dir
            .profiles
            .iter()
            .map(|p| self.profile_json(p, false))
            .filter(|p| {
                let t = p["type"].as_str().unwrap_or_default();
                match kind {
                    Some(k) => t == k,
                    None => t != "lite_profile" || lite,
                }
            })
            .filter(|p| filter.as_ref().is_none_or(|f| f.matches(p)))
            .collect();
        let license_limit = 200;
        let body = page_of("profiles", items, page, per_page).unwrap_or_else(|| {
            let mut b = Map::new();
            b.insert("profiles".into(), json!([]));
            b.insert(
                "info".into(),
                json!({ "per_page": per_page, "count": 0, "page": page, "more_records": false }),
            );
            b
        });
        let mut body = Value::Object(body);
        body["info"]["license_limit"] = license_limit.into();
        Ok(Reply::json(200, body))
    }

    fn profile(&self, id: &str) -> Answer {
        let invalid = || bad_path_id(2, "the id given seems to be invalid or already deleted");
        if !is_well_formed(id) {
            return Err(invalid());
        }
        let p = self
            .dir
            .profiles
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(invalid)?;
        Ok(Reply::json(
            200,
            json!({ "profiles": [self.profile_json(p, true)] }),
        ))
    }

    // --------------------------------------------------------------- modules

    fn module_json(&self, index: usize, m: &ModuleInfo) -> Value {
        let singular = m.name.strip_suffix('s').unwrap_or(&m.name).to_owned();
        let profiles: Vec<Value> = self
            .dir
            .profiles
            .iter()
            .filter(|p| {
                self.dir
                    .profile_details(&p.id)
                    .is_none_or(|d| d.kind != "lite_profile")
            })
            .map(named_ref)
            .collect();
        let custom = module_name(m).starts_with("CustomModule");
        json!({
            "id": m.id,
            "api_name": m.api_name,
            "module_name": module_name(m),
            "singular_label": singular,
            "plural_label": m.name,
            "actual_singular_label": singular,
            "actual_plural_label": m.name,
            "generated_type": if custom { "custom" } else { "default" },
            "status": "visible",
            "access_type": "org_based",
            "api_supported": true,
            "visibility": 1,
            "sequence_number": index + 1,
            "description": null,
            "parent_module": {},
            "profile_count": profiles.len(),
            "profiles": profiles,
            "private_profile": null,
            "web_link": null,
            "creatable": true,
            "editable": true,
            "deletable": true,
            "viewable": true,
            "convertable": m.api_name == "Leads",
            "quick_create": true,
            "show_as_tab": true,
            "global_search_supported": true,
            "modified_time": null,
            "modified_by": null,
        })
    }

    fn modules(&self, q: &Query) -> Answer {
        const STATUSES: [&str; 4] = [
            "visible",
            "user_hidden",
            "system_hidden",
            "scheduled_for_deletion",
        ];
        let wanted: Option<Vec<&str>> = match q.get("status") {
            None => None,
            Some(list) => {
                let items: Vec<&str> = list.split(',').collect();
                if let Some(i) = items.iter().position(|s| !STATUSES.contains(s)) {
                    return Err(Reply::flat(
                        400,
                        "INVALID_DATA",
                        "The status given is invalid.",
                        json!({ "index": i, "supported_values": STATUSES, "param_name": "status" }),
                    ));
                }
                Some(items)
            }
        };
        if q.contains_key("feature_name") {
            // The simulated org knows no module features.
            return Err(Reply::flat(
                400,
                "INVALID_DATA",
                "the given feature name is invalid",
                json!({}),
            ));
        }
        let items: Vec<Value> = self
            .dir
            .modules
            .iter()
            .enumerate()
            .filter(|_| wanted.as_ref().is_none_or(|w| w.contains(&"visible")))
            .map(|(i, m)| self.module_json(i, m))
            .collect();
        if items.is_empty() {
            return Ok(Reply::no_content());
        }
        Ok(Reply::json(200, json!({ "modules": items })))
    }

    fn module(&self, ident: &str) -> Answer {
        let found = self.dir.modules.iter().enumerate().find(|(_, m)| {
            if is_well_formed(ident) {
                m.id == ident
            } else {
                m.api_name == ident
            }
        });
        match found {
            Some((i, m)) => Ok(Reply::json(
                200,
                json!({ "modules": [self.module_json(i, m)] }),
            )),
            None => Err(Reply::flat(
                400,
                "INVALID_MODULE",
                "the module name given seems to be invalid",
                json!({ "resource_path_index": 2 }),
            )),
        }
    }

    // ---------------------------------------------------------------- fields

    /// The `module` of a fields call, and the `type` it asks for (`used` by default).
    fn fields_module(&self, q: &Query) -> Answer<(&ModuleInfo, &'static str)> {
        let name = match q.get("module") {
            Some(m) if !m.is_empty() => m,
            _ => return Err(required_param_missing("module")),
        };
        let module = self.dir.module(name).ok_or_else(|| {
            Reply::flat(
                400,
                "INVALID_MODULE",
                "the module name given seems to be invalid",
                json!({}),
            )
        })?;
        let kind = match q.get("type").map(String::as_str) {
            None | Some("used") => "used",
            Some("unused") => "unused",
            Some("all") => "all",
            Some(_) => return Err(invalid_param("type", "invalid data")),
        };
        match q.get("include").map(String::as_str) {
            None | Some("allowed_permissions_to_update") => {}
            Some(_) => return Err(invalid_param("include", "invalid data")),
        }
        Ok((module, kind))
    }

    fn field_json(&self, m: &ModuleInfo, f: &FieldInfo) -> Value {
        let (data_type, json_type) = data_type(m, f);
        let read_only = f.kind == FieldKind::ReadOnly;
        let label = if f.api_name == "Owner" {
            format!("{} Owner", m.name.strip_suffix('s').unwrap_or(&m.name))
        } else {
            f.api_name.replace('_', " ")
        };
        let profiles: Vec<Value> = self
            .dir
            .profiles
            .iter()
            .map(|p| {
                json!({
                    "id": p.id,
                    "name": p.name,
                    "permission_type": if read_only { "read_only" } else { "read_write" },
                })
            })
            .collect();
        let lookup = lookup_target(m, &f.api_name)
            .and_then(|target| self.dir.module(target))
            .map_or_else(
                || json!({}),
                |t| json!({ "module": { "api_name": t.api_name, "id": t.id }, "api_name": f.api_name }),
            );
        json!({
            "id": f.id,
            "api_name": f.api_name,
            "field_label": label,
            "display_label": label,
            "data_type": data_type,
            "json_type": json_type,
            "column_name": f.api_name.to_ascii_uppercase(),
            "custom_field": false,
            "type": "used",
            "visible": true,
            "read_only": read_only,
            "field_read_only": read_only,
            "system_mandatory": false,
            "length": 255,
            "decimal_place": if data_type == "currency" { Value::from(2) } else { Value::Null },
            "created_source": "default",
            "created_time": null,
            "modified_time": null,
            "profiles": profiles,
            "parent_field": null,
            "lookup": lookup,
            "pick_list_values": pick_list_values(&f.api_name),
            "searchable": f.kind != FieldKind::Special || f.api_name == "Owner",
            "sortable": true,
            "filterable": true,
            "mass_update": f.kind == FieldKind::Editable,
        })
    }

    fn fields(&self, q: &Query) -> Answer {
        let (m, kind) = self.fields_module(q)?;
        if kind == "unused" {
            // The simulated org has no unused fields.
            return Ok(Reply::no_content());
        }
        let fields: Vec<Value> = m.fields.iter().map(|f| self.field_json(m, f)).collect();
        Ok(Reply::json(200, json!({ "fields": fields })))
    }

    fn field(&self, id: &str, q: &Query) -> Answer {
        let (m, _) = self.fields_module(q)?;
        if !is_well_formed(id) {
            return Err(bad_path_id(2, "the id given seems to be invalid"));
        }
        Ok(match m.field_by_id(id) {
            Some(f) => Reply::json(200, json!({ "fields": [self.field_json(m, f)] })),
            None => Reply::no_content(),
        })
    }

    // ----------------------------------------------------------------- users

    fn user_json(&self, u: &NamedItem) -> Value {
        let d = self.dir.user_details(&u.id);
        let by_id = |list: &[NamedItem], id: Option<&str>| {
            id.and_then(|id| list.iter().find(|x| x.id == id))
                .map_or(Value::Null, named_ref)
        };
        json!({
            "id": u.id,
            "full_name": u.name,
            "first_name": d.map(|d| d.first_name.clone()),
            "last_name": d.map_or_else(|| u.name.clone(), |d| d.last_name.clone()),
            "email": d.map(|d| d.email.clone()),
            "status": d.map_or("active", |d| d.status),
            "confirm": d.is_none_or(|d| d.confirmed),
            "role": by_id(&self.dir.roles, d.map(|d| d.role.as_str())),
            "profile": by_id(&self.dir.profiles, d.map(|d| d.profile.as_str())),
            "zuid": d.filter(|d| d.confirmed).map(|d| zuid(&d.email)),
            "type__s": "Regular User",
            "alias": null,
            "phone": null,
            "mobile": null,
            "locale": "en_US",
            "status_reason__s": null,
            "Reporting_To": d.and_then(|d| d.reporting_to.as_deref()).map_or(Value::Null, |m| self.user_ref(m)),
            "created_by": self.admin_ref(),
            "Modified_By": self.admin_ref(),
            "created_time": self.created,
            "Modified_Time": self.created,
        })
    }

    fn users(&self, q: &Query) -> Answer {
        const TYPES: &[&str] = &[
            "AllUsers",
            "ActiveUsers",
            "DeactiveUsers",
            "DeletedUsers",
            "NotConfirmedUsers",
            "ConfirmedUsers",
            "ActiveConfirmedUsers",
            "AdminUsers",
            "ActiveConfirmedAdmins",
            "DeveloperUsers",
            "AllActiveUsers",
            "ActiveLiteUser",
            "ActiveAndDeactive",
            "CurrentUser",
            "ChildRoleUsers",
            "ParentRoleUsers",
            "SubordinateRoleUsers",
            "ConfirmedReportingUsers",
        ];
        let kind = match q.get("type").map(String::as_str) {
            None => "AllUsers",
            Some(t) if TYPES.contains(&t) => t,
            Some(_) => return Err(invalid_param("type", "invalid data")),
        };
        let (page, per_page) = paging(q)?;
        if q.contains_key("query_id") {
            if !q.contains_key("child_data") {
                return Err(Reply::flat(
                    400,
                    "DEPENDENT_PARAM_MISSING",
                    "Dependent Param missing",
                    json!({ "dependee": { "param_name": "child_data" }, "param_name": "query_id" }),
                ));
            }
            // The simulated org has no custom views of users.
            return Err(invalid_param("query_id", "Invalid queryId"));
        }
        for flag in ["include_lite_users", "child_data"] {
            if q.get(flag).is_some_and(|v| v != "true" && v != "false") {
                return Err(invalid_param(flag, "invalid data"));
            }
        }
        let ids: Option<Vec<&str>> = q.get("ids").map(|s| s.split(',').collect());
        if let Some(list) = &ids {
            if list.len() > MAX_USER_IDS || !list.iter().all(|i| is_well_formed(i)) {
                return Err(invalid_param("ids", "invalid data"));
            }
        }
        let relative_roles: Option<Vec<String>> = match kind {
            "ChildRoleUsers" | "ParentRoleUsers" | "SubordinateRoleUsers" => {
                let role = q.get("role_id").ok_or_else(|| {
                    Reply::flat(
                        400,
                        "DEPENDENT_PARAM_MISSING",
                        "Dependent Param missing",
                        json!({ "dependee": { "param_name": "type" }, "param_name": "role_id" }),
                    )
                })?;
                let details = self
                    .dir
                    .role_details(role)
                    .filter(|_| is_well_formed(role))
                    .ok_or_else(|| invalid_param("role_id", "invalid data"))?;
                Some(match kind {
                    "ChildRoleUsers" => self
                        .dir
                        .role_details
                        .iter()
                        .filter(|r| r.reporting_to.as_deref() == Some(role.as_str()))
                        .map(|r| r.id.clone())
                        .collect(),
                    "ParentRoleUsers" => details.reporting_to.iter().cloned().collect(),
                    _ => self.dir.subordinate_roles(role),
                })
            }
            _ => {
                if q.get("role_id").is_some_and(|r| !is_well_formed(r)) {
                    return Err(invalid_param("role_id", "invalid data"));
                }
                None
            }
        };
        let me = self.dir.current_user().id.clone();
        let admin_profile = self
            .dir
            .profiles
            .iter()
            .find(|p| p.name == "Administrator")
            .map(|p| p.id.clone());
        let items: Vec<Value> = self
            .dir
            .users
            .iter()
            .filter(|u| {
                let Some(d) = self.dir.user_details(&u.id) else {
                    return kind == "AllUsers";
                };
                let active = d.status == "active";
                let admin = Some(&d.profile) == admin_profile.as_ref();
                match kind {
                    "AllUsers" | "ActiveAndDeactive" => true,
                    "ActiveUsers" | "AllActiveUsers" => active,
                    "DeactiveUsers" => d.status == "inactive",
                    "NotConfirmedUsers" => !d.confirmed,
                    "ConfirmedUsers" => d.confirmed,
                    "ActiveConfirmedUsers" => active && d.confirmed,
                    "AdminUsers" => admin,
                    "ActiveConfirmedAdmins" => admin && active && d.confirmed,
                    "CurrentUser" => u.id == me,
                    "ConfirmedReportingUsers" => {
                        d.confirmed && d.reporting_to.as_deref() == Some(me.as_str())
                    }
                    "ChildRoleUsers" | "ParentRoleUsers" | "SubordinateRoleUsers" => {
                        relative_roles.as_ref().is_some_and(|r| r.contains(&d.role))
                    }
                    // Deleted, developer and lite users: the simulated org has none.
                    _ => false,
                }
            })
            .filter(|u| ids.as_ref().is_none_or(|l| l.contains(&u.id.as_str())))
            .filter(|_| q.get("type__s").is_none_or(|t| t == "Regular User"))
            .map(|u| self.user_json(u))
            .collect();
        Ok(page_of("users", items, page, per_page)
            .map_or_else(Reply::no_content, |b| Reply::json(200, Value::Object(b))))
    }

    fn user(&self, id: &str) -> Answer {
        if !is_well_formed(id) {
            return Err(bad_path_id(1, "the id given seems to be invalid"));
        }
        Ok(match self.dir.users.iter().find(|u| u.id == id) {
            Some(u) => Reply::json(200, json!({ "users": [self.user_json(u)] })),
            None => Reply::no_content(),
        })
    }
}

/// Zoho's data type and JSON type of a catalogue field, from its API name.
fn data_type(m: &ModuleInfo, f: &FieldInfo) -> (&'static str, &'static str) {
    let name = f.api_name.as_str();
    if lookup_target(m, name).is_some() {
        return ("lookup", "jsonobject");
    }
    match name {
        "Owner" | "Created_By" | "Modified_By" => ("ownerlookup", "jsonobject"),
        "Tag" => ("text", "jsonarray"),
        "What_Id" | "Who_Id" => ("lookup", "jsonobject"),
        "Description" | "Question" | "Answer" => ("textarea", "string"),
        "Email" => ("email", "string"),
        "Phone" | "Mobile" => ("phone", "string"),
        "Website" => ("website", "string"),
        "All_day" | "Active" | "Product_Active" => ("boolean", "boolean"),
        "Probability" | "No_of_Employees" | "Employees" | "Qty_in_Stock" | "Call_Duration" => {
            ("integer", "integer")
        }
        _ if pick_list(name).is_some() => ("picklist", "string"),
        _ if name.ends_with("_Time") || name.ends_with("DateTime") => ("datetime", "string"),
        _ if name.ends_with("Date")
            || name.ends_with("_Date")
            || name == "Valid_Till"
            || name == "Date_of_Birth" =>
        {
            ("date", "string")
        }
        _ if name.contains("Amount")
            || name.contains("Revenue")
            || name.contains("Price")
            || name.contains("Cost")
            || name.contains("Total")
            || name == "Budget" =>
        {
            ("currency", "double")
        }
        _ => ("text", "string"),
    }
}

/// The module a lookup field of `m` points at.
fn lookup_target(m: &ModuleInfo, field: &str) -> Option<&'static str> {
    let target = match field {
        "Account_Name" => "Accounts",
        "Contact_Name" => "Contacts",
        "Deal_Name" => "Deals",
        "Vendor_Name" => "Vendors",
        "Product_Name" => "Products",
        _ => return None,
    };
    // A module's own name field is text, not a lookup.
    (target != m.api_name).then_some(target)
}

/// The pick-list values the simulated org has, for the fields it knows them for.
fn pick_list(field: &str) -> Option<&'static [&'static str]> {
    Some(match field {
        "Stage" => &[
            "Qualification",
            "Needs Analysis",
            "Proposal/Price Quote",
            "Negotiation/Review",
            "Closed Won",
            "Closed Lost",
            "Closed-Lost to Competition",
        ],
        "Lead_Status" => &[
            "Not Contacted",
            "Attempted to Contact",
            "Contacted",
            "Junk Lead",
            "Lost Lead",
            "Pre-Qualified",
        ],
        "Lead_Source" => &[
            "Advertisement",
            "Cold Call",
            "Employee Referral",
            "Partner",
            "Web Download",
        ],
        "Rating" => &["Acquired", "Active", "Market Failed", "Project Cancelled"],
        "Priority" => &["High", "Highest", "Low", "Lowest", "Normal"],
        "Industry" => &[
            "Banking",
            "Government",
            "Manufacturing",
            "Retail",
            "Technology",
        ],
        _ => return None,
    })
}

/// `pick_list_values` of a field: `[]` unless it is a pick list (the simulator's values carry
/// no ids).
fn pick_list_values(field: &str) -> Value {
    pick_list(field).map_or_else(
        || json!([]),
        |values| {
            values
                .iter()
                .map(|v| json!({ "actual_value": v, "display_value": v }))
                .collect()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_read_and_applied() {
        let f = parse_filters(
            r#"{"group_operator":"or","group":[{"field":{"api_name":"name"},"comparator":"equal","value":"A"},{"field":{"api_name":"name"},"comparator":"starts_with","value":"B"}]}"#,
            &["name"],
        )
        .unwrap_or_else(|_| panic!("valid filters"));
        assert!(f.matches(&json!({ "name": "A" })));
        assert!(f.matches(&json!({ "name": "Bee" })));
        assert!(!f.matches(&json!({ "name": "C" })));
        for bad in [
            "not json",
            r#"{"field":{"api_name":"colour"},"comparator":"equal","value":"x"}"#,
            r#"{"field":{"api_name":"name"},"comparator":"like","value":"x"}"#,
            r#"{"field":{"api_name":"name"},"comparator":"in","value":"x"}"#,
            r#"{"group":[]}"#,
        ] {
            let r = parse_filters(bad, &["name"]).err().expect(bad);
            assert_eq!(r.status, 400, "{bad}");
        }
    }

    #[test]
    fn zuid_is_stable_and_eight_digits() {
        assert_eq!(zuid("A@example.com"), zuid("a@example.com"));
        assert_eq!(zuid("a@example.com").len(), 8);
        assert_ne!(zuid("a@example.com"), zuid("b@example.com"));
    }
}

// ------------------------------------------------------------------------------------------
// Changes from the control surface (`POST /__simulator/directory`)

/// A change of the org's directory: items are added, or replaced when one of the same name
/// (users: e-mail address) exists. Applied in this order: hierarchy, roles, profiles, users,
/// groups (every group of the change exists before members are read, so groups of one
/// change may nest each other).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DirectoryChange {
    #[serde(default)]
    hierarchy: Option<HierarchyChange>,
    #[serde(default)]
    roles: Vec<RoleChange>,
    #[serde(default)]
    profiles: Vec<ProfileChange>,
    #[serde(default)]
    users: Vec<UserChange>,
    #[serde(default)]
    groups: Vec<GroupChange>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct HierarchyChange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    strictly_reporting: bool,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleChange {
    name: String,
    #[serde(default)]
    reporting_to: Option<String>,
    #[serde(default)]
    share_with_peers: bool,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ModuleChange {
    view: bool,
    create: bool,
    edit: bool,
    delete: bool,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileChange {
    name: String,
    #[serde(default)]
    modules: std::collections::BTreeMap<String, ModuleChange>,
}

fn active() -> String {
    "active".to_owned()
}

fn yes() -> bool {
    true
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct UserChange {
    name: String,
    email: String,
    role: String,
    profile: String,
    #[serde(default)]
    reporting_to: Option<String>,
    #[serde(default = "active")]
    status: String,
    #[serde(default = "yes")]
    confirmed: bool,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberChange {
    #[serde(rename = "type")]
    kind: String,
    /// Name of the role or group; e-mail address of a user.
    name: String,
    #[serde(default)]
    subordinates: bool,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupChange {
    name: String,
    #[serde(default)]
    members: Vec<MemberChange>,
}

/// Most items one change may carry (roles, profiles, users, groups and members together).
const MAX_CHANGE_ITEMS: usize = 20_000;

/// Applies `change` to the org's directory; the counts of what it touched, or what was wrong
/// (nothing is applied then).
pub(crate) fn change(state: &mut State, change: DirectoryChange) -> Result<Value, String> {
    use super::catalogue::{GroupDetails, GroupMember, ProfileDetails, RoleDetails, UserDetails};
    let items = change.roles.len()
        + change.profiles.len()
        + change.users.len()
        + change
            .groups
            .iter()
            .map(|g| 1 + g.members.len())
            .sum::<usize>();
    if items > MAX_CHANGE_ITEMS {
        return Err(format!("at most {MAX_CHANGE_ITEMS} items per change"));
    }
    // Work on a copy: a change is applied whole or not at all.
    let mut dir = state.dir.clone();
    let ids = &mut state.ids;
    fn new_id(ids: &mut IdGenerator, pool: &mut Vec<NamedItem>, name: &str) -> String {
        match pool.iter().find(|x| x.name == name) {
            Some(x) => x.id.clone(),
            None => {
                let id = ids.next_id();
                pool.push(NamedItem {
                    id: id.clone(),
                    name: name.to_owned(),
                });
                id
            }
        }
    }
    if let Some(h) = &change.hierarchy {
        if !matches!(h.kind.as_str(), "Role_Hierarchy" | "Reporting_To_Hierarchy") {
            return Err(format!(
                "hierarchy type {:?}: use Role_Hierarchy or Reporting_To_Hierarchy",
                h.kind
            ));
        }
        dir.hierarchy = h.kind.clone();
        dir.strictly_reporting = h.strictly_reporting;
    }
    for r in &change.roles {
        if r.name.trim().is_empty() {
            return Err("a role needs a name".into());
        }
        let id = new_id(ids, &mut dir.roles, &r.name);
        let parent = match &r.reporting_to {
            None => None,
            Some(p) => Some(
                dir.role(p)
                    .map(|x| x.id.clone())
                    .ok_or_else(|| format!("role {:?} reports to unknown role {p:?}", r.name))?,
            ),
        };
        if parent.as_deref() == Some(id.as_str()) {
            return Err(format!("role {:?} cannot report to itself", r.name));
        }
        dir.role_details.retain(|d| d.id != id);
        dir.role_details.push(RoleDetails {
            id,
            reporting_to: parent,
            description: String::new(),
            share_with_peers: r.share_with_peers,
        });
    }
    for p in &change.profiles {
        if p.name.trim().is_empty() {
            return Err("a profile needs a name".into());
        }
        for m in p.modules.keys() {
            if dir.module(m).is_none() {
                return Err(format!("profile {:?}: unknown module {m:?}", p.name));
            }
        }
        let id = new_id(ids, &mut dir.profiles, &p.name);
        let old = dir.profile_details(&id).cloned();
        let mut modules = old.as_ref().map(|o| o.modules.clone()).unwrap_or_default();
        for (m, c) in &p.modules {
            modules.insert(m.clone(), [c.view, c.create, c.edit, c.delete]);
        }
        dir.profile_details.retain(|d| d.id != id);
        dir.profile_details.push(match old {
            Some(o) => ProfileDetails { modules, ..o },
            None => ProfileDetails {
                id,
                api_name: snake_name(&p.name),
                description: String::new(),
                custom: true,
                kind: "normal_profile",
                org_permissions: vec!["Crm_Implied_Api_Access"],
                modules,
            },
        });
    }
    // Users first without managers (a change may name a manager added after the user).
    for u in &change.users {
        if !u.email.contains('@') {
            return Err(format!("user {:?}: e-mail address {:?}", u.name, u.email));
        }
        let status: &'static str = match u.status.as_str() {
            "active" => "active",
            "inactive" => "inactive",
            other => {
                return Err(format!(
                    "user {}: status {other:?}: active or inactive",
                    u.email
                ))
            }
        };
        let role = dir
            .role(&u.role)
            .map(|r| r.id.clone())
            .ok_or_else(|| format!("user {}: unknown role {:?}", u.email, u.role))?;
        let profile = dir
            .profile(&u.profile)
            .map(|p| p.id.clone())
            .ok_or_else(|| format!("user {}: unknown profile {:?}", u.email, u.profile))?;
        let id = match dir.user_by_email(&u.email) {
            Some(x) => x.id.clone(),
            None => {
                let id = ids.next_id();
                dir.users.push(NamedItem {
                    id: id.clone(),
                    name: u.name.clone(),
                });
                id
            }
        };
        if let Some(x) = dir.users.iter_mut().find(|x| x.id == id) {
            x.name = u.name.clone();
        }
        let (first, last) = u.name.split_once(' ').unwrap_or(("", &u.name));
        dir.user_details.retain(|d| d.id != id);
        dir.user_details.push(UserDetails {
            id,
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            email: u.email.clone(),
            role,
            profile,
            status,
            confirmed: u.confirmed,
            reporting_to: None,
        });
    }
    for u in &change.users {
        let Some(manager) = &u.reporting_to else {
            continue;
        };
        let m = dir
            .user_by_email(manager)
            .map(|x| x.id.clone())
            .ok_or_else(|| format!("user {}: unknown manager {manager:?}", u.email))?;
        if let Some(d) = dir
            .user_details
            .iter_mut()
            .find(|d| d.email.eq_ignore_ascii_case(&u.email))
        {
            if d.id == m {
                return Err(format!("user {} cannot report to themselves", u.email));
            }
            d.reporting_to = Some(m);
        }
    }
    if change.groups.iter().any(|g| g.name.trim().is_empty()) {
        return Err("a group needs a name".into());
    }
    let group_ids: Vec<String> = change
        .groups
        .iter()
        .map(|g| new_id(ids, &mut dir.groups, &g.name))
        .collect();
    for (g, id) in change.groups.iter().zip(group_ids) {
        let mut members = Vec::with_capacity(g.members.len());
        for m in &g.members {
            let (kind, found): (&'static str, Option<String>) = match m.kind.as_str() {
                "users" => ("users", dir.user_by_email(&m.name).map(|x| x.id.clone())),
                "roles" => ("roles", dir.role(&m.name).map(|x| x.id.clone())),
                "groups" => ("groups", dir.group(&m.name).map(|x| x.id.clone())),
                other => {
                    return Err(format!(
                        "group {:?}: member type {other:?}: users, roles or groups",
                        g.name
                    ))
                }
            };
            let member = found
                .ok_or_else(|| format!("group {:?}: unknown {} {:?}", g.name, m.kind, m.name))?;
            members.push(GroupMember {
                kind,
                id: member,
                subordinates: kind == "roles" && m.subordinates,
            });
        }
        dir.group_details.retain(|d| d.id != id);
        dir.group_details.push(GroupDetails {
            id,
            description: String::new(),
            members,
        });
    }
    let counts = json!({
        "roles": change.roles.len(),
        "profiles": change.profiles.len(),
        "users": change.users.len(),
        "groups": change.groups.len(),
        "hierarchy": dir.hierarchy,
    });
    state.dir = dir;
    Ok(counts)
}
