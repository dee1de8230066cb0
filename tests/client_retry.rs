//! Retries, deadlines and the concurrency limit over real HTTP on loopback. No assertion
//! depends on wall-clock time: outcomes are checked by attempt counts the server observed.

mod support;

use std::time::Duration;

use support::{
    raw_json, rlc_body, rule_json, success, token_reply, zoho_error, RawServer, Reply, TestServer,
    CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN,
};
use zoho_crm_access::{enums, types, Client, Error, RetryPolicy, TransportKind};

const RLC: &str = "/crm/v8/settings/record_locking_configurations";

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(4)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(40))
        .total_deadline(Duration::from_secs(20))
}

fn client(server: &TestServer, policy: RetryPolicy) -> Client {
    Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .retry(policy)
        .build()
        .unwrap()
}

fn too_many() -> serde_json::Value {
    zoho_error(
        "TOO_MANY_REQUESTS",
        "Rate limit exceeded",
        serde_json::json!({}),
    )
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_and_then_succeeds() {
    let server = TestServer::start(|r| match r.nth {
        0 => Reply::json(429, too_many()).header("retry-after", "1"),
        _ => Reply::json(200, rlc_body("9")),
    })
    .await;
    // The policy alone would wait at most 40 ms; Retry-After asks for 1 s.
    let got = client(&server, fast_retries())
        .record_locking("Deals")
        .get()
        .await
        .unwrap();
    assert_eq!(got.unwrap().id, "9");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs.iter().all(|r| r.method == "GET" && r.path == RLC));
    // A lower bound on the wait (Retry-After honoured), not a speed check: the retry did
    // not arrive before the server's Retry-After (1 s, less 100 ms of timer slack).
    let gap = reqs[1].at.duration_since(reqs[0].at);
    assert!(
        gap >= Duration::from_millis(900),
        "the retry came {gap:?} after the 429 with Retry-After: 1"
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_stops_retrying_at_once() {
    // Honouring Retry-After means not retrying early: with a wait longer than the whole
    // budget the client gives up after the first attempt instead of backing off briefly.
    for retry_after in [
        "3600",
        "Wed, 21 Oct 2105 07:28:00 GMT",
        "18446744073709551615",
    ] {
        let server = TestServer::start(move |_| {
            Reply::json(429, too_many()).header("retry-after", retry_after)
        })
        .await;
        let policy = fast_retries().total_deadline(Duration::from_secs(5));
        let err = client(&server, policy)
            .record_locking("Deals")
            .get()
            .await
            .unwrap_err();
        match err {
            Error::Api {
                status,
                code,
                attempts,
                ..
            } => {
                assert_eq!(status, 429);
                assert_eq!(code, enums::ZohoCode::TooManyRequests);
                assert_eq!(attempts, 1);
            }
            other => panic!("expected Api, got {other:?}"),
        }
        assert_eq!(server.total(), 1, "Retry-After {retry_after}");
    }
}

#[tokio::test]
async fn a_429_without_retry_after_backs_off_and_succeeds() {
    let server = TestServer::start(|r| {
        if r.nth < 2 {
            Reply::json(429, too_many())
        } else {
            Reply::json(200, serde_json::json!({"data_sharing": []}))
        }
    })
    .await;
    let got = client(&server, fast_retries())
        .org_permissions()
        .get()
        .await
        .unwrap();
    assert!(got.is_empty());
    assert_eq!(server.total(), 3);
}

#[tokio::test]
async fn gateway_errors_then_success() {
    let server = TestServer::start(|r| match r.nth {
        0 => Reply::text(503, "<html>unavailable</html>"),
        1 => Reply::text(502, "bad gateway"),
        2 => Reply::empty(504),
        _ => Reply::json(200, rlc_body("5")),
    })
    .await;
    let got = client(&server, fast_retries())
        .record_locking("Deals")
        .get()
        .await
        .unwrap();
    assert_eq!(got.unwrap().id, "5");
    assert_eq!(server.total(), 4);
}

#[tokio::test]
async fn persistent_503_ends_with_a_typed_error_after_max_attempts() {
    let server = TestServer::start(|_| Reply::text(503, "down for maintenance")).await;
    let err = client(&server, fast_retries())
        .record_locking("Deals")
        .get()
        .await
        .unwrap_err();
    match &err {
        Error::Api {
            status,
            attempts,
            message,
            operation,
            ..
        } => {
            assert_eq!(*status, 503);
            assert_eq!(*attempts, 4);
            assert!(message.contains("down for maintenance"));
            assert_eq!(operation, "getRecordLockingConfigurations");
        }
        other => panic!("expected Api, got {other:?}"),
    }
    assert_eq!(server.total(), 4);
}

#[tokio::test]
async fn persistent_503_stops_at_the_total_deadline_before_max_attempts() {
    let server = TestServer::start(|_| Reply::empty(503)).await;
    let policy = RetryPolicy::default()
        .max_attempts(10_000)
        .initial_backoff(Duration::from_millis(20))
        .max_backoff(Duration::from_millis(100))
        .total_deadline(Duration::from_millis(600));
    let err = client(&server, policy)
        .record_locking("Deals")
        .get()
        .await
        .unwrap_err();
    let attempts = err.attempts().unwrap();
    assert!(matches!(err, Error::Api { status: 503, .. }), "{err:?}");
    assert!((2..10_000).contains(&attempts), "{attempts}");
    assert_eq!(server.total() as u32, attempts);
}

#[tokio::test]
async fn a_500_is_not_retried() {
    let server = TestServer::start(|_| {
        Reply::json(
            500,
            zoho_error(
                "INTERNAL_ERROR",
                "Internal Server Error",
                serde_json::json!({}),
            ),
        )
    })
    .await;
    let err = client(&server, fast_retries())
        .sharing_rules("Leads")
        .summary()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&enums::ZohoCode::InternalError));
    assert_eq!(server.total(), 1);
}

#[tokio::test]
async fn a_post_that_reached_the_server_is_not_retried() {
    let server = TestServer::start(|_| Reply::text(503, "try later")).await;
    let rule = types::SharingRuleInput::owner_based(
        "Support to Sales",
        types::SharedFrom::group("5843104000000431002"),
        types::SharedTo::role("5843104000000431001"),
        enums::PermissionType::ReadWrite,
    );
    let err = client(&server, fast_retries())
        .sharing_rules("Leads")
        .create(rule)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(
        server.count("POST", "/crm/v8/settings/data_sharing/rules"),
        1
    );

    // Search is a POST too.
    let search = client(&server, fast_retries())
        .sharing_rules("Leads")
        .search(zoho_crm_access::criteria::filter("status").equal("active"))
        .send()
        .await;
    assert!(search.is_err());
    assert_eq!(server.count("POST", "/rules/search"), 1);
}

#[tokio::test]
async fn a_post_is_retried_when_the_connection_was_refused() {
    // A port with nothing listening: the request provably never reached a server.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::builder()
        .base_url(url)
        .access_token("t")
        .retry(fast_retries().max_attempts(3))
        .build()
        .unwrap();
    let err = client.sharing_rules("Leads").rerun().await.unwrap_err();
    match err {
        Error::Transport {
            attempts,
            operation,
            ..
        } => {
            assert_eq!(attempts, 3);
            assert_eq!(operation, "rerunSharingRules");
        }
        other => panic!("expected Transport, got {other:?}"),
    }
}

#[tokio::test]
async fn the_concurrency_limit_is_never_exceeded() {
    let server = TestServer::start(|_| {
        Reply::json(
            200,
            serde_json::json!({"sharing_rules": [rule_json("1", "a")]}),
        )
        .delay(Duration::from_millis(30))
    })
    .await;
    let client = Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .max_concurrency(3)
        .build()
        .unwrap();
    let results =
        futures::future::join_all((0..30).map(|_| client.sharing_rules("Leads").get("1"))).await;
    assert!(results.iter().all(|r| r.is_ok()));
    assert_eq!(server.total(), 30);
    assert!(
        server.max_in_flight() <= 3,
        "max in flight {}",
        server.max_in_flight()
    );
    assert!(server.max_in_flight() >= 2, "the test did overlap requests");
}

#[tokio::test]
async fn a_slow_answer_times_out_per_attempt_and_is_retried_within_the_budget() {
    let server =
        TestServer::start(|_| Reply::json(200, rlc_body("1")).delay(Duration::from_secs(30))).await;
    let client = Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .timeout(Duration::from_millis(200))
        .retry(fast_retries().max_attempts(2))
        .build()
        .unwrap();
    let err = client.record_locking("Deals").get().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                attempts: 2,
                kind: TransportKind::ReadTimeout,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_timeout());
    assert_eq!(server.total(), 2);
}

#[tokio::test]
async fn waiting_for_a_slot_past_the_deadline_is_a_timeout() {
    // One slot, held by a request the server keeps until the test releases it; the second
    // call starts only once the first is in the server's hands, so it cannot get the slot
    // before its deadline.
    let arrived = std::sync::Arc::new(tokio::sync::Notify::new());
    let release = std::sync::Arc::new(tokio::sync::Notify::new());
    let (a, g) = (arrived.clone(), release.clone());
    let server = TestServer::start(move |r| {
        if r.nth == 0 {
            a.notify_one();
            Reply::json(200, rlc_body("1")).hold(g.clone())
        } else {
            Reply::json(200, rlc_body("2"))
        }
    })
    .await;
    let client = Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .max_concurrency(1)
        .retry(fast_retries().total_deadline(Duration::from_millis(300)))
        .build()
        .unwrap();
    let slow = tokio::spawn(client.record_locking("Deals").get());
    arrived.notified().await;
    let second = client.record_locking("Deals").get().await;
    assert!(
        matches!(second, Err(Error::Timeout { attempts: 0, .. })),
        "{second:?}"
    );
    assert!(second.unwrap_err().to_string().contains("max_concurrency"));
    assert_eq!(server.total(), 1);
    release.notify_one();
    assert_eq!(slow.await.unwrap().unwrap().unwrap().id, "1");
    assert_eq!(server.total(), 1);
}

fn raw_client(url: &str, policy: RetryPolicy) -> Client {
    Client::builder()
        .base_url(url)
        .access_token("t")
        .retry(policy)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_truncated_body_is_an_incomplete_response_and_a_get_is_retried() {
    let full = serde_json::to_vec(&rlc_body("9")).unwrap();
    let cut = full[..full.len() / 2].to_vec();
    // Two truncated answers, then a whole one.
    let (f, c) = (full.clone(), cut.clone());
    let server = RawServer::start(move |n| {
        if n < 2 {
            raw_json(200, &c, f.len())
        } else {
            raw_json(200, &f, f.len())
        }
    })
    .await;
    let got = raw_client(&server.url, fast_retries())
        .record_locking("Deals")
        .get()
        .await
        .unwrap();
    assert_eq!(got.unwrap().id, "9");
    assert_eq!(server.total(), 3);

    // Always truncated: every attempt is used, and the error says what happened.
    let (f, c) = (full.clone(), cut.clone());
    let server = RawServer::start(move |_| raw_json(200, &c, f.len())).await;
    let err = raw_client(&server.url, fast_retries())
        .record_locking("Deals")
        .get()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::IncompleteResponse {
                status: 200,
                attempts: 4,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("cut off"), "{text}");
    assert!(!text.contains("could not reach"), "{text}");
    assert_eq!(server.total(), 4);
}

#[tokio::test]
async fn a_truncated_body_with_retries_off_or_on_a_post_is_not_retried() {
    let full = serde_json::to_vec(&support::success("record_locking_configurations", "9")).unwrap();
    let cut = full[..full.len() / 2].to_vec();
    let announced = full.len();
    let server = RawServer::start(move |_| raw_json(201, &cut, announced)).await;
    let client = raw_client(&server.url, fast_retries());
    let mut input = types::RecordLockingConfigurationInput::new(enums::LockType::Manual);
    input.lock_for_portal_users = Some(true);
    let err = client
        .record_locking("Deals")
        .create(input)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::IncompleteResponse { attempts: 1, .. }),
        "{err:?}"
    );
    assert_eq!(
        server.total(),
        1,
        "a POST that reached the server is not sent again"
    );

    // A GET with retries off: one attempt, the same error.
    let before = server.total();
    let err = raw_client(&server.url, RetryPolicy::none())
        .record_locking("Deals")
        .get()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::IncompleteResponse { attempts: 1, .. }),
        "{err:?}"
    );
    assert_eq!(server.total() - before, 1);
}

#[tokio::test]
async fn a_connection_closed_before_any_answer_is_retried_for_a_get_and_not_for_a_post() {
    let full = serde_json::to_vec(&rlc_body("9")).unwrap();
    // The first connection reads the request and closes without a byte of answer.
    let server = RawServer::start(move |n| {
        if n == 0 {
            Vec::new()
        } else {
            raw_json(200, &full, full.len())
        }
    })
    .await;
    let got = raw_client(&server.url, fast_retries())
        .record_locking("Deals")
        .get()
        .await
        .unwrap();
    assert_eq!(got.unwrap().id, "9");
    assert_eq!(server.total(), 2);

    // A POST may have taken effect before the connection dropped: it is not sent again.
    let server = RawServer::start(|_| Vec::new()).await;
    let err = raw_client(&server.url, fast_retries())
        .sharing_rules("Leads")
        .rerun()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                attempts: 1,
                kind: TransportKind::ConnectionClosed,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.total(), 1);
}

#[tokio::test]
async fn a_post_that_times_out_is_not_retried() {
    let server =
        TestServer::start(|_| Reply::json(200, rlc_body("1")).delay(Duration::from_secs(30))).await;
    let client = Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .timeout(Duration::from_millis(200))
        .retry(fast_retries())
        .build()
        .unwrap();
    let err = client.sharing_rules("Leads").rerun().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                attempts: 1,
                kind: TransportKind::ReadTimeout,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.total(), 1);
}

#[tokio::test]
async fn a_total_deadline_too_far_to_represent_is_no_deadline() {
    // `Instant + Duration::MAX` overflows: such a deadline must mean "none", so a 503 is
    // retried as usual (neither a panic nor a deadline already passed).
    let server = TestServer::start(|r| match r.nth {
        0 => Reply::text(503, "busy"),
        _ => Reply::json(200, rlc_body("7")),
    })
    .await;
    let policy = fast_retries().total_deadline(Duration::MAX);
    let got = client(&server, policy)
        .record_locking("Deals")
        .get()
        .await
        .unwrap();
    assert_eq!(got.unwrap().id, "7");
    assert_eq!(server.total(), 2);
}

/// A client on the refresh-token flow against `api_url`, minting at its own accounts server.
async fn refreshing_client(api_url: &str, policy: RetryPolicy) -> (Client, TestServer) {
    let domain = api_url.to_owned();
    let accounts =
        TestServer::start(move |r| token_reply(&format!("tok-{}", r.nth + 1), &domain, 3600)).await;
    let client = Client::builder()
        .base_url(api_url)
        .accounts_url(&accounts.url)
        .refresh_token(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
        .retry(policy)
        .build()
        .unwrap();
    (client, accounts)
}

#[tokio::test]
async fn a_refresh_token_client_keeps_to_the_attempt_limit() {
    // A client that may refresh after a 401 sends its final attempt as a copy (a 401 there
    // could still call for a refresh); the attempt limit must hold for it all the same, for
    // a retryable status, a dropped connection and a body cut short.
    let server = TestServer::start(|_| Reply::text(503, "down for maintenance")).await;
    let (client, accounts) = refreshing_client(&server.url, fast_retries()).await;
    let err = client.record_locking("Deals").get().await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert_eq!(server.total(), 4);
    assert_eq!(accounts.total(), 1);

    // The error of a GET by a refreshing client, its accounts server alive until the end.
    async fn refreshing_get_error(url: &str) -> Error {
        let (client, _accounts) = refreshing_client(url, fast_retries()).await;
        client.record_locking("Deals").get().await.unwrap_err()
    }

    let dropped = RawServer::start(|_| Vec::new()).await;
    let err = refreshing_get_error(&dropped.url).await;
    assert!(
        matches!(err, Error::Transport { attempts: 4, .. }),
        "{err:?}"
    );
    assert_eq!(dropped.total(), 4);

    let full = serde_json::to_vec(&rlc_body("9")).unwrap();
    let cut = full[..full.len() / 2].to_vec();
    let truncated = RawServer::start(move |_| raw_json(200, &cut, full.len())).await;
    let err = refreshing_get_error(&truncated.url).await;
    assert!(
        matches!(err, Error::IncompleteResponse { attempts: 4, .. }),
        "{err:?}"
    );
    assert_eq!(truncated.total(), 4);
}

/// Reproduction: every PUT and DELETE was sent again after a 502/503/504, a timeout or a body
/// cut off, though such an attempt may have reached Zoho and taken effect. For some writes a
/// second send does more or is answered differently: a record-locking update whose entries
/// without an id add rules (a second send adds them again, or fails on the names), a delete
/// (the second finds nothing), an activation or deactivation (the second finds the rule so
/// already). Those are sent once now and the caller gets the 504; the writes that set a state
/// by id, where a second send does and answers what the first did, are still retried.
#[tokio::test]
async fn writes_a_second_send_would_change_are_not_sent_again_after_a_gateway_error() {
    let server = TestServer::start(|_| Reply::empty(504)).await;
    let c = client(&server, fast_retries());
    let deals = c.record_locking("Deals");
    let mut update = types::RecordLockingConfigurationUpdate::new("900");
    update.locking_rules = Some(vec![types::LockingRuleInput::new_rule(
        "Won",
        zoho_crm_access::criteria::field("Stage").equal("Closed Won"),
    )
    .unwrap()]);
    let leads = c.sharing_rules("Leads");
    let outcomes = [
        (
            "update locking",
            deals.update(update.clone()).await.map(|_| ()),
        ),
        (
            "update locking by id",
            deals.update_by_id("900", update).await.map(|_| ()),
        ),
        ("delete locking", deals.delete("900").await.map(|_| ())),
        ("delete rule", leads.delete("77").await.map(|_| ())),
        ("activate rule", leads.activate("77").await.map(|_| ())),
        ("deactivate rule", leads.deactivate("77").await.map(|_| ())),
    ];
    for (what, outcome) in &outcomes {
        let err = outcome.as_ref().unwrap_err();
        assert_eq!(err.status(), Some(504), "{what}: {err}");
        assert_eq!(err.attempts(), Some(1), "{what}: {err}");
    }
    assert_eq!(server.total(), outcomes.len(), "each write sent once");

    // Setting share types and a rule's fields by id: a second send is the same; retried.
    let server = TestServer::start(|r| match (r.nth, r.method.as_str()) {
        (0 | 2, _) => Reply::empty(504),
        (_, "PUT") if r.path.ends_with("/data_sharing") => {
            Reply::json(200, success("data_sharing", "3"))
        }
        _ => Reply::json(200, success("sharing_rules", "77")),
    })
    .await;
    let c = client(&server, fast_retries());
    let changes = types::SharingRuleUpdate::new(false, enums::SharingRuleType::RecordOwnerBased);
    c.sharing_rules("Leads")
        .update("77", changes)
        .await
        .unwrap();
    c.org_permissions()
        .set([types::DataSharingUpdate::new(
            "3",
            enums::ShareType::Private,
        )])
        .await
        .unwrap();
    assert_eq!(server.total(), 4, "both writes sent twice");
}

/// Reproduction: the slot under `max_concurrency` was given back as soon as an answer's
/// headers arrived, before its body was read; so with bodies that arrive slowly any number of
/// requests were open at once (Zoho counts a request until its answer ends) and any number
/// of bodies were being buffered. The slot is held until the body is read now.
#[tokio::test]
async fn the_concurrency_limit_holds_until_each_body_is_read() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Answers open at the server: from a request's head until its body is written whole.
    let open = Arc::new(AtomicUsize::new(0));
    let max_open = Arc::new(AtomicUsize::new(0));
    let (o, m) = (open.clone(), max_open.clone());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let (open, max_open) = (o.clone(), m.clone());
            tokio::spawn(async move {
                loop {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match sock.read(&mut byte).await {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                    max_open.fetch_max(now, Ordering::SeqCst);
                    let body = br#"{"sharing_rules":[]}"#;
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        body.len()
                    );
                    // The head at once, the body 200 ms later in two pieces.
                    let ok = sock.write_all(head.as_bytes()).await.is_ok()
                        && sock.write_all(&body[..5]).await.is_ok();
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    let ok = ok && sock.write_all(&body[5..]).await.is_ok();
                    open.fetch_sub(1, Ordering::SeqCst);
                    if !ok {
                        return;
                    }
                }
            });
        }
    });
    let client = Client::builder()
        .base_url(&url)
        .access_token("t")
        .max_concurrency(2)
        .build()
        .unwrap();
    let results =
        futures::future::join_all((0..6).map(|_| client.sharing_rules("Leads").list().send()))
            .await;
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    assert_eq!(
        max_open.load(Ordering::SeqCst),
        2,
        "at most the limit, and it was reached"
    );
}
