//! The `App` object: the core's `App` behind async methods, each run on
//! the facade's one tokio runtime, off the caller's thread.
//! Each method converts its arguments, calls the core once, converts the
//! answer. Nothing is decided here.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use suikang_core::app::AppConfig as CoreAppConfig;
use suikang_core::print::PageFormat;
use suikang_core::{
    FileSecretStore, KeyringSecretStore, RetryPolicy, ScreenSubscription,
    SecretStore as CoreSecretStore, SubmitOutcome, SystemClock,
};
use suikang_protocol::api::{KeyAreaTravel as CoreTravel, Symptom};
use suikang_protocol::{DeviceReason, DocumentKind, Relationship};

use crate::callbacks::{
    FaceVerifier, ForeignFace, ForeignListener, ForeignSecrets, ScreenListener, SecretStore,
};
use crate::error::SuikangError;
use crate::model::{
    AppStatus, ApplyResult, CheckResult, CodeSummary, DeviceReasonChoice, DistrictChoice,
    JoinDecisionResult, JoinRequest, KeyAreaTravel, OnlineCheckResult, ProxyApplication, Screen,
    SyncReport,
};

type Result<T> = std::result::Result<T, SuikangError>;

/// How hard the app tries before it reports the network unavailable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct NetworkPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The backoff before the first retry; doubles each time.
    pub base_delay: Duration,
    pub max_delay: Duration,
    pub max_retry_after: Duration,
    /// Each attempt's limit, connecting included.
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
}

impl From<NetworkPolicy> for RetryPolicy {
    fn from(p: NetworkPolicy) -> Self {
        RetryPolicy {
            max_attempts: p.max_attempts,
            base_delay: p.base_delay,
            max_delay: p.max_delay,
            max_retry_after: p.max_retry_after,
            request_timeout: p.request_timeout,
            connect_timeout: p.connect_timeout,
        }
    }
}

/// Where the app keeps its data and whom it trusts.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct AppConfig {
    /// The app's private files folder (the cache lives here).
    pub data_dir: String,
    /// The issuing server, e.g. `https://api.suikang.example`.
    pub server_url: String,
    /// The trust-list root public keys the app ships with, 64 hex digits
    /// each (more than one during a root rotation).
    pub trust_roots: Vec<String>,
    /// SHA-256 of the server's SubjectPublicKeyInfo (64 hex digits), to pin it.
    #[uniffi(default = None)]
    pub pinned_server_key: Option<String>,
    /// The keystore service the platform keychain files secrets under
    /// (the app id); used when the app passes no `SecretStore`.
    #[uniffi(default = "cn.suikang.app")]
    pub keystore_service: String,
    /// Retries and timeouts; the core's defaults when absent.
    #[uniffi(default = None)]
    pub network: Option<NetworkPolicy>,
}

fn key32(hex_text: &str, what: &str) -> Result<[u8; 32]> {
    let mut key = [0; 32];
    hex::decode_to_slice(hex_text.trim(), &mut key).map_err(|_| SuikangError::InvalidArgument {
        reason: format!("{what} is not 64 hex digits"),
    })?;
    Ok(key)
}

/// The one runtime the facade runs on (issue 15): every call the apps make
/// runs here, never on the caller's thread. uniffi polls an exported `async
/// fn` on the thread that called it (Android's Main, Swift's main actor), so
/// each method hands its work to this runtime and the caller only waits on
/// the task: blocking core work (SQLite, AEAD, Ed25519, QR encoding, image
/// decoding) on its blocking pool, network work on its workers. The screen
/// subscriptions run here too.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            // A phone: a few codes at a time, never hundreds of threads.
            .max_blocking_threads(8)
            .thread_name("suikang")
            .enable_all()
            .build()
            .expect("a tokio runtime starts")
    })
}

/// A task on [`runtime`], awaited from whatever executor polls the call
/// (uniffi's foreign-future scheduler). Dropping it aborts the task, so a
/// cancelled Kotlin coroutine or Swift `Task` still cancels the network
/// request, as it did when the future ran in place. (Blocking work that has
/// started runs to its end: it is short, and leaves the cache whole.)
struct Task<T>(tokio::task::JoinHandle<Result<T>>);

impl<T> Future for Task<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        Pin::new(&mut self.0).poll(cx).map(|joined| match joined {
            Ok(answer) => answer,
            Err(e) if e.is_panic() => Err(SuikangError::Internal {
                reason: "the core failed unexpectedly".into(),
            }),
            Err(_) => Err(SuikangError::Internal {
                reason: "the call was cancelled".into(),
            }),
        })
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The app: sign in, sync, show, switch, print and verify codes.
#[derive(uniffi::Object)]
pub struct App {
    core: Arc<suikang_core::App>,
}

/// The platform keystore, or on a desktop without one (Linux, the host
/// tests) 0600 files under the data folder.
fn default_secrets(config: &AppConfig) -> Result<Arc<dyn CoreSecretStore>> {
    match KeyringSecretStore::platform(config.keystore_service.clone()) {
        Ok(store) => Ok(Arc::new(store)),
        Err(e)
            if cfg!(any(
                target_os = "android",
                target_os = "ios",
                target_os = "macos"
            )) =>
        {
            Err(SuikangError::Keystore { reason: e.0 })
        }
        Err(_) => {
            let dir = PathBuf::from(&config.data_dir).join("secrets");
            let store =
                FileSecretStore::new(dir).map_err(|e| SuikangError::Keystore { reason: e.0 })?;
            Ok(Arc::new(store))
        }
    }
}

impl App {
    /// Core work that blocks (the cache, signing, QR, image decoding), on
    /// the runtime's blocking pool.
    async fn blocking<T, W>(&self, work: W) -> Result<T>
    where
        T: Send + 'static,
        W: FnOnce(&suikang_core::App) -> Result<T> + Send + 'static,
    {
        let core = Arc::clone(&self.core);
        Task(runtime().spawn_blocking(move || work(&core))).await
    }

    /// Core work that awaits the network, on the runtime's workers.
    async fn on_runtime<T, W, F>(&self, work: W) -> Result<T>
    where
        T: Send + 'static,
        W: FnOnce(Arc<suikang_core::App>) -> F,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        Task(runtime().spawn(work(Arc::clone(&self.core)))).await
    }
}

#[uniffi::export]
impl App {
    /// Opens the app from its data folder and keystore. No network: the
    /// codes saved on the phone show at once.
    #[uniffi::constructor(default(secrets = None))]
    pub fn new(
        config: AppConfig,
        face: Arc<dyn FaceVerifier>,
        secrets: Option<Arc<dyn SecretStore>>,
    ) -> Result<Arc<App>> {
        let trust_roots = config
            .trust_roots
            .iter()
            .map(|k| key32(k, "a trust root"))
            .collect::<Result<Vec<_>>>()?;
        let pinned_server_key = config
            .pinned_server_key
            .as_deref()
            .map(|k| key32(k, "the pinned server key"))
            .transpose()?;
        let secrets: Arc<dyn CoreSecretStore> = match secrets {
            Some(store) => Arc::new(ForeignSecrets(store)),
            None => default_secrets(&config)?,
        };
        let core_config = CoreAppConfig {
            data_dir: PathBuf::from(&config.data_dir),
            server_url: config.server_url.clone(),
            trust_roots,
            pinned_server_key,
            extra_root_certificates: Vec::new(),
            retry: config.network.map(Into::into).unwrap_or_default(),
        };
        let core = suikang_core::App::open(
            core_config,
            secrets,
            Arc::new(ForeignFace(face)),
            Arc::new(SystemClock),
        )?;
        Ok(Arc::new(App {
            core: Arc::new(core),
        }))
    }

    /// Signs in with real name, document and a face check (实名认证, 人脸识别):
    /// the app's `FaceVerifier` gets the server's challenge. Then syncs.
    pub async fn login(
        &self,
        name: String,
        kind: DocumentKind,
        number: String,
    ) -> Result<crate::model::Session> {
        self.on_runtime(|core| async move { Ok(core.login(&name, kind, &number).await?.into()) })
            .await
    }

    /// Signs out: the session and every cached code are forgotten.
    pub async fn logout(&self) -> Result<()> {
        self.on_runtime(|core| async move { Ok(core.logout().await?) })
            .await
    }

    pub async fn status(&self) -> Result<AppStatus> {
        self.blocking(|core| Ok(core.status()?)).await
    }

    /// Delivers queued actions, fetches changed codes and trust list.
    pub async fn sync(&self) -> Result<SyncReport> {
        self.on_runtime(|core| async move { Ok(core.sync().await?) })
            .await
    }

    /// The codes on this phone, one's own first. From the cache.
    pub async fn codes(&self) -> Result<Vec<CodeSummary>> {
        self.blocking(|core| Ok(core.codes()?)).await
    }

    /// Applies for one's own code (blue).
    pub async fn apply_self(&self) -> Result<ApplyResult> {
        self.on_runtime(|core| async move { Ok(core.apply_self().await?) })
            .await
    }

    /// Applies on a dependent's behalf (代申领, 问题二). When someone else
    /// holds the person's code this is a request to join their guardians:
    /// `Refused(JOIN_REQUEST_PENDING)`, and nothing more is told. A
    /// residence district nobody knows: `UnknownDistrict`.
    pub async fn apply_proxy(&self, application: ProxyApplication) -> Result<ApplyResult> {
        self.on_runtime(|core| async move { Ok(core.apply_proxy(&application).await?) })
            .await
    }

    /// The requests to join the guardians of this guardian's dependents,
    /// oldest first (DESIGN §2, guardianship consent).
    pub async fn pending_join_requests(&self) -> Result<Vec<JoinRequest>> {
        self.on_runtime(|core| async move { Ok(core.pending_join_requests().await?) })
            .await
    }

    /// Approves a join request: the requester becomes a guardian.
    pub async fn approve_join_request(&self, request_id: String) -> Result<JoinDecisionResult> {
        self.on_runtime(|core| async move { Ok(core.approve_join_request(&request_id).await?) })
            .await
    }

    /// Declines a join request: the requester learns nothing more.
    pub async fn decline_join_request(&self, request_id: String) -> Result<JoinDecisionResult> {
        self.on_runtime(|core| async move { Ok(core.decline_join_request(&request_id).await?) })
            .await
    }

    /// A health declaration (健康申报) for one's own code (`code_id` null)
    /// or a dependent's. Queued when offline.
    pub async fn declare(
        &self,
        code_id: Option<String>,
        symptoms: Vec<Symptom>,
        travel_from_key_area: Option<KeyAreaTravel>,
    ) -> Result<SubmitOutcome> {
        let travel = travel_from_key_area.map(CoreTravel::try_from).transpose()?;
        self.on_runtime(|core| async move {
            Ok(core.declare(code_id.as_deref(), symptoms, travel).await?)
        })
        .await
    }

    /// Leaves a dependent's guardians (stops holding their code); the last
    /// guardian leaving ends the proxy holding. Queued when offline.
    pub async fn remove_dependent(&self, code_id: String) -> Result<SubmitOutcome> {
        self.on_runtime(|core| async move { Ok(core.remove_dependent(&code_id).await?) })
            .await
    }

    /// The code screen now: offline, signed on the device.
    pub async fn screen(&self) -> Result<Screen> {
        self.blocking(|core| Ok(core.screen()?.into())).await
    }

    /// The right arrow: the next dependent's code.
    pub async fn next(&self) -> Result<Screen> {
        self.blocking(|core| Ok(core.next()?.into())).await
    }

    /// The left arrow: back towards one's own code.
    pub async fn previous(&self) -> Result<Screen> {
        self.blocking(|core| Ok(core.previous()?.into())).await
    }

    /// Shows a given code.
    pub async fn select(&self, code_id: String) -> Result<Screen> {
        self.blocking(move |core| Ok(core.select(&code_id)?.into()))
            .await
    }

    /// Calls `listener` with the screen now, then on every change and
    /// renewal, until the handle is cancelled or dropped.
    pub fn subscribe(&self, listener: Arc<dyn ScreenListener>) -> Arc<TaskHandle> {
        // On the one runtime, like every call.
        let _entered = runtime().enter();
        let subscription = self.core.subscribe(Arc::new(ForeignListener(listener)));
        Arc::new(TaskHandle {
            subscription: Mutex::new(Some(subscription)),
        })
    }

    /// A dependent's printed page (打印版, 问题五): fetched from the server,
    /// drawn on the phone.
    pub async fn print(&self, code_id: String, format: PageFormat) -> Result<Vec<u8>> {
        self.on_runtime(|core| async move { Ok(core.print_page(&code_id, format).await?) })
            .await
    }

    /// [`App::print`] with the app's fonts first (TrueType/OpenType files
    /// the app reads, e.g. the platform's CJK system font), then the
    /// system's: each glyph from the first font that has it. A character
    /// no font has gives `PrintFailed` naming what is missing.
    pub async fn print_with_fonts(
        &self,
        code_id: String,
        format: PageFormat,
        fonts: Vec<Vec<u8>>,
    ) -> Result<Vec<u8>> {
        let fonts = suikang_core::PageFonts::app_then_system(fonts);
        self.on_runtime(
            |core| async move { Ok(core.print_page_with(&code_id, format, &fonts).await?) },
        )
        .await
    }

    /// Verifies a scanned QR text, offline, against the cached trust list.
    pub async fn verify(&self, qr_text: String) -> Result<CheckResult> {
        self.blocking(move |core| Ok(core.verify(&qr_text)?)).await
    }

    /// Verifies the code in a camera frame or photo (PNG or JPEG).
    pub async fn verify_image(&self, image: Vec<u8>) -> Result<CheckResult> {
        self.blocking(move |core| Ok(core.verify_image(&image)?))
            .await
    }

    /// Asks the issuing server too: its status may be newer. Needs a
    /// checkpoint account's token (the issuer's admin makes one with
    /// `suikang-server create-checkpoint`), not a resident's sign-in; a code
    /// red now has `stop_now`, whatever it showed. `CheckpointTokenRefused`
    /// when the server does not take the token.
    pub async fn verify_online(
        &self,
        qr_text: String,
        checkpoint_token: String,
    ) -> Result<OnlineCheckResult> {
        self.on_runtime(|core| async move {
            Ok(core
                .verify_online(&qr_text, &checkpoint_token)
                .await?
                .into())
        })
        .await
    }

    /// Fetches the trust list if it changed; whether it did.
    pub async fn refresh_trust_list(&self) -> Result<bool> {
        self.on_runtime(|core| async move { Ok(core.refresh_trust_list().await?) })
            .await
    }
}

/// A running screen subscription: stops on `cancel()` or when dropped
/// (Kotlin `close()`, Swift deinit).
#[derive(uniffi::Object)]
pub struct TaskHandle {
    subscription: Mutex<Option<ScreenSubscription>>,
}

#[uniffi::export]
impl TaskHandle {
    pub fn cancel(&self) {
        if let Some(s) = self.subscription.lock().expect("handle lock").take() {
            s.cancel();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.subscription.lock().expect("handle lock").is_none()
    }
}

/// The language of the core's texts for the phone's locale tag (`zh-CN`,
/// `zh-HK`, `zh-Hant-TW`, `en-GB`): Hong Kong, Macao, Taiwan and the Hant
/// script read Traditional Chinese, other Chinese Simplified, the rest English.
#[uniffi::export]
pub fn language_for_locale(tag: String) -> suikang_core::display::Language {
    suikang_core::display::Language::for_locale(&tag)
}

/// A document kind's name in a language, for the sign-in and proxy pickers.
#[uniffi::export]
pub fn document_kind_label(
    kind: DocumentKind,
    language: suikang_core::display::Language,
) -> String {
    use suikang_core::display::Language;
    match language {
        Language::ZhHans => kind.label_zh(),
        Language::ZhHant => kind.label_zh_hant(),
        Language::En => kind.label_en(),
    }
    .to_owned()
}

/// How a guardian is related, in a language: the proxy form's choices and
/// who asked to join, on the join-request list.
#[uniffi::export]
pub fn relationship_label(
    relationship: Relationship,
    language: suikang_core::display::Language,
) -> String {
    use suikang_core::display::Language;
    match language {
        Language::ZhHans => relationship.label_zh(),
        Language::ZhHant => relationship.label_zh_hant(),
        Language::En => relationship.label_en(),
    }
    .to_owned()
}

/// A code colour's name in a language (红码 / 紅碼 / red code), for the
/// dependents list.
#[uniffi::export]
pub fn color_name(
    color: suikang_protocol::Color,
    language: suikang_core::display::Language,
) -> String {
    use suikang_core::display::Language;
    match language {
        Language::ZhHans => color.name_zh(),
        Language::ZhHant => color.name_zh_hant(),
        Language::En => color.name_en(),
    }
    .to_owned()
}

/// The reasons the proxy form offers for a dependent aged 18–59 who cannot
/// use a smart device (问题二), labelled in a language; "other" is
/// `DeviceReason.Other(text)` in the guardian's own words.
#[uniffi::export]
pub fn device_reason_choices(language: suikang_core::display::Language) -> Vec<DeviceReasonChoice> {
    DeviceReason::standard()
        .into_iter()
        .map(|reason| DeviceReasonChoice {
            label: device_reason_label(reason.clone(), language),
            reason,
        })
        .collect()
}

/// A stated reason's label in a language (the guardian's own words as written).
#[uniffi::export]
pub fn device_reason_label(
    reason: DeviceReason,
    language: suikang_core::display::Language,
) -> String {
    use suikang_core::display::Language;
    match language {
        Language::ZhHans => reason.label_zh(),
        Language::ZhHant => reason.label_zh_hant(),
        Language::En => reason.label_en(),
    }
    .to_owned()
}

/// What a screen reader says for the code screen's arrow, in a language.
#[uniffi::export]
pub fn arrow_label(
    arrow: suikang_core::display::Arrow,
    language: suikang_core::display::Language,
) -> String {
    arrow.label(language).to_owned()
}

/// A symptom's name in a language, for the health declaration's ticks.
#[uniffi::export]
pub fn symptom_label(symptom: Symptom, language: suikang_core::display::Language) -> String {
    use suikang_core::display::Language;
    match language {
        Language::ZhHans => symptom.label_zh(),
        Language::ZhHant => symptom.label_zh_hant(),
        Language::En => symptom.label_en(),
    }
    .to_owned()
}

/// The districts a picker offers for what has been typed (a code's first
/// digits, part of the Chinese name, the pinyin's start), Guangzhou's first,
/// named in the person's language. The residence district of a proxy
/// application and the district arrived in of a declaration come from here.
#[uniffi::export]
pub fn districts(query: String, language: suikang_core::display::Language) -> Vec<DistrictChoice> {
    suikang_protocol::search_districts(&query)
        .into_iter()
        .map(|d| DistrictChoice {
            code: d.code_text(),
            name: suikang_core::display::district_name(d, language),
        })
        .collect()
}

/// A banner's text in a language (the code screen and the sign-in screen
/// carry the banner; the app shows it in the person's language).
#[uniffi::export]
pub fn banner_text(
    banner: suikang_core::Banner,
    language: suikang_core::display::Language,
) -> String {
    use suikang_core::display::Language;
    match language {
        Language::ZhHans => banner.text_zh(),
        Language::ZhHant => banner.text_zh_hant(),
        Language::En => banner.text_en(),
    }
    .to_owned()
}

/// A text of the apps' screens (a title, a label, a button) in a language:
/// Kotlin and Swift draw it, they hold no words of their own (issue 15).
#[uniffi::export]
pub fn ui_text(text: suikang_core::UiText, language: suikang_core::display::Language) -> String {
    text.text(language).to_owned()
}

/// Asked before a guardian stops holding a dependent's code, with the
/// dependent's masked name.
#[uniffi::export]
pub fn remove_dependent_question(
    masked_name: String,
    language: suikang_core::display::Language,
) -> String {
    suikang_core::ui_text::remove_dependent_question(&masked_name, language)
}

/// A language's own name (简体, 繁體, EN), for the language switch.
#[uniffi::export]
pub fn language_name(language: suikang_core::display::Language) -> String {
    suikang_core::ui_text::language_name(language).to_owned()
}

/// The clock text the code screen shows (Beijing time, to the second), for
/// a UI that ticks it every second between screens.
#[uniffi::export]
pub fn clock_text(at: crate::model::Timestamp) -> String {
    suikang_core::display::clock_text(at)
}
