//! A resident signs in with real name and face (人脸识别), on one device.

mod common;

use common::*;
use ed25519_dalek::SigningKey;
use reqwest::StatusCode;
use suikang_protocol::api::*;
use time::Duration;

#[tokio::test]
async fn a_resident_signs_in_with_their_face_and_sees_who_they_are() {
    let w = world().await;
    let zhang = w.sign_in("张小明", ZHANG_ID).await;
    let me: SessionView = ok(w.get("/v1/session", Some(&zhang.tokens.access_token)).await).await;
    assert_eq!(me.masked_name, "张*明");
    assert_eq!(me.masked_document, "1101**********002X");
    assert_eq!(
        me.device_public_key,
        hex::encode(zhang.device.verifying_key().to_bytes())
    );
    assert_eq!(me.issuer.slug, "suikang");
}

#[tokio::test]
async fn the_face_simulator_endpoint_signs_like_the_library() {
    let w = world().await;
    let challenge = w.challenge("张小明", ZHANG_ID).await;
    let r = w
        .post(
            "/v1/face-simulator/capture",
            None,
            &SimulateCaptureRequest {
                birth_date: None,
                linked_document: None,
                challenge: challenge.clone(),
                capture: FaceCapture::Match,
            },
        )
        .await;
    let result: SignedFaceResult = ok(r).await;
    assert_eq!(
        result,
        w.server
            .simulate_face(&challenge, FaceCapture::Match)
            .unwrap()
    );
}

#[tokio::test]
async fn someone_elses_face_or_a_photo_is_refused() {
    let w = world().await;
    let device = SigningKey::from_bytes(&rand_bytes());
    for (capture, code) in [
        (FaceCapture::Mismatch, ErrorCode::FaceMismatch),
        (FaceCapture::Spoof, ErrorCode::LivenessFailed),
    ] {
        let challenge = w.challenge("张小明", ZHANG_ID).await;
        let r = w
            .post(
                "/v1/login/finish",
                None,
                &w.finish_request(&challenge, capture, &device),
            )
            .await;
        refused(r, StatusCode::UNAUTHORIZED, code).await;
    }
}

#[tokio::test]
async fn a_forged_or_transplanted_face_result_is_refused() {
    let w = world().await;
    let device = SigningKey::from_bytes(&rand_bytes());
    let challenge = w.challenge("张小明", ZHANG_ID).await;
    let mut forged = w.finish_request(&challenge, FaceCapture::Mismatch, &device);
    forged.face_result.outcome = FaceOutcome::Match;
    refused(
        w.post("/v1/login/finish", None, &forged).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::FaceResultInvalid,
    )
    .await;
    // A genuine result for another challenge does not open this one.
    let first = w.challenge("张小明", ZHANG_ID).await;
    let second = w.challenge("张小明", ZHANG_ID).await;
    let mut moved = w.finish_request(&second, FaceCapture::Match, &device);
    moved.face_result = w
        .finish_request(&first, FaceCapture::Match, &device)
        .face_result;
    refused(
        w.post("/v1/login/finish", None, &moved).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::FaceResultInvalid,
    )
    .await;
}

#[tokio::test]
async fn a_challenge_answers_once_and_only_before_it_expires() {
    let w = world().await;
    let device = SigningKey::from_bytes(&rand_bytes());
    let challenge = w.challenge("张小明", ZHANG_ID).await;
    let finish = w.finish_request(&challenge, FaceCapture::Match, &device);
    let _: SessionTokens = ok(w.post("/v1/login/finish", None, &finish).await).await;
    refused(
        w.post("/v1/login/finish", None, &finish).await,
        StatusCode::CONFLICT,
        ErrorCode::ChallengeAlreadyUsed,
    )
    .await;
    let mut unknown = finish.clone();
    unknown.challenge_id = "00".repeat(16);
    refused(
        w.post("/v1/login/finish", None, &unknown).await,
        StatusCode::NOT_FOUND,
        ErrorCode::ChallengeNotFound,
    )
    .await;
    let late = w.challenge("张小明", ZHANG_ID).await;
    w.server.advance_clock(Duration::minutes(6));
    refused(
        w.post(
            "/v1/login/finish",
            None,
            &w.finish_request(&late, FaceCapture::Match, &device),
        )
        .await,
        StatusCode::GONE,
        ErrorCode::ChallengeExpired,
    )
    .await;
}

#[tokio::test]
async fn the_device_must_prove_it_holds_its_key() {
    let w = world().await;
    let device = SigningKey::from_bytes(&rand_bytes());
    let other = SigningKey::from_bytes(&rand_bytes());
    let challenge = w.challenge("张小明", ZHANG_ID).await;
    let mut finish = w.finish_request(&challenge, FaceCapture::Match, &other);
    finish.device_public_key = hex::encode(device.verifying_key().to_bytes());
    refused(
        w.post("/v1/login/finish", None, &finish).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::DeviceBindingInvalid,
    )
    .await;
    let challenge = w.challenge("张小明", ZHANG_ID).await;
    let mut garbled = w.finish_request(&challenge, FaceCapture::Match, &device);
    garbled.device_public_key = "zz".into();
    refused(
        w.post("/v1/login/finish", None, &garbled).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidEncoding,
    )
    .await;
}

#[tokio::test]
async fn five_failed_faces_in_an_hour_lock_that_document() {
    let w = world().await;
    let device = SigningKey::from_bytes(&rand_bytes());
    for _ in 0..5 {
        let challenge = w.challenge("张小明", ZHANG_ID).await;
        let r = w
            .post(
                "/v1/login/finish",
                None,
                &w.finish_request(&challenge, FaceCapture::Mismatch, &device),
            )
            .await;
        refused(r, StatusCode::UNAUTHORIZED, ErrorCode::FaceMismatch).await;
    }
    let r = w
        .post(
            "/v1/login/start",
            None,
            &LoginStartRequest {
                name: "张小明".into(),
                document: doc(ZHANG_ID),
            },
        )
        .await;
    refused(r, StatusCode::TOO_MANY_REQUESTS, ErrorCode::LoginLocked).await;
    // Another document is not locked; an hour later this one opens again.
    w.sign_in("李四", LI_ID).await;
    w.server.advance_clock(Duration::minutes(61));
    w.sign_in("张小明", ZHANG_ID).await;
}

#[tokio::test]
async fn signing_in_on_a_new_phone_signs_the_old_one_out() {
    let w = world().await;
    let old_phone = w.sign_in("张小明", ZHANG_ID).await;
    let new_phone = w.sign_in("张小明", ZHANG_ID).await;
    refused(
        w.get("/v1/codes", Some(&old_phone.tokens.access_token))
            .await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::SignedInElsewhere,
    )
    .await;
    refused(
        w.post(
            "/v1/session/refresh",
            None,
            &RefreshRequest {
                refresh_token: old_phone.tokens.refresh_token.clone(),
            },
        )
        .await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::SignedInElsewhere,
    )
    .await;
    let _: CodesResponse = w.codes(&new_phone.tokens.access_token).await;
}

#[tokio::test]
async fn a_refresh_token_works_once_and_its_reuse_revokes_the_session() {
    let w = world().await;
    let zhang = w.sign_in("张小明", ZHANG_ID).await;
    let refresh = RefreshRequest {
        refresh_token: zhang.tokens.refresh_token.clone(),
    };
    let next: SessionTokens = ok(w.post("/v1/session/refresh", None, &refresh).await).await;
    // The replaced access token is no longer valid; the new one is.
    refused(
        w.get("/v1/session", Some(&zhang.tokens.access_token)).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidToken,
    )
    .await;
    let _: SessionView = ok(w.get("/v1/session", Some(&next.access_token)).await).await;
    // A stolen copy of the old refresh token comes back: everything ends.
    refused(
        w.post("/v1/session/refresh", None, &refresh).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::RefreshTokenReused,
    )
    .await;
    refused(
        w.get("/v1/session", Some(&next.access_token)).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::SessionEnded,
    )
    .await;
}

#[tokio::test]
async fn an_expired_access_token_asks_for_a_refresh() {
    let w = world().await;
    let zhang = w.sign_in("张小明", ZHANG_ID).await;
    w.server.advance_clock(Duration::minutes(61));
    refused(
        w.get("/v1/codes", Some(&zhang.tokens.access_token)).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::TokenExpired,
    )
    .await;
    let next: SessionTokens = ok(w
        .post(
            "/v1/session/refresh",
            None,
            &RefreshRequest {
                refresh_token: zhang.tokens.refresh_token.clone(),
            },
        )
        .await)
    .await;
    let _: CodesResponse = w.codes(&next.access_token).await;
}

#[tokio::test]
async fn after_logout_the_tokens_are_dead() {
    let w = world().await;
    let zhang = w.sign_in("张小明", ZHANG_ID).await;
    let r = w
        .http
        .post(w.url("/v1/session/logout"))
        .bearer_auth(&zhang.tokens.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    refused(
        w.get("/v1/codes", Some(&zhang.tokens.access_token)).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::SessionEnded,
    )
    .await;
}

#[tokio::test]
async fn missing_unknown_and_garbled_tokens_are_refused() {
    let w = world().await;
    refused(
        w.get("/v1/codes", None).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::MissingToken,
    )
    .await;
    refused(
        w.get("/v1/codes", Some("ska_not-a-real-token")).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidToken,
    )
    .await;
    refused(
        w.get("/v1/codes", Some("hello")).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidToken,
    )
    .await;
    refused(
        w.post(
            "/v1/session/refresh",
            None,
            &RefreshRequest {
                refresh_token: "skr_nope".into(),
            },
        )
        .await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidToken,
    )
    .await;
}

#[tokio::test]
async fn an_invalid_document_number_or_name_is_refused_before_any_face_check() {
    let w = world().await;
    for number in [
        "11010519491231003X",
        "1101051949123100",
        "99010519491231002X",
    ] {
        let r = w
            .post(
                "/v1/login/start",
                None,
                &LoginStartRequest {
                    name: "张小明".into(),
                    document: doc(number),
                },
            )
            .await;
        refused(
            r,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidDocumentNumber,
        )
        .await;
    }
    let r = w
        .post(
            "/v1/login/start",
            None,
            &LoginStartRequest {
                name: "  ".into(),
                document: doc(ZHANG_ID),
            },
        )
        .await;
    refused(r, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidName).await;
}

/// A server whose face vendor is a real one (a cloud FaceID service), known
/// by its id and result key from the configuration; the test plays the
/// vendor's cloud with the private half.
async fn world_with_vendor(vendor_key: &SigningKey) -> World {
    let mut options =
        suikang_server::InProcessOptions::new(suikang_server::IssuerProfile::suikang());
    options.face_vendor = suikang_server::FaceVendorSetting::External {
        id: "cloud-faceid".into(),
        result_key: vendor_key.verifying_key().to_bytes(),
    };
    World {
        server: suikang_server::start_in_process(options).await.unwrap(),
        http: client(),
    }
}

fn finish_with(
    challenge: &FaceChallenge,
    result: SignedFaceResult,
    device: &SigningKey,
) -> LoginFinishRequest {
    let nonce = base64::Engine::decode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        &challenge.nonce,
    )
    .unwrap();
    LoginFinishRequest {
        challenge_id: challenge.challenge_id.clone(),
        face_result: result,
        device_public_key: hex::encode(device.verifying_key().to_bytes()),
        device_binding_signature: hex::encode(
            suikang_protocol::device_binding::sign_binding(device, &nonce).to_bytes(),
        ),
    }
}

#[tokio::test]
async fn without_the_dev_flag_there_is_no_simulator_and_only_the_configured_vendor_signs_in() {
    use suikang_server::face::{Identity, sign_result};
    let vendor = SigningKey::from_bytes(&rand_bytes());
    let w = world_with_vendor(&vendor).await;
    let device = SigningKey::from_bytes(&rand_bytes());
    let challenge = w.challenge("张小明", ZHANG_ID).await;
    assert_eq!(challenge.vendor.vendor, "cloud-faceid");
    assert_eq!(
        challenge.vendor.vendor_public_key,
        hex::encode(vendor.verifying_key().to_bytes())
    );

    // The simulator's endpoint is not there.
    refused(
        w.post(
            "/v1/face-simulator/capture",
            None,
            &SimulateCaptureRequest {
                birth_date: None,
                linked_document: None,
                challenge: challenge.clone(),
                capture: FaceCapture::Match,
            },
        )
        .await,
        StatusCode::NOT_FOUND,
        ErrorCode::FaceSimulatorDisabled,
    )
    .await;

    // The old simulator's key was derived from a public string: anyone could
    // mint its "match" offline. Its results are refused.
    use sha2::Digest;
    let public_string_key =
        SigningKey::from_bytes(&sha2::Sha256::digest(b"suikang simulated face vendor").into());
    for vendor_id in ["simulated", "cloud-faceid"] {
        // Each finish uses up its challenge: a fresh one per attempt.
        let challenge = w.challenge("张小明", ZHANG_ID).await;
        let forged = sign_result(
            &public_string_key,
            vendor_id,
            &challenge,
            &Identity::default(),
            FaceOutcome::Match,
        );
        refused(
            w.post(
                "/v1/login/finish",
                None,
                &finish_with(&challenge, forged, &device),
            )
            .await,
            StatusCode::UNAUTHORIZED,
            ErrorCode::FaceResultInvalid,
        )
        .await;
    }

    // The vendor's genuine match for another person's document does not
    // sign in this one: the result names the document it compared with.
    let other = w.challenge("李四", LI_ID).await;
    for transplant in [false, true] {
        let mine = w.challenge("张小明", ZHANG_ID).await;
        let result = if transplant {
            // Li's signed match, moved onto Zhang's challenge.
            SignedFaceResult {
                challenge_id: mine.challenge_id.clone(),
                nonce: mine.nonce.clone(),
                ..sign_result(
                    &vendor,
                    "cloud-faceid",
                    &other,
                    &Identity::default(),
                    FaceOutcome::Match,
                )
            }
        } else {
            // Zhang's challenge, but the vendor compared Li's document.
            let mut wrong_subject = mine.clone();
            wrong_subject.vendor.subject = other.vendor.subject.clone();
            sign_result(
                &vendor,
                "cloud-faceid",
                &wrong_subject,
                &Identity::default(),
                FaceOutcome::Match,
            )
        };
        refused(
            w.post(
                "/v1/login/finish",
                None,
                &finish_with(&mine, result, &device),
            )
            .await,
            StatusCode::UNAUTHORIZED,
            ErrorCode::FaceResultInvalid,
        )
        .await;
    }

    // The configured vendor's own result for this challenge signs in.
    let fresh = w.challenge("张小明", ZHANG_ID).await;
    let genuine = sign_result(
        &vendor,
        "cloud-faceid",
        &fresh,
        &Identity::default(),
        FaceOutcome::Match,
    );
    let tokens: SessionTokens = ok(w
        .post(
            "/v1/login/finish",
            None,
            &finish_with(&fresh, genuine, &device),
        )
        .await)
    .await;
    assert!(tokens.access_token.starts_with("ska_"));
}

#[tokio::test]
async fn a_server_without_a_face_vendor_refuses_to_start() {
    let data = tempfile::tempdir().unwrap();
    let config =
        suikang_server::ServerConfig::new(data.path(), suikang_server::IssuerProfile::suikang());
    let started = suikang_server::start(config, "127.0.0.1:0".parse().unwrap()).await;
    assert!(matches!(
        started.err(),
        Some(suikang_server::StartError::NoFaceVendor)
    ));
}

#[tokio::test]
async fn garbage_face_results_for_someones_document_do_not_lock_them_out() {
    let w = world().await;
    let attacker_device = SigningKey::from_bytes(&rand_bytes());
    // More than the lock-out limit of forged "results" for Zhang's number.
    for _ in 0..8 {
        let challenge = w.challenge("张小明", ZHANG_ID).await;
        let mut forged = w.finish_request(&challenge, FaceCapture::Mismatch, &attacker_device);
        forged.face_result.signature = "00".repeat(64);
        refused(
            w.post("/v1/login/finish", None, &forged).await,
            StatusCode::UNAUTHORIZED,
            ErrorCode::FaceResultInvalid,
        )
        .await;
    }
    // Zhang still signs in with their own face.
    let zhang = w.sign_in("张小明", ZHANG_ID).await;
    assert!(zhang.tokens.access_token.starts_with("ska_"));
}

/// POSTs with an `Idempotency-Key`, as the phone does on every mutation.
async fn post_keyed<B: serde::Serialize>(
    w: &World,
    path: &str,
    key: &str,
    body: &B,
) -> reqwest::Response {
    w.http
        .post(w.url(path))
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_replayed_login_or_refresh_never_hands_out_live_tokens_and_none_rest_in_the_database() {
    let w = world().await;
    let device = SigningKey::from_bytes(&rand_bytes());
    let challenge = w.challenge("张小明", ZHANG_ID).await;
    let finish = w.finish_request(&challenge, FaceCapture::Match, &device);
    let tokens: SessionTokens =
        ok(post_keyed(&w, "/v1/login/finish", "login-1", &finish).await).await;
    // The same request, the same key: answered from the state (the challenge
    // is spent), not with the tokens of the first answer.
    refused(
        post_keyed(&w, "/v1/login/finish", "login-1", &finish).await,
        StatusCode::CONFLICT,
        ErrorCode::ChallengeAlreadyUsed,
    )
    .await;

    let refresh = RefreshRequest {
        refresh_token: tokens.refresh_token.clone(),
    };
    let next: SessionTokens =
        ok(post_keyed(&w, "/v1/session/refresh", "refresh-1", &refresh).await).await;
    // A copy of the old refresh token replayed with the same key is reuse:
    // the session ends, and the pair it would have returned is dead.
    refused(
        post_keyed(&w, "/v1/session/refresh", "refresh-1", &refresh).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::RefreshTokenReused,
    )
    .await;
    refused(
        w.get("/v1/session", Some(&next.access_token)).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::SessionEnded,
    )
    .await;

    // A copy of the database holds no working token.
    let dir = &w.server.issuer.data_dir;
    let mut bytes = Vec::new();
    for name in ["suikang.db", "suikang.db-wal"] {
        if let Ok(b) = std::fs::read(dir.join(name)) {
            bytes.extend(b);
        }
    }
    for token in [
        &tokens.access_token,
        &tokens.refresh_token,
        &next.access_token,
        &next.refresh_token,
    ] {
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "a bearer token is stored in the clear"
        );
    }
}

#[tokio::test]
async fn a_client_starting_logins_in_a_loop_is_told_when_to_come_back() {
    let w = world_with(suikang_server::Policy {
        login_start_limit: suikang_server::rate_limit::RateLimit {
            burst: 3,
            period: std::time::Duration::from_secs(600),
        },
        ..Default::default()
    })
    .await;
    for _ in 0..3 {
        w.challenge("张小明", ZHANG_ID).await;
    }
    let r = w
        .post(
            "/v1/login/start",
            None,
            &LoginStartRequest {
                name: "李四".into(),
                document: doc(LI_ID),
            },
        )
        .await;
    let retry_after: u64 = r
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&retry_after), "{retry_after}");
    refused(r, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
}

async fn login_start_from(w: &World, forwarded_for: &str, number: &str) -> reqwest::Response {
    w.http
        .post(w.url("/v1/login/start"))
        .header("x-forwarded-for", forwarded_for)
        .json(&LoginStartRequest {
            name: "张小明".into(),
            document: doc(number),
        })
        .send()
        .await
        .unwrap()
}

fn three_login_starts() -> suikang_server::rate_limit::RateLimit {
    suikang_server::rate_limit::RateLimit {
        burst: 3,
        period: std::time::Duration::from_secs(600),
    }
}

#[tokio::test]
async fn a_direct_client_cannot_escape_the_login_limit_by_inventing_forwarded_for() {
    let w = world_with(suikang_server::Policy {
        login_start_limit: three_login_starts(),
        ..Default::default()
    })
    .await;
    for i in 0..3 {
        let _: FaceChallenge =
            ok(login_start_from(&w, &format!("198.51.100.{i}"), ZHANG_ID).await).await;
    }
    refused(
        login_start_from(&w, "198.51.100.99", ZHANG_ID).await,
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
    )
    .await;
}

#[tokio::test]
async fn behind_a_trusted_load_balancer_each_forwarded_client_has_its_own_limit() {
    // The test's client plays the load balancer, on loopback.
    let w = world_with(suikang_server::Policy {
        login_start_limit: three_login_starts(),
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        ..Default::default()
    })
    .await;
    for _ in 0..3 {
        let _: FaceChallenge = ok(login_start_from(&w, "203.0.113.7", ZHANG_ID).await).await;
    }
    refused(
        login_start_from(&w, "203.0.113.7", ZHANG_ID).await,
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
    )
    .await;
    // Another resident behind the same balancer is not held up…
    let _: FaceChallenge = ok(login_start_from(&w, "203.0.113.8", LI_ID).await).await;
    // …and the limited one cannot get out by writing its own header first:
    // the balancer appends the address it saw, and that one counts.
    refused(
        login_start_from(&w, "198.51.100.1, 203.0.113.7", ZHANG_ID).await,
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
    )
    .await;
}
