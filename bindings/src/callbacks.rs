//! What the app implements and the core calls: the face check (the vendor
//! SDK), the keystore, and the code screen's listener. Each foreign trait is
//! adapted here to the core's own trait.

use std::sync::Arc;
use std::time::SystemTime;

use suikang_core::screen::ScreenListener as CoreScreenListener;
use suikang_core::{
    CoreError, FaceVerifierError, SecretStore as CoreSecretStore, SecretStoreError,
};
use suikang_protocol::DocumentKind;
use suikang_protocol::api::{
    DocumentInput, FaceChallenge as CoreChallenge, FaceOutcome, FaceVendorParams,
    SignedFaceResult as CoreResult, parse_full_date,
};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::error::SuikangError;
use crate::model::{Screen, instant};

// ---------------------------------------------------------------- face check

/// The server's face-verification challenge (人脸识别, 问题四), for the
/// vendor SDK: its result must be bound to `nonce` and come back before
/// `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct FaceChallenge {
    pub challenge_id: String,
    /// base64url, 32 random bytes.
    pub nonce: String,
    pub expires_at: SystemTime,
    /// The vendor's name (`simulated` in development and tests).
    pub vendor: String,
    /// The vendor's public key (hex) the server checks results with.
    pub vendor_public_key: String,
    /// Liveness actions the SDK asks of the person, in order.
    pub liveness_actions: Vec<String>,
    /// hex: names the document the face is compared with; the vendor's
    /// signed result must cover it (server/FACE_VENDOR.md).
    pub subject: String,
}

/// The vendor's signed verdict, bound to the challenge's nonce. No face data.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SignedFaceResult {
    pub vendor: String,
    pub challenge_id: String,
    pub nonce: String,
    pub outcome: FaceOutcome,
    /// hex Ed25519 signature of the vendor over the fields above and the
    /// two below (server/FACE_VENDOR.md). They come last, so a call that
    /// names its arguments in order keeps working.
    pub signature: String,
    /// `YYYY-MM-DD`: the birth date the identity check holds for a document
    /// whose number carries none (passports, permits), as the vendor signed
    /// it; none otherwise.
    #[uniffi(default = None)]
    pub birth_date: Option<String>,
    /// The same person's other document on the identity check's record
    /// (a residence permit and a travel permit), as the vendor signed it.
    #[uniffi(default = None)]
    pub linked_document: Option<LinkedDocument>,
}

/// A document the identity check links to the one signed in with.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct LinkedDocument {
    pub kind: DocumentKind,
    pub number: String,
}

/// The app's face check, done with the vendor's SDK. Throw
/// `FaceCheckCancelled` when the person backs out, `FaceCheckFailed` when
/// the SDK cannot run.
#[uniffi::export(foreign)]
#[async_trait::async_trait]
pub trait FaceVerifier: Send + Sync {
    async fn verify(&self, challenge: FaceChallenge) -> Result<SignedFaceResult, SuikangError>;
}

/// The app's [`FaceVerifier`] as the core's.
pub(crate) struct ForeignFace(pub Arc<dyn FaceVerifier>);

#[async_trait::async_trait]
impl suikang_core::FaceVerifier for ForeignFace {
    async fn verify(&self, challenge: &CoreChallenge) -> Result<CoreResult, FaceVerifierError> {
        let challenge = FaceChallenge {
            challenge_id: challenge.challenge_id.clone(),
            nonce: challenge.nonce.clone(),
            expires_at: instant(challenge.expires_at),
            vendor: challenge.vendor.vendor.clone(),
            vendor_public_key: challenge.vendor.vendor_public_key.clone(),
            liveness_actions: challenge.vendor.liveness_actions.clone(),
            subject: challenge.vendor.subject.clone(),
        };
        match self.0.verify(challenge).await {
            Ok(r) => Ok(CoreResult {
                vendor: r.vendor,
                challenge_id: r.challenge_id,
                nonce: r.nonce,
                outcome: r.outcome,
                birth_date: match r.birth_date.as_deref().map(parse_full_date) {
                    None => None,
                    Some(Some(date)) => Some(date),
                    Some(None) => {
                        return Err(FaceVerifierError::Failed(
                            "the face result's birth date is not YYYY-MM-DD".into(),
                        ));
                    }
                },
                linked_document: r.linked_document.map(|d| DocumentInput {
                    kind: d.kind,
                    number: d.number,
                }),
                signature: r.signature,
            }),
            Err(SuikangError::FaceCheckCancelled) => Err(FaceVerifierError::Cancelled),
            Err(SuikangError::FaceCheckFailed { reason }) => Err(FaceVerifierError::Failed(reason)),
            Err(other) => Err(FaceVerifierError::Failed(other.to_string())),
        }
    }
}

/// The challenge as the server wrote it, for tests that hand it back to the
/// simulator.
impl From<FaceChallenge> for CoreChallenge {
    fn from(c: FaceChallenge) -> Self {
        CoreChallenge {
            challenge_id: c.challenge_id,
            nonce: c.nonce,
            expires_at: OffsetDateTime::from(c.expires_at),
            vendor: FaceVendorParams {
                vendor: c.vendor,
                vendor_public_key: c.vendor_public_key,
                liveness_actions: c.liveness_actions,
                subject: c.subject,
            },
        }
    }
}

// ---------------------------------------------------------------- keystore

/// Where the device key, the session tokens and the cache's data key live,
/// if the app keeps them itself (e.g. sealed with an Android Keystore key).
/// Names are short ASCII (`device-key`, `session`, `cache-data-key`).
#[uniffi::export(foreign)]
pub trait SecretStore: Send + Sync {
    /// The secret, or `null`/`nil` when there is none.
    fn load(&self, name: String) -> Result<Option<Vec<u8>>, SuikangError>;
    fn save(&self, name: String, secret: Vec<u8>) -> Result<(), SuikangError>;
    /// Deleting a secret that is not there is not an error.
    fn delete(&self, name: String) -> Result<(), SuikangError>;
}

/// The app's [`SecretStore`] as the core's.
pub(crate) struct ForeignSecrets(pub Arc<dyn SecretStore>);

fn keystore_error(e: SuikangError) -> SecretStoreError {
    match e {
        SuikangError::Keystore { reason } => SecretStoreError(reason),
        other => SecretStoreError(other.to_string()),
    }
}

impl CoreSecretStore for ForeignSecrets {
    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, SecretStoreError> {
        self.0
            .load(name.to_owned())
            .map(|s| s.map(Zeroizing::new))
            .map_err(keystore_error)
    }

    fn save(&self, name: &str, secret: &[u8]) -> Result<(), SecretStoreError> {
        self.0
            .save(name.to_owned(), secret.to_vec())
            .map_err(keystore_error)
    }

    fn delete(&self, name: &str) -> Result<(), SecretStoreError> {
        self.0.delete(name.to_owned()).map_err(keystore_error)
    }
}

// ---------------------------------------------------------------- screen updates

/// Receives the code screen whenever it changes (a sync, an arrow) and
/// when its presentation is due for renewal (~30 s). Called on a Rust
/// worker thread: hop to the UI thread before drawing.
#[uniffi::export(foreign)]
pub trait ScreenListener: Send + Sync {
    fn on_screen(&self, screen: Screen);
    fn on_error(&self, error: SuikangError);
}

pub(crate) struct ForeignListener(pub Arc<dyn ScreenListener>);

impl CoreScreenListener for ForeignListener {
    fn on_screen(&self, screen: suikang_core::Screen) {
        self.0.on_screen(screen.into());
    }

    fn on_error(&self, error: CoreError) {
        self.0.on_error(error.into());
    }
}
