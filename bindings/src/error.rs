//! The one error the apps see: a variant per situation a screen treats
//! differently. Mapped from `CoreError`; messages never carry a name, a
//! document number, a token or key material (DESIGN §2, privacy).

use std::time::Duration;

use suikang_core::{CoreError, PrintError};
use suikang_protocol::api::ErrorCode;

/// What went wrong, for the person holding the phone. Kotlin:
/// `SuikangException.FaceMismatch` and so on; Swift: `SuikangError.faceMismatch`.
///
/// The app's own callbacks (`FaceVerifier`, `SecretStore`) throw it too:
/// `FaceCheckCancelled` when the person backs out of the vendor's screen,
/// `FaceCheckFailed` or `Keystore` when the SDK or the keystore fails.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum SuikangError {
    // Input, refused before anything is sent.
    #[error("the document number is not valid: {reason}")]
    InvalidDocumentNumber { reason: String },
    #[error("the name is not valid: {reason}")]
    InvalidName { reason: String },
    /// A value the app passed is malformed (a root key that is not 32 bytes
    /// of hex, a date that is not `YYYY-MM-DD`).
    #[error("invalid argument: {reason}")]
    InvalidArgument { reason: String },
    /// A district no GB/T 2260 division has: pick one from `districts()`.
    #[error("no district has this code or name")]
    UnknownDistrict,

    // Login.
    #[error("the face did not match the document's holder")]
    FaceMismatch,
    #[error("the liveness check failed")]
    LivenessFailed,
    #[error("the face check was cancelled")]
    FaceCheckCancelled,
    #[error("the face check could not run: {reason}")]
    FaceCheckFailed { reason: String },
    #[error("the face check took too long: start again")]
    ChallengeExpired,
    #[error("too many failed face checks for this document: try again later")]
    LockedOut { retry_after: Option<Duration> },
    #[error("not signed in")]
    NotSignedIn,
    #[error("signed in on another device: this phone's session has ended")]
    SignedInElsewhere,
    #[error("the session has ended: sign in again")]
    SessionEnded,
    /// The keystore lost the key the codes are bound to: sign in again.
    #[error("this phone's device key has changed: sign in again")]
    DeviceKeyLost,

    // Codes.
    #[error("no such code on this phone")]
    CodeNotFound,
    #[error("no code yet: apply for one first")]
    NoCodeYet,
    #[error("the code's credential has expired: sync to refresh it")]
    RefreshNeeded,
    #[error("the code does not fit a QR code")]
    QrTooLong,
    #[error("no QR code was found in the image")]
    NoCodeInImage,
    #[error("the image could not be read")]
    UnreadableImage,
    #[error("no trust list yet: connect once to fetch it")]
    NoTrustList,
    /// The online check needs a checkpoint account's token: none, an
    /// unknown one, or another kind of account's was given.
    #[error("the online check needs a checkpoint account's token: this one was refused")]
    CheckpointTokenRefused,
    #[error("the page could not be printed: {reason}")]
    PrintFailed { reason: String },

    /// The server said no for a reason of its own (a guardian under 18,
    /// too many dependents…): `code` says which.
    #[error("refused by the server ({code:?}): {reason}")]
    Refused { code: ErrorCode, reason: String },

    // Network.
    #[error("the network is unavailable")]
    NetworkUnavailable,
    #[error("the server is not answering properly (HTTP {status})")]
    ServerUnavailable { status: u16 },
    #[error("the server's answer could not be read")]
    BadServerResponse,
    #[error("the server's certificate does not carry the pinned public key")]
    ServerKeyMismatch,
    #[error("the server address must start with https:// (plain http only on loopback)")]
    InsecureServerUrl,

    // The phone itself.
    #[error("the keystore failed: {reason}")]
    Keystore { reason: String },
    #[error("the cache could not be read and was reset")]
    CacheCorrupt,
    #[error("the cache failed: {reason}")]
    Storage { reason: String },
    #[error("the trust list is not valid: {reason}")]
    TrustList { reason: String },
    /// A bug, or a callback that threw something other than `SuikangError`.
    #[error("internal error: {reason}")]
    Internal { reason: String },
}

impl From<CoreError> for SuikangError {
    fn from(e: CoreError) -> Self {
        use SuikangError as E;
        match e {
            // The core's document and name errors name lengths, positions
            // and kinds, never the characters typed.
            CoreError::InvalidDocumentNumber(d) => E::InvalidDocumentNumber {
                reason: d.to_string(),
            },
            CoreError::InvalidName(n) => E::InvalidName {
                reason: n.to_string(),
            },
            CoreError::UnknownDistrict => E::UnknownDistrict,
            CoreError::FaceMismatch => E::FaceMismatch,
            CoreError::LivenessFailed => E::LivenessFailed,
            CoreError::FaceCheckCancelled => E::FaceCheckCancelled,
            CoreError::FaceCheckFailed(reason) => E::FaceCheckFailed { reason },
            CoreError::ChallengeExpired => E::ChallengeExpired,
            CoreError::LockedOut { retry_after } => E::LockedOut { retry_after },
            CoreError::NotSignedIn => E::NotSignedIn,
            CoreError::SignedInElsewhere => E::SignedInElsewhere,
            CoreError::SessionEnded => E::SessionEnded,
            CoreError::DeviceKeyLost => E::DeviceKeyLost,
            CoreError::CodeNotFound => E::CodeNotFound,
            CoreError::NoCodeYet => E::NoCodeYet,
            CoreError::RefreshNeeded => E::RefreshNeeded,
            CoreError::QrTooLong => E::QrTooLong,
            CoreError::NoCodeInImage => E::NoCodeInImage,
            CoreError::UnreadableImage => E::UnreadableImage,
            CoreError::NoTrustList => E::NoTrustList,
            CoreError::CheckpointTokenRefused => E::CheckpointTokenRefused,
            CoreError::Refused { code, message } => E::Refused {
                code,
                reason: message,
            },
            CoreError::NetworkUnavailable => E::NetworkUnavailable,
            CoreError::ServerUnavailable { status } => E::ServerUnavailable { status },
            CoreError::BadServerResponse => E::BadServerResponse,
            CoreError::ServerKeyMismatch => E::ServerKeyMismatch,
            CoreError::InsecureServerUrl => E::InsecureServerUrl,
            CoreError::Keystore(reason) => E::Keystore { reason },
            CoreError::CacheCorrupt => E::CacheCorrupt,
            CoreError::Storage(reason) => E::Storage { reason },
            CoreError::TrustList(reason) => E::TrustList { reason },
            CoreError::PrintFailed(p) => p.into(),
        }
    }
}

impl From<PrintError> for SuikangError {
    fn from(e: PrintError) -> Self {
        match e {
            PrintError::QrTooLong => SuikangError::QrTooLong,
            other => SuikangError::PrintFailed {
                reason: other.to_string(),
            },
        }
    }
}

/// A callback threw something that is not a `SuikangError` (a Kotlin
/// `RuntimeException`, a Swift error of another type).
impl From<uniffi::UnexpectedUniFFICallbackError> for SuikangError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // The foreign message may say anything: keep only that it failed.
        tracing::warn!(
            len = e.reason.len(),
            "an app callback threw an unexpected error"
        );
        SuikangError::Internal {
            reason: "an app callback threw an unexpected error".into(),
        }
    }
}

/// The server's reason codes, as the apps match on them. Mirrors the
/// protocol's `ErrorCode`: a variant added there fails this build until it is
/// added here too.
#[uniffi::remote(Enum)]
pub enum ErrorCode {
    MalformedJson,
    InvalidRequest,
    UnsupportedMediaType,
    PayloadTooLarge,
    NoSuchEndpoint,
    MethodNotAllowed,
    InvalidDocumentNumber,
    InvalidName,
    UnknownDistrict,
    ArrivalDateOutOfRange,
    DependentNotEligible,
    InvalidEncoding,
    MissingToken,
    InvalidToken,
    TokenExpired,
    SignedInElsewhere,
    SessionEnded,
    RefreshTokenReused,
    AccountTokenExpired,
    AccountRevoked,
    WrongAccountKind,
    ChallengeNotFound,
    ChallengeExpired,
    ChallengeAlreadyUsed,
    FaceResultInvalid,
    FaceMismatch,
    LivenessFailed,
    LoginLocked,
    RequestTimeout,
    ServerBusy,
    RateLimited,
    DeviceBindingInvalid,
    CodeNotFound,
    NoCodeYet,
    GuardianUnderAge,
    GuardianAgeUnknown,
    CoResidenceNotDeclared,
    TooManyDependents,
    CannotProxyForSelf,
    HolderHasOwnCode,
    JoinRequestPending,
    JoinRequestNotFound,
    NotYourDependent,
    JoinRequestAlreadyDecided,
    RelationshipMismatch,
    PersonNotFound,
    MayNotImpose,
    MayNotRelease,
    NotTheExecutingOrganisation,
    OutsideDistrict,
    RecipientMayNotExecute,
    RecipientNotFound,
    ResidenceDistrictRequired,
    ControlAlreadyActive,
    ControlNotActive,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    RequestInProgress,
    RequestAlreadyApplied,
    FaceSimulatorDisabled,
    DatabaseUnavailable,
    Internal,
}
