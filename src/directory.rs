//! The directory: [`Client::directory`] and its handler, with the requests for its paged
//! lists.

use std::future::Future;

use futures::{Stream, TryStreamExt};

use crate::client::Client;
use crate::error::Error;
use crate::generated::{enums, types};
use crate::handles::{check_id, check_module};
use crate::operations::Operation;
use crate::paging::{self, PageArgs, PagedList, Position};

const MAX_PAGES: u32 = DirectoryHandler::MAX_PAGES;

impl Client {
    /// The directory (read-only): roles, user groups, profiles, modules, fields and users,
    /// to translate the ids the access settings carry through names.
    pub fn directory(&self) -> DirectoryHandler {
        DirectoryHandler {
            client: self.clone(),
        }
    }
}

/// The directory of an org (read-only); from [`Client::directory`]. Cheap to clone.
///
/// The roles, user groups, profiles, modules, fields and users that the access settings refer
/// to by id. The same role, group, profile, module, field or user has a different id in every
/// org (a sandbox and its production org too); the directory is how ids are translated through
/// names: modules and fields by API name, roles, groups and profiles by name, users by e-mail
/// address.
///
/// ```no_run
/// use futures::TryStreamExt;
/// use zoho_crm_access::{enums, types, Client};
///
/// # async fn run(client: Client) -> Result<(), zoho_crm_access::Error> {
/// let directory = client.directory();
///
/// // Roles come in one answer; `reporting_to` is the parent role.
/// for role in directory.roles().await? {
///     let parent = role.reporting_to.as_ref().and_then(|r| r.name.as_deref());
///     println!("{} reports to {}", role.name, parent.unwrap_or("nobody"));
/// }
///
/// // Groups and users are paged: a stream follows the pages.
/// let groups: Vec<types::UserGroup> = directory.user_groups().stream().try_collect().await?;
/// let active: Vec<types::User> = directory
///     .users(enums::UserType::ActiveUsers)
///     .stream()
///     .try_collect()
///     .await?;
///
/// // The user the token belongs to (what Zoho's SDKs ask right after getting a token).
/// if let Some(me) = directory.current_user().await? {
///     println!("signed in as {:?}", me.email);
/// }
///
/// // A module's fields, by the module's API name.
/// let stage = directory
///     .fields("Deals")
///     .await?
///     .into_iter()
///     .find(|f| f.api_name == "Stage");
/// # let _ = (groups, active, stage);
/// # Ok(())
/// # }
/// ```
///
/// Zoho publishes no API for custom buttons: a record locking configuration's
/// `restricted_custom_buttons` carry their `{id, name}` pairs.
#[derive(Clone, Debug)]
pub struct DirectoryHandler {
    client: Client,
}

/// The first item of a by-id answer, `None` for 204 (or an empty list).
fn first<T>(items: Option<Vec<T>>) -> Option<T> {
    items.and_then(|v| v.into_iter().next())
}

impl DirectoryHandler {
    /// The most pages a directory stream ([`UserGroupsRequest::stream`],
    /// [`ProfilesRequest::stream`], [`UsersRequest::stream`]) fetches by default (2,000,000
    /// items at 200 per page); see their `max_pages`.
    pub const MAX_PAGES: u32 = 10_000;

    /// Every role of the org (one answer; Zoho does not page roles). The hierarchy is in
    /// `reporting_to`: the parent role, `None` for the top role.
    pub fn roles(&self) -> impl Future<Output = Result<Vec<types::Role>, Error>> + Send + 'static {
        let client = self.client.clone();
        async move {
            let raw = client.raw();
            let answer = client
                .call(Operation::GetRoles, raw.get_roles().send())
                .await?;
            Ok(answer.map(|a| a.value.roles).unwrap_or_default())
        }
    }

    /// The role with this id; `None` when there is none (Zoho answers 204).
    pub fn role(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<types::Role>, Error>> + Send + 'static {
        let client = self.client.clone();
        let id = id.to_owned();
        async move {
            check_id("role id", &id)?;
            let raw = client.raw();
            let answer = client
                .call(Operation::GetRole, raw.get_role().role(id).send())
                .await?;
            Ok(first(answer.map(|a| a.value.roles)))
        }
    }

    /// The user groups, one page at a time ([`UserGroupsRequest::send`]) or as a stream over
    /// every page ([`UserGroupsRequest::stream`]).
    pub fn user_groups(&self) -> UserGroupsRequest {
        UserGroupsRequest {
            list: UserGroupList {
                client: self.client.clone(),
                name: None,
                sources_count: false,
            },
            args: PageArgs::new(MAX_PAGES),
        }
    }

    /// The user group with this id, with its member counts (`sources_count`); `None` when
    /// there is none (Zoho answers 204).
    pub fn user_group(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<types::UserGroup>, Error>> + Send + 'static {
        let client = self.client.clone();
        let id = id.to_owned();
        async move {
            check_id("user group id", &id)?;
            let raw = client.raw();
            let request = raw
                .get_group()
                .group(id)
                .include(enums::UserGroupInclude::SourcesCount)
                .send();
            let answer = client.call(Operation::GetGroup, request).await?;
            Ok(first(answer.map(|a| a.value.user_groups)))
        }
    }

    /// Every member of a user group (users, roles, territories, groups), across pages; empty
    /// when it has none. An unknown group is [`Error::Api`] `INVALID_DATA`.
    pub fn user_group_sources(
        &self,
        group: &str,
    ) -> impl Future<Output = Result<Vec<types::UserGroupSource>, Error>> + Send + 'static {
        let client = self.client.clone();
        let group = group.to_owned();
        async move {
            check_id("user group id", &group)?;
            let list = GroupSources { client, group };
            let args = PageArgs {
                per_page: Operation::GetUserGroupSources.max_per_page(),
                ..PageArgs::new(MAX_PAGES)
            };
            paging::stream(list, args).try_collect().await
        }
    }

    /// How many users (by status), roles, territories and groups make up a user group.
    pub fn user_group_sources_count(
        &self,
        group: &str,
    ) -> impl Future<Output = Result<types::SourcesCount, Error>> + Send + 'static {
        let client = self.client.clone();
        let group = group.to_owned();
        async move {
            check_id("user group id", &group)?;
            let raw = client.raw();
            let request = raw.get_user_group_sources_count().group(group).send();
            let answer = client
                .call(Operation::GetUserGroupSourcesCount, request)
                .await?;
            answer
                .and_then(|a| a.value.sources_count.into_iter().next())
                .ok_or_else(|| Error::Decode {
                    operation: Operation::GetUserGroupSourcesCount.id().into(),
                    status: 200,
                    path: ".sources_count".into(),
                    message: "Zoho answered without counts".into(),
                    excerpt: String::new(),
                })
        }
    }

    /// The profiles, one page at a time or as a stream: Administrator, Standard and the
    /// custom ones, plus Lite and Support profiles when asked for.
    pub fn profiles(&self) -> ProfilesRequest {
        ProfilesRequest {
            list: ProfileList {
                client: self.client.clone(),
                lite: false,
                support: false,
            },
            args: PageArgs::new(MAX_PAGES),
        }
    }

    /// The profile with this id, with every permission (`permissions_details`) and the
    /// permission tree (`sections`). Zoho answers an unknown or deleted id with
    /// [`Error::Api`] `INVALID_DATA`; `None` when it answers 204.
    pub fn profile(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<types::Profile>, Error>> + Send + 'static {
        let client = self.client.clone();
        let id = id.to_owned();
        async move {
            check_id("profile id", &id)?;
            let raw = client.raw();
            let answer = client
                .call(Operation::GetProfile, raw.get_profile().id(id).send())
                .await?;
            Ok(first(answer.map(|a| a.value.profiles)))
        }
    }

    /// Every module (one answer; Zoho does not page modules). Translate modules between orgs
    /// by `api_name`.
    pub fn modules(
        &self,
    ) -> impl Future<Output = Result<Vec<types::Module>, Error>> + Send + 'static {
        let client = self.client.clone();
        async move {
            let raw = client.raw();
            let answer = client
                .call(Operation::GetModules, raw.get_modules().send())
                .await?;
            Ok(answer.map(|a| a.value.modules).unwrap_or_default())
        }
    }

    /// The module with this API name (case-sensitive, e.g. `Deals`) or id. An unknown one is
    /// [`Error::Api`] `INVALID_MODULE`; `None` when Zoho answers 204 (a module that exists
    /// but is not exposed here, such as a web tab).
    pub fn module(
        &self,
        api_name_or_id: &str,
    ) -> impl Future<Output = Result<Option<types::Module>, Error>> + Send + 'static {
        let client = self.client.clone();
        let module = api_name_or_id.to_owned();
        async move {
            check_module(&module)?;
            let raw = client.raw();
            let request = raw
                .get_module_by_api_name()
                .module_identifier(module)
                .send();
            let answer = client.call(Operation::GetModuleByApiName, request).await?;
            Ok(first(answer.map(|a| a.value.modules)))
        }
    }

    /// Every field of the module with this API name (one answer; Zoho does not page fields).
    /// Translate fields between orgs by (module, field API name).
    pub fn fields(
        &self,
        module: &str,
    ) -> impl Future<Output = Result<Vec<types::Field>, Error>> + Send + 'static {
        let client = self.client.clone();
        let module = module.to_owned();
        async move {
            check_module(&module)?;
            let raw = client.raw();
            let answer = client
                .call(Operation::GetFields, raw.get_fields().module(module).send())
                .await?;
            Ok(answer.map(|a| a.value.fields).unwrap_or_default())
        }
    }

    /// The field with this id in the module; `None` when the module has none (Zoho answers
    /// 204).
    pub fn field(
        &self,
        module: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<types::Field>, Error>> + Send + 'static {
        let client = self.client.clone();
        let module = module.to_owned();
        let id = id.to_owned();
        async move {
            check_module(&module)?;
            check_id("field id", &id)?;
            let raw = client.raw();
            let request = raw.get_fields_with_id().module(module).field_id(id).send();
            let answer = client.call(Operation::GetFieldsWithId, request).await?;
            Ok(first(answer.map(|a| a.value.fields)))
        }
    }

    /// Users of one kind (`AllUsers`, `ActiveUsers`, ...), one page at a time or as a stream.
    /// `ChildRoleUsers`, `ParentRoleUsers` and `SubordinateRoleUsers` need
    /// [`UsersRequest::role`].
    pub fn users(&self, kind: enums::UserType) -> UsersRequest {
        UsersRequest {
            list: UserList {
                client: self.client.clone(),
                kind,
                role: None,
            },
            args: PageArgs::new(MAX_PAGES),
        }
    }

    /// The user with this id; `None` when there is none (Zoho answers 204).
    pub fn user(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<types::User>, Error>> + Send + 'static {
        let client = self.client.clone();
        let id = id.to_owned();
        async move {
            check_id("user id", &id)?;
            let raw = client.raw();
            let answer = client
                .call(
                    Operation::GetSingleUser,
                    raw.get_single_user().user(id).send(),
                )
                .await?;
            Ok(first(answer.map(|a| a.value.users)))
        }
    }

    /// The user the access token belongs to (`GET /users?type=CurrentUser`, which Zoho's
    /// official SDKs call right after they obtain a token); `None` when Zoho answers 204.
    pub fn current_user(
        &self,
    ) -> impl Future<Output = Result<Option<types::User>, Error>> + Send + 'static {
        let request = self.users(enums::UserType::CurrentUser);
        async move {
            let page = request.send().await?;
            Ok(page.users.into_iter().next())
        }
    }

    /// The org the access token belongs to (`GET /org`): its name, id and `type`, which tells
    /// a production org from a sandbox or developer org, and its hierarchy preference
    /// (`hierarchy_preferences`: whether superiors follow the role hierarchy or the reporting
    /// hierarchy). `None` when Zoho answers without one.
    pub fn org(&self) -> impl Future<Output = Result<Option<types::Org>, Error>> + Send + 'static {
        let client = self.client.clone();
        async move {
            let raw = client.raw();
            let answer = client.call(Operation::GetOrg, raw.get_org().send()).await?;
            Ok(answer.and_then(|a| a.value.org.into_iter().next()))
        }
    }
}

/// The members of one user group, page by page (getUserGroupSources); behind
/// [`DirectoryHandler::user_group_sources`].
#[derive(Clone, Debug)]
struct GroupSources {
    client: Client,
    group: String,
}

impl PagedList for GroupSources {
    type Page = Option<types::UserGroupSources>;
    type Item = types::UserGroupSource;
    const ITEM: &'static str = "member";

    fn operation(&self) -> Operation {
        Operation::GetUserGroupSources
    }

    async fn fetch(
        &self,
        page: u32,
        per_page: Option<u32>,
    ) -> Result<Option<types::UserGroupSources>, Error> {
        let raw = self.client.raw();
        let mut b = raw
            .get_user_group_sources()
            .group(self.group.clone())
            .page(page);
        if let Some(n) = per_page {
            b = b.per_page(n);
        }
        let answer = self
            .client
            .call(Operation::GetUserGroupSources, b.send())
            .await?;
        Ok(answer.map(|a| a.value))
    }

    fn split(
        page: Option<types::UserGroupSources>,
    ) -> (Vec<types::UserGroupSource>, Option<Position>) {
        match page {
            Some(p) => (p.sources, position(p.info.as_ref())),
            None => (Vec::new(), None),
        }
    }

    fn id(source: &types::UserGroupSource) -> &str {
        &source.source.id
    }
}

/// Where a page of a directory list sits, from its `info`.
fn position(info: Option<&types::PageInfo>) -> Option<Position> {
    info.map(|i| Position {
        page: i64::from(i.page),
        more_records: i.more_records,
    })
}

/// The user groups, page by page (getUserGroups); behind [`UserGroupsRequest`].
#[derive(Clone, Debug)]
struct UserGroupList {
    client: Client,
    name: Option<String>,
    sources_count: bool,
}

impl PagedList for UserGroupList {
    type Page = types::UserGroups;
    type Item = types::UserGroup;
    const ITEM: &'static str = "user group";

    fn operation(&self) -> Operation {
        Operation::GetUserGroups
    }

    fn check(&self) -> Result<(), Error> {
        match &self.name {
            Some(name) if name.trim().is_empty() => {
                Err(Error::invalid("name", "must not be empty"))
            }
            _ => Ok(()),
        }
    }

    async fn fetch(&self, page: u32, per_page: Option<u32>) -> Result<types::UserGroups, Error> {
        let raw = self.client.raw();
        let mut b = raw.get_user_groups().page(page);
        if let Some(n) = per_page {
            b = b.per_page(n);
        }
        if let Some(name) = &self.name {
            b = b.name(name.clone());
        }
        if self.sources_count {
            b = b.include(enums::UserGroupInclude::SourcesCount);
        }
        let answer = self.client.call(Operation::GetUserGroups, b.send()).await?;
        Ok(answer.map(|a| a.value).unwrap_or(types::UserGroups {
            info: None,
            user_groups: Vec::new(),
        }))
    }

    fn split(page: types::UserGroups) -> (Vec<types::UserGroup>, Option<Position>) {
        (page.user_groups, position(page.info.as_ref()))
    }

    fn id(group: &types::UserGroup) -> &str {
        &group.id
    }
}

/// A request for the user groups; from [`DirectoryHandler::user_groups`].
#[derive(Clone, Debug)]
#[must_use = "call .send() or .stream()"]
pub struct UserGroupsRequest {
    list: UserGroupList,
    args: PageArgs,
}

impl UserGroupsRequest {
    /// The 1-based page to fetch (for `send`) or to start from (for `stream`); 0 is refused
    /// with [`Error::InvalidInput`] when the request is sent.
    pub fn page(mut self, page: u32) -> Self {
        self.args.page = page;
        self
    }

    /// Groups per page, 1 to 200 (the spec's `maximum`; also Zoho's default); anything else
    /// is refused with [`Error::InvalidInput`] before a request is sent.
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.args.per_page = Some(per_page);
        self
    }

    /// Only the group with this name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.list.name = Some(name.into());
        self
    }

    /// Adds each group's member counts (`sources_count`).
    pub fn include_sources_count(mut self) -> Self {
        self.list.sources_count = true;
        self
    }

    /// The most pages [`Self::stream`] fetches (default [`DirectoryHandler::MAX_PAGES`]; 0 is
    /// refused with [`Error::InvalidInput`]). If Zoho still claims more after that many
    /// pages, the stream ends with [`Error::Pagination`].
    pub fn max_pages(mut self, max_pages: u32) -> Self {
        self.args.max_pages = max_pages;
        self
    }

    /// Fetches one page; an empty result (204) is an empty page.
    pub fn send(&self) -> impl Future<Output = Result<types::UserGroups, Error>> + Send + 'static {
        paging::send(&self.list, self.args)
    }

    /// Every group from the starting page on, one page at a time, following
    /// `info.more_records` (see [`crate::ListRequest::stream`] for how a misbehaving server
    /// is stopped).
    pub fn stream(
        self,
    ) -> impl Stream<Item = Result<types::UserGroup, Error>> + Send + Unpin + 'static {
        paging::stream(self.list, self.args)
    }
}

/// The profiles, page by page (getProfiles); behind [`ProfilesRequest`].
#[derive(Clone, Debug)]
struct ProfileList {
    client: Client,
    lite: bool,
    support: bool,
}

impl PagedList for ProfileList {
    type Page = types::Profiles;
    type Item = types::Profile;
    const ITEM: &'static str = "profile";

    fn operation(&self) -> Operation {
        Operation::GetProfiles
    }

    async fn fetch(&self, page: u32, per_page: Option<u32>) -> Result<types::Profiles, Error> {
        let raw = self.client.raw();
        let mut b = raw.get_profiles().page(page);
        if let Some(n) = per_page {
            b = b.per_page(n);
        }
        let kinds: Vec<&str> = [(self.lite, "Lite"), (self.support, "Support")]
            .into_iter()
            .filter_map(|(on, kind)| on.then_some(kind))
            .collect();
        if !kinds.is_empty() {
            b = b.include_types(kinds.join(","));
        }
        let answer = self.client.call(Operation::GetProfiles, b.send()).await?;
        Ok(answer.map(|a| a.value).unwrap_or(types::Profiles {
            info: None,
            profiles: Vec::new(),
        }))
    }

    /// Zoho's older documents know no paging of profiles (their `info` has only
    /// `license_limit`): an `info` without `page` and `more_records` is no position.
    fn split(page: types::Profiles) -> (Vec<types::Profile>, Option<Position>) {
        let position = page.info.as_ref().and_then(|i| {
            Some(Position {
                page: i64::from(i.page?),
                more_records: i.more_records?,
            })
        });
        (page.profiles, position)
    }

    fn id(profile: &types::Profile) -> &str {
        &profile.id
    }
}

/// A request for the profiles; from [`DirectoryHandler::profiles`].
#[derive(Clone, Debug)]
#[must_use = "call .send() or .stream()"]
pub struct ProfilesRequest {
    list: ProfileList,
    args: PageArgs,
}

impl ProfilesRequest {
    /// Adds the Lite profiles to the default set.
    pub fn include_lite(mut self) -> Self {
        self.list.lite = true;
        self
    }

    /// Adds the Support profiles to the default set.
    pub fn include_support(mut self) -> Self {
        self.list.support = true;
        self
    }

    /// The 1-based page to fetch (for `send`) or to start from (for `stream`); 0 is refused
    /// with [`Error::InvalidInput`] when the request is sent.
    pub fn page(mut self, page: u32) -> Self {
        self.args.page = page;
        self
    }

    /// Profiles per page, 1 to 200 (the spec's `maximum`; also Zoho's default); anything
    /// else is refused with [`Error::InvalidInput`] before a request is sent.
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.args.per_page = Some(per_page);
        self
    }

    /// The most pages [`Self::stream`] fetches (default [`DirectoryHandler::MAX_PAGES`]; 0 is
    /// refused with [`Error::InvalidInput`]). If Zoho still claims more after that many
    /// pages, the stream ends with [`Error::Pagination`].
    pub fn max_pages(mut self, max_pages: u32) -> Self {
        self.args.max_pages = max_pages;
        self
    }

    /// Fetches one page.
    pub fn send(&self) -> impl Future<Output = Result<types::Profiles, Error>> + Send + 'static {
        paging::send(&self.list, self.args)
    }

    /// Every profile from the starting page on, one page at a time. Zoho's older documents
    /// know no paging of profiles (their `info` has only `license_limit`); an answer without
    /// paging info ends the stream.
    pub fn stream(
        self,
    ) -> impl Stream<Item = Result<types::Profile, Error>> + Send + Unpin + 'static {
        paging::stream(self.list, self.args)
    }
}

/// Users of one kind, page by page (getUsers); behind [`UsersRequest`].
#[derive(Clone, Debug)]
struct UserList {
    client: Client,
    kind: enums::UserType,
    role: Option<String>,
}

impl PagedList for UserList {
    type Page = types::Users;
    type Item = types::User;
    const ITEM: &'static str = "user";

    fn operation(&self) -> Operation {
        Operation::GetUsers
    }

    fn check(&self) -> Result<(), Error> {
        let relative = matches!(
            self.kind,
            enums::UserType::ChildRoleUsers
                | enums::UserType::ParentRoleUsers
                | enums::UserType::SubordinateRoleUsers
        );
        match &self.role {
            Some(role) => check_id("role_id", role),
            None if relative => Err(Error::invalid(
                "role_id",
                format!(
                    "users of type {} are relative to a role: set .role(id)",
                    self.kind
                ),
            )),
            None => Ok(()),
        }
    }

    async fn fetch(&self, page: u32, per_page: Option<u32>) -> Result<types::Users, Error> {
        let raw = self.client.raw();
        let mut b = raw.get_users().type_(self.kind.clone()).page(page);
        if let Some(n) = per_page {
            b = b.per_page(n);
        }
        if let Some(role) = &self.role {
            b = b.role_id(role.clone());
        }
        let answer = self.client.call(Operation::GetUsers, b.send()).await?;
        Ok(answer.map(|a| a.value).unwrap_or(types::Users {
            info: None,
            users: Vec::new(),
        }))
    }

    fn split(page: types::Users) -> (Vec<types::User>, Option<Position>) {
        (page.users, position(page.info.as_ref()))
    }

    fn id(user: &types::User) -> &str {
        &user.id
    }
}

/// A request for users of one kind; from [`DirectoryHandler::users`].
#[derive(Clone, Debug)]
#[must_use = "call .send() or .stream()"]
pub struct UsersRequest {
    list: UserList,
    args: PageArgs,
}

impl UsersRequest {
    /// The role `ChildRoleUsers`, `ParentRoleUsers` and `SubordinateRoleUsers` are relative
    /// to (`role_id`).
    pub fn role(mut self, role_id: impl Into<String>) -> Self {
        self.list.role = Some(role_id.into());
        self
    }

    /// The 1-based page to fetch (for `send`) or to start from (for `stream`); 0 is refused
    /// with [`Error::InvalidInput`] when the request is sent.
    pub fn page(mut self, page: u32) -> Self {
        self.args.page = page;
        self
    }

    /// Users per page, 1 to 200 (the spec's `maximum`; also Zoho's default); anything else
    /// is refused with [`Error::InvalidInput`] before a request is sent.
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.args.per_page = Some(per_page);
        self
    }

    /// The most pages [`Self::stream`] fetches (default [`DirectoryHandler::MAX_PAGES`]; 0 is
    /// refused with [`Error::InvalidInput`]). If Zoho still claims more after that many
    /// pages, the stream ends with [`Error::Pagination`].
    pub fn max_pages(mut self, max_pages: u32) -> Self {
        self.args.max_pages = max_pages;
        self
    }

    /// Fetches one page; no user of that kind (204) is an empty page.
    pub fn send(&self) -> impl Future<Output = Result<types::Users, Error>> + Send + 'static {
        paging::send(&self.list, self.args)
    }

    /// Every user from the starting page on, one page at a time, following
    /// `info.more_records`.
    pub fn stream(self) -> impl Stream<Item = Result<types::User, Error>> + Send + Unpin + 'static {
        paging::stream(self.list, self.args)
    }
}
