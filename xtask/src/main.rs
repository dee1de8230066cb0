//! Project tasks, run as `cargo xtask <command>` (alias in `.cargo/config.toml`).

// YAML is read with serde_norway, the maintained fork of the deprecated serde_yaml 0.9 (same
// API). The generator names it directly; check-spec reads it under its historical name.
extern crate serde_norway as serde_yaml;

mod bench;
mod bench_compare;
mod check_spec;
#[path = "../../spec/codegen.rs"]
mod codegen;
mod codegen_cmd;
mod docs;
mod layers;
mod polyglot;
mod record;
mod schemathesis;
mod stress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask", about = "zoho-crm-access project tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the code generator on the spec alone and report what it produced.
    Codegen(codegen_cmd::Args),
    /// Lint the spec (Redocly, Spectral, openapi-spec-validator) and prove the Python and
    /// TypeScript generators on it (installs the pinned tools when missing).
    Polyglot(polyglot::Args),
    /// Render the spec as an HTML reference into target/docs/index.html (Redocly build-docs).
    Docs(docs::Args),
    /// Benchmark orchestration: criterion summary, build cost, side-by-side comparison with
    /// Zoho's Python SDK (see BENCHMARKS.md).
    Bench(bench::Args),
    /// Check the spec against recorded exchanges and its own examples.
    CheckSpec(check_spec::Args),
    /// Record a session of real calls as recordings (secrets and personal data removed).
    Record(record::Args),
    /// Hostile clients against a spawned `zoho-access simulator` (slow connections, token
    /// churn, unauthenticated uploads) with its RSS read from /proc; fails past the bound.
    StressSimulator(stress::Args),
    /// Schemathesis against the embedded simulator with the project's spec (all checks, fixed
    /// seed, bounded examples; exceptions in schemathesis.toml), then the control surface's spec.
    Schemathesis(schemathesis::Args),
    /// Check that the library's modules do not import each other in a circle.
    Layers(layers::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Codegen(args) => codegen_cmd::run(args),
        Command::Polyglot(args) => polyglot::run(args),
        Command::Docs(args) => docs::run(args),
        Command::Bench(args) => bench::run(args),
        Command::CheckSpec(args) => check_spec::run(args),
        Command::Record(args) => record::run(args),
        Command::StressSimulator(args) => stress::run(args),
        Command::Schemathesis(args) => schemathesis::run(args),
        Command::Layers(args) => layers::run(args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask's manifest lives one level below it).
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits inside the workspace")
        .to_path_buf()
}
