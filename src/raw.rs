//! The generated low-level client, for operations or options the handles do not cover.
//!
//! [`RawClient`] is progenitor's builder-style client, generated from the spec: one method per
//! operation, named after its operationId in snake case (`list_sharing_rules`,
//! `get_org_permissions` ...), taking and returning the generated [`crate::types`]. Get one
//! with [`crate::Client::raw`]: it shares the client's authentication, retries and concurrency
//! limit, so the only difference from the handles is the result type.
//!
//! ```no_run
//! # async fn run(client: zoho_crm_access::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use zoho_crm_access::raw::RawError;
//!
//! let raw = client.raw();
//! match raw.get_sharing_rules_summary().module("Leads").send().await {
//!     Ok(summary) => println!("{} module(s)", summary.sharing_rules_summary.len()),
//!     Err(RawError::ErrorResponse(zoho)) => println!("Zoho said: {:?}", zoho.into_inner()),
//!     Err(other) => return Err(other.into()),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Stability
//!
//! Everything in this module comes from progenitor and its runtime crate `progenitor-client`
//! (0.15): [`RawError`], [`ResponseValue`] and [`ByteStream`] are that crate's types, and the
//! request builders in [`requests`] are its generated code. A release of this crate that moves
//! to a new progenitor may change them, and says so in its changelog; the rest of the crate
//! ([`crate::Client`], the handles, [`crate::Error`], [`crate::types`], [`crate::enums`]) does
//! not depend on progenitor's API.

/// progenitor's client: one method per operation of the spec. Obtain one from
/// [`crate::Client::raw`].
pub use crate::generated_client::Client as RawClient;

/// The request builders [`RawClient`]'s methods return: set parameters and the body, then
/// `send()`.
pub use crate::generated_client::builder as requests;

/// The error of a raw call (progenitor-client's `Error`): a transport failure, Zoho's error
/// body ([`RawError::ErrorResponse`]), or an answer that does not match the spec.
pub use progenitor_client::Error as RawError;

pub use progenitor_client::{ByteStream, ResponseValue};
