//! `--json`: the results of `status`, `show`, `codes` and `verify` for
//! scripts. The field names below are the stable interface (README "Scripts"):
//! a field may be added, none renamed or removed. Times are RFC 3339 (UTC),
//! enums snake_case; masked identity only, as on every screen.

use serde::Serialize;
use suikang_core::verifier::{CheckResult, Verdict};
use suikang_core::{AppStatus, CodeScreen, CodeSummary, Screen};
use suikang_protocol::api::CodeRole;
use suikang_protocol::{Color, ControlReason};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// `Online` → `online`, `SignedInElsewhere` → `signed_in_elsewhere`.
fn snake(debug: impl std::fmt::Debug) -> String {
    let mut out = String::new();
    for (i, c) in format!("{debug:?}").chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else {
            break;
        }
    }
    out
}

#[derive(Serialize)]
struct Holder {
    masked_name: String,
    masked_document: String,
}

/// `suikang status --json`.
#[derive(Serialize)]
pub struct Status {
    signed_in: bool,
    signed_in_elsewhere: bool,
    holder: Option<Holder>,
    network: String,
    last_synced_at: Option<String>,
    queued_actions: u32,
}

impl From<&AppStatus> for Status {
    fn from(s: &AppStatus) -> Status {
        Status {
            signed_in: s.signed_in,
            signed_in_elsewhere: s.signed_in_elsewhere,
            holder: s.session.as_ref().map(|v| Holder {
                masked_name: v.masked_name.clone(),
                masked_document: v.masked_document.clone(),
            }),
            network: snake(s.network),
            last_synced_at: s.last_synced_at.map(rfc3339),
            queued_actions: s.queued_actions,
        }
    }
}

#[derive(Serialize)]
struct Reason {
    reason: ControlReason,
    zh: String,
    en: String,
}

#[derive(Serialize)]
struct Card {
    code_id: String,
    /// 1-based: "2 of 3".
    position: u32,
    count: u32,
    role: CodeRole,
    color: Color,
    status_zh: String,
    status_en: String,
    masked_name: String,
    masked_document: String,
    issuer_zh: String,
    issuer_en: String,
    reasons: Vec<Reason>,
    banner: Option<String>,
    network: String,
    last_synced_at: Option<String>,
    /// The presentation's QR text, as `qr-text` prints it.
    qr_text: String,
    /// When the QR text goes stale and must be fetched again.
    refresh_at: String,
    /// Until when the code passes a checkpoint with no network (离线有效至).
    offline_valid_until: Option<String>,
    /// A dependent's page printed on this phone: until when it is accepted.
    printed_valid_until: Option<String>,
}

/// `suikang show --json`: `screen` is `code`, `no_code` or `signed_out`;
/// `code` is present for `code`.
#[derive(Serialize)]
pub struct Show {
    screen: &'static str,
    code: Option<Card>,
    banner: Option<String>,
}

impl From<&CodeScreen> for Card {
    fn from(c: &CodeScreen) -> Card {
        Card {
            code_id: c.code_id.clone(),
            position: c.index + 1,
            count: c.count,
            role: c.role,
            color: c.color,
            status_zh: c.status_zh.clone(),
            status_en: c.status_en.clone(),
            masked_name: c.masked_name.clone(),
            masked_document: c.masked_document.clone(),
            issuer_zh: c.issuer_name_zh.clone(),
            issuer_en: c.issuer_name_en.clone(),
            reasons: c
                .reasons
                .iter()
                .map(|r| Reason {
                    reason: r.reason,
                    zh: r.zh.clone(),
                    en: r.en.clone(),
                })
                .collect(),
            banner: c.banner.map(snake),
            network: snake(c.network),
            last_synced_at: c.last_synced_at.map(rfc3339),
            qr_text: c.qr_text.clone(),
            refresh_at: rfc3339(c.refresh_at),
            offline_valid_until: c.offline_validity.as_ref().map(|n| rfc3339(n.until)),
            printed_valid_until: c.printed_validity.as_ref().map(|n| rfc3339(n.until)),
        }
    }
}

impl From<&Screen> for Show {
    fn from(s: &Screen) -> Show {
        match s {
            Screen::Code(code) => Show {
                screen: "code",
                banner: code.banner.map(snake),
                code: Some(code.as_ref().into()),
            },
            Screen::NoCode { banner } => Show {
                screen: "no_code",
                code: None,
                banner: banner.map(snake),
            },
            Screen::SignedOut { banner } => Show {
                screen: "signed_out",
                code: None,
                banner: banner.map(snake),
            },
        }
    }
}

/// One line of `suikang codes --json` (an array, own code first).
#[derive(Serialize)]
pub struct Code {
    code_id: String,
    role: CodeRole,
    color: Color,
    reasons: Vec<ControlReason>,
    masked_name: String,
    masked_document: String,
    credential_expires_at: Option<String>,
}

impl From<&CodeSummary> for Code {
    fn from(c: &CodeSummary) -> Code {
        Code {
            code_id: c.code_id.clone(),
            role: c.role,
            color: c.color,
            reasons: c.controls.clone(),
            masked_name: c.masked_name.clone(),
            masked_document: c.masked_document.clone(),
            credential_expires_at: c.credential_expires_at.map(rfc3339),
        }
    }
}

/// The issuing server's answer to `verify --online`.
#[derive(Serialize)]
pub struct Online {
    pub color_now: Option<Color>,
    pub changed_since_issue: bool,
}

/// `suikang verify --json`: `verdict` is `pass`, `stop` or `invalid` (as
/// the exit status: 0, 1, 3).
#[derive(Serialize)]
pub struct Verification {
    pub verdict: &'static str,
    headline_zh: String,
    headline_en: String,
    /// Why it is invalid, when it is.
    refusal: Option<String>,
    color: Option<Color>,
    masked_name: Option<String>,
    masked_document: Option<String>,
    issuer_zh: Option<String>,
    issuer_en: Option<String>,
    reasons: Vec<Reason>,
    printed: bool,
    presentation_age_seconds: Option<i64>,
    trust_list_stale: bool,
    checked_at: String,
    pub online: Option<Online>,
}

impl From<&CheckResult> for Verification {
    fn from(r: &CheckResult) -> Verification {
        Verification {
            verdict: match r.verdict {
                Verdict::Pass => "pass",
                Verdict::Stop => "stop",
                Verdict::Invalid => "invalid",
            },
            headline_zh: r.headline_zh.clone(),
            headline_en: r.headline_en.clone(),
            refusal: r.refusal.as_ref().map(snake),
            color: r.color,
            masked_name: r.masked_name.clone(),
            masked_document: r.masked_document.clone(),
            issuer_zh: r.issuer_name_zh.clone(),
            issuer_en: r.issuer_name_en.clone(),
            reasons: r
                .reasons
                .iter()
                .map(|l| Reason {
                    reason: l.reason,
                    zh: l.zh.clone(),
                    en: l.en.clone(),
                })
                .collect(),
            printed: r.printed,
            presentation_age_seconds: r.presentation_age.map(|a| a.whole_seconds()),
            trust_list_stale: r.trust_list_stale,
            checked_at: rfc3339(r.checked_at),
            online: None,
        }
    }
}
