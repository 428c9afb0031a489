//! [`EvalError`]: why a metric, a report, a split or a plot could not be computed, and
//! [`CrossValidationError`], which adds the failures of the model being cross-validated.

/// Why a metric, a report, a set of folds or a figure could not be computed or written.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// `y_true` and `y_pred` differ in length.
    #[error("y_true has {y_true} labels but y_pred has {y_pred}")]
    LengthMismatch {
        /// Length of `y_true`.
        y_true: usize,
        /// Length of `y_pred`.
        y_pred: usize,
    },
    /// There is no sample at all.
    #[error("no samples: y_true and y_pred are empty")]
    NoSamples,
    /// An explicit label list is empty.
    #[error("the label list is empty; give at least one label")]
    NoLabels,
    /// An explicit label list names a label twice.
    #[error("label {0} is listed twice")]
    DuplicateLabel(usize),
    /// The number of class names differs from the number of labels reported.
    #[error("{names} class names for {labels} labels")]
    NamesMismatch {
        /// Number of labels in the report.
        labels: usize,
        /// Number of names given.
        names: usize,
    },
    /// A label has no name in a name table indexed by label.
    #[error("label {label} has no name ({names} class names given)")]
    UnnamedLabel {
        /// The label.
        label: usize,
        /// Number of names in the table.
        names: usize,
    },
    /// A confusion matrix built from counts is not square or does not match its labels.
    #[error("a confusion matrix over {labels} labels needs {labels}x{labels} counts")]
    BadMatrixShape {
        /// Number of labels.
        labels: usize,
    },
    /// Fewer than two folds were requested.
    #[error("n_splits={0}: k-fold cross-validation needs at least 2 folds")]
    TooFewSplits(usize),
    /// More folds than samples were requested.
    #[error(
        "cannot have n_splits={n_splits} greater than the number of samples: n_samples={n_samples}"
    )]
    TooManySplits {
        /// Requested number of folds.
        n_splits: usize,
        /// Number of samples.
        n_samples: usize,
    },
    /// Every class has fewer members than the number of folds (stratified k-fold).
    #[error(
        "n_splits={n_splits} cannot be greater than the number of members in each class \
         (the largest class has {largest_class})"
    )]
    SplitsExceedEveryClass {
        /// Requested number of folds.
        n_splits: usize,
        /// Size of the largest class.
        largest_class: usize,
    },
    /// A line of a label file is not a non-negative integer.
    #[error("line {line}: `{text}` is not a non-negative integer label")]
    BadLabel {
        /// 1-based line number.
        line: usize,
        /// The offending text.
        text: String,
    },
    /// A splitter produced a sample index outside the labels.
    #[error("sample index {index} out of range for {n_samples} samples")]
    IndexOutOfRange {
        /// The index.
        index: usize,
        /// Number of samples.
        n_samples: usize,
    },
    /// Class probabilities are not distributions over the labels.
    #[error("prediction {index}: {message}")]
    BadProbabilities {
        /// The prediction's position.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// Drawing a figure failed.
    #[error("plot: {0}")]
    Plot(#[from] painter_plot::PlotError),
    /// Serializing to JSON failed.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Writing a file failed.
    #[error(transparent)]
    Io(#[from] painter_io::FileError),
}

/// Why [`cross_validate`](crate::cross_validate) failed: an evaluation error, or the model's own error
/// in one fold.
#[derive(Debug, thiserror::Error)]
pub enum CrossValidationError<E: std::error::Error + 'static> {
    /// Splitting, scoring or reporting failed.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// The model failed to train or predict on a fold.
    #[error("fold {fold}: {source}")]
    Model {
        /// Index of the fold (0-based).
        fold: usize,
        /// The model's error.
        source: E,
    },
    /// The model returned a different number of predictions than test samples.
    #[error("fold {fold}: the model returned {got} predictions for {expected} test samples")]
    PredictionCount {
        /// Index of the fold (0-based).
        fold: usize,
        /// Number of test samples.
        expected: usize,
        /// Number of predictions returned.
        got: usize,
    },
}
