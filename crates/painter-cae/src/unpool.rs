//! Max-unpooling: every pooled value goes back to the position its switch recorded, zeros elsewhere
//! (Zeiler et al. 2011), with PyTorch's `MaxUnpool2d` semantics: the output size is given explicitly,
//! indices are `h * out_w + w` within each `(n, c)` plane, and an index out of range is an error.
//! The gradient of a value is the output gradient gathered at its index.

use crate::kernels::{ScatterMode, ScatterOp};
use crate::pool::PoolSwitches;
use candle_core::{DType, Device, Result, Tensor};

pub(crate) fn check_unpool_args(
    values: &Tensor,
    indices: &Tensor,
    out_h: usize,
    out_w: usize,
) -> Result<()> {
    let vd = values.dims4()?;
    let id = indices.dims4()?;
    if vd != id {
        candle_core::bail!(
            "max_unpool2d: values {vd:?} and indices {id:?} must have the same shape"
        );
    }
    if indices.dtype() != DType::U32 {
        candle_core::bail!(
            "max_unpool2d: indices must be u32, got {:?}",
            indices.dtype()
        );
    }
    if out_h
        .checked_mul(out_w)
        .is_none_or(|p| p > u32::MAX as usize)
    {
        candle_core::bail!(
            "max_unpool2d: a {out_h}x{out_w} output plane is too large for u32 indices"
        );
    }
    if !values.device().same_device(indices.device()) {
        candle_core::bail!("max_unpool2d: values and indices are on different devices");
    }
    Ok(())
}

/// Places each of `values` (`N x C x h x w`) at the position `indices` (`u32`, same shape) recorded
/// in an `out_h x out_w` plane of zeros. If two values share an index, the later one (row-major)
/// wins, as in PyTorch on the CPU.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[[[[1f32, 5., 2., 0.], [3., 4., 2., 9.]]]], &Device::Cpu).unwrap();
/// let (v, i) = painter_cae::max_pool2d_with_indices(&x, 2, 2).unwrap();
/// let y = painter_cae::max_unpool2d(&v, &i, 2, 4).unwrap();
/// assert_eq!(y.flatten_all().unwrap().to_vec1::<f32>().unwrap(), [0., 5., 0., 0., 0., 0., 0., 9.]);
/// ```
pub fn max_unpool2d(
    values: &Tensor,
    indices: &Tensor,
    out_h: usize,
    out_w: usize,
) -> Result<Tensor> {
    check_unpool_args(values, indices, out_h, out_w)?;
    match values.device() {
        Device::Cpu => values.contiguous()?.apply_op2(
            &indices.contiguous()?,
            ScatterOp {
                out_h,
                out_w,
                mode: ScatterMode::Assign,
            },
        ),
        _ => crate::portable::max_unpool2d(values, indices, out_h, out_w),
    }
}

/// A max-unpooling layer: undoes a [`crate::MaxPool2d`] given its [`PoolSwitches`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaxUnpool2d;

impl MaxUnpool2d {
    /// A new unpooling layer (it has no parameters).
    pub fn new() -> Self {
        Self
    }

    /// Unpools `values` to the pre-pool size recorded in `switches`.
    pub fn forward(&self, values: &Tensor, switches: &PoolSwitches) -> Result<Tensor> {
        max_unpool2d(
            values,
            &switches.indices,
            switches.input_h,
            switches.input_w,
        )
    }
}
