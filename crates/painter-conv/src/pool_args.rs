//! The geometry of a max-pooling window and the checks of the arguments of pooling and unpooling,
//! shared by the CPU kernels, the fused stages and the portable composition.

use crate::storage::same_shape;
use crate::ConvError;
use candle_core::{DType, Result, Tensor};

/// Pooling window side and stride.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PoolGeom {
    pub kernel: usize,
    pub stride: usize,
}

/// Whether `h x w` positions fit the `u32` indices of the switches.
fn fits_u32(h: usize, w: usize) -> bool {
    h.checked_mul(w).is_some_and(|p| p <= u32::MAX as usize)
}

impl PoolGeom {
    /// Checks the window against a `h x w` plane and returns the pooled size:
    /// `floor((h - kernel) / stride) + 1` by `floor((w - kernel) / stride) + 1`.
    pub fn pooled(&self, h: usize, w: usize) -> Result<(usize, usize)> {
        if self.kernel == 0 || self.stride == 0 {
            return Err(ConvError::Config(format!(
                "pooling kernel ({}) and stride ({}) must be at least 1",
                self.kernel, self.stride
            ))
            .into());
        }
        if h < self.kernel || w < self.kernel {
            return Err(ConvError::Config(format!(
                "a {h}x{w} plane is smaller than the {k}x{k} pooling window",
                k = self.kernel
            ))
            .into());
        }
        if !fits_u32(h, w) {
            return Err(ConvError::Config(format!(
                "a {h}x{w} plane is too large for u32 pooling indices"
            ))
            .into());
        }
        Ok((
            (h - self.kernel) / self.stride + 1,
            (w - self.kernel) / self.stride + 1,
        ))
    }
}

/// An error naming `what` unless `t`'s type is one `accepted` takes.
fn check_dtype(
    what: &'static str,
    t: &Tensor,
    accepted: impl Fn(DType) -> bool,
) -> std::result::Result<(), ConvError> {
    if accepted(t.dtype()) {
        Ok(())
    } else {
        Err(ConvError::DType {
            what,
            dtype: t.dtype(),
        })
    }
}

/// Checks the input of a max-pooling (`N x C x H x W`, float) against its window; returns the input
/// dimensions `[N, C, H, W]` and the pooled size `(H_out, W_out)`.
pub(crate) fn check_pool_args(x: &Tensor, geom: PoolGeom) -> Result<([usize; 4], (usize, usize))> {
    let (n, c, h, w) = x.dims4()?;
    check_dtype("max-pooling input", x, |d| d.is_float())?;
    Ok(([n, c, h, w], geom.pooled(h, w)?))
}

/// Checks the arguments of a max-unpooling of `values` (float) at `indices` (`u32`, the same
/// shape, on the same device) into `out_h x out_w` planes.
pub(crate) fn check_unpool_args(
    values: &Tensor,
    indices: &Tensor,
    (out_h, out_w): (usize, usize),
) -> Result<()> {
    values.dims4()?;
    check_dtype("unpooling values", values, |d| d.is_float())?;
    same_shape(
        "unpooling values and indices",
        values.shape(),
        indices.shape(),
    )?;
    check_dtype("unpooling indices", indices, |d| d == DType::U32)?;
    if !fits_u32(out_h, out_w) {
        return Err(ConvError::Config(format!(
            "a {out_h}x{out_w} unpooled plane is too large for u32 indices"
        ))
        .into());
    }
    if !values.device().same_device(indices.device()) {
        return Err(ConvError::Device("unpooling values and indices").into());
    }
    Ok(())
}
