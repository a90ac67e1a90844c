//! The face-verification handoff (人脸识别, 问题四): the server's challenge
//! goes to the native app's vendor SDK, and the vendor's signed result comes
//! back. The core never sees a face.

use async_trait::async_trait;
use suikang_protocol::api::{FaceChallenge, SignedFaceResult};

/// Why the native face check produced no result.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FaceVerifierError {
    #[error("the person cancelled the face check")]
    Cancelled,
    #[error("the face check failed: {0}")]
    Failed(String),
}

/// Implemented by the app with the vendor's SDK (and, on the desktop and in
/// tests, by the server crate's simulator).
#[async_trait]
pub trait FaceVerifier: Send + Sync {
    /// Runs the vendor's capture and liveness check for `challenge` and
    /// returns the vendor-signed result, bound to the challenge's nonce.
    async fn verify(
        &self,
        challenge: &FaceChallenge,
    ) -> Result<SignedFaceResult, FaceVerifierError>;
}
