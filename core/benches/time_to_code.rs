//! `cargo bench -p suikang-core`:
//! - time to code at launch: open the cache (keystore read, SQLite open,
//!   canary), unseal the current code, sign a presentation; then the whole
//!   code screen with its QR (target ≤ 3 ms median);
//! - checkpoint verification (target ≤ 150 µs median) and a gate camera's
//!   600×600 PNG decoded and verified (target ≤ 5 ms, issue 17);
//! - a gate camera's 1280×720 grayscale frame, the code turned, tilted and
//!   blurred, read and verified (target ≤ 5 ms, issue 17), next to rqrr
//!   alone reading the same frame (how `read_qr` read before).
//!
//! Only the gate camera: `cargo bench -p suikang-core -- gate`.

use suikang_testkit::frames;

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use suikang_core::{
    App, AppConfig, FileSecretStore, QrMatrix, RetryPolicy, Screen, SecretStore, SystemClock,
    Verdict,
};
use suikang_protocol::DocumentKind;
use suikang_protocol::api::{FaceChallenge, SignedFaceResult};

struct MatchingFace(String);

#[async_trait::async_trait]
impl suikang_core::FaceVerifier for MatchingFace {
    async fn verify(
        &self,
        challenge: &FaceChallenge,
    ) -> Result<SignedFaceResult, suikang_core::FaceVerifierError> {
        suikang_server::face::capture_over_http(
            &self.0,
            challenge,
            suikang_protocol::api::FaceCapture::Match,
        )
        .await
        .map_err(suikang_core::FaceVerifierError::Failed)
    }
}

fn time_to_code(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server_dir = tempfile::tempdir().unwrap();
    let phone_dir = tempfile::tempdir().unwrap();
    let server = runtime
        .block_on(suikang_server::start(
            suikang_server::ServerConfig {
                face_vendor: Some(suikang_server::FaceVendorSetting::DevSimulator),
                ..suikang_server::ServerConfig::new(
                    server_dir.path(),
                    suikang_server::IssuerProfile::suikang(),
                )
            },
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let config = AppConfig {
        data_dir: phone_dir.path().join("data"),
        server_url: server.base_url(),
        trust_roots: vec![server.root_public_key().to_bytes()],
        pinned_server_key: None,
        extra_root_certificates: Vec::new(),
        retry: RetryPolicy::default(),
    };
    let secrets: Arc<dyn SecretStore> =
        Arc::new(FileSecretStore::new(phone_dir.path().join("secrets")).unwrap());
    let open = || {
        App::open(
            config.clone(),
            secrets.clone(),
            Arc::new(MatchingFace(server.base_url())),
            Arc::new(SystemClock),
        )
        .unwrap()
    };
    runtime.block_on(async {
        let app = open();
        app.login("张三明", DocumentKind::ResidentId, "11010519491231002X")
            .await
            .unwrap();
        app.apply_self().await.unwrap();
    });

    c.bench_function(
        "time to code: open the app, unseal the code, sign a presentation",
        |b| {
            b.iter(|| {
                let app = open();
                std::hint::black_box(app.present(None).unwrap())
            })
        },
    );
    c.bench_function(
        "time to screen: open the app, then the whole code screen",
        |b| {
            b.iter(|| {
                let app = open();
                std::hint::black_box(app.screen().unwrap())
            })
        },
    );
    let app = open();
    c.bench_function("sign a fresh presentation of the open app's code", |b| {
        b.iter(|| std::hint::black_box(app.present(None).unwrap()))
    });
    c.bench_function("code screen of the open app: sign, QR, model", |b| {
        b.iter(|| std::hint::black_box(app.screen().unwrap()))
    });

    let Screen::Code(screen) = app.screen().unwrap() else {
        panic!("a code")
    };
    assert_eq!(app.verify(&screen.qr_text).unwrap().verdict, Verdict::Pass);
    // The screen's share that is QR encoding (8 masks tried, the best kept).
    c.bench_function("QR matrix of a presentation", |b| {
        b.iter(|| std::hint::black_box(QrMatrix::encode(&screen.qr_text).unwrap()))
    });
    c.bench_function("checkpoint: verify a scanned code", |b| {
        b.iter(|| std::hint::black_box(app.verify(&screen.qr_text).unwrap()))
    });
    // A gate camera's frame: the code drawn on 600×600 pixels.
    let modules = screen.qr.size + 2 * screen.qr.quiet_zone + 16;
    let decoded = image::load_from_memory(&screen.render_png(600 / modules)).unwrap();
    let frame = image::imageops::resize(
        &decoded.to_rgb8(),
        600,
        600,
        image::imageops::FilterType::Nearest,
    );
    let mut png = Vec::new();
    frame
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    assert_eq!(app.verify_image(&png).unwrap().verdict, Verdict::Pass);
    c.bench_function("gate camera: decode a 600x600 PNG and verify", |b| {
        b.iter(|| std::hint::black_box(app.verify_image(&png).unwrap()))
    });

    let frame = frames::frame(&screen.qr, frames::GATE);
    let (w, h) = (frames::WIDTH, frames::HEIGHT);
    assert_eq!(
        app.verify_frame(w, h, &frame).unwrap().verdict,
        Verdict::Pass
    );
    c.bench_function(
        "gate camera: read a 1280x720 grayscale frame and verify",
        |b| b.iter(|| std::hint::black_box(app.verify_frame(w, h, &frame).unwrap())),
    );
    c.bench_function(
        "gate camera: the same frame read by rqrr alone (before issue 17)",
        |b| {
            b.iter(|| {
                let mut prepared =
                    rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| frame[y * w + x]);
                let grids = prepared.detect_grids();
                std::hint::black_box(grids.iter().find_map(|g| g.decode().ok()))
            })
        },
    );
}

criterion_group!(benches, time_to_code);
criterion_main!(benches);
