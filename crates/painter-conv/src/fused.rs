//! Fused stages of a convolutional autoencoder with max-pooling switches, for training on the CPU:
//!
//! - [`conv2d_relu_maxpool2d`]: `maxpool(relu(conv2d(x, w) + b))` with the pooling's argmax
//!   indices (an encoder stage);
//! - [`maxunpool2d_conv_transpose2d`]: `conv_transpose2d(maxunpool(relu?(x), indices), w) + b` (a
//!   decoder stage, optionally with the ReLU of the previous stage on its input).
//!
//! Each is one node in Candle's autograd graph instead of three or four: the full-resolution
//! tensors between the convolution and the pooling (or between the unpooling and the transposed
//! convolution) never exist as tensors; they live per image in reused scratch buffers, so autograd
//! neither stores them nor allocates and accumulates gradients of their size. The results, and the
//! gradients of weight and input, are bit-identical to the unfused composition of [`crate::conv2d`],
//! [`crate::relu`], max-pooling and max-unpooling (the bias gradient of the encoder stage sums the
//! same values in another order, within rounding).

use crate::geometry::ConvGeom;
use crate::kernels::{
    channel_sum, check_len, col_scratch_len, conv_bwd_data_image, conv_bwd_filter_with,
    conv_fwd_image, for_each_image, for_each_image2,
};
use crate::maxpool::{gather_plane, pool_plane, scatter_pixel_major, scatter_plane, ScatterMode};
use crate::op::{apply, arity, if_tracked, Arg, Grads, Kernel, Output};
use crate::ops::conv_shapes;
use crate::pool_args::{check_unpool_args, PoolGeom};
use crate::pool_ops::SwitchSlot;
use crate::scratch::Scratch;
use crate::storage::{f32_slice, output, require_cpu_f32, storage_slice};
use crate::{Conv2dConfig, ConvError, ConvTranspose2dConfig};
use candle_core::{Device, Result, Shape, Tensor};
use gemm::Parallelism;
use rayon::prelude::*;

/// `maxpool(relu(conv2d(x, w) + b))` with the pooling's switches, as one differentiable op.
///
/// `x (N, Cin, H, W)`, `w (Cout, Cin, K, K)`, `b (Cout)`, convolution `cfg`, then a ReLU and
/// max-pooling with a `pool_kernel x pool_kernel` window and `pool_stride` (no padding, PyTorch's
/// `MaxPool2d(return_indices=True)`: first maximum wins ties). Returns the pooled values
/// `(N, Cout, Hp, Wp)` and the `u32` argmax indices of the same shape, each the position
/// `h * Wc + w` inside its `(Cout, Hc, Wc)` convolution-output plane.
///
/// CPU `f32` tensors only (an error otherwise); the gradient flows to `x` (when it takes part in
/// autograd), `w` and `b`.
///
/// ```
/// use candle_core::{Device, Tensor};
/// use painter_conv::{conv2d_relu_maxpool2d, Conv2dConfig};
/// let x = Tensor::rand(0f32, 1.0, (2, 3, 8, 8), &Device::Cpu).unwrap();
/// let w = Tensor::randn(0f32, 0.1, (4, 3, 3, 3), &Device::Cpu).unwrap();
/// let b = Tensor::zeros(4, candle_core::DType::F32, &Device::Cpu).unwrap();
/// let cfg = Conv2dConfig { stride: 1, padding: 1 };
/// let (p, idx) = conv2d_relu_maxpool2d(&x, &w, &b, cfg, 2, 2).unwrap();
/// assert_eq!(p.dims(), &[2, 4, 4, 4]);
/// assert_eq!(idx.dtype(), candle_core::DType::U32);
/// ```
pub fn conv2d_relu_maxpool2d(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    cfg: Conv2dConfig,
    pool_kernel: usize,
    pool_stride: usize,
) -> Result<(Tensor, Tensor)> {
    require_cpu_f32("conv2d_relu_maxpool2d", &[x, w, b])?;
    let switches = SwitchSlot::default();
    let op = ConvReluPoolOp {
        stride: cfg.stride,
        pad: cfg.padding,
        pool: PoolGeom {
            kernel: pool_kernel,
            stride: pool_stride,
        },
        switches: switches.clone(),
    };
    let vals = apply(&[x, w, b], op)?;
    Ok((vals, switches.get()?))
}

/// `conv_transpose2d(maxunpool(relu?(x), indices), w) + b` as one differentiable op.
///
/// `x (N, Cin, Hp, Wp)` are pooled values and `indices` (`u32`, same shape) their switches in
/// `out_h x out_w` planes (as from [`conv2d_relu_maxpool2d`]); the unpooled `(N, Cin, out_h, out_w)`
/// map (zeros except at the switches; where two values share an index the later wins) goes through
/// the transposed convolution `w (Cin, Cout, K, K)`, `b (Cout)`, `cfg`. With `relu_input` the
/// values first go through a ReLU (the activation of the stage before), which then needs no node of
/// its own.
///
/// CPU `f32` tensors only (an error otherwise); the gradient flows to `x` (when it takes part in
/// autograd), `w` and `b`, not to the indices.
///
/// ```
/// use candle_core::{Device, Tensor};
/// use painter_conv::{conv2d_relu_maxpool2d, maxunpool2d_conv_transpose2d, Conv2dConfig,
///     ConvTranspose2dConfig};
/// let x = Tensor::rand(0f32, 1.0, (2, 3, 8, 8), &Device::Cpu).unwrap();
/// let w = Tensor::randn(0f32, 0.1, (4, 3, 3, 3), &Device::Cpu).unwrap();
/// let b = Tensor::zeros(4, candle_core::DType::F32, &Device::Cpu).unwrap();
/// let (p, idx) = conv2d_relu_maxpool2d(&x, &w, &b, Conv2dConfig { stride: 1, padding: 1 }, 2, 2)
///     .unwrap();
/// let bt = Tensor::zeros(3, candle_core::DType::F32, &Device::Cpu).unwrap();
/// let cfg = ConvTranspose2dConfig { stride: 1, padding: 1, output_padding: 0 };
/// let y = maxunpool2d_conv_transpose2d(&p, &idx, (8, 8), false, &w, &bt, cfg).unwrap();
/// assert_eq!(y.dims(), &[2, 3, 8, 8]);
/// ```
pub fn maxunpool2d_conv_transpose2d(
    x: &Tensor,
    indices: &Tensor,
    (out_h, out_w): (usize, usize),
    relu_input: bool,
    w: &Tensor,
    b: &Tensor,
    cfg: ConvTranspose2dConfig,
) -> Result<Tensor> {
    require_cpu_f32("maxunpool2d_conv_transpose2d", &[x, w, b])?;
    check_unpool_args(x, indices, (out_h, out_w))?;
    let op = UnpoolDeconvOp {
        indices: indices.contiguous()?,
        out_h,
        out_w,
        relu: relu_input,
        stride: cfg.stride,
        pad: cfg.padding,
        out_pad: cfg.output_padding,
    };
    apply(&[x, w, b], op)
}

/// What the per-image kernels give.
type KernelResult = std::result::Result<(), ConvError>;

/// A batch's result of `chunk` values per image, each computed by `f(i, image, map, col, par)`
/// with, besides the column scratch `col`, a scratch `map` of one convolution output image
/// (`g.out_len()` values, contents unspecified).
fn per_image_with_map<F>(g: &ConvGeom, chunk: usize, f: F) -> Result<Vec<f32>>
where
    F: Fn(usize, &mut [f32], &mut [f32], &mut Vec<f32>, Parallelism) -> KernelResult + Sync,
{
    let mut out = vec![0f32; g.n * chunk];
    for_each_image(
        g.n,
        &mut out,
        chunk,
        col_scratch_len(g),
        |i, o, col, par| {
            let mut map = Scratch::take(g.out_len());
            f(i, o, map.as_mut(), col, par)
        },
    )?;
    Ok(out)
}

/// The encoder stage: `(x, w, b) -> maxpool(relu(conv(x, w) + b))`, switches kept in `switches`.
struct ConvReluPoolOp {
    stride: usize,
    pad: usize,
    pool: PoolGeom,
    switches: SwitchSlot,
}

impl ConvReluPoolOp {
    fn geom(&self, x: &Shape, w: &Shape) -> Result<(ConvGeom, usize, (usize, usize))> {
        let ([n, ci, h, wd], wdims, k) = conv_shapes("conv2d input", x, w, 1)?;
        let g = ConvGeom::conv(n, ci, (h, wd), wdims[0], k, self.stride, self.pad)?;
        let pooled = self.pool.pooled(g.h_out, g.w_out)?;
        Ok((g, k, pooled))
    }
}

impl Kernel for ConvReluPoolOp {
    const NAME: &'static str = "painter-conv2d-relu-maxpool2d";

    fn forward(&self, args: &[Arg<'_>]) -> Output {
        let [(xs, xl), (ws, wl), (bs, bl)] = arity(Self::NAME, args)?;
        let (g, _, (hp, wp)) = self.geom(xl.shape(), wl.shape())?;
        let x = f32_slice("conv2d input", xs, xl)?;
        let w = f32_slice("conv2d weight", ws, wl)?;
        let b = f32_slice("conv2d bias", bs, bl)?;
        check_len("conv2d input", x.len(), g.n * g.in_len())?;
        check_len("conv2d weight", w.len(), g.weight_len())?;
        check_len("conv2d bias", b.len(), g.c_out)?;
        let (hw, plane_p) = (g.out_hw(), hp * wp);
        let per_image = g.c_out * plane_p;
        let mut vals = vec![0f32; g.n * per_image];
        let mut idx = vec![0u32; g.n * per_image];
        for_each_image2(
            (&mut vals, per_image),
            (&mut idx, per_image),
            col_scratch_len(&g),
            |i, vi, ii, col, par| {
                let xi = &x[i * g.in_len()..(i + 1) * g.in_len()];
                let mut y = Scratch::take(g.out_len());
                let y = y.as_mut();
                conv_fwd_image(&g, xi, w, Some(b), y, col, par)?;
                for ((yp, vp), ip) in y
                    .chunks_exact(hw)
                    .zip(vi.chunks_exact_mut(plane_p))
                    .zip(ii.chunks_exact_mut(plane_p))
                {
                    pool_plane(yp, g.w_out, self.pool, (hp, wp), (vp, ip), |v| v.max(0.0));
                }
                Ok(())
            },
        )?;
        let shape = (g.n, g.c_out, hp, wp);
        self.switches
            .store(Tensor::from_vec(idx, shape, &Device::Cpu)?)?;
        Ok(output(vals, shape))
    }

    fn backward(&self, args: &[&Tensor], res: &Tensor, grad: &Tensor) -> Grads {
        let [x, w, b] = arity(Self::NAME, args)?;
        let (g, _, (hp, wp)) = self.geom(x.shape(), w.shape())?;
        let (hw, plane_p) = (g.out_hw(), hp * wp);
        let per_image = g.c_out * plane_p;
        let idx_t = self.switches.get()?;
        let grad = grad.contiguous()?;
        let (gs, gl) = grad.storage_and_layout();
        let dp = storage_slice::<f32>("pooled gradient", &gs, gl)?;
        let (ps, pl) = res.storage_and_layout();
        let p = storage_slice::<f32>("pooled values", &ps, pl)?;
        let (is, il) = idx_t.storage_and_layout();
        let idx = storage_slice::<u32>("pooling switches", &is, il)?;
        for (what, len) in [("pooled gradient", dp.len()), ("pooled values", p.len())] {
            check_len(what, len, g.n * per_image)?;
        }
        check_len("pooling switches", idx.len(), g.n * per_image)?;
        // The convolution's output gradient of image `i`, channel-major and dense.
        let dense_dy = |i: usize, dy: &mut [f32]| -> KernelResult {
            dy.fill(0.0);
            let base = i * per_image;
            for (c, plane) in dy.chunks_exact_mut(hw).enumerate() {
                let r = base + c * plane_p..base + (c + 1) * plane_p;
                for ((&j, &d), &v) in idx[r.clone()].iter().zip(&dp[r.clone()]).zip(&p[r]) {
                    if v > 0.0 {
                        *plane.get_mut(j as usize).ok_or(ConvError::SwitchIndex {
                            index: j,
                            plane: hw,
                        })? += d;
                    }
                }
            }
            Ok(())
        };
        let dx = if_tracked(x, || {
            let (ws, wl) = w.storage_and_layout();
            let wv = storage_slice::<f32>("conv2d weight", &ws, wl)?;
            let dx = per_image_with_map(&g, g.in_len(), |i, dxi, dy, col, par| {
                dense_dy(i, dy)?;
                conv_bwd_data_image(&g, dy, wv, None, dxi, col, par)
            })?;
            Tensor::from_vec(dx, x.shape(), &Device::Cpu)
        })?;
        let dw = if_tracked(w, || {
            let (xs, xl) = x.storage_and_layout();
            let xv = storage_slice::<f32>("conv2d input", &xs, xl)?;
            let dw = conv_bwd_filter_with(&g, xv, |i, dst| {
                dst.fill(0.0);
                let r = i * per_image..(i + 1) * per_image;
                let (ii, di, pi) = (&idx[r.clone()], &dp[r.clone()], &p[r]);
                scatter_pixel_major(ii, (g.c_out, plane_p), dst, true, |k| {
                    (pi[k] > 0.0).then_some(di[k])
                })
            })?;
            Tensor::from_vec(dw, w.shape(), &Device::Cpu)
        })?;
        let db = if_tracked(b, || {
            let sums: Vec<f32> = (0..g.c_out)
                .into_par_iter()
                .map(|c| {
                    (0..g.n)
                        .map(|i| {
                            let r = (i * g.c_out + c) * plane_p..(i * g.c_out + c + 1) * plane_p;
                            dp[r.clone()]
                                .iter()
                                .zip(&p[r])
                                .filter(|(_, v)| **v > 0.0)
                                .map(|(d, _)| f64::from(*d))
                                .sum::<f64>()
                        })
                        .sum::<f64>() as f32
                })
                .collect();
            Tensor::from_vec(sums, g.c_out, &Device::Cpu)
        })?;
        Ok(vec![dx, dw, db])
    }
}

/// The decoder stage: `(x, w, b) -> conv_transpose(unpool(relu?(x), indices), w) + b`.
struct UnpoolDeconvOp {
    indices: Tensor,
    out_h: usize,
    out_w: usize,
    relu: bool,
    stride: usize,
    pad: usize,
    out_pad: usize,
}

impl UnpoolDeconvOp {
    /// The geometry of the convolution the transposed convolution transposes, and the pooled plane.
    fn geom(&self, x: &Shape, w: &Shape) -> Result<(ConvGeom, usize)> {
        let ([n, ci, hp, wp], wdims, k) = conv_shapes("unpooling values", x, w, 0)?;
        let g = ConvGeom::transposed(
            n,
            ci,
            (self.out_h, self.out_w),
            wdims[1],
            k,
            (self.stride, self.pad, self.out_pad),
        )?;
        Ok((g, hp * wp))
    }

    fn with_indices<R>(&self, f: impl FnOnce(&[u32]) -> Result<R>) -> Result<R> {
        let (s, l) = self.indices.storage_and_layout();
        f(storage_slice::<u32>("unpooling indices", &s, l)?)
    }
}

impl Kernel for UnpoolDeconvOp {
    const NAME: &'static str = "painter-maxunpool2d-conv-transpose2d";

    fn forward(&self, args: &[Arg<'_>]) -> Output {
        let [(xs, xl), (ws, wl), (bs, bl)] = arity(Self::NAME, args)?;
        let (g, plane_p) = self.geom(xl.shape(), wl.shape())?;
        let x = f32_slice("unpooling values", xs, xl)?;
        let w = f32_slice("conv_transpose2d weight", ws, wl)?;
        let b = f32_slice("conv_transpose2d bias", bs, bl)?;
        let per_x = g.c_out * plane_p;
        check_len("unpooling values", x.len(), g.n * per_x)?;
        check_len("conv_transpose2d weight", w.len(), g.weight_len())?;
        check_len("conv_transpose2d bias", b.len(), g.c_in)?;
        let hw = g.out_hw();
        let y = self.with_indices(|idx| {
            check_len("unpooling indices", idx.len(), g.n * per_x)?;
            per_image_with_map(&g, g.in_len(), |i, yi, up, col, par| {
                up.fill(0.0);
                let r = i * per_x..(i + 1) * per_x;
                for ((u, xv), iv) in up
                    .chunks_exact_mut(hw)
                    .zip(x[r.clone()].chunks_exact(plane_p))
                    .zip(idx[r].chunks_exact(plane_p))
                {
                    scatter_plane(xv, iv, u, ScatterMode::Assign, |v| {
                        if self.relu {
                            v.max(0.0)
                        } else {
                            v
                        }
                    })?;
                }
                conv_bwd_data_image(&g, up, w, Some(b), yi, col, par)
            })
        })?;
        Ok(output(y, (g.n, g.c_in, g.h, g.w)))
    }

    fn backward(&self, args: &[&Tensor], _res: &Tensor, grad: &Tensor) -> Grads {
        let [x, w, b] = arity(Self::NAME, args)?;
        let (g, plane_p) = self.geom(x.shape(), w.shape())?;
        let per_x = g.c_out * plane_p;
        let hw = g.out_hw();
        let grad = grad.contiguous()?;
        let (gs, gl) = grad.storage_and_layout();
        let dz = storage_slice::<f32>("output gradient", &gs, gl)?;
        check_len("output gradient", dz.len(), g.n * g.in_len())?;
        let (xs, xl) = x.storage_and_layout();
        let xv = storage_slice::<f32>("unpooling values", &xs, xl)?;
        check_len("unpooling values", xv.len(), g.n * per_x)?;
        let (dx, dw) = self.with_indices(|idx| {
            check_len("unpooling indices", idx.len(), g.n * per_x)?;
            let dx = if_tracked(x, || {
                let (ws, wl) = w.storage_and_layout();
                let wv = storage_slice::<f32>("conv_transpose2d weight", &ws, wl)?;
                let dx = per_image_with_map(&g, per_x, |i, dxi, dup, col, par| {
                    let dzi = &dz[i * g.in_len()..(i + 1) * g.in_len()];
                    conv_fwd_image(&g, dzi, wv, None, dup, col, par)?;
                    let r = i * per_x..(i + 1) * per_x;
                    for (((d, u), iv), xp) in dxi
                        .chunks_exact_mut(plane_p)
                        .zip(dup.chunks_exact(hw))
                        .zip(idx[r.clone()].chunks_exact(plane_p))
                        .zip(xv[r].chunks_exact(plane_p))
                    {
                        gather_plane(u, iv, self.relu.then_some(xp), d)?;
                    }
                    Ok(())
                })?;
                Tensor::from_vec(dx, x.shape(), &Device::Cpu)
            })?;
            let dw = if_tracked(w, || {
                // The transposed convolution's weight gradient is the weight gradient of the
                // convolution it transposes, whose input is `dz` and whose output gradient is the
                // unpooled map, written pixel-major straight from the pooled values.
                let dw = conv_bwd_filter_with(&g, dz, |i, dst| {
                    dst.fill(0.0);
                    let r = i * per_x..(i + 1) * per_x;
                    let (xi, ii) = (&xv[r.clone()], &idx[r]);
                    scatter_pixel_major(ii, (g.c_out, plane_p), dst, false, |k| {
                        Some(if self.relu { xi[k].max(0.0) } else { xi[k] })
                    })
                })?;
                Tensor::from_vec(dw, w.shape(), &Device::Cpu)
            })?;
            Ok((dx, dw))
        })?;
        let db = if_tracked(b, || {
            let sums = channel_sum(dz, g.n, g.c_in)?;
            Tensor::from_vec(sums, g.c_in, &Device::Cpu)
        })?;
        Ok(vec![dx, dw, db])
    }
}
