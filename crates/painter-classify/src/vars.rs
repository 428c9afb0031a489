//! Variables from saved tensors, checked against what a model expects of them.

use crate::error::{ClassifyError, Result};
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::VarMap;

/// A [`VarMap`] of the tensors `get` gives for `specs` (name and shape), each checked: a missing
/// one is [`ClassifyError::MissingTensor`], one of another shape [`ClassifyError::TensorShape`]
/// (naming `part`); the variables are `f32` on `device`.
pub(crate) fn checked_vars(
    part: &'static str,
    specs: impl IntoIterator<Item = (String, Vec<usize>)>,
    mut get: impl FnMut(&str) -> Option<Tensor>,
    device: &Device,
) -> Result<VarMap> {
    let mut vars = Vec::new();
    for (name, shape) in specs {
        let Some(t) = get(&name) else {
            return Err(ClassifyError::MissingTensor { part, name });
        };
        if t.dims() != shape.as_slice() {
            return Err(ClassifyError::TensorShape {
                part,
                name,
                found: t.dims().to_vec(),
                expected: shape,
            });
        }
        let t = t.to_dtype(DType::F32)?.to_device(device)?;
        vars.push((name, Var::from_tensor(&t)?));
    }
    Ok(painter_train::var_map(vars)?)
}
