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
    /// An optimizer's configuration or saved state is invalid (see [`painter_train::TrainError`]).
    #[error(transparent)]
    Train(#[from] painter_train::TrainError),
    /// No image to train on or to evaluate.
    #[error("no images: {0}")]
    NoImages(&'static str),
    /// The output folder already holds a pretraining run, and resuming was not asked for.
    #[error(
        "{dir} already holds a pretraining run (checkpoint {checkpoint}); resume it or choose \
         another output folder"
    )]
    RunExists {
        /// The output folder.
        dir: PathBuf,
        /// Its newest checkpoint.
        checkpoint: PathBuf,
    },
    /// A variable already in the `VarMap` has another shape than the architecture's parameter.
    #[error("variable {name} exists with shape {found:?}, expected {expected:?}")]
    VariableShape {
        /// The parameter.
        name: String,
        /// The shape found.
        found: Vec<usize>,
        /// The shape the architecture needs.
        expected: Vec<usize>,
    },
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
    #[error(transparent)]
    Io(#[from] painter_io::FileError),
    /// A JSON document (a configuration, a training state) is missing, unreadable, corrupt or of
    /// another format.
    #[error(transparent)]
    Document(#[from] painter_io::DocumentError),
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
    pub(crate) fn checkpoint(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::Checkpoint {
            path: path.into(),
            message: message.into(),
        }
    }
}
