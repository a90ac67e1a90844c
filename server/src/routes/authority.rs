//! Tag `authority`: imposing, releasing and listing controls, each within
//! the authority's rights (问题十).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use suikang_protocol::api::*;
use suikang_protocol::{
    Authority, Color, Control, ControlReasons, Executor, hand_over, may_impose, may_release,
};

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

/// The person's active control for `reason` (refused as not active
/// without one), and all their active controls, as the release and
/// hand-over rules read them.
fn active_control(
    before: &[ActiveControl],
    reason: suikang_protocol::ControlReason,
) -> Result<(&Control, Vec<Control>), ApiError> {
    let active = before
        .iter()
        .find(|c| c.control.reason == reason)
        .ok_or(ApiError::ControlNotActive)?;
    Ok((
        &active.control,
        before.iter().map(|c| c.control.clone()).collect(),
    ))
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
    let (active, all) = active_control(&before, req.reason)?;
    may_release(authority, active, &all).map_err(ApiError::OutsideRights)?;
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

/// Hand the execution of a control over to another organisation of a kind
/// that executes it (DESIGN §2: "execution can be handed over … (audited)"):
/// a district's home isolation to the hospital that now cares for the
/// person, a community's arrival control to another of the same district.
/// Whoever may release the control may hand it over (protocol `hand_over`);
/// the receiver must have an authority account, so the control never ends
/// up with nobody who could release it.
#[utoipa::path(post, path = paths::HAND_OVER_CONTROL, tag = "authority", request_body = HandOverControlRequest,
    responses((status = 200, body = ControlsResponse)))]
pub(super) async fn hand_over_control(
    State(issuer): State<Arc<Issuer>>,
    caller: Caller,
    ApiJson(req): ApiJson<HandOverControlRequest>,
) -> Result<Json<ControlsResponse>, ApiError> {
    let authority = caller.authority()?;
    let person = known_person(&issuer, &req.document).await?;
    let before = issuer.store.active_controls(person.id).await?;
    let (active, all) = active_control(&before, req.reason)?;
    let recipient = issuer
        .store
        .authority_by_organisation(req.to_organisation.trim().to_owned())
        .await?
        .and_then(|a| match a.kind {
            AccountKind::Authority(role) => Some(Authority {
                role,
                organisation: a.organisation,
                district: a.district,
            }),
            _ => None,
        })
        .ok_or(ApiError::RecipientNotFound)?;
    let after = hand_over(authority, active, &all, &recipient).map_err(ApiError::OutsideRights)?;
    // The audit line: who handed what over, the executor before and after.
    let audit = AuditEntry {
        actor: serde_json::to_string(authority).unwrap_or_default(),
        action: "hand_over".into(),
        person: person.id,
        reason: req.reason,
        before: serde_json::to_string(&active.executor).unwrap_or_default(),
        after: serde_json::to_string(&after.executor).unwrap_or_default(),
        at: issuer.now(),
    };
    match issuer
        .store
        .hand_over_control(person.id, req.reason, after.executor, audit)
        .await?
    {
        HandOverOutcome::NotActive => Err(ApiError::ControlNotActive),
        HandOverOutcome::HandedOver { audit_id } => {
            tracing::info!(role = ?authority.role, reason = ?req.reason, audit_id, "control handed over");
            Ok(Json(
                controls_response(&issuer, &person, Some(audit_id)).await?,
            ))
        }
    }
}

/// The symptom declarations of the authority's district (a city-level
/// authority: the whole city) in the last `days` (default 7), newest first:
/// what a district would follow up (问题六: health changes are declared).
/// Masked identity only.
#[utoipa::path(post, path = paths::SYMPTOM_DECLARATIONS, tag = "authority", request_body = ListSymptomDeclarationsRequest,
    responses((status = 200, body = SymptomDeclarationsResponse)))]
pub(super) async fn symptom_declarations(
    State(issuer): State<Arc<Issuer>>,
    caller: Caller,
    ApiJson(req): ApiJson<ListSymptomDeclarationsRequest>,
) -> Result<Json<SymptomDeclarationsResponse>, ApiError> {
    let authority = caller.authority()?;
    // ApiJson refused a `days` outside 1 to 30 (the schema's bounds).
    let days = req.days.map_or(7, |d| d.get());
    let prefix = match suikang_protocol::find_district(&authority.district) {
        Ok(d) if d.is_city() => d.code_text()[..4].to_owned(),
        Ok(d) => d.code_text(),
        // An account made with a district nobody knows sees nothing.
        Err(_) => {
            return Ok(Json(SymptomDeclarationsResponse {
                declarations: vec![],
            }));
        }
    };
    let since = issuer.now() - time::Duration::days(i64::from(days));
    let records = issuer.store.symptom_declarations(prefix, since).await?;
    Ok(Json(SymptomDeclarationsResponse {
        declarations: records
            .into_iter()
            .map(|r| SymptomDeclarationView {
                declaration_id: r.id,
                masked_name: r.person.masked_name.clone(),
                masked_document: r.person.masked_document.clone(),
                code_id: r.person.code.map(|c| code_id_text(c.code_id)),
                symptoms: serde_json::from_str(&r.declaration.symptoms).unwrap_or_default(),
                district: r.declaration.district.unwrap_or_default(),
                declared_by: r.declaration.declared_by,
                declared_at: r.declaration.at,
            })
            .collect(),
    }))
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
