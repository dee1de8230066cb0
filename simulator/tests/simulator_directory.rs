//! The simulator's directory over real HTTP on loopback: roles and their hierarchy, user groups
//! and their members, profiles, modules, fields and users, with Zoho's paging, 204s, errors and
//! scopes; and org seeds that keep names and change ids. Every body is checked against the
//! generated type the spec names for it (`simulator_support::check_conforms`).

mod simulator_support;

use std::collections::BTreeMap;

use serde_json::Value;
use simulator_support::Api;
use zoho_crm_access_simulator::Simulator;

fn names(list: &Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {list}"))
        .iter()
        .map(|x| x["name"].as_str().unwrap().to_owned())
        .collect()
}

fn by_name<'a>(list: &'a Value, key: &str, name: &str) -> &'a Value {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {key}"))
}

#[tokio::test]
async fn roles_form_a_hierarchy_and_unknown_ids_are_204() {
    let api = Api::start().await;
    let r = api.call("getRoles", "GET", "settings/roles", None).await;
    assert_eq!(r.status, 200);
    let roles = r.json();
    assert_eq!(
        names(roles, "roles"),
        [
            "CEO",
            "Manager",
            "Sales Representative",
            "Support Manager",
            "Support Agent"
        ]
    );
    let parent = |name: &str| by_name(roles, "roles", name)["reporting_to"]["name"].clone();
    assert_eq!(by_name(roles, "roles", "CEO")["reporting_to"], Value::Null);
    assert_eq!(parent("Manager"), "CEO");
    assert_eq!(parent("Sales Representative"), "Manager");
    assert_eq!(parent("Support Manager"), "CEO");
    assert_eq!(parent("Support Agent"), "Support Manager");
    assert_eq!(
        by_name(roles, "roles", "Manager")["reporting_to"]["id"],
        api.sim.role_id("CEO").unwrap()
    );

    let manager = api.sim.role_id("Manager").unwrap();
    let one = api
        .call("getRole", "GET", &format!("settings/roles/{manager}"), None)
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.json()["roles"].as_array().unwrap().len(), 1);
    assert_eq!(one.json()["roles"][0]["name"], "Manager");

    let none = api
        .call("getRole", "GET", "settings/roles/1234567890123456789", None)
        .await;
    assert_eq!((none.status, none.body), (204, None));
    let bad = api.call("getRole", "GET", "settings/roles/abc", None).await;
    assert_eq!((bad.status, bad.flat_code()), (400, "INVALID_DATA"));
    assert_eq!(bad.json()["details"]["resource_path_index"], 2);
    // The directory is read-only.
    let post = api.call("getRoles", "POST", "settings/roles", None).await;
    assert_eq!(
        (post.status, post.flat_code()),
        (400, "INVALID_REQUEST_METHOD")
    );
}

#[tokio::test]
async fn user_groups_are_paged_filtered_and_counted() {
    let api = Api::start().await;
    let page = |p: u32| format!("settings/user_groups?include=sources_count&per_page=1&page={p}");
    let first = api.call("getUserGroups", "GET", &page(1), None).await;
    assert_eq!(first.status, 200);
    assert_eq!(names(first.json(), "user_groups"), ["Miami Users"]);
    assert_eq!(first.json()["info"]["more_records"], true);
    assert_eq!(first.json()["info"]["per_page"], 1);
    // In a group, `users` is one number (Zoho's published example does the same).
    assert_eq!(
        first.json()["user_groups"][0]["sources_count"],
        serde_json::json!({ "users": 2, "roles": 1, "territories": 0, "groups": 0 })
    );
    let last = api.call("getUserGroups", "GET", &page(3), None).await;
    assert_eq!(names(last.json(), "user_groups"), ["Support Team"]);
    assert_eq!(last.json()["info"]["more_records"], false);
    let past = api.call("getUserGroups", "GET", &page(4), None).await;
    assert_eq!((past.status, past.body), (204, None));

    // Without include, no counts.
    let all = api
        .call("getUserGroups", "GET", "settings/user_groups", None)
        .await;
    assert_eq!(
        names(all.json(), "user_groups"),
        ["Miami Users", "Sales Team", "Support Team"]
    );
    assert!(all.json()["user_groups"][0].get("sources_count").is_none());

    // name, ids and filters narrow the list.
    let sales = api.sim.group_id("Sales Team").unwrap();
    let by_name_q = api
        .call(
            "getUserGroups",
            "GET",
            "settings/user_groups?name=Sales%20Team",
            None,
        )
        .await;
    assert_eq!(names(by_name_q.json(), "user_groups"), ["Sales Team"]);
    let by_ids = api
        .call(
            "getUserGroups",
            "GET",
            &format!("settings/user_groups?ids={sales}"),
            None,
        )
        .await;
    assert_eq!(names(by_ids.json(), "user_groups"), ["Sales Team"]);
    let filters = urlencode(
        r#"{"group_operator":"or","group":[{"field":{"api_name":"name"},"comparator":"starts_with","value":"Sup"},{"field":{"api_name":"name"},"comparator":"equal","value":"Miami Users"}]}"#,
    );
    let filtered = api
        .call(
            "getUserGroups",
            "GET",
            &format!("settings/user_groups?filters={filters}"),
            None,
        )
        .await;
    assert_eq!(
        names(filtered.json(), "user_groups"),
        ["Miami Users", "Support Team"]
    );
    let none = api
        .call(
            "getUserGroups",
            "GET",
            "settings/user_groups?name=Nobody",
            None,
        )
        .await;
    assert_eq!(none.status, 204);

    // Zoho's documented errors.
    let not_json = api
        .call(
            "getUserGroups",
            "GET",
            "settings/user_groups?filters=%7Bname",
            None,
        )
        .await;
    assert_eq!(
        (not_json.status, not_json.flat_code()),
        (400, "INVALID_DATA")
    );
    assert_eq!(not_json.json()["details"]["param_name"], "filters");
    for bad in [
        "per_page=201",
        "page=0",
        "include=members",
        "ids=12,abc",
        "name=",
    ] {
        let r = api
            .call(
                "getUserGroups",
                "GET",
                &format!("settings/user_groups?{bad}"),
                None,
            )
            .await;
        assert_eq!((r.status, r.flat_code()), (400, "INVALID_DATA"), "{bad}");
    }
}

#[tokio::test]
async fn a_group_its_members_and_their_count() {
    let api = Api::start().await;
    let support = api.sim.group_id("Support Team").unwrap();
    let g = api
        .call(
            "getGroup",
            "GET",
            &format!("settings/user_groups/{support}?include=sources_count"),
            None,
        )
        .await;
    assert_eq!(g.status, 200);
    assert_eq!(g.json()["user_groups"][0]["name"], "Support Team");
    assert_eq!(g.json()["user_groups"][0]["sources_count"]["groups"], 1);

    let sources = api
        .call(
            "getUserGroupSources",
            "GET",
            &format!("settings/user_groups/{support}/sources"),
            None,
        )
        .await;
    assert_eq!(sources.status, 200);
    let members: Vec<(String, String, Value)> = sources.json()["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["type"].as_str().unwrap().to_owned(),
                s["source"]["name"].as_str().unwrap().to_owned(),
                s.get("subordinates").cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
    assert_eq!(
        members,
        [
            ("roles".into(), "Support Manager".into(), Value::Bool(true)),
            ("users".into(), "Olivia Chen".into(), Value::Null),
            ("groups".into(), "Miami Users".into(), Value::Null),
        ]
    );
    let roles_only = api
        .call(
            "getUserGroupSources",
            "GET",
            &format!("settings/user_groups/{support}/sources?type=roles"),
            None,
        )
        .await;
    assert_eq!(roles_only.json()["sources"].as_array().unwrap().len(), 1);
    let no_territories = api
        .call(
            "getUserGroupSources",
            "GET",
            &format!("settings/user_groups/{support}/sources?type=territories"),
            None,
        )
        .await;
    assert_eq!(no_territories.status, 204);
    let pattern = api
        .call(
            "getUserGroupSources",
            "GET",
            &format!("settings/user_groups/{support}/sources?type=people"),
            None,
        )
        .await;
    assert_eq!(
        (pattern.status, pattern.flat_code()),
        (400, "PATTERN_NOT_MATCHED")
    );
    assert_eq!(
        pattern.json()["details"]["regex"],
        "users|roles|groups|territories"
    );

    // Olivia Chen is inactive: the count says so.
    let count = api
        .call(
            "getUserGroupSourcesCount",
            "GET",
            &format!("settings/user_groups/{support}/actions/sources_count"),
            None,
        )
        .await;
    assert_eq!(count.status, 200);
    assert_eq!(
        count.json()["sources_count"][0],
        serde_json::json!({ "users": { "active": 0, "inactive": 1, "deleted": 0 }, "roles": 1, "territories": 0, "groups": 1 })
    );

    // Unknown and malformed group ids.
    let unknown = "1234567890123456789";
    let none = api
        .call(
            "getGroup",
            "GET",
            &format!("settings/user_groups/{unknown}"),
            None,
        )
        .await;
    assert_eq!(none.status, 204);
    for (op, path) in [
        ("getGroup", "settings/user_groups/x1".to_owned()),
        (
            "getUserGroupSources",
            format!("settings/user_groups/{unknown}/sources"),
        ),
        (
            "getUserGroupSourcesCount",
            format!("settings/user_groups/{unknown}/actions/sources_count"),
        ),
    ] {
        let r = api.call(op, "GET", &path, None).await;
        assert_eq!((r.status, r.flat_code()), (400, "INVALID_DATA"), "{path}");
        assert_eq!(r.json()["details"]["resource_path_index"], 2, "{path}");
    }
}

#[tokio::test]
async fn profiles_list_page_and_carry_permissions() {
    let api = Api::start().await;
    let list = api
        .call("getProfiles", "GET", "settings/profiles", None)
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(
        names(list.json(), "profiles"),
        ["Administrator", "Standard", "Sales Manager"]
    );
    assert_eq!(list.json()["info"]["license_limit"], 200);
    assert_eq!(
        by_name(list.json(), "profiles", "Sales Manager")["custom"],
        true
    );
    assert!(list.json()["profiles"][0]
        .get("permissions_details")
        .is_none());

    let lite = api
        .call(
            "getProfiles",
            "GET",
            "settings/profiles?include_types=Lite",
            None,
        )
        .await;
    assert_eq!(
        by_name(lite.json(), "profiles", "Team User")["type"],
        "lite_profile"
    );
    let paged = api
        .call(
            "getProfiles",
            "GET",
            "settings/profiles?per_page=2&page=2",
            None,
        )
        .await;
    assert_eq!(names(paged.json(), "profiles"), ["Sales Manager"]);
    assert_eq!(paged.json()["info"]["more_records"], false);
    let past = api
        .call(
            "getProfiles",
            "GET",
            "settings/profiles?per_page=2&page=9",
            None,
        )
        .await;
    assert_eq!(past.status, 200);
    assert_eq!(past.json()["profiles"], serde_json::json!([]));
    let filters = urlencode(
        r#"{"group_operator":"or","group":[{"field":{"api_name":"name"},"comparator":"equal","value":"Administrator","type":"value"}]}"#,
    );
    let filtered = api
        .call(
            "getProfiles",
            "GET",
            &format!("settings/profiles?filters={filters}"),
            None,
        )
        .await;
    assert_eq!(names(filtered.json(), "profiles"), ["Administrator"]);
    let bad = api
        .call(
            "getProfiles",
            "GET",
            "settings/profiles?type=lite_profile",
            None,
        )
        .await;
    assert_eq!((bad.status, bad.flat_code()), (400, "INVALID_DATA"));
    assert_eq!(bad.json()["details"]["param_name"], "type");

    // One profile: its permissions and the permission tree.
    let permission = |profile: &Value, name: &str| -> bool {
        profile["permissions_details"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no {name}"))["enabled"]
            .as_bool()
            .unwrap()
    };
    let get = |name: &str| {
        let id = api.sim.profile_id(name).unwrap();
        let api = &api;
        async move {
            let r = api
                .call(
                    "getProfile",
                    "GET",
                    &format!("settings/profiles/{id}"),
                    None,
                )
                .await;
            assert_eq!(r.status, 200);
            r.json()["profiles"][0].clone()
        }
    };
    let admin = get("Administrator").await;
    let standard = get("Standard").await;
    assert!(permission(&admin, "Crm_Implied_Manage_Groups"));
    assert!(!permission(&standard, "Crm_Implied_Manage_Groups"));
    assert!(permission(&standard, "Crm_Implied_Edit_Deals"));
    let deals = admin["sections"][0]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["module"] == "Deals")
        .unwrap();
    assert_eq!(deals["permissions_details"].as_array().unwrap().len(), 4);
    let gone = api
        .call(
            "getProfile",
            "GET",
            "settings/profiles/1234567890123456789",
            None,
        )
        .await;
    assert_eq!((gone.status, gone.flat_code()), (400, "INVALID_DATA"));
    assert_eq!(
        gone.json()["message"],
        "the id given seems to be invalid or already deleted"
    );
}

#[tokio::test]
async fn modules_by_list_api_name_and_id() {
    let api = Api::start().await;
    let list = api
        .call("getModules", "GET", "settings/modules", None)
        .await;
    assert_eq!(list.status, 200);
    let modules = list.json()["modules"].as_array().unwrap();
    let leads = modules.iter().find(|m| m["api_name"] == "Leads").unwrap();
    assert_eq!(leads["id"], api.sim.module_id("Leads").unwrap());
    let events = modules.iter().find(|m| m["api_name"] == "Events").unwrap();
    assert_eq!(events["module_name"], "Meetings");
    let projects = modules
        .iter()
        .find(|m| m["api_name"] == "Projects")
        .unwrap();
    assert_eq!(projects["generated_type"], "custom");

    let by_name_r = api
        .call("getModuleByApiName", "GET", "settings/modules/Deals", None)
        .await;
    assert_eq!(by_name_r.json()["modules"][0]["api_name"], "Deals");
    let id = api.sim.module_id("Deals").unwrap();
    let by_id = api
        .call(
            "getModuleByApiName",
            "GET",
            &format!("settings/modules/{id}"),
            None,
        )
        .await;
    assert_eq!(by_id.json()["modules"][0]["api_name"], "Deals");
    // API names are case-sensitive.
    let lower = api
        .call("getModuleByApiName", "GET", "settings/modules/deals", None)
        .await;
    assert_eq!((lower.status, lower.flat_code()), (400, "INVALID_MODULE"));
    assert_eq!(lower.json()["details"]["resource_path_index"], 2);

    let visible = api
        .call(
            "getModules",
            "GET",
            "settings/modules?status=user_hidden,visible",
            None,
        )
        .await;
    assert_eq!(visible.status, 200);
    let hidden = api
        .call(
            "getModules",
            "GET",
            "settings/modules?status=user_hidden",
            None,
        )
        .await;
    assert_eq!(hidden.status, 204);
    let bad = api
        .call(
            "getModules",
            "GET",
            "settings/modules?status=visible,shown",
            None,
        )
        .await;
    assert_eq!((bad.status, bad.flat_code()), (400, "INVALID_DATA"));
    assert_eq!(bad.json()["details"]["index"], 1);
    assert_eq!(bad.json()["details"]["param_name"], "status");
    let feature = api
        .call("getModules", "GET", "settings/modules?feature_name=", None)
        .await;
    assert_eq!((feature.status, feature.flat_code()), (400, "INVALID_DATA"));
}

#[tokio::test]
async fn fields_of_a_module_by_list_and_id() {
    let api = Api::start().await;
    let r = api
        .call("getFields", "GET", "settings/fields?module=Deals", None)
        .await;
    assert_eq!(r.status, 200);
    let fields = r.json()["fields"].as_array().unwrap();
    let deals = api.sim.directory();
    let deals = deals.module("Deals").unwrap();
    assert_eq!(fields.len(), deals.fields.len());
    let stage = fields.iter().find(|f| f["api_name"] == "Stage").unwrap();
    assert_eq!(stage["id"], deals.field("Stage").unwrap().id);
    assert_eq!(stage["data_type"], "picklist");
    assert!(stage["pick_list_values"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["actual_value"] == "Closed Won"));
    let account = fields
        .iter()
        .find(|f| f["api_name"] == "Account_Name")
        .unwrap();
    assert_eq!(account["data_type"], "lookup");
    assert_eq!(
        account["lookup"]["module"]["id"],
        api.sim.module_id("Accounts").unwrap()
    );
    let expected = fields
        .iter()
        .find(|f| f["api_name"] == "Expected_Revenue")
        .unwrap();
    assert_eq!(expected["read_only"], true);

    let id = deals.field("Stage").unwrap().id.clone();
    let one = api
        .call(
            "getFieldsWithID",
            "GET",
            &format!("settings/fields/{id}?module=Deals"),
            None,
        )
        .await;
    assert_eq!(one.json()["fields"][0]["api_name"], "Stage");
    // Stage is a field of Deals, not of Leads.
    let elsewhere = api
        .call(
            "getFieldsWithID",
            "GET",
            &format!("settings/fields/{id}?module=Leads"),
            None,
        )
        .await;
    assert_eq!(elsewhere.status, 204);
    let unused = api
        .call(
            "getFields",
            "GET",
            "settings/fields?module=Deals&type=unused",
            None,
        )
        .await;
    assert_eq!(unused.status, 204);
    let missing = api.call("getFields", "GET", "settings/fields", None).await;
    assert_eq!(
        (missing.status, missing.flat_code()),
        (400, "REQUIRED_PARAM_MISSING")
    );
    let unknown = api
        .call("getFields", "GET", "settings/fields?module=Nope", None)
        .await;
    assert_eq!(
        (unknown.status, unknown.flat_code()),
        (400, "INVALID_MODULE")
    );
    let bad_id = api
        .call(
            "getFieldsWithID",
            "GET",
            "settings/fields/Stage?module=Deals",
            None,
        )
        .await;
    assert_eq!((bad_id.status, bad_id.flat_code()), (400, "INVALID_DATA"));
}

#[tokio::test]
async fn users_by_type_and_the_current_user() {
    let api = Api::start().await;
    let emails = |r: &simulator_support::Answer| -> Vec<String> {
        r.json()["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap().to_owned())
            .collect()
    };
    // What Zoho's SDKs call right after they get a token (404 before issue 13).
    let me = api
        .call("getUsers", "GET", "users?type=CurrentUser", None)
        .await;
    assert_eq!(me.status, 200);
    assert_eq!(emails(&me), ["patricia.boyle@example.com"]);
    let user = &me.json()["users"][0];
    assert_eq!(user["role"]["name"], "CEO");
    assert_eq!(user["profile"]["name"], "Administrator");
    assert_eq!(
        user["id"],
        api.sim.user_id("patricia.boyle@example.com").unwrap()
    );

    let count = |kind: &str| {
        let api = &api;
        let kind = kind.to_owned();
        async move {
            let r = api
                .call("getUsers", "GET", &format!("users?type={kind}"), None)
                .await;
            if r.status == 204 {
                0
            } else {
                r.json()["users"].as_array().unwrap().len()
            }
        }
    };
    assert_eq!(count("AllUsers").await, 6);
    assert_eq!(count("ActiveUsers").await, 5);
    assert_eq!(count("DeactiveUsers").await, 1);
    assert_eq!(count("NotConfirmedUsers").await, 1);
    assert_eq!(count("ActiveConfirmedUsers").await, 4);
    assert_eq!(count("AdminUsers").await, 1);
    assert_eq!(count("ConfirmedReportingUsers").await, 2);
    assert_eq!(count("DeletedUsers").await, 0);

    let manager = api.sim.role_id("Manager").unwrap();
    let below = api
        .call(
            "getUsers",
            "GET",
            &format!("users?type=SubordinateRoleUsers&role_id={manager}"),
            None,
        )
        .await;
    assert_eq!(
        emails(&below),
        ["maria.garcia@example.com", "lee.park@example.com"]
    );
    let above = api
        .call(
            "getUsers",
            "GET",
            &format!("users?type=ParentRoleUsers&role_id={manager}"),
            None,
        )
        .await;
    assert_eq!(emails(&above), ["patricia.boyle@example.com"]);

    // Pages of two.
    let p1 = api
        .call("getUsers", "GET", "users?per_page=2&page=1", None)
        .await;
    assert_eq!(p1.json()["info"]["more_records"], true);
    let p3 = api
        .call("getUsers", "GET", "users?per_page=2&page=3", None)
        .await;
    assert_eq!(p3.json()["info"]["more_records"], false);
    let p4 = api
        .call("getUsers", "GET", "users?per_page=2&page=4", None)
        .await;
    assert_eq!(p4.status, 204);

    // One user; unknown and malformed ids.
    let john = api.sim.user_id("john.smith@example.com").unwrap();
    let one = api
        .call("getSingleUser", "GET", &format!("users/{john}"), None)
        .await;
    assert_eq!(
        one.json()["users"][0]["Reporting_To"]["name"],
        "Patricia Boyle"
    );
    assert!(one.json().get("info").is_none());
    let none = api
        .call("getSingleUser", "GET", "users/1234567890123456789", None)
        .await;
    assert_eq!(none.status, 204);
    let bad = api.call("getSingleUser", "GET", "users/me", None).await;
    assert_eq!((bad.status, bad.flat_code()), (400, "INVALID_DATA"));
    assert_eq!(bad.json()["details"]["resource_path_index"], 1);

    // Zoho's documented errors.
    let dependent = api
        .call(
            "getUsers",
            "GET",
            "users?query_id=4150868000000123456",
            None,
        )
        .await;
    assert_eq!(
        (dependent.status, dependent.flat_code()),
        (400, "DEPENDENT_PARAM_MISSING")
    );
    assert_eq!(
        dependent.json()["details"]["dependee"]["param_name"],
        "child_data"
    );
    let no_view = api
        .call(
            "getUsers",
            "GET",
            "users?query_id=4150868000000123456&child_data=true",
            None,
        )
        .await;
    assert_eq!(no_view.json()["message"], "Invalid queryId");
    let no_role = api
        .call("getUsers", "GET", "users?type=ChildRoleUsers", None)
        .await;
    assert_eq!(
        (no_role.status, no_role.flat_code()),
        (400, "DEPENDENT_PARAM_MISSING")
    );
    let bad_type = api
        .call("getUsers", "GET", "users?type=Everyone", None)
        .await;
    assert_eq!(
        (bad_type.status, bad_type.flat_code()),
        (400, "INVALID_DATA")
    );
}

#[tokio::test]
async fn directory_scopes_are_enforced() {
    let api = Api::start().await;
    let call = |token: String, op: &'static str, path: &'static str| {
        let api = &api;
        async move {
            api.call_raw(op, "GET", path, None, Some(&token))
                .await
                .status
        }
    };
    let roles_read = api.sim.issue_access_token(&["ZohoCRM.settings.roles.READ"]);
    assert_eq!(
        call(roles_read.clone(), "getRoles", "settings/roles").await,
        200
    );
    assert_eq!(
        call(roles_read.clone(), "getProfiles", "settings/profiles").await,
        401
    );
    assert_eq!(call(roles_read, "getUsers", "users").await, 401);
    // ZohoCRM.settings.ALL covers every settings API, but not users.
    let settings_all = api.sim.issue_access_token(&["ZohoCRM.settings.ALL"]);
    for (op, path) in [
        ("getRoles", "settings/roles"),
        ("getUserGroups", "settings/user_groups"),
        ("getProfiles", "settings/profiles"),
        ("getModules", "settings/modules"),
        ("getFields", "settings/fields?module=Leads"),
    ] {
        assert_eq!(call(settings_all.clone(), op, path).await, 200, "{path}");
    }
    let r = api
        .call_raw("getUsers", "GET", "users", None, Some(&settings_all))
        .await;
    assert_eq!((r.status, r.flat_code()), (401, "OAUTH_SCOPE_MISMATCH"));
    let users_all = api.sim.issue_access_token(&["ZohoCRM.users.ALL"]);
    assert_eq!(
        call(users_all.clone(), "getUsers", "users?type=CurrentUser").await,
        200
    );
    assert_eq!(call(users_all, "getModules", "settings/modules").await, 401);
    let groups_all = api
        .sim
        .issue_access_token(&["ZohoCRM.settings.user_groups.ALL"]);
    assert_eq!(
        call(groups_all, "getUserGroups", "settings/user_groups").await,
        200
    );
}

/// Names (and users' e-mail addresses) of everything the directory lists, each with its id.
async fn directory_of(sim: &Simulator) -> BTreeMap<String, String> {
    let http = reqwest::Client::new();
    let get = |path: String| {
        let http = &http;
        let url = format!("{}/crm/v8/{path}", sim.api_domain());
        let token = sim.access_token();
        async move {
            http.get(url)
                .header("Authorization", format!("Zoho-oauthtoken {token}"))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let mut out = BTreeMap::new();
    let mut add = |kind: &str, list: &Value, key: &str, name_key: &str| {
        for item in list[key].as_array().unwrap() {
            let name = item[name_key].as_str().unwrap();
            let id = item["id"].as_str().unwrap().to_owned();
            assert!(
                out.insert(format!("{kind}:{name}"), id).is_none(),
                "{kind}:{name}"
            );
        }
    };
    add("role", &get("settings/roles".into()).await, "roles", "name");
    add(
        "group",
        &get("settings/user_groups".into()).await,
        "user_groups",
        "name",
    );
    add(
        "profile",
        &get("settings/profiles?include_types=Lite".into()).await,
        "profiles",
        "name",
    );
    add("user", &get("users".into()).await, "users", "email");
    let modules = get("settings/modules".into()).await;
    add("module", &modules, "modules", "api_name");
    for m in modules["modules"].as_array().unwrap() {
        let api_name = m["api_name"].as_str().unwrap();
        let fields = get(format!("settings/fields?module={api_name}")).await;
        add(&format!("field:{api_name}"), &fields, "fields", "api_name");
    }
    // The hierarchy, by name.
    for role in get("settings/roles".into()).await["roles"]
        .as_array()
        .unwrap()
    {
        out.insert(
            format!("reports:{}", role["name"].as_str().unwrap()),
            role["reporting_to"]["name"]
                .as_str()
                .unwrap_or("-")
                .to_owned(),
        );
    }
    out
}

#[tokio::test]
async fn org_seeds_give_the_same_names_with_different_ids() {
    let default = Simulator::start().await.unwrap();
    let zero = Simulator::builder().org_seed(0).start().await.unwrap();
    let one = Simulator::builder().org_seed(1).start().await.unwrap();
    let two = Simulator::builder().org_seed(2).start().await.unwrap();
    let d0 = directory_of(&default).await;
    let z0 = directory_of(&zero).await;
    let d1 = directory_of(&one).await;
    let d2 = directory_of(&two).await;
    // Org seed 0 is the org the simulator always started with: same ids, same credentials.
    assert_eq!(d0, z0);
    assert_eq!(default.access_token(), zero.access_token());
    // The ids of that org do not move (tests and recordings rely on it).
    assert_eq!(
        default.module_id("Leads").as_deref(),
        Some("6954432000002000003")
    );
    // Same names everywhere ...
    let keys = |d: &BTreeMap<String, String>| d.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&d0), keys(&d1));
    assert_eq!(keys(&d1), keys(&d2));
    assert!(d0.len() > 300, "{}", d0.len());
    // ... the same hierarchy ...
    for (k, v) in d0.iter().filter(|(k, _)| k.starts_with("reports:")) {
        assert_eq!(&d1[k], v);
        assert_eq!(&d2[k], v);
    }
    // ... and no id in common.
    let ids = |d: &BTreeMap<String, String>| {
        d.iter()
            .filter(|(k, _)| !k.starts_with("reports:"))
            .map(|(_, v)| v.clone())
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert!(ids(&d0).is_disjoint(&ids(&d1)));
    assert!(ids(&d1).is_disjoint(&ids(&d2)));
    // Each org has its own credentials: a token of one org opens nothing in another.
    let r = reqwest::Client::new()
        .get(format!("{}/crm/v8/settings/roles", two.api_domain()))
        .header(
            "Authorization",
            format!("Zoho-oauthtoken {}", one.access_token()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_ne!(one.credentials().client_id, two.credentials().client_id);
    // The same org seed is the same org.
    let again = Simulator::builder().org_seed(2).start().await.unwrap();
    assert_eq!(directory_of(&again).await, d2);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
