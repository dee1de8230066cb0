//! Benchmark 4 (BENCHMARKS.md): memory while paging through 50 pages of 200 sharing rules.
//!
//! A counting global allocator tracks live heap bytes in this process; each measurement resets
//! the peak and reports the peak of live bytes above what was live when it started, plus the
//! number of allocations. The server runs in a child process (this same binary, started with
//! `BENCH_PAGINATION_SERVER=1`) so its buffers are not counted.
//!
//! Measurements (same run, same client):
//! * `one page (send)`: `sharing_rules("Leads").list().per_page(200).send()`, page kept until
//!   the end: the reference "one page".
//! * `raw one page (reqwest + Value)`: the same page with raw reqwest into `serde_json::Value`.
//! * `stream 50 pages`: `.stream()`, each rule looked at and dropped. Target: peak near one page.
//! * `collect 50 pages`: `.stream()` collected into a `Vec` (what streaming avoids).
//!
//! Not criterion (it measures bytes, not time). Run: `cargo bench --bench pagination_memory`.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{Query, State};
use bytes::Bytes;
use futures::TryStreamExt;
use zoho_crm_access::Client;

const PAGES: u32 = 50;
const PER_PAGE: u32 = 200;
const RUNS: usize = 5;
const TOKEN: &str = "1000.bench-access-token";

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Peak live bytes above the start, and allocations, while `f` runs to completion.
fn measure<T, F: Future<Output = T>>(rt: &tokio::runtime::Runtime, f: F) -> (usize, usize, T) {
    let start = LIVE.load(Ordering::SeqCst);
    PEAK.store(start, Ordering::SeqCst);
    ALLOCATIONS.store(0, Ordering::SeqCst);
    let out = rt.block_on(f);
    let peak = PEAK.load(Ordering::SeqCst).saturating_sub(start);
    (peak, ALLOCATIONS.load(Ordering::SeqCst), out)
}

#[derive(serde::Deserialize)]
struct PageQuery {
    page: Option<u32>,
}

/// Child process: serves the 50 pages until its stdin closes.
fn serve_pages() {
    let pages: Vec<Bytes> = (1..=PAGES)
        .map(|p| Bytes::from(common::sharing_rules_page(p, PER_PAGE, PAGES, false)))
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let router = axum::Router::new()
            .fallback(
                |State(pages): State<Vec<Bytes>>, Query(q): Query<PageQuery>| async move {
                    match pages.get(q.page.unwrap_or(1) as usize - 1) {
                        Some(body) => common::json_response(200, body.clone()),
                        None => common::json_response(204, Bytes::new()),
                    }
                },
            )
            .with_state(pages);
        let addr = common::serve(router).await;
        println!("{}", addr.port());
        // Stop when the parent goes away (its end of our stdin closes).
        tokio::task::spawn_blocking(|| {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        })
        .await
        .expect("stdin watcher");
    });
}

fn human(bytes: f64) -> String {
    if bytes >= 1024.0 * 1024.0 {
        format!("{:.2} MiB", bytes / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", bytes / 1024.0)
    }
}

fn main() {
    if std::env::var_os("BENCH_PAGINATION_SERVER").is_some() {
        serve_pages();
        return;
    }
    let mut child = Command::new(std::env::current_exe().expect("own path"))
        .env("BENCH_PAGINATION_SERVER", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the page server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("child stdout"))
        .read_line(&mut line)
        .expect("server port");
    let port: u16 = line.trim().parse().expect("port number");
    let base = format!("http://127.0.0.1:{port}");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = Client::builder()
        .base_url(&base)
        .access_token(TOKEN)
        .build()
        .expect("client");
    let raw = reqwest::Client::new();
    let page_len = common::sharing_rules_page(1, PER_PAGE, PAGES, false).len();

    // Warm-up (connections, lazy statics), and the checks that every side sees all the data.
    rt.block_on(async {
        let page = client
            .sharing_rules("Leads")
            .list()
            .per_page(PER_PAGE)
            .send()
            .await
            .expect("one page");
        assert_eq!(page.sharing_rules.len(), PER_PAGE as usize);
        let all: Vec<_> = client
            .sharing_rules("Leads")
            .list()
            .per_page(PER_PAGE)
            .stream()
            .try_collect()
            .await
            .expect("all pages");
        assert_eq!(all.len(), (PAGES * PER_PAGE) as usize);
    });

    type Row = (&'static str, Vec<f64>, Vec<f64>);
    let mut rows: Vec<Row> = vec![
        ("one page (send), kept", vec![], vec![]),
        ("raw one page (reqwest + Value), kept", vec![], vec![]),
        ("stream 50 pages, each rule dropped", vec![], vec![]),
        ("collect 50 pages into a Vec", vec![], vec![]),
    ];
    let raw_url = format!("{base}/crm/v8/settings/data_sharing/rules");
    for _ in 0..RUNS {
        let (peak, allocs, page) = measure(&rt, async {
            client
                .sharing_rules("Leads")
                .list()
                .per_page(PER_PAGE)
                .send()
                .await
                .expect("one page")
        });
        drop(page);
        rows[0].1.push(peak as f64);
        rows[0].2.push(allocs as f64);

        let (peak, allocs, value) = measure(&rt, async {
            raw.get(&raw_url)
                .query(&[("module", "Leads"), ("per_page", "200")])
                .header("authorization", format!("Zoho-oauthtoken {TOKEN}"))
                .send()
                .await
                .expect("raw")
                .json::<serde_json::Value>()
                .await
                .expect("raw body")
        });
        drop(value);
        rows[1].1.push(peak as f64);
        rows[1].2.push(allocs as f64);

        let (peak, allocs, seen) = measure(&rt, async {
            let mut stream = std::pin::pin!(client
                .sharing_rules("Leads")
                .list()
                .per_page(PER_PAGE)
                .stream());
            let mut seen = 0usize;
            while let Some(rule) = stream.try_next().await.expect("stream") {
                seen += usize::from(!rule.id.is_empty());
            }
            seen
        });
        assert_eq!(seen, (PAGES * PER_PAGE) as usize);
        rows[2].1.push(peak as f64);
        rows[2].2.push(allocs as f64);

        let (peak, allocs, all) = measure(&rt, async {
            client
                .sharing_rules("Leads")
                .list()
                .per_page(PER_PAGE)
                .stream()
                .try_collect::<Vec<_>>()
                .await
                .expect("collect")
        });
        assert_eq!(all.len(), (PAGES * PER_PAGE) as usize);
        drop(all);
        rows[3].1.push(peak as f64);
        rows[3].2.push(allocs as f64);
    }
    drop(child.stdin.take());
    let _ = child.wait();

    let one_page = common::min_median_max(&rows[0].1).1;
    println!(
        "{PAGES} pages x {PER_PAGE} rules, {} per page on the wire; peak live heap bytes above the start of each measurement, {RUNS} runs\n",
        human(page_len as f64)
    );
    println!("| measurement | min peak | median peak | max peak | median / one page | allocations (median) |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, peaks, allocs) in &rows {
        let (min, median, max) = common::min_median_max(peaks);
        println!(
            "| {name} | {} | {} | {} | {:.2} | {:.0} |",
            human(min),
            human(median),
            human(max),
            median / one_page,
            common::min_median_max(allocs).1
        );
    }
}
