//! Comparing a desired state with the org: typed changes, and the calls that make them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::apply::counted;
use super::file::same_criteria;
use super::model::{
    AccessConfig, Audience, CriteriaSpec, Family, LockingSpec, RuleScope, SharingRuleSpec,
};
use super::pull::{read, OrgState};
use crate::client::Client;
use crate::error::Error;
use crate::generated::{enums, types};

/// The org a plan was made for, in messages.
const TARGET: &str = "the target org";

/// One change a plan makes, in the file's terms (names, not ids), with the state before and
/// after.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// A module gets a record locking configuration.
    #[non_exhaustive]
    CreateLocking {
        /// Module API name.
        module: String,
        /// The configuration created.
        after: LockingSpec,
    },
    /// A module's record locking configuration changes (its rules included, in one update).
    #[non_exhaustive]
    UpdateLocking {
        /// Module API name.
        module: String,
        /// The configuration now.
        before: LockingSpec,
        /// The configuration afterwards.
        after: LockingSpec,
    },
    /// A module's record locking configuration is deleted: every locked record of the
    /// module is unlocked.
    #[non_exhaustive]
    DeleteLocking {
        /// Module API name.
        module: String,
        /// The configuration deleted.
        before: LockingSpec,
    },
    /// A sharing rule is created (active, as Zoho creates rules).
    #[non_exhaustive]
    CreateSharingRule {
        /// Module API name.
        module: String,
        /// The rule created (its `status` is set by a following change when inactive).
        after: SharingRuleSpec,
    },
    /// A sharing rule changes (everything but its status, which (de)activation changes).
    #[non_exhaustive]
    UpdateSharingRule {
        /// Module API name.
        module: String,
        /// The rule now.
        before: SharingRuleSpec,
        /// The rule afterwards.
        after: SharingRuleSpec,
    },
    /// A sharing rule is deleted.
    #[non_exhaustive]
    DeleteSharingRule {
        /// Module API name.
        module: String,
        /// The rule deleted.
        before: SharingRuleSpec,
    },
    /// An inactive sharing rule is activated.
    #[non_exhaustive]
    ActivateSharingRule {
        /// Module API name.
        module: String,
        /// Rule name.
        name: String,
    },
    /// An active sharing rule is deactivated.
    #[non_exhaustive]
    DeactivateSharingRule {
        /// Module API name.
        module: String,
        /// Rule name.
        name: String,
    },
    /// A module's default organization permission changes.
    #[non_exhaustive]
    SetShareType {
        /// Module API name.
        module: String,
        /// The share type now.
        before: enums::ShareType,
        /// The share type afterwards.
        after: enums::ShareType,
    },
}

impl Change {
    /// The family the change is in.
    pub fn family(&self) -> Family {
        match self {
            Change::CreateLocking { .. }
            | Change::UpdateLocking { .. }
            | Change::DeleteLocking { .. } => Family::RecordLocking,
            Change::SetShareType { .. } => Family::OrgPermissions,
            _ => Family::SharingRules,
        }
    }

    /// The module the change is in (API name).
    pub fn module(&self) -> &str {
        match self {
            Change::CreateLocking { module, .. }
            | Change::UpdateLocking { module, .. }
            | Change::DeleteLocking { module, .. }
            | Change::CreateSharingRule { module, .. }
            | Change::UpdateSharingRule { module, .. }
            | Change::DeleteSharingRule { module, .. }
            | Change::ActivateSharingRule { module, .. }
            | Change::DeactivateSharingRule { module, .. }
            | Change::SetShareType { module, .. } => module,
        }
    }

    /// The sharing rule the change is about, if it is about one.
    pub fn rule_name(&self) -> Option<&str> {
        match self {
            Change::CreateSharingRule { after, .. } => Some(&after.name),
            Change::UpdateSharingRule { after, .. } => Some(&after.name),
            Change::DeleteSharingRule { before, .. } => Some(&before.name),
            Change::ActivateSharingRule { name, .. }
            | Change::DeactivateSharingRule { name, .. } => Some(name),
            _ => None,
        }
    }

    /// Where in the file the change is: `sharing_rules.Leads["Miami leads"]`,
    /// `org_permissions.Deals` ...
    pub fn place(&self) -> String {
        match self.rule_name() {
            Some(name) => format!("{}.{}[{name:?}]", self.family(), self.module()),
            None => format!("{}.{}", self.family(), self.module()),
        }
    }

    /// What changes, one line per setting (`permission: read -> read_write`), for updates;
    /// empty for the other kinds.
    pub fn details(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self {
            Change::UpdateLocking { before, after, .. } => {
                differences("", &to_value(before), &to_value(after), &mut out)
            }
            Change::UpdateSharingRule { before, after, .. } => {
                differences("", &to_value(before), &to_value(after), &mut out)
            }
            _ => {}
        }
        out
    }

    fn sign(&self) -> char {
        match self {
            Change::CreateLocking { .. } | Change::CreateSharingRule { .. } => '+',
            Change::DeleteLocking { .. } | Change::DeleteSharingRule { .. } => '-',
            _ => '~',
        }
    }
}

impl fmt::Display for Change {
    /// One line: a sign (`+` create, `-` delete, `~` change), the place, what happens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: ", self.sign(), self.place())?;
        match self {
            Change::CreateLocking { after, .. } => write!(
                f,
                "create the configuration (lock_type {}, {})",
                one_line(after.lock_type.as_str()),
                counted(after.rules.len(), "rule", "rules")
            ),
            Change::DeleteLocking { .. } => {
                f.write_str("delete the configuration (unlocks every locked record of the module)")
            }
            Change::CreateSharingRule { after, .. } => {
                write!(f, "create the rule: {}", rule_text(after))
            }
            Change::DeleteSharingRule { .. } => f.write_str(
                "delete the rule (the file does not name it; `scope.rules: listed` keeps \
                 the rules a file does not name)",
            ),
            Change::ActivateSharingRule { .. } => f.write_str("activate the rule"),
            Change::DeactivateSharingRule { .. } => f.write_str("deactivate the rule"),
            Change::SetShareType { before, after, .. } => write!(
                f,
                "{} -> {}",
                one_line(before.as_str()),
                one_line(after.as_str())
            ),
            Change::UpdateLocking { .. } | Change::UpdateSharingRule { .. } => {
                write!(f, "update ({})", self.details().join("; "))
            }
        }
    }
}

/// What a rule does, on one line: `read_write, to group "Miami Users", criteria City equal
/// "Miami" and State equal "Florida"`.
fn rule_text(r: &SharingRuleSpec) -> String {
    let mut parts = vec![one_line(r.permission.as_str()).into_owned()];
    if let Some(from) = &r.from {
        parts.push(format!("from {}", audience_text(from)));
    }
    parts.push(format!("to {}", audience_text(&r.to)));
    if r.superiors_allowed {
        parts.push("superiors allowed".into());
    }
    if let Some(c) = &r.criteria {
        parts.push(format!("criteria {}", c.to_text()));
    }
    if r.status != enums::SharingRuleStatus::Active {
        parts.push(format!("then {}", one_line(r.status.as_str())));
    }
    parts.join(", ")
}

fn audience_text(a: &Audience) -> String {
    one_line(&a.to_string()).into_owned()
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// A value as short text for a change line.
fn short(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "(none)".into(),
        Some(Value::String(s)) => one_line(s).into_owned(),
        // A list as people write one: `Administrator, Sales` (names without JSON's quotes).
        Some(Value::Array(items)) if items.is_empty() => "(none)".into(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| short(Some(i)))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

/// Text from the org or from Zoho as part of one line of a plan or a report: control
/// characters (a line break above all, which would start a line of its own) escaped as
/// `{:?}` escapes them, everything else as it is.
pub(crate) fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Lines `path: before -> after` for every setting that differs; lists of named items
/// (rules) are matched by name.
fn differences(prefix: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => differences(&join(k), p, q, out),
                    (p, q) if p != q => {
                        out.push(format!("{}: {} -> {}", join(k), short(p), short(q)))
                    }
                    _ => {}
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if named(x) && named(y) => {
            let by_name = |v: &Vec<Value>| -> BTreeMap<String, Value> {
                v.iter()
                    .map(|i| (short(i.get("name")), i.clone()))
                    .collect()
            };
            let (x, y) = (by_name(x), by_name(y));
            for (name, item) in &x {
                match y.get(name) {
                    None => out.push(format!("{prefix}: remove {name:?}")),
                    Some(other) => differences(&format!("{prefix}[{name:?}]"), item, other, out),
                }
            }
            for name in y.keys().filter(|n| !x.contains_key(*n)) {
                out.push(format!("{prefix}: add {name:?}"));
            }
        }
        _ if a != b => out.push(format!(
            "{prefix}: {} -> {}",
            short(Some(a)),
            short(Some(b))
        )),
        _ => {}
    }
}

fn named(items: &[Value]) -> bool {
    !items.is_empty()
        && items
            .iter()
            .all(|i| i.get("name").is_some_and(Value::is_string))
}

/// What one step of a plan sends.
#[derive(Clone, Debug)]
pub(crate) enum Action {
    CreateLocking {
        module: String,
        input: Box<types::RecordLockingConfigurationInput>,
    },
    UpdateLocking {
        module: String,
        update: Box<types::RecordLockingConfigurationUpdate>,
    },
    DeleteLocking {
        module: String,
        id: String,
    },
    CreateRule {
        module: String,
        name: String,
        input: Box<types::SharingRuleInput>,
    },
    UpdateRule {
        module: String,
        id: String,
        update: Box<types::SharingRuleUpdate>,
    },
    DeleteRule {
        module: String,
        id: String,
    },
    /// (De)activates the rule of this name; its id is the org's, or the one its create in the
    /// same apply returned.
    SetRuleStatus {
        module: String,
        name: String,
        active: bool,
    },
    SetShareTypes {
        updates: Vec<types::DataSharingUpdate>,
    },
}

/// One call of a plan and the changes it makes.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    /// Indices into the plan's changes.
    pub changes: Vec<usize>,
    pub action: Action,
}

/// The changes that make an org's access control what a desired state says, in the order
/// they are applied, and the calls that make them (see [`plan`]).
///
/// `Display` prints one line per change; `Serialize` gives the changes with their before and
/// after states (`zoho-access plan --output json`).
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Plan {
    changes: Vec<Change>,
    /// What the plan leaves alone on purpose (`scope.rules: listed`), one line each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
    #[serde(skip)]
    pub(crate) steps: Vec<Step>,
    /// Sharing rule ids of the org by (module, name).
    #[serde(skip)]
    pub(crate) rule_ids: BTreeMap<(String, String), String>,
}

impl Plan {
    /// The changes, in the order they are applied.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// What the plan leaves as it is because the file manages only the rules it names
    /// (`scope.rules: listed`), one line per module: `sharing_rules.Leads: 3 other rules
    /// stay as they are (scope.rules: listed)`. Empty for a file that is the whole truth.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Whether the org already is as the desired state says.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many API calls applying the plan takes (without waits and retries).
    pub fn calls(&self) -> usize {
        self.steps.len()
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for n in &self.notes {
            writeln!(f, "  {n}")?;
        }
        if self.changes.is_empty() {
            return f.write_str("No changes: the org is as the file says.");
        }
        for c in &self.changes {
            writeln!(f, "{c}")?;
        }
        let count = |sign: char| self.changes.iter().filter(|c| c.sign() == sign).count();
        write!(
            f,
            "Plan: {} to create, {} to change, {} to delete ({}).",
            count('+'),
            count('~'),
            count('-'),
            counted(self.steps.len(), "call", "calls")
        )
    }
}

/// Compares `desired` with the org `client` talks to and returns the changes that make the
/// org so, with the fewest calls: one locking update per module carrying all its rule
/// changes (removals first), org permissions in batches of up to 100, one sharing rule per
/// write.
///
/// Everything is resolved through the target org's directory first: a module, profile,
/// field, role, group or custom button that does not resolve, or resolves to two things,
/// fails the plan with [`Error::Desired`] naming the place in the file, before any write.
/// Only the modules and families in the file's scope are read.
///
/// ```no_run
/// use zoho_crm_access::desired::{self, AccessConfig};
/// # async fn run(client: zoho_crm_access::Client) -> Result<(), zoho_crm_access::Error> {
/// let config = AccessConfig::from_yaml(&std::fs::read_to_string("access.yaml").expect("file"))?;
/// let plan = desired::plan(&client, &config).await?;
/// println!("{plan}");
/// let report = plan.apply(&client).await;
/// println!("{report}");
/// # Ok(())
/// # }
/// ```
pub async fn plan(client: &Client, desired: &AccessConfig) -> Result<Plan, Error> {
    desired.validate()?;
    let state = read(client, &desired.scope, &field_modules(desired)).await?;
    let (merged, notes) = match desired.scope.rules {
        RuleScope::Listed => with_unlisted(desired, &state.config),
        _ => (desired.clone(), Vec::new()),
    };
    let mut plan = Builder {
        desired: &merged,
        state: &state,
        changes: Vec::new(),
        steps: Vec::new(),
    }
    .build()?;
    plan.notes = notes;
    Ok(plan)
}

/// `desired` with what it leaves to the org under `scope.rules: listed` taken from
/// `current`: the sharing rules and locking rules the file does not name, and the locking
/// configuration of a module it gives none. The file's own rules keep their places (the
/// org's are added after them), so messages still point into the file. Also the notes
/// saying what is kept. The access model's [`crate::access::AccessModel::with_desired`]
/// uses it too, so the plan and the access effect it prints start from the same state.
pub(crate) fn with_unlisted(
    desired: &AccessConfig,
    current: &AccessConfig,
) -> (AccessConfig, Vec<String>) {
    let mut merged = desired.clone();
    let mut notes = Vec::new();
    let scope = &desired.scope;
    if scope.has(Family::RecordLocking) {
        for m in &scope.modules {
            let Some(have) = current.record_locking.get(m) else {
                continue;
            };
            match merged.record_locking.get_mut(m) {
                None => {
                    merged.record_locking.insert(m.clone(), have.clone());
                    notes.push(format!(
                        "record_locking.{m}: not in the file; its configuration stays as it is \
                         (scope.rules: listed)"
                    ));
                }
                Some(want) => {
                    let kept: Vec<_> = have
                        .rules
                        .iter()
                        .filter(|r| !want.rules.iter().any(|w| w.name == r.name))
                        .cloned()
                        .collect();
                    if !kept.is_empty() {
                        notes.push(format!(
                            "record_locking.{m}: {} (scope.rules: listed)",
                            stays(kept.len(), "locking rule")
                        ));
                    }
                    want.rules.extend(kept);
                }
            }
        }
    }
    if scope.has(Family::SharingRules) {
        for m in &scope.modules {
            let have = current.sharing_rules.get(m).map_or(&[][..], Vec::as_slice);
            let want = merged.sharing_rules.entry(m.clone()).or_default();
            let kept: Vec<_> = have
                .iter()
                .filter(|r| !want.iter().any(|w| w.name == r.name))
                .cloned()
                .collect();
            if !kept.is_empty() {
                notes.push(format!(
                    "sharing_rules.{m}: {} (scope.rules: listed)",
                    stays(kept.len(), "rule")
                ));
            }
            want.extend(kept);
            if want.is_empty() {
                merged.sharing_rules.remove(m);
            }
        }
    }
    (merged, notes)
}

/// The modules whose fields the desired state names.
fn field_modules(desired: &AccessConfig) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if desired.scope.has(Family::RecordLocking) {
        for (m, spec) in &desired.record_locking {
            if !spec.editable_fields.is_empty() || !spec.rules.is_empty() {
                out.insert(m.clone());
            }
        }
    }
    if desired.scope.has(Family::SharingRules) {
        for (m, rules) in &desired.sharing_rules {
            if rules.iter().any(|r| r.criteria.is_some()) {
                out.insert(m.clone());
            }
        }
    }
    out
}

struct Builder<'a> {
    desired: &'a AccessConfig,
    state: &'a OrgState,
    changes: Vec<Change>,
    steps: Vec<Step>,
}

impl Builder<'_> {
    fn build(mut self) -> Result<Plan, Error> {
        let scope = &self.desired.scope;
        for family in Family::ALL {
            if !scope.has(family) {
                continue;
            }
            match family {
                Family::OrgPermissions => self.org_permissions()?,
                Family::RecordLocking => {
                    for m in &scope.modules {
                        self.locking(m)?;
                    }
                }
                Family::SharingRules => {
                    for m in &scope.modules {
                        self.sharing_rules(m)?;
                    }
                }
            }
        }
        Ok(Plan {
            changes: self.changes,
            notes: Vec::new(),
            steps: self.steps,
            rule_ids: self.state.rule_ids.clone(),
        })
    }

    fn push(&mut self, changes: Vec<Change>, action: Action) {
        let first = self.changes.len();
        let n = changes.len();
        self.changes.extend(changes);
        self.steps.push(Step {
            changes: (first..first + n).collect(),
            action,
        });
    }

    fn org_permissions(&mut self) -> Result<(), Error> {
        let mut batch: Vec<(Change, types::DataSharingUpdate)> = Vec::new();
        for (module, after) in &self.desired.org_permissions {
            let place = format!("org_permissions.{module}");
            let Some(current) = self.state.shares.get(module) else {
                return Err(Error::desired(
                    place,
                    format!("{TARGET} lists no default organization permission for {module}"),
                ));
            };
            if current.share_type == *after {
                continue;
            }
            if current.public_in_portals {
                return Err(Error::desired(
                    place,
                    format!(
                        "{module} is public in portals in {TARGET}, so Zoho does not let its \
                         share type change (it is {})",
                        current.share_type
                    ),
                ));
            }
            let Some(id) = current.id.clone() else {
                return Err(Error::desired(
                    place,
                    format!("Zoho gave no module id for {module}"),
                ));
            };
            batch.push((
                Change::SetShareType {
                    module: module.clone(),
                    before: current.share_type.clone(),
                    after: after.clone(),
                },
                types::DataSharingUpdate {
                    module: types::ModuleInput {
                        api_name: Some(module.clone()),
                        id,
                    },
                    share_type: after.clone(),
                },
            ));
        }
        while !batch.is_empty() {
            let rest = batch.split_off(batch.len().min(crate::OrgPermissionsHandler::MAX_UPDATES));
            let (changes, updates): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
            self.push(changes, Action::SetShareTypes { updates });
            batch = rest;
        }
        Ok(())
    }

    fn locking(&mut self, module: &str) -> Result<(), Error> {
        let base = format!("record_locking.{module}");
        let desired = self.desired.record_locking.get(module);
        let current = self.state.config.record_locking.get(module);
        let ids = self.state.locking.get(module);
        if desired.is_some()
            && self
                .state
                .unsupported
                .contains(&(Family::RecordLocking, module.to_owned()))
        {
            return Err(Error::desired(
                base,
                format!("Zoho does not support record locking in {module}"),
            ));
        }
        let system_defined =
            |ids: Option<&super::pull::CurrentLocking>| ids.is_some_and(|i| i.system_defined);
        match (desired, current, ids) {
            (None, None, _) => Ok(()),
            (Some(d), None, _) => {
                let input = self.locking_input(module, &base, d)?;
                self.push(
                    vec![Change::CreateLocking {
                        module: module.to_owned(),
                        after: d.clone(),
                    }],
                    Action::CreateLocking {
                        module: module.to_owned(),
                        input: Box::new(input),
                    },
                );
                Ok(())
            }
            (None, Some(c), Some(ids)) => {
                if system_defined(Some(ids)) {
                    return Err(Error::desired(
                        base,
                        format!(
                            "{TARGET} has a system-defined configuration for {module}, which \
                             Zoho does not let anyone delete; add it to the file"
                        ),
                    ));
                }
                self.push(
                    vec![Change::DeleteLocking {
                        module: module.to_owned(),
                        before: c.clone(),
                    }],
                    Action::DeleteLocking {
                        module: module.to_owned(),
                        id: ids.id.clone(),
                    },
                );
                Ok(())
            }
            (Some(d), Some(c), Some(ids)) => {
                if same_locking(d, c) {
                    return Ok(());
                }
                if system_defined(Some(ids)) {
                    return Err(Error::desired(
                        base,
                        format!(
                            "{TARGET} has a system-defined configuration for {module}, which \
                             Zoho does not let anyone change; make the file say what it says"
                        ),
                    ));
                }
                let update = self.locking_update(module, &base, d, c, ids)?;
                self.push(
                    vec![Change::UpdateLocking {
                        module: module.to_owned(),
                        before: c.clone(),
                        after: d.clone(),
                    }],
                    Action::UpdateLocking {
                        module: module.to_owned(),
                        update: Box::new(update),
                    },
                );
                Ok(())
            }
            (_, Some(_), None) => Err(Error::desired(base, "the configuration's id was not read")),
        }
    }

    fn profiles(&self, base: &str, spec: &LockingSpec) -> Result<Vec<types::NamedRef>, Error> {
        spec.excluded_profiles
            .iter()
            .map(|p| {
                let id = self.state.directory.profiles.id(
                    p,
                    &format!("{base}.excluded_profiles"),
                    TARGET,
                )?;
                Ok(types::NamedRef { id, name: None })
            })
            .collect()
    }

    fn fields(
        &self,
        module: &str,
        base: &str,
        spec: &LockingSpec,
    ) -> Result<Vec<types::FieldRef>, Error> {
        spec.editable_fields
            .iter()
            .map(|f| {
                let id = self.state.directory.field_id(
                    module,
                    f,
                    &format!("{base}.editable_fields"),
                    TARGET,
                )?;
                Ok(types::FieldRef {
                    api_name: None,
                    id: Some(id),
                })
            })
            .collect()
    }

    fn buttons(
        &self,
        module: &str,
        base: &str,
        spec: &LockingSpec,
    ) -> Result<Vec<types::NamedRef>, Error> {
        spec.restricted_custom_buttons
            .iter()
            .map(|b| {
                let place = format!("{base}.restricted_custom_buttons");
                // The target's own configuration of the module is the only source of ids.
                if let Some(known) = self.state.buttons.get(module).filter(|k| k.count(b) > 0) {
                    let id = known.id(b, &place, TARGET)?;
                    return Ok(types::NamedRef { id, name: None });
                }
                Err(Error::desired(
                    place,
                    format!(
                        "custom button {b:?} is not among the buttons {module}'s record \
                         locking configuration in {TARGET} already restricts, and Zoho \
                         publishes no API that lists custom buttons: restrict it once in \
                         {TARGET}'s web UI (Setup > Modules > {module} > Record Locking), \
                         or drop it from the file"
                    ),
                ))
            })
            .collect()
    }

    fn criteria(
        &self,
        module: &str,
        place: &str,
        c: &CriteriaSpec,
    ) -> Result<types::Criteria, Error> {
        self.state.directory.criteria(module, place, c, TARGET)
    }

    /// The index of each locking rule in the file, for places in messages.
    fn rule_place(&self, base: &str, module: &str, name: &str) -> String {
        let i = self
            .desired
            .record_locking
            .get(module)
            .and_then(|s| s.rules.iter().position(|r| r.name == name))
            .unwrap_or(0);
        format!("{base}.rules[{i}]")
    }

    fn locking_input(
        &self,
        module: &str,
        base: &str,
        d: &LockingSpec,
    ) -> Result<types::RecordLockingConfigurationInput, Error> {
        let profiles = self.profiles(base, d)?;
        let fields = self.fields(module, base, d)?;
        let buttons = self.buttons(module, base, d)?;
        let rules = d
            .rules
            .iter()
            .map(|r| {
                let place = self.rule_place(base, module, &r.name);
                Ok(types::LockingRuleInput {
                    criteria: Some(self.criteria(
                        module,
                        &format!("{place}.criteria"),
                        &r.criteria,
                    )?),
                    delete: None,
                    id: None,
                    lock_existing_records: Some(r.lock_existing_records),
                    name: Some(rule_name(&place, &r.name)?),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(types::RecordLockingConfigurationInput {
            excluded_fields: (!fields.is_empty()).then_some(fields),
            feature_type: Some(enums::FeatureType::RecordLocking),
            lock_excluded_profiles: (!profiles.is_empty()).then_some(profiles),
            lock_for_portal_users: Some(d.lock_for_portal_users),
            lock_type: d.lock_type.clone(),
            locked_for: Some(d.locked_for.clone()),
            locking_rules: (!rules.is_empty()).then_some(rules),
            restricted_actions: Some(d.restricted_actions.iter().cloned().collect()),
            restricted_communications: (!d.restricted_communications.is_empty())
                .then(|| d.restricted_communications.iter().cloned().collect()),
            restricted_custom_buttons: (!buttons.is_empty()).then_some(buttons),
            system_defined: None,
        })
    }

    /// One update carrying every change: the settings that differ, and the rule entries
    /// (removals first, then changes, then additions).
    fn locking_update(
        &self,
        module: &str,
        base: &str,
        d: &LockingSpec,
        c: &LockingSpec,
        ids: &super::pull::CurrentLocking,
    ) -> Result<types::RecordLockingConfigurationUpdate, Error> {
        let mut u = types::RecordLockingConfigurationUpdate {
            excluded_fields: None,
            feature_type: None,
            id: ids.id.clone(),
            lock_excluded_profiles: None,
            lock_for_portal_users: None,
            lock_type: None,
            locked_for: None,
            locking_rules: None,
            restricted_actions: None,
            restricted_communications: None,
            restricted_custom_buttons: None,
        };
        if d.lock_type != c.lock_type {
            u.lock_type = Some(d.lock_type.clone());
        }
        if d.locked_for != c.locked_for {
            u.locked_for = Some(d.locked_for.clone());
        }
        if d.excluded_profiles != c.excluded_profiles {
            u.lock_excluded_profiles = Some(self.profiles(base, d)?);
        }
        if d.editable_fields != c.editable_fields {
            u.excluded_fields = Some(self.fields(module, base, d)?);
        }
        if d.restricted_actions != c.restricted_actions {
            u.restricted_actions = Some(d.restricted_actions.iter().cloned().collect());
        }
        if d.restricted_communications != c.restricted_communications {
            u.restricted_communications =
                Some(d.restricted_communications.iter().cloned().collect());
        }
        if d.restricted_custom_buttons != c.restricted_custom_buttons {
            u.restricted_custom_buttons = Some(self.buttons(module, base, d)?);
        }
        if d.lock_for_portal_users != c.lock_for_portal_users {
            u.lock_for_portal_users = Some(d.lock_for_portal_users);
        }
        let mut entries = Vec::new();
        for old in &c.rules {
            if !d.rules.iter().any(|r| r.name == old.name) {
                let Some(id) = ids.rule_ids.get(&old.name) else {
                    return Err(Error::desired(
                        base,
                        format!("locking rule {:?} has no id", old.name),
                    ));
                };
                entries.push(types::LockingRuleInput::remove(id.clone()));
            }
        }
        let mut additions = Vec::new();
        for new in &d.rules {
            let place = self.rule_place(base, module, &new.name);
            match c.rules.iter().find(|r| r.name == new.name) {
                Some(old) => {
                    let same_criteria = same_criteria(&old.criteria, &new.criteria);
                    if same_criteria && old.lock_existing_records == new.lock_existing_records {
                        continue;
                    }
                    let Some(id) = ids.rule_ids.get(&old.name) else {
                        return Err(Error::desired(
                            place,
                            format!("locking rule {:?} has no id", old.name),
                        ));
                    };
                    let mut entry = types::LockingRuleInput::change(id.clone());
                    if !same_criteria {
                        entry.criteria = Some(self.criteria(
                            module,
                            &format!("{place}.criteria"),
                            &new.criteria,
                        )?);
                    }
                    if old.lock_existing_records != new.lock_existing_records {
                        entry.lock_existing_records = Some(new.lock_existing_records);
                    }
                    entries.push(entry);
                }
                None => additions.push(types::LockingRuleInput {
                    criteria: Some(self.criteria(
                        module,
                        &format!("{place}.criteria"),
                        &new.criteria,
                    )?),
                    delete: None,
                    id: None,
                    lock_existing_records: Some(new.lock_existing_records),
                    name: Some(rule_name(&place, &new.name)?),
                }),
            }
        }
        entries.extend(additions);
        if !entries.is_empty() {
            u.locking_rules = Some(entries);
        }
        Ok(u)
    }

    fn sharing_rules(&mut self, module: &str) -> Result<(), Error> {
        let base = format!("sharing_rules.{module}");
        let empty = Vec::new();
        let desired = self.desired.sharing_rules.get(module).unwrap_or(&empty);
        let current = self
            .state
            .config
            .sharing_rules
            .get(module)
            .unwrap_or(&empty);
        if !desired.is_empty()
            && self
                .state
                .unsupported
                .contains(&(Family::SharingRules, module.to_owned()))
        {
            return Err(Error::desired(
                base,
                format!("Zoho does not support sharing rules in {module}"),
            ));
        }
        let id_of = |name: &str| -> Result<String, Error> {
            self.state
                .rule_ids
                .get(&(module.to_owned(), name.to_owned()))
                .cloned()
                .ok_or_else(|| Error::desired(&base, format!("sharing rule {name:?} has no id")))
        };
        let mut steps: Vec<(Vec<Change>, Action)> = Vec::new();
        // Removals first: they free names and the module's rule count.
        let mut old: Vec<&SharingRuleSpec> = current
            .iter()
            .filter(|c| !desired.iter().any(|d| d.name == c.name))
            .collect();
        old.sort_by(|a, b| a.name.cmp(&b.name));
        for c in old {
            steps.push((
                vec![Change::DeleteSharingRule {
                    module: module.to_owned(),
                    before: c.clone(),
                }],
                Action::DeleteRule {
                    module: module.to_owned(),
                    id: id_of(&c.name)?,
                },
            ));
        }
        let mut order: Vec<(usize, &SharingRuleSpec)> = desired.iter().enumerate().collect();
        order.sort_by(|a, b| a.1.name.cmp(&b.1.name));
        let mut updates = Vec::new();
        let mut creates = Vec::new();
        let mut statuses = Vec::new();
        for (i, d) in order {
            let place = format!("{base}[{i}]");
            let status = |active: bool| {
                let change = if active {
                    Change::ActivateSharingRule {
                        module: module.to_owned(),
                        name: d.name.clone(),
                    }
                } else {
                    Change::DeactivateSharingRule {
                        module: module.to_owned(),
                        name: d.name.clone(),
                    }
                };
                (
                    vec![change],
                    Action::SetRuleStatus {
                        module: module.to_owned(),
                        name: d.name.clone(),
                        active,
                    },
                )
            };
            let active = d.status == enums::SharingRuleStatus::Active;
            match current.iter().find(|c| c.name == d.name) {
                None => {
                    let input = self.rule_input(module, &place, d)?;
                    let mut after = d.clone();
                    after.status = enums::SharingRuleStatus::Active;
                    creates.push((
                        vec![Change::CreateSharingRule {
                            module: module.to_owned(),
                            after,
                        }],
                        Action::CreateRule {
                            module: module.to_owned(),
                            name: d.name.clone(),
                            input: Box::new(input),
                        },
                    ));
                    if !active {
                        // Right after its create: the rule is active only between the two.
                        creates.push(status(false));
                    }
                }
                Some(c) => {
                    if !same_rule(c, d) {
                        let input = self.rule_input(module, &place, d)?;
                        let mut after = d.clone();
                        after.status = c.status.clone();
                        updates.push((
                            vec![Change::UpdateSharingRule {
                                module: module.to_owned(),
                                before: c.clone(),
                                after,
                            }],
                            Action::UpdateRule {
                                module: module.to_owned(),
                                id: id_of(&c.name)?,
                                update: Box::new(as_update(input)),
                            },
                        ));
                    }
                    if c.status != d.status {
                        statuses.push(status(active));
                    }
                }
            }
        }
        steps.extend(updates);
        steps.extend(creates);
        steps.extend(statuses);
        for (changes, action) in steps {
            self.push(changes, action);
        }
        Ok(())
    }

    fn rule_input(
        &self,
        module: &str,
        place: &str,
        d: &SharingRuleSpec,
    ) -> Result<types::SharingRuleInput, Error> {
        self.state
            .directory
            .sharing_rule_input(module, place, d, TARGET)
    }
}

fn rule_name(place: &str, name: &str) -> Result<types::LockingRuleInputName, Error> {
    name.parse()
        .map_err(|e| Error::desired(format!("{place}.name"), format!("{e}")))
}

/// The update that gives a rule everything `input` says (all but the name, which is the key).
fn as_update(input: types::SharingRuleInput) -> types::SharingRuleUpdate {
    types::SharingRuleUpdate {
        criteria: input.criteria,
        id: None,
        name: None,
        permission_type: Some(input.permission_type),
        shared_from: input.shared_from,
        shared_to: Some(input.shared_to),
        superiors_allowed: input.superiors_allowed,
        type_: input.type_,
    }
}

/// Whether two configurations mean the same (rules matched by name; criteria values by text).
fn same_locking(a: &LockingSpec, b: &LockingSpec) -> bool {
    a.lock_type == b.lock_type
        && a.locked_for == b.locked_for
        && a.excluded_profiles == b.excluded_profiles
        && a.editable_fields == b.editable_fields
        && a.restricted_actions == b.restricted_actions
        && a.restricted_communications == b.restricted_communications
        && a.restricted_custom_buttons == b.restricted_custom_buttons
        && a.lock_for_portal_users == b.lock_for_portal_users
        && a.rules.len() == b.rules.len()
        && a.rules.iter().all(|r| {
            b.rules.iter().any(|s| {
                s.name == r.name
                    && s.lock_existing_records == r.lock_existing_records
                    && same_criteria(&s.criteria, &r.criteria)
            })
        })
}

/// Whether two rules of the same name share the same records the same way (status aside).
fn same_rule(a: &SharingRuleSpec, b: &SharingRuleSpec) -> bool {
    let criteria = match (&a.criteria, &b.criteria) {
        (Some(x), Some(y)) => same_criteria(x, y),
        (None, None) => true,
        _ => false,
    };
    a.permission == b.permission
        && a.superiors_allowed == b.superiors_allowed
        && a.from == b.from
        && a.to == b.to
        && criteria
}

/// `1 other rule stays as it is`, `2 other rules stay as they are`.
fn stays(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 other {what} stays as it is")
    } else {
        format!("{n} other {what}s stay as they are")
    }
}
