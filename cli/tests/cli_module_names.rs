//! `--module` values no Zoho module API name can hold are refused by `zoho-access` with exit 2
//! and one line, before any request (issue 11, failure 4), by reads and changes alike (with
//! `--yes` or `--dry-run`). The binary runs against a loopback
//! server that counts every request it receives: it must receive none.

mod cli_support;
#[path = "../../tests/support/mod.rs"]
mod support;

use cli_support::run_with;
use support::{rlc_body, Reply, TestServer};

/// Values that name no module: a path, a query, a space, CR LF, a fragment, non-ASCII, too
/// long.
const NOT_MODULE_NAMES: &[&str] = &[
    "../x",
    "Leads?module=Deals",
    "Price Books",
    "Leads\r\nX-Injected: 1",
    "Leads#top",
    "Lëads",
    "Leads/..",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
];

#[tokio::test]
async fn bad_module_names_exit_2_before_any_request() {
    let server = TestServer::start(|_| Reply::json(200, rlc_body("111"))).await;
    let env = [
        ("ZOHO_ACCESS_TOKEN", "1000.test-token"),
        ("ZOHO_API_DOMAIN", server.url.as_str()),
    ];
    for module in NOT_MODULE_NAMES {
        for args in [
            vec!["locking", "get", "--module", module],
            vec!["sharing-rules", "list", "--module", module],
            vec![
                "sharing-rules",
                "get",
                "--id",
                "5843104000000431001",
                "--module",
                module,
            ],
            vec!["sharing-rules", "summary", "--module", module],
            vec!["org-permissions", "get", "--module", module],
        ] {
            let out = run_with(&args, &env, None).await;
            let text = out.failed(2);
            assert!(
                text.starts_with("error: invalid module: ") && text.contains("module API name"),
                "{args:?}: {text}"
            );
            assert_eq!(text.lines().count(), 1, "{args:?}: {text}");
            assert!(
                !text.contains('\r') && !text.contains("\nX-Injected"),
                "{args:?}: {text}"
            );
            assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
        }
    }
    assert_eq!(server.total(), 0, "{:#?}", server.requests());

    // Changes too, confirmed (`--yes`) or dry runs: the name is refused before anything is
    // sent, including the read `org-permissions set --dry-run` makes to find the module id.
    let id = "5843104000000431001";
    for module in NOT_MODULE_NAMES {
        for mode in ["--yes", "--dry-run"] {
            for (args, stdin) in [
                (
                    vec!["locking", "create", "--module", module, mode],
                    Some(r#"{"lock_type": "manual"}"#),
                ),
                (
                    vec!["locking", "update", "--module", module, mode],
                    Some(r#"{"id": "5843104000000431001", "lock_type": "manual"}"#),
                ),
                (
                    vec!["locking", "delete", "--module", module, "--id", id, mode],
                    None,
                ),
                (
                    vec![
                        "sharing-rules",
                        "delete",
                        "--module",
                        module,
                        "--id",
                        id,
                        mode,
                    ],
                    None,
                ),
                (
                    vec![
                        "sharing-rules",
                        "activate",
                        "--module",
                        module,
                        "--id",
                        id,
                        mode,
                    ],
                    None,
                ),
                (
                    vec!["sharing-rules", "rerun", "--module", module, mode],
                    None,
                ),
                (
                    vec![
                        "org-permissions",
                        "set",
                        "--module",
                        module,
                        "--share-type",
                        "private",
                        mode,
                    ],
                    None,
                ),
            ] {
                let out = run_with(&args, &env, stdin).await;
                let text = out.failed(2);
                assert!(
                    text.starts_with("error: invalid module: ") && text.contains("module API name"),
                    "{args:?}: {text}"
                );
                assert_eq!(text.lines().count(), 1, "{args:?}: {text}");
                assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
            }
        }
    }
    assert_eq!(server.total(), 0, "{:#?}", server.requests());

    // The space gets a hint; a good name goes through.
    let out = run_with(&["locking", "get", "--module", "Price Books"], &env, None).await;
    assert!(out.failed(2).contains("`Price_Books`"), "{}", out.stderr);
    let ok = run_with(&["locking", "get", "--module", "Price_Books"], &env, None).await;
    assert_eq!(ok.ok_json()["id"], "111");
    assert_eq!(server.total(), 1);
}

/// Issue 25: `--module leads` got Zoho's "the module name given seems to be invalid" and no
/// suggestion. A module Zoho refuses and the org does not list gets the nearest API name;
/// one the org has is never second-guessed.
#[tokio::test]
async fn a_misspelt_module_gets_the_nearest_api_name() {
    let sim = zoho_crm_access_simulator::Simulator::start().await.unwrap();
    for args in [
        vec!["sharing-rules", "list", "--module", "leads"],
        vec!["sharing-rules", "summary", "--module", "Leadz"],
        vec!["locking", "get", "--module", "leads"],
        vec!["directory", "fields", "--module", "leads"],
    ] {
        let out = cli_support::run(&sim, &args, None).await;
        let text = out.failed(2);
        assert!(
            text.starts_with("error: --module: the org has no module with the API name")
                && text.contains("(did you mean \"Leads\"?)"),
            "{args:?}: {text}"
        );
    }
    let far = cli_support::run(&sim, &["sharing-rules", "list", "--module", "Xyzzy"], None).await;
    assert!(!far.failed(2).contains("did you mean"), "{}", far.stderr);
}
