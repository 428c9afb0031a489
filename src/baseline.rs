//! The hand-crafted baseline of the paper's Table 1: a **colour histogram** per image and a
//! **nearest-neighbour** classifier, evaluated by the same cross-validation folds as the network.
//!
//! Each image becomes its joint RGB histogram with `bins` levels per channel (`bins^3` cells),
//! normalized to sum to 1, so images of any size compare. A test image takes the label of its
//! nearest training image (or the majority of its `k` nearest, ties going to the nearest) under
//! the chi-squared, L1 or Euclidean distance. Ties in distance go to the lower sample index, so the
//! baseline is deterministic.
//!
//! ```
//! use deep_painter::baseline::{colour_histogram, BaselineConfig, Distance};
//! use image::{Rgb, RgbImage};
//!
//! let red = RgbImage::from_pixel(4, 4, Rgb([255, 0, 0]));
//! let h = colour_histogram(&red, 4).unwrap();
//! assert_eq!(h.len(), 64);
//! assert_eq!(h[3 * 16], 1.0); // every pixel in the (r = 3, g = 0, b = 0) cell
//! assert_eq!(Distance::ChiSquare.between(&h, &h), 0.0);
//! assert!(BaselineConfig { bins: 0, ..BaselineConfig::default() }.validate().is_err());
//! ```

use image::RgbImage;
use painter_data::{Dataset, DatasetError};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Errors of the colour-histogram baseline.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// A setting is out of range; the message names it.
    #[error("invalid baseline setting: {0}")]
    InvalidConfig(String),
    /// Reading an image or a label failed.
    #[error(transparent)]
    Data(#[from] DatasetError),
    /// A sample has no label, or one outside the class list.
    #[error("sample {index}: {message}")]
    BadLabel {
        /// The sample.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// A sample index past the features computed.
    #[error("sample {index} out of range for {len} feature vectors")]
    IndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// The number of feature vectors.
        len: usize,
    },
    /// The training set of a fold is empty.
    #[error("no training sample")]
    NoTrainingSample,
}

/// The distance between two histograms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Distance {
    /// `sum (a - b)^2 / (a + b)` over cells where `a + b > 0` (the usual histogram distance).
    #[default]
    ChiSquare,
    /// `sum |a - b|`.
    L1,
    /// `sqrt(sum (a - b)^2)`.
    Euclidean,
}

impl Distance {
    /// The distance between `a` and `b` (cells past the shorter one are ignored).
    pub fn between(&self, a: &[f32], b: &[f32]) -> f64 {
        let pairs = a.iter().zip(b).map(|(&x, &y)| (f64::from(x), f64::from(y)));
        match self {
            Distance::ChiSquare => pairs
                .filter(|(x, y)| x + y > 0.0)
                .map(|(x, y)| (x - y) * (x - y) / (x + y))
                .sum(),
            Distance::L1 => pairs.map(|(x, y)| (x - y).abs()).sum(),
            Distance::Euclidean => pairs.map(|(x, y)| (x - y) * (x - y)).sum::<f64>().sqrt(),
        }
    }

    /// The name used on the command line: `chi2`, `l1` or `l2`.
    pub fn name(&self) -> &'static str {
        match self {
            Distance::ChiSquare => "chi2",
            Distance::L1 => "l1",
            Distance::Euclidean => "l2",
        }
    }
}

impl fmt::Display for Distance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Distance {
    type Err = BaselineError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "chi2" | "chi-square" => Ok(Distance::ChiSquare),
            "l1" => Ok(Distance::L1),
            "l2" | "euclidean" => Ok(Distance::Euclidean),
            other => Err(BaselineError::InvalidConfig(format!(
                "unknown distance `{other}` (expected chi2, l1 or l2)"
            ))),
        }
    }
}

/// The baseline's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineConfig {
    /// Levels per colour channel (the histogram has `bins^3` cells); 1..=64 (default 8).
    pub bins: usize,
    /// The number of neighbours that vote (default 1: nearest neighbour).
    pub k: usize,
    /// The histogram distance (default chi-squared).
    pub distance: Distance,
}

impl Default for BaselineConfig {
    fn default() -> Self {
        Self {
            bins: 8,
            k: 1,
            distance: Distance::ChiSquare,
        }
    }
}

impl BaselineConfig {
    /// Checks the settings: `1 <= bins <= 64`, `k >= 1`.
    pub fn validate(&self) -> Result<(), BaselineError> {
        if !(1..=64).contains(&self.bins) {
            return Err(BaselineError::InvalidConfig(format!(
                "bins must be in 1..=64, got {}",
                self.bins
            )));
        }
        if self.k == 0 {
            return Err(BaselineError::InvalidConfig(
                "k (neighbours) must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// A one-line description, e.g. `colour histogram 8x8x8 + 1-NN (chi2)`.
    pub fn describe(&self) -> String {
        format!(
            "colour histogram {b}x{b}x{b} + {k}-NN ({d})",
            b = self.bins,
            k = self.k,
            d = self.distance
        )
    }
}

/// The joint RGB histogram of `image` with `bins` levels per channel, normalized to sum to 1
/// (cell index `(r * bins + g) * bins + b`, level `value * bins / 256`). An empty image gives all
/// zeros.
pub fn colour_histogram(image: &RgbImage, bins: usize) -> Result<Vec<f32>, BaselineError> {
    if !(1..=64).contains(&bins) {
        return Err(BaselineError::InvalidConfig(format!(
            "bins must be in 1..=64, got {bins}"
        )));
    }
    let mut counts = vec![0u64; bins * bins * bins];
    let level = |v: u8| usize::from(v) * bins / 256;
    for p in image.pixels() {
        let [r, g, b] = p.0;
        let cell = (level(r) * bins + level(g)) * bins + level(b);
        if let Some(c) = counts.get_mut(cell) {
            *c += 1;
        }
    }
    let total = image.width() as f64 * image.height() as f64;
    if total == 0.0 {
        return Ok(vec![0.0; counts.len()]);
    }
    Ok(counts
        .into_iter()
        .map(|c| (c as f64 / total) as f32)
        .collect())
}

/// The colour histograms and labels of every sample of a dataset, computed once (in parallel) and
/// shared by all folds.
#[derive(Debug, Clone)]
pub struct HistogramFeatures {
    features: Vec<Vec<f32>>,
    labels: Vec<usize>,
    config: BaselineConfig,
}

impl HistogramFeatures {
    /// Reads every sample of `dataset` and computes its histogram. Every sample must be labelled.
    pub fn compute(dataset: &dyn Dataset, config: BaselineConfig) -> Result<Self, BaselineError> {
        config.validate()?;
        let classes = dataset.class_names().len();
        let rows: Vec<(Vec<f32>, usize)> = (0..dataset.len())
            .into_par_iter()
            .map(|i| {
                let sample = dataset.get(i)?;
                let label = match sample.label {
                    Some(l) if l < classes => l,
                    other => {
                        return Err(BaselineError::BadLabel {
                            index: i,
                            message: format!("label {other:?}, expected one of 0..{classes}"),
                        })
                    }
                };
                Ok((colour_histogram(&sample.image, config.bins)?, label))
            })
            .collect::<Result<_, BaselineError>>()?;
        let (features, labels) = rows.into_iter().unzip();
        Ok(Self {
            features,
            labels,
            config,
        })
    }

    /// Features and labels given directly (one label per feature vector).
    pub fn from_parts(
        features: Vec<Vec<f32>>,
        labels: Vec<usize>,
        config: BaselineConfig,
    ) -> Result<Self, BaselineError> {
        config.validate()?;
        if features.len() != labels.len() {
            return Err(BaselineError::InvalidConfig(format!(
                "{} feature vectors but {} labels",
                features.len(),
                labels.len()
            )));
        }
        Ok(Self {
            features,
            labels,
            config,
        })
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// Whether there is no sample.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The labels, in sample order.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The histogram of sample `index`.
    pub fn feature(&self, index: usize) -> Result<&[f32], BaselineError> {
        self.features
            .get(index)
            .map(Vec::as_slice)
            .ok_or(BaselineError::IndexOutOfRange {
                index,
                len: self.features.len(),
            })
    }

    /// The label of the test sample `test` predicted from the training samples `train`: the
    /// majority label of the `k` nearest (distance ties to the lower index; vote ties to the label
    /// of the nearest among the tied).
    pub fn predict_one(&self, train: &[usize], test: usize) -> Result<usize, BaselineError> {
        if train.is_empty() {
            return Err(BaselineError::NoTrainingSample);
        }
        let query = self.feature(test)?;
        let mut scored = train
            .iter()
            .map(|&i| Ok((self.config.distance.between(query, self.feature(i)?), i)))
            .collect::<Result<Vec<(f64, usize)>, BaselineError>>()?;
        scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let k = self.config.k.min(scored.len());
        let label_of = |i: usize| {
            self.labels
                .get(i)
                .copied()
                .ok_or(BaselineError::IndexOutOfRange {
                    index: i,
                    len: self.labels.len(),
                })
        };
        // Votes per label, and each label's rank of first appearance (nearest first).
        let mut votes: Vec<(usize, usize, usize)> = Vec::new(); // (label, count, first rank)
        for (rank, &(_, i)) in scored.iter().take(k).enumerate() {
            let l = label_of(i)?;
            match votes.iter_mut().find(|v| v.0 == l) {
                Some(v) => v.1 += 1,
                None => votes.push((l, 1, rank)),
            }
        }
        votes
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)))
            .map(|v| v.0)
            .ok_or(BaselineError::NoTrainingSample)
    }

    /// The predicted labels of the samples `test` from the training samples `train` (in parallel).
    pub fn predict(&self, train: &[usize], test: &[usize]) -> Result<Vec<usize>, BaselineError> {
        test.par_iter()
            .map(|&t| self.predict_one(train, t))
            .collect()
    }
}
