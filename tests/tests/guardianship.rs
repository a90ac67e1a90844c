//! Guardianship consent end to end (DESIGN §2, issue 11): real server on
//! loopback, real phones (the core). A stranger who knows the grandmother's
//! ID number and name asks to join her guardians, learns nothing, and the
//! guardian declines; her son asks, the guardian approves, and both hold
//! the same code.

use suikang_core::{App, CoreError, Screen};
use suikang_protocol::api::{ErrorCode, JoinDecision};
use suikang_protocol::{Color, DocumentKind, Relationship};
use suikang_testkit::*;

const STRANGER: (&str, &str) = ("陈大文", "440106197504120012");
const SON: (&str, &str) = ("王建国", "440105198007150024");

async fn signed_in(server: &Server, (name, id): (&str, &str)) -> (Phone, App) {
    server.resident(name, id).await
}

async fn ask_to_join(app: &App) -> CoreError {
    app.apply_proxy(
        GRANDMOTHER_NAME,
        DocumentKind::ResidentId,
        GRANDMOTHER_ID,
        Relationship::AdultRelative,
        true,
        None,
    )
    .await
    .unwrap_err()
}

#[tokio::test]
async fn a_stranger_learns_nothing_and_is_declined_a_son_is_approved_and_sees_the_same_code() {
    let server = Server::start().await;
    let (_g, guardian) = signed_in(&server, (RESIDENT_NAME, RESIDENT_ID)).await;
    guardian
        .apply_proxy(
            GRANDMOTHER_NAME,
            DocumentKind::ResidentId,
            GRANDMOTHER_ID,
            Relationship::AdultRelative,
            true,
            None,
        )
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
