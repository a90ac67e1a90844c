//! DESIGN §4: the whole presentation fits QR version 10 at level M.

use qrcode::{EcLevel, QrCode, Version};
use suikang_protocol::Presentation;
use suikang_testkit::credentials::*;

#[test]
fn the_largest_realistic_presentation_fits_qr_version_10_at_level_m() {
    let credential = sign(largest_credential(), SUIKANG_KEY_SEED);
    let presentation = Presentation::sign(&credential, &key(DEVICE_SEED), NOW).unwrap();
    let text = presentation.to_qr_text();
    assert_eq!(
        presentation.as_bytes().len(),
        202,
        "the layout's size changed: update FORMAT.md"
    );
    assert!(
        text.bytes()
            .all(|b| b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(&b))
    );
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).unwrap();
    let Version::Normal(version) = code.version() else {
        panic!("a micro QR code")
    };
    assert!(
        version <= 10,
        "needs version {version} for {} characters",
        text.len()
    );
}

#[test]
fn a_typical_presentation_is_200_bytes_and_304_characters() {
    let credential = sign(resident_credential(), SUIKANG_KEY_SEED);
    let presentation = Presentation::sign(&credential, &key(DEVICE_SEED), NOW).unwrap();
    assert_eq!(presentation.as_bytes().len(), 200, "update FORMAT.md");
    assert_eq!(presentation.to_qr_text().len(), 304, "update FORMAT.md");
}
