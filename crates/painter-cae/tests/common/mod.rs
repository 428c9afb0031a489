//! Helpers shared by painter-cae's tests.

// Each test file uses some of them.
#![allow(dead_code)]

use candle_core::{DType, Tensor, Var};
use candle_nn::VarMap;

/// The bits of a tensor's `f32` values, flattened: equal only when bit-identical.
pub fn bits(t: &Tensor) -> Vec<u32> {
    let values: Vec<f32> = t.flatten_all().unwrap().to_vec1().unwrap();
    values.iter().map(|v| v.to_bits()).collect()
}

/// A new `VarMap` with copies, as `dtype`, of the variables of `vm` whose names `keep` accepts.
pub fn copy_varmap(vm: &VarMap, keep: impl Fn(&str) -> bool, dtype: DType) -> VarMap {
    let copy = VarMap::new();
    {
        let src = vm.data().lock().unwrap();
        let mut dst = copy.data().lock().unwrap();
        for (name, var) in src.iter().filter(|(name, _)| keep(name)) {
            let t = var.as_tensor().to_dtype(dtype).unwrap();
            dst.insert(name.clone(), Var::from_tensor(&t).unwrap());
        }
    }
    copy
}
