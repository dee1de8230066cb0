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
    for (name, text) in [
        ("codegen.rs", &generated.client),
        ("types.rs", &generated.types),
        ("enums.rs", &generated.enums),
        ("wire_table.rs", &generated.wire_table),
        ("no_content.rs", &generated.no_content),
        ("operations.rs", &generated.operations_table),
    ] {
        std::fs::write(out.join(name), text).unwrap_or_else(|e| panic!("write {name}: {e}"));
    }
}
