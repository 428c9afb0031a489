//! Max-pooling that remembers where each maximum came from (the "switches" of Zeiler et al. 2011)
//! and max-unpooling that puts every value back there, with PyTorch's semantics
//! (`MaxPool2d(kernel, stride, return_indices=True)` without padding or dilation, `MaxUnpool2d`):
//!
//! - the pooled output is `floor((H - kernel) / stride) + 1` by `floor((W - kernel) / stride) + 1`;
//! - each index is the flat position `h * W + w` of the maximum inside its own `(n, c)` plane;
//! - on ties the first element in row-major order wins;
//! - a NaN beats every number and propagates (if a window holds several NaNs, the last one in
//!   row-major order is reported, as PyTorch does);
//! - the gradient of a pooled value goes to its argmax only (summed where overlapping windows
//!   share an argmax); the gradient of an unpooled value is the output gradient at its index.
//!
//! On the CPU these run as parallel Candle custom ops; on other devices as the composition of
//! stock Candle ops in [`crate::portable`].

use crate::op::apply;
use crate::pool_args::{check_pool_args, check_unpool_args, PoolGeom};
use crate::pool_ops::{MaxPoolKernel, ScatterKernel, SwitchSlot};
use crate::portable;
use candle_core::{Result, Tensor};

/// Max-pools `x` (`N x C x H x W`, float) with a square `kernel` and `stride`, returning the pooled
/// values and the `u32` argmax indices (`h * W + w` within each plane).
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[[[[1f32, 5., 2., 0.], [3., 4., 2., 9.]]]], &Device::Cpu).unwrap();
/// let (v, i) = painter_conv::max_pool2d_with_indices(&x, 2, 2).unwrap();
/// assert_eq!(v.flatten_all().unwrap().to_vec1::<f32>().unwrap(), [5., 9.]);
/// assert_eq!(i.flatten_all().unwrap().to_vec1::<u32>().unwrap(), [1, 7]);
/// ```
pub fn max_pool2d_with_indices(
    x: &Tensor,
    kernel: usize,
    stride: usize,
) -> Result<(Tensor, Tensor)> {
    let geom = PoolGeom { kernel, stride };
    check_pool_args(x, geom)?;
    if !x.device().is_cpu() {
        return portable::max_pool2d_with_indices(x, kernel, stride);
    }
    let switches = SwitchSlot::default();
    let values = apply(
        &[x],
        MaxPoolKernel {
            geom,
            switches: switches.clone(),
        },
    )?;
    Ok((values, switches.get()?))
}

/// Places each of `values` (`N x C x h x w`) at the position `indices` (`u32`, same shape) recorded
/// in an `out = (out_h, out_w)` plane of zeros. If two values share an index, the later one (row-major)
/// wins, as in PyTorch on the CPU; an index outside the plane is an error.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[[[[1f32, 5., 2., 0.], [3., 4., 2., 9.]]]], &Device::Cpu).unwrap();
/// let (v, i) = painter_conv::max_pool2d_with_indices(&x, 2, 2).unwrap();
/// let y = painter_conv::max_unpool2d(&v, &i, (2, 4)).unwrap();
/// assert_eq!(y.flatten_all().unwrap().to_vec1::<f32>().unwrap(), [0., 5., 0., 0., 0., 0., 0., 9.]);
/// ```
pub fn max_unpool2d(values: &Tensor, indices: &Tensor, out: (usize, usize)) -> Result<Tensor> {
    if !values.device().is_cpu() {
        return portable::max_unpool2d(values, indices, out);
    }
    check_unpool_args(values, indices, out)?;
    apply(&[values, indices], ScatterKernel::assign(out))
}
