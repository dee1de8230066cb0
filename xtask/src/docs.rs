//! `cargo xtask docs`: the spec rendered as one HTML reference page (Redocly `build-docs`) at
//! `target/docs/index.html`. Installs the pinned Node tools first when they are missing.

use std::path::PathBuf;
use std::process::ExitCode;

use zoho_crm_access::operations::Operation;

use crate::polyglot;

/// Options of `cargo xtask docs`.
#[derive(clap::Args)]
pub struct Args {
    /// Where to write the page (relative to the workspace root).
    #[arg(long, default_value = "target/docs/index.html")]
    out: PathBuf,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let root = crate::workspace_root();
    polyglot::ensure_node_tools(&root)?;
    let out = root.join(&args.out);
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut cmd = polyglot::node_bin(&root, "redocly");
    cmd.args(["build-docs", polyglot::REDOCLY_API, "--output"])
        .arg(&out)
        .args([
            "--title",
            "Zoho CRM access-control settings (v8) - API reference",
        ]);
    polyglot::run_inherit(&root, cmd)?;
    let html = std::fs::read_to_string(&out)
        .map_err(|e| format!("build-docs wrote no {}: {e}", out.display()))?;
    // The page embeds the spec: check every operation made it in.
    if let Some(op) = Operation::ALL.iter().find(|op| !html.contains(op.id())) {
        return Err(format!("{} does not mention {}", out.display(), op.id()));
    }
    println!(
        "API reference: {} ({} KiB); open it in a browser",
        args.out.display(),
        html.len() / 1024
    );
    Ok(ExitCode::SUCCESS)
}
