//! Guardianship consent, as the people in DESIGN §1 live it (DESIGN §2,
//! issue 11): a daughter holds her grandmother's code; a stranger who knows
//! the grandmother's ID number asks to join and learns nothing, and the
//! daughter declines; the grandmother's son asks, the daughter approves,
//! and both hold the same code; the guardians leave, and the code waits,
//! red if it was red, for whoever applies next with her registered name.

mod common;

use common::*;
use reqwest::StatusCode;
use suikang_protocol::api::*;
use suikang_protocol::{AuthorityRole, Color, ControlReason, DeviceReason, Relationship};
use suikang_server::store::{GuardianshipAction, PersonId};

async fn requests(w: &World, token: &str) -> Vec<JoinRequestView> {
    let r: JoinRequestsResponse = ok(w.get("/v1/join-requests", Some(token)).await).await;
    r.requests
}

async fn decide(w: &World, token: &str, id: &str, verb: &str) -> reqwest::Response {
    w.post(
        &format!("/v1/join-requests/{id}/{verb}"),
        Some(token),
        &DecideJoinRequest {},
    )
    .await
}

/// The grandmother's person id, read from the store by her code.
async fn person_of(w: &World, code_id: &str) -> PersonId {
    let code = parse_code_id(code_id).unwrap();
    w.server
        .issuer
        .store
        .person_by_code(code)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn a_stranger_is_declined_and_a_son_approved_and_both_guardians_see_one_code() {
    let w = world().await;
    let grandmother = elder_id(7);
    let (daughter, held) = w.daughter_holds(&grandmother).await;
    let daughter_token = daughter.tokens.access_token.as_str();
    assert!(requests(&w, daughter_token).await.is_empty());

    // A stranger who knows her ID number and her name asks to join, twice,
    // and once with a wrong name: three identical answers, none with a
    // code id or colour, and one request for the daughter to decide on.
    let (stranger, _) = w.resident_with_code("陈大文", &elder_id(2)).await;
    let stranger_token = stranger.tokens.access_token.as_str();
    let asked = w
        .apply_as_relative(stranger_token, GRANDMOTHER, &grandmother)
        .await;
    let again = w
        .apply_as_relative(stranger_token, GRANDMOTHER, &grandmother)
        .await;
    let wrong = w
        .apply_as_relative(stranger_token, "赵四孙", &grandmother)
        .await;
    assert_eq!(asked.0, StatusCode::CONFLICT);
    assert!(asked == again && asked == wrong, "{asked:?} {wrong:?}");
    assert!(asked.1.contains("join_request_pending"));
    assert!(!asked.1.contains(&held.code_id));
    let waiting = requests(&w, daughter_token).await;
    assert_eq!(waiting.len(), 1, "one request per requester and person");
    assert_eq!(waiting[0].requester_masked_name, "陈*文");
    assert_eq!(waiting[0].dependent_masked_name, "赵*孙");
    assert_eq!(waiting[0].code_id, held.code_id);
    assert_eq!(waiting[0].relationship, Relationship::AdultRelative);
    assert!(requests(&w, stranger_token).await.is_empty());

    // The stranger cannot decide their own request; the daughter declines.
    refused(
        decide(&w, stranger_token, &waiting[0].request_id, "approve").await,
        StatusCode::FORBIDDEN,
        ErrorCode::NotYourDependent,
    )
    .await;
    let declined: JoinDecisionResponse =
        ok(decide(&w, daughter_token, &waiting[0].request_id, "decline").await).await;
    assert_eq!(declined.decision, JoinDecision::Declined);
    refused(
        decide(&w, daughter_token, &waiting[0].request_id, "approve").await,
        StatusCode::CONFLICT,
        ErrorCode::JoinRequestAlreadyDecided,
    )
    .await;
    assert!(w.codes(stranger_token).await.dependents.is_empty());
    assert!(requests(&w, daughter_token).await.is_empty());

    // Her son asks; the daughter approves; both hold the same code.
    let (son, _) = w.resident_with_code("王建国", &elder_id(3)).await;
    let son_token = son.tokens.access_token.as_str();
    assert_eq!(
        w.apply_as_relative(son_token, GRANDMOTHER, &grandmother)
            .await,
        asked,
        "the son is told what the stranger was told"
    );
    assert!(w.codes(son_token).await.dependents.is_empty());
    let waiting = requests(&w, daughter_token).await;
    assert_eq!(waiting[0].requester_masked_name, "王*国");
    let approved: JoinDecisionResponse =
        ok(decide(&w, daughter_token, &waiting[0].request_id, "approve").await).await;
    assert_eq!(approved.decision, JoinDecision::Approved);
    assert_eq!(approved.code_id, held.code_id);
    let sons = w.codes(son_token).await.dependents;
    assert_eq!(sons.len(), 1);
    assert_eq!(sons[0].code_id, held.code_id);
    assert_eq!(sons[0].color, Color::Green);
    assert_eq!(sons[0].masked_name, "赵*孙");
    assert_eq!(
        w.codes(daughter_token).await.dependents[0].code_id,
        held.code_id
    );
    // Now a guardian, the son's application finds the code.
    let (status, body) = w
        .apply_as_relative(son_token, GRANDMOTHER, &grandmother)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The log tells who asked, who decided, on what terms (问题二: her age).
    let person = person_of(&w, &held.code_id).await;
    let log = w
        .server
        .issuer
        .store
        .guardianship_log(person)
        .await
        .unwrap();
    use GuardianshipAction::*;
    assert_eq!(
        log.iter().map(|e| e.action).collect::<Vec<_>>(),
        [
            GuardianAdded,
            JoinRequested,
            JoinDeclined,
            JoinRequested,
            GuardianAdded,
            JoinApproved
        ]
    );
    assert!(log[0].details.contains(r#""elder""#), "{}", log[0].details);
}

#[tokio::test]
async fn only_a_guardian_decides_and_bad_ids_are_not_found() {
    let w = world().await;
    let grandmother = elder_id(7);
    let (daughter, _) = w.daughter_holds(&grandmother).await;
    let (other, _) = w.resident_with_code("陈大文", &elder_id(2)).await;
    let (son, _) = w.resident_with_code("王建国", &elder_id(3)).await;
    w.apply_as_relative(&son.tokens.access_token, GRANDMOTHER, &grandmother)
        .await;
    let id = requests(&w, &daughter.tokens.access_token).await[0]
        .request_id
        .clone();
    refused(
        decide(&w, &other.tokens.access_token, &id, "approve").await,
        StatusCode::FORBIDDEN,
        ErrorCode::NotYourDependent,
    )
    .await;
    for bad in ["0123456789abcdef", "nonsense", "0123"] {
        refused(
            decide(&w, &daughter.tokens.access_token, bad, "decline").await,
            StatusCode::NOT_FOUND,
            ErrorCode::JoinRequestNotFound,
        )
        .await;
    }
    let cdc = w
        .authority(AuthorityRole::Cdc, "haizhu-cdc", "440105")
        .await;
    refused(
        w.get("/v1/join-requests", Some(&cdc)).await,
        StatusCode::FORBIDDEN,
        ErrorCode::WrongAccountKind,
    )
    .await;
    refused(
        decide(&w, &cdc, &id, "approve").await,
        StatusCode::FORBIDDEN,
        ErrorCode::WrongAccountKind,
    )
    .await;
    refused(
        w.get("/v1/join-requests", None).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::MissingToken,
    )
    .await;
    // None of that decided anything.
    assert_eq!(requests(&w, &daughter.tokens.access_token).await.len(), 1);
    assert!(
        w.codes(&son.tokens.access_token)
            .await
            .dependents
            .is_empty()
    );
}

/// The last guardian leaving ends the proxy holding: the code stays, red
/// if it was red, and the next application with her registered name takes
/// it up (the same code: leaving and re-applying clears no control).
#[tokio::test]
async fn when_the_last_guardian_leaves_the_code_waits_with_its_controls() {
    let w = world().await;
    let grandmother = elder_id(7);
    let (daughter, held) = w.daughter_holds(&grandmother).await;
    let (son, _) = w.resident_with_code("王建国", &elder_id(3)).await;
    let cdc = w
        .authority(AuthorityRole::Cdc, "haizhu-cdc", "440105")
        .await;
    ok::<ControlsResponse>(
        w.post(
            "/v1/authority/controls/impose",
            Some(&cdc),
            &ImposeControlRequest {
                document: doc(&grandmother),
                reason: ControlReason::CloseContact,
            },
        )
        .await,
    )
    .await;
    // The son's request waits when the daughter, the only guardian, leaves.
    w.apply_as_relative(&son.tokens.access_token, GRANDMOTHER, &grandmother)
        .await;
    let left = w
        .http
        .delete(w.url(&format!("/v1/dependents/{}", held.code_id)))
        .bearer_auth(&daughter.tokens.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(left.status(), StatusCode::NO_CONTENT);
    assert!(
        w.codes(&daughter.tokens.access_token)
            .await
            .dependents
            .is_empty()
    );
    assert!(requests(&w, &daughter.tokens.access_token).await.is_empty());

    // Nobody holds it: a wrong name still learns nothing ...
    let (status, _) = w
        .apply_as_relative(&son.tokens.access_token, "赵四孙", &grandmother)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // ... the registered name takes it up: the same code, still red.
    let taken: ApplyResponse = ok(w
        .post(
            "/v1/codes/apply-proxy",
            Some(&son.tokens.access_token),
            &relative_applying(GRANDMOTHER, &grandmother),
        )
        .await)
    .await;
    assert_eq!(taken.code_id, held.code_id);
    assert_eq!(taken.color, Color::Red);
    assert!(!taken.created);

    let person = person_of(&w, &held.code_id).await;
    let log = w
        .server
        .issuer
        .store
        .guardianship_log(person)
        .await
        .unwrap();
    let actions: Vec<_> = log.iter().map(|e| e.action).collect();
    use GuardianshipAction::*;
    assert_eq!(
        actions,
        [
            GuardianAdded,
            JoinRequested,
            GuardianLeft,
            ProxyEnded,
            GuardianAdded
        ]
    );
    assert!(log[3].details.contains(r#""lapsed_join_requests":1"#));
}

/// 问题二: the reason a working-age dependent cannot use a smart device is
/// recorded with the guardianship and in its log, for the authority.
#[tokio::test]
async fn the_stated_reason_is_recorded_with_the_guardianship() {
    let w = world().await;
    let (li, _) = w.resident_with_code("李小红", &elder_id(1)).await;
    let adult = resident_id("44010619850301003");
    let applied: ApplyResponse = ok(w
        .post(
            "/v1/codes/apply-proxy",
            Some(&li.tokens.access_token),
            &ApplyProxyRequest {
                reason: Some(DeviceReason::Other {
                    text: "手部受伤".into(),
                }),
                ..relative_applying("王建国", &adult)
            },
        )
        .await)
    .await;
    let person = person_of(&w, &applied.code_id).await;
    let log = w
        .server
        .issuer
        .store
        .guardianship_log(person)
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, GuardianshipAction::GuardianAdded);
    assert!(
        log[0]
            .details
            .contains(r#""stated":{"kind":"other","text":"手部受伤"}"#),
        "{}",
        log[0].details
    );
}

/// DESIGN §2: an existing guardian *or the dependent's committee* approves.
/// The daughter declared that her grandmother lives in Haizhu (440105);
/// Haizhu's residents' committee sees the son's request and approves it;
/// Yuexiu's committee and Haizhu's property company neither see nor decide
/// it; a request for someone recorded nowhere stays the guardians' alone.
#[tokio::test]
async fn the_committee_of_the_dependents_district_decides_too() {
    let w = world().await;
    let grandmother = elder_id(8);
    let (daughter, held) = w
        .daughter_holds_with(ApplyProxyRequest {
            residence_district: Some("海珠区".into()),
            ..relative_applying(GRANDMOTHER, &grandmother)
        })
        .await;
    let (son, _) = w.resident_with_code("王建国", &elder_id(3)).await;
    let (neighbour, _) = w.resident_with_code("陈大文", &elder_id(2)).await;
    // Someone recorded nowhere: only her guardian decides.
    let elsewhere = elder_id(9);
    ok::<ApplyResponse>(
        w.post(
            "/v1/codes/apply-proxy",
            Some(&daughter.tokens.access_token),
            &relative_applying("钱老太", &elsewhere),
        )
        .await,
    )
    .await;
    w.apply_as_relative(&neighbour.tokens.access_token, "钱老太", &elsewhere)
        .await;
    w.apply_as_relative(&son.tokens.access_token, GRANDMOTHER, &grandmother)
        .await;

    let committee = |kind, name: &'static str, district: &'static str| {
        let w = &w;
        async move {
            w.server
                .create_institution(kind, name, district)
                .await
                .unwrap()
        }
    };
    let haizhu = committee(
        Relationship::ResidentsCommittee,
        "binjiang-committee",
        "440105",
    )
    .await;
    let yuexiu = committee(
        Relationship::ResidentsCommittee,
        "ximen-committee",
        "440104",
    )
    .await;
    let property = committee(
        Relationship::PropertyManagement,
        "binjiang-estate",
        "440105",
    )
    .await;

    let seen = requests(&w, &haizhu).await;
    assert_eq!(
        seen.len(),
        1,
        "the committee sees only its district's request"
    );
    assert_eq!(seen[0].code_id, held.code_id);
    assert_eq!(seen[0].requester_masked_name, "王*国");
    assert!(requests(&w, &yuexiu).await.is_empty());
    assert!(requests(&w, &property).await.is_empty());
    let id = seen[0].request_id.clone();
    for outsider in [&yuexiu, &property] {
        refused(
            decide(&w, outsider, &id, "approve").await,
            StatusCode::FORBIDDEN,
            ErrorCode::NotYourDependent,
        )
        .await;
    }
    let other = requests(&w, &daughter.tokens.access_token)
        .await
        .into_iter()
        .find(|r| r.code_id != held.code_id)
        .expect("the neighbour's request for 钱老太");
    refused(
        decide(&w, &haizhu, &other.request_id, "approve").await,
        StatusCode::FORBIDDEN,
        ErrorCode::NotYourDependent,
    )
    .await;

    let decided: JoinDecisionResponse = ok(decide(&w, &haizhu, &id, "approve").await).await;
    assert_eq!(decided.decision, JoinDecision::Approved);
    assert_eq!(decided.code_id, held.code_id);
    // The son holds her code now, the daughter still does, the committee
    // does not (it decided; it holds nothing), and the log names it.
    let son_holds = w.codes(&son.tokens.access_token).await.dependents;
    assert_eq!(son_holds.len(), 1);
    assert_eq!(son_holds[0].code_id, held.code_id);
    assert_eq!(
        w.codes(&daughter.tokens.access_token)
            .await
            .dependents
            .len(),
        2
    );
    assert!(w.codes(&haizhu).await.dependents.is_empty());
    let person = person_of(&w, &held.code_id).await;
    let log = w
        .server
        .issuer
        .store
        .guardianship_log(person)
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == GuardianshipAction::JoinApproved
                && matches!(e.actor, suikang_server::store::Guardian::Institution(_))),
        "{log:?}"
    );
}

/// A stranger told no cannot flood the guardians: asking again within the
/// quiet days gets the same answer as always and reaches nobody; after
/// them, the guardians are asked anew.
#[tokio::test]
async fn a_declined_stranger_asking_again_reaches_nobody_for_a_month() {
    let w = world().await;
    let grandmother = elder_id(11);
    let (daughter, _) = w.daughter_holds(&grandmother).await;
    let (stranger, _) = w.resident_with_code("陈大文", &elder_id(2)).await;
    let token = daughter.tokens.access_token.clone();
    let ask = async || {
        w.apply_as_relative(&stranger.tokens.access_token, GRANDMOTHER, &grandmother)
            .await
    };
    let first = ask().await;
    assert_eq!(first.0, StatusCode::CONFLICT);
    let id = requests(&w, &token).await[0].request_id.clone();
    ok::<JoinDecisionResponse>(decide(&w, &token, &id, "decline").await).await;
    for _ in 0..5 {
        assert_eq!(ask().await, first, "the same answer, word for word");
    }
    assert!(
        requests(&w, &token).await.is_empty(),
        "nobody is asked again"
    );
    // A month on (both sign in again: their sessions ran out).
    w.server.advance_clock(time::Duration::days(31));
    let stranger = w.sign_in("陈大文", &elder_id(2)).await;
    let daughter = w.sign_in("李小红", &elder_id(1)).await;
    let (status, _) = w
        .apply_as_relative(&stranger.tokens.access_token, GRANDMOTHER, &grandmother)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        requests(&w, &daughter.tokens.access_token).await.len(),
        1,
        "a month on, asked anew"
    );
}
