//! `check`: can a user view, edit, delete a record of a module owned by another user, and
//! why.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::desired::{Audience, SharingRuleSpec};
use crate::error::Error;
use crate::generated::enums::{self, LockedFor, PermissionType, RestrictedAction, ShareType};

use super::criteria;
use super::directory::Hierarchy;
use super::model::AccessModel;
use super::{Action, Layer};

/// The question of [`AccessModel::check`]: may `user` view, edit, delete a record of `module`
/// owned by `owner`?
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CheckQuery {
    /// Module API name (`Leads`).
    pub module: String,
    /// The user asking, by e-mail address.
    pub user: String,
    /// The record's owner, by e-mail address.
    pub owner: String,
    /// Field values of the record (API name -> value), for criteria-based sharing rules and
    /// locking rules. A criteria that reads a field not given here is unknown.
    pub fields: BTreeMap<String, Value>,
    /// The record is locked (a manual lock, or one whose cause does not matter).
    pub locked: bool,
}

impl CheckQuery {
    /// The question for a record of `module` owned by `owner`, with no field values, not
    /// marked locked.
    pub fn new(
        module: impl Into<String>,
        user: impl Into<String>,
        owner: impl Into<String>,
    ) -> Self {
        CheckQuery {
            module: module.into(),
            user: user.into(),
            owner: owner.into(),
            fields: BTreeMap::new(),
            locked: false,
        }
    }

    /// One field value of the record.
    pub fn with_field(mut self, api_name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.fields.insert(api_name.into(), value.into());
        self
    }

    /// Whether the record is locked.
    pub fn with_locked(mut self, locked: bool) -> Self {
        self.locked = locked;
        self
    }
}

/// How a user belongs to the audience a sharing rule shares to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Through {
    /// The user has the rule's role.
    Role {
        /// Role name.
        role: String,
    },
    /// The user's role is the rule's role or below it: the roles from the rule's down to
    /// the user's.
    RoleAndSubordinates {
        /// Roles from the rule's role down to the user's.
        roles: Vec<String>,
    },
    /// The user is a member of the group, maybe through nested groups and roles: the chain
    /// from the group down to the user (`group "Support Team"`, `group "Miami Users"`,
    /// `role "Sales Representative"`).
    Group {
        /// The chain of members.
        path: Vec<String>,
    },
    /// The rule shares to all users.
    AllUsers,
}

impl fmt::Display for Through {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Through::Role { role } => write!(f, "role {role:?}"),
            Through::RoleAndSubordinates { roles } => match roles.as_slice() {
                [only] => write!(f, "role {only:?} (and subordinates)"),
                [first, .., last] => {
                    write!(f, "role {first:?} and subordinates (user's role {last:?})")
                }
                [] => f.write_str("a role and subordinates"),
            },
            Through::Group { path } => f.write_str(&path.join(" > ")),
            Through::AllUsers => f.write_str("all users"),
        }
    }
}

/// What locks the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Lock {
    /// The question marks it locked.
    Marked,
    /// Its field values match a locking rule of the module's configuration.
    Rule {
        /// The locking rule's name.
        name: String,
    },
}

impl fmt::Display for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lock::Marked => f.write_str("the record is locked"),
            Lock::Rule { name } => write!(f, "the record is locked by locking rule {name:?}"),
        }
    }
}

/// One step of an explanation: a setting that grants an action, one that limits it, or a
/// question Zoho's documents leave open.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// The user owns the record.
    Owner,
    /// The user's profile is the Administrator profile.
    Administrator {
        /// Profile name.
        profile: String,
    },
    /// The module's default organization permission.
    OrgDefault {
        /// Share type.
        share_type: ShareType,
    },
    /// The user is a superior of the owner.
    Superior {
        /// The hierarchy the org follows.
        hierarchy: Hierarchy,
        /// From the user down to the owner: role names (role hierarchy) or e-mail addresses
        /// (reporting hierarchy).
        chain: Vec<String>,
    },
    /// User and owner share a role that shares with peers.
    Peer {
        /// Role name.
        role: String,
    },
    /// A sharing rule shares the record to the user.
    Rule {
        /// Rule name.
        rule: String,
        /// What it grants.
        permission: PermissionType,
        /// How the user is in its audience.
        through: Through,
    },
    /// A sharing rule that allows superiors shares the record to a role below the user's.
    RuleSuperior {
        /// Rule name.
        rule: String,
        /// What it grants.
        permission: PermissionType,
        /// From the user's role down to the rule's role.
        roles: Vec<String>,
    },
    /// The user's profile does not allow the action on the module.
    ProfileDenies {
        /// Profile name.
        profile: String,
    },
    /// The record is locked, and the lock restricts the action for the user's profile.
    Locked {
        /// What locks it.
        lock: Lock,
    },
    /// The record is locked, but the user's profile is excluded from the lock.
    LockExcluded {
        /// What locks it.
        lock: Lock,
        /// Profile name.
        profile: String,
    },
    /// The user is not active and confirmed.
    Inactive,
    /// Nothing grants the action.
    NotGranted,
    /// A question Zoho's documents leave open decides the answer.
    Open {
        /// What is open.
        question: String,
    },
}

impl Reason {
    /// The source the step follows: the Zoho document (or the reason the model says
    /// nothing).
    pub fn source(&self) -> &'static str {
        match self {
            Reason::Owner => "Zoho Help, Using Territories: \"Users will have full access to the records they own\"",
            Reason::Administrator { .. } => "Zoho roles FAQ: \"A user with Administrative privileges can access all data regardless of their role\"; Zoho Help, Using Territories",
            Reason::OrgDefault { .. } => "Zoho API v8, Update Default Organization Permissions (share_type values); Zoho Help, Data Sharing Rules",
            Reason::Superior { .. } => "Zoho API v8, Retrieve Default Data Sharing Settings (private: \"Only the record owner and their superior can view\"); Zoho Help, Manage Hierarchy Preference",
            Reason::Peer { .. } => "Zoho roles FAQ: \"Share Data with the Peers option to enable data sharing between users with the same role\"",
            Reason::Rule { .. } => "Zoho API v8, Data Sharing Rules (shared_from, shared_to, criteria, permission_type); Zoho Help, Data Sharing Rules",
            Reason::RuleSuperior { .. } => "Zoho roles FAQ: superiors cannot view data shared with their subordinates through sharing rules \"unless the Superiors Allowed option is enabled\"",
            Reason::ProfileDenies { .. } => "Zoho roles FAQ: managers \"can only view or edit their subordinates' records if they have Read or Edit permissions\"; Zoho Help, Using Territories (module-level permissions in profiles)",
            Reason::Locked { .. } => "Zoho API v8, Record Locking Configuration (restricted_actions; update always restricted); Zoho's record locking announcement: the owner is not exempt",
            Reason::LockExcluded { .. } => "Zoho API v8, Record Locking Configuration (locked_for all_profiles_except_excluded_profiles, lock_excluded_profiles)",
            Reason::Inactive => "inferred, not in Zoho's access documents: a deactivated or unconfirmed user cannot sign in to the org, so reaches nothing",
            Reason::NotGranted => "Zoho Help, Data Sharing Rules: sharing rules and the hierarchy only extend the org default",
            Reason::Open { .. } => "not documented by Zoho",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Owner => f.write_str("owner of the record"),
            Reason::Administrator { profile } => {
                write!(f, "profile {profile:?} is the Administrator profile")
            }
            Reason::OrgDefault { share_type } => {
                write!(f, "org default {share_type}")
            }
            Reason::Superior { hierarchy, chain } => write!(
                f,
                "superior of the owner in the {}: {}",
                hierarchy.describe(),
                chain.join(" > ")
            ),
            Reason::Peer { role } => write!(f, "peer in role {role:?}, which shares with peers"),
            Reason::Rule {
                rule,
                permission,
                through,
            } => write!(f, "sharing rule {rule:?} ({permission}) through {through}"),
            Reason::RuleSuperior {
                rule,
                permission,
                roles,
            } => write!(
                f,
                "sharing rule {rule:?} ({permission}) allows superiors: {}",
                roles.join(" > ")
            ),
            Reason::ProfileDenies { profile } => {
                write!(f, "profile {profile:?} does not allow it on this module")
            }
            Reason::Locked { lock } => write!(f, "{lock}, and the lock restricts it"),
            Reason::LockExcluded { lock, profile } => {
                write!(
                    f,
                    "{lock}, but profile {profile:?} is excluded from the lock"
                )
            }
            Reason::Inactive => f.write_str("the user is not active and confirmed"),
            Reason::NotGranted => f.write_str("no setting grants it"),
            Reason::Open { question } => f.write_str(question),
        }
    }
}

/// A [`Reason`] with its text and source, as the JSON form carries it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// The step.
    pub reason: Reason,
    /// The step in words.
    pub text: String,
    /// The source it follows.
    pub source: &'static str,
}

impl From<Reason> for Finding {
    fn from(reason: Reason) -> Self {
        Finding {
            text: reason.to_string(),
            source: reason.source(),
            reason,
        }
    }
}

/// Why an answer is what it is.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Explanation {
    /// The settings that grant it (any one is enough).
    pub grants: Vec<Finding>,
    /// What limits it (the profile, a lock), or that nothing grants it.
    pub limits: Vec<Finding>,
    /// The open questions that leave the answer unknown (only when it is `None`).
    pub open: Vec<Finding>,
}

/// The explanations of the three answers.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Reasons {
    /// Why `view` is what it is.
    pub view: Explanation,
    /// Why `edit` is what it is.
    pub edit: Explanation,
    /// Why `delete` is what it is.
    pub delete: Explanation,
}

impl Reasons {
    /// The explanation of one action.
    pub fn of(&self, action: Action) -> &Explanation {
        match action {
            Action::View => &self.view,
            Action::Edit => &self.edit,
            Action::Delete => &self.delete,
        }
    }

    fn of_mut(&mut self, action: Action) -> &mut Explanation {
        match action {
            Action::View => &mut self.view,
            Action::Edit => &mut self.edit,
            Action::Delete => &mut self.delete,
        }
    }
}

/// The answer of [`AccessModel::check`]: `view`, `edit` and `delete` each `Some(true)`,
/// `Some(false)` or `None` (unknown: see its explanation's `open`), the reasons, and the
/// layers the model does not cover. Serialized as one JSON object whose `view`, `edit` and
/// `delete` are `true`, `false` or `null`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CheckAnswer {
    /// Module API name.
    pub module: String,
    /// The user asking.
    pub user: String,
    /// The record's owner.
    pub owner: String,
    /// May the user view the record.
    pub view: Option<bool>,
    /// May the user edit the record.
    pub edit: Option<bool>,
    /// May the user delete the record.
    pub delete: Option<bool>,
    /// Why, per action.
    pub reasons: Reasons,
    /// What the answer does not take into account.
    pub not_covered: Vec<Layer>,
}

impl CheckAnswer {
    /// The answer for one action.
    pub fn answer(&self, action: Action) -> Option<bool> {
        match action {
            Action::View => self.view,
            Action::Edit => self.edit,
            Action::Delete => self.delete,
        }
    }
}

/// The actions a sharing rule's permission grants; `None` for a permission the model does
/// not know.
pub(crate) fn rule_actions(p: &PermissionType) -> Option<&'static [Action]> {
    match p {
        PermissionType::Read => Some(&[Action::View]),
        PermissionType::ReadWrite => Some(&[Action::View, Action::Edit]),
        PermissionType::ReadWriteDelete => Some(&Action::ALL),
        _ => None,
    }
}

/// The actions an org default grants on others' records; `None` for an unknown share type.
pub(crate) fn default_actions(s: &ShareType) -> Option<&'static [Action]> {
    match s {
        ShareType::Private => Some(&[]),
        ShareType::PublicReadOnly => Some(&[Action::View]),
        ShareType::PublicReadWrite => Some(&[Action::View, Action::Edit]),
        ShareType::Public => Some(&Action::ALL),
        _ => None,
    }
}

/// Whether an owner-based rule's `from` holds the owner, or a criteria-based rule's criteria
/// matches the fields: `None` when a field it reads is not given.
pub(crate) fn rule_covers(
    model: &AccessModel,
    rule: &SharingRuleSpec,
    owner: usize,
    fields: &BTreeMap<String, Value>,
) -> Option<bool> {
    if let Some(c) = &rule.criteria {
        return criteria::matches(c, fields);
    }
    match &rule.from {
        Some(from) => Some(in_audience(model, from, owner).is_some()),
        None => Some(false),
    }
}

/// How `user` belongs to `audience`, if at all. Territory members of a group are not known.
pub(crate) fn in_audience(
    model: &AccessModel,
    audience: &Audience,
    user: usize,
) -> Option<Through> {
    let ix = &model.index;
    let d = &model.directory;
    let user_role = ix.user_role[user];
    match audience {
        Audience::AllUsers => Some(Through::AllUsers),
        Audience::Role(name) => {
            let r = ix.role_by_name.get(name).copied()?;
            (user_role == Some(r)).then(|| Through::Role { role: name.clone() })
        }
        Audience::RoleAndSubordinates(name) => {
            let r = ix.role_by_name.get(name).copied()?;
            let ur = user_role?;
            if ur == r {
                return Some(Through::RoleAndSubordinates {
                    roles: vec![name.clone()],
                });
            }
            let path = ix.role_path_down(r, ur)?;
            Some(Through::RoleAndSubordinates {
                roles: path.iter().map(|i| d.roles[*i].name.clone()).collect(),
            })
        }
        Audience::Group(name) => {
            let g = ix.group_by_name.get(name).copied()?;
            ix.group_path(d, g, user)
                .0
                .map(|path| Through::Group { path })
        }
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

struct Verdicts {
    granted: [bool; 3],
    reasons: Reasons,
}

impl Verdicts {
    fn grant(&mut self, action: Action, reason: Reason) {
        self.granted[action as usize] = true;
        self.reasons.of_mut(action).grants.push(reason.into());
    }

    fn open(&mut self, action: Action, question: impl Into<String>) {
        self.reasons.of_mut(action).open.push(
            Reason::Open {
                question: question.into(),
            }
            .into(),
        );
    }
}

impl AccessModel {
    /// Can `query.user` view, edit, delete a record of `query.module` owned by
    /// `query.owner`? See the [module docs](super) for the order of the evaluation.
    ///
    /// An unknown user or owner (no such e-mail address in the directory) is
    /// [`Error::InvalidInput`], with the nearest address when one is close.
    pub fn check(&self, query: &CheckQuery) -> Result<CheckAnswer, Error> {
        let d = &self.directory;
        let ix = &self.index;
        let unknown = |what: &str, email: &str| {
            let hint = crate::desired::suggest(email, d.users.iter().map(|u| u.email.as_str()))
                .map(|s| format!(" (did you mean {s:?}?)"))
                .unwrap_or_default();
            Error::invalid(what, format!("no user {email:?} in the org{hint}"))
        };
        let user = ix
            .user(&query.user)
            .ok_or_else(|| unknown("user", &query.user))?;
        let owner = ix
            .user(&query.owner)
            .ok_or_else(|| unknown("owner", &query.owner))?;
        let module = query.module.as_str();
        let mut v = Verdicts {
            granted: [false; 3],
            reasons: Reasons::default(),
        };
        let answer = |v: Verdicts, result: [Option<bool>; 3]| CheckAnswer {
            module: module.to_owned(),
            user: d.users[user].email.clone(),
            owner: d.users[owner].email.clone(),
            view: result[0],
            edit: result[1],
            delete: result[2],
            reasons: v.reasons,
            not_covered: Layer::ALL.to_vec(),
        };

        if !d.users[user].can_sign_in() {
            for a in Action::ALL {
                v.reasons.of_mut(a).limits.push(Reason::Inactive.into());
            }
            return Ok(answer(v, [Some(false); 3]));
        }

        let profile = ix.user_profile[user].map(|p| &d.profiles[p]);
        let administrator = profile.is_some_and(|p| p.administrator);

        // ---- grants
        if let Some(p) = profile.filter(|p| p.administrator) {
            for a in Action::ALL {
                v.grant(
                    a,
                    Reason::Administrator {
                        profile: p.name.clone(),
                    },
                );
            }
        }
        if user == owner {
            for a in Action::ALL {
                v.grant(a, Reason::Owner);
            }
        }
        let default = self.config.org_permissions.get(module);
        let private = matches!(default, Some(ShareType::Private));
        match default.map(|s| (s, default_actions(s))) {
            Some((s, Some(actions))) => {
                for a in actions {
                    v.grant(
                        *a,
                        Reason::OrgDefault {
                            share_type: s.clone(),
                        },
                    );
                }
            }
            Some((s, None)) => {
                for a in Action::ALL {
                    v.open(
                        a,
                        format!("the org default {s} is one the model does not know"),
                    );
                }
            }
            None => {
                for a in Action::ALL {
                    v.open(
                        a,
                        format!("the settings read give no org default for {module}"),
                    );
                }
            }
        }
        if user != owner {
            self.hierarchy_grants(&mut v, user, owner);
            self.rule_grants(&mut v, query, user, owner, default, private);
        }

        // ---- the three answers before limits
        let mut result = [None; 3];
        for a in Action::ALL {
            let e = v.reasons.of(a);
            result[a as usize] = if v.granted[a as usize] {
                Some(true)
            } else if !e.open.is_empty() {
                None
            } else {
                Some(false)
            };
        }

        // ---- limits: the profile
        for a in Action::ALL {
            let i = a as usize;
            match profile {
                None => {
                    if result[i] != Some(false) {
                        result[i] = None;
                        v.open(a, "the user's profile is not in the directory");
                    }
                }
                Some(p) => match p.modules.get(module) {
                    Some(perms) if !perms.allows(a) => {
                        result[i] = Some(false);
                        v.reasons.of_mut(a).limits.push(
                            Reason::ProfileDenies {
                                profile: p.name.clone(),
                            }
                            .into(),
                        );
                    }
                    Some(_) => {}
                    None => {
                        if result[i] != Some(false) {
                            result[i] = None;
                            v.open(
                                a,
                                format!(
                                    "profile {:?} has no permissions known for {module}",
                                    p.name
                                ),
                            );
                        }
                    }
                },
            }
        }

        // ---- limits: a lock
        self.lock_limits(
            &mut v,
            &mut result,
            query,
            profile.map(|p| p.name.as_str()),
            administrator,
        );

        for a in Action::ALL {
            let i = a as usize;
            let e = v.reasons.of_mut(a);
            if result[i] == Some(false) && e.grants.is_empty() && e.limits.is_empty() {
                e.limits.push(Reason::NotGranted.into());
            }
            if result[i].is_some() {
                e.open.clear();
            }
        }
        Ok(answer(v, result))
    }

    fn hierarchy_grants(&self, v: &mut Verdicts, user: usize, owner: usize) {
        let d = &self.directory;
        let ix = &self.index;
        match ix.superior(d, user, owner) {
            Ok(Some(chain)) => {
                v.grant(
                    Action::View,
                    Reason::Superior {
                        hierarchy: d.hierarchy,
                        chain,
                    },
                );
                for a in [Action::Edit, Action::Delete] {
                    v.open(
                        a,
                        format!(
                            "the user is a superior of the owner ({}); whether superiors may {a} \
                             is not documented",
                            d.hierarchy.describe()
                        ),
                    );
                }
            }
            Ok(None) => {}
            Err(()) => {
                for a in Action::ALL {
                    v.open(
                        a,
                        "in the reporting hierarchy, the owner (or a manager above) reports to \
                         nobody, and the user's role is higher: whether such records are visible \
                         (strictly_reporting) is not confirmed",
                    );
                }
            }
        }
        // Peers.
        if let (Some(ur), Some(or)) = (ix.user_role[user], ix.user_role[owner]) {
            if ur == or && d.roles[ur].share_with_peers {
                let role = d.roles[ur].name.clone();
                match d.hierarchy {
                    Hierarchy::RoleHierarchy => {
                        v.grant(Action::View, Reason::Peer { role: role.clone() });
                        for a in [Action::Edit, Action::Delete] {
                            v.open(
                                a,
                                format!(
                                    "user and owner are peers in role {role:?}, which shares with \
                                     peers; whether peers may {a} is not documented"
                                ),
                            );
                        }
                    }
                    #[allow(unreachable_patterns)]
                    _ => {
                        for a in Action::ALL {
                            v.open(
                                a,
                                format!(
                                    "user and owner are peers in role {role:?}, which shares with \
                                     peers; whether sharing with peers applies in the reporting \
                                     hierarchy is not documented"
                                ),
                            );
                        }
                    }
                }
            }
        }
    }

    fn rule_grants(
        &self,
        v: &mut Verdicts,
        query: &CheckQuery,
        user: usize,
        owner: usize,
        default: Option<&ShareType>,
        private: bool,
    ) {
        let d = &self.directory;
        let ix = &self.index;
        let Some(rules) = self.config.sharing_rules.get(&query.module) else {
            return;
        };
        for rule in rules
            .iter()
            .filter(|r| r.status == enums::SharingRuleStatus::Active)
        {
            // Does the user get it, directly or as a superior?
            let direct = in_audience(self, &rule.to, user);
            let mut superior: Option<Reason> = None;
            let mut superior_open: Option<String> = None;
            if direct.is_none() && rule.superiors_allowed {
                match (&rule.to, d.hierarchy, ix.user_role[user]) {
                    (
                        Audience::Role(name) | Audience::RoleAndSubordinates(name),
                        Hierarchy::RoleHierarchy,
                        Some(ur),
                    ) => {
                        if let Some(path) = ix
                            .role_by_name
                            .get(name)
                            .and_then(|r| ix.role_path_down(ur, *r))
                        {
                            superior = Some(Reason::RuleSuperior {
                                rule: rule.name.clone(),
                                permission: rule.permission.clone(),
                                roles: path.iter().map(|i| d.roles[*i].name.clone()).collect(),
                            });
                        }
                    }
                    (Audience::Group(name), _, _) => {
                        let members = ix.audience(d, &Audience::Group(name.clone()));
                        let above = members.iter().enumerate().any(|(m, inside)| {
                            *inside && matches!(ix.superior(d, user, m), Ok(Some(_)))
                        });
                        if above {
                            superior_open = Some(format!(
                                "sharing rule {:?} allows superiors, and the user is a superior of \
                                 a member of group {name:?}: whether that reaches superiors of a \
                                 group's members is not documented",
                                rule.name
                            ));
                        }
                    }
                    (Audience::Role(name) | Audience::RoleAndSubordinates(name), _, _) => {
                        let members = ix.audience(d, &rule.to);
                        let above = members.iter().enumerate().any(|(m, inside)| {
                            *inside && matches!(ix.superior(d, user, m), Ok(Some(_)))
                        });
                        if above {
                            superior_open = Some(format!(
                                "sharing rule {:?} allows superiors of role {name:?}: whether that \
                                 follows the reporting hierarchy is not documented",
                                rule.name
                            ));
                        }
                    }
                    _ => {}
                }
            }
            // A group with territory members may hold the user without the model knowing.
            let territory_open = match (&direct, &rule.to) {
                (None, Audience::Group(name)) => ix
                    .group_by_name
                    .get(name)
                    .is_some_and(|g| ix.group_path(d, *g, user).1),
                _ => false,
            };
            if direct.is_none() && superior.is_none() && superior_open.is_none() && !territory_open
            {
                continue;
            }
            // Does it cover this record?
            let covers = rule_covers(self, rule, owner, &query.fields);
            if covers == Some(false) {
                continue;
            }
            let Some(actions) = rule_actions(&rule.permission) else {
                for a in Action::ALL {
                    v.open(
                        a,
                        format!(
                            "sharing rule {:?} grants {}, a permission the model does not know",
                            rule.name, rule.permission
                        ),
                    );
                }
                continue;
            };
            for a in actions {
                let a = *a;
                let mut open: Option<String> = None;
                if covers.is_none() {
                    let mut fields = Vec::new();
                    if let Some(c) = &rule.criteria {
                        criteria::fields_of(c, &mut fields);
                    }
                    fields.retain(|f| !query.fields.contains_key(f));
                    open = Some(format!(
                        "sharing rule {:?} shares records with {}: the record's {} not given",
                        rule.name,
                        rule.criteria
                            .as_ref()
                            .map(criteria::describe)
                            .unwrap_or_default(),
                        if fields.len() == 1 {
                            format!("{} is", fields[0])
                        } else {
                            format!("{} are", fields.join(", "))
                        }
                    ));
                } else if territory_open {
                    open = Some(format!(
                        "sharing rule {:?} shares to group {}, which has territory members: \
                         territories are not covered",
                        rule.name,
                        rule.to.name().unwrap_or_default()
                    ));
                } else if let Some(q) = &superior_open {
                    open = Some(q.clone());
                } else if !private {
                    open = undocumented_grant(&rule.name, default, &[a]).1;
                }
                if let Some(q) = open {
                    v.open(a, q);
                    continue;
                }
                if !private {
                    // The org default already grants it (or says nothing).
                    continue;
                }
                let reason = match (&direct, &superior) {
                    (Some(through), _) => Reason::Rule {
                        rule: rule.name.clone(),
                        permission: rule.permission.clone(),
                        through: through.clone(),
                    },
                    (None, Some(r)) => r.clone(),
                    (None, None) => continue,
                };
                v.grant(a, reason);
            }
        }
    }

    fn lock_limits(
        &self,
        v: &mut Verdicts,
        result: &mut [Option<bool>; 3],
        query: &CheckQuery,
        profile: Option<&str>,
        administrator: bool,
    ) {
        let config = self.config.record_locking.get(&query.module);
        // Is the record locked, and by what?
        let mut lock: Option<Lock> = query.locked.then_some(Lock::Marked);
        let mut unknown: Vec<String> = Vec::new();
        if lock.is_none() {
            if let Some(c) = config.filter(|c| {
                matches!(
                    c.lock_type,
                    enums::LockType::Automatic | enums::LockType::Both
                )
            }) {
                for r in &c.rules {
                    match criteria::matches(&r.criteria, &query.fields) {
                        Some(true) => {
                            lock = Some(Lock::Rule { name: r.name.clone() });
                            break;
                        }
                        Some(false) => {}
                        None => unknown.push(format!(
                            "locking rule {:?} locks records with {}: the record's fields are not all given",
                            r.name,
                            criteria::describe(&r.criteria)
                        )),
                    }
                }
            }
        }
        let restricted = |a: Action| match (a, config) {
            (Action::View, _) => false,
            (Action::Edit, _) => true,
            (Action::Delete, Some(c)) => c.restricted_actions.contains(&RestrictedAction::Delete),
            (Action::Delete, None) => false,
        };
        let excluded = config.is_some_and(|c| {
            c.locked_for == LockedFor::AllProfilesExceptExcludedProfiles
                && profile.is_some_and(|p| c.excluded_profiles.contains(p))
        });
        for a in [Action::Edit, Action::Delete] {
            if !restricted(a) {
                continue;
            }
            let i = a as usize;
            match &lock {
                Some(l) if excluded => v.reasons.of_mut(a).limits.push(
                    Reason::LockExcluded {
                        lock: l.clone(),
                        profile: profile.unwrap_or_default().to_owned(),
                    }
                    .into(),
                ),
                Some(l) if administrator && result[i] != Some(false) => {
                    result[i] = None;
                    v.open(
                        a,
                        format!(
                            "{l}, and the Administrator profile is not excluded from the lock: \
                             whether administrators bypass locks is not documented"
                        ),
                    );
                }
                Some(l) => {
                    result[i] = Some(false);
                    v.reasons
                        .of_mut(a)
                        .limits
                        .push(Reason::Locked { lock: l.clone() }.into());
                }
                None if !unknown.is_empty() && !excluded && result[i] == Some(true) => {
                    result[i] = None;
                    for q in &unknown {
                        v.open(a, q.clone());
                    }
                }
                None => {}
            }
        }
    }
}

/// Which of `actions` a sharing rule grants beyond the module's org `default` without Zoho's
/// documents saying it does, and why: under `public_read_only`, edit and delete ("whether
/// rules extend a public default is not documented"); under `public_read_write`, delete
/// (Zoho says rules "will not be applied"). Empty, `None`, under any other default. The one
/// place [`AccessModel::check`] and [`AccessModel::diff`] decide it.
pub(crate) fn undocumented_grant(
    rule: &str,
    default: Option<&ShareType>,
    actions: &[Action],
) -> (Vec<Action>, Option<String>) {
    let open: Vec<Action> = match default {
        Some(ShareType::PublicReadOnly) => actions
            .iter()
            .copied()
            .filter(|a| *a != Action::View)
            .collect(),
        Some(ShareType::PublicReadWrite) => actions
            .iter()
            .copied()
            .filter(|a| *a == Action::Delete)
            .collect(),
        _ => Vec::new(),
    };
    if open.is_empty() {
        return (open, None);
    }
    let names: Vec<&str> = open.iter().map(|a| a.as_str()).collect();
    let names = names.join(", ");
    let why = if matches!(default, Some(ShareType::PublicReadOnly)) {
        format!(
            "sharing rule {rule:?} grants {names}, but the org default is public_read_only: \
             whether rules extend a public default is not documented"
        )
    } else {
        format!(
            "sharing rule {rule:?} grants {names}, but the org default is public_read_write, \
             under which Zoho says rules \"will not be applied\""
        )
    };
    (open, Some(why))
}
