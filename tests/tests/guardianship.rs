//! Guardianship consent end to end (DESIGN §2, issue 11): real server on
//! loopback, real phones (the core). A stranger who knows the grandmother's
//! ID number and name asks to join her guardians, learns nothing, and the
//! guardian declines; her son asks, the guardian approves, and both hold
//! the same code.

use std::sync::Arc;
use suikang_core::{App, CoreError, InstitutionDesk, ProxyApplication, Screen};
use suikang_protocol::api::{ErrorCode, JoinDecision};
use suikang_protocol::{Color, DocumentKind, Relationship};
use suikang_testkit::*;

const STRANGER: (&str, &str) = ("陈大文", "440106197504120012");
const SON: (&str, &str) = ("王建国", "440105198007150024");

async fn signed_in(server: &Server, (name, id): (&str, &str)) -> (Phone, App) {
    server.resident(name, id).await
}

async fn ask_to_join(app: &App) -> CoreError {
    app.apply_proxy(&ProxyApplication::new(
        GRANDMOTHER_NAME,
        DocumentKind::ResidentId,
        GRANDMOTHER_ID,
        Relationship::AdultRelative,
        true,
    ))
    .await
    .unwrap_err()
}

#[tokio::test]
async fn a_stranger_learns_nothing_and_is_declined_a_son_is_approved_and_sees_the_same_code() {
    let server = Server::start().await;
    let (_g, guardian) = signed_in(&server, (RESIDENT_NAME, RESIDENT_ID)).await;
    guardian
        .apply_proxy(&ProxyApplication::new(
            GRANDMOTHER_NAME,
            DocumentKind::ResidentId,
            GRANDMOTHER_ID,
            Relationship::AdultRelative,
            true,
        ))
        .await
        .unwrap();
    let grandmother = guardian.codes().unwrap()[1].code_id.clone();
    assert!(guardian.pending_join_requests().await.unwrap().is_empty());

    // The stranger asks: the app says only that the request waits.
    let (_s, stranger) = signed_in(&server, STRANGER).await;
    let told = ask_to_join(&stranger).await;
    let CoreError::Refused { code, message } = &told else {
        panic!("{told:?}");
    };
    assert_eq!(*code, ErrorCode::JoinRequestPending);
    assert!(!message.contains(&grandmother));
    stranger.sync().await.unwrap();
    assert_eq!(
        stranger.codes().unwrap().len(),
        1,
        "only the stranger's own"
    );

    // The guardian sees who asked (masked) and declines.
    let waiting = guardian.pending_join_requests().await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].requester_masked_name, "陈*文");
    assert_eq!(waiting[0].code_id, grandmother);
    let declined = guardian
        .decline_join_request(&waiting[0].request_id)
        .await
        .unwrap();
    assert_eq!(declined.decision, JoinDecision::Declined);
    stranger.sync().await.unwrap();
    assert_eq!(stranger.codes().unwrap().len(), 1);
    assert!(stranger.select(&grandmother).is_err());

    // Her son asks: told exactly what the stranger was told.
    let (_p, son) = signed_in(&server, SON).await;
    assert_eq!(ask_to_join(&son).await, told);
    let waiting = guardian.pending_join_requests().await.unwrap();
    assert_eq!(waiting[0].requester_masked_name, "王*国");
    // The son cannot approve himself.
    let own_approval = son.approve_join_request(&waiting[0].request_id).await;
    assert!(
        matches!(
            own_approval,
            Err(CoreError::Refused {
                code: ErrorCode::NotYourDependent,
                ..
            })
        ),
        "{own_approval:?}"
    );
    let approved = guardian
        .approve_join_request(&waiting[0].request_id)
        .await
        .unwrap();
    assert_eq!(approved.decision, JoinDecision::Approved);
    assert_eq!(approved.code_id, grandmother);

    // Both hold the same code, green, and the son's phone shows it.
    son.sync().await.unwrap();
    let sons = son.codes().unwrap();
    assert_eq!(sons.len(), 2);
    assert_eq!(sons[1].code_id, grandmother);
    assert_eq!(sons[1].color, Color::Green);
    assert!(
        matches!(son.select(&grandmother).unwrap(), Screen::Code(c) if c.code_id == grandmother),
        "the son can show her code"
    );
    assert_eq!(guardian.codes().unwrap()[1].code_id, grandmother);

    // Deciding again is refused; a typed id that is not one is not found.
    let again = guardian
        .decline_join_request(&waiting[0].request_id)
        .await
        .unwrap_err();
    assert!(matches!(
        again,
        CoreError::Refused {
            code: ErrorCode::JoinRequestAlreadyDecided,
            ..
        }
    ));
    assert!(matches!(
        guardian
            .approve_join_request("not-an-id")
            .await
            .unwrap_err(),
        CoreError::Refused {
            code: ErrorCode::JoinRequestNotFound,
            ..
        }
    ));

    // The first guardian leaves; the son still holds her.
    guardian.remove_dependent(&grandmother).await.unwrap();
    assert_eq!(guardian.codes().unwrap().len(), 1);
    son.sync().await.unwrap();
    assert_eq!(son.codes().unwrap()[1].code_id, grandmother);
}

/// DESIGN §2 (所在居村民委员会): a relative states where the grandmother
/// lives; the residents' committee of that district then sees who asks to
/// join her guardians and decides, and another district's committee sees
/// nothing. A district nobody knows is refused on the phone by name, and
/// nothing is applied for.
#[tokio::test]
async fn the_committee_of_the_district_a_relative_states_decides_who_joins() {
    let server = Server::start().await;
    let (_g, guardian) = signed_in(&server, (RESIDENT_NAME, RESIDENT_ID)).await;
    let grandmother = ProxyApplication::new(
        GRANDMOTHER_NAME,
        DocumentKind::ResidentId,
        GRANDMOTHER_ID,
        Relationship::AdultRelative,
        true,
    );

    let on_mars = guardian
        .apply_proxy(&ProxyApplication {
            residence_district: Some("火星".into()),
            ..grandmother.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(on_mars, CoreError::UnknownDistrict);
    assert_eq!(
        guardian.codes().unwrap().len(),
        1,
        "nothing was applied for"
    );

    // 海珠区, typed as its pinyin: the phone sends its code.
    guardian
        .apply_proxy(&ProxyApplication {
            residence_district: Some("haizhu".into()),
            ..grandmother.clone()
        })
        .await
        .unwrap();
    let held = guardian.codes().unwrap()[1].code_id.clone();

    let (_s, son) = signed_in(&server, SON).await;
    let asked = son.apply_proxy(&grandmother).await.unwrap_err();
    assert!(
        matches!(
            asked,
            CoreError::Refused {
                code: ErrorCode::JoinRequestPending,
                ..
            }
        ),
        "{asked:?}"
    );

    let desk = |district: &'static str, organisation: &'static str| {
        let server = &server;
        async move {
            let token = server
                .running
                .create_institution(Relationship::ResidentsCommittee, organisation, district)
                .await
                .unwrap();
            InstitutionDesk::new(
                &server.url(),
                &token,
                fast_retries(),
                Arc::new(suikang_core::SystemClock),
            )
            .unwrap()
        }
    };
    let yuexiu = desk("440104", "beijing-street").await;
    assert!(yuexiu.pending_join_requests().await.unwrap().is_empty());
    let haizhu = desk("440105", "binjiang-street").await;
    let waiting = haizhu.pending_join_requests().await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].code_id, held);
    assert_eq!(waiting[0].requester_masked_name, "王*国");

    haizhu
        .approve_join_request(&waiting[0].request_id)
        .await
        .unwrap();
    son.sync().await.unwrap();
    assert_eq!(son.codes().unwrap()[1].code_id, held);
}
