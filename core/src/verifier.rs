//! The checkpoint (DESIGN §1): scan a code — a phone's, a printed page's,
//! another issuer's — and see at once pass, stop or invalid, with the masked
//! identity to compare with the person. Offline, against the cached trust
//! list; optionally online against the issuer.

use std::sync::Arc;

use suikang_protocol::api::{ErrorCode, OnlineVerifyRequest, OnlineVerifyResponse, paths};
use suikang_protocol::{Color, Refusal, TrustList, VerificationPolicy, VerifiedCode};
use time::{Duration, OffsetDateTime};

use crate::app::App;
use crate::display::{ReasonLabel, Rgba};
use crate::error::CoreError;
use crate::outbox::idempotency_key;
use crate::qr::{read_qr, read_qr_luma};
use crate::screen::Banner;

/// What the inspector does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A genuine, fresh code with no control: let the holder through.
    Pass,
    /// A genuine code that is red: the holder is under control measures.
    Stop,
    /// Not a valid code: forged, expired, a screenshot, unknown issuer…
    Invalid,
}

/// The result screen an inspector reads in a glance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    pub verdict: Verdict,
    /// 通行 / 禁止通行 · 红码 / 无效 · 二维码已失效（疑似截图）
    pub headline_zh: String,
    /// 通行 / 禁止通行 · 紅碼 / 無效 · … (Traditional Chinese)
    pub headline_zh_hant: String,
    pub headline_en: String,
    /// Why the code is invalid.
    pub refusal: Option<Refusal>,
    pub color: Option<Color>,
    pub card: Option<Rgba>,
    pub masked_name: Option<String>,
    pub masked_document: Option<String>,
    pub issuer_name_zh: Option<String>,
    pub issuer_name_en: Option<String>,
    pub reasons: Vec<ReasonLabel>,
    /// A printed page (打印版): no phone signed it, so compare the ID closely.
    pub printed: bool,
    pub credential_age: Option<Duration>,
    pub presentation_age: Option<Duration>,
    /// The trust list is past its `not_after`: the result stands, with a
    /// warning.
    pub trust_list_stale: bool,
    /// The warning to show above the result: [`Banner::TrustListStale`]
    /// when the list is stale.
    pub banner: Option<Banner>,
    pub checked_at: OffsetDateTime,
}

impl CheckResult {
    fn invalid(refusal: Refusal, now: OffsetDateTime, trust_list_stale: bool) -> CheckResult {
        CheckResult {
            verdict: Verdict::Invalid,
            headline_zh: format!("无效 · {}", refusal.label_zh()),
            headline_zh_hant: format!("無效 · {}", refusal.label_zh_hant()),
            headline_en: format!("Invalid · {refusal}"),
            refusal: Some(refusal),
            color: None,
            card: None,
            masked_name: None,
            masked_document: None,
            issuer_name_zh: None,
            issuer_name_en: None,
            reasons: Vec::new(),
            printed: false,
            credential_age: None,
            presentation_age: None,
            trust_list_stale,
            banner: stale_banner(trust_list_stale),
            checked_at: now,
        }
    }

    fn verified(v: VerifiedCode, now: OffsetDateTime) -> CheckResult {
        let stop = !v.controls.is_empty();
        let color_name = v.color.name_zh();
        let printed = if v.printed { " · 打印版" } else { "" };
        let color_name_hant = v.color.name_zh_hant();
        let printed_hant = if v.printed { " · 打印版" } else { "" };
        let printed_en = if v.printed { " · printed" } else { "" };
        CheckResult {
            verdict: if stop { Verdict::Stop } else { Verdict::Pass },
            headline_zh: if stop {
                format!("禁止通行 · {color_name}{printed}")
            } else {
                format!("通行 · {color_name}{printed}")
            },
            headline_zh_hant: if stop {
                format!("禁止通行 · {color_name_hant}{printed_hant}")
            } else {
                format!("通行 · {color_name_hant}{printed_hant}")
            },
            headline_en: if stop {
                format!("Stop · {}{printed_en}", v.color.name_en())
            } else {
                format!("Pass · {}{printed_en}", v.color.name_en())
            },
            refusal: None,
            color: Some(v.color),
            card: Some(v.issuer_colors.of(v.color).into()),
            reasons: v.controls.iter().map(ReasonLabel::from).collect(),
            masked_name: Some(v.masked_name),
            masked_document: Some(v.masked_document),
            issuer_name_zh: Some(v.issuer_name_zh),
            issuer_name_en: Some(v.issuer_name_en),
            printed: v.printed,
            credential_age: Some(v.credential_age),
            presentation_age: v.presentation_age,
            trust_list_stale: v.trust_list_stale,
            banner: stale_banner(v.trust_list_stale),
            checked_at: now,
        }
    }
}

fn stale_banner(stale: bool) -> Option<Banner> {
    stale.then_some(Banner::TrustListStale)
}

impl App {
    /// The trust list for verifying: checked against the roots when loaded
    /// from the cache, then kept in memory until a newer one arrives.
    fn loaded_trust_list(&self) -> Result<Arc<TrustList>, CoreError> {
        let mut loaded = self.loaded_trust_list.lock().expect("trust list lock");
        if let Some(list) = loaded.as_ref() {
            return Ok(list.clone());
        }
        let list = Arc::new(self.trust_list()?.ok_or(CoreError::NoTrustList)?);
        *loaded = Some(list.clone());
        Ok(list)
    }

    /// Verifies a scanned QR text, offline.
    pub fn verify(&self, qr_text: &str) -> Result<CheckResult, CoreError> {
        let list = self.loaded_trust_list()?;
        let now = self.now();
        let policy = VerificationPolicy::default();
        Ok(
            match suikang_protocol::verify(qr_text, &list, now, &policy) {
                Ok(verified) => CheckResult::verified(verified, now),
                Err(refusal) => CheckResult::invalid(refusal, now, list.is_stale(now)),
            },
        )
    }

    /// Verifies the code in a camera frame or a photo (PNG or JPEG), as a
    /// gate camera does.
    pub fn verify_image(&self, image: &[u8]) -> Result<CheckResult, CoreError> {
        let text = read_qr(image)?;
        self.verify(&text)
    }

    /// Verifies the code in a gate camera's grayscale frame (`width ×
    /// height` bytes, row by row), without encoding it as a picture first.
    pub fn verify_frame(
        &self,
        width: usize,
        height: usize,
        pixels: &[u8],
    ) -> Result<CheckResult, CoreError> {
        let text = read_qr_luma(width, height, pixels)?;
        self.verify(&text)
    }

    /// Asks the issuing server too: its status may be newer than the
    /// credential's. Only a checkpoint account may ask (DESIGN §2, Online
    /// check): `checkpoint_token` is its token, from the issuer's admin
    /// (`suikang-server create-checkpoint`); no resident session is needed.
    /// The answer is the colour now and pass/stop, never the reasons.
    pub async fn verify_online(
        &self,
        qr_text: &str,
        checkpoint_token: &str,
    ) -> Result<OnlineVerifyResponse, CoreError> {
        if checkpoint_token.trim().is_empty() {
            return Err(CoreError::CheckpointTokenRefused);
        }
        let request = OnlineVerifyRequest {
            qr_text: qr_text.to_owned(),
        };
        self.http()?
            .post(
                paths::VERIFY,
                Some(checkpoint_token.trim()),
                &request,
                &idempotency_key(),
            )
            .await
            .map_err(|e| match CoreError::from(e) {
                // The session errors a refused token maps to for a resident's token
                // would tell a checkpoint to sign in, which it never does.
                CoreError::SessionEnded
                | CoreError::Refused {
                    code:
                        ErrorCode::WrongAccountKind
                        | ErrorCode::AccountTokenExpired
                        | ErrorCode::AccountRevoked,
                    ..
                } => CoreError::CheckpointTokenRefused,
                other => other,
            })
    }
}

/// The verdict once the issuer has answered online (DESIGN §2): a code that
/// is red now is Stop, whatever it showed when printed or issued; an invalid
/// code stays invalid; otherwise the offline verdict stands.
pub fn verdict_now(offline: Verdict, online: &OnlineVerifyResponse) -> Verdict {
    match offline {
        Verdict::Invalid => Verdict::Invalid,
        _ if stop_now(online) => Verdict::Stop,
        offline => offline,
    }
}

/// The issuer says the code is red now (DESIGN §2, Online check): Stop,
/// whatever the code showed.
pub fn stop_now(online: &OnlineVerifyResponse) -> bool {
    online.current_status.as_ref().is_some_and(|now| !now.pass)
}
