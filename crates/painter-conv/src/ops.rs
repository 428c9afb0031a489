//! Candle custom ops for the convolutions and their gradients.
//!
//! The forward ops ([`Conv2dOp`], [`ConvTranspose2dOp`]) take `(x, w)` or `(x, w, b)`; their
//! backward passes apply the gradient ops below without recording them (no second derivatives),
//! skip the input gradient when the input takes no part in autograd (e.g. the raw image: neither a
//! variable nor the result of an op), and likewise skip weight and bias gradients.

use crate::geometry::ConvGeom;
use crate::kernels::{channel_sum, conv_bwd_data, conv_bwd_filter, conv_fwd};
use crate::op::{apply_no_bwd, arity, Arg, Kernel};
use crate::storage::{dims4, f32_slice, output};
use crate::ConvError;
use candle_core::{CpuStorage, Result, Shape, Tensor};

/// The side of a square kernel of shape `w`.
pub(crate) fn square_kernel(w: [usize; 4]) -> Result<usize> {
    if w[2] != w[3] {
        return Err(
            ConvError::Shape(format!("kernel must be square, got {}x{}", w[2], w[3])).into(),
        );
    }
    Ok(w[2])
}

/// Checks that an input of `got` channels fits a weight that expects `expected`.
pub(crate) fn channels(what: &str, got: usize, expected: usize) -> Result<()> {
    if got != expected {
        return Err(ConvError::Shape(format!(
            "{what}: {got} channels, the weight expects {expected}"
        ))
        .into());
    }
    Ok(())
}

fn bias_slice<'a>(b: Option<Arg<'a>>, c: usize) -> Result<Option<&'a [f32]>> {
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

/// The input, weight and optional bias of a forward convolution op.
fn conv_args<'a>(what: &str, args: &[Arg<'a>]) -> Result<(Arg<'a>, Arg<'a>, Option<Arg<'a>>)> {
    match args {
        [x, w] => Ok((*x, *w, None)),
        [x, w, b] => Ok((*x, *w, Some(*b))),
        other => candle_core::bail!("{what} takes 2 or 3 tensors, got {}", other.len()),
    }
}

/// The gradients of a convolution op's arguments: input and weight from `grads`, the bias (when
/// there is one) as per-channel sums of the output gradient.
fn with_bias_grad(
    args: &[&Tensor],
    (dx, dw): (Option<Tensor>, Option<Tensor>),
    grad: &Tensor,
) -> Result<Vec<Option<Tensor>>> {
    let db = match args.get(2) {
        Some(b) if b.track_op() => Some(apply_no_bwd(&[grad], ChannelSumOp)?),
        _ => None,
    };
    Ok(vec![dx, dw, db])
}

/// Forward convolution, `(x (N,Cin,H,W), w (Cout,Cin,K,K)[, b (Cout)]) -> (N,Cout,Ho,Wo)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Conv2dOp {
    pub stride: usize,
    pub pad: usize,
}

impl Conv2dOp {
    fn grads(
        &self,
        x: &Tensor,
        w: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let (_, _, h, wd) = x.dims4()?;
        let k = w.dim(2)?;
        let dx = if x.track_op() {
            let op = ConvBwdDataOp {
                stride: self.stride,
                pad: self.pad,
                h,
                w: wd,
            };
            Some(apply_no_bwd(&[grad, w], op)?)
        } else {
            None
        };
        let dw = if w.track_op() {
            let op = ConvBwdFilterOp {
                stride: self.stride,
                pad: self.pad,
                k,
            };
            Some(apply_no_bwd(&[x, grad], op)?)
        } else {
            None
        };
        Ok((dx, dw))
    }
}

impl Kernel for Conv2dOp {
    fn name(&self) -> &'static str {
        "painter-conv2d"
    }

    fn forward(&self, args: &[Arg<'_>]) -> Result<(CpuStorage, Shape)> {
        let ((xs, xl), (ws, wl), b) = conv_args(self.name(), args)?;
        let [n, ci, h, w] = dims4("conv2d input", xl.shape())?;
        let wd = dims4("conv2d weight", wl.shape())?;
        let k = square_kernel(wd)?;
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

    fn backward(
        &self,
        args: &[&Tensor],
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<Vec<Option<Tensor>>> {
        with_bias_grad(args, self.grads(args[0], args[1], grad)?, grad)
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
    fn grads(
        &self,
        x: &Tensor,
        w: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let k = w.dim(2)?;
        let dx = if x.track_op() {
            let op = Conv2dOp {
                stride: self.stride,
                pad: self.pad,
            };
            Some(apply_no_bwd(&[grad, w], op)?)
        } else {
            None
        };
        let dw = if w.track_op() {
            let op = ConvBwdFilterOp {
                stride: self.stride,
                pad: self.pad,
                k,
            };
            Some(apply_no_bwd(&[grad, x], op)?)
        } else {
            None
        };
        Ok((dx, dw))
    }
}

impl Kernel for ConvTranspose2dOp {
    fn name(&self) -> &'static str {
        "painter-conv-transpose2d"
    }

    fn forward(&self, args: &[Arg<'_>]) -> Result<(CpuStorage, Shape)> {
        let ((xs, xl), (ws, wl), b) = conv_args(self.name(), args)?;
        let [n, ci, h, w] = dims4("conv_transpose2d input", xl.shape())?;
        let wd = dims4("conv_transpose2d weight", wl.shape())?;
        let k = square_kernel(wd)?;
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

    fn backward(
        &self,
        args: &[&Tensor],
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<Vec<Option<Tensor>>> {
        with_bias_grad(args, self.grads(args[0], args[1], grad)?, grad)
    }
}

/// Checks that an output gradient of `ho x wo` fits the convolution `g`.
fn check_output_size(g: &ConvGeom, (ho, wo): (usize, usize)) -> Result<()> {
    if (g.h_out, g.w_out) != (ho, wo) {
        return Err(ConvError::Shape(format!(
            "output gradient is {ho}x{wo}, the convolution produces {}x{}",
            g.h_out, g.w_out
        ))
        .into());
    }
    Ok(())
}

/// Input gradient of a convolution: `(dy (N,Cout,Ho,Wo), w (Cout,Cin,K,K)) -> dx (N,Cin,H,W)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConvBwdDataOp {
    pub stride: usize,
    pub pad: usize,
    pub h: usize,
    pub w: usize,
}

impl Kernel for ConvBwdDataOp {
    fn name(&self) -> &'static str {
        "painter-conv2d-bwd-data"
    }

    fn forward(&self, args: &[Arg<'_>]) -> Result<(CpuStorage, Shape)> {
        let [(s1, l1), (s2, l2)] = arity(self.name(), args)?;
        let [n, co, ho, wo] = dims4("output gradient", l1.shape())?;
        let wd = dims4("conv2d weight", l2.shape())?;
        let k = square_kernel(wd)?;
        channels("output gradient", co, wd[0])?;
        let g = ConvGeom::conv(n, wd[1], (self.h, self.w), co, k, self.stride, self.pad)?;
        check_output_size(&g, (ho, wo))?;
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

impl Kernel for ConvBwdFilterOp {
    fn name(&self) -> &'static str {
        "painter-conv2d-bwd-filter"
    }

    fn forward(&self, args: &[Arg<'_>]) -> Result<(CpuStorage, Shape)> {
        let [(s1, l1), (s2, l2)] = arity(self.name(), args)?;
        let [n, ci, h, w] = dims4("conv2d input", l1.shape())?;
        let [n2, co, ho, wo] = dims4("output gradient", l2.shape())?;
        if n != n2 {
            return Err(ConvError::Shape(format!("batch sizes {n} and {n2} differ")).into());
        }
        let g = ConvGeom::conv(n, ci, (h, w), co, self.k, self.stride, self.pad)?;
        check_output_size(&g, (ho, wo))?;
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

impl Kernel for ChannelSumOp {
    fn name(&self) -> &'static str {
        "painter-channel-sum"
    }

    fn forward(&self, args: &[Arg<'_>]) -> Result<(CpuStorage, Shape)> {
        let [(s, l)] = arity(self.name(), args)?;
        let (n, c) = match l.shape().dims() {
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
