//! Names <-> ids of one org, through the directory: roles, groups and profiles by name, fields
//! by (module, API name), custom buttons by name within a module (from the module's own
//! record locking configuration: Zoho publishes no API that lists buttons).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::{StreamExt, TryStreamExt};

use crate::client::Client;
use crate::desired::model::{Audience, CriteriaSpec, Family, SharingRuleSpec};
use crate::error::Error;
use crate::generated::{enums, types};

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

    /// The one id of `name`, or the error naming `place`: no such item (with the nearest
    /// name when one is close enough to be a typo, see [`suggest`]), or two items of that
    /// name.
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
                let hint = did_you_mean(name, self.by_name.keys().map(String::as_str));
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

/// The candidate `wanted` most likely misspells: one equal but for case and surrounding
/// spaces first, else the closest by edit distance (Damerau-Levenshtein, case ignored, a
/// swap of two letters counting once) within a third of the longer name's length, at
/// least 1 and at most 3 edits; ties go to the first in sorted order. `None` when nothing is
/// that close: a suggestion far from what was typed misleads more than none.
///
///
/// ```
/// use zoho_crm_access::desired::suggest;
/// assert_eq!(suggest("Miami Userz", ["Sales Team", "Miami Users"]), Some("Miami Users"));
/// assert_eq!(suggest("leads", ["Deals", "Leads"]), Some("Leads"));
/// assert_eq!(suggest("Accounting", ["Miami Users"]), None);
/// ```
pub fn suggest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let want = wanted.trim().to_lowercase();
    if want.is_empty() {
        return None;
    }
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let have = c.trim().to_lowercase();
        if have == want {
            return Some(c);
        }
        let longer = want.chars().count().max(have.chars().count());
        let allowed = (longer / 3).clamp(1, 3);
        let d = strsim::damerau_levenshtein(&want, &have);
        if d <= allowed && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// ` (did you mean "X"?)` for the [`suggest`] candidate, or nothing.
pub(crate) fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    suggest(wanted, candidates)
        .map(|n| format!(" (did you mean {n:?}?)"))
        .unwrap_or_default()
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
        let mut out = Directory {
            roles: Names::new("role", roles.into_iter().map(|r| (r.id, r.name))),
            groups: Names::new("user group", groups.into_iter().map(|g| (g.id, g.name))),
            profiles: Names::new("profile", profiles.into_iter().map(|p| (p.id, p.name))),
            modules: modules.into_iter().map(|m| m.api_name).collect(),
            fields: BTreeMap::new(),
        };
        out.load_fields(client, field_modules).await?;
        Ok(out)
    }

    /// Reads the fields of `modules`, a few modules at a time.
    async fn load_fields(
        &mut self,
        client: &Client,
        modules: &BTreeSet<String>,
    ) -> Result<(), Error> {
        let dir = client.directory();
        let fields: Vec<(String, Names)> = futures::stream::iter(modules.iter().cloned())
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
        self.fields.extend(fields);
        Ok(())
    }

    /// The field id of (`module`, `api_name`).
    pub(crate) fn field_id(
        &self,
        module: &str,
        api_name: &str,
        place: &str,
        org: &str,
    ) -> Result<String, Error> {
        match self.fields.get(module) {
            Some(names) => names.id(api_name, place, &format!("module {module} of {org}")),
            None => Err(Error::desired(
                place,
                format!("the fields of module {module} were not read"),
            )),
        }
    }

    /// `Ok` when the org has a module of this API name; else the error naming `place`, with
    /// the nearest API name (`leads` -> `Leads`).
    pub(crate) fn module(&self, name: &str, place: &str, org: &str) -> Result<(), Error> {
        if self.modules.contains(name) {
            return Ok(());
        }
        let hint = did_you_mean(name, self.modules.iter().map(String::as_str));
        Err(Error::desired(
            place,
            format!("{org} has no module with the API name {name:?}{hint}"),
        ))
    }

    /// Who a rule shares with, by id.
    pub(crate) fn shared_to(
        &self,
        place: &str,
        a: &Audience,
        org: &str,
    ) -> Result<types::SharedTo, Error> {
        let at = sub(place, a.place());
        Ok(match a {
            Audience::AllUsers => types::SharedTo::all_users(),
            Audience::Role(n) => types::SharedTo::role(self.roles.id(n, &at, org)?),
            Audience::RoleAndSubordinates(n) => {
                types::SharedTo::role_and_subordinates(self.roles.id(n, &at, org)?)
            }
            Audience::Group(n) => types::SharedTo::group(self.groups.id(n, &at, org)?),
        })
    }

    /// Whose records an owner-based rule shares, by id.
    pub(crate) fn shared_from(
        &self,
        place: &str,
        a: &Audience,
        org: &str,
    ) -> Result<types::SharedFrom, Error> {
        let at = sub(place, a.place());
        Ok(match a {
            Audience::Role(n) => types::SharedFrom::role(self.roles.id(n, &at, org)?),
            Audience::RoleAndSubordinates(n) => {
                types::SharedFrom::role_and_subordinates(self.roles.id(n, &at, org)?)
            }
            Audience::Group(n) => types::SharedFrom::group(self.groups.id(n, &at, org)?),
            Audience::AllUsers => {
                return Err(Error::desired(
                    place,
                    "records are shared from a role, a role and its subordinates or a group, \
                     not from all users",
                ))
            }
        })
    }

    /// Criteria as Zoho takes them, every field checked against the module's fields (sent
    /// by API name, as Zoho's examples do).
    pub(crate) fn criteria(
        &self,
        module: &str,
        place: &str,
        c: &CriteriaSpec,
        org: &str,
    ) -> Result<types::Criteria, Error> {
        match c {
            CriteriaSpec::Condition {
                field,
                comparator,
                value,
            } => {
                self.field_id(module, field, &sub(place, "field"), org)?;
                Ok(crate::criteria::field(field.clone())
                    .compare(comparator.clone(), value.clone())
                    .build())
            }
            CriteriaSpec::All(members) | CriteriaSpec::Any(members) => {
                let (key, op) = match c {
                    CriteriaSpec::All(_) => ("all", enums::GroupOperator::And),
                    _ => ("any", enums::GroupOperator::Or),
                };
                let group = members
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        self.criteria(module, &sub(place, &format!("{key}[{i}]")), m, org)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(types::Criteria::Group(types::CriteriaGroup {
                    group,
                    group_operator: op,
                }))
            }
        }
    }

    /// The create body of a rule (every name resolved).
    pub(crate) fn sharing_rule_input(
        &self,
        module: &str,
        place: &str,
        d: &SharingRuleSpec,
        org: &str,
    ) -> Result<types::SharingRuleInput, Error> {
        let to = self.shared_to(&sub(place, "to"), &d.to, org)?;
        let mut input = match (&d.from, &d.criteria) {
            (Some(from), _) => types::SharingRuleInput::owner_based(
                d.name.clone(),
                self.shared_from(&sub(place, "from"), from, org)?,
                to,
                d.permission.clone(),
            ),
            (None, Some(c)) => types::SharingRuleInput::criteria_based(
                d.name.clone(),
                self.criteria(module, &sub(place, "criteria"), c, org)?,
                to,
                d.permission.clone(),
            ),
            (None, None) => return Err(Error::desired(place, "neither `from` nor `criteria`")),
        };
        input.superiors_allowed = d.superiors_allowed;
        Ok(input)
    }
}

/// The place of a part of `place`: `sharing_rules.Leads[0]` + `to` is
/// `sharing_rules.Leads[0].to`. A place that is a command-line option (`--to`) stays as it
/// is: the option is what the user can change.
pub(crate) fn sub(place: &str, part: &str) -> String {
    if place.starts_with("--") {
        place.to_owned()
    } else if place.is_empty() {
        part.to_owned()
    } else {
        format!("{place}.{part}")
    }
}

/// An org's names and ids (roles, user groups, profiles, modules, and the fields of the
/// modules asked for), read once through its directory, to turn names into ids the way a
/// [plan](crate::desired::plan) does, with the same checks and the same messages: a name the
/// org does not have fails with [`Error::Desired`] naming `place` and, when one is close
/// enough to be a typo, the nearest name (`no user group named "Miami Userz" in the org (did
/// you mean "Miami Users"?)`); a name two items share fails too.
///
/// For tools that take names from people (the `zoho-access` command line): `place` is what
/// the person typed it into (an option such as `--to`, which is kept as it is, or a path
/// into a file).
///
/// ```no_run
/// use zoho_crm_access::desired::{Audience, Resolver};
/// # async fn run(client: zoho_crm_access::Client) -> Result<(), zoho_crm_access::Error> {
/// let names = Resolver::load(&client, ["Leads"]).await?;
/// let to = names.shared_to(&Audience::Group("Miami Users".into()), "--to")?;
/// let city = names.field_id("Leads", "City", "--criteria")?;
/// # let _ = (to, city);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Resolver {
    dir: Directory,
}

/// How a [`Resolver`]'s messages name the org.
const THE_ORG: &str = "the org";

impl Resolver {
    /// Reads the org's roles, user groups, profiles (lite and support ones too) and modules,
    /// and the fields of `field_modules` (module API names; each is checked first, with a
    /// suggestion when the org has none of that name).
    pub async fn load<M: Into<String>>(
        client: &Client,
        field_modules: impl IntoIterator<Item = M>,
    ) -> Result<Resolver, Error> {
        let wanted: BTreeSet<String> = field_modules.into_iter().map(Into::into).collect();
        let everything: BTreeSet<Family> = Family::ALL.into_iter().collect();
        let mut dir = Directory::load(client, &everything, &BTreeSet::new()).await?;
        // The module list before the fields, so a misspelt module is named as such, not as a
        // failed read of its fields.
        for m in &wanted {
            dir.module(m, "module", THE_ORG)?;
        }
        dir.load_fields(client, &wanted).await?;
        Ok(Resolver { dir })
    }

    /// `Ok` when the org has a module of this API name, else [`Error::Desired`] with the
    /// nearest one (`leads` -> `did you mean "Leads"?`).
    pub fn module(&self, api_name: &str, place: &str) -> Result<(), Error> {
        self.dir.module(api_name, place, THE_ORG)
    }

    /// The module API names the org has.
    pub fn modules(&self) -> impl Iterator<Item = &str> {
        self.dir.modules.iter().map(String::as_str)
    }

    /// The id of the role of this name.
    pub fn role_id(&self, name: &str, place: &str) -> Result<String, Error> {
        self.dir.roles.id(name, place, THE_ORG)
    }

    /// The id of the user group of this name.
    pub fn group_id(&self, name: &str, place: &str) -> Result<String, Error> {
        self.dir.groups.id(name, place, THE_ORG)
    }

    /// The id of the profile of this name.
    pub fn profile_id(&self, name: &str, place: &str) -> Result<String, Error> {
        self.dir.profiles.id(name, place, THE_ORG)
    }

    /// The id of the field of this API name in `module` (one of the modules given to
    /// [`Resolver::load`]).
    pub fn field_id(&self, module: &str, api_name: &str, place: &str) -> Result<String, Error> {
        self.dir.field_id(module, api_name, place, THE_ORG)
    }

    /// The name of the role, user group or profile of this id, if the org has one.
    pub fn name_of(&self, id: &str) -> Option<&str> {
        self.dir
            .roles
            .name(id)
            .or_else(|| self.dir.groups.name(id))
            .or_else(|| self.dir.profiles.name(id))
    }

    /// Who a rule shares with, as Zoho takes it (`shared_to`).
    pub fn shared_to(&self, to: &Audience, place: &str) -> Result<types::SharedTo, Error> {
        self.dir.shared_to(place, to, THE_ORG)
    }

    /// Whose records an owner-based rule shares, as Zoho takes it (`shared_from`); all users
    /// is refused.
    pub fn shared_from(&self, from: &Audience, place: &str) -> Result<types::SharedFrom, Error> {
        self.dir.shared_from(place, from, THE_ORG)
    }

    /// Criteria as Zoho takes them, each field checked against `module`'s fields.
    pub fn criteria(
        &self,
        module: &str,
        criteria: &CriteriaSpec,
        place: &str,
    ) -> Result<types::Criteria, Error> {
        self.dir.criteria(module, place, criteria, THE_ORG)
    }

    /// A rule's create body, every name resolved, as a plan would send it.
    pub fn sharing_rule_input(
        &self,
        module: &str,
        rule: &SharingRuleSpec,
        place: &str,
    ) -> Result<types::SharingRuleInput, Error> {
        self.dir.sharing_rule_input(module, place, rule, THE_ORG)
    }
}
