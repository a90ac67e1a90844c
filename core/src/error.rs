use std::time::Duration;

use suikang_protocol::api::ErrorCode;
use suikang_protocol::district::DistrictError;
use suikang_protocol::{DocumentError, NameError};

use crate::secrets::SecretStoreError;

/// What went wrong, for the person holding the phone. Never carries a name,
/// a document number, a token or key material.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    // Input, refused before anything is sent.
    #[error("the document number is not valid: {0}")]
    InvalidDocumentNumber(#[from] DocumentError),
    #[error("the name is not valid: {0}")]
    InvalidName(#[from] NameError),
    /// A place no GB/T 2260 division has (a typo, `火星`): the dependent's
    /// residence or the district arrived in.
    #[error("no district has this code or name")]
    UnknownDistrict,

    // Login.
    #[error("the face did not match the document's holder")]
    FaceMismatch,
    #[error("the liveness check failed")]
    LivenessFailed,
    #[error("the face check was cancelled")]
    FaceCheckCancelled,
    #[error("the face check could not run: {0}")]
    FaceCheckFailed(String),
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
    /// The keystore no longer holds the key this session's codes are bound
    /// to (a restored backup, a reset keystore): a sync cannot fix that,
    /// only a new login binds a new key.
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
    /// The online check needs a checkpoint account's token (DESIGN §2):
    /// none was given, or the server does not know it, or it is another
    /// kind of account's, or it expired or was revoked (the
    /// issuer's admin rotates or replaces it).
    #[error("the online check needs a checkpoint account's token: this one was refused")]
    CheckpointTokenRefused,
    #[error("the printed page could not be made: {0}")]
    PrintFailed(#[from] crate::print_error::PrintError),

    // The server said no, for a reason of its own.
    #[error("refused by the server: {message}")]
    Refused { code: ErrorCode, message: String },

    // Network.
    #[error("the network is unavailable")]
    NetworkUnavailable,
    #[error("the server is not answering properly (HTTP {status})")]
    ServerUnavailable { status: u16 },
    #[error("the server's answer could not be read")]
    BadServerResponse,
    #[error("the server's certificate does not carry the pinned public key")]
    ServerKeyMismatch,
    /// The server address is not `https://` (plain HTTP is allowed only to
    /// this machine's loopback, for development and tests).
    #[error("the server address must start with https:// (plain http only on loopback)")]
    InsecureServerUrl,

    // The phone itself.
    #[error("the keystore failed: {0}")]
    Keystore(String),
    #[error("the cache could not be read and was reset")]
    CacheCorrupt,
    #[error("the cache failed: {0}")]
    Storage(String),
    #[error("the trust list is not valid: {0}")]
    TrustList(String),
}

impl From<DistrictError> for CoreError {
    fn from(e: DistrictError) -> Self {
        match e {
            DistrictError::UnknownDistrict => CoreError::UnknownDistrict,
        }
    }
}

impl From<SecretStoreError> for CoreError {
    fn from(e: SecretStoreError) -> Self {
        CoreError::Keystore(e.0)
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        // SQLite messages name tables and constraints, never values.
        CoreError::Storage(e.to_string())
    }
}
