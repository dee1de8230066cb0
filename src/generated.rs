//! The low-level client and types, generated at build time from `spec/zoho-crm-access.yaml` by
//! progenitor (see `build.rs` and `spec/codegen.rs`). Nothing here is written by hand.
//!
//! This module is private: users reach the types as [`crate::types`] and [`crate::enums`], and
//! the client as [`crate::raw`].
#![allow(missing_docs, unused_imports, clippy::all, rustdoc::all)]

/// Open enumerations generated from the spec's enum schemas.
///
/// Each has one variant per value the spec lists plus `Unknown(String)`, so a value Zoho adds
/// later still decodes and encodes back unchanged. Two values are equal when they are the same
/// on the wire: `Unknown("read".into()) == PermissionType::Read`.
pub mod enums {
    include!(concat!(env!("OUT_DIR"), "/enums.rs"));
}

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
include!(concat!(env!("OUT_DIR"), "/no_content.rs"));
