//! The token cache: CLI processes with refresh-token credentials share access tokens through
//! a file in the user's cache directory, so a shell loop or several runs at once send one
//! token request between them (Zoho allows about 10 per 10 minutes per refresh token).
//! Counted by a spawned `zoho-access simulator` on its control surface.
#![cfg(feature = "cli")]

mod cli_support;

use cli_support::{run_with, Run, SpawnedSimulator};
use serde_json::{json, Value};

/// A cache directory of its own for one test (the runs' `XDG_CACHE_HOME`).
fn cache_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "zoho-access-token-cache-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `org-permissions get --module Leads` against `sim` with its refresh-token credentials,
/// `extra` options first, the cache in `cache`.
async fn get_leads(sim: &SpawnedSimulator, cache: &std::path::Path, extra: &[&str]) -> Run {
    let mut args: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
    args.extend(sim.domain_args());
    args.extend(["org-permissions", "get", "--module", "Leads"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let creds = sim.refresh_env();
    let cache = cache.to_str().unwrap().to_owned();
    let mut env: Vec<(&str, &str)> = creds.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.push(("XDG_CACHE_HOME", &cache));
    run_with(&args, &env, None).await
}

async fn token_requests(sim: &SpawnedSimulator) -> u64 {
    sim.control("GET", "stats", None).await["access_tokens"]["token_requests"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn runs_one_after_another_reuse_the_cached_token() {
    let sim = SpawnedSimulator::start().await;
    let cache = cache_dir("sequential");
    for _ in 0..3 {
        assert_eq!(
            get_leads(&sim, &cache, &[]).await.ok_json()["share_type"],
            "private"
        );
    }
    assert_eq!(token_requests(&sim).await, 1, "one token for three runs");

    // The file: in the cache directory, owner-only, keyed by client id and accounts server,
    // holding the access token and no long-lived secret.
    let file = cache.join("zoho-access").join("tokens.json");
    let text = std::fs::read_to_string(&file).unwrap();
    let stored: Value = serde_json::from_str(&text).unwrap();
    let key = format!(
        "{}@{}",
        sim.get("client_id"),
        sim.get("accounts_url").trim_end_matches('/')
    );
    assert!(stored["tokens"][&key]["access_token"].is_string(), "{text}");
    assert!(!text.contains(&sim.get("client_secret")));
    assert!(!text.contains(&sim.get("refresh_token")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    std::fs::remove_dir_all(&cache).unwrap();
}

#[tokio::test]
async fn runs_at_the_same_time_send_one_token_request_in_total() {
    let sim = SpawnedSimulator::start().await;
    let cache = cache_dir("concurrent");
    // The token endpoint answers each request after 1.5 s, so every run starts while the
    // first token is still being minted (without the shared lock, each would mint its own).
    sim.control(
        "POST",
        "faults",
        Some(json!({"match": {"operation": "token"}, "times": 10,
                    "fault": {"type": "delay", "millis": 1500}})),
    )
    .await;
    let runs = futures::future::join_all((0..6).map(|_| get_leads(&sim, &cache, &[]))).await;
    for run in &runs {
        assert_eq!(run.ok_json()["share_type"], "private");
        assert!(run.stderr.is_empty(), "{}", run.stderr);
    }
    assert_eq!(
        token_requests(&sim).await,
        1,
        "one token for six runs at once"
    );
    let received = sim.control("GET", "requests", None).await;
    let to_accounts = received["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["target"] == "accounts")
        .count();
    assert_eq!(to_accounts, 1);
    // The file is whole JSON with one entry.
    let text = std::fs::read_to_string(cache.join("zoho-access").join("tokens.json")).unwrap();
    let stored: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(stored["tokens"].as_object().unwrap().len(), 1);
    std::fs::remove_dir_all(&cache).unwrap();
}

#[tokio::test]
async fn no_token_cache_mints_in_every_run_and_writes_nothing() {
    let sim = SpawnedSimulator::start().await;
    let cache = cache_dir("disabled");
    for _ in 0..2 {
        get_leads(&sim, &cache, &["--no-token-cache"])
            .await
            .ok_json();
    }
    assert_eq!(token_requests(&sim).await, 2);
    assert!(
        !cache.join("zoho-access").exists(),
        "nothing written to the cache directory"
    );

    // --token-cache names another file; that file is used.
    let own = cache.join("elsewhere").join("t.json");
    let own_str = own.to_str().unwrap().to_owned();
    for _ in 0..2 {
        get_leads(&sim, &cache, &["--token-cache", &own_str])
            .await
            .ok_json();
    }
    assert_eq!(token_requests(&sim).await, 3);
    assert!(own.exists());
    std::fs::remove_dir_all(&cache).unwrap();
}

#[tokio::test]
async fn a_corrupt_cache_file_is_replaced_silently() {
    let sim = SpawnedSimulator::start().await;
    let cache = cache_dir("corrupt");
    let file = cache.join("zoho-access").join("tokens.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"{not json").unwrap();
    let run = get_leads(&sim, &cache, &[]).await;
    assert_eq!(run.ok_json()["share_type"], "private");
    assert!(run.stderr.is_empty(), "quiet by default: {}", run.stderr);
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(stored["tokens"].as_object().unwrap().len(), 1);
    get_leads(&sim, &cache, &[]).await.ok_json();
    assert_eq!(token_requests(&sim).await, 1);
    std::fs::remove_dir_all(&cache).unwrap();
}
