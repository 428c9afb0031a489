//! Scaling descriptors before a distance or a kernel compares them, fitted on the training rows
//! only: every column standardized (linfa-preprocessing's standard scaler: zero mean, unit
//! population variance, constant columns left unscaled), and optionally each feature block
//! weighted by `1 / sqrt(its width)` so that every family weighs the same in a squared distance
//! whatever its number of values.

use crate::descriptors::Descriptors;
use crate::error::{HandcraftedError, Result};
use linfa::traits::Fit;
use linfa::DatasetBase;
use linfa_preprocessing::linear_scaling::LinearScaler;
use ndarray16::Array2;
use serde::{Deserialize, Serialize};

/// `values` as an ndarray matrix of `rows x dim`.
pub(crate) fn matrix(values: Vec<f64>, rows: usize, dim: usize) -> Result<Array2<f64>> {
    let got = values.len();
    Array2::from_shape_vec((rows, dim), values).map_err(|_| HandcraftedError::LengthMismatch {
        what: "matrix values",
        expected: rows * dim,
        got,
    })
}

/// How descriptors are scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scaling {
    /// The raw values (for histograms compared by the chi-squared distance).
    None,
    /// Every column standardized on the training rows.
    Standard,
    /// Standardized, then each block weighted by `1 / sqrt(width)` (every family weighs the same).
    #[default]
    BalancedBlocks,
}

/// A fitted scaling: `value -> (value - offset) * scale`, column by column.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockScaler {
    offsets: Vec<f64>,
    scales: Vec<f64>,
}

impl BlockScaler {
    /// Fits `scaling` on the rows `train` of `descriptors`.
    pub fn fit(scaling: Scaling, descriptors: &Descriptors, train: &[usize]) -> Result<Self> {
        let dim = descriptors.dim();
        if scaling == Scaling::None {
            return Ok(Self {
                offsets: vec![0.0; dim],
                scales: vec![1.0; dim],
            });
        }
        if train.is_empty() {
            return Err(HandcraftedError::NoTrainingSample);
        }
        let mut values = Vec::with_capacity(train.len() * dim);
        for &i in train {
            values.extend_from_slice(descriptors.row(i)?);
        }
        let records = matrix(values, train.len(), dim)?;
        let scaler = LinearScaler::standard().fit(&DatasetBase::from(records))?;
        let offsets = scaler.offsets().to_vec();
        let mut scales = scaler.scales().to_vec();
        if scaling == Scaling::BalancedBlocks {
            for block in descriptors.blocks() {
                let weight = 1.0 / (block.len().max(1) as f64).sqrt();
                for s in &mut scales[block.range.clone()] {
                    *s *= weight;
                }
            }
        }
        Ok(Self { offsets, scales })
    }

    /// The scaled copy of one row.
    pub fn transform(&self, row: &[f64]) -> Vec<f64> {
        row.iter()
            .zip(self.offsets.iter().zip(&self.scales))
            .map(|(v, (o, s))| (v - o) * s)
            .collect()
    }

    /// The scaled rows `indices` of `descriptors`, one after another.
    pub fn transform_rows(&self, descriptors: &Descriptors, indices: &[usize]) -> Result<Vec<f64>> {
        let mut out = Vec::with_capacity(indices.len() * descriptors.dim());
        for &i in indices {
            out.extend(self.transform(descriptors.row(i)?));
        }
        Ok(out)
    }
}
