//! The HTTP API (DESIGN §6): the router, and the OpenAPI document generated
//! from the same handlers (so the two stay in step). One file per OpenAPI
//! tag; the idempotency middleware lives in [`crate::idempotency`].

use std::sync::Arc;

use std::time::Instant;

use axum::extract::{FromRequest, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::{Json, Router};
use serde::Serialize;
use serde::de::DeserializeOwned;
use suikang_protocol::ControlReason;
use suikang_protocol::api::{ErrorBody, ErrorCode};
use tower_http::LatencyUnit;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::idempotency::idempotency;
use crate::issuer::Issuer;
use crate::metrics::UNMATCHED_ROUTE;
use crate::store::{ActiveControl, AuditEntry, PersonId};

/// Imposing and releasing controls, within each authority's rights (问题十).
mod authority;
/// Online verification and the trust list.
mod checkpoint;
/// Own and dependents' codes, sync, printing, health declarations.
mod codes;
/// Who may call each operation and every refusal it can answer with.
mod contract;
/// Guardianship consent: join requests, approve, decline (DESIGN §2).
mod guardians;
/// Real-name login, the face-verification handoff, sessions.
mod login;
/// Liveness, readiness, metrics and the OpenAPI document.
pub(crate) mod meta;

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
        (name = "guardians", description = "Guardianship consent: join requests and decisions"),
        (name = "checkpoint", description = "Online verification and the trust list"),
        (name = "authority", description = "Controls, within each authority's rights (问题十)"),
        (name = "meta", description = "Health and documentation")
    )
)]
struct ApiDoc;

/// The router with its OpenAPI document.
pub fn router(issuer: Arc<Issuer>) -> Router {
    let (router, openapi) = api();
    let doc = openapi_document(&openapi);
    let _ = issuer.operations.set(operations(&doc));
    let _ = issuer
        .openapi_json
        .set(serde_json::to_string(&doc).expect("the document serialises"));
    router
        .fallback(|| async { ApiError::NoSuchEndpoint })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(middleware::from_fn_with_state(issuer.clone(), idempotency))
        .layer(axum::extract::DefaultBodyLimit::max(
            issuer.policy.body_limit,
        ))
        .layer(middleware::from_fn_with_state(
            issuer.clone(),
            crate::connections::request_limits,
        ))
        .layer(middleware::from_fn_with_state(issuer.clone(), observe))
        .layer(trace_layer())
        .with_state(issuer)
}

/// Every operation's route, and the document its annotations make.
fn api() -> (Router<Arc<Issuer>>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(meta::healthz))
        .routes(routes!(meta::readyz))
        .routes(routes!(meta::openapi_json))
        .routes(routes!(login::login_start))
        .routes(routes!(login::login_finish))
        .routes(routes!(login::face_simulator_capture))
        .routes(routes!(login::session_view))
        .routes(routes!(login::session_refresh))
        .routes(routes!(login::session_logout))
        .routes(routes!(codes::sync_codes))
        .routes(routes!(codes::apply_self))
        .routes(routes!(codes::apply_proxy))
        .routes(routes!(codes::remove_dependent))
        .routes(routes!(codes::printed_code))
        .routes(routes!(codes::health_declaration))
        .routes(routes!(guardians::pending_join_requests))
        .routes(routes!(guardians::approve_join_request))
        .routes(routes!(guardians::decline_join_request))
        .routes(routes!(checkpoint::online_verify))
        .routes(routes!(checkpoint::trust_list))
        .routes(routes!(authority::impose_control))
        .routes(routes!(authority::release_control))
        .routes(routes!(authority::hand_over_control))
        .routes(routes!(authority::symptom_declarations))
        .routes(routes!(authority::list_controls))
        .split_for_parts()
}

/// The served OpenAPI document: the handlers' annotations completed with
/// the contract every operation shares (security, refusals, headers).
fn openapi_document(openapi: &utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut doc = serde_json::to_value(openapi).expect("the document serialises");
    contract::complete(&mut doc);
    doc
}

/// Every operation the document states, as `post /v1/login/start`.
fn operations(doc: &serde_json::Value) -> Vec<String> {
    let Some(paths) = doc["paths"].as_object() else {
        return Vec::new();
    };
    paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .filter(|(_, op)| op.get("operationId").is_some())
                .map(move |(method, _)| format!("{method} {path}"))
        })
        .collect()
}

/// `GET /metrics` alone: merged into the API's router, or served on the
/// address given by `--metrics-listen`. Scrapes are not counted.
pub fn metrics_router(issuer: Arc<Issuer>) -> Router {
    Router::new()
        .route(meta::METRICS, axum::routing::get(meta::metrics))
        .with_state(issuer)
}

/// The route template a request matched, or one label for all unmatched.
fn route_of(req: &Request) -> &str {
    req.extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED_ROUTE, |p| p.as_str())
}

/// One log line per request at `info`: method, route template, status,
/// latency. Never the URI (code ids), a query, a header (tokens) or a body.
fn trace_layer() -> TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    impl Fn(&Request) -> tracing::Span + Clone,
    (),
    DefaultOnResponse,
> {
    TraceLayer::new_for_http()
        .make_span_with(|req: &Request| {
            tracing::info_span!("request", method = %req.method(), route = route_of(req))
        })
        .on_request(())
        .on_response(
            DefaultOnResponse::new()
                .level(tracing::Level::INFO)
                .latency_unit(LatencyUnit::Micros),
        )
}

/// Counts each request by method, route template and status, with its
/// latency, for `/metrics`.
async fn observe(State(issuer): State<Arc<Issuer>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = route_of(&req).to_owned();
    let _in_flight = issuer.metrics.in_flight();
    let response = next.run(req).await;
    issuer.metrics.request_done(
        method.as_str(),
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// A change to a person's controls, as the audit log records it.
#[derive(Clone, Copy, Debug)]
enum ControlChange {
    Impose(ControlReason),
    Release(ControlReason),
}

impl ControlChange {
    fn action(self) -> &'static str {
        match self {
            ControlChange::Impose(_) => "impose",
            ControlChange::Release(_) => "release",
        }
    }

    fn reason(self) -> ControlReason {
        match self {
            ControlChange::Impose(r) | ControlChange::Release(r) => r,
        }
    }

    /// The reasons active once the change is made, from those active before.
    fn after(self, before: &[ActiveControl]) -> Vec<ControlReason> {
        let reasons = before.iter().map(|c| c.control.reason);
        match self {
            ControlChange::Impose(r) => reasons.chain([r]).collect(),
            ControlChange::Release(r) => reasons.filter(|c| *c != r).collect(),
        }
    }
}

/// What the audit log keeps of an impose or release: who (an authority, or
/// the health declaration), what, when, and the reasons before and after.
fn audit_entry(
    actor: &impl Serialize,
    change: ControlChange,
    person: PersonId,
    before: &[ActiveControl],
    at: time::OffsetDateTime,
) -> AuditEntry {
    let before_reasons: Vec<ControlReason> = before.iter().map(|c| c.control.reason).collect();
    AuditEntry {
        actor: serde_json::to_string(actor).unwrap_or_default(),
        action: change.action().into(),
        person,
        reason: change.reason(),
        before: serde_json::to_string(&before_reasons).unwrap_or_default(),
        after: serde_json::to_string(&change.after(before)).unwrap_or_default(),
        at,
    }
}
