//! Tag `guardians`: guardianship consent (DESIGN §2). A later application
//! for someone whose code another holds becomes a join request; the
//! guardians list the requests for their dependents and approve or decline
//! them. Leaving is `DELETE /v1/dependents/{code_id}` (tag `codes`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use suikang_protocol::api::*;

use super::ApiJson;
use crate::error::ApiError;
use crate::issuer::{Caller, Issuer};
use crate::store::*;

/// The join requests waiting for the caller's decision: for every dependent
/// the caller holds (a committee: also everyone recorded as living in its
/// district), who asked (masked), how related, and when.
#[utoipa::path(get, path = paths::JOIN_REQUESTS, tag = "guardians",
    responses((status = 200, body = JoinRequestsResponse)))]
pub(super) async fn pending_join_requests(
    State(issuer): State<Arc<Issuer>>,
    caller: Caller,
) -> Result<Json<JoinRequestsResponse>, ApiError> {
    let guardian = caller.guardian()?;
    let requests = issuer
        .store
        .pending_join_requests(guardian, caller.committee_district())
        .await?
        .iter()
        .filter_map(view)
        .collect();
    Ok(Json(JoinRequestsResponse { requests }))
}

/// Approve a join request: the requester becomes a guardian and sees the
/// code on their next sync.
#[utoipa::path(post, path = paths::APPROVE_JOIN_REQUEST, tag = "guardians", request_body = DecideJoinRequest,
    params(("request_id" = String, Path, description = "16 hex digits")),
    responses((status = 200, body = JoinDecisionResponse)))]
pub(super) async fn approve_join_request(
    State(issuer): State<Arc<Issuer>>,
    caller: Caller,
    Path(request_id): Path<String>,
    ApiJson(_req): ApiJson<DecideJoinRequest>,
) -> Result<Json<JoinDecisionResponse>, ApiError> {
    decide(&issuer, &caller, &request_id, true).await
}

/// Decline a join request: the requester learns nothing more.
#[utoipa::path(post, path = paths::DECLINE_JOIN_REQUEST, tag = "guardians", request_body = DecideJoinRequest,
    params(("request_id" = String, Path, description = "16 hex digits")),
    responses((status = 200, body = JoinDecisionResponse)))]
pub(super) async fn decline_join_request(
    State(issuer): State<Arc<Issuer>>,
    caller: Caller,
    Path(request_id): Path<String>,
    ApiJson(_req): ApiJson<DecideJoinRequest>,
) -> Result<Json<JoinDecisionResponse>, ApiError> {
    decide(&issuer, &caller, &request_id, false).await
}

async fn decide(
    issuer: &Issuer,
    caller: &Caller,
    request_id: &str,
    approve: bool,
) -> Result<Json<JoinDecisionResponse>, ApiError> {
    let by = caller.guardian()?;
    // A malformed id is as unknown as a missing one.
    let id = parse_request_id(request_id).ok_or(ApiError::JoinRequestNotFound)?;
    let now = issuer.now();
    let outcome = issuer
        .store
        .decide_join_request(JoinDecisionInput {
            request: JoinRequestId(id),
            by,
            committee_of: caller.committee_district(),
            approve,
            max_relative_dependents: issuer.policy.max_relative_dependents,
            at: now,
        })
        .await?;
    let (request, decision) = match outcome {
        DecideOutcome::Approved(r) => (r, JoinDecision::Approved),
        DecideOutcome::Declined(r) => (r, JoinDecision::Declined),
        DecideOutcome::NotFound => return Err(ApiError::JoinRequestNotFound),
        DecideOutcome::NotYourDependent => return Err(ApiError::NotYourDependent),
        DecideOutcome::AlreadyDecided => return Err(ApiError::JoinRequestAlreadyDecided),
        DecideOutcome::TooManyDependents => return Err(ApiError::TooManyDependents),
    };
    Ok(Json(JoinDecisionResponse {
        request_id: request_id_text(request.id.0),
        code_id: request
            .dependent_code
            .map(code_id_text)
            .ok_or(ApiError::Internal)?,
        decision,
        decided_at: now,
    }))
}

/// A request as a guardian sees it; one for a person without a code yet
/// (never the case for a held dependent) is left out.
fn view(r: &JoinRequest) -> Option<JoinRequestView> {
    Some(JoinRequestView {
        request_id: request_id_text(r.id.0),
        code_id: code_id_text(r.dependent_code?),
        dependent_masked_name: r.dependent_masked_name.clone(),
        requester_masked_name: r.requester_masked_name.clone(),
        relationship: r.terms.relationship,
        co_resident_declared: r.terms.co_resident_declared,
        requested_at: r.requested_at,
    })
}
