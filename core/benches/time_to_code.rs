//! `cargo bench -p suikang-core`: time to code at launch — open the cache
//! (keystore read, SQLite open, canary), unseal the current code, sign a
//! presentation. Target (with Core II's QR and screen model): ≤ 3 ms median.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use suikang_core::{App, AppConfig, FileSecretStore, RetryPolicy, SecretStore, SystemClock};
use suikang_protocol::DocumentKind;
use suikang_protocol::api::{FaceChallenge, SignedFaceResult};

struct MatchingFace;

#[async_trait::async_trait]
impl suikang_core::FaceVerifier for MatchingFace {
    async fn verify(
        &self,
        challenge: &FaceChallenge,
    ) -> Result<SignedFaceResult, suikang_core::FaceVerifierError> {
        Ok(suikang_server::face_simulator::simulate_capture(
            challenge,
            suikang_protocol::api::FaceCapture::Match,
        ))
    }
}

fn time_to_code(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server_dir = tempfile::tempdir().unwrap();
    let phone_dir = tempfile::tempdir().unwrap();
    let server = runtime
        .block_on(suikang_server::start(
            suikang_server::ServerConfig::new(
                server_dir.path(),
                suikang_server::IssuerProfile::suikang(),
            ),
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let config = AppConfig {
        data_dir: phone_dir.path().join("data"),
        server_url: server.base_url(),
        trust_roots: vec![server.root_public_key().to_bytes()],
        pinned_server_key: None,
        retry: RetryPolicy::default(),
    };
    let secrets: Arc<dyn SecretStore> =
        Arc::new(FileSecretStore::new(phone_dir.path().join("secrets")).unwrap());
    let open = || {
        App::open(
            config.clone(),
            secrets.clone(),
            Arc::new(MatchingFace),
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
    let app = open();
    c.bench_function("sign a fresh presentation of the open app's code", |b| {
        b.iter(|| std::hint::black_box(app.present(None).unwrap()))
    });
}

criterion_group!(benches, time_to_code);
criterion_main!(benches);
