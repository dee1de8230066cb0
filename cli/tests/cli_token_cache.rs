//! The token cache: CLI processes with refresh-token credentials share access tokens through
//! a file in the user's cache directory, so a shell loop or several runs at once send one
//! token request between them (Zoho allows about 10 per 10 minutes per refresh token).
//! Counted by a spawned `zoho-access simulator` on its control surface.

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
    // where the credentials came from (`env`) and a fingerprint of the grant, holding the
    // access token and no long-lived secret.
    let file = cache.join("zoho-access").join("tokens.json");
    let text = std::fs::read_to_string(&file).unwrap();
    let stored: Value = serde_json::from_str(&text).unwrap();
    let entries = stored["tokens"].as_object().unwrap();
    assert_eq!(entries.len(), 1, "{text}");
    let (key, entry) = entries.iter().next().unwrap();
    let prefix = format!(
        "{}@{}#env/",
        sim.get("client_id"),
        sim.get("accounts_url").trim_end_matches('/')
    );
    let grant = key.strip_prefix(&prefix).unwrap_or_else(|| panic!("{key}"));
    assert!(
        grant.len() == 16 && grant.chars().all(|c| c.is_ascii_hexdigit()),
        "{key}"
    );
    assert!(entry["access_token"].is_string(), "{text}");
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

/// A profiles file with one profile per `(name, simulator)`, secrets from environment
/// variables named after the profile; returns the file and the variables to set.
fn profiles(
    dir: &std::path::Path,
    orgs: &[(&str, &SpawnedSimulator)],
) -> (std::path::PathBuf, Vec<(String, String)>) {
    let mut text = String::new();
    let mut env = Vec::new();
    for (name, sim) in orgs {
        let var = name.to_uppercase();
        text.push_str(&format!(
            "[profiles.{name}]\nclient_id = \"{}\"\napi_domain = \"{}\"\naccounts_domain = \"{}\"\nclient_secret_env = \"{var}_SECRET\"\nrefresh_token_env = \"{var}_REFRESH\"\n\n",
            sim.get("client_id"),
            sim.get("api_domain"),
            sim.get("accounts_url"),
        ));
        env.push((format!("{var}_SECRET"), sim.get("client_secret")));
        env.push((format!("{var}_REFRESH"), sim.get("refresh_token")));
    }
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    (path, env)
}

/// `org-permissions get --module Leads` as profile `name`, `extra` options first.
async fn get_leads_as(
    name: &str,
    config: &std::path::Path,
    env: &[(String, String)],
    cache: &std::path::Path,
    extra: &[&str],
) -> Run {
    let mut args: Vec<&str> = extra.to_vec();
    args.extend(["--config", config.to_str().unwrap(), "--profile", name]);
    args.extend(["org-permissions", "get", "--module", "Leads"]);
    let cache = cache.to_str().unwrap().to_owned();
    let mut vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    vars.push(("XDG_CACHE_HOME", &cache));
    run_with(&args, &vars, None).await
}

#[tokio::test]
async fn each_profile_has_its_own_cached_token() {
    // Two orgs with different credentials, and a third profile for the first org under
    // another name.
    let first = SpawnedSimulator::start_with(&["--org-seed", "31"]).await;
    let second = SpawnedSimulator::start_with(&["--org-seed", "32"]).await;
    assert_ne!(first.get("client_id"), second.get("client_id"));
    assert_ne!(first.get("refresh_token"), second.get("refresh_token"));
    let cache = cache_dir("profiles");
    let (config, env) = profiles(
        &cache,
        &[("first", &first), ("second", &second), ("again", &first)],
    );

    // Runs of one profile share its token; the other org's profile mints its own.
    for _ in 0..2 {
        for name in ["first", "second"] {
            let run = get_leads_as(name, &config, &env, &cache, &[]).await;
            assert_eq!(run.ok_json()["share_type"], "private");
            assert!(run.stderr.is_empty(), "{}", run.stderr);
        }
    }
    assert_eq!(
        token_requests(&first).await,
        1,
        "one token for the first org"
    );
    assert_eq!(
        token_requests(&second).await,
        1,
        "one token for the second org"
    );

    // Another profile never takes a profile's token, even for the same org and credentials.
    get_leads_as("again", &config, &env, &cache, &[])
        .await
        .ok_json();
    assert_eq!(token_requests(&first).await, 2);

    // One file, one entry per profile, each key naming its profile; no refresh token in it.
    let file = cache.join("zoho-access").join("tokens.json");
    let text = std::fs::read_to_string(&file).unwrap();
    let stored: Value = serde_json::from_str(&text).unwrap();
    let mut keys: Vec<&String> = stored["tokens"].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys.len(), 3, "{text}");
    for (name, sim) in [("first", &first), ("second", &second), ("again", &first)] {
        let prefix = format!(
            "{}@{}#profile:{name}/",
            sim.get("client_id"),
            sim.get("accounts_url").trim_end_matches('/')
        );
        assert!(
            keys.iter().any(|k| k.starts_with(&prefix)),
            "{prefix} in {keys:?}"
        );
        assert!(!text.contains(&sim.get("refresh_token")));
        assert!(!text.contains(&sim.get("client_secret")));
    }

    // --no-token-cache works with a profile: a new token, nothing read or written.
    get_leads_as("second", &config, &env, &cache, &["--no-token-cache"])
        .await
        .ok_json();
    assert_eq!(token_requests(&second).await, 2);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    // --token-cache names another file for a profile too.
    let own = cache.join("own.json");
    let own_arg = own.to_str().unwrap().to_owned();
    for _ in 0..2 {
        get_leads_as(
            "second",
            &config,
            &env,
            &cache,
            &["--token-cache", &own_arg],
        )
        .await
        .ok_json();
    }
    assert_eq!(token_requests(&second).await, 3);
    assert!(std::fs::read_to_string(&own)
        .unwrap()
        .contains("#profile:second/"));
    std::fs::remove_dir_all(&cache).unwrap();
}
