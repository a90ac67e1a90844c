//! The face vendor in development and tests (`--face-vendor simulated`): its
//! SDK side signs a verdict bound to the challenge nonce with the vendor's
//! own Ed25519 key, as the real vendor does. The server trusts the public
//! half only. No face data is ever made, sent or kept.

use std::sync::OnceLock;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use suikang_protocol::api::{FaceCapture, FaceChallenge, FaceOutcome, SignedFaceResult};

/// The vendor name in challenges and results.
pub const VENDOR: &str = "simulated";

/// Domain separation for the vendor's signatures.
const CONTEXT: &[u8] = b"suikang face result v1\0";

/// The simulated vendor's key: fixed, since the simulator stands in for a
/// vendor the whole development world shares; never trusted in production.
pub fn vendor_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        use sha2::Digest;
        let seed: [u8; 32] = sha2::Sha256::digest(b"suikang simulated face vendor").into();
        SigningKey::from_bytes(&seed)
    })
}

pub fn vendor_public_key() -> VerifyingKey {
    vendor_key().verifying_key()
}

/// The bytes the vendor signs: context, vendor, challenge id, nonce, verdict.
pub fn result_message(
    vendor: &str,
    challenge_id: &str,
    nonce: &str,
    outcome: FaceOutcome,
) -> Vec<u8> {
    let outcome = match outcome {
        FaceOutcome::Match => 1u8,
        FaceOutcome::Mismatch => 2,
        FaceOutcome::LivenessFailed => 3,
    };
    let mut m = CONTEXT.to_vec();
    for part in [vendor.as_bytes(), challenge_id.as_bytes(), nonce.as_bytes()] {
        m.extend_from_slice(&(part.len() as u32).to_be_bytes());
        m.extend_from_slice(part);
    }
    m.push(outcome);
    m
}

/// The SDK side: runs a simulated capture for `challenge` and returns the
/// vendor's signed verdict (a spoof fails liveness).
pub fn simulate_capture(challenge: &FaceChallenge, capture: FaceCapture) -> SignedFaceResult {
    let outcome = match capture {
        FaceCapture::Match => FaceOutcome::Match,
        FaceCapture::Mismatch => FaceOutcome::Mismatch,
        FaceCapture::Spoof => FaceOutcome::LivenessFailed,
    };
    let message = result_message(VENDOR, &challenge.challenge_id, &challenge.nonce, outcome);
    SignedFaceResult {
        vendor: VENDOR.to_owned(),
        challenge_id: challenge.challenge_id.clone(),
        nonce: challenge.nonce.clone(),
        outcome,
        signature: hex::encode(vendor_key().sign(&message).to_bytes()),
    }
}

/// Whether `result` was signed by the vendor whose public key is `vendor`.
pub fn verify_result(result: &SignedFaceResult, vendor: &VerifyingKey) -> bool {
    let mut signature = [0; 64];
    if hex::decode_to_slice(&result.signature, &mut signature).is_err() {
        return false;
    }
    let message = result_message(
        &result.vendor,
        &result.challenge_id,
        &result.nonce,
        result.outcome,
    );
    vendor
        .verify_strict(&message, &Signature::from_bytes(&signature))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use suikang_protocol::api::FaceVendorParams;
    use time::OffsetDateTime;

    fn challenge() -> FaceChallenge {
        FaceChallenge {
            challenge_id: "abc".into(),
            nonce: "bm9uY2U".into(),
            expires_at: OffsetDateTime::UNIX_EPOCH,
            vendor: FaceVendorParams {
                vendor: VENDOR.into(),
                vendor_public_key: hex::encode(vendor_public_key().to_bytes()),
                liveness_actions: vec![],
            },
        }
    }

    #[test]
    fn a_result_verifies_only_unaltered() {
        let result = simulate_capture(&challenge(), FaceCapture::Match);
        assert!(verify_result(&result, &vendor_public_key()));
        let flipped = SignedFaceResult {
            outcome: FaceOutcome::Mismatch,
            ..result.clone()
        };
        assert!(!verify_result(&flipped, &vendor_public_key()));
        let other_nonce = SignedFaceResult {
            nonce: "b3RoZXI".into(),
            ..result
        };
        assert!(!verify_result(&other_nonce, &vendor_public_key()));
    }

    #[test]
    fn a_spoof_fails_liveness() {
        let result = simulate_capture(&challenge(), FaceCapture::Spoof);
        assert_eq!(result.outcome, FaceOutcome::LivenessFailed);
    }
}
