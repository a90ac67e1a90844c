//! Why a printed page could not be made.
//!
//! A leaf of its own so that `error` (which wraps it in `CoreError`) and
//! `print` (which returns it) both import it without importing each other:
//! `error → print → qr → error` was a module cycle.

/// Why a page could not be made. Carries no personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// Some text of the page has no glyph in any font: the page would have
    /// holes (a name shown as `*`, dates gone), so none is made.
    #[error(
        "{0}: install a font that covers them (on Debian: apt-get install fonts-noto-cjk) or pass the app's fonts"
    )]
    MissingGlyphs(MissingGlyphs),
    #[error("the code's text does not fit a QR code of version 10 at level M")]
    QrTooLong,
    #[error("the QR text is not a printed credential")]
    NotAPrintedCode,
    #[error("the font is not a readable TrueType or OpenType font")]
    BadFont,
    #[error("the PNG encoder failed")]
    Png,
    #[error("the page's SVG could not be read back")]
    Svg,
    #[error("the PDF writer failed")]
    Pdf,
    /// This build draws the page as SVG only (the phone library, kept small:
    /// the app hands the SVG to the platform's own print machinery).
    #[error("this build makes the page as SVG only: print the SVG with the platform")]
    FormatUnavailable,
}

/// Characters of a page that no font has, by script. Counts only: the
/// characters themselves may be a name's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MissingGlyphs {
    /// Chinese characters (CJK ideographs and punctuation).
    pub chinese: u32,
    /// Latin letters, digits and ASCII punctuation.
    pub latin: u32,
    /// Anything else (the middle dot, rare symbols).
    pub other: u32,
}

#[cfg(feature = "render")]
impl MissingGlyphs {
    pub(crate) fn count(&mut self, c: char) {
        match c {
            '\u{2E80}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FFEF}' => {
                self.chinese += 1;
            }
            '\u{20000}'..='\u{3FFFF}' => self.chinese += 1,
            c if c.is_ascii() => self.latin += 1,
            _ => self.other += 1,
        }
    }

    pub(crate) fn any(&self) -> bool {
        self.chinese + self.latin + self.other > 0
    }
}

impl std::fmt::Display for MissingGlyphs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no font has {} Chinese, {} Latin and {} other characters of the page",
            self.chinese, self.latin, self.other
        )
    }
}
