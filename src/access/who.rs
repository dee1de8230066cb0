//! `who`: for a module, every active user's access to records of others, grouped by role,
//! group and rule.

use std::collections::HashMap;

use serde::Serialize;

use crate::desired::Audience;
use crate::error::Error;
use crate::generated::enums::{self, PermissionType, ShareType};

use super::check::{default_actions, rule_actions};
use super::diff::RecordSet;
use super::directory::Hierarchy;
use super::model::AccessModel;
use super::{Action, Layer};

/// One active user's access to records of others in a module.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct UserRow {
    /// E-mail address.
    pub email: String,
    /// Full name.
    pub name: String,
    /// Profile name.
    pub profile: Option<String>,
    /// The Administrator profile: every record.
    pub administrator: bool,
    /// What the user may do on every record of others: everything for an administrator,
    /// else the org default within the profile.
    pub others: Vec<Action>,
    /// What the user's profile does not allow on the module (unknown permissions count as
    /// not allowed here).
    pub profile_denies: Vec<Action>,
    /// Active users whose records the hierarchy lets the user view (subordinates).
    pub subordinates: usize,
    /// Active peers whose records the user views (a role that shares with peers).
    pub peers: usize,
    /// Active sharing rules that reach the user, directly or as a superior.
    pub rules: Vec<String>,
}

/// The active users of one role.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RoleRow {
    /// Role name; `None` for users without a known role.
    pub role: Option<String>,
    /// The role above; `None` at the top.
    pub reporting_to: Option<String>,
    /// Its users share with each other.
    pub share_with_peers: bool,
    /// Its active users.
    pub users: Vec<UserRow>,
}

/// A group, its active users and the rules that share to it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct GroupRow {
    /// Group name.
    pub group: String,
    /// Active users among its members (nested members included).
    pub active_users: usize,
    /// Active sharing rules of the module to this group.
    pub rules: Vec<String>,
}

/// An active sharing rule of the module and whom it reaches.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RuleRow {
    /// Rule name.
    pub rule: String,
    /// What it grants.
    pub permission: PermissionType,
    /// Which records.
    pub records: RecordSet,
    /// To whom.
    pub to: Audience,
    /// Superiors of the audience too.
    pub superiors_allowed: bool,
    /// Active users in the audience.
    pub active_users: usize,
    /// Active users it reaches as superiors of the audience's role (role hierarchy only).
    pub superiors: usize,
    /// What it adds to the org default (nothing under `public`).
    pub adds: Vec<Action>,
}

/// The answer of [`AccessModel::who`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct WhoAnswer {
    /// Module API name.
    pub module: String,
    /// The module's org default.
    pub org_default: Option<ShareType>,
    /// What the org default gives everyone on records of others.
    pub everyone: Vec<Action>,
    /// The hierarchy the org follows.
    pub hierarchy: Hierarchy,
    /// Active users by role, in the directory's order of roles.
    pub roles: Vec<RoleRow>,
    /// Groups, with the module's rules to each.
    pub groups: Vec<GroupRow>,
    /// The module's active sharing rules.
    pub rules: Vec<RuleRow>,
    /// What the answer does not take into account.
    pub not_covered: Vec<Layer>,
}

impl AccessModel {
    /// Every active user's access to records of others in `module`, grouped by role, group
    /// and rule. Time and memory grow with users x (rules + groups).
    ///
    /// A module name that is empty is [`Error::InvalidInput`]; a module the settings do not
    /// mention answers with no org default and no rules.
    pub fn who(&self, module: &str) -> Result<WhoAnswer, Error> {
        if module.trim().is_empty() {
            return Err(Error::invalid("module", "empty"));
        }
        let d = &self.directory;
        let ix = &self.index;
        let n = d.users.len();
        let active: Vec<bool> = d.users.iter().map(|u| u.can_sign_in()).collect();
        let org_default = self.config.org_permissions.get(module).cloned();
        let everyone: Vec<Action> = org_default
            .as_ref()
            .and_then(default_actions)
            .unwrap_or(&[])
            .to_vec();

        // Rules: their audiences, once each.
        let mut user_rules: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut rules: Vec<RuleRow> = Vec::new();
        let empty = Vec::new();
        let module_rules = self.config.sharing_rules.get(module).unwrap_or(&empty);
        for rule in module_rules
            .iter()
            .filter(|r| r.status == enums::SharingRuleStatus::Active)
        {
            let at = rules.len();
            let members = ix.audience(d, &rule.to);
            let mut active_users = 0;
            for (u, inside) in members.iter().enumerate() {
                if *inside && active[u] {
                    active_users += 1;
                    user_rules[u].push(at);
                }
            }
            let mut superiors = 0;
            if rule.superiors_allowed && d.hierarchy == Hierarchy::RoleHierarchy {
                if let Some(r) = rule.to.name().and_then(|name| match rule.to {
                    Audience::Role(_) | Audience::RoleAndSubordinates(_) => {
                        ix.role_by_name.get(name).copied()
                    }
                    _ => None,
                }) {
                    for above in ix.role_chain(r).into_iter().skip(1) {
                        for u in &ix.role_users[above] {
                            if active[*u] && !members[*u] {
                                superiors += 1;
                                user_rules[*u].push(at);
                            }
                        }
                    }
                }
            }
            rules.push(RuleRow {
                rule: rule.name.clone(),
                permission: rule.permission.clone(),
                records: match (&rule.criteria, &rule.from) {
                    (Some(c), _) => RecordSet::Matching {
                        criteria: c.clone(),
                    },
                    (None, Some(f)) => RecordSet::OwnedBy {
                        audience: f.clone(),
                    },
                    (None, None) => RecordSet::OthersRecords,
                },
                to: rule.to.clone(),
                superiors_allowed: rule.superiors_allowed,
                active_users,
                superiors,
                adds: rule_actions(&rule.permission)
                    .unwrap_or(&[])
                    .iter()
                    .filter(|a| !everyone.contains(a))
                    .copied()
                    .collect(),
            });
        }

        // Groups.
        let mut rules_of_group: HashMap<&str, Vec<String>> = HashMap::new();
        for r in &rules {
            if let Audience::Group(name) = &r.to {
                rules_of_group
                    .entry(name.as_str())
                    .or_default()
                    .push(r.rule.clone());
            }
        }
        let groups = d
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| GroupRow {
                group: group.name.clone(),
                active_users: ix.group_users[g].iter().filter(|u| active[**u]).count(),
                rules: rules_of_group
                    .get(group.name.as_str())
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect();

        // Subordinates: active users below, by role subtree or by reporting line.
        let subordinates: Vec<usize> = match d.hierarchy {
            Hierarchy::RoleHierarchy => {
                // Active users in each role's subtree, children before parents.
                let mut order: Vec<usize> = Vec::with_capacity(d.roles.len());
                let mut stack: Vec<usize> = (0..d.roles.len())
                    .filter(|r| ix.role_parent[*r].is_none())
                    .collect();
                while let Some(r) = stack.pop() {
                    order.push(r);
                    stack.extend(ix.role_children[r].iter().copied());
                }
                let own: Vec<usize> = ix
                    .role_users
                    .iter()
                    .map(|us| us.iter().filter(|u| active[**u]).count())
                    .collect();
                let mut below = vec![0usize; d.roles.len()];
                for r in order.iter().rev() {
                    let total: usize = ix.role_children[*r]
                        .iter()
                        .map(|c| below[*c] + own[*c])
                        .sum();
                    below[*r] = total;
                }
                (0..n)
                    .map(|u| ix.user_role[u].map_or(0, |r| below[r]))
                    .collect()
            }
            #[allow(unreachable_patterns)]
            _ => {
                let mut reports: Vec<Vec<usize>> = vec![Vec::new(); n];
                for u in 0..n {
                    if let Some(m) = ix.user_manager[u] {
                        reports[m].push(u);
                    }
                }
                // Active users below each user, leaves first (a cycle, which Zoho does not
                // allow, counts nobody twice: each user is finished once).
                let mut count = vec![0usize; n];
                let mut done = vec![false; n];
                for start in 0..n {
                    let mut stack = vec![(start, false)];
                    while let Some((u, expanded)) = stack.pop() {
                        if done[u] {
                            continue;
                        }
                        if expanded {
                            done[u] = true;
                            count[u] = reports[u]
                                .iter()
                                .filter(|r| done[**r])
                                .map(|r| count[*r] + usize::from(active[*r]))
                                .sum();
                        } else {
                            stack.push((u, true));
                            stack.extend(
                                reports[u]
                                    .iter()
                                    .filter(|r| !done[**r])
                                    .map(|r| (*r, false)),
                            );
                        }
                    }
                }
                count
            }
        };

        // Roles and their users.
        let mut roles: Vec<RoleRow> = Vec::with_capacity(d.roles.len() + 1);
        let row = |u: usize| -> UserRow {
            let user = &d.users[u];
            let profile = ix.user_profile[u].map(|p| &d.profiles[p]);
            let perms = profile.and_then(|p| p.modules.get(module));
            let allows = |a: Action| perms.is_some_and(|p| p.allows(a));
            let administrator = profile.is_some_and(|p| p.administrator);
            let others = if administrator {
                Action::ALL.to_vec()
            } else {
                everyone.iter().filter(|a| allows(**a)).copied().collect()
            };
            let peers = match (d.hierarchy, ix.user_role[u]) {
                (Hierarchy::RoleHierarchy, Some(r)) if d.roles[r].share_with_peers => ix.role_users
                    [r]
                    .iter()
                    .filter(|p| **p != u && active[**p])
                    .count(),
                _ => 0,
            };
            UserRow {
                email: user.email.clone(),
                name: user.name.clone(),
                profile: profile.map(|p| p.name.clone()),
                administrator,
                others,
                profile_denies: Action::ALL.into_iter().filter(|a| !allows(*a)).collect(),
                subordinates: subordinates[u],
                peers,
                rules: user_rules[u]
                    .iter()
                    .map(|r| rules[*r].rule.clone())
                    .collect(),
            }
        };
        for (r, role) in d.roles.iter().enumerate() {
            roles.push(RoleRow {
                role: Some(role.name.clone()),
                reporting_to: ix.role_parent[r].map(|p| d.roles[p].name.clone()),
                share_with_peers: role.share_with_peers,
                users: ix.role_users[r]
                    .iter()
                    .filter(|u| active[**u])
                    .map(|u| row(*u))
                    .collect(),
            });
        }
        let roleless: Vec<UserRow> = (0..n)
            .filter(|u| active[*u] && ix.user_role[*u].is_none())
            .map(row)
            .collect();
        if !roleless.is_empty() {
            roles.push(RoleRow {
                role: None,
                reporting_to: None,
                share_with_peers: false,
                users: roleless,
            });
        }
        Ok(WhoAnswer {
            module: module.to_owned(),
            org_default,
            everyone,
            hierarchy: d.hierarchy,
            roles,
            groups,
            rules,
            not_covered: Layer::ALL.to_vec(),
        })
    }
}
