//! # painter-eval
//!
//! Classification metrics computed exactly as scikit-learn 1.9 computes them, and k-fold
//! cross-validation. Depends on no machine-learning framework: any crate can use it alone.
//!
//! - [`ConfusionMatrix`] (rows true, columns predicted), [`accuracy_score`],
//!   [`precision_recall_fscore_support`], [`ClassCounts`] with micro, macro and weighted
//!   [`Average`]s under a [`ZeroDivision`] policy (0, 1 or NaN; NaN entries left out of averages);
//! - [`ClassificationReport`]: the text of `classification_report(..., digits=d)` character for
//!   character, and every figure as serde JSON;
//! - [`ConfusionMatrixPlot`]: the confusion matrix as an annotated PNG heat map;
//! - [`KFold`] and [`StratifiedKFold`] (identical to scikit-learn's folds without shuffling,
//!   deterministic per seed with it), and [`cross_validate`], which runs any [`FoldModel`] over the
//!   folds and reports per fold, pooled, and the mean and standard deviation of accuracy and macro F1.
//!
//! Sums follow NumPy's pairwise order, so averages are bit-identical to scikit-learn's.
//!
//! ```
//! use painter_eval::{ClassificationReport, ReportConfig, ZeroDivision};
//!
//! let y_true = [0, 1, 2, 2, 0];
//! let y_pred = [0, 2, 2, 2, 1];
//! let config = ReportConfig::new().target_names(["ant", "bee", "cat"]).zero_division(ZeroDivision::Zero);
//! let report = ClassificationReport::new(&y_true, &y_pred, &config).unwrap();
//! assert_eq!(report.classes[2].scores.precision, 2.0 / 3.0);
//! print!("{report}");
//! ```
#![deny(missing_docs)]

mod calibration;
mod confusion;
mod cross_validate;
mod error;
mod folds;
mod labels;
mod metrics;
mod nan_serde;
mod numeric;
mod plot;
mod report;

pub use calibration::{Calibration, CalibrationBin, SelectiveAccuracy, SelectivePoint};
pub use confusion::ConfusionMatrix;
pub use cross_validate::{
    cross_validate, CrossValidation, CrossValidationConfig, FoldModel, FoldResult, ScoreSummary,
};
pub use error::{CrossValidationError, EvalError};
pub use folds::{Fold, FoldWarning, KFold, Splits, Splitter, StratifiedKFold};
pub use labels::{argmax, parse_labels, unique_labels};
pub use metrics::{
    accuracy_score, f1_macro, precision_recall_fscore, precision_recall_fscore_support, Average,
    AveragedScores, ClassCounts, ClassScores, ParseZeroDivisionError, ZeroDivision,
};
pub use plot::ConfusionMatrixPlot;
pub use report::{ClassRow, ClassificationReport, ReportConfig, RowScores};
