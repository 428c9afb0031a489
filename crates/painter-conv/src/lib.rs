//! # painter-conv
//!
//! The kernels of convolutional autoencoders with max-unpooling on Candle, fast on the CPU:
//! convolutions, max-pooling with switches and max-unpooling, and the fused stages of both.
//!
//! [`conv2d`] and [`conv_transpose2d`] take PyTorch-layout tensors (`x: N x C_in x H x W`,
//! conv weights `C_out x C_in x K x K`, transposed-conv weights `C_in x C_out x K x K`) and an
//! optional bias of length `C_out`. On the CPU with `f32` tensors they run as Candle custom ops
//! built on im2col / col2im and the `gemm` crate's matrix product (AVX-512 kernels where the CPU
//! has them), parallel over the batch, with backward passes for input, weight and bias; autograd,
//! optimizers and the rest of a model stay ordinary Candle. On other devices (CUDA) and dtypes
//! they are Candle's own convolutions. [`relu`] and [`leaky_relu`] have parallel fused backward
//! passes.
//!
//! [`max_pool2d_with_indices`] records where each maximum came from (its switches) and
//! [`max_unpool2d`] puts values back there, with PyTorch's semantics (ties, NaN, odd sizes,
//! gradients) for every float type: on the CPU as parallel custom ops, elsewhere as the
//! composition of stock Candle ops in [`portable`] (which runs, and is tested, on the CPU too).
//!
//! For training convolutional autoencoders with max-pooling switches on the CPU,
//! [`conv2d_relu_maxpool2d`] (convolution + bias + ReLU + max-pooling with indices) and
//! [`maxunpool2d_conv_transpose2d`] (optional ReLU + max-unpooling + transposed convolution + bias)
//! are each a single autograd node: the full-resolution maps between their steps live only in
//! per-image scratch buffers, which saves Candle's autograd from storing, allocating and
//! accumulating gradients of that size. They share their plane kernels with the standalone
//! pooling and unpooling. Column matrices are built and multiplied one band of output rows at a
//! time so that they stay in the core's cache.
//!
//! ```
//! use candle_core::{DType, Device, Tensor, Var};
//! use painter_conv::{conv2d, relu, Conv2dConfig};
//! let x = Tensor::randn(0f32, 1.0, (2, 3, 8, 8), &Device::Cpu).unwrap();
//! let w = Var::randn(0f32, 0.1, (4, 3, 3, 3), &Device::Cpu).unwrap();
//! let y = relu(&conv2d(&x, &w, None, Conv2dConfig { stride: 1, padding: 1 }).unwrap()).unwrap();
//! let grads = y.sum_all().unwrap().backward().unwrap();
//! assert_eq!(grads.get(&w).unwrap().dims(), &[4, 3, 3, 3]);
//! assert!(grads.get(&x).is_none()); // the input needs no gradient and gets none
//! ```
#![deny(missing_docs)]

mod channel_stats;
mod config;
mod conv;
mod error;
mod fused;
mod geometry;
mod im2col;
mod kernels;
mod maxpool;
mod op;
mod ops;
mod pool;
mod pool_args;
mod pool_ops;
pub mod portable;
mod relu;
mod scratch;
mod sgemm;
mod storage;

pub use channel_stats::channel_mean_std;
pub use config::{Conv2dConfig, ConvTranspose2dConfig};
pub use conv::{
    conv2d, conv2d_input_grad, conv2d_leaky_relu, conv2d_weight_grad, conv_transpose2d,
};
pub use error::ConvError;
pub use fused::{conv2d_relu_maxpool2d, maxunpool2d_conv_transpose2d};
pub use pool::{max_pool2d_with_indices, max_unpool2d};
pub use relu::{leaky_relu, relu, relu_grad};
pub use sgemm::sgemm;
pub use storage::is_cpu_f32;
