//! Record locking configurations: [`Client::record_locking`] and its handler.

use crate::client::{Client, RawResult};
use crate::error::Error;
use crate::generated::{enums, types};
use crate::handles::{check_id, check_module, many, single};
use crate::operations::Operation;

const MAX_LOCKING_RULES: usize = RecordLockingHandler::MAX_LOCKING_RULES;
const MAX_LOCKING_RULE_ENTRIES: usize = RecordLockingHandler::MAX_LOCKING_RULE_ENTRIES;

impl Client {
    /// The record locking configuration of one module (`Deals`, `Leads`, a custom module ...).
    pub fn record_locking(&self, module: impl Into<String>) -> RecordLockingHandler {
        RecordLockingHandler {
            client: self.clone(),
            module: module.into(),
        }
    }
}

/// The record locking configuration of one module; from [`Client::record_locking`].
///
/// A module has at most one configuration, locking records manually, automatically (by up to
/// 5 rules with criteria) or both.
///
/// ```no_run
/// use zoho_crm_access::criteria::field;
/// use zoho_crm_access::{enums, types, Client};
///
/// # async fn run(client: Client) -> Result<(), zoho_crm_access::Error> {
/// let deals = client.record_locking("Deals");
/// match deals.get().await? {
///     Some(config) => println!("locked for {:?}", config.locked_for),
///     None => {
///         let rule = types::LockingRuleInput::new_rule("Closed deals", field("Stage").equal("Closed Won"))?;
///         let input = types::RecordLockingConfigurationInput::new(enums::LockType::Automatic)
///             .with_locking_rules([rule]);
///         let created = deals.create(input).await?;
///         println!("created configuration {:?}", created.details.id);
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct RecordLockingHandler {
    client: Client,
    module: String,
}

/// Documented limits of a configuration (Zoho answers `LIMIT_EXCEEDED` past them); the
/// handler checks them before sending anything.
impl RecordLockingHandler {
    /// Most locking rules a configuration keeps. In an update, every entry without
    /// `_delete: true` (a new rule, or a change to an existing one) is a rule that exists
    /// afterwards, so at most 5 such entries are allowed. `_delete` entries remove rules and do
    /// not count towards that limit, so an update that replaces all 5 rules carries 10 entries
    /// (5 removals, 5 additions); the array as a whole is capped at
    /// [`Self::MAX_LOCKING_RULE_ENTRIES`].
    pub const MAX_LOCKING_RULES: usize = 5;
    /// Most entries in an update's `locking_rules` array: 5 kept or new rules plus 5 removals.
    pub const MAX_LOCKING_RULE_ENTRIES: usize = 2 * Self::MAX_LOCKING_RULES;
    /// Most profiles in `lock_excluded_profiles`.
    pub const MAX_EXCLUDED_PROFILES: usize = 15;
    /// Most fields in `excluded_fields`.
    pub const MAX_EXCLUDED_FIELDS: usize = 15;
    /// Most buttons in `restricted_custom_buttons`.
    pub const MAX_CUSTOM_BUTTONS: usize = 30;
    /// Most actions in `restricted_actions`.
    pub const MAX_RESTRICTED_ACTIONS: usize = 10;
    /// Most channels in `restricted_communications`.
    pub const MAX_RESTRICTED_COMMUNICATIONS: usize = 10;
}

impl types::LockingRuleInput {
    /// A new locking rule (for a create, or added by an update): locks the records matching
    /// `criteria`. Fails with [`Error::InvalidInput`] when the name is empty or longer than
    /// Zoho allows (256 characters).
    pub fn new_rule(name: &str, criteria: impl Into<types::Criteria>) -> Result<Self, Error> {
        if name.trim().is_empty() {
            return Err(Error::invalid("locking rule name", "must not be empty"));
        }
        let name: types::LockingRuleInputName = name
            .parse()
            .map_err(|e| Error::invalid("locking rule name", format!("{e}")))?;
        Ok(Self::new().with_name(name).with_criteria(criteria))
    }

    /// An update entry that changes rule `id`; set what changes with the `with_*` methods.
    pub fn change(id: impl Into<String>) -> Self {
        Self::new().with_id(id)
    }

    /// An update entry that removes rule `id` (`_delete: true`).
    pub fn remove(id: impl Into<String>) -> Self {
        Self::new().with_id(id).with_delete(true)
    }
}

fn check_len<T>(what: &str, items: Option<&Vec<T>>, max: usize) -> Result<(), Error> {
    match items {
        Some(v) if v.len() > max => Err(Error::invalid(
            what,
            format!("{} given; Zoho allows at most {max}", v.len()),
        )),
        _ => Ok(()),
    }
}

/// The list fields both a create and an update carry.
struct Lists<'a> {
    lock_excluded_profiles: Option<&'a Vec<types::NamedRef>>,
    excluded_fields: Option<&'a Vec<types::FieldRef>>,
    restricted_custom_buttons: Option<&'a Vec<types::NamedRef>>,
    restricted_actions: Option<&'a Vec<enums::RestrictedAction>>,
    restricted_communications: Option<&'a Vec<enums::RestrictedCommunication>>,
}

fn check_lists(l: Lists<'_>) -> Result<(), Error> {
    check_len(
        "lock_excluded_profiles",
        l.lock_excluded_profiles,
        RecordLockingHandler::MAX_EXCLUDED_PROFILES,
    )?;
    check_len(
        "excluded_fields",
        l.excluded_fields,
        RecordLockingHandler::MAX_EXCLUDED_FIELDS,
    )?;
    check_len(
        "restricted_custom_buttons",
        l.restricted_custom_buttons,
        RecordLockingHandler::MAX_CUSTOM_BUTTONS,
    )?;
    check_len(
        "restricted_actions",
        l.restricted_actions,
        RecordLockingHandler::MAX_RESTRICTED_ACTIONS,
    )?;
    check_len(
        "restricted_communications",
        l.restricted_communications,
        RecordLockingHandler::MAX_RESTRICTED_COMMUNICATIONS,
    )
}

fn check_rules(rules: Option<&Vec<types::LockingRuleInput>>) -> Result<(), Error> {
    // Removals (`_delete`) do not count towards the limit of rules a configuration keeps.
    check_len("locking_rules", rules, MAX_LOCKING_RULE_ENTRIES)?;
    let kept = rules.map(|r| r.iter().filter(|x| x.delete != Some(true)).count());
    if let Some(n) = kept {
        if n > MAX_LOCKING_RULES {
            return Err(Error::invalid(
                "locking_rules",
                format!("{n} rules given; a configuration has at most {MAX_LOCKING_RULES}"),
            ));
        }
    }
    if let Some(rules) = rules {
        for (i, r) in rules.iter().enumerate() {
            if r.delete == Some(true) && r.id.is_none() {
                return Err(Error::invalid(
                    format!("locking_rules[{i}]"),
                    "`_delete` needs the id of the rule to remove",
                ));
            }
            if r.id.is_none()
                && r.delete != Some(true)
                && (r.name.is_none() || r.criteria.is_none())
            {
                return Err(Error::invalid(
                    format!("locking_rules[{i}]"),
                    "a new rule (no id) needs a name and criteria",
                ));
            }
        }
    }
    Ok(())
}

impl RecordLockingHandler {
    /// The module this handle works on.
    pub fn module(&self) -> &str {
        &self.module
    }

    /// The module's configuration, or `None` when it has none (Zoho answers 204).
    pub fn get(
        &self,
    ) -> impl std::future::Future<Output = Result<Option<types::RecordLockingConfiguration>, Error>>
           + Send
           + 'static {
        let this = self.clone();
        async move {
            check_module(&this.module)?;
            let raw = this.client.raw();
            let fut = raw
                .get_record_locking_configurations()
                .module(this.module.clone())
                .send();
            this.read(Operation::GetRecordLockingConfigurations, fut)
                .await
        }
    }

    /// The configuration with this id, or `None` when there is none (204).
    pub fn get_by_id(
        &self,
        id: &str,
    ) -> impl std::future::Future<Output = Result<Option<types::RecordLockingConfiguration>, Error>>
           + Send
           + 'static {
        let this = self.clone();
        let id = id.to_owned();
        async move {
            let id: &str = &id;
            check_module(&this.module)?;
            check_id("configuration id", id)?;
            let raw = this.client.raw();
            let fut = raw
                .get_record_locking_configuration_by_id()
                .id(id)
                .module(this.module.clone())
                .send();
            this.read(Operation::GetRecordLockingConfigurationById, fut)
                .await
        }
    }

    /// Creates the module's configuration. Returns Zoho's result; `details.id` is the new
    /// configuration's id. Checks the documented limits first (at most 5 locking rules,
    /// 15 excluded profiles, 15 excluded fields, 30 custom buttons, 10 restricted actions,
    /// 10 restricted communications) and the dependent fields (`locking_rules` for lock type
    /// automatic or both, `lock_excluded_profiles` for `locked_for`
    /// all_profiles_except_excluded_profiles), failing with [`Error::InvalidInput`] before
    /// any request.
    pub fn create(
        &self,
        input: types::RecordLockingConfigurationInput,
    ) -> impl std::future::Future<Output = Result<types::ActionResult, Error>> + Send + 'static
    {
        let this = self.clone();
        async move {
            check_module(&this.module)?;
            check_create(&input)?;
            let body = types::RecordLockingConfigurationCreateRequest {
                record_locking_configurations: [input],
            };
            let raw = this.client.raw();
            let fut = raw
                .create_record_locking_configuration()
                .module(this.module.clone())
                .body(body)
                .send();
            this.write(Operation::CreateRecordLockingConfiguration, fut)
                .await
        }
    }

    /// Updates the configuration named by `update.id` (the collection URL). Checks the same
    /// limits as [`Self::create`] first; for `locking_rules` see [`Self::MAX_LOCKING_RULES`] (how
    /// `_delete` entries count).
    pub fn update(
        &self,
        update: types::RecordLockingConfigurationUpdate,
    ) -> impl std::future::Future<Output = Result<types::ActionResult, Error>> + Send + 'static
    {
        let this = self.clone();
        async move {
            this.check_update(&update)?;
            let body = types::RecordLockingConfigurationUpdateRequest {
                record_locking_configurations: [update],
            };
            let raw = this.client.raw();
            let fut = raw
                .update_record_locking_configurations()
                .module(this.module.clone())
                .body(body)
                .send();
            this.write(Operation::UpdateRecordLockingConfigurations, fut)
                .await
        }
    }

    /// Updates configuration `id` (the by-id URL). The body repeats `id` (Zoho needs no body id
    /// on this URL, but accepts a matching one); `update.id` is ignored.
    pub fn update_by_id(
        &self,
        id: &str,
        update: types::RecordLockingConfigurationUpdate,
    ) -> impl std::future::Future<Output = Result<types::ActionResult, Error>> + Send + 'static
    {
        let this = self.clone();
        let id = id.to_owned();
        async move {
            let id: &str = &id;
            let mut update = update;
            check_id("configuration id", id)?;
            update.id = id.to_owned();
            this.check_update(&update)?;
            let body = types::RecordLockingConfigurationUpdateByIdRequest {
                record_locking_configurations: [by_id(update)],
            };
            let raw = this.client.raw();
            let fut = raw
                .update_record_locking_configuration()
                .id(id)
                .module(this.module.clone())
                .body(body)
                .send();
            this.write(Operation::UpdateRecordLockingConfiguration, fut)
                .await
        }
    }

    /// Deletes configuration `id`; every locked record of the module is unlocked.
    pub fn delete(
        &self,
        id: &str,
    ) -> impl std::future::Future<Output = Result<types::ActionResult, Error>> + Send + 'static
    {
        let this = self.clone();
        let id = id.to_owned();
        async move {
            let id: &str = &id;
            check_module(&this.module)?;
            check_id("configuration id", id)?;
            let raw = this.client.raw();
            let fut = raw
                .delete_record_locking_configuration()
                .id(id)
                .module(this.module.clone())
                .send();
            this.write(Operation::DeleteRecordLockingConfiguration, fut)
                .await
        }
    }

    /// Deletes several configurations by id (`?ids=a,b`). Returns one result per id; if any
    /// id failed, the error is [`Error::Items`] listing the failures and the successes.
    pub fn delete_many(
        &self,
        ids: &[&str],
    ) -> impl std::future::Future<Output = Result<Vec<types::ActionResult>, Error>> + Send + 'static
    {
        let this = self.clone();
        let ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
        async move {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let ids: &[&str] = &ids;
            check_module(&this.module)?;
            if ids.is_empty() {
                return Err(Error::invalid("ids", "give at least one configuration id"));
            }
            for id in ids {
                check_id("configuration id", id)?;
            }
            let raw = this.client.raw();
            let fut = raw
                .delete_record_locking_configurations()
                .ids(ids.join(","))
                .module(this.module.clone())
                .send();
            let op = Operation::DeleteRecordLockingConfigurations;
            many(op, this.client.call(op, fut).await?, |v| {
                v.record_locking_configurations
            })
        }
    }

    /// Sends one configuration read: the configuration, or `None` when there is none.
    ///
    /// Not an `async fn` (nor is [`Self::write`]): an `async fn` would keep `send`, the
    /// request future, by value in its own future beside the one [`Client::call`] makes of
    /// it; handed to `call` at once, it is boxed there and moved no further (BENCHMARKS.md,
    /// section 1).
    fn read(
        &self,
        op: Operation,
        send: impl std::future::Future<Output = RawResult<types::RecordLockingConfigurations>>,
    ) -> impl std::future::Future<Output = Result<Option<types::RecordLockingConfiguration>, Error>>
    {
        let call = self.client.call(op, send);
        async move {
            let answer = call.await?;
            Ok(answer.and_then(|a| a.value.record_locking_configurations.into_iter().next()))
        }
    }

    /// Sends one single-configuration write and returns its one result.
    fn write(
        &self,
        op: Operation,
        send: impl std::future::Future<Output = RawResult<types::RecordLockingActionResults>>,
    ) -> impl std::future::Future<Output = Result<types::ActionResult, Error>> {
        let call = self.client.call(op, send);
        async move { single(op, call.await?, |v| v.record_locking_configurations) }
    }

    fn check_update(&self, update: &types::RecordLockingConfigurationUpdate) -> Result<(), Error> {
        check_module(&self.module)?;
        check_id("configuration id", &update.id)?;
        check_rules(update.locking_rules.as_ref())?;
        check_lists(Lists {
            lock_excluded_profiles: update.lock_excluded_profiles.as_ref(),
            excluded_fields: update.excluded_fields.as_ref(),
            restricted_custom_buttons: update.restricted_custom_buttons.as_ref(),
            restricted_actions: update.restricted_actions.as_ref(),
            restricted_communications: update.restricted_communications.as_ref(),
        })?;
        if matches!(
            update.locked_for,
            Some(enums::LockedFor::AllProfilesExceptExcludedProfiles)
        ) && update
            .lock_excluded_profiles
            .as_ref()
            .is_some_and(Vec::is_empty)
        {
            return Err(Error::invalid(
                "lock_excluded_profiles",
                "locked_for all_profiles_except_excluded_profiles needs at least one excluded \
                 profile (Zoho answers DEPENDENT_FIELD_MISSING)",
            ));
        }
        Ok(())
    }
}

/// The body item of the by-id URL: the same changes, with the (optional there) id kept.
fn by_id(
    u: types::RecordLockingConfigurationUpdate,
) -> types::RecordLockingConfigurationUpdateById {
    types::RecordLockingConfigurationUpdateById {
        excluded_fields: u.excluded_fields,
        feature_type: u.feature_type,
        id: Some(u.id),
        lock_excluded_profiles: u.lock_excluded_profiles,
        lock_for_portal_users: u.lock_for_portal_users,
        lock_type: u.lock_type,
        locked_for: u.locked_for,
        locking_rules: u.locking_rules,
        restricted_actions: u.restricted_actions,
        restricted_communications: u.restricted_communications,
        restricted_custom_buttons: u.restricted_custom_buttons,
    }
}

/// The checks of a create: the documented limits, and the fields other fields depend on
/// (Zoho answers `DEPENDENT_FIELD_MISSING` without them).
fn check_create(input: &types::RecordLockingConfigurationInput) -> Result<(), Error> {
    check_rules(input.locking_rules.as_ref())?;
    if let Some(rules) = &input.locking_rules {
        if let Some(i) = rules.iter().position(|r| r.delete == Some(true)) {
            return Err(Error::invalid(
                format!("locking_rules[{i}]"),
                "a new configuration has no rules to remove (`_delete` is for updates)",
            ));
        }
    }
    check_lists(Lists {
        lock_excluded_profiles: input.lock_excluded_profiles.as_ref(),
        excluded_fields: input.excluded_fields.as_ref(),
        restricted_custom_buttons: input.restricted_custom_buttons.as_ref(),
        restricted_actions: input.restricted_actions.as_ref(),
        restricted_communications: input.restricted_communications.as_ref(),
    })?;
    if input.locking_rules.as_ref().is_none_or(|r| r.is_empty())
        && matches!(
            input.lock_type,
            enums::LockType::Automatic | enums::LockType::Both
        )
    {
        return Err(Error::invalid(
            "locking_rules",
            "lock_type automatic or both needs at least one locking rule (Zoho answers \
             DEPENDENT_FIELD_MISSING)",
        ));
    }
    if matches!(
        input.locked_for,
        Some(enums::LockedFor::AllProfilesExceptExcludedProfiles)
    ) && input
        .lock_excluded_profiles
        .as_ref()
        .is_none_or(Vec::is_empty)
    {
        return Err(Error::invalid(
            "lock_excluded_profiles",
            "locked_for all_profiles_except_excluded_profiles needs at least one excluded \
             profile (Zoho answers DEPENDENT_FIELD_MISSING)",
        ));
    }
    Ok(())
}
