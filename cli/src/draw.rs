//! The terminal as a screen: the code card in its colour, the QR in Unicode
//! block characters sized to the terminal, and the checkpoint's result.
//!
//! The QR is drawn with the largest cells that fit, the status lines staying
//! visible: half blocks (one module a character wide, two a character high),
//! else sextants (2 × 3 modules a character, U+1FB00), each either above the
//! text or beside it. When even that does not fit, the card says how large
//! the terminal must be and points to `render --png`.

use std::fmt::Write;
use std::io::IsTerminal;

use suikang_core::verifier::{CheckResult, Verdict};
use suikang_core::{CodeScreen, Rgba, Screen};
use unicode_width::UnicodeWidthStr;

/// `--color`: whether to write colour escapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal, `NO_COLOR` is unset and
    /// `TERM` is not `dumb`.
    Auto,
    Always,
    Never,
}

/// How the output is drawn: colours, and the terminal's size when it is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    /// Columns × rows; `None` when the output is not a terminal (a pipe, a
    /// file): the QR is drawn full size.
    pub size: Option<(u16, u16)>,
    /// Lines below the card that must stay visible too (the shell's prompt,
    /// a "Ctrl-C to stop").
    pub reserved_rows: u16,
}

impl Style {
    /// The style of this process's standard output.
    pub fn of_stdout(choice: ColorChoice) -> Style {
        let terminal = std::io::stdout().is_terminal();
        Style {
            color: color_wanted(
                choice,
                terminal,
                std::env::var_os("NO_COLOR"),
                std::env::var_os("TERM"),
            ),
            size: terminal
                .then(terminal_size::terminal_size)
                .flatten()
                .map(|(w, h)| (w.0, h.0)),
            reserved_rows: 1,
        }
    }

    pub fn plain() -> Style {
        Style {
            color: false,
            size: None,
            reserved_rows: 1,
        }
    }
}

/// The colour rule (no-color.org; `TERM=dumb` terminals show escapes as
/// text): an explicit `always`/`never` wins, else colour only on a terminal.
pub fn color_wanted(
    choice: ColorChoice,
    terminal: bool,
    no_color: Option<std::ffi::OsString>,
    term: Option<std::ffi::OsString>,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            terminal && no_color.is_none_or(|v| v.is_empty()) && term.is_none_or(|t| t != "dumb")
        }
    }
}

fn fg(c: Rgba) -> String {
    format!("\x1b[38;2;{};{};{}m", c.r, c.g, c.b)
}

fn bg(c: Rgba) -> String {
    format!("\x1b[48;2;{};{};{}m", c.r, c.g, c.b)
}

const RESET: &str = "\x1b[0m";

/// How many modules one character cell holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cells {
    /// ▀ ▄ █: 1 wide, 2 high; square modules in a 1:2 cell.
    Half,
    /// U+1FB00 sextants: 2 wide, 3 high.
    Sextant,
}

impl Cells {
    fn per_cell(self) -> (i64, i64) {
        match self {
            Cells::Half => (1, 2),
            Cells::Sextant => (2, 3),
        }
    }

    /// The character whose dark parts are `bits` (row-major, bit 0 top left).
    fn glyph(self, bits: u8) -> char {
        match (self, bits) {
            (_, 0) => ' ',
            (Cells::Half, 1) => '▀',
            (Cells::Half, 2) => '▄',
            (Cells::Half, _) => '█',
            (Cells::Sextant, 63) => '█',
            (Cells::Sextant, 21) => '▌',
            (Cells::Sextant, 42) => '▐',
            (Cells::Sextant, b) => {
                // U+1FB00… holds the patterns 1–62 but for the two halves.
                let skip = u32::from(b > 21) + u32::from(b > 42);
                char::from_u32(0x1FB00 + u32::from(b) - 1 - skip).unwrap_or('?')
            }
        }
    }
}

/// The QR with its quiet zone (and, for half blocks, a border of the card's
/// colour) drawn with `cells`: dark modules are the glyphs' ink, so the code
/// reads the same with or without colour.
pub fn qr_lines(code: &CodeScreen, color: bool, cells: Cells) -> Vec<String> {
    let q = &code.qr;
    let border = if cells == Cells::Half { 2i64 } else { 0 };
    let quiet = i64::from(q.quiet_zone);
    let span = i64::from(q.size) + 2 * quiet;
    // None: the card border; Some(dark?) inside the white panel.
    let module = |x: i64, y: i64| -> Option<bool> {
        if x < 0 || y < 0 || x >= span || y >= span {
            return None;
        }
        let (mx, my) = (x - quiet, y - quiet);
        let inside = mx >= 0 && my >= 0 && mx < i64::from(q.size) && my < i64::from(q.size);
        Some(inside && q.is_dark(mx as u32, my as u32))
    };
    let (w, h) = cells.per_cell();
    let mut lines = Vec::new();
    let mut y = -border;
    while y < span + border {
        let mut line = String::new();
        let mut x = -border;
        while x < span + border {
            let (mut bits, mut panel) = (0u8, false);
            for dy in 0..h {
                for dx in 0..w {
                    let m = module(x + dx, y + dy);
                    panel |= m.is_some();
                    if m == Some(true) {
                        bits |= 1 << (dy * w + dx);
                    }
                }
            }
            if color {
                let back = if panel {
                    code.colors.qr_light
                } else {
                    code.colors.card
                };
                line.push_str(&fg(code.colors.qr_dark));
                line.push_str(&bg(back));
            }
            line.push(cells.glyph(bits));
            x += w;
        }
        if color {
            line.push_str(RESET);
        }
        lines.push(line);
        y += h;
    }
    lines
}

/// The card's text lines, short enough to stand beside the QR.
fn text_lines(code: &CodeScreen, color: bool) -> Vec<String> {
    let mut out = Vec::new();
    let arrows = format!(
        "{} {}/{} {}",
        if code.has_previous { "◀" } else { "◁" },
        code.index + 1,
        code.count,
        if code.has_next { "▶" } else { "▷" }
    );
    out.push(format!(
        "{} · {}    {}",
        code.title_zh, code.title_en, arrows
    ));
    if let Some(banner) = code.banner {
        out.push(format!("⚠ {} / {}", banner.text_zh(), banner.text_en()));
    }
    out.push(if color {
        format!(
            "{}{}{} {} {}",
            bg(code.colors.card),
            fg(code.colors.on_card),
            code.status_zh,
            code.status_en,
            RESET
        )
    } else {
        format!("{} / {}", code.status_zh, code.status_en)
    });
    out.push(format!("{}  {}", code.masked_name, code.masked_document));
    out.push(format!("{} · {}", code.issuer_name_zh, code.issuer_name_en));
    out.push(code.clock_text.clone());
    let synced = code.last_synced_text.as_deref().unwrap_or("never / 从未");
    out.push(format!("last synced 最近同步 {synced}"));
    // Until when the code passes a checkpoint offline and, a dependent's,
    // until when its printed page does: the core's lines, as on the phones.
    for note in [&code.offline_validity, &code.printed_validity]
        .into_iter()
        .flatten()
    {
        let mark = if note.ended { "⚠ " } else { "" };
        out.push(format!("{mark}{} · {}", note.zh, note.en));
    }
    out.push(format!("code {}", code.code_id));
    out
}

/// Display width without colour escapes.
fn width(line: &str) -> usize {
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain.width()
}

/// The narrowest text column beside the QR.
const BESIDE_MIN_COLS: usize = 30;

/// `line` cut to `max` columns with an ellipsis (colour dropped if cut).
fn fit(line: &str, max: usize) -> String {
    if width(line) <= max {
        return line.to_owned();
    }
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
            continue;
        }
        if out.width() + c.to_string().width() + 1 > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// How the card is laid out on a terminal of a given size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    Above(Cells),
    Beside(Cells),
    /// Too small for any: the size it would take.
    TooSmall {
        cols: usize,
        rows: usize,
    },
}

fn layout(code: &CodeScreen, style: &Style) -> Layout {
    let Some((cols, rows)) = style.size else {
        return Layout::Above(Cells::Half);
    };
    let (cols, rows) = (usize::from(cols), usize::from(rows));
    let rows = rows.saturating_sub(usize::from(style.reserved_rows));
    let text = text_lines(code, false);
    let text_width = text.iter().map(|l| width(l)).max().unwrap_or(0);
    let size = |cells| {
        let lines = qr_lines(code, false, cells);
        (lines.first().map_or(0, |l| width(l)), lines.len())
    };
    for cells in [Cells::Half, Cells::Sextant] {
        let (w, h) = size(cells);
        if w <= cols && h + text.len() <= rows {
            return Layout::Above(cells);
        }
        // Beside the QR, long lines are cut short; the masked identity
        // (about 24 columns) always fits whole.
        if w + 2 + text_width.min(BESIDE_MIN_COLS) <= cols && h.max(text.len()) <= rows {
            return Layout::Beside(cells);
        }
    }
    let (w, h) = size(Cells::Sextant);
    Layout::TooSmall {
        cols: w + 2 + text_width.min(BESIDE_MIN_COLS),
        rows: h.max(text.len()) + usize::from(style.reserved_rows),
    }
}

/// The whole code card, fitted to the terminal.
pub fn card(code: &CodeScreen, style: &Style) -> String {
    let mut out = String::new();
    let text = text_lines(code, style.color);
    match layout(code, style) {
        Layout::Above(cells) => {
            let mut text = text.into_iter();
            if let Some(title) = text.next() {
                let _ = writeln!(out, "{title}");
            }
            for line in qr_lines(code, style.color, cells) {
                let _ = writeln!(out, "{line}");
            }
            for line in text {
                let _ = writeln!(out, "{line}");
            }
        }
        Layout::Beside(cells) => {
            let qr = qr_lines(code, style.color, cells);
            let qr_width = qr.first().map_or(0, |l| width(l));
            let room = style
                .size
                .map_or(usize::MAX, |(cols, _)| usize::from(cols))
                .saturating_sub(qr_width + 2);
            let blank = " ".repeat(qr_width);
            for i in 0..qr.len().max(text.len()) {
                let left = qr.get(i).map_or(blank.as_str(), String::as_str);
                let right = text.get(i).map_or(String::new(), |l| fit(l, room));
                let _ = writeln!(out, "{left}  {right}");
            }
        }
        Layout::TooSmall { cols, rows } => {
            for line in text {
                let _ = writeln!(out, "{line}");
            }
            let _ = writeln!(
                out,
                "终端太小，无法显示二维码 · The QR code needs a terminal\nof at least {cols} × {rows}: enlarge it, or write it\nas an image: suikang render --png FILE"
            );
        }
    }
    out
}

/// Any screen.
pub fn screen(screen: &Screen, style: &Style) -> String {
    match screen {
        Screen::Code(code) => card(code, style),
        Screen::NoCode { banner } => {
            let mut out = "No code yet: run `suikang apply` · 尚未申领穗康码\n".to_owned();
            if let Some(b) = banner {
                let _ = writeln!(out, "⚠ {} / {}", b.text_zh(), b.text_en());
            }
            out
        }
        Screen::SignedOut { banner } => {
            let mut out =
                "Not signed in: run `suikang login NAME DOCUMENT` · 请先实名认证登录\n".to_owned();
            if let Some(b) = banner {
                let _ = writeln!(out, "⚠ {} / {}", b.text_zh(), b.text_en());
            }
            out
        }
    }
}

/// The inspector's result screen, in a line or three.
pub fn check(result: &CheckResult, color: bool) -> String {
    let mut out = String::new();
    let head = format!("{} / {}", result.headline_zh, result.headline_en);
    let tint = match result.verdict {
        Verdict::Pass => result.card.unwrap_or(Rgba {
            r: 0x1a,
            g: 0x9a,
            b: 0x4b,
            a: 0xff,
        }),
        Verdict::Stop => Rgba {
            r: 0xd9,
            g: 0x36,
            b: 0x3e,
            a: 0xff,
        },
        Verdict::Invalid => Rgba {
            r: 0x60,
            g: 0x60,
            b: 0x60,
            a: 0xff,
        },
    };
    if color {
        let _ = writeln!(out, "{}{} {} {}", bg(tint), fg(Rgba::WHITE), head, RESET);
    } else {
        let _ = writeln!(out, "{head}");
    }
    if let (Some(name), Some(doc)) = (&result.masked_name, &result.masked_document) {
        let issuer = result.issuer_name_zh.as_deref().unwrap_or("");
        let _ = writeln!(out, "  {name}  {doc}  · {issuer}");
    }
    if !result.reasons.is_empty() {
        let zh: Vec<_> = result.reasons.iter().map(|r| r.zh.as_str()).collect();
        let en: Vec<_> = result.reasons.iter().map(|r| r.en.as_str()).collect();
        let _ = writeln!(out, "  {} / {}", zh.join("、"), en.join(", "));
    }
    if let Some(age) = result.presentation_age {
        let _ = writeln!(out, "  shown {} s ago", age.whole_seconds());
    }
    if let Some(b) = result.banner {
        let _ = writeln!(out, "  ⚠ {} / {}", b.text_zh(), b.text_en());
    }
    out
}

/// The terminal app's fonts for the printed page: Noto Sans SC cut down to
/// the page's own texts and the demo's names (`fonts/fixtures`, SIL OFL),
/// then the system's fonts for everything else (a name's characters).
pub fn page_fonts() -> suikang_core::PageFonts {
    const PAGE_FONT: &[u8] = include_bytes!("../../fonts/fixtures/NotoSansSC-page.otf");
    suikang_core::PageFonts::app_then_system(vec![PAGE_FONT.to_vec()])
}
