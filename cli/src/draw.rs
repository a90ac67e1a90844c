//! The terminal as a screen: the code card in its colour, the QR in Unicode
//! half blocks (two modules a character cell), and the checkpoint's result.

use std::fmt::Write;

use suikang_core::verifier::{CheckResult, Verdict};
use suikang_core::{CodeScreen, Rgba, Screen};

/// Colours on, unless `NO_COLOR` is set.
pub fn colors_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none()
}

fn fg(c: Rgba) -> String {
    format!("\x1b[38;2;{};{};{}m", c.r, c.g, c.b)
}

fn bg(c: Rgba) -> String {
    format!("\x1b[48;2;{};{};{}m", c.r, c.g, c.b)
}

const RESET: &str = "\x1b[0m";

/// The QR with its quiet zone, inside a card-coloured border, as lines.
pub fn qr_lines(code: &CodeScreen, color: bool) -> Vec<String> {
    let q = &code.qr;
    let border = 2i64;
    let quiet = i64::from(q.quiet_zone);
    let span = i64::from(q.size) + 2 * quiet;
    let module = |x: i64, y: i64| -> Option<bool> {
        // None: the card border; Some(dark?) inside the white panel.
        if x < 0 || y < 0 || x >= span || y >= span {
            return None;
        }
        let (mx, my) = (x - quiet, y - quiet);
        let inside = mx >= 0 && my >= 0 && mx < i64::from(q.size) && my < i64::from(q.size);
        Some(inside && q.is_dark(mx as u32, my as u32))
    };
    let shade = |m: Option<bool>| match m {
        None => code.colors.card,
        Some(true) => code.colors.qr_dark,
        Some(false) => code.colors.qr_light,
    };
    let mut lines = Vec::new();
    let mut y = -border;
    while y < span + border {
        let mut line = String::new();
        for x in -border..span + border {
            let (top, bottom) = (module(x, y), module(x, y + 1));
            if color {
                line.push_str(&fg(shade(top)));
                line.push_str(&bg(shade(bottom)));
                line.push('▀');
            } else {
                line.push(match (top == Some(true), bottom == Some(true)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
        }
        if color {
            line.push_str(RESET);
        }
        lines.push(line);
        y += 2;
    }
    lines
}

/// The whole code card.
pub fn card(code: &CodeScreen, color: bool) -> String {
    let mut out = String::new();
    let arrows = format!(
        "{} {}/{} {}",
        if code.has_previous { "◀" } else { "◁" },
        code.index + 1,
        code.count,
        if code.has_next { "▶" } else { "▷" }
    );
    let _ = writeln!(out, "{} · {}    {}", code.title_zh, code.title_en, arrows);
    if let Some(banner) = code.banner {
        let _ = writeln!(out, "⚠ {} / {}", banner.text_zh(), banner.text_en());
    }
    for line in qr_lines(code, color) {
        let _ = writeln!(out, "{line}");
    }
    let status = if color {
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
    };
    let _ = writeln!(out, "{status}");
    let _ = writeln!(out, "{}  {}", code.masked_name, code.masked_document);
    let _ = writeln!(out, "{} · {}", code.issuer_name_zh, code.issuer_name_en);
    let synced = code.last_synced_text.as_deref().unwrap_or("never / 从未");
    let _ = writeln!(out, "{}   last synced 最近同步 {}", code.clock_text, synced);
    let _ = writeln!(out, "code {}", code.code_id);
    out
}

/// Any screen.
pub fn screen(screen: &Screen, color: bool) -> String {
    match screen {
        Screen::Code(code) => card(code, color),
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
    if result.trust_list_stale {
        let _ = writeln!(
            out,
            "  ⚠ trust list is stale: verified with the last one held"
        );
    }
    out
}
