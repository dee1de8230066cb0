//! Decoding recorded wire bodies with the generated types.
//!
//! Tests and `cargo xtask check-spec` use this to prove that what Zoho sends decodes into the
//! types users get, not merely that it validates as JSON. The table of which type belongs to
//! which operation and status is generated from the spec.
//!
//! Not part of the public API (hidden from the docs, no semver promise): it exists for the
//! project's own tests and tools.

use serde::{de::DeserializeOwned, Serialize};

use crate::generated::types;

pub use crate::generated::{NO_CONTENT_OPERATIONS, SPEC_OPERATIONS, SPEC_SCHEMAS};

/// A body decoded into a generated type and encoded back.
#[derive(Clone, Debug, PartialEq)]
pub struct RoundTrip {
    /// Name of the generated type (in [`crate::types`]).
    pub type_name: &'static str,
    /// The typed value encoded back to JSON.
    pub reencoded: serde_json::Value,
}

/// A body that did not decode into its generated type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeFailure {
    /// Name of the generated type (in [`crate::types`]).
    pub type_name: &'static str,
    /// Where in the body decoding failed, e.g. `record_locking_configurations[0].lock_type`.
    pub path: String,
    /// What serde said.
    pub message: String,
}

impl std::fmt::Display for DecodeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "does not decode as {} at `{}`: {}",
            self.type_name, self.path, self.message
        )
    }
}

impl std::error::Error for DecodeFailure {}

/// Decodes `body` as `T` (reporting the path of a failure) and encodes it back.
pub fn roundtrip<T: DeserializeOwned + Serialize>(
    type_name: &'static str,
    body: &[u8],
) -> Result<RoundTrip, DecodeFailure> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| DecodeFailure {
        type_name,
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })?;
    let reencoded = serde_json::to_value(&value).map_err(|e| DecodeFailure {
        type_name,
        path: ".".to_owned(),
        message: format!("encoding back failed: {e}"),
    })?;
    Ok(RoundTrip {
        type_name,
        reencoded,
    })
}

include!(concat!(env!("OUT_DIR"), "/wire_table.rs"));
