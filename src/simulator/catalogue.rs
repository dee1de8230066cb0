//! The simulated org's metadata: modules (with what each supports), fields per module, roles,
//! groups, profiles, users and custom buttons. Ids are assigned when the org is seeded.

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

/// Everything about the simulated org that the settings APIs refer to but do not change.
#[derive(Clone, Debug)]
pub struct OrgDirectory {
    /// Modules, in Zoho's usual order.
    pub modules: Vec<ModuleInfo>,
    /// Roles (CEO, Manager, Sales Representative).
    pub roles: Vec<NamedItem>,
    /// User groups.
    pub groups: Vec<NamedItem>,
    /// Profiles.
    pub profiles: Vec<NamedItem>,
    /// Users; the first is the one the tokens belong to.
    pub users: Vec<NamedItem>,
    /// Custom buttons.
    pub custom_buttons: Vec<CustomButton>,
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
    let modules = MODULES
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
    let roles = named(&["CEO", "Manager", "Sales Representative"]);
    let groups = named(&["Miami Users", "Sales Team"]);
    let profiles = named(&["Administrator", "Standard", "Sales Manager"]);
    let users = named(&["Patricia Boyle", "John Smith"]);
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
    OrgDirectory {
        modules,
        roles,
        groups,
        profiles,
        users,
        custom_buttons,
    }
}
