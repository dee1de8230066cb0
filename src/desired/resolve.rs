//! Names <-> ids of one org, through the directory: roles, groups and profiles by name, fields
//! by (module, API name), custom buttons by name within a module (from the module's own
//! record locking configuration: Zoho publishes no API that lists buttons).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::{StreamExt, TryStreamExt};

use crate::client::Client;
use crate::desired::model::Family;
use crate::error::Error;

/// How many directory or settings reads run at once (the client's own limit still holds).
pub(crate) const READS_AT_ONCE: usize = 4;

/// Ids of one kind of item by name, and names by id.
#[derive(Clone, Debug, Default)]
pub(crate) struct Names {
    /// What the items are, for messages ("role", "user group" ...).
    kind: &'static str,
    by_name: HashMap<String, Vec<String>>,
    by_id: HashMap<String, String>,
}

impl Names {
    pub(crate) fn new(
        kind: &'static str,
        items: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        let mut names = Names {
            kind,
            ..Names::default()
        };
        for (id, name) in items {
            names.insert(id, name);
        }
        names
    }

    pub(crate) fn insert(&mut self, id: String, name: String) {
        let ids = self.by_name.entry(name.clone()).or_default();
        if !ids.contains(&id) {
            ids.push(id.clone());
        }
        self.by_id.insert(id, name);
    }

    /// The one id of `name`, or the error naming `place`: no such item (with a near miss
    /// when one differs only in case or surrounding spaces), or two items of that name.
    pub(crate) fn id(&self, name: &str, place: &str, org: &str) -> Result<String, Error> {
        match self.by_name.get(name).map(Vec::as_slice) {
            Some([id]) => Ok(id.clone()),
            Some(ids) if ids.len() > 1 => Err(Error::desired(
                place,
                format!(
                    "{} {} are named {name:?} in {org} (ids {}): the name does not say which; \
                     rename one of them in Zoho",
                    ids.len(),
                    plural(self.kind),
                    ids.join(", ")
                ),
            )),
            _ => {
                let near = self
                    .by_name
                    .keys()
                    .find(|n| n.trim().eq_ignore_ascii_case(name.trim()));
                let hint = near
                    .map(|n| format!(" (did you mean {n:?}?)"))
                    .unwrap_or_default();
                Err(Error::desired(
                    place,
                    format!("no {} named {name:?} in {org}{hint}", self.kind),
                ))
            }
        }
    }

    /// How many items have this name.
    pub(crate) fn count(&self, name: &str) -> usize {
        self.by_name.get(name).map_or(0, Vec::len)
    }

    /// The name of `id`, if known.
    pub(crate) fn name(&self, id: &str) -> Option<&str> {
        self.by_id.get(id).map(String::as_str)
    }

    /// The name to write for `id` (the directory's, else `fallback`, the name the setting
    /// itself carried); an error when neither is known or when the name is shared by two
    /// items, since a file naming it could not be applied.
    pub(crate) fn name_for(
        &self,
        id: &str,
        fallback: Option<&str>,
        place: &str,
    ) -> Result<String, Error> {
        let Some(name) = self.name(id).or(fallback) else {
            return Err(Error::desired(
                place,
                format!(
                    "the org refers to {} id {id}, which the directory does not list and \
                     Zoho gave no name for",
                    self.kind
                ),
            ));
        };
        if let Some(ids) = self.by_name.get(name) {
            if ids.len() > 1 {
                return Err(Error::desired(
                    place,
                    format!(
                        "{} {} of this org are named {name:?}: a file naming it could not be \
                         applied; rename one of them in Zoho",
                        ids.len(),
                        plural(self.kind)
                    ),
                ));
            }
        }
        Ok(name.to_owned())
    }
}

fn plural(kind: &str) -> String {
    format!("{kind}s")
}

/// `read`'s list when `wanted`, else an empty one; `read` is not polled, so nothing is sent.
pub(crate) async fn read_if<T>(
    wanted: bool,
    read: impl std::future::Future<Output = Result<Vec<T>, Error>>,
) -> Result<Vec<T>, Error> {
    if wanted {
        read.await
    } else {
        Ok(Vec::new())
    }
}

/// The directory of one org, as far as the access settings need it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Directory {
    pub roles: Names,
    pub groups: Names,
    pub profiles: Names,
    /// Module API names the org has.
    pub modules: BTreeSet<String>,
    /// Fields by module API name (only the modules asked for).
    pub fields: BTreeMap<String, Names>,
}

impl Directory {
    /// Reads the modules, what the families in `families` refer to by name (roles and user
    /// groups for sharing rules; profiles, lite and support ones too, for record locking),
    /// and the fields of `field_modules`. A family out of scope has no section in a file, so
    /// its names are not read.
    pub(crate) async fn load(
        client: &Client,
        families: &BTreeSet<Family>,
        field_modules: &BTreeSet<String>,
    ) -> Result<Directory, Error> {
        let dir = client.directory();
        let sharing = families.contains(&Family::SharingRules);
        let locking = families.contains(&Family::RecordLocking);
        let (roles, groups, profiles, modules) = futures::try_join!(
            read_if(sharing, dir.roles()),
            read_if(
                sharing,
                dir.user_groups().per_page(200).stream().try_collect()
            ),
            read_if(
                locking,
                dir.profiles()
                    .include_lite()
                    .include_support()
                    .per_page(200)
                    .stream()
                    .try_collect()
            ),
            dir.modules(),
        )?;
        let fields: Vec<(String, Names)> = futures::stream::iter(field_modules.iter().cloned())
            .map(|m| {
                let dir = dir.clone();
                async move {
                    let fields = dir.fields(&m).await?;
                    let names = Names::new("field", fields.into_iter().map(|f| (f.id, f.api_name)));
                    Ok::<_, Error>((m, names))
                }
            })
            .buffered(READS_AT_ONCE)
            .try_collect()
            .await?;
        Ok(Directory {
            roles: Names::new("role", roles.into_iter().map(|r| (r.id, r.name))),
            groups: Names::new("user group", groups.into_iter().map(|g| (g.id, g.name))),
            profiles: Names::new("profile", profiles.into_iter().map(|p| (p.id, p.name))),
            modules: modules.into_iter().map(|m| m.api_name).collect(),
            fields: fields.into_iter().collect(),
        })
    }

    /// The field id of (`module`, `api_name`).
    pub(crate) fn field_id(
        &self,
        module: &str,
        api_name: &str,
        place: &str,
    ) -> Result<String, Error> {
        match self.fields.get(module) {
            Some(names) => names.id(
                api_name,
                place,
                &format!("module {module} of the target org"),
            ),
            None => Err(Error::desired(
                place,
                format!("the fields of module {module} were not read"),
            )),
        }
    }
}
