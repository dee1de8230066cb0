//! The spawned `zoho-access` binary against failing endpoints on loopback: a refused
//! connection, a connect timeout, a read timeout and a failing accounts server each end with
//! exit 1, an `error:` line naming the cause and `caused by:` lines down to the I/O error.

mod cli_support;

use std::time::Duration;

use cli_support::run_with;

/// An address on loopback where nothing listens.
fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// A listening socket whose accept queue is full: connecting to it times out.
struct Unaccepting {
    url: String,
    _listener: tokio::net::TcpListener,
    _fillers: Vec<std::net::TcpStream>,
}

fn unaccepting() -> Unaccepting {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    let listener = socket.listen(0).unwrap();
    let mut fillers = Vec::new();
    for _ in 0..16 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(s) => fillers.push(s),
            Err(_) => break,
        }
    }
    Unaccepting {
        url: format!("http://{addr}"),
        _listener: listener,
        _fillers: fillers,
    }
}

/// Accepts connections and reads requests, never answers.
async fn silent_server() -> String {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = sock.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                }
            });
        }
    });
    url
}

const TOKEN: (&str, &str) = ("ZOHO_ACCESS_TOKEN", "1000.cli-test-token");

#[tokio::test]
async fn a_refused_connection_names_the_cause_and_its_chain() {
    let url = refused_url();
    let run = run_with(
        &["--api-domain", &url, "org-permissions", "get"],
        &[TOKEN],
        None,
    )
    .await;
    let text = run.failed(1);
    assert!(
        text.starts_with("error: getting the default organization permissions (getOrgPermissions): could not connect: connection refused"),
        "{text}"
    );
    let causes = run.causes();
    assert!(
        causes
            .last()
            .is_some_and(|c| c.to_ascii_lowercase().contains("connection refused")),
        "the chain ends at the I/O error: {text}"
    );
    assert!(!text.contains("1000.cli-test-token"));
}

#[tokio::test]
async fn a_connect_timeout_names_the_cause_and_its_chain() {
    let server = unaccepting();
    let run = run_with(
        &[
            "--api-domain",
            &server.url,
            "--connect-timeout",
            "0.3",
            "org-permissions",
            "get",
        ],
        &[TOKEN],
        None,
    )
    .await;
    let text = run.failed(1);
    assert!(
        text.starts_with("error: getting the default organization permissions (getOrgPermissions): could not connect: timed out connecting"),
        "{text}"
    );
    // hyper-util's connect timer ends the chain ("deadline has elapsed").
    assert!(
        run.causes()
            .last()
            .is_some_and(|c| c.contains("elapsed") || c.contains("timed out")),
        "{text}"
    );
}

#[tokio::test]
async fn a_read_timeout_names_the_cause_and_its_chain() {
    let url = silent_server().await;
    let run = run_with(
        &[
            "--api-domain",
            &url,
            "--timeout",
            "0.3",
            "locking",
            "get",
            "--module",
            "Deals",
        ],
        &[TOKEN],
        None,
    )
    .await;
    let text = run.failed(1);
    assert!(
        text.starts_with(
            "error: getting a module's record locking configuration for Deals \
             (getRecordLockingConfigurations): timed out waiting for the response"
        ),
        "{text}"
    );
    assert!(
        run.causes().iter().any(|c| c.contains("timed out")),
        "{text}"
    );
}

#[tokio::test]
async fn an_unreachable_accounts_server_names_the_cause_and_its_chain() {
    let api = silent_server().await;
    let accounts = refused_url();
    let run = run_with(
        &[
            "--api-domain",
            &api,
            "--accounts-domain",
            &accounts,
            "org-permissions",
            "get",
        ],
        &[
            ("ZOHO_CLIENT_ID", "1000.CLIENT"),
            ("ZOHO_CLIENT_SECRET", "cli-secret-value"),
            ("ZOHO_REFRESH_TOKEN", "1000.cli-refresh-value"),
        ],
        None,
    )
    .await;
    let text = run.failed(1);
    // The first line names the credentials used and where they were sent; the next says what
    // went wrong on the way.
    assert!(
        text.starts_with(
            "error: authentication failed: the credentials of the refresh flow with \
             ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN did not get an access \
             token from http://127.0.0.1:"
        ),
        "{text}"
    );
    assert!(
        run.causes().first().is_some_and(|c| c.contains(
            "could not get a token from the accounts server 127.0.0.1: could not connect: \
             connection refused"
        )),
        "{text}"
    );
    assert!(
        run.causes()
            .last()
            .is_some_and(|c| c.to_ascii_lowercase().contains("connection refused")),
        "{text}"
    );
    for secret in ["cli-secret-value", "1000.cli-refresh-value"] {
        assert!(!run.stderr.contains(secret) && !run.stdout.contains(secret));
    }
}

#[tokio::test]
async fn a_silent_accounts_server_says_it_timed_out() {
    let api = silent_server().await;
    let accounts = silent_server().await;
    let run = run_with(
        &[
            "--api-domain",
            &api,
            "--accounts-domain",
            &accounts,
            "--timeout",
            "0.3",
            "org-permissions",
            "get",
        ],
        &[
            ("ZOHO_CLIENT_ID", "1000.CLIENT"),
            ("ZOHO_CLIENT_SECRET", "cli-secret-value"),
            ("ZOHO_REFRESH_TOKEN", "1000.cli-refresh-value"),
        ],
        None,
    )
    .await;
    let text = run.failed(1);
    assert!(
        text.starts_with("error: authentication failed: the credentials of the refresh flow")
            && run
                .causes()
                .first()
                .is_some_and(|c| c.contains("timed out waiting for the response")),
        "{text}"
    );
    assert!(
        run.causes().iter().any(|c| c.contains("timed out")),
        "{text}"
    );
}

#[tokio::test]
async fn a_timeout_of_zero_is_a_usage_error() {
    let run = run_with(
        &["--timeout", "0", "org-permissions", "get"],
        &[TOKEN],
        None,
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("more than 0"), "{}", run.stderr);
}
