//! [`CaeError`]: everything that can go wrong while building, saving, loading or training the CAE.

use std::path::PathBuf;

/// Errors of the convolutional autoencoder crate.
#[derive(Debug, thiserror::Error)]
pub enum CaeError {
    /// A hyperparameter is out of its valid range; the message names it and says why.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// An input does not fit the model: images of other channels than the encoder takes, a
    /// target of another shape than the reconstruction, switches of another depth than the decoder.
    #[error("input does not fit the model: {0}")]
    Input(String),
    /// An error from the tensor library.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
    /// A dataset could not be read.
    #[error(transparent)]
    Dataset(#[from] painter_data::DatasetError),
    /// A batch could not be built.
    #[error(transparent)]
    Batch(#[from] painter_data::BatchError),
    /// An augmentation (pixel dropout) failed or was misconfigured.
    #[error(transparent)]
    Augment(#[from] painter_data::AugmentError),
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
    /// A checkpoint is missing a file or a tensor, or holds one of the wrong shape or type.
    #[error("checkpoint {path}: {message}")]
    Checkpoint {
        /// The checkpoint folder or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A resumed run does not match the checkpoint it resumes from.
    #[error("cannot resume from {path}: {message}")]
    ResumeMismatch {
        /// The checkpoint resumed from.
        path: PathBuf,
        /// What differs.
        message: String,
    },
    /// The training loss became NaN or infinite; the last good checkpoint was kept.
    #[error(
        "training diverged: loss {loss} at epoch {epoch}, batch {batch}; \
         the last good checkpoint is {last_good:?} (lower the learning rate)"
    )]
    NonFiniteLoss {
        /// The epoch (1-based) in which it happened.
        epoch: usize,
        /// The batch (0-based) within that epoch.
        batch: usize,
        /// The offending loss value.
        loss: f32,
        /// The last checkpoint written before the divergence, if any.
        last_good: Option<PathBuf>,
    },
    /// A figure (loss curves, reconstructions) could not be drawn or written.
    #[error("figure {path}: {message}")]
    Figure {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// An internal lock was poisoned by a panic in another thread.
    #[error("internal lock poisoned: {0}")]
    Poisoned(String),
}

impl CaeError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn json(path: impl Into<PathBuf>, source: serde_json::Error) -> Self {
        Self::Json {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn checkpoint(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::Checkpoint {
            path: path.into(),
            message: message.into(),
        }
    }
}
