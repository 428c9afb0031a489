//! Shapes of a batched 2-D convolution, shared by the forward and backward kernels.

use crate::ConvError;

/// A batched convolution `x (n, c_in, h, w) -> y (n, c_out, h_out, w_out)` with a square
/// `k x k` kernel, stride and zero padding.
///
/// A transposed convolution is described by the convolution it transposes: its output is that
/// convolution's input and vice versa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConvGeom {
    pub n: usize,
    pub c_in: usize,
    pub h: usize,
    pub w: usize,
    pub c_out: usize,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
    pub h_out: usize,
    pub w_out: usize,
}

/// Output length of a convolution along one axis, or an error when the window does not fit.
pub(crate) fn conv_out_len(
    len: usize,
    k: usize,
    stride: usize,
    pad: usize,
) -> Result<usize, ConvError> {
    if stride == 0 {
        return Err(ConvError::Config("stride must be at least 1".into()));
    }
    if k == 0 {
        return Err(ConvError::Config("kernel size must be at least 1".into()));
    }
    let padded = len + 2 * pad;
    if padded < k {
        return Err(ConvError::Config(format!(
            "kernel {k} larger than padded input {padded}"
        )));
    }
    Ok((padded - k) / stride + 1)
}

impl ConvGeom {
    /// Geometry of a convolution, output size derived from the input.
    pub fn conv(
        n: usize,
        c_in: usize,
        (h, w): (usize, usize),
        c_out: usize,
        k: usize,
        stride: usize,
        pad: usize,
    ) -> Result<Self, ConvError> {
        let g = Self {
            n,
            c_in,
            h,
            w,
            c_out,
            k,
            stride,
            pad,
            h_out: conv_out_len(h, k, stride, pad)?,
            w_out: conv_out_len(w, k, stride, pad)?,
        };
        g.check_pad()?;
        Ok(g)
    }

    fn check_pad(&self) -> Result<(), ConvError> {
        if self.pad >= self.k {
            return Err(ConvError::Config(format!(
                "padding {} must be smaller than the kernel size {}",
                self.pad, self.k
            )));
        }
        Ok(())
    }

    /// Geometry of the convolution that a transposed convolution `x (n, c_in, h, w)`, weight
    /// `(c_in, c_out, k, k)` with `(stride, padding, output_padding)` transposes; its input is the transposed convolution's output.
    pub fn transposed(
        n: usize,
        c_in: usize,
        (h, w): (usize, usize),
        c_out: usize,
        k: usize,
        (stride, pad, out_pad): (usize, usize, usize),
    ) -> Result<Self, ConvError> {
        if stride == 0 {
            return Err(ConvError::Config("stride must be at least 1".into()));
        }
        if out_pad >= stride {
            return Err(ConvError::Config(format!(
                "output padding {out_pad} must be smaller than the stride {stride}"
            )));
        }
        let full = |len: usize| -> Result<usize, ConvError> {
            let grown = len.saturating_sub(1) * stride + k + out_pad;
            if len == 0 || grown <= 2 * pad {
                return Err(ConvError::Config(format!(
                    "transposed convolution of length {len} with kernel {k}, stride {stride}, padding {pad} is empty"
                )));
            }
            Ok(grown - 2 * pad)
        };
        let g = Self {
            n,
            c_in: c_out,
            h: full(h)?,
            w: full(w)?,
            c_out: c_in,
            k,
            stride,
            pad,
            h_out: h,
            w_out: w,
        };
        g.check_pad()?;
        if conv_out_len(g.h, k, stride, pad)? != h || conv_out_len(g.w, k, stride, pad)? != w {
            return Err(ConvError::Config(
                "transposed convolution sizes are inconsistent".into(),
            ));
        }
        Ok(g)
    }

    /// Rows of the column matrix: `c_in * k * k`.
    pub fn col_rows(&self) -> usize {
        self.c_in * self.k * self.k
    }
    /// Output pixels per channel: `h_out * w_out`.
    pub fn out_hw(&self) -> usize {
        self.h_out * self.w_out
    }
    /// Elements of one input image.
    pub fn in_len(&self) -> usize {
        self.c_in * self.h * self.w
    }
    /// Elements of one output image.
    pub fn out_len(&self) -> usize {
        self.c_out * self.out_hw()
    }
    /// Elements of the weight.
    pub fn weight_len(&self) -> usize {
        self.c_out * self.col_rows()
    }
    /// A 1x1 convolution without stride or padding needs no column matrix.
    pub fn is_pointwise(&self) -> bool {
        self.k == 1 && self.stride == 1 && self.pad == 0
    }
}
