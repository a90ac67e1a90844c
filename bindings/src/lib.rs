//! `suikang-ffi`: the uniffi facade over `suikang-core` for Kotlin, Swift
//! and Python — the only crate with uniffi exports. Thin: every method
//! converts, calls the core once, converts back (DESIGN §3).

/// The `App` object and its async methods; the subscription handle.
pub mod app;
/// What the app implements: face check, keystore, screen listener.
pub mod callbacks;
/// The one public error, mapped from the core's.
pub mod error;
/// Records and enums: code screen, checkpoint result, status, codes.
pub mod model;

pub use app::{
    App, AppConfig, NetworkPolicy, TaskHandle, banner_text, clock_text, document_kind_label,
    language_for_locale,
};
pub use callbacks::{FaceChallenge, FaceVerifier, ScreenListener, SecretStore, SignedFaceResult};
pub use error::SuikangError;
pub use model::{
    AppStatus, ApplyResult, CardColors, CheckResult, CodeScreen, CodeSummary, KeyAreaTravel,
    OnlineCheckResult, QrMatrix, ReasonLabel, Rgba, Screen, Session, SyncReport,
};

uniffi::setup_scaffolding!("suikang");
