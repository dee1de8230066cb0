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

pub mod auth;
pub mod client;
pub mod criteria;
pub mod datacenter;
pub mod error;
pub mod org_permissions;
pub mod record_locking;
pub mod retry;
pub mod sharing_rules;

pub use auth::{FileTokenStore, MemoryTokenStore, StoredToken, TokenStore};
pub use client::{Client, ClientBuilder};
pub use datacenter::{DataCenter, Environment};
pub use error::{Error, ItemFailure};
pub use org_permissions::OrgPermissions;
pub use record_locking::RecordLocking;
pub use retry::RetryPolicy;
pub use sharing_rules::{ListRequest, SharingRules};
