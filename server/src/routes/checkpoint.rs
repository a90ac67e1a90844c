//! Tag `checkpoint`: online verification (the checkpoint's second opinion)
//! and the root-signed trust list.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use suikang_protocol::api::*;
use suikang_protocol::{
    AppliedBy, Color, ControlReasons, Refusal, TrustList, VerificationPolicy, VerifiedCode, verify,
};

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
        Err(refusal) => return Ok(Json(refused(refusal))),
    };
    let mut current_status = None;
    let mut changed = false;
    if verified.issuer == issuer.profile.id
        && let Some(person) = issuer.store.person_by_code(verified.code_id).await?
        && let Some(code) = person.code
    {
        let controls = issuer.store.active_controls(person.id).await?;
        let reasons: ControlReasons = controls.iter().map(|c| c.control.reason).collect();
        let now = status_now(code.applied_by, reasons, person.status_changed_at);
        changed = now.color != verified.color || reasons != verified.controls;
        current_status = Some(now);
    }
    Ok(Json(OnlineVerifyResponse {
        valid: true,
        refusal: None,
        refusal_label_zh: None,
        code: Some(verified_view(&trust.list, verified)),
        current_status,
        status_changed_since_issue: changed,
    }))
}

/// The answer for a code that does not verify: why, and nothing else.
fn refused(refusal: Refusal) -> OnlineVerifyResponse {
    OnlineVerifyResponse {
        valid: false,
        refusal: Some(refusal),
        refusal_label_zh: Some(refusal.label_zh().to_owned()),
        code: None,
        current_status: None,
        status_changed_since_issue: false,
    }
}

/// The issuer's status of one of its codes now (DESIGN §2, Online check):
/// the colour from the protocol's rule, and Stop while it is red — never
/// the reasons.
fn status_now(
    applied_by: AppliedBy,
    reasons: ControlReasons,
    status_changed_at: time::OffsetDateTime,
) -> CurrentStatus {
    let color = Color::of(applied_by, reasons);
    CurrentStatus {
        color,
        pass: color != Color::Red,
        status_changed_at,
    }
}

/// What the code itself says, as verified offline, for the checkpoint's
/// screen: masked identity only.
fn verified_view(list: &TrustList, verified: VerifiedCode) -> VerifiedCodeView {
    VerifiedCodeView {
        issuer: IssuerView {
            issuer_id: verified.issuer.0,
            slug: list
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
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use suikang_protocol::ControlReason;
    use time::macros::datetime;

    /// A code red now is Stop online, whoever applied for it; blue and
    /// green pass (DESIGN §2, Online check).
    #[test]
    fn a_code_red_now_is_stop_and_blue_or_green_pass() {
        let at = datetime!(2026-11-30 12:00 UTC);
        let red: ControlReasons = [ControlReason::CloseContact].into_iter().collect();
        for applied_by in [AppliedBy::Holder, AppliedBy::Proxy] {
            let now = status_now(applied_by, red, at);
            assert_eq!((now.color, now.pass), (Color::Red, false));
        }
        let none = ControlReasons::EMPTY;
        let blue = status_now(AppliedBy::Holder, none, at);
        let green = status_now(AppliedBy::Proxy, none, at);
        assert_eq!((blue.color, blue.pass), (Color::Blue, true));
        assert_eq!((green.color, green.pass), (Color::Green, true));
        assert_eq!(green.status_changed_at, at);
    }

    /// A refused code tells why and nothing about anyone.
    #[test]
    fn a_refused_code_answers_only_why() {
        let answer = refused(Refusal::BadIssuerSignature);
        assert!(!answer.valid);
        assert_eq!(answer.refusal, Some(Refusal::BadIssuerSignature));
        assert!(answer.code.is_none() && answer.current_status.is_none());
    }
}
