//! The access review (issue 24), run as the real binary against the simulator on loopback:
//! what `plan` and `apply` say a file does to access, and the `access report` page rendered
//! in headless Chromium.
#![cfg(unix)]

mod cli_support;

use cli_support::{run, run_with, Run};
use serde_json::Value;
use zoho_crm_access_simulator::Simulator;

/// A fresh directory for this test's files.
fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("zoho-access-review-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The org before the plan: Leads private, and a rule sharing Miami leads with the group
/// Miami Users (read).
const BEFORE: &str = "version: 1
scope:
  families: [org_permissions, sharing_rules]
  modules: [Leads]
org_permissions: {Leads: private}
sharing_rules:
  Leads:
  - name: Miami leads
    permission: read
    to: {group: Miami Users}
    criteria: {all: [{field: City, comparator: equal, value: Miami}, {field: State, comparator: equal, value: Florida}]}
";

/// The plan: the org default goes to public_read_only, the Miami rule now shares with the
/// group Sales Team and allows edit, and a new owner-based rule gives managers everything on
/// the records of sales representatives.
const AFTER: &str = "version: 1
scope:
  families: [org_permissions, sharing_rules]
  modules: [Leads]
org_permissions: {Leads: public_read_only}
sharing_rules:
  Leads:
  - name: Miami leads
    permission: read_write
    to: {group: Sales Team}
    criteria: {all: [{field: City, comparator: equal, value: Miami}, {field: State, comparator: equal, value: Florida}]}
  - name: Reps to managers
    permission: read_write_delete
    from: {role_and_subordinates: Sales Representative}
    to: {role: Manager}
";

/// The lines the plan of [`AFTER`] must print about access, in this order (org defaults
/// first, then rules by name; for a rule, gains before losses). In the simulator's default
/// org Sales Team is the role Manager with its subordinates and John Smith, of whom John Smith
/// and Maria Garcia can sign in (Lee Park is not confirmed); Miami Users is Maria Garcia, Lee
/// Park and the role Sales Representative; Manager is John Smith; the org has 4 active users.
const EFFECT: &[&str] = &[
    "+ everyone gains view on Leads records of others: org default private -> public_read_only",
    "+ group Sales Team (2 active users) gain edit on Leads records with City = Miami and State = Florida, through rule \"Miami leads\"",
    "- group Miami Users (1 active user) lose view on Leads records with City = Miami and State = Florida, through rule \"Miami leads\"",
    "+ role Manager (1 active user) gain edit, delete on Leads records owned by role Sales Representative and subordinates, through rule \"Reps to managers\"",
];

async fn zoho(sim: &Simulator, args: &[&str]) -> Run {
    run(sim, args, None).await
}

#[tokio::test]
async fn a_plan_prints_the_access_it_grants_and_removes_in_text_and_json() {
    let sim = Simulator::start().await.unwrap();
    let d = dir("effect");
    let before = d.join("before.yaml");
    let after = d.join("after.yaml");
    std::fs::write(&before, BEFORE).unwrap();
    std::fs::write(&after, AFTER).unwrap();

    // The org as BEFORE says, through the CLI's own apply; its text shows the effect too,
    // after the changes and before the report of what was applied.
    let applied = zoho(&sim, &["apply", "--yes", before.to_str().unwrap()]).await;
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let out = &applied.stdout;
    let changes = out.find("sharing_rules.Leads[\"Miami leads\"]").expect(out);
    let effect = out.find("Access effect").expect(out);
    assert!(changes < effect, "{out}");
    assert!(
        out.contains(
            "+ group Miami Users (1 active user) gain view on Leads records with City = Miami \
             and State = Florida, through rule \"Miami leads\""
        ),
        "{out}"
    );

    // The plan, as text: the changes, then the access lines.
    let planned = zoho(&sim, &["plan", after.to_str().unwrap()]).await;
    assert_eq!(planned.code, 0, "{}", planned.stderr);
    let text = &planned.stdout;
    let (plan_part, effect_part) = text
        .split_once("Access effect on records of others (4 active users in the org):")
        .unwrap_or_else(|| panic!("no access effect heading:\n{text}"));
    assert!(
        plan_part.contains("org_permissions.Leads: private -> public_read_only"),
        "{text}"
    );
    let lines: Vec<&str> = effect_part
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('+') || l.starts_with('-'))
        .collect();
    assert_eq!(lines, EFFECT, "{text}");
    assert!(
        effect_part.contains("Not covered: shares of single records"),
        "{text}"
    );

    // The same as a document, under its own key.
    let doc = zoho(&sim, &["-o", "json", "plan", after.to_str().unwrap()])
        .await
        .ok_json();
    let effect = &doc["access_effect"];
    assert_eq!(effect["computed"], true, "{doc:#}");
    assert_eq!(effect["active_users"], 4);
    let summary: Vec<String> = effect["summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = EFFECT.iter().map(|l| l[2..].to_owned()).collect();
    assert_eq!(summary, expected);
    let first = &effect["changes"][0];
    assert_eq!(first["module"], "Leads");
    assert_eq!(first["direction"], "gain");
    assert_eq!(first["actions"], serde_json::json!(["view"]));
    assert_eq!(first["grantee"]["type"], "everyone");
    assert_eq!(first["cause"]["type"], "org_default");
    assert_eq!(first["cause"]["before"], "private");
    assert_eq!(first["cause"]["after"], "public_read_only");
    let group = &effect["changes"][1];
    assert_eq!(
        group["grantee"]["audience"],
        serde_json::json!({"group": "Sales Team"})
    );
    assert_eq!(group["grantee"]["active_users"], 2);
    assert_eq!(group["records"]["type"], "matching");
    assert_eq!(
        group["cause"],
        serde_json::json!({"type": "rule", "rule": "Miami leads"})
    );
    assert_eq!(effect["not_covered"].as_array().unwrap().len(), 4);

    // apply -o json: the report of what was applied carries the same effect, computed before
    // the confirmation.
    let report = zoho(
        &sim,
        &["-o", "json", "apply", "--yes", after.to_str().unwrap()],
    )
    .await
    .ok_json();
    assert_eq!(
        report["access_effect"]["summary"], effect["summary"],
        "{report:#}"
    );
    // Applied: planning again changes nothing, and nothing is read for the effect.
    let again = zoho(&sim, &["-o", "json", "plan", after.to_str().unwrap()])
        .await
        .ok_json();
    assert_eq!(again["changes"], serde_json::json!([]));
    assert_eq!(again["access_effect"]["changes"], serde_json::json!([]));
}

#[tokio::test]
async fn a_plan_whose_token_cannot_read_the_directory_says_the_effect_was_not_computed() {
    let sim = Simulator::start().await.unwrap();
    let d = dir("no-directory");
    let after = d.join("after.yaml");
    std::fs::write(&after, AFTER).unwrap();
    // The access settings and the names they use: enough to plan, not to read the org (its
    // hierarchy preference) and its users.
    let token = sim.issue_access_token(&[
        "ZohoCRM.settings.data_sharing.ALL",
        "ZohoCRM.settings.modules.ALL",
        "ZohoCRM.settings.fields.ALL",
        "ZohoCRM.settings.roles.ALL",
        "ZohoCRM.settings.user_groups.ALL",
        "ZohoCRM.settings.profiles.ALL",
    ]);
    let domain = sim.api_domain();
    let base = [
        "--api-domain",
        domain.as_str(),
        "plan",
        after.to_str().unwrap(),
    ];
    let env = [("ZOHO_ACCESS_TOKEN", token.as_str())];
    let text = run_with(&base, &env, None).await;
    assert_eq!(text.code, 0, "the plan itself succeeds: {}", text.stderr);
    assert!(
        text.stdout
            .contains("org_permissions.Leads: private -> public_read_only"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("Access effect: not computed (")
            && text.stdout.contains("OAUTH_SCOPE_MISMATCH"),
        "{}",
        text.stdout
    );
    let mut json_args = vec!["-o", "json"];
    json_args.extend_from_slice(&base);
    let doc: Value = run_with(&json_args, &env, None).await.ok_json();
    assert_eq!(doc["access_effect"]["computed"], false, "{doc:#}");
    assert!(doc["access_effect"]["reason"]
        .as_str()
        .unwrap()
        .contains("OAUTH_SCOPE_MISMATCH"));
    assert!(!doc["changes"].as_array().unwrap().is_empty());
}
