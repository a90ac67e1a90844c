//! Tag `meta`: liveness, readiness, metrics and the OpenAPI document.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use suikang_protocol::api::{ErrorBody, paths};

use crate::error::ApiError;
use crate::issuer::Issuer;

/// Readiness probe (the load balancer's): the database answers.
pub const READYZ: &str = "/readyz";
/// Prometheus scrape (text exposition), on the API port unless the server
/// was given `--metrics-listen`.
pub const METRICS: &str = "/metrics";

/// How long readiness waits for the database before saying "not ready".
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Liveness probe: the process answers (restart it if not).
#[utoipa::path(get, path = paths::HEALTHZ, tag = "meta", responses((status = 200, description = "ok", body = String)))]
pub(super) async fn healthz() -> &'static str {
    "ok"
}

/// Readiness probe: the database answers a read, so this replica can serve
/// (send it traffic if so; a replica that cannot reach the database is
/// taken out of rotation, not restarted).
#[utoipa::path(get, path = READYZ, tag = "meta", responses(
    (status = 200, description = "ready", body = String),
    (status = 503, description = "the database does not answer", body = ErrorBody),
))]
pub(super) async fn readyz(State(issuer): State<Arc<Issuer>>) -> Result<&'static str, ApiError> {
    match tokio::time::timeout(READY_TIMEOUT, issuer.store.trust_sequence()).await {
        Ok(Ok(_)) => Ok("ready"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready: the database failed");
            Err(ApiError::DatabaseUnavailable)
        }
        Err(_) => {
            tracing::warn!("not ready: the database did not answer in time");
            Err(ApiError::DatabaseUnavailable)
        }
    }
}

/// The Prometheus metrics of this process (not in the OpenAPI document:
/// it may be served on its own address).
pub(crate) async fn metrics(State(issuer): State<Arc<Issuer>>) -> Response {
    let text = issuer.metrics.render(issuer.store.pool_status());
    ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text).into_response()
}

/// This document.
#[utoipa::path(get, path = paths::OPENAPI, tag = "meta", responses((status = 200, description = "The OpenAPI document")))]
pub(super) async fn openapi_json(State(issuer): State<Arc<Issuer>>) -> Response {
    let json = issuer.openapi_json.get().cloned().unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], json).into_response()
}
