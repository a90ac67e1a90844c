use async_trait::async_trait;
use suikang_core::{FaceVerifier, FaceVerifierError};
use suikang_protocol::api::{FaceCapture, FaceChallenge, SignedFaceResult};

/// The desktop's stand-in for the face vendor's SDK: the server crate's
/// simulator, signing what the "camera" saw, bound to the challenge.
pub struct SimulatedFace(pub FaceCapture);

#[async_trait]
impl FaceVerifier for SimulatedFace {
    async fn verify(
        &self,
        challenge: &FaceChallenge,
    ) -> Result<SignedFaceResult, FaceVerifierError> {
        Ok(suikang_server::face_simulator::simulate_capture(
            challenge, self.0,
        ))
    }
}
