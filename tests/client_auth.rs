//! Authentication over real HTTP on loopback: token refresh, single flight, 401 handling,
//! the API domain from the token response, token stores, and secrets kept out of places
//! they must not reach.

mod support;

use support::{
    accounts_for, api_accepting, api_accepting_any, key_of, refresh_client, token_reply,
    zoho_error, Reply, TestServer, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN,
};
use zoho_crm_access::auth::{FileTokenStore, MemoryTokenStore, StoredToken, TokenStore};
use zoho_crm_access::{Client, Error};

/// A memory store holding `token` where [`refresh_client`] looks for its tokens.
async fn store_holding(accounts: &TestServer, token: StoredToken) -> MemoryTokenStore {
    let store = MemoryTokenStore::new();
    store.save(&key_of(accounts), &token).await.unwrap();
    store
}

/// A fresh directory `zoho-crm-access-<name>-<pid>` in the temp dir and the token file path
/// in it, with no file there yet; the test removes the directory.
fn token_file(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("zoho-crm-access-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("token.json");
    let _ = std::fs::remove_file(&path);
    (dir, path)
}

#[tokio::test]
async fn fifty_concurrent_calls_share_one_token_refresh() {
    let api = api_accepting("tok-1").await;
    let accounts = accounts_for(&api, 3600).await;
    let client = refresh_client(&api, &accounts)
        .max_concurrency(50)
        .build()
        .unwrap();

    let calls = (0..50).map(|_| client.record_locking("Deals").get());
    let results = futures::future::join_all(calls).await;
    for r in results {
        assert_eq!(r.unwrap().unwrap().id, "111");
    }

    assert_eq!(accounts.total(), 1, "exactly one token request");
    assert_eq!(
        api.count("GET", "/crm/v8/settings/record_locking_configurations"),
        50
    );
    let token_req = &accounts.requests()[0];
    assert_eq!(token_req.method, "POST");
    assert_eq!(
        token_req.form_param("grant_type").as_deref(),
        Some("refresh_token")
    );
    assert_eq!(
        token_req.form_param("client_id").as_deref(),
        Some(CLIENT_ID)
    );
    assert_eq!(
        token_req.form_param("client_secret").as_deref(),
        Some(CLIENT_SECRET)
    );
    assert_eq!(
        token_req.form_param("refresh_token").as_deref(),
        Some(REFRESH_TOKEN)
    );
}

#[tokio::test]
async fn an_expired_stored_token_is_refreshed_once_for_fifty_concurrent_calls() {
    let api = api_accepting("tok-1").await;
    let accounts = accounts_for(&api, 3600).await;
    let store = store_holding(
        &accounts,
        StoredToken::new("stale-token")
            .with_expires_at(std::time::SystemTime::now() - std::time::Duration::from_secs(5))
            .with_api_domain(api.url.clone()),
    )
    .await;
    let client = refresh_client(&api, &accounts)
        .token_store(store)
        .max_concurrency(50)
        .build()
        .unwrap();

    let results =
        futures::future::join_all((0..50).map(|_| client.record_locking("Deals").get())).await;
    assert!(results.iter().all(|r| r.is_ok()));
    assert_eq!(accounts.total(), 1);
    // The stale token was never sent: it had expired.
    assert!(api
        .requests()
        .iter()
        .all(|r| r.header("authorization").as_deref() == Some("Zoho-oauthtoken tok-1")));
}

#[tokio::test]
async fn a_valid_stored_token_is_used_without_refreshing() {
    let api = api_accepting("kept-token").await;
    let accounts = accounts_for(&api, 3600).await;
    let store = store_holding(
        &accounts,
        StoredToken::new("kept-token")
            .with_expires_at(std::time::SystemTime::now() + std::time::Duration::from_secs(3000)),
    )
    .await;
    let client = refresh_client(&api, &accounts)
        .token_store(store)
        .build()
        .unwrap();
    client.record_locking("Deals").get().await.unwrap();
    assert_eq!(accounts.total(), 0);
}

#[tokio::test]
async fn a_401_invalid_token_refreshes_once_and_retries() {
    // The first minted token is refused by the API; the second is accepted.
    let api = api_accepting("tok-2").await;
    let accounts = accounts_for(&api, 3600).await;
    let client = refresh_client(&api, &accounts).build().unwrap();

    let config = client.record_locking("Deals").get().await.unwrap().unwrap();
    assert_eq!(config.id, "111");
    assert_eq!(
        accounts.total(),
        2,
        "initial token + one refresh after the 401"
    );
    let auths: Vec<_> = api
        .requests()
        .iter()
        .map(|r| r.header("authorization").unwrap())
        .collect();
    assert_eq!(auths, ["Zoho-oauthtoken tok-1", "Zoho-oauthtoken tok-2"]);
}

#[tokio::test]
async fn a_401_invalid_token_refreshes_and_retries_even_with_retries_off() {
    // Retrying after a refresh is not one of the policy's retries: with one attempt allowed,
    // the rejected request is still sent again, once, with the new token.
    let api = api_accepting("tok-2").await;
    let accounts = accounts_for(&api, 3600).await;
    let client = refresh_client(&api, &accounts)
        .retry(zoho_crm_access::RetryPolicy::none())
        .build()
        .unwrap();

    let config = client.record_locking("Deals").get().await.unwrap().unwrap();
    assert_eq!(config.id, "111");
    assert_eq!(accounts.total(), 2);
    assert_eq!(api.total(), 2);
}

#[tokio::test]
async fn a_second_401_after_refreshing_is_a_typed_error_not_a_loop() {
    let api = api_accepting("never-minted").await;
    let accounts = accounts_for(&api, 3600).await;
    let client = refresh_client(&api, &accounts).build().unwrap();

    let err = client.record_locking("Deals").get().await.unwrap_err();
    match &err {
        Error::Api {
            status,
            code,
            operation,
            ..
        } => {
            assert_eq!(*status, 401);
            assert_eq!(code.as_str(), "INVALID_TOKEN");
            assert_eq!(operation, "getRecordLockingConfigurations");
        }
        other => panic!("expected Api, got {other:?}"),
    }
    assert!(err.is_auth());
    assert_eq!(accounts.total(), 2);
    assert_eq!(api.total(), 2);
}

#[tokio::test]
async fn a_scope_mismatch_401_does_not_refresh() {
    let api = TestServer::start(|_| {
        Reply::json(
            401,
            zoho_error(
                "OAUTH_SCOPE_MISMATCH",
                "invalid oauth scope to access this URL",
                serde_json::json!({}),
            ),
        )
    })
    .await;
    let accounts = accounts_for(&api, 3600).await;
    let client = refresh_client(&api, &accounts).build().unwrap();
    let err = client.sharing_rules("Leads").summary().await.unwrap_err();
    assert_eq!(err.code().map(|c| c.as_str()), Some("OAUTH_SCOPE_MISMATCH"));
    assert!(err.to_string().contains("scope"), "{err}");
    assert_eq!(accounts.total(), 1);
    assert_eq!(api.total(), 1);
}

#[tokio::test]
async fn a_static_token_is_sent_as_zoho_oauthtoken_and_never_refreshed() {
    let api = api_accepting("static-abc").await;
    let client = Client::builder()
        .base_url(&api.url)
        .access_token("static-abc")
        .build()
        .unwrap();
    client.record_locking("Deals").get().await.unwrap();
    let req = &api.requests()[0];
    assert_eq!(
        req.header("authorization").as_deref(),
        Some("Zoho-oauthtoken static-abc")
    );
    assert_eq!(
        req.header("api-version"),
        None,
        "progenitor's api-version header is dropped"
    );
    assert_eq!(req.query_param("module").as_deref(), Some("Deals"));

    let bad = Client::builder()
        .base_url(&api.url)
        .access_token("wrong")
        .build()
        .unwrap();
    let err = bad.record_locking("Deals").get().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(api.total(), 2, "no retry without a refresh token");
}

#[tokio::test]
async fn requests_follow_the_api_domain_when_asked_to_even_with_a_base_url() {
    let real_api = api_accepting("tok-1").await;
    // The configured domain answers 500 to anything: it must not be used.
    let configured = TestServer::start(|_| Reply::empty(500)).await;
    let accounts = accounts_for(&real_api, 3600).await;
    let client = Client::builder()
        .base_url(&configured.url)
        .accounts_url(&accounts.url)
        .refresh_token(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
        .follow_api_domain(true)
        .build()
        .unwrap();
    client.record_locking("Deals").get().await.unwrap().unwrap();
    assert_eq!(configured.total(), 0);
    assert_eq!(real_api.total(), 1);
}

#[tokio::test]
async fn a_production_data_centre_client_follows_the_api_domain_by_default() {
    let real_api = api_accepting("tok-1").await;
    let accounts = accounts_for(&real_api, 3600).await;
    let client = Client::builder()
        .data_center(zoho_crm_access::DataCenter::Eu)
        .accounts_url(&accounts.url)
        .refresh_token(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "https://www.zohoapis.eu/crm/v8");
    // Only loopback traffic: the token response moves requests to the local API server.
    client.record_locking("Deals").get().await.unwrap().unwrap();
    assert_eq!(real_api.total(), 1);
    assert_eq!(
        client.current_base_url(),
        format!("{}/crm/v8", real_api.url)
    );
}

#[tokio::test]
async fn an_explicit_base_url_is_not_overridden_by_the_api_domain() {
    let configured = api_accepting("tok-1").await;
    // The accounts server names another domain, which answers 500 to anything.
    let elsewhere = TestServer::start(|_| Reply::empty(500)).await;
    let accounts = accounts_for(&elsewhere, 3600).await;
    let client = refresh_client(&configured, &accounts).build().unwrap();
    client.record_locking("Deals").get().await.unwrap().unwrap();
    assert_eq!(configured.total(), 1);
    assert_eq!(elsewhere.total(), 0);
    assert_eq!(
        client.current_base_url(),
        format!("{}/crm/v8", configured.url)
    );
}

#[tokio::test]
async fn a_sandbox_or_developer_client_keeps_its_domain_after_a_token_names_another() {
    for env in [
        zoho_crm_access::Environment::Sandbox,
        zoho_crm_access::Environment::Developer,
    ] {
        let elsewhere = TestServer::start(|_| Reply::empty(500)).await;
        let accounts = accounts_for(&elsewhere, 3600).await;
        let client = Client::builder()
            .data_center(zoho_crm_access::DataCenter::Us)
            .environment(env)
            .accounts_url(&accounts.url)
            .refresh_token(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
            .build()
            .unwrap();
        let configured = client.base_url().to_owned();
        assert!(configured.starts_with("https://"), "{configured}");
        // Mint the token (loopback only) without calling the API, then see where calls go.
        client.authenticate().await.unwrap();
        assert_eq!(accounts.total(), 1);
        assert_eq!(client.current_base_url(), configured, "{env:?}");
        assert_eq!(elsewhere.total(), 0);
    }
}

#[tokio::test]
async fn a_plain_http_api_domain_outside_loopback_is_refused() {
    let accounts =
        TestServer::start(|_| token_reply("tok-1", "http://www.zohoapis.example", 3600)).await;
    let api = api_accepting("tok-1").await;
    let client = refresh_client(&api, &accounts)
        .follow_api_domain(true)
        .build()
        .unwrap();
    let err = client.record_locking("Deals").get().await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(err.to_string().contains("plain http"), "{err}");
    assert_eq!(api.total(), 0);
}

#[tokio::test]
async fn a_refused_refresh_is_an_auth_error_without_secrets() {
    let accounts =
        TestServer::start(|_| Reply::json(200, serde_json::json!({"error": "invalid_code"}))).await;
    let api = api_accepting("tok-1").await;
    let client = refresh_client(&api, &accounts).build().unwrap();
    let err = client.org_permissions().get().await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(text.contains("invalid_code"), "{text}");
    for secret in [CLIENT_SECRET, REFRESH_TOKEN] {
        assert!(!text.contains(secret), "secret leaked: {text}");
    }
    assert_eq!(api.total(), 0);
}

#[tokio::test]
async fn each_refusal_of_the_accounts_server_says_what_it_means() {
    for (code, meaning) in [
        ("invalid_code", "the refresh token is invalid or revoked"),
        ("invalid_client", "the client id or client secret is wrong"),
        ("Access Denied", "too many token requests"),
    ] {
        let accounts =
            TestServer::start(move |_| Reply::json(400, serde_json::json!({ "error": code })))
                .await;
        let api = api_accepting("tok-1").await;
        let client = refresh_client(&api, &accounts).build().unwrap();
        let err = client.org_permissions().get().await.unwrap_err();
        assert!(matches!(err, Error::Auth { .. }), "{code}: {err:?}");
        let text = err.to_string();
        assert!(text.contains(code), "{code}: {text}");
        assert!(text.contains(meaning), "{code}: {text}");
        assert_eq!(api.total(), 0);
    }
    // A code the client does not know is reported as it is, with no guess at its meaning.
    let accounts = TestServer::start(|_| {
        Reply::json(400, serde_json::json!({ "error": "unsupported_grant" }))
    })
    .await;
    let api = api_accepting("tok-1").await;
    let err = refresh_client(&api, &accounts)
        .build()
        .unwrap()
        .org_permissions()
        .get()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.ends_with(": unsupported_grant"), "{text}");
}

#[tokio::test]
async fn the_file_store_keeps_the_token_for_the_next_client_with_owner_only_permissions() {
    let api = api_accepting("tok-1").await;
    let accounts = accounts_for(&api, 3600).await;
    let (dir, path) = token_file("test");

    let first = refresh_client(&api, &accounts)
        .token_store(FileTokenStore::new(&path))
        .build()
        .unwrap();
    first.record_locking("Deals").get().await.unwrap();
    assert_eq!(accounts.total(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let stored = std::fs::read_to_string(&path).unwrap();
    assert!(!stored.contains(REFRESH_TOKEN) && !stored.contains(CLIENT_SECRET));

    let second = refresh_client(&api, &accounts)
        .token_store(FileTokenStore::new(&path))
        .build()
        .unwrap();
    second.record_locking("Deals").get().await.unwrap();
    assert_eq!(
        accounts.total(),
        1,
        "the second client reused the stored token"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A client of `api` refreshing as `client_id` with `refresh_token` at `accounts`, keeping its
/// tokens in the file at `path`.
fn stored_client(
    api: &TestServer,
    accounts: &TestServer,
    client_id: &str,
    refresh_token: &str,
    path: &std::path::Path,
) -> Client {
    Client::builder()
        .base_url(&api.url)
        .accounts_url(&accounts.url)
        .refresh_token(client_id, CLIENT_SECRET, refresh_token)
        .token_store(FileTokenStore::new(path))
        .build()
        .unwrap()
}

/// The `Authorization` header of every request `api` received, in order.
fn authorizations(api: &TestServer) -> Vec<String> {
    api.requests()
        .iter()
        .map(|r| r.header("authorization").unwrap_or_default())
        .collect()
}

/// Reproduction: the store keyed tokens by client id and accounts server only, so a client
/// with another refresh token of the same OAuth client (another user, another org, other
/// scopes) loaded the first one's access token from a shared store and acted with its grant.
#[tokio::test]
async fn a_stored_token_of_another_refresh_token_of_the_same_client_is_not_reused() {
    let api = api_accepting_any(&["tok-for-grant-one", "tok-for-grant-two"]).await;
    // The accounts server mints a token that names the grant it was minted for.
    let accounts = TestServer::start(|r| {
        let grant = r.form_param("refresh_token").unwrap_or_default();
        token_reply(&format!("tok-for-{grant}"), "http://127.0.0.1:9", 3600)
    })
    .await;
    let (dir, path) = token_file("grants");
    for grant in ["grant-one", "grant-two", "grant-one", "grant-two"] {
        stored_client(&api, &accounts, CLIENT_ID, grant, &path)
            .record_locking("Deals")
            .get()
            .await
            .unwrap();
    }
    assert_eq!(accounts.total(), 2, "one token per grant, each reused once");
    assert_eq!(
        authorizations(&api),
        [
            "Zoho-oauthtoken tok-for-grant-one",
            "Zoho-oauthtoken tok-for-grant-two",
            "Zoho-oauthtoken tok-for-grant-one",
            "Zoho-oauthtoken tok-for-grant-two",
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_stored_token_of_another_client_or_data_centre_is_not_reused() {
    // Two accounts servers (two data centres), each minting its own tokens, and one API
    // server accepting the tokens of both.
    let api = api_accepting_any(&["eu-1", "in-1", "other-1"]).await;
    let eu = TestServer::start(|_| token_reply("eu-1", "http://127.0.0.1:9", 3600)).await;
    let india = TestServer::start(|_| token_reply("in-1", "http://127.0.0.1:9", 3600)).await;
    let (dir, path) = token_file("keyed");
    let with = |accounts: &TestServer, client_id: &str| {
        stored_client(&api, accounts, client_id, REFRESH_TOKEN, &path)
    };
    let tokens_sent = || authorizations(&api);

    with(&eu, CLIENT_ID)
        .record_locking("Deals")
        .get()
        .await
        .unwrap();
    assert_eq!(eu.total(), 1);
    // Same client id, another data centre: its own token, not the EU one.
    with(&india, CLIENT_ID)
        .record_locking("Deals")
        .get()
        .await
        .unwrap();
    assert_eq!(india.total(), 1);
    assert_eq!(tokens_sent()[1], "Zoho-oauthtoken in-1");
    // Another client id (another org) at the EU accounts server: a token of its own too.
    with(&eu, "1000.OTHERCLIENT")
        .record_locking("Deals")
        .get()
        .await
        .unwrap();
    assert_eq!(eu.total(), 2, "the other client minted its own token");
    // Back to the first configuration: its token is still in the file and is reused.
    with(&eu, CLIENT_ID)
        .record_locking("Deals")
        .get()
        .await
        .unwrap();
    with(&india, CLIENT_ID)
        .record_locking("Deals")
        .get()
        .await
        .unwrap();
    assert_eq!((eu.total(), india.total()), (2, 1));
    let sent = tokens_sent();
    assert_eq!(sent[3], "Zoho-oauthtoken eu-1");
    assert_eq!(sent[4], "Zoho-oauthtoken in-1");
    // The file names whose tokens it holds, and no secret of the client.
    let stored = std::fs::read_to_string(&path).unwrap();
    assert!(stored.contains(&zoho_crm_access::auth::store_key(
        CLIENT_ID,
        &india.url,
        REFRESH_TOKEN
    )));
    assert!(!stored.contains(CLIENT_SECRET) && !stored.contains(REFRESH_TOKEN));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn absurd_token_lifetimes_from_the_server_do_not_break_the_client() {
    for expires_in in [0, 1, u64::MAX] {
        // Ten calls one after another: the token minted by the first is reused.
        let api = api_accepting("tok-1").await;
        let accounts = accounts_for(&api, expires_in).await;
        let client = refresh_client(&api, &accounts).build().unwrap();
        for _ in 0..10 {
            client.record_locking("Deals").get().await.unwrap();
        }
        assert_eq!(accounts.total(), 1, "sequential, expires_in {expires_in}");
        assert_eq!(api.total(), 10, "sequential, expires_in {expires_in}");

        // Twenty calls at once: they all wait for one refresh and use its token.
        let api = api_accepting("tok-1").await;
        let accounts = accounts_for(&api, expires_in).await;
        let client = refresh_client(&api, &accounts)
            .max_concurrency(20)
            .build()
            .unwrap();
        let calls = (0..20).map(|_| client.record_locking("Deals").get());
        for r in futures::future::join_all(calls).await {
            r.unwrap();
        }
        assert_eq!(accounts.total(), 1, "concurrent, expires_in {expires_in}");
        assert_eq!(api.total(), 20, "concurrent, expires_in {expires_in}");
    }
}

const LEAKY_TOKEN: &str = "1000.leaky-access-token-9d2e";

#[tokio::test]
async fn a_malformed_token_response_never_repeats_the_token() {
    let bodies = [
        serde_json::json!({"access_token": LEAKY_TOKEN, "expires_in": "soon", "api_domain": "http://127.0.0.1:1"}),
        serde_json::json!({"access_token": LEAKY_TOKEN, "expires_in": [3600]}),
        serde_json::json!({"access_token": {"value": LEAKY_TOKEN}}),
        serde_json::json!([LEAKY_TOKEN]),
        serde_json::json!({"error": LEAKY_TOKEN}),
    ];
    for body in bodies {
        let reply_body = body.clone();
        let accounts = TestServer::start(move |_| Reply::json(200, reply_body.clone())).await;
        let api = api_accepting(LEAKY_TOKEN).await;
        let client = refresh_client(&api, &accounts).build().unwrap();
        let err = client.record_locking("Deals").get().await.unwrap_err();
        assert!(matches!(err, Error::Auth { .. }), "{err:?}");
        let text = format!("{err} {err:?}");
        assert!(!text.contains("leaky"), "token leaked for {body}: {text}");
        // The raw client reports the same failure as Error::Custom: no token there either.
        let raw = client
            .raw()
            .get_record_locking_configurations()
            .module("Deals")
            .send()
            .await
            .unwrap_err();
        let raw_text = format!("{raw} {raw:?}");
        assert!(
            !raw_text.contains("leaky"),
            "token leaked for {body}: {raw_text}"
        );
        assert_eq!(api.total(), 0);
    }
    // A non-JSON body is described by its size only.
    let accounts =
        TestServer::start(|_| Reply::text(200, &format!("access_token={LEAKY_TOKEN}"))).await;
    let api = api_accepting(LEAKY_TOKEN).await;
    let client = refresh_client(&api, &accounts).build().unwrap();
    let err = client.record_locking("Deals").get().await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("not JSON"), "{text}");
    assert!(!text.contains("leaky"), "{text}");
}

#[tokio::test]
async fn a_malformed_token_response_names_the_keys_and_their_types() {
    let accounts = TestServer::start(|_| {
        Reply::json(
            200,
            serde_json::json!({"access_token": LEAKY_TOKEN, "expires_in": "soon"}),
        )
    })
    .await;
    let api = api_accepting(LEAKY_TOKEN).await;
    let client = refresh_client(&api, &accounts).build().unwrap();
    let err = client.record_locking("Deals").get().await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("access_token: string"), "{text}");
    assert!(text.contains("expires_in: string"), "{text}");
}

#[tokio::test]
async fn a_token_response_with_many_keys_is_described_by_its_first_twelve() {
    for (keys, more) in [(20, Some("... 8 more")), (12, None)] {
        // An access token of the wrong type, then `keys - 1` more keys.
        let body: serde_json::Map<String, serde_json::Value> =
            std::iter::once(("access_token".to_string(), serde_json::json!(5)))
                .chain((0..keys - 1).map(|i| (format!("k{i:02}"), serde_json::json!(i))))
                .collect();
        let accounts =
            TestServer::start(move |_| Reply::json(200, serde_json::Value::Object(body.clone())))
                .await;
        let api = api_accepting("tok-1").await;
        let client = refresh_client(&api, &accounts).build().unwrap();
        let err = client.record_locking("Deals").get().await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains("access_token: number"), "{text}");
        assert!(text.contains("k10: number"), "{text}");
        assert!(!text.contains("k11"), "{text}");
        match more {
            Some(m) => assert!(text.contains(m), "{text}"),
            None => assert!(!text.contains("more"), "{text}"),
        }
    }
}

#[tokio::test]
async fn an_empty_or_non_json_token_response_says_which() {
    for (body, says) in [
        ("", "an empty body"),
        (" \r\n", "an empty body"),
        ("<html>", "6 bytes that are not JSON"),
    ] {
        let accounts = TestServer::start(move |_| Reply::text(200, body)).await;
        let api = api_accepting("tok-1").await;
        let client = refresh_client(&api, &accounts).build().unwrap();
        let err = client.record_locking("Deals").get().await.unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Auth { .. }), "{body:?}: {err:?}");
        assert!(text.contains(says), "{body:?}: {text}");
        assert_eq!(api.total(), 0);
    }
}

#[tokio::test]
async fn expires_in_as_a_numeric_string_is_accepted() {
    let api = api_accepting("tok-1").await;
    let api_url = api.url.clone();
    let accounts = TestServer::start(move |_| {
        Reply::json(
            200,
            serde_json::json!({"access_token": "tok-1", "expires_in": "3600", "api_domain": api_url, "token_type": "Bearer"}),
        )
    })
    .await;
    let client = refresh_client(&api, &accounts).build().unwrap();
    for _ in 0..3 {
        client.record_locking("Deals").get().await.unwrap().unwrap();
    }
    assert_eq!(accounts.total(), 1);
}

#[tokio::test]
async fn odd_but_numeric_expires_in_values_are_accepted() {
    for expires_in in [
        serde_json::json!(-5),
        serde_json::json!(3600.5),
        serde_json::json!(" 3600 "),
        serde_json::json!("3600.0"),
        serde_json::json!(1e300),
    ] {
        let api = api_accepting("tok-1").await;
        let body = serde_json::json!({"access_token": "tok-1", "expires_in": expires_in});
        let accounts = TestServer::start(move |_| Reply::json(200, body.clone())).await;
        let client = refresh_client(&api, &accounts).build().unwrap();
        for _ in 0..3 {
            client.record_locking("Deals").get().await.unwrap().unwrap();
        }
        assert_eq!(accounts.total(), 1, "expires_in {expires_in}");
    }
}

#[tokio::test]
async fn the_raw_client_shares_auth_and_reports_local_failures_readably() {
    let api = api_accepting("tok-1").await;
    let accounts = accounts_for(&api, 3600).await;
    let client = refresh_client(&api, &accounts).build().unwrap();
    let raw = client
        .raw()
        .get_record_locking_configurations()
        .module("Deals")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.into_inner().record_locking_configurations[0].id, "111");
    assert_eq!(accounts.total(), 1);

    // A refresh that fails has no HTTP response; the raw client gets a readable message.
    let refusing =
        TestServer::start(|_| Reply::json(400, serde_json::json!({"error": "invalid_client"})))
            .await;
    let client = refresh_client(&api, &refusing).build().unwrap();
    match client.raw().get_org_permissions().send().await {
        Err(progenitor_client::Error::Custom(msg)) => {
            assert!(msg.contains("invalid_client"), "{msg}");
            assert!(!msg.contains(CLIENT_SECRET));
        }
        other => panic!("expected Custom, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn a_failing_accounts_server_gets_one_request_for_fifty_waiting_calls() {
    let accounts = TestServer::start(|_| Reply::text(500, "accounts down")).await;
    let api = api_accepting("tok-1").await;
    let client = refresh_client(&api, &accounts)
        .max_concurrency(50)
        .build()
        .unwrap();
    let results = futures::future::join_all((0..50).map(|_| client.org_permissions().get())).await;
    for r in &results {
        match r {
            Err(Error::Auth { reason, .. }) => assert!(reason.contains("HTTP 500"), "{reason}"),
            other => panic!("expected Auth, got {other:?}"),
        }
    }
    assert_eq!(accounts.total(), 1, "the waiters shared the one failure");
    assert_eq!(api.total(), 0);
    // A later call tries again.
    assert!(client.org_permissions().get().await.is_err());
    assert_eq!(accounts.total(), 2);
}

#[tokio::test]
async fn a_token_another_process_stored_after_a_rejection_is_used_without_minting() {
    // The API takes `tok-1` until it is revoked, and `tok-2` always.
    let revoked = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let r = revoked.clone();
    let api = TestServer::start(move |req| {
        let auth = req.header("authorization").unwrap_or_default();
        let ok = auth == "Zoho-oauthtoken tok-2"
            || (auth == "Zoho-oauthtoken tok-1" && !r.load(std::sync::atomic::Ordering::SeqCst));
        if ok {
            Reply::json(200, support::rlc_body("111"))
        } else {
            Reply::json(
                401,
                zoho_error(
                    "INVALID_TOKEN",
                    "invalid oauth token",
                    serde_json::json!({}),
                ),
            )
        }
    })
    .await;
    let accounts = accounts_for(&api, 3600).await;
    let (dir, path) = token_file("stored-after-rejection");
    let other_process = FileTokenStore::new(&path);
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3000);
    other_process
        .save(
            &key_of(&accounts),
            &StoredToken::new("tok-1").with_expires_at(later),
        )
        .await
        .unwrap();
    let client = refresh_client(&api, &accounts)
        .token_store(FileTokenStore::new(&path))
        .build()
        .unwrap();
    client.record_locking("Deals").get().await.unwrap();

    // Another process sharing the file was told `tok-1` is gone and stored `tok-2`.
    revoked.store(true, std::sync::atomic::Ordering::SeqCst);
    other_process
        .save(
            &key_of(&accounts),
            &StoredToken::new("tok-2").with_expires_at(later),
        )
        .await
        .unwrap();
    client.record_locking("Deals").get().await.unwrap();
    // The rejection made the client read the file again and take `tok-2` as a new token:
    // no token was minted.
    assert_eq!(accounts.total(), 0);
    let last = api.requests().last().unwrap().header("authorization");
    assert_eq!(last.as_deref(), Some("Zoho-oauthtoken tok-2"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_client_that_does_not_follow_the_api_domain_ignores_even_an_unusable_one() {
    // An explicit base URL: the token response's `api_domain` is not used, so one that
    // would be refused (plain http outside loopback) does not fail the refresh either.
    let api = api_accepting("tok-1").await;
    let accounts =
        TestServer::start(|_| token_reply("tok-1", "http://www.zohoapis.example", 3600)).await;
    let client = refresh_client(&api, &accounts).build().unwrap();
    client.record_locking("Deals").get().await.unwrap().unwrap();
    assert_eq!(accounts.total(), 1);
    assert_eq!(api.total(), 1);
    assert_eq!(client.current_base_url(), format!("{}/crm/v8", api.url));
}

/// Reproduction: a token whose `expires_in` is too large to add to the clock was used for an
/// hour in this process but stored with no expiry, so another process sharing the store took
/// it for a token that never falls due (and learnt otherwise only from a 401). It is stored
/// with the hour this process gives it.
#[tokio::test]
async fn a_lifetime_too_large_to_represent_is_stored_as_the_hour_it_is_used_for() {
    let api = api_accepting("tok-1").await;
    let accounts = accounts_for(&api, u64::MAX).await;
    let (dir, path) = token_file("absurd-lifetime");
    let client = refresh_client(&api, &accounts)
        .token_store(FileTokenStore::new(&path))
        .build()
        .unwrap();
    client.record_locking("Deals").get().await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let stored: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entry = stored["tokens"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    let at = entry["expires_at_unix"]
        .as_u64()
        .expect("an expiry is stored");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(at > now && at <= now + 3600 + 60, "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

// ------------------------------------------------------------------ getting a grant

mod grants {
    use secrecy::{ExposeSecret, SecretString};
    use zoho_crm_access::auth::{
        all_scopes, Access, Accounts, Callback, DeviceFlowError, DeviceProgress,
    };
    use zoho_crm_access::{Client, DataCenter, Error};
    use zoho_crm_access_simulator::Simulator;

    #[tokio::test]
    async fn a_self_client_code_is_exchanged_refreshed_and_revoked() {
        let sim = Simulator::start().await.unwrap();
        let creds = sim.credentials();
        let accounts = Accounts::new(&sim.accounts_url()).unwrap();
        let code = SecretString::from(sim.grant_code(&all_scopes(Access::ReadOnly)));
        let grant = accounts
            .exchange_code(&creds.client_id, &creds.client_secret, &code, None)
            .await
            .unwrap();
        let debug = format!("{grant:?}");
        let refresh = grant.refresh_token.clone().unwrap();
        assert!(!debug.contains(refresh.expose_secret()), "{debug}");
        assert!(
            !debug.contains(grant.access_token.expose_secret()),
            "{debug}"
        );
        assert_eq!(grant.scopes, all_scopes(Access::ReadOnly));
        // The grant works in a client: the org and the signed-in user.
        let client = Client::builder()
            .base_url(sim.api_domain())
            .accounts_url(sim.accounts_url())
            .refresh_token(
                creds.client_id.clone(),
                creds.client_secret.expose_secret(),
                refresh.expose_secret(),
            )
            .build()
            .unwrap();
        let org = client.directory().org().await.unwrap().unwrap();
        assert_eq!(org.type_.unwrap().to_string(), "Production");
        assert!(client.directory().current_user().await.unwrap().is_some());
        // A write needs a scope the grant lacks.
        let err = client
            .org_permissions()
            .set_share_type("Leads", zoho_crm_access::enums::ShareType::Private)
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(401), "{err}");

        // The code is spent; the refresh works until revoked.
        let again = accounts
            .exchange_code(&creds.client_id, &creds.client_secret, &code, None)
            .await
            .unwrap_err();
        assert!(again.to_string().contains("invalid_code"), "{again}");
        let minted = accounts
            .refresh(&creds.client_id, &creds.client_secret, &refresh)
            .await
            .unwrap();
        assert!(minted.refresh_token.is_none());
        accounts.revoke(&refresh).await.unwrap();
        let dead = accounts
            .refresh(&creds.client_id, &creds.client_secret, &refresh)
            .await
            .unwrap_err();
        assert!(matches!(dead, Error::Auth { .. }), "{dead:?}");
        let text = dead.to_string();
        assert!(text.contains("exchange the grant code first"), "{text}");
        assert!(!text.contains(refresh.expose_secret()), "{text}");
        assert!(matches!(
            accounts.revoke(&refresh).await,
            Err(Error::Auth { .. })
        ));
    }

    #[tokio::test]
    async fn the_authorization_url_leads_to_a_callback_with_the_code_and_the_data_centre() {
        let sim = Simulator::start().await.unwrap();
        sim.set_user_location("eu");
        let creds = sim.credentials();
        let accounts = Accounts::new(&sim.accounts_url()).unwrap();
        let redirect = "http://127.0.0.1:9/callback";
        let url = accounts.authorization_url(
            &creds.client_id,
            redirect,
            &all_scopes(Access::ReadWrite),
            "st4te",
        );
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let answer = http.get(url.as_str()).send().await.unwrap();
        assert_eq!(answer.status(), 302);
        let location = url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
        let callback = Callback::parse(location.query().unwrap());
        assert_eq!(
            callback.data_center(),
            Some(zoho_crm_access::DataCenter::Eu)
        );
        assert!(callback.code_for("other").is_err());
        let code = callback.code_for("st4te").unwrap();
        let server = Accounts::new(callback.accounts_server.as_deref().unwrap()).unwrap();
        let wrong = server
            .exchange_code(
                &creds.client_id,
                &creds.client_secret,
                code,
                Some("http://127.0.0.1:9/x"),
            )
            .await
            .unwrap_err();
        assert!(
            wrong.to_string().contains("invalid_redirect_uri"),
            "{wrong}"
        );
    }

    // -------------------------------------------------------------- the device flow

    /// A call to the simulator's control surface (`/__simulator/<path>`).
    async fn control(
        sim: &Simulator,
        method: &str,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let resp = reqwest::Client::new()
            .request(
                method.parse().unwrap(),
                format!("{}/{path}", sim.control_url()),
            )
            .bearer_auth(sim.control_token())
            .json(&body)
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }

    /// The simulator's device authorizations, newest last.
    async fn authorizations(sim: &Simulator) -> Vec<serde_json::Value> {
        let resp = reqwest::Client::new()
            .get(format!("{}/oauth/device", sim.control_url()))
            .bearer_auth(sim.control_token())
            .send()
            .await
            .unwrap();
        let v: serde_json::Value = resp.json().await.unwrap();
        v["authorizations"].as_array().unwrap().clone()
    }

    /// Waits until the simulator has seen `n` polls of the newest authorization.
    async fn polls_reach(sim: &Simulator, n: u64) {
        for _ in 0..200 {
            if authorizations(sim).await.last().unwrap()["polls"].as_u64() >= Some(n) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the client did not poll {n} times");
    }

    #[tokio::test]
    async fn a_device_code_approved_while_polling_gives_a_grant_with_the_scopes_asked() {
        let sim = Simulator::start().await.unwrap();
        let (status, _) = control(
            &sim,
            "PUT",
            "oauth/device",
            serde_json::json!({"interval_ms": 100}),
        )
        .await;
        assert_eq!(status, 200);
        let creds = sim.credentials();
        let accounts = Accounts::new(&sim.accounts_url()).unwrap();
        let scopes = all_scopes(Access::ReadOnly);
        let auth = accounts
            .start_device_authorization(&creds.client_id, &scopes)
            .await
            .unwrap();
        // Milliseconds, as the simulator (and Zoho's page) announces them.
        assert_eq!(auth.interval, std::time::Duration::from_millis(100));
        assert_eq!(auth.expires_in, std::time::Duration::from_secs(300));
        assert!(auth.verification_url.ends_with("/oauth/v3/device"));
        let debug = format!("{auth:?}");
        assert!(
            debug.contains(&auth.user_code) && debug.contains("REDACTED"),
            "{debug}"
        );
        let user_code = auth.user_code.clone();
        let person = async {
            polls_reach(&sim, 2).await;
            let (status, _) = control(
                &sim,
                "POST",
                "oauth/device/decisions",
                serde_json::json!({"user_code": user_code, "approve": true}),
            )
            .await;
            assert_eq!(status, 200);
        };
        let mut pending = 0;
        let (done, ()) = tokio::join!(
            accounts.wait_for_device_grant(&creds.client_id, &creds.client_secret, &auth, |p| {
                if matches!(p, DeviceProgress::Pending { .. }) {
                    pending += 1;
                }
            }),
            person
        );
        let done = done.unwrap();
        assert!(pending >= 2, "{pending}");
        assert_eq!(done.accounts_server, sim.accounts_url());
        assert_eq!(done.data_center, None);
        assert_eq!(done.grant.scopes, scopes);
        let refresh = done.grant.refresh_token.as_ref().unwrap();
        assert!(sim.refresh_token_is_live(refresh.expose_secret()));
        let listed = authorizations(&sim).await;
        assert_eq!(listed.last().unwrap()["status"], "granted");
        assert_eq!(listed.last().unwrap()["slow_downs"], 0);
        // The device code works once.
        let again = accounts
            .wait_for_device_grant(&creds.client_id, &creds.client_secret, &auth, |_| {})
            .await
            .unwrap_err();
        assert_eq!(
            DeviceFlowError::of(&again),
            Some(&DeviceFlowError::Refused("invalid_code".into()))
        );
    }

    #[tokio::test]
    async fn slow_down_makes_the_client_poll_less_often() {
        let sim = Simulator::start().await.unwrap();
        // Announced 100 ms, but polls closer than 450 ms answer slow_down.
        control(
            &sim,
            "PUT",
            "oauth/device",
            serde_json::json!({"interval_ms": 100, "min_gap_ms": 450}),
        )
        .await;
        let creds = sim.credentials();
        let accounts = Accounts::new(&sim.accounts_url()).unwrap();
        let auth = accounts
            .start_device_authorization(&creds.client_id, &["ZohoCRM.org.READ"])
            .await
            .unwrap();
        let user_code = auth.user_code.clone();
        let person = async {
            // Two polls 100 ms apart (the second slowed down), then the client backs off
            // to six intervals (600 ms); approve during that wait.
            polls_reach(&sim, 2).await;
            control(
                &sim,
                "POST",
                "oauth/device/decisions",
                serde_json::json!({"user_code": user_code, "approve": true}),
            )
            .await;
        };
        let mut slowed = Vec::new();
        let started = std::time::Instant::now();
        let (done, ()) = tokio::join!(
            accounts.wait_for_device_grant(&creds.client_id, &creds.client_secret, &auth, |p| {
                if let DeviceProgress::SlowDown { interval } = p {
                    slowed.push(*interval);
                }
            }),
            person
        );
        done.unwrap();
        assert_eq!(slowed, [std::time::Duration::from_millis(600)]);
        let last = authorizations(&sim).await.pop().unwrap();
        // One slow_down, then the next poll came after the longer wait and got the grant:
        // three polls in all, not one every 100 ms.
        assert_eq!(last["slow_downs"], 1, "{last}");
        assert_eq!(last["polls"], 3, "{last}");
        assert!(started.elapsed() >= std::time::Duration::from_millis(800));
    }

    #[tokio::test]
    async fn a_denied_or_expired_device_code_is_a_typed_error() {
        let sim = Simulator::start().await.unwrap();
        control(
            &sim,
            "PUT",
            "oauth/device",
            serde_json::json!({"interval_ms": 100, "expires_in_ms": 1000}),
        )
        .await;
        let creds = sim.credentials();
        let accounts = Accounts::new(&sim.accounts_url()).unwrap();
        let auth = accounts
            .start_device_authorization(&creds.client_id, &["ZohoCRM.org.READ"])
            .await
            .unwrap();
        assert_eq!(auth.expires_in, std::time::Duration::from_secs(1));
        let user_code = auth.user_code.clone();
        let person = async {
            polls_reach(&sim, 1).await;
            control(
                &sim,
                "POST",
                "oauth/device/decisions",
                serde_json::json!({"user_code": user_code, "approve": false}),
            )
            .await;
        };
        let (denied, ()) = tokio::join!(
            accounts.wait_for_device_grant(&creds.client_id, &creds.client_secret, &auth, |_| {}),
            person
        );
        let denied = denied.unwrap_err();
        assert_eq!(DeviceFlowError::of(&denied), Some(&DeviceFlowError::Denied));
        assert!(denied.to_string().contains("denied"), "{denied}");
        // Nobody approves this one: it runs out.
        let auth = accounts
            .start_device_authorization(&creds.client_id, &["ZohoCRM.org.READ"])
            .await
            .unwrap();
        let expired = accounts
            .wait_for_device_grant(&creds.client_id, &creds.client_secret, &auth, |_| {})
            .await
            .unwrap_err();
        assert_eq!(
            DeviceFlowError::of(&expired),
            Some(&DeviceFlowError::Expired)
        );
        assert!(expired.to_string().contains("expired"), "{expired}");
        // A wrong secret is refused at the first poll, naming what to check.
        let auth = accounts
            .start_device_authorization(&creds.client_id, &["ZohoCRM.org.READ"])
            .await
            .unwrap();
        let wrong = accounts
            .wait_for_device_grant(&creds.client_id, &SecretString::from("nope"), &auth, |_| {})
            .await
            .unwrap_err();
        assert!(wrong.to_string().contains("invalid_client"), "{wrong}");
    }

    #[tokio::test]
    async fn other_dc_moves_the_polling_to_the_persons_data_centre() {
        let sim = Simulator::start().await.unwrap();
        control(
            &sim,
            "PUT",
            "oauth/device",
            serde_json::json!({"interval_ms": 100}),
        )
        .await;
        let creds = sim.credentials();
        let accounts = Accounts::new(&sim.accounts_url()).unwrap();
        let auth = accounts
            .start_device_authorization(&creds.client_id, &["ZohoCRM.org.READ"])
            .await
            .unwrap();
        let user_code = auth.user_code.clone();
        let person = async {
            polls_reach(&sim, 1).await;
            control(
                &sim,
                "POST",
                "oauth/device/decisions",
                serde_json::json!({"user_code": user_code, "approve": true, "location": "eu"}),
            )
            .await;
        };
        let mut moved = Vec::new();
        let (done, ()) = tokio::join!(
            accounts.wait_for_device_grant(&creds.client_id, &creds.client_secret, &auth, |p| {
                if let DeviceProgress::OtherDataCenter {
                    data_center,
                    server,
                } = p
                {
                    moved.push((*data_center, server.clone()));
                }
            }),
            person
        );
        let done = done.unwrap();
        // Started at a server of no data centre (the simulator stands for all): it stays
        // there, so the device code and the secret go nowhere else.
        assert_eq!(moved, [(DataCenter::Eu, sim.accounts_url())]);
        assert_eq!(done.data_center, Some(DataCenter::Eu));
        assert_eq!(done.accounts_server, sim.accounts_url());
    }
}
