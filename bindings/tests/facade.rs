//! The facade as a foreign app sees it, driven from Rust: the app's face
//! check and keystore implemented as the foreign traits, a real server on
//! loopback. The Kotlin and Python tests (bindings/test-host.sh) do the same
//! across the FFI.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use suikang_core::Verdict;
use suikang_ffi::{
    App, AppConfig, FaceChallenge, FaceVerifier, Screen, SecretStore, SignedFaceResult,
    SuikangError,
};
use suikang_protocol::api::CodeRole;
use suikang_protocol::api::{FaceCapture, FaceChallenge as WireChallenge};
use suikang_protocol::{Color, DocumentKind};
use suikang_server::{IssuerProfile, ServerConfig};

const NAME: &str = "张三明";
const ID: &str = "11010519491231002X";

/// The vendor SDK, played by the server crate's simulator.
struct Simulator(Mutex<Option<FaceCapture>>, String);

#[async_trait::async_trait]
impl FaceVerifier for Simulator {
    async fn verify(&self, challenge: FaceChallenge) -> Result<SignedFaceResult, SuikangError> {
        let capture = (*self.0.lock().unwrap()).ok_or(SuikangError::FaceCheckCancelled)?;
        let r = suikang_server::face::capture_over_http(
            &self.1,
            &WireChallenge::from(challenge),
            capture,
        )
        .await
        .map_err(|reason| SuikangError::FaceCheckFailed { reason })?;
        Ok(SignedFaceResult {
            vendor: r.vendor,
            challenge_id: r.challenge_id,
            nonce: r.nonce,
            outcome: r.outcome,
            birth_date: None,
            linked_document: None,
            signature: r.signature,
        })
    }
}

#[derive(Default)]
struct Memory(Mutex<HashMap<String, Vec<u8>>>);

impl SecretStore for Memory {
    fn load(&self, name: String) -> Result<Option<Vec<u8>>, SuikangError> {
        Ok(self.0.lock().unwrap().get(&name).cloned())
    }
    fn save(&self, name: String, secret: Vec<u8>) -> Result<(), SuikangError> {
        self.0.lock().unwrap().insert(name, secret);
        Ok(())
    }
    fn delete(&self, name: String) -> Result<(), SuikangError> {
        self.0.lock().unwrap().remove(&name);
        Ok(())
    }
}

struct Failing;

impl SecretStore for Failing {
    fn load(&self, _: String) -> Result<Option<Vec<u8>>, SuikangError> {
        Err(SuikangError::Keystore {
            reason: "locked".into(),
        })
    }
    fn save(&self, _: String, _: Vec<u8>) -> Result<(), SuikangError> {
        Err(SuikangError::Keystore {
            reason: "locked".into(),
        })
    }
    fn delete(&self, _: String) -> Result<(), SuikangError> {
        Ok(())
    }
}

fn config(dir: &std::path::Path, url: &str, root: &str) -> AppConfig {
    AppConfig {
        data_dir: dir.display().to_string(),
        server_url: url.to_owned(),
        trust_roots: vec![root.to_owned()],
        pinned_server_key: None,
        keystore_service: "suikang-ffi-test".into(),
        network: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_signs_in_through_the_facade_and_a_checkpoint_passes_the_code() {
    let data = tempfile::tempdir().unwrap();
    let mut server_config = ServerConfig::new(data.path(), IssuerProfile::suikang());
    server_config.face_vendor = Some(suikang_server::FaceVendorSetting::DevSimulator);
    let server = suikang_server::start(server_config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let root = hex::encode(server.root_public_key().to_bytes());
    let phone = tempfile::tempdir().unwrap();
    let face = Arc::new(Simulator(
        Mutex::new(Some(FaceCapture::Mismatch)),
        server.base_url(),
    ));
    let app = App::new(
        config(phone.path(), &server.base_url(), &root),
        face.clone(),
        Some(Arc::new(Memory::default())),
    )
    .unwrap();

    assert!(matches!(
        app.screen().await.unwrap(),
        Screen::SignedOut { .. }
    ));
    assert_eq!(
        app.login(NAME.into(), DocumentKind::ResidentId, ID.into())
            .await
            .unwrap_err(),
        SuikangError::FaceMismatch
    );
    *face.0.lock().unwrap() = None;
    assert_eq!(
        app.login(NAME.into(), DocumentKind::ResidentId, ID.into())
            .await
            .unwrap_err(),
        SuikangError::FaceCheckCancelled
    );
    *face.0.lock().unwrap() = Some(FaceCapture::Match);
    let session = app
        .login(NAME.into(), DocumentKind::ResidentId, ID.into())
        .await
        .unwrap();
    assert_eq!(session.masked_name, "张*明");
    assert_eq!(app.apply_self().await.unwrap().color, Color::Blue);

    let Screen::Code { code } = app.screen().await.unwrap() else {
        panic!("a code screen")
    };
    assert_eq!(code.role, CodeRole::Own);
    assert_eq!(code.qr.modules.len() as u32, code.qr.size * code.qr.size);
    assert_eq!(code.banner, None);
    let check = app.verify(code.qr_text.clone()).await.unwrap();
    assert_eq!(check.verdict, Verdict::Pass);
    assert_eq!(check.masked_name.as_deref(), Some("张*明"));
    assert_eq!(
        app.select("nope".into()).await.unwrap_err(),
        SuikangError::CodeNotFound
    );
    assert_eq!(suikang_ffi::clock_text(code.now), code.clock_text);
}

#[test]
fn bad_roots_and_a_failing_keystore_are_typed_errors() {
    let phone = tempfile::tempdir().unwrap();
    let face = Arc::new(Simulator(Mutex::new(None), String::new()));
    let bad = App::new(
        config(phone.path(), "http://127.0.0.1:9", "not hex"),
        face.clone(),
        None,
    );
    assert!(matches!(bad, Err(SuikangError::InvalidArgument { .. })));
    let root = "00".repeat(32);
    let failing = App::new(
        config(phone.path(), "http://127.0.0.1:9", &root),
        face,
        Some(Arc::new(Failing)),
    );
    assert_eq!(
        failing.err(),
        Some(SuikangError::Keystore {
            reason: "locked".into()
        })
    );
}
