//! `suikang-core`: the phone's brain, shared by the Android, iOS and terminal
//! apps through `suikang-ffi` and `suikang-cli`.
//!
//! An async Rust API with no FFI in it. Nothing on the path from launch to
//! a code waits on the network (DESIGN §5): the cache answers, the device
//! signs, the network catches up.

/// The app: open, log in, sync, show and act on codes, offline first.
pub mod app;
/// The authority's console: impose and release controls (问题十).
pub mod authority;
/// The encrypted cache (rusqlite): sealed rows, migrations, recovery.
pub mod cache;
/// The time, from the platform or from a test.
pub mod clock;
/// The codes on the phone as the app lists them, one's own first.
pub mod codes;
/// How things read and look: colours, reason labels, Beijing time.
pub mod display;
/// The errors the app reports, named for what went wrong for the user.
pub mod error;
/// The face-verification handoff to the native vendor SDK.
pub mod face;
/// Guardianship consent: join requests to approve or decline (DESIGN §2).
pub mod guardians;
/// HTTP to the issuing server: retries, ETags, network state, TLS.
pub mod http;
/// A committee's or property company's desk: apply for its district's people.
pub mod institution;
/// Actions taken offline, delivered once when the network returns.
pub mod outbox;
/// The printed code (打印版): a dependent's page as PNG, SVG and PDF.
pub mod print;
/// Why a printed page could not be made (a leaf: `error` and `print` share it).
pub mod print_error;
/// What a guardian states applying for a dependent (代申领, 问题二).
pub mod proxy;
/// QR codes: text to modules (level M, version ≤ 10) and camera frames to text.
pub mod qr;
/// Reading a QR code from a camera frame or a picture, fast (issue 17).
pub mod scan;
/// The code screen: what the UI draws, its banner, arrows and updates.
pub mod screen;
/// AEAD sealing of cache rows under the data key.
pub mod seal;
/// Where keys and tokens live: the platform keystore.
pub mod secrets;
/// The apps' own words (titles, labels, buttons) in each language.
pub mod ui_text;
/// The checkpoint: verify a scanned code or a camera image, offline.
pub mod verifier;

pub use app::{App, AppConfig, AppStatus, PresentedCode, Session, SubmitOutcome, SyncReport};
pub use authority::AuthorityConsole;
pub use cache::CacheRecovery;
pub use clock::{Clock, SystemClock};
pub use codes::CodeSummary;
pub use display::{ReasonLabel, Rgba};
pub use error::CoreError;
pub use face::{FaceVerifier, FaceVerifierError};
pub use http::{NetworkState, RetryPolicy};
pub use institution::InstitutionDesk;
pub use print::{PageFonts, PrintablePage, render_svg};
#[cfg(feature = "render")]
pub use print::{render_pdf, render_png};
pub use print_error::{MissingGlyphs, PrintError};
pub use proxy::ProxyApplication;
pub use qr::QrMatrix;
pub use screen::{
    Banner, CodeScreen, CodeScreenBuilder, Screen, ScreenAction, ScreenListener,
    ScreenSubscription, ValidityNote,
};
pub use secrets::{FileSecretStore, KeyringSecretStore, SecretStore, SecretStoreError};
pub use ui_text::UiText;
pub use verifier::{CheckResult, Verdict, stop_now, verdict_now};
