//! Uniform local binary patterns (Ojala, Pietikäinen and Mäenpää): each pixel compares `P`
//! neighbours on a circle of radius `R` (bilinearly interpolated, zero outside the image) with its
//! own value; a pattern with at most two 0/1 changes is coded by its number of ones (`0..=P`), any
//! other by `P + 1`. The descriptor is the normalized histogram of the `P + 2` codes at each scale.
//! Codes are scikit-image's `local_binary_pattern(image, P, R, method="uniform")` on the grey
//! levels scaled to `0..=255`.

use crate::error::{check_count, check_value, invalid, Result};
use crate::grey::GreyImage;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// One LBP scale: `points` neighbours on a circle of `radius` pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LbpScale {
    /// Neighbours on the circle: 2..=64.
    pub points: usize,
    /// The circle's radius in pixels: `(0, 32]`.
    pub radius: f64,
}

/// The LBP descriptor's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LbpConfig {
    /// The scales (default `(8, 1)`, `(16, 2)`, `(24, 3)`).
    pub scales: Vec<LbpScale>,
}

impl Default for LbpConfig {
    fn default() -> Self {
        Self {
            scales: [(8, 1.0), (16, 2.0), (24, 3.0)]
                .into_iter()
                .map(|(points, radius)| LbpScale { points, radius })
                .collect(),
        }
    }
}

impl LbpConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        if self.scales.is_empty() {
            return Err(invalid("lbp.scales", "give at least one scale"));
        }
        self.scales.iter().try_for_each(|s| {
            check_count("lbp.scales.points", s.points, 2..=64)?;
            check_value("lbp.scales.radius", s.radius, 0.0, 32.0)
        })
    }

    /// The number of values: `points + 2` per scale.
    pub fn len(&self) -> usize {
        self.scales.iter().map(|s| s.points + 2).sum()
    }

    /// Whether there is no scale (never, once validated).
    pub fn is_empty(&self) -> bool {
        self.scales.is_empty()
    }
}

/// The uniform LBP code (`0..=points + 1`) of every pixel of `plane`, row-major.
pub fn uniform_lbp_codes(plane: &GreyImage, points: usize, radius: f64) -> Vec<u8> {
    // Neighbour offsets, rounded to 5 decimals as scikit-image does (so that R * sin(pi) is 0).
    let round5 = |v: f64| (v * 1e5).round() / 1e5;
    let offsets: Vec<(f64, f64)> = (0..points)
        .map(|i| {
            let angle = 2.0 * PI * i as f64 / points as f64;
            (round5(-radius * angle.sin()), round5(radius * angle.cos()))
        })
        .collect();
    let mut signs = vec![false; points];
    let mut codes = Vec::with_capacity(plane.values().len());
    for r in 0..plane.height() {
        for c in 0..plane.width() {
            let centre = plane.values()[r * plane.width() + c];
            for (s, &(dr, dc)) in signs.iter_mut().zip(&offsets) {
                *s = bilinear(plane, r as f64 + dr, c as f64 + dc) - centre >= 0.0;
            }
            let changes = signs.windows(2).filter(|w| w[0] != w[1]).count();
            let code = if changes <= 2 {
                signs.iter().filter(|&&s| s).count()
            } else {
                points + 1
            };
            codes.push(code as u8);
        }
    }
    codes
}

/// Bilinear interpolation at `(r, c)`, zero outside the plane (scikit-image's, mode `C`).
fn bilinear(plane: &GreyImage, r: f64, c: f64) -> f64 {
    let (minr, minc) = (r.floor(), c.floor());
    let (maxr, maxc) = (r.ceil(), c.ceil());
    let (dr, dc) = (r - minr, c - minc);
    let at = |row: f64, col: f64| plane.or_zero(row as isize, col as isize);
    let top = (1.0 - dc) * at(minr, minc) + dc * at(minr, maxc);
    let bottom = (1.0 - dc) * at(maxr, minc) + dc * at(maxr, maxc);
    (1.0 - dr) * top + dr * bottom
}

/// The normalized histograms of uniform LBP codes at every scale of `config`, concatenated
/// (`config.len()` values; zeros for an empty image).
pub fn lbp_histograms(grey: &GreyImage, config: &LbpConfig) -> Vec<f64> {
    let scaled = GreyImage::from_values(
        grey.width(),
        grey.height(),
        grey.values().iter().map(|v| v * 255.0).collect(),
    )
    .unwrap_or_else(|| grey.clone());
    let total = grey.values().len();
    config
        .scales
        .iter()
        .flat_map(|s| {
            let mut counts = vec![0usize; s.points + 2];
            for code in uniform_lbp_codes(&scaled, s.points, s.radius) {
                if let Some(n) = counts.get_mut(usize::from(code)) {
                    *n += 1;
                }
            }
            counts.into_iter().map(move |n| {
                if total == 0 {
                    0.0
                } else {
                    n as f64 / total as f64
                }
            })
        })
        .collect()
}
