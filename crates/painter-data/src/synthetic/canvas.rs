//! A tiny floating-point raster with the primitives the synthetic painters use: anti-aliased
//! brush strokes with bristle texture, soft discs, convex polygons, and hash-based noise.

use image::RgbImage;

/// An RGB colour with components in `[0, 255]` (kept as `f32` while painting).
pub(crate) type Color = [f32; 3];

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

    /// A straight brush stroke from `p0` to `p1` of the given `width`, with anti-aliased edges and a
    /// bristle texture of strength `bristle` (0: flat) keyed by `key`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn stroke(
        &mut self,
        p0: (f32, f32),
        p1: (f32, f32),
        width: f32,
        color: Color,
        alpha: f32,
        bristle: f32,
        key: u64,
    ) {
        let r = (width * 0.5).max(0.5);
        let (dx, dy) = (p1.0 - p0.0, p1.1 - p0.1);
        let len2 = (dx * dx + dy * dy).max(1e-6);
        let len = len2.sqrt();
        let (nx, ny) = (-dy / len, dx / len);
        let Some((xa, ya, xb, yb)) = self.clip(
            p0.0.min(p1.0) - r - 1.0,
            p0.1.min(p1.1) - r - 1.0,
            p0.0.max(p1.0) + r + 1.0,
            p0.1.max(p1.1) + r + 1.0,
        ) else {
            return;
        };
        for y in ya..yb {
            for x in xa..xb {
                let (px, py) = (x as f32 + 0.5 - p0.0, y as f32 + 0.5 - p0.1);
                let t = ((px * dx + py * dy) / len2).clamp(0.0, 1.0);
                let (ex, ey) = (px - t * dx, py - t * dy);
                let d = (ex * ex + ey * ey).sqrt();
                let cover = (r - d + 0.5).clamp(0.0, 1.0);
                if cover <= 0.0 {
                    continue;
                }
                let mut a = alpha * cover;
                let mut c = color;
                if bristle > 0.0 {
                    // Bristle lines run along the stroke: noise indexed by the perpendicular offset.
                    let across = px * nx + py * ny;
                    let n = hash_noise(key, (across * 1.7).round() as i64, 0);
                    let shade = 1.0 + bristle * 0.35 * n;
                    c = [c[0] * shade, c[1] * shade, c[2] * shade];
                    // Paint thins out towards the end of the stroke.
                    a *= 1.0 - bristle * 0.5 * t * (0.5 + 0.5 * n.abs());
                }
                self.blend(x, y, c, a);
            }
        }
    }

    /// A disc of radius `r` whose edge fades over `soft` pixels.
    pub(crate) fn disc(&mut self, c: (f32, f32), r: f32, color: Color, alpha: f32, soft: f32) {
        let soft = soft.max(0.75);
        let Some((xa, ya, xb, yb)) = self.clip(
            c.0 - r - soft,
            c.1 - r - soft,
            c.0 + r + soft,
            c.1 + r + soft,
        ) else {
            return;
        };
        for y in ya..yb {
            for x in xa..xb {
                let (dx, dy) = (x as f32 + 0.5 - c.0, y as f32 + 0.5 - c.1);
                let d = (dx * dx + dy * dy).sqrt();
                let cover = ((r - d) / soft + 0.5).clamp(0.0, 1.0);
                if cover > 0.0 {
                    self.blend(x, y, color, alpha * cover);
                }
            }
        }
    }

    /// A filled convex polygon (vertices in either winding order), anti-aliased over one pixel.
    pub(crate) fn polygon(&mut self, pts: &[(f32, f32)], color: Color, alpha: f32) {
        if pts.len() < 3 {
            return;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for &(x, y) in pts {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        // Signed area gives the winding; edge distances are then positive inside.
        let mut area = 0.0;
        for i in 0..pts.len() {
            let (a, b) = (pts[i], pts[(i + 1) % pts.len()]);
            area += a.0 * b.1 - b.0 * a.1;
        }
        let sign = if area >= 0.0 { 1.0 } else { -1.0 };
        let Some((xa, ya, xb, yb)) = self.clip(x0, y0, x1, y1) else {
            return;
        };
        for y in ya..yb {
            for x in xa..xb {
                let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                let mut inside = f32::MAX;
                for i in 0..pts.len() {
                    let (a, b) = (pts[i], pts[(i + 1) % pts.len()]);
                    let (ex, ey) = (b.0 - a.0, b.1 - a.1);
                    let el = (ex * ex + ey * ey).sqrt().max(1e-6);
                    let d = sign * (ex * (py - a.1) - ey * (px - a.0)) / el;
                    inside = inside.min(d);
                }
                let cover = (inside + 0.5).clamp(0.0, 1.0);
                if cover > 0.0 {
                    self.blend(x, y, color, alpha * cover);
                }
            }
        }
    }

    /// An axis-aligned rectangle whose edges fade over `soft` pixels.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn soft_rect(
        &mut self,
        x0: f32,
        y0: f32,
        x1: f32,
        y1: f32,
        color: Color,
        alpha: f32,
        soft: f32,
    ) {
        let soft = soft.max(0.5);
        let Some((xa, ya, xb, yb)) = self.clip(x0 - soft, y0 - soft, x1 + soft, y1 + soft) else {
            return;
        };
        for y in ya..yb {
            for x in xa..xb {
                let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                let d = (px - x0).min(x1 - px).min(py - y0).min(y1 - py);
                let cover = (d / soft + 0.5).clamp(0.0, 1.0);
                if cover > 0.0 {
                    self.blend(x, y, color, alpha * cover);
                }
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
