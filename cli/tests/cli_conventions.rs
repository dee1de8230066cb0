//! The conventions people expect from a command-line tool: completions and man pages,
//! documented exit statuses, a quiet stderr, no colour where it does not belong, closed sets
//! of values, help that says what things do.

mod cli_support;

use cli_support::{run_with, SpawnedSimulator};

fn has_escape(text: &str) -> bool {
    text.contains('\u{1b}')
}

#[tokio::test]
async fn completions_are_generated_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run_with(&["completions", shell], &[], None).await;
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        // fish names long options as `-l dry-run`; the other shells write `--dry-run`.
        let long = |name: &str| {
            if shell == "fish" {
                format!("-l {name}")
            } else {
                format!("--{name}")
            }
        };
        for word in [
            "sharing-rules".to_string(),
            "org-permissions".to_string(),
            long("dry-run"),
            long("share-type"),
        ] {
            assert!(
                out.stdout.contains(&word),
                "{shell} completion lacks {word}"
            );
        }
    }
    // The values of --share-type are completed too.
    let bash = run_with(&["completions", "bash"], &[], None).await;
    assert!(bash.stdout.contains("public_read_only"), "{}", bash.stdout);
    // bash parses the script.
    let dir = std::env::temp_dir().join(format!("zoho-access-completions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("zoho-access.bash");
    std::fs::write(&script, &bash.stdout).unwrap();
    if let Ok(status) = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
    {
        assert!(status.success(), "bash -n rejects the script");
    }
    let bad = run_with(&["completions", "tcsh"], &[], None).await;
    assert_eq!(bad.code, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_man_page_documents_exit_status_and_environment() {
    let out = run_with(&["man"], &[], None).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = &out.stdout;
    assert!(page.contains(".TH zoho-access 1"), "{page}");
    for needle in [
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH OUTPUT",
        "NO_COLOR",
        "ZOHO_REFRESH_TOKEN",
        "sharing\\-rules",
    ] {
        assert!(page.contains(needle), "man page lacks {needle}");
    }
    for code in 0..=4 {
        assert!(
            page.contains(&format!("\\fB{code}\\fR")),
            "exit status {code}"
        );
    }

    // One page per command with --dir.
    let dir = std::env::temp_dir().join(format!("zoho-access-man-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = run_with(&["man", "--dir", dir.to_str().unwrap()], &[], None).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    for name in [
        "zoho-access.1",
        "zoho-access-locking.1",
        "zoho-access-locking-delete.1",
        "zoho-access-sharing-rules-list.1",
        "zoho-access-org-permissions-set.1",
        "zoho-access-completions.1",
    ] {
        let text =
            std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.starts_with(".ie") || text.contains(".TH"), "{name}");
    }
    let delete = std::fs::read_to_string(dir.join("zoho-access-locking-delete.1")).unwrap();
    assert!(
        delete.contains("dry\\-run") && delete.contains("yes"),
        "{delete}"
    );
    // man renders it, where man is installed.
    if let Ok(out) = std::process::Command::new("man")
        .arg("-l")
        .arg(dir.join("zoho-access.1"))
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
    {
        if out.status.success() {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("EXIT STATUS"), "{text}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn exit_statuses_are_in_the_help_and_the_readme_alike() {
    let help = run_with(&["--help"], &[], None).await;
    assert_eq!(help.code, 0);
    let block: Vec<&str> = help
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Exit status:"))
        .take_while(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(block.len(), 10, "{}", help.stdout);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for line in &block {
        assert!(
            readme.contains(line),
            "README lacks the help's exit-status line {line:?}"
        );
    }
}

#[tokio::test]
async fn stderr_holds_no_log_line_by_default_and_no_colour_off_a_terminal() {
    let sim = SpawnedSimulator::start().await;
    let cache = std::env::temp_dir().join(format!("zoho-access-quiet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    // A token cache that cannot be read (a directory where the file should be) makes the
    // library log a warning; by default nobody sees it.
    std::fs::create_dir_all(cache.join("zoho-access").join("tokens.json")).unwrap();
    let creds = sim.refresh_env();
    let cache_str = cache.to_str().unwrap().to_owned();
    let mut env: Vec<(&str, &str)> = creds.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.push(("XDG_CACHE_HOME", &cache_str));
    let mut args: Vec<String> = sim.domain_args();
    args.extend(["org-permissions", "get", "--module", "Leads"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    let quiet = run_with(&args, &env, None).await;
    assert_eq!(quiet.ok_json()["share_type"], "private");
    assert_eq!(quiet.stderr, "", "no log line at default verbosity");

    // -v shows it, on a pipe without colour.
    let mut verbose_args = vec!["-v"];
    verbose_args.extend(&args);
    let verbose = run_with(&verbose_args, &env, None).await;
    assert_eq!(verbose.code, 0);
    assert!(verbose.stderr.contains("WARN"), "{}", verbose.stderr);
    assert!(!has_escape(&verbose.stderr), "{:?}", verbose.stderr);

    // An error off a terminal: plain text.
    let failed = run_with(&["--no-token-cache", "org-permissions", "get"], &[], None).await;
    failed.failed(3);
    assert!(!has_escape(&failed.stderr));
    std::fs::remove_dir_all(&cache).unwrap();
}

/// With stderr on a terminal, colour appears, unless `NO_COLOR` is set.
#[cfg(unix)]
#[tokio::test]
async fn no_color_turns_colour_off_on_a_terminal() {
    use cli_support::{run_in_pty, Tty};
    let stderr_tty = Tty::STDERR;
    let under_pty = |args: &'static [&'static str], no_color: bool| {
        tokio::task::spawn_blocking(move || {
            let env: &[(&str, &str)] = if no_color { &[("NO_COLOR", "1")] } else { &[] };
            run_in_pty(args, env, stderr_tty, None)
        })
    };
    // The error line of our own, the logs of -v, and clap's usage error.
    for args in [
        &["org-permissions", "get"][..],
        &[
            "-vv",
            "--simulator",
            "org-permissions",
            "get",
            "--module",
            "Leads",
        ][..],
        &[
            "org-permissions",
            "set",
            "--module",
            "Leads",
            "--share-type",
            "everyone",
        ][..],
    ] {
        let coloured = under_pty(args, false).await.unwrap();
        assert!(has_escape(&coloured.terminal), "{args:?}: {coloured:?}");
        let plain = under_pty(args, true).await.unwrap();
        assert!(
            !has_escape(&plain.terminal),
            "{args:?}: {:?}",
            plain.terminal
        );
        assert_eq!(plain.code, coloured.code);
    }
}

#[tokio::test]
async fn closed_sets_of_values_are_checked_and_listed() {
    for (args, listed) in [
        (
            vec!["--data-center", "mars", "org-permissions", "get"],
            "eu",
        ),
        (
            vec!["--environment", "staging", "org-permissions", "get"],
            "sandbox",
        ),
        (vec!["--output", "xml", "org-permissions", "get"], "yaml"),
        (
            vec![
                "org-permissions",
                "set",
                "--module",
                "Leads",
                "--share-type",
                "all",
            ],
            "public_read_write",
        ),
    ] {
        let out = run_with(&args, &[("ZOHO_ACCESS_TOKEN", "t")], None).await;
        assert_eq!(out.code, 2, "{args:?}");
        assert!(out.stderr.contains(listed), "{args:?}: {}", out.stderr);
    }
    // Zoho's own spellings and the case of the data centre are accepted.
    let ok = run_with(
        &[
            "--data-center",
            "EU",
            "--environment",
            "sandbox",
            "--simulator",
            "org-permissions",
            "set",
            "--module",
            "Leads",
            "--share-type",
            "public_read_only",
            "--dry-run",
        ],
        &[],
        None,
    )
    .await;
    assert_eq!(ok.ok_json()["dry_run"], true);
}

#[tokio::test]
async fn help_says_what_things_do() {
    let demo = run_with(&["demo", "--help"], &[], None).await;
    assert_eq!(demo.code, 0);
    for word in ["simulated org", "lock", "share", "public"] {
        assert!(demo.stdout.contains(word), "{word}: {}", demo.stdout);
    }
    let all = run_with(&["--help"], &[], None).await.stdout;
    for jargon in ["seed document", "seed story", "the seed"] {
        assert!(!all.to_lowercase().contains(jargon), "{jargon}: {all}");
        assert!(!demo.stdout.to_lowercase().contains(jargon), "{jargon}");
    }
    let delete = run_with(&["sharing-rules", "delete", "--help"], &[], None)
        .await
        .stdout;
    assert!(
        delete.contains("--dry-run") && delete.contains("--yes"),
        "{delete}"
    );
}
