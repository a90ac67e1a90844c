//! The app: what the native UIs and the CLI call.
//!
//! Opening reads only the cache and the keystore; showing a code signs it on
//! the device. The network is used by `login`, `sync` and the actions, and
//! what it does is reported, never waited on by the code screen.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use suikang_protocol::api::{
    ApplyProxyRequest, ApplyResponse, ApplySelfRequest, CodeRole, CodeView, CodesResponse,
    DocumentInput, ErrorCode, HealthDeclarationRequest, IssuerView, KeyAreaTravel,
    LoginFinishRequest, LoginStartRequest, PrintedCodeResponse, RefreshRequest, SessionTokens,
    SessionView, Symptom, paths,
};
use suikang_protocol::district::district_code;
use suikang_protocol::{
    Document, DocumentKind, Presentation, PresentationError, SignedCredential, TrustList,
    device_binding, mask_name,
};
use time::{Duration, OffsetDateTime};
use tokio::sync::Mutex as AsyncMutex;
use zeroize::Zeroizing;

use crate::cache::{Cache, CacheRecovery};
use crate::clock::Clock;
use crate::codes::CodeSummary;
use crate::error::CoreError;
use crate::face::{FaceVerifier, FaceVerifierError};
use crate::http::{Http, HttpError, NetworkState, Reply, RetryPolicy};
use crate::outbox::{Action, QueuedAction, final_refusal, idempotency_key};
use crate::proxy::ProxyApplication;
use crate::secrets::{SecretStore, names};

/// Where the app keeps its cache and which server and roots it trusts.
#[derive(Clone, Debug)]
pub struct AppConfig {
    pub data_dir: PathBuf,
    /// The issuing server, e.g. `https://api.suikang.example`.
    pub server_url: String,
    /// The trust-list root keys the app ships with (more than one during a
    /// root rotation).
    pub trust_roots: Vec<[u8; 32]>,
    /// SHA-256 of the server's SubjectPublicKeyInfo, to pin it.
    pub pinned_server_key: Option<[u8; 32]>,
    /// DER certificates of a deployment's own CA, trusted beside the
    /// bundled web-PKI roots (an e-government cloud with a private PKI).
    pub extra_root_certificates: Vec<Vec<u8>>,
    pub retry: RetryPolicy,
}

/// The outcome of an action that may wait for the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// The server has it.
    Delivered,
    /// Queued on the phone; delivered once when the network returns.
    Queued,
}

/// What a sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub codes_changed: bool,
    pub trust_list_changed: bool,
    /// Queued actions the server now has (`u32`: it crosses the FFI as it is).
    pub delivered: u32,
    /// Queued actions the server refused (they will not be retried).
    pub refused: Vec<ErrorCode>,
}

/// A code ready to show: a presentation signed on the device just now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresentedCode {
    pub code: CodeSummary,
    pub qr_text: String,
    pub presented_at: OffsetDateTime,
}

/// Everything the UI's banners need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppStatus {
    pub signed_in: bool,
    /// The server ended this phone's session because the person signed in
    /// on another device.
    pub signed_in_elsewhere: bool,
    pub session: Option<Session>,
    pub network: NetworkState,
    pub last_synced_at: Option<OffsetDateTime>,
    pub queued_actions: u32,
    /// The cache was reset on opening; the codes are being fetched again.
    pub cache_recovery: Option<CacheRecovery>,
}

/// Who is signed in, masked: what of the server's `SessionView` the UIs
/// show (not the device key or the token's expiry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub masked_name: String,
    pub masked_document: String,
    pub document_kind: DocumentKind,
    pub issuer_name_zh: String,
    pub issuer_name_en: String,
}

impl From<SessionView> for Session {
    fn from(s: SessionView) -> Self {
        Session {
            masked_name: s.masked_name,
            masked_document: s.masked_document,
            document_kind: s.document_kind,
            issuer_name_zh: s.issuer.name_zh,
            issuer_name_en: s.issuer.name_en,
        }
    }
}

/// The tokens, as kept in the keystore.
#[derive(Serialize, Deserialize)]
struct StoredSession {
    access_token: String,
    #[serde(with = "time::serde::rfc3339")]
    access_expires_at: OffsetDateTime,
    refresh_token: String,
}

impl From<SessionTokens> for StoredSession {
    fn from(t: SessionTokens) -> Self {
        StoredSession {
            access_token: t.access_token,
            access_expires_at: t.access_expires_at,
            refresh_token: t.refresh_token,
        }
    }
}

mod meta {
    pub const SESSION_VIEW: &str = "session_view";
    pub const ISSUER: &str = "issuer";
    pub const CODES_ETAG: &str = "codes_etag";
    pub const LAST_SYNCED_AT: &str = "last_synced_at";
    pub const TRUST_LIST: &str = "trust_list";
    pub const TRUST_LIST_ETAG: &str = "trust_list_etag";
    pub const SIGNED_IN_ELSEWHERE: &str = "signed_in_elsewhere";
}

/// Refresh the access token this long before it expires.
const REFRESH_MARGIN: Duration = Duration::seconds(30);

pub struct App {
    config: AppConfig,
    secrets: Arc<dyn SecretStore>,
    face: Arc<dyn FaceVerifier>,
    clock: Arc<dyn Clock>,
    cache: Mutex<Cache>,
    /// Built on first use: opening the app never waits for it.
    http: OnceLock<Http>,
    device_key: Mutex<Option<SigningKey>>,
    /// Serialises token refreshes (a refresh token is single-use).
    session: AsyncMutex<()>,
    recovery: Mutex<Option<CacheRecovery>>,
    /// The code the code screen shows (问题五: own first, arrows for the rest).
    pub(crate) selected: Mutex<Option<String>>,
    /// Bumped whenever what a screen shows may have changed.
    pub(crate) changes: tokio::sync::watch::Sender<u64>,
    /// The trust list as last loaded and checked, for the verifier.
    pub(crate) loaded_trust_list: Mutex<Option<Arc<TrustList>>>,
}

impl App {
    /// Opens the app from its data folder and keystore. No network.
    pub fn open(
        config: AppConfig,
        secrets: Arc<dyn SecretStore>,
        face: Arc<dyn FaceVerifier>,
        clock: Arc<dyn Clock>,
    ) -> Result<App, CoreError> {
        crate::http::require_secure_url(&config.server_url)?;
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| CoreError::Storage(e.kind().to_string()))?;
        let (cache, recovery) = Cache::open(&config.data_dir.join("cache.db"), secrets.as_ref())?;
        Ok(App {
            config,
            secrets,
            face,
            clock,
            cache: Mutex::new(cache),
            http: OnceLock::new(),
            device_key: Mutex::new(None),
            session: AsyncMutex::new(()),
            recovery: Mutex::new(recovery),
            selected: Mutex::new(None),
            changes: tokio::sync::watch::Sender::new(0),
            loaded_trust_list: Mutex::new(None),
        })
    }

    pub(crate) fn http(&self) -> Result<&Http, CoreError> {
        if let Some(http) = self.http.get() {
            return Ok(http);
        }
        let http = Http::new(
            &self.config.server_url,
            self.config.retry,
            self.config.pinned_server_key,
            &self.config.extra_root_certificates,
        )
        .map_err(CoreError::Storage)?;
        Ok(self.http.get_or_init(|| http))
    }

    pub(crate) fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache
            .lock()
            .expect("the cache lock is never poisoned by a panic in it")
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    // ------------------------------------------------------------ status

    pub fn status(&self) -> Result<AppStatus, CoreError> {
        let signed_in = self.secrets.load(names::SESSION)?.is_some();
        let cache = self.cache();
        let last_synced_at = cache
            .plain(meta::LAST_SYNCED_AT)?
            .and_then(|b| std::str::from_utf8(&b).ok()?.parse::<i64>().ok())
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok());
        Ok(AppStatus {
            signed_in,
            signed_in_elsewhere: cache.plain(meta::SIGNED_IN_ELSEWHERE)?.is_some(),
            session: if signed_in {
                cache
                    .sealed::<SessionView>(meta::SESSION_VIEW)
                    .unwrap_or(None)
                    .map(Session::from)
            } else {
                None
            },
            network: self.http.get().map_or(NetworkState::Unknown, Http::state),
            last_synced_at,
            queued_actions: cache.outbox_len()?,
            cache_recovery: *self.recovery.lock().expect("recovery lock"),
        })
    }

    // ------------------------------------------------------------ login

    /// Signs in with real name and document and a face check (实名认证,
    /// 人脸识别, 问题四): the server's challenge goes to the app's
    /// [`FaceVerifier`], the vendor's signed result goes back with this
    /// phone's device key. Then the codes are fetched.
    pub async fn login(
        &self,
        name: &str,
        kind: DocumentKind,
        number: &str,
    ) -> Result<SessionView, CoreError> {
        mask_name(name)?;
        let document = Document::parse(kind, number, self.now().date())?;
        let http = self.http()?;
        let request = LoginStartRequest {
            name: name.trim().to_owned(),
            document: DocumentInput {
                kind,
                number: document.number().to_owned(),
            },
        };
        let challenge: suikang_protocol::api::FaceChallenge = http
            .post(paths::LOGIN_START, None, &request, &idempotency_key())
            .await
            .map_err(CoreError::from)?;
        let face_result = self.face.verify(&challenge).await.map_err(|e| match e {
            FaceVerifierError::Cancelled => CoreError::FaceCheckCancelled,
            FaceVerifierError::Failed(m) => CoreError::FaceCheckFailed(m),
        })?;
        let nonce = URL_SAFE_NO_PAD
            .decode(&challenge.nonce)
            .map_err(|_| CoreError::BadServerResponse)?;
        let device_key = self.device_key(true)?.expect("created on demand");
        let finish = LoginFinishRequest {
            challenge_id: challenge.challenge_id.clone(),
            face_result,
            device_public_key: hex::encode(device_key.verifying_key().to_bytes()),
            device_binding_signature: hex::encode(
                device_binding::sign_binding(&device_key, &nonce).to_bytes(),
            ),
        };
        let tokens: SessionTokens = http
            .post(paths::LOGIN_FINISH, None, &finish, &idempotency_key())
            .await
            .map_err(CoreError::from)?;
        self.save_session(tokens.into())?;
        {
            // A new person on this phone sees none of the last one's codes.
            let mut cache = self.cache();
            cache.clear()?;
            cache.remove(meta::SIGNED_IN_ELSEWHERE)?;
        }
        let view: SessionView = self
            .authorized(|token| async move { get_json(http, paths::SESSION, &token).await })
            .await?;
        self.cache().set_sealed(meta::SESSION_VIEW, &view)?;
        if let Err(e) = self.sync().await {
            tracing::info!(error = %e, "signed in; the first sync will be retried");
        }
        Ok(view)
    }

    /// Signs out: the server forgets the session, the phone forgets the
    /// tokens and every cached code. The device key stays (it is this
    /// phone's, not the person's).
    pub async fn logout(&self) -> Result<(), CoreError> {
        if let Some(session) = self.load_session()? {
            let http = self.http()?;
            let ended: Result<serde_json::Value, _> = http
                .post(
                    paths::SESSION_LOGOUT,
                    Some(&session.access_token),
                    &(),
                    &idempotency_key(),
                )
                .await;
            if let Err(e) = ended {
                tracing::info!(error = ?e, "the server did not hear the logout; the session ends here anyway");
            }
        }
        self.secrets.delete(names::SESSION)?;
        self.cache().clear()?;
        *self.selected.lock().expect("selection lock") = None;
        self.changed();
        Ok(())
    }

    /// The device key: loaded from the keystore, created at first login.
    pub(crate) fn device_key(&self, create: bool) -> Result<Option<SigningKey>, CoreError> {
        let mut slot = self.device_key.lock().expect("device key lock");
        if let Some(key) = slot.as_ref() {
            return Ok(Some(key.clone()));
        }
        let key = match self.secrets.load(names::DEVICE_KEY)? {
            Some(seed) => {
                let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
                    seed.as_slice()
                        .try_into()
                        .map_err(|_| CoreError::Keystore("the device key is damaged".into()))?,
                );
                SigningKey::from_bytes(&seed)
            }
            None if create => {
                let mut seed = Zeroizing::new([0; 32]);
                getrandom::fill(seed.as_mut()).expect("the platform has a random source");
                self.secrets.save(names::DEVICE_KEY, seed.as_ref())?;
                SigningKey::from_bytes(&seed)
            }
            None => return Ok(None),
        };
        *slot = Some(key.clone());
        Ok(Some(key))
    }

    fn load_session(&self) -> Result<Option<StoredSession>, CoreError> {
        let Some(bytes) = self.secrets.load(names::SESSION)? else {
            return Ok(None);
        };
        Ok(serde_json::from_slice(&bytes).ok())
    }

    fn save_session(&self, session: StoredSession) -> Result<(), CoreError> {
        let bytes = Zeroizing::new(serde_json::to_vec(&session).expect("a session serialises"));
        self.secrets.save(names::SESSION, &bytes)?;
        Ok(())
    }

    /// The server ended the session: forget the tokens, remember why.
    fn end_session(&self, elsewhere: bool) -> Result<(), CoreError> {
        self.secrets.delete(names::SESSION)?;
        if elsewhere {
            self.cache().set_plain(meta::SIGNED_IN_ELSEWHERE, b"1")?;
        }
        self.changed();
        Ok(())
    }

    /// A valid access token, refreshed by rotation when it is about to expire.
    async fn access_token(&self, force_refresh: bool) -> Result<String, CoreError> {
        let _guard = self.session.lock().await;
        let session = self.load_session()?.ok_or_else(|| self.not_signed_in())?;
        if !force_refresh && session.access_expires_at - REFRESH_MARGIN > self.now() {
            return Ok(session.access_token);
        }
        let http = self.http()?;
        let request = RefreshRequest {
            refresh_token: session.refresh_token.clone(),
        };
        match http
            .post::<_, SessionTokens>(paths::SESSION_REFRESH, None, &request, &idempotency_key())
            .await
        {
            Ok(tokens) => {
                let token = tokens.access_token.clone();
                self.save_session(tokens.into())?;
                Ok(token)
            }
            Err(e) => Err(self.session_error(CoreError::from(e))),
        }
    }

    fn not_signed_in(&self) -> CoreError {
        match self.cache().plain(meta::SIGNED_IN_ELSEWHERE) {
            Ok(Some(_)) => CoreError::SignedInElsewhere,
            _ => CoreError::NotSignedIn,
        }
    }

    /// Ends the local session on the errors that mean the server did.
    fn session_error(&self, error: CoreError) -> CoreError {
        let ended = match &error {
            CoreError::SignedInElsewhere => Some(true),
            CoreError::SessionEnded => Some(false),
            _ => None,
        };
        if let Some(elsewhere) = ended
            && let Err(e) = self.end_session(elsewhere)
        {
            return e;
        }
        error
    }

    /// Runs `call` with an access token; on an expired token, refreshes once
    /// and runs it again.
    pub(crate) async fn authorized<T, F, Fut>(&self, call: F) -> Result<T, CoreError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, HttpError>>,
    {
        let token = self.access_token(false).await?;
        match call(token).await {
            Err(HttpError::Status {
                status: 401,
                detail: Some(d),
            }) if d.code == ErrorCode::TokenExpired => {
                let token = self.access_token(true).await?;
                call(token)
                    .await
                    .map_err(|e| self.session_error(CoreError::from(e)))
            }
            other => other.map_err(|e| self.session_error(CoreError::from(e))),
        }
    }

    // ------------------------------------------------------------ sync

    /// Delivers queued actions, then fetches the codes and the trust list
    /// if they changed (ETag).
    pub async fn sync(&self) -> Result<SyncReport, CoreError> {
        let result = self.sync_codes().await;
        // The banner (offline, last synced) changes either way.
        self.changed();
        result
    }

    async fn sync_codes(&self) -> Result<SyncReport, CoreError> {
        let http = self.http()?;
        let mut report = SyncReport::default();
        self.deliver_outbox(&mut report).await?;

        let etag = self
            .cache()
            .plain(meta::CODES_ETAG)?
            .and_then(|b| String::from_utf8(b).ok());
        let reply = self
            .authorized(|token| {
                let etag = etag.clone();
                async move {
                    http.get::<CodesResponse>(paths::CODES, Some(&token), etag.as_deref())
                        .await
                }
            })
            .await?;
        if let Reply::Fresh { body, etag } = reply {
            self.store_codes(&body, etag.as_deref())?;
            report.codes_changed = true;
        }
        report.trust_list_changed = self.refresh_trust_list().await?;
        self.cache().set_plain(
            meta::LAST_SYNCED_AT,
            self.now().unix_timestamp().to_string().as_bytes(),
        )?;
        *self.recovery.lock().expect("recovery lock") = None;
        Ok(report)
    }

    /// Tells the screens to redraw.
    pub(crate) fn changed(&self) {
        self.changes.send_modify(|n| *n += 1);
    }

    fn store_codes(&self, codes: &CodesResponse, etag: Option<&str>) -> Result<(), CoreError> {
        let rows: Vec<(String, &CodeView)> = codes
            .own
            .iter()
            .chain(&codes.dependents)
            .map(|c| (c.code_id.clone(), c))
            .collect();
        let mut cache = self.cache();
        cache.replace_codes(&rows)?;
        cache.set_sealed(meta::ISSUER, &codes.issuer)?;
        match etag {
            Some(etag) => cache.set_plain(meta::CODES_ETAG, etag.as_bytes())?,
            None => cache.remove(meta::CODES_ETAG)?,
        }
        Ok(())
    }

    /// Fetches the trust list if it changed (a checkpoint needs no login);
    /// keeps it only if one of the app's roots signed it and its sequence is
    /// not below the highest this phone has seen. Returns whether it changed.
    pub async fn refresh_trust_list(&self) -> Result<bool, CoreError> {
        let http = self.http()?;
        // A cached list that no longer verifies is fetched whole again: its
        // ETag would keep answering 304 and leave it broken for good.
        let cached_ok = matches!(self.trust_list(), Ok(Some(_)));
        let etag = if cached_ok {
            self.cache()
                .plain(meta::TRUST_LIST_ETAG)?
                .and_then(|b| String::from_utf8(b).ok())
        } else {
            self.cache().remove(meta::TRUST_LIST_ETAG)?;
            None
        };
        let Reply::Fresh { body, etag } = http
            .get_bytes(paths::TRUST_LIST, None, etag.as_deref())
            .await
            .map_err(CoreError::from)?
        else {
            return Ok(false);
        };
        match self.accept_trust_list(body) {
            Ok(()) => {
                if let Some(etag) = etag {
                    self.cache()
                        .set_plain(meta::TRUST_LIST_ETAG, etag.as_bytes())?;
                }
                Ok(true)
            }
            Err(e) => {
                // Never keep the ETag of a list that was refused: the next
                // sync asks for the whole list again.
                self.cache().remove(meta::TRUST_LIST_ETAG)?;
                Err(e)
            }
        }
    }

    fn accept_trust_list(&self, body: Vec<u8>) -> Result<(), CoreError> {
        let text = String::from_utf8(body).map_err(|_| CoreError::BadServerResponse)?;
        let list = TrustList::from_signed_json(&text, &self.roots()?)
            .map_err(|e| CoreError::TrustList(e.to_string()))?;
        let held = self.highest_trust_sequence()?;
        if list.sequence() < held {
            return Err(CoreError::TrustList(
                "older than the list this phone holds".into(),
            ));
        }
        let cache = self.cache();
        cache.set_plain(meta::TRUST_LIST, text.as_bytes())?;
        if list.sequence() > held {
            self.secrets.save(
                names::TRUST_LIST_SEQUENCE,
                list.sequence().to_string().as_bytes(),
            )?;
        }
        *self.loaded_trust_list.lock().expect("trust list lock") = Some(Arc::new(list));
        Ok(())
    }

    /// The highest trust-list sequence this phone has accepted, kept in the
    /// keystore so that wiping the cache does not reopen the door to an old
    /// list that still trusts a retired key (rollback).
    fn highest_trust_sequence(&self) -> Result<u64, CoreError> {
        let kept = self.kept_trust_sequence()?;
        let cached = self
            .trust_list()
            .ok()
            .flatten()
            .map_or(0, |list| list.sequence());
        Ok(kept.max(cached))
    }

    fn kept_trust_sequence(&self) -> Result<u64, CoreError> {
        Ok(self
            .secrets
            .load(names::TRUST_LIST_SEQUENCE)?
            .and_then(|b| std::str::from_utf8(&b).ok()?.parse::<u64>().ok())
            .unwrap_or(0))
    }

    pub(crate) fn roots(&self) -> Result<Vec<VerifyingKey>, CoreError> {
        self.config
            .trust_roots
            .iter()
            .map(|k| {
                VerifyingKey::from_bytes(k)
                    .map_err(|_| CoreError::TrustList("a root key is not valid".into()))
            })
            .collect()
    }

    /// The cached trust list, checked against the roots and against the
    /// highest sequence the keystore remembers every time it is loaded.
    pub fn trust_list(&self) -> Result<Option<TrustList>, CoreError> {
        let Some(bytes) = self.cache().plain(meta::TRUST_LIST)? else {
            return Ok(None);
        };
        let text = String::from_utf8(bytes).map_err(|_| CoreError::CacheCorrupt)?;
        let list = TrustList::from_signed_json(&text, &self.roots()?)
            .map_err(|e| CoreError::TrustList(e.to_string()))?;
        if list.sequence() < self.kept_trust_sequence()? {
            return Err(CoreError::TrustList(
                "older than the list this phone held before".into(),
            ));
        }
        Ok(Some(list))
    }

    // ------------------------------------------------------------ codes, offline

    /// The codes on this phone, one's own first (问题五). From the cache only.
    pub fn codes(&self) -> Result<Vec<CodeSummary>, CoreError> {
        let now = self.now();
        Ok(self
            .cached_codes()?
            .iter()
            .map(|c| CodeSummary::of(c, now))
            .collect())
    }

    /// The issuer the cached codes come from.
    pub fn issuer(&self) -> Result<Option<IssuerView>, CoreError> {
        self.cache().sealed(meta::ISSUER)
    }

    pub(crate) fn cached_codes(&self) -> Result<Vec<CodeView>, CoreError> {
        let mut cache = self.cache();
        match cache.codes() {
            Err(CoreError::CacheCorrupt) => {
                // Never show what does not open: drop it and fetch again.
                cache.replace_codes::<CodeView>(&[])?;
                cache.remove(meta::CODES_ETAG)?;
                *self.recovery.lock().expect("recovery lock") = Some(CacheRecovery::DataCorrupt);
                Ok(Vec::new())
            }
            other => other,
        }
    }

    /// Signs a fresh presentation of a code (one's own if `code_id` is
    /// `None`) on the device, now. Offline: no network involved.
    pub fn present(&self, code_id: Option<&str>) -> Result<PresentedCode, CoreError> {
        let codes = self.cached_codes()?;
        let code = match code_id {
            None => codes
                .iter()
                .find(|c| c.role == CodeRole::Own)
                .ok_or(CoreError::NoCodeYet)?,
            Some(id) => codes
                .iter()
                .find(|c| c.code_id == id)
                .ok_or(CoreError::CodeNotFound)?,
        };
        self.present_view(code, self.now())
    }

    /// Signs a presentation of a cached code at `now`.
    pub(crate) fn present_view(
        &self,
        code: &CodeView,
        now: OffsetDateTime,
    ) -> Result<PresentedCode, CoreError> {
        let issued = code.credential.as_ref().ok_or(CoreError::RefreshNeeded)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(&issued.credential)
            .map_err(|_| CoreError::CacheCorrupt)?;
        let (credential, _) =
            SignedCredential::decode_prefix(&bytes).map_err(|_| CoreError::CacheCorrupt)?;
        let device_key = match self.device_key(false)? {
            Some(key) => key,
            None if self.secrets.load(names::SESSION)?.is_some() => {
                return Err(CoreError::DeviceKeyLost);
            }
            None => return Err(CoreError::NotSignedIn),
        };
        let presentation =
            Presentation::sign(&credential, &device_key, now).map_err(|e| match e {
                // The session was bound to a key this keystore no longer
                // holds: only a new login binds a new one.
                PresentationError::NotThisDevice => CoreError::DeviceKeyLost,
                _ => CoreError::RefreshNeeded,
            })?;
        Ok(PresentedCode {
            code: CodeSummary::of(code, now),
            qr_text: presentation.to_qr_text(),
            presented_at: presentation.presented_at(),
        })
    }

    // ------------------------------------------------------------ actions

    /// Applies for one's own code (blue; 一人一码: the same code if one
    /// exists). Needs the network.
    pub async fn apply_self(&self) -> Result<ApplyResponse, CoreError> {
        let http = self.http()?;
        let key = idempotency_key();
        let response = self
            .authorized(|token| {
                let key = key.clone();
                async move {
                    http.post(paths::APPLY_SELF, Some(&token), &ApplySelfRequest {}, &key)
                        .await
                }
            })
            .await?;
        self.sync().await?;
        Ok(response)
    }

    /// Applies on a dependent's behalf (代申领, 问题二). Needs the network:
    /// the dependent's full name and document never rest on the phone.
    /// If someone else already holds the person's code, the server answers
    /// `JoinRequestPending` and learns them nothing more: a request to join
    /// waits for a guardian's consent (DESIGN §2). A residence district
    /// nobody knows is refused here, before anything is sent.
    pub async fn apply_proxy(
        &self,
        application: &ProxyApplication,
    ) -> Result<ApplyResponse, CoreError> {
        mask_name(&application.name)?;
        let document = Document::parse(application.kind, &application.number, self.now().date())?;
        let residence_district = application
            .residence_district
            .as_deref()
            .map(district_code)
            .transpose()?;
        let http = self.http()?;
        let request = ApplyProxyRequest {
            name: application.name.trim().to_owned(),
            document: DocumentInput {
                kind: application.kind,
                number: document.number().to_owned(),
            },
            relationship: application.relationship,
            co_resident_declared: application.co_resident_declared,
            reason: application.reason.clone(),
            residence_district,
        };
        let key = idempotency_key();
        let response = self
            .authorized(|token| {
                let (key, request) = (key.clone(), request.clone());
                async move {
                    http.post(paths::APPLY_PROXY, Some(&token), &request, &key)
                        .await
                }
            })
            .await?;
        self.sync().await?;
        Ok(response)
    }

    /// A health declaration (健康申报, 问题六) for one's own code or a
    /// dependent's. Queued if the network is down.
    pub async fn declare(
        &self,
        code_id: Option<&str>,
        symptoms: Vec<Symptom>,
        travel_from_key_area: Option<KeyAreaTravel>,
    ) -> Result<SubmitOutcome, CoreError> {
        if let Some(id) = code_id {
            self.known_code(id)?;
        }
        // Refused now rather than after a queued delivery: the district
        // arrived in must be one whose community can release the control
        // (问题十).
        if let Some(travel) = &travel_from_key_area {
            district_code(&travel.district)?;
        }
        let request = HealthDeclarationRequest {
            code_id: code_id.map(str::to_owned),
            symptoms,
            travel_from_key_area,
            district: None,
        };
        self.submit(Action::Declare(request)).await
    }

    /// Leaves a dependent's guardians: stops holding their code. The last
    /// guardian leaving ends the proxy holding (the code stays on the
    /// server, with its controls, for the next application). Queued if the
    /// network is down.
    pub async fn remove_dependent(&self, code_id: &str) -> Result<SubmitOutcome, CoreError> {
        let code = self.known_code(code_id)?;
        if code.role != CodeRole::Dependent {
            return Err(CoreError::CodeNotFound);
        }
        self.submit(Action::RemoveDependent {
            code_id: code_id.to_owned(),
        })
        .await
    }

    fn known_code(&self, code_id: &str) -> Result<CodeView, CoreError> {
        self.cached_codes()?
            .into_iter()
            .find(|c| c.code_id == code_id)
            .ok_or(CoreError::CodeNotFound)
    }

    /// Queues the action, then tries to deliver the queue.
    async fn submit(&self, action: Action) -> Result<SubmitOutcome, CoreError> {
        if self.load_session()?.is_none() {
            return Err(self.not_signed_in());
        }
        let seq = self
            .cache()
            .push_outbox(&QueuedAction::new(action, self.now()))?;
        let mut report = SyncReport::default();
        match self.deliver_outbox(&mut report).await {
            Ok(()) => {}
            Err(CoreError::NetworkUnavailable | CoreError::ServerUnavailable { .. }) => {
                return Ok(SubmitOutcome::Queued);
            }
            Err(e) => return Err(e),
        }
        if let Some(code) = report.refused.first() {
            return Err(match code {
                ErrorCode::NoCodeYet => CoreError::NoCodeYet,
                code => CoreError::Refused {
                    code: *code,
                    message: "the server refused the action".into(),
                },
            });
        }
        let still_queued = self
            .cache()
            .outbox::<QueuedAction>()?
            .iter()
            .any(|(s, _, _)| *s == seq);
        if still_queued {
            return Ok(SubmitOutcome::Queued);
        }
        if let Err(e) = self.sync().await {
            tracing::info!(error = %e, "delivered; the refresh of the codes will be retried");
        }
        Ok(SubmitOutcome::Delivered)
    }

    /// Delivers queued actions in order, stopping at the first that cannot
    /// reach the server. An action the server refuses is dropped and
    /// reported.
    async fn deliver_outbox(&self, report: &mut SyncReport) -> Result<(), CoreError> {
        let queued: Vec<(i64, u32, QueuedAction)> = match self.cache().outbox() {
            Ok(q) => q,
            Err(CoreError::CacheCorrupt) => {
                tracing::warn!("a queued action does not open; the queue is dropped");
                let cache = self.cache();
                for (seq, _, _) in cache.outbox::<serde_json::Value>().unwrap_or_default() {
                    cache.remove_outbox(seq)?;
                }
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        let http = self.http()?;
        for (seq, _, queued) in queued {
            self.cache().count_attempt(seq)?;
            let key = &queued.idempotency_key;
            let action = &queued.action;
            let result = self
                .authorized(|token| async move { action.deliver(http, &token, key).await })
                .await;
            match result {
                // The server kept the effect of an earlier delivery but not
                // its answer: delivered; the sync's read shows the result.
                Ok(())
                | Err(CoreError::Refused {
                    code: ErrorCode::RequestAlreadyApplied,
                    ..
                }) => {
                    self.cache().remove_outbox(seq)?;
                    report.delivered += 1;
                }
                Err(e) => {
                    let code = final_refusal(e)?;
                    tracing::warn!(?code, "the server refused a queued action; it is dropped");
                    self.cache().remove_outbox(seq)?;
                    report.refused.push(code);
                }
            }
        }
        Ok(())
    }

    /// A dependent's printable code (打印版, 问题五), fetched from the server.
    pub async fn printed_code(&self, code_id: &str) -> Result<PrintedCodeResponse, CoreError> {
        let code = self.known_code(code_id)?;
        if code.role != CodeRole::Dependent {
            return Err(CoreError::CodeNotFound);
        }
        let http = self.http()?;
        let printed: PrintedCodeResponse = self
            .authorized(|token| async move {
                get_json(http, &paths::dependent_printed(code_id), &token).await
            })
            .await?;
        // The card then says until when this page holds (issue 15): the
        // guardian reprints before the checkpoints stop accepting it.
        self.cache().set_plain(
            &printed_key(code_id),
            printed
                .printed
                .expires_at
                .unix_timestamp()
                .to_string()
                .as_bytes(),
        )?;
        self.changed();
        Ok(printed)
    }

    /// When the page last printed on this phone for `code_id` stops being
    /// accepted, if one was printed since the last sign-in.
    pub(crate) fn printed_until(&self, code_id: &str) -> Result<Option<OffsetDateTime>, CoreError> {
        let recorded = self.cache().plain(&printed_key(code_id))?;
        Ok(recorded
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| text.parse::<i64>().ok())
            .and_then(|seconds| OffsetDateTime::from_unix_timestamp(seconds).ok()))
    }
}

/// The cache's record of a dependent's last printed page (a time; the code
/// id is random and names nobody).
fn printed_key(code_id: &str) -> String {
    format!("printed_until/{code_id}")
}

impl App {
    /// A dependent's printable page (打印版, 问题五) as a file in `format`:
    /// fetched from the server, drawn on the phone with the system's fonts.
    pub async fn print_page(
        &self,
        code_id: &str,
        format: crate::print::PageFormat,
    ) -> Result<Vec<u8>, CoreError> {
        self.print_page_with(code_id, format, &crate::print::PageFonts::system())
            .await
    }

    /// [`App::print_page`] with the app's own fonts first, then the system's.
    pub async fn print_page_with(
        &self,
        code_id: &str,
        format: crate::print::PageFormat,
        fonts: &crate::print::PageFonts,
    ) -> Result<Vec<u8>, CoreError> {
        let printed = self.printed_code(code_id).await?;
        let issuer = self.issuer()?.ok_or(CoreError::NoCodeYet)?;
        let page = crate::print::PrintablePage::from_printed_code(&printed, &issuer)?;
        Ok(crate::print::render(&page, format, fonts)?)
    }
}

async fn get_json<T: serde::de::DeserializeOwned>(
    http: &Http,
    path: &str,
    token: &str,
) -> Result<T, HttpError> {
    match http.get(path, Some(token), None).await? {
        Reply::Fresh { body, .. } => Ok(body),
        Reply::NotModified => Err(HttpError::Decode),
    }
}
