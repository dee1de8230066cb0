//! `zoho-access simulator`: a long-running simulated org that other invocations (and any HTTP
//! client) can use; its state persists between calls.

mod cli_support;

use std::process::Stdio;

use cli_support::run_with;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test]
async fn serves_until_killed_and_keeps_state_between_invocations() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_zoho-access"))
        .arg("simulator")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).await.unwrap();
    let info: Value = serde_json::from_str(&first).expect("one JSON line");
    let domain = info["api_domain"].as_str().unwrap().to_owned();
    assert!(domain.starts_with("http://127.0.0.1:"));
    let token = info["access_token"].as_str().unwrap().to_owned();

    // Any HTTP client can use it.
    let r = reqwest::Client::new()
        .get(format!("{domain}/crm/v8/settings/data_sharing"))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // One invocation changes the org, the next one sees it.
    let env = [("ZOHO_ACCESS_TOKEN", token.as_str())];
    let rule = json!({ "name": "Everyone reads leads", "superiors_allowed": false, "type": "Criteria_Based",
        "criteria": { "comparator": "equal", "field": { "api_name": "Lead_Status" }, "value": "Contacted" },
        "shared_to": { "type": "all_users", "subordinates": false }, "permission_type": "read" });
    run_with(
        &[
            "--api-domain",
            &domain,
            "sharing-rules",
            "create",
            "--module",
            "Leads",
        ],
        &env,
        Some(&rule.to_string()),
    )
    .await
    .ok_json();
    let listed = run_with(
        &[
            "--api-domain",
            &domain,
            "sharing-rules",
            "list",
            "--module",
            "Leads",
        ],
        &env,
        None,
    )
    .await
    .ok_json();
    assert_eq!(listed["items"][0]["name"], "Everyone reads leads");

    // The refresh flow works with the printed credentials too.
    let accounts = info["accounts_url"].as_str().unwrap();
    let refreshed = run_with(
        &[
            "--api-domain",
            &domain,
            "--accounts-domain",
            accounts,
            "org-permissions",
            "get",
            "--module",
            "Leads",
        ],
        &[
            ("ZOHO_CLIENT_ID", info["client_id"].as_str().unwrap()),
            (
                "ZOHO_CLIENT_SECRET",
                info["client_secret"].as_str().unwrap(),
            ),
            (
                "ZOHO_REFRESH_TOKEN",
                info["refresh_token"].as_str().unwrap(),
            ),
        ],
        None,
    )
    .await;
    assert_eq!(refreshed.ok_json()["share_type"], "private");

    assert!(child.try_wait().unwrap().is_none(), "still serving");
    child.kill().await.unwrap();
}
