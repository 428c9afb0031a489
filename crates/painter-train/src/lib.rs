//! # painter-train
//!
//! The training building blocks shared by the autoencoder's pretraining (painter-cae) and the
//! classifier's training (painter-classify):
//!
//! - [`OptimizerConfig`] and [`Optimizer`]: SGD (with momentum) and AdamW (bias-corrected,
//!   decoupled weight decay), implementing [`candle_nn::Optimizer`]; on the CPU the updates run as
//!   fused, multi-threaded in-place loops (no transient tensor per step, which matters for the paper
//!   head's 328 M weights); the moments and the step count can be saved and restored, so a resumed
//!   run continues exactly where the killed one stopped. The per-epoch learning-rate schedule is
//!   [`OptimizerConfig::lr_at`], applied by the caller through
//!   [`candle_nn::Optimizer::set_learning_rate`].
//! - [`write_tensors`] / [`read_tensors`]: named tensors as a safetensors file, written atomically
//!   and read back with a typed [`TrainError`]; [`var_map`] / [`named_vars`]: named variables into and out of a `VarMap`.
#![deny(missing_docs)]

mod config;
mod error;
mod kernels;
mod optimizer;
mod tensors;

pub use config::OptimizerConfig;
pub use error::TrainError;
pub use optimizer::Optimizer;
pub use tensors::{named_vars, read_tensors, var_map, write_tensors};
