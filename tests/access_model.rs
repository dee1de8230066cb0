//! The access model built from one read of the simulator over loopback: what the directory
//! read carries (hierarchy preference, module permissions, nested group members, managers),
//! and `diff` between the org now and a desired state applied (an org default changed, a
//! rule added, a rule's target group edited), as the lines a plan prints and as JSON.

use serde_json::json;
use zoho_crm_access::access::{
    AccessModel, Action, CheckQuery, Direction, Directory, GroupMember, Hierarchy,
};
use zoho_crm_access::desired::{Audience, CriteriaSpec, SharingRuleSpec};
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
    // default gives everyone the view they added.
    assert_eq!(
        lines,
        [
            "everyone gains view on Leads records of others: org default private -> public_read_only",
            "group Miami Users (1 active user) gain edit on Leads records with City = Miami and State = Florida, through rule \"Miami leads\"",
            "group Miami Users (1 active user) gain edit, delete on Leads records owned by role Support Manager, through rule \"Seeded rule 3\"",
            "superiors of group Miami Users gain edit, delete on Leads records owned by role Support Manager, through rule \"Seeded rule 3\"",
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
