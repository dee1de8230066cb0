//! The data model generated at build time from `spec/zoho-crm-access.yaml` by progenitor and
//! typify (see `build.rs` and `spec/codegen.rs`): the types, the open enums and facts about
//! the spec. Nothing here is written by hand, and nothing here depends on the rest of the
//! crate. The generated client lives in `crate::generated_client`.
//!
//! This module is private: users reach the types as [`crate::types`] and [`crate::enums`].
#![allow(missing_docs, unused_imports, clippy::all, rustdoc::all)]

/// Open enumerations generated from the spec's enum schemas.
///
/// Each has one variant per value the spec lists plus `Unknown(String)`, so a value Zoho adds
/// later still decodes and encodes back unchanged. Two values are equal when they are the same
/// on the wire: `Unknown("read".into()) == PermissionType::Read`.
pub mod enums {
    include!(concat!(env!("OUT_DIR"), "/enums.rs"));
}

include!(concat!(env!("OUT_DIR"), "/types.rs"));
/// Facts about the spec for the project's tests and tools (`crate::wire`).
#[cfg(feature = "test-support")]
mod spec_facts {
    include!(concat!(env!("OUT_DIR"), "/no_content.rs"));
}
#[cfg(feature = "test-support")]
pub use spec_facts::*;
