//! Grey-level co-occurrence statistics (Haralick): the grey image quantized to `levels` levels;
//! for each distance `d`, the symmetric, normalized co-occurrence matrices of the pixel pairs at
//! offsets `(0, d)`, `(d, d)`, `(d, 0)` and `(d, -d)` (rows, columns: the four directions at
//! chessboard distance `d`); their contrast, homogeneity, energy and correlation, as scikit-image's
//! `graycoprops`, averaged over the four directions.

use crate::error::{check_count, invalid, Result};
use crate::grey::GreyImage;
use serde::{Deserialize, Serialize};

/// The co-occurrence descriptor's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GlcmConfig {
    /// Grey levels: 2..=256 (default 32).
    pub levels: usize,
    /// Pixel distances: each 1..=64 (default 1, 2, 4).
    pub distances: Vec<usize>,
}

impl Default for GlcmConfig {
    fn default() -> Self {
        Self {
            levels: 32,
            distances: vec![1, 2, 4],
        }
    }
}

impl GlcmConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        check_count("glcm.levels", self.levels, 2..=256)?;
        if self.distances.is_empty() {
            return Err(invalid("glcm.distances", "give at least one distance"));
        }
        self.distances
            .iter()
            .try_for_each(|&d| check_count("glcm.distances", d, 1..=64))
    }

    /// The number of values: 4 properties per distance.
    pub fn len(&self) -> usize {
        4 * self.distances.len()
    }

    /// Whether there is no distance (never, once validated).
    pub fn is_empty(&self) -> bool {
        self.distances.is_empty()
    }
}

/// The grey levels `0..levels` of a plane with values in `[0, 1]`: `min(floor(v * levels),
/// levels - 1)`.
pub fn quantize(grey: &GreyImage, levels: usize) -> Vec<u8> {
    grey.values()
        .iter()
        .map(|&v| ((v * levels as f64).floor().max(0.0) as usize).min(levels - 1) as u8)
        .collect()
}

/// The symmetric, normalized co-occurrence matrix (`levels x levels`, row-major) of the pixel
/// pairs `(r, c)`, `(r + dr, c + dc)` of a quantized `width x height` image; all zeros when no
/// pair fits.
pub fn co_occurrence(
    quantized: &[u8],
    width: usize,
    height: usize,
    levels: usize,
    (dr, dc): (isize, isize),
) -> Vec<f64> {
    let mut counts = vec![0u64; levels * levels];
    for r in 0..height as isize {
        for c in 0..width as isize {
            let (r2, c2) = (r + dr, c + dc);
            if r2 < 0 || c2 < 0 || r2 >= height as isize || c2 >= width as isize {
                continue;
            }
            let i = usize::from(quantized[r as usize * width + c as usize]);
            let j = usize::from(quantized[r2 as usize * width + c2 as usize]);
            if i < levels && j < levels {
                counts[i * levels + j] += 1;
                counts[j * levels + i] += 1;
            }
        }
    }
    let total: u64 = counts.iter().sum();
    let total = if total == 0 { 1.0 } else { total as f64 };
    counts.into_iter().map(|n| n as f64 / total).collect()
}

/// Haralick's properties of a normalized co-occurrence matrix, as scikit-image's `graycoprops`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlcmProperties {
    /// `sum P(i, j) (i - j)^2`.
    pub contrast: f64,
    /// `sum P(i, j) / (1 + (i - j)^2)`.
    pub homogeneity: f64,
    /// `sqrt(sum P(i, j)^2)`.
    pub energy: f64,
    /// `sum P(i, j) (i - mu_i)(j - mu_j) / (sigma_i sigma_j)`; 1 when either sigma is below 1e-15.
    pub correlation: f64,
}

impl GlcmProperties {
    /// The properties of `matrix` (`levels x levels`, normalized).
    pub fn of(matrix: &[f64], levels: usize) -> Self {
        let cell = |i: usize, j: usize| matrix[i * levels + j];
        let cells = || (0..levels).flat_map(|i| (0..levels).map(move |j| (i, j)));
        let (mut contrast, mut homogeneity, mut asm, mut mu_i, mut mu_j) =
            (0.0, 0.0, 0.0, 0.0, 0.0);
        for (i, j) in cells() {
            let p = cell(i, j);
            let d = i as f64 - j as f64;
            contrast += p * d * d;
            homogeneity += p / (1.0 + d * d);
            asm += p * p;
            mu_i += p * i as f64;
            mu_j += p * j as f64;
        }
        let (mut var_i, mut var_j, mut cov) = (0.0, 0.0, 0.0);
        for (i, j) in cells() {
            let p = cell(i, j);
            let (di, dj) = (i as f64 - mu_i, j as f64 - mu_j);
            var_i += p * di * di;
            var_j += p * dj * dj;
            cov += p * di * dj;
        }
        let (sd_i, sd_j) = (var_i.sqrt(), var_j.sqrt());
        let correlation = if sd_i < 1e-15 || sd_j < 1e-15 {
            1.0
        } else {
            cov / (sd_i * sd_j)
        };
        Self {
            contrast,
            homogeneity,
            energy: asm.sqrt(),
            correlation,
        }
    }
}

/// The four offsets at chessboard distance `d`: `(0, d)`, `(d, d)`, `(d, 0)`, `(d, -d)`.
pub fn offsets(d: usize) -> [(isize, isize); 4] {
    let d = d as isize;
    [(0, d), (d, d), (d, 0), (d, -d)]
}

/// Contrast, homogeneity, energy and correlation averaged over the four directions, distance by
/// distance (`config.len()` values).
pub fn glcm_statistics(grey: &GreyImage, config: &GlcmConfig) -> Vec<f64> {
    let quantized = quantize(grey, config.levels);
    config
        .distances
        .iter()
        .flat_map(|&d| {
            let mut sum = [0.0; 4];
            for offset in offsets(d) {
                let m = co_occurrence(
                    &quantized,
                    grey.width(),
                    grey.height(),
                    config.levels,
                    offset,
                );
                let p = GlcmProperties::of(&m, config.levels);
                for (s, v) in
                    sum.iter_mut()
                        .zip([p.contrast, p.homogeneity, p.energy, p.correlation])
                {
                    *s += v / 4.0;
                }
            }
            sum
        })
        .collect()
}
