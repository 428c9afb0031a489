//! The palette pool every synthetic painter draws from, and one painting's palette.
//!
//! All painters share one pool of pigments. Each painting draws its own few colours from it,
//! uniformly and whoever paints it, then shifts them slightly (mixing, light, varnish), so the
//! colours of a painting say almost nothing about its painter: two paintings by one painter share
//! no more colours, on average, than two paintings by different painters.

use super::canvas::Color;
use rand::seq::index::sample;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The shared pool: earths, reds, yellows, blues, greens, whites, greys and darks of a
/// nineteenth-century palette.
const POOL: [[u8; 3]; 24] = [
    [204, 153, 51],  // yellow ochre
    [138, 54, 15],   // burnt sienna
    [99, 81, 71],    // raw umber
    [236, 222, 186], // cream
    [60, 110, 200],  // cobalt blue
    [236, 196, 64],  // chrome yellow
    [214, 72, 44],   // vermilion
    [88, 98, 112],   // slate
    [128, 124, 62],  // olive
    [92, 170, 96],   // emerald
    [246, 244, 232], // lead white
    [168, 198, 226], // sky blue
    [228, 176, 188], // rose
    [196, 218, 176], // pale green
    [150, 140, 118], // stone
    [182, 160, 118], // sand
    [38, 58, 140],   // ultramarine
    [28, 36, 72],    // prussian blue
    [150, 32, 34],   // madder
    [232, 142, 62],  // orange
    [78, 22, 34],    // caput mortuum
    [62, 46, 32],    // van dyke brown
    [46, 84, 62],    // viridian
    [196, 208, 228], // pearl grey
];

/// The number of colours each painting draws from the pool.
const COLOURS_PER_PAINTING: usize = 5;

/// The colours of one painting.
pub(crate) struct Palette {
    colours: Vec<Color>,
}

impl Palette {
    /// Draws a painting's palette: [`COLOURS_PER_PAINTING`] distinct pool colours, each moved by
    /// up to +-14 per channel, all scaled by one brightness factor in `[0.9, 1.1]`.
    pub(crate) fn draw(rng: &mut ChaCha8Rng) -> Self {
        let gain = rng.random_range(0.9f32..1.1);
        let colours = sample(rng, POOL.len(), COLOURS_PER_PAINTING)
            .into_iter()
            .map(|i| POOL[i])
            .collect::<Vec<_>>()
            .into_iter()
            .map(|c| {
                c.map(|v| {
                    ((f32::from(v) + rng.random_range(-14.0f32..=14.0)) * gain).clamp(0.0, 255.0)
                })
            })
            .collect();
        Self { colours }
    }

    /// One of the colours, at random.
    pub(crate) fn pick(&self, rng: &mut ChaCha8Rng) -> Color {
        self.colours[rng.random_range(0..self.colours.len())]
    }
}
