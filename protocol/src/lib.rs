//! `suikang-protocol`: what phones, checkpoints and issuers agree on.
//!
//! Pure: no I/O, no async, no clock reads — every time is an argument. The
//! byte layout is documented in `FORMAT.md` beside this crate.

/// HTTP JSON request and response bodies shared by the server and the phone core.
pub mod api;
/// Colours and the colour rule (问题三).
pub mod color;
/// Control measures and who may impose and release each (问题十).
pub mod control;
/// Issuer-signed credentials and their compact encoding.
pub mod credential;
/// What a device signs at login to bind its key.
pub mod device_binding;
/// GB/T 2260 administrative divisions: codes, names, pinyin (DESIGN §2, Places).
pub mod district;
/// Identity documents, their validation, and masking.
pub mod document;
/// Ed25519 checks with `verify_strict`'s rules, fast for trust-list keys.
mod ed25519_strict;
/// The QR text: prefix, version, base45.
pub mod payload;
/// Device-signed presentations, what the QR code carries.
pub mod presentation;
/// Proxy application: who may apply for whom (问题二).
pub mod proxy;
/// The root-signed list of issuers and their keys (问题八).
pub mod trust;
/// Offline verification of a scanned code.
pub mod verify;
/// Wire time: whole minutes and seconds since the Unix epoch.
pub mod wire_time;

pub use color::{AppliedBy, Color};
pub use control::{
    Authority, AuthorityRole, Control, ControlReason, ControlReasons, Executor, RightsError,
    executing_roles, hand_over, may_impose, may_release,
};
pub use credential::{
    Binding, CodeId, Credential, CredentialError, IssuerId, KeyId, SignedCredential,
};
pub use district::{District, DistrictError, district_code, find_district, search_districts};
pub use document::{
    Document, DocumentError, DocumentKind, MAX_NAME_CHARS, MaskedDocument, MaskedName, NameError,
    ResidentId, mask_document, mask_name, normalise_name,
};
pub use payload::{Payload, PayloadError, decode_payload};
pub use presentation::{Presentation, PresentationError};
pub use proxy::{
    DeviceReason, Eligibility, EligibilityError, ProxyError, Relationship,
    check_dependent_eligible, check_proxy_guardian,
};
pub use trust::{ColorScheme, IssuerEntry, IssuerKey, Rgb, TrustList, TrustListError};
pub use verify::{Refusal, VerificationPolicy, VerifiedCode, verify, verify_payload};
