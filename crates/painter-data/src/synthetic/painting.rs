//! One painting in progress: its canvas, its palette, its random stream and its noise key, which
//! every layer (composition, hand, surface) paints with in turn.

use super::canvas::Canvas;
use super::palette::Palette;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A painting in progress.
pub(crate) struct Painting {
    /// The paint so far.
    pub(crate) canvas: Canvas,
    /// The painting's colours.
    pub(crate) palette: Palette,
    /// The painting's random stream.
    pub(crate) rng: ChaCha8Rng,
    /// The key of the painting's noise.
    pub(crate) key: u64,
}

impl Painting {
    /// The canvas's side, in pixels.
    pub(crate) fn side(&self) -> f32 {
        self.canvas.w as f32
    }

    /// A value drawn uniformly from `[lo, hi)` (or `lo` when the range is empty).
    pub(crate) fn uniform(&mut self, (lo, hi): (f32, f32)) -> f32 {
        if hi > lo {
            self.rng.random_range(lo..hi)
        } else {
            lo
        }
    }

    /// One of the palette's colours, at random.
    pub(crate) fn pick(&mut self) -> super::canvas::Color {
        self.palette.pick(&mut self.rng)
    }
}
