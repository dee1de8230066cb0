//! The org's records and their locks: a small seeded set per module that supports record
//! locking, what the control surface adds and changes, and the automatic locks the module's
//! record locking configuration puts on them.
//!
//! Records exist only so that records can be locked: they have an id, a name, an owner and
//! field values (of fields of the module's catalogue), nothing else. Each holds at most one
//! lock (see [`Lock`]). Automatic locks follow the configuration:
//!
//! * a rule counts only while the configuration's `lock_type` is `automatic` or `both`;
//! * when a configuration is saved (created or updated), every automatic lock whose rule is
//!   gone, no longer counts or no longer matches its record is released; then each rule that
//!   was added or changed in that save (or every rule, when the save turned automatic locking
//!   on) with `lock_existing_records` true locks the unlocked records it matches;
//! * a record that is added or changed is checked again: an automatic lock whose rule no longer
//!   matches is released, and a record without a lock that matches a rule is locked by the
//!   first such rule (Zoho: "records will be locked automatically if the specified criteria are
//!   matched on creating or updating records");
//! * deleting the configuration releases every lock of the module, manual ones included (the
//!   seed).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::catalogue::ModuleInfo;
use super::ids::IdGenerator;
use super::state::State;

/// Records one module may hold (seeded ones included).
pub(crate) const MAX_PER_MODULE: usize = 10_000;
/// Records the org may hold in all.
pub(crate) const MAX_TOTAL: usize = 20_000;
/// Records one call may add.
pub(crate) const MAX_ADD: usize = 1_000;
/// Longest record name and text field value, in characters (a Zoho single-line field).
pub(crate) const MAX_TEXT: usize = 255;

/// One lock of a record (an entry of `Locking_Information__s`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Lock {
    /// The lock entry's id.
    pub id: String,
    /// The rule that locked the record; `None` for a manual lock.
    pub rule: Option<String>,
    /// Id of the user who locked the record (manual locks).
    pub locked_by: Option<String>,
    /// Why (manual locks).
    pub reason: Option<String>,
    /// When, as Zoho writes times.
    pub time: String,
    /// Id of the module's configuration when the record was locked.
    pub config: String,
}

impl Lock {
    pub(crate) fn is_automatic(&self) -> bool {
        self.rule.is_some()
    }
}

/// A record of a module.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Record {
    pub id: String,
    pub name: String,
    /// Id of the owning user.
    pub owner: String,
    /// Field API name -> value (strings, numbers, booleans, null).
    pub fields: Map<String, Value>,
    pub lock: Option<Lock>,
}

/// Every module's records, by id (ids increase with creation, so this is creation order).
#[derive(Debug)]
pub(crate) struct Records {
    pub ids: IdGenerator,
    pub by_module: BTreeMap<String, BTreeMap<String, Record>>,
    pub total: usize,
}

impl Records {
    /// The seeded records of every module that supports record locking, with ids from `seed`.
    pub(crate) fn seeded(seed: u64, modules: &[ModuleInfo], users: &[String]) -> Self {
        let mut records = Self {
            ids: IdGenerator::for_records(seed),
            by_module: BTreeMap::new(),
            total: 0,
        };
        for m in modules.iter().filter(|m| m.record_locking) {
            let list = records.by_module.entry(m.api_name.clone()).or_default();
            for (i, (name, fields)) in seed_rows(&m.api_name).into_iter().enumerate() {
                let id = records.ids.next_id();
                let owner = users
                    .get(i % users.len().max(1))
                    .cloned()
                    .unwrap_or_default();
                let fields = fields
                    .into_iter()
                    .filter(|(k, _)| m.field(k).is_some())
                    .collect();
                list.insert(
                    id.clone(),
                    Record {
                        id,
                        name,
                        owner,
                        fields,
                        lock: None,
                    },
                );
                records.total += 1;
            }
        }
        records
    }

    pub(crate) fn module(&self, module: &str) -> Option<&BTreeMap<String, Record>> {
        self.by_module.get(module)
    }
}

/// `(name, fields)` of the records `module` starts with: the same in every org seed.
fn seed_rows(module: &str) -> Vec<(String, Map<String, Value>)> {
    let rows: &[(&str, &str)] = match module {
        "Deals" => &[
            (
                "Commercial Press",
                r#"{"Stage":"Closed Won","Amount":45000,"Closing_Date":"2024-03-15","Type":"New Business","Probability":100}"#,
            ),
            (
                "Benton Supply Renewal",
                r#"{"Stage":"Negotiation/Review","Amount":32000,"Closing_Date":"2024-06-30","Type":"Existing Business","Probability":90}"#,
            ),
            (
                "Chanay Logistics",
                r#"{"Stage":"Qualification","Amount":12000,"Closing_Date":"2024-08-01","Type":"New Business","Probability":10}"#,
            ),
            (
                "Chemel Expansion",
                r#"{"Stage":"Proposal/Price Quote","Amount":58000,"Closing_Date":"2024-07-12","Type":"Existing Business","Probability":75}"#,
            ),
            (
                "Feltz Printing Upgrade",
                r#"{"Stage":"Closed Lost","Amount":8000,"Closing_Date":"2024-02-20","Type":"Existing Business","Probability":0}"#,
            ),
            (
                "King Industrial",
                r#"{"Stage":"Needs Analysis","Amount":21000,"Closing_Date":"2024-09-05","Type":"New Business","Probability":20}"#,
            ),
            (
                "Morlong Associates",
                r#"{"Stage":"Value Proposition","Amount":27500,"Closing_Date":"2024-05-18","Type":"New Business","Probability":50}"#,
            ),
            (
                "Printing Dimensions",
                r#"{"Stage":"Closed Won","Amount":76000,"Closing_Date":"2024-01-31","Type":"Existing Business","Probability":100}"#,
            ),
        ],
        "Leads" => &[
            (
                "Theola Frey (Sample)",
                r#"{"First_Name":"Theola","Last_Name":"Frey (Sample)","Company":"Morlong Associates","City":"Miami","State":"FL","Country":"United States","Lead_Status":"Contacted","Lead_Source":"Web Download"}"#,
            ),
            (
                "Kayleigh Lace (Sample)",
                r#"{"First_Name":"Kayleigh","Last_Name":"Lace (Sample)","Company":"Commercial Press","City":"Los Angeles","State":"CA","Country":"United States","Lead_Status":"Not Contacted","Lead_Source":"Cold Call"}"#,
            ),
            (
                "Felix Hirpara (Sample)",
                r#"{"First_Name":"Felix","Last_Name":"Hirpara (Sample)","Company":"Chapman","City":"Chicago","State":"IL","Country":"United States","Lead_Status":"Attempted to Contact","Lead_Source":"Advertisement"}"#,
            ),
            (
                "Capla Paprocki (Sample)",
                r#"{"First_Name":"Capla","Last_Name":"Paprocki (Sample)","Company":"Feltz Printing Service","City":"Anchorage","State":"AK","Country":"United States","Lead_Status":"Contact in Future","Lead_Source":"Trade Show"}"#,
            ),
            (
                "Simon Morasca (Sample)",
                r#"{"First_Name":"Simon","Last_Name":"Morasca (Sample)","Company":"Chapman Ross","City":"Boston","State":"MA","Country":"United States","Lead_Status":"Qualified","Lead_Source":"Partner"}"#,
            ),
            (
                "Leota Dilliard (Sample)",
                r#"{"First_Name":"Leota","Last_Name":"Dilliard (Sample)","Company":"Printing Dimensions","City":"San Jose","State":"CA","Country":"United States","Lead_Status":"Junk Lead","Lead_Source":"Web Download"}"#,
            ),
            (
                "Sage Wieser (Sample)",
                r#"{"First_Name":"Sage","Last_Name":"Wieser (Sample)","Company":"Truhlar And Truhlar","City":"Sioux Falls","State":"SD","Country":"United States","Lead_Status":"Pre-Qualified","Lead_Source":"Seminar Partner"}"#,
            ),
            (
                "Kris Marrier (Sample)",
                r#"{"First_Name":"Kris","Last_Name":"Marrier (Sample)","Company":"King","City":"Miami","State":"FL","Country":"United States","Lead_Status":"Not Qualified","Lead_Source":"Employee Referral"}"#,
            ),
        ],
        "Contacts" => &[
            (
                "Kris Marrier",
                r#"{"First_Name":"Kris","Last_Name":"Marrier","Title":"Buyer","Department":"Purchasing","Mailing_City":"Baltimore","Mailing_State":"MD"}"#,
            ),
            (
                "Capla Paprocki",
                r#"{"First_Name":"Capla","Last_Name":"Paprocki","Title":"Director","Department":"Operations","Mailing_City":"Anchorage","Mailing_State":"AK"}"#,
            ),
            (
                "Simon Morasca",
                r#"{"First_Name":"Simon","Last_Name":"Morasca","Title":"Manager","Department":"Sales","Mailing_City":"Boston","Mailing_State":"MA"}"#,
            ),
            (
                "Leota Dilliard",
                r#"{"First_Name":"Leota","Last_Name":"Dilliard","Title":"Engineer","Department":"R&D","Mailing_City":"San Jose","Mailing_State":"CA"}"#,
            ),
            (
                "Sage Wieser",
                r#"{"First_Name":"Sage","Last_Name":"Wieser","Title":"Analyst","Department":"Finance","Mailing_City":"Sioux Falls","Mailing_State":"SD"}"#,
            ),
        ],
        "Accounts" => &[
            (
                "King",
                r#"{"Account_Name":"King","Account_Type":"Customer","Industry":"Manufacturing","Annual_Revenue":1200000,"Billing_City":"Miami","Billing_State":"FL"}"#,
            ),
            (
                "Chapman",
                r#"{"Account_Name":"Chapman","Account_Type":"Prospect","Industry":"Retail","Annual_Revenue":450000,"Billing_City":"Chicago","Billing_State":"IL"}"#,
            ),
            (
                "Commercial Press",
                r#"{"Account_Name":"Commercial Press","Account_Type":"Customer","Industry":"Printing","Annual_Revenue":870000,"Billing_City":"Los Angeles","Billing_State":"CA"}"#,
            ),
            (
                "Truhlar And Truhlar",
                r#"{"Account_Name":"Truhlar And Truhlar","Account_Type":"Partner","Industry":"Legal","Annual_Revenue":300000,"Billing_City":"Sioux Falls","Billing_State":"SD"}"#,
            ),
            (
                "Feltz Printing Service",
                r#"{"Account_Name":"Feltz Printing Service","Account_Type":"Customer","Industry":"Printing","Annual_Revenue":150000,"Billing_City":"Anchorage","Billing_State":"AK"}"#,
            ),
        ],
        "Tasks" => &[
            (
                "Register for upcoming CRM Webinars",
                r#"{"Subject":"Register for upcoming CRM Webinars","Status":"Not Started","Priority":"Low","Due_Date":"2024-04-02"}"#,
            ),
            (
                "Refer CRM Videos",
                r#"{"Subject":"Refer CRM Videos","Status":"In Progress","Priority":"Normal","Due_Date":"2024-04-05"}"#,
            ),
            (
                "Competitor Comparison Document",
                r#"{"Subject":"Competitor Comparison Document","Status":"Completed","Priority":"Highest","Due_Date":"2024-03-28"}"#,
            ),
            (
                "Get Approval from Manager",
                r#"{"Subject":"Get Approval from Manager","Status":"Waiting for input","Priority":"High","Due_Date":"2024-04-10"}"#,
            ),
            (
                "Send quote to King",
                r#"{"Subject":"Send quote to King","Status":"Deferred","Priority":"Normal","Due_Date":"2024-04-12"}"#,
            ),
        ],
        "Cases" => &[
            (
                "Printer not responding",
                r#"{"Subject":"Printer not responding","Status":"New","Priority":"High","Case_Origin":"Phone","Type":"Problem"}"#,
            ),
            (
                "Invoice copy requested",
                r#"{"Subject":"Invoice copy requested","Status":"Closed","Priority":"Low","Case_Origin":"Email","Type":"Question"}"#,
            ),
            (
                "Delivery delayed",
                r#"{"Subject":"Delivery delayed","Status":"On Hold","Priority":"Medium","Case_Origin":"Web","Type":"Problem"}"#,
            ),
            (
                "Feature request: exports",
                r#"{"Subject":"Feature request: exports","Status":"Escalated","Priority":"Medium","Case_Origin":"Web","Type":"Feature Request"}"#,
            ),
            (
                "Login fails",
                r#"{"Subject":"Login fails","Status":"New","Priority":"High","Case_Origin":"Phone","Type":"Problem"}"#,
            ),
        ],
        "Solutions" => &[
            (
                "Resetting the printer",
                r#"{"Solution_Title":"Resetting the printer","Status":"Published"}"#,
            ),
            (
                "Requesting an invoice copy",
                r#"{"Solution_Title":"Requesting an invoice copy","Status":"Draft"}"#,
            ),
            (
                "Tracking a delivery",
                r#"{"Solution_Title":"Tracking a delivery","Status":"Reviewed"}"#,
            ),
            (
                "Exporting reports",
                r#"{"Solution_Title":"Exporting reports","Status":"Published"}"#,
            ),
            (
                "Recovering a password",
                r#"{"Solution_Title":"Recovering a password","Status":"Draft"}"#,
            ),
        ],
        "Products" => &[
            (
                "Laser Printer X1",
                r#"{"Product_Name":"Laser Printer X1","Product_Code":"LP-X1","Product_Category":"Hardware","Product_Active":true,"Unit_Price":499.0}"#,
            ),
            (
                "Toner Cartridge",
                r#"{"Product_Name":"Toner Cartridge","Product_Code":"TC-01","Product_Category":"Supplies","Product_Active":true,"Unit_Price":59.5}"#,
            ),
            (
                "Service Plan Gold",
                r#"{"Product_Name":"Service Plan Gold","Product_Code":"SP-G","Product_Category":"Services","Product_Active":true,"Unit_Price":1200.0}"#,
            ),
            (
                "Paper Tray",
                r#"{"Product_Name":"Paper Tray","Product_Code":"PT-2","Product_Category":"Hardware","Product_Active":false,"Unit_Price":35.0}"#,
            ),
            (
                "Scanner S5",
                r#"{"Product_Name":"Scanner S5","Product_Code":"SC-S5","Product_Category":"Hardware","Product_Active":true,"Unit_Price":299.0}"#,
            ),
        ],
        "Vendors" => &[
            (
                "Paper Mills Inc",
                r#"{"Vendor_Name":"Paper Mills Inc","Category":"Supplies","City":"Portland","State":"OR"}"#,
            ),
            (
                "Ink Works",
                r#"{"Vendor_Name":"Ink Works","Category":"Supplies","City":"Austin","State":"TX"}"#,
            ),
            (
                "Printer Parts Co",
                r#"{"Vendor_Name":"Printer Parts Co","Category":"Hardware","City":"Miami","State":"FL"}"#,
            ),
            (
                "Logistics Plus",
                r#"{"Vendor_Name":"Logistics Plus","Category":"Services","City":"Chicago","State":"IL"}"#,
            ),
            (
                "Office Depot Wholesale",
                r#"{"Vendor_Name":"Office Depot Wholesale","Category":"Supplies","City":"Boston","State":"MA"}"#,
            ),
        ],
        "Price_Books" => &[
            (
                "Standard 2024",
                r#"{"Price_Book_Name":"Standard 2024","Active":true,"Pricing_Model":"Flat"}"#,
            ),
            (
                "Partner Discounts",
                r#"{"Price_Book_Name":"Partner Discounts","Active":true,"Pricing_Model":"Differential"}"#,
            ),
            (
                "Volume Pricing",
                r#"{"Price_Book_Name":"Volume Pricing","Active":false,"Pricing_Model":"Differential"}"#,
            ),
            (
                "Education",
                r#"{"Price_Book_Name":"Education","Active":true,"Pricing_Model":"Flat"}"#,
            ),
            (
                "Legacy 2022",
                r#"{"Price_Book_Name":"Legacy 2022","Active":false,"Pricing_Model":"Flat"}"#,
            ),
        ],
        "Quotes" => &[
            (
                "Quote for Commercial Press",
                r#"{"Subject":"Quote for Commercial Press","Quote_Stage":"Confirmed","Valid_Till":"2024-04-30","Carrier":"FedEx"}"#,
            ),
            (
                "Quote for King",
                r#"{"Subject":"Quote for King","Quote_Stage":"Draft","Valid_Till":"2024-05-15","Carrier":"UPS"}"#,
            ),
            (
                "Quote for Chapman",
                r#"{"Subject":"Quote for Chapman","Quote_Stage":"Negotiation","Valid_Till":"2024-05-01","Carrier":"USPS"}"#,
            ),
            (
                "Quote for Chemel",
                r#"{"Subject":"Quote for Chemel","Quote_Stage":"Delivered","Valid_Till":"2024-04-20","Carrier":"DHL"}"#,
            ),
            (
                "Quote for Feltz",
                r#"{"Subject":"Quote for Feltz","Quote_Stage":"Closed Lost","Valid_Till":"2024-03-01","Carrier":"FedEx"}"#,
            ),
        ],
        "Sales_Orders" => &[
            (
                "Order SO-1001",
                r#"{"Subject":"Order SO-1001","Status":"Created","Due_Date":"2024-04-15","Carrier":"FedEx"}"#,
            ),
            (
                "Order SO-1002",
                r#"{"Subject":"Order SO-1002","Status":"Approved","Due_Date":"2024-04-18","Carrier":"UPS"}"#,
            ),
            (
                "Order SO-1003",
                r#"{"Subject":"Order SO-1003","Status":"Delivered","Due_Date":"2024-03-30","Carrier":"DHL"}"#,
            ),
            (
                "Order SO-1004",
                r#"{"Subject":"Order SO-1004","Status":"Cancelled","Due_Date":"2024-04-02","Carrier":"USPS"}"#,
            ),
            (
                "Order SO-1005",
                r#"{"Subject":"Order SO-1005","Status":"Created","Due_Date":"2024-04-25","Carrier":"FedEx"}"#,
            ),
        ],
        "Purchase_Orders" => &[
            (
                "PO paper stock",
                r#"{"Subject":"PO paper stock","Status":"Created","PO_Date":"2024-03-01","Carrier":"FedEx"}"#,
            ),
            (
                "PO toner",
                r#"{"Subject":"PO toner","Status":"Approved","PO_Date":"2024-03-05","Carrier":"UPS"}"#,
            ),
            (
                "PO spare parts",
                r#"{"Subject":"PO spare parts","Status":"Delivered","PO_Date":"2024-02-20","Carrier":"DHL"}"#,
            ),
            (
                "PO logistics",
                r#"{"Subject":"PO logistics","Status":"Cancelled","PO_Date":"2024-02-25","Carrier":"USPS"}"#,
            ),
            (
                "PO office supplies",
                r#"{"Subject":"PO office supplies","Status":"Created","PO_Date":"2024-03-10","Carrier":"FedEx"}"#,
            ),
        ],
        "Invoices" => &[
            (
                "Invoice INV-2001",
                r#"{"Subject":"Invoice INV-2001","Status":"Paid","Invoice_Date":"2024-03-01","Due_Date":"2024-03-31"}"#,
            ),
            (
                "Invoice INV-2002",
                r#"{"Subject":"Invoice INV-2002","Status":"Created","Invoice_Date":"2024-03-05","Due_Date":"2024-04-04"}"#,
            ),
            (
                "Invoice INV-2003",
                r#"{"Subject":"Invoice INV-2003","Status":"Approved","Invoice_Date":"2024-03-10","Due_Date":"2024-04-09"}"#,
            ),
            (
                "Invoice INV-2004",
                r#"{"Subject":"Invoice INV-2004","Status":"Cancelled","Invoice_Date":"2024-02-15","Due_Date":"2024-03-16"}"#,
            ),
            (
                "Invoice INV-2005",
                r#"{"Subject":"Invoice INV-2005","Status":"Paid","Invoice_Date":"2024-02-01","Due_Date":"2024-03-02"}"#,
            ),
        ],
        "Projects" => &[
            (
                "Office move",
                r#"{"Name":"Office move","Project_Status":"In Progress","Budget":25000,"Priority":"High"}"#,
            ),
            (
                "CRM rollout",
                r#"{"Name":"CRM rollout","Project_Status":"Completed","Budget":80000,"Priority":"Highest"}"#,
            ),
            (
                "Website refresh",
                r#"{"Name":"Website refresh","Project_Status":"Not Started","Budget":15000,"Priority":"Normal"}"#,
            ),
            (
                "Partner portal",
                r#"{"Name":"Partner portal","Project_Status":"On Hold","Budget":40000,"Priority":"Low"}"#,
            ),
            (
                "Data clean-up",
                r#"{"Name":"Data clean-up","Project_Status":"In Progress","Budget":5000,"Priority":"Normal"}"#,
            ),
        ],
        _ => &[],
    };
    rows.iter()
        .map(|(name, fields)| {
            let fields = match serde_json::from_str::<Value>(fields) {
                Ok(Value::Object(m)) => m,
                _ => Map::new(),
            };
            ((*name).to_owned(), fields)
        })
        .collect()
}

// ------------------------------------------------------------------ criteria on field values

/// Whether `record` matches `criteria` (as the configuration stores it: normalized by
/// [`super::criteria::CriteriaRules::normalize`]).
///
/// Comparators on a field's value: `equal` / `not_equal` (a value or a list of values, any of
/// which matches; text compared without regard to case, numbers as numbers), `contains`,
/// `not_contains`, `starts_with`, `ends_with` (text, without regard to case), `less_than`,
/// `less_equal`, `greater_than`, `greater_equal` (numbers as numbers, other text in its order,
/// which is date order for ISO dates), `between` / `not_between` (a list of two bounds,
/// inclusive). A field without a value equals only null or `""`, and meets no ordering or text
/// comparator except the negated ones. `Owner` compares the owner's user id (a value may be the
/// id or `{id}`). Not supported: Zoho's `${EMPTY}`-style placeholders and the comparators
/// the spec does not list (`in`, `not_in`); a criterion the simulator cannot read matches
/// nothing.
pub(crate) fn matches(criteria: &Value, record: &Record) -> bool {
    matches_at(criteria, record, 0)
}

fn matches_at(criteria: &Value, record: &Record, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    if let Some(group) = criteria.get("group").and_then(Value::as_array) {
        let or = criteria
            .get("group_operator")
            .and_then(Value::as_str)
            .is_some_and(|o| o.eq_ignore_ascii_case("or"));
        return if or {
            group.iter().any(|c| matches_at(c, record, depth + 1))
        } else {
            group.iter().all(|c| matches_at(c, record, depth + 1))
        };
    }
    let Some(field) = criteria
        .get("field")
        .and_then(|f| f.get("api_name"))
        .and_then(Value::as_str)
    else {
        return false;
    };
    let Some(comparator) = criteria.get("comparator").and_then(Value::as_str) else {
        return false;
    };
    let expected = criteria.get("value").unwrap_or(&Value::Null);
    let actual = if field == "Owner" {
        Value::String(record.owner.clone())
    } else {
        record.fields.get(field).cloned().unwrap_or(Value::Null)
    };
    compare(comparator, &actual, expected)
}

fn compare(comparator: &str, actual: &Value, expected: &Value) -> bool {
    let any_equal = || match expected {
        Value::Array(values) => values.iter().any(|v| equal(actual, v)),
        v => equal(actual, v),
    };
    let bounds = || match expected {
        Value::Array(b) if b.len() == 2 => Some((&b[0], &b[1])),
        _ => None,
    };
    let present = !is_empty(actual);
    match comparator {
        "equal" => any_equal(),
        "not_equal" => !any_equal(),
        "contains" => text_test(actual, expected, |a, e| a.contains(e)),
        "not_contains" => !text_test(actual, expected, |a, e| a.contains(e)),
        "starts_with" => text_test(actual, expected, |a, e| a.starts_with(e)),
        "ends_with" => text_test(actual, expected, |a, e| a.ends_with(e)),
        "less_than" => order(actual, expected) == Some(Ordering::Less),
        "less_equal" => matches!(
            order(actual, expected),
            Some(Ordering::Less | Ordering::Equal)
        ),
        "greater_than" => order(actual, expected) == Some(Ordering::Greater),
        "greater_equal" => matches!(
            order(actual, expected),
            Some(Ordering::Greater | Ordering::Equal)
        ),
        "between" => bounds().is_some_and(|(lo, hi)| within(actual, lo, hi)),
        "not_between" => present && bounds().is_some_and(|(lo, hi)| !within(actual, lo, hi)),
        _ => false,
    }
}

fn within(actual: &Value, lo: &Value, hi: &Value) -> bool {
    matches!(order(actual, lo), Some(Ordering::Greater | Ordering::Equal))
        && matches!(order(actual, hi), Some(Ordering::Less | Ordering::Equal))
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// A value as text: strings, numbers, booleans, and the `id` of an object (a user, a lookup).
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(o) => o.get("id").and_then(text),
        _ => None,
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn equal(actual: &Value, expected: &Value) -> bool {
    if is_empty(actual) {
        return is_empty(expected);
    }
    if let (Some(a), Some(e)) = (number(actual), number(expected)) {
        return a == e;
    }
    match (text(actual), text(expected)) {
        (Some(a), Some(e)) => a.to_lowercase() == e.to_lowercase(),
        _ => false,
    }
}

fn text_test(actual: &Value, expected: &Value, test: impl Fn(&str, &str) -> bool) -> bool {
    match (text(actual), text(expected)) {
        (Some(a), Some(e)) if !a.is_empty() => test(&a.to_lowercase(), &e.to_lowercase()),
        _ => false,
    }
}

fn order(actual: &Value, expected: &Value) -> Option<Ordering> {
    if is_empty(actual) {
        return None;
    }
    if let (Some(a), Some(e)) = (number(actual), number(expected)) {
        return a.partial_cmp(&e);
    }
    match (actual, expected) {
        (Value::String(a), Value::String(e)) => Some(a.as_str().cmp(e.as_str())),
        _ => None,
    }
}

// ------------------------------------------------------------------ automatic locks

/// `(rule id, criteria, lock_existing_records)` of the rules that lock records now: none unless
/// the configuration's `lock_type` is `automatic` or `both`.
fn effective_rules(cfg: Option<&Map<String, Value>>) -> Vec<(String, Value, bool)> {
    let Some(cfg) = cfg else {
        return Vec::new();
    };
    let automatic = matches!(
        cfg.get("lock_type").and_then(Value::as_str),
        Some("automatic" | "both")
    );
    if !automatic {
        return Vec::new();
    }
    cfg.get("locking_rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let id = r.get("id")?.as_str()?.to_owned();
            let criteria = r.get("criteria")?.clone();
            let existing = r
                .get("lock_existing_records")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            Some((id, criteria, existing))
        })
        .collect()
}

fn config_id(cfg: Option<&Map<String, Value>>) -> String {
    cfg.and_then(|c| c.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn automatic_lock(state: &mut State, rule: &str, config: &str) -> Lock {
    Lock {
        id: state.ids.next_id(),
        rule: Some(rule.to_owned()),
        locked_by: None,
        reason: None,
        time: state.now(),
        config: config.to_owned(),
    }
}

/// After `module`'s configuration was saved: `before` is the configuration as it was (None
/// when it was just created). Releases the automatic locks that no longer hold, then lets each
/// rule saved now with `lock_existing_records` lock the records it matches.
pub(crate) fn configuration_saved(
    state: &mut State,
    module: &str,
    before: Option<&Map<String, Value>>,
) {
    let cfg = state.locking.get(module).cloned();
    let rules = effective_rules(cfg.as_ref());
    let old_rules = effective_rules(before);
    let config = config_id(cfg.as_ref());
    // A rule is saved now when it is new, or changed, or automatic locking was just turned on.
    let saved: Vec<&(String, Value, bool)> = rules
        .iter()
        .filter(|r| r.2 && !old_rules.contains(r))
        .collect();
    let Some(ids) = state
        .records
        .by_module
        .get(module)
        .map(|m| m.keys().cloned().collect::<Vec<_>>())
    else {
        return;
    };
    for id in ids {
        let Some(record) = state.records.by_module.get(module).and_then(|m| m.get(&id)) else {
            continue;
        };
        let mut release = false;
        let mut lock_by = None;
        match &record.lock {
            Some(lock) if lock.is_automatic() => {
                let holds = rules.iter().any(|(rid, criteria, _)| {
                    lock.rule.as_deref() == Some(rid.as_str()) && matches(criteria, record)
                });
                release = !holds;
            }
            Some(_) => {}
            None => {}
        }
        if record.lock.is_none() || release {
            lock_by = saved
                .iter()
                .find(|(_, criteria, _)| matches(criteria, record))
                .map(|(rid, _, _)| rid.clone());
        }
        if !release && lock_by.is_none() {
            continue;
        }
        let lock = lock_by.map(|rid| automatic_lock(state, &rid, &config));
        if let Some(record) = state
            .records
            .by_module
            .get_mut(module)
            .and_then(|m| m.get_mut(&id))
        {
            record.lock = lock;
        }
    }
}

/// After a record was added or changed: releases its automatic lock if the rule no longer
/// matches, and locks it by the first matching rule if it has no lock.
pub(crate) fn record_saved(state: &mut State, module: &str, id: &str) {
    let cfg = state.locking.get(module).cloned();
    let rules = effective_rules(cfg.as_ref());
    let config = config_id(cfg.as_ref());
    let Some(record) = state.records.by_module.get(module).and_then(|m| m.get(id)) else {
        return;
    };
    let mut lock = record.lock.clone();
    if let Some(l) = &lock {
        if l.is_automatic()
            && !rules.iter().any(|(rid, criteria, _)| {
                l.rule.as_deref() == Some(rid.as_str()) && matches(criteria, record)
            })
        {
            lock = None;
        }
    }
    if lock.is_none() {
        if let Some((rid, _, _)) = rules.iter().find(|(_, c, _)| matches(c, record)) {
            let rid = rid.clone();
            lock = Some(automatic_lock(state, &rid, &config));
        }
    }
    if let Some(record) = state
        .records
        .by_module
        .get_mut(module)
        .and_then(|m| m.get_mut(id))
    {
        record.lock = lock;
    }
}

/// After `module`'s configuration was deleted: every record of the module is unlocked.
pub(crate) fn unlock_all(state: &mut State, module: &str) {
    if let Some(records) = state.records.by_module.get_mut(module) {
        for r in records.values_mut() {
            r.lock = None;
        }
    }
}

// ------------------------------------------------------------------ JSON

/// `{name, id}` of a user by id (the id alone when the user is unknown).
pub(crate) fn user_ref(state: &State, id: &str) -> Value {
    let name = state
        .dir
        .users
        .iter()
        .find(|u| u.id == id)
        .map(|u| u.name.clone());
    json!({ "name": name, "id": id })
}

/// The lock as the `RecordLock` schema has it (every key).
pub(crate) fn lock_json(state: &State, m: &ModuleInfo, record: &Record, lock: &Lock) -> Value {
    let manual = !lock.is_automatic();
    json!({
        "id": lock.id,
        "Locked_For__s": {
            "module": { "api_name": m.api_name, "id": m.id },
            "name": record.name,
            "id": record.id,
        },
        "Locked_By__s": lock.locked_by.as_deref().map(|u| user_ref(state, u)),
        "Locked_Time__s": lock.time,
        "Locked_Reason__s": lock.reason,
        "Lock_Source__s": if manual { "Manual" } else { "Automatic" },
        "Record_Locking_Configuration_Id__s": lock.config,
        "Record_Locking_Rule_Id__s": lock.rule,
        "Feature_Type__s": "record_locking",
        "$editable": manual,
        "$sharing_permission": if manual { "full_access" } else { "read_only" },
        "$field_states": null,
        "$zia_visions": null,
    })
}

/// A record as the control surface shows it: id, name, owner, field values and its lock.
pub(crate) fn record_json(state: &State, m: &ModuleInfo, record: &Record) -> Value {
    json!({
        "id": record.id,
        "name": record.name,
        "owner": user_ref(state, &record.owner),
        "fields": record.fields,
        "lock": record.lock.as_ref().map(|l| lock_json(state, m, record, l)),
    })
}

// ------------------------------------------------------------------ changes (control surface)

/// A record to add with [`Simulator::add_records`](super::Simulator::add_records) (or
/// `POST /__simulator/records/{module}`): its name, its owner (default: the user the tokens
/// belong to) and field values.
///
/// ```
/// use zoho_crm_access_simulator::NewRecord;
///
/// let deal = NewRecord::new("Bulk deal 1")
///     .field("Stage", "Qualification")
///     .field("Amount", 1200);
/// assert_eq!(deal.name, "Bulk deal 1");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct NewRecord {
    /// The record's name (`Locked_For__s.name` of its locks), 1 to 255 characters.
    pub name: String,
    /// Id of the owning user of the org; `None` for the user the tokens belong to.
    pub owner: Option<String>,
    /// Field API name (of the module's fields, but `Owner` and `Tag`) -> a string of at most
    /// 255 characters, a number, a boolean or null.
    pub fields: Map<String, Value>,
}

impl NewRecord {
    /// A record named `name`, owned by the user the tokens belong to, without field values.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// With the value of one field.
    pub fn field(mut self, api_name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.fields.insert(api_name.into(), value.into());
        self
    }

    /// Owned by the user with this id.
    pub fn owner(mut self, user_id: impl Into<String>) -> Self {
        self.owner = Some(user_id.into());
        self
    }
}

/// A record of the simulated org, as [`Simulator::records`](super::Simulator::records) returns
/// it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RecordInfo {
    /// Record id (19 digits; different in every org seed).
    pub id: String,
    /// Record name (the same in every org seed for the seeded records).
    pub name: String,
    /// Id of the owning user.
    pub owner: String,
    /// Field API name -> value.
    pub fields: Map<String, Value>,
    /// The record's lock entry as `getRecordLocks` answers it (every key), or `None` when the
    /// record is not locked.
    pub lock: Option<Value>,
}

impl RecordInfo {
    pub(crate) fn of(state: &State, m: &ModuleInfo, r: &Record) -> Self {
        Self {
            id: r.id.clone(),
            name: r.name.clone(),
            owner: r.owner.clone(),
            fields: r.fields.clone(),
            lock: r.lock.as_ref().map(|l| lock_json(state, m, r, l)),
        }
    }

    /// `Lock_Source__s` of the record's lock (`Manual`, `Automatic`), if it is locked.
    pub fn lock_source(&self) -> Option<&str> {
        self.lock.as_ref()?.get("Lock_Source__s")?.as_str()
    }
}

/// The records of `module` as [`RecordInfo`]s, in creation order.
pub(crate) fn infos(state: &State, module: &str) -> Result<Vec<RecordInfo>, String> {
    let m = locking_module(state, module)?;
    Ok(state
        .records
        .module(&m.api_name)
        .into_iter()
        .flat_map(BTreeMap::values)
        .map(|r| RecordInfo::of(state, &m, r))
        .collect())
}

/// The module, if it supports record locking (only those have records).
fn locking_module(state: &State, module: &str) -> Result<ModuleInfo, String> {
    match state.module(module) {
        Some(m) if m.record_locking => Ok(m),
        Some(_) => Err(format!(
            "{module} does not support record locking, so it has no records here"
        )),
        None => Err(format!("{module} is not a module of the org")),
    }
}

fn check_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() || name.chars().count() > MAX_TEXT {
        return Err(format!("name must be 1 to {MAX_TEXT} characters"));
    }
    Ok(())
}

fn check_owner(state: &State, owner: &str) -> Result<(), String> {
    if state.dir.users.iter().any(|u| u.id == owner) {
        Ok(())
    } else {
        Err(format!(
            "owner {owner:?} is not the id of a user of the org"
        ))
    }
}

/// Checks field values against the module's catalogue: known fields but `Owner` and `Tag`
/// (the owner has its own key), scalar values, text of at most [`MAX_TEXT`] characters.
fn check_fields(m: &ModuleInfo, fields: &Map<String, Value>) -> Result<(), String> {
    for (k, v) in fields {
        if m.field(k).is_none() || k == "Owner" || k == "Tag" {
            return Err(format!(
                "{k:?} is not a field of {} that records here carry (GET /__simulator/directory)",
                m.api_name
            ));
        }
        match v {
            Value::String(s) if s.chars().count() > MAX_TEXT => {
                return Err(format!("{k}: text of at most {MAX_TEXT} characters"))
            }
            Value::Array(_) | Value::Object(_) => {
                return Err(format!("{k}: a string, number, boolean or null"))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Adds records to `module` (all or none) and returns their ids; automatic rules lock those
/// that match.
pub(crate) fn add(
    state: &mut State,
    module: &str,
    new: Vec<NewRecord>,
) -> Result<Vec<String>, String> {
    let m = locking_module(state, module)?;
    if new.is_empty() || new.len() > MAX_ADD {
        return Err(format!("add 1 to {MAX_ADD} records per call"));
    }
    let have = state.records.module(&m.api_name).map_or(0, BTreeMap::len);
    if have + new.len() > MAX_PER_MODULE {
        return Err(format!(
            "{} holds {have} records; at most {MAX_PER_MODULE} per module",
            m.api_name
        ));
    }
    if state.records.total + new.len() > MAX_TOTAL {
        return Err(format!(
            "the org holds {} records; at most {MAX_TOTAL} in all",
            state.records.total
        ));
    }
    for (i, r) in new.iter().enumerate() {
        check_name(&r.name).map_err(|e| format!("records[{i}]: {e}"))?;
        if let Some(o) = &r.owner {
            check_owner(state, o).map_err(|e| format!("records[{i}]: {e}"))?;
        }
        check_fields(&m, &r.fields).map_err(|e| format!("records[{i}]: {e}"))?;
    }
    let me = state.dir.current_user().id.clone();
    let mut ids = Vec::with_capacity(new.len());
    for r in new {
        let id = state.records.ids.next_id();
        let record = Record {
            id: id.clone(),
            name: r.name,
            owner: r.owner.unwrap_or_else(|| me.clone()),
            fields: r.fields,
            lock: None,
        };
        state
            .records
            .by_module
            .entry(m.api_name.clone())
            .or_default()
            .insert(id.clone(), record);
        state.records.total += 1;
        record_saved(state, &m.api_name, &id);
        ids.push(id);
    }
    Ok(ids)
}

/// Changes a record: the given field values (null clears one), and its name or owner when
/// given. Automatic locks are checked again.
pub(crate) fn change(
    state: &mut State,
    module: &str,
    id: &str,
    name: Option<String>,
    owner: Option<String>,
    fields: Map<String, Value>,
) -> Result<(), String> {
    let m = locking_module(state, module)?;
    if let Some(n) = &name {
        check_name(n)?;
    }
    if let Some(o) = &owner {
        check_owner(state, o)?;
    }
    check_fields(&m, &fields)?;
    let record = state
        .records
        .by_module
        .get_mut(&m.api_name)
        .and_then(|r| r.get_mut(id))
        .ok_or_else(|| format!("{} has no record {id:?}", m.api_name))?;
    if let Some(n) = name {
        record.name = n;
    }
    if let Some(o) = owner {
        record.owner = o;
    }
    for (k, v) in fields {
        record.fields.insert(k, v);
    }
    record_saved(state, &m.api_name, id);
    Ok(())
}

/// The records of `module` (from `offset`, at most `limit`), as the control surface shows them,
/// and how many the module holds.
pub(crate) fn list(
    state: &State,
    module: &str,
    offset: usize,
    limit: usize,
) -> Result<(Vec<Value>, usize), String> {
    let m = locking_module(state, module)?;
    let Some(records) = state.records.module(&m.api_name) else {
        return Ok((Vec::new(), 0));
    };
    let out = records
        .values()
        .skip(offset)
        .take(limit)
        .map(|r| record_json(state, &m, r))
        .collect();
    Ok((out, records.len()))
}

/// One record of `module`, as the control surface shows it.
pub(crate) fn one(state: &State, module: &str, id: &str) -> Result<Value, String> {
    let m = locking_module(state, module)?;
    state
        .records
        .module(&m.api_name)
        .and_then(|r| r.get(id))
        .map(|r| record_json(state, &m, r))
        .ok_or_else(|| format!("{} has no record {id:?}", m.api_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fields: Value) -> Record {
        let Value::Object(fields) = fields else {
            panic!("an object")
        };
        Record {
            id: "1".into(),
            name: "r".into(),
            owner: "42".into(),
            fields,
            lock: None,
        }
    }

    fn cond(field: &str, comparator: &str, value: Value) -> Value {
        json!({ "field": { "api_name": field }, "comparator": comparator, "value": value })
    }

    #[test]
    fn every_seeded_row_parses_and_names_catalogue_fields() {
        let mut ids = IdGenerator::new(0);
        let dir = super::super::catalogue::seed_directory(&mut ids);
        for m in dir.modules.iter().filter(|m| m.record_locking) {
            let rows = seed_rows(&m.api_name);
            assert!((5..=12).contains(&rows.len()), "{}", m.api_name);
            for (name, fields) in rows {
                assert!(!fields.is_empty(), "{}: {name}", m.api_name);
                for k in fields.keys() {
                    assert!(m.field(k).is_some(), "{}: {k}", m.api_name);
                }
            }
        }
    }

    #[test]
    fn comparators_on_field_values() {
        let r = record(
            json!({ "Stage": "Closed Won", "Amount": 45000, "City": "Miami", "Closing_Date": "2024-03-15" }),
        );
        assert!(matches(&cond("Stage", "equal", json!("closed won")), &r));
        assert!(matches(
            &cond("Stage", "equal", json!(["Qualification", "Closed Won"])),
            &r
        ));
        assert!(!matches(
            &cond("Stage", "not_equal", json!("Closed Won")),
            &r
        ));
        assert!(matches(&cond("Amount", "greater_than", json!("40000")), &r));
        assert!(!matches(&cond("Amount", "less_than", json!(45000)), &r));
        assert!(matches(&cond("Amount", "less_equal", json!(45000)), &r));
        assert!(matches(
            &cond("Amount", "between", json!([40000, 50000])),
            &r
        ));
        assert!(!matches(
            &cond("Amount", "not_between", json!([40000, 50000])),
            &r
        ));
        assert!(matches(&cond("City", "starts_with", json!("mi")), &r));
        assert!(matches(&cond("City", "ends_with", json!("AMI")), &r));
        assert!(matches(&cond("City", "contains", json!("ia")), &r));
        assert!(matches(&cond("City", "not_contains", json!("york")), &r));
        assert!(matches(
            &cond("Closing_Date", "less_than", json!("2024-04-01")),
            &r
        ));
        assert!(matches(&cond("Owner", "equal", json!({ "id": "42" })), &r));
        // A field without a value.
        assert!(matches(&cond("State", "equal", json!(null)), &r));
        assert!(!matches(&cond("State", "equal", json!("FL")), &r));
        assert!(matches(&cond("State", "not_equal", json!("FL")), &r));
        assert!(!matches(&cond("State", "greater_than", json!("A")), &r));
        assert!(!matches(&cond("State", "contains", json!("")), &r));
        // Groups.
        let and = json!({ "group_operator": "AND", "group": [
            cond("Stage", "equal", json!("Closed Won")), cond("City", "equal", json!("Boston")),
        ]});
        let or = json!({ "group_operator": "OR", "group": [
            cond("Stage", "equal", json!("Closed Won")), cond("City", "equal", json!("Boston")),
        ]});
        assert!(!matches(&and, &r));
        assert!(matches(&or, &r));
        // Unreadable criteria match nothing.
        assert!(!matches(&json!({}), &r));
        assert!(!matches(&cond("Stage", "in", json!(["Closed Won"])), &r));
    }
}
