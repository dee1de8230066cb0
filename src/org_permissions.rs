//! Default organization permissions: [`Client::org_permissions`] and its handler.

use crate::client::{Answer, Client};
use crate::error::Error;
use crate::generated::{enums, types};
use crate::handles::{check_id, check_module, many, single};
use crate::operations::Operation;

const MAX_UPDATES: usize = OrgPermissionsHandler::MAX_UPDATES;

/// The operation both [`OrgPermissionsHandler::set`] and [`OrgPermissionsHandler::set_share_type`] send.
const UPDATE: Operation = Operation::UpdateOrgPermissions;

/// The module with this id (`DataSharingUpdate::new("5843104000000002175", ShareType::Private)`).
impl From<String> for types::ModuleInput {
    fn from(id: String) -> Self {
        types::ModuleInput::new(id)
    }
}

/// The module with this id.
impl From<&str> for types::ModuleInput {
    fn from(id: &str) -> Self {
        types::ModuleInput::new(id)
    }
}

impl Client {
    /// The default organization permissions (org-wide share type per module).
    pub fn org_permissions(&self) -> OrgPermissionsHandler {
        OrgPermissionsHandler {
            client: self.clone(),
        }
    }
}

/// The default organization permissions; from [`Client::org_permissions`].
///
/// Each module has an org-wide share type (private, public read-only, public read/write,
/// public).
///
/// ```no_run
/// use zoho_crm_access::{enums::ShareType, Client};
///
/// # async fn run(client: Client) -> Result<(), zoho_crm_access::Error> {
/// let perms = client.org_permissions();
/// for m in perms.get().await? {
///     println!("{}: {}", m.module.api_name, m.share_type);
/// }
/// perms.set_share_type("Leads", ShareType::PublicReadOnly).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct OrgPermissionsHandler {
    client: Client,
}

impl OrgPermissionsHandler {
    /// Most modules one update may change.
    pub const MAX_UPDATES: usize = 100;

    /// One entry per module with its share type.
    pub fn get(
        &self,
    ) -> impl std::future::Future<Output = Result<Vec<types::DataSharing>, Error>> + Send + 'static
    {
        let this = self.clone();
        async move {
            let raw = this.client.raw();
            let answer = this
                .client
                .call(
                    Operation::GetOrgPermissions,
                    raw.get_org_permissions().send(),
                )
                .await?;
            Ok(answer.map(|a| a.value.data_sharing).unwrap_or_default())
        }
    }

    /// Changes the share type of 1 to 100 modules in one call. Returns one result per item,
    /// in order; if any item failed the error is [`Error::Items`], naming each failed item's
    /// index, code and details and listing the items that did change.
    pub fn set(
        &self,
        updates: impl IntoIterator<Item = types::DataSharingUpdate>,
    ) -> impl std::future::Future<Output = Result<Vec<types::ActionResult>, Error>> + Send + 'static
    {
        let this = self.clone();
        let updates: Vec<_> = updates.into_iter().collect();
        async move {
            if updates.is_empty() || updates.len() > MAX_UPDATES {
                return Err(Error::invalid(
                    "data_sharing",
                    format!(
                        "{} updates given; one call changes 1 to {MAX_UPDATES} modules",
                        updates.len()
                    ),
                ));
            }
            for (i, u) in updates.iter().enumerate() {
                check_id(&format!("data_sharing[{i}].module.id"), &u.module.id)?;
            }
            many(UPDATE, this.update(updates).await?, |v| v.data_sharing)
        }
    }

    /// One module's entry, by API name (exactly, else ignoring case, as Zoho matches module
    /// names): reads every entry with [`Self::get`] and picks it. A module name that breaks
    /// Zoho's rule for API names is refused before anything is sent; one the org does not list
    /// is [`Error::InvalidInput`].
    ///
    /// ```no_run
    /// # async fn run(client: zoho_crm_access::Client) -> Result<(), zoho_crm_access::Error> {
    /// let leads = client.org_permissions().get_module("Leads").await?;
    /// println!("Leads: {}", leads.share_type);
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_module(
        &self,
        module_api_name: &str,
    ) -> impl std::future::Future<Output = Result<types::DataSharing, Error>> + Send + 'static {
        let this = self.clone();
        let module_api_name = module_api_name.to_owned();
        async move {
            check_module(&module_api_name)?;
            let mut modules = this.get().await?;
            let at = modules
                .iter()
                .position(|m| m.module.api_name == module_api_name)
                .or_else(|| {
                    modules
                        .iter()
                        .position(|m| m.module.api_name.eq_ignore_ascii_case(&module_api_name))
                });
            match at {
                Some(at) => Ok(modules.swap_remove(at)),
                None => Err(Error::invalid(
                    "module",
                    format!("`{module_api_name}` is not among the org's data sharing modules"),
                )),
            }
        }
    }

    /// Sets one module's share type by API name: looks the module's id up with
    /// [`Self::get_module`] first (the update needs the id).
    pub fn set_share_type(
        &self,
        module_api_name: &str,
        share_type: enums::ShareType,
    ) -> impl std::future::Future<Output = Result<types::ActionResult, Error>> + Send + 'static
    {
        let this = self.clone();
        let module_api_name = module_api_name.to_owned();
        async move {
            let found = this.get_module(&module_api_name).await?;
            let Some(id) = found.module.id.clone() else {
                return Err(Error::invalid(
                    "module",
                    format!("Zoho returned no id for `{module_api_name}`"),
                ));
            };
            let update = types::DataSharingUpdate {
                module: types::ModuleInput {
                    api_name: Some(found.module.api_name.clone()),
                    id,
                },
                share_type,
            };
            single(UPDATE, this.update(vec![update]).await?, |v| v.data_sharing)
        }
    }

    /// Sends one `updateOrgPermissions` request carrying `updates`.
    async fn update(
        &self,
        updates: Vec<types::DataSharingUpdate>,
    ) -> Result<Option<Answer<types::DataSharingActionResults>>, Error> {
        let raw = self.client.raw();
        let fut = raw
            .update_org_permissions()
            .body(types::DataSharingUpdateRequest {
                data_sharing: updates,
            })
            .send();
        self.client.call(UPDATE, fut).await
    }
}
