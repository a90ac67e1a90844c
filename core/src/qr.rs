//! QR codes: a presentation's text as modules to draw (level M, version
//! ≤ 10 for every code, DESIGN §4), and the text of a QR code in a camera
//! frame or photo. A leaf: the screen, the printed page and the verifier
//! all draw or read through it.

use crate::error::CoreError;

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

/// The text of the first QR code in an image (PNG or JPEG).
pub fn read_qr(image: &[u8]) -> Result<String, CoreError> {
    use image::DynamicImage;
    let decoded = image::load_from_memory(image).map_err(|_| CoreError::UnreadableImage)?;
    let (width, height) = (decoded.width() as usize, decoded.height() as usize);
    match &decoded {
        DynamicImage::ImageLuma8(gray) => read_qr_luma(width, height, gray.as_raw()),
        // Colour at 8 bits a channel (a screenshot, a photo): its luma in one
        // integer pass; `to_luma8` goes through floats, a third of a 600×600
        // page's time (issue 17).
        DynamicImage::ImageRgb8(rgb) => read_qr_luma(width, height, &luma(rgb.as_raw(), 3)),
        DynamicImage::ImageRgba8(rgba) => read_qr_luma(width, height, &luma(rgba.as_raw(), 4)),
        other => read_qr_luma(width, height, other.to_luma8().as_raw()),
    }
}

/// Each pixel's luma, with the Rec. 709 weights `image` uses: `pixels` holds
/// `channels` bytes a pixel, red, green and blue first.
fn luma(pixels: &[u8], channels: usize) -> Vec<u8> {
    pixels
        .chunks_exact(channels)
        .map(|p| {
            let weighted = 2126 * u32::from(p[0]) + 7152 * u32::from(p[1]) + 722 * u32::from(p[2]);
            (weighted / 10_000) as u8
        })
        .collect()
}

/// The text of the first QR code in a grayscale frame (`width × height`
/// bytes, row by row: a camera's Y plane), read by [`crate::scan`].
pub fn read_qr_luma(width: usize, height: usize, pixels: &[u8]) -> Result<String, CoreError> {
    if pixels.len() != width * height {
        return Err(CoreError::UnreadableImage);
    }
    crate::scan::read(&crate::scan::Luma {
        width,
        height,
        pixels,
    })
    .ok_or(CoreError::NoCodeInImage)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        read_qr(&png).unwrap()
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

    /// A photo or screenshot is in colour: its code reads, and its grey is
    /// the grey `image` makes of it (to a rounding).
    #[test]
    fn a_colour_picture_reads_and_its_luma_is_image_s() {
        let qr = QrMatrix::encode("SK1:ABC").unwrap();
        let quiet = qr.quiet_zone;
        let side = (qr.size + 2 * quiet) * 4;
        let picture = image::RgbaImage::from_fn(side, side, |x, y| {
            let module = |v: u32| (v / 4).checked_sub(quiet).filter(|m| *m < qr.size);
            let dark = matches!((module(x), module(y)), (Some(mx), Some(my)) if qr.is_dark(mx, my));
            // Dark blue on a pale yellow screen, the hue changing across it.
            let shade = (x * 40 / side) as u8;
            image::Rgba(if dark {
                [10 + shade, 30, 90, 255]
            } else {
                [250, 235 - shade, 190 + shade, 255]
            })
        });
        for colour in [
            image::DynamicImage::ImageRgba8(picture.clone()),
            image::DynamicImage::ImageRgb8(image::DynamicImage::ImageRgba8(picture).to_rgb8()),
        ] {
            let mut png = Vec::new();
            colour
                .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
                .unwrap();
            assert_eq!(read_qr(&png).unwrap(), "SK1:ABC");
            let ours = luma(colour.to_rgba8().as_raw(), 4);
            let theirs = colour.to_luma8();
            assert!(
                ours.iter()
                    .zip(theirs.as_raw())
                    .all(|(a, b)| a.abs_diff(*b) <= 1)
            );
        }
    }

    #[test]
    fn text_beyond_what_a_qr_code_holds_is_refused() {
        assert_eq!(
            QrMatrix::encode(&"A".repeat(5000)).unwrap_err(),
            CoreError::QrTooLong
        );
    }
}
