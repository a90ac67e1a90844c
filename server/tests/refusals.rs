//! DESIGN §2, "A refused or pending request changes nothing" (issue 11):
//! for every mutating endpoint, a request refused for each of its refusal
//! reasons leaves the whole database as it was — every table, every row,
//! compared before and after, on SQLite and (through `on_postgres.rs`) on
//! PostgreSQL.
//!
//! Left out of the comparison, by name, and only these:
//! - `challenges`: a login challenge answers once, whatever the outcome, so
//!   a refused `login/finish` marks it used (challenge bookkeeping);
//! - `face_failures`: a genuine failed face check counts toward the
//!   lock-out (rate-limit bookkeeping).
//!
//! One refusal acts on purpose and is checked as such: a refresh token
//! used twice revokes its session (someone holds a copy), so that case may
//! change `sessions` and nothing else.
//!
//! No request here carries an `Idempotency-Key`, so the idempotency table
//! is compared too (a keyed refusal is kept for its retries by design; see
//! bad_input.rs).

mod common;

use std::collections::BTreeMap;

use common::*;
use reqwest::StatusCode;
use suikang_protocol::api::*;
use suikang_protocol::{AuthorityRole, ControlReason, DeviceReason, Relationship};
use suikang_server::{InProcessOptions, IssuerProfile, Policy, start_in_process};
use time::Duration;

/// Tables whose rows a refusal may change, and why (see the module doc).
const BOOKKEEPING: [&str; 2] = ["challenges", "face_failures"];

enum Db {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

type Dump = BTreeMap<String, Vec<String>>;

/// Every table's rows as text, sorted: the whole database.
async fn dump(db: &Db) -> Dump {
    match db {
        Db::Sqlite(path) => {
            let conn = rusqlite::Connection::open(path).unwrap();
            let tables: Vec<String> = conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let mut out = Dump::new();
            for table in tables {
                let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
                let n = stmt.column_count();
                let mut rows: Vec<String> = stmt
                    .query_map([], |r| {
                        Ok((0..n)
                            .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                            .collect::<Vec<_>>()
                            .join(" | "))
                    })
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                rows.sort();
                out.insert(table, rows);
            }
            out
        }
        Db::Postgres(url) => {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            let task = tokio::spawn(connection);
            let tables: Vec<String> = client
                .query(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
                    &[],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            let mut out = Dump::new();
            for table in tables {
                let rows = client
                    .query(
                        &format!("SELECT t::text FROM \"{table}\" t ORDER BY 1"),
                        &[],
                    )
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.get::<_, String>(0))
                    .collect();
                out.insert(table, rows);
            }
            drop(client);
            let _ = task.await;
            out
        }
    }
}

fn without(mut dump: Dump, tables: &[&str]) -> Dump {
    for t in tables {
        dump.remove(*t);
    }
    dump
}

/// Sends a request, asserts it is refused as expected, and that the
/// database is as it was (bookkeeping and `also_may_change` aside).
struct Probe<'a> {
    db: &'a Db,
    checked: std::cell::Cell<usize>,
}

impl Probe<'_> {
    async fn refused_unchanged(
        &self,
        what: &str,
        send: impl AsyncFnOnce() -> reqwest::Response,
        status: StatusCode,
        code: ErrorCode,
    ) {
        self.refused_changing_only(what, send, status, code, &[])
            .await
    }

    async fn refused_changing_only(
        &self,
        what: &str,
        send: impl AsyncFnOnce() -> reqwest::Response,
        status: StatusCode,
        code: ErrorCode,
        also_may_change: &[&str],
    ) {
        let mut excluded: Vec<&str> = BOOKKEEPING.to_vec();
        excluded.extend_from_slice(also_may_change);
        let before = without(dump(self.db).await, &excluded);
        assert!(before.contains_key("people"), "the dump sees the schema");
        let r = send().await;
        let got = r.status();
        let text = r.text().await.unwrap();
        assert_eq!(got, status, "{what}: {text}");
        let body: ErrorBody =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}: {text}"));
        assert_eq!(body.error.code, code, "{what}: {text}");
        let after = without(dump(self.db).await, &excluded);
        for (table, rows) in &before {
            assert_eq!(
                Some(rows),
                after.get(table),
                "{what}: refused, yet table {table} changed"
            );
        }
        assert_eq!(before.len(), after.len(), "{what}: tables came or went");
        self.checked.set(self.checked.get() + 1);
    }
}

async fn world_and_db(policy: Policy) -> (World, Db) {
    let mut options = InProcessOptions::new(IssuerProfile::suikang());
    options.policy = policy;
    let url = if on_postgres() {
        Some(fresh_postgres().await)
    } else {
        None
    };
    options.database_url = url.clone();
    let server = start_in_process(options).await.expect("server starts");
    let db = match url {
        Some(url) => Db::Postgres(url),
        None => Db::Sqlite(
            server
                .issuer
                .data_dir
                .join(suikang_server::run::DATABASE_FILE),
        ),
    };
    (
        World {
            server,
            http: client(),
        },
        db,
    )
}

fn proxy(name: &str, number: &str, relationship: Relationship) -> ApplyProxyRequest {
    ApplyProxyRequest {
        name: name.into(),
        document: doc(number),
        relationship,
        co_resident_declared: true,
        reason: None,
        residence_district: None,
    }
}

fn declaration(code_id: Option<&str>, district: &str, days_ago: i64) -> HealthDeclarationRequest {
    HealthDeclarationRequest {
        code_id: code_id.map(str::to_owned),
        symptoms: Vec::new(),
        travel_from_key_area: Some(KeyAreaTravel {
            area: "武汉".into(),
            arrived_on: time::OffsetDateTime::now_utc().date() - Duration::days(days_ago),
            district: district.into(),
        }),
        district: None,
    }
}

#[tokio::test]
async fn every_refusal_of_every_mutating_endpoint_leaves_the_database_unchanged() {
    use ErrorCode as E;
    use StatusCode as S;
    let policy = Policy {
        max_relative_dependents: 1,
        ..Policy::default()
    };
    let (w, db) = world_and_db(policy).await;
    let p = Probe {
        db: &db,
        checked: std::cell::Cell::new(0),
    };

    // ---- the city as the refusals find it
    let (zhang, zhang_code) = w.resident_with_code("张小明", ZHANG_ID).await;
    let zhang_token = zhang.tokens.access_token.clone();
    let (li, _) = w.resident_with_code("李四", LI_ID).await;
    let li_token = li.tokens.access_token.clone();
    let grandmother = elder_id(1);
    let held: ApplyResponse = ok(w
        .post(
            "/v1/codes/apply-proxy",
            Some(&zhang_token),
            &proxy("李秀英", &grandmother, Relationship::AdultRelative),
        )
        .await)
    .await;
    let teen = w.sign_in("王小红", &teen_id()).await;
    let no_code = w.sign_in("赵一", &resident_id("44010619850612003")).await;
    let cdc = w
        .authority(AuthorityRole::Cdc, "guangzhou-cdc", "440100")
        .await;
    let yuexiu = w
        .authority(AuthorityRole::District, "yuexiu-district", "440104")
        .await;
    let haizhu_district = w
        .authority(AuthorityRole::District, "haizhu-district", "440105")
        .await;
    let haizhu_community = w
        .authority(AuthorityRole::Community, "binjiang-community", "440105")
        .await;
    let committee = w
        .server
        .create_institution(
            Relationship::ResidentsCommittee,
            "ximen-committee",
            "440104",
        )
        .await
        .unwrap();
    let gate = w.checkpoint().await;
    let _: ControlsResponse = ok(w
        .post(
            "/v1/authority/controls/impose",
            Some(&yuexiu),
            &ImposeControlRequest {
                document: doc(LI_ID),
                reason: ControlReason::HomeIsolation,
            },
        )
        .await)
    .await;
    let _: HealthDeclarationResponse = ok(w
        .post(
            "/v1/health-declarations",
            Some(&zhang_token),
            &declaration(None, "440104", 2),
        )
        .await)
    .await;

    // ---- login/start
    let start = |name: &str, number: &str| LoginStartRequest {
        name: name.into(),
        document: doc(number),
    };
    p.refused_unchanged(
        "login/start, a document number with a wrong check digit",
        async || {
            w.post(
                "/v1/login/start",
                None,
                &start("张小明", "110105194912310021"),
            )
            .await
        },
        S::UNPROCESSABLE_ENTITY,
        E::InvalidDocumentNumber,
    )
    .await;
    p.refused_unchanged(
        "login/start, a name with a right-to-left override",
        async || {
            w.post("/v1/login/start", None, &start("\u{202e}张小明", ZHANG_ID))
                .await
        },
        S::UNPROCESSABLE_ENTITY,
        E::InvalidName,
    )
    .await;
    p.refused_unchanged(
        "login/start, not JSON",
        async || {
            w.http
                .post(w.url("/v1/login/start"))
                .header("content-type", "application/json")
                .body("{not json")
                .send()
                .await
                .unwrap()
        },
        S::BAD_REQUEST,
        E::MalformedJson,
    )
    .await;
    p.refused_unchanged(
        "login/start, a missing field",
        async || {
            w.post(
                "/v1/login/start",
                None,
                &serde_json::json!({"name": "张小明"}),
            )
            .await
        },
        S::UNPROCESSABLE_ENTITY,
        E::InvalidRequest,
    )
    .await;
    // Locked out after failed face checks (the failures are bookkeeping).
    let locked = resident_id("44010619700101004");
    for _ in 0..5 {
        let challenge = w.challenge("钱七", &locked).await;
        let device = ed25519_dalek::SigningKey::from_bytes(&rand_bytes());
        let r = w
            .post(
                "/v1/login/finish",
                None,
                &w.finish_request(&challenge, FaceCapture::Mismatch, &device),
            )
            .await;
        assert_eq!(r.status(), S::UNAUTHORIZED);
    }
    p.refused_unchanged(
        "login/start, locked after five failed face checks",
        async || {
            w.post("/v1/login/start", None, &start("钱七", &locked))
                .await
        },
        S::TOO_MANY_REQUESTS,
        E::LoginLocked,
    )
    .await;

    // ---- login/finish
    let device = ed25519_dalek::SigningKey::from_bytes(&rand_bytes());
    for (what, capture, code) in [
        (
            "a face that does not match",
            FaceCapture::Mismatch,
            E::FaceMismatch,
        ),
        ("a spoof", FaceCapture::Spoof, E::LivenessFailed),
    ] {
        let challenge = w.challenge("张小明", ZHANG_ID).await;
        let finish = w.finish_request(&challenge, capture, &device);
        p.refused_unchanged(
            &format!("login/finish, {what}"),
            async || w.post("/v1/login/finish", None, &finish).await,
            S::UNAUTHORIZED,
            code,
        )
        .await;
    }
    let challenge = w.challenge("张小明", ZHANG_ID).await;
    let mut forged = w.finish_request(&challenge, FaceCapture::Match, &device);
    forged.face_result.signature = hex::encode([7u8; 64]);
    p.refused_unchanged(
        "login/finish, a face result the vendor never signed",
        async || w.post("/v1/login/finish", None, &forged).await,
        S::UNAUTHORIZED,
        E::FaceResultInvalid,
    )
    .await;
    let challenge = w.challenge("张小明", ZHANG_ID).await;
    let mut unbound = w.finish_request(&challenge, FaceCapture::Match, &device);
    let other = ed25519_dalek::SigningKey::from_bytes(&rand_bytes());
    unbound.device_public_key = hex::encode(other.verifying_key().to_bytes());
    p.refused_unchanged(
        "login/finish, a device key that did not sign the challenge",
        async || w.post("/v1/login/finish", None, &unbound).await,
        S::UNAUTHORIZED,
        E::DeviceBindingInvalid,
    )
    .await;
    p.refused_unchanged(
        "login/finish, a challenge already answered",
        async || w.post("/v1/login/finish", None, &unbound).await,
        S::CONFLICT,
        E::ChallengeAlreadyUsed,
    )
    .await;
    let mut unknown = unbound.clone();
    unknown.challenge_id = "00".repeat(16);
    p.refused_unchanged(
        "login/finish, no such challenge",
        async || w.post("/v1/login/finish", None, &unknown).await,
        S::NOT_FOUND,
        E::ChallengeNotFound,
    )
    .await;
    let mut garbled = unbound.clone();
    garbled.device_public_key = "zz".into();
    p.refused_unchanged(
        "login/finish, a device key that is not hex",
        async || w.post("/v1/login/finish", None, &garbled).await,
        S::UNPROCESSABLE_ENTITY,
        E::InvalidEncoding,
    )
    .await;
    let challenge = w.challenge("张小明", ZHANG_ID).await;
    let late = w.finish_request(&challenge, FaceCapture::Match, &device);
    w.server.advance_clock(Duration::hours(1));
    p.refused_unchanged(
        "login/finish, the challenge expired",
        async || w.post("/v1/login/finish", None, &late).await,
        S::GONE,
        E::ChallengeExpired,
    )
    .await;

    // ---- session/refresh and logout (the clock moved an hour: sign in again)
    let zhang = w.sign_in("张小明", ZHANG_ID).await;
    let zhang_token = zhang.tokens.access_token.clone();
    let li = w.sign_in("李四", LI_ID).await;
    let li_token = {
        let _ = li_token;
        li.tokens.access_token.clone()
    };
    let teen_token = w.sign_in("王小红", &teen_id()).await.tokens.access_token;
    let no_code_token = w
        .sign_in("赵一", &resident_id("44010619850612003"))
        .await
        .tokens
        .access_token;
    let _ = (teen, no_code);
    let refresh = |t: &str| RefreshRequest {
        refresh_token: t.into(),
    };
    p.refused_unchanged(
        "session/refresh, not a refresh token",
        async || w.post("/v1/session/refresh", None, &refresh("hello")).await,
        S::UNAUTHORIZED,
        E::InvalidToken,
    )
    .await;
    p.refused_unchanged(
        "session/refresh, a refresh token nobody was given",
        async || {
            w.post(
                "/v1/session/refresh",
                None,
                &refresh("skr_nobody-was-given-this"),
            )
            .await
        },
        S::UNAUTHORIZED,
        E::InvalidToken,
    )
    .await;
    let spare = w.sign_in("王小红", &teen_id()).await;
    let rotated: SessionTokens = ok(w
        .post(
            "/v1/session/refresh",
            None,
            &refresh(&spare.tokens.refresh_token),
        )
        .await)
    .await;
    p.refused_changing_only(
        "session/refresh, a refresh token used twice (revokes its session, by design)",
        async || {
            w.post(
                "/v1/session/refresh",
                None,
                &refresh(&spare.tokens.refresh_token),
            )
            .await
        },
        S::UNAUTHORIZED,
        E::RefreshTokenReused,
        &["sessions"],
    )
    .await;
    p.refused_unchanged(
        "session/refresh, the session was revoked",
        async || {
            w.post(
                "/v1/session/refresh",
                None,
                &refresh(&rotated.refresh_token),
            )
            .await
        },
        S::UNAUTHORIZED,
        E::RefreshTokenReused,
    )
    .await;
    let teen_token = {
        let _ = teen_token;
        w.sign_in("王小红", &teen_id()).await.tokens.access_token
    };
    for (what, token, status, code) in [
        ("no token", None, S::UNAUTHORIZED, E::MissingToken),
        (
            "a token nobody was given",
            Some("ska_nobody-was-given-this"),
            S::UNAUTHORIZED,
            E::InvalidToken,
        ),
        (
            "an authority's token",
            Some(cdc.as_str()),
            S::FORBIDDEN,
            E::WrongAccountKind,
        ),
        (
            "a checkpoint's token",
            Some(gate.as_str()),
            S::FORBIDDEN,
            E::WrongAccountKind,
        ),
    ] {
        p.refused_unchanged(
            &format!("session/logout, {what}"),
            async || {
                w.post("/v1/session/logout", token, &serde_json::json!({}))
                    .await
            },
            status,
            code,
        )
        .await;
    }

    // ---- codes/apply-self
    for (what, token, status, code) in [
        ("no token", None, S::UNAUTHORIZED, E::MissingToken),
        (
            "a committee's token",
            Some(committee.as_str()),
            S::FORBIDDEN,
            E::WrongAccountKind,
        ),
        (
            "an authority's token",
            Some(cdc.as_str()),
            S::FORBIDDEN,
            E::WrongAccountKind,
        ),
        (
            "a checkpoint's token",
            Some(gate.as_str()),
            S::FORBIDDEN,
            E::WrongAccountKind,
        ),
    ] {
        p.refused_unchanged(
            &format!("codes/apply-self, {what}"),
            async || {
                w.post("/v1/codes/apply-self", token, &ApplySelfRequest {})
                    .await
            },
            status,
            code,
        )
        .await;
    }

    // ---- codes/apply-proxy: each refusal, first-time dependents included
    // (issue 11, finding 2: the person row was written before the checks).
    let child = child_id();
    let adult41 = resident_id("44010619850101005");
    let cases: Vec<(&str, &str, ApplyProxyRequest, StatusCode, ErrorCode)> = vec![
        (
            "a wrong check digit",
            &li_token,
            proxy("王小明", "440106201503150011", Relationship::AdultRelative),
            S::UNPROCESSABLE_ENTITY,
            E::InvalidDocumentNumber,
        ),
        (
            "a name with a zero-width space",
            &li_token,
            proxy("王\u{200b}小明", &child, Relationship::AdultRelative),
            S::UNPROCESSABLE_ENTITY,
            E::InvalidName,
        ),
        (
            "co-residence not declared",
            &li_token,
            ApplyProxyRequest {
                co_resident_declared: false,
                ..proxy("王小明", &child, Relationship::AdultRelative)
            },
            S::UNPROCESSABLE_ENTITY,
            E::CoResidenceNotDeclared,
        ),
        (
            "for oneself",
            &li_token,
            proxy("李四", LI_ID, Relationship::AdultRelative),
            S::UNPROCESSABLE_ENTITY,
            E::CannotProxyForSelf,
        ),
        (
            "a resident claiming to be a committee",
            &li_token,
            proxy("王小明", &child, Relationship::ResidentsCommittee),
            S::UNPROCESSABLE_ENTITY,
            E::RelationshipMismatch,
        ),
        (
            "a guardian under 18",
            &teen_token,
            proxy("王小明", &child, Relationship::AdultRelative),
            S::FORBIDDEN,
            E::GuardianUnderAge,
        ),
        (
            "an adult of 41 with no reason stated",
            &li_token,
            proxy("陈大文", &adult41, Relationship::AdultRelative),
            S::UNPROCESSABLE_ENTITY,
            E::DependentNotEligible,
        ),
        (
            "someone who holds their own code",
            &li_token,
            proxy("张小明", ZHANG_ID, Relationship::AdultRelative),
            S::CONFLICT,
            E::HolderHasOwnCode,
        ),
        (
            "a stranger naming a registered elder wrongly",
            &li_token,
            proxy("李秀兰", &grandmother, Relationship::AdultRelative),
            S::CONFLICT,
            E::JoinRequestPending,
        ),
        (
            "more dependents than a relative may hold",
            &zhang_token,
            proxy("王小明", &child, Relationship::AdultRelative),
            S::CONFLICT,
            E::TooManyDependents,
        ),
        (
            "a committee for someone outside its district",
            &committee,
            ApplyProxyRequest {
                residence_district: Some("440105".into()),
                ..proxy("王小明", &child, Relationship::ResidentsCommittee)
            },
            S::FORBIDDEN,
            E::OutsideDistrict,
        ),
        (
            "a committee naming no district",
            &committee,
            proxy("王小明", &child, Relationship::ResidentsCommittee),
            S::UNPROCESSABLE_ENTITY,
            E::ResidenceDistrictRequired,
        ),
        (
            "a committee naming an unknown district",
            &committee,
            ApplyProxyRequest {
                residence_district: Some("火星".into()),
                ..proxy("王小明", &child, Relationship::ResidentsCommittee)
            },
            S::UNPROCESSABLE_ENTITY,
            E::UnknownDistrict,
        ),
        (
            "an authority",
            &cdc,
            proxy("王小明", &child, Relationship::AdultRelative),
            S::FORBIDDEN,
            E::WrongAccountKind,
        ),
        (
            "a checkpoint",
            &gate,
            proxy("王小明", &child, Relationship::AdultRelative),
            S::FORBIDDEN,
            E::WrongAccountKind,
        ),
    ];
    for (what, token, body, status, code) in &cases {
        p.refused_unchanged(
            &format!("codes/apply-proxy, {what}"),
            async || w.post("/v1/codes/apply-proxy", Some(token), body).await,
            *status,
            *code,
        )
        .await;
    }
    // The registered name: the same answer, and a join request for the
    // guardian to decide is all that is written (DESIGN §2).
    p.refused_changing_only(
        "codes/apply-proxy, a stranger naming a registered elder rightly",
        async || {
            w.post(
                "/v1/codes/apply-proxy",
                Some(&li_token),
                &proxy("李秀英", &grandmother, Relationship::AdultRelative),
            )
            .await
        },
        S::CONFLICT,
        E::JoinRequestPending,
        &["join_requests", "guardianship_log"],
    )
    .await;
    let with_reason = ApplyProxyRequest {
        reason: Some(DeviceReason::Other {
            text: "\u{202e}".repeat(3),
        }),
        ..proxy("陈大文", &adult41, Relationship::AdultRelative)
    };
    let r = w
        .post("/v1/codes/apply-proxy", Some(&li_token), &with_reason)
        .await;
    assert!(
        r.status().is_client_error(),
        "a reason of control characters"
    );

    // ---- DELETE /v1/dependents/{code}
    for (what, token, path, status, code) in [
        (
            "another guardian's dependent",
            li_token.as_str(),
            format!("/v1/dependents/{}", held.code_id),
            S::NOT_FOUND,
            E::CodeNotFound,
        ),
        (
            "one's own code",
            zhang_token.as_str(),
            format!("/v1/dependents/{}", zhang_code.code_id),
            S::NOT_FOUND,
            E::CodeNotFound,
        ),
        (
            "a malformed code id",
            zhang_token.as_str(),
            "/v1/dependents/xyz".to_owned(),
            S::NOT_FOUND,
            E::CodeNotFound,
        ),
        (
            "an authority",
            cdc.as_str(),
            format!("/v1/dependents/{}", held.code_id),
            S::FORBIDDEN,
            E::WrongAccountKind,
        ),
    ] {
        p.refused_unchanged(
            &format!("DELETE dependents, {what}"),
            async || {
                w.http
                    .delete(w.url(&path))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
            },
            status,
            code,
        )
        .await;
    }

    // ---- join requests: approve and decline
    // 李四's request for the grandmother (made above) waits for 张小明; 张小明
    // asks to join 周老太, whom 赵一 holds, while holding his one allowed
    // dependent already.
    let zhao = no_code_token.clone();
    let _: ApplyResponse = ok(w
        .post(
            "/v1/codes/apply-proxy",
            Some(&zhao),
            &proxy("周老太", &elder_id(2), Relationship::AdultRelative),
        )
        .await)
    .await;
    let r = w
        .post(
            "/v1/codes/apply-proxy",
            Some(&zhang_token),
            &proxy("周老太", &elder_id(2), Relationship::AdultRelative),
        )
        .await;
    assert_eq!(r.status(), S::CONFLICT, "张小明 asks to join 周老太");
    let pending = |token: String| {
        let w = &w;
        async move {
            let listed: JoinRequestsResponse =
                ok(w.get("/v1/join-requests", Some(&token)).await).await;
            assert_eq!(listed.requests.len(), 1, "one request waits");
            listed.requests[0].request_id.clone()
        }
    };
    let li_asks = pending(zhang_token.clone()).await;
    let zhang_asks = pending(zhao.clone()).await;
    let decide = async |token: &str, id: &str, verb: &str| {
        w.post(
            &format!("/v1/join-requests/{id}/{verb}"),
            Some(token),
            &DecideJoinRequest {},
        )
        .await
    };
    for verb in ["approve", "decline"] {
        for (what, token, id, status, code) in [
            (
                "by someone who is not the dependent's guardian",
                li_token.as_str(),
                li_asks.as_str(),
                S::FORBIDDEN,
                E::NotYourDependent,
            ),
            (
                "of a request nobody made",
                zhang_token.as_str(),
                "00000000000000ff",
                S::NOT_FOUND,
                E::JoinRequestNotFound,
            ),
            (
                "of a malformed request id",
                zhang_token.as_str(),
                "xyz",
                S::NOT_FOUND,
                E::JoinRequestNotFound,
            ),
            (
                "by an authority",
                cdc.as_str(),
                li_asks.as_str(),
                S::FORBIDDEN,
                E::WrongAccountKind,
            ),
        ] {
            p.refused_unchanged(
                &format!("join-requests/{verb}, {what}"),
                async || decide(token, id, verb).await,
                status,
                code,
            )
            .await;
        }
    }
    p.refused_unchanged(
        "join-requests/approve, a requester holding as many dependents as allowed",
        async || decide(&zhao, &zhang_asks, "approve").await,
        S::CONFLICT,
        E::TooManyDependents,
    )
    .await;
    let _: serde_json::Value = ok(decide(&zhang_token, &li_asks, "decline").await).await;
    for verb in ["approve", "decline"] {
        p.refused_unchanged(
            &format!("join-requests/{verb}, a request decided already"),
            async || decide(&zhang_token, &li_asks, verb).await,
            S::CONFLICT,
            E::JoinRequestAlreadyDecided,
        )
        .await;
    }

    // ---- health declarations
    let cases: Vec<(&str, &str, HealthDeclarationRequest, StatusCode, ErrorCode)> = vec![
        (
            "an unknown district",
            &zhang_token,
            declaration(None, "火星", 1),
            S::UNPROCESSABLE_ENTITY,
            E::UnknownDistrict,
        ),
        (
            "symptoms, where one is: an unknown district",
            &zhang_token,
            HealthDeclarationRequest {
                code_id: None,
                symptoms: vec![Symptom::Fever],
                travel_from_key_area: None,
                district: Some("haizhu-dao".into()),
            },
            S::UNPROCESSABLE_ENTITY,
            E::UnknownDistrict,
        ),
        (
            "an arrival in the future",
            &zhang_token,
            declaration(None, "440104", -3),
            S::UNPROCESSABLE_ENTITY,
            E::ArrivalDateOutOfRange,
        ),
        (
            "an arrival 31 days back",
            &zhang_token,
            declaration(None, "440104", 31),
            S::UNPROCESSABLE_ENTITY,
            E::ArrivalDateOutOfRange,
        ),
        (
            "an empty area",
            &zhang_token,
            HealthDeclarationRequest {
                travel_from_key_area: Some(KeyAreaTravel {
                    area: " ".into(),
                    arrived_on: time::OffsetDateTime::now_utc().date(),
                    district: "440104".into(),
                }),
                district: None,
                ..declaration(None, "440104", 1)
            },
            S::UNPROCESSABLE_ENTITY,
            E::InvalidRequest,
        ),
        (
            "someone else's dependent",
            &li_token,
            declaration(Some(&held.code_id), "440104", 1),
            S::NOT_FOUND,
            E::CodeNotFound,
        ),
        (
            "no code yet",
            &no_code_token,
            declaration(None, "440104", 1),
            S::NOT_FOUND,
            E::NoCodeYet,
        ),
        (
            "an authority",
            &cdc,
            declaration(None, "440104", 1),
            S::FORBIDDEN,
            E::WrongAccountKind,
        ),
    ];
    for (what, token, body, status, code) in &cases {
        p.refused_unchanged(
            &format!("health-declarations, {what}"),
            async || w.post("/v1/health-declarations", Some(token), body).await,
            *status,
            *code,
        )
        .await;
    }

    // ---- authority: impose, release, hand over
    let impose = |number: &str, reason| ImposeControlRequest {
        document: doc(number),
        reason,
    };
    let release = |number: &str, reason| ReleaseControlRequest {
        document: doc(number),
        reason,
    };
    let unknown_person = resident_id("44010619900101006");
    let cases: Vec<(&str, &str, &str, serde_json::Value, StatusCode, ErrorCode)> = vec![
        (
            "impose, a resident",
            "/v1/authority/controls/impose",
            &zhang_token,
            serde_json::to_value(impose(&unknown_person, ControlReason::CloseContact)).unwrap(),
            S::FORBIDDEN,
            E::WrongAccountKind,
        ),
        (
            "impose, a reason the district does not manage",
            "/v1/authority/controls/impose",
            &yuexiu,
            serde_json::to_value(impose(&unknown_person, ControlReason::ConfirmedCase)).unwrap(),
            S::FORBIDDEN,
            E::MayNotImpose,
        ),
        (
            "impose, an invalid document",
            "/v1/authority/controls/impose",
            &cdc,
            serde_json::to_value(impose("123", ControlReason::CloseContact)).unwrap(),
            S::UNPROCESSABLE_ENTITY,
            E::InvalidDocumentNumber,
        ),
        (
            "impose, already active",
            "/v1/authority/controls/impose",
            &yuexiu,
            serde_json::to_value(impose(LI_ID, ControlReason::HomeIsolation)).unwrap(),
            S::CONFLICT,
            E::ControlAlreadyActive,
        ),
        (
            "release, nobody known by that document",
            "/v1/authority/controls/release",
            &cdc,
            serde_json::to_value(release(&unknown_person, ControlReason::CloseContact)).unwrap(),
            S::NOT_FOUND,
            E::PersonNotFound,
        ),
        (
            "release, a control not active",
            "/v1/authority/controls/release",
            &cdc,
            serde_json::to_value(release(LI_ID, ControlReason::CloseContact)).unwrap(),
            S::NOT_FOUND,
            E::ControlNotActive,
        ),
        (
            "release, a kind of organisation that may not",
            "/v1/authority/controls/release",
            &cdc,
            serde_json::to_value(release(LI_ID, ControlReason::HomeIsolation)).unwrap(),
            S::FORBIDDEN,
            E::MayNotRelease,
        ),
        (
            "release, not the executing district",
            "/v1/authority/controls/release",
            &haizhu_district,
            serde_json::to_value(release(LI_ID, ControlReason::HomeIsolation)).unwrap(),
            S::FORBIDDEN,
            E::NotTheExecutingOrganisation,
        ),
        (
            "release, a community of another district",
            "/v1/authority/controls/release",
            &haizhu_community,
            serde_json::to_value(release(ZHANG_ID, ControlReason::ArrivalFromKeyArea)).unwrap(),
            S::FORBIDDEN,
            E::OutsideDistrict,
        ),
        (
            "release, a committee",
            "/v1/authority/controls/release",
            &committee,
            serde_json::to_value(release(LI_ID, ControlReason::HomeIsolation)).unwrap(),
            S::FORBIDDEN,
            E::WrongAccountKind,
        ),
    ];
    for (what, path, token, body, status, code) in &cases {
        p.refused_unchanged(
            what,
            async || w.post(path, Some(token), body).await,
            *status,
            *code,
        )
        .await;
    }
    let yuexiu_community = w
        .authority(AuthorityRole::Community, "ximen-community", "440104")
        .await;
    let _hospital = w
        .authority(
            AuthorityRole::MedicalInstitution,
            "guangzhou-eighth-hospital",
            "440111",
        )
        .await;
    let hand = |number: &str, reason, to: &str| HandOverControlRequest {
        document: doc(number),
        reason,
        to_organisation: to.into(),
    };
    let home = ControlReason::HomeIsolation;
    let arrival = ControlReason::ArrivalFromKeyArea;
    let hospital = "guangzhou-eighth-hospital";
    let cases: Vec<(&str, &str, HandOverControlRequest, StatusCode, ErrorCode)> = vec![
        (
            "a resident",
            &zhang_token,
            hand(LI_ID, home, hospital),
            S::FORBIDDEN,
            E::WrongAccountKind,
        ),
        (
            "a committee",
            &committee,
            hand(LI_ID, home, hospital),
            S::FORBIDDEN,
            E::WrongAccountKind,
        ),
        (
            "an invalid document",
            &yuexiu,
            hand("123", home, hospital),
            S::UNPROCESSABLE_ENTITY,
            E::InvalidDocumentNumber,
        ),
        (
            "nobody known by that document",
            &yuexiu,
            hand(&unknown_person, home, hospital),
            S::NOT_FOUND,
            E::PersonNotFound,
        ),
        (
            "a control not active",
            &yuexiu,
            hand(LI_ID, ControlReason::CloseContact, hospital),
            S::NOT_FOUND,
            E::ControlNotActive,
        ),
        (
            "a kind of organisation that may not release it",
            &cdc,
            hand(LI_ID, home, hospital),
            S::FORBIDDEN,
            E::MayNotRelease,
        ),
        (
            "not the executing district",
            &haizhu_district,
            hand(LI_ID, home, hospital),
            S::FORBIDDEN,
            E::NotTheExecutingOrganisation,
        ),
        (
            "to a kind that does not execute it",
            &yuexiu,
            hand(LI_ID, home, "guangzhou-cdc"),
            S::FORBIDDEN,
            E::RecipientMayNotExecute,
        ),
        (
            "to an organisation without an account",
            &yuexiu,
            hand(LI_ID, home, "a-hospital-nobody-created"),
            S::NOT_FOUND,
            E::RecipientNotFound,
        ),
        (
            "by a community of another district",
            &haizhu_community,
            hand(ZHANG_ID, arrival, "ximen-community"),
            S::FORBIDDEN,
            E::OutsideDistrict,
        ),
        (
            "to a community of another district",
            &yuexiu_community,
            hand(ZHANG_ID, arrival, "binjiang-community"),
            S::FORBIDDEN,
            E::OutsideDistrict,
        ),
    ];
    for (what, token, body, status, code) in &cases {
        p.refused_unchanged(
            &format!("hand-over, {what}"),
            async || {
                w.post("/v1/authority/controls/hand-over", Some(token), body)
                    .await
            },
            *status,
            *code,
        )
        .await;
    }
    // ---- the online check changes nothing either, refused or not
    p.refused_unchanged(
        "verify, no token",
        async || {
            w.post(
                "/v1/verify",
                None,
                &OnlineVerifyRequest {
                    qr_text: "SK1:X".into(),
                },
            )
            .await
        },
        S::UNAUTHORIZED,
        E::MissingToken,
    )
    .await;
    assert!(
        p.checked.get() >= 60,
        "{} refusals checked",
        p.checked.get()
    );
}
