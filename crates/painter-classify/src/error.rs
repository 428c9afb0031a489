//! [`ClassifyError`]: everything that can go wrong while building, training, saving, loading or
//! running a painter classifier.

use std::path::PathBuf;

/// Errors of the painter classifier.
#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    /// A hyperparameter or setting is invalid; the message names it and says what is allowed.
    #[error("invalid setting: {0}")]
    InvalidConfig(String),
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
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A JSON file could not be parsed or written.
    #[error("{path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
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
    /// Cross-validation failed.
    #[error("cross-validation: {0}")]
    CrossValidation(String),
    /// An error from the tensor library.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
}

impl ClassifyError {
    /// Builds an [`ClassifyError::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = ClassifyError> = std::result::Result<T, E>;
