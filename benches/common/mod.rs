//! Shared by the benchmarks: realistic Zoho bodies built from the spec's shapes, and minimal
//! loopback servers that answer with fixed bodies (no simulator logic, so the server's own cost
//! is the same for the typed client and for the raw baseline).
//!
//! Shapes follow `spec/zoho-crm-access.yaml` and the facts in `zoho-api-facts.md` (sections 1.6,
//! 2.4, 3.4, 3.6, 4.2): ids are 19-digit decimal strings, list items carry no `criteria`,
//! `shared_from` is null for criteria-based rules, `resource` is absent for `all_users`.
#![allow(dead_code)]

use std::net::SocketAddr;

use serde_json::{json, Value};

/// A 19-digit Zoho id (as a string, as Zoho sends them): above 2^53, below i64::MAX.
pub fn zoho_id(n: u64) -> String {
    (5_843_104_000_000_000_000u64 + n).to_string()
}

const ROLES: &[&str] = &[
    "CEO",
    "Manager",
    "Product Manager",
    "Sales Representative",
    "Regional Sales Lead - EMEA",
    "Regional Sales Lead - APAC",
    "Support Engineer",
    "Marketing Specialist",
];
const GROUPS: &[&str] = &[
    "Miami Users",
    "West Coast Sales",
    "Key Account Team",
    "Partner Channel",
    "Inside Sales (Night Shift)",
];
const PERMISSIONS: &[&str] = &["read", "read_write", "read_write_delete"];

/// One sharing rule as a list item (`criteria` absent), or as a get-by-id item when
/// `with_criteria` (then criteria-based rules carry a two-condition AND group and owner-based
/// rules `criteria: null`).
pub fn sharing_rule(module: &str, module_id: &str, n: u64, with_criteria: bool) -> Value {
    let criteria_based = n.is_multiple_of(3);
    let role = ROLES[(n as usize) % ROLES.len()];
    let group = GROUPS[(n as usize) % GROUPS.len()];
    let shared_to = match n % 4 {
        0 => {
            json!({"resource": {"id": zoho_id(601_002 + n % 5), "name": group}, "type": "groups", "subordinates": false})
        }
        1 => {
            json!({"resource": {"id": zoho_id(2_870_001 + n % 8), "name": role}, "type": "roles", "subordinates": false})
        }
        2 => {
            json!({"resource": {"id": zoho_id(2_870_001 + (n + 3) % 8), "name": ROLES[(n as usize + 3) % ROLES.len()]}, "type": "roles", "subordinates": true})
        }
        _ => json!({"type": "all_users", "subordinates": false}),
    };
    let mut rule = json!({
        "id": zoho_id(3_827_009 + n * 17),
        "match_limit_exceeded": false,
        "module": {"api_name": module, "id": module_id, "name": module},
        "name": format!("{module} rule {n}: {role} records to {group}"),
        "permission_type": PERMISSIONS[(n as usize) % PERMISSIONS.len()],
        "shared_to": shared_to,
        "status": if n.is_multiple_of(7) { "inactive" } else { "active" },
        "superiors_allowed": n.is_multiple_of(2),
        "type": if criteria_based { "Criteria_Based" } else { "Record_Owner_Based" },
    });
    let obj = rule.as_object_mut().expect("object");
    if criteria_based {
        obj.insert("shared_from".into(), Value::Null);
    } else {
        obj.insert(
            "shared_from".into(),
            json!({"resource": {"id": zoho_id(2_870_001 + n % 8), "name": role}, "type": "roles", "subordinates": n.is_multiple_of(5)}),
        );
    }
    if with_criteria {
        let criteria = if criteria_based {
            json!({"group_operator": "AND", "group": [
                {"comparator": "equal", "field": {"api_name": "City", "id": zoho_id(2_565)}, "type": "value", "value": "Miami"},
                {"comparator": "equal", "field": {"api_name": "Lead_Source", "id": zoho_id(2_571)}, "type": "value", "value": format!("Trade show {n}")},
            ]})
        } else {
            Value::Null
        };
        obj.insert("criteria".into(), criteria);
    }
    rule
}

/// A page of a sharing-rules list (`GET /settings/data_sharing/rules?module=..`) as Zoho sends
/// it: `sharing_rules` plus `info`. `page` is 1-based; `more_records` is true before the last.
pub fn sharing_rules_page(page: u32, per_page: u32, pages: u32, with_criteria: bool) -> Vec<u8> {
    let module_id = zoho_id(2_175);
    let first = u64::from((page - 1) * per_page);
    let rules: Vec<Value> = (first..first + u64::from(per_page))
        .map(|n| sharing_rule("Leads", &module_id, n, with_criteria))
        .collect();
    serde_json::to_vec(&json!({
        "sharing_rules": rules,
        "info": {"per_page": per_page, "page": page, "count": per_page, "more_records": page < pages},
    }))
    .expect("encode")
}

const STANDARD_MODULES: &[&str] = &[
    "Leads",
    "Accounts",
    "Contacts",
    "Deals",
    "Campaigns",
    "Tasks",
    "Cases",
    "Meetings",
    "Calls",
    "Solutions",
    "Products",
    "Vendors",
    "Price_Books",
    "Quotes",
    "Sales_Orders",
    "Purchase_Orders",
    "Invoices",
    "Appointments__s",
    "Appointments_Rescheduled_History__s",
    "Services__s",
    "Emails",
    "Visits",
];
const SHARE_TYPES: &[&str] = &["private", "public_read_only", "public_read_write", "public"];

/// `GET /settings/data_sharing` with `modules` entries (standard modules first, then custom
/// modules such as `Vendor_Contracts_17`).
pub fn org_permissions(modules: usize) -> Vec<u8> {
    let entries: Vec<Value> = (0..modules)
        .map(|i| {
            let api_name = STANDARD_MODULES
                .get(i)
                .map(|s| (*s).to_owned())
                .unwrap_or_else(|| format!("Vendor_Contracts_{i}"));
            json!({
                "public_in_portals": i.is_multiple_of(11),
                "share_type": SHARE_TYPES[i % SHARE_TYPES.len()],
                "module": {"api_name": api_name, "id": zoho_id(2_652 + 2 * i as u64)},
                "rule_computation_running": i.is_multiple_of(13),
            })
        })
        .collect();
    serde_json::to_vec(&json!({ "data_sharing": entries })).expect("encode")
}

/// `GET /settings/record_locking_configurations?module=Deals`: one configuration with a
/// locking rule, excluded fields and profiles, as in Zoho's published example.
pub fn record_locking_configuration() -> Vec<u8> {
    serde_json::to_vec(&json!({"record_locking_configurations": [{
        "created_time": "2025-11-24T10:43:45+05:30",
        "locked_for": "all_profiles_except_excluded_profiles",
        "excluded_fields": [
            {"api_name": "Annual_Revenue", "id": zoho_id(4_846)},
            {"api_name": "City", "id": zoho_id(4_924)},
            {"api_name": "Description", "id": zoho_id(2_587)},
        ],
        "created_by": {"name": "Patricia Boyle", "id": zoho_id(424_672)},
        "feature_type": "record_locking",
        "locking_rules": [
            {"name": "Closed Won", "id": zoho_id(1_068_052), "lock_existing_records": true,
             "criteria": {"comparator": "equal", "field": {"api_name": "Stage", "id": zoho_id(2_565)}, "type": "value", "value": "Closed Won"}},
            {"name": "Large deals", "id": zoho_id(1_068_060), "lock_existing_records": false,
             "criteria": {"group_operator": "AND", "group": [
                {"comparator": "greater_than", "field": {"api_name": "Amount", "id": zoho_id(2_557)}, "type": "value", "value": "100000"},
                {"comparator": "equal", "field": {"api_name": "Type", "id": zoho_id(2_559)}, "type": "value", "value": "New Business"},
             ]}},
        ],
        "restricted_actions": ["update", "delete", "tags", "convert", "change_owner"],
        "lock_for_portal_users": true,
        "modified_time": "2025-11-24T10:43:45+05:30",
        "restricted_communications": ["send_mail"],
        "system_defined": false,
        "modified_by": {"name": "John Smith", "id": zoho_id(424_001)},
        "id": zoho_id(1_068_044),
        "lock_type": "both",
        "restricted_custom_buttons": null,
        "lock_excluded_profiles": [
            {"name": "Administrator", "id": zoho_id(497)},
            {"name": "Standard", "id": zoho_id(499)},
        ],
    }]}))
    .expect("encode")
}

/// Starts `router` on 127.0.0.1 (an ephemeral port) in the current tokio runtime.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });
    addr
}

/// A JSON response with Zoho's content type.
pub fn json_response(status: u16, body: bytes::Bytes) -> axum::response::Response {
    axum::response::Response::builder()
        .status(status)
        .header("content-type", "application/json;charset=UTF-8")
        .body(axum::body::Body::from(body))
        .expect("response")
}

/// Minimum, median and maximum of `xs` (which must not be empty).
pub fn min_median_max(xs: &[f64]) -> (f64, f64, f64) {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    (v[0], median, v[n - 1])
}
