//! The issuer-signed credential: what a code says about its holder.
//!
//! Layout (version 1, all integers big-endian; see FORMAT.md):
//! version · flags · issuer · key · code id · issued-at · validity · controls
//! · masked name · masked document · [device key] · issuer signature.

use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::color::{AppliedBy, Color};
use crate::control::ControlReasons;
use crate::document::{DocumentKind, MaskedDocument, MaskedName, visible_per_side};
use crate::wire_time;

/// The credential format this crate writes and reads.
pub const CREDENTIAL_VERSION: u8 = 1;
/// Longest validity a credential can carry (u16 minutes, about 45 days).
pub const MAX_VALIDITY: Duration = Duration::minutes(u16::MAX as i64);

const FLAG_PRINTED: u8 = 0b01;
const FLAG_PROXY: u8 = 0b10;
const NAME_HAS_LAST: u8 = 0x80;

/// An issuer (Suikang, Yuekang, …) as numbered in the trust list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IssuerId(pub u16);

/// One of an issuer's signing keys, numbered within the issuer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KeyId(pub u8);

/// The opaque, random identifier of a person's code. It carries no personal
/// data and stays the same for the life of the code (问题六).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CodeId(pub u64);

impl fmt::Debug for CodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CodeId({:016x})", self.0)
    }
}

impl fmt::Display for CodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// What the credential is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Binding {
    /// The holder's device: only a presentation signed by this key is valid.
    Device([u8; 32]),
    /// A printed page (问题五): no device, a longer validity, and checkpoints
    /// are told it is printed.
    Printed,
}

/// What an issuer asserts about a code, before it is signed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Credential {
    pub issuer: IssuerId,
    pub key_id: KeyId,
    pub code_id: CodeId,
    pub applied_by: AppliedBy,
    pub controls: ControlReasons,
    pub masked_name: MaskedName,
    pub masked_document: MaskedDocument,
    pub binding: Binding,
    /// Whole minutes; [`Credential::sign`] rounds it down.
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Why a credential could not be encoded or decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("the credential ends before its last field")]
    Truncated,
    #[error("credential format version {0} is not supported")]
    UnsupportedVersion(u8),
    #[error("the credential sets a bit that no field owns")]
    ReservedBitsSet,
    #[error("the credential's masked name is not well formed")]
    BadName,
    #[error("the credential's masked document is not well formed")]
    BadDocument,
    #[error("bytes follow the end of the code")]
    TrailingBytes,
    #[error("the issue time is outside what the format can carry")]
    TimeOutOfRange,
    #[error("the credential expires before it is issued, or lives longer than 45 days")]
    BadValidity,
}

impl Credential {
    /// The colour the credential shows (问题三).
    pub fn color(&self) -> Color {
        Color::of(self.applied_by, self.controls)
    }

    pub fn is_printed(&self) -> bool {
        self.binding == Binding::Printed
    }

    /// Signs the credential with the issuer's key. `issued_at` is rounded
    /// down to its minute and `expires_at` kept at the same distance from it.
    pub fn sign(mut self, issuer_key: &SigningKey) -> Result<SignedCredential, CredentialError> {
        let validity = self.expires_at - self.issued_at;
        self.issued_at = wire_time::truncate_to_minute(self.issued_at);
        self.expires_at = self
            .issued_at
            .checked_add(Duration::minutes(validity.whole_minutes()))
            .ok_or(CredentialError::TimeOutOfRange)?;
        let mut bytes = Vec::with_capacity(140);
        self.encode_body(&mut bytes)?;
        let signature = issuer_key.sign(&bytes);
        let body_len = bytes.len();
        bytes.extend_from_slice(&signature.to_bytes());
        Ok(SignedCredential {
            credential: self,
            bytes,
            body_len,
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), CredentialError> {
        let issued =
            wire_time::to_minutes(self.issued_at).ok_or(CredentialError::TimeOutOfRange)?;
        let validity = (self.expires_at - self.issued_at).whole_minutes();
        let validity = u16::try_from(validity)
            .ok()
            .filter(|v| *v > 0)
            .ok_or(CredentialError::BadValidity)?;
        let mut flags = 0;
        if self.is_printed() {
            flags |= FLAG_PRINTED;
        }
        if self.applied_by == AppliedBy::Proxy {
            flags |= FLAG_PROXY;
        }
        out.push(CREDENTIAL_VERSION);
        out.push(flags);
        out.extend_from_slice(&self.issuer.0.to_be_bytes());
        out.push(self.key_id.0);
        out.extend_from_slice(&self.code_id.0.to_be_bytes());
        out.extend_from_slice(&issued.to_be_bytes());
        out.extend_from_slice(&validity.to_be_bytes());
        out.push(self.controls.bits());
        encode_name(&self.masked_name, out)?;
        encode_document(&self.masked_document, out)?;
        if let Binding::Device(key) = self.binding {
            out.extend_from_slice(&key);
        }
        Ok(())
    }
}

fn encode_name(name: &MaskedName, out: &mut Vec<u8>) -> Result<(), CredentialError> {
    let canonical = match name.last {
        Some(_) => name.hidden >= 1,
        None => name.hidden <= 1,
    };
    if !canonical || name.hidden > 0x7f {
        return Err(CredentialError::BadName);
    }
    out.push(
        name.hidden
            | if name.last.is_some() {
                NAME_HAS_LAST
            } else {
                0
            },
    );
    let mut buf = [0; 4];
    out.extend_from_slice(name.first.encode_utf8(&mut buf).as_bytes());
    if let Some(last) = name.last {
        out.extend_from_slice(last.encode_utf8(&mut buf).as_bytes());
    }
    Ok(())
}

fn encode_document(doc: &MaskedDocument, out: &mut Vec<u8>) -> Result<(), CredentialError> {
    let side = visible_per_side(doc.length());
    let well_formed = (1..=31).contains(&doc.length)
        && doc.head.len() == side
        && doc.tail.len() == side
        && doc
            .head
            .bytes()
            .chain(doc.tail.bytes())
            .all(is_document_char);
    if !well_formed {
        return Err(CredentialError::BadDocument);
    }
    out.push((doc.kind as u8) << 5 | doc.length);
    out.extend_from_slice(doc.head.as_bytes());
    out.extend_from_slice(doc.tail.as_bytes());
    Ok(())
}

fn is_document_char(b: u8) -> bool {
    b.is_ascii_digit() || b.is_ascii_uppercase()
}

/// A credential with the issuer's signature, and the exact bytes signed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SignedCredential {
    credential: Credential,
    /// Body followed by the 64-byte signature.
    bytes: Vec<u8>,
    body_len: usize,
}

impl SignedCredential {
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// The whole credential as it travels: signed bytes, then signature.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes the issuer signed.
    pub fn signed_bytes(&self) -> &[u8] {
        &self.bytes[..self.body_len]
    }

    pub fn signature(&self) -> Signature {
        let bytes: [u8; 64] = self.bytes[self.body_len..]
            .try_into()
            .expect("64-byte signature");
        Signature::from_bytes(&bytes)
    }

    pub(crate) fn signature_bytes(&self) -> &[u8; 64] {
        self.bytes[self.body_len..]
            .try_into()
            .expect("64-byte signature")
    }

    /// Checks the issuer's signature, strictly (no malleable encodings).
    pub fn verify_signature(&self, issuer_key: &VerifyingKey) -> bool {
        issuer_key
            .verify_strict(self.signed_bytes(), &self.signature())
            .is_ok()
    }

    /// Decodes one credential from the front of `input` and returns the
    /// rest. Every field is checked for its canonical form, so a credential
    /// has exactly one encoding.
    pub fn decode_prefix(input: &[u8]) -> Result<(SignedCredential, &[u8]), CredentialError> {
        let mut r = Reader(input);
        let version = r.u8()?;
        if version != CREDENTIAL_VERSION {
            return Err(CredentialError::UnsupportedVersion(version));
        }
        let flags = r.u8()?;
        if flags & !(FLAG_PRINTED | FLAG_PROXY) != 0 {
            return Err(CredentialError::ReservedBitsSet);
        }
        let issuer = IssuerId(u16::from_be_bytes(r.array()?));
        let key_id = KeyId(r.u8()?);
        let code_id = CodeId(u64::from_be_bytes(r.array()?));
        let issued_at = wire_time::from_minutes(u32::from_be_bytes(r.array()?))
            .ok_or(CredentialError::TimeOutOfRange)?;
        let validity = u16::from_be_bytes(r.array()?);
        if validity == 0 {
            return Err(CredentialError::BadValidity);
        }
        let expires_at = issued_at
            .checked_add(Duration::minutes(validity.into()))
            .ok_or(CredentialError::TimeOutOfRange)?;
        let controls =
            ControlReasons::from_bits(r.u8()?).ok_or(CredentialError::ReservedBitsSet)?;
        let masked_name = decode_name(&mut r)?;
        let masked_document = decode_document(&mut r)?;
        let binding = if flags & FLAG_PRINTED != 0 {
            Binding::Printed
        } else {
            // Checked as a curve point when verified, where it is needed anyway.
            Binding::Device(r.array()?)
        };
        let body_len = input.len() - r.0.len();
        let _signature: [u8; 64] = r.array()?;
        let total = input.len() - r.0.len();
        let credential = Credential {
            issuer,
            key_id,
            code_id,
            applied_by: if flags & FLAG_PROXY != 0 {
                AppliedBy::Proxy
            } else {
                AppliedBy::Holder
            },
            controls,
            masked_name,
            masked_document,
            binding,
            issued_at,
            expires_at,
        };
        let signed = SignedCredential {
            credential,
            bytes: input[..total].to_vec(),
            body_len,
        };
        Ok((signed, r.0))
    }
}

fn decode_name(r: &mut Reader<'_>) -> Result<MaskedName, CredentialError> {
    let header = r.u8()?;
    let hidden = header & 0x7f;
    let first = r.char()?;
    let last = if header & NAME_HAS_LAST != 0 {
        Some(r.char()?)
    } else {
        None
    };
    let canonical = if last.is_some() {
        hidden >= 1
    } else {
        hidden <= 1
    };
    // An issuer that let a bidi override or zero-width character through
    // would make the verifier show a name it did not sign as read (DESIGN §2).
    let shown_as_read = |c: char| !c.is_control() && !crate::document::is_format_character(c);
    if !canonical || !shown_as_read(first) || last.is_some_and(|c| !shown_as_read(c)) {
        return Err(CredentialError::BadName);
    }
    Ok(MaskedName {
        first,
        last,
        hidden,
    })
}

fn decode_document(r: &mut Reader<'_>) -> Result<MaskedDocument, CredentialError> {
    let header = r.u8()?;
    let kind = DocumentKind::from_wire(header >> 5).ok_or(CredentialError::BadDocument)?;
    let length = header & 0x1f;
    if length == 0 {
        return Err(CredentialError::BadDocument);
    }
    let side = visible_per_side(length.into());
    let head = r.take(side)?;
    let tail = r.take(side)?;
    if !head.iter().chain(tail).copied().all(is_document_char) {
        return Err(CredentialError::BadDocument);
    }
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).expect("checked ASCII");
    Ok(MaskedDocument {
        kind,
        length,
        head: text(head),
        tail: text(tail),
    })
}

/// A cursor over untrusted bytes: every read is bounds-checked.
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], CredentialError> {
        if self.0.len() < n {
            return Err(CredentialError::Truncated);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, CredentialError> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], CredentialError> {
        Ok(self.take(N)?.try_into().expect("took N bytes"))
    }

    /// One UTF-8 encoded character: its length comes from its lead byte.
    fn char(&mut self) -> Result<char, CredentialError> {
        let lead = *self.0.first().ok_or(CredentialError::Truncated)?;
        let len = match lead {
            0x00..=0x7f => 1,
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => return Err(CredentialError::BadName),
        };
        let bytes = self.take(len)?;
        let s = std::str::from_utf8(bytes).map_err(|_| CredentialError::BadName)?;
        s.chars().next().ok_or(CredentialError::BadName)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// u32 minutes reach past the year 9999: such a time is an error, not a panic.
    #[test]
    fn an_issue_time_past_the_year_9999_is_refused() {
        let mut bytes = vec![CREDENTIAL_VERSION, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1];
        bytes.extend_from_slice(&u32::MAX.to_be_bytes());
        bytes.extend_from_slice(&[0, 1, 0, 0, b'A', 0x05, b'A', b'B', b'C', b'D']);
        assert_eq!(
            SignedCredential::decode_prefix(&bytes).unwrap_err(),
            CredentialError::TimeOutOfRange
        );
    }
}
