//! # painter-cae
//!
//! The convolutional autoencoder (CAE) of DeepPainter on Candle:
//!
//! - the layers of max-pooling that records its switches and of real max-unpooling ([`MaxPool2d`],
//!   [`MaxUnpool2d`], on `painter-conv`'s kernels and portable GPU path);
//! - the architecture ([`CaeConfig`], with the paper's and a compact preset), the [`Encoder`] (usable
//!   alone; it gives the [`Latent`] maps and switches, and every stage's activation), the
//!   [`Decoder`] (a [`candle_core::Module`] once bound to a latent's switches) and the [`Cae`],
//!   which take [`painter_data::ImageBatch`]es;
//! - checkpoints (`model.safetensors` + `config.json`, written atomically) that load into a fresh
//!   process bit-for-bit ([`CaeCheckpoint`], [`load_cae`], [`load_encoder`]);
//! - pretraining with pixel dropout, SGD or AdamW, validation, early stopping, resumable epoch
//!   checkpoints and figures ([`pretrain`]).
#![deny(missing_docs)]

mod checkpoint;
mod config;
mod decoder;
mod encoder;
mod epoch;
mod error;
mod figures;
mod init;
mod model;
mod pool;
mod pretrain;
mod unpool;

pub use checkpoint::{load_cae, load_encoder, CaeCheckpoint};
pub use config::{CaeConfig, DecoderWeights, OutputActivation, ParamSpec, Upsampling};
pub use decoder::{BoundDecoder, Decoder, DeconvLayer};
pub use encoder::{ConvLayer, Encoder, EncoderStages, Latent, StageActivation};
pub use epoch::PretrainEpoch;
pub use error::CaeError;
pub use figures::{write_loss_chart, write_reconstructions};
pub use init::init_parameters;
pub use model::Cae;
pub use painter_train::{Optimizer, OptimizerConfig};
pub use pool::{MaxPool2d, PoolSwitches};
pub use pretrain::{
    evaluate_mse, pretrain, validation_split, PretrainConfig, PretrainReport, StopReason,
};
pub use unpool::MaxUnpool2d;
