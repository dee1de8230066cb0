//! A scripted HTTP server on loopback for the client tests: every request is recorded, and
//! a closure decides each answer. It also tracks how many requests are being handled at once.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// How many earlier requests had the same method and path (0 for the first).
    pub nth: usize,
    /// When the server received it.
    pub at: std::time::Instant,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn query_param(&self, key: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    }

    pub fn form_param(&self, key: &str) -> Option<String> {
        url::form_urlencoded::parse(&self.body)
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }

    /// Everything the request carried, as text, for "secret never sent here" checks.
    pub fn everything(&self) -> String {
        let mut s = format!("{} {}?{}\n", self.method, self.path, self.query);
        for (k, v) in &self.headers {
            s.push_str(&format!("{k}: {}\n", String::from_utf8_lossy(v.as_bytes())));
        }
        s.push_str(&String::from_utf8_lossy(&self.body));
        s
    }
}

/// The answer to one request.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Option<Duration>,
    /// Hold the answer until this is notified.
    pub hold: Option<Arc<tokio::sync::Notify>>,
}

impl Reply {
    fn with_body(status: u16, content_type: Option<&str>, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: content_type
                .map(|t| ("content-type".into(), t.into()))
                .into_iter()
                .collect(),
            body,
            delay: None,
            hold: None,
        }
    }

    pub fn json(status: u16, value: serde_json::Value) -> Reply {
        Reply::with_body(
            status,
            Some("application/json"),
            serde_json::to_vec(&value).unwrap(),
        )
    }

    /// A JSON body sent exactly as written (keys in the order given).
    pub fn json_text(status: u16, text: &str) -> Reply {
        Reply::with_body(status, Some("application/json"), text.as_bytes().to_vec())
    }

    pub fn empty(status: u16) -> Reply {
        Reply::with_body(status, None, vec![])
    }

    pub fn text(status: u16, text: &str) -> Reply {
        Reply::with_body(status, Some("text/html"), text.as_bytes().to_vec())
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Hold the answer until `gate` is notified (`notify_one`), so the request stays in
    /// flight for as long as the test needs.
    pub fn hold(mut self, gate: Arc<tokio::sync::Notify>) -> Reply {
        self.hold = Some(gate);
        self
    }

    /// Hold the request this long before answering (to make requests overlap).
    pub fn delay(mut self, d: Duration) -> Reply {
        self.delay = Some(d);
        self
    }
}

type Responder = dyn Fn(&Recorded) -> Reply + Send + Sync;

struct Inner {
    responder: Box<Responder>,
    log: Mutex<Vec<Recorded>>,
    counts: Mutex<HashMap<(String, String), usize>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// A running test server; stops when the test's runtime ends.
#[derive(Clone)]
pub struct TestServer {
    /// `http://127.0.0.1:<port>`
    pub url: String,
    inner: Arc<Inner>,
}

impl TestServer {
    pub async fn start(
        responder: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        let inner = Arc::new(Inner {
            responder: Box::new(responder),
            log: Mutex::new(Vec::new()),
            counts: Mutex::new(HashMap::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestServer {
            url: format!("http://{addr}"),
            inner,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.log.lock().unwrap().clone()
    }

    /// Requests whose path ends with `path_suffix` (any method when `method` is empty).
    pub fn count(&self, method: &str, path_suffix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| (method.is_empty() || r.method == method) && r.path.ends_with(path_suffix))
            .count()
    }

    pub fn total(&self) -> usize {
        self.inner.log.lock().unwrap().len()
    }

    pub fn max_in_flight(&self) -> usize {
        self.inner.max_in_flight.load(Ordering::SeqCst)
    }
}

struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = inner.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    inner.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let _guard = InFlight(&inner.in_flight);
    let key = (method.to_string(), uri.path().to_owned());
    let nth = {
        let mut counts = inner.counts.lock().unwrap();
        let c = counts.entry(key).or_insert(0);
        *c += 1;
        *c - 1
    };
    let rec = Recorded {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or("").to_owned(),
        headers,
        body,
        nth,
        at: std::time::Instant::now(),
    };
    inner.log.lock().unwrap().push(rec.clone());
    let reply = (inner.responder)(&rec);
    if let Some(gate) = &reply.hold {
        gate.notified().await;
    }
    if let Some(d) = reply.delay {
        tokio::time::sleep(d).await;
    }
    let mut resp = (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
    for (k, v) in reply.headers {
        resp.headers_mut().insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(&v).unwrap(),
        );
    }
    resp
}

/// A client of `server` with a static access token.
pub fn client(server: &TestServer) -> zoho_crm_access::Client {
    zoho_crm_access::Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .build()
        .unwrap()
}

/// A token endpoint answer.
pub fn token_reply(access_token: &str, api_domain: &str, expires_in: u64) -> Reply {
    Reply::json(
        200,
        serde_json::json!({
            "access_token": access_token,
            "api_domain": api_domain,
            "token_type": "Bearer",
            "expires_in": expires_in
        }),
    )
}

/// A flat Zoho error body.
pub fn zoho_error(code: &str, message: &str, details: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"code": code, "details": details, "message": message, "status": "error"})
}

/// A record locking configuration as Zoho returns it.
pub fn rlc_body(id: &str) -> serde_json::Value {
    serde_json::json!({"record_locking_configurations": [{
        "id": id,
        "lock_type": "manual",
        "locked_for": "all_profiles",
        "lock_excluded_profiles": null,
        "excluded_fields": [],
        "locking_rules": [],
        "restricted_actions": ["update"],
        "restricted_communications": null,
        "restricted_custom_buttons": null,
        "lock_for_portal_users": true,
        "feature_type": "record_locking",
        "system_defined": false,
        "created_time": "2025-11-24T10:43:45+05:30",
        "modified_time": "2025-11-24T10:43:45+05:30",
        "created_by": {"name": "Admin", "id": "5843104000000424372"},
        "modified_by": {"name": "Admin", "id": "5843104000000424372"}
    }]})
}

/// A sharing rule as the list returns it.
pub fn rule_json(id: &str, name: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "name": name,
        "type": "Record_Owner_Based",
        "permission_type": "read_write",
        "superiors_allowed": false,
        "shared_to": {"resource": {"id": "5843104000000431001", "name": "Sales"}, "type": "roles", "subordinates": false},
        "shared_from": {"resource": {"id": "5843104000000431002", "name": "Support"}, "type": "groups", "subordinates": false},
        "module": {"api_name": "Leads", "name": "Leads", "id": "5843104000000002175"},
        "status": "active",
        "match_limit_exceeded": false
    })
}

pub fn success(collection: &str, id: &str) -> serde_json::Value {
    serde_json::json!({collection: [{"code": "SUCCESS", "details": {"id": id}, "message": "done", "status": "success"}]})
}

/// The OAuth client id of [`refresh_client`].
pub const CLIENT_ID: &str = "1000.TESTCLIENTID";
/// The client secret of [`refresh_client`]; must reach the accounts server only.
pub const CLIENT_SECRET: &str = "client-secret-7f3a9c";
/// The refresh token of [`refresh_client`]; must reach the accounts server only.
pub const REFRESH_TOKEN: &str = "1000.refresh-token-b41d";

/// An API server that answers the record locking GET when the token is `good`, and
/// 401 INVALID_TOKEN otherwise.
pub async fn api_accepting(good: &str) -> TestServer {
    api_accepting_any(&[good]).await
}

/// An API server that answers the record locking GET when the token is one of `good`, and
/// 401 INVALID_TOKEN otherwise.
pub async fn api_accepting_any(good: &[&str]) -> TestServer {
    let accepted: Vec<String> = good
        .iter()
        .map(|t| format!("Zoho-oauthtoken {t}"))
        .collect();
    TestServer::start(move |r| {
        if r.header("authorization")
            .is_some_and(|a| accepted.contains(&a))
        {
            Reply::json(200, rlc_body("111"))
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
    .await
}

/// An accounts server that mints `tok-1`, `tok-2`, ... pointing at `api`.
pub async fn accounts_for(api: &TestServer, expires_in: u64) -> TestServer {
    let api_url = api.url.clone();
    TestServer::start(move |r| {
        assert_eq!(r.path, "/oauth/v2/token");
        token_reply(&format!("tok-{}", r.nth + 1), &api_url, expires_in)
    })
    .await
}

/// A client refreshing tokens for `api` at the `accounts` server with the test credentials.
pub fn refresh_client(api: &TestServer, accounts: &TestServer) -> zoho_crm_access::ClientBuilder {
    zoho_crm_access::Client::builder()
        .base_url(&api.url)
        .accounts_url(&accounts.url)
        .refresh_token(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
}

/// The store key of [`refresh_client`]'s tokens.
pub fn key_of(accounts: &TestServer) -> String {
    zoho_crm_access::auth::store_key(CLIENT_ID, &accounts.url, REFRESH_TOKEN)
}

/// A bare HTTP/1.1 server on loopback for answers axum cannot send, such as a body shorter
/// than its `Content-Length`. Each connection carries one request; `answer(n)` gives the
/// raw bytes for the `n`th request (0-based), after which the connection is closed.
pub struct RawServer {
    pub url: String,
    requests: Arc<AtomicUsize>,
}

impl RawServer {
    pub async fn start(answer: impl Fn(usize) -> Vec<u8> + Send + Sync + 'static) -> RawServer {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let count = requests.clone();
        let answer = Arc::new(answer);
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let count = count.clone();
                let answer = answer.clone();
                tokio::spawn(async move {
                    // Read the head and the body it announces, then answer and close.
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let head_end = loop {
                        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break p + 4;
                        }
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buf.len() < head_end + length {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let n = count.fetch_add(1, Ordering::SeqCst);
                    let _ = sock.write_all(&answer(n)).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        RawServer { url, requests }
    }

    pub fn total(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// A raw 200 response carrying `body`, announcing `announced` bytes (more than `body` has
/// makes a truncated response).
pub fn raw_json(status: u16, body: &[u8], announced: usize) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} OK\r\ncontent-type: application/json\r\ncontent-length: {announced}\r\nconnection: close\r\n\r\n"
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}
