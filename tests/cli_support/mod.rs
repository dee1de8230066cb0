//! Shared helpers for the CLI tests: run the real `zoho-access` binary against a simulator
//! started in the test.
#![allow(dead_code)]

use std::process::Stdio;

use serde_json::Value;
use tokio::io::AsyncWriteExt;
use zoho_crm_access::simulator::Simulator;

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
