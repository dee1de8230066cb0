#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

// The hand-written layer, one module per concept (see ARCHITECTURE.md for the map and the
// layering rule). Only the names re-exported below are public.
mod body;
mod client;
mod datacenter;
mod directory;
mod error;
mod generated;
mod generated_client;
mod handles;
mod hooks;
mod org_permissions;
mod paging;
mod record_locking;
mod record_locks;
mod retry;
mod sharing_rules;
mod tls;

pub mod access;
pub mod auth;
pub mod criteria;
pub mod desired;
pub mod operations;
pub mod raw;

#[cfg(feature = "test-support")]
#[doc(hidden)]
pub mod wire;

pub use client::{Client, ClientBuilder};
pub use datacenter::{DataCenter, Environment};
pub use directory::{DirectoryHandler, ProfilesRequest, UserGroupsRequest, UsersRequest};
pub use error::{Error, ItemFailure, TransportKind};
pub use generated::{enums, types};
pub use org_permissions::OrgPermissionsHandler;
pub use record_locking::RecordLockingHandler;
pub use record_locks::{RecordLockChange, RecordLockOutcome, RecordLocksHandler};
pub use retry::RetryPolicy;
pub use sharing_rules::{AllSharingRulesHandler, ListRequest, SharingRulesHandler};
