//! Tag `meta`: liveness and the OpenAPI document.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use suikang_protocol::api::paths;

use crate::issuer::Issuer;

/// Liveness probe.
#[utoipa::path(get, path = paths::HEALTHZ, tag = "meta", responses((status = 200, description = "ok", body = String)))]
pub(super) async fn healthz() -> &'static str {
    "ok"
}

/// This document.
#[utoipa::path(get, path = paths::OPENAPI, tag = "meta", responses((status = 200, description = "The OpenAPI document")))]
pub(super) async fn openapi_json(State(issuer): State<Arc<Issuer>>) -> Response {
    let json = issuer.openapi_json.get().cloned().unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], json).into_response()
}
