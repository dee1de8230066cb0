//! A desired-state file that cannot be applied fails before any write, with one line naming
//! the place in the file: another version, a syntax error, a broken rule or limit, a name the
//! target org does not have or has twice.

mod desired_support;
mod support;

use desired_support::{client, org, writes};
use zoho_crm_access::desired::{self, AccessConfig};
use zoho_crm_access::Error;

/// The place, location and one-line message of a desired-state error.
fn desired_error(e: Error) -> (String, Option<(usize, usize)>, String) {
    let line = e.to_string();
    assert!(!line.contains('\n'), "one line: {line}");
    match e {
        Error::Desired {
            place, location, ..
        } => (place, location, line),
        other => panic!("expected Error::Desired, got {other:?}"),
    }
}

const LEADS: &str = "version: 1
scope:
  families: [sharing_rules]
  modules: [Leads]
sharing_rules:
  Leads:
";

#[test]
fn a_file_of_a_future_version_is_refused_naming_the_version() {
    // Keys this version does not know do not hide the real reason.
    let text = "version: 2\nscope: {families: [sharing_rules], modules: [Leads]}\nnew_family: {}\n";
    let (place, _, line) = desired_error(AccessConfig::from_yaml(text).unwrap_err());
    assert_eq!(place, "version");
    assert!(
        line.contains("version 2") && line.contains("version 1"),
        "{line}"
    );
    let (place, _, line) = desired_error(AccessConfig::from_yaml("scope: {}\n").unwrap_err());
    assert_eq!(place, "version");
    assert!(line.contains("version: 1"), "{line}");
}

#[test]
fn syntax_errors_and_unknown_keys_carry_line_and_column() {
    let (_, location, line) =
        desired_error(AccessConfig::from_yaml("version: 1\nscope: [unclosed\n").unwrap_err());
    assert!(location.is_some(), "{line}");
    assert!(line.contains("line "), "{line}");

    let text = format!("{LEADS}  - name: A\n    permision: read\n    to: all_users\n");
    let (place, location, line) = desired_error(AccessConfig::from_yaml(&text).unwrap_err());
    assert_eq!(place, "sharing_rules.Leads[0].permision", "{line}");
    assert_eq!(location.map(|l| l.0), Some(8), "{line}");
    assert_eq!(
        line.matches("sharing_rules").count(),
        1,
        "the path once: {line}"
    );
    assert!(line.contains("permision"), "{line}");

    let text = format!(
        "{LEADS}  - name: A\n    permission: read\n    to: {{grup: X}}\n    from: {{role: CEO}}\n"
    );
    let (place, _, line) = desired_error(AccessConfig::from_yaml(&text).unwrap_err());
    assert_eq!(place, "sharing_rules.Leads[0].to", "{line}");
    assert!(line.contains("grup"), "{line}");
}

#[test]
fn broken_rules_and_limits_name_their_place() {
    let rules: String = (0..6)
        .map(|i| format!("    - {{name: R{i}, criteria: {{field: Stage, comparator: equal, value: S{i}}}}}\n"))
        .collect();
    let text = format!(
        "version: 1\nscope: {{families: [record_locking], modules: [Deals]}}\nrecord_locking:\n  Deals:\n    lock_type: automatic\n    restricted_actions: [update]\n    rules:\n{rules}"
    );
    let (place, _, line) = desired_error(AccessConfig::from_yaml(&text).unwrap_err());
    assert_eq!(place, "record_locking.Deals.rules");
    assert!(line.contains("6 given; Zoho allows at most 5"), "{line}");

    let cases: &[(&str, &str, &str)] = &[
        (
            "version: 1\nscope: {families: [org_permissions], modules: [Leads, Deals]}\norg_permissions: {Leads: private}\n",
            "org_permissions.Deals",
            "every module in scope has a share type",
        ),
        (
            "version: 1\nscope: {families: [org_permissions], modules: [Leads, Price Books]}\norg_permissions: {Leads: private}\n",
            "scope.modules",
            "`Price Books` is not a module API name: it contains a space; a module API name has 1 to",
        ),
        (
            "version: 1\nscope: {families: [sharing_rules], modules: [\"Leads/../Deals\"]}\n",
            "scope.modules",
            "contains `/`",
        ),
        (
            "version: 1\nscope: {families: [org_permissions], modules: [Leads]}\norg_permissions: {Leads: privat}\n",
            "org_permissions.Leads",
            "`privat` is not a share type",
        ),
        (
            "version: 1\nscope: {families: [org_permissions], modules: [Leads]}\norg_permissions: {Leads: private, Deals: public}\n",
            "org_permissions.Deals",
            "not in scope.modules",
        ),
        (
            "version: 1\nscope: {families: [sharing_rules], modules: [Leads]}\nsharing_rules:\n  Leads:\n  - {name: A, permission: read, to: all_users}\n",
            "sharing_rules.Leads[0]",
            "give `from`",
        ),
        (
            "version: 1\nscope: {families: [sharing_rules], modules: [Leads]}\nsharing_rules:\n  Leads:\n  - {name: A, permission: read, to: all_users, from: {role: CEO}}\n  - {name: A, permission: read, to: all_users, from: {role: CEO}}\n",
            "sharing_rules.Leads[1].name",
            "names are unique",
        ),
        (
            "version: 1\nscope: {families: [record_locking], modules: [Deals]}\nrecord_locking:\n  Deals: {lock_type: automatic, restricted_actions: [update]}\n",
            "record_locking.Deals.rules",
            "give at least one",
        ),
        (
            "version: 1\nscope: {families: [record_locking], modules: [Deals]}\nrecord_locking:\n  Deals:\n    lock_type: automatic\n    restricted_actions: [update]\n    rules:\n    - {name: A, criteria: {field: Stage, comparator: equal, value: W}}\n    - {name: B, criteria: {field: Stage, comparator: equal, value: W}}\n",
            "record_locking.Deals.rules[1].criteria",
            "same criteria",
        ),
    ];
    for (text, want_place, want) in cases {
        let (place, _, line) = desired_error(AccessConfig::from_yaml(text).unwrap_err());
        assert_eq!(&place, want_place, "{line}");
        assert!(line.contains(want), "{line}");
    }
}

#[test]
fn a_file_over_the_size_limit_is_not_parsed() {
    let text = format!(
        "version: 1\n#{}\n",
        "x".repeat(AccessConfig::MAX_FILE_BYTES)
    );
    let (_, _, line) = desired_error(AccessConfig::from_yaml(&text).unwrap_err());
    assert!(line.contains("at most"), "{line}");
}

/// Plans `text` against a fresh org and expects a desired-state error with no write made.
async fn refused(
    text: &str,
    setup: impl FnOnce(&zoho_crm_access_simulator::Simulator),
) -> (String, String) {
    let sim = org(7).await;
    setup(&sim);
    let config = AccessConfig::from_yaml(text).expect("the file itself is valid");
    let err = desired::plan(&client(&sim), &config).await.unwrap_err();
    assert!(writes(&sim).is_empty(), "nothing written");
    let (place, _, line) = desired_error(err);
    (place, line)
}

#[tokio::test]
async fn names_the_target_org_does_not_have_fail_the_plan_before_any_write() {
    let rule = |to: &str, extra: &str| {
        format!("{LEADS}  - name: A\n    permission: read\n    to: {to}\n{extra}")
    };
    let (place, line) = refused(
        &rule("{group: Miami Userz}", "    from: {role: CEO}\n"),
        |_| {},
    )
    .await;
    assert_eq!(place, "sharing_rules.Leads[0].to.group");
    // Reproduction (issue 25): the README promised this hint, but only a difference of case
    // or surrounding spaces got one; a typo now gets the nearest name by edit distance.
    assert!(
        line.contains(
            "no user group named \"Miami Userz\" in the target org (did you mean \"Miami Users\"?)"
        ),
        "{line}"
    );
    // Nothing close: no hint rather than a misleading one.
    let (_, line) = refused(
        &rule("{group: Accounting}", "    from: {role: CEO}\n"),
        |_| {},
    )
    .await;
    assert!(!line.contains("did you mean"), "{line}");

    let (place, line) = refused(&rule("{role: manager}", "    from: {role: CEO}\n"), |_| {}).await;
    assert_eq!(place, "sharing_rules.Leads[0].to.role");
    assert!(line.contains("did you mean \"Manager\""), "{line}");

    let (place, _) = refused(
        &rule(
            "all_users",
            "    criteria: {all: [{field: City, comparator: equal, value: Miami}, {field: Town, comparator: equal, value: X}]}\n",
        ),
        |_| {},
    )
    .await;
    assert_eq!(place, "sharing_rules.Leads[0].criteria.all[1].field");

    let locking = "version: 1\nscope: {families: [record_locking], modules: [Deals]}\nrecord_locking:\n  Deals:\n    lock_type: manual\n    restricted_actions: [update]\n";
    let (place, line) = refused(
        &format!("{locking}    locked_for: all_profiles_except_excluded_profiles\n    excluded_profiles: [Sales Boss]\n"),
        |_| {},
    )
    .await;
    assert_eq!(place, "record_locking.Deals.excluded_profiles");
    assert!(line.contains("no profile named \"Sales Boss\""), "{line}");

    let (place, line) = refused(
        &format!("{locking}    editable_fields: [Descripton]\n"),
        |_| {},
    )
    .await;
    assert_eq!(place, "record_locking.Deals.editable_fields");
    assert!(
        line.contains("no field named \"Descripton\"")
            && line.contains("(did you mean \"Description\"?)"),
        "{line}"
    );

    let (place, line) = refused(
        "version: 1\nscope: {families: [sharing_rules], modules: [Dealz]}\n",
        |_| {},
    )
    .await;
    assert_eq!(place, "scope.modules");
    assert!(
        line.contains("\"Dealz\" (did you mean \"Deals\"?)"),
        "{line}"
    );
    let (place, line) = refused(
        "version: 1\nscope: {families: [sharing_rules], modules: [leads]}\n",
        |_| {},
    )
    .await;
    assert_eq!(place, "scope.modules");
    assert!(line.contains("(did you mean \"Leads\"?)"), "{line}");
}

#[test]
fn a_misspelt_value_gets_the_nearest_one_zoho_knows() {
    let text = format!("{LEADS}  - name: A\n    permission: read_wrte\n    to: all_users\n    criteria: {{field: City, comparator: equal, value: Miami}}\n");
    let (place, _, line) = desired_error(AccessConfig::from_yaml(&text).unwrap_err());
    assert_eq!(place, "sharing_rules.Leads[0].permission");
    assert!(line.contains("(did you mean \"read_write\"?)"), "{line}");
}

#[tokio::test]
async fn a_name_two_things_share_fails_the_plan_naming_both() {
    let (place, line) = refused(
        &format!("{LEADS}  - name: A\n    permission: read\n    from: {{role: CEO}}\n    to: {{group: Miami Users}}\n"),
        |sim| {
            sim.add_user_group("Miami Users");
        },
    )
    .await;
    assert_eq!(place, "sharing_rules.Leads[0].to.group");
    assert!(
        line.contains("2 user groups are named \"Miami Users\""),
        "{line}"
    );
}

#[tokio::test]
async fn a_custom_button_the_target_has_not_restricted_says_what_to_do() {
    let (place, line) = refused(
        "version: 1\nscope: {families: [record_locking], modules: [Deals]}\nrecord_locking:\n  Deals:\n    lock_type: manual\n    restricted_actions: [update]\n    restricted_custom_buttons: [Send Quote]\n",
        |_| {},
    )
    .await;
    assert_eq!(place, "record_locking.Deals.restricted_custom_buttons");
    assert!(
        line.contains("Zoho publishes no API that lists custom buttons"),
        "{line}"
    );
    assert!(line.contains("drop it from the file"), "{line}");
}

#[tokio::test]
async fn pulling_a_name_two_things_share_fails_rather_than_write_an_ambiguous_file() {
    let sim = org(8).await;
    let c = client(&sim);
    let group = sim.group_id("Sales Team").unwrap();
    let rule: zoho_crm_access::types::SharingRuleInput = serde_json::from_value(serde_json::json!({
        "name": "A", "type": "Record_Owner_Based", "superiors_allowed": false, "permission_type": "read",
        "shared_from": { "type": "roles", "resource": { "id": sim.role_id("CEO").unwrap() } },
        "shared_to": { "type": "groups", "resource": { "id": group } }
    }))
    .unwrap();
    c.sharing_rules("Leads").create(rule).await.unwrap();
    sim.add_user_group("Sales Team");
    let scope = desired::Scope::new([desired::Family::SharingRules], ["Leads"]);
    let (place, _, line) = desired_error(desired::pull(&c, &scope).await.unwrap_err());
    assert!(place.starts_with("sharing_rules.Leads"), "{place}");
    assert!(
        line.contains("2 user groups of this org are named \"Sales Team\""),
        "{line}"
    );
}

/// Reproduction: two locking rules of one name in the org were merged by pull (the second
/// rule's id replaced the first's), so a file naming the rule once planned an update aimed at
/// one of them, never removed the other, and never planned empty. Pull refuses it now, as it
/// refuses two sharing rules of one name.
#[tokio::test]
async fn two_locking_rules_of_one_name_in_the_org_are_refused_not_merged() {
    let rule = |id: &str| {
        serde_json::json!({"id": id, "name": "Won", "lock_existing_records": false,
            "criteria": {"comparator": "equal", "field": {"api_name": "Stage", "id": "5843104000000002565"}, "value": "Closed Won"}})
    };
    let (first, second) = (rule("5843104000000900001"), rule("5843104000000900002"));
    let server = support::TestServer::start(move |r| {
        if r.path.ends_with("/settings/profiles") {
            return support::Reply::json(200, serde_json::json!({"profiles": []}));
        }
        if r.path.ends_with("/settings/modules") {
            return support::Reply::json(
                200,
                serde_json::json!({"modules": [{"id": "5843104000000002177", "api_name": "Deals", "api_supported": true}]}),
            );
        }
        let mut body = support::rlc_body("5843104000000800001");
        let config = &mut body["record_locking_configurations"][0];
        config["lock_type"] = "automatic".into();
        config["locking_rules"] = serde_json::json!([first.clone(), second.clone()]);
        support::Reply::json(200, body)
    })
    .await;
    let scope = AccessConfig::from_yaml(
        "version: 1\nscope: {families: [record_locking], modules: [Deals]}\n",
    )
    .unwrap()
    .scope;
    let err = desired::pull(&support::client(&server), &scope)
        .await
        .unwrap_err();
    let (place, _, line) = desired_error(err);
    assert!(place.starts_with("record_locking.Deals"), "{line}");
    assert!(line.contains("two locking rules"), "{line}");
}

/// `desired::Resolver`, the plan's resolution for tools that take names from people: the
/// same messages and suggestions, at the place the caller names (an option stays as it is).
#[tokio::test]
async fn the_resolver_names_the_option_and_the_nearest_name() {
    let sim = org(9).await;
    let c = client(&sim);
    let err = desired::Resolver::load(&c, ["leads"]).await.unwrap_err();
    assert!(
        err.to_string().contains("(did you mean \"Leads\"?)"),
        "{err}"
    );
    let names = desired::Resolver::load(&c, ["Leads"]).await.unwrap();
    let to = names
        .shared_to(&"group:Miami Users".parse().unwrap(), "--to")
        .unwrap();
    assert_eq!(to.resource.map(|r| r.id), sim.group_id("Miami Users"));
    let (place, _, line) = desired_error(
        names
            .shared_to(&"group:Miami Userz".parse().unwrap(), "--to")
            .unwrap_err(),
    );
    assert_eq!(place, "--to");
    assert!(
        line.contains(
            "no user group named \"Miami Userz\" in the org (did you mean \"Miami Users\"?)"
        ),
        "{line}"
    );
    let criteria = desired::CriteriaSpec::parse("City = Miami or Stat = Florida").unwrap();
    let (place, _, line) = desired_error(
        names
            .criteria("Leads", &criteria, "--criteria")
            .unwrap_err(),
    );
    assert_eq!(place, "--criteria");
    assert!(line.contains("(did you mean \"State\"?)"), "{line}");
    assert!(writes(&sim).is_empty());
}
