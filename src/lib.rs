//! zoho-crm-access: Zoho CRM v8 access-control settings from Rust.
//!
//! Layers (see ARCHITECTURE.md):
//! * [`generated`]: progenitor's client and types, generated from `spec/` at build time.
//! * the hand-written layer: [`Client`] and its builder, auth, data centres, retries, errors,
//!   the criteria builder and per-family handles.
//! * [`simulator`] (feature `simulator`): a stateful stand-in for Zoho on loopback.
//!
//! Quick start:
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use zoho_crm_access::criteria::field;
//! use zoho_crm_access::{enums, types, Client, DataCenter};
//!
//! # async fn run() -> Result<(), zoho_crm_access::Error> {
//! let client = Client::builder()
//!     .data_center(DataCenter::Us)
//!     .refresh_token("1000.CLIENTID", "client-secret", "1000.refresh-token")
//!     .build()?;
//!
//! // Record locking: at most one configuration per module; `None` when there is none.
//! let config = client.record_locking("Deals").get().await?;
//!
//! // Sharing rules: every rule of a module, across pages.
//! let rules: Vec<types::SharingRule> =
//!     client.sharing_rules("Leads").list().stream().try_collect().await?;
//!
//! // A criteria-based rule sharing won deals with everyone, read-only.
//! let rule = types::SharingRuleInput::criteria_based(
//!     "Won deals for everyone",
//!     field("Stage").equal("Closed Won"),
//!     types::SharedTo::all_users(),
//!     enums::PermissionType::Read,
//! );
//! let created = client.sharing_rules("Deals").create(rule).await?;
//!
//! // Default organization permissions.
//! client.org_permissions().set_share_type("Leads", enums::ShareType::Private).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Every call goes through the same transport: `Authorization: Zoho-oauthtoken`, token refresh
//! (one at a time), retries with backoff for 429/502/503/504 and connection failures, a limit
//! on requests in flight, and a `tracing` span per operation. Failures are one typed
//! [`Error`]; writes that touch several items report each failed item ([`Error::Items`]).
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
pub mod directory;
pub mod error;
pub mod org_permissions;
pub mod record_locking;
pub mod retry;
pub mod sharing_rules;

pub use auth::{FileTokenStore, MemoryTokenStore, StoredToken, TokenStore};
pub use client::{Client, ClientBuilder};
pub use datacenter::{DataCenter, Environment};
pub use directory::Directory;
pub use error::{Error, ItemFailure};
pub use org_permissions::OrgPermissions;
pub use record_locking::RecordLocking;
pub use retry::RetryPolicy;
pub use sharing_rules::{ListRequest, SharingRules};
