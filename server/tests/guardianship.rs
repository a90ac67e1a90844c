//! Guardianship and status truth under adversarial use (issue 11): who may
//! hold a dependent's code, what a refused application leaves behind, which
//! places and names are accepted (问题二, 问题十, DESIGN §2).

mod common;

use common::*;
use reqwest::StatusCode;
use suikang_protocol::api::*;
use suikang_protocol::{Color, DeviceReason, Relationship};
use time::{Duration, OffsetDateTime};

/// Finding 1: knowing an elder's ID number is not enough to become her
/// guardian. A stranger is told the same thing whether the name was right
/// or wrong, and learns no code id or colour; the real guardian still holds
/// her alone.
#[tokio::test]
async fn a_stranger_knowing_a_grandmothers_id_learns_nothing_and_does_not_join() {
    let w = world().await;
    let grandmother = elder_id(7);
    let (daughter, held) = w.daughter_holds(&grandmother).await;
    assert_eq!(held.color, Color::Green);

    let (stranger, _) = w.resident_with_code("陈大文", &elder_id(2)).await;
    let mut answers = Vec::new();
    for name in [GRANDMOTHER, "赵四孙"] {
        let token = &stranger.tokens.access_token;
        answers.push(w.apply_as_relative(token, name, &grandmother).await);
    }
    let (right_name, wrong_name) = (&answers[0], &answers[1]);
    assert_eq!(right_name.0, StatusCode::CONFLICT);
    assert_eq!(right_name, wrong_name, "the answers must not differ");
    let body: ErrorBody = serde_json::from_str(&right_name.1).unwrap();
    assert_eq!(body.error.code, ErrorCode::JoinRequestPending);
    assert!(!right_name.1.contains(&held.code_id));
    assert!(
        w.codes(&stranger.tokens.access_token)
            .await
            .dependents
            .is_empty()
    );
    let mine = w.codes(&daughter.tokens.access_token).await.dependents;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].masked_name, "赵*孙");
}

/// Finding 2: a refused application writes nothing — the person's own
/// phone keeps showing their own name.
#[tokio::test]
async fn a_refused_application_does_not_rename_a_code_holder() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let (other, _) = w.resident_with_code("李小红", &elder_id(1)).await;
    refused(
        w.post(
            "/v1/codes/apply-proxy",
            Some(&other.tokens.access_token),
            &relative_applying("坏名字", ZHANG_ID),
        )
        .await,
        StatusCode::CONFLICT,
        ErrorCode::HolderHasOwnCode,
    )
    .await;
    let own = w.codes(&zhang.tokens.access_token).await.own.unwrap();
    assert_eq!(own.masked_name, "张*明");
}

/// Finding 3: a declaration names a district that exists, and an arrival
/// that has happened, recently; a pinyin name is taken as its code.
#[tokio::test]
async fn a_declared_arrival_names_a_real_district_and_a_recent_date() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let token = &zhang.tokens.access_token;
    let today = OffsetDateTime::now_utc().date();
    let declare = |district: &str, arrived_on| HealthDeclarationRequest {
        code_id: None,
        symptoms: vec![],
        travel_from_key_area: Some(KeyAreaTravel {
            area: "湖北省武汉市".into(),
            arrived_on,
            district: district.into(),
        }),
        district: None,
    };
    for (district, arrived_on, code) in [
        ("火星", today, ErrorCode::UnknownDistrict),
        ("440199", today, ErrorCode::UnknownDistrict),
        (
            "haizhu",
            today + Duration::days(1),
            ErrorCode::ArrivalDateOutOfRange,
        ),
        (
            "haizhu",
            today - Duration::days(31),
            ErrorCode::ArrivalDateOutOfRange,
        ),
    ] {
        refused(
            w.post(
                "/v1/health-declarations",
                Some(token),
                &declare(district, arrived_on),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
        )
        .await;
    }
    assert_eq!(w.codes(token).await.own.unwrap().color, Color::Blue);
    let declared: HealthDeclarationResponse = ok(w
        .post(
            "/v1/health-declarations",
            Some(token),
            &declare("haizhu", today),
        )
        .await)
    .await;
    assert_eq!(declared.color, Color::Red);
    // The community of 海珠区 (440105) may release what the declaration imposed.
    let community = w
        .authority(
            suikang_protocol::AuthorityRole::Community,
            "binjiang-street-community",
            "440105",
        )
        .await;
    let released: ControlsResponse = ok(w
        .post(
            "/v1/authority/controls/release",
            Some(&community),
            &ReleaseControlRequest {
                document: doc(ZHANG_ID),
                reason: suikang_protocol::ControlReason::ArrivalFromKeyArea,
            },
        )
        .await)
    .await;
    assert_eq!(released.color, Some(Color::Blue));
}

/// Finding 5: names that read differently from what they hold are refused.
#[tokio::test]
async fn spoofing_names_are_refused_with_the_reason() {
    let w = world().await;
    let (li, _) = w.resident_with_code("李小红", &elder_id(1)).await;
    for name in ["\u{202E}孙钱赵", "赵\u{200B}钱孙"] {
        let (status, body) = w
            .apply_as_relative(&li.tokens.access_token, name, &elder_id(8))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let body: ErrorBody = serde_json::from_str(&body).unwrap();
        assert_eq!(body.error.code, ErrorCode::InvalidName);
        assert!(
            body.error.message.contains("format character"),
            "{}",
            body.error.message
        );
    }
    assert!(w.codes(&li.tokens.access_token).await.dependents.is_empty());
}

/// Finding 6: an adult of working age is proxied only with a stated reason.
#[tokio::test]
async fn a_forty_one_year_old_is_proxied_only_with_a_stated_reason() {
    let w = world().await;
    let (li, _) = w.resident_with_code("李小红", &elder_id(1)).await;
    let adult = resident_id("44010619850301003");
    refused(
        w.post(
            "/v1/codes/apply-proxy",
            Some(&li.tokens.access_token),
            &relative_applying("王建国", &adult),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::DependentNotEligible,
    )
    .await;
    let applied: ApplyResponse = ok(w
        .post(
            "/v1/codes/apply-proxy",
            Some(&li.tokens.access_token),
            &ApplyProxyRequest {
                reason: Some(DeviceReason::VisualImpairment),
                ..relative_applying("王建国", &adult)
            },
        )
        .await)
    .await;
    assert_eq!(applied.color, Color::Green);
}

/// Signs in through the face simulator over HTTP, as the apps call it, with
/// what the simulated identity check returns about the document.
async fn sign_in_checked(
    w: &World,
    name: &str,
    document: DocumentInput,
    birth_date: Option<time::Date>,
    linked_document: Option<DocumentInput>,
) -> String {
    use base64::Engine;
    let challenge: FaceChallenge = ok(w
        .post(
            "/v1/login/start",
            None,
            &LoginStartRequest {
                name: name.into(),
                document,
            },
        )
        .await)
    .await;
    let result: SignedFaceResult = ok(w
        .post(
            "/v1/face-simulator/capture",
            None,
            &SimulateCaptureRequest {
                challenge: challenge.clone(),
                capture: FaceCapture::Match,
                birth_date,
                linked_document: linked_document.clone(),
            },
        )
        .await)
    .await;
    assert_eq!(result.birth_date, birth_date);
    assert_eq!(result.linked_document, linked_document);
    let device = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let nonce = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&challenge.nonce)
        .unwrap();
    let tokens: SessionTokens = ok(w
        .post(
            "/v1/login/finish",
            None,
            &LoginFinishRequest {
                challenge_id: challenge.challenge_id.clone(),
                face_result: result,
                device_public_key: hex::encode(device.verifying_key().to_bytes()),
                device_binding_signature: hex::encode(
                    suikang_protocol::device_binding::sign_binding(&device, &nonce).to_bytes(),
                ),
            },
        )
        .await)
    .await;
    tokens.access_token
}

/// Issue 11, finding 6 (DESIGN §2: a guardian's adulthood from every
/// document kind): a passport's number carries no birth date, so its holder
/// was refused as a guardian. The identity check now vouches for the birth
/// date on record (the simulator returns the declared one), signed with the
/// face result; it is recorded once, and a later sign-in cannot change it.
#[tokio::test]
async fn a_passport_holder_is_an_adult_guardian_once_the_identity_check_gives_her_birth_date() {
    let w = world().await;
    let passport = DocumentInput {
        kind: suikang_protocol::DocumentKind::Passport,
        number: "E12345678".into(),
    };
    let sign_in = async |birth_date: Option<time::Date>| {
        sign_in_checked(&w, "MARIA SANTOS", passport.clone(), birth_date, None).await
    };
    let for_child = |n: &str| ApplyProxyRequest {
        name: "王小明".into(),
        document: doc(&resident_id(&format!("4401062015031500{n}"))),
        relationship: Relationship::AdultRelative,
        co_resident_declared: true,
        reason: None,
        residence_district: None,
    };

    // Without the identity check's date her age is unknown: refused.
    let unknown = sign_in(None).await;
    refused(
        w.post("/v1/codes/apply-proxy", Some(&unknown), &for_child("1"))
            .await,
        StatusCode::FORBIDDEN,
        ErrorCode::GuardianAgeUnknown,
    )
    .await;
    // A date not yet come is no birth date.
    let future = sign_in(Some(time::macros::date!(2099 - 01 - 01))).await;
    refused(
        w.post("/v1/codes/apply-proxy", Some(&future), &for_child("1"))
            .await,
        StatusCode::FORBIDDEN,
        ErrorCode::GuardianAgeUnknown,
    )
    .await;
    // Born 1980, as the identity check says: an adult guardian.
    let adult = sign_in(Some(time::macros::date!(1980 - 05 - 01))).await;
    let applied: ApplyResponse = ok(w
        .post("/v1/codes/apply-proxy", Some(&adult), &for_child("1"))
        .await)
    .await;
    assert_eq!(applied.color, Color::Green);
    // A later sign-in declaring a child's birth date changes nothing: the
    // first date on record stands.
    let again = sign_in(Some(time::macros::date!(2015 - 01 - 01))).await;
    ok::<ApplyResponse>(
        w.post("/v1/codes/apply-proxy", Some(&again), &for_child("2"))
            .await,
    )
    .await;
}

/// Issue 11, finding 6: "one woman holds two blue codes via an HK permit
/// and a residence permit". DESIGN §2: one person, one code. Her residence
/// permit for Hong Kong residents (an 18-digit number like a resident
/// ID's) and her travel permit are one person's on the identity check's
/// record; signing in with the permit after the residence permit finds her
/// code, not a second one. Someone else's permit, linked to nothing, is
/// someone else.
#[tokio::test]
async fn one_woman_holds_one_code_across_her_residence_permit_and_travel_permit() {
    let w = world().await;
    let residence_permit = doc(&resident_id("81000019900101002"));
    let travel_permit = DocumentInput {
        kind: suikang_protocol::DocumentKind::HkMacaoPermit,
        number: "H12345678".into(),
    };
    let apply_self = async |token: &str| -> ApplyResponse {
        ok(
            w.post("/v1/codes/apply-self", Some(token), &ApplySelfRequest {})
                .await,
        )
        .await
    };
    let first = sign_in_checked(&w, "陈美玲", residence_permit.clone(), None, None).await;
    let own = apply_self(&first).await;
    assert!(own.created);
    assert_eq!(own.color, Color::Blue);

    let with_permit = sign_in_checked(
        &w,
        "陈美玲",
        travel_permit.clone(),
        None,
        Some(residence_permit.clone()),
    )
    .await;
    let again = apply_self(&with_permit).await;
    assert_eq!(again.code_id, own.code_id, "the same code, not a second");
    assert!(!again.created);
    let held = w.codes(&with_permit).await;
    assert_eq!(held.own.map(|c| c.code_id), Some(own.code_id.clone()));

    // A guardian applying for her by the travel permit finds she holds her
    // own code, as by the residence permit.
    let (guardian, _) = w.resident_with_code("李四", &elder_id(4)).await;
    refused(
        w.post(
            "/v1/codes/apply-proxy",
            Some(&guardian.tokens.access_token),
            &ApplyProxyRequest {
                name: "陈美玲".into(),
                document: travel_permit.clone(),
                relationship: Relationship::AdultRelative,
                co_resident_declared: true,
                reason: Some(DeviceReason::SeriousIllness),
                residence_district: None,
            },
        )
        .await,
        StatusCode::CONFLICT,
        ErrorCode::HolderHasOwnCode,
    )
    .await;

    // Another permit, linked to nobody registered: another person.
    let stranger = sign_in_checked(
        &w,
        "黄志明",
        DocumentInput {
            kind: suikang_protocol::DocumentKind::HkMacaoPermit,
            number: "H87654321".into(),
        },
        None,
        Some(doc(&resident_id("81000019850505003"))),
    )
    .await;
    let theirs = apply_self(&stranger).await;
    assert_ne!(theirs.code_id, own.code_id);

    // The simulated identity check links only a valid document.
    let challenge = w
        .challenge("黄志明", &resident_id("81000019850505003"))
        .await;
    refused(
        w.post(
            "/v1/face-simulator/capture",
            None,
            &SimulateCaptureRequest {
                challenge,
                capture: FaceCapture::Match,
                birth_date: None,
                linked_document: Some(DocumentInput {
                    kind: suikang_protocol::DocumentKind::HkMacaoPermit,
                    number: "".into(),
                }),
            },
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidDocumentNumber,
    )
    .await;
}
