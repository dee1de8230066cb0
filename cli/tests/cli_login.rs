//! `login`, `doctor` and `logout` over loopback against the simulator, and the advice the
//! tool gives when credentials fail (which source, which data centre, a grant code given as a
//! refresh token).

mod cli_support;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use cli_support::{control, run_with, Run};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use zoho_crm_access::auth::{all_scopes, Access};
use zoho_crm_access_simulator::Simulator;

/// A directory of its own for one test: the profiles file and the token cache live there.
struct Home {
    dir: PathBuf,
}

impl Home {
    fn new(name: &str) -> Home {
        let dir =
            std::env::temp_dir().join(format!("zoho-access-login-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Home { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.join("config").join("config.toml")
    }

    fn cache(&self) -> PathBuf {
        self.dir.join("cache")
    }

    fn tokens(&self) -> PathBuf {
        self.cache().join("zoho-access").join("tokens.json")
    }

    fn secrets(&self, profile: &str) -> PathBuf {
        self.dir.join("config").join(format!("{profile}.secrets"))
    }

    /// Runs the binary against `sim` with this home, `--profile profile`.
    async fn run(
        &self,
        sim: &Simulator,
        profile: &str,
        args: &[&str],
        env: &[(&str, &str)],
        stdin: Option<&str>,
    ) -> Run {
        let config = self.config().display().to_string();
        let cache = self.cache().display().to_string();
        let domain = sim.api_domain();
        let mut all = vec![
            "--config",
            config.as_str(),
            "--profile",
            profile,
            "--api-domain",
            domain.as_str(),
            "--accounts-domain",
            domain.as_str(),
        ];
        all.extend_from_slice(args);
        let mut env: Vec<(&str, &str)> = env.to_vec();
        env.push(("XDG_CACHE_HOME", cache.as_str()));
        run_with(&all, &env, stdin).await
    }

    /// Every file under the home, with its text.
    fn files(&self) -> Vec<(PathBuf, String)> {
        fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push((p.clone(), std::fs::read_to_string(&p).unwrap_or_default()));
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.dir, &mut out);
        out
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A Self Client grant code for `scopes`, minted through the control surface as the API
/// console's "Generate Code" would.
async fn mint_code(sim: &Simulator, scopes: &[&str]) -> String {
    let answer = control(
        &sim.control_url(),
        &sim.control_token(),
        "POST",
        "oauth/grant-codes",
        Some(json!({ "scopes": scopes })),
    )
    .await;
    answer["code"].as_str().unwrap().to_owned()
}

fn secret(sim: &Simulator) -> String {
    use secrecy::ExposeSecret;
    sim.credentials().client_secret.expose_secret().to_owned()
}

/// `login` from a minted code, through stdin (`--code -`), with the secret in the variable.
async fn login(sim: &Simulator, home: &Home, profile: &str, access: Access, extra: &[&str]) -> Run {
    let code = mint_code(sim, &all_scopes(access)).await;
    let secret = secret(sim);
    let client_id = sim.credentials().client_id;
    let mut args = vec!["login", "--client-id", client_id.as_str(), "--code", "-"];
    args.extend_from_slice(extra);
    home.run(
        sim,
        profile,
        &args,
        &[("ZOHO_CLIENT_SECRET", secret.as_str())],
        Some(&format!("{code}\n")),
    )
    .await
}

/// `sharing-rules list --module Leads` as profile `profile`: a command that needs a token.
async fn list_leads_rules(sim: &Simulator, home: &Home, profile: &str) -> Run {
    let args = ["sharing-rules", "list", "--module", "Leads"];
    home.run(sim, profile, &args, &[], None).await
}

/// The permission bits of `path`.
#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The refresh token the secrets file holds.
fn stored_refresh(home: &Home, profile: &str) -> String {
    let text = std::fs::read_to_string(home.secrets(profile)).unwrap();
    let table: toml::Table = text.parse().unwrap();
    table["refresh_token"].as_str().unwrap().to_owned()
}

/// A form body.
fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// Whether `refresh_token` still mints at the simulator's token endpoint.
async fn mints(sim: &Simulator, refresh_token: &str) -> bool {
    let creds = sim.credentials();
    let answer: Value = reqwest::Client::new()
        .post(sim.token_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("grant_type", "refresh_token"),
            ("client_id", creds.client_id.as_str()),
            ("client_secret", secret(sim).as_str()),
            ("refresh_token", refresh_token),
        ]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["access_token"].is_string()
}

#[tokio::test]
async fn login_from_a_minted_code_then_doctor_all_ok_then_pull_works() {
    let sim = Simulator::start().await.unwrap();
    let home = Home::new("full");
    let out = login(&sim, &home, "prod", Access::ReadWrite, &["-o", "json"]).await;
    let doc = out.ok_json();
    assert_eq!(doc["profile"], "prod");
    assert_eq!(doc["user"]["email"], "patricia.boyle@example.com", "{doc}");
    assert_eq!(doc["org"]["environment"], "production", "{doc}");
    assert_eq!(doc["org"]["name"], "Zylker Simulated", "{doc}");

    // The profiles file names the secrets file; only the secrets file holds the secrets,
    // and only its owner may read it.
    let config = std::fs::read_to_string(home.config()).unwrap();
    assert!(
        config.contains("secrets_file = \"prod.secrets\""),
        "{config}"
    );
    assert!(!config.contains(&secret(&sim)), "{config}");
    #[cfg(unix)]
    assert_eq!(mode_of(&home.secrets("prod")), 0o600);

    let doctor = home
        .run(&sim, "prod", &["-o", "json", "doctor"], &[], None)
        .await;
    let report = doctor.ok_json();
    assert_eq!(report["ok"], true, "{report}");
    let checks = report["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["status"] == "ok"), "{report}");
    for name in [
        "token",
        "org",
        "read sharing rules",
        "list users",
        "change sharing rules",
    ] {
        assert!(
            checks.iter().any(|c| c["check"] == name),
            "{name}: {report}"
        );
    }

    let pulled = home
        .run(&sim, "prod", &["-o", "json", "pull"], &[], None)
        .await;
    let pulled = pulled.ok_json();
    assert!(pulled.get("org_permissions").is_some(), "{pulled}");

    // Text for people: one line per check, and the verdict.
    let text = home.run(&sim, "prod", &["doctor"], &[], None).await;
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout.contains("Everything the tool needs works."),
        "{}",
        text.stdout
    );
}

#[tokio::test]
async fn a_read_only_grant_fails_doctor_naming_each_missing_scope() {
    let sim = Simulator::start().await.unwrap();
    let home = Home::new("read-only");
    let out = login(&sim, &home, "ro", Access::ReadOnly, &[]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("Signed in as"), "{}", out.stdout);

    let doctor = home
        .run(&sim, "ro", &["-o", "json", "doctor"], &[], None)
        .await;
    assert_eq!(doctor.code, 1, "{}", doctor.stderr);
    let report = doctor.json();
    assert_eq!(report["ok"], false);
    let named: Vec<String> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["missing_scopes"].as_array().cloned().unwrap_or_default())
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    let read = all_scopes(Access::ReadOnly);
    let wanted: Vec<&str> = all_scopes(Access::ReadWrite)
        .into_iter()
        .filter(|s| !read.contains(s))
        .collect();
    assert!(!wanted.is_empty());
    for scope in &wanted {
        assert!(
            named.iter().any(|n| n == scope),
            "{scope} not named: {report}"
        );
    }
    // The reads work: only the write checks fail.
    for c in report["checks"].as_array().unwrap() {
        let ok = c["status"] == "ok";
        let write = c["check"].as_str().unwrap().starts_with("change ");
        assert!(ok != write, "{c}");
    }

    // A grant without the directory's user scope: the read fails naming that scope.
    let home2 = Home::new("no-users");
    let scopes: Vec<&str> = all_scopes(Access::ReadWrite)
        .into_iter()
        .filter(|s| !s.starts_with("ZohoCRM.users"))
        .collect();
    let code = mint_code(&sim, &scopes).await;
    let secret = secret(&sim);
    let client_id = sim.credentials().client_id;
    let out = home2
        .run(
            &sim,
            "p",
            &["login", "--client-id", &client_id, "--code", &code],
            &[("ZOHO_CLIENT_SECRET", &secret)],
            None,
        )
        .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doctor = home2.run(&sim, "p", &["doctor"], &[], None).await;
    assert_eq!(doctor.code, 1);
    assert!(
        doctor.stdout.lines().any(|l| l.starts_with("missing scope")
            && l.contains("list users")
            && l.contains("ZohoCRM.users.READ")),
        "{}",
        doctor.stdout
    );
}

#[tokio::test]
async fn logout_revokes_the_refresh_token_and_clears_its_cached_tokens() {
    let sim = Simulator::start().await.unwrap();
    let home = Home::new("logout");
    assert_eq!(
        login(&sim, &home, "p", Access::ReadWrite, &[]).await.code,
        0
    );
    let refresh = stored_refresh(&home, "p");
    // A command caches an access token of the grant.
    let listed = list_leads_rules(&sim, &home, "p").await;
    listed.ok_json();
    let cached = std::fs::read_to_string(home.tokens()).unwrap();
    let cached: Value = serde_json::from_str(&cached).unwrap();
    let ours: Vec<String> = cached["tokens"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.contains("#profile:p/"))
        .map(|(_, v)| v["access_token"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ours.len(), 1, "{cached}");
    assert!(sim.refresh_token_is_live(&refresh));

    let out = home.run(&sim, "p", &["logout"], &[], None).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("revoked the refresh token"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("removed the secrets file"),
        "{}",
        out.stdout
    );

    assert!(!sim.refresh_token_is_live(&refresh));
    assert!(
        !mints(&sim, &refresh).await,
        "the revoked refresh token still mints"
    );
    let after = std::fs::read_to_string(home.tokens()).unwrap_or_default();
    for token in &ours {
        assert!(!after.contains(token.as_str()), "{after}");
    }
    assert!(!home.secrets("p").exists());
    // The access token it minted is dead too, and the profile says how to sign in again.
    let again = list_leads_rules(&sim, &home, "p").await;
    let text = again.failed(3);
    assert!(text.contains("zoho-access login --profile p"), "{text}");
}

#[tokio::test]
async fn logging_in_again_asks_first_and_revokes_the_replaced_grant() {
    let sim = Simulator::start().await.unwrap();
    let home = Home::new("again");
    assert_eq!(
        login(&sim, &home, "p", Access::ReadWrite, &[]).await.code,
        0
    );
    let first = stored_refresh(&home, "p");
    // Off a terminal and without --yes: refused before anything is spent.
    let refused = login(&sim, &home, "p", Access::ReadWrite, &[]).await;
    let text = refused.failed(2);
    assert!(text.contains("Profile p is signed in already"), "{text}");
    assert_eq!(stored_refresh(&home, "p"), first);
    assert!(sim.refresh_token_is_live(&first));

    let replaced = login(&sim, &home, "p", Access::ReadWrite, &["--yes"]).await;
    assert_eq!(replaced.code, 0, "{}", replaced.stderr);
    assert!(
        replaced
            .stdout
            .contains("previous refresh token was revoked"),
        "{}",
        replaced.stdout
    );
    let second = stored_refresh(&home, "p");
    assert_ne!(first, second);
    assert!(!sim.refresh_token_is_live(&first));
    assert!(sim.refresh_token_is_live(&second));
}

/// After `logout`, the tool's advice (`zoho-access login --profile p` signs it in again) ended
/// with "login needs the client id"; with --client-id added, the code went to
/// accounts.zoho.com, not the accounts server the profile was saved with, and the profile's
/// environment was overwritten with production. Signing a saved profile in again takes the
/// client, data centre, environment and servers it holds; an option given now still wins.
#[tokio::test]
async fn signing_a_saved_profile_in_again_takes_what_it_was_saved_with() {
    let sim = Simulator::start().await.unwrap();
    let home = Home::new("resign");
    let first = login(
        &sim,
        &home,
        "p",
        Access::ReadWrite,
        &["--environment", "sandbox", "--data-center", "eu"],
    )
    .await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let out = home.run(&sim, "p", &["logout"], &[], None).await;
    assert_eq!(out.code, 0, "{}", out.stderr);

    // Only the profile, the code and the secret: no --client-id, --data-center,
    // --environment, --api-domain or --accounts-domain.
    let code = mint_code(&sim, &all_scopes(Access::ReadWrite)).await;
    let secret = secret(&sim);
    let config = home.config().display().to_string();
    let cache = home.cache().display().to_string();
    let again = run_with(
        &[
            "--config",
            &config,
            "--profile",
            "p",
            "login",
            "--code",
            "-",
        ],
        &[
            ("ZOHO_CLIENT_SECRET", secret.as_str()),
            ("XDG_CACHE_HOME", cache.as_str()),
        ],
        Some(&format!("{code}\n")),
    )
    .await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    let saved: toml::Table = std::fs::read_to_string(home.config())
        .unwrap()
        .parse()
        .unwrap();
    let profile = &saved["profiles"]["p"];
    assert_eq!(profile["environment"].as_str(), Some("sandbox"), "{saved}");
    assert_eq!(profile["data_center"].as_str(), Some("eu"), "{saved}");
    assert_eq!(
        profile["client_id"].as_str(),
        Some(sim.credentials().client_id.as_str())
    );
    assert_eq!(
        profile["api_domain"].as_str(),
        Some(sim.api_domain().as_str())
    );
    assert!(sim.refresh_token_is_live(&stored_refresh(&home, "p")));
    // The profile works as saved.
    list_leads_rules(&sim, &home, "p").await.ok_json();
}

/// `login --print-scopes` prints the line the API console takes; `-o json` the list.
#[tokio::test]
async fn print_scopes_gives_the_consoles_line_or_a_json_list() {
    let line = run_with(&["login", "--print-scopes"], &[], None).await;
    assert_eq!(line.code, 0, "{}", line.stderr);
    let expected = all_scopes(Access::ReadWrite);
    assert_eq!(line.stdout.trim_end(), expected.join(","));
    let list = run_with(
        &["-o", "json", "login", "--print-scopes", "--read-only"],
        &[],
        None,
    )
    .await;
    assert_eq!(list.code, 0, "{}", list.stderr);
    let parsed: Vec<String> = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(parsed, all_scopes(Access::ReadOnly));
}

#[tokio::test]
async fn a_spent_or_wrong_code_and_a_wrong_secret_say_what_to_do() {
    let sim = Simulator::start().await.unwrap();
    let home = Home::new("errors");
    let code = mint_code(&sim, &all_scopes(Access::ReadOnly)).await;
    let client_id = sim.credentials().client_id;
    let secret = secret(&sim);
    let args = [
        "login",
        "--client-id",
        client_id.as_str(),
        "--code",
        code.as_str(),
    ];
    let wrong = home
        .run(
            &sim,
            "p",
            &args,
            &[("ZOHO_CLIENT_SECRET", "not-the-secret")],
            None,
        )
        .await;
    let text = wrong.failed(1);
    assert!(
        text.contains("invalid_client") && text.contains("client secret is wrong"),
        "{text}"
    );
    assert!(!text.contains("not-the-secret"), "{text}");
    // With the right secret the code works, once: Zoho's codes are single-use.
    let used = home
        .run(&sim, "p", &args, &[("ZOHO_CLIENT_SECRET", &secret)], None)
        .await;
    assert_eq!(used.code, 0, "{}", used.stderr);
    let spent = home
        .run(&sim, "q", &args, &[("ZOHO_CLIENT_SECRET", &secret)], None)
        .await;
    let text = spent.failed(1);
    assert!(
        text.contains("invalid_code") && text.contains("make a new one"),
        "{text}"
    );
    // No secret: a usage error naming the ways to give it, never an argument.
    let none = home.run(&sim, "r", &args, &[], None).await;
    let text = none.failed(2);
    assert!(
        text.contains("ZOHO_CLIENT_SECRET") && text.contains("--client-secret-file"),
        "{text}"
    );
    assert!(!home.secrets("r").exists());
}

/// `login --browser` as a process, its stderr read until the authorization URL.
struct BrowserLogin {
    child: tokio::process::Child,
    url: String,
    stderr: BufReader<tokio::process::ChildStderr>,
}

/// `zoho-access -vvv login FLOW... --client-id ID [--wait 30] EXTRA...` for `profile`, as a
/// running process with stdout and stderr piped (the secret in its variable).
fn login_process(
    sim: &Simulator,
    home: &Home,
    profile: &str,
    flow: &[&str],
    extra: &[&str],
) -> tokio::process::Child {
    let config = home.config().display().to_string();
    let domain = sim.api_domain();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_zoho-access"));
    for k in [
        "ZOHO_ACCESS_TOKEN",
        "ZOHO_REFRESH_TOKEN",
        "ZOHO_CLIENT_ID",
        "ZOHO_ACCESS_PROFILE",
        "ZOHO_ACCESS_CONFIG",
        "RUST_LOG",
    ] {
        cmd.env_remove(k);
    }
    cmd.env("XDG_CACHE_HOME", home.cache())
        .env("ZOHO_CLIENT_SECRET", secret(sim))
        .args(["--config", config.as_str(), "--profile", profile])
        .args([
            "--accounts-domain",
            domain.as_str(),
            "--api-domain",
            domain.as_str(),
        ])
        .args(["-vvv", "login"])
        .args(flow)
        .arg("--client-id")
        .arg(sim.credentials().client_id)
        .args(if extra.contains(&"--wait") {
            &[][..]
        } else {
            &["--wait", "30"][..]
        })
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd.spawn().unwrap()
}

async fn start_browser_login(sim: &Simulator, home: &Home, extra: &[&str]) -> BrowserLogin {
    let mut child = login_process(
        sim,
        home,
        "web",
        &["--browser", "--port", "0", "--no-open"],
        extra,
    );
    let domain = sim.api_domain();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut url = String::new();
    let mut seen = String::new();
    while url.is_empty() {
        let mut line = String::new();
        let n = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            stderr.read_line(&mut line),
        )
        .await
        .expect("login prints the URL")
        .unwrap();
        assert!(n > 0, "login ended before printing the URL: {seen}");
        seen.push_str(&line);
        if let Some(u) = line
            .trim()
            .strip_prefix(&format!("{domain}/oauth/v2/auth?"))
        {
            url = format!("{domain}/oauth/v2/auth?{u}");
        }
    }
    // The process's arguments hold no secret.
    #[cfg(target_os = "linux")]
    {
        let pid = child.id().unwrap();
        let argv = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
        let argv = String::from_utf8_lossy(&argv);
        assert!(!argv.contains(&secret(sim)), "{argv}");
    }
    BrowserLogin { child, url, stderr }
}

impl BrowserLogin {
    async fn finish(mut self) -> Run {
        use tokio::io::AsyncReadExt;
        let mut rest = String::new();
        let _ = self.stderr.read_to_string(&mut rest).await;
        let out = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            self.child.wait_with_output(),
        )
        .await
        .expect("login ends")
        .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: rest,
        }
    }
}

#[tokio::test]
async fn the_browser_flow_completes_with_a_client_playing_the_browser() {
    let sim = Simulator::start().await.unwrap();
    let home = Home::new("browser");
    let flow = start_browser_login(&sim, &home, &[]).await;
    assert!(
        flow.url.contains("access_type=offline") && flow.url.contains("state="),
        "{}",
        flow.url
    );
    // The browser: follows Zoho's redirect to the loopback listener and shows its page.
    let page = reqwest::Client::new().get(&flow.url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Signed in"));
    let run = flow.finish().await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Signed in as Patricia Boyle"),
        "{}",
        run.stdout
    );
    let refresh = stored_refresh(&home, "web");
    assert!(sim.refresh_token_is_live(&refresh));

    // No secret in the output or the -vvv log, nor in any file but the secrets file (the
    // token cache holds access tokens only, owner-only as well).
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(&secret(&sim)), "{text}");
        assert!(!text.contains(&refresh), "{text}");
    }
    for (path, text) in home.files() {
        if path != home.secrets("web") {
            assert!(!text.contains(&secret(&sim)), "{}", path.display());
            assert!(!text.contains(&refresh), "{}", path.display());
        }
    }
    let doctor = home.run(&sim, "web", &["-vvv", "doctor"], &[], None).await;
    assert_eq!(doctor.code, 0, "{}{}", doctor.stdout, doctor.stderr);
    let logout = home.run(&sim, "web", &["-vvv", "logout"], &[], None).await;
    assert_eq!(logout.code, 0, "{}", logout.stderr);
    for text in [
        &doctor.stdout,
        &doctor.stderr,
        &logout.stdout,
        &logout.stderr,
    ] {
        assert!(!text.contains(&secret(&sim)), "{text}");
        assert!(!text.contains(&refresh), "{text}");
    }
}

#[tokio::test]
async fn the_browser_flow_refuses_a_redirect_whose_state_differs() {
    let sim = Simulator::start().await.unwrap();
    let home = Home::new("state");
    let flow = start_browser_login(&sim, &home, &[]).await;
    // Zoho's redirect, not followed: its `state` is changed before it reaches the tool.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let zoho = http.get(&flow.url).send().await.unwrap();
    assert_eq!(zoho.status(), 302);
    let location = zoho.headers()["location"].to_str().unwrap().to_owned();
    let mut forged = url::Url::parse(&location).unwrap();
    let pairs: Vec<(String, String)> = forged
        .query_pairs()
        .map(|(k, v)| {
            let forge = k == "state";
            (
                k.into_owned(),
                if forge {
                    "forged".into()
                } else {
                    v.into_owned()
                },
            )
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    let answer = http.get(forged.as_str()).send().await.unwrap();
    assert_eq!(answer.status(), 400);
    let run = flow.finish().await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`state` is not the one this login sent"),
        "{}",
        run.stderr
    );
    assert!(!home.secrets("web").exists());
}

#[tokio::test]
async fn an_unregistered_redirect_uri_gets_zohos_error_page_and_the_tool_says_why() {
    let sim = Simulator::start().await.unwrap();
    sim.set_redirect_uri(Some("http://127.0.0.1:8917/callback"));
    let home = Home::new("redirect");
    let flow = start_browser_login(&sim, &home, &["--wait", "1"]).await;
    let page = reqwest::Client::new().get(&flow.url).send().await.unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.text().await.unwrap().contains("invalid_redirect_uri"));
    let run = flow.finish().await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("Authorized Redirect URI"),
        "{}",
        run.stderr
    );
}

// ----------------------------------------------------------- advice when credentials fail

#[tokio::test]
async fn a_stale_access_token_no_longer_overrides_working_refresh_credentials() {
    let sim = Simulator::start().await.unwrap();
    let creds = sim.credentials();
    let secret = secret(&sim);
    let refresh = {
        use secrecy::ExposeSecret;
        creds.refresh_token.expose_secret().to_owned()
    };
    let domain = sim.api_domain();
    let out = run_with(
        &[
            "--api-domain",
            &domain,
            "--accounts-domain",
            &domain,
            "--no-token-cache",
            "org-permissions",
            "get",
            "--module",
            "Leads",
        ],
        &[
            ("ZOHO_ACCESS_TOKEN", "1000.expired-an-hour-ago"),
            ("ZOHO_CLIENT_ID", &creds.client_id),
            ("ZOHO_CLIENT_SECRET", &secret),
            ("ZOHO_REFRESH_TOKEN", &refresh),
        ],
        None,
    )
    .await;
    assert_eq!(out.ok_json()["share_type"], "private");
}

#[tokio::test]
async fn a_refused_access_token_names_its_source_and_the_data_centre() {
    let sim = Simulator::start().await.unwrap();
    let domain = sim.api_domain();
    let out = run_with(
        &[
            "--api-domain",
            &domain,
            "--data-center",
            "eu",
            "org-permissions",
            "get",
        ],
        &[("ZOHO_ACCESS_TOKEN", "1000.of-another-data-centre")],
        None,
    )
    .await;
    let text = out.failed(1);
    let first = text.lines().next().unwrap();
    assert!(first.contains("ZOHO_ACCESS_TOKEN"), "{text}");
    assert!(
        first.contains("another data centre") && first.contains("EU"),
        "{text}"
    );
    assert!(text.contains("INVALID_TOKEN"), "the cause stays: {text}");

    // The refresh flow minting at one server for an API of another (another data centre):
    // the source and the data centre are named.
    let other = Simulator::start().await.unwrap();
    let creds = sim.credentials();
    let secret = secret(&sim);
    let refresh = {
        use secrecy::ExposeSecret;
        creds.refresh_token.expose_secret().to_owned()
    };
    let other_domain = other.api_domain();
    let out = run_with(
        &[
            "--api-domain",
            &other_domain,
            "--accounts-domain",
            &domain,
            "--no-token-cache",
            "org-permissions",
            "get",
        ],
        &[
            ("ZOHO_CLIENT_ID", &creds.client_id),
            ("ZOHO_CLIENT_SECRET", &secret),
            ("ZOHO_REFRESH_TOKEN", &refresh),
        ],
        None,
    )
    .await;
    let text = out.failed(1);
    let first = text.lines().next().unwrap();
    assert!(
        first.contains("the refresh flow with ZOHO_CLIENT_ID"),
        "{text}"
    );
    assert!(
        first.contains("another data centre or environment"),
        "{text}"
    );
    assert!(
        !text.contains(&secret) && !text.contains(&refresh),
        "{text}"
    );
}

#[tokio::test]
async fn a_grant_code_given_as_a_refresh_token_says_to_exchange_it_first() {
    let sim = Simulator::start().await.unwrap();
    let code = mint_code(&sim, &all_scopes(Access::ReadOnly)).await;
    let domain = sim.api_domain();
    let secret = secret(&sim);
    let client_id = sim.credentials().client_id;
    let out = run_with(
        &[
            "--api-domain",
            &domain,
            "--accounts-domain",
            &domain,
            "--no-token-cache",
            "org-permissions",
            "get",
        ],
        &[
            ("ZOHO_CLIENT_ID", &client_id),
            ("ZOHO_CLIENT_SECRET", &secret),
            ("ZOHO_REFRESH_TOKEN", &code),
        ],
        None,
    )
    .await;
    let text = out.failed(1);
    assert!(text.contains("exchange the grant code first"), "{text}");
    assert!(
        text.lines().next().unwrap().contains("ZOHO_REFRESH_TOKEN"),
        "{text}"
    );
    assert!(!text.contains(&code), "{text}");
}

#[tokio::test]
async fn failing_profile_credentials_name_the_profile() {
    let sim = Simulator::start().await.unwrap();
    let home = Home::new("profile-source");
    assert_eq!(
        login(&sim, &home, "staging", Access::ReadOnly, &[])
            .await
            .code,
        0
    );
    // The grant is revoked behind the tool's back (Connected Apps in Zoho's UI, say).
    let refresh = stored_refresh(&home, "staging");
    let revoked = reqwest::Client::new()
        .post(format!("{}/oauth/v2/token/revoke", sim.api_domain()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("token", refresh.as_str())]))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let out = home
        .run(
            &sim,
            "staging",
            &["--no-token-cache", "org-permissions", "get"],
            &[],
            None,
        )
        .await;
    let text = out.failed(1);
    assert!(
        text.lines().next().unwrap().contains("profile staging"),
        "{text}"
    );
    assert!(text.contains("invalid_code"), "{text}");
}

#[tokio::test]
async fn without_profile_login_signs_in_default_which_commands_then_use() {
    let sim = Simulator::start().await.unwrap();
    let home = Home::new("default");
    let code = mint_code(&sim, &all_scopes(Access::ReadOnly)).await;
    let config = home.config().display().to_string();
    let cache = home.cache().display().to_string();
    let domain = sim.api_domain();
    let secret = secret(&sim);
    let client_id = sim.credentials().client_id;
    let base = [
        "--config",
        config.as_str(),
        "--api-domain",
        domain.as_str(),
        "--accounts-domain",
        domain.as_str(),
    ];
    let mut args = base.to_vec();
    args.extend([
        "login",
        "--client-id",
        client_id.as_str(),
        "--code",
        code.as_str(),
    ]);
    let out = run_with(
        &args,
        &[("ZOHO_CLIENT_SECRET", &secret), ("XDG_CACHE_HOME", &cache)],
        None,
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(home.secrets("default").exists());
    let mut args = base.to_vec();
    args.extend(["org-permissions", "get", "--module", "Leads"]);
    let out = run_with(&args, &[("XDG_CACHE_HOME", &cache)], None).await;
    assert_eq!(out.ok_json()["share_type"], "private");
}

/// On a terminal, the client secret is asked for and what is typed is not shown.
#[cfg(unix)]
#[tokio::test]
async fn the_client_secret_is_asked_for_without_echo_on_a_terminal() {
    let sim = Simulator::start().await.unwrap();
    let home = Home::new("prompt");
    let code = mint_code(&sim, &all_scopes(Access::ReadOnly)).await;
    let config = home.config().display().to_string();
    let cache = home.cache().display().to_string();
    let domain = sim.api_domain();
    let client_id = sim.credentials().client_id;
    let typed = secret(&sim);
    let run = tokio::task::spawn_blocking(move || {
        cli_support::run_in_pty_after(
            &[
                "--config",
                &config,
                "--profile",
                "tty",
                "--api-domain",
                &domain,
                "--accounts-domain",
                &domain,
                "login",
                "--client-id",
                &client_id,
                "--code",
                &code,
            ],
            &[("XDG_CACHE_HOME", cache.as_str())],
            cli_support::Tty::STDIN_AND_STDERR,
            "not shown): ",
            Some(&typed),
        )
    })
    .await
    .unwrap();
    assert_eq!(run.code, 0, "{}", run.terminal);
    assert!(run.terminal.contains("Client secret"), "{}", run.terminal);
    assert!(
        !run.terminal.contains(&secret(&sim)),
        "echoed: {}",
        run.terminal
    );
    assert!(run.stdout.contains("Signed in as"), "{}", run.stdout);
    assert!(home.secrets("tty").exists());
}

/// `login` rewrote the whole profiles file and dropped every comment in it. Now it changes
/// only the profile it signs in: the other profile, the comments and the layout stay byte
/// for byte, and so does everything `logout` does not remove.
#[tokio::test]
async fn login_and_logout_change_only_their_profile_and_keep_every_comment() {
    let sim = Simulator::start().await.unwrap();
    let home = Home::new("comments");
    let header = "# My Zoho orgs: keep this comment.\n\
                  #   and this one, with its spacing.\n\n";
    let sandbox = "# The sandbox, refreshed every quarter.\n\
                   [profiles.sandbox]   # signed in by login below\n\
                   data_center = \"eu\"      # same DC as production\n\
                   environment = \"sandbox\"\n\
                   client_id = \"1000.OLDCLIENT\"\n\
                   client_secret_env = \"ZOHO_SANDBOX_CLIENT_SECRET\"   # from the environment\n\
                   refresh_token_env = \"ZOHO_SANDBOX_REFRESH_TOKEN\"\n\n";
    let production = "# The live org: never touched by a sandbox login.\n\
                      [profiles.production]\n\
                      data_center   =   \"eu\"   # aligned by hand\n\
                      client_id = '1000.PRODUCTIONCLIENTID'\n\
                      secrets_file = \"production.secrets\" # beside this file\n\n\
                      # Notes at the end of the file.\n";
    let original = format!("{header}{sandbox}{production}");
    std::fs::create_dir_all(home.config().parent().unwrap()).unwrap();
    std::fs::write(home.config(), &original).unwrap();

    let out = login(&sim, &home, "sandbox", Access::ReadWrite, &[]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let after = std::fs::read_to_string(home.config()).unwrap();
    assert!(after.starts_with(header), "{after}");
    assert!(after.ends_with(production), "{after}");
    // The signed-in profile: its comments where they were, the settings login wrote, and
    // no variable that would win over the new secrets file.
    let lost: Vec<&str> = [
        "# The sandbox, refreshed every quarter.\n[profiles.sandbox]   # signed in by login below\n",
        "      # same DC as production\n",
        "client_id = \"",
        "secrets_file = \"sandbox.secrets\"",
    ]
    .into_iter()
    .filter(|kept| !after.contains(kept))
    .collect();
    assert!(lost.is_empty(), "{lost:?} not in {after}");
    assert!(!after.contains("1000.OLDCLIENT"), "{after}");
    assert!(!after.contains("_env"), "{after}");
    // The file still reads as profiles: the new one works.
    let listed = list_leads_rules(&sim, &home, "sandbox").await;
    listed.ok_json();
    #[cfg(unix)]
    assert_eq!(
        mode_of(&home.config()),
        0o600,
        "written owner-only, as before"
    );

    // `logout` takes out the secrets file's line and nothing else.
    let out = home.run(&sim, "sandbox", &["logout"], &[], None).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let logged_out = std::fs::read_to_string(home.config()).unwrap();
    let without_secrets: String = after
        .lines()
        .filter(|l| !l.starts_with("secrets_file = \"sandbox.secrets\""))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(logged_out, without_secrets);
}

// ------------------------------------------------------------------ the device flow

/// `login --device` as a process (`-vvv`), its stderr read until it waits for the approval;
/// `user_code` is the code the simulator issued, which the tool printed.
struct DeviceLogin {
    login: BrowserLogin,
    printed: String,
    user_code: String,
}

async fn start_device_login(sim: &Simulator, home: &Home, extra: &[&str]) -> DeviceLogin {
    let mut child = login_process(sim, home, "tv", &["--device"], extra);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut printed = String::new();
    while !printed.contains("Waiting for the approval") {
        let mut line = String::new();
        let n = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            stderr.read_line(&mut line),
        )
        .await
        .expect("login prints the code")
        .unwrap();
        assert!(n > 0, "login ended before printing the code: {printed}");
        printed.push_str(&line);
    }
    let device = control(
        &sim.control_url(),
        &sim.control_token(),
        "GET",
        "oauth/device",
        None,
    )
    .await;
    let user_code = device["authorizations"].as_array().unwrap().last().unwrap()["user_code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(printed.contains(&format!("  {user_code}\n")), "{printed}");
    assert!(
        printed.contains(&format!("  {}/oauth/v3/device\n", sim.accounts_url())),
        "{printed}"
    );
    #[cfg(target_os = "linux")]
    {
        let pid = child.id().unwrap();
        let argv = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
        let argv = String::from_utf8_lossy(&argv);
        assert!(!argv.contains(&secret(sim)), "{argv}");
    }
    DeviceLogin {
        login: BrowserLogin {
            child,
            url: String::new(),
            stderr,
        },
        printed,
        user_code,
    }
}

/// Sets the simulator's device flow pace (milliseconds) through the control surface.
async fn device_pace(sim: &Simulator, settings: Value) {
    control(
        &sim.control_url(),
        &sim.control_token(),
        "PUT",
        "oauth/device",
        Some(settings),
    )
    .await;
}

/// The newest device authorization as the simulator lists it.
async fn newest_device(sim: &Simulator) -> Value {
    let device = control(
        &sim.control_url(),
        &sim.control_token(),
        "GET",
        "oauth/device",
        None,
    )
    .await;
    device["authorizations"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone()
}

/// The person at the verification URL: waits for `polls` polls, then decides.
async fn decide(sim: &Simulator, user_code: &str, polls: u64, decision: Value) {
    for _ in 0..300 {
        if newest_device(sim).await["polls"].as_u64() >= Some(polls) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mut body = json!({ "user_code": user_code });
    body.as_object_mut()
        .unwrap()
        .extend(decision.as_object().unwrap().clone());
    control(
        &sim.control_url(),
        &sim.control_token(),
        "POST",
        "oauth/device/decisions",
        Some(body),
    )
    .await;
}

#[tokio::test]
async fn the_device_flow_signs_in_once_the_code_is_approved_then_doctor_is_ok() {
    let sim = Simulator::start().await.unwrap();
    device_pace(&sim, json!({ "interval_ms": 100 })).await;
    let home = Home::new("device");
    let flow = start_device_login(&sim, &home, &[]).await;
    // Pending for a few polls, then approved.
    decide(&sim, &flow.user_code, 3, json!({ "approve": true })).await;
    let run = flow.login.finish().await;
    assert_eq!(run.code, 0, "{}{}", flow.printed, run.stderr);
    assert!(
        run.stdout.contains("Signed in as Patricia Boyle"),
        "{}",
        run.stdout
    );
    let last = newest_device(&sim).await;
    assert_eq!(last["status"], "granted");
    assert!(last["polls"].as_u64().unwrap() >= 4, "{last}");
    assert_eq!(last["scopes"], json!(all_scopes(Access::ReadWrite)));
    let refresh = stored_refresh(&home, "tv");
    assert!(sim.refresh_token_is_live(&refresh));
    #[cfg(unix)]
    assert_eq!(mode_of(&home.secrets("tv")), 0o600);
    let doctor = home.run(&sim, "tv", &["-vvv", "doctor"], &[], None).await;
    assert_eq!(doctor.code, 0, "{}{}", doctor.stdout, doctor.stderr);
    // No secret in the output, the -vvv logs or any file but the secrets file.
    for text in [
        &flow.printed,
        &run.stdout,
        &run.stderr,
        &doctor.stdout,
        &doctor.stderr,
    ] {
        assert!(!text.contains(&secret(&sim)), "{text}");
        assert!(!text.contains(&refresh), "{text}");
    }
    for (path, text) in home.files() {
        if path != home.secrets("tv") {
            assert!(!text.contains(&secret(&sim)), "{}", path.display());
            assert!(!text.contains(&refresh), "{}", path.display());
        }
    }
    // --device takes no --code and no --browser.
    for other in [&["--code", "x"][..], &["--browser"][..]] {
        let mut args = vec!["login", "--device", "--client-id", "1000.X"];
        args.extend_from_slice(other);
        let run = home.run(&sim, "tv2", &args, &[], None).await;
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
    }
}

#[tokio::test]
async fn a_denied_or_expired_device_code_fails_saying_so_and_saves_nothing() {
    let sim = Simulator::start().await.unwrap();
    device_pace(&sim, json!({ "interval_ms": 100, "expires_in_ms": 1500 })).await;
    let home = Home::new("device-denied");
    let flow = start_device_login(&sim, &home, &[]).await;
    decide(&sim, &flow.user_code, 1, json!({ "approve": false })).await;
    let run = flow.login.finish().await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("access was denied"), "{}", run.stderr);
    assert!(!home.secrets("tv").exists());
    // Nobody approves: the code runs out.
    let flow = start_device_login(&sim, &home, &[]).await;
    let run = flow.login.finish().await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("expired"), "{}", run.stderr);
    assert!(!home.secrets("tv").exists());
    // --wait shorter than the code: the tool's own deadline.
    device_pace(&sim, json!({ "expires_in_ms": 60000 })).await;
    let flow = start_device_login(&sim, &home, &["--wait", "1"]).await;
    let run = flow.login.finish().await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("no approval within 1s"),
        "{}",
        run.stderr
    );
    // Ctrl-C while waiting: stopped cleanly, saying so, nothing saved.
    #[cfg(unix)]
    {
        let flow = start_device_login(&sim, &home, &[]).await;
        let pid = flow.login.child.id().unwrap() as libc::pid_t;
        // SAFETY: a signal to the child this test spawned and still holds.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
        let run = flow.login.finish().await;
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stderr.contains("login stopped (Ctrl-C)"),
            "{}",
            run.stderr
        );
        assert!(!home.secrets("tv").exists());
    }
}

#[tokio::test]
async fn the_device_flow_slows_down_and_follows_another_data_centre() {
    let sim = Simulator::start().await.unwrap();
    // Polls closer than 450 ms are slowed down; the person is in the EU data centre.
    device_pace(&sim, json!({ "interval_ms": 100, "min_gap_ms": 450 })).await;
    let home = Home::new("device-dc");
    let flow = start_device_login(&sim, &home, &[]).await;
    decide(
        &sim,
        &flow.user_code,
        2,
        json!({ "approve": true, "location": "eu" }),
    )
    .await;
    let run = flow.login.finish().await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("poll less often"), "{}", run.stderr);
    assert!(
        run.stderr.contains("The account is in the EU data centre"),
        "{}",
        run.stderr
    );
    let last = newest_device(&sim).await;
    // One slow_down, then at most one poll per 600 ms: other_dc, then the grant.
    assert_eq!(last["slow_downs"], 1, "{last}");
    assert_eq!(last["polls"], 4, "{last}");
    let config = std::fs::read_to_string(home.config()).unwrap();
    assert!(config.contains("data_center = \"eu\""), "{config}");
    assert!(
        run.stdout.contains("in the EU data centre"),
        "{}",
        run.stdout
    );
}
