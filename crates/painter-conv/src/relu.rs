//! ReLU and leaky ReLU with a parallel forward pass and a fused, parallel backward pass.

use crate::op::{apply, apply_no_bwd, arity, Arg, Grads, Kernel, Output};
use crate::storage::{f32_slice, is_cpu_f32, output, require_cpu_f32, same_shape};
use crate::ConvError;
use candle_core::{Result, Tensor};
use rayon::prelude::*;

/// Elements per parallel task.
const CHUNK: usize = 1 << 15;

/// `max(x, 0)` elementwise, differentiable: [`leaky_relu`] with a slope of 0.
///
/// On the CPU for `f32` this runs in parallel and its backward pass is one fused parallel pass
/// (`grad * (y > 0)`); on other devices and dtypes it is Candle's own `relu`.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[-1.0f32, 0.5, 2.0], &Device::Cpu).unwrap();
/// let y = painter_conv::relu(&x).unwrap();
/// assert_eq!(y.to_vec1::<f32>().unwrap(), vec![0.0, 0.5, 2.0]);
/// ```
pub fn relu(x: &Tensor) -> Result<Tensor> {
    leaky_relu(x, 0.0)
}

/// The leaky ReLU `max(x, negative_slope * x)` elementwise, differentiable, for a slope in
/// `[0, 1]` (an error otherwise); a slope of 0 is the ReLU `max(x, 0)`, which maps NaN to 0.
///
/// On the CPU for `f32` this runs in parallel and its backward pass is one fused parallel pass
/// (`grad` where `y > 0`, `negative_slope * grad` elsewhere); on other devices and dtypes it is
/// composed of Candle's own ops.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[-1.0f32, 0.5, 2.0], &Device::Cpu).unwrap();
/// let y = painter_conv::leaky_relu(&x, 0.25).unwrap();
/// assert_eq!(y.to_vec1::<f32>().unwrap(), vec![-0.25, 0.5, 2.0]);
/// assert!(painter_conv::leaky_relu(&x, 2.0).is_err());
/// ```
pub fn leaky_relu(x: &Tensor, negative_slope: f64) -> Result<Tensor> {
    let slope = check_slope(negative_slope)?;
    if !is_cpu_f32(&[x]) {
        return if negative_slope == 0.0 {
            x.relu()
        } else {
            x.maximum(&x.affine(negative_slope, 0.0)?)
        };
    }
    apply(&[x], LeakyReluOp { slope })
}

/// The gradient of [`relu`] alone (no autograd): `grad * (y > 0)` where `y` is the ReLU's output.
/// CPU `f32` only; exists for benchmarks and hand-assembled backward passes.
pub fn relu_grad(grad: &Tensor, y: &Tensor) -> Result<Tensor> {
    require_cpu_f32("relu_grad", &[grad, y])?;
    apply_no_bwd(&[grad, y], LeakyReluBwdOp(LeakyReluOp { slope: 0.0 }))
}

/// The leaky ReLU of one value: `max(x, slope * x)`, and `max(x, 0)` (no negative zero, NaN to 0)
/// for a slope of 0.
#[inline(always)]
pub(crate) fn leaky_relu_of(x: f32, slope: f32) -> f32 {
    if slope == 0.0 {
        x.max(0.0)
    } else {
        x.max(slope * x)
    }
}

/// An error unless `negative_slope` lies in `[0, 1]`, where `max(x, slope * x)` is the leaky ReLU.
pub(crate) fn check_slope(negative_slope: f64) -> Result<f32> {
    if !(0.0..=1.0).contains(&negative_slope) {
        return Err(ConvError::Config(format!(
            "the negative slope of a leaky ReLU must be in [0, 1], got {negative_slope}"
        ))
        .into());
    }
    Ok(negative_slope as f32)
}

/// `y = max(x, slope * x)`, with `max(x, 0)` for a slope of 0.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LeakyReluOp {
    pub slope: f32,
}

impl Kernel for LeakyReluOp {
    const NAME: &'static str = "painter-leaky-relu";

    fn forward(&self, args: &[Arg<'_>]) -> Output {
        let [(s, l)] = arity(Self::NAME, args)?;
        let x = f32_slice("relu input", s, l)?;
        let slope = self.slope;
        let mut y = vec![0f32; x.len()];
        y.par_chunks_mut(CHUNK)
            .zip(x.par_chunks(CHUNK))
            .for_each(|(y, x)| {
                y.iter_mut()
                    .zip(x)
                    .for_each(|(y, x)| *y = leaky_relu_of(*x, slope))
            });
        Ok(output(y, l.shape().clone()))
    }
    fn backward(&self, _args: &[&Tensor], res: &Tensor, grad: &Tensor) -> Grads {
        let op = LeakyReluBwdOp(*self);
        Ok(vec![Some(apply_no_bwd(&[grad, res], op)?)])
    }
}

/// `(grad, y) -> grad` where `y > 0`, `slope * grad` elsewhere (exactly 0 for a slope of 0), for
/// the leaky ReLU of that slope.
pub(crate) struct LeakyReluBwdOp(pub LeakyReluOp);

impl Kernel for LeakyReluBwdOp {
    const NAME: &'static str = "painter-leaky-relu-bwd";

    fn forward(&self, args: &[Arg<'_>]) -> Output {
        let [(s1, l1), (s2, l2)] = arity(Self::NAME, args)?;
        same_shape("relu gradient and output", l1.shape(), l2.shape())?;
        let g = f32_slice("relu gradient", s1, l1)?;
        let y = f32_slice("relu output", s2, l2)?;
        let slope = self.0.slope;
        let mut dx = vec![0f32; g.len()];
        dx.par_chunks_mut(CHUNK)
            .zip(g.par_chunks(CHUNK).zip(y.par_chunks(CHUNK)))
            .for_each(|(d, (g, y))| {
                let triples = d.iter_mut().zip(g.iter().zip(y));
                if slope == 0.0 {
                    triples.for_each(|(d, (g, y))| *d = if *y > 0.0 { *g } else { 0.0 });
                } else {
                    triples.for_each(|(d, (g, y))| *d = if *y > 0.0 { *g } else { slope * g });
                }
            });
        Ok(output(dx, l1.shape().clone()))
    }
}
