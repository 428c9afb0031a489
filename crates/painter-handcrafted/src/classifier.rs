//! A hand-crafted method as a whole ([`HandcraftedConfig`]: descriptor, scaling, classifier) and
//! its fold entry ([`HandcraftedModel`]): given the descriptors of every painting of a draw, "fit
//! on these training indices, give the class probabilities of those test indices", which any fold
//! runner, and painter-eval's [`cross_validate`](painter_eval::cross_validate), can drive.

use crate::descriptor::{Descriptor, DescriptorConfig};
use crate::descriptors::Descriptors;
use crate::distance::Distance;
use crate::error::{invalid, HandcraftedError, Result};
use crate::neighbours::NeighboursConfig;
use crate::scaling::{BlockScaler, Scaling};
use crate::svm::{FittedSvm, SvmConfig};
use painter_data::Dataset;
use painter_eval::FoldModel;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The classifier on the descriptors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClassifierConfig {
    /// k-nearest neighbour.
    Neighbours(NeighboursConfig),
    /// RBF SVM, `C` and `gamma` chosen inside the training rows.
    Svm(SvmConfig),
}

impl ClassifierConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        match self {
            ClassifierConfig::Neighbours(c) => c.validate(),
            ClassifierConfig::Svm(c) => c.validate(),
        }
    }
}

/// A hand-crafted method: which descriptor, how it is scaled, which classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandcraftedConfig {
    /// The descriptor.
    pub descriptor: DescriptorConfig,
    /// The scaling, fitted on each fit's training rows.
    pub scaling: Scaling,
    /// The classifier.
    pub classifier: ClassifierConfig,
}

impl HandcraftedConfig {
    /// The colour histogram (`bins` levels per channel, raw) with the `k`-nearest neighbour.
    pub fn colour_histogram(bins: usize, k: usize, distance: Distance) -> Self {
        Self {
            descriptor: DescriptorConfig::colour_histogram(bins),
            scaling: Scaling::None,
            classifier: ClassifierConfig::Neighbours(NeighboursConfig { k, distance }),
        }
    }

    /// Every feature family, block-balanced standardization, nearest neighbour by Euclidean
    /// distance.
    pub fn all_features_neighbour() -> Self {
        Self {
            descriptor: DescriptorConfig::all(),
            scaling: Scaling::BalancedBlocks,
            classifier: ClassifierConfig::Neighbours(NeighboursConfig {
                k: 1,
                distance: Distance::Euclidean,
            }),
        }
    }

    /// Every feature family, block-balanced standardization, RBF SVM at its default grids.
    pub fn all_features_svm() -> Self {
        Self {
            descriptor: DescriptorConfig::all(),
            scaling: Scaling::BalancedBlocks,
            classifier: ClassifierConfig::Svm(SvmConfig::default()),
        }
    }

    /// Checks the settings; the chi-squared distance compares raw (unscaled) histograms only.
    pub fn validate(&self) -> Result<()> {
        self.descriptor.validate()?;
        self.classifier.validate()?;
        if let ClassifierConfig::Neighbours(n) = &self.classifier {
            if n.distance == Distance::ChiSquare && self.scaling != Scaling::None {
                return Err(invalid(
                    "scaling",
                    "the chi-squared distance compares non-negative histograms: use scaling \
                     `none` with it, or the l1 or l2 distance",
                ));
            }
        }
        Ok(())
    }

    /// A one-line description, e.g. `colour_histogram(8^3) + 1-NN (chi2)`.
    pub fn describe(&self) -> String {
        let classifier = match &self.classifier {
            ClassifierConfig::Neighbours(n) => format!("{}-NN ({})", n.k, n.distance),
            ClassifierConfig::Svm(_) => "RBF SVM (C, gamma by inner CV)".to_string(),
        };
        let scaling = match self.scaling {
            Scaling::None => "",
            Scaling::Standard => ", standardized",
            Scaling::BalancedBlocks => ", standardized, blocks balanced",
        };
        format!("{}{scaling} + {classifier}", self.descriptor.describe())
    }

    /// The descriptors of every painting of `dataset`.
    pub fn descriptors(&self, dataset: &dyn Dataset) -> Result<Descriptors> {
        let descriptor = Descriptor::new(self.descriptor.clone())?;
        Descriptors::compute(dataset, &descriptor)
    }
}

/// A method fitted on some training paintings.
#[derive(Debug, Clone)]
pub enum FittedClassifier {
    /// The nearest neighbour: the scaled training rows and their labels.
    Neighbours {
        /// The settings.
        config: NeighboursConfig,
        /// The scaling fitted on the training rows.
        scaler: BlockScaler,
        /// `(painting index, scaled row, label)` of every training painting.
        train: Vec<(usize, Vec<f64>, usize)>,
    },
    /// The SVM pipeline.
    Svm(FittedSvm),
}

impl FittedClassifier {
    /// The predicted class of one raw descriptor.
    pub fn predict(&self, row: &[f64]) -> Result<usize> {
        match self {
            FittedClassifier::Neighbours {
                config,
                scaler,
                train,
            } => {
                let query = scaler.transform(row);
                config.predict(train.iter().map(|(i, r, l)| (*i, r.as_slice(), *l)), &query)
            }
            FittedClassifier::Svm(svm) => svm.predict(row),
        }
    }

    /// What was chosen while fitting, for a fold's line (e.g. `C=10 gamma=0.3xscale`).
    pub fn details(&self) -> String {
        match self {
            FittedClassifier::Neighbours { .. } => String::new(),
            FittedClassifier::Svm(s) => format!(
                "C={} gamma={}xscale ({:.3e})",
                s.c, s.gamma_multiplier, s.gamma
            ),
        }
    }
}

/// The predictions of one fold.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldPredictions {
    /// The predicted class of each test painting, in the order of the test indices.
    pub labels: Vec<usize>,
    /// One-hot class probabilities of each test painting (these classifiers give no graded
    /// probabilities).
    pub probabilities: Vec<Vec<f64>>,
    /// What was chosen while fitting (empty for the nearest neighbour).
    pub details: String,
}

/// The fold entry of a hand-crafted method over the descriptors of a draw.
///
/// ```
/// use painter_handcrafted::{Descriptors, HandcraftedConfig, HandcraftedModel};
/// use painter_eval::{cross_validate, CrossValidationConfig, StratifiedKFold};
///
/// // Two painters, told apart by the first value.
/// let rows: Vec<Vec<f64>> = (0..20).map(|i| vec![(i % 2) as f64 + 0.01 * i as f64, 1.0]).collect();
/// let labels: Vec<usize> = (0..20).map(|i| i % 2).collect();
/// let descriptors = Descriptors::from_rows(rows, labels.clone(), 2, vec![]).unwrap();
/// let mut config = HandcraftedConfig::all_features_neighbour();
/// let mut model = HandcraftedModel::new(&config, &descriptors).unwrap();
/// let quiet = CrossValidationConfig { quiet: true, ..Default::default() };
/// let cv = cross_validate(&mut model, &StratifiedKFold::new(5).unwrap(), &labels, &quiet).unwrap();
/// assert_eq!(cv.accuracy.mean, 1.0);
/// ```
#[derive(Debug, Clone)]
pub struct HandcraftedModel<'a> {
    scaling: Scaling,
    classifier: ClassifierConfig,
    descriptors: &'a Descriptors,
}

impl<'a> HandcraftedModel<'a> {
    /// The method of `config` on `descriptors` (computed with `config.descriptor`).
    pub fn new(config: &HandcraftedConfig, descriptors: &'a Descriptors) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            scaling: config.scaling,
            classifier: config.classifier.clone(),
            descriptors,
        })
    }

    /// Fits on the paintings `train`.
    pub fn fit(&self, train: &[usize]) -> Result<FittedClassifier> {
        if train.is_empty() {
            return Err(HandcraftedError::NoTrainingSample);
        }
        match &self.classifier {
            ClassifierConfig::Neighbours(config) => {
                let scaler = BlockScaler::fit(self.scaling, self.descriptors, train)?;
                let train = train
                    .iter()
                    .map(|&i| {
                        Ok((
                            i,
                            scaler.transform(self.descriptors.row(i)?),
                            self.descriptors.label(i)?,
                        ))
                    })
                    .collect::<Result<_>>()?;
                Ok(FittedClassifier::Neighbours {
                    config: *config,
                    scaler,
                    train,
                })
            }
            ClassifierConfig::Svm(config) => Ok(FittedClassifier::Svm(config.fit(
                self.scaling,
                self.descriptors,
                train,
            )?)),
        }
    }

    /// Fits on the paintings `train` and predicts the paintings `test` (in parallel).
    pub fn fit_predict(&self, train: &[usize], test: &[usize]) -> Result<FoldPredictions> {
        let fitted = self.fit(train)?;
        let labels = test
            .par_iter()
            .map(|&t| fitted.predict(self.descriptors.row(t)?))
            .collect::<Result<Vec<_>>>()?;
        let classes = self.descriptors.classes();
        let probabilities = labels
            .iter()
            .map(|&l| (0..classes).map(|k| f64::from(u8::from(k == l))).collect())
            .collect();
        Ok(FoldPredictions {
            labels,
            probabilities,
            details: fitted.details(),
        })
    }
}

impl FoldModel for HandcraftedModel<'_> {
    type Error = HandcraftedError;

    fn fit_predict(&mut self, _fold: usize, train: &[usize], test: &[usize]) -> Result<Vec<usize>> {
        HandcraftedModel::fit_predict(self, train, test).map(|p| p.labels)
    }
}
