//! Candle custom ops for the convolutions and their gradients.
//!
//! The forward ops ([`Conv2dOp`], [`ConvTranspose2dOp`]) take `(x, w)` or `(x, w, b)`; their
//! backward passes apply the gradient ops below without recording them (no second derivatives),
//! skip the input gradient when the input takes no part in autograd (e.g. the raw image: neither a
//! variable nor the result of an op), and likewise skip weight and bias gradients.

use crate::geometry::ConvGeom;
use crate::kernels::{channel_sum, conv_bwd_data, conv_bwd_filter, conv_fwd};
use crate::op::{apply_no_bwd, arity, if_tracked, Arg, Grads, Kernel, Output};
use crate::relu::{LeakyReluBwdOp, LeakyReluOp};
use crate::storage::{dims4, f32_slice, output};
use crate::ConvError;
use candle_core::{Result, Shape, Tensor};

/// The dimensions of the input `x` and weight `w` of a convolution-like op and the side of its
/// square kernel, checking that the input's channels are the weight's axis `in_axis` (1 for a
/// convolution's `C_out x C_in x K x K` weight, 0 for a transposed convolution's
/// `C_in x C_out x K x K`, or for the output gradient of a convolution).
pub(crate) fn conv_shapes(
    what: &'static str,
    x: &Shape,
    w: &Shape,
    in_axis: usize,
) -> Result<([usize; 4], [usize; 4], usize)> {
    let xd = dims4(what, x)?;
    let wd = dims4("weight", w)?;
    if wd[2] != wd[3] {
        return Err(
            ConvError::Shape(format!("kernel must be square, got {}x{}", wd[2], wd[3])).into(),
        );
    }
    if xd[1] != wd[in_axis] {
        return Err(ConvError::Shape(format!(
            "{what}: {} channels, the weight expects {}",
            xd[1], wd[in_axis]
        ))
        .into());
    }
    Ok((xd, wd, wd[2]))
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
fn with_bias_grad(args: &[&Tensor], [dx, dw]: [Option<Tensor>; 2], grad: &Tensor) -> Grads {
    let db = match args.get(2) {
        Some(b) => if_tracked(b, || apply_no_bwd(&[grad], ChannelSumOp))?,
        None => None,
    };
    Ok(vec![dx, dw, db])
}

/// Forward convolution, `(x (N,Cin,H,W), w (Cout,Cin,K,K)[, b (Cout)]) -> (N,Cout,Ho,Wo)`, then
/// the leaky ReLU of slope `act` when given.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Conv2dOp {
    pub stride: usize,
    pub pad: usize,
    pub act: Option<f32>,
}

impl Conv2dOp {
    /// A convolution of the given stride and padding, activated when `act` gives a slope.
    pub fn new(stride: usize, pad: usize, act: Option<f32>) -> Self {
        Self { stride, pad, act }
    }

    /// The gradients of the input (a transposed convolution of `grad`) and of the weight.
    fn grads(&self, x: &Tensor, w: &Tensor, grad: &Tensor) -> Result<[Option<Tensor>; 2]> {
        let (_, _, h, wd) = x.dims4()?;
        let (stride, pad, k) = (self.stride, self.pad, w.dim(2)?);
        let data = ConvBwdDataOp {
            stride,
            pad,
            h,
            w: wd,
        };
        let filter = ConvBwdFilterOp { stride, pad, k };
        Ok([
            if_tracked(x, || apply_no_bwd(&[grad, w], data))?,
            if_tracked(w, || apply_no_bwd(&[x, grad], filter))?,
        ])
    }
}

impl Kernel for Conv2dOp {
    const NAME: &'static str = "painter-conv2d";

    fn forward(&self, args: &[Arg<'_>]) -> Output {
        let ((xs, xl), (ws, wl), b) = conv_args(Self::NAME, args)?;
        let ([n, ci, h, w], wd, k) = conv_shapes("conv2d input", xl.shape(), wl.shape(), 1)?;
        let g = ConvGeom::conv(n, ci, (h, w), wd[0], k, self.stride, self.pad)?;
        let x = f32_slice("conv2d input", xs, xl)?;
        let weights = (f32_slice("conv2d weight", ws, wl)?, bias_slice(b, g.c_out)?);
        let y = conv_fwd(&g, x, weights, self.act)?;
        Ok(output(y, (n, g.c_out, g.h_out, g.w_out)))
    }

    fn backward(&self, args: &[&Tensor], res: &Tensor, grad: &Tensor) -> Grads {
        // Through the activation first: the convolution's own output gradient.
        let grad = match self.act {
            Some(slope) => apply_no_bwd(&[grad, res], LeakyReluBwdOp(LeakyReluOp { slope }))?,
            None => grad.clone(),
        };
        with_bias_grad(args, self.grads(args[0], args[1], &grad)?, &grad)
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
    /// The gradients of the input (a convolution of `grad`) and of the weight (that of the
    /// convolution this one transposes, whose input is `grad`).
    fn grads(&self, x: &Tensor, w: &Tensor, grad: &Tensor) -> Result<[Option<Tensor>; 2]> {
        let (stride, pad, k) = (self.stride, self.pad, w.dim(2)?);
        let conv = Conv2dOp::new(stride, pad, None);
        let filter = ConvBwdFilterOp { stride, pad, k };
        Ok([
            if_tracked(x, || apply_no_bwd(&[grad, w], conv))?,
            if_tracked(w, || apply_no_bwd(&[grad, x], filter))?,
        ])
    }
}

impl Kernel for ConvTranspose2dOp {
    const NAME: &'static str = "painter-conv-transpose2d";

    fn forward(&self, args: &[Arg<'_>]) -> Output {
        let ((xs, xl), (ws, wl), b) = conv_args(Self::NAME, args)?;
        let ([n, ci, h, w], wd, k) =
            conv_shapes("conv_transpose2d input", xl.shape(), wl.shape(), 0)?;
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

    fn backward(&self, args: &[&Tensor], _res: &Tensor, grad: &Tensor) -> Grads {
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
    const NAME: &'static str = "painter-conv2d-bwd-data";

    fn forward(&self, args: &[Arg<'_>]) -> Output {
        let [(s1, l1), (s2, l2)] = arity(Self::NAME, args)?;
        let ([n, co, ho, wo], wd, k) = conv_shapes("output gradient", l1.shape(), l2.shape(), 0)?;
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
    const NAME: &'static str = "painter-conv2d-bwd-filter";

    fn forward(&self, args: &[Arg<'_>]) -> Output {
        let [(s1, l1), (s2, l2)] = arity(Self::NAME, args)?;
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
    const NAME: &'static str = "painter-channel-sum";

    fn forward(&self, args: &[Arg<'_>]) -> Output {
        let [(s, l)] = arity(Self::NAME, args)?;
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
