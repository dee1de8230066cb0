//! Data sharing rules: [`Client::sharing_rules`] and [`Client::sharing_rules_all`], their
//! handlers and paged listing.

use futures::Stream;

use crate::client::Client;
use crate::client::RawResult;
use crate::error::Error;
use crate::generated::{enums, types};
use crate::generated_client;
use crate::handles::{check_id, check_module, single};
use crate::operations::Operation;
use crate::paging::{self, PageArgs, PagedList, Position};

impl types::SharingRuleInput {
    /// A rule sharing the records owned by users of `shared_from` (a role or group) with
    /// `shared_to`. Superiors are not included; see [`Self::superiors_allowed`].
    pub fn owner_based(
        name: impl Into<String>,
        shared_from: types::SharedFrom,
        shared_to: types::SharedTo,
        permission: enums::PermissionType,
    ) -> Self {
        types::SharingRuleInput {
            criteria: None,
            name: name.into(),
            permission_type: permission,
            shared_from: Some(shared_from),
            shared_to,
            superiors_allowed: false,
            type_: enums::SharingRuleType::RecordOwnerBased,
        }
    }

    /// A rule sharing the records matching `criteria` with `shared_to`.
    pub fn criteria_based(
        name: impl Into<String>,
        criteria: impl Into<types::Criteria>,
        shared_to: types::SharedTo,
        permission: enums::PermissionType,
    ) -> Self {
        types::SharingRuleInput {
            criteria: Some(criteria.into()),
            name: name.into(),
            permission_type: permission,
            shared_from: None,
            shared_to,
            superiors_allowed: false,
            type_: enums::SharingRuleType::CriteriaBased,
        }
    }

    /// Whether superiors of the target role or group also get access.
    pub fn superiors_allowed(mut self, allowed: bool) -> Self {
        self.superiors_allowed = allowed;
        self
    }
}

fn resource(id: impl Into<String>) -> types::NamedRef {
    types::NamedRef {
        id: id.into(),
        name: None,
    }
}

impl types::SharedTo {
    /// Share with one role.
    pub fn role(id: impl Into<String>) -> Self {
        types::SharedTo {
            resource: Some(resource(id)),
            subordinates: Some(false),
            type_: enums::SharedToType::Roles,
        }
    }

    /// Share with a role and its subordinates.
    pub fn role_and_subordinates(id: impl Into<String>) -> Self {
        types::SharedTo {
            resource: Some(resource(id)),
            subordinates: Some(true),
            type_: enums::SharedToType::Roles,
        }
    }

    /// Share with a group.
    pub fn group(id: impl Into<String>) -> Self {
        types::SharedTo {
            resource: Some(resource(id)),
            subordinates: Some(false),
            type_: enums::SharedToType::Groups,
        }
    }

    /// Share with every user.
    pub fn all_users() -> Self {
        types::SharedTo {
            resource: None,
            subordinates: Some(false),
            type_: enums::SharedToType::AllUsers,
        }
    }
}

impl types::SharedFrom {
    /// Records owned by users in one role.
    pub fn role(id: impl Into<String>) -> Self {
        types::SharedFrom {
            resource: resource(id),
            subordinates: Some(false),
            type_: enums::SharedFromType::Roles,
        }
    }

    /// Records owned by users in a role or its subordinates.
    pub fn role_and_subordinates(id: impl Into<String>) -> Self {
        types::SharedFrom {
            resource: resource(id),
            subordinates: Some(true),
            type_: enums::SharedFromType::Roles,
        }
    }

    /// Records owned by members of a group.
    pub fn group(id: impl Into<String>) -> Self {
        types::SharedFrom {
            resource: resource(id),
            subordinates: Some(false),
            type_: enums::SharedFromType::Groups,
        }
    }
}

/// Checks the documented shape of a rule to create: an owner-based rule has `shared_from`
/// and no criteria, a criteria-based rule has `criteria`.
fn check_input(rule: &types::SharingRuleInput) -> Result<(), Error> {
    if rule.name.trim().is_empty() {
        return Err(Error::invalid("name", "a sharing rule needs a name"));
    }
    check_type(
        &rule.type_,
        rule.shared_from.is_some(),
        rule.criteria.is_some(),
    )?;
    check_shared_to(&rule.shared_to)
}

/// The rules of a rule's type: an owner-based rule has `shared_from` and no criteria, a
/// criteria-based rule has `criteria`. Unknown (newer) types are not checked.
fn check_type(
    type_: &enums::SharingRuleType,
    has_shared_from: bool,
    has_criteria: bool,
) -> Result<(), Error> {
    match type_ {
        enums::SharingRuleType::RecordOwnerBased => {
            if !has_shared_from {
                return Err(Error::invalid(
                    "shared_from",
                    "a Record_Owner_Based rule needs shared_from (the role or group whose \
                     records are shared)",
                ));
            }
            if has_criteria {
                return Err(Error::invalid(
                    "criteria",
                    "a Record_Owner_Based rule has no criteria; use a Criteria_Based rule",
                ));
            }
        }
        enums::SharingRuleType::CriteriaBased if !has_criteria => {
            return Err(Error::invalid(
                "criteria",
                "a Criteria_Based rule needs criteria",
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Checks the changes of an update. Zoho's update page makes `type` and `superiors_allowed`
/// mandatory (the generated type requires them) and keeps the stored value of every key left
/// out, so an update need not repeat `shared_from` or `criteria`; it must not give an
/// owner-based rule criteria.
fn check_update(changes: &types::SharingRuleUpdate) -> Result<(), Error> {
    if let Some(name) = &changes.name {
        if name.trim().is_empty() {
            return Err(Error::invalid(
                "name",
                "a sharing rule name must not be empty",
            ));
        }
    }
    if changes.type_ == enums::SharingRuleType::RecordOwnerBased && changes.criteria.is_some() {
        return Err(Error::invalid(
            "criteria",
            "a Record_Owner_Based rule has no criteria; use a Criteria_Based rule",
        ));
    }
    if let Some(to) = &changes.shared_to {
        check_shared_to(to)?;
    }
    Ok(())
}

/// A search body holds one filter group (Zoho allows no more), which needs a condition.
fn check_filters(filters: &types::SharingRuleFilters) -> Result<(), Error> {
    if filters.filters.iter().any(|g| g.group.is_empty()) {
        return Err(Error::invalid("filters", "give at least one filter"));
    }
    Ok(())
}

/// The body item of the collection URL, where `id` is mandatory (checked by the caller).
fn in_body(c: types::SharingRuleUpdate) -> types::SharingRuleUpdateInBody {
    types::SharingRuleUpdateInBody {
        criteria: c.criteria,
        id: c.id.unwrap_or_default(),
        name: c.name,
        permission_type: c.permission_type,
        shared_from: c.shared_from,
        shared_to: c.shared_to,
        superiors_allowed: c.superiors_allowed,
        type_: c.type_,
    }
}

fn check_shared_to(to: &types::SharedTo) -> Result<(), Error> {
    let needs_resource = matches!(
        to.type_,
        enums::SharedToType::Roles | enums::SharedToType::Groups
    );
    if needs_resource && to.resource.is_none() {
        return Err(Error::invalid(
            "shared_to.resource",
            format!("shared_to of type {} needs a resource id", to.type_),
        ));
    }
    Ok(())
}

impl Client {
    /// The data sharing rules of one module: read them, and create, change, activate,
    /// deactivate, delete and recompute them.
    pub fn sharing_rules(&self, module: impl Into<String>) -> SharingRulesHandler {
        SharingRulesHandler {
            client: self.clone(),
            module: module.into(),
        }
    }

    /// The data sharing rules of every module at once: list, search, get and the summaries.
    /// Writes need a module, so this handler has none; use [`Client::sharing_rules`].
    pub fn sharing_rules_all(&self) -> AllSharingRulesHandler {
        AllSharingRulesHandler {
            client: self.clone(),
        }
    }
}

/// The data sharing rules of one module; from [`Client::sharing_rules`]. Cheap to clone.
///
/// Sharing rules extend record access of one module beyond the org default, to roles, roles
/// with subordinates, groups or all users. For the rules of every module at once (reading
/// only), see [`AllSharingRulesHandler`].
///
/// ```no_run
/// use futures::TryStreamExt;
/// use zoho_crm_access::criteria::{field, filter};
/// use zoho_crm_access::{enums, types, Client};
///
/// # async fn run(client: Client) -> Result<(), zoho_crm_access::Error> {
/// let leads = client.sharing_rules("Leads");
///
/// // One page ...
/// let page = leads.list().per_page(50).send().await?;
/// println!("{} rules, more: {}", page.sharing_rules.len(), page.more_records());
///
/// // ... or every rule, following `info.more_records` across pages.
/// let all: Vec<types::SharingRule> = leads.list().per_page(200).stream().try_collect().await?;
///
/// // A criteria-based rule sharing big deals with a group.
/// let rule = types::SharingRuleInput::criteria_based(
///     "Big leads to the partner team",
///     field("Annual_Revenue").equal("1000000"),
///     types::SharedTo::group("5843104000000431001"),
///     enums::PermissionType::ReadWrite,
/// );
/// let created = leads.create(rule).await?;
///
/// // Search, paged like the list.
/// let partners = leads.search(filter("name").like("partner")).send().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct SharingRulesHandler {
    client: Client,
    module: String,
}

/// The data sharing rules of every module, for reading; from [`Client::sharing_rules_all`].
/// Cheap to clone.
///
/// It has the operations Zoho accepts without a module: [`Self::list`], [`Self::search`],
/// [`Self::get`], [`Self::summary`] and [`Self::search_summary`]. Every write (create,
/// update, delete, activate, deactivate, rerun) names a module, so it lives on
/// [`SharingRulesHandler`] only: a write without a module does not compile.
///
/// ```no_run
/// use futures::TryStreamExt;
/// use zoho_crm_access::{types, Client};
///
/// # async fn run(client: Client) -> Result<(), zoho_crm_access::Error> {
/// let all_modules = client.sharing_rules_all();
/// for module in all_modules.summary().await? {
///     println!("{:?}", module);
/// }
/// let every_rule: Vec<types::SharingRule> = all_modules.list().stream().try_collect().await?;
/// # let _ = every_rule;
/// # Ok(())
/// # }
/// ```
///
/// A write needs [`Client::sharing_rules`]; on this handler it does not compile:
///
/// ```compile_fail
/// # use zoho_crm_access::{enums, types, Client};
/// # async fn run(client: Client) {
/// let rule = types::SharingRuleInput::owner_based(
///     "Miami to sales",
///     types::SharedFrom::group("5843104000000431001"),
///     types::SharedTo::all_users(),
///     enums::PermissionType::Read,
/// );
/// client.sharing_rules_all().create(rule).await;
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct AllSharingRulesHandler {
    client: Client,
}

impl types::SharingRules {
    /// Whether Zoho said another page follows (`info.more_records`).
    pub fn more_records(&self) -> bool {
        self.info.as_ref().is_some_and(|i| i.more_records)
    }
}

/// The paged list behind [`ListRequest`]: the rules of one module or of all, filtered
/// (searchSharingRules) or not (listSharingRules).
#[derive(Clone, Debug)]
struct RuleList {
    client: Client,
    module: Option<String>,
    filters: Option<types::SharingRuleFilters>,
}

impl PagedList for RuleList {
    type Page = types::SharingRules;
    type Item = types::SharingRule;
    const ITEM: &'static str = "rule";

    fn operation(&self) -> Operation {
        if self.filters.is_some() {
            Operation::SearchSharingRules
        } else {
            Operation::ListSharingRules
        }
    }

    fn check(&self) -> Result<(), Error> {
        if let Some(m) = &self.module {
            check_module(m)?;
        }
        if let Some(filters) = &self.filters {
            check_filters(filters)?;
        }
        Ok(())
    }

    async fn fetch(&self, page: u32, per_page: Option<u32>) -> Result<types::SharingRules, Error> {
        let raw = self.client.raw();
        let answer = match &self.filters {
            None => {
                let mut b = raw.list_sharing_rules().page(page);
                if let Some(m) = &self.module {
                    b = b.module(m.clone());
                }
                if let Some(n) = per_page {
                    b = b.per_page(n);
                }
                self.client
                    .call(Operation::ListSharingRules, b.send())
                    .await?
            }
            Some(filters) => {
                let mut b = raw.search_sharing_rules().page(page).body(filters.clone());
                if let Some(m) = &self.module {
                    b = b.module(m.clone());
                }
                if let Some(n) = per_page {
                    b = b.per_page(n);
                }
                self.client
                    .call(Operation::SearchSharingRules, b.send())
                    .await?
            }
        };
        // 204: no rules, no paging info.
        Ok(answer.map(|a| a.value).unwrap_or(types::SharingRules {
            info: None,
            sharing_rules: Vec::new(),
        }))
    }

    fn split(page: types::SharingRules) -> (Vec<types::SharingRule>, Option<Position>) {
        let position = page.info.map(|i| Position {
            page: i64::from(i.page),
            more_records: i.more_records,
        });
        (page.sharing_rules, position)
    }

    fn id(rule: &types::SharingRule) -> &str {
        &rule.id
    }
}

/// A list or search request, sent one page at a time ([`ListRequest::send`]) or as a
/// stream over every page ([`ListRequest::stream`]).
#[derive(Clone, Debug)]
#[must_use = "call .send() or .stream()"]
pub struct ListRequest {
    list: RuleList,
    args: PageArgs,
}

impl ListRequest {
    /// The most pages [`Self::stream`] fetches by default (2,000,000 rules at 200 per page);
    /// see [`Self::max_pages`].
    pub const MAX_PAGES: u32 = 10_000;

    /// The 1-based page to fetch (for `send`) or to start from (for `stream`); 0 is refused
    /// with [`Error::InvalidInput`] when the request is sent.
    pub fn page(mut self, page: u32) -> Self {
        self.args.page = page;
        self
    }

    /// Rules per page, 1 to 200 (the spec's `maximum`; also Zoho's default); anything else
    /// is refused with [`Error::InvalidInput`] before a request is sent.
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.args.per_page = Some(per_page);
        self
    }

    /// The most pages [`Self::stream`] fetches (default [`Self::MAX_PAGES`]; 0 is refused
    /// with [`Error::InvalidInput`]). If Zoho still claims more records after that many
    /// pages, the stream ends with [`Error::Pagination`].
    pub fn max_pages(mut self, max_pages: u32) -> Self {
        self.args.max_pages = max_pages;
        self
    }

    /// Fetches one page. An empty result (204) is an empty page.
    pub fn send(
        &self,
    ) -> impl std::future::Future<Output = Result<types::SharingRules, Error>> + Send + 'static
    {
        paging::send(&self.list, self.args)
    }

    /// Every rule from the starting page on, fetching the next page while
    /// `info.more_records` is true, one page at a time.
    ///
    /// A server that keeps claiming more records cannot make the stream run forever: it
    /// ends at an empty page, and fails with [`Error::Pagination`] when `info.page` is not
    /// the page asked for, when a page repeats a rule id of the previous page, or after
    /// [`Self::max_pages`] pages that all claimed more.
    ///
    /// The stream is `Unpin`, so `while let Some(rule) = stream.next().await` works as is.
    pub fn stream(
        self,
    ) -> impl Stream<Item = Result<types::SharingRule, Error>> + Send + Unpin + 'static {
        paging::stream(self.list, self.args)
    }
}

/// A list (no filters) or search request from page 1 with Zoho's page size, for one module
/// or (`None`) all.
fn list_request(
    client: &Client,
    module: Option<&str>,
    filters: Option<types::SharingRuleFilters>,
) -> ListRequest {
    ListRequest {
        list: RuleList {
            client: client.clone(),
            module: module.map(str::to_owned),
            filters,
        },
        args: PageArgs::new(ListRequest::MAX_PAGES),
    }
}

/// Rule `id`, of one module or (`None`) whichever module holds it.
fn get_rule(
    client: &Client,
    module: Option<&str>,
    id: &str,
) -> impl std::future::Future<Output = Result<Option<types::SharingRule>, Error>> + Send + 'static {
    let client = client.clone();
    let module = module.map(str::to_owned);
    let id = id.to_owned();
    async move {
        let id: &str = &id;
        check_id("sharing rule id", id)?;
        if let Some(m) = &module {
            check_module(m)?;
        }
        let raw = client.raw();
        let mut b = raw.get_sharing_rule().id(id);
        if let Some(m) = module {
            b = b.module(m);
        }
        let answer = client.call(Operation::GetSharingRule, b.send()).await?;
        Ok(answer.and_then(|a| a.value.sharing_rules.into_iter().next()))
    }
}

/// The summary of one module or (`None`) every module, of every rule or (`Some`) of the
/// rules matching the filters.
fn summarize(
    client: &Client,
    module: Option<&str>,
    filters: Option<types::SharingRuleFilters>,
) -> impl std::future::Future<Output = Result<Vec<types::RulesSummary>, Error>> + Send + 'static {
    let client = client.clone();
    let module = module.map(str::to_owned);
    async move {
        if let Some(f) = &filters {
            check_filters(f)?;
        }
        if let Some(m) = &module {
            check_module(m)?;
        }
        let raw = client.raw();
        let answer = match filters {
            None => {
                let mut b = raw.get_sharing_rules_summary();
                if let Some(m) = module {
                    b = b.module(m);
                }
                client
                    .call(Operation::GetSharingRulesSummary, b.send())
                    .await?
            }
            Some(filters) => {
                let mut b = raw.search_sharing_rules_summary().body(filters);
                if let Some(m) = module {
                    b = b.module(m);
                }
                client
                    .call(Operation::SearchSharingRulesSummary, b.send())
                    .await?
            }
        };
        Ok(answer
            .map(|a| a.value.sharing_rules_summary)
            .unwrap_or_default())
    }
}

impl AllSharingRulesHandler {
    /// Lists the rules of every module (page 1 unless [`ListRequest::page`] says otherwise).
    /// List items carry no `criteria`; [`Self::get`] a rule for it.
    pub fn list(&self) -> ListRequest {
        list_request(&self.client, None, None)
    }

    /// Searches the rules of every module with filters built by
    /// [`crate::criteria::filter`]; paged like [`Self::list`].
    pub fn search(&self, filters: impl Into<types::SharingRuleFilters>) -> ListRequest {
        list_request(&self.client, None, Some(filters.into()))
    }

    /// The rule with this id (with its `criteria`), whatever its module; `None` if Zoho
    /// returned nothing.
    pub fn get(
        &self,
        id: &str,
    ) -> impl std::future::Future<Output = Result<Option<types::SharingRule>, Error>> + Send + 'static
    {
        get_rule(&self.client, None, id)
    }

    /// Rule count and computation status of every module that has rules (empty when there
    /// are none).
    pub fn summary(
        &self,
    ) -> impl std::future::Future<Output = Result<Vec<types::RulesSummary>, Error>> + Send + 'static
    {
        summarize(&self.client, None, None)
    }

    /// Like [`Self::summary`], counting only rules that match the filters.
    pub fn search_summary(
        &self,
        filters: impl Into<types::SharingRuleFilters>,
    ) -> impl std::future::Future<Output = Result<Vec<types::RulesSummary>, Error>> + Send + 'static
    {
        summarize(&self.client, None, Some(filters.into()))
    }
}

impl SharingRulesHandler {
    /// The module, checked.
    fn module(&self) -> Result<&str, Error> {
        check_module(&self.module)?;
        Ok(&self.module)
    }

    /// The checked module and rule id of a write that names rule `id` in its URL; returns
    /// the module.
    fn target(&self, id: &str) -> Result<String, Error> {
        let module = self.module()?.to_owned();
        check_id("sharing rule id", id)?;
        Ok(module)
    }

    /// Sends one rule write and returns its one result. Not an `async fn`, so `send` is not
    /// kept by value beside the boxed copy [`Client::call`] makes (as in record_locking.rs).
    fn write(
        &self,
        op: Operation,
        send: impl std::future::Future<Output = RawResult<types::SharingRuleActionResults>>,
    ) -> impl std::future::Future<Output = Result<types::ActionResult, Error>> {
        let call = self.client.call(op, send);
        async move { single(op, call.await?, |v| v.sharing_rules) }
    }

    /// A write without a body on rule `id` of the module: checks the module and the id,
    /// then sends `send(raw client, id, module)`.
    fn id_action<F>(
        &self,
        op: Operation,
        id: &str,
        send: F,
    ) -> impl std::future::Future<Output = Result<types::ActionResult, Error>> + 'static
    where
        F: AsyncFnOnce(
                &generated_client::Client,
                &str,
                String,
            ) -> RawResult<types::SharingRuleActionResults>
            + 'static,
    {
        let this = self.clone();
        let id = id.to_owned();
        async move {
            let module = this.target(&id)?;
            this.write(op, send(this.client.raw(), &id, module)).await
        }
    }

    /// Lists the module's rules (page 1 unless [`ListRequest::page`] says otherwise). List
    /// items carry no `criteria`; [`Self::get`] a rule for it.
    pub fn list(&self) -> ListRequest {
        list_request(&self.client, Some(&self.module), None)
    }

    /// Searches the module's rules with filters built by [`crate::criteria::filter`]; paged
    /// like [`Self::list`].
    pub fn search(&self, filters: impl Into<types::SharingRuleFilters>) -> ListRequest {
        list_request(&self.client, Some(&self.module), Some(filters.into()))
    }

    /// The rule with this id (with its `criteria`), or `None` if Zoho returned nothing.
    pub fn get(
        &self,
        id: &str,
    ) -> impl std::future::Future<Output = Result<Option<types::SharingRule>, Error>> + Send + 'static
    {
        get_rule(&self.client, Some(&self.module), id)
    }

    /// The module's rule count and computation status (empty when it has no rules).
    pub fn summary(
        &self,
    ) -> impl std::future::Future<Output = Result<Vec<types::RulesSummary>, Error>> + Send + 'static
    {
        summarize(&self.client, Some(&self.module), None)
    }

    /// Like [`Self::summary`], counting only rules that match the filters.
    pub fn search_summary(
        &self,
        filters: impl Into<types::SharingRuleFilters>,
    ) -> impl std::future::Future<Output = Result<Vec<types::RulesSummary>, Error>> + Send + 'static
    {
        summarize(&self.client, Some(&self.module), Some(filters.into()))
    }

    /// Creates one rule (Zoho accepts exactly one per call). Returns Zoho's result;
    /// `details.id` is the new rule's id.
    pub fn create(
        &self,
        rule: types::SharingRuleInput,
    ) -> impl std::future::Future<Output = Result<types::ActionResult, Error>> + Send + 'static
    {
        let this = self.clone();
        async move {
            let module = this.module()?.to_owned();
            check_input(&rule)?;
            let raw = this.client.raw();
            let fut = raw
                .create_sharing_rule()
                .module(module)
                .body(types::SharingRuleCreateRequest {
                    sharing_rules: [rule],
                })
                .send();
            this.write(Operation::CreateSharingRule, fut).await
        }
    }

    /// Changes rule `id`; absent fields stay as they are. `type` and `superiors_allowed` are
    /// always sent: Zoho's update page makes them mandatory.
    pub fn update(
        &self,
        id: &str,
        changes: types::SharingRuleUpdate,
    ) -> impl std::future::Future<Output = Result<types::ActionResult, Error>> + Send + 'static
    {
        let this = self.clone();
        let id = id.to_owned();
        async move {
            let id: &str = &id;
            let module = this.target(id)?;
            if let Some(body_id) = changes.id.as_deref() {
                if body_id != id {
                    return Err(Error::invalid(
                        "id",
                        format!("the body names rule {body_id} but the call names rule {id}"),
                    ));
                }
            }
            check_update(&changes)?;
            let raw = this.client.raw();
            let fut = raw
                .update_sharing_rule()
                .id(id)
                .module(module)
                .body(types::SharingRuleUpdateRequest {
                    sharing_rules: [changes],
                })
                .send();
            this.write(Operation::UpdateSharingRule, fut).await
        }
    }

    /// Changes the rule named by `changes.id` through the collection URL
    /// (`PUT /settings/data_sharing/rules`, operation `updateSharingRules`); absent fields stay
    /// as they are. Same effect and checks as [`Self::update`], which names the rule in the
    /// URL (`PUT /settings/data_sharing/rules/{id}`); use this form when the id is already in
    /// the body you built.
    pub fn update_in_body(
        &self,
        changes: types::SharingRuleUpdate,
    ) -> impl std::future::Future<Output = Result<types::ActionResult, Error>> + Send + 'static
    {
        let this = self.clone();
        async move {
            let module = this.module()?.to_owned();
            let Some(id) = changes.id.as_deref() else {
                return Err(Error::invalid(
                    "id",
                    "update_in_body needs the rule id in the body (changes.id)",
                ));
            };
            check_id("sharing rule id", id)?;
            check_update(&changes)?;
            let raw = this.client.raw();
            let fut = raw
                .update_sharing_rules()
                .module(module)
                .body(types::SharingRuleUpdateInBodyRequest {
                    sharing_rules: [in_body(changes)],
                })
                .send();
            this.write(Operation::UpdateSharingRules, fut).await
        }
    }

    /// Deletes rule `id`.
    pub fn delete(
        &self,
        id: &str,
    ) -> impl std::future::Future<Output = Result<types::ActionResult, Error>> + Send + 'static
    {
        self.id_action(Operation::DeleteSharingRule, id, async |raw, id, module| {
            raw.delete_sharing_rule().id(id).module(module).send().await
        })
    }

    /// Activates rule `id` (`ID_ALREADY_ACTIVE` if it is active).
    pub fn activate(
        &self,
        id: &str,
    ) -> impl std::future::Future<Output = Result<types::ActionResult, Error>> + Send + 'static
    {
        self.id_action(
            Operation::ActivateSharingRule,
            id,
            async |raw, id, module| {
                raw.activate_sharing_rule()
                    .id(id)
                    .module(module)
                    .send()
                    .await
            },
        )
    }

    /// Deactivates rule `id` (`ID_ALREADY_DEACTIVATED` if it is inactive).
    pub fn deactivate(
        &self,
        id: &str,
    ) -> impl std::future::Future<Output = Result<types::ActionResult, Error>> + Send + 'static
    {
        self.id_action(
            Operation::DeactivateSharingRule,
            id,
            async |raw, id, module| {
                raw.deactivate_sharing_rule()
                    .id(id)
                    .module(module)
                    .send()
                    .await
            },
        )
    }

    /// Schedules a recomputation of the module's rules. `None` when the module has no rules
    /// (204); otherwise Zoho's result (`code` `SCHEDULED`).
    pub fn rerun(
        &self,
    ) -> impl std::future::Future<Output = Result<Option<types::ActionResult>, Error>> + Send + 'static
    {
        let this = self.clone();
        async move {
            let module = this.module()?.to_owned();
            let raw = this.client.raw();
            let fut = raw.rerun_sharing_rules().module(module).send();
            let op = Operation::RerunSharingRules;
            match this.client.call(op, fut).await? {
                None => Ok(None),
                some => single(op, some, |v| v.sharing_rules).map(Some),
            }
        }
    }
}
