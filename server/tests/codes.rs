//! Residents and guardians: one person one code, proxy codes, sync,
//! printing, health declarations (问题二, 问题三, 问题五).

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use reqwest::StatusCode;
use suikang_protocol::api::*;
use suikang_protocol::{
    AuthorityRole, Binding, Color, ControlReason, Presentation, Relationship, SignedCredential,
    TrustList, VerificationPolicy, verify,
};
use suikang_server::Policy;
use time::{Duration, OffsetDateTime};

fn proxy(
    name: &str,
    number: &str,
    relationship: Relationship,
    co_resident: bool,
) -> ApplyProxyRequest {
    ApplyProxyRequest {
        name: name.into(),
        document: doc(number),
        relationship,
        co_resident_declared: co_resident,
        reason: None,
        residence_district: None,
    }
}

#[tokio::test]
async fn a_resident_applies_once_and_gets_a_blue_code_bound_to_their_phone() {
    let w = world().await;
    let (zhang, applied) = w.resident_with_code("张小明", ZHANG_ID).await;
    assert_eq!((applied.color, applied.created), (Color::Blue, true));
    let again: ApplyResponse = ok(w
        .post(
            "/v1/codes/apply-self",
            Some(&zhang.tokens.access_token),
            &ApplySelfRequest {},
        )
        .await)
    .await;
    assert_eq!(
        (again.code_id.as_str(), again.created),
        (applied.code_id.as_str(), false)
    );
    // One person, one code: on a new phone it is the same code.
    let new_phone = w.sign_in("张小明", ZHANG_ID).await;
    let codes = w.codes(&new_phone.tokens.access_token).await;
    let own = codes.own.unwrap();
    assert_eq!(own.code_id, applied.code_id);
    assert_eq!((own.color, own.role), (Color::Blue, CodeRole::Own));
    assert_eq!(
        (own.masked_name.as_str(), own.masked_document.as_str()),
        ("张*明", "1101**********002X")
    );
    // The credential verifies offline when the phone presents it.
    let credential = own.credential.unwrap();
    let bytes = URL_SAFE_NO_PAD.decode(&credential.credential).unwrap();
    let (signed, rest) = SignedCredential::decode_prefix(&bytes).unwrap();
    assert!(rest.is_empty());
    assert_eq!(
        signed.credential().binding,
        Binding::Device(new_phone.device.verifying_key().to_bytes())
    );
    let now = OffsetDateTime::now_utc();
    let shown = Presentation::sign(&signed, &new_phone.device, now).unwrap();
    let trust =
        TrustList::from_signed_json(&w.server.signed_trust_list(), &[w.server.root_public_key()])
            .unwrap();
    let verified = verify(
        &shown.to_qr_text(),
        &trust,
        now,
        &VerificationPolicy::default(),
    )
    .unwrap();
    assert_eq!(verified.color, Color::Blue);
    assert_eq!(verified.masked_name, "张*明");
    assert_eq!(
        credential.expires_at - credential.issued_at,
        Duration::hours(24)
    );
}

#[tokio::test]
async fn sync_answers_304_until_something_changes_and_reissues_past_half_validity() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let token = &zhang.tokens.access_token;
    let first = w.get("/v1/codes", Some(token)).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let first: CodesResponse = ok(first).await;
    let cached = w
        .http
        .get(w.url("/v1/codes"))
        .bearer_auth(token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    // Past half the validity, the next sync carries a fresh credential.
    w.server.advance_clock(Duration::hours(13));
    let tokens: SessionTokens = ok(w
        .post(
            "/v1/session/refresh",
            None,
            &RefreshRequest {
                refresh_token: zhang.tokens.refresh_token.clone(),
            },
        )
        .await)
    .await;
    let refreshed = w.get("/v1/codes", Some(&tokens.access_token)).await;
    assert_ne!(refreshed.headers()["etag"].to_str().unwrap(), etag);
    let refreshed: CodesResponse = ok(refreshed).await;
    let (old, new) = (
        first.own.unwrap().credential.unwrap(),
        refreshed.own.unwrap().credential.unwrap(),
    );
    assert!(new.issued_at > old.issued_at);
    assert!(new.expires_at > old.expires_at);
}

#[tokio::test]
async fn a_relative_applies_for_an_elder_who_shows_green_behind_the_arrows() {
    let w = world().await;
    let (li, _) = w.resident_with_code("李小红", &elder_id(90)).await;
    let token = &li.tokens.access_token;
    let applied: ApplyResponse = ok(w
        .post(
            "/v1/codes/apply-proxy",
            Some(token),
            &proxy("王老太", LI_ID, Relationship::AdultRelative, true),
        )
        .await)
    .await;
    assert_eq!((applied.color, applied.created), (Color::Green, true));
    let again: ApplyResponse = ok(w
        .post(
            "/v1/codes/apply-proxy",
            Some(token),
            &proxy("王老太", LI_ID, Relationship::AdultRelative, true),
        )
        .await)
    .await;
    assert_eq!(
        (again.code_id.as_str(), again.created),
        (applied.code_id.as_str(), false)
    );
    let codes = w.codes(token).await;
    assert_eq!(codes.own.unwrap().role, CodeRole::Own);
    let dependent = &codes.dependents[0];
    assert_eq!(dependent.code_id, applied.code_id);
    assert_eq!(dependent.color, Color::Green);
    assert_eq!(dependent.relationship, Some(Relationship::AdultRelative));
    assert_eq!(dependent.masked_name, "王*太");
    // The dependent's credential is bound to the guardian's phone.
    let bytes = URL_SAFE_NO_PAD
        .decode(&dependent.credential.as_ref().unwrap().credential)
        .unwrap();
    let (signed, _) = SignedCredential::decode_prefix(&bytes).unwrap();
    assert_eq!(
        signed.credential().binding,
        Binding::Device(li.device.verifying_key().to_bytes())
    );
}

#[tokio::test]
async fn a_guardian_must_be_an_adult_living_with_them() {
    let w = world().await;
    let (teen, _) = w.resident_with_code("小明", &teen_id()).await;
    refused(
        w.post(
            "/v1/codes/apply-proxy",
            Some(&teen.tokens.access_token),
            &proxy("王老太", LI_ID, Relationship::AdultRelative, true),
        )
        .await,
        StatusCode::FORBIDDEN,
        ErrorCode::GuardianUnderAge,
    )
    .await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let token = &zhang.tokens.access_token;
    refused(
        w.post(
            "/v1/codes/apply-proxy",
            Some(token),
            &proxy("王老太", LI_ID, Relationship::AdultRelative, false),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::CoResidenceNotDeclared,
    )
    .await;
    refused(
        w.post(
            "/v1/codes/apply-proxy",
            Some(token),
            &proxy("张小明", ZHANG_ID, Relationship::AdultRelative, true),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::CannotProxyForSelf,
    )
    .await;
    refused(
        w.post(
            "/v1/codes/apply-proxy",
            Some(token),
            &proxy("王老太", LI_ID, Relationship::ResidentsCommittee, true),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::RelationshipMismatch,
    )
    .await;
    refused(
        w.post(
            "/v1/codes/apply-proxy",
            Some(token),
            &proxy("王老太", "12345", Relationship::AdultRelative, true),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidDocumentNumber,
    )
    .await;
}

#[tokio::test]
async fn a_relative_holds_a_limited_number_of_dependents_a_committee_many() {
    let w = world_with(Policy {
        max_relative_dependents: 2,
        ..Policy::default()
    })
    .await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let token = &zhang.tokens.access_token;
    for n in 0..2 {
        let _: ApplyResponse = ok(w
            .post(
                "/v1/codes/apply-proxy",
                Some(token),
                &proxy("王老太", &elder_id(n), Relationship::AdultRelative, true),
            )
            .await)
        .await;
    }
    refused(
        w.post(
            "/v1/codes/apply-proxy",
            Some(token),
            &proxy("王老太", &elder_id(2), Relationship::AdultRelative, true),
        )
        .await,
        StatusCode::CONFLICT,
        ErrorCode::TooManyDependents,
    )
    .await;
    let committee = w
        .server
        .create_institution(Relationship::ResidentsCommittee, "beijing-street", "440104")
        .await
        .unwrap();
    for n in 10..15 {
        let _: ApplyResponse = ok(w
            .post(
                "/v1/codes/apply-proxy",
                Some(&committee),
                &ApplyProxyRequest {
                    residence_district: Some("440104".into()),
                    ..proxy(
                        "王老太",
                        &elder_id(n),
                        Relationship::ResidentsCommittee,
                        false,
                    )
                },
            )
            .await)
        .await;
    }
    let codes = w.codes(&committee).await;
    assert!(codes.own.is_none());
    assert_eq!(codes.dependents.len(), 5);
    assert!(
        codes
            .dependents
            .iter()
            .all(|d| d.credential.is_none() && d.color == Color::Green)
    );
    // A committee does not apply for itself.
    refused(
        w.post(
            "/v1/codes/apply-self",
            Some(&committee),
            &ApplySelfRequest {},
        )
        .await,
        StatusCode::FORBIDDEN,
        ErrorCode::WrongAccountKind,
    )
    .await;
}

#[tokio::test]
async fn a_dependent_who_applies_for_themself_keeps_the_code_and_turns_blue() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let proxied: ApplyResponse = ok(w
        .post(
            "/v1/codes/apply-proxy",
            Some(&zhang.tokens.access_token),
            &proxy("李四", LI_ID, Relationship::AdultRelative, true),
        )
        .await)
    .await;
    let (_, own) = w.resident_with_code("李四", LI_ID).await;
    assert_eq!(own.code_id, proxied.code_id);
    assert_eq!((own.color, own.created), (Color::Blue, false));
    assert!(
        w.codes(&zhang.tokens.access_token)
            .await
            .dependents
            .is_empty()
    );
    refused(
        w.post(
            "/v1/codes/apply-proxy",
            Some(&zhang.tokens.access_token),
            &proxy("李四", LI_ID, Relationship::AdultRelative, true),
        )
        .await,
        StatusCode::CONFLICT,
        ErrorCode::HolderHasOwnCode,
    )
    .await;
}

#[tokio::test]
async fn a_guardian_removes_a_dependent_and_cannot_reach_anyone_elses_code() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let (other, _) = w.resident_with_code("陈大文", &elder_id(50)).await;
    let elder: ApplyResponse = ok(w
        .post(
            "/v1/codes/apply-proxy",
            Some(&zhang.tokens.access_token),
            &proxy("李四", LI_ID, Relationship::AdultRelative, true),
        )
        .await)
    .await;
    let path = format!("/v1/dependents/{}", elder.code_id);
    // Someone else asking for that code learns nothing: 404.
    refused(
        w.get(&format!("{path}/printed"), Some(&other.tokens.access_token))
            .await,
        StatusCode::NOT_FOUND,
        ErrorCode::CodeNotFound,
    )
    .await;
    let r = w
        .http
        .delete(w.url(&path))
        .bearer_auth(&other.tokens.access_token)
        .send()
        .await
        .unwrap();
    refused(r, StatusCode::NOT_FOUND, ErrorCode::CodeNotFound).await;
    refused(
        w.get(
            "/v1/dependents/not-a-code/printed",
            Some(&zhang.tokens.access_token),
        )
        .await,
        StatusCode::NOT_FOUND,
        ErrorCode::CodeNotFound,
    )
    .await;
    let r = w
        .http
        .delete(w.url(&path))
        .bearer_auth(&zhang.tokens.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(
        w.codes(&zhang.tokens.access_token)
            .await
            .dependents
            .is_empty()
    );
    let r = w
        .http
        .delete(w.url(&path))
        .bearer_auth(&zhang.tokens.access_token)
        .send()
        .await
        .unwrap();
    refused(r, StatusCode::NOT_FOUND, ErrorCode::CodeNotFound).await;
}

#[tokio::test]
async fn a_printed_page_verifies_for_seven_days_and_says_it_is_printed() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let elder: ApplyResponse = ok(w
        .post(
            "/v1/codes/apply-proxy",
            Some(&zhang.tokens.access_token),
            &proxy("李四", LI_ID, Relationship::AdultRelative, true),
        )
        .await)
    .await;
    let page: PrintedCodeResponse = ok(w
        .get(
            &format!("/v1/dependents/{}/printed", elder.code_id),
            Some(&zhang.tokens.access_token),
        )
        .await)
    .await;
    assert!(page.printed.printed);
    assert_eq!(
        page.printed.expires_at - page.printed.issued_at,
        Duration::days(7)
    );
    let trust =
        TrustList::from_signed_json(&w.server.signed_trust_list(), &[w.server.root_public_key()])
            .unwrap();
    let now = OffsetDateTime::now_utc();
    let verified = verify(&page.qr_text, &trust, now, &VerificationPolicy::default()).unwrap();
    assert!(verified.printed);
    assert_eq!(verified.color, Color::Green);
    assert!(
        verify(
            &page.qr_text,
            &trust,
            now + Duration::days(8),
            &VerificationPolicy::default()
        )
        .is_err()
    );
}

#[tokio::test]
async fn declaring_arrival_from_a_key_area_turns_the_code_red() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let token = &zhang.tokens.access_token;
    let fine: HealthDeclarationResponse = ok(w
        .post(
            "/v1/health-declarations",
            Some(token),
            &HealthDeclarationRequest {
                code_id: None,
                symptoms: vec![Symptom::Cough],
                travel_from_key_area: None,
                district: None,
            },
        )
        .await)
    .await;
    assert_eq!((fine.color, fine.controls_imposed.len()), (Color::Blue, 0));
    let travelled: HealthDeclarationResponse = ok(w
        .post(
            "/v1/health-declarations",
            Some(token),
            &HealthDeclarationRequest {
                code_id: None,
                symptoms: vec![],
                travel_from_key_area: Some(KeyAreaTravel {
                    area: "湖北省武汉市".into(),
                    arrived_on: OffsetDateTime::now_utc().date() - Duration::days(3),
                    district: "440104".into(),
                }),
                district: None,
            },
        )
        .await)
    .await;
    assert_eq!(travelled.color, Color::Red);
    assert_eq!(
        travelled.controls_imposed,
        [ControlReason::ArrivalFromKeyArea]
    );
    let own = w.codes(token).await.own.unwrap();
    assert_eq!(own.color, Color::Red);
    assert_eq!(own.controls[0].label_zh, "重点疫区抵穗人员");
    // Before applying there is nothing to declare on.
    let li = w.sign_in("李四", LI_ID).await;
    refused(
        w.post(
            "/v1/health-declarations",
            Some(&li.tokens.access_token),
            &HealthDeclarationRequest {
                code_id: None,
                symptoms: vec![],
                travel_from_key_area: None,
                district: None,
            },
        )
        .await,
        StatusCode::NOT_FOUND,
        ErrorCode::NoCodeYet,
    )
    .await;
    // A guardian declares for a dependent; not for a stranger's code.
    let elder: ApplyResponse = ok(w
        .post(
            "/v1/codes/apply-proxy",
            Some(token),
            &proxy("王老太", &elder_id(3), Relationship::AdultRelative, true),
        )
        .await)
    .await;
    let _: HealthDeclarationResponse = ok(w
        .post(
            "/v1/health-declarations",
            Some(token),
            &HealthDeclarationRequest {
                code_id: Some(elder.code_id.clone()),
                symptoms: vec![Symptom::Fever],
                travel_from_key_area: None,
                district: None,
            },
        )
        .await)
    .await;
    refused(
        w.post(
            "/v1/health-declarations",
            Some(&li.tokens.access_token),
            &HealthDeclarationRequest {
                code_id: Some(elder.code_id),
                symptoms: vec![],
                travel_from_key_area: None,
                district: None,
            },
        )
        .await,
        StatusCode::NOT_FOUND,
        ErrorCode::CodeNotFound,
    )
    .await;
}

#[tokio::test]
async fn a_committees_long_list_of_codes_comes_in_pages_that_add_up_to_all() {
    let w = world().await;
    let committee = w
        .server
        .create_institution(Relationship::ResidentsCommittee, "beijing-street", "440104")
        .await
        .unwrap();
    let mut applied = Vec::new();
    for n in 20..27 {
        let r: ApplyResponse = ok(w
            .post(
                "/v1/codes/apply-proxy",
                Some(&committee),
                &ApplyProxyRequest {
                    residence_district: Some("440104".into()),
                    ..proxy(
                        "王老太",
                        &elder_id(n),
                        Relationship::ResidentsCommittee,
                        false,
                    )
                },
            )
            .await)
        .await;
        applied.push(r.code_id);
    }
    // Unasked, the default page holds all seven: no cursor.
    let whole = w.codes(&committee).await;
    assert_eq!(whole.dependents.len(), 7);
    assert_eq!(whole.next_cursor, None);
    // Three at a time: 3, 3, 1, each code once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let path = match &cursor {
            None => "/v1/codes?limit=3".to_owned(),
            Some(c) => format!("/v1/codes?limit=3&cursor={c}"),
        };
        let page: CodesResponse = ok(w.get(&path, Some(&committee)).await).await;
        pages.push(page.dependents.len());
        seen.extend(page.dependents.into_iter().map(|d| d.code_id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, vec![3, 3, 1]);
    let mut expected = applied.clone();
    expected.sort();
    let mut got = seen.clone();
    got.sort();
    assert_eq!(got, expected);
    // Bad paging is refused by name.
    for bad in [
        "/v1/codes?limit=0",
        "/v1/codes?limit=1001",
        "/v1/codes?cursor=zz",
    ] {
        refused(
            w.get(bad, Some(&committee)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidRequest,
        )
        .await;
    }
}

#[tokio::test]
async fn a_committee_acts_only_for_people_living_in_its_own_district() {
    let w = world().await;
    let yuexiu = w
        .server
        .create_institution(Relationship::ResidentsCommittee, "beijing-street", "440104")
        .await
        .unwrap();
    let haizhu = w
        .server
        .create_institution(
            Relationship::ResidentsCommittee,
            "binjiang-street",
            "440105",
        )
        .await
        .unwrap();
    let elder = elder_id(3);
    let as_committee = |district: Option<&str>| ApplyProxyRequest {
        residence_district: district.map(str::to_owned),
        ..proxy("王老太", &elder, Relationship::ResidentsCommittee, false)
    };
    refused(
        w.post("/v1/codes/apply-proxy", Some(&yuexiu), &as_committee(None))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ResidenceDistrictRequired,
    )
    .await;
    refused(
        w.post(
            "/v1/codes/apply-proxy",
            Some(&yuexiu),
            &as_committee(Some("haizhu")),
        )
        .await,
        StatusCode::FORBIDDEN,
        ErrorCode::OutsideDistrict,
    )
    .await;
    // The district by name is the same district as by code.
    let applied: ApplyResponse = ok(w
        .post(
            "/v1/codes/apply-proxy",
            Some(&yuexiu),
            &as_committee(Some("越秀区")),
        )
        .await)
    .await;
    assert_eq!(applied.color, Color::Green);
    // Haizhu's committee, saying she lives in Haizhu: her recorded
    // residence (Yuexiu) counts, and the answer says only that it is not
    // its district.
    refused(
        w.post(
            "/v1/codes/apply-proxy",
            Some(&haizhu),
            &as_committee(Some("440105")),
        )
        .await,
        StatusCode::FORBIDDEN,
        ErrorCode::OutsideDistrict,
    )
    .await;
    assert!(w.codes(&haizhu).await.dependents.is_empty());
    assert_eq!(w.codes(&yuexiu).await.dependents.len(), 1);
}

#[tokio::test]
async fn declared_symptoms_are_recorded_advised_and_listed_for_the_districts_authorities() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let declared: HealthDeclarationResponse = ok(w
        .post(
            "/v1/health-declarations",
            Some(&zhang.tokens.access_token),
            &HealthDeclarationRequest {
                code_id: None,
                symptoms: vec![Symptom::Fever, Symptom::Cough],
                travel_from_key_area: None,
                district: Some("海珠区".into()),
            },
        )
        .await)
    .await;
    assert_eq!(
        declared.color,
        Color::Blue,
        "symptoms do not turn a code red"
    );
    assert!(declared.controls_imposed.is_empty());
    assert!(
        declared.next_steps_zh.contains("发热门诊"),
        "{}",
        declared.next_steps_zh
    );
    assert!(
        declared.next_steps_en.contains("fever clinic"),
        "{}",
        declared.next_steps_en
    );
    let list = |token: String| {
        let w = &w;
        async move {
            let r: SymptomDeclarationsResponse = ok(w
                .post(
                    "/v1/authority/declarations/symptoms",
                    Some(&token),
                    &ListSymptomDeclarationsRequest { days: None },
                )
                .await)
            .await;
            r.declarations
        }
    };
    let haizhu = w
        .authority(AuthorityRole::District, "haizhu-district", "440105")
        .await;
    let seen = list(haizhu).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].symptoms, [Symptom::Fever, Symptom::Cough]);
    assert_eq!(
        (seen[0].masked_name.as_deref(), seen[0].district.as_str()),
        (Some("张*明"), "440105")
    );
    assert!(!serde_json::to_string(&seen).unwrap().contains(ZHANG_ID));
    let cdc = w
        .authority(AuthorityRole::Cdc, "guangzhou-cdc", "440100")
        .await;
    assert_eq!(
        list(cdc).await.len(),
        1,
        "the city's CDC sees the whole city"
    );
    let yuexiu = w
        .authority(AuthorityRole::District, "yuexiu-district", "440104")
        .await;
    assert!(list(yuexiu).await.is_empty());
    // A declaration without symptoms is not on the list; nor may a resident
    // read the list.
    let quiet: HealthDeclarationResponse = ok(w
        .post(
            "/v1/health-declarations",
            Some(&zhang.tokens.access_token),
            &HealthDeclarationRequest {
                code_id: None,
                symptoms: vec![],
                travel_from_key_area: None,
                district: Some("440105".into()),
            },
        )
        .await)
    .await;
    assert!(
        quiet.next_steps_en.contains("nothing else"),
        "{}",
        quiet.next_steps_en
    );
    let haizhu2 = w
        .authority(AuthorityRole::Community, "binjiang-community", "440105")
        .await;
    assert_eq!(list(haizhu2).await.len(), 1);
    refused(
        w.post(
            "/v1/authority/declarations/symptoms",
            Some(&zhang.tokens.access_token),
            &ListSymptomDeclarationsRequest { days: None },
        )
        .await,
        StatusCode::FORBIDDEN,
        ErrorCode::WrongAccountKind,
    )
    .await;
}
