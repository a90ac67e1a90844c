//! Two server replicas on one PostgreSQL database act as one issuer
//! (DESIGN §6): a phone signs in through one and carries on through the
//! other, a spent refresh token is caught by either, an Idempotency-Key is
//! honoured across them, and racing requests get one result.
//!
//! The replicas run in process on loopback, on a fresh database of this
//! binary's throw-away cluster, sharing the key files as real replicas do.

use reqwest::StatusCode;
use suikang_protocol::api::*;
use suikang_protocol::{AuthorityRole, Color, ControlReason, Relationship};
use suikang_server::{InProcessOptions, IssuerProfile, start_in_process};
use suikang_testkit::api::*;

/// Replica A and replica B of one issuer, and the key directory they share.
struct Replicas {
    a: World,
    b: World,
    _keys: tempfile::TempDir,
}

async fn replicas() -> Replicas {
    let database = fresh_postgres().await;
    let keys = tempfile::tempdir().unwrap();
    let options = || {
        let mut o = InProcessOptions::new(IssuerProfile::suikang());
        o.database_url = Some(database.clone());
        o.data_dir = Some(keys.path().to_owned());
        o
    };
    // One after the other, as a deployment starts its first replica (which
    // makes the schema and the first key) before scaling out.
    let a = start_in_process(options()).await.expect("replica A starts");
    let b = start_in_process(options()).await.expect("replica B starts");
    Replicas {
        a: World {
            server: a,
            http: client(),
        },
        b: World {
            server: b,
            http: client(),
        },
        _keys: keys,
    }
}

#[tokio::test]
async fn both_replicas_publish_one_issuer_under_one_root() {
    let r = replicas().await;
    // The lists' bodies differ only in when each replica built its list.
    assert_eq!(r.a.server.root_public_key(), r.b.server.root_public_key());
    assert_eq!(r.a.server.issuer_entry(), r.b.server.issuer_entry());
    assert_eq!(r.a.server.issuer_entry().keys.len(), 1, "one signing key");
    assert!(r.a.get("/v1/trust-list", None).await.status().is_success());
    assert!(r.b.get("/v1/trust-list", None).await.status().is_success());
}

#[tokio::test]
async fn a_phone_signs_in_on_one_replica_and_carries_on_through_the_other() {
    let r = replicas().await;
    let zhang = r.a.sign_in("张小明", ZHANG_ID).await;
    let token = zhang.tokens.access_token.as_str();

    let applied: ApplyResponse = ok(r
        .b
        .post("/v1/codes/apply-self", Some(token), &ApplySelfRequest {})
        .await)
    .await;
    assert_eq!(applied.color, Color::Blue);
    let synced = r.b.codes(token).await.own.unwrap();
    assert_eq!(synced.code_id, applied.code_id);
    assert!(
        synced.credential.is_some(),
        "replica B signs the credential"
    );

    let declared: HealthDeclarationResponse = ok(r
        .b
        .post(
            "/v1/health-declarations",
            Some(token),
            &HealthDeclarationRequest {
                code_id: None,
                symptoms: vec![],
                travel_from_key_area: Some(KeyAreaTravel {
                    area: "武汉".into(),
                    arrived_on: time::OffsetDateTime::now_utc().date() - time::Duration::days(3),
                    district: "440104".into(),
                }),
                district: None,
            },
        )
        .await)
    .await;
    assert_eq!(declared.color, Color::Red);
    assert_eq!(
        r.a.codes(token).await.own.unwrap().color,
        Color::Red,
        "replica A sees what B recorded"
    );

    let refresh = RefreshRequest {
        refresh_token: zhang.tokens.refresh_token.clone(),
    };
    let next: SessionTokens = ok(r.b.post("/v1/session/refresh", None, &refresh).await).await;
    refused(
        r.a.get("/v1/session", Some(token)).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidToken,
    )
    .await;
    let _: SessionView = ok(r.a.get("/v1/session", Some(&next.access_token)).await).await;
}

#[tokio::test]
async fn a_refresh_token_reused_on_the_other_replica_ends_the_session() {
    let r = replicas().await;
    let zhang = r.a.sign_in("张小明", ZHANG_ID).await;
    let refresh = RefreshRequest {
        refresh_token: zhang.tokens.refresh_token.clone(),
    };
    let next: SessionTokens = ok(r.a.post("/v1/session/refresh", None, &refresh).await).await;
    refused(
        r.b.post("/v1/session/refresh", None, &refresh).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::RefreshTokenReused,
    )
    .await;
    for replica in [&r.a, &r.b] {
        refused(
            replica.get("/v1/session", Some(&next.access_token)).await,
            StatusCode::UNAUTHORIZED,
            ErrorCode::SessionEnded,
        )
        .await;
    }
}

#[tokio::test]
async fn signing_in_through_one_replica_ends_the_session_held_through_the_other() {
    let r = replicas().await;
    let first = r.a.sign_in("张小明", ZHANG_ID).await;
    let _second = r.b.sign_in("张小明", ZHANG_ID).await;
    refused(
        r.a.get("/v1/session", Some(&first.tokens.access_token))
            .await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::SignedInElsewhere,
    )
    .await;
}

#[tokio::test]
async fn an_idempotency_key_claimed_on_one_replica_is_honoured_on_the_other() {
    let r = replicas().await;
    let (zhang, _) = r.a.resident_with_code("张小明", ZHANG_ID).await;
    let token = zhang.tokens.access_token.as_str();
    let declaration = HealthDeclarationRequest {
        code_id: None,
        symptoms: vec![Symptom::Fever],
        travel_from_key_area: None,
        district: None,
    };
    let post = |w: &World| {
        w.http
            .post(w.url("/v1/health-declarations"))
            .bearer_auth(token)
            .header("idempotency-key", "declare-across-replicas")
            .json(&declaration)
            .send()
    };
    let on_a: HealthDeclarationResponse = ok(post(&r.a).await.unwrap()).await;
    let on_b: HealthDeclarationResponse = ok(post(&r.b).await.unwrap()).await;
    assert_eq!(on_a, on_b, "B answers A's response, recorded once");
}

#[tokio::test]
async fn replicas_racing_one_proxy_application_give_one_code() {
    let r = replicas().await;
    let (guardian, _) = r.a.resident_with_code("张小明", ZHANG_ID).await;
    let token = guardian.tokens.access_token.as_str();
    let apply = ApplyProxyRequest {
        name: "王老太".into(),
        document: doc(LI_ID),
        relationship: Relationship::AdultRelative,
        co_resident_declared: true,
        reason: None,
        residence_district: None,
    };
    let (a, b) = tokio::join!(
        r.a.post("/v1/codes/apply-proxy", Some(token), &apply),
        r.b.post("/v1/codes/apply-proxy", Some(token), &apply),
    );
    let a: ApplyResponse = ok(a).await;
    let b: ApplyResponse = ok(b).await;
    assert_eq!(a.code_id, b.code_id, "one person, one code");
    assert_eq!(
        u8::from(a.created) + u8::from(b.created),
        1,
        "one of them made it"
    );
    let codes = r.b.codes(token).await;
    assert_eq!(codes.dependents.len(), 1);
    assert_eq!(codes.dependents[0].code_id, a.code_id);
}

#[tokio::test]
async fn replicas_racing_one_impose_put_one_control_in_place() {
    let r = replicas().await;
    let (zhang, _) = r.a.resident_with_code("张小明", ZHANG_ID).await;
    let cdc =
        r.a.authority(AuthorityRole::Cdc, "guangzhou-cdc", "440100")
            .await;
    let impose = ImposeControlRequest {
        document: doc(ZHANG_ID),
        reason: ControlReason::CloseContact,
    };
    let (a, b) = tokio::join!(
        r.a.post("/v1/authority/controls/impose", Some(&cdc), &impose),
        r.b.post("/v1/authority/controls/impose", Some(&cdc), &impose),
    );
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let loser = if a.status() == StatusCode::CONFLICT {
        a
    } else {
        b
    };
    refused(loser, StatusCode::CONFLICT, ErrorCode::ControlAlreadyActive).await;
    let own = r.b.codes(&zhang.tokens.access_token).await.own.unwrap();
    assert_eq!(own.color, Color::Red);
    assert_eq!(own.controls.len(), 1);
}
