//! The desk of a residents'/village committee or a property management
//! company (DESIGN §1; 问题二: 所在居村民委员会、物业服务企业代为申领): it
//! applies for the codes of the people of its own district who have no
//! smartphone, lists the codes it holds, and — a residents'/village
//! committee — decides the join requests for the people recorded as living
//! in its district (DESIGN §2). The server checks the district;
//! this is the client the committee's app (and the CLI) uses, with the
//! institution account's token instead of a resident's sign-in.

use std::sync::Arc;
use suikang_protocol::api::{
    ApplyProxyRequest, ApplyResponse, CodesResponse, DecideJoinRequest, DocumentInput,
    JoinDecisionResponse, JoinRequestView, JoinRequestsResponse, paths,
};
use suikang_protocol::{Document, DocumentKind, Relationship, mask_name};

use crate::clock::Clock;
use crate::error::CoreError;
use crate::guardians::checked_request_id;
use crate::http::{Http, Reply, RetryPolicy};
use crate::outbox::idempotency_key;

/// An institution account's session with the issuing server.
pub struct InstitutionDesk {
    http: Http,
    token: String,
    /// Today's date decides whether a birth date in an ID is in the future.
    clock: Arc<dyn Clock>,
}

impl InstitutionDesk {
    /// `token`: the institution account's bearer token, from the server's
    /// admin (`suikang-server create-institution`).
    pub fn new(
        server_url: &str,
        token: &str,
        retry: RetryPolicy,
        clock: Arc<dyn Clock>,
    ) -> Result<InstitutionDesk, CoreError> {
        crate::http::require_secure_url(server_url)?;
        let http = Http::new(server_url, retry, None, &[]).map_err(CoreError::Storage)?;
        Ok(InstitutionDesk {
            http,
            token: token.trim().to_owned(),
            clock,
        })
    }

    /// Applies for a resident of the institution's district (green).
    /// `residence_district`: where they live, a GB/T 2260 code or a name
    /// (`440104`, `越秀区`, `yuexiu`); it must be the institution's own.
    pub async fn apply_proxy(
        &self,
        name: &str,
        kind: DocumentKind,
        number: &str,
        relationship: Relationship,
        residence_district: &str,
    ) -> Result<ApplyResponse, CoreError> {
        mask_name(name)?;
        let document = Document::parse(kind, number, self.clock.now().date())?;
        let request = ApplyProxyRequest {
            name: name.trim().to_owned(),
            document: DocumentInput {
                kind,
                number: document.number().to_owned(),
            },
            relationship,
            co_resident_declared: false,
            reason: None,
            residence_district: Some(residence_district.trim().to_owned()),
        };
        self.http
            .post(
                paths::APPLY_PROXY,
                Some(&self.token),
                &request,
                &idempotency_key(),
            )
            .await
            .map_err(CoreError::from)
    }

    /// The codes the institution holds, with their colours now.
    pub async fn codes(&self) -> Result<CodesResponse, CoreError> {
        match self
            .http
            .get(paths::CODES, Some(&self.token), None)
            .await
            .map_err(CoreError::from)?
        {
            Reply::Fresh { body, .. } => Ok(body),
            Reply::NotModified => Err(CoreError::BadServerResponse),
        }
    }

    /// The join requests the institution decides: for the codes it holds,
    /// and (a committee) for everyone recorded as living in its district.
    pub async fn pending_join_requests(&self) -> Result<Vec<JoinRequestView>, CoreError> {
        match self
            .http
            .get(paths::JOIN_REQUESTS, Some(&self.token), None)
            .await
            .map_err(CoreError::from)?
        {
            Reply::Fresh {
                body: JoinRequestsResponse { requests },
                ..
            } => Ok(requests),
            Reply::NotModified => Err(CoreError::BadServerResponse),
        }
    }

    /// Approves a join request: the requester becomes a guardian.
    pub async fn approve_join_request(
        &self,
        request_id: &str,
    ) -> Result<JoinDecisionResponse, CoreError> {
        let path = paths::approve_join_request(checked_request_id(request_id)?);
        self.decide(&path).await
    }

    /// Declines a join request: the requester learns nothing more.
    pub async fn decline_join_request(
        &self,
        request_id: &str,
    ) -> Result<JoinDecisionResponse, CoreError> {
        let path = paths::decline_join_request(checked_request_id(request_id)?);
        self.decide(&path).await
    }

    async fn decide(&self, path: &str) -> Result<JoinDecisionResponse, CoreError> {
        self.http
            .post(
                path,
                Some(&self.token),
                &DecideJoinRequest {},
                &idempotency_key(),
            )
            .await
            .map_err(CoreError::from)
    }
}
