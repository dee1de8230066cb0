//! `cargo xtask codegen`: the generator on the spec alone, with readable errors.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::codegen;

/// Options of `cargo xtask codegen`.
#[derive(clap::Args)]
pub struct Args {
    /// The OpenAPI document.
    #[arg(long, default_value = "spec/zoho-crm-access.yaml")]
    spec: PathBuf,
    /// Also write the generated client here (formatted Rust).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let root = crate::workspace_root();
    let spec = root.join(&args.spec);
    let text = std::fs::read_to_string(&spec)
        .map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
    let generated = codegen::generate(&text).map_err(|e| format!("{}: {e}", spec.display()))?;
    let client_lines = generated.client.lines().count() + generated.types.lines().count();
    let enum_lines = generated.enums.lines().count();
    println!("spec:        {}", args.spec.display());
    println!("operations:  {}", generated.operations);
    println!("schemas:     {}", generated.schemas);
    println!(
        "generated:   {client_lines} lines of client and types, {enum_lines} lines of open enums"
    );
    println!("204 bridged: {}", generated.no_content_ops.join(", "));
    println!(
        "operations table: {} operations in `operations::Operation`, {} repeatable ({} lines)",
        generated.table_operations,
        generated.repeatable_operations,
        generated.operations_table.lines().count()
    );
    println!(
        "typed bodies: {} (operation, status) and request pairs in the wire table",
        generated.wire_pairs
    );
    if let Some(out) = args.out {
        std::fs::write(&out, format!("{}\n{}", generated.types, generated.client))
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        println!("written:     {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}
