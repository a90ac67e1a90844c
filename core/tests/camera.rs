//! A gate camera reads the code held up to it (issue 17): made-up 1280×720
//! frames with the code turned, tilted and blurred. The fast reader must
//! read at least every frame rqrr read on its own (the reader before it),
//! and must never read a wrong text.

use suikang_testkit::frames;

use frames::{GATE, HEIGHT, WIDTH};
use suikang_core::QrMatrix;
use suikang_core::qr::read_qr_luma;

/// rqrr on the whole frame: how `read_qr` read before issue 17.
fn rqrr_alone(pixels: &[u8]) -> Option<String> {
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(WIDTH, HEIGHT, |x, y| pixels[y * WIDTH + x]);
    prepared
        .detect_grids()
        .iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

#[test]
fn the_gate_camera_reads_a_code_held_turned_and_tilted() {
    let text = frames::presentation_sized_text();
    let code = QrMatrix::encode(&text).unwrap();
    assert_eq!(code.version(), 10);
    let frame = frames::frame(&code, GATE);
    assert_eq!(read_qr_luma(WIDTH, HEIGHT, &frame).unwrap(), text);
}

#[test]
fn over_135_poses_the_reader_reads_what_rqrr_read_and_never_a_wrong_text() {
    let text = frames::presentation_sized_text();
    let code = QrMatrix::encode(&text).unwrap();
    let (mut decoded, mut refused, mut wrong, mut rqrr_decoded) = (0, 0, 0, 0);
    let mut lost = Vec::new();
    for pose in frames::sweep() {
        let frame = frames::frame(&code, pose);
        let before = rqrr_alone(&frame);
        if before.as_deref() == Some(text.as_str()) {
            rqrr_decoded += 1;
        }
        match read_qr_luma(WIDTH, HEIGHT, &frame) {
            Ok(read) if read == text => decoded += 1,
            Ok(_) => wrong += 1,
            Err(_) => {
                refused += 1;
                if before.is_some() {
                    lost.push(pose);
                }
            }
        }
    }
    println!(
        "{} frames: decoded {decoded}, refused {refused}, wrong {wrong}; rqrr alone decoded {rqrr_decoded}",
        frames::sweep().len()
    );
    assert_eq!(wrong, 0);
    assert!(
        lost.is_empty(),
        "rqrr read these, the reader did not: {lost:?}"
    );
    assert!(decoded >= rqrr_decoded);
}

#[test]
fn a_frame_without_a_code_is_refused() {
    let frame: Vec<u8> = (0..WIDTH * HEIGHT).map(|i| (i % 251) as u8).collect();
    assert!(read_qr_luma(WIDTH, HEIGHT, &frame).is_err());
    assert!(read_qr_luma(WIDTH, HEIGHT, &frame[..100]).is_err());
}
