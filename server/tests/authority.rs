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
