//! Access to the contiguous data behind Candle's CPU storage.

use crate::ConvError;
use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, DType, Layout, Shape, Storage, Tensor, WithDType};

/// Whether every tensor lives on the CPU as `f32`: the domain of the fast convolution kernels and
/// of the fused stages.
///
/// ```
/// use candle_core::{DType, Device, Tensor};
/// let x = Tensor::zeros(2, DType::F32, &Device::Cpu).unwrap();
/// assert!(painter_conv::is_cpu_f32(&[&x]));
/// assert!(!painter_conv::is_cpu_f32(&[&x, &x.to_dtype(DType::F64).unwrap()]));
/// ```
pub fn is_cpu_f32(ts: &[&Tensor]) -> bool {
    ts.iter()
        .all(|t| t.device().is_cpu() && t.dtype() == DType::F32)
}

/// An error naming `what` unless every tensor lives on the CPU as `f32`.
pub(crate) fn require_cpu_f32(what: &'static str, ts: &[&Tensor]) -> candle_core::Result<()> {
    if is_cpu_f32(ts) {
        Ok(())
    } else {
        Err(ConvError::Storage(what).into())
    }
}

/// The contiguous part of `data` that `l` addresses.
pub(crate) fn contiguous<'a, T>(
    what: &'static str,
    data: &'a [T],
    l: &Layout,
) -> Result<&'a [T], ConvError> {
    let (start, end) = l.contiguous_offsets().ok_or(ConvError::Storage(what))?;
    data.get(start..end).ok_or(ConvError::Storage(what))
}

/// The contiguous slice of `T` a layout addresses in `s`, or an error naming the type `s` holds.
pub(crate) fn slice<'a, T: WithDType>(
    what: &'static str,
    s: &'a CpuStorage,
    l: &Layout,
) -> Result<&'a [T], ConvError> {
    let dtype = s.dtype();
    let data = T::cpu_storage_as_slice(s).map_err(|_| ConvError::DType { what, dtype })?;
    contiguous(what, data, l)
}

/// The contiguous f32 slice a layout addresses in `s`.
pub(crate) fn f32_slice<'a>(
    what: &'static str,
    s: &'a CpuStorage,
    l: &Layout,
) -> Result<&'a [f32], ConvError> {
    slice(what, s, l)
}

/// The contiguous slice of `T` of a tensor's storage (as `storage_and_layout` gives it), which
/// must live on the CPU.
pub(crate) fn storage_slice<'a, T: WithDType>(
    what: &'static str,
    s: &'a Storage,
    l: &Layout,
) -> Result<&'a [T], ConvError> {
    match s {
        Storage::Cpu(cs) => slice(what, cs, l),
        _ => Err(ConvError::Storage(what)),
    }
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

/// Checks that two arguments, named together by `what`, have the same shape.
pub(crate) fn same_shape(what: &'static str, a: &Shape, b: &Shape) -> Result<(), ConvError> {
    if a != b {
        return Err(ConvError::Shape(format!(
            "{what} must have the same shape, got {:?} and {:?}",
            a.dims(),
            b.dims()
        )));
    }
    Ok(())
}

/// Wraps a result vector as Candle CPU storage with its shape.
pub(crate) fn output<S: Into<Shape>>(v: Vec<f32>, shape: S) -> (CpuStorage, Shape) {
    (CpuStorage::F32(v), shape.into())
}
