//! The code screen and the checkpoint, as the people of DESIGN §1 use them:
//! a guardian switching codes, a dependent turning red and green, an
//! inspector refusing screenshots and copies, a printed page, a gate camera.

use std::sync::{Arc, Mutex};

use suikang_core::{
    App, Banner, Clock, CoreError, ProxyApplication, Screen, ScreenListener, Verdict,
};
use suikang_protocol::api::{CodeRole, ControlsResponse, DocumentInput, ImposeControlRequest};
use suikang_protocol::{
    AuthorityRole, Color, ControlReason, DocumentKind, Presentation, Refusal, Relationship,
};
use suikang_testkit::*;
use time::Duration;

const SISTER_NAME: &str = "王小红";
/// Born 2018-02-03.
const SISTER_ID: &str = "440104201802030046";

async fn guardian(server: &Server) -> (Phone, Arc<App>) {
    let phone = Phone::new(&server.url(), server.root());
    let app = Arc::new(phone.open());
    app.login(RESIDENT_NAME, DocumentKind::ResidentId, RESIDENT_ID)
        .await
        .unwrap();
    app.apply_self().await.unwrap();
    (phone, app)
}

fn code(screen: Screen) -> Box<suikang_core::CodeScreen> {
    match screen {
        Screen::Code(code) => code,
        other => panic!("expected a code, got {other:?}"),
    }
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// An authority acting through the server's API.
async fn authority(
    server: &Server,
    role: AuthorityRole,
    org: &str,
    district: &str,
) -> impl AsyncFn(&str, &str, ControlReason) -> reqwest::StatusCode {
    let token = server
        .running
        .create_authority(role, org, district)
        .await
        .unwrap();
    let url = server.url();
    move |action: &str, document: &str, reason: ControlReason| {
        let (token, url, document, action) = (
            token.clone(),
            url.clone(),
            document.to_owned(),
            action.to_owned(),
        );
        async move {
            let body = ImposeControlRequest {
                document: DocumentInput {
                    kind: DocumentKind::ResidentId,
                    number: document,
                },
                reason,
            };
            let response = http()
                .post(format!("{url}/v1/authority/controls/{action}"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            if status.is_success() {
                response.json::<ControlsResponse>().await.unwrap();
            }
            status
        }
    }
}

#[tokio::test]
async fn a_guardian_with_three_dependents_moves_through_four_codes_and_the_arrows_stop_at_the_ends()
{
    let server = Server::start().await;
    let (_phone, app) = guardian(&server).await;
    for (name, id) in [
        (GRANDMOTHER_NAME, GRANDMOTHER_ID),
        (CHILD_NAME, CHILD_ID),
        (SISTER_NAME, SISTER_ID),
    ] {
        app.apply_proxy(&ProxyApplication::new(
            name,
            DocumentKind::ResidentId,
            id,
            Relationship::AdultRelative,
            true,
        ))
        .await
        .unwrap();
    }
    let first = code(app.screen().unwrap());
    assert_eq!((first.index, first.count), (0, 4));
    assert_eq!(first.role, CodeRole::Own);
    assert_eq!(first.title_zh, "我的穗康码");
    assert!(!first.has_previous && first.has_next);

    // The left arrow at one's own code stays there.
    assert_eq!(code(app.previous().unwrap()).code_id, first.code_id);

    let mut seen = vec![first.code_id.clone()];
    for expected in 1..4 {
        let screen = code(app.next().unwrap());
        assert_eq!(screen.index, expected);
        assert_eq!(screen.role, CodeRole::Dependent);
        assert_eq!(screen.color, Color::Green);
        assert!(screen.actions.contains(&suikang_core::ScreenAction::Print));
        seen.push(screen.code_id.clone());
    }
    let names: Vec<String> = app
        .codes()
        .unwrap()
        .iter()
        .map(|c| c.masked_name.clone())
        .collect();
    assert_eq!(names, ["张*明", "李*英", "王*明", "王*红"]);
    // The right arrow at the last code stays there.
    let last = code(app.next().unwrap());
    assert_eq!((last.index, last.has_next), (3, false));
    assert_eq!(last.code_id, seen[3]);

    for expected in (0..3).rev() {
        assert_eq!(
            code(app.previous().unwrap()).code_id,
            seen[expected as usize]
        );
    }
    assert_eq!(code(app.select(&seen[2]).unwrap()).index, 2);
    assert_eq!(
        app.select("0000000000000000").unwrap_err(),
        CoreError::CodeNotFound
    );
}

#[tokio::test]
async fn a_dependent_put_under_control_shows_red_after_the_next_sync_and_green_once_released() {
    let server = Server::start().await;
    let (_phone, app) = guardian(&server).await;
    app.apply_proxy(&ProxyApplication::new(
        CHILD_NAME,
        DocumentKind::ResidentId,
        CHILD_ID,
        Relationship::AdultRelative,
        true,
    ))
    .await
    .unwrap();
    let cdc = authority(&server, AuthorityRole::Cdc, "guangzhou-cdc", "440100").await;
    let district = authority(
        &server,
        AuthorityRole::District,
        "yuexiu-district",
        "440104",
    )
    .await;

    assert!(
        cdc("impose", CHILD_ID, ControlReason::CloseContact)
            .await
            .is_success()
    );
    let child = app.codes().unwrap()[1].code_id.clone();
    assert_eq!(
        code(app.select(&child).unwrap()).color,
        Color::Green,
        "not before the sync"
    );
    app.sync().await.unwrap();
    let red = code(app.screen().unwrap());
    assert_eq!(red.color, Color::Red);
    assert_eq!(
        red.reasons
            .iter()
            .map(|r| r.zh.as_str())
            .collect::<Vec<_>>(),
        ["密切接触者"]
    );
    assert!(red.status_zh.starts_with("红码"));
    assert_eq!(app.verify(&red.qr_text).unwrap().verdict, Verdict::Stop);

    assert_eq!(
        district("release", CHILD_ID, ControlReason::CloseContact).await,
        reqwest::StatusCode::FORBIDDEN
    );
    assert!(
        cdc("release", CHILD_ID, ControlReason::CloseContact)
            .await
            .is_success()
    );
    app.sync().await.unwrap();
    let green = code(app.screen().unwrap());
    assert_eq!(green.color, Color::Green);
    assert!(green.reasons.is_empty());
    assert_eq!(app.verify(&green.qr_text).unwrap().verdict, Verdict::Pass);
}

#[tokio::test]
async fn an_inspector_refuses_a_screenshot_and_a_copied_credential() {
    let server = Server::start().await;
    let (phone, app) = guardian(&server).await;
    let shown = code(app.screen().unwrap());
    let now = app.verify(&shown.qr_text).unwrap();
    assert_eq!(now.verdict, Verdict::Pass);
    assert_eq!(now.masked_name.as_deref(), Some("张*明"));
    assert_eq!(now.issuer_name_zh.as_deref(), Some("穗康码"));

    phone.clock.advance(Duration::minutes(3));
    let replay = app.verify(&shown.qr_text).unwrap();
    assert_eq!(replay.verdict, Verdict::Invalid);
    assert_eq!(replay.refusal, Some(Refusal::PresentationStale));
    assert_eq!(replay.headline_zh, "无效 · 二维码已失效（疑似截图）");

    // The credential copied off the phone, presented by another key.
    let payload = suikang_protocol::decode_payload(&shown.qr_text).unwrap();
    let mut bytes = payload.credential().as_bytes().to_vec();
    bytes.extend_from_slice(&(phone.clock.now().unix_timestamp() as u32).to_be_bytes());
    let other = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    use ed25519_dalek::Signer;
    let signature = other.sign(&bytes);
    bytes.extend_from_slice(&signature.to_bytes());
    let copied = format!(
        "{}{}",
        suikang_protocol::payload::PREFIX,
        base45_encode(&bytes)
    );
    assert_eq!(
        app.verify(&copied).unwrap().refusal,
        Some(Refusal::BadDeviceSignature)
    );
    // And the protocol will not even sign it with the wrong key.
    assert!(Presentation::sign(payload.credential(), &other, phone.clock.now()).is_err());
}

fn base45_encode(bytes: &[u8]) -> String {
    base45::encode(bytes)
}

#[tokio::test]
async fn a_printed_code_verifies_says_printed_and_is_refused_once_expired() {
    let server = Server::start().await;
    let (phone, app) = guardian(&server).await;
    app.apply_proxy(&ProxyApplication::new(
        GRANDMOTHER_NAME,
        DocumentKind::ResidentId,
        GRANDMOTHER_ID,
        Relationship::AdultRelative,
        true,
    ))
    .await
    .unwrap();
    let grandmother = app.codes().unwrap()[1].code_id.clone();
    let printed = app.printed_code(&grandmother).await.unwrap();
    let check = app.verify(&printed.qr_text).unwrap();
    assert_eq!(check.verdict, Verdict::Pass);
    assert!(check.printed);
    assert_eq!(check.headline_zh, "通行 · 绿码 · 打印版");
    assert_eq!(check.masked_name.as_deref(), Some("李*英"));

    phone.clock.advance(Duration::days(8));
    let expired = app.verify(&printed.qr_text).unwrap();
    assert_eq!(expired.refusal, Some(Refusal::PrintedCredentialExpired));
}

#[tokio::test]
async fn a_code_rendered_to_png_by_the_core_is_read_back_by_a_gate_camera_and_passes() {
    let server = Server::start().await;
    let (_phone, app) = guardian(&server).await;
    let screen = code(app.screen().unwrap());
    let png = screen.render_png(6);
    let check = app.verify_image(&png).unwrap();
    assert_eq!(check.verdict, Verdict::Pass, "{check:?}");
    assert_eq!(check.masked_document.as_deref(), Some("1101**********002X"));
    assert_eq!(
        app.verify_image(b"not an image").unwrap_err(),
        CoreError::UnreadableImage
    );
    let blank = {
        let mut out = Vec::new();
        image::RgbImage::from_pixel(200, 200, image::Rgb([255, 255, 255]))
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    };
    assert_eq!(
        app.verify_image(&blank).unwrap_err(),
        CoreError::NoCodeInImage
    );
}

#[tokio::test]
async fn the_screen_shows_the_live_clock_and_the_offline_banner() {
    let server = Server::start().await;
    let proxy = FaultProxy::start(server.running.addr).await;
    let phone = Phone::new(&proxy.url(), server.root());
    let app = phone.open();
    app.login(RESIDENT_NAME, DocumentKind::ResidentId, RESIDENT_ID)
        .await
        .unwrap();
    app.apply_self().await.unwrap();
    let online = code(app.screen().unwrap());
    assert_eq!(online.banner, None);
    assert_eq!(online.refresh_at - online.now, Duration::seconds(30));
    assert_eq!(online.clock_text.len(), "2026-11-28 12:05:06".len());

    proxy.down();
    let _ = app.sync().await;
    phone.clock.advance(Duration::seconds(31));
    let offline = code(app.screen().unwrap());
    assert_eq!(offline.banner, Some(Banner::Offline));
    assert_eq!(offline.color, Color::Blue);
    assert_ne!(
        offline.qr_text, online.qr_text,
        "a fresh presentation, signed offline"
    );
    assert_eq!(offline.now - online.now, Duration::seconds(31));

    // Near expiry the screen asks to be drawn again at the expiry itself.
    let expiry = offline.credential_expires_at.unwrap();
    let until = expiry - offline.now - Duration::seconds(10);
    phone.clock.advance(until);
    let near = code(app.screen().unwrap());
    assert_eq!(near.refresh_at, expiry);
    phone.clock.advance(Duration::seconds(20));
    assert_eq!(
        code(app.screen().unwrap()).banner,
        Some(Banner::RefreshNeeded)
    );
}

struct Recorder(Mutex<Vec<Screen>>, tokio::sync::Notify);

impl ScreenListener for Recorder {
    fn on_screen(&self, screen: Screen) {
        self.0.lock().unwrap().push(screen);
        self.1.notify_one();
    }
    fn on_error(&self, error: CoreError) {
        panic!("screen error: {error}");
    }
}

#[tokio::test]
async fn a_subscribed_screen_redraws_after_a_sync_and_stops_when_cancelled() {
    let server = Server::start().await;
    let (_phone, app) = guardian(&server).await;
    let recorder = Arc::new(Recorder(Mutex::new(Vec::new()), tokio::sync::Notify::new()));
    let subscription = app.subscribe(recorder.clone());
    recorder.1.notified().await;
    assert_eq!(recorder.0.lock().unwrap().len(), 1);

    app.apply_proxy(&ProxyApplication::new(
        CHILD_NAME,
        DocumentKind::ResidentId,
        CHILD_ID,
        Relationship::AdultRelative,
        true,
    ))
    .await
    .unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            if let Some(Screen::Code(c)) = recorder.0.lock().unwrap().last()
                && c.count == 2
            {
                return;
            }
            recorder.1.notified().await;
        }
    })
    .await
    .expect("a redraw with the new dependent");

    subscription.cancel();
    tokio::task::yield_now().await;
    let before = recorder.0.lock().unwrap().len();
    app.next().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(
        recorder.0.lock().unwrap().len(),
        before,
        "no redraw after cancel"
    );
}

#[tokio::test]
async fn a_yuekang_residents_code_verifies_on_a_suikang_checkpoint() {
    let root = ed25519_dalek::SigningKey::from_bytes(&[11; 32]);
    let (suikang, yuekang) = suikang_server::start_suikang_and_yuekang(root.clone())
        .await
        .unwrap();
    let visitor = Phone::new(&yuekang.base_url(), root.verifying_key().to_bytes());
    let visitor_app = visitor.open();
    visitor_app
        .login(CHILD_NAME, DocumentKind::ResidentId, GRANDMOTHER_ID)
        .await
        .unwrap();
    visitor_app.apply_self().await.unwrap();
    let qr = visitor_app.present(None).unwrap().qr_text;

    let checkpoint = Phone::new(&suikang.base_url(), root.verifying_key().to_bytes());
    let checkpoint_app = checkpoint.open();
    checkpoint_app.refresh_trust_list().await.unwrap();
    let check = checkpoint_app.verify(&qr).unwrap();
    assert_eq!(check.verdict, Verdict::Pass);
    assert_eq!(check.issuer_name_zh.as_deref(), Some("粤康码"));
}

#[tokio::test]
async fn a_checkpoint_without_a_trust_list_says_so() {
    let phone = Phone::new("http://127.0.0.1:9", [0; 32]);
    assert_eq!(
        phone.open().verify("SK1:ABC").unwrap_err(),
        CoreError::NoTrustList
    );
}

/// DESIGN §2, Online check: a checkpoint phone that never signed in asks
/// with its checkpoint token; no token, an unknown one or an authority's is
/// refused with an
/// error that says it is the token, not a sign-in, that is wrong.
#[tokio::test]
async fn a_checkpoint_with_no_session_checks_online_with_its_token_only() {
    let server = Server::start().await;
    let (_holder_phone, holder) = guardian(&server).await;
    let shown = code(holder.screen().unwrap());
    let gate_phone = Phone::new(&server.url(), server.root());
    let gate = gate_phone.open();
    assert!(!gate.status().unwrap().signed_in);
    // The trust list comes without a session, then the offline check.
    assert!(gate.refresh_trust_list().await.unwrap());
    assert_eq!(gate.verify(&shown.qr_text).unwrap().verdict, Verdict::Pass);
    let token = server
        .running
        .create_checkpoint("tiyu-xilu-metro", "440106")
        .await
        .unwrap();
    let online = gate.verify_online(&shown.qr_text, &token).await.unwrap();
    let now = online.current_status.unwrap();
    assert_eq!((now.color, now.pass), (Color::Blue, true));
    for wrong in ["", "skt_nobody-was-given-this"] {
        assert_eq!(
            gate.verify_online(&shown.qr_text, wrong).await.unwrap_err(),
            CoreError::CheckpointTokenRefused
        );
    }
    // Another kind of account's token (here a CDC's) is refused alike.
    let cdc = server
        .running
        .create_authority(AuthorityRole::Cdc, "guangzhou-cdc", "440100")
        .await
        .unwrap();
    assert_eq!(
        gate.verify_online(&shown.qr_text, &cdc).await.unwrap_err(),
        CoreError::CheckpointTokenRefused
    );
    // The checkpoint's token expires (issue 12: 90 days by default).
    server.running.advance_clock(Duration::days(91));
    assert_eq!(
        gate.verify_online(&shown.qr_text, &token)
            .await
            .unwrap_err(),
        CoreError::CheckpointTokenRefused
    );
}

#[tokio::test]
async fn an_online_check_reports_the_holders_status_now_when_it_changed_since_issue() {
    let server = Server::start().await;
    let (_phone, app) = guardian(&server).await;
    let shown = code(app.screen().unwrap());
    let gate = server
        .running
        .create_checkpoint("tiyu-xilu-metro", "440106")
        .await
        .unwrap();
    let online = app.verify_online(&shown.qr_text, &gate).await.unwrap();
    assert!(online.valid);
    assert!(!online.status_changed_since_issue);
    assert_eq!(online.current_status.unwrap().color, Color::Blue);

    // Put under control after the phone's last sync: offline, the code
    // still passes; online, the issuer says it is red now.
    let cdc = authority(&server, AuthorityRole::Cdc, "guangzhou-cdc", "440100").await;
    assert!(
        cdc("impose", RESIDENT_ID, ControlReason::CloseContact)
            .await
            .is_success()
    );
    let offline = app.verify(&shown.qr_text).unwrap().verdict;
    assert_eq!(offline, Verdict::Pass);
    let online = app.verify_online(&shown.qr_text, &gate).await.unwrap();
    assert!(online.status_changed_since_issue);
    // Issue 11, finding 4: red now is Stop, whatever the code showed.
    assert_eq!(suikang_core::verdict_now(offline, &online), Verdict::Stop);
    assert_eq!(online.current_status.unwrap().color, Color::Red);
}
