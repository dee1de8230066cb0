//! The file's text is stable: any names (quotes, colons, YAML keywords, numbers, control
//! characters, other scripts) and values survive a write and a read, and writing again gives
//! the same bytes.

use zoho_crm_access::desired::{
    AccessConfig, Audience, CriteriaSpec, Family, LockingRuleSpec, LockingSpec, Scope,
    SharingRuleSpec,
};
use zoho_crm_access::enums;

const AWKWARD: &[&str] = &[
    "plain",
    "yes",
    "null",
    "~",
    "123",
    "0x1F",
    "1e3",
    "- dash",
    "a: b",
    "#hash",
    "  spaced  ",
    "quote \" and ' both",
    "tab\there",
    "line\nbreak",
    "bell\u{7}",
    "Zürich 東京",
    "{braces}",
    "[brackets]",
    "!tag",
    "&anchor",
    "*alias",
    "%directive",
    "@at",
    "`tick`",
];

fn config() -> AccessConfig {
    let mut c = AccessConfig::new(Scope::new(Family::ALL, ["Leads", "Deals"]));
    let rules = AWKWARD
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut r = SharingRuleSpec::criteria_based(
                *name,
                CriteriaSpec::Any(vec![
                    CriteriaSpec::equal("City", *name),
                    CriteriaSpec::condition(
                        "No_of_Employees",
                        enums::CriteriaComparator::GreaterThan,
                        i,
                    ),
                    CriteriaSpec::condition(
                        "Annual_Revenue",
                        enums::CriteriaComparator::Between,
                        serde_json::json!(["1", 2.5]),
                    ),
                ]),
                Audience::Group((*name).to_owned()),
                enums::PermissionType::Read,
            );
            r.superiors_allowed = i % 2 == 0;
            r
        })
        .collect();
    c.sharing_rules.insert("Leads".into(), rules);
    let mut locking = LockingSpec::new(enums::LockType::Both, [enums::RestrictedAction::Update]);
    locking.excluded_profiles = AWKWARD.iter().take(5).map(|s| (*s).to_owned()).collect();
    locking.locked_for = enums::LockedFor::AllProfilesExceptExcludedProfiles;
    locking.restricted_custom_buttons = AWKWARD
        .iter()
        .skip(5)
        .take(5)
        .map(|s| (*s).to_owned())
        .collect();
    for name in AWKWARD.iter().take(5) {
        locking = locking.with_rule(LockingRuleSpec::new(
            *name,
            CriteriaSpec::equal("Stage", *name),
        ));
    }
    c.record_locking.insert("Deals".into(), locking);
    c.org_permissions
        .insert("Leads".into(), enums::ShareType::Private);
    c.org_permissions
        .insert("Deals".into(), enums::ShareType::PublicReadWrite);
    c
}

#[test]
fn awkward_names_round_trip_byte_for_byte() {
    let c = config();
    c.validate().unwrap();
    let text = c.to_yaml().unwrap();
    let back = AccessConfig::from_yaml(&text).unwrap();
    assert_eq!(back, c.canonical());
    assert_eq!(back.to_yaml().unwrap(), text);
    // No raw control character reaches the file: YAML escapes them.
    assert!(
        !text.chars().any(|ch| ch.is_control() && ch != '\n'),
        "{text}"
    );
}

#[test]
fn rules_are_written_sorted_whatever_order_they_came_in() {
    let mut c = config();
    let sorted = c.to_yaml().unwrap();
    c.sharing_rules.get_mut("Leads").unwrap().reverse();
    c.record_locking.get_mut("Deals").unwrap().rules.reverse();
    assert_eq!(c.to_yaml().unwrap(), sorted);
    assert_eq!(c.canonical(), config().canonical());
}

#[test]
fn json_is_read_too() {
    let c = config();
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(AccessConfig::from_yaml(&json).unwrap(), c);
}

#[test]
fn defaults_may_be_left_out_when_reading_and_are_written_explicitly() {
    let text = "version: 1
scope: {families: [record_locking, sharing_rules], modules: [Deals]}
record_locking:
  Deals: {lock_type: manual, restricted_actions: []}
sharing_rules:
  Deals:
  - {name: R, permission: read, from: {role: CEO}, to: all_users}
";
    let c = AccessConfig::from_yaml(text).unwrap();
    let written = c.to_yaml().unwrap();
    for explicit in [
        "locked_for: all_profiles",
        "lock_for_portal_users: true",
        "restricted_actions: []",
        "status: active",
        "superiors_allowed: false",
    ] {
        assert!(written.contains(explicit), "{explicit} in:\n{written}");
    }
    assert!(
        !written.contains("editable_fields"),
        "empty lists are left out:\n{written}"
    );
}

/// What a plan prints, a file takes: criteria as one line and who as `group:NAME`, beside the
/// structured forms (which are what a file is written with).
#[test]
fn criteria_and_audiences_may_be_written_as_one_line() {
    let text = "version: 1
scope: {families: [sharing_rules], modules: [Leads]}
sharing_rules:
  Leads:
  - name: Miami leads
    permission: read_write
    to: group:Miami Users
    criteria: City = Miami and (State = Florida or Amount > 1000)
  - {name: Reps, permission: read, from: 'role_and_subordinates: Sales Rep', to: all_users}
";
    let c = AccessConfig::from_yaml(text).unwrap();
    let rules = &c.sharing_rules["Leads"];
    let miami = rules.iter().find(|r| r.name == "Miami leads").unwrap();
    assert_eq!(miami.to, Audience::Group("Miami Users".into()));
    assert_eq!(
        miami.criteria,
        Some(CriteriaSpec::parse("City = Miami and (State = Florida or Amount > 1000)").unwrap())
    );
    let reps = rules.iter().find(|r| r.name == "Reps").unwrap();
    assert_eq!(
        reps.from,
        Some(Audience::RoleAndSubordinates("Sales Rep".into()))
    );
    // Written back in the structured form, which reads as the same file.
    let written = c.to_yaml().unwrap();
    assert!(written.contains("group: Miami Users"), "{written}");
    assert_eq!(AccessConfig::from_yaml(&written).unwrap(), c);

    // Text that does not parse says where, with the line of the file.
    for (bad, needle) in [
        ("to: grup:Miami Users", "did you mean \"group\""),
        ("to: 'group: '", "group:NAME"),
        ("criteria: City = Miami and", "criteria"),
        ("criteria: City ~ Miami", "criteria"),
    ] {
        let file = text.replace(
            if bad.starts_with("to") {
                "to: group:Miami Users"
            } else {
                "criteria: City = Miami and (State = Florida or Amount > 1000)"
            },
            bad,
        );
        let e = AccessConfig::from_yaml(&file).unwrap_err().to_string();
        assert!(e.contains("line "), "{bad}: {e}");
        assert!(e.contains(needle), "{bad}: {e}");
    }
}
