//! A tiny floating-point raster with the primitives the synthetic painters use: brush strokes
//! along polylines (round dabs, straight or curved strokes, hard or soft edges, bristle texture),
//! soft discs, and hash-based noise.

use image::RgbImage;

/// An RGB colour with components in `[0, 255]` (kept as `f32` while painting).
pub(crate) type Color = [f32; 3];

/// How a stroke lays down paint.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paint {
    /// The colour.
    pub(crate) color: Color,
    /// The opacity at the stroke's core, in `[0, 1]`.
    pub(crate) alpha: f32,
    /// The width, in pixels, over which the edge fades (1: hard, anti-aliased).
    pub(crate) soft: f32,
    /// The strength of the bristle texture (0: flat paint).
    pub(crate) bristle: f32,
    /// The key of the bristle noise.
    pub(crate) key: u64,
    /// Whether the stroke's two ends are cut square (else round, like its joints).
    pub(crate) square_ends: bool,
}

/// A `w x h` RGB canvas of `f32` values in `[0, 255]`.
#[derive(Clone)]
pub(crate) struct Canvas {
    pub(crate) w: usize,
    pub(crate) h: usize,
    px: Vec<Color>,
}

/// A 64-bit mixing function (SplitMix64 finalizer): a cheap, good hash for noise and seeding.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic value in `[-1, 1)` for integer coordinates and a key.
pub(crate) fn hash_noise(key: u64, x: i64, y: i64) -> f32 {
    let h = mix64(key ^ mix64((x as u64).wrapping_mul(0x1000_0000_01B3) ^ ((y as u64) << 32)));
    ((h >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
}

/// Smooth value noise in `[-1, 1]` at scale `cell` pixels.
pub(crate) fn value_noise(key: u64, x: f32, y: f32, cell: f32) -> f32 {
    let (fx, fy) = (x / cell, y / cell);
    let (x0, y0) = (fx.floor(), fy.floor());
    let (tx, ty) = (fx - x0, fy - y0);
    let (sx, sy) = (tx * tx * (3.0 - 2.0 * tx), ty * ty * (3.0 - 2.0 * ty));
    let (ix, iy) = (x0 as i64, y0 as i64);
    let a = hash_noise(key, ix, iy);
    let b = hash_noise(key, ix + 1, iy);
    let c = hash_noise(key, ix, iy + 1);
    let d = hash_noise(key, ix + 1, iy + 1);
    let top = a + (b - a) * sx;
    let bot = c + (d - c) * sx;
    top + (bot - top) * sy
}

pub(crate) fn lerp(a: Color, b: Color, t: f32) -> Color {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

impl Canvas {
    pub(crate) fn new(w: usize, h: usize, fill: Color) -> Self {
        Self {
            w,
            h,
            px: vec![fill; w * h],
        }
    }

    /// The colour at the nearest pixel to `(x, y)` (clamped to the canvas).
    pub(crate) fn sample(&self, x: f32, y: f32) -> Color {
        let xi = (x.max(0.0) as usize).min(self.w.saturating_sub(1));
        let yi = (y.max(0.0) as usize).min(self.h.saturating_sub(1));
        self.px.get(yi * self.w + xi).copied().unwrap_or([0.0; 3])
    }

    #[inline]
    fn blend(&mut self, x: usize, y: usize, c: Color, a: f32) {
        if let Some(p) = self.px.get_mut(y * self.w + x) {
            *p = lerp(*p, c, a.clamp(0.0, 1.0));
        }
    }

    /// Applies `f(x, y, colour) -> colour` to every pixel.
    pub(crate) fn map(&mut self, mut f: impl FnMut(usize, usize, Color) -> Color) {
        let w = self.w;
        for (i, p) in self.px.iter_mut().enumerate() {
            *p = f(i % w, i / w, *p);
        }
    }

    /// The integer bounding box `[x0, x1) x [y0, y1)` of a float box, clipped to the canvas.
    fn clip(&self, x0: f32, y0: f32, x1: f32, y1: f32) -> Option<(usize, usize, usize, usize)> {
        let xa = x0.floor().max(0.0) as usize;
        let ya = y0.floor().max(0.0) as usize;
        let xb = (x1.ceil().max(0.0) as usize).min(self.w);
        let yb = (y1.ceil().max(0.0) as usize).min(self.h);
        (xa < xb && ya < yb).then_some((xa, ya, xb, yb))
    }

    /// A brush stroke along the polyline `path` (one point: a round dab), painted in one pass so
    /// that its overlapping segments do not darken each other.
    ///
    /// Each pixel's coverage falls from 1 to 0 over `paint.soft` pixels across the stroke's edge
    /// (1: an anti-aliased hard edge). With `paint.bristle > 0` the paint shows bristle lines that
    /// run along the stroke and thins out towards its end.
    pub(crate) fn stroke(&mut self, path: &[(f32, f32)], width: f32, paint: &Paint) {
        let Some(&first) = path.first() else {
            return;
        };
        let r = (width * 0.5).max(0.5);
        let soft = paint.soft.max(1.0);
        let reach = r + soft;
        let (mut x0, mut y0, mut x1, mut y1) = (first.0, first.1, first.0, first.1);
        for &(x, y) in path {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        let Some((xa, ya, xb, yb)) = self.clip(x0 - reach, y0 - reach, x1 + reach, y1 + reach)
        else {
            return;
        };
        // Segments (a single point is a segment of length zero), with the path length before each.
        let mut segments = Vec::with_capacity(path.len());
        let mut travelled = 0.0f32;
        for (k, &a) in path.iter().enumerate() {
            let b = path.get(k + 1).copied().unwrap_or(a);
            if k + 1 < path.len() || path.len() == 1 {
                let (dx, dy) = (b.0 - a.0, b.1 - a.1);
                let len = (dx * dx + dy * dy).sqrt();
                segments.push((a, (dx, dy), len, travelled));
                travelled += len;
            }
        }
        let total = travelled.max(1e-6);
        for y in ya..yb {
            for x in xa..xb {
                let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                // The nearest segment: distance, offset across it, and how far along the path.
                let mut best = (f32::MAX, 0.0f32, 0.0f32);
                let last = segments.len() - 1;
                for (k, &(a, (dx, dy), len, before)) in segments.iter().enumerate() {
                    let (ax, ay) = (px - a.0, py - a.1);
                    let raw = if len > 0.0 {
                        (ax * dx + ay * dy) / (len * len)
                    } else {
                        0.0
                    };
                    let t = raw.clamp(0.0, 1.0);
                    let (ex, ey) = (ax - t * dx, ay - t * dy);
                    let mut d = (ex * ex + ey * ey).sqrt();
                    // Past a square end, the edge is the line through the end point.
                    let overshoot = if k == 0 { -raw } else { 0.0 }.max(if k == last {
                        raw - 1.0
                    } else {
                        0.0
                    });
                    if paint.square_ends && len > 0.0 && overshoot > 0.0 {
                        d = d.max(overshoot * len + r);
                    }
                    if d < best.0 {
                        let across = if len > 0.0 {
                            (ax * -dy + ay * dx) / len
                        } else {
                            ax
                        };
                        best = (d, across, (before + t * len) / total);
                    }
                }
                let (d, across, along) = best;
                let cover = ((r - d) / soft + 0.5).clamp(0.0, 1.0);
                if cover <= 0.0 {
                    continue;
                }
                let mut a = paint.alpha * cover;
                let mut c = paint.color;
                if paint.bristle > 0.0 {
                    let n = hash_noise(paint.key, (across * 1.7).round() as i64, 0);
                    let shade = 1.0 + paint.bristle * 0.35 * n;
                    c = [c[0] * shade, c[1] * shade, c[2] * shade];
                    a *= 1.0 - paint.bristle * 0.5 * along * (0.5 + 0.5 * n.abs());
                }
                self.blend(x, y, c, a);
            }
        }
    }

    /// Rounds to an 8-bit image.
    pub(crate) fn to_image(&self) -> RgbImage {
        let mut raw = Vec::with_capacity(self.w * self.h * 3);
        for p in &self.px {
            for c in p {
                raw.push(c.clamp(0.0, 255.0).round() as u8);
            }
        }
        RgbImage::from_raw(self.w as u32, self.h as u32, raw)
            .unwrap_or_else(|| RgbImage::new(self.w as u32, self.h as u32))
    }
}
