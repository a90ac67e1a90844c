//! The authority's console (DESIGN §1): district, CDC, medical institution
//! and community staff put people under control and release them, each only
//! within its rights (问题十). The server checks the rights against the
//! protocol's table; this is the client the staff's app (and the CLI) uses.

use std::sync::Arc;
use suikang_protocol::api::{
    ControlsResponse, DocumentInput, HandOverControlRequest, ImposeControlRequest,
    ListControlsRequest, ReleaseControlRequest, paths,
};

use suikang_protocol::{ControlReason, Document, DocumentKind};

use crate::clock::Clock;
use crate::error::CoreError;
use crate::http::{Http, RetryPolicy};
use crate::outbox::idempotency_key;

/// An authority account's session with the issuing server.
pub struct AuthorityConsole {
    http: Http,
    token: String,
    /// Today's date decides whether a birth date in an ID is in the future.
    clock: Arc<dyn Clock>,
}

impl AuthorityConsole {
    /// `token`: the authority account's bearer token, from the server's admin.
    pub fn new(
        server_url: &str,
        token: &str,
        retry: RetryPolicy,
        clock: Arc<dyn Clock>,
    ) -> Result<AuthorityConsole, CoreError> {
        crate::http::require_secure_url(server_url)?;
        let http = Http::new(server_url, retry, None, &[]).map_err(CoreError::Storage)?;
        Ok(AuthorityConsole {
            http,
            token: token.to_owned(),
            clock,
        })
    }

    fn document(&self, kind: DocumentKind, number: &str) -> Result<DocumentInput, CoreError> {
        let document = Document::parse(kind, number, self.clock.now().date())?;
        Ok(DocumentInput {
            kind,
            number: document.number().to_owned(),
        })
    }

    /// Puts the person under `reason` (红码), executed by this authority.
    pub async fn impose(
        &self,
        kind: DocumentKind,
        number: &str,
        reason: ControlReason,
    ) -> Result<ControlsResponse, CoreError> {
        let request = ImposeControlRequest {
            document: self.document(kind, number)?,
            reason,
        };
        self.post(paths::IMPOSE_CONTROL, &request).await
    }

    /// Lifts `reason`, if this authority may (问题十).
    pub async fn release(
        &self,
        kind: DocumentKind,
        number: &str,
        reason: ControlReason,
    ) -> Result<ControlsResponse, CoreError> {
        let request = ReleaseControlRequest {
            document: self.document(kind, number)?,
            reason,
        };
        self.post(paths::RELEASE_CONTROL, &request).await
    }

    /// Hands the execution of `reason` over to `to_organisation` (an
    /// authority account of a kind that executes it; DESIGN §2, audited).
    pub async fn hand_over(
        &self,
        kind: DocumentKind,
        number: &str,
        reason: ControlReason,
        to_organisation: &str,
    ) -> Result<ControlsResponse, CoreError> {
        let request = HandOverControlRequest {
            document: self.document(kind, number)?,
            reason,
            to_organisation: to_organisation.trim().to_owned(),
        };
        self.post(paths::HAND_OVER_CONTROL, &request).await
    }

    /// The person's active controls.
    pub async fn controls(
        &self,
        kind: DocumentKind,
        number: &str,
    ) -> Result<ControlsResponse, CoreError> {
        let request = ListControlsRequest {
            document: self.document(kind, number)?,
        };
        self.post(paths::LIST_CONTROLS, &request).await
    }

    async fn post<B: serde::Serialize>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<ControlsResponse, CoreError> {
        self.http
            .post(path, Some(&self.token), body, &idempotency_key())
            .await
            .map_err(CoreError::from)
    }
}
