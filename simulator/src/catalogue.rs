//! The simulated org's metadata: modules (with what each supports), fields per module, roles,
//! groups, profiles, users and custom buttons. Ids are assigned when the org is seeded.

use std::collections::BTreeMap;

use super::ids::IdGenerator;

/// What a field allows on locked records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldKind {
    /// An ordinary editable field: may stay editable on locked records.
    Editable,
    /// A system or formula field: cannot be excluded from locking (`NOT_SUPPORTED`).
    ReadOnly,
    /// `Owner` and `Tag`: not supported as excluded fields.
    Special,
}

/// A field of a module.
#[derive(Clone, Debug)]
pub struct FieldInfo {
    /// API name, e.g. `Stage`.
    pub api_name: String,
    /// Field id.
    pub id: String,
    pub(crate) kind: FieldKind,
}

impl FieldInfo {
    /// Whether the field can stay editable on locked records (`excluded_fields`).
    pub fn excludable(&self) -> bool {
        self.kind == FieldKind::Editable
    }
}

/// A module of the simulated org and which of the three families support it.
#[derive(Clone, Debug)]
pub struct ModuleInfo {
    /// API name, e.g. `Price_Books`.
    pub api_name: String,
    /// Display name, e.g. `Price Books`.
    pub name: String,
    /// Module id.
    pub id: String,
    /// Record locking configurations are supported.
    pub record_locking: bool,
    /// Data sharing rules are supported.
    pub sharing_rules: bool,
    /// The module appears in the default organization permissions.
    pub org_permissions: bool,
    /// Its default organization permission can be changed.
    pub org_permissions_editable: bool,
    /// The module is public in portals (its share type cannot change).
    pub public_in_portals: bool,
    /// Share type the org starts with.
    pub initial_share_type: &'static str,
    /// The module's fields.
    pub fields: Vec<FieldInfo>,
}

impl ModuleInfo {
    /// The field with this API name (exact, as Zoho compares them).
    pub fn field(&self, api_name: &str) -> Option<&FieldInfo> {
        self.fields.iter().find(|f| f.api_name == api_name)
    }

    /// The field with this id.
    pub fn field_by_id(&self, id: &str) -> Option<&FieldInfo> {
        self.fields.iter().find(|f| f.id == id)
    }
}

/// A role, group, profile, user or custom button: an id and a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedItem {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// A custom button of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomButton {
    /// Module API name.
    pub module: String,
    /// Button id.
    pub id: String,
    /// Button label.
    pub name: String,
}

/// What the directory endpoints tell about a role beyond its id and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleDetails {
    /// Role id.
    pub id: String,
    /// Id of the role it reports to (`reporting_to`); `None` for the top of the hierarchy.
    pub reporting_to: Option<String>,
    /// What the role is for.
    pub description: String,
    /// Whether users of the role share records with each other.
    pub share_with_peers: bool,
}

/// A member (source) of a user group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupMember {
    /// `users`, `roles` or `groups`.
    pub kind: &'static str,
    /// Id of the user, role or group.
    pub id: String,
    /// With a role: its subordinates too.
    pub subordinates: bool,
}

/// What the directory endpoints tell about a user group beyond its id and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupDetails {
    /// Group id.
    pub id: String,
    /// What the group is for.
    pub description: String,
    /// Its members.
    pub members: Vec<GroupMember>,
}

/// What the directory endpoints tell about a profile beyond its id and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileDetails {
    /// Profile id.
    pub id: String,
    /// API name (`Administrator`, `Standard`; generated for custom profiles).
    pub api_name: String,
    /// What the profile is for.
    pub description: String,
    /// Created by the org (not built in).
    pub custom: bool,
    /// `normal_profile` or `lite_profile`.
    pub kind: &'static str,
    /// Internal names of the org-wide permissions it has (`Crm_Implied_Manage_Groups`, ...).
    pub org_permissions: Vec<&'static str>,
    /// Module API name -> View, Create, Edit, Delete, where they differ from the default (a
    /// normal profile may do everything, a lite profile only view).
    pub modules: BTreeMap<String, [bool; 4]>,
}

/// What the directory endpoints tell about a user beyond id and full name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserDetails {
    /// User id.
    pub id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address: the same in every org seed (the key to translate users between orgs).
    pub email: String,
    /// Role id.
    pub role: String,
    /// Profile id.
    pub profile: String,
    /// `active` or `inactive`.
    pub status: &'static str,
    /// Whether the user accepted the invitation.
    pub confirmed: bool,
    /// Id of the user's manager (`Reporting_To`).
    pub reporting_to: Option<String>,
}

/// An org-wide or module permission a profile may have (`permissions_details` of a profile).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermissionInfo {
    /// Permission id.
    pub id: String,
    /// Internal name, e.g. `Crm_Implied_View_Leads`.
    pub name: String,
    /// Label as shown (`View`, `Manage Groups`).
    pub display_label: String,
    /// Module API name, or `None` for an org-wide permission.
    pub module: Option<String>,
    /// The permission it depends on (Create, Edit and Delete depend on View).
    pub parent: Option<String>,
}

/// Everything about the simulated org that the settings APIs refer to but do not change.
#[derive(Clone, Debug)]
pub struct OrgDirectory {
    /// Modules, in Zoho's usual order.
    pub modules: Vec<ModuleInfo>,
    /// Roles: CEO, Manager, Sales Representative, Support Manager, Support Agent (the
    /// hierarchy is in `role_details`).
    pub roles: Vec<NamedItem>,
    /// User groups.
    pub groups: Vec<NamedItem>,
    /// Profiles.
    pub profiles: Vec<NamedItem>,
    /// Users; the first is the one the tokens belong to.
    pub users: Vec<NamedItem>,
    /// Custom buttons.
    pub custom_buttons: Vec<CustomButton>,
    /// The role hierarchy and role descriptions, one entry per role.
    pub role_details: Vec<RoleDetails>,
    /// Group descriptions and members, one entry per group.
    pub group_details: Vec<GroupDetails>,
    /// Profile kinds and permissions, one entry per profile.
    pub profile_details: Vec<ProfileDetails>,
    /// E-mail, role, profile and status, one entry per user.
    pub user_details: Vec<UserDetails>,
    /// The permissions a profile can have (org-wide ones, then View/Create/Edit/Delete per
    /// module).
    pub permissions: Vec<PermissionInfo>,
    /// The org's id (`GET /org`).
    pub org_id: String,
    /// The org's hierarchy preference (`GET /org` `hierarchy_preferences.type`):
    /// `Role_Hierarchy` (the default) or `Reporting_To_Hierarchy`.
    pub hierarchy: String,
    /// `hierarchy_preferences.strictly_reporting`.
    pub strictly_reporting: bool,
}

impl OrgDirectory {
    /// The module with this API name.
    pub fn module(&self, api_name: &str) -> Option<&ModuleInfo> {
        self.modules.iter().find(|m| m.api_name == api_name)
    }

    /// The module with this id.
    pub fn module_by_id(&self, id: &str) -> Option<&ModuleInfo> {
        self.modules.iter().find(|m| m.id == id)
    }

    /// The role with this name.
    pub fn role(&self, name: &str) -> Option<&NamedItem> {
        self.roles.iter().find(|r| r.name == name)
    }

    /// The group with this name.
    pub fn group(&self, name: &str) -> Option<&NamedItem> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// The profile with this name.
    pub fn profile(&self, name: &str) -> Option<&NamedItem> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The user the simulator's tokens belong to.
    pub fn current_user(&self) -> &NamedItem {
        &self.users[0]
    }

    /// The user with this e-mail address (the natural key across orgs).
    pub fn user_by_email(&self, email: &str) -> Option<&NamedItem> {
        let id = &self
            .user_details
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))?
            .id;
        self.users.iter().find(|u| &u.id == id)
    }

    /// Hierarchy and description of the role with this id.
    pub fn role_details(&self, id: &str) -> Option<&RoleDetails> {
        self.role_details.iter().find(|r| r.id == id)
    }

    /// Description and members of the group with this id.
    pub fn group_details(&self, id: &str) -> Option<&GroupDetails> {
        self.group_details.iter().find(|g| g.id == id)
    }

    /// Kind and permissions of the profile with this id.
    pub fn profile_details(&self, id: &str) -> Option<&ProfileDetails> {
        self.profile_details.iter().find(|p| p.id == id)
    }

    /// E-mail, role, profile and status of the user with this id.
    pub fn user_details(&self, id: &str) -> Option<&UserDetails> {
        self.user_details.iter().find(|u| u.id == id)
    }

    /// Whether the profile with this id allows `action` (`View`, `Create`, `Edit`, `Delete`)
    /// on the module with this API name.
    pub fn profile_allows(&self, profile: &str, module: &str, action: &str) -> bool {
        let Some(d) = self.profile_details(profile) else {
            return false;
        };
        let at = MODULE_ACTIONS
            .iter()
            .position(|a| *a == action)
            .unwrap_or(0);
        match d.modules.get(module) {
            Some(set) => set[at],
            None => d.kind != "lite_profile" || action == "View",
        }
    }

    /// Ids of the roles below `role` in the hierarchy (children first, then theirs).
    pub fn subordinate_roles(&self, role: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut frontier = vec![role.to_owned()];
        while let Some(parent) = frontier.pop() {
            for r in &self.role_details {
                if r.reporting_to.as_deref() == Some(parent.as_str()) && !out.contains(&r.id) {
                    out.push(r.id.clone());
                    frontier.push(r.id.clone());
                }
            }
        }
        out
    }
}

const COMMON_FIELDS: &[(&str, FieldKind)] = &[
    ("Owner", FieldKind::Special),
    ("Tag", FieldKind::Special),
    ("Description", FieldKind::Editable),
    ("Created_By", FieldKind::ReadOnly),
    ("Modified_By", FieldKind::ReadOnly),
    ("Created_Time", FieldKind::ReadOnly),
    ("Modified_Time", FieldKind::ReadOnly),
];

/// (API name, display name, locking, sharing rules, org perms listed, org perms editable,
/// public in portals, initial share type, module-specific fields; read-only ones end in `!`).
type ModuleRow = (
    &'static str,
    &'static str,
    bool,
    bool,
    bool,
    bool,
    bool,
    &'static str,
    &'static [&'static str],
);

#[rustfmt::skip]
const MODULES: &[ModuleRow] = &[
    ("Leads", "Leads", true, true, true, true, false, "private", &[
        "First_Name", "Last_Name", "Full_Name!", "Company", "Email", "Phone", "Mobile", "Lead_Source",
        "Lead_Status", "Industry", "Annual_Revenue", "No_of_Employees", "Rating", "Website",
        "Designation", "Street", "City", "State", "Zip_Code", "Country",
    ]),
    ("Contacts", "Contacts", true, true, true, true, false, "private", &[
        "First_Name", "Last_Name", "Full_Name!", "Email", "Phone", "Mobile", "Account_Name", "Title",
        "Department", "Lead_Source", "Date_of_Birth", "Mailing_City", "Mailing_State", "Mailing_Country",
    ]),
    ("Accounts", "Accounts", true, true, true, true, false, "public_read_only", &[
        "Account_Name", "Account_Number", "Account_Type", "Industry", "Annual_Revenue", "Employees",
        "Ownership", "Phone", "Website", "Rating", "Billing_City", "Billing_State", "Billing_Country",
        "Shipping_City", "Shipping_State", "Shipping_Country",
    ]),
    ("Deals", "Deals", true, true, true, true, false, "private", &[
        "Deal_Name", "Stage", "Amount", "Closing_Date", "Account_Name", "Contact_Name", "Type",
        "Lead_Source", "Probability", "Expected_Revenue!", "Next_Step", "Campaign_Source", "Pipeline",
    ]),
    ("Tasks", "Tasks", true, true, true, true, false, "public", &[
        "Subject", "Due_Date", "Status", "Priority", "What_Id", "Who_Id", "Closed_Time!",
    ]),
    ("Events", "Meetings", false, true, true, true, false, "public", &[
        "Event_Title", "Start_DateTime", "End_DateTime", "Venue", "All_day", "What_Id", "Who_Id",
    ]),
    ("Calls", "Calls", false, true, true, true, false, "public", &[
        "Subject", "Call_Type", "Call_Start_Time", "Call_Duration", "Call_Purpose", "Call_Result",
        "What_Id", "Who_Id",
    ]),
    ("Campaigns", "Campaigns", false, true, true, true, false, "public_read_only", &[
        "Campaign_Name", "Type", "Status", "Start_Date", "End_Date", "Budgeted_Cost", "Actual_Cost",
        "Expected_Revenue",
    ]),
    ("Cases", "Cases", true, true, true, true, true, "public", &[
        "Subject", "Status", "Priority", "Case_Origin", "Type", "Case_Reason", "Account_Name",
        "Product_Name", "Email",
    ]),
    ("Solutions", "Solutions", true, true, true, true, false, "public", &[
        "Solution_Title", "Status", "Question", "Answer", "Product_Name",
    ]),
    ("Products", "Products", true, true, true, true, false, "public_read_write", &[
        "Product_Name", "Product_Code", "Product_Category", "Product_Active", "Unit_Price",
        "Manufacturer", "Qty_in_Stock", "Vendor_Name",
    ]),
    ("Vendors", "Vendors", true, true, true, true, false, "public_read_only", &[
        "Vendor_Name", "Email", "Phone", "Website", "Category", "City", "State", "Country",
    ]),
    ("Price_Books", "Price Books", true, true, true, true, false, "public_read_only", &[
        "Price_Book_Name", "Active", "Pricing_Model",
    ]),
    ("Quotes", "Quotes", true, true, true, true, false, "private", &[
        "Subject", "Quote_Stage", "Valid_Till", "Deal_Name", "Account_Name", "Contact_Name", "Carrier",
        "Grand_Total!",
    ]),
    ("Sales_Orders", "Sales Orders", true, true, true, true, false, "private", &[
        "Subject", "Status", "Due_Date", "Deal_Name", "Account_Name", "Carrier", "Grand_Total!",
    ]),
    ("Purchase_Orders", "Purchase Orders", true, true, true, true, false, "private", &[
        "Subject", "Status", "PO_Date", "Vendor_Name", "Carrier", "Grand_Total!",
    ]),
    ("Invoices", "Invoices", true, true, true, true, false, "private", &[
        "Subject", "Status", "Invoice_Date", "Due_Date", "Account_Name", "Deal_Name", "Grand_Total!",
    ]),
    ("Appointments__s", "Appointments", false, false, true, true, false, "public", &[
        "Appointment_Name", "Status", "Appointment_Start_Time", "Appointment_End_Time", "Service_Name",
    ]),
    ("Appointments_Rescheduled_History__s", "Appointments Rescheduled History", false, false, true, true, false, "public", &[
        "Appointment_Name", "Rescheduled_From", "Rescheduled_To", "Reschedule_Reason",
    ]),
    ("Services__s", "Services", false, false, true, true, false, "public", &[
        "Service_Name", "Price", "Duration", "Location",
    ]),
    ("Emails", "Emails", false, false, true, false, false, "public", &["Subject", "From", "To"]),
    ("Visits", "Visits", false, false, true, false, false, "public", &["Visitor_Name", "Portal_Name"]),
    ("Projects", "Projects", true, true, true, true, false, "private", &[
        "Name", "Project_Status", "Budget", "Start_Date", "End_Date", "Priority",
    ]),
];

/// Builds the org's directory, assigning ids from `ids`.
pub(crate) fn seed_directory(ids: &mut IdGenerator) -> OrgDirectory {
    let modules: Vec<ModuleInfo> = MODULES
        .iter()
        .map(
            |&(api_name, name, locking, sharing, perms, editable, portals, share, own)| {
                let id = ids.next_id();
                let mut fields = Vec::new();
                for raw in own {
                    let (api, kind) = match raw.strip_suffix('!') {
                        Some(api) => (api, FieldKind::ReadOnly),
                        None => (*raw, FieldKind::Editable),
                    };
                    fields.push(FieldInfo {
                        api_name: api.to_owned(),
                        id: ids.next_id(),
                        kind,
                    });
                }
                for &(api, kind) in COMMON_FIELDS {
                    fields.push(FieldInfo {
                        api_name: api.to_owned(),
                        id: ids.next_id(),
                        kind,
                    });
                }
                ModuleInfo {
                    api_name: api_name.to_owned(),
                    name: name.to_owned(),
                    id,
                    record_locking: locking,
                    sharing_rules: sharing,
                    org_permissions: perms,
                    org_permissions_editable: editable,
                    public_in_portals: portals,
                    initial_share_type: share,
                    fields,
                }
            },
        )
        .collect();
    let mut named = |names: &[&str]| -> Vec<NamedItem> {
        names
            .iter()
            .map(|n| NamedItem {
                id: ids.next_id(),
                name: (*n).to_owned(),
            })
            .collect()
    };
    let mut roles = named(&["CEO", "Manager", "Sales Representative"]);
    let mut groups = named(&["Miami Users", "Sales Team"]);
    let mut profiles = named(&["Administrator", "Standard", "Sales Manager"]);
    let mut users = named(&["Patricia Boyle", "John Smith"]);
    let custom_buttons = [
        ("Deals", "Send Quote"),
        ("Deals", "Request Discount"),
        ("Leads", "Verify Lead"),
        ("Accounts", "Sync to ERP"),
    ]
    .iter()
    .map(|(module, name)| CustomButton {
        module: (*module).to_owned(),
        id: ids.next_id(),
        name: (*name).to_owned(),
    })
    .collect();
    // The directory's additions take their ids after everything above, so the ids the org
    // always had stay the same for a given seed.
    let mut named = |names: &[&str]| -> Vec<NamedItem> {
        names
            .iter()
            .map(|n| NamedItem {
                id: ids.next_id(),
                name: (*n).to_owned(),
            })
            .collect()
    };
    roles.extend(named(&["Support Manager", "Support Agent"]));
    groups.extend(named(&["Support Team"]));
    profiles.extend(named(&["Team User"]));
    users.extend(named(&[
        "Maria Garcia",
        "Ken Tanaka",
        "Olivia Chen",
        "Lee Park",
    ]));
    let permissions = seed_permissions(ids, &modules);
    let id_of = |list: &[NamedItem], name: &str| -> String {
        list.iter()
            .find(|x| x.name == name)
            .map(|x| x.id.clone())
            .unwrap_or_default()
    };
    let role_details = ROLES
        .iter()
        .map(|&(name, parent, description, peers)| RoleDetails {
            id: id_of(&roles, name),
            reporting_to: parent.map(|p| id_of(&roles, p)),
            description: description.to_owned(),
            share_with_peers: peers,
        })
        .collect();
    let group_details = GROUPS
        .iter()
        .map(|&(name, description, members)| GroupDetails {
            id: id_of(&groups, name),
            description: description.to_owned(),
            members: members
                .iter()
                .map(|&(kind, member, subordinates)| GroupMember {
                    kind,
                    id: id_of(
                        match kind {
                            "users" => &users,
                            "roles" => &roles,
                            _ => &groups,
                        },
                        member,
                    ),
                    subordinates,
                })
                .collect(),
        })
        .collect();
    let profile_details = PROFILES
        .iter()
        .map(
            |&(name, api_name, description, custom, kind, org_permissions)| ProfileDetails {
                id: id_of(&profiles, name),
                api_name: api_name.to_owned(),
                description: description.to_owned(),
                custom,
                kind,
                org_permissions: org_permissions.to_vec(),
                modules: PROFILE_MODULES
                    .iter()
                    .filter(|(p, _, _)| *p == name)
                    .map(|(_, m, set)| ((*m).to_owned(), *set))
                    .collect(),
            },
        )
        .collect();
    let user_details = USERS
        .iter()
        .map(
            |&(name, email, role, profile, status, confirmed, manager)| {
                let (first, last) = name.split_once(' ').unwrap_or(("", name));
                UserDetails {
                    id: id_of(&users, name),
                    first_name: first.to_owned(),
                    last_name: last.to_owned(),
                    email: email.to_owned(),
                    role: id_of(&roles, role),
                    profile: id_of(&profiles, profile),
                    status,
                    confirmed,
                    reporting_to: manager.map(|m| id_of(&users, m)),
                }
            },
        )
        .collect();
    OrgDirectory {
        modules,
        roles,
        groups,
        profiles,
        users,
        custom_buttons,
        role_details,
        group_details,
        profile_details,
        user_details,
        permissions,
        org_id: ids.org_id(),
        hierarchy: "Role_Hierarchy".to_owned(),
        strictly_reporting: false,
    }
}

/// Module permissions of the seeded profiles where they differ from the default: (profile,
/// module, [View, Create, Edit, Delete]). Standard users may not delete leads or accounts.
const PROFILE_MODULES: &[(&str, &str, [bool; 4])] = &[
    ("Standard", "Leads", [true, true, true, false]),
    ("Standard", "Accounts", [true, true, true, false]),
];

/// Org-wide permissions: (internal name, label). The profile table below says who has which.
const ORG_PERMISSIONS: &[(&str, &str)] = &[
    ("Crm_Implied_Api_Access", "Zoho CRM API Access"),
    ("Crm_Implied_Customize_Zoho_CRM", "Customize Zoho CRM"),
    ("Crm_Implied_Manage_Data_Sharing", "Manage Data Sharing"),
    ("Crm_Implied_Manage_Groups", "Manage Groups"),
    ("Crm_Implied_Manage_Profiles", "Manage Profiles"),
    ("Crm_Implied_Manage_Roles", "Manage Roles"),
];

/// The module actions a profile may allow; Create, Edit and Delete depend on View.
const MODULE_ACTIONS: &[&str] = &["View", "Create", "Edit", "Delete"];

fn seed_permissions(ids: &mut IdGenerator, modules: &[ModuleInfo]) -> Vec<PermissionInfo> {
    let mut out: Vec<PermissionInfo> = ORG_PERMISSIONS
        .iter()
        .map(|&(name, label)| PermissionInfo {
            id: ids.next_id(),
            name: name.to_owned(),
            display_label: label.to_owned(),
            module: None,
            parent: None,
        })
        .collect();
    for m in modules {
        let mut view = None;
        for action in MODULE_ACTIONS {
            let id = ids.next_id();
            out.push(PermissionInfo {
                id: id.clone(),
                name: format!("Crm_Implied_{action}_{}", module_name(m)),
                display_label: (*action).to_owned(),
                module: Some(m.api_name.clone()),
                parent: view.clone(),
            });
            view.get_or_insert(id);
        }
    }
    out
}

/// Zoho's internal name of a module (`module_name`): `Meetings` for Events, `CustomModule1`
/// for the custom Projects module, the API name without `_` and `__s` otherwise.
pub(crate) fn module_name(m: &ModuleInfo) -> String {
    match m.api_name.as_str() {
        "Events" => "Meetings".to_owned(),
        "Projects" => "CustomModule1".to_owned(),
        other => other.trim_end_matches("__s").replace('_', ""),
    }
}

/// (name, reports to, description, share with peers): a hierarchy of two branches under CEO.
const ROLES: &[(&str, Option<&str>, &str, bool)] = &[
    ("CEO", None, "Heads the organization", true),
    ("Manager", Some("CEO"), "Manages the sales team", false),
    (
        "Sales Representative",
        Some("Manager"),
        "Sells to leads and accounts",
        false,
    ),
    (
        "Support Manager",
        Some("CEO"),
        "Manages customer support",
        false,
    ),
    (
        "Support Agent",
        Some("Support Manager"),
        "Answers support cases",
        false,
    ),
];

/// A group member: (kind, name, with subordinates).
type Member = (&'static str, &'static str, bool);

/// (name, description, members).
const GROUPS: &[(&str, &str, &[Member])] = &[
    (
        "Miami Users",
        "Sales people covering Miami",
        &[
            ("users", "Maria Garcia", false),
            ("users", "Lee Park", false),
            ("roles", "Sales Representative", false),
        ],
    ),
    (
        "Sales Team",
        "Everyone in sales",
        &[("roles", "Manager", true), ("users", "John Smith", false)],
    ),
    (
        "Support Team",
        "Customer support",
        &[
            ("roles", "Support Manager", true),
            ("users", "Olivia Chen", false),
            ("groups", "Miami Users", false),
        ],
    ),
];

/// (name, API name, description, custom, kind, org-wide permissions).
type ProfileRow = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static str,
    &'static [&'static str],
);

const PROFILES: &[ProfileRow] = &[
    (
        "Administrator",
        "Administrator",
        "This profile will have all the permissions.",
        false,
        "normal_profile",
        &[
            "Crm_Implied_Api_Access",
            "Crm_Implied_Customize_Zoho_CRM",
            "Crm_Implied_Manage_Data_Sharing",
            "Crm_Implied_Manage_Groups",
            "Crm_Implied_Manage_Profiles",
            "Crm_Implied_Manage_Roles",
        ],
    ),
    (
        "Standard",
        "Standard",
        "This profile will have all the permissions except administrative privileges.",
        false,
        "normal_profile",
        &["Crm_Implied_Api_Access"],
    ),
    (
        "Sales Manager",
        "Sales_Manager",
        "Sales managers: may share data",
        true,
        "normal_profile",
        &["Crm_Implied_Api_Access", "Crm_Implied_Manage_Data_Sharing"],
    ),
    (
        "Team User",
        "Team_User",
        "Team users with limited access to organization modules.",
        false,
        "lite_profile",
        &[],
    ),
];

/// (full name, e-mail, role, profile, status, confirmed, manager).
type UserRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    Option<&'static str>,
);

const USERS: &[UserRow] = &[
    (
        "Patricia Boyle",
        "patricia.boyle@example.com",
        "CEO",
        "Administrator",
        "active",
        true,
        None,
    ),
    (
        "John Smith",
        "john.smith@example.com",
        "Manager",
        "Sales Manager",
        "active",
        true,
        Some("Patricia Boyle"),
    ),
    (
        "Maria Garcia",
        "maria.garcia@example.com",
        "Sales Representative",
        "Standard",
        "active",
        true,
        Some("John Smith"),
    ),
    (
        "Ken Tanaka",
        "ken.tanaka@example.com",
        "Support Manager",
        "Standard",
        "active",
        true,
        Some("Patricia Boyle"),
    ),
    (
        "Olivia Chen",
        "olivia.chen@example.com",
        "Support Agent",
        "Standard",
        "inactive",
        true,
        Some("Ken Tanaka"),
    ),
    (
        "Lee Park",
        "lee.park@example.com",
        "Sales Representative",
        "Standard",
        "active",
        false,
        Some("John Smith"),
    ),
];
