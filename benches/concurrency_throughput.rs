//! Benchmark 3 (BENCHMARKS.md): throughput under Zoho's concurrency limit.
//!
//! A loopback server holds every request for a fixed latency `L` (to the microsecond: see
//! [`Holder`]) and answers 429
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

/// Holds requests for exactly their latency. `tokio::time::sleep` rounds its deadline up to
/// the next millisecond tick and wakes after it (26.2-26.7 ms for 25 ms, section 3 of
/// BENCHMARKS.md), which alone cost 3-7 % of the throughput this bench measures. Here one
/// thread keeps the deadlines: it sleeps until shortly before the earliest one, spins the
/// last [`Holder::SPIN`], and then releases every request that is due.
struct Holder {
    tx: std::sync::mpsc::Sender<(Instant, tokio::sync::oneshot::Sender<()>)>,
}

impl Holder {
    /// How long before a deadline the thread stops sleeping and spins (a thread sleep ends
    /// up to about 0.1 ms late on Linux: the default timer slack of 50 µs, plus the wake-up).
    const SPIN: Duration = Duration::from_micros(200);

    fn start() -> Holder {
        let (tx, rx) = std::sync::mpsc::channel::<(Instant, tokio::sync::oneshot::Sender<()>)>();
        std::thread::spawn(move || {
            // Deadlines waiting, earliest first when sorted descending and popped from the end.
            let mut waiting: Vec<(Instant, tokio::sync::oneshot::Sender<()>)> = Vec::new();
            loop {
                let next = waiting.last().map(|(at, _)| *at);
                let got = match next {
                    None => rx.recv().map_err(|_| ()),
                    Some(at) => {
                        let wake = at.checked_sub(Self::SPIN).unwrap_or(at);
                        let now = Instant::now();
                        if now < wake {
                            match rx.recv_timeout(wake - now) {
                                Ok(item) => Ok(item),
                                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(()),
                                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
                            }
                        } else {
                            Err(())
                        }
                    }
                };
                match got {
                    Ok(item) => {
                        waiting.push(item);
                        waiting.sort_by_key(|w| std::cmp::Reverse(w.0));
                        continue;
                    }
                    Err(()) if next.is_none() => return,
                    Err(()) => {}
                }
                // Within `SPIN` of the earliest deadline: spin to it, release all that are due.
                if let Some(at) = next {
                    while Instant::now() < at {
                        std::hint::spin_loop();
                    }
                }
                let now = Instant::now();
                while waiting.last().is_some_and(|(at, _)| *at <= now) {
                    if let Some((_, done)) = waiting.pop() {
                        let _ = done.send(());
                    }
                }
            }
        });
        Holder { tx }
    }

    /// Waits until `until`.
    async fn hold(&self, until: Instant) {
        let (done, wait) = tokio::sync::oneshot::channel();
        self.tx
            .send((until, done))
            .expect("the holder thread is running");
        wait.await.expect("released by the holder thread");
    }
}

struct Limits {
    capacity: usize,
    latency: Duration,
    holder: Holder,
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
    s.holder.hold(start + s.latency).await;
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
                holder: Holder::start(),
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
