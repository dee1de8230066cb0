//! The access model built from one read of the simulator over loopback: what the directory
//! read carries (hierarchy preference, module permissions, nested group members, managers),
//! and `diff` between the org now and a desired state applied (an org default changed, a
//! rule added, a rule's target group edited; a record locking configuration created,
//! changed and deleted), as the lines a plan prints and as JSON.

use serde_json::json;
use zoho_crm_access::access::{
    AccessModel, Action, CheckQuery, Direction, Directory, GroupMember, Hierarchy,
};
use zoho_crm_access::desired::{
    self, AccessConfig, Audience, CriteriaSpec, Family, LockingRuleSpec, LockingSpec, Scope,
    SharingRuleSpec,
};
use zoho_crm_access::{enums, Client};
use zoho_crm_access_simulator::Simulator;

fn client(sim: &Simulator) -> Client {
    Client::builder()
        .base_url(sim.api_domain())
        .access_token(sim.access_token())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_directory_read_carries_what_the_model_needs() {
    let sim = Simulator::start().await.unwrap();
    let client = client(&sim);
    let d = Directory::read(&client).await.unwrap();
    assert_eq!(d.hierarchy, Hierarchy::RoleHierarchy);
    let role = |n: &str| d.roles.iter().find(|r| r.name == n).unwrap();
    assert_eq!(
        role("Sales Representative").reporting_to.as_deref(),
        Some("Manager")
    );
    assert_eq!(role("CEO").reporting_to, None);
    assert!(role("CEO").share_with_peers);
    let support = d.groups.iter().find(|g| g.name == "Support Team").unwrap();
    assert!(support.members.contains(&GroupMember::Group {
        name: "Miami Users".into()
    }));
    assert!(support.members.contains(&GroupMember::Role {
        name: "Support Manager".into(),
        subordinates: true
    }));
    let standard = d.profiles.iter().find(|p| p.name == "Standard").unwrap();
    assert!(!standard.administrator);
    assert!(standard.modules["Leads"].edit && !standard.modules["Leads"].delete);
    assert!(standard.modules["Deals"].delete);
    assert!(d
        .profiles
        .iter()
        .any(|p| p.name == "Administrator" && p.administrator));
    let user = |e: &str| d.users.iter().find(|u| u.email == e).unwrap();
    assert_eq!(
        user("maria.garcia@example.com").reporting_to.as_deref(),
        Some("john.smith@example.com")
    );
    assert!(!user("olivia.chen@example.com").can_sign_in());
    assert!(!user("lee.park@example.com").can_sign_in());

    sim.change_directory(json!({
        "hierarchy": { "type": "Reporting_To_Hierarchy", "strictly_reporting": true },
        "profiles": [{ "name": "Standard", "modules": { "Deals": { "view": true, "create": false, "edit": false, "delete": false } } }]
    }))
    .unwrap();
    let d = Directory::read(&client).await.unwrap();
    assert_eq!(
        d.hierarchy,
        Hierarchy::ReportingHierarchy {
            strictly_reporting: true
        }
    );
    let standard = d.profiles.iter().find(|p| p.name == "Standard").unwrap();
    assert!(standard.modules["Deals"].view && !standard.modules["Deals"].edit);
    // In the reporting hierarchy, subordinates follow the managers: Patricia has John, Maria
    // and Ken below her (Lee is not confirmed, Olivia inactive), John has Maria, Ken nobody.
    let model = AccessModel::load(&client, ["Deals"]).await.unwrap();
    let who = model.who("Deals").unwrap();
    let subordinates = |email: &str| {
        who.roles
            .iter()
            .flat_map(|r| &r.users)
            .find(|u| u.email == email)
            .unwrap()
            .subordinates
    };
    assert_eq!(subordinates("patricia.boyle@example.com"), 3);
    assert_eq!(subordinates("john.smith@example.com"), 1);
    assert_eq!(subordinates("ken.tanaka@example.com"), 0);
    // Standard may view but no longer edit deals: its users' rows say so.
    let maria = who
        .roles
        .iter()
        .flat_map(|r| &r.users)
        .find(|u| u.email == "maria.garcia@example.com")
        .unwrap();
    assert_eq!(maria.profile_denies, [Action::Edit, Action::Delete]);
    // An unknown name changes nothing.
    assert!(sim
        .change_directory(json!({ "users": [{ "name": "X", "email": "x@example.com", "role": "Nope", "profile": "Standard" }] }))
        .is_err());
    assert!(sim.user_id("x@example.com").is_none());
}

#[tokio::test]
async fn diff_of_a_plan_names_who_gains_and_loses_what() {
    let sim = Simulator::start().await.unwrap();
    // Three owner-based rules (the simulator's seeding): "Seeded rule 1" read, from role
    // Manager and subordinates to Miami Users, superiors allowed; "Seeded rule 2"
    // read_write, from Sales Representative to Sales Team; "Seeded rule 3"
    // read_write_delete, from Support Manager to Support Team, superiors allowed.
    sim.seed_sharing_rules("Leads", 3).unwrap();
    let client = client(&sim);
    let now = AccessModel::load(&client, ["Leads"]).await.unwrap();
    assert_eq!(now.org_default("Leads"), Some(&enums::ShareType::Private));

    let mut desired = now.config().clone();
    desired
        .org_permissions
        .insert("Leads".into(), enums::ShareType::PublicReadOnly);
    let rules = desired.sharing_rules.get_mut("Leads").unwrap();
    rules.push(SharingRuleSpec::criteria_based(
        "Miami leads",
        CriteriaSpec::All(vec![
            CriteriaSpec::equal("City", "Miami"),
            CriteriaSpec::equal("State", "Florida"),
        ]),
        Audience::Group("Miami Users".into()),
        enums::PermissionType::ReadWrite,
    ));
    let third = rules
        .iter_mut()
        .find(|r| r.name == "Seeded rule 3")
        .unwrap();
    assert_eq!(third.to, Audience::Group("Support Team".into()));
    third.to = Audience::Group("Miami Users".into());
    let after = now.with_desired(&desired);

    let diff = now.diff(&after);
    let lines: Vec<String> = diff.changes.iter().map(ToString::to_string).collect();
    // Miami Users: Maria (by name and by role); Lee is not confirmed. Support Team: Ken
    // (Support Manager and subordinates; Olivia is inactive) and Maria (through Miami
    // Users). Seeded rules 1 (read) and 2 (read_write) change nothing anybody has: the new
    // default gives everyone the view they added. What a rule grants beyond the
    // public_read_only default is open, as `check` says: "may gain", with the reason.
    assert_eq!(
        lines,
        [
            "everyone gains view on Leads records of others: org default private -> public_read_only",
            "group Miami Users (1 active user) may gain edit on Leads records with City = Miami and State = Florida, through rule \"Miami leads\" (unknown: sharing rule \"Miami leads\" grants edit, but the org default is public_read_only: whether rules extend a public default is not documented)",
            "group Miami Users (1 active user) may gain edit, delete on Leads records owned by role Support Manager, through rule \"Seeded rule 3\" (unknown: sharing rule \"Seeded rule 3\" grants edit, delete, but the org default is public_read_only: whether rules extend a public default is not documented)",
            "superiors of group Miami Users may gain edit, delete on Leads records owned by role Support Manager, through rule \"Seeded rule 3\" (unknown: sharing rule \"Seeded rule 3\" grants edit, delete, but the org default is public_read_only: whether rules extend a public default is not documented)",
            "group Support Team (2 active users) lose edit, delete on Leads records owned by role Support Manager, through rule \"Seeded rule 3\"",
            "superiors of group Support Team lose edit, delete on Leads records owned by role Support Manager, through rule \"Seeded rule 3\"",
        ]
    );
    let json = serde_json::to_value(&diff).unwrap();
    assert_eq!(json["changes"][0]["grantee"]["type"], "everyone");
    assert_eq!(json["changes"][0]["actions"], json!(["view"]));
    assert_eq!(
        json["changes"][0]["cause"],
        json!({ "type": "org_default", "before": "private", "after": "public_read_only" })
    );
    assert_eq!(json["changes"][1]["direction"], "gain");
    assert_eq!(json["changes"][1]["records"]["type"], "matching");
    assert_eq!(diff.changes[1].direction, Direction::Gain);
    assert_eq!(diff.changes[1].actions, [Action::Edit]);
    // Nothing changes: no diff.
    assert!(now.diff(&now.with_desired(now.config())).is_empty());

    // The same answers through check: Ken (Support Manager) views Maria's leads only after.
    let q = CheckQuery::new(
        "Leads",
        "ken.tanaka@example.com",
        "maria.garcia@example.com",
    );
    assert_eq!(now.check(&q).unwrap().view, Some(false));
    assert_eq!(after.check(&q).unwrap().view, Some(true));
    // Maria's edit of a Miami lead: open in check for the reason the diff gives.
    let mut q = CheckQuery::new(
        "Leads",
        "maria.garcia@example.com",
        "ken.tanaka@example.com",
    );
    q.fields.insert("City".into(), json!("Miami"));
    q.fields.insert("State".into(), json!("Florida"));
    let answer = after.check(&q).unwrap();
    assert_eq!(answer.edit, None);
    let why = diff.changes[1].open.as_deref().unwrap();
    assert!(
        answer.reasons.edit.open.iter().any(|f| f.text == why),
        "{why} not in {:#?}",
        answer.reasons.edit.open
    );
}

/// The lines of a diff, as a plan prints them.
fn lines(diff: &zoho_crm_access::access::AccessDiff) -> Vec<String> {
    diff.changes.iter().map(ToString::to_string).collect()
}

/// A record locking configuration created, changed (lock type, a locking rule, the profiles
/// it is locked for, restricted actions) and deleted: who gains or loses edit and delete on
/// locked records, by profile, each state applied to the simulator through
/// `desired::apply` and read back before the next plan.
/// Sources: Zoho API v8, Record Locking Configuration (update always restricted, delete when
/// listed in restricted_actions; lock type manual / automatic / both; locking rules lock
/// records matching their criteria "on creating or updating records", existing ones when
/// lock_existing_records says so; profiles in lock_excluded_profiles are not subject to
/// the lock under all_profiles_except_excluded_profiles); Zoho's record locking announcement
/// (the owner is not exempt). Left open, so `open` says why (facts on the access model §4.2;
/// on record locks, open question 4): whether the Administrator profile bypasses a lock, and
/// what becomes of records already locked when a configuration or a locking rule goes.
#[tokio::test]
async fn diff_of_record_locking_names_who_gains_and_loses_edit_and_delete() {
    let sim = Simulator::start().await.unwrap();
    let client = client(&sim);
    let scope = Scope::new([Family::RecordLocking], ["Deals"]);
    let load = || AccessModel::load(&client, ["Deals"]);
    let now = load().await.unwrap();
    assert!(!now.config().record_locking.contains_key("Deals"));

    // Created: manual locks, update and delete restricted, for all profiles. The
    // Administrator profile is not excluded: open. Sales Manager (John Smith) and Standard
    // (Maria Garcia, Ken Tanaka; Olivia Chen is inactive, Lee Park not confirmed) lose edit
    // and delete. Team User has no active users: no line.
    let manual = LockingSpec::new(
        enums::LockType::Manual,
        [
            enums::RestrictedAction::Update,
            enums::RestrictedAction::Delete,
        ],
    );
    let mut desired = AccessConfig::new(scope.clone());
    desired
        .record_locking
        .insert("Deals".into(), manual.clone());
    let diff = now.diff(&now.with_desired(&desired));
    assert_eq!(
        lines(&diff),
        [
            "users of profile Administrator (1 active user) may lose edit, delete on locked Deals records: record locking on Deals created (unknown: whether the Administrator profile bypasses a lock it is not excluded from is not documented)",
            "users of profiles Sales Manager, Standard (3 active users) lose edit, delete on locked Deals records: record locking on Deals created",
        ]
    );
    let json = serde_json::to_value(&diff).unwrap();
    assert_eq!(
        json["changes"][1]["grantee"],
        json!({ "type": "profiles", "profiles": ["Sales Manager", "Standard"], "active_users": 3 })
    );
    assert_eq!(json["changes"][1]["records"], json!({ "type": "locked" }));
    assert_eq!(
        json["changes"][1]["cause"],
        json!({ "type": "record_locking", "change": { "type": "created" } })
    );
    assert_eq!(json["changes"][1]["open"], json!(null));
    assert!(json["changes"][0]["open"]
        .as_str()
        .unwrap()
        .contains("Administrator"));
    // The same through check: Ken may no longer edit a locked record, his own included.
    let q = CheckQuery::new("Deals", "ken.tanaka@example.com", "ken.tanaka@example.com")
        .with_locked(true);
    let after = now.with_desired(&desired);
    assert_eq!(
        now.check(&q.clone().with_locked(false)).unwrap().edit,
        Some(true)
    );
    assert_eq!(after.check(&q).unwrap().edit, Some(false));
    assert!(desired::apply(&client, &desired)
        .await
        .unwrap()
        .is_complete());

    // Changed: both lock types (the locking rule now locks), Administrator and Sales Manager
    // excluded. Both excluded profiles gain back (the Administrator's was open); Standard,
    // still held, loses edit and delete on the records the new rule locks.
    let now = load().await.unwrap();
    assert_eq!(now.config().record_locking["Deals"], manual);
    let mut closed =
        LockingRuleSpec::new("Closed deals", CriteriaSpec::equal("Stage", "Closed Won"));
    closed.lock_existing_records = true;
    let mut both = manual.clone().with_rule(closed);
    both.lock_type = enums::LockType::Both;
    both.locked_for = enums::LockedFor::AllProfilesExceptExcludedProfiles;
    both.excluded_profiles = ["Administrator".to_owned(), "Sales Manager".to_owned()].into();
    desired.record_locking.insert("Deals".into(), both.clone());
    let diff = now.diff(&now.with_desired(&desired));
    assert_eq!(
        lines(&diff),
        [
            "users of profile Administrator (1 active user) may gain edit, delete on locked Deals records: record locking on Deals (locked for: all profiles -> all profiles except Administrator, Sales Manager) (unknown: whether the Administrator profile bypasses a lock it is not excluded from is not documented)",
            "users of profile Standard (2 active users) lose edit, delete on Deals records locked by locking rule \"Closed deals\" (Stage = Closed Won): record locking on Deals (locking rule \"Closed deals\": none -> Stage = Closed Won)",
            "users of profile Sales Manager (1 active user) gain edit, delete on locked Deals records: record locking on Deals (locked for: all profiles -> all profiles except Administrator, Sales Manager)",
        ]
    );
    assert!(desired::apply(&client, &desired)
        .await
        .unwrap()
        .is_complete());

    // Changed: the Administrator no longer excluded, delete no longer restricted, the rule
    // locks lost deals instead, manual locking off.
    let now = load().await.unwrap();
    assert_eq!(now.config().record_locking["Deals"], both);
    let mut narrower = both.clone();
    narrower.excluded_profiles = ["Sales Manager".to_owned()].into();
    narrower.restricted_actions = [enums::RestrictedAction::Update].into();
    narrower.rules[0].criteria = CriteriaSpec::equal("Stage", "Closed Lost");
    // Records already lost stay unlocked until next updated (lock_existing_records false).
    narrower.rules[0].lock_existing_records = false;
    narrower.lock_type = enums::LockType::Automatic;
    desired.record_locking.insert("Deals".into(), narrower);
    let diff = now.diff(&now.with_desired(&desired));
    assert_eq!(
        lines(&diff),
        [
            "users of profile Administrator (1 active user) may lose edit on locked Deals records: record locking on Deals (excluded profiles: Administrator, Sales Manager -> Sales Manager) (unknown: whether the Administrator profile bypasses a lock it is not excluded from is not documented)",
            "users of profile Standard (2 active users) may gain edit on Deals records locked manually: record locking on Deals (lock type: both -> automatic) (unknown: whether records already locked by hand are unlocked when manual locking is turned off is not documented)",
            "users of profile Standard (2 active users) lose edit on Deals records locked by locking rule \"Closed deals\" (Stage = Closed Lost): record locking on Deals (locking rule \"Closed deals\": Stage = Closed Won -> Stage = Closed Lost; records that already match are locked only when next updated)",
            "users of profile Standard (2 active users) may gain edit on Deals records locked by locking rule \"Closed deals\" (Stage = Closed Won): record locking on Deals (locking rule \"Closed deals\": Stage = Closed Won -> Stage = Closed Lost; records that already match are locked only when next updated) (unknown: whether records the rule already locked are unlocked when it stops applying is not documented)",
            "users of profile Standard (2 active users) gain delete on locked Deals records: record locking on Deals (restricted actions: delete, update -> update)",
        ]
    );
    assert!(desired::apply(&client, &desired)
        .await
        .unwrap()
        .is_complete());

    // Deleted: Standard and the Administrator may gain edit back, for what is locked then is
    // not documented; Sales Manager was excluded and gains nothing.
    let now = load().await.unwrap();
    desired.record_locking.clear();
    let diff = now.diff(&now.with_desired(&desired));
    assert_eq!(
        lines(&diff),
        [
            "users of profile Administrator (1 active user) may gain edit on locked Deals records: record locking on Deals deleted (unknown: whether the Administrator profile bypasses a lock it is not excluded from is not documented)",
            "users of profile Standard (2 active users) may gain edit on locked Deals records: record locking on Deals deleted (unknown: whether records already locked stay locked once the configuration is deleted is not documented)",
        ]
    );
    assert!(diff.changes.iter().all(|c| c.direction == Direction::Gain));
    assert!(desired::apply(&client, &desired)
        .await
        .unwrap()
        .is_complete());
    let now = load().await.unwrap();
    assert!(!now.config().record_locking.contains_key("Deals"));
    assert!(now.diff(&now.with_desired(&desired)).is_empty());
}

#[tokio::test]
async fn a_large_org_is_deterministic_and_answers() {
    let sim = Simulator::builder().org_size(400).start().await.unwrap();
    let again = Simulator::builder().org_size(400).start().await.unwrap();
    let (a, b) = (client(&sim), client(&again));
    let m = AccessModel::load(&a, ["Leads"]).await.unwrap();
    let n = AccessModel::load(&b, ["Leads"]).await.unwrap();
    assert_eq!(m.directory(), n.directory());
    assert_eq!(m.config(), n.config());
    let d = m.directory();
    assert_eq!(d.roles.len(), 5 + 60);
    assert_eq!(d.groups.len(), 3 + 20);
    assert!(d.users.len() > 400);
    // The profiles' module permissions differ.
    let leads: std::collections::BTreeSet<_> = d
        .profiles
        .iter()
        .filter_map(|p| p.modules.get("Leads").map(|x| (x.view, x.edit, x.delete)))
        .collect();
    assert!(leads.len() >= 3, "{leads:?}");
    // Nested groups are expanded.
    assert!(d.groups.iter().any(|g| g
        .members
        .iter()
        .any(|m| matches!(m, GroupMember::Group { .. }))));
    let who = m.who("Leads").unwrap();
    assert!(!who.rules.is_empty());
    assert_eq!(
        who.roles.iter().map(|r| r.users.len()).sum::<usize>(),
        m.active_users()
    );
    // Every user of the large org answers for every owner of one role, without error.
    let owner = "user00001@example.com";
    for u in d.users.iter().take(50) {
        m.check(&CheckQuery::new("Leads", &u.email, owner)).unwrap();
    }
}
