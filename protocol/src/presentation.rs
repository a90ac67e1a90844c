//! The presentation: a bound credential plus the time, signed by the device
//! that holds it. Re-made every ~30 s, so a screenshot goes stale, and a
//! copied credential is useless without the device's key (问题九).

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use time::OffsetDateTime;

use crate::credential::{Binding, CredentialError, Reader, SignedCredential};
use crate::wire_time;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Presentation {
    credential: SignedCredential,
    presented_at: OffsetDateTime,
    /// Credential bytes, presented-at, then the device signature.
    bytes: Vec<u8>,
}

/// Why the device could not present a credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PresentationError {
    #[error("a printed code is shown on paper, not presented by a device")]
    PrintedCredential,
    #[error("the credential is bound to another device's key")]
    NotThisDevice,
    #[error("the time is outside what the format can carry")]
    TimeOutOfRange,
}

impl Presentation {
    /// Signs `credential` with the device key at `now` (whole seconds).
    pub fn sign(
        credential: &SignedCredential,
        device_key: &SigningKey,
        now: OffsetDateTime,
    ) -> Result<Presentation, PresentationError> {
        match credential.credential().binding {
            Binding::Printed => return Err(PresentationError::PrintedCredential),
            Binding::Device(key) if key != device_key.verifying_key().to_bytes() => {
                return Err(PresentationError::NotThisDevice);
            }
            Binding::Device(_) => {}
        }
        let seconds = wire_time::to_seconds(now).ok_or(PresentationError::TimeOutOfRange)?;
        let mut bytes = Vec::with_capacity(credential.as_bytes().len() + 4 + 64);
        bytes.extend_from_slice(credential.as_bytes());
        bytes.extend_from_slice(&seconds.to_be_bytes());
        let signature = device_key.sign(&bytes);
        bytes.extend_from_slice(&signature.to_bytes());
        Ok(Presentation {
            credential: credential.clone(),
            presented_at: wire_time::from_seconds(seconds),
            bytes,
        })
    }

    /// Decodes the rest of a presentation, `tail`, after its already decoded
    /// bound `credential`; `whole` is all the bytes. Trailing bytes are an error.
    pub(crate) fn decode_tail(
        credential: SignedCredential,
        tail: &[u8],
        whole: &[u8],
    ) -> Result<Presentation, CredentialError> {
        let mut r = Reader(tail);
        let presented_at = wire_time::from_seconds(u32::from_be_bytes(r.array()?));
        let _signature: [u8; 64] = r.array()?;
        if !r.0.is_empty() {
            return Err(CredentialError::TrailingBytes);
        }
        Ok(Presentation {
            credential,
            presented_at,
            bytes: whole.to_vec(),
        })
    }

    pub fn credential(&self) -> &SignedCredential {
        &self.credential
    }

    pub fn presented_at(&self) -> OffsetDateTime {
        self.presented_at
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes the device signed: the whole credential and the time.
    pub fn signed_bytes(&self) -> &[u8] {
        &self.bytes[..self.bytes.len() - 64]
    }

    pub fn device_signature(&self) -> Signature {
        let bytes: [u8; 64] = self.bytes[self.bytes.len() - 64..]
            .try_into()
            .expect("64-byte signature");
        Signature::from_bytes(&bytes)
    }

    pub(crate) fn device_signature_bytes(&self) -> &[u8; 64] {
        self.bytes[self.bytes.len() - 64..]
            .try_into()
            .expect("64-byte signature")
    }

    /// Checks the device signature, strictly (no malleable encodings).
    pub fn verify_device_signature(&self, device_key: &VerifyingKey) -> bool {
        device_key
            .verify_strict(self.signed_bytes(), &self.device_signature())
            .is_ok()
    }
}
