//! A guardian prints the code of his grandmother, who has no smartphone
//! (打印版, 问题五), and a checkpoint scans the paper. The page comes from a
//! printed credential signed as the server signs it; what the guardian checks
//! before handing it over is what these tests check: the QR on the paper
//! verifies, it is big and sharp enough, the card has the code's colour, and
//! the masked name, document, issuer and dates are there — and nothing more.

// The PNG and PDF pages need the renderers (the default `render` feature).
#![cfg(feature = "render")]

use std::io::Cursor;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use suikang_core::print::{
    MIN_QR_WIDTH_PX, MissingGlyphs, PAGE_HEIGHT_PX, PAGE_WIDTH_PX, PageFonts, PrintError,
    PrintablePage, render_pdf_with, render_png_with, render_svg,
};
use suikang_protocol::api::{
    CodeRole, CodeView, ControlView, IssuedCredential, IssuerView, PrintedCodeResponse,
};
use suikang_protocol::{
    AppliedBy, Binding, CodeId, Color, ColorScheme, ControlReason, ControlReasons, Credential,
    Document, DocumentKind, IssuerEntry, IssuerId, IssuerKey, KeyId, Refusal, Relationship,
    TrustList, VerificationPolicy, mask_name, verify,
};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

/// Keys are `SigningKey::from_bytes(&[seed; 32])`, as in the protocol's fixtures.
const SUIKANG_KEY_SEED: u8 = 3;
const DEVICE_SEED: u8 = 5;
const ISSUED_AT: OffsetDateTime = datetime!(2026-11-28 06:00 UTC);
/// The server's default validity of a printed code.
const PRINTED_VALIDITY: Duration = Duration::days(7);
const GRANDMOTHER_NAME: &str = "李秀英";
/// Born 1940-03-08.
const GRANDMOTHER_ID: &str = "440104194003080028";

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn issuer_view() -> IssuerView {
    IssuerView {
        issuer_id: 1,
        slug: "suikang".into(),
        name_zh: "穗康码".into(),
        name_en: "Suikang code".into(),
        colors: ColorScheme::SUIKANG,
    }
}

fn trust_list() -> TrustList {
    let entry = IssuerEntry {
        id: IssuerId(1),
        slug: "suikang".into(),
        name_zh: "穗康码".into(),
        name_en: "Suikang code".into(),
        colors: ColorScheme::SUIKANG,
        keys: vec![IssuerKey {
            id: KeyId(2),
            public_key: key(SUIKANG_KEY_SEED).verifying_key().to_bytes(),
            not_before: datetime!(2026-11-20 00:00 UTC),
            not_after: datetime!(2027-11-20 00:00 UTC),
        }],
    };
    TrustList::new(7, datetime!(2026-11-27 00:00 UTC), vec![entry]).unwrap()
}

fn grandmother_document() -> Document {
    Document::parse(
        DocumentKind::ResidentId,
        GRANDMOTHER_ID,
        date!(2026 - 11 - 28),
    )
    .unwrap()
}

fn credential(controls: &[ControlReason], binding: Binding) -> Credential {
    Credential {
        issuer: IssuerId(1),
        key_id: KeyId(2),
        code_id: CodeId(0x5a17_c0de_0000_0002),
        applied_by: AppliedBy::Proxy,
        controls: controls.iter().copied().collect::<ControlReasons>(),
        masked_name: mask_name(GRANDMOTHER_NAME).unwrap(),
        masked_document: grandmother_document().masked(),
        binding,
        issued_at: ISSUED_AT,
        expires_at: ISSUED_AT + PRINTED_VALIDITY,
    }
}

/// What `GET /v1/dependents/{code_id}/printed` answers, built as the server
/// builds it.
fn printed_response(controls: &[ControlReason]) -> PrintedCodeResponse {
    let credential = credential(controls, Binding::Printed);
    let color = credential.color();
    let signed = credential.sign(&key(SUIKANG_KEY_SEED)).unwrap();
    let code = CodeView {
        code_id: CodeId(0x5a17_c0de_0000_0002).to_string(),
        role: CodeRole::Dependent,
        relationship: Some(Relationship::AdultRelative),
        color,
        color_rgb: ColorScheme::SUIKANG.of(color),
        color_name_zh: color.name_zh().into(),
        color_name_en: color.name_en().into(),
        applied_by: AppliedBy::Proxy,
        controls: controls
            .iter()
            .map(|&reason| ControlView {
                reason,
                label_zh: reason.label_zh().into(),
                label_en: reason.label_en().into(),
                district: "越秀区".into(),
                since: ISSUED_AT - Duration::hours(1),
            })
            .collect(),
        masked_name: signed.credential().masked_name.to_string(),
        masked_document: signed.credential().masked_document.to_string(),
        document_kind: DocumentKind::ResidentId,
        status_changed_at: ISSUED_AT - Duration::hours(1),
        credential: None,
    };
    PrintedCodeResponse {
        code,
        printed: IssuedCredential {
            credential: URL_SAFE_NO_PAD.encode(signed.as_bytes()),
            key_id: 2,
            printed: true,
            issued_at: ISSUED_AT,
            expires_at: ISSUED_AT + PRINTED_VALIDITY,
            refresh_after: ISSUED_AT + PRINTED_VALIDITY,
        },
        qr_text: signed.to_qr_text(),
    }
}

/// Noto Sans SC cut down to the characters these pages show
/// (`fonts/fixtures`): the same complete page on any machine.
const PAGE_FONT: &[u8] = include_bytes!("../../fonts/fixtures/NotoSansSC-page.otf");
/// The same font with Latin letters, digits and punctuation only: what a
/// machine with only DejaVu has for Chinese, nothing.
const LATIN_FONT: &[u8] = include_bytes!("../../fonts/fixtures/NotoSansSC-latin.otf");

fn fixture() -> PageFonts {
    PageFonts::only(vec![PAGE_FONT.to_vec()])
}

fn render_png(page: &PrintablePage) -> Result<Vec<u8>, PrintError> {
    render_png_with(page, &fixture())
}

fn render_pdf(page: &PrintablePage) -> Result<Vec<u8>, PrintError> {
    render_pdf_with(page, &fixture())
}

fn page(controls: &[ControlReason]) -> PrintablePage {
    PrintablePage::from_printed_code(&printed_response(controls), &issuer_view()).unwrap()
}

/// The decoded PNG: RGB rows, and its pixels per metre.
struct Picture {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
    pixels_per_metre: Option<u32>,
}

impl Picture {
    fn read(png_bytes: &[u8]) -> Picture {
        let decoder = png::Decoder::new(Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let pixels_per_metre = reader
            .info()
            .pixel_dims
            .filter(|d| d.unit == png::Unit::Meter && d.xppu == d.yppu)
            .map(|d| d.xppu);
        let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut rgb).unwrap();
        assert_eq!(frame.color_type, png::ColorType::Rgb);
        assert_eq!(frame.bit_depth, png::BitDepth::Eight);
        rgb.truncate(frame.buffer_size());
        Picture {
            width: frame.width,
            height: frame.height,
            rgb,
            pixels_per_metre,
        }
    }

    fn at(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y * self.width + x) as usize * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    fn count(&self, rgb: [u8; 3]) -> usize {
        self.rgb.chunks_exact(3).filter(|p| *p == rgb).count()
    }

    /// What a camera at the gate reads: the one QR code on the paper.
    fn scan(&self) -> (rqrr::MetaData, String) {
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(
            self.width as usize,
            self.height as usize,
            |x, y| {
                let [r, g, b] = self.at(x as u32, y as u32);
                ((u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000) as u8
            },
        );
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code on the page");
        grids[0].decode().unwrap()
    }
}

const BLACK: [u8; 3] = [0, 0, 0];
const WHITE: [u8; 3] = [0xFF, 0xFF, 0xFF];

#[test]
fn a_checkpoint_scans_the_printed_page_and_it_verifies_as_printed() {
    let response = printed_response(&[]);
    let page = PrintablePage::from_printed_code(&response, &issuer_view()).unwrap();
    let picture = Picture::read(&render_png(&page).unwrap());
    assert_eq!(
        (picture.width, picture.height),
        (PAGE_WIDTH_PX, PAGE_HEIGHT_PX)
    );
    // 300 dpi, so it prints at its real size.
    assert_eq!(picture.pixels_per_metre, Some(11_811));

    let (meta, text) = picture.scan();
    assert_eq!(text, response.qr_text);
    assert!(meta.version.0 <= 10, "version {}", meta.version.0);
    // Format bits 00 are level M.
    assert_eq!(meta.ecc_level, 0);

    let at_the_gate = ISSUED_AT + Duration::hours(30);
    let policy = VerificationPolicy::default();
    let verified = verify(&text, &trust_list(), at_the_gate, &policy).unwrap();
    assert!(verified.printed);
    assert_eq!(verified.color, Color::Green);
    assert_eq!(verified.masked_name, "李*英");
    assert_eq!(verified.masked_document, page.masked_document);
    assert_eq!(verified.expires_at, page.valid_until);

    // The valid-until date printed on the page is when checkpoints stop
    // accepting it.
    let last_minute = page.valid_until - Duration::minutes(1);
    assert!(verify(&text, &trust_list(), last_minute, &policy).is_ok());
    assert_eq!(
        verify(&text, &trust_list(), page.valid_until, &policy),
        Err(Refusal::PrintedCredentialExpired)
    );
}

#[test]
fn the_qr_on_paper_is_at_least_35_mm_wide_with_square_whole_dot_modules() {
    let page = page(&[]);
    let picture = Picture::read(&render_png(&page).unwrap());
    let (meta, _) = picture.scan();
    let modules = (meta.version.0 * 4 + 17) as u32;

    // Only QR modules are pure black: text is dark grey or white.
    let (mut left, mut top, mut right, mut bottom) = (u32::MAX, u32::MAX, 0, 0);
    for y in 0..picture.height {
        for x in 0..picture.width {
            if picture.at(x, y) == BLACK {
                (left, top) = (left.min(x), top.min(y));
                (right, bottom) = (right.max(x), bottom.max(y));
            }
        }
    }
    let width = right - left + 1;
    assert_eq!(width, bottom - top + 1, "square");
    assert!(width >= MIN_QR_WIDTH_PX, "{width} dots is less than 35 mm");
    assert_eq!(width % modules, 0, "{width} dots for {modules} modules");
    let module = width / modules;
    // The finder pattern's top edge: 7 modules of dark, then light.
    let run = (left..right)
        .take_while(|&x| picture.at(x, top) == BLACK)
        .count() as u32;
    assert_eq!(run, 7 * module);
    // Every module is one flat square: black or white.
    for row in 0..modules {
        for col in 0..modules {
            let (x0, y0) = (left + col * module, top + row * module);
            let first = picture.at(x0, y0);
            assert!(first == BLACK || first == WHITE);
            for y in y0..y0 + module {
                for x in x0..x0 + module {
                    assert_eq!(picture.at(x, y), first, "module ({col}, {row})");
                }
            }
        }
    }
    // A white quiet zone of 4 modules all round.
    let quiet = 4 * module;
    for y in top - quiet..=bottom + quiet {
        for x in left - quiet..=right + quiet {
            let inside = (left..=right).contains(&x) && (top..=bottom).contains(&y);
            if !inside {
                assert_eq!(picture.at(x, y), WHITE, "quiet zone at ({x}, {y})");
            }
        }
    }
}

#[test]
fn the_card_has_the_code_colour_and_a_red_page_lists_the_reasons() {
    let green = Picture::read(&render_png(&page(&[])).unwrap());
    let green_rgb = ColorScheme::SUIKANG.green.0;
    // A card of at least 170 mm × 100 mm in the colour of the code.
    assert!(green.count(green_rgb) > 2008 * 1181 / 2);
    assert_eq!(green.count(ColorScheme::SUIKANG.red.0), 0);

    let reasons = [ControlReason::CloseContact, ControlReason::HomeIsolation];
    let red_page = page(&reasons);
    assert_eq!(red_page.color, Color::Red);
    let red = Picture::read(&render_png(&red_page).unwrap());
    assert!(red.count(ColorScheme::SUIKANG.red.0) > 2008 * 1181 / 2);
    assert_eq!(red.count(green_rgb), 0);
    // The QR still scans on red, and says red with both reasons.
    let (_, text) = red.scan();
    let verified = verify(
        &text,
        &trust_list(),
        ISSUED_AT + Duration::hours(1),
        &VerificationPolicy::default(),
    )
    .unwrap();
    assert_eq!(verified.color, Color::Red);
    assert_eq!(verified.controls.iter().count(), 2);

    let svg = render_svg(&red_page).unwrap();
    for reason in reasons {
        assert!(svg.contains(reason.label_zh()), "{reason:?}");
        assert!(svg.contains(reason.label_en()), "{reason:?}");
    }
    assert!(svg.contains("红码"));
}

#[test]
fn the_svg_shows_the_masked_holder_the_issuer_and_the_dates_as_text() {
    let page = page(&[]);
    let svg = render_svg(&page).unwrap();
    let document = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("viewBox"), Some("0 0 2480 3508"));
    assert_eq!(root.attribute("width"), Some("210mm"));
    assert!(
        root.attribute("font-family")
            .unwrap()
            .contains("Noto Sans CJK SC")
    );

    let texts: Vec<&str> = root
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    let shows = |wanted: &str| texts.iter().any(|t| t.contains(wanted));
    assert!(shows("李*英"), "{texts:?}");
    assert!(shows("4401**********0028"), "{texts:?}");
    assert!(shows("居民身份证"));
    assert!(shows("穗康码"));
    assert!(shows("Suikang code"));
    assert!(shows("绿码"));
    // 2026-11-28 06:00 UTC and seven days later, in Guangzhou's time.
    assert!(shows("2026-11-28 14:00"));
    assert!(shows("有效期至 Valid until  2026-12-05 14:00"));
    assert!(shows("通行时出示本页"));
    assert!(shows("Check the holder's ID"));
    // Never the full name or number.
    assert!(!svg.contains(GRANDMOTHER_NAME));
    assert!(!svg.contains(GRANDMOTHER_ID));
}

/// The text a reader copies out of the PDF (what pdftotext gives), with
/// lopdf. The page places each glyph on its own (so the spacing is the
/// font's), which lopdf reads as one line per glyph: joined back up here.
fn pdf_text(pdf: &[u8]) -> String {
    let document = lopdf::Document::load_mem(pdf).expect("a PDF lopdf reads");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    assert_eq!(pages, vec![1], "one page");
    document
        .extract_text(&pages)
        .expect("text that can be extracted")
        .replace('\n', "")
}

#[test]
fn the_pdf_is_a4_with_its_fonts_embedded_and_its_text_copies_out() {
    let page = page(&[]);
    let pdf = render_pdf(&page).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let document = lopdf::Document::load_mem(&pdf).unwrap();
    let (_, page_id) = document.get_pages().into_iter().next().unwrap();
    let media_box: Vec<f32> = document
        .get_dictionary(page_id)
        .unwrap()
        .get(b"MediaBox")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_float().unwrap())
        .collect();
    // A4: 210 × 297 mm is 595.3 × 841.9 pt.
    assert_eq!(media_box.len(), 4);
    assert!((media_box[2] - 595.3).abs() < 0.5, "{media_box:?}");
    assert!((media_box[3] - 841.9).abs() < 0.5, "{media_box:?}");
    // The glyphs travel with the page: no reader needs a font of its own.
    let embedded = document
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.has(b"FontFile") || d.has(b"FontFile2") || d.has(b"FontFile3"))
        .count();
    assert!(embedded > 0, "an embedded font");

    let text = pdf_text(&pdf);
    for wanted in [
        "李*英",
        "4401**********0028",
        "居民身份证",
        "穗康码",
        "绿码",
        "2026-11-28 14:00",
        "2026-12-05 14:00",
        "Valid until",
        "Check the holder's ID",
    ] {
        assert!(text.contains(wanted), "{wanted:?} not in {text:?}");
    }
    assert!(!text.contains(GRANDMOTHER_NAME));
    assert!(!text.contains(GRANDMOTHER_ID));
    assert!(!contains(&pdf, GRANDMOTHER_ID.as_bytes()));
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_font_set_without_chinese_is_refused_with_what_is_missing_and_how_to_fix_it() {
    let page = page(&[ControlReason::HomeIsolation]);
    let latin_only = PageFonts::only(vec![LATIN_FONT.to_vec()]);
    let error = render_png_with(&page, &latin_only).unwrap_err();
    let PrintError::MissingGlyphs(missing) = error else {
        panic!("{error:?}");
    };
    // Every Chinese character of the page, and nothing else, is missing.
    assert!(missing.chinese > 20, "{missing:?}");
    assert_eq!((missing.latin, missing.other), (0, 0), "{missing:?}");
    assert_eq!(render_pdf_with(&page, &latin_only), Err(error));
    let message = error.to_string();
    assert!(message.contains("Chinese"), "{message}");
    assert!(message.contains("fonts-noto-cjk"), "{message}");
    // It names counts, never the characters: they may be a name's.
    assert!(
        !message.contains('李') && !message.contains('英'),
        "{message}"
    );

    // No font at all: everything is missing, nothing is drawn.
    let nothing = render_png_with(&page, &PageFonts::only(vec![])).unwrap_err();
    assert!(matches!(
        nothing,
        PrintError::MissingGlyphs(MissingGlyphs {
            chinese: 1..,
            latin: 1..,
            ..
        })
    ));
    // Bytes that are no font are said so.
    assert_eq!(
        render_png_with(&page, &PageFonts::only(vec![b"not a font".to_vec()])),
        Err(PrintError::BadFont)
    );
}

#[test]
fn each_glyph_comes_from_the_first_font_that_has_it() {
    // Latin first (as DejaVu is on a Linux desktop), Chinese only in the
    // second font: the page is complete, Chinese falling back per glyph.
    let page = page(&[]);
    let fonts = PageFonts::only(vec![LATIN_FONT.to_vec(), PAGE_FONT.to_vec()]);
    let text = pdf_text(&render_pdf_with(&page, &fonts).unwrap());
    for wanted in ["李*英", "穗康码", "Valid until", "2026-12-05 14:00"] {
        assert!(text.contains(wanted), "{wanted:?} not in {text:?}");
    }
    let picture = Picture::read(&render_png_with(&page, &fonts).unwrap());
    assert!(picture.count([0x1A, 0x1A, 0x1A]) > 1000, "text ink");
}

/// The PDF as a printer puts it on paper: its page rasterised at 300 dpi
/// (hayro, a PDF renderer independent of the one that wrote it), with only
/// the fonts embedded in the PDF itself.
fn print_pdf(pdf: &[u8]) -> Picture {
    use hayro::hayro_interpret::InterpreterSettings;
    use hayro::hayro_syntax::Pdf;
    use hayro::{RenderSettings, render_pdf};

    let document = Pdf::new(pdf.to_vec()).expect("a PDF hayro reads");
    let pages = render_pdf(
        &document,
        300.0 / 72.0,
        InterpreterSettings::default(),
        &RenderSettings::default(),
        None,
    )
    .expect("the page renders");
    assert_eq!(pages.len(), 1, "one page");
    let pixmap = &pages[0];
    // Opaque throughout (a white page), so premultiplied RGBA is plain RGBA.
    let rgb = pixmap
        .data_as_u8_slice()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    Picture {
        width: u32::from(pixmap.width()),
        height: u32::from(pixmap.height()),
        rgb,
        pixels_per_metre: None,
    }
}

#[test]
fn the_printed_pdf_scans_at_the_gate_and_its_card_has_the_code_colour() {
    for controls in [&[][..], &[ControlReason::CloseContact][..]] {
        let response = printed_response(controls);
        let page = PrintablePage::from_printed_code(&response, &issuer_view()).unwrap();
        let paper = print_pdf(&render_pdf(&page).unwrap());
        // A4 at 300 dpi, give or take the rounding of points to pixels.
        assert!(paper.width.abs_diff(PAGE_WIDTH_PX) <= 2, "{}", paper.width);
        assert!(
            paper.height.abs_diff(PAGE_HEIGHT_PX) <= 2,
            "{}",
            paper.height
        );

        let (_, text) = paper.scan();
        assert_eq!(text, response.qr_text);
        let verified = verify(
            &text,
            &trust_list(),
            ISSUED_AT + Duration::hours(30),
            &VerificationPolicy::default(),
        )
        .unwrap();
        assert!(verified.printed);
        assert_eq!(verified.color, page.color);
        assert_eq!(verified.expires_at, page.valid_until);

        // The card on paper is the code's colour, and only that one.
        let (colour, other) = match page.color {
            Color::Red => (ColorScheme::SUIKANG.red.0, ColorScheme::SUIKANG.green.0),
            _ => (ColorScheme::SUIKANG.green.0, ColorScheme::SUIKANG.red.0),
        };
        assert!(paper.count(colour) > 2008 * 1181 / 2, "{:?}", page.color);
        assert_eq!(paper.count(other), 0, "{:?}", page.color);
    }
}

#[test]
fn every_line_of_the_png_has_ink_and_the_qr_still_scans() {
    let page = page(&[ControlReason::HomeIsolation]);
    let picture = Picture::read(&render_png(&page).unwrap());
    // Each line of text leaves ink where its background would be: a page
    // with holes would leave bands of plain background.
    let svg = render_svg(&page).unwrap();
    let document = roxmltree::Document::parse(&svg).unwrap();
    for text in document.descendants().filter(|n| n.has_tag_name("text")) {
        let baseline: f32 = text.attribute("y").unwrap().parse().unwrap();
        let size: f32 = text.attribute("font-size").unwrap().parse().unwrap();
        let background = picture.at(PAGE_WIDTH_PX / 2, (baseline - size * 1.1) as u32);
        let inked = ((baseline - size * 0.7) as u32..baseline as u32)
            .flat_map(|y| (0..PAGE_WIDTH_PX).map(move |x| (x, y)))
            .filter(|&(x, y)| picture.at(x, y) != background)
            .count();
        assert!(inked > 100, "no ink for {:?}", text.text());
    }
    let (_, qr_text) = picture.scan();
    assert_eq!(qr_text, page.qr_text);
}

#[test]
fn a_bad_colour_from_the_server_is_refused_when_read_without_personal_data() {
    // The colour is typed (`protocol::Rgb`): an answer whose colour is not
    // `#RRGGBB` is refused as a whole when read, so no page can be made of it.
    let mut json = serde_json::to_value(printed_response(&[])).unwrap();
    json["code"]["color_rgb"] = "green".into();
    let error = serde_json::from_value::<PrintedCodeResponse>(json).unwrap_err();
    let shown = error.to_string();
    assert!(shown.contains("#RRGGBB"), "{shown}");
    assert!(!shown.contains('李') && !shown.contains("4401"), "{shown}");
}

#[test]
fn only_a_printed_credential_makes_a_page() {
    let issuer = issuer_view();
    // A phone's credential is bound to its device: useless on paper.
    let mut response = printed_response(&[]);
    let device = Binding::Device(key(DEVICE_SEED).verifying_key().to_bytes());
    response.qr_text = credential(&[], device)
        .sign(&key(SUIKANG_KEY_SEED))
        .unwrap()
        .to_qr_text();
    assert_eq!(
        PrintablePage::from_printed_code(&response, &issuer),
        Err(PrintError::NotAPrintedCode)
    );
    response.qr_text = "hello".into();
    assert_eq!(
        PrintablePage::from_printed_code(&response, &issuer),
        Err(PrintError::NotAPrintedCode)
    );
}

/// `SUIKANG_PRINT_SAMPLES=/some/dir cargo test -p suikang-core --test print`
/// writes the pages there, for a person to look at (and print).
#[test]
fn samples_for_people_to_look_at() {
    let Some(dir) = std::env::var_os("SUIKANG_PRINT_SAMPLES") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    // SUIKANG_PRINT_FONTS=a.ttf:b.ttf renders with those fonts only, in that
    // order (e.g. Droid Sans Fallback then DejaVu, as on a bare Debian).
    let fonts = match std::env::var_os("SUIKANG_PRINT_FONTS") {
        Some(paths) => PageFonts::only(
            std::env::split_paths(&paths)
                .map(|path| std::fs::read(path).unwrap())
                .collect(),
        ),
        None => fixture(),
    };
    for (name, controls) in [
        ("printed-page", &[][..]),
        ("printed-page-red", &ControlReason::ALL[..]),
    ] {
        let page = page(controls);
        let png = render_png_with(&page, &fonts).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
        std::fs::write(dir.join(format!("{name}.svg")), render_svg(&page).unwrap()).unwrap();
        let pdf = render_pdf_with(&page, &fonts).unwrap();
        std::fs::write(dir.join(format!("{name}.pdf")), &pdf).unwrap();
        // The PDF as the printer puts it on paper, to look at beside the PNG.
        let paper = print_pdf(&pdf);
        let file = std::fs::File::create(dir.join(format!("{name}.pdf.png"))).unwrap();
        let mut encoder = png::Encoder::new(file, paper.width, paper.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder
            .write_header()
            .unwrap()
            .write_image_data(&paper.rgb)
            .unwrap();
    }
}
