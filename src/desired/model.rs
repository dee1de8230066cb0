//! The desired-state file's types: everything by org-independent keys (modules and fields by
//! API name; roles, groups, profiles, rules and buttons by name), no ids, no timestamps, no
//! read-only fields.
//!
//! The YAML form is stable: maps (modules, share types) are sorted by key, sets (profiles,
//! fields, actions ...) are sorted and free of duplicates, rules are written sorted by name,
//! and a struct's fields always come in the order they are declared here. Every scalar
//! setting is written, even when it has Zoho's default; lists are written only when they are
//! not empty (an absent list is an empty one).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::generated::enums;

/// The version of the file format this crate reads and writes.
pub(crate) const VERSION: u32 = 1;

/// A desired state of an org's access control: the whole truth about the modules and families
/// in its [`Scope`], nothing about anything outside it.
///
/// Read one with [`AccessConfig::from_yaml`] (JSON is accepted too), get the org's current
/// one with [`crate::desired::pull`], write it with [`AccessConfig::to_yaml`].
///
/// ```
/// use zoho_crm_access::desired::AccessConfig;
///
/// let config = AccessConfig::from_yaml(
///     r#"
/// version: 1
/// scope:
///   families: [org_permissions, sharing_rules]
///   modules: [Leads]
/// sharing_rules:
///   Leads:
///     - name: Miami leads
///       permission: read_write
///       to: {group: Miami Users}
///       criteria: {field: City, comparator: equal, value: Miami}
/// org_permissions:
///   Leads: private
/// "#,
/// )?;
/// assert_eq!(config.sharing_rules["Leads"][0].name, "Miami leads");
/// // Written back: sorted, every setting explicit (status, superiors_allowed).
/// assert!(config.to_yaml()?.contains("status: active"));
/// # Ok::<(), zoho_crm_access::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "zoho-access desired state, version 1",
    description = "The access control of a Zoho CRM org (record locking, data sharing rules, \
                   default organization permissions) by name: the whole truth inside `scope`, \
                   nothing outside it."
)]
#[non_exhaustive]
pub struct AccessConfig {
    /// The file format's version: 1.
    pub version: u32,
    /// What this file manages; inside it the file is the whole truth, outside it nothing is
    /// read or changed.
    pub scope: Scope,
    /// Record locking configuration per module (by API name). A module in scope that is not
    /// here has no configuration.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub record_locking: BTreeMap<String, LockingSpec>,
    /// Data sharing rules per module (by API name), by rule name. A module in scope that is
    /// not here has no sharing rules.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sharing_rules: BTreeMap<String, Vec<SharingRuleSpec>>,
    /// Default organization permission (share type) per module (by API name): every module
    /// in scope has one when this family is in scope.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub org_permissions: BTreeMap<String, enums::ShareType>,
}

impl AccessConfig {
    /// An empty desired state of version 1 for `scope`: inside it, nothing (no locking
    /// configurations, no sharing rules; add the share types before planning).
    pub fn new(scope: Scope) -> Self {
        AccessConfig {
            version: VERSION,
            scope,
            record_locking: BTreeMap::new(),
            sharing_rules: BTreeMap::new(),
            org_permissions: BTreeMap::new(),
        }
    }

    /// Sorts the sharing rules and locking rules by name, as [`Self::to_yaml`] writes them;
    /// two configurations that differ only in the order of their rules are equal afterwards.
    pub fn canonicalize(&mut self) {
        for rules in self.sharing_rules.values_mut() {
            rules.sort_by(|a, b| a.name.cmp(&b.name));
        }
        for spec in self.record_locking.values_mut() {
            spec.rules.sort_by(|a, b| a.name.cmp(&b.name));
        }
    }

    /// This configuration with its rules sorted (see [`Self::canonicalize`]).
    pub fn canonical(&self) -> Self {
        let mut c = self.clone();
        c.canonicalize();
        c
    }
}

/// The three access-control families a file can manage.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Family {
    /// Default organization permissions (`org_permissions`).
    OrgPermissions,
    /// Record locking configurations (`record_locking`).
    RecordLocking,
    /// Data sharing rules (`sharing_rules`).
    SharingRules,
}

impl Family {
    /// The three families, in the order a plan applies them.
    pub const ALL: [Family; 3] = [
        Family::OrgPermissions,
        Family::RecordLocking,
        Family::SharingRules,
    ];

    /// The family's key in the file (`record_locking` ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Family::OrgPermissions => "org_permissions",
            Family::RecordLocking => "record_locking",
            Family::SharingRules => "sharing_rules",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Family {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Family::ALL
            .into_iter()
            .find(|f| f.as_str() == s.trim())
            .ok_or_else(|| {
                crate::Error::invalid(
                    "family",
                    format!("`{s}`: use record_locking, sharing_rules or org_permissions"),
                )
            })
    }
}

/// What a file manages: families and modules, and of their rules all or only the ones the
/// file names. Inside the scope the file is the whole truth (what the org has and the file
/// lacks is removed, unless `rules: listed`); outside it nothing is touched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Scope {
    /// The families managed.
    pub families: BTreeSet<Family>,
    /// The modules managed, by API name. Empty only when pulling, where it means every
    /// module the org lists in its default organization permissions.
    pub modules: BTreeSet<String>,
    /// Which rules of the modules in scope the file manages: `all` (the default: a sharing
    /// rule or locking rule the org has and the file lacks is deleted, and a module without
    /// a `record_locking` entry has no configuration) or `listed` (only the rules the file
    /// names are created or changed; the org's other rules, and the locking configuration of
    /// a module the file gives none, are left as they are).
    #[serde(default, skip_serializing_if = "RuleScope::is_all")]
    pub rules: RuleScope,
}

/// Which rules of a module in scope a file manages (`scope.rules`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RuleScope {
    /// Every rule: the file is the whole truth, a rule it lacks is deleted.
    #[default]
    All,
    /// Only the rules the file names (by name); the org's other rules stay as they are.
    /// For adding or changing one rule without listing the rest.
    Listed,
}

impl RuleScope {
    /// Whether this is [`RuleScope::All`], the default (not written in a file).
    pub fn is_all(&self) -> bool {
        *self == RuleScope::All
    }
}

impl Scope {
    /// A scope of these families and modules.
    ///
    /// ```
    /// use zoho_crm_access::desired::{Family, Scope};
    /// let scope = Scope::new([Family::SharingRules], ["Leads", "Deals"]);
    /// assert_eq!(scope.modules.iter().next().map(String::as_str), Some("Deals"));
    /// ```
    pub fn new<M: Into<String>>(
        families: impl IntoIterator<Item = Family>,
        modules: impl IntoIterator<Item = M>,
    ) -> Self {
        Scope {
            families: families.into_iter().collect(),
            modules: modules.into_iter().map(Into::into).collect(),
            rules: RuleScope::All,
        }
    }

    /// This scope managing only the rules a file names ([`RuleScope::Listed`]).
    ///
    /// ```
    /// use zoho_crm_access::desired::{Family, RuleScope, Scope};
    /// let scope = Scope::new([Family::SharingRules], ["Leads"]).listed_rules_only();
    /// assert_eq!(scope.rules, RuleScope::Listed);
    /// ```
    pub fn listed_rules_only(mut self) -> Self {
        self.rules = RuleScope::Listed;
        self
    }

    /// Every family, and (for [`crate::desired::pull`]) every module the org has.
    pub fn everything() -> Self {
        Scope {
            families: Family::ALL.into_iter().collect(),
            modules: BTreeSet::new(),
            rules: RuleScope::All,
        }
    }

    /// Whether the scope manages this family.
    pub fn has(&self, family: Family) -> bool {
        self.families.contains(&family)
    }
}

/// A module's record locking configuration. Profiles by name, fields by API name, custom
/// buttons by name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LockingSpec {
    /// Manual, automatic (by the rules) or both.
    pub lock_type: enums::LockType,
    /// All profiles, or all profiles except `excluded_profiles` (default: all profiles).
    #[serde(default = "all_profiles")]
    pub locked_for: enums::LockedFor,
    /// Profiles (by name) the lock does not apply to (Zoho's `lock_excluded_profiles`).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub excluded_profiles: BTreeSet<String>,
    /// Fields (by API name) that stay editable on locked records (Zoho's `excluded_fields`).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub editable_fields: BTreeSet<String>,
    /// What locked records refuse (`update`, `delete`, `tags`, `change_owner`, `convert`).
    /// Always written: an empty list restricts nothing.
    pub restricted_actions: BTreeSet<enums::RestrictedAction>,
    /// Communications locked records refuse (`send_mail` ...).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub restricted_communications: BTreeSet<enums::RestrictedCommunication>,
    /// Custom buttons (by name) locked records refuse. Zoho publishes no API that lists
    /// custom buttons: a name is resolved through the buttons the target org's own
    /// configuration of the module already carries (see the module documentation).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub restricted_custom_buttons: BTreeSet<String>,
    /// Whether portal users are locked out too (default: true).
    #[serde(default = "yes")]
    pub lock_for_portal_users: bool,
    /// Automatic locking rules (at most 5), written sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<LockingRuleSpec>,
}

fn all_profiles() -> enums::LockedFor {
    enums::LockedFor::AllProfiles
}

fn yes() -> bool {
    true
}

fn active() -> enums::SharingRuleStatus {
    enums::SharingRuleStatus::Active
}

impl LockingSpec {
    /// A configuration of this lock type restricting these actions, for all profiles and
    /// portal users, with nothing else; set the rest through the public fields.
    pub fn new(
        lock_type: enums::LockType,
        restricted_actions: impl IntoIterator<Item = enums::RestrictedAction>,
    ) -> Self {
        LockingSpec {
            lock_type,
            locked_for: all_profiles(),
            excluded_profiles: BTreeSet::new(),
            editable_fields: BTreeSet::new(),
            restricted_actions: restricted_actions.into_iter().collect(),
            restricted_communications: BTreeSet::new(),
            restricted_custom_buttons: BTreeSet::new(),
            lock_for_portal_users: true,
            rules: Vec::new(),
        }
    }

    /// Adds an automatic locking rule.
    pub fn with_rule(mut self, rule: LockingRuleSpec) -> Self {
        self.rules.push(rule);
        self
    }
}

/// An automatic locking rule: records matching `criteria` are locked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LockingRuleSpec {
    /// The rule's name, unique within the configuration (its key across orgs).
    pub name: String,
    /// Whether records that already match are locked when the rule is saved (default false).
    #[serde(default)]
    pub lock_existing_records: bool,
    /// Which records the rule locks.
    pub criteria: CriteriaSpec,
}

impl LockingRuleSpec {
    /// A rule locking the records that match `criteria`, not the existing ones.
    pub fn new(name: impl Into<String>, criteria: CriteriaSpec) -> Self {
        LockingRuleSpec {
            name: name.into(),
            lock_existing_records: false,
            criteria,
        }
    }
}

/// A data sharing rule: owner-based (`from`) or criteria-based (`criteria`), shared `to` a
/// role, a role and its subordinates, a group or all users.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SharingRuleSpec {
    /// The rule's name, unique within the module (its key across orgs).
    pub name: String,
    /// Active or inactive (default: active). Zoho creates rules active; an inactive rule is
    /// created, then deactivated.
    #[serde(default = "active")]
    pub status: enums::SharingRuleStatus,
    /// What the users the records are shared with may do.
    pub permission: enums::PermissionType,
    /// Whether superiors of the users shared with get access too (default false).
    #[serde(default)]
    pub superiors_allowed: bool,
    /// Owner-based: the records owned by these users are shared (a role, a role and its
    /// subordinates, or a group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Audience>,
    /// Who the records are shared with.
    pub to: Audience,
    /// Criteria-based: the records matching these criteria are shared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<CriteriaSpec>,
}

impl SharingRuleSpec {
    /// An owner-based rule: records owned by `from` are shared with `to`.
    pub fn owner_based(
        name: impl Into<String>,
        from: Audience,
        to: Audience,
        permission: enums::PermissionType,
    ) -> Self {
        SharingRuleSpec {
            name: name.into(),
            status: active(),
            permission,
            superiors_allowed: false,
            from: Some(from),
            to,
            criteria: None,
        }
    }

    /// A criteria-based rule: records matching `criteria` are shared with `to`.
    pub fn criteria_based(
        name: impl Into<String>,
        criteria: CriteriaSpec,
        to: Audience,
        permission: enums::PermissionType,
    ) -> Self {
        SharingRuleSpec {
            name: name.into(),
            status: active(),
            permission,
            superiors_allowed: false,
            from: None,
            to,
            criteria: Some(criteria),
        }
    }
}

/// Users as Zoho's sharing settings name them: a role, a role and its subordinates, a group,
/// or all users. In the file: `{role: Manager}`, `{role_and_subordinates: Manager}`,
/// `{group: Miami Users}`, `all_users`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Audience {
    /// The users of one role (by name).
    Role(String),
    /// The users of a role and of every role below it (by name).
    RoleAndSubordinates(String),
    /// The members of a user group (by name).
    Group(String),
    /// Every user (only as the target of a rule).
    AllUsers,
}

impl Audience {
    fn key(&self) -> &'static str {
        match self {
            Audience::Role(_) => "role",
            Audience::RoleAndSubordinates(_) => "role_and_subordinates",
            Audience::Group(_) => "group",
            Audience::AllUsers => "all_users",
        }
    }

    /// The role or group name; `None` for all users.
    pub fn name(&self) -> Option<&str> {
        match self {
            Audience::Role(n) | Audience::RoleAndSubordinates(n) | Audience::Group(n) => Some(n),
            Audience::AllUsers => None,
        }
    }

    /// The path segment naming the audience's kind (`role`, `group` ...).
    pub(crate) fn place(&self) -> &'static str {
        self.key()
    }
}

impl std::str::FromStr for Audience {
    type Err = crate::Error;

    /// Reads an audience as typed on a command line: `all_users`, `role:NAME`,
    /// `role_and_subordinates:NAME` or `group:NAME` (the file's keys, then the name; spaces
    /// around the colon are ignored).
    ///
    /// ```
    /// use zoho_crm_access::desired::Audience;
    /// assert_eq!("group:Miami Users".parse::<Audience>()?, Audience::Group("Miami Users".into()));
    /// assert_eq!("all_users".parse::<Audience>()?, Audience::AllUsers);
    /// assert!("grup:Miami Users".parse::<Audience>().unwrap_err().to_string().contains("did you mean \"group\""));
    /// # Ok::<(), zoho_crm_access::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const KINDS: [&str; 4] = ["all_users", "role", "role_and_subordinates", "group"];
        let usage = "write all_users, role:NAME, role_and_subordinates:NAME or group:NAME";
        let (kind, name) = match s.split_once(':') {
            Some((k, n)) => (k.trim(), Some(n.trim())),
            None => (s.trim(), None),
        };
        let audience = match (kind, name) {
            ("all_users", None) => Audience::AllUsers,
            ("role", Some(n)) if !n.is_empty() => Audience::Role(n.to_owned()),
            ("role_and_subordinates", Some(n)) if !n.is_empty() => {
                Audience::RoleAndSubordinates(n.to_owned())
            }
            ("group", Some(n)) if !n.is_empty() => Audience::Group(n.to_owned()),
            (k, _) if KINDS.contains(&k) => {
                return Err(crate::Error::invalid("audience", format!("`{s}`: {usage}")))
            }
            (k, _) => {
                let hint = super::resolve::did_you_mean(k, KINDS);
                return Err(crate::Error::invalid(
                    "audience",
                    format!("`{k}` is not who to share with{hint}: {usage}"),
                ));
            }
        };
        Ok(audience)
    }
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{} {n:?}", self.key()),
            None => f.write_str("all_users"),
        }
    }
}

impl Serialize for Audience {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.name() {
            None => s.serialize_str("all_users"),
            Some(name) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry(self.key(), name)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        const EXPECTED: &str = "all_users, or one of {role: NAME}, {role_and_subordinates: NAME}, \
             {group: NAME} (or role:NAME, role_and_subordinates:NAME, group:NAME)";
        impl<'de> Visitor<'de> for V {
            type Value = Audience;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Audience, E> {
                match v {
                    "all_users" => Ok(Audience::AllUsers),
                    // The command line's form, `group:Miami Users`.
                    text if text.contains(':') => text.parse().map_err(|e| match e {
                        crate::Error::InvalidInput { reason, .. } => E::custom(reason),
                        other => E::custom(other),
                    }),
                    other => Err(E::custom(format!(
                        "`{other}` is not who to share with: write {EXPECTED}"
                    ))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Audience, A::Error> {
                let Some(key) = map.next_key::<String>()? else {
                    return Err(de::Error::custom(format!("empty: write {EXPECTED}")));
                };
                let name: String = map.next_value()?;
                if map.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom(format!(
                        "give one of role, role_and_subordinates, group (not several): {EXPECTED}"
                    )));
                }
                match key.as_str() {
                    "role" => Ok(Audience::Role(name)),
                    "role_and_subordinates" => Ok(Audience::RoleAndSubordinates(name)),
                    "group" => Ok(Audience::Group(name)),
                    other => Err(de::Error::custom(format!(
                        "unknown key `{other}`: write {EXPECTED}"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Users as Zoho's sharing settings name them: `all_users`, `{role: NAME}`,
/// `{role_and_subordinates: NAME}` or `{group: NAME}`.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[allow(dead_code)]
enum AudienceSchema {
    /// Every user.
    AllUsers,
    /// The users of one role (by name).
    Role(String),
    /// The users of a role and of every role below it (by name).
    RoleAndSubordinates(String),
    /// The members of a user group (by name).
    Group(String),
}

impl JsonSchema for Audience {
    fn schema_name() -> String {
        "Audience".to_owned()
    }

    fn json_schema(g: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        one_of_or_text(
            AudienceSchema::json_schema(g),
            "The same as one line, as the command line takes it: `role:NAME`, \
             `role_and_subordinates:NAME` or `group:NAME`.",
            Some(r"^\s*(role|role_and_subordinates|group)\s*:\s*\S"),
        )
    }
}

/// `structured`, or a string (`description`; `pattern` when given): the schema of a value a
/// file may write as structure or as one line of text.
fn one_of_or_text(
    structured: schemars::schema::Schema,
    description: &str,
    pattern: Option<&str>,
) -> schemars::schema::Schema {
    use schemars::schema::{
        InstanceType, Metadata, Schema, SchemaObject, StringValidation, SubschemaValidation,
    };
    let text = SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        metadata: Some(Box::new(Metadata {
            description: Some(description.to_owned()),
            ..Default::default()
        })),
        string: pattern.map(|p| {
            Box::new(StringValidation {
                pattern: Some(p.to_owned()),
                ..Default::default()
            })
        }),
        ..Default::default()
    };
    Schema::Object(SchemaObject {
        subschemas: Some(Box::new(SubschemaValidation {
            any_of: Some(vec![structured, Schema::Object(text)]),
            ..Default::default()
        })),
        ..Default::default()
    })
}

/// Which records a rule applies to, with fields by API name: a condition
/// (`{field: Stage, comparator: equal, value: Closed Won}`), or a group of criteria that must
/// all hold (`{all: [...]}`, Zoho's `AND`) or of which one must hold (`{any: [...]}`, `OR`).
/// Values are as Zoho takes them (strings in Zoho's examples; `between` takes two).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CriteriaSpec {
    /// One field compared with a value.
    Condition {
        /// The field's API name.
        field: String,
        /// How the field is compared.
        comparator: enums::CriteriaComparator,
        /// The value compared with.
        value: serde_json::Value,
    },
    /// Every member holds (`AND`).
    All(Vec<CriteriaSpec>),
    /// At least one member holds (`OR`).
    Any(Vec<CriteriaSpec>),
}

impl CriteriaSpec {
    /// A condition on one field.
    pub fn condition(
        field: impl Into<String>,
        comparator: enums::CriteriaComparator,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        CriteriaSpec::Condition {
            field: field.into(),
            comparator,
            value: value.into(),
        }
    }

    /// `field` equal to `value`.
    pub fn equal(field: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        Self::condition(field, enums::CriteriaComparator::Equal, value)
    }
}

impl Serialize for CriteriaSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CriteriaSpec::Condition {
                field,
                comparator,
                value,
            } => {
                let mut map = s.serialize_map(Some(3))?;
                map.serialize_entry("field", field)?;
                map.serialize_entry("comparator", comparator)?;
                map.serialize_entry("value", value)?;
                map.end()
            }
            CriteriaSpec::All(members) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("all", members)?;
                map.end()
            }
            CriteriaSpec::Any(members) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("any", members)?;
                map.end()
            }
        }
    }
}

/// What a criteria object may hold, before the shapes are told apart.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriteria {
    field: Option<String>,
    comparator: Option<enums::CriteriaComparator>,
    value: Option<serde_json::Value>,
    all: Option<Vec<CriteriaSpec>>,
    any: Option<Vec<CriteriaSpec>>,
}

impl<'de> Deserialize<'de> for CriteriaSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// Text (the plan's grammar, [`CriteriaSpec::parse`]) or a criteria object.
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CriteriaSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "criteria as one line (`City = Miami and State = Florida`), \
                     {field, comparator, value}, {all: [...]} or {any: [...]}",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CriteriaSpec, E> {
                CriteriaSpec::parse(v).map_err(|e| match e {
                    crate::Error::InvalidInput { reason, .. } => E::custom(reason),
                    other => E::custom(other),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CriteriaSpec, A::Error> {
                CriteriaSpec::from_raw(RawCriteria::deserialize(
                    de::value::MapAccessDeserializer::new(map),
                )?)
            }
        }
        d.deserialize_any(V)
    }
}

impl CriteriaSpec {
    /// A criteria object, once its keys are read: which shape it is.
    fn from_raw<E: de::Error>(raw: RawCriteria) -> Result<CriteriaSpec, E> {
        const SHAPES: &str =
            "criteria are {field, comparator, value}, {all: [...]} or {any: [...]}";
        match raw {
            RawCriteria {
                field: Some(field),
                comparator: Some(comparator),
                value: Some(value),
                all: None,
                any: None,
            } => Ok(CriteriaSpec::Condition {
                field,
                comparator,
                value,
            }),
            RawCriteria {
                field: None,
                comparator: None,
                value: None,
                all: Some(all),
                any: None,
            } => Ok(CriteriaSpec::All(all)),
            RawCriteria {
                field: None,
                comparator: None,
                value: None,
                all: None,
                any: Some(any),
            } => Ok(CriteriaSpec::Any(any)),
            RawCriteria {
                field,
                comparator,
                value,
                all: None,
                any: None,
            } => {
                let missing: Vec<&str> = [
                    ("field", field.is_none()),
                    ("comparator", comparator.is_none()),
                    ("value", value.is_none()),
                ]
                .into_iter()
                .filter(|(_, m)| *m)
                .map(|(k, _)| k)
                .collect();
                Err(de::Error::custom(format!(
                    "a condition needs {} ({SHAPES})",
                    missing.join(" and ")
                )))
            }
            _ => Err(de::Error::custom(format!("mixed shapes: {SHAPES}"))),
        }
    }
}

/// Which records a rule applies to, with fields by API name: `{field, comparator, value}`,
/// `{all: [...]}` (every member holds) or `{any: [...]}` (one member holds).
#[derive(JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
#[allow(dead_code)]
enum CriteriaSchema {
    /// One field compared with a value.
    Condition {
        /// The field's API name.
        field: String,
        /// How the field is compared.
        comparator: enums::CriteriaComparator,
        /// The value compared with (a string in Zoho's examples).
        value: serde_json::Value,
    },
    /// Every member holds (`AND`).
    All {
        /// The members.
        all: Vec<CriteriaSpec>,
    },
    /// At least one member holds (`OR`).
    Any {
        /// The members.
        any: Vec<CriteriaSpec>,
    },
}

impl JsonSchema for CriteriaSpec {
    fn schema_name() -> String {
        "CriteriaSpec".to_owned()
    }

    fn json_schema(g: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        one_of_or_text(
            CriteriaSchema::json_schema(g),
            "The same as one line, as plans print it: conditions `FIELD COMPARATOR VALUE` \
             joined by `and` / `or` (`and` binds tighter), grouped with parentheses \
             (`City = Miami and (Stage = \"Closed Won\" or Amount > 1000)`).",
            None,
        )
    }
}
