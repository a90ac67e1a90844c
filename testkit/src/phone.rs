//! A phone against a real server: the server in process on loopback (with
//! the dev face simulator), the simulated vendor SDK behind the core's
//! `FaceVerifier`, a clock the test moves, a phone with an in-memory
//! keystore, and the people of DESIGN §1 with valid documents.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use suikang_core::{
    App, AppConfig, Clock, FaceVerifier, FaceVerifierError, KeyringSecretStore, RetryPolicy,
    SecretStore,
};
use suikang_protocol::DocumentKind;
use suikang_protocol::api::{FaceCapture, FaceChallenge, SignedFaceResult};
use suikang_server::{IssuerProfile, RunningServer, ServerConfig};
use time::{Duration, OffsetDateTime};

pub const RESIDENT_NAME: &str = "张三明";
pub const RESIDENT_ID: &str = "11010519491231002X";
pub const GRANDMOTHER_NAME: &str = "李秀英";
/// Born 1940-03-08.
pub const GRANDMOTHER_ID: &str = "440104194003080028";
/// Born 2015-06-01.
pub const CHILD_NAME: &str = "王小明";
pub const CHILD_ID: &str = "440104201506010032";

/// The simulated vendor SDK: what the camera will see next.
pub struct SimulatedFace {
    pub next: Mutex<Option<FaceCapture>>,
    /// The server whose simulator signs (started with the dev flag).
    pub server_url: Mutex<String>,
}

impl SimulatedFace {
    pub fn new(capture: FaceCapture) -> Arc<SimulatedFace> {
        Arc::new(SimulatedFace {
            next: Mutex::new(Some(capture)),
            server_url: Mutex::new(String::new()),
        })
    }

    /// The vendor SDK of the server at `server_url`.
    pub fn at(server_url: &str, capture: FaceCapture) -> Arc<SimulatedFace> {
        let face = SimulatedFace::new(capture);
        *face.server_url.lock().unwrap() = server_url.to_owned();
        face
    }

    /// `None`: the person cancels.
    pub fn set(&self, capture: Option<FaceCapture>) {
        *self.next.lock().unwrap() = capture;
    }
}

#[async_trait]
impl FaceVerifier for SimulatedFace {
    async fn verify(
        &self,
        challenge: &FaceChallenge,
    ) -> Result<SignedFaceResult, FaceVerifierError> {
        let capture = (*self.next.lock().unwrap()).ok_or(FaceVerifierError::Cancelled)?;
        let url = self.server_url.lock().unwrap().clone();
        suikang_server::face::capture_over_http(&url, challenge, capture)
            .await
            .map_err(FaceVerifierError::Failed)
    }
}

/// A clock the test moves; starts at the real time.
pub struct TestClock(Mutex<OffsetDateTime>);

impl TestClock {
    pub fn new() -> Arc<TestClock> {
        Arc::new(TestClock(Mutex::new(OffsetDateTime::now_utc())))
    }
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

/// A Suikang server on 127.0.0.1 with its own data folder.
pub struct Server {
    pub running: RunningServer,
    pub data: tempfile::TempDir,
}

impl Server {
    pub async fn start() -> Server {
        let data = tempfile::tempdir().unwrap();
        let mut config = ServerConfig::new(data.path(), IssuerProfile::suikang());
        // As `suikang-server --dev-face-simulator`.
        config.face_vendor = Some(suikang_server::FaceVendorSetting::DevSimulator);
        let running = suikang_server::start(config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        Server { running, data }
    }

    pub fn url(&self) -> String {
        self.running.base_url()
    }

    pub fn root(&self) -> [u8; 32] {
        self.running.root_public_key().to_bytes()
    }

    /// A resident's phone on this server, signed in and holding their own
    /// code.
    pub async fn resident(&self, name: &str, resident_id: &str) -> (Phone, App) {
        Phone::with_own_code(&self.url(), self.root(), name, resident_id).await
    }

    /// Reads the server's own database, to count what really happened.
    pub fn count(&self, sql: &str) -> i64 {
        let db =
            rusqlite::Connection::open(self.data.path().join(suikang_server::run::DATABASE_FILE))
                .unwrap();
        db.query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

/// A phone: its data folder, its keystore, its camera and clock.
pub struct Phone {
    pub dir: tempfile::TempDir,
    pub secrets: Arc<KeyringSecretStore>,
    pub face: Arc<SimulatedFace>,
    pub clock: Arc<TestClock>,
    pub server_url: String,
    pub roots: Vec<[u8; 32]>,
}

pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: StdDuration::from_millis(20),
        max_delay: StdDuration::from_millis(100),
        max_retry_after: StdDuration::from_secs(2),
        request_timeout: StdDuration::from_millis(1500),
        connect_timeout: StdDuration::from_millis(500),
    }
}

impl Phone {
    pub fn new(server_url: &str, root: [u8; 32]) -> Phone {
        Phone {
            dir: tempfile::tempdir().unwrap(),
            secrets: Arc::new(KeyringSecretStore::new(
                keyring_core::mock::Store::new().unwrap(),
                "suikang-test",
            )),
            face: SimulatedFace::at(server_url, FaceCapture::Match),
            clock: TestClock::new(),
            server_url: server_url.to_owned(),
            roots: vec![root],
        }
    }

    /// Opens the app as a launch does (again after a "restart").
    pub fn open(&self) -> App {
        let config = AppConfig {
            data_dir: self.dir.path().to_owned(),
            server_url: self.server_url.clone(),
            trust_roots: self.roots.clone(),
            pinned_server_key: None,
            extra_root_certificates: Vec::new(),
            retry: fast_retries(),
        };
        App::open(
            config,
            self.secrets.clone() as Arc<dyn SecretStore>,
            self.face.clone(),
            self.clock.clone(),
        )
        .unwrap()
    }

    /// A resident's phone against the server at `server_url` (through a
    /// proxy, say): opened, signed in with a matching face, holding the
    /// resident's own code — where most stories start.
    pub async fn with_own_code(
        server_url: &str,
        root: [u8; 32],
        name: &str,
        resident_id: &str,
    ) -> (Phone, App) {
        let phone = Phone::new(server_url, root);
        let app = phone.open();
        app.login(name, DocumentKind::ResidentId, resident_id)
            .await
            .unwrap();
        app.apply_self().await.unwrap();
        (phone, app)
    }

    pub fn cache_path(&self) -> std::path::PathBuf {
        self.dir.path().join("cache.db")
    }
}

/// Every byte the cache has on disk: the database and its WAL.
pub fn cache_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for name in ["cache.db", "cache.db-wal"] {
        if let Ok(b) = std::fs::read(dir.join(name)) {
            bytes.extend(b);
        }
    }
    bytes
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
