//! Benchmark 7 (BENCHMARKS.md): the Rust half of the side-by-side comparison with what users
//! would pick instead (Zoho's official Python SDK, raw Python `requests`).
//!
//! Not run on its own: `cargo xtask bench compare` builds this binary in the `bench` profile and
//! starts it several times, in separate processes, by role (`BENCH_COMPARE_ROLE`):
//!
//! * `server`: the project's simulator (the same code as `zoho-access simulator`, exchange log
//!   off), seeded through its Rust API: 200 owner-based sharing rules in `Leads` and, through
//!   its HTTP API, a record locking configuration with two locking rules in `Deals`. Prints one
//!   JSON line (URLs, throwaway credentials, what each call must read), then answers `stats`
//!   on stdin with its request counters and its own CPU time, until stdin closes.
//! * `raw_reqwest`: raw `reqwest` decoding into `serde_json::Value`, one shared
//!   `reqwest::Client`, the access token in a prepared header.
//! * `client`: `zoho_crm_access::Client` with the refresh-token flow against the simulator's
//!   accounts endpoint (one token request on the first call).
//!
//! A worker speaks the protocol of `bench/python/compare_worker.py` (the Python sides) on
//! stdin/stdout: `prepare` starts `C` tasks on a multi-threaded Tokio runtime, each makes one
//! checked warm-up call and waits; `go` starts the clock and every task calls in a loop until
//! the time is up; the answer carries the count, wall time and this process's CPU time
//! (`getrusage(RUSAGE_SELF)`, all threads) over exactly that interval.
//!
//! Without `BENCH_COMPARE_ROLE` (as under a plain `cargo bench`) it prints how to run it.

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderValue, AUTHORIZATION};
use serde_json::{json, Value};
use tokio::sync::{mpsc, watch};
use zoho_crm_access::Client;
use zoho_crm_access_simulator::Simulator;

const LOCKING_MODULE: &str = "Deals";
const RULES_MODULE: &str = "Leads";
const SEEDED_RULES: usize = 200;
const OPS: &[&str] = &["org_permissions", "record_locking", "sharing_rules_200"];

fn main() {
    match std::env::var("BENCH_COMPARE_ROLE").as_deref() {
        Ok("server") => server(),
        Ok("raw_reqwest") => worker("raw_reqwest"),
        Ok("client") => worker("client"),
        Ok(other) => {
            eprintln!("sdk_compare: unknown BENCH_COMPARE_ROLE {other:?}");
            std::process::exit(2);
        }
        Err(_) => eprintln!(
            "sdk_compare: driven by `cargo xtask bench compare` (see BENCHMARKS.md, section 8); \
             nothing to do on its own"
        ),
    }
}

/// This process's CPU time (user, system) in seconds, all threads.
fn rusage() -> (f64, f64) {
    // SAFETY: `getrusage` fills the zero-initialized struct it is given and reads nothing else.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(ru.ru_utime), secs(ru.ru_stime))
}

fn reply(v: &Value) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{v}").expect("stdout");
    out.flush().expect("stdout");
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("Tokio runtime")
}

// ---------------------------------------------------------------------------------------------
// The checks: the same summary strings as bench/python/compare_worker.py.

fn check(op: &str, body: &Value) -> Result<String, String> {
    let missing = || format!("{op}: unexpected body {:.200}", body.to_string());
    match op {
        "org_permissions" => {
            let n = body["data_sharing"].as_array().ok_or_else(missing)?.len();
            Ok(format!("{n} modules"))
        }
        "record_locking" => {
            let cfg = &body["record_locking_configurations"][0];
            let id = cfg["id"].as_str().ok_or_else(missing)?;
            let n = cfg["locking_rules"].as_array().ok_or_else(missing)?.len();
            Ok(format!("configuration {id} with {n} locking rules"))
        }
        "sharing_rules_200" => {
            let rules = body["sharing_rules"].as_array().ok_or_else(missing)?;
            let id = |r: Option<&Value>| r.and_then(|r| r["id"].as_str()).unwrap_or("?").to_owned();
            Ok(format!(
                "{} rules, {} .. {}",
                rules.len(),
                id(rules.first()),
                id(rules.last())
            ))
        }
        other => Err(format!("unknown op {other}")),
    }
}

// ---------------------------------------------------------------------------------------------
// server

fn server() {
    let rt = runtime();
    let (sim, info) = rt.block_on(async {
        let sim = Simulator::builder()
            .record_exchanges(false)
            .start()
            .await
            .expect("start the simulator");
        let seeded = sim
            .seed_sharing_rules(RULES_MODULE, SEEDED_RULES)
            .expect("seed sharing rules");
        let http = reqwest::Client::new();
        let api = sim.base_url();
        let auth = format!("Zoho-oauthtoken {}", sim.access_token());
        // A record locking configuration with two rules (one condition; an OR group), created
        // through the API as a user would.
        let config = json!({ "record_locking_configurations": [{
            "feature_type": "record_locking",
            "locked_for": "all_profiles",
            "lock_type": "automatic",
            "lock_for_portal_users": true,
            "restricted_actions": ["update", "delete"],
            "excluded_fields": [{ "api_name": "Description" }],
            "lock_excluded_profiles": null,
            "restricted_communications": null,
            "restricted_custom_buttons": null,
            "system_defined": false,
            "locking_rules": [
                {
                    "name": "Won deals",
                    "lock_existing_records": true,
                    "criteria": { "comparator": "equal", "field": { "api_name": "Stage" }, "value": "Closed Won" }
                },
                {
                    "name": "Lost deals",
                    "lock_existing_records": false,
                    "criteria": { "group_operator": "OR", "group": [
                        { "comparator": "equal", "field": { "api_name": "Stage" }, "value": "Closed Lost" },
                        { "comparator": "equal", "field": { "api_name": "Stage" }, "value": "Closed-Lost to Competition" }
                    ]}
                }
            ]
        }]});
        let created = http
            .post(format!(
                "{api}/settings/record_locking_configurations?module={LOCKING_MODULE}"
            ))
            .header(AUTHORIZATION, &auth)
            .json(&config)
            .send()
            .await
            .expect("create the record locking configuration");
        let status = created.status();
        assert!(
            status.is_success(),
            "creating the record locking configuration: {status} {}",
            created.text().await.unwrap_or_default()
        );
        // What each call must read, and how many bytes it answers.
        let mut expect = serde_json::Map::new();
        let mut bytes = serde_json::Map::new();
        for op in OPS {
            let body = http
                .get(format!("{api}{}", path_and_query(op)))
                .header(AUTHORIZATION, &auth)
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .expect("read back")
                .bytes()
                .await
                .expect("body");
            let v: Value = serde_json::from_slice(&body).expect("JSON body");
            expect.insert((*op).into(), check(op, &v).expect("check").into());
            bytes.insert((*op).into(), body.len().into());
        }
        let creds = sim.credentials();
        use secrecy::ExposeSecret;
        // The simulator's own throwaway credentials: they open nothing but this local process.
        let info = json!({
            "api_domain": sim.api_domain(),
            "token_url": sim.token_url(),
            "access_token": sim.access_token(),
            "client_id": creds.client_id,
            "client_secret": creds.client_secret.expose_secret(),
            "refresh_token": creds.refresh_token.expose_secret(),
            "seeded_rules": seeded.len(),
            "expect": expect,
            "body_bytes": bytes,
            "server_threads": tokio::runtime::Handle::current().metrics().num_workers(),
        });
        (sim, info)
    });
    reply(&info);
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        match line.trim() {
            "stats" => {
                let (user, sys) = rusage();
                reply(&json!({
                    "api_requests": sim.api_requests(),
                    "token_requests": sim.token_requests(),
                    "cpu_s": user + sys,
                }));
            }
            "" => {}
            _ => break,
        }
    }
    sim.shutdown();
    drop(rt);
}

fn path_and_query(op: &str) -> String {
    match op {
        "org_permissions" => "/settings/data_sharing".into(),
        "record_locking" => {
            format!("/settings/record_locking_configurations?module={LOCKING_MODULE}")
        }
        _ => format!("/settings/data_sharing/rules?module={RULES_MODULE}&per_page=200"),
    }
}

// ---------------------------------------------------------------------------------------------
// workers

enum Caller {
    Raw {
        http: reqwest::Client,
        api: String,
        auth: HeaderValue,
    },
    Client(Client),
}

#[derive(Clone, Copy)]
enum Op {
    OrgPermissions,
    RecordLocking,
    SharingRules200,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        match s {
            "org_permissions" => Some(Op::OrgPermissions),
            "record_locking" => Some(Op::RecordLocking),
            "sharing_rules_200" => Some(Op::SharingRules200),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Op::OrgPermissions => "org_permissions",
            Op::RecordLocking => "record_locking",
            Op::SharingRules200 => "sharing_rules_200",
        }
    }
}

impl Caller {
    fn new(side: &str, sim: &Value) -> Caller {
        let s = |k: &str| sim[k].as_str().unwrap_or_default().to_owned();
        match side {
            "raw_reqwest" => Caller::Raw {
                http: reqwest::Client::new(),
                api: format!("{}/crm/v8", s("api_domain")),
                auth: HeaderValue::from_str(&format!("Zoho-oauthtoken {}", s("access_token")))
                    .expect("token header"),
            },
            _ => Caller::Client(
                Client::builder()
                    .base_url(s("api_domain"))
                    .accounts_url(s("api_domain"))
                    .refresh_token(s("client_id"), s("client_secret"), s("refresh_token"))
                    .build()
                    .expect("client"),
            ),
        }
    }

    /// One call; the decoded answer is dropped unless `keep` (then returned as JSON).
    async fn call(&self, op: Op, keep: bool) -> Result<Option<Value>, String> {
        match self {
            Caller::Raw { http, api, auth } => {
                let req = match op {
                    Op::OrgPermissions => http.get(format!("{api}/settings/data_sharing")),
                    Op::RecordLocking => http
                        .get(format!("{api}/settings/record_locking_configurations"))
                        .query(&[("module", LOCKING_MODULE)]),
                    Op::SharingRules200 => http
                        .get(format!("{api}/settings/data_sharing/rules"))
                        .query(&[("module", RULES_MODULE), ("per_page", "200")]),
                };
                let resp = req
                    .header(AUTHORIZATION, auth.clone())
                    .send()
                    .await
                    .map_err(|e| format!("{}: {e}", op.name()))?;
                let status = resp.status();
                if status != 200 {
                    return Err(format!("{}: HTTP {status}", op.name()));
                }
                let body: Value = resp
                    .json()
                    .await
                    .map_err(|e| format!("{}: {e}", op.name()))?;
                Ok(keep.then_some(body))
            }
            Caller::Client(client) => {
                let err = |e: zoho_crm_access::Error| format!("{}: {e}", op.name());
                let to_json = |v: Result<Value, serde_json::Error>| v.map_err(|e| e.to_string());
                // The typed results are re-encoded only for the warm-up check, outside the clock.
                Ok(match op {
                    Op::OrgPermissions => {
                        let modules = client.org_permissions().get().await.map_err(err)?;
                        match keep {
                            true => Some(
                                json!({ "data_sharing": to_json(serde_json::to_value(&modules))? }),
                            ),
                            false => None,
                        }
                    }
                    Op::RecordLocking => {
                        let config = client
                            .record_locking(LOCKING_MODULE)
                            .get()
                            .await
                            .map_err(err)?
                            .ok_or_else(|| format!("{}: no configuration", op.name()))?;
                        match keep {
                            true => Some(
                                json!({ "record_locking_configurations": [to_json(serde_json::to_value(&config))?] }),
                            ),
                            false => None,
                        }
                    }
                    Op::SharingRules200 => {
                        let page = client
                            .sharing_rules(RULES_MODULE)
                            .list()
                            .per_page(200)
                            .send()
                            .await
                            .map_err(err)?;
                        match keep {
                            true => Some(to_json(serde_json::to_value(&page))?),
                            false => None,
                        }
                    }
                })
            }
        }
    }
}

fn worker(side: &'static str) {
    let sim: Value = serde_json::from_str(&std::env::var("BENCH_SIM").expect("BENCH_SIM"))
        .expect("BENCH_SIM is JSON");
    let rt = runtime();
    let caller = Arc::new(Caller::new(side, &sim));
    reply(&json!({
        "ready": side,
        "versions": {
            "zoho-crm-access": env!("CARGO_PKG_VERSION"),
            "tokio_workers": rt.metrics().num_workers(),
        },
    }));
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    while let Some(Ok(line)) = lines.next() {
        if line.trim().is_empty() {
            continue;
        }
        let cmd: Value = serde_json::from_str(&line).expect("command is JSON");
        match cmd["cmd"].as_str() {
            Some("prepare") => {}
            Some("quit") => break,
            _ => {
                reply(&json!({ "error": format!("unexpected command {line}") }));
                std::process::exit(2);
            }
        }
        let Some(op) = cmd["op"].as_str().and_then(Op::parse) else {
            reply(&json!({ "error": format!("unknown op in {line}") }));
            std::process::exit(2);
        };
        let concurrency = cmd["concurrency"].as_u64().unwrap_or(1).max(1) as usize;

        // Prepare: C tasks, one checked warm-up call each, then they wait for the deadline.
        let (ready_tx, mut ready_rx) = mpsc::channel::<Result<String, String>>(concurrency);
        let (go_tx, go_rx) = watch::channel::<Option<Instant>>(None);
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| {
                let caller = caller.clone();
                let ready_tx = ready_tx.clone();
                let mut go_rx = go_rx.clone();
                rt.spawn(async move {
                    let warm = match caller.call(op, true).await {
                        Ok(body) => check(op.name(), &body.unwrap_or_default()),
                        Err(e) => Err(e),
                    };
                    let failed = warm.is_err();
                    let _ = ready_tx.send(warm).await;
                    drop(ready_tx);
                    let deadline = match go_rx.wait_for(Option::is_some).await {
                        Ok(d) => d.expect("set"),
                        Err(_) => return (0u64, None),
                    };
                    if failed {
                        return (0, None);
                    }
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        if let Err(e) = caller.call(op, false).await {
                            return (n, Some(e));
                        }
                        n += 1;
                    }
                    (n, None)
                })
            })
            .collect();
        drop(ready_tx);
        let warm: Vec<Result<String, String>> = rt.block_on(async {
            let mut all = Vec::with_capacity(concurrency);
            while all.len() < concurrency {
                match ready_rx.recv().await {
                    Some(r) => all.push(r),
                    None => break,
                }
            }
            all
        });
        let mut checks: Vec<&String> = warm.iter().filter_map(|r| r.as_ref().ok()).collect();
        checks.sort();
        checks.dedup();
        let error = warm.iter().find_map(|r| r.as_ref().err());
        reply(&json!({
            "prepared": true,
            "check": checks.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" | "),
            "error": error,
        }));

        // Go: the clock runs from the release of the tasks until the last one has finished.
        let go: Value = lines
            .next()
            .and_then(Result::ok)
            .and_then(|l| serde_json::from_str(&l).ok())
            .unwrap_or_default();
        let seconds = match go["cmd"].as_str() {
            Some("go") => go["seconds"].as_f64().unwrap_or(1.0),
            _ => 0.0,
        };
        let (u0, s0) = rusage();
        let t0 = Instant::now();
        let _ = go_tx.send(Some(t0 + Duration::from_secs_f64(seconds)));
        let results = rt.block_on(futures::future::join_all(tasks));
        let wall = t0.elapsed().as_secs_f64();
        let (u1, s1) = rusage();
        if go["cmd"].as_str() != Some("go") {
            break;
        }
        let mut requests = 0u64;
        let mut error = None;
        for r in results {
            match r {
                Ok((n, e)) => {
                    requests += n;
                    error = error.or(e);
                }
                Err(e) => error = error.or(Some(format!("task failed: {e}"))),
            }
        }
        reply(&json!({
            "requests": requests,
            "wall_s": wall,
            "cpu_s": (u1 - u0) + (s1 - s0),
            "user_s": u1 - u0,
            "sys_s": s1 - s0,
            "error": error,
        }));
    }
    drop(rt);
}
