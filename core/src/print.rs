//! The printed code (打印版, 问题五): the page a guardian prints for a
//! dependent without a smartphone, shown at checkpoints instead of a phone.
//!
//! One layout, computed once in dots at 300 dpi on an A4 page, drawn three
//! ways: SVG (text as text), PDF (A4, the reader's own CJK font
//! `STSong-Light`, nothing embedded) and PNG (300 dpi, text drawn with a font
//! found on the device). The QR code is built once per page at level M,
//! version ≤ 10 (DESIGN §4), and drawn module by module: dark on a white
//! panel with a 4-module quiet zone, inside the card of the code's colour, so
//! it scans whatever the colour. Each module is a whole number of dots and the
//! symbol is at least 35 mm wide.
//!
//! The page shows only what the printed credential carries — masked name and
//! document, colour, control reasons, issue and expiry — so it holds no more
//! personal data than the QR itself.

use std::fmt::Write as _;
use std::sync::OnceLock;

use crate::screen::QrMatrix;
use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use suikang_protocol::api::{IssuerView, PrintedCodeResponse};
use suikang_protocol::{Color, ControlReason, DocumentKind, Payload, Rgb, decode_payload};
use time::{OffsetDateTime, UtcOffset};

/// The page is A4 at 300 dpi: 2480 × 3508 dots (210 × 297 mm).
pub const PAGE_WIDTH_PX: u32 = 2480;
pub const PAGE_HEIGHT_PX: u32 = 3508;
pub const DOTS_PER_INCH: u32 = 300;
/// 35 mm at 300 dpi: the QR symbol (without its quiet zone) is never narrower.
pub const MIN_QR_WIDTH_PX: u32 = 414;
/// The font list the SVG names: the platforms' own CJK fonts first.
pub const SVG_FONT_FAMILIES: &str =
    "'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif";

/// DESIGN §4: every code fits version 10 at level M, which every checkpoint
/// scanner reads.
const MAX_QR_VERSION: u32 = 10;
/// The QR with its quiet zone is at most this wide (about 81 mm): large
/// enough for a worn print and a cheap scanner, small enough for the text.
const QR_BOX_MAX_PX: u32 = 960;
/// White around the quiet zone, so the card colour never touches it.
const PANEL_PADDING_PX: u32 = 24;
const MARGIN_PX: u32 = 236; // 20 mm
/// China Standard Time: the dates a Guangzhou checkpoint reads.
const CHINA_OFFSET_SECONDS: i32 = 8 * 3600;
/// 1 dot at 300 dpi in PDF points.
const PT_PER_PX: f32 = 72.0 / DOTS_PER_INCH as f32;
/// pHYs for 300 dpi, so the PNG prints at its real size.
const PX_PER_METRE: u32 = 11_811;

const WHITE: [u8; 3] = [0xFF, 0xFF, 0xFF];
const INK: [u8; 3] = [0x1A, 0x1A, 0x1A];
const MUTED: [u8; 3] = [0x55, 0x55, 0x55];
const QR_DARK: [u8; 3] = [0x00, 0x00, 0x00];

/// What a printed page shows. Build it with [`PrintablePage::from_printed_code`]
/// from the server's answer, or fill it in (tests, previews).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintablePage {
    /// The printed credential's QR text (`SK1:…`).
    pub qr_text: String,
    pub color: Color,
    /// The card's colour, from the issuer's colour scheme.
    pub color_rgb: Rgb,
    pub issuer_name_zh: String,
    pub issuer_name_en: String,
    /// 张*明
    pub masked_name: String,
    /// 1101**********002X
    pub masked_document: String,
    pub document_kind: DocumentKind,
    /// Why the code is red; empty for blue and green.
    pub controls: Vec<ControlReason>,
    pub issued_at: OffsetDateTime,
    pub valid_until: OffsetDateTime,
}

/// Why a page could not be made. Carries no personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    #[error("the code's text does not fit a QR code of version 10 at level M")]
    QrTooLong,
    #[error("a colour is not written #RRGGBB")]
    BadColor,
    #[error("the QR text is not a printed credential")]
    NotAPrintedCode,
    #[error("the font is not a readable TrueType or OpenType font")]
    BadFont,
    #[error("the PNG encoder failed")]
    Png,
}

impl PrintablePage {
    /// The page for a dependent's printed code, in one call from the app.
    ///
    /// Colour, controls, masked identity and dates are read from the printed
    /// credential inside `qr_text`, so the paper says exactly what a
    /// checkpoint's verifier will show when it scans it. The card's RGB is
    /// the code view's `color_rgb` (or the issuer's scheme, should the view
    /// disagree with the credential).
    pub fn from_printed_code(
        response: &PrintedCodeResponse,
        issuer: &IssuerView,
    ) -> Result<PrintablePage, PrintError> {
        let Ok(Payload::Printed(signed)) = decode_payload(&response.qr_text) else {
            return Err(PrintError::NotAPrintedCode);
        };
        let credential = signed.credential();
        let color = credential.color();
        let rgb_text = if response.code.color == color {
            &response.code.color_rgb
        } else {
            match color {
                Color::Red => &issuer.colors.red,
                Color::Blue => &issuer.colors.blue,
                Color::Green => &issuer.colors.green,
            }
        };
        Ok(PrintablePage {
            qr_text: response.qr_text.clone(),
            color,
            color_rgb: parse_rgb(rgb_text)?,
            issuer_name_zh: issuer.name_zh.clone(),
            issuer_name_en: issuer.name_en.clone(),
            masked_name: credential.masked_name.to_string(),
            masked_document: credential.masked_document.to_string(),
            document_kind: credential.masked_document.kind(),
            controls: credential.controls.iter().collect(),
            issued_at: credential.issued_at,
            valid_until: credential.expires_at,
        })
    }
}

/// Reads a `#RRGGBB` colour as the API writes it.
pub fn parse_rgb(text: &str) -> Result<Rgb, PrintError> {
    let mut rgb = [0u8; 3];
    let digits = text.strip_prefix('#').ok_or(PrintError::BadColor)?;
    hex::decode_to_slice(digits, &mut rgb).map_err(|_| PrintError::BadColor)?;
    Ok(Rgb(rgb))
}

/// A date as the page prints it: `YYYY-MM-DD HH:MM`, China Standard Time.
pub fn china_time(t: OffsetDateTime) -> String {
    let offset = UtcOffset::from_whole_seconds(CHINA_OFFSET_SECONDS).unwrap_or(UtcOffset::UTC);
    // Beyond the calendar's end the UTC reading is still better than a panic.
    let local = t.checked_to_offset(offset).unwrap_or(t);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute()
    )
}

// ---------------------------------------------------------------- the three formats

/// The page as SVG, text as UTF-8 text in the platforms' CJK fonts.
pub fn render_svg(page: &PrintablePage) -> Result<String, PrintError> {
    let layout = Layout::of(page)?;
    let mut svg = String::with_capacity(32 * 1024);
    // fmt::Write for String never fails.
    let _ = write_svg(&mut svg, page, &layout);
    Ok(svg)
}

/// The page as an A4 PDF. The text uses `STSong-Light` (Adobe-GB1, CMap
/// `UniGB-UCS2-H`), a font every PDF reader supplies, so nothing is embedded;
/// the QR is filled rectangles.
pub fn render_pdf(page: &PrintablePage) -> Result<Vec<u8>, PrintError> {
    let layout = Layout::of(page)?;
    Ok(write_pdf(page, &layout))
}

/// The page as a 300 dpi A4 PNG (2480 × 3508), text drawn with the first
/// system font that covers Chinese (else a Latin font, skipping the glyphs it
/// lacks).
///
/// If the device has no usable font at all, the page still comes back with
/// the QR code, the card colour and the panels but without text: the QR and
/// the colour are what a checkpoint needs, and [`system_font_found`] tells
/// the app beforehand so it can offer the SVG or PDF instead.
pub fn render_png(page: &PrintablePage) -> Result<Vec<u8>, PrintError> {
    let layout = Layout::of(page)?;
    let mut canvas = Canvas::paint(&layout);
    match system_font() {
        Some((db, id)) => {
            let drawn = db.with_face_data(*id, |data, index| {
                FontRef::try_from_slice_and_index(data, index)
                    .map(|font| canvas.write(&font, &layout.texts))
                    .is_ok()
            });
            if drawn != Some(true) {
                tracing::warn!("the system font could not be read: printed page without text");
            }
        }
        None => tracing::warn!("no system font found: printed page without text"),
    }
    canvas.encode()
}

/// [`render_png`] with a font the app supplies (TrueType or OpenType bytes;
/// the first face of a collection).
pub fn render_png_with_font(page: &PrintablePage, font: &[u8]) -> Result<Vec<u8>, PrintError> {
    let font = FontRef::try_from_slice(font).map_err(|_| PrintError::BadFont)?;
    let layout = Layout::of(page)?;
    let mut canvas = Canvas::paint(&layout);
    canvas.write(&font, &layout.texts);
    canvas.encode()
}

/// Whether [`render_png`] will draw text on this device. Looks the fonts up
/// once per process.
pub fn system_font_found() -> bool {
    system_font().is_some()
}

// ---------------------------------------------------------------- layout

/// A filled rectangle, in dots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Block {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    rgb: [u8; 3],
}

/// A line of text centred on `x`, `size` the em size in dots.
#[derive(Clone, Debug, PartialEq)]
struct TextRun {
    x: f32,
    baseline: f32,
    size: f32,
    rgb: [u8; 3],
    text: String,
}

/// The QR code's modules and where they go: `(x, y)` is the symbol's top
/// left corner (the quiet zone lies outside, on the white panel).
#[derive(Clone, Debug, PartialEq, Eq)]
struct QrPlacement {
    x: u32,
    y: u32,
    module_px: u32,
    matrix: QrMatrix,
}

impl QrPlacement {
    #[cfg(test)]
    fn width_px(&self) -> u32 {
        self.matrix.size * self.module_px
    }

    /// Runs of dark modules in each row as rectangles, in dots: one per run
    /// keeps the SVG path and the PDF content short.
    fn dark_runs(&self) -> Vec<Block> {
        let mut runs = Vec::new();
        let (size, qr) = (self.matrix.size, &self.matrix);
        for row in 0..size {
            let mut col = 0;
            while col < size {
                if !qr.is_dark(col, row) {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < size && qr.is_dark(col, row) {
                    col += 1;
                }
                runs.push(Block {
                    x: self.x + start * self.module_px,
                    y: self.y + row * self.module_px,
                    w: (col - start) * self.module_px,
                    h: self.module_px,
                    rgb: QR_DARK,
                });
            }
        }
        runs
    }
}

/// Everything on the page, in painting order: blocks, then the QR, then text.
#[derive(Clone, Debug, PartialEq)]
struct Layout {
    blocks: Vec<Block>,
    qr: QrPlacement,
    texts: Vec<TextRun>,
    /// The lowest baseline, to check the page never overflows.
    bottom: f32,
}

fn qr_matrix(text: &str) -> Result<QrMatrix, PrintError> {
    let qr = QrMatrix::encode(text).map_err(|_| PrintError::QrTooLong)?;
    if qr.version() > MAX_QR_VERSION {
        return Err(PrintError::QrTooLong);
    }
    Ok(qr)
}

impl Layout {
    fn of(page: &PrintablePage) -> Result<Layout, PrintError> {
        let matrix = qr_matrix(&page.qr_text)?;
        let (modules, quiet_zone) = (matrix.size, matrix.quiet_zone);
        let boxed = modules + 2 * quiet_zone;
        let module_px = (QR_BOX_MAX_PX / boxed).max(MIN_QR_WIDTH_PX.div_ceil(modules));
        let centre = PAGE_WIDTH_PX as f32 / 2.0;
        let card_rgb = page.color_rgb.0;
        let on_card = contrasting_ink(card_rgb);
        let mut texts = Vec::new();
        let mut line = |baseline: u32, size: u32, rgb: [u8; 3], text: String| {
            texts.push(TextRun {
                x: centre,
                baseline: baseline as f32,
                size: size as f32,
                rgb,
                text,
            });
        };

        // Header: whose code, and that it is the printed kind.
        line(290, 96, INK, format!("{} · 打印版", page.issuer_name_zh));
        line(
            372,
            52,
            MUTED,
            format!("{} · printed copy", page.issuer_name_en),
        );

        // The card, the colour's name on it, then the white panel and QR.
        let card_top = 440;
        line(
            card_top + 150,
            120,
            on_card,
            page.color.name_zh().to_owned(),
        );
        line(
            card_top + 228,
            54,
            on_card,
            capitalised(page.color.name_en()),
        );
        let box_px = boxed * module_px;
        let panel = Block {
            x: (PAGE_WIDTH_PX - box_px) / 2 - PANEL_PADDING_PX,
            y: card_top + 280,
            w: box_px + 2 * PANEL_PADDING_PX,
            h: box_px + 2 * PANEL_PADDING_PX,
            rgb: WHITE,
        };
        let qr = QrPlacement {
            x: panel.x + PANEL_PADDING_PX + quiet_zone * module_px,
            y: panel.y + PANEL_PADDING_PX + quiet_zone * module_px,
            module_px,
            matrix,
        };

        // Who it belongs to, masked as on every screen (问题七).
        let mut y = panel.y + panel.h + 150;
        line(y, 110, on_card, page.masked_name.clone());
        y += 82;
        let (kind_zh, kind_en) = document_kind_label(page.document_kind);
        line(y, 46, on_card, format!("{kind_zh} · {kind_en}"));
        y += 96;
        line(y, 76, on_card, page.masked_document.clone());
        if !page.controls.is_empty() {
            y += 92;
            line(y, 50, on_card, "管控原因 · Control reasons".to_owned());
            for reason in &page.controls {
                y += 64;
                line(
                    y,
                    48,
                    on_card,
                    format!("{} · {}", reason.label_zh(), reason.label_en()),
                );
            }
        }
        let card = Block {
            x: MARGIN_PX,
            y: card_top,
            w: PAGE_WIDTH_PX - 2 * MARGIN_PX,
            h: y + 72 - card_top,
            rgb: card_rgb,
        };

        // Below the card: dates, then what to do with the paper.
        y = card.y + card.h + 120;
        line(
            y,
            50,
            INK,
            format!("签发时间 Issued  {} (UTC+8)", china_time(page.issued_at)),
        );
        y += 92;
        line(
            y,
            64,
            INK,
            format!(
                "有效期至 Valid until  {} (UTC+8)",
                china_time(page.valid_until)
            ),
        );
        let instructions = [
            (
                format!("打印版{} · 通行时出示本页", page.issuer_name_zh),
                format!(
                    "Printed {} · show this page at checkpoints",
                    page.issuer_name_en
                ),
            ),
            (
                "请核对持码人身份证件".to_owned(),
                "Check the holder's ID".to_owned(),
            ),
            (
                "过期后请重新打印 · 请勿涂改".to_owned(),
                "Print a new page once it expires · do not alter".to_owned(),
            ),
        ];
        y += 40;
        for (zh, en) in instructions {
            y += 90;
            line(y, 48, INK, zh);
            y += 60;
            line(y, 40, MUTED, en);
        }

        Ok(Layout {
            blocks: vec![card, panel],
            qr,
            texts,
            bottom: y as f32,
        })
    }
}

/// White text on a dark card, near-black on a light one (an issuer may pick
/// a pale colour).
fn contrasting_ink(rgb: [u8; 3]) -> [u8; 3] {
    let [r, g, b] = rgb.map(f32::from);
    let luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    if luma > 160.0 { INK } else { WHITE }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn document_kind_label(kind: DocumentKind) -> (&'static str, &'static str) {
    (kind.label_zh(), kind.label_en())
}

// ---------------------------------------------------------------- SVG

fn write_svg(out: &mut String, page: &PrintablePage, layout: &Layout) -> std::fmt::Result {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 {PAGE_WIDTH_PX} {PAGE_HEIGHT_PX}" font-family="{}">"#,
        xml_escape(SVG_FONT_FAMILIES)
    )?;
    writeln!(
        out,
        "<title>{} · 打印版 / {} · printed copy</title>",
        xml_escape(&page.issuer_name_zh),
        xml_escape(&page.issuer_name_en)
    )?;
    writeln!(
        out,
        r#"<rect x="0" y="0" width="{PAGE_WIDTH_PX}" height="{PAGE_HEIGHT_PX}" fill="{}"/>"#,
        hex_rgb(WHITE)
    )?;
    for b in &layout.blocks {
        writeln!(
            out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
            b.x,
            b.y,
            b.w,
            b.h,
            hex_rgb(b.rgb)
        )?;
    }
    // One path for all modules: no seams between neighbouring squares.
    write!(
        out,
        r#"<path fill="{}" shape-rendering="crispEdges" d=""#,
        hex_rgb(QR_DARK)
    )?;
    for r in layout.qr.dark_runs() {
        write!(out, "M{} {}h{}v{}h-{}z", r.x, r.y, r.w, r.h, r.w)?;
    }
    writeln!(out, r#""/>"#)?;
    for t in &layout.texts {
        writeln!(
            out,
            r#"<text x="{}" y="{}" font-size="{}" fill="{}" text-anchor="middle">{}</text>"#,
            t.x,
            t.baseline,
            t.size,
            hex_rgb(t.rgb),
            xml_escape(&t.text)
        )?;
    }
    writeln!(out, "</svg>")
}

fn hex_rgb([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02X}{g:02X}{b:02X}")
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 has no place for other control characters.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------- PDF

const PDF_FONT: Name<'static> = Name(b"F1");

/// Advance widths (per 1000 em) of STSong-Light's proportional Latin glyphs,
/// CIDs 1–95, which `UniGB-UCS2-H` maps U+0020–U+007E to.
const GB1_LATIN_WIDTHS: [u16; 95] = [
    207, 270, 342, 467, 462, 797, 710, 239, 374, 374, 423, 605, 238, 375, 238, 334, 462, 462, 462,
    462, 462, 462, 462, 462, 462, 462, 238, 238, 605, 605, 605, 344, 748, 684, 560, 695, 739, 563,
    511, 729, 793, 318, 312, 666, 526, 896, 758, 772, 544, 772, 628, 465, 607, 753, 711, 972, 647,
    620, 607, 374, 333, 374, 606, 500, 239, 417, 503, 427, 529, 415, 264, 444, 518, 241, 230, 495,
    228, 793, 527, 524, 524, 504, 338, 336, 277, 517, 450, 652, 466, 452, 407, 370, 258, 370, 605,
];

fn write_pdf(page: &PrintablePage, layout: &Layout) -> Vec<u8> {
    let catalog_id = Ref::new(1);
    let pages_id = Ref::new(2);
    let page_id = Ref::new(3);
    let content_id = Ref::new(4);
    let font_id = Ref::new(5);
    let cid_font_id = Ref::new(6);
    let descriptor_id = Ref::new(7);
    let info_id = Ref::new(8);

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(pages_id);
    pdf.pages(pages_id).kids([page_id]).count(1);
    let mut pdf_page = pdf.page(page_id);
    pdf_page.media_box(Rect::new(
        0.0,
        0.0,
        PAGE_WIDTH_PX as f32 * PT_PER_PX,
        PAGE_HEIGHT_PX as f32 * PT_PER_PX,
    ));
    pdf_page.parent(pages_id);
    pdf_page.contents(content_id);
    pdf_page.resources().fonts().pair(PDF_FONT, font_id);
    pdf_page.finish();

    // A predefined CJK font: the reader supplies the glyphs (Adobe's Asian
    // font packs, or its own substitute), so nothing is embedded.
    pdf.type0_font(font_id)
        .base_font(Name(b"STSong-Light-UniGB-UCS2-H"))
        .encoding_predefined(Name(b"UniGB-UCS2-H"))
        .descendant_font(cid_font_id);
    let mut cid_font = pdf.cid_font(cid_font_id);
    cid_font
        .subtype(CidFontType::Type0)
        .base_font(Name(b"STSong-Light"))
        .system_info(SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"GB1"),
            supplement: 2,
        })
        .font_descriptor(descriptor_id)
        .default_width(1000.0);
    cid_font
        .widths()
        .consecutive(1, GB1_LATIN_WIDTHS.map(f32::from));
    cid_font.finish();
    pdf.font_descriptor(descriptor_id)
        .name(Name(b"STSong-Light"))
        .flags(FontFlags::SERIF | FontFlags::SYMBOLIC)
        .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
        .italic_angle(0.0)
        .ascent(880.0)
        .descent(-120.0)
        .cap_height(880.0)
        .stem_v(93.0);
    let title = format!("{} · 打印版", page.issuer_name_zh);
    pdf.document_info(info_id)
        .title(TextStr(&title))
        .producer(TextStr("suikang-core"));

    let mut content = Content::new();
    let fill = |content: &mut Content, rgb: [u8; 3]| {
        let [r, g, b] = rgb.map(|c| f32::from(c) / 255.0);
        content.set_fill_rgb(r, g, b);
    };
    let rect = |content: &mut Content, b: &Block| {
        content.rect(
            b.x as f32 * PT_PER_PX,
            (PAGE_HEIGHT_PX - b.y - b.h) as f32 * PT_PER_PX,
            b.w as f32 * PT_PER_PX,
            b.h as f32 * PT_PER_PX,
        );
    };
    for b in &layout.blocks {
        fill(&mut content, b.rgb);
        rect(&mut content, b);
        content.fill_nonzero();
    }
    // One fill for all modules: no seams between neighbouring squares.
    fill(&mut content, QR_DARK);
    for r in layout.qr.dark_runs() {
        rect(&mut content, &r);
    }
    content.fill_nonzero();
    for t in &layout.texts {
        let size_pt = t.size * PT_PER_PX;
        let width_pt = pdf_text_width_em(&t.text) * size_pt;
        fill(&mut content, t.rgb);
        content.begin_text();
        content.set_font(PDF_FONT, size_pt);
        content.next_line(
            t.x * PT_PER_PX - width_pt / 2.0,
            (PAGE_HEIGHT_PX as f32 - t.baseline) * PT_PER_PX,
        );
        content.show(Str(&ucs2(&t.text)));
        content.end_text();
    }
    pdf.stream(content_id, &content.finish());
    pdf.finish()
}

/// Big-endian UCS-2 for `UniGB-UCS2-H`. A character beyond the BMP (a rare
/// name character) prints as □ rather than as garbage; the middle dot, which
/// Adobe-GB1 lacks, as its katakana twin.
fn ucs2(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '·' => 0x30FB,
            c => u16::try_from(u32::from(c)).unwrap_or(0x25A1),
        })
        .flat_map(u16::to_be_bytes)
        .collect()
}

/// The advance the CIDFont's widths give, in ems.
fn pdf_text_width_em(text: &str) -> f32 {
    text.chars()
        .map(|c| {
            let latin = u32::from(c).checked_sub(0x20).map(|i| i as usize);
            latin
                .and_then(|i| GB1_LATIN_WIDTHS.get(i))
                .map_or(1.0, |&w| f32::from(w) / 1000.0)
        })
        .sum()
}

// ---------------------------------------------------------------- PNG

struct Canvas {
    rgb: Vec<u8>,
}

impl Canvas {
    /// The page without text: background, card, panel, QR.
    fn paint(layout: &Layout) -> Canvas {
        let mut canvas = Canvas {
            rgb: WHITE.repeat((PAGE_WIDTH_PX * PAGE_HEIGHT_PX) as usize),
        };
        for b in layout.blocks.iter().chain(&layout.qr.dark_runs()) {
            canvas.fill(b);
        }
        canvas
    }

    fn fill(&mut self, b: &Block) {
        let x_end = (b.x + b.w).min(PAGE_WIDTH_PX);
        let y_end = (b.y + b.h).min(PAGE_HEIGHT_PX);
        for y in b.y..y_end {
            let row = (y * PAGE_WIDTH_PX) as usize * 3;
            for pixel in
                self.rgb[row + b.x as usize * 3..row + x_end as usize * 3].chunks_exact_mut(3)
            {
                pixel.copy_from_slice(&b.rgb);
            }
        }
    }

    fn blend(&mut self, x: i64, y: i64, rgb: [u8; 3], coverage: f32) {
        if !(0..i64::from(PAGE_WIDTH_PX)).contains(&x)
            || !(0..i64::from(PAGE_HEIGHT_PX)).contains(&y)
        {
            return;
        }
        let at = (y as usize * PAGE_WIDTH_PX as usize + x as usize) * 3;
        let a = coverage.clamp(0.0, 1.0);
        for (old, new) in self.rgb[at..at + 3].iter_mut().zip(rgb) {
            *old = (f32::from(*old) * (1.0 - a) + f32::from(new) * a).round() as u8;
        }
    }

    fn write(&mut self, font: &FontRef<'_>, texts: &[TextRun]) {
        for t in texts {
            self.write_line(font, t);
        }
    }

    fn write_line(&mut self, font: &FontRef<'_>, t: &TextRun) {
        // ab_glyph scales by ascent − descent; the layout speaks in ems.
        let em_scale = font
            .units_per_em()
            .map_or(1.0, |upm| font.height_unscaled() / upm);
        let scale = PxScale::from(t.size * em_scale);
        let scaled = font.as_scaled(scale);
        // A glyph the font lacks is left out rather than drawn as a box.
        let glyphs: Vec<GlyphId> = t
            .text
            .chars()
            .map(|c| font.glyph_id(c))
            .filter(|id| id.0 != 0)
            .collect();
        let mut width = 0.0;
        let mut previous = None;
        for &id in &glyphs {
            width += previous.map_or(0.0, |p| scaled.kern(p, id)) + scaled.h_advance(id);
            previous = Some(id);
        }
        let mut x = t.x - width / 2.0;
        let mut previous = None;
        for &id in &glyphs {
            x += previous.map_or(0.0, |p| scaled.kern(p, id));
            let glyph = id.with_scale_and_position(scale, point(x, t.baseline));
            if let Some(outline) = font.outline_glyph(glyph) {
                let bounds = outline.px_bounds();
                let (left, top) = (bounds.min.x as i64, bounds.min.y as i64);
                outline.draw(|gx, gy, coverage| {
                    self.blend(left + i64::from(gx), top + i64::from(gy), t.rgb, coverage);
                });
            }
            x += scaled.h_advance(id);
            previous = Some(id);
        }
    }

    fn encode(&self) -> Result<Vec<u8>, PrintError> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, PAGE_WIDTH_PX, PAGE_HEIGHT_PX);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        encoder.set_pixel_dims(Some(png::PixelDimensions {
            xppu: PX_PER_METRE,
            yppu: PX_PER_METRE,
            unit: png::Unit::Meter,
        }));
        let mut writer = encoder.write_header().map_err(|_| PrintError::Png)?;
        writer
            .write_image_data(&self.rgb)
            .map_err(|_| PrintError::Png)?;
        writer.finish().map_err(|_| PrintError::Png)?;
        Ok(out)
    }
}

// ---------------------------------------------------------------- system fonts

/// Families that cover simplified Chinese, most wanted first: iOS and macOS,
/// Android and Linux, Windows, then the smaller Linux ones.
const CJK_FAMILIES: &[&str] = &[
    "PingFang SC",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "Hiragino Sans GB",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
];

/// The chosen face, looked up once: font files are memory-mapped per page,
/// never held in memory.
fn system_font() -> Option<&'static (fontdb::Database, fontdb::ID)> {
    static FONT: OnceLock<Option<(fontdb::Database, fontdb::ID)>> = OnceLock::new();
    FONT.get_or_init(find_system_font).as_ref()
}

fn find_system_font() -> Option<(fontdb::Database, fontdb::ID)> {
    let mut db = fontdb::Database::new();
    db.load_system_fonts();
    // fontdb knows no Android paths.
    #[cfg(target_os = "android")]
    db.load_fonts_dir("/system/fonts");

    let covers = |id: fontdb::ID, c: char| {
        db.with_face_data(id, |data, index| {
            FontRef::try_from_slice_and_index(data, index).is_ok_and(|f| f.glyph_id(c).0 != 0)
        })
        .unwrap_or(false)
    };
    let named = CJK_FAMILIES.iter().find_map(|family| {
        db.query(&fontdb::Query {
            families: &[fontdb::Family::Name(family)],
            ..fontdb::Query::default()
        })
        .filter(|&id| covers(id, '穗'))
    });
    let regular = |face: &&fontdb::FaceInfo| {
        face.style == fontdb::Style::Normal && face.weight == fontdb::Weight::NORMAL
    };
    let any_cjk = || {
        db.faces()
            .filter(regular)
            .map(|face| face.id)
            .find(|&id| covers(id, '穗'))
    };
    let latin = || {
        db.query(&fontdb::Query {
            families: &[fontdb::Family::SansSerif],
            ..fontdb::Query::default()
        })
        .filter(|&id| covers(id, 'A'))
        .or_else(|| {
            db.faces()
                .filter(regular)
                .map(|face| face.id)
                .find(|&id| covers(id, 'A'))
        })
    };
    let id = named.or_else(any_cjk).or_else(latin)?;
    Some((db, id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn page(controls: Vec<ControlReason>) -> PrintablePage {
        PrintablePage {
            // As long as a real printed credential's text, alphanumeric.
            qr_text: format!("SK1:{}", "A1B2C3D4E5".repeat(22)),
            color: if controls.is_empty() {
                Color::Green
            } else {
                Color::Red
            },
            color_rgb: Rgb([0x1A, 0x9A, 0x4B]),
            issuer_name_zh: "穗康码".into(),
            issuer_name_en: "Suikang code".into(),
            masked_name: "李*英".into(),
            masked_document: "4401**********0028".into(),
            document_kind: DocumentKind::ResidentId,
            controls,
            issued_at: datetime!(2026-11-28 06:00 UTC),
            valid_until: datetime!(2026-12-05 06:00 UTC),
        }
    }

    #[test]
    fn the_qr_is_at_least_35_mm_wide_in_whole_dots_on_a_white_quiet_zone() {
        let layout = Layout::of(&page(vec![])).unwrap();
        let qr = &layout.qr;
        assert!(qr.width_px() >= MIN_QR_WIDTH_PX, "{}", qr.width_px());
        assert!(qr.module_px >= 2);
        let panel = layout.blocks[1];
        assert_eq!(panel.rgb, WHITE);
        let quiet = qr.matrix.quiet_zone * qr.module_px;
        assert!(panel.x + quiet <= qr.x && panel.y + quiet <= qr.y);
        assert!(qr.x + qr.width_px() + quiet <= panel.x + panel.w);
        assert!(qr.y + qr.width_px() + quiet <= panel.y + panel.h);
        // The panel sits inside the card, the card inside the page.
        let card = layout.blocks[0];
        assert!(card.x <= panel.x && panel.x + panel.w <= card.x + card.w);
        assert!(card.y <= panel.y && panel.y + panel.h <= card.y + card.h);
        assert!(card.y + card.h <= PAGE_HEIGHT_PX);
    }

    #[test]
    fn the_largest_code_fits_version_10_and_still_has_35_mm() {
        // The largest base45 payload the protocol makes (≈ 207 bytes).
        let text = format!("SK1:{}", "Z".repeat(311 - 4));
        let layout = Layout::of(&PrintablePage {
            qr_text: text,
            ..page(vec![])
        })
        .unwrap();
        assert_eq!(layout.qr.matrix.size, 57);
        assert!(layout.qr.width_px() >= MIN_QR_WIDTH_PX);
    }

    #[test]
    fn a_text_beyond_version_10_is_refused_not_shrunk() {
        let long = PrintablePage {
            qr_text: format!("SK1:{}", "Z".repeat(400)),
            ..page(vec![])
        };
        assert_eq!(render_svg(&long), Err(PrintError::QrTooLong));
        assert_eq!(render_pdf(&long), Err(PrintError::QrTooLong));
        assert_eq!(render_png(&long), Err(PrintError::QrTooLong));
    }

    #[test]
    fn every_control_reason_at_once_still_fits_the_page() {
        let layout = Layout::of(&page(ControlReason::ALL.to_vec())).unwrap();
        assert!(
            layout.bottom + 60.0 < PAGE_HEIGHT_PX as f32,
            "{}",
            layout.bottom
        );
        let texts: Vec<&str> = layout.texts.iter().map(|t| t.text.as_str()).collect();
        for reason in ControlReason::ALL {
            assert!(texts.iter().any(|t| t.contains(reason.label_zh())));
        }
    }

    #[test]
    fn colours_are_read_defensively() {
        assert_eq!(parse_rgb("#1A9A4B"), Ok(Rgb([0x1A, 0x9A, 0x4B])));
        assert_eq!(parse_rgb("#d9363e"), Ok(Rgb([0xD9, 0x36, 0x3E])));
        for bad in [
            "",
            "#",
            "1A9A4B",
            "#1A9A4",
            "#1A9A4B0",
            "#GGGGGG",
            "#１A9A4B",
            "green",
        ] {
            assert_eq!(parse_rgb(bad), Err(PrintError::BadColor), "{bad}");
        }
    }

    #[test]
    fn dates_print_in_china_standard_time() {
        assert_eq!(
            china_time(datetime!(2026-11-28 06:00 UTC)),
            "2026-11-28 14:00"
        );
        assert_eq!(
            china_time(datetime!(2026-12-31 16:30 UTC)),
            "2027-01-01 00:30"
        );
        // The calendar's last hour: no panic.
        assert_eq!(
            china_time(datetime!(9999-12-31 23:00 UTC)),
            "9999-12-31 23:00"
        );
    }

    #[test]
    fn card_text_contrasts_with_the_card() {
        assert_eq!(contrasting_ink([0x1A, 0x9A, 0x4B]), WHITE);
        assert_eq!(contrasting_ink([0xD9, 0x36, 0x3E]), WHITE);
        assert_eq!(contrasting_ink([0xFF, 0xE0, 0x40]), INK);
    }

    #[test]
    fn markup_in_a_name_stays_text() {
        let svg = render_svg(&PrintablePage {
            issuer_name_en: "<b>&\"'".into(),
            ..page(vec![])
        })
        .unwrap();
        assert!(svg.contains("&lt;b&gt;&amp;&quot;&apos;"));
        assert!(!svg.contains("<b>"));
    }

    #[test]
    fn pdf_text_is_ucs2_and_rare_characters_become_a_box() {
        assert_eq!(ucs2("李*"), vec![0x67, 0x4E, 0x00, 0x2A]);
        assert_eq!(ucs2("𠀀"), vec![0x25, 0xA1]);
        assert_eq!(ucs2("·"), vec![0x30, 0xFB]);
    }

    #[test]
    fn without_a_font_the_page_has_no_text_and_with_one_it_does() {
        let layout = Layout::of(&page(vec![ControlReason::HomeIsolation])).unwrap();
        let bare = Canvas::paint(&layout);
        let Some((db, id)) = system_font() else {
            // No font on this machine: the bare page is what render_png gives.
            let png = render_png(&page(vec![ControlReason::HomeIsolation])).unwrap();
            assert!(png.starts_with(b"\x89PNG"));
            return;
        };
        let mut written = Canvas::paint(&layout);
        db.with_face_data(*id, |data, index| {
            let font = FontRef::try_from_slice_and_index(data, index).unwrap();
            written.write(&font, &layout.texts);
        })
        .unwrap();
        // Every line left ink where the bare page has none.
        for t in &layout.texts {
            let top = (t.baseline - t.size * 0.8) as u32;
            let rows = top..t.baseline as u32;
            let changed = rows
                .flat_map(|y| (0..PAGE_WIDTH_PX).map(move |x| (y * PAGE_WIDTH_PX + x) as usize * 3))
                .filter(|&i| bare.rgb[i..i + 3] != written.rgb[i..i + 3])
                .count();
            assert!(changed > 100, "no ink for a line of size {}", t.size);
        }
        // The QR is untouched by text.
        let qr = &layout.qr;
        for y in qr.y..qr.y + qr.width_px() {
            let row = (y * PAGE_WIDTH_PX) as usize * 3;
            let span = row + qr.x as usize * 3..row + (qr.x + qr.width_px()) as usize * 3;
            assert_eq!(bare.rgb[span.clone()], written.rgb[span]);
        }
    }
}

/// The file formats of a printed page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageFormat {
    Png,
    Svg,
    Pdf,
}

/// Renders `page` in `format`.
pub fn render(page: &PrintablePage, format: PageFormat) -> Result<Vec<u8>, PrintError> {
    match format {
        PageFormat::Png => render_png(page),
        PageFormat::Svg => render_svg(page).map(String::into_bytes),
        PageFormat::Pdf => render_pdf(page),
    }
}
