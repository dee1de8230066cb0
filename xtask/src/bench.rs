//! `cargo xtask bench`: orchestration the criterion benches cannot do themselves.
//!
//! * `cargo xtask bench report`: reads criterion's raw samples (`target/criterion/**/new/`) and
//!   prints min/median/max per iteration, bytes/s at the median, and each benchmark's ratio to
//!   the baseline of its group (`value` or `raw_reqwest`), all from the same run.
//! * `cargo xtask bench build-cost`: cold `cargo build` of the crate (a snapshot of a git commit)
//!   against a baseline crate with the same runtime dependencies and no code generation, then
//!   no-op rebuilds and rebuilds after touching one `src/` file, checking that the build script
//!   (the code generator) did not run again. Everything is built under `target/` in separate
//!   target directories, at `nice -n 19` with `-j 2`; nothing here is committed.
//!
//! * `cargo xtask bench compare`: the client side by side with Zoho's Python SDK, raw Python
//!   `requests` and raw reqwest against one simulator (`bench_compare.rs`).
//!
//! See BENCHMARKS.md for the figures and how they were taken.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Instant, SystemTime};

/// Options of `cargo xtask bench`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Summarize the last `cargo bench` run (criterion's raw samples) as a Markdown table.
    Report {
        /// Criterion's output directory (default: `<target dir>/criterion`).
        #[arg(long)]
        criterion_dir: Option<PathBuf>,
    },
    /// Measure cold, no-op and touched-file builds of the crate against a baseline crate.
    BuildCost {
        /// Number of cold builds of each crate (each takes minutes on 2 cores).
        #[arg(long, default_value_t = 2)]
        cold: usize,
        /// Number of no-op and of touched-file rebuilds.
        #[arg(long, default_value_t = 3)]
        warm: usize,
        /// The commit whose tree is built.
        #[arg(long, default_value = "HEAD")]
        rev: String,
        /// Parallel jobs for cargo.
        #[arg(long, default_value_t = 2)]
        jobs: usize,
        /// Only write the snapshot and the baseline crate and fetch their dependencies.
        #[arg(long)]
        prepare_only: bool,
    },
    /// Side by side against one simulator: Zoho's Python SDK, raw Python `requests`, raw
    /// reqwest and this client (installs the pinned Python side; see BENCHMARKS.md, section 8).
    Compare(crate::bench_compare::Args),
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    match args.what {
        What::Report { criterion_dir } => report(criterion_dir),
        What::BuildCost {
            cold,
            warm,
            rev,
            jobs,
            prepare_only,
        } => build_cost(cold.max(1), warm.max(1), &rev, jobs.max(1), prepare_only),
        What::Compare(args) => crate::bench_compare::run(args),
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target"))
}

/// Minimum, median and maximum of a non-empty slice.
fn min_median_max(xs: &[f64]) -> (f64, f64, f64) {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    (v[0], median, v[n - 1])
}

fn human_ns(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

// ---------------------------------------------------------------------------------------------
// report

struct Bench {
    group: String,
    function: String,
    per_iter_ns: Vec<f64>,
    bytes: Option<f64>,
}

fn read_json(path: &Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn collect(dir: &Path, out: &mut Vec<Bench>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let new = path.join("new");
        if new.join("benchmark.json").is_file() && new.join("sample.json").is_file() {
            let meta = read_json(&new.join("benchmark.json"))?;
            let sample = read_json(&new.join("sample.json"))?;
            let numbers = |key: &str| -> Vec<f64> {
                sample[key]
                    .as_array()
                    .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
                    .unwrap_or_default()
            };
            let (iters, times) = (numbers("iters"), numbers("times"));
            if iters.is_empty() || iters.len() != times.len() {
                return Err(format!("{}: malformed sample.json", new.display()));
            }
            out.push(Bench {
                group: meta["group_id"].as_str().unwrap_or("?").to_owned(),
                function: meta["function_id"]
                    .as_str()
                    .or_else(|| meta["value_str"].as_str())
                    .unwrap_or("")
                    .to_owned(),
                per_iter_ns: times.iter().zip(&iters).map(|(t, i)| t / i).collect(),
                bytes: meta["throughput"]["Bytes"].as_f64(),
            });
        } else {
            collect(&path, out)?;
        }
    }
    Ok(())
}

const BASELINES: &[&str] = &["value", "raw_reqwest"];

fn report(dir: Option<PathBuf>) -> Result<ExitCode, String> {
    let dir = dir.unwrap_or_else(|| target_dir().join("criterion"));
    let mut benches = Vec::new();
    collect(&dir, &mut benches)?;
    if benches.is_empty() {
        return Err(format!(
            "no criterion results under {} (run `cargo bench` first)",
            dir.display()
        ));
    }
    let mut groups: BTreeMap<&str, Vec<&Bench>> = BTreeMap::new();
    for b in &benches {
        groups.entry(&b.group).or_default().push(b);
    }
    println!("| benchmark | samples | min | median | max | MiB/s (median) | median / baseline |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (group, mut members) in groups {
        members.sort_by_key(|b| {
            (
                !BASELINES.contains(&b.function.as_str()),
                b.function.clone(),
            )
        });
        let baseline = members
            .iter()
            .find(|b| BASELINES.contains(&b.function.as_str()))
            .map(|b| min_median_max(&b.per_iter_ns).1);
        for b in members {
            let (min, median, max) = min_median_max(&b.per_iter_ns);
            let rate = b
                .bytes
                .map(|bytes| format!("{:.1}", bytes / (median / 1e9) / (1024.0 * 1024.0)))
                .unwrap_or_else(|| "-".into());
            let ratio = match baseline {
                Some(base) if !BASELINES.contains(&b.function.as_str()) => {
                    format!("{:.3}", median / base)
                }
                Some(_) => "(baseline)".into(),
                None => "-".into(),
            };
            println!(
                "| {group}/{} | {} | {} | {} | {} | {rate} | {ratio} |",
                b.function,
                b.per_iter_ns.len(),
                human_ns(min),
                human_ns(median),
                human_ns(max),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------------
// build-cost

const CRATE: &str = "zoho-crm-access";

/// One timed cargo invocation.
struct Timed {
    seconds: f64,
    stderr: String,
}

fn cargo_build(dir: &Path, target: &Path, jobs: usize, extra: &[&str]) -> Result<Timed, String> {
    let mut cmd = Command::new("nice");
    cmd.args(["-n", "19", "cargo", "build", "--lib", "-j"])
        .arg(jobs.to_string())
        .args(extra)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_TERM_COLOR", "never")
        .env_remove("RUSTFLAGS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let output = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    let seconds = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        return Err(format!(
            "cargo build in {} failed:\n{stderr}",
            dir.display()
        ));
    }
    Ok(Timed { seconds, stderr })
}

fn run_checked(cmd: &mut Command) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed: {status}"))
    }
}

/// Extracts a top-level `[name]` table from a Cargo.toml, verbatim.
fn toml_section(text: &str, name: &str) -> Result<String, String> {
    let header = format!("[{name}]");
    let start = text
        .lines()
        .position(|l| l.trim() == header)
        .ok_or_else(|| format!("Cargo.toml has no {header}"))?;
    let body: Vec<&str> = text
        .lines()
        .skip(start + 1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .collect();
    Ok(format!("{header}\n{}\n", body.join("\n")))
}

/// The crate at `rev`, exported from git into `dir` (other helpers' uncommitted work is not in it).
fn snapshot(root: &Path, rev: &str, dir: &Path) -> Result<(), String> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let archive = Command::new("git")
        .args(["archive", "--format=tar", rev])
        .current_dir(root)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git archive: {e}"))?;
    let stdout = archive.stdout.ok_or("git archive has no stdout")?;
    run_checked(
        Command::new("tar")
            .args(["-x", "-C"])
            .arg(dir)
            .stdin(stdout),
    )
}

/// The baseline: the crate's `[dependencies]` and `[features]` (so default features match),
/// the crate's lock file (so versions match), and an empty library: no build script, no
/// generated code.
fn write_baseline(crate_dir: &Path, dir: &Path) -> Result<(), String> {
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml"))
        .map_err(|e| format!("cannot read the crate's Cargo.toml: {e}"))?;
    let deps = toml_section(&manifest, "dependencies")?;
    let features = toml_section(&manifest, "features")?;
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir.join("src")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let text = format!(
        "# Generated by `cargo xtask bench build-cost`: the crate's runtime dependencies and\n\
         # features, no build script, no generated code. Never committed.\n\
         [package]\nname = \"bench-baseline\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
         publish = false\n\n[workspace]\n\n{features}\n{deps}"
    );
    std::fs::write(dir.join("Cargo.toml"), text).map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("src/lib.rs"),
        "//! Baseline for the build-cost benchmark: dependencies only.\n",
    )
    .map_err(|e| e.to_string())?;
    std::fs::copy(crate_dir.join("Cargo.lock"), dir.join("Cargo.lock"))
        .map_err(|e| format!("cannot copy Cargo.lock: {e}"))?;
    Ok(())
}

/// `OUT_DIR/codegen.rs` files of the crate's build script runs, with their modification times.
fn generated_files(target: &Path) -> Vec<(PathBuf, SystemTime)> {
    let build = target.join("debug").join("build");
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&build) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let file = e.path().join("out").join("codegen.rs");
            if name.starts_with(CRATE) {
                if let Ok(meta) = std::fs::metadata(&file) {
                    if let Ok(m) = meta.modified() {
                        out.push((file, m));
                    }
                }
            }
        }
    }
    out.sort();
    out
}

/// Whether a `cargo build -v` log shows the crate's build script being run.
fn build_script_ran(stderr: &str) -> bool {
    stderr.lines().any(|l| {
        l.contains("Running `")
            && l.contains("build-script-build")
            && l.contains(&format!("build/{CRATE}-"))
    })
}

/// Durations of the interesting units from cargo's `--timings` HTML (best effort).
fn timing_breakdown(target: &Path) -> Vec<String> {
    let path = target.join("cargo-timings").join("cargo-timing.html");
    let Ok(html) = std::fs::read_to_string(&path) else {
        return vec![format!("(no {})", path.display())];
    };
    let Some(start) = html.find("UNIT_DATA = ") else {
        return vec!["(cargo-timing.html has no UNIT_DATA)".into()];
    };
    let rest = &html[start + "UNIT_DATA = ".len()..];
    let mut de = serde_json::Deserializer::from_str(rest).into_iter::<serde_json::Value>();
    let Some(Ok(serde_json::Value::Array(units))) = de.next() else {
        return vec!["(UNIT_DATA did not parse)".into()];
    };
    let mut rows: Vec<(f64, String)> = units
        .iter()
        .map(|u| {
            let name = u["name"].as_str().unwrap_or("?");
            let target = u["target"].as_str().unwrap_or("");
            let mode = u["mode"].as_str().unwrap_or("");
            let duration = u["duration"].as_f64().unwrap_or(0.0);
            (
                duration,
                format!("{name}{target} ({mode}): {duration:.1} s"),
            )
        })
        .collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let total: f64 = rows.iter().map(|r| r.0).sum();
    let mut out = vec![format!(
        "sum of unit durations: {total:.1} s over {} units; largest:",
        rows.len()
    )];
    out.extend(rows.into_iter().take(12).map(|r| format!("  {}", r.1)));
    let ours: Vec<String> = units
        .iter()
        .filter(|u| u["name"].as_str() == Some(CRATE))
        .map(|u| {
            format!(
                "  {CRATE}{} ({}): {:.1} s",
                u["target"].as_str().unwrap_or(""),
                u["mode"].as_str().unwrap_or(""),
                u["duration"].as_f64().unwrap_or(0.0)
            )
        })
        .collect();
    out.push("the crate's own units:".into());
    out.extend(ours);
    out
}

fn stats_row(name: &str, xs: &[f64], baseline: Option<&[f64]>) -> String {
    let (min, median, max) = min_median_max(xs);
    let ratio = baseline
        .map(|b| format!("{:.2}", median / min_median_max(b).1))
        .unwrap_or_else(|| "-".into());
    format!(
        "| {name} | {} | {min:.2} | {median:.2} | {max:.2} | {ratio} |",
        xs.len()
    )
}

fn build_cost(
    cold: usize,
    warm: usize,
    rev: &str,
    jobs: usize,
    prepare_only: bool,
) -> Result<ExitCode, String> {
    let root = crate::workspace_root();
    let base = target_dir();
    let crate_dir = base.join("bench-build").join("crate");
    let crate_target = base.join("bench-build").join("target");
    let baseline_dir = base.join("bench-baseline");
    let baseline_target = baseline_dir.join("target");

    eprintln!("snapshot of {rev} -> {}", crate_dir.display());
    snapshot(&root, rev, &crate_dir)?;
    write_baseline(&crate_dir, &baseline_dir)?;
    // Downloads (if any) and lock-file adjustments happen here, outside the timings.
    for dir in [&crate_dir, &baseline_dir] {
        run_checked(Command::new("cargo").arg("fetch").current_dir(dir))?;
    }
    if prepare_only {
        println!(
            "prepared {} and {}",
            crate_dir.display(),
            baseline_dir.display()
        );
        return Ok(ExitCode::SUCCESS);
    }

    let mut cold_crate = Vec::new();
    let mut cold_base = Vec::new();
    let mut breakdown = Vec::new();
    let mut noop_crate = Vec::new();
    let mut noop_base = Vec::new();
    let mut touch_crate = Vec::new();
    let mut touch_base = Vec::new();
    let mut regenerated = 0usize;
    let mut control = None;
    let touched = crate_dir.join("src").join("lib.rs");
    for i in 0..cold {
        for (name, dir, target, times) in [
            ("baseline", &baseline_dir, &baseline_target, &mut cold_base),
            (CRATE, &crate_dir, &crate_target, &mut cold_crate),
        ] {
            if target.exists() {
                std::fs::remove_dir_all(target)
                    .map_err(|e| format!("cannot clear {}: {e}", target.display()))?;
            }
            // Both with --timings, so its (small) cost is on both sides of the ratio.
            let t = cargo_build(dir, target, jobs, &["--timings"])?;
            eprintln!("cold {name} #{}: {:.1} s", i + 1, t.seconds);
            times.push(t.seconds);
            if name == CRATE && i == 0 {
                breakdown = timing_breakdown(target);
            }
        }
        if i > 0 {
            continue;
        }
        // The warm measurements right after the first cold pair, so they exist even when
        // later cold runs are cut short.
        for j in 0..warm {
            let b = cargo_build(&baseline_dir, &baseline_target, jobs, &[])?.seconds;
            let c = cargo_build(&crate_dir, &crate_target, jobs, &[])?.seconds;
            eprintln!("no-op #{}: baseline {b:.2} s, {CRATE} {c:.2} s", j + 1);
            noop_base.push(b);
            noop_crate.push(c);
        }
        for j in 0..warm {
            let before = generated_files(&crate_target);
            touch(&touched)?;
            let t = cargo_build(&crate_dir, &crate_target, jobs, &["-v"])?;
            let after = generated_files(&crate_target);
            let ran = build_script_ran(&t.stderr) || before != after;
            eprintln!(
                "touch src/lib.rs #{}: {:.1} s, build script ran: {ran} ({} generated file(s) checked)",
                j + 1,
                t.seconds,
                after.len()
            );
            if ran {
                regenerated += 1;
            }
            touch_crate.push(t.seconds);
            touch(&baseline_dir.join("src").join("lib.rs"))?;
            touch_base.push(cargo_build(&baseline_dir, &baseline_target, jobs, &[])?.seconds);
        }
        // Control: the detector must see generation re-run when its input changes.
        let before = generated_files(&crate_target);
        touch(&crate_dir.join("spec").join("zoho-crm-access.yaml"))?;
        let t = cargo_build(&crate_dir, &crate_target, jobs, &["-v"])?;
        let after = generated_files(&crate_target);
        control = Some((t.seconds, build_script_ran(&t.stderr) && before != after));
        eprintln!(
            "control: touch spec: {:.1} s, build script ran: {:?}",
            t.seconds, control
        );
    }

    println!("Build cost of `{CRATE}` at {rev} (seconds; `cargo build --lib -j {jobs}` under nice -n 19)\n");
    println!("| build | runs | min | median | max | median / baseline |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "{}",
        stats_row("cold, baseline (same deps, no codegen)", &cold_base, None)
    );
    println!(
        "{}",
        stats_row(&format!("cold, {CRATE}"), &cold_crate, Some(&cold_base))
    );
    println!("{}", stats_row("no-op rebuild, baseline", &noop_base, None));
    println!(
        "{}",
        stats_row(
            &format!("no-op rebuild, {CRATE}"),
            &noop_crate,
            Some(&noop_base)
        )
    );
    println!(
        "{}",
        stats_row("touch src/lib.rs, baseline", &touch_base, None)
    );
    println!(
        "{}",
        stats_row(
            &format!("touch src/lib.rs, {CRATE}"),
            &touch_crate,
            Some(&touch_base)
        )
    );
    println!(
        "\nbuild script (code generation) re-ran after touching src/lib.rs: {regenerated} of {warm} rebuilds"
    );
    if let Some((seconds, ran)) = control {
        println!(
            "control: after touching spec/zoho-crm-access.yaml the build script re-ran: {ran} \
             (rebuild {seconds:.1} s)"
        );
    }
    println!("\nFirst cold build of the crate, from `cargo build --timings`:");
    for line in breakdown {
        println!("{line}");
    }
    Ok(if regenerated == 0 && control.is_some_and(|c| c.1) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn touch(path: &Path) -> Result<(), String> {
    let file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    file.set_modified(SystemTime::now())
        .map_err(|e| format!("cannot touch {}: {e}", path.display()))
}
