//! Gabor filter-bank energy: the grey image filtered by complex Gabor kernels at several spatial
//! frequencies and orientations; each filter gives the mean and standard deviation of its
//! response's magnitude (the texture energy of Manjunath and Ma's descriptor).
//!
//! Kernels and borders are scikit-image's (`filters.gabor_kernel`, `filters.gabor` with
//! `mode="reflect"`); the convolution is computed as a product of spectra (one forward transform
//! of the border-extended image, one inverse transform per filter), which gives the same values as
//! the direct sum.

use crate::error::{check_count, check_value, check_values, Result};
use crate::fft::{fast_len, fft2};
use crate::grey::GreyImage;
use crate::moments::mean_std;
use rustfft::num_complex::Complex64;
use rustfft::FftDirection;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;
use std::sync::{Arc, Mutex};

/// The Gabor filter bank's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GaborConfig {
    /// Spatial frequencies of the harmonic, in cycles per pixel, each in `(0, 0.5]`
    /// (default 0.05, 0.1, 0.2, 0.4: wavelengths of 20 down to 2.5 pixels).
    pub frequencies: Vec<f64>,
    /// Orientations, evenly spaced over `[0, pi)`: 1..=16 (default 6, every 30 degrees).
    pub orientations: usize,
    /// The bandwidth in octaves, which sets the Gaussian envelope's width (default 1).
    pub bandwidth: f64,
}

impl Default for GaborConfig {
    fn default() -> Self {
        Self {
            frequencies: vec![0.05, 0.1, 0.2, 0.4],
            orientations: 6,
            bandwidth: 1.0,
        }
    }
}

impl GaborConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        check_values("gabor.frequencies", &self.frequencies, 0.0, 0.5)?;
        check_count("gabor.orientations", self.orientations, 1..=16)?;
        check_value("gabor.bandwidth", self.bandwidth, 0.0, 8.0)
    }

    /// The number of values: 2 (mean and standard deviation of the magnitude) per filter.
    pub fn len(&self) -> usize {
        2 * self.frequencies.len() * self.orientations
    }

    /// Whether the bank has no filter (never, once validated).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A complex Gabor kernel of `(2 half_rows + 1) x (2 half_cols + 1)` values, row-major, centred.
#[derive(Debug, Clone, PartialEq)]
pub struct GaborKernel {
    /// Rows above (and below) the centre.
    pub half_rows: usize,
    /// Columns left (and right) of the centre.
    pub half_cols: usize,
    /// The values.
    pub values: Vec<Complex64>,
}

/// scikit-image's `gabor_kernel(frequency, theta, bandwidth)` (`n_stds = 3`, no offset): a
/// Gaussian envelope of standard deviation `sigma = c(bandwidth) / frequency` times the harmonic
/// `exp(2 pi i frequency x')`, where `x'` is the coordinate along `theta` (0: along the columns).
pub fn gabor_kernel(frequency: f64, theta: f64, bandwidth: f64) -> GaborKernel {
    let b2 = 2f64.powf(bandwidth);
    let sigma = (2f64.ln() / 2.0).sqrt() / PI * (b2 + 1.0) / (b2 - 1.0) / frequency;
    let (ct, st) = (theta.cos(), theta.sin());
    let n_stds = 3.0;
    let x0 = (n_stds * sigma * ct)
        .abs()
        .max((n_stds * sigma * st).abs())
        .max(1.0)
        .ceil();
    let y0 = x0; // equal sigmas: the same half-size both ways
    let (half_cols, half_rows) = (x0 as usize, y0 as usize);
    let mut values = Vec::with_capacity((2 * half_rows + 1) * (2 * half_cols + 1));
    for y in -(half_rows as isize)..=half_rows as isize {
        for x in -(half_cols as isize)..=half_cols as isize {
            let (x, y) = (x as f64, y as f64);
            let rotx = x * ct + y * st;
            let roty = -x * st + y * ct;
            let envelope = (-0.5 * (rotx * rotx / (sigma * sigma) + roty * roty / (sigma * sigma)))
                .exp()
                / (2.0 * PI * sigma * sigma);
            let phase = 2.0 * PI * frequency * rotx;
            values.push(Complex64::new(
                envelope * phase.cos(),
                envelope * phase.sin(),
            ));
        }
    }
    GaborKernel {
        half_rows,
        half_cols,
        values,
    }
}

/// The spectra of a bank's kernels on the padded grid of one image size.
#[derive(Debug)]
struct PreparedBank {
    width: usize,
    height: usize,
    pad_rows: usize,
    pad_cols: usize,
    rows: usize,
    cols: usize,
    spectra: Vec<Vec<Complex64>>,
}

impl PreparedBank {
    fn new(kernels: &[GaborKernel], width: usize, height: usize) -> Self {
        let pad_rows = kernels.iter().map(|k| k.half_rows).max().unwrap_or(0);
        let pad_cols = kernels.iter().map(|k| k.half_cols).max().unwrap_or(0);
        let rows = fast_len(height + 2 * pad_rows);
        let cols = fast_len(width + 2 * pad_cols);
        let spectra = kernels
            .iter()
            .map(|k| {
                let mut buffer = vec![Complex64::default(); rows * cols];
                let kc = 2 * k.half_cols + 1;
                for (i, v) in k.values.iter().enumerate() {
                    let a = (i / kc) as isize - k.half_rows as isize;
                    let b = (i % kc) as isize - k.half_cols as isize;
                    let r = a.rem_euclid(rows as isize) as usize;
                    let c = b.rem_euclid(cols as isize) as usize;
                    buffer[r * cols + c] += v;
                }
                fft2(&mut buffer, rows, cols, FftDirection::Forward);
                buffer
            })
            .collect();
        Self {
            width,
            height,
            pad_rows,
            pad_cols,
            rows,
            cols,
            spectra,
        }
    }

    /// The response of every kernel, each `height x width`, row-major.
    fn responses(&self, grey: &GreyImage) -> Vec<Vec<Complex64>> {
        let (rows, cols) = (self.rows, self.cols);
        let mut image = vec![Complex64::default(); rows * cols];
        for r in 0..rows {
            for c in 0..cols {
                let v = grey.reflected(
                    r as isize - self.pad_rows as isize,
                    c as isize - self.pad_cols as isize,
                );
                image[r * cols + c] = Complex64::new(v, 0.0);
            }
        }
        fft2(&mut image, rows, cols, FftDirection::Forward);
        let scale = 1.0 / (rows * cols) as f64;
        self.spectra
            .iter()
            .map(|spectrum| {
                let mut product: Vec<Complex64> =
                    image.iter().zip(spectrum).map(|(a, b)| a * b).collect();
                fft2(&mut product, rows, cols, FftDirection::Inverse);
                let mut out = Vec::with_capacity(self.width * self.height);
                for r in 0..self.height {
                    let start = (r + self.pad_rows) * cols + self.pad_cols;
                    out.extend(product[start..start + self.width].iter().map(|v| v * scale));
                }
                out
            })
            .collect()
    }
}

/// The complex response of one kernel to `grey` (scikit-image's `gabor` as `real + i imag`), row
/// by row; empty for an empty image.
pub fn gabor_response(grey: &GreyImage, kernel: &GaborKernel) -> Vec<Complex64> {
    if grey.is_empty() {
        return Vec::new();
    }
    PreparedBank::new(std::slice::from_ref(kernel), grey.width(), grey.height())
        .responses(grey)
        .pop()
        .unwrap_or_default()
}

/// A Gabor filter bank, ready to filter images (kernel spectra are prepared once per image size).
#[derive(Debug)]
pub struct GaborBank {
    config: GaborConfig,
    kernels: Vec<GaborKernel>,
    prepared: Mutex<Vec<Arc<PreparedBank>>>,
}

impl Clone for GaborBank {
    fn clone(&self) -> Self {
        Self {
            config: self.config.clone(),
            kernels: self.kernels.clone(),
            prepared: Mutex::new(Vec::new()),
        }
    }
}

impl GaborBank {
    /// The bank of `config`: every frequency at every orientation `k pi / orientations`.
    pub fn new(config: &GaborConfig) -> Result<Self> {
        config.validate()?;
        let kernels = config
            .frequencies
            .iter()
            .flat_map(|&f| {
                (0..config.orientations).map(move |k| {
                    gabor_kernel(
                        f,
                        k as f64 * PI / config.orientations as f64,
                        config.bandwidth,
                    )
                })
            })
            .collect();
        Ok(Self {
            config: config.clone(),
            kernels,
            prepared: Mutex::new(Vec::new()),
        })
    }

    fn prepared(&self, width: usize, height: usize) -> Arc<PreparedBank> {
        let mut cache = self.prepared.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = cache
            .iter()
            .find(|p| p.width == width && p.height == height)
        {
            return Arc::clone(p);
        }
        let p = Arc::new(PreparedBank::new(&self.kernels, width, height));
        cache.push(Arc::clone(&p));
        p
    }

    /// The complex response of every filter (frequency-major, then orientation `k pi / n`), each
    /// as [`gabor_response`] gives it.
    pub fn responses(&self, grey: &GreyImage) -> Vec<Vec<Complex64>> {
        if grey.is_empty() {
            return vec![Vec::new(); self.kernels.len()];
        }
        self.prepared(grey.width(), grey.height()).responses(grey)
    }

    /// The mean and standard deviation of each filter's response magnitude, filter by filter
    /// (`config.len()` values).
    pub fn energy(&self, grey: &GreyImage) -> Vec<f64> {
        self.responses(grey)
            .iter()
            .flat_map(|r| mean_std(r.iter().map(|v| v.norm())))
            .collect()
    }

    /// The settings.
    pub fn config(&self) -> &GaborConfig {
        &self.config
    }
}
