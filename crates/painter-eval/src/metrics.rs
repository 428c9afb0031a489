//! Accuracy, per-class precision, recall, F1 and support, and their micro, macro and weighted averages,
//! computed exactly as scikit-learn 1.9's `accuracy_score` and `precision_recall_fscore_support`.
//!
//! - precision `tp / (tp + fp)`, recall `tp / (tp + fn)`, F1 from counts `2 tp / (2 tp + fp + fn)`;
//!   a zero denominator gives the [`ZeroDivision`] value (0, 1 or NaN);
//! - macro average: unweighted mean over the labels; weighted average: weighted by support; NaN entries
//!   are left out of both (scikit-learn's `_nanaverage`); if every weight left is zero the weighted
//!   average falls back to the unweighted mean; if every entry is NaN the average is NaN;
//! - micro average: the same ratios of the counts summed over the labels.
//!
//! Sums are taken in NumPy's pairwise order, so results are bit-identical to scikit-learn's.

use crate::labels::{check_targets, resolve_labels};
use crate::numeric::nan_average;
use crate::EvalError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The value a ratio takes when its denominator is zero (scikit-learn's `zero_division`).
///
/// scikit-learn's default, `"warn"`, gives 0 (with a warning): use [`ZeroDivision::Zero`].
///
/// Written `0`, `1` and `nan`; parsed from those and from `0.0`, `1.0`, in any case.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(strum::Display, strum::EnumString)]
#[strum(ascii_case_insensitive)]
#[strum(parse_err_ty = ParseZeroDivisionError, parse_err_fn = unknown_zero_division)]
pub enum ZeroDivision {
    /// 0.0 (scikit-learn's `zero_division=0` and `"warn"`).
    #[default]
    #[strum(to_string = "0", serialize = "0.0")]
    Zero,
    /// 1.0 (`zero_division=1`).
    #[strum(to_string = "1", serialize = "1.0")]
    One,
    /// NaN (`zero_division=np.nan`): the entry is left out of macro and weighted averages.
    #[strum(serialize = "nan")]
    Nan,
}

fn unknown_zero_division(text: &str) -> ParseZeroDivisionError {
    ParseZeroDivisionError(text.to_string())
}

impl ZeroDivision {
    /// The value given to an undefined ratio.
    pub fn value(self) -> f64 {
        match self {
            ZeroDivision::Zero => 0.0,
            ZeroDivision::One => 1.0,
            ZeroDivision::Nan => f64::NAN,
        }
    }
}

/// The text is not `0`, `1` or `nan`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("zero_division must be 0, 1 or nan, not `{0}`")]
pub struct ParseZeroDivisionError(pub String);

/// How per-class scores are combined into one (scikit-learn's `average`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Average {
    /// Ratios of the counts summed over the labels.
    Micro,
    /// Unweighted mean of the per-class scores (NaN entries left out).
    Macro,
    /// Mean of the per-class scores weighted by support (NaN entries left out).
    Weighted,
}

/// Fraction of samples whose prediction equals the truth (scikit-learn's `accuracy_score`).
///
/// ```
/// assert_eq!(painter_eval::accuracy_score(&[0, 1, 2, 2], &[0, 1, 1, 2]).unwrap(), 0.75);
/// ```
pub fn accuracy_score(y_true: &[usize], y_pred: &[usize]) -> Result<f64, EvalError> {
    check_targets(y_true, y_pred)?;
    let correct = y_true.iter().zip(y_pred).filter(|(t, p)| t == p).count();
    Ok(correct as f64 / y_true.len() as f64)
}

/// Per-label counts: true positives, predicted and true totals (scikit-learn's multilabel confusion
/// matrix reduced to `tp_sum`, `pred_sum`, `true_sum`).
///
/// ```
/// use painter_eval::{Average, ClassCounts, ZeroDivision};
///
/// let counts = ClassCounts::new(&[0, 0, 1, 1], &[0, 1, 1, 1], None).unwrap();
/// let scores = counts.scores(ZeroDivision::Zero);
/// assert_eq!(scores.precision, vec![1.0, 2.0 / 3.0]);
/// assert_eq!(scores.recall, vec![0.5, 1.0]);
/// assert_eq!(counts.average(Average::Macro, ZeroDivision::Zero).recall, 0.75);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassCounts {
    /// The labels, in report order.
    pub labels: Vec<usize>,
    /// Samples of each label predicted as that label.
    pub true_positives: Vec<u64>,
    /// Samples predicted as each label (`tp + fp`).
    pub predicted: Vec<u64>,
    /// Samples truly of each label (`tp + fn`, the support).
    pub support: Vec<u64>,
}

/// Per-class precision, recall, F1 and support (scikit-learn's `precision_recall_fscore_support(...,
/// average=None)`), aligned with [`labels`](Self::labels).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassScores {
    /// The labels.
    pub labels: Vec<usize>,
    /// Precision of each label.
    #[serde(with = "crate::nan_serde::vec")]
    pub precision: Vec<f64>,
    /// Recall of each label.
    #[serde(with = "crate::nan_serde::vec")]
    pub recall: Vec<f64>,
    /// F1 score of each label.
    #[serde(with = "crate::nan_serde::vec")]
    pub f1: Vec<f64>,
    /// Number of true samples of each label.
    pub support: Vec<u64>,
}

/// Averaged precision, recall and F1 (scikit-learn's `precision_recall_fscore_support(..., average=...)`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct AveragedScores {
    /// Averaged precision.
    #[serde(with = "crate::nan_serde::float")]
    pub precision: f64,
    /// Averaged recall.
    #[serde(with = "crate::nan_serde::float")]
    pub recall: f64,
    /// Averaged F1 score.
    #[serde(with = "crate::nan_serde::float")]
    pub f1: f64,
}

fn divide(num: u64, den: u64, zero_division: ZeroDivision) -> f64 {
    if den == 0 {
        zero_division.value()
    } else {
        num as f64 / den as f64
    }
}

/// F1 from counts as scikit-learn computes it: `2 tp / (true + predicted)`.
fn f1_from_counts(tp: u64, true_sum: u64, pred_sum: u64, zero_division: ZeroDivision) -> f64 {
    let den = true_sum + pred_sum;
    if den == 0 {
        zero_division.value()
    } else {
        (2 * tp) as f64 / den as f64
    }
}

impl ClassCounts {
    /// Counts over `labels` (in that order; labels absent from the data count zero), or over the sorted
    /// union of the present labels when `labels` is `None`.
    pub fn new(
        y_true: &[usize],
        y_pred: &[usize],
        labels: Option<&[usize]>,
    ) -> Result<Self, EvalError> {
        let labels = resolve_labels(y_true, y_pred, labels)?;
        let index: HashMap<usize, usize> =
            labels.iter().enumerate().map(|(i, &l)| (l, i)).collect();
        let n = labels.len();
        let (mut tp, mut pred, mut support) = (vec![0u64; n], vec![0u64; n], vec![0u64; n]);
        for (t, p) in y_true.iter().zip(y_pred) {
            if let Some(c) = index.get(t).and_then(|&i| support.get_mut(i)) {
                *c += 1;
            }
            if let Some(c) = index.get(p).and_then(|&i| pred.get_mut(i)) {
                *c += 1;
            }
            if t == p {
                if let Some(c) = index.get(t).and_then(|&i| tp.get_mut(i)) {
                    *c += 1;
                }
            }
        }
        Ok(Self {
            labels,
            true_positives: tp,
            predicted: pred,
            support,
        })
    }

    /// Per-class precision, recall, F1 and support.
    pub fn scores(&self, zero_division: ZeroDivision) -> ClassScores {
        let rows = self
            .true_positives
            .iter()
            .zip(&self.predicted)
            .zip(&self.support);
        let precision = rows
            .clone()
            .map(|((&tp, &p), _)| divide(tp, p, zero_division))
            .collect();
        let recall = rows
            .clone()
            .map(|((&tp, _), &s)| divide(tp, s, zero_division))
            .collect();
        let f1 = rows
            .map(|((&tp, &p), &s)| f1_from_counts(tp, s, p, zero_division))
            .collect();
        ClassScores {
            labels: self.labels.clone(),
            precision,
            recall,
            f1,
            support: self.support.clone(),
        }
    }

    /// Precision, recall and F1 averaged over the labels.
    pub fn average(&self, average: Average, zero_division: ZeroDivision) -> AveragedScores {
        match average {
            Average::Micro => {
                let tp: u64 = self.true_positives.iter().sum();
                let pred: u64 = self.predicted.iter().sum();
                let support: u64 = self.support.iter().sum();
                AveragedScores {
                    precision: divide(tp, pred, zero_division),
                    recall: divide(tp, support, zero_division),
                    f1: f1_from_counts(tp, support, pred, zero_division),
                }
            }
            Average::Macro | Average::Weighted => {
                let s = self.scores(zero_division);
                let weights: Vec<f64> = self.support.iter().map(|&w| w as f64).collect();
                let w = (average == Average::Weighted).then_some(weights.as_slice());
                AveragedScores {
                    precision: nan_average(&s.precision, w),
                    recall: nan_average(&s.recall, w),
                    f1: nan_average(&s.f1, w),
                }
            }
        }
    }

    /// The total support (sum over the labels).
    pub fn total_support(&self) -> u64 {
        self.support.iter().sum()
    }
}

/// Per-class precision, recall, F1 and support over `labels` (default: the present labels, sorted);
/// scikit-learn's `precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None,
/// zero_division=...)`.
pub fn precision_recall_fscore_support(
    y_true: &[usize],
    y_pred: &[usize],
    labels: Option<&[usize]>,
    zero_division: ZeroDivision,
) -> Result<ClassScores, EvalError> {
    Ok(ClassCounts::new(y_true, y_pred, labels)?.scores(zero_division))
}

/// Averaged precision, recall and F1 over `labels` (default: the present labels, sorted).
pub fn precision_recall_fscore(
    y_true: &[usize],
    y_pred: &[usize],
    labels: Option<&[usize]>,
    average: Average,
    zero_division: ZeroDivision,
) -> Result<AveragedScores, EvalError> {
    Ok(ClassCounts::new(y_true, y_pred, labels)?.average(average, zero_division))
}

/// Macro-averaged F1 over the present labels (scikit-learn's `f1_score(..., average="macro")`).
pub fn f1_macro(
    y_true: &[usize],
    y_pred: &[usize],
    zero_division: ZeroDivision,
) -> Result<f64, EvalError> {
    Ok(precision_recall_fscore(y_true, y_pred, None, Average::Macro, zero_division)?.f1)
}
