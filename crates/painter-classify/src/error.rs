//! [`ClassifyError`]: everything that can go wrong while building, training, saving, loading or
//! running a painter classifier.

use std::path::PathBuf;

/// Errors of the painter classifier.
#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    /// A hyperparameter or setting is invalid; the message names it and says what is allowed.
    #[error("invalid setting: {0}")]
    InvalidConfig(String),
    /// Parts that must fit together do not: a head and its encoder, a probe and its statistics,
    /// the encoders of one set of statistics, a warm start and the fit it starts.
    #[error("{0}")]
    PartsDisagree(String),
    /// Images too small for the encoder's poolings or for a reading scale.
    #[error("images of {height}x{width} px are too small {needed}")]
    ImageTooSmall {
        /// Their height.
        height: usize,
        /// Their width.
        width: usize,
        /// What they are too small for.
        needed: String,
    },
    /// A logistic regression over fewer than two classes.
    #[error("logistic regression needs at least 2 classes, got {0}")]
    TooFewClasses(usize),
    /// A model folder lacks a file the classifier needs.
    #[error("model folder {dir}: missing file `{file}`")]
    MissingFile {
        /// The model folder.
        dir: PathBuf,
        /// The missing file's name.
        file: String,
    },
    /// The model folder's files do not agree with each other (wrong tensor, shape, version, ...).
    #[error("model folder {dir}: {message}")]
    BadCheckpoint {
        /// The model folder.
        dir: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The number of class names does not match the number of outputs (or labels) of the model.
    #[error("class count mismatch: {expected} expected, {found} found")]
    ClassCountMismatch {
        /// The count the model (or configuration) expects.
        expected: usize,
        /// The count that was given.
        found: usize,
    },
    /// A label lies outside `0..num_classes`, or a sample has no label.
    #[error("sample {index}: {message}")]
    BadLabel {
        /// The dataset index.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// A feature map has a shape other than the one the head was built for.
    #[error("features have shape {found:?}, the head expects (N, {expected:?})")]
    FeatureShape {
        /// The `(C, H, W)` the head was built for.
        expected: (usize, usize, usize),
        /// The shape found.
        found: Vec<usize>,
    },
    /// An image file could not be read, decoded or standardized.
    #[error("image {path}: {message}")]
    Image {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Nothing to train on or to predict.
    #[error("empty input: {0}")]
    Empty(String),
    /// A file-system error, with the path involved.
    #[error(transparent)]
    Io(#[from] painter_io::FileError),
    /// A JSON document (a model description, a training history) is unreadable, corrupt or of
    /// another format.
    #[error(transparent)]
    Document(#[from] painter_io::DocumentError),
    /// A model tensor (of the head or the encoder) is missing.
    #[error("{part} tensor `{name}` is missing")]
    MissingTensor {
        /// `head` or `encoder`.
        part: &'static str,
        /// The tensor's name.
        name: String,
    },
    /// A model tensor has another shape than its configuration needs.
    #[error(
        "{part} tensor `{name}` has shape {found:?}, the {part} configuration needs {expected:?}"
    )]
    TensorShape {
        /// `head` or `encoder`.
        part: &'static str,
        /// The tensor's name.
        name: String,
        /// Its shape.
        found: Vec<usize>,
        /// The shape needed.
        expected: Vec<usize>,
    },
    /// A sample (or one of its augmented views) asked of a feature cache that does not hold it.
    #[error("sample {sample}{} is not in the feature cache", .view.map_or(String::new(), |v| format!(" view {v}")))]
    NotCached {
        /// The dataset index.
        sample: usize,
        /// The augmented view (0: the plain image), when one was asked for.
        view: Option<usize>,
    },
    /// A feature cache file is unreadable or lacks its tensor.
    #[error("feature cache file {path}: {message}")]
    FeatureCacheFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The training loss became NaN or infinite.
    #[error("the training loss diverged to {loss} in epoch {epoch}; lower the learning rate")]
    NonFiniteLoss {
        /// The epoch (1-based).
        epoch: usize,
        /// The loss.
        loss: f64,
    },
    /// A prediction worker failed or returned too few predictions.
    #[error("prediction failed: {0}")]
    Prediction(String),
    /// A dataset error.
    #[error(transparent)]
    Data(#[from] painter_data::DatasetError),
    /// A batch could not be built.
    #[error(transparent)]
    Batch(#[from] painter_data::BatchError),
    /// The pretrained encoder could not be loaded or built.
    #[error("encoder: {0}")]
    Cae(#[from] painter_cae::CaeError),
    /// A chart could not be drawn or written.
    #[error(transparent)]
    Plot(#[from] painter_plot::PlotError),
    /// Cross-validation could not split, score or report (too few samples of a class for the
    /// folds, say); a fold's own failure comes back as itself.
    #[error("cross-validation: {0}")]
    CrossValidation(#[from] painter_eval::EvalError),
    /// An optimizer's configuration or saved state is invalid (see [`painter_train::TrainError`]).
    #[error(transparent)]
    Train(#[from] painter_train::TrainError),
    /// An error from the tensor library.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
    /// Feature values that do not fill whole rows of a feature matrix (or a matrix without
    /// columns).
    #[error("{values} feature values do not make rows of {columns} columns")]
    MatrixShape {
        /// How many values there are.
        values: usize,
        /// The columns per row (0 is never valid).
        columns: usize,
    },
    /// linfa-preprocessing could not fit the standardization.
    #[error("standardization: {0}")]
    Standardization(String),
    /// A feature value is NaN or infinite.
    #[error("feature {column} of row {row} is not finite ({value})")]
    NonFinite {
        /// The row.
        row: usize,
        /// The column.
        column: usize,
        /// The value.
        value: f64,
    },
    /// A row index outside a feature matrix.
    #[error("row {row} is outside the feature matrix of {rows} rows")]
    RowOutOfRange {
        /// The index asked for.
        row: usize,
        /// The rows the matrix has.
        rows: usize,
    },
    /// Feature rows of another width than a model or matrix takes.
    #[error("{found} features where {expected} are expected")]
    ColumnMismatch {
        /// The width expected.
        expected: usize,
        /// The width given.
        found: usize,
    },
    /// The rows of a sample are not the next run of rows of the feature matrix.
    #[error(
        "sample {sample} owns rows {rows:?}: samples own consecutive, non-empty runs of rows, \
         the next starting at row {expected_start}, up to the matrix's last row"
    )]
    SampleRows {
        /// The sample (the sample count when rows are left over after the last sample).
        sample: usize,
        /// Its rows.
        rows: std::ops::Range<usize>,
        /// Where its rows should start.
        expected_start: usize,
    },
    /// Not one label per sample (or per row).
    #[error("{labels} labels for {samples} samples")]
    LabelCount {
        /// The samples (or rows).
        samples: usize,
        /// The labels given.
        labels: usize,
    },
    /// A temperature cannot be fitted: held-out probabilities that are negative or not finite,
    /// or Brent's method found no minimum.
    #[error("temperature scaling: {0}")]
    Calibration(String),
    /// The logistic regression's objective or gradient became NaN or infinite.
    #[error("logistic regression: the objective became non-finite")]
    Diverged,
    /// An eigendecomposition (of the logistic regression's preconditioner) failed.
    #[error("eigendecomposition failed: {0}")]
    Eigen(String),
    /// A `.npy` file is not what it should be.
    #[error("{path}: {problem}")]
    Npy {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: NpyProblem,
    },
}

/// What is wrong with a `.npy` file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NpyProblem {
    /// Not a `.npy` file, or its header cannot be parsed.
    #[error("not a readable .npy file ({0})")]
    Header(String),
    /// The values are of another type.
    #[error("dtype {found}, expected {expected}")]
    DType {
        /// The dtype of the file.
        found: String,
        /// The dtypes accepted.
        expected: &'static str,
    },
    /// The array is stored in Fortran (column-major) order.
    #[error("Fortran order, expected C order (numpy.ascontiguousarray)")]
    FortranOrder,
    /// The array has another number of dimensions.
    #[error("shape {found:?}, expected {expected}")]
    Shape {
        /// The shape of the file.
        found: Vec<u64>,
        /// The shape accepted.
        expected: &'static str,
    },
    /// The data after the header could not be read (too short, for example).
    #[error("the data cannot be read ({0})")]
    Data(String),
}

impl From<painter_eval::CrossValidationError<ClassifyError>> for ClassifyError {
    /// A fold's failure is the model's own error; painter-eval's are typed; a fold that returned
    /// another number of predictions than test samples is a failed prediction.
    fn from(e: painter_eval::CrossValidationError<ClassifyError>) -> Self {
        match e {
            painter_eval::CrossValidationError::Model { source, .. } => source,
            painter_eval::CrossValidationError::Eval(e) => Self::CrossValidation(e),
            painter_eval::CrossValidationError::PredictionCount { .. } => {
                Self::Prediction(e.to_string())
            }
        }
    }
}

/// The crate's result type.
pub type Result<T, E = ClassifyError> = std::result::Result<T, E>;
