//! A painter's composition: where the horizon lies, how many masses stand in the picture, how big,
//! and how they are placed; and the underpainting that lays it in.

use super::canvas::{lerp, value_noise, Paint};
use super::painting::Painting;
use rand::Rng;

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

impl Composition {
    /// Lays in a painting: sky and ground in two palette colours meeting at a soft horizon, broad
    /// tonal unevenness, and the masses as soft-edged patches of palette colours.
    pub(crate) fn underpaint(&self, painting: &mut Painting) {
        let s = painting.side();
        let key = painting.key;
        let sky = painting.pick();
        let ground = painting.pick();
        let horizon = painting.uniform(self.horizon) * s;
        let tilt = painting.uniform((-self.tilt, self.tilt));
        painting.canvas.map(|x, y, _| {
            let (xf, yf) = (x as f32, y as f32);
            let hz = horizon + tilt * (xf - s / 2.0);
            let t = ((yf - hz) / (0.08 * s) + 0.5).clamp(0.0, 1.0);
            let n = value_noise(key ^ 0xA5, xf, yf, 0.2 * s) * 14.0;
            lerp(sky, ground, t).map(|v| v + n)
        });
        let count = painting
            .rng
            .random_range(self.masses.0..=self.masses.1.max(self.masses.0));
        for k in 0..count {
            let (cx, cy) = self.place(k, painting);
            let r = painting.uniform(self.mass_radius) * s;
            let paint = Paint {
                color: painting.pick(),
                alpha: 0.85,
                soft: 0.5 * r,
                bristle: 0.0,
                key: 0,
                square_ends: false,
            };
            painting.canvas.stroke(&[(cx * s, cy * s)], 2.0 * r, &paint);
            if matches!(self.layout, Layout::Mirrored) {
                painting
                    .canvas
                    .stroke(&[((1.0 - cx) * s, cy * s)], 2.0 * r, &paint);
            }
        }
    }

    /// The centre of mass `k`, as fractions of the side.
    fn place(&self, k: usize, painting: &mut Painting) -> (f32, f32) {
        let near = |painting: &mut Painting, (x, y): (f32, f32), spread: f32| {
            (
                x + painting.uniform((-spread, spread)),
                y + painting.uniform((-spread, spread)),
            )
        };
        match self.layout {
            Layout::Central => near(painting, (0.5, 0.55), if k == 0 { 0.05 } else { 0.2 }),
            Layout::Thirds => {
                let third = |i: bool| if i { 2.0 / 3.0 } else { 1.0 / 3.0 };
                let at = (
                    third(painting.rng.random_bool(0.5)),
                    third(painting.rng.random_bool(0.5)),
                );
                near(painting, at, 0.05)
            }
            // Each mass is painted again mirrored (see `underpaint`).
            Layout::Mirrored => (painting.uniform((0.12, 0.4)), painting.uniform((0.3, 0.75))),
            Layout::Scattered => (painting.uniform((0.1, 0.9)), painting.uniform((0.1, 0.9))),
            Layout::Diagonal => {
                let t = painting.uniform((0.1, 0.9));
                near(painting, (t, 1.0 - t), 0.06)
            }
        }
    }
}
