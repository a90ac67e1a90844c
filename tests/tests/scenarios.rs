//! The story of DESIGN §1 end to end: real issuers on loopback, real phones
//! (the core), a real checkpoint.

use suikang_core::verifier::Verdict;
use suikang_core::{Clock, CoreError, ProxyApplication, SubmitOutcome};
use suikang_protocol::api::Symptom;
use suikang_protocol::{DocumentKind, Refusal, Relationship};
use suikang_testkit::*;
use time::Duration;

#[tokio::test]
async fn the_demo_story_runs_from_sign_in_to_the_refused_screenshot() {
    let out = tempfile::tempdir().unwrap();
    let report = suikang_cli::demo::run(Some(out.path().to_owned()))
        .await
        .unwrap();
    let verdicts: Vec<Verdict> = report.checks.iter().map(|(_, v)| *v).collect();
    assert_eq!(
        verdicts,
        [
            Verdict::Pass,
            Verdict::Pass,
            Verdict::Pass,
            Verdict::Stop,
            Verdict::Pass,
            Verdict::Invalid
        ],
        "{:?}",
        report.checks
    );
    for file in [
        "grandmother-printed.pdf",
        "grandmother-printed.png",
        "grandmother-printed.svg",
        "my-code.png",
    ] {
        let path = out.path().join(file);
        assert!(
            std::fs::metadata(&path).unwrap().len() > 1000,
            "{file} was written"
        );
    }
}

#[tokio::test]
async fn two_issuers_under_one_root_verify_each_others_codes_offline() {
    let root = ed25519_dalek::SigningKey::from_bytes(&[21; 32]);
    let root_pub = root.verifying_key().to_bytes();
    let (suikang, yuekang) = suikang_server::start_suikang_and_yuekang(root)
        .await
        .unwrap();
    let (_p1, guangzhou) =
        Phone::with_own_code(&suikang.base_url(), root_pub, RESIDENT_NAME, RESIDENT_ID).await;
    let (_p2, shenzhen) = Phone::with_own_code(
        &yuekang.base_url(),
        root_pub,
        GRANDMOTHER_NAME,
        GRANDMOTHER_ID,
    )
    .await;
    // Each phone synced its issuer's trust list, which names both issuers.
    suikang.shutdown().await;
    yuekang.shutdown().await;
    let suikang_code = guangzhou.present(None).unwrap().qr_text;
    let yuekang_code = shenzhen.present(None).unwrap().qr_text;
    let at_yuekang_gate = shenzhen.verify(&suikang_code).unwrap();
    assert_eq!(at_yuekang_gate.verdict, Verdict::Pass);
    assert_eq!(at_yuekang_gate.issuer_name_zh.as_deref(), Some("穗康码"));
    let at_suikang_gate = guangzhou.verify(&yuekang_code).unwrap();
    assert_eq!(at_suikang_gate.verdict, Verdict::Pass);
    assert_eq!(at_suikang_gate.issuer_name_zh.as_deref(), Some("粤康码"));
}

#[tokio::test]
async fn a_code_signed_with_a_rotated_key_verifies_until_that_keys_window_ends() {
    let server = Server::start().await;
    let (phone, app) =
        Phone::with_own_code(&server.url(), server.root(), RESIDENT_NAME, RESIDENT_ID).await;
    let old = app.present(None).unwrap().qr_text;
    let old_key = suikang_protocol::decode_payload(&old)
        .unwrap()
        .credential()
        .credential()
        .key_id;

    let running = &server.running;
    let new_key = suikang_server::admin::rotate_issuer_key(
        &*running.issuer.store,
        &running.issuer.data_dir,
        &running.issuer.policy,
        running.issuer.now(),
    )
    .await
    .unwrap();
    running.issuer.reload_trust().await.unwrap();
    assert_ne!(new_key, old_key.0);

    let checkpoint = Phone::new(&server.url(), server.root());
    let gate = checkpoint.open();
    gate.refresh_trust_list().await.unwrap();
    assert_eq!(
        gate.verify(&app.present(None).unwrap().qr_text)
            .unwrap()
            .verdict,
        Verdict::Pass,
        "the old key is still in its window"
    );

    // New credentials come from the new key.
    let printed_by_new = {
        app.apply_proxy(&ProxyApplication::new(
            CHILD_NAME,
            DocumentKind::ResidentId,
            CHILD_ID,
            Relationship::AdultRelative,
            true,
        ))
        .await
        .unwrap();
        let child = app.codes().unwrap()[1].code_id.clone();
        app.printed_code(&child).await.unwrap().qr_text
    };
    let key_of = |qr: &str| {
        suikang_protocol::decode_payload(qr)
            .unwrap()
            .credential()
            .credential()
            .key_id
            .0
    };
    assert_eq!(key_of(&printed_by_new), new_key);

    // Past the old key's window (the longest validity, 7 days), a credential
    // it signed is refused for its key, whatever else it says: the phone's
    // device key presents the old credential again, then.
    phone.clock.advance(Duration::days(7) + Duration::hours(1));
    checkpoint
        .clock
        .advance(Duration::days(7) + Duration::hours(1));
    let device = {
        use suikang_core::SecretStore;
        let seed: [u8; 32] = phone
            .secrets
            .load("device-key")
            .unwrap()
            .unwrap()
            .as_slice()
            .try_into()
            .unwrap();
        ed25519_dalek::SigningKey::from_bytes(&seed)
    };
    let payload = suikang_protocol::decode_payload(&old).unwrap();
    let late =
        suikang_protocol::Presentation::sign(payload.credential(), &device, phone.clock.now())
            .unwrap();
    assert_eq!(
        gate.verify(&late.to_qr_text()).unwrap().refusal,
        Some(Refusal::KeyNotValidAtThatTime)
    );
    assert_eq!(
        gate.verify(&printed_by_new).unwrap().refusal,
        Some(Refusal::PrintedCredentialExpired)
    );
}

#[tokio::test]
async fn signing_in_on_a_second_phone_makes_the_first_report_signed_in_elsewhere() {
    let server = Server::start().await;
    let (_first_phone, first) =
        Phone::with_own_code(&server.url(), server.root(), RESIDENT_NAME, RESIDENT_ID).await;
    let (_second_phone, second) =
        Phone::with_own_code(&server.url(), server.root(), RESIDENT_NAME, RESIDENT_ID).await;
    assert_eq!(
        first.sync().await.unwrap_err(),
        CoreError::SignedInElsewhere
    );
    assert!(matches!(
        first.screen().unwrap(),
        suikang_core::Screen::SignedOut {
            banner: Some(suikang_core::Banner::SignedInElsewhere)
        }
    ));
    // One person, one code: the second phone holds the same code.
    assert_eq!(second.codes().unwrap().len(), 1);
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The access token a phone's keystore holds.
fn token_of(phone: &Phone) -> String {
    use suikang_core::SecretStore;
    let session = phone.secrets.load("session").unwrap().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&session).unwrap();
    json["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_guardian_cannot_see_print_or_change_another_guardians_dependent() {
    let server = Server::start().await;
    let (_a_phone, guardian_a) =
        Phone::with_own_code(&server.url(), server.root(), RESIDENT_NAME, RESIDENT_ID).await;
    guardian_a
        .apply_proxy(&ProxyApplication::new(
            GRANDMOTHER_NAME,
            DocumentKind::ResidentId,
            GRANDMOTHER_ID,
            Relationship::AdultRelative,
            true,
        ))
        .await
        .unwrap();
    let grandmother = guardian_a.codes().unwrap()[1].code_id.clone();
    let (b_phone, guardian_b) = Phone::with_own_code(
        &server.url(),
        server.root(),
        CHILD_NAME,
        "440104198001010032",
    )
    .await;

    // Through the app: the code is not among B's.
    assert_eq!(guardian_b.codes().unwrap().len(), 1);
    assert_eq!(
        guardian_b.select(&grandmother).unwrap_err(),
        CoreError::CodeNotFound
    );
    assert_eq!(
        guardian_b.printed_code(&grandmother).await.unwrap_err(),
        CoreError::CodeNotFound
    );
    assert_eq!(
        guardian_b.remove_dependent(&grandmother).await.unwrap_err(),
        CoreError::CodeNotFound
    );

    // Straight at the server with B's token: 404, so existence does not leak.
    let token = token_of(&b_phone);
    let url = server.url();
    let printed = http()
        .get(format!("{url}/v1/dependents/{grandmother}/printed"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(printed.status(), 404);
    let removed = http()
        .delete(format!("{url}/v1/dependents/{grandmother}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 404);
    let declared = http()
        .post(format!("{url}/v1/health-declarations"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"code_id": grandmother, "symptoms": ["fever"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(declared.status(), 404);
    // And A still holds her, unchanged.
    guardian_a.sync().await.unwrap();
    assert_eq!(guardian_a.codes().unwrap()[1].code_id, grandmother);
    assert_eq!(server.count("SELECT count(*) FROM declarations"), 0);
}

#[tokio::test]
async fn declarations_sent_through_a_faulty_network_arrive_exactly_once() {
    let server = Server::start().await;
    let proxy = FaultProxy::start(server.running.addr).await;
    let (_phone, app) =
        Phone::with_own_code(&proxy.url(), server.root(), RESIDENT_NAME, RESIDENT_ID).await;
    let faults = [
        Fault::DropMidResponse,
        Fault::DropBeforeResponse,
        Fault::ServerError,
        Fault::TooManyRequests,
        Fault::DropMidResponse,
        Fault::Delay(std::time::Duration::from_secs(2)),
    ];
    let mut outcomes = Vec::new();
    for fault in faults {
        proxy.inject(&[fault, fault, fault]);
        outcomes.push(app.declare(None, vec![Symptom::Fever], None).await.unwrap());
    }
    assert!(outcomes.contains(&SubmitOutcome::Queued), "{outcomes:?}");
    app.sync().await.unwrap();
    assert_eq!(app.status().unwrap().queued_actions, 0);
    assert_eq!(
        server.count("SELECT count(*) FROM declarations"),
        faults.len() as i64
    );
}
