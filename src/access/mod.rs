//! Who can reach which records, why, and what a change of settings does to that: an access
//! model of one org, built from its access settings (default organization permissions,
//! sharing rules, record locking) and its directory (roles and their hierarchy, groups and
//! their members, profiles and their module permissions, users and their managers).
//!
//! Build an [`AccessModel`] from one read of an org ([`AccessModel::load`]), or from a
//! desired-state file and the org's directory ([`AccessModel::new`],
//! [`AccessModel::with_desired`]), then ask it three questions:
//!
//! * [`AccessModel::check`]: can this user view, edit, delete a record of this module owned
//!   by that user (with these field values, locked or not)? Each answer is `Some(true)`,
//!   `Some(false)` or `None` (unknown), with the chain of settings that grants it and what
//!   limits it ([`CheckAnswer`]);
//! * [`AccessModel::who`]: for a module, every active user's access to records of others,
//!   grouped by role, group and rule ([`WhoAnswer`]);
//! * [`AccessModel::diff`]: between two models (the org now and a plan applied), who gains or
//!   loses view, edit or delete on which records, through what: an org default, a sharing
//!   rule, or a record locking configuration (edit and delete of locked records, by profile)
//!   ([`AccessDiff`]).
//!
//! # What the model follows
//!
//! The model implements what Zoho documents and nothing it does not: where Zoho's documents
//! leave a question open (the access level of superiors beyond view, what peers of a role
//! that shares with peers may do beyond view, a rule under a public default, whether the
//! Administrator profile bypasses a record lock ...) the answer is `None`, with the reason.
//! Each [`Reason`] names the source it follows ([`Reason::source`]). The order of the
//! evaluation:
//!
//! 1. a user who is not active and confirmed reaches nothing;
//! 2. grants, combined by the most permissive: the Administrator profile ("full access to all
//!    the records"); the owner ("full access to the records they own"); the org default of
//!    the module (`public_read_only` view, `public_read_write` view and edit, `public` all
//!    three); under `private`, superiors through the role hierarchy or the reporting
//!    hierarchy as the org's hierarchy preference says (view), peers of a role that shares
//!    with peers (view), and the module's active sharing rules (owner-based by the owner,
//!    criteria-based by the record's field values) to the user through a role, a role and
//!    its subordinates, a group (nested members expanded) or all users, or to a superior of
//!    a target role when the rule allows superiors;
//! 3. limits: the user's profile must allow the action on the module (a grant never exceeds
//!    it); a locked record (marked locked, or matching a locking rule of the module's
//!    configuration) refuses the restricted actions (edit always, delete when restricted) to
//!    every profile the configuration does not exclude, the owner included.
//!
//! Every answer lists the layers the model does not cover ([`Layer`]): shares of single
//! records, territories, user lookup fields that grant access, and portal users.
//!
//! ```
//! use zoho_crm_access::access::{AccessModel, CheckQuery, Directory, Hierarchy};
//! use zoho_crm_access::desired::AccessConfig;
//!
//! let directory: Directory = serde_json::from_value(serde_json::json!({
//!     "hierarchy": {"type": "role_hierarchy"},
//!     "roles": [
//!         {"name": "CEO"},
//!         {"name": "Manager", "reporting_to": "CEO"},
//!     ],
//!     "profiles": [{"name": "Standard", "modules": {
//!         "Leads": {"view": true, "create": true, "edit": true, "delete": false}
//!     }}],
//!     "users": [
//!         {"email": "ceo@example.com", "name": "Ana", "role": "CEO", "profile": "Standard"},
//!         {"email": "mgr@example.com", "name": "Bo", "role": "Manager", "profile": "Standard"},
//!     ],
//! }))?;
//! let config = AccessConfig::from_yaml(
//!     "version: 1\nscope: {families: [org_permissions], modules: [Leads]}\n\
//!      org_permissions: {Leads: private}\n",
//! )?;
//! let model = AccessModel::new(directory, config);
//! let answer = model.check(&CheckQuery::new("Leads", "ceo@example.com", "mgr@example.com"))?;
//! assert_eq!(answer.view, Some(true)); // a superior in the role hierarchy
//! assert_eq!(answer.delete, Some(false)); // the profile does not allow delete
//! # let _ = Hierarchy::default();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod check;
mod criteria;
mod diff;
mod directory;
mod model;
mod who;

use serde::{Deserialize, Serialize};

pub use check::{CheckAnswer, CheckQuery, Explanation, Finding, Lock, Reason, Reasons, Through};
pub use diff::{
    audience_text, AccessChange, AccessDiff, Cause, Direction, Grantee, LockingChange, RecordSet,
};
pub use directory::{
    Directory, DirectoryGroup, DirectoryProfile, DirectoryRole, DirectoryUser, GroupMember,
    Hierarchy, ModulePermissions,
};
pub use model::AccessModel;
pub use who::{GroupRow, RoleRow, RuleRow, UserRow, WhoAnswer};

/// What a user does to a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// See the record.
    View,
    /// Change the record.
    Edit,
    /// Delete the record.
    Delete,
}

impl Action {
    /// The three actions, in this order.
    pub const ALL: [Action; 3] = [Action::View, Action::Edit, Action::Delete];

    /// `view`, `edit` or `delete`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::View => "view",
            Action::Edit => "edit",
            Action::Delete => "delete",
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A layer of Zoho's access model this model does not cover: every answer lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Layer {
    /// Shares of single records with users, groups or roles (the Share Records API): data
    /// of each record, not settings.
    RecordShares,
    /// Territories and their managers (Accounts, Contacts, Deals, Leads).
    Territories,
    /// User lookup fields whose `sharing_properties` grant access to the users they name.
    UserLookupFields,
    /// Portal users, whose access is configured per portal.
    PortalUsers,
}

impl Layer {
    /// Every layer the model does not cover.
    pub const ALL: [Layer; 4] = [
        Layer::RecordShares,
        Layer::Territories,
        Layer::UserLookupFields,
        Layer::PortalUsers,
    ];

    /// What the layer is, in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            Layer::RecordShares => "shares of single records",
            Layer::Territories => "territories",
            Layer::UserLookupFields => "user lookup fields that grant access",
            Layer::PortalUsers => "portal users",
        }
    }
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}
