//! CPU kernels and Candle custom ops behind max-pooling with switches and max-unpooling.
//!
//! Every op works plane by plane: a tensor `N x C x H x W` is `N * C` independent planes of `H * W`
//! values, and an index is a position `h * W + w` inside its own plane (PyTorch's convention). The
//! planes are processed in parallel with rayon; no kernel allocates per element.
//!
//! - [`MaxPoolOp`]: values of the window maxima; the argmax indices are computed in the same pass and
//!   kept in the op (like PyTorch's saved tensors) so the caller gets them and backward reuses them.
//! - [`GatherOp`]: `out[p][j] = src[p][idx[p][j]]` (pool values from indices, unpool backward).
//! - [`ScatterOp`]: `out[p][idx[p][j]] = src[p][j]` (unpool), or `+=` (pool backward, where overlapping
//!   windows may select the same input twice).
//!
//! Backward passes are built from these same ops, so they are themselves differentiable.

use candle_core::backend::BackendStorage;
use candle_core::{
    CpuStorage, CustomOp1, CustomOp2, DType, Device, Layout, Result, Shape, Tensor, WithDType,
};
use rayon::prelude::*;
use std::sync::{Arc, Mutex};

/// How [`ScatterOp`] combines a value with what is already at its target position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScatterMode {
    /// Overwrite: the last value in row-major order wins (PyTorch's `MaxUnpool2d` on CPU).
    Assign,
    /// Accumulate: the gradient of max-pooling with overlapping windows.
    Add,
}

/// The output size of a pooling window sweep along one axis (floor, like PyTorch without padding).
pub(crate) fn pooled_len(input: usize, kernel: usize, stride: usize) -> usize {
    (input - kernel) / stride + 1
}

/// The contiguous part of a CPU buffer described by `layout`, or an error if it is strided.
fn contiguous<'a, T>(data: &'a [T], layout: &Layout) -> Result<&'a [T]> {
    match layout.contiguous_offsets() {
        Some((start, end)) => data
            .get(start..end)
            .ok_or_else(|| candle_core::Error::Msg("storage shorter than its layout".into())),
        None => candle_core::bail!("pooling kernels need contiguous inputs"),
    }
}

/// Runs `$body` with `$s` bound to the contiguous slice of a float CPU storage, and wraps the
/// resulting `Vec` back into a storage of the same dtype.
macro_rules! float_dispatch {
    ($storage:expr, $layout:expr, $what:expr, |$s:ident| $body:expr) => {
        match $storage {
            CpuStorage::F32(v) => {
                let $s = contiguous(v, $layout)?;
                CpuStorage::F32($body)
            }
            CpuStorage::F64(v) => {
                let $s = contiguous(v, $layout)?;
                CpuStorage::F64($body)
            }
            CpuStorage::F16(v) => {
                let $s = contiguous(v, $layout)?;
                CpuStorage::F16($body)
            }
            CpuStorage::BF16(v) => {
                let $s = contiguous(v, $layout)?;
                CpuStorage::BF16($body)
            }
            other => candle_core::bail!("{}: unsupported dtype {:?}", $what, other.dtype()),
        }
    };
}

fn dims4(layout: &Layout, what: &str) -> Result<(usize, usize, usize, usize)> {
    match layout.shape().dims() {
        &[n, c, h, w] => Ok((n, c, h, w)),
        d => candle_core::bail!("{what} expects an N x C x H x W tensor, got shape {d:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Max-pooling
// ---------------------------------------------------------------------------------------------

/// Max-pools one plane. Per window: the first maximum in row-major order wins; a NaN beats every
/// number, and a later NaN beats an earlier one (exactly PyTorch's `val > max || isnan(val)` scan).
#[allow(clippy::too_many_arguments)]
fn pool_plane<T: WithDType>(
    x: &[T],
    w: usize,
    kernel: usize,
    stride: usize,
    ho: usize,
    wo: usize,
    vals: &mut [T],
    idx: &mut [u32],
) {
    let neg_inf = T::from_f64(f64::NEG_INFINITY);
    let mut o = 0;
    for oh in 0..ho {
        let h0 = oh * stride;
        for ow in 0..wo {
            let w0 = ow * stride;
            let mut best = neg_inf;
            let mut best_i = h0 * w + w0;
            for dh in 0..kernel {
                let row = (h0 + dh) * w;
                let cells = &x[row + w0..row + w0 + kernel];
                for (dw, &v) in cells.iter().enumerate() {
                    #[allow(clippy::eq_op)]
                    let is_nan = v != v;
                    if v > best || is_nan {
                        best = v;
                        best_i = row + w0 + dw;
                    }
                }
            }
            vals[o] = best;
            idx[o] = best_i as u32;
            o += 1;
        }
    }
}

/// The same as [`pool_plane`] for the common `2 x 2`, stride 2 case, unrolled.
fn pool_plane_2x2<T: WithDType>(
    x: &[T],
    w: usize,
    ho: usize,
    wo: usize,
    vals: &mut [T],
    idx: &mut [u32],
) {
    let neg_inf = T::from_f64(f64::NEG_INFINITY);
    for oh in 0..ho {
        let r0 = 2 * oh * w;
        let r1 = r0 + w;
        let row0 = &x[r0..r0 + 2 * wo];
        let row1 = &x[r1..r1 + 2 * wo];
        let out_v = &mut vals[oh * wo..(oh + 1) * wo];
        let out_i = &mut idx[oh * wo..(oh + 1) * wo];
        for ow in 0..wo {
            let c = 2 * ow;
            let cand = [
                (row0[c], r0 + c),
                (row0[c + 1], r0 + c + 1),
                (row1[c], r1 + c),
                (row1[c + 1], r1 + c + 1),
            ];
            let mut best = neg_inf;
            let mut best_i = r0 + c;
            for (v, i) in cand {
                #[allow(clippy::eq_op)]
                let is_nan = v != v;
                if v > best || is_nan {
                    best = v;
                    best_i = i;
                }
            }
            out_v[ow] = best;
            out_i[ow] = best_i as u32;
        }
    }
}

fn pool_cpu<T: WithDType>(
    x: &[T],
    (n, c, h, w): (usize, usize, usize, usize),
    kernel: usize,
    stride: usize,
    idx: &mut [u32],
) -> Vec<T> {
    let ho = pooled_len(h, kernel, stride);
    let wo = pooled_len(w, kernel, stride);
    let plane_in = h * w;
    let plane_out = ho * wo;
    let mut vals = vec![T::zero(); n * c * plane_out];
    if plane_out > 0 && plane_in > 0 {
        x.par_chunks(plane_in)
            .zip(vals.par_chunks_mut(plane_out))
            .zip(idx.par_chunks_mut(plane_out))
            .for_each(|((xp, vp), ip)| {
                if kernel == 2 && stride == 2 {
                    pool_plane_2x2(xp, w, ho, wo, vp, ip)
                } else {
                    pool_plane(xp, w, kernel, stride, ho, wo, vp, ip)
                }
            });
    }
    vals
}

/// Max-pooling that returns the window maxima and records the argmax indices in `saved`.
pub(crate) struct MaxPoolOp {
    pub(crate) kernel: usize,
    pub(crate) stride: usize,
    /// The `u32` argmax indices, written by the forward pass and read by the backward pass.
    pub(crate) saved: Arc<Mutex<Option<Tensor>>>,
}

impl MaxPoolOp {
    fn saved_indices(&self) -> Result<Tensor> {
        let guard = self
            .saved
            .lock()
            .map_err(|_| candle_core::Error::Msg("max-pool switches lock poisoned".into()))?;
        guard
            .clone()
            .ok_or_else(|| candle_core::Error::Msg("max-pool backward before forward".into()))
    }
}

impl CustomOp1 for MaxPoolOp {
    fn name(&self) -> &'static str {
        "max_pool2d_with_indices"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let dims = dims4(layout, "max_pool2d_with_indices")?;
        let (n, c, h, w) = dims;
        if self.kernel == 0 || self.stride == 0 || h < self.kernel || w < self.kernel {
            candle_core::bail!(
                "max_pool2d: kernel {} / stride {} invalid for a {h}x{w} input",
                self.kernel,
                self.stride
            );
        }
        let ho = pooled_len(h, self.kernel, self.stride);
        let wo = pooled_len(w, self.kernel, self.stride);
        let mut idx = vec![0u32; n * c * ho * wo];
        let (k, st) = (self.kernel, self.stride);
        let vals = float_dispatch!(storage, layout, "max_pool2d", |x| pool_cpu(
            x, dims, k, st, &mut idx
        ));
        let indices = Tensor::from_vec(idx, (n, c, ho, wo), &Device::Cpu)?;
        let mut guard = self
            .saved
            .lock()
            .map_err(|_| candle_core::Error::Msg("max-pool switches lock poisoned".into()))?;
        *guard = Some(indices);
        Ok((vals, Shape::from((n, c, ho, wo))))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let (_, _, h, w) = arg.dims4()?;
        let indices = self.saved_indices()?;
        let grad = grad_res.contiguous()?.apply_op2(
            &indices,
            ScatterOp {
                out_h: h,
                out_w: w,
                mode: ScatterMode::Add,
            },
        )?;
        Ok(Some(grad))
    }
}

// ---------------------------------------------------------------------------------------------
// Gather and scatter within planes
// ---------------------------------------------------------------------------------------------

fn index_error(index: u32, plane: usize) -> candle_core::Error {
    candle_core::Error::Msg(format!(
        "switch index {index} out of range for a plane of {plane} elements"
    ))
}

fn gather_cpu<T: WithDType>(
    src: &[T],
    plane_in: usize,
    idx: &[u32],
    plane_out: usize,
) -> Result<Vec<T>> {
    let mut out = vec![T::zero(); idx.len()];
    if plane_out == 0 || plane_in == 0 {
        return Ok(out);
    }
    out.par_chunks_mut(plane_out)
        .zip(idx.par_chunks(plane_out))
        .zip(src.par_chunks(plane_in))
        .try_for_each(|((op, ip), sp)| {
            for (o, &i) in op.iter_mut().zip(ip) {
                *o = *sp.get(i as usize).ok_or_else(|| index_error(i, plane_in))?;
            }
            Ok::<(), candle_core::Error>(())
        })?;
    Ok(out)
}

fn scatter_cpu<T: WithDType>(
    src: &[T],
    plane_in: usize,
    idx: &[u32],
    plane_out: usize,
    planes: usize,
    mode: ScatterMode,
) -> Result<Vec<T>> {
    let mut out = vec![T::zero(); planes * plane_out];
    if plane_out == 0 || plane_in == 0 {
        return Ok(out);
    }
    out.par_chunks_mut(plane_out)
        .zip(idx.par_chunks(plane_in))
        .zip(src.par_chunks(plane_in))
        .try_for_each(|((op, ip), sp)| {
            for (&i, &v) in ip.iter().zip(sp) {
                let slot = op
                    .get_mut(i as usize)
                    .ok_or_else(|| index_error(i, plane_out))?;
                match mode {
                    ScatterMode::Assign => *slot = v,
                    ScatterMode::Add => *slot += v,
                }
            }
            Ok::<(), candle_core::Error>(())
        })?;
    Ok(out)
}

fn check_indices(l_src: &Layout, l_idx: &Layout, idx: &CpuStorage, what: &str) -> Result<()> {
    if l_src.shape() != l_idx.shape() {
        candle_core::bail!(
            "{what}: values {:?} and indices {:?} must have the same shape",
            l_src.shape().dims(),
            l_idx.shape().dims()
        );
    }
    if idx.dtype() != DType::U32 {
        candle_core::bail!("{what}: indices must be u32, got {:?}", idx.dtype());
    }
    Ok(())
}

/// `out[p][j] = src[p][idx[p][j]]` for every plane `p`; the output has the indices' shape.
pub(crate) struct GatherOp;

impl CustomOp2 for GatherOp {
    fn name(&self) -> &'static str {
        "plane_gather"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (n, c, h, w) = dims4(l1, "plane_gather")?;
        let (n2, c2, ho, wo) = dims4(l2, "plane_gather")?;
        if (n, c) != (n2, c2) {
            candle_core::bail!("plane_gather: {n}x{c} source planes but {n2}x{c2} index planes");
        }
        if s2.dtype() != DType::U32 {
            candle_core::bail!("plane_gather: indices must be u32, got {:?}", s2.dtype());
        }
        let idx = contiguous(u32::cpu_storage_as_slice(s2)?, l2)?;
        let (pi, po) = (h * w, ho * wo);
        let out = float_dispatch!(s1, l1, "plane_gather", |src| gather_cpu(src, pi, idx, po)?);
        Ok((out, l2.shape().clone()))
    }

    fn bwd(
        &self,
        arg1: &Tensor,
        arg2: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let (_, _, h, w) = arg1.dims4()?;
        let grad = grad_res.contiguous()?.apply_op2(
            arg2,
            ScatterOp {
                out_h: h,
                out_w: w,
                mode: ScatterMode::Add,
            },
        )?;
        Ok((Some(grad), None))
    }
}

/// `out[p][idx[p][j]] (=|+=) src[p][j]` into zero planes of `out_h x out_w`.
pub(crate) struct ScatterOp {
    pub(crate) out_h: usize,
    pub(crate) out_w: usize,
    pub(crate) mode: ScatterMode,
}

impl CustomOp2 for ScatterOp {
    fn name(&self) -> &'static str {
        match self.mode {
            ScatterMode::Assign => "max_unpool2d",
            ScatterMode::Add => "plane_scatter_add",
        }
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let what = self.name();
        let (n, c, h, w) = dims4(l1, what)?;
        check_indices(l1, l2, s2, what)?;
        let idx = contiguous(u32::cpu_storage_as_slice(s2)?, l2)?;
        let (pi, po, planes) = (h * w, self.out_h * self.out_w, n * c);
        let m = self.mode;
        let out = float_dispatch!(s1, l1, what, |src| scatter_cpu(
            src, pi, idx, po, planes, m
        )?);
        Ok((out, Shape::from((n, c, self.out_h, self.out_w))))
    }

    fn bwd(
        &self,
        _arg1: &Tensor,
        arg2: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let grad = grad_res.contiguous()?.apply_op2(arg2, GatherOp)?;
        Ok((Some(grad), None))
    }
}
