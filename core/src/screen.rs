//! The code screen (问题五): one value holding everything the native UI
//! draws — the QR modules of a presentation signed just now, the card's
//! colours, masked identity, status in zh-CN and en, the live clock, the
//! banner, which code of how many — and when to draw it again. Switching
//! between one's own code and the dependents' is a core call too.

use std::sync::Arc;

use suikang_protocol::api::CodeRole;
use suikang_protocol::{Color, ControlReason, Relationship};
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::app::{App, CodeSummary, summary};
use crate::error::CoreError;
use crate::http::NetworkState;

/// Presentations are re-made this often, so a screenshot goes stale.
pub const REFRESH_EVERY: Duration = Duration::seconds(30);
/// Last sync older than this shows the "stale" banner.
pub const STALE_AFTER: Duration = Duration::hours(6);

/// A colour, 8 bits a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgba {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: u8,
}

impl Rgba {
    pub const WHITE: Rgba = Rgba {
        r: 0xff,
        g: 0xff,
        b: 0xff,
        a: 0xff,
    };
    pub const BLACK: Rgba = Rgba {
        r: 0,
        g: 0,
        b: 0,
        a: 0xff,
    };

    /// From `#RRGGBB`.
    pub fn parse(text: &str) -> Option<Rgba> {
        let mut rgb = [0; 3];
        hex::decode_to_slice(text.strip_prefix('#')?, &mut rgb).ok()?;
        Some(Rgba {
            r: rgb[0],
            g: rgb[1],
            b: rgb[2],
            a: 0xff,
        })
    }
}

/// The QR code as modules: `size × size`, row by row, 1 for dark. The
/// quiet zone (4 modules, light) is not included; draw it around.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrMatrix {
    pub size: u32,
    pub modules: Vec<u8>,
    pub quiet_zone: u32,
}

impl QrMatrix {
    /// Encodes `text` at error-correction level M.
    pub fn encode(text: &str) -> Result<QrMatrix, CoreError> {
        // fast_qr picks the mode (alphanumeric for our base45 payload), the
        // smallest version and the best of the 8 masks, like the `qrcode`
        // crate, at about a sixth of its time: this is most of the screen's
        // cost, paid every time a presentation is re-signed.
        let code = fast_qr::QRBuilder::new(text.as_bytes())
            .ecl(fast_qr::ECL::M)
            .build()
            .map_err(|_| CoreError::QrTooLong)?;
        let modules = code.data[..code.size * code.size]
            .iter()
            .map(|m| u8::from(m.value()))
            .collect();
        Ok(QrMatrix {
            size: code.size as u32,
            modules,
            quiet_zone: 4,
        })
    }

    /// The QR version (1 to 40): the matrix is 17 + 4 × version modules wide.
    pub fn version(&self) -> u32 {
        (self.size - 17) / 4
    }

    pub fn is_dark(&self, x: u32, y: u32) -> bool {
        self.modules[(y * self.size + x) as usize] == 1
    }
}

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
}

impl Banner {
    pub fn text_zh(self) -> &'static str {
        match self {
            Banner::SignedInElsewhere => "您的账号已在其他设备登录，请重新登录",
            Banner::DeviceKeyLost => "本机设备密钥已变更，请重新登录",
            Banner::RefreshNeeded => "健康码需要更新，请联网刷新",
            Banner::Offline => "网络不可用，正在显示离线健康码",
            Banner::Stale => "健康码较长时间未同步，请联网刷新",
            Banner::CacheReset => "本地数据已重置，正在重新同步",
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

/// A control reason with its labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReasonLabel {
    pub reason: ControlReason,
    pub zh: String,
    pub en: String,
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
    pub title_en: String,
    pub masked_name: String,
    pub masked_document: String,
    /// 蓝码 · 健康风险状态正常
    pub status_zh: String,
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

/// Beijing time, as gates show it.
const BEIJING: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("UTC+8 is a valid offset"),
};

/// A time as the screens show it: Beijing time, to the second.
pub fn clock_text(t: OffsetDateTime) -> String {
    let t = t.to_offset(BEIJING);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn status_text(code: &CodeSummary) -> (String, String) {
    if code.controls.is_empty() {
        return (
            format!("{} · 健康风险状态正常", code.color.name_zh()),
            format!("{} · normal risk", capitalise(code.color.name_en())),
        );
    }
    let zh: Vec<_> = code.controls.iter().map(|r| r.label_zh()).collect();
    let en: Vec<_> = code.controls.iter().map(|r| r.label_en()).collect();
    (
        format!(
            "{} · {} · 需接受疫情防控管理",
            code.color.name_zh(),
            zh.join("、")
        ),
        format!(
            "{} · {} · under control measures",
            capitalise(code.color.name_en()),
            en.join(", ")
        ),
    )
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

impl App {
    /// The code screen now. Offline: reads the cache and signs on the device.
    pub fn screen(&self) -> Result<Screen, CoreError> {
        let status = self.status()?;
        let views = self.cached_codes()?;
        let now = self.now();
        let codes: Vec<CodeSummary> = views.iter().map(|v| summary(v, now)).collect();
        let stale = status.last_synced_at.is_none_or(|t| now - t > STALE_AFTER);
        let general_banner = if status.signed_in_elsewhere {
            Some(Banner::SignedInElsewhere)
        } else if status.network == NetworkState::Offline {
            Some(Banner::Offline)
        } else if stale && !codes.is_empty() {
            Some(Banner::Stale)
        } else if status.cache_recovery.is_some() {
            Some(Banner::CacheReset)
        } else {
            None
        };
        if !status.signed_in {
            return Ok(Screen::SignedOut {
                banner: general_banner.filter(|b| *b == Banner::SignedInElsewhere),
            });
        }
        if codes.is_empty() {
            return Ok(Screen::NoCode {
                banner: general_banner,
            });
        }
        let index = self.selected_index(&codes);
        let code = &codes[index];
        let presented = match self.present_view(&views[index], now) {
            Err(CoreError::DeviceKeyLost) => {
                return Ok(Screen::SignedOut {
                    banner: Some(Banner::DeviceKeyLost),
                });
            }
            other => other?,
        };
        let issuer = self.issuer()?;
        let card = Rgba::parse(&views[index].color_rgb).unwrap_or(match code.color {
            Color::Red => Rgba {
                r: 0xD9,
                g: 0x36,
                b: 0x3E,
                a: 0xff,
            },
            Color::Blue => Rgba {
                r: 0x1E,
                g: 0x6F,
                b: 0xD9,
                a: 0xff,
            },
            Color::Green => Rgba {
                r: 0x1A,
                g: 0x9A,
                b: 0x4B,
                a: 0xff,
            },
        });
        let (status_zh, status_en) = status_text(code);
        let (title_zh, title_en) = match code.role {
            CodeRole::Own => ("我的穗康码".to_owned(), "My Suikang code".to_owned()),
            CodeRole::Dependent => (
                format!("{}的穗康码（代申领）", code.masked_name),
                format!("{}'s code (applied for on their behalf)", code.masked_name),
            ),
        };
        let banner = if status.signed_in_elsewhere {
            Some(Banner::SignedInElsewhere)
        } else if code.refresh_needed {
            Some(Banner::RefreshNeeded)
        } else {
            general_banner
        };
        let refresh_at = match code.credential_expires_at {
            Some(expiry) if expiry > now && expiry < now + REFRESH_EVERY => expiry,
            _ => now + REFRESH_EVERY,
        };
        let mut actions = vec![ScreenAction::Declare];
        if code.role == CodeRole::Dependent {
            actions.extend([ScreenAction::Print, ScreenAction::RemoveDependent]);
        }
        Ok(Screen::Code(Box::new(CodeScreen {
            code_id: code.code_id.clone(),
            index: index as u32,
            count: codes.len() as u32,
            has_previous: index > 0,
            has_next: index + 1 < codes.len(),
            role: code.role,
            relationship: code.relationship,
            color: code.color,
            colors: CardColors {
                card,
                on_card: Rgba::WHITE,
                qr_dark: Rgba::BLACK,
                qr_light: Rgba::WHITE,
            },
            qr: QrMatrix::encode(&presented.qr_text)?,
            qr_text: presented.qr_text,
            title_zh,
            title_en,
            masked_name: code.masked_name.clone(),
            masked_document: code.masked_document.clone(),
            status_zh,
            status_en,
            reasons: code
                .controls
                .iter()
                .map(|r| ReasonLabel {
                    reason: *r,
                    zh: r.label_zh().to_owned(),
                    en: r.label_en().to_owned(),
                })
                .collect(),
            issuer_name_zh: issuer
                .as_ref()
                .map_or("穗康码".to_owned(), |i| i.name_zh.clone()),
            issuer_name_en: issuer
                .as_ref()
                .map_or("Suikang code".to_owned(), |i| i.name_en.clone()),
            now,
            clock_text: clock_text(now),
            last_synced_at: status.last_synced_at,
            last_synced_text: status.last_synced_at.map(clock_text),
            banner,
            network: status.network,
            refresh_at,
            credential_expires_at: code.credential_expires_at,
            actions,
        })))
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
    use super::*;

    #[test]
    fn the_clock_shows_beijing_time_to_the_second() {
        let t = time::macros::datetime!(2026-11-28 04:05:06 UTC);
        assert_eq!(clock_text(t), "2026-11-28 12:05:06");
    }

    #[test]
    fn colours_parse_from_the_issuers_scheme() {
        assert_eq!(
            Rgba::parse("#1E6FD9"),
            Some(Rgba {
                r: 0x1e,
                g: 0x6f,
                b: 0xd9,
                a: 0xff
            })
        );
        assert_eq!(Rgba::parse("1E6FD9"), None);
        assert_eq!(Rgba::parse("#1E6FD"), None);
    }

    #[test]
    fn a_qr_matrix_is_square_and_has_finder_patterns() {
        let qr = QrMatrix::encode("SK1:ABC").unwrap();
        assert_eq!(qr.modules.len() as u32, qr.size * qr.size);
        // The top-left finder pattern: a dark 7×7 ring.
        assert!((0..7).all(|i| qr.is_dark(i, 0) && qr.is_dark(0, i) && qr.is_dark(i, 6)));
        assert!(!qr.is_dark(1, 1));
    }

    /// Reads `qr` back the way a gate camera does: drawn on a white panel,
    /// 4 pixels a module, then the verifier's own reader.
    fn scan(qr: &QrMatrix) -> String {
        let quiet = qr.quiet_zone;
        let side = (qr.size + 2 * quiet) * 4;
        let image = image::GrayImage::from_fn(side, side, |x, y| {
            let module = |v: u32| (v / 4).checked_sub(quiet).filter(|m| *m < qr.size);
            let dark = matches!((module(x), module(y)), (Some(mx), Some(my)) if qr.is_dark(mx, my));
            image::Luma([if dark { 0 } else { 255 }])
        });
        let mut png = Vec::new();
        image
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        crate::verifier::read_qr(&png).unwrap()
    }

    #[test]
    fn the_largest_presentation_fits_version_10_in_alphanumeric_mode_and_scans_back() {
        // 307 characters: the largest presentation of the test vectors
        // (protocol/tests/qr_size.rs). In byte mode it would not fit version 10.
        let text = format!(
            "SK1:{}",
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".repeat(7)
        )[..307]
            .to_owned();
        let qr = QrMatrix::encode(&text).unwrap();
        assert!(qr.version() <= 10, "version {}", qr.version());
        assert_eq!(qr.size, 17 + 4 * qr.version());
        assert_eq!(scan(&qr), text);
        let short = QrMatrix::encode("SK1:ABC").unwrap();
        assert_eq!(short.version(), 1);
        assert_eq!(scan(&short), "SK1:ABC");
    }

    #[test]
    fn text_beyond_what_a_qr_code_holds_is_refused() {
        assert_eq!(
            QrMatrix::encode(&"A".repeat(5000)).unwrap_err(),
            CoreError::QrTooLong
        );
    }
}
