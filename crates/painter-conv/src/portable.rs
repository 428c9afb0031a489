//! Max-pooling with switches and max-unpooling composed from stock Candle tensor ops, for devices
//! other than the CPU (CUDA behind the `cuda` feature, Metal).
//!
//! Why a composition rather than a hand-written CUDA kernel: every op used here (`index_select`,
//! `stack`, comparisons, `where_cond`, `min`/`max`, `gather`, `scatter`) already has a CUDA kernel
//! in Candle and a backward pass in Candle's autograd, so the GPU path needs no `nvcc` at build time,
//! no PTX loading code and no hand-written backward; and, unlike a kernel, this path runs on the CPU
//! too, so the tests check it against the naive reference and the CPU custom ops on every machine,
//! not only on one with a GPU. It costs memory (the `k * k` window offsets are materialized, the
//! size of the input for `kernel == stride`) and a few extra passes, a good trade for a layer that
//! is a small part of a convolution-bound training step.
//!
//! The semantics match [`crate::max_pool2d_with_indices`] exactly: NaNs are set aside before the
//! maximum is taken, the first maximum (smallest window offset) is chosen among ties, and a window
//! holding a NaN selects its last NaN. Unpooling uses `scatter` (assignment); if two values share
//! an index (only possible with overlapping windows), which one lands is up to the device.

use crate::pool_args::{check_pool_args, check_unpool_args, PoolGeom};
use crate::ConvError;
use candle_core::{DType, Result, Tensor, D};

fn u32_vec(v: impl Iterator<Item = usize>) -> Vec<u32> {
    v.map(|x| x as u32).collect()
}

/// [`crate::max_pool2d_with_indices`] as a composition of Candle ops (any device).
pub fn max_pool2d_with_indices(
    x: &Tensor,
    kernel: usize,
    stride: usize,
) -> Result<(Tensor, Tensor)> {
    let ([n, c, _, w], (ho, wo)) = check_pool_args(x, PoolGeom { kernel, stride })?;
    let dev = x.device();
    let kk = kernel * kernel;

    // (N, C, Ho, Wo, k*k): window element j = dh * k + dw of every window, in row-major order.
    let mut windows = Vec::with_capacity(kk);
    for dh in 0..kernel {
        let rows = Tensor::from_vec(u32_vec((0..ho).map(|o| o * stride + dh)), ho, dev)?;
        let xr = x.index_select(&rows, 2)?;
        for dw in 0..kernel {
            let cols = Tensor::from_vec(u32_vec((0..wo).map(|o| o * stride + dw)), wo, dev)?;
            windows.push(xr.index_select(&cols, 3)?);
        }
    }
    let win = Tensor::stack(&windows, 4)?;
    let shape = win.shape().clone();

    let is_nan = win.ne(&win)?;
    let neg_inf = Tensor::new(f64::NEG_INFINITY, dev)?
        .to_dtype(x.dtype())?
        .broadcast_as(&shape)?;
    let clean = is_nan.where_cond(&neg_inf, &win)?;
    let max = clean.max_keepdim(D::Minus1)?;
    let is_max = clean.broadcast_eq(&max)?;

    // Window offsets as f32 (exact for any realistic window), broadcast over the windows.
    let offs = Tensor::from_vec((0..kk).map(|j| j as f32).collect::<Vec<_>>(), kk, dev)?
        .broadcast_as(&shape)?;
    let big = Tensor::new(kk as f32, dev)?.broadcast_as(&shape)?;
    let minus_one = Tensor::new(-1f32, dev)?.broadcast_as(&shape)?;
    let first_max = is_max.where_cond(&offs, &big)?.min_keepdim(D::Minus1)?;
    let last_nan = is_nan
        .where_cond(&offs, &minus_one)?
        .max_keepdim(D::Minus1)?;
    let any_nan = last_nan.ge(0f64)?;
    let sel = any_nan
        .where_cond(&last_nan, &first_max)?
        .to_dtype(DType::U32)?;

    let values = win.gather(&sel, D::Minus1)?.squeeze(D::Minus1)?;

    // Flat index = (oh * stride + j / k) * W + (ow * stride + j % k).
    let table = Tensor::from_vec(
        u32_vec((0..kk).map(|j| (j / kernel) * w + j % kernel)),
        kk,
        dev,
    )?;
    let within = table
        .index_select(&sel.flatten_all()?, 0)?
        .reshape((n, c, ho, wo))?;
    let base = Tensor::from_vec(
        u32_vec((0..ho).flat_map(|oh| (0..wo).map(move |ow| oh * stride * w + ow * stride))),
        (1, 1, ho, wo),
        dev,
    )?;
    let indices = within.broadcast_add(&base)?;
    Ok((values, indices))
}

/// [`crate::max_unpool2d`] as a composition of Candle ops (any device).
pub fn max_unpool2d(values: &Tensor, indices: &Tensor, out: (usize, usize)) -> Result<Tensor> {
    check_unpool_args(values, indices, out)?;
    let (out_h, out_w) = out;
    let (n, c, h, w) = values.dims4()?;
    let plane = out_h * out_w;
    if n * c * h * w > 0 {
        let top = indices.flatten_all()?.max(0)?.to_scalar::<u32>()?;
        if top as usize >= plane {
            return Err(ConvError::SwitchIndex { index: top, plane }.into());
        }
    }
    let src = values.reshape((n, c, h * w))?;
    let ids = indices.reshape((n, c, h * w))?;
    let zeros = Tensor::zeros((n, c, plane), values.dtype(), values.device())?;
    zeros.scatter(&ids, &src, 2)?.reshape((n, c, out_h, out_w))
}
