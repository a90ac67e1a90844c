use async_trait::async_trait;
use suikang_core::{FaceVerifier, FaceVerifierError};
use suikang_protocol::api::{FaceCapture, FaceChallenge, SignedFaceResult};

/// The desktop's stand-in for the face vendor's SDK: the server's
/// development simulator (`--dev-face-simulator`), asked over HTTP to sign
/// what the "camera" saw, bound to the challenge.
pub struct SimulatedFace {
    pub capture: FaceCapture,
    pub server_url: String,
}

#[async_trait]
impl FaceVerifier for SimulatedFace {
    async fn verify(
        &self,
        challenge: &FaceChallenge,
    ) -> Result<SignedFaceResult, FaceVerifierError> {
        suikang_server::face::capture_over_http(&self.server_url, challenge, self.capture)
            .await
            .map_err(FaceVerifierError::Failed)
    }
}
