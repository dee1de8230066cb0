//! zoho-crm-access: Zoho CRM v8 access-control settings from Rust.
//!
//! Layers (see ARCHITECTURE.md):
//! * [`generated`]: progenitor's client and types, generated from `spec/` at build time.
//! * the hand-written layer: [`Client`] and its builder, auth, data centres, retries, errors,
//!   the criteria builder and per-family handles.
//! * [`simulator`] (feature `simulator`): a stateful stand-in for Zoho on loopback.
#![warn(missing_docs)]

pub mod generated;
pub mod hooks;
pub mod wire;

#[cfg(feature = "simulator")]
pub mod simulator;

pub use generated::{enums, types};
