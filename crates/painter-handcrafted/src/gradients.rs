//! Edges and gradients: Sobel derivatives of the grey image (scikit-image's `sobel_h` and
//! `sobel_v`, borders reflected), the histogram of unsigned gradient orientations weighted by
//! magnitude, the mean and standard deviation of the magnitude, and the edge density (the share
//! of pixels whose magnitude exceeds each threshold).

use crate::error::{check_count, check_value, Result};
use crate::grey::GreyImage;
use crate::moments::mean_std;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// The gradient descriptor's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GradientConfig {
    /// Bins of the orientation histogram over `[0, pi)`: 2..=64 (default 12, 15 degrees each).
    pub orientation_bins: usize,
    /// Magnitude thresholds of the edge densities, grey levels being in `[0, 1]`: each in
    /// `(0, 2]` (default 0.05, 0.1, 0.2).
    pub edge_thresholds: Vec<f64>,
}

impl Default for GradientConfig {
    fn default() -> Self {
        Self {
            orientation_bins: 12,
            edge_thresholds: vec![0.05, 0.1, 0.2],
        }
    }
}

impl GradientConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        check_count("gradients.orientation_bins", self.orientation_bins, 2..=64)?;
        self.edge_thresholds
            .iter()
            .try_for_each(|&t| check_value("gradients.edge_thresholds", t, 0.0, 2.0))
    }

    /// The number of values: the orientation bins, mean and standard deviation, one density per
    /// threshold.
    pub fn len(&self) -> usize {
        self.orientation_bins + 2 + self.edge_thresholds.len()
    }

    /// Whether the descriptor has no value (never, once validated).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The Sobel derivatives of `grey` along the rows (scikit-image's `sobel_h`: positive where the
/// image brightens downwards) and along the columns (`sobel_v`), each row-major.
pub fn sobel(grey: &GreyImage) -> (Vec<f64>, Vec<f64>) {
    let mut along_rows = Vec::with_capacity(grey.values().len());
    let mut along_cols = Vec::with_capacity(grey.values().len());
    for r in 0..grey.height() as isize {
        for c in 0..grey.width() as isize {
            let at = |dr: isize, dc: isize| grey.reflected(r + dr, c + dc);
            // Each side summed first, so that equal sides give exactly 0.
            let below = at(1, -1) + 2.0 * at(1, 0) + at(1, 1);
            let above = at(-1, -1) + 2.0 * at(-1, 0) + at(-1, 1);
            let right = at(-1, 1) + 2.0 * at(0, 1) + at(1, 1);
            let left = at(-1, -1) + 2.0 * at(0, -1) + at(1, -1);
            along_rows.push((below - above) / 4.0);
            along_cols.push((right - left) / 4.0);
        }
    }
    (along_rows, along_cols)
}

/// The orientation histogram (normalized to sum to 1; zeros on a flat image), the magnitude's
/// mean and standard deviation, and the edge densities (`config.len()` values).
pub fn gradient_statistics(grey: &GreyImage, config: &GradientConfig) -> Vec<f64> {
    let (gy, gx) = sobel(grey);
    let magnitude: Vec<f64> = gy.iter().zip(&gx).map(|(y, x)| y.hypot(*x)).collect();
    let bins = config.orientation_bins;
    let mut histogram = vec![0.0; bins];
    for ((y, x), m) in gy.iter().zip(&gx).zip(&magnitude) {
        if *m > 0.0 {
            let angle = y.atan2(*x).rem_euclid(PI);
            let bin = ((angle / PI * bins as f64) as usize).min(bins - 1);
            histogram[bin] += m;
        }
    }
    let total: f64 = histogram.iter().sum();
    if total > 0.0 {
        histogram.iter_mut().for_each(|h| *h /= total);
    }
    let n = magnitude.len().max(1) as f64;
    let densities = config
        .edge_thresholds
        .iter()
        .map(|&t| magnitude.iter().filter(|&&m| m > t).count() as f64 / n);
    histogram
        .into_iter()
        .chain(mean_std(magnitude.iter().copied()))
        .chain(densities)
        .collect()
}
