//! Offline verification of a scanned code against the trust list.
//!
//! The checks run in a fixed order, and the first that fails is the outcome
//! (FORMAT.md lists it): decode, issuer, key, key window, issuer signature,
//! credential times, device signature, presentation time.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::color::{AppliedBy, Color};
use crate::control::ControlReasons;
use crate::credential::{Binding, CodeId, CredentialError, IssuerId, KeyId};
use crate::document::DocumentKind;
use crate::ed25519_strict;
use crate::payload::{Payload, PayloadError, decode_payload};
use crate::trust::{ColorScheme, TrustList};

/// The verifier's tolerances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerificationPolicy {
    /// How old a presentation may be and still count as fresh.
    pub max_presentation_age: Duration,
    /// How far ahead of the verifier's clock a presentation or an issue time
    /// may be (the two clocks disagree a little).
    pub max_clock_ahead: Duration,
}

impl Default for VerificationPolicy {
    fn default() -> Self {
        VerificationPolicy {
            max_presentation_age: Duration::seconds(120),
            max_clock_ahead: Duration::seconds(60),
        }
    }
}

/// Exactly why a code was refused. The names are the outcomes of the test
/// vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    #[error("not a readable health code")]
    Malformed,
    #[error("a code of a format version this verifier does not know")]
    UnsupportedVersion,
    #[error("the issuer is not in the trust list")]
    UnknownIssuer,
    #[error("the issuer has no such key in the trust list")]
    UnknownKey,
    #[error("the issuer's key was not valid when the code was issued or is no longer valid")]
    KeyNotValidAtThatTime,
    #[error("the issuer's signature does not match: a forged or altered code")]
    BadIssuerSignature,
    #[error("the credential has expired")]
    CredentialExpired,
    #[error("the credential is not valid yet")]
    CredentialNotYetValid,
    #[error("the code was not signed by the device it belongs to")]
    BadDeviceSignature,
    #[error("the code was shown too long ago: a screenshot or a replay")]
    PresentationStale,
    #[error("the code's time is ahead of this verifier's clock")]
    PresentationFromTheFuture,
    #[error("the printed code has expired")]
    PrintedCredentialExpired,
}

impl Refusal {
    pub fn label_zh(self) -> &'static str {
        match self {
            Refusal::Malformed => "无法识别的健康码",
            Refusal::UnsupportedVersion => "不支持的健康码版本",
            Refusal::UnknownIssuer => "未知的发码机构",
            Refusal::UnknownKey => "未知的签名密钥",
            Refusal::KeyNotValidAtThatTime => "签名密钥不在有效期内",
            Refusal::BadIssuerSignature => "签名无效，疑似伪造",
            Refusal::CredentialExpired => "健康码已过期",
            Refusal::CredentialNotYetValid => "健康码尚未生效",
            Refusal::BadDeviceSignature => "非本人设备出示",
            Refusal::PresentationStale => "二维码已失效（疑似截图）",
            Refusal::PresentationFromTheFuture => "二维码时间异常",
            Refusal::PrintedCredentialExpired => "打印版健康码已过期",
        }
    }

    /// Traditional Chinese (Hong Kong, Macao, Taiwan visitors: 来穗人员).
    pub fn label_zh_hant(self) -> &'static str {
        match self {
            Refusal::Malformed => "無法識別的健康碼",
            Refusal::UnsupportedVersion => "不支援的健康碼版本",
            Refusal::UnknownIssuer => "未知的發碼機構",
            Refusal::UnknownKey => "未知的簽名密鑰",
            Refusal::KeyNotValidAtThatTime => "簽名密鑰不在有效期內",
            Refusal::BadIssuerSignature => "簽名無效，疑似偽造",
            Refusal::CredentialExpired => "健康碼已過期",
            Refusal::CredentialNotYetValid => "健康碼尚未生效",
            Refusal::BadDeviceSignature => "非本人設備出示",
            Refusal::PresentationStale => "二維碼已失效（疑似截圖）",
            Refusal::PresentationFromTheFuture => "二維碼時間異常",
            Refusal::PrintedCredentialExpired => "打印版健康碼已過期",
        }
    }
}

impl From<PayloadError> for Refusal {
    fn from(e: PayloadError) -> Refusal {
        match e {
            PayloadError::UnsupportedVersion
            | PayloadError::Credential(CredentialError::UnsupportedVersion(_)) => {
                Refusal::UnsupportedVersion
            }
            _ => Refusal::Malformed,
        }
    }
}

/// A code that passed every check: what a checkpoint shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCode {
    pub issuer: IssuerId,
    pub issuer_name_zh: String,
    pub issuer_name_en: String,
    pub issuer_colors: ColorScheme,
    pub key_id: KeyId,
    pub code_id: CodeId,
    pub color: Color,
    pub applied_by: AppliedBy,
    pub controls: ControlReasons,
    /// 张*明
    pub masked_name: String,
    /// 4401**********123X
    pub masked_document: String,
    pub document_kind: DocumentKind,
    pub printed: bool,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// `None` for a printed code.
    pub presented_at: Option<OffsetDateTime>,
    pub credential_age: Duration,
    pub presentation_age: Option<Duration>,
    /// The trust list is older than the policy allows: verified, with a warning.
    pub trust_list_stale: bool,
}

/// Verifies a scanned text at `now` against `trust_list`. Offline and pure.
pub fn verify(
    qr_text: &str,
    trust_list: &TrustList,
    now: OffsetDateTime,
    policy: &VerificationPolicy,
) -> Result<VerifiedCode, Refusal> {
    let payload = decode_payload(qr_text)?;
    verify_payload(&payload, trust_list, now, policy)
}

/// Verifies an already decoded code.
pub fn verify_payload(
    payload: &Payload,
    trust_list: &TrustList,
    now: OffsetDateTime,
    policy: &VerificationPolicy,
) -> Result<VerifiedCode, Refusal> {
    let signed = payload.credential();
    let credential = signed.credential();
    let Some((issuer, key, issuer_key)) =
        trust_list.key_check(credential.issuer, credential.key_id)
    else {
        return Err(match trust_list.issuer(credential.issuer) {
            None => Refusal::UnknownIssuer,
            Some(_) => Refusal::UnknownKey,
        });
    };
    if !key.is_valid_at(credential.issued_at) || !key.is_valid_at(now) {
        return Err(Refusal::KeyNotValidAtThatTime);
    }
    // Both signatures are computed here, their answers used in the order of
    // the checks: a refusal names the first check that fails, as before.
    let device_signature = match (payload, credential.binding) {
        (Payload::Presentation(presentation), Binding::Device(device_key)) => Some((
            device_key,
            presentation.signed_bytes(),
            presentation.device_signature_bytes(),
        )),
        _ => None,
    };
    let (issuer_signed, device_signed) = ed25519_strict::verify_both(
        (issuer_key, signed.signed_bytes(), signed.signature_bytes()),
        device_signature
            .as_ref()
            .map(|(key, message, signature)| (key, *message, *signature)),
    );
    if !issuer_signed {
        return Err(Refusal::BadIssuerSignature);
    }
    if credential.issued_at > now + policy.max_clock_ahead {
        return Err(Refusal::CredentialNotYetValid);
    }
    if now >= credential.expires_at {
        return Err(match credential.binding {
            Binding::Printed => Refusal::PrintedCredentialExpired,
            Binding::Device(_) => Refusal::CredentialExpired,
        });
    }
    let presented_at = match (payload, credential.binding) {
        (Payload::Presentation(presentation), Binding::Device(_)) => {
            // Exactly what `Presentation::verify_device_signature` answers.
            if device_signed != Some(true) {
                return Err(Refusal::BadDeviceSignature);
            }
            let at = presentation.presented_at();
            if at > now + policy.max_clock_ahead {
                return Err(Refusal::PresentationFromTheFuture);
            }
            if now - at > policy.max_presentation_age {
                return Err(Refusal::PresentationStale);
            }
            Some(at)
        }
        (Payload::Printed(_), Binding::Printed) => None,
        // The decoder pairs each binding with its payload kind.
        _ => return Err(Refusal::Malformed),
    };
    Ok(VerifiedCode {
        issuer: issuer.id,
        issuer_name_zh: issuer.name_zh.clone(),
        issuer_name_en: issuer.name_en.clone(),
        issuer_colors: issuer.colors,
        key_id: key.id,
        code_id: credential.code_id,
        color: credential.color(),
        applied_by: credential.applied_by,
        controls: credential.controls,
        masked_name: credential.masked_name.to_string(),
        masked_document: credential.masked_document.to_string(),
        document_kind: credential.masked_document.kind(),
        printed: credential.is_printed(),
        issued_at: credential.issued_at,
        expires_at: credential.expires_at,
        presented_at,
        credential_age: now - credential.issued_at,
        presentation_age: presented_at.map(|at| now - at),
        trust_list_stale: trust_list.is_stale(now),
    })
}
