//! The crate's one error type, a variant per kind of failure.

use painter_data::DatasetError;
use painter_eval::{CrossValidationError, EvalError};

/// Errors of hand-crafted descriptors and their classifiers.
#[derive(Debug, thiserror::Error)]
pub enum HandcraftedError {
    /// A setting is out of range or names something unknown.
    #[error("invalid setting `{setting}`: {message}")]
    InvalidSetting {
        /// The setting, as its configuration key names it.
        setting: &'static str,
        /// What is wrong with it.
        message: String,
    },
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
    /// A sample index past the samples given.
    #[error("sample {index} out of range for {len} samples")]
    IndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// The number of samples.
        len: usize,
    },
    /// Values of the wrong length (a feature row, a label list, an image plane).
    #[error("{what}: expected {expected} values, got {got}")]
    LengthMismatch {
        /// What was measured.
        what: &'static str,
        /// The length expected.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// A descriptor value is NaN or infinite.
    #[error("sample {index}: descriptor value {feature} is not finite")]
    NonFinite {
        /// The sample.
        index: usize,
        /// The position in its descriptor.
        feature: usize,
    },
    /// A fold has no training sample.
    #[error("no training sample")]
    NoTrainingSample,
    /// Choosing hyperparameters by inner cross-validation needs more training samples of a class.
    #[error(
        "choosing the SVM's C and gamma by {folds}-fold cross-validation needs at least 2 training \
         samples of every class; class {class} has {count}"
    )]
    TooFewForInnerFolds {
        /// The class.
        class: usize,
        /// Its training samples.
        count: usize,
        /// The inner folds asked for.
        folds: usize,
    },
    /// Splitting into folds or scoring them failed.
    #[error("cross-validation: {0}")]
    CrossValidation(#[from] EvalError),
    /// Standardizing the features failed.
    #[error("standardization: {0}")]
    Scaling(#[from] linfa_preprocessing::PreprocessingError),
    /// Fitting a support vector machine failed.
    #[error("SVM: {0}")]
    Svm(#[from] linfa_svm::SvmError),
}

impl From<CrossValidationError<HandcraftedError>> for HandcraftedError {
    /// A model's own error comes back as it was; the driver's errors by their kind.
    fn from(e: CrossValidationError<HandcraftedError>) -> Self {
        match e {
            CrossValidationError::Model { source, .. } => source,
            CrossValidationError::Eval(e) => HandcraftedError::CrossValidation(e),
            CrossValidationError::PredictionCount { expected, got, .. } => {
                HandcraftedError::LengthMismatch {
                    what: "predictions of a fold",
                    expected,
                    got,
                }
            }
        }
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, HandcraftedError>;

/// Checks that the count `value` lies in `range`.
pub(crate) fn check_count(
    setting: &'static str,
    value: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<()> {
    if range.contains(&value) {
        return Ok(());
    }
    Err(invalid(
        setting,
        format!(
            "must be in {}..={}, got {value}",
            range.start(),
            range.end()
        ),
    ))
}

/// Checks that `value` is finite and in `(low, high]` (`high` infinite: above `low`).
pub(crate) fn check_value(setting: &'static str, value: f64, low: f64, high: f64) -> Result<()> {
    if value.is_finite() && value > low && value <= high {
        return Ok(());
    }
    let range = if high.is_finite() {
        format!("in ({low}, {high}]")
    } else {
        format!("finite and above {low}")
    };
    Err(invalid(setting, format!("must be {range}, got {value}")))
}

/// Checks that there is at least one value and that each passes [`check_value`].
pub(crate) fn check_values(
    setting: &'static str,
    values: &[f64],
    low: f64,
    high: f64,
) -> Result<()> {
    if values.is_empty() {
        return Err(invalid(setting, "give at least one value"));
    }
    values
        .iter()
        .try_for_each(|&v| check_value(setting, v, low, high))
}

/// A setting error, for the checks of hyperparameters.
pub(crate) fn invalid(setting: &'static str, message: impl Into<String>) -> HandcraftedError {
    HandcraftedError::InvalidSetting {
        setting,
        message: message.into(),
    }
}
