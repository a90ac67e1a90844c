//! Authorities put people under control and release them, each only within
//! its rights (问题十), and every act is in an append-only audit log.

mod common;

use common::*;
use reqwest::StatusCode;
use suikang_protocol::api::*;
use suikang_protocol::{AuthorityRole, Color, ControlReason};

fn impose(number: &str, reason: ControlReason) -> ImposeControlRequest {
    ImposeControlRequest {
        document: doc(number),
        reason,
    }
}

fn release(number: &str, reason: ControlReason) -> ReleaseControlRequest {
    ReleaseControlRequest {
        document: doc(number),
        reason,
    }
}

#[tokio::test]
async fn the_cdc_that_put_a_close_contact_under_control_releases_them() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let cdc = w
        .authority(AuthorityRole::Cdc, "guangzhou-cdc", "440100")
        .await;
    let other_cdc = w
        .authority(AuthorityRole::Cdc, "shenzhen-cdc", "440300")
        .await;
    let imposed: ControlsResponse = ok(w
        .post(
            "/v1/authority/controls/impose",
            Some(&cdc),
            &impose(ZHANG_ID, ControlReason::CloseContact),
        )
        .await)
    .await;
    assert_eq!(imposed.color, Some(Color::Red));
    assert!(imposed.audit_id.is_some());
    assert_eq!(
        imposed.controls[0]
            .executed_by
            .as_ref()
            .unwrap()
            .organisation,
        "guangzhou-cdc"
    );
    assert_eq!(
        w.codes(&zhang.tokens.access_token).await.own.unwrap().color,
        Color::Red
    );
    refused(
        w.post(
            "/v1/authority/controls/impose",
            Some(&cdc),
            &impose(ZHANG_ID, ControlReason::CloseContact),
        )
        .await,
        StatusCode::CONFLICT,
        ErrorCode::ControlAlreadyActive,
    )
    .await;
    refused(
        w.post(
            "/v1/authority/controls/release",
            Some(&other_cdc),
            &release(ZHANG_ID, ControlReason::CloseContact),
        )
        .await,
        StatusCode::FORBIDDEN,
        ErrorCode::NotTheExecutingOrganisation,
    )
    .await;
    let listed: ControlsResponse = ok(w
        .post(
            "/v1/authority/controls/list",
            Some(&other_cdc),
            &ListControlsRequest {
                document: doc(ZHANG_ID),
            },
        )
        .await)
    .await;
    assert_eq!(listed.controls.len(), 1);
    assert_eq!(listed.masked_name.as_deref(), Some("张*明"));
    let released: ControlsResponse = ok(w
        .post(
            "/v1/authority/controls/release",
            Some(&cdc),
            &release(ZHANG_ID, ControlReason::CloseContact),
        )
        .await)
    .await;
    assert_eq!(released.color, Some(Color::Blue));
    assert_eq!(
        w.codes(&zhang.tokens.access_token).await.own.unwrap().color,
        Color::Blue
    );
    refused(
        w.post(
            "/v1/authority/controls/release",
            Some(&cdc),
            &release(ZHANG_ID, ControlReason::CloseContact),
        )
        .await,
        StatusCode::NOT_FOUND,
        ErrorCode::ControlNotActive,
    )
    .await;
}

#[tokio::test]
async fn an_authority_outside_its_rights_is_refused_and_changes_nothing() {
    let w = world().await;
    w.resident_with_code("张小明", ZHANG_ID).await;
    let district = w
        .authority(AuthorityRole::District, "yuexiu-district", "440104")
        .await;
    let hospital = w
        .authority(
            AuthorityRole::MedicalInstitution,
            "eighth-hospital",
            "440111",
        )
        .await;
    let haizhu_community = w
        .authority(AuthorityRole::Community, "binjiang-community", "440105")
        .await;
    let yuexiu_community = w
        .authority(AuthorityRole::Community, "beijing-community", "440104")
        .await;
    refused(
        w.post(
            "/v1/authority/controls/impose",
            Some(&district),
            &impose(ZHANG_ID, ControlReason::ConfirmedCase),
        )
        .await,
        StatusCode::FORBIDDEN,
        ErrorCode::MayNotImpose,
    )
    .await;
    let _: ControlsResponse = ok(w
        .post(
            "/v1/authority/controls/impose",
            Some(&hospital),
            &impose(ZHANG_ID, ControlReason::ConfirmedCase),
        )
        .await)
    .await;
    refused(
        w.post(
            "/v1/authority/controls/release",
            Some(&district),
            &release(ZHANG_ID, ControlReason::ConfirmedCase),
        )
        .await,
        StatusCode::FORBIDDEN,
        ErrorCode::MayNotRelease,
    )
    .await;
    let _: ControlsResponse = ok(w
        .post(
            "/v1/authority/controls/impose",
            Some(&yuexiu_community),
            &impose(ZHANG_ID, ControlReason::ArrivalFromKeyArea),
        )
        .await)
    .await;
    refused(
        w.post(
            "/v1/authority/controls/release",
            Some(&haizhu_community),
            &release(ZHANG_ID, ControlReason::ArrivalFromKeyArea),
        )
        .await,
        StatusCode::FORBIDDEN,
        ErrorCode::OutsideDistrict,
    )
    .await;
    let listed: ControlsResponse = ok(w
        .post(
            "/v1/authority/controls/list",
            Some(&district),
            &ListControlsRequest {
                document: doc(ZHANG_ID),
            },
        )
        .await)
    .await;
    assert_eq!(listed.controls.len(), 2);
}

#[tokio::test]
async fn residents_and_committees_cannot_use_the_authority_api() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    refused(
        w.post(
            "/v1/authority/controls/impose",
            Some(&zhang.tokens.access_token),
            &impose(LI_ID, ControlReason::HomeIsolation),
        )
        .await,
        StatusCode::FORBIDDEN,
        ErrorCode::WrongAccountKind,
    )
    .await;
    refused(
        w.post(
            "/v1/authority/controls/impose",
            None,
            &impose(LI_ID, ControlReason::HomeIsolation),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::MissingToken,
    )
    .await;
    let cdc = w
        .authority(AuthorityRole::Cdc, "guangzhou-cdc", "440100")
        .await;
    refused(
        w.get("/v1/codes", Some(&cdc)).await,
        StatusCode::FORBIDDEN,
        ErrorCode::WrongAccountKind,
    )
    .await;
    refused(
        w.post(
            "/v1/authority/controls/list",
            Some(&cdc),
            &ListControlsRequest {
                document: doc(LI_ID),
            },
        )
        .await,
        StatusCode::NOT_FOUND,
        ErrorCode::PersonNotFound,
    )
    .await;
    refused(
        w.post(
            "/v1/authority/controls/impose",
            Some(&cdc),
            &impose("123", ControlReason::CloseContact),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidDocumentNumber,
    )
    .await;
}

#[tokio::test]
async fn a_control_imposed_before_the_person_applies_shows_on_their_new_code() {
    let w = world().await;
    let cdc = w
        .authority(AuthorityRole::Cdc, "guangzhou-cdc", "440100")
        .await;
    let imposed: ControlsResponse = ok(w
        .post(
            "/v1/authority/controls/impose",
            Some(&cdc),
            &impose(LI_ID, ControlReason::CloseContact),
        )
        .await)
    .await;
    assert_eq!((imposed.color, imposed.masked_name), (None, None));
    let (_, applied) = w.resident_with_code("李四", LI_ID).await;
    assert_eq!(applied.color, Color::Red);
}

#[tokio::test]
async fn the_audit_log_records_every_act_and_cannot_be_changed() {
    let w = world().await;
    w.resident_with_code("张小明", ZHANG_ID).await;
    let hospital = w
        .authority(
            AuthorityRole::MedicalInstitution,
            "eighth-hospital",
            "440111",
        )
        .await;
    let _: ControlsResponse = ok(w
        .post(
            "/v1/authority/controls/impose",
            Some(&hospital),
            &impose(ZHANG_ID, ControlReason::SuspectedCase),
        )
        .await)
    .await;
    let _: ControlsResponse = ok(w
        .post(
            "/v1/authority/controls/release",
            Some(&hospital),
            &release(ZHANG_ID, ControlReason::SuspectedCase),
        )
        .await)
    .await;
    let store = &w.server.issuer.store;
    let person = store
        .person_by_code(
            suikang_protocol::api::parse_code_id(
                &w.codes(&w.sign_in("张小明", ZHANG_ID).await.tokens.access_token)
                    .await
                    .own
                    .unwrap()
                    .code_id,
            )
            .unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    let log = store.audit_log(person.id).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].entry.action, "impose");
    assert_eq!(log[0].entry.before, "[]");
    assert_eq!(log[0].entry.after, r#"["suspected_case"]"#);
    assert!(log[0].entry.actor.contains("eighth-hospital"));
    assert_eq!(
        (log[1].entry.action.as_str(), log[1].entry.after.as_str()),
        ("release", "[]")
    );
    // Not even direct SQL can rewrite history.
    let db = w
        .server
        .issuer
        .data_dir
        .join(suikang_server::run::DATABASE_FILE);
    let conn = rusqlite::Connection::open(db).unwrap();
    assert!(
        conn.execute("UPDATE audit_log SET action = 'nothing'", [])
            .is_err()
    );
    assert!(conn.execute("DELETE FROM audit_log", []).is_err());
    assert_eq!(store.audit_log(person.id).await.unwrap(), log);
}

fn hand_over(number: &str, reason: ControlReason, to: &str) -> HandOverControlRequest {
    HandOverControlRequest {
        document: doc(number),
        reason,
        to_organisation: to.into(),
    }
}

/// DESIGN §2: execution can be handed over to another organisation of an
/// allowed kind, audited. A district's home isolation passes to the hospital
/// now caring for the person: from then on the hospital releases it and the
/// district no longer may; a CDC (which does not execute home isolation), an
/// organisation without an account, or a district that does not execute it
/// are refused.
#[tokio::test]
async fn a_district_hands_a_home_isolation_over_to_a_hospital_which_then_releases_it() {
    let w = world().await;
    let (zhang, _) = w.resident_with_code("张小明", ZHANG_ID).await;
    let yuexiu = w
        .authority(AuthorityRole::District, "yuexiu-district", "440104")
        .await;
    let haizhu = w
        .authority(AuthorityRole::District, "haizhu-district", "440105")
        .await;
    let hospital = w
        .authority(
            AuthorityRole::MedicalInstitution,
            "guangzhou-eighth-hospital",
            "440111",
        )
        .await;
    let _cdc = w
        .authority(AuthorityRole::Cdc, "guangzhou-cdc", "440100")
        .await;
    let _: ControlsResponse = ok(w
        .post(
            "/v1/authority/controls/impose",
            Some(&yuexiu),
            &impose(ZHANG_ID, ControlReason::HomeIsolation),
        )
        .await)
    .await;
    let path = "/v1/authority/controls/hand-over";
    for (token, to, status, code) in [
        (
            &haizhu,
            "guangzhou-eighth-hospital",
            StatusCode::FORBIDDEN,
            ErrorCode::NotTheExecutingOrganisation,
        ),
        (
            &yuexiu,
            "guangzhou-cdc",
            StatusCode::FORBIDDEN,
            ErrorCode::RecipientMayNotExecute,
        ),
        (
            &yuexiu,
            "a-hospital-nobody-created",
            StatusCode::NOT_FOUND,
            ErrorCode::RecipientNotFound,
        ),
    ] {
        refused(
            w.post(
                path,
                Some(token),
                &hand_over(ZHANG_ID, ControlReason::HomeIsolation, to),
            )
            .await,
            status,
            code,
        )
        .await;
    }
    refused(
        w.post(
            path,
            Some(&zhang.tokens.access_token),
            &hand_over(
                ZHANG_ID,
                ControlReason::HomeIsolation,
                "guangzhou-eighth-hospital",
            ),
        )
        .await,
        StatusCode::FORBIDDEN,
        ErrorCode::WrongAccountKind,
    )
    .await;
    let after: ControlsResponse = ok(w
        .post(
            path,
            Some(&yuexiu),
            &hand_over(
                ZHANG_ID,
                ControlReason::HomeIsolation,
                "guangzhou-eighth-hospital",
            ),
        )
        .await)
    .await;
    let executor = after.controls[0].executed_by.as_ref().unwrap();
    assert_eq!(
        (executor.role, executor.organisation.as_str()),
        (
            AuthorityRole::MedicalInstitution,
            "guangzhou-eighth-hospital"
        )
    );
    assert_eq!(after.color, Some(Color::Red), "still under control");
    // Audited: who handed it over, the executor before and after.
    let person = w
        .server
        .issuer
        .store
        .person_by_code(parse_code_id(after.code_id.as_deref().unwrap()).unwrap())
        .await
        .unwrap()
        .unwrap();
    let log = w.server.issuer.store.audit_log(person.id).await.unwrap();
    let entry = &log.last().unwrap().entry;
    assert_eq!(Some(log.last().unwrap().id), after.audit_id);
    assert_eq!(entry.action, "hand_over");
    assert!(entry.actor.contains("yuexiu-district"), "{}", entry.actor);
    assert!(entry.before.contains("yuexiu-district"), "{}", entry.before);
    assert!(
        entry.after.contains("guangzhou-eighth-hospital"),
        "{}",
        entry.after
    );
    // The district no longer executes it: only the hospital releases it.
    refused(
        w.post(
            "/v1/authority/controls/release",
            Some(&yuexiu),
            &release(ZHANG_ID, ControlReason::HomeIsolation),
        )
        .await,
        StatusCode::FORBIDDEN,
        ErrorCode::NotTheExecutingOrganisation,
    )
    .await;
    let released: ControlsResponse = ok(w
        .post(
            "/v1/authority/controls/release",
            Some(&hospital),
            &release(ZHANG_ID, ControlReason::HomeIsolation),
        )
        .await)
    .await;
    assert_eq!(released.color, Some(Color::Blue));
}
