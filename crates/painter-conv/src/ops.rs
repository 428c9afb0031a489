//! Candle custom ops for the convolutions and their gradients.
//!
//! The forward ops ([`Conv2dOp`], [`ConvTranspose2dOp`]) take `(x, w)` or `(x, w, b)`; their
//! backward passes apply the gradient ops below without recording them (no second derivatives),
//! skip the input gradient when the input takes no part in autograd (e.g. the raw image: neither a
//! variable nor the result of an op), and likewise skip weight and bias gradients.

use crate::geometry::ConvGeom;
use crate::kernels::{channel_sum, conv_bwd_data, conv_bwd_filter, conv_fwd};
use crate::storage::{dims4, f32_slice, output};
use crate::ConvError;
use candle_core::{CpuStorage, CustomOp1, CustomOp2, CustomOp3, Layout, Result, Shape, Tensor};

fn same_kernel(w: [usize; 4]) -> Result<usize> {
    if w[2] != w[3] {
        return Err(
            ConvError::Shape(format!("kernel must be square, got {}x{}", w[2], w[3])).into(),
        );
    }
    Ok(w[2])
}

fn channels(what: &str, got: usize, expected: usize) -> Result<()> {
    if got != expected {
        return Err(ConvError::Shape(format!(
            "{what}: {got} channels, the weight expects {expected}"
        ))
        .into());
    }
    Ok(())
}

fn bias_slice<'a>(b: Option<(&'a CpuStorage, &Layout)>, c: usize) -> Result<Option<&'a [f32]>> {
    match b {
        None => Ok(None),
        Some((s, l)) => {
            if l.shape().dims() != [c] {
                return Err(ConvError::Shape(format!(
                    "bias shape {:?}, expected [{c}]",
                    l.shape().dims()
                ))
                .into());
            }
            Ok(Some(f32_slice("bias", s, l)?))
        }
    }
}

/// Forward convolution, `(x (N,Cin,H,W), w (Cout,Cin,K,K)[, b (Cout)]) -> (N,Cout,Ho,Wo)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Conv2dOp {
    pub stride: usize,
    pub pad: usize,
}

impl Conv2dOp {
    fn fwd(
        &self,
        (xs, xl): (&CpuStorage, &Layout),
        (ws, wl): (&CpuStorage, &Layout),
        b: Option<(&CpuStorage, &Layout)>,
    ) -> Result<(CpuStorage, Shape)> {
        let [n, ci, h, w] = dims4("conv2d input", xl.shape())?;
        let wd = dims4("conv2d weight", wl.shape())?;
        let k = same_kernel(wd)?;
        channels("conv2d input", ci, wd[1])?;
        let g = ConvGeom::conv(n, ci, (h, w), wd[0], k, self.stride, self.pad)?;
        let y = conv_fwd(
            &g,
            f32_slice("conv2d input", xs, xl)?,
            f32_slice("conv2d weight", ws, wl)?,
            bias_slice(b, g.c_out)?,
        )?;
        Ok(output(y, (n, g.c_out, g.h_out, g.w_out)))
    }

    fn grads(
        &self,
        x: &Tensor,
        w: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let grad = grad.contiguous()?;
        let (_, _, h, wd) = x.dims4()?;
        let k = w.dim(2)?;
        let dx = if x.track_op() {
            Some(grad.apply_op2_no_bwd(
                w,
                &ConvBwdDataOp {
                    stride: self.stride,
                    pad: self.pad,
                    h,
                    w: wd,
                },
            )?)
        } else {
            None
        };
        let dw = if w.track_op() {
            Some(x.apply_op2_no_bwd(
                &grad,
                &ConvBwdFilterOp {
                    stride: self.stride,
                    pad: self.pad,
                    k,
                },
            )?)
        } else {
            None
        };
        Ok((dx, dw))
    }
}

impl CustomOp2 for Conv2dOp {
    fn name(&self) -> &'static str {
        "painter-conv2d"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        self.fwd((s1, l1), (s2, l2), None)
    }
    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        self.grads(x, w, grad)
    }
}

impl CustomOp3 for Conv2dOp {
    fn name(&self) -> &'static str {
        "painter-conv2d-bias"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        self.fwd((s1, l1), (s2, l2), Some((s3, l3)))
    }
    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (dx, dw) = self.grads(x, w, grad)?;
        let db = bias_grad(b, grad)?;
        Ok((dx, dw, db))
    }
}

fn bias_grad(b: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
    if b.track_op() {
        Ok(Some(grad.contiguous()?.apply_op1_no_bwd(&ChannelSumOp)?))
    } else {
        Ok(None)
    }
}

/// Transposed convolution, `(x (N,Cin,H,W), w (Cin,Cout,K,K)[, b (Cout)]) -> (N,Cout,Ho,Wo)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConvTranspose2dOp {
    pub stride: usize,
    pub pad: usize,
    pub out_pad: usize,
}

impl ConvTranspose2dOp {
    fn fwd(
        &self,
        (xs, xl): (&CpuStorage, &Layout),
        (ws, wl): (&CpuStorage, &Layout),
        b: Option<(&CpuStorage, &Layout)>,
    ) -> Result<(CpuStorage, Shape)> {
        let [n, ci, h, w] = dims4("conv_transpose2d input", xl.shape())?;
        let wd = dims4("conv_transpose2d weight", wl.shape())?;
        let k = same_kernel(wd)?;
        channels("conv_transpose2d input", ci, wd[0])?;
        let g = ConvGeom::transposed(
            n,
            ci,
            (h, w),
            wd[1],
            k,
            (self.stride, self.pad, self.out_pad),
        )?;
        let y = conv_bwd_data(
            &g,
            f32_slice("conv_transpose2d input", xs, xl)?,
            f32_slice("conv_transpose2d weight", ws, wl)?,
            bias_slice(b, g.c_in)?,
        )?;
        Ok(output(y, (n, g.c_in, g.h, g.w)))
    }

    fn grads(
        &self,
        x: &Tensor,
        w: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let grad = grad.contiguous()?;
        let k = w.dim(2)?;
        let dx = if x.track_op() {
            Some(grad.apply_op2_no_bwd(
                w,
                &Conv2dOp {
                    stride: self.stride,
                    pad: self.pad,
                },
            )?)
        } else {
            None
        };
        let dw = if w.track_op() {
            Some(grad.apply_op2_no_bwd(
                x,
                &ConvBwdFilterOp {
                    stride: self.stride,
                    pad: self.pad,
                    k,
                },
            )?)
        } else {
            None
        };
        Ok((dx, dw))
    }
}

impl CustomOp2 for ConvTranspose2dOp {
    fn name(&self) -> &'static str {
        "painter-conv-transpose2d"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        self.fwd((s1, l1), (s2, l2), None)
    }
    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        self.grads(x, w, grad)
    }
}

impl CustomOp3 for ConvTranspose2dOp {
    fn name(&self) -> &'static str {
        "painter-conv-transpose2d-bias"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        self.fwd((s1, l1), (s2, l2), Some((s3, l3)))
    }
    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (dx, dw) = self.grads(x, w, grad)?;
        let db = bias_grad(b, grad)?;
        Ok((dx, dw, db))
    }
}

/// Input gradient of a convolution: `(dy (N,Cout,Ho,Wo), w (Cout,Cin,K,K)) -> dx (N,Cin,H,W)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConvBwdDataOp {
    pub stride: usize,
    pub pad: usize,
    pub h: usize,
    pub w: usize,
}

impl CustomOp2 for ConvBwdDataOp {
    fn name(&self) -> &'static str {
        "painter-conv2d-bwd-data"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let [n, co, ho, wo] = dims4("output gradient", l1.shape())?;
        let wd = dims4("conv2d weight", l2.shape())?;
        let k = same_kernel(wd)?;
        channels("output gradient", co, wd[0])?;
        let g = ConvGeom::conv(n, wd[1], (self.h, self.w), co, k, self.stride, self.pad)?;
        if (g.h_out, g.w_out) != (ho, wo) {
            return Err(ConvError::Shape(format!(
                "output gradient is {ho}x{wo}, the convolution produces {}x{}",
                g.h_out, g.w_out
            ))
            .into());
        }
        let dx = conv_bwd_data(
            &g,
            f32_slice("output gradient", s1, l1)?,
            f32_slice("conv2d weight", s2, l2)?,
            None,
        )?;
        Ok(output(dx, (n, g.c_in, g.h, g.w)))
    }
}

/// Weight gradient of a convolution: `(x (N,Cin,H,W), dy (N,Cout,Ho,Wo)) -> dw (Cout,Cin,K,K)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConvBwdFilterOp {
    pub stride: usize,
    pub pad: usize,
    pub k: usize,
}

impl CustomOp2 for ConvBwdFilterOp {
    fn name(&self) -> &'static str {
        "painter-conv2d-bwd-filter"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let [n, ci, h, w] = dims4("conv2d input", l1.shape())?;
        let [n2, co, ho, wo] = dims4("output gradient", l2.shape())?;
        if n != n2 {
            return Err(ConvError::Shape(format!("batch sizes {n} and {n2} differ")).into());
        }
        let g = ConvGeom::conv(n, ci, (h, w), co, self.k, self.stride, self.pad)?;
        if (g.h_out, g.w_out) != (ho, wo) {
            return Err(ConvError::Shape(format!(
                "output gradient is {ho}x{wo}, the convolution produces {}x{}",
                g.h_out, g.w_out
            ))
            .into());
        }
        let dw = conv_bwd_filter(
            &g,
            f32_slice("conv2d input", s1, l1)?,
            f32_slice("output gradient", s2, l2)?,
        )?;
        Ok(output(dw, (co, ci, self.k, self.k)))
    }
}

/// Bias gradient: per-channel sums of `(N, C, ...)` -> `(C)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChannelSumOp;

impl CustomOp1 for ChannelSumOp {
    fn name(&self) -> &'static str {
        "painter-channel-sum"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let dims = l.shape().dims();
        let (n, c) = match dims {
            [n, c, ..] => (*n, *c),
            other => {
                return Err(ConvError::Rank {
                    what: "bias gradient",
                    expected: 4,
                    got: other.to_vec(),
                }
                .into())
            }
        };
        let sums = channel_sum(f32_slice("bias gradient", s, l)?, n, c)?;
        Ok(output(sums, c))
    }
}
