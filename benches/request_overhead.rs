//! Benchmark 1 (BENCHMARKS.md): per-request overhead of the typed client against a raw
//! `reqwest` + `serde_json::Value` call, both sending the same request to the same minimal
//! loopback server (fixed realistic bodies, no simulator logic), measured in the same run.
//!
//! Groups:
//! * `overhead/record_locking_get`: `GET /crm/v8/settings/record_locking_configurations?module=Deals`
//!   (one configuration, 1.5 KB).
//! * `overhead/sharing_rules_list_200`: `GET /crm/v8/settings/data_sharing/rules?module=Leads&per_page=200`
//!   (one page of 200 rules, 96 KB).
//!
//! Members: `raw_reqwest` (the baseline), `generated` (progenitor's client with default hooks:
//! typed decoding without the hand-written layer) and `client` (`zoho_crm_access::Client`, what
//! users call). `cargo xtask bench report` prints median / baseline. `diag_*` members explain
//! the difference: `diag_raw_timeouts` is the raw call on a reqwest client configured like the
//! typed client's (timeouts, user agent, no redirects), `diag_raw_typed` the raw call decoding
//! into the generated type instead of `Value`.
//!
//! Run: `cargo bench --bench request_overhead`, then `cargo xtask bench report`.

mod common;

use std::future::Future;
use std::hint::black_box;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::{Duration, Instant};

use axum::extract::Request;
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use zoho_crm_access::raw::RawClient;
use zoho_crm_access::{types, Client};

const TOKEN: &str = "1000.bench-access-token";

/// Answers the two operations with fixed bodies, whatever the query; 404 otherwise.
fn fixed_server(rlc: Bytes, rules: Bytes) -> axum::Router {
    axum::Router::new().fallback(move |req: Request| {
        let (rlc, rules) = (rlc.clone(), rules.clone());
        async move {
            let path = req.uri().path();
            if path.ends_with("/settings/record_locking_configurations") {
                common::json_response(200, rlc)
            } else if path.ends_with("/settings/data_sharing/rules") {
                common::json_response(200, rules)
            } else {
                common::json_response(404, Bytes::from_static(br#"{"code":"INVALID_URL_PATTERN","details":{},"message":"Please check if the URL trying to access is a correct one","status":"error"}"#))
            }
        }
    })
}

/// The raw call with the typed client's decoding: bytes into the generated type.
async fn raw_typed<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    query: &[(&str, &str)],
) -> T {
    let response = http
        .get(url)
        .query(query)
        .header("authorization", format!("Zoho-oauthtoken {TOKEN}"))
        .send()
        .await
        .expect("raw request");
    assert!(response.status().is_success(), "{}", response.status());
    serde_json::from_slice(&response.bytes().await.expect("raw body")).expect("typed body")
}

async fn raw_get(http: &reqwest::Client, url: &str, query: &[(&str, &str)]) -> serde_json::Value {
    let response = http
        .get(url)
        .query(query)
        .header("authorization", format!("Zoho-oauthtoken {TOKEN}"))
        .send()
        .await
        .expect("raw request");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("raw body")
}

fn overhead(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bench-client")
        .enable_all()
        .build()
        .expect("runtime");
    // The server on threads of its own, so the client's CPU can be told from the server's
    // (`cpu_ns`).
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(SERVER_THREAD)
        .enable_all()
        .build()
        .expect("server runtime");
    let rlc = Bytes::from(common::record_locking_configuration());
    let rules = Bytes::from(common::sharing_rules_page(1, 200, 1, false));
    let (rlc_len, rules_len) = (rlc.len() as u64, rules.len() as u64);
    let addr: SocketAddr = server_rt.block_on(common::serve(fixed_server(rlc, rules)));

    let base = format!("http://{addr}");
    let api = format!("{base}/crm/v8");
    let raw = reqwest::Client::new();
    // The reqwest configuration the typed client uses (timeouts, user agent, no redirects).
    let raw_configured = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .user_agent("zoho-crm-access-bench")
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client");
    // progenitor's client on the transport without authentication, default retries and limits.
    let generated: RawClient = Client::builder()
        .base_url(&base)
        .without_auth()
        .build()
        .expect("client")
        .raw()
        .clone();
    let client = Client::builder()
        .base_url(&base)
        .access_token(TOKEN)
        .build()
        .expect("client");

    // What each side gets must be the same data before anything is timed.
    rt.block_on(async {
        let v = raw_get(
            &raw,
            &format!("{api}/settings/data_sharing/rules"),
            &[("module", "Leads"), ("per_page", "200")],
        )
        .await;
        assert_eq!(v["sharing_rules"].as_array().map(Vec::len), Some(200));
        let page = client
            .sharing_rules("Leads")
            .list()
            .per_page(200)
            .send()
            .await
            .expect("client list");
        assert_eq!(page.sharing_rules.len(), 200);
        let page = generated
            .list_sharing_rules()
            .module("Leads")
            .per_page(200)
            .send()
            .await
            .expect("generated list");
        assert_eq!(page.sharing_rules.len(), 200);
        let config = client
            .record_locking("Deals")
            .get()
            .await
            .expect("client get");
        assert!(format!("{config:?}").contains(&common::zoho_id(1_068_044)));
    });

    let rlc_url = format!("{api}/settings/record_locking_configurations");
    // Profiling aid: `BENCH_LOOP=client:20000` (or raw_reqwest, diag_raw_timeouts,
    // diag_raw_typed, generated) makes exactly that many record-locking requests and exits,
    // so `perf stat` or callgrind counts divide into per-request figures (subtract a `:0` run
    // for the setup).
    if let Ok(spec) = std::env::var("BENCH_LOOP") {
        let (variant, count) = spec.split_once(':').expect("BENCH_LOOP=variant:count");
        let count: usize = count.parse().expect("count");
        rt.block_on(async {
            for _ in 0..count {
                match variant {
                    "raw_reqwest" => drop(black_box(
                        raw_get(&raw, &rlc_url, &[("module", "Deals")]).await,
                    )),
                    "diag_raw_timeouts" => drop(black_box(
                        raw_get(&raw_configured, &rlc_url, &[("module", "Deals")]).await,
                    )),
                    "diag_raw_typed" => drop(black_box(
                        raw_typed::<types::RecordLockingConfigurations>(
                            &raw,
                            &rlc_url,
                            &[("module", "Deals")],
                        )
                        .await,
                    )),
                    "generated" => drop(black_box(
                        generated
                            .get_record_locking_configurations()
                            .module("Deals")
                            .send()
                            .await
                            .expect("generated"),
                    )),
                    "client" => drop(black_box(
                        client.record_locking("Deals").get().await.expect("client"),
                    )),
                    other => panic!("unknown BENCH_LOOP variant {other}"),
                }
            }
        });
        // perf stat counts the whole process; this is the client's part of it.
        let (process, client) = cpu_ns();
        eprintln!("BENCH_LOOP client_cpu_ns={client} process_cpu_ns={process}");
        std::process::exit(0);
    }
    // Size of each side's request future: every layer that moves a future copies all of it.
    println!(
        "future sizes (bytes): raw_reqwest {}, generated {}, client {}",
        std::mem::size_of_val(&raw_get(&raw, &rlc_url, &[("module", "Deals")])),
        std::mem::size_of_val(
            &generated
                .get_record_locking_configurations()
                .module("Deals")
                .send()
        ),
        std::mem::size_of_val(&client.record_locking("Deals").get()),
    );
    let mut g = c.benchmark_group("overhead/record_locking_get");
    g.throughput(Throughput::Bytes(rlc_len));
    g.bench_function("raw_reqwest", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(raw_get(&raw, &rlc_url, &[("module", "Deals")]).await) })
    });
    g.bench_function("diag_raw_timeouts", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(raw_get(&raw_configured, &rlc_url, &[("module", "Deals")]).await)
        })
    });
    g.bench_function("diag_raw_typed", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                raw_typed::<types::RecordLockingConfigurations>(
                    &raw,
                    &rlc_url,
                    &[("module", "Deals")],
                )
                .await,
            )
        })
    });
    g.bench_function("generated", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                generated
                    .get_record_locking_configurations()
                    .module("Deals")
                    .send()
                    .await
                    .expect("generated"),
            )
        })
    });
    g.bench_function("client", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(client.record_locking("Deals").get().await.expect("client"))
        })
    });
    g.finish();

    let rules_url = format!("{api}/settings/data_sharing/rules");
    let mut g = c.benchmark_group("overhead/sharing_rules_list_200");
    g.throughput(Throughput::Bytes(rules_len));
    g.bench_function("raw_reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                raw_get(
                    &raw,
                    &rules_url,
                    &[("module", "Leads"), ("per_page", "200")],
                )
                .await,
            )
        })
    });
    g.bench_function("diag_raw_typed", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                raw_typed::<types::SharingRules>(
                    &raw,
                    &rules_url,
                    &[("module", "Leads"), ("per_page", "200")],
                )
                .await,
            )
        })
    });
    g.bench_function("generated", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                generated
                    .list_sharing_rules()
                    .module("Leads")
                    .per_page(200)
                    .send()
                    .await
                    .expect("generated"),
            )
        })
    });
    g.bench_function("client", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                client
                    .sharing_rules("Leads")
                    .list()
                    .per_page(200)
                    .send()
                    .await
                    .expect("client"),
            )
        })
    });
    g.finish();

    // Paired, interleaved rounds: the ratio each round, so drift on the shared machine cancels.
    // Skipped while profiling one criterion benchmark (`--profile-time`).
    if std::env::args().any(|a| a == "--profile-time") {
        return;
    }
    let q_rlc: &[(&str, &str)] = &[("module", "Deals")];
    let q_rules: &[(&str, &str)] = &[("module", "Leads"), ("per_page", "200")];
    paired(
        &rt,
        "record_locking_get",
        100,
        vec![
            (
                "raw_reqwest",
                Box::new(|| {
                    Box::pin(async {
                        black_box(raw_get(&raw, &rlc_url, q_rlc).await);
                    })
                }),
            ),
            (
                "diag_raw_timeouts",
                Box::new(|| {
                    Box::pin(async {
                        black_box(raw_get(&raw_configured, &rlc_url, q_rlc).await);
                    })
                }),
            ),
            (
                "diag_raw_typed",
                Box::new(|| {
                    Box::pin(async {
                        black_box(
                            raw_typed::<types::RecordLockingConfigurations>(&raw, &rlc_url, q_rlc)
                                .await,
                        );
                    })
                }),
            ),
            (
                "generated",
                Box::new(|| {
                    Box::pin(async {
                        black_box(
                            generated
                                .get_record_locking_configurations()
                                .module("Deals")
                                .send()
                                .await
                                .expect("generated"),
                        );
                    })
                }),
            ),
            (
                "client",
                Box::new(|| {
                    Box::pin(async {
                        black_box(client.record_locking("Deals").get().await.expect("client"));
                    })
                }),
            ),
        ],
    );
    paired(
        &rt,
        "sharing_rules_list_200",
        10,
        vec![
            (
                "raw_reqwest",
                Box::new(|| {
                    Box::pin(async {
                        black_box(raw_get(&raw, &rules_url, q_rules).await);
                    })
                }),
            ),
            (
                "diag_raw_typed",
                Box::new(|| {
                    Box::pin(async {
                        black_box(
                            raw_typed::<types::SharingRules>(&raw, &rules_url, q_rules).await,
                        );
                    })
                }),
            ),
            (
                "generated",
                Box::new(|| {
                    Box::pin(async {
                        black_box(
                            generated
                                .list_sharing_rules()
                                .module("Leads")
                                .per_page(200)
                                .send()
                                .await
                                .expect("generated"),
                        );
                    })
                }),
            ),
            (
                "client",
                Box::new(|| {
                    Box::pin(async {
                        black_box(
                            client
                                .sharing_rules("Leads")
                                .list()
                                .per_page(200)
                                .send()
                                .await
                                .expect("client"),
                        );
                    })
                }),
            ),
        ],
    );
}

type Call<'a> = Box<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + 'a>> + 'a>;

/// Paired rounds per group; `BENCH_ROUNDS=<n>` sets another number (more rounds narrow the
/// median on a busy machine).
fn rounds() -> usize {
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(30)
}

/// Name of the server runtime's threads.
const SERVER_THREAD: &str = "bench-server";

/// CPU time, in nanoseconds, of this whole process (client and server threads) and of its
/// client (every thread but the server's: the client's runtime and the main thread), from
/// one pass over `/proc/self/task/*` (`schedstat`, ns resolution; 0 where unavailable).
fn cpu_ns() -> (u64, u64) {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return (0, 0);
    };
    let (mut process, mut client) = (0, 0);
    for task in tasks.flatten() {
        let Some(ns) = std::fs::read_to_string(task.path().join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        else {
            continue;
        };
        process += ns;
        let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if name.trim_end() != SERVER_THREAD {
            client += ns;
        }
    }
    (process, client)
}

/// Runs [`rounds`] rounds; in each, every variant (in rotating order) makes `per_round`
/// sequential requests. Prints per-request wall time, process CPU time (client and server
/// together) and the client's CPU time (every thread but the server's), each with its
/// per-round ratio to the first variant (the baseline).
fn paired(
    rt: &tokio::runtime::Runtime,
    name: &str,
    per_round: usize,
    variants: Vec<(&str, Call<'_>)>,
) {
    let rounds = rounds();
    let mut wall = vec![Vec::with_capacity(rounds); variants.len()];
    let mut cpu = vec![Vec::with_capacity(rounds); variants.len()];
    let mut client_cpu = vec![Vec::with_capacity(rounds); variants.len()];
    rt.block_on(async {
        for round in 0..rounds {
            for k in 0..variants.len() {
                let i = (round + k) % variants.len();
                let (cpu_start, client_start) = cpu_ns();
                let start = Instant::now();
                for _ in 0..per_round {
                    (variants[i].1)().await;
                }
                let elapsed = start.elapsed();
                let (cpu_end, client_end) = cpu_ns();
                let per_request = |ns: u64| ns as f64 / 1e3 / per_round as f64;
                wall[i].push(elapsed.as_secs_f64() * 1e6 / per_round as f64);
                cpu[i].push(per_request(cpu_end.saturating_sub(cpu_start)));
                client_cpu[i].push(per_request(client_end.saturating_sub(client_start)));
            }
        }
    });
    println!("\npaired/{name}: {rounds} interleaved rounds of {per_round} requests per variant");
    println!("| variant | wall µs/req min | median | max | wall ratio min | median | max | CPU µs/req median | CPU ratio min | median | max | client CPU µs/req median | client CPU ratio min | median | max |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    // Median and the min / median / max of the per-round ratios to the baseline.
    let summary = |xs: &[Vec<f64>], i: usize| {
        let (_, median, _) = common::min_median_max(&xs[i]);
        let ratios: Vec<f64> = xs[i].iter().zip(&xs[0]).map(|(t, b)| t / b).collect();
        let (rmin, rmed, rmax) = common::min_median_max(&ratios);
        format!("{median:.1} | {rmin:.3} | {rmed:.3} | {rmax:.3}")
    };
    for (i, (label, _)) in variants.iter().enumerate() {
        let (min, median, max) = common::min_median_max(&wall[i]);
        let ratios: Vec<f64> = wall[i].iter().zip(&wall[0]).map(|(t, b)| t / b).collect();
        let (rmin, rmed, rmax) = common::min_median_max(&ratios);
        println!(
            "| {label} | {min:.1} | {median:.1} | {max:.1} | {rmin:.3} | {rmed:.3} | {rmax:.3} | {} | {} |",
            summary(&cpu, i),
            summary(&client_cpu, i),
        );
    }
}

criterion_group! {
    name = benches;
    // Small and short: the machine is shared (2 cores).
    config = Criterion::default()
        .sample_size(40)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = overhead
}
criterion_main!(benches);
