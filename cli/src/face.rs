use async_trait::async_trait;
use suikang_core::{FaceVerifier, FaceVerifierError};
use suikang_protocol::api::{FaceCapture, FaceChallenge, SignedFaceResult};
use time::Date;

/// What the simulated camera sees, and the birth date the simulated
/// identity check returns for a passport or permit (whose number carries
/// none; a real check reads it from its records).
#[derive(Clone, Copy, Debug)]
pub struct Simulated {
    pub capture: FaceCapture,
    pub birth_date: Option<Date>,
}

impl From<FaceCapture> for Simulated {
    fn from(capture: FaceCapture) -> Self {
        Simulated {
            capture,
            birth_date: None,
        }
    }
}

/// The desktop's stand-in for the face vendor's SDK: the server's
/// development simulator (`--dev-face-simulator`), asked over HTTP to sign
/// what the "camera" saw, bound to the challenge.
pub struct SimulatedFace {
    pub simulated: Simulated,
    pub server_url: String,
}

#[async_trait]
impl FaceVerifier for SimulatedFace {
    async fn verify(
        &self,
        challenge: &FaceChallenge,
    ) -> Result<SignedFaceResult, FaceVerifierError> {
        suikang_server::face::capture_declaring(
            &self.server_url,
            challenge,
            self.simulated.capture,
            &suikang_server::face::Identity {
                birth_date: self.simulated.birth_date,
                linked_document: None,
            },
        )
        .await
        .map_err(FaceVerifierError::Failed)
    }
}
