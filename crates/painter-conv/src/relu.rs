//! ReLU with a parallel forward pass and a fused, parallel backward pass.

use crate::storage::{f32_slice, output};
use crate::ConvError;
use candle_core::{CpuStorage, CustomOp1, CustomOp2, DType, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

/// Elements per parallel task.
const CHUNK: usize = 1 << 15;

/// `max(x, 0)` elementwise, differentiable.
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
    if !x.device().is_cpu() || x.dtype() != DType::F32 {
        return x.relu();
    }
    x.contiguous()?.apply_op1(ReluOp)
}

/// The gradient of [`relu`] alone (no autograd): `grad * (y > 0)` where `y` is the ReLU's output.
/// CPU `f32` only; exists for benchmarks and hand-assembled backward passes.
pub fn relu_grad(grad: &Tensor, y: &Tensor) -> Result<Tensor> {
    if !(grad.device().is_cpu()
        && y.device().is_cpu()
        && grad.dtype() == DType::F32
        && y.dtype() == DType::F32)
    {
        return Err(ConvError::Storage("relu_grad").into());
    }
    grad.contiguous()?
        .apply_op2_no_bwd(&y.contiguous()?, &ReluBwdOp)
}

#[derive(Debug, Clone, Copy)]
struct ReluOp;

impl CustomOp1 for ReluOp {
    fn name(&self) -> &'static str {
        "painter-relu"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = f32_slice("relu input", s, l)?;
        let mut y = vec![0f32; x.len()];
        y.par_chunks_mut(CHUNK)
            .zip(x.par_chunks(CHUNK))
            .for_each(|(y, x)| y.iter_mut().zip(x).for_each(|(y, x)| *y = x.max(0.0)));
        Ok(output(y, l.shape().clone()))
    }
    fn bwd(&self, _arg: &Tensor, res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(grad.contiguous()?.apply_op2_no_bwd(res, &ReluBwdOp)?))
    }
}

/// `(grad, y) -> grad * (y > 0)`.
#[derive(Debug, Clone, Copy)]
struct ReluBwdOp;

impl CustomOp2 for ReluBwdOp {
    fn name(&self) -> &'static str {
        "painter-relu-bwd"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        if l1.shape() != l2.shape() {
            return Err(ConvError::Shape(format!(
                "relu gradient {:?} vs output {:?}",
                l1.shape().dims(),
                l2.shape().dims()
            ))
            .into());
        }
        let g = f32_slice("relu gradient", s1, l1)?;
        let y = f32_slice("relu output", s2, l2)?;
        let mut dx = vec![0f32; g.len()];
        dx.par_chunks_mut(CHUNK)
            .zip(g.par_chunks(CHUNK).zip(y.par_chunks(CHUNK)))
            .for_each(|(d, (g, y))| {
                d.iter_mut()
                    .zip(g.iter().zip(y))
                    .for_each(|(d, (g, y))| *d = if *y > 0.0 { *g } else { 0.0 })
            });
        Ok(output(dx, l1.shape().clone()))
    }
}
