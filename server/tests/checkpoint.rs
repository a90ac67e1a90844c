//! A checkpoint verifies codes online, ours and Yuekang's (互扫互通), and
//! keeps the trust list fresh.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use ed25519_dalek::SigningKey;
use reqwest::StatusCode;
use suikang_protocol::api::*;
use suikang_protocol::{
    AuthorityRole, Color, ControlReason, Presentation, Refusal, SignedCredential, TrustList,
};
use suikang_server::start_suikang_and_yuekang;
use time::{Duration, OffsetDateTime};

async fn presentation(w: &World, resident: &Resident, at: OffsetDateTime) -> String {
    let own = w.codes(&resident.tokens.access_token).await.own.unwrap();
    let bytes = URL_SAFE_NO_PAD
        .decode(own.credential.unwrap().credential)
        .unwrap();
    let (signed, _) = SignedCredential::decode_prefix(&bytes).unwrap();
    Presentation::sign(&signed, &resident.device, at)
        .unwrap()
        .to_qr_text()
}

#[tokio::test]
async fn a_checkpoint_sees_the_holders_current_status_online() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let qr = presentation(&w, &zhang, OffsetDateTime::now_utc()).await;
    let gate = w.checkpoint().await;
    let checked = w.verify_online(&gate, &qr).await;
    assert!(checked.valid);
    let code = checked.code.unwrap();
    assert_eq!(
        (code.color, code.masked_name.as_str()),
        (Color::Blue, "张*明")
    );
    assert_eq!(checked.current_status.unwrap().color, Color::Blue);
    assert!(!checked.status_changed_since_issue);
    // The CDC acts after the code was shown: online, the checkpoint knows.
    let cdc = w
        .authority(AuthorityRole::Cdc, "guangzhou-cdc", "440100")
        .await;
    let _: ControlsResponse = ok(w
        .post(
            "/v1/authority/controls/impose",
            Some(&cdc),
            &ImposeControlRequest {
                document: doc(ZHANG_ID),
                reason: ControlReason::CloseContact,
            },
        )
        .await)
    .await;
    let checked = w.verify_online(&gate, &qr).await;
    assert!(checked.valid);
    assert_eq!(checked.code.unwrap().color, Color::Blue);
    let now = checked.current_status.unwrap();
    assert_eq!((now.color, now.pass), (Color::Red, false));
    assert!(checked.status_changed_since_issue);
    // Issue 11, finding 4: the online answer never carries the reasons.
    let raw = w
        .post(
            "/v1/verify",
            Some(&gate),
            &OnlineVerifyRequest { qr_text: qr },
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(!raw.contains("close_contact"), "{raw}");
}

#[tokio::test]
async fn screenshots_forgeries_and_garbage_are_refused_with_the_reason() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let stale = presentation(
        &w,
        &zhang,
        OffsetDateTime::now_utc() - Duration::minutes(10),
    )
    .await;
    let gate = w.checkpoint().await;
    let checked = w.verify_online(&gate, &stale).await;
    assert_eq!(
        (checked.valid, checked.refusal),
        (false, Some(Refusal::PresentationStale))
    );
    assert!(checked.current_status.is_none());
    let own = w.codes(&zhang.tokens.access_token).await.own.unwrap();
    let bytes = URL_SAFE_NO_PAD
        .decode(own.credential.unwrap().credential)
        .unwrap();
    let (signed, _) = SignedCredential::decode_prefix(&bytes).unwrap();
    let thief = SigningKey::from_bytes(&rand_bytes());
    assert!(Presentation::sign(&signed, &thief, OffsetDateTime::now_utc()).is_err());
    let checked = w.verify_online(&gate, "hello").await;
    assert_eq!(checked.refusal, Some(Refusal::Malformed));
    assert_eq!(
        checked.refusal_label_zh.as_deref(),
        Some("无法识别的健康码")
    );
}

#[tokio::test]
async fn suikang_and_yuekang_verify_each_others_codes() {
    let root = SigningKey::from_bytes(&rand_bytes());
    let (suikang, yuekang) = start_suikang_and_yuekang(root.clone()).await.unwrap();
    let http = common::client();
    let sk = World {
        server: suikang,
        http: http.clone(),
    };
    let yk = World {
        server: yuekang,
        http,
    };
    let (guangzhou, _) = sk.resident_with_code("张小明", ZHANG_ID).await;
    let (shenzhen, _) = yk.resident_with_code("李四", LI_ID).await;
    let now = OffsetDateTime::now_utc();
    let from_yuekang = presentation(&yk, &shenzhen, now).await;
    let checked = sk
        .verify_online(&sk.checkpoint().await, &from_yuekang)
        .await;
    assert!(checked.valid, "{checked:?}");
    assert_eq!(checked.code.unwrap().issuer.name_zh, "粤康码");
    assert!(checked.current_status.is_none());
    let from_suikang = presentation(&sk, &guangzhou, now).await;
    let checked = yk
        .verify_online(&yk.checkpoint().await, &from_suikang)
        .await;
    assert!(checked.valid, "{checked:?}");
    assert_eq!(checked.code.unwrap().issuer.slug, "suikang");
    // Both lists are signed by the one root and name both issuers.
    for w in [&sk, &yk] {
        let list =
            TrustList::from_signed_json(&w.server.signed_trust_list(), &[root.verifying_key()])
                .unwrap();
        assert_eq!(list.issuers().len(), 2);
    }
}

#[tokio::test]
async fn the_trust_list_is_served_signed_with_an_etag() {
    let w = world().await;
    let r = w.get("/v1/trust-list", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let text = r.text().await.unwrap();
    let list = TrustList::from_signed_json(&text, &[w.server.root_public_key()]).unwrap();
    assert_eq!(list.issuers()[0].name_zh, "穗康码");
    let r = w
        .http
        .get(w.url("/v1/trust-list"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn after_a_key_rotation_old_and_new_codes_both_verify() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let issuer = &w.server.issuer;
    let before = presentation(&w, &zhang, OffsetDateTime::now_utc()).await;
    let new_id = suikang_server::admin::rotate_issuer_key(
        &*issuer.store,
        &issuer.data_dir,
        &issuer.policy,
        issuer.now(),
    )
    .await
    .unwrap();
    issuer.reload_trust().await.unwrap();
    assert_eq!(new_id, 2);
    let list =
        TrustList::from_signed_json(&w.server.signed_trust_list(), &[w.server.root_public_key()])
            .unwrap();
    let old = list.issuers()[0].keys.iter().find(|k| k.id.0 == 1).unwrap();
    assert!(old.not_after <= issuer.now() + Duration::days(7));
    let gate = w.checkpoint().await;
    for qr in [
        before,
        presentation(&w, &zhang, OffsetDateTime::now_utc()).await,
    ] {
        let checked = w.verify_online(&gate, &qr).await;
        assert!(checked.valid, "{checked:?}");
    }
}

/// DESIGN §2, Online check (issue 11, finding 4): the holder's status now is
/// for checkpoints only. Without a token the check is refused as a missing
/// sign-in; a resident's, an institution's or an authority's token is the
/// wrong kind of account; a token nobody was given is invalid. None of the
/// refusals says anything about the code.
#[tokio::test]
async fn only_a_checkpoint_account_may_ask_the_online_check() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let qr = presentation(&w, &zhang, OffsetDateTime::now_utc()).await;
    let body = OnlineVerifyRequest {
        qr_text: qr.clone(),
    };
    refused(
        w.post("/v1/verify", None, &body).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::MissingToken,
    )
    .await;
    refused(
        w.post(
            "/v1/verify",
            Some("skt_not-a-token-anyone-was-given"),
            &body,
        )
        .await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidToken,
    )
    .await;
    let cdc = w
        .authority(AuthorityRole::Cdc, "guangzhou-cdc", "440100")
        .await;
    let committee = w
        .server
        .create_institution(
            suikang_protocol::Relationship::ResidentsCommittee,
            "ximen-committee",
            "440104",
        )
        .await
        .unwrap();
    for token in [&zhang.tokens.access_token, &cdc, &committee] {
        refused(
            w.post("/v1/verify", Some(token), &body).await,
            StatusCode::FORBIDDEN,
            ErrorCode::WrongAccountKind,
        )
        .await;
    }
    // The checkpoint's own token is a checkpoint's only: it holds no codes
    // and imposes nothing.
    let gate = w.checkpoint().await;
    refused(
        w.get("/v1/codes", Some(&gate)).await,
        StatusCode::FORBIDDEN,
        ErrorCode::WrongAccountKind,
    )
    .await;
    refused(
        w.post(
            "/v1/authority/controls/impose",
            Some(&gate),
            &ImposeControlRequest {
                document: doc(ZHANG_ID),
                reason: ControlReason::CloseContact,
            },
        )
        .await,
        StatusCode::FORBIDDEN,
        ErrorCode::WrongAccountKind,
    )
    .await;
    let checked = w.verify_online(&gate, &qr).await;
    let now = checked.current_status.unwrap();
    assert_eq!((now.color, now.pass), (Color::Blue, true));
}

/// A confirmed case on a green printed page is Stop online, and the answer
/// names the colour now and nothing of why (DESIGN §2, Online check).
#[tokio::test]
async fn a_printed_green_page_of_a_confirmed_case_is_stop_online_without_reasons() {
    let w = world().await;
    let (guardian, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let grandmother = elder_id(7);
    let applied: ApplyResponse = ok(w
        .post(
            "/v1/codes/apply-proxy",
            Some(&guardian.tokens.access_token),
            &ApplyProxyRequest {
                name: "李秀英".into(),
                document: doc(&grandmother),
                relationship: suikang_protocol::Relationship::AdultRelative,
                co_resident_declared: true,
                reason: None,
                residence_district: None,
            },
        )
        .await)
    .await;
    let page: PrintedCodeResponse = ok(w
        .get(
            &format!("/v1/dependents/{}/printed", applied.code_id),
            Some(&guardian.tokens.access_token),
        )
        .await)
    .await;
    let hospital = w
        .authority(
            AuthorityRole::MedicalInstitution,
            "guangzhou-eighth-hospital",
            "440111",
        )
        .await;
    let _: ControlsResponse = ok(w
        .post(
            "/v1/authority/controls/impose",
            Some(&hospital),
            &ImposeControlRequest {
                document: doc(&grandmother),
                reason: ControlReason::ConfirmedCase,
            },
        )
        .await)
    .await;
    let gate = w.checkpoint().await;
    let raw = w
        .post(
            "/v1/verify",
            Some(&gate),
            &OnlineVerifyRequest {
                qr_text: page.qr_text.clone(),
            },
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(!raw.contains("confirmed_case"), "{raw}");
    let checked: OnlineVerifyResponse = serde_json::from_str(&raw).unwrap();
    assert_eq!(checked.code.as_ref().unwrap().color, Color::Green);
    let now = checked.current_status.unwrap();
    assert_eq!((now.color, now.pass), (Color::Red, false));
}
