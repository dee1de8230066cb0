//! The access model: a directory and an org's access settings, indexed once so each question
//! costs at most users x rules.

use std::collections::{BTreeSet, HashMap};

use crate::client::Client;
use crate::desired::{self, AccessConfig, Audience, Family, RuleScope, Scope};
use crate::error::Error;
use crate::generated::enums;

use super::directory::{Directory, GroupMember, Hierarchy};

/// An org's access settings and directory, ready to answer [`AccessModel::check`],
/// [`AccessModel::who`] and [`AccessModel::diff`]. Cheap questions, one build: the
/// directory is indexed when the model is made.
#[derive(Clone, Debug)]
pub struct AccessModel {
    pub(crate) directory: Directory,
    pub(crate) config: AccessConfig,
    pub(crate) index: Index,
}

impl AccessModel {
    /// A model of these settings (a desired-state file, or the org's own through
    /// [`crate::desired::pull`]) over this directory. Names the settings use that the
    /// directory lacks are not an error: answers that need them say so.
    pub fn new(directory: Directory, config: AccessConfig) -> AccessModel {
        let index = Index::build(&directory);
        AccessModel {
            directory,
            config,
            index,
        }
    }

    /// One read of an org: its directory ([`Directory::read`]) and, for `modules` (every
    /// module when empty), its default organization permissions, sharing rules and record
    /// locking configurations ([`crate::desired::pull`]). A module the org does not have is
    /// [`Error::InvalidInput`] about `module`, with the nearest API name when one is close.
    pub async fn load<M: Into<String>>(
        client: &Client,
        modules: impl IntoIterator<Item = M>,
    ) -> Result<AccessModel, Error> {
        let scope = Scope::new(Family::ALL, modules);
        let directory = Directory::read(client).await?;
        let config = desired::pull(client, &scope).await.map_err(|e| match e {
            // The modules are this function's argument, not a file's scope.
            Error::Desired { place, reason, .. } if place == "scope.modules" => {
                Error::invalid("module", reason)
            }
            e => e,
        })?;
        Ok(AccessModel::new(directory, config))
    }

    /// The same org with a desired state applied: inside `desired`'s scope (its families, and
    /// its modules or every module when it names none) the desired settings replace this
    /// model's, as `apply` would make them; outside it nothing changes. Under
    /// `scope.rules: listed` the rules the file does not name (sharing rules, locking rules,
    /// a module's whole locking configuration) stay as this model has them, exactly as
    /// [`crate::desired::plan()`] keeps them. The directory stays.
    pub fn with_desired(&self, desired: &AccessConfig) -> AccessModel {
        let merged;
        let desired = if desired.scope.rules == RuleScope::Listed {
            merged = desired::plan::with_unlisted(desired, &self.config).0;
            &merged
        } else {
            desired
        };
        let mut config = self.config.clone();
        let in_scope =
            |m: &str| desired.scope.modules.is_empty() || desired.scope.modules.contains(m);
        if desired.scope.has(Family::OrgPermissions) {
            config.org_permissions.retain(|m, _| !in_scope(m));
            config.org_permissions.extend(
                desired
                    .org_permissions
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
        }
        if desired.scope.has(Family::SharingRules) {
            config.sharing_rules.retain(|m, _| !in_scope(m));
            config.sharing_rules.extend(
                desired
                    .sharing_rules
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
        }
        if desired.scope.has(Family::RecordLocking) {
            config.record_locking.retain(|m, _| !in_scope(m));
            config.record_locking.extend(
                desired
                    .record_locking
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
        }
        for f in &desired.scope.families {
            config.scope.families.insert(*f);
        }
        if !config.scope.modules.is_empty() {
            if desired.scope.modules.is_empty() {
                config.scope.modules.clear();
            } else {
                config
                    .scope
                    .modules
                    .extend(desired.scope.modules.iter().cloned());
            }
        }
        AccessModel {
            directory: self.directory.clone(),
            config,
            index: self.index.clone(),
        }
    }

    /// The directory the model reads.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The access settings the model reads.
    pub fn config(&self) -> &AccessConfig {
        &self.config
    }

    /// The module's default organization permission; `None` when the settings do not say.
    pub fn org_default(&self, module: &str) -> Option<&enums::ShareType> {
        self.config.org_permissions.get(module)
    }

    /// How many active, confirmed users an audience of a rule reaches (members only, not
    /// superiors).
    pub fn active_users_in(&self, audience: &Audience) -> usize {
        let members = self.index.audience(&self.directory, audience);
        members
            .iter()
            .enumerate()
            .filter(|(i, m)| **m && self.directory.users[*i].can_sign_in())
            .count()
    }

    /// Number of active, confirmed users.
    pub fn active_users(&self) -> usize {
        self.directory
            .users
            .iter()
            .filter(|u| u.can_sign_in())
            .count()
    }
}

/// The directory by position: names to indexes, the role tree, users per role.
#[derive(Clone, Debug, Default)]
pub(crate) struct Index {
    pub user_by_email: HashMap<String, usize>,
    pub role_by_name: HashMap<String, usize>,
    pub group_by_name: HashMap<String, usize>,
    pub profile_by_name: HashMap<String, usize>,
    /// Parent of each role (by index).
    pub role_parent: Vec<Option<usize>>,
    /// Children of each role.
    pub role_children: Vec<Vec<usize>>,
    /// Users of each role.
    pub role_users: Vec<Vec<usize>>,
    /// Each user's role, profile and manager.
    pub user_role: Vec<Option<usize>>,
    pub user_profile: Vec<Option<usize>>,
    pub user_manager: Vec<Option<usize>>,
    /// Every group's users (nested groups, roles and subordinates expanded), by user index,
    /// ascending: computed once, each group from its nested groups' lists.
    pub group_users: Vec<Vec<usize>>,
}

impl Index {
    pub(crate) fn build(d: &Directory) -> Index {
        let mut ix = Index::default();
        for (i, u) in d.users.iter().enumerate() {
            ix.user_by_email.insert(u.email.to_ascii_lowercase(), i);
        }
        for (i, r) in d.roles.iter().enumerate() {
            ix.role_by_name.insert(r.name.clone(), i);
        }
        for (i, g) in d.groups.iter().enumerate() {
            ix.group_by_name.insert(g.name.clone(), i);
        }
        for (i, p) in d.profiles.iter().enumerate() {
            ix.profile_by_name.insert(p.name.clone(), i);
        }
        ix.role_children = vec![Vec::new(); d.roles.len()];
        ix.role_users = vec![Vec::new(); d.roles.len()];
        ix.role_parent = d
            .roles
            .iter()
            .map(|r| {
                r.reporting_to
                    .as_ref()
                    .and_then(|p| ix.role_by_name.get(p).copied())
            })
            .collect();
        // A cycle in the parents (not something Zoho allows) is cut where it closes.
        for i in 0..d.roles.len() {
            let mut seen = BTreeSet::new();
            let mut at = i;
            while let Some(p) = ix.role_parent[at] {
                if !seen.insert(at) || p == i {
                    ix.role_parent[at] = None;
                    break;
                }
                at = p;
            }
        }
        for (i, p) in ix.role_parent.iter().enumerate() {
            if let Some(p) = p {
                ix.role_children[*p].push(i);
            }
        }
        for (i, u) in d.users.iter().enumerate() {
            let role = u
                .role
                .as_ref()
                .and_then(|r| ix.role_by_name.get(r).copied());
            if let Some(r) = role {
                ix.role_users[r].push(i);
            }
            ix.user_role.push(role);
            ix.user_profile.push(
                u.profile
                    .as_ref()
                    .and_then(|p| ix.profile_by_name.get(p).copied()),
            );
            ix.user_manager.push(
                u.reporting_to
                    .as_ref()
                    .and_then(|m| ix.user_by_email.get(&m.to_ascii_lowercase()).copied()),
            );
        }
        ix.group_users = (0..d.groups.len()).map(|_| Vec::new()).collect();
        let mut state = vec![0u8; d.groups.len()]; // 0 new, 1 in progress, 2 done
        for g in 0..d.groups.len() {
            ix.expand_group(d, g, &mut state);
        }
        ix
    }

    /// Fills `group_users[g]` after its nested groups (a group nested in itself, which Zoho
    /// does not allow, adds nothing the second time).
    fn expand_group(&mut self, d: &Directory, g: usize, state: &mut [u8]) {
        if state[g] != 0 {
            return;
        }
        state[g] = 1;
        let mut bits = vec![false; d.users.len()];
        for m in &d.groups[g].members {
            match m {
                GroupMember::User { email } => {
                    if let Some(u) = self.user(email) {
                        bits[u] = true;
                    }
                }
                GroupMember::Role { name, subordinates } => {
                    if let Some(r) = self.role_by_name.get(name).copied() {
                        let roles = if *subordinates {
                            self.role_subtree(r)
                        } else {
                            vec![r]
                        };
                        for role in roles {
                            for u in &self.role_users[role] {
                                bits[*u] = true;
                            }
                        }
                    }
                }
                GroupMember::Group { name } => {
                    if let Some(n) = self.group_by_name.get(name).copied() {
                        self.expand_group(d, n, state);
                        for u in &self.group_users[n] {
                            bits[*u] = true;
                        }
                    }
                }
                GroupMember::Territory { .. } => {}
            }
        }
        self.group_users[g] = (0..bits.len()).filter(|u| bits[*u]).collect();
        state[g] = 2;
    }

    pub(crate) fn user(&self, email: &str) -> Option<usize> {
        self.user_by_email.get(&email.to_ascii_lowercase()).copied()
    }

    /// The roles from `role` up to the top, `role` first.
    pub(crate) fn role_chain(&self, role: usize) -> Vec<usize> {
        let mut out = vec![role];
        let mut at = role;
        while let Some(p) = self.role_parent[at] {
            if out.contains(&p) {
                break;
            }
            out.push(p);
            at = p;
        }
        out
    }

    /// `upper` is strictly above `lower` in the role tree: the roles from `upper` down to
    /// `lower` when it is.
    pub(crate) fn role_path_down(&self, upper: usize, lower: usize) -> Option<Vec<usize>> {
        let chain = self.role_chain(lower);
        let at = chain.iter().position(|r| *r == upper)?;
        (at > 0).then(|| chain[..=at].iter().rev().copied().collect())
    }

    /// The managers of `user`, nearest first.
    pub(crate) fn manager_chain(&self, user: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut at = user;
        while let Some(m) = self.user_manager[at] {
            if m == user || out.contains(&m) {
                break;
            }
            out.push(m);
            at = m;
        }
        out
    }

    /// `role` and every role below it (the parents were freed of cycles when indexed, so
    /// each role comes once).
    pub(crate) fn role_subtree(&self, role: usize) -> Vec<usize> {
        let mut out = vec![role];
        let mut i = 0;
        while i < out.len() {
            out.extend(self.role_children[out[i]].iter().copied());
            i += 1;
        }
        out
    }

    /// Which users an audience holds (by user index), nested groups expanded.
    pub(crate) fn audience(&self, d: &Directory, audience: &Audience) -> Vec<bool> {
        let mut out = vec![false; d.users.len()];
        match audience {
            Audience::AllUsers => out.iter_mut().for_each(|m| *m = true),
            Audience::Role(name) => {
                if let Some(r) = self.role_by_name.get(name) {
                    for u in &self.role_users[*r] {
                        out[*u] = true;
                    }
                }
            }
            Audience::RoleAndSubordinates(name) => {
                if let Some(r) = self.role_by_name.get(name) {
                    for role in self.role_subtree(*r) {
                        for u in &self.role_users[role] {
                            out[*u] = true;
                        }
                    }
                }
            }
            Audience::Group(name) => {
                if let Some(g) = self.group_by_name.get(name) {
                    for u in &self.group_users[*g] {
                        out[*u] = true;
                    }
                }
            }
            #[allow(unreachable_patterns)]
            _ => {}
        }
        out
    }

    /// How `user` belongs to `group`: the chain of members from the group down to the user
    /// (`group "Support Team"`, `group "Miami Users"`, `role "Sales Representative"`); `None`
    /// when not at all. The second value: the group (or one nested in it) has territory
    /// members, whose users the model does not know.
    pub(crate) fn group_path(
        &self,
        d: &Directory,
        group: usize,
        user: usize,
    ) -> (Option<Vec<String>>, bool) {
        let mut seen = vec![false; d.groups.len()];
        let mut territories = false;
        let path = self.group_path_in(d, group, user, &mut seen, &mut territories);
        (path, territories)
    }

    fn group_path_in(
        &self,
        d: &Directory,
        group: usize,
        user: usize,
        seen: &mut [bool],
        territories: &mut bool,
    ) -> Option<Vec<String>> {
        if std::mem::replace(&mut seen[group], true) {
            return None;
        }
        let here = format!("group {:?}", d.groups[group].name);
        let user_role = self.user_role[user];
        for m in &d.groups[group].members {
            let found = match m {
                GroupMember::User { email } => {
                    (self.user(email) == Some(user)).then(|| vec![format!("user {email}")])
                }
                GroupMember::Role { name, subordinates } => {
                    let r = self.role_by_name.get(name).copied();
                    match (r, user_role) {
                        (Some(r), Some(ur)) if r == ur => Some(vec![format!("role {name:?}")]),
                        (Some(r), Some(ur)) if *subordinates => self
                            .role_path_down(r, ur)
                            .map(|_| vec![format!("role {name:?} and subordinates")]),
                        _ => None,
                    }
                }
                GroupMember::Group { name } => self
                    .group_by_name
                    .get(name)
                    .and_then(|g| self.group_path_in(d, *g, user, seen, territories)),
                GroupMember::Territory { .. } => {
                    *territories = true;
                    None
                }
            };
            if let Some(mut rest) = found {
                rest.insert(0, here);
                return Some(rest);
            }
        }
        None
    }

    /// Whether the hierarchy makes `upper` a superior of `lower`: the chain from `upper`
    /// down to `lower` (role names, or user e-mail addresses in the reporting hierarchy).
    /// `Err` when the hierarchy leaves it open (a user reporting to nobody in the reporting
    /// hierarchy).
    pub(crate) fn superior(
        &self,
        d: &Directory,
        upper: usize,
        lower: usize,
    ) -> Result<Option<Vec<String>>, ()> {
        match d.hierarchy {
            Hierarchy::RoleHierarchy => {
                let (Some(ur), Some(lr)) = (self.user_role[upper], self.user_role[lower]) else {
                    return Ok(None);
                };
                Ok(self
                    .role_path_down(ur, lr)
                    .map(|p| p.iter().map(|r| d.roles[*r].name.clone()).collect()))
            }
            #[allow(unreachable_patterns)]
            _ => {
                let managers = self.manager_chain(lower);
                if let Some(at) = managers.iter().position(|m| *m == upper) {
                    let mut chain: Vec<String> = managers[..=at]
                        .iter()
                        .rev()
                        .map(|m| d.users[*m].email.clone())
                        .collect();
                    chain.push(d.users[lower].email.clone());
                    return Ok(Some(chain));
                }
                // Somebody in the chain reports to nobody: whether users above see their
                // records depends on `strictly_reporting`, whose meaning is not confirmed.
                let top = managers.last().copied().unwrap_or(lower);
                if self.user_manager[top].is_none() {
                    let above_by_role = match (self.user_role[upper], self.user_role[top]) {
                        (Some(ur), Some(tr)) => self.role_path_down(ur, tr).is_some(),
                        _ => false,
                    };
                    if above_by_role {
                        return Err(());
                    }
                }
                Ok(None)
            }
        }
    }
}
