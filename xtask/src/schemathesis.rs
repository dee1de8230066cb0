//! `cargo xtask schemathesis`: an independent test of the spec and the simulator.
//!
//! Schemathesis (pinned in `requirements-schemathesis.txt`, installed into `.venv/` with the
//! polyglot tools) generates requests from `spec/zoho-crm-access.yaml` and checks the embedded
//! simulator's answers with every check: no server error, status codes, content types, headers
//! and bodies as the spec says, schema-valid requests accepted, schema-violating ones refused,
//! authentication enforced, and the stateful phase. `schemathesis.toml` holds the seed, the
//! number of examples, the org's module names (a dictionary that schema-valid requests take
//! `module` from) and each check turned off for an operation or phase, with its reason.
//!
//! Then the control surface's own spec, `simulator/spec/simulator-control.yaml`, gets the same treatment
//! against a second simulator (the control token as bearer), so that spec and implementation
//! agree too.
//!
//! Reports (JUnit XML, NDJSON events) go to `target/schemathesis/`.

use std::path::Path;
use std::process::ExitCode;

use zoho_crm_access_simulator::Simulator;

use crate::polyglot::{ensure_python_tools, run_inherit, venv_cmd};

const CONFIG: &str = "schemathesis.toml";
const CONTROL_CONFIG: &str = "simulator/spec/simulator-control.schemathesis.toml";
const SPEC: &str = "spec/zoho-crm-access.yaml";
const CONTROL_SPEC: &str = "simulator/spec/simulator-control.yaml";
const REPORTS: &str = "target/schemathesis";

/// Options of `cargo xtask schemathesis`.
#[derive(clap::Args)]
pub struct Args {
    /// Only the Zoho API spec (skip the control surface's spec).
    #[arg(long)]
    api_only: bool,
    /// Extra arguments for `schemathesis run` (after `--`), e.g. `--continue-on-failure`.
    #[arg(last = true)]
    extra: Vec<String>,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let root = crate::workspace_root();
    ensure_python_tools(&root)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a Tokio runtime: {e}"))?;

    // The Zoho API, with a few rules seeded so that list, search and summary answer with data.
    let sim = runtime
        .block_on(Simulator::builder().record_exchanges(false).start())
        .map_err(|e| format!("cannot start the simulator: {e}"))?;
    for module in ["Leads", "Contacts", "Deals"] {
        sim.seed_sharing_rules(module, 3)
            .map_err(|e| format!("cannot seed sharing rules: {e}"))?;
    }
    println!("simulator: {} (the API spec)", sim.base_url());
    let result = schemathesis(
        &root,
        SPEC,
        CONFIG,
        &sim.base_url(),
        &format!("Zoho-oauthtoken {}", sim.access_token()),
        "api",
        &args.extra,
    );
    let stats = sim.stats();
    println!(
        "simulator saw {} API requests; {} connections; {} bodies refused as too large",
        stats.api_requests, stats.connections_accepted, stats.bodies_too_large
    );
    sim.shutdown();
    result?;

    if !args.api_only {
        let sim = runtime
            .block_on(Simulator::builder().record_exchanges(false).start())
            .map_err(|e| format!("cannot start the simulator: {e}"))?;
        println!(
            "\nsimulator: {} (the control surface's spec)",
            sim.control_url()
        );
        let result = schemathesis(
            &root,
            CONTROL_SPEC,
            CONTROL_CONFIG,
            &sim.control_url(),
            &format!("Bearer {}", sim.control_token()),
            "control",
            &args.extra,
        );
        sim.shutdown();
        result?;
    }
    drop(runtime);
    println!("\nschemathesis: passed (reports in {REPORTS}/)");
    Ok(ExitCode::SUCCESS)
}

/// One Schemathesis run; the `Authorization` value reaches it through the environment (the
/// config reads `${SCHEMATHESIS_AUTHORIZATION}`), never the command line.
fn schemathesis(
    root: &Path,
    spec: &str,
    config: &str,
    url: &str,
    authorization: &str,
    name: &str,
    extra: &[String],
) -> Result<(), String> {
    let dir = root.join(REPORTS);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {REPORTS}: {e}"))?;
    let junit = format!("{REPORTS}/{name}-junit.xml");
    let ndjson = format!("{REPORTS}/{name}-events.ndjson");
    let mut cmd = venv_cmd(
        root,
        "schemathesis",
        &[
            "--config-file",
            config,
            "--no-color",
            "run",
            spec,
            "--url",
            url,
            "--report",
            "junit,ndjson",
            "--report-junit-path",
            &junit,
            "--report-ndjson-path",
            &ndjson,
        ],
    );
    cmd.args(extra);
    cmd.env("SCHEMATHESIS_AUTHORIZATION", authorization)
        // Hypothesis keeps its files under target/, not in the repository.
        .env("HYPOTHESIS_STORAGE_DIRECTORY", dir.join("hypothesis"));
    run_inherit(root, cmd)
}

#[cfg(test)]
mod tests {
    use zoho_crm_access_simulator::Simulator;

    /// The quoted strings of `values = [...]` under `[dictionaries.<name>]` in a config's text.
    fn dictionary(config: &str, name: &str) -> Vec<String> {
        let header = format!("[dictionaries.{name}]");
        let rest = &config[config.find(&header).expect("the dictionary") + header.len()..];
        let list = &rest[rest.find('[').expect("values = [")..];
        let list = &list[..list.find(']').expect("]")];
        list.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    }

    /// The module dictionaries name modules of the simulator's org that have data sharing rules
    /// and record locking: a name of nothing would make a schema-valid request fail.
    #[tokio::test]
    async fn module_dictionaries_name_the_simulators_modules() {
        let root = crate::workspace_root();
        let sim = Simulator::start().await.unwrap();
        let directory = sim.directory();
        for config in [super::CONFIG, super::CONTROL_CONFIG] {
            let text = std::fs::read_to_string(root.join(config)).unwrap();
            let modules = dictionary(&text, "modules");
            assert!(modules.len() >= 4, "{config}: {modules:?}");
            for name in &modules {
                let module = directory
                    .module(name)
                    .unwrap_or_else(|| panic!("{config}: {name} is no module of the simulator"));
                assert!(
                    module.sharing_rules && module.record_locking,
                    "{config}: {name} lacks sharing rules or record locking"
                );
            }
        }
        sim.shutdown();
    }
}
