//! Shared helpers for the CLI tests: run the real `zoho-access` binary against a simulator
//! started in the test.
#![allow(dead_code)]

use std::process::Stdio;

use serde_json::Value;
use tokio::io::AsyncWriteExt;
use zoho_crm_access_simulator::Simulator;

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Stdout parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    /// Asserts success and returns stdout as JSON.
    pub fn ok_json(&self) -> Value {
        assert_eq!(self.code, 0, "stderr: {}", self.stderr);
        self.json()
    }

    /// Asserts a failure with exit status `code`: one `error: ` line on stderr, then only
    /// `caused by: ` lines. Returns all of stderr.
    pub fn failed(&self, code: i32) -> &str {
        assert_eq!(
            self.code, code,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        let text = self.stderr.trim_end();
        let mut lines = text.lines();
        let first = lines.next().unwrap_or_default();
        assert!(first.starts_with("error: "), "{text}");
        for line in lines {
            assert!(line.starts_with("caused by: "), "{text}");
        }
        text
    }

    /// The `caused by: ` lines of stderr, without the prefix.
    pub fn causes(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter_map(|l| l.strip_prefix("caused by: "))
            .collect()
    }
}

const ENV: &[&str] = &[
    "ZOHO_ACCESS_TOKEN",
    "ZOHO_CLIENT_ID",
    "ZOHO_CLIENT_SECRET",
    "ZOHO_REFRESH_TOKEN",
    "ZOHO_DATA_CENTER",
    "ZOHO_ENVIRONMENT",
    "ZOHO_API_DOMAIN",
    "ZOHO_ACCOUNTS_DOMAIN",
    "ZOHO_TOKEN_CACHE",
    "ZOHO_ACCESS_PROFILE",
    "ZOHO_ACCESS_CONFIG",
    "RUST_LOG",
    "NO_COLOR",
];

/// The cache directory the runs of this test process use (`XDG_CACHE_HOME`), so the token
/// cache never touches the user's own.
pub fn cache_home() -> std::path::PathBuf {
    std::env::temp_dir()
        .join(format!("zoho-access-cli-tests-{}", std::process::id()))
        .join("cache")
}

/// Runs the binary with `args`, `env` (on top of a clean Zoho environment) and optional stdin.
pub async fn run_with(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_zoho-access"));
    for k in ENV {
        cmd.env_remove(k);
    }
    cmd.env("XDG_CACHE_HOME", cache_home());
    cmd.args(args)
        .envs(env.iter().copied())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().expect("the binary starts");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(input.as_bytes()).await.expect("write stdin");
        drop(pipe);
    }
    let out = child.wait_with_output().await.expect("the binary ends");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_ne!(run.code, 101, "the binary panicked: {}", run.stderr);
    run
}

/// Runs the binary against `sim` with its access token.
pub async fn run(sim: &Simulator, args: &[&str], stdin: Option<&str>) -> Run {
    let domain = sim.api_domain();
    let accounts = sim.accounts_url();
    let mut all = vec![
        "--api-domain",
        domain.as_str(),
        "--accounts-domain",
        accounts.as_str(),
    ];
    all.extend_from_slice(args);
    let token = sim.access_token();
    run_with(&all, &[("ZOHO_ACCESS_TOKEN", token.as_str())], stdin).await
}

/// Writes `value` to a temporary file and returns its path.
pub fn temp_json(name: &str, value: &Value) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("zoho-access-cli-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).expect("write temp file");
    path
}

/// A `zoho-access simulator` process, and the JSON line it printed (URLs, credentials,
/// control surface). Killed when dropped.
pub struct SpawnedSimulator {
    pub info: Value,
    _child: tokio::process::Child,
}

impl SpawnedSimulator {
    pub async fn start() -> SpawnedSimulator {
        Self::start_with(&[]).await
    }

    /// Starts `zoho-access simulator` with `args` (`--org-seed N` for another org, with other
    /// ids and credentials).
    pub async fn start_with(args: &[&str]) -> SpawnedSimulator {
        use tokio::io::{AsyncBufReadExt, BufReader};
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_zoho-access"))
            .arg("simulator")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the simulator starts");
        let mut line = String::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(60),
            BufReader::new(child.stdout.take().unwrap()).read_line(&mut line),
        )
        .await
        .expect("the simulator prints its JSON line")
        .unwrap();
        SpawnedSimulator {
            info: serde_json::from_str(&line).expect("one JSON line"),
            _child: child,
        }
    }

    pub fn get(&self, key: &str) -> String {
        self.info[key].as_str().unwrap().to_owned()
    }

    /// The refresh-token credentials, as the CLI reads them from the environment.
    pub fn refresh_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ZOHO_CLIENT_ID", self.get("client_id")),
            ("ZOHO_CLIENT_SECRET", self.get("client_secret")),
            ("ZOHO_REFRESH_TOKEN", self.get("refresh_token")),
        ]
    }

    /// `--api-domain` and `--accounts-domain` pointing at it.
    pub fn domain_args(&self) -> Vec<String> {
        vec![
            "--api-domain".into(),
            self.get("api_domain"),
            "--accounts-domain".into(),
            self.get("accounts_url"),
        ]
    }

    /// A call to the control surface (`/__simulator/<path>`).
    pub async fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        control(
            &self.get("control_url"),
            &self.get("control_token"),
            method,
            path,
            body,
        )
        .await
    }
}

/// A call to a simulator's control surface: `method` `{control_url}/{path}` with its token.
pub async fn control(
    control_url: &str,
    control_token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut req = reqwest::Client::new()
        .request(
            method.parse().unwrap(),
            format!("{control_url}/{}", path.trim_start_matches('/')),
        )
        .bearer_auth(control_token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("the control surface answers");
    assert!(
        resp.status().is_success(),
        "control {method} {path}: {}",
        resp.status()
    );
    resp.json().await.expect("JSON from the control surface")
}

/// The API requests (not token requests) a simulator received, from its control surface.
pub async fn api_requests(sim: &Simulator) -> Vec<Value> {
    let all = control(
        &sim.control_url(),
        &sim.control_token(),
        "GET",
        "requests",
        None,
    )
    .await;
    all["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["target"] == "api")
        .cloned()
        .collect()
}

/// What a run with a pseudo-terminal produced.
#[cfg(unix)]
#[derive(Debug)]
pub struct PtyRun {
    pub code: i32,
    pub stdout: String,
    /// Everything written to the terminal (stdin's echo included).
    pub terminal: String,
}

/// Where a run under a pseudo-terminal has its terminal.
#[cfg(unix)]
#[derive(Clone, Copy, Debug)]
pub struct Tty {
    pub stdin: bool,
    pub stderr: bool,
}

impl Tty {
    pub const STDERR: Tty = Tty {
        stdin: false,
        stderr: true,
    };
    pub const STDIN_AND_STDERR: Tty = Tty {
        stdin: true,
        stderr: true,
    };
}

/// A new pseudo-terminal (master, slave), both close-on-exec so children other tests spawn
/// meanwhile do not keep it open; `size` sets its window (none: the system's default), and
/// `raw_output` turns off output processing (no CR before LF: the output as the program
/// wrote it).
#[cfg(unix)]
fn open_pty(
    size: Option<(u16, u16)>,
    raw_output: bool,
) -> (std::os::fd::OwnedFd, std::os::fd::OwnedFd) {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    let (mut master, mut slave) = (0, 0);
    let size = size.map(|(rows, columns)| libc::winsize {
        ws_row: rows,
        ws_col: columns,
        ws_xpixel: 0,
        ws_ypixel: 0,
    });
    // SAFETY: openpty writes two new descriptors into the integers given; no name or
    // settings are passed, and the window size (if any) is only read.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            size.as_ref()
                .map_or(std::ptr::null(), |w| w as *const libc::winsize),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned by nothing else.
    let (master, slave) = unsafe {
        libc::fcntl(master, libc::F_SETFD, libc::FD_CLOEXEC);
        libc::fcntl(slave, libc::F_SETFD, libc::FD_CLOEXEC);
        (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave))
    };
    if raw_output {
        // SAFETY: a termios read, changed and written back on the terminal just opened.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            libc::tcgetattr(slave.as_raw_fd(), &mut t);
            t.c_oflag &= !libc::OPOST;
            libc::tcsetattr(slave.as_raw_fd(), libc::TCSANOW, &t);
        }
    }
    (master, slave)
}

/// Where a child of [`pty_command`] has one of its standard streams.
#[cfg(unix)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum On {
    /// The pseudo-terminal.
    Terminal,
    /// A pipe the test reads.
    Pipe,
    /// Nothing (`/dev/null`).
    Null,
}

/// The binary as the pseudo-terminal runs see it: `args` and `env` on top of a clean Zoho
/// environment (no `COLUMNS` or `LINES` either: the width is the terminal's), the tests'
/// cache directory, `TERM=xterm`, and stdin, stdout and stderr where `streams` says (the
/// terminal's side is `slave`).
#[cfg(unix)]
fn pty_command(
    args: &[&str],
    env: &[(&str, &str)],
    slave: &std::os::fd::OwnedFd,
    [stdin, stdout, stderr]: [On; 3],
) -> std::process::Command {
    let stream = |on: On| match on {
        On::Terminal => Stdio::from(slave.try_clone().expect("a copy of the terminal")),
        On::Pipe => Stdio::piped(),
        On::Null => Stdio::null(),
    };
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_zoho-access"));
    for k in ENV.iter().chain(&["COLUMNS", "LINES"]) {
        cmd.env_remove(k);
    }
    cmd.env("XDG_CACHE_HOME", cache_home())
        .env("TERM", "xterm")
        .args(args)
        .envs(env.iter().copied())
        .stdin(stream(stdin))
        .stdout(stream(stdout))
        .stderr(stream(stderr));
    cmd
}

/// What the terminal shows, as it arrives: a thread reads `master` into the buffer until the
/// child has closed its side (EIO).
#[cfg(unix)]
fn read_terminal(
    master: &std::os::fd::OwnedFd,
) -> (
    std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    std::thread::JoinHandle<()>,
) {
    use std::io::Read;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let mut reader = std::fs::File::from(master.try_clone().unwrap());
    let sink = seen.clone();
    let reading = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    (seen, reading)
}

/// Types `answer` and Enter on the terminal once it shows `prompt`. Waits at most 60 s;
/// `strict`: no prompt by then (or the child gone before it) fails the test, else the answer
/// is typed anyway.
#[cfg(unix)]
fn answer_after(
    master: &std::os::fd::OwnedFd,
    seen: &std::sync::Mutex<Vec<u8>>,
    child: &mut std::process::Child,
    prompt: &str,
    answer: &str,
    strict: bool,
) {
    use std::io::Write;
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(60);
    while !String::from_utf8_lossy(&seen.lock().unwrap()).contains(prompt) {
        let gone = child.try_wait().unwrap().is_some();
        if Instant::now() > deadline || gone {
            assert!(
                !strict,
                "no prompt {prompt:?}: {}",
                String::from_utf8_lossy(&seen.lock().unwrap())
            );
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut writer = std::fs::File::from(master.try_clone().unwrap());
    // Ctrl-D (end of input) is typed alone: an Enter after it would be echoed as a line end.
    let typed = if answer.ends_with('\u{4}') {
        answer.to_owned()
    } else {
        format!("{answer}\n")
    };
    let _ = writer.write_all(typed.as_bytes());
}

/// Runs the binary with stdout on a pseudo-terminal `columns` wide; returns the exit status
/// and what the terminal received. Blocking.
#[cfg(unix)]
pub fn run_with_terminal_stdout(
    args: &[&str],
    env: &[(&str, &str)],
    columns: u16,
) -> (i32, String) {
    let (master, slave) = open_pty(Some((50, columns)), true);
    let mut cmd = pty_command(args, env, &slave, [On::Null, On::Terminal, On::Null]);
    let mut child = cmd.spawn().expect("the binary starts");
    // The command holds copies of the terminal's side until dropped: only the child may keep
    // it open, so reading ends when the child does.
    drop(cmd);
    drop(slave);
    let (seen, reading) = read_terminal(&master);
    let status = child.wait().unwrap();
    drop(master);
    let _ = reading.join();
    let text = String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
    (status.code().unwrap_or(-1), text)
}

/// Runs the binary with stdin and/or stderr on a pseudo-terminal (stdout is a pipe). When
/// `answer` is given, it is typed after the terminal shows `[y/N]`. Blocking.
#[cfg(unix)]
pub fn run_in_pty(args: &[&str], env: &[(&str, &str)], tty: Tty, answer: Option<&str>) -> PtyRun {
    run_in_pty_after(args, env, tty, "[y/N]", answer)
}

/// [`run_in_pty`], typing `answer` once the terminal shows `prompt` (no prompt within 60 s
/// fails the test).
#[cfg(unix)]
pub fn run_in_pty_after(
    args: &[&str],
    env: &[(&str, &str)],
    tty: Tty,
    prompt: &str,
    answer: Option<&str>,
) -> PtyRun {
    use std::io::Read;

    let (master, slave) = open_pty(None, false);
    let on = |yes: bool| if yes { On::Terminal } else { On::Null };
    let mut cmd = pty_command(args, env, &slave, [on(tty.stdin), On::Pipe, on(tty.stderr)]);
    let mut child = cmd.spawn().expect("the binary starts");
    drop(cmd);
    drop(slave);
    let (seen, reading) = read_terminal(&master);
    let mut stdout = child.stdout.take().unwrap();
    let collecting = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    if let Some(answer) = answer {
        answer_after(&master, &seen, &mut child, prompt, answer, true);
    }
    let status = child.wait().unwrap();
    drop(master);
    let stdout = collecting.join().unwrap();
    let _ = reading.join();
    let terminal = String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
    let code = status.code().unwrap_or(-1);
    assert_ne!(code, 101, "the binary panicked: {terminal}");
    PtyRun {
        code,
        stdout,
        terminal,
    }
}

/// A loopback server answering every connection with a chunked `data_sharing` body of about
/// `mib` MiB (valid JSON: org permissions items), whatever was asked. Returns its URL and the
/// number of items in the body.
pub fn serve_data_sharing(mib: usize) -> (String, usize) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let item: &[u8] = br#"{"share_type":"private","module":{"api_name":"Leads","id":"5843104000000002175"},"public_in_portals":false,"rule_computation_running":false}"#;
    let mut block = Vec::new();
    let mut per_block = 0;
    while block.len() + item.len() < 65536 {
        block.extend_from_slice(item);
        block.push(b',');
        per_block += 1;
    }
    let chunk = |bytes: &[u8]| {
        let mut framed = format!("{:x}\r\n", bytes.len()).into_bytes();
        framed.extend_from_slice(bytes);
        framed.extend_from_slice(b"\r\n");
        framed
    };
    let framed = chunk(&block);
    let mut last = item.to_vec();
    last.extend_from_slice(b"]}");
    let last = chunk(&last);
    let blocks = mib * 1024 * 1024 / block.len();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut sock) = conn else { return };
            let mut head = [0u8; 4096];
            let _ = sock.read(&mut head);
            let _ = sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n11\r\n{\"data_sharing\":[\r\n");
            for _ in 0..blocks {
                if sock.write_all(&framed).is_err() {
                    break;
                }
            }
            let _ = sock.write_all(&last);
            let _ = sock.write_all(b"0\r\n\r\n");
        }
    });
    (url, blocks * per_block + 1)
}

/// The largest peak RSS, in KiB, of the children this process has waited for (`ru_maxrss`
/// of `RUSAGE_CHILDREN`): a test binary that spawns one child measures that child.
#[cfg(target_os = "linux")]
pub fn children_peak_rss_kib() -> i64 {
    // SAFETY: an all-zero rusage is a valid value, and getrusage fills the one it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_CHILDREN with a pointer to a live local.
    assert_eq!(
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) },
        0
    );
    usage.ru_maxrss
}

/// Runs the binary as a person would in a terminal `columns` wide: stdin, stdout and stderr
/// on one pseudo-terminal. When `answer` is given, it is typed once the terminal shows
/// `[y/N]` (or once the binary has ended without asking). Returns the exit status and
/// everything the terminal showed (output, prompts and the typed answer's echo), with line
/// ends as the program wrote them. Blocking.
#[cfg(unix)]
pub fn run_on_terminal(
    args: &[&str],
    env: &[(&str, &str)],
    columns: u16,
    answer: Option<&str>,
) -> (i32, String) {
    let (master, slave) = open_pty(Some((45, columns)), true);
    let mut cmd = pty_command(args, env, &slave, [On::Terminal; 3]);
    let mut child = cmd.spawn().expect("the binary starts");
    drop(cmd);
    drop(slave);
    let (seen, reading) = read_terminal(&master);
    if let Some(answer) = answer {
        answer_after(&master, &seen, &mut child, "[y/N]", answer, false);
    }
    let status = child.wait().unwrap();
    drop(master);
    let _ = reading.join();
    let text = String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
    let code = status.code().unwrap_or(-1);
    assert_ne!(code, 101, "the binary panicked: {text}");
    (code, text)
}
