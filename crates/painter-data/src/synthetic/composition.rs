//! A painter's composition: where the horizon lies, how many masses stand in the picture, how big,
//! and how they are placed; and the underpainting that lays it in.

use super::canvas::{lerp, value_noise, Canvas, Paint};
use super::palette::Palette;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// How a painter places the masses of a picture.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Layout {
    /// One mass near the centre, the others close around it.
    Central,
    /// On the points that divide the picture in thirds.
    Thirds,
    /// In pairs mirrored about the vertical axis (each mass is painted twice).
    Mirrored,
    /// Anywhere.
    Scattered,
    /// Along a diagonal, from one lower corner up to the opposite upper one.
    Diagonal,
}

/// A painter's habits of composition; every painting draws its own values within them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Composition {
    /// The horizon's height, as a fraction of the side from the top (low, high).
    pub(crate) horizon: (f32, f32),
    /// The largest slope of the horizon.
    pub(crate) tilt: f32,
    /// How many masses (at least, at most).
    pub(crate) masses: (usize, usize),
    /// A mass's radius as a fraction of the side (smallest, largest).
    pub(crate) mass_radius: (f32, f32),
    /// Where the masses stand.
    pub(crate) layout: Layout,
}

/// A value drawn uniformly from `[lo, hi)` (or `lo` when the range is empty).
pub(crate) fn uniform(rng: &mut ChaCha8Rng, (lo, hi): (f32, f32)) -> f32 {
    if hi > lo {
        rng.random_range(lo..hi)
    } else {
        lo
    }
}

impl Composition {
    /// Lays in a painting: sky and ground in two palette colours meeting at a soft horizon, broad
    /// tonal unevenness, and the masses as soft-edged patches of palette colours.
    pub(crate) fn underpaint(
        &self,
        palette: &Palette,
        rng: &mut ChaCha8Rng,
        key: u64,
        canvas: &mut Canvas,
    ) {
        let s = canvas.w as f32;
        let sky = palette.pick(rng);
        let ground = palette.pick(rng);
        let horizon = uniform(rng, self.horizon) * s;
        let tilt = uniform(rng, (-self.tilt, self.tilt));
        canvas.map(|x, y, _| {
            let (xf, yf) = (x as f32, y as f32);
            let hz = horizon + tilt * (xf - s / 2.0);
            let t = ((yf - hz) / (0.08 * s) + 0.5).clamp(0.0, 1.0);
            let n = value_noise(key ^ 0xA5, xf, yf, 0.2 * s) * 14.0;
            lerp(sky, ground, t).map(|v| v + n)
        });
        let count = rng.random_range(self.masses.0..=self.masses.1.max(self.masses.0));
        for k in 0..count {
            let (cx, cy) = self.place(k, rng);
            let r = uniform(rng, self.mass_radius) * s;
            let paint = Paint {
                color: palette.pick(rng),
                alpha: 0.85,
                soft: 0.5 * r,
                bristle: 0.0,
                key: 0,
                square_ends: false,
            };
            canvas.stroke(&[(cx * s, cy * s)], 2.0 * r, &paint);
            if matches!(self.layout, Layout::Mirrored) {
                canvas.stroke(&[((1.0 - cx) * s, cy * s)], 2.0 * r, &paint);
            }
        }
    }

    /// The centre of mass `k`, as fractions of the side.
    fn place(&self, k: usize, rng: &mut ChaCha8Rng) -> (f32, f32) {
        let near = |rng: &mut ChaCha8Rng, (x, y): (f32, f32), spread: f32| {
            (
                x + uniform(rng, (-spread, spread)),
                y + uniform(rng, (-spread, spread)),
            )
        };
        match self.layout {
            Layout::Central => near(rng, (0.5, 0.55), if k == 0 { 0.05 } else { 0.2 }),
            Layout::Thirds => {
                let third = |i: bool| if i { 2.0 / 3.0 } else { 1.0 / 3.0 };
                let at = (third(rng.random_bool(0.5)), third(rng.random_bool(0.5)));
                near(rng, at, 0.05)
            }
            // Each mass is painted again mirrored (see `underpaint`).
            Layout::Mirrored => (uniform(rng, (0.12, 0.4)), uniform(rng, (0.3, 0.75))),
            Layout::Scattered => (uniform(rng, (0.1, 0.9)), uniform(rng, (0.1, 0.9))),
            Layout::Diagonal => {
                let t = uniform(rng, (0.1, 0.9));
                near(rng, (t, 1.0 - t), 0.06)
            }
        }
    }
}
