//! Transport failures over real sockets on loopback: a refused connection, a connect timeout,
//! a read timeout, a failing accounts server, an answer that is not valid HTTP and a
//! `Retry-After` past the deadline. Each error must name its cause in its message, without
//! repeating the cause, and keep it reachable through `std::error::Error::source()`.

mod support;

use std::error::Error as StdError;
use std::io::ErrorKind;
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::{
    api_accepting, raw_json, refresh_client, Reply, TestServer, CLIENT_SECRET, REFRESH_TOKEN,
};
use zoho_crm_access::{Client, Error, RetryPolicy, TransportKind};

/// Every message of the chain, outermost first.
fn chain(err: &(dyn StdError + 'static)) -> Vec<String> {
    let mut out = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        out.push(e.to_string());
        next = e.source();
    }
    out
}

/// The first I/O error in the source chain (not counting `err` itself).
fn io_error_in_chain<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a std::io::Error> {
    let mut next = err.source();
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        next = e.source();
    }
    None
}

/// Asserts that `err`'s source chain reaches an I/O error of `kind`, and that the top-level
/// message does not repeat its source's message.
fn assert_cause(err: &Error, kind: ErrorKind) {
    let all = chain(err);
    let io = io_error_in_chain(err).unwrap_or_else(|| panic!("no I/O error in {all:#?}"));
    assert_eq!(io.kind(), kind, "{all:#?}");
    let source = err.source().expect("a source").to_string();
    assert!(
        !all[0].contains(&source),
        "the message repeats its source: {all:#?}"
    );
}

/// An address on loopback where nothing listens.
fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// A listening socket whose accept queue is full and never drained: the kernel drops further
/// connection attempts, so connecting times out. Keep the returned value alive.
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

/// A server on loopback that hands every connection it accepts to `serve`; its URL.
async fn loopback_server<F, Fut>(serve: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(serve(sock));
        }
    });
    url
}

/// A server that accepts connections and reads requests but never answers.
async fn silent_server() -> String {
    use tokio::io::AsyncReadExt;
    loopback_server(|mut sock| async move {
        let mut buf = [0u8; 4096];
        while let Ok(n) = sock.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(20))
}

#[tokio::test]
async fn a_refused_connection_says_so_and_keeps_the_io_error() {
    let client = Client::builder()
        .base_url(refused_url())
        .access_token("t")
        .retry(fast_retries().max_attempts(2))
        .build()
        .unwrap();
    let err = client.org_permissions().get().await.unwrap_err();
    assert_eq!(err.transport_kind(), Some(TransportKind::ConnectionRefused));
    assert_eq!(err.attempts(), Some(2), "a refused connection is retried");
    assert_eq!(
        err.to_string(),
        "getting the default organization permissions (getOrgPermissions): could not connect: connection refused (after 2 attempt(s))"
    );
    assert_cause(&err, ErrorKind::ConnectionRefused);
}

#[tokio::test]
async fn a_connect_timeout_says_so_and_keeps_a_timed_out_io_error() {
    let server = unaccepting();
    let client = Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .connect_timeout(Duration::from_millis(300))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.org_permissions().get().await.unwrap_err();
    assert_eq!(
        err.transport_kind(),
        Some(TransportKind::ConnectTimeout),
        "{:#?}",
        chain(&err)
    );
    assert!(err.is_timeout());
    assert!(err.to_string().contains("timed out connecting"), "{}", err);
    assert_cause(&err, ErrorKind::TimedOut);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_read_timeout_says_so_and_keeps_a_timed_out_io_error() {
    let client = Client::builder()
        .base_url(silent_server().await)
        .access_token("t")
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.record_locking("Deals").get().await.unwrap_err();
    assert_eq!(err.transport_kind(), Some(TransportKind::ReadTimeout));
    assert!(err.is_timeout());
    assert_eq!(
        err.to_string(),
        "getting a module's record locking configuration (getRecordLockingConfigurations): timed out waiting for the response (after 1 attempt(s))"
    );
    assert_cause(&err, ErrorKind::TimedOut);
}

#[tokio::test]
async fn an_unreachable_accounts_server_is_an_auth_error_with_the_io_error() {
    let api = api_accepting("tok").await;
    let accounts = TestServer::start(|_| Reply::empty(500)).await;
    let client = refresh_client(&api, &accounts)
        .accounts_url(refused_url())
        .build()
        .unwrap();
    let err = client.org_permissions().get().await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    let shown = err.to_string();
    assert!(
        shown.starts_with("authentication failed: could not get a token from the accounts server 127.0.0.1: could not connect: connection refused"),
        "{shown}"
    );
    assert_cause(&err, ErrorKind::ConnectionRefused);
    for secret in [CLIENT_SECRET, REFRESH_TOKEN] {
        assert!(!chain(&err).concat().contains(secret));
        assert!(!format!("{err:?}").contains(secret));
    }
    assert_eq!(api.total(), 0);
}

#[tokio::test]
async fn a_silent_accounts_server_is_an_auth_error_that_says_it_timed_out() {
    let api = api_accepting("tok").await;
    let accounts = TestServer::start(|_| Reply::empty(500)).await;
    let client = refresh_client(&api, &accounts)
        .accounts_url(silent_server().await)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = client.authenticate().await.unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.contains("accounts server") && shown.contains("timed out waiting for the response"),
        "{shown}"
    );
    assert_cause(&err, ErrorKind::TimedOut);
}

#[tokio::test]
async fn waiters_on_a_failed_refresh_share_its_cause() {
    let api = api_accepting("tok").await;
    let accounts = TestServer::start(|_| Reply::empty(500)).await;
    let client = refresh_client(&api, &accounts)
        .accounts_url(refused_url())
        .max_concurrency(8)
        .build()
        .unwrap();
    let results = futures::future::join_all((0..8).map(|_| client.org_permissions().get())).await;
    for r in results {
        let err = r.unwrap_err();
        assert_cause(&err, ErrorKind::ConnectionRefused);
    }
}

/// Issue 11, item 9: an unparsable `Content-Length` was reported as "could not reach Zoho
/// after 4 attempt(s)", after sending the request four times.
#[tokio::test]
async fn an_unparsable_content_length_is_named_and_not_retried() {
    let server = support::RawServer::start(|_| {
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: lots\r\nconnection: close\r\n\r\n{}".to_vec()
    })
    .await;
    let client = Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .retry(fast_retries())
        .build()
        .unwrap();
    let err = client.org_permissions().get().await.unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.contains("not valid HTTP") && shown.contains("Content-Length"),
        "{shown}"
    );
    assert!(!shown.contains("could not reach"), "{shown}");
    assert_eq!(err.transport_kind(), Some(TransportKind::InvalidResponse));
    assert_eq!(
        server.total(),
        1,
        "a malformed answer is not asked for again"
    );
    let all = chain(&err).join(" | ");
    assert!(all.to_ascii_lowercase().contains("content-length"), "{all}");
}

/// Issue 11, item 9: a `Retry-After` longer than the deadline gave up without saying how
/// long Zoho asked to wait.
#[tokio::test]
async fn a_retry_after_past_the_deadline_says_how_long_zoho_asked_to_wait() {
    let server = TestServer::start(|_| {
        Reply::json(
            429,
            support::zoho_error(
                "TOO_MANY_REQUESTS",
                "too many requests",
                serde_json::json!({}),
            ),
        )
        .header("retry-after", "120")
    })
    .await;
    let client = Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .retry(fast_retries().total_deadline(Duration::from_secs(5)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.org_permissions().get().await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "it did not wait"
    );
    assert_eq!(server.total(), 1);
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    let shown = err.to_string();
    assert!(
        shown.contains("Zoho asked to wait 120s") && shown.contains("retry deadline"),
        "{shown}"
    );
}

/// A `Retry-After` that fits the deadline is waited for, and then says nothing.
#[tokio::test]
async fn a_retry_after_within_the_deadline_is_waited_for() {
    let server = TestServer::start(|r| {
        if r.nth == 0 {
            Reply::json(429, serde_json::json!({})).header("retry-after", "1")
        } else {
            Reply::json(200, serde_json::json!({"data_sharing": []}))
        }
    })
    .await;
    let client = Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .retry(fast_retries().total_deadline(Duration::from_secs(5)))
        .build()
        .unwrap();
    let started = Instant::now();
    assert!(client.org_permissions().get().await.unwrap().is_empty());
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(server.total(), 2);
}

/// A truncated body keeps the HTTP client's error as its source, and says what happened
/// without repeating it.
#[tokio::test]
async fn a_truncated_body_keeps_its_cause() {
    let server = support::RawServer::start(|_| raw_json(200, b"{\"data_sharing\": [", 500)).await;
    let client = Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .retry(fast_retries().max_attempts(2))
        .build()
        .unwrap();
    let err = client.org_permissions().get().await.unwrap_err();
    assert!(
        matches!(err, Error::IncompleteResponse { attempts: 2, .. }),
        "{err:?}"
    );
    let all = chain(&err);
    assert!(all.len() >= 2, "{all:#?}");
    assert!(!all[0].contains(&all[1]), "{all:#?}");
}

/// An accounts server that answers a token response's headers at once, then its body one
/// byte every `every` (a 1,000-byte body: minutes in all).
async fn trickling_accounts_server(every: Duration) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    loopback_server(move |mut sock| async move {
        let mut buf = [0u8; 4096];
        let _ = sock.read(&mut buf).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                    content-length: 1000\r\n\r\n";
        if sock.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        for _ in 0..1000 {
            tokio::time::sleep(every).await;
            if sock.write_all(b" ").await.is_err() {
                return;
            }
        }
    })
    .await
}

/// A refresh-token client of `api` and the accounts server at `accounts` whose per-attempt
/// timeout (10 minutes) is far longer than its total deadline (`deadline_ms`).
fn deadline_client(api: &TestServer, accounts: &str, deadline_ms: u64) -> Client {
    Client::builder()
        .base_url(&api.url)
        .accounts_url(accounts)
        .refresh_token(support::CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
        .timeout(Duration::from_secs(600))
        .max_concurrency(4)
        .retry(fast_retries().total_deadline(Duration::from_millis(deadline_ms)))
        .build()
        .unwrap()
}

/// The error of `call`, which must fail well within 20 s: at its total deadline, long
/// before the per-attempt timeout.
async fn ends_early<T: std::fmt::Debug>(
    call: impl std::future::Future<Output = Result<T, Error>>,
) -> Error {
    tokio::time::timeout(Duration::from_secs(20), call)
        .await
        .expect("the call ended within its deadline, not the per-attempt timeout")
        .unwrap_err()
}

/// The host and port of a loopback URL, as errors name the accounts server.
fn host_of(url: &str) -> String {
    url.trim_start_matches("http://").to_owned()
}

/// Asserts the error of a token request cut off by the call's total deadline: an
/// authentication error naming the accounts server and the deadline, with a timed-out I/O
/// error as its cause.
fn assert_token_deadline(err: &Error, accounts: &str) {
    assert!(err.is_auth(), "{err:?}");
    let shown = err.to_string();
    let host = host_of(accounts);
    let host = host.split(':').next().unwrap();
    assert!(
        shown.contains(&format!("accounts server {host}")) && shown.contains("total deadline"),
        "{shown}"
    );
    assert_cause(err, ErrorKind::TimedOut);
    assert!(!format!("{err:?}").contains(REFRESH_TOKEN));
    assert!(!chain(err).concat().contains(CLIENT_SECRET));
}

/// A silent accounts server held a call for the whole per-attempt timeout (here a minute),
/// whatever the call's total deadline said: the token request now counts against it.
#[tokio::test]
async fn a_silent_accounts_server_cannot_hold_a_call_past_its_total_deadline() {
    let api = api_accepting("tok").await;
    let accounts = silent_server().await;
    let client = deadline_client(&api, &accounts, 400);
    let err = ends_early(client.org_permissions().get()).await;
    assert_token_deadline(&err, &accounts);
    assert_eq!(api.total(), 0, "no API request without a token");

    // `authenticate` is bounded by the same deadline.
    let err = ends_early(client.authenticate()).await;
    assert_token_deadline(&err, &accounts);
}

/// The same for an accounts server that answers at once but sends its body a byte at a
/// time: each byte resets no timer, the total deadline still ends the call.
#[tokio::test]
async fn a_trickling_accounts_server_cannot_hold_a_call_past_its_total_deadline() {
    let api = api_accepting("tok").await;
    let accounts = trickling_accounts_server(Duration::from_millis(100)).await;
    let client = deadline_client(&api, &accounts, 500);
    let err = ends_early(client.org_permissions().get()).await;
    assert_token_deadline(&err, &accounts);
}

/// Calls waiting for another call's token request are bounded by their own deadline too,
/// and the accounts server still sees one token request, not one per waiting call.
#[tokio::test]
async fn calls_waiting_for_a_stalled_token_request_end_at_their_deadline() {
    let api = api_accepting("tok").await;
    let never = Arc::new(tokio::sync::Notify::new());
    let gate = never.clone();
    let accounts = TestServer::start(move |_| Reply::empty(500).hold(gate.clone())).await;
    let client = deadline_client(&api, &accounts.url, 400);
    let calls =
        futures::future::join_all((0..4).map(|_| ends_early(client.org_permissions().get())));
    for err in calls.await {
        assert_token_deadline(&err, &accounts.url);
    }
    assert_eq!(accounts.total(), 1, "one token request for all the calls");
    drop(never);
}
