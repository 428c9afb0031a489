//! [`TrainError`]: what can go wrong while configuring an optimizer or saving and restoring state.

use std::path::PathBuf;

/// Errors of the training building blocks.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A hyperparameter lies outside its valid range.
    #[error("optimizer {name} must be {allowed}, got {value}")]
    Hyperparameter {
        /// The hyperparameter.
        name: &'static str,
        /// Its value.
        value: f64,
        /// The values allowed.
        allowed: &'static str,
    },
    /// An optimizer name that is neither `sgd` nor `adamw`.
    #[error("unknown optimizer `{0}` (expected `sgd` or `adamw`)")]
    UnknownOptimizer(String),
    /// A variable of another type than `f32`.
    #[error("optimizer variable {name} is {dtype:?}, expected f32")]
    NotF32 {
        /// The variable.
        name: String,
        /// Its type.
        dtype: candle_core::DType,
    },
    /// A saved state holds a buffer for no variable, or one of another shape than its variable.
    #[error("{path}: optimizer buffer {buffer} {problem}")]
    StateMismatch {
        /// The state file.
        path: PathBuf,
        /// The buffer's name.
        buffer: String,
        /// What is wrong.
        problem: String,
    },
    /// A safetensors file could not be encoded or decoded.
    #[error("{path}: unreadable or unwritable safetensors ({message})")]
    Safetensors {
        /// The file.
        path: PathBuf,
        /// What the safetensors library said.
        message: String,
    },
    /// A file-system error, with the path involved.
    #[error(transparent)]
    Io(#[from] painter_io::FileError),
    /// An internal lock (a `VarMap`'s) was poisoned by a panic in another thread.
    #[error("internal lock poisoned: {0}")]
    Poisoned(&'static str),
    /// An error from the tensor library.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
}
