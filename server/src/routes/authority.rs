//! Tag `authority`: imposing, releasing and listing controls, each within
//! the authority's rights (问题十).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use suikang_protocol::api::*;
use suikang_protocol::{Color, Control, ControlReasons, Executor, may_impose, may_release};

use super::{ApiJson, ControlChange, audit_entry};
use crate::error::ApiError;
use crate::issuer::{Caller, Issuer};
use crate::store::*;

async fn controls_response(
    issuer: &Issuer,
    person: &Person,
    audit_id: Option<i64>,
) -> Result<ControlsResponse, ApiError> {
    let controls = issuer.store.active_controls(person.id).await?;
    let reasons: ControlReasons = controls.iter().map(|c| c.control.reason).collect();
    Ok(ControlsResponse {
        masked_document: person.masked_document.clone(),
        masked_name: person.masked_name.clone(),
        code_id: person.code.map(|c| code_id_text(c.code_id)),
        color: person.code.map(|c| Color::of(c.applied_by, reasons)),
        controls: controls
            .into_iter()
            .map(|c| {
                let executed_by = match &c.control.executor {
                    Executor::Authority(a) => Some(AuthorityView {
                        role: a.role,
                        organisation: a.organisation.clone(),
                        district: a.district.clone(),
                    }),
                    Executor::HealthDeclaration => None,
                };
                ControlRecord {
                    reason: c.control.reason,
                    district: c.control.district,
                    by_health_declaration: executed_by.is_none(),
                    executed_by,
                    since: c.since,
                }
            })
            .collect(),
        audit_id,
    })
}

/// The person a document names, if the server knows them.
async fn known_person(issuer: &Issuer, document: &DocumentInput) -> Result<Person, ApiError> {
    let document = issuer.parse_document(document)?;
    issuer
        .store
        .person_by_doc(issuer.doc_key(&document))
        .await?
        .ok_or(ApiError::PersonNotFound)
}

/// Put a person under control, within the authority's rights (问题十).
#[utoipa::path(post, path = paths::IMPOSE_CONTROL, tag = "authority", request_body = ImposeControlRequest,
    responses((status = 200, body = ControlsResponse)))]
pub(super) async fn impose_control(
    State(issuer): State<Arc<Issuer>>,
    caller: Caller,
    ApiJson(req): ApiJson<ImposeControlRequest>,
) -> Result<Json<ControlsResponse>, ApiError> {
    let authority = caller.authority()?;
    let document = issuer.parse_document(&req.document)?;
    may_impose(authority, req.reason).map_err(ApiError::OutsideRights)?;
    let now = issuer.now();
    let person = issuer
        .store
        .upsert_person(issuer.facts(&document, None)?, now)
        .await?;
    let before = issuer.store.active_controls(person.id).await?;
    let control = Control::imposed_by(authority, req.reason);
    let audit = audit_entry(
        authority,
        ControlChange::Impose(req.reason),
        person.id,
        &before,
        now,
    );
    match issuer
        .store
        .impose_control(person.id, control, audit)
        .await?
    {
        ImposeOutcome::AlreadyActive => Err(ApiError::ControlAlreadyActive),
        ImposeOutcome::Imposed { audit_id } => {
            tracing::info!(role = ?authority.role, reason = ?req.reason, audit_id, "control imposed");
            Ok(Json(
                controls_response(&issuer, &person, Some(audit_id)).await?,
            ))
        }
    }
}

/// Lift a control, within the authority's rights (问题十).
#[utoipa::path(post, path = paths::RELEASE_CONTROL, tag = "authority", request_body = ReleaseControlRequest,
    responses((status = 200, body = ControlsResponse)))]
pub(super) async fn release_control(
    State(issuer): State<Arc<Issuer>>,
    caller: Caller,
    ApiJson(req): ApiJson<ReleaseControlRequest>,
) -> Result<Json<ControlsResponse>, ApiError> {
    let authority = caller.authority()?;
    let person = known_person(&issuer, &req.document).await?;
    let before = issuer.store.active_controls(person.id).await?;
    let active = before
        .iter()
        .find(|c| c.control.reason == req.reason)
        .ok_or(ApiError::ControlNotActive)?;
    may_release(
        authority,
        &active.control,
        &before.iter().map(|c| c.control.clone()).collect::<Vec<_>>(),
    )
    .map_err(ApiError::OutsideRights)?;
    let audit = audit_entry(
        authority,
        ControlChange::Release(req.reason),
        person.id,
        &before,
        issuer.now(),
    );
    match issuer
        .store
        .release_control(person.id, req.reason, audit)
        .await?
    {
        ReleaseOutcome::NotActive => Err(ApiError::ControlNotActive),
        ReleaseOutcome::Released { audit_id } => {
            tracing::info!(role = ?authority.role, reason = ?req.reason, audit_id, "control released");
            Ok(Json(
                controls_response(&issuer, &person, Some(audit_id)).await?,
            ))
        }
    }
}

/// A person's active controls.
#[utoipa::path(post, path = paths::LIST_CONTROLS, tag = "authority", request_body = ListControlsRequest,
    responses((status = 200, body = ControlsResponse)))]
pub(super) async fn list_controls(
    State(issuer): State<Arc<Issuer>>,
    caller: Caller,
    ApiJson(req): ApiJson<ListControlsRequest>,
) -> Result<Json<ControlsResponse>, ApiError> {
    caller.authority()?;
    let person = known_person(&issuer, &req.document).await?;
    Ok(Json(controls_response(&issuer, &person, None).await?))
}
