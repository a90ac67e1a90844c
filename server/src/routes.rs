//! The HTTP API (DESIGN §6): routes, handlers, idempotency, and the OpenAPI
//! document generated from the same handlers (so the two stay in step).

use std::sync::Arc;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use suikang_protocol::api::*;
use suikang_protocol::device_binding::verify_binding;
use suikang_protocol::{
    AppliedBy, Binding, CodeId, Color, Control, ControlReason, ControlReasons, Executor,
    VerificationPolicy, check_proxy_guardian, may_impose, may_release, verify,
};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::{ACCESS_PREFIX, App, Caller, REFRESH_PREFIX, new_token, token_hash};
use crate::error::ApiError;
use crate::face_simulator;
use crate::keys::random_bytes;
use crate::store::*;

type AppState = Arc<App>;

/// JSON body whose every rejection is an [`ApiError`].
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(rejection.into()),
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Suikang issuing server", description = "穗康码 reference server API (DESIGN §6)."),
    components(schemas(ErrorBody, ErrorCode)),
    tags(
        (name = "login", description = "Real-name login with the face-verification handoff"),
        (name = "codes", description = "Own and dependents' codes, sync, printing"),
        (name = "checkpoint", description = "Online verification and the trust list"),
        (name = "authority", description = "Controls, within each authority's rights (问题十)"),
        (name = "meta", description = "Health and documentation")
    )
)]
struct ApiDoc;

/// The router with its OpenAPI document.
pub fn router(app: AppState) -> Router {
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(openapi_json))
        .routes(routes!(login_start))
        .routes(routes!(login_finish))
        .routes(routes!(face_simulator_capture))
        .routes(routes!(session_view))
        .routes(routes!(session_refresh))
        .routes(routes!(session_logout))
        .routes(routes!(sync_codes))
        .routes(routes!(apply_self))
        .routes(routes!(apply_proxy))
        .routes(routes!(remove_dependent))
        .routes(routes!(printed_code))
        .routes(routes!(health_declaration))
        .routes(routes!(online_verify))
        .routes(routes!(trust_list))
        .routes(routes!(impose_control))
        .routes(routes!(release_control))
        .routes(routes!(list_controls))
        .split_for_parts();
    let _ = app
        .openapi_json
        .set(openapi.to_json().expect("the document serialises"));
    router
        .fallback(|| async { ApiError::NoSuchEndpoint })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(middleware::from_fn_with_state(app.clone(), idempotency))
        .layer(axum::extract::DefaultBodyLimit::max(app.policy.body_limit))
        .layer(middleware::from_fn(access_log))
        .with_state(app)
}

/// Logs method, route template and status: never a body, query or token.
async fn access_log(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".into());
    let response = next.run(req).await;
    tracing::debug!(%method, route, status = response.status().as_u16(), "request");
    response
}

// ---------------------------------------------------------------- idempotency

const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Every POST or DELETE with an `Idempotency-Key`: the key is claimed before
/// the request runs, so a retry racing the first attempt waits for it
/// (`request_in_progress`, 503 with `Retry-After`) and a later retry gets the
/// first response back — no second effect. The same key with another body is
/// refused. Keys belong to the caller (the person or account, not the token:
/// a retry after a token refresh is the same request).
async fn idempotency(State(app): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST && req.method() != Method::DELETE {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get(IDEMPOTENCY_KEY) else {
        return next.run(req).await;
    };
    let key = match key.to_str() {
        Ok(k) if (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => {
            k.to_owned()
        }
        _ => return ApiError::InvalidIdempotencyKey.into_response(),
    };
    let caller = if req.headers().contains_key(header::AUTHORIZATION) {
        match app.authenticate(req.headers()).await {
            Ok(caller) => idempotency_owner(&caller),
            // The handler refuses the token; nothing to keep.
            Err(_) => return next.run(req).await,
        }
    } else {
        "anonymous".to_owned()
    };
    let scope: [u8; 32] = Sha256::digest(caller.as_bytes()).into();
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, app.policy.body_limit).await {
        Ok(b) => b,
        Err(_) => return ApiError::PayloadTooLarge.into_response(),
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update([0]);
    hasher.update(parts.uri.path().as_bytes());
    hasher.update([0]);
    hasher.update(&bytes);
    let request_hash: [u8; 32] = hasher.finalize().into();
    match app
        .store
        .claim_idempotency_key(scope, key.clone(), request_hash, app.now())
        .await
    {
        Ok(IdempotencyClaim::Claimed) => {}
        Ok(IdempotencyClaim::Done(stored)) if stored.request_hash == request_hash => {
            return replay(stored);
        }
        Ok(IdempotencyClaim::InFlight { request_hash: h }) if h == request_hash => {
            let mut response = ApiError::RequestInProgress.into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return response;
        }
        Ok(_) => return ApiError::IdempotencyKeyReused.into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if response.status().is_server_error() {
        // Nothing was changed: let a retry run it again.
        if let Err(e) = app.store.abandon_idempotency_key(scope, key).await {
            tracing::warn!(error = %e, "an idempotency claim was not given up");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(body) = to_bytes(body, usize::MAX).await else {
        return ApiError::Internal.into_response();
    };
    let stored = StoredResponse {
        request_hash,
        status: parts.status.as_u16(),
        body: body.to_vec(),
    };
    if let Err(e) = app.store.complete_idempotency_key(scope, key, stored).await {
        return ApiError::from(e).into_response();
    }
    Response::from_parts(parts, Body::from(body))
}

/// Whose idempotency keys these are: stable across token rotation.
fn idempotency_owner(caller: &Caller) -> String {
    match caller {
        Caller::Resident(session) => format!("person:{}", session.person.0),
        Caller::Institution { id, .. } => format!("account:{}", id.0),
        Caller::Authority(a) => format!("authority:{:?}:{}", a.role, a.organisation),
    }
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, Bytes::from(stored.body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

// ---------------------------------------------------------------- helpers

fn decode_hex<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N], ApiError> {
    let mut out = [0; N];
    hex::decode_to_slice(text, &mut out).map_err(|_| ApiError::InvalidEncoding(what))?;
    Ok(out)
}

fn code_param(text: &str) -> Result<CodeId, ApiError> {
    // A malformed id is as unknown as another person's: 404 either way.
    parse_code_id(text).ok_or(ApiError::NotYourCode)
}

fn reasons_json(controls: &[ActiveControl]) -> String {
    let reasons: Vec<ControlReason> = controls.iter().map(|c| c.control.reason).collect();
    serde_json::to_string(&reasons).unwrap_or_default()
}

fn short_text(text: &str, what: &'static str) -> Result<(), ApiError> {
    let ok = !text.trim().is_empty()
        && text.chars().count() <= 64
        && !text.chars().any(char::is_control);
    ok.then_some(())
        .ok_or_else(|| ApiError::InvalidRequest(format!("{what}: 1 to 64 characters")))
}

fn session_tokens(
    access: String,
    refresh: String,
    access_expires_at: time::OffsetDateTime,
    refresh_expires_at: time::OffsetDateTime,
) -> SessionTokens {
    SessionTokens {
        access_token: access,
        access_expires_at,
        refresh_token: refresh,
        refresh_expires_at,
    }
}

// ---------------------------------------------------------------- meta

/// Liveness probe.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, description = "ok", body = String)))]
async fn healthz() -> &'static str {
    "ok"
}

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "meta", responses((status = 200, description = "The OpenAPI document")))]
async fn openapi_json(State(app): State<AppState>) -> Response {
    let json = app.openapi_json.get().cloned().unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], json).into_response()
}

// ---------------------------------------------------------------- login

/// Start a real-name login: returns the face challenge.
#[utoipa::path(post, path = "/v1/login/start", tag = "login", request_body = LoginStartRequest,
    responses((status = 200, body = FaceChallenge),
        (status = 422, description = "invalid_document_number, invalid_name, invalid_request", body = ErrorBody),
        (status = 429, description = "login_locked", body = ErrorBody)))]
async fn login_start(
    State(app): State<AppState>,
    ApiJson(req): ApiJson<LoginStartRequest>,
) -> Result<Json<FaceChallenge>, ApiError> {
    let document = app.parse_document(&req.document)?;
    let facts = app.facts(&document, Some(&req.name))?;
    let now = app.now();
    let failures = app
        .store
        .face_failures_since(facts.doc_key, now - app.policy.face_failure_window)
        .await?;
    if failures >= app.policy.face_failure_limit {
        return Err(ApiError::LoginLocked);
    }
    let challenge = Challenge {
        id: hex::encode(random_bytes::<16>()),
        nonce: random_bytes(),
        person: facts,
        expires_at: now + app.policy.challenge_ttl,
    };
    app.store.create_challenge(challenge.clone()).await?;
    tracing::info!(kind = ?document.kind(), "login started");
    Ok(Json(FaceChallenge {
        challenge_id: challenge.id,
        nonce: URL_SAFE_NO_PAD.encode(challenge.nonce),
        expires_at: challenge.expires_at,
        vendor: FaceVendorParams {
            vendor: face_simulator::VENDOR.into(),
            vendor_public_key: hex::encode(face_simulator::vendor_public_key().to_bytes()),
            liveness_actions: vec!["blink".into(), "turn_head".into()],
        },
    }))
}

/// Finish login with the vendor's signed result and the device key.
#[utoipa::path(post, path = "/v1/login/finish", tag = "login", request_body = LoginFinishRequest,
    responses((status = 200, body = SessionTokens),
        (status = 401, description = "face_mismatch, liveness_failed, face_result_invalid, device_binding_invalid", body = ErrorBody),
        (status = 404, description = "challenge_not_found", body = ErrorBody),
        (status = 409, description = "challenge_already_used", body = ErrorBody),
        (status = 410, description = "challenge_expired", body = ErrorBody),
        (status = 429, description = "login_locked", body = ErrorBody)))]
async fn login_finish(
    State(app): State<AppState>,
    ApiJson(req): ApiJson<LoginFinishRequest>,
) -> Result<Json<SessionTokens>, ApiError> {
    let device_key = decode_hex::<32>(&req.device_public_key, "device_public_key")?;
    let device = VerifyingKey::from_bytes(&device_key)
        .map_err(|_| ApiError::InvalidEncoding("device_public_key"))?;
    let binding_signature = Signature::from_bytes(&decode_hex::<64>(
        &req.device_binding_signature,
        "device_binding_signature",
    )?);
    let now = app.now();
    let challenge = match app
        .store
        .take_challenge(req.challenge_id.clone(), now)
        .await?
    {
        TakeChallenge::Open(c) => c,
        TakeChallenge::NotFound => return Err(ApiError::ChallengeNotFound),
        TakeChallenge::AlreadyUsed => return Err(ApiError::ChallengeAlreadyUsed),
        TakeChallenge::Expired => return Err(ApiError::ChallengeExpired),
    };
    let doc_key = challenge.person.doc_key;
    let failures = app
        .store
        .face_failures_since(doc_key, now - app.policy.face_failure_window)
        .await?;
    if failures >= app.policy.face_failure_limit {
        return Err(ApiError::LoginLocked);
    }
    let result = &req.face_result;
    let genuine = result.vendor == face_simulator::VENDOR
        && result.challenge_id == challenge.id
        && result.nonce == URL_SAFE_NO_PAD.encode(challenge.nonce)
        && face_simulator::verify_result(result, &face_simulator::vendor_public_key());
    let refusal = match (genuine, result.outcome) {
        (false, _) => Some(ApiError::FaceResultInvalid),
        (true, FaceOutcome::Mismatch) => Some(ApiError::FaceMismatch),
        (true, FaceOutcome::LivenessFailed) => Some(ApiError::LivenessFailed),
        (true, FaceOutcome::Match) => None,
    };
    if let Some(refusal) = refusal {
        app.store.record_face_failure(doc_key, now).await?;
        tracing::info!(code = ?refusal.code(), "face check failed");
        return Err(refusal);
    }
    if !verify_binding(&device, &challenge.nonce, &binding_signature) {
        return Err(ApiError::DeviceBindingInvalid);
    }
    let person = app.store.upsert_person(challenge.person, now).await?;
    let (access, refresh) = (new_token(ACCESS_PREFIX), new_token(REFRESH_PREFIX));
    let session = app
        .store
        .create_session(NewSession {
            person: person.id,
            device_key,
            access: token_hash(&access),
            access_expires_at: now + app.policy.access_token_ttl,
            refresh: token_hash(&refresh),
            refresh_expires_at: now + app.policy.refresh_token_ttl,
            at: now,
        })
        .await?;
    tracing::info!(session = session.id.0, "signed in");
    Ok(Json(session_tokens(
        access,
        refresh,
        session.access_expires_at,
        session.refresh_expires_at,
    )))
}

/// The face vendor's SDK, simulated: a signed verdict for a challenge.
#[utoipa::path(post, path = "/v1/face-simulator/capture", tag = "login", request_body = SimulateCaptureRequest,
    responses((status = 200, body = SignedFaceResult),
        (status = 404, description = "face_simulator_disabled", body = ErrorBody)))]
async fn face_simulator_capture(
    State(app): State<AppState>,
    ApiJson(req): ApiJson<SimulateCaptureRequest>,
) -> Result<Json<SignedFaceResult>, ApiError> {
    if !app.face_simulator {
        return Err(ApiError::FaceSimulatorDisabled);
    }
    Ok(Json(face_simulator::simulate_capture(
        &req.challenge,
        req.capture,
    )))
}

/// Who is signed in.
#[utoipa::path(get, path = "/v1/session", tag = "login", security(("bearer" = [])),
    responses((status = 200, body = SessionView),
        (status = 401, description = "missing_token, invalid_token, token_expired, signed_in_elsewhere, session_ended", body = ErrorBody)))]
async fn session_view(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<Json<SessionView>, ApiError> {
    let session = caller.resident()?;
    let person = app
        .store
        .person(session.person)
        .await?
        .ok_or(ApiError::SessionEnded)?;
    Ok(Json(SessionView {
        masked_name: person.masked_name.unwrap_or_default(),
        masked_document: person.masked_document,
        document_kind: person.document_kind,
        device_public_key: hex::encode(session.device_key),
        access_expires_at: session.access_expires_at,
        issuer: app.issuer_view(),
    }))
}

/// Trade the refresh token for a new pair (single use; reuse revokes).
#[utoipa::path(post, path = "/v1/session/refresh", tag = "login", request_body = RefreshRequest,
    responses((status = 200, body = SessionTokens),
        (status = 401, description = "invalid_token, token_expired, refresh_token_reused, signed_in_elsewhere, session_ended", body = ErrorBody)))]
async fn session_refresh(
    State(app): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Json<SessionTokens>, ApiError> {
    if !req.refresh_token.starts_with(REFRESH_PREFIX) {
        return Err(ApiError::InvalidToken);
    }
    let now = app.now();
    let (access, refresh) = (new_token(ACCESS_PREFIX), new_token(REFRESH_PREFIX));
    let next = TokenPair {
        access: token_hash(&access),
        access_expires_at: now + app.policy.access_token_ttl,
        refresh: token_hash(&refresh),
        refresh_expires_at: now + app.policy.refresh_token_ttl,
    };
    match app
        .store
        .rotate_refresh(token_hash(&req.refresh_token), next, now)
        .await?
    {
        RefreshOutcome::Rotated(s) => Ok(Json(session_tokens(
            access,
            refresh,
            s.access_expires_at,
            s.refresh_expires_at,
        ))),
        RefreshOutcome::Reused => {
            tracing::warn!("a refresh token was used twice; session revoked");
            Err(ApiError::RefreshTokenReused)
        }
        RefreshOutcome::Unknown => Err(ApiError::InvalidToken),
        RefreshOutcome::Expired => Err(ApiError::TokenExpired),
        RefreshOutcome::Ended(SessionEnd::SignedInElsewhere) => Err(ApiError::SignedInElsewhere),
        RefreshOutcome::Ended(SessionEnd::RefreshTokenReused) => Err(ApiError::RefreshTokenReused),
        RefreshOutcome::Ended(SessionEnd::Logout) => Err(ApiError::SessionEnded),
    }
}

/// End this session.
#[utoipa::path(post, path = "/v1/session/logout", tag = "login", security(("bearer" = [])),
    responses((status = 204, description = "signed out"),
        (status = 401, description = "missing_token, invalid_token, session_ended", body = ErrorBody)))]
async fn session_logout(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    let session = caller.resident()?;
    app.store
        .end_session(session.id, SessionEnd::Logout, app.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- codes

/// The caller's own code and dependents' codes, with credentials bound to
/// the caller's device; `If-None-Match` gives 304 when nothing changed.
#[utoipa::path(get, path = "/v1/codes", tag = "codes", security(("bearer" = [])),
    responses((status = 200, body = CodesResponse), (status = 304, description = "not modified"),
        (status = 401, body = ErrorBody), (status = 403, description = "wrong_account_kind", body = ErrorBody)))]
async fn sync_codes(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let guardian = caller.guardian()?;
    let (own, binding) = match &caller {
        Caller::Resident(s) => (Some(s.person), Some(Binding::Device(s.device_key))),
        _ => (None, None),
    };
    let snapshot = app.store.codes_snapshot(own, guardian).await?;
    let trust = app.trust();
    let own = match snapshot.own {
        Some((person, controls)) if person.code.is_some() => {
            Some(app.code_view(&trust, &person, &controls, CodeRole::Own, None, binding)?)
        }
        _ => None,
    };
    let dependents = snapshot
        .dependents
        .iter()
        .filter(|(d, _)| d.person.code.is_some())
        .map(|(d, controls)| {
            app.code_view(
                &trust,
                &d.person,
                controls,
                CodeRole::Dependent,
                Some(d.relationship),
                binding,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let body = serde_json::to_vec(&CodesResponse {
        issuer: app.issuer_view(),
        own,
        dependents,
    })
    .map_err(|_| ApiError::Internal)?;
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..16]));
    let etag_header = HeaderValue::from_str(&etag).map_err(|_| ApiError::Internal)?;
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_header)]).into_response());
    }
    Ok((
        [
            (header::ETAG, etag_header),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        body,
    )
        .into_response())
}

/// Apply for one's own code (blue). One person, one code.
#[utoipa::path(post, path = "/v1/codes/apply-self", tag = "codes", security(("bearer" = [])), request_body = ApplySelfRequest,
    responses((status = 200, body = ApplyResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn apply_self(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(_req): ApiJson<ApplySelfRequest>,
) -> Result<Json<ApplyResponse>, ApiError> {
    let session = caller.resident()?;
    let code = CodeRecord {
        code_id: CodeId(u64::from_be_bytes(random_bytes())),
        applied_by: AppliedBy::Holder,
    };
    let (person, created) = app
        .store
        .assign_code(session.person, code, app.now())
        .await?;
    apply_response(&app, &person, created).await
}

async fn apply_response(
    app: &App,
    person: &Person,
    created: bool,
) -> Result<Json<ApplyResponse>, ApiError> {
    let code = person.code.ok_or(ApiError::Internal)?;
    let controls = app.store.active_controls(person.id).await?;
    let reasons: ControlReasons = controls.iter().map(|c| c.control.reason).collect();
    Ok(Json(ApplyResponse {
        code_id: code_id_text(code.code_id),
        color: Color::of(code.applied_by, reasons),
        applied_by: code.applied_by,
        created,
    }))
}

/// Apply on someone's behalf (代申领, green).
#[utoipa::path(post, path = "/v1/codes/apply-proxy", tag = "codes", security(("bearer" = [])), request_body = ApplyProxyRequest,
    responses((status = 200, body = ApplyResponse),
        (status = 403, description = "guardian_under_age, guardian_age_unknown, wrong_account_kind", body = ErrorBody),
        (status = 409, description = "too_many_dependents, holder_has_own_code", body = ErrorBody),
        (status = 422, description = "invalid_document_number, invalid_name, co_residence_not_declared, cannot_proxy_for_self, relationship_mismatch", body = ErrorBody)))]
async fn apply_proxy(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<ApplyProxyRequest>,
) -> Result<Json<ApplyResponse>, ApiError> {
    let guardian = caller.guardian()?;
    let now = app.now();
    let document = app.parse_document(&req.document)?;
    let facts = app.facts(&document, Some(&req.name))?;
    let max = match &caller {
        Caller::Resident(session) => {
            if req.relationship.is_institution() {
                return Err(ApiError::RelationshipMismatch);
            }
            let me = app
                .store
                .person(session.person)
                .await?
                .ok_or(ApiError::SessionEnded)?;
            if me.doc_key == facts.doc_key {
                return Err(ApiError::CannotProxyForSelf);
            }
            check_proxy_guardian(
                req.relationship,
                me.birth_date,
                req.co_resident_declared,
                now.date(),
            )
            .map_err(ApiError::GuardianRefused)?;
            Some(app.policy.max_relative_dependents)
        }
        Caller::Institution { relationship, .. } => {
            if *relationship != req.relationship {
                return Err(ApiError::RelationshipMismatch);
            }
            None
        }
        Caller::Authority(_) => return Err(ApiError::WrongAccountKind),
    };
    let dependent = app.store.upsert_person(facts, now).await?;
    if dependent
        .code
        .is_some_and(|c| c.applied_by == AppliedBy::Holder)
    {
        return Err(ApiError::HolderHasOwnCode);
    }
    match app
        .store
        .add_dependent(
            guardian,
            dependent.id,
            req.relationship,
            req.co_resident_declared,
            max,
            now,
        )
        .await?
    {
        AddDependent::TooManyDependents => return Err(ApiError::TooManyDependents),
        AddDependent::Added | AddDependent::AlreadyADependent => {}
    }
    let code = CodeRecord {
        code_id: CodeId(u64::from_be_bytes(random_bytes())),
        applied_by: AppliedBy::Proxy,
    };
    let (person, created) = app.store.assign_code(dependent.id, code, now).await?;
    apply_response(&app, &person, created).await
}

/// Stop holding a dependent's code (the code itself stays, long-term).
#[utoipa::path(delete, path = "/v1/dependents/{code_id}", tag = "codes", security(("bearer" = [])),
    params(("code_id" = String, Path, description = "16 hex digits")),
    responses((status = 204, description = "removed"), (status = 404, description = "code_not_found", body = ErrorBody)))]
async fn remove_dependent(
    State(app): State<AppState>,
    caller: Caller,
    Path(code_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let guardian = caller.guardian()?;
    let code = code_param(&code_id)?;
    let dependent = app
        .store
        .dependent(guardian, code)
        .await?
        .ok_or(ApiError::NotYourCode)?;
    app.store
        .remove_dependent(guardian, dependent.person.id, app.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A dependent's printed code (打印版): unbound, valid 7 days by default.
#[utoipa::path(get, path = "/v1/dependents/{code_id}/printed", tag = "codes", security(("bearer" = [])),
    params(("code_id" = String, Path, description = "16 hex digits")),
    responses((status = 200, body = PrintedCodeResponse), (status = 404, description = "code_not_found", body = ErrorBody)))]
async fn printed_code(
    State(app): State<AppState>,
    caller: Caller,
    Path(code_id): Path<String>,
) -> Result<Json<PrintedCodeResponse>, ApiError> {
    let guardian = caller.guardian()?;
    let code = code_param(&code_id)?;
    let dependent = app
        .store
        .dependent(guardian, code)
        .await?
        .ok_or(ApiError::NotYourCode)?;
    let controls = app.store.active_controls(dependent.person.id).await?;
    let trust = app.trust();
    let reasons: ControlReasons = controls.iter().map(|c| c.control.reason).collect();
    let (signed, printed) = app.issue(&trust, &dependent.person, reasons, Binding::Printed)?;
    let view = app.code_view(
        &trust,
        &dependent.person,
        &controls,
        CodeRole::Dependent,
        Some(dependent.relationship),
        None,
    )?;
    Ok(Json(PrintedCodeResponse {
        code: view,
        printed,
        qr_text: signed.to_qr_text(),
    }))
}

// ---------------------------------------------------------------- health declaration

/// Declare symptoms and travel; travel from a key area imposes that control.
#[utoipa::path(post, path = "/v1/health-declarations", tag = "codes", security(("bearer" = [])), request_body = HealthDeclarationRequest,
    responses((status = 200, body = HealthDeclarationResponse),
        (status = 404, description = "code_not_found, no_code_yet", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn health_declaration(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<HealthDeclarationRequest>,
) -> Result<Json<HealthDeclarationResponse>, ApiError> {
    let person = match (&req.code_id, &caller) {
        (Some(code_id), _) => {
            let code = code_param(code_id)?;
            let guardian = caller.guardian()?;
            let own = match &caller {
                Caller::Resident(s) => app.store.person(s.person).await?,
                _ => None,
            };
            match own.filter(|p| p.code.is_some_and(|c| c.code_id == code)) {
                Some(p) => p,
                None => {
                    app.store
                        .dependent(guardian, code)
                        .await?
                        .ok_or(ApiError::NotYourCode)?
                        .person
                }
            }
        }
        (None, Caller::Resident(s)) => app
            .store
            .person(s.person)
            .await?
            .ok_or(ApiError::SessionEnded)?,
        (None, _) => return Err(ApiError::WrongAccountKind),
    };
    let code = person.code.ok_or(ApiError::NoCodeYet)?;
    if let Some(travel) = &req.travel_from_key_area {
        short_text(&travel.area, "area")?;
        short_text(&travel.district, "district")?;
    }
    let now = app.now();
    let declared_by = match &caller {
        Caller::Resident(s) if s.person == person.id => "holder".to_owned(),
        Caller::Resident(_) => "guardian".to_owned(),
        _ => "institution".to_owned(),
    };
    let declaration_id = app
        .store
        .record_declaration(Declaration {
            person: person.id,
            declared_by,
            symptoms: serde_json::to_string(&req.symptoms).map_err(|_| ApiError::Internal)?,
            travel: req
                .travel_from_key_area
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(|_| ApiError::Internal)?,
            at: now,
        })
        .await?;
    let mut imposed = Vec::new();
    if let Some(travel) = &req.travel_from_key_area {
        // DESIGN §2: a declared arrival from a key area imposes that control.
        let before = app.store.active_controls(person.id).await?;
        let control = Control::from_declaration(travel.district.trim());
        let mut after: Vec<ControlReason> = before.iter().map(|c| c.control.reason).collect();
        after.push(control.reason);
        let audit = AuditEntry {
            actor: serde_json::to_string(&Executor::HealthDeclaration).unwrap_or_default(),
            action: "impose".into(),
            person: person.id,
            reason: control.reason,
            before: reasons_json(&before),
            after: serde_json::to_string(&after).unwrap_or_default(),
            at: now,
        };
        if let ImposeOutcome::Imposed { .. } =
            app.store.impose_control(person.id, control, audit).await?
        {
            imposed.push(ControlReason::ArrivalFromKeyArea);
        }
    }
    let controls = app.store.active_controls(person.id).await?;
    let reasons: ControlReasons = controls.iter().map(|c| c.control.reason).collect();
    Ok(Json(HealthDeclarationResponse {
        declaration_id,
        code_id: code_id_text(code.code_id),
        color: Color::of(code.applied_by, reasons),
        controls_imposed: imposed,
        recorded_at: now,
    }))
}

// ---------------------------------------------------------------- checkpoint

/// Verify a scanned code online: the offline checks, plus the holder's
/// current status when the code is ours.
#[utoipa::path(post, path = "/v1/verify", tag = "checkpoint", request_body = OnlineVerifyRequest,
    responses((status = 200, body = OnlineVerifyResponse), (status = 422, body = ErrorBody)))]
async fn online_verify(
    State(app): State<AppState>,
    ApiJson(req): ApiJson<OnlineVerifyRequest>,
) -> Result<Json<OnlineVerifyResponse>, ApiError> {
    let trust = app.trust();
    let verified = match verify(
        &req.qr_text,
        &trust.list,
        app.now(),
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
    if verified.issuer == app.issuer.id
        && let Some(person) = app.store.person_by_code(verified.code_id).await?
        && let Some(code) = person.code
    {
        let controls = app.store.active_controls(person.id).await?;
        let reasons: ControlReasons = controls.iter().map(|c| c.control.reason).collect();
        let color = Color::of(code.applied_by, reasons);
        changed = color != verified.color || reasons != verified.controls;
        current_status = Some(CurrentStatus {
            color,
            controls: reasons.iter().collect(),
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
                colors: ColorsView {
                    red: crate::app::rgb_text(verified.issuer_colors.red),
                    blue: crate::app::rgb_text(verified.issuer_colors.blue),
                    green: crate::app::rgb_text(verified.issuer_colors.green),
                },
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
#[utoipa::path(get, path = "/v1/trust-list", tag = "checkpoint",
    responses((status = 200, description = "The signed trust list envelope (protocol FORMAT.md)"), (status = 304, description = "not modified")))]
async fn trust_list(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let trust = app.trust();
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

// ---------------------------------------------------------------- authority

async fn controls_response(
    app: &App,
    person: &Person,
    audit_id: Option<i64>,
) -> Result<ControlsResponse, ApiError> {
    let controls = app.store.active_controls(person.id).await?;
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
async fn known_person(app: &AppState, document: &DocumentInput) -> Result<Person, ApiError> {
    let document = app.parse_document(document)?;
    app.store
        .person_by_doc(app.doc_key(&document))
        .await?
        .ok_or(ApiError::PersonNotFound)
}

/// What the audit log keeps of an impose or release: who, what, when,
/// before and after.
fn audit_entry(
    authority: &suikang_protocol::Authority,
    action: &str,
    person: &Person,
    reason: ControlReason,
    before: &[ActiveControl],
    after: &[ControlReason],
    at: time::OffsetDateTime,
) -> AuditEntry {
    AuditEntry {
        actor: serde_json::to_string(authority).unwrap_or_default(),
        action: action.into(),
        person: person.id,
        reason,
        before: reasons_json(before),
        after: serde_json::to_string(after).unwrap_or_default(),
        at,
    }
}

/// Put a person under control, within the authority's rights (问题十).
#[utoipa::path(post, path = "/v1/authority/controls/impose", tag = "authority", security(("bearer" = [])), request_body = ImposeControlRequest,
    responses((status = 200, body = ControlsResponse),
        (status = 403, description = "may_not_impose, wrong_account_kind", body = ErrorBody),
        (status = 409, description = "control_already_active", body = ErrorBody),
        (status = 422, description = "invalid_document_number", body = ErrorBody)))]
async fn impose_control(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<ImposeControlRequest>,
) -> Result<Json<ControlsResponse>, ApiError> {
    let authority = caller.authority()?;
    let document = app.parse_document(&req.document)?;
    may_impose(authority, req.reason).map_err(ApiError::OutsideRights)?;
    let now = app.now();
    let person = app
        .store
        .upsert_person(app.facts(&document, None)?, now)
        .await?;
    let before = app.store.active_controls(person.id).await?;
    let control = Control::imposed_by(authority, req.reason);
    let mut after: Vec<ControlReason> = before.iter().map(|c| c.control.reason).collect();
    after.push(req.reason);
    let audit = audit_entry(
        authority, "impose", &person, req.reason, &before, &after, now,
    );
    match app.store.impose_control(person.id, control, audit).await? {
        ImposeOutcome::AlreadyActive => Err(ApiError::ControlAlreadyActive),
        ImposeOutcome::Imposed { audit_id } => {
            tracing::info!(role = ?authority.role, reason = ?req.reason, audit_id, "control imposed");
            Ok(Json(
                controls_response(&app, &person, Some(audit_id)).await?,
            ))
        }
    }
}

/// Lift a control, within the authority's rights (问题十).
#[utoipa::path(post, path = "/v1/authority/controls/release", tag = "authority", security(("bearer" = [])), request_body = ReleaseControlRequest,
    responses((status = 200, body = ControlsResponse),
        (status = 403, description = "may_not_release, not_the_executing_organisation, outside_district, wrong_account_kind", body = ErrorBody),
        (status = 404, description = "person_not_found, control_not_active", body = ErrorBody)))]
async fn release_control(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<ReleaseControlRequest>,
) -> Result<Json<ControlsResponse>, ApiError> {
    let authority = caller.authority()?;
    let person = known_person(&app, &req.document).await?;
    let before = app.store.active_controls(person.id).await?;
    let active = before
        .iter()
        .find(|c| c.control.reason == req.reason)
        .ok_or(ApiError::ControlNotActive)?;
    may_release(authority, &active.control).map_err(ApiError::OutsideRights)?;
    let after: Vec<ControlReason> = before
        .iter()
        .map(|c| c.control.reason)
        .filter(|r| *r != req.reason)
        .collect();
    let audit = audit_entry(
        authority,
        "release",
        &person,
        req.reason,
        &before,
        &after,
        app.now(),
    );
    match app
        .store
        .release_control(person.id, req.reason, audit)
        .await?
    {
        ReleaseOutcome::NotActive => Err(ApiError::ControlNotActive),
        ReleaseOutcome::Released { audit_id } => {
            tracing::info!(role = ?authority.role, reason = ?req.reason, audit_id, "control released");
            Ok(Json(
                controls_response(&app, &person, Some(audit_id)).await?,
            ))
        }
    }
}

/// A person's active controls.
#[utoipa::path(post, path = "/v1/authority/controls/list", tag = "authority", security(("bearer" = [])), request_body = ListControlsRequest,
    responses((status = 200, body = ControlsResponse),
        (status = 403, description = "wrong_account_kind", body = ErrorBody),
        (status = 404, description = "person_not_found", body = ErrorBody)))]
async fn list_controls(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<ListControlsRequest>,
) -> Result<Json<ControlsResponse>, ApiError> {
    caller.authority()?;
    let person = known_person(&app, &req.document).await?;
    Ok(Json(controls_response(&app, &person, None).await?))
}
