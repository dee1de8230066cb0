//! Memory of reading and decoding a large response (issue 11, failure 1), asserted without
//! timing: a counting global allocator in this test binary records the peak of live heap
//! bytes while one call runs, above what was live when it started.
//!
//! Bounds asserted:
//! * an accepted 16 MiB `data_sharing` body (chunked, no `Content-Length`) peaks at no more
//!   than 3 x its size while it is read and decoded into `Vec<types::DataSharing>`;
//! * a body without end, refused at a 16 MiB limit, peaks at no more than 1.5 x the limit.
//!
//! The server is a plain thread writing the same static buffer over and over (no heap
//! allocation per write), so the count is the client's. A reallocation that moved its block
//! counts the old and the new block as live at once. One test function, so no other test of
//! this binary allocates at the same time.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use zoho_crm_access::{Client, Error};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = LIVE.fetch_add(bytes, Ordering::SeqCst) + bytes;
    PEAK.fetch_max(now, Ordering::SeqCst);
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
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if p == ptr {
                // Grown or shrunk in place: only the difference.
                if new_size >= layout.size() {
                    grew(new_size - layout.size());
                } else {
                    LIVE.fetch_sub(layout.size() - new_size, Ordering::SeqCst);
                }
            } else {
                // Moved: the old and the new block were both live for a moment.
                grew(new_size);
                LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const MIB: usize = 1024 * 1024;

/// One `data_sharing` item followed by a comma.
const ITEM: &[u8] = br#"{"share_type":"private","module":{"api_name":"Leads","id":"5843104000000002175"},"public_in_portals":false,"rule_computation_running":false},"#;

/// A loopback server (a plain thread, one connection at a time) answering every request
/// with a chunked `data_sharing` body of `blocks` 64 KiB chunks, then one last item; or,
/// with `blocks == usize::MAX`, chunks until the client goes away.
fn serve(blocks: usize) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut block = Vec::new();
    while block.len() + ITEM.len() <= 64 * 1024 {
        block.extend_from_slice(ITEM);
    }
    let mut framed = format!("{:x}\r\n", block.len()).into_bytes();
    framed.extend_from_slice(&block);
    framed.extend_from_slice(b"\r\n");
    let open = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n11\r\n{\"data_sharing\":[\r\n";
    let last = &ITEM[..ITEM.len() - 1];
    let mut close = format!("{:x}\r\n", last.len() + 2).into_bytes();
    close.extend_from_slice(last);
    close.extend_from_slice(b"]}\r\n0\r\n\r\n");
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut sock) = conn else { return };
            let mut head = [0u8; 4096];
            let _ = sock.read(&mut head);
            if sock.write_all(open).is_err() {
                continue;
            }
            let mut sent = 0;
            while sent < blocks && sock.write_all(&framed).is_ok() {
                sent += 1;
            }
            let _ = sock.write_all(&close);
        }
    });
    url
}

/// Peak live heap bytes above the start while `f` runs.
fn peak_of<T>(rt: &tokio::runtime::Runtime, f: impl std::future::Future<Output = T>) -> (usize, T) {
    let start = LIVE.load(Ordering::SeqCst);
    PEAK.store(start, Ordering::SeqCst);
    let out = rt.block_on(f);
    (PEAK.load(Ordering::SeqCst).saturating_sub(start), out)
}

#[test]
fn large_bodies_cost_at_most_three_times_their_size_and_refused_ones_stop_at_the_limit() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // Accepted: 256 blocks of 64 KiB = 16 MiB.
    let url = serve(256);
    let client = Client::builder()
        .base_url(&url)
        .access_token("tok")
        .max_response_bytes(32 * MIB as u64)
        .build()
        .unwrap();
    let per_block = (64 * 1024) / ITEM.len();
    let body_len = 17 + 256 * per_block * ITEM.len() + ITEM.len() + 1;
    let (peak, all) = peak_of(&rt, client.org_permissions().get());
    let all = all.unwrap();
    assert_eq!(all.len(), 256 * per_block + 1);
    let ratio = peak as f64 / body_len as f64;
    assert!(
        ratio <= 3.0,
        "peak {peak} bytes for a {body_len}-byte body: {ratio:.2} x"
    );
    eprintln!("accepted: {ratio:.2} x");
    drop(all);

    // Refused: a body without end, at a 16 MiB limit.
    let url = serve(usize::MAX);
    let limit = 16 * MIB;
    let client = Client::builder()
        .base_url(&url)
        .access_token("tok")
        .max_response_bytes(limit as u64)
        .build()
        .unwrap();
    let (peak, result) = peak_of(&rt, client.org_permissions().get());
    assert!(
        matches!(result, Err(Error::ResponseTooLarge { .. })),
        "{result:?}"
    );
    eprintln!("refused: {:.2} x the limit", peak as f64 / limit as f64);
    assert!(
        peak as f64 <= 1.5 * limit as f64,
        "peak {peak} bytes at a {limit}-byte limit"
    );
}
