//! The face vendor (人脸识别, 问题四): whose signed results log people in.
//!
//! A vendor's result is an Ed25519 signature over the vendor id, the
//! challenge id and nonce, a *subject* that names the document the face was
//! compared with, the birth date the identity check holds for a document
//! whose number carries none, and the outcome ([`result_message`]). The server accepts
//! results of exactly one vendor: the one configured with its id and its
//! result-signing public key ([`FaceVendor::external`]) — or, only when
//! started with `--dev-face-simulator`, the simulator ([`FaceVendor::simulator`]),
//! whose key is made at random on each start and never leaves the process,
//! so nobody can mint its results offline. No face data is made, sent or
//! kept. How a real vendor plugs in: `server/FACE_VENDOR.md`.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use time::Date;

use crate::config::FaceVendorSetting;
use suikang_protocol::api::{
    DocumentInput, FaceCapture, FaceChallenge, FaceOutcome, FaceVendorParams, SignedFaceResult,
    paths,
};

/// The simulator's vendor id in challenges and results.
pub const VENDOR: &str = "simulated";

/// Domain separation for the vendor's signatures (v2: with the subject;
/// v3: with the identity check's birth date).
const RESULT_CONTEXT: &[u8] = b"suikang face result v3\0";
const SUBJECT_CONTEXT: &[u8] = b"suikang face subject v1\0";

/// The liveness actions the SDK asks for, in order.
const LIVENESS_ACTIONS: [&str; 2] = ["blink", "turn_head"];

/// The vendor this server trusts.
pub struct FaceVendor {
    id: String,
    result_key: VerifyingKey,
    /// Only for the development simulator: its signing half.
    simulator: Option<SigningKey>,
}

impl std::fmt::Debug for FaceVendor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceVendor")
            .field("id", &self.id)
            .field("simulator", &self.simulator.is_some())
            .finish()
    }
}

impl FaceVendor {
    /// A real vendor: its id and the public key its results are signed with,
    /// from the server's configuration.
    pub fn external(id: impl Into<String>, result_key: VerifyingKey) -> FaceVendor {
        FaceVendor {
            id: id.into(),
            result_key,
            simulator: None,
        }
    }

    /// Whether this server runs the development simulator.
    pub fn simulates(&self) -> bool {
        self.simulator.is_some()
    }

    /// The development simulator, with a fresh random key.
    pub fn simulator() -> FaceVendor {
        let key = SigningKey::from_bytes(&crate::keys::random_bytes());
        FaceVendor {
            id: VENDOR.into(),
            result_key: key.verifying_key(),
            simulator: Some(key),
        }
    }

    /// The vendor the configuration names.
    pub fn from_setting(setting: &FaceVendorSetting) -> FaceVendor {
        match setting {
            FaceVendorSetting::DevSimulator => FaceVendor::simulator(),
            FaceVendorSetting::External { id, result_key } => {
                // The key was checked when the configuration was read; a
                // key that is not a curve point verifies nothing.
                let key = VerifyingKey::from_bytes(result_key).unwrap_or_else(|_| {
                    SigningKey::from_bytes(&crate::keys::random_bytes()).verifying_key()
                });
                FaceVendor::external(id.clone(), key)
            }
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn is_simulator(&self) -> bool {
        self.simulator.is_some()
    }

    /// What the vendor's SDK needs for a challenge on `nonce` for the
    /// document behind `doc_key`.
    pub fn params(&self, nonce: &[u8; 32], doc_key: &[u8; 32]) -> FaceVendorParams {
        FaceVendorParams {
            vendor: self.id.clone(),
            vendor_public_key: hex::encode(self.result_key.to_bytes()),
            liveness_actions: LIVENESS_ACTIONS.iter().map(|a| (*a).to_owned()).collect(),
            subject: hex::encode(subject(nonce, doc_key)),
        }
    }

    /// The outcome of `result` if this vendor signed it for this challenge
    /// (`challenge_id`, `nonce`) and this document (`doc_key`); `None` for
    /// anything forged, malformed, replayed from another challenge or about
    /// another document.
    pub fn check(
        &self,
        result: &SignedFaceResult,
        challenge_id: &str,
        nonce: &[u8; 32],
        doc_key: &[u8; 32],
    ) -> Option<Verdict> {
        use base64::Engine;
        let nonce_text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(nonce);
        if result.vendor != self.id
            || result.challenge_id != challenge_id
            || result.nonce != nonce_text
        {
            return None;
        }
        let mut signature = [0; 64];
        hex::decode_to_slice(&result.signature, &mut signature).ok()?;
        let message = result_message(
            &self.id,
            challenge_id,
            &nonce_text,
            &hex::encode(subject(nonce, doc_key)),
            &Identity {
                birth_date: result.birth_date,
                linked_document: result.linked_document.clone(),
            },
            result.outcome,
        );
        self.result_key
            .verify_strict(&message, &Signature::from_bytes(&signature))
            .ok()?;
        Some(Verdict {
            outcome: result.outcome,
            identity: Identity {
                birth_date: result.birth_date,
                linked_document: result.linked_document.clone(),
            },
        })
    }

    /// The simulator's SDK side: a signed verdict for what the "camera"
    /// saw (a spoof fails liveness). `None` on a real vendor: only the
    /// vendor itself signs its results.
    /// `identity`: what the simulated identity check returns (the person
    /// declared it; a real check reads its records).
    pub fn simulate(
        &self,
        challenge: &FaceChallenge,
        capture: FaceCapture,
        identity: &Identity,
    ) -> Option<SignedFaceResult> {
        let key = self.simulator.as_ref()?;
        let outcome = match capture {
            FaceCapture::Match => FaceOutcome::Match,
            FaceCapture::Mismatch => FaceOutcome::Mismatch,
            FaceCapture::Spoof => FaceOutcome::LivenessFailed,
        };
        Some(sign_result(key, &self.id, challenge, identity, outcome))
    }
}

/// What the identity check says about the document beyond the face: the
/// birth date on record for a document whose number carries none, and the
/// same person's other document on record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    pub birth_date: Option<Date>,
    pub linked_document: Option<DocumentInput>,
}

/// A genuine result's verdict, and what the identity check vouched for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub outcome: FaceOutcome,
    pub identity: Identity,
}

/// The subject a result names: the challenge's document, keyed by the
/// server's document look-up key and the nonce, so it says nothing about
/// the number to anyone else and never repeats.
pub fn subject(nonce: &[u8; 32], doc_key: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(SUBJECT_CONTEXT);
    h.update(nonce);
    h.update(doc_key);
    h.finalize().into()
}

/// The bytes a vendor signs: context, then vendor, challenge id, nonce,
/// subject, birth date (`YYYY-MM-DD`, or empty) and linked document
/// (`kind:number` as on the wire, or empty; each length-prefixed), then the
/// outcome.
pub fn result_message(
    vendor: &str,
    challenge_id: &str,
    nonce: &str,
    subject: &str,
    identity: &Identity,
    outcome: FaceOutcome,
) -> Vec<u8> {
    let birth_date = identity
        .birth_date
        .map(suikang_protocol::api::full_date_text)
        .unwrap_or_default();
    let linked = identity
        .linked_document
        .as_ref()
        .map(|d| {
            let kind = serde_json::to_value(d.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            format!("{kind}:{}", d.number)
        })
        .unwrap_or_default();
    let outcome = match outcome {
        FaceOutcome::Match => 1u8,
        FaceOutcome::Mismatch => 2,
        FaceOutcome::LivenessFailed => 3,
    };
    let mut m = RESULT_CONTEXT.to_vec();
    for part in [vendor, challenge_id, nonce, subject, &birth_date, &linked] {
        m.extend_from_slice(&(part.len() as u32).to_be_bytes());
        m.extend_from_slice(part.as_bytes());
    }
    m.push(outcome);
    m
}

/// What a vendor holding `key` returns for `challenge` (a real vendor does
/// this in its own cloud; tests play a configured vendor with it).
pub fn sign_result(
    key: &SigningKey,
    vendor: &str,
    challenge: &FaceChallenge,
    identity: &Identity,
    outcome: FaceOutcome,
) -> SignedFaceResult {
    let message = result_message(
        vendor,
        &challenge.challenge_id,
        &challenge.nonce,
        &challenge.vendor.subject,
        identity,
        outcome,
    );
    SignedFaceResult {
        vendor: vendor.to_owned(),
        challenge_id: challenge.challenge_id.clone(),
        nonce: challenge.nonce.clone(),
        outcome,
        birth_date: identity.birth_date,
        linked_document: identity.linked_document.clone(),
        signature: hex::encode(key.sign(&message).to_bytes()),
    }
}

/// The simulator's SDK over HTTP, for apps and tools outside the server's
/// process (the CLI, the load generator): `POST /v1/face-simulator/capture`,
/// which answers only on a server started with `--dev-face-simulator`.
pub async fn capture_over_http(
    server_url: &str,
    challenge: &FaceChallenge,
    capture: FaceCapture,
) -> Result<SignedFaceResult, String> {
    capture_declaring(server_url, challenge, capture, &Identity::default()).await
}

/// [`capture_over_http`] with what the simulated identity check returns: a
/// passport's birth date, the person's other document (as a real check
/// reads them from its records).
pub async fn capture_declaring(
    server_url: &str,
    challenge: &FaceChallenge,
    capture: FaceCapture,
    identity: &Identity,
) -> Result<SignedFaceResult, String> {
    let url = format!(
        "{}{}",
        server_url.trim_end_matches('/'),
        paths::FACE_SIMULATOR_CAPTURE
    );
    let body = suikang_protocol::api::SimulateCaptureRequest {
        challenge: challenge.clone(),
        capture,
        birth_date: identity.birth_date,
        linked_document: identity.linked_document.clone(),
    };
    // The workspace builds reqwest with rustls and no default provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let response = client
        .post(url)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("the face simulator is not reachable: {e}"))?;
    if !response.status().is_success() {
        return Err(format!(
            "the face simulator answered HTTP {} (is the server started with --dev-face-simulator?)",
            response.status().as_u16()
        ));
    }
    response
        .json()
        .await
        .map_err(|_| "the face simulator's answer could not be read".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use time::OffsetDateTime;

    const NONCE: [u8; 32] = [4; 32];
    const DOC: [u8; 32] = [6; 32];

    fn challenge(vendor: &FaceVendor, doc_key: &[u8; 32]) -> FaceChallenge {
        FaceChallenge {
            challenge_id: "abc".into(),
            nonce: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(NONCE),
            expires_at: OffsetDateTime::UNIX_EPOCH,
            vendor: vendor.params(&NONCE, doc_key),
        }
    }

    #[test]
    fn a_result_counts_only_unaltered_for_its_challenge_vendor_and_document() {
        let vendor = FaceVendor::simulator();
        let result = vendor
            .simulate(
                &challenge(&vendor, &DOC),
                FaceCapture::Match,
                &Identity::default(),
            )
            .unwrap();
        assert_eq!(
            vendor
                .check(&result, "abc", &NONCE, &DOC)
                .map(|v| v.outcome),
            Some(FaceOutcome::Match)
        );
        // The identity check's birth date is signed: one added afterwards
        // (to make a minor an adult guardian) breaks the signature.
        let aged = SignedFaceResult {
            birth_date: Some(time::macros::date!(1980 - 01 - 01)),
            ..result.clone()
        };
        assert_eq!(vendor.check(&aged, "abc", &NONCE, &DOC), None);
        let declared = vendor
            .simulate(
                &challenge(&vendor, &DOC),
                FaceCapture::Match,
                &Identity {
                    birth_date: Some(time::macros::date!(1980 - 01 - 01)),
                    linked_document: None,
                },
            )
            .unwrap();
        assert_eq!(
            vendor.check(&declared, "abc", &NONCE, &DOC),
            Some(Verdict {
                outcome: FaceOutcome::Match,
                identity: Identity {
                    birth_date: Some(time::macros::date!(1980 - 01 - 01)),
                    linked_document: None,
                },
            })
        );
        let flipped = SignedFaceResult {
            outcome: FaceOutcome::Mismatch,
            ..result.clone()
        };
        assert_eq!(vendor.check(&flipped, "abc", &NONCE, &DOC), None);
        assert_eq!(vendor.check(&result, "abd", &NONCE, &DOC), None);
        assert_eq!(vendor.check(&result, "abc", &[5; 32], &DOC), None);
        assert_eq!(
            vendor.check(&result, "abc", &NONCE, &[7; 32]),
            None,
            "a match for one document does not sign in another"
        );
        let renamed = SignedFaceResult {
            vendor: "other".into(),
            ..result.clone()
        };
        assert_eq!(vendor.check(&renamed, "abc", &NONCE, &DOC), None);
        let garbage = SignedFaceResult {
            signature: "zz".into(),
            ..result
        };
        assert_eq!(vendor.check(&garbage, "abc", &NONCE, &DOC), None);
    }

    #[test]
    fn each_simulator_has_its_own_key_and_a_real_vendor_cannot_be_simulated() {
        let one = FaceVendor::simulator();
        let other = FaceVendor::simulator();
        let result = one
            .simulate(
                &challenge(&one, &DOC),
                FaceCapture::Match,
                &Identity::default(),
            )
            .unwrap();
        assert_eq!(other.check(&result, "abc", &NONCE, &DOC), None);
        let real = FaceVendor::external("cloud-faceid", one.result_key);
        assert!(
            real.simulate(
                &challenge(&real, &DOC),
                FaceCapture::Match,
                &Identity::default()
            )
            .is_none()
        );
    }

    #[test]
    fn a_spoof_fails_liveness() {
        let vendor = FaceVendor::simulator();
        let result = vendor
            .simulate(
                &challenge(&vendor, &DOC),
                FaceCapture::Spoof,
                &Identity::default(),
            )
            .unwrap();
        assert_eq!(result.outcome, FaceOutcome::LivenessFailed);
    }
}
