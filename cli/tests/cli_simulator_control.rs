//! `zoho-access simulator` tells other programs how to drive it: its JSON line carries the
//! control surface's URL and token, its stderr shows a working example, and with those values
//! any HTTP client injects a fault into the simulated API.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

#[tokio::test]
async fn prints_how_to_use_the_control_surface_and_it_works() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_zoho-access"))
        .arg("simulator")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(60),
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line),
    )
    .await
    .expect("a JSON line")
    .unwrap();
    let info: Value = serde_json::from_str(&line).unwrap();
    let domain = info["api_domain"].as_str().unwrap();
    let control = info["control_url"].as_str().unwrap();
    let token = info["control_token"].as_str().unwrap();
    assert_eq!(control, format!("{domain}/__simulator"));
    assert_eq!(token.len(), 32);
    assert_ne!(token, info["access_token"].as_str().unwrap());

    // The usage text on stderr names the control surface, its spec and a curl example.
    let mut stderr = child.stderr.take().unwrap();
    let mut usage = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&usage).contains("also:") {
        let n = tokio::time::timeout(Duration::from_secs(30), stderr.read(&mut buf))
            .await
            .expect("usage on stderr")
            .unwrap();
        assert!(n > 0, "stderr closed: {}", String::from_utf8_lossy(&usage));
        usage.extend_from_slice(&buf[..n]);
    }
    let usage = String::from_utf8_lossy(&usage);
    assert!(
        usage.contains(&format!("curl -X POST {control}/faults")),
        "{usage}"
    );
    assert!(
        usage.contains("simulator/spec/simulator-control.yaml"),
        "{usage}"
    );
    assert!(
        usage.contains("Authorization: Bearer <control_token>"),
        "{usage}"
    );
    assert!(
        !usage.contains(token),
        "the token stays on stdout's JSON line"
    );

    // Exactly what the usage text shows, with the printed values.
    let http = reqwest::Client::new();
    let added = http
        .post(format!("{control}/faults"))
        .bearer_auth(token)
        .json(
            &json!({ "match": { "operation": "getOrgPermissions" }, "times": 1,
                       "fault": { "type": "too_many_requests", "retry_after": 2 } }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let api = |http: &reqwest::Client| {
        http.get(format!("{domain}/crm/v8/settings/data_sharing"))
            .header(
                "Authorization",
                format!("Zoho-oauthtoken {}", info["access_token"].as_str().unwrap()),
            )
            .send()
    };
    let throttled = api(&http).await.unwrap();
    assert_eq!(throttled.status(), 429);
    assert_eq!(throttled.headers()["retry-after"], "2");
    assert_eq!(api(&http).await.unwrap().status(), 200);
    let received: Value = http
        .get(format!("{control}/requests"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let statuses: Vec<&Value> = received["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["response"]["status"])
        .collect();
    assert_eq!(statuses, [&json!(429), &json!(200)]);
    child.kill().await.unwrap();
}
