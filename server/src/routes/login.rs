//! Tag `login`: real-name login with the face-verification handoff, and the
//! session it opens (refresh, logout).

use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::http::{Extensions, HeaderMap};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, VerifyingKey};
use std::net::SocketAddr;
use suikang_protocol::api::*;
use suikang_protocol::device_binding::verify_binding;

use super::ApiJson;
use crate::error::ApiError;
use crate::face::{Identity, Verdict};
use crate::issuer::{Caller, Issuer};
use crate::keys::random_bytes;
use crate::rate_limit::client_address;
use crate::store::*;
use crate::tokens::{ACCESS_PREFIX, REFRESH_PREFIX, new_token, token_hash};

/// Start a real-name login: returns the face challenge.
#[utoipa::path(post, path = paths::LOGIN_START, tag = "login", request_body = LoginStartRequest,
    responses((status = 200, body = FaceChallenge)))]
pub(super) async fn login_start(
    State(issuer): State<Arc<Issuer>>,
    extensions: Extensions,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginStartRequest>,
) -> Result<Json<FaceChallenge>, ApiError> {
    // Per client address, before any work (served without connection info,
    // as in a router test, there is no address to count by).
    if let Some(ConnectInfo(peer)) = extensions.get::<ConnectInfo<SocketAddr>>()
        && let Err(wait) = issuer.login_limiter.check(
            client_address(peer.ip(), &headers, &issuer.policy.trusted_proxies),
            std::time::Instant::now(),
        )
    {
        return Err(ApiError::RateLimited {
            retry_after_seconds: wait.as_secs() + 1,
        });
    }
    let document = issuer.parse_document(&req.document)?;
    let facts = issuer.facts(&document, Some(&req.name))?;
    let now = issuer.now();
    let failures = issuer
        .store
        .face_failures_since(facts.doc_key, now - issuer.policy.face_failure_window)
        .await?;
    if failures >= issuer.policy.face_failure_limit {
        return Err(ApiError::LoginLocked);
    }
    let face = issuer.face.as_ref().ok_or(ApiError::Internal)?;
    let challenge = Challenge {
        id: hex::encode(random_bytes::<16>()),
        nonce: random_bytes(),
        person: facts,
        expires_at: now + issuer.policy.challenge_ttl,
    };
    issuer.store.create_challenge(challenge.clone()).await?;
    tracing::info!(kind = ?document.kind(), "login started");
    Ok(Json(FaceChallenge {
        challenge_id: challenge.id,
        nonce: URL_SAFE_NO_PAD.encode(challenge.nonce),
        expires_at: challenge.expires_at,
        vendor: face.params(&challenge.nonce, &challenge.person.doc_key.0),
    }))
}

/// Finish login with the vendor's signed result and the device key.
#[utoipa::path(post, path = paths::LOGIN_FINISH, tag = "login", request_body = LoginFinishRequest,
    responses((status = 200, body = SessionTokens)))]
pub(super) async fn login_finish(
    State(issuer): State<Arc<Issuer>>,
    ApiJson(req): ApiJson<LoginFinishRequest>,
) -> Result<Json<SessionTokens>, ApiError> {
    let device_key = decode_hex::<32>(&req.device_public_key, "device_public_key")?;
    let device = VerifyingKey::from_bytes(&device_key)
        .map_err(|_| ApiError::InvalidEncoding("device_public_key"))?;
    let binding_signature = Signature::from_bytes(&decode_hex::<64>(
        &req.device_binding_signature,
        "device_binding_signature",
    )?);
    let now = issuer.now();
    let challenge = open_challenge(&issuer, req.challenge_id.clone(), now).await?;
    let verdict = face_matches(&issuer, &req.face_result, &challenge, now).await?;
    if !verify_binding(&device, &challenge.nonce, &binding_signature) {
        return Err(ApiError::DeviceBindingInvalid);
    }
    // DESIGN §2: a guardian's adulthood from every document kind. A resident
    // ID's number carries the birth date; for a passport or permit the
    // identity check vouches for it (a date not yet come is no birth date).
    let mut facts = challenge.person;
    if facts.birth_date.is_none() {
        facts.birth_date = verdict.identity.birth_date.filter(|d| *d <= now.date());
    }
    let person = one_person(&issuer, facts, verdict.identity.linked_document, now).await?;
    new_session(&issuer, person.id, device_key, now).await
}

/// The challenge a login finishes, used up now: once, before it expires.
async fn open_challenge(
    issuer: &Issuer,
    id: String,
    now: time::OffsetDateTime,
) -> Result<Challenge, ApiError> {
    match issuer.store.take_challenge(id, now).await? {
        TakeChallenge::Open(c) => Ok(*c),
        TakeChallenge::NotFound => Err(ApiError::ChallengeNotFound),
        TakeChallenge::AlreadyUsed => Err(ApiError::ChallengeAlreadyUsed),
        TakeChallenge::Expired => Err(ApiError::ChallengeExpired),
    }
}

/// The configured vendor's genuine verdict that the face matches the
/// challenge's document (人脸识别, 问题四). A document with too many recent
/// failures is locked; a failed match counts as one.
async fn face_matches(
    issuer: &Issuer,
    result: &SignedFaceResult,
    challenge: &Challenge,
    now: time::OffsetDateTime,
) -> Result<Verdict, ApiError> {
    let doc_key = challenge.person.doc_key;
    let failures = issuer
        .store
        .face_failures_since(doc_key, now - issuer.policy.face_failure_window)
        .await?;
    if failures >= issuer.policy.face_failure_limit {
        return Err(ApiError::LoginLocked);
    }
    let face = issuer.face.as_ref().ok_or(ApiError::Internal)?;
    // Only a genuine verdict of the configured vendor, for this challenge
    // and this document, counts toward the lock-out: a forged or malformed
    // one is refused and counts for nothing, or anyone could lock anyone
    // out with five garbage signatures.
    let Some(verdict) = face.check(result, &challenge.id, &challenge.nonce, &doc_key.0) else {
        tracing::info!("a face result that is not genuine was refused");
        return Err(ApiError::FaceResultInvalid);
    };
    let refusal = match verdict.outcome {
        FaceOutcome::Mismatch => ApiError::FaceMismatch,
        FaceOutcome::LivenessFailed => ApiError::LivenessFailed,
        FaceOutcome::Match => return Ok(verdict),
    };
    issuer.store.record_face_failure(doc_key, now).await?;
    tracing::info!(code = ?refusal.code(), "face check failed");
    Err(refusal)
}

/// A new session for `person` on the device `device_key`: fresh tokens,
/// kept only as hashes.
async fn new_session(
    issuer: &Issuer,
    person: PersonId,
    device_key: [u8; 32],
    now: time::OffsetDateTime,
) -> Result<Json<SessionTokens>, ApiError> {
    let (access, refresh) = (new_token(ACCESS_PREFIX), new_token(REFRESH_PREFIX));
    let session = issuer
        .store
        .create_session(NewSession {
            person,
            device_key,
            access: token_hash(&access),
            access_expires_at: now + issuer.policy.access_token_ttl,
            refresh: token_hash(&refresh),
            refresh_expires_at: now + issuer.policy.refresh_token_ttl,
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
#[utoipa::path(post, path = paths::FACE_SIMULATOR_CAPTURE, tag = "login", request_body = SimulateCaptureRequest,
    responses((status = 200, body = SignedFaceResult)))]
pub(super) async fn face_simulator_capture(
    State(issuer): State<Arc<Issuer>>,
    ApiJson(req): ApiJson<SimulateCaptureRequest>,
) -> Result<Json<SignedFaceResult>, ApiError> {
    // Without `--dev-face-simulator` there is no simulator to answer.
    let face = issuer
        .face
        .as_ref()
        .filter(|face| face.simulates())
        .ok_or(ApiError::FaceSimulatorDisabled)?;
    // Like a vendor's SDK, it signs only a challenge of the server's shape.
    well_formed_challenge(&req.challenge)?;
    // A linked document is one a real identity check would hold on record:
    // a valid one, written as the server writes it.
    let linked_document = req
        .linked_document
        .map(|d| {
            issuer.parse_document(&d).map(|parsed| DocumentInput {
                kind: d.kind,
                number: parsed.number().to_owned(),
            })
        })
        .transpose()?;
    face.simulate(
        &req.challenge,
        req.capture,
        &Identity {
            birth_date: req.birth_date,
            linked_document,
        },
    )
    .map(Json)
    .ok_or(ApiError::FaceSimulatorDisabled)
}

/// A challenge as `login_start` makes them: a 32-hex-digit id, a nonce of
/// 32 bytes (base64url), the subject's and the vendor key's 64 hex digits.
fn well_formed_challenge(challenge: &FaceChallenge) -> Result<(), ApiError> {
    let lower_hex = |text: &str, len: usize| {
        text.len() == len
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    if !lower_hex(&challenge.challenge_id, 32) {
        return Err(ApiError::InvalidEncoding("challenge_id"));
    }
    if URL_SAFE_NO_PAD.decode(&challenge.nonce).map(|n| n.len()) != Ok(32) {
        return Err(ApiError::InvalidEncoding("nonce"));
    }
    if !lower_hex(&challenge.vendor.subject, 64) {
        return Err(ApiError::InvalidEncoding("subject"));
    }
    if !lower_hex(&challenge.vendor.vendor_public_key, 64) {
        return Err(ApiError::InvalidEncoding("vendor_public_key"));
    }
    Ok(())
}

/// Who is signed in.
#[utoipa::path(get, path = paths::SESSION, tag = "login",
    responses((status = 200, body = SessionView)))]
pub(super) async fn session_view(
    State(issuer): State<Arc<Issuer>>,
    caller: Caller,
) -> Result<Json<SessionView>, ApiError> {
    let session = caller.resident()?;
    let person = issuer
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
        issuer: issuer.issuer_view(),
    }))
}

/// Trade the refresh token for a new pair (single use; reuse revokes).
#[utoipa::path(post, path = paths::SESSION_REFRESH, tag = "login", request_body = RefreshRequest,
    responses((status = 200, body = SessionTokens)))]
pub(super) async fn session_refresh(
    State(issuer): State<Arc<Issuer>>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Json<SessionTokens>, ApiError> {
    if !req.refresh_token.starts_with(REFRESH_PREFIX) {
        return Err(ApiError::InvalidToken);
    }
    let now = issuer.now();
    let (access, refresh) = (new_token(ACCESS_PREFIX), new_token(REFRESH_PREFIX));
    let next = TokenPair {
        access: token_hash(&access),
        access_expires_at: now + issuer.policy.access_token_ttl,
        refresh: token_hash(&refresh),
        refresh_expires_at: now + issuer.policy.refresh_token_ttl,
    };
    match issuer
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
#[utoipa::path(post, path = paths::SESSION_LOGOUT, tag = "login",
    responses((status = 204, description = "signed out")))]
pub(super) async fn session_logout(
    State(issuer): State<Arc<Issuer>>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    let session = caller.resident()?;
    issuer
        .store
        .end_session(session.id, SessionEnd::Logout, issuer.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn decode_hex<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N], ApiError> {
    let mut out = [0; N];
    hex::decode_to_slice(text, &mut out).map_err(|_| ApiError::InvalidEncoding(what))?;
    Ok(out)
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

/// The person signing in (DESIGN §2, one person one code): when the
/// identity check links this document to another of the same person's that
/// is registered, and this one names nobody yet, it names that person from
/// now on — one code across documents. A document registered on its own
/// before stays its own (two records the check alone cannot merge: see the
/// README).
async fn one_person(
    issuer: &Issuer,
    facts: PersonFacts,
    linked: Option<DocumentInput>,
    now: time::OffsetDateTime,
) -> Result<Person, ApiError> {
    let other = linked
        .and_then(|d| issuer.parse_document(&d).ok())
        .map(|d| issuer.doc_key(&d))
        .filter(|key| *key != facts.doc_key);
    if let Some(other) = other
        && issuer.store.person_by_doc(facts.doc_key).await?.is_none()
        && let Some(registered) = issuer.store.person_by_doc(other).await?
    {
        tracing::info!(
            person = registered.id.0,
            "a linked document names a registered person"
        );
        return Ok(issuer
            .store
            .link_document(facts.doc_key, registered.id, now)
            .await?);
    }
    Ok(issuer.store.upsert_person(facts, now).await?)
}
