//! The low-level client progenitor generates from `spec/zoho-crm-access.yaml` (see `build.rs`
//! and `spec/codegen.rs`): one builder-style method per operation, over the types in
//! `crate::generated`. The generated code is included as is; the only hand-written item is the
//! `ClientHooks` impl progenitor asks of its user, which hands every request to the transport
//! in `crate::hooks`.
//!
//! This module is private: users reach the client through [`crate::raw`].
#![allow(missing_docs, unused_imports, clippy::all, rustdoc::all)]

use crate::generated::types;
use crate::hooks::Hooks;

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));

/// Every request of the generated client goes through the transport in `crate::hooks`
/// (auth, retries, the concurrency limit, tracing). Kept here, beside the generated client,
/// so that `hooks` does not depend on this module (see ARCHITECTURE.md, "Layers").
impl ClientHooks<Hooks> for Client {
    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        if let Some(message) = result
            .as_ref()
            .ok()
            .and_then(crate::hooks::local_error_message)
        {
            return Err(progenitor_client::Error::Custom(message));
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        // Boxed once here, so the layers above move a pointer instead of a large future.
        Box::pin(
            self.inner()
                .shared
                .execute(self.client(), request, info.operation_id),
        )
        .await
    }
}
