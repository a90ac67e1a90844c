//! Starting an instance: from the command line, or in process for tests,
//! the CLI demo and end-to-end scenarios.

use std::net::SocketAddr;
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use suikang_protocol::{AuthorityRole, IssuerEntry, Relationship};
use time::{Duration, OffsetDateTime};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::admin::{self, AdminError};
use crate::config::{
    FaceVendorSetting, IssuerProfile, KeySource, Policy, ServerConfig, TrustSigning,
};
use crate::error::ApiError;
use crate::face::FaceVendor;
use crate::issuer::{Issuer, TrustLoadError};
use crate::keys::{self, KeyFileError};
use crate::routes;
use crate::store::{AccountKind, PgStore, SqliteStore, Store, StoreError};
use crate::trust_file::{self, TrustFileError};

/// File name of the database under the data directory.
pub const DATABASE_FILE: &str = "suikang.db";
/// The profile the instance last ran as, for the offline admin commands.
pub const PROFILE_FILE: &str = "issuer.json";

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot use data directory {0}: {1}")]
    DataDir(std::path::PathBuf, std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    #[error(transparent)]
    DataDirExposed(#[from] keys::DataDirError),
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error("the server could not load its trust list: {0}")]
    Trust(#[from] ApiError),
    #[error(transparent)]
    TrustList(#[from] TrustLoadError),
    #[error(
        "no face vendor configured: pass --face-vendor-id and --face-vendor-key, or --dev-face-simulator for development"
    )]
    NoFaceVendor,
}

/// A running instance. Dropping it leaves the server running until the
/// runtime ends; [`RunningServer::shutdown`] stops it.
pub struct RunningServer {
    pub addr: SocketAddr,
    /// Where `/metrics` is served when not on [`RunningServer::addr`].
    pub metrics_addr: Option<SocketAddr>,
    pub issuer: Arc<Issuer>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    /// The temporary data directory of an in-process instance.
    _temp_dir: Option<tempfile::TempDir>,
}

impl RunningServer {
    /// The development simulator's SDK side, in process: a signed result
    /// for `challenge`; `None` unless the server runs the simulator.
    pub fn simulate_face(
        &self,
        challenge: &suikang_protocol::api::FaceChallenge,
        capture: suikang_protocol::api::FaceCapture,
    ) -> Option<suikang_protocol::api::SignedFaceResult> {
        self.issuer
            .face
            .as_ref()?
            .simulate(challenge, capture, &crate::face::Identity::default())
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Our entry in the trust list, to give to another instance.
    pub fn issuer_entry(&self) -> IssuerEntry {
        self.issuer.trust().own.clone()
    }

    /// The trust list as published now, signed by the root key.
    pub fn signed_trust_list(&self) -> String {
        self.issuer.trust().signed_json.clone()
    }

    pub fn root_public_key(&self) -> ed25519_dalek::VerifyingKey {
        self.issuer
            .trust()
            .root
            .expect("a running server serves a signed trust list")
    }

    /// Moves this instance's clock forward (expiry, credential re-issue).
    pub fn advance_clock(&self, by: Duration) {
        self.issuer.advance_clock(by);
    }

    /// Creates an authority account; returns its bearer token.
    pub async fn create_authority(
        &self,
        role: AuthorityRole,
        organisation: &str,
        district: &str,
    ) -> Result<String, ApiError> {
        let (_, token) = self
            .issuer
            .create_account(
                AccountKind::Authority(role),
                organisation,
                district,
                organisation,
            )
            .await?;
        Ok(token)
    }

    /// Creates a committee or property-management account; returns its token.
    pub async fn create_institution(
        &self,
        relationship: Relationship,
        organisation: &str,
        district: &str,
    ) -> Result<String, ApiError> {
        let (_, token) = self
            .issuer
            .create_account(
                AccountKind::Institution(relationship),
                organisation,
                district,
                organisation,
            )
            .await?;
        Ok(token)
    }

    /// Creates a checkpoint account (the online check); returns its token.
    pub async fn create_checkpoint(
        &self,
        organisation: &str,
        district: &str,
    ) -> Result<String, ApiError> {
        let (_, token) = self
            .issuer
            .create_account(
                AccountKind::Checkpoint,
                organisation,
                district,
                organisation,
            )
            .await?;
        Ok(token)
    }

    /// Trusts another issuer from now on.
    pub async fn trust_issuer(&self, entry: &IssuerEntry) -> Result<(), ApiError> {
        self.issuer.trust_issuer(entry).await
    }

    /// Stops accepting connections and waits for the server to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

fn load_key(source: &KeySource) -> Result<Option<SigningKey>, KeyFileError> {
    Ok(match source {
        KeySource::InDataDir => None,
        KeySource::File(path) => Some(SigningKey::from_bytes(&keys::read_secret(path)?.0)),
        KeySource::Given(key) => Some(key.clone()),
    })
}

/// Opens the data directory: database, keys, trust list. Shared by
/// [`start`] and the admin commands.
pub async fn open_issuer(config: &ServerConfig) -> Result<Arc<Issuer>, StartError> {
    let dir = &config.data_dir;
    // The folder holds the keys whichever engine holds the data.
    keys::secure_data_dir(dir, &dir.join(DATABASE_FILE))?;
    let store: Arc<dyn Store> = match &config.database_url {
        Some(url) => {
            Arc::new(PgStore::connect_with_pool_size(url, config.database_pool_size).await?)
        }
        None => Arc::new(SqliteStore::open(&dir.join(DATABASE_FILE))?),
    };
    let now = OffsetDateTime::now_utc();
    let root = match config.trust_signing {
        TrustSigning::Here => Some(match load_key(&config.root_key)? {
            Some(key) => key,
            None => {
                SigningKey::from_bytes(&keys::load_or_create_secret(&keys::root_key_path(dir))?.0)
            }
        }),
        TrustSigning::Offline => None,
    };
    let given_issuer = load_key(&config.issuer_key)?;
    admin::ensure_issuer_key(&*store, dir, given_issuer.as_ref(), now).await?;
    for entry in &config.trusted_issuers {
        admin::add_trusted_issuer(&*store, entry).await?;
    }
    let document_secret = keys::load_or_create_secret(&keys::document_secret_path(dir))?;
    let issuer_keys = keys::load_issuer_keys(dir)?;
    if let Ok(json) = serde_json::to_string_pretty(&ProfileFile::from(&config.issuer)) {
        let _ = std::fs::write(dir.join(PROFILE_FILE), json);
    }
    Ok(Issuer::new(
        store,
        config.issuer.clone(),
        config.policy.clone(),
        dir.clone(),
        config.face_vendor.as_ref().map(FaceVendor::from_setting),
        root,
        document_secret.0,
        issuer_keys,
    )
    .await?)
}

/// Starts the server on `listen` (port 0 picks a free one).
pub async fn start(config: ServerConfig, listen: SocketAddr) -> Result<RunningServer, StartError> {
    if config.face_vendor.is_none() {
        return Err(StartError::NoFaceVendor);
    }
    if config.trust_signing == TrustSigning::Offline {
        let on_server = keys::root_key_path(&config.data_dir);
        if on_server.exists() {
            return Err(TrustLoadError::from(TrustFileError::RootKeyOnServer(on_server)).into());
        }
    }
    let issuer = open_issuer(&config).await?;
    if issuer.trust().signed_json.is_empty() {
        let missing = TrustFileError::Missing(trust_file::signed_list_path(&config.data_dir));
        return Err(TrustLoadError::from(missing).into());
    }
    serve_issuer(issuer, listen, config.metrics_listen, None).await
}

async fn bind(listen: SocketAddr) -> Result<(TcpListener, SocketAddr), StartError> {
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| StartError::Listen(listen, e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Listen(listen, e))?;
    Ok((listener, addr))
}

async fn serve_issuer(
    issuer: Arc<Issuer>,
    listen: SocketAddr,
    metrics_listen: Option<SocketAddr>,
    temp_dir: Option<tempfile::TempDir>,
) -> Result<RunningServer, StartError> {
    let (listener, addr) = bind(listen).await?;
    let mut router = routes::router(issuer.clone());
    let limits = issuer.policy.connection_limits;
    // `/metrics` on its own address if asked (scrapes then never pass the
    // load balancer), else beside the API.
    let (metrics_task, metrics_addr) = match metrics_listen {
        None => {
            router = router.merge(routes::metrics_router(issuer.clone()));
            (None, None)
        }
        Some(listen) => {
            let (listener, addr) = bind(listen).await?;
            let app = routes::metrics_router(issuer.clone());
            let task = tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app).await {
                    tracing::error!(error = %e, "metrics listener stopped");
                }
            });
            tracing::info!(%addr, "metrics listening");
            (Some(task), Some(addr))
        }
    };
    let (tx, rx) = oneshot::channel::<()>();
    let reloader = {
        // Admin commands change keys and trusted issuers offline, and the
        // root's holder replaces the signed list: follow them.
        let issuer = Arc::downgrade(&issuer);
        tokio::spawn(async move {
            let mut refused: Option<String> = None;
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                let Some(issuer) = issuer.upgrade() else {
                    break;
                };
                let changed = if issuer.signs_trust_list() {
                    matches!(issuer.store.trust_sequence().await,
                        Ok(seq) if seq != issuer.trust().sequence)
                } else {
                    // A file refused once is not retried (nor logged) until
                    // it changes again.
                    match std::fs::read_to_string(trust_file::signed_list_path(&issuer.data_dir)) {
                        Ok(text) if text != issuer.trust().signed_json => {
                            let new = refused.as_ref() != Some(&text);
                            refused = Some(text);
                            new
                        }
                        _ => false,
                    }
                };
                if changed {
                    match issuer.reload_trust().await {
                        Ok(()) => refused = None,
                        Err(e) => tracing::error!(error = %e, "trust list reload failed"),
                    }
                }
            }
        })
    };
    let housekeeper = crate::housekeeping::spawn(&issuer);
    let task = tokio::spawn(async move {
        // A cap on connections and timeouts on slow ones (issue 12).
        crate::connections::serve(listener, router, limits, async {
            let _ = rx.await;
        })
        .await;
        reloader.abort();
        housekeeper.abort();
        if let Some(task) = metrics_task {
            task.abort();
        }
    });
    tracing::info!(%addr, "listening");
    Ok(RunningServer {
        addr,
        metrics_addr,
        issuer,
        shutdown: Some(tx),
        task,
        _temp_dir: temp_dir,
    })
}

/// Options for an in-process instance.
#[derive(Clone, Debug)]
pub struct InProcessOptions {
    pub issuer: IssuerProfile,
    pub policy: Policy,
    /// The root key the trust list is signed with; several instances share one.
    pub root_key: Option<SigningKey>,
    pub issuer_key: Option<SigningKey>,
    pub trusted_issuers: Vec<IssuerEntry>,
    /// In process means development or tests: the simulator by default.
    pub face_vendor: FaceVendorSetting,
    /// A `postgres://` URL; `None`: SQLite in the temporary directory.
    pub database_url: Option<String>,
    /// Connections to PostgreSQL this replica keeps at most.
    pub database_pool_size: usize,
    /// Keys (and SQLite) here instead of a new temporary directory: replicas
    /// of one issuer share it, as real ones share the same key files.
    pub data_dir: Option<std::path::PathBuf>,
}

impl InProcessOptions {
    pub fn new(issuer: IssuerProfile) -> InProcessOptions {
        InProcessOptions {
            issuer,
            policy: Policy::default(),
            root_key: None,
            issuer_key: None,
            trusted_issuers: Vec::new(),
            face_vendor: FaceVendorSetting::DevSimulator,
            database_url: None,
            database_pool_size: crate::store::postgres::DEFAULT_POOL_SIZE,
            data_dir: None,
        }
    }
}

/// Starts an instance on 127.0.0.1:0 with a fresh temporary data directory
/// (removed when the returned server is dropped) or the one given.
pub async fn start_in_process(options: InProcessOptions) -> Result<RunningServer, StartError> {
    let (temp, dir) = match options.data_dir {
        Some(dir) => (None, dir),
        None => {
            let temp = tempfile::tempdir().map_err(|e| StartError::DataDir("(temp)".into(), e))?;
            let dir = temp.path().to_owned();
            (Some(temp), dir)
        }
    };
    let mut config = ServerConfig::new(dir, options.issuer);
    config.database_url = options.database_url;
    config.database_pool_size = options.database_pool_size;
    config.policy = options.policy;
    config.root_key = options
        .root_key
        .map_or(KeySource::InDataDir, KeySource::Given);
    config.issuer_key = options
        .issuer_key
        .map_or(KeySource::InDataDir, KeySource::Given);
    config.trusted_issuers = options.trusted_issuers;
    config.face_vendor = Some(options.face_vendor);
    let issuer = open_issuer(&config).await?;
    serve_issuer(issuer, SocketAddr::from(([127, 0, 0, 1], 0)), None, temp).await
}

/// Suikang (issuer 1) and Yuekang (issuer 2) in process, under one root key,
/// each trusting the other (互扫互通).
pub async fn start_suikang_and_yuekang(
    root: SigningKey,
) -> Result<(RunningServer, RunningServer), StartError> {
    let mut suikang = InProcessOptions::new(IssuerProfile::suikang());
    suikang.root_key = Some(root.clone());
    let suikang = start_in_process(suikang).await?;
    let mut yuekang = InProcessOptions::new(IssuerProfile::yuekang());
    yuekang.root_key = Some(root);
    yuekang.trusted_issuers = vec![suikang.issuer_entry()];
    let yuekang = start_in_process(yuekang).await?;
    suikang.trust_issuer(&yuekang.issuer_entry()).await?;
    Ok((suikang, yuekang))
}

/// The issuer profile as kept beside the database.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct ProfileFile {
    pub issuer_id: u16,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub colors: suikang_protocol::ColorScheme,
}

impl From<&IssuerProfile> for ProfileFile {
    fn from(p: &IssuerProfile) -> Self {
        ProfileFile {
            issuer_id: p.id.0,
            slug: p.slug.clone(),
            name_zh: p.name_zh.clone(),
            name_en: p.name_en.clone(),
            colors: p.colors,
        }
    }
}

impl From<ProfileFile> for IssuerProfile {
    fn from(p: ProfileFile) -> Self {
        IssuerProfile {
            id: suikang_protocol::IssuerId(p.issuer_id),
            slug: p.slug,
            name_zh: p.name_zh,
            name_en: p.name_en,
            colors: p.colors,
        }
    }
}
