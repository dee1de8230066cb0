//! `cargo xtask stress-simulator`: hostile clients against a spawned `zoho-access simulator`,
//! with the server's memory read from `/proc/<pid>/status`.
//!
//! The run, all against one simulator process:
//!
//! 1. `--slow` (default 300) clients hold connections for `--hold-secs` (default 75): half
//!    never send a byte, half send a request line and then one header byte every two seconds;
//!    each opens a new connection whenever the server closes one, and notes how long each lived.
//! 2. `--token-requests` (default 40,000) refresh-token grants at the accounts endpoint (8 at a
//!    time, keep-alive, in two halves); the RSS growth per request is reported for each half.
//! 3. `--uploads` (default 400) concurrent unauthenticated uploads of `--upload-mib` (default 8)
//!    MiB each (`PUT /crm/v8/settings/data_sharing`, no `Authorization`); each notes the status
//!    it got or that the connection was closed before an answer.
//! 4. When the hold time is over: whether any slow connection stayed open the whole time.
//!
//! Throughout, a probe sends a normal authenticated `GET /crm/v8/settings/data_sharing` on a new
//! connection every 250 ms (10 s timeout each) and a sampler reads `VmRSS` every 100 ms. Before
//! phases 2 and 3 the peak (`VmHWM`) is reset through `/proc/<pid>/clear_refs` so each phase
//! reports its own peak.
//!
//! It fails (exit 1) when the overall peak RSS exceeds `--bound-mib`, a slow connection stayed
//! open for the whole hold time, any probe failed, an upload was accepted, or a token request
//! failed. Memory is compared with the bound, never timed; the probe latencies are reported only.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The bound on the simulator's peak RSS over the whole run, in MiB (see BENCHMARKS.md).
pub const DEFAULT_BOUND_MIB: u64 = 64;

/// Options of `cargo xtask stress-simulator`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The `zoho-access` binary to run (default: build it with cargo and use the one in target/).
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,
    /// Build and run the release binary instead of the debug one.
    #[arg(long, conflicts_with = "binary")]
    release: bool,
    /// Concurrent unauthenticated uploads.
    #[arg(long, default_value_t = 400)]
    uploads: usize,
    /// Size of each upload in MiB.
    #[arg(long, default_value_t = 8)]
    upload_mib: usize,
    /// Slow or silent connections held open.
    #[arg(long, default_value_t = 300)]
    slow: usize,
    /// How long the slow connections are held, in seconds.
    #[arg(long, default_value_t = 75)]
    hold_secs: u64,
    /// Refresh-token grants at the accounts endpoint.
    #[arg(long, default_value_t = 40_000)]
    token_requests: usize,
    /// Fail when the simulator's peak RSS exceeds this many MiB.
    #[arg(long, default_value_t = DEFAULT_BOUND_MIB)]
    bound_mib: u64,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let root = crate::workspace_root();
    let binary = match &args.binary {
        Some(b) => b.clone(),
        None => build_binary(&root, args.release)?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a Tokio runtime: {e}"))?;
    runtime.block_on(stress(&binary, &args))
}

/// Builds the CLI and returns its path. Debug: `cargo test --workspace --all-features
/// --no-run`, the build the README's test command makes (so after the test step it is a no-op;
/// a plain `cargo build` would unify features differently and compile the crate again).
/// Release: `cargo build --release -p zoho-access --all-features`.
fn build_binary(root: &Path, release: bool) -> Result<PathBuf, String> {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    if release {
        cmd.args(["build", "--release", "-p", "zoho-access", "--all-features"]);
    } else {
        cmd.args(["test", "--workspace", "--all-features", "--no-run"]);
    }
    cmd.arg("--message-format=json-render-diagnostics");
    println!(
        "$ cargo {} --message-format=json-render-diagnostics",
        if release {
            "build --release -p zoho-access --all-features"
        } else {
            "test --workspace --all-features --no-run"
        }
    );
    let out = cmd
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo exited with {}", out.status));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "zoho-access")
        // Not the bin's unit-test harness, which `cargo test` builds too.
        .filter(|m| m["profile"]["test"] == false)
        .filter(|m| {
            m["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|x| x == "bin"))
        })
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo built no zoho-access executable".to_owned())
}

/// `VmRSS` and `VmHWM` of a process, in KiB.
fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Resets the process's peak RSS (`VmHWM`) to its current RSS; false when the kernel refuses.
fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// The simulator's connection details, from the JSON line it prints first.
struct Target {
    host: String,
    api_domain: String,
    token: String,
    form: String,
}

async fn stress(binary: &Path, args: &Args) -> Result<ExitCode, String> {
    let mut child = tokio::process::Command::new(binary)
        .arg("simulator")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let pid = child.id().ok_or("the simulator exited at once")?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut first = String::new();
    tokio::time::timeout(
        Duration::from_secs(30),
        BufReader::new(stdout).read_line(&mut first),
    )
    .await
    .map_err(|_| "the simulator printed nothing within 30 s")?
    .map_err(|e| format!("cannot read the simulator's first line: {e}"))?;
    let info: Value = serde_json::from_str(&first)
        .map_err(|e| format!("the simulator's first line is not JSON ({e}): {first}"))?;
    let s = |k: &str| info[k].as_str().unwrap_or_default().to_owned();
    let api_domain = s("api_domain");
    let target = Target {
        host: api_domain
            .strip_prefix("http://")
            .unwrap_or(&api_domain)
            .to_owned(),
        api_domain: api_domain.clone(),
        token: s("access_token"),
        form: format!(
            "grant_type=refresh_token&client_id={}&client_secret={}&refresh_token={}",
            s("client_id"),
            s("client_secret"),
            s("refresh_token")
        ),
    };
    println!(
        "simulator: {} (pid {pid}); load average before: {}",
        binary.display(),
        load_average()
    );

    // Warm up: a few normal calls, so the baseline includes a served request.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    for _ in 0..5 {
        probe_once(&http, &target).await?;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (baseline, _) = memory_kib(pid).ok_or("cannot read /proc/<pid>/status")?;
    let resettable = reset_peak(pid);
    println!(
        "baseline RSS {} (peak reset via clear_refs: {})",
        mib(baseline),
        if resettable {
            "yes"
        } else {
            "no, peaks are cumulative"
        }
    );

    let stop = Arc::new(AtomicBool::new(false));
    let sampled_peak = Arc::new(AtomicU64::new(baseline));
    let sampler = {
        let (stop, peak) = (stop.clone(), sampled_peak.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if let Some((rss, _)) = memory_kib(pid) {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let prober = {
        let stop = stop.clone();
        let target = Target {
            host: target.host.clone(),
            api_domain: target.api_domain.clone(),
            token: target.token.clone(),
            form: String::new(),
        };
        tokio::spawn(async move {
            // A new connection for each probe: a new client must be served, not only a pooled one.
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .pool_max_idle_per_host(0)
                .build()
                .expect("client");
            let mut stats = ProbeStats::default();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                match probe_once(&http, &target).await {
                    Ok(()) => stats.ok += 1,
                    Err(e) => {
                        stats.failed += 1;
                        if stats.first_failure.is_none() {
                            stats.first_failure = Some(e);
                        }
                    }
                }
                stats.latencies.push(t.elapsed());
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            stats
        })
    };

    let mut report = String::new();
    let mut failures: Vec<String> = Vec::new();
    let run_start = Instant::now();

    // 1. Slow and silent connections.
    let hold = Duration::from_secs(args.hold_secs);
    let mut slow = Vec::with_capacity(args.slow);
    for i in 0..args.slow {
        let host = target.host.clone();
        slow.push(tokio::spawn(slow_client(host, i % 2 == 1, hold)));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _ = writeln!(
        report,
        "slow clients: {} ({} silent, {} trickling a header byte every 2 s), each reconnecting when closed, for {} s",
        args.slow,
        args.slow.div_ceil(2),
        args.slow / 2,
        args.hold_secs
    );

    // 2. Token churn, in two halves: bounded memory shows as no growth in the second half.
    let (before_tokens, _) = memory_kib(pid).unwrap_or_default();
    reset_peak(pid);
    let t = Instant::now();
    let first_half = args.token_requests / 2;
    let (minted_a, failed_a) = token_churn(&target, first_half).await;
    let (half_tokens, _) = memory_kib(pid).unwrap_or_default();
    let (minted_b, failed_b) = token_churn(&target, args.token_requests - first_half).await;
    let (minted, token_failures) = (minted_a + minted_b, failed_a + failed_b);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (after_tokens, peak_tokens) = memory_kib(pid).unwrap_or_default();
    let per_request = |grown: u64, n: usize| grown as f64 * 1024.0 / n.max(1) as f64;
    let _ = writeln!(
        report,
        "token requests: {minted} minted, {token_failures} failed in {:.1} s; RSS {} -> {} after the first {first_half} -> {} (peak {}); growth per request: {:.0} bytes in the first half, {:.0} in the second",
        t.elapsed().as_secs_f64(),
        mib(before_tokens),
        mib(half_tokens),
        mib(after_tokens),
        mib(peak_tokens),
        per_request(half_tokens.saturating_sub(before_tokens), first_half),
        per_request(after_tokens.saturating_sub(half_tokens), args.token_requests - first_half),
    );
    if token_failures > 0 {
        failures.push(format!("{token_failures} token requests failed"));
    }

    // 3. Unauthenticated uploads.
    let (before_uploads, _) = memory_kib(pid).unwrap_or_default();
    reset_peak(pid);
    let t = Instant::now();
    let outcomes = uploads(&target, args.uploads, args.upload_mib << 20).await;
    let upload_secs = t.elapsed().as_secs_f64();
    let (_, peak_uploads) = memory_kib(pid).unwrap_or_default();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (after_uploads, _) = memory_kib(pid).unwrap_or_default();
    let mut by_outcome = std::collections::BTreeMap::<String, usize>::new();
    for o in &outcomes {
        *by_outcome.entry(o.clone()).or_default() += 1;
    }
    let _ = writeln!(
        report,
        "uploads: {} x {} MiB unauthenticated in {upload_secs:.1} s: {by_outcome:?}; RSS {} -> peak {} -> {} one second later",
        args.uploads,
        args.upload_mib,
        mib(before_uploads),
        mib(peak_uploads),
        mib(after_uploads)
    );
    let accepted = outcomes
        .iter()
        .filter(|o| !(o.starts_with("401") || o.starts_with("413") || o.starts_with("closed")))
        .count();
    if accepted > 0 {
        failures.push(format!(
            "{accepted} unauthenticated uploads got an answer other than 401/413 or a closed connection"
        ));
    }

    // 4. The slow clients, once the hold time is over: how long the server let a connection
    //    live, and whether any lasted the whole time.
    let mut closed_after = Vec::new();
    let mut open_whole_time = 0;
    let mut open_at_end = 0;
    for h in slow {
        let out = h.await.unwrap_or_default();
        closed_after.extend(out.closed_after);
        if let Some(age) = out.open_at_end {
            open_at_end += 1;
            if age + Duration::from_secs(1) >= hold {
                open_whole_time += 1;
            }
        }
    }
    closed_after.sort();
    let pct = |p: usize| {
        closed_after
            .get((closed_after.len().saturating_sub(1)) * p / 100)
            .map_or("-".to_owned(), |d| format!("{:.1} s", d.as_secs_f64()))
    };
    let _ = writeln!(
        report,
        "slow connections over {} s: {} closed by the server (open for: median {}, max {}); at the end {open_at_end} open, {open_whole_time} of them open the whole time",
        args.hold_secs,
        closed_after.len(),
        pct(50),
        pct(100)
    );
    if open_whole_time > 0 {
        failures.push(format!(
            "{open_whole_time} slow connections stayed open for the whole {} s",
            args.hold_secs
        ));
    }

    stop.store(true, Ordering::Relaxed);
    let probes = prober.await.map_err(|e| e.to_string())?;
    let _ = sampler.await;
    let (end_rss, hwm) = memory_kib(pid).unwrap_or_default();
    let peak = sampled_peak
        .load(Ordering::Relaxed)
        .max(peak_tokens)
        .max(peak_uploads)
        .max(hwm);
    let mut lat = probes.latencies.clone();
    lat.sort();
    let lat_at = |p: usize| {
        lat.get((lat.len().saturating_sub(1)) * p / 100)
            .map_or("-".to_owned(), |d| {
                format!("{:.0} ms", d.as_secs_f64() * 1000.0)
            })
    };
    let _ = writeln!(
        report,
        "probes (normal GET, new connection each): {} ok, {} failed; latency median {}, p99 {}, max {}",
        probes.ok,
        probes.failed,
        lat_at(50),
        lat_at(99),
        lat_at(100)
    );
    if let Some(e) = &probes.first_failure {
        let _ = writeln!(report, "  first probe failure: {e}");
    }
    if probes.failed > 0 || probes.ok == 0 {
        failures.push(format!("{} probes failed", probes.failed));
    }
    let _ = writeln!(
        report,
        "simulator RSS: baseline {}, peak {} (bound {} MiB), at the end {}; run took {:.0} s; load average after: {}",
        mib(baseline),
        mib(peak),
        args.bound_mib,
        mib(end_rss),
        run_start.elapsed().as_secs_f64(),
        load_average()
    );
    if peak > args.bound_mib * 1024 {
        failures.push(format!(
            "peak RSS {} exceeds the bound of {} MiB",
            mib(peak),
            args.bound_mib
        ));
    }
    let alive = child.try_wait().map(|s| s.is_none()).unwrap_or(false);
    if !alive {
        failures.push("the simulator process died".into());
    }
    let _ = child.kill().await;

    println!("\n{report}");
    if failures.is_empty() {
        println!("stress-simulator: passed");
        Ok(ExitCode::SUCCESS)
    } else {
        for f in &failures {
            println!("FAILED: {f}");
        }
        Ok(ExitCode::FAILURE)
    }
}

#[derive(Default)]
struct ProbeStats {
    ok: usize,
    failed: usize,
    first_failure: Option<String>,
    latencies: Vec<Duration>,
}

async fn probe_once(http: &reqwest::Client, target: &Target) -> Result<(), String> {
    let r = http
        .get(format!(
            "{}/crm/v8/settings/data_sharing",
            target.api_domain
        ))
        .header("Authorization", format!("Zoho-oauthtoken {}", target.token))
        .send()
        .await
        .map_err(|e| format!("probe: {e}"))?;
    let status = r.status();
    let body = r.bytes().await.map_err(|e| format!("probe body: {e}"))?;
    if status != 200 || !body.starts_with(b"{\"data_sharing\"") {
        return Err(format!(
            "probe: HTTP {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        ));
    }
    Ok(())
}

/// What one slow client saw over the hold time.
#[derive(Default)]
struct SlowOutcome {
    /// Connections the server closed, with how long each had been open.
    closed_after: Vec<Duration>,
    /// Whether a connection was still open when the hold time ended, and since when.
    open_at_end: Option<Duration>,
}

/// One slow client for `hold`: it opens a connection, stays silent (or trickles a header byte
/// every two seconds), and opens a new one each time the server closes it.
async fn slow_client(host: String, trickle: bool, hold: Duration) -> SlowOutcome {
    let start = Instant::now();
    let mut out = SlowOutcome::default();
    while start.elapsed() < hold {
        let opened = Instant::now();
        let Ok(stream) = TcpStream::connect(&host).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let (mut rd, mut wr) = stream.into_split();
        let reader = async move {
            let mut buf = [0u8; 1024];
            loop {
                match rd.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        };
        let host2 = host.clone();
        let writer = async move {
            if trickle {
                let head = format!(
                    "GET /crm/v8/settings/data_sharing HTTP/1.1\r\nHost: {host2}\r\nX-Slow: "
                );
                if wr.write_all(head.as_bytes()).await.is_ok() {
                    loop {
                        tokio::time::sleep(Duration::from_secs(2)).await;
                        if wr.write_all(b"a").await.is_err() {
                            break;
                        }
                    }
                }
            }
            std::future::pending::<()>().await
        };
        let remaining = hold.saturating_sub(start.elapsed());
        tokio::select! {
            _ = reader => out.closed_after.push(opened.elapsed()),
            _ = writer => {}
            _ = tokio::time::sleep(remaining) => out.open_at_end = Some(opened.elapsed()),
        }
    }
    out
}

/// `n` refresh-token grants, 8 at a time; returns (minted, failed).
async fn token_churn(target: &Target, n: usize) -> (usize, usize) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let url = format!("{}/oauth/v2/token", target.api_domain);
    let next = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for _ in 0..8 {
        let (http, url, form, next) =
            (http.clone(), url.clone(), target.form.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let (mut ok, mut failed) = (0, 0);
            while (next.fetch_add(1, Ordering::Relaxed) as usize) < n {
                let answer = http
                    .post(&url)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(form.clone())
                    .send()
                    .await;
                let minted = match answer {
                    Ok(r) => r
                        .json::<Value>()
                        .await
                        .is_ok_and(|v| v["access_token"].is_string()),
                    Err(_) => false,
                };
                if minted {
                    ok += 1;
                } else {
                    failed += 1;
                }
            }
            (ok, failed)
        }));
    }
    let (mut ok, mut failed) = (0, 0);
    for w in workers {
        let (o, f) = w.await.unwrap_or((0, 0));
        ok += o;
        failed += f;
    }
    (ok, failed)
}

/// `n` concurrent unauthenticated uploads of `size` bytes; the outcome of each ("401", "413",
/// "closed before an answer", ...).
async fn uploads(target: &Target, n: usize, size: usize) -> Vec<String> {
    static CHUNK: [u8; 64 * 1024] = [b' '; 64 * 1024];
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let host = target.host.clone();
        tasks.push(tokio::spawn(async move {
            let Ok(stream) = TcpStream::connect(&host).await else {
                return "connect failed".to_owned();
            };
            let (mut rd, mut wr) = stream.into_split();
            let head = format!(
                "PUT /crm/v8/settings/data_sharing HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
            );
            let writer = tokio::spawn(async move {
                if wr.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let mut left = size;
                while left > 0 {
                    let k = left.min(CHUNK.len());
                    if wr.write_all(&CHUNK[..k]).await.is_err() {
                        return;
                    }
                    left -= k;
                }
                // Keep the write side open: the answer may come after the whole body.
                std::future::pending::<()>().await;
            });
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            let outcome = loop {
                match tokio::time::timeout(Duration::from_secs(60), rd.read(&mut buf)).await {
                    Err(_) => break "no answer within 60 s".to_owned(),
                    Ok(Ok(0)) | Ok(Err(_)) => break "closed before an answer".to_owned(),
                    Ok(Ok(k)) => {
                        got.extend_from_slice(&buf[..k]);
                        if let Some(line_end) = got.windows(2).position(|w| w == b"\r\n") {
                            let line = String::from_utf8_lossy(&got[..line_end]).into_owned();
                            break line
                                .split_whitespace()
                                .nth(1)
                                .unwrap_or("unparsable status line")
                                .to_owned();
                        }
                    }
                }
            };
            writer.abort();
            outcome
        }));
    }
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.unwrap_or_else(|_| "task failed".into()));
    }
    out
}
