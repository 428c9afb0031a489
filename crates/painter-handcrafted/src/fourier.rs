//! Fourier energy: the power spectrum of the grey image (mean removed, Hann-windowed against edge
//! leakage) split into octave-wide radial bands and orientation sectors, each as its share of the
//! power, and the spectral slope (the exponent `alpha` of a `1 / f^alpha` fall-off, fitted by
//! least squares on log power against log frequency), a known statistic of a painter's handling.

use crate::error::{check_count, Result};
use crate::fft::fft2;
use crate::grey::GreyImage;
use rustfft::num_complex::Complex64;
use rustfft::FftDirection;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// The Fourier descriptor's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FourierConfig {
    /// Radial bands, one octave each, the last running on to the corner of the spectrum: 1..=10
    /// (default 6: radii up to 1/64, 1/64 to 1/32, ..., above 1/4 cycle per pixel).
    pub radial_bands: usize,
    /// Orientation sectors over `[0, pi)`, the first centred on the horizontal frequency axis:
    /// 1..=16 (default 4).
    pub angular_sectors: usize,
}

impl Default for FourierConfig {
    fn default() -> Self {
        Self {
            radial_bands: 6,
            angular_sectors: 4,
        }
    }
}

impl FourierConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        check_count("fourier.radial_bands", self.radial_bands, 1..=10)?;
        check_count("fourier.angular_sectors", self.angular_sectors, 1..=16)
    }

    /// The number of values: the bands, the sectors and the slope.
    pub fn len(&self) -> usize {
        self.radial_bands + self.angular_sectors + 1
    }

    /// Whether the descriptor has no value (never).
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// NumPy's `hanning(n)`: `0.5 - 0.5 cos(2 pi k / (n - 1))`; `[1]` for `n = 1`.
fn hann(n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![1.0];
    }
    (0..n)
        .map(|k| 0.5 - 0.5 * (2.0 * PI * k as f64 / (n - 1) as f64).cos())
        .collect()
}

/// NumPy's `fftfreq(n)[k]`: the frequency of bin `k` in cycles per sample.
fn frequency(k: usize, n: usize) -> f64 {
    if k <= (n - 1) / 2 {
        k as f64 / n as f64
    } else {
        (k as f64 - n as f64) / n as f64
    }
}

/// `|fft2((grey - mean) * hann_rows * hann_cols)|^2`, unshifted (NumPy's index order), row-major.
pub fn power_spectrum(grey: &GreyImage) -> Vec<f64> {
    let (rows, cols) = (grey.height(), grey.width());
    if grey.is_empty() {
        return Vec::new();
    }
    let mean = grey.values().iter().sum::<f64>() / grey.values().len() as f64;
    let (wr, wc) = (hann(rows), hann(cols));
    let mut buffer: Vec<Complex64> = grey
        .values()
        .iter()
        .enumerate()
        .map(|(i, v)| Complex64::new((v - mean) * wr[i / cols] * wc[i % cols], 0.0))
        .collect();
    fft2(&mut buffer, rows, cols, FftDirection::Forward);
    buffer.iter().map(|v| v.norm_sqr()).collect()
}

/// The radial bands' and orientation sectors' shares of the power (zeros without power), then the
/// spectral slope `alpha` (`config.len()` values).
pub fn fourier_statistics(grey: &GreyImage, config: &FourierConfig) -> Vec<f64> {
    let (rows, cols) = (grey.height(), grey.width());
    let power = power_spectrum(grey);
    let (nb, ns) = (config.radial_bands, config.angular_sectors);
    let mut bands = vec![0.0; nb];
    let mut sectors = vec![0.0; ns];
    // Least squares of log power on log radius over the bins with power up to Nyquist.
    let (mut n, mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, &p) in power.iter().enumerate() {
        let (fy, fx) = (frequency(i / cols, rows), frequency(i % cols, cols));
        let radius = fy.hypot(fx);
        if radius == 0.0 {
            continue; // the mean (zero after its removal, up to the window)
        }
        // Band b covers radii in (0.5 / 2^(nb - b), 0.5 / 2^(nb - 1 - b)]; the first starts at 0,
        // the last runs on to the corner.
        let octave = (0.5 / radius).log2().floor();
        let band = if octave < 0.0 {
            nb - 1
        } else {
            (nb - 1).saturating_sub(octave as usize)
        };
        bands[band] += p;
        let angle = fy.atan2(fx).rem_euclid(PI);
        let width = PI / ns as f64;
        let sector = (((angle + width / 2.0) / width) as usize) % ns;
        sectors[sector] += p;
        if radius <= 0.5 && p > 0.0 {
            let (x, y) = (radius.ln(), p.ln());
            n += 1.0;
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
    }
    let total: f64 = bands.iter().sum();
    let share = |v: f64| if total > 0.0 { v / total } else { 0.0 };
    let denominator = n * sxx - sx * sx;
    let slope = if n >= 2.0 && denominator.abs() > 1e-12 {
        -(n * sxy - sx * sy) / denominator
    } else {
        0.0
    };
    bands
        .iter()
        .chain(&sectors)
        .map(|&v| share(v))
        .chain(std::iter::once(slope))
        .collect()
}
