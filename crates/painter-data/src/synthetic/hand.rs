//! A painter's hand: the marks a painter makes (their length, width, curvature, direction, edge,
//! opacity, bristle texture, how pure their colour is) and the surface the paint leaves (grain,
//! impasto relief, blooms). Every painting draws its own values within the painter's habits.

use super::canvas::{hash_noise, lerp, value_noise, Canvas, Color, Paint};
use super::painting::Painting;
use rand::Rng;
use std::f32::consts::PI;

/// How a painter's strokes are directed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Direction {
    /// Every stroke its own way.
    Random,
    /// Near one angle (radians, 0 = to the right, growing clockwise on the image), each stroke
    /// within `spread` of the painting's angle, which is within 0.15 of the painter's.
    Fixed {
        /// The painter's angle.
        angle: f32,
        /// How far a stroke strays from it.
        spread: f32,
    },
    /// Around one to three vortices, each stroke turning with the flow as it goes.
    Vortex,
    /// Along the contours of the underpainting (across its tonal gradient), turning with them.
    Contour,
    /// Along one of a few directions (2 to 4) drawn for each painting: flat, faceted planes.
    Facets,
}

/// A painter's marks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hand {
    /// Marks per 128 x 128 pixels.
    pub(crate) density: f32,
    /// A mark's length, as a fraction of the side (0: round dabs).
    pub(crate) length: (f32, f32),
    /// A mark's width, as a fraction of the side.
    pub(crate) width: (f32, f32),
    /// Segments per mark (more: smoother curves).
    pub(crate) segments: usize,
    /// How much a mark turns along its length, in radians per segment.
    pub(crate) curvature: f32,
    /// How marks are directed.
    pub(crate) direction: Direction,
    /// How soft a mark's edge is, as a fraction of its width (0: hard).
    pub(crate) softness: f32,
    /// A mark's opacity (lowest, highest).
    pub(crate) opacity: (f32, f32),
    /// The strength of the bristle lines in a mark (0: flat paint).
    pub(crate) bristle: f32,
    /// How far a mark's colour moves from the colour beneath it towards a palette colour
    /// (1: pure palette colour).
    pub(crate) pull: f32,
    /// How strongly marks follow the tones: the share of marks left out in the lightest passages.
    pub(crate) tonal: f32,
    /// The chance that a mark in a dark passage crosses the others at a right angle.
    pub(crate) cross: f32,
    /// Whether marks end square (flat planes) rather than round.
    pub(crate) square_ends: bool,
}

/// The surface the paint leaves.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Surface {
    /// Pixel-scale grain of the ground (canvas weave, paper): how far, in grey levels, one
    /// pixel may stray from its neighbours.
    pub(crate) grain: f32,
    /// Impasto relief: smooth noise at the scale of the strokes (light catching on ridges of
    /// paint), in grey levels.
    pub(crate) relief: f32,
    /// The relief's scale, as a fraction of the side.
    pub(crate) relief_cell: f32,
    /// Broad blooms where wet paint pooled, in grey levels.
    pub(crate) blooms: f32,
}

/// The luminance of a colour, in `[0, 1]`.
fn luminance(c: Color) -> f32 {
    ((0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) / 255.0).clamp(0.0, 1.0)
}

/// The direction field of one painting.
enum Field {
    Random,
    Fixed { angle: f32, spread: f32 },
    Vortex(Vec<((f32, f32), f32)>),
    Contour { fallback: f32 },
    Facets(Vec<f32>),
}

impl Field {
    fn draw(direction: Direction, painting: &mut Painting) -> Self {
        let s = painting.side();
        match direction {
            Direction::Random => Field::Random,
            Direction::Fixed { angle, spread } => Field::Fixed {
                angle: angle + painting.uniform((-0.15, 0.15)),
                spread,
            },
            Direction::Vortex => {
                let n = painting.rng.random_range(1..=3);
                Field::Vortex(
                    (0..n)
                        .map(|_| {
                            let c = (painting.uniform((0.0, s)), painting.uniform((0.0, s)));
                            (
                                c,
                                if painting.rng.random_bool(0.5) {
                                    1.0
                                } else {
                                    -1.0
                                },
                            )
                        })
                        .collect(),
                )
            }
            Direction::Contour => Field::Contour {
                fallback: painting.uniform((-0.3, 0.3)),
            },
            Direction::Facets => {
                let n = painting.rng.random_range(2..=4);
                Field::Facets((0..n).map(|_| painting.uniform((0.0, PI))).collect())
            }
        }
    }

    /// The angle of a stroke starting at `p`.
    fn start(&self, p: (f32, f32), reference: &Canvas, painting: &mut Painting) -> f32 {
        match self {
            Field::Random => painting.uniform((0.0, 2.0 * PI)),
            Field::Fixed { angle, spread } => angle + painting.uniform((-*spread, *spread)),
            Field::Facets(angles) => angles[painting.rng.random_range(0..angles.len())],
            Field::Vortex(_) | Field::Contour { .. } => self.follow(p, reference).unwrap_or(0.0),
        }
    }

    /// The field's angle at `p`, for the fields that strokes follow as they go.
    fn follow(&self, p: (f32, f32), reference: &Canvas) -> Option<f32> {
        match self {
            Field::Vortex(centres) => {
                let s = reference.w as f32;
                let (mut vx, mut vy) = (0.0f32, 0.0f32);
                for &((cx, cy), spin) in centres {
                    let (dx, dy) = (p.0 - cx, p.1 - cy);
                    let d2 = dx * dx + dy * dy + 0.01 * s * s;
                    vx += -dy * spin / d2;
                    vy += dx * spin / d2;
                }
                Some(vy.atan2(vx))
            }
            Field::Contour { fallback } => {
                let h = 2.0;
                let l = |x: f32, y: f32| luminance(reference.sample(x, y));
                let gx = l(p.0 + h, p.1) - l(p.0 - h, p.1);
                let gy = l(p.0, p.1 + h) - l(p.0, p.1 - h);
                // Along the contour: perpendicular to the gradient; flat passages go the
                // painting's way.
                Some(if gx.abs() + gy.abs() < 0.01 {
                    *fallback
                } else {
                    gy.atan2(gx) + PI / 2.0
                })
            }
            _ => None,
        }
    }
}

impl Hand {
    /// Paints the marks of one painting over its underpainting.
    pub(crate) fn paint(&self, painting: &mut Painting) {
        let s = painting.side();
        let reference = painting.canvas.clone();
        let field = Field::draw(self.direction, painting);
        // This painting's habits: a little larger or smaller, denser or sparser than usual.
        let scale = painting.uniform((0.8, 1.25));
        let density = painting.uniform((0.8, 1.25));
        let marks = ((self.density * density * (s / 128.0).powi(2)).round() as usize).max(1);
        let segments = self.segments.max(1);
        let mut path = Vec::with_capacity(segments + 1);
        for i in 0..marks {
            let p = (painting.uniform((0.0, s)), painting.uniform((0.0, s)));
            let beneath = reference.sample(p.0, p.1);
            let light = luminance(beneath);
            if self.tonal > 0.0 && painting.rng.random::<f32>() < self.tonal * light {
                continue;
            }
            let length = painting.uniform(self.length) * scale * s;
            let width = (painting.uniform(self.width) * scale * s).max(0.8);
            let mut angle = field.start(p, &reference, painting);
            if self.cross > 0.0 && light < 0.45 && painting.rng.random::<f32>() < self.cross {
                angle += PI / 2.0;
            }
            let bend = self.curvature
                * if painting.rng.random_bool(0.5) {
                    1.0
                } else {
                    -1.0
                };
            path.clear();
            path.push(p);
            if length > 0.0 {
                let step = length / segments as f32;
                let mut at = p;
                for k in 0..segments {
                    if k > 0 {
                        angle = match field.follow(at, &reference) {
                            Some(a) => a + bend,
                            None => angle + bend,
                        };
                    }
                    at = (at.0 + angle.cos() * step, at.1 + angle.sin() * step);
                    path.push(at);
                }
            }
            let colour = painting.pick();
            let color = lerp(beneath, colour, self.pull)
                .map(|v| v + painting.rng.random_range(-10.0f32..=10.0));
            let paint = Paint {
                color,
                alpha: painting.uniform(self.opacity),
                soft: self.softness * width,
                bristle: self.bristle,
                key: painting.key ^ ((i as u64) << 8),
                square_ends: self.square_ends,
            };
            painting.canvas.stroke(&path, width, &paint);
        }
    }
}

impl Surface {
    /// Lays the surface over a finished painting (grey-level changes, the same on every channel).
    pub(crate) fn apply(&self, painting: &mut Painting) {
        let s = painting.side();
        let key = painting.key;
        let relief_cell = (self.relief_cell * s).max(1.0);
        painting.canvas.map(|x, y, c| {
            let (xf, yf) = (x as f32, y as f32);
            let n = hash_noise(key ^ 0x11, x as i64, y as i64) * self.grain
                + value_noise(key ^ 0x12, xf, yf, relief_cell) * self.relief
                + value_noise(key ^ 0x13, xf, yf, 0.12 * s) * self.blooms;
            c.map(|v| v + n)
        });
    }
}
