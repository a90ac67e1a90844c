//! The code screen (问题五): one value holding everything the native UI
//! draws — the QR modules of a presentation signed just now, the card's
//! colours, masked identity, status in zh-CN and en, the live clock, the
//! banner, which code of how many — and when to draw it again. Switching
//! between one's own code and the dependents' is a core call too.

use std::sync::Arc;

use suikang_protocol::api::{CodeRole, IssuerView};
use suikang_protocol::{Color, Relationship, Rgb};
use time::{Duration, OffsetDateTime};

use crate::app::{App, AppStatus};
use crate::codes::CodeSummary;
use crate::display::{Precision, ReasonLabel, Rgba, beijing_time, capitalise, clock_text};
use crate::error::CoreError;
use crate::http::NetworkState;
use crate::qr::QrMatrix;

/// Presentations are re-made this often, so a screenshot goes stale.
pub const REFRESH_EVERY: Duration = Duration::seconds(30);
/// Last sync older than this shows the "stale" banner.
pub const STALE_AFTER: Duration = Duration::hours(6);

/// The card's colours: the card in the code's colour (the issuer's shade),
/// the QR dark on a light panel so it scans on every card colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CardColors {
    pub card: Rgba,
    pub on_card: Rgba,
    pub qr_dark: Rgba,
    pub qr_light: Rgba,
}

/// What the banner above the code says, most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Banner {
    /// The server ended this session: someone signed in on another device.
    SignedInElsewhere,
    /// The keystore lost the device key the codes are bound to: a sync
    /// cannot fix that, a new login can.
    DeviceKeyLost,
    /// The credential has expired: checkpoints will refuse it until a sync.
    RefreshNeeded,
    /// No network: the code still shows and still works until it expires.
    Offline,
    /// Not synced for a while: the colour may be out of date.
    Stale,
    /// The cache was reset; the codes are being fetched again.
    CacheReset,
    /// A checkpoint's trust list is past its `not_after`: codes still
    /// verify with it, and the gate should go online to update it. Shown
    /// with a check's result ([`crate::CheckResult::banner`]).
    TrustListStale,
}

impl Banner {
    /// The most urgent banner (问题五: the code shows offline too, and says
    /// so): the session ended elsewhere, then the shown code's credential
    /// expired, then offline, then stale (not synced for [`STALE_AFTER`]
    /// while codes are held), then a reset cache.
    pub fn choose(
        status: &AppStatus,
        now: OffsetDateTime,
        holds_codes: bool,
        shown: Option<&CodeSummary>,
    ) -> Option<Banner> {
        let stale = status.last_synced_at.is_none_or(|t| now - t > STALE_AFTER);
        if status.signed_in_elsewhere {
            Some(Banner::SignedInElsewhere)
        } else if shown.is_some_and(|c| c.refresh_needed) {
            Some(Banner::RefreshNeeded)
        } else if status.network == NetworkState::Offline {
            Some(Banner::Offline)
        } else if stale && holds_codes {
            Some(Banner::Stale)
        } else if status.cache_recovery.is_some() {
            Some(Banner::CacheReset)
        } else {
            None
        }
    }

    pub fn text_zh(self) -> &'static str {
        match self {
            Banner::SignedInElsewhere => "您的账号已在其他设备登录，请重新登录",
            Banner::DeviceKeyLost => "本机设备密钥已变更，请重新登录",
            Banner::RefreshNeeded => "健康码需要更新，请联网刷新",
            Banner::Offline => "网络不可用，正在显示离线健康码",
            Banner::Stale => "健康码较长时间未同步，请联网刷新",
            Banner::CacheReset => "本地数据已重置，正在重新同步",
            Banner::TrustListStale => "信任列表已过期，请联网更新",
        }
    }

    /// Traditional Chinese (Hong Kong, Macao, Taiwan visitors).
    pub fn text_zh_hant(self) -> &'static str {
        match self {
            Banner::SignedInElsewhere => "您的賬號已在其他設備登入，請重新登入",
            Banner::DeviceKeyLost => "本機設備密鑰已變更，請重新登入",
            Banner::RefreshNeeded => "健康碼需要更新，請連網刷新",
            Banner::Offline => "網絡不可用，正在顯示離線健康碼",
            Banner::Stale => "健康碼較長時間未同步，請連網刷新",
            Banner::CacheReset => "本地數據已重置，正在重新同步",
            Banner::TrustListStale => "信任列表已過期，請連網更新",
        }
    }

    pub fn text_en(self) -> &'static str {
        match self {
            Banner::SignedInElsewhere => "Signed in on another device: sign in again",
            Banner::DeviceKeyLost => "This phone's device key has changed: sign in again",
            Banner::RefreshNeeded => "This code needs a refresh: connect to the network",
            Banner::Offline => "Offline: showing the code saved on this phone",
            Banner::Stale => "Not synced for a while: connect to refresh",
            Banner::CacheReset => "Local data was reset: syncing again",
            Banner::TrustListStale => "The trust list has expired: connect to update it",
        }
    }
}

/// What the person can do from this screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScreenAction {
    /// Print a dependent's page (打印版).
    Print,
    /// Declare a change in health (健康申报).
    Declare,
    /// Stop holding a dependent's code.
    RemoveDependent,
}

/// A line of the card that says until when something holds, in the three
/// languages: the code offline (离线有效至 …), a dependent's printed page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidityNote {
    pub until: OffsetDateTime,
    /// Past `until` when the screen was drawn: the text says what to do.
    pub ended: bool,
    pub zh: String,
    pub zh_hant: String,
    pub en: String,
}

impl ValidityNote {
    /// Until when the code shown passes a checkpoint with no network: the
    /// device signs each presentation itself, but only while the credential
    /// it carries is valid (DESIGN §4); a sync renews it long before.
    pub fn offline(until: OffsetDateTime, now: OffsetDateTime) -> ValidityNote {
        let t = beijing_time(until, Precision::Minute);
        if until > now {
            ValidityNote {
                until,
                ended: false,
                zh: format!("离线有效至 {t}"),
                zh_hant: format!("離線有效至 {t}"),
                en: format!("Valid offline until {t}"),
            }
        } else {
            ValidityNote {
                until,
                ended: true,
                zh: format!("离线有效期已于 {t} 结束，请联网刷新"),
                zh_hant: format!("離線有效期已於 {t} 結束，請連網更新"),
                en: format!("Offline validity ended {t}: connect to refresh"),
            }
        }
    }

    /// Until when the page last printed on this phone for a dependent
    /// (打印版, 问题五) is accepted at checkpoints: reprint before then.
    pub fn printed(until: OffsetDateTime, now: OffsetDateTime) -> ValidityNote {
        let t = beijing_time(until, Precision::Minute);
        if until > now {
            ValidityNote {
                until,
                ended: false,
                zh: format!("打印版有效至 {t}，到期前请重新打印"),
                zh_hant: format!("打印版有效至 {t}，到期前請重新列印"),
                en: format!("Printed page valid until {t}: print a new one by then"),
            }
        } else {
            ValidityNote {
                until,
                ended: true,
                zh: format!("打印版已于 {t} 过期，请重新打印"),
                zh_hant: format!("打印版已於 {t} 過期，請重新列印"),
                en: format!("The printed page expired {t}: print it again"),
            }
        }
    }
}

/// Everything the code screen shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeScreen {
    pub code_id: String,
    /// Which code, counting from 0 (one's own first), of how many.
    pub index: u32,
    pub count: u32,
    pub has_previous: bool,
    pub has_next: bool,
    pub role: CodeRole,
    pub relationship: Option<Relationship>,
    pub color: Color,
    pub colors: CardColors,
    pub qr: QrMatrix,
    pub qr_text: String,
    /// 我的穗康码 / 李*英的穗康码
    pub title_zh: String,
    /// 我的穗康碼 / 李*英的穗康碼 (Traditional Chinese)
    pub title_zh_hant: String,
    pub title_en: String,
    pub masked_name: String,
    pub masked_document: String,
    /// 蓝码 · 健康风险状态正常
    pub status_zh: String,
    pub status_zh_hant: String,
    pub status_en: String,
    pub reasons: Vec<ReasonLabel>,
    pub issuer_name_zh: String,
    pub issuer_name_en: String,
    /// The live clock people check at gates, to the second (Beijing time).
    pub now: OffsetDateTime,
    pub clock_text: String,
    pub last_synced_at: Option<OffsetDateTime>,
    pub last_synced_text: Option<String>,
    pub banner: Option<Banner>,
    pub network: NetworkState,
    /// Draw the screen again at this time (a fresh presentation).
    pub refresh_at: OffsetDateTime,
    pub credential_expires_at: Option<OffsetDateTime>,
    /// 离线有效至 …: until when this code works without the network.
    pub offline_validity: Option<ValidityNote>,
    /// A dependent's code printed on this phone: until when that page holds.
    pub printed_validity: Option<ValidityNote>,
    pub actions: Vec<ScreenAction>,
}

/// What the code screen is showing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Nobody is signed in (or the session was ended elsewhere).
    SignedOut {
        banner: Option<Banner>,
    },
    /// Signed in, no code yet: apply for one.
    NoCode {
        banner: Option<Banner>,
    },
    Code(Box<CodeScreen>),
}

/// What a [`CodeScreen`] is made from: the code shown, where it is in the
/// list, the presentation signed for it, and the app's state.
pub struct CodeScreenBuilder<'a> {
    pub code: &'a CodeSummary,
    /// Its position in the list (one's own first), of `count`.
    pub index: usize,
    pub count: usize,
    /// The card's colour as the server sent it (the issuer's shade).
    pub color_rgb: Rgb,
    /// A presentation of the code signed just now.
    pub qr_text: String,
    pub issuer: Option<&'a IssuerView>,
    pub status: &'a AppStatus,
    pub now: OffsetDateTime,
    /// A dependent's page printed on this phone: when its credential ends.
    pub printed_until: Option<OffsetDateTime>,
}

impl CodeScreenBuilder<'_> {
    /// The screen: titles, status text, colours, QR, banner, actions.
    pub fn build(self) -> Result<CodeScreen, CoreError> {
        let CodeScreenBuilder {
            code,
            index,
            count,
            color_rgb,
            qr_text,
            issuer,
            status,
            now,
            printed_until,
        } = self;
        let card = Rgba::from(color_rgb);
        let (status_zh, status_zh_hant, status_en) = status_text(code);
        let (title_zh, title_zh_hant, title_en) = title_text(code);
        Ok(CodeScreen {
            code_id: code.code_id.clone(),
            index: index as u32,
            count: count as u32,
            has_previous: index > 0,
            has_next: index + 1 < count,
            role: code.role,
            relationship: code.relationship,
            color: code.color,
            colors: CardColors {
                card,
                on_card: Rgba::WHITE,
                qr_dark: Rgba::BLACK,
                qr_light: Rgba::WHITE,
            },
            qr: QrMatrix::encode(&qr_text)?,
            qr_text,
            title_zh,
            title_zh_hant,
            title_en,
            masked_name: code.masked_name.clone(),
            masked_document: code.masked_document.clone(),
            status_zh,
            status_zh_hant,
            status_en,
            reasons: code
                .controls
                .iter()
                .copied()
                .map(ReasonLabel::from)
                .collect(),
            issuer_name_zh: issuer.map_or("穗康码".to_owned(), |i| i.name_zh.clone()),
            issuer_name_en: issuer.map_or("Suikang code".to_owned(), |i| i.name_en.clone()),
            now,
            clock_text: clock_text(now),
            last_synced_at: status.last_synced_at,
            last_synced_text: status.last_synced_at.map(clock_text),
            banner: Banner::choose(status, now, true, Some(code)),
            network: status.network,
            refresh_at: refresh_at(code.credential_expires_at, now),
            credential_expires_at: code.credential_expires_at,
            offline_validity: code
                .credential_expires_at
                .map(|until| ValidityNote::offline(until, now)),
            printed_validity: printed_until
                .filter(|_| code.role == CodeRole::Dependent)
                .map(|until| ValidityNote::printed(until, now)),
            actions: actions(code.role),
        })
    }
}

/// 我的穗康码, or whose code a guardian holds (代申领): Simplified Chinese,
/// Traditional Chinese, English.
fn title_text(code: &CodeSummary) -> (String, String, String) {
    match code.role {
        CodeRole::Own => (
            "我的穗康码".to_owned(),
            "我的穗康碼".to_owned(),
            "My Suikang code".to_owned(),
        ),
        CodeRole::Dependent => (
            format!("{}的穗康码（代申领）", code.masked_name),
            format!("{}的穗康碼（代申領）", code.masked_name),
            format!("{}'s code (applied for on their behalf)", code.masked_name),
        ),
    }
}

/// When to ask for the screen again: a fresh presentation every
/// `REFRESH_EVERY`, or at the credential's expiry if that comes first.
fn refresh_at(
    credential_expires_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> OffsetDateTime {
    match credential_expires_at {
        Some(expiry) if expiry > now && expiry < now + REFRESH_EVERY => expiry,
        _ => now + REFRESH_EVERY,
    }
}

/// What the screen offers: a declaration for every code; printing and
/// leaving for a dependent's (问题二).
fn actions(role: CodeRole) -> Vec<ScreenAction> {
    let mut actions = vec![ScreenAction::Declare];
    if role == CodeRole::Dependent {
        actions.extend([ScreenAction::Print, ScreenAction::RemoveDependent]);
    }
    actions
}

/// 蓝码 · 健康风险状态正常, or the colour, the reasons and 需接受疫情防控管理:
/// Simplified Chinese, Traditional Chinese, English.
fn status_text(code: &CodeSummary) -> (String, String, String) {
    if code.controls.is_empty() {
        return (
            format!("{} · 健康风险状态正常", code.color.name_zh()),
            format!("{} · 健康風險狀態正常", code.color.name_zh_hant()),
            format!("{} · normal risk", capitalise(code.color.name_en())),
        );
    }
    let zh: Vec<_> = code.controls.iter().map(|r| r.label_zh()).collect();
    let zh_hant: Vec<_> = code.controls.iter().map(|r| r.label_zh_hant()).collect();
    let en: Vec<_> = code.controls.iter().map(|r| r.label_en()).collect();
    (
        format!(
            "{} · {} · 需接受疫情防控管理",
            code.color.name_zh(),
            zh.join("、")
        ),
        format!(
            "{} · {} · 需接受疫情防控管理",
            code.color.name_zh_hant(),
            zh_hant.join("、")
        ),
        format!(
            "{} · {} · under control measures",
            capitalise(code.color.name_en()),
            en.join(", ")
        ),
    )
}

impl App {
    /// The code screen now. Offline: reads the cache and signs on the device.
    pub fn screen(&self) -> Result<Screen, CoreError> {
        let status = self.status()?;
        let views = self.cached_codes()?;
        let now = self.now();
        let codes: Vec<CodeSummary> = views.iter().map(|v| CodeSummary::of(v, now)).collect();
        if !status.signed_in {
            return Ok(Screen::SignedOut {
                banner: Banner::choose(&status, now, !codes.is_empty(), None)
                    .filter(|b| *b == Banner::SignedInElsewhere),
            });
        }
        if codes.is_empty() {
            return Ok(Screen::NoCode {
                banner: Banner::choose(&status, now, false, None),
            });
        }
        let index = self.selected_index(&codes);
        let presented = match self.present_view(&views[index], now) {
            Err(CoreError::DeviceKeyLost) => {
                return Ok(Screen::SignedOut {
                    banner: Some(Banner::DeviceKeyLost),
                });
            }
            other => other?,
        };
        let issuer = self.issuer()?;
        let printed_until = self.printed_until(&codes[index].code_id)?;
        let screen = CodeScreenBuilder {
            code: &codes[index],
            index,
            count: codes.len(),
            color_rgb: views[index].color_rgb,
            qr_text: presented.qr_text,
            issuer: issuer.as_ref(),
            status: &status,
            now,
            printed_until,
        }
        .build()?;
        Ok(Screen::Code(Box::new(screen)))
    }

    /// The position of the selected code; one's own when none is selected
    /// or the selected one is gone.
    fn selected_index(&self, codes: &[CodeSummary]) -> usize {
        let selected = self.selected.lock().expect("selection lock");
        selected
            .as_ref()
            .and_then(|id| codes.iter().position(|c| &c.code_id == id))
            .unwrap_or(0)
    }

    fn move_selection(&self, step: isize) -> Result<Screen, CoreError> {
        let codes = self.codes()?;
        if !codes.is_empty() {
            let index = self.selected_index(&codes) as isize;
            // The arrows stop at the ends: no wrapping around.
            let next = (index + step).clamp(0, codes.len() as isize - 1) as usize;
            *self.selected.lock().expect("selection lock") = Some(codes[next].code_id.clone());
            self.changed();
        }
        self.screen()
    }

    /// The right arrow: the next dependent's code. At the last code it stays
    /// there (`has_next` is false, so the UI greys the arrow out).
    pub fn next(&self) -> Result<Screen, CoreError> {
        self.move_selection(1)
    }

    /// The left arrow: back towards one's own code, which is first. At the
    /// first code it stays there.
    pub fn previous(&self) -> Result<Screen, CoreError> {
        self.move_selection(-1)
    }

    /// Shows a given code.
    pub fn select(&self, code_id: &str) -> Result<Screen, CoreError> {
        if !self.codes()?.iter().any(|c| c.code_id == code_id) {
            return Err(CoreError::CodeNotFound);
        }
        *self.selected.lock().expect("selection lock") = Some(code_id.to_owned());
        self.changed();
        self.screen()
    }

    /// Calls `listener` with the screen now, then whenever it changes (a
    /// sync, an arrow) or its presentation is due for renewal (~30 s),
    /// until the returned handle is cancelled or dropped. Needs a tokio
    /// runtime.
    pub fn subscribe(self: &Arc<Self>, listener: Arc<dyn ScreenListener>) -> ScreenSubscription {
        let app = Arc::downgrade(self);
        let mut changes = self.changes.subscribe();
        let task = tokio::spawn(async move {
            loop {
                let Some(app) = app.upgrade() else { return };
                let wait = match app.screen() {
                    Ok(screen) => {
                        let wait = match &screen {
                            Screen::Code(code) => {
                                (code.refresh_at - app.now()).max(Duration::seconds(1))
                            }
                            _ => REFRESH_EVERY,
                        };
                        listener.on_screen(screen);
                        wait
                    }
                    Err(e) => {
                        listener.on_error(e);
                        REFRESH_EVERY
                    }
                };
                drop(app);
                let wait = std::time::Duration::try_from(wait)
                    .unwrap_or(std::time::Duration::from_secs(30));
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    changed = changes.changed() => if changed.is_err() { return },
                }
            }
        });
        ScreenSubscription { task }
    }
}

/// Receives screens as they change. The native UI implements it.
pub trait ScreenListener: Send + Sync {
    fn on_screen(&self, screen: Screen);
    fn on_error(&self, error: CoreError);
}

/// A running subscription; stops on [`ScreenSubscription::cancel`] or drop.
pub struct ScreenSubscription {
    task: tokio::task::JoinHandle<()>,
}

impl ScreenSubscription {
    pub fn cancel(&self) {
        self.task.abort();
    }
}

impl Drop for ScreenSubscription {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl CodeScreen {
    /// The code as an image (what `suikang render --png` writes): the QR on
    /// a white panel inside a card of the code's colour, `scale` pixels a
    /// module. The native apps draw from the matrix instead.
    pub fn render_png(&self, scale: u32) -> Vec<u8> {
        let scale = scale.max(1);
        let panel = (self.qr.size + 2 * self.qr.quiet_zone) * scale;
        let border = 8 * scale;
        let side = panel + 2 * border;
        let card = self.colors.card;
        let image = image::RgbImage::from_fn(side, side, |x, y| {
            let inside = |v: u32| v >= border && v < border + panel;
            if !(inside(x) && inside(y)) {
                return image::Rgb([card.r, card.g, card.b]);
            }
            let module = |v: u32| ((v - border) / scale).checked_sub(self.qr.quiet_zone);
            let dark = matches!((module(x), module(y)), (Some(mx), Some(my))
                if mx < self.qr.size && my < self.qr.size && self.qr.is_dark(mx, my));
            let c = if dark {
                self.colors.qr_dark
            } else {
                self.colors.qr_light
            };
            image::Rgb([c.r, c.g, c.b])
        });
        let mut png = Vec::new();
        image
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("encoding a PNG in memory cannot fail");
        png
    }
}

#[cfg(test)]
mod tests {
    use suikang_protocol::{ControlReason, DocumentKind};
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-11-28 04:00 UTC);

    /// A fresh presentation every 30 s, sooner when the credential expires
    /// before that; an expired one does not make the screen spin.
    #[test]
    fn the_screen_refreshes_every_30_seconds_or_at_the_credentials_expiry() {
        let soon = NOW + Duration::seconds(10);
        assert_eq!(refresh_at(Some(soon), NOW), soon);
        for expiry in [
            None,
            Some(NOW + Duration::hours(20)),
            Some(NOW - Duration::seconds(1)),
        ] {
            assert_eq!(refresh_at(expiry, NOW), NOW + REFRESH_EVERY, "{expiry:?}");
        }
    }

    #[test]
    fn only_a_dependents_code_can_be_printed_or_left() {
        assert_eq!(actions(CodeRole::Own), [ScreenAction::Declare]);
        assert_eq!(
            actions(CodeRole::Dependent),
            [
                ScreenAction::Declare,
                ScreenAction::Print,
                ScreenAction::RemoveDependent
            ]
        );
    }

    fn status() -> AppStatus {
        AppStatus {
            signed_in: true,
            signed_in_elsewhere: false,
            session: None,
            network: NetworkState::Online,
            last_synced_at: Some(NOW - Duration::minutes(5)),
            queued_actions: 0,
            cache_recovery: None,
        }
    }

    fn grandmother(controls: Vec<ControlReason>) -> CodeSummary {
        CodeSummary {
            code_id: "00000000000000aa".into(),
            role: CodeRole::Dependent,
            relationship: Some(Relationship::AdultRelative),
            color: if controls.is_empty() {
                Color::Green
            } else {
                Color::Red
            },
            controls,
            masked_name: "李*英".into(),
            masked_document: "4401**********0028".into(),
            document_kind: DocumentKind::ResidentId,
            credential_expires_at: Some(NOW + Duration::hours(20)),
            refresh_needed: false,
        }
    }

    #[test]
    fn the_most_urgent_banner_wins() {
        let code = grandmother(vec![]);
        assert_eq!(Banner::choose(&status(), NOW, true, Some(&code)), None);
        let offline = AppStatus {
            network: NetworkState::Offline,
            last_synced_at: Some(NOW - Duration::days(2)),
            ..status()
        };
        assert_eq!(
            Banner::choose(&offline, NOW, true, Some(&code)),
            Some(Banner::Offline)
        );
        let expired = CodeSummary {
            refresh_needed: true,
            ..code.clone()
        };
        assert_eq!(
            Banner::choose(&offline, NOW, true, Some(&expired)),
            Some(Banner::RefreshNeeded)
        );
        let elsewhere = AppStatus {
            signed_in_elsewhere: true,
            ..offline
        };
        assert_eq!(
            Banner::choose(&elsewhere, NOW, true, Some(&expired)),
            Some(Banner::SignedInElsewhere)
        );
    }

    /// Issue 15: 离线有效至 …, and for a guardian when the printed page
    /// ends; once past, each says what to do.
    #[test]
    fn the_card_says_until_when_it_works_offline_and_when_the_printed_page_ends() {
        let status = status();
        let build = |code: &CodeSummary, now, printed_until| {
            CodeScreenBuilder {
                code,
                index: 1,
                count: 2,
                color_rgb: Rgb([0x1A, 0x9A, 0x4B]),
                qr_text: "SK1:ABC".into(),
                issuer: None,
                status: &status,
                now,
                printed_until,
            }
            .build()
            .unwrap()
        };
        let code = grandmother(vec![]);
        let week = Some(NOW + Duration::days(7));
        let screen = build(&code, NOW, week);
        // NOW + 20 h, in Beijing time.
        let offline = screen.offline_validity.unwrap();
        assert_eq!(offline.zh, "离线有效至 2026-11-29 08:00");
        assert_eq!(offline.zh_hant, "離線有效至 2026-11-29 08:00");
        assert_eq!(offline.en, "Valid offline until 2026-11-29 08:00");
        assert!(!offline.ended);
        let printed = screen.printed_validity.unwrap();
        assert_eq!(
            printed.zh,
            "打印版有效至 2026-12-05 12:00，到期前请重新打印"
        );
        assert!(!printed.ended);

        let later = build(&code, NOW + Duration::days(8), week);
        let offline = later.offline_validity.unwrap();
        assert!(offline.ended);
        assert_eq!(
            offline.zh,
            "离线有效期已于 2026-11-29 08:00 结束，请联网刷新"
        );
        let printed = later.printed_validity.unwrap();
        assert!(printed.ended);
        assert_eq!(
            printed.en,
            "The printed page expired 2026-12-05 12:00: print it again"
        );

        let own = CodeSummary {
            role: CodeRole::Own,
            ..code.clone()
        };
        assert_eq!(build(&own, NOW, week).printed_validity, None);
        let unissued = CodeSummary {
            credential_expires_at: None,
            ..code
        };
        assert_eq!(build(&unissued, NOW, None).offline_validity, None);
    }

    #[test]
    fn an_old_sync_is_stale_only_while_codes_are_held() {
        let old = AppStatus {
            last_synced_at: Some(NOW - STALE_AFTER - Duration::seconds(1)),
            ..status()
        };
        assert_eq!(Banner::choose(&old, NOW, true, None), Some(Banner::Stale));
        assert_eq!(Banner::choose(&old, NOW, false, None), None);
    }

    #[test]
    fn a_dependents_red_code_reads_its_reasons_and_can_be_printed() {
        let code = grandmother(vec![ControlReason::CloseContact]);
        let status = status();
        let screen = CodeScreenBuilder {
            code: &code,
            index: 1,
            count: 2,
            color_rgb: Rgb([0xD9, 0x36, 0x3E]),
            qr_text: "SK1:ABC".into(),
            issuer: None,
            status: &status,
            now: NOW,
            printed_until: None,
        }
        .build()
        .unwrap();
        assert_eq!(screen.title_zh, "李*英的穗康码（代申领）");
        assert!(
            screen.status_zh.starts_with("红码 · "),
            "{}",
            screen.status_zh
        );
        assert!(screen.status_zh.ends_with("需接受疫情防控管理"));
        assert!(screen.status_en.starts_with("Red"), "{}", screen.status_en);
        assert_eq!(screen.reasons.len(), 1);
        assert!(screen.has_previous && !screen.has_next);
        assert_eq!(
            screen.actions,
            [
                ScreenAction::Declare,
                ScreenAction::Print,
                ScreenAction::RemoveDependent
            ]
        );
        assert_eq!(screen.clock_text, "2026-11-28 12:00:00");
        assert_eq!(screen.refresh_at, NOW + REFRESH_EVERY);
        assert_eq!(screen.issuer_name_zh, "穗康码");
        assert_eq!(
            screen.colors.card,
            Rgba {
                r: 0xD9,
                g: 0x36,
                b: 0x3E,
                a: 0xff
            }
        );
    }

    #[test]
    fn a_credential_expiring_within_the_refresh_period_redraws_at_expiry() {
        let code = CodeSummary {
            credential_expires_at: Some(NOW + Duration::seconds(10)),
            ..grandmother(vec![])
        };
        let status = status();
        let screen = CodeScreenBuilder {
            code: &code,
            index: 0,
            count: 1,
            color_rgb: Rgb([0x1A, 0x9A, 0x4B]),
            qr_text: "SK1:ABC".into(),
            issuer: None,
            status: &status,
            now: NOW,
            printed_until: None,
        }
        .build()
        .unwrap();
        assert_eq!(screen.refresh_at, NOW + Duration::seconds(10));
        assert!(!screen.has_previous && !screen.has_next);
    }
}
