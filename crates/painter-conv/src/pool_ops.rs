//! The CPU custom ops behind max-pooling with switches and max-unpooling, for every float type.
//!
//! Every op works plane by plane: a tensor `N x C x H x W` is `N * C` independent planes of
//! `H * W` values, and an index is a position `h * W + w` inside its own plane (PyTorch's
//! convention). The planes are processed in parallel with rayon.
//!
//! - [`MaxPoolKernel`]: the window maxima; the argmax indices are computed in the same pass and
//!   kept in a [`SwitchSlot`] (like PyTorch's saved tensors) so that the caller gets them and the
//!   backward pass reuses them.
//! - [`GatherKernel`]: `out[p][j] = src[p][idx[p][j]]` (the gradient of unpooling).
//! - [`ScatterKernel`]: `out[p][idx[p][j]] = src[p][j]` (unpooling), or `+=` (the gradient of
//!   pooling, where overlapping windows may select the same input twice).
//!
//! Backward passes are built from these same ops, so they are themselves differentiable.

use crate::maxpool::{gather_plane, pool_plane, scatter_plane, ScatterMode};
use crate::op::{apply, arity, Arg, Grads, Kernel, Output};
use crate::pool_args::PoolGeom;
use crate::storage::{contiguous, dims4, same_shape, slice};
use crate::ConvError;
use candle_core::backend::BackendStorage;
use candle_core::cpu_backend::Map1;
use candle_core::{Device, Layout, Result, Shape, Tensor, WithDType};
use rayon::prelude::*;
use std::cell::RefCell;
use std::sync::{Arc, Mutex};

/// Where a pooling op leaves its switches (the `u32` argmax indices) for its caller and for its
/// own backward pass.
#[derive(Debug, Clone, Default)]
pub(crate) struct SwitchSlot(Arc<Mutex<Option<Tensor>>>);

impl SwitchSlot {
    /// Keeps `indices`.
    pub fn store(&self, indices: Tensor) -> Result<()> {
        *self
            .0
            .lock()
            .map_err(|_| ConvError::Switches("lock poisoned"))? = Some(indices);
        Ok(())
    }

    /// The indices kept by the forward pass.
    pub fn get(&self) -> Result<Tensor> {
        let kept = self
            .0
            .lock()
            .map_err(|_| ConvError::Switches("lock poisoned"))?
            .clone();
        Ok(kept.ok_or(ConvError::Switches("asked for before the pooling ran"))?)
    }
}

/// The float storage of an argument, or an error naming its type.
fn float_arg<'a>(what: &'static str, (s, l): Arg<'a>) -> Result<Arg<'a>> {
    if !s.dtype().is_float() {
        return Err(ConvError::DType {
            what,
            dtype: s.dtype(),
        }
        .into());
    }
    Ok((s, l))
}

/// The float values of a gather or scatter (`N x C x H x W`, with their dimensions) and its `u32`
/// indices (with their layout).
#[allow(clippy::type_complexity)]
fn values_and_indices<'a>(
    name: &str,
    args: &[Arg<'a>],
) -> Result<(Arg<'a>, [usize; 4], (&'a [u32], &'a Layout))> {
    let [values, (is, il)] = arity(name, args)?;
    let (s, l) = float_arg("plane values", values)?;
    let dims = dims4("plane values", l.shape())?;
    Ok(((s, l), dims, (slice::<u32>("plane indices", is, il)?, il)))
}

/// Max-pooling that returns the window maxima and keeps the argmax indices in `switches`.
pub(crate) struct MaxPoolKernel {
    pub geom: PoolGeom,
    pub switches: SwitchSlot,
}

/// Pools every `h x w` plane of a tensor, writing the indices into `idx`.
struct PoolPlanes {
    geom: PoolGeom,
    w: usize,
    plane_in: usize,
    pooled: (usize, usize),
    idx: RefCell<Vec<u32>>,
}

impl Map1 for PoolPlanes {
    fn f<T: WithDType>(&self, vs: &[T], l: &Layout) -> Result<Vec<T>> {
        let x = contiguous("max-pooling input", vs, l)?;
        let mut idx = self.idx.borrow_mut();
        let idx = idx.as_mut_slice();
        let (geom, w, pooled) = (self.geom, self.w, self.pooled);
        let plane_out = pooled.0 * pooled.1;
        let mut vals = vec![T::zero(); idx.len()];
        if plane_out > 0 && self.plane_in > 0 {
            x.par_chunks(self.plane_in)
                .zip(vals.par_chunks_mut(plane_out))
                .zip(idx.par_chunks_mut(plane_out))
                .for_each(|((xp, vp), ip)| pool_plane(xp, w, geom, pooled, (vp, ip), |v| v));
        }
        Ok(vals)
    }
}

impl Kernel for MaxPoolKernel {
    const NAME: &'static str = "max_pool2d_with_indices";

    fn forward(&self, args: &[Arg<'_>]) -> Output {
        let [(s, l)] = arity(Self::NAME, args)?;
        let (s, l) = float_arg("max-pooling input", (s, l))?;
        let [n, c, h, w] = dims4("max-pooling input", l.shape())?;
        let (ho, wo) = self.geom.pooled(h, w)?;
        let planes = PoolPlanes {
            geom: self.geom,
            w,
            plane_in: h * w,
            pooled: (ho, wo),
            idx: RefCell::new(vec![0u32; n * c * ho * wo]),
        };
        let vals = planes.map(s, l)?;
        let shape = Shape::from((n, c, ho, wo));
        let indices = Tensor::from_vec(planes.idx.into_inner(), shape.clone(), &Device::Cpu)?;
        self.switches.store(indices)?;
        Ok((vals, shape))
    }

    fn backward(&self, args: &[&Tensor], _res: &Tensor, grad: &Tensor) -> Grads {
        let (_, _, h, w) = args[0].dims4()?;
        let indices = self.switches.get()?;
        let grad = apply(&[grad, &indices], ScatterKernel::add((h, w)))?;
        Ok(vec![Some(grad)])
    }
}

/// Gathers every plane of a tensor at the indices of another.
struct GatherPlanes<'a> {
    idx: &'a [u32],
    plane_in: usize,
    plane_out: usize,
}

impl Map1 for GatherPlanes<'_> {
    fn f<T: WithDType>(&self, vs: &[T], l: &Layout) -> Result<Vec<T>> {
        let src = contiguous("gathered values", vs, l)?;
        let mut out = vec![T::zero(); self.idx.len()];
        if self.plane_out == 0 || self.plane_in == 0 {
            return Ok(out);
        }
        out.par_chunks_mut(self.plane_out)
            .zip(self.idx.par_chunks(self.plane_out))
            .zip(src.par_chunks(self.plane_in))
            .try_for_each(|((op, ip), sp)| gather_plane(sp, ip, None, op))?;
        Ok(out)
    }
}

/// `out[p][j] = src[p][idx[p][j]]` for every plane `p`; the output has the indices' shape.
pub(crate) struct GatherKernel;

impl Kernel for GatherKernel {
    const NAME: &'static str = "plane_gather";

    fn forward(&self, args: &[Arg<'_>]) -> Output {
        let ((s, l), [n, c, h, w], (idx, il)) = values_and_indices(Self::NAME, args)?;
        let [n2, c2, ho, wo] = dims4("gather indices", il.shape())?;
        if (n, c) != (n2, c2) {
            return Err(ConvError::Shape(format!(
                "{n}x{c} source planes but {n2}x{c2} index planes"
            ))
            .into());
        }
        let planes = GatherPlanes {
            idx,
            plane_in: h * w,
            plane_out: ho * wo,
        };
        Ok((planes.map(s, l)?, il.shape().clone()))
    }

    fn backward(&self, args: &[&Tensor], _res: &Tensor, grad: &Tensor) -> Grads {
        let (_, _, h, w) = args[0].dims4()?;
        let grad = apply(&[grad, args[1]], ScatterKernel::add((h, w)))?;
        Ok(vec![Some(grad), None])
    }
}

/// Scatters every plane of a tensor to the indices of another, into zero planes.
struct ScatterPlanes<'a> {
    idx: &'a [u32],
    plane_in: usize,
    plane_out: usize,
    planes: usize,
    mode: ScatterMode,
}

impl Map1 for ScatterPlanes<'_> {
    fn f<T: WithDType>(&self, vs: &[T], l: &Layout) -> Result<Vec<T>> {
        let src = contiguous("scattered values", vs, l)?;
        let mut out = vec![T::zero(); self.planes * self.plane_out];
        if self.plane_out == 0 || self.plane_in == 0 {
            return Ok(out);
        }
        out.par_chunks_mut(self.plane_out)
            .zip(self.idx.par_chunks(self.plane_in))
            .zip(src.par_chunks(self.plane_in))
            .try_for_each(|((op, ip), sp)| scatter_plane(sp, ip, op, self.mode, |v| v))?;
        Ok(out)
    }
}

/// `out[p][idx[p][j]] (=|+=) src[p][j]` into zero planes of `out_h x out_w`.
pub(crate) struct ScatterKernel {
    pub out: (usize, usize),
    pub mode: ScatterMode,
}

impl ScatterKernel {
    /// Max-unpooling into `out_h x out_w` planes.
    pub fn assign(out: (usize, usize)) -> Self {
        Self {
            out,
            mode: ScatterMode::Assign,
        }
    }

    /// The gradient of max-pooling an `h x w` plane.
    pub fn add(out: (usize, usize)) -> Self {
        Self {
            out,
            mode: ScatterMode::Add,
        }
    }
}

impl Kernel for ScatterKernel {
    const NAME: &'static str = "plane_scatter";

    fn forward(&self, args: &[Arg<'_>]) -> Output {
        let ((s, l), [n, c, h, w], (idx, il)) = values_and_indices(Self::NAME, args)?;
        same_shape("scattered values and indices", l.shape(), il.shape())?;
        let (out_h, out_w) = self.out;
        let planes = ScatterPlanes {
            idx,
            plane_in: h * w,
            plane_out: out_h * out_w,
            planes: n * c,
            mode: self.mode,
        };
        Ok((planes.map(s, l)?, Shape::from((n, c, out_h, out_w))))
    }

    fn backward(&self, args: &[&Tensor], _res: &Tensor, grad: &Tensor) -> Grads {
        Ok(vec![Some(apply(&[grad, args[1]], GatherKernel)?), None])
    }
}
