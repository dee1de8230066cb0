//! Placeholder hooks; replaced by the transport layer.
use crate::generated::Client;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

/// State the generated client carries for the hand-written layer.
#[derive(Clone, Debug, Default)]
pub struct Hooks {}

impl ClientHooks<Hooks> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.client().execute(request).await
    }
}
