//! Tag `checkpoint`: online verification (the checkpoint's second opinion)
//! and the root-signed trust list.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use suikang_protocol::api::*;
use suikang_protocol::{Color, ControlReasons, VerificationPolicy, verify};

use super::ApiJson;
use crate::error::ApiError;
use crate::issuer::{Caller, Issuer};

/// Verify a scanned code online: the offline checks, plus the holder's
/// current colour and pass/stop when the code is ours — never the reasons,
/// which only authorities see. Only a checkpoint account may ask (DESIGN §2,
/// Online check; issue 11, finding 4: it once answered anyone).
#[utoipa::path(post, path = paths::VERIFY, tag = "checkpoint", request_body = OnlineVerifyRequest,
    responses((status = 200, body = OnlineVerifyResponse)))]
pub(super) async fn online_verify(
    State(issuer): State<Arc<Issuer>>,
    caller: Caller,
    ApiJson(req): ApiJson<OnlineVerifyRequest>,
) -> Result<Json<OnlineVerifyResponse>, ApiError> {
    caller.checkpoint()?;
    let trust = issuer.trust();
    let verified = match verify(
        &req.qr_text,
        &trust.list,
        issuer.now(),
        &VerificationPolicy::default(),
    ) {
        Ok(v) => v,
        Err(refusal) => {
            return Ok(Json(OnlineVerifyResponse {
                valid: false,
                refusal: Some(refusal),
                refusal_label_zh: Some(refusal.label_zh().to_owned()),
                code: None,
                current_status: None,
                status_changed_since_issue: false,
            }));
        }
    };
    let mut current_status = None;
    let mut changed = false;
    if verified.issuer == issuer.profile.id
        && let Some(person) = issuer.store.person_by_code(verified.code_id).await?
        && let Some(code) = person.code
    {
        let controls = issuer.store.active_controls(person.id).await?;
        let reasons: ControlReasons = controls.iter().map(|c| c.control.reason).collect();
        let color = Color::of(code.applied_by, reasons);
        changed = color != verified.color || reasons != verified.controls;
        current_status = Some(CurrentStatus {
            color,
            pass: color != Color::Red,
            status_changed_at: person.status_changed_at,
        });
    }
    Ok(Json(OnlineVerifyResponse {
        valid: true,
        refusal: None,
        refusal_label_zh: None,
        code: Some(VerifiedCodeView {
            issuer: IssuerView {
                issuer_id: verified.issuer.0,
                slug: trust
                    .list
                    .issuer(verified.issuer)
                    .map(|i| i.slug.clone())
                    .unwrap_or_default(),
                name_zh: verified.issuer_name_zh.clone(),
                name_en: verified.issuer_name_en.clone(),
                colors: verified.issuer_colors,
            },
            code_id: code_id_text(verified.code_id),
            color: verified.color,
            controls: verified.controls.iter().collect(),
            masked_name: verified.masked_name,
            masked_document: verified.masked_document,
            document_kind: verified.document_kind,
            printed: verified.printed,
            issued_at: verified.issued_at,
            expires_at: verified.expires_at,
        }),
        current_status,
        status_changed_since_issue: changed,
    }))
}

/// The root-signed trust list (问题八), with ETag.
#[utoipa::path(get, path = paths::TRUST_LIST, tag = "checkpoint",
    responses((status = 200, description = "The signed trust list envelope (protocol FORMAT.md)"), (status = 304, description = "not modified")))]
pub(super) async fn trust_list(State(issuer): State<Arc<Issuer>>, headers: HeaderMap) -> Response {
    let trust = issuer.trust();
    let etag = HeaderValue::from_str(&trust.etag).expect("an ETag is ASCII");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == trust.etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::ETAG, etag),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        trust.signed_json.clone(),
    )
        .into_response()
}
