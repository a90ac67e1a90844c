//! Reading a QR code from a picture: a gate camera's grayscale frame, a
//! photo of a phone, a printed page (DESIGN §1: the checkpoint scans).
//!
//! rqrr (a port of quirc) reads any picture, but it fills every region of
//! the whole picture and fits its grid by trial: tens of milliseconds for a
//! 1280×720 frame, where a gate needs a few (issue 17). So this reader does
//! what ZXing does: scan rows for the finder patterns' 1:1:3:1:1 runs,
//! confirm each across, take the three that make a code's corners, look for
//! the bottom-right alignment pattern where they put it, map the module
//! grid through the perspective those four points give, sample each
//! module's centre, and hand the bits to rqrr's decoder (format,
//! Reed–Solomon). Error correction decides: bits sampled wrongly do not
//! decode, they never read as another text. A picture this reader cannot
//! read goes to rqrr whole, so everything that read before still reads.

/// A grayscale picture, one byte per pixel, row by row (a camera's Y plane).
#[derive(Clone, Copy, Debug)]
pub struct Luma<'a> {
    pub width: usize,
    pub height: usize,
    pub pixels: &'a [u8],
}

/// The text of the first QR code found in `image`, or `None`.
pub fn read(image: &Luma<'_>) -> Option<String> {
    if image.width == 0 || image.height == 0 || image.pixels.len() < image.width * image.height {
        return None;
    }
    read_by_finders(image).or_else(|| read_whole(image))
}

/// rqrr on the whole picture: slow, but it reads what the fast path misses
/// (a code too blurred for clean runs, damaged finder patterns).
fn read_whole(image: &Luma<'_>) -> Option<String> {
    let (w, h) = (image.width, image.height);
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| image.pixels[y * w + x]);
    prepared
        .detect_grids()
        .iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

/// Rows this far apart are scanned: a finder's centre is 3 modules tall, so
/// even 3-pixel modules cross several scanned rows.
const ROW_STEP: usize = 2;
/// A pixel is dark when this far below the mean around it: sensor noise on
/// a plain surface then makes no runs.
const DARK_MARGIN: u32 = 8;
/// At most this many finder candidates (the most often seen) are combined.
const MOST_SEEN: usize = 8;
/// At most this many corner triples are tried, the most square first.
const TRIPLES_TRIED: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Point {
    x: f32,
    y: f32,
}

impl Point {
    fn dist(self, o: Point) -> f32 {
        ((self.x - o.x).powi(2) + (self.y - o.y).powi(2)).sqrt()
    }
}

/// A finder pattern's centre, its module size, and on how many scanned
/// rows it was confirmed.
#[derive(Clone, Copy, Debug)]
struct Finder {
    at: Point,
    module: f32,
    seen: u32,
}

fn read_by_finders(image: &Luma<'_>) -> Option<String> {
    let mut finders = find_finders(image);
    if finders.len() < 3 {
        return None;
    }
    finders.sort_by_key(|f| std::cmp::Reverse(f.seen));
    finders.truncate(MOST_SEEN);
    corner_triples(&finders)
        .into_iter()
        .take(TRIPLES_TRIED)
        .find_map(|corners| read_at(image, corners))
}

/// Scans rows for dark-light-dark-light-dark runs in the ratio 1:1:3:1:1,
/// confirms each down its column and again along its row, and merges the
/// sightings of one pattern.
fn find_finders(image: &Luma<'_>) -> Vec<Finder> {
    let (w, h) = (image.width, image.height);
    // The mean over a window wide against a finder pattern yet narrow
    // against light that falls off across the frame.
    let radius = (w.max(h) / 16).max(8);
    let mut prefix = vec![0u32; w + 1];
    let mut dark_pixels = vec![false; w];
    let mut finders: Vec<Finder> = Vec::new();
    for y in (0..h).step_by(ROW_STEP) {
        let row = &image.pixels[y * w..][..w];
        for (x, &p) in row.iter().enumerate() {
            prefix[x + 1] = prefix[x] + u32::from(p);
        }
        let window = |x: usize| (x.saturating_sub(radius), (x + radius + 1).min(w));
        let threshold = |x: usize| {
            let (a, b) = window(x);
            (prefix[b] - prefix[a]) / (b - a) as u32
        };
        // Every pixel of the row against its window once.
        for (x, (dark, &p)) in dark_pixels.iter_mut().zip(row).enumerate() {
            let (a, b) = window(x);
            *dark = is_dark_against(p, prefix[b] - prefix[a], (b - a) as u32);
        }
        let is_dark = |x: usize| dark_pixels[x];
        // The last five runs, oldest first, and where the middle one starts.
        let mut runs = [0usize; 5];
        let mut starts = [0usize; 5];
        let mut x = 0;
        while x < w {
            let start = x;
            let dark = is_dark(x);
            x += 1;
            while x < w && is_dark(x) == dark {
                x += 1;
            }
            runs.rotate_left(1);
            starts.rotate_left(1);
            runs[4] = x - start;
            starts[4] = start;
            if !dark || !is_finder_runs(&runs) {
                continue;
            }
            let total: usize = runs.iter().sum();
            let cx = starts[2] + runs[2] / 2;
            let t = threshold(cx);
            if let Some(found) = confirm(image, cx, y, total, t) {
                merge(&mut finders, found);
            }
        }
    }
    finders
}

/// Whether a pixel `p` is dark against the mean `sum / n` of its window,
/// `p + margin < ⌊sum / n⌋`, asked as `(p + margin + 1) · n ≤ sum` (the
/// same, `p` being whole): the row scan asks it of every pixel, and a
/// division per pixel was most of a frame's time.
fn is_dark_against(p: u8, sum: u32, n: u32) -> bool {
    (u32::from(p) + DARK_MARGIN + 1) * n <= sum
}

/// Runs in the ratio 1:1:3:1:1, each within half a module (blur moves the
/// edges; ZXing allows the same).
fn is_finder_runs(runs: &[usize; 5]) -> bool {
    let total: usize = runs.iter().sum();
    if total < 7 || runs.contains(&0) {
        return false;
    }
    let module = total as f32 / 7.0;
    let slack = module / 2.0;
    let near = |run: usize, n: f32| (run as f32 - n * module).abs() < n * slack;
    near(runs[0], 1.0)
        && near(runs[1], 1.0)
        && near(runs[2], 3.0)
        && near(runs[3], 1.0)
        && near(runs[4], 1.0)
}

/// The five runs through (`x`, `y`) along a line (`dx`, `dy`), against
/// threshold `t`: the centre run outwards both ways, then light, then dark.
/// Returns the runs and where the centre run's middle is along the line.
fn runs_across(
    image: &Luma<'_>,
    x: usize,
    y: usize,
    vertical: bool,
    t: u32,
    max_run: usize,
) -> Option<([usize; 5], f32)> {
    let (w, h) = (image.width, image.height);
    let (pos, len) = if vertical { (y, h) } else { (x, w) };
    let at = |i: usize| {
        let p = if vertical {
            image.pixels[i * w + x]
        } else {
            image.pixels[y * w + i]
        };
        u32::from(p) + DARK_MARGIN < t
    };
    if !at(pos) {
        return None;
    }
    let mut runs = [0usize; 5];
    // Backwards: centre, light, dark.
    let mut i = pos as isize;
    let mut centre_start = pos;
    for (slot, dark) in [(2, true), (1, false), (0, true)] {
        while i >= 0 && at(i as usize) == dark && runs[slot] <= max_run {
            runs[slot] += 1;
            i -= 1;
        }
        if slot == 2 {
            centre_start = (i + 1) as usize;
        }
    }
    // Forwards: centre, light, dark.
    let mut j = pos + 1;
    for (slot, dark) in [(2, true), (3, false), (4, true)] {
        while j < len && at(j) == dark && runs[slot] <= max_run {
            runs[slot] += 1;
            j += 1;
        }
    }
    let middle = centre_start as f32 + runs[2] as f32 / 2.0;
    Some((runs, middle))
}

/// A row's candidate at (`cx`, `y`) confirmed down its column (which gives
/// the centre's row) and again along that row (which gives its column).
fn confirm(image: &Luma<'_>, cx: usize, y: usize, total: usize, t: u32) -> Option<Finder> {
    let (vruns, cy) = runs_across(image, cx, y, true, t, total)?;
    let vtotal: usize = vruns.iter().sum();
    if !is_finder_runs(&vruns) || 5 * vtotal.abs_diff(total) >= 2 * total {
        return None;
    }
    let (hruns, cx2) = runs_across(image, cx, cy as usize, false, t, total)?;
    let htotal: usize = hruns.iter().sum();
    if !is_finder_runs(&hruns) || 5 * htotal.abs_diff(total) >= 2 * total {
        return None;
    }
    Some(Finder {
        at: Point { x: cx2, y: cy },
        module: (htotal + vtotal) as f32 / 14.0,
        seen: 1,
    })
}

/// Adds a sighting to the pattern it belongs to (within a module of its
/// centre, a like module size), averaging, or as a new pattern.
fn merge(finders: &mut Vec<Finder>, found: Finder) {
    for f in finders.iter_mut() {
        let near = (f.at.x - found.at.x).abs() <= f.module.max(found.module)
            && (f.at.y - found.at.y).abs() <= f.module.max(found.module);
        let like = f.module.max(found.module) <= 1.5 * f.module.min(found.module);
        if near && like {
            let n = f.seen as f32;
            f.at.x = (f.at.x * n + found.at.x) / (n + 1.0);
            f.at.y = (f.at.y * n + found.at.y) / (n + 1.0);
            f.module = (f.module * n + found.module) / (n + 1.0);
            f.seen += 1;
            return;
        }
    }
    finders.push(found);
}

/// A code's three finder patterns: top-left (the right angle), top-right,
/// bottom-left, as seen with the code upright.
#[derive(Clone, Copy, Debug)]
struct Corners {
    top_left: Finder,
    top_right: Finder,
    bottom_left: Finder,
}

/// Triples of finders that could be one code's corners, the closest to a
/// right isosceles triangle first (perspective bends it, so loosely).
fn corner_triples(finders: &[Finder]) -> Vec<Corners> {
    let mut scored = Vec::new();
    let n = finders.len();
    for i in 0..n {
        for j in i + 1..n {
            for k in j + 1..n {
                let t = [finders[i], finders[j], finders[k]];
                let (lo, hi) = t.iter().fold((f32::MAX, 0.0f32), |(lo, hi), f| {
                    (lo.min(f.module), hi.max(f.module))
                });
                if hi > 2.0 * lo {
                    continue;
                }
                // The right angle is opposite the longest side.
                let side = |a: usize, b: usize| t[a].at.dist(t[b].at);
                let sides = [side(1, 2), side(0, 2), side(0, 1)];
                let corner = (0..3)
                    .max_by(|&a, &b| sides[a].total_cmp(&sides[b]))
                    .unwrap_or(0);
                let (a, b) = ((corner + 1) % 3, (corner + 2) % 3);
                let (legs, hyp) = ((sides[a], sides[b]), sides[corner]);
                // Legs at least a version-1 code apart.
                if legs.0.min(legs.1) < 10.0 * lo {
                    continue;
                }
                let score = (legs.0 - legs.1).abs() / legs.0.max(legs.1)
                    + (hyp - (legs.0.powi(2) + legs.1.powi(2)).sqrt()).abs() / hyp;
                if score > 0.6 {
                    continue;
                }
                let (tl, p, q) = (t[corner], t[a], t[b]);
                // Clockwise on screen (y down) from top-right to bottom-left.
                let cross = (p.at.x - tl.at.x) * (q.at.y - tl.at.y)
                    - (p.at.y - tl.at.y) * (q.at.x - tl.at.x);
                let (top_right, bottom_left) = if cross > 0.0 { (p, q) } else { (q, p) };
                scored.push((
                    score,
                    Corners {
                        top_left: tl,
                        top_right,
                        bottom_left,
                    },
                ));
            }
        }
    }
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    scored.into_iter().map(|(_, c)| c).collect()
}

/// Reads the code with these corners: its size from their distance in
/// modules (the nearest sizes QR has), the perspective from the alignment
/// pattern when the version has one, else from the three corners alone.
fn read_at(image: &Luma<'_>, c: Corners) -> Option<String> {
    let Corners {
        top_left: tl,
        top_right: tr,
        bottom_left: bl,
    } = c;
    let across = tl.at.dist(tr.at) / ((tl.module + tr.module) / 2.0);
    let down = tl.at.dist(bl.at) / ((tl.module + bl.module) / 2.0);
    let estimate = (across + down) / 2.0 + 7.0;
    let version = ((estimate - 17.0) / 4.0).round();
    let mut versions = [version, version + 1.0, version - 1.0];
    versions.sort_by(|a, b| {
        (17.0 + 4.0 * a - estimate)
            .abs()
            .total_cmp(&(17.0 + 4.0 * b - estimate).abs())
    });
    versions
        .into_iter()
        .filter(|v| (1.0..=40.0).contains(v))
        .take(2)
        .find_map(|v| read_version(image, &c, 17 + 4 * v as usize))
}

fn read_version(image: &Luma<'_>, c: &Corners, size: usize) -> Option<String> {
    let (tl, tr, bl) = (c.top_left.at, c.top_right.at, c.bottom_left.at);
    let far = size as f32 - 3.5;
    let grid_corners = [(3.5, 3.5), (far, 3.5), (3.5, far)];
    if size > 21
        && let Some(alignment) = find_alignment(image, c, size)
    {
        let near = size as f32 - 6.5;
        let map = Homography::between(
            [
                grid_corners[0],
                grid_corners[1],
                grid_corners[2],
                (near, near),
            ],
            [tl, tr, bl, alignment],
        );
        if let Some(text) = map.and_then(|m| sample_and_decode(image, &m, size)) {
            return Some(text);
        }
    }
    // No alignment pattern: the fourth corner where a parallelogram puts it.
    let br = Point {
        x: tr.x + bl.x - tl.x,
        y: tr.y + bl.y - tl.y,
    };
    let map = Homography::between(
        [
            grid_corners[0],
            grid_corners[1],
            grid_corners[2],
            (far, far),
        ],
        [tl, tr, bl, br],
    )?;
    sample_and_decode(image, &map, size)
}

/// The bottom-right alignment pattern (dark centre, light ring, dark ring;
/// five modules square) near where the three corners put it, found by
/// matching that pattern over the neighbourhood: blur that merges the runs
/// of a one-module pattern leaves its average shape.
fn find_alignment(image: &Luma<'_>, c: &Corners, size: usize) -> Option<Point> {
    let (tl, tr, bl) = (c.top_left.at, c.top_right.at, c.bottom_left.at);
    let span = (size - 7) as f32;
    let ux = ((tr.x - tl.x) / span, (tr.y - tl.y) / span);
    let uy = ((bl.x - tl.x) / span, (bl.y - tl.y) / span);
    let k = size as f32 - 10.0;
    let expected = Point {
        x: tl.x + k * (ux.0 + uy.0),
        y: tl.y + k * (ux.1 + uy.1),
    };
    let module = (ux.0.hypot(ux.1) + uy.0.hypot(uy.1)) / 2.0;
    // Perspective moves it from the parallelogram's estimate by up to a
    // fifth of the code for a strongly tilted code.
    let reach = (module * (size as f32 / 5.0).max(4.0)).ceil();
    let step = (module / 3.0).max(1.0);
    let (w, h) = (image.width as f32, image.height as f32);
    let pixel = |x: f32, y: f32| -> Option<f32> {
        if x < 0.0 || y < 0.0 || x >= w || y >= h {
            return None;
        }
        Some(f32::from(
            image.pixels[y as usize * image.width + x as usize],
        ))
    };
    let mut offsets_light = [(0.0f32, 0.0f32); 8];
    let mut offsets_ring = [(0.0f32, 0.0f32); 16];
    let (mut nl, mut nr) = (0, 0);
    for j in -2i32..=2 {
        for i in -2i32..=2 {
            let o = (
                i as f32 * ux.0 + j as f32 * uy.0,
                i as f32 * ux.1 + j as f32 * uy.1,
            );
            match i.abs().max(j.abs()) {
                1 => {
                    offsets_light[nl] = o;
                    nl += 1;
                }
                2 => {
                    offsets_ring[nr] = o;
                    nr += 1;
                }
                _ => {}
            }
        }
    }
    let mut best: Option<(f32, Point)> = None;
    let mut dy = -reach;
    while dy <= reach {
        let mut dx = -reach;
        while dx <= reach {
            let p = Point {
                x: expected.x + dx,
                y: expected.y + dy,
            };
            dx += step;
            let Some(centre) = pixel(p.x, p.y) else {
                continue;
            };
            let mut light = 0.0;
            let mut inside = true;
            for (ox, oy) in offsets_light {
                match pixel(p.x + ox, p.y + oy) {
                    Some(v) => light += v,
                    None => inside = false,
                }
            }
            // The centre must be darker than every light-ring pixel's mean
            // before the outer ring is worth reading.
            if !inside || centre >= light / 8.0 {
                continue;
            }
            let mut ring = 0.0;
            for (ox, oy) in offsets_ring {
                match pixel(p.x + ox, p.y + oy) {
                    Some(v) => ring += v,
                    None => inside = false,
                }
            }
            if !inside {
                continue;
            }
            let score = light / 8.0 - (centre + ring / 16.0) / 2.0;
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, p));
            }
        }
        dy += step;
    }
    // A pattern, not noise: clear contrast between its rings.
    best.filter(|(score, _)| *score > 2.0 * DARK_MARGIN as f32)
        .map(|(_, p)| p)
}

/// A projective map from module-grid coordinates to the picture's pixels.
struct Homography([f32; 9]);

impl Homography {
    /// The map taking each `from` point to its `to` point; `None` when
    /// three of them are on one line.
    fn between(from: [(f32, f32); 4], to: [Point; 4]) -> Option<Homography> {
        // h · (x, y, 1) ∝ (u, v, 1) with h[8] = 1: eight equations.
        let mut m = [[0.0f64; 9]; 8];
        for (i, ((x, y), p)) in from.into_iter().zip(to).enumerate() {
            let (x, y, u, v) = (f64::from(x), f64::from(y), f64::from(p.x), f64::from(p.y));
            m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        for col in 0..8 {
            let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
            m.swap(col, pivot);
            if m[col][col].abs() < 1e-9 {
                return None;
            }
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
        let mut h = [1.0f32; 9];
        for (i, hi) in h.iter_mut().take(8).enumerate() {
            *hi = (m[i][8] / m[i][i]) as f32;
        }
        Some(Homography(h))
    }

    fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        let h = &self.0;
        let w = h[6] * x + h[7] * y + h[8];
        (
            (h[0] * x + h[1] * y + h[2]) / w,
            (h[3] * x + h[4] * y + h[5]) / w,
        )
    }
}

/// Window, in modules either side, of the local mean each module is
/// compared with: light falls off across a code too.
const MODULE_WINDOW: usize = 4;

/// Samples each module's centre (bilinear), calls it dark below the mean of
/// the modules around it, and decodes.
fn sample_and_decode(image: &Luma<'_>, map: &Homography, size: usize) -> Option<String> {
    let (w, h) = (image.width, image.height);
    let mut samples = vec![0.0f32; size * size];
    for y in 0..size {
        for x in 0..size {
            let (u, v) = map.apply(x as f32 + 0.5, y as f32 + 0.5);
            // Half a pixel: pixel centres are at +0.5.
            let (u, v) = (u - 0.5, v - 0.5);
            if !(u >= 0.0 && v >= 0.0 && u < (w - 1) as f32 && v < (h - 1) as f32) {
                return None;
            }
            let (x0, y0) = (u as usize, v as usize);
            let (fx, fy) = (u - x0 as f32, v - y0 as f32);
            let p = |xx: usize, yy: usize| f32::from(image.pixels[yy * w + xx]);
            let top = p(x0, y0) * (1.0 - fx) + p(x0 + 1, y0) * fx;
            let bottom = p(x0, y0 + 1) * (1.0 - fx) + p(x0 + 1, y0 + 1) * fx;
            samples[y * size + x] = top * (1.0 - fy) + bottom * fy;
        }
    }
    // Integral of the samples, a row and a column of zeros in front.
    let stride = size + 1;
    let mut sums = vec![0.0f32; stride * stride];
    for y in 0..size {
        let mut row = 0.0;
        for x in 0..size {
            row += samples[y * size + x];
            sums[(y + 1) * stride + x + 1] = sums[y * stride + x + 1] + row;
        }
    }
    let dark = |x: usize, y: usize| {
        let (a, b) = (
            x.saturating_sub(MODULE_WINDOW),
            (x + MODULE_WINDOW + 1).min(size),
        );
        let (c, d) = (
            y.saturating_sub(MODULE_WINDOW),
            (y + MODULE_WINDOW + 1).min(size),
        );
        let total = sums[d * stride + b] + sums[c * stride + a]
            - sums[c * stride + b]
            - sums[d * stride + a];
        let mean = total / ((b - a) * (d - c)) as f32;
        samples[y * size + x] < mean
    };
    let grid = rqrr::Grid::new(rqrr::SimpleGrid::from_func(size, dark));
    grid.decode().ok().map(|(_, text)| text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dark_against_the_window_is_below_its_whole_mean_by_the_margin() {
        for n in [1, 3, 161] {
            for sum in 0..=255 * n {
                for p in 0..=255u8 {
                    let by_division = u32::from(p) + DARK_MARGIN < sum / n;
                    assert_eq!(is_dark_against(p, sum, n), by_division, "{p} {sum} {n}");
                }
            }
        }
    }

    #[test]
    fn finder_runs_allow_half_a_module_either_way() {
        assert!(is_finder_runs(&[4, 4, 12, 4, 4]));
        assert!(is_finder_runs(&[5, 3, 13, 4, 4]));
        assert!(!is_finder_runs(&[4, 4, 4, 4, 4]));
        assert!(!is_finder_runs(&[4, 0, 12, 4, 4]));
    }

    #[test]
    fn a_homography_maps_its_four_points() {
        let to = [
            Point { x: 10.0, y: 20.0 },
            Point { x: 200.0, y: 30.0 },
            Point { x: 15.0, y: 180.0 },
            Point { x: 230.0, y: 240.0 },
        ];
        let from = [(3.5, 3.5), (53.5, 3.5), (3.5, 53.5), (50.5, 50.5)];
        let map = Homography::between(from, to).unwrap();
        for ((x, y), p) in from.into_iter().zip(to) {
            let (u, v) = map.apply(x, y);
            assert!(
                (u - p.x).abs() < 0.01 && (v - p.y).abs() < 0.01,
                "{u},{v} vs {p:?}"
            );
        }
    }

    #[test]
    fn an_empty_or_short_picture_has_no_code() {
        assert_eq!(
            read(&Luma {
                width: 0,
                height: 0,
                pixels: &[]
            }),
            None
        );
        assert_eq!(
            read(&Luma {
                width: 10,
                height: 10,
                pixels: &[0; 50]
            }),
            None
        );
        assert_eq!(
            read(&Luma {
                width: 64,
                height: 64,
                pixels: &[200; 64 * 64]
            }),
            None
        );
    }
}
