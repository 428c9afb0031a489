//! Access to the contiguous data behind Candle's CPU storage.

use crate::ConvError;
use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, Layout, Shape, Storage};

/// The contiguous part of `data` that `l` addresses.
pub(crate) fn contiguous<'a, T>(
    what: &'static str,
    data: &'a [T],
    l: &Layout,
) -> Result<&'a [T], ConvError> {
    let (start, end) = l.contiguous_offsets().ok_or(ConvError::Storage(what))?;
    data.get(start..end).ok_or(ConvError::Storage(what))
}

/// The contiguous f32 slice a layout addresses in `s`.
pub(crate) fn f32_slice<'a>(
    what: &'static str,
    s: &'a CpuStorage,
    l: &Layout,
) -> Result<&'a [f32], ConvError> {
    let CpuStorage::F32(data) = s else {
        return Err(ConvError::Storage(what));
    };
    contiguous(what, data, l)
}

/// The contiguous u32 slice a layout addresses in `s`.
pub(crate) fn u32_slice<'a>(
    what: &'static str,
    s: &'a CpuStorage,
    l: &Layout,
) -> Result<&'a [u32], ConvError> {
    let CpuStorage::U32(data) = s else {
        return Err(ConvError::DType {
            what,
            dtype: s.dtype(),
        });
    };
    contiguous(what, data, l)
}

/// The CPU storage behind a tensor's storage, or an error for another device.
fn cpu<'a>(what: &'static str, s: &'a Storage) -> Result<&'a CpuStorage, ConvError> {
    match s {
        Storage::Cpu(cs) => Ok(cs),
        _ => Err(ConvError::Storage(what)),
    }
}

/// The contiguous f32 data of a tensor's CPU storage.
pub(crate) fn storage_f32<'a>(
    what: &'static str,
    s: &'a Storage,
    l: &Layout,
) -> Result<&'a [f32], ConvError> {
    f32_slice(what, cpu(what, s)?, l)
}

/// The contiguous u32 data of a tensor's CPU storage.
pub(crate) fn storage_u32<'a>(
    what: &'static str,
    s: &'a Storage,
    l: &Layout,
) -> Result<&'a [u32], ConvError> {
    u32_slice(what, cpu(what, s)?, l)
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
