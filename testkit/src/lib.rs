//! `suikang-testkit`: what the core's and the end-to-end tests stand on — a
//! real server in process on loopback, the server crate's face simulator
//! behind the core's `FaceVerifier` trait, a clock the test moves, a phone
//! with an in-memory keystore, and a fault-injecting TCP proxy. A
//! dev-dependency only.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use suikang_core::{
    App, AppConfig, Clock, FaceVerifier, FaceVerifierError, KeyringSecretStore, RetryPolicy,
    SecretStore,
};
use suikang_protocol::api::{FaceCapture, FaceChallenge, SignedFaceResult};
use suikang_server::{IssuerProfile, RunningServer, ServerConfig};
use time::{Duration, OffsetDateTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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

/// What the proxy does to the next connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Reads the request, closes without a word.
    DropBeforeResponse,
    /// Forwards the request, passes half the response on, closes.
    DropMidResponse,
    /// Reads the request, waits this long (past the client's timeout), closes.
    Delay(StdDuration),
    /// Answers 500.
    ServerError,
    /// Answers 429 with `Retry-After: 1`.
    TooManyRequests,
}

#[derive(Default)]
struct ProxyState {
    faults: VecDeque<Fault>,
    down: bool,
    generation: u64,
}

/// A TCP proxy in front of the server that injects faults.
#[derive(Clone)]
pub struct FaultProxy {
    pub addr: SocketAddr,
    state: Arc<Mutex<ProxyState>>,
    generation: Arc<tokio::sync::watch::Sender<u64>>,
}

impl FaultProxy {
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(ProxyState::default()));
        let (generation, _) = tokio::sync::watch::channel(0);
        let proxy = FaultProxy {
            addr,
            state,
            generation: Arc::new(generation),
        };
        let p = proxy.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let p = p.clone();
                tokio::spawn(async move { p.handle(client, upstream).await });
            }
        });
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The next connections each meet one of `faults`, in order.
    pub fn inject(&self, faults: &[Fault]) {
        let mut s = self.state.lock().unwrap();
        s.faults.extend(faults);
        self.cut(&mut s);
    }

    /// The network drops: every connection is closed at once.
    pub fn down(&self) {
        let mut s = self.state.lock().unwrap();
        s.down = true;
        self.cut(&mut s);
    }

    pub fn up(&self) {
        self.state.lock().unwrap().down = false;
    }

    /// Ends the open pass-through connections, so the next request opens a
    /// new one and meets the fault.
    fn cut(&self, s: &mut ProxyState) {
        s.generation += 1;
        self.generation.send_replace(s.generation);
    }

    async fn handle(&self, mut client: TcpStream, upstream: SocketAddr) {
        let (fault, down) = {
            let mut s = self.state.lock().unwrap();
            (if s.down { None } else { s.faults.pop_front() }, s.down)
        };
        if down {
            return; // closed at once: like nobody listening
        }
        let mut buf = vec![0; 64 * 1024];
        match fault {
            None => {
                let mut watch = self.generation.subscribe();
                let Ok(mut server) = TcpStream::connect(upstream).await else {
                    return;
                };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                    _ = watch.changed() => {}
                }
            }
            Some(Fault::DropBeforeResponse) => {
                let _ = client.read(&mut buf).await;
            }
            Some(Fault::Delay(d)) => {
                let _ = client.read(&mut buf).await;
                tokio::time::sleep(d).await;
            }
            Some(Fault::ServerError) => {
                let _ = client.read(&mut buf).await;
                let _ = client
                    .write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            }
            Some(Fault::TooManyRequests) => {
                let _ = client.read(&mut buf).await;
                let _ = client
                    .write_all(b"HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            }
            Some(Fault::DropMidResponse) => {
                // The whole request (headers and body may come in two writes).
                let mut request = Vec::new();
                while let Ok(Ok(n)) =
                    tokio::time::timeout(StdDuration::from_millis(50), client.read(&mut buf)).await
                {
                    if n == 0 {
                        break;
                    }
                    request.extend_from_slice(&buf[..n]);
                }
                let Ok(mut server) = TcpStream::connect(upstream).await else {
                    return;
                };
                if server.write_all(&request).await.is_err() {
                    return;
                }
                // Read the whole response (the server closes or we time out), pass half.
                let mut response = Vec::new();
                let _ = tokio::time::timeout(StdDuration::from_millis(500), async {
                    loop {
                        match server.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(m) => response.extend_from_slice(&buf[..m]),
                        }
                    }
                })
                .await;
                let _ = client.write_all(&response[..response.len() / 2]).await;
            }
        }
    }
}
