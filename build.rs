//! Generates the low-level client and types from `spec/zoho-crm-access.yaml` with progenitor.
//! See `spec/codegen.rs` for what is generated and how the spec is adapted for progenitor.

#[path = "spec/codegen.rs"]
mod codegen;

use std::path::PathBuf;

const SPEC: &str = "spec/zoho-crm-access.yaml";

fn main() {
    // Only these inputs affect the output: touching src/ must not re-run generation.
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=spec/codegen.rs");
    println!("cargo:rerun-if-changed=spec/templates");
    println!("cargo:rerun-if-changed={SPEC}");

    let text = std::fs::read_to_string(SPEC).unwrap_or_else(|e| panic!("cannot read {SPEC}: {e}"));
    let generated = match codegen::generate(&text) {
        Ok(g) => g,
        Err(message) => panic!(
            "{SPEC}: {message}\n(run `cargo xtask codegen` for the same check outside the build)"
        ),
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("codegen.rs"), generated.client).expect("write codegen.rs");
    std::fs::write(out.join("types.rs"), generated.types).expect("write types.rs");
    std::fs::write(out.join("enums.rs"), generated.enums).expect("write enums.rs");
    std::fs::write(out.join("wire_table.rs"), generated.wire_table).expect("write wire_table.rs");
    let list = generated
        .no_content_ops
        .iter()
        .map(|op| format!("{op:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        out.join("no_content.rs"),
        format!(
            "/// Operations that answer 204 No Content when there is nothing to return.\n\
             pub const NO_CONTENT_OPERATIONS: &[&str] = &[{list}];\n\
             /// Number of operations in the spec.\npub const SPEC_OPERATIONS: usize = {};\n\
             /// Number of component schemas in the spec.\npub const SPEC_SCHEMAS: usize = {};\n",
            generated.operations, generated.schemas
        ),
    )
    .expect("write no_content.rs");
}
