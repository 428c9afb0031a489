//! [`MaxPool2d`]: max-pooling that records its [`PoolSwitches`] (where each maximum came from), the
//! layer form of [`painter_conv::max_pool2d_with_indices`] (PyTorch's semantics, a parallel CPU
//! kernel and a portable path for GPUs).

use candle_core::{Module, Result, Tensor};
use painter_conv::max_pool2d_with_indices;

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

/// A max-pooling layer with a square window; [`Module::forward`] gives the values only,
/// [`MaxPool2d::forward_with_switches`] the values and the [`PoolSwitches`].
///
/// ```
/// use candle_core::{Device, Module, Tensor};
/// use painter_cae::{MaxPool2d, MaxUnpool2d};
/// let x = Tensor::new(&[[[[1f32, 5., 2., 0.], [3., 4., 2., 9.], [0., 0., 0., 0.]]]], &Device::Cpu)
///     .unwrap();
/// let (v, switches) = MaxPool2d::new(2, 2).forward_with_switches(&x).unwrap();
/// assert_eq!(v.flatten_all().unwrap().to_vec1::<f32>().unwrap(), [5., 9.]);
/// let y = MaxUnpool2d::new(switches).forward(&v).unwrap();
/// assert_eq!(y.dims(), &[1, 1, 3, 4]);
/// ```
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

    /// The output size for an `h x w` input (`(0, 0)` where the window does not fit).
    pub fn output_size(&self, h: usize, w: usize) -> (usize, usize) {
        if h < self.kernel || w < self.kernel || self.stride == 0 {
            return (0, 0);
        }
        let pooled = |len: usize| (len - self.kernel) / self.stride + 1;
        (pooled(h), pooled(w))
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
