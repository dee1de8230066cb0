//! A large org ([`crate::SimulatorBuilder::org_size`]): thousands of users under hundreds of
//! roles, hundreds of groups nesting each other, profiles whose module permissions differ,
//! and hundreds of sharing rules, all derived from the org size, so the same size always
//! gives the same org (ids follow the org seed, as everywhere).

use serde_json::{json, Map, Value};

use super::catalogue::{
    GroupDetails, GroupMember, NamedItem, ProfileDetails, RoleDetails, UserDetails,
};
use super::ids::IdGenerator;
use super::state::State;

/// Custom profiles of a large org.
const PROFILES: usize = 12;

/// What an org of `users` users holds: (roles, groups, sharing rules). 2,000 users give 300
/// roles, 100 groups and 500 rules.
pub(crate) fn shape(users: usize) -> (usize, usize, usize) {
    ((users * 3 / 20).max(1), (users / 20).max(1), users / 4)
}

/// Adds a large org of `users` users to the seeded one, below its CEO.
pub(crate) fn grow(state: &mut State, users: usize) {
    if users == 0 {
        return;
    }
    let (n_roles, n_groups, n_rules) = shape(users);
    let ids: &mut IdGenerator = &mut state.ids;
    let dir = &mut state.dir;
    let ceo_role = dir.role("CEO").map(|r| r.id.clone()).unwrap_or_default();
    let ceo_user = dir.users.first().map(|u| u.id.clone());

    // Roles: a tree of four children per role below the CEO.
    let mut roles: Vec<String> = Vec::with_capacity(n_roles);
    for i in 0..n_roles {
        let id = ids.next_id();
        let parent = if i == 0 {
            ceo_role.clone()
        } else {
            roles[(i - 1) / 4].clone()
        };
        dir.roles.push(NamedItem {
            id: id.clone(),
            name: format!("Role {:04}", i + 1),
        });
        dir.role_details.push(RoleDetails {
            id: id.clone(),
            reporting_to: Some(parent),
            description: format!("Generated role {}", i + 1),
            share_with_peers: i % 5 == 4,
        });
        roles.push(id);
    }

    // Profiles whose module permissions differ.
    let modules: Vec<String> = dir.modules.iter().map(|m| m.api_name.clone()).collect();
    let mut profiles: Vec<String> = Vec::with_capacity(PROFILES);
    for p in 0..PROFILES {
        let id = ids.next_id();
        dir.profiles.push(NamedItem {
            id: id.clone(),
            name: format!("Profile {:02}", p + 1),
        });
        let module_set = modules
            .iter()
            .enumerate()
            .map(|(m, api)| {
                let view = !(p % 6 == 5 && m % 3 == 0);
                let edit = view && (p + m) % 4 != 0;
                let delete = edit && (p + m) % 3 == 0;
                (api.clone(), [view, edit, edit, delete])
            })
            .collect();
        dir.profile_details.push(ProfileDetails {
            id: id.clone(),
            api_name: format!("profile_{:02}", p + 1),
            description: format!("Generated profile {}", p + 1),
            custom: true,
            kind: "normal_profile",
            org_permissions: vec!["Crm_Implied_Api_Access"],
            modules: module_set,
        });
        profiles.push(id);
    }

    // Users: spread over the roles; each reports to the first user of the parent role.
    let mut first_of_role: Vec<Option<String>> = vec![None; n_roles];
    let mut user_ids: Vec<String> = Vec::with_capacity(users);
    let mut user_roles: Vec<usize> = Vec::with_capacity(users);
    for i in 0..users {
        let id = ids.next_id();
        let role = (i * 7919) % n_roles;
        let name = format!("User {:05}", i + 1);
        dir.users.push(NamedItem {
            id: id.clone(),
            name: name.clone(),
        });
        first_of_role[role].get_or_insert_with(|| id.clone());
        user_ids.push(id);
        user_roles.push(role);
    }
    for (i, id) in user_ids.iter().enumerate() {
        let role = user_roles[i];
        let manager = if role == 0 {
            ceo_user.clone()
        } else {
            first_of_role[(role - 1) / 4]
                .clone()
                .or_else(|| ceo_user.clone())
        };
        dir.user_details.push(UserDetails {
            id: id.clone(),
            first_name: "User".to_owned(),
            last_name: format!("{:05}", i + 1),
            email: format!("user{:05}@example.com", i + 1),
            role: roles[role].clone(),
            profile: profiles[i % PROFILES].clone(),
            status: if i % 50 == 49 { "inactive" } else { "active" },
            confirmed: true,
            reporting_to: manager.filter(|m| m != id),
        });
    }

    // Groups: three users, a role (with subordinates every other group) and, from the
    // second on, an earlier group nested.
    let mut groups: Vec<String> = Vec::with_capacity(n_groups);
    for g in 0..n_groups {
        let id = ids.next_id();
        dir.groups.push(NamedItem {
            id: id.clone(),
            name: format!("Group {:03}", g + 1),
        });
        let mut members: Vec<GroupMember> = (0..3)
            .map(|k| GroupMember {
                kind: "users",
                id: user_ids[(g * 37 + k * 11) % users].clone(),
                subordinates: false,
            })
            .collect();
        members.push(GroupMember {
            kind: "roles",
            id: roles[(g * 13) % n_roles].clone(),
            subordinates: g % 2 == 0,
        });
        if g > 0 {
            members.push(GroupMember {
                kind: "groups",
                id: groups[g / 2].clone(),
                subordinates: false,
            });
        }
        dir.group_details.push(GroupDetails {
            id: id.clone(),
            description: format!("Generated group {}", g + 1),
            members,
        });
        groups.push(id);
    }

    // Sharing rules over the modules that have them: owner-based and criteria-based, to
    // roles, roles and subordinates, groups and all users.
    let sharing: Vec<usize> = dir
        .modules
        .iter()
        .enumerate()
        .filter(|(_, m)| m.sharing_rules)
        .map(|(i, _)| i)
        .collect();
    let permissions = ["read", "read_write", "read_write_delete"];
    let named = |list: &[NamedItem], id: &str| {
        list.iter()
            .find(|x| x.id == id)
            .map_or_else(String::new, |x| x.name.clone())
    };
    for r in 0..n_rules {
        let m = &dir.modules[sharing[r % sharing.len()]];
        let id = ids.next_id();
        let to = match r % 4 {
            0 => {
                let g = &groups[r % n_groups];
                json!({ "resource": { "id": g, "name": named(&dir.groups, g) }, "type": "groups", "subordinates": false })
            }
            1 | 2 => {
                let role = &roles[(r * 17) % n_roles];
                json!({ "resource": { "id": role, "name": named(&dir.roles, role) }, "type": "roles", "subordinates": r % 4 == 2 })
            }
            _ => json!({ "type": "all_users", "subordinates": false }),
        };
        let criteria_based = r % 3 == 2;
        let field = m.fields.iter().find(|f| f.excludable());
        let (rule_type, from, criteria) = match (criteria_based, field) {
            (true, Some(f)) => (
                "Criteria_Based",
                Value::Null,
                json!({
                    "field": { "api_name": f.api_name, "id": f.id },
                    "comparator": "equal",
                    "value": format!("Value {}", r % 10),
                    "type": "value",
                }),
            ),
            _ => {
                let role = &roles[(r * 29 + 3) % n_roles];
                (
                    "Record_Owner_Based",
                    json!({ "resource": { "id": role, "name": named(&dir.roles, role) }, "type": "roles", "subordinates": r % 2 == 0 }),
                    Value::Null,
                )
            }
        };
        let rule = json!({
            "id": id,
            "name": format!("Rule {:04}", r + 1),
            "type": rule_type,
            "permission_type": permissions[r % permissions.len()],
            "superiors_allowed": r % 5 == 0,
            "shared_to": to,
            "shared_from": from,
            "criteria": criteria,
            "module": { "api_name": m.api_name, "name": m.name, "id": m.id },
            "status": "active",
            "match_limit_exceeded": false,
        });
        if let Value::Object(rule) = rule {
            let rule: Map<String, Value> = rule;
            state.rules.push(rule);
        }
    }
}
