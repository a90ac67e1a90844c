//! A resident's and a guardian's phone against the real server on loopback:
//! login with the face handoff, sync, restart, offline, another device.

use suikang_core::{CoreError, NetworkState, ProxyApplication, SubmitOutcome};
use suikang_protocol::api::{CodeRole, FaceCapture, Symptom};
use suikang_protocol::{Color, DocumentKind, Relationship, TrustList, VerificationPolicy, verify};
use suikang_testkit::*;
use time::Duration;

#[tokio::test]
async fn a_resident_signs_in_with_a_face_check_and_gets_a_blue_code_that_verifies() {
    let server = Server::start().await;
    let (phone, app) = server.resident(RESIDENT_NAME, RESIDENT_ID).await;
    let status = app.status().unwrap();
    assert!(status.signed_in);
    assert_eq!(status.session.as_ref().unwrap().masked_name, "张*明");
    assert_eq!(status.network, NetworkState::Online);

    let codes = app.codes().unwrap();
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0].role, CodeRole::Own);
    assert_eq!(codes[0].color, Color::Blue);
    assert_eq!(codes[0].masked_document, "1101**********002X");
    assert!(!codes[0].refresh_needed);

    let shown = app.present(None).unwrap();
    let list = app.trust_list().unwrap().expect("synced with the codes");
    let verified = verify(
        &shown.qr_text,
        &list,
        phone.clock.now(),
        &VerificationPolicy::default(),
    )
    .unwrap();
    assert_eq!(verified.color, Color::Blue);
    assert_eq!(verified.masked_name, "张*明");
}

use suikang_core::Clock;

#[tokio::test]
async fn a_failed_face_check_signs_no_one_in_and_says_why() {
    let server = Server::start().await;
    let phone = Phone::new(&server.url(), server.root());
    let app = phone.open();
    phone.face.set(Some(FaceCapture::Mismatch));
    assert_eq!(
        app.login(RESIDENT_NAME, DocumentKind::ResidentId, RESIDENT_ID)
            .await
            .unwrap_err(),
        CoreError::FaceMismatch
    );
    phone.face.set(Some(FaceCapture::Spoof));
    assert_eq!(
        app.login(RESIDENT_NAME, DocumentKind::ResidentId, RESIDENT_ID)
            .await
            .unwrap_err(),
        CoreError::LivenessFailed
    );
    phone.face.set(None);
    assert_eq!(
        app.login(RESIDENT_NAME, DocumentKind::ResidentId, RESIDENT_ID)
            .await
            .unwrap_err(),
        CoreError::FaceCheckCancelled
    );
    assert!(!app.status().unwrap().signed_in);
}

#[tokio::test]
async fn five_failed_face_checks_lock_the_document() {
    let server = Server::start().await;
    let phone = Phone::new(&server.url(), server.root());
    let app = phone.open();
    phone.face.set(Some(FaceCapture::Mismatch));
    for _ in 0..5 {
        assert_eq!(
            app.login(RESIDENT_NAME, DocumentKind::ResidentId, RESIDENT_ID)
                .await
                .unwrap_err(),
            CoreError::FaceMismatch
        );
    }
    phone.face.set(Some(FaceCapture::Match));
    assert!(matches!(
        app.login(RESIDENT_NAME, DocumentKind::ResidentId, RESIDENT_ID)
            .await
            .unwrap_err(),
        CoreError::LockedOut { .. }
    ));
}

#[tokio::test]
async fn an_invalid_document_is_refused_before_anything_is_sent() {
    // No server at all: the check is on the phone.
    let phone = Phone::new("http://127.0.0.1:9", [0; 32]);
    let app = phone.open();
    assert!(matches!(
        app.login(
            RESIDENT_NAME,
            DocumentKind::ResidentId,
            "11010519491231003X"
        )
        .await
        .unwrap_err(),
        CoreError::InvalidDocumentNumber(suikang_protocol::DocumentError::CheckDigitMismatch)
    ));
    assert!(matches!(
        app.login("", DocumentKind::ResidentId, RESIDENT_ID)
            .await
            .unwrap_err(),
        CoreError::InvalidName(_)
    ));
    assert_eq!(app.status().unwrap().network, NetworkState::Unknown);
}

#[tokio::test]
async fn a_restart_restores_the_session_and_shows_the_code_without_the_network() {
    let server = Server::start().await;
    let proxy = FaultProxy::start(server.running.addr).await;
    let phone = Phone::new(&proxy.url(), server.root());
    let app = phone.open();
    app.login(RESIDENT_NAME, DocumentKind::ResidentId, RESIDENT_ID)
        .await
        .unwrap();
    app.apply_self().await.unwrap();
    drop(app);

    proxy.down();
    let app = phone.open();
    let status = app.status().unwrap();
    assert!(status.signed_in, "no new face check after a restart");
    assert!(status.last_synced_at.is_some());
    let shown = app.present(None).unwrap();
    assert_eq!(shown.code.color, Color::Blue);
    let list = app.trust_list().unwrap().unwrap();
    assert!(
        verify(
            &shown.qr_text,
            &list,
            phone.clock.now(),
            &VerificationPolicy::default()
        )
        .is_ok()
    );

    assert_eq!(app.sync().await.unwrap_err(), CoreError::NetworkUnavailable);
    assert_eq!(app.status().unwrap().network, NetworkState::Offline);
    // Still shows, offline, and still signs fresh presentations.
    phone.clock.advance(Duration::seconds(40));
    let later = app.present(None).unwrap();
    assert!(later.presented_at > shown.presented_at);
    assert_ne!(later.qr_text, shown.qr_text);
}

#[tokio::test]
async fn a_credential_past_its_expiry_says_refresh_needed_until_a_sync() {
    let server = Server::start().await;
    let (phone, app) = server.resident(RESIDENT_NAME, RESIDENT_ID).await;
    phone.clock.advance(Duration::hours(25));
    let code = &app.codes().unwrap()[0];
    assert!(code.refresh_needed);
    let list = app.trust_list().unwrap().unwrap();
    let stale = app.present(None).unwrap();
    assert_eq!(
        verify(
            &stale.qr_text,
            &list,
            phone.clock.now(),
            &VerificationPolicy::default()
        )
        .unwrap_err(),
        suikang_protocol::Refusal::CredentialExpired
    );
    server.running.advance_clock(Duration::hours(25));
    app.sync().await.unwrap();
    assert!(!app.codes().unwrap()[0].refresh_needed);
    let fresh = app.present(None).unwrap();
    assert!(
        verify(
            &fresh.qr_text,
            &list,
            phone.clock.now(),
            &VerificationPolicy::default()
        )
        .is_ok()
    );
}

#[tokio::test]
async fn access_tokens_refresh_by_rotation() {
    let server = Server::start().await;
    let (phone, app) = server.resident(RESIDENT_NAME, RESIDENT_ID).await;
    server.running.advance_clock(Duration::hours(2));
    phone.clock.advance(Duration::hours(2));
    app.sync().await.unwrap();
    server.running.advance_clock(Duration::hours(2));
    phone.clock.advance(Duration::hours(2));
    app.sync().await.unwrap();
    assert!(app.status().unwrap().signed_in);
}

#[tokio::test]
async fn signing_in_on_another_phone_ends_this_ones_session() {
    let server = Server::start().await;
    let (_first_phone, first) = server.resident(RESIDENT_NAME, RESIDENT_ID).await;
    let second_phone = Phone::new(&server.url(), server.root());
    let second = second_phone.open();
    second
        .login(RESIDENT_NAME, DocumentKind::ResidentId, RESIDENT_ID)
        .await
        .unwrap();

    assert_eq!(
        first.sync().await.unwrap_err(),
        CoreError::SignedInElsewhere
    );
    let status = first.status().unwrap();
    assert!(!status.signed_in);
    assert!(status.signed_in_elsewhere);
    // It stops using the old credentials: asking again says the same, locally.
    assert_eq!(
        first.sync().await.unwrap_err(),
        CoreError::SignedInElsewhere
    );
    assert_eq!(second.codes().unwrap()[0].color, Color::Blue);
}

#[tokio::test]
async fn a_guardian_adds_a_grandmother_whose_code_is_green_and_then_removes_her() {
    let server = Server::start().await;
    let (_phone, app) = server.resident(RESIDENT_NAME, RESIDENT_ID).await;
    app.apply_proxy(&ProxyApplication::new(
        GRANDMOTHER_NAME,
        DocumentKind::ResidentId,
        GRANDMOTHER_ID,
        Relationship::AdultRelative,
        true,
    ))
    .await
    .unwrap();
    let codes = app.codes().unwrap();
    assert_eq!(codes.len(), 2);
    assert_eq!(
        (codes[0].role, codes[0].color),
        (CodeRole::Own, Color::Blue)
    );
    assert_eq!(
        (codes[1].role, codes[1].color),
        (CodeRole::Dependent, Color::Green)
    );
    assert_eq!(codes[1].masked_name, "李*英");
    assert!(app.present(Some(&codes[1].code_id)).is_ok());
    let printed = app.printed_code(&codes[1].code_id).await.unwrap();
    assert!(printed.qr_text.starts_with("SK1:"));

    assert_eq!(
        app.remove_dependent(&codes[1].code_id).await.unwrap(),
        SubmitOutcome::Delivered
    );
    assert_eq!(app.codes().unwrap().len(), 1);
    assert_eq!(
        app.remove_dependent(&codes[0].code_id).await.unwrap_err(),
        CoreError::CodeNotFound
    );
}

#[tokio::test]
async fn a_relative_without_declared_co_residence_is_refused_and_nothing_changes() {
    let server = Server::start().await;
    let (_phone, app) = server.resident(RESIDENT_NAME, RESIDENT_ID).await;
    let refused = app
        .apply_proxy(&ProxyApplication::new(
            GRANDMOTHER_NAME,
            DocumentKind::ResidentId,
            GRANDMOTHER_ID,
            Relationship::AdultRelative,
            false,
        ))
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        CoreError::Refused {
            code: suikang_protocol::api::ErrorCode::CoResidenceNotDeclared,
            ..
        }
    ));
    assert_eq!(app.codes().unwrap().len(), 1);
}

#[tokio::test]
async fn a_declaration_made_offline_is_queued_and_delivered_once_when_the_network_returns() {
    let server = Server::start().await;
    let proxy = FaultProxy::start(server.running.addr).await;
    let phone = Phone::new(&proxy.url(), server.root());
    let app = phone.open();
    app.login(RESIDENT_NAME, DocumentKind::ResidentId, RESIDENT_ID)
        .await
        .unwrap();
    app.apply_self().await.unwrap();

    proxy.down();
    assert_eq!(
        app.declare(None, vec![Symptom::Cough], None).await.unwrap(),
        SubmitOutcome::Queued
    );
    assert_eq!(app.status().unwrap().queued_actions, 1);
    assert_eq!(server.count("SELECT count(*) FROM declarations"), 0);
    // Queued across a restart too.
    drop(app);
    let app = phone.open();
    assert_eq!(app.status().unwrap().queued_actions, 1);

    proxy.up();
    let report = app.sync().await.unwrap();
    assert_eq!(report.delivered, 1);
    assert_eq!(app.status().unwrap().queued_actions, 0);
    app.sync().await.unwrap();
    assert_eq!(server.count("SELECT count(*) FROM declarations"), 1);
}

#[tokio::test]
async fn declaring_arrival_from_a_key_area_turns_the_code_red_after_the_sync() {
    let server = Server::start().await;
    let (phone, app) = server.resident(RESIDENT_NAME, RESIDENT_ID).await;
    let travel = suikang_protocol::api::KeyAreaTravel {
        area: "key area".into(),
        arrived_on: phone.clock.now().date(),
        district: "440104".into(),
    };
    assert_eq!(
        app.declare(None, vec![], Some(travel)).await.unwrap(),
        SubmitOutcome::Delivered
    );
    let code = &app.codes().unwrap()[0];
    assert_eq!(code.color, Color::Red);
    assert_eq!(
        code.controls,
        [suikang_protocol::ControlReason::ArrivalFromKeyArea]
    );
}

#[tokio::test]
async fn declaring_before_applying_says_no_code_yet_and_keeps_nothing_queued() {
    let server = Server::start().await;
    let phone = Phone::new(&server.url(), server.root());
    let app = phone.open();
    app.login(RESIDENT_NAME, DocumentKind::ResidentId, RESIDENT_ID)
        .await
        .unwrap();
    assert_eq!(
        app.declare(None, vec![Symptom::Fever], None)
            .await
            .unwrap_err(),
        CoreError::NoCodeYet
    );
    assert_eq!(app.status().unwrap().queued_actions, 0);
    // The refused declaration neither blocks a sync nor goes through later.
    app.sync().await.unwrap();
    app.apply_self().await.unwrap();
    assert_eq!(server.count("SELECT count(*) FROM declarations"), 0);
}

#[tokio::test]
async fn the_cache_file_holds_no_personal_data_in_the_clear() {
    let server = Server::start().await;
    let (phone, app) = server.resident(RESIDENT_NAME, RESIDENT_ID).await;
    app.apply_proxy(&ProxyApplication::new(
        GRANDMOTHER_NAME,
        DocumentKind::ResidentId,
        GRANDMOTHER_ID,
        Relationship::AdultRelative,
        true,
    ))
    .await
    .unwrap();
    app.declare(None, vec![Symptom::Fever], None).await.unwrap();
    let shown = app.present(None).unwrap();
    let credential = suikang_protocol::decode_payload(&shown.qr_text)
        .unwrap()
        .credential()
        .as_bytes()
        .to_vec();
    let bytes = cache_bytes(phone.dir.path());
    assert!(bytes.len() > 4096, "the cache was written");
    for needle in [
        RESIDENT_NAME,
        RESIDENT_ID,
        "张*明",
        "1101**********002X",
        GRANDMOTHER_NAME,
        GRANDMOTHER_ID,
        "李*英",
    ] {
        assert!(
            !contains(&bytes, needle.as_bytes()),
            "the cache holds a personal value in the clear"
        );
    }
    assert!(
        !contains(&bytes, &credential),
        "the cache holds the credential in the clear"
    );
    assert!(
        !contains(&bytes, &credential[20..60]),
        "the cache holds part of the credential in the clear"
    );
}

#[tokio::test]
async fn a_lost_keystore_key_resets_the_cache_and_the_next_sync_fills_it() {
    let server = Server::start().await;
    let (phone, app) = server.resident(RESIDENT_NAME, RESIDENT_ID).await;
    drop(app);
    use suikang_core::SecretStore;
    phone.secrets.delete("cache-data-key").unwrap();
    let app = phone.open();
    assert_eq!(
        app.status().unwrap().cache_recovery,
        Some(suikang_core::CacheRecovery::KeyLost)
    );
    assert!(
        app.codes().unwrap().is_empty(),
        "nothing unreadable is shown"
    );
    app.sync().await.unwrap();
    assert_eq!(app.codes().unwrap().len(), 1);
    assert_eq!(app.status().unwrap().cache_recovery, None);
}

#[tokio::test]
async fn a_trust_list_signed_by_another_root_is_refused() {
    let server = Server::start().await;
    let mut phone = Phone::new(&server.url(), server.root());
    phone.roots = vec![
        ed25519_dalek::SigningKey::from_bytes(&[7; 32])
            .verifying_key()
            .to_bytes(),
    ];
    let app = phone.open();
    app.login(RESIDENT_NAME, DocumentKind::ResidentId, RESIDENT_ID)
        .await
        .unwrap();
    assert!(matches!(
        app.sync().await.unwrap_err(),
        CoreError::TrustList(_)
    ));
    assert_eq!(app.trust_list().unwrap(), None::<TrustList>);
}

#[tokio::test]
async fn a_plain_http_server_that_is_not_on_loopback_is_refused_before_any_request() {
    let mut phone = Phone::new("http://127.0.0.1:9", [0; 32]);
    phone.server_url = "http://api.suikang.example".into();
    let config = suikang_core::AppConfig {
        data_dir: phone.dir.path().to_owned(),
        server_url: phone.server_url.clone(),
        trust_roots: phone.roots.clone(),
        pinned_server_key: None,
        extra_root_certificates: Vec::new(),
        retry: fast_retries(),
    };
    let opened = suikang_core::App::open(
        config.clone(),
        phone.secrets.clone(),
        phone.face.clone(),
        phone.clock.clone(),
    );
    assert_eq!(opened.err(), Some(CoreError::InsecureServerUrl));
    assert!(
        !phone.cache_path().exists(),
        "nothing is written for a refused address"
    );
    assert_eq!(
        suikang_core::AuthorityConsole::new(
            "http://10.0.0.5:8080",
            "skt_x",
            fast_retries(),
            std::sync::Arc::new(suikang_core::SystemClock)
        )
        .err(),
        Some(CoreError::InsecureServerUrl)
    );
    // https anywhere, and plain http to loopback, are fine.
    for url in ["https://api.suikang.example", "http://localhost:8080"] {
        let mut config = config.clone();
        config.server_url = url.into();
        assert!(
            suikang_core::App::open(
                config,
                phone.secrets.clone(),
                phone.face.clone(),
                phone.clock.clone()
            )
            .is_ok(),
            "{url}"
        );
    }
}

#[tokio::test]
async fn a_replaced_device_key_asks_for_a_new_login_not_a_sync() {
    use suikang_core::{Banner, Screen, SecretStore};
    let server = Server::start().await;
    let (phone, app) = server.resident(RESIDENT_NAME, RESIDENT_ID).await;
    drop(app);
    // The keystore was restored from elsewhere: another key under the name.
    phone.secrets.save("device-key", &[9; 32]).unwrap();
    let app = phone.open();
    assert_eq!(app.present(None).unwrap_err(), CoreError::DeviceKeyLost);
    assert_eq!(
        app.screen().unwrap(),
        Screen::SignedOut {
            banner: Some(Banner::DeviceKeyLost)
        }
    );
    // A sync does not help; a new login does.
    app.sync().await.unwrap();
    assert_eq!(app.present(None).unwrap_err(), CoreError::DeviceKeyLost);
    app.login(RESIDENT_NAME, DocumentKind::ResidentId, RESIDENT_ID)
        .await
        .unwrap();
    assert!(matches!(app.screen().unwrap(), Screen::Code(_)));

    // The key gone altogether says the same.
    drop(app);
    phone.secrets.delete("device-key").unwrap();
    let app = phone.open();
    assert_eq!(app.present(None).unwrap_err(), CoreError::DeviceKeyLost);
}

/// A trust-list endpoint answering one fixed body (an attacker's replay, or
/// a stale mirror) on loopback.
async fn serve_trust_list(body: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let body = body.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\netag: \"old\"\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
            });
        }
    });
    url
}

fn another_issuer() -> suikang_protocol::IssuerEntry {
    use suikang_protocol::{ColorScheme, IssuerEntry, IssuerId, IssuerKey, KeyId};
    IssuerEntry {
        id: IssuerId(9),
        slug: "elsewhere".into(),
        name_zh: "别处码".into(),
        name_en: "Elsewhere code".into(),
        colors: ColorScheme::SUIKANG,
        keys: vec![IssuerKey {
            id: KeyId(1),
            public_key: ed25519_dalek::SigningKey::from_bytes(&[5; 32])
                .verifying_key()
                .to_bytes(),
            not_before: time::OffsetDateTime::now_utc() - Duration::days(1),
            not_after: time::OffsetDateTime::now_utc() + Duration::days(365),
        }],
    }
}

#[tokio::test]
async fn an_old_signed_trust_list_is_refused_even_after_the_cache_is_wiped() {
    let server = Server::start().await;
    let old_list = server.running.signed_trust_list();
    server
        .running
        .trust_issuer(&another_issuer())
        .await
        .unwrap();
    let mut phone = Phone::new(&server.url(), server.root());
    let app = phone.open();
    assert!(app.refresh_trust_list().await.unwrap());
    let newest = app.trust_list().unwrap().unwrap().sequence();
    drop(app);

    // The cache is wiped (cleared app data, a corrupt file); an attacker on
    // the path answers with the older list, genuinely signed by the root.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", phone.cache_path().display()));
    }
    phone.server_url = serve_trust_list(old_list).await;
    let app = phone.open();
    assert!(matches!(
        app.refresh_trust_list().await.unwrap_err(),
        CoreError::TrustList(_)
    ));
    assert_eq!(app.trust_list().unwrap(), None::<TrustList>);

    // The real server's list is taken again.
    phone.server_url = server.url();
    let app = phone.open();
    assert!(app.refresh_trust_list().await.unwrap());
    assert_eq!(app.trust_list().unwrap().unwrap().sequence(), newest);
}

#[tokio::test]
async fn a_damaged_cached_trust_list_is_fetched_again_instead_of_kept_by_its_etag() {
    let server = Server::start().await;
    let phone = Phone::new(&server.url(), server.root());
    let app = phone.open();
    assert!(app.refresh_trust_list().await.unwrap());
    assert!(
        !app.refresh_trust_list().await.unwrap(),
        "unchanged: answered 304"
    );
    drop(app);
    {
        let db = rusqlite::Connection::open(phone.cache_path()).unwrap();
        db.execute(
            "UPDATE meta SET value = CAST(replace(CAST(value AS TEXT), '\"signature\":\"', '\"signature\":\"00') AS BLOB) WHERE name = 'trust_list'",
            [],
        )
        .unwrap();
    }
    let app = phone.open();
    assert!(matches!(
        app.trust_list().unwrap_err(),
        CoreError::TrustList(_)
    ));
    assert!(
        app.refresh_trust_list().await.unwrap(),
        "fetched whole again"
    );
    assert!(app.trust_list().unwrap().is_some());
}

/// Issue 12: a checkpoint whose trust list is past its `not_after` still
/// lets a genuine code through (an offline gate must not stop), and the
/// verdict and its banner say the list needs an update.
#[tokio::test]
async fn a_checkpoint_with_an_expired_trust_list_still_verifies_and_warns() {
    let server = Server::start().await;
    let gate = Phone::new(&server.url(), server.root());
    let checkpoint = gate.open();
    assert!(checkpoint.refresh_trust_list().await.unwrap());
    {
        let (_phone, resident) = server.resident(RESIDENT_NAME, RESIDENT_ID).await;
        let fresh = checkpoint
            .verify(&resident.present(None).unwrap().qr_text)
            .unwrap();
        assert_eq!(fresh.verdict, suikang_core::Verdict::Pass);
        assert!(!fresh.trust_list_stale);
        assert_eq!(fresh.banner, None);
    }

    // The gate stays offline past its list's not_after (the server's lists
    // are fresh for 30 days); a resident signs in then, and shows a code.
    let list = checkpoint.trust_list().unwrap().unwrap();
    let past = list.not_after() + Duration::minutes(1) - gate.clock.now();
    gate.clock.advance(past);
    server.running.advance_clock(past);
    let phone = Phone::new(&server.url(), server.root());
    phone.clock.advance(past);
    let resident = phone.open();
    resident
        .login(RESIDENT_NAME, DocumentKind::ResidentId, RESIDENT_ID)
        .await
        .unwrap();
    resident.sync().await.unwrap();
    let late = checkpoint
        .verify(&resident.present(None).unwrap().qr_text)
        .unwrap();
    assert_eq!(late.verdict, suikang_core::Verdict::Pass, "{late:?}");
    assert!(late.trust_list_stale);
    let banner = late.banner.expect("a stale list shows a banner");
    assert_eq!(banner, suikang_core::Banner::TrustListStale);
    assert_eq!(banner.text_zh(), "信任列表已过期，请联网更新");
    assert_eq!(
        banner.text_en(),
        "The trust list has expired: connect to update it"
    );
}
