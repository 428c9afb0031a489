//! Plane kernels of the fused stages: ReLU followed by max-pooling with switches, and the
//! scatter (unpooling) and gather (its gradient) that undo it.
//!
//! Semantics are those of a ReLU ([`crate::relu`]) followed by PyTorch's
//! `MaxPool2d(kernel, stride, return_indices=True)` without padding: windows start at multiples of
//! the stride, the output is `floor((H - kernel) / stride) + 1` along each axis, an index is the
//! position `h * W + w` inside its plane, and the first maximum in row-major order wins ties
//! (after the ReLU, a window of non-positive values selects its first element).

use crate::ConvError;

/// Pooling window side and stride.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PoolGeom {
    pub kernel: usize,
    pub stride: usize,
}

impl PoolGeom {
    /// Checks the window against a `h x w` plane and returns the pooled size.
    pub fn pooled(&self, h: usize, w: usize) -> Result<(usize, usize), ConvError> {
        if self.kernel == 0 || self.stride == 0 {
            return Err(ConvError::Config(format!(
                "pooling kernel ({}) and stride ({}) must be at least 1",
                self.kernel, self.stride
            )));
        }
        if h < self.kernel || w < self.kernel {
            return Err(ConvError::Config(format!(
                "a {h}x{w} plane is smaller than the {k}x{k} pooling window",
                k = self.kernel
            )));
        }
        if h.checked_mul(w).is_none_or(|p| p > u32::MAX as usize) {
            return Err(ConvError::Config(format!(
                "a {h}x{w} plane is too large for u32 pooling indices"
            )));
        }
        Ok((
            (h - self.kernel) / self.stride + 1,
            (w - self.kernel) / self.stride + 1,
        ))
    }
}

/// `relu` then max-pool of one `h x w` plane `y` into `vals` / `idx` (`ho x wo`).
pub(crate) fn relu_pool_plane(
    y: &[f32],
    w: usize,
    p: PoolGeom,
    (ho, wo): (usize, usize),
    vals: &mut [f32],
    idx: &mut [u32],
) {
    let (k, s) = (p.kernel, p.stride);
    if k == 2 && s == 2 {
        relu_pool_plane_2x2(y, w, (ho, wo), vals, idx);
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
            let mut best = f32::NEG_INFINITY;
            let mut best_i = h0 * w + w0;
            for dh in 0..k {
                let row = (h0 + dh) * w + w0;
                for (dw, v) in y[row..row + k].iter().enumerate() {
                    // The ReLU of `crate::relu`; a NaN becomes 0 there, so none reaches the scan.
                    let a = v.max(0.0);
                    if a > best {
                        best = a;
                        best_i = row + dw;
                    }
                }
            }
            *v_out = best;
            *i_out = best_i as u32;
        }
    }
}

/// [`relu_pool_plane`] for the common `2 x 2`, stride 2 window, unrolled (same scan order).
fn relu_pool_plane_2x2(
    y: &[f32],
    w: usize,
    (ho, wo): (usize, usize),
    vals: &mut [f32],
    idx: &mut [u32],
) {
    for oh in 0..ho {
        let r0 = 2 * oh * w;
        let r1 = r0 + w;
        let (row0, row1) = (&y[r0..r0 + 2 * wo], &y[r1..r1 + 2 * wo]);
        let (vrow, irow) = (
            &mut vals[oh * wo..(oh + 1) * wo],
            &mut idx[oh * wo..(oh + 1) * wo],
        );
        for (ow, (v_out, i_out)) in vrow.iter_mut().zip(irow.iter_mut()).enumerate() {
            let c = 2 * ow;
            let cand = [
                (row0[c], r0 + c),
                (row0[c + 1], r0 + c + 1),
                (row1[c], r1 + c),
                (row1[c + 1], r1 + c + 1),
            ];
            let (mut best, mut best_i) = (f32::NEG_INFINITY, r0 + c);
            for (v, i) in cand {
                let a = v.max(0.0);
                if a > best {
                    best = a;
                    best_i = i;
                }
            }
            *v_out = best;
            *i_out = best_i as u32;
        }
    }
}

fn index_error(i: u32, plane: usize) -> ConvError {
    ConvError::Shape(format!(
        "switch index {i} out of range for a plane of {plane} elements"
    ))
}

/// Unpools one plane: `out` (zeroed by the caller) receives `vals[j]` (after a ReLU if `relu`)
/// at `idx[j]`; where two values share an index, the later one wins.
pub(crate) fn unpool_plane(
    vals: &[f32],
    idx: &[u32],
    relu: bool,
    out: &mut [f32],
) -> Result<(), ConvError> {
    let plane = out.len();
    for (&i, &v) in idx.iter().zip(vals) {
        let slot = out
            .get_mut(i as usize)
            .ok_or_else(|| index_error(i, plane))?;
        *slot = if relu { v.max(0.0) } else { v };
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
                    .ok_or_else(|| index_error(i, plane))?;
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

/// Gather of one plane: `out[j] = src[idx[j]]`, zeroed where `mask[j] <= 0` when a mask is given
/// (the ReLU's gradient, `mask` being the ReLU's input or output).
pub(crate) fn gather_plane(
    src: &[f32],
    idx: &[u32],
    mask: Option<&[f32]>,
    out: &mut [f32],
) -> Result<(), ConvError> {
    for (j, (o, &i)) in out.iter_mut().zip(idx).enumerate() {
        let v = *src
            .get(i as usize)
            .ok_or_else(|| index_error(i, src.len()))?;
        let keep = mask.is_none_or(|m| m.get(j).is_some_and(|m| *m > 0.0));
        *o = if keep { v } else { 0.0 };
    }
    Ok(())
}
