//! The public convolution functions: fast custom ops on the CPU for `f32`, Candle's own
//! convolutions elsewhere.

use crate::op::{apply, apply_no_bwd};
use crate::ops::{Conv2dOp, ConvBwdDataOp, ConvBwdFilterOp, ConvTranspose2dOp};
use crate::relu::{check_slope, leaky_relu};
use crate::storage::{is_cpu_f32, require_cpu_f32};
use crate::{Conv2dConfig, ConvTranspose2dConfig};
use candle_core::{Result, Tensor};

/// 2-D convolution `x (N,Cin,H,W) * w (Cout,Cin,K,K) + b (Cout)`, PyTorch semantics
/// (cross-correlation, zero padding, square kernel).
///
/// On the CPU with `f32` tensors this is an im2col + GEMM custom op whose backward pass computes
/// the input gradient (skipped when `x` takes no part in autograd), the weight gradient and the bias
/// gradient with the same kernels; otherwise it is Candle's `conv2d` plus a broadcast bias.
///
/// ```
/// use candle_core::{Device, Tensor};
/// use painter_conv::{conv2d, Conv2dConfig};
/// let x = Tensor::ones((1, 1, 4, 4), candle_core::DType::F32, &Device::Cpu).unwrap();
/// let w = Tensor::ones((2, 1, 3, 3), candle_core::DType::F32, &Device::Cpu).unwrap();
/// let y = conv2d(&x, &w, None, Conv2dConfig { stride: 1, padding: 1 }).unwrap();
/// assert_eq!(y.dims(), &[1, 2, 4, 4]);
/// ```
pub fn conv2d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, cfg: Conv2dConfig) -> Result<Tensor> {
    let args = with_bias(x, w, b);
    if !is_cpu_f32(&args) {
        let y = x.conv2d(w, cfg.padding, cfg.stride, 1, 1)?;
        return add_bias(y, b);
    }
    apply(&args, Conv2dOp::new(cfg.stride, cfg.padding, None))
}

/// [`conv2d`] followed by [`crate::leaky_relu`] of `negative_slope` (in `[0, 1]`; `0` is the
/// ReLU): on the CPU with `f32` tensors one op, which activates each image while it is still in
/// cache, with no tensor of its own in between; values and gradients equal the composition's bit
/// for bit. Elsewhere it is that composition.
///
/// ```
/// use candle_core::{Device, Tensor};
/// use painter_conv::{conv2d, conv2d_leaky_relu, leaky_relu, Conv2dConfig};
/// let x = Tensor::randn(0f32, 1.0, (1, 2, 5, 5), &Device::Cpu).unwrap();
/// let w = Tensor::randn(0f32, 1.0, (3, 2, 3, 3), &Device::Cpu).unwrap();
/// let cfg = Conv2dConfig { stride: 1, padding: 1 };
/// let fused = conv2d_leaky_relu(&x, &w, None, cfg, 0.1).unwrap();
/// let apart = leaky_relu(&conv2d(&x, &w, None, cfg).unwrap(), 0.1).unwrap();
/// let values = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
/// assert_eq!(values(&fused), values(&apart));
/// ```
pub fn conv2d_leaky_relu(
    x: &Tensor,
    w: &Tensor,
    b: Option<&Tensor>,
    cfg: Conv2dConfig,
    negative_slope: f64,
) -> Result<Tensor> {
    let slope = check_slope(negative_slope)?;
    let args = with_bias(x, w, b);
    if !is_cpu_f32(&args) {
        return leaky_relu(&conv2d(x, w, b, cfg)?, negative_slope);
    }
    apply(&args, Conv2dOp::new(cfg.stride, cfg.padding, Some(slope)))
}

/// 2-D transposed convolution `x (N,Cin,H,W)` with `w (Cin,Cout,K,K)` plus `b (Cout)`, PyTorch
/// semantics: output size `(H - 1) * stride - 2 * padding + K + output_padding`.
///
/// On the CPU with `f32` tensors this is a GEMM + col2im custom op (the transpose of [`conv2d`])
/// with backward passes by the same kernels; otherwise it is Candle's `conv_transpose2d`.
///
/// ```
/// use candle_core::{Device, Tensor};
/// use painter_conv::{conv_transpose2d, ConvTranspose2dConfig};
/// let x = Tensor::ones((1, 2, 4, 4), candle_core::DType::F32, &Device::Cpu).unwrap();
/// let w = Tensor::ones((2, 3, 5, 5), candle_core::DType::F32, &Device::Cpu).unwrap();
/// let cfg = ConvTranspose2dConfig { stride: 2, padding: 2, output_padding: 1 };
/// let y = conv_transpose2d(&x, &w, None, cfg).unwrap();
/// assert_eq!(y.dims(), &[1, 3, 8, 8]);
/// ```
pub fn conv_transpose2d(
    x: &Tensor,
    w: &Tensor,
    b: Option<&Tensor>,
    cfg: ConvTranspose2dConfig,
) -> Result<Tensor> {
    let args = with_bias(x, w, b);
    if !is_cpu_f32(&args) {
        let y = x.conv_transpose2d(w, cfg.padding, cfg.output_padding, cfg.stride, 1)?;
        return add_bias(y, b);
    }
    let op = ConvTranspose2dOp {
        stride: cfg.stride,
        pad: cfg.padding,
        out_pad: cfg.output_padding,
    };
    apply(&args, op)
}

/// The arguments of a convolution op: input, weight and the bias if there is one.
fn with_bias<'a>(x: &'a Tensor, w: &'a Tensor, b: Option<&'a Tensor>) -> Vec<&'a Tensor> {
    [x, w].into_iter().chain(b).collect()
}

fn add_bias(y: Tensor, b: Option<&Tensor>) -> Result<Tensor> {
    match b {
        Some(b) => y.broadcast_add(&b.reshape((1, b.elem_count(), 1, 1))?),
        None => Ok(y),
    }
}

/// The input gradient of [`conv2d`] alone (no autograd): `dy (N,Cout,Ho,Wo)` and `w (Cout,Cin,K,K)`
/// give `dx (N,Cin,h,w)` for an input of spatial size `(h, w)`. CPU `f32` only.
///
/// It is also the forward pass of [`conv_transpose2d`] without bias, and exists separately for
/// benchmarks and for code that assembles its own backward passes.
pub fn conv2d_input_grad(
    dy: &Tensor,
    w: &Tensor,
    cfg: Conv2dConfig,
    (h, wd): (usize, usize),
) -> Result<Tensor> {
    require_cpu_f32("conv2d_input_grad", &[dy, w])?;
    let op = ConvBwdDataOp {
        stride: cfg.stride,
        pad: cfg.padding,
        h,
        w: wd,
    };
    apply_no_bwd(&[dy, w], op)
}

/// The weight gradient of [`conv2d`] alone (no autograd): input `x (N,Cin,H,W)` and output gradient
/// `dy (N,Cout,Ho,Wo)` give `dw (Cout,Cin,K,K)` for kernel size `k`. CPU `f32` only.
///
/// The weight gradient of [`conv_transpose2d`] is `conv2d_weight_grad(dy, x, ..)`: the transposed
/// convolution's output gradient plays the convolution's input.
pub fn conv2d_weight_grad(x: &Tensor, dy: &Tensor, cfg: Conv2dConfig, k: usize) -> Result<Tensor> {
    require_cpu_f32("conv2d_weight_grad", &[x, dy])?;
    let op = ConvBwdFilterOp {
        stride: cfg.stride,
        pad: cfg.padding,
        k,
    };
    apply_no_bwd(&[x, dy], op)
}
