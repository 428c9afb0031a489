//! Max-pooling that remembers where each maximum came from (the "switches" of Zeiler et al. 2011).
//!
//! Semantics are those of PyTorch's `MaxPool2d(kernel, stride, return_indices=True)` without padding
//! or dilation:
//!
//! - the output is `floor((H - kernel) / stride) + 1` by `floor((W - kernel) / stride) + 1`;
//! - each index is the flat position `h * W + w` of the maximum inside its own `(n, c)` plane;
//! - on ties the first element in row-major order wins;
//! - a NaN beats every number and propagates (if a window holds several NaNs, the last one in
//!   row-major order is reported, as PyTorch does);
//! - the gradient of a pooled value goes to its argmax only (summed where overlapping windows share
//!   an argmax).
//!
//! On the CPU this runs as one parallel Candle custom op; on other devices as the portable
//! composition of [`crate::portable`].

use crate::kernels::{pooled_len, MaxPoolOp};
use candle_core::{Device, Module, Result, Tensor};
use std::sync::{Arc, Mutex};

/// The switches recorded by one max-pooling layer: where each maximum was, and the size of the
/// pooled input (which the unpooling needs when `H` or `W` was odd).
#[derive(Debug, Clone)]
pub struct PoolSwitches {
    /// `u32` indices, `N x C x H_out x W_out`, each `h * input_w + w` within its plane.
    pub indices: Tensor,
    /// Height of the input that was pooled.
    pub input_h: usize,
    /// Width of the input that was pooled.
    pub input_w: usize,
}

pub(crate) fn check_pool_args(
    x: &Tensor,
    kernel: usize,
    stride: usize,
) -> Result<(usize, usize, usize, usize)> {
    let (n, c, h, w) = x.dims4()?;
    if kernel == 0 || stride == 0 {
        candle_core::bail!(
            "max_pool2d: kernel ({kernel}) and stride ({stride}) must be at least 1"
        );
    }
    if h < kernel || w < kernel {
        candle_core::bail!(
            "max_pool2d: a {h}x{w} input is smaller than the {kernel}x{kernel} window"
        );
    }
    if h.checked_mul(w).is_none_or(|p| p > u32::MAX as usize) {
        candle_core::bail!("max_pool2d: a {h}x{w} plane is too large for u32 indices");
    }
    Ok((n, c, h, w))
}

/// Max-pools `x` (`N x C x H x W`, float) with a square `kernel` and `stride`, returning the pooled
/// values and the `u32` argmax indices (`h * W + w` within each plane).
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[[[[1f32, 5., 2., 0.], [3., 4., 2., 9.]]]], &Device::Cpu).unwrap();
/// let (v, i) = painter_cae::max_pool2d_with_indices(&x, 2, 2).unwrap();
/// assert_eq!(v.flatten_all().unwrap().to_vec1::<f32>().unwrap(), [5., 9.]);
/// assert_eq!(i.flatten_all().unwrap().to_vec1::<u32>().unwrap(), [1, 7]);
/// ```
pub fn max_pool2d_with_indices(
    x: &Tensor,
    kernel: usize,
    stride: usize,
) -> Result<(Tensor, Tensor)> {
    check_pool_args(x, kernel, stride)?;
    match x.device() {
        Device::Cpu => {
            let saved = Arc::new(Mutex::new(None));
            let values = x.contiguous()?.apply_op1(MaxPoolOp {
                kernel,
                stride,
                saved: saved.clone(),
            })?;
            let indices = saved
                .lock()
                .map_err(|_| candle_core::Error::Msg("max-pool switches lock poisoned".into()))?
                .clone()
                .ok_or_else(|| candle_core::Error::Msg("max-pool produced no indices".into()))?;
            Ok((values, indices))
        }
        _ => crate::portable::max_pool2d_with_indices(x, kernel, stride),
    }
}

/// A max-pooling layer with a square window; [`Module::forward`] gives the values only,
/// [`MaxPool2d::forward_with_switches`] the values and the [`PoolSwitches`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxPool2d {
    kernel: usize,
    stride: usize,
}

impl MaxPool2d {
    /// A layer with the given window side and stride (both at least 1; checked on use).
    pub fn new(kernel: usize, stride: usize) -> Self {
        Self { kernel, stride }
    }

    /// The window side.
    pub fn kernel(&self) -> usize {
        self.kernel
    }

    /// The step between windows.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// The output size for an `h x w` input.
    pub fn output_size(&self, h: usize, w: usize) -> (usize, usize) {
        if h < self.kernel || w < self.kernel || self.stride == 0 {
            return (0, 0);
        }
        (
            pooled_len(h, self.kernel, self.stride),
            pooled_len(w, self.kernel, self.stride),
        )
    }

    /// Pools `x` and returns the values with the switches needed to unpool them.
    pub fn forward_with_switches(&self, x: &Tensor) -> Result<(Tensor, PoolSwitches)> {
        let (_, _, input_h, input_w) = x.dims4()?;
        let (values, indices) = max_pool2d_with_indices(x, self.kernel, self.stride)?;
        Ok((
            values,
            PoolSwitches {
                indices,
                input_h,
                input_w,
            },
        ))
    }
}

impl Module for MaxPool2d {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(max_pool2d_with_indices(x, self.kernel, self.stride)?.0)
    }
}
