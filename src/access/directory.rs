//! The directory the access model reads: by name (roles, groups, profiles) and e-mail address
//! (users), like the desired-state file, so a model can be built from a file as well as from
//! an org.

use std::collections::{BTreeMap, HashMap};

use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::Error;
use crate::generated::{enums, types};

/// The org's hierarchy preference: whose superiors see a user's records (Zoho Help, "Manage
/// Hierarchy Preference"; `GET /org` `hierarchy_preferences`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Hierarchy {
    /// Users in higher roles see the records of users in the roles below (`Role_Hierarchy`,
    /// Zoho's default).
    #[default]
    RoleHierarchy,
    /// A user's reporting manager, and theirs, see the user's records
    /// (`Reporting_To_Hierarchy`).
    ReportingHierarchy {
        /// Records of users who report to nobody are visible only to the top of the
        /// hierarchy and administrators (`strictly_reporting`).
        #[serde(default)]
        strictly_reporting: bool,
    },
}

impl Hierarchy {
    /// `role hierarchy` or `reporting hierarchy`.
    pub fn describe(self) -> &'static str {
        match self {
            Hierarchy::RoleHierarchy => "role hierarchy",
            Hierarchy::ReportingHierarchy { .. } => "reporting hierarchy",
        }
    }
}

/// A role: its place in the hierarchy and whether its users share with each other.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DirectoryRole {
    /// Role name (unique in the org).
    pub name: String,
    /// The parent role's name; `None` for the top of the hierarchy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_to: Option<String>,
    /// Users of this role see each other's records (`share_with_peers`).
    #[serde(default)]
    pub share_with_peers: bool,
}

impl DirectoryRole {
    /// A role below `reporting_to` (`None` for the top), not sharing with peers.
    pub fn new(name: impl Into<String>, reporting_to: Option<&str>) -> Self {
        DirectoryRole {
            name: name.into(),
            reporting_to: reporting_to.map(str::to_owned),
            share_with_peers: false,
        }
    }

    /// Whether users of the role share records with each other.
    pub fn with_share_with_peers(mut self, share: bool) -> Self {
        self.share_with_peers = share;
        self
    }
}

/// A member (source) of a user group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum GroupMember {
    /// A user, by e-mail address.
    User {
        /// E-mail address.
        email: String,
    },
    /// The users of a role, and of the roles below it with `subordinates`.
    Role {
        /// Role name.
        name: String,
        /// The roles below it too.
        #[serde(default)]
        subordinates: bool,
    },
    /// The members of another group.
    Group {
        /// Group name.
        name: String,
    },
    /// A territory's users (territories are not modelled: see [`super::Layer::Territories`]).
    Territory {
        /// Territory name.
        name: String,
    },
}

/// A user group and its members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DirectoryGroup {
    /// Group name.
    pub name: String,
    /// Its members.
    #[serde(default)]
    pub members: Vec<GroupMember>,
}

impl DirectoryGroup {
    /// A group with these members.
    pub fn new(name: impl Into<String>, members: Vec<GroupMember>) -> Self {
        DirectoryGroup {
            name: name.into(),
            members,
        }
    }
}

/// What a profile allows on one module's records (`Crm_Implied_View_<module>`, `..._Create_`,
/// `..._Edit_`, `..._Delete_` in the profile's `permissions_details`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModulePermissions {
    /// View records.
    #[serde(default)]
    pub view: bool,
    /// Create records.
    #[serde(default)]
    pub create: bool,
    /// Edit records.
    #[serde(default)]
    pub edit: bool,
    /// Delete records.
    #[serde(default)]
    pub delete: bool,
}

impl ModulePermissions {
    /// These four permissions.
    pub fn new(view: bool, create: bool, edit: bool, delete: bool) -> Self {
        ModulePermissions {
            view,
            create,
            edit,
            delete,
        }
    }

    /// Whether the profile allows this action.
    pub fn allows(&self, action: super::Action) -> bool {
        match action {
            super::Action::View => self.view,
            super::Action::Edit => self.edit,
            super::Action::Delete => self.delete,
        }
    }
}

/// A profile: whether it is the Administrator profile, and its permissions per module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DirectoryProfile {
    /// Profile name.
    pub name: String,
    /// The built-in Administrator profile (`api_name` `Administrator`, not `custom`): "full
    /// access to all the records" (Zoho Help, Using Territories; roles FAQ).
    #[serde(default)]
    pub administrator: bool,
    /// Module API name -> what the profile allows on its records. A module missing here is
    /// unknown, and answers about it are `None`.
    #[serde(default)]
    pub modules: BTreeMap<String, ModulePermissions>,
}

impl DirectoryProfile {
    /// A profile with no module permissions known yet.
    pub fn new(name: impl Into<String>, administrator: bool) -> Self {
        DirectoryProfile {
            name: name.into(),
            administrator,
            modules: BTreeMap::new(),
        }
    }

    /// The permissions on one module.
    pub fn with_module(
        mut self,
        module: impl Into<String>,
        permissions: ModulePermissions,
    ) -> Self {
        self.modules.insert(module.into(), permissions);
        self
    }
}

/// A user: role, profile, manager and whether they are active.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DirectoryUser {
    /// E-mail address: the key (compared without regard to ASCII case).
    pub email: String,
    /// Full name.
    #[serde(default)]
    pub name: String,
    /// Role name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Profile name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The user's reporting manager, by e-mail address (`Reporting_To`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_to: Option<String>,
    /// Active (`status` `active`).
    #[serde(default = "yes")]
    pub active: bool,
    /// The user accepted the invitation (`confirm`).
    #[serde(default = "yes")]
    pub confirmed: bool,
}

fn yes() -> bool {
    true
}

impl DirectoryUser {
    /// An active, confirmed user with this role and profile, reporting to nobody.
    pub fn new(
        email: impl Into<String>,
        name: impl Into<String>,
        role: impl Into<String>,
        profile: impl Into<String>,
    ) -> Self {
        DirectoryUser {
            email: email.into(),
            name: name.into(),
            role: Some(role.into()),
            profile: Some(profile.into()),
            reporting_to: None,
            active: true,
            confirmed: true,
        }
    }

    /// The user's reporting manager, by e-mail address.
    pub fn with_reporting_to(mut self, manager: impl Into<String>) -> Self {
        self.reporting_to = Some(manager.into());
        self
    }

    /// Whether the user is active.
    pub fn with_active(mut self, active: bool) -> Self {
        self.active = active;
        self
    }

    /// Active and confirmed: a user who can sign in.
    pub fn can_sign_in(&self) -> bool {
        self.active && self.confirmed
    }
}

/// The directory of one org as the access model reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Directory {
    /// The org's hierarchy preference.
    #[serde(default)]
    pub hierarchy: Hierarchy,
    /// The roles.
    #[serde(default)]
    pub roles: Vec<DirectoryRole>,
    /// The user groups.
    #[serde(default)]
    pub groups: Vec<DirectoryGroup>,
    /// The profiles.
    #[serde(default)]
    pub profiles: Vec<DirectoryProfile>,
    /// The users (every status).
    #[serde(default)]
    pub users: Vec<DirectoryUser>,
}

impl Directory {
    /// An empty directory under this hierarchy preference.
    pub fn new(hierarchy: Hierarchy) -> Self {
        Directory {
            hierarchy,
            ..Directory::default()
        }
    }

    /// Reads the org's directory: `GET /org` (the hierarchy preference), every role, every
    /// group with its members, every profile with its permissions (one call per profile) and
    /// every user.
    pub async fn read(client: &Client) -> Result<Directory, Error> {
        let dir = client.directory();
        let org = dir.org().await?;
        let roles = dir.roles().await?;
        let groups: Vec<types::UserGroup> = dir.user_groups().stream().try_collect().await?;
        let profiles: Vec<types::Profile> = dir.profiles().stream().try_collect().await?;
        let users: Vec<types::User> = dir
            .users(enums::UserType::AllUsers)
            .stream()
            .try_collect()
            .await?;

        let role_name: HashMap<&str, &str> = roles
            .iter()
            .map(|r| (r.id.as_str(), r.name.as_str()))
            .collect();
        let group_name: HashMap<&str, &str> = groups
            .iter()
            .map(|g| (g.id.as_str(), g.name.as_str()))
            .collect();
        let email_of: HashMap<&str, &str> = users
            .iter()
            .filter_map(|u| Some((u.id.as_str(), u.email.as_deref()?)))
            .collect();

        let hierarchy = match org.and_then(|o| o.hierarchy_preferences) {
            Some(h) if h.type_ == enums::HierarchyType::ReportingToHierarchy => {
                Hierarchy::ReportingHierarchy {
                    strictly_reporting: h.strictly_reporting.unwrap_or(false),
                }
            }
            _ => Hierarchy::RoleHierarchy,
        };

        let mut out_groups = Vec::with_capacity(groups.len());
        for g in &groups {
            let sources = dir.user_group_sources(&g.id).await?;
            let members = sources
                .iter()
                .filter_map(|s| {
                    let id = s.source.id.as_str();
                    let named = |map: &HashMap<&str, &str>| {
                        map.get(id)
                            .map(|n| (*n).to_owned())
                            .or_else(|| s.source.name.clone())
                    };
                    Some(match s.type_.as_str() {
                        "users" => GroupMember::User {
                            email: email_of.get(id).map(|e| (*e).to_owned())?,
                        },
                        "roles" => GroupMember::Role {
                            name: named(&role_name)?,
                            subordinates: s.subordinates.unwrap_or(false),
                        },
                        "groups" => GroupMember::Group {
                            name: named(&group_name)?,
                        },
                        _ => GroupMember::Territory {
                            name: s.source.name.clone().unwrap_or_else(|| id.to_owned()),
                        },
                    })
                })
                .collect();
            out_groups.push(DirectoryGroup::new(g.name.clone(), members));
        }

        let mut out_profiles = Vec::with_capacity(profiles.len());
        for p in &profiles {
            let administrator =
                p.api_name.as_deref() == Some("Administrator") && p.custom != Some(true);
            let mut profile = DirectoryProfile::new(p.name.clone(), administrator);
            if let Some(full) = dir.profile(&p.id).await? {
                for perm in &full.permissions_details {
                    // `Crm_Implied_View_Leads`: the action is in the internal name (the
                    // label may be translated), the module's API name in `module`.
                    let Some(module) = perm.module.as_deref() else {
                        continue;
                    };
                    let Some(action) = perm.name.strip_prefix("Crm_Implied_") else {
                        continue;
                    };
                    let entry = profile.modules.entry(module.to_owned()).or_default();
                    let enabled = perm.enabled.unwrap_or(false);
                    if action.starts_with("View_") {
                        entry.view = enabled;
                    } else if action.starts_with("Create_") {
                        entry.create = enabled;
                    } else if action.starts_with("Edit_") {
                        entry.edit = enabled;
                    } else if action.starts_with("Delete_") {
                        entry.delete = enabled;
                    }
                }
            }
            out_profiles.push(profile);
        }

        let out_roles = roles
            .iter()
            .map(|r| DirectoryRole {
                name: r.name.clone(),
                reporting_to: r
                    .reporting_to
                    .as_ref()
                    .and_then(|p| role_name.get(p.id.as_str()).map(|n| (*n).to_owned())),
                share_with_peers: r.share_with_peers.unwrap_or(false),
            })
            .collect();
        let out_users = users
            .iter()
            .filter_map(|u| {
                Some(DirectoryUser {
                    email: u.email.clone()?,
                    name: u.full_name.clone().unwrap_or_default(),
                    role: u.role.as_ref().and_then(|r| {
                        role_name
                            .get(r.id.as_str())
                            .map(|n| (*n).to_owned())
                            .or_else(|| r.name.clone())
                    }),
                    profile: u.profile.as_ref().and_then(|p| p.name.clone()),
                    reporting_to: u
                        .reporting_to
                        .as_ref()
                        .and_then(|m| email_of.get(m.id.as_str()).map(|e| (*e).to_owned())),
                    active: u
                        .status
                        .as_ref()
                        .is_none_or(|s| *s == enums::UserStatus::Active),
                    confirmed: u.confirm.unwrap_or(true),
                })
            })
            .collect();
        Ok(Directory {
            hierarchy,
            roles: out_roles,
            groups: out_groups,
            profiles: out_profiles,
            users: out_users,
        })
    }
}
