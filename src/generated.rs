//! The low-level client and types, generated at build time from `spec/zoho-crm-access.yaml` by
//! progenitor (see `build.rs` and `spec/codegen.rs`). Nothing here is written by hand.
#![allow(missing_docs, clippy::all, rustdoc::all)]

/// Open enumerations generated from the spec's enum schemas: each has an `Unknown(String)`
/// variant so values Zoho adds later still decode.
pub mod enums {
    include!(concat!(env!("OUT_DIR"), "/enums.rs"));
}

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
include!(concat!(env!("OUT_DIR"), "/no_content.rs"));
