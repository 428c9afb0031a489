//! Helpers shared by painter-conv's tests: seeded random data, a tensor's values and bits, the
//! gradient of a variable.

// Each test file uses some of them.
#![allow(dead_code)]

use candle_core::backprop::GradStore;
use candle_core::{Device, Tensor, Var};
use rand::rngs::StdRng;
use rand::Rng;

/// `n` values uniform in `[-1, 1)`.
pub fn rand_vec(rng: &mut StdRng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

/// A CPU `f32` tensor of shape `dims` filled by [`rand_vec`].
pub fn rand_tensor(rng: &mut StdRng, dims: &[usize]) -> Tensor {
    let n = dims.iter().product();
    Tensor::from_vec(rand_vec(rng, n), dims, &Device::Cpu).expect("random tensor")
}

/// A variable filled by [`rand_vec`].
pub fn rand_var(rng: &mut StdRng, dims: &[usize]) -> Var {
    Var::from_tensor(&rand_tensor(rng, dims)).expect("random variable")
}

/// A variable of shape `dims` holding `values`.
pub fn var_of(values: &[f32], dims: &[usize]) -> Var {
    let t = Tensor::from_vec(values.to_vec(), dims, &Device::Cpu).expect("tensor of values");
    Var::from_tensor(&t).expect("variable")
}

/// The `f32` values of a tensor, flattened.
pub fn flat(t: &Tensor) -> Vec<f32> {
    t.flatten_all()
        .and_then(|t| t.to_vec1::<f32>())
        .expect("f32 values")
}

/// The bits of a tensor's `f32` values, flattened: equal only when bit-identical.
pub fn bits(t: &Tensor) -> Vec<u32> {
    flat(t).into_iter().map(f32::to_bits).collect()
}

/// The gradient of `v` in `grads`.
pub fn grad_of(grads: &GradStore, v: &Var) -> Tensor {
    grads.get(v.as_tensor()).expect("missing gradient").clone()
}

/// The `1 x 1 x h x w` tensor `0, 1, 2, ...` in row-major order.
pub fn ramp(h: usize, w: usize) -> Tensor {
    Tensor::arange(0f32, (h * w) as f32, &Device::Cpu)
        .and_then(|t| t.reshape((1, 1, h, w)))
        .expect("ramp")
}
