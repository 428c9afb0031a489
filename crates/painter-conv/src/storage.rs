//! Access to the contiguous f32 data behind Candle's CPU storage.

use crate::ConvError;
use candle_core::{CpuStorage, Layout, Shape};

/// The contiguous f32 slice a layout addresses in `s`.
pub(crate) fn f32_slice<'a>(
    what: &'static str,
    s: &'a CpuStorage,
    l: &Layout,
) -> Result<&'a [f32], ConvError> {
    let CpuStorage::F32(data) = s else {
        return Err(ConvError::Storage(what));
    };
    let (start, end) = l.contiguous_offsets().ok_or(ConvError::Storage(what))?;
    data.get(start..end).ok_or(ConvError::Storage(what))
}

/// The four dimensions of a rank-4 shape.
pub(crate) fn dims4(what: &'static str, s: &Shape) -> Result<[usize; 4], ConvError> {
    match s.dims() {
        &[a, b, c, d] => Ok([a, b, c, d]),
        other => Err(ConvError::Rank {
            what,
            expected: 4,
            got: other.to_vec(),
        }),
    }
}

/// Wraps a result vector as Candle CPU storage with its shape.
pub(crate) fn output<S: Into<Shape>>(v: Vec<f32>, shape: S) -> (CpuStorage, Shape) {
    (CpuStorage::F32(v), shape.into())
}
