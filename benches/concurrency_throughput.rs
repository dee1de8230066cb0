//! Benchmark 3 (BENCHMARKS.md): throughput under Zoho's concurrency limit.
//!
//! A loopback server holds every request for a fixed latency `L` and answers 429
//! `TOO_MANY_REQUESTS` (Zoho's body) to any request that arrives while `C` are already in
//! flight. `N` requests are issued at once through `zoho_crm_access::Client` configured with
//! `max_concurrency(C)`. The best possible throughput is `C / L`; we report achieved
//! throughput / (C / L) (target >= 0.95) and the number of 429s the server sent (target 0).
//!
//! In the same run, the baseline `raw_reqwest_semaphore` sends the same `N` requests with raw
//! `reqwest` gated by a `tokio::sync::Semaphore(C)`: what a careful hand-written caller achieves
//! on this machine (so the ratio to the ideal also shows what loopback and the scheduler cost).
//!
//! Not criterion: each run is one timed batch of `N` requests, repeated `RUNS` times per
//! configuration; min/median/max are over those runs. Run: `cargo bench --bench concurrency_throughput`.

mod common;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use bytes::Bytes;
use tokio::sync::Semaphore;
use zoho_crm_access::Client;

const RUNS: usize = 5;
const TOKEN: &str = "1000.bench-access-token";

/// (C, L in ms, N): Standard edition's limit (10), Enterprise's (20) with a shorter latency,
/// Free's (5) with a longer one. Each ideal batch lasts N / C * L = 1 s.
const CONFIGS: &[(usize, u64, usize)] = &[(10, 50, 200), (20, 25, 800), (5, 100, 50)];

struct Limits {
    capacity: usize,
    latency: Duration,
    body: Bytes,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    served: AtomicUsize,
    /// Sum of the time each served request was actually held (the sleep overshoots `L`).
    held_ns: AtomicU64,
    rejected: AtomicUsize,
}

/// Leaves the in-flight count when the handler ends (also if the client went away).
struct Slot<'a>(&'a AtomicUsize);
impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn limited(State(s): State<Arc<Limits>>, _req: Request) -> axum::response::Response {
    let now = s.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    let _slot = Slot(&s.in_flight);
    if now > s.capacity {
        s.rejected.fetch_add(1, Ordering::SeqCst);
        return common::json_response(
            429,
            Bytes::from_static(br#"{"code":"TOO_MANY_REQUESTS","details":{},"message":"concurrency limit exceeded","status":"error"}"#),
        );
    }
    s.peak.fetch_max(now, Ordering::SeqCst);
    let start = Instant::now();
    tokio::time::sleep(s.latency).await;
    s.held_ns
        .fetch_add(start.elapsed().as_nanos() as u64, Ordering::SeqCst);
    s.served.fetch_add(1, Ordering::SeqCst);
    common::json_response(200, s.body.clone())
}

struct Run {
    ratio: f64,
    /// Mean time the server actually held a request, in ms.
    held_ms: f64,
    rejected: usize,
    peak: usize,
}

fn reset(s: &Limits) {
    s.peak.store(0, Ordering::SeqCst);
    s.served.store(0, Ordering::SeqCst);
    s.held_ns.store(0, Ordering::SeqCst);
    s.rejected.store(0, Ordering::SeqCst);
}

fn finish(s: &Limits, c: usize, l: Duration, n: usize, elapsed: Duration) -> Run {
    assert_eq!(
        s.served.load(Ordering::SeqCst),
        n,
        "every request answered 200 once"
    );
    let ideal = c as f64 / l.as_secs_f64();
    Run {
        ratio: (n as f64 / elapsed.as_secs_f64()) / ideal,
        held_ms: s.held_ns.load(Ordering::SeqCst) as f64 / 1e6 / n as f64,
        rejected: s.rejected.load(Ordering::SeqCst),
        peak: s.peak.load(Ordering::SeqCst),
    }
}

async fn client_batch(s: &Limits, base: &str, c: usize, l: Duration, n: usize) -> Run {
    let client = Client::builder()
        .base_url(base)
        .access_token(TOKEN)
        .max_concurrency(c)
        .build()
        .expect("client");
    // One request first so connection set-up is not part of the batch for either side.
    client.record_locking("Deals").get().await.expect("warm-up");
    reset(s);
    let start = Instant::now();
    let results =
        futures::future::join_all((0..n).map(|_| client.record_locking("Deals").get())).await;
    let elapsed = start.elapsed();
    let failed = results.iter().filter(|r| r.is_err()).count();
    assert_eq!(failed, 0, "all requests succeed");
    finish(s, c, l, n, elapsed)
}

async fn raw_batch(s: &Limits, base: &str, c: usize, l: Duration, n: usize) -> Run {
    let http = reqwest::Client::new();
    let url = format!("{base}/crm/v8/settings/record_locking_configurations");
    let gate = Semaphore::new(c);
    let one = || async {
        let _permit = gate.acquire().await.expect("semaphore");
        let r = http
            .get(&url)
            .query(&[("module", "Deals")])
            .header("authorization", format!("Zoho-oauthtoken {TOKEN}"))
            .send()
            .await
            .expect("raw request");
        assert_eq!(r.status(), 200);
        r.json::<serde_json::Value>().await.expect("raw body")
    };
    one().await;
    reset(s);
    let start = Instant::now();
    futures::future::join_all((0..n).map(|_| one())).await;
    let elapsed = start.elapsed();
    finish(s, c, l, n, elapsed)
}

fn summary(name: &str, c: usize, l: u64, n: usize, runs: &[Run]) {
    let ratios: Vec<f64> = runs.iter().map(|r| r.ratio).collect();
    let (min, median, max) = common::min_median_max(&ratios);
    let rejected: usize = runs.iter().map(|r| r.rejected).sum();
    let peak = runs.iter().map(|r| r.peak).max().unwrap_or(0);
    let held: Vec<f64> = runs.iter().map(|r| r.held_ms).collect();
    let held_median = common::min_median_max(&held).1;
    // Against what the server's real hold time allows: C / held instead of C / L.
    let vs_held: Vec<f64> = runs
        .iter()
        .map(|r| r.ratio * r.held_ms / l as f64)
        .collect();
    let vs_held_median = common::min_median_max(&vs_held).1;
    println!(
        "| {name} | {c} | {l} | {n} | {} | {min:.3} | {median:.3} | {max:.3} | {rejected} | {peak} | {held_median:.2} | {vs_held_median:.3} |",
        runs.len()
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!("| caller | C | L (ms) | N | runs | throughput / (C/L): min | median | max | 429s (all runs) | peak in flight | server hold, ms (median) | throughput / (C/hold) (median) |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    rt.block_on(async {
        for &(c, l_ms, n) in CONFIGS {
            let latency = Duration::from_millis(l_ms);
            let limits = Arc::new(Limits {
                capacity: c,
                latency,
                body: Bytes::from(common::record_locking_configuration()),
                in_flight: AtomicUsize::new(0),
                peak: AtomicUsize::new(0),
                served: AtomicUsize::new(0),
                held_ns: AtomicU64::new(0),
                rejected: AtomicUsize::new(0),
            });
            let router = axum::Router::new()
                .fallback(limited)
                .with_state(limits.clone());
            let base = format!("http://{}", common::serve(router).await);
            let mut raw = Vec::new();
            let mut ours = Vec::new();
            // Interleaved, so drift on the shared machine hits both sides alike.
            for _ in 0..RUNS {
                raw.push(raw_batch(&limits, &base, c, latency, n).await);
                ours.push(client_batch(&limits, &base, c, latency, n).await);
            }
            summary("raw_reqwest_semaphore (baseline)", c, l_ms, n, &raw);
            summary("zoho_crm_access::Client", c, l_ms, n, &ours);
            let paired: Vec<f64> = ours.iter().zip(&raw).map(|(o, r)| o.ratio / r.ratio).collect();
            let (min, median, max) = common::min_median_max(&paired);
            println!("| Client / baseline, paired runs | {c} | {l_ms} | {n} | {RUNS} | {min:.3} | {median:.3} | {max:.3} | | | | |");
        }
    });
}
