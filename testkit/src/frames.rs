//! Made-up gate camera frames (issue 17): a QR code held in front of a
//! 1280×720 grayscale camera — turned, tilted away (perspective), blurred,
//! under light that falls off across the frame, with sensor grain — for the
//! reading tests and the benchmark. Deterministic: the same pose gives the
//! same pixels.

use suikang_core::QrMatrix;

/// How the code sits in front of the camera.
#[derive(Clone, Copy, Debug)]
pub struct Pose {
    /// The code's side, quiet zone excluded, in pixels (before tilting).
    pub side: f64,
    /// Turned in the image plane, degrees.
    pub angle: f64,
    /// The code's top edge is this much shorter than its bottom edge
    /// (0.2: a fifth), as when the phone leans back.
    pub tilt: f64,
    /// Box blur radius in pixels, applied twice (close to a Gaussian).
    pub blur: usize,
}

/// The gate camera's frame size.
pub const WIDTH: usize = 1280;
pub const HEIGHT: usize = 720;

/// A presentation-sized text (307 characters of the QR alphanumeric set,
/// as the largest presentation: version 10-M).
pub fn presentation_sized_text() -> String {
    "SK1:0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
        .chars()
        .cycle()
        .take(307)
        .collect()
}

/// The poses of the robustness sweep: three sizes (a code about a sixth to
/// a quarter of the frame's width), five turns, three tilts, three blurs.
pub fn sweep() -> Vec<Pose> {
    let mut poses = Vec::new();
    for side in [200.0, 240.0, 300.0] {
        for angle in [0.0, 17.0, 45.0, 100.0, 200.0] {
            for tilt in [0.0, 0.15, 0.3] {
                for blur in [0, 1, 2] {
                    poses.push(Pose {
                        side,
                        angle,
                        tilt,
                        blur,
                    });
                }
            }
        }
    }
    poses
}

/// The benchmark's pose: a code about a third of the frame's height, turned
/// 10°, tilted 15 %, blurred.
pub const GATE: Pose = Pose {
    side: 240.0,
    angle: 10.0,
    tilt: 0.15,
    blur: 1,
};

/// A `WIDTH`×`HEIGHT` grayscale frame showing `code` in `pose`, centred.
pub fn frame(code: &QrMatrix, pose: Pose) -> Vec<u8> {
    let n = code.size as usize;
    let quiet = 4.0;
    let total = n as f64 + 2.0 * quiet;
    // The code's corners (quiet zone included) in the frame.
    let half = pose.side * total / n as f64 / 2.0;
    let (cx, cy) = (WIDTH as f64 / 2.0, HEIGHT as f64 / 2.0);
    let top = 1.0 - pose.tilt;
    let corners = [
        (-half * top, -half),
        (half * top, -half),
        (half, half),
        (-half, half),
    ];
    let (sin, cos) = pose.angle.to_radians().sin_cos();
    let frame_corners = corners.map(|(x, y)| (cx + x * cos - y * sin, cy + x * sin + y * cos));
    let code_corners = [(0.0, 0.0), (total, 0.0), (total, total), (0.0, total)];
    let to_code = homography(frame_corners, code_corners);
    let mut pixels = vec![0u8; WIDTH * HEIGHT];
    let mut noise = 0x2545_f491_u32;
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            // Light falls off to the right and down.
            let light = 1.0 - 0.25 * (x as f64 / WIDTH as f64) - 0.15 * (y as f64 / HEIGHT as f64);
            let (u, v) = apply(&to_code, x as f64 + 0.5, y as f64 + 0.5);
            let base = if (0.0..total).contains(&u) && (0.0..total).contains(&v) {
                let (mu, mv) = (u - quiet, v - quiet);
                let dark = mu >= 0.0
                    && mv >= 0.0
                    && (mu as usize) < n
                    && (mv as usize) < n
                    && code.is_dark(mu as u32, mv as u32);
                if dark { 35.0 } else { 215.0 }
            } else {
                // A grey counter around the code.
                120.0
            };
            noise ^= noise << 13;
            noise ^= noise >> 17;
            noise ^= noise << 5;
            let grain = (noise % 17) as f64 - 8.0;
            pixels[y * WIDTH + x] = (base * light + grain).clamp(0.0, 255.0) as u8;
        }
    }
    for _ in 0..2 {
        box_blur(&mut pixels, pose.blur);
    }
    pixels
}

/// A box blur of `radius` along rows, then along columns, with running
/// sums (the edges average over the pixels there are).
fn box_blur(pixels: &mut [u8], radius: usize) {
    if radius == 0 {
        return;
    }
    let mut line = Vec::new();
    let blur_line = |get: &mut dyn FnMut(usize) -> u8, len: usize, out: &mut Vec<u8>| {
        out.clear();
        let mut sum: u32 = (0..=radius.min(len - 1)).map(|i| u32::from(get(i))).sum();
        for i in 0..len {
            let (a, b) = (i.saturating_sub(radius), (i + radius).min(len - 1));
            out.push((sum / (b - a + 1) as u32) as u8);
            if i + radius + 1 < len {
                sum += u32::from(get(i + radius + 1));
            }
            if i >= radius {
                sum -= u32::from(get(i - radius));
            }
        }
    };
    for y in 0..HEIGHT {
        let row = pixels[y * WIDTH..][..WIDTH].to_vec();
        blur_line(&mut |i| row[i], WIDTH, &mut line);
        pixels[y * WIDTH..][..WIDTH].copy_from_slice(&line);
    }
    for x in 0..WIDTH {
        let column: Vec<u8> = (0..HEIGHT).map(|y| pixels[y * WIDTH + x]).collect();
        blur_line(&mut |i| column[i], HEIGHT, &mut line);
        for (y, &p) in line.iter().enumerate() {
            pixels[y * WIDTH + x] = p;
        }
    }
}

/// The projective map taking each `from` corner to its `to` corner.
fn homography(from: [(f64, f64); 4], to: [(f64, f64); 4]) -> [f64; 9] {
    // h · (x, y, 1) ∝ (u, v, 1), h[8] = 1: eight equations in eight unknowns.
    let mut m = [[0.0f64; 9]; 8];
    for (i, ((x, y), (u, v))) in from.into_iter().zip(to).enumerate() {
        m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for col in 0..8 {
        let pivot = (col..8)
            .max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
            .unwrap();
        m.swap(col, pivot);
        for row in 0..8 {
            if row != col {
                let f = m[row][col] / m[col][col];
                let pivot = m[col];
                for (k, value) in m[row].iter_mut().enumerate().skip(col) {
                    *value -= f * pivot[k];
                }
            }
        }
    }
    let mut h = [1.0; 9];
    for i in 0..8 {
        h[i] = m[i][8] / m[i][i];
    }
    h
}

fn apply(h: &[f64; 9], x: f64, y: f64) -> (f64, f64) {
    let w = h[6] * x + h[7] * y + h[8];
    (
        (h[0] * x + h[1] * y + h[2]) / w,
        (h[3] * x + h[4] * y + h[5]) / w,
    )
}
