//! Promotion from a sandbox to a production org (two simulators with different org seeds:
//! the same names, other ids), over HTTP on loopback: pull, apply, pull again.

mod desired_support;

use desired_support::{client, org, writes};
use serde_json::json;
use zoho_crm_access::desired::{self, AccessConfig, Change, Family, Scope};
use zoho_crm_access::{enums, types, Client};
use zoho_crm_access_simulator::Simulator;

fn decode<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).expect("a valid body")
}

/// Builds, with the plain handlers and the sandbox's own ids, a configuration of all three
/// families: a locking configuration with two rules, owner-based and criteria-based sharing
/// rules to a role with subordinates, a group and all users, an inactive rule, and changed
/// share types.
async fn build_sandbox(sim: &Simulator, c: &Client) {
    let button = sim
        .directory()
        .custom_buttons
        .iter()
        .find(|b| b.module == "Deals" && b.name == "Send Quote")
        .map(|b| b.id.clone())
        .expect("the catalogue has a Send Quote button");
    let input: types::RecordLockingConfigurationInput = decode(json!({
        "lock_type": "both",
        "locked_for": "all_profiles_except_excluded_profiles",
        "lock_excluded_profiles": [{ "id": sim.profile_id("Sales Manager").unwrap() }],
        "excluded_fields": [{ "api_name": "Description" }, { "api_name": "Next_Step" }],
        "restricted_actions": ["update", "delete", "change_owner"],
        "restricted_communications": ["send_mail"],
        "restricted_custom_buttons": [{ "id": button }],
        "lock_for_portal_users": false,
        "locking_rules": [
            { "name": "Closed Won", "lock_existing_records": true,
              "criteria": { "comparator": "equal", "field": { "api_name": "Stage" }, "value": "Closed Won" } },
            { "name": "Closed Lost", "criteria": { "group_operator": "OR", "group": [
                { "comparator": "equal", "field": { "api_name": "Stage" }, "value": "Closed Lost" },
                { "comparator": "equal", "field": { "api_name": "Stage" }, "value": "Closed-Lost to Competition" }
            ] } }
        ]
    }));
    c.record_locking("Deals")
        .create(input)
        .await
        .expect("locking created");

    let leads = c.sharing_rules("Leads");
    let owner_based: types::SharingRuleInput = decode(json!({
        "name": "Reps' leads to managers", "type": "Record_Owner_Based", "superiors_allowed": false,
        "shared_from": { "type": "roles", "subordinates": false, "resource": { "id": sim.role_id("Sales Representative").unwrap() } },
        "shared_to": { "type": "roles", "subordinates": true, "resource": { "id": sim.role_id("Manager").unwrap() } },
        "permission_type": "read_write_delete"
    }));
    leads.create(owner_based).await.expect("owner-based rule");
    let miami: types::SharingRuleInput = decode(json!({
        "name": "Miami leads", "type": "Criteria_Based", "superiors_allowed": true,
        "criteria": { "group_operator": "AND", "group": [
            { "comparator": "equal", "field": { "api_name": "City" }, "value": "Miami" },
            { "comparator": "equal", "field": { "api_name": "State" }, "value": "Florida" }
        ] },
        "shared_to": { "type": "groups", "subordinates": false, "resource": { "id": sim.group_id("Miami Users").unwrap() } },
        "permission_type": "read_write"
    }));
    leads.create(miami).await.expect("criteria-based rule");
    let big: types::SharingRuleInput = decode(json!({
        "name": "Big deals for everyone", "type": "Criteria_Based", "superiors_allowed": false,
        "criteria": { "comparator": "greater_than", "field": { "api_name": "Amount" }, "value": "100000" },
        "shared_to": { "type": "all_users", "subordinates": false },
        "permission_type": "read"
    }));
    let created = c
        .sharing_rules("Deals")
        .create(big)
        .await
        .expect("all-users rule");
    c.sharing_rules("Deals")
        .deactivate(created.details.id.as_deref().unwrap())
        .await
        .expect("deactivated");
    let contacts: types::SharingRuleInput = decode(json!({
        "name": "Sales team contacts", "type": "Record_Owner_Based", "superiors_allowed": true,
        "shared_from": { "type": "groups", "subordinates": false, "resource": { "id": sim.group_id("Sales Team").unwrap() } },
        "shared_to": { "type": "roles", "subordinates": false, "resource": { "id": sim.role_id("Support Manager").unwrap() } },
        "permission_type": "read"
    }));
    c.sharing_rules("Contacts")
        .create(contacts)
        .await
        .expect("group rule");

    c.org_permissions()
        .set_share_type("Leads", enums::ShareType::PublicReadOnly)
        .await
        .unwrap();
    c.org_permissions()
        .set_share_type("Contacts", enums::ShareType::PublicReadWrite)
        .await
        .unwrap();
}

fn scope() -> Scope {
    Scope::new(Family::ALL, ["Contacts", "Deals", "Leads"])
}

/// Production has restricted the Send Quote button once by hand (Zoho lists no buttons: the
/// plan learns a button's id from the target's own configuration).
async fn restrict_button_in_production(sim: &Simulator, c: &Client) {
    let button = sim
        .directory()
        .custom_buttons
        .iter()
        .find(|b| b.module == "Deals" && b.name == "Send Quote")
        .map(|b| b.id.clone())
        .unwrap();
    let input: types::RecordLockingConfigurationInput = decode(json!({
        "lock_type": "manual", "restricted_custom_buttons": [{ "id": button }]
    }));
    c.record_locking("Deals").create(input).await.unwrap();
}

#[tokio::test]
async fn a_sandbox_configuration_promotes_to_production_byte_for_byte() {
    let sandbox = org(1).await;
    let production = org(2).await;
    assert_ne!(sandbox.role_id("Manager"), production.role_id("Manager"));
    let (sc, pc) = (client(&sandbox), client(&production));
    build_sandbox(&sandbox, &sc).await;
    restrict_button_in_production(&production, &pc).await;

    let pulled = desired::pull(&sc, &scope()).await.unwrap();
    let yaml = pulled.to_yaml().unwrap();
    // Names only: no id of either org appears in the file.
    for id in [
        sandbox.role_id("Manager").unwrap(),
        sandbox.group_id("Miami Users").unwrap(),
    ] {
        assert!(
            !yaml.contains(&id),
            "the file names, it has no ids:\n{yaml}"
        );
    }
    assert!(yaml.contains("role_and_subordinates: Manager"), "{yaml}");
    assert!(yaml.contains("status: inactive"), "{yaml}");
    assert!(yaml.contains("- Send Quote"), "{yaml}");

    // The file as read back is the same configuration.
    let read = AccessConfig::from_yaml(&yaml).unwrap();
    assert_eq!(read, pulled);

    let plan = desired::plan(&pc, &read).await.unwrap();
    assert!(!plan.is_empty());
    production.clear_recordings();
    let report = plan.apply(&pc).await;
    assert!(report.is_complete(), "{report}");
    assert_eq!(report.applied().len(), plan.changes().len());
    // The fewest calls: one locking update, one call per rule write, one org-permissions call.
    let w = writes(&production);
    assert_eq!(
        w.iter()
            .filter(|o| o.as_str() == "updateOrgPermissions")
            .count(),
        1,
        "{w:?}"
    );
    assert_eq!(
        w.iter().filter(|o| o.contains("RecordLocking")).count(),
        1,
        "{w:?}"
    );
    assert_eq!(w.len(), plan.calls(), "{w:?}");

    let again = desired::pull(&pc, &scope())
        .await
        .unwrap()
        .to_yaml()
        .unwrap();
    assert_eq!(
        again, yaml,
        "production pulls byte-identical to the sandbox"
    );

    let plan = desired::plan(&pc, &read).await.unwrap();
    assert!(plan.is_empty(), "{plan}");
    production.clear_recordings();
    let report = plan.apply(&pc).await;
    assert!(report.is_complete());
    assert!(writes(&production).is_empty(), "no write the second time");

    // One setting changed in production: the plan names exactly that change.
    pc.org_permissions()
        .set_share_type("Deals", enums::ShareType::Public)
        .await
        .unwrap();
    let plan = desired::plan(&pc, &read).await.unwrap();
    assert_eq!(plan.changes().len(), 1, "{plan}");
    match &plan.changes()[0] {
        Change::SetShareType {
            module,
            before,
            after,
            ..
        } => {
            assert_eq!(module, "Deals");
            assert_eq!(*before, enums::ShareType::Public);
            assert_eq!(*after, enums::ShareType::Private);
        }
        other => panic!("unexpected change {other:?}"),
    }
    assert_eq!(
        plan.changes()[0].to_string(),
        "~ org_permissions.Deals: public -> private"
    );
}

#[tokio::test]
async fn an_update_names_each_setting_that_differs() {
    let sandbox = org(3).await;
    let production = org(4).await;
    let (sc, pc) = (client(&sandbox), client(&production));
    build_sandbox(&sandbox, &sc).await;
    restrict_button_in_production(&production, &pc).await;
    let config = desired::pull(&sc, &scope()).await.unwrap();
    let _ = desired::apply(&pc, &config)
        .await
        .unwrap()
        .into_result()
        .unwrap();

    // A rule's permission changes by hand in production.
    let rule = pc
        .sharing_rules("Leads")
        .list()
        .send()
        .await
        .unwrap()
        .sharing_rules
        .into_iter()
        .find(|r| r.name == "Miami leads")
        .unwrap();
    let change: types::SharingRuleUpdate = decode(json!({
        "type": "Criteria_Based", "superiors_allowed": true, "permission_type": "read"
    }));
    pc.sharing_rules("Leads")
        .update(&rule.id, change)
        .await
        .unwrap();

    let plan = desired::plan(&pc, &config).await.unwrap();
    assert_eq!(plan.changes().len(), 1, "{plan}");
    assert_eq!(
        plan.changes()[0].to_string(),
        "~ sharing_rules.Leads[\"Miami leads\"]: update (permission: read -> read_write)"
    );
    let report = plan.apply(&pc).await;
    assert!(report.is_complete(), "{report}");
    assert!(desired::plan(&pc, &config).await.unwrap().is_empty());
}

#[tokio::test]
async fn outside_the_scope_nothing_is_read_or_touched() {
    let sim = org(5).await;
    let c = client(&sim);
    build_sandbox(&sim, &c).await;
    // The file manages Leads's sharing rules only, and says Leads has none.
    let config = AccessConfig::new(Scope::new([Family::SharingRules], ["Leads"]));
    sim.clear_recordings();
    let report = desired::apply(&c, &config).await.unwrap();
    assert!(report.is_complete(), "{report}");
    let touched: Vec<String> = sim
        .recordings()
        .iter()
        .filter_map(|r| r["request"]["query"].as_str().map(str::to_owned))
        .filter(|q| q.contains("module=") && !q.contains("module=Leads"))
        .collect();
    assert!(touched.is_empty(), "read only Leads: {touched:?}");
    let state = sim.state();
    assert_eq!(state.sharing_rule_count("Leads"), 0);
    assert_eq!(
        state.sharing_rule_count("Deals"),
        1,
        "Deals is outside the scope"
    );
    assert_eq!(state.sharing_rule_count("Contacts"), 1);
    assert_eq!(state.locking_rule_count("Deals"), 2);
    assert_eq!(state.org_permissions["Leads"], "public_read_only");
}

/// A pull reads the names only the families in its scope refer to: roles and user groups for
/// sharing rules, profiles for record locking; an org-permissions pull reads none of them.
#[tokio::test]
async fn a_pull_reads_only_the_directory_its_families_refer_to() {
    let sim = org(13).await;
    let c = client(&sim);
    let directory_reads = |sim: &Simulator| {
        let mut ops: Vec<String> = sim
            .recordings()
            .iter()
            .filter_map(|r| r["operation_id"].as_str().map(str::to_owned))
            .filter(|op| ["getRoles", "getUserGroups", "getProfiles"].contains(&op.as_str()))
            .collect();
        ops.sort();
        ops.dedup();
        ops
    };
    for (families, expected) in [
        (vec![Family::OrgPermissions], vec![]),
        (
            vec![Family::SharingRules],
            vec!["getRoles", "getUserGroups"],
        ),
        (vec![Family::RecordLocking], vec!["getProfiles"]),
        (
            Family::ALL.to_vec(),
            vec!["getProfiles", "getRoles", "getUserGroups"],
        ),
    ] {
        sim.clear_recordings();
        let scope = Scope::new(families.iter().copied(), ["Leads"]);
        let pulled = desired::pull(&c, &scope).await.unwrap();
        assert_eq!(pulled.scope, scope);
        assert_eq!(directory_reads(&sim), expected, "{families:?}");
    }
}

/// A module that does not support a family (record locking on Calls) pulls with nothing in
/// that family; a file asking for it there is refused before anything is sent.
#[tokio::test]
async fn a_module_without_record_locking_pulls_empty_and_a_plan_for_it_is_refused() {
    let sim = org(17).await;
    let c = client(&sim);
    let scope = Scope::new(
        [Family::RecordLocking, Family::SharingRules],
        ["Calls", "Leads"],
    );
    let pulled = desired::pull(&c, &scope).await.unwrap();
    assert!(!pulled.record_locking.contains_key("Calls"), "{pulled:?}");

    let mut wanted = pulled.clone();
    wanted.record_locking.insert(
        "Calls".into(),
        desired::LockingSpec::new(enums::LockType::Manual, [enums::RestrictedAction::Update]),
    );
    sim.clear_recordings();
    match desired::plan(&c, &wanted).await {
        Err(zoho_crm_access::Error::Desired { place, reason, .. }) => {
            assert_eq!(place, "record_locking.Calls");
            assert_eq!(reason, "Zoho does not support record locking in Calls");
        }
        other => panic!("expected Desired, got {other:?}"),
    }
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));
}

/// Reproduction (issue 25): a small file holding one new rule planned the deletion of every
/// other rule of the module. With `scope.rules: listed` it manages only the rules it names:
/// the new rule is created, the org's others (sharing rules and locking rules) stay, the plan
/// says so, and its line for the new rule shows what the rule will contain.
#[tokio::test]
async fn a_one_rule_file_with_listed_rules_adds_a_rule_and_deletes_nothing() {
    let sim = org(3).await;
    let c = client(&sim);
    build_sandbox(&sim, &c).await;
    let before = desired::pull(
        &c,
        &Scope::new(
            [Family::SharingRules, Family::RecordLocking],
            ["Deals", "Leads"],
        ),
    )
    .await
    .unwrap();
    let one_rule = "version: 1
scope: {families: [sharing_rules, record_locking], modules: [Leads, Deals], rules: listed}
sharing_rules:
  Leads:
  - name: Orlando leads
    permission: read
    to: {group: Sales Team}
    criteria: {all: [{field: City, comparator: equal, value: Orlando}, {field: State, comparator: equal, value: Florida}]}
";
    let config = AccessConfig::from_yaml(one_rule).unwrap();
    // Without `rules: listed`, the same file deletes the two other rules of Leads, the rule
    // of Deals and the locking configuration of Deals.
    let mut whole = config.clone();
    whole.scope.rules = desired::RuleScope::All;
    let whole_plan = desired::plan(&c, &whole).await.unwrap();
    assert_eq!(
        whole_plan
            .changes()
            .iter()
            .filter(|ch| matches!(
                ch,
                Change::DeleteSharingRule { .. } | Change::DeleteLocking { .. }
            ))
            .count(),
        4,
        "{whole_plan}"
    );
    assert!(
        whole_plan.to_string().contains("scope.rules: listed"),
        "{whole_plan}"
    );

    let plan = desired::plan(&c, &config).await.unwrap();
    assert_eq!(plan.changes().len(), 1, "{plan}");
    let text = plan.to_string();
    assert!(
        text.contains(
            "+ sharing_rules.Leads[\"Orlando leads\"]: create the rule: read, to group \"Sales Team\", \
             criteria City equal \"Orlando\" and State equal \"Florida\""
        ),
        "{text}"
    );
    assert!(
        text.contains("sharing_rules.Leads: 2 other rules stay as they are (scope.rules: listed)"),
        "{text}"
    );
    assert!(
        text.contains("record_locking.Deals: not in the file; its configuration stays as it is"),
        "{text}"
    );
    sim.clear_recordings();
    let report = plan.apply(&c).await;
    assert!(report.is_complete(), "{report}");
    assert_eq!(writes(&sim), ["createSharingRule"]);

    let after = desired::pull(&c, &before.scope).await.unwrap();
    assert_eq!(after.record_locking, before.record_locking);
    let names: Vec<&str> = after.sharing_rules["Leads"]
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["Miami leads", "Orlando leads", "Reps' leads to managers"]
    );
    // Applied once, the file plans nothing more.
    assert!(desired::plan(&c, &config).await.unwrap().is_empty());
}
