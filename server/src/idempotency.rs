//! Idempotency keys (DESIGN §6): a POST or DELETE retried with the same
//! `Idempotency-Key` has its effect once, and the retry gets the first
//! response back.

use std::sync::Arc;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use suikang_protocol::api::paths;

use crate::error::ApiError;
use crate::issuer::{Caller, Issuer};
use crate::store::{CLAIMED_KEY, ClaimedKey, IdempotencyClaim, StoredResponse};

const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Answers that carry bearer tokens are never kept: bearer tokens are
/// stored only as hashes (DESIGN §6), and a kept answer would hand a live
/// pair to whoever replays the request with its key. A retried login or
/// refresh is answered from the session state instead: the challenge is
/// spent (`challenge_already_used`), the refresh token was rotated (its
/// reuse ends the session, whatever the key).
const TOKEN_BEARING: [&str; 2] = [paths::LOGIN_FINISH, paths::SESSION_REFRESH];

/// Whether the API has this method on this path: a method the path does
/// not have is answered 405 before any key is claimed.
fn serves(issuer: &Issuer, req: &Request) -> bool {
    let Some(path) = req.extensions().get::<MatchedPath>() else {
        return false;
    };
    let operation = format!(
        "{} {}",
        req.method().as_str().to_ascii_lowercase(),
        path.as_str()
    );
    issuer
        .operations
        .get()
        .is_some_and(|ops| ops.contains(&operation))
}

/// Every POST or DELETE with an `Idempotency-Key`: the key is claimed before
/// the request runs, so a retry racing the first attempt waits for it
/// (`request_in_progress`, 503 with `Retry-After`) and a later retry gets the
/// first response back — no second effect. The same key with another body is
/// refused. Keys belong to the caller (the person or account, not the token:
/// a retry after a token refresh is the same request).
///
/// The handler runs with its claim in [`CLAIMED_KEY`]: each of its write
/// transactions marks the claim applied as it commits, so if the server
/// stops between the effect and keeping the response, a retry is answered
/// 409 `request_already_applied` instead of running the effect again.
pub async fn idempotency(State(issuer): State<Arc<Issuer>>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST && req.method() != Method::DELETE
        || TOKEN_BEARING.contains(&req.uri().path())
        || !serves(&issuer, &req)
    {
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
        match issuer.authenticate(req.headers()).await {
            Ok(caller) => idempotency_owner(&caller),
            // The handler refuses the token; nothing to keep.
            Err(_) => return next.run(req).await,
        }
    } else {
        "anonymous".to_owned()
    };
    let scope: [u8; 32] = Sha256::digest(caller.as_bytes()).into();
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, issuer.policy.body_limit).await {
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
    match issuer
        .store
        .claim_idempotency_key(scope, key.clone(), request_hash, issuer.now())
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
        Ok(IdempotencyClaim::Applied { request_hash: h }) if h == request_hash => {
            return ApiError::RequestAlreadyApplied.into_response();
        }
        Ok(_) => return ApiError::IdempotencyKeyReused.into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    }
    let claim = ClaimedKey {
        scope,
        key: key.clone(),
        request_hash,
    };
    let response = CLAIMED_KEY
        .scope(
            claim,
            next.run(Request::from_parts(parts, Body::from(bytes))),
        )
        .await;
    if response.status().is_server_error() {
        // Let a retry run it again — unless an effect committed (the claim
        // is then marked applied, and stays).
        if let Err(e) = issuer.store.abandon_idempotency_key(scope, key).await {
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
    if let Err(e) = issuer
        .store
        .complete_idempotency_key(scope, key, stored)
        .await
    {
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
        Caller::Checkpoint { id } => format!("checkpoint:{}", id.0),
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
