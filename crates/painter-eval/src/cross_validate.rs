//! [`cross_validate`]: runs a model over every fold of a [`Splitter`], collects its predictions and
//! reports per fold, pooled over all folds, and the mean and standard deviation of accuracy and macro F1.

use crate::numeric::{mean, std};
use crate::{
    ClassificationReport, CrossValidationError, EvalError, Fold, FoldWarning, ReportConfig,
    Splitter, ZeroDivision,
};
use serde::{Deserialize, Serialize};

/// A model that can be cross-validated: "train on these indices, predict those".
///
/// Closures `FnMut(fold, train, test) -> Result<Vec<usize>, E>` implement it.
pub trait FoldModel {
    /// The model's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Trains a fresh model on the samples `train` and returns one predicted label per sample of
    /// `test`, in the same order. `fold` is the fold's index (0-based).
    fn fit_predict(
        &mut self,
        fold: usize,
        train: &[usize],
        test: &[usize],
    ) -> Result<Vec<usize>, Self::Error>;
}

impl<F, E> FoldModel for F
where
    F: FnMut(usize, &[usize], &[usize]) -> Result<Vec<usize>, E>,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;
    fn fit_predict(
        &mut self,
        fold: usize,
        train: &[usize],
        test: &[usize],
    ) -> Result<Vec<usize>, E> {
        self(fold, train, test)
    }
}

/// Settings of [`cross_validate`].
///
/// Each fold's report covers the labels present in that fold's truth or predictions (as scikit-learn's
/// scorers do), the pooled report those present anywhere, unless [`labels`](Self::labels) fixes them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossValidationConfig {
    /// Class names indexed by label (`class_names[label]`), or `None` to print labels as numbers.
    pub class_names: Option<Vec<String>>,
    /// Labels every report covers (default: the labels present).
    pub labels: Option<Vec<usize>>,
    /// Digits of the text reports (default 2 when `None`).
    pub digits: Option<usize>,
    /// The zero-division policy.
    pub zero_division: ZeroDivision,
    /// Prints nothing per fold when true (warnings are still printed).
    pub quiet: bool,
}

impl CrossValidationConfig {
    fn report_config(&self, labels: Vec<usize>) -> Result<ReportConfig, EvalError> {
        let mut config = ReportConfig::new()
            .digits(self.digits.unwrap_or(2))
            .zero_division(self.zero_division);
        if let Some(names) = &self.class_names {
            let named = labels
                .iter()
                .map(|&l| {
                    names.get(l).cloned().ok_or(EvalError::UnnamedLabel {
                        label: l,
                        names: names.len(),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            config = config.target_names(named);
        }
        Ok(config.labels(labels))
    }

    fn report(
        &self,
        y_true: &[usize],
        y_pred: &[usize],
    ) -> Result<ClassificationReport, EvalError> {
        let labels = match &self.labels {
            Some(l) => l.clone(),
            None => crate::unique_labels(y_true, y_pred),
        };
        ClassificationReport::new(y_true, y_pred, &self.report_config(labels)?)
    }
}

/// One fold's outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    /// The fold's train and test indices.
    pub fold: Fold,
    /// The prediction for each test sample, aligned with `fold.test`.
    pub predictions: Vec<usize>,
    /// The fold's classification report.
    pub report: ClassificationReport,
}

/// Mean and standard deviation of a score over the folds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreSummary {
    /// The score of each fold, in fold order.
    #[serde(with = "crate::nan_serde::vec")]
    pub values: Vec<f64>,
    /// The mean (NumPy's `np.mean`).
    #[serde(with = "crate::nan_serde::float")]
    pub mean: f64,
    /// The population standard deviation (`ddof = 0`, NumPy's `np.std` default).
    #[serde(with = "crate::nan_serde::float")]
    pub std: f64,
    /// The sample standard deviation (`ddof = 1`; NaN for a single fold).
    #[serde(with = "crate::nan_serde::float")]
    pub sample_std: f64,
}

impl ScoreSummary {
    /// Summarizes `values`.
    pub fn new(values: Vec<f64>) -> Self {
        Self {
            mean: mean(&values),
            std: std(&values, 0),
            sample_std: std(&values, 1),
            values,
        }
    }

    /// The standard error of the mean: the sample standard deviation over the square root of
    /// the number of values (NaN for fewer than two), as `scipy.stats.sem`.
    ///
    /// ```
    /// use painter_eval::ScoreSummary;
    /// // scipy.stats.sem([1, 2, 3, 4]) = 0.6454972243679028
    /// let s = ScoreSummary::new(vec![1.0, 2.0, 3.0, 4.0]);
    /// assert!((s.standard_error() - 0.6454972243679028).abs() < 1e-15);
    /// assert!(ScoreSummary::new(vec![0.5]).standard_error().is_nan());
    /// ```
    pub fn standard_error(&self) -> f64 {
        self.sample_std / (self.values.len() as f64).sqrt()
    }
}

/// The outcome of [`cross_validate`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrossValidation {
    /// Every fold, in order.
    pub folds: Vec<FoldResult>,
    /// The report over all test predictions pooled together.
    pub pooled: ClassificationReport,
    /// The out-of-fold prediction of every sample tested (`None` for a sample no fold tested).
    pub predictions: Vec<Option<usize>>,
    /// Accuracy per fold, its mean and standard deviation.
    pub accuracy: ScoreSummary,
    /// Macro-averaged F1 per fold, its mean and standard deviation.
    pub macro_f1: ScoreSummary,
    /// The splitter's warnings.
    pub warnings: Vec<FoldWarning>,
}

impl CrossValidation {
    /// Every figure as pretty-printed JSON (NaN as `null`).
    pub fn to_json(&self) -> Result<String, EvalError> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// Writes [`to_json`](Self::to_json) to `path` atomically.
    pub fn save_json(&self, path: &std::path::Path) -> Result<(), EvalError> {
        Ok(painter_io::write_atomic(path, self.to_json()?.as_bytes())?)
    }
}

/// Cross-validates `model` on samples labelled `y`: splits with `splitter`, trains and predicts each
/// fold, and reports per fold and pooled. Splitter warnings are printed to stderr and returned; unless
/// `config.quiet`, one line per fold is printed to stderr.
///
/// ```
/// use painter_eval::{cross_validate, CrossValidationConfig, StratifiedKFold};
///
/// let y: Vec<usize> = (0..30).map(|i| i % 3).collect();
/// // A "model" that predicts the majority class of its training set.
/// let mut majority = |_fold: usize, train: &[usize], test: &[usize]| {
///     let mut counts = [0usize; 3];
///     train.iter().for_each(|&i| counts[y[i]] += 1);
///     let best = (0..3).max_by_key(|&c| (counts[c], std::cmp::Reverse(c))).unwrap();
///     Ok::<_, std::io::Error>(vec![best; test.len()])
/// };
/// let config = CrossValidationConfig { quiet: true, ..Default::default() };
/// let cv = cross_validate(&mut majority, &StratifiedKFold::new(5).unwrap(), &y, &config).unwrap();
/// assert_eq!(cv.folds.len(), 5);
/// assert!((cv.accuracy.mean - 1.0 / 3.0).abs() < 1e-12);
/// ```
pub fn cross_validate<M, S>(
    model: &mut M,
    splitter: &S,
    y: &[usize],
    config: &CrossValidationConfig,
) -> Result<CrossValidation, CrossValidationError<M::Error>>
where
    M: FoldModel + ?Sized,
    S: Splitter + ?Sized,
{
    let splits = splitter.split(y)?;
    for w in &splits.warnings {
        eprintln!("warning: {w}");
    }
    let n_folds = splits.folds.len();
    let mut predictions: Vec<Option<usize>> = vec![None; y.len()];
    let (mut pooled_true, mut pooled_pred) = (Vec::new(), Vec::new());
    let mut folds = Vec::with_capacity(n_folds);
    for (index, fold) in splits.folds.into_iter().enumerate() {
        let pred = model
            .fit_predict(index, &fold.train, &fold.test)
            .map_err(|source| CrossValidationError::Model {
                fold: index,
                source,
            })?;
        if pred.len() != fold.test.len() {
            return Err(CrossValidationError::PredictionCount {
                fold: index,
                expected: fold.test.len(),
                got: pred.len(),
            });
        }
        let truth: Vec<usize> = fold
            .test
            .iter()
            .map(|&i| {
                y.get(i).copied().ok_or(EvalError::IndexOutOfRange {
                    index: i,
                    n_samples: y.len(),
                })
            })
            .collect::<Result<_, _>>()?;
        for (&i, &p) in fold.test.iter().zip(&pred) {
            if let Some(slot) = predictions.get_mut(i) {
                *slot = Some(p);
            }
        }
        let report = config.report(&truth, &pred)?;
        if !config.quiet {
            eprintln!(
                "fold {}/{n_folds}: {} train, {} test, accuracy {:.4}, macro F1 {:.4}",
                index + 1,
                fold.train.len(),
                fold.test.len(),
                report.accuracy,
                report.macro_avg.f1_score
            );
        }
        pooled_true.extend_from_slice(&truth);
        pooled_pred.extend_from_slice(&pred);
        folds.push(FoldResult {
            fold,
            predictions: pred,
            report,
        });
    }
    let pooled = config.report(&pooled_true, &pooled_pred)?;
    let accuracy = ScoreSummary::new(folds.iter().map(|f| f.report.accuracy).collect());
    let macro_f1 = ScoreSummary::new(folds.iter().map(|f| f.report.macro_avg.f1_score).collect());
    if !config.quiet {
        eprintln!(
            "{n_folds}-fold cross-validation: accuracy {:.4} +/- {:.4}, macro F1 {:.4} +/- {:.4} \
             (mean +/- population std)",
            accuracy.mean, accuracy.std, macro_f1.mean, macro_f1.std
        );
    }
    Ok(CrossValidation {
        folds,
        pooled,
        predictions,
        accuracy,
        macro_f1,
        warnings: splits.warnings,
    })
}
