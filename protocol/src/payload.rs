//! The text a QR code carries: `SK1:` then the binary in base45, so that the
//! whole of it is in the QR alphanumeric alphabet (DESIGN §4: version ≤ 10
//! at level M). See FORMAT.md.

use crate::credential::{CredentialError, SignedCredential};
use crate::presentation::Presentation;

/// The prefix of every version-1 code: "SK", the envelope version, ":".
pub const PREFIX: &str = "SK1:";
const PREFIX_STEM: &str = "SK";

/// What a scanned code holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    /// A phone's code: a device-bound credential presented just now.
    Presentation(Presentation),
    /// A printed page's code: an unbound credential on its own.
    Printed(SignedCredential),
}

/// Why a scanned text is not a code this version can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("the text is not a health code of this format")]
    NotAHealthCode,
    #[error("the code's envelope version is not supported")]
    UnsupportedVersion,
    #[error("the code's text is not valid base45")]
    BadBase45,
    #[error(transparent)]
    Credential(#[from] CredentialError),
}

impl Payload {
    pub fn credential(&self) -> &SignedCredential {
        match self {
            Payload::Presentation(p) => p.credential(),
            Payload::Printed(c) => c,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Payload::Presentation(p) => p.as_bytes(),
            Payload::Printed(c) => c.as_bytes(),
        }
    }

    /// The text to put in the QR code.
    pub fn to_qr_text(&self) -> String {
        to_qr_text(self.as_bytes())
    }
}

impl Presentation {
    pub fn to_qr_text(&self) -> String {
        to_qr_text(self.as_bytes())
    }
}

impl SignedCredential {
    /// The QR text of a printed credential.
    pub fn to_qr_text(&self) -> String {
        to_qr_text(self.as_bytes())
    }
}

fn to_qr_text(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(PREFIX.len() + bytes.len() * 3 / 2 + 2);
    text.push_str(PREFIX);
    text.push_str(&base45::encode(bytes));
    text
}

/// Decodes a scanned text. Never panics, whatever the input.
pub fn decode_payload(text: &str) -> Result<Payload, PayloadError> {
    let Some(body) = text.strip_prefix(PREFIX) else {
        let other_version = text
            .strip_prefix(PREFIX_STEM)
            .and_then(|rest| rest.split_once(':'))
            .is_some_and(|(v, _)| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()));
        return Err(if other_version {
            PayloadError::UnsupportedVersion
        } else {
            PayloadError::NotAHealthCode
        });
    };
    let bytes = base45::decode(body).map_err(|_| PayloadError::BadBase45)?;
    let (credential, rest) = SignedCredential::decode_prefix(&bytes)?;
    if credential.credential().is_printed() {
        if !rest.is_empty() {
            return Err(CredentialError::TrailingBytes.into());
        }
        return Ok(Payload::Printed(credential));
    }
    Ok(Payload::Presentation(Presentation::decode_tail(
        credential, rest, &bytes,
    )?))
}
