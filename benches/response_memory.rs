//! Benchmark 9 (BENCHMARKS.md): memory of reading and decoding one large response, as peak
//! memory / body size, for bodies of 1, 16 and 128 MiB (issue 11, failure 1).
//!
//! Every measurement runs in a fresh child process (this binary, started with
//! `BENCH_RESPONSE_CHILD=<shape>:<stage>:<bytes>`), which is only the client: the server runs
//! in the parent and streams the body chunked (no `Content-Length`, as the issue's
//! reproduction did), generated on the fly, so no server buffer is counted. In the child:
//!
//! * **peak heap**: a counting global allocator; the peak of live bytes above what was live
//!   when the measured call started;
//! * **peak RSS**: `VmHWM` from `/proc/self/status` minus `VmRSS` before the call, after the
//!   peak was reset through `/proc/self/clear_refs` (what the issue's `maxrss` measured,
//!   without the process's fixed cost).
//!
//! Stages:
//! * `bytes`: raw reqwest, `response.bytes()` only (the floor: the body itself);
//! * `client`: the typed call (`client.org_permissions().get()` or
//!   `client.sharing_rules("Leads").list().per_page(200).send()`), its result kept;
//! * `cli_json`: the typed call, then what `zoho-access --output json` does with the result
//!   (`serde_json::to_value` then `to_string_pretty`, cli/src/output.rs);
//! * `json_writer`: the typed call, then the result written as pretty JSON straight to a
//!   buffered writer (`serde_json::to_writer_pretty`, into `io::sink()`): printing without
//!   the intermediate `Value` and `String`.
//!
//! Not criterion (it measures bytes, not time). Run: `cargo bench --bench response_memory`.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use axum::body::Body;
use bytes::Bytes;
use zoho_crm_access::Client;

const TOKEN: &str = "1000.bench-access-token";
const MIB: u64 = 1024 * 1024;
const SIZES_MIB: &[u64] = &[1, 16, 128];
const RUNS: usize = 3;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
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
            if p == ptr {
                // Grown or shrunk in place: only the difference.
                if new_size >= layout.size() {
                    grew(new_size - layout.size());
                } else {
                    LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
                }
            } else {
                // Moved: the old and the new block were both live for a moment.
                grew(new_size);
                LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Which body the server streams.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// `GET /settings/data_sharing`: the issue's body (140-byte `data_sharing` items).
    OrgPermissions,
    /// `GET /settings/data_sharing/rules`: one huge page of list items (~490 bytes each).
    SharingRules,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::OrgPermissions => "org_permissions",
            Shape::SharingRules => "sharing_rules",
        }
    }

    fn parse(s: &str) -> Shape {
        match s {
            "org_permissions" => Shape::OrgPermissions,
            "sharing_rules" => Shape::SharingRules,
            other => panic!("unknown shape {other}"),
        }
    }

    /// The opening, one ~64 KiB block of items (each followed by a comma), the last item and
    /// the closing of the body; and how many items one block holds.
    fn parts(self) -> (Vec<u8>, Vec<u8>, usize, Vec<u8>) {
        match self {
            Shape::OrgPermissions => {
                let item = br#"{"share_type":"private","module":{"api_name":"Leads","id":"5843104000000002175"},"public_in_portals":false,"rule_computation_running":false}"#;
                let per_block = 65536 / (item.len() + 1);
                let mut block = Vec::new();
                for _ in 0..per_block {
                    block.extend_from_slice(item);
                    block.push(b',');
                }
                let mut last = item.to_vec();
                last.extend_from_slice(b"]}");
                (b"{\"data_sharing\":[".to_vec(), block, per_block, last)
            }
            Shape::SharingRules => {
                let module_id = common::zoho_id(2_175);
                let mut block = Vec::new();
                let mut per_block = 0;
                while block.len() < 65536 {
                    let rule = common::sharing_rule("Leads", &module_id, per_block as u64, false);
                    block.extend_from_slice(&serde_json::to_vec(&rule).expect("encode"));
                    block.push(b',');
                    per_block += 1;
                }
                let rule = common::sharing_rule("Leads", &module_id, 1, false);
                let mut last = serde_json::to_vec(&rule).expect("encode");
                last.extend_from_slice(
                    br#"],"info":{"per_page":200,"page":1,"count":200,"more_records":false}}"#,
                );
                (b"{\"sharing_rules\":[".to_vec(), block, per_block, last)
            }
        }
    }

    /// How many blocks make a body of about `bytes`, and the exact size and item count.
    fn layout(self, bytes: u64) -> (u64, u64, usize) {
        let (open, block, per_block, last) = self.parts();
        let blocks =
            (bytes.saturating_sub((open.len() + last.len()) as u64) / block.len() as u64).max(1);
        let size = open.len() as u64 + blocks * block.len() as u64 + last.len() as u64;
        (blocks, size, blocks as usize * per_block + 1)
    }
}

/// The body size the server streams next (set by the parent before each child).
static NEXT_SIZE: AtomicU64 = AtomicU64::new(0);

fn stream_body(shape: Shape) -> Body {
    let (open, block, _, last) = shape.parts();
    let (blocks, _, _) = shape.layout(NEXT_SIZE.load(Ordering::SeqCst));
    let block = Bytes::from(block);
    let chunks = std::iter::once(Bytes::from(open))
        .chain(std::iter::repeat_n(block, blocks as usize))
        .chain(std::iter::once(Bytes::from(last)))
        .map(Ok::<_, std::convert::Infallible>);
    Body::from_stream(futures::stream::iter(chunks))
}

fn serve() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let small = Bytes::from(common::record_locking_configuration());
            let router = axum::Router::new()
                .route(
                    "/crm/v8/settings/data_sharing",
                    axum::routing::get(|| async { stream_body(Shape::OrgPermissions) }),
                )
                .route(
                    "/crm/v8/settings/data_sharing/rules",
                    axum::routing::get(|| async { stream_body(Shape::SharingRules) }),
                )
                .route(
                    "/crm/v8/settings/record_locking_configurations",
                    axum::routing::get(move || {
                        let small = small.clone();
                        async move { common::json_response(200, small) }
                    }),
                );
            let addr = common::serve(router).await;
            tx.send(format!("http://{addr}")).expect("send url");
            std::future::pending::<()>().await;
        });
    });
    rx.recv().expect("server url")
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("status field")
}

/// What the stage does with the decoded result (see the module docs).
fn print_like<T: serde::Serialize>(stage: &str, value: &T) {
    match stage {
        "cli_json" => {
            let value = serde_json::to_value(value).expect("to_value");
            let text = serde_json::to_string_pretty(&value).expect("pretty");
            std::hint::black_box(&text);
        }
        "json_writer" => {
            let out = std::io::BufWriter::new(std::io::sink());
            serde_json::to_writer_pretty(out, value).expect("write");
        }
        _ => {}
    }
}

/// The child: one measurement, printed as `peak_heap_bytes rss_bytes items`.
fn child(spec: &str) {
    let mut parts = spec.split(':');
    let shape = Shape::parse(parts.next().expect("shape"));
    let stage = parts.next().expect("stage").to_owned();
    let size: u64 = parts.next().expect("size").parse().expect("size");
    let url = std::env::var("BENCH_RESPONSE_URL").expect("BENCH_RESPONSE_URL");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = Client::builder()
        .base_url(&url)
        .access_token(TOKEN)
        .max_response_bytes(size + MIB)
        .build()
        .expect("client");
    let raw = reqwest::Client::new();
    // Warm-up on another path: connection, lazy statics, the allocator's first arenas.
    rt.block_on(async {
        client
            .record_locking("Deals")
            .get()
            .await
            .expect("warm-up")
            .expect("a configuration");
    });

    let rss_before = status_kib("VmRSS:");
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM");
    let start = LIVE.load(Ordering::SeqCst);
    PEAK.store(start, Ordering::SeqCst);
    let items = rt.block_on(async {
        match (shape, stage.as_str()) {
            (_, "bytes") => {
                let path = match shape {
                    Shape::OrgPermissions => "/crm/v8/settings/data_sharing",
                    Shape::SharingRules => "/crm/v8/settings/data_sharing/rules?module=Leads",
                };
                let body = raw
                    .get(format!("{url}{path}"))
                    .send()
                    .await
                    .expect("raw")
                    .bytes()
                    .await
                    .expect("raw body");
                let n = body.len();
                std::hint::black_box(body);
                n
            }
            (Shape::OrgPermissions, stage) => {
                let all = client.org_permissions().get().await.expect("decode");
                print_like(stage, &all);
                let n = all.len();
                std::hint::black_box(all);
                n
            }
            (Shape::SharingRules, stage) => {
                let page = client
                    .sharing_rules("Leads")
                    .list()
                    .per_page(200)
                    .send()
                    .await
                    .expect("decode");
                print_like(stage, &page);
                let n = page.sharing_rules.len();
                std::hint::black_box(page);
                n
            }
        }
    });
    let peak = PEAK.load(Ordering::SeqCst).saturating_sub(start);
    let rss = status_kib("VmHWM:").saturating_sub(rss_before) * 1024;
    println!("{peak} {rss} {items}");
}

fn main() {
    if let Ok(spec) = std::env::var("BENCH_RESPONSE_CHILD") {
        child(&spec);
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let url = serve();
    let exe = std::env::current_exe().expect("own path");
    println!(
        "Peak memory of one response / its body size; chunked bodies from a loopback server in \
         the parent process; each cell: median of {RUNS} child processes (min-max)\n"
    );
    println!("| body | bytes | stage | peak heap / body | peak RSS / body |");
    println!("|---|---:|---|---:|---:|");
    for shape in [Shape::OrgPermissions, Shape::SharingRules] {
        for &mib in SIZES_MIB {
            let (_, size, items) = shape.layout(mib * MIB);
            NEXT_SIZE.store(mib * MIB, Ordering::SeqCst);
            for stage in ["bytes", "client", "cli_json", "json_writer"] {
                let mut heap = Vec::new();
                let mut rss = Vec::new();
                for _ in 0..RUNS {
                    let out = Command::new(&exe)
                        .env(
                            "BENCH_RESPONSE_CHILD",
                            format!("{}:{stage}:{size}", shape.name()),
                        )
                        .env("BENCH_RESPONSE_URL", &url)
                        .output()
                        .expect("run child");
                    assert!(
                        out.status.success(),
                        "child failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    let line = String::from_utf8_lossy(&out.stdout);
                    let mut f = line
                        .split_whitespace()
                        .map(|v| v.parse::<f64>().expect("n"));
                    let (h, r, n) = (
                        f.next().expect("heap"),
                        f.next().expect("rss"),
                        f.next().expect("n"),
                    );
                    let expected = if stage == "bytes" { size } else { items as u64 };
                    assert_eq!(n as u64, expected, "{stage}: every item decoded");
                    heap.push(h / size as f64);
                    rss.push(r / size as f64);
                }
                let (hmin, hmed, hmax) = common::min_median_max(&heap);
                let (rmin, rmed, rmax) = common::min_median_max(&rss);
                println!(
                    "| {} | {size} ({mib} MiB) | {stage} | {hmed:.2} ({hmin:.2}-{hmax:.2}) | {rmed:.2} ({rmin:.2}-{rmax:.2}) |",
                    shape.name()
                );
            }
        }
    }
}
