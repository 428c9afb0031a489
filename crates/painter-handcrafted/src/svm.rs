//! The RBF support vector machine: linfa-svm's SMO solver (libsvm's algorithm) for each pair of
//! classes, combined one-versus-one with libsvm's vote (ties to the lower class), as
//! scikit-learn's `SVC(kernel="rbf")`; and [`SvmConfig`], which chooses `C` and `gamma` by
//! stratified cross-validation inside the training rows.

use crate::descriptors::Descriptors;
use crate::error::{check_value, check_values, invalid, HandcraftedError, Result};
use crate::scaling::{matrix, BlockScaler, Scaling};
use linfa::traits::Fit;
use linfa::DatasetBase;
use linfa_svm::Svm;
use ndarray16::Array1;
use painter_eval::{cross_validate, CrossValidationConfig, StratifiedKFold};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The binary machine separating classes `first` (positive) and `second`: its dual
/// coefficients `y_i alpha_i` over the training rows of the two classes, and its offset.
#[derive(Debug, Clone)]
struct PairMachine {
    first: usize,
    second: usize,
    /// `(training row, coefficient)` of every support vector.
    support: Vec<(usize, f64)>,
    rho: f64,
}

/// A multi-class RBF SVM, one machine per pair of classes present in its training rows.
///
/// Each pair is solved by linfa-svm; predictions evaluate the kernel between a query and every
/// training row once and share it among the pairs, as libsvm does.
#[derive(Debug, Clone)]
pub struct RbfSvm {
    classes: usize,
    present: Vec<usize>,
    rows: Vec<f64>,
    dim: usize,
    gamma: f64,
    pairs: Vec<PairMachine>,
}

impl RbfSvm {
    /// Fits on `rows` (`labels.len()` rows of `dim` values, one after another) labelled below
    /// `classes`, with penalty `c`, kernel `exp(-gamma |x - y|^2)` and the solver's stopping
    /// tolerance `tolerance` (libsvm's `eps`, scikit-learn's `tol`).
    pub fn fit(
        rows: &[f64],
        dim: usize,
        labels: &[usize],
        classes: usize,
        c: f64,
        gamma: f64,
        tolerance: f64,
    ) -> Result<Self> {
        check_positive("c", c)?;
        check_positive("gamma", gamma)?;
        check_positive("tolerance", tolerance)?;
        if rows.len() != labels.len() * dim {
            return Err(HandcraftedError::LengthMismatch {
                what: "SVM training rows",
                expected: labels.len() * dim,
                got: rows.len(),
            });
        }
        if labels.is_empty() {
            return Err(HandcraftedError::NoTrainingSample);
        }
        if let Some(index) = labels.iter().position(|&l| l >= classes) {
            return Err(HandcraftedError::BadLabel {
                index,
                message: format!("label {}, expected one of 0..{classes}", labels[index]),
            });
        }
        let present: Vec<usize> = (0..classes).filter(|k| labels.contains(k)).collect();
        let jobs: Vec<(usize, usize)> = present
            .iter()
            .enumerate()
            .flat_map(|(a, &i)| present[a + 1..].iter().map(move |&j| (i, j)))
            .collect();
        let params = Svm::<f64, bool>::params()
            .pos_neg_weights(c, c)
            .gaussian_kernel(1.0 / gamma)
            .eps(tolerance);
        let pairs = jobs
            .into_par_iter()
            .map(|(first, second)| {
                let members: Vec<usize> = (0..labels.len())
                    .filter(|&r| labels[r] == first || labels[r] == second)
                    .collect();
                let mut x = Vec::with_capacity(members.len() * dim);
                for &r in &members {
                    x.extend_from_slice(&rows[r * dim..(r + 1) * dim]);
                }
                let x = matrix(x, members.len(), dim)?;
                let y: Array1<bool> = members.iter().map(|&r| labels[r] == first).collect();
                let machine = params.fit(&DatasetBase::new(x, y))?;
                let support = members
                    .iter()
                    .zip(&machine.alpha)
                    .filter(|(_, a)| **a != 0.0)
                    .map(|(&r, &a)| (r, a))
                    .collect();
                Ok(PairMachine {
                    first,
                    second,
                    support,
                    rho: machine.rho,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            classes,
            present,
            rows: rows.to_vec(),
            dim,
            gamma,
            pairs,
        })
    }

    /// The decision value of every pair `(i, j)`, `i < j` in class order (scikit-learn's
    /// `decision_function_shape="ovo"` order): positive for class `i`.
    pub fn decision_ovo(&self, row: &[f64]) -> Vec<f64> {
        let kernel: Vec<f64> = self
            .rows
            .chunks(self.dim.max(1))
            .map(|x| {
                let d2: f64 = x.iter().zip(row).map(|(a, b)| (a - b) * (a - b)).sum();
                (-self.gamma * d2).exp()
            })
            .collect();
        self.pairs
            .iter()
            .map(|p| p.support.iter().map(|&(r, a)| a * kernel[r]).sum::<f64>() - p.rho)
            .collect()
    }

    /// The votes of the pair machines for each class.
    pub fn votes(&self, row: &[f64]) -> Vec<usize> {
        let mut votes = vec![0; self.classes];
        for (p, d) in self.pairs.iter().zip(self.decision_ovo(row)) {
            votes[if d > 0.0 { p.first } else { p.second }] += 1;
        }
        votes
    }

    /// The predicted class: the most votes, ties to the lower class (libsvm's rule).
    pub fn predict(&self, row: &[f64]) -> usize {
        if let [only] = self.present[..] {
            return only;
        }
        painter_eval::argmax(&self.votes(row)).unwrap_or(0)
    }
}

fn check_positive(setting: &'static str, value: f64) -> Result<()> {
    check_value(setting, value, 0.0, f64::INFINITY)
}

/// The RBF SVM's settings: the grids its `C` and `gamma` are chosen from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SvmConfig {
    /// Candidate penalties `C` (default 0.1, 1, 10, 100).
    pub c_grid: Vec<f64>,
    /// Candidate kernel widths, as multiples of scikit-learn's `gamma="scale"`
    /// (`1 / (features * variance of the scaled training values)`) (default 0.1, 0.3, 1, 3).
    pub gamma_grid: Vec<f64>,
    /// Folds of the inner stratified cross-validation (unshuffled, as scikit-learn's
    /// `StratifiedKFold`; reduced to the smallest class's training count if that is smaller,
    /// but at least 2) (default 5).
    pub inner_folds: usize,
    /// The solver's stopping tolerance (default 1e-3, libsvm's).
    pub tolerance: f64,
}

impl Default for SvmConfig {
    fn default() -> Self {
        Self {
            c_grid: vec![0.1, 1.0, 10.0, 100.0],
            gamma_grid: vec![0.1, 0.3, 1.0, 3.0],
            inner_folds: 5,
            tolerance: 1e-3,
        }
    }
}

impl SvmConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        check_values("svm.c_grid", &self.c_grid, 0.0, f64::INFINITY)?;
        check_values("svm.gamma_grid", &self.gamma_grid, 0.0, f64::INFINITY)?;
        check_positive("svm.tolerance", self.tolerance)?;
        if self.candidates().len() > 1 && self.inner_folds < 2 {
            return Err(invalid(
                "svm.inner_folds",
                format!(
                    "choosing C and gamma needs at least 2 inner folds, got {}",
                    self.inner_folds
                ),
            ));
        }
        Ok(())
    }

    /// Every `(C, gamma multiplier)` pair, `C` outer (scikit-learn's `ParameterGrid` order).
    pub fn candidates(&self) -> Vec<(f64, f64)> {
        self.c_grid
            .iter()
            .flat_map(|&c| self.gamma_grid.iter().map(move |&g| (c, g)))
            .collect()
    }

    /// Fits the scaling and the SVM at `(c, gamma_multiplier)` on the rows `train`.
    pub fn fit_at(
        &self,
        scaling: Scaling,
        descriptors: &Descriptors,
        train: &[usize],
        c: f64,
        gamma_multiplier: f64,
    ) -> Result<FittedSvm> {
        let scaler = BlockScaler::fit(scaling, descriptors, train)?;
        let rows = scaler.transform_rows(descriptors, train)?;
        let labels = train
            .iter()
            .map(|&i| descriptors.label(i))
            .collect::<Result<Vec<_>>>()?;
        let gamma = gamma_multiplier * scale_gamma(&rows, descriptors.dim());
        let svm = RbfSvm::fit(
            &rows,
            descriptors.dim(),
            &labels,
            descriptors.classes(),
            c,
            gamma,
            self.tolerance,
        )?;
        Ok(FittedSvm {
            scaler,
            svm,
            c,
            gamma_multiplier,
            gamma,
            scores: Vec::new(),
        })
    }

    /// Chooses `(C, gamma)` by stratified cross-validation on the rows `train` (each inner fit
    /// scales on its own inner training rows), then fits at the choice on all of `train`. The
    /// highest mean fold accuracy wins; ties (within 1e-12) go to the first candidate in grid order.
    pub fn fit(
        &self,
        scaling: Scaling,
        descriptors: &Descriptors,
        train: &[usize],
    ) -> Result<FittedSvm> {
        self.validate()?;
        let candidates = self.candidates();
        if let [(c, g)] = candidates[..] {
            return self.fit_at(scaling, descriptors, train, c, g);
        }
        let y = train
            .iter()
            .map(|&i| descriptors.label(i))
            .collect::<Result<Vec<_>>>()?;
        let mut counts = vec![0usize; descriptors.classes()];
        y.iter().for_each(|&l| counts[l] += 1);
        let folds = counts
            .iter()
            .filter(|&&n| n > 0)
            .fold(self.inner_folds, |f, &n| f.min(n));
        if folds < 2 {
            let (class, count) = counts
                .iter()
                .enumerate()
                .filter(|(_, &n)| n > 0)
                .min_by_key(|(_, &n)| n)
                .map_or((0, 0), |(k, &n)| (k, n));
            return Err(HandcraftedError::TooFewForInnerFolds {
                class,
                count,
                folds: self.inner_folds,
            });
        }
        let splitter = StratifiedKFold::new(folds)?;
        let quiet = CrossValidationConfig {
            quiet: true,
            ..CrossValidationConfig::default()
        };
        let scores = candidates
            .par_iter()
            .map(|&(c, g)| {
                let mut model = |_fold: usize, inner_train: &[usize], inner_test: &[usize]| {
                    let rows: Vec<usize> = inner_train.iter().map(|&j| train[j]).collect();
                    let fitted = self.fit_at(scaling, descriptors, &rows, c, g)?;
                    inner_test
                        .iter()
                        .map(|&j| fitted.predict(descriptors.row(train[j])?))
                        .collect::<Result<Vec<_>>>()
                };
                let cv = cross_validate(&mut model, &splitter, &y, &quiet)?;
                Ok(CandidateScore {
                    c,
                    gamma_multiplier: g,
                    fold_accuracies: cv.accuracy.values.clone(),
                    mean_accuracy: cv.accuracy.mean,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let best = scores
            .iter()
            .map(|s| s.mean_accuracy)
            .fold(f64::NEG_INFINITY, f64::max);
        let chosen = scores
            .iter()
            .find(|s| s.mean_accuracy >= best - 1e-12)
            .unwrap_or(&scores[0]);
        let mut fitted = self.fit_at(
            scaling,
            descriptors,
            train,
            chosen.c,
            chosen.gamma_multiplier,
        )?;
        fitted.scores = scores;
        Ok(fitted)
    }
}

/// scikit-learn's `gamma="scale"`: `1 / (features * variance of every value)`, 1 when the values
/// do not vary.
fn scale_gamma(rows: &[f64], dim: usize) -> f64 {
    let n = rows.len() as f64;
    if rows.is_empty() || dim == 0 {
        return 1.0;
    }
    let mean = rows.iter().sum::<f64>() / n;
    let variance = rows.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    if variance > 0.0 {
        1.0 / (dim as f64 * variance)
    } else {
        1.0
    }
}

/// One candidate's inner cross-validation score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateScore {
    /// The penalty.
    pub c: f64,
    /// The kernel width as a multiple of `gamma="scale"`.
    pub gamma_multiplier: f64,
    /// Accuracy on each inner fold.
    pub fold_accuracies: Vec<f64>,
    /// Their mean.
    pub mean_accuracy: f64,
}

/// A fitted SVM pipeline: the scaling fitted on the training rows, then the SVM.
#[derive(Debug, Clone)]
pub struct FittedSvm {
    scaler: BlockScaler,
    svm: RbfSvm,
    /// The chosen penalty.
    pub c: f64,
    /// The chosen kernel width, as a multiple of `gamma="scale"`.
    pub gamma_multiplier: f64,
    /// The kernel width itself.
    pub gamma: f64,
    /// Every candidate's inner score (empty when the grid had one candidate).
    pub scores: Vec<CandidateScore>,
}

impl FittedSvm {
    /// The predicted class of one raw descriptor.
    pub fn predict(&self, row: &[f64]) -> Result<usize> {
        Ok(self.svm.predict(&self.scaler.transform(row)))
    }

    /// The machine on the scaled values.
    pub fn svm(&self) -> &RbfSvm {
        &self.svm
    }
}
