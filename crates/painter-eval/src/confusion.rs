//! [`ConfusionMatrix`]: counts of (true label, predicted label) pairs, rows true and columns predicted,
//! as scikit-learn's `confusion_matrix`.

use crate::labels::resolve_labels;
use crate::EvalError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A confusion matrix: `matrix[i][j]` counts the samples whose true label is `labels[i]` and whose
/// predicted label is `labels[j]` (scikit-learn's `confusion_matrix(y_true, y_pred, labels=labels)`).
///
/// Samples whose true or predicted label is not in `labels` are not counted, as in scikit-learn.
///
/// ```
/// use painter_eval::ConfusionMatrix;
///
/// let cm = ConfusionMatrix::new(&[0, 0, 1, 2], &[0, 1, 1, 2]).unwrap();
/// assert_eq!(cm.labels(), &[0, 1, 2]);
/// assert_eq!(cm.rows(), vec![vec![1, 1, 0], vec![0, 1, 0], vec![0, 0, 1]]);
/// assert_eq!(cm.count(0, 1), Some(1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ConfusionMatrixData", into = "ConfusionMatrixData")]
pub struct ConfusionMatrix {
    labels: Vec<usize>,
    /// Row-major `labels.len() x labels.len()` counts.
    counts: Vec<u64>,
}

/// The serialized form: `{"labels": [...], "matrix": [[...], ...]}`.
#[derive(Serialize, Deserialize)]
struct ConfusionMatrixData {
    labels: Vec<usize>,
    matrix: Vec<Vec<u64>>,
}

impl TryFrom<ConfusionMatrixData> for ConfusionMatrix {
    type Error = EvalError;
    fn try_from(d: ConfusionMatrixData) -> Result<Self, EvalError> {
        ConfusionMatrix::from_rows(d.labels, d.matrix)
    }
}

impl From<ConfusionMatrix> for ConfusionMatrixData {
    fn from(cm: ConfusionMatrix) -> Self {
        let matrix = cm.rows();
        ConfusionMatrixData {
            labels: cm.labels,
            matrix,
        }
    }
}

impl ConfusionMatrix {
    /// The confusion matrix over the sorted union of the labels present in `y_true` and `y_pred`.
    pub fn new(y_true: &[usize], y_pred: &[usize]) -> Result<Self, EvalError> {
        Self::build(y_true, y_pred, None)
    }

    /// The confusion matrix over `labels`, in that order (labels may be absent from the data: their
    /// rows and columns are zero).
    pub fn with_labels(
        y_true: &[usize],
        y_pred: &[usize],
        labels: &[usize],
    ) -> Result<Self, EvalError> {
        Self::build(y_true, y_pred, Some(labels))
    }

    fn build(
        y_true: &[usize],
        y_pred: &[usize],
        labels: Option<&[usize]>,
    ) -> Result<Self, EvalError> {
        let labels = resolve_labels(y_true, y_pred, labels)?;
        let n = labels.len();
        let index: HashMap<usize, usize> =
            labels.iter().enumerate().map(|(i, &l)| (l, i)).collect();
        let mut counts = vec![0u64; n * n];
        for (t, p) in y_true.iter().zip(y_pred) {
            if let (Some(&i), Some(&j)) = (index.get(t), index.get(p)) {
                if let Some(c) = counts.get_mut(i * n + j) {
                    *c += 1;
                }
            }
        }
        Ok(Self { labels, counts })
    }

    /// A confusion matrix from its labels and rows of counts (`rows[i][j]`: true `labels[i]`,
    /// predicted `labels[j]`).
    pub fn from_rows(labels: Vec<usize>, rows: Vec<Vec<u64>>) -> Result<Self, EvalError> {
        let n = labels.len();
        if n == 0 {
            return Err(EvalError::NoLabels);
        }
        let mut seen = std::collections::BTreeSet::new();
        for &l in &labels {
            if !seen.insert(l) {
                return Err(EvalError::DuplicateLabel(l));
            }
        }
        if rows.len() != n || rows.iter().any(|r| r.len() != n) {
            return Err(EvalError::BadMatrixShape { labels: n });
        }
        Ok(Self {
            labels,
            counts: rows.into_iter().flatten().collect(),
        })
    }

    /// The labels of the rows (true) and columns (predicted), in order.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Number of classes (rows and columns).
    pub fn n_classes(&self) -> usize {
        self.labels.len()
    }

    /// The count at row `row` (true class index) and column `col` (predicted class index), or `None`
    /// out of range.
    pub fn get(&self, row: usize, col: usize) -> Option<u64> {
        let n = self.labels.len();
        if row >= n || col >= n {
            return None;
        }
        self.counts.get(row * n + col).copied()
    }

    /// The number of samples with true label `true_label` predicted as `pred_label`, or `None` when
    /// either label is not in the matrix.
    pub fn count(&self, true_label: usize, pred_label: usize) -> Option<u64> {
        let row = self.labels.iter().position(|&l| l == true_label)?;
        let col = self.labels.iter().position(|&l| l == pred_label)?;
        self.get(row, col)
    }

    /// The matrix as rows of counts (rows true, columns predicted).
    pub fn rows(&self) -> Vec<Vec<u64>> {
        let n = self.labels.len().max(1);
        self.counts.chunks(n).map(<[u64]>::to_vec).collect()
    }

    /// The largest count (0 for an all-zero matrix).
    pub fn max_count(&self) -> u64 {
        self.counts.iter().copied().max().unwrap_or(0)
    }

    /// The total number of counted samples.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The number of counted samples on the diagonal (correct predictions).
    pub fn correct(&self) -> u64 {
        let n = self.labels.len();
        (0..n).filter_map(|i| self.get(i, i)).sum()
    }
}
