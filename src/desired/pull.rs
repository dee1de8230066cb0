//! Reading an org's current access control as a desired state (ids -> names).

use std::collections::{BTreeMap, BTreeSet};

use futures::{StreamExt, TryStreamExt};

use super::model::{
    AccessConfig, Audience, CriteriaSpec, Family, LockingRuleSpec, LockingSpec, Scope,
    SharingRuleSpec,
};
use super::resolve::{read_if, Directory, Names, READS_AT_ONCE};
use crate::client::Client;
use crate::error::Error;
use crate::generated::{enums, types};

/// Reads the access control of the org `client` talks to, inside `scope`, as a desired state
/// that names everything by org-independent keys. Applying the result to another org makes
/// that org's access control the same (see [`crate::desired::plan`]).
///
/// An empty `scope.modules` ([`Scope::everything`]) means every module the org lists in its
/// default organization permissions; the result's scope names them. A module that does not
/// support a family (record locking on Calls, say) simply has nothing in it. Of the
/// directory it reads only what the scope's families name: roles and user groups for sharing
/// rules, profiles for record locking, the modules always. Fails with
/// [`Error::Desired`] when the org has something a file cannot name: a role or group name
/// shared by two of them, a sharing target of a kind this version does not know.
///
/// ```no_run
/// use zoho_crm_access::desired::{self, Family, Scope};
/// # async fn run(client: zoho_crm_access::Client) -> Result<(), zoho_crm_access::Error> {
/// let scope = Scope::new([Family::SharingRules, Family::OrgPermissions], ["Leads", "Deals"]);
/// let config = desired::pull(&client, &scope).await?;
/// std::fs::write("access.yaml", config.to_yaml()?).expect("writable");
/// # Ok(())
/// # }
/// ```
pub async fn pull(client: &Client, scope: &Scope) -> Result<AccessConfig, Error> {
    Ok(read(client, scope, &BTreeSet::new()).await?.config)
}

/// A module's record locking configuration as the org has it, with the ids a plan needs.
#[derive(Clone, Debug)]
pub(crate) struct CurrentLocking {
    pub id: String,
    pub system_defined: bool,
    /// Locking rule ids by name.
    pub rule_ids: BTreeMap<String, String>,
}

/// A module's default organization permission as the org has it.
#[derive(Clone, Debug)]
pub(crate) struct CurrentShare {
    pub id: Option<String>,
    pub share_type: enums::ShareType,
    pub public_in_portals: bool,
}

/// What a plan needs to know about the org: its state as a desired state, and the ids.
#[derive(Debug)]
pub(crate) struct OrgState {
    pub config: AccessConfig,
    pub locking: BTreeMap<String, CurrentLocking>,
    /// Sharing rule ids by (module, name).
    pub rule_ids: BTreeMap<(String, String), String>,
    pub shares: BTreeMap<String, CurrentShare>,
    /// Custom buttons by module: the `{id, name}` pairs the module's configuration carries.
    pub buttons: BTreeMap<String, Names>,
    /// (family, module) pairs Zoho does not support (`NOT_SUPPORTED`).
    pub unsupported: BTreeSet<(Family, String)>,
    pub directory: Directory,
}

/// What was read for one module.
struct ModuleRead {
    module: String,
    /// `None`: the family is not in scope (not read; only families in scope are looked at)
    /// or the module does not support it.
    locking: Option<Option<types::RecordLockingConfiguration>>,
    rules: Option<Vec<types::SharingRule>>,
}

/// `Ok(None)` for Zoho's documented "not supported" answer (the module has no such
/// settings), the result otherwise.
fn unless_not_supported<T>(result: Result<T, Error>) -> Result<Option<T>, Error> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if matches!(e.code(), Some(enums::ZohoCode::NotSupported)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads the org inside `scope`, with the fields of `field_modules` in its directory.
pub(crate) async fn read(
    client: &Client,
    scope: &Scope,
    field_modules: &BTreeSet<String>,
) -> Result<OrgState, Error> {
    let need_shares = scope.has(Family::OrgPermissions) || scope.modules.is_empty();
    let perms = client.org_permissions();
    let (directory, share_list) = futures::try_join!(
        Directory::load(client, &scope.families, field_modules),
        read_if(need_shares, perms.get())
    )?;
    let shares: BTreeMap<String, CurrentShare> = share_list
        .into_iter()
        .map(|d| {
            (
                d.module.api_name.clone(),
                CurrentShare {
                    id: d.module.id.clone(),
                    share_type: d.share_type,
                    public_in_portals: d.public_in_portals.unwrap_or(false),
                },
            )
        })
        .collect();
    let modules: BTreeSet<String> = if scope.modules.is_empty() {
        shares.keys().cloned().collect()
    } else {
        scope.modules.clone()
    };
    for m in &modules {
        directory.module(m, "scope.modules", "the org")?;
    }
    // What the org has: the whole truth of these modules, whatever the file manages.
    let scope = Scope::new(scope.families.iter().copied(), modules);
    let reads: Vec<ModuleRead> = futures::stream::iter(scope.modules.iter().cloned())
        .map(|m| read_module(client, &scope, m))
        .buffered(READS_AT_ONCE)
        .try_collect()
        .await?;

    let mut state = OrgState {
        config: AccessConfig::new(scope.clone()),
        locking: BTreeMap::new(),
        rule_ids: BTreeMap::new(),
        shares,
        buttons: BTreeMap::new(),
        unsupported: BTreeSet::new(),
        directory,
    };
    for read in reads {
        let module = read.module;
        if scope.has(Family::RecordLocking) {
            match read.locking {
                None => {
                    state
                        .unsupported
                        .insert((Family::RecordLocking, module.clone()));
                }
                Some(None) => {}
                Some(Some(cfg)) => {
                    let (spec, current, buttons) = locking_spec(&module, cfg, &state.directory)?;
                    state.config.record_locking.insert(module.clone(), spec);
                    state.locking.insert(module.clone(), current);
                    state.buttons.insert(module.clone(), buttons);
                }
            }
        }
        if scope.has(Family::SharingRules) {
            match read.rules {
                None => {
                    state
                        .unsupported
                        .insert((Family::SharingRules, module.clone()));
                }
                Some(rules) => {
                    let mut specs = Vec::new();
                    for rule in rules {
                        let place = format!("sharing_rules.{module} (rule {:?})", rule.name);
                        if state
                            .rule_ids
                            .insert((module.clone(), rule.name.clone()), rule.id.clone())
                            .is_some()
                        {
                            return Err(Error::desired(
                                place,
                                "the org has two sharing rules of this name in the module",
                            ));
                        }
                        specs.push(rule_spec(&place, rule, &state.directory)?);
                    }
                    if !specs.is_empty() {
                        state.config.sharing_rules.insert(module.clone(), specs);
                    }
                }
            }
        }
        if scope.has(Family::OrgPermissions) {
            let Some(share) = state.shares.get(&module) else {
                return Err(Error::desired(
                    format!("org_permissions.{module}"),
                    format!(
                        "the org lists no default organization permission for {module}; leave \
                         org_permissions out of the families or {module} out of the modules"
                    ),
                ));
            };
            state
                .config
                .org_permissions
                .insert(module.clone(), share.share_type.clone());
        }
    }
    state.config.canonicalize();
    Ok(state)
}

async fn read_module(client: &Client, scope: &Scope, module: String) -> Result<ModuleRead, Error> {
    let locking = if scope.has(Family::RecordLocking) {
        unless_not_supported(client.record_locking(module.clone()).get().await)?
    } else {
        None
    };
    let rules = if scope.has(Family::SharingRules) {
        let handler = client.sharing_rules(module.clone());
        let listed = handler
            .list()
            .per_page(200)
            .stream()
            .try_collect::<Vec<_>>();
        match unless_not_supported(listed.await)? {
            Some(listed) => {
                // List items carry no criteria: a criteria-based rule is read by id.
                let full: Vec<types::SharingRule> = futures::stream::iter(listed)
                    .map(|rule| {
                        let handler = handler.clone();
                        async move {
                            if rule.type_ != enums::SharingRuleType::CriteriaBased
                                || rule.criteria.is_some()
                            {
                                return Ok(rule);
                            }
                            match handler.get(&rule.id).await? {
                                Some(full) => Ok(full),
                                None => Ok(rule),
                            }
                        }
                    })
                    .buffered(READS_AT_ONCE)
                    .try_collect()
                    .await?;
                Some(full)
            }
            None => None,
        }
    } else {
        None
    };
    Ok(ModuleRead {
        module,
        locking,
        rules,
    })
}

fn locking_spec(
    module: &str,
    cfg: types::RecordLockingConfiguration,
    dir: &Directory,
) -> Result<(LockingSpec, CurrentLocking, Names), Error> {
    let base = format!("record_locking.{module}");
    let mut spec = LockingSpec::new(cfg.lock_type, cfg.restricted_actions);
    spec.locked_for = cfg.locked_for.unwrap_or(enums::LockedFor::AllProfiles);
    for p in cfg.lock_excluded_profiles.unwrap_or_default() {
        let name = dir.profiles.name_for(
            &p.id,
            p.name.as_deref(),
            &format!("{base}.excluded_profiles"),
        )?;
        spec.excluded_profiles.insert(name);
    }
    for f in cfg.excluded_fields {
        let place = format!("{base}.editable_fields");
        let name = match (f.api_name, f.id) {
            (Some(n), _) => n,
            (None, Some(id)) => dir
                .fields
                .get(module)
                .and_then(|names| names.name(&id))
                .map(str::to_owned)
                .ok_or_else(|| {
                    Error::desired(
                        &place,
                        format!("Zoho named field id {id} without its API name"),
                    )
                })?,
            (None, None) => {
                return Err(Error::desired(
                    place,
                    "Zoho sent a field without API name or id",
                ))
            }
        };
        spec.editable_fields.insert(name);
    }
    spec.restricted_communications = cfg
        .restricted_communications
        .unwrap_or_default()
        .into_iter()
        .collect();
    let mut buttons = Names::new("custom button", []);
    for b in cfg.restricted_custom_buttons.unwrap_or_default() {
        let Some(name) = b.name else {
            return Err(Error::desired(
                format!("{base}.restricted_custom_buttons"),
                format!("Zoho sent custom button {} without its name", b.id),
            ));
        };
        buttons.insert(b.id, name.clone());
        spec.restricted_custom_buttons.insert(name);
    }
    spec.lock_for_portal_users = cfg.lock_for_portal_users.unwrap_or(true);
    let mut rule_ids = BTreeMap::new();
    for (i, rule) in cfg.locking_rules.into_iter().enumerate() {
        let place = format!("{base}.rules[{i}]");
        let name: String = rule.name.to_string();
        if rule_ids.insert(name.clone(), rule.id).is_some() {
            return Err(Error::desired(
                format!("{place} ({name:?})"),
                "the org has two locking rules of this name in the module",
            ));
        }
        spec.rules.push(LockingRuleSpec {
            name,
            lock_existing_records: rule.lock_existing_records.unwrap_or(false),
            criteria: criteria_spec(&format!("{place}.criteria"), rule.criteria)?,
        });
    }
    let current = CurrentLocking {
        id: cfg.id,
        system_defined: cfg.system_defined.unwrap_or(false),
        rule_ids,
    };
    Ok((spec, current, buttons))
}

/// Zoho's criteria as the file writes them (fields by API name).
pub(crate) fn criteria_spec(place: &str, c: types::Criteria) -> Result<CriteriaSpec, Error> {
    match c {
        types::Criteria::Condition(c) => {
            if let Some(t) = &c.type_ {
                if *t != enums::CriteriaValueType::Value {
                    return Err(Error::desired(
                        place,
                        format!("a condition of value type `{t}`, which a file cannot name yet"),
                    ));
                }
            }
            let Some(field) = c.field.api_name else {
                return Err(Error::desired(
                    place,
                    "Zoho sent a condition without the field's API name",
                ));
            };
            Ok(CriteriaSpec::Condition {
                field,
                comparator: c.comparator,
                value: c.value,
            })
        }
        types::Criteria::Group(g) => {
            let members = g
                .group
                .into_iter()
                .enumerate()
                .map(|(i, m)| criteria_spec(&format!("{place}[{i}]"), m))
                .collect::<Result<Vec<_>, _>>()?;
            match g.group_operator {
                enums::GroupOperator::And => Ok(CriteriaSpec::All(members)),
                enums::GroupOperator::Or => Ok(CriteriaSpec::Any(members)),
                other => match other.as_str().to_ascii_uppercase().as_str() {
                    "AND" => Ok(CriteriaSpec::All(members)),
                    "OR" => Ok(CriteriaSpec::Any(members)),
                    _ => Err(Error::desired(
                        place,
                        format!("group operator `{other}`, which a file cannot name"),
                    )),
                },
            }
        }
    }
}

fn audience(
    place: &str,
    kind: &str,
    resource: Option<&types::NamedRef>,
    subordinates: bool,
    dir: &Directory,
) -> Result<Audience, Error> {
    let resource_name = |names: &Names| -> Result<String, Error> {
        let Some(r) = resource else {
            return Err(Error::desired(
                place,
                format!("Zoho sent `{kind}` without a resource"),
            ));
        };
        names.name_for(&r.id, r.name.as_deref(), place)
    };
    match (kind, subordinates) {
        ("all_users", _) => Ok(Audience::AllUsers),
        ("roles", false) => Ok(Audience::Role(resource_name(&dir.roles)?)),
        ("roles", true) => Ok(Audience::RoleAndSubordinates(resource_name(&dir.roles)?)),
        ("groups", _) => Ok(Audience::Group(resource_name(&dir.groups)?)),
        (other, _) => Err(Error::desired(
            place,
            format!("shared with `{other}`, which a file cannot name yet"),
        )),
    }
}

fn rule_spec(
    place: &str,
    rule: types::SharingRule,
    dir: &Directory,
) -> Result<SharingRuleSpec, Error> {
    let to = audience(
        &format!("{place}.to"),
        rule.shared_to.type_.as_str(),
        rule.shared_to.resource.as_ref(),
        rule.shared_to.subordinates.unwrap_or(false),
        dir,
    )?;
    let (from, criteria) = match rule.type_ {
        enums::SharingRuleType::RecordOwnerBased => {
            let Some(f) = &rule.shared_from else {
                return Err(Error::desired(
                    place,
                    "an owner-based rule without shared_from",
                ));
            };
            let from = audience(
                &format!("{place}.from"),
                f.type_.as_str(),
                Some(&f.resource),
                f.subordinates.unwrap_or(false),
                dir,
            )?;
            (Some(from), None)
        }
        enums::SharingRuleType::CriteriaBased => {
            let Some(c) = rule.criteria else {
                return Err(Error::desired(
                    place,
                    "a criteria-based rule without criteria",
                ));
            };
            (None, Some(criteria_spec(&format!("{place}.criteria"), c)?))
        }
        other => {
            return Err(Error::desired(
                place,
                format!("a rule of type `{other}`, which a file cannot name yet"),
            ))
        }
    };
    Ok(SharingRuleSpec {
        name: rule.name,
        status: rule.status.unwrap_or(enums::SharingRuleStatus::Active),
        permission: rule.permission_type,
        superiors_allowed: rule.superiors_allowed.unwrap_or(false),
        from,
        to,
        criteria,
    })
}
