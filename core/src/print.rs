//! The printed code (打印版, 问题五): the page a guardian prints for a
//! dependent without a smartphone, shown at checkpoints instead of a phone.
//!
//! One layout, computed once in dots at 300 dpi on an A4 page, written once
//! as SVG (text as text) and rendered from that SVG: PNG with resvg (300 dpi)
//! and PDF with svg2pdf (A4, the fonts embedded as subsets, text that can be
//! copied). Glyphs come from the app's fonts, then the system's, each from the
//! first font that has it ([`PageFonts`]); a character that no font has makes
//! [`PrintError::MissingGlyphs`] rather than a page with holes in its text.
//! The QR code is built once per page at level M, version ≤ 10 (DESIGN §4),
//! and drawn module by module: dark on a white panel with a 4-module quiet
//! zone, inside the card of the code's colour, so it scans whatever the
//! colour. Each module is a whole number of dots and the symbol is at least
//! 35 mm wide.
//!
//! The page shows only what the printed credential carries — masked name and
//! document, colour, control reasons, issue and expiry — so it holds no more
//! personal data than the QR itself.

use std::fmt::Write as _;

use crate::display::{Precision, beijing_time, capitalise};
pub use crate::print_error::{MissingGlyphs, PrintError};
use crate::qr::QrMatrix;
#[cfg(feature = "render")]
use resvg::usvg::fontdb;
use suikang_protocol::api::{IssuerView, PrintedCodeResponse};
use suikang_protocol::{Color, ControlReason, DocumentKind, Payload, Rgb, decode_payload};
use time::OffsetDateTime;

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
/// pHYs for 300 dpi, so the PNG prints at its real size.
#[cfg(feature = "render")]
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
        let color_rgb = if response.code.color == color {
            response.code.color_rgb
        } else {
            issuer.colors.of(color)
        };
        Ok(PrintablePage {
            qr_text: response.qr_text.clone(),
            color,
            color_rgb,
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

// ---------------------------------------------------------------- the three formats

/// The page as SVG, text as UTF-8 text naming the platforms' CJK fonts: the
/// one layout the PNG and the PDF are rendered from, and what an app hands
/// its platform's own print machinery.
pub fn render_svg(page: &PrintablePage) -> Result<String, PrintError> {
    let layout = Layout::of(page)?;
    let mut svg = String::with_capacity(32 * 1024);
    // fmt::Write for String never fails.
    let _ = write_svg(&mut svg, page, &layout);
    Ok(svg)
}

#[cfg(feature = "render")]
/// The page as an A4 PDF with the system's fonts: text stays text (it can
/// be searched and copied), each glyph from the first font that has it, the
/// fonts embedded as subsets so the page prints the same on any machine.
pub fn render_pdf(page: &PrintablePage) -> Result<Vec<u8>, PrintError> {
    render_pdf_with(page, &PageFonts::system())
}

#[cfg(feature = "render")]
/// [`render_pdf`] with the fonts `fonts` names.
pub fn render_pdf_with(page: &PrintablePage, fonts: &PageFonts) -> Result<Vec<u8>, PrintError> {
    let tree = page_tree(page, fonts)?;
    // The SVG is 210 mm wide; at 96 user units an inch that is 595 pt.
    let options = svg2pdf::PageOptions { dpi: 96.0 };
    svg2pdf::to_pdf(&tree, svg2pdf::ConversionOptions::default(), options)
        .map_err(|_| PrintError::Pdf)
}

#[cfg(feature = "render")]
/// The page as a 300 dpi A4 PNG (2480 × 3508) with the system's fonts, each
/// glyph from the first font that has it.
pub fn render_png(page: &PrintablePage) -> Result<Vec<u8>, PrintError> {
    render_png_with(page, &PageFonts::system())
}

#[cfg(feature = "render")]
/// [`render_png`] with the fonts `fonts` names.
pub fn render_png_with(page: &PrintablePage, fonts: &PageFonts) -> Result<Vec<u8>, PrintError> {
    let tree = page_tree(page, fonts)?;
    let mut pixmap =
        resvg::tiny_skia::Pixmap::new(PAGE_WIDTH_PX, PAGE_HEIGHT_PX).ok_or(PrintError::Png)?;
    let scale = PAGE_WIDTH_PX as f32 / tree.size().width();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    // The page is opaque (a white background first): drop the alpha.
    let rgb: Vec<u8> = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    encode_png(&rgb)
}

/// The file formats of a printed page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageFormat {
    Png,
    Svg,
    Pdf,
}

/// Renders `page` in `format` with `fonts` (the SVG names fonts and embeds
/// none, so `fonts` only matter to PNG and PDF).
pub fn render(
    page: &PrintablePage,
    format: PageFormat,
    fonts: &PageFonts,
) -> Result<Vec<u8>, PrintError> {
    match format {
        PageFormat::Svg => render_svg(page).map(String::into_bytes),
        #[cfg(feature = "render")]
        PageFormat::Png => render_png_with(page, fonts),
        #[cfg(feature = "render")]
        PageFormat::Pdf => render_pdf_with(page, fonts),
        #[cfg(not(feature = "render"))]
        PageFormat::Png | PageFormat::Pdf => {
            let _ = fonts;
            Err(PrintError::FormatUnavailable)
        }
    }
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
    /// The page top to bottom: header, the card (colour, QR, holder), then
    /// dates and what to do with the paper.
    fn of(page: &PrintablePage) -> Result<Layout, PrintError> {
        let matrix = qr_matrix(&page.qr_text)?;
        let on_card = contrasting_ink(page.color_rgb.0);
        let mut lines = Lines::default();
        lines.header(page);
        lines.colour_name(page.color, on_card);
        let (panel, qr) = qr_panel(matrix, CARD_TOP_PX + 280);
        let card_bottom = lines.holder(panel.y + panel.h + 150, page, on_card) + 72;
        let card = Block {
            x: MARGIN_PX,
            y: CARD_TOP_PX,
            w: PAGE_WIDTH_PX - 2 * MARGIN_PX,
            h: card_bottom - CARD_TOP_PX,
            rgb: page.color_rgb.0,
        };
        let bottom = lines.below_card(card.y + card.h + 120, page);
        Ok(Layout {
            blocks: vec![card, panel],
            qr,
            texts: lines.0,
            bottom: bottom as f32,
        })
    }
}

/// Where the card in the code's colour begins, in dots from the top.
const CARD_TOP_PX: u32 = 440;

/// The size of one QR module in dots: as large as fits `QR_BOX_MAX_PX` with
/// the quiet zone, never so small that the symbol is under 35 mm.
fn module_px(modules: u32, quiet_zone: u32) -> u32 {
    let boxed = modules + 2 * quiet_zone;
    (QR_BOX_MAX_PX / boxed).max(MIN_QR_WIDTH_PX.div_ceil(modules))
}

/// The white panel centred at `top` and the QR on it, inside its quiet zone.
fn qr_panel(matrix: QrMatrix, top: u32) -> (Block, QrPlacement) {
    let (modules, quiet_zone) = (matrix.size, matrix.quiet_zone);
    let module_px = module_px(modules, quiet_zone);
    let box_px = (modules + 2 * quiet_zone) * module_px;
    let panel = Block {
        x: (PAGE_WIDTH_PX - box_px) / 2 - PANEL_PADDING_PX,
        y: top,
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
    (panel, qr)
}

/// The page's lines of text, each centred, in the order they are set.
#[derive(Default)]
struct Lines(Vec<TextRun>);

impl Lines {
    fn line(&mut self, baseline: u32, size: u32, rgb: [u8; 3], text: String) {
        self.0.push(TextRun {
            x: PAGE_WIDTH_PX as f32 / 2.0,
            baseline: baseline as f32,
            size: size as f32,
            rgb,
            text,
        });
    }

    /// Whose code, and that it is the printed kind.
    fn header(&mut self, page: &PrintablePage) {
        self.line(290, 96, INK, format!("{} · 打印版", page.issuer_name_zh));
        self.line(
            372,
            52,
            MUTED,
            format!("{} · printed copy", page.issuer_name_en),
        );
    }

    /// The colour's name at the top of the card.
    fn colour_name(&mut self, color: Color, on_card: [u8; 3]) {
        self.line(CARD_TOP_PX + 150, 120, on_card, color.name_zh().to_owned());
        self.line(CARD_TOP_PX + 228, 54, on_card, capitalise(color.name_en()));
    }

    /// Who the code belongs to, masked as on every screen (问题七), and why
    /// it is red; from baseline `y`. Returns the last baseline.
    fn holder(&mut self, mut y: u32, page: &PrintablePage, on_card: [u8; 3]) -> u32 {
        self.line(y, 110, on_card, page.masked_name.clone());
        y += 82;
        let (kind_zh, kind_en) = document_kind_label(page.document_kind);
        self.line(y, 46, on_card, format!("{kind_zh} · {kind_en}"));
        y += 96;
        self.line(y, 76, on_card, page.masked_document.clone());
        if !page.controls.is_empty() {
            y += 92;
            self.line(y, 50, on_card, "管控原因 · Control reasons".to_owned());
            for reason in &page.controls {
                y += 64;
                self.line(
                    y,
                    48,
                    on_card,
                    format!("{} · {}", reason.label_zh(), reason.label_en()),
                );
            }
        }
        y
    }

    /// Below the card, from baseline `y`: the dates, then what to do with
    /// the paper. Returns the last baseline.
    fn below_card(&mut self, mut y: u32, page: &PrintablePage) -> u32 {
        self.line(
            y,
            50,
            INK,
            format!(
                "签发时间 Issued  {} (UTC+8)",
                beijing_time(page.issued_at, Precision::Minute)
            ),
        );
        y += 92;
        self.line(
            y,
            64,
            INK,
            format!(
                "有效期至 Valid until  {} (UTC+8)",
                beijing_time(page.valid_until, Precision::Minute)
            ),
        );
        y += 40;
        for (zh, en) in instructions(page) {
            y += 90;
            self.line(y, 48, INK, zh);
            y += 60;
            self.line(y, 40, MUTED, en);
        }
        y
    }
}

/// What the holder and the inspector are told to do with the paper.
fn instructions(page: &PrintablePage) -> [(String, String); 3] {
    [
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
    ]
}

/// White text on a dark card, near-black on a light one (an issuer may pick
/// a pale colour).
fn contrasting_ink(rgb: [u8; 3]) -> [u8; 3] {
    let [r, g, b] = rgb.map(f32::from);
    let luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    if luma > 160.0 { INK } else { WHITE }
}

fn document_kind_label(kind: DocumentKind) -> (&'static str, &'static str) {
    (kind.label_zh(), kind.label_en())
}

// ---------------------------------------------------------------- SVG

fn write_svg(out: &mut String, page: &PrintablePage, layout: &Layout) -> std::fmt::Result {
    write_svg_head(out, page)?;
    let paper = Block {
        x: 0,
        y: 0,
        w: PAGE_WIDTH_PX,
        h: PAGE_HEIGHT_PX,
        rgb: WHITE,
    };
    for b in std::iter::once(&paper).chain(&layout.blocks) {
        write_rect(out, b)?;
    }
    write_qr_path(out, &layout.qr)?;
    for t in &layout.texts {
        write_text(out, t)?;
    }
    writeln!(out, "</svg>")
}

/// The XML declaration, the A4 `<svg>` element and the page's title.
fn write_svg_head(out: &mut String, page: &PrintablePage) -> std::fmt::Result {
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
    )
}

fn write_rect(out: &mut String, b: &Block) -> std::fmt::Result {
    writeln!(
        out,
        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
        b.x,
        b.y,
        b.w,
        b.h,
        hex_rgb(b.rgb)
    )
}

/// One path for all modules: no seams between neighbouring squares.
fn write_qr_path(out: &mut String, qr: &QrPlacement) -> std::fmt::Result {
    write!(
        out,
        r#"<path fill="{}" shape-rendering="crispEdges" d=""#,
        hex_rgb(QR_DARK)
    )?;
    for r in qr.dark_runs() {
        write!(out, "M{} {}h{}v{}h-{}z", r.x, r.y, r.w, r.h, r.w)?;
    }
    writeln!(out, r#""/>"#)
}

fn write_text(out: &mut String, t: &TextRun) -> std::fmt::Result {
    writeln!(
        out,
        r#"<text x="{}" y="{}" font-size="{}" fill="{}" text-anchor="middle">{}</text>"#,
        t.x,
        t.baseline,
        t.size,
        hex_rgb(t.rgb),
        xml_escape(&t.text)
    )
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

// ---------------------------------------------------------------- fonts

/// Where the glyphs of a rendered page come from: the fonts the app passes
/// (Android and iOS have their own CJK fonts, the terminal app ships one),
/// then, unless left out, the system's. Each glyph comes from the first
/// font, in that order, that has it.
#[derive(Clone, Default)]
pub struct PageFonts {
    app_fonts: Vec<Vec<u8>>,
    system: bool,
}

impl std::fmt::Debug for PageFonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageFonts")
            .field("app_fonts", &self.app_fonts.len())
            .field("system", &self.system)
            .finish()
    }
}

impl PageFonts {
    /// The system's fonts only.
    pub fn system() -> PageFonts {
        PageFonts {
            app_fonts: Vec::new(),
            system: true,
        }
    }

    /// The app's fonts (TrueType, OpenType or collections), then the system's.
    pub fn app_then_system(app_fonts: Vec<Vec<u8>>) -> PageFonts {
        PageFonts {
            app_fonts,
            system: true,
        }
    }

    /// These fonts and no other: a page that looks the same on every machine.
    pub fn only(fonts: Vec<Vec<u8>>) -> PageFonts {
        PageFonts {
            app_fonts: fonts,
            system: false,
        }
    }

    #[cfg(feature = "render")]
    fn database(&self) -> Result<fontdb::Database, PrintError> {
        let mut db = fontdb::Database::new();
        for font in &self.app_fonts {
            let before = db.len();
            db.load_font_data(font.clone());
            if db.len() == before {
                return Err(PrintError::BadFont);
            }
        }
        if self.system {
            db.load_system_fonts();
            // fontdb knows no Android paths.
            #[cfg(target_os = "android")]
            db.load_fonts_dir("/system/fonts");
        }
        // The SVG's families are the platforms' names; here the first font
        // the caller gave (or a known CJK family of the system) stands for
        // them, and every glyph it lacks falls back to the next font having it.
        let primary = db
            .faces()
            .next()
            .filter(|_| !self.app_fonts.is_empty())
            .or_else(|| {
                CJK_FAMILIES.iter().find_map(|family| {
                    db.faces()
                        .find(|f| f.families.iter().any(|(name, _)| name == family))
                })
            })
            .or_else(|| db.faces().next())
            .and_then(|face| face.families.first())
            .map(|(name, _)| name.clone());
        if let Some(primary) = primary {
            db.set_serif_family(primary.clone());
            db.set_sans_serif_family(primary);
        }
        Ok(db)
    }
}

#[cfg(feature = "render")]
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

#[cfg(feature = "render")]
/// The page's SVG read into a tree with `fonts`, after checking that every
/// character of its text has a glyph in one of them: a page with holes in
/// its text is refused, never written.
fn page_tree(page: &PrintablePage, fonts: &PageFonts) -> Result<resvg::usvg::Tree, PrintError> {
    let layout = Layout::of(page)?;
    let db = fonts.database()?;
    let mut chars: Vec<char> = layout
        .texts
        .iter()
        .flat_map(|t| t.text.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    chars.sort_unstable();
    chars.dedup();
    let mut missing = MissingGlyphs::default();
    for c in chars {
        if !db.faces().any(|face| has_glyph(&db, face.id, c)) {
            missing.count(c);
        }
    }
    if missing.any() {
        return Err(PrintError::MissingGlyphs(missing));
    }
    let mut svg = String::with_capacity(32 * 1024);
    let _ = write_svg(&mut svg, page, &layout);
    let options = resvg::usvg::Options {
        fontdb: std::sync::Arc::new(db),
        ..resvg::usvg::Options::default()
    };
    resvg::usvg::Tree::from_str(&svg, &options).map_err(|_| PrintError::Svg)
}

#[cfg(feature = "render")]
fn has_glyph(db: &fontdb::Database, id: fontdb::ID, c: char) -> bool {
    db.with_face_data(id, |data, index| {
        ttf_parser::Face::parse(data, index).is_ok_and(|face| face.glyph_index(c).is_some())
    })
    .unwrap_or(false)
}

#[cfg(feature = "render")]
fn encode_png(rgb: &[u8]) -> Result<Vec<u8>, PrintError> {
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
    writer.write_image_data(rgb).map_err(|_| PrintError::Png)?;
    writer.finish().map_err(|_| PrintError::Png)?;
    Ok(out)
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
        #[cfg(feature = "render")]
        {
            assert_eq!(render_pdf(&long), Err(PrintError::QrTooLong));
            assert_eq!(render_png(&long), Err(PrintError::QrTooLong));
        }
    }

    /// The phone library's build: the page is SVG, and PNG or PDF say so
    /// rather than come out empty.
    #[cfg(not(feature = "render"))]
    #[test]
    fn without_the_renderers_the_page_is_svg_only() {
        let page = page(vec![]);
        let fonts = PageFonts::system();
        let svg = render(&page, PageFormat::Svg, &fonts).unwrap();
        assert!(String::from_utf8(svg).unwrap().contains("<svg"));
        for format in [PageFormat::Png, PageFormat::Pdf] {
            assert_eq!(
                render(&page, format, &fonts),
                Err(PrintError::FormatUnavailable)
            );
        }
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

    /// Every version the protocol makes (1–10, DESIGN §4): the symbol is
    /// at least 35 mm, and with its quiet zone it fits the box.
    #[test]
    fn every_qr_version_gets_whole_dots_of_at_least_35_mm_within_the_box() {
        for version in 1..=MAX_QR_VERSION {
            let modules = 17 + 4 * version;
            let px = module_px(modules, 4);
            assert!(modules * px >= MIN_QR_WIDTH_PX, "version {version}");
            assert!((modules + 8) * px <= QR_BOX_MAX_PX, "version {version}");
        }
    }

    /// Each control reason gets its own line under a heading; a blue or
    /// green code has none.
    #[test]
    fn the_holder_lines_name_each_reason_once() {
        let mut green = Lines::default();
        let last = green.holder(1000, &page(vec![]), WHITE);
        assert_eq!(green.0.len(), 3);
        assert_eq!(last, green.0[2].baseline as u32);

        let reasons = vec![ControlReason::HomeIsolation, ControlReason::CloseContact];
        let mut red = Lines::default();
        let last = red.holder(1000, &page(reasons.clone()), WHITE);
        assert_eq!(red.0.len(), 3 + 1 + reasons.len());
        assert_eq!(last, red.0.last().unwrap().baseline as u32);
        for reason in reasons {
            let lines = red.0.iter().filter(|t| t.text.contains(reason.label_en()));
            assert_eq!(lines.count(), 1, "{reason:?}");
        }
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
}
