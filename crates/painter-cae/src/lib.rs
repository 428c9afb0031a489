//! # painter-cae
//!
//! The convolutional autoencoder (CAE) of DeepPainter on Candle:
//!
//! - max-pooling that records its switches and real max-unpooling ([`max_pool2d_with_indices`],
//!   [`max_unpool2d`], the layers [`MaxPool2d`] and [`MaxUnpool2d`]), with PyTorch's semantics,
//!   gradients, a parallel CPU kernel and a portable path for GPUs ([`portable`]);
//! - the architecture ([`CaeConfig`], with the paper's and a compact preset), the [`Encoder`] (usable
//!   alone), the [`Decoder`] and the [`Cae`];
//! - checkpoints (`model.safetensors` + `config.json`, written atomically) that load into a fresh
//!   process bit-for-bit ([`CaeCheckpoint`], [`load_cae`], [`load_encoder`]);
//! - pretraining with pixel dropout, SGD or AdamW, validation, early stopping, resumable epoch
//!   checkpoints and figures ([`pretrain`]).
#![deny(missing_docs)]

mod checkpoint;
mod config;
mod decoder;
mod encoder;
mod error;
mod figures;
mod init;
mod kernels;
mod model;
mod optim;
mod pool;
pub mod portable;
mod pretrain;
mod unpool;

pub use checkpoint::{load_cae, load_encoder, CaeCheckpoint};
pub use config::{CaeConfig, DecoderWeights, OutputActivation, ParamSpec, Upsampling};
pub use decoder::{Decoder, DeconvLayer};
pub use encoder::{ConvLayer, Encoder, EncoderOutput};
pub use error::CaeError;
pub use figures::{write_loss_chart, write_reconstructions};
pub use init::init_parameters;
pub use model::Cae;
pub use optim::{CaeOptimizer, OptimizerConfig};
pub use pool::{max_pool2d_with_indices, MaxPool2d, PoolSwitches};
pub use pretrain::{
    evaluate_mse, pretrain, validation_split, EpochRecord, PretrainConfig, PretrainReport,
    StopReason,
};
pub use unpool::{max_unpool2d, MaxUnpool2d};
