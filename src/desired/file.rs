//! Reading, checking and writing the desired-state file, and its JSON Schema.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{AccessConfig, Audience, CriteriaSpec, Family, LockingSpec, VERSION};
use crate::error::Error;
use crate::generated::enums;
use crate::handles::check_module;
use crate::RecordLockingHandler;

/// The largest file read (4 MiB): a real org's access configuration is a few kilobytes.
pub(crate) const MAX_FILE_BYTES: usize = 4 << 20;

/// Zoho's limit on a locking rule's name (the record-locking limits are
/// [`RecordLockingHandler`]'s: Kaizen #109 and Zoho's OpenAPI file; see `zoho-api-facts.md`).
const MAX_RULE_NAME_CHARS: usize = 256;
/// Criteria nesting the file allows (Zoho's UI builds two or three levels).
const MAX_CRITERIA_DEPTH: usize = 8;

impl AccessConfig {
    /// The largest file [`Self::from_yaml`] reads, in bytes (4 MiB).
    pub const MAX_FILE_BYTES: usize = MAX_FILE_BYTES;

    /// The most locking rules a configuration has (Zoho's limit).
    pub const MAX_LOCKING_RULES: usize = RecordLockingHandler::MAX_LOCKING_RULES;

    /// Reads a desired state from YAML (or JSON, which the YAML parser reads too) and checks
    /// it ([`Self::validate`]).
    ///
    /// Fails with [`Error::Desired`] naming the place: a file of another `version` (before
    /// anything else is read), a syntax error or an unknown key (with line and column), or a
    /// broken rule of the format or of Zoho's limits (with the path, such as
    /// `record_locking.Deals.rules`).
    ///
    /// ```
    /// use zoho_crm_access::desired::AccessConfig;
    /// use zoho_crm_access::Error;
    ///
    /// let err = AccessConfig::from_yaml("version: 2\nscope: {families: [], modules: []}\n")
    ///     .unwrap_err();
    /// assert!(matches!(err, Error::Desired { ref place, .. } if place == "version"));
    /// ```
    pub fn from_yaml(text: &str) -> Result<Self, Error> {
        if text.len() > MAX_FILE_BYTES {
            return Err(Error::desired(
                "",
                format!(
                    "the file has {} bytes; at most {MAX_FILE_BYTES} are read",
                    text.len()
                ),
            ));
        }
        check_version(text)?;
        let de = serde_norway::Deserializer::from_str(text);
        let config: AccessConfig = serde_path_to_error::deserialize(de).map_err(|e| {
            let place = e.path().to_string();
            let inner = e.into_inner();
            parse_error(if place == "." { String::new() } else { place }, inner)
        })?;
        config.validate()?;
        Ok(config)
    }

    /// The file's text: YAML, sorted and stable (the same configuration always gives the same
    /// bytes; see the module documentation for the rules).
    pub fn to_yaml(&self) -> Result<String, Error> {
        serde_norway::to_string(&self.canonical()).map_err(|e| Error::Desired {
            place: String::new(),
            location: None,
            reason: "cannot write the configuration as YAML".into(),
            source: Some(Box::new(e)),
        })
    }

    /// Checks the rules of the format and Zoho's limits, naming the first place that breaks
    /// one: version 1; a scope with families and modules; family sections only for families
    /// and modules in scope; a share type for every module in scope when org permissions are;
    /// values Zoho knows (share types, lock types, actions, permissions, comparators ...);
    /// unique rule names and locking criteria; at most 5 locking rules, 15 excluded profiles,
    /// 15 editable fields, 30 custom buttons, 10 restricted actions and 10 restricted
    /// communications; the settings other settings need (rules for automatic locking,
    /// excluded profiles for `all_profiles_except_excluded_profiles`; an owner-based rule has
    /// `from`, a criteria-based one `criteria`, never both).
    pub fn validate(&self) -> Result<(), Error> {
        if self.version != VERSION {
            return Err(version_error(&self.version.to_string()));
        }
        if self.scope.families.is_empty() {
            return Err(Error::desired(
                "scope.families",
                "name at least one family: record_locking, sharing_rules, org_permissions",
            ));
        }
        if self.scope.modules.is_empty() {
            return Err(Error::desired(
                "scope.modules",
                "name at least one module (by API name, e.g. Leads)",
            ));
        }
        // The same check as every handle's, so a bad name fails here, offline.
        for m in &self.scope.modules {
            if let Err(e) = check_module(m) {
                let reason = match e {
                    Error::InvalidInput { reason, .. } => reason,
                    other => other.to_string(),
                };
                return Err(Error::desired("scope.modules", reason));
            }
        }
        self.check_sections()?;
        for (module, share) in &self.org_permissions {
            known(
                share.as_str(),
                enums::ShareType::KNOWN,
                &format!("org_permissions.{module}"),
                "share type",
            )?;
        }
        if self.scope.has(Family::OrgPermissions) {
            if let Some(m) = self
                .scope
                .modules
                .iter()
                .find(|m| !self.org_permissions.contains_key(*m))
            {
                return Err(Error::desired(
                    format!("org_permissions.{m}"),
                    format!(
                        "missing: with org_permissions in scope, every module in scope has a \
                         share type (private, public_read_only, public_read_write or public); \
                         `{m}` has none"
                    ),
                ));
            }
        }
        for (module, spec) in &self.record_locking {
            check_locking(&format!("record_locking.{module}"), spec)?;
        }
        for (module, rules) in &self.sharing_rules {
            let base = format!("sharing_rules.{module}");
            let mut names = BTreeSet::new();
            for (i, rule) in rules.iter().enumerate() {
                let at = format!("{base}[{i}]");
                if rule.name.trim().is_empty() {
                    return Err(Error::desired(
                        format!("{at}.name"),
                        "a sharing rule needs a name",
                    ));
                }
                if !names.insert(rule.name.as_str()) {
                    return Err(Error::desired(
                        format!("{at}.name"),
                        format!(
                            "two sharing rules of {module} are named {:?}; names are unique \
                             within a module",
                            rule.name
                        ),
                    ));
                }
                known(
                    rule.permission.as_str(),
                    enums::PermissionType::KNOWN,
                    &format!("{at}.permission"),
                    "permission",
                )?;
                known(
                    rule.status.as_str(),
                    enums::SharingRuleStatus::KNOWN,
                    &format!("{at}.status"),
                    "status",
                )?;
                match (&rule.from, &rule.criteria) {
                    (Some(_), Some(_)) => {
                        return Err(Error::desired(
                            at,
                            "a rule is owner-based (`from`) or criteria-based (`criteria`), \
                             not both",
                        ))
                    }
                    (None, None) => {
                        return Err(Error::desired(
                            at,
                            "give `from` (share the records these users own) or `criteria` \
                             (share the records that match)",
                        ))
                    }
                    (Some(from), None) => {
                        if *from == Audience::AllUsers {
                            return Err(Error::desired(
                                format!("{at}.from"),
                                "records are shared from a role, a role and its subordinates \
                                 or a group, not from all users",
                            ));
                        }
                        check_audience(&format!("{at}.from"), from)?;
                    }
                    (None, Some(c)) => check_criteria(&format!("{at}.criteria"), c, 0)?,
                }
                check_audience(&format!("{at}.to"), &rule.to)?;
            }
        }
        Ok(())
    }

    /// Family sections name only families and modules in scope.
    fn check_sections(&self) -> Result<(), Error> {
        let sections: [(Family, Vec<&String>); 3] = [
            (Family::RecordLocking, self.record_locking.keys().collect()),
            (Family::SharingRules, self.sharing_rules.keys().collect()),
            (
                Family::OrgPermissions,
                self.org_permissions.keys().collect(),
            ),
        ];
        for (family, modules) in sections {
            if let Some(m) = modules.first() {
                if !self.scope.has(family) {
                    return Err(Error::desired(
                        format!("{family}.{m}"),
                        format!("{family} is not in scope.families; add it or remove this section"),
                    ));
                }
            }
            if let Some(m) = modules.iter().find(|m| !self.scope.modules.contains(**m)) {
                return Err(Error::desired(
                    format!("{family}.{m}"),
                    format!("module {m} is not in scope.modules; add it or remove this entry"),
                ));
            }
        }
        Ok(())
    }
}

fn check_locking(base: &str, spec: &LockingSpec) -> Result<(), Error> {
    known(
        spec.lock_type.as_str(),
        enums::LockType::KNOWN,
        &format!("{base}.lock_type"),
        "lock type",
    )?;
    known(
        spec.locked_for.as_str(),
        enums::LockedFor::KNOWN,
        &format!("{base}.locked_for"),
        "locked_for value",
    )?;
    for a in &spec.restricted_actions {
        known(
            a.as_str(),
            enums::RestrictedAction::KNOWN,
            &format!("{base}.restricted_actions"),
            "restricted action",
        )?;
    }
    for c in &spec.restricted_communications {
        known(
            c.as_str(),
            enums::RestrictedCommunication::KNOWN,
            &format!("{base}.restricted_communications"),
            "restricted communication",
        )?;
    }
    let limits = [
        (
            "excluded_profiles",
            spec.excluded_profiles.len(),
            RecordLockingHandler::MAX_EXCLUDED_PROFILES,
        ),
        (
            "editable_fields",
            spec.editable_fields.len(),
            RecordLockingHandler::MAX_EXCLUDED_FIELDS,
        ),
        (
            "restricted_custom_buttons",
            spec.restricted_custom_buttons.len(),
            RecordLockingHandler::MAX_CUSTOM_BUTTONS,
        ),
        (
            "restricted_actions",
            spec.restricted_actions.len(),
            RecordLockingHandler::MAX_RESTRICTED_ACTIONS,
        ),
        (
            "restricted_communications",
            spec.restricted_communications.len(),
            RecordLockingHandler::MAX_RESTRICTED_COMMUNICATIONS,
        ),
        (
            "rules",
            spec.rules.len(),
            RecordLockingHandler::MAX_LOCKING_RULES,
        ),
    ];
    for (key, n, max) in limits {
        if n > max {
            return Err(Error::desired(
                format!("{base}.{key}"),
                format!("{n} given; Zoho allows at most {max}"),
            ));
        }
    }
    for (key, names) in [
        ("excluded_profiles", &spec.excluded_profiles),
        ("editable_fields", &spec.editable_fields),
        ("restricted_custom_buttons", &spec.restricted_custom_buttons),
    ] {
        if names.iter().any(|n| n.trim().is_empty()) {
            return Err(Error::desired(
                format!("{base}.{key}"),
                "holds an empty name",
            ));
        }
    }
    if matches!(
        spec.lock_type,
        enums::LockType::Automatic | enums::LockType::Both
    ) && spec.rules.is_empty()
    {
        return Err(Error::desired(
            format!("{base}.rules"),
            format!(
                "lock_type {} locks records by rules: give at least one",
                spec.lock_type
            ),
        ));
    }
    if spec.locked_for == enums::LockedFor::AllProfilesExceptExcludedProfiles
        && spec.excluded_profiles.is_empty()
    {
        return Err(Error::desired(
            format!("{base}.excluded_profiles"),
            "locked_for all_profiles_except_excluded_profiles needs at least one profile here",
        ));
    }
    let mut names = BTreeSet::new();
    let mut criteria: Vec<&CriteriaSpec> = Vec::new();
    for (i, rule) in spec.rules.iter().enumerate() {
        let at = format!("{base}.rules[{i}]");
        if rule.name.trim().is_empty() {
            return Err(Error::desired(
                format!("{at}.name"),
                "a locking rule needs a name",
            ));
        }
        if rule.name.chars().count() > MAX_RULE_NAME_CHARS {
            return Err(Error::desired(
                format!("{at}.name"),
                format!("longer than Zoho's {MAX_RULE_NAME_CHARS} characters"),
            ));
        }
        if !names.insert(rule.name.as_str()) {
            return Err(Error::desired(
                format!("{at}.name"),
                format!(
                    "two locking rules are named {:?}; names are unique within a configuration",
                    rule.name
                ),
            ));
        }
        check_criteria(&format!("{at}.criteria"), &rule.criteria, 0)?;
        if criteria.iter().any(|c| same_criteria(c, &rule.criteria)) {
            return Err(Error::desired(
                format!("{at}.criteria"),
                "another locking rule of this configuration has the same criteria (Zoho \
                 refuses duplicates)",
            ));
        }
        criteria.push(&rule.criteria);
    }
    Ok(())
}

fn check_audience(at: &str, a: &Audience) -> Result<(), Error> {
    match a.name() {
        Some(n) if n.trim().is_empty() => Err(Error::desired(
            format!("{at}.{}", a.place()),
            "needs a name",
        )),
        _ => Ok(()),
    }
}

fn check_criteria(at: &str, c: &CriteriaSpec, depth: usize) -> Result<(), Error> {
    if depth > MAX_CRITERIA_DEPTH {
        return Err(Error::desired(
            at,
            format!("criteria nested deeper than {MAX_CRITERIA_DEPTH} levels"),
        ));
    }
    match c {
        CriteriaSpec::Condition {
            field,
            comparator,
            value,
        } => {
            if field.trim().is_empty() {
                return Err(Error::desired(
                    format!("{at}.field"),
                    "needs a field API name",
                ));
            }
            known(
                comparator.as_str(),
                enums::CriteriaComparator::KNOWN,
                &format!("{at}.comparator"),
                "comparator",
            )?;
            if value.is_null() {
                return Err(Error::desired(format!("{at}.value"), "needs a value"));
            }
            Ok(())
        }
        CriteriaSpec::All(members) | CriteriaSpec::Any(members) => {
            let key = if matches!(c, CriteriaSpec::All(_)) {
                "all"
            } else {
                "any"
            };
            if members.is_empty() {
                return Err(Error::desired(
                    format!("{at}.{key}"),
                    "a group needs at least one member",
                ));
            }
            for (i, m) in members.iter().enumerate() {
                check_criteria(&format!("{at}.{key}[{i}]"), m, depth + 1)?;
            }
            Ok(())
        }
    }
}

/// Whether two criteria mean the same: values compared by their text, so `10` and `"10"`
/// (which Zoho may store either way) are the same.
pub(crate) fn same_criteria(a: &CriteriaSpec, b: &CriteriaSpec) -> bool {
    match (a, b) {
        (
            CriteriaSpec::Condition {
                field: fa,
                comparator: ca,
                value: va,
            },
            CriteriaSpec::Condition {
                field: fb,
                comparator: cb,
                value: vb,
            },
        ) => fa == fb && ca == cb && same_value(va, vb),
        (CriteriaSpec::All(a), CriteriaSpec::All(b))
        | (CriteriaSpec::Any(a), CriteriaSpec::Any(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_criteria(x, y))
        }
        _ => false,
    }
}

fn same_value(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (Value::String(x), Value::Number(y)) | (Value::Number(y), Value::String(x)) => {
            *x == y.to_string()
        }
        (Value::String(x), Value::Bool(y)) | (Value::Bool(y), Value::String(x)) => {
            *x == y.to_string()
        }
        _ => a == b,
    }
}

/// A value of an open enumeration must be one this version knows: a typo fails here, before
/// any write, rather than at Zoho in the middle of an apply.
fn known(value: &str, known: &[&str], place: &str, what: &str) -> Result<(), Error> {
    if known.contains(&value) {
        return Ok(());
    }
    let hint = super::resolve::did_you_mean(value, known.iter().copied());
    Err(Error::desired(
        place,
        format!(
            "`{value}` is not a {what} Zoho knows{hint} (one of {})",
            known.join(", ")
        ),
    ))
}

fn version_error(found: &str) -> Error {
    Error::desired(
        "version",
        format!(
            "this file is version {found}; this zoho-access reads version {VERSION} (a newer \
             file needs a newer zoho-access)"
        ),
    )
}

/// Reads `version` before anything else, so a file of another version is refused as such
/// rather than for a key this version does not know.
fn check_version(text: &str) -> Result<(), Error> {
    let whole: serde_norway::Value =
        serde_norway::from_str(text).map_err(|e| parse_error(String::new(), e))?;
    let version = match &whole {
        serde_norway::Value::Mapping(m) => m.get("version").cloned(),
        // An empty file (or only comments): the version is what is missing.
        serde_norway::Value::Null => None,
        other => {
            let kind = match other {
                serde_norway::Value::Sequence(_) => "a list",
                serde_norway::Value::String(_) => "a string",
                serde_norway::Value::Number(_) => "a number",
                serde_norway::Value::Bool(_) => "a boolean",
                _ => "a tagged value",
            };
            return Err(Error::desired(
                "",
                format!(
                    "the file is {kind}; it must be a mapping of keys (`version: {VERSION}`, \
                     `scope:`, then the families' sections), as `zoho-access pull` writes it"
                ),
            ));
        }
    };
    match version {
        None => Err(Error::desired(
            "version",
            format!("missing: the file starts with `version: {VERSION}`"),
        )),
        Some(v) if v.as_u64() == Some(u64::from(VERSION)) => Ok(()),
        Some(v) => {
            let shown = match &v {
                serde_norway::Value::String(s) => format!("{s:?}"),
                other => serde_norway::to_string(other)
                    .map(|s| s.trim().to_owned())
                    .unwrap_or_else(|_| "?".into()),
            };
            Err(version_error(&shown))
        }
    }
}

fn parse_error(place: String, e: serde_norway::Error) -> Error {
    let location = e.location().map(|l| (l.line(), l.column()));
    // The parser's message repeats the location ("at line 3 column 5"); keep what precedes it.
    let message = e.to_string();
    let mut reason = match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message,
    };
    // It may also start with its own form of the path ("sharing_rules.Leads[0]: ...").
    if let Some((head, rest)) = reason.split_once(": ") {
        if !head.is_empty() && !head.contains(char::is_whitespace) && !head.contains('`') {
            reason = rest.to_owned();
        }
    }
    // Serde names the type it wanted (`expected struct Scope`): say what the file must hold.
    if let Some(i) = reason.find("expected struct ") {
        reason.replace_range(i.., "expected a mapping of keys");
    }
    // A typo of a known key or value: the nearest one after it.
    for what in ["unknown variant `", "unknown field `"] {
        let Some(start) = reason.find(what).map(|i| i + what.len()) else {
            continue;
        };
        let Some(len) = reason[start..].find('`') else {
            continue;
        };
        let wanted = reason[start..start + len].to_owned();
        let known: Vec<String> = reason[start + len + 1..]
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect();
        let hint = super::resolve::did_you_mean(&wanted, known.iter().map(String::as_str));
        reason.insert_str(start + len + 1, &hint);
        break;
    }
    Error::Desired {
        place,
        location,
        reason,
        source: Some(Box::new(e)),
    }
}

/// The JSON Schema of the file (draft 7), derived from the Rust types, with the values this
/// version knows as `enum`s so that editors flag a typo. `zoho-access schema` prints it;
/// `spec/desired-state.schema.json` is the published copy.
///
/// ```
/// let schema = zoho_crm_access::desired::json_schema();
/// assert_eq!(schema["title"], "zoho-access desired state, version 1");
/// assert!(schema["definitions"]["ShareType"]["enum"].is_array());
/// ```
pub fn json_schema() -> serde_json::Value {
    let settings = schemars::r#gen::SchemaSettings::draft07();
    let root = settings
        .into_generator()
        .into_root_schema_for::<AccessConfig>();
    let mut value = serde_json::to_value(root).unwrap_or_default();
    let closed: BTreeMap<&str, &[&str]> = [
        ("ShareType", enums::ShareType::KNOWN),
        ("LockType", enums::LockType::KNOWN),
        ("LockedFor", enums::LockedFor::KNOWN),
        ("RestrictedAction", enums::RestrictedAction::KNOWN),
        (
            "RestrictedCommunication",
            enums::RestrictedCommunication::KNOWN,
        ),
        ("PermissionType", enums::PermissionType::KNOWN),
        ("SharingRuleStatus", enums::SharingRuleStatus::KNOWN),
        ("CriteriaComparator", enums::CriteriaComparator::KNOWN),
    ]
    .into_iter()
    .collect();
    if let Some(version) = value.pointer_mut("/properties/version") {
        version["enum"] = serde_json::json!([VERSION]);
    }
    if let Some(defs) = value
        .get_mut("definitions")
        .and_then(serde_json::Value::as_object_mut)
    {
        for (name, def) in defs.iter_mut() {
            if let (Some(known), Some(obj)) = (closed.get(name.as_str()), def.as_object_mut()) {
                obj.insert("enum".into(), serde_json::json!(known));
                obj.remove("examples");
            }
        }
    }
    value
}
