//! The trust list (问题八 互扫互通): every issuer whose codes verify, with its
//! keys and their validity windows, signed by a root key the apps ship with.
//! Key rotation and revocation happen by publishing a new list.
//!
//! As the apps receive it (see FORMAT.md):
//! `{"format":"suikang-trust-list","payload":"<base64url of the list JSON>",
//!   "signature":"<hex Ed25519 signature of those payload bytes>"}`

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::ed25519_strict::IssuerKeyCheck;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Duration, OffsetDateTime};

use crate::color::Color;
use crate::credential::{IssuerId, KeyId};

/// The list format this crate writes. Version 2 added `not_after`.
pub const TRUST_LIST_VERSION: u32 = 2;
/// The oldest format still read, for the transition: a checkpoint updated
/// while offline keeps the version-1 list it holds and stays open (a gate
/// must not stop); it is stale once [`V1_VALIDITY`] has passed.
pub const OLDEST_READ_VERSION: u32 = 1;
/// How long a version-1 list (which has no `not_after`) counts as fresh:
/// the maximum age verifiers allowed before version 2.
pub const V1_VALIDITY: Duration = Duration::days(7);
/// How long a list counts as fresh when its signer does not say otherwise.
pub const DEFAULT_VALIDITY: Duration = Duration::days(30);
const ENVELOPE_FORMAT: &str = "suikang-trust-list";

/// A display colour, written `#RRGGBB` (in the trust list and in the API
/// alike: this type is the one parser and formatter of colours).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, pattern = "^#[0-9A-Fa-f]{6}$", example = "#1E6FD9")
)]
pub struct Rgb(pub [u8; 3]);

impl Serialize for Rgb {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("#{}", hex::encode_upper(self.0)))
    }
}

impl<'de> Deserialize<'de> for Rgb {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let mut rgb = [0; 3];
        text.strip_prefix('#')
            .and_then(|h| hex::decode_to_slice(h, &mut rgb).ok())
            .ok_or_else(|| serde::de::Error::custom("a colour is written #RRGGBB"))?;
        Ok(Rgb(rgb))
    }
}

/// How an issuer's codes are coloured on screen and paper.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ColorScheme {
    pub red: Rgb,
    pub blue: Rgb,
    pub green: Rgb,
}

impl ColorScheme {
    /// Suikang's own colours.
    pub const SUIKANG: ColorScheme = ColorScheme {
        red: Rgb([0xD9, 0x36, 0x3E]),
        blue: Rgb([0x1E, 0x6F, 0xD9]),
        green: Rgb([0x1A, 0x9A, 0x4B]),
    };

    pub fn of(&self, color: Color) -> Rgb {
        match color {
            Color::Red => self.red,
            Color::Blue => self.blue,
            Color::Green => self.green,
        }
    }
}

/// One signing key of an issuer. A credential verifies only if it was issued,
/// and is verified, inside the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerKey {
    pub id: KeyId,
    #[serde(with = "hex_key")]
    pub public_key: [u8; 32],
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
}

impl IssuerKey {
    pub fn is_valid_at(&self, t: OffsetDateTime) -> bool {
        self.not_before <= t && t <= self.not_after
    }
}

/// An issuer of health codes: Suikang, Yuekang, another province's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerEntry {
    pub id: IssuerId,
    /// A short stable name, `suikang` or `yuekang`.
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub colors: ColorScheme,
    pub keys: Vec<IssuerKey>,
}

#[derive(Serialize, Deserialize)]
struct ListBody {
    version: u32,
    /// Grows with every list the root signs: a verifier never goes back to a
    /// lower one (no rollback to a list that still trusts a revoked key).
    sequence: u64,
    #[serde(with = "time::serde::rfc3339")]
    issued_at: OffsetDateTime,
    /// After this the list is stale: verifiers still verify with it and
    /// warn that it needs an update. Version 2 on; absent in version 1.
    #[serde(
        with = "time::serde::rfc3339::option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    not_after: Option<OffsetDateTime>,
    issuers: Vec<IssuerEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    format: String,
    payload: String,
    signature: String,
}

/// A checked trust list, indexed for look-up by issuer and key id: a scan
/// finds its key without walking the list, and the key is already decoded
/// (issue 17: a checkpoint verifies every person at the gate).
#[derive(Clone)]
pub struct TrustList {
    sequence: u64,
    issued_at: OffsetDateTime,
    not_after: OffsetDateTime,
    issuers: Vec<IssuerEntry>,
    issuer_index: HashMap<IssuerId, usize>,
    /// Shared between clones: a key's table is built once, whoever uses it.
    key_index: HashMap<(IssuerId, KeyId), (usize, usize, Arc<IssuerKeyCheck>)>,
}

impl fmt::Debug for TrustList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustList")
            .field("sequence", &self.sequence)
            .field("issued_at", &self.issued_at)
            .field("not_after", &self.not_after)
            .field("issuers", &self.issuers.len())
            .finish()
    }
}

impl PartialEq for TrustList {
    fn eq(&self, other: &Self) -> bool {
        (self.sequence, self.issued_at, self.not_after, &self.issuers)
            == (
                other.sequence,
                other.issued_at,
                other.not_after,
                &other.issuers,
            )
    }
}

/// Why a trust list was refused. A refused list is never used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrustListError {
    #[error("the trust list is not well formed")]
    Malformed,
    #[error("the trust list is not signed by a trusted root key")]
    BadSignature,
    #[error("trust list version {0} is not supported")]
    UnsupportedVersion(u32),
    #[error("issuer {0:?} appears twice")]
    DuplicateIssuer(IssuerId),
    #[error("key {1:?} of issuer {0:?} appears twice")]
    DuplicateKey(IssuerId, KeyId),
    #[error("key {1:?} of issuer {0:?} is not a valid Ed25519 public key")]
    InvalidPublicKey(IssuerId, KeyId),
    #[error("key {1:?} of issuer {0:?} ends before it starts")]
    InvalidKeyWindow(IssuerId, KeyId),
    #[error("the trust list expires before it is issued")]
    InvalidValidity,
}

impl TrustList {
    /// Builds and checks a list: issuers and their keys are unique, keys are
    /// valid points, windows are ordered. Fresh for [`DEFAULT_VALIDITY`]
    /// ([`TrustList::with_not_after`] says otherwise).
    pub fn new(
        sequence: u64,
        issued_at: OffsetDateTime,
        issuers: Vec<IssuerEntry>,
    ) -> Result<TrustList, TrustListError> {
        let mut issuer_index = HashMap::new();
        let mut key_index = HashMap::new();
        for (i, issuer) in issuers.iter().enumerate() {
            if issuer_index.insert(issuer.id, i).is_some() {
                return Err(TrustListError::DuplicateIssuer(issuer.id));
            }
            for (k, key) in issuer.keys.iter().enumerate() {
                let id = (issuer.id, key.id);
                let check = IssuerKeyCheck::new(key.public_key)
                    .ok_or(TrustListError::InvalidPublicKey(id.0, id.1))?;
                if key.not_after < key.not_before {
                    return Err(TrustListError::InvalidKeyWindow(id.0, id.1));
                }
                if key_index.insert(id, (i, k, Arc::new(check))).is_some() {
                    return Err(TrustListError::DuplicateKey(id.0, id.1));
                }
            }
        }
        Ok(TrustList {
            sequence,
            issued_at,
            not_after: issued_at + DEFAULT_VALIDITY,
            issuers,
            issuer_index,
            key_index,
        })
    }

    /// The list, fresh until `not_after` (the signer chooses: the next list
    /// must reach the verifiers before then).
    pub fn with_not_after(
        mut self,
        not_after: OffsetDateTime,
    ) -> Result<TrustList, TrustListError> {
        if not_after < self.issued_at {
            return Err(TrustListError::InvalidValidity);
        }
        self.not_after = not_after;
        Ok(self)
    }

    /// Parses a list as the apps receive it and checks that one of `roots`
    /// signed it — every time it is loaded, from the network or a cache.
    pub fn from_signed_json(
        text: &str,
        roots: &[VerifyingKey],
    ) -> Result<TrustList, TrustListError> {
        let envelope: Envelope =
            serde_json::from_str(text).map_err(|_| TrustListError::Malformed)?;
        if envelope.format != ENVELOPE_FORMAT {
            return Err(TrustListError::Malformed);
        }
        let payload = URL_SAFE_NO_PAD
            .decode(&envelope.payload)
            .map_err(|_| TrustListError::Malformed)?;
        let mut signature = [0; 64];
        hex::decode_to_slice(&envelope.signature, &mut signature)
            .map_err(|_| TrustListError::Malformed)?;
        let signature = Signature::from_bytes(&signature);
        if !roots
            .iter()
            .any(|root| root.verify_strict(&payload, &signature).is_ok())
        {
            return Err(TrustListError::BadSignature);
        }
        #[derive(Deserialize)]
        struct Version {
            version: u32,
        }
        let Version { version } =
            serde_json::from_slice(&payload).map_err(|_| TrustListError::Malformed)?;
        if !(OLDEST_READ_VERSION..=TRUST_LIST_VERSION).contains(&version) {
            return Err(TrustListError::UnsupportedVersion(version));
        }
        let body: ListBody =
            serde_json::from_slice(&payload).map_err(|_| TrustListError::Malformed)?;
        let not_after = match (version, body.not_after) {
            (1, None) => body.issued_at + V1_VALIDITY,
            (1, Some(_)) | (_, None) => return Err(TrustListError::Malformed),
            (_, Some(t)) => t,
        };
        TrustList::new(body.sequence, body.issued_at, body.issuers)?.with_not_after(not_after)
    }

    /// The list as the apps receive it, signed by the root key.
    pub fn to_signed_json(&self, root: &SigningKey) -> String {
        let body = ListBody {
            version: TRUST_LIST_VERSION,
            sequence: self.sequence,
            issued_at: self.issued_at,
            not_after: Some(self.not_after),
            issuers: self.issuers.clone(),
        };
        let payload = serde_json::to_vec(&body).expect("a list always serialises");
        let envelope = Envelope {
            format: ENVELOPE_FORMAT.to_owned(),
            payload: URL_SAFE_NO_PAD.encode(&payload),
            signature: hex::encode(root.sign(&payload).to_bytes()),
        };
        serde_json::to_string(&envelope).expect("an envelope always serialises")
    }

    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    pub fn issued_at(&self) -> OffsetDateTime {
        self.issued_at
    }

    /// After this the list is stale.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    pub fn issuers(&self) -> &[IssuerEntry] {
        &self.issuers
    }

    pub fn issuer(&self, id: IssuerId) -> Option<&IssuerEntry> {
        self.issuer_index.get(&id).map(|i| &self.issuers[*i])
    }

    /// The issuer and key a credential names.
    pub fn key(&self, issuer: IssuerId, key: KeyId) -> Option<(&IssuerEntry, &IssuerKey)> {
        self.key_check(issuer, key)
            .map(|(entry, key, _)| (entry, key))
    }

    /// The issuer and key a credential names, with the key ready to verify.
    pub(crate) fn key_check(
        &self,
        issuer: IssuerId,
        key: KeyId,
    ) -> Option<(&IssuerEntry, &IssuerKey, &IssuerKeyCheck)> {
        let (i, k, check) = self.key_index.get(&(issuer, key))?;
        let entry = &self.issuers[*i];
        Some((entry, &entry.keys[*k], check))
    }

    /// Whether the list is past its `not_after` at `now`: verifiers warn
    /// ("信任列表已过期，请联网更新") and keep using it — a stale list is a
    /// warning, not a failure: an offline gate must not stop.
    pub fn is_stale(&self, now: OffsetDateTime) -> bool {
        now > self.not_after
    }
}

mod hex_key {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(key: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(key))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let mut key = [0; 32];
        hex::decode_to_slice(&text, &mut key)
            .map_err(|_| serde::de::Error::custom("a key is 64 hex digits"))?;
        Ok(key)
    }
}
