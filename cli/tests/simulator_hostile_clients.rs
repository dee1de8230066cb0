//! The simulator as a server that other teams share: clients that upload without a token, send
//! oversize bodies, hold connections open without sending, stop reading, or churn tokens.
//!
//! Memory is measured, never timed: tests that assert memory spawn the real
//! `zoho-access simulator` process and read its `/proc/<pid>/status` (`VmRSS` before, `VmHWM`
//! after, the peak reset through `/proc/<pid>/clear_refs` where the kernel allows it). Other
//! bounds are counted through [`Simulator::stats`]. Waits are guarded (a test fails instead of
//! hanging), and no assertion depends on how fast the machine is.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use zoho_crm_access_simulator::Simulator;

/// A spawned `zoho-access simulator` and what its first line says.
struct Spawned {
    child: tokio::process::Child,
    pid: u32,
    host: String,
    token: String,
}

async fn spawn_simulator(extra: &[&str]) -> Spawned {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_zoho-access"))
        .arg("simulator")
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn zoho-access simulator");
    let pid = child.id().expect("pid");
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(60),
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line),
    )
    .await
    .expect("the simulator prints its JSON line")
    .unwrap();
    let info: Value = serde_json::from_str(&line).expect("one JSON line");
    let domain = info["api_domain"].as_str().unwrap();
    Spawned {
        child,
        pid,
        host: domain.trim_start_matches("http://").to_owned(),
        token: info["access_token"].as_str().unwrap().to_owned(),
    }
}

/// (`VmRSS`, `VmHWM`) in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in /proc/{pid}/status"))
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Sends a raw request head (and `body` bytes) and returns what the server answered until it
/// closed the connection (or 30 s passed: the guard against a server that never answers).
async fn raw_exchange(host: &str, head: &str, body: &[u8]) -> String {
    let mut stream = TcpStream::connect(host).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    if !body.is_empty() {
        let _ = stream.write_all(body).await;
    }
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let text = String::from_utf8_lossy(&got).into_owned();
    assert!(
        read.is_ok(),
        "the server neither answered and closed within 30 s; got so far: {text:?}"
    );
    text
}

fn json_body(response: &str) -> Value {
    let body = response.split_once("\r\n\r\n").expect("head and body").1;
    serde_json::from_str(body).unwrap_or_else(|e| panic!("JSON body ({e}): {body:?}"))
}

// ---------------------------------------------------------------------------------------------
// Failure 6: bodies are read only after authentication, and never past the limit.
// ---------------------------------------------------------------------------------------------

/// 64 concurrent unauthenticated 8 MiB uploads (512 MiB offered). Bound: the simulator's peak
/// RSS grows by at most 24 MiB over its baseline (each refused connection costs a request
/// head buffer of at most 64 KiB plus connection state). Before the fix every body was read
/// whole before the token was checked: the same run peaked hundreds of MiB higher.
#[tokio::test]
async fn unauthenticated_uploads_cost_no_body_memory() {
    const UPLOADS: usize = 64;
    const SIZE: usize = 8 << 20;
    const BOUND_KIB: u64 = 24 * 1024;
    let sim = spawn_simulator(&[]).await;
    // A served request first, so the baseline includes what serving costs.
    let ok = raw_exchange(
        &sim.host,
        &format!(
            "GET /crm/v8/settings/data_sharing HTTP/1.1\r\nHost: {}\r\nAuthorization: Zoho-oauthtoken {}\r\nConnection: close\r\n\r\n",
            sim.host, sim.token
        ),
        b"",
    )
    .await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    let (baseline, _) = memory_kib(sim.pid);
    let _ = std::fs::write(format!("/proc/{}/clear_refs", sim.pid), "5");

    static CHUNK: [u8; 64 * 1024] = [b' '; 64 * 1024];
    let mut tasks = Vec::new();
    for _ in 0..UPLOADS {
        let host = sim.host.clone();
        tasks.push(tokio::spawn(async move {
            let stream = TcpStream::connect(&host).await.unwrap();
            let (mut rd, mut wr) = stream.into_split();
            let writer = tokio::spawn(async move {
                let head = format!(
                    "PUT /crm/v8/settings/data_sharing HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {SIZE}\r\n\r\n"
                );
                if wr.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let mut left = SIZE;
                while left > 0 {
                    let k = left.min(CHUNK.len());
                    if wr.write_all(&CHUNK[..k]).await.is_err() {
                        return;
                    }
                    left -= k;
                }
                std::future::pending::<()>().await;
            });
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            // Until the answer's head is in, or the connection closes.
            let outcome = tokio::time::timeout(Duration::from_secs(60), async {
                loop {
                    match rd.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                    if got.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            })
            .await;
            writer.abort();
            assert!(outcome.is_ok(), "no answer and no close within 60 s");
            String::from_utf8_lossy(&got).into_owned()
        }));
    }
    for t in tasks {
        let answer = t.await.unwrap();
        // Either the 401 arrived, or the connection was reset while the client was still
        // sending (the server closes instead of reading the body): never anything else.
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 401"),
            "an unauthenticated upload got: {answer:.200}"
        );
    }
    let (_, peak) = memory_kib(sim.pid);
    let growth = peak.saturating_sub(baseline);
    assert!(
        growth <= BOUND_KIB,
        "peak RSS grew {growth} KiB over a baseline of {baseline} KiB (bound {BOUND_KIB} KiB) for {UPLOADS} refused uploads"
    );
    drop(sim.child);
}

/// `Expect: 100-continue` (curl sends it for large bodies): the 401 comes at once, without a
/// `100 Continue` inviting the body, and the connection closes.
#[tokio::test]
async fn unauthenticated_upload_is_refused_before_the_body_is_invited() {
    let sim = Simulator::start().await.unwrap();
    let host = sim.local_addr().to_string();
    let answer = raw_exchange(
        &host,
        &format!(
            "PUT /crm/v8/settings/data_sharing HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 8000000\r\nExpect: 100-continue\r\n\r\n"
        ),
        b"",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer:.300}");
    assert!(!answer.contains("100 Continue"), "{answer:.300}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer:.300}"
    );
    assert_eq!(json_body(&answer)["code"], "AUTHENTICATION_FAILURE");
}

/// A declared body over 8 MiB is answered 413 with a flat Zoho error before any of it is sent.
#[tokio::test]
async fn oversize_declared_body_gets_413_before_it_is_sent() {
    let sim = Simulator::start().await.unwrap();
    let host = sim.local_addr().to_string();
    let answer = raw_exchange(
        &host,
        &format!(
            "PUT /crm/v8/settings/data_sharing HTTP/1.1\r\nHost: {host}\r\nAuthorization: Zoho-oauthtoken {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            sim.access_token(),
            9 << 20
        ),
        b"",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:.300}");
    let body = json_body(&answer);
    assert_eq!(body["status"], "error");
    assert_eq!(body["code"], "REQUEST_ENTITY_TOO_LARGE");
    assert_eq!(body["details"]["limit_bytes"], 8 << 20);
    assert!(body["message"].as_str().unwrap().contains("8388608"));
    assert_eq!(sim.stats().bodies_too_large, 1);
}

/// A chunked body is counted as it arrives: one byte past 8 MiB is answered 413 (it used to
/// be `400 ... could not be read`).
#[tokio::test]
async fn oversize_chunked_body_gets_413() {
    let sim = Simulator::start().await.unwrap();
    let host = sim.local_addr().to_string();
    let mut stream = TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "PUT /crm/v8/settings/data_sharing HTTP/1.1\r\nHost: {host}\r\nAuthorization: Zoho-oauthtoken {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        sim.access_token()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0;
    while sent <= 8 << 20 {
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(&chunk);
        framed.extend_from_slice(b"\r\n");
        if stream.write_all(&framed).await.is_err() {
            break;
        }
        sent += chunk.len();
    }
    // No terminating chunk: everything sent has been read when the server answers.
    let mut got = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut got)).await;
    let answer = String::from_utf8_lossy(&got);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:.300}");
    assert_eq!(json_body(&answer)["code"], "REQUEST_ENTITY_TOO_LARGE");
}

// ---------------------------------------------------------------------------------------------
// Failure 7: connection cap, header-read and idle timeouts.
// ---------------------------------------------------------------------------------------------

/// 20 silent and 20 trickling connections (one header byte a second) plus one keep-alive
/// connection left idle after a request: with `--header-read-timeout 2` the server closes
/// every one of them, and answers a normal request meanwhile. Before the fix all stayed open.
#[tokio::test]
async fn slow_silent_and_idle_connections_are_closed() {
    let sim = spawn_simulator(&["--header-read-timeout", "2"]).await;
    let mut held = Vec::new();
    for i in 0..40 {
        let host = sim.host.clone();
        held.push(tokio::spawn(async move {
            let stream = TcpStream::connect(&host).await.unwrap();
            let (mut rd, mut wr) = stream.into_split();
            let trickle = async move {
                if i % 2 == 1 {
                    let _ = wr
                        .write_all(format!("GET /crm/v8/settings/data_sharing HTTP/1.1\r\nHost: {host}\r\nX-Slow: ").as_bytes())
                        .await;
                    loop {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        if wr.write_all(b"a").await.is_err() {
                            break;
                        }
                    }
                }
                std::future::pending::<()>().await
            };
            let closed = async {
                let mut buf = [0u8; 1024];
                while let Ok(n) = rd.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                }
            };
            tokio::time::timeout(Duration::from_secs(60), async {
                tokio::select! { _ = closed => {}, _ = trickle => {} }
            })
            .await
            .is_ok()
        }));
    }
    // A keep-alive connection: one complete request, then silence.
    let mut idle = TcpStream::connect(&sim.host).await.unwrap();
    idle.write_all(
        format!(
            "GET /crm/v8/settings/data_sharing HTTP/1.1\r\nHost: {}\r\nAuthorization: Zoho-oauthtoken {}\r\n\r\n",
            sim.host, sim.token
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let idle_closed = tokio::spawn(async move {
        let mut got = Vec::new();
        let r = tokio::time::timeout(Duration::from_secs(60), idle.read_to_end(&mut got)).await;
        (r.is_ok(), String::from_utf8_lossy(&got).into_owned())
    });
    // Meanwhile a normal client is served.
    let answer = reqwest::Client::new()
        .get(format!("http://{}/crm/v8/settings/data_sharing", sim.host))
        .header("Authorization", format!("Zoho-oauthtoken {}", sim.token))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    for (i, h) in held.into_iter().enumerate() {
        assert!(
            h.await.unwrap(),
            "connection {i} ({}) was still open after 60 s",
            if i % 2 == 1 { "trickling" } else { "silent" }
        );
    }
    let (closed, got) = idle_closed.await.unwrap();
    assert!(
        closed,
        "the idle keep-alive connection was still open after 60 s"
    );
    assert!(got.starts_with("HTTP/1.1 200"), "{got:.200}");
    drop(sim.child);
}

/// With `max_connections(4)`, 12 silent clients: never more than 4 are served at once, the
/// rest wait in the backlog, and once the silent ones go a normal request is answered.
#[tokio::test]
async fn connections_past_the_cap_wait_for_a_slot() {
    let sim = Simulator::builder()
        .max_connections(4)
        .start()
        .await
        .unwrap();
    let addr = sim.local_addr();
    let mut silent = Vec::new();
    for _ in 0..12 {
        silent.push(TcpStream::connect(addr).await.unwrap());
    }
    tokio::time::timeout(Duration::from_secs(30), async {
        while sim.stats().open_connections < 4 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("4 connections served within 30 s");
    let stats = sim.stats();
    assert_eq!(stats.max_connections, 4);
    assert_eq!(stats.open_connections, 4, "{stats:?}");
    drop(silent);
    let answer = reqwest::Client::new()
        .get(format!("{}/crm/v8/settings/data_sharing", sim.api_domain()))
        .header(
            "Authorization",
            format!("Zoho-oauthtoken {}", sim.access_token()),
        )
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let stats = sim.stats();
    assert_eq!(stats.peak_connections, 4, "{stats:?}");
    assert!(stats.connections_accepted >= 5, "{stats:?}");
}

/// A client that asks for a large answer and never reads it: the server's writes stall, and
/// the idle timeout closes the connection (hyper's own timeouts do not cover writes).
#[tokio::test]
async fn a_client_that_stops_reading_is_closed_after_the_idle_timeout() {
    let sim = Simulator::builder()
        .header_read_timeout(Duration::from_secs(1))
        .idle_timeout(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    // Fill the request log with 16 KiB bodies so that it is an answer of several MiB.
    let http = reqwest::Client::new();
    let big = format!("[\"{}\"]", "x".repeat(16 * 1024));
    for _ in 0..400 {
        let r = http
            .put(format!("{}/crm/v8/settings/data_sharing", sim.api_domain()))
            .header(
                "Authorization",
                format!("Zoho-oauthtoken {}", sim.access_token()),
            )
            .header("Content-Type", "application/json")
            .body(big.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
    }
    drop(http);
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(sim.local_addr()).await.unwrap();
    stream
        .write_all(
            format!(
                "GET /__simulator/requests HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\r\n",
                sim.local_addr(),
                sim.control_token()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let before = sim.stats().connections_timed_out;
    tokio::time::timeout(Duration::from_secs(60), async {
        while sim.stats().connections_timed_out == before {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the stalled connection is closed by the idle timeout");
    drop(stream);
}

// ---------------------------------------------------------------------------------------------
// Failure 8: tokens expire, are pruned, and at most 30 from the refresh grant live at once.
// ---------------------------------------------------------------------------------------------

async fn refresh(http: &reqwest::Client, sim: &Simulator) -> String {
    let c = sim.credentials();
    use secrecy::ExposeSecret;
    let form = format!(
        "grant_type=refresh_token&client_id={}&client_secret={}&refresh_token={}",
        c.client_id,
        c.client_secret.expose_secret(),
        c.refresh_token.expose_secret()
    );
    let v: Value = http
        .post(sim.token_url())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["access_token"].as_str().expect("a token").to_owned()
}

async fn status_with(http: &reqwest::Client, sim: &Simulator, token: &str) -> (u16, Value) {
    let r = http
        .get(format!("{}/crm/v8/settings/data_sharing", sim.api_domain()))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// 500 refresh grants: the token table holds at most 31 (30 live from the grant, as Zoho
/// Accounts documents, plus the initial token); the oldest granted token is gone
/// (`INVALID_TOKEN`), the newest and the initial one work. Before the fix the table grew by
/// one entry per grant, forever.
#[tokio::test]
async fn granted_tokens_are_capped_at_thirty() {
    let sim = Simulator::start().await.unwrap();
    let http = reqwest::Client::new();
    let first = refresh(&http, &sim).await;
    let mut last = String::new();
    for _ in 0..499 {
        last = refresh(&http, &sim).await;
    }
    let stats = sim.stats();
    assert_eq!(stats.token_requests, 500);
    assert_eq!(stats.access_tokens_held, 31, "{stats:?}");
    assert_eq!(stats.live_access_tokens, 31, "{stats:?}");
    let (status, body) = status_with(&http, &sim, &first).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("INVALID_TOKEN"))
    );
    assert_eq!(status_with(&http, &sim, &last).await.0, 200);
    assert_eq!(status_with(&http, &sim, &sim.access_token()).await.0, 200);
}

/// Expired tokens are refused and pruned: with a zero lifetime every token is expired when
/// made, so the table never holds more than the initial token and the newest one.
#[tokio::test]
async fn expired_tokens_are_pruned() {
    let sim = Simulator::builder()
        .token_lifetime(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let mut last = String::new();
    for _ in 0..50 {
        last = refresh(&http, &sim).await;
        assert!(sim.stats().access_tokens_held <= 2, "{:?}", sim.stats());
    }
    assert_eq!(sim.stats().live_access_tokens, 0);
    let (status, body) = status_with(&http, &sim, &last).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("INVALID_TOKEN"))
    );

    // With the usual lifetime, expiring every token empties the table but for the initial one.
    let sim = Simulator::start().await.unwrap();
    for _ in 0..10 {
        refresh(&http, &sim).await;
    }
    assert_eq!(sim.stats().access_tokens_held, 11);
    sim.expire_access_tokens();
    let stats = sim.stats();
    assert_eq!((stats.access_tokens_held, stats.live_access_tokens), (1, 0));
    let fresh = refresh(&http, &sim).await;
    assert_eq!(status_with(&http, &sim, &fresh).await.0, 200);
}
