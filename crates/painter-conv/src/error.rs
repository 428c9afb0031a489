//! Typed errors of the convolution kernels.

use thiserror::Error;

/// Why a convolution could not run.
///
/// Public functions return [`candle_core::Result`]; a `ConvError` travels inside
/// [`candle_core::Error::Wrapped`] and can be recovered with `downcast_ref` on the wrapped value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConvError {
    /// A tensor does not have the rank the operation needs.
    #[error("{what}: expected a rank-{expected} tensor, got shape {got:?}")]
    Rank {
        /// Which argument.
        what: &'static str,
        /// Required rank.
        expected: usize,
        /// Shape received.
        got: Vec<usize>,
    },
    /// Shapes of the input, weight or bias do not agree.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// Stride is zero, padding too large, output padding not below the stride, or the output is empty.
    #[error("invalid convolution parameters: {0}")]
    Config(String),
    /// The fast kernels only handle contiguous `f32` CPU storage.
    #[error("{0}: expected contiguous f32 CPU storage")]
    Storage(&'static str),
    /// A buffer is too short for the matrix shape and strides given to the GEMM wrapper.
    #[error("GEMM operand {what} needs {needed} elements, has {len}")]
    Gemm {
        /// Which operand.
        what: &'static str,
        /// Elements needed.
        needed: usize,
        /// Elements present.
        len: usize,
    },
}

impl From<ConvError> for candle_core::Error {
    fn from(e: ConvError) -> Self {
        candle_core::Error::wrap(e)
    }
}
