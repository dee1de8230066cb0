//! `zoho-access simulator --org-seed N`: two long-running simulated orgs with the same names and
//! different ids, as a sandbox and its production org.

use std::collections::BTreeMap;
use std::process::Stdio;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

/// Starts `zoho-access simulator` with `args`; returns the child and its JSON line.
async fn serve(args: &[&str]) -> (tokio::process::Child, Value) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_zoho-access"))
        .arg("simulator")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).await.unwrap();
    let info: Value = serde_json::from_str(&line).expect("one JSON line");
    (child, info)
}

/// Role name -> id, and user e-mail -> id, as the org's directory answers them.
async fn directory(info: &Value) -> BTreeMap<String, String> {
    let http = reqwest::Client::new();
    let domain = info["api_domain"].as_str().unwrap();
    let token = info["access_token"].as_str().unwrap();
    let mut out = BTreeMap::new();
    for (path, key, name) in [
        ("settings/roles", "roles", "name"),
        ("users", "users", "email"),
    ] {
        let body: Value = http
            .get(format!("{domain}/crm/v8/{path}"))
            .header("Authorization", format!("Zoho-oauthtoken {token}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for item in body[key].as_array().unwrap() {
            out.insert(
                format!("{key} {}", item[name].as_str().unwrap()),
                item["id"].as_str().unwrap().to_owned(),
            );
        }
    }
    out
}

#[tokio::test]
async fn org_seeds_serve_the_same_names_with_different_ids() {
    let (_sandbox, a) = serve(&["--org-seed", "1"]).await;
    let (_production, b) = serve(&["--org-seed", "2"]).await;
    assert_eq!(a["org_seed"], 1);
    assert_eq!(b["org_seed"], 2);
    assert_ne!(a["client_id"], b["client_id"]);
    let (da, db) = (directory(&a).await, directory(&b).await);
    assert_eq!(da.keys().collect::<Vec<_>>(), db.keys().collect::<Vec<_>>());
    assert!(da.contains_key("roles Sales Representative"));
    assert!(da.contains_key("users patricia.boyle@example.com"));
    for (name, id) in &da {
        assert_ne!(id, &db[name], "{name}");
    }
    // The same org seed is the same org; without the option it is org seed 0.
    let (_again, c) = serve(&["--org-seed", "2"]).await;
    assert_eq!(directory(&c).await, db);
    let (_default, d) = serve(&[]).await;
    assert_eq!(d["org_seed"], 0);
    let (_zero, z) = serve(&["--org-seed", "0"]).await;
    assert_eq!(directory(&d).await, directory(&z).await);
}

#[tokio::test]
async fn an_org_seed_that_is_not_a_number_is_refused() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_zoho-access"))
        .args(["simulator", "--org-seed", "sandbox"])
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--org-seed"), "{stderr}");
}
