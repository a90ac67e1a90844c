//! The API contract beyond each handler's success answer: who may call an
//! operation (its security scheme), every refusal it can answer with — by
//! status, each status with the exact error codes it can carry — and the
//! request headers the middleware reads (issue 18). The handlers' own
//! annotations state only what they answer on success.
//!
//! One table ([`OPERATIONS`]) names each operation's own refusals; the ones
//! every operation of a kind shares (a JSON body, a bearer token, an
//! `Idempotency-Key`) are added by rule, so a new middleware refusal is
//! written once. A code's status comes from
//! [`ErrorCode::http_status`], the same table the server answers with.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use suikang_protocol::api::{CODES_PAGE_MAX, ErrorCode};

/// Who may call an operation: the security scheme(s) it states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Access {
    /// No token.
    Public,
    /// A resident's access token.
    Resident,
    /// A resident's access token, or an institution account's token (a
    /// committee or property management holding codes for residents).
    Guardian,
    /// An authority account's token.
    Authority,
    /// A checkpoint account's token.
    Checkpoint,
}

impl Access {
    fn schemes(self) -> &'static [&'static str] {
        match self {
            Access::Public => &[],
            Access::Resident => &["resident"],
            Access::Guardian => &["resident", "institution"],
            Access::Authority => &["authority"],
            Access::Checkpoint => &["checkpoint"],
        }
    }
}

/// One operation of the API, by its OpenAPI `operationId` (the handler's
/// name).
pub(super) struct Operation {
    pub id: &'static str,
    pub access: Access,
    /// The refusals of the operation's own rules.
    pub refusals: &'static [ErrorCode],
    /// Whether the answer can fail on the store (500 `internal`).
    pub uses_store: bool,
}

use ErrorCode as C;

/// Every operation, with the refusals of its own rules.
pub(super) const OPERATIONS: &[Operation] = &[
    Operation {
        id: "healthz",
        access: Access::Public,
        refusals: &[],
        uses_store: false,
    },
    Operation {
        id: "readyz",
        access: Access::Public,
        refusals: &[C::DatabaseUnavailable],
        uses_store: false,
    },
    Operation {
        id: "openapi_json",
        access: Access::Public,
        refusals: &[],
        uses_store: false,
    },
    Operation {
        id: "login_start",
        access: Access::Public,
        refusals: &[
            C::InvalidDocumentNumber,
            C::InvalidName,
            C::LoginLocked,
            C::RateLimited,
        ],
        uses_store: true,
    },
    Operation {
        id: "login_finish",
        access: Access::Public,
        refusals: &[
            C::InvalidEncoding,
            C::ChallengeNotFound,
            C::ChallengeAlreadyUsed,
            C::ChallengeExpired,
            C::LoginLocked,
            C::FaceResultInvalid,
            C::FaceMismatch,
            C::LivenessFailed,
            C::DeviceBindingInvalid,
        ],
        uses_store: true,
    },
    Operation {
        id: "face_simulator_capture",
        access: Access::Public,
        refusals: &[
            C::FaceSimulatorDisabled,
            C::InvalidEncoding,
            C::InvalidDocumentNumber,
        ],
        uses_store: false,
    },
    Operation {
        id: "session_view",
        access: Access::Resident,
        refusals: &[],
        uses_store: true,
    },
    Operation {
        id: "session_refresh",
        access: Access::Public,
        refusals: &[
            C::InvalidToken,
            C::TokenExpired,
            C::RefreshTokenReused,
            C::SignedInElsewhere,
            C::SessionEnded,
        ],
        uses_store: true,
    },
    Operation {
        id: "session_logout",
        access: Access::Resident,
        refusals: &[],
        uses_store: true,
    },
    Operation {
        id: "sync_codes",
        access: Access::Guardian,
        refusals: &[C::InvalidRequest],
        uses_store: true,
    },
    Operation {
        id: "apply_self",
        access: Access::Resident,
        refusals: &[],
        uses_store: true,
    },
    Operation {
        id: "apply_proxy",
        access: Access::Guardian,
        refusals: &[
            C::InvalidDocumentNumber,
            C::InvalidName,
            C::RelationshipMismatch,
            C::CannotProxyForSelf,
            C::GuardianUnderAge,
            C::GuardianAgeUnknown,
            C::CoResidenceNotDeclared,
            C::DependentNotEligible,
            C::HolderHasOwnCode,
            C::JoinRequestPending,
            C::TooManyDependents,
            C::UnknownDistrict,
            C::OutsideDistrict,
            C::ResidenceDistrictRequired,
        ],
        uses_store: true,
    },
    Operation {
        id: "remove_dependent",
        access: Access::Guardian,
        refusals: &[C::CodeNotFound],
        uses_store: true,
    },
    Operation {
        id: "printed_code",
        access: Access::Guardian,
        refusals: &[C::CodeNotFound],
        uses_store: true,
    },
    Operation {
        id: "health_declaration",
        access: Access::Guardian,
        refusals: &[
            C::CodeNotFound,
            C::NoCodeYet,
            C::UnknownDistrict,
            C::ArrivalDateOutOfRange,
        ],
        uses_store: true,
    },
    Operation {
        id: "pending_join_requests",
        access: Access::Guardian,
        refusals: &[],
        uses_store: true,
    },
    Operation {
        id: "approve_join_request",
        access: Access::Guardian,
        refusals: &[
            C::JoinRequestNotFound,
            C::NotYourDependent,
            C::JoinRequestAlreadyDecided,
            C::TooManyDependents,
        ],
        uses_store: true,
    },
    Operation {
        id: "decline_join_request",
        access: Access::Guardian,
        refusals: &[
            C::JoinRequestNotFound,
            C::NotYourDependent,
            C::JoinRequestAlreadyDecided,
        ],
        uses_store: true,
    },
    Operation {
        id: "online_verify",
        access: Access::Checkpoint,
        refusals: &[],
        uses_store: true,
    },
    Operation {
        id: "trust_list",
        access: Access::Public,
        refusals: &[],
        uses_store: false,
    },
    Operation {
        id: "impose_control",
        access: Access::Authority,
        refusals: &[
            C::InvalidDocumentNumber,
            C::MayNotImpose,
            C::ControlAlreadyActive,
        ],
        uses_store: true,
    },
    Operation {
        id: "release_control",
        access: Access::Authority,
        refusals: &[
            C::InvalidDocumentNumber,
            C::PersonNotFound,
            C::ControlNotActive,
            C::MayNotRelease,
            C::NotTheExecutingOrganisation,
            C::OutsideDistrict,
            C::RecipientMayNotExecute,
        ],
        uses_store: true,
    },
    Operation {
        id: "list_controls",
        access: Access::Authority,
        refusals: &[C::InvalidDocumentNumber, C::PersonNotFound],
        uses_store: true,
    },
    Operation {
        id: "hand_over_control",
        access: Access::Authority,
        refusals: &[
            C::InvalidDocumentNumber,
            C::PersonNotFound,
            C::ControlNotActive,
            C::RecipientNotFound,
            C::MayNotRelease,
            C::NotTheExecutingOrganisation,
            C::OutsideDistrict,
            C::RecipientMayNotExecute,
        ],
        uses_store: true,
    },
    Operation {
        id: "symptom_declarations",
        access: Access::Authority,
        refusals: &[],
        uses_store: true,
    },
];

/// Operations answering 304 to a matching `If-None-Match`.
const CONDITIONAL: &[&str] = &["sync_codes", "trust_list"];

/// What reading a JSON body can refuse (`ApiJson`, the body limit).
const BODY_REFUSALS: &[ErrorCode] = &[
    C::MalformedJson,
    C::InvalidRequest,
    C::UnsupportedMediaType,
    C::PayloadTooLarge,
];

/// What authenticating a bearer token can refuse (`Issuer::authenticate`),
/// and the refusal of a token of another kind of account.
const BEARER_REFUSALS: &[ErrorCode] = &[
    C::MissingToken,
    C::InvalidToken,
    C::TokenExpired,
    C::AccountTokenExpired,
    C::AccountRevoked,
    C::SignedInElsewhere,
    C::SessionEnded,
    C::WrongAccountKind,
];

/// What the idempotency middleware can refuse on a POST or DELETE.
const IDEMPOTENCY_REFUSALS: &[ErrorCode] = &[
    C::InvalidIdempotencyKey,
    C::IdempotencyKeyReused,
    C::RequestInProgress,
    C::RequestAlreadyApplied,
];

/// What the connection's limits can answer on any operation: a request
/// slower than its timeouts, a server at its connection cap
/// (`crate::connections`).
const TRANSPORT_REFUSALS: &[ErrorCode] = &[C::RequestTimeout, C::ServerBusy];

/// Refusals the router answers before any operation: not per operation.
pub(super) const ROUTER_REFUSALS: &[ErrorCode] = &[C::NoSuchEndpoint, C::MethodNotAllowed];

/// Every refusal an operation can answer with, in a stable order.
pub(super) fn refusals(op: &Operation, method: &str, has_body: bool) -> Vec<ErrorCode> {
    let mut all: Vec<ErrorCode> = op.refusals.to_vec();
    if has_body {
        all.extend_from_slice(BODY_REFUSALS);
    }
    if op.access != Access::Public {
        all.extend_from_slice(BEARER_REFUSALS);
    }
    if matches!(method, "post" | "delete") {
        all.extend_from_slice(IDEMPOTENCY_REFUSALS);
    }
    if op.uses_store {
        all.push(C::Internal);
    }
    all.extend_from_slice(TRANSPORT_REFUSALS);
    let mut seen = Vec::new();
    all.retain(|c| {
        let new = !seen.contains(c);
        seen.push(*c);
        new
    });
    all
}

fn code_name(code: ErrorCode) -> String {
    match serde_json::to_value(code) {
        Ok(Value::String(s)) => s,
        _ => unreachable!("an error code serialises as a string"),
    }
}

/// The error body with `code` limited to the codes this answer can carry.
fn error_schema(codes: &[String]) -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": { "type": "string", "enum": codes },
                    "message": {
                        "type": "string",
                        "description": "For people reading logs; never personal data."
                    }
                }
            }
        }
    })
}

fn bearer_scheme(description: &str) -> Value {
    json!({ "type": "http", "scheme": "bearer", "description": description })
}

/// Completes the document the handlers' annotations produced: security
/// schemes and per-operation security, the `Idempotency-Key` header, and
/// every refusal by status with its codes. Panics on an operation missing
/// from [`OPERATIONS`] (the router test builds the document, so a new
/// route without its contract fails the tests, not a user).
pub(super) fn complete(doc: &mut Value) {
    doc["components"]["securitySchemes"] = json!({
        "resident": bearer_scheme(
            "A resident's access token (`ska_…`) from `POST /v1/login/finish` or `POST /v1/session/refresh`."),
        "institution": bearer_scheme(
            "A residents'/village committee's or property management's account token (`skt_…`), created by the server's administrator."),
        "authority": bearer_scheme(
            "An authority's account token (`skt_…`: district, CDC, medical institution, community), created by the server's administrator."),
        "checkpoint": bearer_scheme(
            "A checkpoint's account token (`skt_…`), created by the server's administrator: it asks the online check and nothing else."),
    });
    let router: Vec<String> = ROUTER_REFUSALS
        .iter()
        .map(|c| format!("{} `{}`", c.http_status(), code_name(*c)))
        .collect();
    let description = doc["info"]["description"].as_str().unwrap_or_default();
    doc["info"]["description"] = json!(format!(
        "{description}\n\nEvery refusal is `{{\"error\": {{\"code\", \"message\"}}}}`; each operation lists its statuses with the codes each can carry. Any path or method the API does not have: {}.",
        router.join(", ")
    ));
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            let id = operation["operationId"].as_str().unwrap_or_default();
            let Some(op) = OPERATIONS.iter().find(|o| o.id == id) else {
                panic!("{method} {path} ({id}) has no entry in routes::contract::OPERATIONS");
            };
            complete_operation(operation, op, method);
        }
    }
}

fn complete_operation(operation: &mut Value, op: &Operation, method: &str) {
    let schemes = op.access.schemes();
    operation["security"] = if schemes.is_empty() {
        json!([])
    } else {
        Value::Array(schemes.iter().map(|s| json!({ *s: [] })).collect())
    };
    let mut parameters = operation["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for parameter in &mut parameters {
        // Every path parameter is a code or join-request id: 16 hex digits
        // (a malformed one is as unknown as another's, 404).
        if parameter["in"] == "path" {
            parameter["schema"] = json!({ "type": "string", "pattern": "^[0-9a-fA-F]{16}$" });
        }
        // An institution's code list in pages (`GET /v1/codes`).
        if parameter["in"] == "query" && parameter["name"] == "cursor" {
            parameter["schema"] = json!({ "type": "string", "pattern": "^[0-9a-fA-F]{16}$" });
        }
        if parameter["in"] == "query" && parameter["name"] == "limit" {
            parameter["schema"] =
                json!({ "type": "integer", "minimum": 1, "maximum": CODES_PAGE_MAX });
        }
    }
    if CONDITIONAL.contains(&op.id) {
        parameters.push(json!({
            "name": "If-None-Match",
            "in": "header",
            "required": false,
            "description": "The `ETag` of the answer the client holds: 304 when nothing changed.",
            "schema": { "type": "string" }
        }));
        if let Some(ok) = operation["responses"].get_mut("200") {
            ok["headers"] = json!({
                "ETag": { "description": "Names this answer, for `If-None-Match`.", "schema": { "type": "string" } }
            });
        }
    }
    if matches!(method, "post" | "delete") {
        parameters.push(json!({
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "description": "Makes a retry safe: the first answer for this key is given again, and a request still running with it answers 503 `request_in_progress`, and one that took effect but whose answer was lost (the server stopped) answers 409 `request_already_applied`: read the state to see its result (DESIGN §6).",
            "schema": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$" }
        }));
    }
    if !parameters.is_empty() {
        operation["parameters"] = Value::Array(parameters);
    }
    let has_body = operation.get("requestBody").is_some();
    let mut by_status: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    for code in refusals(op, method, has_body) {
        by_status
            .entry(code.http_status())
            .or_default()
            .push(code_name(code));
    }
    let responses = operation["responses"]
        .as_object_mut()
        .expect("every operation has responses");
    // The handlers state their answers on success; refusals are stated here.
    responses.retain(|status, _| !status.starts_with('4') && !status.starts_with('5'));
    for (status, codes) in by_status {
        let mut response = json!({
            "description": codes.join(", "),
            "content": { "application/json": { "schema": error_schema(&codes) } }
        });
        if status == 429 || status == 503 {
            response["headers"] = json!({
                "Retry-After": {
                    "description": "Seconds to wait before trying again.",
                    "schema": { "type": "integer", "minimum": 0 }
                }
            });
        }
        responses.insert(status.to_string(), response);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> Value {
        let (_, openapi) = super::super::api();
        let mut doc = serde_json::to_value(&openapi).unwrap();
        complete(&mut doc);
        doc
    }

    /// Every operation served has its contract, and every contract names an
    /// operation served (a renamed handler would otherwise keep a stale one).
    #[test]
    fn every_operation_has_its_contract_and_every_contract_an_operation() {
        let doc = document();
        let mut served: Vec<String> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .map(|op| op["operationId"].as_str().unwrap().to_owned())
            .collect();
        served.sort();
        let mut contracted: Vec<String> = OPERATIONS.iter().map(|o| o.id.to_owned()).collect();
        contracted.sort();
        assert_eq!(served, contracted);
    }

    /// Every error code the API defines is answered by some operation or
    /// by the router: a code nobody can receive is a stale contract, and a
    /// new code must be placed in one.
    #[test]
    fn every_error_code_is_stated_somewhere() {
        let doc = document();
        let defined: Vec<String> = doc["components"]["schemas"]["ErrorCode"]["enum"]
            .as_array()
            .expect("ErrorCode is an enum of strings")
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        let mut stated: Vec<String> = ROUTER_REFUSALS.iter().map(|c| code_name(*c)).collect();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                for response in op["responses"].as_object().unwrap().values() {
                    let codes = &response["content"]["application/json"]["schema"]["properties"]["error"]
                        ["properties"]["code"]["enum"];
                    if let Some(codes) = codes.as_array() {
                        stated.extend(codes.iter().map(|c| c.as_str().unwrap().to_owned()));
                    }
                }
            }
        }
        let unstated: Vec<_> = defined.iter().filter(|c| !stated.contains(c)).collect();
        assert!(unstated.is_empty(), "no operation states {unstated:?}");
    }

    /// A refusal is stated under the status the server sends it with, and
    /// every authenticated operation says which tokens it takes.
    #[test]
    fn refusals_sit_under_their_status_and_tokens_are_named() {
        let doc = document();
        let apply = &doc["paths"]["/v1/codes/apply-proxy"]["post"];
        let conflicts = &apply["responses"]["409"]["content"]["application/json"]["schema"]["properties"]
            ["error"]["properties"]["code"]["enum"];
        assert_eq!(
            conflicts,
            &json!([
                "holder_has_own_code",
                "join_request_pending",
                "too_many_dependents",
                "request_already_applied"
            ])
        );
        assert_eq!(
            apply["security"],
            json!([{ "resident": [] }, { "institution": [] }])
        );
        assert_eq!(
            doc["paths"]["/v1/verify"]["post"]["security"],
            json!([{ "checkpoint": [] }])
        );
        assert_eq!(
            doc["paths"]["/v1/login/start"]["post"]["security"],
            json!([])
        );
        for scheme in ["resident", "institution", "authority", "checkpoint"] {
            assert_eq!(
                doc["components"]["securitySchemes"][scheme]["scheme"],
                "bearer"
            );
        }
        let unauthorised = &doc["paths"]["/v1/codes"]["get"]["responses"]["401"];
        assert!(
            unauthorised["description"]
                .as_str()
                .unwrap()
                .contains("missing_token")
        );
        let locked = &doc["paths"]["/v1/login/start"]["post"]["responses"]["429"];
        assert!(locked["headers"].get("Retry-After").is_some());
    }
}
