//! Plane kernels of max-pooling with switches and of max-unpooling, shared by the standalone ops
//! ([`crate::max_pool2d_with_indices`], [`crate::max_unpool2d`]) and the fused stages.
//!
//! Semantics are those of PyTorch's `MaxPool2d(kernel, stride, return_indices=True)` without
//! padding: windows start at multiples of the stride, the output is
//! `floor((H - kernel) / stride) + 1` along each axis, an index is the position `h * W + w` inside
//! its plane, the first maximum in row-major order wins ties, and a NaN beats every number (a later
//! NaN beats an earlier one). The fused stages pool the output of a ReLU, which has no NaN, and so
//! a window of non-positive values selects its first element.

use crate::pool_args::PoolGeom;
use crate::ConvError;
use candle_core::WithDType;

/// Max-pools one `h x w` plane `x`, each value first mapped by `act`, into `vals` / `idx`
/// (`ho x wo`).
pub(crate) fn pool_plane<T: WithDType>(
    x: &[T],
    w: usize,
    p: PoolGeom,
    (ho, wo): (usize, usize),
    (vals, idx): (&mut [T], &mut [u32]),
    act: impl Fn(T) -> T,
) {
    let (k, s) = (p.kernel, p.stride);
    if k == 2 && s == 2 {
        pool_plane_2x2(x, w, (ho, wo), (vals, idx), act);
        return;
    }
    for oh in 0..ho {
        let h0 = oh * s;
        let (vrow, irow) = (
            &mut vals[oh * wo..(oh + 1) * wo],
            &mut idx[oh * wo..(oh + 1) * wo],
        );
        for (ow, (v_out, i_out)) in vrow.iter_mut().zip(irow.iter_mut()).enumerate() {
            let w0 = ow * s;
            let mut best = Best::new(h0 * w + w0);
            for dh in 0..k {
                let row = (h0 + dh) * w + w0;
                for (dw, v) in x[row..row + k].iter().enumerate() {
                    best.offer(act(*v), row + dw);
                }
            }
            (*v_out, *i_out) = (best.value, best.index as u32);
        }
    }
}

/// [`pool_plane`] for the common `2 x 2`, stride 2 window, unrolled (same scan order).
fn pool_plane_2x2<T: WithDType>(
    x: &[T],
    w: usize,
    (ho, wo): (usize, usize),
    (vals, idx): (&mut [T], &mut [u32]),
    act: impl Fn(T) -> T,
) {
    for oh in 0..ho {
        let r0 = 2 * oh * w;
        let r1 = r0 + w;
        let (row0, row1) = (&x[r0..r0 + 2 * wo], &x[r1..r1 + 2 * wo]);
        let (vrow, irow) = (
            &mut vals[oh * wo..(oh + 1) * wo],
            &mut idx[oh * wo..(oh + 1) * wo],
        );
        for (ow, (v_out, i_out)) in vrow.iter_mut().zip(irow.iter_mut()).enumerate() {
            let c = 2 * ow;
            let mut best = Best::new(r0 + c);
            best.offer(act(row0[c]), r0 + c);
            best.offer(act(row0[c + 1]), r0 + c + 1);
            best.offer(act(row1[c]), r1 + c);
            best.offer(act(row1[c + 1]), r1 + c + 1);
            (*v_out, *i_out) = (best.value, best.index as u32);
        }
    }
}

/// The running maximum of a window scan: PyTorch's `val > max || isnan(val)`.
struct Best<T> {
    value: T,
    index: usize,
}

impl<T: WithDType> Best<T> {
    fn new(first: usize) -> Self {
        Self {
            value: T::from_f64(f64::NEG_INFINITY),
            index: first,
        }
    }

    #[inline(always)]
    fn offer(&mut self, v: T, i: usize) {
        #[allow(clippy::eq_op)]
        let is_nan = v != v;
        if v > self.value || is_nan {
            self.value = v;
            self.index = i;
        }
    }
}

/// How [`scatter_plane`] combines a value with what is already at its target position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScatterMode {
    /// Overwrite: the last value in row-major order wins (PyTorch's `MaxUnpool2d` on CPU).
    Assign,
    /// Accumulate: the gradient of max-pooling with overlapping windows.
    Add,
}

/// Scatters one plane: `out` (zeroed by the caller) receives `act(vals[j])` at `idx[j]`, combined
/// by `mode` with what is there.
pub(crate) fn scatter_plane<T: WithDType>(
    vals: &[T],
    idx: &[u32],
    out: &mut [T],
    mode: ScatterMode,
    act: impl Fn(T) -> T,
) -> Result<(), ConvError> {
    let plane = out.len();
    for (&i, &v) in idx.iter().zip(vals) {
        let slot = out
            .get_mut(i as usize)
            .ok_or(ConvError::SwitchIndex { index: i, plane })?;
        match mode {
            ScatterMode::Assign => *slot = act(v),
            ScatterMode::Add => *slot += act(v),
        }
    }
    Ok(())
}

/// Gathers one plane: `out[j] = src[idx[j]]`, zeroed where `mask[j] <= 0` when a mask is given
/// (the ReLU's gradient, `mask` being the ReLU's input or output).
pub(crate) fn gather_plane<T: WithDType>(
    src: &[T],
    idx: &[u32],
    mask: Option<&[T]>,
    out: &mut [T],
) -> Result<(), ConvError> {
    for (j, (o, &i)) in out.iter_mut().zip(idx).enumerate() {
        let v = *src.get(i as usize).ok_or(ConvError::SwitchIndex {
            index: i,
            plane: src.len(),
        })?;
        let keep = mask.is_none_or(|m| m.get(j).is_some_and(|m| *m > T::zero()));
        *o = if keep { v } else { T::zero() };
    }
    Ok(())
}

/// Pooled positions per tile of [`scatter_pixel_major`].
const SCATTER_TILE: usize = 64;

/// Scatters the pooled values of one image, all channels, into a pixel-major matrix `out (plane x
/// c)` (zeroed by the caller): `value(k)` is what element `k = ch * plane_p + j` contributes at
/// pixel `idx[k]` of channel `ch`, or `None` for nothing. With `add`, contributions to the same
/// slot are summed (overlapping pooling windows), else the later one in `j` order wins (unpooling).
///
/// The loop runs over tiles of [`SCATTER_TILE`] pooled positions outside and channels inside, so
/// that the writes of one tile land in a few pixel rows of the matrix instead of striding through
/// all of it channel after channel; within a channel the order stays that of `j`.
pub(crate) fn scatter_pixel_major<F>(
    idx: &[u32],
    (c, plane_p): (usize, usize),
    out: &mut [f32],
    add: bool,
    value: F,
) -> Result<(), ConvError>
where
    F: Fn(usize) -> Option<f32>,
{
    let plane = out.len() / c.max(1);
    if idx.len() < c * plane_p {
        return Err(ConvError::Shape(format!(
            "{} switches for {c} planes of {plane_p}",
            idx.len()
        )));
    }
    for j0 in (0..plane_p).step_by(SCATTER_TILE) {
        let j1 = (j0 + SCATTER_TILE).min(plane_p);
        for ch in 0..c {
            let ks = ch * plane_p + j0..ch * plane_p + j1;
            for (k, &i) in ks.clone().zip(&idx[ks]) {
                let Some(v) = value(k) else { continue };
                let slot = out
                    .get_mut(i as usize * c + ch)
                    .filter(|_| (i as usize) < plane)
                    .ok_or(ConvError::SwitchIndex { index: i, plane })?;
                if add {
                    *slot += v;
                } else {
                    *slot = v;
                }
            }
        }
    }
    Ok(())
}
