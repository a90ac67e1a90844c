//! Whatever a client sends, it gets a typed JSON error and nothing changes;
//! retries with an Idempotency-Key never act twice; the OpenAPI document
//! lists every route.

mod common;

use common::*;
use reqwest::StatusCode;
use suikang_protocol::Relationship;
use suikang_protocol::api::*;

async fn raw(
    w: &World,
    path: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    w.http
        .post(w.url(path))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn malformed_json_unknown_values_and_wrong_shapes_are_typed_errors() {
    let w = world().await;
    refused(
        raw(&w, "/v1/login/start", "application/json", "{not json").await,
        StatusCode::BAD_REQUEST,
        ErrorCode::MalformedJson,
    )
    .await;
    let unknown_kind = r#"{"name":"张小明","document":{"kind":"martian_id","number":"1"}}"#;
    refused(
        raw(&w, "/v1/login/start", "application/json", unknown_kind).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidRequest,
    )
    .await;
    refused(
        raw(&w, "/v1/login/start", "application/json", r#"{"name":"x"}"#).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidRequest,
    )
    .await;
    refused(
        raw(&w, "/v1/login/start", "text/plain", "{}").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::UnsupportedMediaType,
    )
    .await;
    let cdc = w
        .authority(
            suikang_protocol::AuthorityRole::Cdc,
            "guangzhou-cdc",
            "440100",
        )
        .await;
    let r = w
        .http
        .post(w.url("/v1/authority/controls/impose"))
        .bearer_auth(&cdc)
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"document":{{"kind":"resident_id","number":"{ZHANG_ID}"}},"reason":"flu"}}"#
        ))
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(text.contains("invalid_request"), "{text}");
    assert!(
        !text.contains(ZHANG_ID),
        "an error never echoes a document number: {text}"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let w = world().await;
    let huge = format!(
        r#"{{"name":"{}","document":{{"kind":"passport","number":"E1234567"}}}}"#,
        "张".repeat(20_000)
    );
    refused(
        raw(&w, "/v1/login/start", "application/json", huge.clone()).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
    )
    .await;
    let r = w
        .http
        .post(w.url("/v1/login/start"))
        .header("content-type", "application/json")
        .header("idempotency-key", "big-1")
        .body(huge)
        .send()
        .await
        .unwrap();
    refused(r, StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge).await;
}

#[tokio::test]
async fn unknown_endpoints_and_methods_are_typed_errors() {
    let w = world().await;
    refused(
        w.get("/v1/nothing-here", None).await,
        StatusCode::NOT_FOUND,
        ErrorCode::NoSuchEndpoint,
    )
    .await;
    let r = w.http.put(w.url("/v1/codes")).send().await.unwrap();
    refused(
        r,
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
    )
    .await;
    // A method the path does not have is 405 before any Idempotency-Key
    // is looked at: the same key reused on it is no idempotency matter
    // (found by schemathesis, issue 18).
    for (method, status, code) in [
        (
            reqwest::Method::POST,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidRequest,
        ),
        (
            reqwest::Method::DELETE,
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
        ),
    ] {
        let r = w
            .http
            .request(method, w.url("/v1/login/start"))
            .header("idempotency-key", "same-key")
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        refused(r, status, code).await;
    }
}

/// The face simulator, like a vendor's SDK, signs only a challenge of the
/// server's own shape (schemathesis found it signing an empty nonce).
#[tokio::test]
async fn the_face_simulator_refuses_a_challenge_not_of_the_servers_shape() {
    let w = world().await;
    let challenge = w
        .challenge("张小明", &resident_id("11010519491231002"))
        .await;
    let broken = [
        FaceChallenge {
            nonce: String::new(),
            ..challenge.clone()
        },
        FaceChallenge {
            challenge_id: "not-hex".into(),
            ..challenge.clone()
        },
        FaceChallenge {
            vendor: FaceVendorParams {
                subject: String::new(),
                ..challenge.vendor.clone()
            },
            ..challenge.clone()
        },
    ];
    for challenge in broken {
        let r = w
            .post(
                "/v1/face-simulator/capture",
                None,
                &SimulateCaptureRequest {
                    challenge,
                    capture: FaceCapture::Match,
                    birth_date: None,
                    linked_document: None,
                },
            )
            .await;
        refused(
            r,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidEncoding,
        )
        .await;
    }
    let r = w
        .post(
            "/v1/face-simulator/capture",
            None,
            &SimulateCaptureRequest {
                challenge,
                capture: FaceCapture::Match,
                birth_date: None,
                linked_document: None,
            },
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_retried_application_returns_the_first_answer_and_acts_once() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let token = &zhang.tokens.access_token;
    let body = ApplyProxyRequest {
        name: "李四".into(),
        document: doc(LI_ID),
        relationship: Relationship::AdultRelative,
        co_resident_declared: true,
        reason: None,
        residence_district: None,
    };
    let send = |key: &'static str, body: &ApplyProxyRequest| {
        w.http
            .post(w.url("/v1/codes/apply-proxy"))
            .bearer_auth(token)
            .header("idempotency-key", key)
            .json(body)
            .send()
    };
    let first: ApplyResponse = ok(send("retry-1", &body).await.unwrap()).await;
    assert!(first.created);
    let again = send("retry-1", &body).await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: ApplyResponse = ok(again).await;
    assert_eq!(
        again, first,
        "the very first response, created: true included"
    );
    assert_eq!(w.codes(token).await.dependents.len(), 1);
    let other = ApplyProxyRequest {
        document: doc(&elder_id(1)),
        ..body.clone()
    };
    refused(
        send("retry-1", &other).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::IdempotencyKeyReused,
    )
    .await;
    let r = w
        .http
        .post(w.url("/v1/codes/apply-proxy"))
        .bearer_auth(token)
        .header("idempotency-key", "")
        .json(&body)
        .send()
        .await
        .unwrap();
    refused(r, StatusCode::BAD_REQUEST, ErrorCode::InvalidIdempotencyKey).await;
    // A health declaration retried imposes and records once.
    let declaration = HealthDeclarationRequest {
        code_id: None,
        symptoms: vec![Symptom::Fever],
        travel_from_key_area: Some(KeyAreaTravel {
            area: "武汉".into(),
            arrived_on: time::OffsetDateTime::now_utc().date() - time::Duration::days(3),
            district: "440104".into(),
        }),
        district: None,
    };
    let post = || {
        w.http
            .post(w.url("/v1/health-declarations"))
            .bearer_auth(token)
            .header("idempotency-key", "declare-1")
            .json(&declaration)
            .send()
    };
    let a: HealthDeclarationResponse = ok(post().await.unwrap()).await;
    let b: HealthDeclarationResponse = ok(post().await.unwrap()).await;
    assert_eq!(a, b);
}

#[tokio::test]
async fn a_refused_request_is_replayed_as_refused() {
    let w = world().await;
    let r = || {
        w.http
            .post(w.url("/v1/login/start"))
            .header("idempotency-key", "bad-doc")
            .json(&LoginStartRequest {
                name: "张小明".into(),
                document: doc("123"),
            })
            .send()
    };
    refused(
        r().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidDocumentNumber,
    )
    .await;
    refused(
        r().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidDocumentNumber,
    )
    .await;
}

/// Every route the router serves is in the OpenAPI document, and every
/// documented operation is served (neither 404 no_such_endpoint nor 405).
#[tokio::test]
async fn the_openapi_document_and_the_router_agree() {
    let w = world().await;
    assert_eq!(w.get("/healthz", None).await.text().await.unwrap(), "ok");
    let doc: serde_json::Value = w.get("/v1/openapi.json", None).await.json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    documented.sort();
    let mut expected = vec![
        "GET /healthz",
        "GET /readyz",
        "GET /v1/openapi.json",
        "POST /v1/login/start",
        "POST /v1/login/finish",
        "POST /v1/face-simulator/capture",
        "GET /v1/session",
        "POST /v1/session/refresh",
        "POST /v1/session/logout",
        "GET /v1/codes",
        "POST /v1/codes/apply-self",
        "POST /v1/codes/apply-proxy",
        "DELETE /v1/dependents/{code_id}",
        "GET /v1/dependents/{code_id}/printed",
        "POST /v1/health-declarations",
        "GET /v1/join-requests",
        "POST /v1/join-requests/{request_id}/approve",
        "POST /v1/join-requests/{request_id}/decline",
        "POST /v1/verify",
        "GET /v1/trust-list",
        "POST /v1/authority/controls/impose",
        "POST /v1/authority/controls/release",
        "POST /v1/authority/controls/list",
        "POST /v1/authority/controls/hand-over",
        "POST /v1/authority/declarations/symptoms",
    ];
    expected.sort();
    assert_eq!(documented, expected);
    for op in &documented {
        let (method, path) = op.split_once(' ').unwrap();
        let path = path
            .replace("{code_id}", "0000000000000000")
            .replace("{request_id}", "0000000000000000");
        let r = w
            .http
            .request(method.parse().unwrap(), w.url(&path))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{op}");
        assert!(
            serde_json::from_str::<ErrorBody>(&text)
                .map(|b| b.error.code)
                .ok()
                != Some(ErrorCode::NoSuchEndpoint),
            "{op} is documented but not served"
        );
    }
    for schema in [
        "ErrorBody",
        "CodesResponse",
        "FaceChallenge",
        "DocumentKind",
        "ControlReason",
    ] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "{schema}"
        );
    }
}

#[tokio::test]
async fn a_retry_after_a_token_refresh_is_the_same_request_and_acts_once() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let declare = |token: String| {
        let w = &w;
        async move {
            w.http
                .post(w.url("/v1/health-declarations"))
                .bearer_auth(token)
                .header("idempotency-key", "declared-offline-1")
                .json(&HealthDeclarationRequest {
                    code_id: None,
                    symptoms: vec![Symptom::Fever],
                    travel_from_key_area: None,
                    district: None,
                })
                .send()
                .await
                .unwrap()
        }
    };
    let first: HealthDeclarationResponse =
        ok(declare(zhang.tokens.access_token.clone()).await).await;
    // The phone was offline past its token's life: it refreshes, then retries.
    let refreshed: SessionTokens = ok(w
        .post(
            "/v1/session/refresh",
            None,
            &RefreshRequest {
                refresh_token: zhang.tokens.refresh_token.clone(),
            },
        )
        .await)
    .await;
    let again = declare(refreshed.access_token.clone()).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: HealthDeclarationResponse = ok(again).await;
    assert_eq!(again.declaration_id, first.declaration_id, "recorded once");
}

#[tokio::test]
async fn a_retried_removal_of_a_dependent_replays_its_first_answer() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let token = zhang.tokens.access_token.clone();
    let applied: ApplyResponse = ok(w
        .post(
            "/v1/codes/apply-proxy",
            Some(&token),
            &ApplyProxyRequest {
                name: "张老太".into(),
                document: doc(&elder_id(2)),
                relationship: Relationship::AdultRelative,
                co_resident_declared: true,
                reason: None,
                residence_district: None,
            },
        )
        .await)
    .await;
    let remove = || {
        w.http
            .delete(w.url(&format!("/v1/dependents/{}", applied.code_id)))
            .bearer_auth(&token)
            .header("idempotency-key", "remove-1")
            .send()
    };
    assert_eq!(remove().await.unwrap().status(), StatusCode::NO_CONTENT);
    let again = remove().await.unwrap();
    assert_eq!(
        again.status(),
        StatusCode::NO_CONTENT,
        "the first answer, not a 404"
    );
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert!(w.codes(&token).await.dependents.is_empty());
}
