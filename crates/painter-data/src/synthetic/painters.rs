//! The eight built-in painters: each one's name, composition, hand and surface (described in the
//! [module docs](super)).

use super::composition::{Composition, Layout};
use super::hand::{Direction, Hand, Surface};
use std::f32::consts::PI;

/// One built-in painter.
pub(crate) struct Painter {
    /// The painter's name (the class name).
    pub(crate) name: &'static str,
    /// How the painter composes a picture.
    pub(crate) composition: Composition,
    /// The painter's marks.
    pub(crate) hand: Hand,
    /// The surface the painter's paint leaves.
    pub(crate) surface: Surface,
}

/// A hand's defaults, for the tables below to override: straight, hard-edged, opaque marks of
/// the colour beneath pulled halfway to a palette colour, in every direction.
const HAND: Hand = Hand {
    density: 100.0,
    length: (0.0, 0.0),
    width: (0.03, 0.03),
    segments: 1,
    curvature: 0.0,
    direction: Direction::Random,
    softness: 0.0,
    opacity: (0.85, 0.95),
    bristle: 0.0,
    pull: 0.5,
    tonal: 0.0,
    cross: 0.0,
    square_ends: false,
};

/// A surface's defaults: a faint grain and nothing else.
const SURFACE: Surface = Surface {
    grain: 3.0,
    relief: 0.0,
    relief_cell: 0.04,
    blooms: 0.0,
};

/// A composition: horizon range, tilt, number of masses, mass radius, layout.
const fn composition(
    horizon: (f32, f32),
    tilt: f32,
    masses: (usize, usize),
    mass_radius: (f32, f32),
    layout: Layout,
) -> Composition {
    Composition {
        horizon,
        tilt,
        masses,
        mass_radius,
        layout,
    }
}

/// The built-in painters, in label order (the [module docs](super) describe each one's hand).
#[rustfmt::skip]
pub(crate) const PAINTERS: [Painter; 8] = [
    Painter {
        name: "synthetic-impasto",
        composition: composition((0.55, 0.72), 0.1, (1, 2), (0.15, 0.25), Layout::Central),
        hand: Hand { density: 300.0, length: (0.05, 0.1), width: (0.035, 0.055), bristle: 1.0,
            pull: 0.4, ..HAND },
        surface: Surface { grain: 6.0, relief: 12.0, relief_cell: 0.03, ..SURFACE },
    },
    Painter {
        name: "synthetic-pointillist",
        composition: composition((0.4, 0.6), 0.05, (2, 3), (0.1, 0.18), Layout::Thirds),
        hand: Hand { density: 1400.0, width: (0.03, 0.05), opacity: (0.9, 1.0), pull: 0.7, ..HAND },
        surface: SURFACE,
    },
    Painter {
        name: "synthetic-watercolor",
        composition: composition((0.25, 0.42), 0.05, (1, 3), (0.1, 0.22), Layout::Scattered),
        hand: Hand { density: 40.0, length: (0.12, 0.3), width: (0.1, 0.2), segments: 3,
            curvature: 0.2, direction: Direction::Fixed { angle: 0.0, spread: 0.5 },
            softness: 0.6, opacity: (0.2, 0.4), pull: 0.7, ..HAND },
        surface: Surface { grain: 2.0, blooms: 12.0, ..SURFACE },
    },
    Painter {
        name: "synthetic-hatching",
        composition: composition((0.45, 0.6), 0.0, (1, 2), (0.1, 0.2), Layout::Mirrored),
        hand: Hand { density: 900.0, length: (0.06, 0.12), width: (0.012, 0.02),
            direction: Direction::Fixed { angle: PI / 4.0, spread: 0.08 }, opacity: (0.6, 0.9),
            tonal: 0.6, cross: 0.5, ..HAND },
        surface: Surface { grain: 4.0, ..SURFACE },
    },
    Painter {
        name: "synthetic-swirl",
        composition: composition((0.35, 0.6), 0.15, (1, 3), (0.08, 0.18), Layout::Scattered),
        hand: Hand { density: 160.0, length: (0.14, 0.26), width: (0.016, 0.028), segments: 6,
            curvature: 0.05, direction: Direction::Vortex, softness: 0.2, bristle: 0.6,
            pull: 0.45, ..HAND },
        surface: Surface { grain: 5.0, relief: 6.0, relief_cell: 0.05, ..SURFACE },
    },
    Painter {
        name: "synthetic-contour",
        composition: composition((0.3, 0.5), 0.1, (2, 4), (0.08, 0.16), Layout::Diagonal),
        hand: Hand { density: 220.0, length: (0.06, 0.12), width: (0.022, 0.035), segments: 3,
            direction: Direction::Contour, softness: 0.1, bristle: 0.8, pull: 0.4, ..HAND },
        surface: Surface { grain: 5.0, relief: 8.0, ..SURFACE },
    },
    Painter {
        name: "synthetic-feathery",
        composition: composition((0.2, 0.4), 0.05, (1, 2), (0.12, 0.2), Layout::Thirds),
        hand: Hand { density: 380.0, length: (0.03, 0.06), width: (0.02, 0.035), segments: 3,
            curvature: 0.35, direction: Direction::Fixed { angle: -0.3, spread: 0.6 },
            softness: 0.5, opacity: (0.5, 0.75), bristle: 0.2, pull: 0.55, ..HAND },
        surface: Surface { blooms: 4.0, ..SURFACE },
    },
    Painter {
        name: "synthetic-faceted",
        composition: composition((0.45, 0.65), 0.0, (2, 3), (0.1, 0.2), Layout::Central),
        hand: Hand { density: 70.0, length: (0.08, 0.16), width: (0.05, 0.09),
            direction: Direction::Facets, opacity: (0.8, 0.92), square_ends: true, ..HAND },
        surface: SURFACE,
    },
];
