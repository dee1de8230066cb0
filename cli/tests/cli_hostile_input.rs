//! Hostile input to the CLI (issue 11, items 3 and 5), each reproduced first:
//!
//! - **Control characters from a server never reach a terminal.** Before: `--output table`
//!   printed a rule name's ESC `]0;...` BEL (window title) and ESC `[2J` (clear screen) raw,
//!   and the `error:` line repeated Zoho's `message` and `details.api_name` raw (ESC, BEL,
//!   CR, C1 CSI). Now tables, the demo's text and every stderr line escape them visibly; JSON
//!   and YAML stay exact and escape them in their own syntax.
//! - **Request bodies are bounded.** Before: `org-permissions set --file /dev/zero` reached
//!   3.65 GB RSS in 5 s (2.07 GB in under 2 s measured again here), and 700,000
//!   org-permission items took 1 GB before the 1..100 check. Now a body is read up to 1 MiB
//!   + 1 byte, then refused with exit 2 and one line, so peak memory stays bounded.
//!
//! Memory is asserted on the child's peak resident set size, never on time: `VmHWM` of
//! `/proc/<pid>/status`, read when the kernel stops the (traced) child on its way out, and
//! polled while it runs so that a regression is killed as soon as it passes the bound
//! instead of eating the machine (see `run_measured`).

mod cli_support;

use cli_support::{api_requests, run, run_with};
use serde_json::{json, Value};
use zoho_crm_access_simulator::Simulator;

/// A name built to attack a terminal: set the window title (OSC ... BEL), clear the screen
/// (CSI 2J), carriage return over the line, a C1 CSI (U+009B) colour, DEL, and a
/// right-to-left override.
const EVIL: &str = "ok\u{1b}]0;pwned\u{7}\u{1b}[2J\rnope\u{9b}31m\u{7f}\u{202e}txt";

/// No character a terminal would act on: every control character but the newline.
fn assert_terminal_safe(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: raw control characters {bad:?} in:\n{text}"
    );
}

#[tokio::test]
async fn server_text_is_escaped_in_tables_and_exact_in_json_and_yaml() {
    let sim = Simulator::start().await.unwrap();
    let rule = json!({ "name": EVIL, "superiors_allowed": false, "type": "Criteria_Based",
        "criteria": { "comparator": "equal", "field": { "api_name": "City" }, "value": EVIL },
        "shared_to": { "type": "all_users", "subordinates": false }, "permission_type": "read" });
    let id = run(
        &sim,
        &["sharing-rules", "create", "--module", "Leads"],
        Some(&rule.to_string()),
    )
    .await
    .ok_json()["details"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Tables: visible escapes instead.
    for args in [
        &["--output", "table", "sharing-rules", "list"][..],
        &["--output", "table", "sharing-rules", "get", "--id", &id][..],
        &["--output", "table", "export"][..],
    ] {
        let out = run(&sim, args, None).await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_terminal_safe(&format!("{args:?}"), &out.stdout);
        assert!(
            out.stdout
                .contains("ok\\e]0;pwned\\x07\\e[2J\\rnope\\u{009b}31m\\x7f\\u{202e}txt"),
            "{args:?}:\n{}",
            out.stdout
        );
    }

    // JSON: exact (the name parses back byte for byte), yet no raw control character.
    let json_out = run(&sim, &["sharing-rules", "get", "--id", &id], None).await;
    assert_terminal_safe("json", &json_out.stdout);
    let doc = json_out.ok_json();
    assert_eq!(doc["name"], EVIL);
    assert_eq!(doc["criteria"]["value"], EVIL);

    // YAML: the same document, escaped in YAML's syntax.
    let yaml = run(
        &sim,
        &["--output", "yaml", "sharing-rules", "get", "--id", &id],
        None,
    )
    .await;
    assert_eq!(yaml.code, 0);
    assert_terminal_safe("yaml", &yaml.stdout);
    let parsed: Value = serde_norway::from_str(&yaml.stdout).unwrap();
    assert_eq!(parsed, doc);
}

/// A loopback server answering every call with a Zoho error whose message and details carry
/// terminal controls, and the org permissions with a body that fails to decode on a value
/// holding them.
async fn hostile_server() -> String {
    use axum::{routing::any, Router};
    let error = json!({ "code": "INVALID_DATA", "status": "error",
        "message": format!("bad {EVIL}"),
        "details": { "api_name": EVIL, "json_path": format!("$.x{EVIL}") } });
    let app = Router::new()
        .route(
            "/crm/v8/settings/data_sharing",
            any(|| async {
                (
                    [("content-type", "application/json")],
                    json!({ "data_sharing": [{ "share_type": "private",
                        "public_in_portals": EVIL,
                        "module": { "api_name": EVIL, "id": "1" } }] })
                    .to_string(),
                )
            }),
        )
        .fallback(any(move || {
            let body = error.to_string();
            async move {
                (
                    axum::http::StatusCode::BAD_REQUEST,
                    [("content-type", "application/json")],
                    body,
                )
            }
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let domain = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    domain
}

#[tokio::test]
async fn error_lines_escape_what_the_server_said() {
    let domain = hostile_server().await;
    let token = [("ZOHO_ACCESS_TOKEN", "1000.t")];
    // Zoho's message and details in the `error:` line.
    let out = run_with(
        &["--api-domain", &domain, "sharing-rules", "list"],
        &token,
        None,
    )
    .await;
    let text = out.failed(1);
    assert_terminal_safe("stderr", &out.stderr);
    assert!(text.contains("INVALID_DATA"), "{text}");
    assert!(
        text.contains("bad ok\\e]0;pwned\\x07\\e[2J\\rnope"),
        "{text}"
    );
    assert_eq!(out.stderr.lines().count(), text.lines().count());

    // A body that does not decode: the `error:` line and its `caused by:` lines.
    let out = run_with(
        &["--api-domain", &domain, "org-permissions", "get"],
        &token,
        None,
    )
    .await;
    out.failed(1);
    assert_terminal_safe("stderr of a decode failure", &out.stderr);
    assert!(out.stderr.contains("public_in_portals"), "{}", out.stderr);

    // The same error under --output table and yaml: stdout stays empty.
    for format in ["table", "yaml"] {
        let out = run_with(
            &[
                "--api-domain",
                &domain,
                "--output",
                format,
                "sharing-rules",
                "list",
            ],
            &token,
            None,
        )
        .await;
        out.failed(1);
        assert!(out.stdout.is_empty());
        assert_terminal_safe(format, &out.stderr);
    }
}

/// What a measured run of the binary gave.
#[derive(Debug)]
struct Measured {
    code: i32,
    stderr: String,
    /// The child's peak resident set size (`VmHWM` in /proc/<pid>/status), KiB, read when
    /// it was about to exit (or when it passed the bound and was killed).
    peak_kib: u64,
}

/// What the child's stdin gets.
enum Feed {
    Nothing,
    /// Zeros, until the child stops reading.
    Endless,
    Bytes(Vec<u8>),
}

/// The bound every run below must stay under: the debug binary peaks at about 10 to 20 MiB
/// for any command; reading a body adds at most its 1 MiB limit (and parsing one a few MiB).
const BOUND_KIB: u64 = 64 * 1024;

#[cfg(target_os = "linux")]
fn vm_hwm_kib(pid: libc::pid_t) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs the binary with `args`, feeding its stdin, and reads its peak RSS from /proc.
///
/// The peak must be read while the process still has its memory: once it has exited, /proc
/// shows no `VmHWM`, and `wait4`'s `ru_maxrss` also counts the test process's own pages the
/// child held between fork and exec. So the child runs traced (`PTRACE_TRACEME`) with
/// `PTRACE_O_TRACEEXIT`: the kernel stops it on its way out, with its memory intact, and the
/// peak read then is the whole run's. While it runs, /proc is polled too, and the child is
/// killed as soon as it passes [`BOUND_KIB`]. Where tracing is not permitted (a container
/// without ptrace), only the polling remains: it still catches memory that grows for longer
/// than a few milliseconds, as an unbounded read does. Blocking.
#[cfg(target_os = "linux")]
fn run_measured(args: &[&str], env: &[(&str, &str)], feed: Feed) -> Measured {
    match measure(args, env, feed, true) {
        Ok(m) => m,
        Err(feed) => {
            eprintln!("ptrace is not permitted here: the peak is polled from /proc only");
            measure(args, env, feed, false).unwrap_or_else(|_| unreachable!())
        }
    }
}

/// One measured run; gives `feed` back when a traced child cannot be started.
#[cfg(target_os = "linux")]
fn measure(
    args: &[&str],
    env: &[(&str, &str)],
    feed: Feed,
    traced: bool,
) -> Result<Measured, Feed> {
    use std::io::{Read, Write};
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zoho-access"));
    cmd.env_remove("ZOHO_ACCESS_TOKEN")
        .env_remove("RUST_LOG")
        .env("XDG_CACHE_HOME", cli_support::cache_home())
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .stdin(match feed {
            Feed::Nothing => Stdio::null(),
            _ => Stdio::piped(),
        });
    if traced {
        // SAFETY: between fork and exec, only the async-signal-safe ptrace call.
        unsafe {
            cmd.pre_exec(|| {
                if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if traced && e.kind() == std::io::ErrorKind::PermissionDenied => return Err(feed),
        Err(e) => panic!("the binary does not start: {e}"),
    };
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    if traced {
        // The stop at exec: set the exit-stop option, then let it run.
        // SAFETY: waitpid and ptrace on our own traced child.
        unsafe {
            assert_eq!(libc::waitpid(pid, &mut status, 0), pid);
            assert!(libc::WIFSTOPPED(status), "stopped at exec");
            let options = libc::PTRACE_O_TRACEEXIT | libc::PTRACE_O_EXITKILL;
            assert_eq!(libc::ptrace(libc::PTRACE_SETOPTIONS, pid, 0, options), 0);
            assert_eq!(libc::ptrace(libc::PTRACE_CONT, pid, 0, 0), 0);
        }
    }
    let feeder = child.stdin.take().map(|mut stdin| {
        std::thread::spawn(move || match feed {
            Feed::Endless => {
                let chunk = vec![b'0'; 1 << 16];
                // Ends when the child closes its end (EPIPE).
                while stdin.write_all(&chunk).is_ok() {}
            }
            Feed::Bytes(bytes) => {
                let _ = stdin.write_all(&bytes);
            }
            Feed::Nothing => {}
        })
    });
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut peak_kib = 0;
    let code = loop {
        // SAFETY: waitpid on our own child.
        let rc = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        assert!(rc >= 0, "waitpid: {}", std::io::Error::last_os_error());
        if rc == pid {
            if libc::WIFEXITED(status) {
                break libc::WEXITSTATUS(status);
            }
            if libc::WIFSIGNALED(status) {
                break -libc::WTERMSIG(status);
            }
            if libc::WIFSTOPPED(status) {
                let event = status >> 16;
                let signal = if event == libc::PTRACE_EVENT_EXIT {
                    // On its way out, memory intact: the peak of the whole run.
                    peak_kib = peak_kib.max(vm_hwm_kib(pid).unwrap_or(0));
                    0
                } else {
                    // Another stop: pass its signal on.
                    libc::WSTOPSIG(status)
                };
                // SAFETY: resumes our own stopped, traced child.
                unsafe { libc::ptrace(libc::PTRACE_CONT, pid, 0, signal) };
                continue;
            }
        }
        peak_kib = peak_kib.max(vm_hwm_kib(pid).unwrap_or(0));
        if peak_kib > BOUND_KIB || Instant::now() > deadline {
            // SAFETY: kills our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    if let Some(f) = feeder {
        let _ = f.join();
    }
    Ok(Measured {
        code,
        stderr: reader.join().unwrap(),
        peak_kib,
    })
}

/// Exit 2, one `error:` line naming the 1 MiB limit, peak memory under the bound.
#[cfg(target_os = "linux")]
fn assert_refused_within_bound(what: &str, m: &Measured) {
    assert!(
        m.peak_kib <= BOUND_KIB,
        "{what}: peak RSS {} KiB, bound {BOUND_KIB} KiB",
        m.peak_kib
    );
    assert_eq!(m.code, 2, "{what}: {m:?}");
    let lines: Vec<&str> = m.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{what}: one line: {}", m.stderr);
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains("larger than 1048576 bytes (1 MiB)"),
        "{what}: {}",
        m.stderr
    );
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_end_with_exit_2_in_bounded_memory() {
    let sim = Simulator::start().await.unwrap();
    let domain = sim.api_domain();
    let token = sim.access_token();
    let big_file =
        std::env::temp_dir().join(format!("zoho-access-big-{}.json", std::process::id()));
    // 2 GiB, sparse: refused by its size before a byte is read.
    std::fs::File::create(&big_file)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let big = big_file.to_str().unwrap().to_owned();
    // 700,000 org-permission items (about 60 MB of JSON), as in the report.
    let item = json!({ "share_type": "private", "module": { "id": "6954432000002000003" } });
    let mut items = String::from("{\"data_sharing\": [");
    for i in 0..700_000 {
        if i > 0 {
            items.push(',');
        }
        items.push_str(&item.to_string());
    }
    items.push_str("]}");

    let cases: Vec<(&str, Vec<&str>, Feed)> = vec![
        (
            "org-permissions set --file /dev/zero",
            vec!["org-permissions", "set", "--file", "/dev/zero", "--yes"],
            Feed::Nothing,
        ),
        (
            "locking create --file /dev/zero",
            vec![
                "locking",
                "create",
                "--module",
                "Deals",
                "--file",
                "/dev/zero",
            ],
            Feed::Nothing,
        ),
        (
            "sharing-rules search --file /dev/zero",
            vec!["sharing-rules", "search", "--file", "/dev/zero"],
            Feed::Nothing,
        ),
        (
            "endless stdin",
            vec!["org-permissions", "set", "--file", "-", "--yes"],
            Feed::Endless,
        ),
        (
            "endless stdin, create",
            vec!["sharing-rules", "create", "--module", "Leads"],
            Feed::Endless,
        ),
        (
            "700,000 items on stdin",
            vec!["org-permissions", "set", "--file", "-", "--yes"],
            Feed::Bytes(items.into_bytes()),
        ),
        (
            "a 2 GiB file",
            vec!["locking", "update", "--module", "Deals", "--file", &big],
            Feed::Nothing,
        ),
    ];
    for (what, args, feed) in cases {
        let mut all = vec!["--api-domain".to_owned(), domain.clone()];
        all.extend(args.iter().map(|s| (*s).to_owned()));
        let token = token.clone();
        let m = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = all.iter().map(String::as_str).collect();
            run_measured(&args, &[("ZOHO_ACCESS_TOKEN", &token)], feed)
        })
        .await
        .unwrap();
        eprintln!("{what}: exit {}, peak RSS {} KiB", m.code, m.peak_kib);
        assert_refused_within_bound(what, &m);
    }
    assert!(api_requests(&sim).await.is_empty(), "nothing was sent");
    std::fs::remove_file(&big_file).unwrap();
}

#[tokio::test]
async fn item_counts_are_checked_locally_on_a_bounded_body() {
    let sim = Simulator::start().await.unwrap();
    let id = sim.module_id("Deals").unwrap();
    let items: Vec<Value> = (0..101)
        .map(|_| json!({ "share_type": "private", "module": { "id": id } }))
        .collect();
    let out = run(
        &sim,
        &["org-permissions", "set", "--file", "-", "--yes"],
        Some(&json!({ "data_sharing": items }).to_string()),
    )
    .await;
    let line = out.failed(2);
    assert!(line.contains("101") && line.contains("1 to 100"), "{line}");
    let none = run(
        &sim,
        &["org-permissions", "set", "--file", "-", "--yes"],
        Some(r#"{"data_sharing": []}"#),
    )
    .await;
    assert!(none.failed(2).contains("1 to 100"));
    assert!(api_requests(&sim).await.is_empty(), "nothing was sent");

    // Exactly 1 MiB is accepted as far as size goes (here it is then not valid JSON).
    let exactly = " ".repeat(1 << 20);
    let out = run(
        &sim,
        &["org-permissions", "set", "--file", "-", "--yes"],
        Some(&exactly),
    )
    .await;
    assert!(out.failed(2).contains("not valid JSON"), "{}", out.stderr);
    let over = " ".repeat((1 << 20) + 1);
    let out = run(
        &sim,
        &["org-permissions", "set", "--file", "-", "--yes"],
        Some(&over),
    )
    .await;
    assert!(out.failed(2).contains("larger than 1048576 bytes"));
    // A directory is not a body.
    let out = run(
        &sim,
        &["locking", "create", "--module", "Deals", "--file", "/tmp"],
        None,
    )
    .await;
    assert!(out.failed(2).contains("directory"), "{}", out.stderr);
}

/// A FIFO nobody writes to: opening it waits for a writer, and that wait is input too. Before,
/// the file was opened on the runtime's thread before the read timeout started, so `plan` and
/// `--file` hung for as long as no writer came (for ever); now opening is timed with the read
/// (`--input-timeout`, 60 s by default), and the command ends with exit 2 and one line.
#[cfg(unix)]
#[tokio::test]
async fn a_fifo_without_a_writer_ends_at_the_input_timeout() {
    let dir = std::env::temp_dir().join(format!("zoho-access-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("desired.yaml");
    let _ = std::fs::remove_file(&fifo);
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo reads it and keeps nothing.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
    let fifo = fifo.to_str().unwrap();
    let sim = Simulator::start().await.unwrap();
    for args in [
        vec!["--input-timeout", "0.5", "plan", fifo],
        vec![
            "--input-timeout",
            "0.5",
            "locking",
            "create",
            "--module",
            "Deals",
            "--file",
            fifo,
        ],
    ] {
        let ran = tokio::time::timeout(std::time::Duration::from_secs(30), run(&sim, &args, None))
            .await
            .unwrap_or_else(|_| panic!("{args:?} still waited for a writer after 30 s"));
        let text = ran.failed(2);
        assert!(
            text.contains(&format!("{fifo} did not end within 0.5 s")),
            "{text}"
        );
    }
    assert!(api_requests(&sim).await.is_empty(), "nothing was sent");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `login --device` prints the verification URL and user code the accounts server sent, and
/// then what it answers to the polls: from a hostile server, none of it reaches the terminal
/// raw. The server below announces codes carrying terminal controls and refuses every poll
/// with an error word carrying them too.
#[tokio::test]
async fn the_device_flow_escapes_what_the_accounts_server_sent() {
    use axum::{routing::post, Router};
    let app = Router::new()
        .route(
            "/oauth/v3/device/code",
            post(|| async {
                (
                    [("content-type", "application/json")],
                    json!({ "user_code": format!("ABCD{EVIL}"), "device_code": "d1",
                        "verification_url": format!("https://accounts.zoho.com/x{EVIL}"),
                        "interval": 100, "expires_in": 5000 })
                    .to_string(),
                )
            }),
        )
        .route(
            "/oauth/v3/device/token",
            post(|| async {
                (
                    [("content-type", "application/json")],
                    json!({ "error": format!("nope{EVIL}") }).to_string(),
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let domain = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let config = std::env::temp_dir().join(format!(
        "zoho-access-hostile-device-{}/config.toml",
        std::process::id()
    ));
    let config = config.display().to_string();
    let out = run_with(
        &[
            "--config",
            &config,
            "--accounts-domain",
            &domain,
            "--api-domain",
            &domain,
            "login",
            "--device",
            "--client-id",
            "1000.HOSTILE",
            "--wait",
            "5",
        ],
        &[("ZOHO_CLIENT_SECRET", "not-a-real-secret")],
        None,
    )
    .await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_terminal_safe("stderr of login --device", &out.stderr);
    assert_terminal_safe("stdout of login --device", &out.stdout);
    // What the server sent is shown, escaped: the code, the URL and the refusal.
    assert!(
        out.stderr.contains("ABCDok\\e]0;pwned\\x07"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("https://accounts.zoho.com/xok\\e]0;"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("not-a-real-secret"), "{}", out.stderr);
    let saved = std::path::Path::new(&config);
    assert!(!saved.exists(), "a refused login saved a profile");
    let _ = std::fs::remove_dir_all(saved.parent().unwrap());
}
