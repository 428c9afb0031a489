//! [`PipelineError`]: everything that can stop a reproduction run, each with the stage and the
//! file or setting involved.

use std::path::PathBuf;

/// An error of the reproduction pipeline.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// An option is out of range or options contradict each other; the message says which.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// The recipe could not be read, completed or checked.
    #[error(transparent)]
    Recipe(#[from] crate::recipe::RecipeError),
    /// Reading, generating, scraping or standardizing the data failed.
    #[error("data: {0}")]
    Data(#[from] painter_data::DatasetError),
    /// The autoencoder (configuration, pretraining, checkpoint) failed.
    #[error("autoencoder: {0}")]
    Cae(#[from] painter_cae::CaeError),
    /// The classifier failed.
    #[error("classifier: {0}")]
    Classify(#[from] painter_classify::ClassifyError),
    /// Metrics, folds or figures of painter-eval failed.
    #[error("evaluation: {0}")]
    Eval(#[from] painter_eval::EvalError),
    /// The hand-crafted baseline failed.
    #[error("baseline: {0}")]
    Baseline(#[from] painter_handcrafted::HandcraftedError),
    /// A tensor operation failed.
    #[error("tensor: {0}")]
    Candle(#[from] candle_core::Error),
    /// A fold of the cross-validation failed.
    #[error("fold {fold}: {source}")]
    Fold {
        /// The fold (from 1).
        fold: usize,
        /// What went wrong.
        source: Box<PipelineError>,
    },
    /// The cross-validation driver found an inconsistency (e.g. a wrong number of predictions).
    #[error("cross-validation: {0}")]
    CrossValidation(String),
    /// The output folder holds a run made with other settings.
    #[error(
        "{path} holds a run made with other settings ({difference}); use another --out or remove it"
    )]
    ResumeMismatch {
        /// The run description found.
        path: PathBuf,
        /// The first difference.
        difference: String,
    },
    /// A state file (a run description, a fold record, a cache key) is unreadable or corrupt.
    #[error(transparent)]
    Document(#[from] painter_io::DocumentError),
    /// A pretraining left no usable state behind.
    #[error("state file {path}: {message}")]
    State {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file-system error, with the path involved.
    #[error(transparent)]
    Io(#[from] painter_io::FileError),
}

impl PipelineError {
    /// Converts painter-eval's cross-validation error, keeping the fold of a model error.
    pub(crate) fn from_cv(e: painter_eval::CrossValidationError<PipelineError>) -> Self {
        match e {
            painter_eval::CrossValidationError::Eval(e) => Self::Eval(e),
            painter_eval::CrossValidationError::Model { fold, source } => Self::Fold {
                fold: fold + 1,
                source: Box::new(source),
            },
            other => Self::CrossValidation(other.to_string()),
        }
    }
}
