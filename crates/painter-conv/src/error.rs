//! Typed errors of the convolution kernels.

use candle_core::DType;
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
    /// Stride is zero, padding too large, output padding not below the stride, a pooling window
    /// larger than its plane, or the output is empty.
    #[error("invalid convolution or pooling parameters: {0}")]
    Config(String),
    /// The kernels only handle contiguous CPU storage, of `f32` for the convolutions.
    #[error("{0}: expected contiguous CPU storage (f32 for the convolutions)")]
    Storage(&'static str),
    /// A tensor has a type the operation does not take (pooling takes floats, switches `u32`).
    #[error("{what}: unsupported dtype {dtype:?}")]
    DType {
        /// Which argument.
        what: &'static str,
        /// The type received.
        dtype: DType,
    },
    /// Tensors that must live together are on different devices.
    #[error("{0}: the tensors are on different devices")]
    Device(&'static str),
    /// A pooling switch points outside the plane it indexes.
    #[error("switch index {index} out of range for a plane of {plane} elements")]
    SwitchIndex {
        /// The index found.
        index: u32,
        /// The elements of the plane.
        plane: usize,
    },
    /// The switches kept by a pooling op were lost to a panic in another thread, or asked for
    /// before the op ran.
    #[error("pooling switches unavailable: {0}")]
    Switches(&'static str),
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
