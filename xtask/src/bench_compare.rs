//! `cargo xtask bench compare`: this crate's client side by side with what users would pick
//! instead, in one run against one simulator (BENCHMARKS.md, section 8).
//!
//! 1. Installs the Python side from `requirements-bench.txt` (exact versions, hashes checked,
//!    `--no-deps`) into `target/bench-venv/`, from PyPI, unless that venv already holds exactly
//!    that file's pins. Nothing fetched is committed.
//! 2. Builds `benches/sdk_compare.rs` in the `bench` profile (optimized, like `--release`).
//! 3. Starts one server process (that binary as `server`: the simulator, seeded with 200
//!    sharing rules in `Leads` and a record locking configuration in `Deals`) and four worker
//!    processes, one per side, each kept for the whole run:
//!    `sdk` (Zoho's Python SDK, `zohocrmsdk8-0`), `requests` (raw `requests.Session`),
//!    `raw_reqwest` (raw `reqwest` + `serde_json::Value`) and `client` (`zoho_crm_access::Client`).
//! 4. Runs rounds. In every round each side measures every call (`org_permissions`,
//!    `record_locking`, `sharing_rules_200`) sequentially (one thread or task) and concurrently
//!    (`--concurrency` threads for Python, Tokio tasks for Rust), one side at a time, in an order
//!    that rotates from round to round, so drift on the machine hits every side alike. One
//!    measurement: the side's threads make a checked warm-up call each (the answer must match
//!    what the server read back), then call in a loop for `--seconds`; the worker reports the
//!    count, the wall time and its own process CPU time over exactly that interval (getrusage);
//!    the server reports its request count and CPU time around it.
//! 5. Prints medians over the rounds and ratios taken within each round (against the SDK and
//!    against raw reqwest of the same round), and writes every sample as JSON under
//!    `target/bench-compare/`.
//!
//! A first, shorter round (not counted) warms every side and checks every call before the clock
//! counts. The load average is read before, between and after the rounds.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

const REQUIREMENTS: &str = "requirements-bench.txt";
const PY_WORKER: &str = "bench/python/compare_worker.py";
const BENCH: &str = "sdk_compare";

/// Sides in the order of the table; the first is the baseline of "÷ SDK".
const SIDES: &[(&str, &str)] = &[
    ("sdk", "Zoho Python SDK (`zohocrmsdk8-0`)"),
    ("requests", "Python `requests.Session`"),
    ("raw_reqwest", "raw `reqwest` + `Value`"),
    ("client", "`zoho_crm_access::Client`"),
];
const OPS: &[(&str, &str)] = &[
    ("org_permissions", "org permissions get"),
    ("record_locking", "record locking get (`Deals`)"),
    ("sharing_rules_200", "sharing rules, 200-rule page"),
];

/// Options of `cargo xtask bench compare`.
#[derive(clap::Args)]
pub struct Args {
    /// Rounds that count (medians are over these).
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Seconds each side calls in one measurement.
    #[arg(long, default_value_t = 1.0)]
    seconds: f64,
    /// Threads (Python) or tasks (Rust) in the concurrent measurements.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Only these sides (comma-separated: sdk, requests, raw_reqwest, client).
    #[arg(long, value_delimiter = ',')]
    sides: Vec<String>,
    /// Where to write every sample as JSON (default: `target/bench-compare/compare-<time>.json`).
    #[arg(long)]
    json: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let started = Instant::now();
    let started_utc = utc_now();
    let root = crate::workspace_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let sides: Vec<(&'static str, &'static str)> = if args.sides.is_empty() {
        SIDES.to_vec()
    } else {
        for s in &args.sides {
            if !SIDES.iter().any(|(name, _)| name == s) {
                return Err(format!(
                    "unknown side {s:?} (sdk, requests, raw_reqwest, client)"
                ));
            }
        }
        SIDES
            .iter()
            .filter(|(name, _)| args.sides.iter().any(|s| s == name))
            .copied()
            .collect()
    };
    let rounds = args.rounds.max(1);
    let concurrency = args.concurrency.max(2);
    let seconds = args.seconds.clamp(0.1, 60.0);

    let venv = target.join("bench-venv");
    let python_sides = sides.iter().any(|(s, _)| *s == "sdk" || *s == "requests");
    if python_sides {
        step("install the Python side (requirements-bench.txt)");
        ensure_venv(&root, &venv)?;
    }
    step("build benches/sdk_compare.rs (bench profile)");
    let bin = build_bench(&root)?;
    eprintln!("    {}", bin.display());

    step("start the simulator");
    let mut server_cmd = Command::new(&bin);
    server_cmd.env("BENCH_COMPARE_ROLE", "server");
    let mut server = Proc::spawn("server", server_cmd)?;
    let info = server.recv(Duration::from_secs(60))?;
    eprintln!(
        "    {} ({} seeded sharing rules in Leads; answers: {})",
        info["api_domain"].as_str().unwrap_or("?"),
        info["seeded_rules"],
        info["body_bytes"]
    );

    step("start the workers");
    let work_dir = target.join("bench-compare");
    std::fs::create_dir_all(&work_dir)
        .map_err(|e| format!("cannot create {}: {e}", work_dir.display()))?;
    let mut workers = Vec::new();
    let mut versions = serde_json::Map::new();
    for (side, _) in &sides {
        let mut cmd = match *side {
            "sdk" | "requests" => {
                let mut cmd = Command::new(venv.join("bin/python"));
                cmd.arg(root.join(PY_WORKER))
                    .arg(side)
                    .env("BENCH_WORK_DIR", work_dir.join(side))
                    .env("PYTHONDONTWRITEBYTECODE", "1");
                cmd
            }
            _ => {
                let mut cmd = Command::new(&bin);
                cmd.env("BENCH_COMPARE_ROLE", side);
                cmd
            }
        };
        cmd.env("BENCH_SIM", info.to_string()).current_dir(&root);
        let mut w = Proc::spawn(side, cmd)?;
        let ready = w.recv(Duration::from_secs(120))?;
        if ready["ready"].as_str() != Some(side) {
            return Err(format!("{side}: unexpected first line {ready}"));
        }
        eprintln!("    {side}: {}", ready["versions"]);
        versions.insert((*side).into(), ready["versions"].clone());
        workers.push(w);
    }
    let token_requests_after_setup = server.stats()?["token_requests"].clone();

    let modes = [1, concurrency];
    let per_round = OPS.len() * modes.len() * sides.len();
    eprintln!(
        "\n{rounds} rounds x {per_round} measurements of {seconds} s (+ a warm-up round of 0.3 s each); about {:.0} s",
        (rounds as f64 * seconds + 0.3) * per_round as f64 * 1.15 + 10.0
    );
    let mut loads = vec![loadavg()];
    let mut samples: Vec<Sample> = Vec::new();
    for round in 0..=rounds {
        let (secs, counted) = if round == 0 {
            (0.3, false)
        } else {
            (seconds, true)
        };
        step(&if counted {
            format!("round {round}/{rounds}")
        } else {
            "warm-up round (not counted)".to_owned()
        });
        let mut k = round;
        for (op, _) in OPS {
            for &c in &modes {
                // Rotate which side goes first, per round and per scenario.
                k += 1;
                for i in 0..workers.len() {
                    let w = (i + k) % workers.len();
                    let side = sides[w].0;
                    let s = measure(
                        &mut workers[w],
                        &mut server,
                        &info,
                        op,
                        c,
                        secs,
                        round,
                        side,
                    )?;
                    eprintln!(
                        "    {op:<18} C={c:<2} {side:<12} {:>9.0} req/s  {:>8.1} µs CPU/call  server {:>6.1} µs/call",
                        s.rate(),
                        s.cpu_per_call() * 1e6,
                        s.server_cpu_per_call() * 1e6,
                    );
                    if counted {
                        samples.push(s);
                    }
                }
            }
        }
        loads.push(loadavg());
    }
    let token_requests_end = server.stats()?["token_requests"].clone();
    for w in &mut workers {
        w.quit();
    }
    server.quit();

    let elapsed = started.elapsed().as_secs_f64();
    let table = render(&samples, &sides, rounds, concurrency);
    let load_1m: Vec<f64> = loads.iter().map(|l| l.0).collect();
    let (lmin, lmax) = load_1m
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    println!();
    println!(
        "Side by side, started {started_utc}, {rounds} rounds, {seconds} s per measurement, \
         concurrency {concurrency}; load average (1 min) {lmin:.2}-{lmax:.2} during the run; \
         whole command {elapsed:.0} s (build and install included)."
    );
    println!(
        "Answers: {}; server worker threads: {}; token requests: {} after setup, {} at the end.",
        info["body_bytes"], info["server_threads"], token_requests_after_setup, token_requests_end
    );
    println!();
    println!("{table}");

    let out = match args.json {
        Some(p) => p,
        None => work_dir.join(format!(
            "compare-{}.json",
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        )),
    };
    let record = json!({
        "started_utc": started_utc,
        "rounds": rounds,
        "seconds": seconds,
        "concurrency": concurrency,
        "elapsed_s": elapsed,
        "loadavg": loads.iter().map(|l| json!([l.0, l.1, l.2])).collect::<Vec<_>>(),
        "nproc": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "versions": versions,
        "server": {
            "body_bytes": info["body_bytes"],
            "expect": info["expect"],
            "server_threads": info["server_threads"],
            "token_requests": token_requests_end,
        },
        "samples": samples.iter().map(Sample::to_json).collect::<Vec<_>>(),
        "table": table,
    });
    std::fs::write(
        &out,
        serde_json::to_string_pretty(&record).unwrap_or_default(),
    )
    .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("every sample: {}", out.display());
    Ok(ExitCode::SUCCESS)
}

fn step(name: &str) {
    eprintln!("\n--> {name}");
}

/// The time as `date -u` prints it (empty if `date` is missing).
fn utc_now() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M:%S UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// The 1, 5 and 15 minute load averages.
fn loadavg() -> (f64, f64, f64) {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut it = text
        .split_whitespace()
        .map(|x| x.parse::<f64>().unwrap_or(f64::NAN));
    (
        it.next().unwrap_or(f64::NAN),
        it.next().unwrap_or(f64::NAN),
        it.next().unwrap_or(f64::NAN),
    )
}

// ---------------------------------------------------------------------------------------------
// Install and build

/// `target/bench-venv/` with exactly the pins of requirements-bench.txt (hash-checked); reused
/// while a copy of that file inside the venv matches it.
fn ensure_venv(root: &Path, venv: &Path) -> Result<(), String> {
    let req_path = root.join(REQUIREMENTS);
    let wanted = std::fs::read_to_string(&req_path)
        .map_err(|e| format!("cannot read {}: {e}", req_path.display()))?;
    let stamp = venv.join(".requirements-bench.txt");
    let python = venv.join("bin/python");
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&wanted) {
        eprintln!("    {} is current; reusing it", venv.display());
        return Ok(());
    }
    if venv.exists() {
        std::fs::remove_dir_all(venv)
            .map_err(|e| format!("cannot clear {}: {e}", venv.display()))?;
    }
    run_cmd(Command::new("python3").args(["-m", "venv"]).arg(venv))
        .map_err(|e| format!("{e} (needs Python 3.9+ with the venv module)"))?;
    run_cmd(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--quiet",
                "--require-hashes",
                "--no-deps",
                "-r",
            ])
            .arg(&req_path),
    )?;
    // --no-deps installs only what the file pins: make sure that is everything they need.
    run_cmd(Command::new(&python).args(["-m", "pip", "check", "--disable-pip-version-check"]))?;
    std::fs::write(&stamp, &wanted)
        .map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(())
}

fn run_cmd(cmd: &mut Command) -> Result<(), String> {
    eprintln!("    $ {cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed: {status}"))
    }
}

/// Builds the bench binary (bench profile) and returns its path, as cargo reports it.
fn build_bench(root: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "bench",
            "--bench",
            BENCH,
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo bench --bench {BENCH} --no-run failed"));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == BENCH)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| format!("cargo reported no executable for the {BENCH} bench"))
}

// ---------------------------------------------------------------------------------------------
// Processes speaking JSON lines

struct Proc {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

impl Proc {
    fn spawn(name: &str, mut cmd: Command) -> Result<Proc, String> {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {name} ({cmd:?}): {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Proc {
            name: name.to_owned(),
            stdin: child.stdin.take(),
            child,
            lines: rx,
        })
    }

    fn send(&mut self, line: &str) -> Result<(), String> {
        let stdin = self.stdin.as_mut().ok_or("stdin closed")?;
        writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("{}: cannot write to it: {e}", self.name))
    }

    fn recv(&mut self, timeout: Duration) -> Result<Value, String> {
        let line = self.lines.recv_timeout(timeout).map_err(|e| match e {
            mpsc::RecvTimeoutError::Timeout => {
                format!("{}: no answer within {timeout:?}", self.name)
            }
            mpsc::RecvTimeoutError::Disconnected => {
                format!("{}: exited ({:?})", self.name, self.child.try_wait())
            }
        })?;
        serde_json::from_str(&line).map_err(|e| format!("{}: not JSON ({e}): {line}", self.name))
    }

    /// The server's counters and CPU time.
    fn stats(&mut self) -> Result<Value, String> {
        self.send("stats")?;
        self.recv(Duration::from_secs(30))
    }

    fn quit(&mut self) {
        let _ = self.send(r#"{"cmd":"quit"}"#);
        self.stdin = None;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stdin = None;
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Measurements

struct Sample {
    round: usize,
    op: &'static str,
    concurrency: usize,
    side: &'static str,
    requests: u64,
    wall_s: f64,
    cpu_s: f64,
    user_s: f64,
    sys_s: f64,
    server_cpu_s: f64,
    server_requests: u64,
}

impl Sample {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.wall_s
    }
    fn cpu_per_call(&self) -> f64 {
        self.cpu_s / self.requests.max(1) as f64
    }
    fn server_cpu_per_call(&self) -> f64 {
        self.server_cpu_s / self.requests.max(1) as f64
    }
    fn to_json(&self) -> Value {
        json!({
            "round": self.round, "op": self.op, "concurrency": self.concurrency,
            "side": self.side, "requests": self.requests, "wall_s": self.wall_s,
            "cpu_s": self.cpu_s, "user_s": self.user_s, "sys_s": self.sys_s,
            "server_cpu_s": self.server_cpu_s, "server_requests": self.server_requests,
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn measure(
    worker: &mut Proc,
    server: &mut Proc,
    info: &Value,
    op: &'static str,
    concurrency: usize,
    seconds: f64,
    round: usize,
    side: &'static str,
) -> Result<Sample, String> {
    worker.send(&json!({"cmd": "prepare", "op": op, "concurrency": concurrency}).to_string())?;
    let prepared = worker.recv(Duration::from_secs(120))?;
    if let Some(e) = prepared["error"].as_str() {
        return Err(format!("{side} {op}: warm-up call failed: {e}"));
    }
    let expected = info["expect"][op].as_str().unwrap_or("?");
    if prepared["check"].as_str() != Some(expected) {
        return Err(format!(
            "{side} {op}: read {} but the server answers {expected:?}",
            prepared["check"]
        ));
    }
    let before = server.stats()?;
    worker.send(&json!({"cmd": "go", "seconds": seconds}).to_string())?;
    let result = worker.recv(Duration::from_secs_f64(seconds + 300.0))?;
    let after = server.stats()?;
    if let Some(e) = result["error"].as_str() {
        return Err(format!("{side} {op} C={concurrency}: a call failed: {e}"));
    }
    let f = |v: &Value, k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    let requests = result["requests"].as_u64().unwrap_or(0);
    if requests == 0 {
        return Err(format!("{side} {op}: no call completed: {result}"));
    }
    let server_requests = after["api_requests"]
        .as_u64()
        .unwrap_or(0)
        .saturating_sub(before["api_requests"].as_u64().unwrap_or(0));
    if server_requests != requests {
        return Err(format!(
            "{side} {op}: {requests} calls made {server_requests} requests to the server"
        ));
    }
    Ok(Sample {
        round,
        op,
        concurrency,
        side,
        requests,
        wall_s: f(&result, "wall_s"),
        cpu_s: f(&result, "cpu_s"),
        user_s: f(&result, "user_s"),
        sys_s: f(&result, "sys_s"),
        server_cpu_s: f(&after, "cpu_s") - f(&before, "cpu_s"),
        server_requests,
    })
}

// ---------------------------------------------------------------------------------------------
// Report

fn median(xs: &mut [f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// Median, min and max.
fn stats(mut xs: Vec<f64>) -> (f64, f64, f64) {
    let m = median(&mut xs);
    (
        m,
        xs.first().copied().unwrap_or(f64::NAN),
        xs.last().copied().unwrap_or(f64::NAN),
    )
}

fn ratio_cell(xs: Vec<f64>) -> String {
    if xs.is_empty() {
        return "-".into();
    }
    let (m, lo, hi) = stats(xs);
    let p = |x: f64| {
        if x >= 100.0 {
            format!("{x:.0}")
        } else if x >= 10.0 {
            format!("{x:.1}")
        } else {
            format!("{x:.2}")
        }
    };
    format!("**{}** ({}-{})", p(m), p(lo), p(hi))
}

fn render(samples: &[Sample], sides: &[(&str, &str)], rounds: usize, concurrency: usize) -> String {
    let mut by: BTreeMap<(&str, usize, &str, usize), &Sample> = BTreeMap::new();
    for s in samples {
        by.insert((s.op, s.concurrency, s.side, s.round), s);
    }
    let mut out = String::new();
    out.push_str(
        "| call | mode | side | req/s | client CPU µs/call | server CPU µs/call | cores busy: client / server | req/s ÷ SDK | SDK CPU ÷ CPU | req/s ÷ raw reqwest | CPU ÷ raw reqwest |\n",
    );
    out.push_str("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (op, op_label) in OPS {
        for c in [1, concurrency] {
            let mode = if c == 1 {
                "sequential".to_owned()
            } else {
                format!("{c} threads / tasks")
            };
            for (side, label) in sides {
                let mine: Vec<&Sample> = (1..=rounds)
                    .filter_map(|r| by.get(&(*op, c, *side, r)).copied())
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                let (rate, ..) = stats(mine.iter().map(|s| s.rate()).collect());
                let (cpu, ..) = stats(mine.iter().map(|s| s.cpu_per_call() * 1e6).collect());
                let (srv, ..) = stats(mine.iter().map(|s| s.server_cpu_per_call() * 1e6).collect());
                let (busy, ..) = stats(mine.iter().map(|s| s.cpu_s / s.wall_s).collect());
                let (srv_busy, ..) =
                    stats(mine.iter().map(|s| s.server_cpu_s / s.wall_s).collect());
                // Ratios within each round, then their median (min-max).
                let per_round = |base: &str, f: &dyn Fn(&Sample, &Sample) -> f64| -> Vec<f64> {
                    if *side == base {
                        return Vec::new();
                    }
                    mine.iter()
                        .filter_map(|s| by.get(&(*op, c, base, s.round)).map(|b| f(s, b)))
                        .collect()
                };
                let thr = |s: &Sample, b: &Sample| s.rate() / b.rate();
                let sdk_cpu = |s: &Sample, b: &Sample| b.cpu_per_call() / s.cpu_per_call();
                let raw_cpu = |s: &Sample, b: &Sample| s.cpu_per_call() / b.cpu_per_call();
                let base_cell = |base: &str, xs: Vec<f64>| {
                    if *side == base {
                        "(baseline)".to_owned()
                    } else {
                        ratio_cell(xs)
                    }
                };
                out.push_str(&format!(
                    "| {op_label} | {mode} | {label} | {rate:.0} | {cpu:.1} | {srv:.1} | {busy:.2} / {srv_busy:.2} | {} | {} | {} | {} |\n",
                    base_cell("sdk", per_round("sdk", &thr)),
                    base_cell("sdk", per_round("sdk", &sdk_cpu)),
                    base_cell("raw_reqwest", per_round("raw_reqwest", &thr)),
                    base_cell("raw_reqwest", per_round("raw_reqwest", &raw_cpu)),
                ));
            }
        }
    }
    out.push_str(&goals(&by, rounds, concurrency));
    out
}

/// The issue's goals for `client` against `sdk`, per call and mode, and how much CPU the server
/// spends per call against the client: above 1, the simulator (on the same cores) limits the
/// client's throughput more than the client does.
fn goals(
    by: &BTreeMap<(&str, usize, &str, usize), &Sample>,
    rounds: usize,
    concurrency: usize,
) -> String {
    let mut out = String::from(
        "\n| call | mode | client req/s ÷ SDK (goal >= 10) | SDK CPU ÷ client CPU per call (goal >= 20) | server CPU ÷ client CPU per call |\n|---|---|---:|---:|---:|\n",
    );
    for (op, op_label) in OPS {
        for c in [1, concurrency] {
            let pairs: Vec<(&Sample, &Sample)> = (1..=rounds)
                .filter_map(|r| {
                    Some((
                        *by.get(&(*op, c, "client", r))?,
                        *by.get(&(*op, c, "sdk", r))?,
                    ))
                })
                .collect();
            if pairs.is_empty() {
                continue;
            }
            let (thr, ..) = stats(pairs.iter().map(|(m, b)| m.rate() / b.rate()).collect());
            let (cpu, ..) = stats(
                pairs
                    .iter()
                    .map(|(m, b)| b.cpu_per_call() / m.cpu_per_call())
                    .collect(),
            );
            let (srv, ..) = stats(
                pairs
                    .iter()
                    .map(|(m, _)| m.server_cpu_per_call() / m.cpu_per_call())
                    .collect(),
            );
            let verdict = |x: f64, goal: f64| if x >= goal { "met" } else { "missed" };
            let mode = if c == 1 {
                "sequential".to_owned()
            } else {
                format!("{c} threads / tasks")
            };
            out.push_str(&format!(
                "| {op_label} | {mode} | {thr:.1} ({}) | {cpu:.1} ({}) | {srv:.2}{} |\n",
                verdict(thr, 10.0),
                verdict(cpu, 20.0),
                if srv > 1.0 {
                    " (the server costs more than the client)"
                } else {
                    ""
                },
            ));
        }
    }
    out
}
