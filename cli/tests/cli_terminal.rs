//! `zoho-access` as a person sees it: the binary in a pseudo-terminal 80 columns wide (stdin,
//! stdout and stderr on it, as in an 80x45 tmux window), against the simulator. Tables,
//! help, confirmation questions and a declined answer, each as issue 25 saw them and as they
//! must be.
#![cfg(unix)]

mod cli_support;

use cli_support::{run_on_terminal, run_with};
use unicode_width::UnicodeWidthStr;
use zoho_crm_access_simulator::Simulator;

const COLUMNS: u16 = 80;

/// The terminal's text without colour sequences, one entry per line.
fn plain_lines(text: &str) -> Vec<String> {
    let mut plain = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        plain.push(c);
    }
    plain
        .split('\n')
        .map(|l| l.trim_end_matches('\r').to_owned())
        .collect()
}

/// Runs the binary on an 80-column terminal, off the async runtime.
async fn on_terminal(
    args: Vec<String>,
    env: Vec<(String, String)>,
    answer: Option<&'static str>,
) -> (i32, String) {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        run_on_terminal(&args, &env, COLUMNS, answer)
    })
    .await
    .unwrap()
}

fn sim_args(sim: &Simulator, rest: &[&str]) -> (Vec<String>, Vec<(String, String)>) {
    let mut args = vec!["--api-domain".to_owned(), sim.api_domain()];
    args.extend(rest.iter().map(|s| (*s).to_owned()));
    (
        args,
        vec![("ZOHO_ACCESS_TOKEN".to_owned(), sim.access_token())],
    )
}

/// Issue 25: `-o table sharing-rules list` split the 19-digit id over four lines at 80
/// columns, and a terminal got 50 lines of JSON by default. Now a terminal gets a table by
/// default, every line fits, and every id is whole on one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sharing_rule_table_keeps_every_id_on_one_line_at_80_columns() {
    let sim = Simulator::start().await.unwrap();
    let ids = sim.seed_sharing_rules("Leads", 4).unwrap();
    for args in [
        &["sharing-rules", "list", "--module", "Leads"][..],
        &["-o", "table", "sharing-rules", "list", "--module", "Leads"][..],
    ] {
        let (args, env) = sim_args(&sim, args);
        let (code, text) = on_terminal(args, env, None).await;
        assert_eq!(code, 0, "{text}");
        let lines = plain_lines(&text);
        assert!(lines[0].starts_with('┌'), "a table, not JSON:\n{text}");
        for line in &lines {
            assert!(
                line.width() <= usize::from(COLUMNS),
                "{line:?} is wider than the terminal:\n{text}"
            );
        }
        for id in &ids {
            assert!(
                lines.iter().any(|l| l.contains(id.as_str())),
                "{id} is not whole on one line:\n{text}"
            );
        }
    }
    // One rule: field and value, the id whole as well.
    let (args, env) = sim_args(
        &sim,
        &["sharing-rules", "get", "--module", "Leads", "--id", &ids[0]],
    );
    let (code, text) = on_terminal(args, env, None).await;
    assert_eq!(code, 0, "{text}");
    let lines = plain_lines(&text);
    assert!(lines.iter().any(|l| l.contains(ids[0].as_str())), "{text}");
    assert!(
        lines.iter().all(|l| l.width() <= usize::from(COLUMNS)),
        "{text}"
    );
    // Piped, the same command prints JSON.
    let piped = cli_support::run(&sim, &["sharing-rules", "list", "--module", "Leads"], None).await;
    assert_eq!(
        piped.ok_json()["items"].as_array().unwrap().len(),
        ids.len()
    );
}

/// The review of issue 25: at 80 columns `sharing-rules list --module Leads` showed who a rule
/// shares with as `group Miam…` and `role Manag…` (and kept the status whole instead). Who a
/// rule shares with is what the list is read for: it is whole on the rule's line, beside the
/// whole id, and the less important columns give way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sharing_rule_list_keeps_who_a_rule_shares_with_whole() {
    let sim = Simulator::start().await.unwrap();
    for rule in [
        &[
            "--name",
            "Miami leads",
            "--to",
            "group:Miami Users",
            "--permission",
            "read_write",
            "--criteria",
            "City = Miami and State = Florida",
        ][..],
        &[
            "--name",
            "Reps' leads",
            "--from",
            "role_and_subordinates:Sales Representative",
            "--to",
            "role:Manager",
            "--permission",
            "read_write_delete",
        ][..],
    ] {
        let mut args = vec!["sharing-rules", "create", "--yes", "--module", "Leads"];
        args.extend_from_slice(rule);
        let run = cli_support::run(&sim, &args, None).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let piped = cli_support::run(&sim, &["sharing-rules", "list", "--module", "Leads"], None).await;
    let items = piped.ok_json()["items"].as_array().unwrap().clone();
    let (args, env) = sim_args(&sim, &["sharing-rules", "list", "--module", "Leads"]);
    let (code, text) = on_terminal(args, env, None).await;
    assert_eq!(code, 0, "{text}");
    let lines = plain_lines(&text);
    for (name, to) in [
        ("Miami leads", "group Miami Users"),
        ("Reps' leads", "role Manager"),
    ] {
        let id = items
            .iter()
            .find(|r| r["name"] == name)
            .and_then(|r| r["id"].as_str())
            .unwrap();
        let row = lines
            .iter()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("{id} is not whole on one line:\n{text}"));
        assert!(row.contains(name), "{row:?} in\n{text}");
        assert!(
            row.contains(&format!("┆ {to} ")),
            "{to}: {row:?} in\n{text}"
        );
        assert!(!row.contains('…'), "{row:?} in\n{text}");
    }
    // Who the owner-based rule shares from does not fit beside the rest: it is whole on a
    // line of its own under the rule's row, not left out.
    let row = lines
        .iter()
        .position(|l| l.contains("Reps' leads"))
        .unwrap();
    assert!(
        lines[row + 1].contains("shared_from: role Sales Representative and subordinates"),
        "{text}"
    );
    assert!(!text.contains("not shown for the terminal's width: module, shared_from"));
    assert!(
        lines.iter().all(|l| l.width() <= usize::from(COLUMNS)),
        "{text}"
    );
}

/// The words of `text`, for comparing two renderings of the same help.
fn words(text: &str) -> std::collections::BTreeSet<String> {
    plain_lines(text)
        .iter()
        .flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// Issue 25: help was built without wrapping, so words broke at the terminal's edge (`se` /
/// `nd nothing`). At 80 columns every line fits and every word is one that the help has
/// when nothing wraps it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_wraps_to_the_terminal_without_breaking_words() {
    for args in [
        &["--help"][..],
        &["sharing-rules", "delete", "--help"][..],
        &["sharing-rules", "delete", "-h"][..],
        &["apply", "--help"][..],
        &["login", "--help"][..],
        &["help", "options"][..],
    ] {
        let owned: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        let (code, text) = on_terminal(owned.clone(), Vec::new(), None).await;
        assert_eq!(code, 0, "{text}");
        for line in plain_lines(&text) {
            assert!(
                line.width() <= usize::from(COLUMNS),
                "{args:?}: {line:?} is too wide"
            );
        }
        let wide = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = owned.iter().map(String::as_str).collect();
            cli_support::run_on_terminal(&args, &[], 400, None)
        })
        .await
        .unwrap()
        .1;
        let whole = words(&wide);
        let broken: Vec<String> = words(&text).difference(&whole).cloned().collect();
        assert!(
            broken.is_empty(),
            "{args:?}: broken words {broken:?} in\n{text}"
        );
        // The pointer to the global options is a command to type: on one line (it was
        // `zoho-access` / `help options` at 80 columns).
        if text.contains("Global options (") {
            assert!(
                plain_lines(&text)
                    .iter()
                    .any(|l| l.contains("zoho-access help options")),
                "{args:?}:\n{text}"
            );
        }
    }
}

/// Issue 25: every subcommand repeated the 14 global options (`sharing-rules delete -h` was
/// 28 lines, 5 about the command), `simulator --help` listed `--profile` and
/// `--token-cache`. They are listed once: in the top-level help and `help options`.
#[tokio::test]
async fn global_options_are_listed_once() {
    let delete = run_with(&["sharing-rules", "delete", "-h"], &[], None).await;
    assert_eq!(delete.code, 0);
    assert!(
        !delete.stdout.contains("--data-center"),
        "{}",
        delete.stdout
    );
    assert!(delete.stdout.contains("--module") && delete.stdout.contains("--yes"));
    assert!(
        delete.stdout.contains("zoho-access help options"),
        "{}",
        delete.stdout
    );
    // 17: the usage line takes two (`--id` or `--name` on the second, to fit 80 columns).
    assert!(delete.stdout.lines().count() <= 17, "{}", delete.stdout);

    let simulator = run_with(&["simulator", "--help"], &[], None).await;
    assert_eq!(simulator.code, 0);
    for option in ["--profile", "--token-cache", "--api-domain", "help options"] {
        assert!(
            !simulator.stdout.contains(option),
            "{option}: {}",
            simulator.stdout
        );
    }

    let top = run_with(&["--help"], &[], None).await;
    let options = run_with(&["help", "options"], &[], None).await;
    assert_eq!(options.code, 0, "{}", options.stderr);
    for option in [
        "--profile",
        "--token-cache",
        "--simulator",
        "--output",
        "--data-center",
    ] {
        assert!(top.stdout.contains(option), "{option}");
        assert!(
            options.stdout.contains(option),
            "{option}: {}",
            options.stdout
        );
    }
    assert!(
        top.stdout.contains("a table on a terminal"),
        "{}",
        top.stdout
    );

    // Still accepted after the command's name.
    let sim = run_with(
        &["org-permissions", "get", "--simulator", "-o", "json"],
        &[],
        None,
    )
    .await;
    assert_eq!(sim.code, 0, "{}", sim.stderr);
    // `help COMMAND` is the command's help.
    let help_delete = run_with(&["help", "sharing-rules", "delete"], &[], None).await;
    assert!(
        help_delete.stdout.contains("--id"),
        "{}",
        help_delete.stdout
    );
    let unknown = run_with(&["help", "nonsense"], &[], None).await;
    unknown.failed(2);
}

/// Issue 25: with ZOHO_API_DOMAIN set, a missing `--module` printed a usage line showing
/// `--api-domain <URL>` as if it were required.
#[tokio::test]
async fn a_usage_line_shows_no_option_given_by_a_variable() {
    let out = run_with(
        &["locking", "get"],
        &[("ZOHO_API_DOMAIN", "http://127.0.0.1:9")],
        None,
    )
    .await;
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--module <MODULE>"), "{}", out.stderr);
    assert!(!out.stderr.contains("--api-domain"), "{}", out.stderr);
}

/// Issue 25: `Delete sharing rule 6954432000002009742 of Leads. Continue? [y/N]` named no
/// rule and no org, and a deliberate "n" printed in bold red as `error:`. The question names
/// the rule, its id, the credentials and the endpoint; "n" is one plain line, exit 4.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_question_names_the_rule_and_the_org_and_no_is_no_error() {
    let sim = Simulator::start().await.unwrap();
    let id = sim.seed_sharing_rules("Leads", 1).unwrap().remove(0);
    let rule = sim
        .client()
        .unwrap()
        .sharing_rules("Leads")
        .get(&id)
        .await
        .unwrap()
        .unwrap();
    let (args, env) = sim_args(
        &sim,
        &["sharing-rules", "delete", "--module", "Leads", "--id", &id],
    );
    let (code, text) = on_terminal(args, env, Some("n")).await;
    assert_eq!(code, 4, "{text}");
    // Production in a colour of its own (bold red) on a terminal.
    assert!(
        text.contains("to:       \u{1b}[1;31mproduction\u{1b}[0m org, "),
        "{text:?}"
    );
    let text = plain_lines(&text).join("\n");
    assert!(
        text.contains(&format!(
            "Delete sharing rule \"{}\" ({id}) of Leads",
            rule.name
        )),
        "{text}"
    );
    assert!(
        text.contains("credentials from the ZOHO_* variables"),
        "{text}"
    );
    assert!(
        text.contains(&format!("endpoint: {}/crm/v8", sim.api_domain())),
        "{text}"
    );
    assert!(text.contains("not confirmed; nothing was sent"), "{text}");
    assert!(!text.contains("error"), "{text}");
    assert_eq!(sim.state().sharing_rule_count("Leads"), 1);
}

/// Issue 25: `Apply these 4 change(s) to the org. Continue? [y/N]` named no profile and no
/// endpoint. It names both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apply_question_names_the_profile_and_the_endpoint() {
    use std::os::unix::fs::PermissionsExt;
    let sim = Simulator::start().await.unwrap();
    let dir = std::env::temp_dir().join(format!("zoho-access-terminal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let secrets = dir.join("prod.secrets");
    std::fs::write(
        &secrets,
        format!("access_token = \"{}\"\n", sim.access_token()),
    )
    .unwrap();
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o600)).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.prod]\nenvironment = \"production\"\napi_domain = \"{}\"\n\
             secrets_file = \"prod.secrets\"\n",
            sim.api_domain()
        ),
    )
    .unwrap();
    let desired = dir.join("access.yaml");
    std::fs::write(
        &desired,
        "version: 1\nscope:\n  families: [org_permissions]\n  modules: [Leads]\norg_permissions:\n  Leads: public_read_only\n",
    )
    .unwrap();
    let args: Vec<String> = [
        "--config",
        config.to_str().unwrap(),
        "--profile",
        "prod",
        "apply",
        desired.to_str().unwrap(),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let (code, text) = on_terminal(args, Vec::new(), Some("n")).await;
    assert_eq!(code, 4, "{text}");
    // The review of issue 25: a profile with an `api_domain` lost its environment in the
    // question (`to: profile "prod"`); production shows in a colour of its own, as with the
    // ZOHO_* variables.
    assert!(
        text.contains("to:       \u{1b}[1;31mproduction\u{1b}[0m org, profile \"prod\""),
        "{text:?}"
    );
    let text = plain_lines(&text).join("\n");
    // One change is "this change", not "these 1 change(s)".
    assert!(text.contains("Apply this change to the org"), "{text}");
    assert!(text.contains("profile \"prod\""), "{text}");
    assert!(text.contains(&sim.api_domain()), "{text}");
    assert!(!text.contains("error"), "{text}");
    assert_eq!(sim.state().org_permissions["Leads"], "private");
}

/// A sharing rule with a long name, shared by names (group "Miami Users", criteria on City
/// and State), and Leads private: `access check` then has long reasons to print.
async fn org_with_a_long_rule(sim: &Simulator) -> &'static str {
    const RULE: &str = "Leads of Miami, Florida for the Miami team";
    for args in [
        &[
            "sharing-rules",
            "create",
            "--module",
            "Leads",
            "--name",
            RULE,
            "--to",
            "group:Miami Users",
            "--permission",
            "read_write",
            "--criteria",
            "City = Miami and State = Florida",
            "--superiors-allowed",
            "true",
        ][..],
        &[
            "org-permissions",
            "set",
            "--module",
            "Leads",
            "--share-type",
            "private",
            "--yes",
        ][..],
    ] {
        let out = cli_support::run(sim, args, None).await;
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    }
    RULE
}

/// Every line fits `COLUMNS`, and each of `whole` is whole on one line.
fn assert_fits(lines: &[String], whole: &[&str], text: &str) {
    for line in lines {
        assert!(
            line.width() <= usize::from(COLUMNS),
            "{line:?} is wider than the terminal:\n{text}"
        );
    }
    for w in whole {
        assert!(
            lines.iter().any(|l| l.contains(w)),
            "{w} is not whole on one line:\n{text}"
        );
    }
}

/// `access check` printed its reasons on lines of 140 columns and more at 80 (the terminal
/// broke them anywhere). They wrap between words, a quoted rule name and an e-mail address
/// never cut, continuation lines under the reason's text; piped, a reason is one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_check_wraps_its_reasons_to_the_terminal() {
    let sim = Simulator::start().await.unwrap();
    let rule = org_with_a_long_rule(&sim).await;
    let check = [
        "access",
        "check",
        "--module",
        "Leads",
        "--user",
        "john.smith@example.com",
        "--owner",
        "maria.garcia@example.com",
    ];
    let (args, env) = sim_args(&sim, &check);
    let (code, text) = on_terminal(args, env, None).await;
    assert_eq!(code, 0, "{text}");
    let lines = plain_lines(&text);
    let quoted = format!("{rule:?}");
    assert_fits(
        &lines,
        &[
            &quoted,
            "john.smith@example.com",
            "maria.garcia@example.com",
        ],
        &text,
    );
    // A reason's next lines start under its text.
    let open = lines
        .iter()
        .position(|l| l.starts_with("      open: sharing rule"))
        .unwrap_or_else(|| panic!("no open reason about the rule:\n{text}"));
    assert!(lines[open + 1].starts_with(&" ".repeat(12)), "{text}");
    assert!(!lines[open + 1].starts_with(&" ".repeat(13)), "{text}");
    assert!(
        lines.iter().any(|l| l.starts_with("not covered: ")),
        "{text}"
    );

    // Piped with `-o table`: the same text, a reason on one line (for grep).
    let piped = cli_support::run(&sim, &[&["-o", "table"][..], &check[..]].concat(), None).await;
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert!(
        piped
            .stdout
            .lines()
            .any(|l| l.starts_with("      open: sharing rule")
                && l.ends_with("the record's City, State are not given")),
        "{}",
        piped.stdout
    );
}

/// `access who` printed each user on a line of 111 columns and more (fixed columns for the
/// e-mail address, the profile, the access), and each rule on one line. At 80 columns every
/// line fits, each user's columns stay aligned and whole, the rest on indented lines below.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_who_fits_the_terminal() {
    let sim = Simulator::start().await.unwrap();
    let rule = org_with_a_long_rule(&sim).await;
    let (args, env) = sim_args(&sim, &["access", "who", "--module", "Leads"]);
    let (code, text) = on_terminal(args, env, None).await;
    assert_eq!(code, 0, "{text}");
    let lines = plain_lines(&text);
    let quoted = format!("{rule:?}");
    assert_fits(
        &lines,
        &[
            &quoted,
            "patricia.boyle@example.com",
            "john.smith@example.com",
            "others: all (admin)",
        ],
        &text,
    );
    // The users of a role start on one column; what follows them is indented further.
    let user = |email: &str| {
        lines
            .iter()
            .position(|l| l.trim_start().starts_with(email))
            .unwrap_or_else(|| panic!("{email}:\n{text}"))
    };
    for email in ["patricia.boyle@example.com", "maria.garcia@example.com"] {
        let at = user(email);
        assert!(lines[at].starts_with(&format!("    {email}")), "{text}");
        assert!(lines[at + 1].starts_with("      "), "{text}");
    }
}

/// Walking through the newer commands at 80 columns as a new user would: `doctor` printed
/// lines of up to 120 columns (fixed 14- and 30-column fields before each detail); `directory
/// groups` shortened every member list to `user Mari…`; `directory users` cut role and
/// profile names (`Sales Rep…`, `Administr…`) and left them out before the status. Every line
/// fits now, and what a person types next is whole on one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_and_doctor_fit_80_columns_with_every_name_whole() {
    let sim = Simulator::start().await.unwrap();
    let check = |rest: &'static [&'static str], whole: Vec<String>| {
        let (mut args, env) = sim_args(&sim, rest);
        args.splice(0..0, ["--accounts-domain".to_owned(), sim.accounts_url()]);
        async move {
            let (code, text) = on_terminal(args, env, None).await;
            assert_eq!(code, 0, "{rest:?}: {text}");
            let lines = plain_lines(&text);
            let whole: Vec<&str> = whole.iter().map(String::as_str).collect();
            assert_fits(&lines, &whole, &text);
            assert!(!text.contains('…'), "{rest:?}: nothing is cut:\n{text}");
            lines
        }
    };
    let ids = |names: &[&str], id: &dyn Fn(&str) -> Option<String>| -> Vec<String> {
        names.iter().map(|n| id(n).unwrap()).collect()
    };

    let mut whole = ids(&["Miami Users", "Support Team"], &|n| sim.group_id(n));
    whole.extend(
        [
            "user Maria Garcia",
            "role Sales Representative",
            "role Support Manager and subordinates",
            "Sales people covering Miami",
        ]
        .map(str::to_owned),
    );
    let groups = check(&["directory", "groups"], whole).await;
    // A group's members follow it, a list too long for a line going on under its start.
    let at = groups
        .iter()
        .position(|l| l.starts_with("Support Team"))
        .unwrap();
    assert!(groups[at + 1].starts_with("  members: "), "{groups:?}");

    let whole = [
        "patricia.boyle@example.com",
        "maria.garcia@example.com",
        "Sales Representative",
        "Administrator",
        "Sales Manager",
        "inactive",
    ]
    .map(str::to_owned)
    .to_vec();
    check(&["directory", "users"], whole).await;

    let whole = ids(&["CEO", "Sales Representative"], &|n| sim.role_id(n));
    let roles = check(&["directory", "roles"], whole).await;
    // No blank line after the tree (the line after the text's end is empty).
    assert_ne!(roles[roles.len() - 2], "", "{roles:?}");

    let whole = ["from ZOHO_ACCESS_TOKEN", "patricia.boyle@example.com"]
        .map(str::to_owned)
        .to_vec();
    let doctor = check(&["doctor"], whole).await;
    // The review of issue 25: doctor said "read 3 profiles" while `directory profiles` listed
    // 4 (Team User, a Lite profile, was not asked for). Both count the same profiles.
    let profiles = cli_support::run(&sim, &["directory", "profiles"], None).await;
    let listed = profiles.ok_json()["items"].as_array().unwrap().len();
    assert!(listed >= 4, "{}", profiles.stdout);
    assert!(
        doctor
            .iter()
            .any(|l| l.contains(&format!("read {listed} profiles"))),
        "{doctor:?}"
    );
    // A detail's next lines start under it.
    let token = doctor.iter().position(|l| l.starts_with("ok ")).unwrap();
    let column = doctor[token].find("from ZOHO_ACCESS_TOKEN").unwrap();
    for (i, l) in doctor.iter().enumerate() {
        if l.starts_with(' ') {
            assert!(
                l.starts_with(&" ".repeat(column)) && doctor[i - 1].len() > column,
                "{doctor:?}"
            );
        }
    }
}

/// `plan` of a small file printed its change for a new rule on one line of 180 columns. The
/// changes and the summary fit 80 columns, the next lines of a change two columns in from
/// its sign, and the rule's quoted name whole. The access effect after them printed its
/// lines (who gains what, through which rule) and its notes unwrapped, up to 200 columns:
/// they wrap too, a change's next lines four columns in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_fits_80_columns() {
    let sim = Simulator::start().await.unwrap();
    let rule = "Tampa and Orlando leads, read";
    let file =
        std::env::temp_dir().join(format!("zoho-access-plan-80-{}.yaml", std::process::id()));
    std::fs::write(
        &file,
        format!(
            "version: 1\nscope:\n  families: [sharing_rules]\n  modules: [Leads]\n  rules: listed\n\
             sharing_rules:\n  Leads:\n    - name: {rule}\n      to: group:Support Team\n      \
             permission: read\n      criteria: City = Tampa or City = Orlando\n      \
             superiors_allowed: false\n"
        ),
    )
    .unwrap();
    let (args, env) = sim_args(&sim, &["plan", file.to_str().unwrap()]);
    let (code, text) = on_terminal(args, env, None).await;
    assert_eq!(code, 0, "{text}");
    let lines = plain_lines(&text);
    let end = lines
        .iter()
        .position(|l| l.starts_with("Plan: "))
        .unwrap_or_else(|| panic!("no summary:\n{text}"));
    let quoted = format!("{rule:?}");
    assert_fits(&lines, &[&quoted, "group \"Support Team\""], &text);
    let create = lines.iter().position(|l| l.starts_with("+ ")).unwrap();
    assert!(create + 1 < end, "one change on several lines:\n{text}");
    assert!(lines[create + 1].starts_with("  ") && !lines[create + 1].starts_with("   "));
    let gain = lines
        .iter()
        .position(|l| l.starts_with("  + ") && l.contains("Support Team"))
        .unwrap_or_else(|| panic!("no access effect for the group:\n{text}"));
    assert!(
        lines[gain + 1].starts_with("    ") && !lines[gain + 1].starts_with("     "),
        "the effect's next line is not under its text:\n{text}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("Not covered: ")),
        "{text}"
    );
    let _ = std::fs::remove_file(file);
}

/// The review of issue 25: `sharing-rules update --module Leads --name ...` with nothing to
/// change asked for a request body on a terminal. It says nothing was given to change and
/// names the flags that change something; `locking update` the same. Nothing is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_with_nothing_to_change_names_the_flags() {
    let sim = Simulator::start().await.unwrap();
    sim.seed_sharing_rules("Leads", 1).unwrap();
    for (rest, flags) in [
        (
            &[
                "sharing-rules",
                "update",
                "--module",
                "Leads",
                "--name",
                "Seeded rule 1",
            ][..],
            &["--to", "--criteria", "--permission", "--rename", "--file"][..],
        ),
        (
            &["locking", "update", "--module", "Deals"][..],
            &["--lock-type", "--restricted-actions", "--rule", "--file"][..],
        ),
    ] {
        let (args, env) = sim_args(&sim, rest);
        let (code, text) = on_terminal(args, env, None).await;
        assert_eq!(code, 2, "{rest:?}: {text}");
        let text = plain_lines(&text).join(" ");
        assert!(text.contains("nothing to change"), "{rest:?}: {text}");
        assert!(!text.contains("request body"), "{rest:?}: {text}");
        for flag in flags {
            assert!(text.contains(flag), "{rest:?}: no {flag} in {text}");
        }
    }
    assert_eq!(sim.state().sharing_rule_count("Leads"), 1);
}

/// The review of issue 25: Ctrl-D at a `[y/N]` question printed "not confirmed" on the
/// question's line. It starts a line of its own; the answer is still no (exit 4).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_of_input_at_a_question_starts_a_new_line() {
    let sim = Simulator::start().await.unwrap();
    let id = sim.seed_sharing_rules("Leads", 1).unwrap().remove(0);
    let (args, env) = sim_args(
        &sim,
        &["sharing-rules", "delete", "--module", "Leads", "--id", &id],
    );
    let (code, text) = on_terminal(args, env, Some("\u{4}")).await;
    assert_eq!(code, 4, "{text}");
    let lines = plain_lines(&text);
    let declined = lines
        .iter()
        .find(|l| l.contains("not confirmed; nothing was sent"))
        .unwrap_or_else(|| panic!("no declined line:\n{text}"));
    assert!(
        declined.starts_with("not confirmed"),
        "on the question's line: {declined:?}"
    );
    assert_eq!(sim.state().sharing_rule_count("Leads"), 1);
}

/// The review of issue 25: the demo's lines broke mid-word at 80 columns (`change` / `d`,
/// `(id 695443200000` / `2009742)`): every line fits the terminal, ids whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_fits_80_columns() {
    let (code, text) = on_terminal(vec!["demo".to_owned()], Vec::new(), None).await;
    assert_eq!(code, 0, "{text}");
    let lines = plain_lines(&text);
    assert_fits(&lines, &[], &text);
    // A wrapped line continues under its text, never at the left edge in the middle of a
    // step.
    assert!(
        lines.iter().any(|l| l.starts_with("   -> ")),
        "no result lines:\n{text}"
    );
}
