//! Credentials, connection options and failure reporting of `zoho-access`.

mod cli_support;

use cli_support::{run, run_with};
use secrecy::ExposeSecret;
use zoho_crm_access_simulator::Simulator;

#[tokio::test]
async fn no_credentials_explains_how_to_get_them() {
    let out = run_with(&["org-permissions", "get"], &[], None).await;
    let line = out.failed(3);
    for needle in [
        "ZOHO_ACCESS_TOKEN",
        "ZOHO_CLIENT_ID",
        "ZOHO_CLIENT_SECRET",
        "ZOHO_REFRESH_TOKEN",
        "--simulator",
        "api-console.zoho.com",
    ] {
        assert!(line.contains(needle), "{needle} missing from: {line}");
    }
    assert!(out.stdout.is_empty());

    let partial = run_with(
        &["org-permissions", "get"],
        &[("ZOHO_CLIENT_ID", "1000.X")],
        None,
    )
    .await;
    let line = partial.failed(3);
    assert!(
        line.contains("ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN not set"),
        "{line}"
    );
}

#[tokio::test]
async fn simulator_flag_needs_no_credentials() {
    let out = run_with(
        &["--simulator", "org-permissions", "get", "--module", "Leads"],
        &[],
        None,
    )
    .await;
    assert_eq!(out.ok_json()["module"]["api_name"], "Leads");
    assert!(out.stderr.is_empty(), "quiet by default: {}", out.stderr);
    // -v logs on stderr; stdout stays clean JSON.
    let verbose = run_with(
        &[
            "--simulator",
            "-vv",
            "org-permissions",
            "get",
            "--module",
            "Leads",
        ],
        &[],
        None,
    )
    .await;
    assert_eq!(verbose.ok_json()["share_type"], "private");
    assert!(
        verbose.stderr.contains("built-in simulator"),
        "{}",
        verbose.stderr
    );
}

#[tokio::test]
async fn refresh_token_credentials_from_the_environment() {
    let sim = Simulator::start().await.unwrap();
    let creds = sim.credentials();
    let domain = sim.api_domain();
    let accounts = sim.accounts_url();
    let out = run_with(
        &[
            "--api-domain",
            &domain,
            "--accounts-domain",
            &accounts,
            "org-permissions",
            "get",
            "--module",
            "Deals",
        ],
        &[
            ("ZOHO_CLIENT_ID", creds.client_id.as_str()),
            ("ZOHO_CLIENT_SECRET", creds.client_secret.expose_secret()),
            ("ZOHO_REFRESH_TOKEN", creds.refresh_token.expose_secret()),
        ],
        None,
    )
    .await;
    assert_eq!(out.ok_json()["share_type"], "private");
    assert_eq!(sim.token_requests(), 1);
    assert!(!out.stderr.contains(creds.client_secret.expose_secret()));

    // Without the token cache (which holds a valid token by now), the wrong secret is sent.
    let wrong = run_with(
        &[
            "--no-token-cache",
            "--api-domain",
            &domain,
            "--accounts-domain",
            &accounts,
            "org-permissions",
            "get",
        ],
        &[
            ("ZOHO_CLIENT_ID", creds.client_id.as_str()),
            ("ZOHO_CLIENT_SECRET", "not-the-secret"),
            ("ZOHO_REFRESH_TOKEN", creds.refresh_token.expose_secret()),
        ],
        None,
    )
    .await;
    let line = wrong.failed(1);
    assert!(!line.contains("not-the-secret"), "{line}");
}

#[tokio::test]
async fn zoho_errors_are_one_line_with_code_and_message() {
    let sim = Simulator::start().await.unwrap();
    let domain = sim.api_domain();
    let bad_token = run_with(
        &["--api-domain", &domain, "org-permissions", "get"],
        &[("ZOHO_ACCESS_TOKEN", "1000.wrong")],
        None,
    )
    .await;
    let line = bad_token.failed(1);
    assert!(
        line.contains("INVALID_TOKEN") && line.contains("invalid oauth token"),
        "{line}"
    );

    sim.set_no_permission(true);
    let denied = run(&sim, &["sharing-rules", "list"], None).await;
    let line = denied.failed(1);
    assert!(
        line.contains("NO_PERMISSION") && line.contains("permission denied"),
        "{line}"
    );
    assert!(line.contains("Crm_Implied_Manage_Data_Sharing"), "{line}");
    sim.set_no_permission(false);

    let bad_dc = run_with(
        &["--data-center", "mars", "org-permissions", "get"],
        &[],
        None,
    )
    .await;
    assert_eq!(bad_dc.code, 2);
    let http_remote = run_with(
        &[
            "--api-domain",
            "http://zoho.example.com",
            "org-permissions",
            "get",
        ],
        &[("ZOHO_ACCESS_TOKEN", "t")],
        None,
    )
    .await;
    assert!(http_remote.failed(3).contains("http"));
}

/// A server that answers garbage: the CLI reports it and exits 1, never panics.
#[tokio::test]
async fn garbage_from_the_server_is_an_error_not_a_panic() {
    use axum::{routing::any, Router};
    let app = Router::new()
        .route(
            "/crm/v8/settings/data_sharing",
            any(|| async {
                (
                    [("content-type", "application/json")],
                    "{\"data_sharing\": [{\"share_type\": 7}]}",
                )
            }),
        )
        .route(
            "/crm/v8/settings/data_sharing/rules",
            any(|| async { (axum::http::StatusCode::BAD_REQUEST, "<html>nope</html>") }),
        )
        .route(
            "/crm/v8/settings/record_locking_configurations",
            any(|| async { ([("content-type", "application/json")], "[[[") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let domain = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    for args in [
        vec!["org-permissions", "get"],
        vec!["sharing-rules", "list"],
        vec!["locking", "get", "--module", "Deals"],
        vec!["export"],
    ] {
        let mut all = vec!["--api-domain", domain.as_str()];
        all.extend(args.iter().copied());
        let out = run_with(&all, &[("ZOHO_ACCESS_TOKEN", "t")], None).await;
        let line = out.failed(1);
        assert!(line.len() < 2000, "{line}");
    }
}

/// Issue 25: every API error led with the operationId (`listSharingRules: Zoho answered HTTP
/// 400 ...`), which means nothing to an admin. It leads with what failed, in the spec's
/// words, with the module the command named, and the operationId after.
#[tokio::test]
async fn an_api_error_says_what_failed_in_words() {
    let sim = Simulator::start().await.unwrap();
    sim.fail_next(1, zoho_crm_access_simulator::Fault::Status(400));
    let out = run(&sim, &["sharing-rules", "list", "--module", "Leads"], None).await;
    let line = out.failed(1);
    assert!(
        line.starts_with(
            "error: listing data sharing rules for Leads (listSharingRules): Zoho answered HTTP 400"
        ),
        "{line}"
    );
    // Without a module on the command line: the words and the operationId.
    sim.fail_next(1, zoho_crm_access_simulator::Fault::Status(400));
    let out = run(&sim, &["org-permissions", "get"], None).await;
    let line = out.failed(1);
    assert!(
        line.starts_with(
            "error: getting the default organization permissions (getOrgPermissions): Zoho answered HTTP 400"
        ),
        "{line}"
    );
}
